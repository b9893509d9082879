"""The command group, its one error handler, and the options every command shares."""

from __future__ import annotations

import sys
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

import click

from ..errors import PubdbError, UsageError
from ..version import __version__


class PubdbGroup(click.Group):
    """Turns every PubdbError into one line on stderr and its exit code."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except PubdbError as exc:
            if ctx.meta.get("pubdb.debug"):
                raise
            click.echo(f"pubdb: {exc}", err=True)
            ctx.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("pubdb: interrupted; nothing was saved from the unfinished step", err=True)
            ctx.exit(130)
        except BrokenPipeError:
            sys.stderr.close()
            ctx.exit(1)


@click.group(cls=PubdbGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="pubdb")
@click.option("--debug", is_flag=True, help="Show tracebacks instead of one-line errors.")
@click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Database file for any command (default: $PUBDB_DB or db/pubdb.db).",
)
@click.pass_context
def cli(ctx: click.Context, debug: bool, db_path: Path | None) -> None:
    """pubdb: every publication and preprint in one SQLite database.

    \b
    Example:
      pubdb add 2502.01384 arXiv:2410.02724v2
      pubdb list
      pubdb export --bibtex -o bib/all.bib
    """
    ctx.meta["pubdb.debug"] = debug
    ctx.meta["pubdb.db"] = db_path


def db_option(command: Callable) -> Callable:
    return click.option(
        "--db",
        "db_path",
        type=click.Path(dir_okay=False, path_type=Path),
        envvar="PUBDB_DB",
        default=None,
        help="Database file (default: $PUBDB_DB or db/pubdb.db).",
    )(command)


def json_option(command: Callable) -> Callable:
    return click.option("--json", "as_json", is_flag=True, help="Output JSON.")(command)


def open_library(db_path: Path | None):
    """The database: the command's --db, else the group's --db, else $PUBDB_DB."""
    from ..library import Library

    return Library(database_path(db_path))


def database_path(db_path: Path | None) -> Path:
    """Which database a command means (the command's --db, else the group's --db, else
    $PUBDB_DB or db/pubdb.db), without opening or creating it."""
    from click.core import ParameterSource

    from ..library import default_db_path

    ctx = click.get_current_context()
    given = ctx.meta.get("pubdb.db")
    if given and ctx.get_parameter_source("db_path") is not ParameterSource.COMMANDLINE:
        db_path = given
    return Path(db_path) if db_path else default_db_path()


@contextmanager
def progress_bar(label: str):
    def factory(total: int):
        return _bar(total, label)

    yield factory


@contextmanager
def _bar(total: int, label: str):
    with click.progressbar(length=total, label=label, file=sys.stderr) as bar:
        yield bar.update


def read_source(source: str) -> str:
    if source == "-":
        return sys.stdin.read()
    try:
        return Path(source).read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise UsageError(f"cannot read {source}: {exc.strerror}") from exc
