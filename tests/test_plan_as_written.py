"""The Jiangxian plan read as written (issue 10): every object that stands is bound by the
height rules, interference sources at 500 m, Art. 16 in the whole protection area, severities
from the plan's words, thresholds with a tolerance, line widths, the unknown wind, the approval
duty, Pinglu's storey rules, verbatim quotes, and check vs horizon on the sun rule.

Expected numbers are worked out by hand from the articles (tests/data holds the plan's text):
  ⑥ H ≤ D / 10 within 1000 m:  D = 300 m -> 30 m;  D = 1500 m (13 (1), review) -> 150 m
  ⑦ H ≤ D × tan 5° (tan 5° = 0.0874887):  D = 100 m -> 8.7489 m;  D = 337 m -> 29.484 m
  ③ plants ≤ 1 m within 50 m;  ② nothing that stands within 50 m
  setbacks "more than" 50 / 100 / 200 / 500 m, ⑤ and ⑥ "within 1000 m"; tolerance 1 mm.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from click.testing import CliRunner
from conftest import HALF, TAN5, east, north, one, read_output, run, to_wgs84
from pyproj import CRS

import geozones
from geozones.check import ZoneSet
from geozones.cli import main
from geozones.core.coords import from_frame
from geozones.core.kinds import HEIGHT_KINDS, KIND_ALIASES, KIND_FAMILIES, KINDS, kinds_of_families, normalize_kind
from geozones.core.zones import StationFrame
from geozones.horizon import horizon_profile
from geozones.station import load_station
from geozones.text import assumptions, findings

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).parent.parent
EPS = 0.01            # 1 cm: past a threshold, beyond the 1 mm tolerance
TOL_IN = 0.0005       # 0.5 mm: within the tolerance

OBSTACLES = sorted(kinds_of_families(["obstacle"]))
SOURCES = kinds_of_families(["interference"])


@pytest.fixture(scope="module")
def zones():
    return ZoneSet()


def south(d: float) -> shapely.Point:
    return shapely.Point(0.0, -(HALF + d))


# --- 1. anything that stands is an obstacle --------------------------------------------------

def test_obstacle_kinds_are_every_standing_thing():
    assert set(OBSTACLES) == {"building", "structure", "industrial", "chimney", "boiler",
                              "transmitter", "powerline", "dangerous_goods"}
    assert HEIGHT_KINDS == set(OBSTACLES) | {"vegetation"}


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


# --- 2. interference sources, dangerous goods, the alias table -------------------------------

ALIASES = {
    "锅炉": "boiler", "锅炉房": "boiler", "烟囱": "chimney", "排污口": "interference",
    "垃圾场": "interference", "干扰源": "interference", "污染源": "interference",
    "pollution": "interference", "加油站": "dangerous_goods", "危险品仓库": "dangerous_goods",
    "厂房": "industrial", "工厂": "industrial", "factory": "industrial", "基站": "transmitter",
    "铁塔": "transmitter", "高压线": "powerline", "输电塔": "powerline", "pylon": "powerline",
    "树木": "vegetation", "果园": "vegetation", "林地": "vegetation", "钻探": "drilling",
    "采石场": "mining", "焚烧": "burning", "放牧": "grazing", " Power  Line ": "powerline",
}


@pytest.mark.parametrize("alias, kind", sorted(ALIASES.items()))
def test_alias_table(alias, kind):
    assert normalize_kind(alias) == kind


def test_every_alias_names_a_kind_and_is_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Kinds and names", 1)[1].split("\n## ", 1)[0]
    for alias, kind in KIND_ALIASES.items():
        assert kind in KINDS
        assert f"`{alias}`" in section, alias
    for kind, families in KIND_FAMILIES.items():
        row = next(line for line in section.splitlines() if line.startswith(f"| `{kind}` |"))
        assert all(f in row for f in families), kind


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


# --- 3. Art. 16 in the whole protection area (general zone here: 1500 m north) ---------------

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


def test_every_rule_has_its_word_and_severity_follows_it(station):
    fail_words = {"禁止", "不准", "不得", "不再修建", "大于", "不大于"}
    review_words = {"不应", "应", "不宜", "远离"}
    for rule in station.rules:
        assert rule.word in fail_words | review_words, rule.id
        if rule.word in review_words:
            assert rule.severity == "review", rule.id
        elif rule.id not in ("art16_planting", "art16_radiation", "general_height"):
            # 禁止 with a condition the tool cannot decide ("影响…") is review, stated in reading
            assert rule.severity == "fail", rule.id
    for rid in ("art16_planting", "art16_radiation"):
        assert station.rule(rid).reading_en


# --- 4. thresholds with a tolerance ----------------------------------------------------------

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


def test_tolerance_is_a_station_setting(tmp_path, frame):
    text = (ROOT / "data/stations/jiangxian.toml").read_text(encoding="utf-8")
    path = tmp_path / "s.toml"
    path.write_text(text.replace("tolerance_m = 0.001", "tolerance_m = 0.0"), encoding="utf-8")
    exact = StationFrame(load_station(path))
    assert exact.station.tolerance_m == 0.0
    assert "setback_water" in one(exact, north(100.0), "water")["rules"]
    assert "setback_water" not in one(exact, north(100.0 + TOL_IN), "water")["rules"]
    a = run(frame, [north(10.0)], "building", 1.0)
    assert any("1 mm" in n for n in assumptions(a, 0))


# --- 5. lines have widths --------------------------------------------------------------------

def test_road_width(frame, zones):
    # centreline 55 m north of the fence: as drawn it passes ① (55 > 50); 12 m wide, its
    # subgrade edge is 55 − 6 = 49 m away: broken.
    line = to_wgs84(frame, shapely.LineString([(-200, HALF + 55), (200, HALF + 55)]))
    drawn = geozones.check(line, kind="道路", zones=zones)
    assert drawn.verdict == "pass" and drawn.distance_m == pytest.approx(55.0, abs=1e-3)
    assert any("without a width" in a for a in drawn.assumptions)
    wide = geozones.check(line, kind="道路", zones=zones, width=12.0)
    assert wide.verdict == "fail" and wide.distance_m == pytest.approx(49.0, abs=1e-3)
    assert any("12 m wide" in a for a in wide.assumptions)
    assert not any("without a width" in a for a in wide.assumptions)


def test_cli_width_and_screen_width_field(tmp_path, frame):
    line = to_wgs84(frame, shapely.LineString([(-200, HALF + 105), (200, HALF + 105)]))
    res = CliRunner().invoke(main, ["check", "--footprint", line.wkt, "--kind", "river",
                                    "--width", "12", "--json"])
    assert res.exit_code == 0, res.output
    assert '"verdict": "fail"' in res.output  # 105 − 6 = 99 m < 100 m
    path = tmp_path / "lines.gpkg"
    gpd.GeoDataFrame({"id": [1, 2, 3], "宽度": [12.0, 8.0, None], "kind": ["水体", "水体", "水体"]},
                     geometry=[line, line, line], crs=4326).to_file(path)
    res = CliRunner().invoke(main, ["screen", str(path), "-o", str(tmp_path / "o.gpkg"),
                                    "--kind-field", "kind", "--width-field", "宽度"])
    assert res.exit_code == 0, res.output
    got = read_output(tmp_path / "o.gpkg")
    # 105 − 6 = 99 (fail), 105 − 4 = 101 (pass), no width: as drawn 105 (pass)
    assert list(got["gz_verdict"]) == ["fail", "pass", "pass"]
    assert list(got["gz_distance_m"]) == pytest.approx([99.0, 101.0, 105.0], abs=1e-3)


# --- 6. unknown wind ------------------------------------------------------------------------

@pytest.mark.parametrize("kind, height", [("industrial", 10.0), ("chimney", 10.0), ("earthworks", None),
                                          ("building", 300.0 + EPS)])
def test_unknown_wind_is_review_2000_to_5000(frame, kind, height):
    h = np.nan if height is None else height
    a = run(frame, [north(3000.0)], kind, h)
    assert a.zone[0] == "outside" and a.verdict[0] == "review"
    assert any("prevailing wind is unknown" in f.message for f in findings(a, 0))
    assert one(frame, north(5000.0 + EPS), kind, h)["verdict"] == "pass"


def test_known_wind_decides(tmp_path):
    text = (ROOT / "data/stations/jiangxian.toml").read_text(encoding="utf-8")
    path = tmp_path / "wind.toml"
    path.write_text(text.replace("upwind_sector_deg = 90.0",
                                 "upwind_sector_deg = 90.0\nprevailing_wind_from_deg = 180.0"),
                    encoding="utf-8")
    fr = StationFrame(load_station(path))
    assert one(fr, north(3000.0), "industrial", 10.0)["verdict"] == "pass"     # downwind
    up = one(fr, south(3000.0), "industrial", 10.0)
    assert up["zone"] == "general" and up["rules"] == ["general_industry"]      # upwind


# --- 7. the approval duty -------------------------------------------------------------------

def test_approval_notice_even_on_pass(frame, zones):
    r = geozones.check(to_wgs84(frame, north(300.0)), height=10.0, zones=zones)
    assert r.verdict == "pass" and r.notices
    assert "Art. 14" in r.notices[0] and "Art. 15.1" in r.notices[0]
    far = geozones.check(to_wgs84(frame, north(6000.0)), height=10.0, zones=zones)
    assert far.notices == []
    maybe = geozones.check(to_wgs84(frame, north(3000.0)), height=10.0, zones=zones)
    assert maybe.notices and "Possibly" in maybe.notices[0]
    zh = geozones.check(to_wgs84(frame, north(300.0)), height=10.0, zones=zones, lang="zh")
    assert "第十四条" in zh.notices[0]


def test_screen_summary_tells_the_approval_duty(tmp_path, frame, zones):
    from geozones.report import format_summary
    from geozones.screen import ScreenOptions, screen_file

    pts = [north(300.0), north(1500.0), north(3000.0), north(6000.0)]
    g = from_frame(np.array(pts, dtype=object), frame.crs, CRS.from_epsg(4326))
    path = tmp_path / "p.gpkg"
    gpd.GeoDataFrame({"h": [10.0] * 4}, geometry=g, crs=4326).to_file(path)
    s = screen_file(path, tmp_path / "o.gpkg", zones=zones, opts=ScreenOptions(height_field="h"))
    assert s.protected_rows == 2 and s.maybe_protected_rows == 1
    assert "Art. 14" in format_summary(s)
    got = read_output(tmp_path / "o.gpkg")
    assert "Art. 14" in got["gz_message"][0] and "Art. 14" not in got["gz_message"][3]


# --- 8. Pinglu storeys ------------------------------------------------------------------------

SEAT = (111.206, 34.838)


def _norm(text: str) -> str:
    text = text.replace("$5^\\circ$", "5°").replace("$90^\\circ$", "90°")
    text = text.replace("$H \\leq D \\times \\tan 5^\\circ$", "H ≤ D × tan 5°")
    return re.sub(r"\s+", "", text)


def test_pinglu_storeys(zones):
    chifeng = _norm((DATA / "chifeng_plan_2023_excerpt.txt").read_text(encoding="utf-8"))
    pinglu = _norm((DATA / "pinglu_plan_2023_excerpt.txt").read_text(encoding="utf-8"))
    r = geozones.check(shapely.Point(SEAT), height=57.0, floors=19, use="住宅", zones=zones)
    f = r.pilot["findings"][0]
    assert r.verdict == "review" and f["rule"] == "pilot_storeys_max" and f["severity"] == "review"
    assert "Chifeng" in f["article"] and _norm(f["quote_zh"]) in chifeng and _norm(f["quote_zh"]) not in pinglu
    assert "应严格充分论证" in f["quote_zh"]
    r = geozones.check(shapely.Point(SEAT), height=21.0, floors=7, use="住宅", zones=zones)
    f = r.pilot["findings"][0]
    assert r.verdict == "pass" and f["rule"] == "pilot_storeys_norm" and f["severity"] == "info"
    assert _norm(f["quote_zh"]) in pinglu and "提倡新建住宅以6层为主" in f["quote_zh"]
    assert "not a limit" in f["message"]
    for rule in zones.pilots[0].rules:
        assert _norm(rule.quote_zh) in (chifeng if "Chifeng" in rule.article else pinglu), rule.id


def test_outside_provisional_boundary_is_told(zones, frame):
    r = geozones.check(to_wgs84(frame, north(300.0)), height=10.0, zones=zones)
    assert r.pilot["inside"] is False and r.pilot["provisional_boundary"] is True
    assert any("PROVISIONAL" in a and "Outside" in a for a in r.assumptions)


# --- 9. quotes verbatim, readings apart, legal bases ----------------------------------------

def test_quotes_are_verbatim(station):
    plan = _norm((DATA / "jiangxian_plan_2024.txt").read_text(encoding="utf-8"))
    for rule in station.rules:
        for part in rule.quote_zh.split("……"):
            assert _norm(part) in plan, (rule.id, part)
    assert "与测量点垂线" in station.rule("sun_sector").quote_zh
    assert "highest water line" not in station.rule("setback_water").quote_en
    assert "highest water line" in station.rule("setback_water").reading_en


def test_station_file_legal_bases_and_unpublished_annexes(station, frame):
    text = (ROOT / "data/stations/jiangxian.toml").read_text(encoding="utf-8")
    header = text.split("schema =", 1)[0]
    assert "《山西省气象设施和气象探测环境保护办法》(2018)" in header and "GB 31221-2014" in header
    assert "does not cite State Council Order No. 623" in header
    assert "which applies GB 31221-2014 and State Council Order No. 623" not in text
    a = run(frame, [north(300.0)], "building", 10.0)
    assert any("Annex 1" in n and "incomplete" in n for n in assumptions(a, 0))


def test_station_v1_file_still_loads(tmp_path):
    # the schema /1 file of before issue 10 (rules name kinds; "pollution" is an old name)
    old = load_station(DATA / "station_v1.toml")
    fr = StationFrame(old)
    assert old.rule("setback_pollution").kinds == {"interference"}
    assert one(fr, north(500.0), "垃圾场")["verdict"] == "fail"
    assert old.tolerance_m == 0.001


# --- 10. check vs horizon on the sun rule --------------------------------------------------

def test_horizon_marks_what_check_fails(frame, zones, tmp_path):
    # a 5 m building 50-60 m east of the fence: from the fence atan(5/50) = 5.711° > 5°
    # (check: 50 tan 5° = 4.37 m < 5 m, fail); from the centre atan(5/62.5) = 4.574° < 5°.
    block = shapely.box(HALF + 50, -5, HALF + 60, 5)
    r = geozones.check(to_wgs84(frame, block), height=5.0, zones=zones)
    assert r.verdict == "fail" and "sun_sector" in [f.rule for f in r.findings if f.severity == "fail"]
    p = horizon_profile(frame, np.array([block], dtype=object), np.array([5.0]))
    assert p.elevation_deg[90] == pytest.approx(math.degrees(math.atan(5 / 62.5)), abs=1e-6)
    assert p.fence_elevation_deg[90] == pytest.approx(math.degrees(math.atan(5 / 50)), abs=1e-6)
    assert not p.exceeds[90] and p.breaks_sun_rule[90]
    path = tmp_path / "b.gpkg"
    gpd.GeoDataFrame({"id": ["b"], "height": [5.0]}, geometry=[to_wgs84(frame, block)], crs=4326).to_file(path)
    res = CliRunner().invoke(main, ["horizon", "--buildings", str(path), "-o", str(tmp_path / "h.svg")])
    assert res.exit_code == 0, res.output
    fence_line = next(line for line in res.output.splitlines() if "from the fence" in line)
    assert "90°" in fence_line
    svg = (tmp_path / "h.svg").read_text(encoding="utf-8")
    assert "from the fence" in svg and "field centre" in svg  # the legend explains both views
