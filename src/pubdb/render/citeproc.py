"""CSL bibliographies formatted by pandoc's citeproc, entry for entry what
``pandoc --citeproc`` prints for the same CSL-JSON and style, in pieces when that is
faster, and cached.

The pandoc is the one of the pypandoc-binary wheel (pandoc 3.x), else ``$PUBDB_PANDOC``
or pandoc on PATH (>= 2.11). pandoc 3.x's citeproc grows as ~n^2.5 when a style
disambiguates by given names across the whole list (disambiguate-add-givenname with a
global givenname-disambiguation-rule: APA, Chicago author-date, ~330 styles): 4,839
APA references take 90-170 s whole. So large lists in such styles are cut into parts
whose entries cannot affect one another, each part formatted by pandoc, and the entries
merged in the order pandoc gives the whole list. Entry X can depend on entry Y only
through (citeproc's Eval.hs):

1. ambiguity (year suffixes a/b/c, added names, the ``disambiguate`` condition): only
   among items whose first-pass citation renders alike; a first pass with
   disambiguation off gives those renders (and the global order);
2. global given-name hints: among items sharing a family name (first names, or all
   names for all-names rules);
3. subsequent-author-substitute: an entry depends on the run of entries before it with
   the same names: such items are linked by rule 2's keys, and each part also gets the
   global predecessor of its items as context (formatted, then dropped);
4. citation numbers (numeric styles): such styles are never split (nor slow).

Parts are cached by content (pandoc, style, output, the part's items): re-exporting
after a small change formats again only the parts that changed.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any, Literal

from ..errors import PubdbError

CSL_NS = "http://purl.org/net/xbiblio/csl"
NS = {"c": CSL_NS}
MARK = "\x1e"  # record separator: never in our data (clean() drops control characters)
SPLIT_MIN = 300  # below this, one pandoc run is as fast as any split
CHUNK_TARGET = 100  # items per part
PASS1_COST = 0.6  # the first pass costs about 0.6 of formatting the same items
CACHE_DAYS = 30  # cached parts unused this long are removed
DRIVER = Path(__file__).with_name("citeproc_driver.lua")
NAME_VARIABLES = (
    "author", "editor", "translator", "collection-editor", "composer", "container-author",
    "director", "editorial-director", "illustrator", "interviewer", "original-author",
    "recipient", "reviewed-author", "chair", "compiler", "contributor", "curator",
    "executive-producer", "guest", "host", "narrator", "organizer", "performer",
    "producer", "script-writer", "series-creator",
)  # fmt: skip
_LUA_MARK = f"""
function Div(d)
  if d.identifier:sub(1, 4) == "ref-" then
    return {{pandoc.RawBlock(FORMAT, "{MARK}" .. d.identifier:sub(5) .. "{MARK}"), d}}
  end
end
"""


class PandocError(PubdbError):
    """pandoc is missing or failed."""


# -- the pandoc binary ----------------------------------------------------------------


def _version(path: str) -> tuple[int, ...] | None:
    try:
        out = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.match(r"pandoc(?:\.exe)?\s+([\d.]+)", out.stdout)
    return tuple(int(part) for part in match[1].split(".")) if match else None


def _bundled() -> list[str]:
    """The pypandoc-binary wheel's pandoc, found without importing pypandoc."""
    from importlib.util import find_spec

    spec = find_spec("pypandoc")
    if spec is None or not spec.submodule_search_locations:
        return []
    found = []
    for folder in spec.submodule_search_locations:
        for name in ("pandoc", "pandoc.exe"):
            if (Path(folder) / "files" / name).is_file():
                found.append(str(Path(folder) / "files" / name))
    return found


@cache
def find_pandoc() -> tuple[str, tuple[int, ...]]:
    """(path, version): $PUBDB_PANDOC, else the wheel's pandoc, else pandoc on PATH."""
    if os.environ.get("PUBDB_PANDOC"):
        candidates = [os.environ["PUBDB_PANDOC"]]
    else:
        candidates = [*_bundled(), *filter(None, [shutil.which("pandoc")])]
    for path in candidates:
        version = _version(path)
        if version and version >= (2, 11):
            return path, version
    raise PandocError(
        "citation styles need pandoc >= 2.11: pip install pypandoc-binary"
        + (f" ($PUBDB_PANDOC is {os.environ['PUBDB_PANDOC']})" if candidates else "")
    )


# -- what a style does -----------------------------------------------------------------


@dataclass(frozen=True)
class StyleInfo:
    givenname_rule: str | None  # None when disambiguate-add-givenname is off
    subsequent_author_substitute: bool
    uses_citation_number: bool
    has_bibliography: bool


def independent_style(style_path: str) -> ET.Element:
    """The style's root element, or its independent parent's for a dependent style."""
    root = _parse(style_path)
    if root.find("c:citation", NS) is not None:
        return root
    for link in root.iter(f"{{{CSL_NS}}}link"):
        if link.get("rel") == "independent-parent":
            name = link.get("href", "").rstrip("/").rsplit("/", 1)[-1] + ".csl"
            here = Path(style_path).resolve().parent
            for folder in (here, here.parent):
                if (folder / name).is_file():
                    return _parse(str(folder / name))
    raise PandocError(f"cannot find the parent of dependent style {Path(style_path).name}")


def _parse(path: str) -> ET.Element:
    from defusedxml.ElementTree import parse

    return parse(path).getroot()


@lru_cache(maxsize=64)
def analyze_style(style_path: str) -> StyleInfo:
    root = independent_style(style_path)
    citation = root.find("c:citation", NS)
    bibliography = root.find("c:bibliography", NS)
    attrs = citation.attrib if citation is not None else {}
    givenname = attrs.get("disambiguate-add-givenname") == "true"
    return StyleInfo(
        givenname_rule=attrs.get("givenname-disambiguation-rule", "by-cite") if givenname else None,
        subsequent_author_substitute=bibliography is not None
        and bibliography.get("subsequent-author-substitute") is not None,
        uses_citation_number="citation-number" in ET.tostring(root, encoding="unicode"),
        has_bibliography=bibliography is not None,
    )


def _pass1_style(style_path: str) -> str:
    """The style without disambiguation and with a trivial bibliography layout: pandoc
    then gives the first-pass citation renders and the bibliography's order."""
    ET.register_namespace("", CSL_NS)
    root = independent_style(style_path)
    citation = root.find("c:citation", NS)
    for attr in (
        "disambiguate-add-year-suffix",
        "disambiguate-add-names",
        "disambiguate-add-givenname",
        "givenname-disambiguation-rule",
    ):
        citation.attrib.pop(attr, None)
    bibliography = root.find("c:bibliography", NS)
    bibliography.attrib.pop("subsequent-author-substitute", None)
    bibliography.attrib.pop("subsequent-author-substitute-rule", None)
    for layout in bibliography.findall("c:layout", NS):
        for child in list(layout):
            layout.remove(child)
        layout.text = None
        ET.SubElement(layout, f"{{{CSL_NS}}}text", {"value": "x"})
    return ET.tostring(root, encoding="unicode")


# -- running pandoc ---------------------------------------------------------------------


def _run(args: list[str], cwd: str) -> str:
    pandoc, _ = find_pandoc()
    process = subprocess.run([pandoc, *args], cwd=cwd, capture_output=True)
    if process.returncode:
        raise PandocError("pandoc failed: " + _last_line(process.stderr))
    return process.stdout.decode("utf-8")


def _last_line(stderr: bytes) -> str:
    lines = stderr.decode("utf-8", "replace").strip().splitlines()
    return lines[-1] if lines else "no message"


def _entry_html(body: str, ident: str) -> str:
    """INNER of '<div id="ref-ID" class="csl-entry" ...>INNER</div>'."""
    start = re.match(r'<div id="ref-[^"]*" class="csl-entry"[^>]*>\n?', body)
    if not start:
        raise PandocError(f"unexpected HTML from pandoc for entry {ident}")
    depth = 1
    for tag in re.finditer(r"<div\b|</div>", body[start.end() :]):
        depth += 1 if tag[0] == "<div" else -1
        if depth == 0:
            return body[start.end() : start.end() + tag.start()].rstrip("\n")
    raise PandocError(f"unclosed HTML entry {ident} from pandoc")


def _split_entries(text: str, output: str) -> dict[str, str]:
    parts = text.split(MARK)
    entries = {}
    for ident, body in zip(parts[1::2], parts[2::2], strict=False):
        entries[ident] = _entry_html(body.strip(), ident) if output == "html" else body.strip()
    return entries


def _format_whole(items: list[dict], style_path: str, output: str) -> dict[str, str]:
    """One `pandoc -f csljson --citeproc` run: entries by id, in pandoc's order."""
    with tempfile.TemporaryDirectory(prefix="pubdb-csl-") as tmp:
        Path(tmp, "items.json").write_text(json.dumps(items, ensure_ascii=False), "utf-8")
        Path(tmp, "mark.lua").write_text(_LUA_MARK, "utf-8")
        text = _run(
            ["-f", "csljson", "-t", "plain" if output == "text" else "html", "--wrap=none",
             "--citeproc", "--csl", os.path.abspath(style_path), "--lua-filter", "mark.lua",
             "items.json"],
            tmp,
        )  # fmt: skip
    return _split_entries(text, output)


def _run_jobs(jobs: list[list[dict]], output: str) -> dict[str, dict]:
    """Each job (a list of tasks) in its own `pandoc lua` process, all at once."""
    pandoc, _ = find_pandoc()
    fmt = "plain" if output == "text" else "html"
    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="pubdb-csl-") as tmp:
        processes = []
        for number, tasks in enumerate(jobs):
            if not tasks:
                continue
            path = Path(tmp, f"job{number}.json")
            path.write_text(
                json.dumps({"format": fmt, "tasks": tasks}, ensure_ascii=False), "utf-8"
            )
            processes.append(
                subprocess.Popen(
                    [pandoc, "lua", str(DRIVER), str(path)],
                    cwd=tmp,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                )
            )
        failures = []
        for process in processes:
            out, err = process.communicate()
            if process.returncode:
                failures.append(_last_line(err))
            else:
                results.update((r["name"], r) for r in json.loads(out.decode("utf-8")))
    if failures:
        raise PandocError("pandoc failed: " + failures[0])
    return results


def _balance(tasks: list[tuple[float, dict]], workers: int) -> list[list[dict]]:
    """Tasks (estimated cost, task) shared among ``workers`` lists of about equal cost."""
    loads: list[tuple[float, list[dict]]] = [(0.0, []) for _ in range(workers)]
    for cost, task in sorted(tasks, key=lambda pair: -pair[0]):
        index = min(range(workers), key=lambda i: loads[i][0])
        loads[index] = (loads[index][0] + cost, [*loads[index][1], task])
    return [tasks for _, tasks in loads]


# -- parts --------------------------------------------------------------------------------


class _UnionFind:
    def __init__(self, size: int):
        self.parent = list(range(size))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, i: int, j: int) -> None:
        a, b = self.find(i), self.find(j)
        if a != b:
            self.parent[max(a, b)] = min(a, b)

    def groups(self) -> list[list[int]]:
        found: dict[int, list[int]] = {}
        for i in range(len(self.parent)):
            found.setdefault(self.find(i), []).append(i)
        return list(found.values())


def _family_keys(name: dict) -> list[str]:
    """Keys equal for any two names pandoc may give the same family name (coarse on
    purpose: each capitalised word of the family name, case-folded)."""
    if name.get("literal") is not None and not name.get("family"):
        return []  # literal names have no family name and get no given-name hints
    words = re.findall(r"\w[\w'’-]*", str(name.get("family", "")))
    keys = [w.casefold() for w in words if not w[0].islower()] or [w.casefold() for w in words]
    return keys or ([str(name["given"]).casefold()] if name.get("given") else [])


def _names_key(name: dict) -> list[str]:
    if name.get("literal") is not None and not name.get("family"):
        return ["lit:" + re.sub(r"\W+", "", str(name["literal"])).casefold()]
    return _family_keys(name)


def _year(item: dict) -> str:
    try:
        return str(item["issued"]["date-parts"][0][0])
    except (KeyError, IndexError, TypeError):
        return str((item.get("issued") or {}).get("literal", ""))


def _link_dependent(
    items: list[dict], info: StyleInfo, union: _UnionFind, renders: dict[str, str] | None
) -> None:
    """Put together the items that must share a part (rules 1-3 of the module's doc);
    without ``renders`` rule 1 is a guess (same first name and year) checked later."""
    first_with: dict[str, int] = {}

    def link(key: str, i: int) -> None:
        j = first_with.setdefault(key, i)
        if j != i:
            union.union(i, j)

    for i, item in enumerate(items):
        name_lists = [item[v] for v in NAME_VARIABLES if isinstance(item.get(v), list) and item[v]]
        if renders is not None:
            if renders[item["id"]].strip():
                link("cite:" + renders[item["id"]], i)
        else:
            title = re.sub(r"\W+", "", str(item.get("title", ""))).casefold()[:60]
            head = (_names_key(name_lists[0][0]) if name_lists else []) or ["title:" + title]
            link(f"guess:{head[0]}:{_year(item)}", i)
        if info.givenname_rule in ("all-names", "all-names-with-initials"):
            for names in name_lists:
                for name in names:
                    for key in _family_keys(name):
                        link("family:" + key, i)
        elif info.givenname_rule in ("primary-name", "primary-name-with-initials"):
            for names in name_lists:
                for key in _family_keys(names[0]):
                    link("family:" + key, i)
        if info.subsequent_author_substitute:
            if not name_lists:
                link("no names", i)
            for names in name_lists:
                for key in _names_key(names[0]):
                    link("first:" + key, i)


def _pack(components: list[list[int]], target: int) -> list[list[int]]:
    """Whole components into parts of about ``target`` items."""
    parts: list[list[int]] = []
    for component in components:
        if parts and len(parts[-1]) + len(component) <= target:
            parts[-1].extend(component)
        else:
            parts.append(list(component))
    return parts


# -- the cache ----------------------------------------------------------------------------


def default_cache_folder() -> Path:
    if os.environ.get("PUBDB_CACHE"):
        return Path(os.environ["PUBDB_CACHE"]) / "csl"
    base = os.environ.get("XDG_CACHE_HOME")
    if not base:
        try:
            base = str(Path.home() / ".cache")
        except RuntimeError:  # no home directory: a cache for this machine's session
            base = tempfile.gettempdir()
    return Path(base) / "pubdb" / "csl"


class PartCache:
    """Formatted entries of one part (or pass 1), in a file named by the digest of
    everything they depend on; a part's entries depend only on the part."""

    def __init__(self, folder: Path | str | None = None):
        self.folder = Path(folder) if folder else default_cache_folder()

    def get(self, key: str) -> Any | None:
        path = self.folder / f"{key}.json"
        try:
            value = json.loads(path.read_text("utf-8"))
            os.utime(path)  # recently used: kept by prune()
            return value
        except (OSError, ValueError):
            return None

    def put(self, key: str, value: Any) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            temporary = self.folder / f"{key}.tmp{os.getpid()}"
            temporary.write_text(json.dumps(value, ensure_ascii=False), "utf-8")
            temporary.replace(self.folder / f"{key}.json")
        except OSError:
            pass  # a cache that cannot be written only costs time

    def prune(self, days: float = CACHE_DAYS) -> None:
        limit = time.time() - days * 86400
        try:
            for path in self.folder.glob("*.json"):
                if path.stat().st_mtime < limit:
                    path.unlink(missing_ok=True)
        except OSError:
            pass


def _digest(*parts: Any) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(json.dumps(part, sort_keys=True, ensure_ascii=False).encode())
        digest.update(b"\0")
    return digest.hexdigest()


# -- the bibliography ---------------------------------------------------------------------


def format_bibliography(
    items: list[dict],
    style_path: str,
    output: Literal["text", "html"] = "text",
    *,
    cache: PartCache | None = None,
    split: bool | None = None,
    workers: int | None = None,
    stats: dict | None = None,
) -> tuple[list[str], list[str]]:
    """(ids, entries) in the style's bibliography order, each entry as pandoc writes
    it (text: its plain writer; html: the inside of its div.csl-entry)."""
    if not items:
        return [], []
    ids = [str(item["id"]) for item in items]
    if len(set(ids)) != len(ids):
        raise ValueError("item ids must be unique")
    # pandoc sees "r" + hex(UTF-8 of the id): the ids' order (pandoc breaks some ties
    # by id), stable across runs (cache keys), and safe in any syntax
    renamed = {old: "r" + old.encode("utf-8").hex() for old in ids}
    back = {new: old for old, new in renamed.items()}
    work = [dict(item, id=renamed[str(item["id"])]) for item in items]
    info = analyze_style(style_path)
    version = find_pandoc()[1]
    if split is None:
        split = (
            info.givenname_rule not in (None, "by-cite")
            and info.has_bibliography
            and not info.uses_citation_number
            and len(work) > SPLIT_MIN
            and version >= (3, 1, 1)
        )
    run = _Run(work, style_path, output, info, cache, workers, stats if stats is not None else {})
    run.stats.update(split=split, pandoc=".".join(map(str, version)), parts=1)
    if cache:
        cache.prune()
    order, entries = run.split() if split else run.whole()
    return [back[i] for i in order], [entries[i] for i in order]


class _Run:
    def __init__(self, work, style_path, output, info, cache, workers, stats):
        self.work, self.style_path, self.output, self.info = work, style_path, output, info
        self.cache, self.stats = cache, stats
        self.workers = max(1, workers or min(2, os.cpu_count() or 1))
        self.style_text = Path(style_path).read_text("utf-8")
        pandoc, version = find_pandoc()
        self.salt = (pandoc, version, self.style_text, output)

    def key(self, *parts: Any) -> str | None:
        return _digest(*self.salt, *parts) if self.cache else None

    def cached(self, key: str | None) -> Any | None:
        return self.cache.get(key) if self.cache and key else None

    def store(self, key: str | None, value: Any) -> None:
        if self.cache and key:
            self.cache.put(key, value)

    def whole(self) -> tuple[list[str], dict[str, str]]:
        key = self.key(self.work)
        entries = self.cached(key)
        if entries is None:
            entries = _format_whole(self.work, self.style_path, self.output)
            self.store(key, entries)
        return list(entries), entries

    def split(self) -> tuple[list[str], dict[str, str]]:
        work, info = self.work, self.info
        union = _UnionFind(len(work))
        order: list[str] = []
        if info.subsequent_author_substitute:  # context entries need the order first
            order, renders = self.round(True, {})["pass1"]
            _link_dependent(work, info, union, renders)
        else:
            _link_dependent(work, info, union, None)  # a guess, checked by pass 1
        parts = _pack(union.groups(), CHUNK_TARGET)
        done = self.round(not order, {f"p{k}": self.part(c, order) for k, c in enumerate(parts)})
        if not order:
            order, renders = done["pass1"]
            done.update(self.merge_wrong_guesses(parts, renders, done))
        entries: dict[str, str] = {}
        for name, found in done.items():
            if name != "pass1":
                for i in parts[int(name[1:])]:
                    entries[work[i]["id"]] = found[work[i]["id"]]
        self.stats.update(parts=len(done) - 1, largest=max(map(len, parts)))
        if len(order) != len(work) or any(i not in entries for i in order):
            raise PandocError("pandoc left out entries of the bibliography")
        return order, entries

    def part(self, members: list[int], order: list[str]) -> list[dict]:
        chosen = set(members)
        if self.info.subsequent_author_substitute:  # context: each item's predecessor
            position = {ident: k for k, ident in enumerate(order)}
            index = {item["id"]: i for i, item in enumerate(self.work)}
            for i in members:
                p = position[self.work[i]["id"]]
                if p > 0:
                    chosen.add(index[order[p - 1]])
        return [self.work[i] for i in sorted(chosen)]  # entry order: pandoc's ties need it

    def merge_wrong_guesses(self, parts, renders, done) -> dict[str, Any]:
        """Parts whose items turned out ambiguous with another part's: formatted again
        as one part."""
        part_of = {i: k for k, members in enumerate(parts) for i in members}
        union = _UnionFind(len(parts))
        first: dict[str, int] = {}
        for i, item in enumerate(self.work):
            text = renders[item["id"]]
            if text.strip():
                union.union(first.setdefault(text, part_of[i]), part_of[i])
        redo = {}
        for group in (g for g in union.groups() if len(g) > 1):
            merged = sorted(i for k in group for i in parts[k])
            for k in group:
                done.pop(f"p{k}")
            parts.append(merged)
            redo[f"p{len(parts) - 1}"] = self.part(merged, [])
        return self.round(False, redo) if redo else {}

    def round(self, pass1: bool, parts: dict[str, list[dict]]) -> dict[str, Any]:
        """Pass 1 (if asked) and the parts on ``workers`` pandoc processes; cached
        results are not formatted again."""
        done: dict[str, Any] = {}
        todo: list[tuple[float, dict]] = []
        if pass1:
            key = self.key("pass1", self.work)
            got = self.cached(key)
            if got:
                done["pass1"] = (got["order"], got["renders"])
            else:
                with tempfile.NamedTemporaryFile(
                    "w", suffix=".csl", delete=False, encoding="utf-8"
                ) as style:
                    style.write(_pass1_style(self.style_path))
                todo.append((PASS1_COST * len(self.work), {
                    "name": "pass1", "kind": "pass1", "csl": style.name, "key": key,
                    "items": json.dumps(self.work, ensure_ascii=False),
                    "ids": [item["id"] for item in self.work],
                }))  # fmt: skip
        for name, items in parts.items():
            key = self.key(items)
            got = self.cached(key)
            if got is not None:
                done[name] = got
                continue
            todo.append((len(items), {
                "name": name, "kind": "format", "csl": os.path.abspath(self.style_path),
                "items": json.dumps(items, ensure_ascii=False), "key": key,
            }))  # fmt: skip
        try:
            results = _run_jobs(_balance(todo, self.workers), self.output) if todo else {}
        finally:
            for _, task in todo:
                if task["kind"] == "pass1":
                    Path(task["csl"]).unlink(missing_ok=True)
        self.stats["formatted_parts"] = self.stats.get("formatted_parts", 0) + sum(
            1 for _, task in todo if task["kind"] == "format"
        )
        for _, task in todo:
            result = results[task["name"]]
            if task["kind"] == "pass1":
                done["pass1"] = (result["order"], result["renders"])
                self.store(task["key"], {"order": result["order"], "renders": result["renders"]})
            else:
                done[task["name"]] = _split_entries(result["text"], self.output)
                self.store(task["key"], done[task["name"]])
        return done
