"""The command group, its one error handler, and the options every command shares."""

from __future__ import annotations

import errno
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ..errors import PubdbError, UsageError
from ..version import __version__

if TYPE_CHECKING:
    from ..library import Library


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


DB_HELP = (
    "Library file (default: $PUBDB_DB, else db/pubdb.db of the project folder around"
    " the current one, else the per-user library; `pubdb info` shows which)."
)


def _print_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    """The version, and the library commands would use (with a --db given before)."""
    if not value or ctx.resilient_parsing:
        return
    from ..store.location import locate

    click.echo(f"pubdb, version {__version__}")
    click.echo(f"library: {locate(ctx.params.get('db_path')).path}")
    ctx.exit()


@click.group(cls=PubdbGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--version", is_flag=True, expose_value=False, is_eager=True,
              callback=_print_version, help="Show the version and the library in use.")  # fmt: skip
@click.option("--debug", is_flag=True, help="Show tracebacks instead of one-line errors.")
@click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    is_eager=True,  # before --version, which names the library
    help=DB_HELP,
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
        default=None,
        help=DB_HELP,
    )(command)


def json_option(command: Callable) -> Callable:
    return click.option("--json", "as_json", is_flag=True, help="Output JSON.")(command)


def given_library(db_path: Path | None) -> Path | None:
    """The library named on the command line: the command's --db, else the group's."""
    return db_path or click.get_current_context().meta.get("pubdb.db")


@contextmanager
def open_library(
    db_path: Path | None, *, creates: bool = False, writes: bool = False, dry_run: bool = False
) -> Iterator[Library]:
    """The library (see store/location.py), closed at the end. Only a command that
    ``creates`` (add, import) makes one that does not exist yet, and says so when
    done; one made for a command that failed, or for a dry run, is removed again. A
    command that ``writes`` (or creates) is refused at once on a read-only library."""
    from ..library import Library

    library = Library(given_library(db_path), create=creates)
    failed = False
    try:
        if writes or creates:
            library.refuse_if_read_only()
        yield library
    except BaseException:
        failed = True
        raise
    finally:
        removed = library.close(discard_if_empty=library.created and (failed or dry_run))
        if library.created and not removed:
            click.echo(f"pubdb: created a new library at {library.path}", err=True)


def retry_notice(message: str) -> None:
    """A retry of a request, said on stderr as it happens (not minutes of silence)."""
    click.echo(f"pubdb: {message}", err=True)


@contextmanager
def progress_bar(label: str, stream=None):
    """A factory the library calls as ``progress(total)`` for work worth a bar: a bar on
    ``stream`` (stderr) when it is a terminal, else nothing (click would still print
    the label into a pipe or a log)."""
    stream = stream or sys.stderr

    def factory(total: int):
        return _bar(total, label, stream) if stream.isatty() else _no_bar()

    yield factory


@contextmanager
def _bar(total: int, label: str, stream):
    with click.progressbar(length=total, label=label, file=stream) as bar:
        yield bar.update


@contextmanager
def _no_bar():
    yield lambda done: None


def read_source(source: str) -> str:
    if source == "-":
        return sys.stdin.read()
    try:
        return Path(source).read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise UsageError(f"cannot read {source}: {exc.strerror}") from exc
