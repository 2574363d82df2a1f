"""The offline map in a real browser (Debian's chromium, driven by Playwright).

Skipped only on a developer machine without /usr/bin/chromium; under CI (CI=true), where
.ci/run installs it, a missing browser is a failure.
"""

import io
import os
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from conftest import HALF, at_azimuth
from pyproj import CRS

import geozones
from geozones.check import ZoneSet
from geozones.core.coords import from_frame
from geozones.maps import build_map, write_map

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    if os.environ.get("CI"):
        raise RuntimeError("CI: /usr/bin/chromium is missing; .ci/run must install Debian's chromium")
    pytest.skip("no /usr/bin/chromium on this machine (apt-get install chromium)", allow_module_level=True)

sync_api = pytest.importorskip("playwright.sync_api") if not os.environ.get("CI") else __import__(
    "playwright.sync_api", fromlist=["sync_playwright"])

HOSTILE = "<img src=x onerror=alert(1)>"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]


@pytest.fixture(scope="module")
def zones():
    return ZoneSet()


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


def _open(browser, path: Path):
    page = browser.new_page(viewport={"width": 1000, "height": 760})
    events = {"errors": [], "requests": [], "dialogs": []}
    page.on("console", lambda m: events["errors"].append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: events["errors"].append(str(e)))
    page.on("dialog", lambda d: (events["dialogs"].append(d.message), d.dismiss()))

    def route(r):
        events["requests"].append(r.request.url)
        if r.request.url.startswith("file://"):
            r.continue_()
        else:
            r.abort()

    page.route("**/*", route)
    page.goto(path.as_uri())
    page.wait_for_function("typeof window.geozones === 'object'")
    page.wait_for_timeout(300)
    return page, events


@pytest.fixture(scope="module")
def offline_map(tmp_path_factory, zones):
    tmp = tmp_path_factory.mktemp("map")
    parcels = gpd.GeoDataFrame({
        "name": [HOSTILE, "ordinary"], "gz_verdict": ["fail", "pass"], "gz_height_m": [31.0, 5.0],
        "gz_max_height_m": [30.0, 29.0], "gz_exceedance_m": [1.0, 0.0],
        "gz_rules": ["height_ratio", ""], "gz_status": ["ok", "ok"],
    }, geometry=from_frame(np.array([shapely.box(-20, HALF + 300, 20, HALF + 330),
                                     shapely.box(300, 300, 330, 330)], dtype=object),
                           zones.frame.crs, CRS.from_epsg(4326)), crs=4326)
    path = tmp / "offline.html"
    write_map(build_map(zones, parcels, tiles="none", offline=True, lang="zh"), path)
    return path


def test_loads_without_errors_or_requests(browser, offline_map):
    page, ev = _open(browser, offline_map)
    assert ev["errors"] == []
    assert [u for u in ev["requests"] if not u.startswith("file://")] == []
    # layers: 6 zone layers, contours, station, pilot, parcels in the layer control
    assert page.locator(".leaflet-control-layers-overlays label").count() == 10
    n_layers = page.evaluate("""() => {
        const key = Object.keys(window).find(k => k.startsWith('map_') && window[k] instanceof L.Map);
        let n = 0; window[key].eachLayer(() => n++); return n; }""")
    assert n_layers > 40  # 6 zones, ~40 contours and labels, station, pilot, 2 parcels, groups
    assert page.locator(".leaflet-overlay-pane canvas").count() >= 1
    page.close()


def test_popup_shows_hostile_name_as_text(browser, offline_map):
    page, ev = _open(browser, offline_map)
    opened = page.evaluate("""(name) => {
        let hit = null;
        geozones.parcels.eachLayer(f => { if (f.feature.properties.n === name) { hit = f; } });
        if (!hit) return false;
        hit.openPopup(); return true; }""", HOSTILE)
    assert opened
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    assert HOSTILE in popup.inner_text()
    assert page.locator(".leaflet-popup-content img").count() == 0
    page.wait_for_timeout(200)
    assert ev["dialogs"] == [] and ev["errors"] == []
    page.close()


def test_click_opens_height_popup(browser, offline_map):
    page, ev = _open(browser, offline_map)
    page.mouse.click(500, 200)
    popup = page.locator(".gz-click")
    popup.wait_for()
    assert "此处允许高度" in popup.inner_text()
    page.close()


def test_click_height_matches_python(browser, offline_map, zones):
    page, _ = _open(browser, offline_map)
    rng = np.random.default_rng(3)
    pts = [at_azimuth(a, r) for a, r in zip(rng.uniform(0, 360, 40), rng.uniform(0, 4000, 40))]
    pts += [at_azimuth(90, HALF + 100), at_azimuth(0, HALF + 49.9), at_azimuth(0, HALF + 1500),
            at_azimuth(200, HALF + 2500), shapely.Point(0, 0)]
    wgs = from_frame(np.array(pts, dtype=object), zones.frame.crs, CRS.from_epsg(4326))
    # every kind with a height (issue 10: a mast, a pylon, a chimney, a tree are bound too)
    for kind in ("building", "transmitter", "chimney", "vegetation"):
        for p in wgs:
            js = page.evaluate("([lat, lon, k]) => geozones.heightAt(lat, lon, k)", [p.y, p.x, kind])
            py = geozones.check(p, kind=kind, zones=zones)
            if py.max_height_m is None:
                assert js["allowed"] is None, (kind, p, js)
            else:
                assert js["allowed"] == pytest.approx(py.max_height_m, abs=2e-3), (kind, p, js, py)
            assert js["zone"] == py.zone
            assert js["D"] == pytest.approx(py.distance_m, abs=2e-3)
    page.close()


def test_gaode_click_undoes_the_shift(browser, tmp_path, zones):
    import coordTransform

    path = tmp_path / "gaode.html"
    write_map(build_map(zones, None, tiles="gaode", offline=True), path)
    page, _ = _open(browser, path)
    for az, r in [(10, 300), (95, 640), (250, 1800)]:
        p = from_frame(np.array([at_azimuth(az, r)], dtype=object), zones.frame.crs, CRS.from_epsg(4326))[0]
        glon, glat = coordTransform.wgs84_to_gcj02(p.x, p.y)
        lat, lon = page.evaluate("([a, b]) => geozones.mapToWgs(a, b)", [glat, glon])
        # back within 0.2 m of the true WGS84 position: the page interpolates coordTransform's
        # offsets on a 0.01° grid (measured: ~6 cm), far below GCJ-02's own metre-level accuracy
        assert abs(lat - p.y) * 111_000 < 0.2 and abs(lon - p.x) * 91_000 < 0.2
    page.close()


def test_screenshot_not_blank(browser, offline_map, tmp_path):
    page, _ = _open(browser, offline_map)
    png = page.screenshot()
    page.close()
    import matplotlib.image as mpimg

    img = mpimg.imread(io.BytesIO(png), format="png")
    colours = np.unique((img[..., :3] * 255).astype(np.uint8).reshape(-1, 3), axis=0)
    assert len(colours) > 50 and img[..., :3].std() > 0.05
    (tmp_path / "shot.png").write_bytes(png)


def test_many_parcels_overview_then_vectors(browser, tmp_path, zones):
    # With the overview threshold at 1 the two parcels behave as a big input would: an image
    # at the start, vector parcels with popups from zoom 16.
    parcels = gpd.GeoDataFrame({"name": ["a", "b"], "gz_verdict": ["fail", "pass"]},
                               geometry=from_frame(np.array([shapely.box(-20, HALF + 300, 20, HALF + 330),
                                                             shapely.box(300, 300, 330, 330)], dtype=object),
                                                   zones.frame.crs, CRS.from_epsg(4326)), crs=4326)
    path = tmp_path / "big.html"
    write_map(build_map(zones, parcels, tiles="none", offline=True, overview_min_parcels=1), path)
    page, ev = _open(browser, path)
    assert page.locator("img.leaflet-image-layer").count() == 1
    assert page.evaluate("() => geozones.parcels === undefined")
    page.evaluate("""() => { const key = Object.keys(window).find(k => k.startsWith('map_') && window[k] instanceof L.Map);
                             window[key].setZoom(17, {animate: false}); }""")
    page.wait_for_timeout(300)
    assert page.evaluate("() => { let n = 0; geozones.parcels.eachLayer(() => n++); return n; }") == 2
    assert page.locator("img.leaflet-image-layer").count() == 0
    assert ev["errors"] == []
    page.close()
