"""Batch screening: every row of a parcel file checked, the answer written beside it.

The table is read and written in chunks (bounded memory); each chunk goes through the same
core as ``geozones check`` (:func:`geozones.check.assess`), so a row's verdict equals what
``check`` says for it. Nothing is lost: rows in = rows out, in order, every input column
kept, and each row gets a ``gz_status``: ``ok``, ``repaired`` (invalid geometry repaired
with ``shapely.make_valid``), optionally followed by ``; height missing``, or
``error: <why>``.
"""

from __future__ import annotations

import heapq
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from .batch.settings import DEFAULT_CHUNK_ROWS, ENGINES, Settings
from .batch.sort import SORTS
from .check import StationNetwork, ZoneSet
from .core import numbers
from .core.arrays import NONE, is_none
from .core.coords import parse_crs
from .core.numbers import checked
from .core.pilot import low_rise_share
from .core.rules import VERDICTS
from .errors import InputError, OutputError
from .io import ROW_FAULT, OutputChunk, OutputNames, atomic_output
from .text import row_messages, row_number, t

__all__ = ["COLUMNS", "column_types", "STATION_COLUMNS", "SUN_COLUMNS", "LEDGER_COLUMNS", "sun_columns", "LONG_COLUMNS",
           "output_columns",
           "SHAPEFILE_NAMES", "ScreenOptions", "ScreenSummary", "screen_chunk", "screen_file",
           "ChunkContext", "screen_piece", "ENGINES", "SORTS", "EXTRA_COLUMNS", "OUR_NAMES",
           "column_names", "full_names"]

#: Columns added to every row, in order.
COLUMNS: tuple[str, ...] = (
    "gz_verdict", "gz_zone", "gz_distance_m", "gz_max_height_m", "gz_height_m",
    "gz_exceedance_m", "gz_in_pilot", "gz_storeys", "gz_rules", "gz_message", "gz_status",
)
#: Shapefile field names are at most 10 characters: the documented short names.
SHAPEFILE_NAMES: dict[str, str] = {
    "gz_ground_m": "gz_ground",
    "gz_verdict": "gz_verdict", "gz_zone": "gz_zone", "gz_distance_m": "gz_dist_m",
    "gz_max_height_m": "gz_maxh_m", "gz_height_m": "gz_h_m", "gz_exceedance_m": "gz_exc_m",
    "gz_in_pilot": "gz_pilot", "gz_storeys": "gz_storey", "gz_rules": "gz_rules",
    "gz_message": "gz_msg", "gz_status": "gz_status",
    "gz_station": "gz_station", "gz_stations": "gz_stns",
    "gz_sun_blocked_min": "gz_sun_min", "gz_sunshine_loss_h": "gz_sun_h", "gz_sun_worst_month": "gz_sun_mon",
    "gz_sun_added_min": "gz_sun_add", "gz_sun_cumulative_min": "gz_sun_cum",
}
#: Columns added with many stations (``screen --stations``), before ``gz_status``: the
#: station that sets the verdict and limit, and every station in reach (ids, nearest first).
STATION_COLUMNS: tuple[str, ...] = ("gz_station", "gz_stations")
#: Columns added with ``screen --sun`` (:attr:`ScreenOptions.sun`), before ``gz_status``: the
#: sun minutes a row hides from the sunshine recorder over the reference year, the sunshine
#: hours lost (clear sky, DNI ≥ 120 W/m²) and the month with most hidden minutes (0: none),
#: seen from the governing station (:func:`geozones.sunshine.rows_sun_figures`).
SUN_COLUMNS: tuple[str, ...] = ("gz_sun_blocked_min", "gz_sunshine_loss_h", "gz_sun_worst_month")
#: Columns added after :data:`SUN_COLUMNS` with a ledger (``screen --ledger``,
#: :attr:`ScreenOptions.approved_sun`): the minutes a row adds to what its station's approved
#: obstacles already hide (its minutes they do not hide), and the cumulative total with it.
LEDGER_COLUMNS: tuple[str, ...] = ("gz_sun_added_min", "gz_sun_cumulative_min")
#: Columns of the ``--long`` table: one row per (input row, station in reach), that
#: station's own answer (its rules only; the pilot areas' are in the main output).
LONG_COLUMNS: tuple[str, ...] = (
    "gz_row", "gz_station", "gz_verdict", "gz_zone", "gz_distance_m", "gz_max_height_m",
    "gz_height_m", "gz_exceedance_m", "gz_rules", "gz_message",
)


def output_columns(zones: Any, sun: bool = True, ledger: bool = False) -> tuple[str, ...]:
    """The ``gz_*`` columns written for ``zones``: a station given alone (a ZoneSet), or
    stations named in the answers (a StationNetwork: :data:`STATION_COLUMNS` too); with
    ``sun``, :data:`SUN_COLUMNS` too, and with ``ledger`` :data:`LEDGER_COLUMNS` after them.

    Parameters
    ----------
    zones : ZoneSet or StationNetwork
        What the rows are screened against.
    sun : bool
        With the sun figures (``screen``'s default; ``--no-sun`` leaves them out).
    ledger : bool
        With the ledger's columns (``screen --ledger``; with ``sun`` only).

    Returns
    -------
    tuple of str
        The column names, in the order written.
    """
    extra = (*(STATION_COLUMNS if zones.named else ()), *(SUN_COLUMNS if sun else ()),
             *(LEDGER_COLUMNS if sun and ledger else ()))
    return (*COLUMNS[:-1], *extra, COLUMNS[-1])


def column_types(columns) -> dict[str, type]:
    """The type of each of our ``columns``: ``float`` for the measures (``*_m``),
    ``gz_storeys`` and the sun figures' minutes and hours (NaN where unknown), ``int`` for
    ``gz_sun_worst_month``, ``bool`` for ``gz_in_pilot``, ``str`` for the rest (verdict, zone,
    rules, message, status, stations). What an empty output's columns and a
    QGIS layer's fields are made of, before any row is screened.

    Parameters
    ----------
    columns : iterable of str
        Our column names (:func:`output_columns`, ``gz_ground_m`` …).

    Returns
    -------
    dict
        Each name and its type (``float``, ``int``, ``bool`` or ``str``), in the order given.

    Examples
    --------
    >>> column_types(["gz_verdict", "gz_distance_m", "gz_in_pilot"])
    {'gz_verdict': <class 'str'>, 'gz_distance_m': <class 'float'>, 'gz_in_pilot': <class 'bool'>}
    """
    floats = ("gz_storeys", "gz_sun_blocked_min", "gz_sunshine_loss_h", *LEDGER_COLUMNS)
    return {c: float if c.endswith("_m") or c in floats else int if c == "gz_sun_worst_month"
            else bool if c == "gz_in_pilot" else str for c in columns}


@dataclass
class ScreenOptions:
    """How to read heights, kinds and uses from the table (see ``geozones screen --help``)."""

    height_field: str | None = None
    floors_field: str | None = None
    storey_height_m: float | None = None  #: None: the station file's (see ZoneSet.storey_height_m)
    default_height_m: float | None = None
    kind_field: str | None = None
    default_kind: str = "building"
    use_field: str | None = None
    default_use: str | None = None
    axis_order: str = "xy"
    lang: str = "en"
    width_field: str | None = None       #: column with line widths [m] (road, railway, river)
    dem: Any = None                      #: a :class:`geozones.terrain.DEM`, or None (flat)
    field_elevation_m: float | None = None  #: field elevation in the DEM's datum [m]
    #: When coordinates are read as WGS84 without --crs, also read them as GCJ-02 and BD-09
    #: and count the rows whose verdict would differ (costs two more evaluations per row).
    datum_check: bool = True
    #: The sun figures (:data:`SUN_COLUMNS`), for the rows the bound cannot clear (on by default,
    #: as ``screen``'s; False: ``--no-sun``, for speed).
    sun: bool = True
    #: With a ledger (``screen --ledger``): per station id, its approved obstacles and the union
    #: of the sun minutes they hide (:func:`geozones.sunshine.approved_sun_minutes`), computed
    #: once per run before any worker starts; the rows then get :data:`LEDGER_COLUMNS`.
    approved_sun: dict[str, Any] | None = None
    #: Many stations: also make the per-station rows of ``--long`` (``attrs["long"]`` of
    #: :func:`screen_chunk`'s columns); screen_file sets it when it writes them.
    long_rows: bool = False

    def __post_init__(self) -> None:
        # the numbers given, refused here when NaN, infinite or out of range (the options' bounds)
        checked(self.storey_height_m, "storey_height_m", numbers.STOREY_HEIGHT_M)
        checked(self.default_height_m, "default_height_m", numbers.HEIGHT_M)


def add_datum_stats(total: dict[str, tuple[float, ...]], datum: str, stats: tuple[float, ...]) -> None:
    """Add one chunk's datum-check figures ``(verdicts, variance, permitted heights, variance,
    open rows, rows read)`` to ``total[datum]``, element by element (estimates, variances and
    counts of chunks all add up).

    >>> t = {}; add_datum_stats(t, "GCJ-02", (1, 0, 2, 0, 3, 3)); add_datum_stats(t, "GCJ-02", (1, 0.5, 0, 0, 5, 2)); t
    {'GCJ-02': (2.0, 0.5, 2.0, 0.0, 8.0, 5.0)}
    """
    had = total.get(datum, (0.0,) * len(stats))
    total[datum] = tuple(x + y for x, y in zip(had, stats))


@dataclass
class ScreenSummary:
    """What a screening run did: counts, the worst exceedances, errors, pilot share."""

    rows: int = 0
    verdicts: dict[str, int] = field(default_factory=dict)
    statuses: dict[str, int] = field(default_factory=dict)
    worst: list[tuple[float, int, str, str]] = field(default_factory=list)  # (exceedance, row, verdict, id)
    errors: list[tuple[int, str, str]] = field(default_factory=list)       # first errors (row, why, id)
    id_column: str | None = None
    error_rows: int = 0
    pilot_floor_area_m2: float = 0.0
    pilot_low_rise_area_m2: float = 0.0
    pilot_low_rise_target: float | None = None
    pilot_low_rise_storeys: int | None = None
    encoding: str | None = None
    output: str = ""
    layer: str | None = None             #: layer name written (the input's)
    geometry_type: str | None = None     #: geometry type the output layer declares
    datum: str | None = None             #: GCJ-02/BD-09 input converted to WGS84 for output
    dxf: dict[str, Any] | None = None    #: DXF input: polygons, lines, ignored entities
    crs_assumed: bool = False            #: no CRS given: read as WGS84 lon/lat
    #: per datum, what reading the rows in it changes: ``(verdicts, variance, permitted heights,
    #: variance, open rows, rows read again)`` summed over chunks (see :meth:`datum_report`)
    datum_changes: dict[str, tuple[float, ...]] = field(default_factory=dict)
    #: the input CRS and its datum when PROJ cannot shift that datum to WGS84 at a station
    #: (only a ballpark: :func:`geozones.core.coords.unknown_shift`); None otherwise
    no_datum_shift: dict[str, str] | None = None
    #: input columns kept under another name in the output (one of ours or a name the format
    #: uses, as ``src_<name>``; a shapefile's 10 bytes), see :func:`column_names`
    renamed: dict[str, str] = field(default_factory=dict)
    protected_rows: int = 0        # rows inside the protection area (approval duty, Art. 14, 15.1)
    maybe_protected_rows: int = 0  # rows possibly inside it (prevailing wind unknown)
    # many stations (screen --stations); None/0 for one station, and then not in to_dict()
    stations: int | None = None        #: stations loaded
    sun_reach_m: float | None = None   #: the sun rule's reach for rows of unknown height [m]
    no_station_rows: int = 0           #: rows in reach of no station
    station_pairs: int = 0             #: (row, station) pairs assessed (stations in reach)
    long_output: str | None = None     #: the --long table written
    sort: str | None = None        # GeoParquet output: row order (hilbert: gz_row gives the input's)
    #: ``screen --ledger``: the ledger (as shown) and, per station id, the approved obstacles
    #: counted and the minutes a year they hide together; None without a ledger
    ledger: dict[str, Any] | None = None
    #: a chunk's ``--long`` rows (gz_row from 0 in the chunk), handed from screen_piece to
    #: the writer; never part of the run's summary
    long: Any = field(default=None, repr=False, compare=False)
    #: a chunk's summary whose rows are numbered as in the input already (a chunk of rows
    #: sorted before screening, geozones.presort), not from 0 in the chunk
    numbered: bool = field(default=False, repr=False, compare=False)

    def merge(self, part: ScreenSummary) -> None:
        """Add what a chunk's summary (rows numbered from 0 in the chunk) says to this run's,
        the chunk coming after the rows counted so far (or numbered as in the input already:
        ``part.numbered``). Both engines build the run summary this way, chunk after chunk,
        so their summaries are equal; what it keeps of the rows (the 10 worst exceedances, the
        first 20 errors) does not depend on the order the chunks come in."""
        start = 0 if part.numbered else self.rows
        self.rows += part.rows
        if self.id_column is None:
            self.id_column = part.id_column
        for total, add in ((self.verdicts, part.verdicts), (self.statuses, part.statuses)):
            for k, v in add.items():
                total[k] = total.get(k, 0) + v
        for k, stats in part.datum_changes.items():
            add_datum_stats(self.datum_changes, k, stats)
        for exc, row, verdict, ident in part.worst:
            item = (exc, start + row, verdict, ident)
            if len(self.worst) < 10:
                heapq.heappush(self.worst, item)
            else:
                heapq.heappushpop(self.worst, item)
        if part.errors:
            self.errors = sorted(self.errors + [(start + row, status, ident)
                                                for row, status, ident in part.errors])[:20]
        self.error_rows += part.error_rows
        self.pilot_floor_area_m2 += part.pilot_floor_area_m2
        self.pilot_low_rise_area_m2 += part.pilot_low_rise_area_m2
        self.protected_rows += part.protected_rows
        self.maybe_protected_rows += part.maybe_protected_rows
        self.no_station_rows += part.no_station_rows
        self.station_pairs += part.station_pairs

    def datum_report(self) -> dict[str, dict[str, Any]]:
        """Per datum, the rows that would get another verdict and another permitted height
        if the numbers were in it: exact (every row that might change read again) or
        estimated from a sample, with the half-width of its 95 % interval (1.96 standard
        errors; :mod:`geozones.core.datumshift`)."""
        out = {}
        for datum, (v, v_var, h, h_var, opened, read) in self.datum_changes.items():
            out[datum] = {"verdicts": round(float(v)), "permitted_heights": round(float(h)),
                          "method": "exact" if read >= opened else "sampled",
                          "verdicts_error_95": int(np.ceil(1.96 * np.sqrt(v_var))),
                          "permitted_heights_error_95": int(np.ceil(1.96 * np.sqrt(h_var))),
                          "rows_open": int(opened), "rows_read": int(read)}
        return out

    def datums_changing(self) -> dict[str, dict[str, Any]]:
        """The datums of :meth:`datum_report` under which some verdict or permitted height
        would, or (sampled, with an error above 0) might, differ."""
        return {d: c for d, c in self.datum_report().items()
                if c["verdicts"] or c["permitted_heights"] or c["verdicts_error_95"] or c["permitted_heights_error_95"]}

    @property
    def no_station_reached(self) -> bool:
        """Many stations, rows assessed, and not one of them in reach of any station: every
        pass is "no station within N km", most likely the wrong folder or coordinates."""
        return self.stations is not None and self.no_station_rows > 0 and self.station_pairs == 0

    def warnings(self) -> list[str]:
        """What could make the counts wrong, said first (``warnings`` in ``--report``):
        ``datum_changes`` (no CRS given and a GCJ-02/BD-09 reading changes verdicts or
        permitted heights), ``no_station_reached`` (:attr:`no_station_reached`)."""
        out = []
        if self.crs_assumed and not self.datum and self.datums_changing():
            out.append("datum_changes")
        if self.no_station_reached:
            out.append("no_station_reached")
        return out

    @property
    def pilot_low_rise_share(self) -> float | None:
        if self.pilot_floor_area_m2 <= 0:
            return None
        return self.pilot_low_rise_area_m2 / self.pilot_floor_area_m2

    def to_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows, "verdicts": self.verdicts, "warnings": self.warnings(), "statuses": self.statuses,
            "id_column": self.id_column,
            "worst_exceedances": [{"row": r, "row_number": row_number(r), "id": i, "exceedance_m": round(e, 3),
                                   "verdict": v}
                                  for e, r, v, i in sorted(self.worst, reverse=True)],
            "error_rows": self.error_rows,
            "errors": [{"row": r, "row_number": row_number(r), "id": i, "status": s} for r, s, i in self.errors],
            "pilot_residential_floor_area_m2": round(self.pilot_floor_area_m2, 1),
            "pilot_low_rise_share": None if self.pilot_low_rise_share is None
            else round(self.pilot_low_rise_share, 4),
            "pilot_low_rise_storeys": self.pilot_low_rise_storeys,
            "pilot_low_rise_target": self.pilot_low_rise_target,
            "encoding": self.encoding, "output": self.output, "renamed_fields": self.renamed,
            "layer": self.layer, "geometry_type": self.geometry_type, "datum": self.datum,
            "dxf": self.dxf, "crs_assumed": self.crs_assumed, "datum_changes": self.datum_report(),
            **({} if self.no_datum_shift is None else {"no_datum_shift": self.no_datum_shift}),
            "protected_rows": self.protected_rows, "maybe_protected_rows": self.maybe_protected_rows,
            "approval_notice": "Art. 14, 15.1" if self.protected_rows or self.maybe_protected_rows else None,
            **({} if self.stations is None else {
                "stations": self.stations, "sun_reach_m": self.sun_reach_m,
                "no_station_rows": self.no_station_rows, "station_pairs": self.station_pairs,
                "long_output": self.long_output}),
            "sort": self.sort,
            **({} if self.ledger is None else {"ledger": self.ledger}),
        }


def _column(df: pd.DataFrame, column: str | None, path: str) -> np.ndarray | None:
    """The raw values of ``column`` (None/NaN as None), or None when no column is named."""
    if column is None:
        return None
    if column not in df.columns:
        raise InputError("column_missing", path=path, column=column, columns=", ".join(map(str, df.columns)))
    col = df[column]
    values = col.astype(object).where(col.notna(), None).to_numpy(copy=True)
    if col.dtype == object:
        values[(col.astype(str).str.strip() == "").to_numpy()] = None
    return values


def _proposal_inputs(df: pd.DataFrame, opts: ScreenOptions, path: str) -> dict[str, Any]:
    """The keyword arguments of :meth:`Proposals.build` read from the table and the options."""
    kinds = _column(df, opts.kind_field, path)
    uses = _column(df, opts.use_field, path)
    if kinds is not None and opts.default_kind is not None:
        kinds = np.where(is_none(kinds), opts.default_kind, kinds)
    if uses is not None and opts.default_use is not None:
        uses = np.where(is_none(uses), opts.default_use, uses)
    return dict(
        kind=opts.default_kind if kinds is None else kinds,
        use=opts.default_use if uses is None else uses,
        height_m=_column(df, opts.height_field, path), floors=_column(df, opts.floors_field, path),
        default_height_m=opts.default_height_m, storey_height_m=opts.storey_height_m,
        dem=opts.dem, field_elevation_m=opts.field_elevation_m,
        width_m=_column(df, opts.width_field, path))


class ChunkResult(tuple):
    """What :func:`screen_chunk` gives for a chunk: ``(columns, written, residential,
    floor_area)`` (it unpacks into those four), and these plain facts more:

    * ``as_read``: ``(rows, bounds (k, 4))`` of rows whose geometry is the input's WKB,
      unchanged: ``written`` is None there, and the writer writes the input's bytes (the
      bounds are the geometry's as read, in the input's CRS); None when there are none;
    * ``unreadable``: rows whose ``written`` geometry is a repair of input that could not be
      read (never to be written as the input's bytes);
    * ``long``: many stations, with ``opts.long_rows``: the ``--long`` rows of the chunk
      (:data:`LONG_COLUMNS`, ``gz_row`` counting the chunk's rows from 0), else None;
    * ``counts``: many stations: rows in reach of no station (``no_station``), (row,
      station) pairs assessed (``pairs``), rows in (``protected``) or possibly in
      (``maybe_protected``) a protection area of a station in reach; None for one station.
    """

    as_read: tuple[np.ndarray, np.ndarray] | None
    unreadable: np.ndarray | None
    long: pd.DataFrame | None
    counts: dict[str, int] | None

    def __new__(cls, columns, written, residential, floor_area, as_read=None, unreadable=None,
                long=None, counts=None):
        self = super().__new__(cls, (columns, written, residential, floor_area))
        self.as_read = as_read
        self.unreadable = unreadable
        self.long = long
        self.counts = counts
        return self

    columns = property(lambda self: self[0])
    written = property(lambda self: self[1])
    residential = property(lambda self: self[2])
    floor_area = property(lambda self: self[3])


def screen_chunk(df: pd.DataFrame, geoms: np.ndarray, raw: np.ndarray, crs, zones: ZoneSet | StationNetwork,
                 opts: ScreenOptions, path: str = "input", *, datum_counts: dict | None = None,
                 faults: np.ndarray | None = None) -> ChunkResult:
    """The ``gz_*`` columns for one chunk (same row order), computed by the core.

    Returns ``(columns, geometry to write, residential, floor area)`` (a
    :class:`ChunkResult`, which also says which rows' geometry is the input's WKB
    unchanged): the geometry is the input's, or the repaired one where the input's could
    not be read at all (a row of ``geoms`` may be None with its WKB in ``raw``, left for the
    core to read); ``residential`` marks the rows the pilot's residential rules concern,
    and ``floor area`` is footprint area × storeys in the station frame [m²]. With
    ``datum_counts`` (a dict) what reading the numbers as GCJ-02 / BD-09 would change is
    added to it, per datum: ``(verdicts, variance, permitted heights, variance, open rows,
    rows read)`` (:func:`geozones.core.datumshift.datum_changes`, at most
    :func:`~geozones.core.datumshift.sample_size` rows read again per datum).
    ``faults``: per row, why the reader could not read it whole (a GeozonesError) or None:
    such a row is an error row with that reason (its geometry, if read, still written).

    ``zones`` is one station's :class:`ZoneSet` or a :class:`StationNetwork` (many
    stations): both are assessed by :func:`geozones.core.network.assess_stations`, and
    :func:`assessment_columns` makes the columns.
    """
    from .core.network import assess_stations

    crs_obj = parse_crs(crs)
    inputs = _proposal_inputs(df, opts, path)
    sa = assess_stations(zones, geoms, raw, crs_obj, opts.axis_order, inputs)
    if faults is not None:   # rows the reader could not read whole: error rows, its reason
        bad = ~is_none(faults)
        sa.problems[bad] = faults[bad]
        sa.ok[bad] = False
    if datum_counts is not None:
        from .core.datumshift import datum_changes, sample_size

        changes = datum_changes(sa, zones, geoms, crs_obj, inputs, raw=raw, axis_order=opts.axis_order,
                                within=sa.combined, sample=sample_size(len(df)), seed=len(df))
        for datum, change in changes.items():
            add_datum_stats(datum_counts, datum, (*change.estimate(), change.open, change.read))
    columns, long, counts = assessment_columns(sa, zones, opts)
    residential = sa.ok & (sa.kinds == "building") & (sa.uses == "residential")
    return ChunkResult(columns, sa.source_geoms, residential, sa.floor_area_m2, sa.as_read,
                       sa.unreadable, long, counts)


def assessment_columns(sa, zones: ZoneSet | StationNetwork, opts: ScreenOptions
                       ) -> tuple[pd.DataFrame, pd.DataFrame | None, dict[str, int] | None]:
    """The ``gz_*`` columns of an assessment (:class:`geozones.core.network.StationsAssessment`),
    in the order of :func:`output_columns` (with ``gz_ground_m`` after ``gz_height_m`` on a
    DEM); for many stations also the ``--long`` rows (with ``opts.long_rows``) and the
    counts of :class:`ChunkResult`, else None.

    One station given alone speaks for itself: its message and rules are its assessment's,
    pilot areas included (:func:`geozones.text.explain.row_messages`). Many stations: the
    governing station's own line (``id: …``), then the others in reach, then the pilot area.
    """
    lang = opts.lang
    ok = sa.ok
    gov = sa.governing
    has = (gov.pair >= 0) & ok   # (a row the reader could not read whole may have been measured)
    g = gov.pair[has]
    verdict = np.where(ok, np.array([None, *VERDICTS], dtype=object)[sa.verdict_code], "error").astype(object)
    zone = np.where(ok, "outside", NONE).astype(object)
    zone[has] = sa.pair_zone[g]
    eff_h = sa.effective_height_m
    max_h = sa.max_height_m
    with np.errstate(invalid="ignore"):
        exceed = np.maximum(eff_h - max_h, 0.0)
    long = counts = None
    station_columns = {}
    if not zones.named:
        group, sets = sa.combined.flag_groups
        rules = np.array([",".join(r.id for r in rs) for rs in sets], dtype=object)[group]
        message = row_messages(sa.combined, verdict, lang)
        rules, message = np.where(ok, rules, ""), np.where(ok, message, "")
    else:
        assert isinstance(zones, StationNetwork)  # named: many stations
        rules, message, station_columns, long, counts = _station_words(sa, zones, verdict, opts)
    status = np.where(sa.repaired, "repaired", "ok").astype(object)
    b = ok & sa.below_field
    status[b] = status[b] + "; " + t("status_below_field", lang)
    nh = ok & sa.height_missing
    status[nh] = status[nh] + "; height missing"
    nodata, cells = sa.dem_nodata_cells, sa.dem_cells
    for i in np.flatnonzero(ok & (nodata > 0)):
        status[i] += f"; DEM nodata {int(nodata[i])}/{int(cells[i])} cells"
    problems = sa.problems
    status[~ok] = np.array(["error: " + problems[i].localized(lang) if problems[i] is not None
                            else "error: " + t("row_geom_empty", lang) for i in np.flatnonzero(~ok)], dtype=object)
    columns = pd.DataFrame({
        "gz_verdict": _text(verdict),
        "gz_zone": _text(zone),
        "gz_distance_m": np.round(np.where(ok, sa.distance_m, np.nan), 3),
        "gz_max_height_m": np.round(np.where(ok, max_h, np.nan), 3),
        "gz_height_m": np.round(np.where(ok, eff_h, np.nan), 3),
        "gz_exceedance_m": np.round(np.where(ok, exceed, np.nan), 3),
        "gz_in_pilot": ok & sa.in_pilot,
        "gz_storeys": np.where(ok, sa.storeys, np.nan),
        "gz_rules": _text(rules),
        "gz_message": _text(message),
        **station_columns,
        **(sun_columns(sa, zones, has, opts.approved_sun) if opts.sun else {}),
        "gz_status": _text(status),
    })
    if opts.dem is not None:
        columns.insert(columns.columns.get_loc("gz_height_m") + 1, "gz_ground_m",
                       np.round(np.where(ok, sa.ground_m, np.nan), 3))
    return columns, long, counts


def sun_columns(sa, zones: ZoneSet | StationNetwork, has: np.ndarray,
                approved_sun: dict[str, Any] | None = None) -> dict[str, np.ndarray]:
    """:data:`SUN_COLUMNS` of an assessment: each row seen from its governing station (the one
    station given alone), rows the bound clears without a ray cast; NaN and 0 for rows without
    a station in reach, an error or no top. With ``approved_sun``, :data:`LEDGER_COLUMNS` too.

    Parameters
    ----------
    sa : StationsAssessment
        The rows assessed.
    zones : ZoneSet or StationNetwork
        The station or stations.
    has : ndarray of bool
        Rows read, with a governing station.
    approved_sun : dict, optional
        Per station id, its :class:`geozones.sunshine.ApprovedSun` (computed once per run).

    Returns
    -------
    dict of str to ndarray
        ``gz_sun_blocked_min`` [min], ``gz_sunshine_loss_h`` [h], ``gz_sun_worst_month``; with
        ``approved_sun`` ``gz_sun_added_min`` (the row's minutes the approved obstacles do not
        hide) and ``gz_sun_cumulative_min`` (theirs with the row's) [min].
    """
    from .sunshine import rows_sun_figures

    n = sa.n
    minutes, hours = np.full(n, np.nan), np.full(n, np.nan)
    added, before = np.full(n, np.nan), np.full(n, np.nan)
    month = np.zeros(n, dtype=np.int64)
    rows = np.flatnonzero(has)
    g = sa.governing.pair[rows]
    part = sa.pair_part[g]
    for p in np.unique(part):
        mine = part == p
        a = sa.parts[p]
        idx = sa.pair_index[g[mine]]
        approved = None if approved_sun is None else approved_sun.get(a.station.id)
        m, h, mo, ad = rows_sun_figures(a.station, a.proposals, idx, sa.effective_height_m[rows[mine]],
                                        None if approved is None else approved.minutes)
        minutes[rows[mine]], hours[rows[mine]], month[rows[mine]], added[rows[mine]] = m, h, mo, ad
        before[rows[mine]] = 0.0 if approved is None else float(len(approved.minutes))
    out = {"gz_sun_blocked_min": minutes, "gz_sunshine_loss_h": np.round(hours, 2), "gz_sun_worst_month": month}
    if approved_sun is not None:
        out.update(gz_sun_added_min=added, gz_sun_cumulative_min=before + added)
    return out


def _station_words(sa, net: StationNetwork, verdict: np.ndarray, opts: ScreenOptions):
    """Many stations: per row the flagged rules and the message (the governing station's
    line, the others in reach, the pilot area), the station columns, the ``--long`` rows
    and the counts (see :func:`assessment_columns`)."""
    from .core.network import join_ids
    from .text import VERDICT_NAMES, fmt, name, zone_name

    lang = opts.lang
    n = len(sa)
    ok = sa.ok
    rows_p, st_p, code_p, zone_p = sa.pair_row, sa.pair_station, sa.pair_code, sa.pair_zone
    dist_p, max_p = sa.pair_distance_m, sa.pair_max_height_m
    rules_p = np.full(len(rows_p), "", dtype=object)
    msg_p = np.full(len(rows_p), "", dtype=object)
    for j, a in enumerate(sa.parts):
        sel = np.flatnonzero(sa.pair_part == j)
        at = sa.pair_index[sel]
        group, sets = a.flag_groups
        rules_p[sel] = np.array([",".join(r.id for r in rs) for rs in sets], dtype=object)[group[at]]
        msg_p[sel] = row_messages(a, a.verdict, lang)[at]
    pilot_text = np.full(n, "", dtype=object)
    pilot_ids = np.full(n, "", dtype=object)
    for h_rows, pa in sa.pilot_parts:
        pilot_text[h_rows], pilot_ids[h_rows] = _pilot_parts(pa, lang)
    gov = sa.governing
    has = (gov.pair >= 0) & ok
    g = gov.pair[has]
    ids = np.array([s_.id for s_ in net.stations], dtype=object)
    gz_station = np.full(n, "", dtype=object)
    gz_station[has] = ids[st_p[g]]
    rules = np.full(n, "", dtype=object)
    rules[has] = rules_p[g]
    both = (rules != "") & (pilot_ids != "")
    rules = np.where(both, rules + ",", rules) + pilot_ids
    rules[~ok] = ""
    # messages: the governing station's own line, then the pilot area, then the others in reach
    sep = " · "
    message = np.full(n, "", dtype=object)
    message[has] = ids[st_p[g]] + ": " + msg_p[g]
    others = ~np.isin(np.arange(len(rows_p)), g)
    if others.any():
        also = np.full(n, "", dtype=object)
        for j in np.flatnonzero(others).tolist():
            r = rows_p[j]
            item = (f"{ids[st_p[j]]} {name(VERDICT_NAMES, VERDICTS[code_p[j] - 1], lang)}, "
                    f"{zone_name(net.stations[st_p[j]], zone_p[j], lang)}")
            also[r] = item if not also[r] else also[r] + "; " + item
        mark = also != ""
        message[mark] = message[mark] + sep + np.array([t("msg_also_in_reach", lang, stations=x)
                                                        for x in also[mark]], dtype=object)
    none = ok & ~has
    if none.any():
        km = net.min_reach_km(sa.effective_height_m[none])
        message[none] = np.array([name(VERDICT_NAMES, str(v), lang) + sep + t("msg_no_station", lang, km=fmt(d))
                                  for v, d in zip(verdict[none], km)], dtype=object)
    message = message + pilot_text
    message[~ok] = ""
    station_columns = {"gz_station": gz_station,
                       "gz_stations": join_ids(rows_p, ids[st_p], dist_p, n)}
    long = (_long_rows(rows_p, st_p, ids, code_p, zone_p, dist_p, max_p, sa.effective_height_m, rules_p, msg_p)
            if opts.long_rows else None)
    approval_p, maybe_p = sa.pair_approval & ok[rows_p], sa.pair_maybe & ok[rows_p]
    counts = {
        "no_station": int(none.sum()), "pairs": len(rows_p),
        # in the protection area of a station in reach (approval, Art. 14, 15.1), or possibly
        # in one (its wind unknown) and certainly in none
        "protected": len(np.unique(rows_p[approval_p & ~maybe_p])),
        "maybe_protected": len(np.setdiff1d(rows_p[maybe_p], rows_p[approval_p & ~maybe_p])),
    }
    return rules, message, station_columns, long, counts


def _text(values: np.ndarray):
    """Text cells (str or None) as the column pandas would make of them, converted by Arrow
    in one pass where pandas' default text column is Arrow's (pandas ≥ 3): its own
    conversion checks every cell in Python, at twice the cost."""
    if _ARROW_TEXT:
        import pyarrow as pa

        return pd.array(pa.array(values, type=pa.string()), dtype=_DEFAULT_TEXT)
    return values


_DEFAULT_TEXT = pd.Series(["a"]).dtype
_ARROW_TEXT = isinstance(_DEFAULT_TEXT, pd.StringDtype) and _DEFAULT_TEXT.storage == "pyarrow"


def _pilot_parts(a, lang: str) -> tuple[np.ndarray, np.ndarray]:
    """Per row of a pilot-rules assessment: the message part (pilot name, storeys, flagged
    rules with articles) and the flagged rule ids ("" outside every pilot area)."""
    from .text import article_label

    n = len(a)
    sep = " · "
    text = np.full(n, "", dtype=object)
    ids = np.full(n, "", dtype=object)
    ok = a.ok
    storeys = a.storeys
    for i in np.flatnonzero(ok & a.in_pilot):
        s_ = storeys[i]
        text[i] = sep + a.pilot(i).name.get(lang) + ("" if np.isnan(s_) else t("msg_storeys", lang, n=f"{s_:.0f}"))
    group, sets = a.flag_groups
    tails = np.array(["" if not rs else sep + "; ".join(f"{r.id} ({article_label(r.article, lang, r.article_zh)})"
                                                       for r in rs) for rs in sets], dtype=object)[group]
    rule_ids = np.array([",".join(r.id for r in rs) for rs in sets], dtype=object)[group]
    text = text + tails
    ids[ok] = rule_ids[ok]
    text[~ok] = ""
    return text, ids


def _long_rows(rows_p, st_p, ids, code_p, zone_p, dist_p, max_p, eff_h, rules_p, msg_p) -> pd.DataFrame:
    """The ``--long`` rows of a chunk: one per (row, station in reach), by row, nearest first."""
    order = np.lexsort((np.where(np.isnan(dist_p), np.inf, dist_p), rows_p))
    h_p = eff_h[rows_p]
    with np.errstate(invalid="ignore"):
        exc_p = np.maximum(h_p - max_p, 0.0)
    verdicts = np.array(VERDICTS, dtype=object)[code_p.astype(int) - 1] if len(code_p) else np.zeros(0, dtype=object)
    return pd.DataFrame({
        "gz_row": rows_p, "gz_station": ids[st_p], "gz_verdict": verdicts,
        "gz_zone": zone_p, "gz_distance_m": np.round(dist_p, 3), "gz_max_height_m": np.round(max_p, 3),
        "gz_height_m": np.round(h_p, 3), "gz_exceedance_m": np.round(exc_p, 3),
        "gz_rules": rules_p, "gz_message": msg_p,
    }).iloc[order].reset_index(drop=True)


#: Columns of ours beyond :data:`COLUMNS`: the input row number of a sorted GeoParquet output,
#: and the name its ``bbox`` covering column takes when the input has a ``bbox`` of its own.
EXTRA_COLUMNS: tuple[str, ...] = ("gz_row", "gz_bbox")

#: Every name of ours, full and shapefile-short: an input column so named, in any letter
#: case, is kept as ``src_<name>`` (see :func:`column_names`).
OUR_NAMES: frozenset[str] = frozenset(SHAPEFILE_NAMES) | frozenset(SHAPEFILE_NAMES.values()) | frozenset(EXTRA_COLUMNS)


def full_names(frame):
    """A screened table (read back from any format) with our columns under their full
    names: a shapefile's short ones (``gz_dist_m``) and names in another letter case
    (``GZ_VERDICT``, as some GIS tools write them) read as ``gz_distance_m``,
    ``gz_verdict`` …; a column already under the full name wins, and nothing else is
    renamed. What ``map --parcels``, ``screen --reports`` and ``horizon --buildings``
    read our columns through.

    Parameters
    ----------
    frame : pandas.DataFrame or geopandas.GeoDataFrame
        The screened rows.

    Returns
    -------
    pandas.DataFrame or geopandas.GeoDataFrame
        The same rows, our columns renamed to their full names.
    """
    full = {name.lower(): name for name in (*SHAPEFILE_NAMES, *EXTRA_COLUMNS)}
    full.update({short.lower(): name for name, short in SHAPEFILE_NAMES.items()})
    present = {str(c) for c in frame.columns}
    renames: dict[str, str] = {}
    for col in map(str, frame.columns):
        name = full.get(col.lower())
        if name is not None and name != col and name not in present and name not in renames.values():
            renames[col] = name
    return frame.rename(columns=renames) if renames else frame


def column_names(columns, driver: str, gz_columns, *, replace_gz: bool = False,
                 wkt_column: str | None = None) -> OutputNames:
    """What every column of a screened output is called: the one decision, made before any
    row is read, that the chunks, an empty output and the summary all follow.

    An input column named like one of ours (:data:`OUR_NAMES`, any letter case) or like a
    name the formats use themselves (``geometry``, ``geom``, ``fid`` …,
    :data:`geozones.io.RESERVED`) is kept as ``src_<name>``; with ``replace_gz``, or when the
    input is a screened file (all of :data:`COLUMNS`, full or short names), its columns of
    ours are dropped and replaced instead. A shapefile output takes :data:`SHAPEFILE_NAMES`
    and 10-byte names (:func:`geozones.io.output_names`).

    Parameters
    ----------
    columns : iterable
        The input's attribute columns.
    driver : str
        The output's driver.
    gz_columns : iterable of str
        The columns of ours the output gets (:func:`output_columns`, ``gz_ground_m`` …).
    replace_gz : bool
        Drop the input's columns named like ours rather than keep them renamed.
    wkt_column : str, optional
        A CSV output's WKT column (a CSV input's, kept).

    Returns
    -------
    OutputNames
        Input columns renamed and dropped, and our columns' names where they change.
    """
    from .io import output_names

    lower = {c.lower() for c in OUR_NAMES}
    clash = [str(c) for c in columns if str(c).lower() in lower]
    names = {str(c).lower() for c in columns}
    rescreen = ({c.lower() for c in COLUMNS} <= names
                or {SHAPEFILE_NAMES[c].lower() for c in COLUMNS} <= names)
    return output_names(columns, driver, ours=gz_columns, short=SHAPEFILE_NAMES, reserved_ours=OUR_NAMES,
                        drop=clash if replace_gz or rescreen else (),
                        also=() if wkt_column is None else (wkt_column,))


@dataclass
class ChunkContext:
    """What every chunk of a run is screened with; picklable, so the dask engine's workers
    screen their chunks with the very same settings (see :func:`screen_piece`)."""

    zones: ZoneSet | StationNetwork
    opts: ScreenOptions
    crs: Any                 #: the input's CRS (a DatumCRS for GCJ-02/BD-09)
    out_crs: Any             #: the output's
    driver: str              #: output driver (shapefile: short names)
    path: str                #: the input, as named in messages
    datum: str | None = None     #: GCJ-02/BD-09 input: geometry converted to WGS84
    datum_check: bool = False    #: also read as GCJ-02 and BD-09, count changed verdicts
    #: the output's column names (:func:`column_names`): input columns renamed and dropped,
    #: ours renamed (a shapefile's short names)
    names: OutputNames = field(default_factory=OutputNames)


def screen_piece(ctx: ChunkContext, df: pd.DataFrame, geoms: np.ndarray, raw: np.ndarray,
                 input_rows: np.ndarray | None = None) -> tuple[OutputChunk, ScreenSummary]:
    """One chunk screened: the output rows (input columns, then ours, then geometry) and the
    chunk's summary (rows numbered from 0, or by ``input_rows``, each row's input position;
    :meth:`ScreenSummary.merge` adds it to the run's).

    The one per-chunk function of both engines (local and dask), so they cannot drift.
    """
    counts: dict[str, tuple[float, ...]] = {}
    faults = None
    if ROW_FAULT in df.columns:   # rows the reader could not read, and why
        faults = df[ROW_FAULT].to_numpy(dtype=object)
        df = df.drop(columns=[ROW_FAULT])
    res = screen_chunk(df, geoms, raw, ctx.crs, ctx.zones, ctx.opts, ctx.path,
                       datum_counts=counts if ctx.datum_check else None, faults=faults)
    gz, written, residential, floor_area = res
    unbuilt, unreadable = res.as_read, res.unreadable
    part = ScreenSummary(long=res.long, numbered=input_rows is not None)
    part.datum_changes.update(counts)
    names = ctx.names
    base = df.drop(columns=list(names.dropped)) if names.dropped else df
    if names.renamed:
        base = base.rename(columns=names.renamed)
    cols = gz.rename(columns=names.ours) if names.ours else gz
    if ctx.datum:  # the output is WGS84: GIS tools know no GCJ-02/BD-09
        from .core.datums import geoms_to_wgs84

        written_out = geoms_to_wgs84(written, ctx.crs, ctx.opts.axis_order == "yx")[0]
    else:
        written_out = written
    out = OutputChunk(gpd.GeoDataFrame(pd.concat([base, cols], axis=1),
                                       geometry=gpd.GeoSeries(written_out, crs=ctx.out_crs), crs=ctx.out_crs))
    # the input's own WKB, written as it is where that gives the same bytes (for the writers
    # that turn the chunk into Arrow)
    if not ctx.datum and ctx.driver != "CSV":
        from .io import reusable_wkb

        # rows read as given: written as read (a repair of unreadable input is encoded)
        out.wkb = reusable_wkb(raw, written if unreadable is None else np.where(unreadable, NONE, written))
        if unbuilt is not None:   # rows never built: only their WKB can be written
            rows, _bounds = unbuilt
            if out.wkb is None:
                out.wkb = np.full(len(written), None, dtype=object)
            out.wkb[rows] = np.asarray(raw, dtype=object)[rows]
            out.as_read = unbuilt
    elif unbuilt is not None:   # a writer that needs geometries: never left unbuilt
        raise AssertionError("rows left unbuilt for a writer that needs geometries")
    if len(df.columns):
        part.id_column = str(df.columns[0])
    ids = (df[part.id_column].to_numpy() if part.id_column in df  # str() per row used
           else np.full(len(df), "", dtype=object))
    pilot = ctx.zones.pilots[0] if ctx.zones.pilots else None
    _accumulate(part, gz, part.verdicts, part.statuses, residential, floor_area, pilot, ids, ctx.zones,
                input_rows, res.counts)
    return out, part


def screen_file(input_path, output_path, *, zones: ZoneSet | StationNetwork, opts: ScreenOptions,
                layer: str | None = None, encoding: str | None = None,
                wkt_column: str | None = None, crs: str | None = None,
                chunk_size: int | None = None, overwrite: bool = False,
                progress: Callable[[int, int | None], None] | None = None,
                inputs=(), replace_gz: bool = False, long_path=None, sort: str | None = None,
                engine: str = "local", workers: int | None = None,
                scheduler: str | None = None, settings: Settings | None = None) -> ScreenSummary:
    """Screen every row of ``input_path`` and write ``output_path`` (format by extension).

    The output is written to a temporary file and moved into place only when complete; the
    input is never modified: an output that is the input (or one of ``inputs``: station,
    pilot boundary, DEM) is refused, and an input that changes while it is read fails the
    run with nothing written. ``progress(done, total)`` is called as chunks are done (total
    is None when the format cannot tell the row count in advance).

    An input column named like one of ours (``gz_*``, in any letter case) or like a name the
    formats use themselves (``geometry``, ``geom``, ``fid`` …) is kept as ``src_<name>``,
    said in the summary's ``renamed`` (:func:`column_names`); with ``replace_gz``, or in a
    screened file (all of our columns), its columns of ours are replaced by ours instead. A
    row the reader cannot read whole (a CSV line with another number of fields than the
    header, text not in the file's encoding) is an error row that says why; a file it cannot
    read as a table (a header naming a column twice, a quote never closed, a shapefile whose
    ``.dbf`` does not hold a record per shape) is refused (:class:`InputError`). A file without
    rows gives an output with the input's columns and ours. A CSV output keeps a CSV input's
    WKT column name and position, at full precision.

    With ``zones`` a :class:`StationNetwork` (many stations) the output has ``gz_station``
    and ``gz_stations`` too, and ``long_path`` (``.csv`` or ``.parquet``) receives one row per
    (input row, station in reach): :data:`LONG_COLUMNS`, ``gz_row`` counting input rows from 0.

    ``sort`` (GeoParquet output): ``"hilbert"`` (the default there) orders the rows along a
    Hilbert curve and adds ``gz_row``; ``"none"`` keeps the input order
    (:mod:`geozones.batch.sort`).

    How the run uses the machine is ``settings`` (:class:`geozones.batch.Settings`: worker
    processes, chunk rows, engine); without it, one is made of ``chunk_size`` (rows per
    chunk), ``engine`` (``"dask"``: parts screened on dask.distributed workers, a LocalCluster
    of ``workers`` processes or the cluster at ``scheduler``) and one worker process per core.
    The output and the summary are the same for any settings (:mod:`geozones.batch`).

    Parameters
    ----------
    input_path : str or Path
        The proposals: any vector format, GeoParquet, CSV with a WKT column, DXF.
    output_path : str or Path
        The screened file; its extension chooses the format.
    zones : ZoneSet or StationNetwork
        The station (or stations) and pilot areas to screen against.
    opts : ScreenOptions
        Which columns give heights [m], storeys, kinds and uses, and their defaults.
    layer : str, optional
        The input's layer, for a file of several.
    encoding : str, optional
        The input's text encoding (a shapefile's or CSV's).
    wkt_column : str, optional
        A CSV input's geometry column.
    crs : str, optional
        The input's CRS when it declares none, or GCJ-02/BD-09.
    chunk_size : int, optional
        Rows screened at once.
    overwrite : bool
        Replace an existing output.
    progress : callable, optional
        ``progress(done, total)``, called as chunks are done.
    inputs : iterable of path
        Further inputs the output must not be (station, pilot boundary, DEM).
    replace_gz : bool
        Replace input columns named like ours (``gz_*``, any case) rather than keep them as
        ``src_<name>``.
    long_path : str or Path, optional
        Many stations: the one-row-per-(row, station) file.
    sort : {"hilbert", "none"}, optional
        Row order of a GeoParquet output.
    engine : {"local", "dask"}
        Where the parts are screened.
    workers : int, optional
        Dask: worker processes of the LocalCluster.
    scheduler : str, optional
        Dask: the address of an existing cluster's scheduler.
    settings : Settings, optional
        How the run uses the machine; overrides ``chunk_size``, ``engine``, ``workers`` and
        ``scheduler``.

    Returns
    -------
    ScreenSummary
        What the run did: rows, counts per verdict and status, the worst exceedances [m],
        errors, the pilot areas' low-rise shares.
    """
    from .batch.plan import plan_run
    from .batch.run import executor_for, screened_chunks, use_arrow_pool
    from .batch.summary import finish
    from .batch.write import output_files, write_output

    checked(chunk_size, "chunk_size", numbers.CHUNK_ROWS)
    checked(workers, "workers", numbers.WORKERS)
    if settings is None:
        settings = Settings(chunk_rows=DEFAULT_CHUNK_ROWS if chunk_size is None else chunk_size,
                            engine=engine, workers=workers, scheduler=scheduler)
    use_arrow_pool(settings.arrow_pool)
    run = plan_run(input_path, output_path, zones=zones, opts=opts, settings=settings, layer=layer,
                   encoding=encoding, wkt_column=wkt_column, crs=crs, overwrite=overwrite, inputs=inputs,
                   replace_gz=replace_gz, long_path=long_path, sort=sort)
    run.summary.no_datum_shift = _no_datum_shift(run.ctx.crs, zones)
    if opts.approved_sun is not None:   # which ledger, how many counted: in the text and the JSON summary
        run.summary.ledger = {
            "ledger": next(iter(opts.approved_sun.values())).ledger if opts.approved_sun else None,
            "stations": {k: {"approved_obstacles": v.obstacles, "blocked_min": len(v.minutes)}
                         for k, v in opts.approved_sun.items()}}
    with output_files(run) as (tmp, long_writer), executor_for(run) as (executor, n_workers):
        # the workers' chunk files go beside the output (a table's: the temporary folder)
        folder = tmp.parent if isinstance(tmp, Path) else Path(tempfile.gettempdir())
        write_output(run, tmp, screened_chunks(run, executor, n_workers, folder, long_writer, progress))
    return finish(run)


def report_json(summary: ScreenSummary) -> str:
    """The run's summary as the JSON text of ``screen --report x.json`` (and ``--report -``)."""
    import json

    return json.dumps(summary.to_dict(), ensure_ascii=False, indent=2)


def _no_datum_shift(crs: Any, zones: ZoneSet | StationNetwork) -> dict[str, str] | None:
    """``{"crs": label, "datum": name}`` when PROJ has only a ballpark from the input's datum
    to WGS84 at one of the stations (:func:`geozones.core.coords.unknown_shift`), else None."""
    from .core.coords import crs_label, parse_crs, unknown_shift

    crs_obj = parse_crs(crs)
    stations = getattr(zones, "stations", None) or (zones.station,)
    datum = unknown_shift(crs_obj, [(s.longitude_deg, s.latitude_deg) for s in stations])
    return None if datum is None else {"crs": crs_label(crs_obj), "datum": datum}


def write_report(summary: ScreenSummary, path: str | Path, overwrite: bool = False,
                 inputs=()) -> None:
    """The run's summary as JSON (``.json``) or CSV (``.csv``: one row per metric), atomically."""
    path = Path(path)
    ext = path.suffix.lower()
    if ext not in (".json", ".csv"):
        raise OutputError("output_format", path=str(path), choices=".json, .csv")
    data = summary.to_dict()
    with atomic_output(path, overwrite, inputs) as tmp:
        if ext == ".json":
            tmp.write_text(report_json(summary), encoding="utf-8")
        else:
            rows = [("rows", "", data["rows"])]
            rows += [("verdict", k, v) for k, v in data["verdicts"].items()]
            rows += [("warning", w, 1) for w in data["warnings"]]
            rows += [("status", k, v) for k, v in data["statuses"].items()]
            rows += [("worst_exceedance_m", f"row {w['row_number']} {w['id']}", w["exceedance_m"])
                     for w in data["worst_exceedances"]]
            rows += [("error", f"row {e['row_number']} {e['id']}", e["status"]) for e in data["errors"]]
            rows += [("renamed_field", old, new) for old, new in (data["renamed_fields"] or {}).items()]
            rows += [("pilot_residential_floor_area_m2", "", data["pilot_residential_floor_area_m2"]),
                     ("pilot_low_rise_share", f"<= {data['pilot_low_rise_storeys']} storeys", data["pilot_low_rise_share"]),
                     ("pilot_low_rise_target", "", data["pilot_low_rise_target"]),
                     ("protected_rows", "approval: Art. 14, 15.1", data["protected_rows"]),
                     ("maybe_protected_rows", "wind unknown", data["maybe_protected_rows"])]
            if summary.no_datum_shift is not None:   # PROJ cannot shift the input's datum here
                rows.append(("no_datum_shift", summary.no_datum_shift["crs"], summary.no_datum_shift["datum"]))
            if summary.stations is not None:   # many stations
                rows += [("stations", "", data["stations"]), ("sun_reach_m", "", data["sun_reach_m"]),
                         ("no_station_rows", "", data["no_station_rows"]),
                         ("station_pairs", "(row, station) in reach", data["station_pairs"])]
            from .io.serialise import write_csv_frame

            write_csv_frame(pd.DataFrame(rows, columns=["metric", "key", "value"]), tmp)


def consent_cases(zone: np.ndarray, distance_m: np.ndarray, station: Any) -> np.ndarray:
    """The approval notice's case of screened rows, from their ``gz_zone`` and
    ``gz_distance_m`` [m] against ``station``, as
    :meth:`~geozones.core.engine.Assessment.consent_case` gives it for assessed rows:
    ``"inside"`` the protection area (a core or general zone), ``"maybe"`` (outside it, the
    prevailing wind unknown and within the upwind general zone's reach), else ``""``."""
    zone = np.asarray(zone, dtype=object)
    out = np.where(np.isin(zone, ["body", "protection", "control", "general"]), "inside", "").astype(object)
    if station.prevailing_wind_from_deg is None and station.general_upwind_m > station.general_m:
        with np.errstate(invalid="ignore"):
            near = np.asarray(distance_m, dtype=float) <= station.general_upwind_m + station.tolerance_m
        out[(zone == "outside") & near] = "maybe"
    return out


def _accumulate(summary: ScreenSummary, gz: pd.DataFrame, verdicts: dict, statuses: dict,
                residential: np.ndarray, floor_area: np.ndarray, pilot, ids: np.ndarray,
                zones: ZoneSet | StationNetwork, rows: np.ndarray | None = None,
                counts: dict[str, int] | None = None) -> None:
    """Add a chunk's screened rows ``gz`` to ``summary``; they are numbered after the rows
    counted so far, or by ``rows`` (each one's input position)."""
    number = (summary.rows + np.arange(len(gz))) if rows is None else np.asarray(rows, dtype=np.int64)
    summary.rows += len(gz)
    for k, v in gz["gz_verdict"].value_counts().items():
        verdicts[k] = verdicts.get(k, 0) + int(v)
    # every "error: ..." counted as "error": the text is rewritten once per distinct status
    codes, uniques = pd.factorize(gz["gz_status"])
    per_unique = np.bincount(codes[codes >= 0], minlength=len(uniques))
    chunk: dict[str, int] = {}
    for u, v in zip(uniques, per_unique.tolist()):
        k = re.sub(r"^error: .*", "error", u, flags=re.S)
        chunk[k] = chunk.get(k, 0) + int(v)
    for k, v in sorted(chunk.items(), key=lambda kv: -kv[1]):   # most frequent first
        statuses[k] = statuses.get(k, 0) + v
    is_error = np.array([u.startswith("error") for u in uniques], dtype=bool)
    exc = gz["gz_exceedance_m"].to_numpy(dtype=float)
    over = np.flatnonzero(exc > 0)
    if len(over) > 10:  # only rows that can be among the 10 worst (ties with the 10th kept)
        tenth = np.partition(exc[over], len(over) - 10)[len(over) - 10]
        over = over[exc[over] >= tenth]
    verdict = gz["gz_verdict"].to_numpy(dtype=object)
    for i in over:
        item = (float(exc[i]), int(number[i]), str(verdict[i]), str(ids[i]))
        if len(summary.worst) < 10:
            heapq.heappush(summary.worst, item)
        else:
            heapq.heappushpop(summary.worst, item)
    zone = gz["gz_zone"].to_numpy(dtype=object)
    if counts is not None:   # many stations: counted over every station in reach
        summary.protected_rows += counts["protected"]
        summary.maybe_protected_rows += counts["maybe_protected"]
        summary.no_station_rows += counts["no_station"]
        summary.station_pairs += counts["pairs"]
    else:
        cases = consent_cases(zone, gz["gz_distance_m"].to_numpy(dtype=float), zones.station)
        summary.protected_rows += int((cases == "inside").sum())
        summary.maybe_protected_rows += int((cases == "maybe").sum())
    err = np.flatnonzero(is_error[codes])
    summary.error_rows += len(err)
    err = err[np.argsort(number[err], kind="stable")]   # the first in the input first
    for i in err[: max(0, 20 - len(summary.errors))]:
        summary.errors.append((int(number[i]), gz["gz_status"].iloc[i], str(ids[i])))
    if pilot is not None:
        res = (residential & gz["gz_in_pilot"].to_numpy(dtype=bool)
               & ~np.isnan(gz["gz_storeys"].to_numpy(dtype=float)))
        if res.any():
            storeys = gz["gz_storeys"].to_numpy(dtype=float)[res]
            share, total = low_rise_share(floor_area[res], storeys, pilot.low_rise_storeys)
            summary.pilot_floor_area_m2 += total
            if share is not None:
                summary.pilot_low_rise_area_m2 += share * total
