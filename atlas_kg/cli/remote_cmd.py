"""Commands of this stage (filled in by the issue that builds it)."""

from __future__ import annotations

from .base import main  # noqa: F401
