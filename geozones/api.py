"""The Python API in one place: what a notebook needs, with one argument order.

Every function takes the geometry (one geometry, many, a GeoDataFrame, or a file path)
first; everything else is a keyword:

- ``check(geometry, *, height, kind, ...)``: one proposal, a :class:`~geozones.check.CheckResult`;
- ``check_stations(geometry, *, network, height, kind, ...)``: one proposal against every
  station of a :class:`~geozones.check.StationNetwork` in reach;
- ``assess(geoms, *, height, kind, ...)``: many proposals, a :class:`~geozones.text.explain.Results`;
- ``assess_frame(gdf, *, height_field, kind_field, ...)``: a GeoDataFrame with the ``gz_*``
  columns ``geozones screen`` writes;
- ``screen_file(input_path, output_path, *, zones, opts, ...)``: a file screened into another,
  as ``geozones screen`` does; ``output_columns(zones)`` and ``column_types(columns)``: the
  ``gz_*`` columns it adds and their types;
- ``zone_layer(frame, *, crs, lang, ...)``: the zone bands as a GeoDataFrame (``geozones
  zones``), of a :class:`~geozones.core.zones.StationFrame` made of ``load_station(path)``;
- ``write_heightlimit(path, frame, *, resolution_m, extent_m, crs, ...)``: the permitted-height
  GeoTIFF (``geozones heightlimit``);
- ``verdict_qml()`` and ``zones_qml(zone_ids, labels)``: the QGIS styles ``screen`` and
  ``zones`` store in their GeoPackages;
- ``use_cache_dir(folder)`` and ``cache_dir_from(environ)``: where the sun tables of the sun
  figures are kept (a program's edge reads its environment and names the folder).

What the QGIS Processing provider (``qgis/geozones_qgis``) calls is this module, nothing deeper.

Heights are metres above the observation-field ground [m], distances metres from the
observation-field fence [m], coordinates in ``crs`` (default EPSG:4326, longitude first). Each
function is defined once, in the module named in its documentation, and re-exported here and
from :mod:`geozones`; :func:`assess_frame` loads geopandas when called, and
:func:`screen_file` is imported on first use.

>>> from geozones.api import assess, check
>>> check("POINT (111.5745 35.5054)", height=10).verdict
'pass'
>>> assess(["POINT (111.5745 35.5054)"], height=[10.0]).verdict.tolist()
['pass']
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .check import (
    CheckResult,
    StationNetwork,
    StationsCheckResult,
    ZoneSet,
    assess,
    assess_frame,
    check,
    check_stations,
)
from .core.zones import StationFrame
from .pilot import load_pilots
from .station import load_station

if TYPE_CHECKING:
    from .heightlimit import write_heightlimit
    from .layers import zone_layer
    from .screen import column_types, output_columns, screen_file
    from .styles import verdict_qml, zones_qml
    from .sunshine import cache_dir_from, use_cache_dir

__all__ = ["check", "check_stations", "assess", "assess_frame", "screen_file", "CheckResult",
           "StationsCheckResult", "ZoneSet", "StationNetwork", "StationFrame", "load_station", "load_pilots",
           "output_columns", "column_types", "zone_layer", "write_heightlimit", "verdict_qml", "zones_qml",
           "use_cache_dir", "cache_dir_from"]

#: Names imported on first use (they need geopandas or rasterio, which ``import geozones`` does
#: not load), and their modules.
_LAZY = {"screen_file": "screen", "output_columns": "screen", "column_types": "screen", "zone_layer": "layers",
         "write_heightlimit": "heightlimit", "verdict_qml": "styles", "zones_qml": "styles",
         "use_cache_dir": "sunshine", "cache_dir_from": "sunshine"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(f".{_LAZY[name]}", __package__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY])
