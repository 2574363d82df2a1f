"""One row never kills the batch (issue 11 item 2): NaN vertices, slivers that self-intersect
only once projected, curves, mixed dimensions, collections, huge coordinates."""

import math
import sqlite3
import struct

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from click.testing import CliRunner
from conftest import read_output
from geozones.coords import parse_crs, to_frame
from geozones.curves import arc_points, linearize
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import geozones
from geozones.check import ZoneSet, assess
from geozones.cli import main
from geozones.screen import ScreenOptions, screen_file

LON0, LAT0 = 111.57, 35.512      # about 800 m north-east of the field: control belt
BOWTIE = shapely.from_wkt("POLYGON ((111.574 35.505, 111.575 35.506, 111.575 35.505, "
                          "111.574 35.506, 111.574 35.505))")
NAN = shapely.from_wkt("POLYGON ((111.574 35.505, 111.575 NaN, 111.575 35.505, 111.574 35.505))")
CIRCLE_WKT = ("CURVEPOLYGON (CIRCULARSTRING (111.574 35.505, 111.575 35.506, 111.576 35.505, "
              "111.575 35.504, 111.574 35.505))")


@pytest.fixture(scope="module")
def zones():
    return ZoneSet()


def sliver():
    """Valid in EPSG:4326; its vertex D lies 1e-7° (about 1 cm) above the 1.8 km edge AB,
    and the edge's image in the station frame bends past D: self-intersecting there."""
    a, b = (LON0, LAT0), (LON0 + 0.02, LAT0)
    c, d, e = (LON0 + 0.02, LAT0 + 0.001), (LON0 + 0.01, LAT0 + 1e-7), (LON0, LAT0 + 0.001)
    return shapely.Polygon([a, b, c, d, e, a])


def test_sliver_is_valid_here_and_invalid_in_the_frame(zones):
    g = sliver()
    local, _ = to_frame(np.array([g]), parse_crs("EPSG:4326"), zones.frame.crs, zones.anchors_m)
    assert g.is_valid and not local[0].is_valid


def test_assess_never_raises_and_marks_rows(zones):
    good = shapely.box(111.58, 35.51, 111.5805, 35.5105)
    geoms = [good, BOWTIE, NAN, sliver(), shapely.Point(1e300, 1e300), good]
    a = assess(geoms, "building", 10.0, zones=zones)
    ref = assess([good, shapely.make_valid(BOWTIE)], "building", 10.0, zones=zones)
    assert list(a.verdict[[0, 1, 5]]) == [ref.verdict[0], ref.verdict[1], ref.verdict[0]]
    assert list(a.repaired) == [False, True, False, True, False, False]
    assert a.verdict[3] is not None and a.problems[3] is None
    assert "not finite" in str(a.problems[2]) and a.verdict[2] is None
    assert a.problems[4] is not None and a.verdict[4] is None
    assert a.measurements.distance_m[0] == pytest.approx(ref.measurements.distance_m[0])


def test_assess_wkt_strings_with_a_bad_one(zones):
    a = assess(["POINT (111.5745 35.5054)", "POINT (oops)", CIRCLE_WKT], "building", 5.0, zones=zones)
    assert a.verdict[0] == "pass" and a.verdict[1] is None and a.verdict[2] is not None
    assert "cannot be read" in str(a.problems[1]) or "POINT (oops)" in str(a.problems[1])


def test_arc_linearised_like_a_circle():
    # half circle of radius 1 from (1,0) through (0,1) to (-1,0): chords of at most 4°
    pts = arc_points((1.0, 0.0), (0.0, 1.0), (-1.0, 0.0))
    assert len(pts) == 46  # 180° / 4° = 45 chords
    assert all(math.hypot(x, y) == pytest.approx(1.0) for x, y in pts)
    circle = linearize("CURVEPOLYGON (CIRCULARSTRING (0 0, 2 0, 0 0))")
    n = 90  # 360° / 4°
    assert circle.area == pytest.approx(0.5 * n * math.sin(2 * math.pi / n))   # regular 90-gon, r = 1


def _curve_wkb():
    pts = [(111.574, 35.505), (111.575, 35.506), (111.576, 35.505), (111.575, 35.504), (111.574, 35.505)]
    ring = struct.pack("<BII", 1, 8, len(pts)) + b"".join(struct.pack("<dd", *p) for p in pts)
    return struct.pack("<BII", 1, 10, 1) + ring


def test_screen_keeps_every_hostile_row(tmp_path, zones):
    good = shapely.box(111.58, 35.51, 111.5805, 35.5105)
    rows = [
        ("good", good.wkt, "ok"),
        ("bowtie", BOWTIE.wkt, "repaired"),
        ("nan", "POLYGON ((111.574 35.505, 111.575 NaN, 111.575 35.505, 111.574 35.505))", "error: coordinates not finite"),
        ("sliver", sliver().wkt, "repaired"),
        ("curve", CIRCLE_WKT, "repaired"),
        ("arc", "CIRCULARSTRING (111.574 35.505, 111.575 35.506, 111.576 35.505)", "repaired"),
        ("gc", "GEOMETRYCOLLECTION (POINT (111.5745 35.5054), LINESTRING (111.574 35.505, 111.575 35.506))", "ok"),
        ("z", "POLYGON Z ((111.574 35.505 1, 111.575 35.506 2, 111.575 35.505 3, 111.574 35.505 1))", "ok"),
        ("m", "POLYGON M ((111.574 35.505 1, 111.575 35.506 2, 111.575 35.505 3, 111.574 35.505 1))", "ok"),
        ("huge", "POINT (1e300 1e300)", "error: coordinates"),
        ("inf", "POINT (inf 35)", "error: coordinates not finite"),
        ("garbage", "POLYGON ((1 2", "error: geometry unreadable"),
        ("good2", good.wkt, "ok"),
    ]
    csv = tmp_path / "hostile.csv"
    pd.DataFrame({"name": [r[0] for r in rows], "h": 10.0, "wkt": [r[1] for r in rows]}).to_csv(csv, index=False)
    s = screen_file(csv, tmp_path / "o.gpkg", zones=zones, wkt_column="wkt",
                    opts=ScreenOptions(height_field="h"))
    got = read_output(tmp_path / "o.gpkg")
    assert s.rows == len(got) == len(rows)
    assert list(got["name"]) == [r[0] for r in rows]
    for (name, _w, want), status in zip(rows, got["gz_status"]):
        assert status.startswith(want), (name, status)
    c = geozones.check(good, height=10.0, zones=zones)
    assert got["gz_verdict"][0] == got["gz_verdict"][12] == c.verdict


def test_screen_gpkg_with_a_curved_row(tmp_path, zones):
    path = tmp_path / "curved.gpkg"
    geoms = [shapely.box(111.58, 35.51, 111.5805, 35.5105)] * 3
    gpd.GeoDataFrame({"name": ["a", "curve", "c"]}, geometry=geoms, crs=4326).to_file(
        path, SPATIAL_INDEX="NO")   # the R-tree triggers need SpatiaLite functions
    with sqlite3.connect(path) as db:   # put a CURVEPOLYGON blob in row 2, as QGIS can
        blob = b"GP" + bytes([0, 1]) + struct.pack("<i", 4326) + _curve_wkb()
        db.execute("UPDATE curved SET geom = ? WHERE name = 'curve'", (blob,))
    screen_file(path, tmp_path / "o.gpkg", zones=zones, opts=ScreenOptions(default_height_m=5.0))
    got = read_output(tmp_path / "o.gpkg")
    assert list(got["gz_status"]) == ["ok", "repaired", "ok"]
    want = geozones.check(linearize(CIRCLE_WKT), height=5.0, zones=zones)
    assert got["gz_verdict"][1] == want.verdict
    assert got["gz_distance_m"][1] == pytest.approx(want.distance_m, abs=1e-3)


@pytest.mark.parametrize("wkt, code, text", [
    ("POLYGON ((111.574 35.505, 111.575 NaN, 111.575 35.505, 111.574 35.505))", 2, "not finite"),
    ("POINT (inf 35)", 2, "not finite"),
    (BOWTIE.wkt, 0, "repaired"),
    (CIRCLE_WKT, 0, "verdict"),
])
def test_check_one_clean_line(wkt, code, text):
    res = CliRunner().invoke(main, ["check", "--footprint", wkt, "--height", "10"])
    assert res.exit_code == code, res.output
    assert "Traceback" not in res.output and text in res.output.lower()
    if code:
        assert len(res.output.strip().splitlines()) == 1


# --- fuzz: random valid and invalid geometries through the core and through screen -----------

coord = st.floats(min_value=-0.02, max_value=0.02, allow_nan=False)
special = st.sampled_from([float("nan"), float("inf"), 1e300, -1e300, 0.0])
vertex = st.tuples(coord, coord) | st.tuples(special, coord)


@st.composite
def geometries(draw):
    kind = draw(st.sampled_from(["polygon", "line", "point", "collection", "empty", "curve"]))
    pts = [(111.575 + x, 35.51 + y) for x, y in draw(st.lists(vertex, min_size=1, max_size=7))]
    if kind == "point":
        return f"POINT ({pts[0][0]!r} {pts[0][1]!r})"
    if kind == "empty":
        return draw(st.sampled_from(["POLYGON EMPTY", "", "GEOMETRYCOLLECTION EMPTY"]))
    text = ", ".join(f"{x!r} {y!r}" for x, y in pts)
    if kind == "line":
        return f"LINESTRING ({text}, {pts[0][0]!r} {pts[0][1]!r})"
    if kind == "curve":
        three = (pts * 3)[:3]
        return "CIRCULARSTRING (" + ", ".join(f"{x!r} {y!r}" for x, y in three) + ")"
    ring = f"({text}, {pts[0][0]!r} {pts[0][1]!r})"
    poly = f"POLYGON ({ring})"
    if kind == "collection":
        return f"GEOMETRYCOLLECTION ({poly}, POINT ({pts[0][0]!r} {pts[0][1]!r}))"
    return poly


FUZZ = settings(max_examples=25, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@FUZZ
@given(st.lists(geometries(), min_size=1, max_size=8))
def test_fuzz_core(zones, wkts):
    a = assess(np.array([w or None for w in wkts], dtype=object), "building", 10.0, zones=zones)
    assert len(a.verdict) == len(a.problems) == len(wkts)
    for i, w in enumerate(wkts):
        nothing = not w or "EMPTY" in w
        # every row: a verdict, or a problem saying why, or nothing to assess
        assert (a.verdict[i] is not None) + (a.problems[i] is not None) + nothing >= 1, w
        if a.verdict[i] is not None:
            assert a.verdict[i] in ("pass", "review", "fail")


@FUZZ
@given(st.lists(geometries(), min_size=1, max_size=8))
def test_fuzz_screen(zones, tmp_path_factory, wkts):
    tmp = tmp_path_factory.mktemp("fuzz")
    csv = tmp / "f.csv"
    pd.DataFrame({"i": range(len(wkts)), "wkt": wkts}).to_csv(csv, index=False)
    s = screen_file(csv, tmp / "o.csv", zones=zones, wkt_column="wkt", opts=ScreenOptions(default_height_m=10.0))
    got = pd.read_csv(tmp / "o.csv")
    assert s.rows == len(got) == len(wkts)
    assert list(got["i"]) == list(range(len(wkts)))
    assert got["gz_status"].map(lambda v: isinstance(v, str) and (
        v.startswith(("ok", "repaired", "error: ")))).all()
    assert ((got["gz_verdict"] == "error") == got["gz_status"].str.startswith("error")).all()


def test_curve_of_nan_vertices_is_that_rows_problem(zones, tmp_path):
    """Found by the fuzz test: GEOS refused to repair it and the whole run failed."""
    wkts = ["POLYGON ((111.575 35.51, 111.575 35.51))", "CIRCULARSTRING (nan 35.51, nan 35.51, nan 35.51)"]
    csv = tmp_path / "f.csv"
    pd.DataFrame({"i": range(2), "wkt": wkts}).to_csv(csv, index=False)
    s = screen_file(csv, tmp_path / "o.csv", zones=zones, wkt_column="wkt",
                    opts=ScreenOptions(default_height_m=10.0))
    got = pd.read_csv(tmp_path / "o.csv")
    assert s.rows == 2 and (got["gz_verdict"] == "error").all()
