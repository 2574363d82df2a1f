"""Benchmark: the height-limit raster for 6 km x 6 km at 1 m (36 million cells), against its
numpy-formula floor, in one run.

    python bench/bench_heightlimit.py [--extent 3000] [--resolution 1] [--repeat 2]

* ``heightlimit``: :func:`geozones.heightlimit.write_heightlimit` (every rule row of the
  station read generically, in blocks; tiled, DEFLATE-compressed COG with overviews);
* ``floor``: the Jiangxian building rules hand-written as one numpy formula (D to the field
  square, sun sectors by arctan2, 0 within 50 m, D·tan 5° in the sun sectors, D/10 to 5000 m)
  writing the same COG the same way (blocks into a scratch GeoTIFF, then GDAL's COG copy
  with the same options): what the machine needs for this raster at least.

Prints the fastest of ``--repeat`` runs of each, the ratio heightlimit ÷ floor (goal ≤ 1.5,
issue 13) and the largest difference between the two rasters' cells (goal ≤ 1 mm).
"""

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np

from geozones.core.zones import StationFrame
from geozones.heightlimit import NODATA, write_heightlimit
from geozones.station import load_station

OUT = Path(__file__).resolve().parent / "out"


def floor(path: Path, extent_m: float, resolution_m: float, block_rows: int = 256) -> None:
    """The Jiangxian building limit as one hand-written formula, written as the same COG."""
    import rasterio
    from rasterio.shutil import copy as rio_copy
    from rasterio.transform import from_origin
    from rasterio.windows import Window

    from geozones.core.sun import sun_sectors

    n = int(np.ceil(2 * extent_m / resolution_m))
    sectors = [np.radians(a) for a in sun_sectors(35.504, 23.44, -0.833).values()]
    # both sectors lie in (0, 180) and (180, 360): compare arctan2's (-180, 180] directly
    sectors = [(a - 2 * np.pi if a > np.pi else a, b - 2 * np.pi if b > np.pi else b) for a, b in sectors]
    tan5 = np.tan(np.radians(5.0))
    cols = -extent_m + (np.arange(n) + 0.5) * resolution_m
    profile = dict(driver="GTiff", width=n, height=n, count=1, dtype="float32", crs="EPSG:4326",
                   transform=from_origin(-extent_m, extent_m, resolution_m, resolution_m),
                   nodata=NODATA, tiled=True, blockxsize=256, blockysize=256, BIGTIFF="IF_SAFER")
    with tempfile.TemporaryDirectory(dir=path.parent) as work:
        blocks = Path(work) / "blocks.tif"
        with rasterio.open(blocks, "w", **profile) as dst:
            for r0 in range(0, n, block_rows):
                rows = min(block_rows, n - r0)
                x, y = np.meshgrid(cols, extent_m - (np.arange(r0, r0 + rows) + 0.5) * resolution_m)
                d = np.hypot(np.maximum(np.abs(x) - 12.5, 0.0), np.maximum(np.abs(y) - 12.5, 0.0))
                a = np.arctan2(x, y)
                sun = np.zeros(d.shape, dtype=bool)
                for lo, hi in sectors:
                    sun |= (a >= lo) & (a <= hi)  # radius 100 km: every cell of a few km is within
                lim = np.where(d <= 5000.001, 0.1 * d, NODATA)
                lim = np.where(sun, tan5 * d, lim)
                lim[d <= 50.001] = 0.0
                dst.write(lim.astype(np.float32), 1, window=Window(0, r0, n, rows))
        rio_copy(str(blocks), str(path), driver="COG", COMPRESS="DEFLATE", PREDICTOR="FLOATING_POINT",
                 BLOCKSIZE="256", OVERVIEWS="AUTO", RESAMPLING="NEAREST", BIGTIFF="IF_SAFER",
                 NUM_THREADS="ALL_CPUS")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--extent", type=float, default=3000.0)
    ap.add_argument("--resolution", type=float, default=1.0)
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args()
    OUT.mkdir(exist_ok=True)
    frame = StationFrame(load_station())
    path, fpath = OUT / "limit_1m.tif", OUT / "limit_1m_floor.tif"
    print(f"load average {os.getloadavg()[0]:.2f}, {os.cpu_count()} cores")
    t_ours = t_floor = float("inf")
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        stats = write_heightlimit(path, frame, resolution_m=args.resolution, extent_m=args.extent,
                                  overwrite=True)
        t_ours = min(t_ours, time.perf_counter() - t0)
        t0 = time.perf_counter()
        floor(fpath, args.extent, args.resolution)
        t_floor = min(t_floor, time.perf_counter() - t0)
    cells = stats["cells"]
    print(f"{stats['size']} x {stats['size']} = {cells:,} cells at {args.resolution:g} m; "
          f"file {path.stat().st_size / 1e6:.1f} MB")
    print(f"heightlimit (rule rows)  : {t_ours:6.2f} s ({cells / t_ours / 1e6:.1f} M cells/s)")
    print(f"floor (numpy formula)    : {t_floor:6.2f} s")
    print(f"heightlimit ÷ floor      : {t_ours / t_floor:6.2f} (goal ≤ 1.5)")
    import rasterio

    with rasterio.open(path) as a, rasterio.open(fpath) as b:
        worst, differ = 0.0, 0
        for _, win in a.block_windows(1):
            u, v = a.read(1, window=win), b.read(1, window=win)
            if ((u == NODATA) != (v == NODATA)).any():
                differ += int(((u == NODATA) != (v == NODATA)).sum())
            both = (u != NODATA) & (v != NODATA)
            if both.any():
                worst = max(worst, float(np.abs(u[both] - v[both]).max()))
    print(f"cells heightlimit vs floor: max difference {worst * 1000:.3f} mm, {differ} cells limited in one only")


if __name__ == "__main__":
    main()
