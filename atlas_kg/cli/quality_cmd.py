"""The quality command: ``validate`` (SHACL conformance and the anomaly checks)."""

from __future__ import annotations

from pathlib import Path

import click

from ..errors import QueryError
from ..iris import check_base
from ..quality import COLUMNS, QualityError, load, validate
from ..store import open_store
from .base import DEFAULT_BASE, format_option, format_rows, main, store_location


@main.command("validate")
@format_option()
@click.option(
    "--rdf",
    "rdf_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    metavar="FILE",
    help="Also write the report as a SHACL validation report (.ttl, .nt, .trig or .nq).",
)
@click.option(
    "--load",
    "load_report",
    is_flag=True,
    help="Also load the report into the store (graph/quality).",
)
@click.option(
    "--no-shacl", is_flag=True, help="Run the checks only (SHACL takes minutes on a full Atlas)."
)
@click.option(
    "--all", "show_all", is_flag=True, help="Table: list every finding (default: 20 per check)."
)
@click.option(
    "--base", default=DEFAULT_BASE, show_default=True, metavar="IRI", help="Base of the data IRIs."
)
@click.pass_context
def validate_command(
    ctx: click.Context,
    fmt: str,
    rdf_path: Path | None,
    load_report: bool,
    no_shacl: bool,
    show_all: bool,
    base: str,
) -> None:
    """Check the store: SHACL conformance and the anomaly checks, with what to do about each.

    The checks are queries/checks/*.rq: *_violation (errors), *_warning (the source's
    anomalies: French collectivities listed as foreign partners, partners in a country no
    post covers, likely duplicates, funding outside the partnership's years, truncated
    pages, unresolved names) and *_info (resolution decisions to review). Exit 0 when
    there is no error, 1 when there is one, 2 when the report could not be made.

    \b
    Example:
        atlas-kg validate
        atlas-kg validate --format csv > quality.csv
        atlas-kg validate --rdf build/quality.ttl --load
    """
    check_base(base)
    store = open_store(store_location(ctx), read_only=not load_report)
    try:
        report = validate(store, shacl=not no_shacl, base=base)
        if rdf_path is not None:
            report.write_rdf(rdf_path, base=base)
        if load_report:
            load(store, report, base=base)
    except QueryError as exc:  # a broken check: the report cannot be made (exit 2)
        raise QualityError(str(exc)) from None
    finally:
        store.close()
    if fmt == "table":
        click.echo(report.text(base=base, limit=None if show_all else 20))
    else:
        click.echo(format_rows(report.rows(base=base), COLUMNS, fmt))
        click.echo(report.summary(), err=True)
    if rdf_path is not None:
        click.echo(f"wrote the SHACL report to {rdf_path}", err=True)
    if load_report:
        click.echo("loaded the report into the store's graph/quality", err=True)
    if not report.ok:
        ctx.exit(1)
