"""Records → RDF: one named graph per record, plus the shared vocabulary graph.

Each record becomes the quads of its own graph (``graph/partnership/<id>``): the
partnership, its funding rows, theme and SDG rows, and a description (type, label, search
key, country) of every shared entity it mentions (collectivities, posts, funders, people),
so that dropping one record never removes another's facts. Names are resolved first
(``resolve.resolve_record``): French collectivities get their gazetteer node and codes,
funders and parties that are partners or known collectivities are those nodes, and each
non-trivial decision is an ``akg:NameResolution`` of the graph. The graph also describes
itself with its provenance (PROV-O). Countries, themes, SDGs and the ontology live in the
vocabulary graph. Queries see the union. ``ontology/README.md`` documents the model.

>>> from atlas_kg.record import Record, Source
>>> rec = Record(source=Source(atlas_id=12695), title="Solidarité", french_partners=["Malakoff"])
>>> record_graph_iri(rec)
'https://w3id.org/atlas-kg/id/graph/partnership/12695'
>>> len(record_to_quads(rec)) > 5
True
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import overload

from pyoxigraph import Literal, NamedNode, Quad, RdfFormat, parse, serialize

from . import __version__, countries, iris, resolve
from .iris import DEFAULT_BASE, search_key
from .paths import ONTOLOGY_DIR
from .record import Record, source_url
from .vocab import EU_COUNTRY_NS, SDG_NS, ox

__all__ = [
    "DEFAULT_BASE",
    "NamedGraph",
    "QuadText",
    "SHARED_CLASSES",
    "collectivity_kind",
    "count_quads",
    "entity_quads",
    "funding_quads",
    "partnership_id",
    "record_graph",
    "record_graph_iri",
    "record_to_quads",
    "refresh_counts",
    "refresh_entities",
    "refresh_funding",
    "replace_derived_graph",
    "stamp",
    "vocabulary_graph",
    "vocabulary_quads",
]

VOCABULARY_FILES = ("atlas.ttl", "themes.ttl", "sdgs.ttl")
"""Turtle files of ``ontology/`` loaded into the vocabulary graph."""

AKG, RDF, RDFS, XSD = ox.AKG, ox.RDF, ox.RDFS, ox.XSD
TYPE = RDF.type


class QuadText(Sequence[Quad]):
    """Quads held as N-Quads text, one per line: made without a Python object per quad (a
    network's metrics graph has about 120,000) and parsed only when read one by one. The
    embedded store bulk-loads the text as it is."""

    __slots__ = ("_parsed", "count", "data")

    def __init__(self, data: bytes, count: int) -> None:
        self.data = data
        self.count = count
        self._parsed: list[Quad] | None = None

    def __len__(self) -> int:
        return self.count

    def _quads(self) -> list[Quad]:
        if self._parsed is None:
            self._parsed = list(parse(self.data, RdfFormat.N_QUADS))
        return self._parsed

    @overload
    def __getitem__(self, index: int) -> Quad: ...
    @overload
    def __getitem__(self, index: slice) -> list[Quad]: ...
    def __getitem__(self, index: int | slice) -> Quad | list[Quad]:
        return self._quads()[index]

    def __iter__(self) -> Iterator[Quad]:
        return iter(self._quads())


@dataclass(frozen=True)
class NamedGraph:
    """The quads of one named graph, ready to load, and the digest of its content."""

    iri: str
    quads: Sequence[Quad]
    content_hash: str
    source: str | None = None
    """Where it came from (file path), for reports."""


# -- identifiers -----------------------------------------------------------------------


def partnership_id(record: Record) -> str:
    """The Atlas id, or ``h-`` and 12 hex digits of the record's content when it has none."""
    if record.source.atlas_id is not None:
        return str(record.source.atlas_id)
    content = {k: v for k, v in record.to_dict().items() if k != "source"}
    text = json.dumps(content, sort_keys=True, ensure_ascii=False)
    return "h-" + hashlib.sha256(text.encode()).hexdigest()[:12]


def record_graph_iri(record: Record, base: str = DEFAULT_BASE) -> str:
    """The IRI of the named graph holding what ``record`` says."""
    return iris.graph_iri(partnership_id(record), base=base)


# -- literals --------------------------------------------------------------------------


def _int(value: int) -> Literal:
    return Literal(str(int(value)), datatype=XSD.integer)


def _decimal(value: float | int) -> Literal:
    text = format(Decimal(str(value)).normalize(), "f") if isinstance(value, float) else str(value)
    return Literal(text, datatype=XSD.decimal)


def _bool(value: bool) -> Literal:
    return Literal("true" if value else "false", datatype=XSD.boolean)


def _fr(text: str) -> Literal:
    return Literal(text, language="fr")


def _str(text: str) -> Literal:
    return Literal(text)


def _valid_date(text: str | None) -> str | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        return None


# -- collectivity kinds ----------------------------------------------------------------

_KIND_PATTERNS = [
    (re.compile(r"^(communaute rurale|cr)\b"), "RuralCommunity"),
    (
        re.compile(
            r"^(communaute (de communes|d agglomeration|urbaine)|metropole|eurometropole|"
            r"syndicat|agglomeration)\b"
        ),
        "Intercommunality",
    ),
    (re.compile(r"^(departement|conseil departemental|conseil general)\b"), "Department"),
    (re.compile(r"^(region|conseil regional)\b"), "Region"),
    (re.compile(r"^(commune|ville|mairie|municipalite|municipalidad|municipio)\b"), "Commune"),
    (re.compile(r"^(province|prefecture|gouvernorat|wilaya)\b"), "Province"),
]


@lru_cache(maxsize=65536)
def collectivity_kind(name: str) -> str | None:
    """The local name of the ``akg:CollectivityKind`` a name reveals, or None.

    >>> collectivity_kind("Communauté rurale de Ngogom"), collectivity_kind("Malakoff")
    ('RuralCommunity', None)
    """
    words = search_key(name).replace("-", " ")
    for pattern, kind in _KIND_PATTERNS:
        if pattern.match(words):
            return kind
    return None


# -- the mapping -----------------------------------------------------------------------


class _Mapper:
    """Builds the quads of one record's graph. Each ``_add_*`` method is one section."""

    def __init__(self, record: Record, base: str) -> None:
        self.record = record
        self.base = base
        self.pid = partnership_id(record)
        self.graph = NamedNode(iris.graph_iri(self.pid, base=base))
        self.p = NamedNode(iris.partnership_iri(self.pid, base=base))
        self.quads: list[Quad] = []
        self._described: set[str] = set()
        self._partners: dict[str, NamedNode] = {}  # search key → collectivity, for roles
        self._partner_names: dict[str, str] = {}  # search key → the partner's name as listed
        self._entities: dict[tuple[str, str], NamedNode] = {}  # gazetteer entity → partner
        self._decisions = 0
        self.resolution = resolve.resolve_record(record)
        self._countries = [
            c for c in (self._country(fp.country) for fp in record.foreign_partners) if c
        ]

    # helpers
    def add(self, s: NamedNode, p: NamedNode, o: NamedNode | Literal) -> None:
        self.quads.append(Quad(s, p, o, self.graph))

    def node(self, suffix: str) -> NamedNode:
        """A node local to the partnership (``partnership/<id>/<suffix>``)."""
        return NamedNode(f"{self.p.value}/{suffix}")

    def first_time(self, iri: str) -> bool:
        """True the first time a shared entity is met in this record (describe it once)."""
        if iri in self._described:
            return False
        self._described.add(iri)
        return True

    @staticmethod
    def _country(name: str | None) -> countries.Country | None:
        return countries.lookup(name) if name else None

    def country_node(self, country: countries.Country) -> NamedNode:
        return NamedNode(iris.country_iri(country.alpha2, base=self.base))

    def labelled(self, iri: str, cls: NamedNode, label: str) -> NamedNode:
        """A shared entity: type, label as written, search key (once per record)."""
        node = NamedNode(iri)
        if self.first_time(iri):
            self.add(node, TYPE, cls)
            self.add(node, RDFS.label, _str(label))
            self.add(node, AKG.searchKey, _str(search_key(label)))
        return node

    # sections
    def run(self) -> list[Quad]:
        self._add_partnership()
        self._add_collectivities()
        self._add_roles()
        self._add_posts()
        self._add_themes()
        self._add_sdgs()
        self._add_funding()
        self._add_foreign_contacts()
        self._add_volunteers()
        return self.quads

    def _add_partnership(self) -> None:
        r, p = self.record, self.p
        self.add(p, TYPE, AKG.Partnership)
        if r.source.atlas_id is not None:
            self.add(p, AKG.atlasId, _int(r.source.atlas_id))
            self.add(p, ox.DCTERMS.source, NamedNode(source_url(r.source.atlas_id)))
        if r.title:
            self.add(p, ox.DCTERMS.title, _fr(r.title))
        if r.status in _STATUS:
            self.add(p, AKG.status, _STATUS[r.status])
        elif r.status_label:
            self.add(p, AKG.statusLabel, _str(r.status_label))
        if r.start_year is not None:
            self.add(p, AKG.startYear, _int(r.start_year))
        if r.first_signature_year is not None:
            self.add(p, AKG.firstSignatureYear, _int(r.first_signature_year))
        end = _valid_date(r.end_date)
        if end:
            self.add(p, AKG.endDate, Literal(end, datatype=XSD.date))
        self._add_period(end)
        for prop, text in (
            (AKG.form, r.form),
            (AKG.context, r.context),
            (AKG.history, r.history),
            (AKG.objectives, r.objectives),
            (ox.DCTERMS.description, r.description),
            (AKG.beneficiaries, r.beneficiaries),
        ):
            if text:
                self.add(p, prop, _fr(text))
        for prop, flag in (
            (AKG.triennial, r.triennial),
            (AKG.communicationFrance, r.communication_france),
            (AKG.communicationPartnerCountries, r.communication_partner_countries),
            (AKG.evaluation, r.evaluation),
        ):
            if flag is not None:
                self.add(p, prop, _bool(flag))
        for country in dict.fromkeys(self._countries):
            self.add(p, AKG.country, self.country_node(country))

    def _add_period(self, end: str | None) -> None:
        """OWL-Time form of the start year and end date (beside the direct properties)."""
        start = self.record.start_year
        if (start is None or start < 1) and not end:
            return
        T = ox.TIME
        period = self.node("period")
        self.add(self.p, T.hasTime, period)
        self.add(period, TYPE, T.ProperInterval)
        if start is not None and start >= 1:
            instant = self.node("period/start")
            self.add(period, T.hasBeginning, instant)
            self.add(instant, TYPE, T.Instant)
            self.add(instant, T.inXSDgYear, Literal(f"{start:04d}", datatype=XSD.gYear))
        if end:
            instant = self.node("period/end")
            self.add(period, T.hasEnd, instant)
            self.add(instant, TYPE, T.Instant)
            self.add(instant, T.inXSDDate, Literal(end, datatype=XSD.date))

    def _collectivity(self, name: str, country: countries.Country | None, cls: NamedNode,
                      written_country: str | None) -> NamedNode:  # fmt: skip
        alpha2 = country.alpha2 if country else None
        iri = iris.collectivity_iri(name, alpha2, base=self.base)
        node = NamedNode(iri)
        if self.first_time(iri):
            self.add(node, TYPE, cls)
            self.add(node, RDFS.label, _str(name))
            self.add(node, AKG.searchKey, _str(search_key(name)))
            if country:
                self.add(node, AKG.country, self.country_node(country))
            elif written_country:
                self.add(node, AKG.countryName, _str(written_country))
            kind = collectivity_kind(name)
            if kind:
                self.add(node, AKG.kind, getattr(AKG, kind))
        return node

    def _add_collectivities(self) -> None:
        for name in _names(self.record.french_partners):
            node = self.french_collectivity(name, self.resolution.decision(name), partner=True)
            if self.first_time(f"{node.value} frenchPartner"):
                self.add(self.p, AKG.frenchPartner, node)
        for fp in self.record.foreign_partners:
            name = fp.name.strip()
            if not name:
                continue
            country = self._country(fp.country)
            node = self._collectivity(name, country, AKG.ForeignCollectivity, fp.country)
            self.add(self.p, AKG.foreignPartner, node)
            self._partners.setdefault(search_key(name), node)
            self._partner_names.setdefault(search_key(name), name)
            if country is None or country.alpha2 != "FR":
                self._namesakes(node, name)

    def french_collectivity(self, name: str, decision: resolve.NameDecision, *,
                            partner: bool = False) -> NamedNode:  # fmt: skip
        """The node of a French collectivity: the gazetteer entity's when resolved.

        Its label is the canonical one; the name as written, when different, is kept as
        ``skos:altLabel`` with its search key. The decision is recorded when it was more
        than the plain official name, and for a French partner that stays unresolved.
        """
        entity = decision.entity
        label = decision.label
        if entity is not None:
            iri = entity.iri(self.base)
        else:
            iri = iris.collectivity_iri(label, "FR", base=self.base)
        node = NamedNode(iri)
        if self.first_time(iri):
            self.add(node, TYPE, AKG.FrenchCollectivity)
            self.add(node, RDFS.label, _str(label))
            self.add(node, AKG.searchKey, _str(search_key(label)))
            self.add(node, AKG.country, self.country_node(countries.by_code("FR")))
            kind = entity.akg_kind if entity is not None else collectivity_kind(name)
            if kind:
                self.add(node, AKG.kind, getattr(AKG, kind))
            if entity is not None:
                self._identifiers(node, entity)
        self.alt_label(node, name, label)
        if partner:
            for text in (name, label):
                self._partners.setdefault(search_key(text), node)
                self._partner_names.setdefault(search_key(text), name)
            if entity is not None:
                self._entities.setdefault((entity.kind, entity.code), node)
        plain = decision.resolved and name == label and not decision.rule.startswith("context")
        if not plain and (partner or decision.resolved):
            self.decision(name, node, decision.rule, decision.score, decision.reason)
        return node

    def _identifiers(self, node: NamedNode, entity: resolve.FrenchEntity) -> None:
        self.add(node, ox.DCTERMS.identifier, _str(entity.code))
        if entity.kind != "epci":
            self.add(node, AKG.inseeCode, _str(entity.code))
        if entity.siren:
            self.add(node, AKG.siren, _str(entity.siren))
        if entity.kind == "commune" and entity.departement:
            self.add(node, AKG.departementCode, _str(entity.departement))
        if entity.kind in ("commune", "departement") and entity.region:
            self.add(node, AKG.regionCode, _str(entity.region))

    def alt_label(self, node: NamedNode, name: str, label: str) -> None:
        """``skos:altLabel`` (and search key) of a spelling other than the node's label."""
        written = " ".join(name.split())
        if written == label or not self.first_time(f"{node.value} alt {written}"):
            return
        self.add(node, ox.SKOS.altLabel, _str(written))
        key = search_key(written)
        if key != search_key(label) and self.first_time(f"{node.value} key {key}"):
            self.add(node, AKG.searchKey, _str(key))

    def decision(self, name: str, node: NamedNode, rule: str, score: float,
                 reason: str | None) -> None:  # fmt: skip
        """An ``akg:NameResolution`` of this record: name as written → node, rule, score."""
        if not self.first_time(f"decision {name} {node.value} {rule}"):
            return
        self._decisions += 1
        d = self.node(f"resolution/{self._decisions}")
        self.add(d, TYPE, AKG.NameResolution)
        self.add(d, AKG.sourceName, _str(name))
        self.add(d, AKG.resolvedTo, node)
        self.add(d, AKG.rule, _str(rule))
        self.add(d, AKG.score, _decimal(round(score, 4)))
        if reason:
            self.add(d, AKG.reason, Literal(reason, language="en"))

    def _namesakes(self, node: NamedNode, name: str) -> None:
        """Link a foreign partner named like French communes to them (a likely error)."""
        for entity in resolve.french_namesakes(name):
            target = NamedNode(entity.iri(self.base))
            if self.first_time(f"{node.value} namesake {target.value}"):
                self.add(node, AKG.frenchNamesake, target)
            if self.first_time(f"{target.value} namesake"):
                self.add(target, RDFS.label, _str(entity.label))
                self.add(target, AKG.inseeCode, _str(entity.code))

    def party(self, name: str) -> NamedNode:
        """A named party: one of the record's partners when the name matches (or is the same
        gazetteer entity), a French collectivity of the gazetteer, else an organisation."""
        match = self.party_match(name)
        if match is not None:
            node, why = match
            if search_key(name) not in self._partners:
                self.decision(name, node, "same-as-partner", 1.0, why)
            return node
        decision = self.resolution.decision(name)
        if decision.entity is not None and decision.rule in _CERTAIN:
            return self.french_collectivity(name, decision)
        return self.labelled(iris.organization_iri(name, base=self.base), ox.ORG.Organization, name)

    def party_match(self, name: str) -> tuple[NamedNode, str] | None:
        """The record's partner a name designates, and why; None when it is none of them."""
        key = search_key(name)
        if key in self._partners:
            why = f"named like the record's partner {self._partner_names[key]!r}"
            return self._partners[key], why
        entity = self.resolution.decision(name).entity
        node = self._entities.get((entity.kind, entity.code)) if entity is not None else None
        if entity is None or node is None:
            return None
        self.alt_label(node, name, entity.label)  # the partner's other spelling
        return node, f"the same gazetteer entity as the partner {entity.label!r} ({entity.code})"

    def funder(self, name: str) -> NamedNode:
        """A funder's node: a known funder under any of its names, one of the record's
        partners, a French collectivity of the gazetteer, else a funder of that name."""
        alias = resolve.funder_alias(name)
        if alias is not None:
            node = self.labelled(
                iris.funder_iri(alias.label, base=self.base), AKG.Funder, alias.label
            )
            if name != alias.label:
                self.alt_label(node, name, alias.label)
                self.decision(name, node, "funder-alias", 1.0, None)
            return node
        match = self.party_match(name)
        if match is not None:
            node, why = match
            if search_key(name) not in self._partners:  # a name other than the partner's
                self.decision(name, node, "same-as-partner", 1.0, f"a funder {why}")
        else:
            decision = self.resolution.decision(name)
            if decision.entity is None or decision.rule not in _CERTAIN:
                return self.labelled(iris.funder_iri(name, base=self.base), AKG.Funder, name)
            node = self.french_collectivity(name, decision)
        if self.first_time(f"{node.value} funder"):
            self.add(node, TYPE, AKG.Funder)
        return node

    def _add_roles(self) -> None:
        r = self.record
        for prop, names in (
            (AKG.contractingAuthority, r.contracting_authorities),
            (AKG.implementingParty, r.implementing_parties),
            (AKG.otherPartner, r.other_partners),
        ):
            for name in _names(names):
                self.add(self.p, prop, self.party(name))

    def _person(self, name: str | None, email: str | None, *, given: str | None = None,
                family: str | None = None) -> NamedNode | None:  # fmt: skip
        key = name or (email.split("@")[0] if email else None)
        if not key:
            return None
        iri = iris.person_iri(key, base=self.base)
        node = NamedNode(iri)
        if self.first_time(iri):
            F = ox.FOAF
            self.add(node, TYPE, F.Person)
            if name:
                self.add(node, F.name, _str(name))
            if given:
                self.add(node, F.givenName, _str(given))
            if family:
                self.add(node, F.familyName, _str(family))
        if email and self.first_time(f"{iri} {email}"):
            self.add(node, ox.FOAF.mbox, _mailto(email))
        return node

    def _membership(self, organization: NamedNode, person: NamedNode, role: str | None) -> None:
        terms = ox.ORG
        role_node = None
        if role:
            role_iri = iris.role_iri(role, base=self.base)
            role_node = NamedNode(role_iri)
            if self.first_time(role_iri):
                self.add(role_node, TYPE, terms.Role)
                self.add(role_node, ox.SKOS.prefLabel, _fr(role))
        iri = iris.membership_iri(
            organization.value, person.value, role_node.value if role_node else None, base=self.base
        )
        if not self.first_time(iri):
            return
        m = NamedNode(iri)
        self.add(m, TYPE, terms.Membership)
        self.add(m, terms.member, person)
        self.add(m, terms.organization, organization)
        if role_node is not None:
            self.add(m, terms.role, role_node)

    def _add_posts(self) -> None:
        # A post's country is not on the page: the city in its name gives it
        # (data/posts.csv), else all the record's foreign partners being in one country.
        only = set(self._countries)
        country = next(iter(only)) if len(only) == 1 else None
        for post in self.record.diplomatic_posts:
            name = post.name.strip()
            if not name:
                continue
            iri = iris.post_iri(name, base=self.base)
            fresh = iri not in self._described
            node = self.labelled(iri, AKG.DiplomaticPost, name)
            where = resolve.post_country(name) or country
            if fresh and where:
                self.add(node, AKG.country, self.country_node(where))
            self.add(self.p, AKG.post, node)
            for contact in post.contacts:
                person = self._person(contact.name, contact.email)
                if person is not None:
                    self._membership(node, person, contact.role)

    def _add_themes(self) -> None:
        from .themes import taxonomy

        tax = taxonomy()
        r = self.record
        rows: list[tuple[tuple[str | None, ...], int | None, bool]] = []
        if r.theme and (r.theme.theme or r.theme.subtheme or r.theme.subsubtheme):
            rows.append(((r.theme.theme, r.theme.subtheme, r.theme.subsubtheme), None, True))
        for other in r.other_themes:
            levels = (other.theme, other.subtheme, other.subsubtheme)
            if any(levels):
                rows.append((levels, other.priority, False))
        linked: set[str] = set()
        for index, (levels, priority, primary) in enumerate(rows):
            resolved = [
                _theme(label, level) if label else None
                for level, label in enumerate(levels, start=1)
            ]
            deepest = next((c for c in reversed(resolved) if c is not None), None)
            row = self.node(f"theme/{index}")
            self.add(self.p, AKG.themeAssignment, row)
            self.add(row, TYPE, AKG.ThemeAssignment)
            self.add(row, AKG.isPrimary, _bool(primary))
            self.add(row, AKG.themeLabel, _str(" > ".join(x for x in levels if x)))
            if priority is not None:
                self.add(row, AKG.priority, _int(priority))
            if deepest is None:
                continue
            self.add(row, AKG.themeConcept, NamedNode(deepest.iri))
            if primary:
                self.add(self.p, AKG.primaryTheme, NamedNode(deepest.iri))
            # Every level named, and the ancestors of the deepest: counts per theme at
            # any level are then one triple pattern.
            chain = [c.iri for c in resolved if c is not None]
            parent = deepest.parent
            while parent is not None:
                chain.append(parent)
                concept = tax.get(parent)
                parent = concept.parent if concept else None
            for iri in chain:
                if iri not in linked:
                    linked.add(iri)
                    self.add(self.p, AKG.theme, NamedNode(iri))

    def _add_sdgs(self) -> None:
        seen: set[int] = set()
        for index, sdg in enumerate(self.record.sdgs, start=1):
            if not 1 <= sdg.goal <= 17:
                continue
            goal = NamedNode(f"{SDG_NS}{sdg.goal}")
            row = self.node(f"sdg/{index}")
            self.add(self.p, AKG.sdgAssignment, row)
            self.add(row, TYPE, AKG.SDGAssignment)
            self.add(row, AKG.goal, goal)
            if sdg.weight is not None:
                self.add(row, AKG.weight, _int(sdg.weight))
            if sdg.goal not in seen:
                seen.add(sdg.goal)
                self.add(self.p, AKG.sdg, goal)

    def _add_funding(self) -> None:
        S = ox.SCHEMA
        for index, row in enumerate(self.record.funding, start=1):
            node = self.node(f"funding/{index}")
            self.add(self.p, AKG.funding, node)
            self.add(node, TYPE, AKG.Funding)
            funder = _clean_funder(row.funder)
            if funder:
                self.add(node, S.funder, self.funder(funder))
            if row.amount_eur is not None:
                self.add(node, AKG.amount, _decimal(row.amount_eur))
                amount = self.node(f"funding/{index}/amount")
                self.add(node, S.amount, amount)
                self.add(amount, TYPE, S.MonetaryAmount)
                self.add(amount, S.value, _decimal(row.amount_eur))
                self.add(amount, S.currency, _EUR)
            if row.year is not None:
                self.add(node, AKG.year, _int(row.year))
            for rank, value in enumerate(row.one_percent_eur, start=1):
                one = self.node(f"funding/{index}/one-percent/{rank}")
                self.add(node, AKG.onePercentAmount, one)
                self.add(one, TYPE, AKG.OnePercentAmount)
                self.add(one, AKG.rank, _int(rank))
                self.add(one, S.value, _decimal(value))
                self.add(one, S.currency, _EUR)

    def _add_foreign_contacts(self) -> None:
        for contact in self.record.foreign_contacts:
            name = " ".join(x for x in (contact.first_name, contact.last_name) if x) or None
            person = self._person(
                name, contact.email, given=contact.first_name, family=contact.last_name
            )
            if person is None:
                continue
            self.add(self.p, AKG.foreignContact, person)
            if contact.partner and contact.partner.strip():
                self._membership(self.party(contact.partner.strip()), person, contact.function)

    def _add_volunteers(self) -> None:
        F = ox.FOAF
        for index, v in enumerate(self.record.volunteers, start=1):
            node = self.node(f"volunteer/{index}")
            self.add(self.p, AKG.volunteer, node)
            self.add(node, TYPE, AKG.Volunteer)
            name = " ".join(x for x in (v.first_name, v.last_name) if x)
            for prop, value in (
                (F.name, name),
                (F.givenName, v.first_name),
                (F.familyName, v.last_name),
                (AKG.mission, v.mission),
                (AKG.fieldOfAction, v.field),
                (AKG.assignedTo, v.assigned_to),
            ):
                if value:
                    self.add(node, prop, _str(value))

    def provenance(self) -> list[Quad]:
        """The graph describing itself: source, digest, parser version, warnings."""
        src, g = self.record.source, self.graph
        out = [
            Quad(g, TYPE, AKG.RecordGraph, g),
            Quad(g, ox.FOAF.primaryTopic, self.p, g),
            Quad(g, AKG.parserVersion, _str(_parser_version()), g),
            Quad(g, AKG.complete, _bool(src.complete), g),
        ]
        if src.atlas_id is not None:
            out.append(Quad(g, ox.PROV.wasDerivedFrom, NamedNode(source_url(src.atlas_id)), g))
        if src.path:
            out.append(Quad(g, AKG.sourceFile, _str(src.path), g))
        if src.sha256:
            out.append(Quad(g, AKG.sha256, _str(src.sha256), g))
        out.extend(Quad(g, AKG.parseWarning, _str(w), g) for w in dict.fromkeys(src.warnings))
        return out


@lru_cache(maxsize=4096)
def _theme(label: str, level: int):  # noqa: ANN202 (themes.Concept | None)
    from .themes import taxonomy

    return taxonomy().by_label(label, level)


_CERTAIN = ("official-name", "kind-prefix", "former-name", "context-name")
"""Rules by which a funder or party that is none of the partners becomes a collectivity."""
_STATUS = {"ongoing": AKG.Ongoing, "finished": AKG.Finished, "dormant": AKG.Dormant}
_EUR = Literal("EUR")


def _names(values: Iterable[str]) -> list[str]:
    return [v.strip() for v in values if v and v.strip()]


def _clean_funder(name: str | None) -> str | None:
    # Funder cells carry stray punctuation from the page (", Mantes la Jolie").
    if not name:
        return None
    return name.strip(" \t,;:-") or None


def _mailto(email: str) -> NamedNode:
    from urllib.parse import quote

    return NamedNode("mailto:" + quote(email.strip(), safe="@.+-_~!$&'()*,;="))


@lru_cache(maxsize=1)
def _parser_version() -> str:
    try:
        from . import parse as parse_module
    except ImportError:
        return __version__
    return str(getattr(parse_module, "PARSER_VERSION", __version__))


def _digest(quads: list[Quad]) -> str:
    # N-Quads serialised on the Rust side: exact (any change of the mapping shows) and fast.
    return hashlib.sha256(serialize(quads, format=RdfFormat.N_QUADS)).hexdigest()


# -- public API ------------------------------------------------------------------------


def record_graph(
    record: Record, *, base: str = DEFAULT_BASE, generated_at: datetime | None = None
) -> NamedGraph:
    """The named graph of one record: its quads and the digest of their content.

    ``generated_at`` (the time the record was read) is left out of the digest, so that an
    unchanged record can be recognised and left alone; when None, no time is written.
    """
    mapper = _Mapper(record, base)
    content = mapper.run() + mapper.provenance()
    digest = _digest(content)
    g = mapper.graph
    graph = NamedGraph(
        g.value, content + [Quad(g, AKG.contentHash, _str(digest), g)], digest, record.source.path
    )
    return stamp(graph, generated_at) if generated_at is not None else graph


def stamp(graph: NamedGraph, generated_at: datetime) -> NamedGraph:
    """The graph with ``prov:generatedAtTime`` (UTC, to the second) added."""
    g = NamedNode(graph.iri)
    when = generated_at.astimezone(UTC).replace(microsecond=0).isoformat()
    quad = Quad(g, ox.PROV.generatedAtTime, Literal(when, datatype=XSD.dateTime), g)
    return NamedGraph(graph.iri, [*graph.quads, quad], graph.content_hash, graph.source)


def record_to_quads(
    record: Record, *, base: str = DEFAULT_BASE, generated_at: datetime | None = None
) -> list[Quad]:
    """Every quad of the record's named graph (see ``record_graph``)."""
    return record_graph(record, base=base, generated_at=generated_at).quads


def vocabulary_quads(*, base: str = DEFAULT_BASE) -> list[Quad]:
    """The shared graph: ontology, theme scheme, SDGs and countries, with search keys."""
    g = NamedNode(iris.vocabulary_graph_iri(base=base))
    quads: list[Quad] = []
    for name in VOCABULARY_FILES:
        path = ONTOLOGY_DIR / name
        if path.exists():
            quads.extend(
                Quad(t.subject, t.predicate, t.object, g)
                for t in parse(path=str(path), format=RdfFormat.TURTLE)
            )
    # Label parameters of named queries compare search keys: give every concept some.
    keyed = {ox.SKOS.prefLabel.value, ox.SKOS.notation.value}
    keys = {
        (q.subject, search_key(q.object.value))
        for q in quads
        if q.predicate.value in keyed and isinstance(q.object, Literal)
    }
    for country in countries.all_countries():
        node = NamedNode(iris.country_iri(country.alpha2, base=base))
        quads += [
            Quad(node, TYPE, AKG.Country, g),
            Quad(node, RDFS.label, Literal(country.label_fr, language="fr"), g),
            Quad(node, RDFS.label, Literal(country.label_en, language="en"), g),
            Quad(node, AKG.alpha2, _str(country.alpha2), g),
            Quad(node, AKG.alpha3, _str(country.alpha3), g),
            Quad(node, ox.OWL.sameAs, NamedNode(EU_COUNTRY_NS + country.alpha3), g),
        ]
        for text in (country.label_fr, country.label_en, country.alpha2, country.alpha3):
            keys.add((node, search_key(text)))
    for spelling in countries.country_names():  # the Atlas's own spellings too ("RDC")
        country = countries.lookup(spelling)
        if country is not None:
            keys.add((NamedNode(iris.country_iri(country.alpha2, base=base)), search_key(spelling)))
    quads.extend(Quad(s, AKG.searchKey, _str(k), g) for s, k in sorted(keys, key=str))
    return quads


SHARED_CLASSES = (
    AKG.FrenchCollectivity,
    AKG.ForeignCollectivity,
    ox.ORG.Organization,
    AKG.DiplomaticPost,
    AKG.Funder,
    ox.FOAF.Person,
    ox.ORG.Membership,
    ox.ORG.Role,
)
"""Classes of the shared entities: each record graph naming one describes it again."""

_ENTITY_TRIPLES = f"""SELECT DISTINCT ?s ?p ?o WHERE {{
  {{ SELECT DISTINCT ?g ?s WHERE {{
    GRAPH ?g {{ ?s <{TYPE.value}> ?class }}
    VALUES ?class {{ {" ".join(str(c) for c in SHARED_CLASSES)} }} }} }}
  GRAPH ?g {{ ?g <{TYPE.value}> <{AKG.RecordGraph.value}> . ?s ?p ?o }}
}}"""


def entity_quads(store: object, *, base: str = DEFAULT_BASE) -> list[Quad]:
    """The quads of ``graph/entities``: every triple a record graph states about a shared
    entity (``SHARED_CLASSES``), once, in a stable order."""
    g = NamedNode(iris.entity_graph_iri(base=base))
    rows = store.query(_ENTITY_TRIPLES)  # type: ignore[attr-defined]
    quads = [Quad(r[0], r[1], r[2], g) for r in rows]
    quads.sort(key=str)  # the digest must not depend on the store's order
    return quads


def refresh_entities(
    store: object,
    *,
    base: str = DEFAULT_BASE,
    now: datetime | None = None,
    changed: bool = True,
) -> bool:
    """Recompute ``graph/entities`` from the record graphs; True when it was rewritten.

    Queries about posts, people and other shared entities read their single description
    there instead of the copies of every record graph (a post is named by hundreds of
    records). The graph is derived: it is replaced only when its content changed, and not
    recomputed at all when ``changed`` is False (no record graph was written or removed)
    and it exists.
    """
    return _refresh(
        store,
        iris.entity_graph_iri(base=base),
        AKG.EntityGraph,
        "entities",
        lambda: entity_quads(store, base=base),
        now=now,
        changed=changed,
    )


def _refresh(
    store: object,
    iri: str,
    kind: NamedNode,
    source: str,
    compute: Callable[[], list[Quad]],
    *,
    now: datetime | None,
    changed: bool,
) -> bool:
    """Recompute a derived graph typed ``kind`` unless nothing changed and it exists."""
    if not changed and store.content_hashes([iri]):  # type: ignore[attr-defined]
        return False
    quads = compute()
    if quads:
        g = NamedNode(iri)
        quads.append(Quad(g, TYPE, kind, g))
    return replace_derived_graph(store, iri, quads, source=source, now=now, bulk=True)


# Rows are joined by hashing sub-SELECTs (queries/README.md). A funding row lives in one
# record graph, and the totals use their own properties, so neither the union of graphs
# nor graph/funding itself counts a row twice.
_FUNDER_YEAR_TOTALS = """PREFIX akg: <https://w3id.org/atlas-kg/def#>
PREFIX schema: <https://schema.org/>
SELECT ?funder ?year (SUM(?amount) AS ?total) (COUNT(DISTINCT ?partnership) AS ?partnerships)
WHERE {
  { SELECT ?row ?funder WHERE { ?row schema:funder ?funder } }
  { SELECT ?row ?amount WHERE { ?row akg:amount ?amount } }
  { SELECT ?partnership ?row WHERE { ?partnership akg:funding ?row } }
  OPTIONAL { SELECT ?row ?year WHERE { ?row akg:year ?year } }
}
GROUP BY ?funder ?year"""

# Each partnership's rows are summed first: the join with its countries then sees one row
# per partnership, and a partnership's funding counts once in each of its countries.
_COUNTRY_TOTALS = """PREFIX akg: <https://w3id.org/atlas-kg/def#>
SELECT ?country (SUM(?subtotal) AS ?total) (COUNT(?partnership) AS ?partnerships) WHERE {
  {
    SELECT ?partnership (SUM(?amount) AS ?subtotal) WHERE {
      { SELECT ?partnership ?row WHERE { ?partnership akg:funding ?row } }
      { SELECT ?row ?amount WHERE { ?row akg:amount ?amount } }
    }
    GROUP BY ?partnership
  }
  { SELECT DISTINCT ?partnership ?country WHERE { ?partnership akg:country ?country } }
}
GROUP BY ?country"""


# A total's name, in French and English, from what it sums: the funder's name (the first
# spelling in code point order, as `funding_by_funder` shows it) and year, or the country's.
_FUNDER_NAMES = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX schema: <https://schema.org/>
SELECT ?funder (MIN(STR(?label)) AS ?name) WHERE {
  { SELECT DISTINCT ?funder WHERE { ?row schema:funder ?funder } }
  ?funder rdfs:label ?label
}
GROUP BY ?funder"""
_COUNTRY_NAMES = """PREFIX akg: <https://w3id.org/atlas-kg/def#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?country ?label WHERE { ?country a akg:Country ; rdfs:label ?label }"""


def _country_names(store: object) -> dict[tuple[str, str], str]:
    """Each country's name by (country IRI, language)."""
    return {
        (r["country"].value, r["label"].language or ""): r["label"].value
        for r in store.query(_COUNTRY_NAMES)  # type: ignore[attr-defined]
    }


_TOTAL_LABELS = {  # {0}: the funder's name or the country's French name; {1}: the year
    # or the country's English name
    "year": ("Financements – {0}, {1}", "Funding – {0}, {1}"),
    "no year": ("Financements – {0}, sans année", "Funding – {0}, no year"),
    "country": ("Financements des partenariats – {0}", "Funding of partnerships – {1}"),
}


def _labels(
    node: NamedNode, graph: NamedNode, templates: tuple[str, str], *values: str
) -> list[Quad]:
    """The French and English ``rdfs:label`` of a derived node: ``templates`` (French,
    English) filled with ``values`` (``_TOTAL_LABELS``, ``_COUNT_LABELS``)."""
    fr, en = templates
    return [
        Quad(node, RDFS.label, Literal(fr.format(*values), language="fr"), graph),
        Quad(node, RDFS.label, Literal(en.format(*values), language="en"), graph),
    ]


def _exact(value: Literal) -> Literal:
    # The same total in the same form whatever store summed it ("1500.0", "1.5E3"...),
    # so that the graph's digest does not depend on the store.
    return Literal(format(Decimal(value.value).normalize(), "f"), datatype=XSD.decimal)


def funding_quads(store: object, *, base: str = DEFAULT_BASE) -> list[Quad]:
    """The quads of ``graph/funding``: an ``akg:FundingTotal`` per funder and year (and per
    funder for its rows without a year) and per country, in a stable order; empty when
    no row has an amount."""
    g = NamedNode(iris.funding_graph_iri(base=base))
    totals: list[tuple[str, list[Quad]]] = []

    def total(
        key: str,
        row: object,
        dimension: NamedNode,
        value: NamedNode,
        labels: tuple[str, ...],
        year: Literal | None = None,
    ) -> None:
        node = NamedNode(iris.funding_total_iri(key, base=base))
        quads = [Quad(node, TYPE, AKG.FundingTotal, g), Quad(node, dimension, value, g)]
        if year is not None:
            quads.append(Quad(node, AKG.totalYear, _int(int(year.value)), g))
        quads += [
            Quad(node, AKG.totalAmount, _exact(row["total"]), g),  # type: ignore[index]
            Quad(node, AKG.fundedPartnerships, _int(int(row["partnerships"].value)), g),  # type: ignore[index]
        ]
        kind, *values = labels
        quads += _labels(node, g, _TOTAL_LABELS[kind], *values)
        totals.append((node.value, quads))

    names = {r["funder"].value: r["name"].value for r in store.query(_FUNDER_NAMES)}  # type: ignore[attr-defined]
    country_names = _country_names(store)
    for row in store.query(_FUNDER_YEAR_TOTALS):  # type: ignore[attr-defined]
        funder, year = row["funder"], row["year"]
        key = f"{funder.value} {year.value if year is not None else ''}"
        name = names.get(funder.value, funder.value)
        labels = ("year", name, year.value) if year is not None else ("no year", name)
        total(key, row, AKG.totalFunder, funder, labels, year)
    for row in store.query(_COUNTRY_TOTALS):  # type: ignore[attr-defined]
        country = row["country"].value
        fr = country_names.get((country, "fr"), country)
        en = country_names.get((country, "en"), fr)
        total(country, row, AKG.totalCountry, row["country"], ("country", fr, en))
    totals.sort(key=lambda t: t[0])  # the digest must not depend on the store's order
    return [q for _, quads in totals for q in quads]


def refresh_funding(
    store: object,
    *,
    base: str = DEFAULT_BASE,
    now: datetime | None = None,
    changed: bool = True,
) -> bool:
    """Recompute ``graph/funding`` from the record graphs; True when it was rewritten.

    The funding queries read these totals instead of summing the rows (about nine per
    record) on each call. Like ``graph/entities``, the graph is derived: replaced only
    when its content changed, not recomputed when ``changed`` is False and it exists, and
    absent when no funding row has an amount.
    """
    return _refresh(
        store,
        iris.funding_graph_iri(base=base),
        AKG.FundingGraph,
        "funding",
        lambda: funding_quads(store, base=base),
        now=now,
        changed=changed,
    )


# The whole-store counts that `partnerships_by_country`, `collectivities_by_country` and
# `posts` show, computed once per ingest instead of at each call (queries/README.md).
# Partnerships are typed: collectivities and posts have an akg:country too.
_COUNTRY_PARTNERSHIPS = """PREFIX akg: <https://w3id.org/atlas-kg/def#>
SELECT ?country (COUNT(?partnership) AS ?partnerships) WHERE {
  { SELECT ?partnership WHERE { ?partnership a akg:Partnership } }
  { SELECT DISTINCT ?partnership ?country WHERE { ?partnership akg:country ?country } }
}
GROUP BY ?country"""

# A foreign partner's country, as the record graph naming it as a partner states it.
_COUNTRY_COLLECTIVITIES = """PREFIX akg: <https://w3id.org/atlas-kg/def#>
SELECT ?country (COUNT(DISTINCT ?collectivity) AS ?collectivities) WHERE {
  { SELECT ?g ?collectivity WHERE { GRAPH ?g { ?partnership akg:foreignPartner ?collectivity } } }
  { SELECT ?g ?collectivity ?country WHERE { GRAPH ?g { ?collectivity akg:country ?country } } }
}
GROUP BY ?country"""

_POST_PARTNERSHIPS = """PREFIX akg: <https://w3id.org/atlas-kg/def#>
SELECT ?post (COUNT(DISTINCT ?partnership) AS ?partnerships) WHERE {
  ?partnership akg:post ?post
}
GROUP BY ?post"""

_POST_COUNTRY_PARTNERSHIPS = """PREFIX akg: <https://w3id.org/atlas-kg/def#>
SELECT ?post ?country (COUNT(DISTINCT ?partnership) AS ?partnerships) WHERE {
  { SELECT ?partnership ?post WHERE { ?partnership akg:post ?post } }
  { SELECT ?partnership ?country WHERE { ?partnership akg:country ?country } }
}
GROUP BY ?post ?country"""

_POST_NAMES = """PREFIX akg: <https://w3id.org/atlas-kg/def#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?post (MIN(STR(?label)) AS ?name) WHERE {
  { SELECT DISTINCT ?post WHERE { ?partnership akg:post ?post } }
  ?post rdfs:label ?label
}
GROUP BY ?post"""

_COUNT_LABELS = {  # a country's: {0} its French name, {1} its English one; a post's: {0}
    # its name; a post and country's: {0} the post's name, {1} and {2} the country's
    "country": ("Partenariats – {0}", "Partnerships – {1}"),
    "post": ("Partenariats suivis – {0}", "Partnerships followed – {0}"),
    "post and country": ("Partenariats suivis – {0}, {1}", "Partnerships followed – {0}, {2}"),
}


def count_quads(store: object, *, base: str = DEFAULT_BASE) -> list[Quad]:
    """The quads of ``graph/counts``: an ``akg:PartnershipCount`` per country (with its
    foreign collectivities), per post and per post and country, in a stable order; empty
    when the store has no partnership with a country or a post."""
    g = NamedNode(iris.count_graph_iri(base=base))
    counts: list[tuple[str, list[Quad]]] = []

    def count(country: NamedNode | None, post: NamedNode | None, partnerships: Literal,
              kind: str, *names: str) -> list[Quad]:  # fmt: skip
        key = f"{country.value if country else ''} {post.value if post else ''}"
        node = NamedNode(iris.partnership_count_iri(key, base=base))
        quads = [Quad(node, TYPE, AKG.PartnershipCount, g)]
        if country is not None:
            quads.append(Quad(node, AKG.countCountry, country, g))
        if post is not None:
            quads.append(Quad(node, AKG.countPost, post, g))
        quads.append(Quad(node, AKG.partnershipCount, _int(int(partnerships.value)), g))
        quads += _labels(node, g, _COUNT_LABELS[kind], *names)
        counts.append((key, quads))
        return quads

    country_names = _country_names(store)

    def names(country: NamedNode) -> tuple[str, str]:
        fr = country_names.get((country.value, "fr"), country.value)
        return fr, country_names.get((country.value, "en"), fr)

    collectivities = {
        r["country"].value: r["collectivities"]
        for r in store.query(_COUNTRY_COLLECTIVITIES)  # type: ignore[attr-defined]
    }
    for r in store.query(_COUNTRY_PARTNERSHIPS):  # type: ignore[attr-defined]
        country = r["country"]
        quads = count(country, None, r["partnerships"], "country", *names(country))
        if country.value in collectivities:
            n = _int(int(collectivities[country.value].value))
            quads.append(Quad(quads[0].subject, AKG.foreignCollectivityCount, n, g))
    post_names = {r["post"].value: r["name"].value for r in store.query(_POST_NAMES)}  # type: ignore[attr-defined]
    for r in store.query(_POST_PARTNERSHIPS):  # type: ignore[attr-defined]
        post = r["post"]
        count(None, post, r["partnerships"], "post", post_names.get(post.value, post.value))
    for r in store.query(_POST_COUNTRY_PARTNERSHIPS):  # type: ignore[attr-defined]
        post, country = r["post"], r["country"]
        name = post_names.get(post.value, post.value)
        count(country, post, r["partnerships"], "post and country", name, *names(country))
    counts.sort(key=lambda c: c[0])  # the digest must not depend on the store's order
    return [q for _, quads in counts for q in quads]


def refresh_counts(
    store: object,
    *,
    base: str = DEFAULT_BASE,
    now: datetime | None = None,
    changed: bool = True,
) -> bool:
    """Recompute ``graph/counts`` from the record graphs; True when it was rewritten.

    The whole-store counts of partnerships per country and per post are read there instead
    of counted over every partnership at each call. Derived like ``graph/funding``: replaced
    only when its content changed, not recomputed when ``changed`` is False and it exists.
    """
    return _refresh(
        store,
        iris.count_graph_iri(base=base),
        AKG.CountGraph,
        "counts",
        lambda: count_quads(store, base=base),
        now=now,
        changed=changed,
    )


def replace_derived_graph(
    store: object,
    iri: str,
    quads: list[Quad],
    *,
    source: str,
    now: datetime | None = None,
    bulk: bool = False,
) -> bool:
    """Write a graph derived from the whole store (``graph/entities``, ``graph/resolution``):
    removed when ``quads`` is empty, else rewritten only when its content changed, with its
    ``akg:contentHash`` and the time written. True when the store changed."""
    if not quads:
        return bool(store.drop_record(iri))  # type: ignore[attr-defined]
    digest = _digest(quads)
    if store.content_hashes([iri]).get(iri) == digest:  # type: ignore[attr-defined]
        return False
    g = NamedNode(iri)
    when = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0).isoformat()
    stamped = [
        *quads,
        Quad(g, AKG.contentHash, _str(digest), g),
        Quad(g, ox.PROV.generatedAtTime, Literal(when, datatype=XSD.dateTime), g),
    ]
    store.replace_records([NamedGraph(iri, stamped, digest, source)], bulk=bulk)  # type: ignore[attr-defined]
    return True


def vocabulary_graph(*, base: str = DEFAULT_BASE) -> NamedGraph:
    """The vocabulary graph, with the digest that tells whether the store's copy is current."""
    quads = vocabulary_quads(base=base)
    digest = _digest(quads)
    g = NamedNode(iris.vocabulary_graph_iri(base=base))
    quads.append(Quad(g, AKG.contentHash, _str(digest), g))
    return NamedGraph(g.value, quads, digest, "ontology/")
