"""CSV with WKT geometry: read in chunks (or in byte ranges of records, a dask worker's
part), written with WKT at full precision. :func:`read_wkt` is the one WKT reader, shared
with the footprint given on the command line (:mod:`geozones.io.footprint`).
"""

from __future__ import annotations

import io as _stdio
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely

from ..core.arrays import is_none
from ..core.coords import parse_crs
from ..core.geometry import parse_many
from ..errors import InputError, first_line
from .base import ROW_FAULT, Reader, refuse_duplicates, text_encoding_of
from .serialise import write_csv_frame

__all__ = ["read_wkt", "CsvReader", "csv_record_offsets", "csv_text", "RenderedCsv", "write_csv"]


def read_wkt(texts, curves: bool = False) -> np.ndarray:
    """Geometries from WKT texts (an object array; None stays None), None where a text does
    not parse. Curved geometries (CIRCULARSTRING, CURVEPOLYGON …) are linearised with
    ``curves``, else left None for the caller to repair and note (the batch path)."""
    return parse_many(np.asarray(texts, dtype=object), wkb=False, curves=curves)[0]


class CsvReader(Reader):
    """A CSV whose geometry is WKT in the column ``wkt_column`` (required); its CRS is the one
    given, else WGS84 lon/lat (noted as assumed). Its encoding is ``encoding``, else the
    one every byte of the file decodes in: UTF-8, else GB18030 (unless the header is UTF-8
    and not ASCII: the file is UTF-8 with some lines that are not).

    What is malformed, and what becomes of it (``docs/formats.md``):

    * a line with more or fewer fields than the header, or with bytes not in the encoding:
      that row is an error row (:data:`~geozones.io.base.ROW_FAULT`, its line named), its
      fields kept in order; every other row is read;
    * a header that names a column twice, a quote never closed (the rest of the file would
      be one field), a header not in the encoding: the file is refused in one line that
      names the column or the line.

    Rows are parsed by Python's :mod:`csv` (the same reading of quotes as pandas'), one
    chunk of ``chunk_size`` rows at a time; blank lines are skipped."""

    kind = "csv"

    def _open(self) -> None:
        if not self.wkt_column:
            raise InputError("csv_no_wkt", path=str(self.path))
        try:
            if self.encoding is None:
                self.encoding, self.encoding_source = self._sniff()
            with open(self.path, "rb") as fh:
                first = next(self._rows(fh), None)
        except OSError as exc:
            raise InputError("file_read", path=str(self.path), why=first_line(exc)) from None
        if first is None:
            raise InputError("file_read", path=str(self.path), why="no header line")
        header, line, _n, bad = first
        if bad:
            raise InputError("csv_header_bytes", path=str(self.path), encoding=self.encoding)
        self._header = header
        self._header_lines = line
        refuse_duplicates(header, str(self.path))
        if self.wkt_column not in header:
            raise InputError("column_missing", path=str(self.path), column=self.wkt_column,
                             columns=", ".join(header))
        self.columns = [c for c in header if c != self.wkt_column]
        self.wkt_position = header.index(self.wkt_column)
        self.layer_name = self.path.stem
        self.n_rows = None
        self.crs = parse_crs(self._given_crs or "EPSG:4326")
        self.crs_assumed = self._given_crs is None

    def header(self) -> list[str]:
        return list(self._header)

    def _sniff(self) -> tuple[str, str]:
        """The file's encoding when none is given, and how it was decided."""
        with open(self.path, "rb") as fh:
            head = fh.readline()
            fh.seek(0)
            found = text_encoding_of(fh)
        utf8_header = not head.isascii() and _decodes(head, "utf-8")
        if found == "GB18030" and not utf8_header:
            return "GB18030", "decodes as GB18030"
        return "utf-8", ""

    def _rows(self, fh, line_offset=None):
        """``(fields, line, lines, undecodable)`` per record of the binary stream ``fh``, the
        header's first: its first line (1-based, in the file: ``line_offset()`` is added to
        the lines after the header, for a part of the file), how many lines it spans, and
        whether it holds bytes not in the encoding. Blank lines are skipped; a quote never
        closed is refused (``csv_unterminated``)."""
        import csv

        assert self.encoding is not None  # _open sets it
        text = _stdio.TextIOWrapper(fh, encoding=self.encoding, errors="surrogateescape", newline="")
        bad_lines: set[int] = set()

        def lines():
            for n, line in enumerate(text, start=1):
                if not line.isascii() and _ESCAPED.search(line):
                    bad_lines.add(n)
                yield line
            yield _END

        reader = csv.reader(lines())
        last = 0
        offset = 0
        for fields in reader:
            first, last = last + 1, reader.line_num
            if fields and _END in fields[-1]:
                if fields == [_END]:
                    break
                if line_offset is not None and first > 1:
                    offset = line_offset()
                raise InputError("csv_unterminated", path=str(self.path), line=first + offset)
            if not fields:
                continue
            bad = bool(bad_lines) and any(n in bad_lines for n in range(first, last + 1))
            if bad:
                fields = [_ESCAPED.sub("\ufffd", f) for f in fields]
            yield fields, first, last - first + 1, bad

    def chunks(self):
        with open(self.path, "rb") as fh:
            yield from self._chunks(fh)

    def _chunks(self, fh, line_offset=None):
        import pandas as pd

        header, wkt = self._header, self.wkt_column
        n = len(header)
        rows: list[list[str]] = []
        faults: list = []
        any_fault = False
        found: list[int] = []

        def lines_before() -> int:   # a part of the file: the lines above it, once
            if not found:
                found.append(0 if line_offset is None else line_offset())
            return found[0]

        def chunk():
            cols = list(zip(*rows)) if rows else [()] * n
            df = pd.DataFrame({name: list(col) for name, col in zip(header, cols)})
            text = df.pop(wkt).to_numpy(dtype=object, copy=True)
            text[text == ""] = None
            if any_fault:
                fault = np.array(faults, dtype=object)
                text[~is_none(fault)] = None
                df[ROW_FAULT] = fault
            return df, read_wkt(text), text

        records = self._rows(fh, lines_before)
        next(records, None)   # the header
        for fields, line, _lines, bad in records:
            fault = None
            if len(fields) != n or bad:
                offset = lines_before()
                fault = (InputError("row_csv_fields", line=line + offset, n=len(fields), header=n)
                         if len(fields) != n else
                         InputError("row_csv_bytes", line=line + offset, encoding=self.encoding))
                fields = (fields + [""] * n)[:n]   # its fields in order, the header's number
                any_fault = True
            rows.append(fields)
            faults.append(fault)
            if len(rows) == self.chunk_size:
                yield chunk()
                rows, faults, any_fault = [], [], False
        if rows:
            yield chunk()

    def chunks_in(self, start: int, stop: int, csv_bytes: tuple[int, int] | None = None):
        """The records in the bytes ``csv_bytes = (begin, end)`` (:func:`csv_record_offsets`),
        after the header line."""
        if csv_bytes is None:
            raise ValueError("a CSV part is given by its byte range")
        header_end = csv_record_offsets(self.path, 1, limit=1, block=1 << 16)[0][0]

        def line_offset() -> int:   # newlines between the header and the part
            return _count_newlines(self.path, header_end, csv_bytes[0])

        stream = _stdio.BufferedReader(_ByteRanges(self.path, [(0, header_end), csv_bytes]))
        yield from self._chunks(stream, line_offset)


#: Bytes not in the encoding, as the ``surrogateescape`` error handler reads them.
_ESCAPED = re.compile("[\udc80-\udcff]+")
#: A last line fed to the CSV parser after the file's own: inside a field, a quote was never
#: closed; as a row of its own, the file ended well.
_END = "\x00\ue000geozones-end-of-file"


def _decodes(data: bytes, encoding: str) -> bool:
    try:
        data.decode(encoding)
    except UnicodeDecodeError:
        return False
    return True


def _count_newlines(path, begin: int, end: int, block: int = 1 << 24) -> int:
    """How many newline bytes ``path`` holds in ``[begin, end)``."""
    n = 0
    with open(path, "rb") as fh:
        fh.seek(begin)
        left = end - begin
        while left > 0:
            data = fh.read(min(block, left))
            if not data:
                break
            n += data.count(b"\n")
            left -= len(data)
    return n


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
