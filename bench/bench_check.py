"""Benchmark: one `geozones.check()` call after the first, and the `geozones check` command.

    python bench/bench_check.py [--calls 2000] [--runs 5]

Goals (issue 13): ≤ 1 ms per call after the first; the command ≤ 0.3 s for WKT input.
Per call: the mean over --calls calls, for a polygon with its CRS given, and for points
without (then check also reads the numbers as GCJ-02/BD-09 to warn: up to three evaluations;
near the station the ~0.5-1.3 km shift can cross a threshold, so both are read in full; 3.5 km
north no threshold is within reach and the filter skips them).
The command: wall time of a fresh process, the fastest of --runs, with Python's bytecode cache
allowed (as after ``pip install``; PYTHONDONTWRITEBYTECODE would recompile every module each
run), next to its floor: a process that only imports numpy, pyproj, shapely and click.
Machine shared: say the load.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--calls", type=int, default=2000)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    from geozones import check

    poly = ("POLYGON ((111.5740 35.5050, 111.5745 35.5050, 111.5745 35.5054, 111.5740 35.5054, "
            "111.5740 35.5050))")
    cases = {"polygon, crs given": dict(geometry=poly, height=10, crs="EPSG:4326"),
             "point, no crs (datum hint)": dict(geometry="POINT (111.5745 35.5054)", height=10),
             "polygon, no crs (datum hint)": dict(geometry=poly, height=10),
             "point 3.5 km N, no crs": dict(geometry="POINT (111.5710 35.5356)", height=10)}
    print(f"load average {os.getloadavg()[0]:.2f}, {os.cpu_count()} cores")
    for name, kw in cases.items():
        t0 = time.perf_counter()
        check(**kw)
        first = time.perf_counter() - t0
        t0 = time.perf_counter()
        for _ in range(args.calls):
            check(**kw)
        per = (time.perf_counter() - t0) / args.calls
        print(f"check() {name}: first {first * 1e3:.1f} ms, then {per * 1e3:.3f} ms per call (goal ≤ 1)")
    exe = Path(sys.executable).with_name("geozones")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}

    def fastest(cmd: list[str]) -> float:
        subprocess.run(cmd, check=True, capture_output=True, env=env)  # warm: bytecode cached
        best = float("inf")
        for _ in range(args.runs):
            t0 = time.perf_counter()
            subprocess.run(cmd, check=True, capture_output=True, env=env)
            best = min(best, time.perf_counter() - t0)
        return best

    floor = fastest([sys.executable, "-c", "import numpy, pyproj, shapely, click"])
    best = fastest([str(exe), "check", "--footprint", poly, "--height", "10", "--crs", "EPSG:4326"])
    print(f"geozones check (WKT): {best:.3f} s, fastest of {args.runs} (goal ≤ 0.3); "
          f"floor (import numpy, pyproj, shapely, click): {floor:.3f} s; "
          f"command ÷ floor {best / floor:.2f}")


if __name__ == "__main__":
    main()
