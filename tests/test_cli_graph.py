"""The graph commands through the real CLI (click's runner), on stores in tmp_path."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from graph_helpers import ROOT, full_record

from atlas_kg.cli import main

COMMANDS = ["ingest", "dump", "stats", "drop", "queries", "query"]


def run(*args: str) -> object:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.mark.parametrize("command", COMMANDS)
def test_each_command_has_help_and_is_in_the_readme(command: str) -> None:
    result = run(command, "--help")
    assert result.exit_code == 0
    assert "Example:" in result.output
    assert f"atlas-kg {command}" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_ingest_stats_query_drop_dump(tmp_path: Path, shared: Path) -> None:
    store = str(tmp_path / "kg")
    pages = tmp_path / "pages"
    pages.mkdir()
    shutil.copy(shared / "seeds" / "000_4d9583dcafd7f051.txt", pages / "prjId_12695.txt")
    records = tmp_path / "more.jsonl"
    records.write_text(full_record().to_json() + "\n", encoding="utf-8")

    result = run("--store", store, "ingest", str(pages), str(records))
    assert result.exit_code == 0, result.output
    assert "loaded 2 record(s): 2 new or changed" in result.output

    result = run("--store", store, "stats", "--format", "json")
    counts = {row["measure"]: row["count"] for row in json.loads(result.output)}
    assert counts["records"] == 2 and counts["akg:Partnership"] == 2

    result = run(
        "--store",
        store,
        "query",
        "partners_of",
        "-p",
        "collectivity",
        "MALAKOFF",
        "--format",
        "csv",
    )
    assert result.exit_code == 0
    assert result.output.splitlines()[1].endswith(",solidarité numérique avec Ngogom")

    result = run("--store", store, "query", "partnerships", "-p", "country", 'x" } ; DROP ALL ; #')
    assert result.exit_code == 0 and len(result.output.splitlines()) == 2  # header, rule

    result = run("--store", store, "drop", "12695", "404")
    assert result.exit_code == 1 and result.output == (
        "Error: no record '404' in the store "
        "(looked for the graph <https://w3id.org/atlas-kg/id/graph/partnership/404>)\n"
    )
    result = run("--store", store, "drop", "12695")
    assert result.exit_code == 0 and "graph/partnership/12695" in result.output
    result = run("--store", store, "drop", "12695")
    assert result.exit_code == 1 and "no record '12695'" in result.output
    result = run("--store", store, "drop")
    assert result.exit_code == 2 and "Missing argument 'RECORD_ID...'" in result.output

    out = tmp_path / "all.nq.gz"
    result = run("--store", store, "dump", "-o", str(out))
    assert result.exit_code == 0 and out.stat().st_size > 1000


def test_ingest_with_a_bad_page_exits_1_naming_it(tmp_path: Path, shared: Path) -> None:
    pages = tmp_path / "pages"
    pages.mkdir()
    shutil.copy(shared / "seeds" / "000_4d9583dcafd7f051.txt", pages / "prjId_12695.txt")
    (pages / "broken.txt").write_bytes(b"\x00\x01 not a page")
    result = run("--store", str(tmp_path / "kg"), "ingest", str(pages))
    assert result.exit_code == 1
    assert "loaded 1 record(s)" in result.output
    assert "broken.txt" in result.output.splitlines()[-1]
    assert "Traceback" not in result.output


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    store = str(tmp_path / "kg")
    assert run("--store", store, "stats").exit_code == 2  # no store yet
    result = run("--store", store, "ingest", "--base", "not-an-iri", str(tmp_path))
    assert result.exit_code == 2 and "--base" in result.output
    result = run("--store", store, "dump", "-o", str(tmp_path / "x.nq"), "--format", "xml")
    assert result.exit_code == 2


def test_queries_lists_names_params_and_columns() -> None:
    result = run("queries", "--format", "json")
    listed = {q["name"]: q for q in json.loads(result.output)}
    assert listed["partners_of"]["params"][0] == {
        "name": "collectivity",
        "type": "label",
        "required": True,
        "description": "the collectivity's name (any case, accents optional)",
    }
    table = run("queries").output
    assert "partnerships_by_country" in table and "-p collectivity LABEL" in table
    assert "checks/funding_without_amount_violation" in run("queries", "--checks").output


def test_query_errors_exit_1_with_the_reason(tmp_path: Path) -> None:
    store = str(tmp_path / "kg")
    run("--store", store, "ingest", str(ROOT / "tests" / "cases" / "queries" / "records.jsonl"))
    result = run("--store", store, "query", "partners_of")
    assert result.exit_code == 1 and "missing required parameter(s) collectivity" in result.output
    result = run("--store", store, "query", "nope")
    assert result.exit_code == 1 and "known queries" in result.output
