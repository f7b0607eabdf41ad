"""Exports of a measured network, looked up by name in a small registry.

Every export carries the same node and edge attributes (``node_columns`` /
``edge_columns``: labels, kinds, countries, counts, funding, years and every metric);
node ids are IRIs. Formats (``EXPORTERS``):

``gexf``      GEXF 1.3 (valid against the official XSD): typed attributes, colours by
              kind, sizes by degree and a starting layout (the XSD's ``color``/``size``/
              ``position`` elements), and time: each node and edge exists from the year of
              its first partnership on (``mode="dynamic"``, integer years, open intervals).
``graphml``   GraphML with typed ``key``s declared ``for="node"``/``for="edge"``.
``cytoscape`` Cytoscape.js JSON (``{"elements": {"nodes": [...], "edges": [...]}}``).
``d3``        D3 node-link JSON: ``nodes`` with string ``id``s and ``links``.
``csv``       ``nodes.csv`` and ``edges.csv`` in a folder (or a ``.zip``).
``html``      one self-contained page (no network access): the network drawn with
              sigma.js and a bounded ForceAtlas2 run in a web worker, search, colour by
              kind/country/community, size by a metric, a year slider, a side panel with
              the selected node's partnerships, and a world-map tab.
``map``       the choropleth of partnerships and funding per country: ``.html``
              (interactive), ``.svg`` (drawn here from the same shapes) or ``.png`` (that
              SVG rendered by headless Chromium).

The JavaScript and the map shapes are vendored in ``atlas_kg/static/vendor/`` with their
licences (``scripts/build_network_js.sh`` rebuilds them from the npm registry). Every
data string reaching HTML is escaped: JSON embedded in ``<script>`` has ``<``, ``>``,
``&``, U+2028 and U+2029 escaped, and the page's script writes data as text nodes only.

>>> sorted(EXPORTERS)
['csv', 'cytoscape', 'd3', 'gexf', 'graphml', 'html', 'map']
>>> get_exporter("pdf")
Traceback (most recent call last):
...
atlas_kg.errors.ConfigError: --format: 'pdf' is not allowed; expected csv, cytoscape, d3, gexf, graphml, html, map
"""

from __future__ import annotations

import csv
import html
import io
import json
import math
import os
import re
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

import networkx as nx

from . import __version__
from .errors import AtlasError, ConfigError
from .metrics import METRICS, Network
from .record import source_url

__all__ = [
    "EXPORTERS",
    "KIND_COLORS",
    "ExportError",
    "Exporter",
    "choropleth_color",
    "edge_columns",
    "export",
    "get_exporter",
    "json_for_script",
    "layout_positions",
    "map_svg",
    "node_columns",
    "public_graph",
]

STATIC = Path(__file__).resolve().parent / "static"
VENDOR = STATIC / "vendor"
CHROMIUM = os.environ.get("ATLAS_KG_CHROMIUM", "/usr/bin/chromium")
"""The browser that renders PNG maps (env ``ATLAS_KG_CHROMIUM``)."""


class ExportError(AtlasError):
    """An export that cannot be written (folder missing, no browser for PNG...)."""

    exit_code = 2


KIND_COLORS = {
    "french_collectivity": "#1f5fbf",
    "foreign_collectivity": "#e0731c",
    "diplomatic_post": "#2a9d4b",
    "funder": "#8e44ad",
    "partnership": "#7f7f7f",
    "country": "#c0392b",
    "unknown": "#999999",
}
"""Node colour by kind (GEXF viz, HTML view)."""

KIND_LABELS = {
    "french_collectivity": "French collectivity",
    "foreign_collectivity": "Foreign collectivity",
    "diplomatic_post": "Diplomatic post",
    "funder": "Funder",
    "partnership": "Partnership",
    "country": "Country",
    "unknown": "Other",
}

_NODE_ORDER = (
    "label", "kind", "country", "country_code", "collectivity_kind", "atlas_id", "status",
    "partnerships", "funding", "first_year", "french_collectivities", "bipartite", *METRICS,
)  # fmt: skip
_EDGE_ORDER = (
    "weight", "partnerships", "shared_partners", "french_collectivities", "funding_rows",
    "funding", "first_year", "last_year", "years",
)  # fmt: skip


# -- attributes ------------------------------------------------------------------------


_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _clean(value: Any) -> Any:
    """Values as every format can hold them: no private keys, no XML-forbidden characters."""
    if isinstance(value, str):
        return _XML_BAD.sub(" ", value)
    return value


def public_graph(G: nx.Graph) -> nx.Graph:
    """A copy of ``G`` with only its public attributes (no ``_``-prefixed helpers)."""
    H = nx.Graph()
    H.graph.update(
        name=G.graph.get("name", ""),
        filters=json.dumps(G.graph.get("filters", {}), ensure_ascii=False, sort_keys=True),
    )
    for node, attrs in G.nodes(data=True):
        H.add_node(node, **{k: _clean(v) for k, v in attrs.items() if not k.startswith("_")})
    for a, b, attrs in G.edges(data=True):
        H.add_edge(a, b, **{k: _clean(v) for k, v in attrs.items() if not k.startswith("_")})
    return H


def _columns(rows: Iterable[dict[str, Any]], order: tuple[str, ...]) -> list[tuple[str, type]]:
    found: dict[str, type] = {}
    for attrs in rows:
        for key, value in attrs.items():
            if key.startswith("_") or value is None:
                continue
            kind = type(value)
            if found.get(key) is int and kind is float:
                kind = float
            found.setdefault(key, kind)
            if found[key] is int and kind is float:
                found[key] = float
    ordered = [k for k in order if k in found] + sorted(k for k in found if k not in order)
    return [(k, found[k]) for k in ordered]


def node_columns(G: nx.Graph) -> list[tuple[str, type]]:
    """The node attributes of the graph and their Python types, in a fixed order."""
    return _columns((attrs for _, attrs in G.nodes(data=True)), _NODE_ORDER)


def edge_columns(G: nx.Graph) -> list[tuple[str, type]]:
    """The edge attributes of the graph and their Python types, in a fixed order."""
    return _columns((attrs for _, _, attrs in G.edges(data=True)), _EDGE_ORDER)


# -- layout ----------------------------------------------------------------------------

_GOLDEN = math.pi * (3 - math.sqrt(5))


def layout_positions(G: nx.Graph) -> dict[str, tuple[float, float]]:
    """A starting layout, O(n): communities as discs on a sunflower spiral, hubs in the middle.

    Deterministic; the HTML view refines it with a bounded ForceAtlas2 run, and Gephi users
    can run their own layout from it.
    """
    groups: dict[int, list[str]] = {}
    for node, attrs in G.nodes(data=True):
        groups.setdefault(attrs.get("community", 0), []).append(node)
    ordered = sorted(groups.values(), key=lambda g: (-len(g), min(g)))
    positions: dict[str, tuple[float, float]] = {}
    area = 0.0
    for index, members in enumerate(ordered):
        radius = math.sqrt(len(members))
        # discs placed outwards by the area already used, at golden-angle turns
        distance = 0.0 if index == 0 else math.sqrt(area + len(members)) * 1.6
        area += len(members) * 2.2 + 4
        cx, cy = distance * math.cos(index * _GOLDEN), distance * math.sin(index * _GOLDEN)
        members.sort(key=lambda n: (-G.degree(n), n))
        for rank, node in enumerate(members):
            r = radius * math.sqrt((rank + 0.5) / len(members))
            positions[node] = (
                round(cx + r * math.cos(rank * _GOLDEN), 3),
                round(cy + r * math.sin(rank * _GOLDEN), 3),
            )
    return positions


def _node_sizes(G: nx.Graph) -> dict[str, float]:
    """Viz sizes by degree: 4 to 30, by the square root (areas grow with the degree)."""
    top = max((d for _, d in G.degree()), default=1) or 1
    return {node: round(4 + 26 * math.sqrt(d / top), 2) for node, d in G.degree()}


# -- writers ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Exporter:
    """A named export: ``write(network, path)``."""

    name: str
    description: str
    suffix: str
    write: Callable[[Network, Path], None]


def _open(path: Path, mode: str = "w") -> Any:
    try:
        if mode == "wb":
            return open(path, "wb")
        return open(path, mode, encoding="utf-8", newline="")
    except OSError as exc:
        raise ExportError(f"cannot write {path}: {exc.strerror or exc}") from None


_GEXF_NS = "http://gexf.net/1.3"
_XSI = "http://www.w3.org/2001/XMLSchema-instance"
_GEXF_TYPES = {int: "integer", float: "double", bool: "boolean", str: "string"}


def _xml_attributes(attrs: dict[str, str]) -> str:
    return "".join(f" {key}={quoteattr(value)}" for key, value in attrs.items())


def _gexf_element(
    tag: str, attrs: dict[str, str], values: dict[str, Any], cols: list[tuple[str, str]]
) -> str:
    """The start tag of a node or an edge (with its ``start``) and its ``attvalues``. The
    network grows: a node or an edge exists from its first partnership's year on (an open
    interval; the year slider and the snapshots read it the same way)."""
    if values.get("first_year") is not None:
        attrs["start"] = str(values["first_year"])
    text = [f"<{tag}{_xml_attributes(attrs)}>\n        <attvalues>\n"]
    for key, _ in cols:
        value = values.get(key)
        if value is not None:
            value = quoteattr(_gexf_value(value))
            text.append(f"          <attvalue for={quoteattr(key)} value={value}/>\n")
    text.append("        </attvalues>\n")
    return "".join(text)


def _gexf_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _hex(color: str) -> tuple[int, int, int]:
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)


def write_gexf(network: Network, path: Path) -> None:
    """GEXF 1.3 with typed attributes, viz (colour, size, position) and start years."""
    from lxml import etree

    G = network.graph
    P = public_graph(G)
    q = lambda tag: f"{{{_GEXF_NS}}}{tag}"  # noqa: E731
    root = etree.Element(q("gexf"), nsmap={None: _GEXF_NS, "xsi": _XSI}, version="1.3")
    root.set(f"{{{_XSI}}}schemaLocation", f"{_GEXF_NS} {_GEXF_NS}/gexf.xsd")
    meta = etree.SubElement(root, q("meta"), lastmodifieddate=date.today().isoformat())
    etree.SubElement(meta, q("creator")).text = f"atlas-kg {__version__}"
    etree.SubElement(meta, q("description")).text = _description(network)
    graph = etree.SubElement(
        root, q("graph"), defaultedgetype="undirected", mode="dynamic",
        timeformat="integer", timerepresentation="interval", idtype="string",
    )  # fmt: skip
    node_cols = [(k, t) for k, t in node_columns(P) if k != "label"]
    edge_cols = [(k, t) for k, t in edge_columns(P) if k != "weight"]
    for cls, cols in (("node", node_cols), ("edge", edge_cols)):
        attributes = etree.SubElement(graph, q("attributes"), {"class": cls, "mode": "static"})
        for key, kind in cols:
            etree.SubElement(attributes, q("attribute"), id=key, title=key, type=_GEXF_TYPES[kind])
    positions = layout_positions(G)
    sizes = _node_sizes(G)
    # Nodes and edges are written as text: as lxml elements (one per value, 330,000 for a
    # full Atlas) they took twice as long. Every value goes through quoteattr.
    colors = {
        kind: 'r="{}" g="{}" b="{}"'.format(*_hex(color)) for kind, color in KIND_COLORS.items()
    }
    body = [f'    <nodes count="{P.number_of_nodes()}">\n']
    for node, attrs in P.nodes(data=True):
        head = {"id": node, "label": str(attrs.get("label", node))}
        x, y = positions[node]
        body += [
            "      ", _gexf_element("node", head, attrs, node_cols),
            f"        <color {colors.get(attrs.get('kind', ''), colors['unknown'])}/>\n",
            f'        <size value="{sizes[node]}"/>\n',
            f'        <position x="{x * 20!r}" y="{y * 20!r}" z="0.0"/>\n',
            "      </node>\n",
        ]  # fmt: skip
    body.append(f'    </nodes>\n    <edges count="{P.number_of_edges()}">\n')
    for index, (a, b, attrs) in enumerate(P.edges(data=True)):
        head = {"id": str(index), "source": a, "target": b,
                "weight": _gexf_value(float(attrs.get("weight", 1)))}  # fmt: skip
        body += ["      ", _gexf_element("edge", head, attrs, edge_cols), "      </edge>\n"]
    body.append("    </edges>\n")
    text = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    end = text.rindex(b"  </graph>")
    with _open(path, "wb") as fh:
        fh.write(text[:end])
        fh.write("".join(body).encode("utf-8"))
        fh.write(text[end:])


_GRAPHML_HEAD = (
    "<?xml version='1.0' encoding='utf-8'?>\n"
    '<graphml xmlns="http://graphml.graphdrawing.org/xmlns" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    'xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns '
    'http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">'
)
_GRAPHML_TYPES = {int: "long", float: "double", bool: "boolean", str: "string"}
# What libxml2 escapes, so that the file is the one networkx's lxml writer makes.
_XML_TEXT = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})
_XML_ATTRIBUTE = str.maketrans(
    {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;",
     "\n": "&#10;", "\r": "&#13;", "\t": "&#9;"}
)  # fmt: skip


def _graphml_element(tag: str, head: str, data: dict[str, Any], ids: dict[str, str]) -> str:
    if not data:
        return f"<{tag} {head}/>\n"
    values = "".join(
        f'  <data key="{ids[k]}">{str(v).translate(_XML_TEXT)}</data>\n' for k, v in data.items()
    )
    return f"<{tag} {head}>\n{values}</{tag}>\n"


def write_graphml(network: Network, path: Path) -> None:
    """GraphML with a typed ``key`` per attribute and ``for=``: the bytes networkx's
    ``write_graphml_lxml(..., infer_numeric_types=True)`` writes, written as text (its
    lxml element per value: 3.9 s for the 12,000-record bipartite network, this 1.2 s)."""
    P = public_graph(network.graph)
    P.graph["description"] = _description(network)
    scopes = (
        ("graph", [P.graph]),
        ("node", [d for _, d in P.nodes(data=True)]),
        ("edge", [d for _, _, d in P.edges(data=True)]),
    )
    keys: list[str] = []
    ids: dict[str, dict[str, str]] = {}
    for scope, rows in scopes:
        types: dict[str, set[type]] = {}
        for row in rows:
            for k, v in row.items():
                types.setdefault(k, set()).add(type(v))
        ids[scope] = {}
        for k, found in types.items():  # in the order first met, as networkx numbers them
            kind = found.pop() if len(found) == 1 else _general(found)
            ids[scope][k] = key = f"d{len(keys)}"
            keys.append(
                f'<key id="{key}" for="{scope}" attr.name="{k.translate(_XML_ATTRIBUTE)}" '
                f'attr.type="{_GRAPHML_TYPES[kind]}"/>\n'
            )
    text = [_GRAPHML_HEAD, *reversed(keys), '<graph edgedefault="undirected">']
    node_ids, edge_ids = ids["node"], ids["edge"]
    text += (
        f'<data key="{ids["graph"][k]}">{str(v).translate(_XML_TEXT)}</data>\n'
        for k, v in P.graph.items()
    )
    for node, data in P.nodes(data=True):
        head = f'id="{str(node).translate(_XML_ATTRIBUTE)}"'
        text.append(_graphml_element("node", head, data, node_ids))
    for a, b, data in P.edges(data=True):
        head = (
            f'source="{str(a).translate(_XML_ATTRIBUTE)}" '
            f'target="{str(b).translate(_XML_ATTRIBUTE)}"'
        )
        text.append(_graphml_element("edge", head, data, edge_ids))
    text.append("</graph></graphml>")
    with _open(path, "wb") as fh:
        fh.write("".join(text).encode("utf-8"))


def _general(found: set[type]) -> type:
    """The type networkx gives a key whose values have several types."""
    names = {_GRAPHML_TYPES[t] for t in found}
    return str if "string" in names else float if "double" in names else int


def cytoscape_data(network: Network) -> dict[str, Any]:
    """Cytoscape.js elements JSON.

    ``name`` repeats the label (Cytoscape desktop shows it) and ``value`` the id (what
    ``networkx.cytoscape_graph`` reads back as the node).
    """
    P = public_graph(network.graph)
    positions = layout_positions(network.graph)
    nodes = []
    for node, attrs in P.nodes(data=True):
        x, y = positions[node]
        nodes.append(
            {"data": {"id": node, "value": node, "name": attrs.get("label", node), **attrs},
             "position": {"x": x * 20, "y": y * 20}}
        )  # fmt: skip
    edges = [
        {"data": {"id": f"e{i}", "source": a, "target": b, **attrs}}
        for i, (a, b, attrs) in enumerate(P.edges(data=True))
    ]
    return {
        "data": {"name": P.graph["name"], "description": _description(network)},
        "directed": False,
        "multigraph": False,
        "elements": {"nodes": nodes, "edges": edges},
    }


def _write_json(data: Any, path: Path) -> None:
    # One line, from json.dumps: json.dump, or any indent, takes the pure-Python encoder,
    # 4-8x slower on a full Atlas (bench/hotspots.md).
    with _open(path) as fh:
        fh.write(json.dumps(data, ensure_ascii=False, separators=(",", ":")))


def write_cytoscape(network: Network, path: Path) -> None:
    _write_json(cytoscape_data(network), path)


def d3_data(network: Network) -> dict[str, Any]:
    """D3 node-link JSON: string ``id``s, ``links`` with ``source``/``target`` ids."""
    P = public_graph(network.graph)
    data = nx.node_link_data(P, edges="links")
    data["graph"]["description"] = _description(network)
    return data


def write_d3(network: Network, path: Path) -> None:
    _write_json(d3_data(network), path)


def _csv_text(header: list[str], rows: Iterable[list[Any]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else _gexf_value(v) for v in row])
    return buf.getvalue()


def csv_tables(network: Network) -> dict[str, str]:
    """``nodes.csv`` (id + node columns) and ``edges.csv`` (source, target + edge columns)."""
    P = public_graph(network.graph)
    ncols = [k for k, _ in node_columns(P)]
    ecols = [k for k, _ in edge_columns(P)]
    nodes = _csv_text(
        ["id", *ncols], ([n, *(a.get(k) for k in ncols)] for n, a in P.nodes(data=True))
    )
    edges = _csv_text(
        ["source", "target", *ecols],
        ([s, t, *(a.get(k) for k in ecols)] for s, t, a in P.edges(data=True)),
    )
    return {"nodes.csv": nodes, "edges.csv": edges}


def write_csv(network: Network, path: Path) -> None:
    """A folder holding ``nodes.csv`` and ``edges.csv``, or a ``.zip`` of both."""
    tables = csv_tables(network)
    if path.suffix.lower() == ".zip":
        with _open(path, "wb") as fh, zipfile.ZipFile(fh, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, text in tables.items():
                zf.writestr(name, text)
        return
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ExportError(f"cannot create the folder {path}: {exc.strerror or exc}") from None
    for name, text in tables.items():
        with _open(path / name) as fh:
            fh.write(text)


def _description(network: Network) -> str:
    s = network.summary
    filters = ", ".join(f"{k}={v}" for k, v in network.filters.as_dict().items()) or "none"
    return (
        f"atlas-kg network '{network.name}': {s['nodes']} nodes, {s['edges']} edges from "
        f"{s['partnerships']} partnerships; filters: {filters}; betweenness "
        f"{network.parameters()['betweenness']}, seed {network.params.seed}"
    )


# -- the map ---------------------------------------------------------------------------

NO_DATA = "#e6e6e6"
_STOPS = ("#ffffcc", "#fed976", "#feb24c", "#fd8d3c", "#fc4e2a", "#e31a1c", "#b10026")


def choropleth_color(value: float, top: float) -> str:
    """The fill of a country: log-scaled from pale yellow to dark red; grey for none.

    >>> choropleth_color(0, 10), choropleth_color(10, 10)
    ('#e6e6e6', '#b10026')
    """
    if not value or value <= 0 or top <= 0:
        return NO_DATA
    t = math.log1p(value) / math.log1p(top)
    t = min(max(t, 0.0), 1.0) * (len(_STOPS) - 1)
    i = min(int(t), len(_STOPS) - 2)
    frac = t - i
    a, b = _hex(_STOPS[i]), _hex(_STOPS[i + 1])
    return "#" + "".join(f"{round(x + (y - x) * frac):02x}" for x, y in zip(a, b, strict=True))


@lru_cache(maxsize=1)
def _world() -> dict[str, Any]:
    with open(VENDOR / "countries-50m.json", encoding="utf-8") as fh:
        return json.load(fh)


def _numeric_codes() -> dict[str, str]:
    import pycountry

    return {c.alpha_2: c.numeric for c in pycountry.countries}


_WORLD_NAMES = {"XK": "Kosovo"}
"""Countries without an ISO numeric code in world-atlas, matched by its English name."""


def map_data(network: Network) -> dict[str, Any]:
    """Per country: partnerships, euros, fills, and the partnerships behind them."""
    rows = network.data.country_totals()
    partnerships = network.data.partnerships
    numeric = _numeric_codes()
    top_count = max((r["partnerships"] for r in rows), default=0)
    top_funding = max((r["funding"] for r in rows), default=0.0)
    countries = []
    for r in rows:
        countries.append(
            {
                "iri": r["iri"],
                "label": r["label"],
                "alpha2": r["alpha2"],
                "numeric": numeric.get(r["alpha2"] or ""),
                "world_name": _WORLD_NAMES.get(r["alpha2"] or ""),
                "partnerships": r["partnerships"],
                "funding": round(r["funding"], 2),
                "fill": {
                    "partnerships": choropleth_color(r["partnerships"], top_count),
                    "funding": choropleth_color(r["funding"], top_funding),
                },
                "p": sorted(r["partnership_iris"], key=lambda i: (-(partnerships[i].year or 0), i)),
            }
        )
    legend = {
        "partnerships": _legend(top_count, integer=True),
        "funding": _legend(top_funding, integer=False),
    }
    return {"countries": countries, "legend": legend, "no_data": NO_DATA}


def _legend(top: float, *, integer: bool) -> list[dict[str, Any]]:
    if top <= 0:
        return []
    out = []
    for i in range(len(_STOPS)):
        value = math.expm1(math.log1p(top) * i / (len(_STOPS) - 1))
        value = max(1, round(value)) if integer else round(value, -2 if value > 1000 else 0)
        if not out or value > out[-1]["value"]:
            out.append({"value": value, "color": choropleth_color(value, top)})
    return out


# Natural Earth I projection (d3-geo's geoNaturalEarth1Raw), so the SVG matches the page.
def _natural_earth(lon: float, lat: float) -> tuple[float, float]:
    lam, phi = math.radians(lon), math.radians(lat)
    phi2 = phi * phi
    phi4 = phi2 * phi2
    x = lam * (
        0.8707 - 0.131979 * phi2 + phi4 * (-0.013791 + phi4 * (0.003971 * phi2 - 0.001529 * phi4))
    )
    y = phi * (
        1.007226 + phi2 * (0.015085 + phi4 * (-0.044475 + 0.028874 * phi2 - 0.005916 * phi4))
    )
    return x, y


@lru_cache(maxsize=1)
def _shapes() -> list[tuple[str | None, str, list[list[list[tuple[float, float]]]]]]:
    """(numeric id, name, polygons of rings of projected points); Antarctica left out."""
    world = _world()
    (sx, sy), (tx, ty) = world["transform"]["scale"], world["transform"]["translate"]
    arcs = []
    for arc in world["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x += dx
            y += dy
            points.append(_natural_earth(x * sx + tx, y * sy + ty))
        arcs.append(points)

    def ring(indexes: list[int]) -> list[tuple[float, float]]:
        out: list[tuple[float, float]] = []
        for i in indexes:
            points = arcs[i] if i >= 0 else arcs[~i][::-1]
            out.extend(points[1:] if out else points)
        return out

    shapes = []
    for geom in world["objects"]["countries"]["geometries"]:
        if geom.get("id") == "010":  # Antarctica: no partnership, much space
            continue
        polygons = geom["arcs"] if geom["type"] == "MultiPolygon" else [geom["arcs"]]
        shapes.append(
            (
                geom.get("id"),
                geom["properties"]["name"],
                [[ring(r) for r in poly] for poly in polygons],
            )
        )
    return shapes


def map_svg(network: Network, *, metric: str = "partnerships", width: int = 1200) -> str:
    """The choropleth as a standalone SVG (title, countries, legend) for reports."""
    if metric not in ("partnerships", "funding"):
        raise ConfigError("map metric", metric, "partnerships, funding")
    data = map_data(network)
    by_numeric = {c["numeric"]: c for c in data["countries"] if c["numeric"]}
    by_name = {c["world_name"]: c for c in data["countries"] if c["world_name"]}
    shapes = _shapes()
    xs = [x for _, _, polys in shapes for poly in polys for r in poly for x, _ in r]
    ys = [y for _, _, polys in shapes for poly in polys for r in poly for _, y in r]
    margin, header, footer = 10, 40, 50
    scale = (width - 2 * margin) / (max(xs) - min(xs))
    height = round((max(ys) - min(ys)) * scale) + header + footer + 2 * margin
    x0, y1 = min(xs), max(ys)

    def pt(p: tuple[float, float]) -> str:
        return f"{(p[0] - x0) * scale + margin:.1f},{(y1 - p[1]) * scale + margin + header:.1f}"

    esc = html.escape
    title = f"Partnerships per country ({network.name} network, {len(network.data.partnerships)} partnerships)"
    if metric == "funding":
        title = f"Funding per country, euros ({len(network.data.partnerships)} partnerships)"
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif">',
        f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
        f'<text x="{margin}" y="26" font-size="18" fill="#222">{esc(title)}</text>',
        '<g stroke="#ffffff" stroke-width="0.4" fill-rule="evenodd">',
    ]
    for numeric, name, polygons in shapes:
        country = by_numeric.get(numeric) or by_name.get(name)
        fill = country["fill"][metric] if country else data["no_data"]
        d = "".join("M" + "L".join(pt(p) for p in r) + "Z" for poly in polygons for r in poly if r)
        label = name
        if country:
            label = f"{country['label']}: {country['partnerships']} partnerships, {country['funding']:,.0f} EUR"
        out.append(f'<path d="{d}" fill="{fill}"><title>{esc(label)}</title></path>')
    out.append("</g>")
    legend_y = height - footer + 10
    for i, stop in enumerate(data["legend"][metric]):
        x = margin + i * 90
        out.append(f'<rect x="{x}" y="{legend_y}" width="24" height="14" fill="{stop["color"]}"/>')
        value = esc(f"{stop['value']:,}")
        out.append(
            f'<text x="{x + 28}" y="{legend_y + 12}" font-size="12" fill="#222">{value}</text>'
        )
    out.append(
        f'<rect x="{margin + 7 * 90}" y="{legend_y}" width="24" height="14" fill="{data["no_data"]}"/>'
        f'<text x="{margin + 7 * 90 + 28}" y="{legend_y + 12}" font-size="12" fill="#222">none</text>'
    )
    out.append(
        f'<text x="{margin}" y="{height - 6}" font-size="10" fill="#666">Shapes: Natural Earth 1:50m '
        "(world-atlas). Source: Atlas français de la coopération décentralisée.</text>"
    )
    out.append("</svg>")
    return "\n".join(out)


def render_png(svg: str, path: Path) -> None:
    """Render an SVG to PNG with headless Chromium (Playwright, ``ATLAS_KG_CHROMIUM``)."""
    import tempfile

    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise ExportError(
            f"{path}: PNG output needs Playwright (pip install playwright) and Chromium; "
            "write .svg instead"
        ) from None
    if not Path(CHROMIUM).exists():
        raise ExportError(
            f"{path}: PNG output needs Chromium at {CHROMIUM} (env ATLAS_KG_CHROMIUM)"
        )
    match = re.search(r'width="(\d+)" height="(\d+)"', svg)
    width, height = (int(match.group(1)), int(match.group(2))) if match else (1200, 700)
    page_html = f"<!doctype html><html><body style='margin:0'>{svg}</body></html>"

    def render() -> None:
        with tempfile.TemporaryDirectory() as profile, sync_playwright() as pw:
            context = pw.chromium.launch_persistent_context(
                profile, executable_path=CHROMIUM, headless=True, args=BROWSER_ARGS,
                viewport={"width": width, "height": height},
            )  # fmt: skip
            page = context.new_page()
            page.set_content(page_html)
            page.screenshot(path=str(path), clip={"x": 0, "y": 0, "width": width, "height": height})
            context.close()

    # In a thread of its own: Playwright's sync API refuses a thread that already runs an
    # event loop (a notebook, or another Playwright session).
    from concurrent.futures import ThreadPoolExecutor

    try:
        with ThreadPoolExecutor(max_workers=1) as pool:
            pool.submit(render).result()
    except PlaywrightError as exc:
        raise ExportError(f"{path}: Chromium could not render the map: {exc}") from None


BROWSER_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
"""Chromium flags for rendering (no network, no GPU; a fresh profile each time)."""


def write_map(network: Network, path: Path) -> None:
    """``.svg`` or ``.png`` (funding with ``-funding`` before the suffix), else ``.html``."""
    suffix = path.suffix.lower()
    metric = "funding" if path.stem.endswith("-funding") else "partnerships"
    if suffix == ".svg":
        with _open(path) as fh:
            fh.write(map_svg(network, metric=metric))
    elif suffix == ".png":
        render_png(map_svg(network, metric=metric), path)
    else:
        with _open(path) as fh:
            fh.write(html_page(network, mode="map"))


# -- the HTML view ---------------------------------------------------------------------


def json_for_script(data: Any) -> str:
    """JSON safe inside ``<script>``: ``<``, ``>``, ``&``, U+2028, U+2029 escaped.

    >>> json_for_script({"t": "</script><b>&\\u2028"})
    '{"t":"\\\\u003c/script\\\\u003e\\\\u003cb\\\\u003e\\\\u0026\\\\u2028"}'
    """
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    for char, escaped in (
        ("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029"),
    ):  # fmt: skip
        text = text.replace(char, escaped)
    return text


def _script(text: str) -> str:
    # Code inlined in <script> must not close it early.
    return re.sub(r"</(script)", r"<\\/\1", text, flags=re.IGNORECASE)


def view_data(network: Network, *, mode: str = "network") -> dict[str, Any]:
    """Everything the page shows, as JSON-ready data (nodes, edges, partnerships, map)."""
    G = network.graph
    data = network.data
    p_index: dict[str, int] = {}
    partnerships = []
    for iri in sorted(data.partnerships, key=lambda i: (data.partnerships[i].year or 0, i)):
        p = data.partnerships[iri]
        p_index[iri] = len(partnerships)

        def labels(iris: list[str]) -> list[str]:
            return [data.entities[i].label for i in iris if i in data.entities]

        partnerships.append(
            {
                "iri": iri,
                "title": p.label,
                "year": p.year,
                "status": p.status,
                "url": source_url(p.atlas_id) if p.atlas_id is not None else None,
                "french": labels(p.french),
                "foreign": labels(p.foreign),
                "countries": labels(p.countries),
                "funding": round(p.funding, 2),
            }
        )
    nodes = []
    edges = []
    if mode == "network":
        positions = layout_positions(G)
        index = {}
        for node, attrs in G.nodes(data=True):
            index[node] = len(nodes)
            entry = {
                k: _clean(v) for k, v in attrs.items() if not k.startswith("_") and v is not None
            }
            entry["id"] = node
            entry["x"], entry["y"] = positions[node]
            # partnerships are indexed oldest first: list the most recent first
            entry["p"] = sorted(
                (p_index[i] for i in attrs.get("_partnerships", []) if i in p_index), reverse=True
            )
            nodes.append(entry)
        for a, b, attrs in G.edges(data=True):
            edges.append([index[a], index[b], attrs.get("weight", 1), attrs.get("first_year")])
    metrics = [
        m for m in (*METRICS, "partnerships", "funding") if m not in ("component", "community")
    ]
    return {
        "mode": mode,
        "meta": {
            "graph": network.name,
            "description": _description(network),
            "parameters": network.parameters(),
            "summary": network.summary,
            "notes": network.notes,
            "generator": f"atlas-kg {__version__}",
        },
        "kinds": {k: {"label": KIND_LABELS[k], "color": c} for k, c in KIND_COLORS.items()},
        "metrics": [m for m in metrics if any(m in n for n in nodes)] if nodes else [],
        "nodes": nodes,
        "edges": edges,
        "partnerships": partnerships,
        "map": map_data(network),
    }


def html_page(network: Network, *, mode: str = "network") -> str:
    """The self-contained page: template + vendored JS + the view's script + data."""
    template = (STATIC / "network.html").read_text(encoding="utf-8")
    title = (
        f"atlas-kg: {network.name} network"
        if mode == "network"
        else "atlas-kg: partnerships per country"
    )
    parts = {
        "<!--ATLAS:TITLE-->": html.escape(title),
        "/*ATLAS:VENDOR*/": _script((VENDOR / "network-vendor.js").read_text(encoding="utf-8")),
        "/*ATLAS:VIEW*/": _script((STATIC / "network-view.js").read_text(encoding="utf-8")),
        "/*ATLAS:WORLD*/": json_for_script(_world()),
        "/*ATLAS:DATA*/": json_for_script(view_data(network, mode=mode)),
    }
    # One pass, so that a marker inside inserted text is never replaced again.
    pattern = re.compile("|".join(re.escape(k) for k in parts))
    return pattern.sub(lambda m: parts[m.group(0)], template)


def write_html(network: Network, path: Path) -> None:
    with _open(path) as fh:
        fh.write(html_page(network, mode="network"))


# -- registry --------------------------------------------------------------------------

EXPORTERS: dict[str, Exporter] = {
    e.name: e
    for e in (
        Exporter("gexf", "GEXF 1.3 for Gephi (typed attributes, viz, start years)", ".gexf", write_gexf),
        Exporter("graphml", "GraphML with typed keys (Gephi, yEd, Cytoscape)", ".graphml", write_graphml),
        Exporter("cytoscape", "Cytoscape.js elements JSON", ".cyjs", write_cytoscape),
        Exporter("d3", "D3 node-link JSON (nodes, links)", ".json", write_d3),
        Exporter("csv", "nodes.csv + edges.csv in a folder (or a .zip)", "", write_csv),
        Exporter("html", "one self-contained interactive page (network + map)", ".html", write_html),
        Exporter("map", "choropleth per country: .html, .svg or .png", ".html", write_map),
    )
}  # fmt: skip
"""Exporters by name."""


def get_exporter(name: str) -> Exporter:
    """The exporter called ``name``; an unknown name lists the choices."""
    if name not in EXPORTERS:
        raise ConfigError("--format", name, ", ".join(sorted(EXPORTERS)))
    return EXPORTERS[name]


def export(network: Network, fmt: str, output: str | Path) -> Path:
    """Write ``network`` as ``fmt`` to ``output``; returns the path written."""
    exporter = get_exporter(fmt)
    path = Path(output)
    if exporter.name != "csv" and not path.parent.is_dir():
        raise ExportError(f"cannot write {path}: the folder {path.parent} does not exist")
    exporter.write(network, path)
    return path
