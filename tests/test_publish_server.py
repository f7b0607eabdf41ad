"""``atlas-kg serve`` against real clients: a server started on 127.0.0.1 by the tests.

The store: 150 synthetic records, the seed page when ``../shared`` is there, and a
record written to attack the pages (``<script>`` in its title and names), plus a
``javascript:`` IRI and a SHACL result (a quality flag) added as their own graphs.
"""

from __future__ import annotations

import contextlib
import gzip
import html
import json
import re
import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
import rdflib
from rdflib.namespace import DCTERMS, RDF
from SPARQLWrapper import JSON, POST, SPARQLWrapper

from atlas_kg.ingest import ingest_records
from atlas_kg.iris import DEFAULT_BASE
from atlas_kg.publish.config import ETALAB_2
from atlas_kg.publish.server import ServerProcess, free_port
from atlas_kg.queries import _value, list_queries, load_query, prepare, run_query
from atlas_kg.rdf import NamedGraph
from atlas_kg.record import (
    DiplomaticPost,
    ForeignPartner,
    Funding,
    Record,
    Source,
    Theme,
)
from atlas_kg.store import open_store
from atlas_kg.synth import generate

pytestmark = pytest.mark.xdist_group("publish_server")

SHARED = Path(__file__).resolve().parent.parent.parent / "shared"
XSS_TITLE = "<script>alert(1)</script> & « coopération »"
XSS_FRENCH = '<img src=x onerror="alert(2)">Ville'
XSS_ID = 99001
SH = "http://www.w3.org/ns/shacl#"


def attack_record() -> Record:
    """A record whose texts try to break out of HTML."""
    return Record(
        source=Source(atlas_id=XSS_ID, path="attack.txt", warnings=["line 3: <b>bold</b> warning"]),
        title=XSS_TITLE,
        diplomatic_posts=[DiplomaticPost(name="Ambassade de France à Dakar")],
        theme=Theme(theme="Economie durable"),
        start_year=2020,
        status="ongoing",
        context="line one\nline two </textarea><script>alert(3)</script>",
        french_partners=[XSS_FRENCH],
        foreign_partners=[ForeignPartner(name="Commune de Testville", country="Sénégal")],
        funding=[Funding(funder="Région <b>Bretagne</b>", amount_eur=1000, year=2020)],
    )


def build_store(path: Path, *, records: int = 150, base: str = DEFAULT_BASE) -> dict[str, str]:
    """A store for the publishing tests; returns IRIs the tests look at."""
    store = open_store(path)
    try:
        recs = list(generate(records, 11)) if records else []
        recs.append(attack_record())
        if (SHARED / "seeds").is_dir():
            from atlas_kg.parse import parse_file

            seed = parse_file(SHARED / "seeds" / "000_4d9583dcafd7f051.txt")
            seed.source.atlas_id = 12695
            recs.append(seed)
        report = ingest_records(store, recs, base=base)
        assert report.ok, report.summary()
        partnership = f"{base}partnership/{XSS_ID}"
        collectivity = next(
            row["c"].value
            for row in store.query(
                "SELECT ?p ?c WHERE { ?p akg:frenchPartner ?c }",
                substitutions={"p": ox.NamedNode(partnership)},
            )
        )
        # A javascript: IRI and a quality flag (SHACL result), each in its own graph.
        g = ox.NamedNode(base + "graph/test-extra")
        flag = ox.NamedNode(base + "graph/test-extra#flag")
        quads = [
            ox.Quad(ox.NamedNode(partnership), ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#seeAlso"),
                    ox.NamedNode("javascript:alert(4)"), g),
            ox.Quad(flag, ox.NamedNode(RDF.type), ox.NamedNode(SH + "ValidationResult"), g),
            ox.Quad(flag, ox.NamedNode(SH + "focusNode"), ox.NamedNode(collectivity), g),
            ox.Quad(flag, ox.NamedNode(SH + "resultSeverity"), ox.NamedNode(SH + "Warning"), g),
            ox.Quad(flag, ox.NamedNode(SH + "resultMessage"),
                    ox.Literal("French commune listed as a foreign partner <script>alert(5)</script>"), g),
        ]  # fmt: skip
        row_flag = ox.NamedNode(base + "graph/test-extra#row-flag")
        quads += [
            ox.Quad(row_flag, ox.NamedNode(SH + "focusNode"), ox.NamedNode(partnership + "/funding/1"), g),
            ox.Quad(row_flag, ox.NamedNode(SH + "resultSeverity"), ox.NamedNode(SH + "Violation"), g),
            ox.Quad(row_flag, ox.NamedNode(SH + "resultMessage"), ox.Literal("funding year outside the partnership's years"), g),
        ]  # fmt: skip
        store.replace_records([NamedGraph(g.value, quads, "test")])
        return {"partnership": partnership, "collectivity": collectivity, "base": base}
    finally:
        store.close()


@pytest.fixture(scope="module")
def served(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[ServerProcess, dict[str, str], Path]]:
    path = tmp_path_factory.mktemp("publish") / "store"
    iris = build_store(path)
    with ServerProcess(path, timeout=3, max_results=2000, workers=2) as server:
        yield server, iris, path


@pytest.fixture(scope="module")
def client(served: tuple) -> Iterator[httpx.Client]:
    server, _, _ = served
    with httpx.Client(base_url=server.url, timeout=60) as c:
        yield c


@pytest.fixture(scope="module")
def local_store(served: tuple) -> Iterator:
    """The served store, opened read-only by the test too (to compare with the library)."""
    _, _, path = served
    store = open_store(path, read_only=True)
    yield store
    store.close()


def rest(iri: str, base: str = DEFAULT_BASE) -> str:
    return iri[len(base) :]


# -- dereferencing ---------------------------------------------------------------------


def test_rdflib_follows_the_303_to_the_entity_triples(served: tuple) -> None:
    server, iris, _ = served
    g = rdflib.Graph().parse(server.url + "id/" + rest(iris["partnership"]))
    subject = rdflib.URIRef(iris["partnership"])
    assert (subject, DCTERMS.title, rdflib.Literal(XSS_TITLE, lang="fr")) in g
    assert (subject, RDF.type, rdflib.URIRef("https://w3id.org/atlas-kg/def#Partnership")) in g
    # The partnership's rows are in its document.
    assert any(str(s).startswith(iris["partnership"] + "/funding/") for s in g.subjects())


@pytest.mark.parametrize(
    ("accept", "ext", "content_type", "rdflib_format"),
    [
        ("text/turtle", "ttl", "text/turtle", "turtle"),
        ("application/ld+json", "jsonld", "application/ld+json", "json-ld"),
        ("application/n-triples", "nt", "application/n-triples", "nt"),
        ("application/rdf+xml", "rdf", "application/rdf+xml", "xml"),
        ("text/html", "html", "text/html", None),
        (
            "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
            "html",
            "text/html",
            None,
        ),
        ("*/*", "html", "text/html", None),
    ],
)
def test_each_accept_gets_its_document(client: httpx.Client, served: tuple, accept: str, ext: str,
                                       content_type: str, rdflib_format: str | None) -> None:  # fmt: skip
    _, iris, _ = served
    path = rest(iris["collectivity"])
    r = client.get("id/" + path, headers={"Accept": accept})
    assert r.status_code == 303
    assert "Accept" in r.headers["vary"]
    assert r.headers["location"].endswith(f"/doc/{path}.{ext}")
    doc = client.get(r.headers["location"])
    assert doc.status_code == 200
    assert doc.headers["content-type"].split(";")[0] == content_type
    if rdflib_format:
        g = rdflib.Graph().parse(data=doc.content, format=rdflib_format)
        assert (rdflib.URIRef(iris["collectivity"]), RDF.type, None) in g
    # The same form by extension, on the IRI and on the document.
    by_ext = client.get(f"id/{path}.{ext}")
    assert by_ext.status_code == 303 and by_ext.headers["location"].endswith(f"/doc/{path}.{ext}")
    negotiated = client.get("doc/" + path, headers={"Accept": accept})
    assert negotiated.headers["content-type"].split(";")[0] == content_type
    assert "Accept" in negotiated.headers["vary"]
    assert negotiated.headers["content-location"].endswith(f"{path}.{ext}")


def test_a_funding_total_page_is_titled_by_what_it_sums(client: httpx.Client, local_store) -> None:
    rdfs, akg = "http://www.w3.org/2000/01/rdf-schema#", "https://w3id.org/atlas-kg/def#"
    (total, label), *_ = [
        (r["t"].value, r["l"].value)
        for r in local_store.query(
            f"SELECT ?t ?l WHERE {{ ?t a <{akg}FundingTotal> ; <{akg}totalFunder> ?f ; "
            f'<{rdfs}label> ?l FILTER(LANG(?l) = "fr") }} ORDER BY ?t'
        )
    ]
    assert label.startswith("Financements – ")
    page = client.get("doc/" + rest(total) + ".html").text
    title = re.search(r"<h1>(.*?)</h1>", page, flags=re.S)
    assert title and html.unescape(title.group(1)).startswith(label), page


def test_rows_and_unknown_iris(client: httpx.Client, served: tuple) -> None:
    _, iris, _ = served
    r = client.get(
        "id/" + rest(iris["partnership"]) + "/funding/1", headers={"Accept": "text/turtle"}
    )
    assert r.status_code == 303 and r.headers["location"].endswith(f"/doc/partnership/{XSS_ID}.ttl")
    r = client.get(
        "id/" + rest(iris["partnership"]) + "/funding/1", headers={"Accept": "text/html"}
    )
    assert r.headers["location"].endswith(f"/doc/partnership/{XSS_ID}.html#funding-1")
    for path in ("id/partnership/0000", "doc/collectivity/fr/nowhere.html", "nothing/here"):
        r = client.get(path, headers={"Accept": "text/turtle"})
        assert r.status_code == 404, path
        assert r.headers["content-type"].startswith("text/html")
        assert "<h1>Not found</h1>" in r.text
    r = client.get("id/" + rest(iris["partnership"]), headers={"Accept": "image/png"})
    assert r.status_code == 406


def test_base_maps_onto_the_server(tmp_path: Path) -> None:
    """Data minted under the server's own URL: its IRIs dereference as they are."""
    port = free_port()
    base = f"http://127.0.0.1:{port}/id/"
    iris = build_store(tmp_path / "store", records=0, base=base)
    licence = "https://creativecommons.org/licenses/by/4.0/"
    with ServerProcess(tmp_path / "store", port=port, base=base,
                       extra_args=["--licence", licence]) as server:  # fmt: skip
        g = rdflib.Graph().parse(iris["partnership"])  # the IRI itself
        assert (rdflib.URIRef(iris["partnership"]), DCTERMS.title, None) in g
        page = httpx.get(
            iris["collectivity"], headers={"Accept": "text/html"}, follow_redirects=True
        )
        assert page.status_code == 200 and "&lt;img src=x" in page.text
        void = rdflib.Graph().parse(data=httpx.get(server.url + "void").content, format="turtle")
        assert (None, DCTERMS.license, rdflib.URIRef(licence)) in void
        assert (
            None,
            rdflib.URIRef("http://rdfs.org/ns/void#uriSpace"),
            rdflib.Literal(base),
        ) in void


# -- pages -----------------------------------------------------------------------------


def test_partnership_page_escapes_and_links(client: httpx.Client, served: tuple) -> None:
    _, iris, _ = served
    r = client.get(f"doc/partnership/{XSS_ID}.html")
    assert r.status_code == 200
    page = r.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; « coopération »" in page
    for raw in ("<script", "<img src=x", "<b>Bretagne", "<b>bold", 'href="javascript:'):
        assert raw not in page, raw
    assert "<code>javascript:alert(4)</code>" in page  # shown, not linked
    assert "default-src 'none'" in r.headers["content-security-policy"]
    for media, ext in (("text/turtle", "ttl"), ("application/ld+json", "jsonld"),
                       ("application/n-triples", "nt"), ("application/rdf+xml", "rdf")):  # fmt: skip
        assert (
            f'<link rel="alternate" type="{media}" href="/doc/partnership/{XSS_ID}.{ext}">' in page
        )
    # Statements link to their objects' pages, with labels.
    assert f'href="/doc/{rest(iris["collectivity"])}.html"' in page
    assert '<section id="funding-1">' in page
    # A quality flag on one of its rows.
    assert (
        '<section id="quality">' in page
        and "funding year outside the partnership&#x27;s years" in page
    )
    assert "on funding/1" in page
    # Provenance: the Atlas page, the file, the warning.
    assert f"criteres.prjId={XSS_ID}" in page
    assert "attack.txt" in page and "&lt;b&gt;bold&lt;/b&gt; warning" in page


def test_collectivity_page_lists_partnerships_and_flags(
    client: httpx.Client, served: tuple
) -> None:
    _, iris, _ = served
    page = client.get(f"doc/{rest(iris['collectivity'])}.html").text
    assert "&lt;img src=x onerror=&quot;alert(2)&quot;&gt;Ville" in page
    assert '<section id="incoming">' in page and "French partner" in page
    assert f'href="/doc/partnership/{XSS_ID}.html"' in page  # its partnership
    assert '<section id="quality">' in page
    assert (
        "French commune listed as a foreign partner &lt;script&gt;alert(5)&lt;/script&gt;" in page
    )


def test_home_page(client: httpx.Client, local_store) -> None:
    page = client.get("", headers={"Accept": "text/html"}).text
    assert "Partnerships by country" in page and "Sénégal" in page
    assert "Partnerships by diplomatic post" in page and "Ambassade de France à Dakar" in page
    assert "Partnerships by theme" in page and "Economie durable" in page
    assert 'action="/search"' in page
    for q in list_queries():
        assert f'action="/queries/{q.name}"' in page
    assert 'href="/network"' in page and "Licence Ouverte / Etalab 2.0" in page
    assert str(local_store.stats().records) in page


def test_search(client: httpx.Client, served: tuple) -> None:
    _, iris, _ = served
    page = client.get("search", params={"q": "commune de TESTVILLE"}).text
    assert "Commune de Testville" in page
    found = client.get(
        "search", params={"q": "testville"}, headers={"Accept": "application/json"}
    ).json()
    assert any(item["label"] == "Commune de Testville" for item in found)
    assert "Nothing is named like" in client.get("search", params={"q": "zzzqqq"}).text


def test_vocabulary_pages(client: httpx.Client) -> None:
    theme = "https://w3id.org/atlas-kg/def/theme/economie-durable"
    page = client.get("resource", params={"iri": theme})
    assert page.status_code == 200 and "Economie durable" in page.text
    assert f"partnership/{XSS_ID}" in page.text  # partnerships with this theme link here
    assert client.get("resource", params={"iri": "http://nowhere.example/x"}).status_code == 404


def test_network_view(client: httpx.Client) -> None:
    r = client.get("network")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "sigma" in r.text.lower()


# -- SPARQL ----------------------------------------------------------------------------


def _terms(binding: dict | None) -> ox.NamedNode | ox.Literal | ox.BlankNode | None:
    if binding is None:
        return None
    if binding["type"] == "uri":
        return ox.NamedNode(binding["value"])
    if binding["type"] == "bnode":
        return ox.BlankNode(binding["value"])
    if "xml:lang" in binding:
        return ox.Literal(binding["value"], language=binding["xml:lang"])
    if "datatype" in binding:
        return ox.Literal(binding["value"], datatype=ox.NamedNode(binding["datatype"]))
    return ox.Literal(binding["value"])


SAMPLE_VALUES = {
    "country": "Sénégal",
    "theme": "economie durable",
    "status": "ongoing",
    "post": "Ambassade de France à Dakar",
    "funder": "Région Bretagne",
}
"""Values for parameters by name; other labels are collectivity names, integers a year."""


def _params(query) -> list[dict[str, str]]:
    """Each named query with its required parameters only, then with all of them."""

    def value(p) -> str:
        if p.type == "integer":
            return "2020"
        if p.type == "boolean":
            return "true"
        if p.type == "iri":
            return f"{DEFAULT_BASE}partnership/{XSS_ID}"
        return SAMPLE_VALUES.get(p.name, "commune de testville")

    required = {p.name: value(p) for p in query.params if p.required}
    every = {p.name: value(p) for p in query.params}
    return [required, every] if every != required else [required]


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_sparqlwrapper_runs_every_named_query(served: tuple, local_store, method: str) -> None:
    server, _, _ = served
    compared = 0
    for query in list_queries():
        for params in _params(query):
            expected = run_query(local_store, query, params)
            text, substitutions = prepare(query, params)
            sw = SPARQLWrapper(server.url + "sparql")
            sw.setQuery(text)
            sw.setReturnFormat(JSON)
            if method == "POST":
                sw.setMethod(POST)
            for var, term in substitutions.items():
                sw.addParameter(f"${var}", str(term))  # bound by the server, not spliced
            result = sw.queryAndConvert()
            rows = [
                {c: _value(_terms(b.get(c))) for c in query.columns}
                for b in result["results"]["bindings"]  # type: ignore[index]
            ]
            assert rows == expected.rows, (query.name, params)
            compared += 1
    assert compared >= len(list_queries())


@pytest.mark.parametrize(
    ("accept", "media", "fmt"),
    [
        (
            "application/sparql-results+json",
            "application/sparql-results+json",
            ox.QueryResultsFormat.JSON,
        ),
        (
            "application/sparql-results+xml",
            "application/sparql-results+xml",
            ox.QueryResultsFormat.XML,
        ),
        ("text/tab-separated-values", "text/tab-separated-values", ox.QueryResultsFormat.TSV),
        ("text/csv", "text/csv", None),
        ("*/*", "application/sparql-results+json", ox.QueryResultsFormat.JSON),
    ],
)
def test_select_result_formats(client: httpx.Client, accept: str, media: str, fmt) -> None:
    query = (
        "SELECT ?p ?title WHERE { ?p a akg:Partnership ; dcterms:title ?title } ORDER BY ?p LIMIT 5"
    )
    r = client.get("sparql", params={"query": query}, headers={"Accept": accept})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].split(";")[0] == media
    if fmt is not None:
        rows = list(ox.parse_query_results(r.content, format=fmt))
        assert len(rows) == 5 and all(isinstance(row["title"], ox.Literal) for row in rows)
    else:
        assert r.text.splitlines()[0] == "p,title" and len(r.text.strip().splitlines()) == 6


@pytest.mark.parametrize(
    ("accept", "media", "rdflib_format"),
    [
        ("text/turtle", "text/turtle", "turtle"),
        ("application/n-triples", "application/n-triples", "nt"),
        ("application/rdf+xml", "application/rdf+xml", "xml"),
        ("application/ld+json", "application/ld+json", "json-ld"),
    ],
)
def test_graph_result_formats(client: httpx.Client, served: tuple, accept: str, media: str,
                              rdflib_format: str) -> None:  # fmt: skip
    _, iris, _ = served
    r = client.post(
        "sparql",
        content=f"DESCRIBE <{iris['partnership']}>".encode(),
        headers={"Content-Type": "application/sparql-query", "Accept": accept},
    )
    assert r.status_code == 200 and r.headers["content-type"].split(";")[0] == media
    g = rdflib.Graph().parse(data=r.content, format=rdflib_format)
    assert (rdflib.URIRef(iris["partnership"]), DCTERMS.title, None) in g


def test_service_description_and_editor(client: httpx.Client, served: tuple) -> None:
    server, _, _ = served
    r = client.get("sparql", headers={"Accept": "text/turtle"})
    g = rdflib.Graph().parse(data=r.content, format="turtle")
    sd = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
    assert (None, sd.endpoint, rdflib.URIRef(server.url + "sparql")) in g
    assert (None, sd.supportedLanguage, sd.SPARQL11Query) in g
    r = client.get("sparql", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert r.status_code == 200 and "/static/yasgui/yasgui.min.js" in r.text
    config = r.text.split('id="atlas-sparql-config">')[1].split("</script>")[0]
    examples = json.loads(config)["examples"]
    assert {e["name"] for e in examples} == {q.name for q in list_queries()}
    assert client.get("static/yasgui/yasgui.min.js").status_code == 200
    # A browser following a link to a query gets the editor with the query in it.
    r = client.get("sparql", params={"query": "ASK { ?s ?p ?o }"}, headers={"Accept": "text/html"})
    config = r.text.split('id="atlas-sparql-config">')[1].split("</script>")[0]
    assert json.loads(config)["initial"] == "ASK { ?s ?p ?o }"


def test_serve_command_errors(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from atlas_kg.cli import main

    missing = CliRunner().invoke(main, ["--store", str(tmp_path / "none"), "serve"])
    assert (
        missing.exit_code == 2
        and "no store at" in missing.output
        and "Traceback" not in missing.output
    )
    bad = CliRunner().invoke(main, ["--store", str(tmp_path), "serve", "--public-url", "ftp://x"])
    assert bad.exit_code == 2 and "--public-url" in bad.output
    assert CliRunner().invoke(main, ["serve", "--timeout", "0"]).exit_code == 2


def test_a_long_query_is_stopped_with_an_explanation(client: httpx.Client) -> None:
    endless = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    r = client.get("sparql", params={"query": endless})
    assert r.status_code == 503
    assert "stopped after" in r.text and "--timeout" in r.text
    # The endpoint still answers (a fresh worker took the killed one's place).
    ok = client.get("sparql", params={"query": "ASK { ?s ?p ?o }"})
    assert ok.status_code == 200 and ok.json()["boolean"] is True


def test_updates_and_service_are_refused(client: httpx.Client) -> None:
    insert = "INSERT DATA { <http://ex/a> <http://ex/b> <http://ex/c> }"
    for request in (
        {"data": {"update": insert}},
        {"content": insert.encode(), "headers": {"Content-Type": "application/sparql-update"}},
        {"data": {"query": insert}},
    ):
        r = client.post("sparql", **request)  # type: ignore[arg-type]
        assert r.status_code == 403 and "read-only" in r.text
    assert client.get("sparql", params={"update": insert}).status_code == 400
    assert (
        client.get("sparql", params={"query": "ASK { <http://ex/a> ?p ?o }"}).json()["boolean"]
        is False
    )
    service = "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"
    r = client.get("sparql", params={"query": service})
    assert r.status_code == 403 and "SERVICE" in r.text and "http://127.0.0.1:9/" in r.text


def test_result_size_limit(client: httpx.Client) -> None:
    r = client.get("sparql", params={"query": "SELECT * WHERE { ?s ?p ?o }"})
    assert r.status_code == 422 and "more than 2000 rows" in r.text and "--max-results" in r.text


def test_a_10_mb_query_is_refused_cleanly(client: httpx.Client, served: tuple) -> None:
    server, _, _ = served
    big = "SELECT * WHERE { ?s ?p ?o } #" + "x" * 10_000_000
    r = client.post(
        "sparql", content=big.encode(), headers={"Content-Type": "application/sparql-query"}
    )
    assert r.status_code == 413 and "at most" in r.text
    r = client.post("sparql", data={"query": big})
    assert r.status_code == 413
    # As a GET, the request line alone is too long for the HTTP layer: 400.
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as s:
        # The server answers and closes before reading it all: sending may fail.
        with contextlib.suppress(OSError):
            s.sendall(b"GET /sparql?query=" + b"x" * 10_000_000 + b" HTTP/1.1\r\nHost: t\r\n\r\n")
        answer = s.recv(200)
    assert answer.startswith(b"HTTP/1.1 400")
    assert client.get("sparql", params={"query": "ASK {}"}).status_code == 200


def test_protocol_errors_and_cors(client: httpx.Client) -> None:
    assert client.get("sparql", params={"query": "SELECT * WHERE {"}).status_code == 400
    r = client.get(
        "sparql", params={"query": "ASK {}"}, headers={"Origin": "https://elsewhere.example"}
    )
    assert r.headers["access-control-allow-origin"] == "*"
    pre = client.options(
        "sparql",
        headers={
            "Origin": "https://elsewhere.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert pre.status_code == 200 and "POST" in pre.headers["access-control-allow-methods"]
    doc = client.get(f"doc/partnership/{XSS_ID}.ttl", headers={"Origin": "https://x.example"})
    assert doc.headers["access-control-allow-origin"] == "*"


def test_protocol_dataset_and_bindings(client: httpx.Client, served: tuple) -> None:
    _, iris, _ = served
    graph = f"{DEFAULT_BASE}graph/partnership/{XSS_ID}"
    count = "SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?p a akg:Partnership }"
    one = client.get("sparql", params={"query": count, "default-graph-uri": graph}).json()
    assert one["results"]["bindings"][0]["n"]["value"] == "1"
    bound = client.get(
        "sparql",
        params={
            "query": "SELECT ?p ?t WHERE { ?p dcterms:title ?t }",
            "$p": f"<{iris['partnership']}>",
        },
    ).json()
    assert [b["t"]["value"] for b in bound["results"]["bindings"]] == [XSS_TITLE]


# -- named queries, VoID, dumps --------------------------------------------------------


def test_named_query_api(client: httpx.Client, local_store) -> None:
    expected = run_query(local_store, "partnerships", {"country": "senegal"})
    r = client.get("queries/partnerships", params={"country": "senegal"})
    assert r.status_code == 200 and r.json()["rows"] == json.loads(json.dumps(expected.rows))
    csv_text = client.get("queries/partnerships.csv", params={"country": "senegal"}).text
    assert csv_text.splitlines()[0] == ",".join(expected.columns)
    assert len(csv_text.strip().splitlines()) == len(expected) + 1
    assert (
        client.get("queries/partnerships", params={"country": "senegal", "format": "csv"}).text
        == csv_text
    )
    assert (
        client.get("queries/partnerships", params={"limit": "2"}).json()["rows"]
        == run_query(local_store, "partnerships", limit=2).rows
    )
    bad = client.get("queries/partnerships", params={"pays": "x"})
    assert bad.status_code == 400 and "unknown parameter" in bad.json()["error"]
    missing = client.get("queries/collectivity")
    assert missing.status_code == 400 and "missing required" in missing.json()["error"]
    assert client.get("queries/no_such_query").status_code == 404
    doc = client.get("queries/collectivity", headers={"Accept": "text/html"}).text
    assert "the collectivity&#x27;s name" in doc and "<h2>Parameters</h2>" in doc
    assert "<h3>Without filters</h3>" not in doc
    listing = client.get("queries/partnerships", headers={"Accept": "text/html"}).text
    texts = re.findall(r"<pre>(.*?)</pre>", listing, flags=re.S)
    partnerships = load_query("partnerships")
    assert [html.unescape(t) for t in texts] == [partnerships.sparql, partnerships.unfiltered]
    assert "<h3>Without filters</h3>" in listing
    table = client.get(
        "queries/collectivity", params={"name": "Commune de Testville", "format": "html"}
    ).text
    assert "<h2>Results</h2>" in table and "1 row(s)" in table
    index = client.get("queries", headers={"Accept": "application/json"}).json()
    assert {q["name"] for q in index} == {q.name for q in list_queries()}


def test_void(client: httpx.Client, served: tuple, local_store) -> None:
    server, iris, _ = served
    VOID = rdflib.Namespace("http://rdfs.org/ns/void#")
    DCAT = rdflib.Namespace("http://www.w3.org/ns/dcat#")
    text = client.get("void").content
    assert client.get(".well-known/void").content == text
    g = rdflib.Graph().parse(data=text, format="turtle")
    ds = next(g.subjects(RDF.type, VOID.Dataset))
    assert (ds, VOID.sparqlEndpoint, rdflib.URIRef(server.url + "sparql")) in g
    dumps = set(g.objects(ds, VOID.dataDump))
    assert dumps == {
        rdflib.URIRef(server.url + "dumps/atlas-kg.nq.gz"),
        rdflib.URIRef(server.url + "dumps/atlas-kg.ttl"),
    }
    assert (ds, DCTERMS.license, rdflib.URIRef(ETALAB_2)) in g
    assert (ds, VOID.uriSpace, rdflib.Literal(DEFAULT_BASE)) in g
    assert (ds, rdflib.URIRef("http://www.w3.org/ns/dcat#distribution"), None) in g
    partnerships = local_store.stats().entities["akg:Partnership"]
    parts = {g.value(p, VOID["class"]): p for p in g.objects(ds, VOID.classPartition)}
    akg_partnership = rdflib.URIRef("https://w3id.org/atlas-kg/def#Partnership")
    assert int(g.value(parts[akg_partnership], VOID.entities)) == partnerships
    assert int(g.value(parts[akg_partnership], VOID.triples)) > partnerships
    assert int(g.value(ds, VOID.triples)) > 0
    assert set(g.objects(ds, VOID.exampleResource))
    source = rdflib.URIRef("https://pastel.diplomatie.gouv.fr/cncdext/dyn/public/atlas/")
    assert (source, DCTERMS.license, rdflib.URIRef(ETALAB_2)) in g
    assert any("Ministry of Europe and Foreign Affairs" in str(o) for o in g.objects(None, None))
    assert (None, DCAT.servesDataset, ds) in g


def test_the_site_sorts_its_lists_as_an_order_by_would(local_store) -> None:
    """The site's version and its list of subjects are sorted in Python (an ORDER BY reads
    each IRI's text from disk at every comparison): same digest, same list."""
    import hashlib

    from atlas_kg.publish.entities import Q_LOCAL_SUBJECTS, Q_VERSION, SiteData
    from atlas_kg.publish.links import Links

    links = Links(DEFAULT_BASE)
    data = SiteData.load(local_store, links)
    digest = hashlib.sha256()
    for r in local_store.query(Q_VERSION + " ORDER BY ?g ?h"):
        digest.update(f"{r['g'].value} {r['h'].value}\n".encode())
    digest.update(str(local_store.quad_count()).encode())
    assert data.version == digest.hexdigest()[:20]
    ordered = local_store.query(
        Q_LOCAL_SUBJECTS + " ORDER BY ?s", substitutions={"base": ox.Literal(DEFAULT_BASE)}
    )
    subjects = [r["s"].value for r in ordered if links.document_of(r["s"].value)[0] == r["s"].value]
    assert data.local_subjects() == subjects and len(subjects) >= 10


def test_dumps_with_etag_and_304(client: httpx.Client, local_store) -> None:
    r = client.get("dumps/atlas-kg.nq.gz")
    assert r.status_code == 200
    etag, modified = r.headers["etag"], r.headers["last-modified"]
    quads = list(ox.parse(gzip.decompress(r.content), format=ox.RdfFormat.N_QUADS))
    assert len(quads) == local_store.quad_count()
    assert client.get("dumps/atlas-kg.nq.gz", headers={"If-None-Match": etag}).status_code == 304
    assert (
        client.get("dumps/atlas-kg.nq.gz", headers={"If-None-Match": '"other"'}).status_code == 200
    )
    assert (
        client.get("dumps/atlas-kg.nq.gz", headers={"If-Modified-Since": modified}).status_code
        == 304
    )
    earlier = format_datetime(datetime(2001, 1, 1, tzinfo=UTC), usegmt=True)
    assert (
        client.get("dumps/atlas-kg.nq.gz", headers={"If-Modified-Since": earlier}).status_code
        == 200
    )
    ttl = client.get("dumps/atlas-kg.ttl")
    assert ttl.headers["content-type"].startswith("text/turtle") and ttl.headers["etag"] != etag
    assert len(rdflib.Graph().parse(data=ttl.content, format="turtle")) > 0
    assert (
        client.get("dumps/atlas-kg.ttl", headers={"If-None-Match": ttl.headers["etag"]}).status_code
        == 304
    )
    assert client.get("dumps/nothing.nq").status_code == 404
