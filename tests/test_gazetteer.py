"""The French gazetteer (data/gazetteer/, built from @etalab/decoupage-administratif)."""

from __future__ import annotations

import importlib.util
import io
import json
import tarfile
from collections import Counter
from pathlib import Path

import pytest

from atlas_kg import gazetteer
from atlas_kg.gazetteer import GazetteerError, of_form

ROOT = Path(__file__).resolve().parent.parent


def test_loads_every_kind():
    communes = gazetteer.communes()
    kinds = Counter(c.type for c in communes)
    assert set(kinds) == set(gazetteer.COMMUNE_TYPES)
    assert 34_000 < kinds["commune-actuelle"] < 36_000
    assert kinds["arrondissement-municipal"] == 45  # Paris 20, Marseille 16, Lyon 9
    # 13 metropolitan and 5 overseas regions (+ the overseas collectivities of the COG)
    assert len([r for r in gazetteer.regions() if r.zone in ("metro", "drom")]) == 18
    assert len([d for d in gazetteer.departements() if d.zone in ("metro", "drom")]) == 101
    assert 1_200 < len(gazetteer.epcis()) < 1_400
    assert gazetteer.communes() is communes  # cached


def test_known_communes():
    malakoff = gazetteer.commune("92046")
    assert (malakoff.name, malakoff.departement, malakoff.region) == ("Malakoff", "92", "11")
    assert malakoff.siren == "219200466" and malakoff.population > 20_000
    mantes = gazetteer.commune("78361")
    assert (mantes.name, mantes.departement) == ("Mantes-la-Jolie", "78")
    assert gazetteer.commune("99999") is None


def test_merged_commune_former_codes():
    # Châtillon-en-Michaille (01091) merged into Valserhône (01033) in 2019.
    valserhone = gazetteer.commune("01091")
    assert valserhone.code == "01033" and valserhone.name == "Valserhône"
    assert "01091" in valserhone.former_codes
    delegated = [c for c in gazetteer.communes() if c.parent == "01033"]
    assert {c.name for c in delegated} >= {"Châtillon-en-Michaille", "Bellegarde-sur-Valserine"}
    assert all(c.type == "commune-deleguee" and not c.is_current for c in delegated)


def test_departements_regions_and_articles():
    isere = gazetteer.departement("38")
    assert isere.name == "Isère" and isere.region == "84"
    assert "Département " + isere.of_name == "Département de l'Isère"
    assert gazetteer.departement("14").of_name == "du Calvados"
    assert gazetteer.region("53").name == "Bretagne"
    assert gazetteer.region("84").name == "Auvergne-Rhône-Alpes"
    assert of_form("Le Havre", 2) == "du Havre"
    assert of_form("Les Mureaux", 4) == "des Mureaux"
    assert of_form("Orléans", None) == "d'Orléans"
    # département populations are the sums of their communes'
    paris = sum(
        c.population for c in gazetteer.communes() if c.departement == "75" and c.is_current
    )
    assert gazetteer.departement("75").population == paris


def test_epci_membership_is_consistent():
    grenoble = gazetteer.commune("38185")
    metro = gazetteer.epci(grenoble.epci)
    assert metro.name == "Grenoble-Alpes-Métropole" and metro.nature == "METRO"
    members = Counter(c.epci for c in gazetteer.communes() if c.epci)
    for e in gazetteer.epcis():
        if e.nature != "EPT":  # EPT are a second layer: communes point to their EPCI
            assert members[e.siren] == e.members, e.name
    assert set(members) <= {e.siren for e in gazetteer.epcis()}


def test_former_regions():
    former = {f.name: f for f in gazetteer.regions_former()}
    for name, current in {
        "Basse-Normandie": "Normandie",
        "Rhône-Alpes": "Auvergne-Rhône-Alpes",
        "Auvergne": "Auvergne-Rhône-Alpes",
        "Midi-Pyrénées": "Occitanie",
        "Nord-Pas-de-Calais": "Hauts-de-France",
        "Limousin": "Nouvelle-Aquitaine",
    }.items():
        assert gazetteer.region(former[name].region).name == current
    assert all(gazetteer.region(f.region) is not None for f in former.values())


def test_data_files_are_small_and_attributed():
    folder = ROOT / "data" / "gazetteer"
    total = sum(p.stat().st_size for p in folder.iterdir())
    assert total < 3_000_000
    licence = (folder / "LICENSE.md").read_text(encoding="utf-8")
    assert "@etalab/decoupage-administratif" in licence and "Licence Ouverte" in licence


# -- the build script, on a tarball with the package's layout ------------------------------


def _fake_package(path: Path) -> Path:
    data = {
        "package/package.json": {"name": "@etalab/decoupage-administratif", "version": "9.9.9"},
        "package/data/communes.json": [
            {"code": "92046", "nom": "Malakoff", "type": "commune-actuelle", "departement": "92",
             "region": "11", "siren": "219200466", "population": 30557, "typeLiaison": 0,
             "anciensCodes": ["75047"], "codesPostaux": ["92240"]},
            {"code": "92046", "nom": "Ancien Malakoff", "type": "commune-deleguee",
             "departement": "92", "region": "11", "chefLieu": "92046", "typeLiaison": 1},
        ],
        "package/data/departements.json": [
            {"code": "92", "nom": "Hauts-de-Seine", "region": "11", "chefLieu": "92050",
             "typeLiaison": 4, "zone": "metro"}
        ],
        "package/data/regions.json": [
            {"code": "11", "nom": "Île-de-France", "chefLieu": "75056", "typeLiaison": 1, "zone": "metro"}
        ],
        "package/data/epci.json": [
            {"code": "200054781", "nom": "Métropole du Grand Paris", "type": "METRO",
             "modeFinancement": "FPU", "populationMunicipale": 7000000,
             "membres": [{"code": "92046", "siren": "219200466", "nom": "Malakoff"}]}
        ],
    }  # fmt: skip
    tarball = path / "pkg.tgz"
    with tarfile.open(tarball, "w:gz") as tar:
        files = {name: json.dumps(value).encode() for name, value in data.items()}
        files["package/LICENSE"] = b"MIT License (test)"
        for name, raw in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(raw)
            tar.addfile(info, io.BytesIO(raw))
    return tarball


def _load_script():
    spec = importlib.util.spec_from_file_location(
        "build_gazetteer", ROOT / "scripts" / "build_gazetteer.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _clear_caches() -> None:
    for loader in (gazetteer.communes, gazetteer.departements, gazetteer.regions, gazetteer.epcis,
                   gazetteer.regions_former, gazetteer._current_by_code, gazetteer._merged_into,
                   gazetteer._index):  # fmt: skip
        loader.cache_clear()


@pytest.fixture
def rebuilt(tmp_path, monkeypatch):
    """The loader pointed at a gazetteer built by the script from a small tarball."""
    out = tmp_path / "gazetteer"
    script = _load_script()
    assert script.main(["--from-tarball", str(_fake_package(tmp_path)), "--out", str(out)]) == 0
    monkeypatch.setattr(gazetteer, "GAZETTEER_DIR", out)
    _clear_caches()
    yield out
    _clear_caches()


def test_build_script_output_loads(rebuilt):
    assert "9.9.9" in (rebuilt / "LICENSE.md").read_text(encoding="utf-8")
    malakoff = gazetteer.commune("75047")
    assert malakoff.name == "Malakoff" and malakoff.epci == "200054781"
    assert gazetteer.departement("92").population == 30557
    assert gazetteer.epci("200054781").members == 1
    assert len(gazetteer.communes()) == 2


def test_missing_file_is_an_environment_error(rebuilt):
    (rebuilt / "regions_former.csv").unlink(missing_ok=True)
    with pytest.raises(GazetteerError, match=r"regions_former\.csv: gazetteer file missing") as err:
        gazetteer.regions_former()
    assert err.value.exit_code == 2
