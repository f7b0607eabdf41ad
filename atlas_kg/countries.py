"""Country names as the Atlas writes them: lookup, and the country at the end of a table row.

The names come from two sources, loaded once and cached:

- pycountry's ISO 3166-1 list with its French translations (``gettext`` domain
  ``iso3166-1``): every official French name is a recognised spelling;
- ``data/countries.csv``, the Atlas's own spellings: one row per country whose preferred
  Atlas label (``label_fr``) or English label differs from pycountry's, plus aliases
  separated by ``;`` (``Territoires palestiniens``, ``Etats-Unis``, ``Cap-Vert``, ``RDC``...)
  and countries pycountry lacks (Kosovo).

Matching ignores case, accents, apostrophes (``'`` ``’``), hyphens and repeated spaces, so
``Cote d’Ivoire``, ``côte-d'ivoire`` and ``Côte d'Ivoire`` are one country.
"""

from __future__ import annotations

import csv
import gettext
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from .paths import DATA_DIR

COUNTRIES_CSV = DATA_DIR / "countries.csv"


@dataclass(frozen=True)
class Country:
    """A country: ISO codes, the Atlas's preferred French label and an English label."""

    alpha2: str
    alpha3: str
    label_fr: str
    label_en: str


_SEPARATORS = re.compile(r"[\s'’‘ʼ`´\-‐‑–—.,()]+")


def normalize(name: str) -> str:
    """The matching key of a name: lower case, no accents, apostrophes/hyphens as spaces."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SEPARATORS.sub(" ", bare).strip()


class _Table:
    """Every spelling → country, built once."""

    def __init__(self) -> None:
        import pycountry  # heavy-ish: only when a country is first needed

        french = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["fr"])
        overrides: dict[str, dict[str, str]] = {}
        with open(COUNTRIES_CSV, encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                overrides[row["alpha2"]] = row
        self.countries: dict[str, Country] = {}
        self.by_key: dict[str, Country] = {}
        self.names: list[str] = []
        spellings: list[tuple[str, Country]] = []
        for iso in pycountry.countries:
            row = overrides.pop(iso.alpha_2, None) or {}
            official_fr = french.gettext(iso.name)
            common = getattr(iso, "common_name", None)
            common_fr = french.gettext(common) if common else None
            country = Country(
                alpha2=iso.alpha_2,
                alpha3=iso.alpha_3,
                label_fr=row.get("label_fr") or common_fr or official_fr,
                label_en=row.get("label_en") or common or iso.name,
            )
            self.countries[country.alpha2] = country
            names = [country.label_fr, official_fr, common_fr, *_aliases(row)]
            spellings.extend((n, country) for n in names if n)
        for row in overrides.values():  # countries pycountry does not list (Kosovo)
            country = Country(row["alpha2"], row["alpha3"], row["label_fr"], row["label_en"])
            self.countries[country.alpha2] = country
            spellings.extend((n, country) for n in [country.label_fr, *_aliases(row)])
        for name, country in spellings:
            key = normalize(name)
            # The preferred label of a country wins over another country's alias.
            if key and (key not in self.by_key or name == country.label_fr):
                self.by_key[key] = country
            if name not in self.names:
                self.names.append(name)
        self.max_words = max(len(key.split()) for key in self.by_key)


def _aliases(row: dict[str, str]) -> list[str]:
    return [a.strip() for a in (row.get("aliases") or "").split(";") if a.strip()]


@lru_cache(maxsize=1)
def _table() -> _Table:
    return _Table()


@lru_cache(maxsize=4096)
def lookup(name: str) -> Country | None:
    """The country a name designates (any recognised spelling), or None."""
    if not name:
        return None
    return _table().by_key.get(normalize(name))


def all_countries() -> list[Country]:
    """Every known country, sorted by ISO alpha-2 code."""
    return sorted(_table().countries.values(), key=lambda c: c.alpha2)


def country_names() -> list[str]:
    """Every recognised spelling (preferred labels, official French names, aliases)."""
    return list(_table().names)


def by_code(alpha2: str) -> Country | None:
    """The country with this ISO 3166-1 alpha-2 code."""
    return _table().countries.get(alpha2.upper())


def split_trailing_country(text: str) -> tuple[str, Country, str] | None:
    """Split ``"<name> <country>"`` at the longest country name ending the text.

    Returns ``(rest, country, spelling)``: ``rest`` is the text before the country (may be
    empty), ``spelling`` the country as written. None when the text ends with no country.

    >>> rest, country, written = split_trailing_country("Kinshasa République démocratique du Congo")
    >>> rest, country.alpha2, written
    ('Kinshasa', 'CD', 'République démocratique du Congo')
    """
    table = _table()
    tokens = text.split()
    for k in range(min(len(tokens), table.max_words), 0, -1):
        written = " ".join(tokens[-k:])
        country = table.by_key.get(normalize(written))
        if country is not None:
            return " ".join(tokens[:-k]), country, written
    return None
