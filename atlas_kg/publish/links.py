"""URLs of the published site: where each IRI's document and page live.

The data's IRIs are ``<base><rest>``; the site serves them at ``<prefix>id/<rest>`` (the
IRI itself when the site runs on the base's host) and their documents at
``<prefix>doc/<rest>.<ext>``. A partnership's rows (``partnership/<id>/funding/1``...) are
described in the partnership's document, at an anchor. IRIs outside the base that the
store describes (themes, SDGs, ontology terms) get a page at ``resource``.

>>> links = Links("https://w3id.org/atlas-kg/id/", "/")
>>> links.doc("https://w3id.org/atlas-kg/id/partnership/12695/funding/2", "html")
'/doc/partnership/12695.html#funding-2'
>>> links.doc("https://w3id.org/atlas-kg/id/collectivity/fr/malakoff", "ttl")
'/doc/collectivity/fr/malakoff.ttl'
>>> links.href("javascript:alert(1)") is None
True
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from urllib.parse import quote

__all__ = ["Links"]

_CHILD = re.compile(r"^(partnership/[^/]+)/(.+)$")
_SAFE_SCHEMES = ("http://", "https://", "mailto:")


def resource_key(iri: str) -> str:
    """The file name of a ``resource`` page in the static site."""
    return hashlib.sha256(iri.encode()).hexdigest()[:16]


class Links:
    """Builds the site's URLs; ``static`` gives file URLs (``.html``) for ``atlas-kg publish``."""

    def __init__(self, base: str, prefix: str = "/", *, static: bool = False,
                 known: Iterable[str] = ()) -> None:  # fmt: skip
        self.base = base
        self.prefix = prefix if prefix.endswith("/") else prefix + "/"
        self.static = static
        self.known = set(known)
        """IRIs outside the base that have a page (vocabulary terms)."""

    def url(self, path: str) -> str:
        """A path of the site (``sparql``, ``void``...) under its prefix."""
        return self.prefix + path.lstrip("/")

    def is_local(self, iri: str) -> bool:
        return iri.startswith(self.base) and len(iri) > len(self.base)

    def rest(self, iri: str) -> str:
        return iri[len(self.base) :]

    def iri(self, rest: str) -> str:
        return self.base + rest

    def document_of(self, iri: str) -> tuple[str, str | None]:
        """The IRI whose document describes ``iri``, and the anchor in its page."""
        if self.is_local(iri):
            m = _CHILD.match(self.rest(iri))
            if m:
                return self.base + m.group(1), anchor(m.group(2))
        return iri, None

    def path(self, iri: str) -> str:
        """The document path of a local IRI (no extension), URL-quoted."""
        owner, _ = self.document_of(iri)
        return quote(self.rest(owner), safe="/-_~!$&'()*+,;=:@")

    def doc(self, iri: str, ext: str = "html") -> str:
        """The URL of the document describing ``iri`` in a format (``html``, ``ttl``...)."""
        _, frag = self.document_of(iri)
        url = f"{self.prefix}doc/{self.path(iri)}.{ext}"
        return url + f"#{frag}" if frag and ext == "html" else url

    def id_url(self, iri: str) -> str:
        """Where the site answers for the IRI itself (303 to its document)."""
        return f"{self.prefix}id/{quote(self.rest(iri), safe='/-_~!$&()*+,;=:@')}"

    def resource(self, iri: str) -> str:
        if self.static:
            return f"{self.prefix}resource/{resource_key(iri)}.html"
        return f"{self.prefix}resource?iri={quote(iri, safe='')}"

    def href(self, iri: str) -> str | None:
        """Where a link to ``iri`` goes: its page here, the IRI itself, or nowhere.

        Only http(s) and mailto IRIs become external links: a ``javascript:`` IRI in the
        data stays text.
        """
        if self.is_local(iri):
            return self.doc(iri)
        if iri in self.known:
            return self.resource(iri)
        if iri.startswith(_SAFE_SCHEMES):
            return iri
        return None


def anchor(text: str) -> str:
    """An HTML id for a row of a partnership (``funding/2`` → ``funding-2``)."""
    return re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-") or "row"
