"""What a command did to each paper it touched, and the problems it met: one report
shape and one vocabulary for add, refresh and import (partial failure is a value the CLI
prints, as text or as JSON with the same words)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from ..models import Problem

# What happened to the library for one paper (or entry):
ADDED = "added"  # a new record
UPDATED = "updated"  # a record it matched had values replaced (and maybe filled)
FILLED = "filled"  # a record it matched gained values it lacked; nothing replaced
UNCHANGED = "unchanged"  # a record it matched had nothing new
NOT_FOUND = "not found"  # arXiv or doi.org does not know the identifier
FAILED = "failed"  # an entry that could not be read (file, line and reason given)
ACTIONS = (ADDED, UPDATED, FILLED, UNCHANGED, NOT_FOUND, FAILED)
ADD_ACTIONS = ACTIONS
# Finding papers without their ids adds words of its own (papers/finding.py): a paper
# already present, a possible (close, unequal) match, a paper by someone else skipped,
# a CV entry kept from its line.


@dataclass
class Outcome:
    """One paper: ``identifier`` is what the user gave (an arXiv id, a DOI, an entry's
    key); ``file`` and ``line`` say where an imported entry stands; ``evidence`` why it
    matched a stored record."""

    action: str
    identifier: str
    citekey: str | None = None
    title: str | None = None
    file: str = ""
    line: int = 0
    evidence: str = ""
    filled: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    details: list[str] = field(default_factory=list)

    @property
    def key(self) -> str:
        return self.identifier

    @property
    def changes(self) -> list[str]:
        return self.filled + self.replaced


def action_for(filled: list[str], replaced: list[str]) -> str:
    """The word for a stored record a paper matched."""
    return UPDATED if replaced else FILLED if filled else UNCHANGED


@dataclass
class Report:
    outcomes: list[Outcome] = field(default_factory=list)
    failures: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    requests: int = 0
    dry_run: bool = False
    aborted: bool = False
    actions: tuple[str, ...] = ACTIONS  # the words this report counts, in this order

    def count(self, action: str) -> int:
        if action == FAILED:
            return len(self.failures)
        return sum(1 for outcome in self.outcomes if outcome.action == action)

    def counts(self) -> dict[str, int]:
        return {action: self.count(action) for action in self.actions}

    def extend(self, other: Report) -> None:
        self.outcomes += other.outcomes
        self.failures += other.failures
        self.warnings += other.warnings
        self.requests += other.requests

    @property
    def summary(self) -> str:
        """'23 added, 2 filled, 1 failed': the counts that are not zero."""
        text = ", ".join(f"{n} {action}" for action, n in self.counts().items() if n)
        text = text or "nothing to do"
        if self.aborted:
            text += " (--strict: nothing imported)"
        elif self.dry_run:
            text += " (dry run: nothing written)"
        return text

    @property
    def complete(self) -> bool:
        return self.count(NOT_FOUND) == 0

    def to_dict(self) -> dict[str, Any]:
        """The machine form (`--json`): counts and one outcome per paper or entry, failed
        entries included, with the words of the text report."""
        outcomes = [asdict(outcome) for outcome in self.outcomes]
        outcomes += [
            {"action": FAILED, "file": p.file, "line": p.line, "reason": p.message}
            for p in self.failures
        ]
        return {
            "summary": self.counts(),
            "complete": self.complete,
            "requests": self.requests,
            "dry_run": self.dry_run,
            "aborted": self.aborted,
            "outcomes": outcomes,
            "warnings": [asdict(problem) for problem in self.warnings],
        }
