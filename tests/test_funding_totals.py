"""graph/funding: the funding rows summed per funder and year and per country at ingest
(``rdf.refresh_funding``), checked against sums computed here, in Python, from the rows
of the record graphs; and the funding queries that read it. Real Oxigraph stores on disk."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from graph_helpers import full_record, shacl_conforms
from pyoxigraph import Literal, NamedNode, Quad

from atlas_kg import synth
from atlas_kg.cli import main
from atlas_kg.errors import QueryError
from atlas_kg.ingest import drop, ingest_records
from atlas_kg.queries import run_query
from atlas_kg.record import Funding
from atlas_kg.store import EmbeddedStore, open_store

ID = "https://w3id.org/atlas-kg/id/"
DEF = "https://w3id.org/atlas-kg/def#"
FUNDING = ID + "graph/funding"

Totals = dict[tuple[str, str | None], tuple[Decimal, int]]


def _expected(store: EmbeddedStore) -> tuple[Totals, Totals]:
    """Sums per (funder, year) and per (country, None), from the record graphs' quads."""
    funding: dict[str, str] = {}  # row → partnership
    amount: dict[str, Decimal] = {}
    funder: dict[str, str] = {}
    year: dict[str, str] = {}
    countries: dict[str, set[str]] = defaultdict(set)
    for q in store.quads():
        if q.graph_name.value == FUNDING:
            continue
        p, s, o = q.predicate.value, q.subject.value, q.object.value
        if p == DEF + "funding":
            funding[o] = s
        elif p == DEF + "amount":
            amount[s] = Decimal(o)
        elif p == "https://schema.org/funder":
            funder[s] = o
        elif p == DEF + "year":
            year[s] = o
        elif p == DEF + "country":
            countries[s].add(o)
    by_funder: dict[tuple[str, str | None], list] = defaultdict(lambda: [Decimal(0), set()])
    per_partnership: dict[str, Decimal] = defaultdict(Decimal)
    for row, partnership in funding.items():
        if row not in amount or row not in funder:
            continue
        total = by_funder[(funder[row], year.get(row))]
        total[0] += amount[row]
        total[1].add(partnership)
        per_partnership[partnership] += amount[row]
    by_country: dict[tuple[str, str | None], list] = defaultdict(lambda: [Decimal(0), 0])
    for partnership, subtotal in per_partnership.items():
        for country in countries[partnership]:
            by_country[(country, None)][0] += subtotal
            by_country[(country, None)][1] += 1
    return (
        {k: (v[0], len(v[1])) for k, v in by_funder.items()},
        {k: (v[0], v[1]) for k, v in by_country.items()},
    )


def _stored(store: EmbeddedStore) -> tuple[Totals, Totals]:
    """The totals of graph/funding, read back quad by quad."""
    nodes: dict[str, dict[str, str]] = defaultdict(dict)
    for q in store.quads(FUNDING):
        if q.subject.value != FUNDING:
            nodes[q.subject.value][q.predicate.value.rsplit("#", 1)[-1]] = q.object.value
    by_funder: Totals = {}
    by_country: Totals = {}
    for node in nodes.values():
        assert node["type"] == DEF + "FundingTotal"
        value = (Decimal(node["totalAmount"]), int(node["fundedPartnerships"]))
        if "totalFunder" in node:
            by_funder[(node["totalFunder"], node.get("totalYear"))] = value
        else:
            by_country[(node["totalCountry"], None)] = value
    return by_funder, by_country


def test_the_totals_of_a_synthetic_atlas_are_the_sums_of_its_rows(tmp_path: Path) -> None:
    store = open_store(tmp_path / "kg")
    undated = full_record(atlas_id=999999, funding=[Funding("Agence de l'eau", 500)])
    ingest_records(store, [*synth.generate(150, 3), undated])
    by_funder, by_country = _stored(store)
    expected_funder, expected_country = _expected(store)
    assert by_funder == expected_funder and by_country == expected_country
    assert len(by_funder) > 100 and len(by_country) > 10
    assert any(year is None for _, year in by_funder)  # undated rows have their own total

    # The queries read them, with labels, largest first (amounts as floats: their
    # shortest repr is the decimal written).
    rows = run_query(store, "funding_by_funder").rows
    assert {(r["funder"], str(r["year"]) if r["year"] is not None else None):
            (Decimal(str(r["amount_eur"])), r["partnerships"]) for r in rows} == expected_funder  # fmt: skip
    assert all(r["funder_label"] for r in rows)
    assert [r["amount_eur"] for r in rows] == sorted((r["amount_eur"] for r in rows), reverse=True)
    year = next(str(y) for _, y in expected_funder if y is not None)
    dated = run_query(store, "funding_by_funder", {"year": year}).rows
    assert {(r["funder"], str(r["year"])) for r in dated} == {
        k for k in expected_funder if k[1] == year
    }
    countries = run_query(store, "funding_by_country").rows
    by_country = {
        (r["country"], None): (Decimal(str(r["amount_eur"])), r["partnerships"]) for r in countries
    }
    assert by_country == expected_country
    assert all(r["country_label"] for r in countries)


def test_the_totals_follow_replaced_and_dropped_records(tmp_path: Path) -> None:
    store = open_store(tmp_path / "kg")
    ingest_records(store, [full_record(atlas_id=1), full_record(atlas_id=2)])
    own = [q for q in store.quads(FUNDING) if q.subject.value == FUNDING]
    kinds = {q.predicate.value.rsplit("#", 1)[-1]: q.object.value for q in own}
    assert kinds["type"] == DEF + "FundingGraph" and len(kinds["contentHash"]) == 64
    assert _stored(store) == _expected(store)
    conforms, text = shacl_conforms(store.quads(FUNDING))
    assert conforms, text
    # The shapes do catch a total summing a funder and a country at once.
    total = next(
        q.subject for q in store.quads(FUNDING) if q.predicate.value.endswith("totalFunder")
    )
    country = Quad(total, NamedNode(DEF + "totalCountry"), NamedNode(ID + "country/sn"))
    conforms, text = shacl_conforms([*store.quads(FUNDING), country])
    assert not conforms and "XoneConstraint" in text, text

    # Record 2's funding changes: the totals follow.
    rows = [
        Funding("Agence de l'eau", 1234.5, year=2030),
        Funding("Région Bretagne", 10, year=2031),
    ]
    ingest_records(store, [full_record(atlas_id=2, funding=rows)])
    by_funder, _ = _stored(store)
    assert by_funder == _expected(store)[0]
    assert by_funder[(ID + "funder/agence-de-l-eau", "2030")] == (Decimal("1234.5"), 1)

    # Dropping record 1 takes its rows out; dropping the last record, the graph.
    drop(store, "1")
    assert _stored(store) == _expected(store)
    drop(store, "2")
    assert FUNDING not in store.graph_iris()
    assert run_query(store, "funding_by_funder").rows == []


def test_each_total_is_named_in_french_and_english(tmp_path: Path) -> None:
    from atlas_kg.iris import funding_total_iri

    store = open_store(tmp_path / "kg")
    ingest_records(store, [
        full_record(atlas_id=1, funding=[Funding("Agence de l'eau", 1234.5, year=2030)]),
        full_record(atlas_id=2, funding=[Funding("Agence de l'eau", 500)]),
    ])  # fmt: skip
    labels: dict[str, set[tuple[str | None, str]]] = defaultdict(set)
    totals = set()
    for q in store.quads(FUNDING):
        if q.predicate.value == "http://www.w3.org/2000/01/rdf-schema#label":
            labels[q.subject.value].add((q.object.language, q.object.value))
        elif q.object.value == DEF + "FundingTotal":
            totals.add(q.subject.value)
    assert set(labels) == totals and len(totals) == 3  # funder and year, undated, country
    agency = ID + "funder/agence-de-l-eau"
    assert labels[funding_total_iri(f"{agency} 2030")] == {
        ("fr", "Financements – Agence de l'eau, 2030"),
        ("en", "Funding – Agence de l'eau, 2030"),
    }
    assert labels[funding_total_iri(f"{agency} ")] == {
        ("fr", "Financements – Agence de l'eau, sans année"),
        ("en", "Funding – Agence de l'eau, no year"),
    }
    assert labels[funding_total_iri(ID + "country/sn")] == {
        ("fr", "Financements des partenariats – Sénégal"),
        ("en", "Funding of partnerships – Senegal"),
    }
    conforms, text = shacl_conforms(store.quads(FUNDING))
    assert conforms, text
    # The shapes catch a name in a third language, or a second French one.
    total = NamedNode(funding_total_iri(ID + "country/sn"))
    label = NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
    for extra in (Literal("Finanzierung", language="de"), Literal("Autre nom", language="fr")):
        conforms, text = shacl_conforms([*store.quads(FUNDING), Quad(total, label, extra)])
        assert not conforms and "Result Path: rdfs:label" in text, text


def test_records_without_amounts_have_no_funding_graph(tmp_path: Path) -> None:
    store = open_store(tmp_path / "kg")
    ingest_records(store, [full_record(atlas_id=1, funding=[Funding("Agence de l'eau", None)])])
    assert FUNDING not in store.graph_iris()
    assert run_query(store, "funding_by_country").rows == []


def test_ingest_again_adds_the_graph_a_store_lacks(tmp_path: Path) -> None:
    # A store written before graph/funding existed: the same ingest again writes no record
    # but derives the graph (README, "atlas-kg ingest").
    store = open_store(tmp_path / "kg")
    records = [full_record(atlas_id=1), full_record(atlas_id=2)]
    ingest_records(store, records)
    before = _stored(store)
    assert store.drop_record(FUNDING)
    # Its funding queries say so rather than answer nothing, in the library and the CLI.
    message = (
        "query 'funding_by_country': this query reads graph/funding, which this store lacks: "
        "it was written by an earlier version of atlas-kg. Run the same `atlas-kg ingest` "
        "again: it writes no record and adds the graph"
    )
    store.close()
    cli = CliRunner().invoke(main, ["--store", str(tmp_path / "kg"), "query", "funding_by_country"])
    assert cli.exit_code == 1 and cli.output == f"Error: {message}\n", cli.output
    store = open_store(tmp_path / "kg")
    with pytest.raises(QueryError) as exc:
        run_query(store, "funding_by_country")
    assert str(exc.value) == message
    with pytest.raises(QueryError, match="'funding_by_funder': this query reads graph/funding"):
        run_query(store, "funding_by_funder", {"year": "2019"})
    assert ingest_records(store, records).written == []
    assert _stored(store) == before and run_query(store, "funding_by_country").rows
    # The same for graph/entities, which post_contacts reads.
    assert store.drop_record(ID + "graph/entities")
    with pytest.raises(QueryError, match="this query reads graph/entities, which this store"):
        run_query(store, "post_contacts")
    # No error where there is nothing to sum (test_records_without_amounts_have_no_funding_graph)
    # or nothing at all.
    assert run_query(open_store(tmp_path / "empty"), "funding_by_funder").rows == []


def test_validate_checks_the_funding_graph(tmp_path: Path) -> None:
    from atlas_kg.quality import validate

    store = open_store(tmp_path / "kg")
    ingest_records(store, [full_record(atlas_id=1), full_record(atlas_id=2)])
    good = validate(store, checks=[])  # SHACL only (full_record has faults for the checks)
    # Two record graphs, graph/funding and graph/counts (no merge across records: no
    # graph/resolution).
    assert good.shacl_conforms and good.ok and good.graphs_validated == 4, good.text()

    # A total that sums a funder and a country at once: an error focused on that total.
    total = next(
        q.subject for q in store.quads(FUNDING) if q.predicate.value.endswith("totalFunder")
    )
    g = NamedNode(FUNDING)
    store._store.add(Quad(total, NamedNode(DEF + "totalCountry"), NamedNode(ID + "country/sn"), g))
    bad = validate(store, checks=[])
    assert not bad.ok and bad.shacl_conforms is False
    assert [f.focus for f in bad.findings if f.check == "shacl"] == [total.value]
