"""The French gazetteer: communes, départements, régions and EPCI of the official COG.

The data lives in ``data/gazetteer/`` (built by ``scripts/build_gazetteer.py`` from the npm
package ``@etalab/decoupage-administratif``: INSEE's Code officiel géographique, the DGCL's
EPCI list, INSEE legal populations; Licence Ouverte, see ``data/gazetteer/LICENSE.md``).
Each loader reads its file once and caches the result (tuples of frozen dataclasses)::

    >>> from atlas_kg import gazetteer
    >>> gazetteer.commune("92046").name
    'Malakoff'
    >>> gazetteer.departement("38").of_name
    "de l'Isère"

``regions_former()`` maps region names used before the 2016 reform ("Basse-Normandie",
"Rhône-Alpes", "Nord-Pas-de-Calais-Picardie"...) to today's regions; that file is written
by hand (its columns are described in ``data/gazetteer/LICENSE.md``).
"""

from __future__ import annotations

import csv
import gzip
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TypeVar

from .errors import AtlasError
from .paths import GAZETTEER_DIR

T = TypeVar("T")

COMMUNE_TYPES = (
    "commune-actuelle",
    "commune-deleguee",
    "commune-associee",
    "arrondissement-municipal",
)

# INSEE's TNCC (type de nom en clair): the article a name takes and its "de" form.
_ARTICLES = {2: "Le ", 3: "La ", 4: "Les ", 5: "L'", 7: "Las ", 8: "Los "}
_OF_FORMS = {
    0: "de ",
    1: "d'",
    2: "du ",
    3: "de la ",
    4: "des ",
    5: "de l'",
    6: "aux ",
    7: "de las ",
    8: "de los ",
}


class GazetteerError(AtlasError):
    """The gazetteer files are missing or malformed (an environment problem: exit 2)."""

    exit_code = 2


def of_form(name: str, tncc: int | None) -> str:
    """``name`` after "de", with the article INSEE's TNCC gives it.

    >>> of_form("Isère", 5), of_form("Calvados", 2), of_form("Le Havre", 2), of_form("Ain", 5)
    ("de l'Isère", 'du Calvados', 'du Havre', "de l'Ain")
    """
    if tncc is None:
        tncc = 1 if name[:1].upper() in "AEIOUYÉÈÊÎÔH" else 0
    article = _ARTICLES.get(tncc)
    if article and name.startswith(article):
        name = name[len(article) :]  # commune names carry their article: "Le Havre" → "du Havre"
    return _OF_FORMS.get(tncc, "de ") + name


@dataclass(frozen=True, slots=True)
class Commune:
    """A commune of the COG (``type`` in ``COMMUNE_TYPES``)."""

    code: str
    """INSEE code; a delegated commune may share its parent's code, so (code, type) is the key."""
    name: str
    type: str
    departement: str | None
    region: str | None
    siren: str | None
    population: int | None
    parent: str | None
    """The commune a delegated/associated commune belongs to, or the city of an arrondissement."""
    former_codes: tuple[str, ...]
    """INSEE codes of the communes merged into this one."""
    epci: str | None
    """SIREN of its EPCI à fiscalité propre."""
    tncc: int | None
    postal_codes: tuple[str, ...]

    @property
    def is_current(self) -> bool:
        return self.type == "commune-actuelle"

    @property
    def of_name(self) -> str:
        return of_form(self.name, self.tncc)


@dataclass(frozen=True, slots=True)
class Departement:
    code: str
    name: str
    region: str
    chef_lieu: str | None
    tncc: int | None
    zone: str | None
    population: int
    communes: int

    @property
    def of_name(self) -> str:
        """ "de l'Isère", "du Calvados": as in "Département de l'Isère"."""
        return of_form(self.name, self.tncc)


@dataclass(frozen=True, slots=True)
class Region:
    code: str
    name: str
    chef_lieu: str | None
    tncc: int | None
    zone: str | None
    population: int
    communes: int

    @property
    def of_name(self) -> str:
        return of_form(self.name, self.tncc)


@dataclass(frozen=True, slots=True)
class Epci:
    """An EPCI à fiscalité propre (``nature`` CC, CA, CU, METRO, MET69) or an EPT of Grand Paris."""

    siren: str
    name: str
    nature: str
    financing: str | None
    population: int | None
    members: int


@dataclass(frozen=True, slots=True)
class FormerRegion:
    """A region name no longer in the COG and the current region it became part of."""

    name: str
    code: str
    region: str
    until: str | None
    kind: str


def _rows(name: str) -> Iterator[dict[str, str]]:
    path = Path(GAZETTEER_DIR) / name
    try:
        if name.endswith(".gz"):
            text = gzip.decompress(path.read_bytes()).decode("utf-8")
        else:
            text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise GazetteerError(
            f"{path}: gazetteer file missing; expected it in the repository "
            "(rebuild with `make gazetteer`)"
        ) from None
    except (OSError, EOFError, UnicodeDecodeError) as exc:
        raise GazetteerError(f"{path}: cannot read the gazetteer file ({exc})") from None
    yield from csv.DictReader(io.StringIO(text))


def _load(name: str, build: Callable[[dict[str, str]], T]) -> tuple[T, ...]:
    """Every row of a gazetteer file, built into a record; a bad row names the file."""
    try:
        return tuple(build(r) for r in _rows(name))
    except (KeyError, ValueError) as exc:
        raise GazetteerError(f"{name}: malformed row ({exc})") from None


def _int(value: str) -> int | None:
    return int(value) if value else None


def _codes(value: str) -> tuple[str, ...]:
    return tuple(value.split(";")) if value else ()


@cache
def communes() -> tuple[Commune, ...]:
    """Every commune of the COG: current ones, delegated/associated ones, arrondissements."""
    return _load(
        "communes.csv.gz",
        lambda r: Commune(
            code=r["code"],
            name=r["name"],
            type=r["type"],
            departement=r["departement"] or None,
            region=r["region"] or None,
            siren=r["siren"] or None,
            population=_int(r["population"]),
            parent=r["parent"] or None,
            former_codes=_codes(r["former_codes"]),
            epci=r["epci"] or None,
            tncc=_int(r["tncc"]),
            postal_codes=_codes(r["postal_codes"]),
        ),
    )


@cache
def departements() -> tuple[Departement, ...]:
    return _load(
        "departements.csv",
        lambda r: Departement(
            code=r["code"],
            name=r["name"],
            region=r["region"],
            chef_lieu=r["chef_lieu"] or None,
            tncc=_int(r["tncc"]),
            zone=r["zone"] or None,
            population=int(r["population"]),
            communes=int(r["communes"]),
        ),
    )


@cache
def regions() -> tuple[Region, ...]:
    return _load(
        "regions.csv",
        lambda r: Region(
            code=r["code"],
            name=r["name"],
            chef_lieu=r["chef_lieu"] or None,
            tncc=_int(r["tncc"]),
            zone=r["zone"] or None,
            population=int(r["population"]),
            communes=int(r["communes"]),
        ),
    )


@cache
def epcis() -> tuple[Epci, ...]:
    return _load(
        "epci.csv",
        lambda r: Epci(
            siren=r["siren"],
            name=r["name"],
            nature=r["nature"],
            financing=r["financing"] or None,
            population=_int(r["population"]),
            members=int(r["members"]),
        ),
    )


@cache
def regions_former() -> tuple[FormerRegion, ...]:
    return _load(
        "regions_former.csv",
        lambda r: FormerRegion(
            name=r["name"],
            code=r["code"],
            region=r["region"],
            until=r["until"] or None,
            kind=r["kind"],
        ),
    )


# -- lookups ---------------------------------------------------------------------------


@cache
def _current_by_code() -> dict[str, Commune]:
    return {c.code: c for c in communes() if c.is_current}


@cache
def _merged_into() -> dict[str, Commune]:
    return {old: c for c in communes() if c.is_current for old in c.former_codes}


def commune(code: str) -> Commune | None:
    """The current commune with this INSEE code, or the one a former code was merged into."""
    return _current_by_code().get(code) or _merged_into().get(code)


@cache
def _index() -> dict[str, dict[str, object]]:
    return {
        "departement": {d.code: d for d in departements()},
        "region": {r.code: r for r in regions()},
        "epci": {e.siren: e for e in epcis()},
    }


def departement(code: str) -> Departement | None:
    return _index()["departement"].get(code)  # type: ignore[return-value]


def region(code: str) -> Region | None:
    """A current region by INSEE code (``regions_former()`` has the pre-2016 ones)."""
    return _index()["region"].get(code)  # type: ignore[return-value]


def epci(siren: str) -> Epci | None:
    return _index()["epci"].get(siren)  # type: ignore[return-value]
