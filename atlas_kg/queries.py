"""Named SPARQL queries: one file per query in ``queries/``, metadata in a ``#+`` header.

A query file stays valid SPARQL: its header is comment lines starting with ``#+``, read
as YAML::

    #+ summary: Partnerships per country
    #+ params:
    #+   - {name: country, type: label, required: false, description: a country name}
    #+ columns: [country, country_label, partnerships]

Parameters are bound, never spliced into the text: parameter ``country`` binds the
variable ``?_country`` (pyoxigraph substitutions). Types: ``label`` (bound to the
normalised ``akg:searchKey`` of the value, so matching ignores case and accents),
``string``, ``integer``, ``boolean`` (``true``/``false``), ``iri``. Oxigraph joins substituted variables with the
solutions, so a parameter's variable must be projected (and grouped on, in an aggregate
query) and used in triple patterns, not in ``FILTER``. When an optional parameter is not
given, every line mentioning its variable is left out of the query: write the pattern
that uses it, and its projection, on lines of their own. ``queries/unfiltered/<name>.rq``,
when it exists, is run instead when no optional parameter is given: the same rows, in a
text planned for the whole store (scans joined by hashing, not a lookup per row).

Cells holding several values (``GROUP_CONCAT`` with the separator ``"\\u001f"``) come back
sorted and joined with `` ; ``. ``queries/checks/*_violation.rq`` return no rows on good
data. A check's header also has ``severity`` (``error`` for ``*_violation``, ``warning``
or ``info`` for the anomaly checks) and ``message``, what a row means in plain words with
``{column}`` fields (``atlas_kg.quality`` runs them all).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from pyoxigraph import BlankNode, Literal, NamedNode, QuerySolutions

from .errors import REINGEST_ADVICE, QueryError
from .iris import search_key
from .paths import QUERIES_DIR
from .store import Store, Term
from .vocab import AKG_NS, ox

__all__ = [
    "NamedQuery",
    "Param",
    "QueryResult",
    "list_checks",
    "list_queries",
    "load_query",
    "run_check",
    "run_query",
]

PARAM_TYPES = ("label", "string", "integer", "boolean", "iri")
SEVERITIES = ("error", "warning", "info")
"""Severities of a check's header (``atlas_kg.quality`` reports them)."""
MULTI_SEPARATOR = "\x1f"
"""``GROUP_CONCAT`` separator of multi-valued cells (written ``"\\u001f"`` in SPARQL)."""
CHECKS_DIR = "checks"
UNFILTERED_DIR = "unfiltered"
"""``unfiltered/<name>.rq``: the text of ``<name>`` run when none of its optional parameters
is given (same columns and rows; written for a pass over the whole store)."""
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class Param:
    """A named query's parameter; bound to the variable ``?_<name>``."""

    name: str
    type: str = "string"
    required: bool = False
    description: str = ""

    @property
    def variable(self) -> str:
        return f"_{self.name}"


@dataclass(frozen=True)
class NamedQuery:
    """A query file: its header and its SPARQL text."""

    name: str
    path: Path
    summary: str
    columns: list[str]
    params: list[Param] = field(default_factory=list)
    sparql: str = ""
    severity: str | None = None
    """Checks only (``queries/checks/``): ``error``, ``warning`` or ``info``."""
    message: str | None = None
    """Checks only: what a row means and what to do, with ``{column}`` fields."""
    unfiltered: str | None = None
    """The text of ``unfiltered/<name>.rq``, if there is one: run instead of ``sparql`` when
    no optional parameter is given."""

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)

    def usage(self) -> str:
        """``-p country VALUE`` style synopsis: required params bare, optional in brackets."""
        parts = [
            f"-p {p.name} {p.type.upper()}" if p.required else f"[-p {p.name} {p.type.upper()}]"
            for p in self.params
        ]
        return " ".join(parts)


@dataclass
class QueryResult:
    """Rows of a named query: plain Python values (str, int, float, bool, None)."""

    columns: list[str]
    rows: list[dict[str, Any]]

    def __len__(self) -> int:
        return len(self.rows)


# -- loading ---------------------------------------------------------------------------


def _header(path: Path, name: str) -> tuple[dict[str, Any], str]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise QueryError(name, f"cannot read {path}: {exc.strerror or exc}") from None
    lines = [line[2:] for line in text.splitlines() if line.startswith("#+")]
    if not lines:
        raise QueryError(name, f"{path}: no '#+' header; expected summary, params, columns")
    try:
        header = yaml.safe_load("\n".join(line.removeprefix(" ") for line in lines))
    except yaml.YAMLError as exc:
        raise QueryError(name, f"{path}: the '#+' header is not valid YAML ({exc})") from None
    if not isinstance(header, dict):
        raise QueryError(name, f"{path}: the '#+' header must be a mapping of keys")
    return header, text


def _parse(path: Path, name: str) -> NamedQuery:
    header, text = _header(path, name)
    unknown = set(header) - {"summary", "params", "columns", "severity", "message"}
    if unknown:
        raise QueryError(
            name,
            f"{path}: unknown header key(s) {sorted(unknown)}; expected summary, params, "
            "columns (and severity, message for checks)",
        )
    severity, message = header.get("severity"), header.get("message")
    if severity is not None and severity not in SEVERITIES:
        raise QueryError(
            name, f"{path}: severity {severity!r} is not allowed; expected {', '.join(SEVERITIES)}"
        )
    if message is not None and (not isinstance(message, str) or not message.strip()):
        raise QueryError(name, f"{path}: header 'message' must be a non-empty text")
    summary = header.get("summary")
    if not isinstance(summary, str) or not summary.strip():
        raise QueryError(name, f"{path}: header 'summary' must be a non-empty text")
    columns = header.get("columns")
    if not (isinstance(columns, list) and columns and all(isinstance(c, str) for c in columns)):
        raise QueryError(name, f"{path}: header 'columns' must be a list of column names")
    params: list[Param] = []
    for raw in header.get("params") or []:
        if not isinstance(raw, dict) or not isinstance(raw.get("name"), str):
            raise QueryError(name, f"{path}: each param needs a 'name' (got {raw!r})")
        extra = set(raw) - {"name", "type", "required", "description"}
        if extra:
            raise QueryError(name, f"{path}: param {raw['name']!r}: unknown key(s) {sorted(extra)}")
        ptype = raw.get("type", "string")
        if ptype not in PARAM_TYPES:
            raise QueryError(
                name,
                f"{path}: param {raw['name']!r}: type {ptype!r} is not allowed; "
                f"expected one of {', '.join(PARAM_TYPES)}",
            )
        param = Param(
            raw["name"], ptype, bool(raw.get("required", False)), raw.get("description", "")
        )
        if f"?{param.variable}" not in text:
            raise QueryError(
                name, f"{path}: param {param.name!r} is not used (no ?{param.variable})"
            )
        params.append(param)
    return NamedQuery(
        name,
        path,
        summary.strip(),
        list(columns),
        params,
        text,
        severity,
        message and message.strip(),
        _unfiltered(path, name, params),
    )


def _unfiltered(path: Path, name: str, params: list[Param]) -> str | None:
    """The text of ``unfiltered/<name>.rq`` beside ``path``, checked against the params."""
    variant = path.parent / UNFILTERED_DIR / path.name
    if not variant.is_file():
        return None
    try:
        text = variant.read_text(encoding="utf-8")
    except OSError as exc:
        raise QueryError(name, f"cannot read {variant}: {exc.strerror or exc}") from None
    if any(line.startswith("#+") for line in text.splitlines()):
        raise QueryError(name, f"{variant}: no '#+' header here; the header is {path.name}'s")
    for p in params:
        used = re.search(rf"\?{p.variable}\b", text) is not None
        if used != p.required:
            raise QueryError(
                name,
                f"{variant}: runs when no optional parameter is given, so it must use "
                f"?{p.variable} only if {p.name!r} is required (it is "
                f"{'required' if p.required else 'optional'})",
            )
    return text


def _directory(directory: Path | None) -> Path:
    return Path(directory) if directory is not None else QUERIES_DIR


def list_queries(directory: Path | None = None) -> list[NamedQuery]:
    """Every named query of ``queries/`` (not the checks), by name."""
    root = _directory(directory)
    return [_parse(p, p.stem) for p in sorted(root.glob("*.rq"))]


def list_checks(directory: Path | None = None) -> list[NamedQuery]:
    """Every ``queries/checks/*_violation.rq``, by name (``checks/<stem>``)."""
    root = _directory(directory) / CHECKS_DIR
    return [_parse(p, f"{CHECKS_DIR}/{p.stem}") for p in sorted(root.glob("*_violation.rq"))]


def load_query(name: str, directory: Path | None = None) -> NamedQuery:
    """One named query (``partnerships``) or check (``checks/<stem>``)."""
    root = _directory(directory)
    stem = name.removesuffix(".rq")
    parts = stem.split("/")
    if (
        not all(_NAME.match(part) for part in parts)
        or len(parts) > 2
        or (len(parts) == 2 and parts[0] != CHECKS_DIR)
    ):
        raise QueryError(name, "not a query name; expected lower-case letters, digits and _")
    path = root.joinpath(*parts).with_suffix(".rq")
    if not path.is_file():
        names = ", ".join(q.name for q in list_queries(directory))
        raise QueryError(name, f"no such query; known queries: {names}")
    return _parse(path, stem)


# -- running ---------------------------------------------------------------------------


def _bind(query: NamedQuery, param: Param, value: str) -> Term:
    if param.type == "label":
        return Literal(search_key(value))
    if param.type == "integer":
        try:
            return Literal(str(int(value.strip())), datatype=_XSD_INTEGER)
        except ValueError:
            raise QueryError(
                query.name, f"parameter {param.name!r}: {value!r} is not an integer"
            ) from None
    if param.type == "boolean":
        flag = value.strip().lower()
        if flag not in ("true", "false"):
            raise QueryError(
                query.name, f"parameter {param.name!r}: {value!r} is not true or false"
            )
        return Literal(flag, datatype=_XSD_BOOLEAN)
    if param.type == "iri":
        try:
            return NamedNode(value.strip())
        except ValueError:
            raise QueryError(
                query.name, f"parameter {param.name!r}: {value!r} is not an IRI"
            ) from None
    return Literal(value)


_XSD_INTEGER = NamedNode("http://www.w3.org/2001/XMLSchema#integer")
_XSD_BOOLEAN = NamedNode("http://www.w3.org/2001/XMLSchema#boolean")


def prepare(
    query: NamedQuery, params: Mapping[str, str] | None = None
) -> tuple[str, dict[str, Term]]:
    """The SPARQL text to run and its substitutions, after checking the parameters."""
    params = dict(params or {})
    unknown = [k for k in params if query.param(k) is None]
    if unknown:
        allowed = ", ".join(p.name for p in query.params) or "none"
        raise QueryError(
            query.name, f"unknown parameter(s) {', '.join(unknown)}; allowed: {allowed}"
        )
    missing = [p.name for p in query.params if p.required and p.name not in params]
    if missing:
        raise QueryError(
            query.name, f"missing required parameter(s) {', '.join(missing)}: {query.usage()}"
        )
    substitutions = {
        query.param(k).variable: _bind(query, query.param(k), v)  # type: ignore[union-attr]
        for k, v in params.items()
    }
    filtered = any(not p.required and p.name in params for p in query.params)
    if query.unfiltered is not None and not filtered:
        return query.unfiltered, substitutions
    absent = [f"?{p.variable}" for p in query.params if p.name not in params]
    lines = [
        line
        for line in query.sparql.splitlines()
        if not any(re.search(re.escape(v) + r"\b", line) for v in absent)
    ]
    return "\n".join(lines), substitutions


def run_query(
    store: Store,
    name: str | NamedQuery,
    params: Mapping[str, str] | None = None,
    *,
    limit: int | None = None,
) -> QueryResult:
    """Run a named query with bound parameters; ``limit`` caps the number of rows."""
    query = name if isinstance(name, NamedQuery) else load_query(name)
    sparql, substitutions = prepare(query, params)
    if limit is not None:
        if limit < 0:
            raise QueryError(query.name, f"--limit {limit}: expected a number >= 0")
        sparql += f"\nLIMIT {int(limit)}"
    try:
        solutions = store.query(sparql, substitutions=substitutions)
    except QueryError as exc:
        raise QueryError(query.name, str(exc).split(": ", 1)[-1]) from None
    if not isinstance(solutions, QuerySolutions):
        raise QueryError(query.name, "a named query must be a SELECT query")
    variables = [v.value for v in solutions.variables]
    missing = [c for c in query.columns if c not in variables]
    if missing:
        raise QueryError(
            query.name, f"header columns {missing} are not selected by the query ({variables})"
        )
    # Terms by position: a lookup by name costs more than the rest of the conversion.
    at = [(c, variables.index(c)) for c in query.columns]
    rows = []
    for solution in solutions:
        terms = list(solution)
        rows.append({c: _value(terms[i]) for c, i in at})
    if not rows and (graph := _missing_derived_graph(store, query)):
        raise QueryError(
            query.name,
            f"this query reads {graph}, which this store lacks: {REINGEST_ADVICE}",
        )
    return QueryResult(list(query.columns), rows)


# The derived graphs a query may read, each with the terms that only it holds and what it
# is derived from. A store written before the graph existed has the data but not the graph,
# and a query reading it would answer nothing, silently.
_AKG = ox.AKG
_DERIVED_GRAPHS = (
    (
        _AKG.EntityGraph,
        "graph/entities",
        (_AKG.EntityGraph,),
        f"ASK {{ GRAPH ?g {{ ?g a {_AKG.RecordGraph} }} }}",
    ),
    (
        _AKG.FundingGraph,
        "graph/funding",
        (
            _AKG.FundingGraph,
            _AKG.FundingTotal,
            _AKG.totalAmount,
            _AKG.totalFunder,
            _AKG.totalCountry,
            _AKG.totalYear,
            _AKG.fundedPartnerships,
        ),
        f"ASK {{ ?row {_AKG.amount} ?amount }}",
    ),
    (
        _AKG.CountGraph,
        "graph/counts",
        (
            _AKG.CountGraph,
            _AKG.PartnershipCount,
            _AKG.countCountry,
            _AKG.countPost,
            _AKG.partnershipCount,
            _AKG.foreignCollectivityCount,
        ),
        # Counts exist once a partnership has a country or a post.
        f"ASK {{ ?partnership a {_AKG.Partnership} ; {_AKG.country}|{_AKG.post} ?x }}",
    ),
)


def _missing_derived_graph(store: Store, query: NamedQuery) -> str | None:
    """The derived graph this query reads that the store lacks although it has its data."""
    for kind, graph, terms, source in _DERIVED_GRAPHS:
        names = [t.value for t in terms] + ["akg:" + t.value.removeprefix(AKG_NS) for t in terms]
        texts = (query.sparql, query.unfiltered or "")
        if not any(re.search(re.escape(n) + r"\b", t) for n in names for t in texts):
            continue
        has_graph = bool(store.query(f"ASK {{ GRAPH ?g {{ ?g a {kind} }} }}"))
        if not has_graph and bool(store.query(source)):
            return graph
    return None


def run_check(store: Store, check: str | NamedQuery) -> QueryResult:
    """Run a ``*_violation`` check: its rows are the violations (none on good data)."""
    return run_query(store, check if isinstance(check, NamedQuery) else load_query(check))


_INTEGER_TYPES = {
    "http://www.w3.org/2001/XMLSchema#" + t
    for t in ("integer", "int", "long", "short", "nonNegativeInteger", "positiveInteger")
}
_FLOAT_TYPES = {"http://www.w3.org/2001/XMLSchema#double", "http://www.w3.org/2001/XMLSchema#float"}


def _value(term: Term | None) -> Any:
    """A result term as a plain value; several values (``\\x1f``-joined) sorted, ``" ; "``."""
    if term is None:
        return None
    if isinstance(term, NamedNode):
        return term.value
    if isinstance(term, BlankNode):
        return f"_:{term.value}"
    if not isinstance(term, Literal):
        return str(term)
    datatype = term.datatype.value
    text = term.value
    try:
        if datatype in _INTEGER_TYPES:
            return int(text)
        if datatype == "http://www.w3.org/2001/XMLSchema#decimal":
            number = Decimal(text)
            return int(number) if number == number.to_integral_value() else float(number)
        if datatype in _FLOAT_TYPES:
            return float(text)
        if datatype == "http://www.w3.org/2001/XMLSchema#boolean":
            return text in ("true", "1")
    except ValueError:
        return text
    if MULTI_SEPARATOR in text or text == "":
        values = sorted({v for v in text.split(MULTI_SEPARATOR) if v}, key=_sort_key)
        return " ; ".join(values) if values else None
    return text


def _sort_key(text: str) -> tuple[str, str]:
    return (search_key(text), text)
