"""Records → RDF: IRIs, the mapping of each field, the golden seed graph, SHACL shapes."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from graph_helpers import CASES, full_record, shacl_conforms
from pyoxigraph import Literal, NamedNode, Quad

from atlas_kg import iris
from atlas_kg.errors import ConfigError
from atlas_kg.rdf import (
    collectivity_kind,
    partnership_id,
    record_graph,
    record_graph_iri,
    record_to_quads,
    vocabulary_quads,
)
from atlas_kg.record import Record, Source

ID = "https://w3id.org/atlas-kg/id/"
AKG = "https://w3id.org/atlas-kg/def#"


def _triples(quads: list[Quad]) -> set[tuple[str, str, str]]:
    return {(q.subject.value, q.predicate.value, q.object.value) for q in quads}


def test_slugs_and_search_keys() -> None:
    assert iris.slug("Côte d’Ivoire") == "cote-d-ivoire"
    assert iris.slug("  Région Île-de-France ") == "region-ile-de-france"
    assert iris.slug("Œuvre & Cie") == "oeuvre-cie"
    assert iris.slug("北京").startswith("h-") and iris.slug("北京") != iris.slug("上海")
    assert iris.search_key("MANTES-LA-JOLIE") == iris.search_key("Mantes la Jolie")
    assert iris.funder_iri("Autre") == ID + "funder/autre"
    assert iris.collectivity_iri("Bamako", None) == ID + "collectivity/zz/bamako"


def test_base_is_checked() -> None:
    assert iris.check_base("http://example.org/kg/") == "http://example.org/kg/"
    for bad in ("example.org/", "http://example.org/kg", "http://ex ample.org/"):
        with pytest.raises(ConfigError, match="--base"):
            iris.check_base(bad)


def test_iris_are_deterministic_and_follow_the_base() -> None:
    a = record_to_quads(full_record())
    b = record_to_quads(full_record())
    assert a == b
    other = record_to_quads(full_record(), base="http://example.org/kg/")
    assert len(other) == len(a)
    subjects = {q.subject.value for q in other}
    assert all(s.startswith("http://example.org/kg/") for s in subjects)
    assert {q.graph_name.value for q in other} == {"http://example.org/kg/graph/partnership/501"}


def test_partnership_without_atlas_id_gets_a_content_hash_id() -> None:
    one = full_record(atlas_id=None)
    two = full_record(atlas_id=None)
    two.source.path = "elsewhere.txt"  # where it was read does not change what it is
    assert partnership_id(one) == partnership_id(two)
    assert partnership_id(one).startswith("h-") and len(partnership_id(one)) == 14
    changed = full_record(atlas_id=None, title="Autre titre")
    assert partnership_id(changed) != partnership_id(one)
    assert record_graph_iri(one) == ID + "graph/partnership/" + partnership_id(one)


def test_every_field_of_a_full_record_is_mapped() -> None:
    t = _triples(record_to_quads(full_record()))
    p = ID + "partnership/501"
    expected = {
        (p, AKG + "atlasId", "501"),
        (p, "http://purl.org/dc/terms/title", "Eau et énergie à Thiès"),
        (p, AKG + "status", AKG + "Finished"),
        (p, AKG + "startYear", "2018"),
        (p, AKG + "firstSignatureYear", "2017"),
        (p, AKG + "endDate", "2021-12-31"),
        (p, AKG + "context", "Contexte."),
        (p, AKG + "history", "Historique."),
        (p, AKG + "objectives", "Objectifs."),
        (p, "http://purl.org/dc/terms/description", "Description."),
        (p, AKG + "beneficiaries", "Les habitants."),
        (p, AKG + "form", "Projet de coopération décentralisée"),
        (p, AKG + "triennial", "true"),
        (p, AKG + "communicationFrance", "true"),
        (p, AKG + "communicationPartnerCountries", "false"),
        (p, AKG + "frenchPartner", ID + "collectivity/fr/departement-de-l-isere"),
        (p, AKG + "contractingAuthority", ID + "collectivity/fr/departement-de-l-isere"),
        (p, AKG + "foreignPartner", ID + "collectivity/sn/commune-de-thies"),
        (p, AKG + "implementingParty", ID + "collectivity/sn/commune-de-thies"),
        (p, AKG + "implementingParty", ID + "organization/ong-eau-vive"),
        (p, AKG + "otherPartner", ID + "organization/ong-eau-vive"),
        (p, AKG + "foreignPartner", ID + "collectivity/zz/xanadu"),
        (ID + "collectivity/zz/xanadu", AKG + "countryName", "Atlantide"),
        (p, AKG + "country", ID + "country/sn"),
        (p, AKG + "post", ID + "post/ambassade-de-france-a-dakar"),
        (ID + "post/ambassade-de-france-a-dakar", AKG + "country", ID + "country/sn"),
        (p, AKG + "sdg", "http://metadata.un.org/sdg/7"),
        (p + "/sdg/1", AKG + "weight", "2"),
        (p, AKG + "primaryTheme", "https://w3id.org/atlas-kg/def/theme/energies-renouvelables"),
        (p, AKG + "theme", "https://w3id.org/atlas-kg/def/theme/environnement-climat-et-energie"),
        (p, AKG + "theme", "https://w3id.org/atlas-kg/def/theme/tourisme"),
        (p + "/theme/1", AKG + "priority", "1"),
        (p + "/theme/2", AKG + "themeLabel", "Inconnu"),
        # A funder that is a known collectivity is that collectivity (entity resolution).
        (
            p + "/funding/1",
            "https://schema.org/funder",
            ID + "collectivity/fr/departement-de-l-isere",
        ),
        (p + "/funding/1", AKG + "amount", "12500.5"),
        (p + "/funding/1/amount", "https://schema.org/value", "12500.5"),
        (p + "/funding/1/amount", "https://schema.org/currency", "EUR"),
        (p + "/funding/1", AKG + "year", "2019"),
        (p + "/funding/1/one-percent/2", "https://schema.org/value", "0"),
        (p + "/funding/2", "https://schema.org/funder", ID + "funder/agence-de-l-eau"),
        (ID + "collectivity/fr/departement-de-l-isere", AKG + "kind", AKG + "Department"),
        (
            ID + "person/julie-camy",
            "http://xmlns.com/foaf/0.1/mbox",
            "mailto:julie.camy@diplomatie.gouv.fr",
        ),
        (ID + "person/cocac", "http://xmlns.com/foaf/0.1/mbox", "mailto:cocac@diplomatie.gouv.fr"),
        (
            ID + "membership/collectivity/sn/commune-de-thies/awa-diop/maire-adjointe",
            "http://www.w3.org/ns/org#organization",
            ID + "collectivity/sn/commune-de-thies",
        ),
        (p, AKG + "volunteer", p + "/volunteer/1"),
        (p + "/volunteer/1", AKG + "assignedTo", "Commune de Thiès"),
        (p + "/period/end", "http://www.w3.org/2006/time#inXSDDate", "2021-12-31"),
        (ID + "graph/partnership/501", AKG + "parseWarning", "line 3: something odd"),
        (ID + "graph/partnership/501", AKG + "sha256", "a" * 64),
    }
    assert expected <= t, sorted(expected - t)
    # Nothing for what the record does not say.
    assert not any(pred == AKG + "evaluation" for _, pred, _ in t)
    assert not any(s == p + "/funding/2" and pred == AKG + "amount" for s, pred, _ in t)


def test_time_read_is_outside_the_content_hash() -> None:
    plain = record_graph(full_record())
    stamped = record_graph(full_record(), generated_at=datetime(2024, 5, 1, 12, 0, tzinfo=UTC))
    assert plain.content_hash == stamped.content_hash
    extra = set(stamped.quads) - set(plain.quads)
    assert [q.object for q in extra] == [
        Literal(
            "2024-05-01T12:00:00+00:00",
            datatype=NamedNode("http://www.w3.org/2001/XMLSchema#dateTime"),
        )
    ]
    assert record_graph(full_record(title="Autre")).content_hash != plain.content_hash


def test_collectivity_kind_from_name() -> None:
    assert collectivity_kind("Conseil départemental de l'Isère") == "Department"
    assert collectivity_kind("Région Bretagne") == "Region"
    assert collectivity_kind("Communauté d'agglomération du Grand Albigeois") == "Intercommunality"
    assert collectivity_kind("Bordeaux Métropole") is None  # only a leading word is trusted
    assert collectivity_kind("Ville de Lyon") == "Commune"
    assert collectivity_kind("Malakoff") is None


def _seed_quads(seed_page: Path) -> list[Quad]:
    from atlas_kg.parse import parse_file

    record = parse_file(seed_page, atlas_id=12695)
    record.source.path = "seeds/000_4d9583dcafd7f051.txt"
    return record_to_quads(record)


def test_seed_graph_is_isomorphic_to_the_golden_graph(seed_page: Path) -> None:
    import rdflib
    from pyoxigraph import RdfFormat, serialize
    from rdflib.compare import graph_diff, isomorphic, to_isomorphic

    quads = [q for q in _seed_quads(seed_page) if not q.predicate.value.endswith("#contentHash")]
    got = rdflib.Dataset()
    got.parse(data=serialize(quads, format=RdfFormat.N_QUADS).decode(), format="nquads")
    expected = rdflib.Dataset()
    expected.parse(CASES / "seed_graph" / "expected.trig", format="trig")
    name = rdflib.URIRef(ID + "graph/partnership/12695")
    g_got, g_exp = got.graph(name), expected.graph(name)
    assert len(g_exp) == len(g_got) > 100
    if not isomorphic(g_got, g_exp):
        _, missing, extra = graph_diff(to_isomorphic(g_exp), to_isomorphic(g_got))
        pytest.fail(f"missing: {sorted(missing)[:5]}\nextra: {sorted(extra)[:5]}")


def test_seed_graph_conforms_to_the_shapes(seed_page: Path) -> None:
    conforms, report = shacl_conforms(_seed_quads(seed_page) + vocabulary_quads())
    assert conforms, report


def test_full_record_conforms_and_a_broken_graph_does_not() -> None:
    quads = record_to_quads(full_record()) + vocabulary_quads()
    conforms, report = shacl_conforms(quads)
    assert conforms, report
    g = NamedNode(ID + "graph/partnership/501")
    p = NamedNode(ID + "partnership/501")
    broken = quads + [
        Quad(p, NamedNode(AKG + "atlasId"), Literal("oops"), g),
        Quad(p, NamedNode(AKG + "status"), NamedNode(AKG + "Commune"), g),
    ]
    conforms, report = shacl_conforms(broken)
    assert not conforms
    assert "atlasId" in report and "status" in report


@pytest.mark.slow
def test_two_thousand_synthetic_records_conform_to_the_shapes() -> None:
    from atlas_kg.synth import generate

    quads = vocabulary_quads()
    for record in generate(2000, seed=11):
        quads += record_to_quads(record)
    conforms, report = shacl_conforms(quads)
    assert conforms, report[:3000]


def test_record_with_nothing_but_a_title_maps_to_a_small_valid_graph() -> None:
    record = Record(source=Source(atlas_id=7), title="Seul")
    quads = record_to_quads(record)
    # partnership: type, id, source, title; graph: type, topic, version, complete, derived, hash
    assert len(quads) == 10
    conforms, report = shacl_conforms(quads + vocabulary_quads())
    assert conforms, report
