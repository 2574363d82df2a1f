"""What every reader shares: the :class:`Reader` protocol, the chunk it yields, the CRS it
settles on, and the few helpers that turn an Arrow batch of WKB into a chunk.

A chunk is ``(attributes DataFrame, geometry array, raw geometry array)``: the geometries
are shapely objects (None where unreadable, or where their reading is left to the core),
the raw values are what the file held (WKB bytes or WKT text), so a caller can repair or
report an unreadable row.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from ..core.coords import crs_label, parse_crs
from ..core.geometry import parse_many
from ..errors import InputError

__all__ = ["Reader", "Chunk", "resolve_crs", "is_wgs84_lonlat", "split_wkb",
           "read_or_leave", "extent_of", "sound", "text_encoding_of", "ROW_FAULT", "refuse_duplicates"]

#: The column of a chunk's attributes that holds, per row, why the reader could not read it
#: (a :class:`~geozones.errors.GeozonesError`: a CSV line with the wrong number of fields or
#: bytes not in the file's encoding) or None; present only when a row of the chunk has one.
#: The screen makes such a row an error row with that reason (no input column can be named so).
ROW_FAULT = "\x00row_fault"

#: ``(attributes DataFrame, geometries (object array), raw WKB or WKT (object array))``.
Chunk = tuple[Any, np.ndarray, np.ndarray]

#: Rows per chunk a reader yields unless told (``--chunk-size``): what a chunk holds is what
#: bounds a run's memory. 12,500 rows: on 1M GeoParquet rows and 2 cores, 370 MB at the speed
#: of 25,000 rows' 460 MB when worker processes screen.
DEFAULT_CHUNK_ROWS = 12_500


def is_wgs84_lonlat(crs) -> bool:
    """True for WGS84 longitude/latitude (EPSG:4326 or OGC:CRS84, GeoJSON's CRS) without a
    web-map datum: coordinates that may have been copied from Gaode/Baidu all the same."""
    from ..core.datums import datum_of

    if crs is None or datum_of(crs) is not None:
        return False
    from pyproj import CRS

    return CRS(crs).equals(CRS.from_epsg(4326), ignore_axis_order=True)


def resolve_crs(file_crs, given, path: str):
    """The CRS to read a file with: its own, or ``given`` (``--crs``) when it has none.

    ``--crs GCJ-02``/``BD-09`` is accepted for a file that says WGS84 lon/lat (GeoJSON always
    does): the file's numbers are then read as that datum. Any other disagreement is refused.
    """
    from ..core.datums import datum_of

    if file_crs is None:
        if given is None:
            raise InputError("file_no_crs", path=path)
        return parse_crs(given)
    file_crs = parse_crs(file_crs)
    if given is None:
        return file_crs
    given_crs = parse_crs(given)
    if datum_of(given_crs) is not None and is_wgs84_lonlat(file_crs):
        return given_crs
    if given_crs != file_crs:
        raise InputError("crs_conflict", path=path, file_crs=crs_label(file_crs),
                         crs=crs_label(given_crs))
    return file_crs


def text_encoding_of(fh, sample_bytes: int | None = None, block: int = 1 << 20) -> str | None:
    """Which encoding every byte of a binary stream (from where it stands) decodes in:
    ``"ASCII"``, ``"UTF-8"``, ``"GB18030"`` (a superset of GBK and GB2312), or None for
    neither. Streamed in ``block`` bytes; ``sample_bytes`` limits how much is read (None:
    to the end; a character cut by the end of the sample is then fine)."""
    import codecs

    decoders = {"UTF-8": codecs.getincrementaldecoder("utf-8")(),
                "GB18030": codecs.getincrementaldecoder("gb18030")()}
    fits = {"UTF-8": True, "GB18030": True}
    ascii_only = True
    left = sample_bytes
    while any(fits.values()):
        raw = fh.read(block if left is None else min(block, left))
        if not raw:
            break
        if left is not None:
            left -= len(raw)
        if ascii_only and raw.isascii():
            continue
        ascii_only = False
        for name, dec in decoders.items():
            if fits[name]:
                try:
                    dec.decode(raw)
                except UnicodeDecodeError:
                    fits[name] = False
    if ascii_only:
        return "ASCII"
    for name, dec in decoders.items():
        if fits[name]:
            try:
                dec.decode(b"", final=sample_bytes is None)
            except UnicodeDecodeError:
                continue
            return name
    return None


def refuse_duplicates(names, path: str) -> None:
    """Refuse a header that names a column twice (exactly: names equal but for letter case
    are kept apart in the output, :mod:`geozones.io.names`): which of the two a row's value
    belongs to cannot be told."""
    seen: dict[str, int] = {}
    for name in map(str, names):
        seen[name] = seen.get(name, 0) + 1
    twice = [(name, n) for name, n in seen.items() if n > 1]
    if twice:
        raise InputError("columns_duplicate", path=path, column=twice[0][0], n=twice[0][1])


def extent_of(value) -> tuple[float, float, float, float] | None:
    """Four finite numbers (xmin, ymin, xmax, ymax) from a file's metadata, else None."""
    try:
        out = tuple(float(v) for v in value)
    except (TypeError, ValueError):
        return None
    return out if len(out) == 4 and all(np.isfinite(out)) else None


def sound(batch) -> bool:
    """The batch's arrays keep Arrow's invariants (checked in full: offsets, lengths, UTF-8),
    so converting it cannot crash the process (GDAL's FlatGeobuf stream breaks them)."""
    import pyarrow as pa

    try:
        batch.validate(full=True)
    except pa.ArrowInvalid:
        return False
    return True


def split_wkb(batch, geom_name: str, read: bool = True) -> Chunk:
    """An Arrow batch or table as ``(attributes, geometries, raw WKB)``; a WKB value that
    cannot be parsed gives a None geometry (the caller repairs or reports it). With
    ``read=False`` no WKB is read: every geometry is None, left to the core (which reads
    only the rows it needs as geometries: :meth:`Proposals.build`).

    An attribute named like the geometry column (``wkb_geometry`` in a shapefile, which GDAL's
    stream also calls its geometry) stays an attribute: the geometry is the column GDAL
    marks as WKB (``geoarrow.wkb``), else the last of that name."""
    names = batch.schema.names
    if names.count(geom_name) > 1:
        same = [i for i, n in enumerate(names) if n == geom_name]
        marked = [i for i in same if b"ARROW:extension:name" in (batch.schema.field(i).metadata or {})]
        at = (marked or same)[-1]
        geom_name = "\x00geometry"
        batch = batch.rename_columns([geom_name if i == at else n for i, n in enumerate(names)])
    df = batch.to_pandas()
    raw = (df.pop(geom_name).to_numpy(dtype=object) if geom_name in df
           else np.full(len(df), None, dtype=object))
    return df.reset_index(drop=True), read_or_leave(raw, read), raw


def read_or_leave(raw: np.ndarray, read: bool) -> np.ndarray:
    """The geometries of WKB values (None where unreadable), or all None when the reading is
    left to the core (``read=False``)."""
    return parse_many(raw, wkb=True, curves=False)[0] if read else np.full(len(raw), None, dtype=object)


class Reader:
    """A table of features read in chunks (one subclass per format family).

    After opening: ``crs``, ``n_rows`` (None if unknown), ``columns``, ``encoding`` (and
    ``encoding_source``: how it was decided), ``geometry_type`` and ``extent`` (as the input
    declares them, or None), ``layer_name`` (kept in the output). :meth:`chunks` yields
    :data:`Chunk` s of ``chunk_size`` rows, where unreadable geometries are None in the
    geometry array but present (bytes or text) in the raw one.
    """

    #: the format family: "gdal", "parquet", "csv" or "dxf"
    kind = ""

    def __init__(self, path: str | Path, *, layer: str | None = None, encoding: str | None = None,
                 wkt_column: str | None = None, crs: Any = None, chunk_size: int = DEFAULT_CHUNK_ROWS) -> None:
        self.path = Path(path)
        #: the input as messages name it (a table URI without its password)
        self.shown = self.shown_name(path)
        self.layer = layer
        self.chunk_size = chunk_size
        self.wkt_column = wkt_column
        self.encoding = encoding
        self.encoding_source = "--encoding" if encoding else ""
        self.geometry_type: str | None = None   #: declared by the input (GDAL, GeoParquet)
        #: the extent the input declares (GeoParquet ``bbox``, GDAL's layer extent), or None: a
        #: hint only (a sorted output checks it against the rows, see write_sorted_geoparquet)
        self.extent: tuple[float, float, float, float] | None = None
        #: read the WKB into geometries (False: left to the core, see :func:`split_wkb`)
        self.read_geometries = True
        self.layer_name: str | None = layer     #: the input's layer (kept in the output)
        self.dxf_counts = None
        self.datum_note = None
        self.crs_assumed = False
        self.columns: list[str] = []
        self.n_rows: int | None = None
        self.crs: Any = None
        self._given_crs = crs
        self._open()
        refuse_duplicates(self.header(), self.shown)

    @staticmethod
    def shown_name(path: str | Path) -> str:
        """How messages name the input at ``path``."""
        return str(Path(path))

    def header(self) -> list[str]:
        """Every column the file names, the geometry's too (checked for duplicates)."""
        return list(self.columns)

    def _open(self) -> None:
        """Read what the file declares (schema, CRS, row count)."""
        raise NotImplementedError

    def _resolve_crs(self, file_crs):
        self.crs_assumed = False
        return resolve_crs(file_crs, self._given_crs, self.shown)

    def chunks(self) -> Iterator[Chunk]:
        """Every row, in chunks of ``chunk_size`` rows."""
        raise NotImplementedError

    def chunks_in(self, start: int, stop: int,
                  csv_bytes: tuple[int, int] | None = None) -> Iterator[Chunk]:
        """The chunks of rows ``start`` to ``stop`` (exclusive), cut as :meth:`chunks` cuts
        them when ``start`` is a multiple of the chunk size: a part read on its own gives the
        same chunks as the whole read (a worker of the dask engine, geozones.distributed)."""
        raise ValueError(f"{self.kind} input is read whole")
