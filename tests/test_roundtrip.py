"""Round trip: parse(render(record)) == record, field by field, in every rendering."""

from __future__ import annotations

import pytest

from atlas_kg.errors import ConfigError
from atlas_kg.parse import parse_text
from atlas_kg.record import (
    Contact,
    DiplomaticPost,
    ForeignContact,
    ForeignPartner,
    Funding,
    Record,
    Source,
    Theme,
)
from atlas_kg.render import STYLES, RenderNoise, render, render_page
from atlas_kg.synth import generate_pages

RECORDS = 2000
SEEDS = {"plain": 101, "pipe": 102, "html": 103}


def _comparable(record: Record) -> dict:
    data = record.to_dict()
    data["source"].pop("path")
    data["source"].pop("sha256")
    return data


def _first_difference(
    want: object, got: object, path: str = ""
) -> tuple[str, object, object] | None:
    """The first differing field: (dotted path, expected value, parsed value)."""
    if isinstance(want, dict) and isinstance(got, dict):
        for key in want:
            found = _first_difference(want[key], got.get(key), f"{path}.{key}" if path else key)
            if found:
                return found
        return None
    if isinstance(want, list) and isinstance(got, list) and len(want) == len(got):
        for i, (w, g) in enumerate(zip(want, got, strict=True)):
            found = _first_difference(w, g, f"{path}[{i}]")
            if found:
                return found
        return None
    return None if want == got else (path, want, got)


def _check(record: Record, style: str, noise: RenderNoise | None) -> str | None:
    """None when the page parses back to the record, else a report of the first difference."""
    page = render_page(record, style, noise=noise)
    back = parse_text(page.text, atlas_id=record.source.atlas_id)
    want = _comparable(record)
    want["source"]["warnings"] = page.warnings
    difference = _first_difference(want, _comparable(back))
    if difference is None:
        return None
    path, expected, got = difference
    words = [w for w in str(expected).split() if len(w) > 3][:2] or [str(expected)]
    lines = [
        f"    {n}: {line}"
        for n, line in enumerate(page.text.splitlines(), 1)
        if any(w in line for w in words)
    ][:8]
    return (
        f"prjId {record.source.atlas_id} ({style}), field {path}: expected {expected!r}, "
        f"got {got!r}\n  rendered lines:\n" + "\n".join(lines)
    )


@pytest.mark.parametrize("style", STYLES)
def test_synthetic_records_round_trip(style):
    failures = []
    checked = noisy = 0
    for page in generate_pages(RECORDS, SEEDS[style]):
        checked += 1
        noisy += page.noise is not None
        problem = _check(page.record, style, page.noise)
        if problem:
            failures.append(problem)
    assert checked == RECORDS and noisy > 0
    assert not failures, f"{len(failures)} of {RECORDS} records differ; first: {failures[0]}"


@pytest.mark.parametrize("style", STYLES)
def test_seed_page_round_trips(seed_page, style):
    record = parse_text(seed_page.read_text(encoding="utf-8"), atlas_id=12695)
    assert record.funding[3].funder == "Mantes la Jolie"  # the seed's ", Mantes la Jolie"
    record.source.warnings = []
    back = parse_text(render(record, style), atlas_id=12695)
    assert _first_difference(_comparable(record), _comparable(back)) is None, style


def _special_record() -> Record:
    return Record(
        source=Source(atlas_id=4242),
        title='Eau & assainissement <phase 2> : « l’accès » "pour tous"',
        diplomatic_posts=[
            DiplomaticPost(
                "Ambassade de France à N'Djamena",
                [Contact("Conseiller de coopération et d'action culturelle", "Anne <B> MARTIN", "a.martin@diplomatie.gouv.fr")],
            )
        ],
        theme=Theme("Environnement, Climat et Energie", "Eau et déchets", None),
        start_year=2012,
        status="finished",
        status_label="Terminé",
        end_date="2014-06-30",
        context="Ligne <un> & deux\nLigne « trois »",
        foreign_partners=[ForeignPartner("Commune d'Abéché", "Tchad")],
        foreign_contacts=[ForeignContact("Commune d'Abéché", "MAHAMAT", "Zara", "Maire", None)],
        french_partners=["Communauté d'agglomération Grand Poitiers"],
        triennial=False,
        funding=[Funding("Région Nouvelle-Aquitaine", 15244.9, [0, 1200], 2013)],
        communication_france=False,
        communication_partner_countries=True,
        evaluation=False,
    )  # fmt: skip


@pytest.mark.parametrize("style", STYLES)
def test_special_characters_round_trip(style):
    record = _special_record()
    noise = RenderNoise(
        funder_punctuation=((0, ", ", ""),), trailing_spaces=True, nbsp=True, crlf=True
    )
    assert _check(record, style, noise) is None


def test_html_is_escaped_and_complete():
    html = render(_special_record(), "html")
    assert html.startswith("<!DOCTYPE html>") and '<meta charset="utf-8">' in html
    assert "&lt;phase 2&gt;" in html and "Eau &amp; assainissement" in html
    assert "<phase 2>" not in html and "<B>" not in html
    assert "<table" in html and "Tous droits réservés" in html


def test_plain_and_pipe_shapes():
    record = _special_record()
    plain, pipe = render(record, "plain"), render(record, "pipe")
    assert "Commune d'Abéché Tchad commun.ico.loupe.alter" in plain
    assert "<< < " in plain and "\n\n" in plain
    assert "Commune d'Abéché | Tchad | commun.ico.loupe.alter |" in pipe.splitlines()
    assert "\n\n" not in pipe and "Courriel :\na.martin[at]diplomatie.gouv.fr" in pipe
    assert plain.rstrip().endswith(
        "Tous droits réservés - Ministère de l'Europe et des Affaires étrangères 2013"
    )
    assert pipe.rstrip().endswith(
        "Tous droits réservés - Ministère de l'Europe et des Affaires étrangères 2013"
    )


def test_unknown_style():
    with pytest.raises(
        ConfigError, match="style: 'markdown' is not allowed; expected plain | pipe | html"
    ):
        render(_special_record(), "markdown")
