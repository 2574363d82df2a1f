"""Benchmark: the core check over 1,000,000 random footprints vs one shapely distance call.

    python bench/bench_core.py [--n 1000000] [--seed 0]

Prints footprints per second for
  * the floor: one ``shapely.distance(field, footprints)`` call on the same array;
  * the core: ``assess_local`` (distances, sun sectors, zones, every rule) in the frame;
  * the full path: ``assess`` from WGS84 lon/lat (transform, plausibility, core);
and the ratios of their times, all measured in the same run on the same data.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import shapely

from geozones.check import ZoneSet, assess, assess_local
from geozones.core.coords import from_frame
from geozones.core.kinds import KINDS
from geozones.core.zones import StationFrame
from geozones.station import load_station


def footprints(n: int, seed: int) -> np.ndarray:
    """Random rectangles 8-60 m a side, centres uniform within 6 km of the field."""
    rng = np.random.default_rng(seed)
    r = 6000 * np.sqrt(rng.random(n))
    a = rng.random(n) * 2 * np.pi
    cx, cy = r * np.sin(a), r * np.cos(a)
    w, h = rng.uniform(8, 60, n), rng.uniform(8, 60, n)
    return shapely.box(cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    frame = StationFrame(load_station())
    zones = ZoneSet(frame=frame, pilots=())  # the station's zones only, as the floor measures
    geoms = footprints(args.n, args.seed)
    rng = np.random.default_rng(args.seed + 1)
    kinds = rng.choice(np.array(KINDS, dtype=object), args.n)
    heights = rng.uniform(0, 120, args.n)
    _ = frame.field, frame._sun_wedges, frame.protected_area  # build once, outside timings

    t_floor, _ = timed(lambda: shapely.distance(frame.field, geoms))
    t_core, a = timed(lambda: assess_local(zones, geoms, kinds, heights))
    from pyproj import CRS
    lonlat = from_frame(geoms, frame.crs, CRS.from_epsg(4326))
    t_full, b = timed(lambda: assess(lonlat, kind=kinds, height=heights, zones=zones))

    n = args.n
    print(f"footprints: {n:,} (seed {args.seed})")
    print(f"floor  shapely.distance only : {t_floor:8.2f} s  {n / t_floor:12,.0f} /s")
    print(f"core   assess_local          : {t_core:8.2f} s  {n / t_core:12,.0f} /s"
          f"  = {t_core / t_floor:.2f} x floor")
    print(f"full   assess from EPSG:4326 : {t_full:8.2f} s  {n / t_full:12,.0f} /s"
          f"  = {t_full / t_floor:.2f} x floor")
    v, c = np.unique(a.verdict.astype(str), return_counts=True)
    print("verdicts:", dict(zip(v.tolist(), c.tolist())))
    assert (a.verdict == b.verdict).all(), "frame and WGS84 paths disagree"


if __name__ == "__main__":
    main()
