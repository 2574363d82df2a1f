"""Terrain and rasters (DEM-aware heights, the height-limit GeoTIFF, the horizon diagram),
on small synthetic DEMs made here, against values worked out by hand."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import shapely
from click.testing import CliRunner
from conftest import read_output, square_north
from pyproj import CRS
from rasterio.transform import from_origin

import geozones
from geozones.check import ZoneSet
from geozones.cli import main
from geozones.core.coords import from_frame
from geozones.screen import ScreenOptions, screen_file
from geozones.terrain import DEM

Z0 = 761.0


def _dem(path, frame, fn, half=600, res=1.0, crs=None, nodata=None):
    """A DEM on a grid whose cell centres sit on whole metres of the station frame."""
    n = int(2 * half / res)
    xs = -half + (np.arange(n) + 0.5) * res
    ys = half - (np.arange(n) + 0.5) * res
    gx, gy = np.meshgrid(xs, ys)
    z = fn(gx, gy).astype("float32")
    profile = dict(driver="GTiff", width=n, height=n, count=1, dtype="float32",
                   crs=(crs or frame.crs).to_wkt(), transform=from_origin(-half, half, res, res),
                   nodata=nodata)
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(z, 1)
    return path


def plane(x, y):
    return Z0 + 0.05 * x  # rises 5 cm per metre eastwards


def _wgs(frame, geom):
    return from_frame(np.array([geom], dtype=object), frame.crs, CRS.from_epsg(4326))[0]


@pytest.fixture
def plane_dem(tmp_path, frame):
    # half-cell offset: cell centres at ..., -0.5, 0.5, ... so shift to whole metres
    return _dem(tmp_path / "plane.tif", frame, plane, half=600.5)


def test_effective_height_on_tilted_plane(frame, plane_dem):
    # Footprint x 100..110 m, y 200..210 m. Cells touched reach x = 110 (cell centre 110):
    # ground = 761 + 0.05 × 110 = 766.5 m; field (DEM at centre, x = 0) = 761 m.
    # H = 10 + 766.5 − 761 = 15.5 m. D = hypot(100 − 12.5, 200 − 12.5) = 206.92 m → 20.69 m.
    fp = _wgs(frame, shapely.box(100, 200, 110, 210))
    r = geozones.check(fp, height=10.0, dem=plane_dem)
    assert r.terrain["ground_elevation_m"] == pytest.approx(766.5, abs=1e-3)
    assert r.terrain["field_elevation_m"] == pytest.approx(Z0, abs=1e-3)
    assert r.height_m == pytest.approx(15.5, abs=1e-3) and r.verdict == "pass"
    assert r.max_height_m == pytest.approx(math.hypot(87.5, 187.5) / 10, abs=1e-3)
    bad = geozones.check(fp, height=16.0, dem=plane_dem)           # 21.5 m > 20.69 m
    assert bad.verdict == "fail" and bad.exceedance_m == pytest.approx(21.5 - 20.692, abs=2e-3)
    assert any("766.5" in a for a in r.assumptions)


def test_field_elevation_from_station_and_other_crs(tmp_path, frame):
    # A flat DEM at 770 m in EPSG:4546: with the station's 761 m the ground adds 9 m.
    from rasterio.transform import from_origin as fo

    path = tmp_path / "flat4546.tif"
    e0, n0 = 551804.2, 3930659.2
    with rasterio.open(path, "w", driver="GTiff", width=400, height=400, count=1, dtype="float32",
                       crs="EPSG:4546", transform=fo(e0 - 1000, n0 + 1000, 5, 5)) as dst:
        dst.write(np.full((400, 400), 770.0, dtype="float32"), 1)
    fp = _wgs(frame, shapely.box(-5, 300, 5, 310))
    assert geozones.check(fp, height=10.0, dem=path).height_m == pytest.approx(10.0)
    r = geozones.check(fp, height=10.0, dem=path, field_elevation="station")
    assert r.height_m == pytest.approx(19.0) and r.terrain["field_elevation_source"] == "station file"


def test_outside_and_nodata(tmp_path, frame, plane_dem):
    far = _wgs(frame, shapely.box(900, 900, 910, 910))
    res = CliRunner().invoke(main, ["check", "--footprint", far.wkt, "--height", "5", "--dem", str(plane_dem)])
    assert res.exit_code == 2 and "outside the DEM" in res.output
    holes = _dem(tmp_path / "holes.tif", frame, lambda x, y: np.where(x > 100, -9999.0, plane(x, y)),
                 half=600.5, nodata=-9999.0)
    inside_hole = _wgs(frame, shapely.box(200, 200, 210, 210))
    with pytest.raises(geozones.GeozonesError, match="no data under the footprint"):
        geozones.check(inside_hole, height=5.0, dem=holes)
    part = geozones.check(_wgs(frame, shapely.box(95, 200, 105, 210)), height=5.0, dem=holes)
    assert part.terrain["nodata_cells"] > 0 and part.terrain["ground_elevation_m"] == pytest.approx(766.0)
    res = CliRunner().invoke(main, ["check", "--footprint", far.wkt, "--dem", str(tmp_path / "no.tif"), "--height", "1"])
    assert res.exit_code == 2 and "does not exist" in res.output


def test_measure_points_distance_is_shapelys(frame):
    """Both measuring paths (points as coordinates, points as geometries) give D as a plain
    ``shapely.distance`` to the 25 m fence box, and the zone the rule text gives for that D
    (protection below 50 m, control below 1000 m; points within 1 cm of a line left out)."""
    from geometries import FIELD

    rng = np.random.default_rng(11)
    x, y = rng.uniform(-3000, 3000, 500), rng.uniform(-3000, 3000, 500)
    want = shapely.distance(shapely.points(x, y), FIELD)
    a = frame.measure_points(x, y)
    b = frame.measure(shapely.points(x, y))
    np.testing.assert_allclose(a.distance_m, want, atol=1e-6)
    np.testing.assert_allclose(b.distance_m, want, atol=1e-6)
    clear = (np.abs(want - 50) > 0.01) & (np.abs(want - 1000) > 0.01) & (want > 0) & (want < 1000)
    from geozones.core.zones import ZONES

    hand = np.where(want < 50, ZONES.index("protection"), ZONES.index("control"))
    assert clear.sum() > 10
    np.testing.assert_array_equal(a.zone[clear], hand[clear])
    np.testing.assert_array_equal(b.zone[clear], hand[clear])


def test_screen_with_dem(tmp_path, frame, plane_dem):
    import geopandas as gpd

    from geozones.screen import ScreenOptions, screen_file

    g = [_wgs(frame, shapely.box(100, 200, 110, 210)), _wgs(frame, shapely.box(900, 900, 910, 910))]
    path = tmp_path / "p.gpkg"
    gpd.GeoDataFrame({"h": [10.0, 10.0]}, geometry=g, crs=4326).to_file(path)
    screen_file(path, tmp_path / "o.gpkg", zones=ZoneSet(),
                opts=ScreenOptions(height_field="h", dem=DEM(plane_dem), field_elevation_m=Z0))
    got = read_output(tmp_path / "o.gpkg")
    assert got["gz_height_m"][0] == pytest.approx(15.5) and got["gz_ground_m"][0] == pytest.approx(766.5)
    assert got["gz_status"][1].startswith("error") and "outside the DEM" in got["gz_status"][1]


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


WEST = (-200, 200, -190, 210)


def test_check_dem_top_below_field_is_assessed(frame, plane_dem):
    fp = _wgs(frame, shapely.box(*WEST))
    r = geozones.check(fp, height=5.0, dem=plane_dem)
    assert r.terrain["ground_elevation_m"] == pytest.approx(751.5, abs=1e-3)
    assert r.terrain["effective_height_m"] == pytest.approx(-4.5, abs=1e-3)
    assert r.height_m == 0.0 and r.exceedance_m == 0.0 and r.verdict == "pass"
    assert any("below the observation field" in a for a in r.assumptions)
    res = CliRunner().invoke(main, ["check", "--footprint", fp.wkt, "--height", "5", "--dem", str(plane_dem)])
    assert res.exit_code == 0 and "Traceback" not in res.output, res.output


def test_screen_dem_on_sloping_ground(tmp_path, frame, plane_dem):
    g = [_wgs(frame, shapely.box(*WEST)), _wgs(frame, shapely.box(100, 200, 110, 210))]
    path = tmp_path / "p.gpkg"
    gpd.GeoDataFrame({"h": [5.0, 10.0]}, geometry=g, crs=4326).to_file(path)
    screen_file(path, tmp_path / "o.gpkg", zones=ZoneSet(),
                opts=ScreenOptions(height_field="h", dem=DEM(plane_dem), field_elevation_m=Z0))
    got = read_output(tmp_path / "o.gpkg")
    assert list(got["gz_verdict"]) == ["pass", "pass"]
    assert got["gz_height_m"][0] == 0.0 and got["gz_ground_m"][0] == pytest.approx(751.5)
    assert "top below field ground" in got["gz_status"][0]
    assert got["gz_height_m"][1] == pytest.approx(15.5)       # 10 + 766.5 − 761
