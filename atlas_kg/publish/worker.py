"""A SPARQL worker process: evaluates queries on a read-only copy of the store.

The endpoint runs every user query in one of these processes so that a query that runs
too long can really be stopped (the process is killed and replaced; a thread could only
be abandoned while it kept a core busy). The process opens the store read-only, then
answers jobs read from stdin with replies on stdout, each a length-prefixed pickle. It
imports only pyoxigraph and the standard library, so it starts in a fraction of a second.

Job: ``{"query", "default_graphs", "named_graphs", "union", "bindings", "accept",
"max_results", "base_iri"}``. Reply: ``("ok", content_type, body)`` or ``("error", status, message)``.

Run as ``python -m atlas_kg.publish.worker STORE_PATH PREFIXES_JSON``.
"""

from __future__ import annotations

import json
import os
import pickle
import signal
import struct
import sys
from typing import Any, BinaryIO

from pyoxigraph import (
    NamedNode,
    QueryBoolean,
    QuerySolutions,
    RdfFormat,
    Store,
    Variable,
    parse,
)

from .conneg import RDF_FORMATS, RESULT_FORMATS, negotiate
from .results import TooManyResults, write_boolean, write_solutions, write_triples

_HEADER = struct.Struct(">Q")
READY = ("ready",)


def write_frame(stream: BinaryIO, obj: Any) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_HEADER.pack(len(data)) + data)
    stream.flush()


def read_frame(stream: BinaryIO) -> Any:
    header = stream.read(_HEADER.size)
    if len(header) < _HEADER.size:
        raise EOFError("the other side closed the pipe")
    (size,) = _HEADER.unpack(header)
    data = stream.read(size)
    if len(data) < size:
        raise EOFError("truncated frame")
    return pickle.loads(data)


def parse_term(text: str) -> Any:
    """An RDF term in N-Triples syntax (``<iri>``, ``"text"@fr``, ``"1"^^<...>``)."""
    triples = list(parse(f"<urn:s> <urn:p> {text.strip()} .", format=RdfFormat.N_TRIPLES))
    return triples[0].object


_SELECT_TYPES = list(dict.fromkeys(RESULT_FORMATS))
_BOOLEAN_TYPES = [
    "application/sparql-results+json",
    "application/sparql-results+xml",
    "application/json",
    "application/xml",
]
_GRAPH_TYPES = [f.media_type for f in RDF_FORMATS.values()] + ["application/n-quads", "text/plain"]


def _content_type(media_type: str) -> str:
    return f"{media_type}; charset=utf-8"


def evaluate(store: Store, job: dict[str, Any], prefixes: dict[str, str]) -> tuple:
    """Run one job; every failure becomes an ``("error", status, message)`` reply."""
    try:
        substitutions = {Variable(k): parse_term(v) for k, v in job.get("bindings", {}).items()}
    except SyntaxError as exc:
        return ("error", 400, f"a variable binding is not an RDF term in N-Triples syntax: {exc}")
    options: dict[str, Any] = {
        "prefixes": prefixes,
        "substitutions": substitutions or None,
        "base_iri": job.get("base_iri"),
    }
    if job.get("default_graphs") is not None or job.get("named_graphs") is not None:
        # The protocol's dataset replaces the query's own (SPARQL 1.1 Protocol, 2.1.4).
        options["default_graph"] = [NamedNode(g) for g in job.get("default_graphs") or []]
        options["named_graphs"] = [NamedNode(g) for g in job.get("named_graphs") or []]
    elif job.get("union"):
        options["use_default_graph_as_union"] = True
    limit = int(job["max_results"])
    accept = job.get("accept")
    try:
        result = store.query(job["query"], **options)
        if isinstance(result, QueryBoolean):
            media = negotiate(accept, _BOOLEAN_TYPES) or _BOOLEAN_TYPES[0]
            return (
                "ok",
                _content_type(media),
                write_boolean(bool(result), RESULT_FORMATS[media][0]),
            )
        if isinstance(result, QuerySolutions):
            media = negotiate(accept, _SELECT_TYPES) or _SELECT_TYPES[0]
            body = write_solutions(result, RESULT_FORMATS[media][0], limit)
            return ("ok", _content_type(media), body)
        media = negotiate(accept, _GRAPH_TYPES) or _GRAPH_TYPES[0]
        fmt = _graph_format(media)
        body = write_triples(result, fmt, limit, prefixes)
        return ("ok", _content_type(fmt.media_type), body)
    except SyntaxError as exc:
        return ("error", 400, f"the query is not valid SPARQL: {exc}")
    except TooManyResults as exc:
        return (
            "error",
            422,
            f"the result has more than {exc.limit} {exc.unit}, the limit of this endpoint "
            "(--max-results): add a LIMIT, aggregate, or download the dumps at /dumps/",
        )
    except (RuntimeError, ValueError) as exc:
        return ("error", 400, f"the query cannot be evaluated: {exc}")
    except OSError as exc:
        return ("error", 500, f"the query failed while reading the store: {exc}")


def _graph_format(media_type: str) -> RdfFormat:
    if media_type in ("application/n-quads", "text/plain"):
        return RdfFormat.N_TRIPLES
    return next(f.rdf for f in RDF_FORMATS.values() if f.media_type == media_type)  # type: ignore[return-value]


def main(argv: list[str]) -> int:
    path, prefixes = argv[0], json.loads(argv[1])
    # Ctrl-C reaches the whole process group: the server stops its workers itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # Replies go to the original stdout; anything else printed goes to stderr.
    replies = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    jobs = sys.stdin.buffer
    try:
        store = Store.read_only(path)
    except OSError as exc:
        write_frame(replies, ("fatal", f"cannot open the store at {path} read-only: {exc}"))
        return 2
    write_frame(replies, READY)
    while True:
        try:
            job = read_frame(jobs)
        except EOFError:
            return 0
        if job is None:
            return 0
        write_frame(replies, evaluate(store, job, prefixes))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
