"""Imported TeX made harmless: only what acts outside the document is printed as text.

A researcher's BibTeX is their text, so this is a denylist: an unknown macro
(``\\AMSTeX``, ``\\mkbibquote``, ``\\path``) is legitimate and kept. What a field must not
do, once exported into a document, is read or write files, run programs or Lua, put
raw PDF code or actions in the output, or end the job. The list below names those
commands (TeX, e-TeX, pdfTeX, XeTeX, LuaTeX primitives, the LaTeX kernel, common
packages); four rules close the ways around any list:

1. ``^^`` is split (``^^5cinput`` is ``\\input``: TeX decodes it before reading names);
2. every command that builds a control sequence from characters is denied
   (``\\csname``, ``\\UseName``, ``\\scantokens``...), so a command can only be named;
3. every catcode change is denied (``\\catcode``, ``\\makeatletter``, ``\\ExplSyntaxOn``),
   and names are read with ``@`` as a letter too (``\\@@input``);
4. every definition and hook is denied in a field (``\\def``, ``\\let``,
   ``\\newcommand``, ``\\AtBeginDocument``, ``\\everypar``): ``\\let\\x=\\input`` would give
   a dangerous command a harmless name.

``@preamble`` blocks exist to define commands (``\\noopsort``), so there definitions
are allowed when nothing denied stands in them; a part of a preamble that holds
anything else on the list is left out (``preamble_part``).

Text pubdb writes itself (from arXiv or doi.org) is not TeX and goes through the
allowlist encoder ``tex.encode.to_latex`` instead.
"""

from __future__ import annotations

import re
from functools import lru_cache

from .math import math_spans

CATEGORIES = {
    "read": "reads a file",
    "write": "writes a file or the log",
    "run": "runs a program or Lua code",
    "catcode": "changes how TeX reads characters",
    "define": "defines a command or sets code run later",
    "name": "builds a command name from characters",
    "job": "ends or derails the job",
    "pdf": "puts raw PDF code or actions in the output",
}

_DENIED = {
    "read": """
        input include InputIfFileExists IfFileExists includeonly openin read readline
        closein ifeof endinput lstinputlisting verbatiminput VerbatimInput BVerbatimInput
        LVerbatimInput inputminted includegraphics includepdf includesvg includestandalone
        epsfig psfig epsfbox epsffile graphicspath DeclareGraphicsRule import subimport
        inputfrom includefrom subinputfrom subincludefrom subfile externaldocument
        loadglsentries bibliography addbibresource nobibliography usepackage RequirePackage
        RequirePackageWithOptions documentclass LoadClass LoadClassWithOptions pdffiledump
        pdfmdfivesum pdffilesize pdffilemoddate filedump filesize filemoddate mdfivesum
        pdfximage pdfrefximage saveimageresource useimageresource embedfile attachfile
        textattachfile noattachfile font pdfmapfile pdfmapline mapfile mapline DTLloaddb
        DTLloadrawdb csvreader csvautotabular csvautobooktabular pgfplotstableread ReadCSV
        readdef readarray ExplFileInput
        """,
    "write": """
        openout write closeout immediate newwrite addtocontents addcontentsline label
        pdfsavepos ShellEscape shellescape filecontents
        """,
    "run": """
        directlua latelua luaexec luadirect luacode luafunction luafunctioncall luabytecode
        luabytecodecall luadef luaexpr mint mintinline pyc py pys pyb sage sagestr sageplot
        gnuplotloadfile tikzexternalize
        """,
    "catcode": """
        catcode uccode lccode sfcode mathcode delcode endlinechar newlinechar escapechar
        makeatletter makeatother ExplSyntaxOn ExplSyntaxOff ProvidesExplPackage
        ProvidesExplClass ProvidesExplFile catcodetable initcatcodetable savecatcodetable
        dospecials Uchar Ucharcat
        """,
    "define": """
        def edef gdef xdef let futurelet global long outer protected chardef mathchardef
        countdef dimendef skipdef muskipdef toksdef newcommand renewcommand providecommand
        DeclareRobustCommand DeclareTextCommand DeclareTextSymbol DeclareTextAccent
        DeclareTextComposite ProvideTextCommand NewDocumentCommand RenewDocumentCommand
        ProvideDocumentCommand DeclareDocumentCommand NewExpandableDocumentCommand
        NewCommandCopy RenewCommandCopy DeclareCommandCopy newenvironment renewenvironment
        NewDocumentEnvironment RenewDocumentEnvironment ProvideDocumentEnvironment
        DeclareDocumentEnvironment newif csdef csgdef csedef csxdef cslet letcs csletcs
        robustify AtBeginDocument AtEndDocument AtEndOfPackage AtEndOfClass AtBeginDvi
        AtBeginShipout AddToHook AddToHookNext AddToHookWithArguments UseHook
        DeclareHookRule everypar everymath everydisplay everyhbox everyvbox everycr everyjob
        everyeof everybeforepar everytab output afterassignment aftergroup
        XeTeXinterchartoks XeTeXinterchartokenstate errhelp
        """,
    "name": """
        csname endcsname ifcsname begincsname lastnamedcs UseName ExpandArgs use csuse
        scantokens scantextokens tokenized pdfprimitive primitive pdfstrcmp
        """,
    "job": """
        stop dump batchmode nonstopmode scrollmode errorstopmode errmessage shipout
        interactionmode enddocument
        """,
    "pdf": """
        special pdfliteral pdfobj pdfrefobj pdfannot pdfstartlink pdfendlink pdflastlink
        pdfoutline pdfdest pdfthread pdfstartthread pdfinfo pdfcatalog pdfnames pdftrailer
        pdfextension pdffeedback pdfvariable pdfsetmatrix pdfcompresslevel
        pdfobjcompresslevel pdfpagesattr pdfpageattr pdfpageresources XeTeXpdffile
        XeTeXpicfile pdfximagebbox literalspecial
        """,
}
DENIED = {name: category for category, names in _DENIED.items() for name in names.split()}
# Environments that write files or run code, or end the bibliography early.
DENIED_ENVIRONMENTS = {
    "filecontents": "write", "filecontents*": "write", "VerbatimOut": "write",
    "verbatimwrite": "write", "luacode": "run", "luacode*": "run", "minted": "run",
    "asy": "run", "asydef": "run", "gnuplot": "run", "sagesilent": "run", "sageblock": "run",
    "pycode": "run", "pyblock": "run", "pyconsole": "run", "tikzexternal": "run",
    "document": "job", "thebibliography": "job",
}  # fmt: skip
# What a @preamble may do: define commands (the reason it exists).
PREAMBLE_ALLOWED = frozenset(
    """def gdef edef xdef let providecommand newcommand renewcommand DeclareRobustCommand
    newif""".split()
)

# A control sequence read with '@' a letter: the name a .bbl read under \makeatletter
# sees. Its leading ASCII letters are the control word of a document ('@' other).
_TOKEN = re.compile(r"\\([A-Za-z@]+)|\\.", re.DOTALL)
_LETTERS = re.compile(r"[A-Za-z]*")
_ENVIRONMENT = re.compile(r"\\(begin|end)\s*\{([^{}]*)\}")
# hyperref turns these link targets into actions that launch programs or scripts
_LINK_ACTION = re.compile(r"\\(href|url)\s*\{\s*(run|file|javascript|launch)\s*:", re.I)
_CARET_PAIR = re.compile(r"\^(?=\^)")


def _denied_name(name: str) -> str | None:
    """The category of control sequence ``name`` (read with '@' a letter) if denied."""
    word = _LETTERS.match(name)[0]
    if word in DENIED:
        return DENIED[word]
    if "@" in name and name != "@":
        return "catcode"  # a name only while '@' is a letter (\@@input)
    return None


# One search finds every text that may hold a denied command (most hold none).
_SUSPECT = re.compile(
    r"\^\^|\\[A-Za-z]*@|\\(?:begin|end|href|url)\s*\{|\\(?:"
    + "|".join(sorted(DENIED, key=len, reverse=True))
    + r")(?![A-Za-z])"
)


@lru_cache(maxsize=65536)
def denied_commands(tex: str) -> tuple[str, ...]:
    """The denied commands in ``tex``, each once, in order of appearance: ``\\input``,
    ``\\begin{filecontents}``, ``\\href{run:...}``, ``^^``."""
    if ("\\" not in tex and "^^" not in tex) or not _SUSPECT.search(tex):
        return ()
    return scan_denied(tex)


def scan_denied(tex: str) -> tuple[str, ...]:
    """``denied_commands`` without its quick check (which must never miss one)."""
    found: dict[str, None] = {}
    for match in _TOKEN.finditer(tex):
        if match[1] and _denied_name(match[1]):
            word = _LETTERS.match(match[1])[0]
            found["\\" + (word if word in DENIED else match[1])] = None
    for match in _ENVIRONMENT.finditer(tex):
        if match[2].strip() in DENIED_ENVIRONMENTS:
            found[f"\\{match[1]}{{{match[2].strip()}}}"] = None
    for match in _LINK_ACTION.finditer(tex):
        found[f"a {match[2].lower()}: link"] = None
    if "^^" in tex:
        found["^^"] = None
    return tuple(found)


def why_denied(command: str) -> str:
    """What a command returned by ``denied_commands`` would do, in a few words."""
    if command == "^^":
        return CATEGORIES["name"]
    if command.endswith(": link"):
        return CATEGORIES["run"]
    environment = _ENVIRONMENT.match(command)
    if environment:
        return CATEGORIES[DENIED_ENVIRONMENTS[environment[2]]]
    return CATEGORIES[_denied_name(command[1:]) or "catcode"]


def _printed(name: str, in_math: bool) -> str:
    """A command's name as printed text: never a command."""
    return rf"\backslash\mathrm{{{name}}}" if in_math else r"{\textbackslash}" + name


def _defuse_segment(tex: str, in_math: bool) -> str:
    def environment(match: re.Match[str]) -> str:
        if match[2].strip() not in DENIED_ENVIRONMENTS:
            return match[0]
        return _printed(match[1], in_math) + match[0][len(match[1]) + 1 :]

    def token(match: re.Match[str]) -> str:
        if match[1] is None or _denied_name(match[1]) is None:
            return match[0]
        return _printed(match[1], in_math)

    tex = _ENVIRONMENT.sub(environment, tex)
    tex = _LINK_ACTION.sub(lambda m: _printed(m[1], in_math) + m[0][len(m[1]) + 1 :], tex)
    return _TOKEN.sub(token, tex)


@lru_cache(maxsize=65536)
def defuse_source(tex: str) -> str:
    """TeX as a user wrote it (an imported BibTeX field), character for character,
    except each denied command, environment or link action, printed as text
    (``{\\textbackslash}input``; ``\\backslash\\mathrm{input}`` in math), and ``^^`` split.
    Every other command, known or not, is kept."""
    if not denied_commands(tex):
        return tex  # the common case: nothing to change
    tex = _CARET_PAIR.sub("^{}{}", tex)
    out, position = [], 0
    for start, end in [*math_spans(tex), (len(tex), len(tex))]:
        out.append(_defuse_segment(tex[position:start], False))
        out.append(_defuse_segment(tex[start:end], True))
        position = end
    return "".join(out)


def preamble_part(tex: str) -> tuple[str, ...]:
    """The commands that keep one ``#``-joined part of a @preamble out of an export:
    anything denied except definitions (whose bodies are checked like the rest)."""
    return tuple(c for c in denied_commands(tex) if c[1:] not in PREAMBLE_ALLOWED)
