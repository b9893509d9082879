"""What a command did to each paper it touched, and the problems it met: one report
shape for add, refresh and import (partial failure is a value the CLI prints)."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..models import Problem

ADD_ACTIONS = ("added", "updated", "unchanged", "not found")
IMPORT_ACTIONS = ("imported", "merged", "skipped", "failed")


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


@dataclass
class Report:
    actions: tuple[str, ...] = ADD_ACTIONS
    outcomes: list[Outcome] = field(default_factory=list)
    failures: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    requests: int = 0
    dry_run: bool = False
    aborted: bool = False

    def count(self, action: str) -> int:
        if action == "failed":
            return len(self.failures)
        return sum(1 for outcome in self.outcomes if outcome.action == action)

    def extend(self, other: Report) -> None:
        self.outcomes += other.outcomes
        self.failures += other.failures
        self.warnings += other.warnings
        self.requests += other.requests

    @property
    def summary(self) -> str:
        text = ", ".join(f"{action} {self.count(action)}" for action in self.actions)
        if self.aborted:
            text += " (--strict: nothing imported)"
        elif self.dry_run and "imported" in self.actions:
            text += " (dry run: nothing written)"
        return text

    @property
    def complete(self) -> bool:
        return self.count("not found") == 0
