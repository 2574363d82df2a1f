"""Map building without a browser: contours, escaping, offline resources, basemaps."""

import json
import math
import re

import geopandas as gpd
import numpy as np
import pytest
import shapely
from click.testing import CliRunner
from conftest import HALF, TAN5, read_output

from geozones.check import ZoneSet
from geozones.cli import main
from geozones.maps import COLORS, _safe_json, build_map, contour_lines, height_bands, parcel_places, write_map


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


def test_default_page_is_self_contained(zones, tmp_path):
    out = tmp_path / "m.html"
    write_map(build_map(zones, None, tiles="none"), out)
    page = out.read_text(encoding="utf-8")
    # no script, stylesheet or image from anywhere: Leaflet, Leaflet.draw and their images inline
    assert not re.search(r'<(script|link|img)[^>]+(src|href)="https?://', page)
    assert not re.search(r"url\((?!['\"]?(data:|#))", page)
    assert "L.Control.Draw" in page and "L.map" in page
    online = tmp_path / "o.html"
    write_map(build_map(zones, None, tiles="osm", cdn=True), online)
    text = online.read_text()
    assert 'src="https://cdn.jsdelivr.net/npm/leaflet@1.9.4/dist/leaflet.js"' in text
    assert 'src="https://cdn.jsdelivr.net/npm/leaflet-draw@1.0.4/dist/leaflet.draw.js"' in text
    assert "jquery" not in text.lower()
    assert out.stat().st_size > online.stat().st_size + 150_000  # Leaflet + Leaflet.draw inlined


def test_cli_map_self_contained_unless_cdn(tmp_path):
    for flags, external in (([], False), (["--offline"], False), (["--cdn"], True)):
        out = tmp_path / "m.html"
        r = CliRunner().invoke(main, ["map", "-o", str(out), "--tiles", "none", *flags])
        assert r.exit_code == 0, r.output
        assert ("cdn.jsdelivr.net" in out.read_text(encoding="utf-8")) == external, flags


def test_height_bands_follow_the_stricter_limit(zones):
    # hand-worked from the rule rows: north of the field (outside the sun sectors) H = D / 10,
    # so the 20-30 m band spans D = 200-300 m; east (sunrise sector) H = D tan 5°, so the same
    # band spans D = 20/tan5 = 228.6 m to 30/tan5 = 342.9 m. Within 50 m nothing may be built.
    bands = {(lo, hi): g for lo, hi, g in height_bands(zones, 3000.0, cell_m=5.0)}
    band = bands[(20.0, 30.0)]
    for d, inside in ((205, True), (295, True), (190, False), (310, False)):
        assert band.contains(shapely.Point(0, HALF + d)) == inside, d
    for d, inside in ((236, True), (335, True), (220, False), (350, False)):
        assert band.contains(shapely.Point(HALF + d, 0)) == inside, d
    assert bands[(0.0, 0.0)].contains(shapely.Point(0, HALF + 40))
    # wind unknown: out to the upwind reach (5000 m) the general zone's H = D / 10 applies for
    # review, so 2100 m north is in the top band (> 200 m); beyond 5000 m nothing limits
    assert bands[(200.0, math.inf)].contains(shapely.Point(0, HALF + 2100))
    far = height_bands(zones, 6000.0, cell_m=20.0)
    assert not any(g.contains(shapely.Point(0, HALF + 5200)) for _lo, _hi, g in far)
    assert any(g.contains(shapely.Point(HALF + 5200, 0)) for _lo, _hi, g in far)  # sunrise sector


def test_parcel_places_groups_the_sample(zones):
    gdf = read_output("data/sample/parcels.gpkg").to_crs(4326)
    groups = parcel_places(np.asarray(gdf.geometry.values, dtype=object), ["pass"] * len(gdf), zones, "en")
    assert [g["n"] for g in groups] == [350, 40]
    assert "Jiangxian" in groups[0]["label"] and "Pinglu" in groups[1]["label"]
    (s0, w0), (n0, e0) = groups[1]["bounds"]
    assert 34.7 < s0 < n0 < 35.0 and 111.1 < w0 < e0 < 111.3  # Pinglu, ~80 km south-west


def test_verdict_colours_survive_colour_blindness():
    # Machado et al. (2009) simulation, severity 1, applied in linear RGB: every pair of verdict
    # colours stays apart for protanopes and deuteranopes (the old green/red did not)
    sims = {"protan": np.array([[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216],
                                [-0.003882, -0.048116, 1.051998]]),
            "deutan": np.array([[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
                                [-0.011820, 0.042940, 0.968881]])}

    def lin(hexcolor):
        c = np.array([int(hexcolor[i:i + 2], 16) / 255 for i in (1, 3, 5)])
        return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)

    def worst(colors):
        out = 1.0
        for m in sims.values():
            sim = {k: np.clip(m @ lin(c), 0, 1) ** (1 / 2.2) for k, c in colors.items()}
            keys = list(sim)
            out = min(out, min(np.linalg.norm(sim[a] - sim[b]) for i, a in enumerate(keys) for b in keys[i + 1:]))
        return out

    assert worst({k: COLORS[k] for k in ("pass", "review", "fail")}) > 0.2
    assert worst({"pass": "#2e7d32", "review": "#f9a825", "fail": "#c62828"}) < worst(
        {k: COLORS[k] for k in ("pass", "review", "fail")})


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


def test_map_skips_a_footprint_with_a_nan_vertex(tmp_path):
    """A row with a NaN vertex is that row's error in the table; the map draws the others
    instead of failing with GEOS's "Non-finite envelope" (a reviewer's find)."""
    good = shapely.box(552000, 3930000, 552010, 3930010)
    nan = shapely.Polygon([(552100, 3930000), (np.nan, 3930000), (552110, 3930010), (552100, 3930000)])
    src = tmp_path / "nan.parquet"
    gpd.GeoDataFrame({"PID": [0, 1], "H": [5.0, 6.0]}, geometry=gpd.GeoSeries([good, nan], crs=4546)).to_parquet(src)
    page = tmp_path / "m.html"
    r = CliRunner().invoke(main, ["screen", str(src), "-o", str(tmp_path / "o.parquet"), "--height-field", "H",
                                  "--map", str(page), "-q"])
    assert r.exit_code == 0, r.output
    assert "Traceback" not in r.output and page.stat().st_size > 100_000
    out = gpd.read_parquet(tmp_path / "o.parquet")
    assert out.sort_values("PID")["gz_verdict"].tolist() == ["pass", "error"]
