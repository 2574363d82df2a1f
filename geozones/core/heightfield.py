"""The rule rows compiled into tables of the distance D, from the one evaluator.

For a proposal of one kind whose height is the only unknown, what the evaluator
(:func:`geozones.core.rules.evaluate`) decides depends on the distance D from the fence (or,
for sun-sector rules, on D to the part in a sector) and on a few zone facts (in a sun sector,
in the upwind sector; in the core, in the general zone, maybe upwind). Every rule limit is a
line in D (``forbid`` 0, ``fixed`` h, ``ratio`` r·D, ``angle`` tan a·D), and every threshold
is a number of the station file (a rule's ``within``/``beyond``, a zone's edge) plus the
tolerance, so the answers are piecewise: constant outcomes and one line per segment of D.

This module finds those pieces by *asking the evaluator* at one point inside each segment,
never by restating what a rule means. Two tables come out of it:

* :class:`HeightTable` (:func:`height_table`): the permitted height of a point-sized proposal
  per sector class, for rasters and contours (millions of cells: one binary search and one
  multiply-add a cell);
* :func:`page_table`: every rule's outcome per zone class and segment, for the map page,
  whose script measures D and looks the answer up (it holds no rule logic).

Segments are ``(b[i-1], b[i]]``, as every threshold of the evaluator is (``D <= edge + tol`` is
inside, ``D > beyond + tol`` beyond).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .kinds import normalize_kind
from .rules import NA, Rule, evaluate, measured_from
from .station import Station

__all__ = ["HeightTable", "height_table", "page_table", "azimuth_deg", "field_distance", "PAGE_CLASSES"]

_INF = float("inf")

#: Zone classes of the map page, as (in_protected, in_general, maybe_upwind): outside the
#: protection area, in the core zone, in the general zone, maybe upwind (wind unknown).
PAGE_CLASSES: tuple[tuple[bool, bool, bool], ...] = (
    (False, False, False), (True, False, False), (True, True, False), (False, False, True))


def azimuth_deg(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Azimuth from north, clockwise, of frame points [deg, in [0, 360)].

    ``np.degrees(np.arctan2(x, y)) % 360`` bit for bit, without the (slow) float modulo: the
    angle is in (-180, 180], so the modulo only adds 360 to negative values (exactly what
    numpy's floored modulo does, rounding included).

    Parameters
    ----------
    x, y : ndarray of float
        East and north of points in the station frame (metres from the field centre). [m]

    Returns
    -------
    ndarray of float
        Azimuth of each point seen from the field centre, clockwise from north. [deg]
    """
    az = np.degrees(np.arctan2(x, y))
    np.add(az, 360.0, out=az, where=az < 0)
    return az


def field_distance(s: Station, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Distance D from the (rotated) field square to frame points ``x``, ``y`` [m]; 0 inside.

    The square is the observation field (``field_size_m`` wide), turned clockwise by
    ``field_rotation_deg`` (Art. 11-12: every distance is measured from the fence).

    Parameters
    ----------
    s : Station
        The station: its field size ``field_size_m`` [m] and rotation ``field_rotation_deg``
        [deg].
    x, y : ndarray of float
        East and north of points in the station frame (metres from the field centre). [m]

    Returns
    -------
    ndarray of float
        Horizontal distance D from the fence to each point; 0 inside the field. [m]
    """
    h = s.field_size_m / 2.0
    if s.field_rotation_deg == 0.0:
        u, v = x, y
    else:
        t = np.radians(s.field_rotation_deg)
        u = x * np.cos(t) - y * np.sin(t)
        v = x * np.sin(t) + y * np.cos(t)
    return np.hypot(np.maximum(np.abs(u) - h, 0.0), np.maximum(np.abs(v) - h, 0.0))


@dataclass(frozen=True)
class HeightTable:
    """Permitted height as a piecewise-linear function of D per sector class.

    ``breaks`` (ascending) split D into segments: segment ``i`` is ``(breaks[i-1], breaks[i]]``
    (segment 0 from -inf, the last to +inf). ``slope[c, i] * D + intercept[c, i]`` is the
    permitted height [m] in class ``c`` and segment ``i``; NaN where no rule limits the
    height. Class ``c`` = 1 for "in a sun sector" (when ``uses_sun``) + 2 for "in the upwind
    sector" (when ``uses_upwind``; 1 when the sun sectors change nothing).

    Attributes
    ----------
    breaks : ndarray of float
        Distances D from the fence where a segment ends, ascending. [m]
    slope : ndarray of float, shape (classes, segments)
        Permitted height per metre of D in each class and segment (e.g. 0.1 for H ≤ D / 10,
        Art. 12.3 ⑥; tan 5° in the sun sectors, Art. 12.3 ⑦). [m/m]
    intercept : ndarray of float, shape (classes, segments)
        Permitted height at D = 0 of each line; NaN where nothing limits the height. [m]
    uses_sun : bool
        Whether the sun sectors form a class of their own.
    uses_upwind : bool
        Whether the upwind sector forms a class of its own (the prevailing wind known).
    """

    breaks: np.ndarray
    slope: np.ndarray
    intercept: np.ndarray
    uses_sun: bool
    uses_upwind: bool

    def lookup(self, distance_m: np.ndarray, in_sun: np.ndarray | None, in_upwind: np.ndarray | None
               ) -> np.ndarray:
        """Permitted height [m] at distances ``distance_m`` with the points' sector flags."""
        d = np.asarray(distance_m, dtype=float)
        k = np.searchsorted(self.breaks, d, side="left")
        if self.uses_sun and in_sun is not None:
            k += np.asarray(in_sun, dtype=np.intp) * self.slope.shape[1]
        if self.uses_upwind and in_upwind is not None:
            k += (2 if self.uses_sun else 1) * np.asarray(in_upwind, dtype=np.intp) * self.slope.shape[1]
        return self.slope.ravel()[k] * d + self.intercept.ravel()[k]


def _edges(station: Station, rules: Sequence[Rule]) -> list[float]:
    """Every D at which an answer of the evaluator may change: each distance of the station
    file (zone edges, the rules' ``within`` and ``beyond``) plus the tolerance, and 0 (the
    fence). Extra edges only split a segment in two with the same answer on both sides."""
    tol = station.tolerance_m
    values = [station.protection_m, station.control_m, station.general_m, station.general_upwind_m]
    values += [v for r in rules for v in (r.within_m, r.beyond_m) if v is not None]
    return sorted({0.0, *(float(v) + tol for v in values)})


def _interior(a: float, b: float) -> float:
    """A point strictly inside the segment ``(a, b]``."""
    if a == -_INF and b == _INF:
        return 0.0
    if a == -_INF:
        return b - 1.0
    if b == _INF:
        return a + 1.0
    return (a + b) / 2.0


def _line(rule: Rule) -> tuple[float, float]:
    """The rule's limit as ``(slope, intercept)`` in D, read from the rule itself
    (:meth:`Rule.allowed_height_m` at D = 0 and 1 m, exact for every linear limit)."""
    h0, h1 = rule.allowed_height_m(np.array([0.0, 1.0]))
    return float(h1 - h0), float(h0)


def height_table(station: Station, kind: str,
                 classify: Callable[[np.ndarray, bool, bool], Any], *, surely: bool = False) -> HeightTable:
    """The permitted-height table of a point-sized ``kind`` at ``station``.

    Parameters
    ----------
    station : Station
    kind : str
        A kind or one of its names (:mod:`geozones.core.kinds`).
    classify : callable
        ``classify(distance_m, in_sun, in_upwind)`` gives the
        :class:`~geozones.core.zones.Measurements` of points at those distances [m] in that
        sector class (:meth:`geozones.core.zones.StationFrame.measure_distances`).
    surely : bool
        Leave out the ring where the upwind general zone may lie (the prevailing wind
        unknown, Art. 11: up to 5000 m): the limits where the rules surely apply (contours).

    Returns
    -------
    HeightTable
        Equal, cell for cell, to evaluating every rule at every point.
    """
    kind = normalize_kind(kind) or kind
    rules = station.rules
    wind_known = station.prevailing_wind_from_deg is not None
    uses_upwind = wind_known and station.general_upwind_m > station.general_m
    classes = [(sun, up) for up in ((False, True) if uses_upwind else (False,)) for sun in (False, True)]
    lines = [_line(r) for r in rules]

    def allowed(c: tuple[bool, bool], d: np.ndarray) -> np.ndarray:
        m = classify(d, *c)
        return evaluate(rules, kind, np.full(d.shape, np.nan), m.distance_m, m.sun_distance_m,
                        m.in_general, m.in_protected, maybe_upwind=None if surely else m.maybe_upwind,
                        tolerance_m=station.tolerance_m).allowed_m

    edges = _edges(station, rules)
    bounds = [-_INF, *edges, _INF]
    mids = np.array([_interior(a, b) for a, b in zip(bounds[:-1], bounds[1:])])
    # Where two limits cross inside a segment the lower one changes: split there too.
    cuts = set(edges)
    for c in classes:
        at = allowed(c, mids)
        for j, (a, b) in enumerate(zip(bounds[:-1], bounds[1:])):
            here = {lines[i] for i in np.flatnonzero(~np.isnan(at[:, j]))}
            for k1, i1 in here:
                for k2, i2 in here:
                    if k1 > k2:
                        x = (i2 - i1) / (k1 - k2)
                        if a < x < b:
                            cuts.add(x)
    breaks = sorted(cuts)
    bounds = [-_INF, *breaks, _INF]
    mids = np.array([_interior(a, b) for a, b in zip(bounds[:-1], bounds[1:])])
    slope = np.full((len(classes), len(mids)), np.nan)
    intercept = np.full((len(classes), len(mids)), np.nan)
    for ci, c in enumerate(classes):
        at = allowed(c, mids)
        for j in range(len(mids)):
            limits = [(float(at[i, j]), lines[i][0], lines[i][1]) for i in np.flatnonzero(~np.isnan(at[:, j]))]
            if limits:
                lowest = min(limits)  # the lowest limit; ties: the lower slope, then intercept
                slope[ci, j], intercept[ci, j] = lowest[1], lowest[2]
    sun_rows = [ci for ci, c in enumerate(classes) if c[0]]
    uses_sun = any(not _same_rows(slope[ci], slope[ci - 1]) or not _same_rows(intercept[ci], intercept[ci - 1])
                   for ci in sun_rows)
    if not uses_sun:
        keep = [ci for ci, c in enumerate(classes) if not c[0]]
        slope, intercept = slope[keep], intercept[keep]
    # merge neighbouring segments with the same line in every class
    same = np.array([_same_rows(slope[:, j], slope[:, j + 1]) and _same_rows(intercept[:, j], intercept[:, j + 1])
                     for j in range(len(breaks))], dtype=bool)
    keep_seg = np.concatenate([[True], ~same])
    return HeightTable(np.array(breaks, dtype=float)[~same], slope[:, keep_seg], intercept[:, keep_seg],
                       uses_sun, uses_upwind)


def _same_rows(a: np.ndarray, b: np.ndarray) -> bool:
    return bool(np.array_equal(a, b, equal_nan=True))


def page_table(station: Station, kinds: Sequence[str]) -> dict[str, Any]:
    """Every rule's outcome per zone class and segment of D, for the map page's script.

    The page measures a drawn geometry itself (D, D in the sun sectors, in the protection
    area, in the general zone, maybe upwind) and looks its answer up here; the table is
    compiled from :func:`geozones.core.rules.evaluate` by asking it at one D inside each
    segment, for an unknown height, a height below every limit and one above.

    Parameters
    ----------
    station : Station
        The station whose rule rows (and pilot rows, none for the page) are compiled.
    kinds : sequence of str
        The kinds the page offers (see :data:`geozones.core.kinds.KINDS`).

    Returns
    -------
    dict
        ``{"kinds": {kind: [entry index, ...]}, "entries": [...]}``. An entry is one rule for
        the kinds it binds: ``rule`` (index into the station's rules), ``on`` ("fence": D,
        "sun": D to the part in a sun sector), ``line`` ([slope, intercept] of its limit in D
        [m], or None), and per class of :data:`PAGE_CLASSES` a list of runs
        ``[hi, unknown, ok, exceeded, shown]``: for D up to ``hi`` [m] (None: no end) the
        outcome code (0 NA, 1 pass, 2 review, 3 fail) with the height unknown, meeting the
        line and exceeding it by more than the tolerance, and whether the line is a
        permitted height there (1) or only a test (0).
    """
    rules = station.rules
    edges = _edges(station, rules)
    bounds = [-_INF, *edges, _INF]
    mids = np.array([_interior(a, b) for a, b in zip(bounds[:-1], bounds[1:])])
    n = len(mids)
    names = [normalize_kind(k) or k for k in kinds]
    his: list[float | None] = [*edges, None]
    entries: list[dict[str, Any]] = []
    index: dict[str, list[int]] = {k: [] for k in names}
    seen: dict[str, int] = {}
    per_class = []
    for flags in PAGE_CLASSES:
        kind_col = np.repeat(np.array(names, dtype=object), n)
        d = np.tile(mids, len(names))
        full = np.ones(d.shape, dtype=bool)
        results = []
        for h in (np.nan, -_INF, _INF):
            o = evaluate(rules, kind_col, np.full(d.shape, h), d, d, full & flags[1], full & flags[0],
                         maybe_upwind=full & flags[2], tolerance_m=station.tolerance_m)
            results.append(o)
        per_class.append(results)
    for r, rule in enumerate(rules):
        line = _line(rule) if not np.isnan(rule.allowed_height_m(np.array([1.0]))[0]) else None
        for ki, kind in enumerate(names):
            cols = slice(ki * n, (ki + 1) * n)
            runs_by_class = []
            for unknown, ok, over in per_class:
                codes = np.stack([unknown.outcome[r, cols], ok.outcome[r, cols], over.outcome[r, cols],
                                  (~np.isnan(unknown.allowed_m[r, cols])).astype(np.int8)], axis=1)
                runs: list[list[Any]] = []
                for j in range(n):
                    row = [int(v) for v in codes[j]]
                    if row[0] == NA:
                        row = [NA, NA, NA, 0]
                    if runs and runs[-1][1:] == row:
                        runs[-1][0] = his[j]
                    else:
                        runs.append([his[j], *row])
                runs_by_class.append(runs)
            if all(len(runs) == 1 and runs[0][1] == NA for runs in runs_by_class):
                continue  # the rule never concerns this kind
            entry = {"rule": r, "on": measured_from(rule), "line": None if line is None else list(line),
                     "classes": runs_by_class}
            key = repr(entry)
            if key not in seen:
                seen[key] = len(entries)
                entries.append(entry)
            index[kind].append(seen[key])
    return {"kinds": index, "entries": entries}
