"""Content negotiation: media types, file extensions, and the ``Accept`` header.

``negotiate(accept, offers)`` picks the offer the client prefers (RFC 9110: the most
specific matching range gives an offer its quality; ties go to the server's order). The
formats of entity documents and of SPARQL results are listed here once, with their
extension, so the server, the static site and the conneg rules agree.

>>> negotiate("text/turtle;q=0.9, application/ld+json", ["text/html", "text/turtle", "application/ld+json"])
'application/ld+json'
>>> negotiate("*/*", ["text/html", "text/turtle"])
'text/html'
>>> negotiate("image/png", ["text/html"]) is None
True
"""

from __future__ import annotations

from dataclasses import dataclass

from pyoxigraph import QueryResultsFormat, RdfFormat

__all__ = [
    "DOC_FORMATS",
    "RDF_FORMATS",
    "RESULT_FORMATS",
    "DocFormat",
    "by_extension",
    "negotiate",
    "parse_accept",
]


@dataclass(frozen=True)
class DocFormat:
    """A document format: its name, media type, extension and pyoxigraph format."""

    name: str
    media_type: str
    extension: str
    rdf: RdfFormat | None = None
    aliases: tuple[str, ...] = ()

    @property
    def content_type(self) -> str:
        return f"{self.media_type}; charset=utf-8" if _is_text(self.media_type) else self.media_type


def _is_text(media_type: str) -> bool:
    return media_type.startswith("text/") or media_type.endswith(("+xml", "+json", "/json"))


HTML = DocFormat("html", "text/html", "html", None, ("application/xhtml+xml",))
RDF_FORMATS: dict[str, DocFormat] = {
    f.name: f
    for f in (
        DocFormat("turtle", "text/turtle", "ttl", RdfFormat.TURTLE, ("application/x-turtle",)),
        DocFormat("jsonld", "application/ld+json", "jsonld", RdfFormat.JSON_LD),
        DocFormat("ntriples", "application/n-triples", "nt", RdfFormat.N_TRIPLES),
        DocFormat("rdfxml", "application/rdf+xml", "rdf", RdfFormat.RDF_XML),
    )
}
"""The RDF forms of an entity document, in the server's order of preference."""
DOC_FORMATS: dict[str, DocFormat] = {"html": HTML, **RDF_FORMATS}
"""Every form of an entity document: HTML first (what ``*/*`` gets)."""

RESULT_FORMATS: dict[str, tuple[str, QueryResultsFormat]] = {
    "application/sparql-results+json": ("json", QueryResultsFormat.JSON),
    "application/sparql-results+xml": ("xml", QueryResultsFormat.XML),
    "text/csv": ("csv", QueryResultsFormat.CSV),
    "text/tab-separated-values": ("tsv", QueryResultsFormat.TSV),
    "application/json": ("json", QueryResultsFormat.JSON),
    "application/xml": ("xml", QueryResultsFormat.XML),
}
"""SPARQL results media types, JSON first (the default)."""


def by_extension(extension: str) -> DocFormat | None:
    """The document format of a file extension (``ttl``, ``jsonld``, ``json``...)."""
    ext = extension.lower().lstrip(".")
    if ext == "json":
        return RDF_FORMATS["jsonld"]
    return next((f for f in DOC_FORMATS.values() if f.extension == ext), None)


def doc_offers() -> list[str]:
    """Media types of entity documents, aliases after the main types."""
    main = [f.media_type for f in DOC_FORMATS.values()]
    return main + [a for f in DOC_FORMATS.values() for a in f.aliases]


def by_media_type(media_type: str) -> DocFormat | None:
    return next((f for f in DOC_FORMATS.values() if media_type in (f.media_type, *f.aliases)), None)


def parse_accept(header: str | None) -> list[tuple[str, str, float]]:
    """``(type, subtype, q)`` for each media range; malformed parts are skipped."""
    ranges = []
    for part in (header or "").split(","):
        fields = [f.strip() for f in part.split(";")]
        kind = fields[0].lower()
        if "/" not in kind:
            continue
        main, sub = kind.split("/", 1)
        q = 1.0
        for f in fields[1:]:
            name, _, value = f.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = min(max(float(value), 0.0), 1.0)
                except ValueError:
                    q = 0.0
        ranges.append((main, sub, q))
    return ranges


def quality(ranges: list[tuple[str, str, float]], offer: str) -> float:
    """The quality the client gives an offer: that of the most specific matching range."""
    main, sub = offer.lower().split("/", 1)
    best, specificity = 0.0, -1
    for r_main, r_sub, q in ranges:
        if (r_main, r_sub) == (main, sub):
            level = 2
        elif r_main == main and r_sub == "*":
            level = 1
        elif (r_main, r_sub) == ("*", "*"):
            level = 0
        else:
            continue
        if level > specificity:
            best, specificity = q, level
    return best


def negotiate(header: str | None, offers: list[str]) -> str | None:
    """The offer the client prefers; the first offer when there is no ``Accept``; None if
    the client accepts none of them."""
    if not offers:
        return None
    ranges = parse_accept(header)
    if not ranges:
        return offers[0]
    best, best_q = None, 0.0
    for offer in offers:
        q = quality(ranges, offer)
        if q > best_q:
            best, best_q = offer, q
    return best
