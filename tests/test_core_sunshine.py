"""The sun minutes a proposal hides (issue 27): against sun positions computed in the test with
pvlib directly (not through geozones' table), and hand-worked solar geometry.

Frame: metres east (x) and north (y) of the field centre, where the recorder stands 1.5 m above
the field ground; azimuth clockwise from north.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest
import shapely

from geozones.core.sunshine import (
    SunTable,
    blocked_minutes,
    blocked_minutes_many,
    figures_by_row,
    sun_bound_clears,
    sun_figures,
)
from geozones.station import load_station
from geozones.sunshine import sun_table

H_REC = 1.5
LAT, LON, ELEV = 35.504, 111.571, 761.0


@pytest.fixture(scope="module")
def table():
    return sun_table(load_station())


@pytest.fixture(scope="module")
def mornings():
    """Apparent elevation and azimuth of every minute 04:00-11:59 (UTC+8) of 2025 from pvlib's
    SPA, called here directly: (minute of the year, elevation [deg], azimuth [deg])."""
    import pvlib

    tz = dt.timezone(dt.timedelta(hours=8))
    days = pd.date_range(pd.Timestamp(2025, 1, 1, 4, tz=tz), periods=365, freq="D")
    times = pd.DatetimeIndex(np.concatenate([pd.date_range(d, periods=8 * 60, freq="min") for d in days]))
    sp = pvlib.solarposition.spa_python(times, LAT, LON, altitude=ELEV,
                                        pressure=pvlib.atmosphere.alt2pres(ELEV), temperature=12.0,
                                        how="numpy")
    minute = ((times - pd.Timestamp(2025, 1, 1, tz=tz)).total_seconds() // 60).astype(int).to_numpy()
    return minute, sp["apparent_elevation"].to_numpy(), sp["azimuth"].to_numpy()


def _wall_east(d: float, half_width_deg: float) -> shapely.Polygon:
    """A wall 1 m thick whose west face is the line x = d, seen from azimuth 90° ± half_width_deg."""
    y = d * math.tan(math.radians(half_width_deg))
    return shapely.box(d, -y, d + 1.0, y)


def test_wall_due_east_hides_the_equinox_sunrises(table, mornings):
    # The west face at x = 200 m, top 8.5 m: from the recorder (1.5 m) the ray at azimuth A
    # meets it at 200 / sin A, so its angular height there is atan(7 sin A / 200) (2.00° due
    # east). It spans azimuths 85-95°. Expected, from pvlib's positions: the sun minutes
    # (apparent elevation > 0) with azimuth in 85-95° and elevation below that angle.
    d, top = 200.0, 8.5
    got = blocked_minutes(table, _wall_east(d, 5.0), top, H_REC)
    minute, el, az = mornings
    inside = (el > 0) & (az >= 85.0) & (az <= 95.0)
    angle = np.degrees(np.arctan((top - H_REC) * np.sin(np.radians(az)) / d))
    expected = np.sort(minute[inside & (el < angle)])
    assert got.tolist() == expected.tolist()
    f = sun_figures(table, got)
    # Hand-worked: sunrise is at azimuth 85-95° when cos A = sin δ / cos φ, |δ| ≤ 4.1°: about
    # 10 days either side of each equinox (δ changes 0.4°/day), so some 40 days in March and
    # in September-October; and the sun climbs 15° cos φ = 12.2°/h = 0.20°/min, so a 2° wall
    # holds it some 10 minutes each of those mornings, in the first hour after 6 am (solar
    # noon is at 12:34 here, the equinox sunrise near 06:30).
    assert 30 <= f.days <= 50
    assert (f.first_date.startswith("2025-03") and f.last_date.startswith("2025-10")) \
        or f.last_date.startswith("2025-09")
    assert f.worst_month in (3, 9)
    per_day = f.sun_blocked_min_per_year / f.days
    assert 7 <= per_day <= 13
    assert "06:00" <= f.earliest_time <= f.latest_time <= "07:00"
    # none of it in summer or winter
    assert f.minutes_by_month[5] == f.minutes_by_month[11] == 0


def test_hand_worked_equinox_morning(table):
    # 20 March 2025 (equinox 17:01 Beijing time), a wall due east whose top is 2° above the
    # recorder: the sun rises at azimuth ~89.5° and climbs ~0.2°/min through the refraction
    # near the horizon, so it is hidden ~10 minutes (9-13) after its apparent rise.
    wall = _wall_east(100.0, 10.0)
    top = H_REC + 100.0 * math.tan(math.radians(2.0))
    got = blocked_minutes(table, wall, top, H_REC)
    day = (dt.date(2025, 3, 20) - dt.date(2025, 1, 1)).days
    today = got[(got // 1440) == day]
    assert 9 <= len(today) <= 13
    assert np.all(np.diff(today) == 1)          # one run of minutes after sunrise


def test_outside_the_sun_sectors_and_low_hides_nothing(table):
    north = shapely.box(-20, 100, 20, 130)                  # due north: the sun is never there
    south_low = shapely.box(-30, -330, 30, -300)            # due south, 20 m: 3.5° < 31° at winter noon
    west_far = shapely.box(-3000, -10, -2990, 10)           # 10 m at 3 km west: 0.16°
    for geom, top in ((north, 30.0), (south_low, 20.0), (west_far, 10.0)):
        hidden = blocked_minutes(table, geom, top, H_REC)
        assert sun_figures(table, hidden).sun_blocked_min_per_year == (len(hidden) if geom is west_far else 0)
    # the bound clears the first two before any ray is cast; the third, 0.16° high in the
    # sunset sector, is left to the exact count: the sun sets there through every elevation
    # down to 0°
    b = shapely.bounds(np.array([north, south_low, west_far]))
    assert sun_bound_clears(table, b, np.array([30.0, 20.0, 10.0]), H_REC).tolist() == [True, True, False]


def test_tall_building_due_south_hides_winter_noon(table):
    # 60 m wide, 60-80 m south of the recorder, 60 m high: 44.3° at azimuth 180°. Winter noon
    # sun is 90 − 35.5 − 23.4 = 31° high, summer noon 78°: December's noons are hidden,
    # June's are not. Solar noon at 111.571°E is 12:34 Beijing time (+ equation of time:
    # 12:32 on 21 December).
    geom = shapely.box(-30, -80, 30, -60)
    got = set(blocked_minutes(table, geom, 60.0, H_REC).tolist())
    f = sun_figures(table, sorted(got))

    def minute(month, day, hh, mm):
        return (dt.date(2025, month, day) - dt.date(2025, 1, 1)).days * 1440 + hh * 60 + mm

    assert minute(12, 21, 12, 32) in got
    assert minute(6, 21, 12, 34) not in got
    assert f.worst_month in (12, 1)
    assert f.minutes_by_month[5] == 0 and f.minutes_by_month[6] == 0
    assert f.earliest_time < "12:32" < f.latest_time


def test_footprint_over_the_recorder_hides_everything(table):
    got = blocked_minutes(table, shapely.box(-5, -5, 5, 5), 10.0, H_REC)
    assert len(got) == len(table)
    assert len(blocked_minutes(table, shapely.box(-5, -5, 5, 5), 1.0, H_REC)) == 0   # below the eye


def test_bound_never_clears_a_row_that_hides_something(table):
    rng = np.random.default_rng(27)
    n = 600
    r = 3000 * np.sqrt(rng.random(n)) + 15
    a = rng.random(n) * 2 * np.pi
    cx, cy = r * np.sin(a), r * np.cos(a)
    w, h = rng.uniform(2, 80, n), rng.uniform(2, 80, n)
    geoms = shapely.box(cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)
    # some as triangles (not their box)
    tri = rng.random(n) < 0.3
    geoms[tri] = [shapely.Polygon([(x - ww / 2, y - hh / 2), (x + ww / 2, y - hh / 2), (x, y + hh / 2)])
                  for x, y, ww, hh in zip(cx[tri], cy[tri], w[tri], h[tri])]
    # some courtyard blocks (a hole), either orientation, and an L-shaped wall (a line)
    ring = rng.random(n) < 0.1
    geoms[ring] = [shapely.Polygon(g.exterior.coords[::-1] if k % 2 else g.exterior.coords,
                                   [shapely.box(x - ww / 4, y - hh / 4, x + ww / 4, y + hh / 4).exterior.coords])
                   for k, (g, x, y, ww, hh) in enumerate(zip(geoms[ring], cx[ring], cy[ring], w[ring], h[ring]))]
    line = rng.random(n) < 0.05
    geoms[line] = [shapely.LineString([(x - ww / 2, y), (x, y), (x, y + hh)])
                   for x, y, ww, hh in zip(cx[line], cy[line], w[line], h[line])]
    top = rng.uniform(0, 120, n)
    clears = sun_bound_clears(table, shapely.bounds(geoms), top, H_REC)
    each = [blocked_minutes(table, g, z, H_REC) for g, z in zip(geoms, top)]
    hides = np.array([len(m) > 0 for m in each])
    assert not (clears & hides).any()
    assert clears.sum() > n // 4 and hides.sum() > 10      # the bound does work; some rows hide
    # all rows at once (the screen's path) give the same minutes, and the same figures
    rows, minutes = blocked_minutes_many(table, geoms, top, H_REC)
    for k in range(n):
        assert minutes[rows == k].tolist() == each[k].tolist()
    count, hours, worst = figures_by_row(table, rows, minutes, n)
    for k in np.flatnonzero(hides)[:40]:
        f = sun_figures(table, each[k])
        assert (count[k], round(hours[k], 9), worst[k]) == \
            (f.sun_blocked_min_per_year, round(f.sunshine_loss_h_per_year, 9), f.worst_month)


def test_union_of_two_obstacles_counts_each_minute_once(table):
    a = blocked_minutes(table, _wall_east(200.0, 5.0), 8.5, H_REC)
    b = blocked_minutes(table, _wall_east(150.0, 5.0), 8.5, H_REC)   # nearer, same azimuths
    both = sun_figures(table, np.concatenate([a, b]))
    assert both.sun_blocked_min_per_year == len(np.union1d(a, b)) == len(b)


def test_table_keeps_only_the_sun_above_the_horizon(table):
    assert (table.elevation_deg > 0).all()
    # a year at 35.5°N: a little more than half its 525,600 minutes (refraction lengthens the day)
    assert 0.5 < len(table) / table.minutes_in_year < 0.52
    assert np.isinf(table.lowest_by_bin[0])            # never due north
    assert 30.0 < table.lowest_by_bin[180] < 32.0      # winter noon
    # clear-sky sunshine: most daylight minutes, not the lowest ones
    assert table.sunshine.mean() > 0.85
    assert not table.sunshine[table.elevation_deg < 0.5].any()


def test_sun_table_build_drops_minutes_below_the_horizon():
    t = SunTable.build([0, 1, 2], [-0.1, 0.0, 0.2], [10.0, 370.0, 20.0], [True, True, True], 2025)
    assert t.minute.tolist() == [2] and t.azimuth_deg.tolist() == [20.0]
