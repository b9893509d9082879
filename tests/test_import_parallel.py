"""Large .bib files are parsed in chunks by forked workers: the result must be exactly
what one process gives — records, people, search index, problems and their lines."""

from __future__ import annotations

import multiprocessing
import os
import sqlite3
from pathlib import Path

import pytest

from pubdb.bibtex import reader as bibimport
from pubdb.library import Library

pytestmark = pytest.mark.skipif(
    "fork" not in multiprocessing.get_all_start_methods(), reason="needs fork (Linux)"
)

FAMILIES = ["Boull{\\'e}", 'M{\\"u}ller', "{\\O}deg{\\aa}rd", "d'Ascoli", "Jelassi", "Li"]


def entry(n: int) -> str:
    authors = " and ".join(f"{FAMILIES[(n + k) % 6]}, Given{(n + k) % 7}" for k in range(3))
    return (
        f"@article{{key{n},\n  author = {{{authors}}},\n"
        f'  title = {{Paper {n} on $O(n \\log n)$ {{\\TeX}} na{{\\"\\i}}ve methods}},\n'
        f"  journal = jmlr,\n  year = {1990 + n % 35},\n  month = mar,\n"
        f"  volume = {{{n}}},\n  pages = {{{n}--{n + 9}}},\n}}\n\n"
    )


def big_bib() -> str:
    """~600 entries with an @string, a broken entry, a repeated field and a key repeated
    far from its first use (so in another chunk)."""
    parts = ['@string{jmlr = "Journal of Machine Learning Research"}\n\n']
    for n in range(600):
        parts.append(entry(n))
        if n == 150:
            parts.append("@article{broken,\n  title = {Unclosed,\n  year = 2020\n\n")
        if n == 300:
            parts.append("@misc{twice, title = {A}, title = {B}, year = 2001}\n\n")
    parts.append(entry(5))  # duplicate key, in the last chunk
    return "".join(parts)


def snapshot(db: Path) -> dict[str, list]:
    with sqlite3.connect(db) as conn:
        columns = [row[1] for row in conn.execute("PRAGMA table_info(publications)")]
        kept = [c for c in columns if c not in ("created_at", "updated_at")]  # the clock
        return {
            "publications": conn.execute(
                f"SELECT {', '.join(kept)} FROM publications ORDER BY id"
            ).fetchall(),
            "authorships": conn.execute("SELECT * FROM authorships ORDER BY 1, 2").fetchall(),
            "people": conn.execute(
                "SELECT id, name, given, family, name_key, ambiguous FROM people ORDER BY id"
            ).fetchall(),
            "names": conn.execute("SELECT * FROM person_names ORDER BY id").fetchall(),
            "search": conn.execute(
                "SELECT rowid, * FROM publications_fts ORDER BY rowid"
            ).fetchall(),
            "dirty": conn.execute("SELECT * FROM search_dirty").fetchall(),
        }


def import_with(tmp_path: Path, workers: int, monkeypatch, name: str):
    monkeypatch.setenv("PUBDB_WORKERS", str(workers))
    db = tmp_path / f"{name}.db"
    with Library(db) as library:
        report = library.import_bibtex([tmp_path / "big.bib"])
    return report, snapshot(db)


@pytest.fixture
def chunked(monkeypatch):
    """Small thresholds, so a test-sized file is cut into several chunks."""
    monkeypatch.setattr(bibimport, "PARALLEL_MIN_CHARS", 10_000)
    monkeypatch.setattr(bibimport, "CHUNK_MIN_CHARS", 5_000)


def test_file_is_really_cut_into_chunks(chunked):
    text = big_bib()
    bounds = bibimport.chunk_bounds(text, 8)
    assert len(bounds) == 8
    assert bounds[0][0] == 0 and bounds[-1][1] == len(text)
    assert all(text[start] == "@" for start, _ in bounds)


def test_workers_give_exactly_what_one_process_gives(tmp_path, monkeypatch, chunked):
    (tmp_path / "big.bib").write_text(big_bib(), encoding="utf-8")
    serial, serial_rows = import_with(tmp_path, 1, monkeypatch, "serial")
    parallel, parallel_rows = import_with(tmp_path, 2, monkeypatch, "parallel")

    assert parallel.summary == serial.summary == "601 added, 2 failed"
    assert parallel.failures == serial.failures
    assert parallel.warnings == serial.warnings
    assert parallel_rows == serial_rows
    assert len(parallel_rows["search"]) == 601 and parallel_rows["dirty"] == []


def test_problems_keep_their_line_numbers_across_chunks(tmp_path, monkeypatch, chunked):
    text = big_bib()
    (tmp_path / "big.bib").write_text(text, encoding="utf-8")
    report, _ = import_with(tmp_path, 2, monkeypatch, "lines")
    lines = text.splitlines()
    duplicate = next(p for p in report.failures if "duplicate key 'key5'" in p.message)
    assert lines[duplicate.line - 1].startswith("@article{key5,")
    assert duplicate.line > lines.index("@article{key5,") + 1
    assert any(lines[p.line - 1].startswith("@article{broken") for p in report.failures)
    repeated = next(w for w in report.warnings if "repeated field" in w.message)
    assert lines[repeated.line - 1].startswith("@misc{twice")


def test_parallel_import_is_searchable_and_accent_folded(tmp_path, monkeypatch, chunked):
    (tmp_path / "big.bib").write_text(big_bib(), encoding="utf-8")
    monkeypatch.setenv("PUBDB_WORKERS", "2")
    with Library(tmp_path / "search.db") as library:
        library.import_bibtex([tmp_path / "big.bib"])
        found = library.search("odegard naive paper 42")
    keys = {p.citekey for p in found}  # every word is a prefix: 42 finds 42x too
    assert "key42" in keys and all(key.startswith("key42") for key in keys)


@pytest.mark.parametrize(
    ("configured", "chars", "expected"),
    [
        pytest.param(None, 3_800_000, 1, id="tugboat-sized-parsed-in-process"),
        pytest.param(None, bibimport.AUTO_PARALLEL_MIN_CHARS, "cpus", id="large-in-workers"),
        pytest.param("2", 1_500_000, 2, id="asked-for-workers"),
        pytest.param("1", 50_000_000, 1, id="asked-for-none"),
    ],
)
def test_workers_only_where_they_pay_for_their_cpu(monkeypatch, configured, chars, expected):
    if configured is None:
        monkeypatch.delenv("PUBDB_WORKERS", raising=False)
    else:
        monkeypatch.setenv("PUBDB_WORKERS", configured)
    if expected == "cpus":
        expected = min(os.cpu_count() or 1, 4)
    assert bibimport.worker_count(chars) == expected
