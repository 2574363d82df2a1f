"""geozones from many threads at once: GEOS prepared geometries are not thread-safe
(libgeos/geos#825), so each thread prepares its own copies of the shared zone geometries
(geozones.core.prepared). Before this, geozones.check() from 8 threads segfaulted about
one run in four."""

import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
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
    # and one thread is right: for boxes wholly outside the sun sectors (every corner's azimuth
    # from the field centre more than 1° outside 60-120° and 240-300°) and within 1000 m, the
    # limit is D/10 with D shapely's distance to the fence box (0 within 50 m + 1 mm), and
    # 30 m fails below D = 300 m
    fence = shapely.box(-12.5, -12.5, 12.5, 12.5)
    checked = 0
    for g, (verdict, max_h) in zip(local, alone):
        x, y = np.asarray(g.exterior.coords).T
        az = np.degrees(np.arctan2(x, y)) % 360.0
        if (((az > 59) & (az < 121)) | ((az > 239) & (az < 301))).any():
            continue
        d = shapely.distance(g, fence)
        if d > 1000:
            continue
        want = 0.0 if d <= 50.001 else d / 10.0
        assert max_h == pytest.approx(want, abs=0.01) and verdict == ("fail" if 30.0 > want + 0.001 else "pass")
        checked += 1
    assert checked >= 10
