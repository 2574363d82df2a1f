"""`geozones map --stations DIR`: every station drawn, the page evaluating each.

Stations: the shipped Jiangxian file and a synthetic general test station about 2.7 km east
of it (TEST DATA, not a real station), made by `geozones stations import`.
"""

from __future__ import annotations

import json
import math
import re
import shutil

import numpy as np
import pytest
import shapely
from click.testing import CliRunner
from conftest import imported_stations
from pyproj import CRS, Transformer

from geozones.check import ZoneSet
from geozones.cli import main
from geozones.core.coords import from_frame
from geozones.maps import _network_bands
from geozones.station import default_station_path, load_stations

TABLE = """id,name,name_zh,lat,lon,elevation,class,source
t_gen,Test general,测试一般站,35.504,111.6007,760,general,TEST DATA synthetic position
"""


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    st = imported_stations(tmp_path_factory.mktemp("mapnet"), TABLE)
    shutil.copy(default_station_path(), st / "jiangxian.toml")
    return st


def _gz(path):
    return json.loads(re.search(r"var GZ = (\{.*?\});\n", path.read_text(encoding="utf-8")).group(1))


def test_map_with_two_stations_has_both_stations_layers(folder, tmp_path):
    out = tmp_path / "net.html"
    res = CliRunner().invoke(main, ["map", "--stations", str(folder), "-o", str(out), "--tiles", "none", "-q"])
    assert res.exit_code == 0, res.output
    html = out.read_text(encoding="utf-8").replace("\\u2014", "—")  # folium writes layer names as JSON
    gz = _gz(out)
    assert [c["station_id"] for c in gz["network"]] == ["jiangxian", "t_gen"]
    # each station's own zones and sun sectors, named as its file names them
    for layer in ("Jiangxian national basic weather station — construction control belt (50-1000 m)",
                  "Jiangxian national basic weather station — sunrise sector",
                  "Test general — height-limit range (30-800 m)", "Test general — sunset sector",
                  "Test general — inner setback range (0-30 m)"):
        assert layer in html, layer
    # the class station's rules and sun sectors travel to the page, with its position
    gen = gz["network"][1]
    assert gen["station"]["lat"] == 35.504 and gen["station"]["lon"] == 111.6007
    assert {r["id"]: r["ratio"] for r in gen["rules"]}["height_ratio"] == 0.125
    assert 60 < gen["sun"][0][0] < 61 and 299 < gen["sun"][1][1] < 300  # 35.5° N: about 60°-120°, 240°-300°
    assert "NOT confirmed" in gen["station"]["facts"]        # its unconfirmed class defaults
    assert gen["quotes"]["height_ratio"][0].startswith("UNCONFIRMED")  # no quote: its reading
    assert "2 weather stations" in html and "worst verdict governs" in gz["legend"]


def test_single_station_map_has_no_network(tmp_path):
    out = tmp_path / "one.html"
    res = CliRunner().invoke(main, ["map", "-o", str(out), "--tiles", "none", "-q"])
    assert res.exit_code == 0, res.output
    gz = _gz(out)
    assert "network" not in gz and gz["station_id"] == "jiangxian"


def test_station_and_stations_refused_together(folder, tmp_path):
    res = CliRunner().invoke(main, ["map", "--stations", str(folder), "--station", str(default_station_path()),
                                    "-o", str(tmp_path / "x.html")])
    assert res.exit_code == 2 and "--station and --stations" in res.output


def test_bands_show_the_lowest_limit_over_the_stations(folder):
    # Hand-worked: the point 800 m east of Jiangxian's centre (D = 787.5 m from its fence, due
    # east: in its sunrise sector) permits 787.5 × tan 5° = 68.9 m there. From the general test
    # station (≈ 2.7 km further east) the point is due west, in its sunset sector, ≈ 1.9 km from
    # its fence: 1.9 km × tan 5° ≈ 165 m, and beyond its 800 m height-limit reach. In the test
    # station's own band layer the point must therefore show Jiangxian's lower limit, (60, 70],
    # not its own (160, 170].
    stations = {s.id: s for s in load_stations(folder)}
    network = [ZoneSet(stations["t_gen"], pilots=()), ZoneSet(stations["jiangxian"], pilots=())]
    x, y = Transformer.from_crs(network[1].frame.crs, network[0].frame.crs, always_xy=True).transform(800.0, 0.0)
    assert x == pytest.approx(-1900, abs=40) and abs(y) < 40
    assert 787.5 * math.tan(math.radians(5)) == pytest.approx(68.90, abs=0.01)
    bands = _network_bands(network, extent_m=2500.0)
    hit = [(lo, hi) for lo, hi, poly in bands[0] if poly.covers(shapely.Point(x, y))]
    assert hit == [(60.0, 70.0)]
    # the test station's own layer alone would say (160, 170]
    from geozones.maps import height_bands

    own = [(lo, hi) for lo, hi, poly in height_bands(network[0], 2500.0) if poly.covers(shapely.Point(x, y))]
    assert own == [(160.0, 170.0)]
    assert np.isfinite(x)


def test_page_in_a_browser_names_the_governing_station(folder, tmp_path):
    # Skipped only without /usr/bin/chromium (test_map_browser.py says the same for CI).
    import os
    from pathlib import Path

    if not Path("/usr/bin/chromium").exists() and not os.environ.get("CI"):
        pytest.skip("no /usr/bin/chromium on this machine")
    sync_api = pytest.importorskip("playwright.sync_api")
    out = tmp_path / "net.html"
    res = CliRunner().invoke(main, ["map", "--stations", str(folder), "-o", str(out), "--tiles", "none", "-q",
                                    "--lang", "zh"])
    assert res.exit_code == 0, res.output
    gen = {s.id: s for s in load_stations(folder)}["t_gen"]
    from pyproj import CRS

    from geozones.core.coords import from_frame

    zs = ZoneSet(gen, pilots=())
    pt = from_frame(np.array([shapely.Point(0, 12.5 + 400)], dtype=object), zs.frame.crs, CRS.from_epsg(4326))[0]
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page()
        errors: list = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(out.as_uri())
        page.wait_for_function("typeof window.geozones === 'object'")
        popup = page.evaluate("(p) => window.geozones.clickPopup({lat: p[0], lng: p[1]})", [pt.y, pt.x])
        far = page.evaluate("() => window.geozones.clickPopup({lat: 35.0, lng: 111.57})")
        parcel = page.evaluate("""() => window.geozones.parcelPopup({n: "p1", v: "fail", h: 60, mh: 50, ex: 10,
            r: "height_ratio", s: "ok", st: "t_gen"})""")
        markers = page.evaluate("""() => { let n = 0; const key = Object.keys(window).find(
            k => k.startsWith('map_') && window[k] instanceof L.Map);
            window[key].eachLayer(l => { if (l instanceof L.CircleMarker && l.getPopup()) n++; }); return n; }""")
        browser.close()
    assert errors == []
    # 400 m from the general station's fence: D / 8 = 50 m, set by that station
    assert "50.00 米" in popup and "起控制作用的台站" in popup and "测试一般站" in popup
    # 56 km south of Jiangxian: no station's rule applies; the nearest is named
    assert "此处不受任何台站规则约束" in far and "绛县国家基本气象站" in far
    assert markers == 2
    assert "起控制作用的台站: 测试一般站" in parcel  # a parcel screened against several stations


def test_screened_parcels_carry_their_governing_station(folder, tmp_path):
    import geopandas as gpd

    from geozones.maps import build_map, write_map

    stations = {s.id: s for s in load_stations(folder)}
    zs = ZoneSet(stations["jiangxian"], pilots=())
    geoms = from_frame(np.array([shapely.box(0, 300, 20, 320), shapely.box(2700, 300, 2720, 320)], dtype=object),
                       zs.frame.crs, CRS.from_epsg(4326))
    gdf = gpd.GeoDataFrame({"name": ["a", "b"], "gz_verdict": ["pass", "fail"], "gz_station": ["jiangxian", "t_gen"]},
                           geometry=geoms, crs=4326)
    out = tmp_path / "p.html"
    write_map(build_map(zs, gdf, tiles="none", more=[ZoneSet(stations["t_gen"], pilots=())], extent_m=1500.0), out)
    parcels = json.loads(re.search(r"var GZ_PARCELS = (\{.*?\});</script>", out.read_text(encoding="utf-8")).group(1))
    assert [f["properties"]["st"] for f in parcels["features"]] == ["jiangxian", "t_gen"]
