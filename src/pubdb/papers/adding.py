"""Adding papers by identifier: arXiv ids and DOIs fetched from their services and
stored as one record per paper (re-adding updates, never duplicates).

Everything is fetched before anything is written; when a later arXiv batch fails, the
batches fetched before it are stored in a write of their own and the error says so.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import nullcontext
from typing import TYPE_CHECKING

from ..errors import NetworkError
from ..ids import ArxivId
from ..models import Notice, Problem, Progress, Publication
from ..people.resolution import save_authors
from ..store.connection import get_meta, set_meta, write_transaction
from ..store.publications import (
    get_publication,
    insert_publication,
    key_exists,
    save_arxiv_entry,
    update_publication,
)
from .keys import key_stem, unique_key
from .lookup import owned_elsewhere
from .reports import ADDED, NOT_FOUND, UNCHANGED, Outcome, Report, action_for

if TYPE_CHECKING:
    import sqlite3

    from ..sources.arxiv import ArxivClient, ArxivRecord, FetchResult
    from ..sources.doi import DoiAnswer, DoiClient
    from .matching import MatchIndex

LAST_ARXIV_REQUEST = "arxiv_last_request"
LAST_DOI_REQUEST = "doi_last_request"


def _remembering(conn: sqlite3.Connection, key: str) -> Callable[[float], None]:
    """A callback recording each request time: its own tiny write, kept even if the
    fetch then fails, so spacing between requests holds across runs."""

    def remember(moment: float) -> None:
        with write_transaction(conn):
            set_meta(conn, key, repr(moment))

    return remember


def _last_request(conn: sqlite3.Connection, key: str) -> float | None:
    last = get_meta(conn, key)
    return float(last) if last else None


def arxiv_client(conn: sqlite3.Connection, on_retry: Notice | None = None) -> ArxivClient:
    from ..sources.arxiv import ArxivClient

    return ArxivClient(
        last_request=_last_request(conn, LAST_ARXIV_REQUEST),
        on_request=_remembering(conn, LAST_ARXIV_REQUEST),
        on_retry=on_retry,
    )


def doi_client(conn: sqlite3.Connection, on_retry: Notice | None = None) -> DoiClient:
    from ..sources.doi import DoiClient

    return DoiClient(
        last_request=_last_request(conn, LAST_DOI_REQUEST),
        on_request=_remembering(conn, LAST_DOI_REQUEST),
        on_retry=on_retry,
    )


def add(
    conn: sqlite3.Connection,
    arxiv_ids: Sequence[ArxivId],
    dois: Sequence[str],
    *,
    progress: Progress | None = None,
    client: ArxivClient | None = None,
    on_retry: Notice | None = None,
) -> Report:
    """Fetch and store arXiv ids and DOIs (each kind from its own service)."""
    client = client or (arxiv_client(conn, on_retry) if arxiv_ids else None)
    fetched = fetch_arxiv(conn, arxiv_ids, progress, client) if arxiv_ids else None
    from_doi = fetch_dois(conn, dois, on_retry) if dois else {}
    with write_transaction(conn):
        report = store_fetched(conn, arxiv_ids, fetched) if fetched else Report()
        if dois:
            report.extend(store_dois(conn, dois, from_doi))
    return report


def records_to_refresh(conn: sqlite3.Connection, references: Sequence[str]) -> list[Publication]:
    """The records named (each must have an arXiv id), else every arXiv-linked one."""
    from ..errors import UsageError
    from ..store.publications import iter_publications
    from .lookup import get_each

    if not references:
        return list(iter_publications(conn, with_arxiv_id=True))
    publications = get_each(conn, references)
    missing = [p.citekey for p in publications if not p.arxiv_id]
    if missing:
        raise UsageError(f"no arXiv id to refresh from: {', '.join(missing)}")
    return publications


def refresh(
    conn: sqlite3.Connection,
    publications: Sequence[Publication],
    *,
    dry_run: bool = False,
    progress: Progress | None = None,
    client: ArxivClient | None = None,
    on_retry: Notice | None = None,
) -> Report:
    """Re-query arXiv for these arXiv-linked records; a dry run writes nothing."""
    if not publications:
        return Report()
    ids = [ArxivId(p.arxiv_id) for p in publications]
    client = client or arxiv_client(conn, on_retry)
    fetched = fetch_arxiv(conn, ids, progress, client, keep_partial=not dry_run)
    with write_transaction(conn) as transaction:
        report = store_fetched(conn, ids, fetched)
        if dry_run:
            transaction.discard()
    report.dry_run = dry_run
    return report


def fetch_arxiv(
    conn: sqlite3.Connection,
    ids: Sequence[ArxivId],
    progress: Progress | None,
    client: ArxivClient | None,
    *,
    keep_partial: bool = True,
) -> FetchResult:
    """Everything arXiv has for the ids, with a progress bar when it takes several
    requests."""
    from ..sources.arxiv import BatchFailed

    client = client or arxiv_client(conn)
    batches = -(-len(ids) // client.settings.batch_size)
    try:
        with progress(len(ids)) if progress and batches > 1 else nullcontext(None) as step:
            return client.fetch(ids, progress=step)
    except BatchFailed as failure:
        if not keep_partial:
            raise NetworkError(str(failure)) from None
        done = set(failure.partial.done)
        with write_transaction(conn):
            saved = store_fetched(conn, [i for i in ids if i.base in done], failure.partial)
        raise NetworkError(
            f"{failure}; the {failure.partial.requests} batch(es) before it were saved"
            f" ({saved.summary}); run the command again for the rest"
        ) from None


def store_fetched(conn: sqlite3.Connection, ids: Sequence[ArxivId], fetched: FetchResult) -> Report:
    from .matching import MatchIndex

    report = Report(requests=fetched.requests)
    index: MatchIndex | None = None
    for arxiv_id in ids:
        record = fetched.records.get(arxiv_id.base)
        if record is None:
            report.outcomes.append(Outcome(NOT_FOUND, str(arxiv_id)))
            continue
        index = index or MatchIndex.load(conn)
        report.outcomes.append(store_arxiv_record(conn, record, index, report))
    return report


# Records of one `add` are distinct papers: one batch, so they never merge together.
_ADDED = -1


def store_arxiv_record(
    conn: sqlite3.Connection, record: ArxivRecord, index: MatchIndex, report: Report
) -> Outcome:
    """The record of a paper already in the library (matched as `import` matches: by
    arXiv id, DOI, or title and first author with years one apart) updated from arXiv,
    else a new record."""
    from .from_arxiv import publication_from_arxiv
    from .matching import Fingerprint

    publication = publication_from_arxiv(record)
    fingerprint = Fingerprint.of(publication, _ADDED)
    match = index.find(fingerprint)
    if match is not None and match.kept_apart is None:
        outcome = _update_from_arxiv(conn, match.fingerprint.pub_id, record)
        merged = get_publication(conn, match.fingerprint.pub_id)
        index.replace(match.fingerprint, Fingerprint.of(merged, match.fingerprint.batch))
        return outcome
    if match is not None and match.evidence == "arXiv id":
        why = f"{match.fingerprint.citekey} holds this arXiv id, but its title, authors and "
        report.warnings.append(Problem("arXiv", 0, f"{record.id}: {why}type differ: not added"))
        return Outcome(UNCHANGED, str(record.id), match.fingerprint.citekey)
    if match is not None:
        report.warnings.append(Problem("arXiv", 0, f"{record.id}: {match.kept_apart}"))
    if publication.doi and publication.doi in index.by_doi:
        publication.doi = None
    insert_new(conn, publication)
    save_arxiv_entry(conn, publication.id, record.id.base, record.id.version, record.xml)
    fingerprint.pub_id, fingerprint.citekey = publication.id, publication.citekey
    fingerprint.doi = publication.doi
    index.add(fingerprint)
    return Outcome(ADDED, str(record.id), publication.citekey, publication.title)


def _update_from_arxiv(conn: sqlite3.Connection, pub_id: int, record: ArxivRecord) -> Outcome:
    from .from_arxiv import arxiv_changes, authors_changed, authors_from_arxiv, carry_author_marks

    existing = get_publication(conn, pub_id)
    before = get_publication(conn, pub_id)
    changes = arxiv_changes(existing, record)
    if "doi" in changes and owned_elsewhere(conn, "doi", changes["doi"], pub_id):
        del changes["doi"]
    update_publication(conn, pub_id, changes)
    details = describe_changes(before, changes)
    filled = sorted(c for c in changes if c not in HIDDEN and _empty(getattr(before, c)))
    replaced = sorted(c for c in changes if c not in HIDDEN and c not in filled)
    incoming = authors_from_arxiv(record)
    if (
        existing.source == "arxiv"
        and "authors" not in existing.locked
        and authors_changed(existing.authors, incoming)
    ):
        authors = carry_author_marks(existing.authors, incoming)
        save_authors(conn, pub_id, authors)
        (replaced if before.authors else filled).append("authors")
        details.append(f"authors: {len(before.authors)} → {len(authors)} names")
    save_arxiv_entry(conn, pub_id, record.id.base, record.id.version, record.xml)
    title = changes.get("title", existing.title)
    return Outcome(
        action_for(filled, replaced),
        str(record.id),
        existing.citekey,
        title,
        filled=filled,
        replaced=replaced,
        details=details,
    )


def _empty(value: object) -> bool:
    return value in (None, "", [], {})


def _short(value: object) -> str:
    text = "—" if value in (None, "", [], {}) else str(value)
    return text if len(text) <= 60 else text[:59] + "…"


# bookkeeping, not a reader's field
HIDDEN = frozenset({"latex", "expressions", "fields", "locked", "source"})


def describe_changes(before: Publication, changes: dict) -> list[str]:
    """'field: old → new' for each changed column a reader cares about."""
    return [
        f"{name}: {_short(getattr(before, name))} → {_short(value)}"
        for name, value in changes.items()
        if name not in HIDDEN
    ]


def insert_new(conn: sqlite3.Connection, publication: Publication) -> int:
    """Store a new publication under a free citation key, its authors resolved."""
    if not publication.citekey or key_exists(conn, publication.citekey):
        first_author = publication.authors[0].name if publication.authors else None
        stem = key_stem(first_author, publication.year, publication.title)
        publication.citekey = unique_key(stem, lambda key: key_exists(conn, key))
    pub_id = insert_publication(conn, publication)
    save_authors(conn, pub_id, publication.authors)
    return pub_id


def fetch_dois(
    conn: sqlite3.Connection, dois: Sequence[str], on_retry: Notice | None = None
) -> dict[str, Publication | None]:
    client = doi_client(conn, on_retry)
    return {doi: publication_from_answer(client.fetch(doi)) for doi in dois}


def publication_from_answer(answer: DoiAnswer | None) -> Publication | None:
    """doi.org's CSL-JSON record, or its BibTeX read like an imported entry."""
    if answer is None or answer.publication is not None:
        return answer and answer.publication
    from ..bibtex.reader import parse_bibtex

    parsed = parse_bibtex(answer.bibtex or "", f"doi:{answer.doi}")
    if not parsed.entries:
        raise NetworkError(f"doi.org sent BibTeX without an entry for {answer.doi}")
    publication = parsed.entries[0].publication
    publication.citekey, publication.source = "", "doi"
    return publication


def store_dois(
    conn: sqlite3.Connection, wanted: Sequence[str], fetched: dict[str, Publication | None]
) -> Report:
    """DOI records stored the way imported BibTeX is: matched against the library."""
    from .importing import store_publications

    report = Report(requests=len(wanted))
    found = [doi for doi in wanted if fetched.get(doi)]
    stored = store_publications(conn, [fetched[doi] for doi in found], "doi.org")
    by_doi = dict(zip(found, stored.outcomes, strict=True))
    for doi in wanted:
        outcome = by_doi.get(doi)
        if outcome is None:
            report.outcomes.append(Outcome(NOT_FOUND, doi))
        else:
            report.outcomes.append(
                Outcome(outcome.action, doi, outcome.citekey, outcome.title,
                        filled=outcome.filled, replaced=outcome.replaced)
            )  # fmt: skip
    return report


def insert_arxiv_record(
    conn: sqlite3.Connection,
    record: ArxivRecord,
    shape: Callable[[Publication], None] | None = None,
) -> Outcome:
    """A new record for an arXiv paper the caller found absent from the library, shaped
    by ``shape`` (what a CV line says of it) before it is stored."""
    from .from_arxiv import publication_from_arxiv

    publication = publication_from_arxiv(record)
    if shape:
        shape(publication)
    if publication.doi and owned_elsewhere(conn, "doi", publication.doi, None):
        publication.doi = None
    insert_new(conn, publication)
    save_arxiv_entry(conn, publication.id, record.id.base, record.id.version, record.xml)
    return Outcome("added", str(record.id), publication.citekey, publication.title)
