"""Rows in Hilbert-curve order with bounded memory: the curve's keys (:func:`hilbert_keys`)
and the external bucket sort behind a sorted GeoParquet output
(:func:`geozones.io.geoparquet.write_sorted_geoparquet`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .arrow import bounds_of

__all__ = ["HILBERT_LEVEL", "hilbert_keys", "hilbert_index", "bucketed", "sorted_buckets", "wkb_bounds"]


#: Hilbert curve order: a 2^16 × 2^16 grid over the output's extent.
HILBERT_LEVEL = 16
_NO_KEY = 1 << (2 * HILBERT_LEVEL)  # rows without a geometry: after every other row


def hilbert_keys(bounds: np.ndarray, total_bounds) -> np.ndarray:
    """Distance along a Hilbert curve (order 16 over ``total_bounds``) of each bounding box's
    midpoint, as geopandas' ``GeoSeries.hilbert_distance`` computes it (the same cells and
    the same curve, on the bounds: no geometry is built); rows whose bounds are NaN (null or
    empty geometry) get a key after all others."""
    keys = np.full(len(bounds), _NO_KEY, dtype=np.int64)
    ok = ~np.isnan(bounds).any(axis=1)
    if not ok.any():
        return keys
    b = bounds[ok]
    xmin, ymin, xmax, ymax = total_bounds
    x = _cells((b[:, 0] + b[:, 2]) / 2.0, xmin, xmax)
    y = _cells((b[:, 1] + b[:, 3]) / 2.0, ymin, ymax)
    keys[ok] = hilbert_index(x, y)
    return keys


def _cells(values: np.ndarray, low: float, high: float) -> np.ndarray:
    """Midpoint coordinates as cells 0 … 2^16 - 1 of the range ``low`` to ``high`` (clipped;
    all 0 for an empty range), as geopandas discretises them."""
    side = (1 << HILBERT_LEVEL) - 1
    width = high - low
    if width == 0:
        return np.zeros_like(values, dtype=np.uint32)
    cells = (values - low) * (side / width)
    np.clip(cells, 0, side, out=cells)
    return cells.astype(np.uint32)


def hilbert_index(x: np.ndarray, y: np.ndarray, level: int = HILBERT_LEVEL) -> np.ndarray:
    """Position along the Hilbert curve of order ``level`` (at most 16) of the cells ``x``,
    ``y`` (integers 0 … 2^level - 1), as unsigned 32-bit integers.

    F. Giesen's branch-free prefix-scan algorithm (public domain, threadlocalmutex.com), the
    one geopandas uses for ``hilbert_distance``; written here on the public API's behalf
    rather than calling geopandas' private encoder.
    """
    x = np.asarray(x, dtype=np.uint32) << (16 - level)
    y = np.asarray(y, dtype=np.uint32) << (16 - level)
    a = x ^ y
    b = 0xFFFF ^ a
    c = 0xFFFF ^ (x | y)
    d = x & (y ^ 0xFFFF)
    big_a = a | (b >> 1)
    big_b = (a >> 1) ^ a
    big_c = ((c >> 1) ^ (b & (d >> 1))) ^ c
    big_d = ((a & (c >> 1)) ^ (d >> 1)) ^ d
    for shift in (2, 4, 8):
        a, b = big_a, big_b
        c_s, d_s = big_c >> shift, big_d >> shift
        if shift < 8:
            big_a = (a & (a >> shift)) ^ (b & (b >> shift))
            big_b = (a & (b >> shift)) ^ (b & ((a ^ b) >> shift))
        big_c ^= (a & c_s) ^ (b & d_s)   # in place: the shifted copies hold what is needed
        big_d ^= (b & c_s) ^ ((a ^ b) & d_s)
    a = big_c ^ (big_c >> 1)
    b = big_d ^ (big_d >> 1)
    i0 = x ^ y
    i1 = b | (0xFFFF ^ (i0 | a))
    return ((_interleave(i1) << 1) | _interleave(i0)) >> (32 - 2 * level)


def _interleave(v: np.ndarray) -> np.ndarray:
    """The 16 bits of each value spread to the even bits of 32."""
    v = (v | (v << 8)) & 0x00FF00FF
    v = (v | (v << 4)) & 0x0F0F0F0F
    v = (v | (v << 2)) & 0x33333333
    return (v | (v << 1)) & 0x55555555


def bucketed(work: Path, numbered, spill_schema, extent, bucket_rows: int,
              expected_rows: int | None) -> list[tuple[Path, int, int]]:
    """The rows of ``numbered`` (``(batch, bounds (n, 4))``; the batch's last column their
    covering) in bucket files of ``work``, in curve order, keyed over the rows' own extent
    (see :func:`write_sorted_geoparquet`): ``(file, rows, key bits below its range)``."""
    import pyarrow as pa

    key_schema = spill_schema.append(pa.field("__gz_key", pa.int64()))
    if extent is not None and np.isfinite(np.asarray(extent, dtype=float)).all():
        buckets, seen = _bucket_by_extent(work, numbered, key_schema, _curve_extent(extent),
                                          bucket_rows, expected_rows)
        if np.array_equal(_curve_extent(seen), _curve_extent(extent)):
            return buckets
        # not the declared extent: keys over the true one, from the buckets' rows
        return _bucket_by_counts(work, _bucket_batches(buckets, spill_schema), key_schema, bucket_rows)
    return _bucket_by_counts(work, numbered, key_schema, bucket_rows)


def _curve_extent(total) -> np.ndarray:
    """The extent the curve is laid over: ``total`` (xmin, ymin, xmax, ymax), a unit square
    when nothing is finite, at least 1e-9 wide and high (one point: a grid all the same)."""
    total = np.array(total, dtype=float)
    if not np.isfinite(total).all():
        total = np.array([0.0, 0.0, 1.0, 1.0])
    total[2:] = np.maximum(total[2:], total[:2] + 1e-9)
    return total


def _grow(total: np.ndarray, b: np.ndarray) -> None:
    """Widen ``total`` (xmin, ymin, xmax, ymax; ±inf when empty) by bounds ``b`` (n, 4)."""
    with np.errstate(invalid="ignore"):
        if len(b) and not np.isnan(b).all():
            total[:2] = np.minimum(total[:2], np.nanmin(b[:, :2], axis=0))
            total[2:] = np.maximum(total[2:], np.nanmax(b[:, 2:], axis=0))


def _bucket_writer(work: Path, schema, writers: dict, counts: dict, name: str, batch) -> None:
    if name not in writers:
        writers[name] = _new_stream(work / f"bucket-{name}.arrow", schema)
        counts[name] = 0
    writers[name].write_batch(batch)
    counts[name] += batch.num_rows


def _new_stream(path: Path, schema):
    import pyarrow as pa

    return pa.ipc.new_stream(str(path), schema)


def _split_to_buckets(work: Path, batch, keys: np.ndarray, bucket: np.ndarray, schema,
                      writers: dict, counts: dict, prefix: str = "") -> None:
    """Append each row of ``batch`` (with its key) to the file of its ``bucket``: one take,
    then a slice per bucket."""
    import pyarrow as pa

    batch = pa.RecordBatch.from_arrays([*batch.columns, pa.array(keys)], schema=schema)
    order = np.argsort(bucket, kind="stable")
    batch = batch.take(pa.array(order))
    b = bucket[order]
    starts = np.flatnonzero(np.r_[True, b[1:] != b[:-1]])
    ends = np.r_[starts[1:], len(b)]
    for lo, hi in zip(starts.tolist(), ends.tolist()):
        _bucket_writer(work, schema, writers, counts, f"{prefix}{int(b[lo]):05d}", batch.slice(lo, hi - lo))


def _close_all(writers: dict) -> None:
    for w in writers.values():
        w.close()


def _bucket_by_extent(work: Path, numbered, key_schema, total: np.ndarray, bucket_rows: int,
                      expected_rows: int | None) -> tuple[list[tuple[Path, int, int]], np.ndarray]:
    """Rows straight to ``2^k`` equal ranges of the curve over ``total``; the buckets (file,
    rows, key bits below the bucket's range) in curve order, and the rows' own extent."""
    expected = max(int(expected_rows or 0), 1)
    bits = int(np.clip(np.ceil(np.log2(max(expected / max(bucket_rows, 1), 1))), 0, 8))
    shift = 2 * HILBERT_LEVEL - bits
    seen = np.array([np.inf, np.inf, -np.inf, -np.inf])
    writers: dict = {}
    counts: dict = {}
    try:
        for batch, b in _gathered(numbered, FILE_ROWS):
            _grow(seen, b)
            keys = hilbert_keys(b, total)
            _split_to_buckets(work, batch, keys, keys >> shift, key_schema, writers, counts)
    finally:
        _close_all(writers)
    return [(work / f"bucket-{k}.arrow", counts[k], shift) for k in sorted(writers)], seen


#: Rows gathered before they are filed into their buckets: a slice per bucket of a batch
#: this long, not of each chunk (1M rows in 32 buckets: 2,560 writes of about 400 rows cost
#: 0.59 s, 320 writes of about 3,000 rows a fraction of it).
FILE_ROWS = 100_000


def _gathered(numbered, rows: int):
    """``(batch, bounds)`` pairs of ``numbered`` joined into pairs of at least ``rows``
    rows (the last one the rest), in order; empty batches left out."""
    batches: list = []
    bounds: list = []
    have = 0
    for batch, b in numbered:
        if not batch.num_rows:
            continue
        batches.append(batch)
        bounds.append(b)
        have += batch.num_rows
        if have >= rows:
            yield _one_batch(batches), np.concatenate(bounds)
            batches, bounds, have = [], [], 0
    if batches:
        yield _one_batch(batches), np.concatenate(bounds)


def _one_batch(batches):
    """``batches`` (one schema) as one RecordBatch (pyarrow 14 has no ``concat_batches``)."""
    import pyarrow as pa

    if len(batches) == 1:
        return batches[0]
    return pa.Table.from_batches(batches).combine_chunks().to_batches()[0]


def _bucket_batches(buckets, spill_schema):
    """The rows of bucket files, without their keys, and their bounds from the covering."""
    import pyarrow as pa

    covering = spill_schema.names[-1]   # the covering column comes last (geozones.io.geoparquet)
    for f, _, _ in buckets:
        with pa.OSFile(str(f), "rb") as source:
            for batch in pa.ipc.open_stream(source):
                batch = batch.drop_columns(["__gz_key"])
                yield (pa.RecordBatch.from_arrays(batch.columns, schema=spill_schema),
                       bounds_of(batch.column(covering)))
        f.unlink()


def _bucket_by_counts(work: Path, numbered, key_schema, bucket_rows: int) -> list[tuple[Path, int, int]]:
    """Rows spilled, their keys counted over the true extent, then each row appended to a
    bucket of about ``bucket_rows`` rows; the buckets in curve order (file, rows, 0)."""
    import pyarrow as pa

    spill, boxes = work / "rows.arrow", work / "bounds.f64"
    total = np.array([np.inf, np.inf, -np.inf, -np.inf])
    n = 0
    spill_schema = key_schema.remove(key_schema.get_field_index("__gz_key"))
    with pa.OSFile(str(spill), "wb") as sink, pa.ipc.new_file(sink, spill_schema) as w, \
            open(boxes, "wb") as box_sink:
        for batch, b in numbered:
            _grow(total, b)
            w.write_batch(batch)
            box_sink.write(np.ascontiguousarray(b, dtype="<f8").tobytes())  # 32 bytes a row
            n += batch.num_rows
    total = _curve_extent(total)

    def keys_of(fh, rows: int) -> np.ndarray:
        """The keys of the next ``rows`` rows, from their bounds in the side file."""
        return hilbert_keys(np.frombuffer(fh.read(rows * 32), dtype="<f8").reshape(-1, 4), total)

    shift = 2 * HILBERT_LEVEL - 20
    counts = np.zeros((1 << 20) + 1, dtype=np.int64)
    with open(boxes, "rb") as fh:  # the bounds alone: 32 bytes a row, not the rows
        for start in range(0, n, 1 << 16):
            counts += np.bincount(keys_of(fh, min(1 << 16, n - start)) >> shift, minlength=len(counts))
    size = max(bucket_rows, -(-n // 256), 1)
    bucket_of = np.unique((np.cumsum(counts) - counts) // size, return_inverse=True)[1]
    writers: dict = {}
    rows_in: dict = {}
    try:
        with pa.OSFile(str(spill), "rb") as source, open(boxes, "rb") as fh:
            reader = pa.ipc.open_file(source)   # read, not mapped: RSS stays a batch
            for i in range(reader.num_record_batches):
                batch = reader.get_batch(i)
                if not batch.num_rows:
                    continue
                keys = keys_of(fh, batch.num_rows)
                _split_to_buckets(work, batch, keys, bucket_of[keys >> shift], key_schema, writers,
                                  rows_in, prefix="c")
                del batch
    finally:
        _close_all(writers)
    spill.unlink()
    boxes.unlink()
    # a bucket of ranges is not one range of the curve's bits: never split again (shift 0)
    return [(work / f"bucket-{k}.arrow", rows_in[k], 0) for k in sorted(writers)]


def sorted_buckets(work: Path, buckets, limit: int, row_name: str = "gz_row"):
    """Each bucket's rows sorted by key, then ``row_name``, in curve order; a bucket of more
    than ``limit`` rows whose keys share their bits above ``shift`` is first split by the next
    4 bits (streamed, so memory stays a batch), and so on."""
    import pyarrow as pa

    for f, rows, shift in buckets:
        if rows > limit and shift > 0:
            sub_shift = max(shift - 4, 0)
            writers: dict = {}
            counts: dict = {}
            lo = np.full(16, np.iinfo(np.int64).max)   # per part: its least and greatest key
            hi = np.full(16, np.iinfo(np.int64).min)
            prefix = f"{f.stem[len('bucket-'):]}-"
            try:
                with pa.OSFile(str(f), "rb") as source:
                    for batch in pa.ipc.open_stream(source):
                        keys = batch.column(batch.num_columns - 1).to_numpy()
                        part = (keys >> sub_shift) & 15
                        np.minimum.at(lo, part, keys)
                        np.maximum.at(hi, part, keys)
                        body = batch.drop_columns(["__gz_key"])
                        _split_to_buckets(work, body, keys, part, batch.schema, writers, counts,
                                          prefix=prefix)
            finally:
                _close_all(writers)
            f.unlink()
            # a part of one key throughout (rows on one spot, or no geometry): no bits left
            # that could split it
            parts = [(work / f"bucket-{k}.arrow", counts[k],
                      sub_shift if lo[int(k[len(prefix):])] != hi[int(k[len(prefix):])] else 0)
                     for k in sorted(writers)]
            yield from sorted_buckets(work, parts, limit, row_name)
            continue
        with pa.OSFile(str(f), "rb") as source:
            table = pa.ipc.open_stream(source).read_all()
        order = np.lexsort((table.column(row_name).to_numpy(), table.column("__gz_key").to_numpy()))
        f.unlink()
        yield table.drop_columns(["__gz_key"]).take(pa.array(order))


def wkb_bounds(column) -> np.ndarray | None:
    """The bounds (n, 4) of an Arrow column of WKB values as a screened output's covering
    gives them (:func:`geozones.io.arrow.to_arrow`): the bounds of each value as read, NaN
    throughout for a null or empty geometry (or one with a NaN bound). Single rings are read
    from the column's buffers (:func:`geozones.core.rings.from_buffer`), the rest by shapely.
    None when a value cannot be read as the screen reads it (a curve, broken WKB): the screen
    writes a repair there, whose bounds are not known before it is screened."""
    import pyarrow as pa
    import shapely

    from ..core import rings
    from ..core.arrays import is_none
    from ..core.geometry import parse_many

    arr = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    if isinstance(arr, pa.ExtensionArray):
        arr = arr.storage
    n = len(arr)
    bounds = np.full((n, 4), np.nan)
    valid = arr.is_valid().to_numpy(zero_copy_only=False)
    other = valid.copy()
    if n and (pa.types.is_binary(arr.type) or pa.types.is_large_binary(arr.type)):
        width = np.int64 if pa.types.is_large_binary(arr.type) else np.int32
        _validity, offsets_buf, data = arr.buffers()
        offsets = np.frombuffer(offsets_buf, dtype=width)[arr.offset: arr.offset + n + 1].astype(np.int64)
        rows = np.flatnonzero(valid)
        buf = np.frombuffer(data, dtype=np.uint8) if data is not None else np.zeros(0, dtype=np.uint8)
        found = rings.from_buffer(buf, offsets[:-1][rows], np.diff(offsets)[rows], rows)
        if len(found):
            bounds[found.rows] = found.bounds
            other[found.rows] = False
    if other.any():
        raw = arr.filter(pa.array(other)).to_numpy(zero_copy_only=False)
        geoms = parse_many(np.asarray(raw, dtype=object), wkb=True, curves=False)[0]
        if is_none(geoms).any():
            return None
        bounds[other] = shapely.bounds(geoms)
    bounds[np.isnan(bounds).any(axis=1)] = np.nan
    return bounds
