"""Assessing geometries (geozones/check.py): ``assess`` and ``check`` on hostile rows, widths,
notices.

One row never kills the batch (issue 11 item 2): NaN vertices, slivers that self-intersect
only once projected, curves, mixed dimensions, collections, huge coordinates."""

from __future__ import annotations

import numpy as np
import pytest
import rasterio
import shapely
from conftest import HALF, north, square_north, to_wgs84
from geometries import BOWTIE, CIRCLE_WKT, FUZZ, NAN, geometries, sliver
from hypothesis import given
from hypothesis import strategies as st
from pyproj import CRS
from rasterio.transform import from_origin

import geozones
from geozones.check import ZoneSet, assess
from geozones.core.coords import from_frame


@pytest.fixture(scope="module")
def zones():
    return ZoneSet()




def test_assess_never_raises_and_marks_rows(zones):
    good = shapely.box(111.58, 35.51, 111.5805, 35.5105)
    geoms = [good, BOWTIE, NAN, sliver(), shapely.Point(1e300, 1e300), good]
    a = assess(geoms, kind="building", height=10.0, zones=zones)
    ref = assess([good, shapely.make_valid(BOWTIE)], kind="building", height=10.0, zones=zones)
    assert list(a.verdict[[0, 1, 5]]) == [ref.verdict[0], ref.verdict[1], ref.verdict[0]]
    assert list(a.repaired) == [False, True, False, True, False, False]
    assert a.verdict[3] is not None and a.problems[3] is None
    assert "not finite" in str(a.problems[2]) and a.verdict[2] is None
    assert a.problems[4] is not None and a.verdict[4] is None
    assert a.measurements.distance_m[0] == pytest.approx(ref.measurements.distance_m[0])


def test_assess_wkt_strings_with_a_bad_one(zones):
    a = assess(["POINT (111.5745 35.5054)", "POINT (oops)", CIRCLE_WKT], kind="building", height=5.0, zones=zones)
    assert a.verdict[0] == "pass" and a.verdict[1] is None and a.verdict[2] is not None
    assert "cannot be read" in str(a.problems[1]) or "POINT (oops)" in str(a.problems[1])


# --- fuzz: random valid and invalid geometries through the core and through screen -----------







@FUZZ
@given(st.lists(geometries(), min_size=1, max_size=8))
def test_fuzz_core(zones, wkts):
    a = assess(np.array([w or None for w in wkts], dtype=object), kind="building", height=10.0, zones=zones)
    assert len(a.verdict) == len(a.problems) == len(wkts)
    for i, w in enumerate(wkts):
        nothing = not w or "EMPTY" in w
        # every row: a verdict, or a problem saying why, or nothing to assess
        assert (a.verdict[i] is not None) + (a.problems[i] is not None) + nothing >= 1, w
        if a.verdict[i] is not None:
            assert a.verdict[i] in ("pass", "review", "fail")


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


def test_check_surveyor_order_with_dem(frame, flat_dem):
    fp = from_frame(np.array([square_north(300.0)], dtype=object), frame.crs, GK)[0]
    kw = dict(height=22.0, crs="EPSG:4546", dem=str(flat_dem), field_elevation="station")
    a = geozones.check(fp, **kw).to_dict()
    b = geozones.check(_swap([fp])[0], axis_order="yx", **kw).to_dict()
    assert a == b
    assert a["height_m"] == 31.0 and a["terrain"]["ground_elevation_m"] == 770.0
    assert a["verdict"] == "fail" and a["exceedance_m"] == pytest.approx(1.0)


def test_road_width(frame, zones):
    # centreline 55 m north of the fence: as drawn it passes ① (55 > 50); 12 m wide, its
    # subgrade edge is 55 − 6 = 49 m away: broken.
    line = to_wgs84(frame, shapely.LineString([(-200, HALF + 55), (200, HALF + 55)]))
    drawn = geozones.check(line, kind="道路", zones=zones)
    assert drawn.verdict == "pass" and drawn.distance_m == pytest.approx(55.0, abs=1e-3)
    assert any("without a width" in a for a in drawn.assumptions)
    wide = geozones.check(line, kind="道路", zones=zones, width=12.0)
    assert wide.verdict == "fail" and wide.distance_m == pytest.approx(49.0, abs=1e-3)
    assert any("12 m wide" in a for a in wide.assumptions)
    assert not any("without a width" in a for a in wide.assumptions)


def test_approval_notice_even_on_pass(frame, zones):
    r = geozones.check(to_wgs84(frame, north(300.0)), height=10.0, zones=zones)
    assert r.verdict == "pass" and r.notices
    assert "Art. 14" in r.notices[0] and "Art. 15.1" in r.notices[0]
    far = geozones.check(to_wgs84(frame, north(6000.0)), height=10.0, zones=zones)
    assert far.notices == []
    maybe = geozones.check(to_wgs84(frame, north(3000.0)), height=10.0, zones=zones)
    assert maybe.notices and "ask the authority" in maybe.notices[0] and maybe.consent == "maybe"
    zh = geozones.check(to_wgs84(frame, north(300.0)), height=10.0, zones=zones, lang="zh")
    assert "第十四条" in zh.notices[0]


def test_zone_set_takes_frame_and_storey_height_by_name_only(station):
    """Issue 23 item 12: `ZoneSet(station, pilots, 3.0)` put the storey height in the frame's
    place and failed later, deep in a screen, with an AttributeError. Both are keywords now
    (StationNetwork's storey height and sun reach too): a third positional value is refused
    where it is written, and the keyword reaches the storeys estimated from a height."""
    from geozones.check import StationNetwork

    with pytest.raises(TypeError):
        ZoneSet(station, (), 3.0)  # type: ignore[misc]
    with pytest.raises(TypeError):
        StationNetwork([station], (), 3.0)  # type: ignore[misc]
    assert ZoneSet(station, (), storey_height_m=2.5).storey_height_m == 2.5

def test_assess_a_curve_past_the_vertex_limit_is_that_rows_problem(zones):
    """issue 23, D: one curved row that would become 1,026,001 vertices; the others assessed."""
    from geometries import many_arcs_wkt

    a = assess(["POINT (111.5745 35.5054)", many_arcs_wkt(38_000)], kind="building", height=5.0, zones=zones)
    assert a.verdict[0] == "pass" and a.verdict[1] is None
    assert str(a.problems[1]).startswith("the curved geometry would become 1,026,001 vertices")


def test_the_result_names_the_footprint_it_measured_in_lonlat(station, frame):
    """Issue 27: ``footprint`` is the proposal as measured, WGS84 lon/lat WKT; projected by
    pyproj alone (azimuthal equidistant about the field centre) it is the square 300 m north
    of the fence, and a GCJ-02 input is given back in WGS84 (its offset taken off)."""
    from pyproj import Transformer

    r = geozones.check(to_wgs84(frame, square_north(300.0)), height=20)
    aeqd = Transformer.from_crs(CRS.from_epsg(4326), CRS.from_proj4(
        f"+proj=aeqd +lat_0={station.latitude_deg} +lon_0={station.longitude_deg} +ellps=GRS80 +units=m"),
        always_xy=True)
    x, y = aeqd.transform(*shapely.get_coordinates(shapely.from_wkt(r.footprint)).T)
    assert np.allclose(np.c_[x, y], shapely.get_coordinates(square_north(300.0)), atol=0.01)
    assert r.to_dict()["footprint"] == r.footprint
    import coordTransform as ct  # the GCJ-02 forward formula, the reference for the offset

    lon, lat = shapely.get_coordinates(to_wgs84(frame, north(300.0)))[0]
    g = geozones.check(shapely.Point(*ct.wgs84_to_gcj02(lon, lat)), height=20, crs="GCJ-02")
    back = shapely.get_coordinates(shapely.from_wkt(g.footprint))[0]
    assert np.allclose(back, [lon, lat], atol=2e-6)   # the inverse's 0.2 m
