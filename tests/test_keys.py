"""Citation keys: `zekri2025finetuning` style, ASCII, unique, and never changed once given."""

from __future__ import annotations

import json
import re

import pytest

from pubdb.library import Library
from pubdb.papers.keys import first_significant_word, key_stem, unique_key


@pytest.mark.parametrize(
    ("author", "year", "title", "stem"),
    [
        pytest.param(
            "Oussama Zekri",
            2025,
            "Fine-Tuning Discrete Diffusion Models",
            "zekri2025finetuning",
            id="issue-example",
        ),
        pytest.param("Stéphane d'Ascoli", 2021, "ConViT", "ascoli2021convit", id="elided-particle"),
        pytest.param(
            "d’Ascoli, Stéphane", 2021, "ConViT", "ascoli2021convit", id="curly-apostrophe"
        ),
        pytest.param("Jan van der Berg", 2020, "Graphs", "berg2020graphs", id="van-der"),
        pytest.param(
            "van der Berg, Jr, Jan", 2019, "Graphs", "berg2019graphs", id="von-last-jr-first"
        ),
        pytest.param("Andre de Gouvea", 2003, "Anarchy", "gouvea2003anarchy", id="de"),
        pytest.param("Lasse Møldrup", 2025, "Testing", "moldrup2025testing", id="o-slash"),
        pytest.param("Ødegård, Øystein", 2020, "Rings", "odegard2020rings", id="O-slash-ring"),
        pytest.param(
            "Łukasz Kaiser", 2017, "Attention", "kaiser2017attention", id="L-stroke-in-given-name"
        ),
        pytest.param(
            "Paweł Łojasiewicz", 1963, "Inequality", "lojasiewicz1963inequality", id="L-stroke"
        ),
        pytest.param("Oliver Weißl", 2026, "Latent", "weissl2026latent", id="eszett"),
        pytest.param("Nicolas Boullé", 2023, "Élan vital", "boulle2023elan", id="acute-in-both"),
        pytest.param("Jean-Marc Azaïs", 2017, "Testing", "azais2017testing", id="diaeresis"),
        pytest.param(
            "Eduardo Muñoz-Hernández",
            2023,
            "Coupled",
            "munozhernandez2023coupled",
            id="hyphenated-family",
        ),
        pytest.param(None, None, "Untitled", "anonnduntitled", id="no-author-no-year"),
    ],
)
def test_key_stem(author, year, title, stem):
    assert key_stem(author, year, title) == stem


@pytest.mark.parametrize(
    ("title", "word"),
    [
        pytest.param("Fine-Tuning Discrete Diffusion Models", "finetuning", id="hyphen-joined"),
        pytest.param("A Survey on Web Testing", "survey", id="A"),
        pytest.param("An Indefinite Operator", "indefinite", id="An"),
        pytest.param("On the Energy Consumption of Tests", "energy", id="On-the"),
        pytest.param("Towards Explainable Prioritisation", "explainable", id="Towards"),
        pytest.param("The Price of Tolerance", "price", id="The"),
        pytest.param(r"$\omega$Test: WebView Testing", "test", id="leading-math"),
        pytest.param(r"$\mathbb{R}^d$ embeddings", "embeddings", id="math-word"),
        pytest.param("10 Years of Rao's Test", "years", id="leading-number"),
        pytest.param("The 1948 Score Test", "score", id="article-then-number"),
        pytest.param("Über Graphen", "uber", id="accent-folded"),
        pytest.param(r"\emph{Ab initio} methods", "ab", id="tex-command"),
        pytest.param("Don't Stop Pretraining", "dont", id="apostrophe"),
        pytest.param("0", "", id="only-digits"),
    ],
)
def test_first_significant_word(title, word):
    assert first_significant_word(title) == word


def test_keys_are_plain_ascii():
    key = key_stem("Þórður Ødegård-Łaski", 2024, "Ærodynamik für Straßen")
    assert re.fullmatch(r"[a-z0-9]+", key), key


def test_clashing_stems_get_letter_suffixes():
    taken: set[str] = set()
    keys = []
    for _ in range(4):
        key = unique_key("smith2020deep", taken.__contains__)
        taken.add(key)
        keys.append(key)
    assert keys == ["smith2020deep", "smith2020deepb", "smith2020deepc", "smith2020deepd"]


def test_suffixes_fill_the_first_free_slot():
    taken = {"smith2020deep", "smith2020deepc"}
    assert unique_key("smith2020deep", taken.__contains__) == "smith2020deepb"


# -- through the library and the CLI, against the arXiv stand-in --------------------------


def citekey(reference: str) -> str:
    with Library() as library:
        return library.get(reference).citekey


def clone_entry(arxiv, source: str, new_id: str, title: str) -> None:
    """A copy of a recorded entry under another id and title (a different paper)."""
    entry = arxiv.entries[source].replace(source.encode(), new_id.encode())
    arxiv.entries[new_id] = re.sub(
        rb"<title>.*?</title>", b"<title>" + title.encode() + b"</title>", entry, flags=re.S
    )


@pytest.mark.parametrize(
    ("arxiv_id", "key"),
    [
        pytest.param("2405.13786", "ramirez2024explainable", id="accent-and-Towards"),
        pytest.param("2104.12832", "merwe2021determining", id="van-der-and-On"),
        pytest.param("hep-ph/0301050", "gouvea2003statistical", id="de-particle"),
        pytest.param("2306.03845", "hu2023test", id="math-in-title"),
        pytest.param("1805.09398", "ginting2018fractional", id="On-and-initials"),
        pytest.param("2505.05162", "shi2025complexity", id="The"),
    ],
)
def test_added_paper_gets_a_readable_key(run, arxiv, arxiv_id, key):
    result = run("add", arxiv_id)
    assert result.exit_code == 0, result.output
    assert citekey(arxiv_id) == key
    assert key in result.stdout


def test_readding_a_paper_keeps_its_key(run, arxiv):
    run("add", "2104.12832")
    result = run("add", "2104.12832")
    assert result.exit_code == 0, result.output
    assert "1 unchanged" in result.stdout
    assert citekey("2104.12832") == "merwe2021determining"


def test_new_arxiv_title_does_not_change_the_key(run, arxiv):
    run("add", "2104.12832")
    clone_entry(arxiv, "2104.12832", "2104.12832", "A Completely Different Title")
    result = run("add", "2104.12832")
    assert "1 updated" in result.stdout
    with Library() as library:
        paper = library.get("2104.12832")
    assert paper.title == "A Completely Different Title"
    assert paper.citekey == "merwe2021determining"


def test_editing_the_title_does_not_change_the_key(run, arxiv):
    run("add", "2104.12832")
    result = run("edit", "merwe2021determining", "--set", "title=Zebras of the Serengeti")
    assert result.exit_code == 0, result.output
    shown = json.loads(run("show", "2104.12832", "--json").stdout)
    assert shown["title"] == "Zebras of the Serengeti"
    assert shown["citekey"] == "merwe2021determining"


def test_editing_author_and_year_does_not_change_the_key(run, arxiv):
    run("add", "2104.12832")
    result = run("edit", "2104.12832", "--set", "authors=Ada Lovelace", "--set", "year=1843")
    assert result.exit_code == 0, result.output
    assert citekey("2104.12832") == "merwe2021determining"


def test_clashing_papers_get_b_and_c_and_the_first_keeps_its_key(run, arxiv):
    clone_entry(arxiv, "2104.12832", "2104.99901", "Determining Priors Objectively")
    clone_entry(arxiv, "2104.12832", "2104.99902", "On Determining Sample Sizes")
    run("add", "2104.12832")
    result = run("add", "2104.99901", "2104.99902")
    assert result.exit_code == 0, result.output
    assert [citekey(i) for i in ("2104.12832", "2104.99901", "2104.99902")] == [
        "merwe2021determining",
        "merwe2021determiningb",
        "merwe2021determiningc",
    ]
    run("add", "2104.12832", "2104.99901", "2104.99902")
    assert citekey("2104.99902") == "merwe2021determiningc"


def test_key_freed_by_removal_is_not_taken_from_a_surviving_paper(run, arxiv):
    clone_entry(arxiv, "2104.12832", "2104.99901", "Determining Priors Objectively")
    run("add", "2104.12832", "2104.99901")
    assert run("rm", "merwe2021determining").exit_code == 0
    run("add", "2104.99901")
    assert citekey("2104.99901") == "merwe2021determiningb"
