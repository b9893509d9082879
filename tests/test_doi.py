"""`pubdb add` with DOIs: content negotiation against a local stand-in for doi.org."""

from __future__ import annotations

import copy
import json
import sqlite3

import pytest
from werkzeug import Request, Response

from pubdb.library import Library

CSL = "application/vnd.citationstyles.csl+json"
UNREACHABLE = "http://127.0.0.1:9/never-doi-org"

# What Crossref answers through doi.org for `Accept: application/vnd.citationstyles.csl+json`
# (trimmed: license, link, reference and assertion lists left out).
NUMPY_DOI = "10.1038/s41586-020-2649-2"
NUMPY = {
    "indexed": {"date-parts": [[2025, 3, 2]], "date-time": "2025-03-02T10:12:44Z"},
    "reference-count": 43,
    "publisher": "Springer Science and Business Media LLC",
    "issue": "7825",
    "content-domain": {"domain": ["link.springer.com"], "crossmark-restriction": False},
    "short-container-title": ["Nature"],
    "published-print": {"date-parts": [[2020, 9, 17]]},
    "abstract": "<jats:title>Abstract</jats:title><jats:p>Array programming provides a"
    " powerful, compact and expressive syntax for accessing, manipulating and operating on"
    " data in vectors, matrices and higher-dimensional arrays.</jats:p>",
    "DOI": "10.1038/s41586-020-2649-2",
    "type": "journal-article",
    "created": {"date-parts": [[2020, 9, 16]], "date-time": "2020-09-16T16:03:09Z"},
    "page": "357-362",
    "source": "Crossref",
    "is-referenced-by-count": 14000,
    "title": "Array programming with NumPy",
    "prefix": "10.1038",
    "volume": "585",
    "author": [
        {"given": "Charles R.", "family": "Harris", "sequence": "first", "affiliation": []},
        {"given": "K. Jarrod", "family": "Millman", "sequence": "additional", "affiliation": []},
        {
            "given": "Stéfan J.",
            "family": "Walt",
            "non-dropping-particle": "van der",
            "sequence": "additional",
            "affiliation": [],
        },
        {"given": "Ralf", "family": "Gommers", "sequence": "additional", "affiliation": []},
        {
            "ORCID": "http://orcid.org/0000-0002-6039-8293",
            "authenticated-orcid": False,
            "given": "Pauli",
            "family": "Virtanen",
            "sequence": "additional",
            "affiliation": [],
        },
    ],
    "member": "297",
    "published-online": {"date-parts": [[2020, 9, 16]]},
    "container-title": "Nature",
    "original-title": [],
    "language": "en",
    "deposited": {"date-parts": [[2023, 1, 10]], "date-time": "2023-01-10T04:47:21Z"},
    "score": 1,
    "resource": {"primary": {"URL": "https://www.nature.com/articles/s41586-020-2649-2"}},
    "subtitle": [],
    "short-title": [],
    "issued": {"date-parts": [[2020, 9, 16]]},
    "references-count": 43,
    "journal-issue": {"issue": "7825", "published-print": {"date-parts": [[2020, 9, 17]]}},
    "alternative-id": ["2649"],
    "URL": "https://doi.org/10.1038/s41586-020-2649-2",
    "ISSN": ["0028-0836", "1476-4687"],
    "subject": [],
    "container-title-short": "Nature",
    "published": {"date-parts": [[2020, 9, 16]]},
}

TAGGED_DOI = "10.1021/jacs.9b01234"
TAGGED = {
    "publisher": "American Chemical Society (ACS)",
    "issue": "18",
    "DOI": "10.1021/jacs.9b01234",
    "type": "journal-article",
    "page": "7315-7319",
    "title": "Electrochemical Reduction of CO<sub>2</sub> by <i>Escherichia coli</i>"
    " Enzymes &amp; Copper",
    "volume": "141",
    "author": [
        {"given": "Marta", "family": "Núñez", "sequence": "first", "affiliation": []},
        {"given": "Jens", "family": "Ødegård", "sequence": "additional", "affiliation": []},
    ],
    "container-title": "Journal of the American Chemical Society",
    "issued": {"date-parts": [[2019, 4, 24]]},
    "URL": "https://doi.org/10.1021/jacs.9b01234",
}

FSE_DOI = "10.1145/3368089.3409741"
FSE = {
    "publisher": "ACM",
    "DOI": "10.1145/3368089.3409741",
    "type": "proceedings-article",
    "created": {"date-parts": [[2020, 11, 4]]},
    "page": "1-12",
    "source": "Crossref",
    "title": "Flaky tests in continuous integration: an empirical study",
    "author": [
        {"given": "Wing", "family": "Lam", "sequence": "first", "affiliation": []},
        {"given": "Darko", "family": "Marinov", "sequence": "additional", "affiliation": []},
    ],
    "member": "320",
    "event": {"name": "ESEC/FSE '20", "location": "Virtual Event USA"},
    "container-title": "Proceedings of the 28th ACM Joint Meeting on European Software"
    " Engineering Conference and Symposium on the Foundations of Software Engineering",
    "issued": {"date-parts": [[2020, 11, 8]]},
    "URL": "https://doi.org/10.1145/3368089.3409741",
}

# The published version of arXiv:2403.16981 (recorded arXiv entry: 2024, Pensia, Jog, Loh).
PENSIA_DOI = "10.1109/tit.2025.3540021"
PENSIA = {
    "publisher": "Institute of Electrical and Electronics Engineers (IEEE)",
    "issue": "4",
    "DOI": "10.1109/TIT.2025.3540021",
    "type": "journal-article",
    "page": "2841-2870",
    "title": "The Sample Complexity of Simple Binary Hypothesis Testing",
    "volume": "71",
    "author": [
        {"given": "Ankit", "family": "Pensia", "sequence": "first", "affiliation": []},
        {"given": "Varun", "family": "Jog", "sequence": "additional", "affiliation": []},
        {"given": "Po-Ling", "family": "Loh", "sequence": "additional", "affiliation": []},
    ],
    "container-title": "IEEE Transactions on Information Theory",
    "issued": {"date-parts": [[2025, 4]]},
    "URL": "https://doi.org/10.1109/tit.2025.3540021",
}


@pytest.fixture(autouse=True)
def never_the_real_doi_org(monkeypatch):
    monkeypatch.setenv("PUBDB_DOI_URL", UNREACHABLE)


@pytest.fixture
def doi_org(httpserver, monkeypatch):
    """A loopback stand-in for doi.org, with PUBDB_DOI_URL pointing at it."""
    monkeypatch.setenv("PUBDB_DOI_URL", httpserver.url_for("/"))
    monkeypatch.setenv("PUBDB_DOI_DELAY", "0")
    monkeypatch.setenv("PUBDB_DOI_BACKOFF", "0")
    monkeypatch.setenv("PUBDB_DOI_RETRIES", "2")
    monkeypatch.setenv("PUBDB_DOI_TIMEOUT", "5")
    return httpserver


def serve(server, doi: str, data: dict, *, redirect: bool = True) -> None:
    """Answer like doi.org: a redirect to the registration agency, which sends CSL-JSON."""
    body = json.dumps(data, ensure_ascii=False)
    target = f"/transform/{doi}"
    if redirect:
        server.expect_request(f"/{doi}").respond_with_response(
            Response(status=302, headers={"Location": server.url_for(target)})
        )
    else:
        target = f"/{doi}"
    server.expect_request(target).respond_with_data(body, content_type=CSL)


def doi_requests(server) -> list[Request]:
    return [request for request, _ in server.log if not request.path.startswith("/api/")]


def rows(db_path, table: str = "publications") -> int:
    with sqlite3.connect(db_path) as conn:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def get(reference: str):
    with Library() as library:
        return library.get(reference)


def test_add_journal_article_by_doi(run, doi_org, db_path):
    serve(doi_org, NUMPY_DOI, NUMPY)
    result = run("add", NUMPY_DOI)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "1 added"
    assert "harris2020array" in result.stdout
    paper = get(NUMPY_DOI)
    assert paper.citekey == "harris2020array"
    assert paper.title == "Array programming with NumPy"
    assert (paper.kind, paper.status, paper.entry_type) == ("journal", "published", "article")
    assert (paper.journal, paper.venue) == ("Nature", "Nature")
    assert (paper.volume, paper.number, paper.pages) == ("585", "7825", "357--362")
    assert (paper.year, paper.month, paper.date) == (2020, 9, "2020-09-16")
    assert paper.publisher == "Springer Science and Business Media LLC"
    assert paper.doi == NUMPY_DOI
    assert paper.url == "https://doi.org/10.1038/s41586-020-2649-2"
    assert paper.source == "doi"
    assert rows(db_path) == 1


def test_author_list_keeps_the_non_dropping_particle(run, doi_org):
    serve(doi_org, NUMPY_DOI, NUMPY)
    run("add", NUMPY_DOI)
    authors = get(NUMPY_DOI).authors
    assert [a.name for a in authors] == [
        "Charles R. Harris",
        "K. Jarrod Millman",
        "Stéfan J. van der Walt",
        "Ralf Gommers",
        "Pauli Virtanen",
    ]
    assert (authors[2].given, authors[2].family) == ("Stéfan J.", "van der Walt")
    bib = run("export").stdout
    assert r"van der Walt, St{\'e}fan J." in bib
    assert "pages = {357--362}" in bib


def test_jats_abstract_is_plain_text(run, doi_org):
    serve(doi_org, NUMPY_DOI, NUMPY)
    run("add", NUMPY_DOI)
    abstract = get(NUMPY_DOI).abstract
    assert "<" not in abstract
    assert abstract.startswith("Array programming provides a powerful")
    assert abstract.endswith("higher-dimensional arrays.")


def test_html_in_title_is_stripped(run, doi_org):
    serve(doi_org, TAGGED_DOI, TAGGED)
    assert run("add", TAGGED_DOI).exit_code == 0
    paper = get(TAGGED_DOI)
    assert paper.title == "Electrochemical Reduction of CO2 by Escherichia coli Enzymes & Copper"
    assert [a.family for a in paper.authors] == ["Núñez", "Ødegård"]
    assert paper.citekey == "nunez2019electrochemical"


def test_proceedings_article_is_a_conference_paper(run, doi_org):
    serve(doi_org, FSE_DOI, FSE)
    result = run("add", "--doi", FSE_DOI)
    assert result.exit_code == 0, result.stderr
    paper = get(FSE_DOI)
    assert (paper.kind, paper.entry_type) == ("conference", "inproceedings")
    assert paper.booktitle.startswith("Proceedings of the 28th ACM Joint Meeting")
    assert paper.journal is None
    assert (paper.year, paper.month, paper.pages) == (2020, 11, "1--12")
    assert "@inproceedings{lam2020flaky," in run("export").stdout


def test_request_asks_for_csl_json(run, doi_org):
    serve(doi_org, NUMPY_DOI, NUMPY, redirect=False)
    run("add", NUMPY_DOI)
    (request,) = doi_requests(doi_org)
    assert request.path == f"/{NUMPY_DOI}"
    accept = request.headers["Accept"]
    assert accept.split(",")[0].strip() == CSL
    assert request.headers["User-Agent"].startswith("pubdb/")


@pytest.mark.parametrize(
    "written",
    [
        "https://doi.org/10.1038/s41586-020-2649-2",
        "doi:10.1038/S41586-020-2649-2",
        "http://dx.doi.org/10.1038/s41586-020-2649-2",
    ],
)
def test_doi_forms_users_paste(run, doi_org, written):
    serve(doi_org, NUMPY_DOI, NUMPY, redirect=False)
    result = run("add", "--doi", written)
    assert result.exit_code == 0, result.stderr
    assert get(NUMPY_DOI).citekey == "harris2020array"


def test_sici_doi_is_requested_escaped(run, doi_org):
    doi = "10.1002/(sici)1097-4636(199706)35:4<463::aid-jbm6>3.0.co;2-f"
    data = dict(NUMPY, DOI=doi, title="Biomaterials and <i>in vivo</i> tests")
    serve(doi_org, doi, data, redirect=False)
    result = run("add", doi)
    assert result.exit_code == 0, result.stderr
    (request,) = doi_requests(doi_org)
    assert "%3C463::aid-jbm6%3E" in request.environ["RAW_URI"]
    assert get(doi).title == "Biomaterials and in vivo tests"


def test_bibtex_answer_is_accepted(run, doi_org):
    doi_org.expect_request("/10.5281/zenodo.1200251").respond_with_data(
        "@misc{https://doi.org/10.5281/zenodo.1200251,\n"
        "  doi = {10.5281/ZENODO.1200251},\n"
        "  author = {Maassen, Jason and Verhoeven, Stefan},\n"
        "  title = {doi2cff: Create a {CITATION}.cff file from a {DOI}},\n"
        "  publisher = {Zenodo},\n"
        "  year = {2018},\n"
        "}\n",
        content_type="application/x-bibtex; charset=utf-8",
    )
    result = run("add", "10.5281/zenodo.1200251")
    assert result.exit_code == 0, result.stderr
    paper = get("10.5281/zenodo.1200251")
    assert paper.title == "doi2cff: Create a CITATION.cff file from a DOI"
    assert paper.citekey == "maassen2018doi2cff"
    assert (paper.publisher, paper.year, paper.source) == ("Zenodo", 2018, "doi")


def test_unknown_doi_is_not_found(run, doi_org, db_path):
    doi_org.expect_request("/10.5555/missing").respond_with_data(
        "DOI Not Found", status=404, content_type="text/html"
    )
    result = run("add", "10.5555/missing")
    assert result.exit_code == 1
    assert result.stdout.startswith("not found  10.5555/missing")
    assert result.stdout.splitlines()[-1] == "1 not found"
    assert rows(db_path) == 0


def test_one_missing_doi_does_not_stop_the_others(run, doi_org, db_path):
    serve(doi_org, NUMPY_DOI, NUMPY)
    doi_org.expect_request("/10.5555/missing").respond_with_data("", status=404)
    result = run("add", "10.5555/missing", NUMPY_DOI)
    assert result.exit_code == 1
    assert "1 added, 1 not found" in result.stdout
    assert rows(db_path) == 1


def test_server_error_is_retried(run, doi_org):
    doi_org.expect_oneshot_request(f"/{NUMPY_DOI}").respond_with_data("busy", status=503)
    serve(doi_org, NUMPY_DOI, NUMPY, redirect=False)
    result = run("add", NUMPY_DOI)
    assert result.exit_code == 0, result.stderr
    assert len(doi_requests(doi_org)) == 2
    assert get(NUMPY_DOI).title == "Array programming with NumPy"


def test_persistent_server_error_gives_up_and_writes_nothing(run, doi_org, db_path):
    doi_org.expect_request(f"/{NUMPY_DOI}").respond_with_data("busy", status=503)
    result = run("add", NUMPY_DOI)
    assert result.exit_code == 1
    *notices, last = result.stderr.splitlines()
    assert last.startswith("pubdb: doi.org request failed after 3 attempts")
    assert notices == [
        f"pubdb: doi.org answered HTTP 503; retrying now (attempt {n} of 3)" for n in (2, 3)
    ]
    assert len(doi_requests(doi_org)) == 3
    assert not db_path.exists() or rows(db_path) == 0


def test_readding_a_doi_does_not_duplicate(run, doi_org, db_path):
    serve(doi_org, NUMPY_DOI, NUMPY)
    run("add", NUMPY_DOI)
    again = run("add", f"https://doi.org/{NUMPY_DOI.upper()}")
    assert again.exit_code == 0, again.stderr
    assert again.stdout.splitlines()[-1] == "1 unchanged"
    assert rows(db_path) == 1


def test_doi_already_imported_from_bibtex_is_filled_not_duplicated(run, doi_org, tmp_path, db_path):
    bib = tmp_path / "numpy.bib"
    bib.write_text(
        "@article{harris2020numpy,\n"
        "  author = {Harris, Charles R. and Millman, K. Jarrod and van der Walt, St{\\'e}fan J."
        " and Gommers, Ralf and Virtanen, Pauli},\n"
        "  title = {Array programming with {NumPy}},\n"
        "  journal = {Nature},\n"
        "  year = {2020},\n"
        "  doi = {10.1038/s41586-020-2649-2},\n"
        "  note = {Our most cited paper},\n"
        "}\n",
        encoding="utf-8",
    )
    assert run("import", str(bib)).exit_code == 0
    serve(doi_org, NUMPY_DOI, NUMPY)
    result = run("add", NUMPY_DOI)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "1 filled"  # volume, number, pages
    assert "harris2020numpy" in result.stdout
    assert rows(db_path) == 1
    paper = get("harris2020numpy")
    assert (paper.volume, paper.number, paper.pages) == ("585", "7825", "357--362")
    assert paper.note == "Our most cited paper"
    assert paper.latex["title"] == "Array programming with {NumPy}"
    assert paper.source == "bibtex"
    again = run("add", NUMPY_DOI)
    assert again.stdout.splitlines()[-1] == "1 unchanged"
    assert rows(db_path) == 1


def test_doi_keeps_edited_fields(run, doi_org):
    serve(doi_org, NUMPY_DOI, NUMPY)
    run("add", NUMPY_DOI)
    run("edit", NUMPY_DOI, "--set", "title=Array programming with NumPy!", "--unset", "pages")
    run("add", NUMPY_DOI)
    paper = get(NUMPY_DOI)
    assert paper.title == "Array programming with NumPy!"
    assert paper.pages is None


@pytest.mark.parametrize(
    ("csl_type", "kind", "entry_type", "venue_column"),
    [
        ("journal-article", "journal", "article", "journal"),
        ("proceedings-article", "conference", "inproceedings", "booktitle"),
    ],
)
def test_doi_of_a_published_preprint_merges_into_it(
    run, arxiv, doi_org, db_path, csl_type, kind, entry_type, venue_column
):
    run("add", "2403.16981")
    preprint = get("2403.16981")
    assert (preprint.kind, preprint.year, preprint.doi) == ("preprint", 2024, None)
    serve(doi_org, PENSIA_DOI, dict(PENSIA, type=csl_type))
    result = run("add", PENSIA_DOI)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "1 updated"
    assert rows(db_path) == 1
    paper = get(PENSIA_DOI)
    assert paper.citekey == preprint.citekey
    assert (paper.kind, paper.entry_type, paper.status) == (kind, entry_type, "published")
    assert paper.arxiv_id == "2403.16981"
    assert paper.doi == PENSIA_DOI
    assert paper.year == 2025
    assert getattr(paper, venue_column) == "IEEE Transactions on Information Theory"
    assert paper.abstract == preprint.abstract
    assert [a.name for a in paper.authors] == ["Ankit Pensia", "Varun Jog", "Po-Ling Loh"]


def test_published_doi_survives_a_later_arxiv_refresh(run, arxiv, doi_org):
    run("add", "2403.16981")
    serve(doi_org, PENSIA_DOI, PENSIA)
    run("add", PENSIA_DOI)
    result = run("refresh")
    assert result.exit_code == 0, result.stderr
    paper = get("2403.16981")
    assert (paper.kind, paper.doi, paper.year) == ("journal", PENSIA_DOI, 2025)


def test_doi_with_another_first_author_is_not_merged(run, arxiv, doi_org, db_path):
    run("add", "2403.16981")
    other = copy.deepcopy(PENSIA)
    other["author"] = other["author"][::-1]
    serve(doi_org, PENSIA_DOI, other)
    result = run("add", PENSIA_DOI)
    assert "1 added" in result.stdout
    assert rows(db_path) == 2


@pytest.mark.parametrize(
    "args",
    [
        ["10.12/too-short-prefix"],
        ["--doi", "not-a-doi"],
        ["--doi", "10.1038"],
        [NUMPY_DOI, "10.1038/"],
        ["https://example.org/10.1038/s41586-020-2649-2"],
    ],
)
def test_malformed_doi_exits_2_before_any_request(run, doi_org, db_path, args):
    serve(doi_org, NUMPY_DOI, NUMPY)
    result = run("add", *args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert doi_requests(doi_org) == []
    assert not db_path.exists() or rows(db_path) == 0


def test_arxiv_ids_and_dois_in_one_call(run, arxiv, doi_org, db_path):
    serve(doi_org, NUMPY_DOI, NUMPY)
    serve(doi_org, FSE_DOI, FSE)
    result = run("add", "2206.06921", NUMPY_DOI, "astro-ph/0601001", "--doi", FSE_DOI)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "4 added"
    assert sorted(arxiv.asked_ids) == ["2206.06921", "astro-ph/0601001"]
    assert len(arxiv.requests) == 1
    assert rows(db_path) == 4
    assert get(NUMPY_DOI).kind == "journal"
    assert get("2206.06921").title == "Attainable forms of Assouad spectra"


def test_failed_doi_request_writes_nothing_from_the_same_call(run, arxiv, doi_org, db_path):
    doi_org.expect_request(f"/{NUMPY_DOI}").respond_with_data("busy", status=503)
    result = run("add", "2206.06921", NUMPY_DOI)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1].startswith("pubdb: doi.org request failed")
    assert not db_path.exists() or rows(db_path) == 0


def test_arxiv_id_and_its_published_doi_in_one_call_give_one_record(run, arxiv, doi_org, db_path):
    serve(doi_org, PENSIA_DOI, PENSIA)
    result = run("add", "2403.16981", PENSIA_DOI)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "1 added, 1 updated"
    assert rows(db_path) == 1
    assert get("2403.16981").doi == PENSIA_DOI


def test_arxiv_doi_goes_to_arxiv_not_doi_org(run, arxiv, doi_org):
    result = run("add", "--doi", "10.48550/arXiv.2206.06921")
    assert result.exit_code == 0, result.stderr
    assert arxiv.asked_ids == ["2206.06921"]
    assert doi_requests(doi_org) == []


def test_search_finds_doi_records(run, doi_org):
    serve(doi_org, TAGGED_DOI, TAGGED)
    run("add", TAGGED_DOI)
    result = run("search", "--json", "odegard escherichia")
    assert [r["doi"] for r in json.loads(result.stdout)] == [TAGGED_DOI]


# What Crossref answers for a CHIIR '20 paper whose publisher deposited affiliations.
CHIIR_DOI = "10.1145/3343413.3377969"
CHIIR = {
    "publisher": "ACM",
    "DOI": "10.1145/3343413.3377969",
    "type": "paper-conference",
    "source": "Crossref",
    "title": "A Workflow Analysis Perspective to Scholarly Research Tasks",
    "author": [
        {"given": "Marijn", "family": "Koolen", "sequence": "first", "affiliation": [
            {"name": "Royal Netherlands Academy of Arts and Sciences, Amsterdam, Netherlands"}]},
        {"given": "Sanna", "family": "Kumpulainen", "sequence": "additional", "affiliation": [
            {"name": "Tampere University, Tampere, Finland"}]},
        {"given": "Liliana", "family": "Melgar-Estrada", "sequence": "additional",
         "affiliation": [{"name": "Utrecht University &amp; The Netherlands Institute for Sound"
                                  " and Vision, Utrecht, Netherlands"}]},
    ],
    "container-title": "Proceedings of the 2020 Conference on Human Information Interaction"
    " and Retrieval",
    "issued": {"date-parts": [[2020, 3, 14]]},
    "URL": "http://dx.doi.org/10.1145/3343413.3377969",
}  # fmt: skip


def test_affiliations_in_doi_metadata_go_to_the_authors(run, doi_org):
    serve(doi_org, CHIIR_DOI, CHIIR)
    assert run("add", CHIIR_DOI).exit_code == 0
    result = run("coauthors", "Marijn Koolen", "--csv")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[1:] == [
        'A:,"Kumpulainen, Sanna","Tampere University, Tampere, Finland",,03/14/2020',
        'A:,"Melgar-Estrada, Liliana","Utrecht University & The Netherlands Institute for'
        ' Sound and Vision, Utrecht, Netherlands",,03/14/2020',
    ]
    shown = run("author", "show", "Sanna Kumpulainen").stdout
    assert "affiliation: Tampere University, Tampere, Finland (2020, DOI metadata" in shown


def test_doi_metadata_fills_the_affiliations_of_an_imported_record(run, doi_org, tmp_path):
    bib = tmp_path / "chiir.bib"
    bib.write_text(
        "@inproceedings{koolen2020workflow,\n"
        "  author = {Koolen, Marijn and Kumpulainen, Sanna and Melgar-Estrada, Liliana},\n"
        "  title = {A Workflow Analysis Perspective to Scholarly Research Tasks},\n"
        "  booktitle = {CHIIR}, year = {2020},\n"
        f"  doi = {{{CHIIR_DOI}}},\n}}\n",
        encoding="utf-8",
    )
    assert run("import", str(bib)).exit_code == 0
    serve(doi_org, CHIIR_DOI, CHIIR)
    result = run("add", CHIIR_DOI)
    assert result.exit_code == 0, result.output
    paper = get(CHIIR_DOI)
    assert paper.citekey == "koolen2020workflow"
    assert [(a.affiliation, a.affiliation_source) for a in paper.authors][:2] == [
        ("Royal Netherlands Academy of Arts and Sciences, Amsterdam, Netherlands", "doi"),
        ("Tampere University, Tampere, Finland", "doi"),
    ]


@pytest.mark.parametrize(
    ("parts", "stored"),
    [
        pytest.param([[99999, 13, 45]], (None, None, None), id="no date at all"),
        pytest.param([[2020, 13, 45]], (2020, None, "2020"), id="month 13"),
        pytest.param([[2020, 2, 30]], (2020, 2, "2020-02"), id="30 February"),
        pytest.param([[2020, 2, 29]], (2020, 2, "2020-02-29"), id="leap day"),
        pytest.param([["2019", "4"]], (2019, 4, "2019-04"), id="numbers as strings"),
        pytest.param([[-2019, 4]], (None, None, None), id="negative year"),
    ],
)  # fmt: skip
def test_impossible_dates_from_doi_org_are_not_stored(run, doi_org, parts, stored):
    """Issue 14: dates that are not dates are refused, not stored; what is a date of
    them (a year, a month) is kept."""
    serve(doi_org, NUMPY_DOI, {**NUMPY, "issued": {"date-parts": parts}, "published-print": {},
                               "published-online": {}, "created": {}})  # fmt: skip
    result = run("add", NUMPY_DOI)
    assert result.exit_code == 0, result.stderr
    paper = get(NUMPY_DOI)
    assert (paper.year, paper.month, paper.date) == stored
