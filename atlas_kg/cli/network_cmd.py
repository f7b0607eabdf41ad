"""``atlas-kg metrics`` and ``atlas-kg export``: thin click commands over
``atlas_kg.metrics`` and ``atlas_kg.export``."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from ..errors import StoreError
from ..export import EXPORTERS, export
from ..metrics import (
    BETWEENNESS_K,
    DEFAULT_SEED,
    METRICS,
    PROJECTIONS,
    Filters,
    MetricsParams,
    Network,
    load_network,
    write_metrics,
)
from ..store import open_store
from .base import format_option, format_rows, is_terminal, main, store_location

TOP_COLUMNS = ["rank", "label", "kind", "country", "degree", "weighted_degree", "betweenness",
               "pagerank", "eigenvector", "community", "partnerships", "iri"]  # fmt: skip
SNAPSHOT_COLUMNS = ["year", "nodes", "new_nodes", "edges", "components", "largest_component"]


def network_options(command: Callable) -> Callable:
    """The options shared by ``metrics`` and ``export``: network, filters, seed, sampling."""
    options = [
        click.option("--graph", "graph_name", type=click.Choice(list(PROJECTIONS)), default="bipartite",
                     show_default=True, help="The network: " + "; ".join(
                         f"{p.name}: {p.description}" for p in PROJECTIONS.values())),
        click.option("--country", help="Only partnerships with a partner in this country (name or ISO code)."),
        click.option("--theme", help="Only partnerships with this theme (any level of the taxonomy)."),
        click.option("--status", help="Only partnerships with this status (ongoing, finished, dormant)."),
        click.option("--from-year", type=int, help="Only partnerships started (else first signed) this year or later."),
        click.option("--to-year", type=int, help="Only partnerships started (else first signed) this year or earlier."),
        click.option("--k", "betweenness_k", type=click.IntRange(min=1), default=BETWEENNESS_K, show_default=True,
                     help="Betweenness sources sampled in components of over 1,000 nodes too deep for the "
                          "exact algorithm (long chains; only without rustworkx)."),
        click.option("--seed", type=int, default=DEFAULT_SEED, show_default=True,
                     help="Seed of betweenness sampling and Louvain communities."),
    ]  # fmt: skip
    for option in reversed(options):
        command = option(command)
    return command


def _load(
    ctx: click.Context, opts: dict[str, Any], *, write: bool = False
) -> tuple[Network, str | None]:
    location = store_location(ctx)
    filters = Filters(
        country=opts["country"], theme=opts["theme"], status=opts["status"],
        from_year=opts["from_year"], to_year=opts["to_year"],
    )  # fmt: skip
    params = MetricsParams(seed=opts["seed"], betweenness_k=opts["betweenness_k"])
    # An embedded store folder: read-only unless writing; writing to a missing folder would
    # create an empty store, so say what to do instead.
    embedded = location != ":memory:" and not location.startswith(("http://", "https://"))
    embedded = embedded and not location.endswith((".toml", ".json"))
    if write and embedded and not Path(location).is_dir():
        raise StoreError(
            f"no store at {location}: create it with `atlas-kg --store {location} ingest PATH...`"
        )
    store = open_store(location, read_only=embedded and not write)
    try:
        network = load_network(store, opts["graph_name"], filters, params, progress=_status)
        written = (
            write_metrics(store, network) if write and network.graph.number_of_nodes() else None
        )
    finally:
        store.close()
    return network, written


def _status(step: str) -> None:
    """Each step of a long run on stderr, on a terminal only (quiet in pipes and CI)."""
    if is_terminal():
        click.echo(f"… {step}", err=True)


def _summary_line(network: Network, written: str | None) -> str:
    s = network.summary
    text = (
        f"{network.name}: {s['nodes']:,} nodes, {s['edges']:,} edges from {s['partnerships']:,} "
        f"partnerships; {s['components']:,} components, {s['communities']:,} communities; "
        f"betweenness {network.parameters()['betweenness']}"
    )
    if written:
        text += f"; metrics written to <{written}>"
    return "\n".join([text, *network.notes])


@main.command()
@network_options
@click.option(
    "--top", type=click.IntRange(min=1), default=20, show_default=True, help="Nodes to list."
)
@click.option("--by", type=click.Choice([*METRICS, "partnerships", "funding"]), default="degree",
              show_default=True, help="Metric that ranks the nodes.")  # fmt: skip
@click.option(
    "--snapshots", is_flag=True, help="List the yearly snapshots (how the network grew) instead."
)
@click.option("--write/--no-write", default=True, show_default=True,
              help="Store the metrics as RDF in the named graph graph/metrics/<graph>.")  # fmt: skip
@format_option()
@click.pass_context
def metrics(
    ctx: click.Context, top: int, by: str, snapshots: bool, write: bool, fmt: str, **opts: Any
) -> None:
    """Measure a network of partnerships: hubs, bridges, communities and growth.

    Lists the top nodes by a metric (or the yearly snapshots) and, unless --no-write,
    stores every node's metrics and the parameters used in the store, so SPARQL can sort
    by them. A summary goes to stderr.

    \b
    Example:
        atlas-kg metrics --top 10
        atlas-kg metrics --graph country --from-year 2010 --by pagerank --format json
        atlas-kg metrics --graph french --snapshots --no-write
    """
    network, written = _load(ctx, opts, write=write)
    click.echo(_summary_line(network, written), err=True)
    if fmt == "json":
        report = {
            "parameters": network.parameters(),
            "summary": network.summary,
            "notes": network.notes,
            "metrics_graph": written,
            "top": network.top(top, by),
            "snapshots": network.snapshots,
        }
        click.echo(json.dumps(report, ensure_ascii=False, indent=2))
    elif snapshots:
        click.echo(format_rows(network.snapshots, SNAPSHOT_COLUMNS, fmt))
    else:
        click.echo(format_rows(network.top(top, by), TOP_COLUMNS, fmt))


@main.command("export")
@network_options
@click.option("--format", "fmt", type=click.Choice(sorted(EXPORTERS)), required=True,
              help="; ".join(f"{e.name}: {e.description}" for e in EXPORTERS.values()))  # fmt: skip
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True,
              help="The file to write (a folder or .zip for csv; .html, .svg or .png for map).")  # fmt: skip
@click.pass_context
def export_command(ctx: click.Context, fmt: str, output: Path, **opts: Any) -> None:
    """Export a network with its metrics for Gephi, Cytoscape, D3 or a browser.

    \b
    Example:
        atlas-kg export --graph bipartite --format gexf -o atlas.gexf
        atlas-kg export --format html -o atlas.html --from-year 2015
        atlas-kg export --format map -o countries.png
    """
    network, _ = _load(ctx, opts)
    path = export(network, fmt, output)
    s = network.summary
    click.echo(
        f"wrote {path} ({fmt}: {s['nodes']:,} nodes, {s['edges']:,} edges, {s['partnerships']:,} partnerships)",
        err=True,
    )
    for note in network.notes:
        click.echo(note, err=True)
