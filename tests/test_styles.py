"""Colours and QGIS/KML styles (geozones/styles.py), checked against the tables and the
QML/KML formats themselves."""

import sqlite3
import xml.etree.ElementTree as ET

import geopandas as gpd
import shapely

from geozones.styles import VERDICT_COLOURS, add_qgis_style, colour_for, step_colours, verdict_qml, write_kml


def test_step_colours_run_red_first_and_repeat_the_last():
    c = step_colours(20)
    assert len(c) == 20 and c[0] == "#67000d" and c[13] == c[19] == "#238443"
    assert step_colours(0) == []


def test_colour_for_takes_the_id_before_a_colon():
    assert colour_for(VERDICT_COLOURS, "fail") == "#d73027"
    assert colour_for({"pilot": "#4575b4"}, "pilot:pinglu") == "#4575b4"
    assert colour_for(VERDICT_COLOURS, "unheard-of") == "#999999"


def test_verdict_qml_is_xml_with_one_category_per_verdict():
    root = ET.fromstring(verdict_qml())
    values = [c.get("value") for c in root.iter("category")]
    assert values == list(VERDICT_COLOURS)
    assert root.find(".//renderer-v2").get("attr") == "gz_verdict"


def test_add_qgis_style_writes_the_layer_styles_table(tmp_path):
    path = tmp_path / "p.gpkg"
    gpd.GeoDataFrame({"gz_verdict": ["pass"]}, geometry=[shapely.box(0, 0, 1, 1)], crs=4326).to_file(path, layer="p")
    add_qgis_style(path, "p", verdict_qml(), "verdicts")
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT f_table_name, styleName, useAsDefault FROM layer_styles").fetchall()
    assert rows == [("p", "verdicts", 1)]


def test_kml_colours_are_alpha_blue_green_red(tmp_path):
    path = tmp_path / "z.kml"
    gdf = gpd.GeoDataFrame({"name": ["a"]}, geometry=[shapely.box(111.5, 35.5, 111.6, 35.6)], crs=4326)
    write_kml(gdf, path, ["#d73027"])
    text = path.read_text(encoding="utf-8")
    assert "2730d7" in text.lower() and "<Polygon>" in text       # KML writes aabbggrr
