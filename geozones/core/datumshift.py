"""Could reading the same numbers in another datum change a verdict or a permitted height?

Without a CRS, lon/lat numbers are read as WGS84, and ``check``/``screen`` also read them as
GCJ-02 and BD-09 to say how many rows would get another verdict, or another permitted height,
if that were what the numbers are. Reading every row three times would triple a screen; most
rows are settled without the work, and the rest are read again in full or, above a budget,
in a random sample whose estimate says its error.

**The shift of a row.** The second reading moves each vertex, in the station frame, by the
offset between the two readings at that vertex. :func:`row_shift_m` measures it at one point
per row (its frame bounding box's centre, read both ways) and bounds the rest: the offset
field changes by at most :data:`OFFSET_SLOPE` metres per metre (measured over mainland China,
checked in ``tests/test_core_datumshift.py``), so every vertex, and so every point of the
footprint (a point of an edge is a mix of its two ends), moves by at most
``s = shift(centre) + slope × half-diagonal`` [m], and every distance the rules use (D to the
fence, D to the part in a sun sector) changes by at most ``s``.

**Settled rows.** :func:`verdict_may_change` is False for a row only when both its verdict and
its permitted height provably stay:

* D is farther than ``s`` (plus a margin) from every threshold of the rule rows and zones,
  so every band, zone and "beyond" test gives the same answer;
* the footprint's bounding box is farther than the margin from the lines of every sector
  edge (sun sectors, the upwind sector) and from the sun sectors' arc, so it stays wholly
  inside or wholly outside each sector (then D_sun = D or none, before and after);
* the footprint is in no pilot area and its grown bounding box meets no pilot boundary's;
* no DEM (the ground under the moved footprint would change the height), no repair;
* the rules give the same verdict and the same permitted height at D − margin and at
  D + margin: with the tests above fixed, every rule's limit can only rise as its distance
  grows, so the verdict and the permitted height over the whole range lie between those two.

**The open rows** (the others) are read again in full: every vertex converted from the datum
to WGS84 and assessed (:func:`datum_changes`), exactly when there are at most ``sample`` of
them, else a simple random sample of ``sample`` rows, whose share of changed rows, times the
open rows, estimates the count (:class:`DatumChange`: the estimate and its variance, which
add up over chunks). ``check`` (one row) is always exact; ``screen`` reads at most
:data:`SAMPLE_SHARE` of a chunk's rows again per datum (at least :data:`SAMPLE_MIN`).

A permitted height counts as changed when it differs by :data:`HEIGHT_SAME_M` or more (the
precision of ``gz_max_height_m``), or is limited in one reading and not in the other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .arrays import is_none
from .kinds import HEIGHT_KINDS, is_member
from .rules import evaluate

__all__ = ["row_shift_m", "verdict_may_change", "MARGIN_M", "OFFSET_SLOPE", "EDGE_M", "GRID_M", "SAMPLE_SHARE", "SAMPLE_MIN",
           "HEIGHT_SAME_M", "same_height", "DatumChange", "datum_changes", "sample_size"]

#: Added to the bounded shift: float noise, and the chords of drawn zone arcs (the upwind
#: area is a polygon whose arcs lie within 0.4 m of the circles at 5 km). [m]
MARGIN_M = 1.0
#: How fast the offset between the WGS84 reading and each datum's can change from one point
#: to another, in metres per metre: the steepest slope measured inside the box where the
#: offsets apply (GCJ-02 0.0086, BD-09 0.041, whose ripple is short), doubled; none holds
#: near the box's edge, where the offsets stop. ``tests/test_core_datumshift.py``
#: measures it again. [m/m]
OFFSET_SLOPE: dict[str, float] = {"GCJ-02": 0.02, "BD-09": 0.08}
#: Within this of the edge of the box where the offsets apply, their inverse jumps (the
#: WGS84 point of numbers just inside the box may lie outside it, where no offset is): no
#: slope holds there, and rows that reach it get no bound. [m]
EDGE_M = 3000.0
#: The side of the frame's grid cells at whose centres :func:`row_shift_m` measures the
#: move (bounded from there to every row of the cell by :data:`OFFSET_SLOPE`). [m]
GRID_M = 500.0
#: ``screen`` reads at most this share of a chunk's rows again per datum; above it, a sample.
SAMPLE_SHARE = 0.005
#: ... and never fewer rows than this (a chunk of 12,500 rows: 63 per datum).
SAMPLE_MIN = 50
#: Permitted heights closer than this are the same (``gz_max_height_m`` has 2 decimals). [m]
HEIGHT_SAME_M = 0.005


def sample_size(rows: int) -> int:
    """Rows of a chunk of ``rows`` that ``screen`` reads again per datum, at most:
    :data:`SAMPLE_SHARE` of them, at least :data:`SAMPLE_MIN`.

    >>> sample_size(12_500), sample_size(1_000)
    (63, 50)
    """
    return max(SAMPLE_MIN, int(np.ceil(SAMPLE_SHARE * rows)))


def row_shift_m(a, rows: np.ndarray, crs, others) -> np.ndarray:
    """Per other CRS and row of ``rows`` (shape ``(len(others), len(rows))``), a bound on
    how far any vertex of the row moves in the station frame when its numbers, read in
    ``crs`` (WGS84 lon/lat, in either axis order), are read in that other CRS instead
    (a :class:`~geozones.core.datums.DatumCRS`) [m]. Inf where a reading fails or the row has
    no footprint.

    The move is measured at the centre ``q`` of the :data:`GRID_M` cell of the frame that
    holds the row's bounding-box centre ``c``, and bounded for every vertex ``v`` as
    ``move(q) + slope × (|c − q| + half-diagonal)`` (:data:`OFFSET_SLOPE`; ``|v − q| ≤
    |v − c| + |c − q|``): one measurement per cell, not per row or vertex. A row that may
    reach within :data:`EDGE_M` of the edge of :data:`~geozones.core.datums.CHINA_BOUNDS`,
    where the offsets stop, gets no bound (inf).

    ``a`` is the rows' :class:`~geozones.core.engine.Assessment` (its frame bounds)."""
    from .coords import transform_xy
    from .datums import _M_PER_DEG, CHINA_BOUNDS, datum_of

    frame = a.zones.frame.crs
    b = a.proposals.frame_bounds()[rows]
    out = np.full((len(others), len(rows)), np.inf)
    with np.errstate(invalid="ignore"):
        cx, cy = (b[:, 0] + b[:, 2]) / 2, (b[:, 1] + b[:, 3]) / 2
        half = np.hypot(b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]) / 2
        good = np.flatnonzero(np.isfinite(cx) & np.isfinite(cy) & np.isfinite(half))
    if not good.size:
        return out
    ix, iy = np.floor(cx[good] / GRID_M).astype(np.int64), np.floor(cy[good] / GRID_M).astype(np.int64)
    keys, cell = np.unique((ix << 32) + (iy & 0xFFFFFFFF), return_inverse=True)   # one int per cell
    qx, qy = ((keys >> 32) + 0.5) * GRID_M, (((keys & 0xFFFFFFFF) ^ 0x80000000) - 0x80000000 + 0.5) * GRID_M
    reach = np.hypot(cx[good] - qx[cell], cy[good] - qy[cell]) + half[good]
    # the cells' moves, measured once per process: the numbers the file would hold at each
    # cell centre (x first), then read in each datum
    datums = [str(datum_of(o)) for o in others]
    memo = _MOVES.setdefault((frame.to_wkt(), crs.to_wkt(), tuple(datums)), {})
    known = np.fromiter((k in memo for k in keys.tolist()), dtype=bool, count=len(keys))
    if not known.all():
        new = np.flatnonzero(~known)
        lon, lat = transform_xy(qx[new], qy[new], frame, crs)
        moves = []
        for other in others:
            x, y = transform_xy(lon, lat, other, frame)
            with np.errstate(invalid="ignore"):
                move = np.hypot(x - qx[new], y - qy[new])
            moves.append(np.where(np.isfinite(move), move, np.inf))
        # the offsets stop at the edge of CHINA_BOUNDS (no slope holds near it): how far
        # inside it each cell centre is, with 1 % to spare [m]
        x0, y0, x1, y1 = CHINA_BOUNDS
        m_lon = _M_PER_DEG * np.cos(np.radians(np.clip(lat, -89.0, 89.0)))
        inside = 0.99 * np.minimum(np.minimum(lon - x0, x1 - lon) * m_lon,
                                   np.minimum(lat - y0, y1 - lat) * _M_PER_DEG)
        for j, key in enumerate(keys[new].tolist()):
            memo[key] = (float(inside[j]), *(float(m[j]) for m in moves))
    cell_moves = np.array([memo[k] for k in keys.tolist()], dtype=float).reshape(len(keys), 1 + len(others))
    across = ~(reach + EDGE_M < cell_moves[cell, 0])   # the row may reach near the edge: no bound
    for k, datum in enumerate(datums):
        out[k, good] = np.where(across, np.inf, cell_moves[cell, k + 1] + OFFSET_SLOPE[datum] * reach)
    return out


#: The cells' moves measured so far (:func:`row_shift_m`), per frame, CRS and datums.
_MOVES: dict[tuple, dict[int, tuple[float, ...]]] = {}


def _line_clear(bounds: np.ndarray, azimuth_deg: float, margin: np.ndarray) -> np.ndarray:
    """Boxes wholly on one side of the line through the origin at ``azimuth``, farther than
    ``margin`` from it."""
    a = np.radians(azimuth_deg)
    ex, ey = np.sin(a), np.cos(a)  # direction; signed distance = cross(e, p)
    xs = bounds[:, [0, 2, 2, 0]]
    ys = bounds[:, [1, 1, 3, 3]]
    side = ex * ys - ey * xs
    return ((side > margin[:, None]).all(axis=1)) | ((side < -margin[:, None]).all(axis=1))


def _ring_clear(bounds: np.ndarray, r_in: float, r_out: float, margin: np.ndarray) -> np.ndarray:
    """Boxes wholly inside radius ``r_in`` − margin or wholly outside ``r_out`` + margin."""
    far = np.hypot(np.maximum(np.abs(bounds[:, 0]), np.abs(bounds[:, 2])),
                   np.maximum(np.abs(bounds[:, 1]), np.abs(bounds[:, 3])))
    nx = np.where((bounds[:, 0] <= 0) & (bounds[:, 2] >= 0), 0.0,
                  np.minimum(np.abs(bounds[:, 0]), np.abs(bounds[:, 2])))
    ny = np.where((bounds[:, 1] <= 0) & (bounds[:, 3] >= 0), 0.0,
                  np.minimum(np.abs(bounds[:, 1]), np.abs(bounds[:, 3])))
    near = np.hypot(nx, ny)
    return (far < r_in - margin) | (near > r_out + margin)


def same_height(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Permitted heights that are the same: closer than :data:`HEIGHT_SAME_M`, or both
    unlimited (NaN).

    >>> same_height(np.array([29.47, np.nan, 10.0]), np.array([29.474, np.nan, np.nan])).tolist()
    [True, True, False]
    """
    with np.errstate(invalid="ignore"):
        return (np.abs(a - b) < HEIGHT_SAME_M) | (np.isnan(a) & np.isnan(b))


def verdict_may_change(a, shift_m: np.ndarray) -> np.ndarray:
    """True for the rows of the assessment ``a`` (:class:`geozones.core.engine.Assessment`)
    whose verdict or permitted height might differ if every vertex moved by at most
    ``shift_m`` [m] (see the module text); False only where neither provably can. Rows not
    assessed: True.

    ``shift_m`` has shape ``(n,)``, or ``(k, n)`` for k readings at once (the answer has its
    shape; the rules are evaluated once for all of them)."""
    zones = a.zones
    s = zones.station
    tol = s.tolerance_m
    n = len(a)
    shift = np.asarray(shift_m, dtype=float)
    shape = shift.shape
    shift = shift.reshape(shape[0] if shift.ndim == 2 else 1, n)
    if np.any(a.proposals.dem_cells > 0) or not np.all(np.isnan(a.proposals.ground_m)):
        return np.ones(shape, dtype=bool)  # a DEM: the ground under the moved footprint changes H
    margin = np.where(np.isfinite(shift), shift + MARGIN_M, np.inf)
    m = a.measurements
    d = np.asarray(m.distance_m, dtype=float)
    may = (~a.ok | a.repaired)[None, :] | ~np.isfinite(margin)
    # first the cheapest sure answer: a permitted height set by a rule that grows with D
    # (H ≤ D × ratio or D × tan angle) changes with any move of a metre or more
    scaling = a.outcomes.select(lambda r: r.limit in ("ratio", "angle"))
    if scaling.size:
        with np.errstate(invalid="ignore"):
            may |= (np.abs(a.outcomes.allowed_m[scaling] - a.max_height_m) < HEIGHT_SAME_M).any(axis=0)
    may = may.ravel()
    cand = np.flatnonzero(~may)      # (reading, row) pairs still open
    rows = cand % n
    mg = margin.ravel()[cand]
    # thresholds of D: every rule's band edges, every zone edge (D <= 0 is the body)
    edges = {0.0, tol, s.protection_m + tol, s.control_m + tol, s.general_m + tol,
             s.general_upwind_m + tol, s.general_extent_m + tol}
    for r in zones.rules:
        for v in (r.within_m, r.beyond_m):
            if v is not None:
                edges.add(v + tol)
    e = np.array(sorted(edges))
    with np.errstate(invalid="ignore"):   # D within the margin of its nearest edge
        dc = d[rows]
        i = np.clip(np.searchsorted(e, dc), 1, len(e) - 1)
        near = ~(np.minimum(np.abs(dc - e[i - 1]), np.abs(e[i] - dc)) > mg)
    may[cand[near]] = True
    cand, rows, mg = cand[~near], rows[~near], mg[~near]
    b = a.proposals.frame_bounds()[rows].reshape(-1, 4)
    clear = np.isfinite(b).all(axis=1)
    # sun sectors: stay wholly inside or outside (edges, and the drawn arc, whose vertices
    # lie up to 1/cos(step/2) outside the radius)
    for start, end in zones.frame.sun_azimuths.values():
        clear &= _line_clear(b, start, mg) & _line_clear(b, end, mg)
    r = s.sun_sector_radius_m
    clear &= _ring_clear(b, r, r / np.cos(np.radians(0.25) / 2), mg)
    if s.prevailing_wind_from_deg is not None:
        half = s.upwind_sector_deg / 2.0
        w = s.prevailing_wind_from_deg
        clear &= _line_clear(b, w - half, mg) & _line_clear(b, w + half, mg)
        reach = s.general_upwind_m + s.field_size_m
        clear &= _ring_clear(b, reach, reach / np.cos(np.radians(0.25) / 2), mg)
    # pilot areas: in none, and the grown box meets none's box
    if m.area is not None:
        clear &= np.asarray(m.area)[rows] < 0
    for poly in zones.pilot_boundaries:
        px0, py0, px1, py1 = poly.bounds
        meets = ((b[:, 0] - mg <= px1) & (b[:, 2] + mg >= px0)
                 & (b[:, 1] - mg <= py1) & (b[:, 3] + mg >= py0))
        clear &= ~meets
    may[cand[~clear]] = True
    cand, rows, mg = cand[clear], rows[clear], mg[clear]
    if cand.size:
        # the rules at both ends of the range of D (and D_sun), in one evaluation
        p = a.proposals
        both = np.concatenate([rows, rows])
        delta = np.concatenate([-mg, mg])

        def pick(v):
            return None if v is None else np.asarray(v)[both]

        o = evaluate(zones.rules, p.kinds[both], p.effective_height_m[both], d[both] + delta,
                     np.asarray(m.sun_distance_m, dtype=float)[both] + delta,
                     pick(m.in_general), pick(m.in_protected), uses=pick(p.uses),
                     storeys=pick(p.storeys), area=pick(m.area),
                     area_ids=tuple(q.id for q in zones.pilots), maybe_upwind=pick(m.maybe_upwind),
                     tolerance_m=tol)
        v = o.verdict_code()
        k = len(rows)
        h = np.where(is_member(p.kinds[both], HEIGHT_KINDS), o.max_height_m(), np.nan)
        same = ((v[:k] == v[k:]) & (v[:k] == a.outcomes.verdict_code()[rows])
                & same_height(h[:k], h[k:]) & same_height(h[:k], a.max_height_m[rows]))
        may[cand[~same]] = True
    return may.reshape(shape)


@dataclass
class DatumChange:
    """What reading the rows in another datum changes: the rows read again whose verdict or
    permitted height differs, and how many such rows there are estimated to be in all.

    rows : positions of the rows read again whose verdict differs (increasing).
    verdict_code : their verdict code under the datum (PASS, REVIEW, FAIL).
    max_height_m : their permitted height under it (NaN: none limits). [m]
    distance_m : their distance from the (governing) station's fence under it. [m]
    height_rows : positions of the rows read again whose permitted height differs
        (:func:`same_height`), whatever their verdict.
    height_max_height_m, height_distance_m : the permitted height [m] (NaN: none limits) and
        the distance [m] of the ``height_rows`` under the datum (their verdict under it is
        ``verdict_code`` where they are in ``rows``, else the verdict as read).
    open : rows whose verdict or permitted height might differ (the others provably keep
        both, :func:`verdict_may_change`).
    read : of those, the rows read again: all of them (exact), or a random sample.
    """

    rows: np.ndarray
    verdict_code: np.ndarray
    max_height_m: np.ndarray
    distance_m: np.ndarray
    height_rows: np.ndarray
    open: int = 0
    read: int = 0
    height_max_height_m: np.ndarray = field(default_factory=lambda: np.zeros(0))
    height_distance_m: np.ndarray = field(default_factory=lambda: np.zeros(0))

    @property
    def exact(self) -> bool:
        """Every open row read again: the counts are exact."""
        return self.read >= self.open

    def estimate(self) -> np.ndarray:
        """``[verdicts, variance, heights, variance]``: the rows estimated to change verdict
        and permitted height, and the variances of those estimates (0 when exact): the share
        of changed rows in the sample times the open rows (simple random sampling without
        replacement; estimates and variances of chunks add up). The variance takes the share
        as ``(changed + 0.5) / (read + 1)``, so that a sample in which no row (or every row)
        changed still states an error: 14 changes among 2,106 open rows are missed by a
        sample of 60 about two times in three, and "0 ± 0" would say they cannot be there."""
        out = np.zeros(4)
        for j, changed in enumerate((len(self.rows), len(self.height_rows))):
            if self.exact:
                out[2 * j] = changed
                continue
            out[2 * j] = self.open * changed / self.read
            q = (changed + 0.5) / (self.read + 1)
            out[2 * j + 1] = self.open ** 2 * (1 - self.read / self.open) * q * (1 - q) / self.read
        return out


def _given(a: Any, geoms: np.ndarray, raw: np.ndarray | None, rows: np.ndarray) -> np.ndarray:
    """The geometries as given (in the input's CRS) of ``rows``: the assessment's reading,
    else ``geoms``, else read from ``raw`` now (a row whose bytes were never made a geometry)."""
    out = np.asarray(a.source_geoms, dtype=object)[rows].copy()
    none: np.ndarray = is_none(out)
    out[none] = np.asarray(geoms, dtype=object)[rows[none]]
    none = np.flatnonzero(is_none(out))
    if raw is not None and none.size:
        from .geometry import parse_many

        raw = np.asarray(raw, dtype=object)[rows[none]]
        wkb = np.fromiter((type(v) is bytes for v in raw), dtype=bool, count=len(raw))
        for is_wkb in (True, False):
            pick = (wkb if is_wkb else ~wkb) & ~is_none(raw)
            if pick.any():
                out[none[pick]] = parse_many(raw[pick], wkb=is_wkb)[0]
    return out


def datum_changes(a: Any, stations: Any, geoms: np.ndarray, crs: Any, inputs: dict, *,
                  raw: np.ndarray | None = None, axis_order: str = "xy",
                  within: Any = None, sample: int | None = None, seed: int = 0) -> dict[str, DatumChange]:
    """Would reading the same numbers as GCJ-02 or BD-09 change a verdict or a permitted
    height? Per datum of :data:`geozones.core.datums.DATUMS`, the rows that change.

    Parameters
    ----------
    a : the rows' assessment as read in ``crs`` (WGS84 lon/lat):
        :class:`geozones.core.engine.Assessment` or
        :class:`geozones.core.network.StationsAssessment` (``ok``, ``verdict_code``,
        ``max_height_m``, ``source_geoms``).
    stations : what ``a`` was assessed against: a :class:`geozones.core.engine.Zones` (one
        station) or a network (:func:`geozones.core.network.assess_stations`).
    geoms, raw : the rows' geometries in ``crs`` and ``axis_order`` (None where only ``raw``,
        their WKB or WKT, holds them).
    inputs : the other keyword arguments of :meth:`geozones.core.proposals.Proposals.build`
        (kinds, heights … one value or one per row).
    within : the one-station :class:`~geozones.core.engine.Assessment` of these rows: then
        only the rows whose verdict or height the datum's shift could change
        (:func:`row_shift_m`, :func:`verdict_may_change`) are open; without it, every
        assessed row is.
    sample : read at most this many open rows again per datum, a simple random sample
        (``numpy.random.default_rng(seed)``) when there are more (:meth:`DatumChange.estimate`);
        None: every open row.

    Each datum's reading is every vertex converted from that datum to WGS84
    (:func:`geozones.core.datums.geoms_to_wgs84`), all datums' rows assessed in one pass.
    Rows not assessed in either reading never count.
    """
    from .coords import parse_crs
    from .datums import DATUMS, geoms_to_wgs84
    from .network import assess_stations, take_inputs

    n = len(a)
    swap = axis_order == "yx"
    ok = np.asarray(a.ok, dtype=bool)
    others = [parse_crs(d) for d in DATUMS]
    if within is not None:
        shifts = np.full((len(others), n), np.inf)   # inf: open
        sure = np.flatnonzero(ok & ~np.asarray(within.repaired, dtype=bool))
        shifts[:, sure] = row_shift_m(within, sure, crs, others)
        # one test for both datums, with the larger shift: half the rule evaluations
        may = np.broadcast_to(verdict_may_change(within, shifts.max(axis=0)) & ok, (len(others), n))
    else:
        may = np.broadcast_to(ok, (len(others), n))
    opened = [np.flatnonzero(m) for m in may]
    rng = np.random.default_rng(seed)
    rows = [r if sample is None or len(r) <= sample else np.sort(rng.choice(r, sample, replace=False))
            for r in opened]
    index = np.concatenate(rows).astype(np.int64)
    empty = np.zeros(0, dtype=np.int64)
    if not index.size:
        return {d: DatumChange(empty, np.zeros(0, dtype=np.int8), np.zeros(0), np.zeros(0), empty)
                for d in DATUMS}
    wanted = np.unique(index)
    given = _given(a, geoms, raw, wanted)
    read = np.concatenate([geoms_to_wgs84(given[np.searchsorted(wanted, r)], other, swap)[0]
                           for r, other in zip(rows, others)])
    b = assess_stations(stations, read, None, parse_crs("EPSG:4326"), "xy", take_inputs(inputs, index, n))
    changed = b.ok & (b.verdict_code != np.asarray(a.verdict_code)[index])
    height = b.ok & ~same_height(b.max_height_m, np.asarray(a.max_height_m, dtype=float)[index])
    out: dict[str, DatumChange] = {}
    start = 0
    for datum, r, o in zip(DATUMS, rows, opened):
        sel = np.arange(start, start + len(r))
        v, h = sel[changed[sel]], sel[height[sel]]
        out[datum] = DatumChange(index[v], b.verdict_code[v], b.max_height_m[v], b.distance_m[v], index[h],
                                 open=len(o), read=len(r), height_max_height_m=b.max_height_m[h],
                                 height_distance_m=b.distance_m[h])
        start += len(r)
    return out
