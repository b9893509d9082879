"""Storing parsed BibTeX entries: match each against the library, then insert or merge."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import nullcontext
from pathlib import Path
from typing import TYPE_CHECKING

from ..bibtex.reader import ParsedEntry, ParsedFile
from ..errors import UsageError
from ..models import Problem, Publication
from ..people.resolution import PersonResolver
from ..store import definitions, search
from ..store import publications as store
from ..store.connection import use_import_cache, write_transaction
from .keys import key_stem, unique_key
from .lookup import owned_elsewhere
from .matching import Fingerprint, MatchIndex
from .merging import merge_publication
from .reports import ADDED, Outcome, Report, action_for

if TYPE_CHECKING:
    import sqlite3

    from ..models import Progress

FLUSH_EVERY = 1000
# Records made from a metadata service: the user's own BibTeX wins over them on merge.
FETCHED = ("arxiv", "doi")


_TEX_SPECIAL_IN_KEY = frozenset("\\%#~")


def tex_safe_key(key: str) -> bool:
    """A citation key TeX reads as plain characters in \\bibitem and \\cite: a backslash
    would start a command there (``\\csname@@input\\endcsname`` reads a file while the
    .aux is written), ``^^5c`` spells a backslash, ``%`` ends the line (LaTeX then
    reads the rest of the .aux line as part of the key), ``#`` and ``~`` break
    ``\\bibitem``; control characters stop pdflatex."""
    return key.isprintable() and "^^" not in key and not _TEX_SPECIAL_IN_KEY & set(key)


class BibtexImporter:
    def __init__(
        self, conn: sqlite3.Connection, *, prefer_incoming: bool = False, queued: bool = True
    ):
        """``queued=False``: inside search.inserts_indexed_by_caller (nothing queued)."""
        self.conn = conn
        self.prefer_incoming = prefer_incoming
        self.queued = queued
        self.index = MatchIndex.load(conn)
        self.keys = store.all_citekeys(conn)
        self.people = PersonResolver(conn)
        self.report = Report()
        self._pending: list[Publication] = []
        self._documents: list[tuple[int, tuple]] = []
        self._next_id = store.next_publication_id(conn)

    def run(self, files: list[ParsedFile]) -> Report:
        for batch, parsed in enumerate(files):
            self.add(parsed, batch)
        return self.finish()

    def add(self, parsed: ParsedFile, batch: int) -> None:
        """Store one parsed file (or chunk of one); ``batch`` numbers the file."""
        for entry in parsed.entries:
            self._store(entry, batch)
        self.report.failures.extend(parsed.failures)
        self.report.warnings.extend(parsed.warnings)

    def finish(self) -> Report:
        self._flush()
        return self.report

    def _flush(self) -> None:
        """Write the buffered new publications (one statement for all of them)."""
        if self._pending:
            store.insert_publications(self.conn, self._pending)
            store.insert_many_authorships(
                self.conn, [(p.id, p.authors) for p in self._pending], new_papers=True
            )
            search.index_new(self.conn, self._documents, queued=self.queued)
            self._pending, self._documents = [], []

    def _store(self, entry: ParsedEntry, batch: int) -> None:
        fingerprint = Fingerprint.of(entry.publication, batch)
        match = self.index.find(fingerprint)
        if match is None:
            self._insert(entry, fingerprint)
        elif match.kept_apart:
            self._warn(entry, match.kept_apart)
            self._insert(entry, fingerprint, quiet=True)
        else:
            self._merge(entry, match.fingerprint, match.evidence)

    def _insert(self, entry: ParsedEntry, fingerprint: Fingerprint, quiet: bool = False) -> None:
        publication = entry.publication
        self._free_identifiers(entry, quiet)
        publication.citekey = self._free_key(entry)
        self.people.resolve_all(publication.authors)
        publication.id, self._next_id = self._next_id, self._next_id + 1
        self._pending.append(publication)
        document = entry.search_document or search.publication_document(publication)
        self._documents.append((publication.id, document))
        if len(self._pending) >= FLUSH_EVERY:
            self._flush()
        fingerprint.pub_id, fingerprint.citekey = publication.id, publication.citekey
        fingerprint.doi, fingerprint.arxiv_id = publication.doi, publication.arxiv_id
        self.index.add(fingerprint)
        outcome = Outcome(
            ADDED, entry.key, publication.citekey, publication.title, entry.file, entry.line
        )
        self.report.outcomes.append(outcome)

    def _free_identifiers(self, entry: ParsedEntry, quiet: bool) -> None:
        """A DOI or arXiv id another record holds stays with the entry as written (a
        field), not in the identifier column that must name one record."""
        p = entry.publication
        if p.doi and p.doi in self.index.by_doi:
            p.fields.setdefault("doi", p.latex.pop("doi", p.doi))
            if not quiet:
                self._warn(entry, f"DOI {p.doi} belongs to another record; kept as a field")
            p.doi = None
        if p.arxiv_id and p.arxiv_id in self.index.by_arxiv:
            p.arxiv_id = p.arxiv_version = p.arxiv_primary_category = None

    def _free_key(self, entry: ParsedEntry) -> str:
        wanted = entry.key
        if wanted and wanted not in self.keys and tex_safe_key(wanted):
            key = wanted
        else:
            p = entry.publication
            first = p.authors[0].name if p.authors else None
            key = unique_key(key_stem(first, p.year, p.title), self.keys.__contains__)
            if wanted:
                why = "is taken by another record"
                if "\\" in wanted or "^^" in wanted:
                    why = "would run as TeX in \\cite and \\bibitem"
                elif not tex_safe_key(wanted):
                    why = "breaks \\cite and \\bibitem (TeX reads % # ~ and control characters)"
                self._warn(entry, f"key {wanted!r} {why}; stored as {key!r}")
        self.keys.add(key)
        return key

    def _merge(self, entry: ParsedEntry, found: Fingerprint, evidence: str) -> None:
        self._flush()
        existing = store.get_publication(self.conn, found.pub_id)
        assert existing is not None
        incoming = entry.publication
        user_text = existing.source in FETCHED and incoming.source == "bibtex"
        adopt_key = (
            user_text
            and "citekey" not in existing.locked
            and entry.key not in self.keys
            and tex_safe_key(entry.key)
        )
        result = merge_publication(
            existing,
            incoming,
            prefer_incoming=self.prefer_incoming,
            user_text=user_text,
            adopt_key=adopt_key,
        )
        if "citekey" in result.changes:
            self.keys.add(result.changes["citekey"])
        for column in ("doi", "arxiv_id"):
            if column in result.changes and owned_elsewhere(
                self.conn, column, result.changes[column], existing.id
            ):
                del result.changes[column]
                result.filled = [name for name in result.filled if name != column]
                result.replaced = [name for name in result.replaced if name != column]
        store.update_publication(self.conn, existing.id, result.changes)
        if result.authors is not None:
            self.people.resolve_all(result.authors, existing.id)
            store.replace_authorships(self.conn, existing.id, result.authors)
        merged = store.get_publication(self.conn, existing.id)
        self.index.replace(found, Fingerprint.of(merged, found.batch))
        self.report.outcomes.append(
            Outcome(
                action_for(result.filled, result.replaced),
                entry.key,
                merged.citekey,
                merged.title,
                entry.file,
                entry.line,
                evidence,
                result.filled,
                result.replaced,
                result.conflicts,
            )
        )

    def _warn(self, entry: ParsedEntry, message: str) -> None:
        self.report.warnings.append(Problem(entry.file, entry.line, message))


PROGRESS_MIN_CHARS = 500_000  # smaller imports take well under a second


def import_files(
    conn: sqlite3.Connection,
    paths: Iterable[str | Path],
    *,
    dry_run: bool = False,
    strict: bool = False,
    prefer_incoming: bool = False,
    progress: Progress | None = None,
) -> Report:
    """Import .bib files in one transaction. Broken entries are reported and skipped
    (with ``strict``, nothing is imported if any is broken); a dry run writes nothing.
    ``progress(total)`` opens a bar counting characters stored (large imports only).
    A @string macro a file uses but does not define is taken, as BibTeX takes it when
    given several files, from an earlier file of the same import, else from the
    library's stored ones; each file's @string and @preamble blocks are stored."""
    from ..bibtex.reader import read_bibtex_text

    texts = [(str(path), read_bibtex_text(path)) for path in paths]
    total = sum(len(text) for _, text in texts)
    bar = progress(total) if progress and total >= PROGRESS_MIN_CHARS else nullcontext(None)
    use_import_cache(conn)
    with write_transaction(conn) as transaction, bar as step:
        with search.inserts_indexed_by_caller(conn):
            importer = BibtexImporter(conn, prefer_incoming=prefer_incoming, queued=False)
            _store_files(importer, texts, step)
            report = importer.finish()
        report.dry_run = dry_run
        report.aborted = strict and bool(report.failures)
        if report.dry_run or report.aborted:
            transaction.discard()
    return report


def _store_files(
    importer: BibtexImporter, texts: list[tuple[str, str]], step: Callable[[int], None] | None
) -> None:
    """Each file's entries, and its @string and @preamble blocks."""
    from ..bibtex.reader import iter_parsed

    conn = importer.conn
    known = {name: value for name, (_, value) in definitions.string_definitions(conn).items()}
    for batch, (path, text) in enumerate(texts):
        empty, strings, preambles = True, [], []
        for piece in iter_parsed(text, path, known):
            empty = empty and piece.empty
            importer.add(piece, batch)
            strings += [(d.name, d.expression, d.value, d.line) for d in piece.strings]
            preambles += [(p.expression, p.line) for p in piece.preambles]
            if step is not None and piece.size:
                step(piece.size)
        if empty:
            raise UsageError(f"{path} holds no BibTeX entries")
        definitions.replace_definitions(conn, path, strings, preambles)
        known = {**known, **{name.lower(): value for name, _, value, _ in strings}}


def store_publications(
    conn: sqlite3.Connection, publications: list[Publication], source: str
) -> Report:
    """Records from a metadata service, matched and merged the way imported entries are
    (inside the caller's transaction)."""
    parsed = ParsedFile(source)
    parsed.entries = [ParsedEntry(p, "", source, 0) for p in publications]
    return BibtexImporter(conn).run([parsed])
