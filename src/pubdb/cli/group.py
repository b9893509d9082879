"""The command group, its one error handler, and the options every command shares."""

from __future__ import annotations

import errno
import os
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
            try:
                return super().invoke(ctx)
            finally:
                sys.stdout.flush()  # a full disk behind stdout fails here, not at exit
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
        except OSError as exc:
            if ctx.meta.get("pubdb.debug"):
                raise
            click.echo(f"pubdb: {_describe_os_error(exc)}", err=True)
            ctx.exit(1)


# Failures of a write; raised without a file name, they come from standard output (files
# pubdb writes are named by files.py, files it reads by their readers).
_WRITE_ERRORS = frozenset({errno.ENOSPC, errno.EFBIG, errno.EDQUOT, errno.EIO, errno.EROFS})


def _describe_os_error(exc: OSError) -> str:
    """'cannot write standard output: No space left on device': the file and the cause.
    When stdout failed, what it still buffers is dropped, so that Python's own flush at
    exit does not fail again with a traceback."""
    cause = exc.strerror or str(exc)
    if exc.filename is not None:
        return f"{exc.filename}: {cause}"
    if exc.errno in _WRITE_ERRORS:
        _drop_stdout()
        return f"cannot write standard output: {cause}"
    return cause


def _drop_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass  # not a real descriptor (tests' captured output)


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
    from click.core import ParameterSource

    from ..library import Library

    ctx = click.get_current_context()
    given = ctx.meta.get("pubdb.db")
    if given and ctx.get_parameter_source("db_path") is not ParameterSource.COMMANDLINE:
        db_path = given
    return Library(db_path)


def retry_notice(message: str) -> None:
    """A retry of a request, said on stderr as it happens (not minutes of silence)."""
    click.echo(f"pubdb: {message}", err=True)


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
