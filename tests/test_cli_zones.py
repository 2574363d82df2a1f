"""`geozones zones`: zone and permitted-height step layers in every format, with styles."""

import sqlite3
import zipfile

import pyogrio
import pytest
import shapely
from click.testing import CliRunner
from conftest import HALF, TAN5, read_output

from geozones.cli import main


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
    _one_category_per_band(qml, steps)


def _one_category_per_band(qml, steps):
    """Issue 25 item 5: the QGIS style gives every band of the layer its own category, label
    and colour (by ``to_m``: ``from_m`` is 0 for both the "nothing may stand" band and the
    0-10 m band), the bands above 120 m included."""
    import xml.etree.ElementTree as ET

    root = ET.fromstring(qml)
    assert root.find(".//renderer-v2").get("attr") == "to_m"
    cats = list(root.iter("category"))
    values = [c.get("value") for c in cats]
    assert sorted(float(v) for v in values) == sorted(float(v) for v in steps["to_m"])   # one per band
    assert len(set(values)) == len(values) == len(steps)
    assert len({c.get("label") for c in cats}) == len(cats)
    colours = {}
    for sym in root.iter("symbol"):
        fill = next(o.get("value") for o in sym.iter("Option") if o.get("name") == "color")
        colours[sym.get("name")] = fill
    assert len({colours[c.get("symbol")] for c in cats}) == len(cats)   # a colour of its own each
    assert max(float(v) for v in values) > 150   # the layer reaches past 120 m, where the old ramp ran out


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
    # the attribute table (HTML, as the text of <description>) and the ExtendedData, as an XML parser reads them
    import xml.etree.ElementTree as ET

    ns = {"k": "http://www.opengis.net/kml/2.2"}
    marks = ET.fromstring(text.encode("utf-8")).findall(".//k:Placemark", ns)
    belt = next(m for m in marks if m.find("k:ExtendedData/k:Data[@name='zone']/k:value", ns).text == "protection")
    assert "<th>article</th><td>Art. 12.2</td>" in belt.find("k:description", ns).text
    # GDAL reads it back as a valid KML with 7 placemarks
    gdf = read_output(out) if ext == ".kml" else None
    if gdf is not None:
        assert len(gdf) == 7


def test_zones_gpkg_style(tmp_path):
    out = tmp_path / "z.gpkg"
    assert CliRunner().invoke(main, ["zones", "-o", str(out)]).exit_code == 0
    qml = sqlite3.connect(out).execute("SELECT styleQML FROM layer_styles WHERE f_table_name='zones'").fetchone()[0]
    assert 'attr="zone"' in qml and 'value="protection"' in qml


@pytest.fixture
def runner():
    return CliRunner()


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


def test_zones_steps_size_bomb_is_one_line_at_once(tmp_path):
    """A grid of 1.6·10¹¹ cells (issue 23, D): one line, exit 2, nothing written."""
    import time

    out = tmp_path / "s.gpkg"
    start = time.perf_counter()
    res = CliRunner().invoke(main, ["zones", "-o", str(out), "--steps", "10", "--extent", "100000",
                                    "--resolution", "0.5"])
    assert time.perf_counter() - start < 1.0
    assert res.exit_code == 2 and len(res.output.strip().splitlines()) == 1
    assert "400,000 × 400,000 = 160,000,000,000 cells, more than the limit of 50,000,000" in res.output
    assert not out.exists()
