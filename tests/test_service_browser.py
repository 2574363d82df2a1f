"""The served map (``geozones serve``, ``GET /map``) in a real browser: a polygon drawn with
Leaflet.draw's polygon tool is checked by the service (the Python engine), and the panel shows
the service's answer; on a token-guarded server the page works with the session cookie that
``/map?token=…`` sets; when the service refuses, the page says so and falls back to its own
evaluator. The static file's draw-and-check (offline) is tests/test_map_browser.py's.

Hand-worked case (shipped station, field rotation 0°, 12.5 m half-width): a 20 m square whose
south edge lies 300 m north of the fence is in the control zone (50-1000 m) outside the sun
sectors (azimuth 0°), so H ≤ D / 10 = 30.00 m (Art. 12.3 (2) ⑥); 40 m is a fail by 10.00 m.
"""

from __future__ import annotations

import json
import urllib.request

import numpy as np
import pytest
import shapely
from chromium import running_browser
from conftest import HALF
from pyproj import CRS
from service_server import running_server

from geozones.check import ZoneSet
from geozones.core.coords import from_frame

pytest.importorskip("pygeoapi")
pytest.importorskip("waitress")

TOKEN = "browser-token-26"
CHECK = "/processes/geozones-check/execution"
#: the guarded server's body limit [bytes]: a 300-vertex polygon (~13 kB of JSON) is over it
SMALL_BODY = 4096


def _wgs_ring(box: shapely.Polygon) -> list[list[float]]:
    """``box``'s corners (station frame, metres) in WGS84, [lat, lon] as Leaflet takes them."""
    ring = from_frame(np.array([box], dtype=object), ZoneSet().frame.crs, CRS.from_epsg(4326))[0]
    return [[y, x] for x, y in list(ring.exterior.coords)[:-1]]


NORTH_300 = _wgs_ring(shapely.box(-10, HALF + 300, 10, HALF + 320))


@pytest.fixture(scope="module")
def browser():
    with running_browser() as b:
        yield b


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    with running_server(tmp_path_factory.mktemp("served") / "state") as running:
        yield running


@pytest.fixture(scope="module")
def guarded(tmp_path_factory):
    with running_server(tmp_path_factory.mktemp("guarded") / "state", ["--max-body", str(SMALL_BODY)],
                        env={"GEOZONES_TOKEN": TOKEN}) as running:
        yield running


def _open(browser, server, path="/map"):
    """A page on ``server``'s ``path``; only the server is reachable (basemap tiles are
    refused), every request is logged (method, url, body)."""
    context = browser.new_context(viewport={"width": 1000, "height": 760})
    page = context.new_page()
    events = {"errors": [], "requests": []}
    page.on("pageerror", lambda e: events["errors"].append(str(e)))
    page.on("request", lambda r: events["requests"].append((r.method, r.url, r.post_data)))
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(server["url"]) else r.abort())
    page.goto(server["url"] + path)
    page.wait_for_function("typeof window.geozones === 'object' && !!window.geozones.map")
    return page, events


def _draw(page, latlngs, height):
    """Kind building, the height typed in the panel, then the polygon drawn with Leaflet.draw's
    polygon tool (its handler given the vertices), and the answer shown in the panel."""
    page.click(".gz-draw .gz-toggle")
    page.select_option("#gz-kind", "building")
    page.fill("#gz-height", str(height))
    page.evaluate("""(pts) => { const h = new L.Draw.Polygon(geozones.map, {});
        h.enable(); pts.forEach(p => h.addVertex(L.latLng(p[0], p[1]))); h.completeShape(); }""", latlngs)
    page.wait_for_function("() => !!geozones.lastCheck", timeout=120_000)
    return page.evaluate("() => geozones.lastCheck")


def _ask(server, body: str, token: str | None = None) -> dict:
    req = urllib.request.Request(server["url"] + CHECK, data=body.encode("utf-8"), method="POST",
                                 headers={"Content-Type": "application/json"})
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(req, timeout=120) as res:
        return json.loads(res.read())


def _posts(events):
    return [(u, body) for m, u, body in events["requests"] if m == "POST"]


def _assert_service_answer(page, events, server, token=None):
    got = _draw(page, NORTH_300, 40)
    posts = _posts(events)
    assert len(posts) == 1 and posts[0][0].startswith(server["url"] + CHECK)
    sent = json.loads(posts[0][1])["inputs"]
    assert sent["crs"] == "EPSG:4326" and sent["height_m"] == 40 and sent["kind"] == "building"
    assert sent["footprint"]["type"] == "Polygon" and len(sent["footprint"]["coordinates"][0]) == 5
    # what the page shows is the service's JSON for that geometry
    want = _ask(server, posts[0][1], token)
    assert got["source"] == "service"
    assert {k: v for k, v in got.items() if k not in ("source", "geometry")} == want
    # and the numbers by hand: D = 300 m, H ≤ D / 10
    assert got["verdict"] == "fail" and got["zone"] == "control" and not got["in_sun_sector"]
    assert got["distance_m"] == pytest.approx(300.0, abs=0.01)
    assert got["max_height_m"] == pytest.approx(30.0, abs=0.001)
    assert got["exceedance_m"] == pytest.approx(10.0, abs=0.001)
    assert any(f["rule"] == "height_ratio" and f["article"] == "Art. 12.3 (2) ⑥" for f in got["findings"])
    text = page.locator("#gz-result").inner_text()
    assert "Answer of the geozones service (the Python engine)" in text
    assert "Fail" in text or "FAIL" in text.upper()
    assert "30.00 m" in text and "10.00 m" in text and "300.00 m" in text and "Art. 12.3 (2) ⑥" in text
    assert want["notices"] and want["notices"][0] in text          # the approval notice (Art. 14)
    assert "Sun hidden from recorder" in text                      # the sun figures (`sunshine`)
    assert events["errors"] == []
    return got


def test_served_map_asks_the_service(browser, served):
    page, events = _open(browser, served)
    assert page.evaluate("() => GZ.service.check") == CHECK
    _assert_service_answer(page, events, served)
    # the drawing's popup says the same, and the export carries the service's answer
    page.evaluate("() => geozones.drawnGroup.eachLayer(l => l.openPopup())")
    assert "Python engine" in page.locator(".gz-drawn").inner_text()
    fc = page.evaluate("() => geozones.exportDrawing(geozones.drawnGroup)")
    props = fc["features"][0]["properties"]
    assert props["answered_by"] == "service" and props["verdict"] == "fail" and props["max_height_m"] == 30.0
    page.context.close()


def test_token_guarded_map_works_with_the_session_cookie(browser, guarded):
    page, events = _open(browser, guarded, f"/map?token={TOKEN}")
    # redirected to /map: the token out of the address bar and out of the page
    assert page.url == guarded["url"] + "/map"
    assert TOKEN not in page.content()
    cookies = page.context.cookies()
    assert [(c["name"], c["httpOnly"], c["sameSite"]) for c in cookies] == [("geozones_session", True, "Strict")]
    assert cookies[0]["value"] != TOKEN and page.evaluate("() => document.cookie") == ""
    _assert_service_answer(page, events, guarded, TOKEN)
    page.context.close()


def test_refused_by_the_service_falls_back_to_the_page_and_says_so(browser, guarded):
    """A 300-vertex polygon is a body over the guarded server's limit: 413, its detail shown,
    and the page's own evaluator's answer below it (in Chinese on a Chinese page)."""
    page, events = _open(browser, guarded, f"/map?token={TOKEN}&lang=zh")
    assert page.url == guarded["url"] + "/map?lang=zh"
    got = _draw(page, _wgs_ring(shapely.Point(0, HALF + 400).buffer(20, quad_segs=75)), 40)
    assert len(_posts(events)) == 1
    assert got["source"] == "offline" and "--max-body" in got["serviceError"]
    text = page.locator("#gz-result").inner_text()
    assert "geozones 服务未能答复" in text and "--max-body" in text and "离线评估器" in text
    # the page's own answer: D = 400 - 20 = 380 m north, H ≤ 38.00 m, 40 m fails
    assert got["verdict"] == "fail" and got["D"] == pytest.approx(380.0, abs=0.05)
    assert got["maxHeight"] == pytest.approx(got["D"] / 10, abs=0.002)
    assert events["errors"] == []
    page.context.close()


def test_without_the_cookie_the_guarded_page_is_refused(browser, guarded):
    context = browser.new_context()
    res = context.request.get(guarded["url"] + "/map")
    assert res.status == 401 and "/map?token=" in res.json()["detail"]
    res = context.request.get(guarded["url"] + "/map?token=wrong", max_redirects=0)
    assert res.status == 401 and context.cookies() == []
    context.close()
