"""The Pinglu pilot area: shipped boundary, membership, replacement boundaries, storey rules."""

import json

import geopandas as gpd
import numpy as np
import pytest
import shapely
from click.testing import CliRunner
from shapely import affinity

import geozones
from geozones.check import ZoneSet
from geozones.cli import main
from geozones.errors import InputError
from geozones.pilot import (
    boundary_warnings,
    geodesic_area_km2,
    load_pilots,
    low_rise_share,
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


def test_cli_warns_and_checks(tmp_path, pinglu):
    path = tmp_path / "small.geojson"
    gpd.GeoDataFrame(geometry=[affinity.scale(pinglu.boundary, 0.9, 0.9)], crs=4326).to_file(path)
    res = CliRunner().invoke(main, ["check", "--footprint", "POINT(111.206 34.838)", "--floors", "19",
                                    "--pilot-boundary", str(path), "--json"])
    assert res.exit_code == 0
    assert "warning: pilot boundary" in res.stderr and "21.13 km²" in res.stderr
    out = json.loads(res.stdout)
    assert out["pilot"]["verdict"] == "review" and out["pilot"]["provisional_boundary"] is False


def test_low_rise_share():
    # 3 buildings: 1000 m² at 6 storeys, 500 m² at 7, 500 m² at 3 -> 1500 / 2000 = 75 %
    share, total = low_rise_share(np.array([1000.0, 500.0, 500.0, 80.0]),
                                  np.array([6, 7, 3, np.nan]), 6)
    assert share == pytest.approx(0.75) and total == 2000.0
