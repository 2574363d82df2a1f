"""One footprint given as WKT text, read without the table stack (pandas, GDAL).

``geozones check --footprint "POLYGON (...)"`` needs only shapely and pyproj; keeping these
readers apart from :mod:`geozones.io` keeps the command's start-up light (issue 13: the
command in ≤ 0.3 s for WKT input).
"""

from __future__ import annotations

from typing import Any

from .core.coords import parse_crs
from .errors import GeometryError

__all__ = ["is_wkt_text", "read_wkt_footprint", "is_wgs84_lonlat"]


def is_wkt_text(text: str) -> bool:
    """True when ``text`` can only be WKT (never a file name): it holds a parenthesis or is
    too long for a path. :func:`geozones.io.read_footprint` reads such text the same way."""
    return len(text) >= 4096 or "(" in text


def read_wkt_footprint(text: str, crs: str | None = None, what: str = "--footprint"):
    """``(geometry, crs, notes)`` from WKT; without ``crs`` EPSG:4326 is assumed and noted."""
    import numpy as np

    from .core.geometry import parse_many

    notes: list[tuple[str, dict[str, Any]]] = []
    geom = parse_many(np.array([text], dtype=object), wkb=False)[0][0]  # curves linearised
    if geom is None:
        raise GeometryError("geometry_parse", what=what, text=text[:60])
    if geom.is_empty:
        raise GeometryError("geometry_empty", what=what)
    if crs is None:
        notes.append(("assume_crs_default", {"crs": "EPSG:4326"}))
        crs = "EPSG:4326"
    return geom, parse_crs(crs), notes


def is_wgs84_lonlat(crs) -> bool:
    """True for WGS84 longitude/latitude (EPSG:4326 or OGC:CRS84, GeoJSON's CRS) without a
    web-map datum: coordinates that may have been copied from Gaode/Baidu all the same."""
    from .core.datums import datum_of

    if crs is None or datum_of(crs) is not None:
        return False
    from pyproj import CRS

    return CRS(crs).equals(CRS.from_epsg(4326), ignore_axis_order=True)
