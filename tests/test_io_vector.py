"""GDAL formats (geozones.io.vector): each read in chunks equals a plain pyogrio read of the
same file; a legacy-encoded shapefile read chunk by chunk; several layers refused; written
files read back by pyogrio as written."""

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
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
