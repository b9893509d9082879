"""Reading TeX source by position, as its parsers here share it: where a command's
braced arguments and an inline math span end."""

from __future__ import annotations


def after_braced_groups(text: str, start: int) -> int:
    """The index after the braced groups that begin at ``start`` (a command's arguments,
    escaped braces inside them skipped); ``start`` when none begins there."""
    position = start
    while position < len(text) and text[position] == "{":
        depth = 0
        while position < len(text):
            if text[position] == "\\":
                position += 2
                continue
            depth += {"{": 1, "}": -1}.get(text[position], 0)
            position += 1
            if depth == 0:
                break
    return min(position, len(text))


def after_inline_math(text: str, start: int) -> int:
    """The index after the ``$...$`` that opens at ``start`` (escaped dollars skipped;
    the end of the text when it never closes)."""
    end = start + 1
    while end < len(text) and text[end] != "$":
        end += 2 if text[end] == "\\" else 1
    return min(end + 1, len(text))
