"""One bad geometry never sinks the batch: parsing and cleaning row by row where needed.

Vectorised shapely calls raise for a whole array when one value is hostile (a curve type in
WKT, a NaN vertex given to ``make_valid``); these functions try the fast array call first and
fall back to row by row only when it fails, so every row comes out with a geometry, a repair
or a per-row problem (a :class:`~geozones.errors.GeometryError`), never an exception.
"""

from __future__ import annotations

import numpy as np
import shapely

from ..errors import GeometryError
from .arrays import NONE, is_none
from .curves import linearize

__all__ = ["parse_many", "nonfinite", "clean"]


def _parse_one(value, wkb: bool):
    try:
        with np.errstate(invalid="ignore"):   # NaN coordinates: refused by the caller, in words
            return shapely.from_wkb(value) if wkb else shapely.from_wkt(value)
    except Exception:  # shapely raises GEOSException, ValueError, TypeError for bad values
        return None


def parse_many(raw: np.ndarray, wkb: bool, curves: bool = True, problems: np.ndarray | None = None
               ) -> tuple[np.ndarray, np.ndarray]:
    """Geometries from WKB (``wkb=True``) or WKT values; None where unreadable.

    Curved geometries (CIRCULARSTRING, CURVEPOLYGON …) are linearised
    (:func:`geozones.core.curves.linearize`). Returns ``(geoms, curved)``; ``curved`` marks rows
    that were linearised; with ``curves=False`` they stay None (for the caller to repair).
    A curve past the vertex limit stays None too, its :class:`~geozones.errors.GeometryError`
    put in ``problems`` (an array as long as ``raw``) when given.
    """
    raw = np.asarray(raw, dtype=object)
    try:
        with np.errstate(invalid="ignore"):   # NaN coordinates: a row problem, said in words
            geoms = (shapely.from_wkb(raw, on_invalid="ignore") if wkb
                     else shapely.from_wkt(raw, on_invalid="ignore"))
    except Exception:  # one curve makes the whole call raise
        geoms = np.array([None if v is None else _parse_one(v, wkb) for v in raw], dtype=object)
    curved = np.zeros(len(raw), dtype=bool)
    if not curves:
        return geoms, curved
    for i in np.flatnonzero(is_none(geoms) & ~is_none(raw)):
        try:
            geoms[i] = linearize(raw[i])
            curved[i] = True
        except GeometryError as exc:   # past the vertex limit: said, not "unreadable"
            geoms[i] = None
            if problems is not None:
                problems[i] = exc
        except (ValueError, IndexError, TypeError, UnicodeDecodeError, OverflowError,
                ZeroDivisionError, Exception):  # struct.error and GEOS errors: unreadable
            geoms[i] = None
    return geoms, curved


def nonfinite(geoms: np.ndarray) -> np.ndarray:
    """True for geometries with a NaN or infinite coordinate."""
    geoms = np.asarray(geoms, dtype=object)
    out = np.zeros(len(geoms), dtype=bool)
    if not len(geoms):
        return out
    coords, index = shapely.get_coordinates(geoms, include_z=False, return_index=True)
    bad = ~np.isfinite(coords).all(axis=1)
    out[index[bad]] = True
    return out


def clean(geoms: np.ndarray, problems: np.ndarray | None = None
          ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Make every geometry safe to measure: ``(geoms, problems, repaired)``.

    A non-finite coordinate makes the row a problem (``geometry_nonfinite``); an invalid
    geometry is repaired with ``shapely.make_valid`` (``repaired`` set); a geometry GEOS
    cannot repair becomes a problem (``geometry_failed``). Rows with a problem get None.
    """
    geoms = np.asarray(geoms, dtype=object).copy()
    n = len(geoms)
    problems = np.full(n, None, dtype=object) if problems is None else problems.copy()
    repaired = np.zeros(n, dtype=bool)
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    bad = present & nonfinite(geoms)
    for i in np.flatnonzero(bad):
        if problems[i] is None:
            problems[i] = GeometryError("geometry_nonfinite")
        geoms[i] = None
    present &= ~bad
    invalid = present & ~shapely.is_valid(np.where(present, geoms, NONE))
    rows = np.flatnonzero(invalid)
    if rows.size:
        try:
            geoms[rows] = shapely.make_valid(geoms[rows])
        except Exception:  # GEOS gave up on one of them: row by row
            for i in rows:
                try:
                    geoms[i] = shapely.make_valid(geoms[i])
                except Exception as exc:
                    problems[i] = GeometryError("geometry_failed", why=_why(exc))
                    geoms[i] = None
        repaired[rows] = ~is_none(geoms[rows])
    return geoms, problems, repaired


def _why(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:120] if text else type(exc).__name__
