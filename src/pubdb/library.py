"""The pubdb library: the API a user imports, and the one thing the CLI calls.

A thin facade: each method opens the work of one concern (papers/, people/, render/,
store/) on this library's database.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, TextIO, TypeVar

from .errors import UsageError
from .ids import ArxivId, Identifiers, parse_identifiers
from .models import Publication
from .papers.lookup import get_by_reference, get_each
from .papers.reports import Report
from .store import connection
from .store.location import locate
from .store.publications import count_publications, iter_publications

T = TypeVar("T")

if TYPE_CHECKING:
    from .models import Notice, Progress
    from .papers.citations import CitedBibliography
    from .papers.finding import FindReport, FindResult
    from .sources.arxiv import ArxivClient
    from .sources.arxiv_query import SearchQuery
    from .tex.citations import Citations

EXPORT_PROGRESS_MIN = 5_000  # records; smaller exports take well under a second
FIND_LIMIT = 1000  # arXiv results a search reads unless told otherwise


def default_db_path() -> Path:
    """The library ``Library()`` opens: $PUBDB_DB, a project's db/pubdb.db, else the
    per-user one (see store/location.py)."""
    return locate().path


@dataclass
class LibraryInfo:
    """Which library a command would use, and what it holds (None when it does not
    exist)."""

    path: Path
    origin: str
    explanation: str
    exists: bool
    schema_version: int | None = None
    publications: int | None = None
    people: int | None = None
    read_only: bool | None = None


def library_info(path: str | Path | None = None) -> LibraryInfo:
    """What ``Library(path)`` would open, without creating or changing anything."""
    from .store.people import count_people

    location = locate(path)
    info = LibraryInfo(location.path, location.origin, location.explanation,
                       location.path.exists())  # fmt: skip
    if info.exists:
        with Library(location.path, create=False) as library:
            info.schema_version = connection.schema_version(library.conn)
            info.publications = library.count()
            info.people = count_people(library.conn)
            info.read_only = library.read_only
    return info


def find_papers(
    query: SearchQuery, *, db_path: str | Path | None = None, add: bool = False, **options
) -> FindResult:
    """``Library.find`` for someone who may have no library yet: without a database (and
    without ``add``) the search runs, nothing is marked and no file is created."""
    path = locate(db_path).path
    if add or path.exists():
        with Library(path, create=add) as library:
            return library.find(query, add=add, **options)
    from .papers.finding import find

    return find(None, query, limit=options.pop("limit", FIND_LIMIT), **options)


@contextmanager
def without_cycle_collection() -> Iterator[None]:
    """Pause Python's cycle collector while a whole library is held as objects: with
    100k records its repeated full scans doubled the time of an export, and took a
    quarter of an import's, for no garbage (records and parsed blocks hold no cycles).
    Reference counting still frees everything."""
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


def months_ago(months: int, today: date | None = None) -> tuple[int, int]:
    """(year, month) ``months`` calendar months before today's month."""
    today = today or date.today()
    index = today.year * 12 + (today.month - 1) - months
    return index // 12, index % 12 + 1


class Library:
    """A pubdb database. ``Library()`` opens ``$PUBDB_DB``, else the ``db/pubdb.db`` of
    the project around the current folder, else the user's library (store/location.py).
    ``create=False`` refuses to make a library that does not exist."""

    def __init__(self, path: str | Path | None = None, *, create: bool = True):
        self.location = locate(path)
        self.path = self.location.path
        self.created = not self.path.exists()
        make_folder = self.location.origin == "user"
        self.conn = connection.connect(self.path, create=create, make_folder=make_folder)
        self.read_only = connection.is_read_only(self.conn)

    def refuse_if_read_only(self) -> None:
        """Before a command that writes: one line saying the library is read-only."""
        if self.read_only:
            raise connection.read_only_error(self.path)

    def close(self, *, discard_if_empty: bool = False) -> bool:
        """Close the database; ``discard_if_empty`` also removes its files if it holds
        no publication (a library made for a command that failed leaves nothing).
        Returns whether it was removed."""
        if discard_if_empty:
            from .store.maintenance import remove_database

            return remove_database(self.conn, self.path)
        self.conn.close()
        return False

    def __enter__(self) -> Library:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- adding papers -----------------------------------------------------------

    def add(
        self,
        identifiers: Iterable[str | ArxivId] | Identifiers,
        *,
        author: str | None = None,
        dry_run: bool = False,
        progress: Progress | None = None,
        client: ArxivClient | None = None,
        on_retry: Notice | None = None,
    ) -> Report:
        """Fetch arXiv ids and DOIs (each from its own service) and store them: new
        papers are added, known ones updated. Every identifier is checked first;
        ``on_retry`` is told of each retry (why, how long until it, which attempt). With
        ``author``, only papers one of whose authors is that person are stored (the
        others are reported as skipped); ``dry_run`` writes nothing."""
        wanted = parse_identifiers(identifiers)
        if author is not None or dry_run:
            from .papers.finding import add_checked

            return add_checked(
                self.conn, wanted.arxiv_ids, wanted.dois, author=author, dry_run=dry_run,
                progress=progress, client=client, on_retry=on_retry,
            )  # fmt: skip
        from .papers.adding import add

        return add(
            self.conn, wanted.arxiv_ids, wanted.dois,
            progress=progress, client=client, on_retry=on_retry,
        )  # fmt: skip

    def add_titles(self, text: str, **options) -> FindReport:
        """Add the papers of a publication list (a CV's, or one title a line), each found
        on arXiv by its title (or the arXiv id its line links to) on strong evidence, with
        the venue, status, notes and equal-contribution stars the line gives. Options:
        ``source`` (the file's name, for reports), ``keep_unmatched`` (store entries
        arXiv lacks from the line itself), ``author``, ``dry_run``, ``progress``,
        ``client``."""
        from .papers.finding import add_titles

        return add_titles(self.conn, text, **options)

    def find(
        self, query: SearchQuery, *, limit: int = FIND_LIMIT, add: bool = False, **options
    ) -> FindResult:
        """Search arXiv (``SearchQuery``: author, title, date range), newest first, up to
        ``limit`` results; keep the papers by the person asked for and mark those in the
        library; ``add`` stores the others in one transaction. Options: ``dry_run``,
        ``progress``, ``client``."""
        from .papers.finding import find

        return find(self.conn, query, limit=limit, add=add, **options)

    def add_arxiv(self, identifiers: Iterable[str | ArxivId], **options) -> Report:
        """Like ``add``, for arXiv identifiers only."""
        return self.add(parse_identifiers(identifiers, dois=False), **options)

    def refresh(
        self,
        references: Iterable[str] = (),
        *,
        dry_run: bool = False,
        progress: Progress | None = None,
        client: ArxivClient | None = None,
        on_retry: Notice | None = None,
    ) -> Report:
        """Re-query arXiv for arXiv-linked records (all, or the ones named): new versions,
        DOIs and journal refs. User-edited fields are never overwritten."""
        from .papers.adding import refresh

        references = list(references)
        if references:
            publications = get_each(self.conn, references)
            missing = [p.citekey for p in publications if not p.arxiv_id]
            if missing:
                raise UsageError(f"no arXiv id to refresh from: {', '.join(missing)}")
        else:
            publications = list(iter_publications(self.conn, with_arxiv_id=True))
        return refresh(
            self.conn, publications,
            dry_run=dry_run, progress=progress, client=client, on_retry=on_retry,
        )  # fmt: skip

    def arxiv_client(self) -> ArxivClient:
        from .papers.adding import arxiv_client

        return arxiv_client(self.conn)

    def import_bibtex(self, paths: Iterable[str | Path], **options) -> Report:
        """Import .bib files in one transaction (options: dry_run, strict,
        prefer_incoming, progress). Broken entries are reported and skipped."""
        from .papers.importing import import_files

        with without_cycle_collection():  # a quarter of tugboat.bib's import, for no garbage
            return import_files(self.conn, paths, **options)

    # -- changing papers ---------------------------------------------------------

    def edit(
        self,
        reference: str,
        assignments: Iterable[tuple[str, str]] = (),
        unset: Iterable[str] = (),
        *,
        force: bool = True,
        notes: list[str] | None = None,
    ) -> Publication:
        """Set or unset fields of one publication; edited fields are locked against
        refresh and merges; without ``force`` a field name that is not BibTeX's nor the
        record's is refused. Returns the publication as saved; what was derived (a
        dropped arXiv month) is added to ``notes``."""
        from .papers.editing import edit

        return edit(self.conn, reference, assignments, unset, force=force, notes=notes)

    def record_bibtex(self, reference: str) -> str:
        """One record as the BibTeX entry ``edit_bibtex`` takes back."""
        from .papers.editing import record_bibtex

        return record_bibtex(self.conn, reference)

    def edit_bibtex(self, reference: str, text: str, *, force: bool = False):
        """Apply a record's BibTeX as edited; returns (publication, changes, notes)."""
        from .papers.editing import edit_bibtex

        return edit_bibtex(self.conn, reference, text, force=force)

    def unlock(self, reference: str, names: Iterable[str]) -> Publication:
        """Let fetched metadata update these fields again."""
        from .papers.editing import unlock

        return unlock(self.conn, reference, names)

    def remove(self, references: Iterable[str]) -> list[Publication]:
        """Delete publications (all named ones exist, or nothing is deleted)."""
        from .papers.editing import remove

        return remove(self.conn, references)

    def merge(self, keep: str, other: str, *, prefer_incoming: bool = False):
        """Merge publication ``other`` into ``keep``. Returns (publication, MergeResult)."""
        from .papers.merging import merge_records

        return merge_records(self.conn, keep, other, prefer_incoming=prefer_incoming)

    # -- reading -----------------------------------------------------------------

    def get(self, reference: str) -> Publication:
        """A publication by citation key, arXiv id (any form) or DOI."""
        return get_by_reference(self.conn, reference)

    def publications(
        self,
        *,
        author: str | None = None,
        limit: int | None = None,
        order_by: str = "year DESC, month DESC, id DESC",
    ) -> Iterator[Publication]:
        """All publications (or one author's), newest first."""
        person_id = self.resolve_author(author) if author is not None else None
        return iter_publications(self.conn, person_id=person_id, limit=limit, order_by=order_by)

    def search(self, query: str, *, limit: int | None = None) -> list[Publication]:
        """Full-text search, best match first: words anywhere ('nunez' finds Núñez,
        'C++' and 'μP' are words), "a phrase", author:, title:, venue:, abstract:,
        key: and year: (2024, 2023..2025) prefixes, a bare year, -word to exclude."""
        from .people.lookup import matching_people
        from .store.publications import publications_by_id
        from .store.search import search_ids
        from .store.search_query import parse_query

        parsed = parse_query(query)
        if parsed.empty:
            shown = query if len(query) <= 100 else query[:99] + "…"
            raise UsageError(f"nothing to search for in {shown!r}: give a word, a name or a year")
        for term in parsed.author_terms:
            parsed.people[term.text] = tuple(p.id for p in matching_people(self.conn, term.text))
        ids = search_ids(self.conn, parsed, limit)
        found = publications_by_id(self.conn, ids)
        return [found[pub_id] for pub_id in ids if pub_id in found]

    def provenance(self, publication: Publication):
        """Where a publication and each of its values came from (papers.provenance)."""
        from .papers.provenance import provenance

        return provenance(self.conn, publication)

    def count(self) -> int:
        return count_publications(self.conn)

    def arxiv_xml(self, reference: str) -> str | None:
        """The raw arXiv Atom entry last fetched for a publication."""
        from .store.publications import arxiv_entry_xml

        return arxiv_entry_xml(self.conn, self.get(reference).id)

    # -- people ------------------------------------------------------------------

    def resolve_author(self, name: str) -> int:
        """The person a typed name stands for; UsageError with suggestions otherwise."""
        from .people.lookup import resolve_query

        return resolve_query(self.conn, name)

    def authors(self, query: str | None = None) -> list:
        """People (all, or those a name could mean) with paper counts and name variants;
        UsageError with the closest names when a query means nobody."""
        from .people.lookup import find_people, summaries

        return find_people(self.conn, query) if query is not None else summaries(self.conn)

    def _distinct(self, names: Iterable[str], purpose: str) -> list[int]:
        from .people.lookup import resolve_distinct

        return resolve_distinct(self.conn, names, purpose)

    def author_profile(self, name: str):
        """What a person is called and where they work (``people.profile.PersonProfile``):
        preferred name, family-name decision, contact, affiliations newest first."""
        from .people.profile import person_profile

        return person_profile(self.conn, self.resolve_author(name))

    def set_author(
        self,
        name: str,
        *,
        full_name: str | None = None,
        family: str | None = None,
        affiliation: str | None = None,
        since: int | None = None,
        contact: str | None = None,
        unset: Iterable[str] = (),
    ):
        """Decide a person's full name, where their family name starts, an affiliation
        (``since`` a year, else current) or contact; ``unset`` forgets such decisions.
        Every later import, add and refresh respects them. Returns the profile."""
        from .people.profile import ProfileChange, change_profile, person_profile, unset_items

        change = ProfileChange(full_name, family, affiliation, since, contact, unset_items(unset))
        change.check()
        person_id = self.resolve_author(name)
        with connection.write_transaction(self.conn):
            change_profile(self.conn, person_id, change)
        return person_profile(self.conn, person_id)

    def author(self, name: str):
        """One person: (summary, their publications newest first)."""
        from .people.lookup import summaries

        person_id = self.resolve_author(name)
        publications = list(iter_publications(self.conn, person_id=person_id))
        return summaries(self.conn, [person_id])[0], publications

    def ambiguous_authors(self) -> list:
        from .people.decisions import ambiguities

        return ambiguities(self.conn)

    def merge_authors(self, keep: str, other: str):
        """Declare two names one person; the decision survives re-import and refresh."""
        from .people.decisions import merge_people
        from .people.lookup import summaries

        keep_id, other_id = self._distinct([keep, other], "they are one person already")
        with connection.write_transaction(self.conn):
            merge_people(self.conn, keep_id, other_id)
        return summaries(self.conn, [keep_id])[0]

    def alias_author(self, name: str, variant: str):
        """``variant`` also means this person (a name added, none removed; a name of
        someone else is refused). Returns (person, authorships moved)."""
        from .people.decisions import add_alias
        from .people.lookup import summaries
        from .store.people import drop_orphan_people

        person_id = self.resolve_author(name)
        with connection.write_transaction(self.conn):
            moved = add_alias(self.conn, person_id, variant)
            drop_orphan_people(self.conn)
        return summaries(self.conn, [person_id])[0], moved

    def split_author(
        self,
        name: str,
        *,
        variants: Iterable[str] = (),
        papers: Iterable[str] = (),
        into: str | None = None,
    ):
        """Split names or papers off a person. Returns (new person, authorships moved)."""
        from .people.decisions import split_person
        from .people.lookup import summaries

        person_id = self.resolve_author(name)
        paper_ids = [self.get(reference).id for reference in papers]
        target = self.resolve_author(into) if into else None
        with connection.write_transaction(self.conn):
            new_id, moved = split_person(
                self.conn, person_id, variants=variants, papers=paper_ids, into=target
            )
        return summaries(self.conn, [new_id])[0], moved

    def coauthors(
        self,
        names: str | Iterable[str],
        *,
        since_year: int | None = None,
        months: int | None = None,
        as_of: date | None = None,
    ) -> list:
        """Co-authors of one person, or of several (a lab: each co-author once, with
        whose co-author they are), with joint-paper counts, last year and date active,
        and latest affiliation. ``months`` counts back from ``as_of`` (default today); a
        paper whose month is unknown counts as the end of its year."""
        from .people.coauthors import coauthors

        names = [names] if isinstance(names, str) else list(names)
        if not names:
            raise UsageError("name at least one person")
        people = self._distinct(names, "name each person once")
        since_month = months_ago(months, as_of) if months else None
        return coauthors(self.conn, people, since_year=since_year, since_month=since_month)

    def overlap(self, names: Iterable[str]):
        """Co-authors shared by all the people named, and their joint papers."""
        from .people.coauthors import overlap

        names = list(names)
        if len(names) < 2:
            raise UsageError("overlap needs at least two people")
        return overlap(self.conn, self._distinct(names, "overlap needs two different people"))

    def collaboration_path(self, source: str, target: str):
        """The shortest co-authorship chain between two people, or None."""
        from .people.coauthors import path

        ids = self._distinct([source, target], "a path needs two different people")
        return path(self.conn, *ids)

    def person_names(self, ids: Iterable[int]) -> dict[int, str]:
        from .store.coauthors import names_of

        return names_of(self.conn, list(ids))

    # -- maintenance -------------------------------------------------------------

    def backup(self, target: str | Path) -> Path:
        """A consistent copy of the database at ``target`` (safe while others write)."""
        from .store.maintenance import backup

        return backup(self.conn, target)

    def check(self, *, repair: bool = False) -> tuple[list, list[str]]:
        """Consistency findings, and (with ``repair``) what was fixed."""
        from .store.maintenance import check, repair_database

        repaired = repair_database(self.conn) if repair else []
        return check(self.conn), repaired

    def datasette_metadata(self) -> dict:
        """What Datasette needs to show this library (``pubdb serve``): descriptions,
        the search index linked, canned co-author queries, internal tables hidden."""
        from .store.browsing import datasette_metadata

        return datasette_metadata(self.path.stem, f"pubdb: {self.path.name}")

    # -- export ------------------------------------------------------------------

    def export_bibtex(
        self,
        out: TextIO,
        *,
        author: str | None = None,
        al_folio: bool = False,
        selected: bool = False,
        expand_strings: bool = False,
        progress: Progress | None = None,
    ) -> int:
        """BibTeX of every publication (or one author's, or the selected ones), after the
        imported @preamble blocks and the @string macros the entries use
        (``expand_strings``: plain values instead); with ``al_folio`` the fields al-folio
        shows are added (arxiv, pdf, html, abbr). ``progress(total)`` opens a bar
        counting entries (whole large libraries only). Returns how many entries."""
        from .bibtex.writer import export_bibtex
        from .papers.website import bibtex_records

        person_id = self.resolve_author(author) if author is not None else None
        order = "year DESC, month DESC, citekey"  # not row ids: re-import keeps the order
        person_id = self.resolve_author(author) if author is not None else None
        found = iter_publications(self.conn, person_id=person_id, order_by=order)
        total = self.count() if progress and person_id is None and not selected else 0
        bar = progress(total) if progress and total >= EXPORT_PROGRESS_MIN else nullcontext()
        with without_cycle_collection(), bar as step:
            found = counted(found, step) if step else found
            if al_folio or selected:
                found = bibtex_records(found, selected=selected, al_folio=al_folio)
            return export_bibtex(
                self.conn, found, out, person_id=person_id, expand_strings=expand_strings
            )

    def export_cited(self, citations: Citations, output: str | Path | None,
                     **options) -> CitedBibliography:  # fmt: skip
        """A document's .bib: the entries ``citations`` name (a key a merge absorbed
        finds its record, written under that key), the entries they crossref, the
        @string and @preamble blocks they use; written to ``output`` unless it holds
        these bytes already. ``.missing``: keys the library lacks, with close ones.
        Options: ``expand_strings``, ``al_folio`` (papers.citations.write_cited)."""
        from .papers.citations import write_cited

        return write_cited(self.conn, citations, output, **options)

    def changes(self, files: Callable[[], Iterable[Path]] = list, **options) -> Iterator[None]:
        """Yields now, then each time the library or one of ``files()`` changed (for
        ``--watch``); options: ``interval``, ``stop``, ``sleep`` (papers.watching)."""
        from .papers.watching import changes

        return changes(self.conn, self.path, files, **options)

    def export_hugo(self, folder: str | Path, *, author: str | None = None, **options) -> int:
        """A HugoBlox publication page (DIR/KEY/index.md and cite.bib) for every
        publication (or one author's); ``options`` as ``render.ListOptions``."""
        from .papers.website import write_hugo_pages
        from .render import ListOptions, author_matcher
        from .store.publications import person_ids_in

        settings = ListOptions(**options)
        person_id = self.resolve_author(author) if author else None
        if person_id is not None:
            settings.highlight = author_matcher(person_ids=[person_id])
        if settings.name_style == "full":
            settings.full_names = self.person_names(person_ids_in(self.conn, person_id))
        found = iter_publications(self.conn, person_id=person_id)
        return write_hugo_pages(found, folder, settings)

    def render_list(self, format: str, *, author: str | None = None, **options) -> str:
        """A formatted publication list (markdown, html, latex, text, json, csl-json),
        the author highlighted; ``options`` are those of ``render.ListOptions``."""
        return "".join(self.stream_list(format, author=author, **options))

    def stream_list(self, format: str, *, author: str | None = None, **options) -> Iterator[str]:
        """``render_list`` in pieces, read from the database group by group: memory
        stays flat in the library's size."""
        from .render import ListOptions, author_matcher, render, stream
        from .render.entries import kind_ranks
        from .store.publications import iter_for_list, person_ids_in

        settings = ListOptions(**options)
        person_id = self.resolve_author(author) if author else None
        if settings.name_style == "full":
            settings.full_names = self.person_names(person_ids_in(self.conn, person_id))
        if person_id is not None:
            settings.highlight = author_matcher(person_ids=[person_id])
            if settings.heading is None:
                settings.heading = f"Publications of {self.person_names([person_id])[person_id]}"
        with without_cycle_collection():
            if format == "json":  # whole records, abstracts and TeX sources included
                found = iter_publications(self.conn, person_id=person_id, order_by="id")
                yield render(found, format, settings)
                return
            ranks = kind_ranks(settings.order) if settings.group_by == "kind" else None
            found = iter_for_list(
                self.conn, person_id=person_id, selected=settings.selected, kind_ranks=ranks
            )
            yield from stream(found, format, settings)

    def render_style(
        self,
        style: str,
        *,
        author: str | None = None,
        output: str = "text",
        selected: bool = False,
    ) -> str:
        """The publications formatted by a CSL citation style (apa, ieee, chicago, ...)."""
        from .render.styles import render_style
        from .store.publications import iter_for_list

        person_id = self.resolve_author(author) if author else None
        found = iter_for_list(
            self.conn, person_id=person_id, selected=selected, newest_first=False
        )  # entry order: a numeric style numbers the CV's own order
        with without_cycle_collection():
            return render_style(list(found), style, output)
