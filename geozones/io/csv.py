"""CSV with WKT geometry: read in chunks (or in byte ranges of records, a dask worker's
part), written with WKT at full precision. :func:`read_wkt` is the one WKT reader, shared
with the footprint given on the command line (:mod:`geozones.io.footprint`).
"""

from __future__ import annotations

import io as _stdio
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely

from ..core.coords import parse_crs
from ..core.geometry import parse_many
from ..errors import InputError, first_line
from .base import Reader
from .serialise import write_csv_frame

__all__ = ["read_wkt", "CsvReader", "csv_record_offsets", "csv_text", "RenderedCsv", "write_csv"]


def read_wkt(texts, curves: bool = False) -> np.ndarray:
    """Geometries from WKT texts (an object array; None stays None), None where a text does
    not parse. Curved geometries (CIRCULARSTRING, CURVEPOLYGON …) are linearised with
    ``curves``, else left None for the caller to repair and note (the batch path)."""
    return parse_many(np.asarray(texts, dtype=object), wkb=False, curves=curves)[0]


class CsvReader(Reader):
    """A CSV whose geometry is WKT in the column ``wkt_column`` (required); its CRS is the one
    given, else WGS84 lon/lat (noted as assumed); UTF-8 unless told, GB18030 when UTF-8 fails
    on the header."""

    kind = "csv"

    def _open(self) -> None:
        import pandas as pd

        if not self.wkt_column:
            raise InputError("csv_no_wkt", path=str(self.path))
        try:
            head = pd.read_csv(self.path, nrows=0, encoding=self.encoding or "utf-8")
        except UnicodeDecodeError:
            self.encoding = "GB18030"
            self.encoding_source = "decodes as GB18030"
            head = pd.read_csv(self.path, nrows=0, encoding=self.encoding)
        except Exception as exc:
            raise InputError("file_read", path=str(self.path), why=first_line(exc)) from None
        if self.wkt_column not in head.columns:
            raise InputError("column_missing", path=str(self.path), column=self.wkt_column,
                             columns=", ".join(map(str, head.columns)))
        self.columns = [c for c in head.columns if c != self.wkt_column]
        self.wkt_position = list(head.columns).index(self.wkt_column)
        self.layer_name = self.path.stem
        self.n_rows = None
        self.crs = parse_crs(self._given_crs or "EPSG:4326")
        self.crs_assumed = self._given_crs is None
        self.encoding = self.encoding or "utf-8"

    def chunks(self):
        yield from self._chunks(self.path)

    def _chunks(self, source):
        import pandas as pd

        reader = pd.read_csv(source, chunksize=self.chunk_size,
                             encoding=self.encoding, dtype=str, keep_default_na=False)
        for df in reader:
            raw = df.pop(self.wkt_column).to_numpy(dtype=object)
            text = np.where(raw == "", None, raw)
            yield df.reset_index(drop=True), read_wkt(text), text

    def chunks_in(self, start: int, stop: int, csv_bytes: tuple[int, int] | None = None):
        """The records in the bytes ``csv_bytes = (begin, end)`` (:func:`csv_record_offsets`),
        after the header line."""
        if csv_bytes is None:
            raise ValueError("a CSV part is given by its byte range")
        header_end = csv_record_offsets(self.path, 1, limit=1, block=1 << 16)[0][0]
        yield from self._chunks(_stdio.BufferedReader(_ByteRanges(self.path, [(0, header_end), csv_bytes])))


class _ByteRanges(_stdio.RawIOBase):
    """A file read as the concatenation of some of its byte ranges (a CSV part: the header
    line, then the part's records), streamed: memory is bounded by the reader's buffer."""

    def __init__(self, path, ranges: list[tuple[int, int]]) -> None:
        super().__init__()
        self._fh = open(path, "rb")
        self._ranges = [r for r in ranges if r[1] > r[0]]
        self._pos = self._ranges[0][0] if self._ranges else 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while self._ranges:
            begin, end = self._ranges[0]
            if self._pos >= end:
                self._ranges.pop(0)
                self._pos = self._ranges[0][0] if self._ranges else 0
                continue
            self._fh.seek(self._pos)
            data = self._fh.read(min(len(buffer), end - self._pos))
            if not data:
                self._ranges.clear()
                return 0
            buffer[: len(data)] = data
            self._pos += len(data)
            return len(data)
        return 0

    def close(self) -> None:
        self._fh.close()
        super().close()


def csv_record_offsets(path, every: int, limit: int | None = None,
                       block: int = 1 << 24) -> tuple[list[int], int]:
    """Where a CSV's data records 0, ``every``, 2·``every`` … begin, in bytes, and how many
    data records it has (the header line is not one).

    A record ends at a newline outside double quotes (a quoted field may hold newlines; a
    doubled quote inside one toggles twice), so the scan is one vectorised pass over the
    bytes. UTF-8 and GB18030 never use the bytes of ``"`` or newline inside a character.
    Blank lines count here, while the CSV reader skips them: a part's rows are numbered by
    its reader, never from these counts. ``limit``: stop after that many offsets.
    """
    starts: list[int] = []
    ends = 0          # record ends seen (the header's is the first)
    offset = 0
    parity = 0        # quotes seen so far, modulo 2
    last = b""
    with open(path, "rb") as fh:
        while True:
            buf = fh.read(block)
            if not buf:
                break
            a = np.frombuffer(buf, dtype=np.uint8)
            inside = (np.cumsum(a == 34) + parity) & 1
            nl = np.flatnonzero((a == 10) & (inside == 0))
            parity = int(inside[-1])
            count = ends + np.arange(len(nl))  # data record k begins after record end k
            starts.extend((offset + nl[count % every == 0] + 1).tolist())
            ends += len(nl)
            offset += len(buf)
            last = buf[-1:]
            if limit is not None and len(starts) >= limit:
                return starts[:limit], -1
    n = ends - (1 if last == b"\n" else 0)
    return [s for s in starts if s < offset], max(n, 0)


@dataclass
class RenderedCsv:
    """CSV records already rendered by :func:`csv_text` into a file (a dask worker's part),
    copied into the output as they are."""

    path: Path
    rows: int


def csv_text(gdf, wkt_column: str | None = None, wkt_position: int | None = None,
             header: bool = False) -> str:
    """One chunk as CSV text: WKT at full precision (shortest text that reads back as the
    same doubles) in the column ``wkt_column`` (default ``geometry``) at ``wkt_position``
    (default last); the header line only when ``header``."""
    import pandas as pd

    from .arrow import frame_of

    gdf = frame_of(gdf)
    geom_name = gdf.geometry.name
    df = pd.DataFrame(gdf.drop(columns=geom_name))
    name = wkt_column or "geometry"
    pos = len(df.columns) if wkt_position is None else min(wkt_position, len(df.columns))
    df.insert(pos, name, shapely.to_wkt(gdf.geometry.values, rounding_precision=-1))
    return write_csv_frame(df, None, header=header) or ""


def write_csv(path: Path, chunks, wkt_column: str | None = None, wkt_position: int | None = None) -> int:
    """Write chunks (GeoDataFrames, or :class:`RenderedCsv` parts copied as they are) to one
    CSV, the header once; WKT at full precision (shortest text that reads back as the same
    doubles), in the input's WKT column name and position when the input was a CSV. Returns
    the rows written."""
    rows = 0
    with open(path, "wb") as fh:
        for k, chunk in enumerate(chunks):
            if isinstance(chunk, RenderedCsv):  # rendered by a dask worker: copied
                with open(chunk.path, "rb") as part:
                    shutil.copyfileobj(part, fh, 1 << 20)
                rows += chunk.rows
                continue
            fh.write(csv_text(chunk, wkt_column, wkt_position, header=not k).encode("utf-8"))
            rows += len(chunk)
    return rows
