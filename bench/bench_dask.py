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

from bench_screen import OUT, make_file


def make_parcels(n: int, fmt: str = "parquet") -> Path:
    """The parcels of bench_screen (same generator), as ``fmt``."""
    return make_file(n, fmt)


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
