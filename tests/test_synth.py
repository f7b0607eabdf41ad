"""The synthetic Atlas: determinism, realism (distributions, anomaly rates) and the CLI."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from atlas_kg import gazetteer
from atlas_kg.cli import main
from atlas_kg.countries import lookup, normalize
from atlas_kg.errors import ConfigError
from atlas_kg.record import Record
from atlas_kg.render import page_layout
from atlas_kg.synth import (
    DUPLICATE,
    FRENCH_AS_FOREIGN,
    SDG_LABELS,
    generate,
    generate_pages,
    write_atlas,
)
from atlas_kg.themes import taxonomy

N = 3000


@pytest.fixture(scope="module")
def pages():
    return list(generate_pages(N, 5))


@pytest.fixture(scope="module")
def records(pages):
    return [p.record for p in pages]


def _tree(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


# -- determinism ---------------------------------------------------------------------------


def test_same_seed_same_bytes_different_seed_different(tmp_path):
    a = write_atlas(tmp_path / "a", 120, 7, render="mixed")
    write_atlas(tmp_path / "b", 120, 7, render="mixed")
    write_atlas(tmp_path / "c", 120, 8, render="mixed")
    assert _tree(tmp_path / "a") == _tree(tmp_path / "b")
    assert (tmp_path / "a" / "truth.jsonl").read_bytes() != (
        tmp_path / "c" / "truth.jsonl"
    ).read_bytes()
    assert len(_tree(tmp_path / "a")) == 121 and a.records == 120
    assert set(a.styles) <= {"plain", "pipe", "html"} and sum(a.styles.values()) == 120


def test_independent_of_python_hash_seed():
    code = (
        "import hashlib, sys; from atlas_kg.synth import generate; "
        "h = hashlib.sha256(); [h.update(r.to_json().encode()) for r in generate(150, 3)]; "
        "print(h.hexdigest())"
    )
    digests = set()
    for hash_seed in ("0", "12345"):
        env = dict(os.environ, PYTHONHASHSEED=hash_seed)
        done = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
        )
        digests.add(done.stdout.strip())
    assert len(digests) == 1


def test_generate_is_repeatable():
    assert [r.to_json() for r in generate(50, 1)] == [r.to_json() for r in generate(50, 1)]


def test_truth_describes_the_pages(tmp_path):
    summary = write_atlas(tmp_path, 60, 2, render="mixed")
    lines = (tmp_path / "truth.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 60 == summary.records
    ids = []
    for line in lines:
        record = Record.from_json(line)
        page = tmp_path / record.source.path
        assert (
            page.name
            == f"prjId_{record.source.atlas_id}.{'html' if page.suffix == '.html' else 'txt'}"
        )
        assert hashlib.sha256(page.read_bytes()).hexdigest() == record.source.sha256
        assert record.source.complete is True
        ids.append(record.source.atlas_id)
    assert ids == sorted(ids) and len(set(ids)) == 60


def test_bad_arguments():
    with pytest.raises(ConfigError, match="render: 'pdf' is not allowed"):
        write_atlas("unused", 1, 1, render="pdf")
    with pytest.raises(ConfigError, match="records"):
        list(generate(-1, 1))


# -- realism -------------------------------------------------------------------------------


def test_ids(records):
    ids = [r.source.atlas_id for r in records]
    assert ids == sorted(ids) and len(set(ids)) == N
    assert ids[0] >= 2000 and ids[-1] <= 17000


def test_country_skew_and_spread(records):
    per_country = Counter(c for r in records for c in {p.country for p in r.foreign_partners})
    assert all(lookup(c) is not None for c in per_country)
    assert len(per_country) >= 110  # ~140 at 12,000 records
    leaders = {"Mali", "Burkina Faso", "Sénégal", "Madagascar", "Maroc"}
    assert {c for c, _ in per_country.most_common(4)} <= leaders
    assert 0.06 <= per_country.most_common(1)[0][1] / N <= 0.13
    assert sum(1 for c, k in per_country.items() if k <= 3) >= 20  # a long tail
    multiword = {"Burkina Faso", "République démocratique du Congo", "Côte d'Ivoire"}
    assert multiword <= set(per_country)


def test_heavy_tailed_reuse(records):
    french = Counter(f for r in records for f in set(r.french_partners))
    assert french.most_common(1)[0][1] >= 0.012 * N  # Paris, Île-de-France... in many records
    assert sum(1 for k in french.values() if k == 1) / len(french) >= 0.5
    foreign = Counter(normalize(p.name) for r in records for p in r.foreign_partners)
    assert sum(1 for k in foreign.values() if k == 1) / len(foreign) >= 0.6
    assert foreign.most_common(1)[0][1] >= 5


def test_names_as_the_atlas_writes_them(records):
    french = {f for r in records for f in r.french_partners}
    assert any(f.startswith("Département de") or f.startswith("Département d'") for f in french)
    assert any(f.startswith("Région ") for f in french)
    assert any(f.startswith(("Conseil départemental ", "Conseil général ")) for f in french)
    assert any(
        f.startswith(("Communauté d", "Métropole")) or f.endswith("Métropole") for f in french
    )
    commune_names = {c.name for c in gazetteer.communes() if c.is_current}
    assert sum(1 for f in french if f in commune_names) >= 0.3 * len(french)
    # pre-2016 records keep the former regions' names
    assert any(f in ("Région Rhône-Alpes", "Région Basse-Normandie", "Région Midi-Pyrénées",
                     "Région Nord-Pas-de-Calais", "Région Auvergne", "Région Aquitaine")
               for f in french)  # fmt: skip
    foreign = [p.name for r in records for p in r.foreign_partners]
    assert any(n.startswith("Communauté rurale de") for n in foreign)
    assert any("’" in n for n in foreign) and any("'" in n for n in foreign)
    assert any(n.isupper() for n in foreign)  # spelling variants in upper case


def test_posts(records):
    counts = Counter(len(r.diplomatic_posts) for r in records)
    assert set(counts) <= {0, 1, 2, 3} and counts[1] > counts[2] > counts[3] > 0
    names = Counter(p.name for r in records for p in r.diplomatic_posts)
    assert names["Ambassade de France à Bamako"] > 100
    assert names["Consul général à Jérusalem"] > 0 and names["AMBASSADE DE FRANCE A TUNIS"] > 0
    roles = Counter(len(p.contacts) for r in records for p in r.diplomatic_posts)
    assert roles[2] > roles[1] > 0 and roles[0] >= 0
    for r in records:
        for p in r.diplomatic_posts:
            assert len({c.role for c in p.contacts}) == len(p.contacts)
    same_person = sum(
        1 for r in records for p in r.diplomatic_posts
        if len(p.contacts) == 2 and p.contacts[0].name and p.contacts[0].name == p.contacts[1].name
    )  # fmt: skip
    assert same_person > 0


def test_themes_and_sdgs(records):
    tax = taxonomy()
    for r in records:
        assert len(r.other_themes) <= 5
        assert [t.priority for t in r.other_themes] == list(range(1, len(r.other_themes) + 1))
        for t in r.other_themes:
            assert tax.by_label(t.theme, 1) and tax.by_label(t.subtheme, 2)
        if page_layout(r.source.atlas_id, r.start_year) == "old":
            assert not r.other_themes
        if r.start_year is not None and r.start_year >= 2022:
            assert r.sdgs and r.history is None
            weights = [s.weight for s in r.sdgs]
            assert weights == sorted(weights, reverse=True)
            assert all(s.label == SDG_LABELS[s.goal] for s in r.sdgs)
        else:
            assert not r.sdgs
    assert max(len(r.other_themes) for r in records) == 5


def test_funding(records):
    funders = Counter(f.funder for r in records for f in r.funding)
    assert {"Ministère des Affaires étrangères", "Ministère de l'Europe et des Affaires étrangères",
            "MAEE", "Autre"} <= set(funders)  # fmt: skip
    assert any(name.startswith("Agence de l'eau ") for name in funders)
    assert not any(name[-1].isdigit() for name in funders)
    rows = [f for r in records for f in r.funding]
    assert any(f.one_percent_eur for f in rows) and all(len(f.one_percent_eur) <= 3 for f in rows)
    assert any(isinstance(f.amount_eur, float) for f in rows)
    for r in records:
        for f in r.funding:
            assert f.amount_eur is not None and f.year is not None
            if r.end_date:
                assert f.year <= int(r.end_date[:4])
    assert sum(1 for r in records if r.triennial) > 0
    assert sum(1 for r in records if r.volunteers) > 0


def _rate(count: int) -> float:
    return count / N


def test_anomaly_rates(records, pages):
    french_keys = {normalize(c.name) for c in gazetteer.communes() if c.is_current}
    as_foreign = sum(
        1 for r in records if any(normalize(p.name) in french_keys for p in r.foreign_partners)
    )
    assert FRENCH_AS_FOREIGN / 3 <= _rate(as_foreign) <= FRENCH_AS_FOREIGN * 2.5

    seen: dict[tuple, set[str]] = {}
    for r in records:
        key = (r.title, tuple(p.name for p in r.foreign_partners), tuple(r.french_partners))
        seen.setdefault(key, set()).add(r.status)
    duplicates = sum(len(statuses) - 1 for statuses in seen.values())
    assert DUPLICATE / 2.5 <= _rate(duplicates) <= DUPLICATE * 2

    outside = sum(1 for r in records if any(f.year < r.start_year for f in r.funding))
    assert 0.01 <= _rate(outside) <= 0.045

    stray = sum(1 for p in pages if p.noise and p.noise.funder_punctuation)
    assert 0.003 <= _rate(stray) <= 0.02
    tags = Counter(tag for p in pages for tag in p.anomalies)
    assert tags["stray_punctuation"] == stray and tags["duplicate"] > 0


# -- the command ---------------------------------------------------------------------------


def test_cli_writes_pages_and_summary(tmp_path):
    out = tmp_path / "atlas"
    result = CliRunner().invoke(
        main, ["synth", "--records", "25", "--seed", "4", "--out", str(out), "--render", "html"]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert result.stderr.startswith(f"25 pages (html 25) + truth.jsonl in {out} in ")
    assert len(list(out.glob("prjId_*.html"))) == 25
    assert len((out / "truth.jsonl").read_text(encoding="utf-8").splitlines()) == 25
    assert json.loads((out / "truth.jsonl").read_text(encoding="utf-8").splitlines()[0])["source"][
        "complete"
    ]


def test_cli_refuses_a_folder_with_pages(tmp_path):
    CliRunner().invoke(main, ["synth", "-n", "3", "-o", str(tmp_path)])
    result = CliRunner().invoke(main, ["synth", "-n", "3", "-o", str(tmp_path)])
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: out: {str(tmp_path)!r} is not allowed; expected a new or empty folder "
        "(it already holds 4 page(s) or truth.jsonl)\n"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-n", "0"], "Invalid value for '--records' / '-n': 0 is not in the range x>=1."),
        (["-n", "2", "--render", "pdf"], "Invalid value for '--render': 'pdf' is not one of"),
        (
            ["-n", "2", "--seed", "x"],
            "Invalid value for '--seed' / '-s': 'x' is not a valid integer.",
        ),
    ],
)
def test_cli_usage_errors(tmp_path, args, message):
    result = CliRunner().invoke(main, ["synth", "-o", str(tmp_path / "o"), *args])
    assert result.exit_code == 2
    assert message in result.stderr
    assert not (tmp_path / "o").exists()


def test_cli_missing_out():
    result = CliRunner().invoke(main, ["synth", "-n", "2"])
    assert result.exit_code == 2 and "Missing option '--out' / '-o'" in result.stderr
