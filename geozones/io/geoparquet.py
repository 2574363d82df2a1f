"""GeoParquet: read in Arrow batches of WKB (its ``bbox`` covering column skipped, its
declared extent and geometry type kept), written as GeoParquet 1.1 with a ``bbox`` covering
column, optionally in Hilbert-curve order (:func:`write_sorted_geoparquet`).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import shapely

from ..core.coords import parse_crs
from ..errors import InputError, first_line
from .arrow import BBOX_HINT, bounds_of, covering, regroup
from .base import Reader, extent_of, split_wkb
from .hilbert import bucketed, sorted_buckets

__all__ = ["GeoParquetReader", "GEOPARQUET_VERSION", "SORTED_ROW_GROUP_ROWS", "write_geoparquet",
           "write_sorted_geoparquet"]



class GeoParquetReader(Reader):
    """A GeoParquet file, read in Arrow batches; its WKB geometry is the ``geo`` metadata's
    primary column (``geometry`` without metadata), its covering columns are not read."""

    kind = "parquet"

    def _open(self) -> None:
        import pyarrow.parquet as pq

        try:
            # pages streamed through a 1 MiB buffer, not a row group's column chunks
            # pre-buffered whole: a 1M-row group read in chunks of 25,000 rows peaks at
            # 142 MB instead of 206 MB, and reads in 0.09 s instead of 0.24 s
            self._pq = pq.ParquetFile(self.path, buffer_size=1 << 20, pre_buffer=False)
        except Exception as exc:
            raise InputError("file_read", path=str(self.path), why=first_line(exc)) from None
        meta = self._pq.schema_arrow.metadata or {}
        geo = json.loads(meta.get(b"geo", b"{}") or b"{}")
        self._geom_col = geo.get("primary_column", "geometry")
        names = self._pq.schema_arrow.names
        if self._geom_col not in names:
            raise InputError("column_missing", path=str(self.path), column=self._geom_col,
                             columns=", ".join(names))
        col_meta = geo.get("columns", {}).get(self._geom_col, {})
        encoding = col_meta.get("encoding", "WKB").upper()
        if encoding != "WKB":
            raise InputError("file_read", path=str(self.path),
                             why=f"geometry encoding {encoding} is not supported (use WKB)")
        file_crs = col_meta.get("crs", "OGC:CRS84" if geo else None)
        self.crs = self._resolve_crs(None if file_crs is None else parse_crs(
            file_crs if isinstance(file_crs, str) else json.dumps(file_crs)))
        bbox = col_meta.get("covering", {}).get("bbox", {})
        self._skip = {self._geom_col} | {v[0] for v in bbox.values() if v}
        self._columns_read = [c for c in names if c not in self._skip or c == self._geom_col]
        self.columns = [c for c in names if c not in self._skip]
        gtypes = col_meta.get("geometry_types") or []
        if len(gtypes) == 1:
            self.geometry_type = gtypes[0].replace(" Z", "")
        self.n_rows = self._pq.metadata.num_rows
        self.extent = extent_of(col_meta.get("bbox"))
        self.layer_name = self.path.stem
        self.encoding = "utf-8"

    @property
    def geometry_column(self) -> str:
        """The name of the WKB geometry column in :meth:`arrow_batches`."""
        return self._geom_col

    def arrow_batches(self):
        """Every row, as the Arrow batches :meth:`chunks` splits (the covering left out)."""
        yield from self._pq.iter_batches(batch_size=self.chunk_size, columns=self._columns_read)

    def chunks(self):
        for batch in self.arrow_batches():
            yield split_wkb(batch, self._geom_col, self.read_geometries)

    def chunks_in(self, start: int, stop: int, csv_bytes: tuple[int, int] | None = None):
        """Rows ``start`` to ``stop``: only the row groups holding them are read."""
        import pyarrow as pa

        meta = self._pq.metadata
        groups, first_row, row = [], None, 0
        for g in range(meta.num_row_groups):
            n = meta.row_group(g).num_rows
            if row < stop and row + n > start:
                groups.append(g)
                first_row = row if first_row is None else first_row
            row += n
        if not groups or first_row is None:   # (first_row is set with the first group)
            return

        def rows_wanted():
            at = first_row
            for batch in self._pq.iter_batches(batch_size=self.chunk_size, row_groups=groups,
                                               columns=self._columns_read):
                lo, hi = max(start - at, 0), min(stop - at, batch.num_rows)
                at += batch.num_rows
                if hi > lo:
                    yield pa.Table.from_batches([batch.slice(lo, hi - lo)])

        for table in regroup(rows_wanted(), self.chunk_size):
            yield split_wkb(table.combine_chunks(), self._geom_col, self.read_geometries)


#: GeoParquet version written: 1.1.0 adds the per-row bounding-box "covering" column.
GEOPARQUET_VERSION = "1.1.0"


def write_geoparquet(path: Path, schema, crs, batches, geometry_type: str = "Unknown") -> None:
    """GeoParquet 1.1: WKB ``geometry`` and a ``bbox`` struct column (xmin, ymin, xmax, ymax)
    declared as its covering, so readers can skip row groups by extent. ``geometry_types``
    is the declared type (the input's, else the first chunk's; empty when mixed)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    out_schema = _geo_schema(_without_bbox(schema), crs, geometry_type)
    with pq.ParquetWriter(path, out_schema, use_dictionary=_dictionary_columns(out_schema)) as writer:
        for batch in batches:  # RecordBatches of write_chunks; the file's metadata carries "geo"
            batch, bbox, _b = _take_bbox(batch)
            writer.write_batch(pa.RecordBatch.from_arrays([*batch.columns, bbox], schema=out_schema))


#: Columns of ours whose values are (nearly) all distinct: a Parquet dictionary for them is
#: built and then given up, which cost a third of the write (1M rows: 0.61 -> 0.42 s).
_UNIQUE_COLUMNS = frozenset({"geometry", "bbox", "gz_row", "gz_message", "gz_distance_m",
                             "gz_max_height_m", "gz_height_m", "gz_exceedance_m", "gz_ground_m"})


def _dictionary_columns(schema) -> list[str]:
    """The columns written with a Parquet dictionary: all but :data:`_UNIQUE_COLUMNS` (the
    input's own columns keep pyarrow's default, a dictionary where it pays)."""
    return [f.name for f in schema if f.name not in _UNIQUE_COLUMNS]


def _geo_schema(schema, crs, geometry_type: str, extra=()):
    """``schema`` plus ``extra`` fields and the ``bbox`` covering column, with the GeoParquet
    1.1 ``geo`` metadata naming it."""
    import json

    import pyarrow as pa

    bbox_name = "bbox" if "bbox" not in schema.names else "gz_bbox"
    bbox_type = pa.struct([(k, pa.float64()) for k in ("xmin", "ymin", "xmax", "ymax")])
    geo = {"version": GEOPARQUET_VERSION, "primary_column": "geometry",
           "columns": {"geometry": {
               "encoding": "WKB",
               "geometry_types": [] if geometry_type in ("Unknown", None) else [geometry_type],
               "crs": crs.to_json_dict() if crs is not None else None,
               "covering": {"bbox": {k: [bbox_name, k] for k in ("xmin", "ymin", "xmax", "ymax")}},
           }}}
    for f in extra:
        schema = schema.append(f)
    return schema.append(pa.field(bbox_name, bbox_type)).with_metadata({b"geo": json.dumps(geo).encode()})


def _without_bbox(schema):
    i = schema.get_field_index(BBOX_HINT)
    return schema if i < 0 else schema.remove(i)


def _take_bbox(batch):
    """``(batch without the hint, covering column, bounds (n, 4) with NaN)``: the hint when
    the chunk carries it, else computed from the WKB (the same values)."""
    i = batch.schema.get_field_index(BBOX_HINT)
    if i < 0:
        return (batch, *_bbox_column(batch.column("geometry")))
    bbox = batch.column(i)
    return batch.drop_columns([BBOX_HINT]), bbox, bounds_of(bbox)


def _bbox_column(wkb):
    """The GeoParquet covering struct (xmin, ymin, xmax, ymax; null for a null or empty
    geometry) of a WKB column, and the bounds as an (n, 4) array (NaN there)."""
    b = shapely.bounds(shapely.from_wkb(wkb.to_numpy(zero_copy_only=False)))
    return covering(b), b


#: Rows per row group of a sorted GeoParquet output: a reader asking for a small region
#: reads the few groups whose bbox statistics meet it.
SORTED_ROW_GROUP_ROWS = 16_384


def write_sorted_geoparquet(path: Path, schema, crs, batches, geometry_type: str = "Unknown",
                            bucket_rows: int = 50_000,
                            row_group_rows: int = SORTED_ROW_GROUP_ROWS,
                            extent=None, expected_rows: int | None = None) -> None:
    """GeoParquet 1.1 (as :func:`write_geoparquet`) with the rows ordered along a Hilbert
    curve over the output's extent, in row groups of ``row_group_rows``, and a ``gz_row``
    column holding each row's input position (0-based, as the run summary numbers rows):
    sorting the file by ``gz_row`` gives back the input order. Batches that carry ``gz_row``
    come in that order already (sorted before screening, :mod:`geozones.batch.sort`) and
    are written as they come.

    Memory is bounded by about ``bucket_rows`` rows whatever the file's size: an external
    bucket sort, all in a temporary folder beside ``path``. Each bucket holds a range of the
    curve; each is sorted in memory by key, then ``gz_row`` (ties keep the input order), and
    written. The buckets are made in one of two ways:

    * ``extent`` known beforehand (the input's declared bounds, e.g. GeoParquet's ``bbox``):
      every row goes straight to its bucket, the curve cut into ``2^k`` equal ranges of at
      most about ``bucket_rows`` rows each on average (``expected_rows``); a bucket that grows past
      ``4 × bucket_rows`` (rows crowded on one spot) is split by the curve's next bits when it
      is sorted. Should the rows' extent differ from the one declared, their keys are made
      again over the true extent (the second way, from the buckets): the output is the same.
    * otherwise (:func:`geozones.io.hilbert._bucket_by_counts`): the rows are spilled to one file with their
      bounds noted (32 bytes a row in a side file), the keys counted in 2^20 ranges of the
      curve, which cut it into buckets of about ``bucket_rows`` rows (at most 256), and every
      row appended to its bucket; only a range holding more than ``bucket_rows`` rows (many
      parcels on one spot) makes a larger bucket.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    from .atomic import make_temp_folder

    if "gz_row" in schema.names:   # sorted before screening: written as they come
        i = schema.get_field_index("gz_row")
        out_schema = _geo_schema(_without_bbox(schema.remove(i)), crs, geometry_type, [schema.field(i)])
        with pq.ParquetWriter(path, out_schema, use_dictionary=_dictionary_columns(out_schema)) as writer:
            _write_in_groups(writer, _with_covering(batches, out_schema), out_schema, row_group_rows)
        return
    out_schema = _geo_schema(_without_bbox(schema), crs, geometry_type, [pa.field("gz_row", pa.int64())])
    spill_schema = out_schema.remove_metadata()
    work = make_temp_folder(path.parent, "sort")   # its owner in its name: removed once the owner is gone

    def numbered():
        """``(rows with gz_row and the covering column, bounds (n, 4))`` per batch."""
        n = 0
        for batch in batches:
            batch, bbox, b = _take_bbox(batch)
            rows = pa.array(np.arange(n, n + batch.num_rows, dtype=np.int64))
            n += batch.num_rows
            yield pa.RecordBatch.from_arrays([*batch.columns, rows, bbox], schema=spill_schema), b

    try:
        buckets = bucketed(work, numbered(), spill_schema, extent, bucket_rows, expected_rows)
        with pq.ParquetWriter(path, out_schema, use_dictionary=_dictionary_columns(out_schema)) as writer:
            _write_in_groups(writer, sorted_buckets(work, buckets, 4 * bucket_rows), out_schema,
                             row_group_rows)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _with_covering(batches, schema):
    """Tables of ``batches`` (their covering hint and ``gz_row`` last) in the column order of
    ``schema``: ``gz_row`` before the covering."""
    import pyarrow as pa

    for batch in batches:
        batch, bbox, _b = _take_bbox(batch)
        yield pa.Table.from_batches([pa.RecordBatch.from_arrays([*batch.columns, bbox], names=schema.names)])


def _write_in_groups(writer, tables, schema, group_rows: int) -> None:
    """Write ``tables`` (in order) as row groups of exactly ``group_rows`` rows (the last
    one the rest), cast to ``schema``."""
    for table in regroup(tables, group_rows):
        writer.write_table(table.cast(schema), row_group_size=group_rows)
