"""A sorted GeoParquet output's rows put in curve order *before* they are screened.

``screen`` writes a GeoParquet output ordered along a Hilbert curve (``--sort hilbert``, the
default there: :func:`geozones.io.write_sorted_geoparquet`). Sorting the screened rows means
a last pass, after every row is screened, that sorts and encodes the whole file on one core
while nothing else runs. Here the *input's* rows are sorted instead, then screened in that
order, so that the Parquet encoding overlaps the screening as in an unsorted run:

1. every input row goes, as read (its attributes and WKB, with its input position and its
   bounds), to a bucket of the curve (:func:`geozones.io._bucketed`, the same bucket sort);
2. the buckets are sorted one by one and cut into chunks, which are screened in that order
   and written with their ``gz_row`` (:func:`geozones.io.write_presorted_geoparquet`).

The order is the one the output's sort gives only if each row's bounds here are the bounds
its output row is written with (the covering), and so its key. They are: a convex single
ring's bounds are read from its WKB (:func:`geozones.core.rings.from_buffer`), as the core
reads them, and every other value's from the geometry shapely reads, which is what is
written. The one exception is a value shapely cannot read, which screening repairs (its
output bounds are the repair's): an input with such a row is sorted the other way, after
screening (:func:`presort` gives None). :func:`geozones.io.to_arrow` checks every written
row's bounds against the ones it was sorted by. ``GEOZONES_PRESORT=0`` switches this off.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import shapely

from .core import rings as ring_path
from .core.geometry import parse_many

__all__ = ["enabled", "presort", "wkb_bounds", "Presorted"]

#: The spill's own columns: each row's input position, and its bounds as a covering struct.
ROW, BOUNDS = "__gz_row", "__gz_bbox"


class Unfit(Exception):
    """The input cannot be sorted before screening (the caller sorts after)."""


def enabled() -> bool:
    """False when ``GEOZONES_PRESORT`` is 0/false/no: the output's rows are sorted after screening."""
    return os.environ.get("GEOZONES_PRESORT", "1").lower() not in ("0", "false", "no")


def wkb_bounds(column) -> tuple[np.ndarray, np.ndarray]:
    """``(bounds (n, 4), unreadable (n,))`` of an Arrow WKB column: each value's xmin, ymin,
    xmax, ymax as a screened output row's covering holds them (NaN for a null or empty
    geometry), and which values shapely cannot read. Single rings are read from the
    column's buffers without a Python object per value; the rest by shapely."""
    import pyarrow as pa

    arr = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    if isinstance(arr, pa.ExtensionArray):
        arr = arr.storage
    if pa.types.is_binary(arr.type):
        width = np.int32
    elif pa.types.is_large_binary(arr.type):
        width = np.int64
    else:
        raise Unfit(f"a geometry column of type {arr.type}")
    n = len(arr)
    bounds = np.full((n, 4), np.nan)
    unreadable = np.zeros(n, dtype=bool)
    if not n:
        return bounds, unreadable
    _validity, offsets_buf, data = arr.buffers()
    offsets = np.frombuffer(offsets_buf, dtype=width)[arr.offset: arr.offset + n + 1].astype(np.int64)
    valid = arr.is_valid().to_numpy(zero_copy_only=False)
    rows = np.flatnonzero(valid)
    buf = np.frombuffer(data, dtype=np.uint8) if data is not None else np.zeros(0, dtype=np.uint8)
    found = ring_path.from_buffer(buf, offsets[:-1][rows], np.diff(offsets)[rows], rows)
    bounds[found.rows] = found.bounds
    other = valid.copy()
    other[found.rows] = False
    if other.any():
        raw = arr.filter(pa.array(other)).to_numpy(zero_copy_only=False)
        geoms = parse_many(np.asarray(raw, dtype=object), wkb=True, curves=False)[0]
        unreadable[np.flatnonzero(other)[np.equal(geoms, None)]] = True
        bounds[other] = shapely.bounds(geoms)
    return bounds, unreadable


class Presorted:
    """The input's rows in bucket files of the curve (pass 1 done); :meth:`chunks` yields
    them in curve order."""

    def __init__(self, work: Path, buckets, geom_name: str, metadata, chunk_size: int,
                 limit: int) -> None:
        self.work, self.buckets, self.geom_name = work, buckets, geom_name
        self.metadata, self.chunk_size, self.limit = metadata, chunk_size, limit

    def tables(self):
        """``(the input's columns as read, input rows, bounds)`` of ``chunk_size`` rows each,
        in curve order (ties in input order)."""
        from .io import _bounds_of, _sorted_buckets, regroup

        for table in regroup(_sorted_buckets(self.work, self.buckets, self.limit, row_name=ROW),
                             self.chunk_size):
            rows = table.column(ROW).to_numpy()
            bounds = _bounds_of(table.column(BOUNDS).combine_chunks())
            yield table.drop_columns([ROW, BOUNDS]).replace_schema_metadata(self.metadata), rows, bounds

    def chunks(self):
        """``(attributes, geometries (None: left to the core), raw WKB, input rows, bounds)``
        per chunk of :meth:`tables`."""
        from .io import _split_wkb

        for body, rows, bounds in self.tables():
            df, geoms, raw = _split_wkb(body, self.geom_name, read=False)
            yield df, geoms, raw, rows, bounds


#: Rows per bucket of the curve, on average (memory is bounded by about four times this).
BUCKET_ROWS = 50_000


def presort(src, work: Path, bucket_rows: int | None = None) -> Presorted | None:
    """Pass 1: every row of ``src`` (a :class:`geozones.io.TableSource` read as Arrow) to
    its bucket of the curve in ``work``. None when the input cannot be sorted before it is
    screened (not read as Arrow, a value shapely cannot read, no rows): nothing of it is
    kept, and the caller sorts the screened rows instead."""
    import pyarrow as pa

    from .io import NotArrow, _bucketed, _covering

    bucket_rows = BUCKET_ROWS if bucket_rows is None else bucket_rows
    state: dict = {}

    def numbered():
        n = 0
        for batch, geom_name in src.arrow_batches():
            if not batch.num_rows:
                continue
            bounds, unreadable = wkb_bounds(batch.column(geom_name))
            if unreadable.any():
                raise Unfit("a geometry shapely cannot read (screening repairs it)")
            if not state:
                state.update(geom_name=geom_name, metadata=batch.schema.metadata,
                             schema=batch.schema.remove_metadata()
                             .append(pa.field(ROW, pa.int64())).append(pa.field(BOUNDS, _covering(bounds[:0]).type)))
            rows = pa.array(np.arange(n, n + batch.num_rows, dtype=np.int64))
            n += batch.num_rows
            yield pa.RecordBatch.from_arrays([*batch.columns, rows, _covering(bounds)],
                                             schema=state["schema"]), bounds

    from .pipeline import prefetch

    try:
        # rows read and their bounds worked out in a thread while this one files them
        first = _peek(prefetch(numbered(), depth=2))
        if first is None:
            return None
        buckets = _bucketed(work, first, state["schema"], src.extent, bucket_rows, src.n_rows)
    except (Unfit, NotArrow, pa.ArrowInvalid, pa.ArrowTypeError):
        for f in work.iterdir():   # the buckets made so far
            f.unlink()
        return None
    return Presorted(work, buckets, state["geom_name"], state["metadata"], src.chunk_size,
                     4 * bucket_rows)


def _peek(items):
    """``items`` again, or None when it has none (the first is drawn to tell)."""
    it = iter(items)
    try:
        head = next(it)
    except StopIteration:
        return None

    def again():
        yield head
        yield from it

    return again()
