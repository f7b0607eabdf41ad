"""What a published site is configured with: IRIs, URLs, limits and the licence statement."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import urlsplit

from ..errors import ConfigError
from ..iris import DEFAULT_BASE, check_base

__all__ = [
    "ETALAB_2",
    "ETALAB_2_LABEL",
    "SOURCE_URL",
    "PublishConfig",
]

ETALAB_2 = "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"
ETALAB_2_LABEL = "Licence Ouverte / Etalab 2.0"
SOURCE_URL = "https://pastel.diplomatie.gouv.fr/cncdext/dyn/public/atlas/"
"""The Atlas français de la coopération décentralisée (the source of every record)."""
SOURCE_PUBLISHER = (
    "Ministère de l'Europe et des Affaires étrangères (DAECT / CNCD)",
    "French Ministry of Europe and Foreign Affairs",
)

SOURCE_LICENCE_NOTE = (
    "Licence Ouverte / Etalab 2.0 is the default licence of French public-sector data; "
    "the Atlas's own terms, where they say otherwise, prevail. Both licences are settings "
    "(--licence, --source-licence)."
)


@dataclass(frozen=True)
class PublishConfig:
    """Settings of ``atlas-kg serve`` and ``atlas-kg publish``.

    ``base`` is the base IRI the data was minted under (``atlas-kg ingest --base``); a
    request for ``<public_url>id/<rest>`` is about the IRI ``<base><rest>``, so the same
    store is served on localhost and on its real domain. ``public_url`` is where the site
    is reached (scheme, host and path prefix); None takes it from each request.
    """

    base: str = DEFAULT_BASE
    public_url: str | None = None
    timeout: float = 10.0
    """Seconds a SPARQL query may run before its worker process is stopped."""
    max_results: int = 10_000
    """Rows (SELECT) or triples (CONSTRUCT/DESCRIBE) a SPARQL query may return."""
    max_request_bytes: int = 1_000_000
    """Largest request body (a POSTed query); larger ones get 413."""
    workers: int = 4
    """Worker processes evaluating SPARQL queries, each one query at a time (about 80 MB
    each on a 12,000-record store): more lets quick queries pass slow ones."""
    title: str = "Atlas of French decentralised cooperation — knowledge graph"
    description: str = (
        "Partnerships between French local authorities and foreign ones (collectivities, "
        "diplomatic posts, themes, funding), read from the pages of the Atlas français de "
        "la coopération décentralisée and published as linked data."
    )
    licence: str = ETALAB_2
    """Licence of the published data (an IRI)."""
    licence_label: str = ETALAB_2_LABEL
    source_licence: str = ETALAB_2
    """Licence of the source (the Atlas), stated in the dataset description."""
    source_licence_label: str = ETALAB_2_LABEL
    publisher: str | None = None
    """Who publishes this knowledge graph (a name), if stated."""
    dumps_dir: Path | None = None
    """Where dumps are written (default: a folder beside the store, or a temporary one)."""

    def __post_init__(self) -> None:
        check_base(self.base)
        if self.public_url is not None:
            parts = urlsplit(self.public_url)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise ConfigError(
                    "--public-url",
                    self.public_url,
                    "an absolute http(s) URL (https://example.org/atlas/)",
                )
            if not self.public_url.endswith("/"):
                object.__setattr__(self, "public_url", self.public_url + "/")
        if not self.timeout > 0:
            raise ConfigError("--timeout", self.timeout, "a number of seconds > 0")
        if self.max_results < 1:
            raise ConfigError("--max-results", self.max_results, "a number >= 1")
        if self.max_request_bytes < 1024:
            raise ConfigError("max_request_bytes", self.max_request_bytes, "a number >= 1024")
        if self.workers < 1:
            raise ConfigError("--workers", self.workers, "a number >= 1")

    @property
    def prefix(self) -> str:
        """The path the site lives under (``/`` or ``/atlas/``)."""
        if self.public_url is None:
            return "/"
        return urlsplit(self.public_url).path or "/"

    def with_public_url(self, url: str | None) -> PublishConfig:
        return replace(self, public_url=url)
