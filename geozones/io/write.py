"""Writing a stream of chunks as one output in the format its extension names.

Every writer takes the chunks as a stream, in order, with one chunk in memory at a time:
:func:`write_chunks` turns the GeoDataFrame chunks into Arrow batches of one stable schema
and hands the stream to the format's writer: GeoParquet's
``ParquetWriter``, GDAL's ``write_arrow`` (which pulls its batches from one stream, so that
the layer and its spatial index are made once), or the CSV writer.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from ..errors import InputError, OutputError, first_line
from .arrow import BBOX_HINT, as_table, cast_chunk, geoms_of, stable_schema, wkb_type_ids
from .atomic import atomic_output, check_interrupted
from .csv import write_csv
from .formats import POSTGIS_DRIVER, driver_for
from .geoparquet import write_geoparquet, write_sorted_geoparquet
from .names import output_names
from .postgis import PostgisOutput, postgis_output, write_postgis
from .serialise import markup_safe_table
from .vector import GEOMETRY_TYPE_NAMES, SHAPEFILE_FAMILIES, dbf_text, geometry_type_of, shapefile_geometry_type, write_gdal
from .xlsx import Sheets, write_xlsx

__all__ = ["write_chunks", "write_vector"]


def write_vector(gdf, dest: str | Path, overwrite: bool = False, layer: str | None = None,
                 inputs=()) -> Path:
    """Write a GeoDataFrame atomically in the format the extension names (one chunk of
    :func:`write_chunks`); never onto one of ``inputs``. A PostGIS table URI is written in
    one transaction (:func:`~geozones.io.postgis.postgis_output`)."""
    driver = driver_for(dest)
    if driver == POSTGIS_DRIVER:
        with postgis_output(str(dest), overwrite) as out:
            write_chunks(out, driver, gdf.crs, iter([gdf]), layer=layer)
        return Path(str(dest))
    with atomic_output(dest, overwrite, inputs) as tmp:
        write_chunks(tmp, driver, gdf.crs, iter([gdf]), layer=layer)
    return Path(dest)


def write_chunks(tmp: Path | PostgisOutput, driver: str, crs, chunks: Iterator, layer: str | None = None,
                 renamed: dict[str, str] | None = None, geometry_type: str | None = None,
                 wkt_column: str | None = None, wkt_position: int | None = None,
                 sort: str = "none", extent=None, expected_rows: int | None = None,
                 sheets: Sheets | None = None) -> int:
    """Write chunks (GeoDataFrames or :class:`OutputChunk`), in order, to ``tmp`` as one output; returns rows written.

    A chunk may also be the Arrow table :func:`to_arrow` made of one (or, for CSV, a
    :class:`RenderedCsv`): the dask engine's workers convert their chunks, the driver writes
    them here, through the same code as the local engine's. ``sort="hilbert"`` (GeoParquet):
    rows ordered along a Hilbert curve, see :func:`write_sorted_geoparquet` (``extent`` and
    ``expected_rows``: what the input declares, to bucket the rows as they come).

    ``driver="PostGIS"``: ``tmp`` is the output table's transaction
    (:func:`~geozones.io.postgis.postgis_output`), the rows copied in by :func:`write_postgis`.
    GDAL formats are written by a single streamed ``pyogrio.write_arrow`` call (layer and
    spatial index created once, as for a whole-table write); an Excel workbook (``"XLSX"``)
    by :func:`~geozones.io.xlsx.write_xlsx`, its titles and summary sheet ``sheets``;
    GeoParquet with a streaming
    ``ParquetWriter`` and GeoParquet 1.1.0 metadata; CSV with WKT geometry. Only one chunk is
    in memory at a time. An exception raised while producing chunks is re-raised as is.
    A shapefile is written in UTF-8 with a ``.cpg``, its text cut to 254 bytes
    (:func:`~geozones.io.vector.dbf_text`). The attribute columns are named by
    :func:`~geozones.io.names.output_names` (a shapefile's fitted to 10 bytes, a name the
    format uses for itself kept as ``src_<name>``); the renames go into ``renamed``, with the
    names a File Geodatabase gave fields it does not take as they are (``a-b`` → ``a_b``). (A
    screen names its columns before it writes them: nothing else is left to rename here.)

    The layer declares ``geometry_type`` (the input's, e.g. ``"Polygon"``; default: the first
    chunk's single type, see :func:`geometry_type_of`), never "Unknown (any)" for a
    single-type table, which ArcGIS and QGIS handle badly.
    """
    import pyarrow as pa

    it = iter(chunks)
    first = next(it, None)
    if first is None:
        import geopandas as gpd

        first = gpd.GeoDataFrame(geometry=gpd.GeoSeries([], crs=crs), crs=crs)
    if driver == "CSV":
        assert isinstance(tmp, Path)
        return write_csv(tmp, _chain(first, it), wkt_column, wkt_position)
    if driver == "XLSX":
        assert isinstance(tmp, Path)
        return write_xlsx(tmp, _chain(first, it), sheets)
    table0 = as_table(first, bbox=driver == "Parquet")
    names = output_names([c for c in table0.column_names if c not in ("geometry", BBOX_HINT)], driver).renamed
    if renamed is not None:
        renamed.update(names)
    if names:
        table0 = table0.rename_columns([names.get(c, c) for c in table0.column_names])
    schema = stable_schema(table0)
    count = {"rows": 0}
    failure: list[BaseException] = []
    # a shapefile holds one family of geometry (its type: the input's declared one and the
    # first chunk's, read from the WKB headers, as no row needs to be a geometry to be
    # written): refuse mixed input in one line, not OGR's
    shp_allowed = None
    if driver == "ESRI Shapefile":
        declared = {i for i, name in GEOMETRY_TYPE_NAMES.items() if name == geometry_type}
        geometry_type = shapefile_geometry_type(declared | wkb_type_ids(table0.column("geometry")))
        shp_allowed = SHAPEFILE_FAMILIES.get(geometry_type, set())
        first_geoms = None
    else:
        first_geoms = geoms_of(first)

    def batches():
        try:
            for gdf in _chain(first, it):
                table = table0 if gdf is first else as_table(gdf, bbox=driver == "Parquet")
                if shp_allowed is not None and not wkb_type_ids(table.column("geometry")) <= shp_allowed:
                    raise OutputError("shapefile_mixed", path=str(tmp.name))
                if names and gdf is not first:
                    table = table.rename_columns([names.get(c, c) for c in table.column_names])
                count["rows"] += table.num_rows
                table = cast_chunk(table, schema, str(tmp.name))
                if shp_allowed is not None:   # a DBF field holds 254 bytes of text
                    table = dbf_text(table)
                if driver == "KML":   # text XML can hold (GDAL writes U+FFFE, controls as they are)
                    table = markup_safe_table(table)
                yield from table.to_batches()
        except BaseException as exc:  # handed back below: Arrow would wrap it
            failure.append(exc)
            raise

    try:
        if isinstance(tmp, PostgisOutput):
            write_postgis(tmp, schema, crs, batches())
        elif driver == "Parquet" and sort == "hilbert":
            write_sorted_geoparquet(tmp, schema, crs, batches(), geometry_type or geometry_type_of(first_geoms),
                                    extent=extent, expected_rows=expected_rows)
        elif driver == "Parquet":
            write_geoparquet(tmp, schema, crs, batches(), geometry_type or geometry_type_of(first_geoms))
        else:
            reader = pa.RecordBatchReader.from_batches(schema, batches())
            laundered = write_gdal(tmp, driver, crs, reader, first_geoms, count, layer=layer,
                                   geometry_type=geometry_type)
            if renamed is not None and laundered:   # input column -> the name the format gave it
                source = {out: col for col, out in renamed.items()}
                renamed.update({source.get(a, a): w for a, w in laundered.items()})
    except BaseException as exc:
        if failure:
            raise failure[0] from None
        # a signal whose Interrupted was raised in Arrow's own Python frames (between two
        # batches, outside batches()) comes back wrapped as a stream error: it is the signal
        check_interrupted()
        if isinstance(exc, Exception) and not isinstance(exc, (InputError, OutputError)):
            raise OutputError("output_write", path=str(tmp.name), why=first_line(exc)) from None
        raise
    return count["rows"]


def _chain(first, rest):
    yield first
    yield from rest
