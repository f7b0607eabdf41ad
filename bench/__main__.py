"""The benchmark driver: ``python -m bench`` (``make bench``). ``--help`` lists the options."""

from __future__ import annotations

import shutil
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from . import bench_ingest, bench_parse, bench_queries, extras, report
from .common import (
    DATA_DIR,
    RESULTS_DIR,
    ROOT,
    ChildError,
    ensure_atlas,
    fresh_dir,
    host_probe,
    in_child,
    load_average,
    machine,
)

OWN_STAGES = ("parse", "ingest", "queries")
STAGES = (*OWN_STAGES, *extras.STAGES)
NEEDS_STORE = {"queries", *extras.STAGES}
QUICK = {"sizes": "30,60", "repeat": 1, "query_runs": 2, "rdflib_timeout": 10.0}


def _ints(text: str) -> list[int]:
    try:
        values = [int(x.replace("_", "")) for x in text.split(",") if x.strip()]
    except ValueError:
        raise click.BadParameter(f"{text!r}: expected numbers separated by commas") from None
    if not values or min(values) < 1:
        raise click.BadParameter(f"{text!r}: expected positive numbers")
    return sorted(set(values))


def _stages(text: str) -> list[str]:
    names = [s.strip() for s in text.split(",") if s.strip() and s.strip() != "none"]
    unknown = [s for s in names if s not in STAGES]
    if unknown:
        raise click.BadParameter(
            f"unknown stage(s) {', '.join(unknown)}; expected {', '.join(STAGES)}"
        )
    return [s for s in STAGES if s in names]


def _say(n: int, text: str) -> None:
    click.echo(f"[{n:>6,} records] {text}", err=True)


def _seconds(stat: dict[str, Any]) -> str:
    return f"{stat['median']:.3f} s (min {stat['min']:.3f}, max {stat['max']:.3f})"


def measure_size(n: int, stages: list[str], opts: dict[str, Any]) -> dict[str, Any]:
    """Every selected stage on the atlas of ``n`` records; errors are recorded, not raised."""
    started = time.perf_counter()
    entry: dict[str, Any] = {
        "records": n,
        "seed": opts["seed"],
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": opts["command"],
        "machine": machine(),
        "repeat": opts["repeat"],
        "stages": {},
    }
    try:
        atlas = ensure_atlas(n, opts["seed"], root=opts["data"])
    except Exception as exc:  # noqa: BLE001 - the generator's failure is this size's result
        _say(n, f"atlas: the generator failed: {type(exc).__name__}: {exc}")
        entry["stages"] = {"atlas": {"status": "error", "detail": f"{type(exc).__name__}: {exc}"}}
        return entry
    entry["atlas"] = atlas
    _say(
        n,
        f"atlas: {'reused' if atlas['cached'] else 'generated'} {atlas['pages']} ({atlas['mb']} MB)",
    )
    work = Path(opts["data"]) / f"{n}-{opts['seed']}" / "work"
    stages_out = entry["stages"]

    if "parse" in stages:
        try:
            res = bench_parse.run(atlas["pages"], repeat=opts["repeat"])
            _say(n, f"parse: {_seconds(res['seconds'])}, {res['pages_per_s']:,.0f} pages/s")
        except ChildError as exc:
            res = {"status": "error", "detail": str(exc)}
            _say(n, f"parse: error\n{exc}")
        stages_out["parse"] = res

    store = nquads = None
    if "ingest" in stages or NEEDS_STORE & set(stages):
        try:
            if "ingest" in stages:
                res = bench_ingest.run(atlas["pages"], work, repeat=opts["repeat"])
                stages_out["ingest"] = res
                _say(n, f"ingest: {_seconds(res['seconds'])}, {res['quads']:,} quads, "
                        f"{res['ratio_to_floor']:.2f}× the bulk-load floor")  # fmt: skip
            else:
                res = bench_ingest.run(atlas["pages"], work, repeat=1)
                _say(n, "reference store built (ingest not measured: not in --stages)")
            store, nquads = res["store"], res["nquads"]
        except ChildError as exc:
            stages_out["ingest"] = {"status": "error", "detail": str(exc)}
            _say(n, f"ingest: error\n{exc}")

    if "queries" in stages:
        if store is None:
            stages_out["queries"] = {"status": "error", "detail": "no store (ingest failed)"}
        else:
            try:
                asked = atlas
                if opts["facts_from"] and opts["facts_from"] != n:
                    # The same questions at every size: a busiest value drawn from this
                    # atlas can change with its size (another hub spelling, a busier year).
                    asked = ensure_atlas(opts["facts_from"], opts["seed"], root=opts["data"])
                res = bench_queries.run(
                    store, nquads, asked["truth"],
                    runs=opts["query_runs"],
                    rdflib_timeout=opts["rdflib_timeout"],
                    rdflib=n <= opts["rdflib_max"],
                )  # fmt: skip
                stages_out["queries"] = res
                worst = max(
                    (c for c in res["cases"] if "seconds" in c),
                    key=lambda c: c["seconds"]["median"],
                    default=None,
                )
                if worst:
                    _say(n, f"queries: {len(res['cases'])} cases, slowest {worst['case']} "
                            f"{worst['seconds']['median'] * 1000:.1f} ms")  # fmt: skip
                if asked is not atlas:
                    res["growth"] = _growth(n, store, asked, opts)
            except ChildError as exc:
                stages_out["queries"] = {"status": "error", "detail": str(exc)}
                _say(n, f"queries: error\n{exc}")

    context = {
        "store_path": store,
        "work": str(work),
        "pages": atlas["pages"],
        "truth": atlas["truth"],
        "nquads": nquads,
        "records": n,
        "seed": opts["seed"],
    }
    for stage in extras.STAGES:
        if stage not in stages:
            continue
        if store is None:
            stages_out[stage] = {"status": "error", "detail": "no store (ingest failed)"}
            continue
        res = extras.run(stage, context, timeout=opts["stage_timeout"])
        stages_out[stage] = res
        if res["status"] == "ok":
            _say(n, f"{stage}: {res['seconds']:.2f} s")
        else:
            _say(n, f"{stage}: {res['status']} ({res['detail'].splitlines()[-1]})")

    if opts["profile"]:
        from . import profile

        entry["profiles"] = profile.run(atlas["pages"], work, Path(opts["out"]), n)
        _say(n, f"profiles written: {', '.join(entry['profiles'].values())}")

    if not opts["keep"]:
        shutil.rmtree(work, ignore_errors=True)
    entry["machine"]["load_average_end"] = load_average()
    entry["machine"]["probe_seconds_end"] = host_probe()
    entry["wall_seconds"] = time.perf_counter() - started
    return entry


def _growth(n: int, store: str, asked: dict[str, Any], opts: dict[str, Any]) -> dict[str, Any]:
    """The same cases on the ``--facts-from`` atlas's store and on this one, interleaved in
    one process: the growth check compares them in the same minutes on the same host."""
    ref = opts["facts_from"]
    work = Path(opts["data"]) / f"{ref}-{opts['seed']}" / "work"
    ref_store = fresh_dir(work / f"growth-store-for-{n}")
    try:
        in_child(bench_ingest.ingest_pages, asked["pages"], str(ref_store))
        res = bench_queries.growth(
            str(ref_store), ref, store, asked["truth"], runs=opts["query_runs"]
        )
    except ChildError as exc:  # the queries at this size stand; only the growth is lost
        _say(n, f"queries, interleaved with {ref:,} records: error\n{exc}")
        return {"status": "error", "detail": str(exc), "reference_records": ref, "cases": []}
    finally:
        if not opts["keep"]:
            shutil.rmtree(ref_store, ignore_errors=True)
    small = sum(c["reference_seconds"]["median"] for c in res["cases"])
    large = sum(c["seconds"]["median"] for c in res["cases"])
    _say(n, f"queries, interleaved with {ref:,} records: sum of medians "
            f"{small:.2f} s → {large:.2f} s ({large / small:.2f}×)")  # fmt: skip
    return res


@click.command(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option(
    "--sizes",
    default="1000,4000,12000",
    show_default=True,
    help="Numbers of records, comma-separated (a size above 12000 shows how cost grows).",
)
@click.option(
    "--repeat",
    type=click.IntRange(1),
    default=3,
    show_default=True,
    help="Runs of each stage (each in a fresh process): median and spread.",
)
@click.option(
    "--stages",
    default=",".join(STAGES),
    show_default=True,
    help="Stages to run, comma-separated (`none` with --profile: profiles only). Stages not "
    "run keep their earlier results in OUT/results.json.",
)
@click.option(
    "--seed", type=int, default=1, show_default=True, help="Seed of the synthetic atlases."
)
@click.option(
    "--quick",
    is_flag=True,
    help="A small smoke run: 30 and 60 records, one repeat, results only under --out.",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=RESULTS_DIR,
    show_default=True,
    help="Folder for results.json, scaling.png and profiles.",
)
@click.option(
    "--data",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help=f"Cache of synthetic atlases [default: {DATA_DIR.relative_to(ROOT)}, "
    "or OUT/data with --quick].",
)
@click.option(
    "--facts-from",
    type=int,
    default=None,
    help="Draw the queries' parameters (busiest hub, country, theme, post, year) from the "
    "atlas of this size, so that a larger size asks the same questions, and also run them "
    "on that atlas's store, interleaved in one process, for the growth check [default: "
    "each size's own atlas].",
)
@click.option(
    "--query-runs",
    type=click.IntRange(1),
    default=5,
    show_default=True,
    help="Timed runs of each query (after one warm-up).",
)
@click.option(
    "--rdflib-timeout",
    type=float,
    default=30.0,
    show_default=True,
    help="Seconds of rdflib time per query; beyond, the ratio is a lower bound.",
)
@click.option(
    "--rdflib-max",
    type=int,
    default=12000,
    show_default=True,
    help="Largest size also measured with rdflib (its load needs ~2 GB per 12,000).",
)
@click.option(
    "--stage-timeout",
    type=float,
    default=1800.0,
    show_default=True,
    help="Bound on each of the other stages (network, serve, remote, resolve).",
)
@click.option(
    "--profile", is_flag=True, help="Also profile parse and ingest (pyinstrument) at each size."
)
@click.option("--keep", is_flag=True, help="Keep the stores and dumps under the data folder.")
@click.option(
    "--publish/--no-publish",
    default=None,
    help="Write BENCHMARKS.md and docs/bench-scaling.png at the repository root "
    "[default: yes, no with --quick].",
)
@click.option("--report-only", is_flag=True,
              help="Measure nothing: rewrite the report from OUT/results.json.")  # fmt: skip
def main(**opts: Any) -> None:
    """Benchmark atlas-kg at Atlas scale, against baselines measured in the same run.

    \b
    Example:
        .venv/bin/python -m bench --sizes 1000,4000,12000 --repeat 3
        .venv/bin/python -m bench --quick --out /tmp/bench
    """
    given = click.get_current_context()
    for key, value in QUICK.items():
        if opts["quick"] and given.get_parameter_source(key).name == "DEFAULT":
            opts[key] = value
    publish = opts["publish"] if opts["publish"] is not None else not opts["quick"]
    out: Path = opts["out"]
    out.mkdir(parents=True, exist_ok=True)
    opts["data"] = opts["data"] or (out / "data" if opts["quick"] else DATA_DIR)
    opts["command"] = " ".join([".venv/bin/python -m bench", *sys.argv[1:]])
    results_path = out / "results.json"
    results = report.load(results_path)

    failed = []
    if not opts["report_only"]:
        sizes = _ints(opts["sizes"])
        stages = _stages(opts["stages"])
        for n in sizes:
            entry = measure_size(n, stages, opts)
            failed += [
                f"{n}: {name}" for name, res in entry["stages"].items()
                if res.get("status") == "error"
            ]  # fmt: skip
            if entry["stages"] and "atlas" not in entry["stages"]:
                report.merge(results, entry)
                report.save(results, results_path)  # after each size: a long run keeps its parts

    written = report.publish(results, out, root=ROOT if publish else None)
    for path in written:
        click.echo(f"wrote {path}", err=True)
    if failed:
        click.echo(f"stages that failed: {', '.join(failed)}", err=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
