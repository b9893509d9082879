"""`pubdb edit`: turn ``--set name=value`` / ``--unset name``, or the record edited as
BibTeX, into validated changes.

Every field ``show`` prints can be set, plus ``authors``, ``equal`` (equal-contribution
marks by author position) and any other BibTeX field (kept with the record's extra
fields); a name that is neither a BibTeX/biblatex field nor one the record has is
refused with the close names unless forced. Edited fields are locked: fetched metadata
never overwrites them. ``status`` and ``pubstate`` are one fact. A new year drops a month
that came from arXiv (the month of the preprint, not of the venue). Citation keys never
change once given: editing the year keeps the key.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..errors import InvalidIdentifier, UsageError
from ..ids import normalize_doi, parse_arxiv_id
from ..models import COLUMNS, KINDS, STATUSES, Author, Publication, entry_type_for
from ..names import parse_name, split_author_list
from ..people.resolution import save_authors
from ..store.connection import write_transaction
from ..store.people import drop_orphan_people
from ..store.publications import delete_publication, get_publication, update_publication
from .lookup import get_by_reference, get_each, owned_elsewhere

if TYPE_CHECKING:
    import sqlite3

INTERNAL = frozenset(
    {"fields", "latex", "expressions", "locked", "source", "created_at", "updated_at"}
)
EDITABLE = (*(c for c in COLUMNS if c not in INTERNAL), "authors", "equal")
INTEGER_COLUMNS = frozenset({"year", "month", "arxiv_version"})
PUBSTATE = {"submitted": "submitted", "accepted": "inpress"}
_FIELD_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_+:.-]*$")
# No backslash and no "^^" (TeX's spelling of one): a key is read as TeX in \bibitem.
_KEY = re.compile(r"^(?!.*\^\^)[^\s,{}()\"'#%~\\=]+$")
_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
# Field names accepted without --force, besides pubdb's own and those a record has.
KNOWN_FIELDS = frozenset(
    """
    address annote author booktitle chapter crossref edition editor howpublished
    institution journal key month note number organization pages publisher school series
    title type volume year doi url eprint archiveprefix primaryclass eprinttype eprintclass
    isbn issn isrn abstract keywords file language langid urldate date pubstate addendum
    location journaltitle journalsubtitle subtitle titleaddon maintitle booksubtitle
    eventtitle eventdate venue origdate pagetotal part version issue shorttitle
    shortjournal shortauthor editora editorb translator annotator commentator introduction
    foreword afterword bookauthor holder eid ids related options execute entrysubtype
    howpublished mrnumber zbl pmid pmcid arxiv arxivid openreview
    code slides video poster project selected abbr preview html pdf website supp blog
    award bibtex_show dimensions altmetric google_scholar_id annotation additional_info
    """.split()
)
PUBSTATE_STATUS = {
    "submitted": "submitted", "insubmission": "submitted", "underreview": "submitted",
    "inpress": "accepted", "forthcoming": "accepted", "accepted": "accepted",
    "prepublished": "preprint", "published": "published",
}  # fmt: skip


@dataclass
class Edit:
    changes: dict[str, Any] = field(default_factory=dict)
    authors: list[Author] | None = None
    touched: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what was derived, for the user


def check_field_name(name: str, publication: Publication) -> None:
    """UsageError naming the close names, for a name that is neither a BibTeX/biblatex
    field, one of pubdb's, nor one the record already has (a typo such as 'nte')."""
    lowered = name.lower()
    present = {n.lower() for n in publication.fields}
    if lowered in KNOWN_FIELDS or lowered in EDITABLE or lowered in present:
        return
    vocabulary = sorted(KNOWN_FIELDS | set(EDITABLE) | present)
    close = difflib.get_close_matches(lowered, vocabulary, n=4, cutoff=0.6)
    hint = f"; close names: {', '.join(close)}" if close else ""
    raise UsageError(
        f"{name!r} is not a BibTeX field{hint}; give --force to store it as a new field"
    )


def parse_assignment(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    name = name.strip()
    if not sep or not name:
        raise UsageError(f"--set takes NAME=VALUE, not {text!r}")
    return name, value.strip()


def _integer(name: str, value: str) -> int:
    if name == "month":
        from ..bibtex.values import parse_month

        month = parse_month(value)
        if month is None:
            raise UsageError(f"month must be 1-12 or a month name, not {value!r}")
        return month
    if not value.isdigit():
        raise UsageError(f"{name} must be a whole number, not {value!r}")
    return int(value)


def _column_value(name: str, value: str) -> Any:
    if name in INTEGER_COLUMNS:
        return _integer(name, value)
    if name == "kind" and value not in KINDS:
        raise UsageError(f"kind must be one of {', '.join(KINDS)}")
    if name == "status" and value not in STATUSES:
        raise UsageError(f"status must be one of {', '.join(STATUSES)}")
    if name == "citekey" and not _KEY.match(value):
        raise UsageError(f"{value!r} cannot be a citation key")
    if name == "entry_type" and not re.match(r"^[a-z]+$", value.lower()):
        raise UsageError(f"{value!r} is not a BibTeX entry type")
    if name == "date" and not _DATE.match(value):
        raise UsageError(f"date must be YYYY, YYYY-MM or YYYY-MM-DD, not {value!r}")
    try:
        if name == "doi":
            return normalize_doi(value)
        if name == "arxiv_id":
            return parse_arxiv_id(value).base
    except InvalidIdentifier as exc:
        raise UsageError(str(exc)) from None
    if name == "arxiv_categories":
        return [c for c in re.split(r"[\s,]+", value) if c]
    if name == "entry_type":
        return value.lower()
    return value


def _equal_marks(value: str, authors: list[Author]) -> list[Author]:
    wanted: set[int] = set()
    for item in re.split(r"[\s,]+", value.strip()):
        if not item or item.lower() == "none":
            continue
        if not item.isdigit() or not 1 <= int(item) <= len(authors):
            raise UsageError(f"equal takes author positions 1-{len(authors)}, not {item!r}")
        wanted.add(int(item))
    return [
        Author(**{**vars(a), "equal_contribution": i in wanted}) for i, a in enumerate(authors, 1)
    ]


def _new_authors(value: str, current: list[Author]) -> list[Author]:
    marks = {a.name: a.equal_contribution for a in current}
    authors = []
    for written in split_author_list(value, semicolons=True):
        marked = written.endswith("*")
        written = written.rstrip("*").strip()
        name = parse_name(written)
        authors.append(
            Author(
                written, name.given, name.family, None, None, marked or marks.get(written, False)
            )
        )
    if not authors:
        raise UsageError("authors cannot be empty (use --unset authors)")
    return authors


def plan_edit(
    publication: Publication,
    assignments: list[tuple[str, str]],
    unset: list[str],
    *,
    force: bool = True,
) -> Edit:
    """The changes that ``--set``/``--unset`` make to one publication; without
    ``force`` an unknown field name is refused (``check_field_name``)."""
    edit = Edit()
    latex, fields = dict(publication.latex), dict(publication.fields)
    expressions = dict(publication.expressions)
    authors = publication.authors
    for name, value in [*assignments, *((name, None) for name in unset)]:
        name = name.strip().lower() if name.strip().lower() in EDITABLE else name.strip()
        if name in INTERNAL:
            raise UsageError(f"{name} is kept by pubdb and cannot be edited")
        if name.lower() == "pubstate":  # one fact with status
            name, value = "status", _status_of_pubstate(value)
        if not force and value is not None:
            check_field_name(name, publication)
        if name == "authors":
            authors = _new_authors(value, authors) if value is not None else []
            latex.pop("author", None)
        elif name == "equal":
            authors = _equal_marks(value or "none", authors)
        elif name in EDITABLE:
            if value is None and name in ("citekey", "title", "kind", "status", "entry_type"):
                raise UsageError(f"{name} cannot be unset")
            edit.changes[name] = None if value is None else _column_value(name, value)
            latex.pop(name, None)
        elif _FIELD_NAME.match(name):
            if value is None:
                fields.pop(name.lower(), None)
            else:
                fields[name.lower()] = value
        else:
            raise UsageError(f"{name!r} is not a field name")
        edit.touched.append(name)
        expressions.pop("author" if name == "authors" else name.lower(), None)
    _derive(publication, edit, fields)
    if authors is not publication.authors:
        edit.authors = authors
    if latex != publication.latex:
        edit.changes["latex"] = latex
    if fields != publication.fields:
        edit.changes["fields"] = fields
    if expressions != publication.expressions:
        edit.changes["expressions"] = expressions
    edit.changes["locked"] = sorted(set(publication.locked) | set(edit.touched))
    return edit


def _status_of_pubstate(value: str | None) -> str:
    state = re.sub(r"[\s-]+", "", (value or "published").lower())
    if state not in PUBSTATE_STATUS:
        known = ", ".join(sorted(set(PUBSTATE_STATUS) - {"insubmission", "underreview"}))
        raise UsageError(f"pubstate must be one of {known}, not {value!r}")
    return PUBSTATE_STATUS[state]


def month_from_arxiv(publication: Publication) -> bool:
    """Whether the record's month is arXiv's (the preprint's), not one a user gave."""
    published = publication.arxiv_published or ""
    return bool(
        publication.month
        and "month" not in publication.locked
        and publication.source == "arxiv"
        and re.match(rf"\d{{4}}-{publication.month:02d}-", published)
    )


def _derive(publication: Publication, edit: Edit, fields: dict[str, str]) -> None:
    """Keep dependent fields consistent: kind -> entry type, status -> pubstate, a new
    year drops arXiv's month."""
    changes = edit.changes
    if "kind" in changes and "entry_type" not in changes:
        changes["entry_type"] = entry_type_for(changes["kind"])
    new_year = changes.get("year", publication.year)
    if (
        "year" in changes
        and new_year != publication.year
        and "month" not in edit.touched
        and month_from_arxiv(publication)
    ):
        changes["month"] = None
        edit.notes.append("dropped arXiv's month (the preprint's)")
    if "status" in changes:
        state = PUBSTATE.get(changes["status"])
        if state:
            fields["pubstate"] = state
        else:
            fields.pop("pubstate", None)


def edit(
    conn: sqlite3.Connection,
    reference: str,
    assignments: Iterable[tuple[str, str]] = (),
    unset: Iterable[str] = (),
    *,
    force: bool = True,
    notes: list[str] | None = None,
) -> Publication:
    """Set or unset fields of one publication; edited fields are locked against refresh
    and merges. Read inside the write, so concurrent edits all land. What was derived
    (a dropped month) is appended to ``notes``."""
    with write_transaction(conn):
        publication = get_by_reference(conn, reference)
        planned = plan_edit(publication, list(assignments), list(unset), force=force)
        if notes is not None:
            notes.extend(planned.notes)
        _check_unique(conn, planned.changes, publication.id)
        update_publication(conn, publication.id, planned.changes)
        if planned.authors is not None:
            save_authors(conn, publication.id, planned.authors)
            drop_orphan_people(conn)
    return get_publication(conn, publication.id)


def unlock(conn: sqlite3.Connection, reference: str, names: Iterable[str]) -> Publication:
    """Let fetched metadata update these fields again."""
    with write_transaction(conn):
        publication = get_by_reference(conn, reference)
        locked = [name for name in publication.locked if name not in set(names)]
        update_publication(conn, publication.id, {"locked": locked})
    return get_publication(conn, publication.id)


def _check_unique(conn: sqlite3.Connection, changes: dict, pub_id: int) -> None:
    for column, label in (("citekey", "citation key"), ("doi", "DOI"), ("arxiv_id", "arXiv id")):
        value = changes.get(column)
        if value and owned_elsewhere(conn, column, value, pub_id):
            raise UsageError(f"{label} {value} belongs to another publication")


def remove(conn: sqlite3.Connection, references: Iterable[str]) -> list[Publication]:
    """Delete publications (all named ones exist, or nothing is deleted)."""
    publications = get_each(conn, references)
    with write_transaction(conn):
        for publication in publications:
            delete_publication(conn, publication.id)
        drop_orphan_people(conn)
    return publications


# -- the record as BibTeX, in an editor ------------------------------------------------

# What the BibTeX of a record cannot change: pubdb's bookkeeping and arXiv's facts.
NOT_IN_BIBTEX = INTERNAL | {
    "arxiv_version", "arxiv_categories", "arxiv_published", "arxiv_updated",
    "arxiv_comment", "journal_ref", "pdf_url", "date", "citekey",
}  # fmt: skip


@dataclass
class Change:
    name: str
    old: str
    new: str

    def __str__(self) -> str:
        return f"{self.name}: {self.old or '(none)'} → {self.new or '(none)'}"


def record_bibtex(conn: sqlite3.Connection, reference: str) -> str:
    """The record as the BibTeX entry an editor shows (what ``export --bibtex`` writes)."""
    from ..bibtex.writer import format_entry

    return format_entry(get_by_reference(conn, reference)) + "\n"


def _one_entry(text: str) -> Publication:
    from ..bibtex.reader import parse_bibtex

    parsed = parse_bibtex(text, "the edited entry")
    if parsed.failures:
        raise UsageError(str(parsed.failures[0]))
    if len(parsed.entries) != 1:
        raise UsageError(f"the edited text holds {len(parsed.entries)} entries; keep one")
    return parsed.entries[0].publication


def edit_bibtex(
    conn: sqlite3.Connection, reference: str, text: str, *, force: bool = False
) -> tuple[Publication, list[Change], list[str]]:
    """Apply the record's BibTeX as edited: what differs from the record's own BibTeX
    changes (and is locked). Returns the record as saved, the changes and what was
    derived. The key cannot change: keys never change once given."""
    with write_transaction(conn):
        current = get_by_reference(conn, reference)
        before = _one_entry(record_bibtex(conn, reference))
        after = _one_entry(text)
        if after.citekey != current.citekey:
            raise UsageError(
                f"the citation key stays {current.citekey}: keys never change once given"
            )
        planned, changes = _bibtex_edit(current, before, after, force)
        _check_unique(conn, planned.changes, current.id)
        if changes:
            update_publication(conn, current.id, planned.changes)
            if planned.authors is not None:
                save_authors(conn, current.id, planned.authors)
                drop_orphan_people(conn)
    return get_publication(conn, current.id), changes, planned.notes


def _shown(value: Any) -> str:
    return "" if value in (None, "", [], {}) else str(value)


def _bibtex_edit(
    current: Publication, before: Publication, after: Publication, force: bool
) -> tuple[Edit, list[Change]]:
    edit, changes = Edit(), []
    latex, fields = dict(current.latex), dict(current.fields)
    for column in (c for c in COLUMNS if c not in NOT_IN_BIBTEX):
        old, new = getattr(before, column), getattr(after, column)
        if old != new or before.latex.get(column) != after.latex.get(column):
            edit.changes[column] = new
            if column in after.latex:
                latex[column] = after.latex[column]
            else:
                latex.pop(column, None)
            edit.touched.append(column)
            changes.append(Change(column, _shown(getattr(current, column)), _shown(new)))
    for name in sorted(set(before.fields) | set(after.fields)):
        old, new = before.fields.get(name), after.fields.get(name)
        if old == new:
            continue
        if new is not None and not force:
            check_field_name(name, current)
        if name == "pubstate":  # one fact with status (already read from it)
            _status_of_pubstate(new)  # a value no status stands for is refused
            continue
        if new is None:
            fields.pop(name, None)
        else:
            fields[name] = new
        edit.touched.append(name)
        changes.append(Change(name, _shown(old), _shown(new)))
    written = [(a.name, a.equal_contribution) for a in after.authors]
    if written != [(a.name, a.equal_contribution) for a in before.authors]:
        edit.authors = after.authors
        if "author" in after.latex:
            latex["author"] = after.latex["author"]
        edit.touched.append("authors")
        old_names = "; ".join(a.name for a in current.authors)
        changes.append(Change("authors", old_names, "; ".join(a.name for a in after.authors)))
    if "status" in edit.changes:
        _check_status(edit.changes["status"])
    _derive(current, edit, fields)
    if "month" in edit.changes and "month" not in edit.touched and edit.notes:
        changes.append(Change("month", _shown(current.month), ""))
    if latex != current.latex:
        edit.changes["latex"] = latex
    if fields != current.fields:
        edit.changes["fields"] = fields
    edit.changes["locked"] = sorted(set(current.locked) | set(edit.touched))
    return edit, changes


def _check_status(status: str) -> None:
    if status not in STATUSES:
        raise UsageError(f"status must be one of {', '.join(STATUSES)}")
