"""Pilot areas as facts: a boundary and the building rules that apply inside it.

The rules are ordinary rule rows (:class:`geozones.core.rules.Rule` with ``where = "area"``
and ``limit = "storeys"``), evaluated by the one evaluator with the station's rules. Reading
pilot files and boundary files is :mod:`geozones.pilot`'s job.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from pyproj import Geod
from shapely.geometry.base import BaseGeometry

from .rules import Rule
from .text import Text

__all__ = ["PilotArea", "geodesic_area_km2", "storeys_from_height", "low_rise_share", "with_boundary"]


@dataclass(frozen=True)
class PilotArea:
    """A pilot area: boundary (WGS84 lon/lat) and its rules (``where = "area"``).

    Attributes
    ----------
    id : str
        Its id (``pinglu``).
    name : Text
        Its name in English and Chinese.
    boundary : shapely geometry
        The boundary, WGS84 longitude/latitude. [deg]
    boundary_source : str
        Where the boundary came from.
    provisional : bool
        Whether the boundary is a stand-in for the official polygon.
    area_km2 : float
        The area the plan states (21.13 km² for Pinglu), the boundary is checked against. [km²]
    area_warn_fraction : float
        A boundary whose geodesic area is off by more than this fraction is warned about.
    reference_lonlat : (float, float)
        Where the boundary is expected to be centred (the county seat), for the GCJ-02 test. [deg]
    reference_name : str
        That place's name.
    storey_height_m : float
        Storey height for storeys estimated from height. [m]
    low_rise_storeys : int
        The most storeys of a low-rise building (6 at Pinglu).
    low_rise_share_target : float
        The share of new housing floor area the plan asks for in low-rise buildings (0.70).
    rules : tuple of Rule
        Its rule rows (``where = "area"``), read by the one evaluator.
    source : str
        The sections of the plan the rules come from.
    source_path : str
        The pilot file it was read from ("" when built in code).
    boundary_path : str
        The boundary file it was read from ("" when built in code).
    """

    id: str
    name: Text
    boundary: BaseGeometry
    boundary_source: str
    provisional: bool
    area_km2: float
    area_warn_fraction: float
    reference_lonlat: tuple[float, float]
    reference_name: str
    storey_height_m: float
    low_rise_storeys: int
    low_rise_share_target: float
    rules: tuple[Rule, ...]
    source: str = ""
    source_path: str = ""
    boundary_path: str = ""

    @property
    def name_zh(self) -> str:
        return self.name.zh


def geodesic_area_km2(geom: BaseGeometry) -> float:
    """Area on the WGS84 ellipsoid of a lon/lat polygon. [km²]

    Parameters
    ----------
    geom : shapely geometry
        A polygon or multipolygon in WGS84 longitude/latitude. [deg]

    Returns
    -------
    float
        Its geodesic area (pyproj ``Geod``), e.g. the Pinglu pilot area's 21.13 km². [km²]
    """
    area, _ = Geod(ellps="WGS84").geometry_area_perimeter(geom)
    return abs(area) / 1e6


def storeys_from_height(height_m: np.ndarray, storey_height_m: float) -> np.ndarray:
    """Storeys estimated from height: ``round(height / storey height)``, at least 1.

    Parameters
    ----------
    height_m : ndarray of float
        Building heights. [m]
    storey_height_m : float
        Height of one storey (the station file's ``[buildings].storey_height_m``). [m]

    Returns
    -------
    ndarray of float
        Storeys of each building (NaN where the height is NaN).

    Examples
    --------

    >>> storeys_from_height(np.array([18.0, 19.4, 19.6, 1.0]), 3.0).tolist()
    [6.0, 6.0, 7.0, 1.0]
    """
    h = np.asarray(height_m, dtype=float)
    return np.where(np.isnan(h), np.nan, np.maximum(np.floor(h / storey_height_m + 0.5), 1.0))


def low_rise_share(floor_area_m2: np.ndarray, storeys: np.ndarray, low_rise_storeys: int
                   ) -> tuple[float | None, float]:
    """Share of floor area in buildings of at most ``low_rise_storeys`` storeys.

    Rows with unknown storeys are left out of both sums.

    Parameters
    ----------
    floor_area_m2 : ndarray of float, shape (n,)
        Floor area of each building. [m²]
    storeys : ndarray of float, shape (n,)
        Storeys of each building; NaN when unknown.
    low_rise_storeys : int
        The most storeys a low-rise building has (the pilot file's, e.g. 6).

    Returns
    -------
    share : float or None
        Share of the floor area in low-rise buildings, in [0, 1]; None without floor area.
    total : float
        The floor area counted. [m²]

    Examples
    --------

    >>> low_rise_share(np.array([1000.0, 500.0, 500.0]), np.array([6, 7, 3]), 6)
    (0.75, 2000.0)
    """
    a = np.asarray(floor_area_m2, dtype=float)
    s = np.asarray(storeys, dtype=float)
    ok = ~(np.isnan(a) | np.isnan(s))
    total = float(a[ok].sum())
    if total <= 0:
        return None, 0.0
    return float(a[ok & (s <= low_rise_storeys)].sum()) / total, total


def with_boundary(pilot: PilotArea, boundary: BaseGeometry, source: str) -> PilotArea:
    """A copy of ``pilot`` with another boundary (WGS84).

    Parameters
    ----------
    pilot : PilotArea
        The pilot area whose rules and settings are kept.
    boundary : shapely geometry
        The new boundary, WGS84 longitude/latitude. [deg]
    source : str
        Where the boundary came from (a file path), shown with the pilot area.

    Returns
    -------
    PilotArea
        The pilot area with ``boundary``, no longer marked provisional.
    """
    return replace(pilot, boundary=boundary, boundary_source=source, provisional=False)
