"""The horizon profile (geozones/horizon.py): elevations by hand from atan(H / D)."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import shapely
from click.testing import CliRunner
from conftest import HALF, to_wgs84
from rasterio.transform import from_origin

import geozones
from geozones.check import ZoneSet
from geozones.cli import main
from geozones.core.zones import StationFrame
from geozones.horizon import horizon_profile
from geozones.station import default_station_path, load_station
from geozones.terrain import DEM


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


@pytest.fixture(scope="module")
def zones():
    return ZoneSet()


def test_horizon_marks_what_check_fails(frame, zones, tmp_path):
    # a 5 m building 50-60 m east of the fence: from the fence atan(5/50) = 5.711° > 5°
    # (check: 50 tan 5° = 4.37 m < 5 m, fail); from the centre atan(5/62.5) = 4.574° < 5°.
    block = shapely.box(HALF + 50, -5, HALF + 60, 5)
    r = geozones.check(to_wgs84(frame, block), height=5.0, zones=zones)
    assert r.verdict == "fail" and "sun_sector" in [f.rule for f in r.findings if f.severity == "fail"]
    p = horizon_profile(frame, np.array([block], dtype=object), np.array([5.0]))
    assert p.elevation_deg[90] == pytest.approx(math.degrees(math.atan(5 / 62.5)), abs=1e-6)
    assert p.fence_elevation_deg[90] == pytest.approx(math.degrees(math.atan(5 / 50)), abs=1e-6)
    assert not p.exceeds[90] and p.breaks_sun_rule[90]
    path = tmp_path / "b.gpkg"
    gpd.GeoDataFrame({"id": ["b"], "height": [5.0]}, geometry=[to_wgs84(frame, block)], crs=4326).to_file(path)
    res = CliRunner().invoke(main, ["horizon", "--buildings", str(path), "-o", str(tmp_path / "h.svg")])
    assert res.exit_code == 0, res.output
    fence_line = next(line for line in res.output.splitlines() if "from the fence" in line)
    assert "90°" in fence_line
    svg = (tmp_path / "h.svg").read_text(encoding="utf-8")
    assert "from the fence" in svg and "field centre" in svg  # the legend explains both views


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


@pytest.mark.parametrize("name", ["$\\undefinedcmd$ $x^2$", "price $5 and $6", "a\nb\r\x00 😀"])
def test_diagram_draws_names_as_written(tmp_path, frame, name):
    """Issue 23: a station name is drawn in the diagram's title as written. Two `$` made
    matplotlib read it as a formula, and `$\\undefinedcmd$` stopped the drawing with a
    traceback; the figure's texts are now plain (no mathtext), the PNG is written."""
    import dataclasses

    from geozones.core.text import Text
    from geozones.horizon import plot_horizon

    named = StationFrame(dataclasses.replace(frame.station, name=Text(name, name)))
    prof = horizon_profile(named, np.array([shapely.box(-5, HALF + 100, 5, HALF + 110)], dtype=object),
                           np.array([30.0]))
    out = tmp_path / "h.png"
    assert plot_horizon(prof, named, out) == []
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_buildings_from_a_screened_shapefile_use_our_height(tmp_path, frame):
    # a screened shapefile holds gz_height_m as gz_h_m (10 bytes): read as ours, it comes
    # before the input's own "height" column (HEIGHT_COLUMNS), as from a screened GeoPackage
    from geozones.horizon import read_buildings

    sq = shapely.box(-5, HALF + 300, 5, HALF + 310)
    gdf = gpd.GeoDataFrame({"height": [12.0], "gz_h_m": [31.0]},
                           geometry=gpd.GeoSeries(to_wgs84(frame, [sq]), crs=4326), crs=4326)
    gdf.to_file(tmp_path / "screened.shp")
    _geoms, tops, _labels = read_buildings(tmp_path / "screened.shp", frame)
    assert tops.tolist() == [31.0]


@pytest.mark.parametrize("ext", ["gpkg", "shp", "geojson", "fgb", "parquet"])
def test_buildings_with_clashing_column_names_every_format(tmp_path, frame, ext):
    # attributes named geometry, GZ_VERDICT and a feature id beside the heights: every
    # building read, its own height (10 m, 20 m) its top, the id its label (a GeoParquet read
    # too, which GDAL's missing Parquet driver refused)
    from conftest import write_table

    from geozones.horizon import read_buildings

    fid = "OGC_FID" if ext == "gpkg" else "FID"
    path = write_table(tmp_path / f"b.{ext}", {"id": ["a", "b"], "height": [10.0, 20.0], "geometry": ["g", "h"],
                                               "GZ_VERDICT": ["v", "w"], fid: ["f", "e"]})
    _geoms, tops, labels = read_buildings(path, frame)
    assert dict(zip(labels, tops.tolist())) == {"a": 10.0, "b": 20.0}
