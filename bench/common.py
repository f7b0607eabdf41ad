"""What every benchmark stage shares: fresh-process runs, statistics, the machine, the data.

Each measured run happens in a fresh ``spawn`` process (``in_child``): nothing is warm from
an earlier stage, and the process's peak RSS (``ru_maxrss``) is the stage's own peak memory
(it includes the interpreter and imports, ~50-100 MB). The function run there times its
own work with ``perf_counter`` and returns a dict; imports and set-up stay outside the
timed region.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import math
import multiprocessing
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "build" / "bench-data"
RESULTS_DIR = ROOT / "bench" / "results"
RENDER = "mixed"
"""Synthetic pages in every rendering (plain, pipe, HTML), as users feed them."""
GENERATOR_SOURCES = ("synth.py", "render.py", "themes.py", "countries.py", "gazetteer.py")
"""The cache of generated pages is reused only while these modules are unchanged."""


class ChildError(RuntimeError):
    """A measured run failed in its process; the message holds the child's traceback."""


class ChildTimeout(ChildError):
    """A measured run exceeded its time bound and was killed."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        super().__init__(f"exceeded {seconds:g} s")


def oxigraph_command() -> str | None:
    """The ``oxigraph`` command (PyPI package ``oxigraph``): beside this Python, else on the
    PATH, else ``None``."""
    beside = Path(sys.executable).parent / "oxigraph"
    return str(beside) if beside.exists() else shutil.which("oxigraph")


def require_oxigraph_command() -> str:
    """``oxigraph_command()``, or ``RuntimeError`` saying how to install it."""
    command = oxigraph_command()
    if command is None:
        raise RuntimeError("the `oxigraph` command is absent: pip install oxigraph (test extra)")
    return command


# -- fresh-process runs ------------------------------------------------------------------


def _child_main(conn: Any, func: Callable[..., dict], args: tuple) -> None:
    try:
        value = func(*args)
        own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        conn.send(("ok", value, own / 1024, kids / 1024))
    except BaseException:  # noqa: BLE001 - everything goes back to the parent as text
        conn.send(("error", traceback.format_exc(), None, None))
    finally:
        conn.close()


def in_child(func: Callable[..., dict], *args: Any, timeout: float | None = None) -> dict:
    """``func(*args)`` in a fresh ``spawn`` process; its dict plus ``peak_rss_mb``.

    ``func`` must be a module-level function returning a picklable dict. Raises
    ``ChildTimeout`` (the process is killed) or ``ChildError`` (with its traceback).
    ``children_peak_rss_mb`` is the largest peak of the processes it started, if any.
    """
    ctx = multiprocessing.get_context("spawn")
    receiver, sender = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child_main, args=(sender, func, args))
    proc.start()
    sender.close()
    try:
        if not receiver.poll(timeout):
            proc.kill()
            raise ChildTimeout(timeout or 0)
        try:
            status, value, own, kids = receiver.recv()
        except EOFError:
            status, value, own, kids = "died", None, None, None
    finally:
        proc.join(30)
        if proc.is_alive():
            proc.kill()
            proc.join()
        receiver.close()
    if status == "died":
        raise ChildError(f"the process died (exit code {proc.exitcode})")
    if status != "ok":
        raise ChildError(value)
    value = dict(value)
    value["peak_rss_mb"] = round(own, 1)
    if kids:
        value["children_peak_rss_mb"] = round(kids, 1)
    return value


# -- statistics --------------------------------------------------------------------------


def summary(samples: Sequence[float]) -> dict[str, Any]:
    """Median and spread (min, max; quartiles from 4 samples on) of repeated timings."""
    values = sorted(samples)
    out: dict[str, Any] = {
        "median": statistics.median(values),
        "min": values[0],
        "max": values[-1],
        "n": len(values),
        "samples": [round(v, 6) for v in samples],
    }
    if len(values) >= 4:
        q1, _, q3 = statistics.quantiles(values, n=4)
        out["iqr"] = [q1, q3]
    return out


def per_second(count: float, seconds: float) -> float:
    return count / seconds if seconds > 0 else float("inf")


# -- the machine ---------------------------------------------------------------------------


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _version(package: str) -> str | None:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


def _git(*args: str) -> str | None:
    try:
        done = subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=10, check=True
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip()


def load_average() -> list[float]:
    """1, 5 and 15-minute load averages: other work on the machine skews timings."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return []


def host_probe() -> float:
    """Seconds a fixed piece of work takes here (the least of three tries): pure-Python
    loops, dicts and strings, and SHA-256 over 32 MB, about the mix of the stages. This
    host's speed drifts by 20-60 % between runs, so the absolute targets (ingest, metrics
    and exports under 60 s) are read beside the probe taken in the same run."""
    data = bytes(range(256)) * (32 * 4096)
    best = math.inf
    for _ in range(3):
        start = time.perf_counter()
        table: dict[str, int] = {}
        for i in range(300_000):
            key = f"node/{i % 5000}"
            table[key] = table.get(key, 0) + i
        hashlib.sha256(data).digest()
        best = min(best, time.perf_counter() - start)
    return round(best, 4)


REPORT_MARKDOWN = "BENCHMARKS.md"
REPORT_PLOT = "docs/bench-scaling.png"
REPORT_FILES = (REPORT_MARKDOWN, REPORT_PLOT)
"""Files a benchmark run writes into the repository (``report.publish``)."""


def machine() -> dict[str, Any]:
    """CPU, cores, RAM, OS, Python and the versions of the libraries measured."""
    import psutil

    # The report's own files do not count: `make bench`'s second run rewrites them.
    status = _git("status", "--porcelain", "--", ".", *(f":!{p}" for p in REPORT_FILES))
    return {
        "cpu": _cpu_model(),
        "logical_cores": os.cpu_count(),
        "physical_cores": psutil.cpu_count(logical=False),
        "ram_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "packages": {
            name: _version(name)
            for name in ("atlas-kg", "pyoxigraph", "rdflib", "networkx", "rustworkx")
        },
        "commit": _git("rev-parse", "--short", "HEAD"),
        "uncommitted_changes": bool(status) if status is not None else None,
        "load_average": load_average(),
        "probe_seconds": host_probe(),
    }


# -- data ----------------------------------------------------------------------------------


def generator_digest() -> str:
    """A digest of the generator's source: pages cached under another digest are stale."""
    import atlas_kg

    package = Path(atlas_kg.__file__).parent
    digest = hashlib.sha256()
    for name in GENERATOR_SOURCES:
        path = package / name
        if path.is_file():
            digest.update(name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def ensure_atlas(n: int, seed: int, *, render: str = RENDER, root: Path = DATA_DIR) -> dict:
    """The synthetic Atlas of ``n`` records for ``seed``: reused when cached, else generated.

    Returns ``{"pages": folder, "truth": truth.jsonl, "cached": bool, ...}``; the pages live
    in ``<root>/<n>-<seed>/pages``.
    """
    from atlas_kg.synth import write_atlas

    folder = root / f"{n}-{seed}"
    pages = folder / "pages"
    meta_path = folder / "meta.json"
    key = {"records": n, "seed": seed, "render": render, "generator": generator_digest()}
    meta: dict[str, Any] = {}
    if meta_path.is_file():
        try:
            meta = json.loads(meta_path.read_text())
        except (OSError, ValueError):
            meta = {}
    cached = pages.is_dir() and meta.get("key") == key
    if not cached:
        shutil.rmtree(folder, ignore_errors=True)
        started = time.perf_counter()
        done = write_atlas(pages, n, seed, render=render)
        meta = {
            "key": key,
            "generate_seconds": round(time.perf_counter() - started, 3),
            "summary": done.line(),
            "bytes": sum(p.stat().st_size for p in pages.iterdir() if p.name != "truth.jsonl"),
        }
        meta_path.write_text(json.dumps(meta, indent=2, ensure_ascii=False))
    return {
        "pages": str(pages),
        "truth": str(pages / "truth.jsonl"),
        "cached": cached,
        "records": n,
        "seed": seed,
        "render": render,
        "generator": key["generator"],
        "generate_seconds": meta.get("generate_seconds"),
        "summary": meta.get("summary"),
        "mb": round(meta.get("bytes", 0) / 2**20, 1),
    }


def dir_mb(path: str | Path) -> float:
    """Size of a folder's files, in MiB."""
    total = sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file())
    return round(total / 2**20, 1)


def fresh_dir(path: Path) -> Path:
    """An empty folder at ``path`` (whatever was there is removed)."""
    shutil.rmtree(path, ignore_errors=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    return path
