"""Do two versions of geozones write the same files? (refactoring guard, not a timing)

    python bench/same_outputs.py make DIR [--rows 100000]   # run the screens below into DIR
    python bench/same_outputs.py diff OLD NEW               # compare two such folders

``make`` screens the shipped sample (every output format, English and Chinese, the sample
re-declared as WGS84 so the GCJ-02/BD-09 check runs, a shapefile input, two stations at once)
and the bench's random parcels (GeoPackage and GeoParquet, sorted and not) with the ``geozones``
command of the interpreter running this script. ``diff`` reads every output back (pyogrio,
pyarrow, pandas) and compares it column for column, geometry as WKB; a run report's JSON is
compared without its timings. It prints one line per file and exits 1 if any differs.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SAMPLE = ROOT / "data" / "sample" / "parcels.gpkg"
FIELDS = ["--height-field", "高度", "--floors-field", "层数", "--kind-field", "类型", "--use-field", "用途"]


def _screen(args: list[str]) -> None:
    cmd = [sys.executable, str(ROOT / "cli.py"), "screen", *args, "-q", "--overwrite"]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode not in (0, 4):
        raise SystemExit(f"{' '.join(cmd)}\nexit {done.returncode}: {done.stderr.strip()[-400:]}")


def make(out: Path, rows: int) -> None:
    import geopandas as gpd

    out.mkdir(parents=True, exist_ok=True)
    inputs = out / "inputs"
    inputs.mkdir(exist_ok=True)
    sample = gpd.read_file(SAMPLE)
    wgs = inputs / "sample_wgs84.gpkg"
    if not wgs.exists():
        sample.to_crs("EPSG:4326").to_file(wgs)
    shp = inputs / "sample.shp"
    if not shp.exists():
        sample.rename(columns={"高度": "H", "层数": "FLOORS", "类型": "KIND", "用途": "USE"}).to_file(
            shp, encoding="UTF-8")
    stations = inputs / "stations"
    if not stations.exists():
        stations.mkdir()
        shutil.copy(ROOT / "data" / "stations" / "jiangxian.toml", stations)
        shutil.copy(ROOT / "tests" / "data" / "rotated_station.toml", stations)
    for ext in ("gpkg", "parquet", "csv", "shp", "geojson", "fgb"):
        _screen([str(SAMPLE), "-o", str(out / f"sample.{ext}"), *FIELDS])
    _screen([str(SAMPLE), "-o", str(out / "sample_zh.gpkg"), *FIELDS, "--lang", "zh",
             "--report", str(out / "sample_zh_report.json")])
    _screen([str(SAMPLE), "-o", str(out / "sample_report.gpkg"), *FIELDS, "--report", str(out / "sample_report.json")])
    _screen([str(wgs), "-o", str(out / "wgs84.gpkg"), *FIELDS, "--report", str(out / "wgs84_report.json")])
    _screen([str(shp), "-o", str(out / "from_shp.shp"), "--height-field", "H", "--floors-field", "FLOORS",
             "--kind-field", "KIND", "--use-field", "USE"])
    _screen([str(SAMPLE), "-o", str(out / "network.gpkg"), *FIELDS, "--stations", str(stations),
             "--long", str(out / "network_long.csv"), "--report", str(out / "network_report.json")])
    sys.path.insert(0, str(HERE))
    from bench_peers import make_data  # the bench's own parcels, cached in bench/out

    peers = make_data(rows)
    _screen([str(peers["gpkg"]), "-o", str(out / "peers.gpkg"), "--height-field", "HEIGHT"])
    _screen([str(peers["parquet"]), "-o", str(out / "peers.parquet"), "--height-field", "HEIGHT"])
    _screen([str(peers["parquet"]), "-o", str(out / "peers_unsorted.parquet"), "--height-field", "HEIGHT",
             "--sort", "none"])


def _frame(path: Path):
    import pandas as pd
    import pyogrio

    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        return pq.read_table(path).to_pandas()
    if path.suffix == ".csv":
        return pd.read_csv(path, dtype=str, keep_default_na=False)
    df = pyogrio.read_dataframe(path, layer=0, read_geometry=False)
    info = pyogrio.read_info(path, layer=0)
    df["__geometry_wkb"] = list(pyogrio.raw.read(path, layer=0, return_fids=False)[2])
    df.attrs["crs"] = info.get("crs")
    return df


def _same_report(a: Path, b: Path) -> str | None:
    def load(p: Path):
        d = json.loads(p.read_text(encoding="utf-8"))
        for k in ("seconds", "elapsed_s", "rows_per_s", "started", "finished", "output", "long_output", "input", "report"):
            d.pop(k, None)
        return d
    return None if load(a) == load(b) else "report JSON differs"


def diff(old: Path, new: Path) -> int:
    bad = 0
    for a in sorted(old.iterdir()):
        if a.is_dir() or a.suffix in (".cpg", ".dbf", ".prj", ".shx"):
            continue
        b = new / a.name
        if not b.exists():
            print(f"MISSING {a.name}")
            bad += 1
            continue
        if a.suffix == ".json":
            why = _same_report(a, b)
        else:
            fa, fb = _frame(a), _frame(b)
            why = None
            if list(fa.columns) != list(fb.columns):
                why = f"columns {list(fa.columns)} != {list(fb.columns)}"
            elif len(fa) != len(fb):
                why = f"rows {len(fa)} != {len(fb)}"
            else:
                for c in fa.columns:
                    if not fa[c].equals(fb[c]):
                        diffs = (fa[c].astype(str) != fb[c].astype(str)).sum()
                        if diffs:
                            why = f"column {c}: {diffs} rows differ"
                            break
                if why is None and fa.attrs.get("crs") != fb.attrs.get("crs"):
                    why = "CRS differs"
        print(f"{'same' if why is None else 'DIFF'} {a.name}{'' if why is None else ': ' + why}")
        bad += why is not None
    return 1 if bad else 0


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("make")
    m.add_argument("dir", type=Path)
    m.add_argument("--rows", type=int, default=100_000)
    d = sub.add_parser("diff")
    d.add_argument("old", type=Path)
    d.add_argument("new", type=Path)
    a = p.parse_args()
    if a.cmd == "make":
        make(a.dir, a.rows)
    else:
        raise SystemExit(diff(a.old, a.new))


if __name__ == "__main__":
    main()
