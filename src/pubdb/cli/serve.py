"""`pubdb serve`: the library in Datasette, read-only (the optional extra pubdb[web])."""

from __future__ import annotations

import json
from contextlib import suppress
from pathlib import Path

import click

from ..errors import PubdbError
from .group import db_option, open_library

INSTALL_HINT = "pip install 'pubdb[web]'"
# Datasette stops a query after 1 s by default; a search or the people_papers view of
# a 100,000-paper library takes 1-2 s, a page of coauthor_pairs sorted by joint papers
# 1.5 s.
SQL_TIME_LIMIT_MS = 5000


@click.command()
@click.option("--port", type=click.IntRange(0, 65535), default=8001, show_default=True,
              help="Port to serve on (0: any free one).")  # fmt: skip
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; 0.0.0.0 lets other machines in.")  # fmt: skip
@click.option("--metadata", "print_metadata", is_flag=True,
              help="Print Datasette's metadata for the library (JSON) and stop: for"
              " `datasette DB -m metadata.json` or `datasette publish`.")  # fmt: skip
@db_option
def serve(port: int, host: str, print_metadata: bool, db_path: Path | None) -> None:
    """Browse the library in Datasette, read-only: search publications, views of
    papers with their authors, people's papers and co-author pairs, and canned
    queries (co-authors of, shared co-authors of, papers since). Needs the optional
    extra: pip install 'pubdb[web]'.

    \b
    Example:
      pubdb serve --metadata > metadata.json
      pubdb serve --port 8001   # runs until Ctrl-C
    """
    with open_library(db_path) as library:  # migrated to the schema the metadata shows
        metadata = library.datasette_metadata()
        path, read_only = library.path.resolve(), library.read_only
    if print_metadata:
        click.echo(json.dumps(metadata, indent=2, ensure_ascii=False))
        return
    run_datasette(path, metadata, host=host, port=port, immutable=read_only)


def run_datasette(path: Path, metadata: dict, *, host: str, port: int, immutable: bool) -> None:
    """Datasette's own command line on the library. Its connections to a file open it
    with mode=ro (nothing written, changes made meanwhile by pubdb seen); a library
    that cannot be written is opened immutable, as pubdb reads it."""
    import tempfile

    try:
        from datasette.cli import cli as datasette
    except ImportError:
        raise PubdbError(f"pubdb serve needs Datasette: {INSTALL_HINT}") from None
    with tempfile.TemporaryDirectory(prefix="pubdb-serve-") as folder:
        metadata_file = Path(folder) / "metadata.json"
        metadata_file.write_text(json.dumps(metadata), encoding="utf-8")
        files = ["-i", str(path)] if immutable else [str(path)]
        where = "localhost" if host in ("127.0.0.1", "localhost") else host
        shown = "any free port" if port == 0 else f"http://{where}:{port}/{path.stem}"
        click.echo(f"serving {path} read-only at {shown} (Ctrl-C stops)", err=True)
        args = ["serve", *files, "--metadata", str(metadata_file), "--host", host,
                "--port", str(port), "--setting", "sql_time_limit_ms",
                str(SQL_TIME_LIMIT_MS)]  # fmt: skip
        with suppress(KeyboardInterrupt):  # uvicorn stops on Ctrl-C, or lets it through
            datasette.main(args, prog_name="datasette", standalone_mode=False)
    click.echo("stopped", err=True)


COMMANDS = (serve,)
