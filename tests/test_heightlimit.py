"""Permitted height at a point and as a raster (geozones/heightlimit.py), against values worked out
from the rule text."""

import math

import numpy as np
import pytest
import rasterio
import shapely
from conftest import HALF, TAN5
from pyproj import CRS
from rasterio.transform import from_origin

from geozones.core.coords import from_frame
from geozones.heightlimit import NODATA, permitted_height_at, write_heightlimit
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


def test_heightlimit_raster_cells_by_hand(tmp_path, frame):
    """Cells of the raster against the rule text at the cell centre: D is a plain
    ``shapely.distance`` to the fence box; in the control zone the limit is D / 10, and
    D × tan 5° (tan 5° = 0.0874887) in the sunrise/sunset sectors; inside 50 m nothing may
    stand (0 m). The sector edges from RULES.md's formula at φ = 35.504°, δ = ±23.44°,
    h0 = −0.833°: cos A = (sin δ − sin φ sin h0) / (cos φ cos h0)."""
    from geometries import FIELD

    r = math.radians
    phi, h0 = r(35.504), r(-0.833)
    edges = [math.degrees(math.acos((math.sin(r(dec)) - math.sin(phi) * math.sin(h0))
                                    / (math.cos(phi) * math.cos(h0)))) for dec in (23.44, -23.44)]
    rise = (edges[0], edges[1])                     # about 60.06° and 118.58°
    sets = (360 - edges[1], 360 - edges[0])

    path = tmp_path / "limit.tif"
    write_heightlimit(path, frame, resolution_m=10.0, extent_m=1500.0)
    with rasterio.open(path) as ds:
        assert ds.profile["tiled"] and ds.profile["compress"] == "deflate" and ds.nodata == NODATA
        band = ds.read(1)
        checked = 0
        for row in range(0, 300, 7):
            for col in range(0, 300, 7):
                x, y = ds.xy(row, col)
                d = float(shapely.distance(shapely.Point(x, y), FIELD))
                az = math.degrees(math.atan2(x, y)) % 360
                if not (55 < d < 995) or any(abs(az - e) < 1.0 for e in (*rise, *sets)):
                    continue                        # keep clear of the zone and sector edges
                sun = rise[0] < az < rise[1] or sets[0] < az < sets[1]
                want = d * 0.0874887 if sun else d / 10
                assert band[row, col] == pytest.approx(want, abs=2e-3), (x, y)
                checked += 1
        assert checked > 200
        x, y = ds.xy(149, 149)                       # a cell centre 5 m from the field centre
        assert abs(x) < 10 and abs(y) < 10 and band[149, 149] == 0.0


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


# --- size bombs (issue 23, D) ----------------------------------------------------------------

def test_a_raster_of_4e12_cells_is_refused_before_any_work(tmp_path, frame):
    """--extent 100 km (the most it may be) at 0.1 m: 2·10⁶ cells a side. Refused at once,
    naming the inputs and the limit; nothing written (not even the scratch folder). An extent
    past 100 km is refused as a number out of range, as on the command line."""
    import time

    from geozones.errors import InputError

    start = time.perf_counter()
    with pytest.raises(InputError) as err:
        write_heightlimit(tmp_path / "h.tif", frame, resolution_m=0.1, extent_m=1e5)
    assert time.perf_counter() - start < 1.0
    assert str(err.value).startswith("--extent 100000 m at --resolution 0.1 m makes 2,000,000 × 2,000,000 = "
                                     "4,000,000,000,000 cells, more than the limit of 50,000,000 (--max-cells")
    with pytest.raises(InputError, match=r"^extent_m 1000000.0: must be a finite number with 10 ≤ x ≤ 100000"):
        write_heightlimit(tmp_path / "h.tif", frame, resolution_m=0.1, extent_m=1e6)
    assert list(tmp_path.iterdir()) == []


def test_the_cell_limit_is_stated_and_can_be_set(tmp_path, frame):
    # 2 × 100 m / 2 m = 100 cells a side: 10,000 cells
    with pytest.raises(ValueError, match="100 × 100 = 10,000 cells, more than the limit of 9,999"):
        write_heightlimit(tmp_path / "h.tif", frame, resolution_m=2.0, extent_m=100.0, max_cells=9999)
    stats = write_heightlimit(tmp_path / "h.tif", frame, resolution_m=2.0, extent_m=100.0, max_cells=10_000)
    assert (stats["size"], stats["cells"]) == (100, 10_000)
    from geozones.core.limits import MAX_CELLS, using

    assert MAX_CELLS == 50_000_000
    with using(max_cells=9999), pytest.raises(ValueError, match="limit of 9,999"):
        write_heightlimit(tmp_path / "g.tif", frame, resolution_m=2.0, extent_m=100.0)
