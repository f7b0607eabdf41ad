"""A SPARQL 1.1 server as the store: the same interface as the embedded Oxigraph store.

Queries go through SPARQLWrapper (SPARQL 1.1 Protocol). Record graphs are written with the
SPARQL 1.1 Graph Store HTTP Protocol over plain HTTP (httpx): one ``PUT`` per record graph,
so writing a graph again replaces it whole and re-ingesting or re-pushing is idempotent.
Writes run a few at a time in batches; transient failures (connection errors, timeouts,
HTTP 5xx and 429) are retried with exponential backoff, a bounded number of times; a
refusal (401/403 credentials, 413 size, 400 syntax) is a ``StoreError`` quoting the server.

Where the server is (``--store``, or ``open_remote``):

- ``http://host:7878`` or ``http://host:7878/query``: Oxigraph server (``/query``,
  ``/update``, ``/store``; queries see the union of all graphs);
- ``http://host:8890/sparql``, ``http://host:8890/sparql-auth``: Virtuoso (``/sparql``
  and ``/sparql-graph-crud``, or their ``-auth`` twins, which use digest authentication);
- a TOML or JSON file naming the URLs, for any other server (``CONFIG_KEYS``)::

      query = "http://localhost:3030/atlas/query"
      update = "http://localhost:3030/atlas/update"
      store = "http://localhost:3030/atlas/data"
      auth = "basic"

Credentials come from the environment only: ``ATLAS_KG_USER``, ``ATLAS_KG_PASSWORD`` and
``ATLAS_KG_AUTH`` (``basic`` or ``digest``; a config file may name other variables).

Bound parameters: a server has no pyoxigraph substitutions, so each bound term is written
as an escaped RDF term in a ``VALUES`` block placed first in the query's ``WHERE`` group
and in the group of every sub-``SELECT`` that projects the variable. That gives the same
rows as Oxigraph's substitutions for the named queries (parameters used in triple
patterns), and a literal stays a literal whatever it contains.

Cut results: a server may return fewer rows than a SELECT has, without saying so (Virtuoso
stops at ``ResultSetMaxRows``, 10,000 by default). Such limits are set by people or by
implementations, so they are round numbers: when a SELECT returns a multiple of 100 rows
or a power of two (``suspect_row_count``), the same query is counted on the server, and a
shortfall is a ``StoreError`` naming the limit to raise, never a silently short answer.

A shared server holds other datasets too: the graphs of atlas-kg are those that carry
``akg:contentHash`` (record, vocabulary, derived and metrics graphs); counts, ``stats``,
``graph_iris`` and ``dump`` see only them. Named queries run over the server's default
graph, which must be the union of the graphs (Virtuoso's default; Oxigraph through its
``union-default-graph`` option, which is sent).
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import re
import threading
import time
import tomllib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, BinaryIO
from urllib.error import HTTPError, URLError
from urllib.parse import urlencode, urlsplit, urlunsplit

import httpx
import pyoxigraph as ox_
from pyoxigraph import (
    BlankNode,
    Literal,
    NamedNode,
    Quad,
    QueryBoolean,
    QueryResultsFormat,
    QuerySolutions,
    RdfFormat,
    Triple,
)

from .errors import ConfigError, QueryError, StoreError
from .rdf import NamedGraph
from .store import (  # the embedded store's statistics queries: both count alike
    STATS_CLASSES_QUERY,
    STATS_RECORDS_QUERY,
    EmbeddedStore,
    StoreStats,
    Term,
    curie,
)
from .vocab import AKG_NS, PREFIXES

__all__ = [
    "CONFIG_KEYS",
    "PushReport",
    "RemoteConfig",
    "RemoteStore",
    "RemoteTriples",
    "bind_values",
    "config_from_url",
    "load_config",
    "open_remote",
    "push",
    "sparql_term",
]

USER_ENV, PASSWORD_ENV, AUTH_ENV = "ATLAS_KG_USER", "ATLAS_KG_PASSWORD", "ATLAS_KG_AUTH"
AUTH_SCHEMES = ("basic", "digest")
CONFIG_KEYS = {
    "query": "URL of the SPARQL query endpoint (required)",
    "store": "URL of the Graph Store Protocol endpoint (required)",
    "update": "URL of the SPARQL update endpoint",
    "auth": "basic or digest",
    "user_env": f"environment variable holding the user (default {USER_ENV})",
    "password_env": f"environment variable holding the password (default {PASSWORD_ENV})",
    "union_default_graph": "send Oxigraph's union-default-graph option with queries",
    "timeout": "seconds to wait for one request",
    "retries": "retries of a request after a transient failure",
    "backoff": "seconds before the first retry (doubled at each retry)",
    "concurrency": "graphs written at the same time",
    "batch_quads": "quads written per batch",
}
"""Keys of a TOML or JSON store config, with what each holds."""

_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
_MAX_RETRY_AFTER = 30.0
_HASH_BATCH = 250  # not a round 100: a full batch is not taken for a cut result
_PAGE = 5000
"""Rows per page of internal listings: under Virtuoso's default cap of 10,000 rows."""


# -- configuration ---------------------------------------------------------------------


@dataclass(frozen=True)
class RemoteConfig:
    """Where a SPARQL server's endpoints are and how to talk to it."""

    query: str
    store: str
    update: str | None = None
    user: str | None = field(default=None, repr=False)
    password: str | None = field(default=None, repr=False)
    auth: str = "basic"
    union_default_graph: bool = False
    timeout: float = 300.0
    retries: int = 4
    backoff: float = 0.5
    concurrency: int = 4
    batch_quads: int = 50_000
    location: str = ""
    """What the user gave (URL or config file), for messages."""

    def with_credentials(self, user: str | None, password: str | None) -> RemoteConfig:
        return replace(self, user=user, password=password)


def _check_url(key: str, value: object, where: str) -> str:
    if not isinstance(value, str) or not value.startswith(("http://", "https://")):
        raise ConfigError(f"{where}: {key}", value, "an http:// or https:// URL")
    return value


def _credentials(user_env: str, password_env: str) -> tuple[str | None, str | None]:
    return os.environ.get(user_env) or None, os.environ.get(password_env)


def _auth_scheme(value: object, where: str, default: str) -> str:
    scheme = value if value is not None else os.environ.get(AUTH_ENV) or default
    if scheme not in AUTH_SCHEMES:
        raise ConfigError(f"{where}: auth", scheme, " or ".join(AUTH_SCHEMES))
    return str(scheme)


def config_from_url(url: str) -> RemoteConfig:
    """The endpoints of a server from its URL (Oxigraph or Virtuoso layout).

    >>> c = config_from_url("http://127.0.0.1:7878")
    >>> c.query, c.store, c.union_default_graph
    ('http://127.0.0.1:7878/query', 'http://127.0.0.1:7878/store', True)
    >>> config_from_url("http://127.0.0.1:8890/sparql-auth").store
    'http://127.0.0.1:8890/sparql-graph-crud-auth'
    """
    parts = urlsplit(url)
    expected = (
        "a server root (http://host:7878, Oxigraph), an Oxigraph .../query URL, a Virtuoso "
        ".../sparql or .../sparql-auth URL, or a .toml/.json file naming query, update and "
        "store URLs"
    )
    if not parts.netloc or parts.query or parts.fragment:
        raise ConfigError("--store", url, expected)
    path = parts.path.rstrip("/")

    def at(p: str) -> str:
        return urlunsplit((parts.scheme, parts.netloc, p, "", ""))

    user, password = _credentials(USER_ENV, PASSWORD_ENV)
    if path == "" or path.endswith("/query"):
        root = path.removesuffix("/query")
        return RemoteConfig(
            query=at(root + "/query"),
            update=at(root + "/update"),
            store=at(root + "/store"),
            union_default_graph=True,
            auth=_auth_scheme(None, url, "basic"),
            user=user,
            password=password,
            location=url,
        )
    if path.endswith(("/sparql", "/sparql-auth")):
        secured = path.endswith("-auth")
        root = path.rsplit("/", 1)[0]
        return RemoteConfig(
            query=at(path),
            update=at(path),
            store=at(root + ("/sparql-graph-crud-auth" if secured else "/sparql-graph-crud")),
            # Virtuoso 7.2 has crashed here (heap corruption) under concurrent Graph Store
            # writes: one graph at a time (a config file can still ask for more).
            concurrency=1,
            auth=_auth_scheme(None, url, "digest" if secured else "basic"),
            user=user,
            password=password,
            location=url,
        )
    raise ConfigError("--store", url, expected)


def load_config(path: str | Path) -> RemoteConfig:
    """A store config from a TOML or JSON file (keys: ``CONFIG_KEYS``)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise StoreError(f"{path}: cannot read the store config ({exc.strerror or exc})") from None
    try:
        raw = tomllib.loads(text) if path.suffix == ".toml" else json.loads(text)
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
        kind = "TOML" if path.suffix == ".toml" else "JSON"
        raise StoreError(f"{path}: not valid {kind} ({exc})") from None
    where = str(path)
    if not isinstance(raw, dict):
        raise StoreError(f"{path}: expected a table of keys ({', '.join(CONFIG_KEYS)})")
    unknown = sorted(set(raw) - set(CONFIG_KEYS))
    if unknown:
        raise ConfigError(f"{where}: key", unknown[0], ", ".join(CONFIG_KEYS))
    for key in ("query", "store"):
        if key not in raw:
            raise ConfigError(f"{where}: {key}", None, CONFIG_KEYS[key])
    numbers: dict[str, Any] = {}
    for key, kind in (
        ("timeout", float),
        ("backoff", float),
        ("retries", int),
        ("concurrency", int),
        ("batch_quads", int),
    ):
        if key in raw:
            value = raw[key]
            ok = isinstance(value, int | float) and not isinstance(value, bool) and value >= 0
            if not ok or (kind is int and not isinstance(value, int)):
                raise ConfigError(f"{where}: {key}", value, f"a number >= 0 ({CONFIG_KEYS[key]})")
            numbers[key] = kind(value)
    if numbers.get("concurrency") == 0 or numbers.get("batch_quads") == 0:
        raise ConfigError(f"{where}: concurrency/batch_quads", 0, "a number >= 1")
    union = raw.get("union_default_graph", False)
    if not isinstance(union, bool):
        raise ConfigError(f"{where}: union_default_graph", union, "true or false")
    user, password = _credentials(
        str(raw.get("user_env", USER_ENV)), str(raw.get("password_env", PASSWORD_ENV))
    )
    return RemoteConfig(
        query=_check_url("query", raw["query"], where),
        store=_check_url("store", raw["store"], where),
        update=_check_url("update", raw["update"], where) if "update" in raw else None,
        auth=_auth_scheme(raw.get("auth"), where, "basic"),
        union_default_graph=union,
        user=user,
        password=password,
        location=str(path),
        **numbers,
    )


def open_remote(location: str | Path) -> RemoteStore:
    """The store on a server: a URL or a TOML/JSON config file (see the module doc)."""
    text = str(location)
    if text.startswith(("http://", "https://")):
        return RemoteStore(config_from_url(text))
    return RemoteStore(load_config(text))


# -- bound parameters ------------------------------------------------------------------

_ECHAR = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}
_NEEDS_ESCAPE = re.compile(r'[\\"\x00-\x1f\x7f]')
_IRI_FORBIDDEN = re.compile(r'[<>"{}|^`\\\x00-\x20]')
_VARNAME = re.compile(r"^[A-Za-z0-9_]+$")


def _escape(text: str) -> str:
    return _NEEDS_ESCAPE.sub(lambda m: _ECHAR.get(m[0]) or f"\\u{ord(m[0]):04X}", text)


def _iri(value: str) -> str:
    if _IRI_FORBIDDEN.search(value):
        raise QueryError(
            "<sparql>", f"cannot bind the IRI {value!r}: it has characters IRIs forbid"
        )
    return f"<{value}>"


def sparql_term(term: Term) -> str:
    """An IRI or literal written as SPARQL, every special character escaped.

    >>> sparql_term(Literal('a "quoted" } value'))
    '"a \\\\"quoted\\\\" } value"'
    >>> sparql_term(Literal("3", datatype=NamedNode("http://www.w3.org/2001/XMLSchema#integer")))
    '"3"^^<http://www.w3.org/2001/XMLSchema#integer>'
    """
    if isinstance(term, NamedNode):
        return _iri(term.value)
    if isinstance(term, Literal):
        text = f'"{_escape(term.value)}"'
        if term.language:
            return f"{text}@{term.language}"
        if term.datatype.value == _XSD_STRING:
            return text
        return f"{text}^^{_iri(term.datatype.value)}"
    kind = "a blank node" if isinstance(term, BlankNode) else "a quoted triple"
    raise QueryError(
        "<sparql>", f"cannot bind {kind} on a SPARQL 1.1 server: bind an IRI or a literal"
    )


_TOKEN = re.compile(
    r"""
      (?P<ws>\s+)
    | (?P<comment>\#[^\n\r]*)
    | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
                 |'(?:[^'\\\n\r]|\\.)*'|"(?:[^"\\\n\r]|\\.)*")
    | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
    | (?P<var>[?$][\w\u00b7]+)
    | (?P<word>[^\W\d][\w.\-]*(?::[\w.\-:%\\]*)?|:[\w.\-:%\\]*)
    | (?P<other>.)
    """,
    re.X | re.S,
)
_FORMS = ("SELECT", "CONSTRUCT", "DESCRIBE", "ASK")


@dataclass(frozen=True)
class _Tok:
    kind: str
    text: str
    start: int
    end: int

    def word(self) -> str:
        return self.text.upper() if self.kind == "word" else ""


def _tokens(sparql: str) -> list[_Tok]:
    """The significant tokens (no spaces, no comments): enough to find groups and SELECTs."""
    return [
        _Tok(str(m.lastgroup), m[0], m.start(), m.end())
        for m in _TOKEN.finditer(sparql)
        if m.lastgroup not in ("ws", "comment")
    ]


_UPDATE_WORDS = (
    "INSERT",
    "DELETE",
    "LOAD",
    "CLEAR",
    "DROP",
    "CREATE",
    "ADD",
    "MOVE",
    "COPY",
    "WITH",
)


def query_form(sparql: str) -> str:
    r"""The form of a query or update (``SELECT``, ``INSERT``...; "" when none), read from its
    tokens: words in comments, IRIs and strings do not count (SPARQLWrapper's own guess
    matches ``# drops ...`` in a comment as DROP).

    >>> query_form("# loads the address book\nPREFIX a: <http://x/ask#> SELECT * {}")
    'SELECT'
    """
    toks = _tokens(sparql)
    at = _form_at(toks, (*_FORMS, *_UPDATE_WORDS))
    return "" if at is None else toks[at].word()


def _form_at(toks: list[_Tok], words: Sequence[str]) -> int | None:
    """The index of the first of ``words`` outside any group: the form of the query."""
    depth = 0
    for i, tok in enumerate(toks):
        depth += (tok.text == "{") - (tok.text == "}")
        if depth == 0 and tok.word() in words:
            return i
    return None


def _closing(toks: list[_Tok], open_at: int) -> int:
    depth = 0
    for i in range(open_at, len(toks)):
        if toks[i].text == "{":
            depth += 1
        elif toks[i].text == "}":
            depth -= 1
            if depth == 0:
                return i
    raise QueryError("<sparql>", "not valid SPARQL: a '{' is never closed")


def _next_brace(toks: list[_Tok], start: int) -> int | None:
    depth = 0
    for i in range(start, len(toks)):
        if toks[i].text == "(":
            depth += 1
        elif toks[i].text == ")":
            depth -= 1
        elif toks[i].text == "{" and depth == 0:
            return i
    return None


def _select_clause(toks: list[_Tok], at: int) -> tuple[set[str], bool, int]:
    """(variables projected bare, ``SELECT *``, index of the WHERE group's ``{``)."""
    group = _next_brace(toks, at + 1)
    if group is None:
        raise QueryError("<sparql>", "not valid SPARQL: a SELECT without a WHERE group")
    projected, star, depth = set(), False, 0
    for tok in toks[at + 1 : group]:
        depth += (tok.text == "(") - (tok.text == ")")
        if depth == 0 and tok.kind == "var":
            projected.add(tok.text[1:])
        star = star or (depth == 0 and tok.text == "*")
    return projected, star, group


def _where_group(toks: list[_Tok], at: int, form: str) -> int | None:
    """The ``{`` of the WHERE group of an ASK/CONSTRUCT/DESCRIBE; None when it has none
    that may hold a VALUES block (``CONSTRUCT WHERE {...}``, ``DESCRIBE <iri>``)."""
    start = at + 1
    if form == "CONSTRUCT":
        template = _next_brace(toks, start)
        if template is None or any(t.word() == "WHERE" for t in toks[start:template]):
            return None
        start = _closing(toks, template) + 1
    return _next_brace(toks, start)


def _values_block(names: Sequence[str], terms: Mapping[str, str]) -> str:
    variables = " ".join(f"?{n}" for n in names)
    row = " ".join(terms[n] for n in names)
    return f" VALUES ({variables}) {{ ({row}) }} "


def bind_values(sparql: str, substitutions: Mapping[str, Term]) -> str:
    """The query with each bound variable given its value in ``VALUES`` blocks.

    The block goes first in the query's WHERE group and in the group of each sub-SELECT
    projecting the variable, where Oxigraph's substitutions bind it too.

    >>> print(bind_values("SELECT ?s ?_k WHERE { ?s <http://x/k> ?_k }", {"_k": Literal("a")}))
    SELECT ?s ?_k WHERE { VALUES (?_k) { ("a") }  ?s <http://x/k> ?_k }
    """
    if not substitutions:
        return sparql
    for name in substitutions:
        if not _VARNAME.match(name):
            raise QueryError(
                "<sparql>", f"{name!r} is not a variable name; expected letters, digits, _"
            )
    terms = {name: sparql_term(term) for name, term in substitutions.items()}
    names = list(terms)
    toks = _tokens(sparql)
    form_at = _form_at(toks, _FORMS)
    if form_at is None:
        raise QueryError(
            "<sparql>", "not a SPARQL query; expected SELECT, CONSTRUCT, DESCRIBE or ASK"
        )
    inserts: list[tuple[int, str]] = []
    form = toks[form_at].word()
    if form == "SELECT":
        projected, star, group = _select_clause(toks, form_at)
        missing = [n for n in names if n not in projected and not star]
        if missing:
            raise QueryError("<sparql>", f"?{missing[0]} is bound but not in the SELECT projection")
        inserts.append((toks[group].end, _values_block(names, terms)))
    else:
        group = _where_group(toks, form_at, form)
        if group is None:  # only a trailing VALUES clause is allowed there
            inserts.append((len(sparql), "\n" + _values_block(names, terms).strip()))
        else:
            inserts.append((toks[group].end, _values_block(names, terms)))
    for i, tok in enumerate(toks):
        if i <= form_at or tok.word() != "SELECT":
            continue
        projected, star, group = _select_clause(toks, i)
        used = {t.text[1:] for t in toks[group : _closing(toks, group)] if t.kind == "var"}
        inner = [n for n in names if n in projected or (star and n in used)]
        if inner:
            inserts.append((toks[group].end, _values_block(inner, terms)))
    for pos, text in sorted(inserts, reverse=True):
        sparql = sparql[:pos] + text + sparql[pos:]
    return sparql


def suspect_row_count(rows: int) -> bool:
    """A number of rows a server's result limit could have cut a SELECT at: a multiple of
    100 (``ResultSetMaxRows = 10000``) or a power of two from 64 (``1048576``).

    >>> [n for n in (0, 99, 100, 128, 1000, 1234, 10000, 2**20) if suspect_row_count(n)]
    [100, 128, 1000, 10000, 1048576]
    """
    return rows > 0 and (rows % 100 == 0 or (rows >= 64 and rows & (rows - 1) == 0))


def count_query(sparql: str) -> str:
    """A query counting the rows of the SELECT ``sparql`` (its prologue kept, the SELECT
    made a sub-SELECT, solution modifiers and trailing ``VALUES`` included).

    >>> print(count_query("PREFIX a: <http://x/> SELECT ?s WHERE { ?s a:p ?o } LIMIT 5"))
    PREFIX a: <http://x/> SELECT (COUNT(*) AS ?_rows) WHERE { SELECT ?s WHERE { ?s a:p ?o } LIMIT 5
    }
    """
    toks = _tokens(sparql)
    at = _form_at(toks, ("SELECT",))
    if at is None:
        raise QueryError("<sparql>", "not a SELECT query: nothing to count")
    start = toks[at].start
    return f"{sparql[:start]}SELECT (COUNT(*) AS ?_rows) WHERE {{ {sparql[start:]}\n}}"


def with_prefixes(sparql: str, prefixes: Mapping[str, str] = PREFIXES) -> str:
    """The query with a PREFIX line for each of ``prefixes`` it does not declare itself
    (the embedded store gives them as default prefixes)."""
    toks = _tokens(sparql)
    declared = {
        toks[i + 1].text[:-1]
        for i in range(len(toks) - 1)
        if toks[i].word() == "PREFIX" and toks[i + 1].text.endswith(":")
    }
    lines = [f"PREFIX {p}: <{ns}>" for p, ns in prefixes.items() if p not in declared]
    return "\n".join([*lines, sparql]) if lines else sparql


# -- results ---------------------------------------------------------------------------


class RemoteTriples:
    """The triples of a CONSTRUCT or DESCRIBE answered by a server (like ``QueryTriples``)."""

    def __init__(self, triples: Iterable[Triple]) -> None:
        self._triples = list(triples)

    def __iter__(self) -> Iterator[Triple]:
        return iter(self._triples)

    def __len__(self) -> int:
        return len(self._triples)

    def serialize(
        self,
        output: str | Path | BinaryIO | None = None,
        format: RdfFormat = RdfFormat.N_TRIPLES,
        *,
        prefixes: Mapping[str, str] | None = None,
    ) -> bytes | None:
        return ox_.serialize(self._triples, output, format, prefixes=prefixes)


_BNODE_ID = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-]*$")


def _clean_bnodes(data: bytes) -> bytes:
    """Virtuoso names blank nodes ``nodeID://b10003``, which pyoxigraph refuses: rename."""
    doc = json.loads(data)
    for row in doc.get("results", {}).get("bindings", []):
        for value in row.values():
            if value.get("type") == "bnode" and not _BNODE_ID.match(value.get("value", "")):
                value["value"] = "b" + hashlib.sha1(value["value"].encode()).hexdigest()[:16]
    return json.dumps(doc).encode()


def _solutions(data: bytes, content_type: str) -> QuerySolutions | QueryBoolean:
    fmt = QueryResultsFormat.from_media_type(content_type) or QueryResultsFormat.JSON
    if fmt == QueryResultsFormat.JSON and b'"bnode"' in data:
        data = _clean_bnodes(data)
    return ox_.parse_query_results(data, fmt)


def _triples(data: bytes, content_type: str, graph: NamedNode | None = None) -> list[Any]:
    fmt = RdfFormat.from_media_type(content_type) or RdfFormat.TURTLE
    out = []
    for q in ox_.parse(data, fmt, rename_blank_nodes=True):
        t = q.triple if isinstance(q, Quad) else q
        out.append(Quad(t.subject, t.predicate, t.object, graph) if graph is not None else t)
    return out


def _server_message(body: bytes | str | None, limit: int = 400) -> str:
    """The server's explanation, as one line (HTML pages reduced to their text)."""
    if body is None:
        return ""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    if "<" in text and re.search(r"<(html|body|h1|xmp|p)\b", text, re.I):
        text = re.sub(r"<title>.*?</title>|<[^>]+>", " ", text, flags=re.S | re.I)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _wrapper_body(exc: Exception) -> str:
    """The response body SPARQLWrapper folds into its exceptions' message."""
    text = str(exc)
    _, found, raw = text.partition("Response:\n")
    if found:
        try:
            return _server_message(ast.literal_eval(raw.strip()))
        except (ValueError, SyntaxError):
            return _server_message(raw)
    return ""


# -- the store -------------------------------------------------------------------------

_GRAPHS = f"GRAPH ?g {{ ?g <{AKG_NS}contentHash> ?hash }}"


class _Transient(Exception):
    """A failure worth retrying; ``message`` says what happened."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


def _retry_after(value: str | None) -> float | None:
    try:
        return min(float(value), _MAX_RETRY_AFTER) if value else None
    except ValueError:
        return None


class RemoteStore:
    """A SPARQL 1.1 server (Oxigraph server, Virtuoso, Fuseki...) behind the ``Store`` interface."""

    def __init__(self, config: RemoteConfig) -> None:
        self.config = config
        self.location = config.location or config.query
        self._digest_realm: str | None = None
        self._local = threading.local()
        self._clients: list[httpx.Client] = []
        self._lock = threading.Lock()
        self._pool: ThreadPoolExecutor | None = None

    # -- HTTP --------------------------------------------------------------------------

    def _client(self) -> httpx.Client:
        """One client per thread: digest authentication keeps per-connection state."""
        client = getattr(self._local, "client", None)
        if client is None:
            auth: httpx.Auth | None = None
            if self.config.user:
                cls = httpx.DigestAuth if self.config.auth == "digest" else httpx.BasicAuth
                auth = cls(self.config.user, self.config.password or "")
            client = httpx.Client(auth=auth, timeout=self.config.timeout)
            self._local.client = client
            with self._lock:
                self._clients.append(client)
        return client

    def _retrying(self, what: str, attempt: Callable[[], Any]) -> Any:
        """Run ``attempt``, retrying transient failures with exponential backoff."""
        tries = self.config.retries + 1
        for n in range(tries):
            try:
                return attempt()
            except _Transient as exc:
                if n + 1 == tries:
                    raise StoreError(
                        f"{what}: {exc.message} (gave up after {tries} attempt(s))"
                    ) from None
                delay = self.config.backoff * 2**n
                time.sleep(max(delay, exc.retry_after or 0.0))
        raise AssertionError("unreachable")

    def _refused(self, what: str, url: str, status: int, message: str) -> StoreError:
        quoted = f": {message}" if message else ""
        if status in (401, 403):
            hint = (
                f"check {USER_ENV}, {PASSWORD_ENV} and {AUTH_ENV}=basic|digest"
                if self.config.user
                else f"no credentials were given: set {USER_ENV} and {PASSWORD_ENV}"
            )
            return StoreError(
                f"{what}: {url} refused the credentials (HTTP {status}){quoted}; {hint}"
            )
        if status == 413:
            return StoreError(
                f"{what}: too large for {url} (HTTP 413){quoted}; raise the server's request "
                "size limit"
            )
        if status == 404:
            return StoreError(f"{what}: no such endpoint {url} (HTTP 404){quoted}; check --store")
        if status in (400, 415, 422):
            return StoreError(f"{what}: {url} rejected the request (HTTP {status}){quoted}")
        return StoreError(f"{what}: {url} answered HTTP {status}{quoted}")

    def _too_slow(self, what: str, url: str) -> StoreError:
        return StoreError(
            f"{what}: {url} did not answer within {self.config.timeout:g} s; "
            "raise `timeout` in a store config file"
        )

    def _http(
        self,
        method: str,
        url: str,
        what: str,
        *,
        params: Mapping[str, str] | None = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        accept_404: bool = False,
    ) -> httpx.Response:
        def attempt() -> httpx.Response:
            try:
                response = self._client().request(
                    method, url, params=params, content=content, headers=headers
                )
            except (httpx.ReadTimeout, httpx.WriteTimeout) as exc:
                raise self._too_slow(what, url) from exc
            except httpx.TransportError as exc:
                raise _Transient(f"cannot reach {url} ({type(exc).__name__}: {exc})") from None
            status = response.status_code
            if status in _RETRY_STATUS or status >= 500:
                raise _Transient(
                    f"{url} answered HTTP {status}: {_server_message(response.content)}",
                    _retry_after(response.headers.get("Retry-After")),
                )
            if status >= 400 and not (accept_404 and status == 404):
                raise self._refused(what, url, status, _server_message(response.content))
            return response

        return self._retrying(what, attempt)

    def _sparql(self, text: str) -> tuple[str, bytes, str]:
        """Send a query with SPARQLWrapper: (query form, response body, content type)."""
        from SPARQLWrapper import BASIC, DIGEST, JSON, POST, TURTLE, SPARQLWrapper
        from SPARQLWrapper.SPARQLExceptions import QueryBadFormed, SPARQLWrapperException

        cfg = self.config

        def attempt() -> tuple[str, bytes, str]:
            sw = SPARQLWrapper(cfg.query)
            sw.setMethod(POST)
            sw.setOnlyConneg(True)  # no format=... parameters: some servers refuse them
            sw.setTimeout(max(1, int(cfg.timeout)))
            if cfg.union_default_graph:
                sw.addParameter("union-default-graph", "true")
            if cfg.user:
                # Digest: SPARQLWrapper installs urllib's digest handler process-wide.
                sw.setHTTPAuth(DIGEST if cfg.auth == "digest" else BASIC)
                realm = self._realm() if cfg.auth == "digest" else "SPARQL"
                sw.setCredentials(cfg.user, cfg.password or "", realm=realm)
            sw.setQuery(text)
            form = query_form(text)
            sw.queryType = form  # SPARQLWrapper's guess reads words inside comments too
            if form not in _FORMS:
                raise QueryError("<sparql>", f"not a query ({form}); expected {', '.join(_FORMS)}")
            sw.setReturnFormat(TURTLE if form in ("CONSTRUCT", "DESCRIBE") else JSON)
            try:
                response = sw.query().response
                return form, response.read(), response.headers.get("Content-Type", "")
            except QueryBadFormed as exc:
                raise QueryError(
                    "<sparql>", f"the server rejected the query: {_wrapper_body(exc)}"
                ) from None
            except HTTPError as exc:  # statuses SPARQLWrapper does not wrap
                body = _server_message(exc.read() if exc.fp else b"")
                if exc.code in _RETRY_STATUS or exc.code >= 500:
                    retry = _retry_after(exc.headers.get("Retry-After") if exc.headers else None)
                    raise _Transient(
                        f"{cfg.query} answered HTTP {exc.code}: {body}", retry
                    ) from None
                raise self._refused("query", cfg.query, exc.code, body) from None
            except SPARQLWrapperException as exc:
                status = {
                    "EndPointInternalError": 500,
                    "Unauthorized": 401,
                    "EndPointNotFound": 404,
                    "URITooLong": 414,
                }.get(type(exc).__name__, 500)
                if status == 500:
                    raise _Transient(
                        f"{cfg.query} answered HTTP 500: {_wrapper_body(exc)}"
                    ) from None
                raise self._refused("query", cfg.query, status, _wrapper_body(exc)) from None
            except TimeoutError:  # no answer in time (connecting timed out is a URLError)
                raise self._too_slow("query", cfg.query) from None
            except (URLError, OSError) as exc:  # refused, reset, could not connect
                raise _Transient(
                    f"cannot reach {cfg.query} ({getattr(exc, 'reason', exc)})"
                ) from None

        return self._retrying("query", attempt)

    def _realm(self) -> str:
        """The digest realm of the query endpoint (urllib's digest handler needs it)."""
        realm = self._digest_realm
        if realm is None:
            try:
                challenge = httpx.post(self.config.query, timeout=self.config.timeout).headers.get(
                    "WWW-Authenticate", ""
                )
            except httpx.TransportError as exc:
                raise _Transient(f"cannot reach {self.config.query} ({exc})") from None
            found = re.search(r'realm="([^"]*)"', challenge)
            realm = found[1] if found else "SPARQL"
            self._digest_realm = realm
        return realm

    # -- reading -----------------------------------------------------------------------

    def query(
        self, sparql: str, *, substitutions: Mapping[str, Term] | None = None
    ) -> QuerySolutions | QueryBoolean | RemoteTriples:
        """Run SPARQL on the server over the union of its graphs; ``substitutions`` bind
        variables by name (written as escaped terms in ``VALUES`` blocks)."""
        text = with_prefixes(bind_values(sparql, substitutions or {}))
        form, data, content_type = self._sparql(text)
        try:
            if form in ("CONSTRUCT", "DESCRIBE"):
                return RemoteTriples(_triples(data, content_type))
            result = _solutions(data, content_type)
            if isinstance(result, QuerySolutions):
                rows = sum(1 for _ in result)  # parsing is cheap next to the request
                if suspect_row_count(rows):
                    self._check_complete(text, rows)
                result = _solutions(data, content_type)
            return result
        except (SyntaxError, ValueError) as exc:
            raise StoreError(
                f"{self.config.query}: unreadable query results ({content_type}): {exc}"
            ) from None

    def _check_complete(self, text: str, rows: int) -> None:
        """Count the query's rows on the server: a SELECT answered with fewer rows than it
        has was cut by a result limit (see the module's docstring)."""
        total = self._count(count_query(text), "_rows")
        if total > rows:
            raise StoreError(
                f"{self.config.query} returned {rows} of the {total} rows of a query: the "
                f"server cuts results at {rows} rows. Raise its limit (Virtuoso: "
                "ResultSetMaxRows in the [SPARQL] section of virtuoso.ini) and run again"
            )

    def _select(self, sparql: str) -> list[dict[str, Any]]:
        result = self.query(sparql)
        assert isinstance(result, QuerySolutions)
        names = [v.value for v in result.variables]
        return [{n: row[n] for n in names} for row in result]

    def _count(self, sparql: str, var: str = "n") -> int:
        rows = self._select(sparql)
        return int(rows[0][var].value) if rows and rows[0][var] is not None else 0

    def content_hashes(self, graphs: Iterable[str]) -> dict[str, str]:
        out: dict[str, str] = {}
        iris = list(dict.fromkeys(graphs))
        for start in range(0, len(iris), _HASH_BATCH):
            values = " ".join(_iri(i) for i in iris[start : start + _HASH_BATCH])
            rows = self._select(f"SELECT ?g ?hash WHERE {{ VALUES ?g {{ {values} }} {_GRAPHS} }}")
            out.update({r["g"].value: r["hash"].value for r in rows})
        return out

    def graph_iris(self) -> list[str]:
        """Every atlas-kg graph on the server (those with ``akg:contentHash``), sorted."""
        out: list[str] = []
        while True:
            # Pages follow the last IRI read: with OFFSET, Virtuoso sorts offset + limit
            # rows, and refuses beyond MaxSortedTopRows (10,000 by default; error SR353).
            after = f"FILTER(STR(?g) > {sparql_term(Literal(out[-1]))})" if out else ""
            rows = self._select(
                f"SELECT DISTINCT ?g WHERE {{ {_GRAPHS} {after} }} ORDER BY STR(?g) LIMIT {_PAGE}"
            )
            out += [r["g"].value for r in rows]
            if len(rows) < _PAGE:
                return sorted(out)

    def quads(self, graph: str | None = None) -> list[Quad]:
        """Every quad of one graph (or of every atlas-kg graph), read by Graph Store GET."""
        if graph is None:
            return [q for iri in self.graph_iris() for q in self.quads(iri)]
        response = self._http(
            "GET",
            self.config.store,
            f"read graph <{graph}>",
            params={"graph": graph},
            headers={"Accept": "application/n-triples, text/turtle;q=0.9"},
            accept_404=True,
        )
        if response.status_code == 404:
            return []
        return _triples(
            response.content, response.headers.get("Content-Type", ""), NamedNode(graph)
        )

    def quad_count(self) -> int:
        """Quads in the atlas-kg graphs (other graphs of a shared server are not counted)."""
        return self._count(
            f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?g <{AKG_NS}contentHash> ?hash . ?s ?p ?o }} }}"
        )

    def compact(self) -> bool:
        """Nothing to do: the server compacts its own files."""
        return False

    def stats(self) -> StoreStats:
        records = self._count(STATS_RECORDS_QUERY)
        graphs = self._count(f"SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE {{ {_GRAPHS} }}")
        entities = {
            curie(r["class"].value): int(r["n"].value)
            for r in self._select(STATS_CLASSES_QUERY)
            if isinstance(r["class"], NamedNode)
        }
        return StoreStats(
            records=records, quads=self.quad_count(), graphs=graphs, entities=entities
        )

    def dump(self, output: str | Path | BinaryIO, format: str | RdfFormat | None = None) -> None:
        """Write the atlas-kg graphs, read graph by graph (a few at a time), through an
        in-memory copy: memory grows with the data, as for an in-memory embedded store."""
        copy = EmbeddedStore(None)
        try:
            iris = self.graph_iris()
            for start in range(0, len(iris), _HASH_BATCH):
                batch = iris[start : start + _HASH_BATCH]
                fetched = self._executor().map(self.quads, batch)
                copy.load_records(
                    [NamedGraph(i, q, "") for i, q in zip(batch, fetched, strict=True)]
                )
            copy.dump(output, format)
        finally:
            copy.close()

    # -- writing -----------------------------------------------------------------------

    def _put(self, graph: NamedGraph) -> int:
        body = ox_.serialize([q.triple for q in graph.quads], format=RdfFormat.N_TRIPLES)
        self._http(
            "PUT",
            self.config.store,
            f"write graph <{graph.iri}> ({len(graph.quads)} quads)",
            params={"graph": graph.iri},
            content=body or b"",
            headers={"Content-Type": "application/n-triples; charset=utf-8"},
        )
        return len(graph.quads)

    def _executor(self) -> ThreadPoolExecutor:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(
                max_workers=self.config.concurrency, thread_name_prefix="atlas-kg-http"
            )
        return self._pool

    def replace_records(self, graphs: Sequence[NamedGraph], *, bulk: bool = False) -> int:
        """PUT each graph (replacing it whole), a few at a time, in batches of about
        ``batch_quads`` quads; stops at the first graph the server refuses. ``bulk`` is
        accepted for the interface: every write to a server is one request per graph."""
        failed = threading.Event()

        def put(graph: NamedGraph) -> int:
            if failed.is_set():  # another graph failed: send nothing more
                return 0
            try:
                return self._put(graph)
            except BaseException:
                failed.set()
                raise

        written = 0
        for batch in _batches(graphs, self.config.batch_quads):
            futures: list[Future[int]] = [self._executor().submit(put, g) for g in batch]
            wait(futures, return_when=FIRST_EXCEPTION)
            for f in futures:
                f.cancel()
            wait(futures)
            errors = [f.exception() for f in futures if not f.cancelled() and f.exception()]
            if errors:
                raise errors[0]  # type: ignore[misc]
            written += sum(f.result() for f in futures)
        return written

    def load_records(self, graphs: Sequence[NamedGraph]) -> int:
        return self.replace_records(graphs, bulk=True)

    def drop_record(self, graph: str) -> bool:
        exists = self.query("ASK { GRAPH ?g { ?s ?p ?o } }", substitutions={"g": NamedNode(graph)})
        if not bool(exists):
            return False
        self._http(
            "DELETE",
            self.config.store,
            f"drop graph <{graph}>",
            params={"graph": graph},
            accept_404=True,
        )
        return True

    def update(self, sparql: str) -> None:
        """Run a SPARQL Update on the update endpoint (plain HTTP, form-encoded)."""
        if not self.config.update:
            raise StoreError(f"{self.location}: no update endpoint is configured")
        self._http(
            "POST",
            self.config.update,
            "update",
            content=urlencode({"update": with_prefixes(sparql)}).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None
        with self._lock:
            for client in self._clients:
                client.close()
            self._clients.clear()
        self._local = threading.local()

    def __enter__(self) -> RemoteStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"RemoteStore({self.location!r})"


def _batches(graphs: Sequence[NamedGraph], max_quads: int) -> Iterator[list[NamedGraph]]:
    batch: list[NamedGraph] = []
    size = 0
    for graph in graphs:
        if batch and size + len(graph.quads) > max_quads:
            yield batch
            batch, size = [], 0
        batch.append(graph)
        size += len(graph.quads)
    if batch:
        yield batch


# -- push ------------------------------------------------------------------------------


@dataclass
class PushReport:
    """What a push did: graphs sent, and graphs the server already had unchanged."""

    target: str
    graphs: int = 0
    sent: int = 0
    unchanged: int = 0
    quads_sent: int = 0

    def summary(self) -> str:
        return (
            f"pushed {self.graphs} graph(s) to {self.target}: {self.sent} sent "
            f"({self.quads_sent} quads), {self.unchanged} already there unchanged"
        )


def push(
    source: EmbeddedStore | RemoteStore,
    target: RemoteStore,
    *,
    batch_graphs: int = 200,
    progress: Callable[[int, int], None] | None = None,
) -> PushReport:
    """Copy every graph of ``source`` to the server ``target``, graph by graph.

    Resumable: a graph the server already holds with the same ``akg:contentHash`` is
    skipped, and each graph is written whole by one PUT, so re-running after a failure
    finishes the copy without duplicates. ``progress(done, total)`` follows each batch.
    """
    report = PushReport(target.location)
    iris = source.graph_iris()
    report.graphs = len(iris)
    for start in range(0, len(iris), batch_graphs):
        chunk = iris[start : start + batch_graphs]
        local = source.content_hashes(chunk)
        remote = target.content_hashes(chunk)
        todo = [iri for iri in chunk if iri not in local or remote.get(iri) != local[iri]]
        report.unchanged += len(chunk) - len(todo)
        if todo:
            graphs = [NamedGraph(iri, source.quads(iri), local.get(iri, "")) for iri in todo]
            report.quads_sent += target.replace_records(graphs)
            report.sent += len(todo)
        if progress is not None:
            progress(start + len(chunk), len(iris))
    return report
