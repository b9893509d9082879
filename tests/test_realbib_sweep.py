"""Fidelity over real files: every .bib of TeX Live's texlive-bibtex-extra (and
xampl.bib) imported into a fresh library and exported must give back every entry, every
field, every @preamble, and titles and names that a TeX reader reads as the file's own;
and real bibtex must print the same bibliography from the export as from the file.

The yardstick is a bare bibtexparser round trip (parse, write with no middlewares,
parse again) of the text as BibTeX reads it (the pre-pass applied, so that both sides
read the same entries): pubdb's export may differ from it only where a TeX reader
cannot tell (``texsame``, braces significant). Files that are not UTF-8 are converted
first, as the import error tells a user to do.

Runs when $PUBDB_REALBIB names the folder (CI downloads it):
    apt-get download texlive-bibtex-extra && dpkg -x texlive-bibtex-extra_*.deb x
    export PUBDB_REALBIB=$PWD/x/usr/share/texlive/texmf-dist/bibtex/bib
"""

from __future__ import annotations

import gzip
import io
import logging
import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import bibtexparser
import pytest
from bibtexparser.model import DuplicateFieldKeyBlock

from pubdb.bibtex.prepass import prepass
from pubdb.bibtex.values import expand_value
from pubdb.library import Library
from pubdb.tex.defuse import preamble_part
from texsame import first_difference, tex_same

COMPARED = ("title", "author", "editor")
XAMPL = Path("/usr/share/texlive/texmf-dist/bibtex/bib/base/xampl.bib")
HOW = (
    "set PUBDB_REALBIB to TeX Live's bibtex/bib folder: apt-get download "
    "texlive-bibtex-extra && dpkg -x texlive-bibtex-extra_*.deb x, then "
    "PUBDB_REALBIB=$PWD/x/usr/share/texlive/texmf-dist/bibtex/bib"
)
logging.getLogger("bibtexparser").setLevel(logging.CRITICAL)


def realbib_files() -> list[Path]:
    root = os.environ.get("PUBDB_REALBIB")
    files = []
    if root and Path(root).is_dir():
        files = sorted(p for p in Path(root).rglob("*") if p.name.endswith((".bib", ".bib.gz")))
    if XAMPL.is_file() and not any(p.name == XAMPL.name for p in files):
        files.append(XAMPL)
    return files


def _file_id(path: Path) -> str:
    root = os.environ.get("PUBDB_REALBIB") or str(path.parent)
    return str(path.relative_to(root)) if path.is_relative_to(root) else path.name


def read_text(path: Path) -> str:
    data = path.read_bytes()
    if path.name.endswith(".gz"):
        data = gzip.decompress(data)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")


@dataclass
class Reading:
    """What a .bib text holds: entry key -> field -> text (@string macros resolved in
    file order, first of a repeated field kept), and its @preamble values."""

    entries: dict[str, dict[str, str]] = field(default_factory=dict)
    preambles: list[str] = field(default_factory=list)


def read(text: str) -> Reading:
    """``text`` read as BibTeX reads it (bibtexparser after the pre-pass)."""
    library = bibtexparser.parse_string(prepass(text).text, parse_stack=[])
    strings: dict[str, str] = {}
    reading = Reading()
    for block in library.blocks:
        block = getattr(block, "ignore_error_block", None) or block
        if isinstance(block, bibtexparser.model.Preamble):
            reading.preambles.append(expand_value(block.value, strings).text)
        elif isinstance(block, bibtexparser.model.String):
            strings[block.key.lower()] = expand_value(block.value, strings).text
        elif isinstance(block, bibtexparser.model.Entry):
            values: dict[str, str] = {}
            for bib_field in block.fields:
                text = expand_value(bib_field.value, strings).text
                values.setdefault(bib_field.key.lower(), text)
            reading.entries.setdefault(block.key.strip(), values)
    return reading


def bare_round_trip(text: str) -> Reading:
    library = bibtexparser.parse_string(prepass(text).text, parse_stack=[])
    for block in library.failed_blocks:  # a repeated field: bibtexparser keeps the entry
        if isinstance(block, DuplicateFieldKeyBlock):
            library.replace(block, block.ignore_error_block, fail_on_duplicate_key=False)
    return read(bibtexparser.write_string(library, unparse_stack=[]))


def pubdb_export(text: str, tmp_path: Path) -> str:
    """``text`` imported into a fresh library, exported as BibTeX: the first export
    writes each entry (and caches it), the second reads the cache; both the same."""
    source = tmp_path / "in.bib"
    source.write_text(text, encoding="utf-8")
    first, second = io.StringIO(), io.StringIO()
    with Library(tmp_path / "pubdb.db") as library:
        library.import_bibtex([source])
        library.export_bibtex(first)
        library.export_bibtex(second)
    assert second.getvalue() == first.getvalue(), "the cached export differs"
    return second.getvalue()


def changes(expected: Reading, got: Reading) -> dict[str, str]:
    """Entry key -> what differs: a lost entry, or the first compared field a TeX
    reader reads otherwise."""
    found = {}
    for key, values in expected.entries.items():
        other = got.entries.get(key)
        if other is None:
            found[key] = "entry lost"
            continue
        for name in COMPARED:
            a, b = values.get(name), other.get(name)
            if a is None and b is None:
                continue
            if a is None or b is None:
                found[key] = f"{name} {'gained' if a is None else 'lost'}"
                break
            if not tex_same(a, b):
                found[key] = f"{name}: {first_difference(a, b)}"
                break
    return found


@pytest.mark.parametrize("path", realbib_files() or [None], ids=_file_id)
def test_real_file_comes_back_as_written(path, tmp_path):
    if path is None:
        pytest.skip(HOW)
    text = read_text(path)
    expected = bare_round_trip(text)
    got = read(pubdb_export(text, tmp_path))
    changed = changes(expected, got)
    assert changed == {}, f"{len(changed)} entries changed: {dict(list(changed.items())[:5])}"
    assert len(got.preambles) == len(expected.preambles)
    for written, original in zip(got.preambles, expected.preambles, strict=True):
        if not preamble_part(original):  # else the parts that read files are left out
            assert written.split() == original.split()
    lost = {
        key: sorted(set(values) - set(got.entries[key]))
        for key, values in expected.entries.items()
        if set(values) - set(got.entries[key])
    }
    assert lost == {}, f"fields lost in {len(lost)} entries: {dict(list(lost.items())[:5])}"
    gained = {
        key: sorted(set(got.entries[key]) - set(values))
        for key, values in expected.entries.items()
        if set(got.entries[key]) - set(values)
    }
    assert gained == {}, f"fields added to {len(gained)} entries: {dict(list(gained.items())[:5])}"


def bibliography(directory: Path, bib: str) -> dict[str, str]:
    """What real bibtex writes for every entry with plain.bst: key -> its .bbl text."""
    directory.mkdir()
    (directory / "refs.bib").write_text(bib, encoding="utf-8")
    aux = "\\relax\n\\citation{*}\n\\bibstyle{plain}\n\\bibdata{refs}\n"
    (directory / "doc.aux").write_text(aux, encoding="utf-8")
    subprocess.run(["bibtex", "doc"], cwd=directory, capture_output=True, timeout=300)
    bbl = (directory / "doc.bbl").read_text(encoding="utf-8", errors="replace")
    items = re.split(r"\n(?=\\bibitem)", bbl.replace("\\end{thebibliography}", ""))[1:]
    return {item.split("}")[0]: " ".join(item.split()) for item in items}


@pytest.mark.skipif(not shutil.which("bibtex"), reason="bibtex not installed (texlive-binaries)")
@pytest.mark.parametrize("path", realbib_files() or [None], ids=_file_id)
def test_bibtex_prints_the_same_bibliography_from_the_export(path, tmp_path):
    """The end of the line: real bibtex, given pubdb's export instead of the file,
    writes every entry of the bibliography alike (only the order of ties differs).
    The file is given as the pre-pass leaves it: where BibTeX and biber part (a `%`
    comment inside an entry, a `%@entry`), pubdb reads it as biber does."""
    if path is None:
        pytest.skip(HOW)
    text = read_text(path)
    original = bibliography(tmp_path / "original", prepass(text).text)
    mine = bibliography(tmp_path / "exported", pubdb_export(text, tmp_path))
    differ = [key for key in original if original[key] != mine.get(key)]
    assert len(mine) == len(original) and differ == [], differ[:5]
