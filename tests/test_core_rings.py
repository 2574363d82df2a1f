"""Convex rings measured without geometries (geozones.core.rings) give what shapely gives.

Hand cases pin which rows take the path and the numbers it measures; an oracle compares the
whole assessment with and without the path on footprints placed where it must step aside
(the field, the sectors' edge rays, the pilot area, far-off and concave rows).
"""

from __future__ import annotations

import struct

import numpy as np
import pandas as pd
import pytest
import shapely
from geometries import FIELD
from pyproj import CRS, Transformer

from geozones.check import ZoneSet
from geozones.core import rings as R
from geozones.core.engine import assess_proposals
from geozones.core.proposals import Proposals
from geozones.core.zones import ZONES
from geozones.screen import ScreenOptions, screen_chunk


@pytest.fixture(scope="module")
def zones():
    return ZoneSet()


def _wkb(geoms, **kw):
    return shapely.to_wkb(np.asarray(geoms, dtype=object), **kw)


def test_from_wkb_takes_only_plain_single_rings():
    square = shapely.box(0, 0, 1, 1)
    cases = [
        square,                                                        # 0: taken
        shapely.box(0, 0, 3, 3).difference(shapely.box(1, 1, 2, 2)),   # 1: a hole
        shapely.MultiPolygon([square]),                                # 2: one part: taken
        shapely.Point(1, 1),                                           # 3: a point
        shapely.LineString([(0, 0), (1, 1)]),                          # 4: a line
        shapely.Polygon([(0, 0, 1), (1, 0, 1), (1, 1, 1), (0, 0, 1)]),  # 5: Z
    ]
    raw = _wkb(cases)
    big_endian = _wkb([square], byte_order=0)[0]
    with_srid = shapely.to_wkb(shapely.set_srid(square, 4546), include_srid=True)
    trailing = raw[0] + b"\x00"
    # a ring whose last vertex is not its first (shapely refuses to read it)
    open_ring = struct.pack("<BIII", 1, 3, 1, 4) + struct.pack("<8d", 0, 0, 1, 0, 1, 1, 0, 1)
    nan_vertex = struct.pack("<BIII", 1, 3, 1, 4) + struct.pack("<8d", 0, 0, np.nan, 0, 1, 1, 0, 0)
    many = shapely.Point(0, 0).buffer(10, quad_segs=80)   # 321 vertices: left to shapely
    assert len(R.from_wkb(_wkb([many]))) == 0 and R.MAX_VERTICES < 321
    two_parts = _wkb([shapely.MultiPolygon([square, shapely.box(5, 5, 6, 6)])])[0]
    big_endian_part = b"\x01\x06\x00\x00\x00\x01\x00\x00\x00" + big_endian  # LE outside, BE inside
    raw = np.array([*raw, big_endian, with_srid, trailing, open_ring, nan_vertex, None, "POINT (1 1)",
                    b"\x01\x03\x00\x00", b"", raw[0], two_parts, big_endian_part], dtype=object)
    r = R.from_wkb(raw)
    assert r.rows.tolist() == [0, 2, 15]   # the square, as a polygon, as one part, and again
    assert r.x.tolist() == [1, 1, 0, 0, 1] * 3 and r.y.tolist() == [0, 1, 1, 0, 0] * 3
    assert r.offsets.tolist() == [0, 5, 10, 15]
    assert r.multi.tolist() == [False, True, False]
    # made geometries again, each is what was read
    assert shapely.equals_exact(r.polygons(), shapely.from_wkb(raw[r.rows]), tolerance=0).all()
    assert [g.geom_type for g in r.polygons()] == ["Polygon", "MultiPolygon", "Polygon"]


def _rings_of(polys):
    return R.from_wkb(_wkb(polys))


def test_convex_rings():
    star = shapely.Polygon([(np.cos(k * 4 * np.pi / 5), np.sin(k * 4 * np.pi / 5)) for k in range(5)])
    polys = [
        shapely.box(0, 0, 2, 1),                                   # convex, counter-clockwise
        shapely.Polygon([(0, 0), (0, 1), (2, 1), (2, 0)]),         # convex, clockwise
        shapely.Polygon([(0, 0), (1, 1), (1, 0), (0, 1)]),         # a bow tie
        shapely.Polygon([(0, 0), (2, 0), (2, 2), (1, 1), (0, 2)]),  # a dent
        shapely.Polygon([(0, 0), (1, 0), (2, 0), (2, 2), (0, 2)]),  # a straight vertex
        shapely.Polygon([(0, 0), (1, 0), (1, 0), (1, 1), (0, 1)]),  # a repeated vertex
        star,                                                      # turns one way, twice around
        shapely.Point(0, 0).buffer(10, quad_segs=16),              # 64 vertices
    ]
    assert _rings_of(polys).rows.tolist() == list(range(8))
    assert R.convex(_rings_of(polys)).tolist() == [True, True, False, False, False, False, False, True]
    # every ring convex() accepts is valid to GEOS
    assert shapely.is_valid(np.array(polys, dtype=object))[R.convex(_rings_of(polys))].all()


def test_area_is_geos_area_to_the_bit():
    rng = np.random.default_rng(5)
    c = rng.uniform(-5000, 5000, (300, 2)) + 3.7e6
    polys = [shapely.affinity.rotate(shapely.box(x, y, x + rng.uniform(5, 80), y + rng.uniform(5, 80)),
                                     rng.uniform(0, 90), origin="centroid") for x, y in c]
    polys += [shapely.Point(x, y).buffer(rng.uniform(3, 40), quad_segs=k) for (x, y), k in
              zip(c[:50], rng.integers(1, 9, 50))]
    r = _rings_of(polys)
    assert len(r) == len(polys)
    assert np.array_equal(r.area_m2(), shapely.area(np.array(polys, dtype=object)))
    # a 10 m x 20 m rectangle: 200 m², by hand
    assert _rings_of([shapely.box(100, 100, 110, 120)]).area_m2().tolist() == [200.0]


def test_measure_rings_by_hand(zones):
    """Field: 25 m square at the origin (fence 12.5 m from the centre); sunrise sector
    60.06°-118.58°, sunset 241.42°-299.94° (azimuths from north)."""
    frame = zones.frame
    polys = [
        shapely.box(-5, 295, 5, 305),         # north, 300 m: D = 295 - 12.5 = 282.5, no sector
        shapely.box(995, -5, 1005, 5),        # east (90°), 1000 m: D = 995 - 12.5 = 982.5, sunrise
        shapely.box(-2005, -5, -1995, 5),     # west (270°): D = 1995 - 12.5 = 1982.5, sunset
        # the fence's corner (12.5, 12.5) to the box's corner (112.5, 112.5): D = 100 √2
        shapely.box(112.5, 112.5, 130, 130),
        shapely.box(0, 10, 30, 40),           # over the field's box: left to GEOS
    ]
    # the sunrise edge ray at 60.06°: a box across it
    a = np.radians(frame.sun_azimuths["sunrise"][0])
    cx, cy = 3000 * np.sin(a), 3000 * np.cos(a)
    polys.append(shapely.box(cx - 5, cy - 5, cx + 5, cy + 5))
    r = _rings_of(polys)
    distance, sun_d, decided = frame.measure_rings(r)
    assert decided.tolist() == [True, True, True, True, False, False]
    assert distance[:4] == pytest.approx([282.5, 982.5, 1982.5, 100 * np.sqrt(2)], abs=1e-9)
    assert np.isnan(sun_d[0]) and np.isnan(sun_d[3])
    assert sun_d[1:3] == pytest.approx([982.5, 1982.5], abs=1e-9)
    # what GEOS measures on the polygons, to the bit
    m = frame.measure(np.array(polys[:4], dtype=object))
    assert np.array_equal(distance[:4], m.distance_m)
    assert np.array_equal(sun_d[:4], m.sun_distance_m, equal_nan=True)


def _oracle_polygons(frame, rng):
    """Footprints in the station frame where the ring path must step aside, and plain ones."""
    polys = []
    n = 1500
    r = 9000 * np.sqrt(rng.random(n))
    az = rng.random(n) * 2 * np.pi
    for radius, a in zip(r, az):
        x, y = radius * np.sin(a), radius * np.cos(a)
        w, h = rng.uniform(5, 60, 2)
        polys.append(shapely.affinity.rotate(shapely.box(x - w / 2, y - h / 2, x + w / 2, y + h / 2),
                                             rng.uniform(0, 90), origin="centroid"))
    for start, end in frame.sun_azimuths.values():   # across each edge ray, just in, just out
        for edge in (start, end):
            for d in rng.uniform(30, 12000, 40):
                for nudge in (-1e-4, 0.0, 1e-4):
                    e = np.radians(edge + nudge)
                    x, y = d * np.sin(e), d * np.cos(e)
                    polys.append(shapely.box(x - 3, y - 3, x + 3, y + 3))
    for x, y in rng.uniform(-60, 60, (60, 2)):      # around the field
        polys.append(shapely.box(x, y, x + rng.uniform(1, 30), y + rng.uniform(1, 30)))
    for d in (49.999, 50.0, 50.001, 999.999, 1000.0, 1000.001, 2000.0):  # on band edges
        polys.append(shapely.box(12.5 + d, -5, 12.5 + d + 10, 5))
    polys.append(shapely.Polygon([(100, 100), (300, 100), (300, 300), (200, 150), (100, 300)]))  # a dent
    px, py = -33386.5, -73827.1                      # the pilot area and its edge
    for dx in (-4500, -4000, 0, 3900, 4100):
        polys.append(shapely.box(px + dx, py, px + dx + 40, py + 40))
    polys.append(shapely.box(130000, 0, 130050, 50))  # far off: refused with a diagnosis
    return polys


@pytest.mark.parametrize("epsg", [4546, 4490])
def test_ring_path_equals_the_geometry_path(zones, epsg):
    rng = np.random.default_rng(13)
    frame = zones.frame
    local = np.array(_oracle_polygons(frame, rng), dtype=object)
    local[::5] = [shapely.MultiPolygon([g]) for g in local[::5]]   # one part: rings too
    to_src = Transformer.from_crs(frame.crs, CRS.from_epsg(epsg), always_xy=True)
    src = shapely.transform(local, lambda x, y: to_src.transform(x, y), interleaved=False)
    raw = _wkb(src)
    geoms = shapely.from_wkb(raw)
    heights = rng.uniform(0, 120, len(geoms))
    runs = {}
    for use in (False, True):
        p = Proposals.build(zones, geoms, raw=raw, crs=f"EPSG:{epsg}", height_m=heights, rings=use)
        runs[use] = (p, assess_proposals(zones, p))
    p1, a1 = runs[True]
    p0, a0 = runs[False]
    assert p1.rings is not None and len(p1.rings) > 0.8 * len(geoms)   # the path was taken
    assert p1.rings.multi.sum() > 0.15 * len(geoms)
    assert p0.rings is None
    undecided = ~frame.measure_rings(p1.rings)[2]
    assert 100 < undecided.sum() < len(p1.rings) / 2   # and stepped aside where it must
    m0, m1 = a0.measurements, a1.measurements
    # an independent reference first: D is shapely's distance to the fence box in the frame
    # (the round trip through the source CRS moves a vertex by well under a millimetre)
    # (rows too far to be measured, D NaN, left out)
    got = m1.distance_m
    measured = ~np.isnan(got)
    assert measured.mean() > 0.9
    np.testing.assert_allclose(got[measured], shapely.distance(local, FIELD)[measured], rtol=0, atol=1e-3)
    # and the zone from that D by the plan's lines (RULES.md: 0 / 50 / 1000 / 2000 m, 1 mm
    # tolerance; rows within 1 cm of a line left out), on the ring path
    d = shapely.distance(local, FIELD)
    clear = measured & (np.min([np.abs(d - v) for v in (50.001, 1000.001, 2000.001)], axis=0) > 0.01)
    want = np.select([d == 0.0, d <= 50.001, d <= 1000.001, d <= 2000.001],
                     ["body", "protection", "control", "general"], "outside")
    assert clear.sum() > 0.8 * len(local)
    assert np.asarray(ZONES)[m1.zone[clear]].tolist() == want[clear].tolist()
    # equal to the bit here (GEOS's formulas); 1e-9 m leaves room for a GEOS built with
    # fused multiply-adds
    assert np.allclose(m1.distance_m, m0.distance_m, rtol=0, atol=1e-9, equal_nan=True)
    assert np.array_equal(np.isnan(m1.sun_distance_m), np.isnan(m0.sun_distance_m))
    assert np.allclose(m1.sun_distance_m, m0.sun_distance_m, rtol=0, atol=1e-9, equal_nan=True)
    for name in ("zone", "in_general", "in_protected", "area"):
        assert np.array_equal(getattr(m1, name), getattr(m0, name)), name
    assert np.array_equal(a1.verdict_code, a0.verdict_code)
    assert np.array_equal(a1.max_height_m, a0.max_height_m, equal_nan=True)
    assert [str(x) for x in a1.problems] == [str(x) for x in a0.problems]
    assert np.allclose(p1.footprint_area_m2(), p0.footprint_area_m2(), rtol=1e-12, equal_nan=True)
    assert (a1.in_pilot.sum(), (a1.verdict_code == 3).sum()) == (a0.in_pilot.sum(), (a0.verdict_code == 3).sum())
    assert a1.in_pilot.any()   # the oracle reached the pilot area
    # the geometries the ring rows stand for, made on demand, are the other path's
    g1 = p1.with_geoms().geoms
    rows = p1.rings.rows
    assert shapely.equals_exact(g1[rows], p0.geoms[rows], tolerance=1e-6).all()
    # the caller's array is not touched
    assert np.array_equal(geoms, shapely.from_wkb(raw))


def test_screen_chunk_same_with_the_path_off(zones, monkeypatch):
    rng = np.random.default_rng(2)
    frame = zones.frame
    local = np.array(_oracle_polygons(frame, rng)[:400], dtype=object)
    to_src = Transformer.from_crs(frame.crs, CRS.from_epsg(4546), always_xy=True)
    src = shapely.transform(local, lambda x, y: to_src.transform(x, y), interleaved=False)
    raw = _wkb(src)
    df = pd.DataFrame({"PID": np.arange(len(src)), "H": rng.uniform(0, 90, len(src))})
    opts = ScreenOptions(height_field="H")
    on = screen_chunk(df, shapely.from_wkb(raw), raw, CRS.from_epsg(4546), zones, opts)
    monkeypatch.setattr(R, "ENABLED", False)
    off = screen_chunk(df, shapely.from_wkb(raw), raw, CRS.from_epsg(4546), zones, opts)
    pd.testing.assert_frame_equal(on[0], off[0])
    # and both against an independent D: shapely's distance to the fence box in the frame
    got = on[0]["gz_distance_m"].to_numpy(dtype=float)
    measured = ~np.isnan(got)
    assert measured.mean() > 0.9
    np.testing.assert_allclose(got[measured], shapely.distance(local, FIELD)[measured], rtol=0, atol=1e-3)
    assert np.array_equal(on[2], off[2])
    assert np.allclose(on[3], off[3], rtol=1e-12, equal_nan=True)


@pytest.mark.parametrize("src_ext,out_ext,sort", [("parquet", "parquet", "hilbert"), ("parquet", "gpkg", None),
                                                  ("gpkg", "parquet", "none"), ("gpkg", "fgb", None),
                                                  ("parquet", "shp", None), ("shp", "shp", None)])
def test_screen_file_leaves_no_row_unwritten(zones, tmp_path, monkeypatch, src_ext, out_ext, sort):
    """The reader leaves WKB unread for the core, which builds geometries only for the rows
    off the ring path: every row still comes out with its geometry as read, the same file
    as with every row read (rings.ENABLED False), whatever the row's fate (a ring with a bad
    height, a ring far off, a concave one, unreadable bytes, none, empty, multi-part)."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    import pyogrio

    from geozones.screen import screen_file

    rng = np.random.default_rng(8)
    frame = zones.frame
    local = np.array(_oracle_polygons(frame, rng)[:300], dtype=object)
    to_src = Transformer.from_crs(frame.crs, CRS.from_epsg(4546), always_xy=True)
    src_geoms = shapely.transform(local, lambda x, y: to_src.transform(x, y), interleaved=False)
    extra = [shapely.MultiPolygon([src_geoms[0]]), shapely.Polygon(), None]
    geoms = np.array([*src_geoms, *extra], dtype=object)
    heights = rng.uniform(0, 90, len(geoms))
    heights[[3, 7]] = -5.0                               # rings whose row gets a problem
    wkb = list(_wkb(geoms))
    wkb[11] = b"\x01\x03\x00\x00"                       # cut short: unreadable
    wkb[12] = _wkb([geoms[12]], byte_order=0)[0]         # big-endian
    table = pa.table({"PID": np.arange(len(geoms)), "H": heights, "geometry": pa.array(wkb, pa.binary())})
    import geopandas as gpd

    src = tmp_path / f"in.{src_ext}"
    gdf = gpd.GeoDataFrame({"PID": table["PID"].to_numpy(), "H": heights},
                           geometry=gpd.GeoSeries(shapely.from_wkb(wkb, on_invalid="ignore"), crs=4546))
    if src_ext == "parquet":
        gdf.to_parquet(src)
        meta = pq.read_metadata(src).metadata
        pq.write_table(table.replace_schema_metadata(meta), src)   # the bytes as given, bad one too
    else:
        gdf.to_file(src, engine="pyogrio")
    outs = {}
    for flag in ("1", "0"):
        monkeypatch.setattr(R, "ENABLED", flag == "1")
        out = tmp_path / f"out{flag}.{out_ext}"
        screen_file(src, out, zones=zones, opts=ScreenOptions(height_field="H"), sort=sort)
        outs[flag] = out
    if out_ext == "parquet":
        a, b = pq.read_table(outs["1"]), pq.read_table(outs["0"])
        assert a.equals(b)
        got = a.sort_by("PID") if "gz_row" not in a.column_names else a.take(np.argsort(a["gz_row"].to_numpy()))
        gw = got["geometry"].to_pylist()
    else:
        a = pyogrio.read_dataframe(outs["1"])
        b = pyogrio.read_dataframe(outs["0"])
        pd.testing.assert_frame_equal(pd.DataFrame(a.drop(columns="geometry")), pd.DataFrame(b.drop(columns="geometry")))
        both_none = a.geometry.isna().to_numpy() & b.geometry.isna().to_numpy()
        assert (shapely.equals_exact(a.geometry.values, b.geometry.values, tolerance=0) | both_none).all()
        gw = list(shapely.to_wkb(a.geometry.values))
    if out_ext == "shp":   # a shapefile turns the rings clockwise: compared once normalised
        gw = [None if g is None else shapely.to_wkb(shapely.normalize(shapely.from_wkb(g))) for g in gw]
    assert len(gw) == len(geoms)
    # the input as a reader sees it (GDAL made every polygon of the GeoPackage multi-part)
    read = (shapely.from_wkb(wkb, on_invalid="ignore") if src_ext == "parquet"
            else pyogrio.read_dataframe(src).geometry.values)
    if out_ext == "shp":   # and holds a one-part MultiPolygon as a Polygon
        read = shapely.normalize([g.geoms[0] if isinstance(g, shapely.MultiPolygon) and len(g.geoms) == 1 else g
                                  for g in read])
    for i, g in enumerate(read):   # every readable, non-empty row comes out as given
        if g is not None and not g.is_empty:
            assert gw[i] is not None and shapely.equals_exact(shapely.from_wkb(gw[i]), g, tolerance=0), i


def test_a_parcel_on_a_band_edge_gets_one_answer_alone_or_in_a_batch(zones, monkeypatch):
    """A road 1e-9 m either side of the protection range's edge (D = 50 m + 1 mm tolerance):
    checked alone in a fresh process, screened in a small batch with or without the ring
    path, or in a large one, it gets the same D to the bit, so the same zone and verdict
    (a reviewer found PROJ for a small call and the polynomial for a large one flipping it)."""
    from geozones.core import fastframe

    frame = zones.frame
    to_src = Transformer.from_crs(frame.crs, CRS.from_epsg(4546), always_xy=True)
    rng = np.random.default_rng(1)
    fill = []
    for k in range(60):   # boxes (rings) and dented parcels (geometries), 1-24 km out
        d, a = rng.uniform(1000, 24000), rng.uniform(0, 2 * np.pi)
        x, y = d * np.sin(a), d * np.cos(a)
        fill.append(shapely.box(x, y, x + 20, y + 20) if k < 39 else
                    shapely.Polygon([(x, y), (x + 20, y), (x + 20, y + 20), (x + 10, y + 5), (x, y + 20)]))
    road = shapely.box(12.5 + 50.001, -5, 12.5 + 60, 5)
    src = shapely.transform(np.array([road, *fill], dtype=object), lambda x, y: to_src.transform(x, y),
                            interleaved=False)
    raw = _wkb(src)
    seen = set()
    for n, use in ((1, False), (61, True), (61, False), (len(src), True)):
        monkeypatch.setattr(fastframe, "_cache", {})   # a fresh process each time
        geoms = shapely.from_wkb(raw[:n])
        p = Proposals.build(zones, geoms, raw=raw[:n] if n > 1 else None, crs="EPSG:4546",
                            height_m=0.0, kind="road", rings=use)
        a = assess_proposals(zones, p)
        seen.add((a.measurements.distance_m[0], int(a.measurements.zone[0]), int(a.verdict_code[0])))
    assert len(seen) == 1
    assert abs(next(iter(seen))[0] - 50.001) < 1e-6


@pytest.mark.parametrize("many", [False, True])
def test_a_repaired_unreadable_row_is_written_repaired(zones, tmp_path, many):
    """An unclosed ring cannot be read; it is closed and made valid, and that repair is what
    is written, never the unreadable bytes (even where the repair has as many vertices as
    they do, which made them look like shapely's encoding of it; a reviewer's case)."""
    import json
    import struct

    import pyarrow as pa
    import pyarrow.parquet as pq

    from geozones.screen import screen_file

    def le_polygon(ring):
        return (struct.pack("<BIII", 1, 3, 1, len(ring))
                + b"".join(struct.pack("<2d", *p) for p in ring))

    x0, y0 = 552000.0, 3930000.0
    bowtie_open = le_polygon([(x0 + 10 * a, y0 + 10 * b) for a, b in [(3, 3), (1, 3), (1, 1), (3, 3), (2, 2)]])
    square_open = le_polygon([(x0 + 100, y0), (x0 + 110, y0), (x0 + 110, y0 + 10), (x0 + 100, y0 + 10)])
    good = shapely.to_wkb(shapely.box(x0 + 200, y0, x0 + 210, y0 + 10))
    wkb = [bowtie_open, square_open, good]
    col = {"encoding": "WKB", "geometry_types": ["Polygon"], "crs": CRS.from_epsg(4546).to_json_dict()}
    meta = {b"geo": json.dumps({"version": "1.1.0", "primary_column": "geometry",
                                "columns": {"geometry": col}}).encode()}
    src = tmp_path / "in.parquet"
    pq.write_table(pa.table({"PID": [0, 1, 2], "H": [10.0] * 3, "geometry": pa.array(wkb, pa.binary())})
                   .replace_schema_metadata(meta), src)
    out = tmp_path / "out.parquet"
    if many:   # a station network (the same station) takes its own path through the chunk
        from geozones.check import StationNetwork
        from geozones.station import load_station

        zones = StationNetwork([load_station()])
    screen_file(src, out, zones=zones, opts=ScreenOptions(height_field="H"), sort="none")
    got = pq.read_table(out)
    assert got["gz_status"].to_pylist()[:2] == ["repaired", "repaired"]
    for i in (0, 1):
        expect = shapely.make_valid(shapely.from_wkb(wkb[i], on_invalid="fix"))
        written = got["geometry"][i].as_py()
        assert written != wkb[i]
        assert shapely.equals_exact(shapely.from_wkb(written), expect, tolerance=0), i
    assert got["geometry"][2].as_py() == good


def test_screen_chunk_still_unpacks_into_four(zones):
    raw = _wkb([shapely.box(552000, 3930000, 552010, 3930010)])
    res = screen_chunk(pd.DataFrame({"H": [3.0]}), np.array([None], dtype=object), raw,
                       CRS.from_epsg(4546), zones, ScreenOptions(height_field="H"))
    cols, written, residential, floor_area = res
    assert cols["gz_verdict"].tolist() == ["pass"] and written[0] is None   # left to its WKB
    assert res.as_read[0].tolist() == [0] and res.as_read[1][0].tolist() == [552000, 3930000, 552010, 3930010]
    assert res.columns is cols and not res.unreadable.any()


def test_a_flatgeobuf_with_a_null_geometry_is_read_not_crashed_on(zones, tmp_path):
    """GDAL's FlatGeobuf Arrow stream gives a null geometry offsets that run backwards, and
    converting that batch crashed the process (exit 139; a reviewer found it, with files
    geozones writes itself). The batch is checked first and such a file read feature by
    feature: every row comes out, the null one with its error."""
    import geopandas as gpd
    import pyarrow.parquet as pq

    from geozones.screen import screen_file

    src = tmp_path / "null.fgb"
    gpd.GeoDataFrame({"PID": [0, 1, 2], "H": [5.0, 6.0, 7.0]}, geometry=gpd.GeoSeries(
        [shapely.box(552000, 3930000, 552010, 3930010), None, shapely.box(552100, 3930000, 552110, 3930010)],
        crs=4546)).to_file(src, engine="pyogrio", SPATIAL_INDEX="NO")
    for chunk in (25_000, 2):
        out = tmp_path / f"out{chunk}.parquet"
        screen_file(src, out, zones=zones, opts=ScreenOptions(height_field="H"), sort="none", chunk_size=chunk)
        got = pq.read_table(out).to_pandas()
        assert got["PID"].tolist() == [0, 1, 2]
        assert got["gz_verdict"].tolist() == ["pass", "error", "pass"]
        assert got["geometry"][1] is None and got["geometry"][0] == shapely.box(552000, 3930000, 552010, 3930010).wkb


@pytest.mark.parametrize("counts", [[5] * 40, [4, 5, 9, 5] * 10, [17] * 8])
def test_reduce_by_columns_equals_reduceat(counts):
    # rings of as many vertices each: minima, maxima, all() column by column; sums as
    # reduceat adds them (pairwise after the first term: not the same doubles by columns)
    rng = np.random.default_rng(3)
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    x = rng.normal(0, 1e4, offsets[-1])
    r = R.Rings(np.arange(len(counts)), x, x.copy(), offsets)
    for ufunc in (np.add, np.minimum, np.maximum):
        assert np.array_equal(r.reduce(x, ufunc), ufunc.reduceat(x, offsets[:-1]))
    flags = x > 0
    assert np.array_equal(r.reduce(flags, np.logical_and), np.logical_and.reduceat(flags, offsets[:-1]))
    assert r._same_count == (counts[0] if len(set(counts)) == 1 and counts[0] <= 16 else 0)
