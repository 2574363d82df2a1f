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
"""

from __future__ import annotations

import numpy as np
import shapely

from .coords import transform_geoms
from .rules import evaluate

__all__ = ["vertex_shift_m", "verdict_may_change", "MARGIN_M"]

#: Added to the measured shift: float noise, and the chords of drawn zone arcs (the upwind
#: area is a polygon whose arcs lie within 0.4 m of the circles at 5 km). [m]
MARGIN_M = 1.0


def vertex_shift_m(geoms: np.ndarray, crs, other_crs, frame_crs, swap: bool = False) -> np.ndarray:
    """Per geometry, the largest distance in the frame between a vertex read in ``crs`` and
    the same numbers read in ``other_crs`` [m]; inf where either reading fails or is missing."""
    geoms = np.asarray(geoms, dtype=object)
    out = np.full(len(geoms), np.inf)
    present = np.flatnonzero(~(shapely.is_missing(geoms) | shapely.is_empty(geoms)))
    if not present.size:
        return out
    a = transform_geoms(geoms[present], crs, frame_crs, swap)
    b = transform_geoms(geoms[present], other_crs, frame_crs, swap)
    ca, index = shapely.get_coordinates(a, return_index=True)
    cb = shapely.get_coordinates(b)
    if len(ca) != len(cb):  # cannot happen for a vertex-by-vertex transform; be safe
        return out
    d = np.hypot(ca[:, 0] - cb[:, 0], ca[:, 1] - cb[:, 1])
    d = np.where(np.isfinite(d), d, np.inf)
    worst = np.full(len(present), -np.inf)
    np.maximum.at(worst, index, d)
    out[present] = np.where(worst >= 0, worst, np.inf)
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
    module text); False only where it provably cannot. Rows not assessed: True."""
    zones = a.zones
    s = zones.station
    tol = s.tolerance_m
    n = len(a)
    shift = np.asarray(shift_m, dtype=float)
    margin = np.where(np.isfinite(shift), shift + MARGIN_M, np.inf)
    m = a.measurements
    d = np.asarray(m.distance_m, dtype=float)
    may = ~a.ok | ~np.isfinite(margin) | a.repaired
    if np.any(a.proposals.dem_cells > 0) or not np.all(np.isnan(a.proposals.ground_m)):
        return np.ones(n, dtype=bool)  # a DEM: the ground under the moved footprint changes H
    # thresholds of D: every rule's band edges, every zone edge (D <= 0 is the body)
    edges = {0.0, tol, s.protection_m + tol, s.control_m + tol, s.general_m + tol,
             s.general_upwind_m + tol, s.general_extent_m + tol}
    for r in zones.rules:
        for v in (r.within_m, r.beyond_m):
            if v is not None:
                edges.add(v + tol)
    with np.errstate(invalid="ignore"):
        for e in edges:
            may |= ~(np.abs(d - e) > margin)
    local = a.proposals.geoms
    bounds = np.full((n, 4), np.nan)
    rows = np.flatnonzero(~may)
    if rows.size:
        bounds[rows] = shapely.bounds(local[rows])
    b = bounds[rows]
    mg = margin[rows]
    clear = np.isfinite(b).all(axis=1)
    # sun sectors: stay wholly inside or outside (edges, and the drawn arc, whose vertices
    # lie up to 1/cos(step/2) outside the radius)
    frame = zones.frame
    for start, end in frame.sun_azimuths.values():
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
    in_pilot = np.asarray(m.area if m.area is not None else np.full(n, -1))[rows] >= 0
    clear &= ~in_pilot
    for poly in zones.pilot_boundaries:
        px0, py0, px1, py1 = poly.bounds
        meets = ((b[:, 0] - mg <= px1) & (b[:, 2] + mg >= px0)
                 & (b[:, 1] - mg <= py1) & (b[:, 3] + mg >= py0))
        clear &= ~meets
    may[rows[~clear]] = True
    rows = rows[clear]
    if not rows.size:
        return may
    # the rules at both ends of the range of D (and D_sun)
    p = a.proposals
    verdicts = []
    for sign in (-1.0, 1.0):
        dd = d[rows] + sign * margin[rows]
        sun = np.asarray(m.sun_distance_m, dtype=float)[rows] + sign * margin[rows]
        o = evaluate(zones.rules, p.kinds[rows], p.effective_height_m[rows], dd, sun,
                     np.asarray(m.in_general)[rows], np.asarray(m.in_protected)[rows],
                     uses=p.uses[rows], storeys=p.storeys[rows],
                     area=None if m.area is None else m.area[rows],
                     area_ids=tuple(q.id for q in zones.pilots),
                     maybe_upwind=None if m.maybe_upwind is None else np.asarray(m.maybe_upwind)[rows],
                     tolerance_m=tol)
        verdicts.append(o.verdict_code())
    same = (verdicts[0] == verdicts[1]) & (verdicts[0] == a.outcomes.verdict_code()[rows])
    may[rows[~same]] = True
    return may
