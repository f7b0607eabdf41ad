"""The answers agree with the source: on 2,000 synthetic pages, the named queries' counts
per country, funder and theme equal those computed directly from truth.jsonl."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path

import pytest

from atlas_kg import countries
from atlas_kg.ingest import ingest
from atlas_kg.queries import list_checks, run_query
from atlas_kg.rdf import record_to_quads
from atlas_kg.record import Record
from atlas_kg.store import EmbeddedStore, open_store
from atlas_kg.synth import write_atlas
from atlas_kg.themes import taxonomy

pytestmark = pytest.mark.slow
N = 2000


@pytest.fixture(scope="module")
def atlas(tmp_path_factory: pytest.TempPathFactory) -> tuple[EmbeddedStore, list[Record]]:
    root = tmp_path_factory.mktemp("truth")
    write_atlas(root / "pages", N, seed=5, render="mixed")
    store = open_store(root / "kg")
    report = ingest(store, [root / "pages"])
    assert report.ok and len(report.written) == N, report.summary()
    with open(root / "pages" / "truth.jsonl", encoding="utf-8") as fh:
        truth = [Record.from_json(line) for line in fh]
    assert len(truth) == N
    return store, truth  # type: ignore[return-value]


def test_partnerships_per_country(atlas: tuple[EmbeddedStore, list[Record]]) -> None:
    store, truth = atlas
    expected: Counter[str] = Counter()
    for record in truth:
        found = {countries.lookup(p.country) for p in record.foreign_partners if p.country}
        expected.update(c.alpha2.lower() for c in found if c is not None)
    rows = run_query(store, "partnerships_by_country").rows
    got = {r["country"].rsplit("/", 1)[1]: r["partnerships"] for r in rows}
    assert got == dict(expected)
    assert len(got) > 50


def test_funding_per_funder_and_year(atlas: tuple[EmbeddedStore, list[Record]]) -> None:
    store, truth = atlas
    amounts: dict[tuple[str, int | None], Decimal] = defaultdict(Decimal)
    records: dict[tuple[str, int | None], set[int]] = defaultdict(set)
    for record in truth:
        # The funder's node as entity resolution names it (a partner, a known collectivity,
        # the ministry under any of its names): the rows' own mapping says which.
        funders = {
            q.subject.value.rsplit("/", 1)[1]: q.object.value
            for q in record_to_quads(record)
            if q.predicate.value == "https://schema.org/funder"
        }
        for index, row in enumerate(record.funding, start=1):
            if row.funder and row.amount_eur is not None:
                key = (funders[str(index)], row.year)
                amounts[key] += Decimal(str(row.amount_eur))
                records[key].add(record.source.atlas_id)  # type: ignore[arg-type]
    rows = run_query(store, "funding_by_funder").rows
    got = {
        (r["funder"], r["year"]): (Decimal(str(r["amount_eur"])), r["partnerships"]) for r in rows
    }
    expected = {k: (amounts[k], len(records[k])) for k in amounts}
    assert got == expected
    assert len(got) > 100


def test_partnerships_per_theme(atlas: tuple[EmbeddedStore, list[Record]]) -> None:
    store, truth = atlas
    tax = taxonomy()
    expected: Counter[str] = Counter()
    for record in truth:
        rows = (
            [(record.theme.theme, record.theme.subtheme, record.theme.subsubtheme)]
            if record.theme
            else []
        )
        rows += [(o.theme, o.subtheme, o.subsubtheme) for o in record.other_themes]
        named: set[str] = set()
        for row in rows:
            for level, label in enumerate(row, start=1):
                concept = tax.by_label(label, level) if label else None
                while concept is not None:  # a theme counts its narrower themes' records
                    named.add(concept.iri)
                    concept = tax.get(concept.parent) if concept.parent else None
        expected.update(named)
    rows = run_query(store, "themes").rows
    got = {r["theme"]: r["partnerships"] for r in rows if r["partnerships"]}
    assert got == dict(expected)
    assert {r["theme"] for r in rows} == {c.iri for c in tax.concepts()}


def test_checks_pass_on_synthetic_data(atlas: tuple[EmbeddedStore, list[Record]]) -> None:
    store, _ = atlas
    for check in list_checks():
        rows = run_query(store, check).rows
        assert rows == [], (check.name, json.dumps(rows[:3], ensure_ascii=False))


def test_named_queries_run_on_synthetic_data(atlas: tuple[EmbeddedStore, list[Record]]) -> None:
    store, truth = atlas
    busiest = Counter(f for r in truth for f in r.french_partners).most_common(1)[0][0]
    assert run_query(store, "partners_of", {"collectivity": busiest}).rows
    assert run_query(store, "collectivity", {"name": busiest}).rows[0]["partnerships"] >= 2
    assert run_query(store, "partnerships", {"country": "Mali"}, limit=5).rows
    assert run_query(store, "post_contacts", {}, limit=5).rows
    assert len(run_query(store, "records", {}).rows) == N
    assert Path(str(store.location)).is_dir()
