"""A CV's publication list read as people write it: pure functions, text in, entries out.

Three layouts are recognised, each as the seeds' CVs write it:

- Markdown blocks: a title in bold (``**Title** 2024``, or a list item whose opening
  ``**`` went missing), the authors on the next line, then venue, status and notes.
- List items (``- [2] O. Zekri, …, I. Redko. Title. *Submitted*. (Featured in
  *Forbes*).``): authors, title and the rest, as sentences; indented lines continue them.
- One title a line, when the text has neither.

Headings and prose around the entries are not entries. Beyond the title each entry
keeps what the line says: authors with their equal-contribution stars, a venue (its
kind, conference, workshop or journal, and year), a status (submitted, accepted,
preprint), notes in parentheses or after the venue (as TeX: ``*Forbes*`` becomes
``\\emph{Forbes}``), and any arXiv id the line links to.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..ids import ArxivId, find_arxiv_ids
from ..normalize import strip_control
from ..tex.decode import tex_to_unicode
from ..tex.encode import to_latex

_LIST_MARK = re.compile(r"^(?:[-*+•‣▪]\s+|\d{1,3}[.)]\s+|\[\d{1,3}\]\s*|\(\d{1,3}\)\s+)")
_HEADING = re.compile(r"^\s*(?:#{1,6}\s|[-=*_]{3,}\s*$)")
_BOLD_TITLE = re.compile(r"^\*\*(?P<title>[^*].*?)\*\*\s*[,.]?\s*\(?(?P<year>\d{4})?\)?\s*$")
_BROKEN_BOLD_TITLE = re.compile(r"^(?P<title>[^*].*?)\*\*\s*\(?(?P<year>\d{4})?\)?\s*$")
_URL = re.compile(r"<\s*https?://[^>\s]*>|\bhttps?://\S+[^\s.,;)>]")
_MD_LINK = re.compile(r"\[([^\]]+)\]\((?:https?://)?[^)\s]*\)")
_YEAR = re.compile(r"(?<![\d.])(?:19|20)\d{2}(?![\d.])")
_INITIAL = re.compile(r"^(?:[A-Z][a-z]?\.)(?:-?[A-Z][a-z]?\.)*$|^[A-Z]$")
# Where a period may end a sentence: not after a one-letter initial ('O.', 'J.-P.');
# 'Li.' or 'Wu.' end an author list.
_SINGLE_INITIAL = re.compile(r"^[A-Z]\.(?:-?[A-Z]\.)*$")
_PARTICLES = frozenset(
    "al ben bin da dal das de degli dei del della den der des di do dos du el ibn la le "
    "lo ten ter van von zu y e".split()
)
_ABBREVIATIONS = frozenset("vs e.g i.e cf al fig eq no vol pp dr".split())
_STATUSES = (
    (re.compile(r"^(?:in submission|submitted|under (?:review|submission|revision)|in review)"
                r"\b", re.I), "submitted"),
    (re.compile(r"^(?:to appear|forthcoming|in press|accepted)\b(?:\s+(?:in|at|to|for)\b)?",
                re.I), "accepted"),
    (re.compile(r"^(?:arxiv preprint|preprint|working paper|manuscript)\b", re.I), "preprint"),
)  # fmt: skip
_WORKSHOP = re.compile(r"\bworkshops?\b", re.I)
_CONFERENCE = re.compile(
    r"\b(?:proc(?:eedings|\.)?|conf(?:erence|\.)?|symposium|congress|colloquium|meeting|"
    r"ICML|NeurIPS|NIPS|ICLR|AAAI|IJCAI|CVPR|ICCV|ECCV|ACL|EMNLP|NAACL|COLING|KDD|SIGIR|"
    r"AISTATS|UAI|COLT|STOC|FOCS|SODA|ICALP|CHI|WWW|LICS|POPL|PLDI|ALT|ICASSP|INTERSPEECH)\b",
    re.I,
)
_JOURNAL = re.compile(
    r"\b(?:journal|transactions|letters|review|annals|magazine|bulletin|TMLR|JMLR|SIAM|IEEE)"
    r"\b",
    re.I,
)
# Words that start a distinction, not a venue ('Oral presentation', 'Spotlight', ...).
_NOTE_START = re.compile(
    r"^(?:oral|spotlight|poster|best|award|featured|top\s+\d|invited|selected|contributed|"
    r"talk|honou?rable|outstanding|long talk|short talk)\b",
    re.I,
)
_HEADING_KINDS = (
    (re.compile(r"workshop", re.I), "workshop"),
    (re.compile(r"conference|proceedings", re.I), "conference"),
    (re.compile(r"journal", re.I), "journal"),
    (re.compile(r"preprint|submitted|under review|working paper", re.I), "preprint"),
    (re.compile(r"thes[ie]s|dissertation", re.I), "thesis"),
    (re.compile(r"chapter", re.I), "chapter"),
    (re.compile(r"\bbooks?\b", re.I), "book"),
)


@dataclass(frozen=True)
class CvAuthor:
    name: str
    equal_contribution: bool = False


@dataclass
class CvEntry:
    """One publication of a CV. ``title`` and ``venue`` are plain text (TeX math kept
    as written); ``notes`` are TeX; ``kind`` comes from the venue (or the section the
    entry stands in); ``line`` is where the entry starts (1-based)."""

    line: int
    text: str
    title: str
    authors: list[CvAuthor] = field(default_factory=list)
    year: int | None = None
    venue: str | None = None
    kind: str | None = None
    status: str | None = None
    notes: list[str] = field(default_factory=list)
    arxiv_ids: list[ArxivId] = field(default_factory=list)
    section: str | None = None

    @property
    def note(self) -> str | None:
        """The notes as one TeX text."""
        kept = [note.rstrip(" .") for note in self.notes if note.strip(" .")]
        return ". ".join(kept) or None

    @property
    def first_author(self) -> str | None:
        return self.authors[0].name if self.authors else None


def parse_publication_list(text: str) -> list[CvEntry]:
    """The publications of a CV text, in its order. Control and invisible characters
    (terminal escapes, bidi marks) are dropped first: they are never part of a title."""
    lines = strip_control(text, keep_line_breaks=True).splitlines()
    if any(_bold_title(line) for line in lines):
        return [entry for entry in map(_block_entry, _blocks(lines)) if entry]
    if any(_LIST_MARK.match(line.strip()) for line in lines):
        return [entry for entry in map(_item_entry, _items(lines)) if entry]
    return [
        entry
        for number, line in enumerate(lines, 1)
        if line.strip() and not _is_heading(line)
        if (entry := parse_entry_text(line.strip(), number))
    ]


def parse_entry_text(text: str, line: int = 1, section: str | None = None) -> CvEntry | None:
    """One entry written as sentences: 'Authors. Title. Venue. (Note).', or a title."""
    ids = find_arxiv_ids(text)
    body = _without_links(_strip_markers(text))
    authors, rest, year = _leading_authors(body)
    title, rest = _take_title(rest)
    title = " ".join(_plain(title).split()).strip(" ,;")
    if not title:
        return None
    entry = CvEntry(line, text, title, authors, year=year, arxiv_ids=ids, section=section)
    _read_details(entry, _sentences(rest))
    return entry


# -- layouts ---------------------------------------------------------------------------


def _strip_markers(line: str) -> str:
    text = line.strip()
    for _ in range(2):  # '- [2] ...'
        text = _LIST_MARK.sub("", text, count=1).strip()
    return text


def _bold_title(line: str) -> re.Match[str] | None:
    stripped = line.strip()
    text = _strip_markers(stripped)
    match = _BOLD_TITLE.match(text)
    if match:
        return match
    if text != stripped and text.count("**") == 1:
        return _BROKEN_BOLD_TITLE.match(text)
    return None


def _is_heading(line: str) -> bool:
    text = line.strip()
    letters = [c for c in text if c.isalpha()]
    return bool(
        _HEADING.match(line)
        or text.endswith(":")
        or (letters and all(c.isupper() for c in letters) and len(text.split()) <= 4)
    )


def _section_kind(heading: str) -> str | None:
    for pattern, kind in _HEADING_KINDS:
        if pattern.search(heading):
            return kind
    return None


def _blocks(lines: list[str]) -> list[tuple[int, list[str], str | None]]:
    """(first line number, lines, section heading) of each bold-title block."""
    blocks: list[tuple[int, list[str], str | None]] = []
    section, current = None, None
    for number, line in enumerate(lines, 1):
        if _bold_title(line):
            current = (number, [line.strip()], section)
            blocks.append(current)
        elif _HEADING.match(line):
            if line.lstrip().startswith("#"):
                section = line.strip("# \t")
            current = None
        elif current is not None and line.strip():
            current[1].append(line.strip())
    return blocks


def _items(lines: list[str]) -> list[tuple[int, list[str], str | None]]:
    """(first line number, lines, section heading) of each list item; an indented line
    right after an item continues it."""
    items: list[tuple[int, list[str], str | None]] = []
    section, current = None, None
    for number, line in enumerate(lines, 1):
        if _LIST_MARK.match(line.strip()) and not _HEADING.match(line):
            current = (number, [line.strip()], section)
            items.append(current)
        elif current is not None and line.strip() and line[:1].isspace():
            current[1].append(line.strip())
        else:
            if line.strip() and _is_heading(line):
                section = line.strip("#:= \t")
            current = None
    return items


def _block_entry(block: tuple[int, list[str], str | None]) -> CvEntry | None:
    number, lines, section = block
    match = _bold_title(lines[0])
    assert match is not None
    title = " ".join(_plain(match["title"]).split()).strip(" ,;")
    if not title:
        return None
    text = "\n".join(lines)
    entry = CvEntry(number, text, title, arxiv_ids=find_arxiv_ids(text), section=section)
    entry.year = int(match["year"]) if match["year"] else None
    rest = lines[1:]
    if rest and _looks_like_authors(_without_links(rest[0])):
        entry.authors = _parse_authors(_without_links(rest[0]))
        rest = rest[1:]
    _read_details(entry, [s for line in rest for s in _sentences(_without_links(line))])
    return entry


def _item_entry(item: tuple[int, list[str], str | None]) -> CvEntry | None:
    number, lines, section = item
    return parse_entry_text(" ".join(lines), number, section)


# -- authors and title ---------------------------------------------------------------


def _without_links(text: str) -> str:
    text = _MD_LINK.sub(r"\1", text)
    return " ".join(_URL.sub(" ", text).split()).strip(" ,")


def _leading_authors(text: str) -> tuple[list[CvAuthor], str, int | None]:
    """The author list a sentence-style entry starts with, the rest, and a year written
    after the authors ('Zekri, O. (2025). Title.')."""
    end = _authors_end(text)
    if end is None:
        return [], text, None
    head, rest = re.sub(r"[\s,]*\bet\s+al$", "", text[:end]), text[end + 1 :].strip()
    year = None
    if match := re.search(r"\s*\((\d{4})\)\s*$", head):
        head, year = head[: match.start()], int(match[1])
    if not rest or not _looks_like_authors(head) or _status_of(_plain(rest)):
        return [], text, None
    return _parse_authors(head), rest, year


def _authors_end(text: str) -> int | None:
    """Index of the period that ends a leading author list: the first one not after an
    initial ('O.', 'J.-P.')."""
    for match in re.finditer(r"\.(?=\s|$)", text):
        words = text[: match.start()].replace("\\*", "").split()
        last = words[-1].split(",")[-1].strip("*") if words else ""
        if not _SINGLE_INITIAL.match(last + "."):
            return match.start()
    return None


def _name_pieces(text: str) -> list[str]:
    """The names of an author list: split at commas, semicolons, 'and' and '&'; a
    family name and the initials after its comma stay one name ('Zekri, O.')."""
    text = re.sub(r"[\s,]*\bet\s+al\.?$", "", text.strip())
    pieces: list[str] = []
    for chunk in re.split(r";|\s+and\s+|\s*&\s*", text):
        for piece in (p.strip() for p in chunk.split(",")):
            initials = all(_INITIAL.match(w) for w in _plain(piece).replace("*", "").split())
            if piece and initials and pieces and " " not in pieces[-1].strip():
                pieces[-1] = f"{pieces[-1]}, {piece}"
            elif piece:
                pieces.append(piece)
    return pieces


def _name_like(piece: str) -> bool:
    words = _plain(piece).replace("*", "").split()
    if not 1 <= len(words) <= 6 or any(ch.isdigit() or ch in ":?!" for ch in piece):
        return False
    return all(map(_name_word, words)) and (len(words) > 1 or bool(_INITIAL.match(words[0])))


def _name_word(word: str) -> bool:
    """An initial, a capitalised word, a particle ('van', 'de') or an elided one
    ("d'Ascoli", 'd’Ascoli')."""
    return bool(
        _INITIAL.match(word)
        or word[:1].isupper()
        or word.lower().strip(".") in _PARTICLES
        or re.match(r"^[a-z]{1,4}['’][A-Z]", word)
    )


def _looks_like_authors(text: str) -> bool:
    """'O. Zekri, N. Boullé' or 'Samy Jelassi and Eran Malach': name-like pieces, at
    least one with an initial or at least two of them."""
    pieces = _name_pieces(text)
    if not pieces or not all(_name_like(piece) for piece in pieces):
        return False
    with_initial = any(any(_INITIAL.match(w) for w in _plain(p).split()) for p in pieces)
    return with_initial or len(pieces) >= 2


def _parse_authors(text: str) -> list[CvAuthor]:
    authors = []
    for piece in _name_pieces(text):
        equal = bool(re.search(r"(?:\\\*|\*|∗)\s*$", piece.replace("**", "")))
        name = " ".join(_plain(piece).replace("*", " ").replace("∗", " ").split())
        if name:
            authors.append(CvAuthor(name, equal))
    return authors


def _take_title(text: str) -> tuple[str, str]:
    """The title a sentence-style entry goes on with, and the rest: quoted, else up to
    the first sentence end ('Descent?.' keeps its '?'), outside TeX math."""
    quoted = re.match(r"^[“\"](.+?)[”\"][.,]?\s*(.*)$", text)
    if quoted:
        return quoted[1], quoted[2]
    in_math = False
    for index, char in enumerate(text):
        if char == "$":
            in_math = not in_math
        if in_math or char not in ".?!":
            continue
        after = text[index + 1 :]
        if after[:1] == "." and char in "?!":
            return text[: index + 1], after[1:].strip()
        if after and not after[:1].isspace():
            continue
        if char == "." and _is_abbreviation(text[:index]):
            continue
        return (text[:index] if char == "." else text[: index + 1]), after.strip()
    return text, ""


def _is_abbreviation(before: str) -> bool:
    word = before.split()[-1].lower() if before.split() else ""
    return word in _ABBREVIATIONS or bool(_SINGLE_INITIAL.match(word.upper() + "."))


# -- venue, status, notes --------------------------------------------------------------


def _sentences(text: str) -> list[str]:
    """The rest of an entry cut into sentences; a period after a short capitalised
    word is an abbreviation ('Proc.', 'Int.'), not an end."""
    sentences, start = [], 0
    for match in re.finditer(r"\.(?=\s|$)", text):
        words = text[start : match.start()].split()
        last = _plain(words[-1]) if words else ""
        if re.fullmatch(r"[A-Z][a-z]{1,4}", last) and match.end() < len(text):
            continue
        sentences.append(text[start : match.start()])
        start = match.end()
    sentences.append(text[start:])
    return [s.strip(" ,;") for s in sentences if s.strip(" ,;.")]


def _read_details(entry: CvEntry, sentences: list[str]) -> None:
    for sentence in sentences:
        for segment in _year_comma_split(sentence):
            _read_segment(entry, segment)
    if entry.venue and not entry.status:
        entry.status = "published"
    if entry.kind is None and entry.section and not entry.venue:
        kind = _section_kind(entry.section)
        entry.kind = kind if kind == "preprint" else None


def _year_comma_split(sentence: str) -> list[str]:
    """'… (COLING) 2025, Industry track' -> the venue and the note after its year."""
    match = re.search(r"(?<![\d.])((?:19|20)\d{2})\s*,\s+(?=\S)", sentence)
    if match and not _status_of(_plain(sentence)):
        return [sentence[: match.end(1)], sentence[match.end() :]]
    return [sentence]


def _status_of(text: str) -> tuple[str, str] | None:
    """(status, what follows the status words) when a segment starts with one."""
    for pattern, status in _STATUSES:
        if match := pattern.match(text.strip()):
            return status, text.strip()[match.end() :].strip(" ,:;")
    return None


def _read_segment(entry: CvEntry, segment: str) -> None:
    plain = _plain(segment).strip()
    if not plain:
        return
    if not entry.status and (found := _status_of(plain)):
        entry.status, remainder = found
        if remainder and entry.status == "accepted" and not entry.venue:
            _set_venue(entry, remainder)
        elif remainder:
            whole = re.match(r"submitted\s+(?:to|at)\b", plain, re.I)
            entry.notes.append(_note_tex(segment if whole else _tail(segment, remainder)))
        return
    if plain.startswith("(") and plain.endswith(")"):
        entry.notes.append(_note_tex(segment.strip()[1:-1]))
        return
    if entry.venue is None and entry.status not in ("submitted", "preprint"):
        if _presented_at(entry, segment):
            return
        if _is_venue(plain) and not _NOTE_START.match(plain):
            _set_venue(entry, plain)
            return
    if re.fullmatch(r"\(?\d{4}\)?", plain):
        entry.year = entry.year or int(plain.strip("()"))
        return
    entry.notes.append(_note_tex(segment))


def _tail(segment: str, remainder: str) -> str:
    """The part of ``segment`` (markup kept) that reads as ``remainder`` (markup gone)."""
    for start in range(len(segment)):
        if _plain(segment[start:]).strip(" ,:;") == remainder:
            return segment[start:].strip(" ,:;")
    return remainder


def _presented_at(entry: CvEntry, segment: str) -> bool:
    """'**Oral presentation (top 3%)** at the Conference on … (NeurIPS) 2018', 'Spotlight
    at NeurIPS 2023': the distinction is a note, what follows 'at (the)' the venue."""
    match = re.match(r"^\s*\*\*(.+?)\*\*\s+at\s+(?:the\s+)?(.+)$", segment)
    if not match and _NOTE_START.match(_plain(segment)):
        match = re.match(r"^\s*(.+?)\s+at\s+(?:the\s+)?(.+)$", segment)
    if not match or not _is_venue(_plain(match[2])) or not _YEAR.search(match[2]):
        return False
    entry.notes.append(_note_tex(match[1]))
    _set_venue(entry, _plain(match[2]))
    return True


def _is_venue(text: str) -> bool:
    """'In ICLR 2025', 'Journal of Machine Learning Research 2022', 'AAAI Conference on
    Artificial Intelligence': a year alone is not enough ('Honolulu, 2023')."""
    return bool(
        re.match(r"^in\s+\S", text, re.I)
        or _CONFERENCE.search(text)
        or _JOURNAL.search(text)
        or _WORKSHOP.search(text)
    )


def _set_venue(entry: CvEntry, text: str) -> None:
    """'In ICLR 2025' -> ICLR, 2025; 'ICML 2024 ICL Workshop' stays whole (its year
    inside); the kind from the venue's words, else from the section's heading."""
    venue = re.sub(r"^in\s+", "", text.strip(" ,.;"), flags=re.I)
    years = _YEAR.findall(venue)
    trailing = re.search(r"[\s,]*\(?((?:19|20)\d{2})\)?$", venue)
    if trailing and venue[: trailing.start()].strip():
        venue = venue[: trailing.start()].strip(" ,")
    entry.year = int(years[-1]) if years else entry.year
    entry.venue = venue
    entry.kind = _venue_kind(venue) or _section_kind(entry.section or "") or "journal"
    if entry.kind == "preprint":
        entry.kind = "journal"


def _venue_kind(venue: str) -> str | None:
    if _WORKSHOP.search(venue):
        return "workshop"
    if _CONFERENCE.search(venue):
        return "conference"
    if _JOURNAL.search(venue):
        return "journal"
    return None


# -- markup ------------------------------------------------------------------------------

_MARKUP = re.compile(
    r"\*\*(?P<bold>.+?)\*\*|(?<![\w*\\])\*(?P<em>[^*\s](?:[^*]*[^*\s])?)\*(?!\w)|\\\*"
)


def _plain(text: str) -> str:
    """Markdown emphasis and bold gone, '\\*' a star: the words as they read."""

    def unmark(match: re.Match[str]) -> str:
        if match[0] == "\\*":
            return "*"
        return _plain(match["bold"]) if match["bold"] is not None else match["em"]

    return _MARKUP.sub(unmark, text)


def _note_tex(text: str) -> str:
    """A note as TeX: emphasis kept as \\emph, bold dropped (a CV's highlight), the rest
    escaped; its first letter capitalised ('oral presentation …' -> 'Oral …')."""
    pieces, position = [], 0
    text = text.strip(" ,;")
    for match in _MARKUP.finditer(text):
        pieces.append(_spaced_tex(text[position : match.start()]))
        if match[0] == "\\*":
            pieces.append("*")
        elif match["bold"] is not None:
            pieces.append(_note_tex(match["bold"]))
        else:
            pieces.append("\\emph{" + to_latex(match["em"]) + "}")
        position = match.end()
    pieces.append(_spaced_tex(text[position:]))
    tex = " ".join("".join(pieces).split())
    return tex[:1].upper() + tex[1:] if tex[:1].isalpha() else tex


def _spaced_tex(text: str) -> str:
    """``to_latex`` of a piece, with the spaces around it kept (it trims them)."""
    if not text.strip():
        return text
    lead = text[: len(text) - len(text.lstrip())]
    trail = text[len(text.rstrip()) :]
    return lead + to_latex(text) + trail


def note_text(tex: str) -> str:
    """A TeX note as plain text: 'Featured in \\emph{Forbes}' -> 'Featured in Forbes'."""
    return tex_to_unicode(tex)
