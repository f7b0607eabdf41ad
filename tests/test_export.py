"""Exports: GEXF valid against the official 1.3 XSD, GraphML/GEXF/Cytoscape/D3 loaded back
into networkx with every attribute, CSV tables, the registry, the map SVG and the HTML
page's escaping (no browser here: see test_export_browser.py)."""

from __future__ import annotations

import copy
import csv
import html
import io
import json
import re
import tempfile
import zipfile
from pathlib import Path

import networkx as nx
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from atlas_kg.cli import main
from atlas_kg.errors import ConfigError
from atlas_kg.export import (
    EXPORTERS,
    ExportError,
    _clean,
    _description,
    choropleth_color,
    cytoscape_data,
    export,
    get_exporter,
    json_for_script,
    map_data,
    public_graph,
    view_data,
)
from atlas_kg.ingest import ingest
from atlas_kg.metrics import PROJECTIONS, Filters, load_network
from atlas_kg.store import open_store

FIXTURE = Path(__file__).parent / "data" / "network" / "fixture.jsonl"
SN = "https://w3id.org/atlas-kg/id/country/sn"


@pytest.fixture(scope="module")
def store_path(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("export") / "store"
    store = open_store(path)
    assert ingest(store, [FIXTURE]).ok
    store.close()
    return str(path)


@pytest.fixture(scope="module")
def networks(store_path: str) -> dict:
    store = open_store(store_path, read_only=True)
    try:
        return {name: load_network(store, name) for name in PROJECTIONS}
    finally:
        store.close()


@pytest.fixture(scope="module")
def gexf_schema(shared: Path) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(shared / "schemas" / "gexf-1.3" / "gexf.xsd")))


def _same_attributes(
    expected: nx.Graph, actual: nx.Graph, *, ignore: set[str] = frozenset()
) -> None:
    assert set(actual) == set(expected)
    assert {frozenset(e) for e in actual.edges} == {frozenset(e) for e in expected.edges}
    for node, attrs in expected.nodes(data=True):
        got = {k: v for k, v in actual.nodes[node].items() if k not in ignore}
        assert got == attrs, node
    for a, b, attrs in expected.edges(data=True):
        got = {k: v for k, v in actual.edges[a, b].items() if k not in ignore}
        assert got == attrs, (a, b)


@pytest.mark.parametrize("name", list(PROJECTIONS))
def test_gexf_is_valid_and_round_trips(networks, gexf_schema, tmp_path: Path, name: str) -> None:
    path = export(networks[name], "gexf", tmp_path / f"{name}.gexf")
    doc = etree.parse(str(path))
    assert gexf_schema.validate(doc), gexf_schema.error_log
    ns = {"g": "http://gexf.net/1.3"}
    assert doc.getroot().get("version") == "1.3"
    assert doc.xpath("//g:node/g:color", namespaces=ns) and doc.xpath(
        "//g:node/g:size", namespaces=ns
    )
    types = {
        a.get("id"): a.get("type")
        for a in doc.xpath("//g:attributes[@class='node']/g:attribute", namespaces=ns)
    }
    assert (
        types["degree"] == "integer" and types["pagerank"] == "double" and types["kind"] == "string"
    )
    back = nx.read_gexf(path, version="1.3")
    # networkx adds the GEXF time attribute and edge ids; everything else comes back typed.
    _same_attributes(public_graph(networks[name].graph), back, ignore={"start", "id"})


def test_gexf_carries_start_years(networks, tmp_path: Path) -> None:
    back = nx.read_gexf(export(networks["bipartite"], "gexf", tmp_path / "b.gexf"), version="1.3")
    aubry = "https://w3id.org/atlas-kg/id/collectivity/fr/ville-d-aubry"
    xadar = "https://w3id.org/atlas-kg/id/collectivity/sn/commune-de-xadar"
    assert back.nodes[aubry]["start"] == 2005 and back.edges[aubry, xadar]["start"] == 2005


def test_gexf_of_an_empty_network_is_valid(store_path: str, gexf_schema, tmp_path: Path) -> None:
    store = open_store(store_path, read_only=True)
    try:
        empty = load_network(store, "bipartite", Filters(to_year=1900))
    finally:
        store.close()
    assert gexf_schema.validate(etree.parse(str(export(empty, "gexf", tmp_path / "e.gexf"))))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.text(max_size=40))
def test_gexf_writes_any_text_escaped(networks, gexf_schema, text: str) -> None:
    # Nodes and edges are written as text, not by lxml: any label or value (quotes, <, &,
    # newlines, tabs, characters XML forbids) must come back as it was, cleaned.
    net = copy.deepcopy(networks["bipartite"])
    node = sorted(net.graph)[0]
    a, b = sorted(net.graph.edges)[0]
    net.graph.nodes[node].update(label=text, country=text)
    net.graph.edges[a, b]["years"] = text
    with tempfile.TemporaryDirectory() as tmp:
        path = export(net, "gexf", Path(tmp) / "t.gexf")
        assert gexf_schema.validate(etree.parse(str(path))), gexf_schema.error_log
        back = nx.read_gexf(path, version="1.3")
    assert back.nodes[node]["label"] == back.nodes[node]["country"] == _clean(text)
    assert back.edges[a, b]["years"] == _clean(text)


@pytest.mark.parametrize("name", list(PROJECTIONS))
def test_graphml_round_trips_with_typed_keys(networks, tmp_path: Path, name: str) -> None:
    path = export(networks[name], "graphml", tmp_path / f"{name}.graphml")
    ns = {"g": "http://graphml.graphdrawing.org/xmlns"}
    keys = etree.parse(str(path)).xpath("//g:key", namespaces=ns)
    declared = {(k.get("for"), k.get("attr.name")): k.get("attr.type") for k in keys}
    assert declared[("node", "degree")] == "long" and declared[("node", "label")] == "string"
    assert declared[("node", "pagerank")] == "double" and declared[("edge", "weight")] == "long"
    _same_attributes(public_graph(networks[name].graph), nx.read_graphml(path))


def _networkx_graphml(net) -> bytes:
    """The file networkx's own GraphML writer makes of the exported graph."""
    P = public_graph(net.graph)
    P.graph["description"] = _description(net)
    out = io.BytesIO()
    nx.write_graphml_lxml(P, out, encoding="utf-8", prettyprint=True, infer_numeric_types=True)
    return out.getvalue()


@pytest.mark.parametrize("name", list(PROJECTIONS))
def test_graphml_is_the_file_networkx_writes(networks, tmp_path: Path, name: str) -> None:
    # GraphML is written as text, 3.4x faster than networkx's writer at 12,000 records.
    path = export(networks[name], "graphml", tmp_path / f"{name}.graphml")
    assert path.read_bytes() == _networkx_graphml(networks[name])


def test_graphml_of_an_empty_network(store_path: str, tmp_path: Path) -> None:
    store = open_store(store_path, read_only=True)
    try:
        empty = load_network(store, "bipartite", Filters(to_year=1900))
    finally:
        store.close()
    path = export(empty, "graphml", tmp_path / "e.graphml")
    assert path.read_bytes() == _networkx_graphml(empty)
    assert nx.read_graphml(path).number_of_nodes() == 0


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.text(max_size=40), number=st.integers() | st.floats(allow_nan=False))
def test_graphml_writes_any_text_and_types_as_networkx(networks, text: str, number) -> None:
    # Quotes, <, &, carriage returns, tabs, characters XML forbids (cleaned), in values
    # and in key names; keys whose values mix integers and floats; a boolean key.
    net = copy.deepcopy(networks["post"])
    node = sorted(net.graph)[0]
    a, b = sorted(net.graph.edges)[0]
    net.graph.nodes[node].update(label=text, country=text, degree=number)
    net.graph.nodes[node][f"k{_clean(text)}"] = text  # keys are ours: never XML-forbidden
    net.graph.edges[a, b].update(years=text, weight=number, flag=bool(text))
    with tempfile.TemporaryDirectory() as tmp:
        path = export(net, "graphml", Path(tmp) / "t.graphml")
        assert path.read_bytes() == _networkx_graphml(net)
        back = nx.read_graphml(path)
    assert back.nodes[node]["label"] == back.nodes[node]["country"] == _clean(text)


@pytest.mark.parametrize("name", list(PROJECTIONS))
def test_cytoscape_and_d3_load_back(networks, tmp_path: Path, name: str) -> None:
    expected = public_graph(networks[name].graph)
    cy = json.loads(
        export(networks[name], "cytoscape", tmp_path / "g.cyjs").read_text(encoding="utf-8")
    )
    assert cy == json.loads(json.dumps(cytoscape_data(networks[name])))
    _same_attributes(
        expected, nx.cytoscape_graph(cy), ignore={"id", "value", "name", "source", "target"}
    )
    d3 = json.loads(export(networks[name], "d3", tmp_path / "g.json").read_text(encoding="utf-8"))
    assert "links" in d3 and all(isinstance(n["id"], str) for n in d3["nodes"])
    _same_attributes(expected, nx.node_link_graph(d3, edges="links"))


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_csv_folder_and_zip(networks, tmp_path: Path) -> None:
    net = networks["bipartite"]
    folder = export(net, "csv", tmp_path / "tables")
    nodes = _rows(folder / "nodes.csv")
    edges = _rows(folder / "edges.csv")
    assert len(nodes) == 7 and len(edges) == 5
    aubry = next(r for r in nodes if r["label"] == "Ville d'Aubry")
    assert (aubry["degree"], aubry["weighted_degree"], aubry["betweenness"], aubry["kind"]) == (
        "2",
        "3",
        "0.2",
        "french_collectivity",
    )
    assert {"source", "target", "weight", "funding", "years"} <= set(edges[0])
    archive = export(net, "csv", tmp_path / "tables.zip")
    with zipfile.ZipFile(archive) as zf:
        assert sorted(zf.namelist()) == ["edges.csv", "nodes.csv"]
        assert zf.read("nodes.csv").decode() == (folder / "nodes.csv").read_text(encoding="utf-8")


def test_every_export_carries_the_same_attributes(networks, tmp_path: Path) -> None:
    net = networks["bipartite"]
    node = "https://w3id.org/atlas-kg/id/collectivity/fr/bourg-bellac"
    expected = public_graph(net.graph).nodes[node]
    gexf = nx.read_gexf(export(net, "gexf", tmp_path / "a.gexf"), version="1.3").nodes[node]
    graphml = nx.read_graphml(export(net, "graphml", tmp_path / "a.graphml")).nodes[node]
    d3 = nx.node_link_graph(
        json.loads(export(net, "d3", tmp_path / "a.json").read_text()), edges="links"
    ).nodes[node]
    row = next(
        r for r in _rows(export(net, "csv", tmp_path / "c") / "nodes.csv") if r["id"] == node
    )
    keys = set(expected)
    assert (
        keys
        == set(gexf) - {"start"}
        == set(graphml)
        == set(d3)
        == {k for k, v in row.items() if v} - {"id"}
    )
    assert expected["label"] == "Bourg-<Bellac>"


def test_registry_lists_the_choices() -> None:
    assert sorted(EXPORTERS) == ["csv", "cytoscape", "d3", "gexf", "graphml", "html", "map"]
    with pytest.raises(ConfigError, match="expected csv, cytoscape, d3, gexf, graphml, html, map"):
        get_exporter("svg")


def test_missing_folder_is_an_export_error(networks, tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="does not exist"):
        export(networks["bipartite"], "gexf", tmp_path / "no" / "x.gexf")


# -- map -------------------------------------------------------------------------------


def test_map_data_and_colours(networks) -> None:
    data = map_data(networks["bipartite"])
    by_code = {c["alpha2"]: c for c in data["countries"]}
    assert (by_code["SN"]["partnerships"], by_code["SN"]["funding"], by_code["SN"]["numeric"]) == (
        4,
        3500.0,
        "686",
    )
    assert by_code["SN"]["fill"]["partnerships"] == choropleth_color(4, 4) == "#b10026"
    assert by_code["ML"]["fill"]["partnerships"] == choropleth_color(1, 4)
    assert choropleth_color(1, 4) != choropleth_color(4, 4) != choropleth_color(0, 4) == "#e6e6e6"
    assert by_code["BR"]["fill"]["funding"] == choropleth_color(300, 3500)
    assert [c["alpha2"] for c in data["countries"]] == ["SN", "BR", "ML"]  # by count, then name


def test_map_svg_colours_countries(networks, tmp_path: Path) -> None:
    path = export(networks["bipartite"], "map", tmp_path / "map.svg")
    doc = etree.parse(str(path))
    ns = {"s": "http://www.w3.org/2000/svg"}
    fills = {
        p.findtext("s:title", namespaces=ns).split(":")[0]: p.get("fill")
        for p in doc.xpath("//s:path", namespaces=ns)
    }
    assert fills["Sénégal"] == choropleth_color(4, 4) and fills["Mali"] == choropleth_color(1, 4)
    assert fills["France"] == "#e6e6e6" and len(fills) > 200
    funding = etree.parse(str(export(networks["bipartite"], "map", tmp_path / "map-funding.svg")))
    titles = [t.text for t in funding.xpath("//s:title", namespaces=ns)]
    assert any(t.startswith("Sénégal: 4 partnerships, 3,500 EUR") for t in titles)


# -- the HTML page (structure and escaping; the browser test opens it) -------------------


def test_json_for_script_escapes_what_could_close_the_script() -> None:
    text = json_for_script({"t": "</script><!-- & \u2028 \u2029"})
    assert not re.search(r"[<>&\u2028\u2029]", text)
    assert json.loads(text) == {"t": "</script><!-- & \u2028 \u2029"}


def test_html_page_is_self_contained_and_escaped(networks, tmp_path: Path) -> None:
    net = networks["bipartite"]
    page = export(net, "html", tmp_path / "view.html").read_text(encoding="utf-8")
    # The fixture's title "Maraîchage </script><b>solidaire</b> & U+2028:\u2028fin" and the
    # collectivity "Bourg-<Bellac>" appear only escaped.
    assert "<b>solidaire" not in page and "Bourg-<Bellac>" not in page and "\u2028" not in page
    assert page.count("</script>") == page.count("<script")  # nothing closes a script early
    blocks = re.findall(
        r'<script type="application/json" id="atlas-data">(.*?)</script>', page, re.S
    )
    data = json.loads(blocks[0])
    assert data == json.loads(json.dumps(view_data(net)))
    assert any("</script><b>solidaire</b> &" in p["title"] for p in data["partnerships"])
    # No network access: no external script, style, image or font, and a CSP that forbids it.
    assert not re.search(r'(src|href)="(https?:)?//', page.split("<script>")[0])
    assert "default-src 'none'" in page
    title = re.search(r"<title>(.*?)</title>", page).group(1)
    assert html.unescape(title) == "atlas-kg: bipartite network"


def test_html_view_data(networks) -> None:
    data = view_data(networks["bipartite"])
    assert len(data["nodes"]) == 7 and len(data["edges"]) == 5 and len(data["partnerships"]) == 6
    aubry = next(n for n in data["nodes"] if n["label"] == "Ville d'Aubry")
    titles = sorted(data["partnerships"][i]["title"] for i in aubry["p"])
    assert titles == ["Eau potable à Dakar", "Santé à Yenne", "Écoles de Xadar"]
    assert {"x", "y", "degree", "pagerank", "community"} <= set(aubry)
    assert "degree" in data["metrics"] and "community" not in data["metrics"]
    assert data["map"]["countries"][0]["alpha2"] == "SN"


def test_cli_export(store_path: str, tmp_path: Path) -> None:
    out = tmp_path / "cli.graphml"
    result = CliRunner().invoke(main, ["--store", store_path, "export", "--graph", "post", "--format", "graphml",
                                       "-o", str(out), "--country", "SN"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert (
        "wrote" in result.stderr and "(graphml: 4 nodes, 3 edges, 4 partnerships)" in result.stderr
    )
    assert nx.read_graphml(out).number_of_nodes() == 4
    result = CliRunner().invoke(
        main,
        ["--store", store_path, "export", "--format", "gexf", "-o", str(tmp_path / "x" / "y.gexf")],
    )
    assert result.exit_code == 2 and "does not exist" in result.output
