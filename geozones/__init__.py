"""geozones: check proposals against meteorological-station protection zones.

>>> import geozones
>>> geozones.check("POINT (111.5745 35.5054)", height=10).verdict
'pass'

The public API is :mod:`geozones.api` (``check``, ``check_stations``, ``assess``,
``assess_frame``, ``screen_file``: the geometry first, everything else by keyword), the readers
of station and pilot files, and the errors of :mod:`geozones.errors`; ``__all__`` lists them.
The pure core is :mod:`geozones.core`; importing it (or this package) loads no GIS-file,
raster, map, diagram, PDF, CAD or command-line library.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# `geozones.check` is the function (it shadows the module of the same name).
from .api import (
    CheckResult,
    StationNetwork,
    StationsCheckResult,
    ZoneSet,
    assess,
    assess_frame,
    check,
    check_stations,
)
from .core.engine import Assessment
from .core.kinds import KINDS
from .core.proposals import Proposals
from .core.station import Station
from .core.text import Text
from .core.zones import ZONES, StationFrame
from .errors import (
    CoordinateError,
    CRSError,
    GeometryError,
    GeozonesError,
    InputError,
    MissingExtraError,
    OutputError,
    StationFileError,
)
from .pilot import load_pilot, load_pilots
from .station import load_station, load_stations
from .text.explain import Finding

if TYPE_CHECKING:
    from .api import (
        cache_dir_from,
        column_types,
        output_columns,
        screen_file,
        use_cache_dir,
        verdict_qml,
        write_heightlimit,
        zone_layer,
        zones_qml,
    )

__version__ = "0.1.0"

__all__ = [
    # the API (geozones.api)
    "check", "check_stations", "assess", "assess_frame", "screen_file",
    "output_columns", "column_types", "zone_layer", "write_heightlimit", "verdict_qml", "zones_qml",
    "use_cache_dir", "cache_dir_from", "CheckResult", "StationsCheckResult", "ZoneSet", "StationNetwork",
    # reading station and pilot files
    "load_station", "load_stations", "load_pilot", "load_pilots",
    # the errors (geozones.errors)
    "GeozonesError", "InputError", "CRSError", "CoordinateError", "GeometryError", "StationFileError",
    "OutputError", "MissingExtraError",
    # the core's objects, for those who build on it
    "Assessment", "Finding", "KINDS", "Station", "StationFrame", "ZONES", "Proposals", "Text",
    "__version__",
]

#: Names imported on first use: they need geopandas, which ``import geozones`` does not load.
_LAZY = ("screen_file", "output_columns", "column_types", "zone_layer", "write_heightlimit", "verdict_qml", "zones_qml",
         "use_cache_dir", "cache_dir_from")


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(".api", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY])
