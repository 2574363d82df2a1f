"""What ``check`` and ``report`` read: one proposal's footprint (WKT text, or a vector file
whose features are united into one proposal), or a CAD drawing's entities, each its own
proposal (:func:`read_drawing`).

WKT is read without the table stack (pandas, GDAL): ``geozones check --footprint
"POLYGON (...)"`` needs only shapely and pyproj, which keeps the command's start-up light
(issue 13: the command in ≤ 0.3 s for WKT input).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import shapely

from ..core.coords import parse_crs
from ..core.geometry import parse_many
from ..errors import GeometryError, InputError
from .base import is_wgs84_lonlat
from .formats import input_kind
from .vector import read_vector

__all__ = ["is_wkt_text", "read_wkt_footprint", "read_footprint", "is_wgs84_lonlat", "is_drawing", "read_drawing"]


def is_wkt_text(text: str) -> bool:
    """True when ``text`` can only be WKT (never a file name): it holds a parenthesis or is
    too long for a path. :func:`read_footprint` reads such text as WKT."""
    return len(text) >= 4096 or "(" in text


def read_wkt_footprint(text: str, crs: str | None = None, what: str = "--footprint"):
    """``(geometry, crs, notes)`` from WKT; without ``crs`` EPSG:4326 is assumed and noted."""
    notes: list[tuple[str, dict[str, Any]]] = []
    limited = np.full(1, None, dtype=object)
    geom = parse_many(np.array([text], dtype=object), wkb=False, problems=limited)[0][0]  # curves linearised
    if limited[0] is not None:   # a curve past the vertex limit
        raise limited[0]
    if geom is None:
        raise GeometryError("geometry_parse", what=what, text=text[:60])
    if geom.is_empty:
        raise GeometryError("geometry_empty", what=what)
    if crs is None:
        notes.append(("assume_crs_default", {"crs": "EPSG:4326"}))
        crs = "EPSG:4326"
    return geom, parse_crs(crs), notes


def is_drawing(text: str) -> bool:
    """True when ``text`` names a CAD drawing (a ``.dxf``; :func:`geozones.io.formats.input_kind`
    decides): its entities are several proposals (:func:`read_drawing`), never one union."""
    return not is_wkt_text(text) and input_kind(Path(text)) == "dxf"


def read_drawing(path: str | Path, crs: str | None = None, layer: str | None = None):
    """A drawing's entities, one row each (:func:`geozones.io.dxf.read_dxf`), with its CRS and
    notes: ``(GeoDataFrame, crs, notes)``. A drawing with no entity read is refused."""
    gdf, file_crs, notes = read_vector(path, crs, layer=layer)
    if len(gdf) == 0:
        raise InputError("file_no_features", path=str(path))
    return gdf, file_crs, notes


def read_footprint(text: str, crs: str | None = None, what: str = "--footprint", layer: str | None = None):
    """A proposal from WKT or a vector file (DXF too), with its CRS and notes on what was assumed.

    Returns ``(geometry, crs, notes)`` where notes are ``(message_key, params)`` pairs.
    A file with several features gives their union (one proposal); a drawing is read by
    :func:`read_drawing` instead, where each entity is its own proposal.
    """
    notes: list[tuple[str, dict[str, Any]]] = []
    path = Path(text)
    if not is_wkt_text(text):
        input_kind(path)   # a DWG is refused, whether or not it exists
    if not is_wkt_text(text) and path.exists():
        gdf, file_crs, file_notes = read_vector(path, crs, layer=layer)
        notes += file_notes
        geoms = gdf.geometry.values[~(gdf.geometry.isna() | gdf.geometry.is_empty).to_numpy()]
        if len(geoms) == 0:
            raise InputError("file_no_features", path=str(path))
        if len(geoms) > 1:
            notes.append(("assume_union", {"path": str(path), "n": len(geoms)}))
            geom = shapely.union_all(shapely.make_valid(np.asarray(geoms)))
        else:
            geom = geoms[0]
        return geom, file_crs, notes
    geom, geom_crs, wkt_notes = read_wkt_footprint(text, crs, what)
    return geom, geom_crs, notes + wkt_notes
