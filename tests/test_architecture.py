"""The shape of the code, checked like behaviour: the import contracts of .importlinter
(README, "Architecture") and ruff, on the installed source tree."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "src" / "pubdb"


def tool(name: str) -> str:
    """A console script of the test environment (installed with pubdb[test])."""
    return str(Path(sys.executable).parent / name)


def test_import_contracts_hold():
    """Layers, click only in cli, HTTP only in sources.http, SQL only in store, no
    cycles: `lint-imports` exits 0."""
    result = subprocess.run(
        [tool("lint-imports"), "--no-cache"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout


def test_no_sql_statement_outside_the_store():
    runs_sql = re.compile(r"\.execute(many)?\(|sqlite3\.connect")
    offenders = [
        str(path.relative_to(SOURCE))
        for path in SOURCE.rglob("*.py")
        if "store" not in path.relative_to(SOURCE).parts and runs_sql.search(path.read_text())
    ]
    assert offenders == []


def test_commands_raise_pubdb_errors_not_click_usage_errors():
    """One error format for every command: `pubdb: ...` on one line."""
    offenders = [
        str(path.relative_to(SOURCE))
        for path in SOURCE.rglob("*.py")
        if "click.UsageError" in path.read_text() or "click.BadParameter" in path.read_text()
    ]
    assert offenders == []


def test_ruff_is_clean():
    for args in (["check"], ["format", "--check"]):
        result = subprocess.run(
            [tool("ruff"), *args, "src", "tests", "bench"], cwd=ROOT, capture_output=True, text=True
        )
        assert result.returncode == 0, result.stdout[-3000:]
