"""Outputs other GIS tools read cleanly: declared geometry type and layer name, GeoParquet 1.1,
Cloud Optimized GeoTIFF, permitted-height steps, QGIS styles, styled KML/KMZ."""

import json
import sqlite3
import zipfile

import geopandas as gpd
import numpy as np
import pyarrow.parquet as pq
import pyogrio
import pytest
import rasterio
import shapely
from click.testing import CliRunner
from conftest import HALF, TAN5, read_output, square_north
from pyproj import CRS

from geozones.cli import main
from geozones.core.coords import from_frame


def _parcels(frame, tmp_path, name="地块", ext=".gpkg"):
    geoms = from_frame(np.array([square_north(300.0), square_north(500.0)], dtype=object),
                       frame.crs, CRS.from_epsg(4546))
    gdf = gpd.GeoDataFrame({"id": ["a", "b"], "h": [31.0, 20.0]},
                           geometry=gpd.GeoSeries(geoms, crs=4546), crs=4546)
    path = tmp_path / f"in{ext}"
    gdf.to_file(path, layer=name) if ext == ".gpkg" else gdf.to_file(path)
    return path


@pytest.mark.parametrize("ext", [".gpkg", ".fgb"])
def test_screen_keeps_geometry_type_and_layer_name(tmp_path, frame, ext):
    src = _parcels(frame, tmp_path)
    out = tmp_path / f"out{ext}"
    res = CliRunner().invoke(main, ["screen", str(src), "-o", str(out), "--height-field", "h"])
    assert res.exit_code == 0, res.output
    layers = dict(pyogrio.list_layers(out))
    if ext == ".gpkg":
        assert layers["地块"] == "Polygon"        # not "Unknown (any)", and the input's name
    else:
        info = pyogrio.read_info(out)
        assert info["geometry_type"] == "Polygon"


def test_screen_gpkg_has_qgis_verdict_style(tmp_path, frame):
    src = _parcels(frame, tmp_path)
    out = tmp_path / "out.gpkg"
    assert CliRunner().invoke(main, ["screen", str(src), "-o", str(out), "--height-field", "h"]).exit_code == 0
    con = sqlite3.connect(out)
    table, column, qml, default = con.execute(
        "SELECT f_table_name, f_geometry_column, styleQML, useAsDefault FROM layer_styles").fetchone()
    assert (table, default) == ("地块", 1)
    assert column == con.execute("SELECT column_name FROM gpkg_geometry_columns").fetchone()[0]
    assert 'attr="gz_verdict"' in qml and 'value="fail"' in qml and "215,48,39,255" in qml
    assert con.execute("SELECT data_type FROM gpkg_contents WHERE table_name='layer_styles'").fetchone() == ("attributes",)


def test_geoparquet_1_1_with_bbox_covering(tmp_path, frame):
    src = _parcels(frame, tmp_path)
    out = tmp_path / "out.parquet"
    assert CliRunner().invoke(main, ["screen", str(src), "-o", str(out), "--height-field", "h"]).exit_code == 0
    meta = json.loads(pq.read_schema(out).metadata[b"geo"])
    col = meta["columns"]["geometry"]
    assert meta["version"] == "1.1.0"
    assert col["covering"]["bbox"]["xmin"] == ["bbox", "xmin"]
    assert col["geometry_types"] == ["Polygon"]
    table = pq.read_table(out)
    geoms = shapely.from_wkb(table.column("geometry").to_numpy(zero_copy_only=False))
    bbox = table.column("bbox").to_pylist()
    for g, b in zip(geoms, bbox):
        assert [b["xmin"], b["ymin"], b["xmax"], b["ymax"]] == pytest.approx(list(g.bounds))
    back = gpd.read_parquet(out).sort_values("gz_row")  # geopandas reads it; it screens again unchanged
    assert back.crs.to_epsg() == 4546 and list(back["gz_verdict"]) == ["fail", "pass"]
    again = tmp_path / "again.gpkg"
    res = CliRunner().invoke(main, ["screen", str(out), "-o", str(again), "--height-field", "h"])
    assert res.exit_code == 0, res.output
    assert "bbox" not in read_output(again, layer="out").columns


def test_heightlimit_is_a_cog_with_description_and_named_frame(tmp_path):
    out = tmp_path / "h.tif"
    res = CliRunner().invoke(main, ["heightlimit", "-o", str(out), "--resolution", "5",
                                    "--extent", "1500", "-q"])
    assert res.exit_code == 0, res.output
    with rasterio.open(out) as ds:
        assert ds.tags(ns="IMAGE_STRUCTURE")["LAYOUT"] == "COG"
        assert ds.block_shapes == [(256, 256)] and ds.overviews(1)
        assert "above the observation-field ground" in ds.descriptions[0]
        assert ds.units == ("m",)
        assert "station frame" in CRS(ds.crs.to_wkt()).name
        # a cell centre 300 m north of the field centre (287.5 m from the fence): D/10
        row, col = ds.index(2.5, 302.5)
        v = ds.read(1, window=((row, row + 1), (col, col + 1)))[0, 0]
        assert v == pytest.approx((302.5 - HALF) / 10.0, abs=0.01)


def test_zones_steps_polygons(tmp_path, frame):
    out = tmp_path / "steps.gpkg"
    res = CliRunner().invoke(main, ["zones", "-o", str(out), "--steps", "10", "--extent", "1200",
                                    "--resolution", "4", "--crs", "EPSG:4546"])
    assert res.exit_code == 0, res.output
    steps = read_output(out, layer="height_steps")
    assert dict(pyogrio.list_layers(out))["height_steps"] == "MultiPolygon"
    local = steps.to_crs(frame.crs)

    def band_at(x, y):
        hit = local[local.contains(shapely.Point(x, y))]
        assert len(hit) == 1
        return float(hit["from_m"].iloc[0]), float(hit["to_m"].iloc[0])

    # north, 300 m from the fence: D/10 = 30 m -> band 30-40; 250 m: 25 m -> 20-30
    assert band_at(0, HALF + 305) == (30.0, 40.0)
    assert band_at(0, HALF + 250) == (20.0, 30.0)
    # east (sunrise sector), 300 m: 300·tan5 = 26.2 m -> 20-30, stricter than north's 30-40
    assert band_at(HALF + 300, 0) == (20.0, 30.0)
    assert 300 * TAN5 < 30
    qml = sqlite3.connect(out).execute("SELECT styleQML FROM layer_styles").fetchone()[0]
    assert 'attr="from_m"' in qml


@pytest.mark.parametrize("ext", [".kml", ".kmz"])
def test_zones_kml_keeps_colours_and_attribute_table(tmp_path, ext):
    out = tmp_path / f"z{ext}"
    assert CliRunner().invoke(main, ["zones", "-o", str(out)]).exit_code == 0
    if ext == ".kmz":
        text = zipfile.ZipFile(out).read("doc.kml").decode()
    else:
        text = out.read_text(encoding="utf-8")
    # protection belt fill #d7301f as KML aabbggrr
    assert "<PolyStyle><color>6e1f30d7</color>" in text
    assert "<th>article</th><td>Art. 12.2</td>" in text
    assert '<Data name="zone"><value>protection</value></Data>' in text
    # GDAL reads it back as a valid KML with 7 placemarks
    gdf = read_output(out) if ext == ".kml" else None
    if gdf is not None:
        assert len(gdf) == 7


def test_zones_gpkg_style(tmp_path):
    out = tmp_path / "z.gpkg"
    assert CliRunner().invoke(main, ["zones", "-o", str(out)]).exit_code == 0
    qml = sqlite3.connect(out).execute("SELECT styleQML FROM layer_styles WHERE f_table_name='zones'").fetchone()[0]
    assert 'attr="zone"' in qml and 'value="protection"' in qml



def test_flatgeobuf_output_takes_a_multipolygon_after_polygons(tmp_path):
    """A GeoParquet input declaring two types, Polygons in the first chunk and a MultiPolygon
    in a later one: the FlatGeobuf output declares no single type (it refused the later row,
    "Mismatched geometry type", when it took the first chunk's; a reviewer's find)."""
    geoms = [shapely.box(552000 + 20 * i, 3930000, 552010 + 20 * i, 3930010) for i in range(10)]
    geoms[7] = shapely.MultiPolygon([geoms[7], shapely.box(552500, 3930500, 552510, 3930510)])
    src = tmp_path / "mixed.parquet"
    gpd.GeoDataFrame({"PID": range(10), "H": [5.0] * 10}, geometry=gpd.GeoSeries(geoms, crs=4546)).to_parquet(src)
    out = tmp_path / "o.fgb"
    r = CliRunner().invoke(main, ["screen", str(src), "-o", str(out), "--height-field", "H", "--chunk-size", "5", "-q"])
    assert r.exit_code == 0, r.output
    back = pyogrio.read_dataframe(out)
    assert back["PID"].tolist() == list(range(10)) and back.geometry.iloc[7].geom_type == "MultiPolygon"
