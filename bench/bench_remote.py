"""Remote store: load and query times on an Oxigraph server against the embedded store, in
the same run, as ratios (server / embedded).

``run(atlas, out)`` takes a synthetic Atlas (a folder of pages with its ``truth.jsonl``, a
JSON Lines file of records, or a list of ``Record``s) and measures:

- load: the record graphs (mapped once, beforehand) and the vocabulary graph written by
  ``load_records`` into an embedded store on disk (Oxigraph's bulk loader, as ``ingest``
  does for large batches) and into an ``oxigraph serve`` on 127.0.0.1 (one Graph Store
  PUT per graph, a few at a time); then ``push`` of the embedded store to a second, empty
  server (reading the graphs back, comparing content hashes, writing);
- queries: every named query (required parameters from the data) on both stores, the
  median of ``repeat`` runs after one warm-up, and the ratio.

``python -m bench.bench_remote [--records 12000] [--seed 1] [--atlas DIR] [--out FILE]``
generates the atlas when none is given. Not a test: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import json
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from atlas_kg.ingest import refresh_derived
from atlas_kg.queries import list_queries, run_query
from atlas_kg.rdf import record_graph, vocabulary_graph
from atlas_kg.record import Record
from atlas_kg.remote import RemoteStore, open_remote, push
from atlas_kg.store import EmbeddedStore

from .common import require_oxigraph_command


def _say(text: str) -> None:
    print(f"[remote] {text}", file=sys.stderr, flush=True)


def _die_with_parent() -> None:
    """In the child, before exec: SIGTERM when this process dies (Linux), so a benchmark
    killed on timeout leaves no server behind."""
    with contextlib.suppress(OSError, AttributeError):  # not Linux: nothing to do
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


@contextmanager
def oxigraph_server(location: Path) -> Iterator[str]:
    """``oxigraph serve`` (PyPI package ``oxigraph``) on a free port; yields its URL."""
    command = require_oxigraph_command()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [command, "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        preexec_fn=_die_with_parent,
    )
    try:
        for _ in range(600):
            try:
                with urllib.request.urlopen(url + "/query?query=ASK%7B%7D", timeout=2):
                    break
            except OSError:
                if process.poll() is not None:
                    raise RuntimeError(f"oxigraph serve exited with {process.returncode}") from None
                time.sleep(0.05)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


def _records(atlas: str | Path | Sequence[Record]) -> list[Record]:
    if not isinstance(atlas, str | Path):
        return list(atlas)
    path = Path(atlas)
    truth = path / "truth.jsonl" if path.is_dir() else path
    if truth.is_file():
        with open(truth, encoding="utf-8") as fh:
            return [Record.from_json(line) for line in fh if line.strip()]
    from atlas_kg.parse import iter_page_files, parse_file

    return [parse_file(p) for p in iter_page_files([path])]


def _samples(store: EmbeddedStore) -> dict[str, str]:
    """A value for each required parameter, taken from the data (a hub collectivity...)."""

    def first(sparql: str) -> str:
        rows = list(store.query(sparql))
        return rows[0]["v"].value if rows else "x"

    hub = first(
        "SELECT (SAMPLE(?label) AS ?v) WHERE { ?p akg:frenchPartner ?c . ?c rdfs:label ?label } "
        "GROUP BY ?c ORDER BY DESC(COUNT(DISTINCT ?p)) ?c LIMIT 1"
    )
    return {"collectivity": hub, "name": hub}


def _timed(func: Any, *args: Any, **kwargs: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    value = func(*args, **kwargs)
    return time.perf_counter() - start, value


def _median_time(func: Any, repeat: int) -> float:
    func()  # warm-up: caches on both sides, connection set up
    return statistics.median(_timed(func)[0] for _ in range(repeat))


def _ratio(server: float, embedded: float) -> float | None:
    return round(server / embedded, 2) if embedded > 0 else None


def run(
    atlas: str | Path | Sequence[Record], out: str | Path | None = None, *, repeat: int = 3
) -> dict[str, Any]:
    """Measure the Oxigraph server against the embedded store on ``atlas``; the result is
    also written as JSON to ``out`` (a ``.json`` file, or ``remote.json`` in a folder)."""
    records = _records(atlas)
    result: dict[str, Any] = {"records": len(records), "repeat": repeat}
    with tempfile.TemporaryDirectory(prefix="bench-remote-") as tmp:
        work = Path(tmp)
        embedded = EmbeddedStore(work / "embedded.oxigraph")
        with (
            oxigraph_server(work / "server-a") as url_a,
            oxigraph_server(work / "server-b") as url_b,
        ):
            server = open_remote(url_a)
            _say(f"map {len(records)} records")
            t_map, graphs = _timed(lambda: [vocabulary_graph(), *map(record_graph, records)])
            _say(f"load {len(graphs)} graphs into the embedded store")
            t_embedded, _ = _timed(embedded.load_records, graphs)
            _say(f"load {len(graphs)} graphs into {url_a}")
            t_server, _ = _timed(server.load_records, graphs)
            # The derived graphs, as ingest ends: named queries read graph/entities.
            t_derive_embedded, _ = _timed(refresh_derived, embedded)
            t_derive_server, _ = _timed(refresh_derived, server)
            quads = embedded.quad_count()
            assert server.quad_count() == quads, (
                "the server holds other quads than the embedded store"
            )
            _say(f"push the embedded store to {url_b}")
            copy = open_remote(url_b)
            t_push, pushed = _timed(push, embedded, copy)
            copy.close()
            result["quads"] = quads
            result["load"] = {
                "graphs": len(graphs),
                "map_s": round(t_map, 2),
                "embedded_s": round(t_embedded, 2),
                "server_s": round(t_server, 2),
                "ratio": _ratio(t_server, t_embedded),
                "embedded_quads_per_s": round(quads / t_embedded),
                "server_quads_per_s": round(quads / t_server),
                "derive_embedded_s": round(t_derive_embedded, 2),
                "derive_server_s": round(t_derive_server, 2),
                "push_s": round(t_push, 2),
                "push_quads_per_s": round(pushed.quads_sent / t_push),
            }
            result["queries"] = _queries(embedded, server, repeat)
            server.close()
        embedded.close()
    times = result["queries"].values()
    result["queries_total"] = {
        "embedded_s": round(sum(q["embedded_s"] for q in times), 3),
        "server_s": round(sum(q["server_s"] for q in times), 3),
    }
    result["queries_total"]["ratio"] = _ratio(
        result["queries_total"]["server_s"], result["queries_total"]["embedded_s"]
    )
    if out is not None:
        target = Path(out)
        if target.suffix != ".json":
            target.mkdir(parents=True, exist_ok=True)
            target = target / "remote.json"
        target.write_text(json.dumps(result, indent=2) + "\n")
    return result


def _queries(embedded: EmbeddedStore, server: RemoteStore, repeat: int) -> dict[str, Any]:
    samples = _samples(embedded)
    out: dict[str, Any] = {}
    for query in list_queries():
        params = {p.name: samples.get(p.name, "x") for p in query.params if p.required}
        rows = len(run_query(embedded, query, params))
        server_rows = len(run_query(server, query, params))
        t_embedded = _median_time(lambda q=query, p=params: run_query(embedded, q, p), repeat)
        t_server = _median_time(lambda q=query, p=params: run_query(server, q, p), repeat)
        out[query.name] = {
            "rows": rows,
            "server_rows": server_rows,
            "embedded_s": round(t_embedded, 4),
            "server_s": round(t_server, 4),
            "ratio": _ratio(t_server, t_embedded),
        }
        _say(f"{query.name}: {rows} rows, embedded {t_embedded:.3f} s, server {t_server:.3f} s")
    return out


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.bench_remote", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--records", type=int, default=12_000, help="synthetic records (default 12000)"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--atlas", type=Path, help="a synthetic Atlas folder (or .jsonl) instead")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path, default=Path("bench/results/remote.json"))
    args = parser.parse_args(argv)
    if args.atlas is not None:
        atlas: Any = args.atlas
    else:
        from atlas_kg import synth

        _say(f"generate {args.records} records (seed {args.seed})")
        atlas = list(synth.generate(args.records, args.seed))
    result = run(atlas, args.out, repeat=args.repeat)
    load = result["load"]
    print(f"{result['records']} records, {result['quads']} quads")
    print(
        f"load: embedded {load['embedded_s']} s ({load['embedded_quads_per_s']} quads/s), "
        f"server {load['server_s']} s ({load['server_quads_per_s']} quads/s), x{load['ratio']}; "
        f"push {load['push_s']} s ({load['push_quads_per_s']} quads/s)"
    )
    for name, q in result["queries"].items():
        print(f"  {name:28} {q['embedded_s']:>8} s  {q['server_s']:>8} s  x{q['ratio']}")
    total = result["queries_total"]
    print(
        f"queries: embedded {total['embedded_s']} s, server {total['server_s']} s (x{total['ratio']})"
    )


if __name__ == "__main__":
    main()
