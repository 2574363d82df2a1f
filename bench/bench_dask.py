"""Benchmark: `screen --engine local` against `--engine dask` on a LocalCluster, same file.

    python bench/bench_dask.py [--rows 5000000] [--workers 2] [--chunk-size 100000]
                               [--input parquet|gpkg] [--output parquet|gpkg|csv] [--sort none|hilbert]

Generates (once, cached in bench/out/) N parcels in EPSG:4546 (GeoParquet in row groups of
100,000, or a GeoPackage) with HEIGHT and TYPE columns, then in one run times:
  * local: geozones.screen.screen_file, end to end (read, check, write), one process;
  * dask: the same call with engine="dask" on a LocalCluster of --workers single-threaded
    worker processes (started before the clock, as a standing cluster would be), each
    reading and screening its own parts; the driver writes the output;
and checks that both outputs are the same bytes (GeoParquet, CSV) and the summaries equal.
Prints both times and local ÷ dask. The machine is shared: read the ratio, not the seconds.
"""

from __future__ import annotations

import argparse
import dataclasses
import filecmp
import time
from pathlib import Path

import numpy as np
import shapely

OUT = Path(__file__).resolve().parent / "out"


def make_parcels(n: int, fmt: str = "parquet") -> Path:
    """N rectangles within 6 km of the station (EPSG:4546), heights 0-100 m, five kinds."""
    path = OUT / f"dask_parcels_{n}.{fmt}"
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
    geoms = from_frame(shapely.box(cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2), frame.crs,
                       CRS.from_epsg(4546))
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


def run(path: Path, out: Path, chunk: int, sort: str | None, **engine):
    from geozones.check import ZoneSet
    from geozones.screen import ScreenOptions, screen_file

    out.unlink(missing_ok=True)
    t0 = time.perf_counter()
    summary = screen_file(path, out, zones=ZoneSet(), chunk_size=chunk, overwrite=True, sort=sort,
                          opts=ScreenOptions(height_field="HEIGHT", kind_field="TYPE"), **engine)
    return time.perf_counter() - t0, summary


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=5_000_000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--chunk-size", type=int, default=100_000)
    ap.add_argument("--input", choices=("parquet", "gpkg"), default="parquet")
    ap.add_argument("--output", choices=("parquet", "gpkg", "csv"), default="parquet")
    ap.add_argument("--sort", choices=("none", "hilbert"), default="none")
    args = ap.parse_args()
    from dask.distributed import LocalCluster

    t0 = time.perf_counter()
    path = make_parcels(args.rows, args.input)
    print(f"input: {path.name} ({path.stat().st_size / 1e6:.0f} MB, {args.rows:,} parcels; "
          f"ready in {time.perf_counter() - t0:.0f} s); output .{args.output}"
          f"{' --sort ' + args.sort if args.output == 'parquet' else ''}; chunks of {args.chunk_size:,}")
    sort = args.sort if args.output == "parquet" else None
    local_out, dask_out = OUT / f"dask_local.{args.output}", OUT / f"dask_dask.{args.output}"
    t_local, s_local = run(path, local_out, args.chunk_size, sort)
    with LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster:
        t_dask, s_dask = run(path, dask_out, args.chunk_size, sort, engine="dask",
                             scheduler=cluster.scheduler_address)
    same = dataclasses.replace(s_dask, output=s_local.output) == s_local
    print(f"local engine (1 process)           : {t_local:8.1f} s")
    print(f"dask engine ({args.workers} worker processes)  : {t_dask:8.1f} s")
    print(f"local ÷ dask                        : {t_local / t_dask:8.2f} x")
    if args.output != "gpkg":
        print(f"outputs byte-equal: {filecmp.cmp(local_out, dask_out, shallow=False)}; summaries equal: {same}")
    else:
        print(f"summaries equal: {same}")


if __name__ == "__main__":
    main()
