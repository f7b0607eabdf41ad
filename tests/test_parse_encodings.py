"""The seed saved in other encodings, line ends, the pipe rendering and as HTML: same record."""

from __future__ import annotations

import codecs
import html
import re

import pytest

from atlas_kg.errors import PageError
from atlas_kg.parse import parse_bytes, parse_text

# The seed's table rows, cell by cell (read from the page: its plain rendering joins the
# cells with spaces). Header rows first in each table.
SEED_TABLES = {
    "Thématique éligible Sous-thématique Sous-sous-thématique Priorité": [
        "Thématique éligible",
        "Sous-thématique",
        "Sous-sous-thématique",
        "Priorité",
    ],
    "Nom de la collectivité étrangère Pays": ["Nom de la collectivité étrangère", "Pays"],
    "Mantes la Jolie Sénégal commun.ico.loupe.alter": [
        "Mantes la Jolie",
        "Sénégal",
        "commun.ico.loupe.alter",
    ],
    "Nom de la collectivité étrangère Nom Prénom Fonction Courriel": [
        "Nom de la collectivité étrangère",
        "Nom",
        "Prénom",
        "Fonction",
        "Courriel",
    ],
    "Mantes la Jolie racagel Nadege nracagel@mantes-la-jolie.fr": [
        "Mantes la Jolie",
        "racagel",
        "Nadege",
        "",
        "nracagel@mantes-la-jolie.fr",
    ],
    "Nom de la collectivité territoriale": ["Nom de la collectivité territoriale"],
    "Malakoff commun.ico.loupe.alter": ["Malakoff", "commun.ico.loupe.alter"],
    "Nom du financeur Montant en euros Montant 1% Eau (Loi Oudin 2005) Montant 1% Eau (Loi "
    "Oudin 2005) Montant 1% Eau (Loi Oudin 2005) Année": ["Nom du financeur", "Montant en euros"]
    + ["Montant 1% Eau (Loi Oudin 2005)"] * 3
    + ["Année"],
    "Autre 28000 0 2007": ["Autre", "28000", "0", "", "", "2007"],
    "Malakoff 20000 0 2007": ["Malakoff", "20000", "0", "", "", "2007"],
    "Ministère de l'Europe et des Affaires étrangères 17000 2007": [
        "Ministère de l'Europe et des Affaires étrangères",
        "17000",
        "",
        "",
        "",
        "2007",
    ],
    ", Mantes la Jolie 5000 2007": [", Mantes la Jolie", "5000", "", "", "", "2007"],
    "Nom Prénom Mission Champs d'action Entité d'affectation": [
        "Nom",
        "Prénom",
        "Mission",
        "Champs d'action",
        "Entité d'affectation",
    ],
}
HEADERS = {k for k in SEED_TABLES if k.startswith(("Thématique éligible", "Nom "))}
PAGINATION = "<< < pagination.page.precedent 1 pagination.page.suivant > >>"


@pytest.fixture(scope="module")
def seed_text(seed_page) -> str:
    return seed_page.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def reference(seed_text):
    return comparable(parse_text(seed_text, atlas_id=12695))


def comparable(record) -> dict:
    """The record without what legitimately differs: hash, path, line numbers, decoding notes."""
    data = record.to_dict()
    source = data.pop("source")
    data["warnings"] = [
        re.sub(r"^line \d+: ", "", w) for w in source["warnings"] if not w.startswith("not UTF-8")
    ]
    data["complete"] = source["complete"]
    data["atlas_id"] = source["atlas_id"]
    return data


def test_utf8_with_bom(seed_text, reference):
    rec = parse_bytes(codecs.BOM_UTF8 + seed_text.encode("utf-8"), atlas_id=12695)
    assert comparable(rec) == reference
    assert rec.source.warnings == parse_text(seed_text).source.warnings


def test_crlf(seed_text, reference):
    assert (
        comparable(parse_bytes(seed_text.replace("\n", "\r\n").encode(), atlas_id=12695))
        == reference
    )


def test_utf16_with_bom(seed_text, reference):
    assert comparable(parse_bytes(seed_text.encode("utf-16"), atlas_id=12695)) == reference


def test_windows_1252(seed_text, reference):
    rec = parse_bytes(seed_text.encode("cp1252"), atlas_id=12695)
    assert comparable(rec) == reference
    assert "not UTF-8: decoded as Windows-1252" in rec.source.warnings


def test_latin1(seed_text):
    # Latin-1 has no ’ œ … –: the page a Latin-1 tool saves has them replaced, labels too
    # ("Maître(s) d'oeuvre", "Mise en oeuvre du partenariat").
    text = seed_text.translate(str.maketrans({"’": "'", "…": "...", "–": "-", "œ": "oe"}))
    assert "Maître(s) d'oeuvre" in text
    latin1 = text.encode("latin-1")
    rec = parse_bytes(latin1, atlas_id=12695)
    assert comparable(rec) == comparable(parse_text(text, atlas_id=12695))
    assert rec.implementing_parties == ["Communauté rurale de Ngogom"]
    assert rec.context.startswith("La communauté rurale de N'Gogom")


def test_latin1_bytes_undefined_in_windows_1252():
    page = "Titre\nCaf\xe9 \x81\nAnn\xe9e de d\xe9but du partenariat\n2010\n".encode("latin-1")
    rec = parse_bytes(page)
    assert rec.title == "Café \x81"
    assert "not UTF-8: decoded as Latin-1" in rec.source.warnings


def test_nbsp_and_decomposed_accents_are_normalised(seed_text, reference):
    text = seed_text.replace("é", "e\u0301").replace(" ", "\u00a0", 40)
    assert comparable(parse_text(text, atlas_id=12695)) == reference


def pipe_rendering(seed_text: str) -> str:
    """The markdown-like rendering: no blank lines, pipe tables, split Courriel lines."""
    out: list[str] = []
    for raw in seed_text.split("\n"):
        line = raw.strip().replace("\u00a0", " ").strip()
        if not line or line.startswith("Accueil >"):
            continue
        if line in SEED_TABLES:
            out.append(" | ".join(SEED_TABLES[line]) + " |")
            if line in HEADERS:
                out.append("---|" * len(SEED_TABLES[line]))
        elif line == PAGINATION:
            out.extend(
                ["<<", "< pagination.page.precedent", "1", "pagination.page.suivant >", ">>"]
            )
        elif line.startswith("Courriel : "):
            out.extend(["Courriel :", line[len("Courriel : ") :]])
        else:
            out.append(line)
    return "\n".join(out) + "\n"


def html_rendering(seed_text: str) -> str:
    """A saved HTML page: text lines end with <br>, tables are tables, plus page chrome."""
    body: list[str] = []
    in_table = False
    for raw in seed_text.split("\n"):
        line = raw.strip().replace("\u00a0", " ").strip()
        if line in SEED_TABLES:
            if not in_table:
                body.append("<table><tbody>")
                in_table = True
            tag = "th" if line in HEADERS else "td"
            cells = "".join(
                f"<{tag}>\n  {html.escape(c)}  </{tag}>"
                if c != "commun.ico.loupe.alter"
                else f'<{tag}><a href="#"><span class="ico">{c}</span></a></{tag}>'
                for c in SEED_TABLES[line]
            )
            body.append(f"<tr>{cells}</tr>")
            continue
        if in_table:
            body.append("</tbody></table>")
            in_table = False
        if not line:
            body.append("<!-- blank -->")
        elif line.startswith("Titre") or line.startswith("Contacts dans le poste"):
            body.append(f"<h3>{html.escape(line)}</h3>")
        else:
            body.append(f"<span>{html.escape(line).replace(' ', '&nbsp;', 1)}</span><br/>")
    return (
        '<!DOCTYPE html>\n<html lang="fr"><head><meta charset="utf-8"><title>Détail projet</title>'
        "<style>p { color: red }</style><script>var x = '<p>Titre</p>';</script></head>\n"
        '<body><div id="contenu">\n' + "\n".join(body) + "\n</div></body></html>\n"
    )


def test_pipe_rendering(seed_text, reference):
    assert comparable(parse_text(pipe_rendering(seed_text), atlas_id=12695)) == reference


def test_saved_html(seed_text, reference):
    page = html_rendering(seed_text)
    assert comparable(parse_bytes(page.encode("utf-8"), atlas_id=12695)) == reference


def test_saved_html_in_windows_1252_with_declared_charset(seed_text, reference):
    page = html_rendering(seed_text).replace('charset="utf-8"', 'charset="windows-1252"')
    rec = parse_bytes(page.encode("cp1252"), atlas_id=12695)
    assert comparable(rec) == reference


def test_html_without_atlas_content_is_rejected():
    with pytest.raises(PageError) as err:
        parse_bytes(b"<html><body><p>Bonjour</p></body></html>", path="x.html")
    assert err.value.message.startswith("not an Atlas partnership page")
