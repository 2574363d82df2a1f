"""Benchmark: end-to-end `screen` against the I/O floor and a per-row loop, same file.

    python bench/bench_screen.py [--n 1000000] [--loop-rows 20000] [--chunk-size 100000]

Generates (once, cached in bench/out/) a GeoPackage of N parcels in EPSG:4546 with HEIGHT and
TYPE columns, then measures in one run:
  * I/O floor: pyogrio reading the file and writing it back (Arrow on both sides);
  * screen: geozones.screen.screen_file, end to end (read, check, write);
  * per-row loop: what most scripts do — for each row, transform with pyproj, shapely
    distance to the field, sector test, rule checks — timed on --loop-rows rows and scaled
    per row (running it on 1M rows would take many minutes);
  * peak memory (max RSS) of a separate process running the screen.
Prints the ratios screen ÷ floor (target ≤ 1.5) and loop ÷ screen (target ≥ 20). The
machine is shared: run it alone, and read ratios, not seconds.
"""

from __future__ import annotations

import argparse
import math
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import shapely

OUT = Path(__file__).resolve().parent / "out"


def make_file(n: int, fmt: str = "gpkg") -> Path:
    """N rectangles within 6 km of the station (EPSG:4546), heights 0-100 m, five kinds, as
    a GeoPackage (layer "parcels") or a GeoParquet (row groups of 100,000); made once."""
    path = OUT / f"parcels_{n}.{fmt}"
    if path.exists():
        return path
    import geopandas as gpd
    from pyproj import CRS

    from geozones.core.coords import from_frame
    from geozones.core.zones import StationFrame
    from geozones.station import load_station

    OUT.mkdir(exist_ok=True)
    rng = np.random.default_rng(0)
    frame = StationFrame(load_station())
    r = 6000 * np.sqrt(rng.random(n))
    a = rng.random(n) * 2 * np.pi
    cx, cy = r * np.sin(a), r * np.cos(a)
    w, h = rng.uniform(8, 60, n), rng.uniform(8, 60, n)
    local = shapely.box(cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)
    geoms = from_frame(local, frame.crs, CRS.from_epsg(4546))
    types = rng.choice(np.array(["建筑物", "道路", "水体", "构筑物", "植被"], dtype=object), n,
                       p=[0.7, 0.1, 0.05, 0.1, 0.05])
    gdf = gpd.GeoDataFrame({"PID": np.arange(n), "HEIGHT": np.round(rng.uniform(0, 100, n), 1),
                            "TYPE": types}, geometry=geoms, crs=4546)
    tmp = path.with_name(path.stem + ".tmp" + path.suffix)
    if fmt == "parquet":
        gdf.to_parquet(tmp, row_group_size=100_000)
    else:
        gdf.to_file(tmp, layer="parcels", engine="pyogrio", use_arrow=True)
    tmp.rename(path)
    return path


def io_floor(path: Path, out: Path) -> float:
    import pyogrio

    out.unlink(missing_ok=True)
    t0 = time.perf_counter()
    df = pyogrio.read_dataframe(path, use_arrow=True)
    pyogrio.write_dataframe(df, out, use_arrow=True)
    return time.perf_counter() - t0


def screen_time(path: Path, out: Path, chunk: int) -> float:
    from geozones.check import ZoneSet
    from geozones.screen import ScreenOptions, screen_file

    out.unlink(missing_ok=True)
    t0 = time.perf_counter()
    screen_file(path, out, zones=ZoneSet(), chunk_size=chunk, overwrite=True,
                opts=ScreenOptions(height_field="HEIGHT", kind_field="TYPE"))
    return time.perf_counter() - t0


def per_row_loop(path: Path, rows: int) -> float:
    """The baseline most scripts are: a Python loop over rows, one geometry at a time."""
    import pyogrio
    from pyproj import Transformer
    from shapely.geometry import box

    from geozones.core.sun import sun_sectors
    from geozones.station import load_station

    st = load_station()
    df = pyogrio.read_dataframe(path, max_features=rows)
    t0 = time.perf_counter()
    tr = Transformer.from_crs("EPSG:4546", f"+proj=aeqd +lat_0={st.latitude_deg} "
                              f"+lon_0={st.longitude_deg} +ellps=GRS80", always_xy=True)
    field = box(-12.5, -12.5, 12.5, 12.5)
    sectors = sun_sectors(st.latitude_deg)
    out = []
    for geom, height, kind in zip(df.geometry, df["HEIGHT"], df["TYPE"]):
        g = shapely.transform(geom, lambda c: np.column_stack(tr.transform(c[:, 0], c[:, 1])))
        d = field.distance(g)
        c = g.centroid
        az = math.degrees(math.atan2(c.x, c.y)) % 360
        in_sun = any(lo <= az <= hi for lo, hi in sectors.values())
        limit = math.inf
        if kind in ("建筑物", "构筑物"):
            if d <= 50:
                limit = 0.0
            elif d <= 1000:
                limit = d / 10
            if in_sun:
                limit = min(limit, d * math.tan(math.radians(5)))
        out.append("fail" if height > limit else "pass")
    return time.perf_counter() - t0


def peak_rss_mb(path: Path, out: Path, chunk: int) -> float:
    """Peak resident memory of a fresh process screening the file [MB].

    Read from /proc/self/status (VmHWM), which starts anew at exec; getrusage's ru_maxrss
    would carry over the parent's peak into the child on Linux."""
    code = (
        "import sys; sys.path.insert(0, %r)\n"
        "from bench_screen import screen_time\n"
        "from pathlib import Path\n"
        "screen_time(Path(%r), Path(%r), %d)\n"
        "hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM')][0]\n"
        "print(hwm.split()[1])\n"
    ) % (str(Path(__file__).parent), str(path), str(out), chunk)
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return int(res.stdout.strip().splitlines()[-1]) / 1024.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--loop-rows", type=int, default=20_000)
    ap.add_argument("--chunk-size", type=int, default=25_000)
    args = ap.parse_args()

    t0 = time.perf_counter()
    path = make_file(args.n)
    print(f"input: {path.name} ({path.stat().st_size / 1e6:.0f} MB, {args.n:,} parcels; "
          f"ready in {time.perf_counter() - t0:.0f} s)")
    t_io = io_floor(path, OUT / "floor.gpkg")
    t_screen = screen_time(path, OUT / "screened.gpkg", args.chunk_size)
    t_loop_part = per_row_loop(path, args.loop_rows)
    t_loop = t_loop_part / args.loop_rows * args.n
    rss = peak_rss_mb(path, OUT / "screened_mem.gpkg", args.chunk_size)
    print(f"I/O floor (pyogrio read + write) : {t_io:8.1f} s")
    print(f"screen end to end                : {t_screen:8.1f} s  = {t_screen / t_io:.2f} x floor (target <= 1.5)")
    print(f"per-row loop ({args.loop_rows:,} rows, scaled) : {t_loop:8.1f} s  = {t_loop / t_screen:.1f} x screen (target >= 20)")
    print(f"peak memory of screen (max RSS)  : {rss:8.0f} MB with --chunk-size {args.chunk_size:,}")


if __name__ == "__main__":
    main()
