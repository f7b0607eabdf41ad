"""The publishing library's small parts, without a server: escaping, conneg, links, the
SPARQL protocol parser and its safety checks, result writers, and the worker pool."""

from __future__ import annotations

import csv
import io
import json

import pyoxigraph as ox
import pytest

from atlas_kg.publish.conneg import by_extension, negotiate, parse_accept
from atlas_kg.publish.links import Links
from atlas_kg.publish.markup import Markup, escape, html, join
from atlas_kg.publish.results import TooManyResults, write_boolean, write_solutions
from atlas_kg.publish.sparql import (
    ProtocolError,
    QueryService,
    QueryTimeout,
    check_query,
    has_dataset_clause,
    keywords,
    parse_operation,
    service_iris,
)

BASE = "https://w3id.org/atlas-kg/id/"

# -- escaping --------------------------------------------------------------------------


def test_every_interpolated_value_is_escaped() -> None:
    out = html("<p title='{}'>{}</p>", "a'b\"c", "<script>alert(1)</script>")
    assert out == "<p title='a&#x27;b&quot;c'>&lt;script&gt;alert(1)&lt;/script&gt;</p>"
    assert isinstance(out, Markup)
    # Markup is kept as it is; concatenating a plain string escapes it.
    assert html("<div>{}</div>", html("<b>{}</b>", "&")) == "<div><b>&amp;</b></div>"
    assert Markup("<i>") + "<b>" == "<i>&lt;b&gt;"
    assert join(["<a>", Markup("<br>")], "|") == "&lt;a&gt;|<br>"
    assert escape(None) == ""


# -- content negotiation ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, "text/html"),
        ("*/*", "text/html"),
        ("text/turtle", "text/turtle"),
        ("application/ld+json", "application/ld+json"),
        ("application/n-triples", "application/n-triples"),
        ("application/rdf+xml", "application/rdf+xml"),
        ("text/html;q=0.5, text/turtle;q=0.9", "text/turtle"),
        ("text/*;q=0.2, text/turtle;q=0.1", "text/html"),
        ("text/turtle;q=0, */*;q=0.1", "text/html"),
        # rdflib's Accept when no format is given.
        ("application/rdf+xml, text/n3, text/turtle, application/n-triples, application/ld+json",
         "text/turtle"),
        ("image/png", None),
    ],
)  # fmt: skip
def test_negotiate_documents(accept: str | None, expected: str | None) -> None:
    offers = [
        "text/html",
        "text/turtle",
        "application/ld+json",
        "application/n-triples",
        "application/rdf+xml",
    ]
    assert negotiate(accept, offers) == expected


def test_accept_parsing_skips_garbage() -> None:
    assert parse_accept("text/html;q=x, nonsense, application/json;q=0.5") == [
        ("text", "html", 0.0),
        ("application", "json", 0.5),
    ]
    assert by_extension("ttl").media_type == "text/turtle"
    assert by_extension("json").name == "jsonld"
    assert by_extension("exe") is None


# -- links -----------------------------------------------------------------------------


def test_links_map_iris_to_documents() -> None:
    links = Links(BASE, "/atlas/")
    assert links.id_url(BASE + "partnership/1") == "/atlas/id/partnership/1"
    assert (
        links.doc(BASE + "partnership/1/funding/2/amount", "ttl") == "/atlas/doc/partnership/1.ttl"
    )
    assert (
        links.doc(BASE + "partnership/1/funding/2/amount")
        == "/atlas/doc/partnership/1.html#funding-2-amount"
    )
    assert links.href("https://example.org/x") == "https://example.org/x"
    assert links.href("mailto:a@b.fr") == "mailto:a@b.fr"
    assert links.href("javascript:alert(1)") is None
    assert links.href("data:text/html,<script>") is None
    static = Links(BASE, "/", static=True, known=["https://w3id.org/atlas-kg/def/theme/eau"])
    assert static.href("https://w3id.org/atlas-kg/def/theme/eau").startswith("/resource/")


# -- protocol requests -----------------------------------------------------------------


def test_parse_get_post_form_and_direct() -> None:
    op = parse_operation(
        "GET", [("query", "ASK {}"), ("default-graph-uri", "http://g/1")], None, b""
    )
    assert op is not None and op.query == "ASK {}"
    assert op.default_graphs == ["http://g/1"] and op.named_graphs == []
    op = parse_operation(
        "POST", [], "application/x-www-form-urlencoded", b"query=ASK%20%7B%7D&%24x=%22a%22"
    )
    assert op is not None and op.query == "ASK {}" and op.bindings == {"x": '"a"'}
    op = parse_operation(
        "POST", [], "application/sparql-query; charset=UTF-8", "ASK { ?s ?p 'é' }".encode()
    )
    assert op is not None and op.query == "ASK { ?s ?p 'é' }"
    assert op.default_graphs is None and op.named_graphs is None
    assert parse_operation("GET", [], None, b"") is None  # bare GET: service description


@pytest.mark.parametrize(
    ("method", "params", "ctype", "body", "status"),
    [
        ("GET", [("query", "ASK {}"), ("query", "ASK {}")], None, b"", 400),
        ("GET", [("update", "CLEAR ALL")], None, b"", 400),
        ("POST", [], "application/x-www-form-urlencoded", b"update=CLEAR%20ALL", 403),
        ("POST", [], "application/sparql-update", b"INSERT DATA { <a:b> <a:c> <a:d> }", 403),
        ("POST", [], "application/sparql-query; charset=UTF-16", "ASK {}".encode("utf-16"), 400),
        ("POST", [], "text/plain", b"ASK {}", 415),
        ("POST", [], None, b"query=ASK", 415),
        ("POST", [], "application/sparql-query", b"\xff\xfe", 400),
        ("PUT", [("query", "ASK {}")], None, b"", 405),
        ("GET", [("query", "ASK {}"), ("default-graph-uri", "not an iri")], None, b"", 400),
        ("GET", [("query", "ASK {}"), ("$1x", '"a"')], None, b"", 400),
    ],
)
def test_bad_protocol_requests(
    method: str, params: list, ctype: str | None, body: bytes, status: int
) -> None:
    with pytest.raises(ProtocolError) as err:
        parse_operation(method, params, ctype, body)
    assert err.value.status == status


# -- safety checks ---------------------------------------------------------------------


def test_keywords_skip_strings_iris_comments_and_names() -> None:
    q = """PREFIX ex: <http://ex/SERVICE>
    SELECT ?service ?from WHERE { ?s ex:SERVICE "SERVICE <http://x/>" ; ex:p '''FROM''' } # SERVICE"""
    assert "SERVICE" not in keywords(q)
    assert not has_dataset_clause(q)
    assert has_dataset_clause("SELECT * FROM <http://g> { ?s ?p ?o }")
    assert not has_dataset_clause("SELECT * { ?s ?p ?o FILTER(?o < 3 && ?s > 2) }")


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",
        "select * { optional { service silent <http://127.0.0.1:9/> { ?s ?p ?o } } }",
        "PREFIX e: <http://127.0.0.1:9/> ASK { { ?a ?b ?c } UNION { SERVICE e: { ?s ?p ?o } } }",
        "SELECT * { \\u0053ERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",
        "SELECT * { SERVICE ?endpoint { ?s ?p ?o } VALUES ?endpoint { <http://127.0.0.1:9/> } }",
    ],
)
def test_service_calls_are_found_on_the_algebra(query: str) -> None:
    assert service_iris(query), query
    with pytest.raises(ProtocolError) as err:
        check_query(query)
    assert err.value.status == 403 and "SERVICE" in str(err.value)


def test_service_words_that_are_not_calls_pass() -> None:
    for query in (
        'SELECT * { ?s ?p "SERVICE <http://127.0.0.1:9/> { }" }',
        "SELECT ?service { ?s <http://ex/SERVICE> ?service } # SERVICE <http://x/> {}",
        "PREFIX ex: <http://ex/> SELECT * { ?s ex:SERVICE ?o }",
    ):
        assert service_iris(query) == []
        check_query(query)


def test_updates_sent_as_queries_are_refused() -> None:
    for update in ("INSERT DATA { <a:b> <a:c> <a:d> }", "PREFIX x: <a:> DELETE WHERE { ?s ?p ?o }",
                   "CLEAR ALL", "LOAD <http://example.org/x>"):  # fmt: skip
        with pytest.raises(ProtocolError) as err:
            check_query(update)
        assert err.value.status == 403 and "read-only" in str(err.value)


# -- result writers --------------------------------------------------------------------


def _solutions() -> ox.QuerySolutions:
    store = ox.Store()
    g = ox.NamedNode("http://g")
    store.add(
        ox.Quad(
            ox.NamedNode("http://ex/a"),
            ox.NamedNode("http://ex/p"),
            ox.Literal('x\t"y"\nz', language="fr"),
            g,
        )
    )
    store.add(
        ox.Quad(
            ox.NamedNode("http://ex/a"),
            ox.NamedNode("http://ex/q"),
            ox.Literal("3", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")),
            g,
        )
    )
    return store.query("SELECT ?s ?p ?o ?none WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?p")  # type: ignore[return-value]


@pytest.mark.parametrize("fmt", ["json", "xml", "csv", "tsv"])
def test_result_writers_round_trip(fmt: str) -> None:
    body = write_solutions(_solutions(), fmt, 10)
    if fmt == "csv":  # CSV keeps lexical forms only (pyoxigraph does not read it back)
        rows = list(csv.reader(io.StringIO(body.decode(), newline="")))
        assert rows[0] == ["s", "p", "o", "none"]
        assert rows[1] == ["http://ex/a", "http://ex/p", 'x\t"y"\nz', ""]
        assert rows[2] == ["http://ex/a", "http://ex/q", "3", ""]
        return
    parsed = list(ox.parse_query_results(body, format=getattr(ox.QueryResultsFormat, fmt.upper())))
    assert [list(r) for r in parsed] == [list(r) for r in _solutions()]


def test_result_limit_and_booleans() -> None:
    with pytest.raises(TooManyResults):
        write_solutions(_solutions(), "json", 1)
    assert json.loads(write_boolean(True, "json")) == {"head": {}, "boolean": True}
    assert (
        bool(ox.parse_query_results(write_boolean(False, "xml"), format=ox.QueryResultsFormat.XML))
        is False
    )


# -- worker pool -----------------------------------------------------------------------


def test_a_query_over_time_has_its_worker_process_killed(tmp_path) -> None:
    import asyncio

    path = tmp_path / "store"
    store = ox.Store(str(path))
    g = ox.NamedNode("http://g")
    store.extend(
        ox.Quad(ox.NamedNode(f"http://ex/{i}"), ox.NamedNode("http://ex/p"), ox.Literal(str(i)), g)
        for i in range(3000)
    )
    store.flush()
    del store
    service = QueryService(str(path), workers=1, timeout=1.0)
    service.start()
    try:
        (old,) = service.worker_pids()
        old_worker = next(iter(service._all))
        endless = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
        job = {"query": endless, "union": True, "accept": None, "max_results": 10}
        with pytest.raises(QueryTimeout, match="--timeout"):
            asyncio.run(service.run(job))
        assert old_worker.proc.poll() is not None  # the process is gone, not abandoned
        (new,) = service.worker_pids()
        assert new != old and service.killed == 1
        # The fresh worker answers.
        quick = {"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", "union": True, "accept": None,
                 "max_results": 10}  # fmt: skip
        reply = asyncio.run(service.run(quick))
        assert (
            reply.status == 200
            and json.loads(reply.body)["results"]["bindings"][0]["n"]["value"] == "3000"
        )
    finally:
        service.close()
