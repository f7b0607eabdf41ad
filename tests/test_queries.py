"""Named queries: headers, bound parameters, and each query's exact rows on a small fixture
(tests/cases/queries/records.jsonl; expected rows in tests/cases/queries/<name>/cases.json)."""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import replace
from pathlib import Path

import pytest
from graph_helpers import CASES
from pyoxigraph import Literal

from atlas_kg.errors import QueryError
from atlas_kg.ingest import ingest
from atlas_kg.queries import list_checks, list_queries, load_query, prepare, run_query
from atlas_kg.store import EmbeddedStore, open_store

PUBLIC = {
    "partnerships": ["partnership", "atlas_id", "title", "status", "start_year", "french_partners",
                     "foreign_partners", "countries"],
    "partnerships_by_country": ["country", "country_label", "partnerships"],
    "partnerships_by_year": ["start_year", "partnerships"],
    "partners_of": ["collectivity", "partner", "partner_label", "partner_country", "partnership", "title"],
    "funding_by_funder": ["funder", "funder_label", "year", "amount_eur", "partnerships"],
    "funding_by_country": ["country", "country_label", "amount_eur", "partnerships"],
    "themes": ["theme", "theme_label", "level", "partnerships"],
    "post_contacts": ["post", "post_label", "country", "role", "name", "email"],
    "collectivity": ["collectivity", "label", "kind", "country", "partnerships", "funded_eur"],
}  # fmt: skip
QUERY_CASES = CASES / "queries"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> EmbeddedStore:
    store = open_store(tmp_path_factory.mktemp("queries") / "kg")
    report = ingest(store, [QUERY_CASES / "records.jsonl"])
    assert report.ok and len(report.written) == 4
    return store  # type: ignore[return-value]


def test_the_public_queries_exist_with_their_columns() -> None:
    queries = {q.name: q for q in list_queries()}
    for name, columns in PUBLIC.items():
        assert queries[name].columns == columns
    assert len(queries) >= len(PUBLIC) + 4
    assert all(q.summary for q in queries.values())


def _cases() -> list[tuple[str, int, dict, list]]:
    out = []
    for folder in sorted(p for p in QUERY_CASES.iterdir() if p.is_dir()):
        for i, case in enumerate(json.loads((folder / "cases.json").read_text(encoding="utf-8"))):
            out.append((folder.name, i, case["params"], case["rows"]))
    return out


def test_every_query_has_cases() -> None:
    assert {name for name, *_ in _cases()} == {q.name for q in list_queries()}


@pytest.mark.parametrize(("name", "index", "params", "rows"), _cases(), ids=lambda v: str(v))
def test_query_rows(store: EmbeddedStore, name: str, index: int, params: dict, rows: list) -> None:
    result = run_query(store, name, params)
    got = result.rows
    if name == "records":  # the time written changes with each run; its form does not
        assert all(len(r.pop("generated_at") or "") == 20 for r in got)
    assert got == rows


def test_limit(store: EmbeddedStore) -> None:
    assert len(run_query(store, "partnerships", {}, limit=2)) == 2
    with pytest.raises(QueryError, match="limit"):
        run_query(store, "partnerships", {}, limit=-1)


@pytest.mark.parametrize(
    "value",
    [
        'x" } ; DROP ALL ; #',
        "x' } ; DROP ALL ; #",
        "malakoff> } DELETE WHERE { ?s ?p ?o } #",
        "?_country",
    ],
)
def test_injection_stays_a_literal(store: EmbeddedStore, value: str) -> None:
    before = store.quad_count()
    for name, param in (("partnerships", "country"), ("partners_of", "collectivity"),
                        ("collectivity", "name"), ("post_contacts", "post")):  # fmt: skip
        assert run_query(store, name, {param: value}).rows == []
    assert store.quad_count() == before


def test_labels_match_without_case_or_accents(store: EmbeddedStore) -> None:
    rows = [run_query(store, "collectivity", {"name": n}).rows for n in
            ("Région Île-de-France", "region ile de france", "REGION-ILE-DE-FRANCE")]  # fmt: skip
    assert rows[0] == rows[1] == rows[2] and len(rows[0]) == 1


def test_parameter_errors_name_the_query_and_the_choices(store: EmbeddedStore) -> None:
    with pytest.raises(QueryError, match="missing required parameter.*collectivity"):
        run_query(store, "partners_of", {})
    with pytest.raises(
        QueryError, match="unknown parameter.*colour.*allowed: country, theme, status"
    ):
        run_query(store, "partnerships", {"colour": "red"})
    with pytest.raises(QueryError, match="'soon' is not an integer"):
        run_query(store, "funding_by_funder", {"year": "soon"})
    with pytest.raises(QueryError, match="no such query; known queries: co_partners"):
        load_query("nope")
    with pytest.raises(QueryError, match="not a query name"):
        load_query("../etc/passwd")


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> EmbeddedStore:
    from atlas_kg import synth
    from atlas_kg.ingest import ingest_records

    store = open_store(tmp_path_factory.mktemp("synthetic") / "kg")
    assert ingest_records(store, synth.generate(400, 7)).ok
    return store  # type: ignore[return-value]


UNFILTERED = [q.name for q in list_queries() if q.unfiltered is not None]


def test_partnerships_has_a_text_for_the_whole_store() -> None:
    assert "partnerships" in UNFILTERED
    query = load_query("partnerships")
    assert prepare(query, {})[0] == query.unfiltered
    for given in ({"country": "Mali"}, {"status": "ongoing", "theme": "eau"}):
        text, _ = prepare(query, given)
        assert text != query.unfiltered and "akg:searchKey" in text


@pytest.mark.parametrize("name", UNFILTERED)
@pytest.mark.parametrize("data", ["fixture", "synthetic", "real pages"])
def test_the_unfiltered_text_gives_the_rows_of_the_filtered_one(
    request: pytest.FixtureRequest, name: str, data: str
) -> None:
    if data == "real pages":
        store = open_store(request.getfixturevalue("real_store"), read_only=True)
        request.addfinalizer(store.close)
    else:
        store = request.getfixturevalue("store" if data == "fixture" else "synthetic")
    query = load_query(name)
    got = run_query(store, query).rows
    # The same query without its unfiltered text: the general one, every filter line left out.
    assert got == run_query(store, replace(query, unfiltered=None)).rows
    assert len(got) >= 4
    if name == "partnerships" and data == "synthetic":  # multi-valued cells are compared too
        assert any(" ; " in (r["french_partners"] or "") for r in got)
        assert any(" ; " in (r["foreign_partners"] or "") for r in got)


def _busiest_collectivity(store: EmbeddedStore) -> str:
    rows = store.query(
        "PREFIX akg: <https://w3id.org/atlas-kg/def#> "
        "SELECT ?c (MIN(STR(?l)) AS ?label) (COUNT(*) AS ?n) WHERE { GRAPH ?g { "
        "?p akg:frenchPartner ?c . ?c <http://www.w3.org/2000/01/rdf-schema#label> ?l } } "
        "GROUP BY ?c ORDER BY DESC(?n) ?c LIMIT 1"
    )
    return next(iter(rows))["label"].value


def _unbound_first(*values: object) -> tuple:
    return tuple((v is not None, v if v is not None else "") for v in values)


# These sort on a label behind a space (queries/README.md: sorting on strings); the order
# must still be the label's own, code point by code point. (column before the label,
# label column, the whole order as a Python key)
SORTED_ON_LABELS = {
    "co_partners": ("shared_partners", "co_partner_label",
                    lambda r: (-r["shared_partners"], r["co_partner_label"], r["co_partner"])),
    "funding_by_funder": ("amount_eur", "funder_label",
                          lambda r: (-r["amount_eur"], r["funder_label"], _unbound_first(r["year"]))),
    "partners_of": (None, "partner_label",
                    lambda r: (r["collectivity"], r["partner_label"], r["partner"], r["partnership"])),
    "resolution": ("node", "graph", lambda r: (r["node"], r["graph"], r["source_name"])),
    "post_contacts": (None, "post_label",
                      lambda r: (r["post_label"], _unbound_first(r["role"], r["name"], r["email"]))),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(SORTED_ON_LABELS))
def test_rows_sorted_on_a_label_come_in_the_labels_order(
    synthetic: EmbeddedStore, name: str
) -> None:
    first, label, key = SORTED_ON_LABELS[name]
    params = {}
    if name in ("co_partners", "partners_of"):
        params = {"collectivity": _busiest_collectivity(synthetic)}
    elif name == "resolution":
        params = {"name": _busiest_collectivity(synthetic)}
    rows = run_query(synthetic, name, params).rows
    assert rows == sorted(rows, key=key)
    # Not vacuous: neighbours that tie on the first key are ordered by their labels.
    ties = [(a, b) for a, b in itertools.pairwise(rows) if first is None or a[first] == b[first]]
    # (A hub's name resolves in fewer graphs than it has partners or co-partners.)
    assert sum(a[label] < b[label] for a, b in ties) >= (5 if name == "resolution" else 10)


BAD_UNFILTERED = {
    "header": ("#+ summary: y\nSELECT ?a ?_c {}", "no '#+' header here; the header is q.rq's"),
    "optional_used": (
        "SELECT ?a ?_b {}",
        "must use ?_b only if 'b' is required (it is optional)",
    ),
    "required_unused": (
        "SELECT ?a {}",
        "must use ?_c only if 'c' is required (it is required)",
    ),
}


def _with_unfiltered(directory: Path, unfiltered: str) -> None:
    """Query ``q`` (optional ``b``, required ``c``) and ``unfiltered/q.rq``."""
    (directory / "q.rq").write_text(
        "#+ summary: x\n#+ columns: [a]\n#+ params:\n#+   - {name: b}\n"
        "#+   - {name: c, required: true}\nSELECT ?a ?_b ?_c {}\n",
        encoding="utf-8",
    )
    (directory / "unfiltered").mkdir()
    (directory / "unfiltered" / "q.rq").write_text(unfiltered, encoding="utf-8")


@pytest.mark.parametrize("case", sorted(BAD_UNFILTERED))
def test_broken_unfiltered_texts_are_errors(tmp_path: Path, case: str) -> None:
    text, message = BAD_UNFILTERED[case]
    _with_unfiltered(tmp_path, text)
    with pytest.raises(QueryError, match=re.escape(message)) as raised:
        load_query("q", tmp_path)
    assert str(tmp_path / "unfiltered" / "q.rq") in str(raised.value)


def test_an_unfiltered_text_keeps_the_required_parameters(tmp_path: Path) -> None:
    _with_unfiltered(tmp_path, "SELECT ?a ?_c {}\n")
    query = load_query("q", tmp_path)
    assert prepare(query, {"c": "1"}) == ("SELECT ?a ?_c {}\n", {"_c": Literal("1")})
    assert prepare(query, {"c": "1", "b": "2"})[0].endswith("\nSELECT ?a ?_b ?_c {}")
    assert [q.name for q in list_queries(tmp_path)] == ["q"]  # not a query of its own


def test_absent_optional_parameter_lines_are_left_out() -> None:
    query = load_query("partnerships")
    text, subs = prepare(query, {"country": "Mali"})
    assert "?_country" in text and "?_theme" not in text
    assert set(subs) == {"_country"}
    assert subs["_country"].value == "mali"


BAD_HEADERS = {
    "no_header": ("SELECT * WHERE { ?s ?p ?o }", r"no '#\+' header"),
    "bad_yaml": ("#+ summary: [unclosed\nSELECT * WHERE {}", "not valid YAML"),
    "no_columns": ("#+ summary: x\nSELECT * WHERE {}", "'columns' must be a list"),
    "bad_type": (
        "#+ summary: x\n#+ columns: [a]\n#+ params:\n#+   - {name: a, type: colour}\nSELECT ?a ?_a {}",
        "type 'colour' is not allowed; expected one of label, string",
    ),
    "unused_param": (
        "#+ summary: x\n#+ columns: [a]\n#+ params:\n#+   - {name: b}\nSELECT ?a {}",
        "param 'b' is not used",
    ),
    "extra_key": (
        "#+ summary: x\n#+ columns: [a]\n#+ title: y\nSELECT ?a {}",
        "unknown header key",
    ),
}


@pytest.mark.parametrize("name", sorted(BAD_HEADERS))
def test_broken_headers_are_errors(tmp_path: Path, name: str) -> None:
    text, message = BAD_HEADERS[name]
    (tmp_path / f"{name}.rq").write_text(text, encoding="utf-8")
    with pytest.raises(QueryError, match=message):
        load_query(name, tmp_path)


def test_header_columns_must_be_selected(tmp_path: Path, store: EmbeddedStore) -> None:
    (tmp_path / "cols.rq").write_text("#+ summary: x\n#+ columns: [a, b]\nSELECT ?a WHERE {}\n")
    with pytest.raises(QueryError, match=r"header columns \['b'\] are not selected"):
        run_query(store, load_query("cols", tmp_path))


def test_checks_find_violations_on_bad_data(tmp_path: Path) -> None:
    from graph_helpers import full_record

    from atlas_kg.ingest import ingest_records

    bad = open_store(tmp_path / "kg")
    ingest_records(bad, [full_record(french_partners=[], contracting_authorities=[])])
    found = {c.name: len(run_query(bad, c)) for c in list_checks()}
    assert found["checks/partnership_without_french_partner_violation"] == 1
    assert found["checks/funding_without_amount_violation"] == 1  # "Agence de l'eau", no amount
    assert found["checks/foreign_partner_without_country_violation"] == 1  # Xanadu, Atlantide
    assert found["checks/partnership_in_several_graphs_violation"] == 0


def test_checks_pass_on_the_fixture(store: EmbeddedStore) -> None:
    checks = list_checks()
    assert len(checks) >= 5
    for check in checks:
        assert run_query(store, check).rows == [], check.name


def test_the_ontology_readme_examples_run(store: EmbeddedStore) -> None:

    from graph_helpers import ROOT

    text = (ROOT / "ontology" / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```sparql\n(.*?)```", text, flags=re.S)
    assert len(blocks) == 3
    counts = [len(list(store.query(block))) for block in blocks]
    assert counts == [2, 3, 6]  # countries; Malakoff's foreign partners; funder-years
