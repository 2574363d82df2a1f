"""Benchmark: the height-limit raster for 6 km x 6 km at 1 m (36 million cells).

    python bench/bench_heightlimit.py [--extent 3000] [--resolution 1]

Prints the time for the whole GeoTIFF (computed from the rule rows in blocks, written tiled
and DEFLATE-compressed), cells per second, and the file size.
"""

import argparse
import time
from pathlib import Path

from geozones.core.zones import StationFrame
from geozones.heightlimit import write_heightlimit
from geozones.station import load_station

OUT = Path(__file__).resolve().parent / "out"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--extent", type=float, default=3000.0)
    ap.add_argument("--resolution", type=float, default=1.0)
    args = ap.parse_args()
    OUT.mkdir(exist_ok=True)
    frame = StationFrame(load_station())
    path = OUT / "limit_1m.tif"
    t0 = time.perf_counter()
    stats = write_heightlimit(path, frame, resolution_m=args.resolution, extent_m=args.extent, overwrite=True)
    dt = time.perf_counter() - t0
    cells = stats["cells"]
    print(f"{stats['size']} x {stats['size']} = {cells:,} cells at {args.resolution:g} m: {dt:.1f} s "
          f"({cells / dt / 1e6:.1f} M cells/s); file {path.stat().st_size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
