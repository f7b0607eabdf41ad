"""Shared fixtures. Real components only: Oxigraph on disk, real servers, real Chromium."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("ATLAS_KG_SHARED", ROOT.parent / "shared"))
CASES = Path(__file__).resolve().parent / "cases"


@pytest.fixture(scope="session")
def shared() -> Path:
    """The read-only shared folder (real Atlas pages, schemas, W3C tests)."""
    if not SHARED.is_dir():
        pytest.skip(f"../shared is absent ({SHARED}): real Atlas pages are not in a fresh clone")
    return SHARED


@pytest.fixture(scope="session")
def seed_page(shared: Path) -> Path:
    return shared / "seeds" / "000_4d9583dcafd7f051.txt"
