"""Sunrise/sunset sectors (Art. 12.3 ⑦), against values worked out by hand."""

import math

import pytest

from geozones.core.sun import sun_sectors, sunrise_azimuth


def test_equator_geometric_horizon():
    # φ = 0, h0 = 0: cos A = sin δ, so A = 90° − δ.
    assert sunrise_azimuth(0.0, 23.44, 0.0) == pytest.approx(66.56, abs=1e-9)
    assert sunrise_azimuth(0.0, -23.44, 0.0) == pytest.approx(113.44, abs=1e-9)


def test_jiangxian_geometric_horizon():
    # φ = 35.504°, h0 = 0: cos A = sin 23.44° / cos 35.504° = 0.397784 / 0.814068 = 0.488640
    assert sunrise_azimuth(35.504, 23.44, 0.0) == pytest.approx(math.degrees(math.acos(0.488640)), abs=1e-3)
    assert math.degrees(math.acos(0.488640)) == pytest.approx(60.75, abs=0.01)


def test_jiangxian_sectors_with_refraction():
    s = sun_sectors(35.504)
    # RULES.md: "sunrise between about 60° and 120°, sunset between about 240° and 300°".
    # Refraction (h0 = −0.833°) widens the 60.75°-119.25° geometric sector slightly.
    assert s["sunrise"] == pytest.approx((60.06, 118.58), abs=0.01)
    assert s["sunset"] == pytest.approx((360 - 118.58, 360 - 60.06), abs=0.01)
    assert s["sunrise"][0] < 60.75 and s["sunrise"][1] > 119.25 - 1.0
