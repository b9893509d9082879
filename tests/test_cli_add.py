"""`pubdb add`: arXiv ids in, records stored, a summary out — against the local stand-in."""

from __future__ import annotations

import json
import sqlite3
import time

import pytest
from werkzeug import Response

from pubdb.library import Library


def rows(db_path, table: str) -> int:
    with sqlite3.connect(db_path) as conn:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def test_add_accepts_every_pasted_form_in_one_request(run, arxiv, db_path):
    result = run(
        "add",
        "2206.06921",
        "arXiv:1707.08567v1",
        "https://arxiv.org/pdf/2104.12255v1.pdf",
        "http://arxiv.org/abs/quant-ph/0201082",
        "10.48550/arXiv.1605.08386",
        "astro-ph/0601001v1",
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.strip().splitlines()[-1] == ("6 added")
    assert len(arxiv.requests) == 1
    request = arxiv.requests[0]
    assert request["max_results"] == "6"
    assert request["id_list"].split(",") == [
        "2206.06921", "1707.08567", "2104.12255", "quant-ph/0201082", "1605.08386",
        "astro-ph/0601001",
    ]  # fmt: skip
    assert rows(db_path, "publications") == 6


def test_added_record_keeps_arxiv_metadata(run, arxiv):
    run("add", "2206.06921")
    with Library() as library:
        paper = library.get("2206.06921")
        assert paper.title == "Attainable forms of Assouad spectra"
        assert [a.name for a in paper.authors] == ["Alex Rutar"]
        assert paper.arxiv_version == 3
        assert paper.doi == "10.1512/iumj.2024.73.9928"
        assert paper.journal_ref == "Indiana Univ. Math. J. 73 (2024), 1331-1356"
        assert paper.arxiv_primary_category == "math.CA"
        assert paper.arxiv_categories == ["math.CA", "math.DS", "math.MG"]
        assert paper.status == "published"
        assert paper.venue == paper.journal_ref
        assert paper.year == 2024  # the journal's year, not the preprint's
        assert paper.arxiv_published == "2022-06-14T15:35:46Z"
        assert paper.citekey == "rutar2022attainable" or paper.citekey.startswith("rutar")
        assert "<summary>" in library.arxiv_xml("2206.06921")


def test_affiliations_are_kept_in_author_order(run, arxiv):
    run("add", "astro-ph/0601001")
    with Library() as library:
        authors = library.get("astro-ph/0601001").authors
    assert [(a.name, a.affiliation) for a in authors] == [
        ("Andrew Gould", "Ohio State"),
        ("Susan Dorsher", "Ohio State"),
        ("B. Scott Gaudi", "CfA"),
        ("Andrzej Udalski", "Warsaw University Observatory"),
    ]


def test_unknown_id_is_reported_and_the_others_are_stored(run, arxiv, db_path):
    result = run("add", "2206.06921", "2201.13455")
    assert result.exit_code == 1
    assert "not found  2201.13455" in result.stdout
    assert "1 added, 1 not found" in result.stdout
    assert rows(db_path, "publications") == 1


@pytest.mark.parametrize(
    "bad", ["abc", "2502.1384", "1501.0001", "0000.0000", "foo/9901001", "2502.01384v0"]
)
def test_malformed_id_stops_before_any_request(run, arxiv, db_path, bad):
    result = run("add", "2206.06921", bad)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert repr(bad) in result.stderr
    assert arxiv.requests == []
    assert not db_path.exists() or rows(db_path, "publications") == 0


def test_readding_updates_without_duplicating(run, arxiv, db_path):
    run("add", "1707.08567")
    again = run("add", "1707.08567v1", "arXiv:1707.08567")
    assert again.exit_code == 0
    assert "1 unchanged" in again.stdout
    assert rows(db_path, "publications") == 1
    assert len(arxiv.asked_ids) == 2  # duplicates in one call are asked once


def test_new_version_doi_and_journal_ref_update_the_record(run, arxiv, db_path):
    run("add", "2104.12255")
    with Library() as library:
        before = library.get("2104.12255")
    assert before.arxiv_version == 1 and before.status == "preprint"
    entry = arxiv.entries["2104.12255"]
    entry = entry.replace(b"2104.12255v1", b"2104.12255v2").replace(
        b"</entry>",
        b"<arxiv:doi>10.1000/XYZ.123</arxiv:doi>"
        b"<arxiv:journal_ref>Proceedings of ICML 2022</arxiv:journal_ref></entry>",
    )
    arxiv.entries["2104.12255"] = entry
    result = run("add", "2104.12255")
    assert result.exit_code == 0
    assert "updated" in result.stdout and "arxiv_version" in result.stdout
    with Library() as library:
        after = library.get("2104.12255")
    assert after.arxiv_version == 2
    assert after.doi == "10.1000/xyz.123"
    assert after.journal_ref == "Proceedings of ICML 2022"
    assert after.status == "published"
    assert after.kind == "conference" and after.entry_type == "inproceedings"
    assert after.citekey == before.citekey
    assert rows(db_path, "publications") == 1


def test_many_ids_go_in_batches_of_100_with_a_progress_bar(run, arxiv, db_path):
    ids = sorted(arxiv.entries)[:150]
    result = run("add", *ids)
    assert result.exit_code == 0, result.stderr
    assert [r["max_results"] for r in arxiv.requests] == ["100", "50"]
    assert "150 added" in result.stdout
    # the progress bar is drawn on terminals only: stderr just says the library is new
    assert result.stderr == f"pubdb: created a new library at {db_path}\n"
    assert rows(db_path, "publications") == 150


def test_from_file_finds_ids_in_free_text(run, arxiv, tmp_path):
    thread = tmp_path / "thread.txt"
    thread.write_text(
        "Great paper arxiv.org/abs/2206.06921 🚀 and see arxiv.org/pdf/1707.08567v1,\n"
        "plus (arXiv:astro-ph/0601001). Not an id: 2024.12345 or v1.2.\n"
    )
    result = run("add", "--from", str(thread))
    assert result.exit_code == 0, result.output
    assert arxiv.asked_ids == ["2206.06921", "1707.08567", "astro-ph/0601001"]


def test_from_file_without_ids_is_a_usage_error(run, arxiv, tmp_path):
    empty = tmp_path / "notes.txt"
    empty.write_text("nothing to see")
    result = run("add", "--from", str(empty))
    assert result.exit_code == 2
    assert "no arXiv identifiers found" in result.stderr
    assert arxiv.requests == []


def test_server_errors_leave_the_database_unchanged(run, arxiv, db_path):
    run("add", "2206.06921")
    arxiv.fail_next(*[Response("busy", status=503) for _ in range(3)])
    result = run("add", "1707.08567", "2104.12255")
    assert result.exit_code == 1
    *notices, last = result.stderr.splitlines()
    assert last.startswith("pubdb: arXiv request failed after 3 attempts")
    assert len(notices) == 2  # one line before each retry
    assert len(arxiv.requests) == 4
    assert rows(db_path, "publications") == 1


def test_rate_limit_is_retried_honouring_retry_after(run, arxiv):
    arxiv.fail_next(
        Response(
            "Rate exceeded.", status=429, headers={"Retry-After": "1"}, content_type="text/plain"
        )
    )
    started = time.monotonic()
    result = run("add", "2206.06921")
    assert result.exit_code == 0, result.stderr
    assert time.monotonic() - started >= 1.0
    assert len(arxiv.requests) == 2


def test_bad_request_is_not_retried(run, arxiv):
    arxiv.fail_next(Response(b"<feed/>", status=403))
    result = run("add", "2206.06921")
    assert result.exit_code == 1
    assert "403" in result.stderr
    assert len(arxiv.requests) == 1


def test_requests_are_spaced_across_runs(run, arxiv, monkeypatch):
    monkeypatch.setenv("PUBDB_ARXIV_DELAY", "1.0")
    run("add", "2206.06921")
    started = time.monotonic()
    run("add", "1707.08567")
    assert time.monotonic() - started >= 0.9  # waited for the first run's request


def test_json_listing_returns_every_record(run, arxiv):
    ids = sorted(arxiv.entries)[:30]
    run("add", *ids)
    records = json.loads(run("list", "--json").stdout)
    assert len(records) == 30
    assert {r["arxiv_id"] for r in records} == set(ids)
    limited = json.loads(run("list", "--json", "--limit", "5").stdout)
    assert len(limited) == 5
