"""The data-quality report: SHACL conformance and anomaly checks, in words a person can act on.

``validate(store)`` runs

- **SHACL** (pySHACL, ``ontology/shapes.ttl``) on every record graph with the vocabulary
  graph (record graphs are validated in chunks: each describes its own entities, so a
  chunk is self-contained), and on the resolution, funding and count graphs
  (``graph/entities`` repeats what the record graphs say, already validated there);
- **every check** of ``queries/checks/*.rq``: a SPARQL query whose ``#+`` header gives a
  ``severity`` and a ``message`` with ``{column}`` fields. ``*_violation`` checks find
  errors (they return no rows on good data); ``*_warning`` and ``*_info`` checks find the
  source's anomalies (a French commune listed as a foreign partner, a partner's country
  that no post covers, likely duplicates, funding outside the partnership's years,
  truncated pages, names left unresolved) and the resolution decisions worth a look.

The ``QualityReport`` has one ``Finding`` per problem (severity, check, focus node,
message); ``rows()`` for tables, CSV and JSON; ``to_quads()`` the same as a SHACL
validation report (``sh:ValidationReport``/``sh:ValidationResult``), which ``load`` writes
into the store's ``graph/quality``. ``ok`` is False when there is an error: the CLI exits 1.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pyoxigraph import Literal, NamedNode, Quad, RdfFormat, Triple, serialize

from .errors import AtlasError, QueryError
from .iris import DEFAULT_BASE
from .paths import ONTOLOGY_DIR, QUERIES_DIR
from .queries import CHECKS_DIR, NamedQuery, load_query, run_query
from .store import Store, curie
from .vocab import AKG_NS, ox

__all__ = [
    "CHECK_SUFFIXES",
    "Finding",
    "QualityError",
    "QualityReport",
    "load",
    "load_checks",
    "quality_graph_iri",
    "run_checks",
    "shacl_findings",
    "validate",
]

SH = "http://www.w3.org/ns/shacl#"
CHECKS_NS = "https://w3id.org/atlas-kg/def/checks#"
"""Each check is a source shape of the report: ``CHECKS_NS + <file stem>``."""
CHECK_SUFFIXES = {"_violation": "error", "_warning": "warning", "_info": "info"}
"""A check file's name ends with one of these; it says the check's severity."""
SHACL_CHUNK = 400
"""Record graphs validated together by pySHACL (bounds memory; each chunk is self-contained)."""
_SEVERITY_IRIS = {"error": SH + "Violation", "warning": SH + "Warning", "info": SH + "Info"}
_SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}
COLUMNS = ["severity", "check", "focus", "message"]


class QualityError(AtlasError):
    """The report could not be made (a broken check, pySHACL failing): exit code 2."""

    exit_code = 2


@dataclass(frozen=True)
class Finding:
    """One problem: how bad, which check found it, on which node, and what to do."""

    severity: str
    check: str
    focus: str | None
    message: str
    details: dict[str, Any] = field(default_factory=dict, compare=False)
    """The check's row (or pySHACL's result path, value and shape)."""


@dataclass
class QualityReport:
    """Every finding, with what was run."""

    findings: list[Finding] = field(default_factory=list)
    checks: list[str] = field(default_factory=list)
    """The checks run (``checks/<stem>``), and ``shacl`` when SHACL ran."""
    shacl_conforms: bool | None = None
    """pySHACL's verdict; None when SHACL was not run."""
    graphs_validated: int = 0
    generated_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    def count(self, severity: str) -> int:
        return sum(1 for f in self.findings if f.severity == severity)

    @property
    def ok(self) -> bool:
        """No error (warnings and infos do not fail a validation)."""
        return self.count("error") == 0

    def rows(self, *, base: str = DEFAULT_BASE) -> list[dict[str, Any]]:
        """One row per finding (``COLUMNS``), errors first; focus IRIs shortened to the base."""
        return [
            {
                "severity": f.severity,
                "check": f.check,
                "focus": _short(f.focus, base),
                "message": f.message,
            }
            for f in self.sorted()
        ]

    def sorted(self) -> list[Finding]:
        return sorted(
            self.findings,
            key=lambda f: (_SEVERITY_ORDER[f.severity], f.check, f.focus or "", f.message),
        )

    def summary(self) -> str:
        shacl = (
            "not run"
            if self.shacl_conforms is None
            else f"{'conforms' if self.shacl_conforms else 'does NOT conform'} "
            f"({self.graphs_validated} graph(s) validated)"
        )
        return (
            f"{self.count('error')} error(s), {self.count('warning')} warning(s), "
            f"{self.count('info')} info; SHACL {shacl}; {len(self.checks)} check(s) run"
        )

    def text(self, *, base: str = DEFAULT_BASE, limit: int | None = 20) -> str:
        """The report for people: per check, its severity, count and findings, then a summary.

        ``limit`` findings are shown per check (None: all); the rest are counted.
        """
        by_check: dict[str, list[Finding]] = defaultdict(list)
        for f in self.sorted():
            by_check[f.check].append(f)
        lines: list[str] = []
        for check, findings in by_check.items():
            severity = findings[0].severity.upper()
            lines.append(f"{severity} {check}: {len(findings)} finding(s)")
            shown = findings if limit is None else findings[:limit]
            for f in shown:
                focus = _short(f.focus, base)
                lines.append(f"  - {focus}: {f.message}" if focus else f"  - {f.message}")
            if len(findings) > len(shown):
                lines.append(f"  … {len(findings) - len(shown)} more (--format csv lists them all)")
        lines.append(self.summary())
        return "\n".join(lines)

    def to_quads(self, *, base: str = DEFAULT_BASE) -> list[Quad]:
        """The report as a SHACL validation report, in the named graph ``graph/quality``."""
        g = NamedNode(quality_graph_iri(base=base))
        report = NamedNode(f"{base}quality/report")
        rdf_type = ox.RDF.type
        quads = [
            Quad(report, rdf_type, NamedNode(SH + "ValidationReport"), g),
            Quad(report, NamedNode(SH + "conforms"), _bool(self.ok), g),
            Quad(report, ox.PROV.generatedAtTime, _datetime(self.generated_at), g),
        ]
        described: set[str] = set()
        for f in self.sorted():
            key = f"{f.check}\n{f.focus}\n{f.message}"
            result = NamedNode(
                f"{base}quality/result/{hashlib.sha256(key.encode()).hexdigest()[:16]}"
            )
            shape = f.details.get("shape") or CHECKS_NS + f.check.split("/")[-1]
            component = f.details.get("component") or SH + "SPARQLConstraintComponent"
            quads += [
                Quad(report, NamedNode(SH + "result"), result, g),
                Quad(result, rdf_type, NamedNode(SH + "ValidationResult"), g),
                Quad(
                    result,
                    NamedNode(SH + "resultSeverity"),
                    NamedNode(_SEVERITY_IRIS[f.severity]),
                    g,
                ),
                Quad(result, NamedNode(SH + "resultMessage"), Literal(f.message, language="en"), g),
                Quad(result, NamedNode(SH + "sourceShape"), NamedNode(shape), g),
                Quad(result, NamedNode(SH + "sourceConstraintComponent"), NamedNode(component), g),
            ]
            if f.focus:
                quads.append(Quad(result, NamedNode(SH + "focusNode"), _node(f.focus), g))
            if f.details.get("path"):
                quads.append(
                    Quad(result, NamedNode(SH + "resultPath"), NamedNode(f.details["path"]), g)
                )
            if f.check.startswith(CHECKS_DIR) and shape not in described:
                described.add(shape)
                quads.append(Quad(NamedNode(shape), ox.RDFS.label, Literal(f.check), g))
        return quads

    def write_rdf(self, path: str | Path, *, base: str = DEFAULT_BASE) -> None:
        """Write the SHACL report: TriG (``.trig``), N-Quads (``.nq``), else Turtle."""
        from .vocab import PREFIXES

        suffix = Path(path).suffix.lower()
        quads = self.to_quads(base=base)
        try:
            if suffix in (".trig", ".nq"):
                fmt = RdfFormat.TRIG if suffix == ".trig" else RdfFormat.N_QUADS
                data = serialize(
                    quads,
                    format=fmt,
                    prefixes={**PREFIXES, "sh": SH} if fmt is RdfFormat.TRIG else None,
                )
            else:
                triples = [Triple(q.subject, q.predicate, q.object) for q in quads]
                fmt = RdfFormat.N_TRIPLES if suffix == ".nt" else RdfFormat.TURTLE
                prefixes = {**PREFIXES, "sh": SH} if fmt is RdfFormat.TURTLE else None
                data = serialize(triples, format=fmt, prefixes=prefixes)
            Path(path).write_bytes(data)
        except OSError as exc:
            raise QualityError(f"cannot write {path}: {exc.strerror or exc}") from None


def quality_graph_iri(*, base: str = DEFAULT_BASE) -> str:
    """The named graph ``load`` writes the report into."""
    return f"{base}graph/quality"


def _short(iri: str | None, base: str) -> str:
    if iri is None:
        return ""
    return iri[len(base) :] if iri.startswith(base) else iri


def _bool(flag: bool) -> Literal:
    return Literal("true" if flag else "false", datatype=ox.XSD.boolean)


def _datetime(when: datetime) -> Literal:
    text = when.astimezone(UTC).replace(microsecond=0).isoformat()
    return Literal(text, datatype=ox.XSD.dateTime)


def _node(value: str) -> NamedNode | Literal:
    if re.match(r"^[a-z][a-z0-9+.-]*:[^\s<>\"{}|\\^`]*$", value):
        try:
            return NamedNode(value)
        except ValueError:
            pass
    return Literal(value)


# -- checks ----------------------------------------------------------------------------------


def load_checks(directory: Path | None = None) -> list[NamedQuery]:
    """Every ``queries/checks/*.rq``, each with a severity and a message (else ``QueryError``).

    A check's name says its severity (``*_violation`` error, ``*_warning`` warning,
    ``*_info`` info); its header's ``severity`` must agree.
    """
    root = Path(directory) if directory is not None else QUERIES_DIR
    checks = []
    for path in sorted((root / CHECKS_DIR).glob("*.rq")):
        query = load_query(f"{CHECKS_DIR}/{path.stem}", root)
        suffix = next((s for s in CHECK_SUFFIXES if path.stem.endswith(s)), None)
        if suffix is None:
            raise QueryError(
                query.name, f"{path}: a check's name must end with {', '.join(CHECK_SUFFIXES)}"
            )
        expected = CHECK_SUFFIXES[suffix]
        if query.severity != expected or not query.message:
            raise QueryError(
                query.name,
                f"{path}: the header needs 'severity: {expected}' (as the name says) and a 'message'",
            )
        checks.append(query)
    return checks


class _Fields(dict):
    """Message fields: missing or empty cells read as "?"."""

    def __missing__(self, key: str) -> str:
        return "?"


def _message(template: str, row: dict[str, Any], base: str) -> str:
    fields = _Fields()
    for key, value in row.items():
        if value is None or value == "":
            continue
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        fields[key] = _short(value, base) if isinstance(value, str) else value
    try:
        return template.format_map(fields)
    except (ValueError, IndexError, AttributeError) as exc:
        raise QualityError(f"the message template {template!r} is broken: {exc}") from None


def run_checks(store: Store, checks: Sequence[NamedQuery] | None = None, *,
               base: str = DEFAULT_BASE) -> list[Finding]:  # fmt: skip
    """Run the checks; one finding per row (the focus is the row's first column)."""
    findings = []
    for check in load_checks() if checks is None else checks:
        result = run_query(store, check)
        focus_column = check.columns[0]
        for row in result.rows:
            focus = row.get(focus_column)
            findings.append(
                Finding(
                    check.severity or "warning",
                    check.name,
                    str(focus) if focus is not None else None,
                    _message(check.message or check.summary, row, base),
                    dict(row),
                )
            )
    return findings


# -- SHACL -----------------------------------------------------------------------------------

# Sorted in Python (shacl_findings): an ORDER BY reads each IRI's text from disk at every
# comparison (12,000 graphs: 0.54 s against 0.03 s).
_RECORD_GRAPHS = f"SELECT ?g WHERE {{ GRAPH ?g {{ ?g a <{AKG_NS}RecordGraph> }} }}"
_OTHER_GRAPHS = f"""
SELECT ?g ?kind WHERE {{
  GRAPH ?g {{ ?g a ?kind }} VALUES ?kind {{ {ox.AKG.ResolutionGraph} {ox.AKG.FundingGraph} {ox.AKG.CountGraph} }}
}}"""
_GRAPH = "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?_g { ?s ?p ?o } }"
_RESOLVED_NODES = f"""
CONSTRUCT {{ ?node ?p ?o }} WHERE {{
  GRAPH ?r {{ ?r a <{AKG_NS}ResolutionGraph> . ?d <{AKG_NS}resolvedTo>|<{AKG_NS}mergedNode> ?node }}
  GRAPH ?g {{ ?g a <{AKG_NS}RecordGraph> . ?node ?p ?o }}
}}
"""


def _shapes() -> Any:
    import rdflib

    shapes = rdflib.Graph()
    shapes.parse(ONTOLOGY_DIR / "shapes.ttl", format="turtle")
    return shapes


def shacl_findings(
    store: Store, *, chunk: int = SHACL_CHUNK, base: str = DEFAULT_BASE
) -> tuple[bool, list[Finding], int]:
    """Validate the store's record, resolution, funding and count graphs against
    ``ontology/shapes.ttl``.

    Returns (conforms, findings, graphs validated). A result repeated by several chunks (a
    shared entity) is reported once.
    """
    from .rdf import vocabulary_quads

    vocabulary = [Triple(q.subject, q.predicate, q.object) for q in vocabulary_quads(base=base)]
    shapes = _shapes()
    rows = store.query(_RECORD_GRAPHS)  # type: ignore[union-attr]
    record_graphs = sorted((row["g"] for row in rows), key=lambda g: g.value)
    other_graphs = [(row["g"], row["kind"]) for row in store.query(_OTHER_GRAPHS)]  # type: ignore[union-attr]
    conforms = True
    findings: dict[tuple, Finding] = {}
    batches: list[list[Triple]] = []
    for start in range(0, len(record_graphs), chunk):
        triples: list[Triple] = []
        for g in record_graphs[start : start + chunk]:
            triples.extend(store.query(_GRAPH, substitutions={"_g": g}))  # type: ignore[arg-type]
        batches.append(triples)
    for g, kind in other_graphs:
        triples = list(store.query(_GRAPH, substitutions={"_g": g}))  # type: ignore[arg-type]
        if kind == ox.AKG.ResolutionGraph:  # with the nodes its decisions name
            triples += store.query(_RESOLVED_NODES)  # type: ignore[arg-type]
        batches.append(triples)
    for triples in batches:
        ok, results = _pyshacl(triples + vocabulary, shapes)
        conforms = conforms and ok
        for f in results:
            findings.setdefault((f.focus, f.details.get("path"), f.message), f)
    return conforms, list(findings.values()), len(record_graphs) + len(other_graphs)


def _pyshacl(triples: list[Triple], shapes: Any) -> tuple[bool, list[Finding]]:
    import pyshacl
    import rdflib
    from rdflib.namespace import RDF
    from rdflib.namespace import SH as RSH

    data = rdflib.Graph()
    data.parse(data=serialize(triples, format=RdfFormat.N_TRIPLES), format="nt")
    try:
        conforms, results, _ = pyshacl.validate(
            data, shacl_graph=shapes, advanced=True, allow_warnings=True
        )
    except Exception as exc:  # noqa: BLE001 - pySHACL raises many kinds; the report cannot be made
        raise QualityError(f"pySHACL could not validate the graph: {exc}") from None
    owner = {o: s for s, _, o in shapes.triples((None, RSH.property, None))}
    out = []
    for result in results.subjects(RDF.type, RSH.ValidationResult):
        get = results.value
        severity = {RSH.Violation: "error", RSH.Warning: "warning"}.get(
            get(result, RSH.resultSeverity), "info"
        )
        focus, path, value = (
            get(result, RSH.focusNode),
            get(result, RSH.resultPath),
            get(result, RSH.value),
        )
        shape = get(result, RSH.sourceShape)
        shape = owner.get(shape, shape)
        message = str(get(result, RSH.resultMessage) or "does not conform")
        where = f" ({curie(str(path))})" if isinstance(path, rdflib.URIRef) else ""
        shape_name = (
            str(shape).rsplit("#", 1)[-1] if isinstance(shape, rdflib.URIRef) else "a shape"
        )
        text = f"{shape_name}{where}: {message}"
        if value is not None and str(value) not in message:
            text += f" (value: {value})"
        out.append(
            Finding(
                severity,
                "shacl",
                str(focus) if focus is not None else None,
                text,
                {
                    "path": str(path) if isinstance(path, rdflib.URIRef) else None,
                    "value": str(value) if value is not None else None,
                    "shape": str(shape) if isinstance(shape, rdflib.URIRef) else None,
                    "component": str(get(result, RSH.sourceConstraintComponent) or ""),
                },
            )
        )
    return bool(conforms), out


# -- the whole report ------------------------------------------------------------------------


def validate(store: Store, *, shacl: bool = True, checks: Sequence[NamedQuery] | None = None,
             base: str = DEFAULT_BASE) -> QualityReport:  # fmt: skip
    """SHACL conformance (unless ``shacl`` is False) and every check, as one report."""
    report = QualityReport()
    chosen = load_checks() if checks is None else list(checks)
    if shacl:
        conforms, findings, graphs = shacl_findings(store, base=base)
        report.shacl_conforms, report.graphs_validated = conforms, graphs
        report.findings += findings
        report.checks.append("shacl")
    report.findings += run_checks(store, chosen, base=base)
    report.checks += [c.name for c in chosen]
    return report


def load(store: Store, report: QualityReport, *, base: str = DEFAULT_BASE) -> int:
    """Write the report into the store's ``graph/quality`` (replacing it); returns quads written."""
    from .rdf import NamedGraph, _digest

    quads = report.to_quads(base=base)
    # akg:contentHash (the time excluded) marks it as an atlas-kg graph, as every other:
    # a server store lists, counts, dumps and pushes only those.
    digest = _digest([q for q in quads if q.predicate != ox.PROV.generatedAtTime])
    g = NamedNode(quality_graph_iri(base=base))
    quads.append(Quad(g, ox.AKG.contentHash, Literal(digest), g))
    return store.replace_records([NamedGraph(g.value, quads, digest, "validate")])
