"""A DXF drawing is several proposals: each entity on its own, with its layer's kind, one line
each and the worst (issue 25, item 2).

The drawing, placed in the station frame (metres from the field centre, north up) and written
in EPSG:4546 (CGCS2000 Gauss-Krüger zone 37), all at the one ``--height 20``:

- a road on layer 道路 (kind road), an open polyline 80 m north of the fence: its setback is
  "more than 50 m" (Art. 12.3 ①), 80 > 50 passes; a road has no height rule: unlimited;
- a tree ring on 树木 (kind vegetation), a block reference of a circle of radius 3 m centred
  103 m north: D = 100 m; planting that affects observation (Art. 16.4, our reading H ≤ D / 10)
  permits 10 m, 20 m needs the authority's consent: review;
- a building on 建筑 (kind building), a 10 m square 150 m north: H ≤ D / 10 = 15 m
  (Art. 12.3 ⑥), 20 m exceeds it by 5 m: fail. The worst, so the drawing fails.
"""

from __future__ import annotations

import json

import ezdxf
import numpy as np
import pytest
import shapely
from click.testing import CliRunner
from conftest import HALF, square_north
from pyproj import CRS

from geozones.cli import main
from geozones.core.coords import from_frame


def _cgcs(frame, geom):
    """A frame geometry's coordinates in EPSG:4546."""
    g = from_frame(np.array([geom], dtype=object), frame.crs, CRS.from_epsg(4546))[0]
    return [tuple(c) for c in np.asarray(g.exterior.coords if g.geom_type == "Polygon" else g.coords)]


@pytest.fixture
def site(tmp_path, frame):
    doc = ezdxf.new("R2010")
    msp = doc.modelspace()
    msp.add_lwpolyline(_cgcs(frame, shapely.LineString([(-50, HALF + 80), (50, HALF + 80)])),
                       dxfattribs={"layer": "道路"})
    tree = doc.blocks.new(name="TREE")
    tree.add_circle((0, 0), radius=3)
    msp.add_blockref("TREE", _cgcs(frame, shapely.Point(0, HALF + 103))[0], dxfattribs={"layer": "树木"})
    msp.add_lwpolyline(_cgcs(frame, square_north(150.0))[:-1], close=True, dxfattribs={"layer": "建筑"})
    msp.add_text("住宅楼", dxfattribs={"layer": "注释"})
    path = tmp_path / "site.dxf"
    doc.saveas(path)
    return path


def _check(path, *extra):
    res = CliRunner().invoke(main, ["check", "--footprint", str(path), "--crs", "EPSG:4546", "--height", "20", *extra])
    assert res.exit_code == 0, res.output
    return res.output


def test_each_entity_its_own_proposal_json(site):
    out = json.loads(_check(site, "--json"))
    got = [(e["layer"], e["entity"], e["kind"], e["kind_from"], e["verdict"]) for e in out["entities"]]
    assert got == [("道路", "LWPOLYLINE", "road", "layer", "pass"),
                   ("树木", "INSERT", "vegetation", "layer", "review"),
                   ("建筑", "LWPOLYLINE", "building", "layer", "fail")]
    d = [e["distance_m"] for e in out["entities"]]
    assert d == pytest.approx([80.0, 100.0, 150.0], abs=0.02)   # the circle's chords: within 1 cm
    limits = [e["max_height_m"] for e in out["entities"]]
    assert limits[0] is None and limits[1:] == pytest.approx([10.0, 15.0], abs=0.01)
    assert out["entities"][2]["exceedance_m"] == pytest.approx(5.0, abs=0.01)
    # the worst is the building, checked in full; the drawing's verdict is its
    assert (out["worst"], out["verdict"]) == (3, "fail")
    assert out["result"]["kind"] == "building" and out["result"]["max_height_m"] == pytest.approx(15.0, abs=0.01)
    assert [f["rule"] for f in out["result"]["findings"]] == ["height_ratio"]
    assert any("1 block references" in a and "ignored: 1 TEXT" in a for a in out["assumptions"])


def test_each_entity_its_own_line_text_en_and_zh(site):
    text = _check(site)
    lines = text.splitlines()
    assert lines[0].endswith("site.dxf: 3 entities, each checked as its own proposal")
    rows = [line.split() for line in lines[3:6]]
    assert rows[0] == ["1", "道路", "road", "PASS", "80.00", "m", "no", "height", "limit"]
    assert rows[1] == ["2", "树木", "vegetation", "REVIEW", "100.00", "m", "10.00", "m"]
    assert rows[2] == ["3", "建筑", "building", "FAIL", "150.00", "m", "15.00", "m"]
    assert "Worst: entity 3 (建筑, LWPOLYLINE" in text and "— FAIL" in text
    assert "Exceedance                5.00 m" in text
    zh = _check(site, "--lang", "zh")
    assert "3 个图元，各作为独立项目检查" in zh
    assert "最不利：第 3 个图元（建筑" in zh
    zrows = [line.split() for line in zh.splitlines()[3:6]]
    assert [r[:4] for r in zrows] == [["1", "道路", "道路", "通过"], ["2", "树木", "植物", "需审查"],
                                      ["3", "建筑", "建筑物", "不通过"]]


def test_a_layer_that_names_no_kind_takes_the_kind_given(tmp_path, frame):
    doc = ezdxf.new("R2010")
    doc.modelspace().add_lwpolyline(_cgcs(frame, square_north(150.0))[:-1], close=True, dxfattribs={"layer": "0"})
    path = tmp_path / "one.dxf"
    doc.saveas(path)
    out = json.loads(_check(path, "--json", "--kind", "vegetation"))
    (e,) = out["entities"]
    assert (e["kind"], e["kind_from"], e["verdict"]) == ("vegetation", "option", "review")


def test_report_lists_each_entity(tmp_path, site):
    page = tmp_path / "r.html"
    res = CliRunner().invoke(main, ["report", "--footprint", str(site), "--crs", "EPSG:4546", "--height", "20",
                                    "-o", str(page), "--lang", "zh"])
    assert res.exit_code == 0, res.output
    html = page.read_text(encoding="utf-8")
    table = html[html.index("图中各图元"):html.index("以下各节为其详情")]
    assert table.count("<tr") == 4   # the head and three entities
    for layer, verdict in (("道路", "通过"), ("树木", "需审查"), ("建筑", "不通过")):
        assert f"<td>{layer}</td>" in table and verdict in table
    assert "第 3 个" in html[html.index("以下各节为其详情") - 60:]


def test_screen_reads_the_same_entities_with_their_layers_kinds(tmp_path, site):
    import geopandas as gpd

    out = tmp_path / "o.gpkg"
    res = CliRunner().invoke(main, ["screen", str(site), "-o", str(out), "--crs", "EPSG:4546",
                                    "--default-height", "20", "-q"])
    assert res.exit_code == 0, res.output
    got = gpd.read_file(out, layer="site")
    assert list(got["kind"]) == ["road", "vegetation", "building"]
    assert list(got["gz_verdict"]) == ["pass", "review", "fail"]


def test_stations_with_a_drawing_is_one_line(site):
    res = CliRunner().invoke(main, ["check", "--footprint", str(site), "--crs", "EPSG:4546",
                                    "--stations", "data/stations"])
    assert res.exit_code == 2 and "Traceback" not in res.output
    assert len(res.output.strip().splitlines()) == 1 and "geozones screen" in res.output
