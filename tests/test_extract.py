"""``metrics.extract``, the input of every network and export: what it reads (entities in
graph/entities, funding summed by the store) checked against the same facts computed
here, in Python, from the quads of the record graphs. Real Oxigraph stores on disk."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from graph_helpers import full_record
from pyoxigraph import NamedNode

from atlas_kg import synth
from atlas_kg.cli import main
from atlas_kg.errors import StoreError
from atlas_kg.ingest import ingest_records
from atlas_kg.metrics import KINDS, Filters, extract
from atlas_kg.record import ForeignPartner, Funding
from atlas_kg.store import EmbeddedStore, open_store

ID = "https://w3id.org/atlas-kg/id/"
DEF = "https://w3id.org/atlas-kg/def#"
TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
SAME_AS = "http://www.w3.org/2002/07/owl#sameAs"
FUNDER = "https://schema.org/funder"
NOTATION = "http://www.w3.org/2004/02/skos/core#notation"


def _expected(store: EmbeddedStore) -> tuple[dict, dict]:
    """Partnerships (funding, funders, partners) and entities (kind, label, country), from
    the record graphs' quads: a funder's euros, rows and first year; an entity's most
    frequent spelling over the record graphs naming it (ties: not in capitals, then
    alphabetical), its smallest country and kind."""
    into: dict[str, str] = {}
    notation: dict[str, str] = {}
    facts: dict[str, dict[str, list[tuple[str, str]]]] = defaultdict(lambda: defaultdict(list))
    for q in store.quads():
        s, p, o, g = q.subject.value, q.predicate.value, q.object.value, q.graph_name.value
        if p == SAME_AS and g == ID + "graph/resolution":  # merges, not the countries' links
            into[s] = o
        elif p == NOTATION:
            notation[s] = o
        if g.startswith(ID + "graph/partnership/"):
            facts[s][p].append((o, g))

    def canonical(iri: str) -> str:
        while iri in into:
            iri = into[iri]
        return iri

    def one(s: str, p: str) -> str | None:
        return facts[s][p][0][0] if facts[s][p] else None

    partnerships = {}
    wanted: set[str] = set()
    for s, props in facts.items():
        if DEF + "Partnership" not in {o for o, _ in props[TYPE]}:
            continue
        euros, funders = Decimal(0), {}
        for row, _ in props[DEF + "funding"]:
            amount = Decimal(one(row, DEF + "amount") or 0)
            euros += amount
            if (funder := one(row, FUNDER)) is not None:
                share = funders.setdefault(canonical(funder), [Decimal(0), 0, math.inf])
                share[0] += amount
                share[1] += 1
                if (year := one(row, DEF + "year")) is not None:
                    share[2] = min(share[2], int(year))
        ends = {
            name: sorted({canonical(o) for o, _ in props[DEF + prop]})
            for name, prop in (("french", "frenchPartner"), ("foreign", "foreignPartner"),
                               ("posts", "post"), ("countries", "country"))
        }  # fmt: skip
        status = one(s, DEF + "status")
        partnerships[s] = {
            **ends,
            "funding": float(euros),
            "funders": {
                f: [float(e), n, y if y < math.inf else None] for f, (e, n, y) in funders.items()
            },  # fmt: skip
            "title": one(s, "http://purl.org/dc/terms/title"),
            "status": notation.get(status) if status else None,
        }
        wanted.update(ends["french"], ends["foreign"], ends["posts"], funders)
    entities = {}
    for e in wanted:
        classes = [KINDS[o] for o, _ in facts[e][TYPE] if o in KINDS]
        spellings = Counter(o for o, g in set(facts[e][LABEL]))
        label = min(spellings.items(), key=lambda kv: (-kv[1], kv[0].isupper(), kv[0]))[0]
        entities[e] = {
            "kind": min(classes, key=list(KINDS.values()).index),
            "label": label,
            "country": min((o for o, _ in facts[e][DEF + "country"]), default=None),
        }
    return partnerships, entities


def _extracted(store: EmbeddedStore) -> tuple[dict, dict]:
    data = extract(store)
    partnerships = {
        iri: {
            "french": p.french, "foreign": p.foreign, "posts": p.posts, "countries": p.countries,
            "funding": p.funding,
            "funders": {f: [e, n, None if math.isnan(y) else y] for f, (e, n, y) in p.funders.items()},
            "title": p.title, "status": p.status,
        }
        for iri, p in data.partnerships.items()
    }  # fmt: skip
    entities = {
        iri: {"kind": e.kind, "label": e.label, "country": e.country}
        for iri, e in data.entities.items()
        if e.kind != "country"
    }
    return partnerships, entities


def test_extract_reads_what_the_record_graphs_say(tmp_path: Path) -> None:
    store = open_store(tmp_path / "kg")
    # Beside the synthetic records: a foreign partner that also funds, spelled in capitals
    # in one record and not in another (one spelling per record: a tie, whatever its two
    # classes); a row without funder and one without amount.
    capitals = full_record(
        atlas_id=999998,
        foreign_partners=[ForeignPartner("COMMUNE DE NDIOUM", "Sénégal")],
        funding=[Funding("COMMUNE DE NDIOUM", 700, [], 2016), Funding(None, 300.25, [], 2017),
                 Funding("Agence de l'eau", None, [], 2015)],
    )  # fmt: skip
    lower = full_record(
        atlas_id=999999, foreign_partners=[ForeignPartner("Commune de Ndioum", "Sénégal")]
    )
    ingest_records(store, [*synth.generate(200, 3), capitals, lower])
    expected, extracted = _expected(store), _extracted(store)
    assert len(expected[0]) == 202 and len(expected[1]) > 300
    assert extracted[0] == expected[0]
    assert extracted[1] == expected[1]

    ndioum = ID + "collectivity/sn/commune-de-ndioum"
    assert extracted[1][ndioum] == {
        "kind": "foreign_collectivity", "label": "Commune de Ndioum", "country": ID + "country/sn",
    }  # fmt: skip
    funded = extracted[0][ID + "partnership/999998"]
    assert funded["funding"] == 1000.25
    assert funded["funders"][ndioum] == [700.0, 1, 2016]
    assert funded["funders"][ID + "funder/agence-de-l-eau"] == [0.0, 1, 2015]
    # Some partnerships have several funding rows from one funder: the comparison of sums
    # and counts is not only of trivial cases.
    assert any(n > 1 for p in extracted[0].values() for _, n, _ in p["funders"].values())

    # With a filter, links and funding are read for the selected partnerships only: the
    # same facts as in the whole extraction.
    senegal = extract(store, Filters(country="SN"))
    selected = {i for i, p in expected[0].items() if ID + "country/sn" in p["countries"]}
    assert set(senegal.partnerships) == selected and 5 < len(selected) < 150
    for iri, p in senegal.partnerships.items():
        assert (p.french, p.foreign, p.posts, p.countries) == tuple(
            expected[0][iri][k] for k in ("french", "foreign", "posts", "countries")
        )
        assert p.funding == expected[0][iri]["funding"]
        assert {f: s[:2] for f, s in p.funders.items()} == {
            f: s[:2] for f, s in expected[0][iri]["funders"].items()
        }


def test_extract_needs_the_entity_graph(tmp_path: Path) -> None:
    store = open_store(tmp_path / "kg")
    ingest_records(store, [full_record(atlas_id=1)])
    store._store.remove_graph(NamedNode(ID + "graph/entities"))
    with pytest.raises(StoreError, match=r"lacks graph/entities: it was written by an earlier"):
        extract(store)
    store.close()
    # The command says so, with no traceback, and the same ingest brings the graph back.
    result = CliRunner().invoke(main, ["--store", str(tmp_path / "kg"), "metrics"])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert result.stderr.strip().splitlines()[-1] == (
        "Error: this store lacks graph/entities: it was written by an earlier version of atlas-kg. "
        "Run the same `atlas-kg ingest` again: it writes no record and adds the graph"
    )
    store = open_store(tmp_path / "kg")
    ingest_records(store, [full_record(atlas_id=1)])
    assert extract(store).entities
    # A store without partnerships has nothing to look up: no error, no node.
    empty = open_store(tmp_path / "empty")
    data = extract(empty)
    assert data.partnerships == {} and all(e.kind == "country" for e in data.entities.values())
