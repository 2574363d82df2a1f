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
                                              ("o.geoparquet", "Parquet"), ("o.csv", "CSV"), ("o.kml", "KML"),
                                              ("o.xlsx", "XLSX")])
def test_output_drivers(name, driver):
    assert driver_for(name) == driver


def test_unknown_output_format_is_refused_listing_the_choices():
    with pytest.raises(OutputError, match=r"\.gpkg.*\.csv"):
        driver_for("o.xls")


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


EMPTY_EXTENSIONS = [".gpkg", ".shp", ".parquet", ".csv", ".geojson", ".dxf", ".fgb", ".kml"]


@pytest.mark.parametrize("ext", EMPTY_EXTENSIONS)
def test_empty_file_refused_by_every_reader_in_one_line(tmp_path, ext):
    """Issue 23 item 12: a 0-byte input gave GDAL's "not recognized as being in a supported
    file format" (or Arrow's, or ezdxf's) after "cannot read": every reader of a whole file
    now says, in one line naming it, that it is empty."""
    from geozones.maps import read_parcels
    from geozones.pilot import read_boundary

    path = tmp_path / f"empty{ext}"
    path.write_bytes(b"")
    for read in (read_vector, read_footprint, lambda p: open_reader(p, wkt_column="wkt"), read_parcels,
                 lambda p: read_boundary(p, "EPSG:4326")):
        with pytest.raises(InputError) as err:
            read(str(path))
        assert err.value.key == "input_empty", read
        assert str(err.value) == (f"{path} is empty (0 bytes): it holds no features; export the file again "
                                  "or choose another")
        assert "0 字节" in err.value.localized("zh")


def test_empty_dem_refused_in_one_line(tmp_path):
    from geozones.terrain import DEM

    path = tmp_path / "dem.tif"
    path.write_bytes(b"")
    with pytest.raises(InputError, match=r"DEM .*dem\.tif is empty \(0 bytes\)") as err:
        DEM(path)
    assert err.value.key == "dem_empty"


def test_a_fifo_is_not_judged_empty(tmp_path):
    """A FIFO's size is 0 whatever it will carry: the emptiness check is for regular files."""
    import os

    from geozones.io import existing_input

    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    assert existing_input(fifo) == fifo
