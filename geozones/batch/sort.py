"""The one row order a batch output may take besides the input's: along a Hilbert curve.

A GeoParquet output is ordered along a Hilbert curve by default (``--sort hilbert``): a
reader asking for a small region then reads the few row groups whose bbox statistics meet
it, and ``gz_row`` (each row's input position) gives the input order back. The order is
one external bucket sort (:mod:`geozones.io.hilbert`: keys from :func:`hilbert_keys` over
the rows' extent, ties by input position, memory bounded by a bucket), done at one of two
moments, whichever the run allows:

* **before screening** (:func:`sort_input`), when the run screens in worker processes and
  its input is GeoParquet written back unchanged (no datum conversion): the input's rows
  (their attributes and WKB, with their input position) are bucketed by the bounds they
  will be written with, each bucket is a part that a worker sorts and screens, and the
  writer encodes the parts as they come, in order, while later ones are screened;
* **after screening** otherwise (:func:`geozones.io.write_sorted_geoparquet`): the screened
  rows, coming in input order, are bucketed by their covering, and the buckets sorted and
  encoded once the last part is screened.

Both give the same file, row for row (tests/test_batch_sort.py). Sorting first is what keeps
the sort's cost small: sorted only after screening, the last pass ran alone after the last
part, and 1,000,000 GeoParquet rows took 4.17 s against the starting commit's 3.05 s, which
sorted first (bench_peers, 2 cores, same sitting). Every other format, and ``--sort none``,
keeps the input order.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np

from ..errors import InputError

__all__ = ["SORTS", "DEFAULT_SORT", "BUCKET_ROWS", "resolve_sort", "hilbert_keys", "sort_input",
           "sorted_chunks", "ahead"]

#: Row orders of a GeoParquet output (``--sort``); other formats keep the input order.
SORTS: tuple[str, ...] = ("hilbert", "none")
#: The order of a GeoParquet output unless told.
DEFAULT_SORT = "hilbert"
#: Rows per bucket of the sort (a bucket is sorted in memory; one of more than four times
#: this many rows on one stretch of the curve is split further).
BUCKET_ROWS = 50_000
#: The columns a bucket of input rows carries besides the input's: each row's input
#: position and its bounds as a covering (last, as :func:`geozones.io.bucketed` wants).
ROW, BOUNDS = "__gz_row", "__gz_bbox"


def resolve_sort(sort: str | None, driver: str, out: Path | str) -> str:
    """The row order of an output written by ``driver``: ``sort`` when given (one of
    :data:`SORTS`; anything but ``none`` only for GeoParquet), else :data:`DEFAULT_SORT`
    for GeoParquet and ``none`` for other formats."""
    if sort is None:
        sort = DEFAULT_SORT if driver == "Parquet" else "none"
    if sort not in SORTS or (sort != "none" and driver != "Parquet"):
        raise InputError("sort_parquet_only", sort=str(sort), path=str(out))
    return sort


def hilbert_keys(bounds: np.ndarray, total_bounds) -> np.ndarray:
    """Each bounding box's distance along the Hilbert curve of order 16 laid over
    ``total_bounds`` (xmin, ymin, xmax, ymax), from its midpoint, as geopandas'
    ``hilbert_distance`` gives it; a NaN box (null or empty geometry) after every other.
    The sort orders rows by this key, then by input position."""
    from ..io import hilbert_keys as keys

    return keys(np.asarray(bounds, dtype=float), total_bounds)


def sort_input(src, work: Path, bucket_rows: int = BUCKET_ROWS) -> list[tuple[Path, int, int]] | None:
    """The rows of ``src`` (a GeoParquet :class:`geozones.io.Reader`) put into bucket files
    of ``work``, in curve order, ready to be sorted and screened bucket by bucket
    (:func:`sorted_chunks`): ``[(file, rows, key bits below its range)]``, the buckets the
    sort after screening would make of the same rows. None when a geometry cannot be read
    as the screen reads it (its output bounds are a repair's): the run sorts after
    screening. Reads the whole input once."""
    import pyarrow as pa

    from ..io import bucketed, covering, wkb_bounds

    geom = src.geometry_column
    batches = src.arrow_batches()
    first = next(batches, None)
    if first is None:
        return []
    schema = first.schema.remove_metadata().append(pa.field(ROW, pa.int64())).append(
        pa.field(BOUNDS, pa.struct([(k, pa.float64()) for k in ("xmin", "ymin", "xmax", "ymax")])))
    found: list = []

    def numbered():
        n = 0
        for batch in itertools.chain([first], batches):
            b = wkb_bounds(batch.column(geom))
            if b is None:
                found.append(n)
                return
            rows = pa.array(np.arange(n, n + batch.num_rows, dtype=np.int64))
            n += batch.num_rows
            yield pa.RecordBatch.from_arrays([*batch.columns, rows, covering(b)], schema=schema), b

    work.mkdir(parents=True, exist_ok=True)
    # the rows read and their bounds worked out in a thread while this one files them
    # (Arrow and numpy let go of the GIL): the pass takes the longer of the two, not the sum
    buckets = bucketed(work, ahead(numbered()), schema, src.extent, bucket_rows, src.n_rows)
    if found:   # stopped at an unreadable geometry: the buckets are incomplete
        for f, _, _ in buckets:
            f.unlink(missing_ok=True)
        return None
    return buckets


def ahead(items, depth: int = 2):
    """The items of the iterator ``items``, made in a thread of their own up to ``depth``
    ahead of the caller; an error there is raised here, and the thread stops when the
    caller does."""
    import queue
    import threading

    q: queue.Queue = queue.Queue(depth)
    stop = threading.Event()
    end = object()

    def make():
        try:
            for item in items:
                while not stop.is_set():
                    try:
                        q.put((item, None), timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            q.put((end, None))
        except BaseException as exc:   # handed to the caller
            q.put((end, exc))

    thread = threading.Thread(target=make, name="geozones-sort-ahead", daemon=True)
    thread.start()
    try:
        while True:
            item, exc = q.get()
            if item is end:
                if exc is not None:
                    raise exc
                return
            yield item
    finally:
        stop.set()
        thread.join()


def sorted_chunks(src, bucket: tuple[str, int, int], read_geometries: bool,
                  bucket_rows: int = BUCKET_ROWS):
    """The chunks ``(attributes, geometries, raw WKB, (input positions, bounds (n, 4)))``
    of one bucket of :func:`sort_input`, sorted (key, then input position) and cut in
    ``src.chunk_size`` rows; the bucket's file is removed."""
    from ..io import bounds_of, regroup, sorted_buckets, split_wkb

    path, rows, shift = bucket
    f = Path(path)
    tables = sorted_buckets(f.parent, [(f, rows, shift)], 4 * bucket_rows, ROW)
    for table in regroup(tables, src.chunk_size):
        table = table.combine_chunks()
        order = (table.column(ROW).to_numpy(), bounds_of(table.column(BOUNDS).combine_chunks()))
        df, geoms, raw = split_wkb(table.drop_columns([ROW, BOUNDS]), src.geometry_column, read_geometries)
        yield df, geoms, raw, order
