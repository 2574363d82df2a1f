"""Map building without a browser: contours, escaping, offline resources, basemaps."""

import json
import math
import re

import geopandas as gpd
import numpy as np
import pytest
import shapely
from click.testing import CliRunner
from conftest import TAN5

from geozones.check import ZoneSet
from geozones.cli import main
from geozones.maps import _safe_json, build_map, contour_lines, write_map


@pytest.fixture(scope="module")
def zones():
    return ZoneSet()


def test_contours_at_hand_worked_distances(zones):
    field = zones.frame.field
    lines = contour_lines(zones, 3000.0)
    ratio = {h: line for h, line, w in lines if w == "ratio"}
    sun = {h: line for h, line, w in lines if w == "sun"}
    # Drawn rings are polygons with 64 segments a quarter circle; a point where a sector edge
    # cuts a ring lies on a chord, inside the circle by at most the sagitta R (1 - cos(π/256)).
    def sagitta(r):
        return r * (1 - math.cos(math.pi / 256)) + 1e-6

    # outside the sectors H = D/10: the 10 m line is 100 m from the fence, the 200 m line 2000 m
    for h, line in ratio.items():
        d = np.array([field.distance(shapely.Point(c)) for c in shapely.get_coordinates(line)])
        assert np.all(d <= h * 10 + 1e-6) and np.all(d >= h * 10 - sagitta(h * 10)), h
    # inside the sectors H = D tan 5°: 10 m at 114.3 m, 100 m at 1143 m
    for h, line in sun.items():
        d = np.array([field.distance(shapely.Point(c)) for c in shapely.get_coordinates(line)])
        assert np.all(d <= h / TAN5 + 1e-6) and np.all(d >= h / TAN5 - sagitta(h / TAN5)), h
    assert 10.0 / TAN5 == pytest.approx(114.30, abs=0.01)
    assert max(ratio) == 200.0 and max(sun) == 250.0  # 3000 m × tan 5° = 262 m


def test_safe_json_cannot_close_script():
    text = _safe_json({"n": "</script><img src=x onerror=alert(1)>&"})
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text)["n"] == "</script><img src=x onerror=alert(1)>&"


def test_offline_page_has_no_external_resources(zones, tmp_path):
    out = tmp_path / "m.html"
    write_map(build_map(zones, None, tiles="none", offline=True), out)
    page = out.read_text(encoding="utf-8")
    assert not re.search(r'<(script|link|img)[^>]+(src|href)="https?://', page)
    assert "L.map" in page or "L.Map" in page
    online = tmp_path / "o.html"
    write_map(build_map(zones, None, tiles="osm"), online)
    assert 'src="https://cdn.jsdelivr.net/npm/leaflet@1.9.4/dist/leaflet.js"' in online.read_text()
    assert "jquery" not in online.read_text().lower()


def test_hostile_names_are_not_markup(zones, tmp_path):
    gdf = gpd.GeoDataFrame({"name": ["<img src=x onerror=alert(1)>"], "gz_verdict": ["fail"],
                            "gz_rules": ["height_ratio</script>"]},
                           geometry=[shapely.box(111.574, 35.505, 111.5745, 35.5054)], crs=4326)
    out = tmp_path / "m.html"
    write_map(build_map(zones, gdf, tiles="none", offline=True), out)
    page = out.read_text(encoding="utf-8")
    assert "<img src=x" not in page and "height_ratio</script>" not in page
    assert "\\u003cimg src=x onerror=alert(1)\\u003e" in page


def test_gaode_shifts_overlays(zones, tmp_path):
    a, b = tmp_path / "a.html", tmp_path / "b.html"
    write_map(build_map(zones, None, tiles="none"), a)
    write_map(build_map(zones, None, tiles="gaode"), b)
    gz = json.loads(re.search(r"var GZ = (\{.*?\});\n", b.read_text(encoding="utf-8")).group(1))
    assert gz["gcj"] is not None and len(gz["gcj"]["d"]) == gz["gcj"]["nx"] * gz["gcj"]["ny"]
    lat, lon = gz["station"]["shown"]
    # the station drawn ~ 500-600 m east-south-east of its WGS84 position (GCJ-02 here)
    dx = (lon - 111.571) * 111_320 * math.cos(math.radians(35.504))
    dy = (lat - 35.504) * 110_950
    assert 400 < math.hypot(dx, dy) < 800 and dx > 0


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


def test_screen_writes_map(tmp_path):
    out = tmp_path / "s.gpkg"
    r = CliRunner().invoke(main, ["screen", "data/sample/parcels.gpkg", "-o", str(out), "--height-field",
                                  "高度", "--kind-field", "类型", "--map", str(tmp_path / "s.html"), "-q"])
    assert r.exit_code == 0, r.output
    assert (tmp_path / "s.html").stat().st_size > 100_000


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
