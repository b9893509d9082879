"""Every example in every `--help` runs, on the database the README builds (the seeds
imported), with arXiv answered by the stand-in and doi.org by a local server. Examples
that read a file name it; the files are written here (EXAMPLE_FILES), as a user would
have them beside their library."""

from __future__ import annotations

import shlex
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import click
import pytest

import people_feeds
from pubdb.cli import cli

ROOT = Path(__file__).resolve().parents[1]
SEEDS = Path(__file__).parent / "fixtures" / "seeds"

EXAMPLE_FILES = {
    "thread.txt": "New preprint! We fine-tune discrete diffusion models with policy"
    " gradients: arxiv.org/abs/2502.01384 (sampling seen as optimisation, as in"
    " Implicit Diffusion, arxiv.org/abs/2402.05468).\n",
    "old.bib": """@article{venturi2022depth,
  author = {Venturi, Luca and Jelassi, Samy and Ozuch, Tristan and Bruna, Joan},
  title = {Depth separation beyond radial functions},
  journal = {Journal of Machine Learning Research},
  year = {2022},
  volume = {23},
}
""",
    "conference.bib": """@inproceedings{jelassi2024copying,
  author = {Jelassi, Samy and Brandfonbrener, David and Kakade, Sham M. and Malach, Eran},
  title = {Repeat After Me: Transformers are Better than State Space Models at Copying},
  booktitle = {Proceedings of the 41st International Conference on Machine Learning},
  year = {2024},
  eprint = {2402.01032},
  archiveprefix = {arXiv},
}
""",
    "mine.bib": """@misc{zekri2024llm,
  author = {Zekri, Oussama and Odonnat, Ambroise and Benechehab, Abdelhakim and
            Bleistein, Linus and Boull{\\'e}, Nicolas and Redko, Ievgen},
  title = {{LLMs} as {Markov} chains},
  year = {2024},
}
""",
    # A CV's publication list (`add --titles`): Oussama Zekri's, as his CV has it.
    "cv.txt": (SEEDS / "zekri-publications.txt").read_text(encoding="utf-8"),
    # A LaTeX paper citing two of the README's papers, and the .aux pdflatex made of it.
    "paper.tex": r"""\documentclass{article}
\usepackage{natbib}
\begin{document}
\citet{jelassi2024repeat} copy; \citep[see][]{zekri2024markov} do not.
\bibliographystyle{plainnat}
\bibliography{refs}
\end{document}
""",
    "paper.aux": "\\relax \n\\citation{jelassi2024repeat}\n\\citation{zekri2024markov}\n"
    "\\bibstyle{plainnat}\n\\bibdata{refs}\n\\gdef \\@abspage@last{1}\n",
    "talk.bib": """@misc{jelassi2024talk,
  author = {Jelassi Samy},
  title = {Transformers versus state space models at copying},
  howpublished = {Invited talk},
  year = {2024},
}
""",
}

# doi.org's CSL-JSON for the DOI in `pubdb add --help` (facts of the paper; its journal
# reference on arXiv 2206.06921 gives volume, year and pages).
DOI = "10.1512/iumj.2024.73.9928"
DOI_RECORD = {
    "type": "article-journal",
    "DOI": DOI,
    "title": "Attainable forms of Assouad spectra",
    "author": [{"given": "Alex", "family": "Rutar"}],
    "container-title": "Indiana University Mathematics Journal",
    "volume": "73",
    "page": "1331-1356",
    "issued": {"date-parts": [[2024]]},
}


def example_lines(help_text: str) -> list[str]:
    """The command lines under "Example:" in a help text (continuations joined)."""
    lines, taking = [], False
    for raw in (help_text or "").splitlines():
        line = raw.strip()
        if line.rstrip(":") in ("Example", "Examples"):
            taking = True
            continue
        if not taking:
            continue
        if not line.startswith("pubdb") and not (lines and lines[-1].endswith("\\")):
            taking = bool(line)
            continue
        if lines and lines[-1].endswith("\\"):
            lines[-1] = lines[-1][:-1].rstrip() + " " + line
        else:
            lines.append(line)
    return lines


def every_command(group: click.Group, prefix: str = "pubdb") -> list[tuple[str, list[str]]]:
    found = [(prefix, example_lines(group.help))]
    for name, command in sorted(group.commands.items()):
        path = f"{prefix} {name}"
        if isinstance(command, click.Group):
            found += every_command(command, path)
        else:
            found.append((path, example_lines(command.help)))
    return found


COMMANDS = every_command(cli)


def test_every_command_has_a_runnable_example():
    missing = [path for path, lines in COMMANDS if not lines]
    assert missing == []


@pytest.fixture(scope="module")
def readme_database(tmp_path_factory) -> bytes:
    """The database of the README's set-up: `pubdb import bib/seeds.bib`."""
    from pubdb.library import Library

    path = tmp_path_factory.mktemp("readme") / "pubdb.db"
    with Library(path) as library:
        report = library.import_bibtex([ROOT / "bib" / "seeds.bib"])
    assert report.count("failed") == 0
    return path.read_bytes()


@pytest.fixture
def workspace(tmp_path, readme_database, arxiv, httpserver, monkeypatch):
    database = tmp_path / "db" / "pubdb.db"
    database.parent.mkdir(exist_ok=True)
    database.write_bytes(readme_database)
    (tmp_path / "bib").mkdir()
    shutil.copy(ROOT / "bib" / "seeds.bib", tmp_path / "bib" / "seeds.bib")
    for name, text in EXAMPLE_FILES.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    # Zekri's [3], which papers.xml lacks, from the people tests' feed
    arxiv.entries[people_feeds.ATTIA_EL_HILI_PAPER] = people_feeds.entry("2410.11711")
    httpserver.expect_request(f"/{DOI}").respond_with_json(
        DOI_RECORD, content_type="application/vnd.citationstyles.csl+json"
    )
    monkeypatch.setenv("PUBDB_DOI_URL", httpserver.url_for("/").rstrip("/"))
    monkeypatch.setenv("PUBDB_DB", str(database))
    return tmp_path


UNTIL_STOPPED = "# runs until Ctrl-C"
PUBDB = str(Path(sys.executable).parent / "pubdb")


def run_until_stopped(line: str, workspace: Path) -> None:
    """An example that serves or watches: started as a user would, it must say on
    stderr that it is up, then stop on Ctrl-C with exit status 0."""
    args = shlex.split(line, comments=True)
    process = subprocess.Popen([PUBDB, *args[1:]], cwd=workspace, stderr=subprocess.PIPE,
                               stdout=subprocess.DEVNULL, text=True)  # fmt: skip
    try:
        first = process.stderr.readline()
        assert first and process.poll() is None, f"{line}: {first}"
        time.sleep(1)
        assert process.poll() is None, f"{line} stopped by itself"
    finally:
        process.send_signal(signal.SIGINT)
        rest = process.communicate(timeout=30)[1]
    assert process.returncode == 0, f"{line}\n{first}{rest}"


@pytest.mark.parametrize(
    "lines", [lines for _, lines in COMMANDS if lines], ids=[p for p, lines in COMMANDS if lines]
)
def test_help_example_runs_on_the_readme_database(lines, workspace, run):
    for line in lines:
        if line.endswith(UNTIL_STOPPED):
            run_until_stopped(line, workspace)
            continue
        args = shlex.split(line, comments=True)
        target = None
        if ">" in args:
            args, target = args[: args.index(">")], args[args.index(">") + 1]
        result = run(*args[1:])
        assert result.exit_code == 0, f"{line}\n{result.stdout[-2000:]}{result.stderr[-2000:]}"
        if target:
            (workspace / target).write_text(result.stdout, encoding="utf-8")
