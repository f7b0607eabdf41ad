"""Ingest stage: pages → records → RDF → the embedded store on disk, end to end.

The floor, measured in the same run on the very same quads: the store's N-Quads dump
bulk-loaded into a fresh on-disk ``pyoxigraph.Store`` (no Python between the file and the
database). Ingest's target is 3× that floor. Each repeat starts from an empty folder; the
last ingested store stays as the run's reference store (queries, metrics, serve use it).
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any

from .common import dir_mb, fresh_dir, in_child, per_second, summary

TARGET_RATIO_TO_FLOOR = 3.0
TARGET_SECONDS = 60.0
TARGET_PEAK_RSS_MB = 2048.0


def ingest_pages(pages: str, store_dir: str) -> dict[str, Any]:
    """Child: open a new store, ingest the folder, close (flush); then count the quads."""
    from atlas_kg.ingest import ingest
    from atlas_kg.store import EmbeddedStore

    start, cpu = time.perf_counter(), time.process_time()
    store = EmbeddedStore(store_dir)
    report = ingest(store, [pages])
    store.close()
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    with EmbeddedStore(store_dir, read_only=True) as done:
        quads = done.quad_count()
    return {
        "seconds": seconds,
        "cpu_seconds": cpu,
        "records": report.loaded,
        "rejected": len(report.rejected),
        "quads": quads,
        "quads_written": report.quads_written,
    }


def dump_nquads(store_dir: str, nquads: str) -> dict[str, Any]:
    """Child: the store's N-Quads dump (every graph), the floor's input."""
    from atlas_kg.store import EmbeddedStore

    start = time.perf_counter()
    with EmbeddedStore(store_dir, read_only=True) as store:
        store.dump(nquads, "nquads")
    return {"seconds": time.perf_counter() - start}


def bulk_load_floor(nquads: str, store_dir: str) -> dict[str, Any]:
    """Child: ``pyoxigraph.Store(path).bulk_load`` of the dump into a new store, flushed."""
    import pyoxigraph

    start, cpu = time.perf_counter(), time.process_time()
    store = pyoxigraph.Store(store_dir)
    store.bulk_load(path=nquads, format=pyoxigraph.RdfFormat.N_QUADS)
    store.flush()
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    return {"seconds": seconds, "cpu_seconds": cpu, "quads": len(store)}


def run(pages: str, work: Path, *, repeat: int = 3) -> dict[str, Any]:
    """Ingest and its floor, ``repeat`` times each, interleaved; leaves ``work/store`` (the
    reference store) and ``work/dump.nq``."""
    store = work / "store"
    nquads = work / "dump.nq"
    floor_dir = work / "floor"
    ingests, floors, dump = [], [], None
    for i in range(repeat):
        ingests.append(in_child(ingest_pages, pages, str(fresh_dir(store))))
        if i == 0:
            store_mb = dir_mb(store)
            dump = in_child(dump_nquads, str(store), str(nquads))
        floors.append(in_child(bulk_load_floor, str(nquads), str(fresh_dir(floor_dir))))
        floor_mb = dir_mb(floor_dir)
    shutil.rmtree(floor_dir, ignore_errors=True)
    first = ingests[0]
    seconds = summary([r["seconds"] for r in ingests])
    floor = summary([r["seconds"] for r in floors])
    return {
        "records": first["records"],
        "rejected": first["rejected"],
        "quads": first["quads"],
        "seconds": seconds,
        "cpu_seconds": summary([r["cpu_seconds"] for r in ingests]),
        "records_per_s": per_second(first["records"], seconds["median"]),
        "quads_per_s": per_second(first["quads"], seconds["median"]),
        "peak_rss_mb": max(r["peak_rss_mb"] for r in ingests),
        "store_mb": store_mb,
        "floor": {
            "quads": floors[0]["quads"],
            "seconds": floor,
            "cpu_seconds": summary([r["cpu_seconds"] for r in floors]),
            "quads_per_s": per_second(floors[0]["quads"], floor["median"]),
            "peak_rss_mb": max(r["peak_rss_mb"] for r in floors),
            "store_mb": floor_mb,
        },
        "ratio_to_floor": seconds["median"] / floor["median"],
        "dump_seconds": dump["seconds"] if dump else None,
        "nquads_mb": round(nquads.stat().st_size / 2**20, 1),
        "store": str(store),
        "nquads": str(nquads),
    }
