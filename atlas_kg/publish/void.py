"""The dataset description (VoID + DCAT + a SPARQL service), and the dumps it points to.

``dataset_description`` builds the graph served at ``/void`` and ``/.well-known/void``:
title, licence (configurable), the source and its licence, triples and entities in all
and per class, example resources, the URI space, the vocabularies, the dumps and the
endpoint. ``DumpCache`` writes the dumps once per version of the data (N-Quads gzip: every
graph with its provenance; Turtle: the union graph) and gives their ETag.
"""

from __future__ import annotations

import os
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import BlankNode, Literal, NamedNode, QuerySolutions, Triple

from ..store import Store
from ..vocab import PREFIXES
from .config import SOURCE_LICENCE_NOTE, SOURCE_PUBLISHER, SOURCE_URL, PublishConfig
from .entities import SiteData
from .sparql import service_description

__all__ = ["DUMPS", "Dump", "DumpCache", "dataset_counts", "dataset_description"]

VOID = "http://rdfs.org/ns/void#"
DCAT = "http://www.w3.org/ns/dcat#"
DCT = "http://purl.org/dc/terms/"
FOAF = "http://xmlns.com/foaf/0.1/"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
PROV = "http://www.w3.org/ns/prov#"
XSD = "http://www.w3.org/2001/XMLSchema#"
TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


@dataclass(frozen=True)
class Dump:
    """One dump file: its name under ``dumps/``, store format and media type."""

    name: str
    format: str
    media_type: str
    description: str


DUMPS = (
    Dump("atlas-kg.nq.gz", "nquads", "application/n-quads",
         "every named graph (one per record, with its provenance, and the vocabulary), N-Quads, gzip"),
    Dump("atlas-kg.ttl", "turtle", "text/turtle", "the union of all graphs, Turtle"),
)  # fmt: skip


@dataclass
class Counts:
    triples: int
    entities: int
    classes: dict[str, tuple[int, int]]
    """class IRI → (entities, triples)."""


# In the union graph a shared entity's triples repeat once per record graph: each count
# removes repeats first (DISTINCT in a subquery), or joins would multiply them.
_Q_TRIPLES = "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } }"
_Q_ENTITIES = "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s WHERE { ?s a ?class } }"
_Q_CLASS_ENTITIES = """SELECT ?class (COUNT(*) AS ?n) WHERE {
  SELECT DISTINCT ?class ?s WHERE { ?s a ?class } } GROUP BY ?class"""
_Q_CLASS_TRIPLES = """SELECT ?class (COUNT(*) AS ?n) WHERE {
  SELECT DISTINCT ?class ?s ?p ?o WHERE { { SELECT DISTINCT ?class ?s WHERE { ?s a ?class } } ?s ?p ?o }
} GROUP BY ?class"""


def _one(result: object) -> int:
    assert isinstance(result, QuerySolutions)
    row = next(iter(result), None)
    return int(row["n"].value) if row is not None and row["n"] is not None else 0


def _per_class(result: object) -> dict[str, int]:
    assert isinstance(result, QuerySolutions)
    return {
        r["class"].value: int(r["n"].value) for r in result if isinstance(r["class"], NamedNode)
    }


def dataset_counts(store: Store) -> Counts:
    """Distinct triples and typed entities of the union graph, in all and per class
    (about 20 s for 12,000 records: the server computes them once, in the background)."""
    entities = _per_class(store.query(_Q_CLASS_ENTITIES))
    triples = _per_class(store.query(_Q_CLASS_TRIPLES))
    classes = {c: (n, triples.get(c, 0)) for c, n in entities.items()}
    return Counts(_one(store.query(_Q_TRIPLES)), _one(store.query(_Q_ENTITIES)), classes)


def dataset_description(data: SiteData, config: PublishConfig, site_url: str, *,
                        counts: Counts, static: bool = False) -> list[Triple]:  # fmt: skip
    """The VoID/DCAT description of the published dataset; ``site_url`` ends with ``/``."""
    void_iri = site_url + ("void.ttl" if static else "void")
    ds = NamedNode(void_iri + "#dataset")
    endpoint = site_url + "sparql"
    out: list[Triple] = []

    def add(s: NamedNode | BlankNode, p: str, o: NamedNode | BlankNode | Literal) -> None:
        out.append(Triple(s, NamedNode(p), o))

    add(ds, TYPE, NamedNode(VOID + "Dataset"))
    add(ds, TYPE, NamedNode(DCAT + "Dataset"))
    add(ds, DCT + "title", Literal(config.title, language="en"))
    add(ds, DCT + "description", Literal(config.description, language="en"))
    add(ds, DCT + "license", NamedNode(config.licence))
    rights = (
        f"Licence: {config.licence_label}. The source, the Atlas français de la coopération "
        f"décentralisée, is published by the {SOURCE_PUBLISHER[1]} ({SOURCE_PUBLISHER[0]}) "
        f"under {config.source_licence_label}. {SOURCE_LICENCE_NOTE}"
    )
    add(ds, DCT + "rights", Literal(rights, language="en"))
    add(ds, DCT + "source", NamedNode(SOURCE_URL))
    add(ds, PROV + "wasDerivedFrom", NamedNode(SOURCE_URL))
    add(ds, DCAT + "landingPage", NamedNode(site_url + ("index.html" if static else "")))
    add(ds, DCT + "hasVersion", Literal(data.version))
    if data.modified:
        add(ds, DCT + "modified", Literal(data.modified, datatype=NamedNode(XSD + "dateTime")))
    if config.publisher:
        publisher = BlankNode("publisher")
        add(ds, DCT + "publisher", publisher)
        add(publisher, FOAF + "name", Literal(config.publisher))
    add(ds, VOID + "uriSpace", Literal(config.base))
    add(ds, VOID + "triples", _integer(counts.triples))
    add(ds, VOID + "entities", _integer(counts.entities))
    for prefix in ("akg", "org", "skos", "dcterms", "prov", "schema", "time", "foaf"):
        add(ds, VOID + "vocabulary", NamedNode(PREFIXES[prefix]))
    for i, (cls, (entities, triples)) in enumerate(sorted(counts.classes.items())):
        part = BlankNode(f"class{i}")
        add(ds, VOID + "classPartition", part)
        add(part, VOID + "class", NamedNode(cls))
        add(part, VOID + "entities", _integer(entities))
        add(part, VOID + "triples", _integer(triples))
    for cls, example in sorted(data.examples().items()):
        if cls.startswith(PREFIXES["akg"]) and data.links.is_local(example):
            add(ds, VOID + "exampleResource", NamedNode(example))
    for dump in DUMPS:
        url = NamedNode(site_url + "dumps/" + dump.name)
        add(ds, VOID + "dataDump", url)
        dist = BlankNode("dump-" + dump.format)
        add(ds, DCAT + "distribution", dist)
        add(dist, TYPE, NamedNode(DCAT + "Distribution"))
        add(dist, DCAT + "downloadURL", url)
        add(
            dist,
            DCAT + "mediaType",
            NamedNode("https://www.iana.org/assignments/media-types/" + dump.media_type),
        )
        if dump.name.endswith(".gz"):
            add(
                dist,
                DCAT + "compressFormat",
                NamedNode("https://www.iana.org/assignments/media-types/application/gzip"),
            )
        add(dist, DCT + "description", Literal(dump.description, language="en"))
        add(dist, DCT + "license", NamedNode(config.licence))
    if not static:
        add(ds, VOID + "sparqlEndpoint", NamedNode(endpoint))
        service = NamedNode(endpoint + "#service")
        add(service, TYPE, NamedNode(DCAT + "DataService"))
        add(service, DCAT + "endpointURL", NamedNode(endpoint))
        add(service, DCAT + "servesDataset", ds)
        add(ds, DCAT + "distribution", service)
        out.extend(service_description(endpoint, void_iri=void_iri))
    # The source: the Atlas and who publishes it, with its licence.
    source = NamedNode(SOURCE_URL)
    add(source, TYPE, NamedNode(DCAT + "Dataset"))
    add(
        source,
        DCT + "title",
        Literal("Atlas français de la coopération décentralisée", language="fr"),
    )
    add(source, DCT + "license", NamedNode(config.source_licence))
    add(source, DCT + "rights", Literal(config.source_licence_label, language="fr"))
    agency = BlankNode("source-publisher")
    add(source, DCT + "publisher", agency)
    add(agency, FOAF + "name", Literal(SOURCE_PUBLISHER[0], language="fr"))
    add(agency, FOAF + "name", Literal(SOURCE_PUBLISHER[1], language="en"))
    add(source, RDFS + "comment", Literal(SOURCE_LICENCE_NOTE, language="en"))
    return out


def _integer(n: int) -> Literal:
    return Literal(str(int(n)), datatype=NamedNode(XSD + "integer"))


class DumpCache:
    """Dump files written once per version of the data, in ``folder`` (made if needed)."""

    def __init__(self, store: Store, folder: Path | None = None) -> None:
        self.store = store
        self._own = folder is None
        self.folder = Path(folder) if folder else Path(tempfile.mkdtemp(prefix="atlas-kg-dumps-"))
        self._lock = threading.Lock()

    def path(self, dump: Dump, version: str) -> Path:
        """The dump's file for this version, written on first use (atomically)."""
        target = self.folder / version / dump.name
        with self._lock:
            if not target.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                # Keep the real extension so that the store picks format and gzip from it.
                tmp = target.with_name(f".tmp-{os.getpid()}-{dump.name}")
                self.store.dump(tmp, dump.format)
                os.replace(tmp, target)
        return target

    def etag(self, dump: Dump, version: str) -> str:
        return f'"{version}-{dump.format}"'

    def close(self) -> None:
        if self._own:
            import shutil

            shutil.rmtree(self.folder, ignore_errors=True)
