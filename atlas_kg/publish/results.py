"""SPARQL results written with a size limit: JSON, XML, CSV and TSV (W3C result formats).

pyoxigraph serialises a whole result at once; the endpoint must stop at ``max_results``
rows and say so, so rows are read one by one and written here. Graph results (CONSTRUCT,
DESCRIBE) are counted the same way, then written by pyoxigraph.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from xml.sax.saxutils import escape as xml_escape
from xml.sax.saxutils import quoteattr

from pyoxigraph import BlankNode, Literal, NamedNode, QuerySolutions, RdfFormat, Triple, serialize

__all__ = ["TooManyResults", "write_boolean", "write_solutions", "write_triples"]

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
RDF_DIR_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#dirLangString"
RESULTS_NS = "http://www.w3.org/2005/sparql-results#"


class TooManyResults(Exception):
    """The result has more than the allowed number of rows or triples."""

    def __init__(self, limit: int, unit: str) -> None:
        self.limit, self.unit = limit, unit
        super().__init__(f"more than {limit} {unit}")


def _take(items: Iterable, limit: int, unit: str) -> list:
    out = []
    for item in items:
        if len(out) >= limit:
            raise TooManyResults(limit, unit)
        out.append(item)
    return out


# -- terms -----------------------------------------------------------------------------


def _json_term(term: object) -> dict:
    if isinstance(term, NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, Literal):
        out: dict = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != XSD_STRING:
            out["datatype"] = term.datatype.value
        return out
    if isinstance(term, Triple):
        return {
            "type": "triple",
            "value": {
                "subject": _json_term(term.subject),
                "predicate": _json_term(term.predicate),
                "object": _json_term(term.object),
            },
        }
    raise TypeError(f"not an RDF term: {term!r}")


def _xml_term(term: object) -> str:
    if isinstance(term, NamedNode):
        return f"<uri>{xml_escape(term.value)}</uri>"
    if isinstance(term, BlankNode):
        return f"<bnode>{xml_escape(term.value)}</bnode>"
    if isinstance(term, Literal):
        if term.language:
            attrs = f" xml:lang={quoteattr(term.language)}"
        elif term.datatype.value != XSD_STRING:
            attrs = f" datatype={quoteattr(term.datatype.value)}"
        else:
            attrs = ""
        return f"<literal{attrs}>{xml_escape(term.value)}</literal>"
    if isinstance(term, Triple):
        return (
            f"<triple><subject>{_xml_term(term.subject)}</subject>"
            f"<predicate>{_xml_term(term.predicate)}</predicate>"
            f"<object>{_xml_term(term.object)}</object></triple>"
        )
    raise TypeError(f"not an RDF term: {term!r}")


def _csv_term(term: object) -> str:
    if term is None:
        return ""
    if isinstance(term, NamedNode | Literal):
        return term.value
    if isinstance(term, BlankNode):
        return f"_:{term.value}"
    return str(term)


def _tsv_term(term: object) -> str:
    # N-Triples syntax; pyoxigraph escapes tabs and line breaks inside literals.
    return "" if term is None else str(term)


# -- writers ---------------------------------------------------------------------------


def write_solutions(solutions: QuerySolutions, fmt: str, max_rows: int) -> bytes:
    """SELECT results in ``json`` | ``xml`` | ``csv`` | ``tsv``; raises ``TooManyResults``."""
    names = [v.value for v in solutions.variables]
    rows = _take(solutions, max_rows, "rows")
    return _write_rows(names, rows, fmt)


def _write_rows(names: Sequence[str], rows: Sequence, fmt: str) -> bytes:
    if fmt == "json":
        bindings = [
            {n: _json_term(t) for n, t in zip(names, row, strict=True) if t is not None}
            for row in rows
        ]
        doc = {"head": {"vars": list(names)}, "results": {"bindings": bindings}}
        return json.dumps(doc, ensure_ascii=False).encode()
    if fmt == "xml":
        out = [f'<?xml version="1.0"?>\n<sparql xmlns="{RESULTS_NS}"><head>']
        out += [f"<variable name={quoteattr(n)}/>" for n in names]
        out.append("</head><results>")
        for row in rows:
            out.append("<result>")
            out += [
                f"<binding name={quoteattr(n)}>{_xml_term(t)}</binding>"
                for n, t in zip(names, row, strict=True)
                if t is not None
            ]
            out.append("</result>")
        out.append("</results></sparql>\n")
        return "".join(out).encode()
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\r\n")
        writer.writerow(names)
        writer.writerows([_csv_term(t) for t in row] for row in rows)
        return buf.getvalue().encode()
    if fmt == "tsv":
        lines = ["\t".join(f"?{n}" for n in names)]
        lines += ["\t".join(_tsv_term(t) for t in row) for row in rows]
        return ("\n".join(lines) + "\n").encode()
    raise ValueError(f"unknown results format {fmt!r}")


def write_boolean(value: bool, fmt: str) -> bytes:
    """ASK results: JSON or XML (CSV and TSV have no boolean form; JSON is used)."""
    if fmt == "xml":
        return (
            f'<?xml version="1.0"?>\n<sparql xmlns="{RESULTS_NS}"><head/>'
            f"<boolean>{'true' if value else 'false'}</boolean></sparql>\n"
        ).encode()
    return json.dumps({"head": {}, "boolean": bool(value)}).encode()


def write_triples(
    triples: Iterable[Triple], fmt: RdfFormat, max_triples: int, prefixes: dict[str, str]
) -> bytes:
    """CONSTRUCT / DESCRIBE results in an RDF format; raises ``TooManyResults``."""
    items = _take(triples, max_triples, "triples")
    use = prefixes if fmt in (RdfFormat.TURTLE, RdfFormat.RDF_XML, RdfFormat.JSON_LD) else None
    return serialize(items, format=fmt, prefixes=use) or b""
