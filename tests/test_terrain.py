"""Terrain and rasters (DEM-aware heights, the height-limit GeoTIFF, the horizon diagram),
on small synthetic DEMs made here, against values worked out by hand."""

import math

import numpy as np
import pytest
import rasterio
import shapely
from click.testing import CliRunner
from conftest import HALF, TAN5, read_output
from pyproj import CRS
from rasterio.transform import from_origin

import geozones
from geozones.check import ZoneSet
from geozones.cli import main
from geozones.core.coords import from_frame
from geozones.heightlimit import NODATA, permitted_height_at, write_heightlimit
from geozones.horizon import horizon_profile
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


def test_measure_points_agrees_with_measure(frame):
    rng = np.random.default_rng(11)
    x, y = rng.uniform(-3000, 3000, 500), rng.uniform(-3000, 3000, 500)
    a = frame.measure_points(x, y)
    b = frame.measure(shapely.points(x, y))
    np.testing.assert_allclose(a.distance_m, b.distance_m, atol=1e-9)
    np.testing.assert_array_equal(a.zone, b.zone)
    np.testing.assert_array_equal(a.in_sun_sector, b.in_sun_sector)


def test_heightlimit_raster_agrees_with_check(tmp_path, frame):
    path = tmp_path / "limit.tif"
    write_heightlimit(path, frame, resolution_m=10.0, extent_m=1500.0)
    with rasterio.open(path) as ds:
        assert ds.profile["tiled"] and ds.profile["compress"] == "deflate" and ds.nodata == NODATA
        band = ds.read(1)
        # cell centres at -1495, -1485, ...: pick some and compare with a 2 cm footprint there
        for row, col in [(100, 150), (149, 149), (150, 160), (40, 260), (0, 0), (150, 290), (120, 175)]:
            x, y = ds.xy(row, col)
            val = band[row, col]
            r = geozones.check(_wgs(frame, shapely.Point(x, y).buffer(0.01, quad_segs=2)), kind="building")
            if r.max_height_m is None:
                assert val == NODATA, (x, y)
            else:
                assert val == pytest.approx(r.max_height_m, abs=2e-3), (x, y, val, r.max_height_m)


def test_heightlimit_hand_values(frame):
    # north 300 m: 30 m (1/10); east 100 m: 100 tan 5° = 8.749 m; inside the field: 0;
    # 2500 m north, wind unknown: maybe upwind, D / 10 = 250 m (review); 5500 m: no limit (NaN)
    v = permitted_height_at(frame, np.array([0.0, HALF + 100, 0.0, 0.0, 0.0]),
                            np.array([HALF + 300, 0.0, 0.0, HALF + 2500, HALF + 5500]))
    assert v[0] == pytest.approx(30.0) and v[1] == pytest.approx(100 * TAN5) and v[2] == 0
    assert v[3] == pytest.approx(250.0) and np.isnan(v[4])


def test_heightlimit_modes_with_dem(tmp_path, frame, plane_dem):
    dem = DEM(plane_dem)
    for mode, expect in (("ground", lambda lim, x: lim - 0.05 * x), ("absolute", lambda lim, x: lim + Z0)):
        path = tmp_path / f"{mode}.tif"
        write_heightlimit(path, frame, resolution_m=10.0, extent_m=500.0, dem=dem, mode=mode,
                          field_elevation_m=Z0)
        with rasterio.open(path) as ds:
            band = ds.read(1)
            row, col = ds.index(205.0, 405.0)  # a cell centre at x = 205, y = 405 (north-east)
            x, y = ds.xy(row, col)
            lim = permitted_height_at(frame, np.array([x]), np.array([y]))[0]
            assert band[row, col] == pytest.approx(expect(lim, x), abs=0.05)


def test_cli_heightlimit(tmp_path, plane_dem):
    out = tmp_path / "l.tif"
    res = CliRunner().invoke(main, ["heightlimit", "-o", str(out), "--resolution", "20", "--extent", "500",
                                    "--crs", "EPSG:4546"])
    assert res.exit_code == 0, res.output
    with rasterio.open(out) as ds:
        assert ds.crs.to_epsg() == 4546 and ds.width == 50
    res = CliRunner().invoke(main, ["heightlimit", "-o", str(tmp_path / "x.tif"), "--mode", "ground"])
    assert res.exit_code == 2 and "needs --dem" in res.output
    res = CliRunner().invoke(main, ["heightlimit", "-o", str(tmp_path / "a.tif"), "--dem", str(plane_dem),
                                    "--absolute", "--extent", "300"])
    assert res.exit_code == 0, res.output


def test_horizon_buildings_hand_worked(frame):
    # A 10 m × 10 m block from y = 100 to 110 m, x = -5..5, 20 m high:
    # azimuth 0°: nearest point 100 m away -> atan(20/100) = 11.31°;
    # azimuth 2°: the ray meets y = 100 at x = 3.49 (inside) at 100 / cos 2° = 100.061 m;
    # azimuth 3°: x = 5.24 > 5, the ray misses it.
    block = shapely.box(-5, 100, 5, 110)
    p = horizon_profile(frame, np.array([block], dtype=object), np.array([20.0]))
    assert p.elevation_deg[0] == pytest.approx(math.degrees(math.atan(20 / 100)), abs=1e-6)
    assert p.elevation_deg[2] == pytest.approx(math.degrees(math.atan(20 / (100 / math.cos(math.radians(2))))), abs=1e-6)
    assert p.elevation_deg[3] == 0 and p.elevation_deg[358] > 11
    assert p.exceeds[0] and not p.in_sun_sector[0]


def test_horizon_hill(tmp_path, frame):
    # Gaussian hill 50 m high, σ = 200 m, 1500 m north. Seen from the field ground the steepest
    # angle at azimuth 0 is max over d of atan(50 exp(−(d − 1500)² / (2·200²)) / d), found here
    # by a fine scan; towards the south there is nothing.
    def hill(x, y):
        return Z0 + 50 * np.exp(-((x) ** 2 + (y - 1500) ** 2) / (2 * 200 ** 2))

    dem = DEM(_dem(tmp_path / "hill.tif", frame, hill, half=2500.5, res=5.0))
    p = horizon_profile(frame, np.array([], dtype=object), np.array([]), dem=dem, field_elevation_m=Z0,
                        terrain_radius_m=2400, terrain_step_m=5.0)
    d = np.arange(5.0, 2400.0, 0.1)
    expected = np.degrees(np.arctan(50 * np.exp(-(d - 1500) ** 2 / (2 * 200 ** 2)) / d)).max()
    assert p.elevation_deg[0] == pytest.approx(expected, abs=0.02)
    assert expected == pytest.approx(1.93, abs=0.05)
    assert p.elevation_deg[180] < 1e-3 and p.source[0] == "terrain"


def test_cli_horizon(tmp_path, frame):
    import geopandas as gpd

    b = gpd.GeoDataFrame({"id": ["tower"], "height": [30.0]},
                         geometry=[_wgs(frame, shapely.box(200, -10, 220, 10))], crs=4326)
    path = tmp_path / "b.gpkg"
    b.to_file(path)
    out, csv = tmp_path / "h.png", tmp_path / "h.csv"
    res = CliRunner().invoke(main, ["horizon", "--buildings", str(path), "-o", str(out), "--csv", str(csv)])
    assert res.exit_code == 0, res.output
    # 30 m at 200 m east (in the sunrise sector): atan(30/200) = 8.53° > 5° at 88°-92°
    assert "88°" in res.output and "90°" in res.output and out.stat().st_size > 10_000
    import pandas as pd

    df = pd.read_csv(csv)
    assert len(df) == 360 and df.loc[90, "elevation_deg"] == pytest.approx(math.degrees(math.atan(30 / 200)), abs=1e-3)
    svg = tmp_path / "h.svg"
    res = CliRunner().invoke(main, ["horizon", "--buildings", str(path), "-o", str(svg), "--lang", "zh"])
    assert res.exit_code == 0 and svg.read_text(encoding="utf-8").lstrip().startswith("<?xml")
    assert "日出/日落方向超过 5° 的方位" in res.output
    from matplotlib import font_manager

    from geozones.horizon import CJK_FONTS

    has_cjk = any(f.name in CJK_FONTS for f in font_manager.fontManager.ttflist)
    assert ("未找到中文字体" in res.stderr) == (not has_cjk)
    res = CliRunner().invoke(main, ["horizon", "-o", str(tmp_path / "x.png")])
    assert res.exit_code == 2 and "nothing to draw" in res.output
    res = CliRunner().invoke(main, ["horizon", "--buildings", str(path), "-o", str(tmp_path / "x.jpg")])
    assert res.exit_code == 3 and ".png, .svg" in res.output


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


def test_heightlimit_dem_prohibited_stays_zero_and_clamps(tmp_path, frame):
    # DEM rising 0.1 m per metre eastwards (z = Z0 + 0.1 x); 5 m cells centred at ..., 2.5, 7.5, ...
    # (a) x = ±37.5, y = 2.5: 25 m from the fence, inside the 0–50 m protection range: nothing may
    #     stand. The old formula gave 0 − (±3.75) = ∓3.75 m; now 0 (ground) / ground (absolute).
    # (b) x = 112.5, y = 2.5: 100 m east, permitted 100 tan 5° = 8.749 m above the field, but the
    #     ground is 11.25 m above the field: clamped to 0, the top equals the local ground.
    # (c) x = 2.5, y = 312.5: 300 m north, 30 m (1/10); ground 0.25 m above the field: 29.75 m.
    dem = DEM(_dem(tmp_path / "steep.tif", frame, lambda x, y: Z0 + 0.1 * x, half=600.5))
    cells = {"west": (-37.5, 2.5), "east": (37.5, 2.5), "clamp": (112.5, 2.5), "north": (2.5, 312.5)}
    above = {"west": 0.0, "east": 0.0, "clamp": 0.0, "north": 29.75}
    ground = {k: Z0 + 0.1 * x for k, (x, _) in cells.items()}
    for mode in ("ground", "absolute"):
        path = tmp_path / f"{mode}.tif"
        stats = write_heightlimit(path, frame, resolution_m=5.0, extent_m=500.0, dem=dem, mode=mode,
                                  field_elevation_m=Z0)
        with rasterio.open(path) as ds:
            band = ds.read(1)
            for k, (x, y) in cells.items():
                row, col = ds.index(x, y)
                assert ds.xy(row, col) == pytest.approx((x, y))
                want = above[k] if mode == "ground" else ground[k] + above[k]
                assert band[row, col] == pytest.approx(want, abs=0.01), (mode, k)
            if mode == "ground":
                limited = band != NODATA
                assert band[limited].min() == 0  # never negative
                assert stats["zero"] == int((band[limited] == 0).sum()) and stats["min"] == 0
                zero_ground = stats["zero"]
            else:
                assert stats["zero"] == zero_ground  # the same cells counted in both modes


def test_cli_heightlimit_dem_without_mode_warns(tmp_path, plane_dem):
    res = CliRunner().invoke(main, ["heightlimit", "-o", str(tmp_path / "f.tif"),
                                                    "--dem", str(plane_dem), "--extent", "100"])
    assert res.exit_code == 0, res.output
    assert "--dem is not used with --mode field" in res.stderr and "--mode ground" in res.stderr
