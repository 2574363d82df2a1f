"""The permitted height at millions of points, read from the rule rows as a table.

For a point-sized proposal of one kind, everything the evaluator
(:func:`geozones.core.rules.evaluate`) looks at is the distance D from the fence and which
sectors the point lies in (a sun sector; the upwind sector when the wind is known). So the
permitted height is, per *sector class*, a function of D alone, and with every rule limit
linear in D (``forbid`` 0, ``fixed`` h, ``ratio`` r·D, ``angle`` tan a·D) it is piecewise
linear: on each interval ``(b[i-1], b[i]]`` between the rules' thresholds (and the points
where two limits cross) one rule's line is the lowest. :class:`HeightTable` builds that table
once from the station's rule rows (any rows, any number: nothing about a particular station is
written here) and then evaluates a cell with one binary search and one multiply-add, instead
of evaluating every rule over every cell.

The thresholds are the evaluator's own floats (``within + tol`` and so on, with the same
``(lo, hi]`` sides), D and the sector tests are computed with the same formulas as
:meth:`geozones.core.zones.StationFrame.measure_points`, so cells equal the generic
evaluation (a test compares them, rotated and upwind stations included).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .kinds import HEIGHT_KINDS, normalize_kind
from .rules import Rule
from .station import Station
from .sun import sun_sectors

__all__ = ["HeightTable", "height_table", "azimuth_deg"]

_INF = float("inf")


def azimuth_deg(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``np.degrees(np.arctan2(x, y)) % 360`` bit for bit, without the (slow) float modulo:
    the angle is in (-180, 180], so the modulo only adds 360 to negative values (exactly what
    numpy's floored modulo does, rounding included)."""
    az = np.degrees(np.arctan2(x, y))
    np.add(az, 360.0, out=az, where=az < 0)
    return az


@dataclass(frozen=True)
class HeightTable:
    """Permitted height as a piecewise-linear function of D per sector class.

    ``breaks`` (ascending) split D into segments: segment ``i`` is ``(breaks[i-1], breaks[i]]``
    (segment 0 from -inf, the last to +inf). ``slope[c, i] * D + intercept[c, i]`` is the
    permitted height in class ``c`` and segment ``i``; NaN where no rule limits the height.
    Class ``c`` = 1 for "in a sun sector" + 2 for "in the upwind sector" (when used).
    """

    breaks: np.ndarray
    slope: np.ndarray
    intercept: np.ndarray
    uses_sun: bool
    uses_upwind: bool
    sun_azimuths: tuple[tuple[float, float], ...] = ()

    def evaluate(self, station: Station, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Permitted height above the field ground [m] at frame points ``x``, ``y`` (same
        shape); NaN where unlimited."""
        s = station
        x = np.asarray(x, dtype=float)
        y = np.asarray(y, dtype=float)
        d = field_distance(s, x, y)
        seg = np.searchsorted(self.breaks, d, side="left")
        if self.uses_sun or self.uses_upwind:
            az = azimuth_deg(x, y)
            cls = np.zeros(d.shape, dtype=np.intp)
            if self.uses_sun:
                in_sun = np.zeros(d.shape, dtype=bool)
                for start, end in self.sun_azimuths:
                    in_sun |= (az >= start) & (az <= end)
                # only the cells in a sector's azimuth need their radius checked
                idx = np.flatnonzero(in_sun)
                in_sun.ravel()[idx] = np.hypot(x.ravel()[idx], y.ravel()[idx]) <= s.sun_sector_radius_m
                cls += in_sun
            if self.uses_upwind:
                half = s.upwind_sector_deg / 2.0
                off = (az - s.prevailing_wind_from_deg + 180.0) % 360.0 - 180.0
                cls += (2 if self.uses_sun else 1) * (np.abs(off) <= half)
            seg += cls * self.slope.shape[1]
        k = seg
        return self.slope.ravel()[k] * d + self.intercept.ravel()[k]


def field_distance(s: Station, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """D from the (rotated) field square, as in ``StationFrame.measure_points``. [m]"""
    h = s.field_size_m / 2.0
    if s.field_rotation_deg == 0.0:
        u, v = x, y
    else:
        t = np.radians(s.field_rotation_deg)
        u = x * np.cos(t) - y * np.sin(t)
        v = x * np.sin(t) + y * np.cos(t)
    return np.hypot(np.maximum(np.abs(u) - h, 0.0), np.maximum(np.abs(v) - h, 0.0))


def _line(rule: Rule) -> tuple[float, float] | None:
    """The rule's permitted height as ``(slope, intercept)`` in D; None for no height."""
    if rule.limit == "forbid":
        return 0.0, 0.0
    if rule.limit == "fixed":
        return 0.0, float(rule.height_m)  # type: ignore[arg-type]
    if rule.limit == "ratio":
        return float(rule.ratio), 0.0  # type: ignore[arg-type]
    if rule.limit == "angle":
        return float(np.tan(np.radians(rule.angle_deg))), 0.0
    return None


def _pieces(station: Station, kind: str, in_sun: bool, in_upwind: bool
            ) -> list[tuple[float, float, float, float]]:
    """Where each rule sets a height for a point of ``kind`` in one sector class, as
    ``(lo, hi, slope, intercept)``: the rule limits the height for D in ``(lo, hi]``.

    Mirrors :func:`geozones.core.rules.evaluate` fed by ``measure_points``: a rule applies in
    its band / sector / zone and beyond its ``beyond``; where the wind is unknown, rules of
    the general zone also bind (``maybe``) out to the upwind reach, except ``forbid`` (its 0
    stands only where the rule surely applies). Rules naming building uses concern no point
    (no use is given), area rules no point either (no pilot area here).
    """
    s = station
    tol = s.tolerance_m
    if kind not in HEIGHT_KINDS:
        return []
    wind_known = s.prevailing_wind_from_deg is not None
    reach = s.general_upwind_m > s.general_m
    protected_hi = s.general_m + tol
    if wind_known and reach and in_upwind:
        protected_hi = max(protected_hi, s.general_upwind_m + tol)
    maybe = (s.general_m + tol, s.general_upwind_m + tol) if (not wind_known and reach) else None
    out = []
    for rule in s.rules:
        if kind not in rule.kinds or rule.uses is not None or rule.limit == "storeys":
            continue
        line = _line(rule)
        if line is None:
            continue
        if rule.where == "band":
            lo, hi = -_INF, float(rule.within_m + tol)  # type: ignore[operator]
        elif rule.where == "sun_sector":
            if not in_sun:
                continue
            lo, hi = -_INF, _INF
        elif rule.where == "general":
            lo, hi = s.control_m + tol, protected_hi
        elif rule.where == "protected":
            lo, hi = -_INF, protected_hi
        else:  # "area": no pilot area for raster cells
            continue
        if rule.beyond_m is not None:
            lo = max(lo, rule.beyond_m + tol)
        if lo < hi:
            out.append((lo, hi, *line))
        if maybe is not None and rule.where in ("general", "protected") and rule.limit != "forbid":
            mlo, mhi = maybe
            # the evaluator's ``maybe`` is not narrowed by ``beyond`` (only ``applies`` is)
            if mlo < mhi:
                out.append((mlo, mhi, *line))
    return out


def _interior(a: float, b: float) -> float:
    """A point strictly inside the segment ``(a, b]`` (for picking the lowest line)."""
    if a == -_INF and b == _INF:
        return 0.0
    if a == -_INF:
        return b - 1.0
    if b == _INF:
        return a + 1.0
    return (a + b) / 2.0


def height_table(station: Station, kind: str = "building") -> HeightTable:
    """The permitted-height table of ``kind`` at ``station`` (build once, evaluate often)."""
    kind = normalize_kind(kind) or kind
    wind_known = station.prevailing_wind_from_deg is not None
    uses_upwind = wind_known and station.general_upwind_m > station.general_m
    classes = [(sun, up) for up in ((False, True) if uses_upwind else (False,)) for sun in (False, True)]
    pieces = {c: _pieces(station, kind, *c) for c in classes}
    uses_sun = any(p != pieces[(False, c[1])] for c, p in pieces.items() if c[0])
    if not uses_sun:
        classes = [c for c in classes if not c[0]]
    edges = sorted({v for ps in pieces.values() for p in ps for v in p[:2] if np.isfinite(v)})
    bounds = [-_INF, *edges, _INF]
    # Where two limits cross inside a segment the lower one changes: split there too.
    cuts = set(edges)
    for c in classes:
        for a, b in zip(bounds[:-1], bounds[1:]):
            t = _interior(a, b)
            lines = {(k, i) for lo, hi, k, i in pieces[c] if lo < t <= hi}
            for k1, i1 in lines:
                for k2, i2 in lines:
                    if k1 > k2:
                        x = (i2 - i1) / (k1 - k2)
                        if a < x < b:
                            cuts.add(x)
    breaks = np.array(sorted(cuts), dtype=float)
    bounds = [-_INF, *breaks.tolist(), _INF]
    nseg = len(bounds) - 1
    slope = np.full((len(classes), nseg), np.nan)
    intercept = np.full((len(classes), nseg), np.nan)
    for ci, c in enumerate(classes):
        for j, (a, b) in enumerate(zip(bounds[:-1], bounds[1:])):
            t = _interior(a, b)
            at_t = [(k * t + i, k, i) for lo, hi, k, i in pieces[c] if lo < t <= hi]
            if at_t:
                _, k, i = min(at_t)
                slope[ci, j], intercept[ci, j] = k, i
    s = station
    sectors = sun_sectors(s.latitude_deg, s.solstice_declination_deg, s.horizon_altitude_deg)
    return HeightTable(breaks, slope, intercept, uses_sun, uses_upwind, tuple(sectors.values()))
