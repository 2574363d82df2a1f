"""GDAL formats through pyogrio: GeoPackage, shapefile, FlatGeobuf, GeoJSON, KML (and any
other format GDAL reads).

Reading: one Arrow stream per input (a GeoPackage skips by SQL OFFSET once, not per chunk),
finished feature by feature from the first malformed batch (GDAL's FlatGeobuf driver);
a shapefile in a legacy encoding read chunk by chunk instead (see
:meth:`VectorReader._streams`), its encoding sniffed (:func:`sniff_shapefile_encoding`);
several layers of features refused unless one is named (:func:`require_one_layer`).
Writing: one streamed ``pyogrio.write_arrow`` call (:func:`write_gdal`), a FlatGeobuf checked
on disk. The names of the columns written are decided by :mod:`geozones.io.names`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from ..core.arrays import is_none
from ..core.coords import parse_crs
from ..errors import InputError, OutputError, first_line
from .base import ROW_FAULT, Reader, extent_of, read_or_leave, resolve_crs, sound, split_wkb, text_encoding_of
from .dxf import read_dxf
from .formats import LAYERED_DRIVERS, is_table_uri, require_input

__all__ = ["VectorReader", "read_vector", "require_one_layer", "sniff_shapefile_encoding",
           "shapefile_encoding", "geometry_type_of", "geometry_type_ids", "shapefile_geometry_type",
           "SHAPEFILE_FAMILIES", "GEOMETRY_TYPE_NAMES", "write_gdal", "check_shapefile_parts",
           "dbf_text", "DBF_TEXT_BYTES", "undecodable_text", "check_flatgeobuf", "file_gdb_options"]


def require_one_layer(path: str | Path, layer: str | None) -> str | None:
    """The layer to read: ``layer`` if the file has it, else the file's one layer of features.

    Refuses (exit 2, listing them) a ``layer`` the file does not have (GDAL's "Layer 'x' could
    not be opened" blamed the file), and a file with several layers of features when no
    ``layer`` is named: several layers are never silently read as their first. A layer is
    found as GDAL finds it (its exact name, else the one name equal but for case). Tables
    without geometry (the QGIS ``layer_styles`` our GeoPackage output carries) are not layers
    of features; the returned name lets readers ask for the data layer explicitly (no "more
    than one layer" warning). None when the file cannot be listed (the reader that follows
    says why).
    """
    import pyogrio

    try:
        layers = pyogrio.list_layers(path)
    except Exception:  # unreadable: the reader that follows says why
        return layer
    all_names = [str(row[0]) for row in layers]
    names = [str(row[0]) for row in layers if row[1] is not None]
    if layer is not None:
        if layer in all_names:
            return layer
        same = [n for n in all_names if n.casefold() == layer.casefold()]
        if len(same) == 1:
            return same[0]
        raise InputError("layer_unknown", path=str(path), layer=layer, layers=", ".join(names or all_names) or "-")
    if len(names) > 1:
        raise InputError("layer_choose", path=str(path), n=len(names), layers=", ".join(names))
    return names[0] if names and len(layers) > 1 else None


def read_vector(path: str | Path, crs=None, layer: str | None = None):
    """A whole vector file (any GDAL format, GeoParquet, or DXF) as ``(GeoDataFrame, crs, notes)``.

    ``crs`` (``--crs``) is needed when the file has none (DXF never has one); see
    :func:`resolve_crs`. The frame's own ``crs`` is left as read: transform with the returned
    one (it may be a GCJ-02/BD-09 :class:`~geozones.datums.DatumCRS`). A shapefile's text is
    read in the encoding :func:`sniff_shapefile_encoding` finds, as a screen reads it.
    """
    import geopandas as gpd

    if is_table_uri(path):   # a PostGIS table
        from .postgis import read_table

        gdf, table_crs = read_table(str(path), crs)
        return gdf, table_crs, []
    path = Path(path)
    kind = require_input(path)   # a DWG refused, whether or not it exists; missing, empty
    notes: list[tuple[str, dict[str, Any]]] = []
    if kind == "dxf":
        gdf, counts = read_dxf(path, layer=layer)
        if crs is None:
            raise InputError("dxf_no_crs", path=str(path))
        notes.append(("assume_dxf", {"path": str(path), **counts.params()}))
        return gdf, parse_crs(crs), notes
    if kind == "parquet":   # GDAL's own Parquet driver may be missing: geopandas reads it
        try:
            gdf = gpd.read_parquet(path)
        except Exception as exc:
            raise InputError("file_read", path=str(path), why=first_line(exc)) from None
        return _geometry_named(gdf), resolve_crs(gdf.crs, crs, str(path)), notes
    check_shapefile_parts(path)
    # a shapefile's text read as a screen reads it (GDAL alone takes a .cpg of 936 as CP936,
    # and fails on GBK text with neither .cpg nor language-driver byte)
    encoding = sniff_shapefile_encoding(path)[0] if path.suffix.lower() == ".shp" else None
    try:
        layer = require_one_layer(path, layer)
        gdf = gpd.read_file(path, engine="pyogrio", layer=layer, encoding=encoding)
        gdf = _attributes_kept(gdf, path, layer, encoding)
    except InputError:
        raise
    except Exception as exc:  # pyogrio raises several types for unreadable files
        raise InputError("file_read", path=str(path), why=first_line(exc)) from None
    return gdf, resolve_crs(gdf.crs, crs, str(path)), notes


def _geometry_named(gdf):
    """A GeoParquet read by geopandas, its attributes named as a screen would write them
    (:func:`geozones.io.names.output_names`) and its geometry ``geometry``, whatever its
    primary column is called (an attribute ``geometry`` beside a primary ``geom`` is kept
    as ``src_geometry``)."""
    from .names import output_names

    geom = gdf.geometry.name
    names = output_names([c for c in gdf.columns if c != geom]).renamed
    gdf = gdf.rename(columns=names)
    return gdf if geom == "geometry" else gdf.rename_geometry("geometry")


def _attributes_kept(gdf, path: Path, layer: str | None, encoding: str | None = None):
    """``gdf`` (as geopandas reads ``path``) with every attribute the file holds, named as a
    screen would write it (:func:`geozones.io.names.output_names`): an attribute called
    ``geometry``, which geopandas drops for the geometry, is read on its own and kept as
    ``src_geometry``; ``GEOMETRY``, ``fid`` … become ``src_<name>`` too."""
    import pyogrio

    from .names import output_names

    fields = [str(f) for f in pyogrio.read_info(path, layer=layer, encoding=encoding)["fields"]]
    geom = gdf.geometry.name
    names = output_names(fields).renamed
    if geom in fields:   # dropped by geopandas: read that field alone
        lost = pyogrio.read_dataframe(path, layer=layer, columns=[geom], read_geometry=False, encoding=encoding)
        kept = names[geom]   # ("geometry" is reserved: always renamed)
        renamed = {c: n for c, n in names.items() if c != geom}
        gdf = gdf.rename_geometry("\x00geometry").rename(columns=renamed)
        gdf[kept] = lost[geom].to_numpy()
        gdf = gdf[[*(kept if f == geom else renamed.get(f, f) for f in fields), "\x00geometry"]]
        return gdf.rename_geometry(geom)
    return gdf.rename(columns=names)


def check_shapefile_parts(path: str | Path) -> None:
    """Refuse a shapefile whose parts do not belong together: a ``.dbf`` whose header counts
    other records than it holds (cut short, or added to), or whose records are not as many
    as the shapes the ``.shx`` indexes. Rows are paired with shapes by position, so one
    record missing shifts every one after it: a file-level fault, never row errors (GDAL
    would read the shapes without their records, or stop with a DBF read error). Reads the
    two headers and the files' sizes only; a shapefile without ``.shx`` or ``.dbf`` is left
    to GDAL."""
    import struct

    from .atomic import companions

    path = Path(path)
    if path.suffix.lower() != ".shp":
        return
    parts = {p.suffix.lower(): p for p in companions(path, existing_only=True)}
    shx, dbf = parts.get(".shx"), parts.get(".dbf")
    if shx is None or dbf is None:
        return
    shapes = max(0, (os.path.getsize(shx) - 100) // 8)
    with open(dbf, "rb") as fh:
        head = fh.read(12)
    if len(head) < 12:
        return   # not a DBF: GDAL says so
    header, header_len, record_len = struct.unpack_from("<IHH", head, 4)
    body = os.path.getsize(dbf) - header_len
    held = body // record_len if record_len else header
    if record_len and body not in (header * record_len, header * record_len + 1):   # (+ 0x1A, the end mark)
        raise InputError("dbf_truncated", path=str(path), dbf=dbf.name, header=header, records=held)
    if header != shapes:
        raise InputError("shapefile_counts", path=str(path), shp=path.name, shapes=shapes, dbf=dbf.name,
                         records=header)


#: DBF language-driver ids (header byte 29) that name a Chinese code page: 0x4D and 0x7A
#: GBK (CP936, read as its superset GB18030), 0x78 Big5 (CP950).
_DBF_LDID_CHINESE = {0x4D: "GB18030", 0x7A: "GB18030", 0x78: "BIG5"}

#: The GB family as ``.cpg`` files, DBF headers and ``--encoding`` name it (ArcGIS writes
#: ``936``; 54936 is Windows' GB18030), upper case without ``-``, ``_`` or spaces:
#: GB2312 ⊂ GBK = CP936 ⊂ GB18030, so all are read as GB18030, which also holds the
#: characters GBK lacks (CJK Extension A, ``㐀``).
_GB_FAMILY = frozenset({"936", "CP936", "MS936", "WINDOWS936", "ANSI936", "GBK", "GB2312", "GB231280",
                        "EUCCN", "20936", "54936", "CP54936", "GB18030"})


def shapefile_encoding(name: str) -> str | None:
    """The encoding a shapefile's text is read in, for the name a ``.cpg`` file or
    ``--encoding`` gives (None: a name neither Python nor GDAL's iconv would know).

    Both readers take the answer: GDAL's Arrow stream recodes with iconv
    (``SHAPE_ENCODING``), pyogrio's feature reader decodes with Python's codecs, so a name
    is turned into one both know: the GB family (``936``, ``GBK``, ``CP936``, ``GB2312`` …)
    into ``GB18030`` (its superset: the same text, and the characters GBK lacks); a bare
    code page (``936``, ``1252``, ``65001``) into ``CP<n>`` / ``UTF-8`` as GDAL reads a
    ``.cpg``; ``8859_1`` into ``ISO-8859-1``. ``"936"`` given to pyogrio as it is fails
    (no codec of that name), and GDAL's own reading of it (``CP936``) loses ``㐀``.

    Examples
    --------
    >>> shapefile_encoding("936"), shapefile_encoding("gbk"), shapefile_encoding("65001")
    ('GB18030', 'GB18030', 'UTF-8')
    >>> shapefile_encoding("8859_1"), shapefile_encoding("1252"), shapefile_encoding("no such")
    ('ISO-8859-1', 'CP1252', None)
    """
    import codecs
    import re

    key = re.sub(r"[\s_-]", "", name).upper()
    if key.startswith("ANSI") and key[4:].isdigit():   # "ANSI 1252"
        key = key[4:]
    if key in _GB_FAMILY:
        return "GB18030"
    if key in ("UTF8", "65001"):
        return "UTF-8"
    m = re.fullmatch(r"(?:ISO)?8859(\d+)", key)
    candidate = f"ISO-8859-{m[1]}" if m else f"CP{key}" if key.isdigit() else name.strip()
    try:
        codecs.lookup(candidate)
    except LookupError:
        return None
    return candidate


def sniff_shapefile_encoding(path: str | Path, sample_bytes: int | None = None) -> tuple[str, str]:
    """The text encoding of a shapefile's attributes, and how it was decided.

    Order: the ``.cpg`` file (its name as :func:`shapefile_encoding` reads it: ``936`` as
    GB18030); the DBF header's language-driver id (0x4D, 0x7A = GBK/CP936: GB18030); all
    the DBF's records (streamed in 1 MB blocks, so Chinese text that only starts after the
    first megabyte is seen) decoding as UTF-8; as GB18030 (a superset of GBK and GB2312);
    else ISO-8859-1, which decodes anything. A ``.cpg`` naming no known encoding is passed
    over (and said in how). ``sample_bytes`` limits how much is read (None: the whole file).
    """
    shp = Path(path)
    cpg = shp.with_suffix(".cpg")
    unknown = ""
    if cpg.exists():
        text = cpg.read_text(encoding="ascii", errors="replace").strip()
        if text:
            name = shapefile_encoding(text)
            if name is not None:
                return name, ".cpg" if name == text else f".cpg {text}"
            unknown = f"; .cpg {text!r} unknown"
    dbf = shp.with_suffix(".dbf")
    if not dbf.exists():
        return "UTF-8", "default (no .dbf)" + unknown
    with open(dbf, "rb") as fh:
        head = fh.read(32)
        if len(head) > 29 and head[29] in _DBF_LDID_CHINESE:
            return _DBF_LDID_CHINESE[head[29]], f"DBF language driver 0x{head[29]:02X}" + unknown
        header_len = int.from_bytes(head[8:10], "little") if len(head) >= 10 else 32
        fh.seek(max(header_len, 32))
        found = text_encoding_of(fh, sample_bytes)
    if found == "ASCII":
        return "UTF-8", "ASCII only" + unknown
    if found == "UTF-8":
        return "UTF-8", "decodes as UTF-8" + unknown
    if found == "GB18030":
        return "GB18030", ("decodes as GB18030 (no .cpg)" if not unknown else "decodes as GB18030" + unknown)
    return "ISO-8859-1", "fallback" + unknown


class _NotArrow(Exception):
    """GDAL's Arrow stream of the input broke (a malformed batch) at ``row``: the rest is
    read through its feature API."""

    def __init__(self, why: str, row: int = 0) -> None:
        super().__init__(why)
        self.row = row


class VectorReader(Reader):
    """A GDAL-readable file (see the module docs)."""

    kind = "gdal"

    def _open(self) -> None:
        import pyogrio

        self.layer = require_one_layer(self.path, self.layer)
        check_shapefile_parts(self.path)
        if self.path.suffix.lower() == ".shp":
            given = self.encoding
            if not given:
                self.encoding, self.encoding_source = sniff_shapefile_encoding(self.path)
            elif (name := shapefile_encoding(given)) not in (None, given):   # --encoding 936, GBK
                self.encoding, self.encoding_source = name, f"--encoding {given}"
        try:
            info = pyogrio.read_info(self.path, layer=self.layer, encoding=self.encoding)
        except Exception as exc:
            raise InputError("file_read", path=str(self.path), why=first_line(exc)) from None
        self.columns = list(info["fields"])
        self.n_rows = int(info["features"]) if info["features"] >= 0 else None
        self.crs = self._resolve_crs(None if info["crs"] is None else parse_crs(info["crs"]))
        self.encoding = self.encoding or info.get("encoding") or "UTF-8"
        self.geometry_type = info.get("geometry_type")
        self.extent = extent_of(info.get("total_bounds"))
        self.layer_name = self.layer or info.get("layer_name") or self.path.stem

    def chunks(self):
        yield from self._chunks()

    def chunks_in(self, start: int, stop: int, csv_bytes: tuple[int, int] | None = None):
        """Rows ``start`` to ``stop``: ``skip_features``, then the stream (see :class:`Reader`)."""
        yield from self._chunks(start, stop)

    def _chunks_by_offset(self, start: int = 0, stop: int | None = None):
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
            faults = None
            if not sound(table):
                fixed = undecodable_text(table, self.encoding)
                if fixed is None:
                    yield from self._chunks_plain(offset, stop)
                    return
                table, faults = fixed
            yield _with_faults(split_wkb(table, meta["geometry_name"] or "wkb_geometry"), faults)
            offset += table.num_rows

    def _chunks(self, start: int = 0, stop: int | None = None):
        if not self._streams():
            yield from self._chunks_by_offset(start, stop)
            return
        try:
            for batch, geom_name, faults in self._batches(start, stop):
                try:
                    chunk = split_wkb(batch, geom_name, self.read_geometries)
                except Exception as exc:
                    raise InputError("file_read", path=str(self.path), why=first_line(exc)) from None
                yield _with_faults(chunk, faults)
        except _NotArrow as exc:   # GDAL's Arrow stream gave a malformed batch: read plainly
            yield from self._chunks_plain(exc.row, stop)

    def _streams(self) -> bool:
        """Whether the input is read through one GDAL Arrow stream: not a shapefile in a
        legacy encoding, read chunk by chunk instead (a reader kept open holds GDAL's
        process-wide SHAPE_ENCODING at the input's encoding, which would recode a shapefile
        output written meanwhile)."""
        assert self.encoding is not None  # _open sets it
        return not (self.path.suffix.lower() == ".shp"
                    and self.encoding.upper().replace("-", "") != "UTF8")

    def _batches(self, start: int = 0, stop: int | None = None):
        """GDAL's Arrow batches of rows ``start`` to ``stop``, with the geometry column's
        name and the rows' faults (text not in the encoding, :func:`undecodable_text`, else
        None); a batch malformed otherwise raises :class:`_NotArrow` with its first row: rows from there
        on are to be read through the feature API (:meth:`_chunks_plain`)."""
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
                    faults = None
                    if not sound(batch):
                        fixed = undecodable_text(batch, self.encoding)
                        if fixed is None:
                            raise _NotArrow(f"a malformed Arrow batch at row {start + done}", start + done)
                        batch, faults = fixed
                    left -= batch.num_rows
                    done += batch.num_rows
                    yield batch, geom_name, faults
        except (InputError, _NotArrow):
            raise
        except Exception as exc:
            raise InputError("file_read", path=str(self.path), why=first_line(exc)) from None

    def _chunks_plain(self, start: int, stop: int | None):
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
            yield df, read_or_leave(raw, self.read_geometries), raw
            offset += len(raw)


def undecodable_text(batch, encoding: str | None):
    """A batch whose only flaw is text that is not UTF-8 (GDAL passes a field's bytes on as
    they are when they are not in the declared encoding): ``(the batch with those values
    read with �, per row its fault or None)``, the row an error row
    (:data:`~geozones.io.base.ROW_FAULT`) and the others read; None when the batch is
    malformed otherwise (its offsets: read it feature by feature instead)."""
    import pyarrow as pa

    columns = list(batch.columns)
    faults = np.full(batch.num_rows, None, dtype=object)
    for j, (name, col) in enumerate(zip(batch.schema.names, columns)):
        if not (pa.types.is_string(col.type) or pa.types.is_large_string(col.type)):
            continue
        try:
            col.validate(full=True)
            continue
        except pa.ArrowInvalid:
            pass
        as_bytes = col.view(pa.binary() if pa.types.is_string(col.type) else pa.large_binary())
        try:
            as_bytes.validate(full=True)
        except pa.ArrowInvalid:
            return None
        text = []
        for i, value in enumerate(as_bytes.to_pylist()):
            try:
                text.append(None if value is None else value.decode("utf-8"))
            except UnicodeDecodeError:
                text.append(value.decode("utf-8", errors="replace"))
                if faults[i] is None:
                    faults[i] = InputError("row_text_bytes", column=name, encoding=encoding or "UTF-8")
        columns[j] = pa.array(text, type=col.type)
    fixed = pa.RecordBatch.from_arrays(columns, schema=batch.schema) if isinstance(batch, pa.RecordBatch) \
        else pa.Table.from_arrays(columns, schema=batch.schema)
    return (fixed, faults) if sound(fixed) else None


def _with_faults(chunk, faults):
    """A chunk with the rows' faults (:data:`~geozones.io.base.ROW_FAULT`) when any."""
    if faults is not None and not is_none(faults).all():
        chunk[0][ROW_FAULT] = faults
    return chunk


#: Geometry type names (as GDAL writes them) by shapely type id.
GEOMETRY_TYPE_NAMES = {0: "Point", 1: "LineString", 3: "Polygon", 4: "MultiPoint",
                       5: "MultiLineString", 6: "MultiPolygon", 7: "GeometryCollection"}


def geometry_type_of(gdf) -> str:
    """The one geometry type of a frame's (or geometry array's) non-null geometries, or
    ``"Unknown"`` when mixed."""
    geoms = np.asarray(gdf.geometry.values if hasattr(gdf, "geometry") else gdf, dtype=object)
    geoms = geoms[~is_none(geoms)]
    types = set(shapely.get_type_id(geoms).tolist()) - {-1}
    if len(types) == 1:
        return GEOMETRY_TYPE_NAMES.get(types.pop(), "Unknown")
    if types and types <= {3, 6}:
        return "MultiPolygon"  # GDAL accepts a Polygon in a MultiPolygon layer
    if types and types <= {1, 5}:
        return "MultiLineString"
    return "Unknown"


#: Shapely type ids a shapefile declared as each type holds (0 point, 1 line, 3 polygon, 4-6 multi).
SHAPEFILE_FAMILIES: dict[str, set[int]] = {"Polygon": {3, 6}, "LineString": {1, 5}, "Point": {0},
                                      "MultiPoint": {0, 4}}


def geometry_type_ids(geoms: np.ndarray) -> set[int]:
    """The shapely type ids of the non-null geometries (-1, a missing one, left out)."""
    return set(shapely.get_type_id(geoms[~is_none(geoms)]).tolist()) - {-1}


def shapefile_geometry_type(types: set[int]) -> str:
    """The shapefile type that holds geometries of the shapely type ids ``types`` (one
    family: polygons and multipolygons are both a shapefile's "Polygon", lines, points;
    :func:`geometry_type_ids`, :func:`~geozones.io.arrow.wkb_type_ids`); ``"Unknown"`` for
    several families, which no shapefile holds."""
    if types <= {3, 6}:
        return "Polygon"
    if types <= {1, 5}:
        return "LineString"
    if types <= {0}:
        return "Point"
    if types <= {0, 4}:
        return "MultiPoint"
    return "Unknown"


#: Most bytes a DBF text field holds (the width GDAL's shapefile writer gives text fields).
DBF_TEXT_BYTES = 254


def dbf_text(table, limit: int = DBF_TEXT_BYTES):
    """The Arrow ``table`` with each text value longer than ``limit`` bytes in UTF-8 cut
    after its last whole character that fits (a shapefile's field holds 254 bytes: 84
    Chinese characters): as GDAL would cut it, without its warning on the terminal. Only
    columns holding such a value are rebuilt; a value never cut inside a character.

    Examples
    --------
    >>> import pyarrow as pa
    >>> t = dbf_text(pa.table({"a": ["甲乙丙", "ab", None], "n": [1, 2, 3]}), limit=7)
    >>> t.column("a").to_pylist()
    ['甲乙', 'ab', None]
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    for j, field in enumerate(table.schema):
        if not (pa.types.is_string(field.type) or pa.types.is_large_string(field.type)):
            continue
        col = table.column(j)
        if (pc.max(pc.binary_length(col)).as_py() or 0) <= limit:
            continue
        cut = [v if v is None or len(v.encode("utf-8")) <= limit
               else v.encode("utf-8")[:limit].decode("utf-8", errors="ignore") for v in col.to_pylist()]
        table = table.set_column(j, field, pa.array(cut, type=field.type))
    return table


def write_gdal(tmp: Path, driver: str, crs, reader, first_geoms: np.ndarray | None, count: dict,
               layer: str | None = None, geometry_type: str | None = None) -> dict[str, str]:
    """Write the Arrow stream ``reader`` as one layer of a GDAL format: one streamed
    ``pyogrio.write_arrow`` call (layer and spatial index made once, as for a whole-table
    write). The layer declares ``geometry_type`` (the input's; else the first chunk's single
    type, ``first_geoms``), never "Unknown (any)" for a single-type table, which ArcGIS and
    QGIS handle badly; a shapefile declares ``geometry_type`` as given (its family, decided by
    the caller from the rows' WKB: :func:`shapefile_geometry_type`) and is written in UTF-8
    with a ``.cpg`` (its text cut to the fields' 254 bytes before: :func:`dbf_text`).
    ``count["rows"]``: the rows the stream gave (a FlatGeobuf is checked against it on disk).
    Returns the field names the driver changed (a File Geodatabase's rules: ``建筑 高度`` →
    ``建筑_高度``, ``select`` → ``select_``), asked → written, for the summary, instead of
    GDAL's warning on the terminal."""
    import warnings

    import pyogrio

    kwargs: dict[str, Any] = {"layer_options": {}}
    if driver == "ESRI Shapefile":
        kwargs["geometry_type"] = geometry_type or "Unknown"
        kwargs["layer_options"]["ENCODING"] = "UTF-8"
    else:
        declared = geometry_type or geometry_type_of(first_geoms if first_geoms is not None else [])
        if driver == "FlatGeobuf" and not geometry_type:
            # guessed from the first chunk: FlatGeobuf refuses any later row of
            # another type (a MultiPolygon among Polygons), so it declares none
            declared = "Unknown"
        kwargs["geometry_type"] = declared if declared in GEOMETRY_TYPE_NAMES.values() else "Unknown"
    if driver == "FlatGeobuf":
        # Its spatial index cannot hold null geometries, and every row must come out.
        kwargs["layer_options"]["SPATIAL_INDEX"] = "NO"
    if driver == "OpenFileGDB":
        kwargs["layer_options"].update(file_gdb_options(reader.schema))
    if layer and driver in LAYERED_DRIVERS:
        kwargs["layer"] = layer
    asked = [f.name for f in reader.schema if f.name != "geometry"]
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Normalized/laundered field name", category=RuntimeWarning)
        pyogrio.write_arrow(reader, tmp, driver=driver, geometry_name="geometry",
                            crs=crs.to_wkt() if crs is not None else None, **kwargs)
    if driver == "FlatGeobuf":
        check_flatgeobuf(tmp, count["rows"])
    if driver != "OpenFileGDB":
        return {}
    written = [str(f) for f in pyogrio.read_info(tmp, layer=kwargs.get("layer"))["fields"]]
    if len(written) != len(asked):
        return {}
    return {a: w for a, w in zip(asked, written, strict=True) if a != w}


def file_gdb_options(schema) -> dict[str, str]:
    """Layer creation options of a File Geodatabase output of Arrow ``schema``.

    A 64-bit integer column (ids above 2**31, and every GeoPackage INTEGER) is only kept
    exact as a 64-bit field with ``TARGET_ARCGIS_VERSION=ARCGIS_PRO_3_2_OR_LATER`` (GDAL ≥
    3.9): without it GDAL writes it as a Float64, which rounds ids above 2**53. Such a
    layer opens in ArcGIS Pro 3.2 and later, and in GDAL/QGIS, not in ArcMap or older Pro,
    so the option is set only when the table has such a column: a table without one is
    written readable by every ArcGIS (the driver's default target).
    """
    import pyarrow as pa

    if any(pa.types.is_int64(f.type) or pa.types.is_uint32(f.type) or pa.types.is_uint64(f.type)
           for f in schema):
        return {"TARGET_ARCGIS_VERSION": "ARCGIS_PRO_3_2_OR_LATER"}
    return {}


def check_flatgeobuf(path: Path, rows: int) -> None:
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

