"""arXiv identifiers and DOIs: every pasted form, the malformed ones, ids in free text."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arxiv_standin import FIXTURES
from pubdb.errors import InvalidIdentifier
from pubdb.ids import (
    OLD_ARCHIVES,
    ArxivId,
    arxiv_id_from_doi,
    find_arxiv_ids,
    normalize_doi,
    parse_arxiv_id,
)

SEEDS = FIXTURES.parent / "seeds"


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        pytest.param("2502.01384", "2502.01384", id="bare"),
        pytest.param("2502.01384v2", "2502.01384v2", id="bare-version"),
        pytest.param("  2502.01384\n", "2502.01384", id="surrounding-whitespace"),
        pytest.param("arXiv:2502.01384", "2502.01384", id="arxiv-prefix"),
        pytest.param("ARXIV: 2502.01384", "2502.01384", id="arxiv-prefix-upper-space"),
        pytest.param("arxiv:2502.01384v2", "2502.01384v2", id="arxiv-prefix-version"),
        pytest.param("https://arxiv.org/abs/2502.01384", "2502.01384", id="abs-url"),
        pytest.param("arxiv.org/abs/2502.01384", "2502.01384", id="abs-url-no-scheme"),
        pytest.param("http://www.arxiv.org/abs/2502.01384v2", "2502.01384v2", id="abs-www"),
        pytest.param("https://export.arxiv.org/abs/2502.01384", "2502.01384", id="abs-export"),
        pytest.param("https://ARXIV.ORG/ABS/2502.01384", "2502.01384", id="abs-url-upper"),
        pytest.param("https://arxiv.org/abs/2502.01384/", "2502.01384", id="abs-trailing-slash"),
        pytest.param("https://arxiv.org/abs/2502.01384?context=cs", "2502.01384", id="abs-query"),
        pytest.param("https://arxiv.org/abs/2502.01384v2#S3", "2502.01384v2", id="abs-fragment"),
        pytest.param("https://arxiv.org/pdf/2502.01384", "2502.01384", id="pdf-url"),
        pytest.param("https://arxiv.org/pdf/2502.01384.pdf", "2502.01384", id="pdf-url-dot-pdf"),
        pytest.param("https://arxiv.org/pdf/2502.01384v2.pdf", "2502.01384v2", id="pdf-version"),
        pytest.param("https://arxiv.org/html/2502.01384v1", "2502.01384v1", id="html-url"),
        pytest.param("10.48550/arXiv.2502.01384", "2502.01384", id="arxiv-doi"),
        pytest.param("10.48550/ARXIV.2502.01384", "2502.01384", id="arxiv-doi-upper"),
        pytest.param("https://doi.org/10.48550/arXiv.2502.01384", "2502.01384", id="doi-url"),
        pytest.param("doi:10.48550/arxiv.2502.01384", "2502.01384", id="doi-prefix"),
        pytest.param("math/0501001", "math/0501001", id="old-style"),
        pytest.param("hep-th/9901001v2", "hep-th/9901001v2", id="old-style-version"),
        pytest.param("math.GT/0309136", "math/0309136", id="old-style-subject-dropped"),
        pytest.param("math.GT/0309136v1", "math/0309136v1", id="old-style-subject-version"),
        pytest.param("arXiv:hep-th/9901001", "hep-th/9901001", id="old-style-prefix"),
        pytest.param("https://arxiv.org/abs/hep-th/9901001v2", "hep-th/9901001v2", id="old-abs"),
        pytest.param("https://arxiv.org/pdf/math/0501001v1.pdf", "math/0501001v1", id="old-pdf"),
        pytest.param("10.48550/arXiv.math/0501001", "math/0501001", id="old-style-doi"),
        pytest.param("0704.0001", "0704.0001", id="first-new-style-2007-04"),
        pytest.param("1412.9999", "1412.9999", id="last-4-digit-month-2014-12"),
        pytest.param("1501.00001", "1501.00001", id="first-5-digit-month-2015-01"),
    ],
)
def test_every_pasted_form_normalises_to_one_canonical_id(text, canonical):
    assert str(parse_arxiv_id(text)) == canonical


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("abc", id="word"),
        pytest.param("", id="empty"),
        pytest.param("   ", id="blank"),
        pytest.param("arXiv:", id="prefix-only"),
        pytest.param("https://arxiv.org/abs/", id="url-without-id"),
        pytest.param("2502.1384", id="4-digits-in-2025"),
        pytest.param("2502.013845", id="6-digits"),
        pytest.param("1412.12345", id="5-digits-in-2014"),
        pytest.param("1501.0001", id="4-digits-in-2015"),
        pytest.param("0703.1234", id="new-style-before-2007-04"),
        pytest.param("0000.0000", id="zeros"),
        pytest.param("0808.05394", id="5-digits-in-2008"),
        pytest.param("2513.01384", id="month-13"),
        pytest.param("2500.01384", id="month-00"),
        pytest.param("2502-01384", id="dash"),
        pytest.param("2502.01384v0", id="v0"),
        pytest.param("2502.01384v", id="v-without-number"),
        pytest.param("2502.01384v2v3", id="two-versions"),
        pytest.param("2502.01384 2502.01385", id="two-ids"),
        pytest.param("foo/9901001", id="unknown-archive"),
        pytest.param("cond-mat.stat-mech/0501001", id="new-category-in-old-id"),
        pytest.param("math.GTX/0309136", id="three-letter-subject"),
        pytest.param("math/0013001", id="old-style-month-13"),
        pytest.param("math/9001001", id="old-style-1990"),
        pytest.param("math/0801001", id="old-style-2008"),
        pytest.param("math/990100", id="old-style-6-digits"),
        pytest.param("https://example.org/abs/2502.01384", id="foreign-url"),
        pytest.param("10.1234/arXiv.2502.01384", id="foreign-doi-prefix"),
        pytest.param("２５０２.０１３８４", id="fullwidth-digits"),
    ],
)
def test_malformed_identifiers_are_rejected(text):
    with pytest.raises(InvalidIdentifier):
        parse_arxiv_id(text)


def test_arxiv_id_doi_and_abs_url():
    arxiv_id = parse_arxiv_id("math.GT/0309136v2")
    assert arxiv_id == ArxivId("math/0309136", 2)
    assert arxiv_id.doi == "10.48550/arXiv.math/0309136"  # the DOI names the paper, no version
    assert arxiv_id.abs_url == "https://arxiv.org/abs/math/0309136v2"
    assert ArxivId("2502.01384").abs_url == "https://arxiv.org/abs/2502.01384"


@pytest.mark.parametrize(
    ("text", "doi"),
    [
        pytest.param("10.1512/iumj.2024.73.9928", "10.1512/iumj.2024.73.9928", id="bare"),
        pytest.param("10.1512/IUMJ.2024.73.9928", "10.1512/iumj.2024.73.9928", id="lower-cased"),
        pytest.param(
            "https://doi.org/10.1103/PhysRevLett.116.061102",
            "10.1103/physrevlett.116.061102",
            id="doi-org-url",
        ),
        pytest.param(
            "http://dx.doi.org/10.1103/PhysRevLett.116.061102",
            "10.1103/physrevlett.116.061102",
            id="dx-doi-org-url",
        ),
        pytest.param("doi:10.1103/PhysRevD.1.1", "10.1103/physrevd.1.1", id="doi-prefix"),
        pytest.param(" DOI: 10.1103/PhysRevD.1.1 ", "10.1103/physrevd.1.1", id="doi-prefix-spaced"),
        pytest.param("10.48550/arXiv.2502.01384", "10.48550/arxiv.2502.01384", id="arxiv-datacite"),
    ],
)
def test_normalize_doi(text, doi):
    assert normalize_doi(text) == doi


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("", id="empty"),
        pytest.param("abc", id="word"),
        pytest.param("10.123/abc", id="short-registrant"),
        pytest.param("11.1234/abc", id="not-10"),
        pytest.param("10.1234/", id="no-suffix"),
        pytest.param("10.1234/a b", id="space-in-suffix"),
        pytest.param("https://example.org/10.1234/x", id="foreign-url"),
    ],
)
def test_normalize_doi_rejects_malformed(text):
    with pytest.raises(InvalidIdentifier):
        normalize_doi(text)


@pytest.mark.parametrize(
    ("doi", "expected"),
    [
        pytest.param("10.48550/arXiv.2502.01384", ArxivId("2502.01384"), id="new-style"),
        pytest.param("10.48550/arxiv.2502.01384v2", ArxivId("2502.01384", 2), id="lower-version"),
        pytest.param("10.48550/arXiv.math/0501001", ArxivId("math/0501001"), id="old-style"),
        pytest.param("10.1512/iumj.2024.73.9928", None, id="publisher-doi"),
    ],
)
def test_arxiv_id_from_doi(doi, expected):
    assert arxiv_id_from_doi(doi) == expected


def test_arxiv_id_from_malformed_arxiv_doi_raises():
    with pytest.raises(InvalidIdentifier):
        arxiv_id_from_doi("10.48550/arXiv.abc")


@pytest.mark.parametrize(
    ("text", "found"),
    [
        pytest.param(
            "see 2502.01384, 2105.15183; and again 2502.01384v3",
            ["2502.01384", "2105.15183"],
            id="first-appearance-once",
        ),
        pytest.param(
            "arXiv:2502.01384v2 and arxiv.org/abs/2502.01384",
            ["2502.01384v2"],
            id="first-form-wins",
        ),
        pytest.param("(2502.01384).", ["2502.01384"], id="punctuation"),
        pytest.param("[arXiv:hep-th/9901001v2]", ["hep-th/9901001v2"], id="old-style"),
        pytest.param("cf. math.GT/0309136, p. 3", ["math/0309136"], id="old-style-subject"),
        pytest.param("doi 10.48550/arXiv.2402.05468 ok", ["2402.05468"], id="arxiv-doi"),
        pytest.param("https://arxiv.org/pdf/1902.00080v3.pdf", ["1902.00080v3"], id="pdf-url"),
        pytest.param(
            "See https://arxiv.org/abs/math/0501001.", ["math/0501001"], id="url-at-sentence-end"
        ),
        pytest.param("https://arxiv.org/abs/2502.01384?context=cs", ["2502.01384"], id="url-query"),
        pytest.param("https://arxiv.org/abs/2502.01384/", ["2502.01384"], id="url-trailing-slash"),
        pytest.param(
            "https://arxiv.org/html/2502.01384v1/#S3", ["2502.01384v1"], id="html-url-slash"
        ),
        pytest.param("foo/9901001 and math/0501001", ["math/0501001"], id="unknown-archive"),
        pytest.param("version 2.0.1 released 2024.12.01", [], id="versions-and-dates"),
        pytest.param("pi 3.14159, e 2.71828, 1234.5678", [], id="decimals"),
        pytest.param("2024.12345 and 1412.12345", [], id="invalid-month-or-width"),
        pytest.param("arXiv:0808.05394 and 2502.01384v0", [], id="malformed-prefixed"),
        pytest.param("ip 192.168.1.1, 10.1000.12345", [], id="dotted-numbers"),
        pytest.param("x2502.01384 2502.01384x 12502.013845", [], id="glued-to-words"),
        pytest.param("https://example.com/paper/2502.01384", [], id="foreign-url-path"),
        pytest.param("", [], id="empty"),
    ],
)
def test_find_arxiv_ids_in_free_text(text, found):
    assert [str(arxiv_id) for arxiv_id in find_arxiv_ids(text)] == found


def test_find_arxiv_ids_in_a_thread_of_posts():
    """Links glued to emoji and brackets, among dates, times, versions and O(d/N)."""
    found = find_arxiv_ids((SEEDS / "thread.txt").read_text(encoding="utf-8"))
    assert [str(arxiv_id) for arxiv_id in found] == [
        "2105.15183",
        "2402.05468",
        "2502.01384",
        "1902.00080",
    ]


# Valid ids, generated: new style from 2007-04 (4 digits to 2014, 5 from 2015), old style
# archive/YYMMNNN from 1991 to 2007, each with or without a version.
_YYMM = [y * 100 + m for y in range(7, 100) for m in range(1, 13) if y * 100 + m >= 704]
_versions = st.none() | st.integers(1, 30)


@st.composite
def new_style_ids(draw):
    yymm = draw(st.sampled_from(_YYMM))
    width = 5 if yymm >= 1501 else 4
    number = draw(st.integers(1, 10**width - 1))
    return ArxivId(f"{yymm:04d}.{number:0{width}d}", draw(_versions))


@st.composite
def old_style_ids(draw):
    archive = draw(st.sampled_from(sorted(OLD_ARCHIVES)))
    year = draw(st.sampled_from([*range(91, 100), *range(8)]))
    month = draw(st.integers(1, 12))
    serial = draw(st.integers(0, 999))
    return ArxivId(f"{archive}/{year:02d}{month:02d}{serial:03d}", draw(_versions))


@settings(derandomize=True, max_examples=300)
@given(new_style_ids() | old_style_ids())
def test_canonical_form_round_trips(arxiv_id):
    assert parse_arxiv_id(str(arxiv_id)) == arxiv_id
    assert parse_arxiv_id(arxiv_id.abs_url) == arxiv_id
    assert parse_arxiv_id(f"arXiv:{arxiv_id}") == arxiv_id


_arbitrary_text = (
    st.text()
    | st.text(alphabet="0123456789.v/:-arxiv.orgabsdfhtpmGT \n")
    | st.from_regex(r"\A(arXiv:|https://arxiv\.org/abs/)?\d{4}\.\d{3,6}(v\d{1,3})?\Z")
)


@settings(derandomize=True, max_examples=500)
@given(_arbitrary_text)
def test_parse_arxiv_id_raises_only_invalid_identifier(text):
    with contextlib.suppress(InvalidIdentifier):
        parse_arxiv_id(text)


@settings(derandomize=True, max_examples=500)
@given(_arbitrary_text)
def test_whatever_parses_is_a_canonical_ascii_id(text):
    try:
        parsed = parse_arxiv_id(text)
    except InvalidIdentifier:
        return
    assert str(parsed).isascii()
    assert parse_arxiv_id(str(parsed)) == parsed
