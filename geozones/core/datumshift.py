"""Could reading the same numbers in another datum change a verdict? Decided without the work.

Without a CRS, lon/lat numbers are read as WGS84, and ``check``/``screen`` also read them as
GCJ-02 and BD-09 to say when that would give another verdict. That second reading moves
every vertex, in the station frame, by at most ``s`` metres (measured: both readings of every
vertex are projected, :func:`vertex_shift_m`), so every point of the footprint moves by at
most ``s`` (a point of an edge is a mix of its two ends), and every distance the rules use
(D to the fence, D to the part in a sun sector) changes by at most ``s``.

:func:`verdict_may_change` is False for a row only when the verdict provably stays:

* D is farther than ``s`` (plus a margin) from every threshold of the rule rows and zones,
  so every band, zone and "beyond" test gives the same answer;
* the footprint's bounding box is farther than the margin from the lines of every sector
  edge (sun sectors, the upwind sector) and from the sun sectors' arc, so it stays wholly
  inside or wholly outside each sector (then D_sun = D or none, before and after);
* the footprint is in no pilot area and its grown bounding box meets no pilot boundary's;
* no DEM (the ground under the moved footprint would change the height), no repair;
* the rules give the same verdict at D − margin and at D + margin: with the tests above
  fixed, every rule's outcome can only fall as its distance grows (its limit rises), so the
  verdict over the whole range lies between those two.

Rows where it is True get the full second reading, so counts and notes equal the full
evaluation's (a test compares them).

:func:`datum_changes` is the one answer to "would another datum change this verdict?" for
``check``, ``screen`` and the API: per datum, the rows whose verdict changes and their
verdict, permitted height and distance under that datum.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely

from .arrays import is_none
from .coords import transform_geoms
from .rules import evaluate

__all__ = ["vertex_shift_m", "verdict_may_change", "MARGIN_M", "DatumChange", "datum_changes"]

#: Added to the measured shift: float noise, and the chords of drawn zone arcs (the upwind
#: area is a polygon whose arcs lie within 0.4 m of the circles at 5 km). [m]
MARGIN_M = 1.0


def vertex_shift_m(geoms: np.ndarray, crs, others, frame_crs, swap: bool = False) -> np.ndarray:
    """Per other CRS and geometry (shape ``(len(others), n)``), the largest distance in the
    frame between a vertex read in ``crs`` and the same numbers read in that other CRS [m];
    inf where a reading fails or the geometry is missing."""
    geoms = np.asarray(geoms, dtype=object)
    out = np.full((len(others), len(geoms)), np.inf)
    present = np.flatnonzero(~(shapely.is_missing(geoms) | shapely.is_empty(geoms)))
    if not present.size:
        return out
    try:
        a = transform_geoms(geoms[present], crs, frame_crs, swap)
    except Exception:  # PROJ/GEOS refuses a row (a ring no longer closes): no bound for any
        return out
    ca, index = shapely.get_coordinates(a, return_index=True)
    for k, other in enumerate(others):
        try:
            cb = shapely.get_coordinates(transform_geoms(geoms[present], other, frame_crs, swap))
        except Exception:
            continue
        if len(ca) != len(cb):  # cannot happen for a vertex-by-vertex transform; be safe
            continue
        d = np.hypot(ca[:, 0] - cb[:, 0], ca[:, 1] - cb[:, 1])
        d = np.where(np.isfinite(d), d, np.inf)
        worst = np.full(len(present), -np.inf)
        np.maximum.at(worst, index, d)
        out[k, present] = np.where(worst >= 0, worst, np.inf)
    return out


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


def verdict_may_change(a, shift_m: np.ndarray) -> np.ndarray:
    """True for the rows of the assessment ``a`` (:class:`geozones.core.engine.Assessment`)
    whose verdict might differ if every vertex moved by at most ``shift_m`` [m] (see the
    module text); False only where it provably cannot. Rows not assessed: True.

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
    # thresholds of D: every rule's band edges, every zone edge (D <= 0 is the body)
    edges = {0.0, tol, s.protection_m + tol, s.control_m + tol, s.general_m + tol,
             s.general_upwind_m + tol, s.general_extent_m + tol}
    for r in zones.rules:
        for v in (r.within_m, r.beyond_m):
            if v is not None:
                edges.add(v + tol)
    with np.errstate(invalid="ignore"):
        for e in edges:
            may |= ~(np.abs(d - e)[None, :] > margin)
    may = may.ravel()
    cand = np.flatnonzero(~may)      # (reading, row) pairs still open
    rows = cand % n
    b = a.proposals.frame_bounds()[rows].reshape(-1, 4)
    mg = margin.ravel()[cand]
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
        same = (v[:k] == v[k:]) & (v[:k] == a.outcomes.verdict_code()[rows])
        may[cand[~same]] = True
    return may.reshape(shape)


@dataclass
class DatumChange:
    """The rows whose verdict another datum's reading changes, and what they get under it.

    rows : positions of those rows (increasing).
    verdict_code : their verdict code under the datum (PASS, REVIEW, FAIL).
    max_height_m : their permitted height under it (NaN: none limits). [m]
    distance_m : their distance from the (governing) station's fence under it. [m]
    """

    rows: np.ndarray
    verdict_code: np.ndarray
    max_height_m: np.ndarray
    distance_m: np.ndarray


def _given(a: Any, geoms: np.ndarray, raw: np.ndarray | None) -> np.ndarray:
    """The rows' geometries as given (in the input's CRS): the assessment's reading, else
    ``geoms``, else read from ``raw`` now (a row whose bytes were never made a geometry)."""
    out = np.asarray(a.source_geoms, dtype=object).copy()
    geoms = np.asarray(geoms, dtype=object)
    none: np.ndarray = is_none(out)
    out[none] = geoms[none]
    none = np.flatnonzero(is_none(out))
    if raw is not None and none.size:
        from .geometry import parse_many

        raw = np.asarray(raw, dtype=object)[none]
        wkb = np.fromiter((type(v) is bytes for v in raw), dtype=bool, count=len(raw))
        for is_wkb in (True, False):
            pick = (wkb if is_wkb else ~wkb) & ~is_none(raw)
            if pick.any():
                out[none[pick]] = parse_many(raw[pick], wkb=is_wkb)[0]
    return out


def datum_changes(a: Any, stations: Any, geoms: np.ndarray, crs: Any, inputs: dict, *,
                  raw: np.ndarray | None = None, axis_order: str = "xy",
                  within: Any = None) -> dict[str, DatumChange]:
    """Would reading the same numbers as GCJ-02 or BD-09 change a verdict? Per datum of
    :data:`geozones.core.datums.DATUMS`, the rows whose verdict differs.

    Parameters
    ----------
    a : the rows' assessment as read in ``crs`` (WGS84 lon/lat):
        :class:`geozones.core.engine.Assessment` or
        :class:`geozones.core.network.StationsAssessment` (``ok``, ``verdict_code``,
        ``source_geoms``).
    stations : what ``a`` was assessed against: a :class:`geozones.core.engine.Zones` (one
        station) or a network (:func:`geozones.core.network.assess_stations`).
    geoms, raw : the rows' geometries in ``crs`` and ``axis_order`` (None where only ``raw``,
        their WKB or WKT, holds them).
    inputs : the other keyword arguments of :meth:`geozones.core.proposals.Proposals.build`
        (kinds, heights … one value or one per row).
    within : the one-station :class:`~geozones.core.engine.Assessment` of these rows: then
        only the rows whose verdict the datum's shift could change
        (:func:`verdict_may_change`) are read again; without it, every assessed row is.

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
    given = _given(a, geoms, raw)
    others = [parse_crs(d) for d in DATUMS]
    if within is not None:
        shifts = np.full((len(others), n), np.inf)   # inf: read again
        sure = np.flatnonzero(ok & ~np.asarray(within.repaired, dtype=bool))
        shifts[:, sure] = vertex_shift_m(given[sure], crs, others, within.zones.frame.crs, swap)
        may = verdict_may_change(within, shifts) & ok[None, :]
    else:
        may = np.broadcast_to(ok, (len(others), n))
    rows = [np.flatnonzero(m) for m in may]
    index = np.concatenate(rows).astype(np.int64)
    empty = DatumChange(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int8), np.zeros(0), np.zeros(0))
    if not index.size:
        return {d: empty for d in DATUMS}
    read = np.concatenate([geoms_to_wgs84(given[r], other, swap)[0] for r, other in zip(rows, others)])
    b = assess_stations(stations, read, None, parse_crs("EPSG:4326"), "xy", take_inputs(inputs, index, n))
    code = np.asarray(a.verdict_code)[index]
    changed = b.ok & (b.verdict_code != code)
    out: dict[str, DatumChange] = {}
    start = 0
    for datum, r in zip(DATUMS, rows):
        sel = np.arange(start, start + len(r))
        sel = sel[changed[sel]]
        out[datum] = DatumChange(index[sel], b.verdict_code[sel], b.max_height_m[sel], b.distance_m[sel])
        start += len(r)
    return out
