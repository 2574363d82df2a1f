"""One path from input to verdict (issue #9): inputs normalised once (axis order and DEM),
one rule engine for station and pilot rules (any number of rules), a pure core, station
facts from the station file, and old files still read."""

from __future__ import annotations

import ast
import json
import math
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import shapely
from click.testing import CliRunner
from conftest import HALF, read_output, square_north
from pyproj import CRS
from rasterio.transform import from_origin
from shapely import affinity

import geozones
from geozones.check import ZoneSet
from geozones.cli import main
from geozones.core.coords import from_frame
from geozones.core.station import gauss_kruger_epsg
from geozones.core.zones import StationFrame
from geozones.errors import CoordinateError, StationFileError
from geozones.pilot import load_pilot, load_pilots
from geozones.screen import ScreenOptions, screen_file
from geozones.station import default_station_path, load_station
from geozones.terrain import DEM

DATA = Path(__file__).parent / "data"
PACKAGE = Path(geozones.__file__).parent
SEAT = (111.206, 34.838)  # Pinglu county seat, inside the pilot area (WGS84)
GK = CRS.from_epsg(4546)


def _swap(geoms):
    """Coordinates written northing first, as surveyors do."""
    return shapely.transform(np.asarray(geoms, dtype=object), lambda c: c[:, ::-1])


@pytest.fixture(scope="module")
def flat_dem(tmp_path_factory):
    """A flat DEM at 770 m in EPSG:4546 covering both the station and Pinglu (100 m cells)."""
    path = tmp_path_factory.mktemp("dem") / "flat.tif"
    west, north, res = 500_000.0, 3_950_000.0, 100.0
    w, h = 700, 1200  # 500-570 km E, 3830-3950 km N
    with rasterio.open(path, "w", driver="GTiff", width=w, height=h, count=1, dtype="float32",
                       crs="EPSG:4546", transform=from_origin(west, north, res, res)) as dst:
        dst.write(np.full((h, w), 770.0, dtype="float32"), 1)
    return path


def _parcels(frame):
    """Two buildings 300 m north of the fence (limit D/10 = 30 m) and three houses in the
    Pinglu pilot area (equal 20 m squares, 6, 6 and 19 storeys), in EPSG:4546."""
    near = from_frame(np.array([square_north(300.0), square_north(300.0, 12.0)], dtype=object),
                      frame.crs, GK)
    seat = from_frame(np.array([shapely.Point(SEAT)], dtype=object), CRS.from_epsg(4326), GK)[0]
    houses = [shapely.box(seat.x + 60 * i, seat.y, seat.x + 60 * i + 20, seat.y + 20) for i in range(3)]
    return gpd.GeoDataFrame({"id": [1, 2, 3, 4, 5], "h": [21.0, 22.0, 18.0, 18.0, 57.0],
                             "floors": [None, None, 6, 6, 19], "use": [None, None, "住宅", "住宅", "住宅"]},
                            geometry=[*near, *houses], crs=4546)


def test_surveyor_order_with_dem_gives_the_easting_first_answer(tmp_path, frame, flat_dem):
    # Flat ground at 770 m, field elevation from the station file (761 m): H = h + 9 m.
    gdf = _parcels(frame)
    xy, yx = tmp_path / "xy.gpkg", tmp_path / "yx.gpkg"
    gdf.to_file(xy)
    gdf.set_geometry(_swap(gdf.geometry.values), crs=4546).to_file(yx)
    out = {}
    for name, path, order in (("xy", xy, "xy"), ("yx", yx, "yx")):
        opts = ScreenOptions(height_field="h", floors_field="floors", use_field="use", axis_order=order,
                             dem=DEM(flat_dem), field_elevation_m=761.0)
        summary = screen_file(path, tmp_path / f"o_{name}.gpkg", zones=ZoneSet(), opts=opts)
        out[name] = (read_output(tmp_path / f"o_{name}.gpkg"), summary)
    (a, sa), (b, sb) = out["xy"], out["yx"]
    gz = [c for c in a.columns if c.startswith("gz_")]
    assert a[gz].equals(b[gz])
    # 21 + 9 = 30 m meets the 30 m limit; 22 + 9 = 31 m exceeds it by 1 m
    assert list(a["gz_height_m"]) == [30.0, 31.0, 27.0, 27.0, 66.0]
    # the 19-storey house: above 18 storeys needs strict justification (review, Pinglu rules)
    assert list(a["gz_verdict"]) == ["pass", "fail", "pass", "pass", "review"]
    assert list(a["gz_ground_m"]) == [770.0] * 5 and (a["gz_status"] == "ok").all()
    # equal footprints: 6 + 6 storeys of 6 + 6 + 19 are low-rise -> 12 / 31, both ways
    assert sa.pilot_low_rise_share == pytest.approx(12 / 31, rel=1e-6)
    assert sb.pilot_low_rise_share == sa.pilot_low_rise_share
    assert sb.pilot_floor_area_m2 == pytest.approx(sa.pilot_floor_area_m2, rel=1e-9)
    assert sa.pilot_floor_area_m2 == pytest.approx(400.0 * 31, rel=1e-3)


def test_check_surveyor_order_with_dem(frame, flat_dem):
    fp = from_frame(np.array([square_north(300.0)], dtype=object), frame.crs, GK)[0]
    kw = dict(height=22.0, crs="EPSG:4546", dem=str(flat_dem), field_elevation="station")
    a = geozones.check(fp, **kw).to_dict()
    b = geozones.check(_swap([fp])[0], axis_order="yx", **kw).to_dict()
    assert a == b
    assert a["height_m"] == 31.0 and a["terrain"]["ground_elevation_m"] == 770.0
    assert a["verdict"] == "fail" and a["exceedance_m"] == pytest.approx(1.0)


def _many_rules_station(tmp_path, extra):
    text = default_station_path().read_text(encoding="utf-8")
    rows = "".join(
        f'\n[[rules]]\nid = "advice_{k:02d}"\nkinds = ["building"]\nwhere = "band"\nwithin = "control"\n'
        f'limit = "advise"\nseverity = "review"\narticle = "Test {k}"\nquote_zh = "测试"\nquote_en = "test"\n'
        for k in range(extra))
    path = tmp_path / "many.toml"
    path.write_text(text + rows, encoding="utf-8")
    return load_station(path)


def test_a_station_with_seventy_rules_screens(tmp_path, frame):
    base = len(load_station().rules)
    extra = 70 - base
    assert extra >= 20
    station = _many_rules_station(tmp_path, extra)
    assert len(station.rules) == 70
    zones = ZoneSet(station)  # with the Pinglu pilot's 3 rules: 73 rule rows in all
    assert len(zones.rules) == 73
    g = from_frame(np.array([square_north(300.0), square_north(3000.0)], dtype=object), frame.crs, GK)
    path = tmp_path / "p.gpkg"
    gpd.GeoDataFrame({"h": [40.0, 5.0]}, geometry=g, crs=4546).to_file(path)
    screen_file(path, tmp_path / "o.gpkg", zones=zones, opts=ScreenOptions(height_field="h"))
    got = read_output(tmp_path / "o.gpkg")
    # 40 m at 300 m breaks H <= D/10 (30 m) and is flagged by every added advice row too
    rules = got["gz_rules"][0].split(",")
    assert "height_ratio" in rules[:-extra]
    assert rules[-extra:] == [f"advice_{k:02d}" for k in range(extra)]
    assert got["gz_verdict"][0] == "fail" and got["gz_exceedance_m"][0] == pytest.approx(10.0)
    assert got["gz_rules"][1] in ("", None) and got["gz_verdict"][1] == "pass"


def test_pilot_rules_are_rows_of_the_one_engine():
    zones = ZoneSet()
    a = geozones.assess([shapely.Point(SEAT)] * 2, kind="building", height=[21.0, 60.0], zones=zones)
    # 7 storeys: the 6-storey norm and solar water apply (info, no flag); 20: above 18 (review)
    assert a.flagged_rules(0) == [] and a.flagged_rules(1) == ["pilot_storeys_max"]
    applied = [a.outcomes.rules[j].id for j in a.applied(0)]
    assert applied == ["pilot_storeys_norm", "pilot_solar_water"]
    assert a.verdict.tolist() == ["pass", "review"] and a.station_verdict_code.tolist() == [1, 1]
    ids = [r.id for r in a.outcomes.rules]
    assert ids[-3:] == ["pilot_storeys_max", "pilot_storeys_norm", "pilot_solar_water"]


def test_core_imports_no_io_libraries():
    code = ("import sys, geozones.core\n"
            "bad = [m for m in ('geopandas', 'pandas', 'click', 'rasterio', 'folium', 'matplotlib',"
            " 'pyogrio', 'coordTransform') if m in sys.modules]\n"
            "print(','.join(bad))")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert res.stdout.strip() == ""


def test_core_modules_import_only_numpy_shapely_pyproj():
    # At module level only numpy, shapely, pyproj and the standard library; the web-map datum
    # formulas (core/datums.py) import coordTransform (pure Python) when a GCJ-02/BD-09 input
    # is actually converted.
    allowed = {"numpy", "shapely", "pyproj", "__future__", *sys.stdlib_module_names}
    for path in sorted((PACKAGE / "core").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        lazy = {id(n) for f in ast.walk(tree) if isinstance(f, ast.FunctionDef) for n in ast.walk(f)}
        for node in ast.walk(tree):
            if id(node) in lazy and isinstance(node, ast.Import) and path.name == "datums.py" \
                    and [a.name for a in node.names] == ["coordTransform"]:
                continue
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module]
            elif isinstance(node, ast.ImportFrom):
                # relative: inside the core, or the keyed errors (no words, no imports)
                assert node.level == 1 or node.module == "errors", (path.name, node.module)
                continue
            else:
                continue
            for n in names:
                assert n.split(".")[0] in allowed, (path.name, n)


def test_no_language_branches_outside_the_catalogue():
    hits = [f"{p.relative_to(PACKAGE)}:{i}" for p in PACKAGE.rglob("*.py")
            if p.name not in ("catalogue.py", "text.py")
            for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
            if 'lang == "zh"' in line or "lang == 'zh'" in line or '_zh if lang' in line]
    assert hits == []


def test_station_schema_1_and_2_both_read():
    v1 = load_station(DATA / "station_v1.toml")
    v2 = load_station()
    assert (v1.schema, v2.schema) == ("geozones.station/1", "geozones.station/2")
    assert len(v1.rules) == (DATA / "station_v1.toml").read_text(encoding="utf-8").count("[[rules]]")
    assert v1.rule("height_ratio").ratio == v2.rule("height_ratio").ratio == 0.1
    assert v1.zone_articles == v2.zone_articles
    from geozones.text import zone_name

    for z in ("body", "protection", "control", "general", "outside"):
        for lang in ("en", "zh"):
            assert zone_name(v1, z, lang) == zone_name(v2, z, lang)
    assert v1.storey_height_m is None and v2.storey_height_m == 3.0
    # /1 with the shipped pilot: the pilot file's storey height; /2: the station file's
    assert ZoneSet(v1).storey_height_m == 3.0 and ZoneSet(v2, storey_height_m=2.8).storey_height_m == 2.8
    # the /1 general-zone height rule still states that it is a reading (no note field in /1)
    assert v1.rule("general_height").note == "assume_general_height"


def test_station_schema_unknown_names_both(tmp_path):
    p = tmp_path / "s.toml"
    p.write_text(default_station_path().read_text(encoding="utf-8").replace(
        'schema = "geozones.station/2"', 'schema = "geozones.station/9"'), encoding="utf-8")
    with pytest.raises(StationFileError, match='"geozones.station/1" or "geozones.station/2"'):
        load_station(p)


def test_pilot_schema_1_reads():
    shipped = Path(str(load_pilots()[0].boundary_source))
    (p,) = load_pilots()
    old = load_pilot(DATA / "pinglu_pilot_v1.toml", boundary=PACKAGE.parent / "data" / "pilots" / "pinglu.geojson")
    assert [r.id for r in old.rules] == [r.id for r in p.rules] and shipped.name == "pinglu.geojson"
    # the /1 file as shipped before issue 10: the 18-storey cap was a fail
    assert old.rules[0].severity == "fail" and old.rules[0].where == "area" and old.storey_height_m == 3.0


def test_storey_height_one_source_overridable(frame):
    fp = shapely.Point(SEAT)
    assert geozones.check(fp, height=21.0).pilot["storeys"] == 7            # 21 / 3
    zones = ZoneSet(storey_height_m=3.5)
    assert geozones.check(fp, height=21.0, zones=zones).pilot["storeys"] == 6  # 21 / 3.5


@pytest.mark.parametrize("lon, cm, zone", [(111.571, 111, 37), (117.1, 117, 39), (120.2, 120, 40)])
def test_gauss_kruger_zone_from_longitude(lon, cm, zone):
    no_prefix, prefix = gauss_kruger_epsg(lon)
    assert f"CM {cm}E" in CRS.from_user_input(no_prefix).name
    assert f"zone {zone}" in CRS.from_user_input(prefix).name


def test_coordinate_diagnosis_uses_the_stations_zone(tmp_path):
    # A station at 117.1° E: Gauss-Krüger coordinates with the zone number 39 in the easting
    # (EPSG:4527) given as EPSG:4326 are recognised, with no EPSG code written in the code.
    text = default_station_path().read_text(encoding="utf-8").replace(
        "longitude_deg = 111.571", "longitude_deg = 117.1").replace(
        "latitude_deg = 35.504", "latitude_deg = 36.0")
    path = tmp_path / "east.toml"
    path.write_text(text, encoding="utf-8")
    zones = ZoneSet(load_station(path), pilots=())
    site = from_frame(np.array([shapely.Point(0, 500)], dtype=object), zones.frame.crs, CRS.from_epsg(4527))[0]
    with pytest.raises(CoordinateError, match="EPSG:4527"):
        geozones.check(site, crs="EPSG:4546", zones=zones)


# --- a station file with a rotated field, other distances and ratio, a known wind --------

ROTATED = DATA / "rotated_station.toml"


@pytest.fixture(scope="module")
def rot():
    return load_station(ROTATED)


def _rotated_field(station):
    h = station.field_size_m / 2
    return affinity.rotate(shapely.box(-h, -h, h, h), -station.field_rotation_deg, origin=(0, 0))


def _at(az_deg, r):
    a = math.radians(az_deg)
    return shapely.Point(r * math.sin(a), r * math.cos(a))


def test_rotated_station_check(rot, tmp_path):
    frame = StationFrame(rot)
    runner = CliRunner()

    def run(local, height, kind="building"):
        site = from_frame(np.array([local], dtype=object), frame.crs, CRS.from_epsg(4326))[0]
        res = runner.invoke(main, ["check", "--footprint", site.wkt, "--height", str(height), "--kind", kind,
                                   "--station", str(ROTATED), "--json"])
        assert res.exit_code == 0, res.output
        return json.loads(res.output)

    # azimuth 30° is the normal of the turned field's north side: D = r − 12.5 exactly
    r = run(_at(30.0, HALF + 300.0), 61.0)
    assert r["distance_m"] == pytest.approx(300.0, abs=1e-3)
    assert r["zone"] == "control" and r["max_height_m"] == pytest.approx(60.0, abs=1e-3)  # D / 5
    assert r["verdict"] == "fail" and r["station"] == "rotated_test"
    # at 20 m from the fence (inside 30 m): no building may stand
    assert run(_at(30.0, HALF + 20.0), 1.0)["zone"] == "protection"
    # upwind (from 135°) the general zone reaches 4000 m; elsewhere 1500 m
    assert run(_at(135.0, 3000.0), 1.0)["zone"] == "general"
    assert run(_at(315.0, 3000.0), 1.0)["zone"] == "outside"
    assert run(_at(30.0, HALF + 1000.0), 201.0)["max_height_m"] == pytest.approx(200.0, abs=1e-3)
    assert not any("wind" in a for a in r["assumptions"])


def test_rotated_station_screen_zones_heightlimit(rot, tmp_path):
    frame = StationFrame(rot)
    local = [_at(30.0, HALF + 300.0), _at(135.0, 3000.0), _at(210.0, HALF + 100.0)]
    g = from_frame(np.array(local, dtype=object), frame.crs, GK)
    src = tmp_path / "in.gpkg"
    gpd.GeoDataFrame({"h": [59.0, 1.0, 25.0]}, geometry=g, crs=4546).to_file(src)
    out = tmp_path / "o.gpkg"
    res = CliRunner().invoke(main, ["screen", str(src), "-o", str(out), "--height-field", "h",
                                    "--station", str(ROTATED), "-q"])
    assert res.exit_code == 0, res.output
    got = read_output(out)
    assert list(got["gz_zone"]) == ["control", "general", "control"]
    # H <= D / 5 everywhere here (the general zone reads the same ratio, Art. 13 (1))
    d_upwind = shapely.distance(_rotated_field(rot), local[1])
    assert 2900 < d_upwind < 3000
    assert list(got["gz_max_height_m"]) == pytest.approx([60.0, d_upwind / 5, 20.0], abs=1e-3)
    assert list(got["gz_verdict"]) == ["pass", "pass", "fail"]

    zl = tmp_path / "z.gpkg"
    res = CliRunner().invoke(main, ["zones", "-o", str(zl), "--station", str(ROTATED)])
    assert res.exit_code == 0, res.output
    zones = read_output(zl).set_index("zone")
    assert zones.loc["protection", "to_m"] == 30.0 and zones.loc["control", "to_m"] == 800.0
    assert zones.loc["general", "to_m"] == 4000.0
    assert zones.loc["protection", "name"] == "protection range (0-30 m)"
    assert zones.loc["body", "article"] == "Test Art. 1"

    tif = tmp_path / "h.tif"
    res = CliRunner().invoke(main, ["heightlimit", "-o", str(tif), "--resolution", "10", "--extent", "1000",
                                    "--station", str(ROTATED), "-q"])
    assert res.exit_code == 0, res.output
    field = _rotated_field(rot)
    with rasterio.open(tif) as ds:
        band = ds.read(1)
        for x, y in ((205.0, 305.0), (-305.0, 405.0), (15.0, -505.0)):
            row, col = ds.index(x, y)
            cx, cy = ds.xy(row, col)
            d = shapely.distance(field, shapely.Point(cx, cy))
            az = math.degrees(math.atan2(cx, cy)) % 360
            assert not (55 < az < 125 or 235 < az < 305)  # outside the sun sectors
            assert band[row, col] == pytest.approx(d / 5, abs=1e-3)


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


def test_no_fallback_limits_without_rows(tmp_path):
    # A station without the sun-sector row: no sun contours and no horizon limit (no 5° default).
    text = default_station_path().read_text(encoding="utf-8")
    start = text.index('[[rules]]\nid = "sun_sector"')
    end = text.index("[[rules]]", start + 5)
    path = tmp_path / "nosun.toml"
    path.write_text(text[:start] + text[end:], encoding="utf-8")
    station = load_station(path)
    from geozones.horizon import horizon_profile
    from geozones.maps import contour_lines

    assert not [h for h, _, w in contour_lines(ZoneSet(station, pilots=()), 3000.0) if w == "sun"]
    prof = horizon_profile(StationFrame(station), np.array([shapely.box(100, -5, 110, 5)], dtype=object),
                           np.array([10.0]))
    assert prof.limit_deg is None and not prof.exceeds.any()
