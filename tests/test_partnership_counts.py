"""graph/counts: the partnerships counted per country and per post at ingest
(``rdf.refresh_counts``), checked against counts made here, in Python, from the quads of
the record graphs; and the queries that read them. Real Oxigraph stores on disk."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest
from graph_helpers import full_record, shacl_conforms
from pyoxigraph import Literal, NamedNode, Quad

from atlas_kg import synth
from atlas_kg.errors import QueryError
from atlas_kg.ingest import drop, ingest_records
from atlas_kg.iris import partnership_count_iri
from atlas_kg.queries import run_query
from atlas_kg.record import DiplomaticPost, ForeignPartner
from atlas_kg.store import EmbeddedStore, open_store

ID = "https://w3id.org/atlas-kg/id/"
DEF = "https://w3id.org/atlas-kg/def#"
COUNTS = ID + "graph/counts"
TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"

# (country, post) → (partnerships, foreign collectivities or None); either may be None.
Counts = dict[tuple[str | None, str | None], tuple[int, int | None]]


def _expected(store: EmbeddedStore) -> Counts:
    """The counts, from the record graphs' quads: a partnership counts in each of its
    countries (``akg:country``) and for each post following it (``akg:post``); a country's
    foreign collectivities are its collectivities named as foreign partners."""
    partnerships: set[str] = set()
    countries: dict[str, set[str]] = defaultdict(set)
    posts: dict[str, set[str]] = defaultdict(set)
    partners: set[tuple[str, str]] = set()  # (graph, foreign partner)
    located: dict[tuple[str, str], str] = {}  # (graph, collectivity) → country
    for q in store.quads():
        if not q.graph_name.value.startswith(ID + "graph/partnership/"):
            continue
        g, s, p, o = q.graph_name.value, q.subject.value, q.predicate.value, q.object.value
        if p == TYPE and o == DEF + "Partnership":
            partnerships.add(s)
        elif p == DEF + "country":
            countries[s].add(o)
            located[(g, s)] = o
        elif p == DEF + "post":
            posts[s].add(o)
        elif p == DEF + "foreignPartner":
            partners.add((g, o))
    by: dict[tuple[str | None, str | None], set[str]] = defaultdict(set)
    for partnership in partnerships:
        for country in countries[partnership]:
            by[(country, None)].add(partnership)
            for post in posts[partnership]:
                by[(country, post)].add(partnership)
        for post in posts[partnership]:
            by[(None, post)].add(partnership)
    collectivities: dict[str, set[str]] = defaultdict(set)
    for g, collectivity in partners:
        if (g, collectivity) in located:
            collectivities[located[(g, collectivity)]].add(collectivity)
    return {
        (country, post): (
            len(members),
            len(collectivities[country]) if country and not post else None,
        )
        for (country, post), members in by.items()
    }


def _stored(store: EmbeddedStore) -> Counts:
    """The counts of graph/counts, read back quad by quad."""
    nodes: dict[str, dict[str, str]] = defaultdict(dict)
    for q in store.quads(COUNTS):
        if q.subject.value != COUNTS and q.predicate.value != LABEL:
            nodes[q.subject.value][q.predicate.value.rsplit("#", 1)[-1]] = q.object.value
    out: Counts = {}
    for iri, node in nodes.items():
        assert node.pop("type") == DEF + "PartnershipCount"
        key = (node.get("countCountry"), node.get("countPost"))
        assert iri == partnership_count_iri(" ".join(k or "" for k in key))
        collectivities = node.get("foreignCollectivityCount")
        out[key] = (int(node["partnershipCount"]), int(collectivities) if collectivities else None)
    return out


def test_the_counts_of_a_synthetic_atlas_are_those_of_its_records(tmp_path: Path) -> None:
    store = open_store(tmp_path / "kg")
    # Beside the synthetic records: one without a post, one whose only foreign partner has
    # a country the store does not know (no country), one with two countries.
    unfollowed = full_record(atlas_id=999997, diplomatic_posts=[])
    nowhere = full_record(atlas_id=999998, foreign_partners=[ForeignPartner("Xanadu", "Atlantide")])
    two = full_record(atlas_id=999999, foreign_partners=[
        ForeignPartner("Commune de Thiès", "Sénégal"), ForeignPartner("Commune de Kayes", "Mali"),
    ])  # fmt: skip
    ingest_records(store, [*synth.generate(150, 5), unfollowed, nowhere, two])
    stored, expected = _stored(store), _expected(store)
    assert stored == expected
    assert sum(1 for c, p in stored if c and not p) > 10 and sum(1 for c, p in stored if not c) > 5
    assert sum(1 for c, p in stored if c and p) > 10

    # A partnership's countries are those of its foreign partners: the number of
    # partnerships a country's collectivities take part in is the country's count.
    taking_part: dict[str, set[str]] = defaultdict(set)
    named = {(q.subject.value, q.object.value) for q in store.quads() if q.predicate.value == DEF + "foreignPartner"}  # fmt: skip
    country_of = {q.subject.value: q.object.value for q in store.quads() if q.predicate.value == DEF + "country"}  # fmt: skip
    for partnership, collectivity in named:
        if collectivity in country_of:
            taking_part[country_of[collectivity]].add(partnership)

    # The queries read them, with labels, largest first.
    rows = run_query(store, "partnerships_by_country").rows
    assert (
        {r["country"]: r["partnerships"] for r in rows}
        == {c: n for (c, p), (n, _) in expected.items() if c and not p}
        == {c: len(ps) for c, ps in taking_part.items()}
    )
    assert all(r["country_label"] for r in rows)
    assert [r["partnerships"] for r in rows] == sorted(
        (r["partnerships"] for r in rows), reverse=True
    )
    rows = run_query(store, "collectivities_by_country").rows
    assert {r["country"]: (r["collectivities"], r["partnerships"]) for r in rows} == {
        c: (k, n) for (c, p), (n, k) in expected.items() if c and not p
    }
    senegal = run_query(store, "collectivities_by_country", {"country": "SN"}).rows
    assert [r["country"] for r in senegal] == [ID + "country/sn"]
    labels = {r["country"]: r["country_label"] for r in run_query(store, "partnerships_by_country").rows}  # fmt: skip
    posts = run_query(store, "posts").rows
    assert {r["post"]: r["partnerships"] for r in posts} == {
        p: n for (c, p), (n, _) in expected.items() if p and not c
    }
    for r in posts:
        followed = sorted(labels[c] for c, p in expected if c and p == r["post"])
        assert sorted(filter(None, r["countries"].split(" ; "))) == followed
    assert all(r["post_label"] for r in posts)


def test_the_counts_follow_replaced_and_dropped_records(tmp_path: Path) -> None:
    store = open_store(tmp_path / "kg")
    ingest_records(store, [full_record(atlas_id=1), full_record(atlas_id=2)])
    own = {q.predicate.value.rsplit("#", 1)[-1]: q.object.value
           for q in store.quads(COUNTS) if q.subject.value == COUNTS}  # fmt: skip
    assert own["type"] == DEF + "CountGraph" and len(own["contentHash"]) == 64
    dakar = ID + "post/ambassade-de-france-a-dakar"
    senegal = ID + "country/sn"
    assert _stored(store) == _expected(store) == {
        (senegal, None): (2, 1), (None, dakar): (2, None), (senegal, dakar): (2, None),
    }  # fmt: skip

    # Record 2 moves to Mali, followed from Bamako: the counts follow.
    bamako = ID + "post/ambassade-de-france-a-bamako"
    ingest_records(store, [full_record(
        atlas_id=2, foreign_partners=[ForeignPartner("Commune de Kayes", "Mali")],
        diplomatic_posts=[DiplomaticPost("Ambassade de France à Bamako")],
    )])  # fmt: skip
    mali = ID + "country/ml"
    assert _stored(store) == _expected(store) == {
        (senegal, None): (1, 1), (None, dakar): (1, None), (senegal, dakar): (1, None),
        (mali, None): (1, 1), (None, bamako): (1, None), (mali, bamako): (1, None),
    }  # fmt: skip

    # Dropping record 1 takes its counts out; dropping the last record, the graph.
    drop(store, "1")
    assert set(_stored(store)) == {(mali, None), (None, bamako), (mali, bamako)}
    drop(store, "2")
    assert COUNTS not in store.graph_iris()
    for name in ("partnerships_by_country", "collectivities_by_country", "posts"):
        assert run_query(store, name).rows == []


def test_each_count_is_named_in_french_and_english_and_conforms(tmp_path: Path) -> None:
    store = open_store(tmp_path / "kg")
    ingest_records(store, [full_record(atlas_id=1)])
    labels: dict[str, set[tuple[str | None, str]]] = defaultdict(set)
    for q in store.quads(COUNTS):
        if q.predicate.value == LABEL:
            labels[q.subject.value].add((q.object.language, q.object.value))
    senegal, dakar = ID + "country/sn", ID + "post/ambassade-de-france-a-dakar"
    assert labels == {
        partnership_count_iri(f"{senegal} "): {
            ("fr", "Partenariats – Sénégal"), ("en", "Partnerships – Senegal"),
        },
        partnership_count_iri(f" {dakar}"): {
            ("fr", "Partenariats suivis – Ambassade de France à Dakar"),
            ("en", "Partnerships followed – Ambassade de France à Dakar"),
        },
        partnership_count_iri(f"{senegal} {dakar}"): {
            ("fr", "Partenariats suivis – Ambassade de France à Dakar, Sénégal"),
            ("en", "Partnerships followed – Ambassade de France à Dakar, Senegal"),
        },
    }  # fmt: skip
    quads = list(store.quads(COUNTS))
    conforms, text = shacl_conforms(quads)
    assert conforms, text
    # The shapes catch a count of nothing, foreign collectivities counted for a post, and a
    # count that is not a positive integer.
    country_count = NamedNode(partnership_count_iri(f"{senegal} "))
    post_count = NamedNode(partnership_count_iri(f" {dakar}"))
    integer = NamedNode("http://www.w3.org/2001/XMLSchema#integer")
    collectivities = NamedNode(DEF + "foreignCollectivityCount")
    bad = [
        ("OrConstraint", [
            q for q in quads if not (q.subject == country_count and "#count" in q.predicate.value)
        ]),
        ("OrConstraint", [*quads, Quad(post_count, collectivities, Literal("1", datatype=integer))]),
        ("MinInclusiveConstraint", [
            q if q.predicate.value != DEF + "partnershipCount" or q.subject != post_count
            else Quad(q.subject, q.predicate, Literal("0", datatype=integer), q.graph_name)
            for q in quads
        ]),
    ]  # fmt: skip
    for constraint, data in bad:
        conforms, text = shacl_conforms(data)
        assert not conforms and constraint in text, text


def test_the_count_queries_say_when_the_store_lacks_the_graph(tmp_path: Path) -> None:
    # A store written before graph/counts existed: the queries that read it say so, and
    # the same ingest again adds it without writing a record.
    store = open_store(tmp_path / "kg")
    records = [full_record(atlas_id=1), full_record(atlas_id=2)]
    ingest_records(store, records)
    before = _stored(store)
    assert store.drop_record(COUNTS)
    for name in ("partnerships_by_country", "collectivities_by_country", "posts"):
        with pytest.raises(QueryError) as exc:
            run_query(store, name)
        assert str(exc.value) == (
            f"query '{name}': this query reads graph/counts, which this store lacks: it was "
            "written by an earlier version of atlas-kg. Run the same `atlas-kg ingest` again: "
            "it writes no record and adds the graph"
        )
    assert ingest_records(store, records).written == []
    assert _stored(store) == before and run_query(store, "posts").rows


def test_partnerships_without_country_or_post_have_no_counts_and_no_error(tmp_path: Path) -> None:
    # Nothing to count is not a store written before graph/counts existed.
    store = open_store(tmp_path / "kg")
    nowhere = [ForeignPartner("Xanadu", "Atlantide")]
    ingest_records(store, [full_record(atlas_id=1, foreign_partners=nowhere, diplomatic_posts=[])])
    assert COUNTS not in store.graph_iris()
    for name in ("partnerships_by_country", "collectivities_by_country", "posts"):
        assert run_query(store, name).rows == []
