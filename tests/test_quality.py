"""The quality report: every check with a clean and a faulty fixture, SHACL findings, the
SHACL validation-report RDF, and ``atlas-kg validate`` on the shared real pages (real
Oxigraph stores on disk, real pySHACL)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import rdflib
from click.testing import CliRunner
from graph_helpers import full_record
from pyoxigraph import Literal, NamedNode, Quad

from atlas_kg.cli import main
from atlas_kg.errors import QueryError
from atlas_kg.ingest import ingest_records
from atlas_kg.quality import load, load_checks, quality_graph_iri, run_checks, validate
from atlas_kg.queries import load_query, run_query
from atlas_kg.rdf import NamedGraph, record_graph
from atlas_kg.record import DiplomaticPost, ForeignContact, ForeignPartner, Funding, Record
from atlas_kg.store import EmbeddedStore, open_store

ID = "https://w3id.org/atlas-kg/id/"
AKG = "https://w3id.org/atlas-kg/def#"
SH = "http://www.w3.org/ns/shacl#"


def clean(atlas_id: int = 601, **changes: object) -> Record:
    """A record no check complains about: resolvable names, a post in the partner's country,
    funding within the partnership's years, positive amounts, a complete page."""
    base = {
        "foreign_partners": [ForeignPartner("Commune de Thiès", "Sénégal")],
        "funding": [Funding("Département de l'Isère", 12500.5, [1000, 0], 2019)],
        "title": f"Eau et énergie à Thiès ({atlas_id})",
    }
    return full_record(atlas_id, **{**base, **changes})


CLEAN = [clean(601), clean(602)]


def _graph_with(record: Record, *extra: tuple[str, str, object]) -> NamedGraph:
    """The record's graph with extra triples (subject, predicate, object) written in it."""
    graph = record_graph(record)
    g = NamedNode(graph.iri)
    quads = list(graph.quads)
    for s, p, o in extra:
        quads.append(
            Quad(NamedNode(s), NamedNode(p), o if not isinstance(o, str) else NamedNode(o), g)
        )
    return NamedGraph(graph.iri, quads, graph.content_hash, graph.source)


def _stray_graph(iri: str, *triples: tuple[str, str, str]) -> NamedGraph:
    g = NamedNode(iri)
    quads = [Quad(NamedNode(s), NamedNode(p), NamedNode(o), g) for s, p, o in triples]
    return NamedGraph(iri, quads, "0" * 64, "hand-made")


RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
DECIMAL = NamedNode("http://www.w3.org/2001/XMLSchema#decimal")

# check → (what makes a store faulty for it, a text its message must contain)
Fault = Callable[[EmbeddedStore], None]
FAULTS: dict[str, tuple[Fault, str]] = {
    "foreign_partner_without_country_violation": (
        lambda s: ingest_records(
            s, [clean(701, foreign_partners=[ForeignPartner("Xanadu", "Atlantide")])]
        ),
        "(written: Atlantide)",
    ),
    "funding_amount_mismatch_violation": (
        lambda s: s.replace_records(
            [
                _graph_with(
                    clean(702),
                    (
                        ID + "partnership/702/funding/1",
                        AKG + "amount",
                        Literal("99", datatype=DECIMAL),
                    ),
                )
            ]
        ),  # fmt: skip
        "differs from its schema:amount value 12500.5",
    ),
    "funding_without_amount_violation": (
        lambda s: ingest_records(
            s, [clean(703, funding=[Funding("Agence de l'eau", None, [], 2019)])]
        ),
        "partnership/703/funding/1 has no amount",
    ),
    "partnership_in_several_graphs_violation": (
        lambda s: s.replace_records(
            [
                _stray_graph(
                    ID + "graph/stray", (ID + "partnership/601", RDF_TYPE, AKG + "Partnership")
                )
            ]
        ),  # fmt: skip
        "described in 2 record graphs",
    ),
    "partnership_without_french_partner_violation": (
        lambda s: ingest_records(s, [clean(704, french_partners=[], contracting_authorities=[])]),
        "names no French collectivity",
    ),
    "record_graph_without_partnership_violation": (
        lambda s: s.replace_records(
            [
                _stray_graph(
                    ID + "graph/partnership/999",
                    (ID + "graph/partnership/999", RDF_TYPE, AKG + "RecordGraph"),
                )
            ]
        ),  # fmt: skip
        "does not describe its partnership",
    ),
    "funding_amount_not_positive_violation": (
        lambda s: ingest_records(
            s, [clean(705, funding=[Funding("Département de l'Isère", 0, [], 2019)])]
        ),
        "gives 0 euros",
    ),
    "french_collectivity_as_foreign_partner_warning": (
        lambda s: ingest_records(
            s, [clean(706, foreign_partners=[ForeignPartner("Mantes la Jolie", "Sénégal")])]
        ),
        "bears the name of the French commune Mantes-la-Jolie (INSEE 78361)",
    ),
    "partner_country_differs_from_post_warning": (
        lambda s: ingest_records(
            s, [clean(707, diplomatic_posts=[DiplomaticPost("Ambassade de France à Bamako")])]
        ),
        "Commune de Thiès is in Sénégal, but the record is followed by Ambassade de France à Bamako (Mali)",
    ),
    "duplicate_records_warning": (
        lambda s: ingest_records(
            s, [clean(708, title="EAU ET ÉNERGIE À THIÈS (601)", status="ongoing")]
        ),
        'partnership/708 has the same partners and the title "Eau et énergie à Thiès (601)"',
    ),
    "funding_outside_partnership_years_warning": (
        lambda s: ingest_records(
            s, [clean(709, funding=[Funding("Département de l'Isère", 500, [], 2015)])]
        ),
        "funds it in 2015, outside the partnership's years (2018 to 2021)",
    ),
    "incomplete_page_warning": (
        lambda s: ingest_records(s, [clean(710, source=_truncated())]),
        'stops in "Contexte"',
    ),
    "unresolved_name_warning": (
        lambda s: ingest_records(s, [clean(711, french_partners=["Montreuil"], funding=[])]),
        '"Montreuil" is not linked to an official code (ambiguous: 3 communes',
    ),
    "uncertain_resolution_info": (
        lambda s: ingest_records(
            s, [clean(712, french_partners=["Montreuil", "Département de la Seine-Saint-Denis"])]
        ),
        '"Montreuil" was resolved to Montreuil by the rule context-partners (score 0.9)',
    ),
}


def _truncated():
    from atlas_kg.record import Source

    return Source(path="cut/710.txt", atlas_id=710, complete=False, warnings=[
        'incomplete page (no footer): it stops in "Contexte"; missing sections: Historique'
    ])  # fmt: skip


@pytest.fixture(scope="module")
def clean_store(tmp_path_factory: pytest.TempPathFactory) -> EmbeddedStore:
    store = open_store(tmp_path_factory.mktemp("clean") / "kg")
    report = ingest_records(store, CLEAN)
    assert report.ok and len(report.written) == 2
    return store  # type: ignore[return-value]


def test_every_check_has_a_faulty_fixture_and_a_severity_its_name_says() -> None:
    checks = {c.name.split("/")[1]: c for c in load_checks()}
    assert set(checks) == set(FAULTS)
    for name, check in checks.items():
        expected = (
            "error"
            if name.endswith("_violation")
            else "info"
            if name.endswith("_info")
            else "warning"
        )
        assert check.severity == expected and check.message


@pytest.mark.parametrize("name", sorted(FAULTS))
def test_check_is_silent_on_clean_data(clean_store: EmbeddedStore, name: str) -> None:
    assert run_query(clean_store, f"checks/{name}").rows == []


@pytest.mark.parametrize("name", sorted(FAULTS))
def test_check_finds_its_fault(tmp_path: Path, name: str) -> None:
    store = open_store(tmp_path / "kg")
    ingest_records(store, CLEAN)
    make_faulty, expected = FAULTS[name]
    make_faulty(store)
    (check,) = [c for c in load_checks() if c.name == f"checks/{name}"]
    findings = run_checks(store, [check])
    assert findings, name
    messages = " | ".join(f.message for f in findings)
    assert expected in messages
    assert all(f.severity == check.severity for f in findings)


def test_french_collectivity_found_by_a_contact_email_too(tmp_path: Path) -> None:
    store = open_store(tmp_path / "kg")
    contacts = [ForeignContact("Commune de Thiès", "Diop", "Awa", "Maire", "awa.diop@ville-vanves.fr"),
                ForeignContact("Commune de Thiès", "Sow", "Issa", "Adjoint", "issa.sow@yahoo.fr")]  # fmt: skip
    ingest_records(store, [clean(720, foreign_contacts=contacts)])
    (row,) = run_query(store, "checks/french_collectivity_as_foreign_partner_warning").rows
    assert row["evidence"] == "its contact's e-mail is at ville-vanves.fr"  # not the webmail
    assert row["mail_domains"] == "ville-vanves.fr" and row["namesakes"] is None


def test_french_collectivity_evidence_counts_and_sorts_namesakes_and_domains(
    tmp_path: Path,
) -> None:
    """Plural wording, and lists sorted (SPARQL leaves GROUP_CONCAT's order open)."""
    store = open_store(tmp_path / "kg")
    contacts = [ForeignContact("Montreuil", "Diop", "Awa", "Maire", "awa.diop@Ville-Vanves.FR"),
                ForeignContact("Montreuil", "Sow", "Issa", "Adjoint", "issa.sow@montreuil.fr"),
                ForeignContact("Montreuil", "Ba", "Ali", "Adjoint", "ali.ba@orange.fr")]  # fmt: skip
    partners = [ForeignPartner("Montreuil", "Mali")]
    ingest_records(store, [clean(721, foreign_partners=partners, foreign_contacts=contacts)])
    check = load_query("checks/french_collectivity_as_foreign_partner_warning")
    (finding,) = run_checks(store, [check])
    row = finding.details
    assert (row["namesakes"], row["insee_codes"], row["mail_domains"]) == (
        3, "28267, 85148, 93048", "montreuil.fr, ville-vanves.fr"
    )  # fmt: skip
    assert finding.message == (
        "Montreuil is listed as a foreign partner in Mali, but it bears the name of 3 French "
        "communes, Montreuil (INSEE 28267, 85148, 93048) and its contact's e-mail is at "
        "montreuil.fr, ville-vanves.fr: probably a French collectivity entered on the wrong side "
        "of the partnership (move it to the French partners, or correct the name)"
    )


def test_validate_reports_shacl_and_check_errors(
    tmp_path: Path, clean_store: EmbeddedStore
) -> None:
    good = validate(clean_store)
    assert good.ok and good.shacl_conforms and good.findings == [] and "shacl" in good.checks
    store = open_store(tmp_path / "kg")
    ingest_records(store, CLEAN)
    store.replace_records(
        [_graph_with(clean(730), (ID + "partnership/730", AKG + "atlasId", Literal("oops")))]
    )
    bad = validate(store)
    assert not bad.ok and bad.shacl_conforms is False
    shacl = [f for f in bad.findings if f.check == "shacl"]
    assert shacl and shacl[0].focus == ID + "partnership/730" and "akg:atlasId" in shacl[0].message
    assert bad.rows()[0]["severity"] == "error" and bad.rows()[0]["focus"] == "partnership/730"


def test_the_report_as_shacl_rdf_loads_into_the_store(tmp_path: Path) -> None:
    store = open_store(tmp_path / "kg")
    ingest_records(
        store, [*CLEAN, clean(740, funding=[Funding("Département de l'Isère", -5, [], 2019)])]
    )
    report = validate(store, shacl=False)
    path = tmp_path / "quality.ttl"
    report.write_rdf(path)
    graph = rdflib.Graph().parse(path, format="turtle")
    (root,) = graph.subjects(rdflib.RDF.type, rdflib.URIRef(SH + "ValidationReport"))
    assert graph.value(root, rdflib.URIRef(SH + "conforms")).toPython() is False
    results = list(graph.objects(root, rdflib.URIRef(SH + "result")))
    assert len(results) == len(report.findings) == 1
    assert graph.value(results[0], rdflib.URIRef(SH + "resultSeverity")) == rdflib.URIRef(
        SH + "Violation"
    )
    assert graph.value(results[0], rdflib.URIRef(SH + "focusNode")) == rdflib.URIRef(
        ID + "partnership/740"
    )
    load(store, report)
    assert quality_graph_iri() in store.graph_iris()
    # Its content hash leaves out the time: the same findings, the same digest.
    [digest] = store.content_hashes([quality_graph_iri()]).values()
    report.generated_at = report.generated_at.replace(year=2001)
    load(store, report)
    assert store.content_hashes([quality_graph_iri()]) == {quality_graph_iri(): digest}
    rows = list(store.query(f"SELECT ?m WHERE {{ GRAPH ?g {{ ?r <{SH}resultMessage> ?m }} }}"))
    assert len(rows) == 1 and "-5 euros" in rows[0]["m"].value


def test_broken_checks_are_refused(tmp_path: Path) -> None:
    checks = tmp_path / "checks"
    checks.mkdir()
    (checks / "odd_name.rq").write_text("#+ summary: x\n#+ columns: [a]\nSELECT ?a {}\n")
    with pytest.raises(QueryError, match="must end with _violation, _warning, _info"):
        load_checks(tmp_path)
    (checks / "odd_name.rq").unlink()
    (checks / "x_violation.rq").write_text(
        "#+ summary: x\n#+ severity: warning\n#+ message: m\n#+ columns: [a]\nSELECT ?a {}\n"
    )
    with pytest.raises(QueryError, match="needs 'severity: error'"):
        load_checks(tmp_path)
    (checks / "x_violation.rq").write_text(
        "#+ summary: x\n#+ severity: fatal\n#+ columns: [a]\nSELECT ?a {}\n"
    )
    with pytest.raises(
        QueryError, match="severity 'fatal' is not allowed; expected error, warning, info"
    ):
        load_checks(tmp_path)


# -- the command, on the shared real pages ------------------------------------------------


def _run(store: Path, *args: str):
    return CliRunner().invoke(main, ["--store", str(store), "validate", *args])


def test_validate_on_the_real_pages_says_what_to_do(real_store: Path) -> None:
    result = _run(real_store)
    assert result.exit_code == 0, result.output
    out = result.output
    assert "0 error(s)" in out and "SHACL conforms (37 graph(s) validated)" in out
    assert "WARNING checks/incomplete_page_warning: 34 finding(s)" in out
    assert (
        "partnership/16335: read from a truncated page" in out
        and 'stops in "Contexte et historique"' in out
    )
    # The seed's data error, with both pieces of evidence and what to do.
    assert (
        "partnership/12695: Mantes la Jolie is listed as a foreign partner in Sénégal, but it bears the "
        "name of the French commune Mantes-la-Jolie (INSEE 78361) and its contact's e-mail is at "
        "mantes-la-jolie.fr: probably a French collectivity entered on the wrong side" in out
    )
    assert "Traceback" not in out


def test_validate_formats_rdf_and_load(real_store: Path, tmp_path: Path) -> None:
    store = tmp_path / "kg"
    shutil.copytree(real_store, store)
    csv_out = _run(store, "--format", "csv", "--no-shacl")
    assert csv_out.exit_code == 0
    lines = csv_out.stdout.splitlines()
    assert lines[0] == "severity,check,focus,message" and len(lines) == 1 + 35
    rows = json.loads(_run(store, "--format", "json", "--no-shacl").stdout)
    assert {r["check"] for r in rows} == {
        "checks/incomplete_page_warning", "checks/french_collectivity_as_foreign_partner_warning"
    }  # fmt: skip
    rdf = tmp_path / "report.ttl"
    loaded = _run(store, "--no-shacl", "--rdf", str(rdf), "--load")
    assert loaded.exit_code == 0 and rdf.exists() and "graph/quality" in loaded.output
    reader = open_store(store, read_only=True)
    assert quality_graph_iri() in reader.graph_iris()
    reader.close()


def test_validate_exit_codes(tmp_path: Path) -> None:
    store = open_store(tmp_path / "kg")
    ingest_records(store, [clean(750, funding=[Funding("Département de l'Isère", 0, [], 2019)])])
    store.close()
    failing = _run(tmp_path / "kg", "--no-shacl")
    assert (
        failing.exit_code == 1
        and "ERROR checks/funding_amount_not_positive_violation" in failing.output
    )
    missing = _run(tmp_path / "absent")
    assert missing.exit_code == 2 and "no store at" in missing.output
    assert "Traceback" not in missing.output + failing.output


def test_validate_has_help_and_is_in_the_readme() -> None:
    result = CliRunner().invoke(main, ["validate", "--help"])
    assert result.exit_code == 0 and "Example:" in result.output
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    assert "### atlas-kg validate" in readme and "How names are resolved" in readme
