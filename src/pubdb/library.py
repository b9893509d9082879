"""The pubdb library: the API a user imports, and the one thing the CLI calls.

A thin facade: each method hands this library's database to the concern that does the
work (papers/, people/, store/); the CLI adds options and output, nothing else.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from . import papers, people, store
from .ids import ArxivId, Identifiers
from .models import Publication
from .papers.lookup import get_by_reference
from .papers.reports import Report
from .store import connection
from .store.location import locate
from .store.maintenance import LibraryInfo, describe_library
from .store.publications import count_publications, iter_publications

if TYPE_CHECKING:
    from .papers.citations import CitedBibliography
    from .papers.finding import FindReport, FindResult
    from .sources.arxiv_query import SearchQuery
    from .tex.citations import Citations

FIND_LIMIT = 1000  # arXiv results a search reads unless told otherwise
__all__ = ["Library", "LibraryInfo", "default_db_path", "find_papers", "library_info"]


def default_db_path() -> Path:
    """The library ``Library()`` opens: $PUBDB_DB, a project's db/pubdb.db, else the
    per-user one (see store/location.py)."""
    return locate().path


def library_info(path: str | Path | None = None) -> LibraryInfo:
    """What ``Library(path)`` would open, without creating or changing anything."""
    return describe_library(path)


def find_papers(query: SearchQuery, *, db_path: str | Path | None = None, **options) -> FindResult:
    """``Library.find`` for someone who may have no library yet: the search runs,
    nothing is marked and no file is created."""
    path = locate(db_path).path
    if path.exists():
        with Library(path, create=False) as library:
            return library.find(query, **options)
    return papers.finding.find(None, query, limit=options.pop("limit", FIND_LIMIT), **options)


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
        """Close the database; ``discard_if_empty`` removes its files when it holds no
        publication (a library made for a command that failed). Returns whether it did."""
        if discard_if_empty:
            return store.maintenance.remove_database(self.conn, self.path)
        self.conn.close()
        return False

    def __enter__(self) -> Library:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def add(self, identifiers: Iterable[str | ArxivId] | Identifiers, **options) -> Report:
        """Fetch arXiv ids and DOIs (each checked first) and store them: new papers added,
        known ones updated. Options: ``author`` (keep only that person's papers),
        ``dry_run``, ``progress``, ``client``, ``on_retry`` (hears of each retry)."""
        return papers.finding.add_identifiers(self.conn, identifiers, **options)

    def add_titles(self, text: str, **options) -> FindReport:
        """Add the papers of a publication list (a CV's), each found on arXiv on strong
        evidence, with what its line says (papers.finding.add_titles)."""
        return papers.finding.add_titles(self.conn, text, **options)

    def find(
        self, query: SearchQuery, *, limit: int = FIND_LIMIT, add: bool = False, **options
    ) -> FindResult:
        """Search arXiv by author, title and dates; keep the person's papers, mark those
        the library has, and with ``add`` store the others (papers.finding.find)."""
        return papers.finding.find(self.conn, query, limit=limit, add=add, **options)

    def refresh(self, references: Iterable[str] = (), **options) -> Report:
        """Re-query arXiv for arXiv-linked records (all, or those named); edited fields
        stay. Options: dry_run, progress, client, on_retry."""
        return papers.adding.refresh(
            self.conn, papers.adding.records_to_refresh(self.conn, list(references)), **options
        )

    def import_bibtex(self, paths: Iterable[str | Path], **options) -> Report:
        """Import .bib files in one transaction (options: dry_run, strict,
        prefer_incoming, progress). Broken entries are reported and skipped."""
        # the cycle collector paused: a quarter of tugboat.bib's import, for no garbage
        with papers.exporting.without_cycle_collection():
            return papers.importing.import_files(self.conn, paths, **options)

    def edit(self, reference: str, assignments=(), unset=(), **options) -> Publication:
        """Set or unset fields of one publication (locked against refresh and merges);
        options ``force`` (an unknown field name) and ``notes`` (what was derived)."""
        return papers.editing.edit(self.conn, reference, assignments, unset, **options)

    def record_bibtex(self, reference: str) -> str:
        """One record as the BibTeX entry ``edit_bibtex`` takes back."""
        return papers.editing.record_bibtex(self.conn, reference)

    def edit_bibtex(self, reference: str, text: str, *, force: bool = False):
        """Apply a record's BibTeX as edited; returns (publication, changes, notes)."""
        return papers.editing.edit_bibtex(self.conn, reference, text, force=force)

    def unlock(self, reference: str, names: Iterable[str]) -> Publication:
        """Let fetched metadata update these fields again."""
        return papers.editing.unlock(self.conn, reference, names)

    def remove(self, references: Iterable[str]) -> list[Publication]:
        """Delete publications (all named ones exist, or nothing is deleted)."""
        return papers.editing.remove(self.conn, references)

    def merge(self, keep: str, other: str, *, prefer_incoming: bool = False):
        """Merge publication ``other`` into ``keep``. Returns (publication, MergeResult)."""
        return papers.merging.merge_records(self.conn, keep, other, prefer_incoming=prefer_incoming)

    def get(self, reference: str) -> Publication:
        """A publication by citation key, arXiv id (any form) or DOI."""
        return get_by_reference(self.conn, reference)

    def publications(
        self, *, author: str | None = None, limit: int | None = None,
        order_by: str = "year DESC, month DESC, id DESC",
    ) -> Iterator[Publication]:  # fmt: skip
        """All publications (or one author's), newest first."""
        person_id = self.resolve_author(author) if author is not None else None
        return iter_publications(self.conn, person_id=person_id, limit=limit, order_by=order_by)

    def search(self, query: str, *, limit: int | None = None) -> list[Publication]:
        """Full-text search, best match first (papers.lookup.search for the syntax)."""
        return papers.lookup.search(self.conn, query, limit)

    def provenance(self, publication: Publication):
        """Where a publication and each of its values came from (papers.provenance)."""
        return papers.provenance.provenance(self.conn, publication)

    def count(self) -> int:
        return count_publications(self.conn)

    def arxiv_xml(self, reference: str) -> str | None:
        """The raw arXiv Atom entry last fetched for a publication."""
        return store.publications.arxiv_entry_xml(self.conn, self.get(reference).id)

    def resolve_author(self, name: str) -> int:
        """The person a typed name stands for; UsageError with suggestions otherwise."""
        return people.lookup.resolve_query(self.conn, name)

    def _person(self, author: str | None) -> int | None:
        return self.resolve_author(author) if author else None

    def authors(self, query: str | None = None) -> list:
        """People (all, or those a name could mean) with paper counts and name variants;
        UsageError with the closest names when a query means nobody."""
        return (
            people.lookup.find_people(self.conn, query)
            if query is not None
            else people.lookup.summaries(self.conn)
        )

    def author(self, name: str):
        """One person: (summary, their publications newest first)."""
        person_id = self.resolve_author(name)
        publications = list(iter_publications(self.conn, person_id=person_id))
        return people.lookup.summaries(self.conn, [person_id])[0], publications

    def author_profile(self, name: str):
        """What a person is called and where they work (people.profile.PersonProfile)."""
        return people.profile.person_profile(self.conn, self.resolve_author(name))

    def set_author(self, name: str, *, full_name=None, family=None, affiliation=None,
                   since=None, contact=None, unset: Iterable[str] = ()):  # fmt: skip
        """Decide a person's full name, where their family name starts, an affiliation
        (``since`` a year, else current) or contact; ``unset`` forgets such decisions."""
        change = people.profile.ProfileChange(
            full_name, family, affiliation, since, contact, people.profile.unset_items(unset)
        )
        return people.profile.set_named(self.conn, name, change)

    def ambiguous_authors(self) -> list:
        return people.decisions.ambiguities(self.conn)

    def merge_authors(self, keep: str, other: str):
        """Declare two names one person; the decision survives re-import and refresh."""
        return people.decisions.merge_named(self.conn, keep, other)

    def alias_author(self, name: str, variant: str):
        """``variant`` also means this person. Returns (person, authorships moved)."""
        return people.decisions.alias_named(self.conn, name, variant)

    def split_author(self, name: str, *, variants=(), papers=(), into: str | None = None):
        """Split names or papers off a person. Returns (new person, authorships moved)."""
        paper_ids = [self.get(reference).id for reference in papers]
        return people.decisions.split_named(
            self.conn, name, variants=variants, paper_ids=paper_ids, into=into
        )

    def coauthors(self, names: str | Iterable[str], **options) -> list:
        """Co-authors of one person, or of several (a lab: each co-author once, with whose
        co-author they are): joint papers, last year and date active, latest affiliation.
        Options: ``since_year``; ``months`` back from ``as_of`` (default today), a paper of
        unknown month counting as the end of its year; ``counts=False`` (NSF table)."""
        return people.coauthors.coauthors_named(self.conn, names, **options)

    def overlap(self, names: Iterable[str]):
        """Co-authors shared by all the people named, and their joint papers."""
        return people.coauthors.overlap_named(self.conn, names)

    def collaboration_path(self, source: str, target: str):
        """The shortest co-authorship chain between two people, or None."""
        return people.coauthors.path_named(self.conn, source, target)

    def person_names(self, ids: Iterable[int]) -> dict[int, str]:
        return store.coauthors.names_of(self.conn, list(ids))

    def backup(self, target: str | Path) -> Path:
        """A consistent copy of the database at ``target`` (safe while others write)."""
        return store.maintenance.backup(self.conn, target)

    def check(self, *, repair: bool = False) -> tuple[list, list[str]]:
        """Consistency findings, and (with ``repair``) what was fixed."""
        return papers.exporting.check_library(self.conn, repair=repair)

    def datasette_metadata(self) -> dict:
        """What Datasette needs to show this library (``pubdb serve``): descriptions,
        the search index linked, canned co-author queries, internal tables hidden."""
        return store.browsing.datasette_metadata(self.path.stem, f"pubdb: {self.path.name}")

    def export_bibtex(self, out: TextIO, *, author: str | None = None, **options) -> int:
        """BibTeX of every publication (or one author's) after the imported @preamble and
        @string blocks they use; options ``al_folio``, ``selected``, ``expand_strings``,
        ``progress`` (papers.exporting.export_bibtex). Returns how many entries."""
        return papers.exporting.export_bibtex(
            self.conn, out, person_id=self._person(author), **options
        )

    def export_cited(self, citations: Citations, output: str | Path | None,
                     **options) -> CitedBibliography:  # fmt: skip
        """A document's .bib: the entries ``citations`` name and what they need, written to
        ``output`` unless it holds these bytes already (papers.citations.write_cited)."""
        return papers.citations.write_cited(self.conn, citations, output, **options)

    def changes(self, files: Callable[[], Iterable[Path]] = list, **options) -> Iterator[None]:
        """Yields now, then each time the library or one of ``files()`` changed (for
        ``--watch``); options: ``interval``, ``stop``, ``sleep`` (papers.watching)."""
        return papers.watching.changes(self.conn, self.path, files, **options)

    def render_list(self, format: str, *, author: str | None = None, **options) -> str:
        """A formatted publication list (markdown, html, latex, text, json, csl-json),
        the author highlighted; ``options`` are those of ``render.ListOptions``."""
        return "".join(self.stream_list(format, author=author, **options))

    def stream_list(self, format: str, *, author: str | None = None, **options) -> Iterator[str]:
        """``render_list`` in pieces, read group by group (memory flat in the library)."""
        return papers.exporting.stream_list(self.conn, format, self._person(author), options)

    def render_style(self, style: str, *, author: str | None = None, output: str = "text",
                     selected: bool = False) -> str:  # fmt: skip
        """The publications formatted by a CSL citation style (apa, ieee, chicago, ...)."""
        return papers.exporting.render_style(
            self.conn, style, self._person(author), output, selected
        )

    def export_hugo(self, folder: str | Path, *, author: str | None = None, **options) -> int:
        """A HugoBlox publication page (DIR/KEY/index.md and cite.bib) for every
        publication (or one author's); ``options`` as ``render.ListOptions``."""
        return papers.exporting.export_hugo(self.conn, folder, self._person(author), options)
