"""Inputs that broke whole runs (issue 11 items 3, 4, 5): ground below the field with --dem,
a GBK shapefile whose Chinese text starts after the first megabyte, several layers."""

import geopandas as gpd
import pytest
import shapely
from click.testing import CliRunner
from conftest import read_output
from test_terrain import Z0, _dem, _wgs, plane

import geozones
from geozones.check import ZoneSet
from geozones.cli import main
from geozones.io import sniff_shapefile_encoding
from geozones.screen import ScreenOptions, screen_file
from geozones.terrain import DEM


@pytest.fixture
def plane_dem(tmp_path, frame):
    return _dem(tmp_path / "plane.tif", frame, plane, half=600.5)


# --- 3. ground below the field ----------------------------------------------------------------
# Plane z = 761 + 0.05 x. A footprint x -200..-190 touches cells up to x = -190:
# ground 761 − 9.5 = 751.5 m; a 5 m building tops out at 756.5 m, 4.5 m below the field.

WEST = (-200, 200, -190, 210)


def test_check_dem_top_below_field_is_assessed(frame, plane_dem):
    fp = _wgs(frame, shapely.box(*WEST))
    r = geozones.check(fp, height=5.0, dem=plane_dem)
    assert r.terrain["ground_elevation_m"] == pytest.approx(751.5, abs=1e-3)
    assert r.terrain["effective_height_m"] == pytest.approx(-4.5, abs=1e-3)
    assert r.height_m == 0.0 and r.exceedance_m == 0.0 and r.verdict == "pass"
    assert any("below the observation field" in a for a in r.assumptions)
    res = CliRunner().invoke(main, ["check", "--footprint", fp.wkt, "--height", "5", "--dem", str(plane_dem)])
    assert res.exit_code == 0 and "Traceback" not in res.output, res.output


def test_screen_dem_on_sloping_ground(tmp_path, frame, plane_dem):
    g = [_wgs(frame, shapely.box(*WEST)), _wgs(frame, shapely.box(100, 200, 110, 210))]
    path = tmp_path / "p.gpkg"
    gpd.GeoDataFrame({"h": [5.0, 10.0]}, geometry=g, crs=4326).to_file(path)
    screen_file(path, tmp_path / "o.gpkg", zones=ZoneSet(),
                opts=ScreenOptions(height_field="h", dem=DEM(plane_dem), field_elevation_m=Z0))
    got = read_output(tmp_path / "o.gpkg")
    assert list(got["gz_verdict"]) == ["pass", "pass"]
    assert got["gz_height_m"][0] == 0.0 and got["gz_ground_m"][0] == pytest.approx(751.5)
    assert "top below field ground" in got["gz_status"][0]
    assert got["gz_height_m"][1] == pytest.approx(15.5)       # 10 + 766.5 − 761


# --- 4. encoding decided from the whole .dbf --------------------------------------------------

def test_gbk_after_the_first_megabyte(tmp_path):
    n = 12_000                      # 12,000 rows × 100 bytes: the Chinese starts past 1 MB
    names = ["x" * 90] * n + ["北侧住宅", "东侧塔"]
    geoms = [shapely.Point(111.575 + i * 1e-7, 35.51) for i in range(len(names))]
    path = tmp_path / "late.shp"
    gpd.GeoDataFrame({"name": names}, geometry=geoms, crs=4326).to_file(path, encoding="GBK")
    path.with_suffix(".cpg").unlink(missing_ok=True)
    dbf = path.with_suffix(".dbf")
    data = bytearray(dbf.read_bytes())
    data[29] = 0                     # no language driver id either
    dbf.write_bytes(bytes(data))
    header = int.from_bytes(data[8:10], "little")
    assert bytes(data[header: 1 << 20]).isascii()    # the first megabyte of records is ASCII
    assert sniff_shapefile_encoding(path)[0] == "GB18030"
    out = tmp_path / "o.gpkg"
    s = screen_file(path, out, zones=ZoneSet(), opts=ScreenOptions(default_height_m=1.0), chunk_size=5000)
    got = read_output(out)
    assert s.rows == len(got) == len(names)
    assert list(got["name"][-2:]) == ["北侧住宅", "东侧塔"]


# --- 5. several layers are never silently one -------------------------------------------------

def test_two_layers_without_layer_refused(tmp_path):
    path = tmp_path / "two.gpkg"
    g = [shapely.box(111.58, 35.51, 111.5805, 35.5105)]
    gpd.GeoDataFrame({"a": [1]}, geometry=g, crs=4326).to_file(path, layer="parcels")
    gpd.GeoDataFrame({"a": [2]}, geometry=g, crs=4326).to_file(path, layer="roads")
    res = CliRunner().invoke(main, ["screen", str(path), "-o", str(tmp_path / "o.gpkg")])
    assert res.exit_code == 2, res.output
    assert "2 layers" in res.output and "parcels" in res.output and "roads" in res.output
    assert "--layer" in res.output and not (tmp_path / "o.gpkg").exists()
    res = CliRunner().invoke(main, ["screen", str(path), "--layer", "roads", "-o", str(tmp_path / "o.gpkg"), "-q"])
    assert res.exit_code == 0 and list(read_output(tmp_path / "o.gpkg")["a"]) == [2]
    res = CliRunner().invoke(main, ["map", "--parcels", str(path), "-o", str(tmp_path / "m.html")])
    assert res.exit_code == 2 and "--layer" in res.output and not (tmp_path / "m.html").exists()
