"""Network stage: projections, metrics and every export on a store, with the time of each step.

``run(store, out)`` (called by ``python -m bench`` on its reference store, or by this
module's ``__main__`` on a synthetic Atlas it builds) measures, on the store's
partnerships:

- the extraction (SPARQL edge lists), once: every projection is built from it, as
  ``metrics.load_networks`` does; its time is reported once, under ``extract`` and in the
  first projection's steps (so that the projections' totals add up to the whole work);
- each projection of ``atlas_kg.metrics.PROJECTIONS``: projection (Python), metrics and
  snapshots, and ``write_metrics``;
- each export of ``atlas_kg.export.EXPORTERS`` of the bipartite network (the map as
  ``.html``, ``.svg`` and, with Chromium, ``.png``), with the size of what it wrote;
- betweenness, against independent exact values where they are affordable: rustworkx's
  parallel exact algorithm on the whole bipartite network when rustworkx is installed
  (the ``bench`` extra), and networkx's exact algorithm on the largest yearly snapshot of
  at most ``EXACT_MAX_NODES`` nodes: the largest difference of the library's default
  (``auto``, exact) from them; and the sampled estimate of the ``networkx`` engine (exact
  on small components, ``k`` sources with the seed in larger ones) and networkx's
  sampling over the whole network, by Spearman's rank correlation over all nodes and over
  the nodes with a non-zero exact value, and the overlap of the top 100;
- the HTML view in headless Chromium (when ``/usr/bin/chromium`` exists): time to a
  drawn page and to the end of the bounded ForceAtlas2 run.

Not a test: nothing here asserts a time.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import networkx as nx

from atlas_kg import export as exports
from atlas_kg import metrics as m
from atlas_kg.store import Store

EXACT_MAX_NODES = 4000
"""Largest network on which networkx's exact betweenness is run (about a minute)."""


def _say(text: str) -> None:
    print(f"[network] {text}", file=sys.stderr, flush=True)


def _timed(steps: dict[str, float], name: str, func: Any, *args: Any, **kwargs: Any) -> Any:
    start = time.perf_counter()
    value = func(*args, **kwargs)
    steps[name] = round(time.perf_counter() - start, 3)
    return value


def _size(path: Path) -> int:
    if path.is_dir():
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return path.stat().st_size


def _accuracy(G: nx.Graph, params: m.MetricsParams, engine: str) -> dict[str, Any]:
    """The library's default (exact) and the ``networkx`` engine's estimate (exact on small
    components, ``k`` sources with the seed in larger ones) against exact betweenness on
    ``G`` computed by ``engine``; networkx's sampling over the whole network, for
    comparison."""
    start = time.perf_counter()
    default, _ = m.betweenness(G, replace(params, betweenness_engine="auto"))
    default_s = time.perf_counter() - start
    start = time.perf_counter()
    estimate, k = m.betweenness(G, replace(params, betweenness_engine="networkx"))
    estimate_s = time.perf_counter() - start
    start = time.perf_counter()
    whole = nx.betweenness_centrality(G, k=min(params.betweenness_k, len(G)), seed=params.seed)
    whole_s = time.perf_counter() - start
    start = time.perf_counter()
    if engine == "rustworkx":
        import rustworkx as rx

        R = rx.networkx_converter(G, keep_attributes=True)
        values = rx.betweenness_centrality(R, normalized=True)
        exact = {R[i]["__networkx_node__"]: v for i, v in values.items()}
    else:
        exact = nx.betweenness_centrality(G, normalized=True)
    exact_s = time.perf_counter() - start
    positive = {n: v for n, v in exact.items() if v > 0}
    top = set(sorted(exact, key=lambda n: -exact[n])[:100])
    return {
        "nodes": G.number_of_nodes(),
        "edges": G.number_of_edges(),
        "largest_component": max((len(c) for c in nx.connected_components(G)), default=0),
        "k": k,
        "exact_engine": engine,
        "exact_seconds": round(exact_s, 2),
        "auto_seconds": round(default_s, 2),
        "auto_max_abs_error": max((abs(default[n] - exact[n]) for n in exact), default=0.0),
        "estimate_seconds": round(estimate_s, 2),
        "spearman_all": round(m.spearman(exact, estimate), 4),
        "spearman_nonzero": round(m.spearman(positive, estimate), 4),
        "top100_overlap": len(top & set(sorted(estimate, key=lambda n: -estimate[n])[:100])),
        "whole_network_sampling": {
            "seconds": round(whole_s, 2),
            "spearman_all": round(m.spearman(exact, whole), 4),
            "spearman_nonzero": round(m.spearman(positive, whole), 4),
        },
    }


def _snapshot_graph(G: nx.Graph, max_nodes: int) -> nx.Graph | None:
    """The largest yearly snapshot of ``G`` with at most ``max_nodes`` nodes."""
    best = None
    for year in sorted({y for _, y in G.nodes(data="first_year") if y is not None}):
        nodes = [n for n, y in G.nodes(data="first_year") if y is not None and y <= year]
        if len(nodes) > max_nodes:
            break
        H = G.subgraph(nodes).copy()
        H.remove_edges_from(
            [(a, b) for a, b, y in H.edges(data="first_year") if y is None or y > year]
        )
        best = H
    return best


def _browser(path: Path) -> dict[str, Any]:
    """Seconds to a drawn page and to the end of the layout, in headless Chromium."""
    if not Path(exports.CHROMIUM).exists():
        return {"status": "skipped", "detail": f"no Chromium at {exports.CHROMIUM}"}
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as profile, sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            profile, executable_path=exports.CHROMIUM, headless=True, args=exports.BROWSER_ARGS,
            viewport={"width": 1400, "height": 900}, bypass_csp=True,
        )  # fmt: skip
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        start = time.perf_counter()
        page.goto(path.resolve().as_uri())
        page.wait_for_function("() => window.atlasView && window.atlasView.ready", timeout=120_000)
        ready = time.perf_counter() - start
        page.wait_for_function("() => window.atlasView.layout === 'done'", timeout=120_000)
        done = time.perf_counter() - start
        status = page.text_content("#status")
        context.close()
    return {"ready_seconds": round(ready, 2), "layout_done_seconds": round(done, 2),
            "layout": status, "errors": errors}  # fmt: skip


def run(store: Store, out: Path, *, browser: bool = True) -> dict[str, Any]:
    """Measure projections, metrics and exports on ``store``; files go under ``out``."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    params = m.MetricsParams()
    result: dict[str, Any] = {"projections": {}, "exports": {}, "parameters": {
        "betweenness_k": params.betweenness_k, "exact_up_to": params.exact_betweenness_max_nodes,
        "seed": params.seed, "betweenness_engine": params.betweenness_engine,
        "betweenness_fallback": "rustworkx" if m._rustworkx_available() else "networkx"}}  # fmt: skip
    networks: dict[str, m.Network] = {}
    shared: dict[str, float] = {}
    data = _timed(shared, "extract", m.extract, store)
    result["extract"] = {"seconds": shared["extract"], "partnerships": len(data.partnerships),
                         "shared_by": list(m.PROJECTIONS)}  # fmt: skip
    _say(f"extract (once, for every projection): {shared['extract']} s")
    for name, spec in m.PROJECTIONS.items():
        steps: dict[str, float] = dict(shared) if not networks else {}  # counted once
        G = _timed(steps, "project", spec.build, data)
        k, notes = _timed(steps, "metrics", m.compute_metrics, G, params, bipartite=spec.bipartite)
        snapshots = _timed(steps, "snapshots", m.year_snapshots, G)
        network = m.Network(name, G, data, params, k, notes, snapshots)
        _timed(steps, "write_metrics", m.write_metrics, store, network)
        steps["total"] = round(sum(steps.values()), 3)
        _say(f"{name}: {steps}")
        result["projections"][name] = {"seconds": steps, "summary": network.summary, "notes": notes}
        networks[name] = network
    bipartite = networks["bipartite"]
    targets = {
        "gexf": "atlas.gexf", "graphml": "atlas.graphml", "cytoscape": "atlas.cyjs",
        "d3": "atlas.json", "csv": "tables", "html": "atlas.html",
        "map": "countries.html", "map-svg": "countries.svg", "map-png": "countries.png",
    }  # fmt: skip
    for label, filename in targets.items():
        fmt = label.split("-")[0]
        if label == "map-png" and not Path(exports.CHROMIUM).exists():
            result["exports"][label] = {"status": "skipped", "detail": "no Chromium"}
            continue
        start = time.perf_counter()
        path = exports.export(bipartite, fmt, out / filename)
        result["exports"][label] = {
            "seconds": round(time.perf_counter() - start, 3),
            "bytes": _size(path),
        }
        _say(f"export {label}: {result['exports'][label]}")
    accuracy = []
    try:
        import rustworkx  # noqa: F401

        accuracy.append(_accuracy(bipartite.graph, params, "rustworkx"))
    except ImportError:
        accuracy.append(
            {"status": "skipped", "detail": "rustworkx not installed (pip install '.[bench]')"}
        )
    snapshot = _snapshot_graph(bipartite.graph, EXACT_MAX_NODES)
    if snapshot is not None and snapshot.number_of_nodes() > params.exact_betweenness_max_nodes:
        accuracy.append(_accuracy(snapshot, params, "networkx"))
    result["betweenness_accuracy"] = accuracy
    _say(f"betweenness accuracy: {accuracy}")
    if browser:
        result["html_view"] = _browser(out / "atlas.html")
    return result


def main(argv: list[str] | None = None) -> int:
    """``python -m bench.bench_network [RECORDS] [SEED]``: a synthetic Atlas, then ``run``."""
    from atlas_kg.ingest import ingest_records
    from atlas_kg.store import open_store
    from atlas_kg.synth import generate

    args = argv if argv is not None else sys.argv[1:]
    records = int(args[0]) if args else 12_000
    seed = int(args[1]) if len(args) > 1 else 1
    with tempfile.TemporaryDirectory(prefix="bench-network-") as tmp:
        store = open_store(Path(tmp) / "store")
        start = time.perf_counter()
        ingest_records(store, generate(records, seed))
        built = time.perf_counter() - start
        out = Path(os.environ.get("BENCH_NETWORK_OUT", Path(tmp) / "out"))
        try:
            result = run(store, out)
        finally:
            store.close()
    result["atlas"] = {"records": records, "seed": seed, "build_seconds": round(built, 1)}
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
