"""The fast block reader (bibtex/blocks.py) reads exactly what bibtexparser's splitter
reads: entries, @string and @preamble blocks, failures with their reasons, duplicate
keys with the line of the first, and the lines bibtexparser counts."""

from __future__ import annotations

import gzip
import os
import random
from pathlib import Path

import pytest

from pubdb.bibtex import blocks as blocks_module
from pubdb.bibtex.blocks import bibtexparser_blocks, read_blocks
from pubdb.bibtex.prepass import prepass


def comparable(found) -> list[tuple]:
    """Blocks with their errors as text (bibtexparser's exceptions compare by identity)."""
    return [
        (
            b.kind,
            b.line,
            b.key,
            b.entry_type,
            b.fields,
            b.value,
            b.first_line,
            type(b.error).__name__,
            getattr(b.error, "abort_reason", None),
            str(b.error),
        )
        for b in found
    ]


def assert_reads_as_bibtexparser(text: str) -> None:
    assert comparable(read_blocks(text)) == comparable(bibtexparser_blocks(text))


PIECES = {
    "plain entry": "@article{k1, title = {A}, year = 2001}\n",
    "same key again": "@article{k1, title = {B}}\n",
    "quotes, macros, concatenation": (
        '@misc{k2,\n  author = {X and Y},\n  title = "Q {\\"o} r",\n  note = jan # { x},\n}\n'
    ),
    "repeated field": "@book{k3, title={T}, title={U}}\n",
    "fields differing in case only": "@book{k3, Title={T}, title={U}}\n",
    "string": '@string{jan = "January"}\n',
    "string in parentheses": "@string(y = {Y})\n",
    "preamble": '@preamble{"\\input x"}\n',
    "comment holding an entry": "@comment{ignored @misc{in, title={c}} }\n",
    "entry in parentheses": "@misc(p1, title = {Paren})\n",
    "unclosed entry": "@misc{open, title = {Unclosed\n",
    "quote in braces in quotes": '@misc{q, title = "a {"} b"}\n',
    "two entries on a line": "@misc{e, title = {x}}@misc{f, title={y}}\n",
    "indented": "  @misc{g, title = {indented}}\n",
    "@ inside a value": "text before @misc{h, title={mail@ host {x}}}\n",
    "entry at a line start inside a value": "@misc{i, note = {a\n@misc{j, title={inner}}\n}}\n",
    "indented entry inside a value": "@misc{k, note = {a\n  @book {l, x}}}\n",
    "percent before @": "%@misc{c1, title={commented}}\n",
    "backslash before a line end": "@misc{m, title = {back\\\\\nslash}}\n",
    "escaped closing brace": "@misc{n, title = {x\\}}\n",
    "field without a name": "@misc{o, title = {a}, = {b}}\n",
    "no comma after the key": "@misc{p title = {a}}\n",
    "no fields": "@misc{r,}\n@misc{s}\n@misc{ t , }\n",
    "control character": "@misc{u, title = {\x00ctrl}}\n",
    "no-break space before @": "@misc{v, title = {\u00a0@misc{w, x={y}}}}\n",
    "em space before @ at a line start": "@misc{x1,\n\u2003@misc{x2, title={z}}\n}\n",
    "number, string and macro": '@misc{y, title = 2001 # "x" # macro}\n',
    "stray delimiters": '}\n{\n"\n@\n',
    "line break after the type": "@misc\n{a1, t={b}}\n",
    "upper case": "@MISC{Upper, TITLE = {up}}\n",
    "type starting with comment": "@commentary{cc, title={c}}\n",
    "deep braces": "@misc{deep, t = {{{{{{{{deep}}}}}}}}}\n",
    "escaped @": "\\@misc{esc, t={x}}\n",
    "accented key and field": "@article{k\u00e9y, t\u00eftle = {\u00fc}}\n",
    "trailing comma": "@misc{trailing, t = {x} , }\n",
    "number with letters": "@misc{num, year = 2001a}\n",
    "hash first": "@misc{hash, t = # {x}}\n",
    "quote before an entry on the line": '@misc{q3, t = "x {"}@misc{q4, t={y}}',
    "carriage returns": "@misc{cr, t = {a}}\r\n@misc{cr2, t = {a\r@misc{in3, t={z}}}}\n",
    "form feed": "\n\x0c@misc{ff, t={x}}",
    "key with a space": "@misc{key with space, t={x}}\n",
    "extra closing brace": "@misc{ob, t = {a}}}\n",
    "escaped quote": '@misc{bs2, t = "a\\""}\n',
    "escaped opening brace": "@misc{bs3, t = {a\\\\{}}\n",
}


@pytest.mark.parametrize("text", PIECES.values(), ids=PIECES.keys())
def test_each_piece_reads_as_bibtexparser(text):
    assert_reads_as_bibtexparser(text)


@pytest.mark.parametrize("seed", range(4))
def test_mixed_pieces_read_as_bibtexparser(seed):
    """Pieces in random order, some texts cut short: broken blocks between fast ones,
    keys repeated across them, lines counted through them."""
    chooser = random.Random(seed)
    pieces = list(PIECES.values())
    for _ in range(150):
        text = "".join(chooser.choice(pieces) for _ in range(chooser.randint(1, 12)))
        if chooser.random() < 0.3:
            text = text[: chooser.randint(0, len(text))]
        assert_reads_as_bibtexparser(text)


def test_simple_entries_are_read_without_bibtexparser(monkeypatch):
    def refuse(text):
        raise AssertionError(f"bibtexparser asked to read {text!r}")

    monkeypatch.setattr(blocks_module, "parse_blocks", refuse)
    found = read_blocks("% a comment\n@article{a, title = {T}, year = 2001}\n@misc{a}\n")
    assert [(b.kind, b.line, b.key) for b in found] == [
        ("entry", 1, "a"),
        ("duplicate", 2, "a"),
    ]
    assert found[0].fields == [("title", "{T}"), ("year", "2001")]


def test_an_unclosed_block_before_a_fast_entry_is_read_with_the_rest():
    """bibtexparser reads on through the next entry (it stops only at an @ that starts
    a line): the piece cannot end where the fast entry starts."""
    text = "@misc{a, title = {open\n@misc{b, title = {B}}\n@misc{c, title = {C}}\n"
    assert_reads_as_bibtexparser(text)
    assert [b.kind for b in read_blocks(text)] == ["failed", "entry", "entry"]


def realbib_files() -> list[Path]:
    root = os.environ.get("PUBDB_REALBIB")
    if not root or not Path(root).is_dir():
        return []
    return sorted(p for p in Path(root).rglob("*") if p.name.endswith((".bib", ".bib.gz")))


@pytest.mark.skipif(not realbib_files(), reason="set PUBDB_REALBIB (see test_realbib_sweep)")
@pytest.mark.parametrize("path", realbib_files(), ids=lambda p: p.name)
def test_real_files_read_as_bibtexparser(path):
    data = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    assert_reads_as_bibtexparser(text)
    assert_reads_as_bibtexparser(prepass(text).text)
