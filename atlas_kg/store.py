"""Where the graph lives: one narrow interface, the embedded Oxigraph store by default.

A store holds named graphs: one per record (replaced whole, never patched) and the shared
vocabulary graph. Everything above this module (ingest, named queries, metrics, publish)
goes through ``Store``; a remote SPARQL server backend implements the same protocol.

>>> store = open_store(":memory:")
>>> store.quad_count()
0
>>> bool(store.query("ASK { ?s ?p ?o }"))
False
>>> store.close()
"""

from __future__ import annotations

import gzip
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Protocol, runtime_checkable

import pyoxigraph as ox_
from pyoxigraph import (
    BlankNode,
    Literal,
    NamedNode,
    QueryBoolean,
    QuerySolutions,
    QueryTriples,
    RdfFormat,
    Triple,
    Variable,
)

from .errors import ConfigError, QueryError, StoreError
from .rdf import NamedGraph, QuadText
from .vocab import AKG_NS, PREFIXES, ox

__all__ = [
    "DUMP_FORMATS",
    "EmbeddedStore",
    "QueryResults",
    "Store",
    "StoreStats",
    "Term",
    "dump_format",
    "open_store",
]

Term = NamedNode | BlankNode | Literal | Triple
QueryResults = QuerySolutions | QueryBoolean | QueryTriples

DUMP_FORMATS: dict[str, RdfFormat] = {
    "nquads": RdfFormat.N_QUADS,
    "trig": RdfFormat.TRIG,
    "turtle": RdfFormat.TURTLE,
    "ntriples": RdfFormat.N_TRIPLES,
}
"""Dump formats by name. Turtle and N-Triples hold the union of all graphs."""

_EXTENSIONS = {".nq": "nquads", ".trig": "trig", ".ttl": "turtle", ".nt": "ntriples"}
BULK_QUADS = 20_000
"""A write of at least this many quads goes through the bulk loader (``bulk=True``)."""


@dataclass
class StoreStats:
    """What ``atlas-kg stats`` shows."""

    records: int
    quads: int
    graphs: int
    entities: dict[str, int] = field(default_factory=dict)
    """Distinct subjects per class (class as a prefixed name), largest first."""

    def rows(self) -> list[dict[str, object]]:
        """One row per measure, for ``format_rows``."""
        out: list[dict[str, object]] = [
            {"measure": "records", "count": self.records},
            {"measure": "quads", "count": self.quads},
            {"measure": "graphs", "count": self.graphs},
        ]
        out += [{"measure": cls, "count": n} for cls, n in self.entities.items()]
        return out


@runtime_checkable
class Store(Protocol):
    """The store interface: load/replace record graphs, query, dump, stats."""

    location: str

    def content_hashes(self, graphs: Iterable[str]) -> dict[str, str]:
        """``akg:contentHash`` of each of these graphs that exists (graph IRI → digest)."""
        ...

    def replace_records(self, graphs: Sequence[NamedGraph], *, bulk: bool = False) -> int:
        """Write each graph, replacing a graph of the same IRI whole; returns quads written.

        ``bulk`` uses the bulk loader (fast, for large batches; not transactional).
        """
        ...

    def load_records(self, graphs: Sequence[NamedGraph]) -> int:
        """``replace_records(graphs, bulk=True)``."""
        ...

    def drop_record(self, graph: str) -> bool:
        """Remove a named graph; False when there was none."""
        ...

    def query(
        self, sparql: str, *, substitutions: Mapping[str, Term] | None = None
    ) -> QueryResults:
        """Run SPARQL over the union of all graphs; ``substitutions`` bind variables by name."""
        ...

    def dump(self, output: str | Path | BinaryIO, format: str | RdfFormat | None = None) -> None:
        """Write every quad (N-Quads, TriG) or the union graph (Turtle, N-Triples)."""
        ...

    def stats(self) -> StoreStats: ...

    def quad_count(self) -> int: ...

    def compact(self) -> bool:
        """Merge the database's files after a large write; False where there is nothing to
        do (a store in memory, or a server, which manages its own files)."""
        ...

    def close(self) -> None: ...


def dump_format(path: str | Path | None, name: str | RdfFormat | None) -> RdfFormat:
    """The dump format from its name, else from the file's extension (``.gz`` ignored)."""
    if isinstance(name, RdfFormat):
        return name
    if name:
        if name not in DUMP_FORMATS:
            raise ConfigError("--format", name, ", ".join(DUMP_FORMATS))
        return DUMP_FORMATS[name]
    suffixes = Path(str(path or "")).suffixes
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    ext = suffixes[-1] if suffixes else ""
    if ext not in _EXTENSIONS:
        raise ConfigError(
            "output extension", ext or str(path), ", ".join([*_EXTENSIONS, "(each + .gz)"])
        )
    return DUMP_FORMATS[_EXTENSIONS[ext]]


@contextmanager
def _binary_output(output: str | Path | BinaryIO) -> Iterator[BinaryIO]:
    if not isinstance(output, str | Path):
        yield output
        return
    path = Path(output)
    try:
        if path.suffix == ".gz":
            with gzip.open(path, "wb") as fh:
                yield fh  # type: ignore[misc]
        else:
            with open(path, "wb") as fh:
                yield fh
    except OSError as exc:
        raise StoreError(f"cannot write {path}: {exc.strerror or exc}") from None


STATS_CLASSES_QUERY = """
SELECT ?class (COUNT(DISTINCT ?s) AS ?n) WHERE { GRAPH ?g { ?g a <https://w3id.org/atlas-kg/def#RecordGraph> . ?s a ?class } }
GROUP BY ?class ORDER BY DESC(?n) ?class
"""
"""Entities per class in the record graphs: every store's ``stats`` runs it, so all count alike."""
STATS_RECORDS_QUERY = f"""
SELECT (COUNT(?g) AS ?n) WHERE {{ GRAPH ?g {{ ?g a <{AKG_NS}RecordGraph> }} }}
"""


def curie(iri: str) -> str:
    """``akg:Partnership`` for an IRI in a known namespace; the IRI otherwise."""
    for prefix, ns in PREFIXES.items():
        if iri.startswith(ns) and len(iri) > len(ns):
            return f"{prefix}:{iri[len(ns) :]}"
    return iri


class EmbeddedStore:
    """The embedded Oxigraph store: on disk at ``path``, or in memory when ``path`` is None.

    ``read_only`` opens an existing on-disk store for reading only (several processes may
    read it while one writes).
    """

    def __init__(self, path: str | Path | None = None, *, read_only: bool = False) -> None:
        self.location = str(path) if path is not None else ":memory:"
        self.read_only = read_only
        try:
            if path is None:
                self._store = ox_.Store()
            elif read_only:
                if not Path(path).is_dir():
                    raise StoreError(
                        f"no store at {path}: create it with `atlas-kg --store {path} ingest PATH...`"
                    )
                self._store = ox_.Store.read_only(str(path))
            else:
                self._store = ox_.Store(str(path))
        except OSError as exc:
            raise StoreError(f"cannot open the store at {path}: {exc}") from None

    # -- writing -----------------------------------------------------------------------

    def content_hashes(self, graphs: Iterable[str]) -> dict[str, str]:
        out: dict[str, str] = {}
        for iri in graphs:
            g = NamedNode(iri)
            for q in self._store.quads_for_pattern(g, ox.AKG.contentHash, None, g):
                out[iri] = q.object.value
                break
        return out

    def replace_records(self, graphs: Sequence[NamedGraph], *, bulk: bool = False) -> int:
        try:
            for graph in graphs:
                node = NamedNode(graph.iri)
                if self._store.contains_named_graph(node):
                    self._store.remove_graph(node)
            if bulk:
                # From N-Quads bytes rather than bulk_extend(quads): bulk_load releases the
                # GIL, so ingest reads the next chunk meanwhile. The quads were checked when
                # built, hence lenient; quads made as text are loaded as they are.
                data = b"".join(
                    graph.quads.data
                    if isinstance(graph.quads, QuadText)
                    else ox_.serialize(graph.quads, format=RdfFormat.N_QUADS)
                    for graph in graphs
                )
                self._store.bulk_load(data, RdfFormat.N_QUADS, lenient=True)
            else:
                self._store.extend(q for graph in graphs for q in graph.quads)
        except OSError as exc:
            raise StoreError(f"cannot write to the store at {self.location}: {exc}") from None
        return sum(len(graph.quads) for graph in graphs)

    def load_records(self, graphs: Sequence[NamedGraph]) -> int:
        return self.replace_records(graphs, bulk=True)

    def drop_record(self, graph: str) -> bool:
        node = NamedNode(graph)
        if not self._store.contains_named_graph(node):
            return False
        self._store.remove_graph(node)
        return True

    # -- reading -----------------------------------------------------------------------

    def query(
        self, sparql: str, *, substitutions: Mapping[str, Term] | None = None
    ) -> QueryResults:
        subs = {Variable(k): v for k, v in (substitutions or {}).items()}
        try:
            return self._store.query(
                sparql,
                use_default_graph_as_union=True,
                prefixes=PREFIXES,
                substitutions=subs or None,
            )
        except SyntaxError as exc:
            raise QueryError("<sparql>", f"not valid SPARQL: {exc}") from None
        except OSError as exc:
            raise StoreError(f"cannot read the store at {self.location}: {exc}") from None
        except RuntimeError as exc:  # e.g. a substituted variable the SELECT does not project
            raise QueryError("<sparql>", str(exc)) from None

    def dump(self, output: str | Path | BinaryIO, format: str | RdfFormat | None = None) -> None:
        fmt = dump_format(output if isinstance(output, str | Path) else None, format)
        prefixes = PREFIXES if fmt in (RdfFormat.TRIG, RdfFormat.TURTLE) else None
        with _binary_output(output) as fh:
            if fmt.supports_datasets:
                self._store.dump(fh, fmt, prefixes=prefixes)
            else:
                # The union graph: CONSTRUCT merges what several record graphs repeat.
                triples = self._store.query(
                    "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", use_default_graph_as_union=True
                )
                ox_.serialize(triples, fh, fmt, prefixes=prefixes)

    def stats(self) -> StoreStats:
        records = next(iter(self._store.query(STATS_RECORDS_QUERY)))["n"]
        entities = {
            curie(row["class"].value): int(row["n"].value)
            for row in self._store.query(STATS_CLASSES_QUERY)
            if isinstance(row["class"], NamedNode)
        }
        return StoreStats(
            records=int(records.value),
            quads=len(self._store),
            graphs=sum(1 for _ in self._store.named_graphs()),
            entities=entities,
        )

    def quad_count(self) -> int:
        return len(self._store)

    def compact(self) -> bool:
        # Each bulk load adds its files beside the ones already there, and every lookup
        # then searches them all until RocksDB merges them: the 12,000-record listings
        # took 30-45 % longer before `optimize` (bench/hotspots.md).
        if self.location == ":memory:" or self.read_only:
            return False
        try:
            self._store.optimize()
        except OSError as exc:
            raise StoreError(f"cannot compact the store at {self.location}: {exc}") from None
        return True

    def graph_iris(self) -> list[str]:
        """Every named graph, sorted."""
        return sorted(g.value for g in self._store.named_graphs() if isinstance(g, NamedNode))

    def quads(self, graph: str | None = None) -> list[ox_.Quad]:
        """Every quad (of one graph): for tests and small exports."""
        g = NamedNode(graph) if graph else None
        return list(self._store.quads_for_pattern(None, None, None, g))

    def close(self) -> None:
        # pyoxigraph frees the database when the object goes; flush on-disk writes first.
        store = getattr(self, "_store", None)
        if store is not None and self.location != ":memory:" and not self.read_only:
            with suppress(OSError, RuntimeError):
                store.flush()
        self._store = None  # type: ignore[assignment]

    def __enter__(self) -> EmbeddedStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"EmbeddedStore({self.location!r})"


def open_store(location: str | Path, *, read_only: bool = False) -> Store:
    """The store at ``location``: a folder (embedded Oxigraph), ``:memory:``, or a URL.

    ``read_only`` opens an existing embedded store for reading (an error if it is absent).
    """
    text = str(location)
    if text.startswith(("http://", "https://")) or text.endswith((".toml", ".json")):
        from .remote import open_remote  # a server URL, or a config file naming its URLs

        return open_remote(text)
    if text == ":memory:":
        return EmbeddedStore(None)
    return EmbeddedStore(Path(text), read_only=read_only)
