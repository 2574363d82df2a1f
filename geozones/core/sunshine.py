"""Sun minutes hidden from the sunshine recorder by an obstacle (issue 27), pure and vectorised.

A :class:`SunTable` holds, for every minute of a reference year in which the centre of the sun
is above 0° apparent elevation, its apparent elevation and azimuth and whether the clear-sky
direct normal irradiance reaches WMO's sunshine threshold (120 W/m²). It is computed at the
edge (:mod:`geozones.sunshine`, pvlib's SPA and clear-sky models, cached); this module only
reads it.

An obstacle is its footprint in the station frame (metres east and north of the field centre)
extruded from the field ground to its top H. Seen from the recorder at height h at the field
centre, its angular height at azimuth A is::

    a(A) = atan((H − h) / d_near(A))

with d_near(A) the nearest crossing of the ray at A with the footprint's outline. A sun minute
at azimuth A and apparent elevation e is hidden when e < a(A). The minutes hidden are returned
as minutes of the year (so the minutes of several obstacles unite exactly), and
:func:`sun_figures` turns any set of them into the figures.

The bound :func:`sun_bound_clears` decides before any ray is cast, for many rows at once, the
rows that hide nothing: per 1° azimuth bin the lowest sun elevation of the table; a footprint's
bounding box (which holds the footprint, so its azimuth span and its angle are no smaller)
whose angle atan((H − h) / d_box) is at most the lowest elevation over its span hides nothing.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field

import numpy as np
import shapely

__all__ = ["SunTable", "SunFigures", "CLEAR_SKY_MODELS", "SUNSHINE_DNI_W_M2", "blocked_minutes",
           "blocked_minutes_many", "figures_by_row", "sun_figures", "added_minutes", "added_by_row",
           "sun_bound_clears", "minute_to_local"]

#: Clear-sky models the table may be computed with (pvlib.clearsky), the first the default.
CLEAR_SKY_MODELS: tuple[str, ...] = ("ineichen", "simplified_solis")
#: WMO's sunshine threshold on the direct normal irradiance (CIMO Guide, WMO-No. 8, 8.1.2). [W/m²]
SUNSHINE_DNI_W_M2 = 120.0
_BINS = 360
#: Clearing margin of the bound [deg]: angles within it of the lowest sun are computed exactly.
_MARGIN_DEG = 1e-9
#: :func:`blocked_minutes_many` counts rows seen below 20° in these bands of their box's angle,
#: each against the table's minutes below the band's top (below 6°: a few per cent of the
#: year); the others one by one. [deg]
_BANDS_DEG: tuple[float, ...] = (0.5, 1.0, 2.0, 3.0, 4.0, 6.0, 9.0, 13.0, 20.0)
#: Candidate (row, minute) pairs worked at a time by :func:`blocked_minutes_many` (memory).
_PAIRS = 1 << 21


@dataclass(frozen=True)
class SunTable:
    """The sun minutes of a reference year (sun centre above 0° apparent elevation), sorted by
    azimuth.

    Attributes
    ----------
    minute : ndarray of int32
        Minute of the year in local time (0: 1 January 00:00 at ``utc_offset_h``).
    elevation_deg : ndarray of float64
        Apparent elevation of the sun's centre, with refraction. [deg]
    azimuth_deg : ndarray of float64
        Azimuth, clockwise from true north, in [0, 360). [deg]
    sunshine : ndarray of bool
        Clear-sky direct normal irradiance ≥ 120 W/m² (WMO sunshine).
    year : int
        The reference year.
    utc_offset_h : float
        Local time zone of ``minute``. [h]
    """

    minute: np.ndarray
    elevation_deg: np.ndarray
    azimuth_deg: np.ndarray
    sunshine: np.ndarray
    year: int
    utc_offset_h: float = 8.0
    _bins: dict = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def build(cls, minute, elevation_deg, azimuth_deg, sunshine, year: int, utc_offset_h: float = 8.0
              ) -> SunTable:
        """A table from unsorted arrays; minutes at or below 0° apparent elevation are dropped."""
        minute = np.asarray(minute, dtype=np.int32)
        el = np.asarray(elevation_deg, dtype=np.float64)
        az = np.mod(np.asarray(azimuth_deg, dtype=np.float64), 360.0)
        keep = el > 0.0
        order = np.argsort(az[keep], kind="stable")
        return cls(minute[keep][order], el[keep][order], az[keep][order],
                   np.asarray(sunshine, dtype=bool)[keep][order], int(year), float(utc_offset_h))

    def __len__(self) -> int:
        return len(self.minute)

    @property
    def minutes_in_year(self) -> int:
        """Minutes of the reference year (525,600; 527,040 in a leap year)."""
        days = (_dt.date(self.year + 1, 1, 1) - _dt.date(self.year, 1, 1)).days
        return days * 1440

    @property
    def lowest_by_bin(self) -> np.ndarray:
        """Per 1° azimuth bin [k, k+1), the lowest sun elevation of the table; +inf where the sun
        never is. [deg]"""
        low = self._bins.get("low")
        if low is None:
            low = np.full(_BINS, np.inf)
            b = np.minimum(self.azimuth_deg.astype(np.int64), _BINS - 1)
            np.minimum.at(low, b, self.elevation_deg)
            self._bins["low"] = low
        return low

    @property
    def by_minute(self) -> np.ndarray:
        """The table's minutes in time order (sorted once)."""
        got = self._bins.get("by_minute")
        if got is None:
            got = self._bins["by_minute"] = np.sort(self.minute)
        return got

    @property
    def by_year(self) -> tuple[np.ndarray, np.ndarray]:
        """Per minute of the year: 1.0 where it is a sunshine minute of the table (else 0.0),
        and its month less one (0-11)."""
        got = self._bins.get("by_year")
        if got is None:
            n = self.minutes_in_year
            sunny = np.zeros(n)
            sunny[self.minute[self.sunshine]] = 1.0
            starts = np.array([(_dt.date(self.year, k, 1) - _dt.date(self.year, 1, 1)).days * 1440
                               for k in range(1, 13)])
            month = (np.searchsorted(starts, np.arange(n), side="right") - 1).astype(np.int64)
            got = self._bins["by_year"] = (sunny, month)
        return got

    def below(self, limit_deg: float) -> np.ndarray:
        """Rows of the table (still in azimuth order) with the sun below ``limit_deg``. [deg]"""
        key = ("below", limit_deg)
        got = self._bins.get(key)
        if got is None:
            got = self._bins[key] = np.flatnonzero(self.elevation_deg < limit_deg)
        return got

    @property
    def range_min(self) -> np.ndarray:
        """``(360, 361)``: the lowest elevation over ``length`` bins from bin ``start``, wrapped. [deg]"""
        rm = self._bins.get("range")
        if rm is None:
            low = self.lowest_by_bin
            rm = np.full((_BINS, _BINS + 1), np.inf)
            cur = np.full(_BINS, np.inf)
            for length in range(1, _BINS + 1):
                cur = np.minimum(cur, np.roll(low, -(length - 1)))
                rm[:, length] = cur
            self._bins["range"] = rm
        return rm


@dataclass(frozen=True)
class SunFigures:
    """What a set of hidden sun minutes costs the record.

    Attributes
    ----------
    sun_blocked_min_per_year : int
        Minutes of the reference year with the sun's centre above 0° hidden. [min]
    sunshine_loss_h_per_year : float
        The same minutes where the clear-sky DNI reaches 120 W/m², in hours. [h]
    minutes_by_month : tuple of int
        Hidden minutes per month, January first. [min]
    worst_month : int
        The month (1-12) with most hidden minutes; 0 when none.
    first_date, last_date : str
        The local dates (ISO) the blocking starts and ends: the first and last dates with a
        hidden minute, except that a blocking across the new year (hidden minutes on both
        31 December and 1 January, as behind an obstacle to the south in winter) starts on the
        first hidden date after the longest run of dates without and ends on the last hidden
        date before it, so ``first_date`` is then later in the year than ``last_date``; empty
        when none.
    earliest_time, latest_time : str
        The earliest and latest local clock time (HH:MM, UTC+8 at Jiangxian) hidden on any day;
        empty when none.
    days : int
        Days of the year with a hidden minute.
    covers_recorder : bool
        The footprint covers the recorder: every sun minute is counted hidden.
    """

    sun_blocked_min_per_year: int
    sunshine_loss_h_per_year: float
    minutes_by_month: tuple[int, ...]
    worst_month: int
    first_date: str
    last_date: str
    earliest_time: str
    latest_time: str
    days: int
    covers_recorder: bool = False

    def to_dict(self) -> dict:
        from dataclasses import asdict

        out = asdict(self)
        out["minutes_by_month"] = list(self.minutes_by_month)
        return out


def minute_to_local(year: int, minute: int) -> _dt.datetime:
    """The local date and time of minute ``minute`` of ``year`` (0: 1 January 00:00).

    Parameters
    ----------
    year : int
        The reference year.
    minute : int
        Minute of the year, local time.

    Returns
    -------
    datetime.datetime
        Its local date and time (naive: the table's ``utc_offset_h``).

    Examples
    --------
    >>> minute_to_local(2025, 1440 * 31 + 61).isoformat()
    '2025-02-01T01:01:00'
    """
    return _dt.datetime(year, 1, 1) + _dt.timedelta(minutes=int(minute))


def _flat_parts(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(parts, index of the geometry of each)``: the single parts (points, lines, polygons) of
    many geometries, collections flattened to the bottom (a repaired footprint, ``make_valid``'s
    ``GEOMETRYCOLLECTION (MULTIPOLYGON …, LINESTRING …)``, holds multi-part members, which one
    ``shapely.get_parts`` leaves whole)."""
    parts, owner = shapely.get_parts(np.asarray(geoms, dtype=object), return_index=True)
    multi = shapely.get_type_id(parts) >= 4
    if not multi.any():
        return parts, owner
    while multi.any():
        sub, k = shapely.get_parts(parts[multi], return_index=True)
        parts = np.concatenate([parts[~multi], sub])
        owner = np.concatenate([owner[~multi], owner[multi][k]])
        multi = shapely.get_type_id(parts) >= 4
    order = np.argsort(owner, kind="stable")
    return parts[order], owner[order]


def _segments(geom) -> np.ndarray:
    """``(k, 4)`` segments ``x0, y0, x1, y1`` of a geometry's outline (polygon rings, lines). [m]"""
    parts = []
    for g in _flat_parts(np.asarray([geom], dtype=object))[0]:
        lines = [g.exterior, *g.interiors] if g.geom_type == "Polygon" else \
            ([g] if g.geom_type in ("LineString", "LinearRing") else [])
        for ring in lines:
            xy = shapely.get_coordinates(ring)
            if len(xy) >= 2:
                parts.append(np.hstack([xy[:-1], xy[1:]]))
    return np.vstack(parts) if parts else np.empty((0, 4))


def _crossing(px, py, qx, qy, azimuth_deg) -> np.ndarray:
    """Distance along the ray from the origin at ``azimuth_deg`` to the segment p-q, element by
    element (broadcast); inf where the ray misses it or runs along it. [m]

    With u the ray's direction and e = q − p, t u = p + s e gives t = (p × e) / (u × e), the
    distance, and s = (p × u) / (u × e), the place on the segment (0 ≤ s ≤ 1)."""
    a = np.radians(azimuth_deg)
    ux, uy = np.sin(a), np.cos(a)
    ex, ey = qx - px, qy - py
    with np.errstate(divide="ignore", invalid="ignore"):
        den = ux * ey - uy * ex
        t = (px * ey - py * ex) / den
        s = (px * uy - py * ux) / den
        hit = (den != 0.0) & (s >= 0.0) & (s <= 1.0) & (t > 0.0)
    return np.where(hit, t, np.inf)


def _ray_hits(seg: np.ndarray, azimuth_deg: np.ndarray) -> np.ndarray:
    """``(m, k)``: distance along the ray at each azimuth to each segment (inf: missed). [m]"""
    az = np.asarray(azimuth_deg, dtype=float)[:, None]
    return _crossing(seg[:, 0][None, :], seg[:, 1][None, :], seg[:, 2][None, :], seg[:, 3][None, :], az)


def _span(seg: np.ndarray) -> tuple[float, float]:
    """``(start, width)`` of an arc of azimuths holding the outline ``seg``: the circle less
    the widest gap between its vertices' azimuths, unless an edge crosses that gap (a shape
    curling round the origin), then the whole circle. [deg]"""
    xy = np.vstack([seg[:, :2], seg[:, 2:]])          # both ends: a line's last vertex too
    az = np.sort(np.mod(np.degrees(np.arctan2(xy[:, 0], xy[:, 1])), 360.0))
    gaps = np.diff(np.append(az, az[0] + 360.0))
    k = int(np.argmax(gaps))
    mid = az[k] + gaps[k] / 2.0
    if np.isfinite(_ray_hits(seg, np.array([mid]))).any():
        return 0.0, 360.0
    start = az[(k + 1) % len(az)]
    return float(start), float(360.0 - gaps[k])


def _rows_in_span(table: SunTable, start: float, width: float) -> np.ndarray:
    """Rows of the table (sorted by azimuth) with azimuth in [start, start + width], wrapped."""
    az = table.azimuth_deg
    end = start + width
    if width >= 360.0:                  # the whole circle: every row once (north's rows not twice)
        return np.arange(len(az))
    if end < 360.0:
        return np.arange(np.searchsorted(az, start, "left"), np.searchsorted(az, end, "right"))
    return np.concatenate([np.arange(np.searchsorted(az, start, "left"), len(az)),
                           np.arange(0, np.searchsorted(az, end - 360.0, "right"))])


def blocked_minutes(table: SunTable, footprint, top_m: float, recorder_height_m: float = 1.5) -> np.ndarray:
    """The sun minutes an obstacle hides from the recorder: minutes of the year, sorted.

    Parameters
    ----------
    table : SunTable
        The sun minutes of the reference year.
    footprint : shapely geometry
        The footprint in the station frame (metres east and north of the field centre, where
        the recorder stands). [m]
    top_m : float
        Its top H above the observation-field ground. [m]
    recorder_height_m : float
        The recorder's height h above the field ground. [m]

    Returns
    -------
    ndarray of int32
        Minutes of the year (local time) in which the sun's centre, above 0° apparent
        elevation, is below atan((H − h) / d_near) at its azimuth. A footprint covering the
        recorder (d = 0) hides every sun minute of the table; a top at or below the recorder,
        a point or NaN hides none.

    Examples
    --------
    >>> t = SunTable.build([0, 1], [1.0, 3.0], [90.5, 90.5], [True, True], 2025)
    >>> blocked_minutes(t, shapely.box(100, -10, 110, 10), 1.5 + 100 * np.tan(np.radians(2))).tolist()
    [0]
    """
    dz = float(top_m) - float(recorder_height_m)
    if footprint is None or footprint.is_empty or not np.isfinite(dz) or dz <= 0.0 or len(table) == 0:
        return np.empty(0, dtype=np.int32)
    origin = shapely.Point(0.0, 0.0)
    d_min = float(shapely.distance(origin, footprint))
    if d_min <= 0.0:
        return np.sort(table.minute)
    seg = _segments(footprint)
    if len(seg) == 0:
        return np.empty(0, dtype=np.int32)
    start, width = _span(seg)
    seg = _outline_segments(np.array([footprint], dtype=object))[0]
    rows = _rows_in_span(table, start, width)
    top_angle = np.degrees(np.arctan2(dz, d_min))
    rows = rows[table.elevation_deg[rows] < top_angle]
    if len(rows) == 0:
        return np.empty(0, dtype=np.int32)
    d_near = _ray_hits(seg, table.azimuth_deg[rows]).min(axis=1)
    angle = np.degrees(np.arctan2(dz, d_near))
    blocked = table.elevation_deg[rows] < angle
    return np.sort(table.minute[rows[blocked]])


def sun_figures(table: SunTable, minutes: np.ndarray, covers_recorder: bool = False) -> SunFigures:
    """The figures of a set of hidden minutes (one obstacle's, or the union of several).

    Parameters
    ----------
    table : SunTable
        The table the minutes come from.
    minutes : array of int
        Minutes of the year hidden (duplicates count once).
    covers_recorder : bool
        Said in the figures (a footprint over the recorder).

    Returns
    -------
    SunFigures
        Hidden minutes [min], sunshine lost [h], per month [min], worst month, first and last
        dates, earliest and latest clock times.

    Examples
    --------
    >>> t = SunTable.build([600, 601, 602], [1.0, 2.0, 3.0], [90.0, 91.0, 92.0], [False, True, True], 2025)
    >>> f = sun_figures(t, [600, 601])
    >>> f.sun_blocked_min_per_year, round(f.sunshine_loss_h_per_year, 4), f.earliest_time, f.latest_time
    (2, 0.0167, '10:00', '10:01')
    """
    m = np.unique(np.asarray(minutes, dtype=np.int64))
    if len(m) == 0:
        return SunFigures(0, 0.0, (0,) * 12, 0, "", "", "", "", 0, covers_recorder)
    sorted_minutes = table.by_minute
    pos = np.minimum(np.searchsorted(sorted_minutes, m), len(sorted_minutes) - 1)
    m = m[sorted_minutes[pos] == m]                        # minutes of the table only
    if len(m) == 0:
        return SunFigures(0, 0.0, (0,) * 12, 0, "", "", "", "", 0, covers_recorder)
    sunny, month = table.by_year
    by_month = np.bincount(month[m], minlength=12)
    day = m // 1440
    clock = m % 1440
    first, last = _season(table, np.unique(day))
    return SunFigures(
        sun_blocked_min_per_year=len(m),
        sunshine_loss_h_per_year=float(sunny[m].sum()) / 60.0,
        minutes_by_month=tuple(int(v) for v in by_month),
        worst_month=int(np.argmax(by_month)) + 1,
        first_date=first,
        last_date=last,
        earliest_time=f"{int(clock.min()) // 60:02d}:{int(clock.min()) % 60:02d}",
        latest_time=f"{int(clock.max()) // 60:02d}:{int(clock.max()) % 60:02d}",
        days=len(np.unique(day)),
        covers_recorder=covers_recorder,
    )


def _season(table: SunTable, days: np.ndarray) -> tuple[str, str]:
    """The ISO dates a blocking on ``days`` (days of the year, sorted, at least one) starts and
    ends: the first and last, unless it runs across the new year (both the year's last and first
    days among them), then round the year from the end of its longest gap (see
    :class:`SunFigures`)."""
    n_days = table.minutes_in_year // 1440
    start, end = int(days[0]), int(days[-1])
    if days[0] == 0 and days[-1] == n_days - 1 and len(days) < n_days:
        k = int(np.argmax(np.diff(days)))           # the longest gap: from days[k] to days[k + 1]
        start, end = int(days[k + 1]), int(days[k])
    return (minute_to_local(table.year, start * 1440).date().isoformat(),
            minute_to_local(table.year, end * 1440).date().isoformat())


def _box_view(bounds: np.ndarray, dz: np.ndarray):
    """Per box not holding the origin: distance from the origin [m], azimuth span ``lo`` ≤ ``hi``
    (``hi − lo`` < 180, ``lo`` in [-180, 360)) and its angle atan(dz / d). [deg]"""
    x0, y0, x1, y1 = bounds.T
    dx = np.maximum(np.maximum(x0, -x1), 0.0)
    dy = np.maximum(np.maximum(y0, -y1), 0.0)
    d_box = np.hypot(dx, dy)
    cx, cy = np.stack([x0, x0, x1, x1], 1), np.stack([y0, y1, y0, y1], 1)
    centre = np.degrees(np.arctan2((x0 + x1) / 2, (y0 + y1) / 2))
    off = np.mod(np.degrees(np.arctan2(cx, cy)) - centre[:, None] + 180.0, 360.0) - 180.0
    lo = centre + off.min(axis=1)
    hi = centre + off.max(axis=1)
    return d_box, lo, hi, np.degrees(np.arctan2(dz, d_box))


def _outline_segments(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(segments (k, 4), geometry index of each)`` of many footprints' outlines that a ray
    from the origin can enter through (a line is its own outline, every segment kept). [m]

    A ray from outside a polygon first crosses its outline where it enters, through an edge
    with the origin on its outer side. A ring's orientation (the sign of its shoelace sum) and
    whether it is a shell or a hole say on which side of its edges the polygon lies; the edges
    with the origin on the other side, or on their line, are kept, the others (about half)
    cannot be the nearest."""
    parts, owner = _flat_parts(geoms)
    kind = shapely.get_type_id(parts)
    poly = kind == 3
    rings, ring_part = shapely.get_rings(parts[poly], return_index=True)
    shell = np.ones(len(rings), dtype=bool)
    shell[1:] = ring_part[1:] != ring_part[:-1]
    xy, r = shapely.get_coordinates(rings, return_index=True)
    same = r[1:] == r[:-1]
    x0, y0, x1, y1 = xy[:-1, 0][same], xy[:-1, 1][same], xy[1:, 0][same], xy[1:, 1][same]
    r = r[:-1][same]
    ccw = np.bincount(r, weights=x0 * y1 - x1 * y0, minlength=len(rings)) > 0.0
    inside_left = ccw == shell                      # the polygon on the left of the ring's edges
    side = (y1 - y0) * x0 - (x1 - x0) * y0          # > 0: the origin on an edge's left
    keep = np.where(inside_left[r], side <= 0.0, side >= 0.0)
    seg = np.column_stack([x0, y0, x1, y1])[keep]
    own = owner[poly][ring_part[r[keep]]]
    lines = np.isin(kind, (1, 2))                   # LineString, LinearRing: every segment
    if lines.any():
        lxy, li = shapely.get_coordinates(parts[lines], return_index=True)
        ls = li[1:] == li[:-1]
        seg = np.vstack([seg, np.hstack([lxy[:-1][ls], lxy[1:][ls]])])
        own = np.concatenate([own, owner[lines][li[:-1][ls]]])
    return seg, own


def blocked_minutes_many(table: SunTable, geoms: np.ndarray, top_m: np.ndarray,
                         recorder_height_m: float = 1.5, *, ordered: bool = True
                         ) -> tuple[np.ndarray, np.ndarray]:
    """:func:`blocked_minutes` of many footprints at once: the (row, minute) pairs hidden.

    Rows whose box is seen below 20° are counted together, in bands of that angle, against
    the table's minutes below the band's top in their boxes' azimuth spans (the exact ray
    test per pair, through the edges a ray can enter by); the others (near and tall, or over
    the recorder: few) one by one. Equal to :func:`blocked_minutes` row by row.

    Parameters
    ----------
    table : SunTable
        The sun minutes of the reference year.
    geoms : ndarray of shapely geometry, shape (n,)
        Footprints in the station frame (None: none). [m]
    top_m : ndarray, shape (n,)
        Their tops above the field ground (NaN: none). [m]
    recorder_height_m : float
        The recorder's height above the field ground. [m]
    ordered : bool
        Sort the pairs by row then minute (False: in no order, for :func:`figures_by_row`).

    Returns
    -------
    tuple of ndarray
        ``(rows, minutes)``: for each hidden minute its row (position in ``geoms``) and its
        minute of the year, by row then minute.

    Examples
    --------
    >>> t = SunTable.build([0, 1], [1.0, 3.0], [90.5, 90.5], [True, True], 2025)
    >>> g = np.array([shapely.box(100, -10, 110, 10), shapely.box(-110, -10, -100, 10)])
    >>> [a.tolist() for a in blocked_minutes_many(t, g, np.array([5.0, 50.0]))]
    [[0], [0]]
    """
    geoms = np.asarray(geoms, dtype=object)
    dz = np.asarray(top_m, dtype=float) - float(recorder_height_m)
    out_rows: list[np.ndarray] = []
    out_min: list[np.ndarray] = []
    live = np.flatnonzero(~shapely.is_missing(geoms) & np.isfinite(dz) & (dz > 0.0))
    live = live[~shapely.is_empty(geoms[live])] if len(live) else live
    if not len(live) or not len(table):
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int32)
    d_box, lo, hi, angle = _box_view(shapely.bounds(geoms[live]), dz[live])
    low = (d_box > 0.0) & (angle < _BANDS_DEG[-1])
    for k in live[~low]:                                  # near and tall: one by one
        m = blocked_minutes(table, geoms[k], float(top_m[k]), recorder_height_m)
        out_rows.append(np.full(len(m), k, dtype=np.int64))
        out_min.append(m)
    rows, lo, hi, angle = live[low], lo[low], hi[low], angle[low]
    seg, owner = _outline_segments(geoms[rows])
    order = np.argsort(owner, kind="stable")
    seg, owner = seg[order], owner[order]
    seg_first = np.searchsorted(owner, np.arange(len(rows)))
    seg_count = np.searchsorted(owner, np.arange(len(rows)), "right") - seg_first
    dz_rows = dz[rows]
    band = np.searchsorted(np.asarray(_BANDS_DEG), angle, "right")
    for b_i, limit in enumerate(_BANDS_DEG):
        mine = np.flatnonzero(band == b_i)
        if len(mine):
            r, m = _low_rows(table, table.below(limit), mine, lo[mine], hi[mine], angle, dz_rows,
                             seg, seg_first, seg_count)
            out_rows.append(rows[r])
            out_min.append(m)
    r = np.concatenate(out_rows)
    m = np.concatenate(out_min)
    if not ordered:
        return r, m
    o = np.lexsort((m, r))
    return r[o], m[o]


def _low_rows(table: SunTable, sub: np.ndarray, mine: np.ndarray, lo: np.ndarray, hi: np.ndarray,
              angle: np.ndarray, dz: np.ndarray, seg: np.ndarray, seg_first: np.ndarray,
              seg_count: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The hidden (row, minute) pairs of rows ``mine`` against the table rows ``sub`` (sorted
    by azimuth): candidates in each row's azimuth span below its box angle, then the ray test."""
    sub_az = table.azimuth_deg[sub]
    start = np.mod(lo, 360.0)
    end = start + (hi - lo)
    wrap = end >= 360.0                                    # a span across north is two ranges
    r_of = np.concatenate([mine, mine[wrap]])
    a = np.concatenate([start, np.zeros(int(wrap.sum()))])
    b = np.concatenate([np.where(wrap, 360.0, end), end[wrap] - 360.0])
    first = np.searchsorted(sub_az, a, "left")
    count = np.searchsorted(sub_az, b, "right") - first
    cum = np.cumsum(count)
    out_r, out_m = [np.empty(0, dtype=np.int64)], [np.empty(0, dtype=np.int32)]
    done = 0
    while done < len(r_of):
        stop = max(int(np.searchsorted(cum, (cum[done - 1] if done else 0) + _PAIRS, "right")), done + 1)
        rr, f, c = r_of[done:stop], first[done:stop], count[done:stop]
        done = stop
        total = int(c.sum())
        if not total:
            continue
        pr = np.repeat(rr, c)
        trow = sub[np.arange(total) - np.repeat(np.cumsum(c) - c - f, c)]
        el = table.elevation_deg[trow]
        keep = el < angle[pr]
        pr, trow, el = pr[keep], trow[keep], el[keep]
        sc = seg_count[pr]
        has = sc > 0
        pr, trow, el, sc = pr[has], trow[has], el[has], sc[has]
        if not len(pr):
            continue
        ends = np.cumsum(sc)
        e = np.arange(int(ends[-1])) - np.repeat(ends - sc - seg_first[pr], sc)
        se = seg[e]
        t = _crossing(se[:, 0], se[:, 1], se[:, 2], se[:, 3], np.repeat(table.azimuth_deg[trow], sc))
        d_near = np.minimum.reduceat(t, ends - sc)
        hidden = el < np.degrees(np.arctan2(dz[pr], d_near))
        out_r.append(pr[hidden])
        out_m.append(table.minute[trow[hidden]])
    return np.concatenate(out_r), np.concatenate(out_m)


def figures_by_row(table: SunTable, rows: np.ndarray, minutes: np.ndarray, n: int
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per row, the figures of its hidden minutes (pairs of :func:`blocked_minutes_many`).

    Parameters
    ----------
    table : SunTable
        The table the minutes come from.
    rows, minutes : ndarray
        The (row, minute of the year) pairs, each pair once.
    n : int
        Rows.

    Returns
    -------
    tuple of ndarray, shape (n,)
        Minutes hidden per year [min], sunshine hours lost per year [h] and the worst month
        (1-12; 0 where nothing is hidden).
    """
    rows = np.asarray(rows, dtype=np.int64)
    sunny, month = table.by_year
    minutes = np.asarray(minutes, dtype=np.int64)
    count = np.bincount(rows, minlength=n).astype(float)
    hours = np.bincount(rows, weights=sunny[minutes], minlength=n) / 60.0
    by_month = np.bincount(rows * 12 + month[minutes], minlength=n * 12).reshape(n, 12)
    worst = np.where(count > 0, np.argmax(by_month, axis=1) + 1, 0)
    return count, hours, worst


def sun_bound_clears(table: SunTable, bounds: np.ndarray, top_m: np.ndarray,
                     recorder_height_m: float = 1.5) -> np.ndarray:
    """Rows certainly hiding no sun minute, decided from their bounding boxes alone.

    Parameters
    ----------
    table : SunTable
        The sun minutes of the reference year.
    bounds : ndarray, shape (n, 4)
        ``minx, miny, maxx, maxy`` of each footprint in the station frame (NaN: none). [m]
    top_m : ndarray, shape (n,)
        Each top H above the field ground (NaN: none). [m]
    recorder_height_m : float
        The recorder's height above the field ground. [m]

    Returns
    -------
    ndarray of bool, shape (n,)
        True where the box's angle atan((H − h) / d_box) is at most the lowest sun elevation
        in the 1° bins its azimuths touch (or H ≤ h, or no footprint or top): nothing hidden.
        False where :func:`blocked_minutes` must decide (a box over the recorder among them).

    Examples
    --------
    >>> t = SunTable.build([0], [10.0], [180.5], [True], 2025)
    >>> sun_bound_clears(t, np.array([[-5., -110, 5, -100], [-5., 100, 5, 110]]), np.array([30., 30.])).tolist()
    [False, True]
    """
    b = np.asarray(bounds, dtype=float).reshape(-1, 4)
    dz = np.asarray(top_m, dtype=float) - float(recorder_height_m)
    n = len(b)
    clear = np.ones(n, dtype=bool)
    live = np.isfinite(b).all(axis=1) & np.isfinite(dz) & (dz > 0.0)
    if not live.any():
        return clear
    d_box, lo, hi, angle = _box_view(b[live], dz[live])
    first = np.floor(lo).astype(np.int64)
    length = np.clip(np.floor(hi).astype(np.int64) - first + 1, 1, _BINS)
    lowest = table.range_min[np.mod(first, _BINS), length]
    ok = (d_box > 0.0) & (angle < lowest - _MARGIN_DEG)
    clear[live] = ok
    return clear


def added_minutes(own: np.ndarray, approved: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """What a proposal adds to the approved obstacles' hidden minutes, and the cumulative set:
    sets of minutes, so a minute two obstacles hide counts once.

    Parameters
    ----------
    own : array of int
        The minutes of the year the proposal hides.
    approved : array of int
        The union of the minutes the approved obstacles hide.

    Returns
    -------
    tuple of ndarray of int64
        ``(added, cumulative)``: own \\ approved and approved ∪ own, sorted.

    Examples
    --------
    >>> [a.tolist() for a in added_minutes(np.array([3, 4, 5]), np.array([1, 4]))]
    [[3, 5], [1, 3, 4, 5]]
    """
    own = np.asarray(own, dtype=np.int64)
    approved = np.asarray(approved, dtype=np.int64)
    return np.setdiff1d(own, approved), np.union1d(approved, own)


def added_by_row(rows: np.ndarray, minutes: np.ndarray, approved: np.ndarray, n: int) -> np.ndarray:
    """Per row, how many of its hidden minutes (pairs of :func:`blocked_minutes_many`, each
    once) the approved obstacles do not hide already: :func:`added_minutes` of every row at once.

    Parameters
    ----------
    rows, minutes : ndarray
        The (row, minute of the year) pairs.
    approved : ndarray of int
        The union of the approved obstacles' minutes (sorted or not).
    n : int
        Rows.

    Returns
    -------
    ndarray of int64, shape (n,)
        Minutes added per row. [min]

    Examples
    --------
    >>> added_by_row(np.array([0, 0, 1]), np.array([3, 4, 4]), np.array([1, 4]), 3).tolist()
    [1, 0, 0]
    """
    rows = np.asarray(rows, dtype=np.int64)
    new = ~np.isin(np.asarray(minutes, dtype=np.int64), np.asarray(approved, dtype=np.int64))
    return np.bincount(rows[new], minlength=n)
