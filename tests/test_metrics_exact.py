"""The fast exact metrics (``atlas_kg.metrics``) give networkx's values: betweenness on the
compressed network, Latapy's and the usual clustering from sparse products, yearly
snapshots; and one extraction serves every projection (``load_networks``)."""

from __future__ import annotations

import math
import random
from pathlib import Path

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from atlas_kg import metrics
from atlas_kg.errors import ConfigError
from atlas_kg.ingest import ingest_records
from atlas_kg.metrics import (
    PROJECTIONS,
    MetricsParams,
    _clustering,
    _compressed_betweenness,
    betweenness,
    compute_metrics,
    extract,
    latapy_clustering,
    load_network,
    load_networks,
    projection,
    year_snapshots,
)
from atlas_kg.store import open_store
from atlas_kg.synth import generate

FIXTURE = Path(__file__).parent / "data" / "network" / "fixture.jsonl"


def _assert_exact(G: nx.Graph, **options: int) -> None:
    """The compressed algorithm's pair counts are networkx's exact ones."""
    expected = nx.betweenness_centrality(G, normalized=False)
    values, left = _compressed_betweenness(G, max_levels=metrics.MAX_BFS_LEVELS, **options)
    assert left == []
    assert values.keys() == expected.keys()
    for node, value in expected.items():
        assert values[node] == pytest.approx(value, rel=1e-9, abs=1e-9), node


def _twins_and_trees(seed: int) -> nx.Graph:
    """A random network blown up into classes of closed and open twins, with trees hung
    off some nodes: every compression step has something to do."""
    rng = random.Random(seed)
    base = nx.gnp_random_graph(rng.randint(2, 12), 0.4, seed=seed)
    G = nx.Graph()
    groups = {v: [f"{v}.{i}" for i in range(rng.randint(1, 4))] for v in base}
    for members in groups.values():
        G.add_nodes_from(members)
        if rng.random() < 0.5:  # closed twins: the members are linked to each other
            G.add_edges_from((a, b) for a in members for b in members if a < b)
    for u, v in base.edges():
        G.add_edges_from((a, b) for a in groups[u] for b in groups[v])
    for node in list(G):
        if rng.random() < 0.3:  # a small tree hanging at the node
            G.add_edges_from([(node, f"{node}/a"), (f"{node}/a", f"{node}/b"), (node, f"{node}/c")])
    return G


@pytest.mark.parametrize(
    "G",
    [
        nx.path_graph(6),
        nx.star_graph(5),
        nx.complete_graph(6),  # one class of closed twins
        nx.complete_bipartite_graph(2, 3),  # two classes of open twins
        nx.complete_bipartite_graph(4, 7),
        nx.cycle_graph(9),
        nx.petersen_graph(),
        nx.barbell_graph(4, 3),
        nx.lollipop_graph(5, 4),
        nx.empty_graph(4),
        nx.Graph([(0, 1)]),
        nx.Graph(),
        nx.union_all(
            [nx.star_graph(3), nx.cycle_graph(5), nx.path_graph(4)], rename=("s", "c", "p")
        ),
    ],
    ids=lambda G: f"{G.number_of_nodes()}n{G.number_of_edges()}e",
)
def test_compressed_betweenness_on_small_graphs(G: nx.Graph) -> None:
    _assert_exact(G)


@pytest.mark.parametrize("seed", range(40))
def test_compressed_betweenness_with_twins_and_trees(seed: int) -> None:
    G = _twins_and_trees(seed)
    _assert_exact(G)
    _assert_exact(G, cells=5)  # a few sources per batch


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 25), st.integers(0, 25)), max_size=80),
    st.sampled_from([1, 7, 1 << 20]),
)
def test_compressed_betweenness_on_any_graph(edges: list[tuple[int, int]], cells: int) -> None:
    G = nx.Graph(edges)  # self-loops included: they never lie on a shortest path
    _assert_exact(G, cells=cells)


def test_deep_components_fall_back_to_another_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    G = nx.union(nx.cycle_graph(60), nx.barabasi_albert_graph(80, 2, seed=5), rename=("c", "b"))
    _, left = _compressed_betweenness(G, max_levels=10)
    assert left == [{f"c{i}" for i in range(60)}]  # 30 levels deep; the other is shallow
    monkeypatch.setattr(metrics, "MAX_BFS_LEVELS", 10)
    values, k = betweenness(G)
    expected = nx.betweenness_centrality(G)
    assert k is None
    assert all(values[n] == pytest.approx(expected[n], abs=1e-12) for n in G)


def test_betweenness_engines_agree() -> None:
    G = nx.union(_twins_and_trees(7), nx.barabasi_albert_graph(300, 2, seed=2), rename=("t", "b"))
    expected = nx.betweenness_centrality(G)
    values, k = betweenness(G)
    assert k is None
    assert all(values[n] == pytest.approx(expected[n], abs=1e-12) for n in G)
    if metrics._rustworkx_available():
        fast, _ = betweenness(G, MetricsParams(betweenness_engine="rustworkx"))
        assert all(fast[n] == pytest.approx(values[n], abs=1e-12) for n in G)


@pytest.mark.parametrize("seed", range(15))
def test_latapy_clustering_is_networkx(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    G = nx.bipartite.random_graph(seed % 7 + 1, seed + 2, 0.35, seed=seed)
    G.add_edges_from([(100 + seed, 200 + seed)])  # a lone edge; isolated nodes may occur too
    expected = nx.bipartite.clustering(G, mode="dot")
    assert latapy_clustering(G) == pytest.approx(expected, rel=1e-12)
    monkeypatch.setattr(metrics, "_BLOCK_WORK", 3)  # many blocks of rows
    assert latapy_clustering(G) == pytest.approx(expected, rel=1e-12)


def test_latapy_clustering_needs_a_bipartite_network() -> None:
    with pytest.raises(nx.NetworkXError, match="not bipartite"):
        latapy_clustering(nx.complete_graph(3))


@pytest.mark.parametrize("seed", range(15))
def test_clustering_is_networkx_to_the_bit(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    G = nx.gnp_random_graph(30, 0.05 + seed / 40, seed=seed)
    G.add_edge(0, 0)  # a self-loop makes no triangle
    assert _clustering(G) == nx.clustering(G)
    monkeypatch.setattr(metrics, "_BLOCK_WORK", 5)
    assert _clustering(G) == nx.clustering(G)


def _snapshots_by_definition(G: nx.Graph) -> list[dict]:
    """Each year's network rebuilt from scratch (the definition the fast version follows)."""
    out, previous = [], 0
    for year in sorted({y for _, y in G.nodes(data="first_year") if y is not None}):
        H = nx.Graph()
        H.add_nodes_from(n for n, y in G.nodes(data="first_year") if y is not None and y <= year)
        H.add_edges_from(
            (a, b) for a, b, y in G.edges(data="first_year")
            if y is not None and y <= year and a in H and b in H
        )  # fmt: skip
        sizes = [len(c) for c in nx.connected_components(H)]
        out.append({"year": year, "nodes": len(H), "new_nodes": len(H) - previous,
                    "edges": H.number_of_edges(), "components": len(sizes),
                    "largest_component": max(sizes, default=0)})  # fmt: skip
        previous = len(H)
    return out


@pytest.mark.parametrize("seed", range(10))
def test_year_snapshots_follow_their_definition(seed: int) -> None:
    rng = random.Random(seed)
    G = nx.gnp_random_graph(40, 0.08, seed=seed)
    for node in G:
        G.nodes[node]["first_year"] = rng.choice([None, 2001, 2003, 2003, 2008, 2010])
    for a, b in G.edges():
        G.edges[a, b]["first_year"] = rng.choice([None, 1999, 2002, 2005, 2009, 2012])
    assert year_snapshots(G) == _snapshots_by_definition(G)
    assert year_snapshots(nx.Graph()) == []


@pytest.fixture(scope="module")
def synthetic_store(tmp_path_factory: pytest.TempPathFactory):
    """400 synthetic records in an on-disk store."""
    store = open_store(tmp_path_factory.mktemp("exact") / "store")
    ingest_records(store, generate(400, 11))
    yield store
    store.close()


def test_every_projection_measured_as_networkx_would(synthetic_store) -> None:
    """On a synthetic Atlas, each projection's betweenness and clustering are networkx's
    exact values (the library used to compute them with networkx)."""
    data = extract(synthetic_store)
    for name, spec in PROJECTIONS.items():
        G = projection(data, name)
        compute_metrics(G, bipartite=spec.bipartite)
        between = nx.betweenness_centrality(G)
        cluster = nx.bipartite.clustering(G, mode="dot") if spec.bipartite else nx.clustering(G)
        for node, attrs in G.nodes(data=True):
            assert attrs["betweenness"] == pytest.approx(between[node], rel=1e-9, abs=1e-15)
            assert attrs["clustering"] == pytest.approx(cluster[node], rel=1e-12)
        assert not math.isnan(
            sum(a["eigenvector"] for _, a in G.nodes(data=True) if "eigenvector" in a)
        )


def test_one_extraction_gives_the_same_networks(synthetic_store) -> None:
    steps: list[str] = []
    together = load_networks(synthetic_store, progress=steps.append)
    assert list(together) == list(PROJECTIONS)
    assert steps.count("reading the partnerships") == 1
    assert len({id(net.data) for net in together.values()}) == 1  # one shared Extract
    for name, net in together.items():
        alone = load_network(synthetic_store, name)
        assert dict(net.graph.nodes(data=True)) == dict(alone.graph.nodes(data=True)), name
        assert sorted(net.graph.edges(data=True)) == sorted(alone.graph.edges(data=True))
        assert (net.snapshots, net.notes, net.betweenness_k) == (
            alone.snapshots, alone.notes, alone.betweenness_k)  # fmt: skip
    some = load_networks(synthetic_store, ["country", "french"])
    assert list(some) == ["country", "french"]
    with pytest.raises(ConfigError, match="--graph"):
        load_networks(synthetic_store, ["bipartite", "nope"])


def _extracted(store) -> str:
    data = extract(store)
    # repr: a funder's first year may be nan, which equality would not match with itself.
    return repr((sorted(data.partnerships.items()), sorted(data.entities.items())))


def test_whole_store_texts_read_what_the_lookups_read(synthetic_store, monkeypatch) -> None:
    """Without a filter, extract reads each property in one scan; the lookup texts that a
    filter uses, run over the whole store, give the same partnerships and entities."""
    scans = _extracted(synthetic_store)
    lookups = {
        "_PARTNERSHIPS_ALL": metrics._PARTNERSHIPS.format(projection="", filters=""),
        "_LINKS_ALL": metrics._LINKS.format(restrict=""),
        "_FUNDING_ALL": metrics._FUNDING.format(restrict=""),
    }
    for name, text in lookups.items():
        assert getattr(metrics, name) != text
        monkeypatch.setattr(metrics, name, text)
    assert _extracted(synthetic_store) == scans
    data = extract(synthetic_store)
    assert len(data.partnerships) == 400
    assert sum(1 for p in data.partnerships.values() if p.funders) > 100
