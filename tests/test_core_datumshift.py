"""The datum-shift filter (geozones.core.datumshift): a row it clears keeps its verdict when
its numbers are read as GCJ-02 or BD-09, so check's notes and screen's counts equal reading
every row in full."""

import numpy as np
import pytest
import shapely

from geozones.check import ZoneSet, _datum_alternatives, assess, check
from geozones.core.coords import from_frame, parse_crs
from geozones.core.datums import DATUMS, DatumCRS
from geozones.core.datumshift import verdict_may_change, vertex_shift_m

WGS84 = parse_crs("EPSG:4326")


@pytest.fixture(scope="module")
def sample():
    z = ZoneSet.shared(None)
    rng = np.random.default_rng(5)
    n = 1500
    r, th = rng.uniform(0, 12000, n), rng.uniform(0, 2 * np.pi, n)
    x, y = r * np.sin(th), r * np.cos(th)
    w, h = rng.uniform(5, 80, n), rng.uniform(5, 80, n)
    local = shapely.box(x, y, x + w, y + h)
    wgs = from_frame(local, z.frame.crs, WGS84)
    height = np.where(rng.random(n) < 0.1, np.nan, rng.uniform(0, 150, n))
    return z, wgs, height, assess(wgs, "building", height, crs="EPSG:4326", zones=z)


@pytest.mark.parametrize("datum", DATUMS)
def test_cleared_rows_keep_their_verdict(sample, datum):
    z, wgs, height, a = sample
    shift = vertex_shift_m(wgs, WGS84, [DatumCRS(datum)], z.frame.crs)[0]
    assert 300 < np.median(shift) < 2000  # GCJ-02 ≈ 550 m here, BD-09 ≈ 1.3 km
    may = verdict_may_change(a, shift)
    b = assess(wgs, "building", height, crs=DatumCRS(datum), zones=z)
    both = np.equal(a.problems, None) & np.equal(b.problems, None)
    changed = both & (a.verdict != b.verdict)
    assert changed.sum() > 20            # the sample has rows whose verdict the datum changes
    assert not (changed & ~may).any()    # ... and the filter flags every one of them
    assert (~may).sum() > 200            # while clearing many others (far from every edge)


def test_a_shift_of_zero_clears_rows_away_from_edges(sample):
    """With no shift only the 1 m margin remains: a row 300 m north, 10 m high, is cleared;
    one at 50.5 m (1 m margin reaches the 50 m setback) is not."""
    z, *_ = sample
    h = z.station.field_size_m / 2
    geoms = from_frame(np.array([shapely.Point(0, h + 300), shapely.Point(0, h + 50.5)], dtype=object),
                       z.frame.crs, WGS84)
    a = assess(geoms, "building", 10.0, crs="EPSG:4326", zones=z)
    np.testing.assert_array_equal(verdict_may_change(a, np.zeros(2)), [False, True])


def test_check_notes_equal_the_full_reading():
    """check() (filtered) says exactly what reading both datums in full says, for sites near
    and far, some of whose verdict the datum changes."""
    z = ZoneSet.shared(None)
    h = z.station.field_size_m / 2
    changed = 0
    for n in (30.0, 200.0, 600.0, 1500.0, 2100.0, 3500.0, 4800.0, 7000.0):
        for az in (0.0, 90.0, 200.0):
            x, y = (h + n) * np.sin(np.radians(az)), (h + n) * np.cos(np.radians(az))
            pt = from_frame(np.array([shapely.Point(x, y)], dtype=object), z.frame.crs, WGS84)[0]
            height = 0.1 * n + 2.0
            r = check(pt, height=height)
            a = assess([pt], "building", height, crs="EPSG:4326", zones=z)
            full = _datum_alternatives(a, pt, "building", height, "xy", z, None, None, "en")  # no crs: no filter
            assert [s for s in r.assumptions if s.startswith("Read as ")] == full
            changed += len(full)
    assert changed >= 5, changed
