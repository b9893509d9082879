"""README.md is the manual: its set-up commands are the ones CI runs, and every
```console block is run here, in order, on a fresh database, and must print what the
README shows. `python tests/test_readme.py --update` rewrites the blocks from real runs.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
BLOCK = re.compile(r"(```console\n)(.*?)(```)", re.DOTALL)
STAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")


def blocks(text: str) -> list[str]:
    return [match[2] for match in BLOCK.finditer(text)]


def commands(block: str) -> list[tuple[str, str]]:
    """(command, expected output) pairs of one console block."""
    pairs: list[tuple[str, list[str]]] = []
    for line in block.splitlines():
        if line.startswith("$ "):
            pairs.append((line[2:], []))
        elif pairs:
            pairs[-1][1].append(line)
    return [(command, "\n".join(out).rstrip()) for command, out in pairs]


def run_command(command: str, invoke) -> str:
    args = shlex.split(command)
    assert args[0] == "pubdb", f"README examples run pubdb only: {command}"
    result = invoke(*args[1:])
    return (result.stdout + result.stderr).rstrip()


def normalised(text: str) -> str:
    return STAMP.sub("<time>", text)


def setup_commands(text: str) -> list[str]:
    section = text.split("## Set-up", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```\n(.+?)\n```", section)


def ci_commands() -> list[str]:
    lines = (ROOT / ".ci" / "run").read_text().splitlines()
    return [line for line in lines if line.startswith((".venv/", "python3 -m venv"))]


def test_ci_runs_the_readme_setup_and_test_commands():
    assert setup_commands(README.read_text()) == ci_commands()


@pytest.fixture
def workspace(tmp_path, monkeypatch, arxiv):
    import people_feeds

    (tmp_path / "bib").mkdir()
    shutil.copy(ROOT / "bib" / "seeds.bib", tmp_path / "bib" / "seeds.bib")
    # The texts the examples read (a CV, a thread), where they are in the repository.
    shutil.copytree(ROOT / "tests" / "fixtures" / "seeds", tmp_path / "tests/fixtures/seeds")
    shutil.copytree(ROOT / "examples" / "paper", tmp_path / "examples" / "paper")  # a LaTeX paper
    # Zekri's CV [3], arXiv:2410.11711, which papers.xml lacks: the people tests' feed.
    arxiv.entries[people_feeds.ATTIA_EL_HILI_PAPER] = people_feeds.entry("2410.11711")
    (tmp_path / "site" / "content").mkdir(parents=True)  # a Hugo site beside the library
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PUBDB_DB", "db/pubdb.db")  # as the README's reader would name it
    monkeypatch.setenv("COLUMNS", "200")
    return tmp_path


def test_every_readme_example_prints_what_the_readme_shows(workspace, run):
    if os.environ.get("PUBDB_README_UPDATE"):
        update(run)
        return
    for block in blocks(README.read_text()):
        for command, expected in commands(block):
            shown = run_command(command, run)
            assert normalised(shown) == normalised(expected), command


def update(invoke) -> None:
    text = README.read_text()

    def rerun(match: re.Match[str]) -> str:
        lines = []
        for command, _ in commands(match[2]):
            lines.append(f"$ {command}")
            output = run_command(command, invoke)
            if output:
                lines.append(output)
        return match[1] + "\n".join(lines) + "\n" + match[3]

    README.write_text(BLOCK.sub(rerun, text))


if __name__ == "__main__" and "--update" in sys.argv:
    os.environ["PUBDB_README_UPDATE"] = "1"
    sys.exit(pytest.main([__file__, "-q", "-p", "no:cacheprovider", "-k", "every_readme"]))
