"""Benchmark: a map of 100,000 screened parcels — build time, file size, browser load and pan.

    python bench/bench_map.py [--n 100000]

Generates N screened parcels (small rectangles within 6 km of the station, verdicts from the
core), builds the offline map, then opens it in Debian's chromium (headless) and measures the
time until the parcels are drawn and the time of ten pans across the map.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS

from geozones.check import ZoneSet, assess_local
from geozones.core.coords import from_frame
from geozones.core.kinds import normalize_kinds
from geozones.maps import build_map, write_map

OUT = Path(__file__).resolve().parent / "out"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=100_000)
    args = ap.parse_args()
    OUT.mkdir(exist_ok=True)
    zones = ZoneSet()
    rng = np.random.default_rng(1)
    n = args.n
    r, a = 6000 * np.sqrt(rng.random(n)), rng.random(n) * 2 * np.pi
    cx, cy = r * np.sin(a), r * np.cos(a)
    local = shapely.box(cx, cy, cx + rng.uniform(8, 40, n), cy + rng.uniform(8, 40, n))
    h = rng.uniform(0, 60, n)
    res = assess_local(zones, local, normalize_kinds(np.full(n, "building")), h)
    gdf = gpd.GeoDataFrame({
        "PID": np.arange(n), "gz_verdict": res.verdict, "gz_height_m": h,
        "gz_max_height_m": res.max_height_m, "gz_exceedance_m": res.exceedance_m,
        "gz_rules": [",".join(res.flagged_rules(i)) for i in range(n)], "gz_status": "ok",
    }, geometry=from_frame(local, zones.frame.crs, CRS.from_epsg(4326)), crs=4326)
    t0 = time.perf_counter()
    m = build_map(zones, gdf, tiles="none", offline=True)
    path = OUT / f"map_{n}.html"
    size = write_map(m, path)
    t_build = time.perf_counter() - t0
    print(f"parcels: {n:,}; build + write: {t_build:.1f} s; file: {size / 1e6:.1f} MB")

    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium",
                              args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        page = b.new_page(viewport={"width": 1200, "height": 800})

        def pans() -> float:
            t = time.perf_counter()
            for i in range(10):
                page.mouse.move(600, 400)
                page.mouse.down()
                page.mouse.move(600 + (150 if i % 2 == 0 else -150), 400, steps=5)
                page.mouse.up()
            page.evaluate("() => new Promise(r => requestAnimationFrame(() => r()))")
            return (time.perf_counter() - t) / 10 * 1000

        t0 = time.perf_counter()
        page.goto(path.as_uri())
        page.wait_for_function("window.geozones && (window.geozones.parcels || "
                               "document.querySelector('img.leaflet-image-layer'))")
        t_load = time.perf_counter() - t0
        overview = page.locator("img.leaflet-image-layer").count() == 1
        pan_far = pans()
        t0 = time.perf_counter()
        page.evaluate("""() => { const k = Object.keys(window).find(k => k.startsWith('map_') && window[k] instanceof L.Map);
                                 window[k].setZoom(17, {animate: false}); }""")
        page.wait_for_function("window.geozones.parcels")
        count = page.evaluate("() => { let n = 0; geozones.parcels.eachLayer(() => n++); return n; }")
        t_zoom = time.perf_counter() - t0
        pan_near = pans()
        b.close()
    print(f"browser: page ready in {t_load:.1f} s ({'image overview' if overview else 'vectors'}); "
          f"pan at the start zoom {pan_far:.0f} ms; zoom to 17 and build {count:,} vector parcels "
          f"{t_zoom:.1f} s; pan at zoom 17 {pan_near:.0f} ms")


if __name__ == "__main__":
    main()
