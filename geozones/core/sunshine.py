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
           "sun_figures", "sun_bound_clears", "minute_to_local"]

#: Clear-sky models the table may be computed with (pvlib.clearsky), the first the default.
CLEAR_SKY_MODELS: tuple[str, ...] = ("ineichen", "simplified_solis")
#: WMO's sunshine threshold on the direct normal irradiance (CIMO Guide, WMO-No. 8, 8.1.2). [W/m²]
SUNSHINE_DNI_W_M2 = 120.0
_BINS = 360
#: Clearing margin of the bound [deg]: angles within it of the lowest sun are computed exactly.
_MARGIN_DEG = 1e-9


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
    def by_minute(self) -> tuple[np.ndarray, np.ndarray]:
        """``(minutes, sunshine)`` in time order (sorted once)."""
        got = self._bins.get("by_minute")
        if got is None:
            order = np.argsort(self.minute, kind="stable")
            got = self._bins["by_minute"] = (self.minute[order], self.sunshine[order])
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
        The first and last local dates (ISO) with a hidden minute; empty when none.
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

    >>> minute_to_local(2025, 1440 * 31 + 61).isoformat()
    '2025-02-01T01:01:00'
    """
    return _dt.datetime(year, 1, 1) + _dt.timedelta(minutes=int(minute))


def _segments(geom) -> np.ndarray:
    """``(k, 4)`` segments ``x0, y0, x1, y1`` of a geometry's outline (polygon rings, lines). [m]"""
    parts = []
    for g in shapely.get_parts(np.asarray([geom], dtype=object)):
        lines = [g.exterior, *g.interiors] if g.geom_type == "Polygon" else \
            ([g] if g.geom_type in ("LineString", "LinearRing") else [])
        for ring in lines:
            xy = shapely.get_coordinates(ring)
            if len(xy) >= 2:
                parts.append(np.hstack([xy[:-1], xy[1:]]))
    return np.vstack(parts) if parts else np.empty((0, 4))


def _ray_hits(seg: np.ndarray, azimuth_deg: np.ndarray) -> np.ndarray:
    """``(m, k)``: distance along the ray at each azimuth to each segment it crosses (inf where
    it does not). [m]"""
    a = np.radians(np.asarray(azimuth_deg, dtype=float))
    ux, uy = np.sin(a)[:, None], np.cos(a)[:, None]
    px, py = seg[:, 0][None, :], seg[:, 1][None, :]
    ex, ey = (seg[:, 2] - seg[:, 0])[None, :], (seg[:, 3] - seg[:, 1])[None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        den = ux * ey - uy * ex                      # u × e
        t = (px * ey - py * ex) / den                # (p × e) / (u × e): distance along the ray
        s = (px * uy - py * ux) / den                # (p × u) / (u × e): place on the segment
        hit = (den != 0.0) & (s >= 0.0) & (s <= 1.0) & (t > 0.0)
    return np.where(hit, t, np.inf)


def _span(seg: np.ndarray) -> tuple[float, float]:
    """``(start, width)`` of an arc of azimuths holding the outline ``seg``: the circle less
    the widest gap between its vertices' azimuths, unless an edge crosses that gap (a shape
    curling round the origin), then the whole circle. [deg]"""
    xy = seg[:, :2]
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
    sorted_minutes, sorted_sunny = table.by_minute
    pos = np.searchsorted(sorted_minutes, m)
    pos = np.minimum(pos, len(sorted_minutes) - 1)
    known = sorted_minutes[pos] == m
    m, pos = m[known], pos[known]
    sunny = sorted_sunny[pos]
    day = m // 1440
    starts = np.array([(_dt.date(table.year, k, 1) - _dt.date(table.year, 1, 1)).days for k in range(1, 13)])
    month = np.searchsorted(starts, day, side="right")        # 1 .. 12
    by_month = np.bincount(month, minlength=13)[1:13]
    clock = m % 1440
    if len(m) == 0:
        return SunFigures(0, 0.0, (0,) * 12, 0, "", "", "", "", 0, covers_recorder)
    first, last = minute_to_local(table.year, int(m[0])), minute_to_local(table.year, int(m[-1]))
    return SunFigures(
        sun_blocked_min_per_year=int(len(m)),
        sunshine_loss_h_per_year=float(sunny.sum()) / 60.0,
        minutes_by_month=tuple(int(v) for v in by_month),
        worst_month=int(np.argmax(by_month)) + 1,
        first_date=first.date().isoformat(),
        last_date=last.date().isoformat(),
        earliest_time=f"{int(clock.min()) // 60:02d}:{int(clock.min()) % 60:02d}",
        latest_time=f"{int(clock.max()) // 60:02d}:{int(clock.max()) % 60:02d}",
        days=int(len(np.unique(day))),
        covers_recorder=covers_recorder,
    )


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
    bb = b[live]
    x0, y0, x1, y1 = bb.T
    dx = np.maximum(np.maximum(x0, -x1), 0.0)
    dy = np.maximum(np.maximum(y0, -y1), 0.0)
    d_box = np.hypot(dx, dy)
    cx, cy = np.stack([x0, x0, x1, x1], 1), np.stack([y0, y1, y0, y1], 1)
    centre = np.degrees(np.arctan2((x0 + x1) / 2, (y0 + y1) / 2))
    off = np.mod(np.degrees(np.arctan2(cx, cy)) - centre[:, None] + 180.0, 360.0) - 180.0
    lo = centre + off.min(axis=1)
    hi = centre + off.max(axis=1)
    first = np.floor(lo).astype(np.int64)
    length = np.clip(np.floor(hi).astype(np.int64) - first + 1, 1, _BINS)
    lowest = table.range_min[np.mod(first, _BINS), length]
    angle = np.degrees(np.arctan2(dz[live], d_box))
    ok = (d_box > 0.0) & (angle < lowest - _MARGIN_DEG)
    clear[live] = ok
    return clear
