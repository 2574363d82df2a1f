"""Benchmark: the fast projection into the station frame against PROJ, every vertex of a file.

    python bench/bench_fastframe.py [--rows 1000000]

Reads every vertex of bench_peers' generated GeoPackage (EPSG:4546; run bench_peers.py first
or pass --rows of an existing file), projects it into the Jiangxian frame with PROJ (one
Transformer, one thread) and with geozones' path (coords.project_xy: the verified polynomial,
split over the persistent worker threads), and prints the largest difference [m] and the
times. Goal (issue 13 item 6): ≤ 1 mm on the bench file.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    args = ap.parse_args()
    import sys
    from pathlib import Path

    import pyogrio
    import shapely
    from pyproj import CRS, Transformer

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from bench_peers import make_data

    from geozones.core import fastframe
    from geozones.core.coords import project_xy
    from geozones.core.zones import StationFrame
    from geozones.station import load_station

    path = make_data(args.rows)["gpkg"]
    df = pyogrio.read_dataframe(path, columns=[], use_arrow=True)
    xy = shapely.get_coordinates(np.asarray(df.geometry.values, dtype=object))
    x, y = np.ascontiguousarray(xy[:, 0]), np.ascontiguousarray(xy[:, 1])
    src, frame = CRS.from_epsg(4546), StationFrame(load_station()).crs
    print(f"{len(x):,} vertices of {args.rows:,} parcels; load average {os.getloadavg()[0]:.2f}")
    t0 = time.perf_counter()
    poly = fastframe.polynomial_for(src.to_wkt(), frame.to_wkt())
    t_fit = time.perf_counter() - t0
    print(f"polynomial built and verified in {t_fit * 1e3:.0f} ms: degree {fastframe.DEGREE}, "
          f"max error on the {fastframe.CHECK_N}² check grid {poly.max_error_m * 1e3:.2e} mm "
          f"(bound {fastframe.BOUND_M * 1e3:g} mm)")
    tr = Transformer.from_crs(src, frame, always_xy=True)
    t0 = time.perf_counter()
    px, py = tr.transform(x, y)
    t_proj = time.perf_counter() - t0
    t0 = time.perf_counter()
    qx, qy = project_xy(src.to_wkt(), frame.to_wkt(), x, y)
    t_fast = time.perf_counter() - t0
    d = np.hypot(np.asarray(px) - qx, np.asarray(py) - qy)
    print(f"max |fast − PROJ| over all vertices: {d.max() * 1e3:.2e} mm (goal ≤ 1 mm)")
    print(f"PROJ {t_proj:.2f} s, fast {t_fast:.3f} s: {t_proj / t_fast:.0f}× faster")


if __name__ == "__main__":
    main()
