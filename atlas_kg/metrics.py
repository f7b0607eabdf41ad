"""Networks drawn from the store, and their metrics (networkx).

A *projection* is a networkx graph built from a few SPARQL queries that each extract an
edge list (partnership → partner, post, funding row), joined in Python: one extraction
query plus Python is much faster than the same network written as a SPARQL self-join
(``../shared/MEASURED.md``). Filters select the partnerships first, with bound terms
only: the country, theme and status are resolved to IRIs through their ``akg:searchKey``
(the value bound, never spliced), and years are bound as integers.

Projections (``PROJECTIONS``), every node identified by its IRI:

``bipartite``
    French collectivity – foreign collectivity; an edge per pair that share partnerships,
    ``weight`` = number of partnerships, with their years and total funding.
``french`` / ``foreign``
    the two one-mode projections of ``bipartite``: two French (foreign) collectivities
    are linked when they share a foreign (French) partner; ``weight`` = shared partners.
``post``
    collectivity (French or foreign) – diplomatic post following its partnerships.
``funder``
    funder – partnership; ``weight`` = funding rows, ``funding`` = their euros.
``country``
    country – country through French collectivities: two countries are linked when a
    French collectivity has partnerships in both; ``weight`` = such collectivities.

A partnership's year is its start year, else its first signature year; partnerships with
neither are left out by year filters and counted in no yearly snapshot. A partnership's
``funding`` is the sum of its funding rows; an edge's ``funding`` sums the partnerships
on that edge, so a partnership with several partners counts on each of its edges.

Metrics (``compute_metrics``): degree, weighted degree (sum of ``weight``), betweenness
(unweighted, normalised, exact: Brandes' algorithm on the network compressed by removing
its hanging trees and merging nodes with the same neighbours, many sources at once as
sparse-matrix products; ``betweenness`` has the other engines), PageRank (weighted), eigenvector
centrality (weighted; omitted with a note when the power iteration does not converge),
connected components (numbered by size, 0 the largest), Louvain communities (weighted,
seeded, numbered by size) and clustering (Latapy's bipartite clustering on the bipartite
projections, the usual coefficient on the others); ``year_snapshots`` tells how the
network grew. ``write_metrics`` stores them as RDF in a named graph of computed values
(``graph/metrics/<name>``) that also records the parameters used.

>>> from atlas_kg.store import open_store
>>> net = load_network(open_store(":memory:"), "bipartite")
>>> net.summary["nodes"], net.notes
(0, ['empty network: no partnership matches'])
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import networkx as nx
from pyoxigraph import Literal, NamedNode, Quad

from .errors import REINGEST_ADVICE, ConfigError, StoreError
from .iris import DEFAULT_BASE, search_key
from .rdf import NamedGraph, QuadText
from .store import BULK_QUADS, Store, Term
from .vocab import AKG_NS, ox

__all__ = [
    "BETWEENNESS_ENGINES",
    "BETWEENNESS_K",
    "DEFAULT_SEED",
    "EXACT_BETWEENNESS_MAX_NODES",
    "MAX_BFS_LEVELS",
    "METRICS",
    "PROJECTIONS",
    "Entity",
    "Extract",
    "Filters",
    "MetricsParams",
    "Network",
    "Partnership",
    "betweenness",
    "build_graph",
    "compute_metrics",
    "extract",
    "latapy_clustering",
    "load_network",
    "load_networks",
    "measure_network",
    "metrics_graph",
    "metrics_graph_iri",
    "projection",
    "spearman",
    "write_metrics",
    "year_snapshots",
]

EXACT_BETWEENNESS_MAX_NODES = 1_000
"""With the ``networkx`` and ``rustworkx`` engines, networkx's exact betweenness on
connected components up to this many nodes (networkx's exact algorithm is O(n·m): about
11 minutes on the 14,700-node bipartite network of a full Atlas)."""
BETWEENNESS_K = 500
"""With the ``networkx`` engine, sources sampled for betweenness in a component larger
than ``EXACT_BETWEENNESS_MAX_NODES`` (the rank correlation with the exact values is
measured in ``bench/bench_network.py``)."""
MAX_BFS_LEVELS = 64
"""The ``auto`` engine measures a component level by level of its breadth-first
searches; a component deeper than this (a long chain) is left to the fallback engine."""
_DENSE_CELLS = 1 << 20
"""Cells (nodes × sources) of each dense array of the batched breadth-first search:
about 8 MB each, a handful alive at once."""
_BLOCK_WORK = 1 << 22
"""Entries of the squared adjacency matrix computed at once (rows in blocks)."""
DEFAULT_SEED = 42
"""Seed of betweenness sampling and Louvain: the same store gives the same metrics."""

METRICS = (
    "degree",
    "weighted_degree",
    "betweenness",
    "pagerank",
    "eigenvector",
    "component",
    "community",
    "clustering",
)
"""Node attributes ``compute_metrics`` sets."""

KINDS = {
    AKG_NS + "FrenchCollectivity": "french_collectivity",
    AKG_NS + "ForeignCollectivity": "foreign_collectivity",
    AKG_NS + "DiplomaticPost": "diplomatic_post",
    AKG_NS + "Funder": "funder",
}
"""Node ``kind`` of each class of entity; the others are ``partnership`` and ``country``."""
_KIND_ORDER = {kind: rank for rank, kind in enumerate(KINDS.values())}


# -- filters ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    """Which partnerships make the network. Labels match case- and accent-insensitively."""

    country: str | None = None
    """A country: French or English name, or ISO code (``Sénégal``, ``senegal``, ``SN``)."""
    theme: str | None = None
    """A theme at any level of the taxonomy (``Eau et assainissement``)."""
    status: str | None = None
    """``ongoing``, ``finished``, ``dormant`` (or ``En cours``, ``Terminé``, ``En sommeil``)."""
    from_year: int | None = None
    to_year: int | None = None

    def as_dict(self) -> dict[str, Any]:
        """The filters that are set."""
        return {k: v for k, v in self.__dict__.items() if v is not None}

    def digest(self) -> str:
        """12 hex digits naming this set of filters (empty when none is set)."""
        items = sorted(self.as_dict().items())
        if not items:
            return ""
        return hashlib.sha256(repr(items).encode()).hexdigest()[:12]


_RESOLVE = {
    # filter → (query resolving its search key to IRIs, what is expected)
    "country": (
        "SELECT DISTINCT ?match ?_key WHERE { ?match a akg:Country ; akg:searchKey ?_key }",
        "a country name or ISO code (Sénégal, Senegal, SN)",
    ),
    "theme": (
        "SELECT DISTINCT ?match ?_key WHERE { ?match akg:searchKey ?_key ; "
        "skos:inScheme <https://w3id.org/atlas-kg/def/theme/scheme> }",
        "a theme of the Atlas taxonomy at any level (Eau et assainissement)",
    ),
    "status": (
        "SELECT DISTINCT ?match ?_key WHERE { ?match a akg:PartnershipStatus ; akg:searchKey ?_key }",
        "ongoing, finished or dormant (or En cours, Terminé, En sommeil)",
    ),
}


def _resolve(store: Store, name: str, value: str) -> list[NamedNode]:
    """The IRIs a filter value names, through the bound search key."""
    sparql, expected = _RESOLVE[name]
    key = Literal(search_key(value))
    found = sorted({row["match"].value for row in store.query(sparql, substitutions={"_key": key})})
    if not found:
        raise ConfigError(f"--{name}", value, expected)
    return [NamedNode(iri) for iri in found]


def _values(variable: str, terms: Iterable[NamedNode]) -> str:
    # VALUES built from typed terms: str(NamedNode) is the checked, escaped <IRI> form.
    return f"VALUES ?{variable} {{ {' '.join(str(t) for t in terms)} }}"


def _integer(value: int) -> Literal:
    return Literal(str(int(value)), datatype=ox.XSD.integer)


# -- extraction ------------------------------------------------------------------------


@dataclass
class Partnership:
    """One selected partnership, with the ends of every edge it makes."""

    iri: str
    atlas_id: int | None = None
    title: str | None = None
    year: int | None = None
    end_year: int | None = None
    status: str | None = None
    french: list[str] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)
    posts: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    funding: float = 0.0
    """Euros of all its funding rows."""
    funders: dict[str, list[float]] = field(default_factory=dict)
    """Funder IRI → [euros, rows, first year or nan]."""

    @property
    def label(self) -> str:
        if self.title:
            return self.title
        return f"Partnership {self.atlas_id}" if self.atlas_id is not None else self.iri


@dataclass
class Entity:
    """A node that is not a partnership: collectivity, post, funder or country."""

    iri: str
    kind: str
    label: str
    country: str | None = None
    """The country's IRI, when known."""
    collectivity_kind: str | None = None
    alpha2: str | None = None
    alpha3: str | None = None


@dataclass
class Extract:
    """What the store says about the selected partnerships: the input of every projection."""

    partnerships: dict[str, Partnership]
    entities: dict[str, Entity]
    filters: Filters = field(default_factory=Filters)
    resolved: dict[str, list[str]] = field(default_factory=dict)
    """The IRIs each label filter matched (``{"country": [<country IRI>]}``)."""

    def country_totals(self) -> list[dict[str, Any]]:
        """Per country: partnerships, euros and the partnerships' IRIs (largest first).

        A partnership with partners in several countries counts in each.
        """
        rows: dict[str, dict[str, Any]] = {}
        for p in self.partnerships.values():
            for c in p.countries:
                entity = self.entities.get(c)
                if entity is None:
                    continue
                row = rows.setdefault(
                    c,
                    {"iri": c, "label": entity.label, "alpha2": entity.alpha2,
                     "alpha3": entity.alpha3, "partnerships": 0, "funding": [],
                     "partnership_iris": []},
                )  # fmt: skip
                row["partnerships"] += 1
                row["funding"].append(p.funding)
                row["partnership_iris"].append(p.iri)
        for row in rows.values():
            row["funding"] = math.fsum(row["funding"])  # the same whatever the order
        return sorted(rows.values(), key=lambda r: (-r["partnerships"], r["label"]))


# Inside the partnership's graph: over the union, each lookup would search every graph
# (1.4x slower at 12,000 records). The status's notation is in the vocabulary graph.
_PARTNERSHIPS = """
SELECT ?p ?atlas_id ?title ?start ?signed ?end ?status {projection}
WHERE {{
  GRAPH ?g {{
    ?p a akg:Partnership .
    OPTIONAL {{ ?p akg:atlasId ?atlas_id }}
    OPTIONAL {{ ?p dcterms:title ?title }}
    OPTIONAL {{ ?p akg:startYear ?start }}
    OPTIONAL {{ ?p akg:firstSignatureYear ?signed }}
    OPTIONAL {{ ?p akg:endDate ?end }}
    OPTIONAL {{ ?p akg:status ?status_concept }}
  }}
  OPTIONAL {{ ?status_concept skos:notation ?status }}
  {filters}
}}
"""
# Every filter line is fixed text: values are VALUES of resolved IRIs or bound integers.
_FILTER_LINES = {
    "country": "{values} ?p akg:country ?country_match .",
    "theme": "{values} ?p akg:theme ?theme_match .",
    "status": "{values} ?p akg:status ?status_match .",
    "from_year": "FILTER(COALESCE(?start, ?signed) >= ?_from)",
    "to_year": "FILTER(COALESCE(?start, ?signed) <= ?_to)",
}

# With a filter, the next queries start from the selected partnerships, given as VALUES
# (checked, escaped IRIs: see _values): 15x faster for one country at 12,000 records,
# 1.3x slower when a filter keeps nearly everything. Each partnership's triples are read
# in one pass inside its graph: 2x faster than a lookup per property.
_LINKS = """
SELECT ?p ?role ?e WHERE {{
  {restrict}
  GRAPH ?g {{
    ?p a akg:Partnership ; ?role ?e .
    FILTER(?role IN (akg:frenchPartner, akg:foreignPartner, akg:post, akg:country))
  }}
}}
"""
# Summed by the store, per partnership and funder (a row without a funder in a group of
# its own): a quarter of the rows, and exact, since amounts are xsd:decimal. DISTINCT keeps
# a row counted once if its partnership were stated in two graphs.
_FUNDING = """
SELECT ?p ?funder (SUM(COALESCE(?amount, 0)) AS ?euros) (COUNT(*) AS ?rows)
  (MIN(?year) AS ?first)
WHERE {{
  {{ SELECT DISTINCT ?p ?row ?funder ?amount ?year WHERE {{
    {restrict}
    GRAPH ?g {{
      ?p akg:funding ?row .
      OPTIONAL {{ ?row schema:funder ?funder }}
      OPTIONAL {{ ?row akg:amount ?amount }}
      OPTIONAL {{ ?row akg:year ?year }}
    }} }} }}
}}
GROUP BY ?p ?funder
"""
# Without a filter, every partnership is read: one scan per property, each a sub-SELECT
# joined by hashing on the graph and the node, costs less than a lookup per row and
# property (queries/README.md). At 12,000 records, the same rows: partnerships 0.85 ->
# 0.28 s, links 1.40 -> 0.78 s, funding 2.50 -> 1.14 s.
_PARTNERSHIPS_ALL = """
SELECT ?p ?atlas_id ?title ?start ?signed ?end ?status
WHERE {
  { SELECT ?g ?p WHERE { GRAPH ?g { ?p a akg:Partnership } } }
  OPTIONAL { SELECT ?g ?p ?atlas_id WHERE { GRAPH ?g { ?p akg:atlasId ?atlas_id } } }
  OPTIONAL { SELECT ?g ?p ?title WHERE { GRAPH ?g { ?p dcterms:title ?title } } }
  OPTIONAL { SELECT ?g ?p ?start WHERE { GRAPH ?g { ?p akg:startYear ?start } } }
  OPTIONAL { SELECT ?g ?p ?signed WHERE { GRAPH ?g { ?p akg:firstSignatureYear ?signed } } }
  OPTIONAL { SELECT ?g ?p ?end WHERE { GRAPH ?g { ?p akg:endDate ?end } } }
  OPTIONAL {
    { SELECT ?g ?p ?status_concept WHERE { GRAPH ?g { ?p akg:status ?status_concept } } }
    OPTIONAL { SELECT ?status_concept ?status WHERE { ?status_concept skos:notation ?status } }
  }
}
"""
# Each role bound by its own branch: one pattern with the role as a variable, from a
# VALUES list, took 0.92 s.
_LINKS_ALL = """
SELECT ?p ?role ?e WHERE {
  { SELECT ?g ?p WHERE { GRAPH ?g { ?p a akg:Partnership } } }
  { SELECT ?g ?p ?role ?e WHERE {
      { GRAPH ?g { ?p akg:frenchPartner ?e } BIND(akg:frenchPartner AS ?role) }
      UNION { GRAPH ?g { ?p akg:foreignPartner ?e } BIND(akg:foreignPartner AS ?role) }
      UNION { GRAPH ?g { ?p akg:post ?e } BIND(akg:post AS ?role) }
      UNION { GRAPH ?g { ?p akg:country ?e } BIND(akg:country AS ?role) }
  } }
}
"""
_FUNDING_ALL = """
SELECT ?p ?funder (SUM(COALESCE(?amount, 0)) AS ?euros) (COUNT(*) AS ?rows)
  (MIN(?year) AS ?first)
WHERE {
  { SELECT DISTINCT ?p ?row ?funder ?amount ?year WHERE {
    { SELECT ?g ?p ?row WHERE { GRAPH ?g { ?p akg:funding ?row } } }
    OPTIONAL { SELECT ?g ?row ?funder WHERE { GRAPH ?g { ?row schema:funder ?funder } } }
    OPTIONAL { SELECT ?g ?row ?amount WHERE { GRAPH ?g { ?row akg:amount ?amount } } }
    OPTIONAL { SELECT ?g ?row ?year WHERE { GRAPH ?g { ?row akg:year ?year } } }
  } }
}
GROUP BY ?p ?funder
"""
# Entities are read in graph/entities, where each is described once; only their labels
# are counted across the record graphs, to show the most frequent spelling. Reading all
# of it in the record graphs returned 87,000 rows at 12,000 records, 3.4x slower. The
# entity graph is found first and written in the text (str() of a NamedNode: a checked,
# escaped IRI): found by a subquery or given as VALUES, it is joined after reading every
# graph (20x slower).
_ENTITY_GRAPH = "SELECT ?eg WHERE { GRAPH ?eg { ?eg a akg:EntityGraph } } LIMIT 1"
_ENTITIES = """
SELECT ?e ?class ?country ?kind WHERE {{
  {classes}
  GRAPH {graph} {{
    ?e a ?class .
    OPTIONAL {{ ?e akg:country ?country }}
    OPTIONAL {{ ?e akg:kind ?kind }}
  }}
}}
"""
_ENTITY_LABELS = """
SELECT ?e ?label (COUNT(DISTINCT ?g) AS ?graphs) WHERE {{
  {classes}
  GRAPH {graph} {{ ?e a ?class }}
  GRAPH ?g {{ ?e rdfs:label ?label }}
  FILTER(?g != {graph})
}}
GROUP BY ?e ?label
"""
_KINDS = "SELECT ?kind ?notation WHERE { ?kind a akg:CollectivityKind ; skos:notation ?notation }"
# Cross-record merges (atlas_kg.resolve): spelling variants of one foreign collectivity
# are linked to their representative with owl:sameAs in a resolution graph.
_SAME_AS = """
SELECT ?node ?into WHERE { GRAPH ?g { ?g a akg:ResolutionGraph . ?node owl:sameAs ?into } }
"""
_COUNTRIES = """
SELECT ?c ?alpha2 ?alpha3 ?label WHERE {
  ?c a akg:Country ; akg:alpha2 ?alpha2 ; akg:alpha3 ?alpha3 ; rdfs:label ?label .
  FILTER(LANG(?label) = "fr")
}
"""


def _int(term: Term | None) -> int | None:
    if term is None:
        return None
    try:
        return int(term.value)
    except ValueError:
        return None


def _selected(
    store: Store, filters: Filters, resolved: dict[str, list[str]]
) -> dict[str, Partnership]:
    lines: list[str] = []
    projection: list[str] = []
    subs: dict[str, Term] = {}
    for name in ("country", "theme", "status"):
        value = getattr(filters, name)
        if value is not None:
            terms = _resolve(store, name, value)
            resolved[name] = [t.value for t in terms]
            lines.append(_FILTER_LINES[name].format(values=_values(f"{name}_match", terms)))
    for name, var, value in (
        ("from_year", "_from", filters.from_year),
        ("to_year", "_to", filters.to_year),
    ):
        if value is not None:
            lines.append(_FILTER_LINES[name])
            projection.append(f"?{var}")  # pyoxigraph binds projected variables only
            subs[var] = _integer(value)
    if lines:
        sparql = _PARTNERSHIPS.format(projection=" ".join(projection), filters="\n  ".join(lines))
    else:
        sparql = _PARTNERSHIPS_ALL
    out: dict[str, Partnership] = {}
    for row in store.query(sparql, substitutions=subs or None):
        iri = row["p"].value
        if iri in out:  # several titles or statuses: keep the first
            continue
        end = row["end"]
        out[iri] = Partnership(
            iri=iri,
            atlas_id=_int(row["atlas_id"]),
            title=row["title"].value if row["title"] is not None else None,
            year=_int(row["start"]) if row["start"] is not None else _int(row["signed"]),
            end_year=int(end.value[:4]) if end is not None else None,
            status=row["status"].value if row["status"] is not None else None,
        )
    return out


def extract(store: Store, filters: Filters | None = None) -> Extract:
    """The selected partnerships and every entity they touch, from a few edge-list queries.

    Entities merged across records (``owl:sameAs`` in the resolution graph) count as
    their representative. Entities are described from ``graph/entities``, which each
    ingest writes: a store written by an earlier atlas-kg without it raises StoreError.
    """
    filters = filters or Filters()
    if (
        filters.from_year is not None
        and filters.to_year is not None
        and filters.from_year > filters.to_year
    ):
        raise ConfigError(
            "--from-year/--to-year", f"{filters.from_year}-{filters.to_year}", "from ≤ to"
        )
    resolved: dict[str, list[str]] = {}
    partnerships = _selected(store, filters, resolved)
    fields = {
        AKG_NS + "frenchPartner": "french",
        AKG_NS + "foreignPartner": "foreign",
        AKG_NS + "post": "posts",
        AKG_NS + "country": "countries",
    }
    canonical = _canonical(store)
    links, funding = _LINKS_ALL, _FUNDING_ALL
    if filters.as_dict():
        restrict = _values("p", (NamedNode(iri) for iri in partnerships))
        links, funding = _LINKS.format(restrict=restrict), _FUNDING.format(restrict=restrict)
    for row in store.query(links):
        p = partnerships.get(row["p"].value)
        if p is not None:
            getattr(p, fields[row["role"].value]).append(canonical(row["e"].value))
    # Euros are summed exactly: float sums depend on the order a server returns rows in.
    euros: dict[str, Decimal] = {}
    shares: dict[tuple[str, str], Decimal] = {}
    for row in store.query(funding):
        p = partnerships.get(row["p"].value)
        if p is None:
            continue
        # An amount that is not a number leaves its group without a sum: counted as 0.
        amount = Decimal(row["euros"].value) if row["euros"] is not None else Decimal(0)
        euros[p.iri] = euros.get(p.iri, Decimal(0)) + amount
        if row["funder"] is not None:
            # Two funders merged into one representative add up.
            funder = canonical(row["funder"].value)
            share = p.funders.setdefault(funder, [0.0, 0, math.nan])
            shares[p.iri, funder] = shares.get((p.iri, funder), Decimal(0)) + amount
            share[1] += int(row["rows"].value)
            year = _int(row["first"])
            if year is not None and not year >= share[2]:  # nan compares False
                share[2] = year
    for iri, total in euros.items():
        partnerships[iri].funding = float(total)
    for (iri, funder), total in shares.items():
        partnerships[iri].funders[funder][0] = float(total)
    for p in partnerships.values():
        for name in ("french", "foreign", "posts", "countries"):
            setattr(p, name, sorted(set(getattr(p, name))))
    return Extract(partnerships, _entities(store, partnerships), filters, resolved)


def _canonical(store: Store) -> Callable[[str], str]:
    """IRI → the representative it was merged into (itself when not merged)."""
    into = {row["node"].value: row["into"].value for row in store.query(_SAME_AS)}

    def canonical(iri: str) -> str:
        seen = {iri}
        while iri in into and into[iri] not in seen:  # follow chains, never loop
            iri = into[iri]
            seen.add(iri)
        return iri

    return canonical


def _keep_least(entry: dict[str, str], key: str, value: str) -> None:
    if key not in entry or value < entry[key]:
        entry[key] = value


def _entities(store: Store, partnerships: Mapping[str, Partnership]) -> dict[str, Entity]:
    wanted: set[str] = set()
    for p in partnerships.values():
        wanted.update(p.french, p.foreign, p.posts, p.funders)
    info: dict[str, dict[str, str]] = {}
    found = [row["eg"] for row in store.query(_ENTITY_GRAPH) if isinstance(row["eg"], NamedNode)]
    if not found:
        if wanted:
            raise StoreError(f"this store lacks graph/entities: {REINGEST_ADVICE}")
        return _countries(store)
    graph = str(found[0])
    classes = _values("class", (NamedNode(c) for c in KINDS))
    notations = {row["kind"].value: row["notation"].value for row in store.query(_KINDS)}
    for row in store.query(_ENTITIES.format(graph=graph, classes=classes)):
        iri = row["e"].value
        if iri not in wanted:
            continue
        kind_of_row = KINDS[row["class"].value]
        entry = info.setdefault(iri, {"kind": kind_of_row})
        # Whatever order the store returns rows in: a node of several classes (a
        # collectivity that also funds) takes the first kind in KINDS' order, and one
        # given two countries or kinds by different records the smallest.
        if _KIND_ORDER[kind_of_row] < _KIND_ORDER[entry["kind"]]:
            entry["kind"] = kind_of_row
        if row["country"] is not None:
            _keep_least(entry, "country", row["country"].value)
        if row["kind"] is not None:
            kind = row["kind"].value
            _keep_least(entry, "collectivity_kind", notations.get(kind, kind.rsplit("#", 1)[-1]))
    labels: dict[str, Counter[str]] = defaultdict(Counter)
    for row in store.query(_ENTITY_LABELS.format(graph=graph, classes=classes)):
        iri = row["e"].value
        if iri in info:
            labels[iri][row["label"].value] += int(row["graphs"].value)
    out: dict[str, Entity] = {}
    for iri, entry in info.items():
        # The most frequent spelling; ties go to one not in capitals, then alphabetical.
        best = (
            min(labels[iri].items(), key=lambda kv: (-kv[1], kv[0].isupper(), kv[0]))[0]
            if labels[iri]
            else iri
        )
        out[iri] = Entity(
            iri,
            entry["kind"],
            best,
            country=entry.get("country"),
            collectivity_kind=entry.get("collectivity_kind"),
        )
    return out | _countries(store)


def _countries(store: Store) -> dict[str, Entity]:
    out: dict[str, Entity] = {}
    for row in store.query(_COUNTRIES):
        iri = row["c"].value
        out[iri] = Entity(
            iri,
            "country",
            row["label"].value,
            country=iri,
            alpha2=row["alpha2"].value,
            alpha3=row["alpha3"].value,
        )
    return out


# -- projections -----------------------------------------------------------------------


class _Builder:
    """Accumulates nodes and edges with the partnerships behind them, then sets attributes."""

    def __init__(self, data: Extract, name: str) -> None:
        self.data = data
        self.name = name
        self.node_partnerships: dict[str, set[str]] = defaultdict(set)
        self.edge_partnerships: dict[tuple[str, str], set[str]] = defaultdict(set)
        self.sides: dict[str, int] = {}

    def node(self, iri: str, p: Partnership, *, side: int | None = None) -> None:
        self.node_partnerships[iri].add(p.iri)
        if side is not None:
            self.sides[iri] = side

    def link(self, a: str, b: str, p: Partnership, *, sides: tuple[int, int] | None = None) -> None:
        self.node(a, p, side=sides[0] if sides else None)
        self.node(b, p, side=sides[1] if sides else None)
        self.edge_partnerships[_key(a, b)].add(p.iri)

    def finish(self) -> nx.Graph:
        data = self.data
        G = nx.Graph(name=self.name, filters=data.filters.as_dict())
        for iri in sorted(self.node_partnerships):  # sorted: same graph, same metrics
            ps = [data.partnerships[i] for i in sorted(self.node_partnerships[iri])]
            G.add_node(iri, **_node_attributes(iri, data, ps))
            if iri in self.sides:
                G.nodes[iri]["bipartite"] = self.sides[iri]
        for a, b in sorted(self.edge_partnerships):
            ps = [data.partnerships[i] for i in sorted(self.edge_partnerships[(a, b)])]
            G.add_edge(a, b, **_edge_attributes(ps))
        return G


def _key(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a <= b else (b, a)


def _years(ps: Iterable[Partnership]) -> list[int]:
    return sorted({p.year for p in ps if p.year is not None})


def _node_attributes(iri: str, data: Extract, ps: list[Partnership]) -> dict[str, Any]:
    attrs: dict[str, Any] = {}
    if iri in data.partnerships:
        p = data.partnerships[iri]
        attrs.update(label=p.label, kind="partnership")
        countries = [data.entities[c] for c in p.countries if c in data.entities]
        if countries:
            attrs["country"] = "; ".join(c.label for c in countries)
            attrs["country_code"] = ";".join(c.alpha2 or "" for c in countries)
        if p.atlas_id is not None:
            attrs["atlas_id"] = p.atlas_id
        if p.status:
            attrs["status"] = p.status
    else:
        entity = data.entities.get(iri) or Entity(iri, "unknown", iri)
        attrs.update(label=entity.label, kind=entity.kind)
        country = data.entities.get(entity.country or "")
        if country is not None:
            attrs["country"] = country.label
            attrs["country_code"] = country.alpha2 or ""
        if entity.collectivity_kind:
            attrs["collectivity_kind"] = entity.collectivity_kind
    attrs["partnerships"] = len(ps)
    if attrs["kind"] == "funder":
        attrs["funding"] = math.fsum(p.funders.get(iri, [0.0])[0] for p in ps)
    else:
        attrs["funding"] = math.fsum(p.funding for p in ps)
    years = _years(ps)
    if years:
        attrs["first_year"] = years[0]
    attrs["_partnerships"] = [p.iri for p in ps]
    return attrs


def _edge_attributes(ps: list[Partnership]) -> dict[str, Any]:
    attrs: dict[str, Any] = {
        "weight": len(ps),
        "partnerships": len(ps),
        "funding": math.fsum(p.funding for p in ps),
    }
    years = _years(ps)
    if years:
        attrs.update(first_year=years[0], last_year=years[-1], years=" ".join(map(str, years)))
    attrs["_partnerships"] = [p.iri for p in ps]
    return attrs


def _bipartite(data: Extract) -> nx.Graph:
    b = _Builder(data, "bipartite")
    for p in data.partnerships.values():
        for f in p.french:
            b.node(f, p, side=0)
        for x in p.foreign:
            b.node(x, p, side=1)
        for f in p.french:
            for x in p.foreign:
                b.link(f, x, p, sides=(0, 1))
    G = b.finish()
    G.graph["bipartite"] = True
    return G


def _one_mode(data: Extract, side: int) -> nx.Graph:
    """Nodes of one side of ``bipartite``, linked through the other side's nodes."""
    B = _bipartite(data)
    name = "french" if side == 0 else "foreign"
    G = nx.Graph(name=name, filters=data.filters.as_dict())
    keep = [n for n, s in B.nodes(data="bipartite") if s == side]
    G.add_nodes_from((n, B.nodes[n]) for n in keep)
    for node in G.nodes:
        del G.nodes[node]["bipartite"]
    shared: dict[tuple[str, str], int] = Counter()
    first: dict[tuple[str, str], float] = {}
    for center, s in B.nodes(data="bipartite"):
        if s == side:
            continue
        around = B[center]
        ends = sorted(around)
        years = [around[end].get("first_year", math.inf) for end in ends]
        for i, a in enumerate(ends):
            ya = years[i]
            for j in range(i + 1, len(ends)):
                key = (a, ends[j])
                shared[key] += 1
                # the pair is linked once both partnerships with the centre exist
                year = max(ya, years[j])
                first[key] = min(first.get(key, math.inf), year)
    for (a, b), n in sorted(shared.items()):
        attrs: dict[str, Any] = {"weight": n, "shared_partners": n}
        if first[(a, b)] != math.inf:
            attrs["first_year"] = int(first[(a, b)])
        G.add_edge(a, b, **attrs)
    return G


def _post(data: Extract) -> nx.Graph:
    b = _Builder(data, "post")
    for p in data.partnerships.values():
        for c in (*p.french, *p.foreign):
            for post in p.posts:
                b.link(c, post, p, sides=(0, 1))
    G = b.finish()
    G.graph["bipartite"] = True
    return G


def _funder(data: Extract) -> nx.Graph:
    b = _Builder(data, "funder")
    for p in data.partnerships.values():
        for funder in p.funders:
            b.link(funder, p.iri, p, sides=(0, 1))
    G = b.finish()
    for funder, p_iri, attrs in G.edges(data=True):
        if funder in data.partnerships:
            funder, p_iri = p_iri, funder
        euros, rows, year = data.partnerships[p_iri].funders[funder]
        attrs.update(weight=int(rows), funding_rows=int(rows), funding=float(euros))
        if not math.isnan(year):
            attrs.update(first_year=int(year), last_year=int(year), years=str(int(year)))
    G.graph["bipartite"] = True
    return G


def _country(data: Extract) -> nx.Graph:
    b = _Builder(data, "country")
    # French collectivity → country → the partnerships joining them
    reach: dict[str, dict[str, list[Partnership]]] = defaultdict(lambda: defaultdict(list))
    for p in data.partnerships.values():
        for c in p.countries:
            b.node(c, p)
            for f in p.french:
                reach[f][c].append(p)
    bridges: dict[tuple[str, str], set[str]] = defaultdict(set)
    first: dict[tuple[str, str], float] = {}
    for f, by_country in reach.items():
        countries = sorted(by_country)
        for i, a in enumerate(countries):
            ya = min((p.year for p in by_country[a] if p.year is not None), default=math.inf)
            for c in countries[i + 1 :]:
                yc = min((p.year for p in by_country[c] if p.year is not None), default=math.inf)
                bridges[(a, c)].add(f)
                first[(a, c)] = min(first.get((a, c), math.inf), max(ya, yc))
    G = b.finish()
    for (a, c), fs in sorted(bridges.items()):
        attrs: dict[str, Any] = {"weight": len(fs), "french_collectivities": len(fs)}
        if first[(a, c)] != math.inf:
            attrs["first_year"] = int(first[(a, c)])
        G.add_edge(a, c, **attrs)
    for node, attrs in G.nodes(data=True):
        attrs["french_collectivities"] = sum(1 for f in reach if node in reach[f])
    return G


@dataclass(frozen=True)
class Projection:
    name: str
    description: str
    build: Callable[[Extract], nx.Graph]
    bipartite: bool


PROJECTIONS: dict[str, Projection] = {
    p.name: p
    for p in (
        Projection("bipartite", "French – foreign collectivities (weight: partnerships)", _bipartite, True),
        Projection("french", "French collectivities sharing a foreign partner", lambda d: _one_mode(d, 0), False),
        Projection("foreign", "foreign collectivities sharing a French partner", lambda d: _one_mode(d, 1), False),
        Projection("post", "collectivities – diplomatic posts (weight: partnerships)", _post, True),
        Projection("funder", "funders – partnerships (weight: funding rows)", _funder, True),
        Projection("country", "countries linked through French collectivities", _country, False),
    )
}  # fmt: skip
"""The networks by name."""


def _projection(name: str) -> Projection:
    if name not in PROJECTIONS:
        raise ConfigError("--graph", name, ", ".join(PROJECTIONS))
    return PROJECTIONS[name]


def projection(data: Extract, name: str = "bipartite") -> nx.Graph:
    """The network ``name`` (see ``PROJECTIONS``) of extracted data, without metrics."""
    return _projection(name).build(data)


def build_graph(store: Store, name: str = "bipartite", filters: Filters | None = None) -> nx.Graph:
    """The network ``name`` of the store's partnerships that pass ``filters``."""
    _projection(name)
    return projection(extract(store, filters), name)


# -- metrics ---------------------------------------------------------------------------


@dataclass(frozen=True)
class MetricsParams:
    """The parameters of ``compute_metrics`` (written with the metrics)."""

    seed: int = DEFAULT_SEED
    betweenness_k: int = BETWEENNESS_K
    exact_betweenness_max_nodes: int = EXACT_BETWEENNESS_MAX_NODES
    betweenness_engine: str = "auto"
    """``auto`` (exact, on the compressed network), ``networkx`` (exact on small
    components, sampled on large ones) or ``rustworkx`` (exact): see ``betweenness``."""
    eigenvector_max_iter: int = 100
    """ARPACK iterations per node for the eigenvector centrality."""
    louvain_resolution: float = 1.0


def _numbered(groups: Iterable[Iterable[str]]) -> dict[str, int]:
    """Group number of each node: 0 the largest group, ties by smallest member."""
    ordered = sorted((sorted(g) for g in groups), key=lambda g: (-len(g), g[0]))
    return {node: i for i, g in enumerate(ordered) for node in g}


def compute_metrics(
    G: nx.Graph, params: MetricsParams | None = None, *, bipartite: bool | None = None
) -> tuple[int | None, list[str]]:
    """Set every metric of ``METRICS`` as node attributes of ``G``.

    Returns the number of betweenness sources sampled (None: exact) and notes on what
    could not be computed.
    """
    params = params or MetricsParams()
    bipartite = G.graph.get("bipartite", False) if bipartite is None else bipartite
    notes: list[str] = []
    if G.number_of_nodes() == 0:
        return None, ["empty network: no partnership matches"]
    for node, d in G.degree():
        G.nodes[node]["degree"] = d
    for node, d in G.degree(weight="weight"):
        G.nodes[node]["weighted_degree"] = int(d)
    between, k = betweenness(G, params)
    pagerank = nx.pagerank(G, weight="weight")
    eigen = _eigenvector(G, params, notes)
    component = _numbered(nx.connected_components(G))
    community = _numbered(
        nx.community.louvain_communities(
            G, weight="weight", resolution=params.louvain_resolution, seed=params.seed
        )
    )
    clustering = latapy_clustering(G) if bipartite else _clustering(G)
    for node, attrs in G.nodes(data=True):
        attrs["betweenness"] = float(between[node])
        attrs["pagerank"] = float(pagerank[node])
        if eigen:
            attrs["eigenvector"] = float(eigen[node])
        attrs["component"] = component[node]
        attrs["community"] = community[node]
        attrs["clustering"] = float(clustering[node])
    return k, notes


BETWEENNESS_ENGINES = ("auto", "networkx", "rustworkx")


def _rustworkx_available() -> bool:
    try:
        import rustworkx  # noqa: F401
    except ImportError:
        return False
    return True


def betweenness(
    G: nx.Graph, params: MetricsParams | None = None
) -> tuple[dict[str, float], int | None]:
    """Normalised betweenness, as networkx's; the sources sampled (None: exact).

    ``auto`` (the default) is exact on every component: see ``_compressed_betweenness``.
    A component too deep for it (over ``MAX_BFS_LEVELS`` levels) falls back to
    ``rustworkx`` when rustworkx is installed (the ``bench`` extra), else ``networkx``.

    The other engines measure each connected component on its own (shortest paths never
    leave one): exactly with networkx when it has at most ``exact_betweenness_max_nodes``
    nodes; a larger one exactly with rustworkx's parallel algorithm (``rustworkx``), or
    from ``betweenness_k`` sources drawn in it with the seed (``networkx``: networkx's
    estimator, rescaled by the component's size), which keeps the small components exact.
    """
    params = params or MetricsParams()
    if params.betweenness_engine not in BETWEENNESS_ENGINES:
        raise ConfigError(
            "betweenness engine", params.betweenness_engine, ", ".join(BETWEENNESS_ENGINES)
        )
    fast = params.betweenness_engine == "rustworkx" or (
        params.betweenness_engine == "auto" and _rustworkx_available()
    )
    n = G.number_of_nodes()
    values: dict[str, float] = {}
    if params.betweenness_engine == "auto":
        values, left = _compressed_betweenness(G, max_levels=MAX_BFS_LEVELS)
    else:
        left = list(nx.connected_components(G))
    sampled: int | None = None
    for component in sorted(left, key=lambda c: (-len(c), min(c))):
        H = G.subgraph(component)
        size = len(component)
        if size <= params.exact_betweenness_max_nodes:
            values.update(nx.betweenness_centrality(H, normalized=False))
        elif fast:
            import rustworkx as rx

            R = rx.networkx_converter(nx.Graph(H))
            index = list(H)  # rustworkx numbers the nodes in the graph's order
            # normalised over the component: back to networkx's unnormalised counts
            back = (size - 1) * (size - 2) / 2
            for i, value in rx.graph_betweenness_centrality(R, normalized=True).items():
                values[index[i]] = value * back
        else:
            sampled = min(params.betweenness_k, size)
            values.update(
                nx.betweenness_centrality(H, k=sampled, seed=params.seed, normalized=False)
            )
    # networkx's normalisation for undirected graphs: pairs of the whole network.
    scale = 2 / ((n - 1) * (n - 2)) if n > 2 else 1.0
    return {node: value * scale for node, value in values.items()}, sampled


# -- exact algorithms on the adjacency matrix ------------------------------------------
#
# networkx's pure-Python loops cost minutes on the larger projections of a full Atlas
# (Latapy's clustering visits every pair of second neighbours; Brandes' betweenness runs a
# search from every node). The same values come from sparse-matrix products (scipy).


def _adjacency(G: nx.Graph) -> tuple[list[Any], Any]:
    """The nodes of ``G`` and its symmetric 0/1 adjacency matrix (CSR, float, no loops)."""
    import numpy as np
    from scipy import sparse

    nodes = list(G)
    index = {node: i for i, node in enumerate(nodes)}
    pairs = [(index[a], index[b]) for a, b in G.edges() if a != b]
    ends = np.array(pairs, dtype=np.int64).reshape(-1, 2)
    rows = np.concatenate([ends[:, 0], ends[:, 1]])
    cols = np.concatenate([ends[:, 1], ends[:, 0]])
    A = sparse.csr_array((np.ones(len(rows)), (rows, cols)), shape=(len(nodes), len(nodes)))
    A.sort_indices()
    return nodes, A


def _row_blocks(work: Any, budget: int) -> Iterable[tuple[int, int]]:
    """Consecutive row ranges whose summed ``work`` stays under ``budget`` (one row at least)."""
    import numpy as np

    total = np.cumsum(work)
    start = 0
    while start < len(work):
        done = total[start - 1] if start else 0
        stop = max(int(np.searchsorted(total, done + budget, side="right")), start + 1)
        yield start, stop
        start = stop


def latapy_clustering(G: nx.Graph) -> dict[Any, float]:
    """Latapy's bipartite clustering (``dot`` mode), as ``nx.bipartite.clustering``.

    For each node u, the mean over its second neighbours v of |N(u)∩N(v)| / |N(u)∪N(v)|.
    The intersections are the entries of the squared adjacency matrix, computed a block of
    rows at a time so that a funder of thousands of partnerships fits in memory.

    >>> latapy_clustering(nx.path_graph(4))[0]
    0.5
    """
    import numpy as np

    if not nx.is_bipartite(G):
        raise nx.NetworkXError("Graph is not bipartite")
    nodes, A = _adjacency(G)
    degree = np.diff(A.indptr).astype(float)
    out = np.zeros(len(nodes))
    for a, b in _row_blocks(A @ degree, _BLOCK_WORK):  # A @ degree: 2-paths from each row
        shared = (A[a:b] @ A).tocsr()
        rows = np.repeat(np.arange(a, b), np.diff(shared.indptr))
        other = rows != shared.indices  # u itself is not its own second neighbour
        rows, cols, common = rows[other], shared.indices[other], shared.data[other]
        pair = common / (degree[rows] + degree[cols] - common)
        total = np.bincount(rows - a, weights=pair, minlength=b - a)
        count = np.bincount(rows - a, minlength=b - a)
        out[a:b] = np.divide(total, count, out=np.zeros(b - a), where=count > 0)
    return dict(zip(nodes, out.tolist(), strict=True))


def _clustering(G: nx.Graph) -> dict[Any, float]:
    """The unweighted clustering coefficient, as ``nx.clustering`` (the same floats):
    twice the triangles at each node, from the squared adjacency matrix masked by the
    adjacency, over d(d-1)."""
    import numpy as np

    nodes, A = _adjacency(G)
    degree = np.diff(A.indptr).astype(float)
    twice = np.zeros(len(nodes))
    for a, b in _row_blocks(A @ degree, _BLOCK_WORK):
        block = A[a:b]
        twice[a:b] = (block @ A).multiply(block).sum(axis=1)
    out = np.divide(twice, degree * (degree - 1), out=np.zeros(len(nodes)), where=twice > 0)
    return dict(zip(nodes, out.tolist(), strict=True))


def _compressed_betweenness(
    G: nx.Graph, *, max_levels: int, cells: int = _DENSE_CELLS
) -> tuple[dict[Any, float], list[set[Any]]]:
    """Exact betweenness (networkx's unnormalised pair counts) and the components left out.

    Brandes' algorithm runs a breadth-first search from every node; on the Atlas networks
    most of those searches repeat each other, so the network is first compressed, without
    changing any shortest path count (Sariyüce et al., *Shattering and compressing networks
    for betweenness centrality*, SDM 2013):

    1. trees hanging off the network (degree-1 nodes, removed repeatedly) are cut off.
       A node v then stands for ``reach[v]`` nodes, itself and its trees; the pairs whose
       every shortest path goes through v because one end is in one of its trees are
       counted directly (every pair of different branches at v, the rest of the component
       being one branch);
    2. the remaining nodes with the same neighbours are merged into one class: *closed*
       twins (adjacent, same other neighbours, as the foreign partners of one French
       collectivity in the ``foreign`` projection) or *open* twins (not adjacent, same
       neighbours, as collectivities following the same posts). Two classes are either
       fully linked or not at all, and every member of a class has the same shortest-path
       counts and dependencies from any source outside it.

    Brandes' accumulation then runs on the classes, with sources and targets weighted by
    the nodes they stand for (Brandes, *On variants of shortest-path betweenness
    centrality*, 2008): a search per class, not per node, several hundred at a time as
    products of the sparse class adjacency with dense (classes × sources) arrays.

    A component whose searches go deeper than ``max_levels`` levels is left out (returned
    as a set of nodes) for another engine: level by level, a deep chain costs too much.
    """
    import numpy as np
    from scipy.sparse import csgraph

    nodes, A = _adjacency(G)
    if not nodes:
        return {}, []
    _, labels = csgraph.connected_components(A, directed=False)
    size = np.bincount(labels)[labels].astype(float)
    reach, branch_squares, alive = _peel(A)
    rest = size - reach
    # pairs through v with an end in one of its trees: every pair of different branches
    value = ((size - 1) ** 2 - branch_squares - rest**2) / 2
    left: list[set[Any]] = []
    cls, classes, is_open = _twin_classes(A, alive)
    if classes:
        through, deep = _classes_betweenness(A, cls, classes, is_open, reach, max_levels, cells)
        value[alive] += through[cls[alive]] / 2  # ordered pairs → pairs
        for member in deep:
            component = np.flatnonzero(labels == labels[member])
            left.append({nodes[i] for i in component})
            value[component] = 0.0
    return dict(zip(nodes, value.tolist(), strict=True)), left


def _peel(A: Any) -> tuple[Any, Any, Any]:
    """Remove degree-1 nodes until none is left: each node's reach (itself and the trees
    cut off at it), the sum of the squared sizes of those trees, and the nodes that remain
    with at least one neighbour."""
    import numpy as np

    n = A.shape[0]
    indptr, indices = A.indptr.tolist(), A.indices.tolist()
    degree = np.diff(A.indptr).tolist()
    reach, squares, removed = [1] * n, [0] * n, [False] * n
    leaves = [v for v in range(n) if degree[v] == 1]
    while leaves:
        u = leaves.pop()
        if removed[u] or degree[u] != 1:
            continue
        parent = next(w for w in indices[indptr[u] : indptr[u + 1]] if not removed[w])
        removed[u], degree[u] = True, 0
        reach[parent] += reach[u]
        squares[parent] += reach[u] ** 2
        degree[parent] -= 1
        if degree[parent] == 1:
            leaves.append(parent)
    alive = ~np.array(removed, dtype=bool) & (np.array(degree) > 0)
    return np.array(reach, dtype=float), np.array(squares, dtype=float), alive


def _twin_classes(A: Any, alive: Any) -> tuple[Any, list[list[int]], Any]:
    """Classes of the alive nodes with the same alive neighbours: the class of each node
    (-1 when not alive), the members of each class, and whether it is of open twins.

    A node cannot have both a closed and an open twin: if v and w are closed twins and u
    an open twin of v, then w, a neighbour of v, is a neighbour of u, so u is one of w's
    and so of v's neighbours, which open twins are not."""
    import numpy as np

    indptr, indices = A.indptr, A.indices
    neighbours: dict[int, tuple[int, ...]] = {}
    closed: dict[tuple[int, ...], list[int]] = defaultdict(list)
    for v in np.flatnonzero(alive).tolist():
        row = indices[indptr[v] : indptr[v + 1]]
        neighbours[v] = tuple(row[alive[row]].tolist())  # sorted, as CSR indices are
        closed[tuple(sorted((*neighbours[v], v)))].append(v)
    cls = np.full(A.shape[0], -1, dtype=np.int64)
    classes: list[list[int]] = []
    for members in closed.values():
        if len(members) > 1:
            cls[members] = len(classes)
            classes.append(members)
    n_closed = len(classes)
    opened: dict[tuple[int, ...], list[int]] = defaultdict(list)
    for v, row in neighbours.items():
        if cls[v] < 0:
            opened[row].append(v)
    for members in opened.values():
        cls[members] = len(classes)
        classes.append(members)
    is_open = np.array([i >= n_closed and len(m) > 1 for i, m in enumerate(classes)])
    return cls, classes, is_open


def _classes_betweenness(
    A: Any,
    cls: Any,
    classes: list[list[int]],
    is_open: Any,
    reach: Any,
    max_levels: int,
    cells: int,
) -> tuple[Any, list[int]]:
    """Per member of each class: the dependencies of every source node on it, weighted
    by the nodes source and target stand for (ordered pairs); and a node of each
    component too deep to measure."""
    import numpy as np
    from scipy import sparse
    from scipy.sparse import csgraph

    members = np.array([m[0] for m in classes])
    size = np.array([len(m) for m in classes], dtype=float)
    weight = np.array([reach[m].sum() for m in classes])  # nodes a class stands for
    squares = np.array([(reach[m] ** 2).sum() for m in classes])
    coo = A.tocoo()
    a, b = cls[coo.row], cls[coo.col]
    linked = (a >= 0) & (b >= 0) & (a != b)
    n = len(classes)
    Q = sparse.csr_array((np.ones(int(linked.sum())), (a[linked], b[linked])), shape=(n, n))
    Q.sum_duplicates()
    Q.data[:] = 1.0
    # From a source s in a class of open twins, its twins are targets at distance 2, one
    # path through each neighbour of s (σ = degree), leading nowhere further: each
    # neighbour's dependency gains reach(twin)/degree per twin. Summed over the sources s
    # of the class, weighted by reach(s): (weight² − Σ reach²)/degree.
    degree = (A @ (cls >= 0).astype(float))[members]  # neighbours left after peeling
    twins = np.where(is_open, (weight**2 - squares) / np.maximum(degree, 1), 0.0)
    through = Q @ twins
    deep: list[int] = []
    count, labels = csgraph.connected_components(Q, directed=False)
    order = np.argsort(labels, kind="stable")
    bounds = np.searchsorted(labels[order], np.arange(count + 1))
    for k in range(count):
        idx = order[bounds[k] : bounds[k + 1]]
        if len(idx) < 2:
            continue
        part = _weighted_brandes(Q[idx][:, idx], size[idx], weight[idx], max_levels, cells)
        if part is None:
            deep.append(int(members[idx[0]]))
        else:
            through[idx] += part
    return through, deep


def _weighted_brandes(Q: Any, size: Any, weight: Any, max_levels: int, cells: int) -> Any:
    """Brandes' algorithm on one connected network of classes, a batch of sources at a
    time: for each class V, the sum over source classes S of weight(S) times the
    dependency of a source of S on a member of V (None when deeper than ``max_levels``).

    Arrays are (classes × sources), flattened: σ the shortest paths from the source to a
    member, δ the member's dependency. Paths reach a class through every member of the
    classes one level up, except the source's own class, whose other members lie off
    every path (see ``_twin_classes``); each target counts for the nodes it stands for.
    """
    import numpy as np

    n = Q.shape[0]
    width = max(1, min(n, cells // n))
    out = np.zeros(n)
    for start in range(0, n, width):
        sources = np.arange(start, min(n, start + width))
        b = len(sources)
        members = np.repeat(size, b)  # row-major (class, source) cells
        targets = np.repeat(weight, b)
        unvisited = np.ones(n * b, dtype=bool)
        sigma = np.zeros(n * b)
        front = sources * b + np.arange(b)
        unvisited[front] = False
        sigma[front] = 1.0
        passing = np.zeros(n * b)  # the paths each cell of the front passes on
        passing[front] = 1.0
        levels = [front]
        while True:
            reached = (Q @ passing.reshape(n, b)).ravel()
            passing[front] = 0.0
            front = np.flatnonzero((reached > 0) & unvisited)
            if not len(front):
                break
            if len(levels) > max_levels:
                return None
            unvisited[front] = False
            sigma[front] = reached[front]
            passing[front] = reached[front] * members[front]
            levels.append(front)
        delta = np.zeros(n * b)
        back = np.zeros(n * b)
        # deepest level first: each level's dependencies flow to the level above it
        for deeper, level in zip(levels[:1:-1], levels[-2:0:-1], strict=True):
            back[deeper] = (targets[deeper] + members[deeper] * delta[deeper]) / sigma[deeper]
            pulled = (Q @ back.reshape(n, b)).ravel()
            back[deeper] = 0.0
            delta[level] += sigma[level] * pulled[level]
        # numpy's own loop: BLAS threads cost more than they save on a busy machine
        out += np.einsum("ij,j->i", delta.reshape(n, b), weight[sources])
    return out


def _eigenvector(G: nx.Graph, params: MetricsParams, notes: list[str]) -> dict[str, float]:
    """Weighted eigenvector centrality, or {} with a note when it is not defined or found.

    The leading eigenvector of the whole adjacency matrix (ARPACK, unit norm, as networkx).
    On a disconnected network it lives on the component with the largest eigenvalue and
    the others get zero; when two components tie for that eigenvalue the vector is not
    unique, and the metric is omitted.
    """
    import numpy as np
    from scipy.sparse.linalg import ArpackNoConvergence, eigsh

    if G.number_of_edges() == 0:
        notes.append("eigenvector centrality omitted: the network has no edge")
        return {}
    nodes = list(G)
    A = nx.to_scipy_sparse_array(G, nodelist=nodes, weight="weight", dtype=float)
    try:
        if len(nodes) <= 3:
            values, vectors = np.linalg.eigh(A.toarray())
        else:
            # a fixed start vector (ARPACK's default is random): the same digits every run
            values, vectors = eigsh(
                A,
                k=2,
                which="LA",
                maxiter=params.eigenvector_max_iter * len(nodes),
                v0=np.ones(len(nodes)),
            )
    except ArpackNoConvergence:
        notes.append("eigenvector centrality omitted: ARPACK did not converge")
        return {}
    order = np.argsort(values)[::-1]
    first, second = values[order[0]], values[order[1]]
    if first - second <= 1e-9 * abs(first):
        notes.append("eigenvector centrality omitted: the leading eigenvalue is not unique")
        return {}
    vector = np.abs(vectors[:, order[0]])
    vector /= np.linalg.norm(vector)
    vector[vector < 1e-12] = 0.0  # round-off on the components the vector does not reach
    return {node: float(v) for node, v in zip(nodes, vector, strict=True)}


def year_snapshots(G: nx.Graph) -> list[dict[str, Any]]:
    """How the network grew: for each year, the network of what existed by then.

    A node exists from its ``first_year`` and an edge from its ``first_year``; nodes and
    edges with no year are in no snapshot (nor is an edge to a node in none).
    """
    import numpy as np
    from scipy import sparse
    from scipy.sparse import csgraph

    nodes = list(G)
    index = {node: i for i, node in enumerate(nodes)}
    born = np.array([math.inf if y is None else y for _, y in G.nodes(data="first_year")])
    ends = np.array([(index[a], index[b]) for a, b in G.edges()], dtype=np.int64).reshape(-1, 2)
    edge_year = np.array([math.inf if y is None else y for *_, y in G.edges(data="first_year")])
    # an edge is in a snapshot once it and both its ends exist
    if len(ends):
        edge_year = np.maximum(edge_year, np.maximum(born[ends[:, 0]], born[ends[:, 1]]))
    order = np.argsort(edge_year, kind="stable")
    ends, edge_year = ends[order], edge_year[order]
    out: list[dict[str, Any]] = []
    previous = 0
    for year in sorted({y for _, y in G.nodes(data="first_year") if y is not None}):
        present = born <= year
        m = int(np.searchsorted(edge_year, year, side="right"))
        links = sparse.csr_array(
            (np.ones(m), (ends[:m, 0], ends[:m, 1])), shape=(len(nodes), len(nodes))
        )
        _, labels = csgraph.connected_components(links, directed=False)
        sizes = np.bincount(labels[present])
        count = int(present.sum())
        out.append(
            {
                "year": year,
                "nodes": count,
                "new_nodes": count - previous,
                "edges": m,
                "components": int(np.count_nonzero(sizes)),
                "largest_component": int(sizes.max(initial=0)),
            }
        )
        previous = count
    return out


@dataclass
class Network:
    """A projection with its metrics, the data it came from and how it was computed."""

    name: str
    graph: nx.Graph
    data: Extract
    params: MetricsParams
    betweenness_k: int | None
    """Sources sampled for betweenness; None when exact."""
    notes: list[str]
    snapshots: list[dict[str, Any]]

    @property
    def filters(self) -> Filters:
        return self.data.filters

    @property
    def summary(self) -> dict[str, Any]:
        G = self.graph
        components = {c for _, c in G.nodes(data="component")}
        communities = {c for _, c in G.nodes(data="community")}
        largest = sum(1 for _, c in G.nodes(data="component") if c == 0)
        return {
            "graph": self.name,
            "partnerships": len(self.data.partnerships),
            "nodes": G.number_of_nodes(),
            "edges": G.number_of_edges(),
            "density": nx.density(G) if G.number_of_nodes() > 1 else 0.0,
            "components": len(components),
            "largest_component": largest,
            "communities": len(communities),
        }

    def parameters(self) -> dict[str, Any]:
        """What was computed and how: filters, seed, betweenness sampling."""
        return {
            "graph": self.name,
            "filters": self.filters.as_dict(),
            "seed": self.params.seed,
            "betweenness": "exact"
            if self.betweenness_k is None
            else f"sampled, k={self.betweenness_k}",
            "louvain_resolution": self.params.louvain_resolution,
        }

    def top(self, n: int = 10, by: str = "degree") -> list[dict[str, Any]]:
        """The ``n`` nodes ranked by a metric (ties: weighted degree, then label)."""
        if by not in METRICS and by not in ("partnerships", "funding"):
            raise ConfigError("--by", by, ", ".join((*METRICS, "partnerships", "funding")))
        nodes = sorted(
            self.graph.nodes(data=True),
            key=lambda item: (
                -(item[1].get(by) or 0),
                -(item[1].get("weighted_degree") or 0),
                item[1].get("label", ""),
                item[0],
            ),
        )
        rows = []
        for rank, (iri, attrs) in enumerate(nodes[:n], start=1):
            row: dict[str, Any] = {"rank": rank, "label": attrs.get("label"), "kind": attrs.get("kind"),
                                   "country": attrs.get("country")}  # fmt: skip
            row.update({m: _rounded(attrs.get(m)) for m in METRICS})
            row["partnerships"] = attrs.get("partnerships")
            row["iri"] = iri
            rows.append(row)
        return rows


def _rounded(value: Any) -> Any:
    return round(value, 6) if isinstance(value, float) else value


def load_network(
    store: Store,
    name: str = "bipartite",
    filters: Filters | None = None,
    params: MetricsParams | None = None,
    *,
    progress: Callable[[str], None] | None = None,
) -> Network:
    """Extract, project and measure: the one call behind ``atlas-kg metrics`` and ``export``.

    ``progress(step)`` is called as each step starts (for a long run's status line).
    """
    return load_networks(store, [name], filters, params, progress=progress)[name]


def load_networks(
    store: Store,
    names: Iterable[str] | None = None,
    filters: Filters | None = None,
    params: MetricsParams | None = None,
    *,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Network]:
    """Several networks (all of ``PROJECTIONS`` by default) from one extraction: the
    store is read once, then each network is projected and measured as ``load_network``
    does. The networks share one ``Extract``.
    """
    names = list(PROJECTIONS if names is None else names)
    for name in names:
        _projection(name)
    say = progress or (lambda step: None)
    say("reading the partnerships")
    data = extract(store, filters)
    return {name: measure_network(data, name, params, progress=say) for name in names}


def measure_network(
    data: Extract,
    name: str = "bipartite",
    params: MetricsParams | None = None,
    *,
    progress: Callable[[str], None] | None = None,
) -> Network:
    """Project extracted data as the network ``name`` and measure it."""
    say = progress or (lambda step: None)
    spec = _projection(name)
    params = params or MetricsParams()
    say(f"building the {name} network")
    G = spec.build(data)
    say(f"measuring {G.number_of_nodes():,} nodes and {G.number_of_edges():,} edges")
    k, notes = compute_metrics(G, params, bipartite=spec.bipartite)
    say("yearly snapshots")
    return Network(name, G, data, params, k, notes, year_snapshots(G))


# -- writing metrics back --------------------------------------------------------------

_NODE_PROPERTIES = {
    "degree": ("degree", "integer"),
    "weighted_degree": ("weightedDegree", "integer"),
    "betweenness": ("betweenness", "double"),
    "pagerank": ("pageRank", "double"),
    "eigenvector": ("eigenvectorCentrality", "double"),
    "component": ("component", "integer"),
    "community": ("community", "integer"),
    "clustering": ("clustering", "double"),
}


def metrics_graph_iri(
    name: str, filters: Filters | None = None, *, base: str = DEFAULT_BASE
) -> str:
    """``graph/metrics/<name>``, plus ``/<digest of the filters>`` when filters are set."""
    digest = (filters or Filters()).digest()
    return f"{base}graph/metrics/{name}" + (f"/{digest}" if digest else "")


_DOUBLE = NamedNode("http://www.w3.org/2001/XMLSchema#double")
_DATATYPES = {"integer": ox.XSD.integer, "double": _DOUBLE}


def _lexical(value: Any, kind: str) -> str:
    return str(int(value)) if kind == "integer" else repr(float(value))


def _literal(value: Any, kind: str) -> Literal:
    return Literal(_lexical(value, kind), datatype=_DATATYPES[kind])


def metrics_graph(
    network: Network, *, base: str = DEFAULT_BASE, generated_at: datetime | None = None
) -> NamedGraph:
    """The named graph of computed values: each node's metrics, the parameters, snapshots."""
    AKG = ox.AKG
    iri = metrics_graph_iri(network.name, network.filters, base=base)
    g = NamedNode(iri)
    quads: list[Quad] = []

    def add(s: NamedNode, p: NamedNode, o: NamedNode | Literal) -> None:
        quads.append(Quad(s, p, o, g))

    summary = network.summary
    add(g, ox.RDF.type, AKG.MetricsGraph)
    add(g, AKG.projection, Literal(network.name))
    add(g, AKG.randomSeed, _literal(network.params.seed, "integer"))
    if network.betweenness_k is not None:
        add(g, AKG.betweennessSample, _literal(network.betweenness_k, "integer"))
    add(g, AKG.nodeCount, _literal(summary["nodes"], "integer"))
    add(g, AKG.edgeCount, _literal(summary["edges"], "integer"))
    add(g, AKG.partnershipCount, _literal(summary["partnerships"], "integer"))
    add(g, AKG.componentCount, _literal(summary["components"], "integer"))
    add(g, AKG.communityCount, _literal(summary["communities"], "integer"))
    add(g, AKG.computedWith, Literal(f"networkx {nx.__version__}"))
    for note in network.notes:
        add(g, ox.RDFS.comment, Literal(note, language="en"))
    f = network.filters
    for name, prop in (
        ("country", AKG.filterCountry),
        ("theme", AKG.filterTheme),
        ("status", AKG.filterStatus),
    ):
        for matched in network.data.resolved.get(name, []):
            add(g, prop, NamedNode(matched))
    if f.from_year is not None:
        add(g, AKG.fromYear, _literal(f.from_year, "integer"))
    if f.to_year is not None:
        add(g, AKG.toYear, _literal(f.to_year, "integer"))
    for snap in network.snapshots:
        s = NamedNode(f"{iri}/snapshot/{snap['year']}")
        add(g, AKG.snapshot, s)
        add(s, ox.RDF.type, AKG.YearSnapshot)
        add(s, AKG.snapshotYear, _literal(snap["year"], "integer"))
        add(s, AKG.nodeCount, _literal(snap["nodes"], "integer"))
        add(s, AKG.edgeCount, _literal(snap["edges"], "integer"))
        add(s, AKG.componentCount, _literal(snap["components"], "integer"))
        add(s, AKG.largestComponent, _literal(snap["largest_component"], "integer"))
    # About nine quads per node, 120,000 per network of a full Atlas: written as N-Quads
    # text, in the form str(Quad) gives, without a Quad object each (half the time of
    # writing the metrics). Each node is checked to be an IRI, once, before it is pasted.
    lines = [str(q) for q in quads]
    columns = [
        (key, f'> {getattr(AKG, local)} "', f'"^^{_DATATYPES[kind]} {g}', kind)
        for key, (local, kind) in _NODE_PROPERTIES.items()
    ]
    for node, attrs in network.graph.nodes(data=True):
        head = "<" + NamedNode(node).value
        lines.extend(
            head + middle + _lexical(attrs[key], kind) + tail
            for key, middle, tail, kind in columns
            if key in attrs
        )
    # As for the derived graphs: the digest of the content, the time written excluded.
    digest = hashlib.sha256("\n".join(lines).encode()).hexdigest()
    when = (generated_at or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    lines += [
        str(Quad(g, AKG.contentHash, Literal(digest), g)),
        str(
            Quad(g, ox.PROV.generatedAtTime, Literal(when.isoformat(), datatype=ox.XSD.dateTime), g)
        ),
    ]
    data = (" .\n".join(lines) + " .\n").encode()
    return NamedGraph(iri, QuadText(data, len(lines)), digest, "atlas_kg.metrics")


def write_metrics(store: Store, network: Network, *, base: str = DEFAULT_BASE) -> str:
    """Replace the network's metrics graph in the store; returns the graph's IRI.

    A graph whose ``akg:contentHash`` is the store's (the same values, parameters and
    networkx version) is left as it is: rewriting one costs seconds at full Atlas scale,
    most of them removing the old quads.
    """
    graph = metrics_graph(network, base=base)
    if store.content_hashes([graph.iri]).get(graph.iri) != graph.content_hash:
        store.replace_records([graph], bulk=len(graph.quads) >= BULK_QUADS)
    return graph.iri


# -- rank correlation (for the benchmark) ----------------------------------------------


def _ranks(values: list[float]) -> list[float]:
    order = sorted(range(len(values)), key=values.__getitem__)
    ranks = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for t in range(i, j + 1):  # ties share their average rank
            ranks[order[t]] = (i + j) / 2 + 1
        i = j + 1
    return ranks


def spearman(a: Mapping[str, float], b: Mapping[str, float]) -> float:
    """Spearman's rank correlation of two scores over their common keys.

    >>> round(spearman({"x": 1, "y": 2, "z": 3}, {"x": 10, "y": 20, "z": 30}), 9)
    1.0
    """
    keys = sorted(set(a) & set(b))
    ra, rb = _ranks([a[k] for k in keys]), _ranks([b[k] for k in keys])
    n = len(keys)
    ma, mb = sum(ra) / n, sum(rb) / n
    cov = sum((x - ma) * (y - mb) for x, y in zip(ra, rb, strict=True))
    va = math.sqrt(sum((x - ma) ** 2 for x in ra))
    vb = math.sqrt(sum((y - mb) ** 2 for y in rb))
    return cov / (va * vb) if va and vb else 0.0
