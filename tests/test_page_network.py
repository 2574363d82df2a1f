"""The map page's several-stations evaluation (``checkAll`` in geozones/static/geozones_eval.js)
under node, against Python's one-station assessment combined by the rule the page states: each
station measured in its own frame; a station is in reach when one of its rules applies; the
worst verdict governs (then the lowest permitted height, then the nearest fence); the permitted
height is the lowest over the stations in reach.

The stations: the shipped Jiangxian station and two synthetic test stations (a general one
about 2.7 km east, a reference one about 2.2 km north-west) made by ``geozones stations import``,
so zones, sun sectors and setbacks of different classes overlap.
"""

from __future__ import annotations

import json
import math
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import shapely
from conftest import imported_stations
from pyproj import CRS
from shapely import affinity

from geozones.check import ZoneSet, assess
from geozones.core import rules as engine
from geozones.core.coords import from_frame
from geozones.maps import page_config
from geozones.station import load_station, load_stations

NODE = shutil.which("node")
RUNNER = Path(__file__).parent / "js" / "run_network.js"
EVAL_JS = Path(__file__).parent.parent / "geozones" / "static" / "geozones_eval.js"
if NODE is None:
    raise RuntimeError("node is missing: install Debian's nodejs")

# TEST DATA: synthetic positions near Jiangxian (35.504 N, 111.571 E), not real stations.
TABLE = """id,name,name_zh,lat,lon,elevation,class,source
t_gen,Test general,测试一般站,35.504,111.6007,760,general,TEST DATA synthetic
t_ref,Test reference,测试基准站,35.518,111.554,770,reference,TEST DATA synthetic
"""


@pytest.fixture(scope="module")
def network(tmp_path_factory):
    return (load_station(), *load_stations(imported_stations(tmp_path_factory.mktemp("net"), TABLE)))


def _run(cfgs, cases, clicks=()):
    proc = subprocess.run([NODE, str(RUNNER), str(EVAL_JS)],
                          input=json.dumps({"cfgs": cfgs, "cases": cases, "clicks": list(clicks)}),
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def _cases(rng, frame_crs):
    """Points, boxes and lines over the three stations, in Jiangxian's frame [m], as WGS84."""
    geoms = [shapely.Point(x, y) for x, y in rng.uniform(-4500, 6500, (260, 2))]
    for x, y, w, h, turn in zip(*rng.uniform(-4500, 6500, (2, 60)), *rng.uniform(5, 250, (2, 60)),
                                rng.uniform(0, 90, 60)):
        geoms.append(affinity.translate(affinity.rotate(shapely.box(-w / 2, -h / 2, w / 2, h / 2), turn), x, y))
    for x, y in rng.uniform(-4000, 6000, (30, 2)):
        geoms.append(shapely.LineString([(x, y), (x + rng.uniform(-900, 900), y + rng.uniform(-900, 900))]))
    # on and near the fences of the test stations (their body and setbacks)
    geoms += [shapely.Point(2700, 0), shapely.Point(2700, 40), shapely.box(-1540, 1520, -1500, 1600)]
    kinds = rng.choice(np.array(["building", "road", "railway", "water", "interference", "vegetation",
                                 "transmitter"], dtype=object), len(geoms))
    kinds[: len(geoms) // 2] = "building"
    heights = np.where(rng.uniform(size=len(geoms)) < 0.15, np.nan, rng.uniform(0, 200, len(geoms)))
    return geoms, from_frame(np.array(geoms, dtype=object), frame_crs, CRS.from_epsg(4326)), kinds, heights


def _python(stations, wgs, kinds, heights):
    """Each station's answer by geozones.check.assess, combined as the page states it."""
    per = []
    for st in stations:
        a = assess(wgs, kind=kinds, height=heights, zones=ZoneSet(st, pilots=()))
        names = [r.id for r in a.outcomes.rules]
        per.append((st.id, a, names))
    out = []
    for i in range(len(wgs)):
        reach = []
        for sid, a, names in per:
            found = {(sid, names[j], engine.VERDICTS[int(c) - 1]) for j, c in enumerate(a.outcomes.outcome[:, i]) if c}
            if found:
                mh = float(a.max_height_m[i])
                reach.append((int(a.station_verdict_code[i]), -(math.inf if np.isnan(mh) else mh),
                              -float(a.measurements.distance_m[i]), sid, mh, found))
        if not reach:
            out.append(("pass", None, [], None, set()))
            continue
        gov = max(reach, key=lambda r: r[:3])
        heights_ = [r[4] for r in reach if not np.isnan(r[4])]
        out.append((engine.VERDICTS[gov[0] - 1], gov[3], [r[3] for r in reach],
                    min(heights_) if heights_ else None, set().union(*(r[5] for r in reach))))
    return out


def test_page_network_agrees_with_python(network):
    cfgs = [page_config(ZoneSet(st, pilots=())) for st in network]
    assert [c["station_id"] for c in cfgs] == ["jiangxian", "t_gen", "t_ref"]
    frame_crs = ZoneSet(network[0], pilots=()).frame.crs
    geoms, wgs, kinds, heights = _cases(np.random.default_rng(15), frame_crs)
    cases = [{"geometry": shapely.geometry.mapping(g), "kind": str(k), "height": None if np.isnan(h) else float(h)}
             for g, k, h in zip(wgs, kinds, heights)]
    js = _run(cfgs, cases)["results"]
    expect = _python(network, wgs, kinds, heights)
    governed_by, several = set(), 0
    for i, (r, (verdict, sid, reach, mh, found)) in enumerate(zip(js, expect)):
        what = (i, geoms[i].wkt[:60], kinds[i], heights[i])
        assert r["verdict"] == verdict, (what, r, verdict)
        assert r["station"] == sid, (what, r["station"], sid)
        assert r["stations"] == reach, what
        assert (r["maxHeight"] is None) == (mh is None), what
        if mh is not None:
            assert abs(r["maxHeight"] - mh) <= 2e-3, (what, r["maxHeight"], mh)
        assert {tuple(f) for f in r["findings"]} == found, what
        governed_by.add(sid)
        several += len(reach) > 1
    # the cases meet every station as the governing one, no station at all, and overlaps
    assert governed_by == {"jiangxian", "t_gen", "t_ref", None}
    assert several > 20


def test_worked_point_between_two_stations(network):
    # Hand-worked: a point 400 m north of the general test station's fence (azimuth 0°: outside
    # every sun sector of that station) permits D / 8 = 50 m there. The same point lies about
    # 2.7 km east of Jiangxian, in its general zone (H ≤ D / 10 at review there, ≈ 270 m), so
    # the lower limit, the general station's 50 m, governs; 60 m fails it.
    gen = network[1]
    zs = ZoneSet(gen, pilots=())
    pt = from_frame(np.array([shapely.Point(0, 12.5 + 400)], dtype=object), zs.frame.crs, CRS.from_epsg(4326))[0]
    cfgs = [page_config(ZoneSet(st, pilots=())) for st in network]
    out = _run(cfgs, [{"geometry": shapely.geometry.mapping(pt), "kind": "building", "height": 60.0}],
               clicks=[[pt.y, pt.x]])
    r, click = out["results"][0], out["clicks"][0]
    assert r["verdict"] == "fail" and r["station"] == "t_gen"
    assert r["maxHeight"] == pytest.approx(50.0, abs=1e-3)
    assert "jiangxian" in r["stations"] and "t_gen" in r["stations"]
    assert click["allowed"] == pytest.approx(50.0, abs=1e-3) and click["ruleStation"] == "t_gen"
    assert click["rule"] == "height_ratio"


def test_no_station_in_reach_names_the_nearest(network):
    # 30 km south of Jiangxian, outside every zone and (due south) outside every sun sector
    zs = ZoneSet(network[0], pilots=())
    pt = from_frame(np.array([shapely.Point(0, -30000)], dtype=object), zs.frame.crs, CRS.from_epsg(4326))[0]
    cfgs = [page_config(ZoneSet(st, pilots=())) for st in network]
    r = _run(cfgs, [{"geometry": shapely.geometry.mapping(pt), "kind": "building", "height": 300.0}])["results"][0]
    assert r["verdict"] == "pass" and r["station"] is None and r["stations"] == []
    assert r["nearest"]["station"] == "jiangxian"
    assert r["nearest"]["D"] == pytest.approx(30000 - 12.5, abs=0.5)
