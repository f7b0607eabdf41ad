"""The benchmark code runs: ``python -m bench --quick`` on tiny atlases (no timing asserted)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def bench(monkeypatch: pytest.MonkeyPatch):
    """The ``bench`` package (at the repository root, outside the installed ``atlas_kg``)."""
    monkeypatch.syspath_prepend(str(ROOT))
    import bench.extras
    import bench.report

    return bench


def test_output_floor_reads_back_the_rows_of_the_query(bench, tmp_path: Path) -> None:
    from pyoxigraph import Store

    from atlas_kg.ingest import ingest
    from atlas_kg.queries import run_query
    from atlas_kg.store import open_store

    store = open_store(tmp_path / "kg")
    assert ingest(store, [ROOT / "tests" / "cases" / "queries" / "records.jsonl"]).ok
    cases = [("partnerships", {}), ("partnerships", {"country": "Sénégal"}), ("themes", {})]
    read_back = []
    for i, (name, params) in enumerate(cases):
        floor = bench.bench_queries.output_floor(store, name, params, tmp_path / str(i), 3)
        rows = run_query(store, name, params).rows
        assert floor["rows"] == rows and len(floor["samples"]) == 3
        assert floor["columns_match"] and len(floor["column_samples"]) == 3
        # One triple per cell that has a value, and the row's rank: nothing else to read.
        cells = sum(v is not None for r in rows for v in r.values())
        assert len(Store.read_only(str(tmp_path / str(i)))) == len(rows) + cells
        read_back.append(floor["rows"])
    # Empty cells stay empty (a partnership without an Atlas id, status or year); cells of
    # several values come back sorted and joined, as from the query.
    assert any(r["atlas_id"] is None and r["status"] is None for r in read_back[0])
    assert any(" ; " in (r["foreign_partners"] or "") for r in read_back[0])


@pytest.mark.slow
def test_quick_run_measures_every_own_stage_and_writes_the_report(tmp_path: Path) -> None:
    out = tmp_path / "results"
    root_report = ROOT / "BENCHMARKS.md"
    before = root_report.read_bytes() if root_report.exists() else None
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--stages", "parse,ingest,queries",
         "--facts-from", "30", "--out", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]

    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert sorted(results["sizes"], key=int) == ["30", "60"]
    entry = results["sizes"]["60"]
    assert entry["machine"]["logical_cores"] >= 1
    stages = entry["stages"]
    assert set(stages) == {"parse", "ingest", "queries"}

    parse = stages["parse"]
    assert (parse["pages"], parse["rejected"]) == (60, 0)
    assert parse["peak_rss_mb"] > 0

    ingest = stages["ingest"]
    assert ingest["records"] == 60 and ingest["rejected"] == 0
    # The floor bulk-loads the dump of the very same store: the same quads, no more, no less.
    assert ingest["floor"]["quads"] == ingest["quads"] > 60

    queries = stages["queries"]
    measured = [c for c in queries["cases"] if "seconds" in c]
    assert {c["query"] for c in measured} >= {"partnerships", "partners_of", "themes"}
    own = results["sizes"]["30"]["stages"]["queries"]["cases"]
    hub = next(c for c in own if c["case"] == "partners_of[hub]")
    assert hub["rows"] > 0  # the busiest collectivity has partners
    assert "load_seconds" in queries["rdflib"], queries["rdflib"]
    assert all(c["rdflib"]["rows"] is not None for c in measured if c.get("rdflib"))
    # Each case's output floor reads back the very rows the query returned.
    assert all(c["floor"]["rows_match"] for c in measured), measured
    assert all(len(c["floor"]["seconds"]["samples"]) == 2 for c in measured)
    # ... and each column alone, with no join, reads the very cells of those rows.
    alone = [c["floor"]["columns_alone"] for c in measured]
    assert all(a["cells_match"] and len(a["seconds"]["samples"]) == 2 for a in alone), alone

    # --facts-from 30: the 60-record atlas is asked the 30-record atlas's questions.
    asked = {c["case"]: c["params"] for c in results["sizes"]["30"]["stages"]["queries"]["cases"]
             if "params" in c}  # fmt: skip
    assert {c["case"]: c["params"] for c in measured} == asked
    # ... and also run on the 30-record store, interleaved in one process, for the growth
    # check: the same cases, both sizes' rows and times.
    growth = queries["growth"]
    assert growth["reference_records"] == 30
    assert {c["case"]: c["params"] for c in growth["cases"]} == asked
    rows_30 = {c["case"]: c["rows"] for c in own if "rows" in c}
    rows_60 = {c["case"]: c["rows"] for c in measured}
    assert {c["case"]: c["rows"] for c in growth["cases"]} == {
        case: {"reference": rows_30[case], "store": rows_60[case]} for case in asked
    }
    assert all(len(c["seconds"]["samples"]) == len(c["reference_seconds"]["samples"]) == 2
               for c in growth["cases"])  # fmt: skip
    assert "growth" not in results["sizes"]["30"]["stages"]["queries"]

    markdown = (out / "BENCHMARKS.md").read_text(encoding="utf-8")
    for heading in ("## Machine", "## Parse", "## Ingest", "## Named queries", "## Scaling"):
        assert heading in markdown
    assert "`partners_of[hub]`" in markdown
    # The host probe is taken at the start and end of each size's run.
    probes = [results["sizes"][s]["machine"] for s in ("30", "60")]
    assert all(0 < m["probe_seconds"] < 60 and 0 < m["probe_seconds_end"] < 60 for m in probes)
    assert re.search(r"\| 30: [0-9.]+ ms → [0-9.]+ ms; 60: [0-9.]+ ms → [0-9.]+ ms \|", markdown)
    assert "### Growth: the same cases at 30 and 60 records, interleaved" in markdown
    assert (out / "scaling.png").read_bytes().startswith(b"\x89PNG")
    # --quick writes only under --out: the repository's report is left alone.
    assert (root_report.read_bytes() if root_report.exists() else None) == before


def test_other_stages_are_called_with_their_arguments_bound_by_name(
    bench, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "stage_for_test.py").write_text(
        "def run(store_path, out, records, seed=0):\n"
        "    return {'store': store_path, 'out': str(out), 'records': records, 'seed': seed}\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    context = {"store_path": "/s", "out": str(tmp_path / "o"), "records": 12, "seed": 3}
    measured = bench.extras.call_run("stage_for_test", context)
    assert measured["result"] == {
        "store": "/s",
        "out": str(tmp_path / "o"),
        "records": 12,
        "seed": 3,
    }
    assert measured["seconds"] >= 0
    assert not bench.extras.available("bench.bench_no_such_stage")


def test_report_renders_a_stage_that_is_not_available(bench) -> None:
    results = {"sizes": {"10": {
        "records": 10, "seed": 1, "command": "python -m bench", "machine": {
            "cpu": "x", "logical_cores": 2, "physical_cores": 2, "ram_gib": 1, "os": "Linux",
            "python": "3", "packages": {}, "commit": None, "uncommitted_changes": None,
            "load_average": [1.0]},
        "stages": {"remote": {"status": "not available", "detail": "bench.bench_remote does not exist yet"}},
    }}}  # fmt: skip
    text = bench.report.markdown(results, plot_link=None)
    assert "**10 records**: not available — bench.bench_remote does not exist yet" in text


def _sized(records: int, cases: list[tuple[str, dict, int, float]]) -> dict:
    machine = {"cpu": "x", "logical_cores": 2, "physical_cores": 2, "ram_gib": 1, "os": "Linux",
               "python": "3", "packages": {}, "commit": None, "uncommitted_changes": None}  # fmt: skip
    return {"records": records, "seed": 1, "command": "python -m bench", "machine": machine,
            "stages": {"queries": {"rdflib": {}, "cases": [
                {"case": c, "query": c.split("[")[0], "params": p, "rows": r,
                 "seconds": {"median": t}} for c, p, r, t in cases]}}}  # fmt: skip


def test_growth_check_sums_only_the_cases_asked_the_same_question(bench) -> None:
    small = _sized(
        12000,
        [("themes", {}, 48, 0.02), ("co_partners[hub]", {"collectivity": "Paris"}, 3047, 0.5)],
    )
    large = _sized(50000, [("themes", {}, 48, 0.09), ("co_partners[hub]", {"collectivity": "Commune de Paris"}, 21951, 8.6)])  # fmt: skip
    [(name, factor, ok)] = bench.report.linear_check({"sizes": {"12000": small, "50000": large}})
    assert name.startswith("named queries with the same parameters at both sizes (1 cases")
    assert "co_partners[hub] 3,047 → 21,951 rows: 500 ms → 8.60 s" in name
    assert (factor, ok) == ("4.50×", True)

    large = _sized(50000, [("themes", {}, 48, 0.09), ("co_partners[hub]", {"collectivity": "Paris"}, 12000, 8.6)])  # fmt: skip
    [(name, factor, ok)] = bench.report.linear_check({"sizes": {"12000": small, "50000": large}})
    assert name.startswith("named queries with the same parameters at both sizes (2 cases, sum")
    assert (factor, ok) == ("16.71×", False)


def test_query_targets_count_the_cases_over_250_ms_and_under_50_ms(bench) -> None:
    cases = [("a", {}, 1, 0.010), ("b", {}, 1, 0.030), ("c", {}, 1, 0.049), ("d", {}, 1, 0.050),
             ("e", {}, 1, 0.300), ("f", {}, 1, 0.100)]  # fmt: skip
    rows = {name: (value, ok) for name, value, ok in bench.report.targets(_sized(12000, cases))}
    assert rows["every named query under 250 ms median"] == (
        "slowest: e 300 ms; 1 of 6 over",
        False,
    )
    # 3 of 6 is not most: 50 ms itself is not under it.
    assert rows["most named queries under 50 ms median"] == (
        "3 of 6 (median of these 30.0 ms)",
        False,
    )
    rows = dict((n, ok) for n, _, ok in bench.report.targets(_sized(12000, cases[:5])))
    assert rows["most named queries under 50 ms median"] is True


def test_query_targets_name_the_cases_bound_by_their_output(bench) -> None:
    entry = _sized(12000, [("a", {}, 9, 0.900), ("b", {}, 9, 0.300), ("c", {}, 1, 0.010)])
    a, b, _ = entry["stages"]["queries"]["cases"]
    a["floor"] = {
        "seconds": {"median": 0.400},
        "rows_match": True,
        "columns_alone": {"seconds": {"median": 0.280}, "cells_match": True},
    }
    b["floor"] = {"seconds": {"median": 0.100}, "rows_match": True}  # under 250 ms: not named
    rows = {name: value for name, value, _ in bench.report.targets(entry)}
    assert rows["every named query under 250 ms median"] == (
        "slowest: a 900 ms; 2 of 3 over, 1 of them over it in their output floor alone "
        "(a: columns alone 280 ms)"
    )  # fmt: skip


def test_growth_check_prefers_the_interleaved_measure(bench) -> None:
    small = _sized(12000, [("themes", {}, 48, 0.02)])
    large = _sized(50000, [("themes", {}, 48, 0.50)])  # a slower host: 25×
    large["stages"]["queries"]["growth"] = {"reference_records": 12000, "runs": 3, "cases": [
        {"case": "themes", "params": {}, "rows": {"reference": 48, "store": 48},
         "reference_seconds": {"median": 0.03}, "seconds": {"median": 0.09}},
        {"case": "records", "params": {}, "rows": {"reference": 12000, "store": 50000},
         "reference_seconds": {"median": 0.20}, "seconds": {"median": 1.00}},
    ]}  # fmt: skip
    [(name, factor, ok)] = bench.report.linear_check({"sizes": {"12000": small, "50000": large}})
    assert name.startswith("named queries, 2 cases with the same parameters run on both stores")
    assert (factor, ok) == ("4.74×", True)  # (0.09 + 1.00) / (0.03 + 0.20)

    # Interleaved against another reference size: not the 12,000-record check.
    large["stages"]["queries"]["growth"]["reference_records"] = 4000
    [(name, factor, ok)] = bench.report.linear_check({"sizes": {"12000": small, "50000": large}})
    assert name.startswith("named queries with the same parameters at both sizes")
    assert (factor, ok) == ("25.00×", False)


def test_remote_stage_queries_both_stores_on_the_same_derived_graphs(bench, tmp_path: Path) -> None:
    # The record graphs alone are not what ingest leaves: funding_by_funder and
    # post_contacts read graph/entities, and found nothing before it was derived here.
    import bench.bench_remote
    from atlas_kg import synth

    result = bench.bench_remote.run(list(synth.generate(40, 3)), tmp_path, repeat=1)
    queries = result["queries"]
    assert all(q["rows"] == q["server_rows"] for q in queries.values()), queries
    assert queries["funding_by_funder"]["rows"] > 40 and queries["post_contacts"]["rows"] > 0
    assert (tmp_path / "remote.json").exists()


def test_merging_a_partial_run_dates_each_kept_stage_by_the_run_that_measured_it(bench) -> None:
    def run(date: str, stages: list[str]) -> dict:
        return {"records": 10, "seed": 1, "date": date, "command": f"bench --stages {','.join(stages)}",
                "machine": {"commit": "abc1234", "uncommitted_changes": date == "07:00",
                            **({"probe_seconds": 0.1, "probe_seconds_end": 0.13} if date == "09:00" else {})},
                "stages": {s: {"measured": date} for s in stages}}  # fmt: skip

    results: dict = {"sizes": {}}
    bench.report.merge(results, run("07:00", ["parse", "ingest", "queries", "network"]))
    bench.report.merge(results, run("09:00", ["ingest", "queries"]))
    bench.report.merge(results, run("10:00", ["network"]))
    entry = results["sizes"]["10"]
    assert {s: v["measured"] for s, v in entry["stages"].items()} == {
        "parse": "07:00", "ingest": "09:00", "queries": "09:00", "network": "10:00"
    }  # fmt: skip
    assert {s: x["date"] for s, x in entry["earlier_stages"].items()} == {
        "parse": "07:00", "ingest": "09:00", "queries": "09:00"
    }  # fmt: skip
    assert entry["earlier_stages"]["ingest"]["command"] == "bench --stages ingest,queries"
    assert entry["earlier_stages"]["ingest"]["code"] == "abc1234"
    assert entry["earlier_stages"]["parse"]["code"] == "abc1234 + uncommitted changes"
    # The host probe of the run that measured a kept stage, when that run took one.
    assert entry["earlier_stages"]["ingest"]["probe"] == "100 ms → 130 ms"
    assert entry["earlier_stages"]["parse"]["probe"] is None
