"""`geozones check` and `geozones zones` from the command line: outputs, errors, exit codes."""

import json

import geopandas as gpd
import numpy as np
import pytest
import shapely
from click.testing import CliRunner
from conftest import east, read_output, square_north
from pyproj import CRS

from geozones.cli import main
from geozones.core.coords import from_frame


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


def test_zones_export(runner, tmp_path):
    out = tmp_path / "z.gpkg"
    res = runner.invoke(main, ["zones", "-o", str(out)])
    assert res.exit_code == 0, res.output
    z = read_output(out)
    assert list(z["zone"]) == ["body", "protection", "control", "general", "sunrise", "sunset",
                               "pilot:pinglu"]
    assert z["provisory"].tolist() == [False] * 6 + [True]
    assert z.crs.to_epsg() == 4326
    # exporting again without --overwrite is refused and the file is kept
    res = runner.invoke(main, ["zones", "-o", str(out)])
    assert res.exit_code == 3 and "--overwrite" in res.output
    body = z.set_index("zone").to_crs(4546).loc["body", "geometry"]
    assert body.area == pytest.approx(625.0, rel=1e-3)


@pytest.mark.parametrize("ext", ["geojson", "kml", "shp", "fgb"])
def test_zones_formats(runner, tmp_path, ext):
    out = tmp_path / f"z.{ext}"
    res = runner.invoke(main, ["zones", "-o", str(out), "--lang", "zh"])
    assert res.exit_code == 0, res.output
    assert len(read_output(out)) == 7
    assert not list(tmp_path.glob(".geozones-*"))  # no temporary left behind


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
