"""The station ledger's storage: a GeoPackage (the default) or a PostGIS table, appended to
in one transaction each, read whole. What an entry means and which changes are allowed is
:mod:`geozones.ledger`'s; this module only keeps rows.

One table, ``ledger`` (in a GeoPackage the layer of that name; in PostGIS the table the URI
names, ``postgresql://…?table=SCHEMA.TABLE``, :func:`geozones.io.formats.is_table_uri`), one
row per entry, every station's entries in it (the ``station`` column); the columns are
:data:`COLUMNS` and the geometry ``geom``, stored in WGS84 longitude/latitude (EPSG:4326) when
the ledger is made; a ledger whose geometry column declares another CRS is read and written in
that one (its geometries are taken to and from lon/lat here).

* **GeoPackage**: written with SQLite itself (the GeoPackage 1.3 tables and the standard
  geometry encoding, no spatial index: a ledger holds thousands of rows, not millions), so an
  append is one SQLite transaction begun ``IMMEDIATE``: a second writer waits for the first
  (up to :data:`LOCK_WAIT_S`), and the check of what the entry supersedes runs inside it, on
  the rows as they are.
* **PostGIS**: one transaction that takes the table's ``EXCLUSIVE`` lock (readers go on) after
  making the table if it is missing (under an advisory lock, so two first appends make it once).

Ids are the store's own increasing integers (SQLite ``AUTOINCREMENT``, PostgreSQL identity): an
id is never given twice, not even after a failed append.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import struct
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from ..errors import InputError, OutputError, first_line
from .formats import driver_for, is_table_uri

__all__ = ["COLUMNS", "LAYER", "LEDGER_CRS", "LOCK_WAIT_S", "LedgerStore", "open_store", "Target"]

#: The layer (GeoPackage) a ledger's entries are kept in.
LAYER = "ledger"
#: The CRS a new ledger stores its geometries in: WGS84 longitude/latitude.
LEDGER_CRS = "EPSG:4326"
#: How long an append waits for another one to finish before it gives up. [s]
LOCK_WAIT_S = 30.0

#: The attribute columns, in order, and their SQLite / PostgreSQL types (besides ``id``,
#: the store's increasing integer, and ``geom``). Text dates: ``decision_date`` ISO 8601
#: ``YYYY-MM-DD``, ``recorded_at`` ISO 8601 UTC ``YYYY-MM-DDTHH:MM:SSZ``.
COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("station", "TEXT NOT NULL", "text NOT NULL"),
    ("decision", "TEXT NOT NULL", "text NOT NULL"),
    ("decision_date", "TEXT", "text"),
    ("doc_no", "TEXT", "text"),
    ("kind", "TEXT", "text"),
    ("height_m", "REAL", "double precision"),
    ("floors", "INTEGER", "integer"),
    ("use", "TEXT", "text"),
    ("verdict", "TEXT", "text"),
    ("zone", "TEXT", "text"),
    ("distance_m", "REAL", "double precision"),
    ("max_height_m", "REAL", "double precision"),
    ("recorded_by", "TEXT NOT NULL", "text NOT NULL"),
    ("recorded_at", "TEXT NOT NULL", "text NOT NULL"),
    ("supersedes", "INTEGER", "bigint"),
    ("note", "TEXT", "text"),
    ("source", "TEXT", "text"),
)
_NAMES = tuple(name for name, _, _ in COLUMNS)

#: What an append is told of the entry it supersedes: its row (``id``, the columns, and
#: ``replaced_by``: the id of an entry superseding it already, or None), None when no such id.
Target = dict


class LedgerStore:
    """Where a ledger is kept (see the module). ``shown`` names it in messages (a URI without
    its password).

    Parameters
    ----------
    location : str or Path
        A ``.gpkg`` path, or a PostGIS table URI.
    """

    def __init__(self, location: str | Path) -> None:
        self.location = str(location)
        self.postgis = is_table_uri(self.location)
        if self.postgis:
            from .postgis import parse_table_uri

            self.shown = parse_table_uri(self.location, output=True).shown
        else:
            self.shown = self.location
            if driver_for(self.location) != "GPKG":
                raise InputError("ledger_format", path=self.location)

    # --- reading -------------------------------------------------------------------------
    def exists(self) -> bool:
        """Whether the ledger has been made (its file or table is there)."""
        if not self.postgis:
            return os.path.isfile(self.location) and os.path.getsize(self.location) > 0
        from .postgis import _connect, parse_table_uri

        uri = parse_table_uri(self.location, output=True)
        with contextlib.closing(_connect(uri, output=True)) as conn:
            return conn.execute("SELECT to_regclass(%s)", [uri.qualified.as_string(conn)]).fetchone()[0] is not None

    def read(self) -> list[dict[str, Any]]:
        """Every row, in id order: ``id``, the :data:`COLUMNS` and ``geometry`` (WGS84
        lon/lat, None where the row has none). A missing ledger is one line (``ledger_missing``)."""
        if not self.exists():
            raise InputError("ledger_missing", path=self.shown)
        return self._read_postgis() if self.postgis else self._read_gpkg()

    # --- appending -----------------------------------------------------------------------
    def append(self, row: dict[str, Any], validate: Callable[[Target | None], None] | None = None) -> int:
        """Append one entry (``row``: the :data:`COLUMNS` and ``geometry`` in WGS84 lon/lat) in
        one transaction, the ledger made first if it is missing; returns its id.
        ``validate`` is called inside the transaction with the row ``row["supersedes"]``
        names (:data:`Target`) and may raise to append nothing."""
        if self.postgis:
            return self._append_postgis(row, validate)
        return self._append_gpkg(row, validate)

    # --- GeoPackage ----------------------------------------------------------------------
    def _sqlite(self) -> sqlite3.Connection:
        try:
            conn = sqlite3.connect(self.location, timeout=LOCK_WAIT_S, isolation_level=None)
        except sqlite3.Error as exc:
            raise OutputError("ledger_write", path=self.shown, why=first_line(exc)) from None
        _gpkg_functions(conn)
        return conn

    def _gpkg_layer(self, conn: sqlite3.Connection) -> tuple[int, str, str, str]:
        """The ledger layer's SRS id, its CRS (``EPSG:n`` or WKT), its id column (the integer
        primary key: ``id`` in a ledger geozones made, ``fid`` in one GDAL made) and its
        geometry column."""
        row = conn.execute("SELECT g.srs_id, s.organization, s.organization_coordsys_id, s.definition, g.column_name "
                           "FROM gpkg_geometry_columns g JOIN gpkg_spatial_ref_sys s ON s.srs_id = g.srs_id "
                           "WHERE lower(g.table_name) = lower(?)", [LAYER]).fetchone()
        if row is None:
            raise InputError("ledger_not_ledger", path=self.shown, layer=LAYER)
        srs_id, org, code, definition, geom = row
        pk = [r[1] for r in conn.execute(f'PRAGMA table_info("{LAYER}")') if r[5] == 1]
        if len(pk) != 1:
            raise InputError("ledger_not_ledger", path=self.shown, layer=LAYER)
        if srs_id <= 0:
            return srs_id, LEDGER_CRS, pk[0], geom
        return srs_id, (f"EPSG:{code}" if str(org).upper() == "EPSG" else definition), pk[0], geom

    def _read_gpkg(self) -> list[dict[str, Any]]:
        conn = self._sqlite()
        try:
            try:
                _srs_id, crs, pk, gcol = self._gpkg_layer(conn)
                names = ", ".join(f'"{n}"' for n in _NAMES)
                rows = conn.execute(f'SELECT "{pk}", {names}, "{gcol}" FROM "{LAYER}" ORDER BY "{pk}"').fetchall()
            except sqlite3.DatabaseError as exc:
                raise InputError("ledger_read", path=self.shown, why=first_line(exc)) from None
        finally:
            conn.close()
        geoms = _to_lonlat(np.array([_gpkg_decode(r[-1]) for r in rows], dtype=object), crs)
        return [{"id": r[0], **dict(zip(_NAMES, r[1:-1])), "geometry": g} for r, g in zip(rows, geoms)]

    def _append_gpkg(self, row: dict[str, Any], validate) -> int:
        conn = self._sqlite()
        try:
            try:
                conn.execute("BEGIN IMMEDIATE")
                _create_gpkg(conn)
                srs_id, crs, pk, gcol = self._gpkg_layer(conn)
                if validate is not None:
                    validate(self._target_gpkg(conn, pk, row.get("supersedes")))
                geom = _from_lonlat(np.array([row.get("geometry")], dtype=object), crs)[0]
                names = ", ".join(f'"{n}"' for n in (*_NAMES, gcol))
                cur = conn.execute(f'INSERT INTO "{LAYER}" ({names}) VALUES ({", ".join("?" * (len(_NAMES) + 1))})',
                                   [*(row.get(n) for n in _NAMES), _gpkg_encode(geom, srs_id)])
                new_id = int(cur.lastrowid or 0)
                if geom is not None and not geom.is_empty:
                    _grow_extent(conn, geom)
                conn.execute("COMMIT")
                return new_id
            except sqlite3.DatabaseError as exc:
                raise OutputError("ledger_write", path=self.shown, why=first_line(exc)) from None
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
            raise
        finally:
            conn.close()

    def _target_gpkg(self, conn: sqlite3.Connection, pk: str, target: int | None) -> Target | None:
        if target is None:
            return None
        names = ", ".join(f'"{n}"' for n in _NAMES)
        found = conn.execute(f'SELECT "{pk}", {names} FROM "{LAYER}" WHERE "{pk}" = ?', [int(target)]).fetchone()
        if found is None:
            return None
        later = conn.execute(f'SELECT min("{pk}") FROM "{LAYER}" WHERE supersedes = ?', [int(target)]).fetchone()[0]
        return {"id": found[0], **dict(zip(_NAMES, found[1:])), "replaced_by": later}

    # --- PostGIS -------------------------------------------------------------------------
    def _read_postgis(self) -> list[dict[str, Any]]:
        from psycopg import sql

        from .postgis import _connect, _crs_of, _psycopg, parse_table_uri, scrubbed

        psycopg = _psycopg()
        uri = parse_table_uri(self.location)
        with contextlib.closing(_connect(uri)) as conn:
            try:
                srid = conn.execute(sql.SQL("SELECT Find_SRID({}, {}, 'geom')").format(
                    sql.Literal(uri.schema or "public"), sql.Literal(uri.table))).fetchone()[0]
                crs = _crs_of(conn, srid) or LEDGER_CRS
                cols = sql.SQL(", ").join([sql.Identifier(n) for n in ("id", *_NAMES)])
                rows = conn.execute(sql.SQL("SELECT {}, ST_AsBinary(geom) FROM {} ORDER BY id").format(
                    cols, uri.qualified)).fetchall()
            except psycopg.Error as exc:
                raise InputError("ledger_read", path=uri.shown, why=scrubbed(first_line(exc), uri.conninfo)) from None
        geoms = _to_lonlat(np.array([None if r[-1] is None else shapely.from_wkb(bytes(r[-1])) for r in rows],
                                    dtype=object), crs)
        return [{"id": r[0], **dict(zip(_NAMES, r[1:-1])), "geometry": g} for r, g in zip(rows, geoms)]

    def _append_postgis(self, row: dict[str, Any], validate) -> int:
        from psycopg import sql

        from .postgis import _check_absent, _crs_of, _srid_of, postgis_output

        with postgis_output(self.location, overwrite=True) as out:
            conn, uri = out.conn, out.uri
            conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"geozones ledger {uri.name()}"])
            if not _check_absent(conn, uri, overwrite=True):
                srid = _srid_of(conn, LEDGER_CRS, uri)
                cols: list[Any] = [sql.SQL("id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY")]
                cols += [sql.SQL("{} {}").format(sql.Identifier(n), sql.SQL(pg)) for n, _, pg in COLUMNS]
                cols.append(sql.SQL("geom geometry(Geometry, {})").format(sql.Literal(srid)))
                conn.execute(sql.SQL("CREATE TABLE {} ({})").format(uri.qualified, sql.SQL(", ").join(cols)))
            conn.execute(sql.SQL("LOCK TABLE {} IN EXCLUSIVE MODE").format(uri.qualified))
            srid = conn.execute(sql.SQL("SELECT Find_SRID({}, {}, 'geom')").format(
                sql.Literal(uri.schema or "public"), sql.Literal(uri.table))).fetchone()[0]
            if validate is not None:
                validate(self._target_postgis(conn, uri, row.get("supersedes")))
            geom = _from_lonlat(np.array([row.get("geometry")], dtype=object), _crs_of(conn, srid) or LEDGER_CRS)[0]
            names = sql.SQL(", ").join([sql.Identifier(n) for n in (*_NAMES, "geom")])
            values = sql.SQL(", ").join([sql.Placeholder()] * len(_NAMES) + [sql.SQL("ST_GeomFromWKB({}, {})").format(
                sql.Placeholder(), sql.Literal(srid))])
            wkb = None if geom is None else shapely.to_wkb(geom)
            return int(conn.execute(sql.SQL("INSERT INTO {} ({}) VALUES ({}) RETURNING id").format(
                uri.qualified, names, values), [*(row.get(n) for n in _NAMES), wkb]).fetchone()[0])

    def _target_postgis(self, conn, uri, target: int | None) -> Target | None:
        from psycopg import sql

        if target is None:
            return None
        cols = sql.SQL(", ").join([sql.Identifier(n) for n in ("id", *_NAMES)])
        found = conn.execute(sql.SQL("SELECT {} FROM {} WHERE id = %s").format(cols, uri.qualified),
                             [int(target)]).fetchone()
        if found is None:
            return None
        later = conn.execute(sql.SQL("SELECT min(id) FROM {} WHERE supersedes = %s").format(uri.qualified),
                             [int(target)]).fetchone()[0]
        return {"id": found[0], **dict(zip(_NAMES, found[1:])), "replaced_by": later}


def open_store(location: str | Path) -> LedgerStore:
    """The ledger at ``location``: a ``.gpkg`` path or a PostGIS table URI (any other
    extension is one line, ``ledger_format``). Nothing is opened until it is read or appended to."""
    return LedgerStore(location)


# --- the GeoPackage's own tables and geometry encoding -------------------------------------
_GPKG_APPLICATION_ID = 0x47504B47   # "GPKG"
_GPKG_USER_VERSION = 10300           # GeoPackage 1.3.0


def _create_gpkg(conn: sqlite3.Connection) -> None:
    """Make the GeoPackage tables and the ledger layer, where missing (inside the caller's
    transaction: two first appends make them once)."""
    if conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'gpkg_contents'").fetchone()[0]:
        return
    if conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:   # some other SQLite file
        raise sqlite3.DatabaseError("not a GeoPackage (it has tables but no gpkg_contents)")
    from pyproj import CRS

    wkt = CRS(LEDGER_CRS).to_wkt("WKT1_GDAL")
    conn.execute(f"PRAGMA application_id = {_GPKG_APPLICATION_ID}")
    conn.execute(f"PRAGMA user_version = {_GPKG_USER_VERSION}")
    conn.execute("CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY, "
                 "organization TEXT NOT NULL, organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, "
                 "description TEXT)")
    conn.executemany("INSERT INTO gpkg_spatial_ref_sys VALUES (?, ?, ?, ?, ?, ?)", [
        ("Undefined cartesian SRS", -1, "NONE", -1, "undefined", "undefined cartesian coordinate reference system"),
        ("Undefined geographic SRS", 0, "NONE", 0, "undefined", "undefined geographic coordinate reference system"),
        ("WGS 84 geodetic", 4326, "EPSG", 4326, wkt, "longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid"),
    ])
    conn.execute("CREATE TABLE gpkg_contents (table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL, "
                 "identifier TEXT UNIQUE, description TEXT DEFAULT '', last_change DATETIME NOT NULL DEFAULT "
                 "(strftime('%Y-%m-%dT%H:%M:%fZ','now')), min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, "
                 "srs_id INTEGER, CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id))")
    conn.execute("CREATE TABLE gpkg_geometry_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL, "
                 "geometry_type_name TEXT NOT NULL, srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL, "
                 "CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name), "
                 "CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name), "
                 "CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id))")
    cols = ", ".join(f'"{n}" {lite}' for n, lite, _ in COLUMNS)
    conn.execute(f'CREATE TABLE "{LAYER}" (id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, {cols}, geom GEOMETRY)')
    conn.execute("INSERT INTO gpkg_contents (table_name, data_type, identifier, description, srs_id) "
                 "VALUES (?, 'features', ?, ?, 4326)", [LAYER, LAYER, "geozones station ledger"])
    conn.execute("INSERT INTO gpkg_geometry_columns VALUES (?, 'geom', 'GEOMETRY', 4326, 0, 0)", [LAYER])


def _gpkg_functions(conn: sqlite3.Connection) -> None:
    """The SQL functions a GeoPackage's spatial-index triggers call (``ST_IsEmpty``,
    ``ST_MinX`` …: GDAL's and QGIS's R-tree triggers), so that a ledger given a spatial index
    by a GIS is still appended to and its index kept."""
    def bound(i: int):
        def f(blob):
            g = _gpkg_decode(blob)
            return None if g is None or g.is_empty else float(shapely.bounds(g)[i])
        return f

    conn.create_function("ST_IsEmpty", 1, lambda b: None if b is None else int(_gpkg_decode(b).is_empty),
                         deterministic=True)
    for name, i in (("ST_MinX", 0), ("ST_MinY", 1), ("ST_MaxX", 2), ("ST_MaxY", 3)):
        conn.create_function(name, 1, bound(i), deterministic=True)
    conn.create_function("GPKG_IsAssignable", 2, lambda a, b: 1, deterministic=True)


def _grow_extent(conn: sqlite3.Connection, geom) -> None:
    """Widen the layer's extent in ``gpkg_contents`` to hold ``geom`` (in the layer's CRS)."""
    x0, y0, x1, y1 = shapely.bounds(geom).tolist()
    conn.execute("UPDATE gpkg_contents SET min_x = min(coalesce(min_x, ?), ?), min_y = min(coalesce(min_y, ?), ?), "
                 "max_x = max(coalesce(max_x, ?), ?), max_y = max(coalesce(max_y, ?), ?), "
                 "last_change = strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE table_name = ?",
                 [x0, x0, y0, y0, x1, x1, y1, y1, LAYER])


#: GeoPackage geometry header: magic, version, flags, SRS id, then the xy envelope.
_HEADER = struct.Struct("<2sBBi4d")
_ENVELOPE_BYTES = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}


def _gpkg_encode(geom, srs_id: int) -> bytes | None:
    """``geom`` as a GeoPackage geometry blob (little-endian, xy envelope; None: NULL)."""
    if geom is None:
        return None
    if geom.is_empty:   # flag bit 4: empty, no envelope
        return struct.pack("<2sBBi", b"GP", 0, 0b10001, srs_id) + shapely.to_wkb(geom, byte_order=1)
    x0, y0, x1, y1 = shapely.bounds(geom).tolist()
    return _HEADER.pack(b"GP", 0, 0b11, srs_id, x0, x1, y0, y1) + shapely.to_wkb(geom, byte_order=1)


def _gpkg_decode(blob) -> Any:
    """A GeoPackage geometry blob as a shapely geometry (None for NULL)."""
    if blob is None:
        return None
    blob = bytes(blob)
    if blob[:2] != b"GP":
        raise sqlite3.DatabaseError("a geometry that is not GeoPackage-encoded")
    skip = 8 + _ENVELOPE_BYTES.get((blob[3] >> 1) & 0b111, 0)
    return shapely.from_wkb(blob[skip:])


def _to_lonlat(geoms: np.ndarray, crs: str) -> np.ndarray:
    """Geometries in the store's ``crs`` in WGS84 lon/lat."""
    return _reproject(geoms, crs, LEDGER_CRS)


def _from_lonlat(geoms: np.ndarray, crs: str) -> np.ndarray:
    """WGS84 lon/lat geometries in the store's ``crs``."""
    return _reproject(geoms, LEDGER_CRS, crs)


def _reproject(geoms: np.ndarray, src: str, dst: str) -> np.ndarray:
    from ..core.coords import parse_crs, transform_geoms

    a, b = parse_crs(src), parse_crs(dst)
    if a == b or not len(geoms):
        return geoms
    out = geoms.copy()
    some = np.array([g is not None for g in geoms], dtype=bool)
    out[some] = transform_geoms(geoms[some], a, b)
    return out
