"""The one row order a batch output may take besides the input's: along a Hilbert curve.

A GeoParquet output is ordered along a Hilbert curve by default (``--sort hilbert``): a
reader asking for a small region then reads the few row groups whose bbox statistics meet
it, and ``gz_row`` (each row's input position) gives the input order back. The rows are
screened and come to the writer in input order; the writer sorts them with one external
bucket sort (:func:`geozones.io.write_sorted_geoparquet`: memory bounded by a bucket, keys
from :func:`hilbert_keys`). Every other format, and ``--sort none``, keeps the input order.

There used to be a second sort, of the *input's* rows before screening (so that encoding
overlapped screening), kept byte-identical to this one. It went with the engine it served;
what it bought, measured on 300,000 GeoParquet rows, 2 cores (bench_peers, best of 3): the
sorted screen took 1.39 s with it (the starting commit) and 1.68 s with this sort alone,
which runs its last pass (bucket sort and encoding) after the last part is screened.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import InputError

__all__ = ["SORTS", "DEFAULT_SORT", "resolve_sort", "hilbert_keys"]

#: Row orders of a GeoParquet output (``--sort``); other formats keep the input order.
SORTS: tuple[str, ...] = ("hilbert", "none")
#: The order of a GeoParquet output unless told.
DEFAULT_SORT = "hilbert"


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
