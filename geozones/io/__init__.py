"""Reading proposals and writing layers: the file edge of geozones.

One reader per format family behind one small protocol (:class:`Reader`: ``crs``,
``columns``, ``n_rows``, ``chunks()`` of ``(attributes, geometries, raw values)``), chosen
by :func:`open_reader` from the file's extension (:mod:`~geozones.io.formats`, where a DWG
is refused); one writer per format behind :func:`write_chunks`, always through
:func:`atomic_output` (a temporary file moved into place only when complete, never onto an
input, an existing output kept unless ``overwrite``).

===========================  ============================================================
module                       what it holds
===========================  ============================================================
:mod:`.formats`              the extension tables, DWG refused
:mod:`.base`                 the :class:`Reader` protocol, the CRS a file is read with
:mod:`.vector`               GDAL formats (GeoPackage, shapefile, FlatGeobuf, GeoJSON, KML)
:mod:`.geoparquet`           GeoParquet, sorted GeoParquet output
:mod:`.csv`                  CSV with WKT, and the one WKT reader
:mod:`.dxf`                  CAD drawings (DXF)
:mod:`.postgis`              PostGIS tables (a connection URI), in and out
:mod:`.xlsx`                 Excel workbooks out: the table (WKT geometry), a summary sheet
:mod:`.footprint`            one proposal for ``check`` (WKT or a file), a drawing's entities
:mod:`.arrow`                chunks as Arrow tables, the hints a chunk carries to the writer
:mod:`.hilbert`              Hilbert-curve keys and the external bucket sort
:mod:`.write`                :func:`write_chunks`, :func:`write_vector`
:mod:`.names`                the names of an output's columns (reserved, ours, 10 bytes)
:mod:`.atomic`               atomic outputs, input fingerprints, signals
:mod:`.serialise`            text from inputs into files: TOML, XML (KML, QML), HTML, CSV
===========================  ============================================================

Only numpy, shapely and pyproj are imported with the package: pandas, Arrow, GDAL and ezdxf
when a file is actually read or written (``check`` with WKT never imports them).
"""

from __future__ import annotations

from pathlib import Path

from .arrow import BBOX_HINT, OutputChunk, bounds_of, covering, regroup, reusable_wkb, to_arrow
from .atomic import (
    SHAPEFILE_PARTS,
    WINDOWS_DEVICE_NAMES,
    InputFingerprint,
    Interrupted,
    atomic_output,
    check_interrupted,
    check_output_folder,
    check_output_path,
    companions,
    critical,
    interrupts_raise,
    make_temp_folder,
    os_reason,
    refuse_same_files,
    remove_stale_temporaries,
    same_file,
    shown_path,
)
from .base import DEFAULT_CHUNK_ROWS, ROW_FAULT, Chunk, Reader, is_wgs84_lonlat, resolve_crs, split_wkb
from .csv import CsvReader, RenderedCsv, csv_record_offsets, csv_text, read_wkt
from .dxf import DxfCounts, DxfReader, read_dxf
from .footprint import is_drawing, is_wkt_text, read_drawing, read_footprint, read_wkt_footprint
from .formats import (
    FOLDER_FORMATS,
    INPUT_KINDS,
    LAYERED_DRIVERS,
    POSTGIS_DRIVER,
    VECTOR_DRIVERS,
    driver_for,
    existing_input,
    input_kind,
    is_folder_format,
    is_table_uri,
    require_input,
)
from .geoparquet import (
    GEOPARQUET_VERSION,
    SORTED_ROW_GROUP_ROWS,
    GeoParquetReader,
    write_geoparquet,
    write_sorted_geoparquet,
)
from .hilbert import HILBERT_LEVEL, bucketed, hilbert_keys, sorted_buckets, wkb_bounds
from .names import DBF_NAME_BYTES, PG_NAME_BYTES, RESERVED, SOURCE_PREFIX, OutputNames, output_names, shapefile_field_names
from .postgis import PostgisOutput, PostgisReader, check_postgis_output, postgis_output, shown_uri
from .vector import (
    VectorReader,
    geometry_type_of,
    read_vector,
    require_one_layer,
    sniff_shapefile_encoding,
)
from .write import write_chunks, write_vector

__all__ = [
    # reading
    "Reader", "Chunk", "READERS", "open_reader", "TableSource", "VectorReader",
    "GeoParquetReader", "CsvReader", "DxfReader", "read_vector", "read_footprint",
    "read_wkt_footprint", "read_wkt", "is_wkt_text", "read_dxf", "DxfCounts", "resolve_crs", "is_drawing", "read_drawing",
    "is_wgs84_lonlat", "require_one_layer", "sniff_shapefile_encoding", "csv_record_offsets",
    "split_wkb", "DEFAULT_CHUNK_ROWS", "ROW_FAULT",
    # formats
    "VECTOR_DRIVERS", "INPUT_KINDS", "FOLDER_FORMATS", "LAYERED_DRIVERS", "driver_for", "input_kind",
    "is_folder_format", "existing_input", "require_input", "is_table_uri", "POSTGIS_DRIVER",
    # PostGIS tables
    "PostgisReader", "PostgisOutput", "postgis_output", "check_postgis_output", "shown_uri",
    # writing
    "write_chunks", "write_vector", "to_arrow", "reusable_wkb", "csv_text", "RenderedCsv",
    "write_geoparquet", "write_sorted_geoparquet",
    "GEOPARQUET_VERSION", "SORTED_ROW_GROUP_ROWS", "shapefile_field_names", "DBF_NAME_BYTES", "PG_NAME_BYTES",
    # the names of an output's columns
    "output_names", "OutputNames", "RESERVED", "SOURCE_PREFIX",
    "geometry_type_of", "OutputChunk", "BBOX_HINT", "regroup",
    "covering", "bounds_of", "hilbert_keys", "HILBERT_LEVEL", "bucketed", "sorted_buckets", "wkb_bounds",
    # outputs that never destroy anything
    "atomic_output", "refuse_same_files", "same_file", "companions", "InputFingerprint",
    "Interrupted", "interrupts_raise", "check_interrupted", "critical", "check_output_folder",
    "os_reason", "SHAPEFILE_PARTS", "check_output_path", "shown_path", "make_temp_folder",
    "remove_stale_temporaries", "WINDOWS_DEVICE_NAMES",
]

#: The reader of each input kind (:data:`INPUT_KINDS`; "gdal" for any other extension).
READERS: dict[str, type[Reader]] = {"gdal": VectorReader, "parquet": GeoParquetReader,
                                    "csv": CsvReader, "dxf": DxfReader, "postgis": PostgisReader}


def open_reader(path: str | Path, *, layer: str | None = None, encoding: str | None = None,
                wkt_column: str | None = None, crs=None, chunk_size: int = DEFAULT_CHUNK_ROWS) -> Reader:
    """The reader of the table of features in ``path`` (a file, or a PostGIS table URI), opened (schema, CRS and row count
    read; no rows yet).

    ``layer``: the layer to read (GDAL formats with several; the CAD layer of a DXF);
    ``encoding``: the attributes' text encoding (else sniffed); ``wkt_column``: the CSV
    column holding WKT (required for CSV); ``crs``: ``--crs``, for a file without one (see
    :func:`resolve_crs`); ``chunk_size``: rows per chunk. A missing file, a DWG drawing and
    an unreadable file are :class:`~geozones.errors.InputError`.
    """
    return READERS[require_input(path)](path, layer=layer, encoding=encoding, wkt_column=wkt_column,
                                     crs=crs, chunk_size=chunk_size)


#: The batch path's name for :func:`open_reader`.
TableSource = open_reader
