"""Pages and JSON Lines records → the store: idempotent, one record at a time atomic.

The pipeline for each input: read (``parse.parse_file`` for a page, ``Record.from_json``
for a line of a ``*.jsonl`` file) → resolve and map (``rdf.record_graph``, which calls
``resolve.resolve_record``) → compare its content hash with the store's copy → write only
what is new or changed, in chunks (bulk loader for large chunks, a transaction for small
ones; the next chunk is read while one is written). At the end, the merges across records
(``resolve.refresh_resolution``) are recomputed over the whole store into
``graph/resolution``, each shared entity's description into ``graph/entities``
(``rdf.refresh_entities``), the funding totals into ``graph/funding``
(``rdf.refresh_funding``) and the partnership counts per country and per post into
``graph/counts`` (``rdf.refresh_counts``), each rewritten only if it changed. After a
write large enough for the bulk loader, the store's files are merged (``Store.compact``).
A rejected input writes nothing and is reported with its reason; the others load.
Re-ingesting the same input leaves the store exactly as it was; an updated page of the
same partnership replaces its graph whole.

Folders are searched for pages (``*.txt``, ``*.html``, ``*.htm``); JSON Lines files are
read only when named on the command line, so the ``truth.jsonl`` a synthetic Atlas keeps
beside its pages is not loaded twice.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from pyoxigraph import NamedNode

from .errors import AtlasError, PageError, RecordError
from .iris import DEFAULT_BASE, check_base, graph_iri
from .rdf import (
    NamedGraph,
    record_graph,
    refresh_counts,
    refresh_entities,
    refresh_funding,
    stamp,
    vocabulary_graph,
)
from .record import Record
from .resolve import ResolutionSummary, refresh_resolution
from .store import BULK_QUADS, Store

__all__ = [
    "IngestReport",
    "Rejected",
    "drop",
    "drop_records",
    "ensure_vocabulary",
    "ingest",
    "ingest_records",
    "refresh_derived",
]

CHUNK_RECORDS = 2000
"""Records mapped and written together (bounds memory; one hash check per chunk)."""
JSONL_SUFFIXES = (".jsonl", ".ndjson")


@dataclass(frozen=True)
class Rejected:
    """An input that wrote nothing: where, and why (the message names file and line)."""

    source: str
    reason: str


@dataclass
class IngestReport:
    """What an ingest did. ``ok`` is False when an input was rejected (CLI exit 1)."""

    written: list[str] = field(default_factory=list)
    """Graph IRIs written (new or changed)."""
    unchanged: list[str] = field(default_factory=list)
    """Graph IRIs already in the store with the same content."""
    incomplete: list[tuple[str, list[str]]] = field(default_factory=list)
    """Loaded records read from truncated pages: (source, warnings)."""
    rejected: list[Rejected] = field(default_factory=list)
    duplicates: list[tuple[str, str]] = field(default_factory=list)
    """(source, graph IRI) of inputs whose partnership came again later in the same run."""
    quads_written: int = 0
    resolution: ResolutionSummary | None = None
    """The cross-record merges recomputed at the end (``resolve.refresh_resolution``)."""
    compacted: bool = False
    """Whether the store's files were merged at the end (after a bulk write)."""

    @property
    def loaded(self) -> int:
        return len(self.written) + len(self.unchanged)

    @property
    def ok(self) -> bool:
        return not self.rejected

    def summary(self) -> str:
        """A few lines for people: counts, then each rejected input with its reason."""
        lines = [
            f"loaded {self.loaded} record(s): {len(self.written)} new or changed, "
            f"{len(self.unchanged)} unchanged ({self.quads_written} quads written); "
            f"{len(self.incomplete)} incomplete; {len(self.rejected)} rejected"
        ]
        if self.duplicates:
            lines.append(
                f"{len(self.duplicates)} input(s) repeat a partnership given earlier "
                "in this run: the later one was kept"
            )
        if self.resolution is not None and self.resolution.merges:
            lines.append(self.resolution.line())
        lines += [f"rejected: {r.reason}" for r in self.rejected]
        return "\n".join(lines)


def ensure_vocabulary(store: Store, *, base: str = DEFAULT_BASE) -> bool:
    """Load the vocabulary graph (ontology, themes, SDGs, countries) unless current."""
    vocab = vocabulary_graph(base=base)
    if store.content_hashes([vocab.iri]).get(vocab.iri) == vocab.content_hash:
        return False
    store.replace_records([vocab])
    return True


# -- inputs ----------------------------------------------------------------------------

Loader = Callable[[], Record]
Progress = Callable[[int, int], None]


def input_files(paths: Iterable[str | Path]) -> Iterator[Path]:
    """Each file to read: pages under folders, files as given (pages or JSON Lines)."""
    from .parse import iter_page_files

    yield from iter_page_files(paths)


def _records(path: Path, *, strict: bool) -> Iterator[tuple[str, Loader]]:
    """(source, loader) for each record of one file; a loader raises ``AtlasError``."""
    if path.suffix.lower() in JSONL_SUFFIXES:
        yield from _jsonl_records(path, strict=strict)
        return

    def load_page() -> Record:
        from .parse import parse_file

        return parse_file(path, strict=strict)

    yield str(path), load_page


def _jsonl_records(path: Path, *, strict: bool) -> Iterator[tuple[str, Loader]]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.reason if isinstance(exc, UnicodeDecodeError) else exc.strerror or str(exc)
        yield str(path), _failing(PageError(str(path), f"cannot read the file ({reason})",
                                            expected="UTF-8 JSON Lines"))  # fmt: skip
        return
    for lineno, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            yield f"{path}:{lineno}", _jsonl_loader(path, lineno, line, strict)


def _failing(error: AtlasError) -> Loader:
    def fail() -> Record:
        raise error

    return fail


def _jsonl_loader(path: Path, lineno: int, line: str, strict: bool) -> Loader:
    def load() -> Record:
        try:
            record = Record.from_json(line)
        except RecordError as exc:
            raise RecordError(f"{path}:{lineno}: {exc}; expected one record as JSON") from None
        if strict and not record.source.complete:
            raise RecordError(f"{path}:{lineno}: incomplete record rejected (--strict)")
        if record.source.path is None:
            record.source.path = str(path)
        return record

    return load


# -- the pipeline ----------------------------------------------------------------------


def ingest(
    store: Store,
    paths: Iterable[str | Path],
    *,
    base: str = DEFAULT_BASE,
    strict: bool = False,
    progress: Progress | None = None,
) -> IngestReport:
    """Ingest pages, folders of pages and JSON Lines files of records.

    ``progress(done, total)`` is called after each record (page or JSON line).
    """
    report = IngestReport()
    sources: list[tuple[str, Loader]] = []
    for path in _existing(paths, report):
        sources.extend(_records(path, strict=strict))
    return _run(store, sources, report, base=base, progress=progress)


def ingest_records(
    store: Store, records: Iterable[Record], *, base: str = DEFAULT_BASE
) -> IngestReport:
    """Ingest records built in Python (same rules: idempotent, replace by partnership)."""
    sources = [(r.source.path or f"record {i}", _const(r)) for i, r in enumerate(records, 1)]
    return _run(store, sources, IngestReport(), base=base, progress=None)


def _const(record: Record) -> Loader:
    return lambda: record


def _existing(paths: Iterable[str | Path], report: IngestReport) -> Iterator[Path]:
    given = []
    for p in paths:
        if Path(p).exists():
            given.append(p)
        else:
            report.rejected.append(Rejected(str(p), f"{p}: no such file or folder"))
    yield from input_files(given)


def _run(
    store: Store,
    sources: Sequence[tuple[str, Loader]],
    report: IngestReport,
    *,
    base: str,
    progress: Progress | None,
) -> IngestReport:
    check_base(base)
    ensure_vocabulary(store, base=base)
    now = datetime.now(UTC)
    with _cyclic_gc_paused():
        _chunks(store, sources, report, base=base, progress=progress, now=now)
    report.resolution = refresh_derived(store, base=base, now=now, changed=bool(report.written))
    if report.quads_written >= BULK_QUADS:
        # After a bulk write, queries pay for every file it added until they are merged.
        report.compacted = store.compact()
    return report


def refresh_derived(
    store: Store,
    *,
    base: str = DEFAULT_BASE,
    now: datetime | None = None,
    changed: bool = True,
) -> ResolutionSummary:
    """Recompute the graphs derived from the whole store, as each ingest and drop ends:
    ``graph/resolution`` (merges across records need every name), ``graph/entities``,
    ``graph/funding`` and ``graph/counts`` (those three skipped when ``changed`` is False
    and they exist)."""
    resolution = refresh_resolution(store, base=base, now=now)
    refresh_entities(store, base=base, now=now, changed=changed)
    refresh_funding(store, base=base, now=now, changed=changed)
    refresh_counts(store, base=base, now=now, changed=changed)
    return resolution


@contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """Building quads allocates millions of small objects and few cycles: the cyclic
    collector's passes over them took 18 % of ingest (bench/hotspots.md). Reference
    counting still frees everything; the collector runs again afterwards."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _chunks(
    store: Store,
    sources: Sequence[tuple[str, Loader]],
    report: IngestReport,
    *,
    base: str,
    progress: Progress | None,
    now: datetime,
) -> None:
    """Read and map each chunk while the one before it is written: the embedded store's
    bulk loader releases the GIL, so on two cores parsing overlaps loading. Reads and
    writes of the store still happen one at a time, in input order: a chunk's hashes are
    read only once the previous chunk is written."""
    done = 0
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="atlas-kg-write") as writer:
        pending: Future[int] | None = None
        for start in range(0, len(sources), CHUNK_RECORDS):
            chunk: dict[str, tuple[NamedGraph, Record]] = {}
            for source, load in sources[start : start + CHUNK_RECORDS]:
                try:
                    record = load()
                    graph = record_graph(record, base=base)
                except AtlasError as exc:
                    report.rejected.append(Rejected(source, str(exc)))
                    continue
                finally:
                    done += 1
                    if progress is not None:
                        progress(done, len(sources))
                if graph.iri in chunk:  # the later input of a partnership wins
                    report.duplicates.append((chunk[graph.iri][0].source or "?", graph.iri))
                chunk[graph.iri] = (graph, record)
            if pending is not None:
                report.quads_written += pending.result()
            to_write = _changed(store, chunk, report, now=now)
            quads = sum(len(g.quads) for g in to_write)
            pending = (
                writer.submit(store.replace_records, to_write, bulk=quads >= BULK_QUADS)
                if to_write
                else None
            )
        if pending is not None:
            report.quads_written += pending.result()


def _changed(
    store: Store,
    chunk: dict[str, tuple[NamedGraph, Record]],
    report: IngestReport,
    *,
    now: datetime,
) -> list[NamedGraph]:
    """The chunk's graphs that are new or changed, stamped; the others are reported."""
    known = store.content_hashes(chunk)
    to_write: list[NamedGraph] = []
    for iri, (graph, record) in chunk.items():
        if not record.source.complete:
            report.incomplete.append((graph.source or iri, list(record.source.warnings)))
        if known.get(iri) == graph.content_hash:
            report.unchanged.append(iri)
            continue
        # Stamp the time read only on what is written: unchanged graphs stay identical.
        to_write.append(stamp(graph, now))
        report.written.append(iri)
    return to_write


def drop(store: Store, record_id: str, *, base: str = DEFAULT_BASE) -> str:
    """Remove one record's graph, by Atlas id (``12695``), ``h-…`` id or graph IRI.

    Returns the graph IRI; raises ``AtlasError`` when the store has no such record.
    """
    return drop_records(store, [record_id], base=base)[0]


def _has_graph(store: Store, iri: str) -> bool:
    try:
        node = NamedNode(iri)
    except ValueError:  # not an IRI: no graph has it
        return False
    found = store.query(_ANY_QUAD, substitutions={"g": node})
    return any(True for _ in found)  # type: ignore[union-attr]


_ANY_QUAD = "SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } } LIMIT 1"


def drop_records(store: Store, record_ids: Iterable[str], *, base: str = DEFAULT_BASE) -> list[str]:
    """Remove several records' graphs (ids as ``drop`` takes them), then recompute the
    derived graphs once: at full Atlas scale that takes seconds, where removing a record
    takes milliseconds. All or nothing: an id the store lacks is an ``AtlasError`` and no
    graph is removed. Returns the graph IRIs, in the order given.
    """
    iris: dict[str, str] = {}
    for record_id in record_ids:
        text = record_id.strip()
        iri = text if text.startswith(("http://", "https://")) else graph_iri(text, base=base)
        iris.setdefault(iri, record_id)
    missing = [(record_id, iri) for iri, record_id in iris.items() if not _has_graph(store, iri)]
    if missing:
        record_id, iri = missing[0]
        more = f" and {len(missing) - 1} more; nothing was removed" if len(missing) > 1 else ""
        raise AtlasError(
            f"no record {record_id!r} in the store (looked for the graph <{iri}>){more}"
        )
    if not iris:
        return []
    for iri in iris:
        store.drop_record(iri)
    # Their names may have held merges together, their copies an entity's last
    # description, their funding rows are in the totals.
    refresh_derived(store, base=base)
    return list(iris)
