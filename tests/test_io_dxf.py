"""DXF drawings in: closed polylines are footprints, open ones lines, the rest counted out."""


import math

import ezdxf
import numpy as np
import pytest
import shapely
from conftest import HALF, square_north
from pyproj import CRS

from geozones.core.coords import from_frame
from geozones.io import read_dxf


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


def test_read_dxf_types_and_counts(drawing):
    gdf, counts = read_dxf(drawing)
    assert list(gdf["entity"]) == ["LWPOLYLINE", "POLYLINE", "LWPOLYLINE", "INSERT"]
    assert list(gdf.geom_type) == ["Polygon", "Polygon", "LineString", "Polygon"]
    # each row carries its layer's kind (the alias table): 建筑 → building, 道路 → road
    assert list(gdf["kind"]) == ["building", "building", "road", "building"]
    assert list(gdf["block"]) == [None, None, None, "TREE"]
    # the block reference is one proposal: its circle of radius 2 placed at the insert point
    assert gdf.geometry.values[3].area == pytest.approx(math.pi * 4, rel=0.01)   # chords within 1 cm
    assert (counts.polygons, counts.lines, counts.blocks) == (2, 1, 1)
    assert "INSERT" not in counts.ignored and counts.ignored["TEXT"] == 1
    assert counts.ignored["MTEXT"] == 1 and counts.ignored["DIMENSION"] == 1
    only, c2 = read_dxf(drawing, layer="道路")
    assert list(only.geom_type) == ["LineString"] and c2.polygons == 0


def test_reader_equals_gdal_dxf_read(tmp_path):
    # GDAL's own DXF driver reads the same entities: the same handles and layers, its lines
    # are ours (in 2D), and its closed polyline is our polygon's ring
    import pyogrio

    from geozones.io import DxfReader, open_reader

    path = tmp_path / "plan.dxf"
    doc = ezdxf.new("R2010")
    msp = doc.modelspace()
    msp.add_line((0, 0), (10, 5), dxfattribs={"layer": "ROAD"})
    msp.add_lwpolyline([(0, 0), (5, 0), (5, 5)], dxfattribs={"layer": "A"})
    msp.add_lwpolyline([(20, 0), (25, 0), (25, 5), (20, 5)], close=True, dxfattribs={"layer": "B"})
    doc.saveas(path)
    src = open_reader(path, crs="EPSG:4546", chunk_size=2)
    assert isinstance(src, DxfReader) and src.n_rows == 3 and src.crs.to_epsg() == 4546
    parts = list(src.chunks())
    assert [len(p[0]) for p in parts] == [2, 1]
    handles = [h for p in parts for h in p[0]["handle"]]
    layers = [v for p in parts for v in p[0]["layer"]]
    geoms = [g for p in parts for g in p[1]]
    gdal = pyogrio.read_dataframe(path)
    assert handles == list(gdal["EntityHandle"]) and layers == list(gdal["Layer"])
    plain = shapely.force_2d(np.asarray(gdal.geometry.values))
    assert geoms[0].equals_exact(plain[0], 0.0) and geoms[1].equals_exact(plain[1], 0.0)
    assert geoms[2].geom_type == "Polygon" and geoms[2].equals_exact(shapely.Polygon(plain[2].coords), 0.0)


def test_a_dxf_needs_a_crs(tmp_path):
    from geozones.errors import InputError
    from geozones.io import open_reader

    path = tmp_path / "plan.dxf"
    doc = ezdxf.new("R2010")
    doc.modelspace().add_line((0, 0), (1, 1))
    doc.saveas(path)
    with pytest.raises(InputError, match="CRS|crs"):
        open_reader(path)


def test_a_circle_of_radius_1e14_is_refused_before_it_is_flattened(tmp_path, frame):
    """Flattened to 1 cm chords a circle of radius 10¹⁴ is about π / √(2 · 0.01 / 10¹⁴) = 2.2·10⁸
    vertices (issue 23, D): refused at once, naming the file, the entity and the limit."""
    import time

    from geozones.core.limits import using
    from geozones.errors import InputError

    doc = ezdxf.new("R2010")
    msp = doc.modelspace()
    x, y = _cgcs(frame, square_north(300.0))[0]
    msp.add_lwpolyline(_cgcs(frame, square_north(300.0))[:-1], close=True)
    tank = msp.add_circle((x, y), radius=1e14)
    path = tmp_path / "bomb.dxf"
    doc.saveas(path)
    start = time.perf_counter()
    with pytest.raises(InputError) as err:
        read_dxf(path)
    assert time.perf_counter() - start < 1.0
    text = str(err.value)
    assert text.startswith(f"DXF {path}: CIRCLE {tank.dxf.handle} would become about 268,435,457 vertices when "
                           "flattened to 0.01 drawing units, more than the limit of 1,000,000 (GEOZONES_MAX_VERTICES)")
    assert "(2e+14 units)" in text
    assert 268_435_457 > math.pi / math.sqrt(2 * 0.01 / 1e14)   # the estimate errs on the safe side
    # a tank of radius 10 m is 129 vertices; the limit is a setting
    tank.dxf.radius = 10.0
    doc.saveas(path)
    gdf, counts = read_dxf(path)
    assert counts.polygons == 2 and shapely.get_num_coordinates(gdf.geometry.values[1]) == 129
    with using(max_vertices=128), pytest.raises(InputError, match="about 129 vertices"):
        read_dxf(path)

