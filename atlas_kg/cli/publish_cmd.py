"""``atlas-kg serve`` and ``atlas-kg publish``: the library's ``atlas_kg.publish``."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

import click

from ..iris import DEFAULT_BASE
from .base import is_terminal, main, store_location

_BASE_HELP = "Base IRI the data was ingested with (`ingest --base`)."


def _site_options(func):  # type: ignore[no-untyped-def]
    """Options shared by serve and publish: IRIs, URL, licence."""
    for decorator in reversed(
        [
            click.option("--base", default=DEFAULT_BASE, show_default=True, help=_BASE_HELP),
            click.option(
                "--public-url",
                metavar="URL",
                help="Where the site is reached (scheme, host, path prefix); default: from "
                "each request (serve), the base without its final id/ (publish).",
            ),
            click.option(
                "--licence",
                metavar="IRI",
                help="Licence of the published data [default: Licence Ouverte / Etalab 2.0].",
            ),
            click.option("--licence-label", metavar="TEXT", help="Name of that licence."),
            click.option(
                "--source-licence",
                metavar="IRI",
                help="Licence of the source, the Atlas [default: Licence Ouverte / Etalab 2.0].",
            ),
        ]
    ):
        func = decorator(func)
    return func


def _config(base: str, public_url: str | None, licence: str | None, licence_label: str | None,
            source_licence: str | None, **more: object):  # type: ignore[no-untyped-def]  # fmt: skip
    from ..publish.config import PublishConfig

    options: dict[str, object] = {"base": base, "public_url": public_url, **more}
    if licence:
        options["licence"] = licence
        options["licence_label"] = licence_label or licence
    if source_licence:
        options["source_licence"] = source_licence
        options["source_licence_label"] = source_licence
    return PublishConfig(**options)  # type: ignore[arg-type]


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option(
    "--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="TCP port."
)
@_site_options
@click.option("--timeout", default=10.0, show_default=True, type=click.FloatRange(min=0.01),
              help="Seconds a SPARQL query may run before it is stopped.")  # fmt: skip
@click.option("--max-results", default=10_000, show_default=True, type=click.IntRange(min=1),
              help="Rows or triples a SPARQL query may return.")  # fmt: skip
@click.option("--workers", default=4, show_default=True, type=click.IntRange(1, 64),
              help="SPARQL worker processes.")  # fmt: skip
@click.option("--dumps-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Where dumps are written [default: a temporary folder].")  # fmt: skip
@click.pass_context
def serve(ctx: click.Context, host: str, port: int, base: str, public_url: str | None,
          licence: str | None, licence_label: str | None, source_licence: str | None,
          timeout: float, max_results: int, workers: int, dumps_dir: Path | None) -> None:  # fmt: skip
    """Serve the store as linked data: pages, conneg, SPARQL endpoint, VoID, dumps.

    IRIs <base><rest> dereference at <public-url>id/<rest> (303 to HTML, Turtle, JSON-LD,
    N-Triples or RDF/XML by Accept). /sparql is a read-only SPARQL 1.1 Protocol endpoint
    with a time and a result-size limit; a browser gets the YASGUI editor. The store is
    opened read-only: stop the server before ingesting again.

    \b
    Example:
        atlas-kg --store atlas.oxigraph serve --port 8000
        curl -H 'Accept: text/turtle' -L http://127.0.0.1:8000/id/partnership/12695
    """
    from ..publish.server import serve as run

    config = _config(base, public_url, licence, licence_label, source_licence, timeout=timeout,
                     max_results=max_results, workers=workers, dumps_dir=dumps_dir)  # fmt: skip
    run(store_location(ctx), config, host=host, port=port,
        announce=lambda line: click.echo(line, err=True))  # fmt: skip


@main.command()
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@_site_options
@click.option("--no-network", is_flag=True, help="Leave out the network view (faster).")
@click.pass_context
def publish(ctx: click.Context, folder: Path, base: str, public_url: str | None,
            licence: str | None, licence_label: str | None, source_licence: str | None,
            no_network: bool) -> None:  # fmt: skip
    """Write the site as static files, with conneg rules for nginx and Apache.

    One HTML page, Turtle and JSON-LD file per entity, indexes, VoID, dumps and the network
    view; FOLDER/nginx.conf and FOLDER/.htaccess answer /id/<rest> with 303 to the right
    document, so any web server can host it without Python.

    \b
    Example:
        atlas-kg --store atlas.oxigraph publish site/ --public-url https://atlas.example.org/
    """
    from ..publish.static import publish_site
    from ..store import open_store

    config = _config(base, public_url, licence, licence_label, source_licence)
    store = open_store(store_location(ctx), read_only=True)
    bar = (
        click.progressbar(length=1, label="publishing", file=sys.stderr) if is_terminal() else None
    )

    def step(done: int, total: int) -> None:
        if bar is not None:
            bar.length = total
            bar.update(done - bar.pos)

    try:
        with bar if bar is not None else contextlib.nullcontext():
            report = publish_site(store, folder, config, network=not no_network, progress=step)
    finally:
        store.close()
    click.echo(report.summary())
