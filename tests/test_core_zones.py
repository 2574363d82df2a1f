"""Zone geometry: distances from the fence, round corners, sector edges, straddling."""

import math

import numpy as np
import pytest
import shapely
from conftest import HALF, TAN5, at_azimuth, one, run
from shapely.geometry import LineString, Point


def test_distance_round_corner(frame):
    # 30 m east and 40 m north of the NE corner: D = 50 m exactly (3-4-5), the band's corner.
    p = Point(HALF + 30.0, HALF + 40.0)
    assert one(frame, p)["distance"] == pytest.approx(50.0, abs=1e-9)
    assert one(frame, p, "road")["zone"] == "protection"
    q = Point(HALF + 30.01, HALF + 40.0)
    assert one(frame, q, "road")["zone"] == "control"


def test_lines_polygons_points_multis_accepted(frame):
    geoms = [
        Point(0, HALF + 100),
        LineString([(-50, HALF + 100), (50, HALF + 100)]),
        shapely.box(-5, HALF + 100, 5, HALF + 110),
        shapely.MultiPolygon([shapely.box(-5, HALF + 100, 5, HALF + 110),
                              shapely.box(-5, HALF + 300, 5, HALF + 310)]),
        shapely.MultiLineString([[(0, HALF + 100), (0, HALF + 120)]]),
        shapely.MultiPoint([(0, HALF + 100), (0, HALF + 500)]),
    ]
    a = run(frame, geoms, "building", 5.0)
    np.testing.assert_allclose(a.measurements.distance_m, 100.0)
    assert list(a.zone) == ["control"] * len(geoms)


def test_polygon_with_hole_around_field(frame):
    # A ring-shaped parcel whose hole contains the field: D is to the inner ring.
    donut = shapely.Polygon(shapely.box(-500, -500, 500, 500).exterior.coords,
                            [shapely.box(-HALF - 80, -HALF - 80, HALF + 80, HALF + 80).exterior.coords])
    assert one(frame, donut)["distance"] == pytest.approx(80.0)


def test_sector_edges(frame):
    start, end = frame.sun_azimuths["sunrise"]
    r = 800.0
    assert not one(frame, at_azimuth(start - 0.05, r))["sun"]
    assert one(frame, at_azimuth(start + 0.05, r))["sun"]
    assert one(frame, at_azimuth(end - 0.05, r))["sun"]
    assert not one(frame, at_azimuth(end + 0.05, r))["sun"]
    s0, s1 = frame.sun_azimuths["sunset"]
    assert one(frame, at_azimuth((s0 + s1) / 2, r))["sun"]
    assert not one(frame, at_azimuth(180.0, r))["sun"]


def test_straddling_footprint_measured_to_part_inside_sector(frame):
    # A segment at y = 200 m from x = 100 to 500 m crosses the sunrise sector's northern edge
    # (azimuth A0 ≈ 60.06°) where x = 200 tan A0. Its nearest point to the fence overall is
    # (100, 200); the nearest point of the part inside the sector is on the edge ray.
    a0 = frame.sun_azimuths["sunrise"][0]
    x_edge = 200.0 * math.tan(math.radians(a0))
    d_all = math.hypot(100.0 - HALF, 200.0 - HALF)
    d_sun = math.hypot(x_edge - HALF, 200.0 - HALF)
    seg = LineString([(100.0, 200.0), (500.0, 200.0)])
    a = run(frame, [seg], "building", 10.0)
    assert a.measurements.distance_m[0] == pytest.approx(d_all, abs=1e-6)
    assert a.measurements.sun_distance_m[0] == pytest.approx(d_sun, abs=1e-3)
    # permitted: min(D/10, D_sun tan 5°) = min(20.69, 33.56) here, so 1/10 governs
    assert a.max_height_m[0] == pytest.approx(min(d_all / 10, d_sun * TAN5), abs=1e-3)


def test_straddling_sun_limit_governs(frame):
    # Same shape farther out: y = 2000 m, x from 1000 to 5000. Outside 1000 m the 1/10 rule
    # only reviews; the sun limit uses the distance to the part inside the sector.
    a0 = frame.sun_azimuths["sunrise"][0]
    x_edge = 2000.0 * math.tan(math.radians(a0))
    d_sun = math.hypot(x_edge - HALF, 2000.0 - HALF)
    seg = LineString([(1000.0, 2000.0), (5000.0, 2000.0)])
    a = run(frame, [seg], "building", 300.0)
    d_all = math.hypot(1000.0 - HALF, 2000.0 - HALF)
    assert a.outcomes.allowed_m[[r.id for r in a.outcomes.rules].index("sun_sector"), 0] == \
        pytest.approx(d_sun * TAN5, abs=1e-2)
    assert 300.0 < d_sun * TAN5  # the sun rule passes: 300 m < 3989 tan 5° ≈ 349 m
    # The wind is unknown and the nearest point is 2200 m out: maybe the upwind general zone,
    # where D / 10 = 221.9 m is exceeded: review, not pass (Art. 11, 13 (1)).
    assert a.max_height_m[0] == pytest.approx(d_all / 10, abs=1e-2)
    assert a.verdict[0] == "review"


def test_empty_geometry_is_not_assessed(frame):
    from geometries import EMPTY_POINT, EMPTY_POLYGON

    a = run(frame, [shapely.Point(), None, EMPTY_POLYGON, EMPTY_POINT], "building", 5.0)
    assert list(a.zone) == [None] * 4
    assert list(a.verdict) == [None] * 4


def test_zone_polygons_do_not_overlap(frame):
    polys = dict(frame.zone_polygons())
    bands = ["body", "protection", "control", "general"]
    for i, a in enumerate(bands):
        for b in bands[i + 1:]:
            assert polys[a].intersection(polys[b]).area < 1e-6
    # protection band area: (25 + 2·50)² − 4·50² + π·50² − 25² (minus the field)
    expected = (25 + 100) ** 2 - 4 * 50 ** 2 + math.pi * 50 ** 2 - 25 ** 2
    assert polys["protection"].area == pytest.approx(expected, rel=1e-3)


def test_awkward_geometries_measured_as_shapely_measures_them(frame):
    """D of each awkward geometry equals a plain ``shapely.distance`` to the 25 m fence box."""
    from geometries import FIELD, HOLE_AROUND_FIELD, MULTIPART_ACROSS_ZONES, ON_THE_LINES, POINTS, ROAD_CENTRE_LINE

    geoms = [HOLE_AROUND_FIELD, MULTIPART_ACROSS_ZONES, ROAD_CENTRE_LINE, *POINTS, *(g for _, g in ON_THE_LINES)]
    a = run(frame, geoms, height=1.0)
    want = [float(shapely.distance(g, FIELD)) for g in geoms]
    assert want[:3] == pytest.approx([20.0, 30.0, 55.0]) and want[-6:] == [d for d, _ in ON_THE_LINES]
    np.testing.assert_allclose(a.measurements.distance_m, want, atol=1e-6)
    # the nearest part governs: a multipart with a part 30 m away is in the protection range
    assert a.zone[1] == "protection" and a.zone[0] == "protection"


def test_one_millimetre_either_side_of_the_lines(frame):
    """50 m and 1000 m from the fence and 1 mm either side. The station file's tolerance is
    1 mm (``tolerance_m = 0.001``): a footprint up to 1 mm past a line still counts as within
    it, 1 cm past it does not (RULES.md: "within 50 m", "within 1000 m")."""
    from geometries import ON_THE_LINES, square_at

    got = [(d, one(frame, g, height=1.0)["zone"]) for d, g in ON_THE_LINES]
    assert got == [(49.999, "protection"), (50.0, "protection"), (50.001, "protection"),
                   (999.999, "control"), (1000.0, "control"), (1000.001, "control")]
    assert one(frame, square_at(50.01), height=1.0)["zone"] == "control"
    assert one(frame, square_at(1000.01), height=1.0)["zone"] == "general"
