"""Faults on real servers: a server stopped mid-load, a server answering errors (through a
real proxy that injects them), wrong credentials on Virtuoso. Each gives a clear error,
and re-running finishes with the exact quad count, writing nothing twice."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import pytest

from atlas_kg import remote as remote_module
from atlas_kg import synth
from atlas_kg.errors import QueryError, StoreError
from atlas_kg.ingest import ingest_records
from atlas_kg.iris import funding_graph_iri
from atlas_kg.queries import run_query
from atlas_kg.remote import RemoteStore, config_from_url, push
from atlas_kg.store import EmbeddedStore

if TYPE_CHECKING:
    from collections.abc import Iterator

    from servers import FaultProxy, OxigraphServer, VirtuosoServer

pytest_plugins = ["servers"]  # real servers; imported by pytest, so not at the top here

RECORDS = 300


@pytest.fixture(scope="module")
def local() -> Iterator[EmbeddedStore]:
    """A 300-record atlas in an embedded store: what is pushed."""
    store = EmbeddedStore(None)
    ingest_records(store, synth.generate(RECORDS, 5))
    yield store
    store.close()


def _content(quads: list) -> list[str]:
    """The quads as text, without the time each store wrote them (ingests differ by seconds)."""
    return sorted(str(q) for q in quads if not q.predicate.value.endswith("generatedAtTime"))


def _graphs(store: EmbeddedStore | RemoteStore) -> dict[str, str]:
    return store.content_hashes(store.graph_iris())


def test_server_stopped_mid_push_then_rerun_finishes_exactly(
    oxigraph_server: OxigraphServer, local: EmbeddedStore
) -> None:
    remote = oxigraph_server.store()
    batches: list[int] = []

    def stop_after_two_batches(done: int, total: int) -> None:
        batches.append(done)
        if len(batches) == 2:
            oxigraph_server.stop()

    with pytest.raises(StoreError) as info:
        push(local, remote, batch_graphs=50, progress=stop_after_two_batches)
    message = str(info.value)
    assert (
        f"cannot reach {oxigraph_server.url}/" in message
        and "gave up after 3 attempt(s)" in message
    )
    assert batches == [50, 100]
    remote.close()

    oxigraph_server.start()  # same database folder and port
    with oxigraph_server.store() as remote:
        assert len(remote.graph_iris()) == 100  # whole graphs only: each PUT is atomic
        report = push(local, remote)
        assert (report.sent, report.unchanged) == (len(local.graph_iris()) - 100, 100)
        assert remote.quad_count() == local.quad_count()
        assert _graphs(remote) == _graphs(local)
        assert push(local, remote).sent == 0


@pytest.mark.parametrize("status", [500, 503, 429])
def test_transient_errors_are_retried(
    oxigraph_server: OxigraphServer,
    local: EmbeddedStore,
    fault_proxy: list[FaultProxy],
    status: int,
) -> None:
    from servers import FaultProxy

    proxy = FaultProxy(oxigraph_server.url, method="PUT", failures=2, status=status).start()
    fault_proxy.append(proxy)
    with RemoteStore(
        replace(oxigraph_server.config(), query=proxy.url + "/query", store=proxy.url + "/store")
    ) as remote:
        report = push(local, remote)
        assert proxy.injected == 2 and report.sent == len(local.graph_iris())
        assert remote.quad_count() == local.quad_count()


def test_a_server_that_keeps_failing_is_reported_after_the_retries(
    oxigraph_server: OxigraphServer, local: EmbeddedStore, fault_proxy: list[FaultProxy]
) -> None:
    from servers import FaultProxy

    proxy = FaultProxy(oxigraph_server.url, method="PUT", failures=10**6).start()
    fault_proxy.append(proxy)
    config = replace(oxigraph_server.config(), store=proxy.url + "/store", concurrency=1)
    with RemoteStore(config) as remote, pytest.raises(StoreError) as info:
        push(local, remote)
    assert proxy.injected == 3  # one try and two retries, then the error
    message = str(info.value)
    assert message.startswith("write graph <https://w3id.org/atlas-kg/id/graph/")
    assert (
        f"{proxy.url}/store answered HTTP 500: injected failure 3 of 1000000 (gave up after 3 attempt(s))"
        in message
    )
    with oxigraph_server.store() as direct:
        assert direct.quad_count() == 0


def test_a_refusal_is_not_retried_and_quotes_the_server(
    oxigraph_server: OxigraphServer, local: EmbeddedStore, fault_proxy: list[FaultProxy]
) -> None:
    from servers import FaultProxy

    proxy = FaultProxy(oxigraph_server.url, method="PUT", failures=10**6, status=413).start()
    fault_proxy.append(proxy)
    config = replace(oxigraph_server.config(), store=proxy.url + "/store", concurrency=1)
    with (
        RemoteStore(config) as remote,
        pytest.raises(StoreError, match=r"too large for .*\(HTTP 413\): injected failure 1 of"),
    ):
        push(local, remote)
    assert proxy.injected == 1


@pytest.mark.parametrize("method", ["POST", "PUT"])
def test_a_server_too_slow_to_answer_is_reported_without_retrying(
    oxigraph_server: OxigraphServer,
    local: EmbeddedStore,
    fault_proxy: list[FaultProxy],
    method: str,
) -> None:
    from servers import FaultProxy

    proxy = FaultProxy(oxigraph_server.url, method=method, delay=3).start()
    fault_proxy.append(proxy)
    config = replace(
        oxigraph_server.config(),
        query=proxy.url + "/query",
        store=proxy.url + "/store",
        timeout=1.0,
        concurrency=1,
    )
    endpoint = "/query" if method == "POST" else "/store"  # queries are POSTed
    with RemoteStore(config) as remote, pytest.raises(StoreError) as info:
        push(local, remote)
    assert f"{proxy.url}{endpoint} did not answer within 1 s; raise `timeout`" in str(info.value)
    assert proxy.forwarded[method] == 1  # a slow answer is not asked again


# -- Virtuoso --------------------------------------------------------------------------


def _clear(store: RemoteStore) -> None:
    for graph in store.graph_iris():
        store.drop_record(graph)
    assert store.quad_count() == 0


@pytest.mark.virtuoso
@pytest.mark.xdist_group("virtuoso")
@pytest.mark.parametrize("where", ["query and store with auth", "anonymous query, store with auth"])
@pytest.mark.parametrize("password", ["wrong", None])
def test_wrong_credentials_on_virtuoso_write_nothing(
    virtuoso_server: VirtuosoServer, local: EmbeddedStore, where: str, password: str | None
) -> None:
    with virtuoso_server.store() as admin:
        _clear(admin)
    config = virtuoso_server.config(password=password or "")
    if password is None:
        config = config.with_credentials(None, None)
    if where.startswith("anonymous"):
        config = replace(config, query=virtuoso_server.root + "/sparql")
    with RemoteStore(config) as remote, pytest.raises(StoreError) as info:
        push(local, remote)
    message = str(info.value)
    assert "refused the credentials (HTTP 401)" in message
    if password is None:
        assert message.endswith(
            "no credentials were given: set ATLAS_KG_USER and ATLAS_KG_PASSWORD"
        )
    else:
        assert message.endswith(
            "check ATLAS_KG_USER, ATLAS_KG_PASSWORD and ATLAS_KG_AUTH=basic|digest"
        )
    with virtuoso_server.store() as admin:
        assert admin.quad_count() == 0


@pytest.mark.virtuoso
@pytest.mark.xdist_group("virtuoso")
def test_virtuoso_ingest_is_idempotent_and_replaces_updated_records(
    virtuoso_server: VirtuosoServer,
) -> None:
    records = list(synth.generate(30, 9))
    with virtuoso_server.store() as remote, EmbeddedStore(None) as reference:
        _clear(remote)
        ingest_records(remote, records)
        ingest_records(reference, records)
        count = remote.quad_count()
        assert count == reference.quad_count()
        assert ingest_records(remote, records).written == []
        assert remote.quad_count() == count
        changed = replace(records[3], title="Titre révisé « 2 »")
        graph = ingest_records(remote, [changed]).written[0]
        ingest_records(reference, [changed])
        assert remote.quad_count() == reference.quad_count()
        assert _content(remote.quads(graph)) == _content(reference.quads(graph))
        # Without graph/funding, the funding queries say so (ASK on Virtuoso too).
        assert remote.drop_record(funding_graph_iri())
        with pytest.raises(QueryError, match="reads graph/funding, which this store lacks"):
            run_query(remote, "funding_by_funder")


@pytest.mark.virtuoso
@pytest.mark.xdist_group("virtuoso")
def test_virtuoso_rejects_bad_sparql_with_its_message(virtuoso_server: VirtuosoServer) -> None:
    from atlas_kg.errors import QueryError

    with (
        virtuoso_server.store() as remote,
        pytest.raises(QueryError, match=r"the server rejected the query: .*SP030"),
    ):
        remote.query("SELECT ?s WHERE { ?s ?p }")
    with RemoteStore(config_from_url(virtuoso_server.root + "/sparql")) as anonymous:
        assert bool(anonymous.query("ASK { }")) is True


@pytest.mark.virtuoso
def test_a_result_cut_by_the_server_is_an_error_not_a_short_answer(
    tmp_path_factory: pytest.TempPathFactory, local: EmbeddedStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner
    from servers import VirtuosoServer

    from atlas_kg.cli import main
    from atlas_kg.queries import run_query

    reason = VirtuosoServer.missing()
    if reason:
        pytest.skip(reason)
    # Virtuoso answers at most 500 rows per SELECT (its default is 10,000), saying nothing,
    # and sorts at most 250 (MaxSortedTopRows, default 10,000: the full Atlas has 12,000
    # graphs). Graph lists are read 100 at a time here: pages 3 and 4 would sort 300 and
    # 400 rows with OFFSET.
    monkeypatch.setattr(remote_module, "_PAGE", 100)
    server = VirtuosoServer(
        tmp_path_factory.mktemp("virtuoso-cut"), result_rows=500, sorted_rows=250
    ).start()
    try:
        with server.store() as remote:
            push(local, remote)  # per-graph hashes and graph lists stay under 500 rows
            assert remote.graph_iris() == local.graph_iris()  # 304 graphs, in 4 pages
            assert remote.quad_count() == local.quad_count()
            # 300 rows, a round number: counted on the server, and whole
            assert len(run_query(remote, "records").rows) == RECORDS
            total = len(run_query(local, "funding_by_funder").rows)
            assert total > 500
            with pytest.raises(StoreError) as cut:
                run_query(remote, "funding_by_funder")
            assert str(cut.value) == (
                f"{server.url} returned 500 of the {total} rows of a query: the server cuts "
                "results at 500 rows. Raise its limit (Virtuoso: ResultSetMaxRows in the "
                "[SPARQL] section of virtuoso.ini) and run again"
            )
        result = CliRunner().invoke(
            main,
            ["--store", server.root + "/sparql", "query", "funding_by_funder"],
            env={"ATLAS_KG_USER": None, "ATLAS_KG_PASSWORD": None},
        )
        assert result.exit_code == 2, result.output  # a store error
        assert result.output == (
            f"Error: {server.root}/sparql returned 500 of the {total} rows of a query: the "
            "server cuts results at 500 rows. Raise its limit (Virtuoso: ResultSetMaxRows in "
            "the [SPARQL] section of virtuoso.ini) and run again\n"
        )
    finally:
        server.stop()
