"""Benchmark: the same parcels screened against 1, 10, 100 and 1000 stations (issue 15).

    python bench/bench_stations.py [--rows 1000000] [--stations 1,10,100,1000] [--spread-deg 5]

The parcels are bench_screen.py's file (N parcels within 6 km of Jiangxian, EPSG:4546, HEIGHT
and TYPE columns; made once, cached in bench/out/). The stations are SYNTHETIC, made here for
the benchmark only and never shipped: station 0 is the shipped Jiangxian file; the others are
copies of it with new ids and positions drawn at random (seed 0) over ±spread° of latitude
and longitude around Jiangxian (±5°: about 1 100 km × 900 km, so 1000 stations put about one
more station near the parcels). Each run is `screen --stations` end to end (read, locate,
query the station index, assess every (row, station) pair in reach, write Parquet), one run
per size, timed in this process; the single-station path (`--station`, no index) is timed
once as a reference. Printed: seconds, the ratio to 1 station, the stations the parcels met
and the (row, station) pairs assessed. The machine is shared: read ratios, not seconds.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_screen import OUT, make_file


def make_stations(folder: Path, n: int, spread_deg: float, seed: int = 0) -> None:
    """Station 0 = the shipped Jiangxian file; n − 1 synthetic copies at random positions."""
    from geozones.station import default_station_path

    text = default_station_path().read_text(encoding="utf-8")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "s0000.toml").write_text(text.replace('id = "jiangxian"', 'id = "s0000"'), encoding="utf-8")
    rng = np.random.default_rng(seed)
    lat = 35.504 + rng.uniform(-spread_deg, spread_deg, n)
    lon = 111.571 + rng.uniform(-spread_deg, spread_deg, n)
    for k in range(1, n):
        t = (text.replace('id = "jiangxian"', f'id = "s{k:04d}"')
             .replace("latitude_deg = 35.504", f"latitude_deg = {lat[k]:.6f}")
             .replace("longitude_deg = 111.571", f"longitude_deg = {lon[k]:.6f}"))
        (folder / f"s{k:04d}.toml").write_text(t, encoding="utf-8")


def run(path: Path, out: Path, zones, chunk: int):
    from geozones.screen import ScreenOptions, screen_file

    out.unlink(missing_ok=True)
    t0 = time.perf_counter()
    summary = screen_file(path, out, zones=zones, chunk_size=chunk, overwrite=True,
                          opts=ScreenOptions(height_field="HEIGHT", kind_field="TYPE"))
    return time.perf_counter() - t0, summary


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--stations", default="1,10,100,1000")
    ap.add_argument("--spread-deg", type=float, default=5.0)
    ap.add_argument("--chunk-size", type=int, default=25_000)
    ap.add_argument("--no-single", action="store_true", help="skip the single-station reference run")
    args = ap.parse_args()
    from geozones.check import StationNetwork, ZoneSet
    from geozones.station import load_stations

    path = make_file(args.rows)
    sizes = [int(s) for s in args.stations.split(",")]
    tmp = Path(tempfile.mkdtemp(prefix="bench-stations-", dir=OUT))
    try:
        print(f"{args.rows:,} parcels ({path.name}); stations spread over ±{args.spread_deg:g}° around Jiangxian")
        if not args.no_single:
            secs, s = run(path, tmp / "single.parquet", ZoneSet(), args.chunk_size)
            print(f"single-station path (--station): {secs:8.2f} s  verdicts {s.verdicts}")
        base = None
        for n in sizes:
            folder = tmp / f"st{n}"
            make_stations(folder, n, args.spread_deg)
            t0 = time.perf_counter()
            net = StationNetwork(load_stations(folder))
            load = time.perf_counter() - t0
            secs, s = run(path, tmp / f"many{n}.parquet", net, args.chunk_size)
            base = base or secs
            print(f"{n:5d} stations: {secs:8.2f} s  x{secs / base:5.2f} vs 1 station  "
                  f"(loading the files {load:5.2f} s, not included)  stations met {len(net._zones):4d}  "
                  f"pairs {s.station_pairs:,}  no station {s.no_station_rows:,}  verdicts {s.verdicts}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
