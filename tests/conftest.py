"""Shared fixtures. Real components only: Oxigraph on disk, real servers, real Chromium."""

from __future__ import annotations

import os
import shutil
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


@pytest.fixture(scope="session")
def real_store(tmp_path_factory: pytest.TempPathFactory, shared: Path) -> Path:
    """A store of the 35 real pages (the seed as record 12695), closed: open it read-only,
    or copy it before writing."""
    from atlas_kg.ingest import ingest
    from atlas_kg.store import open_store

    folder = tmp_path_factory.mktemp("real")
    pages = folder / "pages"
    pages.mkdir()
    shutil.copy(shared / "seeds" / "000_4d9583dcafd7f051.txt", pages / "prjId_12695.txt")
    for page in (shared / "atlas-pages").glob("prjId_*.txt"):
        shutil.copy(page, pages / page.name)
    store = open_store(folder / "kg")
    report = ingest(store, [pages])
    assert report.ok and len(report.written) == 35
    store.close()
    return folder / "kg"
