"""geozones: check proposals against meteorological-station protection zones.

>>> import geozones
>>> geozones.check("POINT (111.5745 35.5054)", height=10).verdict
'pass'

The pure core is :mod:`geozones.core`; importing it (or this package) loads no GIS-file,
raster, map or command-line library.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

# Modules that moved into the core keep their old import paths (geozones.rules, ...).
_MOVED = {"kinds": "kinds", "sun": "sun", "rules": "rules", "zones": "zones", "coords": "coords",
          "datums": "datums", "geometry": "geometry", "curves": "curves"}
for _old, _new in _MOVED.items():
    sys.modules.setdefault(f"{__name__}.{_old}", importlib.import_module(f".core.{_new}", __name__))

# `geozones.check` is the function (it shadows the module of the same name), so it is
# imported now rather than on first use.
from .check import CheckResult, ZoneSet, assess, check  # noqa: E402, F401

_EXPORTS = {
    "check": "check", "assess": "check", "ZoneSet": "check", "CheckResult": "check",
    "Assessment": "core.engine", "Finding": "text", "GeozonesError": "errors",
    "KINDS": "core.kinds", "Station": "core.station", "load_station": "station",
    "StationFrame": "core.zones", "ZONES": "core.zones", "Proposals": "core.proposals",
    "Text": "core.text",
    # needs geopandas, which a plain `import geozones` does not load: imported on first use
    "assess_frame": "screen",
}

__all__ = list(_EXPORTS)
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
