"""The seed page (prjId 12695) parses to the hand-checked golden record, field by field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from atlas_kg.errors import PageError
from atlas_kg.parse import iter_page_files, parse_bytes, parse_file, parse_text
from atlas_kg.record import Record

CASES = Path(__file__).resolve().parent / "cases"
EXPECTED = json.loads((CASES / "seed" / "expected.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def seed_record(seed_page) -> Record:
    return parse_file(seed_page, atlas_id=12695)


def test_source(seed_record, seed_page):
    assert seed_record.source.path == str(seed_page)
    got = seed_record.to_dict()["source"]
    got["path"] = None
    assert got == EXPECTED["source"]


@pytest.mark.parametrize("name", [k for k in EXPECTED if k != "source"])
def test_field(seed_record, name):
    assert seed_record.to_dict()[name] == EXPECTED[name]


def test_whole_record_round_trips_through_json(seed_record):
    assert Record.from_json(seed_record.to_json()) == seed_record


def test_the_stray_comma_is_reported_not_silently_fixed(seed_record):
    (warning,) = seed_record.source.warnings
    assert "', Mantes la Jolie'" in warning and warning.startswith("line 161:")


def test_no_template_noise_reaches_a_field(seed_record):
    text = seed_record.to_json()
    for noise in ("???", "pagination.", "commun.ico.loupe.alter", "\u00a0", "[at]"):
        assert noise not in text


def test_atlas_id_sources(seed_page, tmp_path):
    data = seed_page.read_bytes()
    assert parse_bytes(data).source.atlas_id is None
    assert parse_bytes(data, atlas_id=7).source.atlas_id == 7
    named = tmp_path / "prjId_12695.txt"
    named.write_bytes(data)
    assert parse_file(named).source.atlas_id == 12695
    url = "https://pastel.diplomatie.gouv.fr/cncdext/dyn/public/atlas/detailProjet.html?criteres.prjId=555\n"
    assert parse_bytes(url.encode() + data).source.atlas_id == 555
    # The page's own id wins over a conflicting argument, with a warning.
    rec = parse_file(named, atlas_id=1)
    assert rec.source.atlas_id == 12695
    assert any("atlas id 1 given" in w for w in rec.source.warnings)


def test_strict_accepts_the_complete_seed(seed_page):
    assert parse_file(seed_page, strict=True).source.complete


def test_parse_text_equals_parse_bytes(seed_page):
    data = seed_page.read_bytes()
    assert parse_text(data.decode("utf-8"), atlas_id=12695) == parse_bytes(data, atlas_id=12695)


def test_unreadable_path_is_a_page_error(tmp_path):
    with pytest.raises(PageError) as err:
        parse_file(tmp_path)
    assert err.value.path == str(tmp_path)
    assert err.value.message.startswith("cannot read the file")


def test_iter_page_files(tmp_path):
    for name in ("b/2.html", "a/1.txt", "a/x.md", "c.HTM", "a/z.txt"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    single = tmp_path / "a" / "x.md"
    found = list(iter_page_files([single, tmp_path, tmp_path / "a"]))
    # A file given is read whatever its suffix; folders are searched recursively, sorted.
    assert [p.relative_to(tmp_path).as_posix() for p in found] == [
        "a/x.md",
        "a/1.txt",
        "a/z.txt",
        "b/2.html",
        "c.HTM",
    ]
