"""Serving benchmark: ``atlas-kg serve`` under concurrent clients, beside ``oxigraph serve``.

Both servers run on 127.0.0.1 over the same store (``oxigraph serve-read-only
--union-default-graph`` from the ``oxigraph`` PyPI package, the reference for
``/sparql``). ``CLIENTS`` threads, each with its own keep-alive connection, send requests
until ``MAX_REQUESTS`` are done or ``MAX_SECONDS`` have passed, per scenario:

- ``sparql`` (both servers): a mix of a point lookup (one partnership's statements), a
  name lookup (``akg:searchKey``), partnerships of a country, and an aggregate (partnerships
  per country): the same query texts, JSON results;
- ``pages`` (atlas-kg only): the HTML pages of partnerships and collectivities;
- ``dereference`` (atlas-kg only): ``/id/...`` with ``Accept: text/turtle``, the 303 and
  the Turtle document.

Reported per scenario: requests, requests/s, p50 and p99 latency (ms), errors (any status
other than 200/303, or a failed connection); the run fails when there are errors.

``run(store_path, out)`` is called by ``python -m bench`` with its reference store;
``python -m bench.bench_serve`` builds a 12,000-record synthetic atlas first (or takes
``--store``).
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from .common import require_oxigraph_command

CLIENTS = 8
WORKERS = 8
"""SPARQL worker processes of atlas-kg serve: one per client, as oxigraph serve has a
thread per request (the default, 4, trades throughput for memory: ~80 MB per worker)."""
MAX_REQUESTS = 3000
MAX_SECONDS = 20.0
RECORDS = 12_000
SEED = 2024
ROOT = Path(__file__).resolve().parent.parent

PREFIXES = """PREFIX akg: <https://w3id.org/atlas-kg/def#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""


def _samples(store_path: str, n: int = 300) -> dict[str, list[str]]:
    """IRIs and names to ask for, drawn (seeded) from the store."""
    from atlas_kg.store import open_store

    store = open_store(store_path, read_only=True)
    try:

        def column(sparql: str, var: str) -> list[str]:
            return [row[var].value for row in store.query(sparql)]  # type: ignore[union-attr]

        partnerships = column("SELECT ?p WHERE { ?p a akg:Partnership }", "p")
        collectivities = column(
            "SELECT DISTINCT ?c WHERE { ?c a akg:FrenchCollectivity }", "c"
        ) + column("SELECT DISTINCT ?c WHERE { ?c a akg:ForeignCollectivity }", "c")
        keys = column(
            "SELECT DISTINCT ?k WHERE { ?c a akg:ForeignCollectivity ; akg:searchKey ?k }", "k"
        )
        countries = column("SELECT DISTINCT ?c WHERE { ?p akg:country ?c }", "c")
        records = len(partnerships)
    finally:
        store.close()
    rng = random.Random(SEED)

    def pick(items: list[str]) -> list[str]:
        return rng.sample(items, min(n, len(items))) if items else []

    return {
        "partnerships": pick(partnerships),
        "collectivities": pick(collectivities),
        "keys": pick(keys),
        "countries": pick(countries),
        "records": [str(records)],
    }


def sparql_queries(samples: dict[str, list[str]]) -> list[str]:
    """The /sparql workload: the same texts for both servers."""
    out = []
    for i in range(len(samples["partnerships"])):
        p = samples["partnerships"][i]
        key = samples["keys"][i % len(samples["keys"])]
        country = samples["countries"][i % len(samples["countries"])]
        out.append(f"SELECT ?p ?o WHERE {{ <{p}> ?p ?o }}")
        out.append(
            PREFIXES
            + f'SELECT DISTINCT ?c ?label WHERE {{ ?c akg:searchKey "{key}" ; rdfs:label ?label }}'
        )
        out.append(
            PREFIXES + f"SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE {{ ?p akg:country <{country}> }}"
        )
        if i % 10 == 0:
            out.append(
                PREFIXES
                + "SELECT ?c (COUNT(DISTINCT ?p) AS ?n) WHERE { ?p a akg:Partnership ; akg:country ?c } "
                "GROUP BY ?c ORDER BY DESC(?n)"
            )
    return out


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def load(requests: list[tuple[str, str, dict[str, Any]]], *, clients: int = CLIENTS,
         max_requests: int = MAX_REQUESTS, max_seconds: float = MAX_SECONDS) -> dict[str, Any]:  # fmt: skip
    """Send ``(method, url, kwargs)`` requests round-robin from ``clients`` threads."""
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    counter = iter(range(max_requests))
    deadline = time.monotonic() + max_seconds

    def worker() -> None:
        with httpx.Client(timeout=60, follow_redirects=True) as client:
            while time.monotonic() < deadline:
                with lock:
                    index = next(counter, None)
                if index is None:
                    return
                method, url, kwargs = requests[index % len(requests)]
                start = time.perf_counter()
                try:
                    r = client.request(method, url, **kwargs)
                    ok = r.status_code == 200
                    detail = f"{r.status_code} {url}: {r.text[:120]!r}"
                except httpx.HTTPError as exc:
                    ok, detail = False, f"{type(exc).__name__} {url}"
                elapsed = time.perf_counter() - start
                with lock:
                    latencies.append(elapsed)
                    if not ok:
                        errors.append(detail)

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - started
    return {
        "requests": len(latencies),
        "seconds": round(seconds, 3),
        "requests_per_s": round(len(latencies) / seconds, 1) if seconds else 0.0,
        "p50_ms": round(_percentile(latencies, 0.50) * 1000, 2),
        "p99_ms": round(_percentile(latencies, 0.99) * 1000, 2),
        "errors": len(errors),
        "error_examples": errors[:5],
        "clients": clients,
    }


class OxigraphServer:
    """``oxigraph serve-read-only`` on a free loopback port (a context manager)."""

    def __init__(self, store_path: str) -> None:
        from atlas_kg.publish.server import free_port

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.cmd = [require_oxigraph_command(), "serve-read-only", "--location", store_path,
                    "--bind", f"127.0.0.1:{self.port}", "--union-default-graph"]  # fmt: skip

    def __enter__(self) -> OxigraphServer:
        self.proc = subprocess.Popen(self.cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(300):
            try:
                if (
                    httpx.get(self.url + "query", params={"query": "ASK {}"}, timeout=2).status_code
                    == 200
                ):
                    return self
            except httpx.HTTPError:
                pass
            if self.proc.poll() is not None:
                raise RuntimeError(f"oxigraph serve exited with {self.proc.returncode}")
            time.sleep(0.1)
        raise RuntimeError("oxigraph serve did not start")

    def __exit__(self, *exc: object) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)


def run(store_path: str, out: Path) -> dict[str, Any]:
    """Measure both servers over the store at ``store_path``; write ``out/serve.json``."""
    from atlas_kg.iris import DEFAULT_BASE
    from atlas_kg.publish.server import ServerProcess

    samples = _samples(str(store_path))
    queries = sparql_queries(samples)
    accept = {"Accept": "application/sparql-results+json"}
    result: dict[str, Any] = {
        "records": int(samples["records"][0]),
        "clients": CLIENTS,
        "workers": WORKERS,
        "max_requests": MAX_REQUESTS,
        "max_seconds": MAX_SECONDS,
        "scenarios": {},
    }
    with ServerProcess(store_path, timeout=30, max_results=100_000, workers=WORKERS) as ours:
        # Warm up: /void waits for the dataset counts the server computes at start, which
        # would otherwise share the CPU with the first scenario.
        httpx.get(ours.url + "void", timeout=600).raise_for_status()
        sparql = [
            ("POST", ours.url + "sparql", {"data": {"query": q}, "headers": accept})
            for q in queries
        ]
        result["scenarios"]["atlas-kg /sparql"] = load(sparql)
        pages = [
            ("GET", ours.url + "doc/" + iri[len(DEFAULT_BASE) :] + ".html", {})
            for pair in zip(samples["partnerships"], samples["collectivities"], strict=False)
            for iri in pair
        ]
        result["scenarios"]["atlas-kg entity pages"] = load(pages)
        deref = [
            (
                "GET",
                ours.url + "id/" + iri[len(DEFAULT_BASE) :],
                {"headers": {"Accept": "text/turtle"}},
            )
            for iri in samples["partnerships"]
        ]
        result["scenarios"]["atlas-kg /id/ → 303 → Turtle"] = load(deref)
    with OxigraphServer(str(store_path)) as oxigraph:
        sparql = [
            ("POST", oxigraph.url + "query", {"data": {"query": q}, "headers": accept})
            for q in queries
        ]
        result["scenarios"]["oxigraph serve /query"] = load(sparql)
    ours_rps = result["scenarios"]["atlas-kg /sparql"]["requests_per_s"]
    theirs_rps = result["scenarios"]["oxigraph serve /query"]["requests_per_s"]
    result["sparql_throughput_vs_oxigraph"] = (
        round(ours_rps / theirs_rps, 3) if theirs_rps else None
    )
    result["errors"] = sum(s["errors"] for s in result["scenarios"].values())
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "serve.json").write_text(json.dumps(result, indent=2, ensure_ascii=False))
    return result


def build_store(path: Path, records: int = RECORDS, seed: int = SEED) -> None:
    """A synthetic atlas of ``records`` records ingested into a new store at ``path``."""
    from atlas_kg.ingest import ingest_records
    from atlas_kg.store import open_store
    from atlas_kg.synth import generate

    store = open_store(path)
    try:
        report = ingest_records(store, generate(records, seed))
        if not report.ok:
            raise RuntimeError(report.summary())
    finally:
        store.close()


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", type=Path, help="an existing store (default: build one)")
    parser.add_argument("--records", type=int, default=RECORDS, help="records of the atlas built")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "bench" / "serve")
    args = parser.parse_args(argv)
    store = args.store
    if store is None:
        store = args.out / f"atlas-{args.records}.oxigraph"
        if not store.is_dir():
            print(f"building a {args.records}-record synthetic atlas in {store}…", file=sys.stderr)
            build_store(store, args.records)
    result = run(str(store), args.out)
    width = max(len(name) for name in result["scenarios"])
    print(f"{result['records']} records, {CLIENTS} clients, {WORKERS} SPARQL workers, loopback")
    for name, s in result["scenarios"].items():
        print(f"{name:<{width}}  {s['requests']:>6} req  {s['requests_per_s']:>8.1f} req/s  "
              f"p50 {s['p50_ms']:>8.2f} ms  p99 {s['p99_ms']:>8.2f} ms  errors {s['errors']}")  # fmt: skip
    print(f"/sparql throughput vs oxigraph serve: {result['sparql_throughput_vs_oxigraph']}×")
    return 1 if result["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
