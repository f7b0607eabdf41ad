"""Space-joined table rows split right: a hand-written complete page in both renderings.

`tests/cases/rows/page.txt` (plain) and `page_pipe.txt` (pipe) are the same partnership,
written by hand to exercise what the seed lacks: multi-word countries, contacts with
upper-case multi-word last names and functions, 1% amounts with decimals, volunteers,
three-level other themes, ODD rows, two posts, and anomalies (an unknown sub-theme, a row
without a country, a contact whose partner is not listed, a stray ';' on a funder).
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest

from atlas_kg import countries, themes
from atlas_kg.parse import (
    VOLUNTEER_FIELDS,
    VOLUNTEER_MISSIONS,
    parse_bytes,
    parse_file,
    parse_text,
)

CASE = Path(__file__).resolve().parent / "cases" / "rows"
EXPECTED = json.loads((CASE / "expected.json").read_text(encoding="utf-8"))


def comparable(record) -> dict:
    data = record.to_dict()
    source = data.pop("source")
    data["warnings"] = sorted(re.sub(r"^line \d+: ", "", w) for w in source["warnings"])
    data["complete"] = source["complete"]
    return data


EXPECTED_COMPARABLE = {k: v for k, v in EXPECTED.items() if k != "source"} | {
    "warnings": EXPECTED["source"]["warnings"],
    "complete": True,
}


def pipe_to_html(text: str) -> str:
    """Saved-HTML form of the pipe page: pipe rows → table rows, other lines → <div>."""
    out, table = ["<html><body>"], False
    for line in text.splitlines():
        if re.fullmatch(r"(-+\|)+", line):
            continue
        if "|" in line:
            if not table:
                out.append("<table>")
                table = True
            cells = [c.strip() for c in line.rstrip("|").split("|")]
            out.append("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + "</tr>")
            continue
        if table:
            out.append("</table>")
            table = False
        out.append(f"<div>{html.escape(line)}</div>")
    return "\n".join(out) + "</body></html>"


@pytest.mark.parametrize("name", ["page.txt", "page_pipe.txt"])
def test_page_matches_the_hand_written_record(name):
    assert comparable(parse_file(CASE / name)) == EXPECTED_COMPARABLE


def test_html_form_of_the_page():
    page = pipe_to_html((CASE / "page_pipe.txt").read_text(encoding="utf-8"))
    assert comparable(parse_bytes(page.encode())) == EXPECTED_COMPARABLE


def test_the_pipe_priority_shift():
    page = (CASE / "page_pipe.txt").read_text(encoding="utf-8")
    assert "| Protection / Gestion de l'environnement / Biodiversité | 2 | |" in page
    other = parse_text(page).other_themes[1]
    assert (other.subsubtheme, other.priority) == (None, 2)


def test_courriel_on_the_next_line_and_missing_addresses():
    posts = parse_file(CASE / "page_pipe.txt").diplomatic_posts
    assert posts[0].contacts[0].email == "marie.dupont@diplomatie.gouv.fr"
    # "Correspondant" with neither name nor address gives no contact; a name alone does.
    assert [(c.name, c.email) for c in posts[1].contacts] == [("Paul MARTIN", None)]


def test_vocabularies_are_exported():
    assert "VSI" in VOLUNTEER_MISSIONS and "Service civique" in VOLUNTEER_MISSIONS
    assert "Eau et assainissement" in VOLUNTEER_FIELDS


# -- countries ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "written, alpha2",
    [
        ("Territoires palestiniens", "PS"),
        ("Palestine", "PS"),
        ("Cap-Vert", "CV"),
        ("Corée du Sud", "KR"),
        ("Tanzanie", "TZ"),
        ("Benin", "BJ"),
        ("COTE D’IVOIRE", "CI"),
        ("République démocratique du Congo", "CD"),
        ("Congo", "CG"),
        ("Russie", "RU"),
        ("Viet Nam", "VN"),
        ("Vietnam", "VN"),
        ("Moldavie", "MD"),
        ("Macédoine du Nord", "MK"),
        ("Etats-Unis", "US"),
        ("États Unis", "US"),
        ("Guinée-Bissau", "GW"),
        ("Kosovo", "XK"),
    ],
)
def test_country_lookup(written, alpha2):
    assert countries.lookup(written).alpha2 == alpha2


def test_country_table():
    assert countries.lookup("Atlantide") is None
    everything = countries.all_countries()
    assert len(everything) >= 249 and len({c.alpha2 for c in everything}) == len(everything)
    assert countries.lookup("Sénégal").label_en == "Senegal"
    names = countries.country_names()
    assert "Territoires palestiniens" in names and "Burkina Faso" in names
    # Every spelling in the table leads back to a country.
    assert all(countries.lookup(n) is not None for n in names)


def test_country_csv_codes_agree_with_iso():
    import pycountry

    for row in (countries.COUNTRIES_CSV).read_text(encoding="utf-8").splitlines()[1:]:
        alpha2, alpha3 = row.split(",")[:2]
        iso = pycountry.countries.get(alpha_2=alpha2)
        if iso is not None:
            assert iso.alpha_3 == alpha3, row


@pytest.mark.parametrize(
    "row, rest, alpha2",
    [
        ("Mantes la Jolie Sénégal", "Mantes la Jolie", "SN"),
        ("Kinshasa République démocratique du Congo", "Kinshasa", "CD"),
        ("Brazzaville République du Congo", "Brazzaville", "CG"),
        ("Port Moresby Papouasie-Nouvelle-Guinée", "Port Moresby", "PG"),
        ("Conakry Guinée", "Conakry", "GN"),
        ("Sénégal", "", "SN"),
    ],
)
def test_split_trailing_country(row, rest, alpha2):
    got_rest, country, written = countries.split_trailing_country(row)
    assert (got_rest, country.alpha2) == (rest, alpha2)
    assert row.endswith(written)


def test_no_trailing_country():
    assert countries.split_trailing_country("Village sans pays") is None
    assert countries.split_trailing_country("") is None


# -- themes ------------------------------------------------------------------------------


def test_taxonomy_shape():
    tax = themes.taxonomy()
    assert [c.label_fr for c in tax.top()] == [
        "Culture et Patrimoine",
        "Economie durable",
        "Education, Social et Recherche",
        "Environnement, Climat et Energie",
        "Politique, humanitaire et coopération transfrontalière",
    ]
    for concept in tax.concepts():
        assert concept.iri.startswith(themes.THEME_NS) and concept.label_en
        if concept.level == 1:
            assert concept.parent is None
        else:
            assert tax.get(concept.parent).level == concept.level - 1
    water = tax.by_label("eau et dechets", level=2)
    assert water.iri == themes.THEME_NS + "eau-et-dechets"
    assert [c.label_fr for c in tax.children(water.iri)][0] == "Eau et assainissement"
    assert tax.by_label("Eau et déchets", level=1) is None


def test_theme_iris_are_slugs_of_the_french_labels():
    from rdflib import Graph, URIRef
    from rdflib.namespace import SKOS

    for concept in themes.taxonomy().concepts():
        assert concept.iri == themes.THEME_NS + themes.slug(concept.label_fr)
    graph = Graph().parse(themes.THEMES_TTL)
    declared = set(graph.objects(URIRef(themes.SCHEME_IRI), SKOS.hasTopConcept))
    assert {str(i) for i in declared} == {c.iri for c in themes.taxonomy().top()}


def test_every_label_seen_in_the_shared_pages_is_in_the_taxonomy(shared):
    expected = json.loads(
        (CASE.parent / "atlas_pages" / "expected_headers.json").read_text(encoding="utf-8")
    )
    tax = themes.taxonomy()
    for page in expected.values():
        rows = [page["theme"] or {}] + page["other_themes"]
        for row in rows:
            for level, key in enumerate(("theme", "subtheme", "subsubtheme"), start=1):
                if row.get(key):
                    assert tax.by_label(row[key], level) is not None, row[key]


@pytest.mark.parametrize(
    "row, parts",
    [
        (
            "Environnement, Climat et Energie Eau et déchets 1",
            ("Environnement, Climat et Energie", "Eau et déchets", None, 1),
        ),
        (
            "Education, Social et Recherche Education, emploi, formation professionnelle 2",
            (
                "Education, Social et Recherche",
                "Education, emploi, formation professionnelle",
                None,
                2,
            ),
        ),
        (
            "Economie durable Agriculture et développement rural Agriculture et agroalimentaire 5",
            (
                "Economie durable",
                "Agriculture et développement rural",
                "Agriculture et agroalimentaire",
                5,
            ),
        ),
        ("Culture et Patrimoine 3", ("Culture et Patrimoine", None, None, 3)),
    ],
)
def test_split_theme_row(row, parts):
    warnings: list[str] = []
    assert themes.split_theme_row(row, warnings) == parts
    assert warnings == []


def test_unknown_theme_passes_with_a_warning():
    warnings: list[str] = []
    assert themes.split_theme_row("Sport et loisirs Football 2", warnings) == (
        "Sport et loisirs Football",
        None,
        None,
        2,
    )
    assert warnings == [
        "theme 'Sport et loisirs Football' is not in the Atlas taxonomy (row kept whole)"
    ]


@pytest.mark.parametrize("module", ["atlas_kg.countries", "atlas_kg.themes", "atlas_kg.parse"])
def test_docstring_examples(module):
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(module))
    assert result.attempted > 0 and result.failed == 0
