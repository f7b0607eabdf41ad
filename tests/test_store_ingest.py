"""The embedded store and ingest: idempotent, replacement by partnership, atomic per input,
dump formats, stats, drop. Real Oxigraph stores on disk in tmp_path."""

from __future__ import annotations

import gc
import gzip
import shutil
from pathlib import Path

import pytest
from graph_helpers import full_record
from pyoxigraph import Literal, NamedNode, RdfFormat, parse

from atlas_kg.errors import AtlasError, ConfigError, QueryError, StoreError
from atlas_kg.ingest import drop, drop_records, ingest, ingest_records
from atlas_kg.record import Record, Source
from atlas_kg.store import EmbeddedStore, Store, open_store

ID = "https://w3id.org/atlas-kg/id/"
ENTITIES = ID + "graph/entities"
ID_RECORD_GRAPH = "https://w3id.org/atlas-kg/def#RecordGraph"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


def _quads(store: EmbeddedStore) -> set[str]:
    return {str(q) for q in store.quads()}


@pytest.fixture
def pages(tmp_path: Path, shared: Path) -> Path:
    """The seed and the 34 header pages, copied so that tests may edit them."""
    folder = tmp_path / "pages"
    folder.mkdir()
    shutil.copy(shared / "seeds" / "000_4d9583dcafd7f051.txt", folder / "prjId_12695.txt")
    for page in sorted((shared / "atlas-pages").glob("prjId_*.txt"))[:6]:
        shutil.copy(page, folder / page.name)
    return folder


def test_embedded_store_implements_the_protocol(tmp_path: Path) -> None:
    store = open_store(tmp_path / "kg")
    assert isinstance(store, Store)
    assert isinstance(open_store(":memory:"), EmbeddedStore)


def test_ingest_twice_leaves_identical_quads(tmp_path: Path, pages: Path) -> None:
    store = open_store(tmp_path / "kg")
    first = ingest(store, [pages])
    assert first.ok and len(first.written) == 7 and len(first.incomplete) == 6
    before = _quads(store)
    second = ingest(store, [pages])
    assert second.written == [] and len(second.unchanged) == 7 and second.quads_written == 0
    assert _quads(store) == before
    store.close()
    # And across processes' lifetimes: reopen the folder, ingest again.
    store = open_store(tmp_path / "kg")
    ingest(store, [pages])
    assert _quads(store) == before


def test_modified_page_replaces_its_graph(tmp_path: Path, pages: Path) -> None:
    store = open_store(tmp_path / "kg")
    ingest(store, [pages])
    page = pages / "prjId_12695.txt"
    page.write_text(
        page.read_text(encoding="utf-8").replace("Malakoff", "Vanves"), encoding="utf-8"
    )
    report = ingest(store, [pages])
    assert report.written == [ID + "graph/partnership/12695"] and len(report.unchanged) == 6
    graph = ID + "graph/partnership/12695"
    objects = {q.object.value for q in store.quads(graph)}
    assert ID + "collectivity/fr/vanves" in objects
    assert ID + "collectivity/fr/malakoff" not in objects
    assert not any("Malakoff" in q.object.value for q in store.quads(graph))
    assert (
        len([q for q in store.quads(graph) if q.predicate.value.endswith("generatedAtTime")]) == 1
    )


def test_a_bad_page_writes_nothing_and_the_others_load(tmp_path: Path, pages: Path) -> None:
    (pages / "prjId_999.txt").write_text("This is not an Atlas page at all.\n", encoding="utf-8")
    store = open_store(tmp_path / "kg")
    report = ingest(store, [pages])
    assert not report.ok
    assert [r.source for r in report.rejected] == [str(pages / "prjId_999.txt")]
    assert "prjId_999.txt" in report.rejected[0].reason
    assert len(report.written) == 7
    graphs = {g.value for g in store._store.named_graphs()}
    assert ID + "graph/partnership/999" not in graphs
    assert not any("999" in q.subject.value for q in store.quads())
    assert "1 rejected" in report.summary() and "prjId_999.txt" in report.summary()


def test_ingest_pauses_the_cyclic_collector_and_restores_it(tmp_path: Path, pages: Path) -> None:
    """The collector is paused while quads are built (bench/hotspots.md) and comes back as it
    was, also when the store fails mid-way or the caller had it off."""
    store = open_store(tmp_path / "kg")
    assert gc.isenabled()
    ingest(store, [pages])
    assert gc.isenabled()

    class FullDisk(EmbeddedStore):
        def replace_records(self, graphs, *, bulk=False):  # noqa: ANN001, ANN202
            raise StoreError("no space left on device")

    with pytest.raises(StoreError):
        ingest(FullDisk(tmp_path / "full"), [pages])  # fails inside the paused section
    assert gc.isenabled()
    gc.disable()
    try:
        ingest(open_store(tmp_path / "kg2"), [pages])
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_missing_path_and_bad_jsonl_lines_are_rejected_with_file_and_line(tmp_path: Path) -> None:
    records = tmp_path / "records.jsonl"
    good = full_record().to_json()
    records.write_text(good + "\n\n{not json}\n" + '{"title": 3, "oops": 1}\n', encoding="utf-8")
    store = open_store(tmp_path / "kg")
    report = ingest(store, [records, tmp_path / "absent"])
    reasons = sorted(r.reason for r in report.rejected)
    assert any(r.startswith(f"{records}:3: not JSON") for r in reasons)
    assert any(r.startswith(f"{records}:4: unknown record field") for r in reasons)
    assert any("absent: no such file or folder" in r for r in reasons)
    assert report.written == [ID + "graph/partnership/501"]


def test_strict_rejects_incomplete_pages(tmp_path: Path, pages: Path) -> None:
    store = open_store(tmp_path / "kg")
    report = ingest(store, [pages], strict=True)
    assert len(report.written) == 1 and len(report.rejected) == 6


def test_later_input_of_the_same_partnership_wins(tmp_path: Path) -> None:
    store = open_store(tmp_path / "kg")
    report = ingest_records(store, [full_record(title="Premier"), full_record(title="Second")])
    assert len(report.duplicates) == 1
    titles = {q.object.value for q in store.quads() if q.predicate.value.endswith("/title")}
    assert titles == {"Second"}


def test_dropping_a_record_keeps_the_facts_of_others(tmp_path: Path) -> None:
    store = open_store(tmp_path / "kg")
    one = full_record(atlas_id=1)
    two = full_record(atlas_id=2)
    ingest_records(store, [one, two])
    isere = NamedNode(ID + "collectivity/fr/departement-de-l-isere")
    assert drop(store, "1") == ID + "graph/partnership/1"
    left = [q for q in store.quads() if q.subject == isere]
    assert {q.graph_name.value for q in left} == {ID + "graph/partnership/2", ENTITIES}
    assert any(q.predicate.value.endswith("#label") for q in left)
    with pytest.raises(AtlasError, match="no record '1'"):
        drop(store, "1")
    drop(store, ID + "graph/partnership/2")
    assert store.stats().records == 0


def _without_times(store: EmbeddedStore) -> list[str]:
    return sorted(
        str(q) for q in store.quads() if not q.predicate.value.endswith("generatedAtTime")
    )


def test_dropping_several_records_at_once_is_dropping_them_one_by_one(tmp_path: Path) -> None:
    from atlas_kg import synth

    records = list(synth.generate(40, 3))
    ids = [str(r.source.atlas_id) for r in records[:6]]
    together, one_by_one = open_store(tmp_path / "a"), open_store(tmp_path / "b")
    try:
        for store in (together, one_by_one):
            ingest_records(store, records)
        before = _without_times(together)
        # All or nothing: an id the store lacks removes no graph.
        with pytest.raises(AtlasError) as info:
            drop_records(together, [*ids, "999999"])
        assert str(info.value) == (
            f"no record '999999' in the store (looked for the graph <{ID}graph/partnership/999999>)"
        )
        with pytest.raises(AtlasError) as info:
            drop_records(together, ["999999", ids[0], "12 695", "http://x/>"])
        assert str(info.value).endswith(
            "graph/partnership/999999>) and 2 more; nothing was removed"
        )
        assert _without_times(together) == before

        graphs = drop_records(together, [ids[0], *ids, ID + "graph/partnership/" + ids[1]])
        assert graphs == [ID + "graph/partnership/" + i for i in ids]  # each once, in order
        for record_id in ids:
            drop(one_by_one, record_id)
        # The same store, derived graphs (entities, funding, counts, resolution) included.
        assert _without_times(together) == _without_times(one_by_one) != before
        assert together.stats().records == len(records) - len(ids)
    finally:
        together.close()
        one_by_one.close()


def _entity_triples(store: EmbeddedStore) -> set[tuple[str, str, str]]:
    """What the record graphs say about shared entities, as a set (copies merged)."""
    from atlas_kg.rdf import SHARED_CLASSES

    quads = store.quads()
    records = {q.graph_name for q in quads if q.object.value == ID_RECORD_GRAPH}
    shared = {(q.graph_name, q.subject) for q in quads if q.graph_name in records
              and q.predicate.value == RDF_TYPE and q.object in SHARED_CLASSES}  # fmt: skip
    return {(q.subject.value, q.predicate.value, str(q.object))
            for q in quads if (q.graph_name, q.subject) in shared}  # fmt: skip


def _entity_graph(store: EmbeddedStore) -> tuple[set[tuple[str, str, str]], list]:
    """graph/entities: the triples about entities, and the graph's own description."""
    quads = store.quads(ENTITIES)
    own = [q for q in quads if q.subject.value == ENTITIES]
    return {(q.subject.value, q.predicate.value, str(q.object))
            for q in quads if q.subject.value != ENTITIES}, own  # fmt: skip


def test_the_entity_graph_describes_each_shared_entity_once(tmp_path: Path) -> None:
    store = open_store(tmp_path / "kg")
    ingest_records(store, [full_record(atlas_id=1), full_record(atlas_id=2)])
    triples, own = _entity_graph(store)
    assert triples == _entity_triples(store)
    isere = ID + "collectivity/fr/departement-de-l-isere"
    post = ID + "post/ambassade-de-france-a-dakar"
    # Each record graph describes them; the entity graph once (a set).
    assert sum(q.subject.value == post for q in store.quads(ID + "graph/partnership/1")) == sum(
        t[0] == post for t in triples
    )
    assert {t[0] for t in triples} >= {isere, post, ID + "funder/agence-de-l-eau"}
    assert not any(t[0].startswith(ID + "partnership/") for t in triples)  # records' own rows
    kinds = {q.predicate.value.rsplit("#", 1)[-1]: q.object for q in own}
    assert kinds["type"].value.endswith("#EntityGraph")
    assert len(kinds["contentHash"].value) == 64 and "generatedAtTime" in kinds

    # Its own description conforms to the ontology's shape for it.
    from graph_helpers import shacl_conforms

    conforms, text = shacl_conforms(own)
    assert conforms, text


def test_the_entity_graph_follows_replaced_and_dropped_records(tmp_path: Path) -> None:
    from atlas_kg.record import Contact, DiplomaticPost

    store = open_store(tmp_path / "kg")
    mail = "mailto:julie.camy@diplomatie.gouv.fr"
    ingest_records(store, [full_record(atlas_id=1), full_record(atlas_id=2)])
    before = _quads(store)
    # Nothing new: the entity graph is left exactly as it was (time written included).
    assert ingest_records(store, [full_record(atlas_id=1)]).written == []
    assert _quads(store) == before

    # Record 2 now names another person: both people are in the entity graph.
    other = [DiplomaticPost("Ambassade de France à Dakar",
                            [Contact("Chargée de mission", "Awa SALL", "awa.sall@diplomatie.gouv.fr")])]  # fmt: skip
    ingest_records(store, [full_record(atlas_id=2, diplomatic_posts=other)])
    triples, _ = _entity_graph(store)
    assert triples == _entity_triples(store)
    names = {t[2] for t in triples if t[1].endswith("/name") and t[0].startswith(ID + "person/")}
    assert names == {'"Julie CAMY"', '"Awa SALL"', '"Awa Diop"'}
    assert any(t[2] == f"<{mail}>" for t in triples)

    # Dropping record 1, the only one naming Julie CAMY, removes her from it too.
    drop(store, "1")
    triples, _ = _entity_graph(store)
    assert triples == _entity_triples(store)
    assert not any(t[2] == f"<{mail}>" for t in triples)
    names = {t[2] for t in triples if t[1].endswith("/name") and t[0].startswith(ID + "person/")}
    assert names == {'"Awa SALL"', '"Awa Diop"'}
    drop(store, "2")
    assert ENTITIES not in store.graph_iris()  # nothing shared is left to describe


def test_the_entity_graph_of_a_synthetic_atlas_and_of_a_record_given_twice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from atlas_kg import ingest as ingest_module
    from atlas_kg import synth
    from atlas_kg.record import Contact, DiplomaticPost

    store = open_store(tmp_path / "kg")
    ingest_records(store, list(synth.generate(120, 3)))
    triples, _ = _entity_graph(store)
    assert triples == _entity_triples(store)
    assert len(triples) > 1000

    # One chunk per record: record 9 given twice in one run, the later version naming
    # another person. What the first version alone said is not in graph/entities.
    monkeypatch.setattr(ingest_module, "CHUNK_RECORDS", 1)
    other = [DiplomaticPost("Ambassade de France à Dakar",
                            [Contact("Chargée de mission", "Awa SALL", "awa.sall@diplomatie.gouv.fr")])]  # fmt: skip
    fresh = open_store(tmp_path / "kg2")
    ingest_records(
        fresh, [full_record(atlas_id=9), full_record(atlas_id=9, diplomatic_posts=other)]
    )
    triples, _ = _entity_graph(fresh)
    assert triples == _entity_triples(fresh)
    assert not any("julie.camy" in t[2] for t in triples)


def test_vocabulary_graph_is_loaded_once(tmp_path: Path) -> None:
    store = open_store(tmp_path / "kg")
    ingest_records(store, [full_record()])
    count = store.quad_count()
    ingest_records(store, [full_record()])
    assert store.quad_count() == count
    assert ID + "graph/vocabulary" in store.graph_iris()


@pytest.mark.parametrize(
    ("name", "fmt", "datasets"),
    [
        ("all.nq", RdfFormat.N_QUADS, True),
        ("all.trig.gz", RdfFormat.TRIG, True),
        ("all.ttl", RdfFormat.TURTLE, False),
        ("all.nt.gz", RdfFormat.N_TRIPLES, False),
    ],
)
def test_dump_formats_round_trip(tmp_path: Path, name: str, fmt: RdfFormat, datasets: bool) -> None:
    store = open_store(tmp_path / "kg")
    ingest_records(store, [full_record(atlas_id=1), full_record(atlas_id=2)])
    out = tmp_path / name
    store.dump(out)
    data = out.read_bytes()
    if name.endswith(".gz"):
        data = gzip.decompress(data)
    parsed = list(parse(data, format=fmt))
    if datasets:
        assert len(parsed) == store.quad_count()
    else:  # the union graph: what several graphs repeat appears once
        distinct = {(q.subject, q.predicate, q.object) for q in store.quads()}
        assert len(parsed) == len(distinct) < store.quad_count()


def test_dump_format_errors_list_the_choices(tmp_path: Path) -> None:
    store = open_store(tmp_path / "kg")
    with pytest.raises(ConfigError, match="nquads, trig, turtle, ntriples"):
        store.dump(tmp_path / "x.nq", "rdfxml")
    with pytest.raises(ConfigError, match=r"\.nq"):
        store.dump(tmp_path / "x.json")


def test_stats_count_records_and_entities(tmp_path: Path) -> None:
    store = open_store(tmp_path / "kg")
    ingest_records(store, [full_record(atlas_id=1), full_record(atlas_id=2)])
    stats = store.stats()
    assert stats.records == 2 and stats.graphs == 6  # and vocabulary, entities, funding, counts
    assert stats.quads == store.quad_count()
    assert stats.entities["akg:Partnership"] == 2
    assert stats.entities["akg:FrenchCollectivity"] == 1  # shared by both, counted once
    assert stats.entities["akg:Funding"] == 4
    assert "owl:Class" not in stats.entities  # the vocabulary graph is not data


def test_store_errors_are_clear(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no store at"):
        open_store(tmp_path / "absent", read_only=True)
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StoreError, match="cannot open the store"):
        open_store(blocker)
    # pyoxigraph's RuntimeError for a bound variable the SELECT does not project.
    with pytest.raises(
        QueryError, match=r"query '<sparql>': .*does not contains variable \?_y in its SELECT"
    ):
        EmbeddedStore(None).query("SELECT ?x WHERE { }", substitutions={"_y": Literal("a")})


def test_read_only_store_reads_what_was_written(tmp_path: Path) -> None:
    store = open_store(tmp_path / "kg")
    ingest_records(store, [Record(source=Source(atlas_id=3), title="Trois")])
    store.close()
    reader = open_store(tmp_path / "kg", read_only=True)
    assert reader.stats().records == 1
    reader.close()


def _untimed(store: EmbeddedStore) -> set[str]:
    """The quads but the time each graph was written (two ingests: two times)."""
    return {str(q) for q in store.quads() if not q.predicate.value.endswith("generatedAtTime")}


def _table_files(folder: Path) -> int:
    return sum(1 for f in folder.iterdir() if f.suffix == ".sst")


def test_a_bulk_ingest_compacts_the_store_and_a_small_one_does_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from atlas_kg import ingest as ingest_module
    from atlas_kg import synth

    records = list(synth.generate(300, 3))  # ~57,000 quads: bulk-loaded in chunks
    monkeypatch.setattr(ingest_module, "CHUNK_RECORDS", 100)
    compacted = open_store(tmp_path / "compacted")
    report = ingest_records(compacted, records)
    assert report.quads_written >= ingest_module.BULK_QUADS and report.compacted
    compacted.close()

    # The same ingest with the final compaction left out: the same quads in more files,
    # which compact() merges into as few as the compacted ingest left.
    monkeypatch.setattr(EmbeddedStore, "compact", lambda self: False)
    loose = open_store(tmp_path / "loose")
    assert not ingest_records(loose, records).compacted
    loose.close()
    assert _table_files(tmp_path / "loose") > _table_files(tmp_path / "compacted")
    monkeypatch.undo()
    loose, compacted = open_store(tmp_path / "loose"), open_store(tmp_path / "compacted")
    assert loose.compact()
    loose.close()
    assert _table_files(tmp_path / "loose") == _table_files(tmp_path / "compacted")
    loose = open_store(tmp_path / "loose")
    assert _untimed(loose) == _untimed(compacted) and len(_untimed(loose)) > 57_000

    # A record or a few go through a transaction: nothing to merge. Nor in memory.
    small = open_store(tmp_path / "small")
    assert not ingest_records(small, [full_record()]).compacted
    memory = open_store(":memory:")
    assert not ingest_records(memory, records).compacted and not memory.compact()


def test_the_next_chunk_is_read_while_one_is_written_and_the_later_input_still_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading
    from dataclasses import replace

    from atlas_kg import ingest as ingest_module
    from atlas_kg import synth

    records = list(synth.generate(40, 5))
    # Record 3 again in the last chunk, retitled, while the first chunk may still be written.
    inputs = [*records, replace(records[3], title="Titre revu")]
    monkeypatch.setattr(ingest_module, "CHUNK_RECORDS", 10)
    monkeypatch.setattr(ingest_module, "BULK_QUADS", 0)  # every chunk through the bulk loader

    mapped, second_chunk_read = 0, threading.Event()
    map_record = ingest_module.record_graph

    def counting(record: Record, **kw: object):  # noqa: ANN202
        nonlocal mapped
        mapped += 1
        if mapped == 11:
            second_chunk_read.set()
        return map_record(record, **kw)

    monkeypatch.setattr(ingest_module, "record_graph", counting)
    writers: list[str] = []

    class Watched(EmbeddedStore):
        def replace_records(self, graphs, *, bulk=False):  # noqa: ANN001, ANN202
            # The vocabulary before and the derived graphs after are written by the caller.
            if threading.current_thread() is not threading.main_thread():
                if not writers:  # without overlap chunk 2 is not read until this returns
                    assert second_chunk_read.wait(timeout=60), "chunk 2 not read during write 1"
                writers.append(threading.current_thread().name)
            return super().replace_records(graphs, bulk=bulk)

    store = Watched(tmp_path / "kg")
    report = ingest_records(store, inputs)
    assert len(writers) == 5  # one write per chunk of records, none by the caller
    assert len(report.written) == 41 and report.quads_written > 0

    # The same store as reading everything in one chunk, where the later input replaces
    # the earlier one in memory.
    monkeypatch.setattr(ingest_module, "CHUNK_RECORDS", 1000)
    one_chunk = open_store(tmp_path / "one")
    ingest_records(one_chunk, inputs)
    assert _untimed(store) == _untimed(one_chunk)
    titles = store.query(
        "SELECT ?t ?id WHERE { ?p a akg:Partnership ; akg:atlasId ?id ; dcterms:title ?t }",
        substitutions={"id": Literal(records[3].source.atlas_id)},
    )
    assert [row["t"].value for row in titles] == ["Titre revu"]
