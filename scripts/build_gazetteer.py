#!/usr/bin/env python3
"""Rebuild ``data/gazetteer/`` from the npm package ``@etalab/decoupage-administratif``.

The package (Etalab / DINUM) republishes INSEE's Code officiel géographique (COG), the
DGCL's list of EPCI à fiscalité propre and INSEE's legal populations as JSON. This script
fetches it with ``npm pack`` (the registry tarball, no ``node_modules``), reads its JSON and
writes compact CSV files that ``atlas_kg.gazetteer`` loads:

- ``communes.csv.gz``: every commune of the COG, with the delegated and associated
  communes of merged communes and the municipal arrondissements of Paris, Lyon, Marseille;
- ``departements.csv``, ``regions.csv``: with population and commune counts summed here;
- ``epci.csv``: EPCI à fiscalité propre (CC, CA, CU, métropoles) and the EPT of Grand Paris;
- ``LICENSE.md``: licence and attribution, with the package version used.

``regions_former.csv`` (the regions before the 2016 reform) is written by hand and kept.

Usage::

    python scripts/build_gazetteer.py [--version 6.0.0] [--out data/gazetteer]
    python scripts/build_gazetteer.py --from-tarball etalab-decoupage-administratif-6.0.0.tgz
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections import defaultdict
from datetime import date
from pathlib import Path

PACKAGE = "@etalab/decoupage-administratif"
ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "data" / "gazetteer"

COMMUNE_COLUMNS = [
    "code",  # INSEE code (not unique alone: a delegated commune may share its parent's code)
    "name",
    "type",  # commune-actuelle | commune-deleguee | commune-associee | arrondissement-municipal
    "departement",
    "region",
    "siren",
    "population",  # legal municipal population (current communes and arrondissements)
    "parent",  # chef-lieu commune of a delegated/associated commune, or the city of an arrondissement
    "former_codes",  # ';'-separated INSEE codes absorbed by this commune (mergers)
    "epci",  # SIREN of the EPCI à fiscalité propre the commune belongs to
    "tncc",  # INSEE article type (0-8): drives "de", "d'", "du", "de la", "des", "de l'"
    "postal_codes",  # ';'-separated
]


def fetch_package(version: str | None, workdir: Path) -> Path:
    """``npm pack`` the package into ``workdir`` and return the tarball."""
    spec = f"{PACKAGE}@{version}" if version else PACKAGE
    if shutil.which("npm") is None:
        sys.exit("error: npm is not installed (needed to fetch the package from the registry)")
    done = subprocess.run(
        ["npm", "pack", spec, "--silent", "--pack-destination", str(workdir)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        sys.exit(f"error: npm pack {spec} failed:\n{done.stderr.strip()}")
    tarballs = sorted(workdir.glob("*.tgz"))
    if not tarballs:
        sys.exit(f"error: npm pack {spec} produced no tarball")
    return tarballs[-1]


def read_package(tarball: Path) -> dict[str, object]:
    """The package's JSON files and ``package.json``, read straight from the tarball."""
    wanted = {
        "package/package.json": "package",
        "package/LICENSE": "license",
        "package/data/communes.json": "communes",
        "package/data/departements.json": "departements",
        "package/data/regions.json": "regions",
        "package/data/epci.json": "epci",
        "package/data/ept.json": "ept",
    }
    out: dict[str, object] = {}
    with tarfile.open(tarball, "r:gz") as tar:
        for member in tar.getmembers():
            key = wanted.get(member.name)
            if key is None:
                continue
            raw = tar.extractfile(member).read().decode("utf-8")  # type: ignore[union-attr]
            out[key] = raw if key == "license" else json.loads(raw)
    missing = set(wanted.values()) - set(out) - {"ept"}
    if missing:
        sys.exit(f"error: {tarball.name} lacks {', '.join(sorted(missing))}")
    return out


def _csv_text(columns: list[str], rows: list[dict[str, object]]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({c: "" if row.get(c) is None else row.get(c) for c in columns})
    return buf.getvalue()


def build(pkg: dict[str, object], out: Path) -> dict[str, int]:
    communes_src = pkg["communes"]
    epci_src = list(pkg["epci"]) + list(pkg.get("ept") or [])  # type: ignore[arg-type]

    # Which EPCI each commune belongs to (EPT are a second layer in Grand Paris: keep the EPCI).
    epci_of: dict[str, str] = {}
    for e in pkg["epci"]:  # type: ignore[union-attr]
        for m in e["membres"]:
            epci_of[m["code"]] = e["code"]

    communes = []
    for c in communes_src:  # type: ignore[union-attr]
        is_current = c["type"] == "commune-actuelle"
        communes.append(
            {
                "code": c["code"],
                "name": c["nom"],
                "type": c["type"],
                "departement": c.get("departement"),
                "region": c.get("region"),
                "siren": c.get("siren"),
                "population": c.get("population"),
                "parent": c.get("chefLieu") or c.get("commune"),
                "former_codes": ";".join(c.get("anciensCodes") or []),
                "epci": epci_of.get(c["code"]) if is_current else None,
                "tncc": c.get("typeLiaison"),
                "postal_codes": ";".join(c.get("codesPostaux") or []),
            }
        )
    communes.sort(key=lambda r: (r["code"], r["type"] != "commune-actuelle", r["type"], r["name"]))

    pop_dep: dict[str, int] = defaultdict(int)
    n_dep: dict[str, int] = defaultdict(int)
    pop_reg: dict[str, int] = defaultdict(int)
    n_reg: dict[str, int] = defaultdict(int)
    for c in communes:
        if c["type"] != "commune-actuelle":
            continue
        pop = int(c["population"] or 0)
        pop_dep[c["departement"]] += pop
        n_dep[c["departement"]] += 1
        pop_reg[c["region"]] += pop
        n_reg[c["region"]] += 1

    departements = [
        {
            "code": d["code"],
            "name": d["nom"],
            "region": d["region"],
            "chef_lieu": d.get("chefLieu"),
            "tncc": d.get("typeLiaison"),
            "zone": d.get("zone"),
            "population": pop_dep.get(d["code"], 0),
            "communes": n_dep.get(d["code"], 0),
        }
        for d in pkg["departements"]  # type: ignore[union-attr]
    ]
    regions = [
        {
            "code": r["code"],
            "name": r["nom"],
            "chef_lieu": r.get("chefLieu"),
            "tncc": r.get("typeLiaison"),
            "zone": r.get("zone"),
            "population": pop_reg.get(r["code"], 0),
            "communes": n_reg.get(r["code"], 0),
        }
        for r in pkg["regions"]  # type: ignore[union-attr]
    ]
    epcis = [
        {
            "siren": e["code"],
            "name": e["nom"],
            "nature": e["type"],
            "financing": e.get("modeFinancement") or None,
            "population": e.get("populationMunicipale"),
            "members": len(e["membres"]),
        }
        for e in epci_src
    ]
    epcis.sort(key=lambda r: r["siren"])

    out.mkdir(parents=True, exist_ok=True)
    # mtime=0: the gzip bytes depend on the content only, so a rebuild gives an identical file.
    data = _csv_text(COMMUNE_COLUMNS, communes).encode("utf-8")
    with (
        open(out / "communes.csv.gz", "wb") as fh,
        gzip.GzipFile(
            filename="communes.csv", mode="wb", fileobj=fh, mtime=0, compresslevel=9
        ) as gz,
    ):
        gz.write(data)
    dep_cols = ["code", "name", "region", "chef_lieu", "tncc", "zone", "population", "communes"]
    (out / "departements.csv").write_text(_csv_text(dep_cols, departements), encoding="utf-8")
    reg_cols = ["code", "name", "chef_lieu", "tncc", "zone", "population", "communes"]
    (out / "regions.csv").write_text(_csv_text(reg_cols, regions), encoding="utf-8")
    epci_cols = ["siren", "name", "nature", "financing", "population", "members"]
    (out / "epci.csv").write_text(_csv_text(epci_cols, epcis), encoding="utf-8")
    return {
        "communes": len(communes),
        "departements": len(departements),
        "regions": len(regions),
        "epci": len(epcis),
    }


LICENSE_TEMPLATE = """\
# French gazetteer: source, licence and attribution

The files `communes.csv.gz`, `departements.csv`, `regions.csv` and `epci.csv` are derived
by `scripts/build_gazetteer.py` from the npm package
[`{package}`](https://www.npmjs.com/package/{package}) version **{version}**
(repository <https://github.com/datagouv/decoupage-administratif>), built on {built}.

That package republishes, as JSON:
- the *Code officiel géographique* (COG) of INSEE: communes (including delegated and
  associated communes of merged communes, and municipal arrondissements), départements,
  régions; <https://www.insee.fr/fr/information/2560452>
- the list and composition of the *EPCI à fiscalité propre* of the DGCL (Direction
  générale des collectivités locales), with SIREN codes, and the *établissements publics
  territoriaux* (EPT) of the Métropole du Grand Paris;
- the legal populations (*populations légales*) of INSEE.

**Licences.** The data: *Licence Ouverte / Open Licence* 2.0 (Etalab),
<https://www.etalab.gouv.fr/licence-ouverte-open-licence>; reuse requires attribution:
"Source : INSEE, Code officiel géographique; DGCL; via Etalab,
`{package}` {version}". The package's code: MIT (its licence text follows).

What this project changed: columns renamed to English, a few fields dropped, the
département and région populations and commune counts summed from the communes, the
commune → EPCI membership inverted from the EPCI member lists, communes compressed with
gzip.

`regions_former.csv` is not from the package: it is written by hand (kept by this script)
from the law n° 2015-29 of 16 January 2015 (the 2016 regions) and the decrees of
28 September 2016 (their final names). Columns: `name` (as written before), `code` (the
former INSEE region code), `region` (the current region's code), `until` (last day the
name was in force), `kind` (`former region` merged in 2016, `former name` of a region that
was renamed, `provisional name` of a 2016 region before its decree, `usage name` used by
the collectivity itself but not in the COG). The Atlas keeps these names in older records
("Région Basse-Normandie", "Rhône-Alpes").

Row counts: {counts}.

```
{license}
```
"""


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--version", help="package version (default: the registry's latest)")
    ap.add_argument("--from-tarball", type=Path, help="use this npm tarball, do not fetch")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder")
    args = ap.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="gazetteer-") as tmp:
        tarball = args.from_tarball or fetch_package(args.version, Path(tmp))
        pkg = read_package(tarball)
    version = pkg["package"]["version"]  # type: ignore[index]
    counts = build(pkg, args.out)
    (args.out / "LICENSE.md").write_text(
        LICENSE_TEMPLATE.format(
            package=PACKAGE,
            version=version,
            built=date.today().isoformat(),
            counts=", ".join(f"{k} {v:,}" for k, v in counts.items()),
            license=str(pkg["license"]).strip(),
        ),
        encoding="utf-8",
    )
    for f in sorted(args.out.iterdir()):
        print(f"{f.relative_to(ROOT) if f.is_relative_to(ROOT) else f}  {f.stat().st_size:,} bytes")
    print(f"{PACKAGE} {version}: " + ", ".join(f"{v:,} {k}" for k, v in counts.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
