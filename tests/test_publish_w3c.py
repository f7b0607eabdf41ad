"""The W3C SPARQL 1.1 Protocol tests (``../shared/w3c-sparql11-protocol``) against ``/sparql``.

A small harness: the ``data*.nt`` files are loaded into a store, each in the named graph
its test names; the server is started over it; each test's requests are sent as written
(method, path, headers, body in its encoding) and the status, content type and result
checked. Every query test must pass. The update tests are run too: the endpoint is
read-only, so their update request is refused, and the report says so with the status.
The outcome of every test is written to ``build/test-artifacts/w3c-protocol-report.txt``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
import rdflib
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS

from atlas_kg.publish.server import ServerProcess

pytestmark = pytest.mark.xdist_group("publish_w3c")

ROOT = Path(__file__).resolve().parent.parent
REPORT = ROOT / "build" / "test-artifacts" / "w3c-protocol-report.txt"
MF = rdflib.Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = rdflib.Namespace("http://www.w3.org/2011/http#")
CNT = rdflib.Namespace("http://www.w3.org/2011/content#")
UT = rdflib.Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
HTS = "http://www.w3.org/2011/http-statusCodes#StatusCode"
BOOLEAN_TYPES = {"application/sparql-results+json", "application/sparql-results+xml"}
TABULAR_TYPES = BOOLEAN_TYPES | {"text/csv", "text/tab-separated-values"}
RDF_TYPES = {
    "application/rdf+xml": "xml",
    "text/turtle": "turtle",
    "application/n-triples": "nt",
    "application/ld+json": "json-ld",
}


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes | None
    statuses: set[str]
    expected_format: str | None
    expected_boolean: bool | None


@dataclass
class ProtocolTest:
    name: str
    label: str
    requests: list[Request]
    graphs: dict[str, str] = field(default_factory=dict)
    """Data file → named graph IRI."""

    @property
    def is_update(self) -> bool:
        return self.name.startswith("update_")


def load_manifest(folder: Path) -> list[ProtocolTest]:
    g = rdflib.Graph().parse(folder / "manifest.ttl", format="turtle")
    manifest = next(g.subjects(RDF.type, MF.Manifest))
    tests = []
    for entry in Collection(g, g.value(manifest, MF.entries)):
        name = str(entry).rsplit("#", 1)[-1]
        action = g.value(entry, MF.action)
        requests = []
        for req in Collection(g, g.value(action, HT.requests)):
            headers = {}
            header_list = g.value(req, HT.headers)
            if header_list is not None:
                for h in Collection(g, header_list):
                    headers[str(g.value(h, HT.fieldName))] = str(g.value(h, HT.fieldValue))
            body = None
            body_node = g.value(req, HT.body)
            if body_node is not None:
                encoding = str(g.value(body_node, CNT.characterEncoding) or "UTF-8")
                body = str(g.value(body_node, CNT.chars)).encode(encoding)
            resp = g.value(req, HT.resp)
            boolean = g.value(resp, MF.expectedBoolean)
            fmt = g.value(resp, MF.expectedFormat)
            requests.append(
                Request(
                    method=str(g.value(req, HT.methodName)),
                    path=str(g.value(req, HT.absolutePath)),
                    headers=headers,
                    body=body,
                    statuses={str(s).removeprefix(HTS) for s in g.objects(resp, MF.expectedStatus)},
                    expected_format=str(fmt) if fmt is not None else None,
                    expected_boolean=boolean.toPython() if boolean is not None else None,
                )
            )
        graphs = {
            str(g.value(d, UT.graph)).rsplit("/", 1)[-1]: str(g.value(d, RDFS.label))
            for d in g.objects(entry, UT.graphData)
        }
        tests.append(ProtocolTest(name, str(g.value(entry, MF.name)), requests, graphs))
    return tests


def check(response: httpx.Response, req: Request) -> str | None:
    """Why the response does not meet the request's expectations (None: it does)."""
    status_class = f"{response.status_code // 100}xx"
    if status_class not in req.statuses:
        return f"status {response.status_code}, expected {' or '.join(sorted(req.statuses))}"
    media = response.headers.get("content-type", "").split(";")[0].strip()
    if req.expected_format == "boolean":
        if media not in BOOLEAN_TYPES:
            return f"content type {media!r} is not a boolean result format"
        fmt = ox.QueryResultsFormat.JSON if media.endswith("json") else ox.QueryResultsFormat.XML
        value = bool(ox.parse_query_results(response.content, format=fmt))
        if req.expected_boolean is not None and value != req.expected_boolean:
            return f"result {value}, expected {req.expected_boolean}"
    elif req.expected_format == "tabular":
        if media not in TABULAR_TYPES:
            return f"content type {media!r} is not a tabular result format"
        if media.endswith("json"):
            assert "results" in json.loads(response.content)
    elif req.expected_format == "RDF":
        if media not in RDF_TYPES:
            return f"content type {media!r} is not an RDF format"
        rdflib.Graph().parse(data=response.content, format=RDF_TYPES[media])
    return None


@pytest.fixture(scope="module")
def protocol_tests(shared: Path) -> list[ProtocolTest]:
    return load_manifest(shared / "w3c-sparql11-protocol")


@pytest.fixture(scope="module")
def server(
    shared: Path, protocol_tests: list[ProtocolTest], tmp_path_factory
) -> Iterator[ServerProcess]:
    folder = shared / "w3c-sparql11-protocol"
    graphs: dict[str, str] = {}
    for test in protocol_tests:
        graphs.update(test.graphs)
    path = tmp_path_factory.mktemp("w3c") / "store"
    store = ox.Store(str(path))
    for filename, graph in sorted(graphs.items()):
        store.load(
            path=str(folder / filename), format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(graph)
        )
    store.flush()
    del store
    with ServerProcess(path, timeout=10) as srv:
        yield srv


def run_test(client: httpx.Client, test: ProtocolTest) -> tuple[str, str]:
    """(outcome, detail): PASS, FAIL, or REFUSED (an update the read-only endpoint refused)."""
    for index, req in enumerate(test.requests):
        response = client.request(req.method, req.path, headers=req.headers, content=req.body)
        if test.is_update and index == 0:
            if response.status_code == 403:
                return "REFUSED", f"refused: read-only ({response.status_code})"
            return "FAIL", f"update answered {response.status_code}, expected 403 (read-only)"
        problem = check(response, req)
        if problem:
            return "FAIL", f"request {index + 1}: {problem}: {response.text[:200]!r}"
    return "PASS", ""


def test_w3c_protocol_suite(server: ServerProcess, protocol_tests: list[ProtocolTest]) -> None:
    outcomes = []
    with httpx.Client(base_url=server.url.rstrip("/"), timeout=30) as client:
        for test in protocol_tests:
            outcome, detail = run_test(client, test)
            outcomes.append((test, outcome, detail))
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    lines = [
        "W3C SPARQL 1.1 Protocol tests against atlas-kg serve /sparql",
        "(../shared/w3c-sparql11-protocol/manifest.ttl; the endpoint is read-only)",
        "",
    ]
    lines += [f"{outcome:8} {t.name}  {detail or t.label}" for t, outcome, detail in outcomes]
    counts = {o: sum(1 for _, oc, _ in outcomes if oc == o) for o in ("PASS", "REFUSED", "FAIL")}
    lines += [
        "",
        f"{counts['PASS']} passed, {counts['REFUSED']} refused (updates), {counts['FAIL']} failed",
    ]
    REPORT.write_text("\n".join(lines) + "\n", encoding="utf-8")

    failures = [f"{t.name}: {d}" for t, o, d in outcomes if o == "FAIL"]
    assert not failures, "\n".join(failures)
    query_tests = [t for t, _, _ in outcomes if not t.is_update]
    assert len(query_tests) >= 20 and all(o == "PASS" for t, o, _ in outcomes if not t.is_update)
    refused = [t for t, o, _ in outcomes if o == "REFUSED"]
    assert refused == [t for t in protocol_tests if t.is_update] and len(refused) >= 5
