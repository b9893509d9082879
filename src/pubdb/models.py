"""Plain records passed between the library, the renderers and the CLI."""

from __future__ import annotations

import re
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass, field, fields
from typing import Any

# Callbacks a long command is given: ``progress(total)`` opens a bar and returns its
# step function; a notice is one line for the user (a retry, and what it waits for).
Progress = Callable[[int], AbstractContextManager[Callable[[int], None]]]
Notice = Callable[[str], None]

KINDS = ("preprint", "journal", "conference", "workshop", "thesis", "book", "chapter", "other")
STATUSES = ("preprint", "submitted", "accepted", "published")


@dataclass
class Author:
    name: str
    given: str = ""
    family: str = ""
    person_id: int | None = None
    affiliation: str | None = None
    equal_contribution: bool = False
    affiliation_source: str | None = None  # arxiv, bibtex or doi: who wrote the affiliation


@dataclass
class Publication:
    """One paper, as stored. ``fields`` holds BibTeX fields with no column of their own;
    ``latex`` the TeX source of fields imported from BibTeX; ``expressions`` the value
    expression of imported fields that use @string macros (``jasa # " 12"``); ``locked``
    the fields a user edited, which fetched metadata never overwrites."""

    citekey: str = ""
    entry_type: str = "misc"
    kind: str = "other"
    status: str = "published"
    title: str = ""
    abstract: str | None = None
    year: int | None = None
    month: int | None = None
    date: str | None = None
    venue: str | None = None
    journal: str | None = None
    booktitle: str | None = None
    publisher: str | None = None
    volume: str | None = None
    number: str | None = None
    pages: str | None = None
    note: str | None = None
    doi: str | None = None
    arxiv_id: str | None = None
    arxiv_version: int | None = None
    arxiv_primary_category: str | None = None
    arxiv_categories: list[str] = field(default_factory=list)
    arxiv_published: str | None = None
    arxiv_updated: str | None = None
    arxiv_comment: str | None = None
    journal_ref: str | None = None
    url: str | None = None
    pdf_url: str | None = None
    source: str = "manual"
    fields: dict[str, str] = field(default_factory=dict)
    latex: dict[str, str] = field(default_factory=dict)
    expressions: dict[str, str] = field(default_factory=dict)
    locked: list[str] = field(default_factory=list)
    created_at: str | None = None
    updated_at: str | None = None
    id: int | None = None
    authors: list[Author] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


COLUMNS = tuple(f.name for f in fields(Publication) if f.name not in ("id", "authors"))
JSON_COLUMNS = frozenset({"arxiv_categories", "fields", "latex", "expressions", "locked"})


_WORKSHOP = re.compile(r"\bworkshops?\b", re.IGNORECASE)


_CONFERENCE = re.compile(
    r"\b(proc(?:eedings|\.)?|conf(?:erence|\.)?|symposium|congress|ICML|NeurIPS|NIPS|ICLR|"
    r"AAAI|IJCAI|CVPR|ICCV|ECCV|ACL|EMNLP|NAACL|COLING|KDD|SIGIR|AISTATS|UAI|COLT|STOC|"
    r"FOCS|SODA|ICALP|CHI|WWW|LICS|POPL|PLDI)\b",
    re.IGNORECASE,
)


def classify_venue(venue: str) -> str:
    """journal, conference or workshop, guessed from a venue or journal_ref string."""
    if _WORKSHOP.search(venue):
        return "workshop"
    if _CONFERENCE.search(venue):
        return "conference"
    return "journal"


def entry_type_for(kind: str) -> str:
    return {
        "journal": "article",
        "conference": "inproceedings",
        "workshop": "inproceedings",
        "thesis": "phdthesis",
        "book": "book",
        "chapter": "incollection",
    }.get(kind, "misc")


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"
