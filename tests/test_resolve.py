"""Entity resolution: French names → the gazetteer, homonyms and their context, posts →
countries, funders, foreign spelling variants merged across records, and the provenance of
each decision in the store (real Oxigraph on disk)."""

from __future__ import annotations

from pathlib import Path

import pytest
from graph_helpers import full_record
from pyoxigraph import NamedNode

from atlas_kg import resolve
from atlas_kg.ingest import drop, ingest, ingest_records
from atlas_kg.queries import run_query
from atlas_kg.record import ForeignPartner, Funding, Record, Source
from atlas_kg.resolve import ForeignName, cluster_foreign, foreign_key, resolve_french
from atlas_kg.store import open_store

ID = "https://w3id.org/atlas-kg/id/"
AKG = "https://w3id.org/atlas-kg/def#"


# -- French collectivities ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "kind", "code", "rule"),
    [
        ("Malakoff", "commune", "92046", "official-name"),
        ("Ville de Malakoff", "commune", "92046", "kind-prefix"),
        ("MAIRIE DE MALAKOFF", "commune", "92046", "kind-prefix"),
        ("Commune de Mantes la Jolie", "commune", "78361", "kind-prefix"),
        ("Ville du Havre", "commune", "76351", "kind-prefix"),
        ("Ville-d'Avray", "commune", "92077", "official-name"),
        ("St-Étienne", "commune", "42218", "official-name"),
        ("Arbignieu", "commune", "01015", "merged-commune"),
        ("Conseil départemental de l'Isère", "departement", "38", "kind-prefix"),
        ("Conseil général des Hauts-de-Seine", "departement", "92", "kind-prefix"),
        ("Département de la Réunion", "departement", "974", "kind-prefix"),
        ("Région Île-de-France", "region", "11", "kind-prefix"),
        ("Conseil régional de Bretagne", "region", "53", "kind-prefix"),
        ("Région Basse-Normandie", "region", "28", "former-name"),
        ("Conseil régional d'Aquitaine", "region", "75", "former-name"),
        ("Région Sud", "region", "93", "former-name"),
        ("Communauté de communes Faucigny - Glières", "epci", "200000172", "kind-prefix"),
        ("CC Faucigny - Glières", "epci", "200000172", "kind-prefix"),
        ("Communauté d'agglomération du Grand Dole", "epci", "200010650", "kind-prefix"),
        ("Bordeaux Métropole", "epci", "243300316", "kind-prefix"),
        ("Montreuil (93)", "commune", "93048", "context-name"),
        ("Mairie de Saint-Denis (Seine-Saint-Denis)", "commune", "93066", "context-name"),
    ],
)
def test_french_names_resolve_to_their_official_code(
    name: str, kind: str, code: str, rule: str
) -> None:
    decision = resolve_french(name)
    assert decision.entity is not None, decision.reason
    assert (decision.entity.kind, decision.entity.code, decision.rule) == (kind, code, rule)


def test_canonical_labels_and_iris_merge_the_usual_forms() -> None:
    forms = ["Malakoff", "Ville de Malakoff", "Commune de Malakoff", "Mairie de Malakoff"]
    assert {resolve_french(f).entity.iri() for f in forms} == {ID + "collectivity/fr/malakoff"}
    isere = resolve_french("Conseil départemental de l'Isère").entity
    assert isere.label == "Département de l'Isère" and isere.slug == "departement-de-l-isere"
    assert resolve_french("Région Basse-Normandie").entity.label == "Région Normandie"
    # Homonyms get their INSEE code in the IRI: two Montreuil never share a node.
    assert resolve_french("Montreuil (93)").entity.slug == "montreuil-93048"


def test_homonyms_are_reported_never_guessed() -> None:
    decision = resolve_french("Montreuil")
    assert decision.entity is None and decision.rule == "ambiguous"
    assert "28267, 85148, 93048" in decision.reason
    assert decision.label == "Montreuil"  # the node keeps the shared official name
    mixed = resolve_french("Bretagne")  # a région and two communes
    assert mixed.entity is None and "1 region" in mixed.reason and "2 communes" in mixed.reason
    unknown = resolve_french("Syndicat intercommunal des eaux de nulle part")
    assert unknown.entity is None and unknown.rule == "unknown"


def test_record_context_settles_homonyms() -> None:
    by_partner = Record(french_partners=["Montreuil", "Département de la Seine-Saint-Denis"])
    decision = resolve.resolve_record(by_partner).french["Montreuil"]
    assert (decision.entity.code, decision.rule) == ("93048", "context-partners")
    assert "Département de la Seine-Saint-Denis" in decision.reason
    by_text = Record(french_partners=["Montreuil"], title="Coopération Montreuil (93) - Yélimané")
    decision = resolve.resolve_record(by_text).french["Montreuil"]
    assert (decision.entity.code, decision.rule) == ("93048", "context-text")
    # Context that fits several candidates (or none) settles nothing.
    vague = Record(french_partners=["Saint-Denis", "Région Occitanie"])  # Aude and Gard
    assert resolve.resolve_record(vague).french["Saint-Denis"].entity is None


# -- countries, posts, funders ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("post", "alpha2"),
    [
        ("Ambassade de France à Dakar", "SN"),
        ("Consul général à Jérusalem", "PS"),
        ("AMBASSADE DE FRANCE A TUNIS", "TN"),
        ("Ambassade de France à Tananarive", "MG"),
        ("Ambassade de France au Caire", "EG"),
        ("Consulat général de France à Québec", "CA"),
        ("Ambassade de France au Mali", "ML"),
    ],
)
def test_posts_give_their_country(post: str, alpha2: str) -> None:
    assert resolve.post_country(post).alpha2 == alpha2


def test_unknown_posts_have_no_country() -> None:
    assert resolve.post_country("Ambassade de France à Nulle-Part") is None
    assert resolve.post_country("Service de coopération") is None


def test_funder_aliases() -> None:
    ministry = "Ministère de l'Europe et des Affaires étrangères"
    for name in ("MAEDI", "Ministère des Affaires étrangères et européennes", "MEAE", "maee"):
        assert resolve.funder_alias(name).label == ministry
    assert resolve.funder_alias("Autre").generic
    assert resolve.funder_alias("Malakoff") is None


# -- foreign collectivities ---------------------------------------------------------------


def test_foreign_keys_set_spelling_and_kind_words_aside() -> None:
    variants = [
        "Communauté rurale de N’Gogom",
        "Commune rurale de Ngogom",
        "COMMUNAUTE RURALE DE N'GOGOM",
    ]
    assert len({foreign_key(v) for v in variants}) == 1
    assert foreign_key("Ngogom").level == "bare" and foreign_key("Ngogom").base == "ngogom"
    assert foreign_key("Cercle de Kita").level != foreign_key("Commune de Kita").level
    assert foreign_key("Kumasi City Council") == foreign_key("City of Kumasi")
    # An article after "de" is grammar in lower case, part of the name in upper case.
    assert foreign_key("Province de l'Ikeng").base == "ikeng"
    assert foreign_key("Commune de L'Anse-Rose").base == "lanserose"


def _names(*rows: tuple[str, str, int, set[str]]) -> list[ForeignName]:
    from atlas_kg.iris import collectivity_iri

    return [ForeignName(collectivity_iri(n, cc), n, cc, k, frozenset(p)) for n, cc, k, p in rows]


def test_variants_merge_within_a_country_and_keep_the_reason() -> None:
    names = _names(
        ("Communauté rurale de Ngogom", "SN", 3, {"fr/malakoff"}),
        ("Ngogom", "SN", 1, {"fr/malakoff"}),
        ("Commune rurale de N'Gogom", "SN", 1, {"fr/vanves"}),
        ("Ngogom", "ML", 1, {"fr/malakoff"}),  # another country: never merged
    )
    merges = {m.label: m for m in cluster_foreign(names)}
    assert set(merges) == {"Ngogom", "Commune rurale de N'Gogom"}
    assert all(m.into_label == "Communauté rurale de Ngogom" for m in merges.values())
    assert merges["Ngogom"].rule == "prefix-dropped"
    assert merges["Commune rurale de N'Gogom"].rule == "same-name"
    assert "ngogom" in merges["Ngogom"].reason


def test_a_bare_name_shared_by_two_kinds_stays_apart() -> None:
    names = _names(
        ("Commune de Kita", "ML", 2, set()),
        ("Cercle de Kita", "ML", 2, set()),
        ("Kita", "ML", 1, set()),
    )
    assert cluster_foreign(names) == []


def test_fuzzy_merges_need_a_shared_partner_and_agreeing_guard_words() -> None:
    typo = _names(
        ("Commune de Ouahigouya", "BF", 4, {"fr/a"}), ("Commune de Ouahigouiya", "BF", 1, {"fr/a"})
    )
    (merge,) = cluster_foreign(typo)
    assert (
        merge.rule == "fuzzy"
        and merge.label == "Commune de Ouahigouiya"
        and 0.92 <= merge.score < 1
    )
    strangers = _names(
        ("Commune de Ouahigouya", "BF", 4, {"fr/a"}), ("Commune de Ouahigouiya", "BF", 1, {"fr/b"})
    )
    assert cluster_foreign(strangers) == []
    # Two places a consonant apart, both partners of one French region (seed 3 of the
    # synthetic atlas): not a typo, whatever their ratio (94.7).
    neighbours = _names(
        ("Municipalité de Jabal Jabra", "PS", 1, {"fr/a"}),
        ("Municipalité de Jabal-Jara", "PS", 2, {"fr/a"}),
    )
    assert cluster_foreign(neighbours) == []
    for a, b in (("Ziguinchor", "Ziguinchore"), ("Kédougou", "Keddougou")):  # a vowel, a double
        variant = _names(
            (f"Commune de {a}", "SN", 3, {"fr/a"}), (f"Commune de {b}", "SN", 1, {"fr/a"})
        )
        assert [m.rule for m in cluster_foreign(variant)] == ["fuzzy"], (a, b)
    numbered = _names(
        ("Arrondissement de Bamako 1", "ML", 1, {"fr/a"}),
        ("Arrondissement de Bamako 2", "ML", 1, {"fr/a"}),
    )
    assert cluster_foreign(numbered) == []
    north_south = _names(
        ("Commune de Kouka Nord", "BF", 1, {"fr/a"}), ("Commune de Kouka Sud", "BF", 1, {"fr/a"})
    )
    assert cluster_foreign(north_south) == []


# -- in the store: the seed, provenance, idempotency ----------------------------------------


@pytest.fixture(scope="module")
def seed_store(tmp_path_factory: pytest.TempPathFactory, shared: Path):
    store = open_store(tmp_path_factory.mktemp("resolve") / "kg")
    report = ingest(store, [shared / "seeds"])
    assert report.ok and len(report.written) == 1
    return store


def _values(store, sparql: str) -> list[tuple]:
    return [tuple(t.value if t is not None else None for t in row) for row in store.query(sparql)]


def test_seed_malakoff_has_its_insee_code(seed_store) -> None:
    rows = _values(
        seed_store,
        """SELECT DISTINCT ?c ?insee ?siren WHERE {
        ?p akg:frenchPartner ?c . ?c akg:inseeCode ?insee ; akg:siren ?siren }""",
    )
    assert rows == [(ID + "collectivity/fr/malakoff", "92046", "219200466")]


def test_seed_funder_and_partner_mantes_la_jolie_are_one_node(seed_store) -> None:
    rows = _values(
        seed_store,
        """SELECT DISTINCT ?funder WHERE {
        ?p akg:foreignPartner ?funder . ?p akg:funding/schema:funder ?funder }""",
    )
    assert rows == [(ID + "collectivity/sn/mantes-la-jolie",)]
    # … because, once the parser stripped the stray comma (its warning is in the graph),
    # the funder has the partner's very name.
    warnings = _values(seed_store, "SELECT ?w WHERE { ?g akg:parseWarning ?w }")
    assert any("', Mantes la Jolie' → 'Mantes la Jolie'" in w for (w,) in warnings)
    # Malakoff funding Malakoff's partnership: the same node too.
    funders = _values(seed_store, "SELECT DISTINCT ?f WHERE { ?row schema:funder ?f }")
    assert (ID + "collectivity/fr/malakoff",) in funders and (
        ID + "funder/malakoff",
    ) not in funders


def test_seed_post_is_in_senegal_and_mantes_la_jolie_is_a_french_namesake(seed_store) -> None:
    posts = _values(
        seed_store, "SELECT DISTINCT ?post ?c WHERE { ?p akg:post ?post . ?post akg:country ?c }"
    )
    assert posts == [(ID + "post/ambassade-de-france-a-dakar", ID + "country/sn")]
    namesakes = _values(
        seed_store,
        """SELECT DISTINCT ?fp ?insee WHERE {
        ?fp akg:frenchNamesake ?fr . ?fr akg:inseeCode ?insee }""",
    )
    assert namesakes == [(ID + "collectivity/sn/mantes-la-jolie", "78361")]


def _record(atlas_id: int, foreign: str, french: str = "Malakoff", **extra) -> Record:
    return Record(
        source=Source(atlas_id=atlas_id),
        title=f"Partenariat {atlas_id}",
        french_partners=[french],
        foreign_partners=[ForeignPartner(foreign, "Sénégal")],
        **extra,
    )


def test_merges_across_records_are_stored_with_their_reasons(tmp_path: Path) -> None:
    store = open_store(tmp_path / "kg")
    records = [
        _record(1, "Communauté rurale de Ngogom"),
        _record(2, "Ngogom", funding=[Funding("Ville de Malakoff", 1000, [], 2020)]),
        _record(3, "N'Gogom"),
    ]
    report = ingest_records(store, records)
    assert report.resolution.merges == 2 and "2 foreign name(s) merged" in report.summary()
    same = _values(
        store,
        "SELECT ?a ?b WHERE { GRAPH ?g { ?g a akg:ResolutionGraph . ?a owl:sameAs ?b } } ORDER BY ?a",
    )
    canonical = ID + "collectivity/sn/communaute-rurale-de-ngogom"
    assert same == [
        (ID + "collectivity/sn/n-gogom", canonical),
        (ID + "collectivity/sn/ngogom", canonical),
    ]
    alt = _values(store, f"SELECT ?l WHERE {{ <{canonical}> skos:altLabel ?l }} ORDER BY ?l")
    assert alt == [("N'Gogom",), ("Ngogom",)]
    # The named query answers "why is this node the same as that one".
    rows = run_query(store, "resolution", {"name": "Ngogom"}).rows
    assert {(r["source_name"], r["rule"]) for r in rows} >= {("Ngogom", "prefix-dropped")}
    # The funder "Ville de Malakoff" is the partner Malakoff, under its other name.
    labels = _values(
        store,
        "SELECT DISTINCT ?l WHERE { <https://w3id.org/atlas-kg/id/collectivity/fr/malakoff> skos:altLabel ?l }",
    )
    assert labels == [("Ville de Malakoff",)]


def test_ingest_stays_idempotent_and_drop_refreshes_the_merges(tmp_path: Path) -> None:
    store = open_store(tmp_path / "kg")
    records = [_record(1, "Communauté rurale de Ngogom"), _record(2, "Ngogom")]
    ingest_records(store, records)
    before = {str(q) for q in store.quads()}
    again = ingest_records(store, records)
    assert again.written == [] and not again.resolution.written
    assert {str(q) for q in store.quads()} == before
    graph = ID + "graph/resolution"
    assert graph in store.graph_iris()
    drop(store, "2")
    assert graph not in store.graph_iris()  # nothing left to merge


def test_funders_parties_and_namesakes_in_one_record() -> None:
    from atlas_kg.rdf import record_to_quads

    record = full_record(
        funding=[
            Funding("Département de l'Isère", 100, [], 2019),
            Funding("MAEDI", 200, [], 2019),
            Funding("Région Auvergne-Rhône-Alpes", 300, [], 2019),
            Funding("Autre", 400, [], 2019),
        ],
        contracting_authorities=["Conseil départemental de l'Isère"],
    )
    triples = {
        (q.subject.value, q.predicate.value, q.object.value) for q in record_to_quads(record)
    }
    p = ID + "partnership/501"
    isere = ID + "collectivity/fr/departement-de-l-isere"
    funders = {o for s, pr, o in triples if pr == "https://schema.org/funder"}
    assert funders == {
        isere,
        ID + "funder/ministere-de-l-europe-et-des-affaires-etrangeres",
        ID + "collectivity/fr/region-auvergne-rhone-alpes",
        ID + "funder/autre",
    }
    assert (p, AKG + "contractingAuthority", isere) in triples
    assert (
        isere,
        "http://www.w3.org/2004/02/skos/core#altLabel",
        "Conseil départemental de l'Isère",
    ) in triples
    assert (ID + "collectivity/fr/region-auvergne-rhone-alpes", AKG + "inseeCode", "84") in triples
    assert (ID + "funder/ministere-de-l-europe-et-des-affaires-etrangeres",
            "http://www.w3.org/2004/02/skos/core#altLabel", "MAEDI") in triples  # fmt: skip


def test_the_resolution_graph_conforms_to_the_shapes(tmp_path: Path) -> None:
    from atlas_kg.quality import shacl_findings

    store = open_store(tmp_path / "kg")
    ingest_records(store, [_record(1, "Communauté rurale de Ngogom"), _record(2, "Ngogom")])
    conforms, findings, graphs = shacl_findings(store)
    # Two record graphs, graph/resolution and graph/counts (no amount: no graph/funding).
    assert conforms and findings == [] and graphs == 4
    assert NamedNode(ID + "graph/resolution").value in store.graph_iris()
