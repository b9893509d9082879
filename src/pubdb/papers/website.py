"""Exports for websites: a folder of HugoBlox publication pages, and BibTeX for al-folio."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from ..bibtex.writer import format_entry
from ..files import make_folder, output_folder, replaced_atomically
from ..models import Publication
from ..render import ListOptions
from ..render.entries import entry, is_selected
from ..render.website import al_folio_fields, folder_name, hugo_page


def write_hugo_pages(
    publications: Iterable[Publication], folder: str | Path, options: ListOptions
) -> int:
    """DIR/<key>/index.md and DIR/<key>/cite.bib for each publication (each file
    replaced atomically; other files in DIR are left alone). Returns how many."""
    root = output_folder(folder)
    used: set[str] = set()
    count = 0
    for publication in _chosen(publications, options):
        name = _unique(folder_name(publication.citekey), used)
        page = make_folder(root / name, root / name)
        _write(page / "index.md", hugo_page(entry(publication, options)))
        _write(page / "cite.bib", format_entry(publication) + "\n")
        count += 1
    return count


def bibtex_records(
    publications: Iterable[Publication], *, selected: bool, al_folio: bool
) -> Iterator[Publication]:
    """The publications a website's .bib holds: the selected ones (with ``selected``),
    with al-folio's fields when ``al_folio`` (see ``render.website.al_folio_fields``)."""
    chosen = _chosen(publications, ListOptions(selected=selected))
    return map(al_folio_fields, chosen) if al_folio else chosen


def _chosen(publications: Iterable[Publication], options: ListOptions) -> Iterator[Publication]:
    return (p for p in publications if not options.selected or is_selected(p))


def _unique(name: str, used: set[str]) -> str:
    candidate, number = name, 1
    while candidate.lower() in used:
        number += 1
        candidate = f"{name}-{number}"
    used.add(candidate.lower())
    return candidate


def _write(path: Path, text: str) -> None:
    with replaced_atomically(path) as temporary:
        temporary.write_text(text, encoding="utf-8", newline="\n")
