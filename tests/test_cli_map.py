"""`geozones map`: the page from the command line, its refusals, and ``--stations DIR``: every
station drawn, the page evaluating each.

Stations: the shipped Jiangxian file and a synthetic general test station about 2.7 km east
of it (TEST DATA, not a real station), made by `geozones stations import`.
"""

from __future__ import annotations

import json
import math
import re
import shutil
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from click.testing import CliRunner
from conftest import imported_stations
from pyproj import CRS
from shapely import affinity

from geozones.check import ZoneSet
from geozones.cli import main
from geozones.core.coords import from_frame
from geozones.core.zones import StationFrame
from geozones.station import default_station_path, load_station, load_stations

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
    # the general station's H <= D / 8 is compiled into its own table (a line of slope 1/8)
    entries = [gen["table"]["entries"][e] for e in gen["table"]["kinds"]["building"]]
    assert {gen["rules"][e["rule"]]["id"]: e["line"] for e in entries}["height_ratio"] == [0.125, 0.0]
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


DATA = Path(__file__).parent / "data"


GK = CRS.from_epsg(4546)


ROTATED = DATA / "rotated_station.toml"


@pytest.fixture(scope="module")
def rot():
    return load_station(ROTATED)


def _rotated_field(station):
    h = station.field_size_m / 2
    return affinity.rotate(shapely.box(-h, -h, h, h), -station.field_rotation_deg, origin=(0, 0))


def test_rotated_station_map_contours_and_horizon(rot, tmp_path):
    from geozones.horizon import horizon_profile
    from geozones.maps import contour_lines

    zones = ZoneSet(rot, pilots=())
    lines = contour_lines(zones, 3000.0)
    ratio = sorted(h for h, _, w in lines if w == "ratio")
    # D / 5 up to 1500 m -> 300 m all round; in the upwind sector (wind from 135°: 90°-180°)
    # the general zone reaches 4000 m, so the contours go on there to the 3000 m extent: 600 m
    assert ratio == [float(h) for h in range(10, 601, 10)]
    for h, line, w in lines:
        if w == "ratio" and h > 300:
            az = np.degrees(np.arctan2(*shapely.get_coordinates(line).T)) % 360
            assert az.min() >= 90 - 1e-6 and az.max() <= 180 + 1e-6, h
    for h, line, w in lines:
        if w == "ratio":  # each contour lies D = 5 h from the turned field
            d = shapely.distance(_rotated_field(rot), shapely.Point(shapely.get_coordinates(line)[0]))
            assert d == pytest.approx(h * 5, rel=1e-3)
    sun = sorted(h for h, _, w in lines if w == "sun")
    assert sun[0] == 10.0 and max(sun) <= 3000 * math.tan(math.radians(4.0))
    html = tmp_path / "m.html"
    res = CliRunner().invoke(main, ["map", "-o", str(html), "--station", str(ROTATED), "--tiles", "none", "-q"])
    assert res.exit_code == 0, res.output
    page = html.read_text(encoding="utf-8")
    assert '"rotation_deg":30.0' in page and "protection range (0-30 m)" in page

    # a 10 m building 100 m east (sunrise sector) rises atan(10 / 100) = 5.71° > 4°
    b = shapely.box(100, -5, 110, 5)
    prof = horizon_profile(StationFrame(rot), np.array([b], dtype=object), np.array([10.0]))
    assert prof.limit_deg == 4.0 and prof.exceeds[90]
    src = tmp_path / "b.gpkg"
    g = from_frame(np.array([b], dtype=object), StationFrame(rot).crs, GK)
    gpd.GeoDataFrame({"height": [10.0]}, geometry=g, crs=4546).to_file(src)
    res = CliRunner().invoke(main, ["horizon", "--buildings", str(src), "-o", str(tmp_path / "h.svg"),
                                    "--station", str(ROTATED)])
    assert res.exit_code == 0, res.output
    assert "above 4°" in res.output and "90°" in res.output


def _gdf(frame, geoms, **cols):
    out = from_frame(np.array(geoms, dtype=object), frame.crs, CRS.from_epsg(4546))
    return gpd.GeoDataFrame(cols, geometry=gpd.GeoSeries(out, crs=4546), crs=4546)


def test_map_reads_screened_gpkg_without_layer_warning(tmp_path, frame):
    # our GeoPackage holds the data layer and QGIS's layer_styles table: the data layer is
    # read by name, so pyogrio's "More than one layer found" warning never shows
    import warnings

    src, out = tmp_path / "in.gpkg", tmp_path / "s.gpkg"
    _gdf(frame, [shapely.box(-5, 300, 5, 310)], h=[10.0]).to_file(src)
    assert CliRunner().invoke(main, ["screen", str(src), "-o", str(out), "--height-field", "h", "-q"]).exit_code == 0
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = CliRunner().invoke(main, ["map", "--parcels", str(out), "-o", str(tmp_path / "m.html"),
                                        "--tiles", "none"])
    assert res.exit_code == 0, res.output
    assert not [w for w in caught if "More than one layer" in str(w.message)]


def test_map_checks_output_folder_before_the_work_in_both_languages(tmp_path, monkeypatch):
    import geozones.maps

    def never(*_a, **_k):
        raise AssertionError("the parcels were read before the output folder was checked")

    monkeypatch.setattr(geozones.maps, "read_parcels", never)
    out = tmp_path / "missing" / "m.html"
    for lang, words in (("en", "folder"), ("zh", "文件夹")):
        res = CliRunner().invoke(main, ["map", "--parcels", "data/sample/parcels.gpkg", "-o", str(out),
                                        "--tiles", "none", "--lang", lang])
        assert res.exit_code == 3, res.output
        assert words in res.output and str(tmp_path / "missing") in res.output
        assert "Traceback" not in res.output and len(res.output.strip().splitlines()) == 1
        if lang == "zh":
            assert "does not exist" not in res.output


def test_cli_map_self_contained_unless_cdn(tmp_path):
    for flags, external in (([], False), (["--offline"], False), (["--cdn"], True)):
        out = tmp_path / "m.html"
        r = CliRunner().invoke(main, ["map", "-o", str(out), "--tiles", "none", *flags])
        assert r.exit_code == 0, r.output
        assert ("cdn.jsdelivr.net" in out.read_text(encoding="utf-8")) == external, flags


def test_cli_map_errors(tmp_path, monkeypatch):
    monkeypatch.delenv("TIANDITU_KEY", raising=False)
    r = CliRunner().invoke(main, ["map", "-o", str(tmp_path / "m.html"), "--tiles", "tianditu"])
    assert r.exit_code == 2 and "TIANDITU_KEY" in r.output
    r = CliRunner().invoke(main, ["map", "-o", str(tmp_path / "m.html"), "--tiles", "nonsense"])
    assert r.exit_code == 2 and "tile URL" in r.output
    p = tmp_path / "raw.gpkg"
    gpd.GeoDataFrame({"a": [1]}, geometry=[shapely.Point(111.57, 35.51)], crs=4326).to_file(p)
    r = CliRunner().invoke(main, ["map", "-o", str(tmp_path / "m.html"), "--parcels", str(p)])
    assert r.exit_code == 2 and "screen them first" in r.output
    r = CliRunner().invoke(main, ["map", "-o", str(tmp_path / "m.html"), "--tiles",
                                  "https://tiles.example/{z}/{x}/{y}.png", "--attribution", "me"])
    assert r.exit_code == 0 and "tiles.example" in (tmp_path / "m.html").read_text()


def test_map_from_screened_shapefile(tmp_path):
    out = tmp_path / "s.shp"
    r = CliRunner().invoke(main, ["screen", "data/sample/parcels.gpkg", "-o", str(out), "--height-field",
                                  "高度", "--kind-field", "类型", "-q"])
    assert r.exit_code == 0, r.output
    r = CliRunner().invoke(main, ["map", "--parcels", str(out), "-o", str(tmp_path / "m.html"), "--tiles", "none"])
    assert r.exit_code == 0, r.output
    gz = json.loads(re.search(r"var GZ_PARCELS = (\{.*?\});</script>", (tmp_path / "m.html").read_text(encoding="utf-8")).group(1))
    heights = [f["properties"]["mh"] for f in gz["features"]]
    assert len(gz["features"]) >= 380 and any(h is not None for h in heights)


@pytest.mark.parametrize("ext", ["gpkg", "shp"])
def test_map_parcels_screened_from_clashing_column_names(tmp_path, ext):
    # screened from a table with an attribute named geometry and one of ours in capitals:
    # the map reads our columns (a shapefile's short names too), both parcels drawn by verdict
    from conftest import write_table

    src = write_table(tmp_path / "in.gpkg", {"id": ["a", "b"], "h": [10.0, 20.0], "geometry": ["g", "h"],
                                             "GZ_VERDICT": ["fail", "fail"]})
    screened = tmp_path / f"s.{ext}"
    res = CliRunner().invoke(main, ["screen", str(src), "-o", str(screened), "--height-field", "h", "-q"])
    assert res.exit_code == 0, res.output
    res = CliRunner().invoke(main, ["map", "--parcels", str(screened), "-o", str(tmp_path / "m.html")])
    assert res.exit_code == 0 and "2 parcels" in res.output, res.output
    page = (tmp_path / "m.html").read_text(encoding="utf-8")
    verdicts = re.findall(r'"v": ?"([a-z]+)"', page)
    assert verdicts == ["pass", "pass"]   # our verdicts, not the input's "fail"
