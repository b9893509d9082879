"""Merging two records of one paper: missing fields filled, conflicts kept for the
existing side (or the incoming one when asked), a published version superseding its
preprint's venue, and fields the user edited never touched."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..errors import UsageError
from ..models import Author, Publication
from ..people.resolution import save_authors
from ..store.connection import write_transaction
from ..store.people import drop_orphan_people
from ..store.publications import delete_publication, get_publication, update_publication
from .lookup import get_by_reference

if TYPE_CHECKING:
    import sqlite3

MERGE_COLUMNS = (
    "title", "abstract", "year", "month", "date", "venue", "journal", "booktitle",
    "publisher", "volume", "number", "pages", "note", "doi", "url", "pdf_url", "arxiv_id",
    "arxiv_version", "arxiv_primary_category", "journal_ref", "entry_type", "kind", "status",
)  # fmt: skip
# When a published version meets its preprint, the published side says where and when.
PUBLISHED_WINS = frozenset(
    """entry_type kind status venue journal booktitle publisher volume number pages year
    month""".split()
)


@dataclass
class MergeResult:
    changes: dict[str, Any] = field(default_factory=dict)
    authors: list[Author] | None = None
    filled: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)


def _empty(value: Any) -> bool:
    return value in (None, "", [], {})


def merge_publication(
    existing: Publication,
    incoming: Publication,
    *,
    prefer_incoming: bool = False,
    user_text: bool = False,
    adopt_key: bool = False,
) -> MergeResult:
    """What merging ``incoming`` into ``existing`` changes. Missing fields are filled; on
    a conflict the existing value stays unless ``prefer_incoming``; a published version
    supersedes its preprint's venue fields; user-edited fields never change.
    ``user_text``: incoming is the user's BibTeX and existing was fetched metadata, so
    the user's fields and names win and the record becomes theirs; ``adopt_key``: the
    record takes incoming's key (its own is remembered in ``ids``)."""
    from .matching import is_preprint

    result = MergeResult()
    locked = set(existing.locked)
    prefer = prefer_incoming or user_text
    supersede = is_preprint(existing.kind, existing.status, existing.arxiv_id) and not (
        is_preprint(incoming.kind, incoming.status, incoming.arxiv_id)
    )
    latex, fields = dict(existing.latex), dict(existing.fields)
    expressions = dict(existing.expressions)

    def decide(name: str, old: Any, new: Any) -> bool:
        if _empty(new) or new == old:
            return False
        if name in locked:
            result.conflicts.append(name)
            return False
        if _empty(old):
            result.filled.append(name)
            return True
        if prefer or (supersede and name in PUBLISHED_WINS):
            result.replaced.append(name)
            return True
        result.conflicts.append(name)
        return False

    def take_source(name: str) -> None:
        for kept, coming in ((latex, incoming.latex), (expressions, incoming.expressions)):
            if name in coming:
                kept[name] = coming[name]
            else:
                kept.pop(name, None)

    for column in MERGE_COLUMNS:
        if column == "status" and _states_more(existing, incoming, locked):
            result.changes["status"] = incoming.status  # pubstate says more than arXiv
            result.replaced.append("status")
            continue
        if decide(column, getattr(existing, column), getattr(incoming, column)):
            result.changes[column] = getattr(incoming, column)
            take_source(column)
    for name, value in incoming.fields.items():
        if name != "ids" and decide(name, fields.get(name), value):
            fields[name] = value
            take_source(name)
    _follow_status(result.changes.get("status", existing.status), fields)
    if _merge_authors(existing, incoming, prefer, user_text, result):
        take_source("author")
    if user_text and existing.source != incoming.source:
        result.changes["source"] = incoming.source
    _merge_keys(existing, incoming, adopt_key, result, fields)
    if latex != existing.latex:
        result.changes["latex"] = latex
    if fields != existing.fields:
        result.changes["fields"] = fields
    if expressions != existing.expressions:
        result.changes["expressions"] = expressions
    return result


def _states_more(existing: Publication, incoming: Publication, locked: set[str]) -> bool:
    """An incoming submitted/accepted state (a pubstate) over a record that only says
    'preprint' (arXiv's default): status and pubstate are one fact."""
    return (
        "status" not in locked
        and existing.status == "preprint"
        and incoming.status in ("submitted", "accepted")
    )


def _follow_status(status: str, fields: dict[str, str]) -> None:
    """The pubstate field says what the status says (a pubstate that no status
    contradicts, such as 'prepublished', stays)."""
    from .editing import PUBSTATE, PUBSTATE_STATUS

    stated = PUBSTATE_STATUS.get("".join((fields.get("pubstate") or "").lower().split()))
    if status in PUBSTATE:
        fields["pubstate"] = PUBSTATE[status]
    elif stated in ("submitted", "accepted"):
        fields.pop("pubstate", None)


def _affiliation_filled(old: Author, new: Author) -> Author:
    if old.affiliation or not new.affiliation:
        return old
    changes = {"affiliation": new.affiliation, "affiliation_source": new.affiliation_source}
    return Author(**{**vars(old), **changes})


def _merge_keys(
    existing: Publication,
    incoming: Publication,
    adopt_key: bool,
    result: MergeResult,
    fields: dict[str, str],
) -> None:
    """The other side's keys go into ``ids`` (biblatex resolves them), so a document
    citing either key still finds the paper."""
    known = _keys(fields.get("ids"))
    carried = [k for k in _keys(incoming.fields.get("ids")) if k not in known]
    if carried:
        (result.filled if not known else result.replaced).append("ids")
    other = incoming.citekey
    if adopt_key and incoming.citekey and incoming.citekey != existing.citekey:
        result.changes["citekey"] = incoming.citekey
        result.replaced.append("citekey")
        other = existing.citekey
    kept = result.changes.get("citekey", existing.citekey)
    for key in [*carried, other]:
        if key and key != kept and key not in known:
            known.append(key)
    if known:
        fields["ids"] = ", ".join(known)


def _keys(ids: str | None) -> list[str]:
    return [key.strip() for key in (ids or "").split(",") if key.strip()]


def _merge_authors(
    existing: Publication,
    incoming: Publication,
    prefer_incoming: bool,
    user_text: bool,
    result: MergeResult,
) -> bool:
    """Decide the author list; True when incoming's list (and its TeX) is taken."""
    if not incoming.authors or "authors" in existing.locked:
        return False
    same_people = [a.family for a in existing.authors] == [a.family for a in incoming.authors]
    take = not existing.authors or (prefer_incoming and not same_people) or user_text
    if take and incoming.authors != existing.authors:
        result.authors = incoming.authors
        (result.filled if not existing.authors else result.replaced).append("authors")
        return True
    if take:
        return False
    if not same_people:
        result.conflicts.append("authors")
        return False
    authors = existing.authors
    if any(a.equal_contribution for a in incoming.authors) and not any(
        a.equal_contribution for a in existing.authors
    ):
        authors = [
            Author(**{**vars(old), "equal_contribution": new.equal_contribution})
            for old, new in zip(authors, incoming.authors, strict=True)
        ]
        result.filled.append("equal_contribution")
    pairs = list(zip(authors, incoming.authors, strict=True))
    if any(new.affiliation and not old.affiliation for old, new in pairs):
        authors = [_affiliation_filled(old, new) for old, new in pairs]
        result.filled.append("affiliations")
    if authors is not existing.authors:
        result.authors = authors
    return False


def merge_records(
    conn: sqlite3.Connection, keep: str, other: str, *, prefer_incoming: bool = False
) -> tuple[Publication, MergeResult]:
    """Merge publication ``other`` into ``keep``: ``keep``'s key survives, the other key
    is remembered in its ``ids`` field."""
    with write_transaction(conn):
        kept, absorbed = get_by_reference(conn, keep), get_by_reference(conn, other)
        if kept.id == absorbed.id:
            raise UsageError(f"{keep!r} and {other!r} are the same publication")
        result = merge_publication(kept, absorbed, prefer_incoming=prefer_incoming)
        delete_publication(conn, absorbed.id)
        update_publication(conn, kept.id, result.changes)
        if result.authors is not None:
            save_authors(conn, kept.id, result.authors)
        drop_orphan_people(conn)
    return get_publication(conn, kept.id), result
