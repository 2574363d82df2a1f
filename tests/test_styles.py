"""Colours and QGIS/KML styles (geozones/styles.py), checked against the tables and the
QML/KML formats themselves."""

import sqlite3
import xml.etree.ElementTree as ET

import geopandas as gpd
import shapely

from geozones.styles import VERDICT_COLOURS, add_qgis_style, colour_for, step_colours, steps_qml, verdict_qml, write_kml


def test_step_colours_run_red_to_green_with_a_colour_for_every_step():
    """Issue 25 item 5: 20 (or 60) steps get 20 (60) distinct colours of the one ramp, from its
    red to its green (before, every step past the 14th was the same green)."""
    for n in (1, 2, 14, 20, 60):
        c = step_colours(n)
        assert len(c) == len(set(c)) == n
        assert c[0] == "#67000d" and (n == 1 or c[-1] == "#238443")
    # halfway along 14 stops with 27 samples: sample 13 is stop 6.5, between #fdd49e and #fee8c8
    assert step_colours(27)[13] == "#fedeb3"   # (253.5→254, 222, 179)
    assert step_colours(0) == []


def test_steps_qml_has_one_category_per_distinct_band():
    """Two rows of one band give one category; the zero band and the 0-10 m band (both from 0)
    two, each with its own label and colour."""
    root = ET.fromstring(steps_qml([0, 10, 10, 20, 130, 140], ["none", "0-10", "0-10", "10-20", "120-130", "130-140"]))
    cats = list(root.iter("category"))
    assert [c.get("value") for c in cats] == ["0", "10", "20", "130", "140"]
    assert [c.get("label") for c in cats] == ["none", "0-10", "10-20", "120-130", "130-140"]
    fills = [next(o.get("value") for o in s.iter("Option") if o.get("name") == "color") for s in root.iter("symbol")]
    assert len(set(fills)) == 5 and fills[0] == "103,0,13,255" and fills[-1] == "35,132,67,255"


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


def _html_cells(fragment: str) -> list[str]:
    """The text of every <th>/<td> of an HTML fragment, as an HTML parser reads it."""
    from html.parser import HTMLParser

    cells: list[str] = []

    class Cells(HTMLParser):
        def handle_starttag(self, tag, attrs):
            if tag in ("th", "td"):
                cells.append("")

        def handle_data(self, data):
            if cells:
                cells[-1] += data

    p = Cells(convert_charrefs=True)
    p.feed(fragment)
    p.close()
    return cells


def test_kml_keeps_hostile_text_as_text(tmp_path):
    """Issue 23 item 1: names, attribute values, field names and the title, whatever they
    hold (`]]>`, `</script>`, quotes, NUL, CR, non-BMP), are text of the KML: an XML parser
    reads one Placemark per row with the values as XML can hold them (HOSTILE_TEXT's second
    column, worked by hand), and the description's HTML table shows them as cells."""
    from geometries import HOSTILE_TEXT

    texts = list(HOSTILE_TEXT.values())
    path = tmp_path / "h.kml"
    gdf = gpd.GeoDataFrame({"name": [t for t, _m in texts], "odd field ]]> \"q\"": [t for t, _m in reversed(texts)]},
                           geometry=[shapely.Point(111.5 + i / 100, 35.5) for i in range(len(texts))], crs=4326)
    write_kml(gdf, path, ["#d73027"] * len(texts), title=texts[0][0])
    ns = {"k": "http://www.opengis.net/kml/2.2"}
    root = ET.parse(path).getroot()
    assert root.find("k:Document/k:name", ns).text == texts[0][1]
    marks = root.findall(".//k:Placemark", ns)
    assert len(marks) == len(texts)
    for mark, (_t, name), (_r, other) in zip(marks, texts, reversed(texts)):
        assert mark.find("k:name", ns).text == name
        data = {d.get("name"): d.find("k:value", ns).text or "" for d in mark.findall("k:ExtendedData/k:Data", ns)}
        assert data == {"name": name, 'odd field ]]> "q"': other}
        assert _html_cells(mark.find("k:description", ns).text) == ["name", name, 'odd field ]]> "q"', other]
        assert mark.find("k:Point/k:coordinates", ns).text.endswith(",35.5000000")


def test_qml_labels_stay_attribute_values():
    """A zone label from a station file (user text) is an attribute value of the QML, read back
    by an XML parser as XML can hold it; one category per zone, whatever the labels hold."""
    from geometries import HOSTILE_TEXT

    from geozones.styles import zones_qml

    texts = list(HOSTILE_TEXT.values())
    ids = [f"z{i}" for i in range(len(texts))]
    root = ET.fromstring(zones_qml(ids, [t for t, _m in texts]))
    cats = root.findall(".//category")
    assert [(c.get("value"), c.get("label")) for c in cats] == list(zip(ids, [m for _t, m in texts]))
    assert len(root.findall(".//symbols/symbol")) == len(texts)
