"""The 34 real pages in ../shared/atlas-pages: hand-written expected header fields.

The pages are cut by the crawler inside "Contexte": every one must say it is incomplete and
name the sections it lost, and `strict` must reject it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from atlas_kg.errors import PageError
from atlas_kg.parse import parse_file

CASES = Path(__file__).resolve().parent / "cases"
EXPECTED = json.loads((CASES / "atlas_pages" / "expected_headers.json").read_text(encoding="utf-8"))
HEADER_FIELDS = [
    "diplomatic_posts",
    "title",
    "first_signature_year",
    "theme",
    "other_themes",
    "sdgs",
    "start_year",
    "status",
    "status_label",
    "end_date",
]


@pytest.fixture(scope="module")
def pages(shared) -> Path:
    return shared / "atlas-pages"


def test_every_shared_page_has_an_expectation(pages):
    assert sorted(p.name for p in pages.glob("prjId_*.txt")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_header_fields(pages, name):
    expected = EXPECTED[name]
    record = parse_file(pages / name).to_dict()
    assert record["source"]["atlas_id"] == expected["atlas_id"]
    for field in HEADER_FIELDS:
        assert record[field] == expected[field], field


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_truncated_page_is_incomplete_and_says_what_is_missing(pages, name):
    record = parse_file(pages / name)
    assert record.source.complete is False
    (warning,) = record.source.warnings  # nothing else is wrong with these pages
    stop = EXPECTED[name]["stops_in"]
    assert warning.startswith(
        f'incomplete page (no footer): it stops in "{stop}"; missing sections: '
    )
    missing = warning.split("missing sections: ")[1].split("; ")
    assert missing[-1].startswith("Volontaires impliqués dans le partenariat")
    assert "Financement du partenariat" in missing and "Objectif du partenariat" in missing
    # "Contexte et historique" (2022+) replaces "Historique": not reported missing then.
    assert ("Historique" in missing) == (stop == "Contexte")
    # Nothing cut away leaks into a field.
    assert record.description is None and record.funding == [] and record.foreign_partners == []


@pytest.mark.parametrize("name", ["prjId_2829.txt", "prjId_12496.txt", "prjId_16335.txt"])
def test_strict_rejects_truncated_pages(pages, name):
    with pytest.raises(PageError) as err:
        parse_file(pages / name, strict=True)
    assert err.value.path == str(pages / name)
    assert err.value.message.startswith("incomplete page (no footer)")
    assert err.value.line is not None
    assert "Tous droits réservés" in err.value.expected


def test_context_keeps_the_text_up_to_the_cut(pages):
    record = parse_file(pages / "prjId_6072.txt")
    # The page repeats its own label ("Contexte" twice): the repetition is dropped.
    assert record.context.startswith("Au Sud, La commune de Grand Popo")
    assert "\n\n" not in record.context
