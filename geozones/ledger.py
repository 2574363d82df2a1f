"""The station's ledger of decided obstacles: what was approved, refused or is pending, kept
over the years so that obstacles are judged together, not each alone (issue 27).

An entry is a proposal (its footprint, top height H above the observation-field ground, kind,
storeys, use), the decision on it (``approved``, ``refused``, ``pending``), its date and
document number (文号), who recorded it and when (UTC), a note, and the check's figures at the
time (verdict, zone, distance from the fence, permitted height). Entries are never edited in
place: a change is a new entry that names the one it ``supersedes``, and a removal is a
tombstone entry (decision ``removed``) that supersedes the removed one, with who, when and why.
The current state is every entry that nothing supersedes, tombstones left out
(:func:`current`); the history is every entry (:func:`read_ledger`).

The entries live in a GeoPackage or a PostGIS table (:mod:`geozones.io.ledger`: one append is
one transaction, and the checks of what an entry may supersede run inside it). The next steps
(a proposal's blocked sunshine on top of the approved obstacles) take them through
:func:`approved_obstacles`: the station's approved obstacles as arrays in its frame.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

import numpy as np

from .core.station import Station
from .errors import InputError
from .io.ledger import LedgerStore, Target, open_store

__all__ = ["DECISIONS", "REMOVED", "Entry", "Obstacles", "read_ledger", "current", "add_entry", "remove_entry",
           "approved_obstacles", "export_ledger", "entry_from_check", "entry_from_json", "entry_from_report",
           "entry_from_screen",
           "default_user", "utc_now", "parse_date", "ledger_frame", "entry_from_proposal", "format_ledger",
           "LIST_COLUMNS"]

#: The decisions an entry can record.
DECISIONS: tuple[str, ...] = ("approved", "refused", "pending")
#: The decision of a tombstone: the entry it supersedes is removed from the current state.
REMOVED = "removed"


@dataclass(frozen=True)
class Entry:
    """One ledger entry (see the module).

    Attributes
    ----------
    station : str
        The station's id.
    decision : {"approved", "refused", "pending", "removed"}
        The decision recorded; ``removed``: a tombstone.
    geometry : shapely geometry or None
        The footprint in WGS84 longitude/latitude. [deg]
    height_m : float or None
        H, the top above the observation-field ground. [m]
    kind, floors, use : str, int or None, str or None
        The proposal's kind (:data:`geozones.core.kinds.KINDS`), storeys and use.
    decision_date : str or None
        The date of the decision, ISO 8601 ``YYYY-MM-DD``.
    doc_no : str or None
        The decision's document number (文号).
    verdict, zone, distance_m, max_height_m : str, str, float, float (or None)
        The check's figures when the entry was made: verdict, zone, D from the fence [m],
        permitted height [m] (None: unlimited).
    recorded_by : str
        Who recorded it.
    recorded_at : str
        When, ISO 8601 UTC (``2026-12-06T04:09:08Z``).
    supersedes : int or None
        The id of the entry this one replaces.
    note : str or None
        A note; a tombstone's reason.
    source : str or None
        What it was made from (a check, a check's JSON, a screened row).
    id : int or None
        The ledger's id (None until appended).
    """

    station: str
    decision: str
    geometry: Any
    height_m: float | None
    kind: str = "building"
    floors: int | None = None
    use: str | None = None
    decision_date: str | None = None
    doc_no: str | None = None
    verdict: str | None = None
    zone: str | None = None
    distance_m: float | None = None
    max_height_m: float | None = None
    recorded_by: str = ""
    recorded_at: str = ""
    supersedes: int | None = None
    note: str | None = None
    source: str | None = None
    id: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """The entry as JSON-ready values: the footprint as WGS84 lon/lat WKT (``footprint``)."""
        from .check import lonlat_wkt

        out = {"id": self.id, **{k: v for k, v in asdict(self).items() if k not in ("id", "geometry")}}
        out["footprint"] = None if self.geometry is None else lonlat_wkt(self.geometry)
        return out

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Entry:
        """An entry from a stored row (:meth:`geozones.io.ledger.LedgerStore.read`)."""
        names = {f.name for f in fields(cls)}
        values = {k: v for k, v in row.items() if k in names}
        for key in ("height_m", "distance_m", "max_height_m"):
            values[key] = _number(values.get(key))
        for key in ("floors", "supersedes", "id"):
            v = values.get(key)
            values[key] = None if v is None else int(v)
        return cls(**values)


@dataclass(frozen=True)
class Obstacles:
    """A station's approved obstacles, as arrays (:func:`approved_obstacles`).

    Attributes
    ----------
    ids : ndarray of int64
        Their ledger ids.
    geoms : ndarray of shapely geometry
        Their footprints in the station frame (metres east and north of the field centre). [m]
    top_m : ndarray of float
        Their top heights H above the observation-field ground. [m]
    kinds : ndarray of str
        Their kinds.
    """

    ids: np.ndarray
    geoms: np.ndarray
    top_m: np.ndarray
    kinds: np.ndarray

    def __len__(self) -> int:
        return len(self.ids)


def _number(value: Any) -> float | None:
    if value is None:
        return None
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(value) else value


def _store(location: str | Path | LedgerStore) -> LedgerStore:
    return location if isinstance(location, LedgerStore) else open_store(location)


def default_user() -> str:
    """Who records an entry when nobody is named: the operating system's user name."""
    import getpass

    try:
        return getpass.getuser()
    except Exception:   # no user name in the environment nor the password database
        return "unknown"


def utc_now() -> str:
    """Now, ISO 8601 UTC to the second (``2026-12-06T04:09:08Z``)."""
    return _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_date(text: str | None) -> str | None:
    """A decision date as ISO 8601 ``YYYY-MM-DD`` (``2026-12-06``, ``2026/12/6`` …); None
    stays None; anything else is one line (``ledger_bad_date``).

    >>> parse_date("2026/12/6"), parse_date("2026-12-06")
    ('2026-12-06', '2026-12-06')
    """
    if text is None:
        return None
    parts = str(text).strip().replace("/", "-").replace(".", "-").split("-")
    try:
        if len(parts) != 3:
            raise ValueError(text)
        return _dt.date(int(parts[0]), int(parts[1]), int(parts[2])).isoformat()
    except ValueError:
        raise InputError("ledger_bad_date", value=str(text)) from None


def read_ledger(location: str | Path | LedgerStore, station: str | None = None) -> list[Entry]:
    """Every entry of a ledger (its history), in id order; with ``station`` (an id) only
    that station's.

    Parameters
    ----------
    location : str, Path or LedgerStore
        A GeoPackage path or a PostGIS table URI (``postgresql://…?table=SCHEMA.TABLE``).
    station : str, optional
        A station id.

    Returns
    -------
    list of Entry
        Geometries in WGS84 lon/lat [deg].

    Raises
    ------
    InputError
        When the ledger is missing or cannot be read.
    """
    entries = [Entry.from_row(r) for r in _store(location).read()]
    return [e for e in entries if station is None or e.station == station]


def current(entries: Sequence[Entry]) -> list[Entry]:
    """The current state of ``entries`` (a history): every entry nothing supersedes, the
    tombstones left out, in id order.

    >>> a = Entry("s", "pending", None, 10.0, id=1)
    >>> b = Entry("s", "approved", None, 10.0, id=2, supersedes=1)
    >>> c = Entry("s", "refused", None, 20.0, id=3)
    >>> [e.id for e in current([a, b, c])], [e.id for e in current([a, b, c, Entry("s", "removed", None, 20.0, id=4, supersedes=3)])]
    ([2, 3], [2])
    """
    replaced = {e.supersedes for e in entries if e.supersedes is not None}
    return [e for e in entries if e.id not in replaced and e.decision != REMOVED]


def _checked(entry: Entry, shown: str):
    """The check run inside the append's transaction on the entry ``entry`` supersedes."""
    def validate(target: Target | None) -> None:
        if entry.supersedes is None:
            return
        if target is None:
            raise InputError("ledger_unknown_id", path=shown, id=entry.supersedes)
        if target["station"] != entry.station:
            raise InputError("ledger_other_station_id", path=shown, id=entry.supersedes, station=target["station"],
                             expected=entry.station)
        if target["decision"] == REMOVED:
            raise InputError("ledger_removed_id", path=shown, id=entry.supersedes)
        if target["replaced_by"] is not None:
            raise InputError("ledger_superseded_id", path=shown, id=entry.supersedes, by=target["replaced_by"])
    return validate


def add_entry(location: str | Path | LedgerStore, entry: Entry) -> Entry:
    """Append ``entry`` to the ledger in one transaction (the ledger made if missing) and
    return it with its id, ``recorded_at`` (now, UTC) and ``recorded_by`` (:func:`default_user`
    when empty).

    Parameters
    ----------
    location : str, Path or LedgerStore
        A GeoPackage path or a PostGIS table URI.
    entry : Entry
        The entry; its ``supersedes`` must name an entry of the same station that is neither
        superseded already nor a tombstone (checked in the transaction).

    Returns
    -------
    Entry
        As appended.

    Raises
    ------
    InputError
        A decision not in :data:`DECISIONS` (nor ``removed`` with a ``supersedes``), no
        height or footprint, or a ``supersedes`` that cannot be replaced.
    """
    store = _store(location)
    if entry.decision not in DECISIONS and not (entry.decision == REMOVED and entry.supersedes is not None):
        raise InputError("ledger_bad_decision", value=entry.decision, choices=", ".join(DECISIONS))
    if entry.geometry is None or entry.geometry.is_empty:
        raise InputError("ledger_no_footprint")
    if entry.height_m is None or not math.isfinite(entry.height_m):
        raise InputError("ledger_no_height")
    entry = replace(entry, recorded_by=entry.recorded_by or default_user(), recorded_at=utc_now(),
                    decision_date=parse_date(entry.decision_date), id=None)
    row = {k: v for k, v in asdict(entry).items() if k != "geometry"}
    row["geometry"] = entry.geometry
    new_id = store.append(row, _checked(entry, store.shown))
    return replace(entry, id=new_id)


def remove_entry(location: str | Path | LedgerStore, station: str, entry_id: int, reason: str,
                 by: str | None = None, date: str | None = None, doc_no: str | None = None) -> Entry:
    """Remove entry ``entry_id`` from the current state: append a tombstone (decision
    ``removed``) that supersedes it, with the removed entry's footprint and figures, who,
    when and ``reason`` (its ``note``).

    Parameters
    ----------
    location : str, Path or LedgerStore
        The ledger.
    station : str
        The station's id; the entry must be this station's.
    entry_id : int
        The entry removed.
    reason : str
        Why (required, not blank).
    by, date, doc_no : str, optional
        Who removes it (default :func:`default_user`), the date and document number of the
        decision that removes it.

    Returns
    -------
    Entry
        The tombstone, as appended.
    """
    store = _store(location)
    if not (reason or "").strip():
        raise InputError("ledger_no_reason")
    found = [e for e in read_ledger(store) if e.id == entry_id]
    if not found:
        raise InputError("ledger_unknown_id", path=store.shown, id=entry_id)
    old = found[0]
    tomb = replace(old, decision=REMOVED, supersedes=entry_id, note=reason.strip(), recorded_by=by or "",
                   decision_date=date, doc_no=doc_no, station=station, source=f"remove {entry_id}")
    return add_entry(store, tomb)


def ledger_frame(entries: Sequence[Entry]):
    """The entries as a GeoDataFrame in WGS84 lon/lat: ``id``, the stored columns, the
    footprint as its geometry (what ``ledger export`` writes)."""
    import geopandas as gpd
    import pandas as pd

    from .io.ledger import COLUMNS

    names = ["id", *(n for n, _, _ in COLUMNS)]
    data = {n: [getattr(e, n) for e in entries] for n in names}
    frame = pd.DataFrame(data, columns=names)
    for n in ("id", "floors", "supersedes"):
        frame[n] = frame[n].astype("Int64")
    for n in ("height_m", "distance_m", "max_height_m"):
        frame[n] = frame[n].astype(float)
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries([e.geometry for e in entries], crs="EPSG:4326"),
                            crs="EPSG:4326")


def export_ledger(location: str | Path | LedgerStore, station: str, output: str | Path, *,
                  history: bool = False, overwrite: bool = False) -> int:
    """Write a station's current entries (``history``: every entry) to ``output``, in any
    vector format geozones writes (the extension decides, or a PostGIS table URI), through
    the one writer (:func:`geozones.io.write_vector`); returns the entries written.

    Parameters
    ----------
    location : str, Path or LedgerStore
        The ledger.
    station : str
        The station's id.
    output : str or Path
        The file (or table) written, atomically; never the ledger itself.
    history : bool
        Every entry, superseded ones and tombstones too.
    overwrite : bool
        Replace an existing output.

    Returns
    -------
    int
        Entries written.
    """
    from .io import write_vector

    store = _store(location)
    entries = read_ledger(store, station)
    if not history:
        entries = current(entries)
    write_vector(ledger_frame(entries), output, overwrite=overwrite, layer="ledger",
                 inputs=[] if store.postgis else [store.location])
    return len(entries)


def approved_obstacles(location: str | Path | LedgerStore, station: Station) -> Obstacles:
    """The station's current approved obstacles as arrays in its frame: what a proposal's
    blocked sunshine is added to (issue 27, items 3-4).

    Parameters
    ----------
    location : str, Path or LedgerStore
        The ledger (a GeoPackage path or a PostGIS table URI).
    station : Station
        The station: its id selects the entries, its frame (azimuthal equidistant about the
        field centre, :class:`geozones.core.zones.StationFrame`) places them.

    Returns
    -------
    Obstacles
        ``ids``, ``geoms`` (station frame [m]), ``top_m`` (H above the field ground [m]),
        ``kinds``, in id order; empty when none is approved.

    Raises
    ------
    InputError
        When the ledger is missing or cannot be read.
    """
    from .core.coords import parse_crs, transform_geoms
    from .core.zones import StationFrame

    entries = [e for e in current(read_ledger(location, station.id))
               if e.decision == "approved" and e.geometry is not None and e.height_m is not None]
    lonlat = np.array([e.geometry for e in entries], dtype=object)
    geoms = transform_geoms(lonlat, parse_crs("EPSG:4326"), StationFrame(station).crs) if len(entries) else lonlat
    return Obstacles(ids=np.array([e.id for e in entries], dtype=np.int64), geoms=geoms,
                     top_m=np.array([e.height_m for e in entries], dtype=float),
                     kinds=np.array([e.kind for e in entries], dtype=object))


# --- entries from a check, a check's JSON, a screened row -----------------------------------
def entry_from_check(result: Any, station: Station, *, decision: str, geometry: Any = None,
                     floors: int | None = None, use: str | None = None, source: str | None = None,
                     **decided: Any) -> Entry:
    """An entry (not yet appended) from a check: a :class:`geozones.check.CheckResult` or its
    ``to_dict()`` (``check --json``), its figures kept as the record.

    Parameters
    ----------
    result : CheckResult or dict
        The check; its ``footprint`` (WGS84 lon/lat WKT) is the entry's unless ``geometry``
        (WGS84 lon/lat) is given, its ``height_m`` is H.
    station : Station
        The ledger's station: the check must be against it.
    decision : str
        One of :data:`DECISIONS`.
    geometry : shapely geometry, optional
        The footprint in WGS84 lon/lat [deg].
    floors, use, source : optional
        Storeys, use, what the entry was made from.
    **decided
        ``decision_date``, ``doc_no``, ``recorded_by``, ``note``, ``supersedes``.

    Returns
    -------
    Entry
    """
    import shapely

    r = result.to_dict() if hasattr(result, "to_dict") else dict(result)
    if r.get("station") not in (None, station.id):
        raise InputError("ledger_other_station", what=source or "check", station=r.get("station"), expected=station.id)
    if geometry is None and r.get("footprint"):
        try:
            geometry = shapely.from_wkt(r["footprint"])
        except Exception:
            raise InputError("ledger_json_footprint", path=source or "check") from None
    if geometry is None:
        raise InputError("ledger_json_footprint", path=source or "check")
    pilot = r.get("pilot") or {}
    if floors is None and isinstance(pilot, Mapping) and pilot.get("storeys") is not None:
        floors = int(pilot["storeys"])
    return Entry(station=station.id, decision=decision, geometry=geometry, height_m=_number(r.get("height_m")),
                 kind=str(r.get("kind") or "building"), floors=floors, use=use, verdict=r.get("verdict"),
                 zone=r.get("zone"), distance_m=_number(r.get("distance_m")),
                 max_height_m=_number(r.get("max_height_m")), source=source, **decided)


def entry_from_json(path: str | Path, station: Station, *, decision: str, **kw: Any) -> Entry:
    """An entry from a file holding a check's JSON (``geozones check --json``: one
    station's, or ``--stations``', whose result for ``station`` is taken).

    Parameters
    ----------
    path : str or Path
        The JSON file (``-``: standard input).
    station : Station
        The ledger's station.
    decision : str
        One of :data:`DECISIONS`.
    **kw
        As :func:`entry_from_check`.

    Returns
    -------
    Entry
    """
    return _entry_from_text(path, station, decision=decision, report=False, **kw)


def entry_from_report(path: str | Path, station: Station, *, decision: str, **kw: Any) -> Entry:
    """An entry from a report (``geozones report -o X.html|.pdf|.docx``, the assessment or the
    review opinion), by the check's JSON it carries
    (:func:`geozones.assessment_report.report_check_data`), read as :func:`entry_from_json` reads
    ``check --json``.

    Parameters
    ----------
    path : str or Path
        The report (HTML, PDF or Word).
    station : Station
        The ledger's station.
    decision : str
        One of :data:`DECISIONS`.
    **kw
        As :func:`entry_from_check`.

    Returns
    -------
    Entry
    """
    return _entry_from_text(path, station, decision=decision, report=True, **kw)


def _entry_from_text(path: str | Path, station: Station, *, decision: str, report: bool, **kw: Any) -> Entry:
    """:func:`entry_from_json` and :func:`entry_from_report`: the file read (for a report, the
    check's JSON it carries), the check's JSON parsed and taken for ``station``."""
    import sys

    from .assessment_report import report_check_data
    from .errors import first_line

    shown = str(path)
    try:
        text = (report_check_data(path) if report else
                sys.stdin.read() if shown == "-" else Path(path).read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise InputError("input_missing", path=shown) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError("ledger_json_bad", path=shown, why=first_line(exc)) from None
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise InputError("ledger_json_bad", path=shown, why=first_line(exc)) from None
    if not isinstance(data, dict):
        raise InputError("ledger_json_form", path=shown)
    if "entities" in data:   # a drawing's: several proposals
        raise InputError("ledger_json_drawing", path=shown)
    if "governing" in data:   # check --stations: the result against this station
        results = [r for r in [data.get("governing"), *(data.get("others") or [])] if isinstance(r, dict)]
        mine = [r for r in results if r.get("station") == station.id]
        if not mine:
            raise InputError("ledger_other_station", what=shown, station=", ".join(str(r.get("station")) for r in results)
                             or "-", expected=station.id)
        data = mine[0]
    if "verdict" not in data or "zone" not in data:
        raise InputError("ledger_json_form", path=shown)
    return entry_from_check(data, station, decision=decision,
                            source=kw.pop("source", None) or f"{'report' if report else 'json'} {shown}", **kw)


def entry_from_screen(path: str | Path, row: int, station: Station, *, decision: str, kind: str = "building",
                      layer: str | None = None, use: str | None = None, **decided: Any) -> Entry:
    """An entry from row ``row`` of a screened file (``geozones screen``'s output, any format
    it writes, or its PostGIS table), with the figures of its ``gz_*`` columns.

    Parameters
    ----------
    path : str or Path
        The screened file or table URI.
    row : int
        The row as geozones numbers it, the first 1 (a sorted GeoParquet's ``gz_row`` is
        followed back to the input's row).
    station : Station
        The ledger's station (a ``gz_station`` column must name it).
    decision : str
        One of :data:`DECISIONS`.
    kind, layer, use : optional
        The proposal's kind (the screened columns do not hold it), the file's layer, its use.
    **decided
        ``decision_date``, ``doc_no``, ``recorded_by``, ``note``, ``supersedes``.

    Returns
    -------
    Entry
    """
    from .check import DEFAULT_CRS, ZoneSet, frame_and_lonlat
    from .core.text import row_number
    from .maps import read_parcels
    from .screen import full_names

    shown = str(path)
    gdf = full_names(read_parcels(path, layer))
    if "gz_verdict" not in gdf.columns:
        raise InputError("ledger_not_screened", path=shown)
    if "gz_row" in gdf.columns:   # sorted GeoParquet: the input's row numbers
        numbers = np.array([row_number(int(v)) for v in gdf["gz_row"].to_numpy()])
    else:
        numbers = np.arange(1, len(gdf) + 1)
    at = np.flatnonzero(numbers == row)
    if not len(at):
        raise InputError("ledger_row_range", path=shown, row=row, n=len(gdf))
    rec = gdf.iloc[int(at[0])]
    if str(rec["gz_verdict"]) == "error" or rec.geometry is None or rec.geometry.is_empty:
        raise InputError("ledger_row_error", path=shown, row=row, status=str(rec.get("gz_status", "")))
    named = rec.get("gz_station")
    if isinstance(named, str) and named and named != station.id:
        raise InputError("ledger_other_station", what=f"{shown} #{row}", station=named, expected=station.id)
    crs = gdf.crs if gdf.crs is not None else DEFAULT_CRS
    _local, lonlat = frame_and_lonlat(rec.geometry, crs, ZoneSet.shared(station), "xy")
    storeys = _number(rec.get("gz_storeys"))
    figures = {"verdict": str(rec["gz_verdict"]), "zone": rec.get("gz_zone"), "height_m": rec.get("gz_height_m"),
               "distance_m": rec.get("gz_distance_m"), "max_height_m": rec.get("gz_max_height_m"),
               "kind": kind, "station": station.id}
    return entry_from_check(figures, station, decision=decision, geometry=lonlat,
                            floors=None if storeys is None else round(storeys), use=use,
                            source=f"screen {shown} row {row}", **decided)


def entry_from_proposal(footprint: Any, station: Station, *, decision: str, zones: Any = None,
                        height: float | None = None, kind: str = "building", use: str | None = None,
                        floors: int | None = None, crs: Any = None, axis_order: str = "xy", dem: Any = None,
                        field_elevation: str = "dem", width: float | None = None, layer: str | None = None,
                        **decided: Any) -> Entry:
    """An entry from a proposal checked now, as ``geozones check`` checks it
    (:func:`geozones.assessment_report.check_proposal`: WKT, a vector file, a geometry in
    ``crs``), its figures kept as the record. A drawing (several proposals) is refused.

    Parameters
    ----------
    footprint : str or shapely geometry
        WKT, a vector file's path (``layer``: its layer), or a geometry in ``crs``.
    station : Station
        The ledger's station.
    decision : str
        One of :data:`DECISIONS`.
    zones : ZoneSet, optional
        The station's zones and pilot areas (default: ``station``'s with the shipped pilot areas).
    height, kind, use, floors, crs, axis_order, dem, field_elevation, width : optional
        As :func:`geozones.check.check` (``height`` [m] above the field ground, ``width`` [m]).
    **decided
        ``decision_date``, ``doc_no``, ``recorded_by``, ``note``, ``supersedes``.

    Returns
    -------
    Entry
    """
    from .assessment_report import check_proposal
    from .check import ZoneSet
    from .io import is_drawing

    if isinstance(footprint, str) and is_drawing(footprint):
        raise InputError("ledger_drawing", path=footprint)
    result, _local, _lonlat, _drawing = check_proposal(
        footprint, zones=zones or ZoneSet(station), height=height, kind=kind, use=use, floors=floors, crs=crs,
        axis_order=axis_order, dem=dem, field_elevation=field_elevation, width=width, layer=layer)
    text = footprint if isinstance(footprint, str) else footprint.wkt
    return entry_from_check(result, station, decision=decision, floors=floors, use=use,
                            source=f"check {text[:200]}", **decided)


#: The columns of ``ledger list``: (catalogue key of the title, entry attribute).
LIST_COLUMNS: tuple[tuple[str, str], ...] = (
    ("ledger_col_id", "id"), ("ledger_col_decision", "decision"), ("ledger_col_date", "decision_date"),
    ("ledger_col_doc_no", "doc_no"), ("ledger_col_kind", "kind"), ("ledger_col_height", "height_m"),
    ("ledger_col_zone", "zone"), ("ledger_col_distance", "distance_m"), ("ledger_col_max_height", "max_height_m"),
    ("ledger_col_by", "recorded_by"), ("ledger_col_recorded", "recorded_at"),
    ("ledger_col_supersedes", "supersedes"), ("ledger_col_note", "note"),
)


def format_ledger(entries: Sequence[Entry], lang: str = "en", station: Station | None = None) -> str:
    """``ledger list``'s table: one line per entry, the titles and words in ``lang``
    (decisions, kinds, zones by the station's names), numbers to 0.01 m."""
    from .report import _width
    from .text import KIND_NAMES, name, t, zone_name

    def cell(e: Entry, attr: str) -> str:
        v = getattr(e, attr)
        if v is None:
            return ""
        if attr == "decision":
            return t(f"ledger_decision_{v}", lang)
        if attr == "kind":
            return name(KIND_NAMES, v, lang)
        if attr == "zone":
            return zone_name(station, v, lang)
        if isinstance(v, float):
            return f"{v:,.2f}"
        return str(v).replace("\n", " ")

    rows = [[t(key, lang) for key, _ in LIST_COLUMNS]] + [[cell(e, a) for _, a in LIST_COLUMNS] for e in entries]
    widths = [max(_width(r[i]) for r in rows) for i in range(len(LIST_COLUMNS))]
    return "\n".join("  ".join(c + " " * (w - _width(c)) for c, w in zip(r, widths)).rstrip() for r in rows)
