"""The pubdb library: the API a user imports, and the one thing the CLI calls."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from . import db, store
from .errors import InvalidIdentifier, RecordNotFound
from .ids import ArxivId, arxiv_id_from_doi, is_doi, normalize_doi, parse_arxiv_id
from .keys import key_stem, unique_key
from .models import Publication
from .people import resolve_people

DEFAULT_DB = Path("db") / "pubdb.db"
LAST_ARXIV_REQUEST = "arxiv_last_request"

Progress = Callable[[int], AbstractContextManager[Callable[[int], None]]]


def default_db_path() -> Path:
    return Path(os.environ.get("PUBDB_DB") or DEFAULT_DB)


@dataclass
class Outcome:
    action: str  # added | updated | unchanged | not found
    identifier: str
    citekey: str | None = None
    title: str | None = None
    changes: list[str] = field(default_factory=list)


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
        from .arxiv import ArxivClient

        last = store.get_meta(self.conn, LAST_ARXIV_REQUEST)
        return ArxivClient(
            last_request=float(last) if last else None,
            on_request=self._remember_arxiv_request,
        )

    def _remember_arxiv_request(self, moment: float) -> None:
        store.set_meta(self.conn, LAST_ARXIV_REQUEST, repr(moment))

    def add_arxiv(
        self,
        identifiers: Iterable[str | ArxivId],
        *,
        progress: Progress | None = None,
        client=None,
    ) -> AddReport:
        """Fetch arXiv metadata for the ids and store it: new papers are added, known ones
        updated. Nothing is written unless every request succeeds."""
        ids = parse_arxiv_ids(identifiers)
        client = client or self.arxiv_client()
        batches = -(-len(ids) // client.settings.batch_size)
        with progress(len(ids)) if progress and batches > 1 else nullcontext(None) as advance:
            fetched = client.fetch(ids, progress=advance)
        report = AddReport(requests=fetched.requests)
        with db.write_transaction(self.conn):
            for arxiv_id in ids:
                record = fetched.records.get(arxiv_id.base)
                if record is None:
                    report.outcomes.append(Outcome("not found", str(arxiv_id)))
                else:
                    report.outcomes.append(self._store_arxiv_record(record))
        return report

    def _store_arxiv_record(self, record) -> Outcome:
        from .merge import (
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
        changes = arxiv_changes(existing, record)
        if "doi" in changes and self._doi_owner(changes["doi"], pub_id):
            del changes["doi"]
        store.update_publication(self.conn, pub_id, changes)
        changed = sorted(changes)
        incoming = authors_from_arxiv(record)
        if (
            existing.source == "arxiv"
            and "authors" not in existing.locked
            and authors_changed(existing.authors, incoming)
        ):
            authors = carry_author_marks(existing.authors, incoming)
            resolve_people(self.conn, authors)
            store.replace_authorships(self.conn, pub_id, authors)
            changed.append("authors")
        store.save_arxiv_entry(self.conn, pub_id, record.id.base, record.id.version, record.xml)
        action = "updated" if changed else "unchanged"
        title = changes.get("title", existing.title)
        return Outcome(action, str(record.id), existing.citekey, title, changed)

    def _doi_owner(self, doi: str, pub_id: int | None) -> bool:
        owner = store.find_id(self.conn, "doi", doi)
        return owner is not None and owner != pub_id

    def _drop_taken_doi(self, publication: Publication, pub_id: int | None) -> None:
        if publication.doi and self._doi_owner(publication.doi, pub_id):
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

    # -- reading ---------------------------------------------------------------

    def get(self, reference: str) -> Publication:
        """A publication by citation key, arXiv id (any form) or DOI."""
        pub_id = self._find(reference.strip())
        if pub_id is None:
            raise RecordNotFound(f"no publication matches {reference.strip()!r}")
        publication = store.get_publication(self.conn, pub_id)
        assert publication is not None
        return publication

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
        self, *, author: str | None = None, limit: int | None = None
    ) -> Iterator[Publication]:
        """All publications (or one author's), newest first."""
        if author is None:
            return store.iter_publications(self.conn, limit=limit)
        person_id = self.resolve_author(author)
        return store.iter_publications(
            self.conn,
            "id IN (SELECT publication_id FROM authorships WHERE person_id = ?)",
            (person_id,),
            limit=limit,
        )

    def resolve_author(self, name: str) -> int:
        from .people import resolve_query

        return resolve_query(self.conn, name)

    def count(self) -> int:
        return store.count_publications(self.conn)

    def arxiv_xml(self, reference: str) -> str | None:
        """The raw arXiv Atom entry last fetched for a publication."""
        return store.arxiv_entry_xml(self.conn, self.get(reference).id)

    # -- export ----------------------------------------------------------------

    def export_bibtex(self, out: TextIO, *, author: str | None = None) -> int:
        from .bibtex import write_bibtex

        return write_bibtex(self.publications(author=author), out)
