"""Reading a CV's publication list (papers/cv_entries.py): real lines from the two seed
CVs (tests/fixtures/seeds), each layout, and what a line says beyond its title."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pubdb.papers.cv_entries import CvAuthor, parse_entry_text, parse_publication_list
from pubdb.tex.decode import tex_to_unicode

SEEDS = Path(__file__).parent / "fixtures" / "seeds"
ZEKRI = (SEEDS / "zekri-publications.txt").read_text(encoding="utf-8")
JELASSI = (SEEDS / "jelassi-publications.md").read_text(encoding="utf-8")
ROOT = Path(__file__).resolve().parents[1]


def names(entry) -> list[str]:
    return [a.name + ("*" if a.equal_contribution else "") for a in entry.authors]


# -- Zekri: list items, sentences -----------------------------------------------------------

ZEKRI_LINES = ZEKRI.splitlines()[4:8]


@pytest.mark.parametrize(
    "line, title, authors, venue, kind, year, status, notes",
    [
        (
            ZEKRI_LINES[0],
            "Fine-Tuning Discrete Diffusion Models with Policy Gradient Methods",
            ["O. Zekri", "N. Boullé"], None, None, None, "submitted", [],
        ),
        (
            ZEKRI_LINES[1],
            "Large Language Models as Markov Chains",
            ["O. Zekri", "A. Odonnat", "A. Benechehab", "L. Bleistein", "N. Boullé", "I. Redko"],
            None, None, None, "submitted", ["Featured in \\emph{Forbes}"],
        ),
        (
            ZEKRI_LINES[2],
            "Zero-shot Model-based Reinforcement Learning using Large Language Models",
            ["A. Benechehab", "Y. Attia El Hili", "A. Odonnat", "O. Zekri", "A. Thomas",
             "G. Paolo", "M. Filippone", "I. Redko", "B. Kégl"],
            "ICLR", "conference", 2025, "published", [],
        ),
        (
            ZEKRI_LINES[3],
            "Can LLMs predict the convergence of Stochastic Gradient Descent?",
            ["O. Zekri", "A. Benechehab", "I. Redko"],
            "ICML 2024 ICL Workshop", "workshop", 2024, "published",
            ["Top 10\\% submitted paper"],
        ),
    ],
    ids=["[1]-submitted", "[2]-note-with-emphasis", "[3]-in-iclr-2025", "[4]-workshop-note"],
)  # fmt: skip
def test_zekri_lines(line, title, authors, venue, kind, year, status, notes):
    assert line.startswith("- [")
    entry = parse_entry_text(line)
    assert entry.title == title
    assert names(entry) == authors
    assert (entry.venue, entry.kind, entry.year, entry.status) == (venue, kind, year, status)
    assert entry.notes == notes


def test_zekri_cv_reads_four_entries_and_no_prose():
    entries = parse_publication_list(ZEKRI)
    assert [e.line for e in entries] == [5, 6, 7, 8]
    assert [e.title.split()[0] for e in entries] == ["Fine-Tuning", "Large", "Zero-shot", "Can"]
    assert entries[1].note == "Featured in \\emph{Forbes}"
    assert tex_to_unicode(entries[1].note) == "Featured in Forbes"


# -- Jelassi: Markdown blocks ---------------------------------------------------------------


def jelassi_entry(title_start: str):
    """The seed CV's entry whose title starts so."""
    [entry] = [e for e in parse_publication_list(JELASSI) if e.title.startswith(title_start)]
    return entry


@pytest.mark.parametrize(
    "start, title, year, venue, kind, status, authors, notes, arxiv_id",
    [
        (
            "Mixture of Parrots",
            "Mixture of Parrots: Experts improve memorization more than reasoning", 2024,
            None, "preprint", "submitted",
            ["S. Jelassi", "C. Mohri", "D. Brandfonbrener", "A. Gu", "N. Vyas", "N. Anand",
             "D. Alvarez-Melis", "Y. Li", "S. Kakade", "E. Malach"],
            ["Oral presentation (top 10\\%) at the {\\textquotedblleft}Mathematics of modern "
             "machine learning{\\textquotedblright} workshop, NeurIPS 2024"],
            "2410.19034",
        ),
        (
            "Universal length",
            "Universal length generalization with turing programs", 2024, None, "preprint",
            "submitted",
            ["K. Hou", "D. Brandfonbrener", "S. Kakade", "S. Jelassi*", "E. Malach*"], [],
            "2407.03310",
        ),
        (
            "Depth Dependence",
            "Depth Dependence of $\\mu P$ Learning Rates in ReLU MLPs", 2023, None, "preprint",
            None,
            ["S. Jelassi", "B. Hanin", "Z. Ji", "S. Reddi", "S. Bhojanapalli", "S. Kumar"], [],
            "2305.07810",
        ),
        (
            "Length generalization",
            "Length generalization in arithmetic transformers", 2023, None, "preprint", None,
            ["S. Jelassi", "S. d’Ascoli", "C. Domingo-Enrich", "Y. Wu", "Y. Li", "F. Charton"],
            [], "2306.15400",
        ),
        (
            "LoRA Soups",
            "LoRA Soups: Merging LoRAs for Practical Skill Composition Tasks", 2025,
            "International Conference on Computational Linguistics (COLING)", "conference",
            "published",
            ["A. Prabhakar", "Y. Li", "K. Narasimhan", "S. Kakade", "E. Malach", "S. Jelassi"],
            ["Industry track"], "2410.13025",
        ),
        (
            "Towards understanding how momentum",
            "Towards understanding how momentum improves generalization in deep learning", 2022,
            "International Conference on Machine Learning (ICML)", "conference", "published",
            ["S. Jelassi", "Y. Li"],
            ['Oral presentation (top 5\\%) at "Overparameterization: Pitfalls \\& '
             'Opportunities" workshop, ICML 2021'],
            "2207.05931",
        ),
        (
            "Smoothed analysis",
            "Smoothed analysis of low-rank approach for smooth semidefinite programs", 2018,
            "Conference on Neural Information Processing Systems (NeurIPS)", "conference",
            "published", ["T. Pumir*", "S. Jelassi*", "N. Boumal"],
            ["Oral presentation (top 3\\%)"], "1806.03763",
        ),
        (
            "Adaptivity without Compromise",
            "Adaptivity without Compromise: A Momentumized, Adaptive, Dual Averaged Gradient "
            "Method for Stochastic Optimization", 2022,
            "Journal of Machine Learning Research", "journal", "published",
            ["A. Defazio", "S. Jelassi"], [], "2101.11075",
        ),
    ],
    ids=["preprint-submitted-with-note", "equal-contribution", "tex-math-title",
         "curly-apostrophe-name", "conference-and-track", "second-line-note",
         "presented-at-the-venue", "journal-blank-lines"],
)  # fmt: skip
def test_jelassi_blocks(start, title, year, venue, kind, status, authors, notes, arxiv_id):
    entry = jelassi_entry(start)
    assert entry.title == title
    assert (entry.year, entry.venue, entry.kind, entry.status) == (year, venue, kind, status)
    assert names(entry) == authors
    assert entry.notes == notes
    assert [str(i) for i in entry.arxiv_ids] == [arxiv_id]


def test_jelassi_cv_reads_every_entry_and_no_heading():
    entries = parse_publication_list(JELASSI)
    assert len(entries) == 19  # 5 preprints, 12 conference and 2 journal papers
    assert {e.section for e in entries} == {"Preprints", "Conference papers", "Journal papers"}
    assert all(len(e.arxiv_ids) == 1 for e in entries)
    assert not any("Publication list" in e.title or "---" in e.title for e in entries)


def seeds_bib_entries() -> dict[str, dict[str, str]]:
    """bib/seeds.bib, written by hand from the same CV: arXiv id -> its fields."""
    from pubdb.bibtex.reader import parse_bibtex

    parsed = parse_bibtex((ROOT / "bib" / "seeds.bib").read_text(encoding="utf-8"), "seeds")
    return {e.publication.arxiv_id: e.publication for e in parsed.entries if e.publication.arxiv_id}


def test_jelassi_cv_reads_as_the_hand_written_seeds_bib():
    """Venue, kind, year, status and note of every Jelassi entry agree with
    bib/seeds.bib, which a person wrote from the same CV."""
    by_id = seeds_bib_entries()
    for entry in parse_publication_list(JELASSI):
        expected = by_id[entry.arxiv_ids[0].base]
        assert entry.venue == expected.venue, entry.title
        assert (entry.kind or "preprint") == expected.kind, entry.title
        assert entry.year == expected.year, entry.title
        assert (entry.status or "preprint") == expected.status, entry.title
        note = tex_to_unicode(entry.note) if entry.note else None
        assert note == expected.note, entry.title
        marked = [a.equal_contribution for a in expected.authors]
        assert [a.equal_contribution for a in entry.authors] == marked, entry.title


# -- other layouts and lines ----------------------------------------------------------------


def test_one_title_a_line_skips_headings_and_blank_lines():
    text = (
        "PUBLICATIONS\n\n"
        "Large Language Models as Markov Chains\n"
        "## Older\n"
        "Diffusion on Fractal Ces\\`aro Curve\n"
        "Preprints:\n"
    )
    entries = parse_publication_list(text)
    assert [(e.line, e.title, e.authors) for e in entries] == [
        (3, "Large Language Models as Markov Chains", []),
        (5, "Diffusion on Fractal Ces\\`aro Curve", []),
    ]


def test_numbered_items_with_continuation_lines_and_prose_around():
    text = (
        "Selected papers (see my web page for more):\n"
        "1. O. Zekri, N. Boullé. Fine-Tuning Discrete Diffusion Models\n"
        "   with Policy Gradient Methods. Submitted.\n"
        "2) S. Jelassi and E. Malach. Repeat after me. In ICML 2024.\n"
        "Thanks to my co-authors.\n"
    )
    entries = parse_publication_list(text)
    assert [(e.line, e.title) for e in entries] == [
        (2, "Fine-Tuning Discrete Diffusion Models with Policy Gradient Methods"),
        (4, "Repeat after me"),
    ]
    assert names(entries[1]) == ["S. Jelassi", "E. Malach"]
    assert (entries[1].venue, entries[1].kind, entries[1].year) == ("ICML", "conference", 2024)


@pytest.mark.parametrize(
    "line, title, authors, details",
    [
        (
            'Zekri, O. and Boullé, N. (2025). "Fine-Tuning Discrete Diffusion Models with '
            'Policy Gradient Methods". arXiv preprint.',
            "Fine-Tuning Discrete Diffusion Models with Policy Gradient Methods",
            ["Zekri, O.", "Boullé, N."], {"year": 2025, "status": "preprint"},
        ),
        (
            "Y. Wu, Y. Li. Length generalization. Submitted to NeurIPS 2023.",
            "Length generalization", ["Y. Wu", "Y. Li"],
            {"status": "submitted", "venue": None, "notes": ["Submitted to NeurIPS 2023"]},
        ),
        (
            "J. Rahme, S. Jelassi, S. M. Weinberg. Auction learning as a two-player game. "
            "To appear in ICLR 2021.",
            "Auction learning as a two-player game", ["J. Rahme", "S. Jelassi", "S. M. Weinberg"],
            {"status": "accepted", "venue": "ICLR", "year": 2021, "kind": "conference"},
        ),
        (
            "A. B. Author et al. Deep nets vs. shallow nets: a study. In Proc. Int. Conf. "
            "Machine Learning, 2019. Spotlight.",
            "Deep nets vs. shallow nets: a study", ["A. B. Author"],
            {"venue": "Proc. Int. Conf. Machine Learning", "year": 2019, "kind": "conference",
             "notes": ["Spotlight"]},
        ),
        (
            "S. Jelassi, D. Brandfonbrener. Title with $\\mu$P in it. Spotlight at NeurIPS "
            "2023.",
            "Title with $\\mu$P in it", ["S. Jelassi", "D. Brandfonbrener"],
            {"venue": "NeurIPS", "year": 2023, "notes": ["Spotlight"]},
        ),
        (
            "Large Language Models as Markov Chains. Submitted.",
            "Large Language Models as Markov Chains", [], {"status": "submitted"},
        ),
        (
            "K. Li, Y. Li. Q-Probe. JMLR 2024.",
            "Q-Probe", ["K. Li", "Y. Li"], {"venue": "JMLR", "kind": "journal"},
        ),
        (
            "- [3] Samy Jelassi\\*, Eran Malach\\*. Copying. *In submission*. "
            "<https://arxiv.org/abs/2402.01032>",
            "Copying", ["Samy Jelassi*", "Eran Malach*"],
            {"status": "submitted", "arxiv_ids": ["2402.01032"]},
        ),
    ],
    ids=["family-first-quoted-title", "submitted-to-a-venue", "to-appear-in",
         "abbreviated-venue-and-et-al", "distinction-at-a-venue", "title-then-status",
         "two-letter-family-ends-authors", "full-names-stars-link"],
)  # fmt: skip
def test_sentence_lines(line, title, authors, details):
    entry = parse_entry_text(line)
    assert entry.title == title
    assert names(entry) == authors
    for name, value in details.items():
        got = getattr(entry, name)
        got = [str(i) for i in got] if name == "arxiv_ids" else got
        assert got == value, name


def test_an_empty_list_reads_as_no_entries():
    assert parse_publication_list("PUBLICATIONS\n\n## Preprints\n---\n") == []


def test_authors_are_plain_records():
    entry = parse_entry_text("T. Pumir\\*, **S. Jelassi**\\*, N. Boumal. A title. In NeurIPS 2018.")
    assert entry.authors == [
        CvAuthor("T. Pumir", True), CvAuthor("S. Jelassi", True), CvAuthor("N. Boumal"),
    ]  # fmt: skip


@given(text=st.text(max_size=400))
def test_any_text_reads_without_error(text):
    for entry in parse_publication_list(text):
        assert entry.title and entry.title == entry.title.strip()
        assert entry.line >= 1


@given(
    lines=st.lists(
        st.sampled_from(ZEKRI_LINES + JELASSI.splitlines()[:30] + ["", "## Heading", "---"]),
        max_size=12,
    )
)
def test_seed_lines_in_any_order_read_without_error(lines):
    parse_publication_list("\n".join(lines))
