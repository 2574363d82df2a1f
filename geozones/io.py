"""Reading proposals and writing layers: the file edge of geozones.

Vector files are read and written with pyogrio (through geopandas). Outputs are written to a
temporary file beside the destination and moved into place only when complete, so a failed
run never leaves a half-written file, and an existing output is kept unless ``overwrite``.
"""

from __future__ import annotations

import contextlib
import io as _stdio
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely

from .chunking import DEFAULT_CHUNK_ROWS
from .core.coords import crs_label, parse_crs
from .core.geometry import parse_many
from .errors import InputError, OutputError, first_line
from .footprint import is_wgs84_lonlat, read_wkt_footprint

__all__ = ["VECTOR_DRIVERS", "read_footprint", "read_vector", "resolve_crs", "driver_for", "atomic_output",
           "write_vector"]

#: Output formats by file extension.
VECTOR_DRIVERS: dict[str, str] = {
    ".gpkg": "GPKG",
    ".geojson": "GeoJSON",
    ".json": "GeoJSON",
    ".kml": "KML",
    ".shp": "ESRI Shapefile",
    ".fgb": "FlatGeobuf",
    ".parquet": "Parquet",
    ".geoparquet": "Parquet",
    ".csv": "CSV",
}


def require_one_layer(path: str | Path, layer: str | None) -> str | None:
    """The layer to read: ``layer`` if named, else the file's one layer of features.

    Refuses (exit 2, listing them) a file with several layers of features when no ``layer``
    is named: several layers are never silently read as their first. Tables without geometry
    (the QGIS ``layer_styles`` our GeoPackage output carries) are not layers of features; the
    returned name lets readers ask for the data layer explicitly (no "more than one layer"
    warning). None when the file cannot be listed (the reader that follows says why).
    """
    if layer is not None:
        return layer
    import pyogrio

    try:
        layers = pyogrio.list_layers(path)
    except Exception:  # unreadable: the reader that follows says why
        return None
    names = [str(row[0]) for row in layers if row[1] is not None]
    if len(names) > 1:
        raise InputError("layer_choose", path=str(path), n=len(names), layers=", ".join(names))
    return names[0] if names and len(layers) > 1 else None


def driver_for(path: str | Path) -> str:
    """The output driver a path's extension names."""
    ext = Path(path).suffix.lower()
    try:
        return VECTOR_DRIVERS[ext]
    except KeyError:
        raise OutputError("output_format", path=str(path), choices=", ".join(VECTOR_DRIVERS)) from None


def resolve_crs(file_crs, given, path: str):
    """The CRS to read a file with: its own, or ``given`` (``--crs``) when it has none.

    ``--crs GCJ-02``/``BD-09`` is accepted for a file that says WGS84 lon/lat (GeoJSON always
    does): the file's numbers are then read as that datum. Any other disagreement is refused.
    """
    from .core.datums import datum_of

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


def read_footprint(text: str, crs: str | None = None, what: str = "--footprint", layer: str | None = None):
    """A proposal from WKT or a vector file (DXF too), with its CRS and notes on what was assumed.

    Returns ``(geometry, crs, notes)`` where notes are ``(message_key, params)`` pairs.
    A file with several features gives their union (one proposal).
    """
    notes: list[tuple[str, dict[str, Any]]] = []
    path = Path(text)
    looks_like_path = len(text) < 4096 and "(" not in text
    if looks_like_path and path.suffix.lower() == ".dwg":
        raise InputError("dwg_refused", path=str(path))
    if looks_like_path and path.exists():
        gdf, file_crs, file_notes = read_vector(path, crs, layer=layer)
        notes += file_notes
        geoms = gdf.geometry.values[~(gdf.geometry.isna() | gdf.geometry.is_empty).to_numpy()]
        if len(geoms) == 0:
            raise InputError("file_no_features", path=str(path))
        if len(geoms) > 1:
            notes.append(("assume_union", {"path": str(path), "n": len(geoms)}))
            geom = shapely.union_all(shapely.make_valid(np.asarray(geoms)))
        else:
            geom = geoms[0]
        return geom, file_crs, notes
    geom, geom_crs, wkt_notes = read_wkt_footprint(text, crs, what)
    return geom, geom_crs, notes + wkt_notes


def read_vector(path: str | Path, crs=None, layer: str | None = None):
    """A whole vector file (any GDAL format, or DXF) as ``(GeoDataFrame, crs, notes)``.

    ``crs`` (``--crs``) is needed when the file has none (DXF never has one); see
    :func:`resolve_crs`. The frame's own ``crs`` is left as read: transform with the returned
    one (it may be a GCJ-02/BD-09 :class:`~geozones.datums.DatumCRS`).
    """
    import geopandas as gpd

    path = Path(path)
    if path.suffix.lower() == ".dwg":
        raise InputError("dwg_refused", path=str(path))
    if not path.exists():
        raise InputError("input_missing", path=str(path))
    notes: list[tuple[str, dict[str, Any]]] = []
    if path.suffix.lower() == ".dxf":
        from .cad import read_dxf

        gdf, counts = read_dxf(path, layer=layer)
        if crs is None:
            raise InputError("dxf_no_crs", path=str(path))
        notes.append(("assume_dxf", {"path": str(path), **counts.params()}))
        return gdf, parse_crs(crs), notes
    try:
        gdf = gpd.read_file(path, engine="pyogrio", layer=require_one_layer(path, layer))
    except InputError:
        raise
    except Exception as exc:  # pyogrio raises several types for unreadable files
        raise InputError("file_read", path=str(path), why=first_line(exc)) from None
    return gdf, resolve_crs(gdf.crs, crs, str(path)), notes


def atomic_output(dest: str | Path, overwrite: bool = False, inputs=()):
    """Yield a temporary path to write to; move it onto ``dest`` only on success (see
    :func:`geozones.safety.atomic_output`: never onto an input, OS errors as one line)."""
    from .safety import atomic_output as _atomic

    return _atomic(dest, overwrite, inputs)


def write_vector(gdf, dest: str | Path, overwrite: bool = False, layer: str | None = None,
                 inputs=()) -> Path:
    """Write a GeoDataFrame atomically in the format the extension names (one chunk of
    :func:`write_chunks`); never onto one of ``inputs``."""
    driver = driver_for(dest)
    with atomic_output(dest, overwrite, inputs) as tmp:
        write_chunks(tmp, driver, gdf.crs, iter([gdf]), layer=layer)
    return Path(dest)


# --- streamed tables (batch screening) -------------------------------------------------------

#: DBF language-driver ids (header byte 29) that name a Chinese code page.
_DBF_LDID_CHINESE = {0x4D: "GB18030", 0x7A: "GB18030", 0x78: "BIG5"}


def sniff_shapefile_encoding(path: str | Path, sample_bytes: int | None = None) -> tuple[str, str]:
    """The text encoding of a shapefile's attributes, and how it was decided.

    Order: the ``.cpg`` file; the DBF header's language-driver id (0x4D = GBK/CP936); all
    the DBF's records (streamed in 1 MB blocks, so Chinese text that only starts after the
    first megabyte is seen) decoding as UTF-8; as GB18030 (a superset of GBK and GB2312);
    else ISO-8859-1, which decodes anything. ``sample_bytes`` limits how much is read
    (None: the whole file).
    """
    import codecs

    shp = Path(path)
    cpg = shp.with_suffix(".cpg")
    if cpg.exists():
        text = cpg.read_text(encoding="ascii", errors="replace").strip()
        if text:
            return text, ".cpg"
    dbf = shp.with_suffix(".dbf")
    if not dbf.exists():
        return "UTF-8", "default (no .dbf)"
    decoders = {"UTF-8": codecs.getincrementaldecoder("utf-8")(),
                "GB18030": codecs.getincrementaldecoder("gb18030")()}
    fits = {"UTF-8": True, "GB18030": True}
    ascii_only = True
    block = 1 << 20
    with open(dbf, "rb") as fh:
        head = fh.read(32)
        if len(head) > 29 and head[29] in _DBF_LDID_CHINESE:
            return _DBF_LDID_CHINESE[head[29]], "DBF language driver"
        header_len = int.from_bytes(head[8:10], "little") if len(head) >= 10 else 32
        fh.seek(max(header_len, 32))
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
        return "UTF-8", "ASCII only"
    for name, dec in decoders.items():  # a character cut by the end of the sample is fine
        if fits[name]:
            with contextlib.suppress(UnicodeDecodeError):
                dec.decode(b"", final=sample_bytes is None)
                return name, ("decodes as UTF-8" if name == "UTF-8"
                              else "decodes as GB18030 (no .cpg)")
    return "ISO-8859-1", "fallback"


def _extent(value) -> tuple[float, float, float, float] | None:
    """Four finite numbers (xmin, ymin, xmax, ymax) from a file's metadata, else None."""
    try:
        out = tuple(float(v) for v in value)
    except (TypeError, ValueError):
        return None
    return out if len(out) == 4 and all(np.isfinite(out)) else None  # type: ignore[return-value]


class NotArrow(Exception):
    """The input cannot be read as Arrow batches (:meth:`TableSource.arrow_batches`), from
    ``row`` on (0: at all)."""

    def __init__(self, why: str, row: int = 0) -> None:
        super().__init__(why)
        self.row = row


class TableSource:
    """A table of features read in chunks: ``crs``, ``n_rows`` (None if unknown),
    ``columns``, ``encoding`` and ``chunks()`` yielding ``(attributes DataFrame,
    geometry array, raw geometry array)`` where unreadable geometries are None in the
    geometry array but present (bytes or text) in the raw one.
    """

    def __init__(self, path, *, layer=None, encoding=None, wkt_column=None, crs=None,
                 chunk_size=DEFAULT_CHUNK_ROWS):
        self.path = Path(path)
        if not self.path.exists():
            raise InputError("input_missing", path=str(path))
        self.layer = layer
        self.chunk_size = chunk_size
        self.wkt_column = wkt_column
        self.encoding = encoding
        self.encoding_source = "--encoding" if encoding else ""
        ext = self.path.suffix.lower()
        if ext == ".dwg":
            raise InputError("dwg_refused", path=str(path))
        self.kind = "csv" if ext in (".csv", ".txt", ".tsv") else (
            "parquet" if ext in (".parquet", ".geoparquet") else "dxf" if ext == ".dxf" else "gdal")
        self.geometry_type: str | None = None   #: declared by the input (GDAL, GeoParquet)
        #: the extent the input declares (GeoParquet ``bbox``, GDAL's layer extent), or None: a
        #: hint only (a sorted output checks it against the rows, see write_sorted_geoparquet)
        self.extent: tuple[float, float, float, float] | None = None
        #: read the WKB into geometries (False: left to the core, see :func:`_split_wkb`)
        self.read_geometries = True
        self.layer_name: str | None = layer     #: the input's layer (kept in the output)
        self.dxf_counts = None
        self.datum_note = None
        self._given_crs = crs
        self._open()

    # -- opening ----------------------------------------------------------------------------
    def _open(self) -> None:
        if self.kind == "dxf":
            from .cad import read_dxf

            self._dxf, self.dxf_counts = read_dxf(self.path, layer=self.layer)
            if self._given_crs is None:
                raise InputError("dxf_no_crs", path=str(self.path))
            self.crs = parse_crs(self._given_crs)
            self.crs_assumed = False
            self.columns = ["layer", "entity", "handle"]
            self.n_rows = len(self._dxf)
            self.encoding = "utf-8"
            types = set(self._dxf.geom_type)
            self.geometry_type = types.pop() if len(types) == 1 else "Unknown"
            self.layer_name = self.layer or self.path.stem
            return
        if self.kind == "csv":
            if not self.wkt_column:
                raise InputError("csv_no_wkt", path=str(self.path))
            import pandas as pd

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
            return
        if self.kind == "parquet":
            import json

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
                file_crs if isinstance(file_crs, str) else __import__("json").dumps(file_crs)))
            covering = col_meta.get("covering", {}).get("bbox", {})
            self._skip = {self._geom_col} | {v[0] for v in covering.values() if v}
            self._columns_read = [c for c in names if c not in self._skip or c == self._geom_col]
            self.columns = [c for c in names if c not in self._skip]
            gtypes = col_meta.get("geometry_types") or []
            if len(gtypes) == 1:
                self.geometry_type = gtypes[0].replace(" Z", "")
            self.n_rows = self._pq.metadata.num_rows
            self.extent = _extent(col_meta.get("bbox"))
            self.layer_name = self.path.stem
            self.encoding = "utf-8"
            return
        import pyogrio

        self.layer = require_one_layer(self.path, self.layer)
        if self.path.suffix.lower() == ".shp" and not self.encoding:
            self.encoding, self.encoding_source = sniff_shapefile_encoding(self.path)
        try:
            info = pyogrio.read_info(self.path, layer=self.layer, encoding=self.encoding)
        except Exception as exc:
            raise InputError("file_read", path=str(self.path), why=first_line(exc)) from None
        self.columns = list(info["fields"])
        self.n_rows = int(info["features"]) if info["features"] >= 0 else None
        self.crs = self._resolve_crs(None if info["crs"] is None else parse_crs(info["crs"]))
        self.encoding = self.encoding or info.get("encoding") or "UTF-8"
        self.geometry_type = info.get("geometry_type")
        self.extent = _extent(info.get("total_bounds"))
        self.layer_name = self.layer or info.get("layer_name") or self.path.stem

    def _resolve_crs(self, file_crs):
        self.crs_assumed = False
        return resolve_crs(file_crs, self._given_crs, str(self.path))

    # -- reading ----------------------------------------------------------------------------
    def chunks(self):
        if self.kind == "csv":
            yield from self._csv_chunks()
        elif self.kind == "dxf":
            for start in range(0, max(self.n_rows, 1), self.chunk_size):
                part = self._dxf.iloc[start:start + self.chunk_size]
                geoms = np.asarray(part.geometry.values, dtype=object)
                yield pd.DataFrame(part.drop(columns="geometry")).reset_index(drop=True), geoms, geoms
        elif self.kind == "parquet":
            yield from self._parquet_chunks()
        else:
            yield from self._gdal_chunks()

    def _csv_chunks(self, source=None):
        import pandas as pd

        reader = pd.read_csv(self.path if source is None else source, chunksize=self.chunk_size,
                             encoding=self.encoding, dtype=str, keep_default_na=False)
        for df in reader:
            raw = df.pop(self.wkt_column).to_numpy(dtype=object)
            text = np.where(raw == "", None, raw)
            geoms = parse_many(text, wkb=False, curves=False)[0]
            yield df.reset_index(drop=True), geoms, text

    def _parquet_chunks(self):
        for batch in self._pq.iter_batches(batch_size=self.chunk_size, columns=self._columns_read):
            yield _split_wkb(batch, self._geom_col, self.read_geometries)

    # -- reading one part (a worker of the dask engine, geozones.distributed) ----------------
    def chunks_in(self, start: int, stop: int, csv_bytes: tuple[int, int] | None = None):
        """The chunks of rows ``start`` to ``stop`` (exclusive), cut as :meth:`chunks` cuts
        them when ``start`` is a multiple of the chunk size: a part read on its own gives the
        same chunks as the whole read. GeoParquet: only the row groups holding the rows are
        read; GDAL formats: ``skip_features``/``max_features``; CSV: the bytes
        ``csv_bytes = (begin, end)`` of its records (:func:`csv_record_offsets`), after the
        header line."""
        if self.kind == "csv":
            if csv_bytes is None:
                raise ValueError("a CSV part is given by its byte range")
            yield from self._csv_chunks(self._csv_part(*csv_bytes))
        elif self.kind == "parquet":
            yield from self._parquet_chunks_in(start, stop)
        elif self.kind == "gdal":
            yield from self._gdal_chunks(start, stop)
        else:
            raise ValueError(f"{self.kind} input is read whole")

    def _csv_part(self, begin: int, end: int):
        header_end = csv_record_offsets(self.path, 1, limit=1, block=1 << 16)[0][0]
        return _stdio.BufferedReader(_ByteRanges(self.path, [(0, header_end), (begin, end)]))

    def _parquet_chunks_in(self, start: int, stop: int):
        import pyarrow as pa

        meta = self._pq.metadata
        groups, first_row, row = [], None, 0
        for g in range(meta.num_row_groups):
            n = meta.row_group(g).num_rows
            if row < stop and row + n > start:
                groups.append(g)
                first_row = row if first_row is None else first_row
            row += n
        if not groups:
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
            yield _split_wkb(table.combine_chunks(), self._geom_col, self.read_geometries)

    def _gdal_chunks_by_offset(self, start: int = 0, stop: int | None = None):
        import pyogrio

        offset = start
        total = stop if stop is not None else self.n_rows if self.n_rows is not None else float("inf")
        while offset < total:
            try:
                meta, table = pyogrio.read_arrow(self.path, layer=self.layer, encoding=self.encoding,
                                                 skip_features=offset,
                                                 max_features=int(min(self.chunk_size, total - offset)))
            except Exception as exc:
                raise InputError("file_read", path=str(self.path), why=first_line(exc)) from None
            if table.num_rows == 0:
                break
            if not _sound(table):
                yield from self._gdal_chunks_plain(offset, stop)
                return
            yield _split_wkb(table, meta["geometry_name"] or "wkb_geometry")
            offset += table.num_rows

    def _gdal_chunks(self, start: int = 0, stop: int | None = None):
        if not self._gdal_streams():
            yield from self._gdal_chunks_by_offset(start, stop)
            return
        try:
            for batch, geom_name in self._gdal_batches(start, stop):
                try:
                    chunk = _split_wkb(batch, geom_name, self.read_geometries)
                except Exception as exc:
                    raise InputError("file_read", path=str(self.path), why=first_line(exc)) from None
                yield chunk
        except NotArrow as exc:   # GDAL's Arrow stream gave a malformed batch: read plainly
            yield from self._gdal_chunks_plain(exc.row, stop)

    def _gdal_streams(self) -> bool:
        """Whether the input is read through one GDAL Arrow stream: not a shapefile in a
        legacy encoding, read chunk by chunk instead (a reader kept open holds GDAL's
        process-wide SHAPE_ENCODING at the input's encoding, which would recode a shapefile
        output written meanwhile)."""
        return not (self.path.suffix.lower() == ".shp"
                    and self.encoding.upper().replace("-", "") != "UTF8")

    def _gdal_batches(self, start: int = 0, stop: int | None = None):
        """GDAL's Arrow batches of rows ``start`` to ``stop``, with the geometry column's
        name; a malformed batch raises :class:`NotArrow` with its first row: rows from there
        on are to be read through the feature API (:meth:`_gdal_chunks_plain`)."""
        import pyogrio

        try:  # one reader from ``start``: a GeoPackage skips by SQL OFFSET once, not per chunk
            with pyogrio.open_arrow(self.path, layer=self.layer, encoding=self.encoding,
                                    skip_features=start, batch_size=self.chunk_size,
                                    use_pyarrow=True) as (meta, reader):
                geom_name = meta["geometry_name"] or "wkb_geometry"
                left = float("inf") if stop is None else stop - start
                done = 0
                for batch in reader:
                    if left <= 0:
                        break
                    if batch.num_rows > left:
                        batch = batch.slice(0, int(left))
                    if not _sound(batch):
                        raise NotArrow(f"a malformed Arrow batch at row {start + done}", start + done)
                    left -= batch.num_rows
                    done += batch.num_rows
                    yield batch, geom_name
        except (InputError, NotArrow):
            raise
        except Exception as exc:
            raise InputError("file_read", path=str(self.path), why=first_line(exc)) from None

    @property
    def reads_arrow(self) -> bool:
        """Whether :meth:`arrow_batches` reads the input (GeoParquet, and GDAL formats read
        through one Arrow stream: not a shapefile in a legacy encoding)."""
        return self.kind == "parquet" or (self.kind == "gdal" and self._gdal_streams())

    def arrow_batches(self):
        """The input's Arrow batches, each with its WKB column's name, as :meth:`chunks`
        reads them (GeoParquet, and GDAL formats read through one Arrow stream); None when
        the input is not read that way. A malformed GDAL batch raises :class:`NotArrow`."""
        if self.kind == "parquet":
            for batch in self._pq.iter_batches(batch_size=self.chunk_size, columns=self._columns_read):
                yield batch, self._geom_col
        elif self.kind == "gdal" and self._gdal_streams():
            yield from self._gdal_batches()
        else:
            raise NotArrow(f"{self.kind} input")

    def plain_chunks(self, start: int):
        """The chunks of a GDAL input from row ``start`` on, read through GDAL's feature API
        (where its Arrow stream broke: :class:`NotArrow`)."""
        yield from self._gdal_chunks_plain(start, None)

    def _gdal_chunks_plain(self, start: int, stop: int | None):
        """Rows ``start`` to ``stop`` read through GDAL's feature API instead of its Arrow
        stream, chunk by chunk: for files whose Arrow stream is malformed (GDAL's FlatGeobuf
        driver gives a null geometry offsets that run backwards, which crashed pyarrow)."""
        import pandas as pd
        import pyogrio.raw

        offset = start
        while stop is None or offset < stop:
            want = self.chunk_size if stop is None else int(min(self.chunk_size, stop - offset))
            try:
                meta, _fids, wkb, fields = pyogrio.raw.read(self.path, layer=self.layer,
                                                            encoding=self.encoding,
                                                            skip_features=offset, max_features=want)
            except Exception as exc:
                raise InputError("file_read", path=str(self.path), why=first_line(exc)) from None
            if wkb is None or not len(wkb):
                break
            df = pd.DataFrame({name: values for name, values in zip(meta["fields"], fields)})
            raw = np.array([None if v is None else bytes(v) for v in wkb], dtype=object)
            yield df, _read_or_leave(raw, self.read_geometries), raw
            offset += len(raw)


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


def _sound(batch) -> bool:
    """The batch's arrays keep Arrow's invariants (checked in full: offsets, lengths, UTF-8),
    so converting it cannot crash the process (GDAL's FlatGeobuf stream breaks them)."""
    import pyarrow as pa

    try:
        batch.validate(full=True)
    except pa.ArrowInvalid:
        return False
    return True


def _split_wkb(batch, geom_name: str, read: bool = True):
    """An Arrow batch or table as ``(attributes, geometries, raw WKB)``; a WKB value that
    cannot be parsed gives a None geometry (the caller repairs or reports it). With
    ``read=False`` no WKB is read: every geometry is None, left to the core (which reads
    only the rows it needs as geometries: :meth:`Proposals.build`)."""
    df = batch.to_pandas()
    raw = (df.pop(geom_name).to_numpy(dtype=object) if geom_name in df
           else np.full(len(df), None, dtype=object))
    return df.reset_index(drop=True), _read_or_leave(raw, read), raw


def _read_or_leave(raw: np.ndarray, read: bool) -> np.ndarray:
    """The geometries of WKB values (None where unreadable), or all None when the reading is
    left to the core (``read=False``)."""
    return parse_many(raw, wkb=True, curves=False)[0] if read else np.full(len(raw), None, dtype=object)


#: ``attrs`` key of a chunk: per row the input's WKB where it can be written as it is
#: (:func:`reusable_wkb`), None elsewhere; :func:`to_arrow` encodes only the other rows.
WKB_HINT = "gz_input_wkb"
#: ``attrs`` key of a chunk: ``(rows, bounds (n, 4))`` of rows whose geometry is None because
#: it was never built (written from :data:`WKB_HINT`): their bounds as read, for the covering.
BOUNDS_HINT = "gz_input_bounds"
#: ``attrs`` key of a chunk whose rows come in curve order (:mod:`geozones.presort`):
#: ``(input rows, bounds (n, 4))``: :func:`to_arrow` writes the rows as ``gz_row`` after the
#: geometry, and checks that the bounds the rows were sorted by are the covering's.
ORDER_HINT = "gz_input_order"
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
    is_bytes = ~np.equal(geoms, None) & np.fromiter((type(v) is bytes for v in raw), dtype=bool,
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


def to_arrow(gdf, bbox: bool = False):
    """A GeoDataFrame as an Arrow table: attributes, then ISO WKB geometry named ``geometry``;
    with ``bbox`` (for a GeoParquet output) also the covering column :data:`BBOX_HINT`, from
    the geometries in hand rather than by parsing the WKB again. Rows whose input WKB the
    chunk carries (``attrs[WKB_HINT]``) are written with those bytes, not encoded again."""
    import pyarrow as pa

    given = gdf.attrs.pop(WKB_HINT, None)  # popped first: pandas would copy it into every derived frame
    unbuilt = gdf.attrs.pop(BOUNDS_HINT, None)
    order = gdf.attrs.pop(ORDER_HINT, None)
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
        encode = np.equal(wkb, None) & ~np.equal(geoms, None)
        wkb[encode] = shapely.to_wkb(geoms[encode], flavor="iso")
    table = attrs.append_column("geometry", pa.array(wkb, type=pa.binary()))
    if order is not None:
        table = table.append_column("gz_row", pa.array(order[0], type=pa.int64()))
    if bbox:
        b = shapely.bounds(geoms)
        if unbuilt is not None:
            b[unbuilt[0]] = unbuilt[1]
        if order is not None and not np.array_equal(b, order[1], equal_nan=True):
            # never expected (the sort read the bounds as the output writes them): refuse
            # rather than write rows out of order
            raise OutputError("output_write", path="the sorted output",
                              why="a row's bounds changed after sorting; rerun with --sort none")
        table = table.append_column(BBOX_HINT, _covering(b))
    return table.replace_schema_metadata(None)


def _unwritable(gdf, columns, exc) -> InputError:
    """The error for a chunk whose attributes Arrow cannot take back from pandas (a map
    column comes out of pandas as lists of pairs): names the first such column."""
    import pyarrow as pa

    column, why = _failing_column(columns, lambda c: pa.array(gdf[c], from_pandas=True), exc)
    return InputError("column_unwritable", column=column or "?", why=why)


def _failing_column(names, convert, exc) -> tuple[str | None, str]:
    """``(name, why)`` of the first of ``names`` that ``convert(name)`` fails on with an
    Arrow error; ``(None, exc's first line)`` when each alone converts."""
    import pyarrow as pa

    for name in names:
        try:
            convert(name)
        except (pa.ArrowTypeError, pa.ArrowInvalid, pa.ArrowNotImplementedError) as col_exc:
            return str(name), first_line(col_exc)
    return None, first_line(exc)


def _stable_schema(table):
    """The first chunk's schema, with all-null columns typed as text and decimal columns at
    least 18 digits wide (the most GDAL's formats take: 19), so later chunks fit (a decimal
    column goes through pandas as Python decimals, whose precision Arrow infers from each
    chunk's values: 1.50 gives decimal(3, 2), which 12345678.25 in a later chunk would not
    fit; wider values than that are one clear error, :func:`_cast_chunk`)."""
    import pyarrow as pa

    def stable(f):
        if pa.types.is_null(f.type):
            return pa.field(f.name, pa.string())
        if pa.types.is_decimal128(f.type):
            return pa.field(f.name, pa.decimal128(max(f.type.precision, 18), f.type.scale), f.nullable,
                            f.metadata)
        return f

    return pa.schema([stable(f) for f in table.schema])


def _cast_chunk(table, schema, path: str):
    """A later chunk cast to the first one's schema; a column whose values do not fit is one
    clear error naming it."""
    import pyarrow as pa

    try:
        return table.cast(schema)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError) as exc:
        names = [n for n in schema.names if n in table.column_names]
        column, why = _failing_column(names, lambda n: table.column(n).cast(schema.field(n).type), exc)
        if column is not None:
            why = f"column '{column}' ({schema.field(column).type}): {why}"
        raise OutputError("output_write", path=path, why=why) from None


#: Geometry type names (as GDAL writes them) by shapely type id.
_TYPE_NAMES = {0: "Point", 1: "LineString", 3: "Polygon", 4: "MultiPoint", 5: "MultiLineString",
               6: "MultiPolygon", 7: "GeometryCollection"}


def _geoms_of(chunk) -> np.ndarray:
    """The geometries of a chunk (GeoDataFrame or Arrow table with WKB ``geometry``)."""
    import pyarrow as pa

    if isinstance(chunk, pa.Table):
        return shapely.from_wkb(chunk.column("geometry").to_numpy(zero_copy_only=False))
    return np.asarray(chunk.geometry.values, dtype=object)


def _as_table(chunk, bbox: bool = False):
    import pyarrow as pa

    return chunk if isinstance(chunk, pa.Table) else to_arrow(chunk, bbox)


def geometry_type_of(gdf) -> str:
    """The one geometry type of a frame's (or geometry array's) non-null geometries, or
    ``"Unknown"`` when mixed."""
    geoms = np.asarray(gdf.geometry.values if hasattr(gdf, "geometry") else gdf, dtype=object)
    geoms = geoms[~np.equal(geoms, None)]
    types = set(shapely.get_type_id(geoms).tolist()) - {-1}
    if len(types) == 1:
        return _TYPE_NAMES.get(types.pop(), "Unknown")
    if types and types <= {3, 6}:
        return "MultiPolygon"  # GDAL accepts a Polygon in a MultiPolygon layer
    if types and types <= {1, 5}:
        return "MultiLineString"
    return "Unknown"


#: Shapely type ids a shapefile declared as each type holds (0 point, 1 line, 3 polygon, 4-6 multi).
_SHP_FAMILIES: dict[str, set[int]] = {"Polygon": {3, 6}, "LineString": {1, 5}, "Point": {0},
                                      "MultiPoint": {0, 4}}


def _geometry_type_ids(geoms: np.ndarray) -> set[int]:
    return set(shapely.get_type_id(geoms[~np.equal(geoms, None)]).tolist()) - {-1}


def _shapefile_geometry_type(geoms: np.ndarray) -> str:
    types = _geometry_type_ids(geoms)
    if types <= {3, 6}:
        return "Polygon"
    if types <= {1, 5}:
        return "LineString"
    if types <= {0}:
        return "Point"
    if types <= {0, 4}:
        return "MultiPoint"
    return "Unknown"


#: Longest field name a DBF (shapefile attribute table) can hold, in bytes.
DBF_NAME_BYTES = 10


def shapefile_field_names(columns, encoding: str = "UTF-8") -> dict[str, str]:
    """Renames that make every column name fit a DBF field (10 bytes in ``encoding``).

    Names are cut at a character boundary (never inside a multi-byte character) and made
    unique with a numeric suffix, so ``建筑物高度`` (15 bytes in UTF-8) becomes ``建筑物``.
    Returns only the names that change.
    """
    def fits(name: str) -> bool:
        return len(name.encode(encoding, errors="replace")) <= DBF_NAME_BYTES

    def cut(name: str, room: int) -> str:
        out = ""
        for ch in name:
            if len((out + ch).encode(encoding, errors="replace")) > room:
                break
            out += ch
        return out

    taken = {str(c) for c in columns if fits(str(c))}
    renames: dict[str, str] = {}
    for col in map(str, columns):
        if fits(col):
            continue
        new = cut(col, DBF_NAME_BYTES)
        k = 1
        while new in taken:
            suffix = f"_{k}"
            new = cut(col, DBF_NAME_BYTES - len(suffix)) + suffix
            k += 1
        taken.add(new)
        renames[col] = new
    return renames


def write_chunks(tmp: Path, driver: str, crs, chunks: Iterator, layer: str | None = None,
                 renamed: dict[str, str] | None = None, geometry_type: str | None = None,
                 wkt_column: str | None = None, wkt_position: int | None = None,
                 sort: str = "none", extent=None, expected_rows: int | None = None) -> int:
    """Write GeoDataFrame chunks, in order, to ``tmp`` as one output; returns rows written.

    A chunk may also be the Arrow table :func:`to_arrow` made of one (or, for CSV, a
    :class:`RenderedCsv`): the dask engine's workers convert their chunks, the driver writes
    them here, through the same code as the local engine's. ``sort="hilbert"`` (GeoParquet):
    rows ordered along a Hilbert curve, see :func:`write_sorted_geoparquet` (``extent`` and
    ``expected_rows``: what the input declares, to bucket the rows as they come);
    ``sort="presorted"``: the chunks come in that order already, with their ``gz_row``
    (:data:`ORDER_HINT`, :func:`write_presorted_geoparquet`).

    GDAL formats are written by a single streamed ``pyogrio.write_arrow`` call (layer and
    spatial index created once, as for a whole-table write); GeoParquet with a streaming
    ``ParquetWriter`` and GeoParquet 1.0.0 metadata; CSV with WKT geometry. Only one chunk is
    in memory at a time. An exception raised while producing chunks is re-raised as is.
    A shapefile is written in UTF-8 with a ``.cpg`` and its field names are fitted to its
    10-byte limit (:func:`shapefile_field_names`); the renames go into ``renamed``.

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
        # WKT at full precision (shortest text that reads back as the same doubles), in the
        # input's WKT column name and position when the input was a CSV
        rows = 0
        with open(tmp, "wb") as fh:
            for k, chunk in enumerate(_chain(first, it)):
                if isinstance(chunk, RenderedCsv):  # rendered by a dask worker: copied
                    with open(chunk.path, "rb") as part:
                        shutil.copyfileobj(part, fh, 1 << 20)
                    rows += chunk.rows
                    continue
                fh.write(csv_text(chunk, wkt_column, wkt_position, header=not k).encode("utf-8"))
                rows += len(chunk)
        return rows
    table0 = _as_table(first, bbox=driver == "Parquet")
    names: dict[str, str] = {}
    if driver == "ESRI Shapefile":
        names = shapefile_field_names(table0.column_names, "UTF-8")
        if renamed is not None:
            renamed.update(names)
    if names:
        table0 = table0.rename_columns([names.get(c, c) for c in table0.column_names])
    schema = _stable_schema(table0)
    count = {"rows": 0}
    failure: list[BaseException] = []
    # a shapefile holds one family of geometry: refuse mixed input in one line, not OGR's
    first_geoms = _geoms_of(first)
    shp_allowed = (_SHP_FAMILIES.get(_shapefile_geometry_type(first_geoms), set())
                   if driver == "ESRI Shapefile" else None)

    def batches():
        try:
            for gdf in _chain(first, it):
                if shp_allowed is not None and not _geometry_type_ids(_geoms_of(gdf)) <= shp_allowed:
                    raise OutputError("shapefile_mixed", path=str(tmp.name))
                table = table0 if gdf is first else _as_table(gdf, bbox=driver == "Parquet")
                if names and gdf is not first:
                    table = table.rename_columns([names.get(c, c) for c in table.column_names])
                count["rows"] += table.num_rows
                yield from _cast_chunk(table, schema, str(tmp.name)).to_batches()
        except BaseException as exc:  # handed back below: Arrow would wrap it
            failure.append(exc)
            raise

    try:
        if driver == "Parquet" and sort == "presorted":   # chunks in curve order already
            write_presorted_geoparquet(tmp, schema, crs, batches(),
                                       geometry_type or geometry_type_of(first_geoms))
        elif driver == "Parquet" and sort == "hilbert":
            write_sorted_geoparquet(tmp, schema, crs, batches(), geometry_type or geometry_type_of(first_geoms),
                                    extent=extent, expected_rows=expected_rows)
        elif driver == "Parquet":
            _write_geoparquet(tmp, schema, crs, batches(), geometry_type or geometry_type_of(first_geoms))
        else:
            import pyogrio

            kwargs: dict[str, Any] = {"layer_options": {}}
            if driver == "ESRI Shapefile":
                kwargs["geometry_type"] = _shapefile_geometry_type(first_geoms)
                kwargs["layer_options"]["ENCODING"] = "UTF-8"
            else:
                declared = geometry_type or geometry_type_of(first_geoms)
                if driver == "FlatGeobuf" and not geometry_type:
                    # guessed from the first chunk: FlatGeobuf refuses any later row of
                    # another type (a MultiPolygon among Polygons), so it declares none
                    declared = "Unknown"
                kwargs["geometry_type"] = declared if declared in _TYPE_NAMES.values() else "Unknown"
            if driver == "FlatGeobuf":
                # Its spatial index cannot hold null geometries, and every row must come out.
                kwargs["layer_options"]["SPATIAL_INDEX"] = "NO"
            if layer and driver in ("GPKG", "KML", "FlatGeobuf", "LIBKML"):
                kwargs["layer"] = layer
            reader = pa.RecordBatchReader.from_batches(schema, batches())
            pyogrio.write_arrow(reader, tmp, driver=driver, geometry_name="geometry",
                                crs=crs.to_wkt() if crs is not None else None, **kwargs)
            if driver == "FlatGeobuf":
                _check_flatgeobuf(tmp, count["rows"])
    except BaseException as exc:
        if failure:
            raise failure[0] from None
        if isinstance(exc, Exception) and not isinstance(exc, (InputError, OutputError)):
            raise OutputError("output_write", path=str(tmp.name), why=first_line(exc)) from None
        raise
    return count["rows"]


def _check_flatgeobuf(path: Path, rows: int) -> None:
    """Walk a FlatGeobuf file without spatial index feature by feature (each is a 4-byte
    size and its bytes): GDAL's writer does not report failed writes (a full disk gives a
    truncated file and success), so a file that does not hold ``rows`` whole features
    raises :class:`OutputError`. Reads only the size prefixes."""
    import struct

    end = os.path.getsize(path)
    n = 0
    with open(path, "rb") as fh:
        ok = fh.read(3) == b"fgb"
        fh.seek(8)
        head = fh.read(4)
        pos = 12 + (struct.unpack("<I", head)[0] if len(head) == 4 else end)
        while ok and pos < end:
            fh.seek(pos)
            size = fh.read(4)
            if len(size) < 4:
                break
            pos += 4 + struct.unpack("<I", size)[0]
            n += pos <= end
    if not ok or n != rows or pos != end:
        raise OutputError("output_write", path=path.name,
                          why=f"{n} of {rows} features made it to disk (disk full?)")


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
    geom_name = gdf.geometry.name
    df = pd.DataFrame(gdf.drop(columns=geom_name))
    name = wkt_column or "geometry"
    pos = len(df.columns) if wkt_position is None else min(wkt_position, len(df.columns))
    df.insert(pos, name, shapely.to_wkt(gdf.geometry.values, rounding_precision=-1))
    return df.to_csv(None, header=header, index=False)


def _chain(first, rest):
    yield first
    yield from rest


#: GeoParquet version written: 1.1.0 adds the per-row bounding-box "covering" column.
GEOPARQUET_VERSION = "1.1.0"


def _write_geoparquet(path: Path, schema, crs, batches, geometry_type: str = "Unknown") -> None:
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


#: A chunk's precomputed covering column (a dask worker computes it; the writer takes it
#: instead of parsing the WKB again): never written under this name.
BBOX_HINT = "__gz_bbox"


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
    return batch.drop_columns([BBOX_HINT]), bbox, _bounds_of(bbox)


def _bounds_of(bbox) -> np.ndarray:
    """A covering struct column as bounds (n, 4), NaN where it is null."""
    bounds = np.column_stack([bbox.field(k).to_numpy(zero_copy_only=False) for k in range(4)]).astype(float)
    bounds[~bbox.is_valid().to_numpy(zero_copy_only=False)] = np.nan
    return bounds


def _bbox_column(wkb):
    """The GeoParquet covering struct (xmin, ymin, xmax, ymax; null for a null or empty
    geometry) of a WKB column, and the bounds as an (n, 4) array (NaN there)."""
    b = shapely.bounds(shapely.from_wkb(wkb.to_numpy(zero_copy_only=False)))
    return _covering(b), b


def _covering(b: np.ndarray):
    """The covering struct of bounds ``b`` (n, 4); null where a bound is NaN."""
    import pyarrow as pa

    missing = np.isnan(b).any(axis=1)
    arrays = [pa.array(b[:, k], mask=missing) for k in range(4)]
    return pa.StructArray.from_arrays(arrays, names=["xmin", "ymin", "xmax", "ymax"],
                                      mask=pa.array(missing))


#: Rows per row group of a sorted GeoParquet output: a reader asking for a small region
#: reads the few groups whose bbox statistics meet it.
SORTED_ROW_GROUP_ROWS = 16_384
#: Hilbert curve order: a 2^16 × 2^16 grid over the output's extent.
HILBERT_LEVEL = 16
_NO_KEY = 1 << (2 * HILBERT_LEVEL)  # rows without a geometry: after every other row


def hilbert_keys(bounds: np.ndarray, total_bounds) -> np.ndarray:
    """Distance along a Hilbert curve (order 16 over ``total_bounds``) of each bounding box's
    midpoint, as geopandas' ``GeoSeries.hilbert_distance`` computes it (its own encoder, on
    the bounds: no geometry is built); rows whose bounds are NaN (null or empty geometry) get
    a key after all others."""
    keys = np.full(len(bounds), _NO_KEY, dtype=np.int64)
    ok = ~np.isnan(bounds).any(axis=1)
    if not ok.any():
        return keys
    try:  # the library's own encoder on the bounds (private: pinned by a test against the public one)
        from geopandas.tools import hilbert_curve as hc

        x, y = hc._continuous_to_discrete_coords(bounds[ok], HILBERT_LEVEL, tuple(total_bounds))
        keys[ok] = hc._encode(HILBERT_LEVEL, x, y)
    except (ImportError, AttributeError, TypeError):  # a geopandas without them: its public API
        keys[ok] = _hilbert_keys_public(bounds[ok], total_bounds)
    return keys


def _hilbert_keys_public(bounds: np.ndarray, total_bounds) -> np.ndarray:
    """The same keys through geopandas' public ``hilbert_distance`` on midpoints (slower:
    it needs a geometry per row)."""
    import geopandas as gpd

    mid = shapely.points((bounds[:, 0] + bounds[:, 2]) / 2, (bounds[:, 1] + bounds[:, 3]) / 2)
    return np.asarray(gpd.GeoSeries(mid).hilbert_distance(total_bounds=total_bounds, level=HILBERT_LEVEL),
                      dtype=np.int64)


def write_sorted_geoparquet(path: Path, schema, crs, batches, geometry_type: str = "Unknown",
                            bucket_rows: int = 50_000,
                            row_group_rows: int = SORTED_ROW_GROUP_ROWS,
                            extent=None, expected_rows: int | None = None) -> None:
    """GeoParquet 1.1 (as :func:`_write_geoparquet`) with the rows ordered along a Hilbert
    curve over the output's extent, in row groups of ``row_group_rows``, and a ``gz_row``
    column holding each row's input position (0-based, as the run summary numbers rows):
    sorting the file by ``gz_row`` gives back the input order.

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
    * otherwise (:func:`_bucket_by_counts`): the rows are spilled to one file with their
      bounds noted (32 bytes a row in a side file), the keys counted in 2^20 ranges of the
      curve, which cut it into buckets of about ``bucket_rows`` rows (at most 256), and every
      row appended to its bucket; only a range holding more than ``bucket_rows`` rows (many
      parcels on one spot) makes a larger bucket.
    """
    import tempfile

    import pyarrow as pa
    import pyarrow.parquet as pq

    out_schema = _geo_schema(_without_bbox(schema), crs, geometry_type, [pa.field("gz_row", pa.int64())])
    spill_schema = out_schema.remove_metadata()
    work = Path(tempfile.mkdtemp(prefix=".sort-", dir=path.parent))

    def numbered():
        """``(rows with gz_row and the covering column, bounds (n, 4))`` per batch."""
        n = 0
        for batch in batches:
            batch, bbox, b = _take_bbox(batch)
            rows = pa.array(np.arange(n, n + batch.num_rows, dtype=np.int64))
            n += batch.num_rows
            yield pa.RecordBatch.from_arrays([*batch.columns, rows, bbox], schema=spill_schema), b

    try:
        buckets = _bucketed(work, numbered(), spill_schema, extent, bucket_rows, expected_rows)
        with pq.ParquetWriter(path, out_schema, use_dictionary=_dictionary_columns(out_schema)) as writer:
            _write_in_groups(writer, _sorted_buckets(work, buckets, 4 * bucket_rows), out_schema,
                             row_group_rows)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _bucketed(work: Path, numbered, spill_schema, extent, bucket_rows: int,
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


def _write_in_groups(writer, tables, schema, group_rows: int) -> None:
    """Write ``tables`` (in order) as row groups of exactly ``group_rows`` rows (the last
    one the rest), cast to ``schema``."""
    for table in regroup(tables, group_rows):
        writer.write_table(table.cast(schema), row_group_size=group_rows)


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


def write_presorted_geoparquet(path: Path, schema, crs, batches, geometry_type: str = "Unknown",
                               row_group_rows: int = SORTED_ROW_GROUP_ROWS) -> None:
    """The file :func:`write_sorted_geoparquet` writes, of batches already in curve order
    and carrying their ``gz_row`` (:mod:`geozones.presort`: the input's rows were sorted
    before they were screened), in the same row groups."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    out_schema = _geo_schema(_without_bbox(schema), crs, geometry_type)

    def tables():
        for batch in batches:
            batch, bbox, _b = _take_bbox(batch)
            yield pa.Table.from_batches([pa.RecordBatch.from_arrays([*batch.columns, bbox],
                                                                    schema=out_schema)])

    with pq.ParquetWriter(path, out_schema, use_dictionary=_dictionary_columns(out_schema)) as writer:
        _write_in_groups(writer, tables(), out_schema, row_group_rows)


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
        for batch, b in numbered:
            if not batch.num_rows:
                continue
            _grow(seen, b)
            keys = hilbert_keys(b, total)
            _split_to_buckets(work, batch, keys, keys >> shift, key_schema, writers, counts)
    finally:
        _close_all(writers)
    return [(work / f"bucket-{k}.arrow", counts[k], shift) for k in sorted(writers)], seen


def _bucket_batches(buckets, spill_schema):
    """The rows of bucket files, without their keys, and their bounds from the covering."""
    import pyarrow as pa

    covering = spill_schema.names[-1]   # the covering column comes last (_geo_schema)
    for f, _, _ in buckets:
        with pa.OSFile(str(f), "rb") as source:
            for batch in pa.ipc.open_stream(source):
                batch = batch.drop_columns(["__gz_key"])
                yield (pa.RecordBatch.from_arrays(batch.columns, schema=spill_schema),
                       _bounds_of(batch.column(covering)))
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


def _sorted_buckets(work: Path, buckets, limit: int, row_name: str = "gz_row"):
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
            yield from _sorted_buckets(work, parts, limit, row_name)
            continue
        with pa.OSFile(str(f), "rb") as source:
            table = pa.ipc.open_stream(source).read_all()
        order = np.lexsort((table.column(row_name).to_numpy(), table.column("__gz_key").to_numpy()))
        f.unlink()
        yield table.drop_columns(["__gz_key"]).take(pa.array(order))
