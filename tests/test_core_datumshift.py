"""The datum-shift filter (geozones.core.datumshift): a row it settles keeps its verdict and
its permitted height when its numbers are read as GCJ-02 or BD-09, so check's notes equal
reading every row in full, and screen's counts are exact when every open row is read again
and an estimate whose stated error holds when only a sample is."""

import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import CRS, Transformer

from geozones.check import ZoneSet, assess, check
from geozones.core.coords import from_frame, parse_crs, transform_xy
from geozones.core.datums import CHINA_BOUNDS, DATUMS, DatumCRS, to_wgs84
from geozones.core.datumshift import EDGE_M, OFFSET_SLOPE, datum_changes, row_shift_m, same_height, verdict_may_change

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


def _vertex_moves(wgs, datum, frame_crs) -> np.ndarray:
    """Per row, the largest move of a vertex in the frame between the WGS84 reading and the
    datum's, vertex by vertex (every vertex's numbers through the datum's inverse)."""
    xy, index = shapely.get_coordinates(wgs, return_index=True)
    ax, ay = transform_xy(xy[:, 0], xy[:, 1], WGS84, frame_crs)
    lon, lat = to_wgs84(xy[:, 0], xy[:, 1], datum)
    bx, by = transform_xy(lon, lat, WGS84, frame_crs)
    worst = np.zeros(len(wgs))
    np.maximum.at(worst, index, np.hypot(ax - bx, ay - by))
    return worst


@pytest.mark.parametrize("datum", DATUMS)
def test_the_row_shift_bounds_every_vertex_move(sample, datum):
    """The grid-and-slope bound is never below the move of any vertex, and not far above
    (parcels of ≤ 113 m diagonal, cells of 500 m: at most slope × (354 + 57) m more)."""
    z, wgs, _, a = sample
    bound = row_shift_m(a, np.arange(len(wgs)), WGS84, [DatumCRS(datum)])[0]
    exact = _vertex_moves(wgs, datum, z.frame.crs)
    assert 300 < np.median(exact) < 2000  # GCJ-02 ≈ 550 m here, BD-09 ≈ 1.3 km
    assert (bound >= exact).all()
    assert (bound - exact).max() < OFFSET_SLOPE[datum] * 420 + 1


@pytest.mark.parametrize("datum", DATUMS)
def test_the_offset_slope_holds_over_china(datum):
    """Pairs of points 1 m to 2 km apart anywhere in mainland China's box: the offset between
    the two readings differs by less than OFFSET_SLOPE × their distance."""
    rng = np.random.default_rng(11)
    n = 200_000
    x0, y0, x1, y1 = CHINA_BOUNDS
    lon, lat = rng.uniform(x0, x1, n), rng.uniform(max(y0, 18.0), y1, n)
    d = 10 ** rng.uniform(0, np.log10(2000), n)               # metres between the two points
    az = rng.uniform(0, 2 * np.pi, n)
    lon2 = lon + d * np.sin(az) / (111_320 * np.cos(np.radians(lat)))
    lat2 = lat + d * np.cos(az) / 111_320
    m_per_deg = 111_320 * np.cos(np.radians(lat))
    # both points 3 km inside the box (near its edge the offsets stop: row_shift_m gives no bound)
    e, c = EDGE_M / 111_320, np.cos(np.radians(53.55))
    keep = (((np.minimum(lon, lon2) - x0) * c > e) & ((x1 - np.maximum(lon, lon2)) * c > e)
            & (np.minimum(lat, lat2) - y0 > e) & (y1 - np.maximum(lat, lat2) > e))
    lon, lat, lon2, lat2, d, m_per_deg = (v[keep] for v in (lon, lat, lon2, lat2, d, m_per_deg))
    w1, w2 = to_wgs84(lon, lat, datum), to_wgs84(lon2, lat2, datum)
    o1 = np.array([(w1[0] - lon) * m_per_deg, (w1[1] - lat) * 111_320])
    o2 = np.array([(w2[0] - lon2) * m_per_deg, (w2[1] - lat2) * 111_320])
    change = np.hypot(*(o2 - o1))
    # the inverse is iterated to 1 cm: each offset may be 1 cm off
    assert (change <= OFFSET_SLOPE[datum] * d + 0.02).all()
    assert (change / d).max() > OFFSET_SLOPE[datum] / 8     # the slope is not loose by far


@pytest.mark.parametrize("datum", DATUMS)
def test_settled_rows_keep_their_verdict_and_height(sample, datum):
    z, wgs, height, a = sample
    shift = row_shift_m(a, np.arange(len(wgs)), WGS84, [DatumCRS(datum)])[0]
    may = verdict_may_change(a, shift)
    b = assess(wgs, kind="building", height=height, crs=DatumCRS(datum), zones=z)
    both = np.equal(a.problems, None) & np.equal(b.problems, None)
    changed = both & (a.verdict != b.verdict)
    moved = both & ~same_height(a.max_height_m, b.max_height_m)
    assert changed.sum() > 20 and moved.sum() > 200    # the sample has rows the datum changes
    assert not ((changed | moved) & ~may).any()        # ... and the filter leaves every one open
    assert (~may).sum() > 100                          # while settling others (far from every edge)


def test_no_bound_across_the_edge_of_the_offsets():
    """A parcel at 135.04° E, less than 3 km from 135.05° (coordTransform's edge, where the
    offset drops from hundreds of metres to none): no bound, read again."""
    z = ZoneSet.shared(None)
    poly = shapely.box(135.040, 48.0, 135.0405, 48.0004)
    a = assess(np.array([poly], dtype=object), kind="building", height=10.0, crs="EPSG:4326", zones=z)
    assert np.isinf(row_shift_m(a, np.array([0]), WGS84, [DatumCRS(d) for d in DATUMS])).all()


def test_a_shift_of_zero_settles_rows_away_from_edges(sample):
    """With no shift only the 1 m margin remains: a road 300 m north (no height) is settled;
    one at 50.5 m (1 m margin reaches the 50 m setback) is not; a building 300 m north is
    open: its permitted height D / 10 moves with D."""
    z, *_ = sample
    h = z.station.field_size_m / 2
    geoms = from_frame(np.array([shapely.Point(0, h + 300), shapely.Point(0, h + 50.5)], dtype=object),
                       z.frame.crs, WGS84)
    a = assess(geoms, kind="road", crs="EPSG:4326", zones=z)
    np.testing.assert_array_equal(verdict_may_change(a, np.zeros(2)), [False, True])
    a = assess(geoms[:1], kind="building", height=10.0, crs="EPSG:4326", zones=z)
    np.testing.assert_array_equal(verdict_may_change(a, np.zeros(1)), [True])


def _full_counts(a, z, wgs, height, datum):
    b = assess(wgs, kind="building", height=height, crs=DatumCRS(datum), zones=z)
    both = np.equal(a.problems, None) & np.equal(b.problems, None)
    return (int((both & (a.verdict != b.verdict)).sum()),
            int((both & ~same_height(a.max_height_m, b.max_height_m)).sum()))


def test_every_open_row_read_again_gives_the_exact_counts(sample):
    z, wgs, height, a = sample
    changes = datum_changes(a, z, wgs, WGS84, dict(kind="building", height_m=height), within=a)
    for datum in DATUMS:
        c = changes[datum]
        assert c.exact and c.read == c.open
        v, h = _full_counts(a, z, wgs, height, datum)
        assert (len(c.rows), len(c.height_rows)) == (v, h)
        np.testing.assert_array_equal(c.estimate(), [v, 0, h, 0])


def test_a_sample_estimates_the_counts_within_its_stated_error(sample):
    """300 of the open rows read again: the estimates are within 3 standard errors of the
    full counts, and the variance is the sampling formula's, by hand."""
    z, wgs, height, a = sample
    changes = datum_changes(a, z, wgs, WGS84, dict(kind="building", height_m=height), within=a,
                            sample=300, seed=3)
    for datum in DATUMS:
        c = changes[datum]
        assert c.read == 300 < c.open and not c.exact
        v, h = _full_counts(a, z, wgs, height, datum)
        est = c.estimate()
        for got, var, full, hits in ((est[0], est[1], v, len(c.rows)), (est[2], est[3], h, len(c.height_rows))):
            assert got == pytest.approx(c.open * hits / 300)
            q = (hits + 0.5) / 301   # the share the variance takes: never 0 or 1
            assert var == pytest.approx(c.open ** 2 * (1 - 300 / c.open) * q * (1 - q) / 300)
            assert abs(got - full) <= 3 * np.sqrt(var) + 1


def test_a_sample_without_a_changed_row_still_states_an_error():
    """1,000 open rows of which 10 change, 50 read, none of them changed: the estimate is 0,
    the error is not (share (0 + 0.5) / 51 in the variance: 1.96 × 1000 × √(0.95 × q(1 − q) / 50)
    ≈ 26.6: 27 rows at 95 %, rounded up), and the summary says the datum may change rows."""
    from geozones.core.datumshift import DatumChange
    from geozones.screen import ScreenSummary

    none = np.zeros(0, dtype=np.int64)
    c = DatumChange(none, np.zeros(0, dtype=np.int8), np.zeros(0), np.zeros(0), none, open=1000, read=50)
    est = c.estimate()
    q = 0.5 / 51
    assert est[0] == 0 and est[1] == pytest.approx(1000 ** 2 * 0.95 * q * (1 - q) / 50)
    s = ScreenSummary()
    s.datum_changes["GCJ-02"] = (*est, 1000, 50)
    report = s.datum_report()["GCJ-02"]
    assert report["verdicts"] == 0 and report["method"] == "sampled"
    assert report["verdicts_error_95"] == int(np.ceil(1.96 * np.sqrt(est[1]))) == 27
    assert "GCJ-02" in s.datums_changing()


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
    from geozones.screen import ScreenOptions, screen_chunk
    from geozones.station import load_station

    numbers, d_true, d_read = _across_1000_m()
    z = ZoneSet.shared(None)
    geoms = np.array([numbers], dtype=object)
    a = assess(geoms, kind="building", height=150.0, crs="EPSG:4326", zones=z)
    assert a.measurements.distance_m[0] == pytest.approx(d_read, abs=0.05)
    assert a.verdict[0] == _verdict_150(d_read)
    change = datum_changes(a, z, geoms, WGS84, dict(kind="building", height_m=150.0))["GCJ-02"]
    assert change.exact and change.height_rows.tolist() == [0]
    assert change.rows.tolist() == [0]
    assert ["pass", "review", "fail"][int(change.verdict_code[0]) - 1] == _verdict_150(d_true)
    assert change.distance_m[0] == pytest.approx(d_true, abs=0.05)       # the inverse: 1 cm
    assert change.max_height_m[0] == pytest.approx(0.1 * d_true, abs=0.01)
    # check says so, and screen counts the row, for the station alone and as a network of one
    r = check(numbers, height=150.0)
    assert r.verdict == _verdict_150(d_read)
    # said first (datum_warning), no longer among the assumptions (issue 25)
    assert not [s for s in r.assumptions if s.startswith("Read as")]
    note = [s for s in r.datum_warning["message"] if s.startswith("Read as GCJ-02")]
    assert len(note) == 1 and _verdict_150(d_true).upper() in note[0]
    assert f"at {d_true:g} m" in note[0] and f"permitted height {0.1 * d_true:g} m" in note[0]
    df = pd.DataFrame({"H": [150.0]})
    for zones in (z, StationNetwork([load_station()])):
        counts: dict = {}
        screen_chunk(df, geoms, geoms, WGS84, zones, ScreenOptions(height_field="H"), datum_counts=counts)
        # (verdicts, variance, heights, variance, open rows, rows read): exact
        assert counts["GCJ-02"] == (1, 0, 1, 0, 1, 1)
    # the same numbers given as GCJ-02: the true site, no datum note
    given = check(numbers, height=150.0, crs="GCJ-02")
    assert given.verdict == _verdict_150(d_true) and given.datum_warning is None


def test_rows_far_from_every_line_change_nothing():
    """A site 3 km north reads 3 ± 0.6 km in either datum: outside, pass, no change."""

    z = ZoneSet.shared(None)
    to_wgs = Transformer.from_crs(FRAME, CRS.from_epsg(4326), always_xy=True)
    site = shapely.Point(*to_wgs.transform(0.0, 12.5 + 7000.0))
    geoms = np.array([site], dtype=object)
    a = assess(geoms, kind="building", height=10.0, crs="EPSG:4326", zones=z)
    changes = datum_changes(a, z, geoms, WGS84, dict(kind="building", height_m=10.0), within=a)
    assert set(changes) == set(DATUMS) and all(len(c.rows) == 0 for c in changes.values())
    # 7 km north is beyond every band and outside the sun sectors: settled, nothing read again
    assert all(c.open == 0 and c.exact for c in changes.values())


def test_a_gcj_02_reading_that_changes_only_the_permitted_height():
    """Issue 25: Gaode numbers of the README's footprint read as WGS84 land 857.25 m from the
    fence, still in the sunrise sector: PASS under H ≤ D·tan 5° = 75.00 m; the true site is
    336.82 m out, also PASS, under 29.47 m. The verdict stays, the permitted height does not:
    a height row, with its height and distance under the datum."""
    from geometries import gaode_site

    from geozones.core.datumshift import HEIGHT_SAME_M

    numbers, d_true, az_true, d_read, az_read = gaode_site()
    # both inside the sunrise sector (60.06°–118.58° from the field centre at Jiangxian)
    assert 62 < az_true < 116 and 62 < az_read < 116
    tan5 = np.tan(np.radians(5.0))
    z = ZoneSet.shared(None)
    geoms = np.array([numbers], dtype=object)
    a = assess(geoms, kind="building", height=10.0, crs="EPSG:4326", zones=z)
    assert a.measurements.distance_m[0] == pytest.approx(d_read, abs=0.05)
    assert a.max_height_m[0] == pytest.approx(d_read * tan5, abs=0.01)        # 75.00 m
    change = datum_changes(a, z, geoms, WGS84, dict(kind="building", height_m=10.0))["GCJ-02"]
    assert change.rows.tolist() == [] and change.height_rows.tolist() == [0]
    assert change.height_distance_m[0] == pytest.approx(d_true, abs=0.05)     # 336.82 m
    assert change.height_max_height_m[0] == pytest.approx(d_true * tan5, abs=0.01)   # 29.47 m
    assert abs(change.height_max_height_m[0] - a.max_height_m[0]) > HEIGHT_SAME_M
