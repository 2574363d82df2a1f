"""What a number a user gives may be: one check for every option, argument and setting.

A :class:`Bounds` says it: finite always (NaN and ±inf are never numbers here), an optional
lower and upper bound, each closed or open, and whether the number must be whole. The same
bounds serve the command line (the click type :class:`geozones.cli.options.Number`), the API's
keyword arguments (:func:`checked`, a :class:`~geozones.errors.InputError`, which is a
``ValueError``, naming the argument), and the station, pilot and registry files (their readers
name the file and the key). The quantities more than one of them take are named here, each
once, with the reason for its bounds.

>>> STOREY_HEIGHT_M.interval(), SUN_REACH_M.problem(float("nan")), FLOORS.problem(2.5)
('0.5 ≤ x ≤ 20', 'not_finite', 'not_whole')
>>> checked(12.0, "height", HEIGHT_M)
12.0
"""

from __future__ import annotations

import math
import operator
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import InputError
from .text import Key

__all__ = ["Bounds", "checked", "parse_number", "HEIGHT_M", "FLOORS", "WIDTH_M", "STOREY_HEIGHT_M",
           "SUN_REACH_M", "CHUNK_ROWS", "WORKERS", "EXTENT_M", "SECTOR_RADIUS_M", "STEP_M",
           "EYE_HEIGHT_M", "TERRAIN_RADIUS_M", "THREADS"]


def _g(v: float) -> str:
    return f"{float(v):g}"


@dataclass(frozen=True)
class Bounds:
    """The numbers a value may be: finite, ``min`` ≤ x ≤ ``max`` (``<`` where open), whole
    when ``integer``.

    Parameters
    ----------
    min, max : float, optional
        The bounds (None: none on that side).
    min_open, max_open : bool
        The bound itself is excluded.
    integer : bool
        Only whole numbers (``3.0`` is whole; ``True`` is never a number).
    """

    min: float | None = None
    max: float | None = None
    min_open: bool = False
    max_open: bool = False
    integer: bool = False

    def problem(self, value: object) -> str | None:
        """None when ``value`` is such a number; else why not: ``"not_number"`` (text, None, a
        bool), ``"not_finite"`` (NaN, ±inf), ``"not_whole"``, ``"out_of_range"``."""
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
            return "not_number"
        v: Any = value
        if not isinstance(v, (int, np.integer)):
            if not math.isfinite(float(v)):
                return "not_finite"
            if self.integer and not float(v).is_integer():
                return "not_whole"
        if self.min is not None and (operator.le if self.min_open else operator.lt)(v, self.min):
            return "out_of_range"
        if self.max is not None and (operator.ge if self.max_open else operator.gt)(v, self.max):
            return "out_of_range"
        return None

    def number(self, value: object) -> float | None:
        """``value`` as a float when it is such a number (:meth:`problem` is None), else None.

        >>> Bounds(0.0).number(3), Bounds(0.0).number(float("inf")), Bounds(0.0).number("3")
        (3.0, None, None)
        """
        return float(value) if self.problem(value) is None else None  # type: ignore[arg-type]  # a number: checked

    def interval(self) -> str:
        """The bounds in notation every language reads: ``0.5 ≤ x ≤ 20``, ``x > 0``,
        ``−∞ < x < ∞`` (no bound: any finite number)."""
        lo = "<" if self.min_open else "≤"
        hi = "<" if self.max_open else "≤"
        if self.min is None and self.max is None:
            return "−∞ < x < ∞"
        if self.min is None:
            assert self.max is not None
            return f"x {hi} {_g(self.max)}"
        if self.max is None:
            return f"x {'>' if self.min_open else '≥'} {_g(self.min)}"
        return f"{_g(self.min)} {lo} x {hi} {_g(self.max)}"

    def expected(self) -> Key:
        """What a file's field must be, for the ``{expected}`` of the readers' messages."""
        return Key("expect_whole" if self.integer else "expect_finite", range=self.interval())

    def error(self, name: str, value: object) -> InputError:
        """The one-line refusal of ``value`` for ``name`` (an option, argument or setting)."""
        return InputError("integer_invalid" if self.integer else "number_invalid", name=name,
                          value=_show(value), range=self.interval())


def _show(value: object) -> str:
    """A value as the user wrote it (text as given, numbers as Python prints them)."""
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else str(value)
    return str(value)


def parse_number(text: str, bounds: Bounds) -> float | int | None:
    """``text`` as the number ``bounds`` asks for (an ``int`` when ``integer``: ``"1e6"``
    counts), or None when it is no number at all; the bounds are not checked here."""
    text = text.strip()
    if bounds.integer:
        try:
            return int(text)
        except ValueError:
            pass
    try:
        v = float(text)
    except ValueError:
        return None
    if bounds.integer and math.isfinite(v) and v.is_integer():
        return int(v)
    return v


def checked(value: Any, name: str, bounds: Bounds) -> Any:
    """``value`` when it is a number within ``bounds`` (None passes: not given); otherwise an
    :class:`~geozones.errors.InputError` (a ``ValueError``) naming ``name``.

    Parameters
    ----------
    value : float, int or None
        The number given.
    name : str
        The argument, option or setting, as the user wrote it.
    bounds : Bounds
        What it may be.

    Returns
    -------
    float, int or None
        ``value`` unchanged.

    Examples
    --------
    >>> checked(float("nan"), "sun_reach_m", SUN_REACH_M)
    Traceback (most recent call last):
    ...
    geozones.errors.InputError: sun_reach_m nan: must be a finite number with 0 ≤ x ≤ 100000
    """
    if value is None or bounds.problem(value) is None:
        return value
    raise bounds.error(name, value)


# --- the quantities, each bounded once -------------------------------------------------------

#: A top above the observation-field ground [m]: 0 to 10 km (the tallest building stands 828 m;
#: the sun-sector limit reaches 875 m at the default --sun-reach).
HEIGHT_M = Bounds(0.0, 10_000.0)
#: Storeys of a building: 1 to 1000 (the most built: 163).
FLOORS = Bounds(1, 1000, integer=True)
#: Width of a line proposal (road or railway subgrade, river) [m]: 0 to 10 km.
WIDTH_M = Bounds(0.0, 10_000.0)
#: Height of one storey [m] (--storey-height, a station file's ``[buildings].storey_height_m``).
STOREY_HEIGHT_M = Bounds(0.5, 20.0)
#: How far from a fence the sun-sector limit is evaluated for rows of unknown height [m]:
#: 0 to 100 km (the limit there, D × tan 5°, is 8.7 km).
SUN_REACH_M = Bounds(0.0, 100_000.0)
#: Rows screened at once: 1 to 10 million (memory grows with it).
CHUNK_ROWS = Bounds(1, 10_000_000, integer=True)
#: Worker processes: 1 to 512 (each a Python process of its own).
WORKERS = Bounds(1, 512, integer=True)
#: ``GEOZONES_THREADS``: worker processes of a local run; 0: one per core (at most 8).
THREADS = Bounds(0, 512, integer=True)
#: Half the width of a grid around the field [m] (heightlimit, zones --steps): 10 m to 100 km.
EXTENT_M = Bounds(10.0, 100_000.0)
#: How far the sun sectors are drawn from the field centre [m]: 1 m to 100 km.
SECTOR_RADIUS_M = Bounds(1.0, 100_000.0)
#: Height of one band of ``zones --steps`` [m].
STEP_M = Bounds(0.5, 10_000.0)
#: The viewpoint of the horizon diagram above the field ground [m]: 0 to 1 km.
EYE_HEIGHT_M = Bounds(0.0, 1000.0)
#: How far the horizon diagram looks for terrain [m]: 10 m to 100 km.
TERRAIN_RADIUS_M = Bounds(10.0, 100_000.0)
#: Cell size of the height-limit raster [m] (heightlimit --resolution): 0.1 m to 10 km.
RESOLUTION_M = Bounds(0.1, 10_000.0)
#: The observation field's ground in a DEM's datum [m]: −500 m (the Dead Sea shore: −430 m) to 9 km.
ELEVATION_M = Bounds(-500.0, 9000.0)
#: Raster rows computed and written at a time: 1 to 1 million.
BLOCK_ROWS = Bounds(1, 1_000_000, integer=True)
