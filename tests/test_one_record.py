"""One paper is one record whichever way it came in: `add` after `import` merges as
`import` after `add` does, into the user's record (its key, venue and notes kept); an
identifier shared by two different works is a conflict reported, not a merge."""

from __future__ import annotations

import re
from pathlib import Path
from xml.sax.saxutils import escape

import pytest

from arxiv_standin import ArxivStandIn
from pubdb.bibtex.reader import parse_bibtex_file
from pubdb.library import Library

SEEDS = Path(__file__).resolve().parents[1] / "bib" / "seeds.bib"
WITHOUT_EPRINT = Path(__file__).parent / "fixtures" / "arxiv" / "seeds-without-eprint.xml"
# The two seeds written without an eprint field, and their arXiv ids.
UNLINKED = {"benechehab2025zeroshot": "2410.11711", "zekri2024convergence": "2408.01736"}


def _entry_from_seed(publication) -> bytes:
    """An arXiv entry for a seed that names its arXiv id: its title and authors as the
    CV gives them, submitted in the month its identifier says."""
    yymm = publication.arxiv_id[:4]
    date = f"20{yymm[:2]}-{yymm[2:]}-15T12:00:00Z"
    authors = "".join(
        f"<author><name>{escape(f'{a.given} {a.family}'.strip())}</name></author>"
        for a in publication.authors
    )
    return (
        f"<entry><id>http://arxiv.org/abs/{publication.arxiv_id}v1</id>"
        f"<title>{escape(publication.title)}</title><updated>{date}</updated>"
        f"<published>{date}</published><summary>Placeholder abstract.</summary>"
        f'<arxiv:primary_category term="cs.LG"/>'
        f'<category term="cs.LG" scheme="http://arxiv.org/schemas/atom"/>{authors}</entry>'
    ).encode()


def seed_entries() -> dict[str, bytes]:
    entries = {
        p.arxiv_id: _entry_from_seed(p)
        for p in (e.publication for e in parse_bibtex_file(SEEDS).entries)
        if p.arxiv_id
    }
    for entry in re.findall(rb"<entry>.*?</entry>", WITHOUT_EPRINT.read_bytes(), re.DOTALL):
        arxiv_id = re.search(rb"abs/(\d{4}\.\d{5})", entry)[1].decode()
        entries[arxiv_id] = entry
    return entries


@pytest.fixture
def seeds_arxiv(httpserver, monkeypatch) -> ArxivStandIn:
    """An arXiv stand-in that knows every paper of bib/seeds.bib."""
    standin = ArxivStandIn(entries=seed_entries())
    httpserver.expect_request("/api/query").respond_with_handler(standin.handler)
    monkeypatch.setenv("PUBDB_ARXIV_URL", httpserver.url_for("/api/query"))
    return standin


def records() -> dict[str, object]:
    with Library() as library:
        return {p.citekey: p for p in library.publications()}


def seed_ids() -> list[str]:
    return sorted(seed_entries())


def added(run, ids: list[str]):
    result = run("add", *ids)
    assert result.exit_code == 0, result.stderr
    return result


def test_add_after_import_of_the_seeds_gives_one_record_per_paper(run, seeds_arxiv):
    assert run("import", str(SEEDS)).exit_code == 0
    before = records()
    result = added(run, seed_ids())
    after = records()
    assert len(after) == len(before) == 23
    assert result.stdout.splitlines()[-1] == "23 filled"  # every id went to the user's record
    for key, mine in before.items():
        paper = after[key]
        assert (paper.venue, paper.note, paper.title) == (mine.venue, mine.note, mine.title)
        assert paper.source == "bibtex"
    for key, arxiv_id in UNLINKED.items():
        assert after[key].arxiv_id == arxiv_id
        assert after[key].kind == before[key].kind  # the ICLR paper stays a conference paper


def test_import_after_add_gives_the_same_records(run, seeds_arxiv, tmp_path, monkeypatch):
    assert run("import", str(SEEDS)).exit_code == 0
    added(run, seed_ids())
    first = records()
    monkeypatch.setenv("PUBDB_DB", str(tmp_path / "other.db"))
    added(run, seed_ids())
    result = run("import", str(SEEDS))
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "23 updated"
    second = records()
    assert sorted(second) == sorted(first)
    shown = ("title", "venue", "note", "kind", "status", "year", "arxiv_id", "entry_type")
    for key, paper in first.items():
        other = second[key]
        assert [getattr(other, n) for n in shown] == [getattr(paper, n) for n in shown], key
        assert [a.name for a in other.authors] == [a.name for a in paper.authors], key


def test_the_cv_lists_the_paper_once(run, seeds_arxiv):
    assert run("import", str(SEEDS)).exit_code == 0
    added(run, ["2410.11711"])
    result = run("export", "--format", "markdown", "--author", "Oussama Zekri")
    assert result.stdout.count("Zero-shot Model-based Reinforcement Learning") == 1


# -- identifiers shared by two works --------------------------------------------------------

DARRIBA = """@article{Darriba2012,
  author = {Darriba, Diego and Taboada, Guillermo L. and Doallo, Ram{\\'o}n and Posada, David},
  title = {{jModelTest} 2: more models, new heuristics and parallel computing},
  journal = {Nature Methods},
  year = {2012},
  eprint = {1111.1111},
  archiveprefix = {arXiv},
}
"""
BOURQUE = """@incollection{Bourque2013,
  author = {Bourque, Michel},
  title = {Systematics of the genus},
  booktitle = {A Book of Chapters},
  year = {2013},
  eprint = {1111.1111},
  archiveprefix = {arXiv},
}
"""
ARTICLE_2010 = """@article{wang2010,
  author = {Wang, Li},
  title = {Grain yield under drought},
  journal = {Field Crops},
  year = {2010},
  doi = {10.1000/shared.1},
}
"""
THESIS_2000 = """@phdthesis{zhang2000,
  author = {Zhang, Wei},
  title = {Studies of soil nitrogen},
  school = {Nanjing University},
  year = {2000},
  doi = {10.1000/shared.1},
}
"""


@pytest.mark.parametrize(
    ("first", "second", "identifier"),
    [
        pytest.param(BOURQUE, DARRIBA, "arXiv id", id="zootaxa-arxiv-id"),
        pytest.param(THESIS_2000, ARTICLE_2010, "DOI", id="gb7714-doi"),
    ],
)
def test_a_shared_identifier_between_different_works_is_a_conflict(run, first, second, identifier):
    Path("first.bib").write_text(first, encoding="utf-8")
    Path("second.bib").write_text(second, encoding="utf-8")
    assert run("import", "first.bib").exit_code == 0
    result = run("import", "second.bib")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "1 added"
    assert (
        f"its {identifier} is that of" in result.stderr and "check the identifier" in result.stderr
    )
    kept = records()
    assert len(kept) == 2
    darriba = kept.get("Darriba2012") or kept["wang2010"]
    assert darriba.authors and darriba.title in (
        "jModelTest 2: more models, new heuristics and parallel computing",
        "Grain yield under drought",
    )


def test_a_shared_identifier_with_the_same_title_merges(run):
    Path("a.bib").write_text(THESIS_2000, encoding="utf-8")
    Path("b.bib").write_text(THESIS_2000.replace("zhang2000", "zhang2000b"), encoding="utf-8")
    run("import", "a.bib")
    result = run("import", "b.bib")
    assert result.stdout.splitlines()[-1] == "1 unchanged"
    assert list(records()) == ["zhang2000"]


def test_add_does_not_merge_an_arxiv_paper_into_a_record_holding_its_id_by_mistake(
    run, seeds_arxiv
):
    bogus = DARRIBA.replace("1111.1111", "2410.11711")
    Path("bogus.bib").write_text(bogus, encoding="utf-8")
    run("import", "bogus.bib")
    result = run("add", "2410.11711")
    assert "Darriba2012 holds this arXiv id" in result.stderr
    assert records()["Darriba2012"].title.startswith("jModelTest")
