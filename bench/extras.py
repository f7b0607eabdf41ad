"""The stages measured by other parts of the project: ``bench/bench_<stage>.py``'s ``run``.

Each such module is written with the stage it measures (metrics and exports, publishing,
the remote store, entity resolution) and may not exist yet: the stage is then reported as
"not available". Its ``run`` is called in a fresh process with its arguments bound by
name from what the run has built:

- ``store``: the reference store, open (an ``EmbeddedStore``); ``store_path``,
  ``store_dir``, ``location``: its folder;
- ``out``, ``out_dir``, ``output``: a fresh folder for the stage's own files;
- ``pages``, ``pages_dir``, ``atlas``: the synthetic pages; ``truth``: their ``truth.jsonl``;
- ``nquads``, ``dump``: the store's N-Quads dump;
- ``records``, ``n``, ``size``: the number of records; ``seed``: the atlas's seed.

``run`` returns a dict (JSON-friendly); its time and peak memory are measured around it.
"""

from __future__ import annotations

import importlib.util
import inspect
import json
import time
from pathlib import Path
from typing import Any

from .common import ChildError, ChildTimeout, fresh_dir, in_child

STAGES = {
    "network": "bench.bench_network",
    "serve": "bench.bench_serve",
    "remote": "bench.bench_remote",
    "resolve": "bench.bench_resolve",
}
"""Stage name → the module whose ``run`` measures it."""

_ALIASES = {
    "store_path": "store_path", "store_dir": "store_path", "location": "store_path",
    "out": "out", "out_dir": "out", "output": "out",
    "pages": "pages", "pages_dir": "pages", "atlas": "pages",
    "truth": "truth", "nquads": "nquads", "dump": "nquads",
    "records": "records", "n": "records", "size": "records", "seed": "seed",
}  # fmt: skip


def available(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


def call_run(module: str, context: dict[str, Any]) -> dict[str, Any]:
    """Child: import ``module``, bind ``run``'s parameters by name, time the call."""
    target = getattr(importlib.import_module(module), "run", None)
    if target is None:
        return {"unavailable": f"{module} has no run function yet"}
    kwargs: dict[str, Any] = {}
    opened = None
    for name, param in inspect.signature(target).parameters.items():
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            continue
        if name == "store":
            from atlas_kg.store import EmbeddedStore

            kwargs[name] = opened = EmbeddedStore(context["store_path"])
        elif name in _ALIASES and context.get(_ALIASES[name]) is not None:
            value = context[_ALIASES[name]]
            kwargs[name] = Path(value) if name in ("out", "out_dir", "output") else value
        elif param.default is param.empty:
            raise TypeError(f"{module}.run: no value for its parameter {name!r}")
    start = time.perf_counter()
    try:
        result = target(**kwargs)
    finally:
        seconds = time.perf_counter() - start
        if opened is not None:
            opened.close()
    # Through JSON: the report stores it, and a stray object must not break the pipe.
    return {"seconds": seconds, "result": json.loads(json.dumps(result, default=str))}


def run(stage: str, context: dict[str, Any], *, timeout: float) -> dict[str, Any]:
    """One extra stage: its result, ``seconds`` and ``peak_rss_mb``, or a ``status``."""
    module = STAGES[stage]
    if not available(module):
        return {"status": "not available", "detail": f"{module} does not exist yet"}
    ctx = dict(context)
    ctx["out"] = str(fresh_dir(Path(context["work"]) / stage))
    try:
        measured = in_child(call_run, module, ctx, timeout=timeout)
    except ChildTimeout as exc:
        return {"status": "timeout", "detail": f"stopped after {exc.seconds:g} s"}
    except ChildError as exc:
        return {"status": "error", "detail": str(exc).strip()[-2000:]}
    if "unavailable" in measured:
        return {"status": "not available", "detail": measured["unavailable"]}
    measured["status"] = "ok"
    return measured
