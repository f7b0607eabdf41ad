"""The terms atlas-kg writes, as namespaces that fail on typos.

``AKG`` mirrors ``ontology/atlas.ttl`` (a test checks both ways). For the vocabularies we
reuse, rdflib's strict namespaces are used as they are (``ORG``, ``SKOS``, ``DCTERMS``,
``PROV``, ``FOAF``, ``OWL``, ``RDF``, ``RDFS``); schema.org, OWL-Time and XSD are not strict
in rdflib, so the few terms we use are listed here, strictly.

>>> str(AKG.Partnership)
'https://w3id.org/atlas-kg/def#Partnership'
>>> AKG.Partnershp
Traceback (most recent call last):
...
AttributeError: term 'Partnershp' not in namespace 'https://w3id.org/atlas-kg/def#'
"""

from __future__ import annotations

from pyoxigraph import NamedNode
from rdflib.namespace import (
    DCTERMS,
    FOAF,
    ORG,
    OWL,
    PROV,
    RDF,
    RDFS,
    SKOS,
    DefinedNamespace,
    Namespace,
)
from rdflib.term import URIRef

__all__ = [
    "AKG",
    "DCTERMS",
    "FOAF",
    "ORG",
    "OWL",
    "PREFIXES",
    "PROV",
    "RDF",
    "RDFS",
    "SCHEMA",
    "SDG_NS",
    "SKOS",
    "TIME",
    "XSD",
    "EU_COUNTRY_NS",
    "ox",
    "Terms",
]

AKG_NS = "https://w3id.org/atlas-kg/def#"
ONTOLOGY_IRI = "https://w3id.org/atlas-kg/def"
SDG_NS = "http://metadata.un.org/sdg/"
"""UN Sustainable Development Goals: ``SDG_NS + "6"``."""
EU_COUNTRY_NS = "http://publications.europa.eu/resource/authority/country/"
"""EU Publications Office country authority: ``EU_COUNTRY_NS + "SEN"``."""


class AKG(DefinedNamespace):
    """The atlas-kg ontology (``ontology/atlas.ttl``)."""

    _NS = Namespace(AKG_NS)
    _fail = True

    # Classes
    Partnership: URIRef
    Collectivity: URIRef
    FrenchCollectivity: URIRef
    ForeignCollectivity: URIRef
    DiplomaticPost: URIRef
    Funder: URIRef
    Funding: URIRef
    OnePercentAmount: URIRef
    Country: URIRef
    ThemeAssignment: URIRef
    SDGAssignment: URIRef
    SustainableDevelopmentGoal: URIRef
    Volunteer: URIRef
    RecordGraph: URIRef
    EntityGraph: URIRef
    FundingGraph: URIRef
    FundingTotal: URIRef
    CountGraph: URIRef
    PartnershipCount: URIRef
    PartnershipStatus: URIRef
    CollectivityKind: URIRef

    # Concept schemes and their concepts
    PartnershipStatusScheme: URIRef
    Ongoing: URIRef
    Finished: URIRef
    Dormant: URIRef
    CollectivityKindScheme: URIRef
    Commune: URIRef
    Department: URIRef
    Region: URIRef
    Intercommunality: URIRef
    RuralCommunity: URIRef
    Province: URIRef
    SDGScheme: URIRef

    # Roles of organisations in a partnership
    partner: URIRef
    frenchPartner: URIRef
    foreignPartner: URIRef
    contractingAuthority: URIRef
    implementingParty: URIRef
    otherPartner: URIRef

    # Other links
    country: URIRef
    post: URIRef
    funding: URIRef
    status: URIRef
    theme: URIRef
    primaryTheme: URIRef
    themeAssignment: URIRef
    themeConcept: URIRef
    sdg: URIRef
    sdgAssignment: URIRef
    goal: URIRef
    foreignContact: URIRef
    volunteer: URIRef
    kind: URIRef
    onePercentAmount: URIRef
    totalFunder: URIRef
    totalCountry: URIRef
    countCountry: URIRef
    countPost: URIRef

    # Literals of a partnership
    atlasId: URIRef
    startYear: URIRef
    firstSignatureYear: URIRef
    endDate: URIRef
    statusLabel: URIRef
    form: URIRef
    context: URIRef
    history: URIRef
    objectives: URIRef
    beneficiaries: URIRef
    triennial: URIRef
    communicationFrance: URIRef
    communicationPartnerCountries: URIRef
    evaluation: URIRef

    # Funding rows, themes, SDGs
    amount: URIRef
    year: URIRef
    rank: URIRef
    totalYear: URIRef
    totalAmount: URIRef
    fundedPartnerships: URIRef
    partnershipCount: URIRef
    foreignCollectivityCount: URIRef
    priority: URIRef
    isPrimary: URIRef
    themeLabel: URIRef
    weight: URIRef

    # Organisations, places, people
    searchKey: URIRef
    countryName: URIRef
    alpha2: URIRef
    alpha3: URIRef
    mission: URIRef
    fieldOfAction: URIRef
    assignedTo: URIRef

    # Provenance of a record graph
    sourceFile: URIRef
    sha256: URIRef
    parserVersion: URIRef
    parseWarning: URIRef
    complete: URIRef
    contentHash: URIRef

    # -- BEGIN network metrics (atlas_kg.metrics; ontology/atlas.ttl's block) --
    MetricsGraph: URIRef
    YearSnapshot: URIRef
    projection: URIRef
    filterCountry: URIRef
    filterTheme: URIRef
    filterStatus: URIRef
    fromYear: URIRef
    toYear: URIRef
    randomSeed: URIRef
    betweennessSample: URIRef
    computedWith: URIRef
    snapshot: URIRef
    snapshotYear: URIRef
    nodeCount: URIRef
    edgeCount: URIRef
    partnershipCount: URIRef
    componentCount: URIRef
    largestComponent: URIRef
    communityCount: URIRef
    degree: URIRef
    weightedDegree: URIRef
    betweenness: URIRef
    pageRank: URIRef
    eigenvectorCentrality: URIRef
    component: URIRef
    community: URIRef
    clustering: URIRef
    # -- END network metrics --

    # -- BEGIN entity resolution (atlas_kg.resolve; ontology/atlas.ttl's block) --
    NameResolution: URIRef
    ResolutionGraph: URIRef
    sourceName: URIRef
    resolvedTo: URIRef
    mergedNode: URIRef
    rule: URIRef
    score: URIRef
    reason: URIRef
    fuzzyThreshold: URIRef
    inseeCode: URIRef
    siren: URIRef
    departementCode: URIRef
    regionCode: URIRef
    frenchNamesake: URIRef
    # -- END entity resolution --


class SCHEMA(DefinedNamespace):
    """The schema.org terms atlas-kg uses."""

    _NS = Namespace("https://schema.org/")
    _fail = True

    MonetaryGrant: URIRef
    MonetaryAmount: URIRef
    Country: URIRef
    funder: URIRef
    funding: URIRef
    amount: URIRef
    value: URIRef
    currency: URIRef
    endDate: URIRef


class TIME(DefinedNamespace):
    """The OWL-Time terms atlas-kg uses."""

    _NS = Namespace("http://www.w3.org/2006/time#")
    _fail = True

    ProperInterval: URIRef
    Instant: URIRef
    hasTime: URIRef
    hasBeginning: URIRef
    hasEnd: URIRef
    inXSDgYear: URIRef
    inXSDDate: URIRef


class XSD(DefinedNamespace):
    """The XML Schema datatypes atlas-kg writes."""

    _NS = Namespace("http://www.w3.org/2001/XMLSchema#")
    _fail = True

    string: URIRef
    integer: URIRef
    decimal: URIRef
    boolean: URIRef
    date: URIRef
    dateTime: URIRef
    gYear: URIRef


PREFIXES: dict[str, str] = {
    "akg": AKG_NS,
    "dcterms": str(DCTERMS._NS),
    "foaf": str(FOAF._NS),
    "org": str(ORG._NS),
    "owl": str(OWL._NS),
    "prov": str(PROV._NS),
    "rdf": str(RDF._NS),
    "rdfs": str(RDFS._NS),
    "schema": str(SCHEMA._NS),
    "skos": str(SKOS._NS),
    "time": str(TIME._NS),
    "xsd": str(XSD._NS),
    "sdg": SDG_NS,
}
"""Prefixes for serialisations and for the SPARQL of named queries."""


class Terms:
    """The pyoxigraph ``NamedNode`` of each term of a strict namespace, made once.

    ``ox.AKG.Partnership`` is ``NamedNode(str(AKG.Partnership))``; a typo still raises,
    because the first access goes through the strict rdflib namespace.
    """

    def __init__(self, namespace: type[DefinedNamespace]) -> None:
        self._namespace = namespace

    def __getattr__(self, name: str) -> NamedNode:
        if name.startswith("_"):
            raise AttributeError(name)
        node = NamedNode(str(getattr(self._namespace, name)))
        setattr(self, name, node)  # later lookups are plain attribute reads
        return node


class _Ox:
    """``ox.AKG``, ``ox.RDF``...: pyoxigraph terms for the namespaces above."""

    def __init__(self) -> None:
        for name, ns in {
            "AKG": AKG, "DCTERMS": DCTERMS, "FOAF": FOAF, "ORG": ORG, "OWL": OWL,
            "PROV": PROV, "RDF": RDF, "RDFS": RDFS, "SCHEMA": SCHEMA, "SKOS": SKOS,
            "TIME": TIME, "XSD": XSD,
        }.items():  # fmt: skip
            setattr(self, name, Terms(ns))


ox = _Ox()
"""pyoxigraph terms: ``ox.AKG.Partnership``, ``ox.RDF.type``, ``ox.XSD.integer``."""
