"""One proposal for ``check`` (geozones.io.footprint): WKT text, or a vector file whose
features are united, each equal to a plain shapely/geopandas reading."""

import geopandas as gpd
import numpy as np
import pytest
import shapely

from geozones.errors import GeometryError, InputError
from geozones.io import is_wgs84_lonlat, is_wkt_text, read_footprint, read_wkt_footprint


def test_wkt_text_equals_shapely():
    text = "POLYGON ((111.57 35.50, 111.58 35.50, 111.58 35.51, 111.57 35.50))"
    geom, crs, notes = read_footprint(text)
    assert geom.equals_exact(shapely.from_wkt(text), 0.0)
    assert crs.to_epsg() == 4326 and notes == [("assume_crs_default", {"crs": "EPSG:4326"})]
    geom2, crs2, notes2 = read_wkt_footprint(text, "EPSG:4546")
    assert geom2.equals_exact(geom, 0.0) and crs2.to_epsg() == 4546 and notes2 == []


def test_bad_and_empty_wkt_are_one_clear_error():
    with pytest.raises(GeometryError):
        read_wkt_footprint("POLYGON ((0 0, 1")
    with pytest.raises(GeometryError):
        read_wkt_footprint("POLYGON EMPTY")


def test_a_file_of_several_features_is_their_union(tmp_path):
    boxes = [shapely.box(111.57, 35.50, 111.58, 35.51), shapely.box(111.575, 35.505, 111.59, 35.52)]
    path = tmp_path / "two.geojson"
    gpd.GeoDataFrame({"n": [1, 2]}, geometry=boxes, crs=4326).to_file(path)
    geom, crs, notes = read_footprint(str(path))
    plain = gpd.read_file(path)
    assert geom.equals(shapely.union_all(np.asarray(plain.geometry.values)))
    assert ("assume_union", {"path": str(path), "n": 2}) in notes and is_wgs84_lonlat(crs)


def test_a_file_without_features_is_refused(tmp_path):
    path = tmp_path / "empty.gpkg"
    gpd.GeoDataFrame({"n": [1]}, geometry=[None], crs=4326).to_file(path)
    with pytest.raises(InputError):
        read_footprint(str(path))


def test_what_counts_as_wkt_text():
    assert is_wkt_text("POINT (1 2)") and is_wkt_text("x" * 4096)
    assert not is_wkt_text("parcels.gpkg") and not is_wkt_text("x" * 4095)
