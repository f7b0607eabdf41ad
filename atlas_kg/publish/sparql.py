"""The SPARQL 1.1 Protocol endpoint: request parsing, safety checks, and evaluation.

- ``parse_operation`` reads a protocol request (GET, POST form, POST direct) into an
  ``Operation``, or raises ``ProtocolError`` with the status the protocol asks for.
- ``check_query`` refuses what a public read-only endpoint must not run: updates (403)
  and ``SERVICE`` calls to other endpoints (403), found on the query's parsed algebra.
- ``QueryService`` evaluates queries in worker processes (``worker.py``) with a time limit
  and a result-size limit; a query over time has its process killed and replaced.

Extensions: the ``akg:``, ``rdfs:``... prefixes are predefined; the default graph is the
union of all graphs (as for the named queries) unless the request or the query names a
dataset; variables can be bound with ``$name=<N-Triples term>`` parameters (as in the
RDF4J protocol), which pyoxigraph substitutes, so values are never spliced into the text.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import os
import re
import select
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from pyoxigraph import Literal, NamedNode, Triple

from ..errors import AtlasError, StoreError
from ..vocab import PREFIXES
from .worker import READY, read_frame, write_frame

__all__ = [
    "Operation",
    "ProtocolError",
    "QueryService",
    "QueryTimeout",
    "check_query",
    "keywords",
    "parse_operation",
    "service_description",
    "service_iris",
]

FORM = "application/x-www-form-urlencoded"
QUERY_TYPE = "application/sparql-query"
UPDATE_TYPE = "application/sparql-update"
UPDATE_KEYWORDS = {
    "INSERT",
    "DELETE",
    "LOAD",
    "CLEAR",
    "CREATE",
    "DROP",
    "COPY",
    "MOVE",
    "ADD",
    "WITH",
}
PROLOGUE_KEYWORDS = {"BASE", "PREFIX"}


class ProtocolError(AtlasError):
    """A request the endpoint refuses: ``status`` is the HTTP status to answer with."""

    def __init__(self, status: int, message: str) -> None:
        self.status = status
        super().__init__(message)


class QueryTimeout(AtlasError):
    """A query ran longer than the time limit; its worker process was stopped."""


# -- the lexer -------------------------------------------------------------------------

_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_TOKENS = re.compile(
    r"""
      (?P<comment>\#[^\n\r]*)
    | (?P<string>\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"|'''(?:[^'\\]|\\.|'(?!''))*'''
                 |"(?:[^"\\\n\r]|\\.)*"|'(?:[^'\\\n\r]|\\.)*')
    | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
    | (?P<var>[?$][^\s(){}\[\],;.!^|/*+<>=&"'#]+)
    | (?P<pname>[^\W\d][\w.\-]*:[^\s(){}\[\],;!^|<>=&"'#]*|:[^\s(){}\[\],;!^|<>=&"'#]*)
    | (?P<word>[^\W\d]\w*)
    | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)


def _expand_escapes(text: str) -> str:
    # SPARQL 1.1 §19.2: \u and \U escapes are processed before parsing.
    def repl(m: re.Match[str]) -> str:
        code = int(m.group(1) or m.group(2), 16)
        return chr(code) if code <= 0x10FFFF else m.group(0)

    return _ESCAPE.sub(repl, text)


@functools.lru_cache(maxsize=512)
def keywords(query: str) -> tuple[str, ...]:
    """The bare words of a query (keywords, function names), upper case, in order.

    Words inside strings, IRIs, comments, variables and prefixed names are not bare:

    >>> keywords('SELECT ?service { ?s ex:SERVICE "SERVICE" } # SERVICE')
    ('SELECT',)

    Cached: the checks and the dataset rule read the same query's words.
    """
    return tuple(
        m.group("word").upper()
        for m in _TOKENS.finditer(_expand_escapes(query))
        if m.lastgroup == "word"
    )


def operation_keyword(query: str) -> str | None:
    """The first word after the prologue (``SELECT``, ``ASK``, ``INSERT``...)."""
    words = iter(keywords(query))
    return next((w for w in words if w not in PROLOGUE_KEYWORDS), None)


def has_dataset_clause(query: str) -> bool:
    """True when the query names its dataset (``FROM`` / ``FROM NAMED``)."""
    return "FROM" in keywords(query)


def service_iris(query: str) -> list[str]:
    """The endpoints the query's ``SERVICE`` patterns call, read from its parsed algebra.

    A query without the ``SERVICE`` keyword cannot call one (the grammar has no other way),
    so only those are parsed (rdflib's parser is slow). A query that has the keyword but
    cannot be parsed is reported as calling ``<unknown>``: it is refused, not guessed.

    >>> service_iris("SELECT * { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }")
    ['http://127.0.0.1:9/']
    >>> service_iris('SELECT * { ?s ?p "SERVICE <http://x/>" }')
    []
    """
    if "SERVICE" not in keywords(query):
        return []
    from rdflib.plugins.sparql.algebra import translateQuery
    from rdflib.plugins.sparql.parser import parseQuery

    try:
        algebra = translateQuery(parseQuery(query), initNs=PREFIXES).algebra
    except Exception:  # noqa: BLE001 - any parser failure: refuse rather than guess
        return ["<unknown>"]
    return [str(node.get("term")) for node in _walk(algebra) if node.name == "ServiceGraphPattern"]


def _walk(node: Any) -> Iterator[Any]:
    from rdflib.plugins.sparql.parserutils import CompValue

    if isinstance(node, CompValue):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list | tuple):
        for item in node:
            yield from _walk(item)


def check_query(query: str) -> None:
    """Refuse updates and ``SERVICE`` calls (``ProtocolError`` 403), before evaluation."""
    if operation_keyword(query) in UPDATE_KEYWORDS:
        raise ProtocolError(403, "this endpoint is read-only: SPARQL updates are refused")
    services = service_iris(query)
    if services:
        raise ProtocolError(
            403,
            "SERVICE calls to other endpoints are refused by this endpoint "
            f"(the query calls {', '.join(services)}); run federated queries from your "
            "own client",
        )


# -- protocol requests -----------------------------------------------------------------


@dataclass
class Operation:
    """A query request, read from the protocol's parameters."""

    query: str
    default_graphs: list[str] | None = None
    named_graphs: list[str] | None = None
    bindings: dict[str, str] = field(default_factory=dict)

    def job(
        self, accept: str | None, max_results: int, base_iri: str | None = None
    ) -> dict[str, Any]:
        """The worker's job; ``base_iri`` resolves relative IRIs (the endpoint's URL)."""
        protocol_dataset = self.default_graphs is not None or self.named_graphs is not None
        return {
            "query": self.query,
            "default_graphs": self.default_graphs,
            "named_graphs": self.named_graphs,
            # Without a dataset in the request or the query, the default graph is the
            # union of all graphs: the records live in named graphs.
            "union": not protocol_dataset and not has_dataset_clause(self.query),
            "bindings": self.bindings,
            "accept": accept,
            "max_results": max_results,
            "base_iri": base_iri,
        }


def _media_type(content_type: str | None) -> tuple[str, dict[str, str]]:
    if not content_type:
        return "", {}
    main, *params = content_type.split(";")
    parsed = {}
    for p in params:
        name, _, value = p.partition("=")
        parsed[name.strip().lower()] = value.strip().strip('"')
    return main.strip().lower(), parsed


def parse_operation(
    method: str,
    url_params: Sequence[tuple[str, str]],
    content_type: str | None,
    body: bytes,
) -> Operation | None:
    """The query operation of a protocol request; None for a bare GET (no query).

    Raises ``ProtocolError``: 400 for malformed requests (several queries, bad encoding,
    bad parameters), 403 for updates, 405 for other methods, 415 for other media types.
    """
    params = list(url_params)
    if method in ("GET", "HEAD"):
        if body:
            raise ProtocolError(400, "a GET request carries no body; POST the query instead")
    elif method == "POST":
        media, ct_params = _media_type(content_type)
        charset = ct_params.get("charset", "utf-8").lower()
        if media == FORM:
            params += _form_fields(body)
        elif media in (QUERY_TYPE, UPDATE_TYPE):
            if charset not in ("utf-8", "utf8"):
                raise ProtocolError(400, f"the body must be UTF-8 encoded, not {charset}")
            text = _utf8(body)
            if media == UPDATE_TYPE:
                raise ProtocolError(403, "this endpoint is read-only: SPARQL updates are refused")
            params.append(("query", text))
        elif not media:
            raise ProtocolError(415, f"a POST needs a Content-Type: {FORM} or {QUERY_TYPE}")
        else:
            raise ProtocolError(415, f"unsupported media type {media}; use {FORM} or {QUERY_TYPE}")
    else:
        raise ProtocolError(405, f"method {method} is not allowed; use GET or POST")

    queries = [v for k, v in params if k == "query"]
    updates = [v for k, v in params if k == "update"]
    if updates:
        if method != "POST" or len(updates) > 1 or queries:
            raise ProtocolError(
                400,
                "an update must be one 'update' parameter in a POST (and this endpoint is read-only)",
            )
        raise ProtocolError(403, "this endpoint is read-only: SPARQL updates are refused")
    if any(k in ("using-graph-uri", "using-named-graph-uri") for k, _ in params):
        raise ProtocolError(400, "using-graph-uri / using-named-graph-uri belong to updates")
    if not queries:
        if method == "POST":
            raise ProtocolError(400, "no 'query' parameter in the request")
        return None
    if len(queries) > 1:
        raise ProtocolError(400, "the request has several 'query' parameters; send one")
    if not queries[0].strip():
        raise ProtocolError(400, "the 'query' parameter is empty")
    default = [v for k, v in params if k == "default-graph-uri"]
    named = [v for k, v in params if k == "named-graph-uri"]
    for iri in default + named:
        _check_iri(iri)
    bindings = {k[1:]: v for k, v in params if k.startswith("$") and len(k) > 1}
    for name in bindings:
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            raise ProtocolError(400, f"${name}: not a variable name")
    # A dataset given by the protocol is complete: what it does not name is empty.
    dataset = bool(default or named)
    return Operation(
        query=queries[0],
        default_graphs=default if dataset else None,
        named_graphs=named if dataset else None,
        bindings=bindings,
    )


def _form_fields(body: bytes) -> list[tuple[str, str]]:
    from urllib.parse import parse_qsl

    try:
        return parse_qsl(body.decode("ascii"), keep_blank_values=True, strict_parsing=False,
                         encoding="utf-8", errors="strict")  # fmt: skip
    except (UnicodeDecodeError, ValueError):
        raise ProtocolError(400, "the form body is not URL-encoded UTF-8 text") from None


def _utf8(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        raise ProtocolError(400, "the body is not UTF-8 text") from None


def _check_iri(iri: str) -> None:
    try:
        NamedNode(iri)
    except ValueError:
        raise ProtocolError(400, f"{iri!r} is not an IRI") from None


# -- evaluation ------------------------------------------------------------------------


@dataclass
class Reply:
    """What a worker answered: a body and its type, or an error status and message."""

    status: int
    content_type: str
    body: bytes


class _Worker:
    """One worker process and its pipes."""

    def __init__(self, store_path: str) -> None:
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "atlas_kg.publish.worker", store_path, json.dumps(PREFIXES)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
        )
        self.busy_since: float | None = None

    def wait_ready(self, timeout: float) -> None:
        reply = self._read(timeout)
        if reply is None:
            self.kill()
            raise StoreError(f"a SPARQL worker did not start within {timeout:.0f} s")
        if reply != READY:
            self.kill()
            raise StoreError(
                str(reply[1]) if reply and reply[0] == "fatal" else "a SPARQL worker failed"
            )

    def _read(self, timeout: float) -> Any:
        assert self.proc.stdout is not None
        ready, _, _ = select.select([self.proc.stdout], [], [], max(timeout, 0))
        if not ready:
            return None
        try:
            return read_frame(self.proc.stdout)
        except (EOFError, OSError):
            return ("error", 500, "the SPARQL worker stopped unexpectedly")

    def call(self, job: dict[str, Any], timeout: float) -> tuple | None:
        """The reply, or None when the time limit passed (the caller kills the worker)."""
        assert self.proc.stdin is not None
        try:
            write_frame(self.proc.stdin, job)
        except (BrokenPipeError, OSError):
            return ("error", 500, "the SPARQL worker stopped unexpectedly")
        return self._read(timeout)

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()

    def close(self) -> None:
        try:
            if self.proc.stdin is not None and self.alive:
                write_frame(self.proc.stdin, None)
                self.proc.wait(timeout=2)
        except (OSError, subprocess.TimeoutExpired):
            pass
        self.kill()


class QueryService:
    """Evaluates SPARQL queries in ``workers`` processes over the store at ``store_path``.

    ``run`` is a coroutine: it waits for a free worker (at most ``timeout`` seconds, else
    the endpoint is busy), sends the job, and waits at most ``timeout`` seconds for the
    reply; a worker over time is killed and a fresh one started in its place.

    The store must be on disk and not written to while it is served (each worker holds a
    read-only view of it as it was when the worker started).
    """

    START_TIMEOUT = 60.0

    def __init__(self, store_path: str, *, workers: int = 4, timeout: float = 10.0,
                 max_results: int = 10_000) -> None:  # fmt: skip
        self.store_path = store_path
        self.size = workers
        self.timeout = timeout
        self.max_results = max_results
        self._idle: asyncio.Queue[_Worker] | None = None
        self._started: list[_Worker] = []
        self._all: set[_Worker] = set()
        self._lock = threading.Lock()
        self.killed = 0
        """How many workers were stopped for running over time."""

    def start(self) -> None:
        """Start the workers (blocking); raises ``StoreError`` if one cannot open the store."""
        started = [self._spawn() for _ in range(self.size)]
        for worker in started:
            worker.wait_ready(self.START_TIMEOUT)
        self._started = started

    def _queue(self) -> asyncio.Queue[_Worker]:
        # Made in the event loop that uses it, with the workers started by ``start``.
        if self._idle is None:
            if not self._started:
                raise StoreError("the query service is not started")
            self._idle = asyncio.Queue()
            for worker in self._started:
                self._idle.put_nowait(worker)
        return self._idle

    def _spawn(self) -> _Worker:
        worker = _Worker(self.store_path)
        with self._lock:
            self._all.add(worker)
        return worker

    def worker_pids(self) -> list[int]:
        with self._lock:
            return sorted(w.proc.pid for w in self._all if w.alive)

    async def run(self, job: dict[str, Any]) -> Reply:
        """Evaluate one job; raises ``QueryTimeout`` when it runs over the time limit."""
        from anyio import to_thread

        idle = self._queue()
        try:
            worker = await asyncio.wait_for(idle.get(), timeout=self.timeout)
        except TimeoutError:
            raise ProtocolError(
                503, f"every SPARQL worker stayed busy for {self.timeout:g} s; try again later"
            ) from None
        job = dict(
            job, max_results=min(int(job.get("max_results") or self.max_results), self.max_results)
        )
        started = time.monotonic()
        reply = await to_thread.run_sync(worker.call, job, self.timeout)
        if reply is None or not worker.alive:
            # Asyncio queues are not thread-safe: the fresh worker is queued here.
            idle.put_nowait(await to_thread.run_sync(self._replace, worker))
            if reply is None:
                self.killed += 1
                raise QueryTimeout(
                    f"the query was stopped after {time.monotonic() - started:.1f} s: this "
                    f"endpoint allows {self.timeout:g} s per query (--timeout). Make it more "
                    "selective (bind a subject or a class, add a LIMIT), or download the dumps "
                    "at /dumps/ and query them locally"
                )
        else:
            idle.put_nowait(worker)
        if reply[0] == "ok":
            return Reply(200, reply[1], reply[2])
        return Reply(int(reply[1]), "text/plain; charset=utf-8", str(reply[2]).encode())

    def _replace(self, worker: _Worker) -> _Worker:
        """Kill a worker and start another (blocking); returns the new one, ready."""
        worker.kill()
        with self._lock:
            self._all.discard(worker)
        fresh = self._spawn()
        try:
            fresh.wait_ready(self.START_TIMEOUT)
        except StoreError:
            with self._lock:
                self._all.discard(fresh)
            raise
        return fresh

    def close(self) -> None:
        with self._lock:
            workers = list(self._all)
            self._all.clear()
        for worker in workers:
            worker.close()


# -- service description ---------------------------------------------------------------

SD = "http://www.w3.org/ns/sparql-service-description#"
FORMATS_NS = "http://www.w3.org/ns/formats/"


def service_description(endpoint: str, *, void_iri: str | None = None) -> list[Triple]:
    """The SPARQL 1.1 Service Description of the endpoint at ``endpoint``."""
    from pyoxigraph import BlankNode

    RDF_TYPE = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    s = NamedNode(endpoint + "#service")
    out = [
        Triple(s, RDF_TYPE, NamedNode(SD + "Service")),
        Triple(s, NamedNode(SD + "endpoint"), NamedNode(endpoint)),
        Triple(s, NamedNode(SD + "supportedLanguage"), NamedNode(SD + "SPARQL11Query")),
        Triple(s, NamedNode(SD + "feature"), NamedNode(SD + "UnionDefaultGraph")),
        # SERVICE is refused, so sd:BasicFederatedQuery is not declared.
        Triple(
            s,
            NamedNode("http://www.w3.org/2000/01/rdf-schema#comment"),
            Literal(
                "Read-only. The default graph is the union of all graphs; akg:, rdfs:, "
                "dcterms:... prefixes are predefined; SERVICE is refused; time and result "
                "limits apply.",
                language="en",
            ),
        ),
    ]
    for fmt in ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV",
                "SPARQL_Results_TSV", "Turtle", "N-Triples", "RDF_XML", "JSON-LD"):  # fmt: skip
        out.append(Triple(s, NamedNode(SD + "resultFormat"), NamedNode(FORMATS_NS + fmt)))
    dataset = BlankNode("dataset")
    out.append(Triple(s, NamedNode(SD + "defaultDataset"), dataset))
    out.append(Triple(dataset, RDF_TYPE, NamedNode(SD + "Dataset")))
    if void_iri:
        out.append(
            Triple(
                dataset,
                NamedNode("http://www.w3.org/2000/01/rdf-schema#seeAlso"),
                NamedNode(void_iri),
            )
        )
    return out
