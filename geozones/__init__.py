"""geozones: check proposals against meteorological-station protection zones.

>>> import geozones
>>> geozones.check("POINT (111.5745 35.5054)", height=10).verdict
'pass'
"""

from .check import Assessment, CheckResult, Finding, ZoneSet, assess, check
from .errors import GeozonesError
from .kinds import KINDS
from .station import Station, load_station
from .zones import ZONES, StationFrame

__all__ = [
    "check", "assess", "assess_frame", "ZoneSet", "CheckResult", "Assessment", "Finding", "GeozonesError", "KINDS",
    "Station", "load_station", "StationFrame", "ZONES",
]
__version__ = "0.1.0"


def __getattr__(name: str):
    """``geozones.assess_frame`` is imported on first use (it needs geopandas, which a plain
    ``import geozones`` does not load)."""
    if name == "assess_frame":
        from .screen import assess_frame

        return assess_frame
    raise AttributeError(f"module 'geozones' has no attribute {name!r}")
