"""The linked-data site as a Starlette ASGI app over a ``Store``.

Routes (under the site's prefix):

=========================  =============================================================
``/``                      home: dataset description, search, lists, named queries
``/id/<rest>``             the IRI ``<base><rest>``: 303 See Other to its document by
                           ``Accept`` (``Vary: Accept``); ``/id/<rest>.ttl`` goes to that form
``/doc/<rest>[.<ext>]``    the document: ``.html`` ``.ttl`` ``.jsonld`` ``.nt`` ``.rdf``, or
                           negotiated; unknown IRIs get a 404 HTML page
``/resource?iri=``         the page of an IRI outside the base (themes, ontology terms)
``/search?q=``             label search (case and accents ignored)
``/sparql``                SPARQL 1.1 Protocol (``sparql.py``); YASGUI for browsers
``/queries[/NAME]``        named queries: documentation, and ``?param=value`` → JSON/CSV
``/void``                  VoID + DCAT + SD (also ``/.well-known/void``)
``/dumps/``                N-Quads (gzip) and Turtle dumps, with ETag and Last-Modified
``/network``               the network view (``atlas_kg.export``, exporter ``html``)
=========================  =============================================================

Reads get CORS headers. Every HTML page is built by ``pages.py`` (escaped by
construction) and sent with a Content-Security-Policy that forbids scripts.
"""

from __future__ import annotations

import contextlib
import csv
import io
import logging
import threading
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from pyoxigraph import NamedNode, Triple
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from ..errors import AtlasError, QueryError
from ..queries import NamedQuery, list_queries, load_query, run_query
from ..store import EmbeddedStore, Store
from . import pages
from .config import PublishConfig
from .conneg import (
    DOC_FORMATS,
    HTML,
    RDF_FORMATS,
    by_extension,
    by_media_type,
    doc_offers,
    negotiate,
)
from .entities import SiteData, serialize_rdf
from .links import Links
from .sparql import (
    ProtocolError,
    QueryService,
    QueryTimeout,
    check_query,
    parse_operation,
    service_description,
)
from .void import DUMPS, Counts, DumpCache, dataset_counts, dataset_description

__all__ = ["STATIC_DIR", "Site", "create_app"]

log = logging.getLogger("atlas_kg.publish")

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
PAGE_CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'self'"
)
EDITOR_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; base-uri 'none'"
)
RESERVED_QUERY_PARAMS = {"format", "limit"}
HTML_QUERY_ROWS = 1000
"""Rows shown when a named query's results are rendered as a table."""


class Site:
    """Everything a request needs: store, config, links, cached data, query service."""

    def __init__(
        self, store: Store, config: PublishConfig, *, queries_dir: Path | None = None
    ) -> None:
        self.store = store
        self.config = config
        self.links = Links(config.base, config.prefix)
        self.queries_dir = queries_dir
        self.data: SiteData | None = None
        self.queries: list[NamedQuery] = []
        self.service: QueryService | None = None
        self.dumps = DumpCache(store, config.dumps_dir)
        self._counts: Counts | None = None
        self._network: bytes | None = None
        self._counts_lock = threading.Lock()
        self._network_lock = threading.Lock()

    def start(self) -> None:
        """Read the site's data and start the SPARQL workers (blocking); the dataset's
        counts (for VoID) are computed in the background meanwhile."""
        threading.Thread(target=self.counts, name="void-counts", daemon=True).start()
        self.data = SiteData.load(self.store, self.links)
        self.queries = list_queries(self.queries_dir)
        path = Path(self.store.location) if isinstance(self.store, EmbeddedStore) else None
        if path is not None and path.is_dir():
            self.service = QueryService(
                str(path),
                workers=self.config.workers,
                timeout=self.config.timeout,
                max_results=self.config.max_results,
            )
            self.service.start()

    def stop(self) -> None:
        if self.service is not None:
            self.service.close()
        self.dumps.close()

    def site_url(self, request: Request) -> str:
        """The site's absolute URL, ending with ``/``."""
        if self.config.public_url:
            return self.config.public_url
        return str(request.base_url).rstrip("/") + self.config.prefix

    def counts(self) -> Counts:
        with self._counts_lock:
            if self._counts is None:
                self._counts = dataset_counts(self.store)
            return self._counts

    def network_page(self) -> bytes:
        """The network view of the data (built once; ``atlas_kg.export``'s ``html``)."""
        with self._network_lock:
            if self._network is None:
                from ..export import html_page
                from ..metrics import load_network

                self._network = html_page(load_network(self.store), mode="network").encode()
            return self._network


# -- helpers ---------------------------------------------------------------------------


def _site(request: Request) -> Site:
    return request.app.state.site


def html_response(markup: str, status: int = 200, *, csp: str = PAGE_CSP,
                  headers: dict[str, str] | None = None) -> Response:  # fmt: skip
    h = {"Content-Security-Policy": csp, "X-Content-Type-Options": "nosniff"}
    h.update(headers or {})
    return Response(str(markup), status, media_type="text/html; charset=utf-8", headers=h)


def text_response(message: str, status: int, headers: dict[str, str] | None = None) -> Response:
    return Response(message + "\n", status, media_type="text/plain; charset=utf-8", headers=headers)


def not_found(request: Request, what: str) -> Response:
    site = _site(request)
    return html_response(pages.error_page(site.links, 404, "Not found", what), 404)


def _split_extension(rest: str) -> tuple[str, str | None]:
    """``partnership/1.ttl`` → (``partnership/1``, ``ttl``); no known extension → None."""
    stem, dot, ext = rest.rpartition(".")
    if dot and "/" not in ext and by_extension(ext) is not None:
        return stem, ext
    return rest, None


def _absolute(site: Site, request: Request, path: str) -> str:
    """An absolute URL for a path built by ``Links`` (which starts with the prefix)."""
    base = site.site_url(request)
    return base + path[len(site.config.prefix) :]


# -- entity documents ------------------------------------------------------------------


async def resolve_iri(request: Request) -> Response:
    """``/id/<rest>``: 303 to the document in the negotiated (or named) format."""
    site = _site(request)
    assert site.data is not None
    rest, ext = _split_extension(request.path_params["rest"])
    iri = site.links.iri(rest)
    if not await run_in_threadpool(site.data.exists, iri):
        return not_found(request, f"The IRI <{iri}> is not in this dataset.")
    if ext is not None:
        fmt = by_extension(ext)
    else:
        media = negotiate(request.headers.get("accept"), doc_offers())
        if media is None:
            return _not_acceptable()
        fmt = by_media_type(media)
    assert fmt is not None
    location = _absolute(site, request, site.links.doc(iri, fmt.extension))
    return RedirectResponse(location, 303, headers={"Vary": "Accept"})


def _not_acceptable() -> Response:
    offered = ", ".join(f.media_type for f in DOC_FORMATS.values())
    return text_response(f"406 Not Acceptable: this document is available as {offered}", 406,
                         {"Vary": "Accept"})  # fmt: skip


async def document(request: Request) -> Response:
    """``/doc/<rest>[.<ext>]``: the document of an entity, in one format."""
    site = _site(request)
    data = site.data
    assert data is not None
    rest, ext = _split_extension(request.path_params["rest"])
    iri = site.links.iri(rest)
    owner, _ = site.links.document_of(iri)
    if owner != iri:  # a row of a partnership: its document is the partnership's
        target = site.links.doc(iri, ext or "html")
        return RedirectResponse(_absolute(site, request, target), 301)
    if not await run_in_threadpool(data.exists, iri):
        return not_found(request, f"The IRI <{iri}> is not in this dataset.")
    headers = {"Vary": "Accept"} if ext is None else {}
    if ext is None:
        media = negotiate(request.headers.get("accept"), doc_offers())
        if media is None:
            return _not_acceptable()
        fmt = by_media_type(media)
        assert fmt is not None
        headers["Content-Location"] = site.links.doc(iri, fmt.extension).split("#")[0]
    else:
        fmt = by_extension(ext)
        assert fmt is not None
    if fmt is HTML:
        view = await run_in_threadpool(data.describe, iri)
        return html_response(pages.entity_page(view, data, site.links), headers=headers)
    triples = await run_in_threadpool(data.entity_triples, iri)
    doc_url = _absolute(site, request, site.links.doc(iri, fmt.extension))
    triples += _document_triples(doc_url, iri, site, request)
    body = serialize_rdf(triples, fmt.name)
    return Response(body, media_type=fmt.content_type, headers=headers)


def _document_triples(doc_url: str, iri: str, site: Site, request: Request) -> list[Triple]:
    doc = NamedNode(doc_url)
    return [
        Triple(doc, NamedNode("http://xmlns.com/foaf/0.1/primaryTopic"), NamedNode(iri)),
        Triple(doc, NamedNode("http://purl.org/dc/terms/license"), NamedNode(site.config.licence)),
        Triple(doc, NamedNode("http://rdfs.org/ns/void#inDataset"),
               NamedNode(site.site_url(request) + "void#dataset")),
    ]  # fmt: skip


async def resource(request: Request) -> Response:
    """``/resource?iri=``: the page of an IRI outside the base that the store describes."""
    site = _site(request)
    data = site.data
    assert data is not None
    iri = request.query_params.get("iri", "")
    try:
        NamedNode(iri)
    except ValueError:
        return not_found(request, "Give an IRI: /resource?iri=<IRI>.")
    if site.links.is_local(iri):
        return RedirectResponse(_absolute(site, request, site.links.doc(iri)), 303)
    if not await run_in_threadpool(data.exists, iri):
        return not_found(request, f"The IRI <{iri}> is not in this dataset.")
    view = await run_in_threadpool(data.describe, iri)
    page = pages.entity_page(view, data, site.links)
    return html_response(page)


# -- home, search ----------------------------------------------------------------------


async def home(request: Request) -> Response:
    site = _site(request)
    assert site.data is not None
    return html_response(pages.home_page(site.data, site.links, site.config, site.queries))


async def search(request: Request) -> Response:
    site = _site(request)
    assert site.data is not None
    text = request.query_params.get("q", "").strip()[:200]
    results = await run_in_threadpool(site.data.search, text) if text else []
    if (
        negotiate(request.headers.get("accept"), ["text/html", "application/json"])
        == "application/json"
    ):
        return JSONResponse([{"iri": i, "label": label, "types": t} for i, label, t in results])
    return html_response(pages.search_page(site.links, site.data, text, results))


# -- SPARQL ----------------------------------------------------------------------------

_SD_OFFERS = [f.media_type for f in RDF_FORMATS.values()] + ["text/html"]
_RESULT_OFFERS = [
    "application/sparql-results+json",
    "application/sparql-results+xml",
    "text/csv",
    "text/tab-separated-values",
    "application/json",
    "application/xml",
    "text/turtle",
    "application/n-triples",
    "application/rdf+xml",
    "application/ld+json",
    "text/html",
]


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, or ``ProtocolError`` 413 when it is larger than ``limit`` bytes.

    An oversized body is still read (and dropped, up to 64 times the limit) so that the
    client, which sends it all before reading, gets the 413 instead of a broken pipe.
    """
    declared = request.headers.get("content-length")
    if declared is not None:
        try:
            declared_size = int(declared)
        except ValueError:
            raise ProtocolError(400, "Content-Length is not a number") from None
    else:
        declared_size = 0
    chunks: list[bytes] = []
    size = 0
    too_big = declared_size > limit
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            too_big = True
            chunks.clear()
            if size > 64 * limit:
                break
        elif not too_big:
            chunks.append(chunk)
    if too_big:
        raise ProtocolError(
            413,
            f"the request is {max(size, declared_size)} bytes; this endpoint takes at most "
            f"{limit} bytes (a query that long is not a query: bind values with $name "
            "parameters, or download the dumps)",
        )
    return b"".join(chunks)


async def sparql(request: Request) -> Response:
    """The SPARQL 1.1 Protocol endpoint (query only)."""
    site = _site(request)
    accept = request.headers.get("accept")
    try:
        body = await read_body(request, site.config.max_request_bytes)
        operation = parse_operation(
            request.method,
            request.query_params.multi_items(),
            request.headers.get("content-type"),
            body,
        )
    except ProtocolError as exc:
        return text_response(f"{exc.status} {exc}", exc.status)
    endpoint = _absolute(site, request, site.links.url("sparql"))
    if operation is None:
        media = negotiate(accept, _SD_OFFERS) or "text/turtle"
        if media == "text/html":
            return _editor(site, endpoint)
        fmt = by_media_type(media) or RDF_FORMATS["turtle"]
        void_iri = site.site_url(request) + "void"
        body = serialize_rdf(service_description(endpoint, void_iri=void_iri), fmt.name)
        return Response(body, media_type=fmt.content_type, headers={"Vary": "Accept"})
    if request.method == "GET" and negotiate(accept, _RESULT_OFFERS) == "text/html":
        return _editor(site, endpoint, operation.query)
    try:
        check_query(operation.query)
    except ProtocolError as exc:
        return text_response(f"{exc.status} {exc}", exc.status)
    if site.service is None:
        return text_response(
            "503 the SPARQL endpoint needs the store on disk (atlas-kg --store PATH serve)", 503
        )
    try:
        reply = await site.service.run(operation.job(accept, site.config.max_results, endpoint))
    except QueryTimeout as exc:
        return text_response(f"503 {exc}", 503)
    except ProtocolError as exc:
        return text_response(f"{exc.status} {exc}", exc.status)
    if reply.status != 200:
        return Response(f"{reply.status} ".encode() + reply.body + b"\n", reply.status,
                        media_type=reply.content_type)  # fmt: skip
    return Response(reply.body, media_type=reply.content_type, headers={"Vary": "Accept"})


def _editor(site: Site, endpoint: str, query: str | None = None) -> Response:
    page = pages.sparql_editor_page(site.links, endpoint, site.queries, query)
    return html_response(page, csp=EDITOR_CSP, headers={"Vary": "Accept"})


# -- named queries ---------------------------------------------------------------------


def _query_description(site: Site, request: Request, q: NamedQuery) -> dict[str, Any]:
    return {
        "name": q.name,
        "summary": q.summary,
        "params": [
            {"name": p.name, "type": p.type, "required": p.required, "description": p.description}
            for p in q.params
        ],
        "columns": q.columns,
        "url": _absolute(site, request, site.links.url(f"queries/{q.name}")),
    }


async def queries_index(request: Request) -> Response:
    site = _site(request)
    if (
        negotiate(request.headers.get("accept"), ["text/html", "application/json"])
        == "application/json"
    ):
        return JSONResponse([_query_description(site, request, q) for q in site.queries])
    return html_response(pages.queries_page(site.links, site.queries))


async def named_query(request: Request) -> Response:
    """``/queries/NAME[.json|.csv]?param=value``: documentation, or rows as JSON/CSV."""
    site = _site(request)
    name, _, ext = request.path_params["name"].partition(".")
    try:
        query = load_query(name, site.queries_dir)
    except QueryError as exc:
        return not_found(request, str(exc))
    if name.startswith("checks/"):
        return not_found(request, f"{name} is a check, not a named query")
    items = request.query_params.multi_items()
    fmt = ext or request.query_params.get("format")
    if fmt is None:
        media = negotiate(
            request.headers.get("accept"), ["application/json", "text/csv", "text/html"]
        )
        fmt = {"text/csv": "csv", "text/html": "html"}.get(media or "", "json")
    if fmt not in ("json", "csv", "html"):
        return text_response(f"400 format {fmt!r} is not allowed; expected json, csv or html", 400)
    params: dict[str, str] = {}
    for key, value in items:
        if key in RESERVED_QUERY_PARAMS:
            continue
        if key in params:
            return text_response(f"400 parameter {key!r} is given twice", 400)
        params[key] = value
    if fmt == "html" and "format" not in request.query_params:
        return html_response(pages.query_page(site.links, query, values=params))
    try:
        limit = _limit(
            request.query_params.get("limit"), default=HTML_QUERY_ROWS if fmt == "html" else None
        )
        params = {k: v for k, v in params.items() if v.strip() or query.param(k) is None}
        result = await run_in_threadpool(run_query, site.store, query, params, limit=limit)
    except AtlasError as exc:
        if fmt == "html":
            page = pages.query_page(site.links, query, values=params, error=str(exc))
            return html_response(page, 400)
        if fmt == "csv":
            return text_response(f"400 {exc}", 400)
        return JSONResponse({"error": str(exc)}, 400)
    if fmt == "html":
        return html_response(pages.query_page(site.links, query, values=params, result=result))
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\r\n")
        writer.writerow(result.columns)
        writer.writerows([_csv_cell(r.get(c)) for c in result.columns] for r in result.rows)
        return Response(buf.getvalue(), media_type="text/csv; charset=utf-8")
    return JSONResponse(
        {"query": query.name, "params": params, "columns": result.columns, "rows": result.rows}
    )


def _limit(text: str | None, *, default: int | None) -> int | None:
    if text is None or text == "":
        return default
    try:
        value = int(text)
    except ValueError:
        raise QueryError("limit", f"{text!r} is not a number of rows") from None
    if value < 0:
        raise QueryError("limit", f"{value} is negative")
    return value


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# -- VoID, dumps, network --------------------------------------------------------------


async def void(request: Request) -> Response:
    """The dataset description: Turtle by default, any RDF form, or an HTML view."""
    site = _site(request)
    assert site.data is not None
    counts = await run_in_threadpool(site.counts)
    triples = await run_in_threadpool(
        dataset_description, site.data, site.config, site.site_url(request), counts=counts
    )
    media = negotiate(
        request.headers.get("accept"), [*(f.media_type for f in RDF_FORMATS.values()), "text/html"]
    )
    if media == "text/html":
        turtle = serialize_rdf(triples, "turtle").decode()
        body = pages.html(
            "<h1>Dataset description</h1><p>VoID, DCAT and SPARQL Service Description of this "
            'dataset; also as <a href="{}">Turtle</a> (<code>Accept: text/turtle</code>).</p><pre>{}</pre>',
            site.links.url("void.ttl"),
            turtle,
        )
        return html_response(pages.layout(site.links, "Dataset description", body),
                             headers={"Vary": "Accept"})  # fmt: skip
    fmt = by_media_type(media or "text/turtle") or RDF_FORMATS["turtle"]
    return Response(
        serialize_rdf(triples, fmt.name), media_type=fmt.content_type, headers={"Vary": "Accept"}
    )


async def void_file(request: Request) -> Response:
    """``/void.ttl`` (and ``.jsonld``, ``.nt``, ``.rdf``): the description in one form."""
    site = _site(request)
    assert site.data is not None
    fmt = by_extension(request.path_params["ext"])
    if fmt is None or fmt is HTML:
        return not_found(request, "Unknown format of the dataset description.")
    counts = await run_in_threadpool(site.counts)
    triples = await run_in_threadpool(
        dataset_description, site.data, site.config, site.site_url(request), counts=counts
    )
    return Response(serialize_rdf(triples, fmt.name), media_type=fmt.content_type)


async def dumps_index(request: Request) -> Response:
    site = _site(request)
    assert site.data is not None
    items = pages.join(
        pages.html(
            '<li><a href="{}">{}</a>: {}</li>',
            site.links.url("dumps/" + d.name),
            d.name,
            d.description,
        )
        for d in DUMPS
    )
    body = pages.html(
        "<h1>Dumps</h1><p>The whole dataset, version <code>{}</code>. Each file has an ETag and "
        "a Last-Modified date (conditional requests get 304).</p><ul>{}</ul>",
        site.data.version,
        items,
    )
    return html_response(pages.layout(site.links, "Dumps", body))


async def dump_file(request: Request) -> Response:
    site = _site(request)
    data = site.data
    assert data is not None
    dump = next((d for d in DUMPS if d.name == request.path_params["name"]), None)
    if dump is None:
        return not_found(request, "No such dump; see /dumps/.")
    etag = site.dumps.etag(dump, data.version)
    modified = _modified(data.modified)
    headers = {"ETag": etag, "Cache-Control": "public, max-age=3600"}
    if modified is not None:
        headers["Last-Modified"] = format_datetime(modified, usegmt=True)
    if _not_modified(request, etag, modified):
        return Response(status_code=304, headers=headers)
    path = await run_in_threadpool(site.dumps.path, dump, data.version)
    if modified is None:
        stamp = datetime.fromtimestamp(path.stat().st_mtime, UTC)
        headers["Last-Modified"] = format_datetime(stamp, usegmt=True)
    media = dump.media_type if not dump.name.endswith(".gz") else "application/gzip"
    return FileResponse(path, media_type=media, headers=headers, filename=dump.name)


def _modified(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        stamp = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=UTC)
    return stamp.replace(microsecond=0)


def _not_modified(request: Request, etag: str, modified: datetime | None) -> bool:
    """RFC 9110 §13.1: If-None-Match wins; else If-Modified-Since."""
    inm = request.headers.get("if-none-match")
    if inm is not None:
        tags = [t.strip().removeprefix("W/") for t in inm.split(",")]
        return "*" in tags or etag in tags
    ims = request.headers.get("if-modified-since")
    if ims and modified is not None:
        try:
            since = parsedate_to_datetime(ims)
        except (TypeError, ValueError):
            return False
        return modified <= since
    return False


async def network(request: Request) -> Response:
    site = _site(request)
    try:
        body = await run_in_threadpool(site.network_page)
    except ImportError:
        return not_found(request, "The network view is not available in this installation.")
    except AtlasError as exc:
        return html_response(
            pages.error_page(site.links, 503, "Network view unavailable", str(exc)), 503
        )
    # The page is self-contained and carries its own CSP (inline scripts, no network).
    return Response(
        body, media_type="text/html; charset=utf-8", headers={"X-Content-Type-Options": "nosniff"}
    )


# -- the app ---------------------------------------------------------------------------


async def _not_found_handler(request: Request, exc: Exception) -> Response:
    if getattr(request.app.state, "site", None) is None:
        return text_response("404 Not Found", 404)
    return not_found(request, f"Nothing here: {quote(request.url.path)}")


async def _error_handler(request: Request, exc: Exception) -> Response:
    log.exception("error on %s", request.url.path)
    site = getattr(request.app.state, "site", None)
    if site is None:
        return text_response("500 internal error", 500)
    message = "The server failed on this request; the error is in its log."
    return html_response(pages.error_page(site.links, 500, "Internal error", message), 500)


def create_app(
    store: Store, config: PublishConfig | None = None, *, queries_dir: Path | None = None
) -> Starlette:
    """The site over ``store``. Startup reads the site's data and starts SPARQL workers
    (for a store on disk, opened read-only by each worker); shutdown stops them."""
    config = config or PublishConfig()
    site = Site(store, config, queries_dir=queries_dir)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await run_in_threadpool(site.start)
        app.state.site = site
        try:
            yield
        finally:
            await run_in_threadpool(site.stop)

    get = ["GET", "HEAD"]
    routes = [
        Route("/", home, methods=get),
        Route("/index.html", home, methods=get),
        Route("/search", search, methods=get),
        Route("/id/{rest:path}", resolve_iri, methods=get),
        Route("/doc/{rest:path}", document, methods=get),
        Route("/resource", resource, methods=get),
        Route("/sparql", sparql, methods=["GET", "HEAD", "POST"]),
        Route("/sparql/", sparql, methods=["GET", "HEAD", "POST"]),
        Route("/queries", queries_index, methods=get),
        Route("/queries/", queries_index, methods=get),
        Route("/queries/{name:path}", named_query, methods=get),
        Route("/void", void, methods=get),
        Route("/void.{ext}", void_file, methods=get),
        Route("/.well-known/void", void, methods=get),
        Route("/dumps/", dumps_index, methods=get),
        Route("/dumps", lambda r: RedirectResponse(str(r.url.path) + "/", 301), methods=get),
        Route("/dumps/{name}", dump_file, methods=get),
        Route("/network", network, methods=get),
        Route("/network.html", network, methods=get),
        Mount("/static", StaticFiles(directory=STATIC_DIR), name="static"),
    ]
    middleware = [
        Middleware(
            CORSMiddleware,
            allow_origins=["*"],
            allow_methods=["GET", "HEAD", "POST", "OPTIONS"],
            allow_headers=["*"],
            expose_headers=["Content-Location", "ETag", "Last-Modified", "Location", "Vary"],
            max_age=86400,
        )
    ]
    app = Starlette(
        routes=routes,
        middleware=middleware,
        lifespan=lifespan,
        exception_handlers={
            404: _not_found_handler,
            500: _error_handler,
            Exception: _error_handler,
        },
    )
    app.state.site_config = config
    return app
