"""Issue 13: the fast projection into the station frame equals PROJ to 1 mm, and PROJ does the
rest; persistent threads, prefetch, the shared zone set and the light WKT path."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from geometries import B54_TOWGS84, X80_TOWGS84
from pyproj import CRS, Transformer

from geozones.core import coords, fastframe
from geozones.core.coords import project_xy
from geozones.core.zones import StationFrame
from geozones.station import load_station

FRAME = StationFrame(load_station()).crs


def _proj(src: CRS, x, y):
    tr = Transformer.from_crs(src, FRAME, always_xy=True)
    return tr.transform(x, y)


def _ring_points(src: CRS, radius_m: float, n: int = 20_000, seed: int = 0):
    """n points uniformly within ``radius_m`` of the station, in ``src``."""
    rng = np.random.default_rng(seed)
    r = radius_m * np.sqrt(rng.random(n))
    a = rng.random(n) * 2 * np.pi
    inv = Transformer.from_crs(FRAME, src, always_xy=True)
    return tuple(np.asarray(v) for v in inv.transform(r * np.sin(a), r * np.cos(a)))


@pytest.mark.parametrize("code", [4326, 4490, 4546, 4525])
def test_polynomial_is_verified_and_equals_proj(code):
    src = CRS.from_epsg(code)
    poly = fastframe.polynomial_for(src.to_wkt(), FRAME.to_wkt())
    assert poly is not None and poly.max_error_m <= fastframe.BOUND_M
    x, y = _ring_points(src, fastframe.RADIUS_M)
    assert poly.inside(x, y).all()
    px, py = _proj(src, x, y)
    qx, qy = project_xy(src.to_wkt(), FRAME.to_wkt(), x, y)
    assert np.max(np.hypot(qx - px, qy - py)) < 1e-6  # well inside the 1 mm bound


def test_outside_the_box_proj_does_the_work():
    src = CRS.from_epsg(4546)
    x, y = _ring_points(src, 60_000.0, seed=1)
    poly = fastframe.polynomial_for(src.to_wkt(), FRAME.to_wkt())
    far = ~poly.inside(x, y)
    assert far.sum() > 1000
    px, py = _proj(src, x, y)
    qx, qy = project_xy(src.to_wkt(), FRAME.to_wkt(), x, y)
    # PROJ's own numbers outside, bit for bit
    assert np.array_equal(qx[far], np.asarray(px)[far]) and np.array_equal(qy[far], np.asarray(py)[far])


def test_non_finite_coordinates_stay_non_finite():
    src = CRS.from_epsg(4326)
    x = np.array([111.58, np.nan, np.inf])
    y = np.array([35.50, 35.50, 35.50])
    qx, qy = project_xy(src.to_wkt(), FRAME.to_wkt(), x, y)
    assert np.isfinite(qx[0]) and not np.isfinite(qx[1]) and not np.isfinite(qx[2])


def test_not_into_a_frame_no_polynomial():
    assert fastframe.polynomial_for(CRS.from_epsg(4326).to_wkt(), CRS.from_epsg(4546).to_wkt()) is None


def test_a_fit_that_misses_the_bound_is_not_used(monkeypatch):
    monkeypatch.setattr(fastframe, "_cache", {})
    monkeypatch.setattr(fastframe, "BOUND_M", 1e-15)
    src = CRS.from_epsg(4326)
    assert fastframe.polynomial_for(src.to_wkt(), FRAME.to_wkt()) is None
    x, y = _ring_points(src, 5000.0, n=100)
    px, py = _proj(src, x, y)
    qx, qy = project_xy(src.to_wkt(), FRAME.to_wkt(), x, y)
    assert np.array_equal(qx, px) and np.array_equal(qy, py)


def test_switched_off_everything_goes_through_proj(monkeypatch):
    monkeypatch.setattr(fastframe, "ENABLED", False)
    src = CRS.from_epsg(4546)
    x, y = _ring_points(src, 5000.0, n=30_000)
    px, py = _proj(src, x, y)
    qx, qy = project_xy(src.to_wkt(), FRAME.to_wkt(), x, y)
    assert np.array_equal(qx, px) and np.array_equal(qy, py)


def test_shared_zone_set_is_reused_per_station():
    from geozones.check import ZoneSet

    a, b = ZoneSet.shared(), ZoneSet.shared()
    assert a is b
    st = load_station()
    c = ZoneSet.shared(st)
    assert c is not a and ZoneSet.shared(st) is c and c.station is st


def test_wkt_check_command_imports_no_table_stack():
    code = (
        "import sys\n"
        "from geozones.cli import main\n"
        "try:\n"
        "    main(['check', '--footprint', 'POINT (111.5745 35.5054)', '--height', '10', '--json'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print('HEAVY', sorted(m for m in ('pandas', 'geopandas', 'pyogrio') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    doc = json.loads(out[: out.rindex("HEAVY")])
    assert doc["verdict"] == "pass"
    assert out.strip().endswith("HEAVY []")


def test_geojson_boundary_read_without_gdal_equals_gdal(monkeypatch, tmp_path):
    import geozones.pilot as pilot
    from geozones.pilot import read_boundary, shipped_pilot_paths

    path = shipped_pilot_paths()[0].with_suffix(".geojson")
    fast, _ = read_boundary(path)
    monkeypatch.setattr(pilot, "_plain_geojson", lambda p: None)
    slow, _ = read_boundary(path)
    assert fast.equals_exact(slow, 0.0)
    # a GeoJSON that names another CRS goes to GDAL
    monkeypatch.undo()
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["crs"] = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::4546"}}
    other = tmp_path / "b.geojson"
    other.write_text(json.dumps(doc), encoding="utf-8")
    assert pilot._plain_geojson(other) is None



def test_a_vertex_lands_on_the_same_frame_coordinates_in_any_call(monkeypatch):
    """Two vertices projected alone in a fresh process (one check), or among 5,000 (a chunk):
    the very same doubles, the polynomial's (PROJ differs from it by ~1e-9 m, which would
    move a distance lying on a band's edge across it)."""
    monkeypatch.setattr(fastframe, "_cache", {})   # as in a fresh process
    x, y = np.array([111.57, 111.58]), np.array([35.50, 35.51])
    src = CRS.from_epsg(4326).to_wkt()
    t = Transformer.from_crs(CRS.from_epsg(4326), FRAME, always_xy=True)
    alone = fastframe.project(src, FRAME.to_wkt(), x, y, lambda a, b: t.transform(a, b))
    rng = np.random.default_rng(1)
    bx = np.concatenate([rng.uniform(111.4, 111.7, 5000), x])
    by = np.concatenate([rng.uniform(35.4, 35.6, 5000), y])
    among = fastframe.project(src, FRAME.to_wkt(), bx, by, lambda a, b: t.transform(a, b))
    poly = fastframe.polynomial_for(src, FRAME.to_wkt())
    np.testing.assert_array_equal(alone[0], among[0][-2:])
    np.testing.assert_array_equal(alone[1], among[1][-2:])
    np.testing.assert_array_equal(alone[0], poly(x, y)[0])


@pytest.mark.parametrize("crs", [B54_TOWGS84, X80_TOWGS84])
def test_polynomial_includes_the_datum_shift(crs):
    """Beijing 1954 / Xian 1980 with their +towgs84 (issue 23, item 2): the fitted projection
    is verified against the transformation with the shift, so the points it projects land
    where PROJ's own transformation to WGS84 and a plain AEQD put them (the shift is ~45 m)."""
    src = CRS.from_user_input(crs)
    poly = fastframe.polynomial_for(src.to_wkt(), FRAME.to_wkt(), lambda: coords._transformer(src.to_wkt(), FRAME.to_wkt()))
    assert poly is not None and poly.max_error_m <= fastframe.BOUND_M
    wgs = CRS.from_epsg(4326)
    x, y = _ring_points(wgs, 20_000.0, n=2000, seed=3)
    sx, sy = Transformer.from_crs(wgs, src, always_xy=True).transform(x, y)
    assert poly.inside(np.asarray(sx), np.asarray(sy)).all()
    plain = CRS.from_proj4("+proj=aeqd +lat_0=35.504 +lon_0=111.571 +ellps=GRS80 +units=m")
    ex, ey = Transformer.from_crs(wgs, plain, always_xy=True).transform(
        *Transformer.from_crs(src, wgs, always_xy=True).transform(sx, sy))
    qx, qy = project_xy(src.to_wkt(), FRAME.to_wkt(), np.asarray(sx), np.asarray(sy))
    assert np.max(np.hypot(qx - ex, qy - ey)) < 1e-3
    nx, ny = Transformer.from_crs(CRS.from_proj4(crs.split(" +towgs84=")[0]), plain, always_xy=True).transform(sx, sy)
    assert np.min(np.hypot(qx - nx, qy - ny)) > 20.0   # without the shift: tens of metres off


@pytest.mark.parametrize("lon", [179.9995, -179.9995])
def test_polynomial_across_the_antimeridian(tmp_path, lon):
    """A station at ±179.9995°: the box of the fitted projection is taken the short way round,
    so a site just across the antimeridian (0.001° away, 90.7 m) is inside it and lands where
    PROJ puts it (issue 23, item 10)."""
    from conftest import station_file_at

    frame = StationFrame(load_station(station_file_at(tmp_path, lon, 35.504, "dateline"))).crs
    wgs = CRS.from_epsg(4326)
    poly = fastframe.polynomial_for(wgs.to_wkt(), frame.to_wkt())
    assert poly is not None and poly.period == 360.0 and poly.sx < 1.0
    x = np.array([lon, -lon, lon - np.sign(lon) * 0.2, -lon + np.sign(lon) * 0.2, 180.0, -180.0])
    y = np.full(len(x), 35.504)
    assert poly.inside(x, y).all()
    px, py = Transformer.from_crs(wgs, frame, always_xy=True).transform(x, y)
    qx, qy = project_xy(wgs.to_wkt(), frame.to_wkt(), x, y)
    assert np.max(np.hypot(qx - px, qy - py)) < 1e-6
    from pyproj import Geod

    apart = Geod(ellps="GRS80").inv(lon, 35.504, -lon, 35.504)[2]   # 90.7249 m
    assert np.hypot(qx[1], qy[1]) == pytest.approx(apart, abs=0.001) and np.sign(qx[1]) == np.sign(lon)
