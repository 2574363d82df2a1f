"""Benchmark: what the sun figures (issue 27) cost a screen and a check.

    python bench/bench_sunshine.py [--n 1000000] [--chunk-size 100000] [--repeat 1]

Screens the parcels of bench_screen.py (N rectangles within 6 km of the station, heights
0-100 m, made once in bench/out/) without the sun figures, then with them
(ScreenOptions.sun, on by default since issue 27; off as ``--no-sun``), in one run, and prints
the ratio (target ≤ 1.5: at most 50 % more); bench_peers.py measures the same on the command
line's own path (EPSG:4326 files, Shapefile among the formats: contender screen_nosun); also
how many rows the bound left to the exact count. Then one check's added time: the sun figures
of one proposal (geozones.check.sun_summary) with the table in memory (warm), read from the
disk cache (warm disk) and computed by pvlib (cold, an empty cache folder). Target < 50 ms
warm. The machine is shared: read ratios.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_screen import OUT, make_file


def screen_time(path: Path, out: Path, chunk: int, sun: bool) -> float:
    from geozones.check import ZoneSet
    from geozones.screen import ScreenOptions, screen_file

    t0 = time.perf_counter()
    screen_file(path, out, zones=ZoneSet(), chunk_size=chunk, overwrite=True,
                opts=ScreenOptions(height_field="HEIGHT", kind_field="TYPE", sun=sun))
    return time.perf_counter() - t0


def bound_share(path: Path, rows: int = 200_000) -> tuple[int, int]:
    """(rows read, rows the bound leaves to the exact count) of the first ``rows`` parcels."""
    import numpy as np
    import pyogrio
    import shapely

    from geozones.core.coords import to_frame
    from geozones.core.sunshine import sun_bound_clears
    from geozones.core.zones import StationFrame
    from geozones.station import load_station
    from geozones.sunshine import sun_table

    st = load_station()
    df = pyogrio.read_dataframe(path, max_features=rows)
    frame = StationFrame(st)
    local, _ = to_frame(np.asarray(df.geometry.values, dtype=object), df.crs, frame.crs)
    clears = sun_bound_clears(sun_table(st), shapely.bounds(local), df["HEIGHT"].to_numpy(float),
                              st.sunshine_recorder_height_m)
    return len(df), int((~clears).sum())


def check_times(repeat: int = 20) -> dict[str, float]:
    """Milliseconds the sun figures add to one check: warm (memo), warm disk, cold."""
    import shapely

    import geozones.sunshine as sunshine
    from geozones.check import sun_summary
    from geozones.station import load_station

    st = load_station()
    wall = shapely.box(200.0, -17.5, 201.0, 17.5)     # 200 m east: hides equinox sunrises
    out = {}
    with tempfile.TemporaryDirectory() as folder:
        sunshine.use_cache_dir(folder)
        sunshine._MEMO.clear()
        t0 = time.perf_counter()
        sun_summary(st, wall, 8.5)
        out["cold (pvlib, empty cache)"] = (time.perf_counter() - t0) * 1000
        times = []
        for _ in range(repeat):
            sunshine._MEMO.clear()
            t0 = time.perf_counter()
            sun_summary(st, wall, 8.5)
            times.append(time.perf_counter() - t0)
        out["warm disk cache (new process)"] = min(times) * 1000
        times = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            sun_summary(st, wall, 8.5)
            times.append(time.perf_counter() - t0)
        out["warm (in memory)"] = min(times) * 1000
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--chunk-size", type=int, default=100_000)
    ap.add_argument("--skip-screen", action="store_true")
    args = ap.parse_args()
    for name, ms in check_times().items():
        print(f"check, sun figures added, {name:32s} {ms:9.1f} ms")
    if args.skip_screen:
        return
    path = make_file(args.n)
    from geozones.station import load_station
    from geozones.sunshine import sun_table

    sun_table(load_station())        # the table in the cache (a cold one is the line above)
    read, left = bound_share(path, min(args.n, 200_000))
    print(f"bound: {left:,} of {read:,} rows ({left / read:.1%}) left to the exact count")
    out = OUT / "sunshine_out.gpkg"
    base = screen_time(path, out, args.chunk_size, sun=False)
    with_sun = screen_time(path, out, args.chunk_size, sun=True)
    print(f"screen {args.n:,} parcels, --no-sun:           {base:8.2f} s")
    print(f"screen {args.n:,} parcels, sun figures (default): {with_sun:8.2f} s")
    print(f"ratio with ÷ without the sun figures: {with_sun / base:.3f}  (target <= 1.5)")


if __name__ == "__main__":
    main()
