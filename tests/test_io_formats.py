"""The extension table (geozones.io.formats): the reader and the output driver a path names,
and a DWG drawing refused in one place, with one message, by every reader."""

import pytest

from geozones.errors import InputError, OutputError
from geozones.io import driver_for, input_kind, open_reader, read_footprint, read_vector


@pytest.mark.parametrize(("name", "kind"), [("a.csv", "csv"), ("a.TSV", "csv"), ("a.txt", "csv"),
                                            ("a.parquet", "parquet"), ("a.GeoParquet", "parquet"),
                                            ("a.dxf", "dxf"), ("a.gpkg", "gdal"), ("a.shp", "gdal"),
                                            ("a.fgb", "gdal"), ("a.kml", "gdal"), ("a.gdb", "gdal")])
def test_input_kinds(name, kind):
    assert input_kind(name) == kind


@pytest.mark.parametrize(("name", "driver"), [("o.gpkg", "GPKG"), ("o.SHP", "ESRI Shapefile"),
                                              ("o.json", "GeoJSON"), ("o.fgb", "FlatGeobuf"),
                                              ("o.geoparquet", "Parquet"), ("o.csv", "CSV"), ("o.kml", "KML")])
def test_output_drivers(name, driver):
    assert driver_for(name) == driver


def test_unknown_output_format_is_refused_listing_the_choices():
    with pytest.raises(OutputError, match=r"\.gpkg.*\.csv"):
        driver_for("o.xlsx")


def test_dwg_refused_by_every_reader_with_the_one_message(tmp_path):
    dwg = tmp_path / "plan.DWG"
    dwg.write_bytes(b"AC1032")
    messages = set()
    for read in (input_kind, read_vector, read_footprint, open_reader):
        with pytest.raises(InputError) as err:
            read(str(dwg))
        messages.add(str(err.value))
    assert len(messages) == 1 and "DXF" in messages.pop()
    # a DWG named that does not exist: refused as a DWG by the readers of whole files
    for read in (read_vector, read_footprint):
        with pytest.raises(InputError, match="DXF"):
            read(str(tmp_path / "missing.dwg"))
