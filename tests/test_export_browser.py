"""The HTML view and the map in real headless Chromium (Debian's, driven by Playwright).

Checked on pixels of screenshots: the network is drawn, the map colours countries by
count. Screenshots are kept in build/test-artifacts/. The page is opened from a file with
no network access; any request that is not for the file itself fails the test.
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from atlas_kg.export import BROWSER_ARGS, CHROMIUM, choropleth_color, export
from atlas_kg.ingest import ingest, ingest_records
from atlas_kg.metrics import load_network
from atlas_kg.store import open_store

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "build" / "test-artifacts"
FIXTURE = Path(__file__).parent / "data" / "network" / "fixture.jsonl"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(),
        reason=f"Debian's chromium is absent at {CHROMIUM} (apt-get install chromium)",
    ),
]


@pytest.fixture(scope="module")
def browser() -> Iterator:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as profile, sync_playwright() as pw:
        # A fresh profile per run; bypass_csp lets Playwright evaluate its checks in a page
        # whose own CSP forbids eval (the page's scripts do not need it).
        context = pw.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, headless=True, args=BROWSER_ARGS,
            viewport={"width": 1400, "height": 900}, bypass_csp=True,
        )  # fmt: skip
        yield context
        context.close()


class Page:
    """A page that records console errors, page errors and network requests."""

    def __init__(self, context, path: Path) -> None:
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.page = context.new_page()
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        url = path.resolve().as_uri()
        self.page.on(
            "request",
            lambda r: (
                r.url != url and not r.url.startswith("blob:") and self.requests.append(r.url)
            ),
        )
        self.page.goto(url)
        self.page.wait_for_function(
            "() => window.atlasView && window.atlasView.ready", timeout=60_000
        )

    def pixels(self, selector: str | None = None):
        from PIL import Image

        target = self.page.locator(selector) if selector else self.page
        return Image.open(io.BytesIO(target.screenshot())).convert("RGB")

    def close(self) -> None:
        self.page.close()


def _rgb(color: str) -> tuple[int, int, int]:
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)


def _near(colours: list[tuple[int, tuple[int, int, int]]], color: str) -> int:
    """Pixels within a small distance of ``color`` (anti-aliased edges included)."""
    target = _rgb(color)
    return sum(
        n for n, rgb in colours if max(abs(a - b) for a, b in zip(rgb, target, strict=True)) < 40
    )


def _luminance(rgb: tuple[int, int, int]) -> float:
    return 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2]


@pytest.fixture(scope="module")
def synthetic_view(tmp_path_factory: pytest.TempPathFactory):
    """The bipartite network of a 2,000-record synthetic Atlas, as one HTML file."""
    from atlas_kg.synth import generate

    root = tmp_path_factory.mktemp("view")
    store = open_store(":memory:")  # in memory: the on-disk path is tested in test_metrics.py
    try:
        assert ingest_records(store, generate(2000, 5)).ok
        network = load_network(store, "bipartite")
    finally:
        store.close()
    return network, export(network, "html", root / "atlas.html")


@pytest.mark.slow
def test_network_view_in_chromium(browser, synthetic_view) -> None:
    network, path = synthetic_view
    page = Page(browser, path)
    try:
        page.page.wait_for_function("() => window.atlasView.layout === 'done'", timeout=90_000)
        assert page.page.evaluate("window.atlasView.layoutIterations") > 0
        # Nodes drawn: the canvas area is far from blank, in the colours of both kinds.
        image = page.pixels("#sigma")
        colours = image.getcolors(maxcolors=1 << 20)
        drawn = sum(n for n, rgb in colours if rgb != (255, 255, 255))
        assert drawn > 0.01 * image.width * image.height
        french, foreign = _near(colours, "#1f5fbf"), _near(colours, "#e0731c")
        assert french > 50 and foreign > 50

        # Search finds a hub collectivity; the side panel lists its partnerships.
        hub = next(r for r in network.top(20) if r["kind"] == "french_collectivity")
        attrs = network.graph.nodes[hub["iri"]]
        page.page.fill("#search", hub["label"][:12])
        option = page.page.locator(f'#search-results button[data-id="{hub["iri"]}"]')
        option.click()
        page.page.wait_for_function(f"() => window.atlasView.selected === {hub['iri']!r}")
        assert page.page.text_content("#panel-title") == hub["label"]
        items = page.page.locator("#partnership-list li")
        assert items.count() == min(attrs["partnerships"], 300)
        listed = {items.nth(i).get_attribute("data-iri") for i in range(items.count())}
        assert listed <= set(attrs["_partnerships"])
        link = page.page.locator("#panel a").first.get_attribute("href")
        assert link == hub["iri"]
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.page.screenshot(path=str(ARTIFACTS / "network-view.png"))

        # The year slider hides what came later: fewer nodes drawn in the earliest year.
        page.page.evaluate("window.atlasView.select(null)")
        first = min(s["year"] for s in network.snapshots)
        page.page.locator("#year").fill(str(first))
        assert page.page.text_content("#year-label") == str(first)
        assert page.errors == [] and page.requests == []
    finally:
        page.close()


@pytest.fixture(scope="module")
def fixture_network(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("map")
    store = open_store(root / "store")
    try:
        assert ingest(store, [FIXTURE]).ok
        return load_network(store, "bipartite"), root
    finally:
        store.close()


def test_map_tab_colours_countries_by_count(browser, fixture_network) -> None:
    network, root = fixture_network
    page = Page(browser, export(network, "html", root / "view.html"))
    try:
        page.page.click("#tab-map")
        page.page.wait_for_function("() => window.atlasView.mapPoint('SN') !== null")
        senegal = page.page.evaluate("window.atlasView.mapPoint('SN')")
        mali = page.page.evaluate("window.atlasView.mapPoint('ML')")
        image = page.pixels()
        # 4 partnerships in Sénégal, 1 in Mali (of 4 at most): two shades, Sénégal's darker.
        got_sn = image.getpixel((round(senegal["x"]), round(senegal["y"])))
        got_ml = image.getpixel((round(mali["x"]), round(mali["y"])))
        assert got_sn == _rgb(choropleth_color(4, 4))
        assert got_ml == _rgb(choropleth_color(1, 4))
        assert _luminance(got_sn) < _luminance(got_ml)
        # Hovering a country tells its partnerships; clicking lists them.
        page.page.mouse.move(senegal["x"], senegal["y"])
        assert "4 partnerships" in page.page.text_content("#tooltip")
        page.page.mouse.click(senegal["x"], senegal["y"])
        assert page.page.text_content("#panel-title") == "Sénégal"
        assert page.page.locator("#partnership-list li").count() == 4
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.page.screenshot(path=str(ARTIFACTS / "map-tab.png"))
        # Back to the network (its layout may have run while hidden): still no error.
        page.page.click("#tab-network")
        page.page.wait_for_function("() => window.atlasView.layout === 'done'", timeout=60_000)
        assert page.errors == [] and page.requests == []
    finally:
        page.close()


def test_map_png_for_reports(fixture_network) -> None:
    from PIL import Image

    network, root = fixture_network
    path = export(network, "map", root / "countries.png")
    image = Image.open(path).convert("RGB")
    assert image.width == 1200 and image.height > 500
    colours = dict((rgb, n) for n, rgb in image.getcolors(maxcolors=1 << 20))
    assert colours.get(_rgb(choropleth_color(4, 4)), 0) > 30  # Sénégal
    assert colours.get(_rgb(choropleth_color(1, 4)), 0) > 300  # Mali and Brazil
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    image.save(ARTIFACTS / "map.png")
