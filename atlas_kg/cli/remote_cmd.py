"""The remote-store command: ``push`` (copy the store to a SPARQL server).

Every other command works on a server too: give ``--store`` a server URL or a TOML/JSON
config (see ``atlas_kg.remote``).
"""

from __future__ import annotations

import sys
from typing import Any

import click

from ..remote import open_remote, push
from ..store import open_store
from .base import is_terminal, main, store_location


@main.command("push")
@click.option(
    "--to",
    "target",
    required=True,
    metavar="URL|CONFIG",
    help="The server: an Oxigraph or Virtuoso URL, or a .toml/.json file naming its "
    "query, update and store URLs. Credentials from ATLAS_KG_USER / ATLAS_KG_PASSWORD.",
)
@click.option(
    "--batch",
    default=200,
    show_default=True,
    type=click.IntRange(min=1),
    help="Graphs compared and sent per batch.",
)
@click.pass_context
def push_command(ctx: click.Context, target: str, batch: int) -> None:
    """Copy the store (--store) to a SPARQL server, one named graph per record.

    Resumable and idempotent: graphs the server already holds unchanged (same content
    hash) are skipped, and each graph is replaced whole, so re-running after a failure
    finishes the copy without duplicates. Graphs on the server that the store does not
    have are left alone.

    \b
    Example:
        atlas-kg --store build/kg.oxigraph push --to http://127.0.0.1:7878
        ATLAS_KG_USER=dba ATLAS_KG_PASSWORD=... atlas-kg push --to http://host:8890/sparql-auth
    """
    source = open_store(store_location(ctx), read_only=True)
    bar: Any = None

    def show(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = click.progressbar(length=total, label="push", file=sys.stderr)
            bar.__enter__()
        bar.update(done - bar.pos)

    try:
        with open_remote(target) as server:
            report = push(
                source, server, batch_graphs=batch, progress=show if is_terminal() else None
            )
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
        source.close()
    click.echo(report.summary())
