"""The permitted-height table (geozones.core.heightfield) equals evaluating every rule row at
every point (heightlimit.permitted_height_by_rules), on the shipped station, the rotated test
station (turned field, known wind: upwind sector) and a made-up station whose limits cross."""

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from geozones.core.heightfield import azimuth_deg
from geozones.core.rules import parse_rule
from geozones.core.zones import StationFrame
from geozones.heightlimit import permitted_height_at, permitted_height_by_rules
from geozones.station import load_station

DATA = Path(__file__).parent / "data"
KINDS = ("building", "tower", "transmitter", "road", "plant", "spaceship")


def _points(station, n=60_000):
    """Random points out past the upwind reach, plus points on the four axes whose D (from
    the turned square) lies exactly at, just inside and just outside every threshold."""
    rng = np.random.default_rng(7)
    r = station.general_upwind_m + 1500.0
    x, y = rng.uniform(-r, r, n), rng.uniform(-r, r, n)
    tol = station.tolerance_m
    edges = [0.0, station.protection_m, station.control_m, station.general_m, station.general_upwind_m]
    edges += [v for rule in station.rules for v in (rule.within_m, rule.beyond_m) if v is not None]
    d = np.array([e + tol + k for e in edges for k in (-1e-7, 0.0, 1e-7)])
    h = station.field_size_m / 2.0
    t = np.radians(station.field_rotation_deg)
    xs, ys = [x], [y]
    for ax, ay in ((0.0, 1.0), (1.0, 0.0), (0.0, -1.0), (-1.0, 0.0)):  # frame of the turned square
        u, v = ax * (h + d), ay * (h + d)
        xs.append(u * np.cos(t) + v * np.sin(t))
        ys.append(-u * np.sin(t) + v * np.cos(t))
    return np.concatenate(xs), np.concatenate(ys)


def _same(frame, kind):
    x, y = _points(frame.station)
    fast = permitted_height_at(frame, x, y, kind)
    slow = permitted_height_by_rules(frame, x, y, kind)
    np.testing.assert_array_equal(np.isnan(fast), np.isnan(slow))
    ok = ~np.isnan(slow)
    if ok.any():
        assert np.abs(fast[ok] - slow[ok]).max() <= 1e-3
    return fast, slow


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("station", [None, DATA / "rotated_station.toml"])
def test_table_equals_every_rule_evaluated(station, kind):
    _same(StationFrame(load_station(station)), kind)


def _row(**kw):
    base = dict(severity="fail", article="test", quote_zh="测试", quote_en="test", families=["obstacle"])
    return {**base, **kw}


BOUNDS = {"body": 0.0, "protection": 50.0, "control": 1000.0, "general": 2000.0}
CROSSING = [
    _row(id="near", where="band", within=50.0, limit="forbid"),
    _row(id="cap", where="band", beyond=50.0, within=800.0, limit="fixed", height_m=30.0),
    _row(id="ratio", where="band", beyond=50.0, within=1500.0, limit="ratio", ratio=0.1),
    _row(id="sun", where="sun_sector", beyond=120.0, limit="angle", angle_deg=3.0),
    _row(id="gen", where="general", beyond=1200.0, limit="ratio", ratio=0.05, severity="review"),
    _row(id="prot", where="protected", limit="fixed", height_m=140.0, severity="review"),
    _row(id="adv", where="protected", limit="advise", severity="review"),
    _row(id="gen0", where="general", beyond=1800.0, limit="forbid"),
    _row(id="uses", where="band", within=3000.0, limit="fixed", height_m=1.0),  # uses set below
]


@pytest.mark.parametrize("wind", [None, 200.0])
@pytest.mark.parametrize("rotation", [0.0, 17.0])
def test_table_with_crossing_limits(wind, rotation):
    """Limits that cross inside a band (a fixed 30 m under D/10 from 300 m, D·tan 3° in the
    sun sectors from 120 m), ``beyond`` on sector and zone rules, a zone forbid, an unused
    use-rule; with the wind unknown (maybe upwind) and known (upwind sector)."""
    st = load_station()
    rules = tuple(parse_rule(r, i, BOUNDS) for i, r in enumerate(CROSSING))
    # a rule for public buildings only (pilot rows have uses): no use is given for a cell
    rules = (*rules[:-1], dataclasses.replace(rules[-1], uses=frozenset({"public"})))
    st = dataclasses.replace(st, rules=rules, prevailing_wind_from_deg=wind, field_rotation_deg=rotation)
    frame = StationFrame(st)
    _same(frame, "building")
    # by hand, due north (no sun sector), D = 200 m: min(30, 20) = 20; D = 500 m: 30 (cap);
    # D = 1300 m: min(130, 0.05·1300 = 65 beyond 1200 in the general zone, 140) = 65;
    # D = 1900 m: 0 (gen0)
    h = st.field_size_m / 2.0
    t = np.radians(rotation)
    d = np.array([200.0, 500.0, 1300.0, 1900.0])
    x, y = (h + d) * np.sin(t), (h + d) * np.cos(t)  # on the turned square's north axis
    v = permitted_height_at(frame, x, y)
    np.testing.assert_allclose(v, [20.0, 30.0, 65.0, 0.0], atol=1e-9)


def test_table_of_shipped_station_by_hand():
    """Jiangxian, building: 0 to 50 m, then D/10 to 1000 m and on to 5000 m (general zone
    and, wind unknown, maybe upwind), D·tan 5° in the sun sectors at any distance."""
    t = StationFrame(load_station()).height_table("building")
    assert t.uses_sun and not t.uses_upwind
    # neighbouring segments with the same line are one: 0 up to the 50 m line (plus the 1 mm
    # tolerance), one line from there to the upwind reach (D/10 in the control belt, the
    # general zone and, the wind unknown, the maybe-upwind ring alike), nothing beyond
    np.testing.assert_allclose(t.breaks, [0.0, 50.001, 5000.001])
    tan5 = np.tan(np.radians(5.0))
    # segment (50.001, 5000.001]: outside the sectors D/10, inside D·tan 5°
    np.testing.assert_array_equal(t.slope[:, 2], [0.1, tan5])
    np.testing.assert_array_equal(t.intercept[:, 1], [0.0, 0.0])  # (0, 50.001]: nothing may stand
    assert np.isnan(t.slope[0, -1]) and t.slope[1, -1] == tan5  # beyond 5000 m: sectors only


def test_azimuth_is_numpys_modulo_bit_for_bit():
    rng = np.random.default_rng(3)
    x = np.concatenate([rng.normal(size=100_000), [0.0, -0.0, 1e-300, -1e-300, 0.0, -1e-20]])
    y = np.concatenate([rng.normal(size=100_000), [-1.0, -1.0, -1.0, -1.0, 0.0, 1.0]])
    np.testing.assert_array_equal(azimuth_deg(x, y), np.degrees(np.arctan2(x, y)) % 360.0)
