"""What each column is called in an output: the one place that decides it.

An output's columns are the input's, then ours (``gz_*``, given by the caller), then the
geometry. An input column keeps its name unless it cannot:

* a name the formats use for themselves (:data:`RESERVED`: the geometry column ``geometry``,
  GeoPackage's ``geom``, GDAL's ``wkb_geometry``; the feature id ``fid`` and ``ogc_fid``), or
  a name of ours, in any letter case, is kept as ``src_<name>`` (``GZ_VERDICT`` becomes
  ``src_GZ_VERDICT``): never dropped, never taken for the geometry or the feature id,
  never hiding one of our columns;
* names are unique ignoring letter case (GeoPackage, shapefiles and GDAL's other formats do
  not tell ``Height`` from ``HEIGHT``): a later one gets ``_1``, ``_2`` …;
* a PostGIS table's column names hold 63 bytes (PostgreSQL cuts longer ones), cut the same way;
* a shapefile's field names hold 10 bytes: a longer name is cut at a character boundary
  (never inside a multi-byte character) and made unique with a suffix (``建筑物高度`` →
  ``建筑物``); our columns have their documented short names (given by the caller).

The same rules, whatever the input format and the output format (but for the shapefile's 10
bytes and a File Geodatabase's own ``OBJECTID`` and ``SHAPE``, :data:`FORMAT_RESERVED`), so
a file screened to ``.parquet`` and to ``.gpkg`` has the same columns. Every change
is returned, for the run's summary (``renamed``) and the terminal.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

__all__ = ["RESERVED", "FORMAT_RESERVED", "SOURCE_PREFIX", "OutputNames", "output_names", "shapefile_field_names",
           "DBF_NAME_BYTES", "PG_NAME_BYTES"]

#: Column names the formats use for themselves, in lower case (compared ignoring case): the
#: geometry column (``geometry`` in GeoParquet, CSV and geopandas, ``geom`` in a GeoPackage,
#: ``wkb_geometry`` in GDAL's Arrow stream of a shapefile, GeoJSON or FlatGeobuf) and the
#: feature id GDAL takes a column of that name for (``fid``, ``ogc_fid``).
RESERVED: frozenset[str] = frozenset({"geometry", "geom", "wkb_geometry", "fid", "ogc_fid"})

#: Further names an output format uses for itself, by driver, in lower case: a File
#: Geodatabase's object id and geometry (GDAL takes a column ``OBJECTID`` for the object id,
#: dropping its values, and refuses ``SHAPE`` beside the geometry; its field names ignore
#: case). Only these outputs rename such a column, so an ArcGIS export's ``OBJECTID``
#: stays as it is in a GeoPackage or a shapefile.
FORMAT_RESERVED: dict[str, frozenset[str]] = {"OpenFileGDB": frozenset({"objectid", "shape"})}

#: What an input column named like :data:`RESERVED` or like one of ours is prefixed with.
SOURCE_PREFIX = "src_"

#: Longest field name a DBF (shapefile attribute table) can hold, in bytes.
DBF_NAME_BYTES = 10
#: Longest column name PostgreSQL keeps (a PostGIS output), in bytes; longer ones it cuts.
PG_NAME_BYTES = 63


@dataclass(frozen=True)
class OutputNames:
    """The columns of an output, decided once before any row is read (see the module).

    Attributes
    ----------
    renamed : dict of str to str
        Input column -> its name in the output, for those whose name changes.
    dropped : tuple of str
        Input columns replaced by ours (``--replace-gz``, or a screened file re-screened).
    ours : dict of str to str
        Our column -> its name in the output, for those whose name changes (a shapefile's
        short names).
    """

    renamed: dict[str, str] = field(default_factory=dict)
    dropped: tuple[str, ...] = ()
    ours: dict[str, str] = field(default_factory=dict)


def _fits(name: str, limit: int | None) -> bool:
    return limit is None or len(name.encode("utf-8", errors="replace")) <= limit


def _cut(name: str, room: int | None) -> str:
    if room is None:
        return name
    out = ""
    for ch in name:
        if len((out + ch).encode("utf-8", errors="replace")) > room:
            break
        out += ch
    return out


def output_names(columns: Iterable[object], driver: str | None = None, *, ours: Iterable[str] = (),
                 short: Mapping[str, str] | None = None, reserved_ours: Iterable[str] = (),
                 drop: Iterable[str] = (), also: Iterable[str] = ()) -> OutputNames:
    """The names of an output's columns (the rules are the module's).

    Parameters
    ----------
    columns : iterable
        The input's attribute columns, in order (the geometry not among them).
    driver : str, optional
        The output's driver (:data:`geozones.io.VECTOR_DRIVERS`); ``"ESRI Shapefile"``
        fits every name to :data:`DBF_NAME_BYTES` bytes. None: a frame in memory.
    ours : iterable of str
        Our columns written after the input's (``gz_verdict`` …).
    short : mapping, optional
        Our columns' names in a shapefile (``gz_distance_m`` -> ``gz_dist_m``).
    reserved_ours : iterable of str
        Every name of ours an input column may not keep, in any case, whether or not this
        output has that column (the shapefile short names in a GeoPackage too, ``gz_row``).
    drop : iterable of str
        Input columns to leave out (replaced by ours).
    also : iterable of str
        Further names the output uses (a CSV output's WKT column).

    Returns
    -------
    OutputNames
        The renames of input columns, those dropped, the renames of ours.
    """
    limit = DBF_NAME_BYTES if driver == "ESRI Shapefile" else PG_NAME_BYTES if driver == "PostGIS" else None
    short = short or {}
    ours = list(ours)
    our_out = {c: short.get(c, c) if driver == "ESRI Shapefile" else c for c in ours}
    dropped = {str(c) for c in drop}
    cols = [str(c) for c in columns if str(c) not in dropped]
    reserved = RESERVED | FORMAT_RESERVED.get(driver or "", frozenset())
    blocked = set(reserved) | {c.lower() for c in (*ours, *our_out.values(), *reserved_ours)}
    taken = {n.lower() for n in (*our_out.values(), *also)} | set(reserved)
    out: dict[str, str] = {}
    # first the names that stay as they are (the first of names equal but for case)
    for col in cols:
        if col.lower() not in blocked and _fits(col, limit) and col.lower() not in taken:
            out[col] = col
            taken.add(col.lower())
    for col in cols:
        if col in out:
            continue
        base = SOURCE_PREFIX + col if col.lower() in blocked else col
        new = _cut(base, limit)
        k = 1
        while new.lower() in taken:
            suffix = f"_{k}"
            new = _cut(base, None if limit is None else limit - len(suffix)) + suffix
            k += 1
        taken.add(new.lower())
        out[col] = new
    return OutputNames(renamed={c: n for c, n in out.items() if n != c},
                       dropped=tuple(c for c in map(str, columns) if c in dropped),
                       ours={c: n for c, n in our_out.items() if n != c})


def shapefile_field_names(columns, encoding: str = "UTF-8") -> dict[str, str]:
    """Renames that make every column name fit a DBF field (10 bytes) and unique ignoring
    case: :func:`output_names` for a shapefile (``encoding`` is kept for callers; DBF
    field names are written in UTF-8). Returns only the names that change."""
    return output_names(columns, "ESRI Shapefile").renamed
