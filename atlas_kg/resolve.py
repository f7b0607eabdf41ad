"""Entity resolution: the names a record writes → the entities they designate.

The pipeline stage between ``parse`` and ``rdf``. The source's spelling is always kept
(``rdfs:label``/``skos:altLabel``); resolution links and merges beside it, and every
non-trivial decision is stored with its rule, score and the names it came from.

Two levels, so that ingest stays idempotent and O(n):

1. **Per record, deterministic** (``resolve_record``, called by ``rdf.record_graph``):
   French collectivities → the official gazetteer (commune INSEE code and SIREN,
   département, région, EPCI SIREN) by dictionary lookups on normalised names; a name
   several communes share is settled by context (a département in the name or beside it
   in the record's text, the other French collectivities of the record) or left
   unresolved with the reason. Canonical IRIs follow from the entity, so ``Ville de
   Malakoff`` and ``Malakoff`` are one node (``collectivity/fr/malakoff``). Funders: a
   funder named like one of the record's partners *is* that partner; a known collectivity
   is that collectivity; the ministry under its successive names is one funder
   (``data/funders.csv``); ``Autre`` stays generic. Posts: the city in the post's name →
   its country (``data/posts.csv``).
2. **Across records** (``refresh_resolution``, run at the end of each ingest and drop):
   foreign collectivities of one country whose names are variants of each other (prefix
   added or dropped, ``Commune rurale``/``Communauté rurale``, apostrophes, a typo) are
   linked with ``owl:sameAs`` to one representative in the named graph
   ``graph/resolution``, with every variant as ``skos:altLabel`` and an
   ``akg:NameResolution`` node per merge saying why. Record graphs never change, so
   ingest stays idempotent; the resolution graph is rewritten only when its content
   changes.

The rules a decision can carry (``akg:rule``) are listed in ``RULES``. Fuzzy matching
(``rapidfuzz.fuzz.ratio`` on the compact name, ``FUZZY_THRESHOLD``) only compares names of
the same country and kind level, with guards against merging different places: numbers,
cardinal points and other distinguishing words must agree, short names never fuzzy-merge,
the letters that differ must be ones transliteration varies (``SOFT_LETTERS``, or a doubled
letter), the two names must share a French partner, and each must be the other's unique best
match.

>>> resolve_french("Ville de Malakoff").entity.code
'92046'
>>> resolve_french("Montreuil").reason
'ambiguous: 3 communes are named Montreuil (28267, 85148, 93048) and nothing in the record says which'
>>> post_country("AMBASSADE DE FRANCE A TUNIS").alpha2
'TN'
"""

from __future__ import annotations

import csv
import hashlib
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache, lru_cache

from . import countries, gazetteer
from .iris import DEFAULT_BASE, UNKNOWN_COUNTRY, search_key, slug
from .paths import DATA_DIR
from .record import Record

__all__ = [
    "FUZZY_THRESHOLD",
    "RULES",
    "ForeignKey",
    "ForeignName",
    "FrenchEntity",
    "Funder",
    "Merge",
    "NameDecision",
    "RecordResolution",
    "ResolutionSummary",
    "cluster_foreign",
    "foreign_key",
    "funder_alias",
    "post_country",
    "refresh_resolution",
    "resolution_graph_iri",
    "resolve_french",
    "resolve_record",
]

FUZZY_THRESHOLD = 92.0
"""Minimum ``rapidfuzz.fuzz.ratio`` (0–100) of two compact foreign names to merge them.

The ratio is an indel similarity: at 92 a letter inserted or dropped passes for names of
``FUZZY_MIN_LENGTH`` letters or more (``Ouahigouya``/``Ouahigouiya`` score 95.2), a letter
changed only for names of 13 or more. Two different places one letter apart score as high
(``Kobadougou``/``Koubadougou``), which is why a fuzzy merge also needs a French partner in
common, the same guard words and a unique best match (see ``cluster_foreign``).
``bench/bench_resolve.py`` measures precision and recall on labelled synthetic data.
"""
FUZZY_MIN_LENGTH = 8
"""Compact names shorter than this are never merged by fuzzy matching."""
SOFT_LETTERS = frozenset("aeiouyhw")
"""Letters whose insertion, loss or change makes a spelling variant (``Ouahigouya`` /
``Ouahigouiya``, ``Kédougou`` / ``Keddougou``): transliterations of one name differ in vowels,
``h``, ``w`` and doubled letters. A consonant added, dropped or changed names another place
(``Jabal Jabra`` / ``Jabal-Jara``), so it blocks a fuzzy merge."""

RULES: dict[str, str] = {
    "official-name": "the name is the official name of the collectivity (gazetteer)",
    "kind-prefix": "the official name with its kind written out (Ville de, Conseil départemental de, Région, Communauté de communes…)",
    "former-name": "a name the collectivity had before (2016 regions, renamed regions)",
    "merged-commune": "the name of a former commune, merged into the current one (COG former codes)",
    "context-name": "a homonym settled by the département written in the name",
    "context-text": "a homonym settled by the département written beside the name in the record",
    "context-partners": "a homonym settled by the record's other French collectivities (same département, région or EPCI)",
    "funder-alias": "a funder's other name or acronym (data/funders.csv)",
    "same-as-partner": "named like one of the record's partners, or the same gazetteer entity",
    "same-name": "the same name once case, accents, punctuation and the kind prefix are set aside",
    "prefix-dropped": "the bare name of the only collectivity of that name in the country",
    "fuzzy": f"a spelling variant: rapidfuzz ratio at least {FUZZY_THRESHOLD:g} on the compact names, differing only in vowels, h, w or a doubled letter",
    "ambiguous": "not resolved: several entities have this name and nothing in the record says which",
    "unknown": "not resolved: no collectivity of the gazetteer has this name",
}
"""Every rule a decision can carry (``akg:rule``), with its meaning."""


# -- normalisation -----------------------------------------------------------------------

_PARENS = re.compile(r"\([^()]*\)|\[[^\[\]]*\]")
_ABBREVIATIONS = {"st": "saint", "ste": "sainte", "sts": "saints", "stes": "saintes"}


@lru_cache(maxsize=262144)
def name_words(text: str) -> tuple[str, ...]:
    """The words of a name for matching: ``search_key`` words, ``St``/``Ste`` spelled out.

    >>> name_words("St-Denis (93)")
    ('saint', 'denis', '93')
    """
    key = search_key(text)
    return tuple(_ABBREVIATIONS.get(w, w) for w in key.split("-") if w)


def _key(words: Sequence[str]) -> str:
    return "-".join(words)


def _bare(text: str) -> tuple[str, list[str]]:
    """The name without its parenthesised parts, and those parts (context)."""
    parts = [p[1:-1] for p in _PARENS.findall(text)]
    return _PARENS.sub(" ", text).strip(), parts


# -- the French gazetteer ----------------------------------------------------------------


@dataclass(frozen=True)
class FrenchEntity:
    """A French collectivity of the gazetteer."""

    kind: str
    """``commune`` | ``departement`` | ``region`` | ``epci``."""
    code: str
    """INSEE code (commune, département, région) or SIREN (EPCI)."""
    label: str
    """Canonical label: ``Malakoff``, ``Département de l'Isère``, ``Région Normandie``…"""
    slug: str
    """IRI slug under ``collectivity/fr/`` (the label's, plus the code for homonyms)."""
    siren: str | None = None
    departement: str | None = None
    region: str | None = None
    epci: str | None = None
    departements: tuple[str, ...] = ()
    """For an EPCI: the départements of its member communes."""

    def iri(self, base: str = DEFAULT_BASE) -> str:
        return f"{base}collectivity/fr/{self.slug}"

    @property
    def akg_kind(self) -> str:
        """The local name of its ``akg:CollectivityKind``."""
        return _AKG_KINDS[self.kind]


_AKG_KINDS = {
    "commune": "Commune",
    "departement": "Department",
    "region": "Region",
    "epci": "Intercommunality",
}

# Kind words that start a French collectivity's name, longest first, with the kind they say.
_FR_PREFIXES: tuple[tuple[tuple[str, ...], str, str | None], ...] = tuple(
    sorted(
        (
            (tuple(words.split()), kind, group)
            for words, kind, group in (
                ("conseil departemental", "departement", None),
                ("conseil general", "departement", None),
                ("departement", "departement", None),
                ("conseil regional", "region", None),
                ("region", "region", None),
                ("collectivite territoriale", "region", None),
                ("ville", "commune", None),
                ("commune", "commune", None),
                ("mairie", "commune", None),
                ("municipalite", "commune", None),
                ("communaute de communes", "epci", "cc"),
                ("cc", "epci", "cc"),
                ("communaute d agglomeration", "epci", "ca"),
                ("communaute de l agglomeration", "epci", "ca"),
                ("ca", "epci", "ca"),
                ("agglomeration", "epci", "ca"),
                ("communaute urbaine", "epci", "cu"),
                ("cu", "epci", "cu"),
                ("metropole", "epci", "metro"),
                ("eurometropole", "epci", "metro"),
            )
        ),
        key=lambda item: -len(item[0]),
    )
)
# "de", "du", "de la"… after a kind word: the variants of the rest to look up.
_ARTICLES = {"le", "la", "les", "l"}


def _after_of(words: tuple[str, ...]) -> list[tuple[str, ...]]:
    """The ways to read what follows a kind word ("du Havre" → "havre", "le havre")."""
    out = [words]
    if len(words) >= 2 and words[0] == "de" and words[1] in ("la", "l"):
        out += [words[2:], words[1:]]
    elif words[:1] == ("du",):
        out += [words[1:], ("le", *words[1:])]
    elif words[:1] in (("des",), ("aux",)):
        out += [words[1:], ("les", *words[1:])]
    elif words[:1] in (("de",), ("d",)):
        out.append(words[1:])
    if out[-1][:1] and out[-1][0] in _ARTICLES:
        out.append(out[-1][1:])  # "La Réunion" and "Réunion", "L'Isère" and "Isère"
    return [w for w in out if w]


def _without_article(words: tuple[str, ...]) -> tuple[str, ...]:
    return words[1:] if len(words) > 1 and words[0] in _ARTICLES else words


class _FrenchIndex:
    """Normalised names → gazetteer entities, built once from ``data/gazetteer/``."""

    def __init__(self) -> None:
        self.communes: dict[str, list[FrenchEntity]] = defaultdict(list)
        self.former_communes: dict[str, list[FrenchEntity]] = defaultdict(list)
        self.departements: dict[str, FrenchEntity] = {}
        self.regions: dict[str, tuple[FrenchEntity, bool]] = {}  # key → (region, former name?)
        self.epcis: dict[str, list[FrenchEntity]] = defaultdict(list)  # full or group key
        self.by_code: dict[tuple[str, str], FrenchEntity] = {}
        self.departement_names: dict[str, str] = {}  # name key → code (context in text)

        current = [c for c in gazetteer.communes() if c.is_current]
        labels = Counter(search_key(c.name) for c in current)
        epci_departements: dict[str, set[str]] = defaultdict(set)
        for c in current:
            key = search_key(c.name)
            entity = FrenchEntity(
                "commune",
                c.code,
                c.name,
                slug(c.name) + (f"-{c.code.lower()}" if labels[key] > 1 else ""),
                siren=c.siren,
                departement=c.departement,
                region=c.region,
                epci=c.epci,
            )
            self._add(entity)
            self.communes[_key(name_words(c.name))].append(entity)
            if "(" in c.name:  # "Château-Chinon (Ville)": also "Château-Chinon" (ambiguous)
                self.communes[_key(name_words(_bare(c.name)[0]))].append(entity)
            if c.epci and c.departement:
                epci_departements[c.epci].add(c.departement)
        for c in gazetteer.communes():
            if c.is_current or not c.parent:
                continue
            parent = self.by_code.get(("commune", c.parent))
            if parent is not None:
                self.former_communes[_key(name_words(c.name))].append(parent)
        for d in gazetteer.departements():
            entity = FrenchEntity(
                "departement",
                d.code,
                f"Département {d.of_name}",
                slug(f"Département {d.of_name}"),
                departement=d.code,
                region=d.region,
            )
            self._add(entity)
            words = name_words(d.name)
            for variant in {words, _without_article(words)}:
                self.departements[_key(variant)] = entity
                self.departement_names[_key(variant)] = d.code
            self.departement_names[d.code.lower()] = d.code
        regions = {}
        for r in gazetteer.regions():
            entity = FrenchEntity(
                "region", r.code, f"Région {r.name}", slug(f"Région {r.name}"), region=r.code
            )
            regions[r.code] = entity
            self._add(entity)
            words = name_words(r.name)
            for variant in {words, _without_article(words)}:
                self.regions[_key(variant)] = (entity, False)
        for f in gazetteer.regions_former():
            entity = regions.get(f.region)
            if entity is None:
                continue
            words = name_words(f.name)
            if words[:1] == ("region",):  # usage names written with the word ("Région Sud")
                words = words[1:]
            self.regions.setdefault(_key(words), (entity, True))
        for e in gazetteer.epcis():
            entity = FrenchEntity(
                "epci",
                e.siren,
                e.name,
                slug(e.name),
                siren=e.siren,
                departements=tuple(sorted(epci_departements.get(e.siren, ()))),
            )
            self._add(entity)
            words = name_words(_bare(e.name)[0])
            self.epcis[_key(words)].append(entity)
            if "(" in e.name:
                self.epcis[_key(name_words(e.name))].append(entity)
            match = _prefix(words)
            if match is not None and match[1] == "epci":
                for rest in _after_of(match[3]):
                    self.epcis[f"{match[2]}:{_key(rest)}"].append(entity)
        # A slug two entities share (a commune and an EPCI of the same name…) gets the code.
        slugs = Counter(e.slug for e in self.by_code.values())
        for code, entity in list(self.by_code.items()):
            if slugs[entity.slug] > 1 and not entity.slug.endswith(entity.code.lower()):
                fixed = FrenchEntity(
                    **{**entity.__dict__, "slug": f"{entity.slug}-{entity.code.lower()}"}
                )
                self.by_code[code] = fixed
        for table in (self.communes, self.former_communes, self.epcis):
            for key, entities in table.items():
                table[key] = [self.by_code[(e.kind, e.code)] for e in entities]
        for key, entity in self.departements.items():
            self.departements[key] = self.by_code[("departement", entity.code)]

    def _add(self, entity: FrenchEntity) -> None:
        self.by_code[(entity.kind, entity.code)] = entity

    # lookups: every entity a name may designate, with the rule that found it
    def candidates(self, name: str) -> tuple[list[FrenchEntity], str, list[str]]:
        """(entities, rule, parenthesised parts) for a name, without context.

        A parenthesised part is context ("Montreuil (93)"), unless the official name has it
        ("Château-Chinon (Ville)"): the whole name is tried first.
        """
        main, parts = _bare(name)
        if parts:
            found, rule = self._lookup(name_words(name))
            if found:
                return found, rule, []
        found, rule = self._lookup(name_words(main))
        return found, rule, parts

    def _lookup(self, words: tuple[str, ...]) -> tuple[list[FrenchEntity], str]:
        if not words:
            return [], "unknown"
        match = _prefix(words)
        if match is not None:
            _, kind, group, rest = match
            found, rule = self._by_kind(kind, group, rest)
            if found:
                return found, rule
        # The whole name: communes, EPCIs and régions of that name (all of them: "Bretagne"
        # is a région and two communes), else the former communes of that name.
        key = _key(words)
        found = [*self.communes.get(key, []), *self.epcis.get(key, [])]
        rule = "official-name"
        if key in self.regions:
            region, former = self.regions[key]
            found.append(region)
            if former and len(found) == 1:
                rule = "former-name"
        if found:
            return _distinct(found), rule
        if key in self.former_communes:
            return _distinct(self.former_communes[key]), "merged-commune"
        return [], "unknown"

    def _by_kind(
        self, kind: str, group: str | None, rest: tuple[str, ...]
    ) -> tuple[list[FrenchEntity], str]:
        found: list[FrenchEntity] = []
        rule = "kind-prefix"
        for variant in _after_of(rest):
            key = _key(variant)
            if kind == "commune":
                found += self.communes.get(key, [])
            elif kind == "departement" and key in self.departements:
                found.append(self.departements[key])
            elif kind == "region" and key in self.regions:
                region, former = self.regions[key]
                found.append(region)
                if former:
                    rule = "former-name"
            elif kind == "epci":
                found += self.epcis.get(f"{group}:{key}", [])
        if kind == "commune" and not found:
            for variant in _after_of(rest):
                found += self.former_communes.get(_key(variant), [])
            if found:
                rule = "merged-commune"
        return _distinct(found), rule


def _distinct(entities: Iterable[FrenchEntity]) -> list[FrenchEntity]:
    return list({(e.kind, e.code): e for e in entities}.values())


def _prefix(
    words: tuple[str, ...],
) -> tuple[tuple[str, ...], str, str | None, tuple[str, ...]] | None:
    """The kind word(s) a French name starts or ends with: (words, kind, EPCI group, rest)."""
    for prefix, kind, group in _FR_PREFIXES:
        n = len(prefix)
        if words[:n] == prefix and len(words) > n:
            return prefix, kind, group, words[n:]
    if len(words) > 1 and words[-1] in ("metropole", "agglo", "agglomeration"):
        return words[-1:], "epci", "metro" if words[-1] == "metropole" else "ca", words[:-1]
    return None


@cache
def _index() -> _FrenchIndex:
    return _FrenchIndex()


@dataclass(frozen=True)
class NameDecision:
    """How one name was resolved: the entity (None when unresolved), the rule and why."""

    name: str
    entity: FrenchEntity | None
    rule: str
    score: float = 1.0
    reason: str | None = None
    candidates: tuple[FrenchEntity, ...] = ()

    @property
    def resolved(self) -> bool:
        return self.entity is not None

    @property
    def label(self) -> str:
        """The node's label: the entity's, else the shared name of the candidates, else as written."""
        if self.entity is not None:
            return self.entity.label
        names = {c.label for c in self.candidates if c.kind == "commune"}
        if len(names) == 1 and len(self.candidates) == sum(
            c.kind == "commune" for c in self.candidates
        ):
            return names.pop()
        return " ".join(self.name.split())


def _codes(entities: Sequence[FrenchEntity]) -> str:
    return ", ".join(sorted(e.code for e in entities))


def _homonyms(entities: Sequence[FrenchEntity]) -> str:
    return f"{len(entities)} collectivities share this name ({_codes(entities)})"


def _ambiguous_reason(name: str, entities: Sequence[FrenchEntity]) -> str:
    kinds = Counter(e.kind for e in entities)
    labels = {e.label for e in entities}
    if set(kinds) == {"commune"}:
        shared = labels.pop() if len(labels) == 1 else " ".join(name.split())
        what = f"{len(entities)} communes are named {shared}"
    else:
        what = " and ".join(f"{n} {k}{'s' if n > 1 else ''}" for k, n in sorted(kinds.items()))
        what = f"{name.strip()!r} names {what}"
    return f"ambiguous: {what} ({_codes(entities)}) and nothing in the record says which"


@lru_cache(maxsize=65536)
def resolve_french(name: str) -> NameDecision:
    """Resolve a French collectivity's name without context (cached per name).

    Unique → resolved; several candidates → ``ambiguous`` (``resolve_record`` then tries
    the record's context); none → ``unknown``. The département written in the name itself
    (``Saint-Denis (93)``, ``Montreuil (Seine-Saint-Denis)``) is used here.
    """
    index = _index()
    found, rule, parts = index.candidates(name)
    if len(found) == 1:
        return NameDecision(name, found[0], rule)
    if not found:
        return NameDecision(
            name,
            None,
            "unknown",
            0.0,
            "unknown: no French collectivity of the gazetteer has this name",
        )
    written = {index.departement_names.get(_key(name_words(p))) for p in parts} - {None}
    narrowed = _narrow(found, written)  # type: ignore[arg-type]
    if len(narrowed) == 1:
        why = f"{_homonyms(found)}: the name itself gives the département {narrowed[0].departement}"
        return NameDecision(name, narrowed[0], "context-name", 1.0, why, tuple(found))
    return NameDecision(name, None, "ambiguous", 0.0, _ambiguous_reason(name, found), tuple(found))


def _narrow(
    entities: Sequence[FrenchEntity], departements: set[str], regions: set[str] = frozenset(),
    epcis: set[str] = frozenset(),
) -> list[FrenchEntity]:  # fmt: skip
    """The candidates in one of these départements (else régions, else EPCIs)."""
    for wanted, attribute in ((departements, "departement"), (regions, "region"), (epcis, "epci")):
        if wanted:
            kept = [e for e in entities if getattr(e, attribute) in wanted]
            if kept:
                return kept
    return []


def french_entity(kind: str, code: str) -> FrenchEntity | None:
    """The gazetteer entity of this kind and code (``commune``/``92046``, ``epci``/SIREN…)."""
    return _index().by_code.get((kind, code))


@lru_cache(maxsize=65536)
def french_namesakes(name: str) -> tuple[FrenchEntity, ...]:
    """The current French communes named like this (a foreign partner so named is suspect).

    >>> [e.code for e in french_namesakes("Mantes la Jolie")], french_namesakes("Ngogom")
    (['78361'], ())
    """
    found, rule, _ = _index().candidates(name)
    if rule not in ("official-name", "kind-prefix"):
        return ()
    return tuple(sorted((e for e in found if e.kind == "commune"), key=lambda e: e.code))


# -- funders and posts ---------------------------------------------------------------------


@dataclass(frozen=True)
class Funder:
    """A funder of ``data/funders.csv``: its canonical label and whether it is generic."""

    label: str
    generic: bool = False


@cache
def _funders() -> dict[str, Funder]:
    table: dict[str, Funder] = {}
    with open(DATA_DIR / "funders.csv", encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            funder = Funder(row["label"], generic=row["note"].startswith("Generic"))
            for name in [row["label"], *row["aliases"].split(";")]:
                if name.strip():
                    table[search_key(name)] = funder
    return table


def funder_alias(name: str) -> Funder | None:
    """The funder of the table this name designates (``MAEDI`` → the ministry), or None."""
    return _funders().get(search_key(name))


_POST = re.compile(
    r"^(?:ambassade(?:-de-france)?|consulat(?:-general)?(?:-de-france)?|consul(?:-general)?"
    r"(?:-de-france)?|section-consulaire(?:-de-l-ambassade)?(?:-de-france)?|"
    r"bureau(?:-de-l-ambassade)?(?:-de-france)?|antenne(?:-de-l-ambassade)?(?:-de-france)?)"
    r"-(?:a|au|aux|en|in|pour|de|du|d)-(.+)$"
)


@cache
def _post_cities() -> dict[str, str]:
    table: dict[str, str] = {}
    with open(DATA_DIR / "posts.csv", encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            for city in [row["city"], *row["aliases"].split(";")]:
                if city.strip():
                    table[search_key(city)] = row["alpha2"]
    return table


@lru_cache(maxsize=4096)
def post_country(name: str) -> countries.Country | None:
    """The country of a diplomatic post, from the city (or country) in its name.

    ``Ambassade de France à Dakar`` → Sénégal; ``Consul général à Jérusalem`` → the
    Palestinian territories; ``Ambassade de France au Mali`` → Mali. None when the name
    says neither.
    """
    match = _POST.match(search_key(name))
    if match is None:
        return None
    place = match.group(1)
    cities = _post_cities()
    for variant in (place, *(f"{article}-{place}" for article in ("le", "la", "les"))):
        if variant in cities:
            return countries.by_code(cities[variant])
    return countries.lookup(place.replace("-", " "))


# -- one record ----------------------------------------------------------------------------


@dataclass
class RecordResolution:
    """What one record's names resolve to (``resolve_record``)."""

    french: dict[str, NameDecision] = field(default_factory=dict)
    """French names (partners; funders and parties that resolve) → decision."""

    def decision(self, name: str) -> NameDecision:
        """The decision for a French name (resolved on demand, without context, if new)."""
        if name not in self.french:
            self.french[name] = resolve_french(name)
        return self.french[name]


def _record_text(record: Record) -> str:
    texts = (record.title, record.context, record.history, record.objectives,
             record.description, record.beneficiaries)  # fmt: skip
    return "-" + "-".join(search_key(t) for t in texts if t) + "-"


def _in_text(decision: NameDecision, text: str) -> list[FrenchEntity]:
    """Candidates whose département is written just after the name in the record's text."""
    index = _index()
    name = _key(name_words(_bare(decision.name)[0]))
    words = name_words(decision.candidates[0].label) if decision.candidates else ()
    found = []
    for needle in {name, _key(words)} - {""}:
        for match in re.finditer(rf"-{re.escape(needle)}-((?:[a-z0-9]+-){{1,5}})", text):
            after = match.group(1).strip("-").split("-")
            for start in range(min(len(after), 2)):
                for end in range(start + 1, len(after) + 1):
                    code = index.departement_names.get(_key(tuple(after[start:end])))
                    if code:
                        found += [c for c in decision.candidates if c.departement == code]
    return _distinct(found)


def resolve_record(record: Record) -> RecordResolution:
    """Resolve the French names of a record, using the record as context for homonyms.

    French partners, contracting authorities and funders are resolved first on their own;
    a name several communes share is then looked for with a département written beside it
    in the record's text, then among the départements, régions and EPCIs of the record's
    other, resolved, French collectivities. What is still ambiguous stays unresolved.
    """
    result = RecordResolution()
    names = [n.strip() for n in record.french_partners if n and n.strip()]
    others = [n.strip() for n in (*record.contracting_authorities, *(f.funder or "" for f in record.funding))
              if n and n.strip(" ,;:-")]  # fmt: skip
    for name in names:
        result.french[name] = resolve_french(name)
    ambiguous = [n for n in names if result.french[n].rule == "ambiguous"]
    if not ambiguous:
        return result
    known = [result.french[n].entity for n in names if result.french[n].entity is not None]
    known += [d.entity for d in map(resolve_french, (o.strip(" ,;:-") for o in others))
              if d.entity is not None and d.rule in ("kind-prefix", "former-name")]  # fmt: skip
    text = _record_text(record)
    for name in ambiguous:
        decision = result.french[name]
        found = _in_text(decision, text)
        if len(found) == 1:
            why = (f"{_homonyms(decision.candidates)}: the record's text writes the département "
                   f"{found[0].departement} beside the name")  # fmt: skip
            result.french[name] = NameDecision(
                name, found[0], "context-text", 1.0, why, decision.candidates
            )
            continue
        chosen = _by_partners(decision.candidates, known)
        if chosen is not None:
            entity, evidence = chosen
            why = (f"{_homonyms(decision.candidates)}: the record's other French collectivity "
                   f"{evidence} is in the same area (département {entity.departement}, "
                   f"région {entity.region})")  # fmt: skip
            result.french[name] = NameDecision(
                name, entity, "context-partners", 0.9, why, decision.candidates
            )
    return result


def _by_partners(
    candidates: Sequence[FrenchEntity], known: Sequence[FrenchEntity]
) -> tuple[FrenchEntity, str] | None:
    """The one candidate in the département, else région, else EPCI of the known entities."""
    departements = {e.departement for e in known if e.kind in ("commune", "departement")}
    departements |= {d for e in known if e.kind == "epci" for d in e.departements}
    regions = {e.region for e in known if e.kind == "region"}
    epcis = {e.code for e in known if e.kind == "epci"}
    found = _narrow(candidates, departements - {None}, regions, epcis)  # type: ignore[arg-type]
    if len(found) != 1:
        return None
    chosen = found[0]
    evidence = sorted({
        e.label for e in known
        if (e.kind in ("commune", "departement") and e.departement == chosen.departement)
        or (e.kind == "region" and e.region == chosen.region)
        or (e.kind == "epci" and (e.code == chosen.epci or chosen.departement in e.departements))
    })  # fmt: skip
    return chosen, " / ".join(evidence)


# -- foreign collectivities ----------------------------------------------------------------

# Kind words of foreign collectivities → the level they name. Names of one level may be
# merged; a commune and the région of the same name may not.
_FOREIGN_PREFIXES: tuple[tuple[tuple[str, ...], str], ...] = tuple(
    sorted(
        (
            (tuple(words.split()), level)
            for words, level in (
                ("commune rurale", "local"), ("commune urbaine", "local"),
                ("communaute rurale", "local"), ("commune", "local"), ("ville", "local"),
                ("municipalite", "local"), ("mairie", "local"), ("apc", "local"),
                ("bourg", "local"), ("city of", "local"), ("town of", "local"),
                ("stadt", "local"), ("gemeinde", "local"), ("gmina", "local"),
                ("municipiul", "local"), ("comune di", "local"), ("comune", "local"),
                ("ayuntamiento", "local"), ("municipio", "local"), ("municipalidad", "local"),
                ("gobierno autonomo municipal", "local"), ("prefeitura", "local"),
                ("prefeitura municipal", "local"), ("camara municipal", "local"),
                ("conseil villageois", "local"), ("conseil municipal", "local"),
                ("communaute", "local"),
                ("conseil de cercle", "cercle"), ("cercle", "cercle"),
                ("conseil regional", "region"), ("region", "region"),
                ("comite populaire de la province", "province"), ("province", "province"),
                ("provincia", "province"),
                ("conseil departemental", "departement"), ("departement", "departement"),
                ("gouvernorat", "gouvernorat"), ("wilaya", "wilaya"), ("district", "district"),
                ("prefecture", "prefecture"), ("territoire", "territoire"),
                ("canton", "canton"), ("mrc", "mrc"), ("county of", "county"),
                ("landkreis", "landkreis"), ("powiat", "powiat"), ("judet", "judet"),
                ("raion", "raion"), ("diputacion", "diputacion"), ("marz", "marz"),
                ("federation des municipalites", "federation"), ("oblast", "oblast"),
            )
        ),
        key=lambda item: -len(item[0]),
    )
)  # fmt: skip
_FOREIGN_SUFFIXES: tuple[tuple[tuple[str, ...], str], ...] = tuple(
    (tuple(words.split()), level)
    for words, level in (
        ("city council", "local"), ("municipal council", "local"), ("municipal assembly", "local"),
        ("metropolitan assembly", "local"), ("local government", "local"),
        ("town council", "local"), ("county council", "county"), ("county", "county"),
        ("district council", "district"), ("district assembly", "district"),
    )
)  # fmt: skip
_OF_WORDS = {"de", "du", "des", "d", "di", "of", "del", "da", "do"}
BARE = "bare"
"""The level of a name written without any kind word."""
_DISTINGUISHING = {
    "nord", "sud", "est", "ouest", "centre", "central", "north", "south", "east", "west",
    "haut", "haute", "bas", "basse", "grand", "grande", "petit", "petite", "nouveau",
    "nouvelle", "vieux", "vieille", "upper", "lower", "new", "old", "i", "ii", "iii", "iv",
    "v", "vi", "vii", "viii", "ix", "x", "premier", "1er", "bis", "saint", "sainte", "saints",
    "saintes",
}  # fmt: skip


@dataclass(frozen=True)
class ForeignKey:
    """What a foreign name says once its spelling is set aside: level, base, guard words."""

    level: str
    """``local``, ``region``, ``cercle``… or ``bare`` (no kind word)."""
    base: str
    """The name without kind word, articles, case, accents, spaces or punctuation."""
    guard: tuple[str, ...]
    """Numbers and distinguishing words (``nord``, ``ii``…): must agree for a fuzzy merge."""


@lru_cache(maxsize=131072)
def foreign_key(name: str) -> ForeignKey:
    """The merge key of a foreign collectivity's name.

    >>> foreign_key("Communauté rurale de N’Gogom") == foreign_key("Commune rurale de Ngogom")
    True
    >>> foreign_key("Ngogom").level, foreign_key("Cercle de Kita").level
    ('bare', 'cercle')
    """
    words = name_words(_bare(name)[0]) or name_words(name)
    level = BARE
    for prefix, lvl in _FOREIGN_PREFIXES:
        n = len(prefix)
        if words[:n] == prefix and len(words) > n:
            level, words = lvl, words[n:]
            break
    else:
        for suffix, lvl in _FOREIGN_SUFFIXES:
            n = len(suffix)
            if words[-n:] == suffix and len(words) > n:
                level, words = lvl, words[:-n]
                break
    if level != BARE and len(words) > 1 and words[0] in _OF_WORDS:
        words = words[1:]
        # "Province de l'Ikeng" is Ikeng, but "Commune de L'Anse-Rose" is L'Anse-Rose: an
        # article after "de" belongs to the grammar only when written in lower case.
        if len(words) > 1 and words[0] in _ARTICLES and _lower_article(name, words):
            words = words[1:]
    guard = tuple(sorted(w for w in words if w.isdigit() or w in _DISTINGUISHING))
    return ForeignKey(level, "".join(words), guard)


def _lower_article(name: str, rest: tuple[str, ...]) -> bool:
    """True when the article starting ``rest`` is written in lower case in ``name``."""
    article, following = rest[0], rest[1]
    pattern = rf"(?<![^\W\d_]){article}\W+(?i:{re.escape(following[:1])})"
    bare = "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))
    return re.search(pattern, bare) is not None


@dataclass(frozen=True)
class ForeignName:
    """A foreign collectivity node as the store holds it."""

    node: str
    label: str
    country: str
    """ISO alpha-2 code."""
    records: int = 1
    french_partners: frozenset[str] = frozenset()
    """The French partners of its records (fuzzy merges need one in common)."""


@dataclass(frozen=True)
class Merge:
    """One node merged into the representative of its cluster, and why."""

    node: str
    label: str
    into: str
    into_label: str
    rule: str
    score: float
    reason: str


class _Groups:
    """Union-find over nodes; each node remembers how it joined (rule, score, reason)."""

    def __init__(self, nodes: Iterable[str]) -> None:
        self.parent = {n: n for n in nodes}
        self.how: dict[str, tuple[str, float, str]] = {}

    def find(self, node: str) -> str:
        while self.parent[node] != node:
            self.parent[node] = self.parent[self.parent[node]]
            node = self.parent[node]
        return node

    def join(self, keep: str, other: str, how: tuple[str, float, str]) -> None:
        a, b = self.find(keep), self.find(other)
        if a != b:
            self.parent[b] = a
            self.how.setdefault(b, how)


def _representative(members: Sequence[ForeignName]) -> ForeignName:
    # The most cited node; then a prefixed form, the shorter label, the IRI: deterministic.
    return min(
        members,
        key=lambda m: (-m.records, foreign_key(m.label).level == BARE, len(m.label), m.node),
    )


def cluster_foreign(
    names: Iterable[ForeignName], *, threshold: float = FUZZY_THRESHOLD
) -> list[Merge]:
    """Merge the spelling variants of foreign collectivities, country by country.

    1. ``same-name``: same country, level and compact base (``Commune rurale de Ngogom``,
       ``Communauté Rurale de N'Gogom``);
    2. ``prefix-dropped``: a bare name joins the only prefixed collectivity of that base
       in the country (``Ngogom`` → ``Communauté rurale de Ngogom``); when a commune and a
       région share the base, the bare name stays apart;
    3. ``fuzzy``: two groups of the same country and compatible levels whose compact bases
       score at least ``threshold``, with the same guard words and first letter, both at
       least ``FUZZY_MIN_LENGTH`` long, each the other's unique best match, and with a
       French partner in common (a misspelling comes from the records of one
       partnership; two places of similar names with different partners stay apart).

    Returns one ``Merge`` per node that is not its cluster's representative, sorted.
    """
    by_country: dict[str, dict[str, ForeignName]] = defaultdict(dict)
    for name in names:
        known = by_country[name.country].get(name.node)
        # A node with several labels (spellings sharing one slug): its most cited label.
        if known is None or (-name.records, name.label) < (-known.records, known.label):
            by_country[name.country][name.node] = name
    merges: list[Merge] = []
    for country in sorted(by_country):
        merges += _cluster_country(list(by_country[country].values()), threshold)
    return sorted(merges, key=lambda m: (m.into, m.node))


def _cluster_country(names: list[ForeignName], threshold: float) -> list[Merge]:
    keys = {n.node: foreign_key(n.label) for n in names}
    groups = _Groups(keys)
    prefixed: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    bare: dict[str, list[str]] = defaultdict(list)
    for node in sorted(keys):
        key = keys[node]
        if not key.base:
            continue
        if key.level == BARE:
            bare[key.base].append(node)
        else:
            prefixed[key.base][key.level].append(node)
    # 1. same level and base
    levels: dict[str, set[str]] = {}  # group root → levels it holds
    for base, by_level in prefixed.items():
        for level, nodes in by_level.items():
            for other in nodes[1:]:
                groups.join(nodes[0], other, ("same-name", 1.0,
                            f"same kind ({level}) and name ({base!r}) once spelling is set aside"))  # fmt: skip
            levels[groups.find(nodes[0])] = {level}
    # 2. bare names: together, then into the only prefixed group of their base
    ambiguous: set[str] = set()
    for base, nodes in bare.items():
        targets = prefixed.get(base, {})
        if len(targets) == 1:
            ((level, members),) = targets.items()
            for node in nodes:
                groups.join(members[0], node, ("prefix-dropped", 1.0,
                            f"the bare name of the only {level} collectivity named {base!r} in the country"))  # fmt: skip
            continue
        for other in nodes[1:]:
            groups.join(
                nodes[0],
                other,
                ("same-name", 1.0, f"same name ({base!r}) once spelling is set aside"),
            )
        levels[groups.find(nodes[0])] = {BARE}
        if targets:  # a commune and a région of that name: the bare name stays apart
            ambiguous.add(groups.find(nodes[0]))
    # 3. fuzzy, between groups (a group's French partners: those of all its nodes)
    roots = sorted({groups.find(n) for n in keys if keys[n].base} - ambiguous)
    partners: dict[str, set[str]] = defaultdict(set)
    for name in names:
        partners[groups.find(name.node)] |= name.french_partners
    _fuzzy(groups, roots, keys, levels, partners, threshold)
    clusters: dict[str, list[ForeignName]] = defaultdict(list)
    for name in names:
        clusters[groups.find(name.node)].append(name)
    merges = []
    for members in clusters.values():
        if len(members) < 2:
            continue
        rep = _representative(members)
        for m in members:
            if m.node == rep.node:
                continue
            rule, score, reason = groups.how.get(m.node) or groups.how[rep.node]
            merges.append(Merge(m.node, m.label, rep.node, rep.label, rule, score, reason))
    return merges


def _soft_variant(a: str, b: str) -> bool:
    """Every letter inserted, dropped or changed between ``a`` and ``b`` is a soft letter or
    doubles its neighbour.

    >>> _soft_variant("ouahigouya", "ouahigouiya"), _soft_variant("dakar", "dakkar")
    (True, True)
    >>> _soft_variant("jabaljabra", "jabaljara")
    False
    """
    from rapidfuzz.distance import Levenshtein

    def soft(text: str, i: int) -> bool:
        c = text[i]
        return c in SOFT_LETTERS or text[i - 1 : i] == c or text[i + 1 : i + 2] == c

    for op, i, j in Levenshtein.editops(a, b):
        if op in ("delete", "replace") and not soft(a, i):
            return False
        if op in ("insert", "replace") and not soft(b, j):
            return False
    return True


def _fuzzy(groups: _Groups, roots: list[str], keys: dict[str, ForeignKey],
           levels: dict[str, set[str]], partners: dict[str, set[str]],
           threshold: float) -> None:  # fmt: skip
    """Join groups whose bases are each other's unique best fuzzy match."""
    from rapidfuzz import fuzz, process

    roots = [r for r in roots if len(keys[r].base) >= FUZZY_MIN_LENGTH]
    if len(roots) < 2:
        return
    bases = [keys[r].base for r in roots]
    scores = process.cdist(bases, bases, scorer=fuzz.ratio, score_cutoff=threshold, dtype="float32")

    def compatible(i: int, j: int) -> bool:
        a, b = keys[roots[i]], keys[roots[j]]
        if a.guard != b.guard or a.base[:1] != b.base[:1]:
            return False
        if not partners[roots[i]] & partners[roots[j]]:
            return False  # a typo comes from the records of one partnership
        if not _soft_variant(a.base, b.base):
            return False
        la = levels.get(roots[i], {a.level}) - {BARE}
        lb = levels.get(roots[j], {b.level}) - {BARE}
        return not la or not lb or bool(la & lb)

    best: dict[int, tuple[float, list[int]]] = {}
    for i in range(len(roots)):
        hits = [
            (float(scores[i][j]), int(j))
            for j in scores[i].nonzero()[0]
            if j != i and compatible(i, int(j))
        ]
        if hits:
            top = max(s for s, _ in hits)
            best[i] = (top, [j for s, j in hits if s == top])
    for i, (score, js) in sorted(best.items()):
        j = js[0]
        if len(js) == 1 and i < j and best.get(j, (0.0, []))[1] == [i]:
            reason = f"spelling variant: {bases[j]!r} and {bases[i]!r} score {score:.1f} (threshold {threshold:g})"
            groups.join(roots[i], roots[j], ("fuzzy", round(score / 100, 4), reason))


# -- the resolution graph ------------------------------------------------------------------


def resolution_graph_iri(*, base: str = DEFAULT_BASE) -> str:
    """The named graph holding the cross-record merges (``graph/resolution``)."""
    return f"{base}graph/resolution"


@dataclass
class ResolutionSummary:
    """What ``refresh_resolution`` did."""

    foreign_names: int = 0
    merges: int = 0
    by_rule: dict[str, int] = field(default_factory=dict)
    written: bool = False

    def line(self) -> str:
        rules = ", ".join(f"{k} {v}" for k, v in sorted(self.by_rule.items())) or "none"
        return f"resolution: {self.merges} foreign name(s) merged across records ({rules})"


# Two plain pattern queries, aggregated in Python: a GROUP BY over the record graphs is
# two orders of magnitude slower in Oxigraph on a full Atlas.
_FOREIGN_LABELS = (
    "SELECT ?g ?c ?label WHERE { GRAPH ?g { ?p akg:foreignPartner ?c . ?c rdfs:label ?label } }"
)
_FRENCH_PARTNERS = "SELECT ?g ?french WHERE { GRAPH ?g { ?p akg:frenchPartner ?french } }"


def foreign_names(store: object) -> list[ForeignName]:
    """Every foreign collectivity of the store with a known country: each of its labels, the
    number of records naming it and their French partners.

    The country is the one in the node's IRI (``collectivity/<alpha2>/<slug>``); nodes of
    an unrecognised country (``zz``) are left out: there is nothing to merge them within.
    """
    french: dict[str, set[str]] = defaultdict(set)
    for row in store.query(_FRENCH_PARTNERS):  # type: ignore[attr-defined]
        french[row["g"].value].add(row["french"].value)
    graphs: dict[tuple[str, str], set[str]] = defaultdict(set)
    for row in store.query(_FOREIGN_LABELS):  # type: ignore[attr-defined]
        graphs[(row["c"].value, row["label"].value)].add(row["g"].value)
    names = []
    for (node, label), where in sorted(graphs.items()):
        alpha2 = node.rsplit("/", 2)[-2].upper()
        if alpha2 == UNKNOWN_COUNTRY.upper() or len(alpha2) != 2:
            continue
        partners = frozenset(p for g in where for p in french.get(g, ()))
        names.append(ForeignName(node, label, alpha2, len(where), partners))
    return names


def resolution_quads(merges: Sequence[Merge], *, base: str = DEFAULT_BASE) -> list:
    """The quads of ``graph/resolution`` for these merges (empty list when none)."""
    from pyoxigraph import Literal, NamedNode, Quad

    from .vocab import ox

    if not merges:
        return []
    g = NamedNode(resolution_graph_iri(base=base))
    akg = ox.AKG
    quads = [
        Quad(g, ox.RDF.type, akg.ResolutionGraph, g),
        Quad(g, akg.fuzzyThreshold, Literal(f"{FUZZY_THRESHOLD:g}", datatype=ox.XSD.decimal), g),
    ]
    alt: dict[str, set[str]] = defaultdict(set)
    for m in merges:
        node, into = NamedNode(m.node), NamedNode(m.into)
        digest = hashlib.sha256(f"{m.node} {m.into}".encode()).hexdigest()[:16]
        d = NamedNode(f"{base}resolution/{digest}")
        quads += [
            Quad(node, ox.OWL.sameAs, into, g),
            Quad(d, ox.RDF.type, akg.NameResolution, g),
            Quad(d, akg.sourceName, Literal(m.label), g),
            Quad(d, akg.mergedNode, node, g),
            Quad(d, akg.resolvedTo, into, g),
            Quad(d, akg.rule, Literal(m.rule), g),
            Quad(d, akg.score, Literal(f"{m.score:g}", datatype=ox.XSD.decimal), g),
            Quad(d, akg.reason, Literal(m.reason, language="en"), g),
        ]
        alt[m.into].add(m.label)
    for into, labels in sorted(alt.items()):
        quads += [
            Quad(NamedNode(into), ox.SKOS.altLabel, Literal(label), g) for label in sorted(labels)
        ]
    return quads


def refresh_resolution(
    store: object, *, base: str = DEFAULT_BASE, now: datetime | None = None
) -> ResolutionSummary:
    """Recompute the cross-record merges over every foreign name of the store.

    ``graph/resolution`` is replaced only when its content changed (so a second ingest of
    the same pages changes nothing), and removed when there is nothing to merge.
    """
    from .rdf import replace_derived_graph

    names = foreign_names(store)
    merges = cluster_foreign(names)
    summary = ResolutionSummary(
        len({n.node for n in names}), len(merges), dict(Counter(m.rule for m in merges))
    )
    quads = resolution_quads(merges, base=base)
    summary.written = replace_derived_graph(
        store, resolution_graph_iri(base=base), quads, source="resolution", now=now
    )
    return summary
