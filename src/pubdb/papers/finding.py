"""Finding papers without their ids: an arXiv search by author and title (``find``),
a CV's publication list read back into the library (``add --titles``), and ids kept
only when a given person wrote them (``add --author``).

Everything is fetched before anything is written, and what is written goes in one
transaction (discarded for a dry run): a failed search or fetch leaves the library as
it was. Matches need strong evidence (papers/title_match.py); the rest is reported.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..errors import NetworkError, UsageError
from ..ids import ArxivId, Identifiers, parse_identifiers
from ..models import Author, Notice, Progress
from ..names import parse_name
from ..people.resolution import PersonResolver, save_authors
from ..store.connection import write_transaction
from ..store.publications import find_id, get_publication, publications_by_id, update_publication
from ..store.search import search_ids
from ..store.search_query import parse_query
from .adding import add as add_unchecked
from .adding import (
    arxiv_client,
    fetch_arxiv,
    fetch_dois,
    insert_arxiv_record,
    store_arxiv_record,
    store_dois,
)
from .cv_entries import CvEntry, parse_publication_list
from .from_cv import apply_entry, mark_authors, missing_from, publication_from_entry
from .matching import MatchIndex
from .reports import ADD_ACTIONS, Outcome, Report
from .title_match import Judgement, author_fits, family_agrees, judge, same_title, written_by

if TYPE_CHECKING:
    import sqlite3

    from ..models import Publication
    from ..sources.arxiv import ArxivClient, ArxivRecord, SearchResult
    from ..sources.arxiv_query import SearchQuery

FIND_ACTIONS = ("added", "already present", "possible", "not found", "skipped")
KEPT_ACTIONS = ("added", "kept", "already present", "possible", "not found", "skipped")
TITLE_CANDIDATES = 50  # results read per title: equal titles come first by relevance


@dataclass
class FindReport(Report):
    """A report whose "possible" matches, like "not found" ones, are work left."""

    actions: tuple[str, ...] = FIND_ACTIONS

    @property
    def complete(self) -> bool:
        return self.count("not found") == 0 and self.count("possible") == 0


@dataclass
class Candidate:
    """A paper a search found, and its citation key when the library has it."""

    record: ArxivRecord
    citekey: str | None = None


@dataclass
class FindResult:
    """What ``find`` read (``search``), the papers by the person asked for (``found``),
    the ones only a namesake wrote (``skipped``), and what ``--add`` did (``report``)."""

    query: SearchQuery
    search: SearchResult
    found: list[Candidate] = field(default_factory=list)
    skipped: list[ArxivRecord] = field(default_factory=list)
    report: FindReport | None = None
    library: bool = False  # whether there was a library to mark papers from

    @property
    def complete(self) -> bool:
        return bool(self.found) and (self.report is None or self.report.complete)

    @property
    def in_library(self) -> int:
        return sum(1 for candidate in self.found if candidate.citekey)

    @property
    def namesakes(self) -> list[str]:
        """The authors of skipped papers who share the asked person's family name
        ('Karim Zekri' for 'Oussama Zekri'), each once."""
        asked = self.query.author or ""
        names = (a.name for r in self.skipped for a in r.authors if family_agrees(asked, a.name))
        return list(dict.fromkeys(names))


def client_for(conn: sqlite3.Connection | None, on_retry: Notice | None = None) -> ArxivClient:
    """The library's client (spacing remembered across runs), or a bare one when there
    is no database yet; ``on_retry`` hears of each retry."""
    if conn is not None:
        return arxiv_client(conn, on_retry)
    from ..sources.arxiv import ArxivClient

    return ArxivClient(on_retry=on_retry)


# -- find ------------------------------------------------------------------------------


def find(
    conn: sqlite3.Connection | None,
    query: SearchQuery,
    *,
    limit: int,
    add: bool = False,
    dry_run: bool = False,
    progress: Callable | None = None,
    client: ArxivClient | None = None,
    on_retry: Notice | None = None,
) -> FindResult:
    """Search arXiv; keep the papers one of whose authors is the person asked for (by
    pubdb's name rules); mark those the library has; with ``add``, store the others."""
    from ..sources.arxiv import SEARCH_WINDOW

    if not 1 <= limit <= SEARCH_WINDOW:
        raise UsageError(
            f"a search reads 1 to {SEARCH_WINDOW:,} results (arXiv's window), not {limit:,}"
        )
    client = client or client_for(conn, on_retry)
    try:
        searched = client.search(query.text, limit=limit, progress=progress)
    except NetworkError as problem:
        raise NetworkError(f"{problem}; nothing was written") from None
    result = FindResult(query, searched, library=conn is not None)
    for record in searched.records:
        if query.author and not written_by(record, query.author):
            result.skipped.append(record)
        else:
            result.found.append(Candidate(record))
    if conn is None:
        return result
    if not add:
        for candidate in result.found:
            candidate.citekey = _citekey(in_library(conn, candidate.record))
        return result
    with write_transaction(conn) as transaction:
        result.report = _store_found(conn, result)
        result.report.dry_run = dry_run
        if dry_run:
            transaction.discard()
    return result


def _store_found(conn: sqlite3.Connection, result: FindResult) -> FindReport:
    report = FindReport(requests=result.search.requests)
    for candidate in result.found:
        existing = in_library(conn, candidate.record)
        if existing is not None:
            outcome = _present(candidate.record, existing)
        else:
            outcome = insert_arxiv_record(conn, candidate.record)
        candidate.citekey = outcome.citekey
        report.outcomes.append(outcome)
    for record in result.skipped:
        report.outcomes.append(_skipped(record, result.query.author or ""))
    return report


def _present(record: ArxivRecord, existing: Publication) -> Outcome:
    return Outcome("already present", str(record.id), existing.citekey, existing.title)


def _skipped(record: ArxivRecord, author: str) -> Outcome:
    names = ", ".join(a.name for a in record.authors[:6])
    more = ", …" if len(record.authors) > 6 else ""
    return Outcome(
        "skipped",
        str(record.id),
        title=record.title,
        details=[f"no author is {author}: {names}{more}"],
    )


def _citekey(publication: Publication | None) -> str | None:
    return publication.citekey if publication else None


def in_library(conn: sqlite3.Connection, record: ArxivRecord) -> Publication | None:
    """The stored record of this arXiv paper: same arXiv id, else same DOI, else the same
    title with the same first author's family name (and no other arXiv id or DOI)."""
    pub_id = find_id(conn, "arxiv_id", record.id.base)
    if pub_id is None and record.dois:
        pub_id = find_id(conn, "doi", record.dois[0].lower())
    if pub_id is not None:
        return get_publication(conn, pub_id)
    first = record.authors[0].name if record.authors else None
    return _same_title_in_library(conn, record, first)


def _same_title_in_library(
    conn: sqlite3.Connection, record: ArxivRecord, first_author: str | None
) -> Publication | None:
    from ..sources.arxiv_query import title_words

    words = title_words(record.title)
    if not words:
        return None
    query = parse_query(" ".join(f'title:"{word}"' for word in words))  # no word a year
    found = publications_by_id(conn, search_ids(conn, query, limit=20))
    dois = {doi.lower() for doi in record.dois}
    for publication in found.values():
        if not same_title(publication.title, record.title):
            continue
        if publication.arxiv_id and publication.arxiv_id != record.id.base:
            continue
        if publication.doi and dois and publication.doi.lower() not in dois:
            continue
        stored_first = publication.authors[0].name if publication.authors else None
        if first_author and stored_first and not family_agrees(first_author, stored_first):
            continue
        return publication
    return None


# -- add --titles ------------------------------------------------------------------------


@dataclass
class Resolution:
    """Where an entry stands after the network: the arXiv record it is, or why not."""

    record: ArxivRecord | None = None
    judgement: Judgement | None = None
    reason: str = ""


def add_titles(
    conn: sqlite3.Connection,
    text: str,
    *,
    source: str = "-",
    keep_unmatched: bool = False,
    author: str | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
    client: ArxivClient | None = None,
    on_retry: Notice | None = None,
) -> FindReport:
    """Read a publication list and add each entry's arXiv record, with what the line
    says of it (venue, status, notes, equal contribution). Entries without a match are
    reported (stored from the line with ``keep_unmatched``)."""
    entries = parse_publication_list(text)
    if not entries:
        raise UsageError(f"no publications found in {source}")
    client = client or arxiv_client(conn, on_retry)
    resolutions, requests = resolve_entries(client, entries, progress)
    with write_transaction(conn) as transaction:
        report = FindReport(actions=KEPT_ACTIONS if keep_unmatched else FIND_ACTIONS)
        report.requests, report.dry_run = requests, dry_run
        seen: dict[str, int] = {}
        for entry in entries:
            resolution = resolutions[entry.line]
            outcome = _store_entry(conn, entry, resolution, seen, keep_unmatched, author)
            outcome.file, outcome.line = source, entry.line
            report.outcomes.append(outcome)
        if dry_run:
            transaction.discard()
    return report


def resolve_entries(
    client: ArxivClient, entries: Sequence[CvEntry], progress: Progress | None
) -> tuple[dict[int, Resolution], int]:
    """Each entry's arXiv record: by the arXiv id its line links to (one request for
    all of them), else by a search for its title. Returns them by line, and the number
    of requests."""
    resolutions: dict[int, Resolution] = {}
    requests = 0
    linked = [entry for entry in entries if entry.arxiv_ids]
    if linked:
        fetched = client.fetch([entry.arxiv_ids[0] for entry in linked])
        requests += fetched.requests
        for entry in linked:
            record = fetched.records.get(entry.arxiv_ids[0].base)
            reason = "" if record else f"arXiv has no paper {entry.arxiv_ids[0]}"
            resolutions[entry.line] = Resolution(record, reason=reason)
    searched = [entry for entry in entries if not entry.arxiv_ids]
    bar = progress(len(searched)) if progress and len(searched) > 1 else nullcontext(None)
    with bar as step:
        for entry in searched:
            resolutions[entry.line], used = _search_title(client, entry)
            requests += used
            if step:
                step(1)
    return resolutions, requests


def _search_title(client: ArxivClient, entry: CvEntry) -> tuple[Resolution, int]:
    from ..sources.arxiv_query import title_clause

    try:
        query = title_clause(entry.title)
    except UsageError as problem:
        return Resolution(reason=str(problem)), 0
    try:
        searched = client.search(query, limit=TITLE_CANDIDATES, sort="relevance")
    except NetworkError as problem:
        raise NetworkError(
            f"{problem}, searching the title on line {entry.line}; nothing was written"
        ) from None
    judgement = judge(entry.title, entry.first_author, searched.records)
    return Resolution(judgement.match, judgement, judgement.reason), searched.requests


def _store_entry(
    conn: sqlite3.Connection,
    entry: CvEntry,
    resolution: Resolution,
    seen: dict[str, int],
    keep_unmatched: bool,
    author: str | None,
) -> Outcome:
    record = resolution.record
    if record is None:
        return _unmatched(conn, entry, resolution, keep_unmatched)
    if author and not written_by(record, author):
        return _skipped(record, author)
    if record.id.base in seen:
        outcome = Outcome("already present", str(record.id), title=record.title)
        outcome.details = [f"the same paper as line {seen[record.id.base]}"]
        return outcome
    seen[record.id.base] = entry.line
    existing = in_library(conn, record)
    if existing is not None:
        return _complete_existing(conn, existing, record, entry)
    outcome = insert_arxiv_record(
        conn, record, lambda publication: _shape(conn, publication, entry)
    )
    outcome.evidence = "arXiv id on the line" if entry.arxiv_ids else "title and first author"
    outcome.details = line_details(entry)
    if not same_title(entry.title, record.title):
        outcome.details.append(f"the line's title: {entry.title}")
    return outcome


def _shape(conn: sqlite3.Connection, publication: Publication, entry: CvEntry) -> None:
    """The record as its CV line says; authors written as the CV writes them are
    linked to the people arXiv's fuller names are ('O. Zekri' to Oussama Zekri)."""
    fetched = [author.name for author in publication.authors]
    if apply_entry(publication, entry):
        resolver = PersonResolver(conn)
        for author, full_name in zip(publication.authors, fetched, strict=True):
            name = parse_name(full_name)
            author.person_id = resolver.resolve(Author(full_name, name.given, name.family))
            resolver.remember(author.person_id, author)


def _unmatched(
    conn: sqlite3.Connection, entry: CvEntry, resolution: Resolution, keep: bool
) -> Outcome:
    identifier = f"line {entry.line}"
    possible = resolution.judgement.possible if resolution.judgement else []
    if possible:
        outcome = Outcome("possible", identifier, title=entry.title, details=[resolution.reason])
        outcome.details += [describe_record(record) for record in possible]
        outcome.details.append("add the arXiv id to the line to take one")
        return outcome
    if not keep:
        return Outcome("not found", identifier, title=entry.title, details=[resolution.reason])
    from .adding import insert_new

    publication = publication_from_entry(entry)
    insert_new(conn, publication)
    outcome = Outcome("kept", identifier, publication.citekey, publication.title)
    outcome.details = [f"{resolution.reason}: stored from the line", *line_details(entry)]
    return outcome


def _complete_existing(
    conn: sqlite3.Connection, existing: Publication, record: ArxivRecord, entry: CvEntry
) -> Outcome:
    """A paper already in the library takes what the line adds and it lacks."""
    changes = missing_from(existing, entry)
    update_publication(conn, existing.id, changes)
    filled = [name for name in changes if name not in ("latex", "fields", "entry_type")]
    stars = [a for a in entry.authors if a.equal_contribution]
    unmarked = not any(author.equal_contribution for author in existing.authors)
    if unmarked and stars and mark_authors(existing.authors, stars):
        save_authors(conn, existing.id, existing.authors)
        filled.append("equal contribution")
    outcome = _present(record, existing)
    outcome.filled = filled
    return outcome


def line_details(entry: CvEntry) -> list[str]:
    """What the line said beyond its title, as stored: 'conference: ICLR, 2025'."""
    from ..tex.decode import tex_to_unicode

    details = []
    if entry.venue:
        details.append(f"{entry.kind}: {entry.venue}" + (f", {entry.year}" if entry.year else ""))
    if entry.status and entry.status != "published":
        details.append(f"status: {entry.status}")
    if entry.note:
        details.append(f"note: {tex_to_unicode(entry.note)}")
    equal = [a.name for a in entry.authors if a.equal_contribution]
    if equal:
        details.append(f"equal contribution: {', '.join(equal)}")
    return details


def describe_record(record: ArxivRecord) -> str:
    first = record.authors[0].name if record.authors else "no author"
    others = " et al." if len(record.authors) > 1 else ""
    return f"{record.id}  {record.title}  ({first}{others}, {record.published[:4]})"


# -- add --author ------------------------------------------------------------------------


def add_identifiers(
    conn: sqlite3.Connection,
    identifiers: Iterable[str | ArxivId] | Identifiers,
    *,
    author: str | None = None,
    dry_run: bool = False,
    **options,
) -> Report:
    """arXiv ids and DOIs as typed, each checked first, then fetched and stored: plain
    ``add``, or ``add_checked`` when one person's papers are wanted or nothing written."""
    wanted = parse_identifiers(identifiers)
    if author is not None or dry_run:
        return add_checked(
            conn, wanted.arxiv_ids, wanted.dois, author=author, dry_run=dry_run, **options
        )
    return add_unchecked(conn, wanted.arxiv_ids, wanted.dois, **options)


def add_checked(
    conn: sqlite3.Connection,
    arxiv_ids: Sequence[ArxivId],
    dois: Sequence[str],
    *,
    author: str | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
    client: ArxivClient | None = None,
    on_retry: Notice | None = None,
) -> Report:
    """``add`` with its checks: with ``author``, only the papers one of whose authors is
    that person are stored (the others are reported as skipped); with ``dry_run``
    nothing is written. All or nothing: a failed request stores no batch."""
    client = client or (arxiv_client(conn, on_retry) if arxiv_ids else None)
    fetched = fetch_arxiv(conn, arxiv_ids, progress, client, keep_partial=False)
    from_doi = fetch_dois(conn, dois, on_retry) if dois else {}
    actions = (*ADD_ACTIONS, "skipped") if author else ADD_ACTIONS
    with write_transaction(conn) as transaction:
        report = Report(actions=actions, requests=fetched.requests, dry_run=dry_run)
        index = MatchIndex.load(conn)
        for arxiv_id in arxiv_ids:
            record = fetched.records.get(arxiv_id.base)
            if record is None:
                report.outcomes.append(Outcome("not found", str(arxiv_id)))
            elif author and not written_by(record, author):
                report.outcomes.append(_skipped(record, author))
            else:
                report.outcomes.append(store_arxiv_record(conn, record, index, report))
        kept = [doi for doi in dois if not author or _doi_by(from_doi.get(doi), author)]
        skipped = [doi for doi in dois if doi not in kept]
        report.outcomes += [_doi_skipped(doi, from_doi[doi], author or "") for doi in skipped]
        if kept:
            report.extend(store_dois(conn, kept, from_doi))
        if dry_run:
            transaction.discard()
    return report


def _doi_by(publication: Publication | None, author: str) -> bool:
    return publication is None or any(author_fits(author, a.name) for a in publication.authors)


def _doi_skipped(doi: str, publication: Publication, author: str) -> Outcome:
    names = ", ".join(a.name for a in publication.authors[:6])
    return Outcome(
        "skipped", doi, title=publication.title, details=[f"no author is {author}: {names}"]
    )
