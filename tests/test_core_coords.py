"""CRS handling: the same proposal in three CRSs, axis orders, and refused coordinates."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from conftest import HALF, square_north, station_file_at
from geometries import (
    B54_EPSG,
    B54_TOWGS84,
    FIELD,
    SHED_M,
    X80_EPSG,
    X80_TOWGS84,
    datum_shed,
    shed_distance,
    sliver,
)
from pyproj import CRS

import geozones
from geozones.check import ZoneSet
from geozones.core.coords import from_frame, parse_crs, to_frame
from geozones.errors import CoordinateError, CRSError
from geozones.station import default_station_path, load_station


def _in(frame, geom, epsg):
    return from_frame(np.array([geom], dtype=object), frame.crs, CRS.from_epsg(epsg))[0]


def _swap(geom):
    return shapely.transform(geom, lambda c: c[:, ::-1])


def test_station_position_in_gauss_kruger(frame):
    # Worked by hand with the Gauss-Krüger series on GRS80 (φ = 35.504°, Δλ = 0.571°):
    # N = a / sqrt(1 − e² sin²φ) = 6 385 347 m; E ≈ 500 000 + N cosφ Δλ (1 + ...) = 551 804.2;
    # N ≈ meridian arc 3 930 509.3 + N tanφ (Δλ cosφ)² / 2 = 3 930 659.2.
    # (RULES.md §3 says "about E 551 413, N 3 930 213"; that is ~400 m off.)
    p = _in(frame, shapely.Point(0, 0), 4546)
    assert p.x == pytest.approx(551804.2, abs=0.5) and p.y == pytest.approx(3930659.2, abs=0.5)
    p37 = _in(frame, shapely.Point(0, 0), 4525)
    assert p37.x == pytest.approx(37551804.2, abs=0.5) and p37.y == pytest.approx(p.y, abs=0.01)


def test_same_answer_in_three_crs(frame):
    local = square_north(300.0)
    results = [geozones.check(_in(frame, local, epsg), height=29.0, crs=f"EPSG:{epsg}")
               for epsg in (4326, 4546, 4525)]
    for r in results:
        assert r.distance_m == pytest.approx(300.0, abs=0.01)
        assert r.max_height_m == pytest.approx(30.0, abs=0.001)
        assert r.verdict == "pass"
    assert max(r.distance_m for r in results) - min(r.distance_m for r in results) < 0.01


def test_cgcs2000_geographic_equals_wgs84(frame):
    g = _in(frame, square_north(300.0), 4326)
    assert geozones.check(g, height=1, crs="EPSG:4490").distance_m == pytest.approx(300.0, abs=0.01)


def test_northing_first_with_axis_order(frame):
    g = _swap(_in(frame, square_north(300.0), 4546))
    r = geozones.check(g, height=1, crs="EPSG:4546", axis_order="yx")
    assert r.distance_m == pytest.approx(300.0, abs=0.01)
    with pytest.raises(CoordinateError, match="northing first.*--axis-order yx"):
        geozones.check(g, height=1, crs="EPSG:4546")


def test_latitude_first_refused_with_hint(frame):
    g = _swap(_in(frame, square_north(300.0), 4326))
    with pytest.raises(CoordinateError, match="latitude and longitude swapped"):
        geozones.check(g, height=1)
    assert geozones.check(g, height=1, axis_order="yx").distance_m == pytest.approx(300, abs=0.01)


@pytest.mark.parametrize("given, epsg, fit", [
    ("EPSG:4326", 4546, "EPSG:4546"),     # projected metres labelled as degrees
    ("EPSG:4546", 4525, "EPSG:4525"),     # zone prefix present, CRS without it
    ("EPSG:4525", 4546, "EPSG:4546"),     # zone prefix missing, CRS with it
    ("EPSG:4546", 4326, "EPSG:4326"),     # degrees labelled as metres
])
def test_wrong_crs_names_the_right_one(frame, given, epsg, fit):
    g = _in(frame, square_north(300.0), epsg)
    with pytest.raises(CoordinateError, match=f"fit {fit}"):
        geozones.check(g, height=1, crs=given)


def test_far_site_refused(frame):
    with pytest.raises(CoordinateError, match=r"site is 6\d\d km"):
        geozones.check("POINT (116.4 39.9)", height=1)  # Beijing


def test_far_site_zh_message(frame):
    with pytest.raises(CoordinateError) as info:
        geozones.check("POINT (116.4 39.9)", height=1)
    assert "公里" in info.value.localized("zh")


def test_unknown_crs():
    with pytest.raises(CRSError, match="unknown CRS 'EPSG:99999'"):
        parse_crs("EPSG:99999")
    assert parse_crs("4546").to_epsg() == 4546


def test_batch_flags_bad_rows_only(frame):
    good = _in(frame, square_north(300.0), 4326)
    a = geozones.assess([good, _swap(good), good], kind="building", height=5.0)
    assert list(a.zone) == ["control", None, "control"]
    assert a.problems[0] is None and a.problems[2] is None
    assert "swapped" in str(a.problems[1])


def test_field_corner_distance_in_wgs84(frame):
    # A point 30 m east and 40 m north of the NE fence corner is 50 m from the fence.
    p = _in(frame, shapely.Point(HALF + 30, HALF + 40), 4326)
    assert geozones.check(p, kind="road").distance_m == pytest.approx(50.0, abs=0.01)




@pytest.fixture(scope="module")
def zones():
    return ZoneSet()




def test_sliver_is_valid_here_and_invalid_in_the_frame(zones):
    g = sliver()
    local, _ = to_frame(np.array([g]), parse_crs("EPSG:4326"), zones.frame.crs, zones.anchors_m)
    assert g.is_valid and not local[0].is_valid


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


# --- every datum honoured (issue 23, item 2) ---------------------------------------------------

JX = (111.571, 35.504)   # the shipped station's field centre, lon/lat [deg]


@pytest.mark.parametrize("crs", [B54_TOWGS84, X80_TOWGS84, B54_EPSG, X80_EPSG])
@pytest.mark.parametrize("fast", [True, False])
def test_the_datum_shift_is_applied_on_the_way_into_the_frame(frame, monkeypatch, crs, fast):
    """Beijing 1954 and Xian 1980 Gauss-Krüger coordinates land where PROJ's own
    transformation to WGS84 puts them (the +towgs84 applied; for the EPSG codes, PROJ's
    ballpark, which is all it has in Shanxi), through the verified polynomial and without it."""
    from geozones.core import fastframe

    monkeypatch.setattr(fastframe, "ENABLED", fast)
    shed, d = datum_shed(crs, *JX)
    local, problems = to_frame(np.array([shed]), parse_crs(crs), frame.crs)
    assert problems[0] is None
    assert shapely.distance(local[0], FIELD) == pytest.approx(d, abs=0.001)
    assert d == pytest.approx(SHED_M, abs=0.01)
    if "+towgs84" in crs:   # the shift matters: dropped, the shed reads 64-82 m away and passes
        naive = crs.split(" +towgs84=")[0] + " +units=m +no_defs"
        assert shed_distance(shed, naive, *JX) > SHED_M + 20


def test_an_epsg_datum_shift_where_proj_has_one(tmp_path):
    """Beijing 1954 (EPSG:2433, CM 108°E) at a station in the Ordos basin, where EPSG's
    "Beijing 1954 to WGS 84" transformations apply: the shed lands where PROJ's shifts put
    it, tens of metres from where the ballpark would, and no ballpark is reported."""
    from geozones.core.coords import unknown_shift, wgs84_aligned

    lon, lat = 108.9, 37.5
    zones = ZoneSet(load_station(station_file_at(tmp_path, lon, lat, "ordos")), pilots=())
    shed, d = datum_shed("EPSG:2433", lon, lat)
    r = geozones.check(shed, height=3, crs="EPSG:2433", zones=zones)
    assert r.distance_m == pytest.approx(d, abs=0.01) and d == pytest.approx(SHED_M, abs=0.01)
    assert r.verdict == "fail" and r.zone == "protection"
    ballpark = "+proj=tmerc +lat_0=0 +lon_0=108 +k=1 +x_0=500000 +y_0=0 +ellps=krass +units=m"  # no shift
    assert shed_distance(shed, ballpark, lon, lat) > SHED_M + 20
    assert not wgs84_aligned(parse_crs("EPSG:2433"))
    assert unknown_shift(parse_crs("EPSG:2433"), [(lon, lat)]) is None
    assert not any("ballpark" in a for a in r.assumptions)


@pytest.mark.parametrize("crs, aligned", [
    ("EPSG:4326", True), ("EPSG:4490", True), ("EPSG:4546", True), ("EPSG:32649", True),
    ("EPSG:7789", True), ("+proj=tmerc +lon_0=111 +ellps=GRS80 +units=m", True), ("GCJ-02", True),
    (B54_TOWGS84, False), (X80_TOWGS84, False), (B54_EPSG, False), (X80_EPSG, False),
    ("EPSG:4214", False), ("+proj=tmerc +lon_0=111 +ellps=krass +units=m", False)])
def test_which_datums_are_read_as_wgs84(crs, aligned):
    from geozones.core.coords import wgs84_aligned

    assert wgs84_aligned(parse_crs(crs)) is aligned


@pytest.mark.parametrize("crs, datum", [
    (B54_EPSG, "Beijing 1954"), (X80_EPSG, "Xian 1980"), ("EPSG:4214", "Beijing 1954"),
    ("+proj=tmerc +lon_0=111 +ellps=krass +units=m", "Unknown based on Krassovsky, 1942 ellipsoid"),
    (B54_TOWGS84, None), (X80_TOWGS84, None), ("EPSG:4546", None), ("EPSG:4326", None), ("BD-09", None)])
def test_a_ballpark_is_named_from_what_proj_reports(crs, datum):
    """At Jiangxian PROJ has no Beijing 1954 or Xian 1980 transformation (only a ballpark):
    the datum is named; a +towgs84 (or WGS84/CGCS2000 itself) is a known shift: None."""
    from pyproj.transformer import TransformerGroup

    from geozones.core.coords import unknown_shift

    assert unknown_shift(parse_crs(crs), [JX]) == datum
    if datum is not None and crs.startswith("EPSG"):   # what PROJ itself lists here
        group = TransformerGroup(crs, "EPSG:4326", always_xy=True,
                                 area_of_interest=__import__("pyproj").aoi.AreaOfInterest(*JX, *JX))
        assert all("Ballpark" in t.description for t in group.transformers)
