"""The pubdb library: the API a user imports, and the one thing the CLI calls.

A thin facade: each method opens the work of one concern (papers/, people/, render/,
store/) on this library's database.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from .errors import UsageError
from .ids import ArxivId, Identifiers, parse_identifiers
from .models import Publication
from .papers.lookup import get_by_reference, get_each
from .papers.reports import Report
from .store import connection
from .store.publications import count_publications, iter_publications

if TYPE_CHECKING:
    from .papers.adding import Progress
    from .sources.arxiv import ArxivClient

DEFAULT_DB = Path("db") / "pubdb.db"


def default_db_path() -> Path:
    return Path(os.environ.get("PUBDB_DB") or DEFAULT_DB)


@contextmanager
def without_cycle_collection() -> Iterator[None]:
    """Pause Python's cycle collector while a whole library is held as objects: with
    100k records its repeated full scans doubled the time of an export, for no garbage
    (records hold no cycles). Reference counting still frees everything."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def months_ago(months: int, today: date | None = None) -> tuple[int, int]:
    """(year, month) ``months`` calendar months before today's month."""
    today = today or date.today()
    index = today.year * 12 + (today.month - 1) - months
    return index // 12, index % 12 + 1


class Library:
    """A pubdb database. ``Library()`` opens ``$PUBDB_DB`` or ``db/pubdb.db``."""

    def __init__(self, path: str | Path | None = None):
        self.path = Path(path) if path else default_db_path()
        self.conn = connection.connect(self.path)

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Library:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- adding papers -----------------------------------------------------------

    def add(
        self,
        identifiers: Iterable[str | ArxivId] | Identifiers,
        *,
        progress: Progress | None = None,
        client: ArxivClient | None = None,
    ) -> Report:
        """Fetch arXiv ids and DOIs (each from its own service) and store them: new
        papers are added, known ones updated. Every identifier is checked first."""
        from .papers.adding import add

        wanted = parse_identifiers(identifiers)
        return add(self.conn, wanted.arxiv_ids, wanted.dois, progress=progress, client=client)

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
        return refresh(self.conn, publications, dry_run=dry_run, progress=progress, client=client)

    def arxiv_client(self) -> ArxivClient:
        from .papers.adding import arxiv_client

        return arxiv_client(self.conn)

    def import_bibtex(self, paths: Iterable[str | Path], **options) -> Report:
        """Import .bib files in one transaction (options: dry_run, strict,
        prefer_incoming). Broken entries are reported and skipped."""
        from .papers.importing import import_files

        return import_files(self.conn, paths, **options)

    # -- changing papers ---------------------------------------------------------

    def edit(
        self, reference: str, assignments: Iterable[tuple[str, str]] = (), unset: Iterable[str] = ()
    ) -> Publication:
        """Set or unset fields of one publication; edited fields are locked against
        refresh and merges. Returns the publication as saved."""
        from .papers.editing import edit

        return edit(self.conn, reference, assignments, unset)

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
        """Full-text search over title, authors, venue and abstract, best match first;
        accents and case do not matter ('nunez' finds Núñez)."""
        from .store.publications import publications_by_id
        from .store.search import search_ids

        ids = search_ids(self.conn, query, limit)
        found = publications_by_id(self.conn, ids)
        return [found[pub_id] for pub_id in ids if pub_id in found]

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
        """``variant`` always means this person. Returns (person, authorships moved)."""
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
        counts: bool = True,
    ) -> list:
        """Co-authors of one person, or of several (a lab: each co-author once, with
        whose co-author they are), with joint-paper counts, last year and date active,
        and latest affiliation. ``months`` counts back from ``as_of`` (default today); a
        paper whose month is unknown counts as the end of its year. ``counts=False``
        leaves the joint papers uncounted (None): the NSF table needs none."""
        from .people.coauthors import coauthors

        names = [names] if isinstance(names, str) else list(names)
        if not names:
            raise UsageError("name at least one person")
        people = self._distinct(names, "name each person once")
        since_month = months_ago(months, as_of) if months else None
        return coauthors(
            self.conn, people, since_year=since_year, since_month=since_month, counts=counts
        )

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

    # -- export ------------------------------------------------------------------

    def export_bibtex(self, out: TextIO, *, author: str | None = None) -> int:
        """BibTeX of every publication (or one author's); returns how many."""
        from .bibtex.writer import write_bibtex

        order = "year DESC, month DESC, citekey"  # not row ids: re-import keeps the order
        with without_cycle_collection():
            return write_bibtex(self.publications(author=author, order_by=order), out)

    def _list_subject(
        self, author: str | None, *, light: bool = True
    ) -> tuple[list[Publication], int | None]:
        """Publications in the order they were entered (a CV's own order breaks ties
        within a year); ``light`` leaves out what lists never show (abstracts, TeX
        sources), a tenth of the memory for a large library."""
        person_id = self.resolve_author(author) if author else None
        found = iter_publications(self.conn, person_id=person_id, order_by="id", light=light)
        return list(found), person_id

    def render_list(self, format: str, *, author: str | None = None, **options) -> str:
        """A formatted publication list (markdown, html, latex, text, json, csl-json),
        the author highlighted; ``options`` are those of ``render.ListOptions``."""
        from .render import ListOptions, author_matcher, render

        with without_cycle_collection():
            publications, person_id = self._list_subject(author, light=format != "json")
            settings = ListOptions(**options)
            settings.full_names = self.person_names(
                {a.person_id for p in publications for a in p.authors if a.person_id}
            )
            if person_id is not None:
                settings.highlight = author_matcher(person_ids=[person_id])
                if settings.heading is None:
                    settings.heading = f"Publications of {settings.full_names[person_id]}"
            return render(publications, format, settings)

    def render_style(self, style: str, *, author: str | None = None, output: str = "text") -> str:
        """The publications formatted by a CSL citation style (apa, ieee, chicago, ...)."""
        from .render.styles import render_style

        with without_cycle_collection():
            publications, _ = self._list_subject(author)
            return render_style(publications, style, output)
