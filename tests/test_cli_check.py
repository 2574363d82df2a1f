"""`geozones check` and `geozones zones` from the command line: outputs, errors, exit codes."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import ezdxf
import geopandas as gpd
import numpy as np
import pytest
import shapely
from click.testing import CliRunner
from conftest import HALF, TAN5, east, read_output, square_north, station_file_at
from geometries import (
    B54_EPSG,
    B54_TOWGS84,
    BOWTIE,
    CIRCLE_WKT,
    SHED_M,
    X80_EPSG,
    X80_TOWGS84,
    datum_shed,
)
from pyproj import CRS
from shapely import affinity

import geozones
from geozones.cli import main
from geozones.core.coords import from_frame
from geozones.core.datums import from_wgs84
from geozones.core.zones import StationFrame
from geozones.pilot import (
    load_pilots,
)
from geozones.station import default_station_path, load_station


@pytest.fixture
def runner():
    return CliRunner()


def wkt(frame, geom, epsg=4326):
    return from_frame(np.array([geom], dtype=object), frame.crs, CRS.from_epsg(epsg))[0].wkt


def test_check_json_contract(runner, frame):
    res = runner.invoke(main, ["check", "--footprint", wkt(frame, square_north(300.0)),
                               "--height", "31", "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["verdict"] == "fail" and out["zone"] == "control"
    assert out["distance_m"] == pytest.approx(300.0, abs=0.01)
    assert out["max_height_m"] == pytest.approx(30.0, abs=0.001)
    assert out["exceedance_m"] == pytest.approx(1.0, abs=0.001)
    assert out["height_m"] == 31.0 and out["in_sun_sector"] is False
    (f,) = out["findings"]
    assert f["rule"] == "height_ratio" and f["severity"] == "fail" and "12.3" in f["article"]
    assert any("wind" in a for a in out["assumptions"])


def test_check_text_quotes_article(runner, frame):
    res = runner.invoke(main, ["check", "--footprint", wkt(frame, east(100.0)), "--height", "9"])
    assert res.exit_code == 0
    assert "FAIL" in res.output and "Art. 12.3 (2) ⑦" in res.output and "tan 5°" in res.output


def test_check_zh(runner, frame):
    res = runner.invoke(main, ["check", "--footprint", wkt(frame, east(100.0)), "--height", "9",
                               "--lang", "zh"])
    assert "不通过" in res.output and "日出方向" in res.output


def test_road_kind_chinese_alias(runner, frame):
    line = shapely.LineString([(-100, 12.5 + 40), (100, 12.5 + 40)])
    res = runner.invoke(main, ["check", "--footprint", wkt(frame, line), "--kind", "道路", "--json"])
    out = json.loads(res.output)
    assert out["kind"] == "road" and out["max_height_m"] is None
    assert {f["rule"] for f in out["findings"]} == {"protection_zone", "setback_road"}


def test_check_file_in_projected_crs(runner, frame, tmp_path):
    path = tmp_path / "site.geojson"
    g = from_frame(np.array([square_north(500.0)], dtype=object), frame.crs, CRS.from_epsg(4546))
    gpd.GeoDataFrame({"name": ["site"]}, geometry=g, crs=4546).to_file(path, driver="GeoJSON")
    gpkg = tmp_path / "site.gpkg"
    gpd.GeoDataFrame({"name": ["site"]}, geometry=g, crs=4546).to_file(gpkg)
    for p in (path, gpkg):
        res = runner.invoke(main, ["check", "--footprint", str(p), "--height", "45", "--json"])
        assert res.exit_code == 0, res.output
        assert json.loads(res.output)["distance_m"] == pytest.approx(500.0, abs=0.01)
    res = runner.invoke(main, ["check", "--footprint", str(gpkg), "--crs", "EPSG:4326"])
    assert res.exit_code == 2 and "--crs says EPSG:4326" in res.output


@pytest.mark.parametrize("args, message", [
    (["--footprint", "POINT(35.505 111.574)"], "latitude and longitude swapped"),
    (["--footprint", "POINT(3930659 551804)", "--crs", "EPSG:4546"], "northing first"),
    (["--footprint", "POINT(551804 3930659)"], "fit EPSG:4546"),
    (["--footprint", "POINT(116.4 39.9)"], "km from the nearest"),
    (["--footprint", "POLYGON((1 2, 3"], "neither WKT nor an existing file"),
    (["--footprint", "POLYGON EMPTY"], "geometry is empty"),
    (["--footprint", "POINT(111.57 35.51)", "--crs", "EPSG:12345678"], "unknown CRS"),
    (["--footprint", "POINT(111.57 35.51)", "--height", "-3"], "must be a finite number"),
    (["--footprint", "POINT(111.57 35.51)", "--station", "/nonexistent.toml"], "does not exist"),
])
def test_bad_input_one_line_exit_2(runner, args, message):
    res = runner.invoke(main, ["check", *args])
    assert res.exit_code == 2, res.output
    assert message in res.output
    assert "Traceback" not in res.output and len(res.output.strip().splitlines()) == 1


def test_broken_file(runner, tmp_path):
    bad = tmp_path / "broken.shp"
    bad.write_bytes(b"not a shapefile at all")
    res = runner.invoke(main, ["check", "--footprint", str(bad)])
    assert res.exit_code == 2 and "cannot read" in res.output and "Traceback" not in res.output


def test_unknown_kind_rejected(runner):
    res = runner.invoke(main, ["check", "--footprint", "POINT(111.57 35.51)", "--kind", "spaceship"])
    assert res.exit_code == 2 and "not a kind" in res.output


def test_check_kml_footprint(runner, frame, tmp_path):
    path = tmp_path / "site.kml"
    g = from_frame(np.array([square_north(400.0)], dtype=object), frame.crs, CRS.from_epsg(4326))
    gpd.GeoDataFrame({"Name": ["site"]}, geometry=g, crs=4326).to_file(path, driver="KML")
    res = runner.invoke(main, ["check", "--footprint", str(path), "--height", "41", "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["distance_m"] == pytest.approx(400.0, abs=0.01) and out["verdict"] == "fail"


def test_zh_assumptions_are_chinese(runner, frame):
    res = runner.invoke(main, ["check", "--footprint", wkt(frame, square_north(300.0)), "--height", "5",
                               "--lang", "zh", "--json"])
    text = " ".join(json.loads(res.output)["assumptions"])
    assert "中国气象局台站表" in text and "CMA station list" not in text


def _shift(geom, datum):
    """A WGS84 geometry as the numbers a Chinese web map would show for it."""
    return shapely.transform(geom, lambda c: np.column_stack(from_wgs84(c[:, 0], c[:, 1], datum)))


@pytest.mark.parametrize("datum", ["GCJ-02", "BD-09"])
def test_check_cli_and_screen_read_the_datum(tmp_path, frame, datum):
    wgs = from_frame(np.array([square_north(300.0)], dtype=object), frame.crs, CRS.from_epsg(4326))[0]
    shifted = _shift(wgs, datum)
    runner = CliRunner()
    res = runner.invoke(main, ["check", "--footprint", shifted.wkt, "--crs", datum.replace("-", "").lower(),
                               "--height", "31", "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["verdict"] == "fail" and out["distance_m"] == pytest.approx(300.0, abs=0.05)
    # a GeoJSON (which always says WGS84) traced on the web map, screened with --crs
    src = tmp_path / "traced.geojson"
    gpd.GeoDataFrame({"h": [31.0]}, geometry=[shifted], crs=4326).to_file(src)
    dst = tmp_path / "out.gpkg"
    res = runner.invoke(main, ["screen", str(src), "-o", str(dst), "--crs", datum, "--height-field", "h"])
    assert res.exit_code == 0, res.output
    assert f"read as {datum}" in res.output
    got = read_output(dst)
    assert got["gz_verdict"][0] == "fail"
    assert got["gz_distance_m"][0] == pytest.approx(300.0, abs=0.05)
    # the output geometry is WGS84 again (GIS tools know no GCJ-02): back on the original
    assert got.crs.to_epsg() == 4326
    assert got.geometry[0].hausdorff_distance(wgs) < 1e-7



LAT, LON = 35.504, 111.571


L_AB = 18144.98   # m, geodesic between a and b (0.2° of longitude at 35.504° N)


def _station_file(folder, ident: str, lat: float, lon: float, extra: tuple[tuple[str, str], ...] = ()):
    text = default_station_path().read_text(encoding="utf-8")
    text = (text.replace('id = "jiangxian"', f'id = "{ident}"')
            .replace(f"latitude_deg = {LAT}", f"latitude_deg = {lat}")
            .replace(f"longitude_deg = {LON}", f"longitude_deg = {lon}"))
    for old, new in extra:
        assert old in text
        text = text.replace(old, new)
    folder.mkdir(exist_ok=True)
    (folder / f"{ident}.toml").write_text(text, encoding="utf-8")


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    d = tmp_path_factory.mktemp("stations") / "two"
    _station_file(d, "a", LAT, LON)
    _station_file(d, "b", LAT, LON + 0.2)
    return d


def _a_frame():
    from geozones.core.zones import StationFrame

    return StationFrame(load_station())


def _lonlat(x: float, y: float) -> str:
    p = from_frame(np.array([shapely.Point(x, y)], dtype=object), _a_frame().crs, CRS.from_epsg(4326))[0]
    return f"POINT ({p.x:.9f} {p.y:.9f})"


def test_cli_check_stations_names_the_governing_station(folder):
    runner = CliRunner()
    res = runner.invoke(main, ["check", "--footprint", _lonlat(9200.0, 0.0), "--height", "790",
                               "--stations", str(folder), "--crs", "EPSG:4326"])
    assert res.exit_code == 0, res.output
    assert res.output.startswith("Verdict: FAIL\nGoverning station: b; stations in reach: b, a")
    assert "a: pass · outside the protection zones · 9,187.50 m from the fence · permitted height 803.80 m" in res.output
    res = runner.invoke(main, ["check", "--footprint", _lonlat(9200.0, 0.0), "--height", "790",
                               "--stations", str(folder), "--crs", "EPSG:4326", "--json"])
    data = json.loads(res.output)
    assert (data["verdict"], data["station"], data["stations"]) == ("fail", "b", ["b", "a"])
    assert data["max_height_m"] == pytest.approx((L_AB - 9212.5) * TAN5, abs=0.01)
    assert data["governing"]["verdict"] == "fail" and data["others"][0]["verdict"] == "pass"
    res = runner.invoke(main, ["check", "--footprint", _lonlat(0.0, 40_000.0), "--height", "20",
                               "--stations", str(folder), "--crs", "EPSG:4326", "--lang", "zh"])
    assert res.exit_code == 0, res.output
    assert res.output.startswith("结论: 通过\n10 公里内无气象站")
    assert res.output.count("10 公里内无气象站") == 1


def test_cli_refusals_are_one_line(folder, tmp_path):
    """--dem, --map and --reports are not yet available with --stations; --long needs .csv or
    .parquet; check --station with --stations: one line each, exit 2, nothing written."""
    gpd.GeoDataFrame({"h": [10.0]}, geometry=[shapely.Point(LON + 0.01, LAT)], crs=4326).to_file(tmp_path / "in.gpkg")
    runner = CliRunner()
    base = ["screen", str(tmp_path / "in.gpkg"), "-o", str(tmp_path / "out.gpkg"), "--stations", str(folder)]
    (tmp_path / "dem.tif").write_bytes(b"")
    for extra, words in ((["--dem", str(tmp_path / "dem.tif")], "--dem with --stations is not supported yet"),
                         (["--map", str(tmp_path / "m.html")], "--map is not available with --stations yet"),
                         (["--reports", str(tmp_path / "r")], "--reports is not available with --stations yet"),
                         (["--long", str(tmp_path / "l.txt")], "cannot tell the format of")):
        res = runner.invoke(main, base + extra)
        assert res.exit_code != 0 and words in res.output, (extra, res.output)
        assert len(res.output.strip().splitlines()) == 1 and "Traceback" not in res.output
    assert not (tmp_path / "out.gpkg").exists()
    res = runner.invoke(main, ["check", "--footprint", "POINT (111.58 35.504)", "--stations", str(folder),
                               "--station", str(default_station_path()), "--lang", "zh"])
    assert res.exit_code == 2 and "--station 与 --stations 不能同时使用" in res.output






@pytest.mark.parametrize("wkt, code, text", [
    ("POLYGON ((111.574 35.505, 111.575 NaN, 111.575 35.505, 111.574 35.505))", 2, "not finite"),
    ("POINT (inf 35)", 2, "not finite"),
    (BOWTIE.wkt, 0, "repaired"),
    (CIRCLE_WKT, 0, "verdict"),
])
def test_check_one_clean_line(wkt, code, text):
    res = CliRunner().invoke(main, ["check", "--footprint", wkt, "--height", "10"])
    assert res.exit_code == code, res.output
    assert "Traceback" not in res.output and text in res.output.lower()
    if code:
        assert len(res.output.strip().splitlines()) == 1


DATA = Path(__file__).parent / "data"


ROTATED = DATA / "rotated_station.toml"


@pytest.fixture(scope="module")
def rot():
    return load_station(ROTATED)


def _at(az_deg, r):
    a = math.radians(az_deg)
    return shapely.Point(r * math.sin(a), r * math.cos(a))


def test_rotated_station_check(rot, tmp_path):
    frame = StationFrame(rot)
    runner = CliRunner()

    def run(local, height, kind="building"):
        site = from_frame(np.array([local], dtype=object), frame.crs, CRS.from_epsg(4326))[0]
        res = runner.invoke(main, ["check", "--footprint", site.wkt, "--height", str(height), "--kind", kind,
                                   "--station", str(ROTATED), "--json"])
        assert res.exit_code == 0, res.output
        return json.loads(res.output)

    # azimuth 30° is the normal of the turned field's north side: D = r − 12.5 exactly
    r = run(_at(30.0, HALF + 300.0), 61.0)
    assert r["distance_m"] == pytest.approx(300.0, abs=1e-3)
    assert r["zone"] == "control" and r["max_height_m"] == pytest.approx(60.0, abs=1e-3)  # D / 5
    assert r["verdict"] == "fail" and r["station"] == "rotated_test"
    # at 20 m from the fence (inside 30 m): no building may stand
    assert run(_at(30.0, HALF + 20.0), 1.0)["zone"] == "protection"
    # upwind (from 135°) the general zone reaches 4000 m; elsewhere 1500 m
    assert run(_at(135.0, 3000.0), 1.0)["zone"] == "general"
    assert run(_at(315.0, 3000.0), 1.0)["zone"] == "outside"
    assert run(_at(30.0, HALF + 1000.0), 201.0)["max_height_m"] == pytest.approx(200.0, abs=1e-3)
    assert not any("wind" in a for a in r["assumptions"])


def _cgcs(frame, geom):
    """A frame geometry's coordinates in EPSG:4546 (CGCS2000 Gauss-Krüger zone 37)."""
    g = from_frame(np.array([geom], dtype=object), frame.crs, CRS.from_epsg(4546))[0]
    return [tuple(c) for c in np.asarray(g.exterior.coords if g.geom_type == "Polygon" else g.coords)]


@pytest.fixture
def drawing(tmp_path, frame):
    """A planner's drawing: two buildings on layer 建筑, a road on 道路, plus a block, text,
    a dimension and an MTEXT that must be ignored."""
    doc = ezdxf.new("R2010", setup=True)
    msp = doc.modelspace()
    # north building 300 m from the fence (closed LWPOLYLINE, drawn without repeating the start)
    msp.add_lwpolyline(_cgcs(frame, square_north(300.0))[:-1], close=True, dxfattribs={"layer": "建筑"})
    # east building 200 m from the fence, in the sunrise sector (old-style 2D POLYLINE, closed)
    east_sq = shapely.box(HALF + 200.0, -5.0, HALF + 210.0, 5.0)
    msp.add_polyline2d(_cgcs(frame, east_sq)[:-1], close=True, dxfattribs={"layer": "建筑"})
    # a road 40 m north of the fence (open LWPOLYLINE)
    from shapely import LineString

    msp.add_lwpolyline(_cgcs(frame, LineString([(-50, HALF + 40), (50, HALF + 40)])),
                       dxfattribs={"layer": "道路"})
    block = doc.blocks.new(name="TREE")
    block.add_circle((0, 0), radius=2)
    x, y = _cgcs(frame, square_north(400.0))[0]
    msp.add_blockref("TREE", (x, y), dxfattribs={"layer": "建筑"})
    msp.add_text("住宅楼", dxfattribs={"layer": "建筑"}).set_placement((x, y))
    msp.add_mtext("说明", dxfattribs={"layer": "注释"})
    msp.add_linear_dim(base=(x, y + 5), p1=(x, y), p2=(x + 10, y), dxfattribs={"layer": "标注"}).render()
    path = tmp_path / "site.dxf"
    doc.saveas(path)
    return path


def test_check_dxf_layer_road(drawing):
    res = CliRunner().invoke(main, ["check", "--footprint", str(drawing), "--layer", "道路",
                                    "--crs", "EPSG:4546", "--kind", "road", "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)   # a drawing: its entities (here the one road) and the worst
    assert [e["layer"] for e in out["entities"]] == ["道路"] and out["worst"] == 1
    assert out["entities"][0]["distance_m"] == pytest.approx(40.0, abs=0.05)
    assert out["result"]["distance_m"] == pytest.approx(40.0, abs=0.05)
    assert any("ignored" in a for a in out["assumptions"])


def test_dxf_needs_crs_and_dwg_is_refused(tmp_path, drawing):
    runner = CliRunner()
    res = runner.invoke(main, ["screen", str(drawing), "-o", str(tmp_path / "o.gpkg")])
    assert res.exit_code == 2 and "--crs" in res.output and "Traceback" not in res.output
    res = runner.invoke(main, ["check", "--footprint", str(drawing)])
    assert res.exit_code == 2 and "carries no coordinate system" in res.output
    res = runner.invoke(main, ["check", "--footprint", str(drawing), "--crs", "EPSG:4546",
                               "--layer", "nope"])
    assert res.exit_code == 2 and "建筑" in res.output
    dwg = tmp_path / "site.dwg"
    dwg.write_bytes(b"AC1032\x00\x00")
    for args in (["check", "--footprint", str(dwg)], ["screen", str(dwg), "-o", str(tmp_path / "x.gpkg")]):
        res = runner.invoke(main, args)
        assert res.exit_code == 2, res.output
        assert "DXF" in res.output and "SAVEAS" in res.output and "ODA File Converter" in res.output


SHIPPED = default_station_path().read_text(encoding="utf-8")


CHECKS_TABLE = re.search(r"^\[checks\].*?\n\n", SHIPPED, re.S | re.M).group(0)   # the whole table


SCHEMA = re.search(r'schema = "geozones.station/\d"', SHIPPED).group(0)


def _station(tmp_path, old, new):
    p = tmp_path / "station.toml"
    if old == "TOP":   # a top-level key: before the first table, the [checks] table gone
        text = SHIPPED.replace(CHECKS_TABLE, "").replace(SCHEMA, SCHEMA + "\n" + new, 1)
    else:
        assert old in SHIPPED
        text = SHIPPED.replace(old, new, 1)
    p.write_text(text, encoding="utf-8")
    return p


def test_cli_one_line_for_bad_station(tmp_path):
    p = _station(tmp_path, "TOP", "checks = 5")
    res = CliRunner().invoke(main, ["check", "--footprint", "POINT (111.5745 35.5054)", "--station", str(p)])
    assert res.exit_code == 2 and "Traceback" not in res.output
    assert len(res.output.strip().splitlines()) == 1 and "[checks]" in res.output


@pytest.fixture(scope="module")
def pinglu():
    (p,) = load_pilots()
    return p


def test_cli_warns_and_checks(tmp_path, pinglu):
    path = tmp_path / "small.geojson"
    gpd.GeoDataFrame(geometry=[affinity.scale(pinglu.boundary, 0.9, 0.9)], crs=4326).to_file(path)
    res = CliRunner().invoke(main, ["check", "--footprint", "POINT(111.206 34.838)", "--floors", "19",
                                    "--pilot-boundary", str(path), "--json"])
    assert res.exit_code == 0
    assert "warning: pilot boundary" in res.stderr and "21.13 km²" in res.stderr
    out = json.loads(res.stdout)
    assert out["pilot"]["verdict"] == "review" and out["pilot"]["provisional_boundary"] is False


def test_a_footprint_past_the_vertex_limit_is_one_line(runner):
    """issue 23, D: a curve of 1,026,001 vertices once made straight, refused at once."""
    import time

    from geometries import many_arcs_wkt

    start = time.perf_counter()
    res = runner.invoke(main, ["check", "--footprint", many_arcs_wkt(38_000), "--height", "5"])
    assert time.perf_counter() - start < 1.0
    assert res.exit_code == 2 and len(res.output.strip().splitlines()) == 1
    assert res.output.strip() == ("error: the curved geometry would become 1,026,001 vertices when made straight, more "
                                  "than the limit of 1,000,000 (GEOZONES_MAX_VERTICES)")


def test_check_a_dxf_size_bomb_is_one_line(runner, tmp_path):
    """A DXF circle of radius 10¹⁴ (issue 23, D; the estimate: tests/test_io_dxf.py)."""
    doc = ezdxf.new("R2010")
    doc.modelspace().add_circle((551_804.0, 3_930_659.0), radius=1e14)
    path = tmp_path / "bomb.dxf"
    doc.saveas(path)
    res = runner.invoke(main, ["check", "--footprint", str(path), "--crs", "EPSG:4546"])
    assert res.exit_code == 2 and len(res.output.strip().splitlines()) == 1
    assert "would become about 268,435,457 vertices" in res.output and "limit of 1,000,000" in res.output


# --- every datum honoured (issue 23, item 2) ---------------------------------------------------

DATUM_CRS = [B54_TOWGS84, X80_TOWGS84, B54_EPSG, X80_EPSG]


@pytest.mark.parametrize("crs", DATUM_CRS)
def test_a_shed_40_m_from_the_fence_on_an_older_datum(runner, station, crs):
    """A 3 m shed truly 40 m west of the fence, given in Beijing 1954 or Xian 1980
    Gauss-Krüger coordinates: check (JSON and text) and the API measure it where PROJ's own
    transformation to WGS84 puts it (within 0.01 m) and refuse it (nothing may stand within
    50 m, Art. 12.2). Dropping the +towgs84 read it 82 m (B54) or 64 m away: a pass."""
    shed, d = datum_shed(crs, station.longitude_deg, station.latitude_deg)
    res = runner.invoke(main, ["check", "--footprint", shed.wkt, "--height", "3", "--crs", crs, "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["distance_m"] == pytest.approx(d, abs=0.01) and d == pytest.approx(SHED_M, abs=0.01)
    assert (out["verdict"], out["zone"]) == ("fail", "protection")
    api = geozones.check(shed, height=3, crs=crs)
    assert (api.verdict, api.zone) == ("fail", "protection") and api.distance_m == pytest.approx(d, abs=0.01)
    # PROJ has only a ballpark for the EPSG codes here: every output says so, the +towgs84 none
    datum = {B54_EPSG: "Beijing 1954", X80_EPSG: "Xian 1980"}.get(crs)
    said = [a for a in out["assumptions"] if "ballpark" in a]
    assert said == ([] if datum is None else
                    [f"{crs} is on the {datum} datum, and PROJ knows no transformation from it to WGS84/CGCS2000 "
                     "here, only a ballpark that moves nothing: the coordinates were read as if on WGS84, which can "
                     "put them tens to hundreds of metres off. Give the CRS with its datum shift (a PROJ string with "
                     "+towgs84=…, the survey's seven parameters) or the coordinates in CGCS2000."])
    assert [a for a in api.assumptions if "ballpark" in a] == said
    text = runner.invoke(main, ["check", "--footprint", shed.wkt, "--height", "3", "--crs", crs, "--lang", "zh"]).output
    assert ("只有不做任何改正的粗略转换" in text) is (datum is not None)
    if datum is not None:
        assert f"{crs} 采用 {datum} 基准" in text


def test_check_stations_names_the_ballpark_too(runner, station, tmp_path):
    shed, d = datum_shed(X80_EPSG, station.longitude_deg, station.latitude_deg)
    station_file_at(tmp_path / "one", station.longitude_deg, station.latitude_deg, "jx")
    res = runner.invoke(main, ["check", "--footprint", shed.wkt, "--height", "3", "--crs", X80_EPSG,
                               "--stations", str(tmp_path / "one"), "--json"])
    out = json.loads(res.output)
    assert out["verdict"] == "fail" and out["governing"]["distance_m"] == pytest.approx(d, abs=0.01)
    assert any("Xian 1980 datum" in a and "ballpark" in a for a in out["governing"]["assumptions"])


def _said_both(text: str, d_read: float, d_true: float) -> None:
    """Both answers of the issue-25 site in ``text``: PASS at the distance read and its
    5° limit, and GCJ-02's PASS at the true distance and its 5° limit (fmt: 2 decimals)."""
    for d in (d_read, d_true):
        assert f"PASS at {d:,.2f} m" in text, text
        assert f"permitted height {d * TAN5:,.2f}".rstrip("0").rstrip(".") + " m" in text, text


def test_check_says_a_likely_gaode_mistake_first(tmp_path):
    """Issue 25: the README's footprint copied from Gaode. Read as WGS84 (no --crs) it is
    857.25 m out in the sunrise sector, PASS under 857.25·tan 5° = 75.00 m; in truth
    336.82 m out, PASS under 29.47 m. The verdict is the same, the permitted height is not:
    the first lines say so with both answers; --json has it as a top-level field; any --crs
    silences it."""
    from geometries import gaode_site

    numbers, d_true, _, d_read, _ = gaode_site()
    assert round(d_read * TAN5, 2) == 75.0 and round(d_true * TAN5, 2) == 29.47
    args = ["check", "--footprint", numbers.wkt, "--height", "10"]
    r = CliRunner().invoke(main, args)
    assert r.exit_code == 0, r.output
    first = r.output.split("\n")[:3]
    assert first[0].startswith("! CHECK THE COORDINATES") and "WGS84" in first[0]
    assert first[1].strip().startswith("Read as GCJ-02 (Gaode/AMap, Tencent)")
    _said_both("\n".join(first), d_read, d_true)
    assert "--crs GCJ-02" in r.output.split("\n\n")[0]
    j = json.loads(CliRunner().invoke(main, [*args, "--json"]).output)
    w = j["datum_warning"]
    assert w["as_read"]["verdict"] == "pass" and w["as_read"]["distance_m"] == pytest.approx(d_read, abs=0.05)
    assert w["as_read"]["max_height_m"] == pytest.approx(d_read * TAN5, abs=0.01)
    gcj = next(x for x in w["datums"] if x["datum"] == "GCJ-02")
    assert gcj["verdict"] == "pass" and gcj["distance_m"] == pytest.approx(d_true, abs=0.05)
    assert gcj["max_height_m"] == pytest.approx(d_true * TAN5, abs=0.01)
    # Chinese too, first
    zh = CliRunner().invoke(main, [*args, "--lang", "zh"]).output.split("\n")
    assert zh[0].startswith("! 请核实坐标") and "336.82" in zh[1] and "29.47" in zh[1]
    # check --stations: said first once, and a top-level field of --json too
    folder = tmp_path / "st"
    folder.mkdir()
    (folder / "jiangxian.toml").write_text(default_station_path().read_text(encoding="utf-8"), encoding="utf-8")
    many = CliRunner().invoke(main, [*args, "--stations", str(folder)]).output
    assert many.startswith("! CHECK THE COORDINATES") and many.count("CHECK THE COORDINATES") == 1
    _said_both("\n".join(many.split("\n")[:3]), d_read, d_true)
    j = json.loads(CliRunner().invoke(main, [*args, "--stations", str(folder), "--json"]).output)
    assert j["datum_warning"]["datums"][0]["distance_m"] == pytest.approx(d_true, abs=0.05)
    # any --crs silences it: the numbers' own CRS, or the datum they are in
    for crs in ("EPSG:4326", "GCJ-02"):
        quiet = CliRunner().invoke(main, [*args, "--crs", crs])
        assert quiet.exit_code == 0 and "CHECK THE COORDINATES" not in quiet.output
        assert json.loads(CliRunner().invoke(main, [*args, "--crs", crs, "--json"]).output)["datum_warning"] is None
