"""Entries the search tests write for themselves: papers that exist only for one test
(a namesake of a seed author, two papers sharing a title, a title that contains
another), never real ones. Their ids are ones tests/fixtures/arxiv/papers.xml does not
use (2501.0xxxx), their abstracts placeholders, their titles say what they are for."""

from __future__ import annotations

from xml.sax.saxutils import escape


def written_entry(
    arxiv_id: str,
    title: str,
    authors: list[str],
    published: str = "2025-01-15T10:00:00Z",
    categories: tuple[str, ...] = ("cs.LG",),
) -> bytes:
    """One Atom ``<entry>`` as the stand-in serves them (new backend's layout)."""
    names = "".join(f"<author><name>{escape(name)}</name></author>" for name in authors)
    terms = "".join(
        f'<category term="{term}" scheme="http://arxiv.org/schemas/atom"/>' for term in categories
    )
    return (
        f"<entry><id>http://arxiv.org/abs/{arxiv_id}v1</id>"
        f"<title>{escape(title)}</title><updated>{published}</updated>"
        f'<link href="https://arxiv.org/abs/{arxiv_id}v1" rel="alternate" type="text/html"/>'
        f'<link href="https://arxiv.org/pdf/{arxiv_id}v1" rel="related"'
        ' type="application/pdf" title="pdf"/>'
        f"<summary>Placeholder abstract written for one of pubdb's tests.</summary>"
        f"{terms}<published>{published}</published>"
        f'<arxiv:primary_category term="{categories[0]}"/>{names}</entry>'
    ).encode()


def numbered_entries(count: int, author: str, start: int = 1) -> dict[str, bytes]:
    """``count`` papers of one author, one a day from 2025-01-01 on, newest last."""
    entries = {}
    for number in range(start, start + count):
        arxiv_id = f"2501.{number:05d}"
        day = f"2025-{1 + (number // 28) % 12:02d}-{1 + number % 28:02d}T09:00:00Z"
        entries[arxiv_id] = written_entry(
            arxiv_id, f"Paging test paper number {number}", [author], published=day
        )
    return entries
