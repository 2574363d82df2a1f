"""Every rule of the Jiangxian plan at both sides of its threshold (Art. 12-13).

Expected numbers are worked out by hand from the rule text: H ≤ D / 10 within 1000 m,
H ≤ D × tan 5° (tan 5° = 0.0874887) in the sun sectors, setbacks of 50/100/200/500/1000 m.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import TAN5, east, north, one, run, square_north

from geozones.core.kinds import kinds_of_families, normalize_kind
from geozones.text import findings

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


TOL_IN = 0.0005       # 0.5 mm: within the tolerance


OBSTACLES = sorted(kinds_of_families(["obstacle"]))


SOURCES = kinds_of_families(["interference"])


@pytest.mark.parametrize("kind", OBSTACLES)
def test_fifty_metre_ban_binds_every_obstacle(frame, kind):
    # Art. 12.2 (2) ②: at D = 50 m it is broken, at 50.01 m it is not.
    at = one(frame, north(50.0), kind, 1.0)
    past = one(frame, north(50.0 + EPS), kind, 1.0)
    assert at["verdict"] == "fail" and "protection_zone" in at["rules"] and at["max_height"] == 0.0
    assert "protection_zone" not in past["rules"]


@pytest.mark.parametrize("kind", OBSTACLES)
def test_height_ratio_binds_every_obstacle(frame, kind):
    # Art. 12.3 (2) ⑥ at D = 300 m north: 30 m passes, 30.01 m fails.
    assert "height_ratio" not in one(frame, north(300.0), kind, 30.0)["rules"]
    over = one(frame, north(300.0), kind, 30.0 + EPS)
    assert "height_ratio" in over["rules"] and over["verdict"] == "fail"
    # an interference source within 500 m may not stand at all (④): permitted height 0
    assert over["max_height"] == pytest.approx(0.0 if kind in SOURCES else 30.0)


@pytest.mark.parametrize("kind", [*OBSTACLES, "vegetation"])
def test_sun_rule_binds_every_obstacle_and_plants(frame, kind):
    # Art. 12.3 (2) ⑦ at D = 100 m east: 8.748 m passes, 8.75 m fails (100 tan 5° = 8.7489).
    assert "sun_sector" not in one(frame, east(100.0), kind, 8.748)["rules"]
    over = one(frame, east(100.0), kind, 8.75)
    assert "sun_sector" in over["rules"] and over["verdict"] == "fail"
    assert over["max_height"] == pytest.approx(0.0 if kind in SOURCES else 100 * TAN5)


@pytest.mark.parametrize("kind", OBSTACLES)
def test_general_height_binds_every_obstacle(frame, kind):
    # Art. 13 (1) (+ 16.2), our reading H ≤ D / 10 at review: D = 1500 m -> 150 m.
    assert "general_height" not in one(frame, north(1500.0), kind, 150.0)["rules"]
    over = one(frame, north(1500.0), kind, 150.0 + EPS)
    assert "general_height" in over["rules"] and over["verdict"] == "review"


def test_one_metre_rule_binds_plants(frame):
    assert one(frame, north(30.0), "树木", 1.0)["verdict"] == "pass"
    assert one(frame, north(30.0), "果园", 1.0 + EPS)["verdict"] == "fail"


def test_issue_examples(frame):
    # 基站 80 m at 337 m east of the fence (sunrise sector): limit 337 tan 5° = 29.484 m -> fail
    r = one(frame, east(337.0), "基站", 80.0)
    assert r["verdict"] == "fail" and r["max_height"] == pytest.approx(29.484, abs=1e-3)
    assert {"sun_sector", "height_ratio"} <= set(r["rules"])
    # a power line 11 m from the fence: inside the 50 m ban -> fail
    assert one(frame, north(11.0), "高压线", 15.0)["verdict"] == "fail"
    # a factory has a height limit: 300 m north -> 30 m
    assert one(frame, north(300.0), "factory", 20.0)["max_height"] == pytest.approx(30.0)


def test_one_mast_six_labels_one_verdict(frame):
    labels = ["基站", "铁塔", "发射塔", "通信塔", "mast", "tower"]
    results = [one(frame, east(337.0), label, 80.0) for label in labels]
    assert {normalize_kind(label) for label in labels} == {"transmitter"}
    assert all(r == results[0] for r in results)


@pytest.mark.parametrize("kind", ["interference", "chimney", "boiler", "排污口"])
def test_interference_setback_500(frame, kind):
    # Art. 12.3 (2) ④ (+ Art. 10): more than 500 m; at 500 m and at 500 m + 0.5 mm it is broken.
    for d in (500.0, 500.0 + TOL_IN):
        r = one(frame, north(d), kind, 1.0)
        assert "setback_source" in r["rules"] and r["verdict"] == "fail"
    assert "setback_source" not in one(frame, north(500.0 + EPS), kind, 1.0)["rules"]


def test_chimney_gets_every_family_rule(frame):
    # a 60 m chimney 400 m north: interference source (500 m), obstacle (40 m limit), smoke (13 (3))
    r = one(frame, north(400.0), "烟囱", 60.0)
    assert {"setback_source", "height_ratio", "general_industry"} <= set(r["rules"])
    a = run(frame, [north(400.0)], "烟囱", 60.0)
    ratio = [r.id for r in a.outcomes.rules].index("height_ratio")
    assert a.outcomes.allowed_m[ratio, 0] == pytest.approx(40.0)
    # 600 m north: past the 500 m setback, the obstacle limit 60 m and 13 (3) remain
    r = one(frame, north(600.0), "chimney", 60.0 + EPS)
    assert r["rules"] == ["height_ratio", "general_industry"] and r["max_height"] == pytest.approx(60.0)


def test_dangerous_goods_within_50(frame):
    at = one(frame, north(50.0), "危险品仓库", 3.0)
    assert {"protection_hazard", "protection_zone"} <= set(at["rules"])
    past = one(frame, north(50.0 + EPS), "加油站", 3.0)
    assert "protection_hazard" not in past["rules"] and past["verdict"] == "pass"


def test_dump_at_floating_point_noise_breaks_the_setback(frame):
    # the issue's case: a dump measured 500.0000000014 m from the fence
    r = one(frame, north(500.0000000014), "垃圾场")
    assert r["verdict"] == "fail" and r["rules"] == ["setback_source"]


@pytest.mark.parametrize("kind", ["earthworks", "mining", "burning", "grazing", "爆破", "取土", "采砂"])
def test_art16_activities_fail_in_general_zone(frame, kind):
    a = run(frame, [north(1500.0)], kind)
    f = next(f for f in findings(a, 0) if f.rule == "art16_activities")
    assert a.verdict[0] == "fail" and f.severity == "fail"
    assert f.article == "Art. 16.3" and f.word == "禁止"


def test_drilling_is_not_in_art16(frame):
    # 16.3 lists 爆破、采砂(石)、取土、焚烧、放牧, not 钻探: drilling at 1500 m is not bound;
    # within 1000 m ⑤ says 不应 (should not): review, not fail.
    assert one(frame, north(1500.0), "钻探")["verdict"] == "pass"
    assert one(frame, north(1000.0), "钻探")["verdict"] == "review"


def test_art16_planting(frame):
    # 16.4: a tree taller than D / 10 is at least review (1500 m: 150 m; 300 m north: 30 m)
    assert one(frame, north(1500.0), "树木", 150.0)["verdict"] == "pass"
    r = one(frame, north(1500.0), "树木", 150.0 + EPS)
    assert r["verdict"] == "review" and r["rules"] == ["art16_planting"]
    assert one(frame, north(300.0), "林地", 30.0 + EPS)["rules"] == ["art16_planting"]


def test_art16_radiation_and_obstacles(frame):
    r = run(frame, [north(1500.0)], "transmitter", 10.0)
    found = {f.rule: f for f in findings(r, 0)}
    assert r.verdict[0] == "review"
    assert found["art16_radiation"].word == "禁止" and found["art16_radiation"].severity == "review"
    assert found["art16_radiation"].reading  # why review although the word is 禁止
    b = run(frame, [north(1500.0)], "building", 150.0 + EPS)
    g = next(f for f in findings(b, 0) if f.rule == "general_height")
    assert "16.2" in g.article and g.word == "应" and g.severity == "review"


@pytest.mark.parametrize("kind, rule, setback", [
    ("road", "setback_road", 50.0), ("water", "setback_water", 100.0),
    ("railway", "setback_railway", 200.0), ("interference", "setback_source", 500.0),
    ("earthworks", "earthworks", 1000.0),
])
def test_tolerance_at_each_setback(frame, kind, rule, setback):
    assert rule in one(frame, north(setback), kind)["rules"]
    assert rule in one(frame, north(setback + TOL_IN), kind)["rules"]
    assert rule not in one(frame, north(setback + 0.002), kind)["rules"]


def test_tolerance_at_1000_and_50_for_heights(frame):
    # D = 1000.0005 m is still "within 1000 m" (⑥, fail) and in the core; 1000.002 m is not.
    r = one(frame, north(1000.0 + TOL_IN), "structure", 100.0 + EPS)
    assert r["zone"] == "control" and "height_ratio" in r["rules"] and r["verdict"] == "fail"
    r = one(frame, north(1000.002), "structure", 100.0 + EPS)
    assert r["zone"] == "general" and r["rules"] == ["general_height"]
    # heights: 30.0005 m at 300 m meets the 30 m limit within the tolerance
    assert one(frame, north(300.0), "building", 30.0 + TOL_IN)["verdict"] == "pass"
    # 50 m: a building at 50.0005 m is inside the ban
    assert "protection_zone" in one(frame, north(50.0 + TOL_IN), "building", 1.0)["rules"]


@pytest.mark.parametrize("kind, height", [("industrial", 10.0), ("chimney", 10.0), ("earthworks", None),
                                          ("building", 300.0 + EPS)])
def test_unknown_wind_is_review_2000_to_5000(frame, kind, height):
    h = np.nan if height is None else height
    a = run(frame, [north(3000.0)], kind, h)
    assert a.zone[0] == "outside" and a.verdict[0] == "review"
    assert any("prevailing wind is unknown" in f.message for f in findings(a, 0))
    assert one(frame, north(5000.0 + EPS), kind, h)["verdict"] == "pass"
