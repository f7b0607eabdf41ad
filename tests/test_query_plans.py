"""The plans Oxigraph makes for the named queries (``bench.plans``: ``oxigraph query --explain``).

Speed is measured by ``make bench``, not here; these tests pin the properties the speed of
some queries rests on, which a planner upgrade or an edited query could silently lose. For
``partnerships``: with a filter, the plan starts from the filters that were given, and every
OPTIONAL column is a lookup per row (``ForLoopLeftJoin``), not a pass over the whole store
joined by hashing; without one (``queries/unfiltered/partnerships.rq``), the other way
round. ``post_contacts`` reads the entity graph; ``co_partners`` and ``posts`` name their
rows after grouping them, and ``posts`` reads the counts made at ingest.
"""

from __future__ import annotations

import itertools
import re

import pytest

from bench.common import oxigraph_command
from bench.plans import plan

pytestmark = pytest.mark.skipif(
    oxigraph_command() is None,
    reason="the `oxigraph` command is absent: pip install oxigraph (test extra)",
)

PARTNERSHIP_FILTERS = ["country", "theme", "status", "collectivity"]


def _combinations() -> list[tuple[str, ...]]:
    return [
        c for n in range(len(PARTNERSHIP_FILTERS) + 1)
        for c in itertools.combinations(PARTNERSHIP_FILTERS, n)
    ]  # fmt: skip


@pytest.mark.parametrize("given", [c for c in _combinations() if c], ids=",".join)
def test_partnerships_columns_are_lookups_for_every_filter_combination(
    given: tuple[str, ...],
) -> None:
    lines = plan("partnerships", list(given))
    hashed = [line.strip() for line in lines if "LeftJoin(HashBuild" in line]
    assert not hashed, "\n".join(lines)
    # Seven OPTIONAL columns, two of them with a nested OPTIONAL (status and country labels).
    assert sum("ForLoopLeftJoin" in line for line in lines) == 9


def test_partnerships_without_filters_reads_each_column_in_one_pass() -> None:
    lines = [line.strip() for line in plan("partnerships", [])]
    text = "\n".join(lines)
    assert not any("ForLoopLeftJoin" in line for line in lines), text
    # Seven OPTIONAL columns and the two nested ones (status and country labels), hashed.
    assert sum("LeftJoin(HashBuild" in line for line in lines) == 9, text
    # The one lookup per row left: the label of each of the 250 countries, once.
    at = lines.index("Lateral")
    assert lines[at + 1 : at + 3] == [
        "QuadPattern(?country rdf:type akg:Country)",
        "QuadPattern(?country rdfs:label ?country_label)",
    ], text
    assert lines.count("Lateral") == 1, text
    # Thirteen patterns, none read twice: each a scan, but for the countries' labels above.
    patterns = [line for line in lines if line.startswith("QuadPattern")]
    assert len(patterns) == len(set(patterns)) == 13, text


@pytest.mark.parametrize("given", [c for c in _combinations() if c], ids=",".join)
def test_partnerships_start_from_the_first_filter_given(given: tuple[str, ...]) -> None:
    lines = plan("partnerships", list(given))
    # Children are listed in the order they run: the first pattern listed is read first.
    first = next(line for line in lines if line.strip().startswith("QuadPattern"))
    assert re.search(rf"akg:searchKey \?_{given[0]}\b", first), "\n".join(lines)


@pytest.mark.parametrize("given", [(), ("post",)], ids=["all posts", "one post"])
def test_post_contacts_reads_the_entity_graph_not_the_record_graphs(given: tuple) -> None:
    lines = plan("post_contacts", list(given))
    patterns = [line.strip() for line in lines if line.strip().startswith(("QuadPattern", "Path"))]
    # Posts and people in graph/entities (found by its type, the graph variable ?e); in the
    # union only the post's search key and its country's label, never a record graph's copy.
    union = [p for p in patterns if not p.endswith(" ?e)")]
    assert union == [p for p in union if re.search(r"akg:searchKey|rdfs:label \?country_label", p)]
    assert len(patterns) - len(union) >= 8, "\n".join(lines)
    assert not any("?g" in p for p in patterns), "\n".join(lines)


def test_co_partners_names_each_co_partner_once_after_grouping_its_paths() -> None:
    lines = [line.strip() for line in plan("co_partners", ["collectivity"])]
    text = "\n".join(lines)
    # The name and country are two lookups per co-partner in graph/entities (?e), made on
    # the grouped rows: the grouping of the paths is below both lookups in the plan.
    lookups = [i for i, line in enumerate(lines) if line.startswith("ForLoopLeftJoin")]
    assert len(lookups) == 2, text
    paths = next(i for i, line in enumerate(lines) if "COUNT(DISTINCT ?shared)" in line)
    name = lines.index("QuadPattern(?co_partner rdfs:label ?label ?e)")
    country = lines.index("QuadPattern(?co_partner akg:country ?country ?e)")
    assert max(lookups) < paths < name < country, text
    # No pattern reads a co-partner's description in the record graphs.
    assert not [line for line in lines if re.match(r"QuadPattern\(\?co_partner .* \?g", line)], text


def test_posts_reads_the_counts_and_names_each_post_once_after_grouping() -> None:
    lines = [line.strip() for line in plan("posts", [])]
    text = "\n".join(lines)
    # The counts made at ingest (graph/counts), not the partnerships' own links.
    assert not [line for line in lines if re.match(r"QuadPattern\(\S+ akg:(post|country) ", line)]
    # Each property of the counts is a scan of its own, joined by hashing: a pattern of two
    # (a Lateral) is one lookup per count.
    counts = [
        i for i, line in enumerate(lines) if re.search(r" akg:(count|partnershipCount)", line)
    ]
    assert len(counts) == 5 and all(lines[i - 1].startswith("Project(") for i in counts), text
    # The label: one lookup per post in graph/entities, after grouping the countries.
    lookup = lines.index('ForLoopLeftJoin(expression = "true"^^xsd:boolean)')
    grouping = next(i for i, line in enumerate(lines) if "GROUP_CONCAT(DISTINCT" in line)
    assert lookup < grouping < lines.index("QuadPattern(?post rdfs:label ?label ?e)"), text
    assert not any(line.startswith("QuadPattern(?post rdfs:label") and not line.endswith("?e)")
                   for line in lines), text  # fmt: skip


def test_funding_by_funder_starts_from_the_year_and_names_each_row_by_a_lookup() -> None:
    lines = [line.strip() for line in plan("funding_by_funder", ["year"])]
    text = "\n".join(lines)
    # The year's totals first, then a lookup per total for each column: no scan of a
    # property over every total.
    seed = lines.index("QuadPattern(?total akg:totalYear ?_year)")
    assert lines[seed - 1] == "Project(?total, ?_year)" and lines[seed - 2] == "Lateral", text
    assert "Join(HashBuildLeftProbeRight, keys = ?total)" not in lines, text
    # The funder's labels: one lookup per row in graph/entities (?e), after the columns.
    lookup = lines.index('ForLoopLeftJoin(expression = "true"^^xsd:boolean)')
    assert lookup < seed < lines.index("QuadPattern(?funder rdfs:label ?label ?e)"), text
    # Without a year, the text for the whole store: a scan per property, joined by hashing.
    whole = plan("funding_by_funder", [])
    assert "Join(HashBuildLeftProbeRight, keys = ?total)" in [line.strip() for line in whole]
