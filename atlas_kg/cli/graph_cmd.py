"""The graph commands: ``ingest``, ``dump``, ``stats``, ``drop``, ``queries``, ``query``."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from ..errors import QueryError
from ..ingest import drop_records, ingest
from ..iris import check_base
from ..queries import list_checks, list_queries, load_query, run_query
from ..store import DUMP_FORMATS, open_store
from .base import DEFAULT_BASE, format_option, format_rows, is_terminal, main, store_location

base_option = click.option(
    "--base",
    default=DEFAULT_BASE,
    show_default=True,
    metavar="IRI",
    help="Base of the data IRIs (must end with '/' or '#').",
)


@main.command("ingest")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@base_option
@click.option("--strict", is_flag=True, help="Also reject incomplete (truncated) pages.")
@click.pass_context
def ingest_command(ctx: click.Context, paths: tuple[Path, ...], base: str, strict: bool) -> None:
    """Load pages, folders of pages and JSON Lines records into the store.

    Idempotent: ingesting the same input again changes nothing; an updated page of a
    partnership replaces its graph. A rejected input writes nothing, the others load;
    the summary goes to stderr and the exit code is 1 if any input was rejected.
    Folders are searched for pages only: name a *.jsonl file to load records.

    \b
    Example:
        atlas-kg --store build/kg.oxigraph ingest build/demo-pages ../shared/seeds
        atlas-kg ingest build/records.jsonl --strict
    """
    check_base(base)
    store = open_store(store_location(ctx))
    bar: Any = None

    def show(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = click.progressbar(length=total, label="ingest", file=sys.stderr)
            bar.__enter__()
        bar.update(1)

    try:
        report = ingest(
            store, paths, base=base, strict=strict, progress=show if is_terminal() else None
        )
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
        store.close()
    click.echo(report.summary(), err=True)
    if not report.ok:
        names = ", ".join(r.source for r in report.rejected)
        raise click.ClickException(f"{len(report.rejected)} input(s) rejected: {names}")


@main.command("dump")
@click.option(
    "--output",
    "-o",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Output file; '.gz' compresses. Format from the extension unless --format.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(list(DUMP_FORMATS)),
    default=None,
    help="nquads and trig keep the named graphs; turtle and ntriples write their union.",
)
@click.pass_context
def dump_command(ctx: click.Context, output: Path, fmt: str | None) -> None:
    """Write the whole store to a file (N-Quads, TriG, Turtle or N-Triples, optionally .gz).

    \b
    Example:
        atlas-kg dump -o build/atlas.nq.gz
        atlas-kg dump -o build/atlas.ttl --format turtle
    """
    store = open_store(store_location(ctx), read_only=True)
    try:
        store.dump(output, fmt)
        count = store.quad_count()
    finally:
        store.close()
    click.echo(f"wrote {count} quads to {output}", err=True)


@main.command("stats")
@format_option()
@click.pass_context
def stats_command(ctx: click.Context, fmt: str) -> None:
    """Count records, quads, graphs and entities per class in the store.

    \b
    Example:
        atlas-kg stats
        atlas-kg --store build/demo.oxigraph stats --format json
    """
    store = open_store(store_location(ctx), read_only=True)
    try:
        stats = store.stats()
    finally:
        store.close()
    click.echo(format_rows(stats.rows(), ["measure", "count"], fmt))


@main.command("drop")
@click.argument("record_ids", metavar="RECORD_ID...", nargs=-1, required=True)
@base_option
@click.pass_context
def drop_command(ctx: click.Context, record_ids: tuple[str, ...], base: str) -> None:
    """Remove records' graphs: by Atlas id, h-<hash> id or graph IRI.

    Facts other records state about shared entities (collectivities, posts) stay. Give
    several ids at once: the graphs derived from the whole store are recomputed once, at
    the end. An id the store lacks is an error, and then nothing is removed.

    \b
    Example:
        atlas-kg drop 12695
        atlas-kg drop 12695 12696 h-3f2a9c01be77
    """
    store = open_store(store_location(ctx))
    try:
        graphs = drop_records(store, record_ids, base=check_base(base))
    finally:
        store.close()
    for graph in graphs:
        click.echo(f"dropped <{graph}>", err=True)


@main.command("queries")
@format_option()
@click.option("--checks", is_flag=True, help="List the *_violation checks instead.")
def queries_command(fmt: str, checks: bool) -> None:
    """List the named queries: name, parameters, columns and summary.

    \b
    Example:
        atlas-kg queries
        atlas-kg queries --checks --format json
    """
    found = list_checks() if checks else list_queries()
    rows = [
        {
            "name": q.name,
            "params": q.usage(),
            "columns": ", ".join(q.columns),
            "summary": q.summary,
        }
        for q in found
    ]
    columns = ["name", "params", "columns", "summary"]
    if fmt == "json":
        rows = [
            {
                "name": q.name,
                "summary": q.summary,
                "params": [
                    {
                        "name": p.name,
                        "type": p.type,
                        "required": p.required,
                        "description": p.description,
                    }
                    for p in q.params
                ],
                "columns": q.columns,
            }
            for q in found
        ]
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    click.echo(format_rows(rows, columns, fmt))


@main.command("query")
@click.argument("name")
@click.option(
    "--param",
    "-p",
    "params",
    nargs=2,
    multiple=True,
    metavar="NAME VALUE",
    help="A parameter (repeatable); values are bound, never spliced into the query.",
)
@click.option("--limit", type=click.IntRange(min=0), default=None, help="At most N rows.")
@format_option()
@click.pass_context
def query_command(
    ctx: click.Context, name: str, params: tuple[tuple[str, str], ...], limit: int | None, fmt: str
) -> None:
    """Run a named query (see `atlas-kg queries`) and print its rows.

    Label parameters (country, theme, collectivity, post...) match regardless of case
    and accents. Cells with several values are sorted and joined with " ; ".

    \b
    Example:
        atlas-kg query partnerships_by_country --limit 10
        atlas-kg query partnerships -p country Sénégal -p theme "Eau et assainissement"
        atlas-kg query partners_of -p collectivity malakoff --format csv
    """
    values: dict[str, str] = {}
    for key, value in params:
        if key in values:
            raise QueryError(name, f"parameter {key!r} given twice")
        values[key] = value
    query = load_query(name)
    store = open_store(store_location(ctx), read_only=True)
    try:
        result = run_query(store, query, values, limit=limit)
    finally:
        store.close()
    click.echo(format_rows(result.rows, result.columns, fmt))
