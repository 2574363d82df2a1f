"""The sun figures (issue 27) against a brute force written apart from geozones' core.

For every sun minute of a thinned table, a ray is cast from the recorder with shapely (a 1000 km
LineString at the minute's azimuth intersected with the footprint; d the distance from the
recorder to that intersection) and the minute is hidden iff its apparent elevation is below
atan((H − h) / d). This is compared with :func:`blocked_minutes`, with the batched
:func:`blocked_minutes_many` and with the bound :func:`sun_bound_clears` (which must never clear
a footprint that hides something), for seeded random footprints of every kind: polygons,
multipolygons, courtyards (around the recorder too), lines, points, walls 2 cm thick,
footprints straddling north, 1-5 m to 30 km away, over or touching the recorder, tops just above
and below the recorder. Two tables: Jiangxian's (35.5° N: the sun never in the north) and one
computed here with pvlib at 18.25° N (Sanya), where the summer noon sun crosses azimuth 0/360.

Also here: the table against pvlib called directly (times built in UTC here), the frame's
azimuths from true north for a footprint given in a Gauss-Krüger grid (grid convergence 0.33°
at Jiangxian), and one season worked by hand (a wall to the south in winter).

Frame: metres east (x) and north (y) of the field centre; azimuth clockwise from north.
"""

from __future__ import annotations

import datetime as dt
import math
import warnings

import numpy as np
import pandas as pd
import pytest
import shapely
from shapely import affinity

from geozones.core.sunshine import SunTable, blocked_minutes, blocked_minutes_many, sun_bound_clears, sun_figures
from geozones.station import load_station
from geozones.sunshine import sun_table

H_REC = 1.5
UTC8 = dt.timezone(dt.timedelta(hours=8))


def _thin(table: SunTable, step: int) -> SunTable:
    k = np.arange(0, len(table), step)
    return SunTable.build(table.minute[k], table.elevation_deg[k], table.azimuth_deg[k], table.sunshine[k],
                          table.year, table.utc_offset_h)


def _pvlib_table(lat: float, lon: float, elev: float, every_min: int) -> SunTable:
    """Every ``every_min``-th minute of 2025 (UTC+8) from pvlib's SPA, called here."""
    import pvlib

    minute = np.arange(0, 365 * 1440, every_min)
    times = pd.Timestamp(2024, 12, 31, 16, tz="UTC") + pd.to_timedelta(minute, unit="min")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sp = pvlib.solarposition.spa_python(times, lat, lon, altitude=elev, pressure=pvlib.atmosphere.alt2pres(elev),
                                            temperature=12.0, how="numpy")
    return SunTable.build(minute, sp["apparent_elevation"].to_numpy(), sp["azimuth"].to_numpy(),
                          np.ones(len(minute), dtype=bool), 2025)


@pytest.fixture(scope="module")
def jiangxian():
    return sun_table(load_station())


@pytest.fixture(scope="module")
def tables(jiangxian):
    return {"jiangxian": _thin(jiangxian, 97), "sanya": _pvlib_table(18.25, 109.5, 10.0, 197)}


def brute(table: SunTable, geom, top: float) -> set[int]:
    """The hidden minutes by casting one shapely ray per sun minute of ``table``."""
    dz = top - H_REC
    if dz <= 0.0:
        return set()
    a = np.radians(table.azimuth_deg)
    far = 1e6
    rays = shapely.linestrings(np.stack([np.zeros((len(a), 2)), np.column_stack([far * np.sin(a), far * np.cos(a)])], 1))
    hit = shapely.intersection(rays, geom)
    d = np.where(shapely.is_empty(hit), np.inf, shapely.distance(shapely.Point(0.0, 0.0), hit))
    return set(table.minute[table.elevation_deg < np.degrees(np.arctan2(dz, d))].tolist())


def _at(d: float, az: float) -> tuple[float, float]:
    return d * math.sin(math.radians(az)), d * math.cos(math.radians(az))


def _star(rng, c, r, n):
    th = np.sort(rng.uniform(0.0, 2 * np.pi, n))
    rr = r * rng.uniform(0.4, 1.0, n)
    return shapely.make_valid(shapely.Polygon(np.column_stack([c[0] + rr * np.cos(th), c[1] + rr * np.sin(th)])))


def footprints(seed: int, n: int):
    """``n`` seeded random (kind, footprint, top) of every kind the brief names."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        kind = i % 11
        az = [rng.uniform(0, 360), rng.uniform(-8, 8) % 360, rng.uniform(50, 130), rng.uniform(230, 310)][i % 4]
        dist = [rng.uniform(1, 5), rng.uniform(5, 200), rng.uniform(200, 3000), rng.uniform(10_000, 30_000)][(i // 4) % 4]
        c = _at(dist, az)
        size = dist * rng.uniform(0.02, 0.8)
        if kind == 0:
            g = _star(rng, c, size, int(rng.integers(3, 12)))
        elif kind == 1:
            g = shapely.union_all([_star(rng, c, size, 6), _star(rng, _at(dist * 1.3, az + 10), size / 2, 5)])
        elif kind == 2:    # a courtyard, somewhere
            g = shapely.box(c[0] - size, c[1] - size, c[0] + size, c[1] + size).difference(
                shapely.box(c[0] - size / 2, c[1] - size / 2, c[0] + size / 2, c[1] + size / 2))
        elif kind == 3:    # a courtyard round the recorder
            s, w = rng.uniform(3, 60), rng.uniform(0.2, 5)
            g = affinity.translate(shapely.box(-s - w, -s - w, s + w, s + w).difference(shapely.box(-s, -s, s, s)),
                                   rng.uniform(-s / 2, s / 2), rng.uniform(-s / 2, s / 2))
        elif kind == 4:
            g = shapely.LineString([c, _at(dist * rng.uniform(0.7, 1.3), az + rng.uniform(-30, 30)),
                                    _at(dist * rng.uniform(0.7, 1.3), az + rng.uniform(-30, 30))])
        elif kind == 5:
            g = shapely.Point(c)
        elif kind == 6:    # a wall 2 cm thick
            g = affinity.translate(affinity.rotate(shapely.box(-size, -0.01, size, 0.01), rng.uniform(0, 180)), *c)
        elif kind == 7:    # straddling north
            y = rng.uniform(2, 3000)
            g = shapely.box(-rng.uniform(0.5, y), y, rng.uniform(0.5, y), y + rng.uniform(0.5, y))
        elif kind == 8:    # over or touching the recorder
            g = [shapely.box(-5, -5, 5, 5), shapely.box(0, 0, 10, 10), shapely.box(-3, 0, 3, 8)][int(rng.integers(3))]
        elif kind == 9:    # an arc from north-west round to south, 0.1-3 m thick
            g = shapely.LineString([_at(40, 300), _at(40, 0), _at(60, 100), _at(30, 200)]).buffer(rng.uniform(0.1, 3))
        else:              # what make_valid makes of a bow-tie with a spike: GEOMETRYCOLLECTION(MULTIPOLYGON, LINESTRING)
            bow = affinity.rotate(shapely.Polygon([(-1, -1), (1, 1), (1, -1), (-1, 1), (-1, -1), (-1.5, -1), (-1, -1)]),
                                  rng.uniform(0, 360), origin=(0, 0))
            g = shapely.make_valid(affinity.translate(affinity.scale(bow, size, size, origin=(0, 0)), *c))
        top = H_REC + [rng.uniform(-0.01, 0.02), rng.uniform(0.02, 10), rng.uniform(10, 300)][(i // 3) % 3]
        if dist > 5000:
            top = H_REC + rng.uniform(20, 400)
        assert g.is_valid, (i, kind)
        out.append((kind, g, float(top)))
    return out


@pytest.mark.parametrize(("name", "seed"), [("jiangxian", 27), ("sanya", 28)])
def test_blocked_minutes_equal_a_shapely_ray_cast(tables, name, seed):
    table = tables[name]
    rows = footprints(seed, 44)
    geoms = np.array([g for _, g, _ in rows], dtype=object)
    tops = np.array([top for _, _, top in rows])
    many_r, many_m = blocked_minutes_many(table, geoms, tops, H_REC)
    clears = sun_bound_clears(table, shapely.bounds(geoms), tops, H_REC)
    hiding = 0
    for i, (kind, g, top) in enumerate(rows):
        want = brute(table, g, top)
        one = blocked_minutes(table, g, top, H_REC)
        mine = many_m[many_r == i]
        assert len(np.unique(one)) == len(one) and len(np.unique(mine)) == len(mine), (i, kind)
        assert set(one.tolist()) == want, (i, kind, g.wkt[:80], top)
        assert set(mine.tolist()) == want, (i, kind, g.wkt[:80], top)
        assert not (clears[i] and want), (i, kind)
        hiding += bool(want)
    assert hiding >= 15                                   # the footprints do hide something


def test_a_repaired_footprint_hides_what_its_parts_hide(tables):
    """make_valid turns a bow-tie with a spike into a GEOMETRYCOLLECTION holding a MULTIPOLYGON;
    its two triangles hide what they hide (they were skipped: one get_parts leaves the
    MULTIPOLYGON whole, so only the spike was seen)."""
    table = tables["jiangxian"]
    gc = shapely.make_valid(shapely.from_wkt("POLYGON ((60 -10, 80 10, 80 -10, 60 10, 60 -10, 55 -10, 60 -10))"))
    assert gc.geom_type == "GeometryCollection" and gc.geoms[0].geom_type == "MultiPolygon"
    want = brute(table, gc, 30.0)
    assert want >= brute(table, gc.geoms[0], 30.0) and len(brute(table, gc.geoms[0], 30.0)) > len(brute(table, gc.geoms[1], 30.0))
    assert set(blocked_minutes(table, gc, 30.0).tolist()) == want
    assert set(blocked_minutes_many(table, np.array([gc]), np.array([30.0]))[1].tolist()) == want


def test_a_courtyard_counts_the_minute_due_north_once():
    """Round the recorder the span is the whole circle; a sun minute at azimuth exactly 0° was
    taken both as the circle's start and its end."""
    table = SunTable.build([0, 1, 2, 3], [1.0] * 4, [90.0, 95.0, 0.0, 180.0], [True] * 4, 2025)
    yard = shapely.box(-20, -20, 20, 20).difference(shapely.box(-10, -10, 10, 10))
    assert blocked_minutes(table, yard, 30.0).tolist() == [0, 1, 2, 3]
    assert blocked_minutes_many(table, np.array([yard]), np.array([30.0]))[1].tolist() == [0, 1, 2, 3]


def test_the_table_is_pvlib_called_directly(jiangxian):
    """5000 random minutes of 2025: the times built here in UTC (minute 0 = 2024-12-31 16:00 UTC,
    UTC+8 with no daylight saving), SPA at the standard atmosphere's pressure and 12 °C, and
    Ineichen-Perez with pvlib's Linke turbidity: the same elevation, azimuth, above-0° minutes
    and DNI ≥ 120 W/m² flag."""
    import pvlib

    st = load_station()
    assert (jiangxian.year, jiangxian.utc_offset_h, jiangxian.minutes_in_year) == (2025, 8.0, 525_600)
    assert jiangxian.minute.max() < 525_600
    minute = np.sort(np.random.default_rng(5).choice(525_600, 5000, replace=False))
    times = pd.Timestamp(2024, 12, 31, 16, tz="UTC") + pd.to_timedelta(minute, unit="min")
    pressure = pvlib.atmosphere.alt2pres(st.elevation_m)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sp = pvlib.solarposition.spa_python(times, st.latitude_deg, st.longitude_deg, altitude=st.elevation_m,
                                            pressure=pressure, temperature=12.0)
        up = sp["apparent_elevation"].to_numpy() > 0.0
        zen = sp["apparent_zenith"][up]
        am = pvlib.atmosphere.get_absolute_airmass(pvlib.atmosphere.get_relative_airmass(zen), pressure)
        tl = pvlib.clearsky.lookup_linke_turbidity(times[up], st.latitude_deg, st.longitude_deg)
        dni = pvlib.clearsky.ineichen(zen, am, tl, altitude=st.elevation_m,
                                      dni_extra=pvlib.irradiance.get_extra_radiation(times[up]))["dni"]
    row = {int(m): k for k, m in enumerate(jiangxian.minute)}
    assert [int(m) in row for m in minute] == up.tolist()
    k = np.array([row[int(m)] for m in minute[up]])
    np.testing.assert_allclose(jiangxian.elevation_deg[k], sp["apparent_elevation"].to_numpy()[up], atol=1e-9)
    np.testing.assert_allclose(jiangxian.azimuth_deg[k], sp["azimuth"].to_numpy()[up], atol=1e-9)
    assert (jiangxian.sunshine[k] == (dni.to_numpy() >= 120.0)).all()
    assert 0.5 < jiangxian.sunshine[k].mean() < 1.0     # low suns fail the threshold


def test_sunrise_is_the_first_minute_the_centre_is_above_0(jiangxian):
    """On 1 January the first and last table minutes are the minutes SPA puts the centre just
    above 0° (the one before and after: at or below), near 07:45 and 17:29 Beijing time."""
    import pvlib

    st = load_station()
    day = np.sort(jiangxian.minute[jiangxian.minute < 1440])
    first, last = int(day[0]), int(day[-1])
    assert len(day) == last - first + 1 and (7 * 60 + 40 < first < 7 * 60 + 50) and (17 * 60 + 25 < last < 17 * 60 + 35)
    times = pd.DatetimeIndex([pd.Timestamp(2025, 1, 1, tz=UTC8) + pd.Timedelta(minutes=m)
                              for m in (first - 1, first, last, last + 1)])
    el = pvlib.solarposition.spa_python(times, st.latitude_deg, st.longitude_deg, altitude=st.elevation_m,
                                        pressure=pvlib.atmosphere.alt2pres(st.elevation_m),
                                        temperature=12.0)["apparent_elevation"].to_numpy()
    assert el[0] <= 0.0 < el[1] and el[2] > 0.0 >= el[3]


def test_a_leap_year_has_527040_minutes_and_a_29_february():
    t = SunTable.build([59 * 1440 + 720], [30.0], [180.0], [True], 2024)
    assert t.minutes_in_year == 527_040
    f = sun_figures(t, t.minute)
    assert (f.first_date, f.worst_month) == ("2024-02-29", 2)


def test_azimuths_are_from_true_north_for_a_gauss_kruger_footprint(jiangxian):
    """A wall given in EPSG:4546 (CGCS2000 3° Gauss-Krüger, central meridian 111° E; its grid
    north is 0.33° off true north at Jiangxian) is placed by the geodesic (pyproj.Geod, GRS80):
    due east, 100 m, 40 m wide. check's figures are those of the wall built in polar form from
    the same geodesic distances and azimuths; turned by the convergence they would differ."""
    from pyproj import Geod, Transformer

    from geozones.check import check

    st = load_station()
    geod = Geod(ellps="GRS80")
    corners = [(100.0, 90.0 - 11.31), (100.0, 90.0 + 11.31), (101.0, 90.0 + 11.2), (101.0, 90.0 - 11.2)]
    polar = [geod.fwd(st.longitude_deg, st.latitude_deg, az, d)[:2] for d, az in corners]
    gk = Transformer.from_crs("EPSG:4490", "EPSG:4546", always_xy=True)
    e0, n0 = gk.transform(st.longitude_deg, st.latitude_deg)
    en = [gk.transform(lon, lat) for lon, lat in polar]
    grid_az = math.degrees(math.atan2(en[0][0] - e0, en[0][1] - n0))
    assert 0.3 < corners[0][1] - grid_az < 0.36                          # the convergence is real
    wall = shapely.Polygon(en)
    got = check(wall.wkt, height=1.5 + 100.0 * math.tan(math.radians(6.0)), crs="EPSG:4546").sunshine
    frame_wall = shapely.Polygon([_at(d, az) for d, az in corners])
    want = sun_figures(jiangxian, blocked_minutes(jiangxian, frame_wall, 1.5 + 100.0 * math.tan(math.radians(6.0))))
    assert got["sun_blocked_min_per_year"] == want.sun_blocked_min_per_year > 0
    turned = blocked_minutes(jiangxian, affinity.rotate(frame_wall, 0.33, origin=(0, 0)),
                             1.5 + 100.0 * math.tan(math.radians(6.0)))
    assert len(turned) != want.sun_blocked_min_per_year


def test_a_wall_to_the_south_in_winter_worked_by_hand(jiangxian):
    """A wall due south, its north face on y = −50 m from x = −25 to 25 m, seen at 33° due south
    (H = 1.5 + 50 tan 33°). At azimuth A the face is 50 / cos(A − 180°) away, so a minute (A, e)
    is hidden when |A − 180°| ≤ atan(25 / 50) = 26.57° and e < atan(tan 33° cos(A − 180°)).
    The noon sun at 35.504° N (90 − 35.504 + δ, 31.1° at the solstice) is below 33° only from
    about 30 November to 12 January, but off noon the winter sun sinks faster than the wall's
    top, so the blocking starts earlier, at the wall's ends. Counted here from pvlib's SPA
    minute by minute over October-December and January-March, 09:00-15:00 (UTC+8): a season
    about a month either side of the winter solstice, across the new year, so it starts in
    November and ends in January, and December is the worst month."""
    import pvlib

    st = load_station()
    top = 1.5 + 50.0 * math.tan(math.radians(33.0))
    wall = shapely.box(-25.0, -51.0, 25.0, -50.0)
    got = sun_figures(jiangxian, blocked_minutes(jiangxian, wall, top))
    days = pd.date_range(pd.Timestamp(2025, 10, 1, 9, tz=UTC8), periods=92, freq="D").append(
        pd.date_range(pd.Timestamp(2025, 1, 1, 9, tz=UTC8), periods=90, freq="D"))
    times = pd.DatetimeIndex(np.concatenate([pd.date_range(d, periods=360, freq="min") for d in days]))
    sp = pvlib.solarposition.spa_python(times, st.latitude_deg, st.longitude_deg, altitude=st.elevation_m,
                                        pressure=pvlib.atmosphere.alt2pres(st.elevation_m), temperature=12.0)
    off = np.radians(sp["azimuth"].to_numpy() - 180.0)
    hidden = (np.abs(off) <= math.atan(25.0 / 50.0)) & \
        (sp["apparent_elevation"].to_numpy() < np.degrees(np.arctan(math.tan(math.radians(33.0)) * np.cos(off))))
    when = times[hidden]
    assert got.sun_blocked_min_per_year == int(hidden.sum()) > 0
    assert got.first_date == when[when.month == 11].min().date().isoformat()
    assert got.last_date == when[when.month == 1].max().date().isoformat()
    assert "2025-11-15" <= got.first_date <= "2025-11-30" and "2025-01-12" <= got.last_date <= "2025-01-28"
    assert got.worst_month == 12
    by_month = [int((when.month == m).sum()) for m in range(1, 13)]
    assert list(got.minutes_by_month) == by_month
    clock = when.hour * 60 + when.minute
    assert (got.earliest_time, got.latest_time) == (f"{clock.min() // 60:02d}:{clock.min() % 60:02d}",
                                                   f"{clock.max() // 60:02d}:{clock.max() % 60:02d}")
    assert got.days == len(set(when.date))


def test_check_and_screen_see_all_of_a_repaired_bow_tie(jiangxian):
    """An invalid footprint (a bow-tie with a spike, 60-80 m east, 30 m) is repaired by both
    check and screen into a GEOMETRYCOLLECTION(MULTIPOLYGON, LINESTRING); both give the union of
    the minutes its two triangles and its spike hide one by one (they gave the spike's 449)."""
    import geopandas as gpd

    from geozones.api import assess_frame
    from geozones.check import check
    from geozones.core.zones import StationFrame

    crs = StationFrame(load_station()).crs
    wkt = "POLYGON ((60 -10, 80 10, 80 -10, 60 10, 60 -10, 55 -10, 60 -10))"
    parts = [shapely.Polygon([(60, 10), (70, 0), (60, -10)]), shapely.Polygon([(80, -10), (70, 0), (80, 10)]),
             shapely.LineString([(60, -10), (55, -10)])]
    want = len(set().union(*(blocked_minutes(jiangxian, p, 30.0).tolist() for p in parts)))
    assert want > 10_000
    assert check(wkt, height=30.0, crs=crs).sunshine["sun_blocked_min_per_year"] == want
    out = assess_frame(gpd.GeoDataFrame({"h": [30.0]}, geometry=[shapely.from_wkt(wkt)], crs=crs),
                       height_field="h", sun=True)
    assert out["gz_sun_blocked_min"].tolist() == [want]
