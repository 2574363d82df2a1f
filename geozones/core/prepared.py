"""Geometries prepared for predicates, once per thread.

GEOS prepared geometries build their indexes lazily and keep mutable state while a predicate
runs, so one prepared geometry used from two threads at once can corrupt memory
(libgeos/geos#825, open for GEOS 3.14). geozones shares its zone geometries (the sun
wedges, the protected area, the pilot boundaries) between every check of a process
(:meth:`geozones.check.ZoneSet.shared`); a web service calling :func:`geozones.check` from
a thread pool crashed with a segmentation fault in 1 of 3 runs with 8 threads.

:class:`per_thread` is :func:`functools.cached_property` for such geometries: the value is
computed once, unprepared, and every thread that reads it gets its own copy (the same
coordinates, a separate GEOS object), prepared. Copies are keyed by thread ident (idents
are reused, so a pool of threads keeps a bounded set of them); the object stays picklable
(dask engine), its copies pickled as none: each process prepares its own.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar

import shapely

__all__ = ["per_thread", "share"]

T = TypeVar("T")


def _prepared_copy(value: Any) -> Any:
    """``value`` with every geometry in it (alone, or in nested tuples) copied and prepared."""
    if isinstance(value, tuple):
        return tuple(_prepared_copy(v) for v in value)
    if isinstance(value, shapely.Geometry):
        copy = shapely.from_wkb(shapely.to_wkb(value, flavor="iso"))  # exact: WKB keeps the doubles
        shapely.prepare(copy)
        return copy
    return value


class _Copies(dict):
    """The per-thread copies of an object's geometries; pickled empty (a GEOS preparation does
    not survive pickling, and another process has other threads)."""

    def __reduce__(self):
        return (_Copies, ())


class per_thread(Generic[T]):
    """A cached property whose geometries are prepared separately in each thread."""

    def __init__(self, func: Callable[[Any], T]) -> None:
        self.func = func
        self.name = func.__name__
        self.__doc__ = func.__doc__

    def __set_name__(self, owner, name: str) -> None:
        self.name = name

    def __get__(self, obj, owner=None):
        if obj is None:
            return self
        d = obj.__dict__
        base_key = f"_unprepared_{self.name}"
        if base_key not in d:
            d[base_key] = self.func(obj)
        copies = d.get("_prepared_per_thread")
        if copies is None:
            copies = d["_prepared_per_thread"] = _Copies()
        key = (self.name, threading.get_ident())
        hit = copies.get(key)
        if hit is None:
            hit = copies[key] = _prepared_copy(d[base_key])
        return hit


def share(source: Any, target: Any, name: str) -> None:
    """Give ``target`` the value ``source`` computed for the :class:`per_thread` property
    ``name`` (computed now if need be), so it is not computed twice; each still prepares its
    own copies per thread."""
    getattr(source, name)
    target.__dict__[f"_unprepared_{name}"] = source.__dict__[f"_unprepared_{name}"]


