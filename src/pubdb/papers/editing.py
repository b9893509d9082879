"""`pubdb edit`: turn ``--set name=value`` / ``--unset name`` into validated changes.

Every field ``show`` prints can be set, plus ``authors``, ``equal`` (equal-contribution
marks by author position) and any other BibTeX field (kept with the record's extra
fields). Edited fields are locked: fetched metadata never overwrites them.
"""

from __future__ import annotations

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


@dataclass
class Edit:
    changes: dict[str, Any] = field(default_factory=dict)
    authors: list[Author] | None = None
    touched: list[str] = field(default_factory=list)


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
    publication: Publication, assignments: list[tuple[str, str]], unset: list[str]
) -> Edit:
    """The changes that ``--set``/``--unset`` make to one publication."""
    edit = Edit()
    latex, fields = dict(publication.latex), dict(publication.fields)
    expressions = dict(publication.expressions)
    authors = publication.authors
    for name, value in [*assignments, *((name, None) for name in unset)]:
        name = name.strip().lower() if name.strip().lower() in EDITABLE else name.strip()
        if name in INTERNAL:
            raise UsageError(f"{name} is kept by pubdb and cannot be edited")
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


def _derive(publication: Publication, edit: Edit, fields: dict[str, str]) -> None:
    """Keep dependent fields consistent: kind -> entry type, status -> pubstate."""
    changes = edit.changes
    if "kind" in changes and "entry_type" not in changes:
        changes["entry_type"] = entry_type_for(changes["kind"])
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
) -> Publication:
    """Set or unset fields of one publication; edited fields are locked against refresh
    and merges. Read inside the write, so concurrent edits all land."""
    with write_transaction(conn):
        publication = get_by_reference(conn, reference)
        planned = plan_edit(publication, list(assignments), list(unset))
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
