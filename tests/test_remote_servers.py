"""One graph, three stores: every named query and data check gives the same rows (after
sorting) on the embedded store, on Oxigraph server and on Virtuoso, for a 2,000-record
synthetic atlas copied to the servers by ``push``; counts, stats, dumps and the network
agree too."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pyoxigraph import RdfFormat, parse

from atlas_kg import synth
from atlas_kg.ingest import ingest_records
from atlas_kg.quality import load_checks
from atlas_kg.queries import list_queries, run_query
from atlas_kg.remote import RemoteStore, push
from atlas_kg.store import EmbeddedStore

pytest_plugins = ["servers"]  # real servers; imported by pytest, so not at the top here
pytestmark = pytest.mark.slow  # loads 2,000 records into each server (tens of seconds)

ATLAS_RECORDS = 2000
SEED = 11

# Virtuoso 7.2 quirks the named queries are written around (so all three stores agree):
# MIN(STR(?label)), not MIN over stored literals; one OPTIONAL { GRAPH ?g { ... } } per
# optional pattern; ancestors counted with skos:broader*; years computed inside the
# OPTIONAL with SUBSTR, not YEAR() of an xsd:date; bare aggregates in a sub-SELECT, never
# inside CONCAT. A case Virtuoso cannot run the same goes here, ``case id -> (reason,
# exception)``, as a strict xfail: once it is fixed, its entry must go.
VIRTUOSO_DIVERGES: dict[str, tuple[str, type[Exception]]] = {}


@dataclass(frozen=True)
class Case:
    query: str
    params: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        return "-".join([self.query, *self.params])


def _cases() -> list[Case]:
    cases = []
    for q in list_queries():
        required = tuple(p.name for p in q.params if p.required)
        cases.append(Case(q.name, required))
        optional = [p.name for p in q.params if not p.required]
        cases += [Case(q.name, (*required, name)) for name in optional]
        if len(optional) > 1:  # filters together: the plan starts from one, checks the other
            cases.append(Case(q.name, (*required, *optional[:2])))
    return cases + [Case(c.name) for c in load_checks()]


CASES = _cases()


def _backends() -> list[Any]:
    out = []
    for case in CASES:
        out.append(
            pytest.param(
                case,
                "oxigraph",
                id=f"oxigraph-{case.id}",
                marks=pytest.mark.xdist_group("oxigraph-atlas"),
            )
        )
        marks = [pytest.mark.virtuoso, pytest.mark.xdist_group("virtuoso")]
        known = VIRTUOSO_DIVERGES.get(case.id) or VIRTUOSO_DIVERGES.get(f"{case.query}-*")
        if known:
            marks.append(pytest.mark.xfail(reason=known[0], strict=True, raises=known[1]))
        out.append(pytest.param(case, "virtuoso", id=f"virtuoso-{case.id}", marks=marks))
    return out


@pytest.fixture(scope="session")
def atlas_records() -> list:
    return list(synth.generate(ATLAS_RECORDS, SEED))


@pytest.fixture(scope="session")
def embedded_atlas(
    tmp_path_factory: pytest.TempPathFactory, atlas_records: list
) -> Iterator[EmbeddedStore]:
    store = EmbeddedStore(tmp_path_factory.mktemp("embedded") / "atlas.oxigraph")
    report = ingest_records(store, atlas_records)
    assert report.ok and len(report.written) == ATLAS_RECORDS
    yield store
    store.close()


def _copy(embedded: EmbeddedStore, remote: RemoteStore) -> RemoteStore:
    report = push(embedded, remote)
    assert report.sent == report.graphs == len(embedded.graph_iris()) > ATLAS_RECORDS
    return remote


# Session scope (per xdist worker): loading the atlas takes seconds, and a module scope
# would load it again each time a worker comes back to this module.
@pytest.fixture(scope="session")
def oxigraph_atlas(
    tmp_path_factory: pytest.TempPathFactory, embedded_atlas: EmbeddedStore
) -> Iterator[RemoteStore]:
    from servers import OxigraphServer

    server = OxigraphServer(tmp_path_factory.mktemp("oxigraph") / "db").start()
    try:
        with server.store() as store:
            yield _copy(embedded_atlas, store)
    finally:
        server.stop()


@pytest.fixture(scope="session")
def virtuoso_atlas(
    tmp_path_factory: pytest.TempPathFactory, embedded_atlas: EmbeddedStore
) -> Iterator[RemoteStore]:
    """A Virtuoso of its own: the fault tests clear theirs."""
    from servers import VirtuosoServer

    reason = VirtuosoServer.missing()
    if reason:
        pytest.skip(reason)
    server = VirtuosoServer(tmp_path_factory.mktemp("virtuoso-atlas")).start()
    try:
        with server.store() as store:
            yield _copy(embedded_atlas, store)
    finally:
        server.stop()


def _first(store: EmbeddedStore, sparql: str) -> str:
    rows = list(store.query(sparql))
    assert rows, f"no sample value in the synthetic atlas for: {sparql}"
    return rows[0]["v"].value


@pytest.fixture(scope="session")
def samples(embedded_atlas: EmbeddedStore) -> dict[str, str]:
    """A value for each parameter name of the named queries, taken from the atlas so
    that the filtered queries return rows."""
    hub = _first(
        embedded_atlas,
        "SELECT (SAMPLE(?label) AS ?v) WHERE { ?p akg:frenchPartner ?c . ?c rdfs:label ?label } "
        "GROUP BY ?c ORDER BY DESC(COUNT(DISTINCT ?p)) ?c LIMIT 1",
    )
    return {
        "country": _first(
            embedded_atlas,
            "SELECT (SAMPLE(?label) AS ?v) WHERE { ?p a akg:Partnership ; akg:country ?c . ?c rdfs:label ?label "
            'FILTER(LANG(?label) = "fr") } GROUP BY ?c ORDER BY DESC(COUNT(DISTINCT ?p)) ?c LIMIT 1',
        ),
        "theme": _first(
            embedded_atlas,
            "SELECT (SAMPLE(?label) AS ?v) WHERE { ?p akg:theme ?t . ?t skos:broader ?b ; "
            'skos:prefLabel ?label FILTER(LANG(?label) = "fr") } GROUP BY ?t '
            "ORDER BY DESC(COUNT(DISTINCT ?p)) ?t LIMIT 1",
        ),
        "status": "ongoing",
        "collectivity": hub,
        # a partner with decisions to list: the one most decisions resolved to
        "name": _first(
            embedded_atlas,
            "SELECT (SAMPLE(?label) AS ?v) WHERE { ?d akg:resolvedTo ?n . ?n rdfs:label ?label "
            "FILTER EXISTS { ?p akg:frenchPartner|akg:foreignPartner ?n } } "
            "GROUP BY ?n ORDER BY DESC(COUNT(DISTINCT ?d)) ?n LIMIT 1",
        ),
        "post": _first(
            embedded_atlas,
            "SELECT (SAMPLE(?label) AS ?v) WHERE { ?p akg:post ?post . ?post rdfs:label ?label } "
            "GROUP BY ?post ORDER BY DESC(COUNT(DISTINCT ?p)) ?post LIMIT 1",
        ),
        "year": _first(
            embedded_atlas,
            "SELECT (SAMPLE(STR(?y)) AS ?v) WHERE { ?row akg:year ?y } GROUP BY ?y "
            "ORDER BY DESC(COUNT(?row)) ?y LIMIT 1",
        ),
        "complete": "true",
    }


def _sorted(rows: list[dict[str, Any]], columns: list[str]) -> list[tuple]:
    return sorted((tuple(r[c] for c in columns) for r in rows), key=repr)


@pytest.mark.parametrize(("case", "backend"), _backends())
def test_named_query_rows_match_the_embedded_store(
    case: Case,
    backend: str,
    request: pytest.FixtureRequest,
    embedded_atlas: EmbeddedStore,
    samples: dict[str, str],
) -> None:
    missing = [p for p in case.params if p not in samples]
    assert not missing, f"add a sample value for parameter(s) {missing} of {case.query}"
    params = {p: samples[p] for p in case.params}
    store = request.getfixturevalue(f"{backend}_atlas")
    expected = run_query(embedded_atlas, case.query, params)
    got = run_query(store, case.query, params)
    assert got.columns == expected.columns
    if case.query.endswith("_violation"):
        assert expected.rows == [] and got.rows == [], "a check finds violations in clean data"
    elif not case.query.startswith("checks/"):
        assert expected.rows, f"{case.id}: the sample parameters select nothing"
    assert _sorted(got.rows, got.columns) == _sorted(expected.rows, expected.columns)


@pytest.mark.parametrize(
    "backend",
    [
        pytest.param("oxigraph", marks=pytest.mark.xdist_group("oxigraph-atlas")),
        pytest.param("virtuoso", marks=[pytest.mark.virtuoso, pytest.mark.xdist_group("virtuoso")]),
    ],
)
def test_counts_stats_and_dump_match(
    backend: str, request: pytest.FixtureRequest, embedded_atlas: EmbeddedStore, tmp_path: Path
) -> None:
    store: RemoteStore = request.getfixturevalue(f"{backend}_atlas")
    assert store.quad_count() == embedded_atlas.quad_count()
    assert store.graph_iris() == embedded_atlas.graph_iris()
    assert store.stats() == embedded_atlas.stats()
    graph = embedded_atlas.graph_iris()[1]
    assert sorted(map(str, store.quads(graph))) == sorted(map(str, embedded_atlas.quads(graph)))
    # A dump of the server holds the same quads as a dump of the embedded store.
    store.dump(tmp_path / "remote.nq")
    embedded_atlas.dump(tmp_path / "embedded.nq")
    remote_quads = {
        str(q) for q in parse(path=str(tmp_path / "remote.nq"), format=RdfFormat.N_QUADS)
    }
    local_quads = {
        str(q) for q in parse(path=str(tmp_path / "embedded.nq"), format=RdfFormat.N_QUADS)
    }
    assert remote_quads == local_quads


@pytest.mark.parametrize(
    "backend",
    [
        pytest.param("oxigraph", marks=pytest.mark.xdist_group("oxigraph-atlas")),
        pytest.param(
            "virtuoso",
            marks=[
                pytest.mark.virtuoso,
                pytest.mark.xdist_group("virtuoso"),
            ],
        ),
    ],
)
def test_the_network_is_the_same_on_a_server(
    backend: str, request: pytest.FixtureRequest, embedded_atlas: EmbeddedStore
) -> None:
    from atlas_kg.metrics import build_graph

    store: RemoteStore = request.getfixturevalue(f"{backend}_atlas")
    local, remote = build_graph(embedded_atlas), build_graph(store)
    assert local.number_of_nodes() > ATLAS_RECORDS
    assert sorted(remote.nodes(data=True)) == sorted(local.nodes(data=True))
    assert sorted(map(sorted, remote.edges())) == sorted(map(sorted, local.edges()))
