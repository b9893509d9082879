"""The pubdb library: the API a user imports, and the one thing the CLI calls."""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TextIO

from .errors import InvalidIdentifier, NetworkError, RecordNotFound, UsageError
from .ids import ArxivId, arxiv_id_from_doi, is_doi, normalize_doi, parse_arxiv_id
from .models import Publication
from .papers.keys import key_stem, unique_key
from .people.resolution import resolve_people
from .store import connection as db
from .store import publications as store

DEFAULT_DB = Path("db") / "pubdb.db"
LAST_ARXIV_REQUEST = "arxiv_last_request"
LAST_DOI_REQUEST = "doi_last_request"

Progress = Callable[[int], AbstractContextManager[Callable[[int], None]]]


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


def default_db_path() -> Path:
    return Path(os.environ.get("PUBDB_DB") or DEFAULT_DB)


@dataclass
class Outcome:
    action: str  # added | updated | unchanged | not found
    identifier: str
    citekey: str | None = None
    title: str | None = None
    changes: list[str] = field(default_factory=list)
    details: list[str] = field(default_factory=list)


@dataclass
class AddReport:
    outcomes: list[Outcome] = field(default_factory=list)
    requests: int = 0

    def count(self, action: str) -> int:
        return sum(1 for outcome in self.outcomes if outcome.action == action)

    @property
    def summary(self) -> str:
        actions = ("added", "updated", "unchanged", "not found")
        return ", ".join(f"{action} {self.count(action)}" for action in actions)

    @property
    def complete(self) -> bool:
        return self.count("not found") == 0


def _short(value: object) -> str:
    text = "—" if value in (None, "", [], {}) else str(value)
    return text if len(text) <= 60 else text[:59] + "…"


def describe_changes(before: Publication, changes: dict) -> list[str]:
    """'field: old → new' for each changed column a reader cares about."""
    hidden = {"latex", "fields", "locked"}
    return [
        f"{name}: {_short(getattr(before, name))} → {_short(value)}"
        for name, value in changes.items()
        if name not in hidden
    ]


def split_identifiers(identifiers: Iterable[str | ArxivId]) -> tuple[list[ArxivId], list[str]]:
    """arXiv ids and DOIs from what the user typed; InvalidIdentifier names the rest."""
    arxiv_ids: list[ArxivId] = []
    dois: list[str] = []
    bad: list[str] = []
    for identifier in identifiers:
        if isinstance(identifier, ArxivId):
            arxiv_ids.append(identifier)
            continue
        try:
            arxiv_ids.append(parse_arxiv_id(identifier))
            continue
        except InvalidIdentifier:
            pass
        if is_doi(identifier):
            dois.append(normalize_doi(identifier))
        else:
            bad.append(identifier.strip())
    if bad:
        listed = ", ".join(repr(b) for b in bad)
        raise InvalidIdentifier(f"not an arXiv id or DOI: {listed}; nothing was fetched")
    if not arxiv_ids and not dois:
        raise InvalidIdentifier("no identifiers given")
    return list({a.base: a for a in arxiv_ids}.values()), list(dict.fromkeys(dois))


def parse_arxiv_ids(identifiers: Iterable[str | ArxivId]) -> list[ArxivId]:
    """Parse all identifiers first, so one malformed id stops everything before any request."""
    parsed, bad = [], []
    for identifier in identifiers:
        if isinstance(identifier, ArxivId):
            parsed.append(identifier)
            continue
        try:
            parsed.append(parse_arxiv_id(identifier))
        except InvalidIdentifier:
            bad.append(identifier.strip())
    if bad:
        listed = ", ".join(repr(b) for b in bad)
        raise InvalidIdentifier(f"not an arXiv identifier: {listed}; nothing was fetched")
    if not parsed:
        raise InvalidIdentifier("no arXiv identifiers given")
    return list({arxiv_id.base: arxiv_id for arxiv_id in parsed}.values())


def _months_ago(months: int, today: date | None = None) -> tuple[int, int]:
    """(year, month) ``months`` calendar months before today's month."""
    today = today or date.today()
    index = today.year * 12 + (today.month - 1) - months
    return index // 12, index % 12 + 1


class _Rollback(Exception):
    """Undo the transaction but hand back the report (dry runs, --strict)."""

    def __init__(self, report):
        super().__init__("rollback")
        self.report = report


class Library:
    """A pubdb database. ``Library()`` opens ``$PUBDB_DB`` or ``db/pubdb.db``."""

    def __init__(self, path: str | Path | None = None):
        self.path = Path(path) if path else default_db_path()
        self.conn = db.connect(self.path)

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Library:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- arXiv ---------------------------------------------------------------

    def arxiv_client(self):
        from .sources.arxiv import ArxivClient

        last = store.get_meta(self.conn, LAST_ARXIV_REQUEST)
        return ArxivClient(
            last_request=float(last) if last else None,
            on_request=self._remember_arxiv_request,
        )

    def _remember_arxiv_request(self, moment: float) -> None:
        self._remember(LAST_ARXIV_REQUEST, moment)

    def _remember(self, key: str, moment: float) -> None:
        """Record a request time (its own tiny write, kept even if the fetch fails)."""
        with db.write_transaction(self.conn):
            store.set_meta(self.conn, key, repr(moment))

    def add_arxiv(
        self,
        identifiers: Iterable[str | ArxivId],
        *,
        progress: Progress | None = None,
        client=None,
    ) -> AddReport:
        """Fetch arXiv metadata for the ids and store it: new papers are added, known ones
        updated. A failed request writes nothing of its batch (earlier batches are kept)."""
        ids = parse_arxiv_ids(identifiers)
        fetched = self._fetch_arxiv(ids, progress, client)
        with db.write_transaction(self.conn):
            return self._store_fetched(ids, fetched)

    def _fetch_arxiv(
        self, ids: list[ArxivId], progress: Progress | None, client, *, keep_partial: bool = True
    ):
        """Everything arXiv has for the ids. When a later batch fails, the batches
        fetched before it are stored (an update of their own) and the error says so."""
        from .sources.arxiv import BatchFailed

        client = client or self.arxiv_client()
        batches = -(-len(ids) // client.settings.batch_size)
        try:
            with progress(len(ids)) if progress and batches > 1 else nullcontext(None) as step:
                return client.fetch(ids, progress=step)
        except BatchFailed as failure:
            if not keep_partial:
                raise NetworkError(str(failure)) from None
            done = set(failure.partial.done)
            with db.write_transaction(self.conn):
                saved = self._store_fetched([i for i in ids if i.base in done], failure.partial)
            raise NetworkError(
                f"{failure}; the {failure.partial.requests} batch(es) before it were saved"
                f" ({saved.summary}); run the command again for the rest"
            ) from None

    def _store_fetched(self, ids: list[ArxivId], fetched) -> AddReport:
        report = AddReport(requests=fetched.requests)
        for arxiv_id in ids:
            record = fetched.records.get(arxiv_id.base)
            if record is None:
                report.outcomes.append(Outcome("not found", str(arxiv_id)))
            else:
                report.outcomes.append(self._store_arxiv_record(record))
        return report

    def add(
        self, identifiers: Iterable[str | ArxivId], *, progress: Progress | None = None
    ) -> AddReport:
        """Add arXiv ids and DOIs (each kind fetched from its own service), stored once
        everything is fetched (arXiv batches before a failed one are kept)."""
        arxiv_ids, dois = split_identifiers(identifiers)
        fetched = self._fetch_arxiv(arxiv_ids, progress, None) if arxiv_ids else None
        wanted = [normalize_doi(doi) for doi in dois]
        from_doi = self._fetch_dois(wanted, None) if wanted else {}
        with db.write_transaction(self.conn):
            report = self._store_fetched(arxiv_ids, fetched) if fetched else AddReport()
            if wanted:
                doi_report = self._store_dois(wanted, from_doi)
                report.outcomes += doi_report.outcomes
                report.requests += doi_report.requests
        return report

    def doi_client(self):
        from .sources.doi import DoiClient

        last = store.get_meta(self.conn, LAST_DOI_REQUEST)
        return DoiClient(
            last_request=float(last) if last else None,
            on_request=lambda moment: self._remember(LAST_DOI_REQUEST, moment),
        )

    def add_dois(self, dois: Iterable[str], *, client=None) -> AddReport:
        """Fetch DOI metadata from doi.org and store it, merging with known papers."""
        wanted = [normalize_doi(doi) for doi in dois]
        fetched = self._fetch_dois(wanted, client)
        with db.write_transaction(self.conn):
            return self._store_dois(wanted, fetched)

    def _fetch_dois(self, wanted: list[str], client) -> dict:
        client = client or self.doi_client()
        return {doi: client.fetch(doi) for doi in wanted}

    def _store_dois(self, wanted: list[str], fetched: dict) -> AddReport:
        from .bibtex.reader import ParsedEntry, ParsedFile
        from .papers.importing import import_parsed

        report = AddReport(requests=len(wanted))
        batch = ParsedFile("doi.org")
        batch.entries = [ParsedEntry(p, "", "doi.org", 0) for p in fetched.values() if p]
        stored = import_parsed(self.conn, [batch]).outcomes
        actions = {"imported": "added", "merged": "updated", "skipped": "unchanged"}
        stored_by_doi = dict(zip([d for d, p in fetched.items() if p], stored, strict=True))
        for doi in wanted:
            outcome = stored_by_doi.get(doi)
            if outcome is None:
                report.outcomes.append(Outcome("not found", doi))
            else:
                changes = outcome.filled + outcome.replaced
                report.outcomes.append(
                    Outcome(actions[outcome.action], doi, outcome.citekey, outcome.title, changes)
                )
        return report

    def refresh(
        self,
        references: Iterable[str] = (),
        *,
        dry_run: bool = False,
        progress: Progress | None = None,
        client=None,
    ) -> AddReport:
        """Re-query arXiv for arXiv-linked records (all, or the ones named): new versions,
        DOIs and journal refs. User-edited fields are never overwritten."""
        references = list(references)
        if references:
            publications = self._get_each(references)
            missing = [p.citekey for p in publications if not p.arxiv_id]
            if missing:
                raise UsageError(f"no arXiv id to refresh from: {', '.join(missing)}")
        else:
            publications = list(store.iter_publications(self.conn, "arxiv_id IS NOT NULL"))
        if not publications:
            return AddReport()
        ids = [ArxivId(p.arxiv_id) for p in publications]
        fetched = self._fetch_arxiv(ids, progress, client, keep_partial=not dry_run)
        try:
            with db.write_transaction(self.conn):
                report = self._store_fetched(ids, fetched)
                if dry_run:
                    raise _Rollback(report)
        except _Rollback as rollback:
            return rollback.report
        return report

    def _store_arxiv_record(self, record) -> Outcome:
        from .papers.from_arxiv import (
            arxiv_changes,
            authors_changed,
            authors_from_arxiv,
            carry_author_marks,
            publication_from_arxiv,
        )

        pub_id = store.find_id(self.conn, "arxiv_id", record.id.base)
        if pub_id is None and record.dois:
            pub_id = store.find_id(self.conn, "doi", record.dois[0].lower())
        if pub_id is None:
            publication = publication_from_arxiv(record)
            self._drop_taken_doi(publication, None)
            self._insert(publication)
            store.save_arxiv_entry(
                self.conn, publication.id, record.id.base, record.id.version, record.xml
            )
            return Outcome("added", str(record.id), publication.citekey, publication.title)

        existing = store.get_publication(self.conn, pub_id)
        before = store.get_publication(self.conn, pub_id)
        changes = arxiv_changes(existing, record)
        if "doi" in changes and self._owner("doi", changes["doi"], pub_id):
            del changes["doi"]
        store.update_publication(self.conn, pub_id, changes)
        details = describe_changes(before, changes)
        changed = sorted(changes)
        incoming = authors_from_arxiv(record)
        if (
            existing.source == "arxiv"
            and "authors" not in existing.locked
            and authors_changed(existing.authors, incoming)
        ):
            authors = carry_author_marks(existing.authors, incoming)
            resolve_people(self.conn, authors, pub_id)
            store.replace_authorships(self.conn, pub_id, authors)
            changed.append("authors")
            details.append(f"authors: {len(before.authors)} → {len(authors)} names")
        store.save_arxiv_entry(self.conn, pub_id, record.id.base, record.id.version, record.xml)
        action = "updated" if changed else "unchanged"
        title = changes.get("title", existing.title)
        return Outcome(action, str(record.id), existing.citekey, title, changed, details)

    def _drop_taken_doi(self, publication: Publication, pub_id: int | None) -> None:
        if publication.doi and self._owner("doi", publication.doi, pub_id):
            publication.doi = None

    def _insert(self, publication: Publication) -> int:
        first_author = publication.authors[0].name if publication.authors else None
        if not publication.citekey or store.key_exists(self.conn, publication.citekey):
            stem = key_stem(first_author, publication.year, publication.title)
            publication.citekey = unique_key(stem, lambda key: store.key_exists(self.conn, key))
        resolve_people(self.conn, publication.authors)
        pub_id = store.insert_publication(self.conn, publication)
        store.replace_authorships(self.conn, pub_id, publication.authors)
        return pub_id

    # -- BibTeX import -----------------------------------------------------------

    def import_bibtex(
        self,
        paths: Iterable[str | Path],
        *,
        dry_run: bool = False,
        strict: bool = False,
        prefer_incoming: bool = False,
    ):
        """Import .bib files in one transaction; returns an ImportReport. Broken entries
        are reported and skipped (with ``strict``, nothing is imported if any is broken)."""
        from .bibtex.reader import iter_parsed, read_bibtex_text
        from .papers.importing import BibtexImporter

        texts = [(str(path), read_bibtex_text(path)) for path in paths]
        try:
            with db.write_transaction(self.conn):
                importer = BibtexImporter(self.conn, prefer_incoming=prefer_incoming)
                for batch, (path, text) in enumerate(texts):
                    empty = True
                    for piece in iter_parsed(text, path):
                        empty = empty and piece.empty
                        importer.add(piece, batch)
                    if empty:
                        raise UsageError(f"{path} holds no BibTeX entries")
                report = importer.finish()
                report.dry_run = dry_run
                report.aborted = strict and bool(report.failures)
                if report.dry_run or report.aborted:
                    raise _Rollback(report)
        except _Rollback as rollback:
            return rollback.report
        return report

    # -- editing -----------------------------------------------------------------

    def edit(
        self, reference: str, assignments: Iterable[tuple[str, str]] = (), unset: Iterable[str] = ()
    ) -> Publication:
        """Set or unset fields of one publication; edited fields are locked against
        refresh and merges. Returns the publication as saved."""
        from .papers.editing import plan_edit

        with db.write_transaction(self.conn):  # read inside: concurrent edits all land
            publication = self.get(reference)
            edit = plan_edit(publication, list(assignments), list(unset))
            self._check_unique(edit.changes, publication.id)
            store.update_publication(self.conn, publication.id, edit.changes)
            if edit.authors is not None:
                resolve_people(self.conn, edit.authors, publication.id)
                store.replace_authorships(self.conn, publication.id, edit.authors)
                self._drop_orphan_people()
        return store.get_publication(self.conn, publication.id)

    def unlock(self, reference: str, names: Iterable[str]) -> Publication:
        """Let fetched metadata update these fields again."""
        with db.write_transaction(self.conn):
            publication = self.get(reference)
            locked = [name for name in publication.locked if name not in set(names)]
            store.update_publication(self.conn, publication.id, {"locked": locked})
        return store.get_publication(self.conn, publication.id)

    def _check_unique(self, changes: dict, pub_id: int) -> None:
        for column, label in (
            ("citekey", "citation key"),
            ("doi", "DOI"),
            ("arxiv_id", "arXiv id"),
        ):
            value = changes.get(column)
            if value and self._owner(column, value, pub_id):
                raise UsageError(f"{label} {value} belongs to another publication")

    def _owner(self, column: str, value: str, pub_id: int | None) -> bool:
        owner = store.find_id(self.conn, column, value)
        return owner is not None and owner != pub_id

    def remove(self, references: Iterable[str]) -> list[Publication]:
        """Delete publications (all named ones exist, or nothing is deleted)."""
        publications = self._get_each(references)
        with db.write_transaction(self.conn):
            for publication in publications:
                store.delete_publication(self.conn, publication.id)
            self._drop_orphan_people()
        return publications

    def merge(self, keep: str, other: str, *, prefer_incoming: bool = False):
        """Merge publication ``other`` into ``keep``: ``keep``'s key survives, the other
        key is remembered in its ``ids`` field. Returns (publication, MergeResult)."""
        from .papers.merging import merge_publication

        with db.write_transaction(self.conn):
            kept, absorbed = self.get(keep), self.get(other)
            if kept.id == absorbed.id:
                raise UsageError(f"{keep!r} and {other!r} are the same publication")
            result = merge_publication(kept, absorbed, prefer_incoming=prefer_incoming)
            store.delete_publication(self.conn, absorbed.id)
            store.update_publication(self.conn, kept.id, result.changes)
            if result.authors is not None:
                resolve_people(self.conn, result.authors, kept.id)
                store.replace_authorships(self.conn, kept.id, result.authors)
            self._drop_orphan_people()
        return store.get_publication(self.conn, kept.id), result

    def _drop_orphan_people(self) -> None:
        self.conn.execute(
            "DELETE FROM people WHERE id NOT IN (SELECT person_id FROM authorships)"
            " AND id NOT IN (SELECT person_id FROM person_names WHERE manual = 1)"
        )

    # -- reading ---------------------------------------------------------------

    def search(self, query: str, *, limit: int | None = None) -> list[Publication]:
        """Full-text search over title, authors, venue and abstract, best match first;
        accents and case do not matter ('nunez' finds Núñez)."""
        from .store.search import search_ids

        ids = search_ids(self.conn, query, limit)
        found = {p.id: p for p in self._load(ids)}
        return [found[pub_id] for pub_id in ids if pub_id in found]

    def _load(self, ids: list[int]) -> list[Publication]:
        publications = []
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            publications += store.iter_publications(self.conn, f"id IN ({marks})", chunk)
        return publications

    def get(self, reference: str) -> Publication:
        """A publication by citation key, arXiv id (any form) or DOI."""
        pub_id = self._find(reference.strip())
        if pub_id is None:
            raise RecordNotFound(f"no publication matches {reference.strip()!r}")
        publication = store.get_publication(self.conn, pub_id)
        assert publication is not None
        return publication

    def _get_each(self, references: Iterable[str]) -> list[Publication]:
        """The publications named, each once however often (or however) it was named."""
        found = {}
        for reference in references:
            publication = self.get(reference)
            found.setdefault(publication.id, publication)
        return list(found.values())

    def _find(self, reference: str) -> int | None:
        pub_id = store.find_id(self.conn, "citekey", reference)
        if pub_id is not None:
            return pub_id
        if is_doi(reference):
            doi = normalize_doi(reference)
            arxiv_id = arxiv_id_from_doi(doi)
            if arxiv_id is None:
                return store.find_id(self.conn, "doi", doi)
            return store.find_id(self.conn, "arxiv_id", arxiv_id.base)
        try:
            arxiv_id = parse_arxiv_id(reference)
        except InvalidIdentifier:
            return None
        return store.find_id(self.conn, "arxiv_id", arxiv_id.base)

    def publications(
        self,
        *,
        author: str | None = None,
        limit: int | None = None,
        order_by: str = "year DESC, month DESC, id DESC",
    ) -> Iterator[Publication]:
        """All publications (or one author's), newest first."""
        if author is None:
            return store.iter_publications(self.conn, limit=limit, order_by=order_by)
        person_id = self.resolve_author(author)
        return store.iter_publications(
            self.conn,
            "id IN (SELECT publication_id FROM authorships WHERE person_id = ?)",
            (person_id,),
            limit=limit,
            order_by=order_by,
        )

    def resolve_author(self, name: str) -> int:
        from .people.lookup import resolve_query

        return resolve_query(self.conn, name)

    def count(self) -> int:
        return store.count_publications(self.conn)

    def arxiv_xml(self, reference: str) -> str | None:
        """The raw arXiv Atom entry last fetched for a publication."""
        return store.arxiv_entry_xml(self.conn, self.get(reference).id)

    # -- people ------------------------------------------------------------------

    def authors(self, query: str | None = None) -> list:
        """People (all, or those a name could mean) with paper counts and name variants."""
        from .people.lookup import matching_people, summaries

        return matching_people(self.conn, query) if query else summaries(self.conn)

    def author(self, name: str):
        """One person: (summary, their publications newest first)."""
        from .people.lookup import summaries

        person_id = self.resolve_author(name)
        publications = list(
            store.iter_publications(
                self.conn,
                "id IN (SELECT publication_id FROM authorships WHERE person_id = ?)",
                (person_id,),
            )
        )
        return summaries(self.conn, [person_id])[0], publications

    def ambiguous_authors(self) -> list:
        from .people.decisions import ambiguities

        return ambiguities(self.conn)

    def merge_authors(self, keep: str, other: str):
        """Declare two names one person; the decision survives re-import and refresh."""
        from .people.decisions import merge_people
        from .people.lookup import summaries

        keep_id, other_id = self.resolve_author(keep), self.resolve_author(other)
        with db.write_transaction(self.conn):
            merge_people(self.conn, keep_id, other_id)
        return summaries(self.conn, [keep_id])[0]

    def alias_author(self, name: str, variant: str):
        """``variant`` always means this person. Returns (person, authorships moved)."""
        from .people.decisions import add_alias
        from .people.lookup import summaries

        person_id = self.resolve_author(name)
        with db.write_transaction(self.conn):
            moved = add_alias(self.conn, person_id, variant)
            self._drop_orphan_people()
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
        with db.write_transaction(self.conn):
            new_id, moved = split_person(
                self.conn, person_id, variants=variants, papers=paper_ids, into=target
            )
        return summaries(self.conn, [new_id])[0], moved

    def coauthors(
        self, name: str, *, since_year: int | None = None, months: int | None = None
    ) -> list:
        """Co-authors of one person with joint-paper counts and their last year."""
        from .people.coauthors import coauthors

        since_month = _months_ago(months) if months else None
        return coauthors(
            self.conn, self.resolve_author(name), since_year=since_year, since_month=since_month
        )

    def overlap(self, names: Iterable[str]):
        """Co-authors shared by all the people named, and their joint papers."""
        from .people.coauthors import overlap

        ids = [self.resolve_author(name) for name in names]
        if len(set(ids)) < 2:
            raise UsageError("overlap needs at least two different people")
        return overlap(self.conn, ids)

    def collaboration_path(self, source: str, target: str):
        """The shortest co-authorship chain between two people, or None."""
        from .people.coauthors import path

        return path(self.conn, self.resolve_author(source), self.resolve_author(target))

    def person_names(self, ids: Iterable[int]) -> dict[int, str]:
        from .people.coauthors import names_of

        return names_of(self.conn, list(ids))

    # -- maintenance -------------------------------------------------------------

    def backup(self, target: str | Path) -> Path:
        """A consistent copy of the database at ``target`` (safe while others write)."""
        from .store.maintenance import backup

        return backup(self.conn, target)

    def check(self, *, repair: bool = False) -> tuple[list, list[str]]:
        """Consistency findings, and (with ``repair``) what was fixed."""
        from .store.maintenance import check
        from .store.maintenance import repair as fix

        repaired: list[str] = []
        if repair:
            with db.write_transaction(self.conn):
                repaired = fix(self.conn)
        return check(self.conn), repaired

    # -- export ----------------------------------------------------------------

    def export_bibtex(self, out: TextIO, *, author: str | None = None) -> int:
        from .bibtex.writer import write_bibtex

        order = "year DESC, month DESC, citekey"  # not row ids: re-import keeps the order
        with without_cycle_collection():
            return write_bibtex(self.publications(author=author, order_by=order), out)

    def _list_subject(
        self, author: str | None, *, light: bool = False
    ) -> tuple[list[Publication], int | None]:
        """Publications in the order they were entered (a CV's own order breaks ties
        within a year) and the person they belong to; ``light`` leaves out what lists
        never show (abstracts, TeX sources), a tenth of the memory for a large library."""
        person_id = self.resolve_author(author) if author else None
        where = "id IN (SELECT publication_id FROM authorships WHERE person_id = ?)"
        publications = store.iter_publications(
            self.conn,
            where if person_id else "",
            (person_id,) if person_id else (),
            "id",
            light=light,
        )
        return list(publications), person_id

    def render_list(self, format: str, *, author: str | None = None, **options) -> str:
        """A formatted publication list (markdown, html, latex, text, json, csl-json),
        the author highlighted; ``options`` are those of ``render.ListOptions``."""
        with without_cycle_collection():
            return self._render_list(format, author, options)

    def _render_list(self, format: str, author: str | None, options: dict) -> str:
        from .render import ListOptions, author_matcher, render

        publications, person_id = self._list_subject(author, light=format != "json")
        ids = {a.person_id for p in publications for a in p.authors if a.person_id}
        settings = ListOptions(**options)
        settings.full_names = self.person_names(ids)
        if person_id is not None:
            settings.highlight = author_matcher(person_ids=[person_id])
            if settings.heading is None:
                settings.heading = f"Publications of {settings.full_names[person_id]}"
        return render(publications, format, settings)

    def render_style(self, style: str, *, author: str | None = None, output: str = "text") -> str:
        """The publications formatted by a CSL citation style (apa, ieee, chicago, ...)."""
        from .render.styles import render_style

        with without_cycle_collection():
            publications, _ = self._list_subject(author, light=True)
            return render_style(publications, style, output)
