"""`atlas-kg parse`: exit codes, stdout records and the exact stderr messages."""

from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner

from atlas_kg.cli import main
from atlas_kg.record import Record

SEED_WARNING = (
    "warning: line 161: funding: stray punctuation stripped from funder "
    "', Mantes la Jolie' → 'Mantes la Jolie'"
)
EMPTY = "error: empty file; expected an Atlas partnership page (text or HTML)"
BINARY = "error: binary data, not a text page; expected a text or HTML page"
NOT_ATLAS = (
    "error: not an Atlas partnership page (fewer than two of its section labels); expected "
    "labels such as 'Titre', 'Thématique d'intervention', 'Année de début du partenariat'"
)


def run(*args: str):
    return CliRunner().invoke(main, ["parse", *args], catch_exceptions=False)


@pytest.fixture
def seed(tmp_path, seed_page):
    path = tmp_path / "seed.txt"
    shutil.copy(seed_page, path)
    return path


@pytest.fixture
def bad_files(tmp_path):
    (tmp_path / "bad").mkdir()
    empty = tmp_path / "bad" / "empty.txt"
    empty.write_bytes(b"\n  \n")
    binary = tmp_path / "bad" / "binary.txt"
    binary.write_bytes(bytes(range(256)) * 4)
    other = tmp_path / "bad" / "recipe.txt"
    other.write_text("Titre\nTarte aux pommes\nIngrédients\n3 pommes\n", encoding="utf-8")
    return empty, binary, other


def test_seed(seed):
    result = run(str(seed), "--id", "12695")
    assert result.exit_code == 0
    assert result.stderr == f"{seed}: {SEED_WARNING}\n"
    (line,) = result.stdout.splitlines()
    record = Record.from_json(line)
    assert record.source.atlas_id == 12695 and record.title == "solidarité numérique avec Ngogom"


@pytest.mark.parametrize("which, message", [(0, EMPTY), (1, BINARY), (2, NOT_ATLAS)])
def test_rejected_file(bad_files, which, message):
    path = bad_files[which]
    result = run(str(path))
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == f"{path}: {message}\n"


def test_folder_mixing_good_and_bad(tmp_path, seed, bad_files):
    html = tmp_path / "sub" / "page.html"
    html.parent.mkdir()
    html.write_text(
        "<html><body><p>Titre</p><p>Un titre</p><p>Thématique d'intervention</p>"
        "<p>Economie durable</p></body></html>",
        encoding="utf-8",
    )
    (tmp_path / "notes.md").write_text("not a page suffix: ignored")
    result = run(str(tmp_path))
    assert result.exit_code == 1
    empty, binary, other = bad_files
    warning = (
        f'{html}: warning: incomplete page (no footer): it stops in "Thématique d\'intervention"'
    )
    lines = result.stderr.splitlines()
    # Files in sorted path order: bad/binary, bad/empty, bad/recipe, seed.txt, sub/page.html.
    assert lines[:4] == [
        f"{binary}: {BINARY}",
        f"{empty}: {EMPTY}",
        f"{other}: {NOT_ATLAS}",
        f"{seed}: {SEED_WARNING}",
    ]
    assert lines[4].startswith(warning + "; missing sections: Sous-thématique d'intervention;")
    assert len(lines) == 5
    titles = [json.loads(line)["title"] for line in result.stdout.splitlines()]
    assert titles == ["solidarité numérique avec Ngogom", "Un titre"]


def test_strict_rejects_a_truncated_page(tmp_path, seed_page):
    lines = seed_page.read_text(encoding="utf-8").split("\n")
    cut = tmp_path / "prjId_12695.txt"
    cut.write_text("\n".join(lines[:40]), encoding="utf-8")
    assert run(str(cut)).exit_code == 0
    result = run(str(cut), "--strict")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith(
        f'{cut}:40: error: incomplete page (no footer): it stops in "Contexte"; missing sections: '
        "Historique; Objectif du partenariat;"
    )
    assert result.stderr.endswith(
        "; expected a complete page ending with 'Tous droits réservés - Ministère de "
        "l'Europe et des Affaires étrangères'\n"
    )


def test_json_and_table_formats(seed):
    result = run(str(seed), "--format", "json")
    assert result.exit_code == 0
    (record,) = json.loads(result.stdout)
    assert record["funding"][0] == {
        "funder": "Autre",
        "amount_eur": 28000,
        "one_percent_eur": [0],
        "year": 2007,
    }
    table = run(str(seed), "--format", "table", "--id", "12695")
    header, rule, row = table.stdout.splitlines()
    assert header.split() == [
        "file",
        "atlas_id",
        "complete",
        "status",
        "start_year",
        "countries",
        "title",
    ]
    assert row.split()[:6] == ["seed.txt", "12695", "yes", "ongoing", "2007", "Sénégal"]


def test_id_needs_a_single_file(seed, tmp_path):
    result = run(str(seed), str(seed), "--id", "3")
    assert result.exit_code == 2
    assert result.stderr.endswith(
        "Error: --id applies to a single file, not to several files or a folder\n"
    )
    assert run(str(tmp_path), "--id", "3").exit_code == 2


def test_usage_errors(tmp_path):
    missing = tmp_path / "nope.txt"
    result = run(str(missing))
    assert result.exit_code == 2
    assert f"Path '{missing}' does not exist." in result.stderr
    assert run().exit_code == 2
    assert run(str(tmp_path), "--format", "xml").exit_code == 2


def test_empty_folder(tmp_path):
    result = run(str(tmp_path))
    assert result.exit_code == 1
    assert (
        result.stderr == f"{tmp_path}: error: no page files (*.txt, *.html, *.htm) in this folder\n"
    )


def test_help_has_an_example():
    result = run("--help")
    assert result.exit_code == 0
    assert "Example:" in result.stdout and "atlas-kg parse" in result.stdout
