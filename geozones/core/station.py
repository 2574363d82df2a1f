"""A weather station and its protection zones, as facts (no file reading here).

:func:`geozones.station.load_station` builds a :class:`Station` from a station file; every
fact about the station lives in that file, and this module only derives what follows from
them (for example the Gauss-Krüger zones around its longitude).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from .rules import DEFAULT_TOLERANCE_M, Rule
from .text import Text

__all__ = ["Station", "ZONE_IDS", "gauss_kruger_epsg", "sun_angle_deg"]

#: Zone ids of a station, innermost first (``zone`` codes in measurements index this).
ZONE_IDS: tuple[str, ...] = ("body", "protection", "control", "general", "outside")


def gauss_kruger_epsg(longitude_deg: float) -> tuple[str, str]:
    """The CGCS2000 3° Gauss-Krüger CRSs covering ``longitude_deg``: the one without the zone
    number in the easting ("CM" codes, EPSG:4534-4554 for 75°E-135°E) and the one with it
    ("zone" codes, EPSG:4513-4533 for zones 25-45). [deg]

    >>> gauss_kruger_epsg(111.571)
    ('EPSG:4546', 'EPSG:4525')
    >>> gauss_kruger_epsg(120.2)
    ('EPSG:4549', 'EPSG:4528')
    """
    zone = round(longitude_deg / 3.0)
    zone = min(max(zone, 25), 45)  # CGCS2000 defines zones 25-45 (China)
    return f"EPSG:{4534 + zone - 25}", f"EPSG:{4513 + zone - 25}"


@dataclass(frozen=True)
class Station:
    """A station: position, observation field, zones, sun parameters and rules.

    Distances are metres from the fence of the square field; angles are degrees clockwise
    from true north; position is WGS84/CGCS2000 degrees of the field centre.

    ``zone_names`` (zone id -> :class:`Text`) and ``zone_articles`` (zone id -> article) come
    from the station file (``geozones.station/2``); empty for ``/1`` files, whose names are
    then made from the distances. ``crs_candidates`` are the CRSs tried when coordinates
    land far from every zone set (default: the CGCS2000 Gauss-Krüger zones around the
    station and WGS84). ``storey_height_m`` estimates storeys from height (None: not in the
    file).

    Attributes
    ----------
    id : str
        Its id (``jiangxian``).
    name : Text
        Its name in English and Chinese.
    cma_id : int or None
        The CMA station number (53965 for Jiangxian).
    station_class : str
        Its national class (``basic``, ``reference``, ``general`` …).
    latitude_deg, longitude_deg : float
        The field centre, WGS84/CGCS2000. [deg]
    elevation_m : float
        The field's ground elevation. [m]
    position_source : Text
        Where the position comes from.
    position_is_default : bool
        Whether the position is a stand-in to be confirmed.
    field_size_m : float
        Side of the square observation field (25 m, Art. 12.1). [m]
    field_rotation_deg : float
        The field's rotation, clockwise. [deg]
    protection_m, control_m, general_m : float
        Outer edges of the construction protection range (50 m, Art. 12.2), the
        construction control belt (1000 m, Art. 12.3) and the general protection zone
        (2000 m, Art. 13), from the fence. [m]
    general_upwind_m : float
        Outer edge of the general zone in the upwind sector (5000 m, Art. 11). [m]
    upwind_sector_deg : float
        Width of the upwind sector (90°). [deg]
    prevailing_wind_from_deg : float or None
        The azimuth the prevailing wind blows from; None when unknown. [deg]
    solstice_declination_deg : float
        The sun's declination at the solstices (23.44°), for the sun sectors. [deg]
    horizon_altitude_deg : float
        The sun's altitude at sunrise and sunset (-0.833°: refraction and its radius). [deg]
    sun_sector_radius_m : float
        How far from the field centre the sun sectors' limit (Art. 12.3 ⑦) is evaluated. [m]
    plausible_radius_m : float
        Coordinates farther than this from the station are diagnosed as a mistake. [m]
    rules : tuple of Rule
        The rule rows, each with its article.
    source_path : str
        The station file.
    sources : mapping of str to Text
        Sources of the ``[field]``, ``[zones]`` and ``[sun]`` facts.
    tolerance_m : float
        Thresholds are decided with this tolerance (1 mm). [m]
    rules_incomplete : bool
        The plan's annexes are not published, so the rules may be incomplete.
    zone_names : mapping of str to Text
        Names of the zones.
    zone_articles : mapping of str to str
        The article of each zone.
    crs_candidates : tuple of str
        CRSs tried to diagnose coordinates far from every zone.
    storey_height_m : float or None
        Storey height for storeys estimated from height. [m]
    schema : str
        The station file's schema (``geozones.station/2``).
    sunshine_recorder_height_m : float
        Height of the sunshine recorder above the field ground, at the field centre
        (``[sunshine].recorder_height_m``, 1.5 m). [m]
    sunshine_year : int
        Reference year of the sun figures (``[sunshine].reference_year``, 2025).
    sunshine_clear_sky : str
        Clear-sky model deciding the WMO sunshine minutes (``[sunshine].clear_sky_model``,
        ``ineichen``).
    sunshine_utc_offset_h : float
        Local time of the sun figures (``[sunshine].utc_offset_h``, 8: Beijing time). [h]
    """

    id: str
    name: Text
    cma_id: int | None
    station_class: str
    latitude_deg: float
    longitude_deg: float
    elevation_m: float
    position_source: Text
    position_is_default: bool
    field_size_m: float
    field_rotation_deg: float
    protection_m: float
    control_m: float
    general_m: float
    general_upwind_m: float
    upwind_sector_deg: float
    prevailing_wind_from_deg: float | None
    solstice_declination_deg: float
    horizon_altitude_deg: float
    sun_sector_radius_m: float
    plausible_radius_m: float
    rules: tuple[Rule, ...]
    source_path: str = ""
    sources: Mapping[str, Text] = field(default_factory=dict)  #: [field]/[zones]/[sun] source (en, zh)
    #: Thresholds are decided with this tolerance ([checks] tolerance_m). [m]
    tolerance_m: float = DEFAULT_TOLERANCE_M
    #: The plan's annexes (protection-standard table, maps) are not published, so the rules
    #: may be incomplete ([station] rules_incomplete); said in every result's assumptions.
    rules_incomplete: bool = False
    zone_names: Mapping[str, Text] = field(default_factory=dict)
    zone_articles: Mapping[str, str] = field(default_factory=dict)
    crs_candidates: tuple[str, ...] = ()
    storey_height_m: float | None = None
    schema: str = "geozones.station/2"
    sunshine_recorder_height_m: float = 1.5
    sunshine_year: int = 2025
    sunshine_clear_sky: str = "ineichen"
    sunshine_utc_offset_h: float = 8.0

    @property
    def name_zh(self) -> str:
        return self.name.zh

    @property
    def position_source_zh(self) -> str:
        return self.position_source.zh

    def rule(self, rule_id: str) -> Rule:
        """The rule with id ``rule_id`` (KeyError if the station has none)."""
        for r in self.rules:
            if r.id == rule_id:
                return r
        raise KeyError(rule_id)

    @property
    def general_extent_m(self) -> float:
        """Farthest reach of the general zone from the fence. [m]"""
        if self.prevailing_wind_from_deg is None:
            return self.general_m
        return max(self.general_m, self.general_upwind_m)

    @property
    def zone_bounds_m(self) -> dict[str, tuple[float, float]]:
        """Each zone's distance band from the fence ``(from, to)``. [m]"""
        return {"body": (0.0, 0.0), "protection": (0.0, self.protection_m),
                "control": (self.protection_m, self.control_m),
                "general": (self.control_m, self.general_extent_m)}

    @property
    def diagnosis_crs(self) -> tuple[str, ...]:
        """CRSs tried, in order, to name a coordinate mistake (see :mod:`geozones.core.coords`)."""
        if self.crs_candidates:
            return self.crs_candidates
        return (*gauss_kruger_epsg(self.longitude_deg), "EPSG:4326")


def sun_angle_deg(stations: Station | Iterable[Station]) -> float | None:
    """The sun-sector angle of a station, or the strictest of several: the smallest
    ``angle_deg`` of their ``where = "sun_sector"``, ``limit = "angle"`` rule rows (the
    Jiangxian plan Art. 12.3 (2) ⑦: obstruction elevation ≤ 5°).

    Parameters
    ----------
    stations : Station or iterable of Station
        The station, or the stations of a network.

    Returns
    -------
    float or None
        The angle [deg]; None when no station has an angle-limited sun-sector rule.

    Examples
    --------
    >>> from geozones.station import load_station
    >>> sun_angle_deg(load_station())
    5.0
    >>> sun_angle_deg([]) is None
    True
    """
    group = (stations,) if isinstance(stations, Station) else tuple(stations)
    angles = [r.angle_deg for s in group for r in s.rules
              if r.where == "sun_sector" and r.limit == "angle" and r.angle_deg is not None]
    return min(angles) if angles else None
