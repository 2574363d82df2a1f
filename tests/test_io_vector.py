"""GDAL formats (geozones.io.vector): each read in chunks equals a plain pyogrio read of the
same file; a legacy-encoded shapefile read chunk by chunk; several layers refused; written
files read back by pyogrio as written."""

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pyproj
import pytest
import shapely

from geozones.errors import InputError
from geozones.io import open_reader, shapefile_field_names, write_vector
from geozones.io.vector import VectorReader

FORMATS = {"gpkg": "GPKG", "shp": "ESRI Shapefile", "fgb": "FlatGeobuf", "geojson": "GeoJSON",
           "kml": "KML"}


def _parcels(n: int = 7) -> gpd.GeoDataFrame:
    """Small polygons near the station, a text and a number column (Chinese text included)."""
    x0, y0 = 111.57, 35.50
    geoms = [shapely.box(x0 + i * 1e-3, y0, x0 + i * 1e-3 + 5e-4, y0 + 5e-4) for i in range(n)]
    return gpd.GeoDataFrame({"name": [f"地块{i}" for i in range(n)], "height": np.arange(n) * 3.0},
                            geometry=geoms, crs=4326)


def _values(df) -> dict:
    """Column -> values, a missing value as None whatever its dtype's marker."""
    return {c: [None if pd.isna(v) else v for v in df[c]] for c in df.columns}


def _read_all(path, chunk_size: int = 3, **kw):
    """Every chunk of our reader, joined: (attributes, geometries)."""
    src = open_reader(path, chunk_size=chunk_size, **kw)
    parts = list(src.chunks())
    assert all(len(df) <= chunk_size for df, _g, _r in parts)
    df = pd.concat([p[0] for p in parts], ignore_index=True)
    geoms = np.concatenate([p[1] for p in parts])
    return src, df, geoms


@pytest.mark.parametrize("ext", sorted(FORMATS))
def test_chunks_equal_a_plain_pyogrio_read(tmp_path, ext):
    path = tmp_path / f"p.{ext}"
    _parcels().to_file(path, driver=FORMATS[ext], engine="pyogrio")
    src, df, geoms = _read_all(path)
    plain = pyogrio.read_dataframe(path)
    assert src.kind == "gdal" and isinstance(src, VectorReader)
    assert src.n_rows == len(plain) == 7
    assert src.columns == [c for c in plain.columns if c != "geometry"]
    assert _values(df) == _values(plain.drop(columns="geometry"))
    assert all(shapely.equals_exact(a, b, 0.0) for a, b in zip(geoms, plain.geometry.values))
    assert src.crs.equals(plain.crs, ignore_axis_order=True)


def test_legacy_encoded_shapefile_is_read_chunk_by_chunk(tmp_path):
    path = tmp_path / "gbk.shp"
    _parcels().to_file(path, encoding="GBK", engine="pyogrio")
    path.with_suffix(".cpg").unlink(missing_ok=True)
    src, df, geoms = _read_all(path, chunk_size=2)
    assert src.encoding in ("GB18030", "GBK", "CP936")
    plain = pyogrio.read_dataframe(path, encoding="GBK")
    assert list(df["name"]) == list(plain["name"]) == [f"地块{i}" for i in range(7)]
    assert all(shapely.equals_exact(a, b, 0.0) for a, b in zip(geoms, plain.geometry.values))


def test_feature_api_read_equals_a_plain_read(tmp_path):
    # where GDAL's Arrow stream breaks, the rest is read feature by feature: from row 3 on
    path = tmp_path / "p.fgb"
    _parcels().to_file(path, engine="pyogrio")
    src = open_reader(path, chunk_size=2)
    parts = list(src._chunks_plain(3, None))
    plain = pyogrio.read_dataframe(path).iloc[3:]
    assert [len(p[0]) for p in parts] == [2, 2]
    assert list(pd.concat([p[0] for p in parts])["name"]) == list(plain["name"])
    geoms = np.concatenate([p[1] for p in parts])
    assert all(shapely.equals_exact(a, b, 0.0) for a, b in zip(geoms, plain.geometry.values))


def test_a_part_of_the_rows(tmp_path):
    path = tmp_path / "p.gpkg"
    _parcels().to_file(path, engine="pyogrio")
    parts = list(open_reader(path, chunk_size=2).chunks_in(2, 5))
    assert [list(p[0]["name"]) for p in parts] == [["地块2", "地块3"], ["地块4"]]


def test_several_layers_need_a_name(tmp_path):
    path = tmp_path / "two.gpkg"
    _parcels().to_file(path, layer="a", engine="pyogrio")
    _parcels(3).to_file(path, layer="b", engine="pyogrio")
    with pytest.raises(InputError, match="layer"):
        open_reader(path)
    assert open_reader(path, layer="b").n_rows == 3


@pytest.mark.parametrize("ext", sorted(FORMATS))
def test_written_files_read_back_as_written(tmp_path, ext):
    src = _parcels()
    out = write_vector(src, tmp_path / f"o.{ext}")
    back = pyogrio.read_dataframe(out)
    name = next(c for c in back.columns if c.lower() == "name")   # KML's own field: Name
    assert list(back[name]) == list(src["name"])
    # a shapefile turns the rings clockwise: the same polygons, vertex for vertex, once normalised
    assert all(shapely.equals_exact(shapely.normalize(a), shapely.normalize(b), 1e-12)
               for a, b in zip(back.geometry.values, src.geometry.values))


def test_shapefile_field_names_fit_without_breaking_characters():
    names = shapefile_field_names(["建筑物高度", "名称", "averyverylongname", "averyverylongnam2", "ok"])
    # 建筑物高度 is 15 bytes in UTF-8: cut after 3 characters (9 bytes), not inside the 4th
    assert names == {"建筑物高度": "建筑物", "averyverylongname": "averyveryl",
                     "averyverylongnam2": "averyver_1"}
    assert all(len(v.encode()) <= 10 for v in names.values())


def test_kml_output_holds_hostile_text_as_xml_can(tmp_path):
    """Issue 23 item 1: a screened KML is written by GDAL, which escapes `& < > "` but copied
    NUL-cut text, control characters and U+FFFE as they were (expat refused the file). Every
    text cell now reads back through an XML parser as XML can hold it (HOSTILE_TEXT's second
    column, worked by hand); numbers are untouched."""
    import xml.etree.ElementTree as ET

    from geometries import HOSTILE_TEXT

    texts = list(HOSTILE_TEXT.values())
    gdf = _parcels(len(texts))
    gdf["name"] = [t for t, _m in texts]
    out = tmp_path / "h.kml"
    write_vector(gdf, out)
    ns = {"k": "http://www.opengis.net/kml/2.2"}
    marks = ET.parse(out).getroot().findall(".//k:Placemark", ns)
    assert [m.find("k:name", ns).text for m in marks] == [m for _t, m in texts]
    heights = [float(m.find("k:ExtendedData//k:SimpleData[@name='height']", ns).text) for m in marks]
    assert heights == [3.0 * i for i in range(len(texts))]


def test_unknown_layer_listed_not_blamed_on_the_file(tmp_path):
    """Issue 23 item 12: a --layer the file does not have gave GDAL's "Layer 'x' could not be
    opened; check that it is a complete … file". It is refused naming the layer and listing the
    file's layers of features; a name that differs only in case is the layer GDAL would open."""
    from geozones.io import require_one_layer

    path = tmp_path / "two.gpkg"
    _parcels().to_file(path, layer="north", engine="pyogrio")
    _parcels(3).to_file(path, layer="south", engine="pyogrio")
    for read in (lambda: open_reader(path, layer="east"), lambda: require_one_layer(path, "east")):
        with pytest.raises(InputError) as err:
            read()
        assert err.value.key == "layer_unknown"
        assert str(err.value) == f"{path} has no layer 'east': use --layer with one of north, south"
    assert require_one_layer(path, "SOUTH") == "south"
    assert open_reader(path, layer="South").n_rows == 3


# --- malformed tables and clashing names (issue 23, items 4 and 9) -------------------------

def _dbf_records(shp, keep: int, header: bool) -> None:
    """Cut the shapefile's .dbf to ``keep`` records (or repeat its first records up to
    ``keep``), with its header's record count updated (``header``) or left as it was."""
    import struct

    dbf = shp.with_suffix(".dbf")
    data = bytearray(dbf.read_bytes())
    n = struct.unpack_from("<I", data, 4)[0]
    header_len, record_len = struct.unpack_from("<HH", data, 8)
    body = bytes(data[header_len: header_len + n * record_len])
    body = body[: keep * record_len] if keep <= n else body + body[: (keep - n) * record_len]
    out = bytearray(data[:header_len] + body + b"\x1a")
    if header:
        struct.pack_into("<I", out, 4, keep)
    dbf.write_bytes(bytes(out))


@pytest.mark.parametrize("keep", [3, 7])            # fewer and more records than the 5 shapes
@pytest.mark.parametrize("header", [True, False])   # the .dbf's record count updated, or not
def test_dbf_and_shp_not_as_many_is_refused(tmp_path, keep, header):
    # records pair with shapes by position: one missing shifts all after it, so the file is
    # refused in one line naming the counts (GDAL would drop shapes silently, or fail later)
    from geozones.io import read_vector

    shp = tmp_path / "p.shp"
    _parcels(5).to_file(shp)
    _dbf_records(shp, keep, header)
    want = (f"p.shp holds 5 shapes but p.dbf {keep} records" if header
            else f"the header of p.dbf counts 5 records but the file holds {keep}")
    for read in (lambda: open_reader(shp), lambda: read_vector(shp)):
        with pytest.raises(InputError, match=want):
            read()


def test_read_vector_keeps_an_attribute_named_geometry(tmp_path):
    # geopandas drops an attribute called "geometry" for the geometry: read_vector (horizon
    # --buildings, report, --pilot-boundary) keeps it as src_geometry, as screen writes it
    from conftest import write_table

    from geozones.io import read_vector

    for ext in ("gpkg", "shp", "geojson"):
        path = write_table(tmp_path / f"t.{ext}", {"id": ["a", "b"], "geometry": ["g-a", "g-b"], "GEOMETRY_2": ["x", "y"]})
        gdf, _crs, _notes = read_vector(path)
        assert list(gdf.columns) == ["id", "src_geometry", "GEOMETRY_2", "geometry"], ext
        assert list(gdf["src_geometry"]) == ["g-a", "g-b"] and gdf.geometry.name == "geometry"
        assert list(gdf.geometry.geom_type) == ["Polygon", "Polygon"]


def test_an_attribute_named_like_gdals_geometry_column_stays_an_attribute(tmp_path):
    # GDAL's Arrow stream calls a GeoJSON's geometry "wkb_geometry": an attribute of that name
    # is read as the attribute it is, the geometry as the geometry
    from conftest import TWO_SQUARES, write_table

    path = write_table(tmp_path / "t.geojson", {"id": ["a", "b"], "wkb_geometry": ["w-a", "w-b"]})
    (df, geoms, _raw), = open_reader(path).chunks()
    assert list(df.columns) == ["id", "wkb_geometry"] and list(df["wkb_geometry"]) == ["w-a", "w-b"]
    assert all(g.equals(want) for g, want in zip(geoms, TWO_SQUARES))


def test_text_not_in_the_encoding_is_its_rows_error(tmp_path):
    # a shapefile whose .cpg says UTF-8 but whose second name is GBK: that row is an error
    # row naming the column, its text shown with U+FFFD; the others are read
    from geozones.io import ROW_FAULT

    shp = tmp_path / "p.shp"
    src = _parcels(3)
    src["name"] = ["甲", "乙乙", "c"]
    pyogrio.write_dataframe(src, shp, encoding="GBK")
    shp.with_suffix(".cpg").write_text("UTF-8")
    (df, geoms, _raw), = open_reader(shp).chunks()
    faults = [None if f is None else str(f) for f in df[ROW_FAULT]]
    assert faults[2] is None and faults[0] == faults[1] == (
        "column 'name' holds bytes that are not UTF-8 (shown as �); name the file's encoding with --encoding (e.g. GB18030)")
    assert df["name"][2] == "c" and "\ufffd" in df["name"][1]
    assert all(g is not None for g in geoms)    # the geometry read all the same


def test_wkb_type_ids_read_from_the_headers():
    """The type of each WKB value from its 5-byte header alone, worked by hand: byte order
    1 (little) or 0 (big), then the code; ISO Z (+1000) and EWKB's flags (Z 0x80000000,
    SRID 0x20000000) name the same type; a curve (8: CircularString) has no shapely id."""
    import struct

    import pyarrow as pa

    from geozones.io.arrow import wkb_type_ids

    def head(order, code):
        return struct.pack("<BI" if order == 1 else ">BI", order, code) + b"\x00" * 8

    values = [head(1, 3), None, head(0, 2), b"\x01\x06", head(1, 1003), head(1, 0x20000001),
              head(0, 0x80000006)]
    assert wkb_type_ids(pa.array(values, pa.binary())) == {3, 1, 0, 6}   # the cut-short value left out
    assert wkb_type_ids(pa.array([head(1, 8)], pa.large_binary())) == {108}
    assert wkb_type_ids(pa.chunked_array([pa.array([head(1, 5)], pa.binary())[0:1]])) == {5}
    assert wkb_type_ids(pa.array([None, None], pa.binary())) == set()
    # as shapely's own encoder writes them, sliced (an offset into the buffers)
    geoms = [shapely.Point(0, 0), shapely.LineString([(0, 0), (1, 1)]), shapely.box(0, 0, 1, 1),
             shapely.MultiPoint([(0, 0)])]
    arr = pa.array(shapely.to_wkb(geoms), pa.binary())
    assert wkb_type_ids(arr.slice(1, 2)) == {1, 3}
    assert wkb_type_ids(arr) == set(shapely.get_type_id(geoms).tolist())


def _chunk_of(geoms, wkb, names):
    from geozones.io import OutputChunk

    frame = gpd.GeoDataFrame({"name": names}, geometry=gpd.GeoSeries(geoms, crs=4326), crs=4326)
    built = np.array([g is not None for g in geoms])
    return OutputChunk(frame, wkb=np.array(wkb, dtype=object),
                       as_read=(np.flatnonzero(~built), np.zeros((int((~built).sum()), 4))))


def test_shapefile_written_from_wkb_checks_its_family_on_rows_never_built(tmp_path):
    """A shapefile output takes the rows' WKB as the other formats do (a row a screen never
    built is only WKB): its one family is read from the headers. A MultiPolygon never built
    after Polygons is the same family (a shapefile's "Polygon"); a line is refused in one line."""
    from geozones.errors import OutputError
    from geozones.io import write_chunks

    box, multi = shapely.box(111.57, 35.5, 111.571, 35.501), shapely.MultiPolygon([shapely.box(111.58, 35.5, 111.581, 35.501)])
    line = shapely.LineString([(111.57, 35.5), (111.58, 35.51)])
    first = _chunk_of([box], [None], ["a"])
    later = _chunk_of([None], [shapely.to_wkb(multi)], ["b"])
    out = tmp_path / "o.shp"
    assert write_chunks(out, "ESRI Shapefile", pyproj.CRS(4326), iter([first, later])) == 2
    back = pyogrio.read_dataframe(out)
    assert pyogrio.read_info(out)["geometry_type"] == "Polygon"
    assert list(back["name"]) == ["a", "b"]
    assert shapely.equals(back.geometry.values, [box, multi]).all()
    assert out.with_suffix(".cpg").read_text() == "UTF-8"
    bad = _chunk_of([None], [shapely.to_wkb(line)], ["c"])
    with pytest.raises(OutputError, match="shapefile holds one kind"):
        write_chunks(tmp_path / "m.shp", "ESRI Shapefile", pyproj.CRS(4326), iter([_chunk_of([box], [None], ["a"]), bad]))
