"""The error hierarchy. Library code raises these; only the CLI turns them into exit codes.

Exit codes (documented in the README): 0 ok, 1 some input was rejected or a check failed,
2 usage or environment error.
"""

from __future__ import annotations

REINGEST_ADVICE = (
    "it was written by an earlier version of atlas-kg. Run the same `atlas-kg ingest` again: "
    "it writes no record and adds the graph"
)
"""Why a store lacks a derived graph that its data calls for, and how to add it."""


class AtlasError(Exception):
    """Base of every error atlas-kg raises on purpose. ``exit_code`` is used by the CLI."""

    exit_code = 1


class PageError(AtlasError):
    """A page that cannot be read as an Atlas record.

    ``str(err)`` is ``"<path>:<line>: <message>; expected <expected>"`` (line omitted when
    it does not apply), which is what the CLI prints.
    """

    def __init__(
        self,
        path: str | None,
        message: str,
        *,
        line: int | None = None,
        expected: str | None = None,
    ) -> None:
        self.path = path
        self.line = line
        self.message = message
        self.expected = expected
        where = path or "<input>"
        if line is not None:
            where = f"{where}:{line}"
        text = f"{where}: {message}"
        if expected:
            text += f"; expected {expected}"
        super().__init__(text)


class RecordError(AtlasError):
    """A JSON record (JSON Lines input) that does not follow the record model."""


class QueryError(AtlasError):
    """A named query that does not exist, has a broken header, or got bad parameters."""

    def __init__(self, name: str, message: str) -> None:
        self.name = name
        super().__init__(f"query {name!r}: {message}")


class StoreError(AtlasError):
    """The store cannot be opened, read or written (locked, missing, server refused...)."""

    exit_code = 2


class ConfigError(AtlasError):
    """A bad option value: names the key, the value and the allowed values."""

    exit_code = 2

    def __init__(self, key: str, value: object, allowed: str) -> None:
        self.key, self.value, self.allowed = key, value, allowed
        super().__init__(f"{key}: {value!r} is not allowed; expected {allowed}")
