"""The datum-shift filter (geozones.core.datumshift): a row it clears keeps its verdict when
its numbers are read as GCJ-02 or BD-09, so check's notes and screen's counts equal reading
every row in full."""

import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import CRS, Transformer

from geozones.check import ZoneSet, assess, check
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
    return z, wgs, height, assess(wgs, kind="building", height=height, crs="EPSG:4326", zones=z)


@pytest.mark.parametrize("datum", DATUMS)
def test_cleared_rows_keep_their_verdict(sample, datum):
    z, wgs, height, a = sample
    shift = vertex_shift_m(wgs, WGS84, [DatumCRS(datum)], z.frame.crs)[0]
    assert 300 < np.median(shift) < 2000  # GCJ-02 ≈ 550 m here, BD-09 ≈ 1.3 km
    may = verdict_may_change(a, shift)
    b = assess(wgs, kind="building", height=height, crs=DatumCRS(datum), zones=z)
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
    a = assess(geoms, kind="building", height=10.0, crs="EPSG:4326", zones=z)
    np.testing.assert_array_equal(verdict_may_change(a, np.zeros(2)), [False, True])


#: The Jiangxian frame, built here with pyproj (azimuthal equidistant on the field centre,
#: y north); the fence is the 25 m square around the centre.
FRAME = CRS.from_proj4("+proj=aeqd +lat_0=35.504 +lon_0=111.571 +x_0=0 +y_0=0 +ellps=GRS80 +units=m")
FENCE = shapely.box(-12.5, -12.5, 12.5, 12.5)


def _verdict_150(d: float) -> str:
    """H = 150 m north of the field, by hand: within 1000 m the control zone's
    height_ratio (0.1·D < 100 m) fails it; in the general zone general_height (0.1·D)
    reviews it below D = 1500 m."""
    return "fail" if d <= 1000.0 else ("review" if d < 1500.0 else "pass")


def _across_1000_m():
    """A site whose WGS84 position is north of the field and whose GCJ-02 numbers (from
    coordTransform's forward formula), read as WGS84, land on the other side of the 1000 m
    line (both at least 30 m from it): ``(numbers, D of the true site, D as read)``."""
    import coordTransform

    to_wgs = Transformer.from_crs(FRAME, CRS.from_epsg(4326), always_xy=True)
    to_frame = Transformer.from_crs(CRS.from_epsg(4326), FRAME, always_xy=True)
    for d_true in np.arange(600.0, 1400.0, 10.0):
        lon, lat = to_wgs.transform(0.0, 12.5 + d_true)
        glon, glat = coordTransform.wgs84_to_gcj02(np.array([lon]), np.array([lat]))
        x, y = to_frame.transform(float(glon[0]), float(glat[0]))
        d_read = FENCE.distance(shapely.Point(x, y))
        az = np.degrees(np.arctan2(x, y)) % 360
        if (d_true - 1000) * (d_read - 1000) < 0 and min(abs(d_true - 1000), abs(d_read - 1000)) > 30 \
                and not (55 < az < 125 or 235 < az < 305):   # away from the sun sectors
            return shapely.Point(float(glon[0]), float(glat[0])), float(d_true), float(d_read)
    raise AssertionError("no such site")


def test_a_gcj_02_reading_across_the_1000_m_line_changes_the_verdict():
    from geozones.check import StationNetwork
    from geozones.core.datumshift import datum_changes
    from geozones.screen import ScreenOptions, screen_chunk
    from geozones.station import load_station

    numbers, d_true, d_read = _across_1000_m()
    z = ZoneSet.shared(None)
    geoms = np.array([numbers], dtype=object)
    a = assess(geoms, kind="building", height=150.0, crs="EPSG:4326", zones=z)
    assert a.measurements.distance_m[0] == pytest.approx(d_read, abs=0.05)
    assert a.verdict[0] == _verdict_150(d_read)
    change = datum_changes(a, z, geoms, WGS84, dict(kind="building", height_m=150.0))["GCJ-02"]
    assert change.rows.tolist() == [0]
    assert ["pass", "review", "fail"][int(change.verdict_code[0]) - 1] == _verdict_150(d_true)
    assert change.distance_m[0] == pytest.approx(d_true, abs=0.05)       # the inverse: 1 cm
    assert change.max_height_m[0] == pytest.approx(0.1 * d_true, abs=0.01)
    # check says so, and screen counts the row, for the station alone and as a network of one
    r = check(numbers, height=150.0)
    assert r.verdict == _verdict_150(d_read)
    note = [s for s in r.assumptions if s.startswith("Read as GCJ-02")]
    assert len(note) == 1 and _verdict_150(d_true).upper() in note[0]
    assert f"at {d_true:g} m" in note[0] and f"permitted height {0.1 * d_true:g} m" in note[0]
    df = pd.DataFrame({"H": [150.0]})
    for zones in (z, StationNetwork([load_station()])):
        counts: dict = {}
        screen_chunk(df, geoms, geoms, WGS84, zones, ScreenOptions(height_field="H"), datum_counts=counts)
        assert counts["GCJ-02"] == 1
    # the same numbers given as GCJ-02: the true site, no datum note
    given = check(numbers, height=150.0, crs="GCJ-02")
    assert given.verdict == _verdict_150(d_true) and not [s for s in given.assumptions if s.startswith("Read as")]


def test_rows_far_from_every_line_change_nothing():
    """A site 3 km north reads 3 ± 0.6 km in either datum: outside, pass, no change."""
    from geozones.core.datumshift import datum_changes

    z = ZoneSet.shared(None)
    to_wgs = Transformer.from_crs(FRAME, CRS.from_epsg(4326), always_xy=True)
    site = shapely.Point(*to_wgs.transform(0.0, 12.5 + 7000.0))
    geoms = np.array([site], dtype=object)
    a = assess(geoms, kind="building", height=10.0, crs="EPSG:4326", zones=z)
    changes = datum_changes(a, z, geoms, WGS84, dict(kind="building", height_m=10.0), within=a)
    assert set(changes) == set(DATUMS) and all(len(c.rows) == 0 for c in changes.values())
