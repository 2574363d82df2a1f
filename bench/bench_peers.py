"""Benchmark: `geozones screen` against the I/O floors and two peers, same data, one run.

    python bench/bench_peers.py [--rows 1000000] [--formats gpkg,parquet,shp,gdb] [--crs 4326]
                                [--repeat 1] [--only floor,floor_cols,screen,script,duckdb]

Generates once (cached in bench/out/) N random rectangular building parcels (8–60 m sides)
within 8 km of the Jiangxian station, with PID and HEIGHT (0–100 m), as a GeoPackage, a
GeoParquet file, a shapefile and an Esri File Geodatabase, in the CRS a bureau's file most
often declares: EPSG:4326 (WGS84 lon/lat, the default; then screen runs as users run it, with
no ``--crs``, so its datum check runs too), or ``--crs 4546`` (CGCS2000 GK zone 37, projected).
Each format is read and written in the same format. Then, each contender in its own fresh process (so its peak
memory is its own: the larger of its VmHWM and the peak sum of PSS over it and the worker
processes it forks; the files screen's workers hand over and the sort's buckets are files
beside the output, in the page cache, not counted), timed from after its imports to its
output on disk:

* ``floor``      pyogrio read + write (GPKG, shapefile, File Geodatabase) / geopandas
                 read_parquet + to_parquet (GeoParquet);
* ``floor_cols`` the same, also writing 11 added columns shaped like screen's ``gz_*``;
* ``screen``     the ``geozones screen`` command (in-process click call, default chunk);
* ``screen_nodatum`` the same with ``--no-datum-check``: what the datum check costs (files
                 that declare WGS84; goal ≤ 10 %);
* ``screen_nosun`` the same with ``--no-sun``: what the sun figures (issue 27, on by
                 default) cost; goal ≤ 1.5 (at most 50 % more);
* ``screen_1t``  the same with ``GEOZONES_THREADS=1``: what the second core buys;
* ``screen_unsorted`` (GeoParquet) the same with ``--sort none``: what the default Hilbert
                 sort of a GeoParquet output costs;
* ``script``     a competent vectorised geopandas script with the same building rules:
                 to_crs into the station AEQD, distance to the field square, sun wedges
                 (clip by the sector triangles), H ≤ D/10 within 1000 m, H ≤ D·tan 5° in
                 the sun sectors, nothing within 50 m, review for D/10 in the general zone
                 (2000 m, 5000 m while the wind is unknown);
* ``duckdb``     DuckDB + its spatial extension (the ``duckdb-ext-spatial`` wheel, loaded
                 from the file it installs: no download) running the same rules in SQL.

Prints seconds, peak MB, and ratios to screen, all from this one run; then the peers'
verdicts compared with screen's row by row (PID). Every contender imports its libraries
(geopandas, which brings pandas, shapely and pyarrow; pyogrio; duckdb) before its timer; the
``geozones`` modules the command imports as it runs are timed. Peers are not package
dependencies: ``pip install -e '.[bench]'``. The machine may be shared: read ratios, and say the load.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parent / "out"
HERE = Path(__file__).resolve()


FORMATS = ("gpkg", "parquet", "shp", "gdb")
#: pyogrio's driver per format written through GDAL
DRIVERS = {"gpkg": "GPKG", "shp": "ESRI Shapefile", "gdb": "OpenFileGDB"}
#: layer options per format: a File Geodatabase keeps 64-bit integers (PID) only so
OPTIONS = {"gdb": {"TARGET_ARCGIS_VERSION": "ARCGIS_PRO_3_2_OR_LATER"}}


def data_paths(rows: int, crs: int = 4326) -> dict[str, Path]:
    tag = f"{rows}" if crs == 4546 else f"{rows}_{crs}"   # the 4546 files keep their old names
    return {fmt: OUT / f"peers_{tag}.{fmt}" for fmt in FORMATS}


def remove(path: Path) -> None:
    """An output of an earlier run gone: a file with its shapefile companions, or a folder."""
    import shutil

    from geozones.io.atomic import companions  # a shapefile's parts, as screen knows them

    if path.is_dir():
        shutil.rmtree(path)
    for p in companions(path, existing_only=True):
        if not p.is_dir():
            p.unlink(missing_ok=True)


def make_data(rows: int, crs: int = 4326) -> dict[str, Path]:
    paths = data_paths(rows, crs)
    if all(p.exists() for p in paths.values()):
        return paths
    import geopandas as gpd
    import shapely
    from pyproj import CRS, Transformer

    from geozones.core.zones import StationFrame
    from geozones.station import load_station

    OUT.mkdir(exist_ok=True)
    rng = np.random.default_rng(13)
    frame = StationFrame(load_station())
    r = 8000 * np.sqrt(rng.random(rows))
    a = rng.random(rows) * 2 * np.pi
    cx, cy = r * np.sin(a), r * np.cos(a)
    w, h = rng.uniform(8, 60, rows), rng.uniform(8, 60, rows)
    local = shapely.box(cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)
    tr = Transformer.from_crs(frame.crs, CRS.from_epsg(4546), always_xy=True)
    geoms = shapely.transform(local, lambda x, y: tr.transform(x, y), interleaved=False)
    gdf = gpd.GeoDataFrame({"PID": np.arange(rows, dtype=np.int64),
                            "HEIGHT": np.round(rng.uniform(0, 100, rows), 1)},
                           geometry=geoms, crs=4546)
    if crs != 4546:
        gdf = gdf.to_crs(crs)
    for fmt, path in paths.items():
        if path.exists():
            continue
        tmp = OUT / f"tmp_{path.name}"
        remove(tmp)
        if fmt == "parquet":
            gdf.to_parquet(tmp)
        else:
            gdf.to_file(tmp, layer="parcels", driver=DRIVERS[fmt], engine="pyogrio", use_arrow=True,
                        layer_options=OPTIONS.get(fmt))
        if fmt == "shp":
            from geozones.io.atomic import companions

            for part in companions(tmp, existing_only=True):
                part.rename(path.with_suffix(part.suffix))
        else:
            tmp.rename(path)
    return paths


# --------------------------------------------------------------------------- the station facts
def station_facts() -> dict:
    """What the peers need, taken from the station file the screen uses (same numbers)."""
    from geozones.core.zones import StationFrame
    from geozones.station import load_station

    st = load_station()
    frame = StationFrame(st)
    return {
        "aeqd": frame.crs.srs,
        "field_wkt": frame.field.wkt,
        "tri_wkts": [tri.wkt for _w, tri in frame._sun_wedges],
        "wedge_wkts": [w.wkt for w, _t in frame._sun_wedges],
        "protection_m": st.protection_m, "control_m": st.control_m,
        "general_reach_m": (st.general_upwind_m if st.prevailing_wind_from_deg is None
                            else st.general_m),
        "tol": st.tolerance_m,
    }


# --------------------------------------------------------------------------- contenders
def added_columns(n: int) -> dict:
    """11 columns shaped like screen's gz_* (types and typical text lengths)."""
    return {
        "gz_verdict": np.full(n, "pass", dtype=object), "gz_zone": np.full(n, "control", dtype=object),
        "gz_distance_m": np.linspace(0, 8000, n), "gz_max_height_m": np.linspace(0, 800, n),
        "gz_height_m": np.linspace(0, 100, n), "gz_exceedance_m": np.full(n, np.nan),
        "gz_in_pilot": np.zeros(n, dtype=bool), "gz_storeys": np.full(n, np.nan),
        "gz_rules": np.full(n, "height_ratio,sun_sector", dtype=object),
        "gz_message": np.full(n, "fail · construction control belt · max 12.34 m · over by 3.21 m · "
                              "height_ratio (Art. 12.3 ⑥)", dtype=object),
        "gz_status": np.full(n, "ok", dtype=object),
    }


def run_floor(src: Path, out: Path, fmt: str, cols: bool) -> float:
    if fmt != "parquet":
        import geopandas  # noqa: F401  read_dataframe's result: imported before the timer
        import pyogrio

        t0 = time.perf_counter()
        df = pyogrio.read_dataframe(src, use_arrow=True)
        if cols:
            for k, v in added_columns(len(df)).items():
                df[k] = v
        pyogrio.write_dataframe(df, out, driver=DRIVERS[fmt], use_arrow=True, layer_options=OPTIONS.get(fmt))
    else:
        import geopandas as gpd

        t0 = time.perf_counter()
        df = gpd.read_parquet(src)
        if cols:
            for k, v in added_columns(len(df)).items():
                df[k] = v
        df.to_parquet(out)
    return time.perf_counter() - t0


def run_script(src: Path, out: Path, fmt: str) -> float:
    """The script a competent geopandas user writes for these rules."""
    import geopandas as gpd
    import shapely

    f = station_facts()
    t0 = time.perf_counter()
    gdf = gpd.read_parquet(src) if fmt == "parquet" else gpd.read_file(src, engine="pyogrio", use_arrow=True)
    local = gdf.geometry.to_crs(f["aeqd"])
    field = shapely.from_wkt(f["field_wkt"])
    d = local.distance(field).to_numpy()
    h = gdf["HEIGHT"].to_numpy(dtype=float)
    d_sun = np.full(len(gdf), np.nan)
    for tri in map(shapely.from_wkt, f["tri_wkts"]):
        hit = local.intersects(tri).to_numpy()
        part = local[hit].intersection(tri)
        d_sun[hit] = np.fmin(d_sun[hit], part.distance(field).to_numpy())
    tol = f["tol"]
    limit = np.where(d <= f["control_m"] + tol, d / 10.0, np.inf)
    limit = np.where(d <= f["protection_m"] + tol, 0.0, limit)
    limit = np.fmin(limit, np.where(np.isnan(d_sun), np.inf, d_sun * np.tan(np.radians(5.0))))
    general = (d > f["control_m"] + tol) & (d <= f["general_reach_m"] + tol)
    verdict = np.where(h > limit + tol, "fail",
                       np.where(general & (h > d / 10.0 + tol), "review", "pass"))
    gdf["verdict"] = verdict
    gdf["distance_m"] = np.round(d, 3)
    gdf["max_height_m"] = np.round(limit, 3)
    if fmt == "parquet":
        gdf.to_parquet(out)
    else:
        gdf.to_file(out, driver=DRIVERS[fmt], engine="pyogrio", use_arrow=True, layer_options=OPTIONS.get(fmt))
    return time.perf_counter() - t0


def _spatial_extension() -> str:
    import glob
    import site

    import duckdb

    for base in site.getsitepackages():
        hits = glob.glob(f"{base}/duckdb_ext/extensions/v{duckdb.__version__}/*/spatial.duckdb_extension")
        if hits:
            return hits[0]
    raise RuntimeError(f"no spatial extension for duckdb {duckdb.__version__}: "
                       "pip install duckdb-ext-spatial matching duckdb's version")


def run_duckdb(src: Path, out: Path, fmt: str, crs: int) -> float:
    import duckdb

    f = station_facts()
    ext = _spatial_extension()
    t0 = time.perf_counter()
    con = duckdb.connect()
    con.execute(f"LOAD '{ext}'")
    tan5 = float(np.tan(np.radians(5.0)))
    tol = f["tol"]
    reader = (f"(SELECT PID, HEIGHT, geometry AS geom FROM read_parquet('{src}'))"
              if fmt == "parquet" else f"ST_Read('{src}')")
    tris = ", ".join(f"ST_GeomFromText('{w}')" for w in f["tri_wkts"])
    con.execute(f"""
    CREATE TEMP TABLE res AS
    WITH src AS (SELECT * FROM {reader}),
    loc AS (SELECT PID, HEIGHT, geom,
                   ST_Transform(geom, 'EPSG:{crs}', '{f["aeqd"]}', always_xy := true) AS g
            FROM src),
    m AS (SELECT PID, HEIGHT, geom, g,
                 ST_Distance(g, ST_GeomFromText('{f["field_wkt"]}')) AS d,
                 (SELECT min(CASE WHEN ST_Intersects(g, t) THEN
                          ST_Distance(ST_Intersection(g, t), ST_GeomFromText('{f["field_wkt"]}')) END)
                  FROM (SELECT unnest([{tris}]) AS t)) AS d_sun
          FROM loc),
    l AS (SELECT *, least(CASE WHEN d <= {f["protection_m"] + tol} THEN 0.0
                              WHEN d <= {f["control_m"] + tol} THEN d / 10.0
                              ELSE 'inf'::DOUBLE END,
                         coalesce(d_sun * {tan5}, 'inf'::DOUBLE)) AS lim
          FROM m)
    SELECT PID, HEIGHT, geom,
           CASE WHEN HEIGHT > lim + {tol} THEN 'fail'
                WHEN d > {f["control_m"] + tol} AND d <= {f["general_reach_m"] + tol}
                     AND HEIGHT > d / 10.0 + {tol} THEN 'review'
                ELSE 'pass' END AS verdict,
           round(d, 3) AS distance_m, round(lim, 3) AS max_height_m
    FROM l ORDER BY PID
    """)
    if fmt == "parquet":
        con.execute(f"COPY res TO '{out}' (FORMAT parquet)")
    else:
        con.execute(f"COPY res TO '{out}' WITH (FORMAT gdal, DRIVER '{DRIVERS[fmt]}', SRS 'EPSG:{crs}')")
    return time.perf_counter() - t0


CONTENDERS = ("floor", "floor_cols", "screen", "screen_nodatum", "screen_nosun", "screen_1t", "screen_unsorted", "script", "duckdb")


def child(name: str, fmt: str, rows: int, crs: int) -> None:
    """One contender in this (fresh) process: prints {"s": seconds, "mb": peak RSS}."""
    src = data_paths(rows, crs)[fmt]
    out = OUT / f"peer_{name}.{fmt}"
    remove(out)
    if name == "floor":
        s = run_floor(src, out, fmt, cols=False)
    elif name == "floor_cols":
        s = run_floor(src, out, fmt, cols=True)
    elif name.startswith("screen"):  # screen_1t: GEOZONES_THREADS=1
        import geopandas  # noqa: F401  the peers import it before their timers start too

        from geozones.cli import main

        sort = {"screen_unsorted": ["--sort", "none"], "screen_nodatum": ["--no-datum-check"],
                "screen_nosun": ["--no-sun"]}.get(name, [])
        t0 = time.perf_counter()
        main(["screen", str(src), "-o", str(out), "--height-field", "HEIGHT", "-q", *sort],
             standalone_mode=False)
        s = time.perf_counter() - t0
    elif name == "script":
        s = run_script(src, out, fmt)
    elif name == "duckdb":
        s = run_duckdb(src, out, fmt, crs)
    else:
        raise SystemExit(f"unknown contender {name}")
    with open("/proc/self/status") as f:
        hwm = next(ln for ln in f if ln.startswith("VmHWM"))
    print(json.dumps({"s": s, "mb": int(hwm.split()[1]) / 1024.0}))


def _tree(pid: int) -> list[int]:
    """``pid`` and every process below it (Linux /proc)."""
    out = [pid]
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as f:
                for child in f.read().split():
                    out += _tree(int(child))
    except OSError:
        pass
    return out


def _pss_kb(pid: int) -> int:
    """The process's proportional set size (shared pages split among their sharers) [KiB]."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            return next((int(ln.split()[1]) for ln in f if ln.startswith("Pss:")), 0)
    except OSError:
        return 0


def measure(name: str, fmt: str, rows: int, repeat: int, crs: int) -> dict | None:
    """The fastest of ``repeat`` runs of a contender; ``mb`` is the larger of its process's
    peak RSS and the peak sum of PSS over it and its worker processes (sampled every 50 ms):
    memory a contender's workers hold is counted once, and counted."""
    best = None
    for _ in range(repeat):
        env = dict(os.environ, GEOZONES_THREADS="1") if name == "screen_1t" else None
        proc = subprocess.Popen([sys.executable, str(HERE), "--child", name, "--formats", fmt,
                                 "--rows", str(rows), "--crs", str(crs)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, env=env)
        tree_kb = 0
        while proc.poll() is None:
            pids = _tree(proc.pid)
            tree_kb = max(tree_kb, sum(_pss_kb(p) for p in pids))
            time.sleep(0.05)
        stdout, stderr = proc.communicate()
        if proc.returncode != 0:
            lines = stderr.strip().splitlines()
            why = next((ln.strip() for ln in lines if "Error" in ln and ":" in ln), lines[-1] if lines else "")
            print(f"  {name} ({fmt}) failed: {why}")
            return None
        r = json.loads(stdout.strip().splitlines()[-1])
        r["mb"] = max(r["mb"], tree_kb / 1024.0)
        if best is None or r["s"] < best["s"]:
            best = r
    return best


def verdicts(name: str, fmt: str) -> np.ndarray:
    import pyarrow.parquet as pq
    import pyogrio

    path = OUT / f"peer_{name}.{fmt}"
    col = "gz_verdict" if name == "screen" else "verdict"
    if fmt == "parquet":
        t = pq.read_table(path, columns=["PID", col])
        pid, v = t["PID"].to_numpy(), t[col].to_numpy(zero_copy_only=False)
    else:
        df = pyogrio.read_dataframe(path, layer=0, columns=["PID", col], read_geometry=False, use_arrow=True)
        pid, v = df["PID"].to_numpy(), df[col].to_numpy()
    return np.asarray(v, dtype=object)[np.argsort(pid)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--formats", default=",".join(FORMATS))
    ap.add_argument("--crs", type=int, default=4326, choices=(4326, 4546),
                    help="the EPSG code the data files declare (4326: WGS84, screen without --crs)")
    ap.add_argument("--only", default=",".join(CONTENDERS))
    ap.add_argument("--repeat", type=int, default=1, help="runs per contender; the fastest counts")
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child, args.formats, args.rows, args.crs)
        return
    t0 = time.perf_counter()
    make_data(args.rows, args.crs)
    print(f"data: {args.rows:,} parcels within 8 km, EPSG:{args.crs} (ready in {time.perf_counter() - t0:.0f} s); "
          f"{os.cpu_count()} cores; load average {os.getloadavg()[0]:.2f}")
    names = [n for n in CONTENDERS if n in args.only.split(",")]
    for fmt in args.formats.split(","):
        res = {n: measure(n, fmt, args.rows, args.repeat, args.crs) for n in names
               if n != "screen_unsorted" or fmt == "parquet"}
        print(f"\n{fmt}: {'contender':<15} {'s':>8} {'peak MB':>8}  screen ÷ it")
        sc = res.get("screen")
        for n, r in res.items():
            if r is None:
                continue
            ratio = f"{sc['s'] / r['s']:.2f}" if sc else "-"
            print(f"{fmt}: {n:<15} {r['s']:8.2f} {r['mb']:8.0f}  {ratio}")
        if sc:
            # issue 24: ≤ 1.3 × the read+write floor with geozones-sized columns for the GDAL
            # formats, ≤ 2 × for GeoParquet
            which = "floor" if fmt == "parquet" else "floor_cols"
            floor = res.get(which)
            if floor:
                goal = 2.0 if fmt == "parquet" else 1.3
                print(f"{fmt}: screen ÷ {which} = {sc['s'] / floor['s']:.2f} (goal ≤ {goal})")
            for peer, goal in (("script", 1 / 1.5), ("duckdb", 1.0)):
                if res.get(peer):
                    print(f"{fmt}: screen ÷ {peer} = {sc['s'] / res[peer]['s']:.2f} (goal ≤ {goal:.2f})")
            if res.get("screen_nodatum") and sc["s"] > 0:
                print(f"{fmt}: the datum check: screen ÷ screen_nodatum = "
                      f"{sc['s'] / res['screen_nodatum']['s']:.2f} (goal ≤ 1.10)")
            if res.get("screen_nosun") and sc["s"] > 0:
                print(f"{fmt}: the sun figures: screen ÷ screen_nosun = "
                      f"{sc['s'] / res['screen_nosun']['s']:.2f} (goal ≤ 1.50)")
            if res.get("screen_1t"):
                print(f"{fmt}: second core: screen_1t ÷ screen = {res['screen_1t']['s'] / sc['s']:.2f}")
            if res.get("screen_unsorted"):
                un = res["screen_unsorted"]
                line = f"{fmt}: the Hilbert sort: screen ÷ screen_unsorted = {sc['s'] / un['s']:.2f}"
                if res.get("floor"):
                    line += f"; screen_unsorted ÷ floor = {un['s'] / res['floor']['s']:.2f}"
                print(line)
            print(f"{fmt}: screen peak memory {sc['mb']:.0f} MB (goal ≤ 500)")
            mine = verdicts("screen", fmt)
            for peer in ("script", "duckdb"):
                if res.get(peer):
                    theirs = verdicts(peer, fmt)
                    same = mine == theirs
                    print(f"{fmt}: verdicts {peer} vs screen: {same.mean():.4%} equal "
                          f"({(~same).sum()} differ)")
                    if (~same).any():
                        pairs, counts = np.unique(np.char.add(np.char.add(
                            mine[~same].astype(str), "→"), theirs[~same].astype(str)), return_counts=True)
                        print(f"{fmt}:   screen→{peer}: " + ", ".join(f"{p} {c}" for p, c in zip(pairs, counts)))


if __name__ == "__main__":
    main()
