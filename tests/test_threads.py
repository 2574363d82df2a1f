"""geozones from many threads at once: GEOS prepared geometries are not thread-safe
(libgeos/geos#825), so each thread prepares its own copies of the shared zone geometries
(geozones.core.prepared). Before this, geozones.check() from 8 threads segfaulted about
one run in four."""

import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import shapely

from geozones import check
from geozones.check import ZoneSet


def _in_thread(fn):
    out = []
    t = threading.Thread(target=lambda: out.append(fn()))
    t.start()
    t.join()
    return out[0]


def test_each_thread_prepares_its_own_copy_of_the_zone_geometries():
    z = ZoneSet.shared()
    names = ("field", "protected_area")
    mine = [getattr(z.frame, n) for n in names] + [w for w, _tri in z.frame._sun_wedges]
    mine += list(z.pilot_boundaries)
    theirs = _in_thread(lambda: [getattr(z.frame, n) for n in names]
                        + [w for w, _tri in z.frame._sun_wedges] + list(z.pilot_boundaries))
    assert len(mine) == len(theirs) == 4 + len(z.pilots)  # field, protected area, 2 wedges
    for a, b in zip(mine, theirs):
        assert a is not b                       # separate GEOS objects
        assert shapely.equals_exact(a, b, 0)    # the same coordinates, exactly
        assert shapely.is_prepared(a) and shapely.is_prepared(b)
    # the same thread reads the same copy again (prepared once, not per call)
    assert z.frame.field is z.frame.field


def test_a_pickled_zone_set_prepares_its_own_copies():
    # the dask engine pickles the zone set: the copies do not travel (a preparation does not
    # survive pickling), so the other process prepares its own, in every thread
    import pickle

    z = ZoneSet.shared()
    assert z.frame._sun_wedges  # copies made here, in this thread
    size_before = len(pickle.dumps(ZoneSet()))
    back = pickle.loads(pickle.dumps(z))
    assert len(pickle.dumps(z)) < 2 * size_before
    assert not back.frame.__dict__.get("_prepared_per_thread")
    w = back.frame._sun_wedges[0][0]
    assert shapely.is_prepared(w) and shapely.equals_exact(w, z.frame._sun_wedges[0][0], 0)
    assert shapely.is_prepared(_in_thread(lambda: back.frame.protected_area))


def test_checks_from_eight_threads_equal_the_same_checks_in_one():
    # 30 footprints on a ring 40–1500 m around the field, 30 m tall: the control belt's
    # D/10 rule fails the near ones (D < 300 m) and passes the far ones; every thread must
    # give what one thread gives, row for row.
    z = ZoneSet.shared()
    ang = np.linspace(0, 2 * np.pi, 30, endpoint=False)
    dist = np.linspace(40, 1500, 30)
    local = [shapely.box(d * np.sin(a), d * np.cos(a), d * np.sin(a) + 12, d * np.cos(a) + 12)
             for d, a in zip(dist, ang)]
    args = [(g.wkt, 30.0) for g in local]

    def one(arg):
        r = check(arg[0], height=arg[1], crs=z.frame.crs.to_wkt())
        return r.verdict, r.max_height_m

    alone = [one(a) for a in args]
    with ThreadPoolExecutor(8) as ex:
        for _ in range(5):
            assert list(ex.map(one, args)) == alone
    verdicts = [v for v, _m in alone]
    assert "fail" in verdicts and "pass" in verdicts


def test_ordered_map_keeps_order_bounds_work_and_hands_back_errors():
    import time

    from geozones.pipeline import ordered_map

    # later items finish first (shorter sleeps); results still come in the items' order
    assert list(ordered_map(lambda i: (time.sleep((10 - i) / 1000), i)[1], range(10), 2)) == list(range(10))
    started = []
    lock = threading.Lock()
    live = {"now": 0, "most": 0}

    def fn(i):
        with lock:
            started.append(i)
            live["now"] += 1
            live["most"] = max(live["most"], live["now"])
        time.sleep(0.002)
        with lock:
            live["now"] -= 1
        if i == 5:
            raise ValueError("chunk 5 broke")
        return i

    got = []
    try:
        for r in ordered_map(fn, range(100), 3):
            got.append(r)
    except ValueError as exc:
        assert str(exc) == "chunk 5 broke"
    assert got == [0, 1, 2, 3, 4]          # every earlier result first, then the error
    assert live["most"] <= 3               # never more items in work than workers
    assert max(started) <= 5 + 3           # nothing drawn far past the failure

    def reader():                          # the input fails at item 3: items 0-2 come out first
        yield from range(3)
        raise OSError("read failed at chunk 3")

    got = []
    try:
        for r in ordered_map(lambda i: (time.sleep((3 - i) / 500), i)[1], reader(), 3):
            got.append(r)
    except OSError as exc:
        assert "chunk 3" in str(exc)
    assert got == [0, 1, 2]
    assert list(ordered_map(lambda i: i * 2, range(5), 1)) == [0, 2, 4, 6, 8]   # one thread: map


def test_screening_on_two_threads_equals_one(tmp_path, monkeypatch):
    # the same parcels screened with chunks side by side (default) and on one thread
    import geopandas as gpd
    import pandas as pd

    from geozones.screen import ScreenOptions, screen_file

    z = ZoneSet.shared()
    rng = np.random.default_rng(7)
    n = 3000
    r, a = rng.uniform(0, 6000, n), rng.uniform(0, 2 * np.pi, n)
    x, y = r * np.sin(a), r * np.cos(a)
    gdf = gpd.GeoDataFrame({"HEIGHT": rng.uniform(0, 120, n).round(1)},
                           geometry=shapely.box(x, y, x + 20, y + 15), crs=z.frame.crs)
    src = tmp_path / "p.parquet"
    gdf.to_parquet(src)
    opts = ScreenOptions(height_field="HEIGHT")
    monkeypatch.setenv("GEOZONES_THREADS", "2")
    screen_file(src, tmp_path / "two.parquet", zones=z, opts=opts, chunk_size=250, sort="none")
    monkeypatch.setenv("GEOZONES_THREADS", "1")
    screen_file(src, tmp_path / "one.parquet", zones=z, opts=opts, chunk_size=250, sort="none")
    two, one = pd.read_parquet(tmp_path / "two.parquet"), pd.read_parquet(tmp_path / "one.parquet")
    pd.testing.assert_frame_equal(two, one)
    assert two["gz_verdict"].nunique() >= 2  # fails and passes both present


def test_the_screen_command_asks_arrow_for_its_jemalloc_pool(tmp_path):
    # Arrow reads ARROW_DEFAULT_MEMORY_POOL once, when first imported: the command sets it
    # before (Linux), and a user's own choice stands
    import os
    import subprocess
    import sys

    code = ("from geozones.pipeline import lean_arrow_pool; lean_arrow_pool(); "
            "import pyarrow as pa; print(pa.default_memory_pool().backend_name)")
    env = {k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"}
    got = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True).stdout.strip()
    if sys.platform.startswith("linux"):  # the wheels there carry jemalloc
        assert got == "jemalloc"
    env["ARROW_DEFAULT_MEMORY_POOL"] = "system"
    got = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True).stdout.strip()
    assert got == "system"
