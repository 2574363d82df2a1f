"""How big an input may make the work: size bombs refused before anything is allocated.

A few inputs make work out of proportion to their own size: a raster's extent and resolution
(``heightlimit --extent 1e6 --resolution 0.1`` asks for 4·10¹³ cells), a DXF circle of radius
10¹⁴ flattened to 1 cm (10⁸ vertices), a curved geometry with millions of arcs, a station
file that is 3 GB. Each is compared with its limit, stated here with its default, before the
work starts; past it, one line names the input and the limit. Every limit can be raised:

========================  ===========================  ==========================  ==========
limit                     what it counts                the setting                 default
========================  ===========================  ==========================  ==========
``max_cells``             cells of a raster or grid     ``--max-cells``,            50,000,000
                          (heightlimit, zones --steps)  ``GEOZONES_MAX_CELLS``
``max_vertices``          vertices one arc, circle or   ``GEOZONES_MAX_VERTICES``   1,000,000
                          curved geometry becomes
``max_file_mb``           a station, pilot or registry  ``GEOZONES_MAX_FILE_MB``    64
                          file or station table, read
                          whole [MB]
========================  ===========================  ==========================  ==========

The command line reads the ``GEOZONES_MAX_*`` variables once (:meth:`Limits.from_environ`,
at the edge, as ``GEOZONES_THREADS``) and runs the command :func:`using` them; the library uses
:func:`limits` (the defaults unless a caller says otherwise with :func:`using`). Worker
processes forked by a local run inherit them; dask workers use the defaults.

>>> limits().max_cells
50000000
>>> with using(max_cells=10):
...     limits().max_cells
10
"""

from __future__ import annotations

import contextvars
import dataclasses
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from ..errors import InputError
from .numbers import Bounds, checked, parse_number
from .text import Key

__all__ = ["Limits", "limits", "using", "ENVIRONMENT", "MAX_CELLS", "MAX_VERTICES", "MAX_FILE_MB"]

#: The defaults (see the table above).
MAX_CELLS = 50_000_000
MAX_VERTICES = 1_000_000
MAX_FILE_MB = 64.0

#: Each limit's environment variable and what it may be set to.
ENVIRONMENT: dict[str, tuple[str, Bounds]] = {
    "max_cells": ("GEOZONES_MAX_CELLS", Bounds(1, 10**15, integer=True)),
    "max_vertices": ("GEOZONES_MAX_VERTICES", Bounds(4, 10**12, integer=True)),
    "max_file_mb": ("GEOZONES_MAX_FILE_MB", Bounds(0.0, 10**9, min_open=True)),
}


@dataclass(frozen=True)
class Limits:
    """The size limits of a run (see the module's table).

    Attributes
    ----------
    max_cells : int
        Cells of a raster or grid computed (``heightlimit``, ``zones --steps``).
    max_vertices : int
        Vertices one arc, circle or curved geometry may become when made straight.
    max_file_mb : float
        Size of a station, pilot or registry file or station table read whole. [MB]
    """

    max_cells: int = MAX_CELLS
    max_vertices: int = MAX_VERTICES
    max_file_mb: float = MAX_FILE_MB

    def __post_init__(self) -> None:
        for name, (_env, bounds) in ENVIRONMENT.items():
            checked(getattr(self, name), name, bounds)

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> Limits:
        """The limits ``GEOZONES_MAX_CELLS``, ``GEOZONES_MAX_VERTICES`` and
        ``GEOZONES_MAX_FILE_MB`` set (the defaults for the others); a value that is no number
        in range is refused, naming the variable."""
        given: dict[str, Any] = {}
        for name, (env, bounds) in ENVIRONMENT.items():
            text = environ.get(env)
            if text is None or not text.strip():
                continue
            value = parse_number(text, bounds)
            if value is None or bounds.problem(value) is not None:
                raise bounds.error(env, text.strip())
            given[name] = value
        return cls(**given)

    def check_cells(self, extent_m: float, resolution_m: float) -> int:
        """The cells a side of a square grid ``2 * extent_m`` wide with ``resolution_m`` cells
        (the height-limit raster, the ``zones --steps`` grid); refused past ``max_cells``."""
        import math

        ratio = 2 * extent_m / resolution_m
        n = math.ceil(ratio) if math.isfinite(ratio) else 0
        if not math.isfinite(ratio) or n * n > self.max_cells:
            raise InputError("limit_cells", extent=f"{extent_m:g}", resolution=f"{resolution_m:g}", size=f"{n:,}" if n else "∞",
                             cells=f"{n * n:,}" if n else "∞", limit=f"{self.max_cells:,}")
        return n

    def check_file(self, size_bytes: int, path: str, what: str) -> None:
        """Refuse a file of ``size_bytes`` past ``max_file_mb`` (``what``: a word key naming
        its kind: ``file_station``, ``file_pilot``, ``file_table``)."""
        if size_bytes > self.max_file_mb * 1e6:
            raise InputError("limit_file", what=Key(what), path=path, size=f"{size_bytes / 1e6:,.0f}",
                             limit=f"{self.max_file_mb:g}")


_CURRENT: contextvars.ContextVar[Limits] = contextvars.ContextVar("geozones_limits", default=Limits())  # noqa: B039 (frozen)


def limits(**given: Any) -> Limits:
    """The limits in force (the defaults, unless inside :func:`using`), with those ``given``
    that are not None instead (a function's ``max_cells=`` argument).

    Parameters
    ----------
    **given
        Limits given for this call (None: the one in force).

    Returns
    -------
    Limits
        The limits.
    """
    current = _CURRENT.get()
    changes = {k: v for k, v in given.items() if v is not None}
    return dataclasses.replace(current, **changes) if changes else current


@contextmanager
def using(given: Limits | None = None, **changes: Any) -> Iterator[Limits]:
    """Run the block with ``given`` limits, or the current ones with ``changes``
    (``using(max_vertices=5_000_000)``).

    Parameters
    ----------
    given : Limits, optional
        The limits to use.
    **changes
        Limits changed from the current ones.

    Yields
    ------
    Limits
        The limits in force inside the block.
    """
    new = dataclasses.replace(given or limits(), **changes)
    token = _CURRENT.set(new)
    try:
        yield new
    finally:
        _CURRENT.reset(token)
