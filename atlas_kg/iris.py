"""Deterministic IRIs: the same input always gives the same IRIs, under a configurable base.

Patterns (relative to the base, default ``https://w3id.org/atlas-kg/id/``)::

    partnership/<atlas_id>            partnership/h-<12 hex>   (no Atlas id: content hash)
    graph/partnership/<id>            graph/vocabulary   graph/entities   graph/resolution
    collectivity/<alpha2>/<slug>      (French ones: collectivity/fr/<slug>; unknown: zz)
    organization/<slug>               (a named party that is none of the record's partners)
    post/<slug>   funder/<slug>   country/<alpha2>   person/<slug>   role/<slug>
    membership/<organisation path>/<person slug>[/<role slug>]

Slugs are lower-case ASCII, accents stripped, every other run of characters a ``-``
(``Côte d'Ivoire`` → ``cote-d-ivoire``). A name with no Latin letter or digit gets
``h-<10 hex>`` of its text. The same normalisation gives the ``akg:searchKey`` literals
that named queries compare their label parameters with.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from functools import lru_cache

from .errors import ConfigError

DEFAULT_BASE = "https://w3id.org/atlas-kg/id/"
UNKNOWN_COUNTRY = "zz"
"""ISO 3166 user-assigned code used in collectivity IRIs whose country is not recognised."""

_LIGATURES = str.maketrans(
    {"œ": "oe", "æ": "ae", "ß": "ss", "ø": "o", "đ": "d", "ł": "l", "ı": "i", "þ": "th"}
)
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


@lru_cache(maxsize=131072)  # names repeat across records: normalise each once
def search_key(text: str) -> str:
    """The normalised form of a label: lower-case ASCII words joined by ``-``.

    >>> search_key("  Côte d’Ivoire ")
    'cote-d-ivoire'
    >>> search_key("MANTES-LA-JOLIE"), search_key("Œuvre")
    ('mantes-la-jolie', 'oeuvre')

    Text without any Latin letter or digit keeps its case-folded words.
    """
    folded = unicodedata.normalize("NFKD", text.casefold().translate(_LIGATURES))
    bare = "".join(ch for ch in folded if not unicodedata.combining(ch))
    key = _NON_ALNUM.sub("-", bare).strip("-")
    return key or " ".join(text.casefold().split())


@lru_cache(maxsize=131072)
def slug(text: str) -> str:
    """The IRI slug of a name (``search_key``, or ``h-<hash>`` for non-Latin names).

    >>> slug("Ambassade de France à Dakar")
    'ambassade-de-france-a-dakar'
    >>> slug("北京")
    'h-68c77e1551'
    """
    key = search_key(text)
    if _SLUG.fullmatch(key):
        return key
    return "h-" + hashlib.sha256(text.strip().encode()).hexdigest()[:10]


def check_base(base: str) -> str:
    """The base IRI, checked: absolute ``http(s)`` and ending with ``/`` or ``#``."""
    if not re.match(r"^https?://[^\s<>\"{}|\\^`]+[/#]$", base):
        raise ConfigError("--base", base, "an absolute http(s) IRI ending with '/' or '#'")
    return base


def partnership_iri(pid: str, *, base: str = DEFAULT_BASE) -> str:
    return f"{base}partnership/{pid}"


def graph_iri(pid: str, *, base: str = DEFAULT_BASE) -> str:
    """The named graph holding what one record says."""
    return f"{base}graph/partnership/{pid}"


def vocabulary_graph_iri(*, base: str = DEFAULT_BASE) -> str:
    """The shared named graph: ontology, theme scheme, SDGs, countries."""
    return f"{base}graph/vocabulary"


def entity_graph_iri(*, base: str = DEFAULT_BASE) -> str:
    """The derived named graph describing each shared entity once (``rdf.refresh_entities``)."""
    return f"{base}graph/entities"


def funding_graph_iri(*, base: str = DEFAULT_BASE) -> str:
    """The derived named graph of funding totals per funder and year and per country
    (``rdf.refresh_funding``)."""
    return f"{base}graph/funding"


def funding_total_iri(key: str, *, base: str = DEFAULT_BASE) -> str:
    """A funding total, named by what it sums (``"<funder IRI> <year>"``, a country IRI)."""
    return f"{base}funding-total/{hashlib.sha256(key.encode()).hexdigest()[:16]}"


def count_graph_iri(*, base: str = DEFAULT_BASE) -> str:
    """The derived named graph of partnership counts per country and per post
    (``rdf.refresh_counts``)."""
    return f"{base}graph/counts"


def partnership_count_iri(key: str, *, base: str = DEFAULT_BASE) -> str:
    """A partnership count, named by what it counts (``"<country IRI> <post IRI>"``, either
    part empty)."""
    return f"{base}partnership-count/{hashlib.sha256(key.encode()).hexdigest()[:16]}"


def collectivity_iri(name: str, alpha2: str | None, *, base: str = DEFAULT_BASE) -> str:
    """A collectivity in a country (``fr`` for French ones, ``zz`` when unknown)."""
    return f"{base}collectivity/{(alpha2 or UNKNOWN_COUNTRY).lower()}/{slug(name)}"


def organization_iri(name: str, *, base: str = DEFAULT_BASE) -> str:
    """A party named in a record (maître d'œuvre...) that is none of its partners."""
    return f"{base}organization/{slug(name)}"


def funder_iri(name: str, *, base: str = DEFAULT_BASE) -> str:
    """A funder by name (``rdf`` first resolves funders that are partners or collectivities)."""
    return f"{base}funder/{slug(name)}"


def post_iri(name: str, *, base: str = DEFAULT_BASE) -> str:
    return f"{base}post/{slug(name)}"


def country_iri(alpha2: str, *, base: str = DEFAULT_BASE) -> str:
    return f"{base}country/{alpha2.lower()}"


def person_iri(key: str, *, base: str = DEFAULT_BASE) -> str:
    return f"{base}person/{slug(key)}"


def role_iri(label: str, *, base: str = DEFAULT_BASE) -> str:
    return f"{base}role/{slug(label)}"


def membership_iri(
    organization: str, person: str, role: str | None = None, *, base: str = DEFAULT_BASE
) -> str:
    """A person's membership of an organisation (with a role): built from their IRIs."""
    org_path = organization.removeprefix(base)
    tail = person.rsplit("/", 1)[1]
    if role is not None:
        tail += "/" + role.rsplit("/", 1)[1]
    return f"{base}membership/{org_path}/{tail}"
