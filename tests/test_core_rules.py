"""Every rule of the Jiangxian plan at both sides of its threshold (Art. 12-13).

Expected numbers are worked out by hand from the rule text: H ≤ D / 10 within 1000 m,
H ≤ D × tan 5° (tan 5° = 0.0874887) in the sun sectors, setbacks of 50/100/200/500/1000 m.
"""

import math

import pytest
from conftest import TAN5, east, north, one, square_north

EPS = 0.01  # one centimetre past a threshold


@pytest.mark.parametrize("kind", ["building", "road", "water", "vegetation", "powerline"])
def test_body_forbids_everything(frame, kind):
    r = one(frame, north(-5.0), kind)  # inside the field
    assert r["zone"] == "body" and r["distance"] == 0.0
    assert r["verdict"] == "fail" and "body" in r["rules"]


def test_building_touching_fence_has_no_height(frame):
    r = one(frame, square_north(0.0), "building", 3.0)
    assert r["zone"] == "body" and r["max_height"] == 0.0 and r["verdict"] == "fail"


@pytest.mark.parametrize("kind", ["building", "structure", "road"])
def test_protection_range_edge(frame, kind):
    inside = one(frame, north(50.0), kind, 1.0)
    outside = one(frame, north(50.0 + EPS), kind, 1.0)
    assert inside["zone"] == "protection" and "protection_zone" in inside["rules"]
    assert inside["verdict"] == "fail"
    assert outside["zone"] == "control" and "protection_zone" not in outside["rules"]
    if kind != "road":
        assert inside["max_height"] == 0.0
        assert outside["max_height"] == pytest.approx(5.001)


def test_height_ratio_both_sides(frame):
    # D = 300 m: H ≤ 30 m (Art. 12.3 ⑥)
    assert one(frame, north(300.0), "building", 30.0)["verdict"] == "pass"
    over = one(frame, north(300.0), "building", 30.0 + EPS)
    assert over["verdict"] == "fail" and over["rules"] == ["height_ratio"]
    assert over["max_height"] == pytest.approx(30.0)


def test_height_ratio_at_1000(frame):
    edge = one(frame, north(1000.0), "structure", 100.0)
    assert edge["zone"] == "control" and edge["verdict"] == "pass"
    assert one(frame, north(1000.0), "structure", 100.0 + EPS)["verdict"] == "fail"


def test_general_zone_is_review_not_fail(frame):
    r = one(frame, north(1000.0 + EPS), "building", 101.0)
    assert r["zone"] == "general"
    assert r["max_height"] == pytest.approx(100.001)
    assert r["verdict"] == "review" and r["rules"] == ["general_height"]
    assert one(frame, north(1500.0), "building", 150.0)["verdict"] == "pass"


def test_general_zone_edge_2000(frame):
    edge = one(frame, north(2000.0), "building", 250.0)
    beyond = one(frame, north(2000.0 + EPS), "building", 250.0)
    assert edge["zone"] == "general" and edge["verdict"] == "review"
    # Beyond 2000 m the wind is unknown, so the site may be in the 5000 m upwind general zone:
    # 250 m > 2000.01 / 10 = 200.001 m is review (Art. 11, 13), not pass.
    assert beyond["zone"] == "outside" and beyond["verdict"] == "review"
    assert beyond["rules"] == ["general_height"]
    far = one(frame, north(5000.0 + EPS), "building", 250.0)
    assert far["verdict"] == "pass" and far["max_height"] is None and far["applied"] == []


def test_sun_sector_both_sides(frame):
    # D = 100 m east, in the sunrise sector: H ≤ 100 × tan 5° = 8.7489 m, stricter than 10 m.
    ok = one(frame, east(100.0), "building", 8.748)
    assert ok["sun"] and ok["verdict"] == "pass"
    assert ok["max_height"] == pytest.approx(100 * TAN5) == pytest.approx(8.7489, abs=1e-4)
    bad = one(frame, east(100.0), "building", 8.75)
    assert bad["verdict"] == "fail" and bad["rules"] == ["sun_sector"]
    # 9.5 m passes the 1/10 rule but not the 5° rule.
    assert one(frame, east(100.0), "building", 9.5)["rules"] == ["sun_sector"]


def test_sun_sector_applies_at_any_distance(frame):
    # 3000 m east: outside every zone, yet the 5° limit stands: 3000 × tan 5° = 262.47 m.
    r = one(frame, east(3000.0), "building", 263.0)
    assert r["zone"] == "outside" and r["verdict"] == "fail"
    assert r["max_height"] == pytest.approx(262.466, abs=1e-3)
    assert one(frame, east(3000.0), "building", 262.0)["verdict"] == "pass"


def test_sun_sector_applies_to_vegetation_but_not_roads(frame):
    assert one(frame, east(200.0), "vegetation", 18.0)["rules"] == ["sun_sector"]
    assert one(frame, east(200.0), "road")["applied"] == []


@pytest.mark.parametrize(
    "kind, rule, threshold",
    [
        ("road", "setback_road", 50.0),
        ("water", "setback_water", 100.0),
        ("railway", "setback_railway", 200.0),
        ("pollution", "setback_source", 500.0),
        ("interference", "setback_source", 500.0),
        ("drilling", "earthworks", 1000.0),
    ],
)
def test_setbacks_both_sides(frame, kind, rule, threshold):
    # "more than X m": D = X breaks it, D = X + 1 cm does not (Art. 12.3 (2) ①-⑤); ⑤ says
    # 不应 (should not): review.
    at = one(frame, north(threshold), kind)
    past = one(frame, north(threshold + EPS), kind)
    assert at["verdict"] == ("review" if rule == "earthworks" else "fail") and rule in at["rules"]
    assert rule not in past["rules"]
    assert at["max_height"] is None  # these kinds have no height rule


def test_vegetation_one_metre(frame):
    assert one(frame, north(30.0), "vegetation", 1.0)["verdict"] == "pass"
    r = one(frame, north(30.0), "vegetation", 1.0 + EPS)
    assert r["verdict"] == "fail" and r["rules"] == ["vegetation"] and r["max_height"] == 1.0
    # beyond 50 m, outside the sun sectors, Art. 16.4: taller than D / 10 = 5.001 m is review
    assert one(frame, north(50.0 + EPS), "vegetation", 5.0)["verdict"] == "pass"
    far = one(frame, north(50.0 + EPS), "vegetation", 20.0)
    assert far["verdict"] == "review" and far["rules"] == ["art16_planting"]
    assert far["max_height"] == pytest.approx(5.001)


def test_hazard_within_protection(frame):
    r = one(frame, north(40.0), "earthworks")
    assert {"protection_hazard", "earthworks"} <= set(r["rules"])


@pytest.mark.parametrize("kind, rule", [("transmitter", "general_emitter"),
                                        ("powerline", "general_emitter"),
                                        ("industrial", "general_industry")])
def test_advisory_rules(frame, kind, rule):
    assert one(frame, north(1500.0), kind, 1.0)["verdict"] == "review"
    assert rule in one(frame, north(300.0), kind, 1.0)["rules"]
    # 2000-5000 m: the wind is unknown, so maybe upwind: review; beyond 5000 m: pass
    assert one(frame, north(2000.0 + EPS), kind, 1.0)["verdict"] == "review"
    assert one(frame, north(5000.0 + EPS), kind, 1.0)["verdict"] == "pass"


def test_missing_height_is_review_with_limit(frame):
    r = one(frame, north(300.0), "building")
    assert r["verdict"] == "review" and r["max_height"] == pytest.approx(30.0)


def test_missing_height_inside_protection_still_fails(frame):
    assert one(frame, north(10.0), "building")["verdict"] == "fail"


def test_strictest_limit_wins(frame):
    # East at 600 m: 1/10 gives 60 m, 5° gives 52.49 m; the permitted height is the lower.
    r = one(frame, east(600.0), "building", 55.0)
    assert r["max_height"] == pytest.approx(600 * TAN5)
    assert r["rules"] == ["sun_sector"]
    assert math.isclose(600 * TAN5, 52.493, abs_tol=1e-3)
