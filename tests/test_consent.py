"""The approval notice (issue 25 item 3): "inside the protection area: written consent needed
(Art. 14)" told apart from "may be inside the upwind general zone (prevailing wind unknown): ask
the authority", in check (text and JSON), the report, screen's summary and row messages, and
the map page's configuration and parcels.

Hand-worked sites on the shipped Jiangxian station (prevailing wind unknown, general zone
2000 m all round, upwind general zone up to 5000 m, Art. 11), each a 10 m square due north of
the fence (azimuth 0°: in neither sun sector, which span about 60°–120° and 240°–300°):

* 30 m out: within the 50 m construction protection range, so inside the protection area:
  written consent needed (Art. 14), whatever the verdict.
* 3000 m out: beyond 2000 m, within 5000 m: maybe upwind, ask the authority; at 400 m high
  it exceeds D / 10 = 300 m, which the general zone's height rule makes review (not fail),
  and its row message says why (the wind is unknown, the upwind zone reaches 5,000 m).
* 7000 m out: beyond 5000 m: no notice.
"""

from __future__ import annotations

import json
import re

import geopandas as gpd
import numpy as np
import pytest
from click.testing import CliRunner
from conftest import read_output, square_north, to_wgs84
from pyproj import CRS

import geozones
from geozones.check import ZoneSet
from geozones.cli import main
from geozones.core.coords import from_frame

DISTANCES = (30.0, 3000.0, 7000.0)
INSIDE = "Inside the protection area: written consent needed (Art. 14)"
MAYBE = "May be inside the upwind general zone (prevailing wind unknown): ask the authority"
INSIDE_ZH = "位于保护范围内：须事先取得书面同意（第十四条）"
MAYBE_ZH = "可能位于上风方一般保护区内（主导风向未知）：请向气象主管部门咨询"


@pytest.fixture(scope="module")
def zones():
    return ZoneSet()


@pytest.fixture(scope="module")
def sites(frame):
    return [to_wgs84(frame, square_north(d)) for d in DISTANCES]


def test_check_tells_the_two_cases_apart(zones, sites):
    near, mid, far = (geozones.check(g, height=400.0, zones=zones) for g in sites)
    assert near.distance_m == pytest.approx(30.0, abs=1e-3) and near.verdict == "fail"
    assert near.consent == "inside" and near.notices[0].startswith(INSIDE)
    assert "Art. 15.1" in near.notices[0] and MAYBE not in near.notices[0]
    assert mid.distance_m == pytest.approx(3000.0, abs=1e-3) and not mid.in_sun_sector
    assert mid.verdict == "review" and mid.max_height_m == pytest.approx(300.0, abs=1e-6)
    assert mid.consent == "maybe" and mid.notices[0].startswith(MAYBE)
    assert "5,000 m" in mid.notices[0] and "3,000 m" in mid.notices[0] and INSIDE not in mid.notices[0]
    # the review finding says why: the wind is unknown, the upwind zone reaches 5,000 m
    (f,) = mid.findings
    assert f.severity == "review" and "prevailing wind is unknown" in f.message and "5,000 m" in f.message
    assert far.distance_m == pytest.approx(7000.0, abs=1e-3)
    assert far.consent is None and far.notices == []
    # a pass in the maybe band still tells the planner to ask
    low = geozones.check(sites[1], height=20.0, zones=zones)
    assert low.verdict == "pass" and low.consent == "maybe" and low.notices[0].startswith(MAYBE)
    zh = geozones.check(sites[1], height=400.0, zones=zones, lang="zh")
    assert zh.notices[0].startswith(MAYBE_ZH) and "5,000 米" in zh.notices[0]
    assert geozones.check(sites[0], height=4.0, zones=zones, lang="zh").notices[0].startswith(INSIDE_ZH)


def test_check_command_text_and_json(sites):
    runner = CliRunner()

    def run(g, *extra):
        res = runner.invoke(main, ["check", "--footprint", g.wkt, "--height", "400", "--crs", "EPSG:4326", *extra])
        assert res.exit_code == 0, res.output
        return res.output

    near, mid, far = (run(g) for g in sites)
    assert f"! {INSIDE}." in near and MAYBE not in near
    assert f"! {MAYBE}." in mid and INSIDE not in mid
    assert INSIDE not in far and MAYBE not in far
    got = [json.loads(run(g, "--json")) for g in sites]
    assert [d["consent"] for d in got] == ["inside", "maybe", None]
    assert got[0]["notices"][0].startswith(INSIDE) and got[1]["notices"][0].startswith(MAYBE)
    assert got[2]["notices"] == []


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_report_duty_section_per_case(zones, sites, lang):
    from geozones.assessment_report import report_html

    inside, maybe = (INSIDE, MAYBE) if lang == "en" else (INSIDE_ZH, MAYBE_ZH)
    pages = [report_html(geozones.check(g, height=400.0, zones=zones, lang=lang), g, zones, lang=lang)
             for g in sites]
    duty = [p.split("consent-", 1)[1][:400] if "consent-" in p else "" for p in pages]
    assert duty[0].startswith("inside'><b>" + inside) and maybe not in pages[0]
    assert duty[1].startswith("maybe'><b>" + maybe) and inside not in pages[1]
    assert ("3,000" in duty[1] and "5,000" in duty[1])
    assert duty[2] == "" and inside not in pages[2] and maybe not in pages[2]
    outside = "outside the protection area" if lang == "en" else "保护范围和日出日落方向之外"
    assert outside in pages[2] and outside not in pages[0] and outside not in pages[1]


@pytest.fixture(scope="module")
def screened(tmp_path_factory, frame):
    from geozones.screen import ScreenOptions, screen_file

    tmp = tmp_path_factory.mktemp("consent")
    g = from_frame(np.array([square_north(d) for d in DISTANCES], dtype=object), frame.crs, CRS.from_epsg(4326))
    gpd.GeoDataFrame({"name": ["near", "mid", "far"], "h": [400.0] * 3}, geometry=g, crs=4326).to_file(tmp / "p.gpkg")
    out = {}
    for lang in ("en", "zh"):
        s = screen_file(tmp / "p.gpkg", tmp / f"o_{lang}.gpkg", zones=ZoneSet(),
                        opts=ScreenOptions(height_field="h", lang=lang))
        out[lang] = (s, tmp / f"o_{lang}.gpkg")
    return out


def test_screen_summary_and_row_messages(screened):
    from geozones.report import format_summary

    s, path = screened["en"]
    assert s.protected_rows == 1 and s.maybe_protected_rows == 1
    lines = format_summary(s).splitlines()
    assert f"{INSIDE} — rows: 1" in lines and f"{MAYBE} — rows: 1" in lines
    msg = read_output(path)["gz_message"].tolist()
    assert msg[0].startswith("fail") and INSIDE in msg[0] and MAYBE not in msg[0]
    # the review row 3 km out says why it is review: wind unknown, upwind zone to 5,000 m
    assert msg[1].startswith("review") and MAYBE in msg[1]
    assert "upwind general zone reaches 5,000 m (Art. 11)" in msg[1]
    assert INSIDE not in msg[2] and MAYBE not in msg[2]
    s_zh, path_zh = screened["zh"]
    lines = format_summary(s_zh, lang="zh").splitlines()
    assert f"{INSIDE_ZH}——1 行" in lines and f"{MAYBE_ZH}——1 行" in lines
    assert MAYBE_ZH in read_output(path_zh)["gz_message"][1]


def test_map_page_carries_the_notices(screened, zones, tmp_path):
    from geozones.maps import build_map, read_parcels, write_map

    _, path = screened["en"]
    out = tmp_path / "m.html"
    write_map(build_map(zones, read_parcels(path), tiles="none", extent_m=1500.0), out)
    page = out.read_text(encoding="utf-8")
    gz = json.loads(re.search(r"var GZ = (\{.*?\});\n", page).group(1))
    assert gz["t"]["consent"] == {"inside": INSIDE,
                                  "maybe": MAYBE + "; the upwind general zone reaches {upwind} m (Art. 11)"}
    assert gz["zones"]["general_upwind"] == 5000.0 and gz["zones"]["upwind"] is False
    parcels = json.loads(re.search(r"var GZ_PARCELS = (\{.*?\});</script>", page).group(1))
    assert [f["properties"]["c"] for f in parcels["features"]] == ["inside", "maybe", ""]
