"""The Pinglu pilot area: shipped boundary, membership, replacement boundaries, storey rules."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from click.testing import CliRunner
from conftest import north, to_wgs84
from shapely import affinity

import geozones
from geozones.check import ZoneSet
from geozones.cli import main
from geozones.errors import InputError, StationFileError
from geozones.pilot import (
    boundary_warnings,
    geodesic_area_km2,
    load_pilot,
    load_pilots,
    storeys_from_height,
    with_boundary,
)

SEAT = (111.206, 34.838)  # 圣人涧镇, WGS84


@pytest.fixture(scope="module")
def pinglu():
    (p,) = load_pilots()
    return p


@pytest.fixture(scope="module")
def zones(pinglu):
    return ZoneSet(pilots=[pinglu])


def test_shipped_boundary(pinglu):
    assert pinglu.id == "pinglu" and pinglu.provisional
    assert geodesic_area_km2(pinglu.boundary) == pytest.approx(21.13, rel=0.005)
    assert pinglu.boundary.is_valid and pinglu.boundary.contains(shapely.Point(SEAT))
    # north of the Yellow River (which runs at about 34.80° N south of the town)
    assert pinglu.boundary.bounds[1] > 34.82
    props = json.loads(open("data/pilots/pinglu.geojson", encoding="utf-8").read())["features"][0]["properties"]
    assert props["provisional"] is True and "replace_with" in props and "built_from" in props
    assert boundary_warnings(pinglu) == []


def test_membership_inside_outside_edge(zones, pinglu):
    x0, y0, x1, y1 = pinglu.boundary.bounds
    vertex = shapely.get_coordinates(pinglu.boundary)[7]
    pts = [shapely.Point(SEAT), shapely.Point(x1 + 0.01, y0 - 0.01), shapely.Point(vertex)]
    a = geozones.assess(pts, kind="building", height=30.0, zones=zones)
    assert a.in_pilot.tolist() == [True, False, True]


def test_outside_no_pilot_rules(zones, pinglu):
    x0, y0, x1, y1 = pinglu.boundary.bounds
    r = geozones.check(shapely.Point(x1 + 0.02, y1), height=90, zones=zones)
    assert r.pilot["inside"] is False and r.pilot["findings"] == [] and r.verdict == "pass"


@pytest.mark.parametrize("floors, verdict, rules", [
    (6, "pass", ["pilot_solar_water"]),
    # 7-18: the county promotes mainly 6 storeys (Pinglu §2 (3)): information, not a limit.
    # above 18: 应严格充分论证 (Chifeng plan, national policy): review, not a prohibition.
    (7, "pass", ["pilot_storeys_norm", "pilot_solar_water"]),
    (12, "pass", ["pilot_storeys_norm", "pilot_solar_water"]),
    (13, "pass", ["pilot_storeys_norm"]),
    (18, "pass", ["pilot_storeys_norm"]),
    (19, "review", ["pilot_storeys_max"]),
])
def test_storey_rules(zones, floors, verdict, rules):
    r = geozones.check(shapely.Point(SEAT), height=floors * 3.0, floors=floors, use="residential",
                       zones=zones)
    assert r.pilot["verdict"] == verdict and r.verdict == verdict
    assert [f["rule"] for f in r.pilot["findings"]] == rules


def test_storeys_from_height(zones):
    # 21 m / 3 m = 7 storeys -> above the 6-storey norm; 55 m / 3 m = 18.3 -> 18; 56 m -> 19
    assert geozones.check(shapely.Point(SEAT), height=21.0, zones=zones).pilot["storeys"] == 7
    assert geozones.check(shapely.Point(SEAT), height=55.0, zones=zones).pilot["verdict"] == "pass"
    assert geozones.check(shapely.Point(SEAT), height=56.0, zones=zones).pilot["verdict"] == "review"
    assert storeys_from_height(np.array([np.nan]), 3.0)[0] != storeys_from_height(np.array([np.nan]), 3.0)[0]


def test_public_building_and_road_not_concerned(zones):
    assert geozones.check(shapely.Point(SEAT), height=90, use="public", zones=zones).pilot["findings"] == []
    assert geozones.check(shapely.Point(SEAT), kind="road", zones=zones).pilot["findings"] == []


def test_unknown_storeys_reviewed(zones):
    r = geozones.check(shapely.Point(SEAT), zones=zones)
    assert r.pilot["verdict"] == "review"
    assert [f["rule"] for f in r.pilot["findings"]] == ["pilot_storeys_max"]


def test_boundary_in_other_crs(tmp_path, pinglu):
    path = tmp_path / "official.gpkg"
    gpd.GeoDataFrame({"name": ["b"]}, geometry=[pinglu.boundary], crs=4326).to_crs(4546).to_file(path)
    (p,) = load_pilots(boundary=path)
    assert not p.provisional
    assert geodesic_area_km2(p.boundary) == pytest.approx(21.13, rel=1e-4)
    assert boundary_warnings(p) == []


def test_area_warning_names_both_numbers(pinglu):
    small = affinity.scale(pinglu.boundary, 0.9, 0.9)  # area × 0.81 ≈ 17.1 km²
    (key, params), = boundary_warnings(with_boundary(pinglu, small, "small.geojson"))
    assert key == "boundary_area" and params["expected"] == "21.13"
    assert float(params["area"]) == pytest.approx(21.13 * 0.81, rel=0.01)


def test_gcj02_shift_warned(pinglu):
    import coordTransform

    lon, lat = shapely.get_coordinates(pinglu.boundary).T
    glon, glat = coordTransform.wgs84_to_gcj02(lon, lat)
    shifted = shapely.Polygon(np.column_stack([glon, glat]))
    keys = [k for k, _ in boundary_warnings(with_boundary(pinglu, shifted, "web.geojson"))]
    assert keys == ["boundary_gcj"]


@pytest.mark.parametrize("content, message", [
    ("not json", "cannot read"),
    (json.dumps({"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {},
      "geometry": {"type": "LineString", "coordinates": [[111.2, 34.8], [111.3, 34.9]]}}]}), "not a polygon"),
    (json.dumps({"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {},
      "geometry": {"type": "Polygon", "coordinates": [[[111.2, 34.8], [111.3, 34.9], [111.3, 34.8],
                                                         [111.2, 34.9], [111.2, 34.8]]]}}]}), "not a valid polygon"),
])
def test_malformed_boundary(tmp_path, content, message):
    path = tmp_path / "b.geojson"
    path.write_text(content)
    with pytest.raises(InputError, match=message):
        load_pilots(boundary=path)
    res = CliRunner().invoke(main, ["check", "--footprint", "POINT(111.206 34.838)",
                                    "--pilot-boundary", str(path)])
    assert res.exit_code == 2 and message in res.output and "Traceback" not in res.output


DATA = Path(__file__).parent / "data"


PACKAGE = Path(geozones.__file__).parent


def test_pilot_rules_are_rows_of_the_one_engine():
    zones = ZoneSet()
    a = geozones.assess([shapely.Point(SEAT)] * 2, kind="building", height=[21.0, 60.0], zones=zones)
    # 7 storeys: the 6-storey norm and solar water apply (info, no flag); 20: above 18 (review)
    assert a.flagged_rules(0) == [] and a.flagged_rules(1) == ["pilot_storeys_max"]
    applied = [a.outcomes.rules[j].id for j in a.applied(0)]
    assert applied == ["pilot_storeys_norm", "pilot_solar_water"]
    assert a.verdict.tolist() == ["pass", "review"] and a.station_verdict_code.tolist() == [1, 1]
    ids = [r.id for r in a.outcomes.rules]
    assert ids[-3:] == ["pilot_storeys_max", "pilot_storeys_norm", "pilot_solar_water"]


def test_pilot_schema_1_reads():
    shipped = Path(str(load_pilots()[0].boundary_source))
    (p,) = load_pilots()
    old = load_pilot(DATA / "pinglu_pilot_v1.toml", boundary=PACKAGE.parent / "data" / "pilots" / "pinglu.geojson")
    assert [r.id for r in old.rules] == [r.id for r in p.rules] and shipped.name == "pinglu.geojson"
    # the /1 file as shipped before issue 10: the 18-storey cap was a fail
    assert old.rules[0].severity == "fail" and old.rules[0].where == "area" and old.storey_height_m == 3.0


def test_storey_height_one_source_overridable(frame):
    fp = shapely.Point(SEAT)
    assert geozones.check(fp, height=21.0).pilot["storeys"] == 7            # 21 / 3
    zones = ZoneSet(storey_height_m=3.5)
    assert geozones.check(fp, height=21.0, zones=zones).pilot["storeys"] == 6  # 21 / 3.5


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


PILOT_DIR = Path(__file__).resolve().parents[1] / "data" / "pilots"


PILOT = (PILOT_DIR / "pinglu.toml").read_text(encoding="utf-8")


def _pilot(tmp_path, old, new):
    assert old in PILOT
    folder = tmp_path / "pilots"
    folder.mkdir(exist_ok=True)
    shutil.copy(PILOT_DIR / "pinglu.geojson", folder / "pinglu.geojson")
    p = folder / "pinglu.toml"
    p.write_text(PILOT.replace(old, new, 1), encoding="utf-8")
    return p


@pytest.mark.parametrize("old, new, field", [
    ("storeys_above = 18", "storeys_above = nan", "rules[0].storeys_above"),   # switched the rule off
    ("storeys_above = 18", "storeys_above = inf", "rules[0].storeys_above"),
    ("storeys_above = 6\nstoreys_at_most = 18", "storeys_above = 18\nstoreys_at_most = 6", "rules[1].storeys_at_most"),
    ("area_km2 = 21.13", "area_km2 = inf", "[pilot].area_km2"),
    ("low_rise_share_target = 0.70", "low_rise_share_target = 7.0", "[pilot].low_rise_share_target"),
    ("reference_lonlat = [111.206, 34.838]", "reference_lonlat = [111.206, nan]", "[pilot].reference_lonlat"),
    ("storey_height_m = 3.0", "storey_height_m = 3.0\nstorey_hieght_m = 2.8", "[pilot].storey_hieght_m"),
    ('id = "pilot_storeys_max"', 'id = "pilot_storeys_max"\nnote = 1', "rules[0].note"),
])
def test_pilot_numbers_types_and_keys(tmp_path, old, new, field):
    with pytest.raises(StationFileError, match=re.escape(field)) as err:
        load_pilot(_pilot(tmp_path, old, new))
    assert str(err.value).startswith("pilot file ")


@pytest.mark.parametrize("boundary", ["../outside.geojson", "/etc/passwd", "sub/../../x.geojson"])
def test_pilot_boundary_cannot_leave_its_folder(tmp_path, boundary):
    (tmp_path / "outside.geojson").write_text((PILOT_DIR / "pinglu.geojson").read_text())
    p = _pilot(tmp_path, 'boundary = "pinglu.geojson"', f'boundary = "{boundary}"')
    with pytest.raises(StationFileError, match="leaves the pilot file's folder"):
        load_pilot(p)


def test_pilot_syntax_error_names_pilot_file(tmp_path):
    p = _pilot(tmp_path, "area_km2 = 21.13", "area_km2 = = 21.13")
    with pytest.raises(StationFileError, match="^pilot file .* is not valid TOML"):
        load_pilot(p)


def _pilot_numbers():
    import tomllib

    from conftest import number_paths

    doc = tomllib.loads(PILOT)
    return doc, list(number_paths(doc))


_PILOT_DOC, PILOT_NUMBERS = _pilot_numbers()


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
@pytest.mark.parametrize("path", PILOT_NUMBERS, ids=[".".join(map(str, p)) for p in PILOT_NUMBERS])
def test_every_number_of_a_pilot_file_refuses_nan_and_infinities(tmp_path, path, value):
    """Generated from the numbers the shipped pilot file holds (issue 23, D): each, made NaN
    or infinite, is refused when the file is read, naming the file and the key."""
    from conftest import toml_text, with_value

    p = _pilot(tmp_path, "", "")
    p.write_text(toml_text(with_value(_PILOT_DOC, path, value)), encoding="utf-8")
    with pytest.raises(StationFileError) as err:
        load_pilot(p)
    key = next(k for k in reversed(path) if isinstance(k, str))
    assert str(err.value).startswith(f"pilot file {p}: field ") and key in str(err.value)


def test_a_pilot_file_of_3_gb_is_refused_before_it_is_read(tmp_path):
    import time

    p = tmp_path / "pilot.toml"
    with open(p, "wb") as fh:   # sparse: no disk used
        fh.truncate(3 * 10**9)
    start = time.perf_counter()
    with pytest.raises(InputError, match=re.escape(f"pilot file {p} is 3,000 MB, more than the limit of 64 MB")):
        load_pilot(p)
    assert time.perf_counter() - start < 1.0
