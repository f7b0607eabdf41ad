"""The remote store: bound parameters, configuration, and the store interface on a real
Oxigraph server (ingest, replace, drop, query forms, errors, the ``push`` command)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from pyoxigraph import (
    BlankNode,
    Literal,
    NamedNode,
    Quad,
    QueryBoolean,
    QuerySolutions,
    Store,
    Variable,
)

from atlas_kg import synth
from atlas_kg.cli import main
from atlas_kg.errors import AtlasError, ConfigError, QueryError, StoreError
from atlas_kg.ingest import ingest_records
from atlas_kg.iris import funding_graph_iri
from atlas_kg.queries import run_query
from atlas_kg.rdf import vocabulary_graph
from atlas_kg.remote import (
    RemoteStore,
    RemoteTriples,
    bind_values,
    config_from_url,
    load_config,
    push,
    query_form,
    sparql_term,
    with_prefixes,
)
from atlas_kg.store import EmbeddedStore, open_store

if TYPE_CHECKING:
    from servers import OxigraphServer, VirtuosoServer

pytest_plugins = ["servers"]  # real servers; imported by pytest, so not at the top here

EX = "http://example.org/"
XSD_INTEGER = NamedNode("http://www.w3.org/2001/XMLSchema#integer")

# Values that would break out of a string, an IRI or the VALUES block if spliced.
MALICIOUS = [
    'x" } } ; DROP ALL ; #',
    "x') } SELECT * WHERE { ?s ?p ?o } #",
    '"""',
    "'''",
    "back\\slash\\",
    "\\u0022 } #",
    "\\\\u0022",
    'quote \\" end',
    "line\nbreak\r\ttab\x0bvt\x1fus\x7fdel",
    "> <http://evil/> ",
    "émoji 🎉 and RTL \u202e and \u2028",
    "",
]


def _local(quads: list[Quad]) -> Store:
    store = Store()
    store.extend(quads)
    return store


def _content(quads: list) -> list[str]:
    """The quads as text, without the time each store wrote them (ingests differ by seconds)."""
    return sorted(str(q) for q in quads if not q.predicate.value.endswith("generatedAtTime"))


def _rows(result: object) -> list[tuple]:
    assert isinstance(result, QuerySolutions)
    names = [v.value for v in result.variables]
    return sorted((tuple(str(s[n]) for n in names) for s in result), key=repr)


# -- bound parameters, checked with pyoxigraph's own SPARQL parser and evaluator ------


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_any_text_bound_as_a_literal_comes_back_unchanged(text: str) -> None:
    sparql = bind_values("SELECT ?v WHERE { }", {"v": Literal(text)})
    assert [s["v"] for s in Store().query(sparql)] == [Literal(text)]


@pytest.mark.parametrize(
    "term",
    [
        Literal("Sénégal", language="fr"),
        Literal("42", datatype=XSD_INTEGER),
        NamedNode("http://example.org/a?b=c#d"),
        *[Literal(text) for text in MALICIOUS],
    ],
    ids=repr,
)
def test_sparql_term_is_one_term(term: Literal | NamedNode) -> None:
    text = sparql_term(term)
    assert [s["v"] for s in Store().query(f"SELECT ?v WHERE {{ VALUES ?v {{ {text} }} }}")] == [
        term
    ]


def test_blank_nodes_and_bad_names_cannot_be_bound() -> None:
    with pytest.raises(QueryError, match="blank node"):
        bind_values("SELECT ?v WHERE { }", {"v": BlankNode()})
    with pytest.raises(QueryError, match="not a variable name"):
        bind_values("SELECT ?v WHERE { }", {"v) } #": Literal("x")})
    with pytest.raises(QueryError, match=r"\?_k is bound but not in the SELECT projection"):
        bind_values("SELECT ?s WHERE { ?s ?p ?_k }", {"_k": Literal("x")})


DATA = [
    Quad(NamedNode(EX + s), NamedNode(EX + p), o, NamedNode(EX + "g"))
    for s, p, o in [
        ("a", "key", Literal("x")),
        ("b", "key", Literal("y")),
        ("a", "amount", Literal("3", datatype=XSD_INTEGER)),
        ("b", "amount", Literal("4", datatype=XSD_INTEGER)),
        ("a", "label", Literal('tricky "} label')),
    ]
]

# Queries whose answers depend on where the binding applies: in sub-SELECTs that project
# the variable, in OPTIONAL parts, in aggregates over nothing (a trailing VALUES clause
# would lose the row of an unknown key).
EQUIVALENT = [
    ("SELECT ?s ?_k WHERE { ?s <http://example.org/key> ?_k }", {"_k": Literal("x")}),
    (
        "SELECT (COUNT(?s) AS ?n) ?_k WHERE { OPTIONAL { ?s <http://example.org/key> ?_k } } GROUP BY ?_k",
        {"_k": Literal("unknown")},
    ),
    (
        "SELECT ?total ?_k WHERE { { SELECT (SUM(?a) AS ?total) ?_k WHERE { OPTIONAL { "
        "{ SELECT DISTINCT ?s ?_k WHERE { ?s <http://example.org/key> ?_k } } "
        "?s <http://example.org/amount> ?a } } GROUP BY ?_k } }",
        {"_k": Literal("y")},
    ),
    (
        "SELECT * WHERE { ?s <http://example.org/label> ?l . ?s <http://example.org/key> ?_k }",
        {"_k": Literal("x")},
    ),
    (
        "SELECT ?s ?_k ?_n WHERE { ?s <http://example.org/key> ?_k ; <http://example.org/amount> ?_n }",
        {"_k": Literal("y"), "_n": Literal("4", datatype=XSD_INTEGER)},
    ),
    ("ASK { ?s <http://example.org/key> ?_k }", {"_k": Literal("y")}),
    ("ASK { ?s <http://example.org/key> ?_k }", {"_k": Literal('y" } #')}),
]


@pytest.mark.parametrize(("sparql", "subs"), EQUIVALENT)
def test_values_blocks_answer_like_oxigraph_substitutions(sparql: str, subs: dict) -> None:
    store = _local(DATA)
    expected = store.query(
        sparql,
        use_default_graph_as_union=True,
        substitutions={Variable(k): v for k, v in subs.items()},
    )
    got = store.query(bind_values(sparql, subs), use_default_graph_as_union=True)
    if isinstance(expected, QueryBoolean):
        assert bool(got) == bool(expected)
    else:
        rows = _rows(expected)
        assert rows  # each case has an answer to compare
        assert _rows(got) == rows


def test_values_go_where_a_query_form_allows_them() -> None:
    construct = bind_values(
        "CONSTRUCT { ?s <http://example.org/p> ?_k } WHERE { ?s <http://example.org/key> ?_k }",
        {"_k": Literal("x")},
    )
    assert construct.index("VALUES") > construct.index("WHERE")
    short = bind_values("CONSTRUCT WHERE { ?s <http://example.org/key> ?_k }", {"_k": Literal("x")})
    assert short.rstrip().endswith('VALUES (?_k) { ("x") }')
    triples = list(_local(DATA).query(short, use_default_graph_as_union=True))
    assert [str(t.subject) for t in triples] == ["<http://example.org/a>"]
    # Keywords inside strings, IRIs and comments are not mistaken for the query's own.
    tricky = bind_values(
        'SELECT ?_k WHERE { # SELECT { \n ?s <http://example.org/SELECT> "{ SELECT" , ?_k }',
        {"_k": Literal("x")},
    )
    assert tricky.count("VALUES") == 1


def test_prefixes_are_declared_unless_the_query_does() -> None:
    text = with_prefixes(
        "PREFIX akg: <http://other/> SELECT * WHERE { ?s a akg:X ; schema:name ?n }"
    )
    assert text.count("PREFIX akg:") == 1 and "PREFIX schema: <https://schema.org/>" in text


# -- configuration ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sparql", "form"),
    [
        ("SELECT * {}", "SELECT"),
        ("# drops and loads\nPREFIX x: <http://x/delete#>\nASK { ?s x:add 'copy' }", "ASK"),
        ("prefix a: <http://x/>\nconstruct where { ?s ?p ?o }", "CONSTRUCT"),
        ("DESCRIBE <http://x/insert>", "DESCRIBE"),
        ("# select\nDROP ALL", "DROP"),
        ("WITH <http://x/g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }", "WITH"),
        ("# nothing but a comment", ""),
    ],
)
def test_query_form_reads_tokens_not_comments(sparql: str, form: str) -> None:
    assert query_form(sparql) == form


def test_urls_name_the_endpoints_of_oxigraph_and_virtuoso(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ATLAS_KG_AUTH", raising=False)
    monkeypatch.setenv("ATLAS_KG_USER", "alice")
    monkeypatch.setenv("ATLAS_KG_PASSWORD", "s3cret")
    ox = config_from_url("http://127.0.0.1:7878/query")
    assert (ox.query, ox.update, ox.store) == (
        "http://127.0.0.1:7878/query",
        "http://127.0.0.1:7878/update",
        "http://127.0.0.1:7878/store",
    )
    assert ox.union_default_graph and ox.auth == "basic" and ox.user == "alice"
    assert "s3cret" not in repr(ox)
    virtuoso = config_from_url("https://host:8890/sparql-auth")
    assert (
        virtuoso.store == "https://host:8890/sparql-graph-crud-auth" and virtuoso.auth == "digest"
    )
    assert config_from_url("http://host:8890/sparql").store == "http://host:8890/sparql-graph-crud"
    # One graph at a time on Virtuoso (it crashed under concurrent writes), 4 elsewhere.
    assert (virtuoso.concurrency, ox.concurrency) == (1, 4)
    with pytest.raises(
        ConfigError,
        match=r"--store: 'http://host/fuseki/ds' is not allowed; expected .*or a .toml/.json file naming query, update and store URLs",
    ):
        config_from_url("http://host/fuseki/ds")


def test_a_config_file_names_urls_and_options(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MY_USER", "bob")
    monkeypatch.setenv("MY_PASS", "pw")
    toml = tmp_path / "fuseki.toml"
    toml.write_text(
        'query = "http://h:3030/ds/query"\nstore = "http://h:3030/ds/data"\nauth = "digest"\n'
        'user_env = "MY_USER"\npassword_env = "MY_PASS"\nretries = 2\nconcurrency = 8\n'
    )
    config = load_config(toml)
    assert (config.store, config.auth, config.user, config.password) == (
        "http://h:3030/ds/data",
        "digest",
        "bob",
        "pw",
    )
    assert (config.retries, config.concurrency, config.update) == (2, 8, None)
    store = open_store(toml)
    assert isinstance(store, RemoteStore) and store.location == str(toml)
    as_json = tmp_path / "server.json"
    as_json.write_text(json.dumps({"query": "http://h/q", "store": "http://h/s", "timeout": 5}))
    assert load_config(as_json).timeout == 5.0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            'query = "http://h/q"\nstore = "http://h/s"\npasword = 1\n',
            r"key: 'pasword' is not allowed; expected query, store",
        ),
        ('query = "http://h/q"\n', r"store: None is not allowed"),
        (
            'query = "ftp://h/q"\nstore = "http://h/s"\n',
            r"query: 'ftp://h/q' is not allowed; expected an http",
        ),
        (
            'query = "http://h/q"\nstore = "http://h/s"\nauth = "ntlm"\n',
            r"auth: 'ntlm' is not allowed; expected basic or digest",
        ),
        (
            'query = "http://h/q"\nstore = "http://h/s"\nretries = -1\n',
            r"retries: -1 is not allowed",
        ),
        ('query = "http://h/q"\nstore = \n', r"bad.toml: not valid TOML \(.*line 2"),
    ],
)
def test_a_bad_config_names_file_key_and_allowed_values(
    tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises((ConfigError, StoreError), match=message) as info:
        load_config(path)
    assert str(path) in str(info.value)


# -- the interface on a real Oxigraph server ----------------------------------------------


@pytest.fixture(scope="module")
def records() -> list:
    return list(synth.generate(40, 3))


def test_ingest_into_a_server_is_idempotent_and_an_update_replaces_the_graph(
    oxigraph_server: OxigraphServer, records: list
) -> None:
    with oxigraph_server.store() as server, EmbeddedStore(None) as local:
        first = ingest_records(server, records)
        ingest_records(local, records)
        assert len(first.written) == len(records)
        count = server.quad_count()
        assert count == local.quad_count()
        again = ingest_records(server, records)
        assert again.written == [] and len(again.unchanged) == len(records)
        assert server.quad_count() == count

        changed = replace(records[0], title="Un titre tout neuf")
        report = ingest_records(server, [changed])
        ingest_records(local, [changed])
        assert len(report.written) == 1
        graph = report.written[0]
        titles = {
            q.object.value for q in server.quads(graph) if q.predicate.value.endswith("/title")
        }
        assert titles == {"Un titre tout neuf"}
        assert server.quad_count() == local.quad_count()
        assert _content(server.quads(graph)) == _content(local.quads(graph))

        assert server.drop_record(graph) is True
        assert server.drop_record(graph) is False
        assert server.quads(graph) == []
        assert server.quad_count() == local.quad_count() - len(local.quads(graph))

        # A server store without graph/funding (written by an older atlas-kg): its funding
        # queries say so (two ASK queries on the server) instead of answering nothing.
        assert run_query(server, "funding_by_country").rows
        assert server.drop_record(funding_graph_iri())
        with pytest.raises(QueryError, match="reads graph/funding, which this store lacks"):
            run_query(server, "funding_by_country")


def test_metrics_written_to_a_server_are_the_quads_the_embedded_store_holds(
    oxigraph_server: OxigraphServer, records: list
) -> None:
    from atlas_kg.metrics import load_network, metrics_graph, write_metrics

    with oxigraph_server.store() as server, EmbeddedStore(None) as local:
        ingest_records(server, records)
        ingest_records(local, records)
        net = load_network(local, "bipartite")
        graph = metrics_graph(net)
        assert len(graph.quads) > 9 * 40  # nine values per node, more nodes than records
        for store in (server, local, local):  # the second finds the same content: left
            iri = write_metrics(store, net)
        assert iri == graph.iri
        assert _content(server.quads(iri)) == _content(local.quads(iri))
        assert len(local.quads(iri)) == len(graph.quads)
        # It carries its content hash, as the other graphs do: the server's listing, counts
        # and dump include it, and a push finds it unchanged.
        assert (
            server.content_hashes([iri]) == local.content_hashes([iri]) == {iri: graph.content_hash}
        )
        assert iri in server.graph_iris() and server.quad_count() == local.quad_count()
        report = push(local, server)
        assert report.sent == 0 and report.unchanged == len(local.graph_iris())
        # The bulk loader reads the graph's N-Quads text as it is: the same quads.
        with EmbeddedStore(None) as bulk:
            assert bulk.replace_records([graph], bulk=True) == len(graph.quads)
            assert _content(bulk.quads(iri)) == _content(local.quads(iri))


def test_dropping_records_from_a_server_is_dropping_them_from_the_embedded_store(
    oxigraph_server: OxigraphServer, records: list
) -> None:
    from atlas_kg.ingest import drop_records

    ids = [str(r.source.atlas_id) for r in records[:3]]
    with oxigraph_server.store() as server, EmbeddedStore(None) as local:
        for store in (server, local):
            ingest_records(store, records)
        count = server.quad_count()
        with pytest.raises(AtlasError, match="no record '999999'"):
            drop_records(server, [*ids, "999999"])
        assert server.quad_count() == count  # nothing removed
        for store in (server, local):
            drop_records(store, ids)
        assert server.quad_count() == local.quad_count() < count
        assert set(server.graph_iris()) <= set(local.graph_iris())
        assert not [g for g in server.graph_iris() for i in ids if g.endswith(f"/partnership/{i}")]


def test_query_forms_and_malicious_parameters_on_a_server(
    oxigraph_server: OxigraphServer, records: list
) -> None:
    with oxigraph_server.store() as server:
        ingest_records(server, records)
        for text in MALICIOUS:
            result = server.query("SELECT ?_v WHERE { }", substitutions={"_v": Literal(text)})
            assert [s["_v"] for s in result] == [Literal(text)], text
            assert run_query(server, "partnerships", {"country": text}).rows == []
        assert bool(server.query("ASK { ?s a akg:Partnership }")) is True
        triples = server.query("CONSTRUCT { ?p a akg:Partnership } WHERE { ?p a akg:Partnership }")
        assert isinstance(triples, RemoteTriples) and len(triples) == len(records)
        assert triples.serialize().count(b"\n") == len(records)
        with pytest.raises(QueryError, match=r"the server rejected the query: .*\S"):
            server.query("SELECT ?s WHERE { ?s ?p }")
        with pytest.raises(QueryError, match="not a query"):
            server.query("DROP ALL")
        # Words of update forms in comments, IRIs and strings do not make a query an update
        # (SPARQLWrapper's own guess reads "drops" in a comment as DROP).
        commented = (
            "# Two comment lines, the second with update words:\n"
            "# HAVING drops empty groups; loads, copies and adds nothing\n"
            "SELECT (COUNT(*) AS ?n) WHERE { ?p a akg:Partnership ; ?x 'insert' }"
        )
        assert [int(s["n"].value) for s in server.query(commented)] == [0]
        # Updates go to the update endpoint (plain HTTP), e.g. for a graph of one's own.
        server.update(
            "INSERT DATA { GRAPH <http://example.org/g> { <http://example.org/s> rdfs:label 'x' } }"
        )
        assert bool(server.query("ASK { GRAPH <http://example.org/g> { ?s rdfs:label 'x' } }"))
        assert server.drop_record("http://example.org/g") is True


def test_unreachable_servers_and_missing_endpoints_are_clear_errors(
    oxigraph_server: OxigraphServer,
) -> None:
    wrong_path = RemoteStore(
        replace(oxigraph_server.config(), store=oxigraph_server.url + "/nothing-here")
    )
    with pytest.raises(
        StoreError, match=r"no such endpoint http://127\.0\.0\.1:\d+/nothing-here \(HTTP 404\)"
    ):
        wrong_path.replace_records([vocabulary_graph()])
    port = oxigraph_server.port
    oxigraph_server.stop()
    down = RemoteStore(oxigraph_server.config())
    with pytest.raises(
        StoreError,
        match=rf"cannot reach http://127\.0\.0\.1:{port}/query .*gave up after 3 attempt",
    ):
        down.quad_count()


def test_the_push_command_copies_and_resumes(
    oxigraph_server: OxigraphServer, records: list, tmp_path: Path
) -> None:
    folder = tmp_path / "kg.oxigraph"
    with EmbeddedStore(folder) as local:
        ingest_records(local, records)
        expected, graphs = local.quad_count(), len(local.graph_iris())
    runner = CliRunner()
    result = runner.invoke(main, ["--store", str(folder), "push", "--to", oxigraph_server.url])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == (
        f"pushed {graphs} graph(s) to {oxigraph_server.url}: "
        f"{graphs} sent ({expected} quads), 0 already there unchanged"
    )
    again = runner.invoke(
        main, ["--store", str(folder), "push", "--to", oxigraph_server.url, "--batch", "7"]
    )
    assert again.exit_code == 0 and f"0 sent (0 quads), {graphs} already there" in again.output
    # Every other command runs on the server: --store URL.
    listed = runner.invoke(
        main, ["--store", oxigraph_server.url, "query", "partnerships_by_year", "--format", "json"]
    )
    assert listed.exit_code == 0, listed.output
    assert sum(row["partnerships"] for row in json.loads(listed.output)) == len(records)
    with oxigraph_server.store() as server:
        assert server.quad_count() == expected
    missing = runner.invoke(
        main, ["--store", str(tmp_path / "absent"), "push", "--to", oxigraph_server.url]
    )
    assert missing.exit_code == 2 and "Error: no store at" in missing.output


@pytest.mark.virtuoso
@pytest.mark.xdist_group("virtuoso")
def test_malicious_parameters_stay_literals_on_virtuoso(virtuoso_server: VirtuosoServer) -> None:
    with virtuoso_server.store() as server:
        for text in MALICIOUS:
            result = server.query("SELECT ?_v WHERE { }", substitutions={"_v": Literal(text)})
            assert [s["_v"] for s in result] == [Literal(text)], text
        typed = Literal("42", datatype=XSD_INTEGER)
        assert [
            s["_v"] for s in server.query("SELECT ?_v WHERE { }", substitutions={"_v": typed})
        ] == [typed]
