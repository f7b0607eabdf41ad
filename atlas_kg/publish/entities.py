"""What the site shows about the graph: entity descriptions, labels, lists and search.

``SiteData`` reads the store through its ``query`` method only (bound parameters, never
spliced text), so any ``Store`` can be published. It is built once per served store
(``SiteData.load``): vocabulary labels, the dataset's version and the home page's lists
are read then; entity descriptions are read on demand.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from pyoxigraph import BlankNode, Literal, NamedNode, QuerySolutions, Triple

from ..iris import search_key, vocabulary_graph_iri
from ..store import Store, StoreStats
from .links import Links, anchor

__all__ = [
    "EntityView",
    "Flag",
    "GraphInfo",
    "Incoming",
    "ListItem",
    "SiteData",
    "Statement",
    "Value",
    "serialize_rdf",
]

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
DCTERMS = "http://purl.org/dc/terms/"
SKOS = "http://www.w3.org/2004/02/skos/core#"
FOAF = "http://xmlns.com/foaf/0.1/"
PROV = "http://www.w3.org/ns/prov#"
AKG = "https://w3id.org/atlas-kg/def#"
SH = "http://www.w3.org/ns/shacl#"
LABEL_PROPERTIES = (DCTERMS + "title", SKOS + "prefLabel", RDFS + "label", FOAF + "name")
"""Properties naming a resource, in order of preference."""
DATA_LANGS = ("fr", "", "en")
TERM_LANGS = ("en", "", "fr")
INCOMING_SHOWN = 200
GRAPHS_SHOWN = 20

_LABELS = "VALUES ?lp { dcterms:title skos:prefLabel rdfs:label foaf:name }"
Q_EXISTS = "SELECT ?s WHERE { { ?s ?p ?o } UNION { ?x ?y ?s } } LIMIT 1"
Q_OUT = f"""SELECT DISTINCT ?s ?p ?o ?lp ?label WHERE {{
  ?s ?p ?o OPTIONAL {{ ?o ?lp ?label {_LABELS} FILTER(isLiteral(?label)) }} }}"""
Q_CHILDREN = f"""SELECT DISTINCT ?s ?prefix ?c ?p ?o ?lp ?label WHERE {{
  GRAPH ?g {{ ?s a akg:Partnership . ?c ?p ?o FILTER(STRSTARTS(STR(?c), ?prefix)) }}
  OPTIONAL {{ ?o ?lp ?label {_LABELS} FILTER(isLiteral(?label)) }} }}"""
Q_INCOMING_COUNTS = """SELECT ?o ?p (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?o }
GROUP BY ?o ?p"""
Q_INCOMING = f"""SELECT ?o ?p ?s ?lp ?label WHERE {{
  {{ SELECT DISTINCT ?o ?p ?s WHERE {{ ?s ?p ?o }} LIMIT {INCOMING_SHOWN} }}
  OPTIONAL {{ ?s ?lp ?label {_LABELS} FILTER(isLiteral(?label)) }} }}"""
Q_GRAPHS = f"""SELECT ?s ?g WHERE {{ {{ SELECT DISTINCT ?s ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}
  LIMIT {GRAPHS_SHOWN + 1} }} }}"""
Q_GRAPH_COUNT = "SELECT ?s (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?s"
Q_GRAPH_INFO = "SELECT ?g ?p ?o WHERE { GRAPH ?g { ?g ?p ?o } }"
_FLAG_DETAILS = f"""
  OPTIONAL {{ ?r <{SH}resultSeverity> ?severity }}
  OPTIONAL {{ ?r <{SH}resultMessage> ?message }}
  OPTIONAL {{ ?r <{SH}resultPath> ?path }}
  OPTIONAL {{ ?r <{SH}sourceShape> ?shape }}"""
Q_FLAGS = f"""SELECT ?s ?r ?severity ?message ?path ?shape WHERE {{
  ?r <{SH}focusNode> ?s . {_FLAG_DETAILS} }}"""
Q_FLAGS_ROWS = f"""SELECT ?e ?prefix ?s ?r ?severity ?message ?path ?shape WHERE {{
  ?r <{SH}focusNode> ?s FILTER(?s = ?e || STRSTARTS(STR(?s), ?prefix)) {_FLAG_DETAILS} }}"""
"""Findings on an entity (``?e``) and on its rows (IRIs starting with ``?prefix``)."""
Q_VOCAB_LABELS = f"""SELECT ?g ?t ?lp ?label WHERE {{
  GRAPH ?g {{ ?t ?lp ?label {_LABELS} FILTER(isIRI(?t) && isLiteral(?label)) }} }}"""
"""Labels of the vocabulary graph (``?g`` bound): ontology terms, concepts, countries."""
Q_SEARCH_INDEX = "SELECT DISTINCT ?s ?key WHERE { ?s akg:searchKey ?key FILTER(isIRI(?s)) }"
Q_TYPES = "SELECT DISTINCT ?s ?class WHERE { ?s a ?class }"
Q_BY_COUNTRY = """SELECT ?item (COUNT(DISTINCT ?p) AS ?n) WHERE {
  ?p a akg:Partnership ; akg:country ?item } GROUP BY ?item ORDER BY DESC(?n) ?item"""
Q_BY_POST = """SELECT ?item (COUNT(DISTINCT ?p) AS ?n) WHERE {
  ?p a akg:Partnership ; akg:post ?item } GROUP BY ?item ORDER BY DESC(?n) ?item"""
Q_BY_THEME = """SELECT ?item ?parent (COUNT(DISTINCT ?p) AS ?n) WHERE {
  ?item skos:inScheme <https://w3id.org/atlas-kg/def/theme/scheme> .
  OPTIONAL { ?item skos:broader ?parent }
  OPTIONAL { ?p akg:theme ?item } } GROUP BY ?item ?parent ORDER BY DESC(?n) ?item"""
# Q_VERSION's and Q_LOCAL_SUBJECTS' rows are sorted in Python, not by ORDER BY: Oxigraph on
# disk reads an IRI's text from disk at each comparison of a sort (12,000 record graphs:
# 0.57 s against 0.06 s; the 362,595 subjects of 12,000 records: 32 s against 2.8 s).
Q_VERSION = """SELECT ?g ?h WHERE { ?g akg:contentHash ?h }"""
Q_MODIFIED = """SELECT (MAX(?t) AS ?m) WHERE { GRAPH ?g { ?g prov:generatedAtTime ?t } }"""
Q_LOCAL_SUBJECTS = """SELECT DISTINCT ?base ?s WHERE {
  ?s a ?class FILTER(isIRI(?s) && STRSTARTS(STR(?s), ?base)) }"""
Q_EXAMPLES = """SELECT ?class (SAMPLE(?s) AS ?example) WHERE { ?s a ?class FILTER(isIRI(?s)) }
GROUP BY ?class"""


@dataclass(frozen=True)
class Value:
    """A term with the label to show (None: show the term itself)."""

    term: NamedNode | BlankNode | Literal | Triple
    label: str | None = None

    @property
    def iri(self) -> str | None:
        return self.term.value if isinstance(self.term, NamedNode) else None


@dataclass
class Statement:
    predicate: str
    values: list[Value]


@dataclass
class Incoming:
    """Resources linking to the entity through one property (first ``INCOMING_SHOWN``)."""

    predicate: str
    count: int
    subjects: list[Value]


@dataclass
class GraphInfo:
    """A record graph the entity is described in, with its provenance."""

    iri: str
    source_page: str | None = None
    source_file: str | None = None
    read_at: str | None = None
    parser_version: str | None = None
    sha256: str | None = None
    complete: bool | None = None
    warnings: list[str] = field(default_factory=list)
    topic: str | None = None


@dataclass
class Flag:
    """A data-quality finding on the entity (a SHACL validation result in the store)."""

    severity: str | None
    message: str | None
    path: str | None
    shape: str | None
    focus: str


@dataclass
class EntityView:
    """Everything the page of one entity shows."""

    iri: str
    label: str | None
    types: list[str]
    statements: list[Statement]
    children: list[EntityView] = field(default_factory=list)
    anchor: str | None = None
    incoming: list[Incoming] = field(default_factory=list)
    graphs: list[GraphInfo] = field(default_factory=list)
    graph_count: int = 0
    flags: list[Flag] = field(default_factory=list)


@dataclass(frozen=True)
class ListItem:
    iri: str
    label: str
    count: int
    parent: str | None = None


def pick_label(
    candidates: Iterable[tuple[str, Literal]], langs: tuple[str, ...] = DATA_LANGS
) -> str | None:
    """The best label among ``(property, literal)`` pairs: by property, then language."""
    best: tuple[int, int, str] | None = None
    for prop, lit in candidates:
        if prop not in LABEL_PROPERTIES or not isinstance(lit, Literal):
            continue
        lang = (lit.language or "").split("-")[0]
        rank = (
            LABEL_PROPERTIES.index(prop),
            langs.index(lang) if lang in langs else len(langs),
            lit.value,
        )
        if best is None or rank < best:
            best = rank
    return best[2] if best else None


def serialize_rdf(triples: list[Triple], fmt_name: str) -> bytes:
    """Triples in one of ``conneg.RDF_FORMATS`` (``turtle``, ``jsonld``...), with prefixes."""
    from pyoxigraph import serialize

    from ..vocab import PREFIXES
    from .conneg import RDF_FORMATS

    fmt = RDF_FORMATS[fmt_name].rdf
    prefixes = PREFIXES if fmt_name in ("turtle", "rdfxml", "jsonld") else None
    return serialize(triples, format=fmt, prefixes=prefixes) or b""


def _solutions(result: object) -> QuerySolutions:
    assert isinstance(result, QuerySolutions)
    return result


class SiteData:
    """The store seen by the site: labels, lists, version; entity descriptions on demand."""

    def __init__(self, store: Store, links: Links) -> None:
        self.store = store
        self.links = links
        self.term_labels: dict[str, str] = {}
        self.data_labels: dict[str, str] = {}
        self.vocabulary: set[str] = set()
        self.version = ""
        self.modified: str | None = None
        self.stats: StoreStats | None = None
        self.countries: list[ListItem] = []
        self.search_index: list[tuple[str, str]] = []
        """(search key, IRI) of every named entity, sorted."""
        self.posts: list[ListItem] = []
        self.themes: list[ListItem] = []

    @classmethod
    def load(cls, store: Store, links: Links) -> SiteData:
        data = cls(store, links)
        data.refresh()
        return data

    def refresh(self) -> None:
        """Read what pages need on every request: labels, version, home lists."""
        vocab_graph = NamedNode(vocabulary_graph_iri(base=self.links.base))
        candidates: dict[str, list[tuple[str, Literal]]] = defaultdict(list)
        rows = self.store.query(Q_VOCAB_LABELS, substitutions={"g": vocab_graph})
        for row in _solutions(rows):
            candidates[row["t"].value].append((row["lp"].value, row["label"]))
            self.vocabulary.add(row["t"].value)
        self.term_labels = {
            t: label for t, c in candidates.items() if (label := pick_label(c, TERM_LANGS))
        }
        # Concepts and countries are data: their French label first.
        self.data_labels = {
            t: label for t, c in candidates.items() if (label := pick_label(c, DATA_LANGS))
        }
        self.links.known |= {t for t in self.vocabulary if not self.links.is_local(t)}
        digest = hashlib.sha256()
        hashes = sorted(
            (r["g"].value, r["h"].value) for r in _solutions(self.store.query(Q_VERSION))
        )
        for graph, content_hash in hashes:
            digest.update(f"{graph} {content_hash}\n".encode())
        digest.update(str(self.store.quad_count()).encode())
        self.version = digest.hexdigest()[:20]
        modified = next(iter(_solutions(self.store.query(Q_MODIFIED))), None)
        self.modified = modified["m"].value if modified and modified["m"] is not None else None
        self.stats = self.store.stats()
        self.countries = self._list(Q_BY_COUNTRY)
        self.posts = self._list(Q_BY_POST)
        self.themes = self._list(Q_BY_THEME)
        # Names are searched in memory: a scan of the store per search would repeat
        # each shared entity's key once per record graph.
        index = {
            (row["key"].value, row["s"].value)
            for row in _solutions(self.store.query(Q_SEARCH_INDEX))
        }
        self.search_index = sorted(index)

    def _list(self, sparql: str) -> list[ListItem]:
        solutions = _solutions(self.store.query(sparql))
        has_parent = "parent" in {v.value for v in solutions.variables}
        rows = list(solutions)
        labels = self._labels_of([r["item"] for r in rows])
        items = []
        for row in rows:
            iri = row["item"].value
            parent = row["parent"].value if has_parent and row["parent"] is not None else None
            items.append(ListItem(iri, labels.get(iri) or iri, int(row["n"].value), parent))
        return items

    def _labels_of(self, terms: Iterable[object]) -> dict[str, str]:
        out = {}
        for term in terms:
            if isinstance(term, NamedNode):
                label = self.data_labels.get(term.value) or self.label(term.value)
                if label:
                    out[term.value] = label
        return out

    def label(self, iri: str) -> str | None:
        """The label of one resource (data label first)."""
        if iri in self.data_labels:
            return self.data_labels[iri]
        rows = self.store.query(
            f"SELECT ?s ?lp ?label WHERE {{ ?s ?lp ?label {_LABELS} FILTER(isLiteral(?label)) }}",
            substitutions={"s": NamedNode(iri)},
        )
        return pick_label((r["lp"].value, r["label"]) for r in _solutions(rows))

    def term_label(self, iri: str) -> str | None:
        """The label of a vocabulary term (property, class), English first."""
        return self.term_labels.get(iri)

    # -- entities ----------------------------------------------------------------------

    def exists(self, iri: str) -> bool:
        """True when the store says anything about or pointing to ``iri``."""
        rows = self.store.query(Q_EXISTS, substitutions={"s": NamedNode(iri)})
        return next(iter(_solutions(rows)), None) is not None

    def describe(self, iri: str) -> EntityView:
        """The view of one entity (its rows included when it is a partnership)."""
        node = NamedNode(iri)
        view = self._statements(iri, _solutions(self.store.query(Q_OUT, substitutions={"s": node})))
        if AKG + "Partnership" in view.types:
            view.children = self._children(iri)
        view.incoming = self._incoming(node)
        view.graph_count, view.graphs = self._graphs(node)
        view.flags = self._flags(iri, rows=bool(view.children))
        return view

    def _statements(self, iri: str, rows: Iterable) -> EntityView:
        values: dict[str, dict[object, list]] = defaultdict(dict)
        for row in rows:
            p, o = row["p"].value, row["o"]
            bucket = values[p].setdefault(o, [])
            if row["lp"] is not None:
                bucket.append((row["lp"].value, row["label"]))
        statements = []
        label_candidates = []
        types = []
        for p, objects in values.items():
            if p == RDF_TYPE:
                types = sorted(o.value for o in objects if isinstance(o, NamedNode))
            if p in LABEL_PROPERTIES:
                label_candidates += [(p, o) for o in objects if isinstance(o, Literal)]
            if p == RDF_TYPE:  # classes: the ontology's (English) labels
                vals = [Value(o, self.term_labels.get(o.value)) for o in objects]
            else:
                vals = [
                    Value(o, pick_label(c) or self.data_labels.get(getattr(o, "value", "")))
                    for o, c in objects.items()
                ]
            vals.sort(key=_value_key)
            statements.append(Statement(p, vals))
        statements.sort(key=lambda s: _predicate_key(s.predicate))
        return EntityView(iri, pick_label(label_candidates), types, statements)

    def _children(self, iri: str) -> list[EntityView]:
        rows = self.store.query(
            Q_CHILDREN,
            substitutions={"s": NamedNode(iri), "prefix": Literal(iri + "/")},
        )
        by_child: dict[str, list] = defaultdict(list)
        for row in _solutions(rows):
            by_child[row["c"].value].append(row)
        children = []
        for child, child_rows in by_child.items():
            view = self._statements(child, child_rows)
            view.anchor = anchor(child[len(iri) + 1 :])
            children.append(view)
        children.sort(key=lambda v: _natural(v.iri))
        return children

    def _incoming(self, node: NamedNode) -> list[Incoming]:
        counts = [
            (row["p"].value, int(row["n"].value))
            for row in _solutions(self.store.query(Q_INCOMING_COUNTS, substitutions={"o": node}))
        ]
        out = []
        for predicate, count in sorted(counts, key=lambda pc: _predicate_key(pc[0])):
            rows = self.store.query(
                Q_INCOMING, substitutions={"o": node, "p": NamedNode(predicate)}
            )
            subjects: dict[object, list] = {}
            for row in _solutions(rows):
                bucket = subjects.setdefault(row["s"], [])
                if row["lp"] is not None:
                    bucket.append((row["lp"].value, row["label"]))
            vals = sorted((Value(s, pick_label(c)) for s, c in subjects.items()), key=_value_key)
            out.append(Incoming(predicate, count, vals))
        return out

    def _graphs(self, node: NamedNode) -> tuple[int, list[GraphInfo]]:
        count_row = next(
            iter(_solutions(self.store.query(Q_GRAPH_COUNT, substitutions={"s": node}))), None
        )
        count = int(count_row["n"].value) if count_row else 0
        graphs = [
            row["g"].value
            for row in _solutions(self.store.query(Q_GRAPHS, substitutions={"s": node}))
            if isinstance(row["g"], NamedNode)
        ]
        return count, [self.graph_info(g) for g in sorted(graphs)[:GRAPHS_SHOWN]]

    def graph_info(self, graph: str) -> GraphInfo:
        """The provenance a record graph gives about itself."""
        info = GraphInfo(graph)
        rows = self.store.query(Q_GRAPH_INFO, substitutions={"g": NamedNode(graph)})
        for row in _solutions(rows):
            p, o = row["p"].value, row["o"]
            if p == PROV + "wasDerivedFrom":
                info.source_page = o.value
            elif p == AKG + "sourceFile":
                info.source_file = o.value
            elif p == PROV + "generatedAtTime":
                info.read_at = o.value
            elif p == AKG + "parserVersion":
                info.parser_version = o.value
            elif p == AKG + "sha256":
                info.sha256 = o.value
            elif p == AKG + "complete":
                info.complete = o.value in ("true", "1")
            elif p == AKG + "parseWarning":
                info.warnings.append(o.value)
            elif p == FOAF + "primaryTopic":
                info.topic = o.value
        info.warnings.sort()
        return info

    def _flags(self, iri: str, *, rows: bool = False) -> list[Flag]:
        """Findings on the entity, and on its rows (``<iri>/...``) when ``rows``."""
        if rows:
            found = self.store.query(
                Q_FLAGS_ROWS, substitutions={"e": NamedNode(iri), "prefix": Literal(iri + "/")}
            )
        else:
            found = self.store.query(Q_FLAGS, substitutions={"s": NamedNode(iri)})
        flags = {}
        for row in _solutions(found):
            key = row["r"]
            flags[key] = Flag(
                severity=_local(row["severity"]),
                message=row["message"].value if row["message"] is not None else None,
                path=row["path"].value if isinstance(row["path"], NamedNode) else None,
                shape=row["shape"].value if isinstance(row["shape"], NamedNode) else None,
                focus=row["s"].value,
            )
        return sorted(
            flags.values(), key=lambda f: (_SEVERITY.get(f.severity or "", 9), f.message or "")
        )

    def entity_triples(self, iri: str) -> list[Triple]:
        """The triples of an entity's document: its own, and its rows' for a partnership."""
        node = NamedNode(iri)
        triples = {
            Triple(node, r["p"], r["o"])
            for r in _solutions(
                self.store.query(
                    "SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o }", substitutions={"s": node}
                )
            )
        }
        if any(
            t.predicate.value == RDF_TYPE and t.object.value == AKG + "Partnership" for t in triples
        ):
            rows = self.store.query(
                Q_CHILDREN, substitutions={"s": node, "prefix": Literal(iri + "/")}
            )
            triples |= {Triple(r["c"], r["p"], r["o"]) for r in _solutions(rows)}
        return sorted(triples, key=lambda t: (t.subject.value, t.predicate.value, str(t.object)))

    # -- search and enumeration --------------------------------------------------------

    def search(self, text: str, limit: int = 100) -> list[tuple[str, str, list[str]]]:
        """Entities whose name contains ``text`` (case and accents ignored): exact names
        first, then names starting with it, then shorter ones. Returns ``(iri, label,
        types)``."""
        key = search_key(text)
        if not key:
            return []
        best: dict[str, str] = {}
        for name, iri in self.search_index:
            if key in name and (iri not in best or len(name) < len(best[iri])):
                best[iri] = name
        ranked = sorted(
            best, key=lambda i: (best[i] != key, not best[i].startswith(key), len(best[i]), i)
        )
        out = []
        for iri in ranked[:limit]:
            types = self.store.query(Q_TYPES, substitutions={"s": NamedNode(iri)})
            classes = sorted(r["class"].value for r in _solutions(types))
            out.append((iri, self.label(iri) or iri, classes))
        return out

    def local_subjects(self) -> list[str]:
        """Every IRI under the base that has statements, rows of partnerships excluded, in
        code point order."""
        rows = self.store.query(Q_LOCAL_SUBJECTS, substitutions={"base": Literal(self.links.base)})
        out = []
        for row in _solutions(rows):
            iri = row["s"].value
            if self.links.document_of(iri)[0] == iri:
                out.append(iri)
        return sorted(out)

    def examples(self) -> dict[str, str]:
        """One example resource per class (class IRI → resource IRI)."""
        return {
            r["class"].value: r["example"].value
            for r in _solutions(self.store.query(Q_EXAMPLES))
            if isinstance(r["class"], NamedNode) and isinstance(r["example"], NamedNode)
        }


_SEVERITY = {"Violation": 0, "Warning": 1, "Info": 2}


def _local(term: object) -> str | None:
    if term is None:
        return None
    value = term.value  # type: ignore[attr-defined]
    return value.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


_FIRST = [RDF_TYPE, *LABEL_PROPERTIES] + [
    AKG + name
    for name in (
        "atlasId", "status", "statusLabel", "startYear", "firstSignatureYear", "endDate",
        "frenchPartner", "foreignPartner", "country", "countryName", "kind", "post",
        "contractingAuthority", "implementingParty", "otherPartner", "primaryTheme", "theme",
        "sdg", "funding",
    )
]  # fmt: skip
_LAST = [AKG + n for n in ("form", "context", "history", "objectives", "beneficiaries")] + [
    DCTERMS + "description",
    AKG + "searchKey",
]


def _predicate_key(p: str) -> tuple[int, int, str]:
    """Types and names first, then the main links, other properties, long texts last."""
    if p in _FIRST:
        return (0, _FIRST.index(p), p)
    if p in _LAST:
        return (2, _LAST.index(p), p)
    return (1, 0, p)


def _natural(text: str) -> list[object]:
    import re

    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", text)]


def _value_key(v: Value) -> tuple:
    term = v.term
    text = v.label or getattr(term, "value", str(term))
    return (0 if isinstance(term, NamedNode) else 1, search_key(text) if text else "", text)
