"""What export reads from the library and writes: BibTeX (with its @string and
@preamble blocks), CV lists streamed group by group, citation styles, Hugo pages.

The library is read in one pass with Python's cycle collector paused: with 100k records
its repeated full scans doubled an export's time, for no garbage (records hold no
cycles; reference counting still frees everything).
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, nullcontext
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, TextIO, TypeVar

from ..store.coauthors import names_of
from ..store.publications import count_publications, iter_for_list, iter_publications

if TYPE_CHECKING:
    import sqlite3

    from ..bibtex.writer import ExportParts
    from ..models import Progress
    from ..render import ListOptions
    from ..store.maintenance import Finding

T = TypeVar("T")
EXPORT_PROGRESS_MIN = 5_000  # records; smaller exports take well under a second
BIBTEX_ORDER = "year DESC, month DESC, citekey"  # not row ids: re-import keeps the order


@contextmanager
def without_cycle_collection() -> Iterator[None]:
    """Pause the cycle collector while many records are held or built as objects."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def counted(items: Iterable[T], step: Callable[[int], None], every: int = 100) -> Iterator[T]:
    """``items`` as they are, reporting ``step(every)`` after each ``every`` of them."""
    done = 0
    for item in items:
        yield item
        done += 1
        if done % every == 0:
            step(every)
    if done % every:
        step(done % every)


def export_bibtex(
    conn: sqlite3.Connection,
    out: TextIO,
    *,
    person_id: int | None = None,
    al_folio: bool = False,
    selected: bool = False,
    expand_strings: bool = False,
    progress: Progress | None = None,
) -> int:
    """Every publication's entry (or one person's, or the selected ones) after the
    imported @preamble blocks and the @string macros the entries use (plain values with
    ``expand_strings``); al-folio's fields with ``al_folio``. ``progress(total)`` opens
    a bar counting entries (whole large libraries only). Returns how many entries."""
    from ..bibtex.writer import export_bibtex as write_export
    from .website import bibtex_records

    total = count_publications(conn) if progress and person_id is None and not selected else 0
    bar = progress(total) if progress and total >= EXPORT_PROGRESS_MIN else nullcontext()
    with without_cycle_collection(), bar as step:
        if not (al_folio or selected or expand_strings):
            return export_cached(conn, out, person_id=person_id, step=step)
        found = iter_publications(conn, person_id=person_id, order_by=BIBTEX_ORDER)
        found = counted(found, step) if step else found
        if al_folio or selected:
            found = bibtex_records(found, selected=selected, al_folio=al_folio)
        return write_export(conn, found, out, person_id=person_id, expand_strings=expand_strings)


def cache_key() -> str:
    """What a cached entry was written under: this pubdb (its version and the code that
    writes an entry, so a changed writer never reads an entry of the old one), the
    default options."""
    from ..version import __version__

    return f"pubdb {__version__} ({_writer_digest()}); bibtex; default options"


# The modules whose code decides an entry's text: a record read from its row, then
# written (names, values, TeX defused).
_WRITER_CODE = ("bibtex/*.py", "tex/*.py", "names.py", "normalize.py", "models.py",
                "papers/exporting.py", "store/publications.py")  # fmt: skip


@lru_cache(maxsize=1)
def _writer_digest() -> str:
    import hashlib

    package = Path(__file__).resolve().parent.parent
    digest = hashlib.blake2b(digest_size=8)
    for pattern in _WRITER_CODE:
        for path in sorted(package.glob(pattern)):
            digest.update(path.read_bytes())
    return digest.hexdigest()


def export_cached(
    conn: sqlite3.Connection,
    out: TextIO,
    *,
    person_id: int | None = None,
    step: Callable[[int], None] | None = None,
    cache: bool = True,
) -> int:
    """The default BibTeX export with each entry read from the cache where it is valid
    and written (then kept, unless ``cache`` is off or the library is read-only)
    where not. The library is read in one snapshot; what was written is stored after,
    in its own short write, each entry only if its record has not changed since."""
    from ..bibtex.writer import export_parts, write_entries
    from ..store.connection import is_read_only, one_snapshot
    from ..store.entry_cache import store_entries

    with one_snapshot(conn) as reading:  # the definitions, rows and entries agree
        written: list | None = [] if cache and reading and not is_read_only(conn) else None
        parts = export_parts(conn, person_id)
        entries = _entries(conn, parts, person_id, written, cache)
        count = write_entries(counted(entries, step) if step else entries, out,
                              parts.head, parts.crossref_targets)  # fmt: skip
    if written:
        store_entries(conn, cache_key(), written)
    return count


def _entries(
    conn: sqlite3.Connection,
    parts: ExportParts,
    person_id: int | None,
    written: list | None,
    cache: bool,
) -> Iterator[tuple[int, str, bool, str]]:
    """(id, key, crossref, text) in export order: cached text where valid (with
    ``cache``), else the record written now (and added to ``written``, if a list)."""
    from ..bibtex.writer import format_entry
    from ..store.entry_cache import WrittenEntry, entry_rows
    from ..store.publications import publication_from_row

    digest = parts.strings_digest
    key = cache_key() if cache else ""
    for rows in entry_rows(conn, key, digest, person_id=person_id, order_by=BIBTEX_ORDER):
        for row in rows:
            if row.entry is not None:
                yield row.id, row.citekey, bool(row.crossref), row.entry
                continue
            publication = publication_from_row(row.record)
            text = format_entry(publication, parts.abbreviations)
            crossref = "crossref" in publication.fields
            if written is not None:
                strings = digest if publication.expressions else ""
                written.append(WrittenEntry(row.id, row.revision, strings, crossref, text))
            yield row.id, row.citekey, crossref, text


def wrong_cached_entries(conn: sqlite3.Connection) -> tuple[int, list[int]]:
    """How many cached entries an export would read, and the ids of those that are
    not what the writer writes for the record now."""
    from ..bibtex.writer import export_parts, format_entry
    from ..store.entry_cache import valid_entries
    from ..store.publications import publications_by_id

    parts = export_parts(conn)
    cached = {pub_id: (bool(crossref), entry) for pub_id, crossref, entry in
              valid_entries(conn, cache_key(), parts.strings_digest)}  # fmt: skip
    wrong = []
    with without_cycle_collection():
        for pub_id, publication in publications_by_id(conn, list(cached)).items():
            written = ("crossref" in publication.fields,
                       format_entry(publication, parts.abbreviations))  # fmt: skip
            if cached[pub_id] != written:
                wrong.append(pub_id)
    return len(cached), sorted(wrong)


def check_library(conn: sqlite3.Connection, *, repair: bool = False) -> tuple[list, list[str]]:
    """``pubdb check``: the store's findings and the entry cache's, and (with
    ``repair``) what was fixed first."""
    from ..store.maintenance import check, repair_database

    repaired = repair_database(conn, [repair_entry_cache]) if repair else []
    return check(conn, {"BibTeX entry cache": check_entry_cache}), repaired


def check_entry_cache(conn: sqlite3.Connection) -> Finding:
    """``pubdb check``: every cached entry export would read is the one it writes."""
    from ..store.maintenance import Finding

    count, wrong = wrong_cached_entries(conn)
    if wrong:
        return Finding("BibTeX entry cache", False, f"{len(wrong)} entries wrong", wrong)
    return Finding("BibTeX entry cache", True, f"{count} entries current")


def repair_entry_cache(conn: sqlite3.Connection) -> list[str]:
    """``pubdb check --repair``: forget the wrong cached entries (the next export
    writes them again)."""
    from ..store.entry_cache import clear_entries

    _, wrong = wrong_cached_entries(conn)
    if not wrong:
        return []
    clear_entries(conn, wrong)
    return [f"BibTeX entry cache: {len(wrong)} wrong entries forgotten"]


def list_settings(conn: sqlite3.Connection, person_id: int | None, options: dict) -> ListOptions:
    """A list's options with the person highlighted and full names known."""
    from ..render import ListOptions, author_matcher
    from ..store.publications import person_ids_in

    settings = ListOptions(**options)
    if settings.name_style == "full":
        settings.full_names = names_of(conn, list(person_ids_in(conn, person_id)))
    if person_id is not None:
        settings.highlight = author_matcher(person_ids=[person_id])
    return settings


def stream_list(
    conn: sqlite3.Connection, format: str, person_id: int | None, options: dict
) -> Iterator[str]:
    """A formatted publication list in pieces, read group by group: memory stays flat
    in the library's size."""
    from ..render import render, stream
    from ..render.entries import kind_ranks

    settings = list_settings(conn, person_id, options)
    if person_id is not None and settings.heading is None:
        settings.heading = f"Publications of {names_of(conn, [person_id])[person_id]}"
    with without_cycle_collection():
        if format == "json":  # whole records, abstracts and TeX sources included
            yield render(
                iter_publications(conn, person_id=person_id, order_by="id"), format, settings
            )
            return
        ranks = kind_ranks(settings.order) if settings.group_by == "kind" else None
        found = iter_for_list(
            conn, person_id=person_id, selected=settings.selected, kind_ranks=ranks
        )
        yield from stream(found, format, settings)


def render_style(
    conn: sqlite3.Connection, style: str, person_id: int | None, output: str, selected: bool
) -> str:
    """The publications formatted by a CSL citation style, in the entry order (a
    numeric style numbers a CV's own order)."""
    from ..render.styles import render_style as format_style

    found = iter_for_list(conn, person_id=person_id, selected=selected, newest_first=False)
    with without_cycle_collection():
        return format_style(list(found), style, output)


def export_hugo(
    conn: sqlite3.Connection, folder: str | Path, person_id: int | None, options: dict
) -> int:
    """A HugoBlox publication page (DIR/KEY/index.md and cite.bib) for each publication."""
    from .website import write_hugo_pages

    settings = list_settings(conn, person_id, options)
    return write_hugo_pages(iter_publications(conn, person_id=person_id), folder, settings)
