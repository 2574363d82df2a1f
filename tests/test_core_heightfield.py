"""The permitted-height table (geozones.core.heightfield) against the rule text worked out in
the test: D is shapely's distance to the (turned) 25 m fence box, the sun sectors come from
the sunrise formula of RULES.md, and each station's numbers are read off its file by hand.
Stations: the shipped one, the rotated test station (turned field, known wind: upwind
sector) and a made-up station whose limits cross."""

import dataclasses
import math
from pathlib import Path

import numpy as np
import pytest
import shapely
from shapely import affinity

from geozones.core.heightfield import azimuth_deg
from geozones.core.rules import parse_rule
from geozones.core.zones import StationFrame
from geozones.heightlimit import permitted_height_at, permitted_height_by_rules
from geozones.station import load_station

DATA = Path(__file__).parent / "data"
TOL = 0.001  # the 1 mm tolerance of RULES.md: "more than 50 m" decided at 50 m + 1 mm


def _sunrise_deg(lat_deg: float, dec_deg: float, h0_deg: float = -0.833) -> float:
    """RULES.md: cos A = (sin δ − sin φ sin h0) / (cos φ cos h0)."""
    p, d, h = (math.radians(v) for v in (lat_deg, dec_deg, h0_deg))
    return math.degrees(math.acos((math.sin(d) - math.sin(p) * math.sin(h)) / (math.cos(p) * math.cos(h))))


# At 35.504° N: sunrise between 60.4° (δ = +23.44°) and 119.6° (δ = −23.44°), sunset 240.4°–299.6°
RISE = (_sunrise_deg(35.504, 23.44), _sunrise_deg(35.504, -23.44))
SUN = (RISE, (360.0 - RISE[1], 360.0 - RISE[0]))

# The two station files, by hand. Jiangxian (data/stations/jiangxian.toml): field not turned,
# nothing within 50 m, H ≤ D/10 to 1000 m (height_ratio) and on in the general zone to 2000 m
# (general_height) and, the wind unknown, in the maybe-upwind ring to 5000 m all round;
# H ≤ D·tan 5° in the sun sectors at any distance; a mast (tower → transmitter) stands like
# a building. The rotated station (tests/data/rotated_station.toml): field turned 30°,
# nothing within 30 m, H ≤ D/5 to 800 m and in the general zone to 1500 m, and to 4000 m in
# the 90° upwind sector (wind from 135°: azimuths 90°–180°), D·tan 4° in the sun sectors;
# a transmitter there is forbidden only in the field itself (body) and advised elsewhere.
SHIPPED = dict(path=None, rotation=0.0, protection=50.0, reach=5000.0, upwind=None, ratio=0.1, angle=5.0,
               stands=("building", "tower"))
ROTATED = dict(path=DATA / "rotated_station.toml", rotation=30.0, protection=30.0, reach=1500.0,
               upwind=((90.0, 180.0), 4000.0), ratio=0.2, angle=4.0, stands=("building",))


def _fence(rotation_deg: float):
    """The 25 m field, turned clockwise by ``rotation_deg`` about its centre."""
    return affinity.rotate(shapely.box(-12.5, -12.5, 12.5, 12.5), -rotation_deg, origin=(0, 0))


def _in(az, lo, hi):
    return (az >= lo) & (az <= hi)


def _by_hand(ref, kind, x, y):
    """The permitted height [m] at points (x east, y north, metres from the field centre)."""
    d = shapely.distance(shapely.points(x, y), _fence(ref["rotation"]))
    az = np.degrees(np.arctan2(x, y)) % 360.0
    sun = _in(az, *SUN[0]) | _in(az, *SUN[1])
    reach = np.full(d.shape, ref["reach"])
    if ref["upwind"] is not None:
        (lo, hi), far = ref["upwind"]
        reach[_in(az, lo, hi)] = far
    out = np.full(d.shape, np.nan)
    if kind in ref["stands"]:
        out = np.where(d <= reach + TOL, d * ref["ratio"], np.nan)
        out = np.where(sun, np.fmin(out, d * math.tan(math.radians(ref["angle"]))), out)
        out[d <= ref["protection"] + TOL] = 0.0
    elif kind in ("tower", "transmitter"):   # the rotated station: body only
        out[d == 0.0] = 0.0
    return out, d, az


def _clear_of_edges(ref, d, az):
    """Points more than 1 cm from every distance line and 0.05° from every sector edge, where
    shapely's D and the table's cannot fall on different sides of a line."""
    lines = [0.0, ref["protection"] + TOL, ref["reach"] + TOL]
    edges = [a for s in SUN for a in s]
    if ref["upwind"] is not None:
        lines.append(ref["upwind"][1] + TOL)
        edges += list(ref["upwind"][0])
    ok = np.ones(d.shape, bool)
    for v in lines:
        ok &= np.abs(d - v) > 0.01
    for a in edges:
        ok &= np.abs((az - a + 180.0) % 360.0 - 180.0) > 0.05
    return ok | (d == 0.0)


@pytest.mark.parametrize("kind", ["building", "tower", "road", "spaceship"])
@pytest.mark.parametrize("ref", [SHIPPED, ROTATED], ids=["shipped", "rotated"])
def test_table_equals_the_rules_worked_out_by_hand(ref, kind):
    frame = StationFrame(load_station(ref["path"]))
    rng = np.random.default_rng(7)
    r = 6500.0
    x, y = rng.uniform(-r, r, 40_000), rng.uniform(-r, r, 40_000)
    x[:2000], y[:2000] = rng.uniform(-80, 80, 2000), rng.uniform(-80, 80, 2000)   # the 50 m ring
    x[:200], y[:200] = rng.uniform(-8, 8, 200), rng.uniform(-8, 8, 200)   # in the field: D = 0
    want, d, az = _by_hand(ref, kind, x, y)
    ok = _clear_of_edges(ref, d, az)
    assert ok.mean() > 0.95 and (d == 0.0).sum() >= 200
    # the table, and the public every-rule-at-every-point path, each against the hand values
    for fn in (permitted_height_at, permitted_height_by_rules):
        got = fn(frame, x[ok], y[ok], kind)
        np.testing.assert_array_equal(np.isnan(got), np.isnan(want[ok]))
        np.testing.assert_allclose(got, want[ok], rtol=0, atol=1e-3, equal_nan=True)


def test_threshold_lines_by_hand():
    """1 mm either side of the lines (D from the fence, on the turned square's axes):
    Jiangxian north: 0 up to 50.001 m, then D/10; 5000.001 m north is the last D/10 (maybe
    upwind), beyond it nothing is limited; east (sunrise sector): D·tan 5° past 5000 m.
    Rotated station: 0 up to 30.001 m, then D/5; D/5 to 1500.001 m on the turned north axis
    (azimuth 30°, not upwind), past it nothing."""
    tan5 = math.tan(math.radians(5.0))
    frame = StationFrame(load_station())
    d = np.array([50.0, 50.0015, 5000.0, 5000.0015])
    got = permitted_height_at(frame, np.zeros(4), 12.5 + d)
    np.testing.assert_allclose(got, [0.0, 5.00015, 500.0, np.nan], atol=1e-9)
    got = permitted_height_at(frame, 12.5 + np.array([5000.0015, 7000.0]), np.zeros(2))
    np.testing.assert_allclose(got, [5000.0015 * tan5, 7000.0 * tan5], atol=1e-9)
    rot = StationFrame(load_station(DATA / "rotated_station.toml"))
    d = np.array([30.0, 30.0015, 1500.0, 1500.0015])
    t = math.radians(30.0)
    got = permitted_height_at(rot, (12.5 + d) * math.sin(t), (12.5 + d) * math.cos(t))
    np.testing.assert_allclose(got, [0.0, 6.0003, 300.0, np.nan], atol=1e-6)


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
    # by hand, due north (no sun sector), D = 200 m: min(30, 20) = 20; D = 500 m: 30 (cap);
    # D = 1300 m: min(130, 0.05·1300 = 65 beyond 1200 in the general zone, 140) = 65;
    # D = 1900 m: 0 (gen0)
    h = st.field_size_m / 2.0
    t = np.radians(rotation)
    d = np.array([200.0, 500.0, 1300.0, 1900.0])
    x, y = (h + d) * np.sin(t), (h + d) * np.cos(t)  # on the turned square's north axis
    v = permitted_height_at(frame, x, y)
    np.testing.assert_allclose(v, [20.0, 30.0, 65.0, 0.0], atol=1e-9)
    # on the turned square's east axis (azimuth 90° + rotation, in the sunrise sector), D =
    # 100 m: min(D/10 = 10, cap 30) = 10 (the sun rule starts beyond 120 m); D = 200 m:
    # min(200·tan 3° = 10.48, 20, 30) = 10.48; the public-only "uses" rule never applies
    d = np.array([100.0, 200.0])
    x, y = (h + d) * np.cos(t), -(h + d) * np.sin(t)
    v = permitted_height_at(frame, x, y)
    np.testing.assert_allclose(v, [10.0, 200.0 * np.tan(np.radians(3.0))], atol=1e-9)


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
