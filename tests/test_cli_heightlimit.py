"""`geozones heightlimit`: the COG it writes, its options with a DEM, its warnings."""

import numpy as np
import pytest
import rasterio
from click.testing import CliRunner
from conftest import HALF
from pyproj import CRS
from rasterio.transform import from_origin

from geozones.cli import main


def test_heightlimit_is_a_cog_with_description_and_named_frame(tmp_path):
    out = tmp_path / "h.tif"
    res = CliRunner().invoke(main, ["heightlimit", "-o", str(out), "--resolution", "5",
                                    "--extent", "1500", "-q"])
    assert res.exit_code == 0, res.output
    with rasterio.open(out) as ds:
        assert ds.tags(ns="IMAGE_STRUCTURE")["LAYOUT"] == "COG"
        assert ds.block_shapes == [(256, 256)] and ds.overviews(1)
        assert "above the observation-field ground" in ds.descriptions[0]
        assert ds.units == ("m",)
        assert "station frame" in CRS(ds.crs.to_wkt()).name
        # a cell centre 300 m north of the field centre (287.5 m from the fence): D/10
        row, col = ds.index(2.5, 302.5)
        v = ds.read(1, window=((row, row + 1), (col, col + 1)))[0, 0]
        assert v == pytest.approx((302.5 - HALF) / 10.0, abs=0.01)


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


@pytest.fixture
def plane_dem(tmp_path, frame):
    # half-cell offset: cell centres at ..., -0.5, 0.5, ... so shift to whole metres
    return _dem(tmp_path / "plane.tif", frame, plane, half=600.5)


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


def test_cli_heightlimit_dem_without_mode_warns(tmp_path, plane_dem):
    res = CliRunner().invoke(main, ["heightlimit", "-o", str(tmp_path / "f.tif"),
                                                    "--dem", str(plane_dem), "--extent", "100"])
    assert res.exit_code == 0, res.output
    assert "--dem is not used with --mode field" in res.stderr and "--mode ground" in res.stderr


def test_a_size_bomb_is_one_line_at_once(tmp_path):
    """heightlimit --extent 100 km --resolution 0.1 m asks for 4·10¹² cells: refused before any
    work with one line naming the inputs and the limit (issue 23, D); --max-cells raises it."""
    import time

    out = tmp_path / "h.tif"
    start = time.perf_counter()
    res = CliRunner().invoke(main, ["heightlimit", "-o", str(out), "--extent", "100000", "--resolution", "0.1"])
    assert time.perf_counter() - start < 1.0
    assert res.exit_code == 2
    assert res.output.strip() == (
        "error: --extent 100000 m at --resolution 0.1 m makes 2,000,000 × 2,000,000 = 4,000,000,000,000 cells, "
        "more than the limit of 50,000,000 (--max-cells or GEOZONES_MAX_CELLS): give a coarser --resolution or "
        "a smaller --extent, or raise the limit")
    assert not out.exists()
    res = CliRunner().invoke(main, ["heightlimit", "-o", str(out), "--extent", "50", "--resolution", "1",
                                    "--max-cells", "9999", "-q"])
    assert res.exit_code == 2 and "100 × 100 = 10,000 cells, more than the limit of 9,999" in res.output
    res = CliRunner().invoke(main, ["heightlimit", "-o", str(out), "--extent", "50", "--resolution", "1",
                                    "--max-cells", "10000", "-q"])
    assert res.exit_code == 0 and out.exists()
