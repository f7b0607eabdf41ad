"""Headless Chromium on the served pages: no console errors, no request leaving the machine,
and data that looks like markup stays text (no dialog fires)."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from test_publish_server import XSS_FRENCH, XSS_ID, XSS_TITLE, build_store

from atlas_kg.publish.server import ServerProcess
from atlas_kg.queries import list_queries

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("publish_browser")]

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[ServerProcess, dict[str, str]]]:
    path = tmp_path_factory.mktemp("browser") / "store"
    iris = build_store(path, records=40)
    with ServerProcess(path, timeout=10) as srv:
        yield srv, iris


@pytest.fixture(scope="module")
def browser() -> Iterator:
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (/usr/bin/chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    profile = tempfile.mkdtemp(prefix="atlas-kg-chromium-")
    with sync_api.sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            profile, executable_path=str(CHROMIUM), headless=True, args=ARGS
        )
        yield context
        context.close()
    shutil.rmtree(profile, ignore_errors=True)


class Visit:
    """A page load with everything that went wrong on it recorded."""

    def __init__(self, context, url: str) -> None:
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.outside: list[str] = []
        self.page = context.new_page()
        page = self.page
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("dialog", self._dialog)
        page.route("**/*", self._route)
        response = page.goto(url, wait_until="load")
        self.status = response.status if response else None

    def _dialog(self, dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def _route(self, route) -> None:
        host = urlsplit(route.request.url).hostname
        if route.request.url.startswith(("data:", "blob:")) or host == "127.0.0.1":
            route.continue_()
        else:  # offline: nothing may be fetched from elsewhere
            self.outside.append(route.request.url)
            route.abort()

    def clean(self) -> None:
        assert self.status == 200
        assert self.errors == [], self.errors
        assert self.dialogs == [], self.dialogs
        assert self.outside == [], self.outside


def test_home_page_renders(browser, server) -> None:
    srv, _ = server
    visit = Visit(browser, srv.url)
    visit.page.wait_for_timeout(300)
    visit.clean()
    assert "Partnerships by country" in visit.page.inner_text("main")
    assert visit.page.locator("form[action='/search'] input[name=q]").count() == 1


def test_partnership_page_shows_markup_as_text(browser, server) -> None:
    srv, _ = server
    visit = Visit(browser, f"{srv.url}doc/partnership/{XSS_ID}.html")
    visit.page.wait_for_timeout(300)
    visit.clean()
    assert visit.page.inner_text("h1") == XSS_TITLE
    assert XSS_TITLE in visit.page.title()
    assert visit.page.locator("script").count() == 0
    assert visit.page.locator("main img").count() == 0  # the partner's <img> is text
    assert XSS_FRENCH in visit.page.inner_text("main")


def test_collectivity_page_renders(browser, server) -> None:
    srv, iris = server
    rest = iris["collectivity"][len(iris["base"]) :]
    visit = Visit(browser, f"{srv.url}doc/{rest}.html")
    visit.page.wait_for_timeout(300)
    visit.clean()
    assert visit.page.inner_text("h1") == XSS_FRENCH
    incoming = visit.page.inner_text("#incoming")
    assert XSS_TITLE in incoming  # its partnership, by title
    assert "<script>alert(5)</script>" in visit.page.inner_text("#quality")


def test_sparql_editor_works_offline(browser, server) -> None:
    srv, _ = server
    visit = Visit(browser, srv.url + "sparql")
    page = visit.page
    page.wait_for_selector(".yasqe .CodeMirror", timeout=20_000)
    tabs = {t.split("\n")[0].strip() for t in page.locator(".tabsList a").all_inner_texts()}
    assert {q.name for q in list_queries()} <= tabs  # one tab per named query
    # Run the first tab's query and wait for the results table.
    page.locator(".yasqe_queryButton").first.click()
    page.wait_for_selector(".yasr table, .yasr .dataTable", timeout=20_000)
    visit.clean()
