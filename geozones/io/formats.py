"""Which format a file is, from its extension: the one table readers and writers are chosen by.
A PostGIS table is named by a connection URI (``postgresql://…?table=SCHEMA.TABLE``,
:func:`is_table_uri`): read by the ``"postgis"`` reader, written by the ``"PostGIS"`` driver.

Kept free of the table stack (pandas, GDAL, Arrow) so that it costs nothing to import.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import InputError, OutputError

__all__ = ["VECTOR_DRIVERS", "INPUT_KINDS", "FOLDER_FORMATS", "LAYERED_DRIVERS", "driver_for", "input_kind",
           "is_folder_format", "is_geodatabase", "existing_input", "require_input",
           "is_table_uri", "TABLE_URI_SCHEMES", "POSTGIS_DRIVER"]

#: The schemes of a libpq connection URI: such an input or output names a PostGIS table.
TABLE_URI_SCHEMES = ("postgresql://", "postgres://")
#: The driver of a PostGIS table output (:mod:`geozones.io.postgis`; not a GDAL driver).
POSTGIS_DRIVER = "PostGIS"


def is_table_uri(path) -> bool:
    """Whether ``path`` is a connection URI naming a PostGIS table rather than a file.

    >>> is_table_uri("postgresql://gz@db/parcels?table=public.p"), is_table_uri("p.gpkg")
    (True, False)
    """
    return isinstance(path, str) and path.lower().startswith(TABLE_URI_SCHEMES)

#: Output formats by file extension (the GDAL driver names; "Parquet": GeoParquet, "CSV":
#: WKT geometry in a column; "OpenFileGDB": an Esri File Geodatabase, a folder; "XLSX": an
#: Excel workbook, WKT geometry in the last column, written by :mod:`geozones.io.xlsx`).
VECTOR_DRIVERS: dict[str, str] = {
    ".gpkg": "GPKG",
    ".geojson": "GeoJSON",
    ".json": "GeoJSON",
    ".kml": "KML",
    ".shp": "ESRI Shapefile",
    ".fgb": "FlatGeobuf",
    ".parquet": "Parquet",
    ".geoparquet": "Parquet",
    ".csv": "CSV",
    ".gdb": "OpenFileGDB",
    ".xlsx": "XLSX",
}

#: Extensions whose file is a folder of files (an Esri File Geodatabase, ``parcels.gdb/``):
#: read and written like a file, but accepted where a folder stands and written by
#: :func:`geozones.io.atomic_output` as a folder moved in whole (see :mod:`geozones.io.atomic`).
FOLDER_FORMATS: frozenset[str] = frozenset({".gdb"})

#: Output drivers whose layer has a name: the input's layer name is kept (``--layer``).
LAYERED_DRIVERS: frozenset[str] = frozenset({"GPKG", "KML", "LIBKML", "FlatGeobuf", "OpenFileGDB"})

#: Input readers by file extension; any other extension is read through GDAL ("gdal":
#: GeoPackage, shapefile, FlatGeobuf, GeoJSON, KML …). See :func:`geozones.io.open_reader`.
INPUT_KINDS: dict[str, str] = {
    ".csv": "csv", ".txt": "csv", ".tsv": "csv",
    ".parquet": "parquet", ".geoparquet": "parquet",
    ".dxf": "dxf",
}

#: Extensions no reader takes, each with the message that says what to do instead.
_REFUSED: dict[str, str] = {".dwg": "dwg_refused"}


def input_kind(path: str | Path) -> str:
    """The reader a path's extension names: ``"csv"``, ``"parquet"``, ``"dxf"`` or
    ``"gdal"``, or ``"postgis"`` for a table URI. A DWG drawing is refused here, the one
    place (``dwg_refused``: export DXF)."""
    if is_table_uri(path):
        return "postgis"
    ext = Path(path).suffix.lower()
    if ext in _REFUSED:
        raise InputError(_REFUSED[ext], path=str(path))
    return INPUT_KINDS.get(ext, "gdal")


def is_folder_format(path: str | Path) -> bool:
    """Whether ``path`` names a format that is a folder (:data:`FOLDER_FORMATS`), whether or
    not it exists.

    >>> is_folder_format("parcels.GDB"), is_folder_format("parcels.gpkg")
    (True, False)
    """
    return Path(path).suffix.lower() in FOLDER_FORMATS


def is_geodatabase(path: str | Path) -> bool:
    """Whether ``path`` is a folder that is an Esri File Geodatabase: it holds the system
    catalogue ``a00000001.gdbtable`` every one has (ArcGIS's and GDAL's alike)."""
    return os.path.isfile(os.path.join(path, "a00000001.gdbtable"))


def existing_input(path: str | Path, missing: str = "input_missing", empty: str = "input_empty") -> Path:
    """``path``, once it is known to exist and, when it is a regular file, to hold at least one
    byte: the checks every input file passes before a reader (GDAL, Arrow, ezdxf, rasterio)
    opens it, each refused in one line naming the file (``missing``, ``empty``: the message
    keys; an empty file gave GDAL's "not recognized as being in a supported file format").
    A ``.gdb`` must be a File Geodatabase (:func:`is_geodatabase`; ``input_not_gdb``). A
    FIFO is left to its reader."""
    p = Path(path)
    if not p.exists():
        raise InputError(missing, path=str(path))
    if is_folder_format(p) and not is_geodatabase(p):
        raise InputError("input_not_gdb", path=str(path))
    if p.is_file() and p.stat().st_size == 0:
        raise InputError(empty, path=str(path))
    return p


def require_input(path: str | Path) -> str:
    """The reader of an input file (:func:`input_kind`: a DWG refused, whether or not it
    exists), after :func:`existing_input`."""
    kind = input_kind(path)
    if kind != "postgis":   # a table is looked for when it is opened
        existing_input(path)
    return kind


def driver_for(path: str | Path) -> str:
    """The output driver a path's extension names (``"PostGIS"`` for a table URI)."""
    if is_table_uri(path):
        return POSTGIS_DRIVER
    ext = Path(path).suffix.lower()
    try:
        return VECTOR_DRIVERS[ext]
    except KeyError:
        raise OutputError("output_format", path=str(path), choices=", ".join(VECTOR_DRIVERS)) from None
