"""Chunks as Arrow tables, the form every writer takes: :func:`to_arrow`, the
:class:`OutputChunk` a screen hands the writer (its rows, and the input's WKB the writer may
copy rather than encode again), and a stream's schema kept stable across chunks.
:data:`BBOX_HINT` names the GeoParquet covering column a worker computes for the writer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely

from ..core.arrays import is_none
from ..errors import InputError, OutputError, first_line

__all__ = ["OutputChunk", "BBOX_HINT", "reusable_wkb", "to_arrow", "frame_of",
           "stable_schema", "cast_chunk", "failing_column", "covering", "bounds_of", "regroup",
           "geoms_of", "as_table", "wkb_type_ids"]




@dataclass
class OutputChunk:
    """A chunk of output rows and what the writer may take from the input as it was read.

    Attributes
    ----------
    frame : geopandas.GeoDataFrame
        The rows: the input's columns, ours, the geometry.
    wkb : numpy.ndarray of bytes or None, optional
        Per row, the input's WKB where writing it unchanged gives the very bytes the encoder
        would write (:func:`reusable_wkb`), None elsewhere; :func:`to_arrow` encodes only the
        other rows.
    as_read : tuple of (numpy.ndarray, numpy.ndarray), optional
        ``(rows, bounds (k, 4))``: rows whose ``frame`` geometry is None because the screen
        measured them without building one; ``wkb`` holds them, and ``bounds`` (as read, in
        the output CRS) serve the GeoParquet covering.
    """

    frame: Any
    wkb: np.ndarray | None = None
    as_read: tuple[np.ndarray, np.ndarray] | None = None

    def __len__(self) -> int:
        return len(self.frame)


def frame_of(chunk):
    """The GeoDataFrame of a chunk (an :class:`OutputChunk` or a GeoDataFrame)."""
    return chunk.frame if isinstance(chunk, OutputChunk) else chunk
#: The first 5 bytes of little-endian 2D WKB of a Point, LineString and Polygon.
_PLAIN_WKB_HEADS = np.array([b"\x01" + k.to_bytes(4, "little") for k in range(1, 4)], dtype="S5")


def reusable_wkb(raw: np.ndarray | None, geoms: np.ndarray) -> np.ndarray | None:
    """Per row, the input's WKB ``raw`` where writing it unchanged gives the very bytes
    shapely's ISO encoder would write for ``geoms`` (read from it): a non-empty point, line
    or polygon in little-endian 2D WKB, exactly as long as its coordinates and rings make it
    (no trailing bytes); None elsewhere (big-endian, Z/M, EWKB with an SRID, multi-part
    geometries, whose parts could each be encoded otherwise, empty ones, unreadable rows).
    None when the input is not WKB (CSV's WKT)."""
    if raw is None or not len(raw):
        return None
    raw = np.asarray(raw, dtype=object)
    geoms = np.asarray(geoms, dtype=object)
    is_bytes = ~is_none(geoms) & np.fromiter((type(v) is bytes for v in raw), dtype=bool,
                                                     count=len(raw))
    if not is_bytes.any():
        return None
    rows = np.flatnonzero(is_bytes)
    g, r = geoms[rows], raw[rows]
    rows = rows[np.isin(r.astype("S5"), _PLAIN_WKB_HEADS) & ~shapely.is_empty(g)]
    if not rows.size:
        return None
    g, r = geoms[rows], raw[rows]
    kind = shapely.get_type_id(g)   # 0 point, 1 line, 3 polygon: as the header says
    rings = np.where(kind == 3, shapely.get_num_interior_rings(g) + 1, 0)
    size = np.where(kind == 0, 21, 9 + 4 * rings + 16 * shapely.get_num_coordinates(g))
    same = np.fromiter(map(len, r), dtype=np.int64, count=len(r)) == size
    out = np.full(len(raw), None, dtype=object)
    out[rows[same]] = r[same]
    return out


def to_arrow(chunk, bbox: bool = False):
    """A chunk (a GeoDataFrame or an :class:`OutputChunk`) as an Arrow table: attributes,
    then ISO WKB geometry named ``geometry``; with ``bbox`` (for a GeoParquet output) also
    the covering column :data:`BBOX_HINT`, from the geometries in hand rather than by parsing
    the WKB again. Rows whose input WKB an :class:`OutputChunk` carries are written with those
    bytes, not encoded again."""
    import pyarrow as pa

    gdf = frame_of(chunk)
    given = chunk.wkb if isinstance(chunk, OutputChunk) else None
    unbuilt = chunk.as_read if isinstance(chunk, OutputChunk) else None
    geom_name = gdf.geometry.name
    geoms = np.asarray(gdf.geometry.values, dtype=object)
    # the attribute columns as they are (no copy without the geometry); one thread: on a
    # chunk, pyarrow's default pool of threads costs more to start than it saves
    columns = [c for c in gdf.columns if c != geom_name]
    try:
        attrs = pa.Table.from_pandas(gdf, columns=columns, preserve_index=False, nthreads=1)
    except (pa.ArrowTypeError, pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        raise _unwritable(gdf, columns, exc) from None
    if given is None:
        wkb = shapely.to_wkb(geoms, flavor="iso")
    else:
        wkb = np.asarray(given, dtype=object).copy()
        encode = is_none(wkb) & ~is_none(geoms)
        wkb[encode] = shapely.to_wkb(geoms[encode], flavor="iso")
    table = attrs.append_column("geometry", pa.array(wkb, type=pa.binary()))
    if bbox:
        b = shapely.bounds(geoms)
        if unbuilt is not None:
            b[unbuilt[0]] = unbuilt[1]
        table = table.append_column(BBOX_HINT, covering(b))
    return table.replace_schema_metadata(None)


def _unwritable(gdf, columns, exc) -> InputError:
    """The error for a chunk whose attributes Arrow cannot take back from pandas (a map
    column comes out of pandas as lists of pairs): names the first such column."""
    import pyarrow as pa

    column, why = failing_column(columns, lambda c: pa.array(gdf[c], from_pandas=True), exc)
    return InputError("column_unwritable", column=column or "?", why=why)


def failing_column(names, convert, exc) -> tuple[str | None, str]:
    """``(name, why)`` of the first of ``names`` that ``convert(name)`` fails on with an
    Arrow error; ``(None, exc's first line)`` when each alone converts."""
    import pyarrow as pa

    for name in names:
        try:
            convert(name)
        except (pa.ArrowTypeError, pa.ArrowInvalid, pa.ArrowNotImplementedError) as col_exc:
            return str(name), first_line(col_exc)
    return None, first_line(exc)


def stable_schema(table):
    """The first chunk's schema, with all-null columns typed as text and decimal columns at
    least 18 digits wide (the most GDAL's formats take: 19), so later chunks fit (a decimal
    column goes through pandas as Python decimals, whose precision Arrow infers from each
    chunk's values: 1.50 gives decimal(3, 2), which 12345678.25 in a later chunk would not
    fit; wider values than that are one clear error, :func:`cast_chunk`)."""
    import pyarrow as pa

    def stable(f):
        if pa.types.is_null(f.type):
            return pa.field(f.name, pa.string())
        if pa.types.is_decimal128(f.type):
            return pa.field(f.name, pa.decimal128(max(f.type.precision, 18), f.type.scale), f.nullable,
                            f.metadata)
        return f

    return pa.schema([stable(f) for f in table.schema])


def cast_chunk(table, schema, path: str):
    """A later chunk cast to the first one's schema; a column whose values do not fit is one
    clear error naming it."""
    import pyarrow as pa

    try:
        return table.cast(schema)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError) as exc:
        names = [n for n in schema.names if n in table.column_names]
        column, why = failing_column(names, lambda n: table.column(n).cast(schema.field(n).type), exc)
        if column is not None:
            why = f"column '{column}' ({schema.field(column).type}): {why}"
        raise OutputError("output_write", path=path, why=why) from None


#: A chunk's precomputed covering column (a dask worker computes it; the writer takes it
#: instead of parsing the WKB again): never written under this name.
BBOX_HINT = "__gz_bbox"


def bounds_of(bbox) -> np.ndarray:
    """A covering struct column as bounds (n, 4), NaN where it is null."""
    bounds = np.column_stack([bbox.field(k).to_numpy(zero_copy_only=False) for k in range(4)]).astype(float)
    bounds[~bbox.is_valid().to_numpy(zero_copy_only=False)] = np.nan
    return bounds


def covering(b: np.ndarray):
    """The covering struct of bounds ``b`` (n, 4); null where a bound is NaN."""
    import pyarrow as pa

    missing = np.isnan(b).any(axis=1)
    arrays = [pa.array(b[:, k], mask=missing) for k in range(4)]
    return pa.StructArray.from_arrays(arrays, names=["xmin", "ymin", "xmax", "ymax"],
                                      mask=pa.array(missing))


def geoms_of(chunk) -> np.ndarray:
    """The geometries of a chunk (GeoDataFrame or Arrow table with WKB ``geometry``)."""
    import pyarrow as pa

    if isinstance(chunk, pa.Table):
        return shapely.from_wkb(chunk.column("geometry").to_numpy(zero_copy_only=False))
    return np.asarray(frame_of(chunk).geometry.values, dtype=object)


#: Shapely's type id of each WKB geometry type code (1 Point … 7 GeometryCollection).
_WKB_TYPE_IDS = {1: 0, 2: 1, 3: 3, 4: 4, 5: 5, 6: 6, 7: 7}


def wkb_type_ids(column) -> set[int]:
    """The shapely type ids of an Arrow WKB column's non-null values, read from each value's
    5-byte header (byte order, type code; ISO's Z/M as +1000s and EWKB's flag bits ignored)
    without building a geometry; a type shapely has no id for (a curve, a TIN) as
    ``100 + code``. What a shapefile writer checks its rows' one family with, at the cost
    of the headers: rows a screen never built are only WKB."""
    import pyarrow as pa

    arr = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    if len(arr) == 0 or arr.null_count == len(arr):
        return set()
    if not (pa.types.is_binary(arr.type) or pa.types.is_large_binary(arr.type)):
        return set(shapely.get_type_id(shapely.from_wkb(arr.to_numpy(zero_copy_only=False))).tolist()) - {-1}
    large = pa.types.is_large_binary(arr.type)
    validity, offsets_buf, data_buf = arr.buffers()[:3]
    offsets = np.frombuffer(offsets_buf, dtype=np.int64 if large else np.int32)[arr.offset:arr.offset + len(arr) + 1]
    length = np.diff(offsets)
    keep = length >= 5
    if arr.null_count:
        keep &= arr.is_valid().to_numpy(zero_copy_only=False)
    if not keep.any():
        return set()
    data = np.frombuffer(data_buf, dtype=np.uint8)
    head = data[offsets[:-1][keep].astype(np.int64)[:, None] + np.arange(5)].astype(np.uint32)
    little = head[:, 0] == 1
    code = np.where(little, head[:, 1] | head[:, 2] << 8 | head[:, 3] << 16 | head[:, 4] << 24,
                    head[:, 4] | head[:, 3] << 8 | head[:, 2] << 16 | head[:, 1] << 24)
    codes = np.unique((code & 0x0FFFFFFF) % 1000).tolist()
    return {_WKB_TYPE_IDS.get(c, 100 + c) for c in codes}


def as_table(chunk, bbox: bool = False):
    import pyarrow as pa

    return chunk if isinstance(chunk, pa.Table) else to_arrow(chunk, bbox)


def regroup(tables, rows: int):
    """Arrow tables of exactly ``rows`` rows (the last one the rest, if any) cut from
    ``tables`` taken in order: a stream of tables of any sizes as chunks or row groups."""
    import pyarrow as pa

    pending: list = []
    have = 0
    for table in tables:
        pending.append(table)
        have += table.num_rows
        while have >= rows:
            t = pa.concat_tables(pending)
            yield t.slice(0, rows)
            rest = t.slice(rows)
            pending, have = [rest], rest.num_rows
    if have:
        yield pa.concat_tables(pending)
