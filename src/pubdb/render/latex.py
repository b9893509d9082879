"""A LaTeX fragment for a CV: sections and lists, every data text through ``to_latex``
(which escapes specials and defuses \\input, \\write18 and friends). Links use \\href
when hyperref is loaded and fall back to their text otherwise."""

from __future__ import annotations

from ..tex.encode import to_latex
from .emphasis import EM, plain, styled
from .entries import Entry, Group, Listing, NamePart, join_sentences

HREF_FALLBACK = r"\providecommand{\href}[2]{#2}"
EQUAL_CONTRIBUTION = r"\par\medskip\noindent * Equal contribution."


def url_argument(url: str) -> str:
    """A percent-encoded URL (see ``safe_url``) as \\href's first argument."""
    return url.replace("%", r"\%").replace("#", r"\#").replace("&", r"\&")


def note(tex: str) -> str:
    """Emphasis as \\emph and \\textbf around text encoded afresh: the note's own TeX
    never reaches the document."""
    return styled(tex, to_latex, _wrap)


def _wrap(text: str, style: str) -> str:
    return rf"\emph{{{text}}}" if style == EM else rf"\textbf{{{text}}}"


def name(part: NamePart) -> str:
    text = to_latex(part.text)
    if part.highlighted:
        text = rf"\textbf{{{text}}}"
    return text + ("*" if part.equal_contribution else "")


def entry_latex(entry: Entry) -> str:
    authors = ", ".join(name(part) for part in entry.authors)
    raw_authors = ", ".join(part.text for part in entry.authors)
    if entry.authors and entry.authors[-1].equal_contribution:
        raw_authors += "*"
    pieces = [
        (raw_authors, authors),
        (entry.title, rf"\emph{{{to_latex(entry.title)}}}"),
        (entry.venue, to_latex(entry.venue)),
        *((plain(tex), note(tex)) for tex in entry.notes),
    ]
    links = [
        rf"\href{{{url_argument(link.url)}}}{{{to_latex(link.label)}}}" for link in entry.links
    ]
    return " ".join([join_sentences(pieces), *links])


def item(entry: Entry) -> str:
    # "{}" ends \item's look-ahead, so data starting with "[" is never read as a label.
    label = f"[{{[{entry.number}]}}]" if entry.number is not None else "{}"
    return rf"  \item{label} {entry_latex(entry)}"


def group_latex(group: Group, numbered: bool) -> str:
    environment = "enumerate" if numbered else "itemize"
    lines = [rf"\subsection*{{{to_latex(group.title)}}}"] if group.title else []
    lines.append(rf"\begin{{{environment}}}")
    lines += [item(entry) for entry in group.entries]
    lines.append(rf"\end{{{environment}}}")
    return "\n".join(lines)


def render(listing: Listing) -> str:
    groups = [Group(group.title, list(group.entries)) for group in listing.groups]
    blocks = []
    if any(entry.links for group in groups for entry in group.entries):
        blocks.append(HREF_FALLBACK)
    if listing.heading:
        blocks.append(rf"\section*{{{to_latex(listing.heading)}}}")
    blocks += [group_latex(group, listing.numbered) for group in groups]
    if listing.has_equal_contribution:
        blocks.append(EQUAL_CONTRIBUTION)
    return "\n\n".join(blocks) + "\n"
