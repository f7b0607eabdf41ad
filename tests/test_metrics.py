"""Network projections and metrics: a hand-made fixture with hand-computed values, filters
bound as terms, metrics written back as RDF, and hubs on a synthetic Atlas checked against
its truth.jsonl. Real Oxigraph on disk throughout."""

from __future__ import annotations

import json
import math
from collections import defaultdict
from pathlib import Path

import networkx as nx
import pytest
from click.testing import CliRunner

from atlas_kg import countries
from atlas_kg.cli import main
from atlas_kg.errors import ConfigError
from atlas_kg.ingest import ingest
from atlas_kg.iris import DEFAULT_BASE, collectivity_iri
from atlas_kg.metrics import (
    Filters,
    MetricsParams,
    betweenness,
    build_graph,
    compute_metrics,
    extract,
    load_network,
    metrics_graph,
    metrics_graph_iri,
    spearman,
    write_metrics,
)
from atlas_kg.record import Record
from atlas_kg.store import open_store

FIXTURE = Path(__file__).parent / "data" / "network" / "fixture.jsonl"
ID = "https://w3id.org/atlas-kg/id/"
AUBRY, BELLAC, CERGY = (
    ID + "collectivity/fr/" + s for s in ("ville-d-aubry", "bourg-bellac", "cergy-sur-oise")
)
XADAR, YENNE = ID + "collectivity/sn/commune-de-xadar", ID + "collectivity/sn/commune-de-yenne"
WALI, ZECA = ID + "collectivity/ml/commune-de-wali", ID + "collectivity/br/municipio-de-zeca"
DAKAR, MALI_POST = ID + "post/ambassade-de-france-a-dakar", ID + "post/ambassade-de-france-au-mali"
FONDS_UN, FONDS_DEUX = ID + "funder/fonds-un", ID + "funder/fonds-deux"
SN, ML, BR = (ID + "country/" + c for c in ("sn", "ml", "br"))


def p(n: int) -> str:
    return f"{ID}partnership/{n}"


@pytest.fixture(scope="module")
def store_path(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The fixture (6 partnerships, tests/data/network/fixture.jsonl) in an on-disk store."""
    path = tmp_path_factory.mktemp("network") / "store"
    store = open_store(path)
    report = ingest(store, [FIXTURE])
    assert report.ok and report.loaded == 6
    store.close()
    return str(path)


@pytest.fixture()
def store(store_path: str):
    s = open_store(store_path)
    yield s
    s.close()


# -- the hand-made fixture ---------------------------------------------------------------
#
# Partnerships (year, funding): 9001 Aubry–Xadar (2005, 1000 by Fonds Un), 9002 Aubry–Xadar
# (2010, 500 Fonds Deux), 9003 Aubry–Yenne (2008), 9004 Bellac–Yenne (2012, 2000 Fonds Un),
# 9005 Cergy–Zeca (first signed 2015, finished, 300 Fonds Deux), 9006 Bellac–Wali (2016).
# Bipartite network: the path Xadar =2= Aubry – Yenne – Bellac – Wali, and Cergy – Zeca.


def test_bipartite_network_by_hand(store) -> None:
    net = load_network(store, "bipartite")
    G = net.graph
    assert set(G) == {AUBRY, BELLAC, CERGY, XADAR, YENNE, WALI, ZECA}
    assert {frozenset(e) for e in G.edges} == {
        frozenset(e)
        for e in [(AUBRY, XADAR), (AUBRY, YENNE), (BELLAC, YENNE), (BELLAC, WALI), (CERGY, ZECA)]
    }
    edge = G.edges[AUBRY, XADAR]
    assert (edge["weight"], edge["funding"], edge["years"], edge["first_year"]) == (
        2,
        1500.0,
        "2005 2010",
        2005,
    )
    degree = {AUBRY: 2, BELLAC: 2, YENNE: 2, XADAR: 1, WALI: 1, CERGY: 1, ZECA: 1}
    weighted = {**degree, AUBRY: 3, XADAR: 2}
    # n = 7: normalised betweenness divides pair counts by (n-1)(n-2)/2 = 15.
    # Aubry lies on X–Y, X–B, X–W; Yenne on X–B, X–W, A–B, A–W; Bellac on X–W, A–W, Y–W.
    betweenness = {AUBRY: 3 / 15, YENNE: 4 / 15, BELLAC: 3 / 15}
    # Latapy's bipartite clustering: mean of |N(u)∩N(v)|/|N(u)∪N(v)| over the second neighbours.
    clustering = {
        AUBRY: 1 / 3,
        BELLAC: 1 / 3,
        XADAR: 1 / 2,
        YENNE: 1 / 2,
        WALI: 1 / 2,
        CERGY: 0,
        ZECA: 0,
    }
    for node, attrs in G.nodes(data=True):
        assert attrs["degree"] == degree[node]
        assert attrs["weighted_degree"] == weighted[node]
        assert attrs["betweenness"] == pytest.approx(betweenness.get(node, 0.0))
        assert attrs["clustering"] == pytest.approx(clustering[node])
        assert attrs["component"] == (1 if node in (CERGY, ZECA) else 0)
    assert G.nodes[AUBRY]["label"] == "Ville d'Aubry"
    assert (
        G.nodes[YENNE]["label"] == "Commune de Yenne"
    )  # not "COMMUNE DE YENNE", the tie's other spelling
    assert (
        G.nodes[AUBRY]["partnerships"],
        G.nodes[AUBRY]["funding"],
        G.nodes[AUBRY]["first_year"],
    ) == (3, 1500.0, 2005)
    assert (
        G.nodes[XADAR]["country_code"] == "SN" and G.nodes[AUBRY]["kind"] == "french_collectivity"
    )
    assert net.betweenness_k is None and net.notes == []
    assert net.summary | {"density": 0} == {
        "graph": "bipartite", "partnerships": 6, "nodes": 7, "edges": 5, "density": 0,
        "components": 2, "largest_component": 5, "communities": len({a["community"] for _, a in G.nodes(data=True)}),
    }  # fmt: skip


def test_pagerank_and_eigenvector_satisfy_their_definitions(store) -> None:
    G = load_network(store, "bipartite").graph
    alpha, n = 0.85, G.number_of_nodes()
    pr = {v: G.nodes[v]["pagerank"] for v in G}
    assert sum(pr.values()) == pytest.approx(1.0)
    for v in G:  # PR(v) = (1-α)/n + α Σ_u PR(u)·w(u,v)/W(u)
        inflow = sum(pr[u] * G.edges[u, v]["weight"] / G.degree(u, weight="weight") for u in G[v])
        assert pr[v] == pytest.approx((1 - alpha) / n + alpha * inflow, rel=1e-4)
    x = {v: G.nodes[v]["eigenvector"] for v in G}
    assert math.sqrt(sum(value**2 for value in x.values())) == pytest.approx(1.0)
    lam = sum(G.edges[AUBRY, u]["weight"] * x[u] for u in G[AUBRY]) / x[AUBRY]
    for v in G:  # A·x = λ·x, and the other component gets nothing
        assert sum(G.edges[v, u]["weight"] * x[u] for u in G[v]) == pytest.approx(
            lam * x[v], abs=1e-9
        )
    assert x[CERGY] == x[ZECA] == 0.0
    assert lam == pytest.approx(max(abs(e) for e in nx.adjacency_spectrum(G, weight="weight")))


def test_louvain_finds_the_best_partition_and_is_seeded(store) -> None:
    G = load_network(store, "bipartite").graph
    found = defaultdict(set)
    for node, c in G.nodes(data="community"):
        found[c].add(node)
    best = max(
        nx.community.modularity(G, partition, weight="weight") for partition in _partitions(list(G))
    )
    assert nx.community.modularity(G, found.values(), weight="weight") == pytest.approx(best)
    again = load_network(store, "bipartite").graph
    assert dict(again.nodes(data="community")) == dict(G.nodes(data="community"))


def _partitions(items: list[str]):
    if not items:
        yield []
        return
    first, rest = items[0], items[1:]
    for partition in _partitions(rest):
        for i in range(len(partition)):
            yield partition[:i] + [partition[i] | {first}] + partition[i + 1 :]
        yield [*partition, {first}]


def test_other_projections_by_hand(store) -> None:
    french = build_graph(store, "french")
    assert set(french) == {AUBRY, BELLAC, CERGY}
    assert {frozenset(e) for e in french.edges} == {frozenset((AUBRY, BELLAC))}  # both with Yenne
    assert french.edges[AUBRY, BELLAC] == {"weight": 1, "shared_partners": 1, "first_year": 2012}
    foreign = build_graph(store, "foreign")
    assert foreign.edges[XADAR, YENNE]["first_year"] == 2008  # both partners of Aubry by 2008
    assert foreign.edges[YENNE, WALI]["first_year"] == 2016
    assert foreign.degree(ZECA) == 0
    post = build_graph(store, "post")
    assert {frozenset(e): a["weight"] for *e, a in post.edges(data=True)} == {
        frozenset((AUBRY, DAKAR)): 3, frozenset((XADAR, DAKAR)): 2, frozenset((YENNE, DAKAR)): 1,
        frozenset((BELLAC, MALI_POST)): 1, frozenset((WALI, MALI_POST)): 1,
    }  # fmt: skip
    funder = build_graph(store, "funder")
    assert funder.edges[FONDS_UN, p(9004)] == {
        "weight": 1, "partnerships": 1, "funding": 2000.0, "funding_rows": 1,
        "first_year": 2012, "last_year": 2012, "years": "2012",
        "_partnerships": [p(9004)],
    }  # fmt: skip
    assert (
        funder.nodes[FONDS_UN]["funding"] == 3000.0
        and funder.nodes[p(9005)]["kind"] == "partnership"
    )
    country = build_graph(store, "country")
    assert set(country) == {SN, ML, BR}
    # Bourg-<Bellac> bridges Sénégal (since 2012) and Mali (since 2016)
    assert {frozenset(e) for e in country.edges} == {frozenset((SN, ML))}
    assert country.edges[SN, ML] == {"weight": 1, "french_collectivities": 1, "first_year": 2016}
    assert (country.nodes[SN]["partnerships"], country.nodes[SN]["funding"]) == (4, 3500.0)


def test_eigenvector_is_omitted_with_a_note_when_not_unique(store) -> None:
    # Two identical stars (each funder with two partnerships): no unique leading eigenvector.
    net = load_network(store, "funder")
    assert net.notes == ["eigenvector centrality omitted: the leading eigenvalue is not unique"]
    assert all("eigenvector" not in a for _, a in net.graph.nodes(data=True))


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (Filters(country="senegal"), {9001, 9002, 9003, 9004}),
        (Filters(country="ML"), {9006}),
        (Filters(theme="eau et assainissement"), {9001, 9004, 9006}),
        (Filters(theme="Environnement, Climat et Energie"), {9001, 9004, 9006}),
        (Filters(status="Terminé"), {9005}),
        (Filters(status="ongoing", country="Sénégal"), {9001, 9002, 9003, 9004}),
        (Filters(from_year=2010), {9002, 9004, 9005, 9006}),
        (Filters(from_year=2010, to_year=2012), {9002, 9004}),
        (Filters(to_year=2004), set()),
    ],
)
def test_filters(store, filters: Filters, expected: set[int]) -> None:
    assert {p.atlas_id for p in extract(store, filters).partnerships.values()} == expected


def test_filter_values_are_bound_never_spliced(store) -> None:
    before = store.quad_count()
    for evil in ('Sénégal" } ; DROP ALL ; #', "?x } UNION { ?s ?p ?o", "<http://x>"):
        with pytest.raises(ConfigError, match="--country"):
            extract(store, Filters(country=evil))
        with pytest.raises(ConfigError, match="--theme"):
            extract(store, Filters(theme=evil))
    with pytest.raises(ConfigError, match="from ≤ to"):
        extract(store, Filters(from_year=2012, to_year=2010))
    assert store.quad_count() == before


def test_year_snapshots_tell_how_the_network_grew(store) -> None:
    net = load_network(store, "bipartite")
    assert [(s["year"], s["nodes"], s["edges"], s["components"], s["largest_component"]) for s in net.snapshots] == [
        (2005, 2, 1, 1, 2), (2008, 3, 2, 1, 3), (2012, 4, 3, 1, 4), (2015, 6, 4, 2, 4), (2016, 7, 5, 2, 5),
    ]  # fmt: skip


def test_metrics_are_written_back_with_their_parameters(store_path: str) -> None:
    store = open_store(store_path)
    try:
        net = load_network(store, "bipartite", params=MetricsParams(seed=7))
        iri = write_metrics(store, net)
        write_metrics(store, net)  # rewriting replaces the graph
        assert iri == metrics_graph_iri("bipartite")
        rows = list(
            store.query(
                "SELECT ?node ?pr ?degree WHERE { GRAPH ?g { ?node akg:pageRank ?pr ; akg:degree ?degree } } "
                "ORDER BY DESC(?pr)",
                substitutions=None,
            )
        )
        assert len(rows) == 7
        assert rows[0]["node"].value == AUBRY and int(rows[0]["degree"].value) == 2
        assert float(rows[0]["pr"].value) == pytest.approx(net.graph.nodes[AUBRY]["pagerank"])
        params = {
            row["p"].value.rsplit("#", 1)[-1]: row["o"].value
            for row in store.query(f"SELECT ?p ?o WHERE {{ GRAPH <{iri}> {{ <{iri}> ?p ?o }} }}")
        }
        assert params["projection"] == "bipartite" and params["randomSeed"] == "7"
        assert params["type"] == "https://w3id.org/atlas-kg/def#MetricsGraph"
        assert "betweennessSample" not in params  # exact on 7 nodes
        snaps = list(
            store.query(
                "SELECT ?y ?n WHERE { ?g akg:snapshot [ akg:snapshotYear ?y ; akg:nodeCount ?n ] }"
            )
        )
        assert sorted((int(r["y"].value), int(r["n"].value)) for r in snaps)[-1] == (2016, 7)
        filtered = load_network(store, "bipartite", Filters(country="Sénégal"))
        other = write_metrics(store, filtered)
        assert other != iri and other.startswith(iri + "/")
        country = list(
            store.query(
                f"SELECT ?c WHERE {{ GRAPH <{other}> {{ <{other}> akg:filterCountry ?c }} }}"
            )
        )
        assert [r["c"].value for r in country] == [SN]
    finally:
        store.close()


def test_metrics_are_rewritten_only_when_their_content_changed(store_path: str) -> None:
    from datetime import UTC, datetime

    store = open_store(store_path)
    try:
        net = load_network(store, "bipartite", params=MetricsParams(seed=7))
        old = metrics_graph(net, generated_at=datetime(2000, 1, 1, tzinfo=UTC))
        store.replace_records([old])
        when = f"SELECT ?t WHERE {{ GRAPH <{old.iri}> {{ <{old.iri}> prov:generatedAtTime ?t }} }}"
        # The same values again: the graph written in 2000 stays, with its content hash.
        assert write_metrics(store, net) == old.iri
        assert [r["t"].value for r in store.query(when)] == ["2000-01-01T00:00:00Z"]
        assert store.content_hashes([old.iri]) == {old.iri: old.content_hash}
        # Another seed is other content: rewritten, stamped with the time written.
        other = load_network(store, "bipartite", params=MetricsParams(seed=8))
        write_metrics(store, other)
        assert [r["t"].value for r in store.query(when)] != ["2000-01-01T00:00:00Z"]
        assert store.content_hashes([old.iri]) == {old.iri: metrics_graph(other).content_hash}
        assert metrics_graph(other).content_hash != old.content_hash
        assert len(store.quads(old.iri)) == len(old.quads)
    finally:
        store.close()


def test_empty_network(store) -> None:
    net = load_network(store, "bipartite", Filters(to_year=1990))
    assert net.summary["nodes"] == 0 and net.notes == ["empty network: no partnership matches"]
    assert net.top(5) == [] and net.snapshots == []


def test_betweenness_is_exact_on_small_components_and_sampled_on_large_ones() -> None:
    big = nx.relabel_nodes(nx.barabasi_albert_graph(300, 2, seed=1), lambda i: f"b{i}")
    path = nx.relabel_nodes(nx.path_graph(6), lambda i: f"p{i}")
    star = nx.relabel_nodes(nx.star_graph(4), lambda i: f"s{i}")
    G = nx.union_all([big, path, star])
    nx.set_edge_attributes(G, 1, "weight")
    params = MetricsParams(
        exact_betweenness_max_nodes=100, betweenness_k=150, betweenness_engine="networkx"
    )
    k, _ = compute_metrics(G, params)
    exact = nx.betweenness_centrality(G)
    assert k == 150
    for node in (*path, *star):  # exact, normalised over the whole network
        assert G.nodes[node]["betweenness"] == pytest.approx(exact[node], abs=1e-12)
    # the star's centre: 6 pairs of leaves, normalised over n = 311 nodes
    assert G.nodes["s0"]["betweenness"] == pytest.approx(6 / (310 * 309 / 2))
    estimate = {n: G.nodes[n]["betweenness"] for n in big}
    assert spearman({n: exact[n] for n in big}, estimate) > 0.95


def test_betweenness_with_rustworkx_is_exact() -> None:
    pytest.importorskip("rustworkx", reason="rustworkx is in the bench extra")
    big = nx.relabel_nodes(nx.barabasi_albert_graph(400, 2, seed=3), lambda i: f"b{i}")
    G = nx.union_all([nx.relabel_nodes(nx.star_graph(3), lambda i: f"s{i}"), big])
    params = MetricsParams(exact_betweenness_max_nodes=100, betweenness_engine="rustworkx")
    values, k = betweenness(G, params)
    exact = nx.betweenness_centrality(G)
    assert k is None
    assert all(values[n] == pytest.approx(exact[n], abs=1e-12) for n in G)
    with pytest.raises(ConfigError, match="betweenness engine"):
        betweenness(G, MetricsParams(betweenness_engine="igraph"))


def test_spearman() -> None:
    assert spearman({"a": 1, "b": 2, "c": 3}, {"a": 3, "b": 2, "c": 1}) == pytest.approx(-1.0)
    assert spearman({"a": 0, "b": 0, "c": 1}, {"a": 5, "b": 5, "c": 9}) == pytest.approx(1.0)


# -- the command -------------------------------------------------------------------------


def test_cli_metrics(store_path: str) -> None:
    runner = CliRunner()
    result = runner.invoke(
        main, ["--store", store_path, "metrics", "--top", "3", "--format", "csv", "--no-write"]
    )
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith(
        "rank,label,kind,country,degree,weighted_degree,betweenness,pagerank"
    )
    assert lines[1].startswith("1,Ville d'Aubry,french_collectivity,France,2,3,0.2,")
    assert "bipartite: 7 nodes, 5 edges from 6 partnerships" in result.stderr
    result = runner.invoke(
        main, ["--store", store_path, "metrics", "--graph", "country", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["summary"]["nodes"] == 3 and report["metrics_graph"].endswith(
        "graph/metrics/country"
    )
    assert report["top"][0]["label"] in ("Mali", "Sénégal")
    result = runner.invoke(main, ["--store", store_path, "metrics", "--snapshots", "--no-write"])
    assert result.stdout.splitlines()[-1].split() == ["2016", "7", "1", "5", "2", "5"]


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (
            ["metrics", "--country", "Atlantis"],
            2,
            "--country: 'Atlantis' is not allowed; expected a country",
        ),
        (["metrics", "--graph", "nope"], 2, "'nope' is not one of 'bipartite', 'french'"),
        (["metrics", "--from-year", "2012", "--to-year", "2000"], 2, "from ≤ to"),
        (
            ["export", "--format", "pdf", "-o", "x"],
            2,
            "'pdf' is not one of 'csv', 'cytoscape', 'd3'",
        ),
    ],
)
def test_cli_rejects_bad_input(store_path: str, args: list[str], code: int, message: str) -> None:
    result = CliRunner().invoke(main, ["--store", store_path, *args])
    assert result.exit_code == code
    assert message in result.output and "Traceback" not in result.output


def test_cli_needs_an_existing_store(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["--store", str(tmp_path / "none"), "metrics"])
    assert result.exit_code == 2 and "no store at" in result.output
    assert not (tmp_path / "none").exists()


def test_commands_are_documented() -> None:
    for name in ("metrics", "export"):
        command = main.commands[name]
        assert command.help and "Example:" in command.help and "\b" in command.help
        assert f"atlas-kg {name}" in command.help


# -- a synthetic Atlas: hubs against truth.jsonl -----------------------------------------


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    """1,000 synthetic pages read through the whole pipeline (parse → RDF → store)."""
    from atlas_kg.synth import write_atlas

    root = tmp_path_factory.mktemp("synthetic")
    write_atlas(root / "pages", 1000, 2024)
    store = open_store(root / "store")
    report = ingest(store, [root / "pages"])
    assert report.ok and report.loaded == 1000
    store.close()
    return str(root / "store"), root / "pages" / "truth.jsonl"


def _truth_french_hubs(truth: Path) -> tuple[dict[str, int], dict[str, int]]:
    """Per French collectivity, straight from the records: partnerships, and the sum over
    them of their foreign partners (the weighted degree in the bipartite network).

    French names are mapped to IRIs as the pipeline does (``resolve_record``: ``Ville de
    Malakoff`` and ``Malakoff`` are one commune); foreign partners are counted per record,
    which cross-record merges of spelling variants do not change.
    """
    from atlas_kg.resolve import resolve_record

    partnerships: dict[str, int] = defaultdict(int)
    weighted: dict[str, int] = defaultdict(int)
    for line in truth.read_text(encoding="utf-8").splitlines():
        record = Record.from_json(line)
        resolution = resolve_record(record)
        french = set()
        for name in (n.strip() for n in record.french_partners if n.strip()):
            decision = resolution.decision(name)
            entity = decision.entity
            french.add(
                entity.iri(DEFAULT_BASE) if entity else collectivity_iri(decision.label, "FR")
            )
        foreign = set()
        for fp in record.foreign_partners:
            country = countries.lookup(fp.country) if fp.country else None
            foreign.add(collectivity_iri(fp.name.strip(), country.alpha2 if country else None))
        for f in french:
            partnerships[f] += 1
            weighted[f] += len(foreign)
    return partnerships, weighted


@pytest.mark.slow
def test_top_hubs_match_the_truth(synthetic: tuple[str, Path]) -> None:
    store_path, truth = synthetic
    store = open_store(store_path, read_only=True)
    try:
        net = load_network(store, "bipartite")
    finally:
        store.close()
    partnerships, weighted = _truth_french_hubs(truth)
    G = net.graph
    french = {n for n, kind in G.nodes(data="kind") if kind == "french_collectivity"}
    assert french == set(partnerships)
    assert {n: G.nodes[n]["partnerships"] for n in french} == partnerships
    assert {n: G.nodes[n]["weighted_degree"] for n in french} == weighted
    # The hubs: top 10 French collectivities by weighted degree, ties aside.
    top = [
        r["iri"]
        for r in net.top(len(G), by="weighted_degree")
        if r["kind"] == "french_collectivity"
    ][:10]
    expected = sorted(weighted, key=lambda n: -weighted[n])[:10]
    assert [weighted[n] for n in top] == [weighted[n] for n in expected]
    tenth = weighted[expected[-1]]
    assert {n for n in top if weighted[n] > tenth} == {n for n in expected if weighted[n] > tenth}


def test_merged_entities_count_as_their_representative(tmp_path: Path) -> None:
    from pyoxigraph import NamedNode, Quad

    from atlas_kg.rdf import NamedGraph
    from atlas_kg.resolve import resolution_graph_iri
    from atlas_kg.vocab import ox

    store = open_store(tmp_path / "store")
    try:
        assert ingest(store, [FIXTURE]).ok
        g = NamedNode(resolution_graph_iri() + "-test")
        quads = [
            Quad(g, ox.RDF.type, NamedNode("https://w3id.org/atlas-kg/def#ResolutionGraph"), g),
            Quad(NamedNode(WALI), ox.OWL.sameAs, NamedNode(YENNE), g),
        ]
        store.replace_records([NamedGraph(g.value, quads, "test")])
        G = build_graph(store, "bipartite")
    finally:
        store.close()
    assert WALI not in G
    assert G.edges[BELLAC, YENNE]["weight"] == 2  # 9004 and 9006 (Wali's) now on one edge
    assert G.nodes[YENNE]["partnerships"] == 3


@pytest.mark.parametrize("module", ["atlas_kg.metrics", "atlas_kg.export"])
def test_docstring_examples(module: str) -> None:
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(module))
    assert result.attempted > 0 and result.failed == 0


def test_load_network_reports_its_steps(store) -> None:
    steps: list[str] = []
    load_network(store, "country", progress=steps.append)
    assert steps == [
        "reading the partnerships",
        "building the country network",
        "measuring 3 nodes and 1 edges",
        "yearly snapshots",
    ]
