"""PostGIS tables as inputs and outputs, named by a libpq connection URI with a ``table``
parameter: ``postgresql://USER@HOST:PORT/DB?table=SCHEMA.TABLE``.

Only our own parameters are taken out of the URI (``table``, and ``geometry``: the geometry
column of a table with several); the rest goes to libpq untouched, so ``host=/socket/dir``,
``sslmode=…``, ``service=…`` and the ``PGHOST``/``PGUSER``/``PGPASSWORD``/``PGSERVICE``
environment variables and the password and service files work as libpq defines them (this
module reads no environment variable itself). A password never appears in a message or a
summary (:func:`shown_uri`, :func:`scrubbed`).

The client is psycopg 3 (the ``postgis`` extra), imported only here:

* :class:`PostgisReader` reads in one read-only ``REPEATABLE READ`` transaction (the row
  count and the rows from one snapshot), through a server-side cursor fetching
  ``chunk_size`` rows at a time (never the whole table in memory); the geometry as WKB
  (``ST_AsBinary``), the CRS from the column's SRID (``geometry_columns``, else the first
  row's ``ST_SRID``) looked up in ``spatial_ref_sys``.
* :func:`postgis_output` is the output's transaction: the table is created (an existing one
  refused without ``overwrite``, dropped in the same transaction with it), the rows copied in
  (``COPY … FROM STDIN`` in CSV, the geometry as hex WKB taking the column's SRID), a GiST
  index built, and all committed only when the whole run succeeded: a failure leaves the
  database as it was. :func:`write_postgis` writes the stream of Arrow batches.
"""

from __future__ import annotations

import contextlib
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import numpy as np

from ..errors import InputError, OutputError, first_line
from .base import DEFAULT_CHUNK_ROWS, Reader, split_wkb

__all__ = ["read_table", "TableUri", "parse_table_uri", "shown_uri", "scrubbed", "same_table", "PostgisReader",
           "PostgisOutput", "postgis_output", "check_postgis_output", "write_postgis", "GEOMETRY_COLUMN"]

#: Our own parameters of a table URI; every other one is libpq's.
OWN_PARAMS = ("table", "geometry")
#: The geometry column of a table geozones writes.
GEOMETRY_COLUMN = "geom"
#: Geometry types of ``geometry_columns`` as the readers name them (GDAL's names).
_TYPES = {"POINT": "Point", "LINESTRING": "LineString", "POLYGON": "Polygon", "MULTIPOINT": "MultiPoint",
          "MULTILINESTRING": "MultiLineString", "MULTIPOLYGON": "MultiPolygon"}


@dataclass(frozen=True)
class TableUri:
    """A table URI taken apart: ``conninfo`` (the URI without our parameters, for libpq),
    the table (``schema`` None: the search path decides), the ``geometry`` column asked
    for (None: the table's one), and ``shown``: the URI without its password."""

    conninfo: str
    schema: str | None
    table: str
    geometry: str | None
    shown: str

    @property
    def qualified(self):
        """The table as a SQL identifier (psycopg's ``sql.Identifier``)."""
        from psycopg import sql

        return sql.Identifier(*([self.schema] if self.schema else []), self.table)

    def name(self) -> str:
        """``schema.table`` as given (for messages and the output's layer)."""
        return f"{self.schema}.{self.table}" if self.schema else self.table


def shown_uri(text: str) -> str:
    """``text`` with the password of its user part and of a ``password=`` parameter
    replaced by ``***``.

    >>> shown_uri("postgresql://gz:s3cret@db:5432/parcels?password=x&table=public.p")
    'postgresql://gz:***@db:5432/parcels?password=***&table=public.p'
    """
    text = re.sub(r"^([a-z]+://[^/?#@:]*):[^@/?#]*@", r"\1:***@", text)
    return re.sub(r"([?&]password=)[^&#]*", r"\1***", text)


def scrubbed(message: str, uri: str | None = None) -> str:
    """A library's message with the password of ``uri`` (its user part or a ``password=``
    parameter) replaced by ``***`` wherever it appears. (libpq never repeats a password it
    took from ``PGPASSWORD`` or a password file.)"""
    secrets = []
    if uri:
        parts = urlsplit(uri)
        secrets.append(unquote(parts.password or ""))
        secrets += [v for k, v in parse_qsl(parts.query, keep_blank_values=True) if k == "password"]
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        message = message.replace(secret, "***")
    return shown_uri(message)


def parse_table_uri(text: str, output: bool = False) -> TableUri:
    """The parts of a table URI; one line when it names no table or cannot be read
    (:class:`InputError`, or :class:`OutputError` for an ``output``)."""
    error = OutputError if output else InputError
    shown = shown_uri(text)
    try:
        parts = urlsplit(text)
        _ = parts.port   # a port that is not a number
    except ValueError as exc:
        raise error("postgis_uri_bad", path=shown, why=scrubbed(first_line(exc), text)) from None
    own: dict[str, str] = {}
    kept = []
    for piece in parts.query.split("&") if parts.query else []:
        key, _, value = piece.partition("=")
        if unquote(key) in OWN_PARAMS:
            own[unquote(key)] = unquote(value)
        else:
            kept.append(piece)
    table = own.get("table", "").strip()
    if not table:
        raise error("postgis_uri_table", path=shown)
    schema, dot, name = table.partition(".")
    if not dot:
        schema, name = "", table
    if not name or (dot and not schema):
        raise error("postgis_uri_table", path=shown)
    conninfo = parts._replace(query="&".join(kept)).geturl()
    return TableUri(conninfo, schema or None, name, own.get("geometry") or None, shown)


def same_table(a: str, b: str) -> bool:
    """Whether two table URIs name the same table: the same table and schema (``public``
    when none is given), host, port and database, each as given or as libpq's defaults (its
    ``PG*`` environment variables) make it (a guess on the safe side: two names of one server
    are not told apart)."""
    psycopg = _psycopg()
    from psycopg.conninfo import conninfo_to_dict

    defaults = {c.keyword.decode(): c.val.decode() for c in psycopg.pq.Conninfo.get_defaults() if c.val is not None}

    def key(text: str):
        uri = parse_table_uri(text)
        params = {**defaults, **{k: str(v) for k, v in conninfo_to_dict(uri.conninfo).items()}}
        db = params.get("dbname") or params.get("user", "")
        return (params.get("host", ""), params.get("port", ""), db, uri.schema or "public", uri.table)

    try:
        return key(a) == key(b)
    except (InputError, OutputError, psycopg.Error):
        return False


def _psycopg():
    from .._optional import require

    return require("psycopg")


def _connect(uri: TableUri, output: bool = False):
    """A connection to ``uri``'s database; one line naming the URI (without password) when
    it cannot be made."""
    psycopg = _psycopg()
    try:
        return psycopg.connect(uri.conninfo, application_name="geozones")
    except psycopg.Error as exc:
        error = OutputError if output else InputError
        raise error("postgis_connect", path=uri.shown, why=scrubbed(first_line(exc), uri.conninfo)) from None


def _arrow_type(pg_type: str):
    """The Arrow type a column of ``pg_type`` (``format_type``) is read as, with the SQL cast
    that gives it (None: as it is); anything else is read as text."""
    import pyarrow as pa

    base = pg_type.split("(")[0].strip()
    plain = {"smallint": pa.int16(), "integer": pa.int32(), "bigint": pa.int64(), "real": pa.float32(),
             "double precision": pa.float64(), "boolean": pa.bool_(), "text": pa.string(),
             "character varying": pa.string(), "character": pa.string(), "name": pa.string(),
             "date": pa.date32(), "timestamp without time zone": pa.timestamp("us"),
             "timestamp with time zone": pa.timestamp("us", tz="UTC")}
    if base in plain:
        return plain[base], None
    if base in ("numeric", "money"):
        return pa.float64(), "float8"
    return pa.string(), "text"


class PostgisReader(Reader):
    """A PostGIS table, read in chunks through a server-side cursor (see the module)."""

    kind = "postgis"

    def __init__(self, path, *, layer: str | None = None, encoding: str | None = None,
                 wkt_column: str | None = None, crs: Any = None, chunk_size: int = DEFAULT_CHUNK_ROWS) -> None:
        self.uri = parse_table_uri(str(path))
        self._conn: Any = None
        super().__init__(path, layer=None, encoding=None, wkt_column=None, crs=crs, chunk_size=chunk_size)

    @staticmethod
    def shown_name(path) -> str:
        return shown_uri(str(path))

    def _open(self) -> None:
        psycopg = _psycopg()
        conn = self._conn = _connect(self.uri)
        try:
            conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
            conn.read_only = True
            self._describe(conn)
        except psycopg.Error as exc:
            self.close()
            raise InputError("postgis_read", path=self.shown, why=scrubbed(first_line(exc), self.uri.conninfo)) from None
        except BaseException:
            self.close()
            raise

    def _describe(self, conn) -> None:
        uri = self.uri
        oid = conn.execute("SELECT to_regclass(%s)::oid", [uri.qualified.as_string(conn)]).fetchone()[0]
        if oid is None:
            raise InputError("postgis_no_table", path=self.shown, table=uri.name())
        cols = conn.execute(
            "SELECT a.attname, format_type(a.atttypid, a.atttypmod), t.typname FROM pg_attribute a "
            "JOIN pg_type t ON t.oid = a.atttypid WHERE a.attrelid = %s AND a.attnum > 0 "
            "AND NOT a.attisdropped ORDER BY a.attnum", [oid]).fetchall()
        geoms = [c[0] for c in cols if c[2] == "geometry"]
        if not geoms:
            raise InputError("postgis_no_geometry", path=self.shown, table=uri.name())
        if uri.geometry is not None:
            if uri.geometry not in geoms:
                raise InputError("postgis_geometry_unknown", path=self.shown, column=uri.geometry,
                                 columns=", ".join(geoms))
            geom = uri.geometry
        elif len(geoms) > 1:
            raise InputError("postgis_geometries", path=self.shown, columns=", ".join(geoms))
        else:
            geom = geoms[0]
        self._geom = geom
        self._attrs = [(name, *_arrow_type(pg_type)) for name, pg_type, typname in cols if name != geom]
        self.columns = [name for name, _, _ in self._attrs]
        self._header = [c[0] for c in cols]
        row = conn.execute("SELECT g.srid, g.type FROM geometry_columns g JOIN pg_class c ON c.oid = %s "
                           "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE g.f_table_schema = n.nspname "
                           "AND g.f_table_name = c.relname AND g.f_geometry_column = %s", [oid, geom]).fetchone()
        srid, gtype = (row if row is not None else (0, "GEOMETRY"))
        from psycopg import sql

        table, column = uri.qualified, sql.Identifier(geom)
        if not srid:   # a column without a declared SRID: its first row's
            first = conn.execute(sql.SQL("SELECT ST_SRID({}) FROM {} WHERE {} IS NOT NULL LIMIT 1")
                                 .format(column, table, column)).fetchone()
            srid = first[0] if first else 0
        self.geometry_type = _TYPES.get(str(gtype).upper())
        self.layer_name = uri.table
        self.encoding, self.encoding_source = "UTF-8", "database"
        self.n_rows = conn.execute(sql.SQL("SELECT count(*) FROM {}").format(table)).fetchone()[0]
        self.crs = self._resolve_crs(_crs_of(conn, srid))

    def header(self) -> list[str]:
        return list(getattr(self, "_header", self.columns))

    def close(self) -> None:
        """End the read transaction and the connection."""
        if self._conn is not None:
            with contextlib.suppress(Exception):
                self._conn.close()
            self._conn = None

    def chunks(self) -> Iterator:
        import pyarrow as pa
        from psycopg import sql

        psycopg = _psycopg()
        if self._conn is None:
            raise InputError("postgis_read", path=self.shown, why="read twice")
        fields = [sql.SQL("{}::{}").format(sql.Identifier(n), sql.SQL(cast)) if cast else sql.Identifier(n)
                  for n, _, cast in self._attrs]
        query = sql.SQL("SELECT {} FROM {}").format(
            sql.SQL(", ").join([*fields, sql.SQL("ST_AsBinary({})").format(sql.Identifier(self._geom))]),
            self.uri.qualified)
        types = [t for _, t, _ in self._attrs] + [pa.binary()]
        names = [*self.columns, "\x00wkb"]
        try:
            with self._conn.cursor(name="geozones_read", binary=True) as cur:
                cur.itersize = self.chunk_size
                cur.execute(query)
                while True:
                    rows = cur.fetchmany(self.chunk_size)
                    if not rows:
                        break
                    arrays = [pa.array(col, type=t) for col, t in zip(zip(*rows), types)]
                    yield split_wkb(pa.Table.from_arrays(arrays, names=names), "\x00wkb", self.read_geometries)
        except psycopg.Error as exc:
            raise InputError("postgis_read", path=self.shown, why=scrubbed(first_line(exc), self.uri.conninfo)) from None
        finally:
            self.close()


def read_table(text: str, crs=None):
    """A whole PostGIS table as ``(GeoDataFrame, crs)`` (the screened table that ``screen
    --map`` and ``--reports`` read back), through :class:`PostgisReader`'s chunks: for a table
    of the size a map or a folder of reports holds. The frame's ``crs`` is the column's
    (none for GCJ-02/BD-09 ``crs``); ``crs`` as for any reader."""
    import geopandas as gpd
    import pandas as pd

    from ..core.datums import datum_of

    reader = PostgisReader(text, crs=crs)
    frames, geoms = [], []
    for df, g, _raw in reader.chunks():
        frames.append(df)
        geoms.append(g)
    attrs = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame({c: [] for c in reader.columns})
    values = np.concatenate(geoms) if geoms else np.empty(0, dtype=object)
    frame_crs = None if datum_of(reader.crs) else reader.crs
    return gpd.GeoDataFrame(attrs, geometry=gpd.GeoSeries(values, crs=frame_crs), crs=frame_crs), reader.crs


def _crs_of(conn, srid: int):
    """The CRS of ``srid`` in ``spatial_ref_sys`` (``EPSG:n`` for an EPSG code, else its WKT),
    None for 0 or an SRID the table does not hold."""
    if not srid:
        return None
    row = conn.execute("SELECT auth_name, auth_srid, srtext FROM spatial_ref_sys WHERE srid = %s", [srid]).fetchone()
    if row is None:
        return None
    auth, code, wkt = row
    return f"EPSG:{code}" if str(auth).upper() == "EPSG" and code else (wkt or None)


@dataclass
class PostgisOutput:
    """The output table and the transaction it is written in (see :func:`postgis_output`)."""

    uri: TableUri
    conn: Any
    overwrite: bool

    @property
    def name(self) -> str:
        """The table as shown in messages."""
        return self.uri.shown


def check_postgis_output(text: str, overwrite: bool) -> None:
    """Before any work: the output's database can be reached, its schema exists, and the
    table does not exist unless ``overwrite`` (one-line :class:`OutputError`)."""
    uri = parse_table_uri(text, output=True)
    with contextlib.closing(_connect(uri, output=True)) as conn:
        _check_absent(conn, uri, overwrite)


def _check_absent(conn, uri: TableUri, overwrite: bool) -> bool:
    """Whether the table exists (refused without ``overwrite``); its schema must exist."""
    if uri.schema is not None and conn.execute("SELECT to_regnamespace(%s)", [uri.schema]).fetchone()[0] is None:
        raise OutputError("postgis_no_schema", path=uri.shown, schema=uri.schema)
    exists = conn.execute("SELECT to_regclass(%s)", [uri.qualified.as_string(conn)]).fetchone()[0] is not None
    if exists and not overwrite:
        raise OutputError("output_exists", path=uri.shown)
    return exists


@contextlib.contextmanager
def postgis_output(text: str, overwrite: bool = False) -> Iterator[PostgisOutput]:
    """The output table's transaction: yields a :class:`PostgisOutput` to write into
    (:func:`write_postgis`); committed when the ``with`` block ends without error, rolled
    back otherwise (nothing of the output visible, an existing table kept)."""
    psycopg = _psycopg()
    uri = parse_table_uri(text, output=True)
    conn = _connect(uri, output=True)
    try:
        try:
            yield PostgisOutput(uri, conn, overwrite)
            conn.commit()
        except psycopg.Error as exc:
            raise OutputError("output_write", path=uri.shown, why=scrubbed(first_line(exc), uri.conninfo)) from None
    except BaseException:
        with contextlib.suppress(Exception):
            conn.rollback()
        raise
    finally:
        with contextlib.suppress(Exception):
            conn.close()


def _sql_type(t) -> tuple[str, Any]:
    """The column type an Arrow type is written as, and the Arrow type it is sent as."""
    import pyarrow as pa

    if pa.types.is_boolean(t):
        return "boolean", None
    if pa.types.is_int8(t) or pa.types.is_int16(t) or pa.types.is_uint8(t):
        return "smallint", None
    if pa.types.is_int32(t) or pa.types.is_uint16(t):
        return "integer", None
    if pa.types.is_int64(t) or pa.types.is_uint32(t):
        return "bigint", None
    if pa.types.is_uint64(t):
        return "numeric", None
    if pa.types.is_float16(t) or pa.types.is_float32(t):
        return "real", None
    if pa.types.is_floating(t):
        return "double precision", None
    if pa.types.is_decimal(t):
        return "numeric", None
    if pa.types.is_date(t):
        return "date", pa.date32()
    if pa.types.is_timestamp(t):
        return ("timestamp with time zone" if t.tz else "timestamp without time zone"), pa.timestamp("us", tz=t.tz)
    return "text", pa.string()


def _hex(arr):
    """A binary Arrow array as the hex text of its bytes (nulls kept), without a loop over rows."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = arr.cast(pa.large_binary())
    if len(arr) == 0:
        return pa.array([], type=pa.large_string())
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int64)[arr.offset:arr.offset + len(arr) + 1]
    data = np.frombuffer(arr.buffers()[2], dtype=np.uint8)[offsets[0]:offsets[-1]] if arr.buffers()[2] else np.zeros(0, np.uint8)
    digits = np.frombuffer(b"".join(b"%02x" % i for i in range(256)), dtype=np.uint16)
    text = pa.LargeStringArray.from_buffers(len(arr), pa.py_buffer((offsets - offsets[0]) * 2),
                                            pa.py_buffer(digits[data].tobytes()))
    return pc.if_else(arr.is_null(), pa.scalar(None, pa.large_string()), text) if arr.null_count else text


def write_postgis(out: PostgisOutput, schema, crs, batches: Iterable) -> int:
    """Write the Arrow ``batches`` (attribute columns, then WKB ``geometry``) as the output
    table in ``out``'s transaction: created with the columns' types and ``geom`` of the CRS's
    SRID, the rows copied in, a GiST index on ``geom``; returns rows written."""
    import pyarrow as pa
    import pyarrow.csv as pcsv
    from psycopg import sql

    conn, uri = out.conn, out.uri
    srid = _srid_of(conn, crs, uri)
    if _check_absent(conn, uri, out.overwrite):
        conn.execute(sql.SQL("DROP TABLE {}").format(uri.qualified))
    attrs = [f for f in schema if f.name != "geometry"]
    typed = [(f.name, *_sql_type(f.type)) for f in attrs]
    columns = [sql.SQL("{} {}").format(sql.Identifier(n), sql.SQL(t)) for n, t, _ in typed]
    columns.append(sql.SQL("{} geometry(Geometry, {})").format(sql.Identifier(GEOMETRY_COLUMN), sql.Literal(srid)))
    conn.execute(sql.SQL("CREATE TABLE {} ({})").format(uri.qualified, sql.SQL(", ").join(columns)))
    names = sql.SQL(", ").join([sql.Identifier(n) for n, _, _ in typed] + [sql.Identifier(GEOMETRY_COLUMN)])
    rows = 0
    options = pcsv.WriteOptions(include_header=False)
    with conn.cursor().copy(sql.SQL("COPY {} ({}) FROM STDIN (FORMAT csv)").format(uri.qualified, names)) as copy:
        for batch in batches:
            cols = [batch.column(f.name) if cast is None else batch.column(f.name).cast(cast)
                    for f, (_, _, cast) in zip(attrs, typed)]
            cols.append(_hex(batch.column("geometry")))
            buf = io.BytesIO()
            pcsv.write_csv(pa.Table.from_arrays(cols, names=[*(f"c{i}" for i in range(len(attrs))), "g"]), buf, options)
            copy.write(buf.getbuffer())
            rows += batch.num_rows
    # named by PostgreSQL (<table>_geom_idx, unique in the schema)
    conn.execute(sql.SQL("CREATE INDEX ON {} USING GIST ({})").format(uri.qualified, sql.Identifier(GEOMETRY_COLUMN)))
    conn.execute(sql.SQL("ANALYZE {}").format(uri.qualified))
    return rows


def _srid_of(conn, crs, uri: TableUri) -> int:
    """The SRID of ``crs`` in the output's ``spatial_ref_sys`` (by its EPSG code); one line
    when it has none there."""
    from pyproj import CRS

    epsg = CRS(crs).to_epsg() if crs is not None else None
    row = None if epsg is None else conn.execute(
        "SELECT srid FROM spatial_ref_sys WHERE auth_name = 'EPSG' AND auth_srid = %s", [epsg]).fetchone()
    if row is None:
        raise OutputError("postgis_srid", path=uri.shown, crs=str(crs))
    return int(row[0])
