"""Atom feed parsing, old and new backend: pubdb's own feeds (tests/fixtures/arxiv), and,
as an extra layer when present, real recorded arXiv responses ($PUBDB_ARXIV_FIXTURES,
default ../shared/fixtures/arxiv)."""

from __future__ import annotations

import dataclasses
import json

import pytest

from arxiv_standin import (
    FIXTURES,
    PAPERS,
    RECORDINGS,
    fixture_path,
    recording_path,
    recordings_available,
)
from pubdb.errors import NetworkError
from pubdb.ids import ArxivId
from pubdb.sources.arxiv import ArxivRecord, _Retryable, parse_entry_xml, parse_feed


def parse(relative: str) -> list[ArxivRecord]:
    return parse_feed(fixture_path(relative).read_bytes())


def only(relative: str) -> ArxivRecord:
    (record,) = parse(relative)
    return record


def papers() -> dict[str, ArxivRecord]:
    """Every paper the stand-in serves, by base id."""
    return {record.id.base: record for record in parse_feed(PAPERS.read_bytes())}


def without_xml(record: ArxivRecord) -> dict:
    fields = dataclasses.asdict(record)
    del fields["xml"]
    return fields


FEEDS = sorted(
    path.relative_to(FIXTURES).as_posix()
    for path in FIXTURES.rglob("*.xml")
    if "-error-" not in path.name
)
OLD_FEEDS = [name for name in FEEDS if name.startswith("feeds/old-")]


# -- every feed --------------------------------------------------------------------------


def test_papers_feed_has_one_entry_per_paper_sorted_by_id():
    records = parse_feed(PAPERS.read_bytes())
    bases = [record.id.base for record in records]
    assert len(bases) >= 150  # the batch tests take the first 150
    assert bases == sorted(set(bases))
    for record in records:
        assert record.title and record.authors and record.primary_category
        assert record.published[:4].isdigit() and record.updated >= record.published
        assert record.abstract.startswith(f"Placeholder abstract for arXiv:{record.id.base}")


@pytest.mark.parametrize("relative", FEEDS)
def test_stored_entry_xml_reparses_to_the_same_record(relative):
    for record in parse(relative):
        assert without_xml(parse_entry_xml(record.xml)) == without_xml(record)


# -- old and new backend -----------------------------------------------------------------


@pytest.mark.parametrize("relative", [*OLD_FEEDS, "feeds/first-day-2206.06921.xml"])
def test_old_and_new_backend_agree_on_the_same_papers(relative):
    served = papers()
    records = parse(relative)
    for before in records:
        after = served[before.id.base]
        assert after.id == before.id
        assert after.title == before.title
        assert after.authors == before.authors
        assert after.published == before.published
        assert after.dois == before.dois
        assert after.journal_ref == before.journal_ref
        assert after.comment == before.comment
        assert after.primary_category == before.primary_category
        assert after.categories == before.categories


def test_first_day_new_format_links_without_rel_or_title():
    record = only("feeds/first-day-2206.06921.xml")
    assert record.abs_url == "https://arxiv.org/abs/2206.06921v3"
    assert record.pdf_url == "https://arxiv.org/pdf/2206.06921v3"  # not the doi.org link


def test_first_day_updated_is_kept_as_sent():
    record = only("feeds/first-day-2206.06921.xml")
    assert record.updated == "2025-01-30T01:23:42Z"  # a modification time, that day only
    assert papers()["2206.06921"].updated == "2024-08-12T11:56:51Z"  # v3's date


def test_links_are_read_from_the_feed_not_rebuilt_from_the_id():
    body = fixture_path("feeds/first-day-2206.06921.xml").read_bytes()
    moved = body.replace(
        b'<link href="https://arxiv.org/', b'<link href="https://export.arxiv.org/'
    )
    (record,) = parse_feed(moved)
    assert record.abs_url == "https://export.arxiv.org/abs/2206.06921v3"
    assert record.pdf_url == "https://export.arxiv.org/pdf/2206.06921v3"


def test_new_format_links_with_rel_and_title():
    record = papers()["2206.06921"]
    assert record.abs_url == "https://arxiv.org/abs/2206.06921v3"
    assert record.pdf_url == "https://arxiv.org/pdf/2206.06921v3"


def test_old_format_links_with_rel_and_title():
    record = only("feeds/old-2206.06921.xml")
    assert record.abs_url == "http://arxiv.org/abs/2206.06921v3"
    assert record.pdf_url == "http://arxiv.org/pdf/2206.06921v3"


def test_fields_of_an_old_format_entry():
    record = only("feeds/old-2206.06921.xml")
    assert record.id == ArxivId("2206.06921", 3)
    assert record.title == "Attainable forms of Assouad spectra"
    assert [author.name for author in record.authors] == ["Alex Rutar"]
    assert record.dois == ("10.1512/iumj.2024.73.9928",)
    assert record.journal_ref == "Indiana Univ. Math. J. 73 (2024), 1331-1356"
    assert record.comment == "25 pages, 5 figures"
    assert record.published == "2022-06-14T15:35:46Z"
    assert record.updated == "2024-08-12T11:56:51Z"
    assert record.year == 2022
    assert record.primary_category == "math.CA"
    # the MSC term "28A80 (Primary) 39B62 (Secondary)" is dropped
    assert record.categories == ("math.CA", "math.DS", "math.MG")


def test_whitespace_is_collapsed_in_title_and_abstract():
    record = only("feeds/old-ghosts-2201.13452.xml")
    assert record.title == (
        "Asymptotic Analysis for a Nonlinear Reaction-Diffusion System Modeling"
        " an Infectious Disease"
    )
    assert record.abstract.startswith(
        "Placeholder abstract for arXiv:2201.13452, written for pubdb's tests: it is not"
        " the authors' abstract."
    )  # the feed's summary starts with two spaces and is wrapped over four lines
    assert record.abstract.endswith("the way the old backend sent long abstracts.")
    assert "\n" not in record.abstract and "\t" not in record.abstract
    assert "  " not in record.abstract
    assert record.abstract == papers()["2201.13452"].abstract


def test_tex_is_kept_in_titles_and_abstracts():
    served = papers()
    assert served["1805.09398"].title == (
        r"On Fractional Diffusion-Advection-Reaction Equation In $\mathbb{R}$"
    )
    assert served["2306.03845"].title.startswith("$ω$Test: ")
    assert r"$F\subset\mathbb{R}^d$ and $0<θ<1$" in served["2206.06921"].abstract
    # the old backend sent TeX where the new one sends Unicode
    assert r"$0<\theta<1$" in only("feeds/old-2206.06921.xml").abstract


def test_authors_in_order_with_affiliations():
    record = papers()["astro-ph/0601001"]
    assert [(a.name, a.affiliations) for a in record.authors] == [
        ("Andrew Gould", ("Ohio State",)),
        ("Susan Dorsher", ("Ohio State",)),
        ("B. Scott Gaudi", ("CfA",)),
        ("Andrzej Udalski", ("Warsaw University Observatory",)),
    ]
    assert record.id == ArxivId("astro-ph/0601001", 1)
    assert record.journal_ref == "ActaAstron.56:1-50,2006"
    assert record.primary_category == "astro-ph"
    assert record.categories == ("astro-ph",)


def test_old_format_affiliations_and_unicode_names():
    records = {r.id.base: r for r in parse("feeds/old-several.xml")}
    assert records["hep-ph/9411242"].authors[0].affiliations
    assert "Peter Sjögren" in [a.name for a in records["0802.0463"].authors]
    supernovae = records["astro-ph/9812133"]
    assert len(supernovae.authors) == 32
    assert all(author.affiliations for author in supernovae.authors)
    assert supernovae.dois == ("10.1086/307221",)


@pytest.mark.parametrize(
    ("relative", "arxiv_id", "categories"),
    [
        ("feeds/old-ghosts-2201.13452.xml", "2201.13452", ("math.AP",)),  # also "35"
        ("feeds/old-several.xml", "0802.0463", ("math.CA",)),  # "42C10 (Primary); …"
        ("feeds/old-several.xml", "math/0211159", ("math.DG",)),  # also "53C"
    ],
)
def test_msc_code_in_old_format_is_dropped(relative, arxiv_id, categories):
    record = next(r for r in parse(relative) if r.id.base == arxiv_id)
    assert record.primary_category == categories[0]
    assert record.categories == categories


def test_version_comes_from_the_entry_id():
    served = papers()
    assert served["2409.05654"].id.version == 9
    assert served["2008.01944"].id.version == 1
    assert served["nucl-th/9910021"].id == ArxivId("nucl-th/9910021", 3)


def test_old_style_ids():
    served = papers()
    for base in ("hep-ex/0406020", "quant-ph/0201082", "astro-ph/0601001", "math/0211159"):
        assert served[base].id.base == base
        assert served[base].id.version is not None


def _entry(*terms: str) -> str:
    categories = "".join(f'<category term="{term}"/>' for term in terms)
    return (
        '<entry xmlns="http://www.w3.org/2005/Atom" xmlns:arxiv="http://arxiv.org/schemas/atom">'
        "<id>http://arxiv.org/abs/2201.13452v1</id><title>T</title>"
        f'<arxiv:primary_category term="{terms[0]}"/>{categories}</entry>'
    )


@pytest.mark.parametrize(
    ("term", "kept"),
    [
        pytest.param("cs.LG", True, id="cs.LG"),
        pytest.param("hep-th", True, id="hep-th"),
        pytest.param("cond-mat.stat-mech", True, id="cond-mat.stat-mech"),
        pytest.param("physics.acc-ph", True, id="physics.acc-ph"),
        pytest.param("q-bio.QM", True, id="q-bio.QM"),
        pytest.param("I.2.6", False, id="acm"),
        pytest.param("68T05", False, id="msc"),
        pytest.param("35", False, id="msc-2-digit"),
        pytest.param("53C", False, id="msc-3-char"),
        pytest.param("42C10 (Primary); 42B25 (Secondary)", False, id="msc-primary-secondary"),
        pytest.param("", False, id="empty"),
    ],
)
def test_only_arxiv_taxonomy_terms_are_categories(term, kept):
    record = parse_entry_xml(_entry(term, "math.AP"))
    assert record.categories == ((term, "math.AP") if kept else ("math.AP",))
    assert record.primary_category == (term if kept else None)


def test_old_backend_ghost_entries_without_id_are_skipped():
    records = parse("feeds/old-ghosts-2201.13452.xml")
    assert [str(record.id) for record in records] == ["2201.13452v1"]


@pytest.mark.parametrize(
    "relative", ["feeds/new-empty-0000.0000.xml", "feeds/old-empty-1201.56789.xml"]
)
def test_feed_without_entries_is_no_record(relative):
    assert parse(relative) == []


@pytest.mark.parametrize(
    ("relative", "message"),
    [
        ("feeds/new-error-abc.xml", "incorrect id format for abc"),
        ("feeds/old-error-INVALIDID.xml", "incorrect id format for INVALIDID"),
    ],
)
def test_error_feed_raises_network_error_with_the_summary(relative, message):
    with pytest.raises(NetworkError, match=message):
        parse(relative)


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE feed [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
  <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
  <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
  <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
  <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
  <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<feed xmlns="http://www.w3.org/2005/Atom"><entry>
<id>http://arxiv.org/abs/2201.13452v1</id><title>&lol9;</title>
</entry></feed>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE feed [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<feed xmlns="http://www.w3.org/2005/Atom"><entry>
<id>http://arxiv.org/abs/2201.13452v1</id><title>&xxe;</title>
</entry></feed>"""


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(BILLION_LAUGHS, id="billion-laughs"),
        pytest.param(EXTERNAL_ENTITY, id="external-entity"),
    ],
)
def test_hostile_xml_is_refused_not_expanded(body):
    with pytest.raises(NetworkError, match="DTD or entities"):
        parse_feed(body)


def _first_half(relative: str) -> bytes:
    body = fixture_path(relative).read_bytes()
    return body[: len(body) // 2]


@pytest.mark.parametrize(
    ("body", "error"),
    [
        pytest.param(_first_half("feeds/old-2206.06921.xml"), _Retryable, id="truncated-feed"),
        pytest.param(b"", _Retryable, id="empty"),
        pytest.param(b"Rate exceeded.", _Retryable, id="plain-text-429"),
        pytest.param(b"<html><body><h1>503</h1></body></html>", _Retryable, id="html"),
        pytest.param(b'<?xml version="1.0"?><error>busy</error>', _Retryable, id="not-a-feed"),
        # Refused by the DTD guard before anything else looks at it: not retried.
        pytest.param(
            b"<!DOCTYPE html><html><body>Bad gateway</body></html>",
            NetworkError,
            id="html-with-doctype",
        ),
    ],
)
def test_bodies_that_are_not_atom_feeds_raise(body, error):
    with pytest.raises(error):
        parse_feed(body)


# -- extra layer: real recorded arXiv responses, when present -----------------------------

ABSENT = (
    f"real recorded arXiv responses not found at {RECORDINGS}: this extra layer runs when"
    " PUBDB_ARXIV_FIXTURES names their folder (default ../shared/fixtures/arxiv)"
)
INDEX = json.loads(recording_path("INDEX.json").read_text()) if recordings_available() else []
RECORDED = [
    pytest.param(item, id=item["file"])
    for item in INDEX
    if "ERROR-entry" not in item["features"] and "ALTERED" not in item["file"]
] or [pytest.param(None, id="absent", marks=pytest.mark.skip(reason=ABSENT))]
RECORDED_ERRORS = [
    pytest.param(item, id=item["file"]) for item in INDEX if "ERROR-entry" in item["features"]
] or [pytest.param(None, id="absent", marks=pytest.mark.skip(reason=ABSENT))]
# Entries of the old backend without <id>: one per well-formed id it does not know.
GHOST_ENTRIES = {"rsxiv/rsxiv_oldformat-2025-08_query_missing_id.xml": 3}


def parse_recording(relative: str) -> list[ArxivRecord]:
    return parse_feed(recording_path(relative).read_bytes())


@pytest.mark.parametrize("recording", RECORDED)
def test_every_recording_parses_to_the_indexed_ids(recording):
    records = parse_recording(recording["file"])
    assert [str(record.id) for record in records] == recording["ids"]
    assert len(records) == recording["entries"] - GHOST_ENTRIES.get(recording["file"], 0)


@pytest.mark.parametrize("recording", RECORDED)
def test_recorded_entry_xml_reparses_to_the_same_record(recording):
    for record in parse_recording(recording["file"]):
        assert without_xml(parse_entry_xml(record.xml)) == without_xml(record)


@pytest.mark.parametrize("recording", RECORDED_ERRORS)
def test_recorded_error_feed_raises_network_error(recording):
    with pytest.raises(NetworkError, match="incorrect id format for"):
        parse_recording(recording["file"])


@pytest.mark.parametrize("recording", RECORDED)
def test_fixture_facts_match_the_recordings(recording):
    """pubdb's own feeds state what arXiv stated: every recorded paper is served, and at
    the recorded version its facts are the recorded ones (abstracts and comments aside;
    the old backend's MSC codes are not arXiv categories)."""
    served = papers()
    for recorded in parse_recording(recording["file"]):
        ours = served[recorded.id.base]
        if ours.id.version != recorded.id.version:
            continue  # another version was recorded elsewhere; that one is served
        assert ours.title == recorded.title
        assert ours.authors == recorded.authors
        assert ours.published == recorded.published
        assert ours.dois == recorded.dois
        assert ours.journal_ref == recorded.journal_ref
        assert ours.primary_category == recorded.primary_category
        assert ours.categories == recorded.categories
        if "newformat-2025-11-11" not in recording["file"]:  # first day: modification time
            assert ours.updated == recorded.updated


@pytest.mark.parametrize(
    ("query", "shared"),
    [
        ("query", ["1602.03411v1"]),
        ("query_doc", ["2206.06921v3"]),
        ("query_doc_long", ["1810.03952v2", "2006.09211v1"]),
        ("query_missing_id", ["2201.13452v1"]),
    ]
    if INDEX
    else [pytest.param(None, None, id="absent", marks=pytest.mark.skip(reason=ABSENT))],
)
def test_recorded_old_and_new_backend_agree_on_the_same_papers(query, shared):
    def rsxiv(backend: str) -> dict[str, ArxivRecord]:
        name = {"old": "oldformat-2025-08", "new": "newformat-2025-11-11"}[backend]
        return {str(r.id): r for r in parse_recording(f"rsxiv/rsxiv_{name}_{query}.xml")}

    old, new = rsxiv("old"), rsxiv("new")
    assert sorted(old.keys() & new.keys()) == shared
    for arxiv_id in shared:
        before, after = old[arxiv_id], new[arxiv_id]
        assert after.title == before.title
        assert after.authors == before.authors
        assert after.published == before.published
        assert after.dois == before.dois
        assert after.journal_ref == before.journal_ref
        assert after.comment == before.comment
        assert after.primary_category == before.primary_category
        assert after.categories == before.categories
