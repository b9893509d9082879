"""Atom feed parsing against real recorded arXiv responses (old and new backend)."""

from __future__ import annotations

import dataclasses
import json

import pytest

from arxiv_standin import fixture_path, fixtures_available
from pubdb.errors import NetworkError
from pubdb.ids import ArxivId
from pubdb.sources.arxiv import ArxivRecord, _Retryable, parse_entry_xml, parse_feed

pytestmark = pytest.mark.skipif(
    not fixtures_available(), reason="recorded arXiv responses are not present"
)

INDEX = json.loads(fixture_path("INDEX.json").read_text()) if fixtures_available() else []
RECORDINGS = [
    pytest.param(item, id=item["file"])
    for item in INDEX
    if "ERROR-entry" not in item["features"] and "ALTERED" not in item["file"]
]
# Entries of the old backend without <id>: one per well-formed id it does not know.
GHOST_ENTRIES = {"rsxiv/rsxiv_oldformat-2025-08_query_missing_id.xml": 3}


def parse(relative: str) -> list[ArxivRecord]:
    return parse_feed(fixture_path(relative).read_bytes())


def only(relative: str) -> ArxivRecord:
    (record,) = parse(relative)
    return record


def rsxiv(backend: str, query: str) -> dict[str, ArxivRecord]:
    name = {"old": "oldformat-2025-08", "new": "newformat-2025-11-11"}[backend]
    return {str(r.id): r for r in parse(f"rsxiv/rsxiv_{name}_{query}.xml")}


def without_xml(record: ArxivRecord) -> dict:
    fields = dataclasses.asdict(record)
    del fields["xml"]
    return fields


@pytest.mark.parametrize("recording", RECORDINGS)
def test_every_recording_parses_to_the_indexed_ids(recording):
    records = parse(recording["file"])
    assert [str(record.id) for record in records] == recording["ids"]
    assert len(records) == recording["entries"] - GHOST_ENTRIES.get(recording["file"], 0)


@pytest.mark.parametrize("recording", RECORDINGS)
def test_stored_entry_xml_reparses_to_the_same_record(recording):
    for record in parse(recording["file"]):
        assert without_xml(parse_entry_xml(record.xml)) == without_xml(record)


@pytest.mark.parametrize(
    ("query", "shared"),
    [
        ("query", ["1602.03411v1"]),
        ("query_doc", ["2206.06921v3"]),
        ("query_doc_long", ["1810.03952v2", "2006.09211v1"]),
        ("query_missing_id", ["2201.13452v1"]),
    ],
)
def test_old_and_new_backend_agree_on_the_same_papers(query, shared):
    old, new = rsxiv("old", query), rsxiv("new", query)
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


def test_first_day_new_format_links_without_rel_or_title():
    record = only("rsxiv/rsxiv_newformat-2025-11-11_query_doc.xml")
    assert record.abs_url == "https://arxiv.org/abs/2206.06921v3"
    assert record.pdf_url == "https://arxiv.org/pdf/2206.06921v3"  # not the doi.org link


def test_links_are_read_from_the_feed_not_rebuilt_from_the_id():
    body = fixture_path("rsxiv/rsxiv_newformat-2025-11-11_query_doc.xml").read_bytes()
    moved = body.replace(
        b'<link href="https://arxiv.org/', b'<link href="https://export.arxiv.org/'
    )
    (record,) = parse_feed(moved)
    assert record.abs_url == "https://export.arxiv.org/abs/2206.06921v3"
    assert record.pdf_url == "https://export.arxiv.org/pdf/2206.06921v3"


def test_old_format_links_with_rel_and_title():
    record = only("rsxiv/rsxiv_oldformat-2025-08_query_doc.xml")
    assert record.abs_url == "http://arxiv.org/abs/2206.06921v3"
    assert record.pdf_url == "http://arxiv.org/pdf/2206.06921v3"


def test_fields_of_an_old_format_entry():
    record = only("rsxiv/rsxiv_oldformat-2025-08_query_doc.xml")
    assert record.id == ArxivId("2206.06921", 3)
    assert record.title == "Attainable forms of Assouad spectra"
    assert [author.name for author in record.authors] == ["Alex Rutar"]
    assert record.dois == ("10.1512/iumj.2024.73.9928",)
    assert record.journal_ref == "Indiana Univ. Math. J. 73 (2024), 1331-1356"
    assert record.comment.startswith("25 pages, 5 figures. v3: Many typo fixes and substantially")
    assert record.published == "2022-06-14T15:35:46Z"
    assert record.updated == "2024-08-12T11:56:51Z"
    assert record.year == 2022
    assert record.primary_category == "math.CA"
    # the MSC term "28A80 (Primary) 39B62 (Secondary)" is dropped
    assert record.categories == ("math.CA", "math.DS", "math.MG")


def test_whitespace_is_collapsed_in_title_and_abstract():
    record = only("rsxiv/rsxiv_oldformat-2025-08_query_missing_id.xml")
    assert record.title == (
        "Asymptotic Analysis for a Nonlinear Reaction-Diffusion System Modeling"
        " an Infectious Disease"
    )
    assert record.abstract.startswith(
        "In this paper we study a nonlinear reaction-diffusion system which models an"
        " infectious disease caused by bacteria such as those for cholera."
    )
    assert record.abstract.endswith("several open questions raised in the literature.")
    assert "\n" not in record.abstract
    assert "  " not in record.abstract


def test_authors_in_order_with_affiliations():
    record = only("arxiv.py/id_astro-ph_0601001_s0_m100_3150dca9dc76.xml")
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


def test_msc_code_in_old_format_is_dropped():
    record = only("rsxiv/rsxiv_oldformat-2025-08_query_missing_id.xml")
    assert record.primary_category == "math.AP"
    assert record.categories == ("math.AP",)  # the feed also lists term="35"


def test_version_comes_from_the_entry_id():
    records = {r.id.base: r for r in parse("arxiv.py/q_testing_s20_m10_348a237fecab.xml")}
    assert records["2409.05654"].id.version == 9
    assert records["2008.01944"].id.version == 1


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
    records = parse("rsxiv/rsxiv_oldformat-2025-08_query_missing_id.xml")
    assert [str(record.id) for record in records] == ["2201.13452v1"]


@pytest.mark.parametrize(
    ("relative", "message"),
    [
        ("arxiv.py/id_abc_s0_m100_b79c8dcf6bc3.xml", "incorrect id format for abc"),
        ("pubs/pubs_2018-08-14_id_INVALIDID.xml", "incorrect id format for INVALIDID"),
        ("pubs/pubs_2019-01-04_id_INVALIDID.xml", "incorrect id format for INVALIDID"),
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
    body = fixture_path(relative).read_bytes() if fixtures_available() else b"<feed"
    return body[: len(body) // 2]


@pytest.mark.parametrize(
    ("body", "error"),
    [
        pytest.param(
            _first_half("rsxiv/rsxiv_oldformat-2025-08_query_doc.xml"),
            _Retryable,
            id="truncated-feed",
        ),
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
