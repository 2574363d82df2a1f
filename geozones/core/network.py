"""Many stations in one run: which stations can reach a proposal, and the governing result.

A proposal is assessed against every station that can *reach* it, each in its own station
frame; the stations that cannot are never measured. This module is the pure part of that:

* :func:`zone_reach_m`, :func:`sun_reach_m`, :func:`reach_m`: how far from its fence a
  station's rules can bind, read from the station's own rule rows;
* :class:`StationIndex`: the stations' reach boxes in WGS84 lon/lat in a shapely
  :class:`~shapely.STRtree`, queried with the proposals' boxes, so the cost of a chunk grows
  with the stations near it, not with all of them;
* :func:`govern`: the per-station results of the (proposal, station) pairs combined into
  the governing one per proposal: the worst verdict, the lowest permitted height, and the
  station that sets them.

Reach
-----
The zones and distance bands end at a fixed distance from the fence: the farthest ``band``
rule bound (``within``), the general zone (``general_extent_m``: 2000 m, or 5000 m upwind
when the prevailing wind is known) and, when the wind is unknown, the 2000-5000 m ring in
which the site may be upwind (review, Art. 11). The sun rule (Art. 12.3 ⑦) applies "at any
distance", but the 5° limit H ≤ D·tan 5° binds only where H > D·tan 5°: a proposal of known
height H is reached out to H / tan 5°, and one of unknown height out to the *sun reach*, a
setting (:data:`DEFAULT_SUN_REACH_M`, 10 km: the 5° limit there is 875 m, above any
structure in China — the Shanghai Tower is 632 m). Every station reaches at least that far
(the reach of a row of ordinary height is the same for all rows, so "stations in reach" and
"no station within N km" read the same for neighbouring rows), never beyond the station
file's ``[sun].sector_radius_m``. A sun-sector rule with another limit (forbid, fixed,
advise) binds at any distance: its station reaches the sector radius.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely
from pyproj import CRS

from .arrays import is_none
from .coords import project_xy
from .datums import datum_of, to_wgs84
from .station import Station

__all__ = ["DEFAULT_SUN_REACH_M", "zone_reach_m", "sun_reach_m", "reach_m", "StationIndex",
           "Governing", "govern", "lonlat_bounds", "join_ids", "locate", "StationsAssessment",
           "assess_stations", "take_inputs", "height_guess_m"]

#: Default distance from the fence out to which the sun rule is evaluated for rows of unknown
#: height: tan 5° × 10 km = 875 m, taller than any structure in China. [m]
DEFAULT_SUN_REACH_M = 10_000.0

#: Metres per degree of latitude, the smallest value (at the equator, GRS80: 110 574 m), so
#: a box in degrees made from metres is never too small. [m/deg]
_M_PER_DEG_LAT = 110_574.0
#: Metres per degree of longitude at the equator (GRS80). [m/deg]
_M_PER_DEG_LON = 111_320.0


def zone_reach_m(station: Station) -> float:
    """Farthest distance from the fence at which the station's zones or distance-band rules
    apply: band rules' ``within``, the general zone's extent, and the 'wind unknown' ring out
    to ``general_upwind_m``. [m]

    >>> from geozones.station import load_station
    >>> zone_reach_m(load_station())   # wind unknown: the 2000-5000 m review ring
    5000.0
    """
    reach = [station.general_extent_m]
    if station.prevailing_wind_from_deg is None:
        reach.append(station.general_upwind_m)
    reach += [r.within_m for r in station.rules if r.where == "band" and r.within_m is not None]
    return float(max(reach))


def _sun_slopes(station: Station) -> tuple[list[float], bool]:
    """The slopes (tan angle, or ratio) of the station's sun-sector height limits, and whether
    a sun-sector rule binds at any distance (forbid, fixed, advise)."""
    slopes: list[float] = []
    anywhere = False
    for r in station.rules:
        if r.where != "sun_sector":
            continue
        if r.limit == "angle":
            assert r.angle_deg is not None  # parse_rule: an angle limit has its angle
            slopes.append(math.tan(math.radians(r.angle_deg)))
        elif r.limit == "ratio":
            assert r.ratio is not None  # parse_rule: a ratio limit has its ratio
            slopes.append(float(r.ratio))
        else:
            anywhere = True
    return slopes, anywhere


def sun_reach_m(station: Station, height_m: np.ndarray, sun_reach: float = DEFAULT_SUN_REACH_M) -> np.ndarray:
    """Per row, how far from the fence the station's sun-sector rules can bind: at least
    ``sun_reach`` (rows of unknown height, and every row, see the module text), out to
    H / slope for a row of known height H, at most the sector radius; 0 without sun rules. [m]

    >>> from geozones.station import load_station
    >>> s = load_station()
    >>> sun_reach_m(s, np.array([np.nan, 100.0, 1000.0])).round(1).tolist()
    [10000.0, 10000.0, 11430.1]
    """
    h = np.asarray(height_m, dtype=float)
    slopes, anywhere = _sun_slopes(station)
    radius = station.sun_sector_radius_m
    if anywhere:
        return np.full(h.shape, radius)
    if not slopes:
        return np.zeros(h.shape)
    with np.errstate(invalid="ignore"):
        by_height = np.where(np.isnan(h), 0.0, h / min(slopes))
    return np.minimum(np.maximum(by_height, sun_reach), radius)


def reach_m(station: Station, height_m: np.ndarray, sun_reach: float = DEFAULT_SUN_REACH_M) -> np.ndarray:
    """Per row, the farthest distance from the fence at which any rule of the station can
    bind: the larger of :func:`zone_reach_m` and :func:`sun_reach_m`. [m]"""
    return np.maximum(zone_reach_m(station), sun_reach_m(station, height_m, sun_reach))


def _deg(metres: np.ndarray, lat_deg: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``metres`` as (Δlon, Δlat) degrees, never too small, at latitudes up to ``lat_deg``."""
    dlat = metres / _M_PER_DEG_LAT
    lat = np.minimum(np.abs(lat_deg) + dlat, 89.0)
    dlon = np.minimum(metres / (_M_PER_DEG_LON * np.cos(np.radians(lat))), 360.0)
    return dlon, dlat


_WGS84 = CRS.from_epsg(4326)


def lonlat_bounds(geoms: np.ndarray, crs: CRS, axis_order: str = "xy") -> np.ndarray:
    """Each geometry's bounding box in WGS84 lon/lat ``(n, 4)``: its own box's corners
    transformed (NaN for a missing, empty or untransformable geometry). [deg]

    The four corners of a parcel's box bound it to within metres in lon/lat; the station
    boxes carry a margin far larger (see :class:`StationIndex`)."""
    geoms = np.asarray(geoms, dtype=object)
    out = np.full((len(geoms), 4), np.nan)
    real = np.array([isinstance(g, shapely.Geometry) for g in geoms], dtype=bool)
    if not real.any():
        return out
    b = shapely.bounds(geoms[real])
    b = np.where(np.isfinite(b), b, np.nan)
    ok = ~np.isnan(b).any(axis=1)
    if axis_order == "yx":  # (northing, easting) given: swap to x first before transforming
        b = b[:, [1, 0, 3, 2]]
    x: np.ndarray = b[:, [0, 2, 0, 2]].ravel()
    y: np.ndarray = b[:, [1, 1, 3, 3]].ravel()
    datum = datum_of(crs)
    with np.errstate(all="ignore"):
        if datum is not None:   # GCJ-02/BD-09 numbers: to WGS84 first (as transform_geoms)
            x, y = to_wgs84(x, y, datum)
        x, y = project_xy(crs.to_wkt(), _WGS84.to_wkt(), x, y)
        x, y = np.asarray(x).reshape(-1, 4), np.asarray(y).reshape(-1, 4)
        x = _short_way(x)
        box = np.column_stack([x.min(axis=1), y.min(axis=1), x.max(axis=1), y.max(axis=1)])
    box[~ok] = np.nan
    box[~np.isfinite(box).all(axis=1)] = np.nan
    out[real] = box
    return out


def _short_way(lon: np.ndarray) -> np.ndarray:
    """Each row's longitudes ``(n, k)`` [deg] as one unbroken range the short way round: a
    row whose longitudes spread over more than half a turn lies across the antimeridian
    (179.99° and −179.99° are 0.02° apart), so its western ones move up by 360°. The
    result starts in [−180, 180) and may end beyond 180 (a box across the antimeridian)."""
    lon = np.asarray(lon, dtype=float)
    with np.errstate(invalid="ignore"):
        across = (lon.max(axis=1) - lon.min(axis=1)) > 180.0
    if not across.any():
        return lon
    lon = lon.copy()
    part = lon[across]
    lon[across] = np.where(part < 0.0, part + 360.0, part)
    with np.errstate(invalid="ignore"):
        high = lon.min(axis=1) >= 180.0
    lon[high] -= 360.0
    return lon


#: The station boxes and points are indexed three times, at their longitude and 360° either
#: side, so that a box across the antimeridian (a station at 179.9995°, a row at −179.9995°)
#: meets the box of every station it reaches, and "nearest" looks the short way round.
_TURNS = (0.0, -360.0, 360.0)


class StationIndex:
    """The stations' reach boxes in WGS84 lon/lat, in an STRtree (each also 360° either side:
    rows across the antimeridian meet the stations they reach, see :data:`_TURNS`).

    Station ``k``'s box is its field centre ± (the reach of a row of unknown height + the
    field's half diagonal + a margin of 1 % and 100 m), in degrees taken with the smallest
    metres per degree in the box, so the box holds every point the station can reach. A query
    widens a row's box by how much farther its known height lets a sun rule reach. The box
    test only picks candidates; whether a station reaches a row is then decided exactly from
    the distance measured in the station's frame (:func:`reach_m`).
    """

    def __init__(self, stations: tuple[Station, ...], sun_reach: float = DEFAULT_SUN_REACH_M) -> None:
        self.stations = tuple(stations)
        self.sun_reach_m = float(sun_reach)
        nan = np.array([np.nan])
        #: per station: the reach of a row of unknown height [m]
        self.base_reach_m = np.array([float(reach_m(s, nan, sun_reach)[0]) for s in self.stations])
        self.lon = np.array([s.longitude_deg for s in self.stations])
        self.lat = np.array([s.latitude_deg for s in self.stations])
        pad = np.array([s.field_size_m * math.sqrt(0.5) for s in self.stations])
        grown = self.base_reach_m * 1.01 + pad + 100.0
        dlon, dlat = _deg(grown, self.lat)
        self.boxes = shapely.box(self.lon - dlon, self.lat - dlat, self.lon + dlon, self.lat + dlat)
        self.tree = shapely.STRtree(np.concatenate([
            shapely.box(self.lon + t - dlon, self.lat - dlat, self.lon + t + dlon, self.lat + dlat) for t in _TURNS]))
        # rows taller than this may reach beyond a station's base reach (sun rule by height)
        slopes = [(_sun_slopes(s)[0] or [np.inf]) for s in self.stations]
        self._slope = np.array([min(sl) for sl in slopes])
        self._radius = np.array([s.sun_sector_radius_m for s in self.stations])
        with np.errstate(invalid="ignore"):
            self._tall_m = float(np.min(self.base_reach_m * self._slope)) if len(self.stations) else np.inf
        self._centre = np.cos(np.radians(np.mean(self.lat))) if len(self.stations) else 1.0
        self._points = shapely.points(self.lon * self._centre, self.lat)
        self._nearest_tree = shapely.STRtree(np.concatenate([
            shapely.points((self.lon + t) * self._centre, self.lat) for t in _TURNS]))

    def __len__(self) -> int:
        return len(self.stations)

    def extra_m(self, height_m: np.ndarray) -> np.ndarray:
        """How far beyond the stations' base reach a row of known height may be reached by a
        sun rule (H / slope, capped by the sector radius), the most over all stations. [m]"""
        h = np.asarray(height_m, dtype=float)
        out = np.zeros(h.shape)
        with np.errstate(invalid="ignore"):
            tall = np.flatnonzero(h > self._tall_m)
        if tall.size:
            with np.errstate(invalid="ignore", divide="ignore"):
                by_h = np.minimum(h[tall, None] / self._slope[None, :], self._radius[None, :])
            out[tall] = np.maximum(by_h - self.base_reach_m[None, :], 0.0).max(axis=1)
        return out

    def query(self, bounds_lonlat: np.ndarray, height_m: np.ndarray | None = None
              ) -> tuple[np.ndarray, np.ndarray]:
        """Candidate (row, station) pairs: the rows (boxes ``(n, 4)`` in lon/lat, NaN for none)
        whose box meets a station's reach box. Sorted by row, then station."""
        b = np.asarray(bounds_lonlat, dtype=float)
        ok = ~np.isnan(b).any(axis=1)
        if not ok.any() or not len(self.stations):
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        b = b[ok].copy()
        if height_m is not None:
            extra = self.extra_m(np.asarray(height_m, dtype=float)[ok])
            tall = extra > 0
            if tall.any():
                dlon, dlat = _deg(extra[tall], np.maximum(np.abs(b[tall, 1]), np.abs(b[tall, 3])))
                b[tall] += np.column_stack([-dlon, -dlat, dlon, dlat])
        rows_ok = np.flatnonzero(ok)
        pairs = self.tree.query(shapely.box(b[:, 0], b[:, 1], b[:, 2], b[:, 3]), predicate="intersects")
        rows, stations = rows_ok[pairs[0]], pairs[1] % len(self.stations)   # a copy: its station
        order = np.lexsort((stations, rows))
        rows, stations = rows[order], stations[order]
        once = np.ones(len(rows), dtype=bool)   # a wide box may meet two copies of one station's
        once[1:] = (rows[1:] != rows[:-1]) | (stations[1:] != stations[:-1])
        return rows[once].astype(np.int64), stations[once].astype(np.int64)

    def nearest(self, bounds_lonlat: np.ndarray) -> np.ndarray:
        """Per row, the station whose field centre is nearest its box centre (lon scaled by the
        cosine of the stations' mean latitude, the short way round the antimeridian; -1 for
        rows without a box)."""
        b = np.asarray(bounds_lonlat, dtype=float)
        out = np.full(len(b), -1, dtype=np.int64)
        ok = ~np.isnan(b).any(axis=1)
        if ok.any() and len(self.stations):
            pts = shapely.points((b[ok, 0] + b[ok, 2]) / 2 * self._centre, (b[ok, 1] + b[ok, 3]) / 2)
            idx = self._nearest_tree.query_nearest(pts, all_matches=False)
            out[np.flatnonzero(ok)[idx[0]]] = idx[1] % len(self.stations)
        return out


@dataclass
class Governing:
    """The governing result of n rows over their (row, station) pairs.

    pair : index into the pairs of the pair that governs each row (-1: no station in reach).
    max_height_m : the lowest permitted height over the row's pairs (NaN: none limits). [m]
    count : how many stations reach the row.
    """

    pair: np.ndarray
    max_height_m: np.ndarray
    count: np.ndarray


def govern(rows: np.ndarray, verdict_code: np.ndarray, max_height_m: np.ndarray,
           distance_m: np.ndarray, station: np.ndarray, n: int) -> Governing:
    """Combine per-station results into the governing one per row.

    The governing pair of a row has the worst verdict code; among equals the lowest permitted
    height (none last), then the nearest station (distance from its fence), then the first
    station. The permitted height is the lowest over all of the row's stations (a pass cannot
    have a lower limit than a height fail of known H: H ≤ L_pass and H > L_fail; it can only
    come from another station when the governing verdict carries no height, e.g. an advise
    rule).

    >>> g = govern(np.array([0, 0, 1]), np.array([1, 3, 2]), np.array([30.0, 8.75, np.nan]),
    ...            np.array([300.0, 100.0, 50.0]), np.array([0, 1, 0]), 3)
    >>> g.pair.tolist(), g.max_height_m.tolist()[:2], g.count.tolist()
    ([1, 2, -1], [8.75, nan], [2, 1, 0])
    """
    rows = np.asarray(rows, dtype=np.int64)
    mh = np.asarray(max_height_m, dtype=float)
    if len(rows) and (rows[1:] > rows[:-1]).all():   # one pair a row at most: it governs
        pair = np.full(n, -1, dtype=np.int64)
        pair[rows] = np.arange(len(rows))
        lowest = np.full(n, np.nan)
        lowest[rows] = mh
        count = np.zeros(n, dtype=np.int64)
        count[rows] = 1
        return Governing(pair, lowest, count)
    code = np.asarray(verdict_code, dtype=np.int64)
    d = np.asarray(distance_m, dtype=float)
    mh_key = np.where(np.isnan(mh), np.inf, mh)
    d_key = np.where(np.isnan(d), np.inf, d)
    order = np.lexsort((np.asarray(station), d_key, mh_key, -code, rows))
    pair = np.full(n, -1, dtype=np.int64)
    if len(rows):
        sorted_rows = rows[order]
        first = np.ones(len(order), dtype=bool)
        first[1:] = sorted_rows[1:] != sorted_rows[:-1]
        pair[sorted_rows[first]] = order[first]
    lowest = np.full(n, np.inf)
    np.minimum.at(lowest, rows, mh_key)
    count = np.bincount(rows, minlength=n).astype(np.int64)
    return Governing(pair, np.where(np.isinf(lowest), np.nan, lowest), count)


def join_ids(rows: np.ndarray, ids: np.ndarray, distance_m: np.ndarray, n: int, sep: str = ",") -> np.ndarray:
    """Per row, the ids of its pairs joined by ``sep``, nearest station first ("" for none).

    >>> join_ids(np.array([0, 0, 2]), np.array(["b", "a", "c"], dtype=object),
    ...          np.array([9.0, 1.0, 5.0]), 3).tolist()
    ['a,b', '', 'c']
    """
    out = np.full(n, "", dtype=object)
    if not len(rows):
        return out
    d = np.where(np.isnan(distance_m), np.inf, distance_m)
    order = np.lexsort((d, rows))
    r, names = np.asarray(rows)[order], np.asarray(ids, dtype=object)[order]
    count = np.bincount(r, minlength=n)
    single = count[r] == 1
    out[r[single]] = names[single]
    multi = ~single
    if multi.any():
        rm, nm = r[multi], names[multi]
        starts = np.flatnonzero(np.r_[True, rm[1:] != rm[:-1]])
        for s, e in zip(starts, np.r_[starts[1:], len(rm)]):
            out[rm[s]] = sep.join(nm[s:e])
    return out



def take_inputs(inputs: dict, index: np.ndarray, n: int) -> dict:
    """The :meth:`~geozones.core.proposals.Proposals.build` inputs of rows ``index`` (of
    ``n``): per-row arrays taken, single values kept."""
    return {k: v[index] if isinstance(v, np.ndarray) and v.shape == (n,) else v
            for k, v in inputs.items()}


def height_guess_m(inputs: dict, n: int, storey_height_m: float | None) -> np.ndarray:
    """Heights as far as the inputs tell them before the rows are read (height, else storeys
    × storey height, else the default), to widen the station query for very tall rows; NaN
    where unknown. [m]"""
    def number(v) -> float:
        try:
            return float(v)
        except (TypeError, ValueError, OverflowError):
            return np.nan

    def numbers(v):
        if v is None:
            return np.full(n, np.nan)
        arr = np.broadcast_to(np.asarray(v, dtype=object), (n,))
        try:
            return np.where(is_none(arr), np.nan, arr).astype(float)
        except (TypeError, ValueError, OverflowError):   # text among the numbers
            return np.fromiter(map(number, arr), dtype=float, count=n)

    h = numbers(inputs.get("height_m"))
    if storey_height_m is not None:
        h = np.where(np.isnan(h), numbers(inputs.get("floors")) * storey_height_m, h)
    if inputs.get("default_height_m") is not None:
        h = np.where(np.isnan(h), float(inputs["default_height_m"]), h)
    return h


def locate(index: StationIndex, geoms: np.ndarray, crs: CRS, axis_order: str, height_m: np.ndarray | None
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The candidate (row, station) pairs of ``geoms`` (the stations whose reach box each
    row's box meets, :meth:`StationIndex.query`) and each row's home station (the nearest;
    0 for a row without a position, read there to say why)."""
    n = len(geoms)
    home = np.zeros(n, dtype=np.int64)
    if len(index) == 1:   # nothing to prune: every row is read in the one frame anyway
        return np.arange(n, dtype=np.int64), np.zeros(n, dtype=np.int64), home
    bounds = lonlat_bounds(geoms, crs, axis_order)
    cand_rows, cand_st = index.query(bounds, height_m)
    # a row with one candidate station needs no nearest query
    one = np.bincount(cand_rows, minlength=n) == 1
    home[cand_rows[one[cand_rows]]] = cand_st[one[cand_rows]]
    ask = np.flatnonzero(~one)
    if ask.size:
        near = index.nearest(bounds[ask])
        home[ask] = np.where(near < 0, 0, near)
    return cand_rows, cand_st, home


@dataclass
class StationsAssessment:
    """n rows assessed against the stations that reach them: the (row, station) results,
    the governing one per row, and each row as read in its home station's frame.

    Per row (shape (n,)): ``ok`` (read and assessed), ``problems``, ``repaired``,
    ``source_geoms`` (the geometry as given; an unreadable one repaired), ``unreadable``,
    ``below_field``, ``height_missing``, ``dem_cells``, ``dem_nodata_cells``,
    ``effective_height_m`` [m], ``ground_m`` [m], ``kinds``, ``uses``, ``storeys``,
    ``in_pilot``, ``pilot_code`` (the pilot areas' verdict code, 0 where not assessed),
    ``floor_area_m2`` (footprint area × storeys [m²]).

    Per (row, station in reach) pair, rows of ``ok`` only: ``pair_row``, ``pair_station``,
    ``pair_code`` (the station's verdict code), ``pair_max_height_m`` [m],
    ``pair_distance_m`` [m], ``pair_zone``, ``pair_approval`` (in or possibly in its
    protection area), ``pair_maybe`` (possibly only: wind unknown), and where it came from:
    ``pair_part`` (index into ``parts``, the station assessments) and ``pair_index`` (the row
    in that assessment). ``pilot_parts``: ``(rows, Assessment)`` of the pilot rules per home
    station. ``governing``: :func:`govern` over the pairs.

    ``combined``: for a station given alone (not ``named``), the one assessment of every row
    against its rules and the pilot areas' (it is the only part, and every row's pilot part).
    ``as_read``: ``(rows, bounds)`` of rows whose geometry is the input's WKB unchanged and
    was never made a geometry object (``source_geoms`` None there), bounds as read.
    """

    n: int
    named: bool
    ok: np.ndarray
    problems: np.ndarray
    repaired: np.ndarray
    source_geoms: np.ndarray
    unreadable: np.ndarray
    below_field: np.ndarray
    height_missing: np.ndarray
    dem_cells: np.ndarray
    dem_nodata_cells: np.ndarray
    effective_height_m: np.ndarray
    ground_m: np.ndarray
    kinds: np.ndarray
    uses: np.ndarray
    storeys: np.ndarray
    in_pilot: np.ndarray
    pilot_code: np.ndarray
    floor_area_m2: np.ndarray
    pilot_parts: list
    parts: list
    pair_row: np.ndarray
    pair_station: np.ndarray
    pair_code: np.ndarray
    pair_max_height_m: np.ndarray
    pair_distance_m: np.ndarray
    pair_zone: np.ndarray
    pair_approval: np.ndarray
    pair_maybe: np.ndarray
    pair_part: np.ndarray
    pair_index: np.ndarray
    governing: Governing
    combined: object = None
    as_read: tuple | None = None

    def __len__(self) -> int:
        return self.n

    @property
    def verdict_code(self) -> np.ndarray:
        """Per row, the worst of the governing station's verdict and the pilot areas' (rule
        outcome codes: PASS, REVIEW, FAIL); 0 where not assessed."""
        code = self.pilot_code.astype(np.int64)
        has = self.governing.pair >= 0
        code[has] = np.maximum(code[has], self.pair_code[self.governing.pair[has]])
        return np.where(self.ok, code, 0).astype(np.int8)

    @property
    def max_height_m(self) -> np.ndarray:
        """Per row, the lowest permitted height over the stations in reach; NaN where none
        limits or the row was not assessed. [m]"""
        return np.where(self.ok, self.governing.max_height_m, np.nan)

    @property
    def distance_m(self) -> np.ndarray:
        """Per row, the distance from the governing station's fence; NaN for none. [m]"""
        out = np.full(self.n, np.nan)
        has = self.ok & (self.governing.pair >= 0)
        out[has] = self.pair_distance_m[self.governing.pair[has]]
        return out


def assess_stations(stations, geoms: np.ndarray, raw: np.ndarray | None, crs: CRS, axis_order: str,
                    inputs: dict) -> StationsAssessment:
    """Assess rows against the stations that reach them: one station given alone
    (a :class:`~geozones.core.engine.Zones`: it reaches every row) or many
    (``geozones.check.StationNetwork``).

    ``geoms``: geometries in ``crs`` and ``axis_order``, None where ``raw`` (WKB or WKT per
    row) holds the input still unread; ``inputs``: the other keyword arguments of
    :meth:`~geozones.core.proposals.Proposals.build` (one value or one per row).

    Each row meets only the stations whose reach box it touches
    (:meth:`StationIndex.query`); each assesses it in its own frame with its own rules and
    reaches it when the measured distance is within :func:`reach_m`. Rows are read
    (problems, repairs, DEM, pilot rules) once, in the frame of their home station (the
    nearest); the pilot rules are evaluated there once per row. A station given alone reads
    every row once and evaluates its rules and the pilot areas' in one pass.
    """
    from .engine import assess_proposals
    from .proposals import Proposals, repair_unreadable

    n = len(geoms)
    geoms = np.asarray(geoms, dtype=object)
    raw_arr = None if raw is None else np.asarray(raw, dtype=object)
    located = geoms
    unread = None if raw_arr is None else is_none(geoms) & ~is_none(raw_arr)
    if stations.named and raw_arr is not None and unread is not None and unread.any():
        # an unreadable geometry is repaired by Proposals.build: located as repaired
        located = geoms.copy()
        repair_unreadable(located, raw_arr, np.zeros(n, dtype=bool), np.full(n, None, dtype=object), unread)
    sh = inputs.get("storey_height_m")
    sh = stations.storey_height_m if sh is None else sh
    cand_rows, cand_st, home = stations.locate(located, crs, axis_order,
                                               height_guess_m(inputs, n, sh) if stations.named else None)

    ok = np.zeros(n, dtype=bool)
    problems = np.full(n, None, dtype=object)
    repaired = np.zeros(n, dtype=bool)
    unreadable = np.zeros(n, dtype=bool)
    source = np.full(n, None, dtype=object)
    below = np.zeros(n, dtype=bool)
    height_missing = np.zeros(n, dtype=bool)
    nodata = np.zeros(n, dtype=np.int64)
    cells = np.zeros(n, dtype=np.int64)
    eff_h = np.full(n, np.nan)
    ground = np.full(n, np.nan)
    kinds = np.full(n, None, dtype=object)
    uses = np.full(n, None, dtype=object)
    storeys = np.full(n, np.nan)
    in_pilot = np.zeros(n, dtype=bool)
    pilot_code = np.zeros(n, dtype=np.int8)
    floor_area = np.zeros(n)
    pilot_parts: list = []
    parts: list = []
    pairs: list[tuple] = []
    as_read = None
    combined = None
    # no rows: station 0 still gives the (empty) assessment
    for k in np.union1d(np.unique(cand_st), np.unique(home)).astype(int) if n else [0]:
        c_rows = cand_rows[cand_st == k]
        h_rows = np.flatnonzero(home == k)
        if len(h_rows) == n:   # every row at home here (its candidates are among them)
            p = Proposals.build(stations.zones(k), geoms, raw=raw_arr, crs=crs, axis_order=axis_order,
                                rings=not stations.named, **inputs)
            rows_k = h_rows
        else:
            rows_k = np.union1d(c_rows, h_rows)
            p = Proposals.build(stations.zones(k), geoms[rows_k], raw=None if raw_arr is None else raw_arr[rows_k],
                                crs=crs, axis_order=axis_order, rings=not stations.named,
                                **take_inputs(inputs, rows_k, n))
        if stations.named:
            pc = p.take(np.searchsorted(rows_k, c_rows))
            a = assess_proposals(stations.station_zones(k), pc)
            ph = p.take(np.searchsorted(rows_k, h_rows))
            pa = assess_proposals(stations.pilot_zones(k), ph)
        else:   # one station, every row at home: its rules and the pilot areas' in one pass
            pc = ph = p
            a = pa = combined = assess_proposals(stations.zones(k), p)
            as_read = p.as_read()
        if c_rows.size:
            with np.errstate(invalid="ignore"):
                reach = np.flatnonzero(a.ok & stations.reaches(k, a.measurements.distance_m, pc.effective_height_m))
            if reach.size:
                mu = a.measurements.maybe_upwind
                maybe = (np.zeros(len(a), dtype=bool) if mu is None
                         else np.asarray(mu, dtype=bool) & ~a.measurements.in_protected)
                pairs.append((c_rows[reach], np.full(reach.size, k, dtype=np.int64), a.station_verdict_code[reach],
                              a.max_height_m[reach], a.measurements.distance_m[reach], a.zone[reach],
                              a.in_protection_area()[reach], maybe[reach],
                              np.full(reach.size, len(parts), dtype=np.int64), reach))
                parts.append(a)
        if h_rows.size:
            ok[h_rows] = pa.ok
            problems[h_rows] = ph.problems
            repaired[h_rows] = ph.repaired
            source[h_rows] = ph.source_geoms
            if ph.unreadable is not None:
                unreadable[h_rows] = ph.unreadable
            if ph.below_field is not None:
                below[h_rows] = ph.below_field
            height_missing[h_rows] = ph.height_missing
            nodata[h_rows], cells[h_rows] = ph.dem_nodata_cells, ph.dem_cells
            eff_h[h_rows], ground[h_rows] = ph.effective_height_m, ph.ground_m
            kinds[h_rows], uses[h_rows] = ph.kinds, ph.uses
            storeys[h_rows] = pa.storeys
            in_pilot[h_rows] = pa.ok & pa.in_pilot
            pilot_code[h_rows] = pa.pilot_verdict_code
            floor_area[h_rows] = ph.footprint_area_m2() * pa.storeys
            pilot_parts.append((h_rows, pa))

    kinds_of = (np.int64, np.int64, np.int8, float, float, object, bool, bool, np.int64, np.int64)
    cols = [np.concatenate([pr[j] for pr in pairs]) if pairs else np.zeros(0, dtype=d)
            for j, d in enumerate(kinds_of)]
    keep = ok[cols[0]]          # pairs of rows read in their home frame
    cols = [c[keep] for c in cols]
    rows_p, st_p, code_p, max_p, dist_p, zone_p, approval_p, maybe_p, part_p, index_p = cols
    return StationsAssessment(
        n=n, named=stations.named, ok=ok, problems=problems, repaired=repaired, source_geoms=source,
        unreadable=unreadable, below_field=below, height_missing=height_missing, dem_cells=cells,
        dem_nodata_cells=nodata, effective_height_m=eff_h, ground_m=ground, kinds=kinds, uses=uses,
        storeys=storeys, in_pilot=in_pilot, pilot_code=pilot_code, floor_area_m2=floor_area,
        pilot_parts=pilot_parts, parts=parts, pair_row=rows_p, pair_station=st_p, pair_code=code_p,
        pair_max_height_m=max_p, pair_distance_m=dist_p, pair_zone=zone_p, pair_approval=approval_p,
        pair_maybe=maybe_p, pair_part=part_p, pair_index=index_p,
        governing=govern(rows_p, code_p, max_p, dist_p, st_p, n), combined=combined, as_read=as_read)
