"""Checking proposals against a station's zones: ``assess`` for arrays, ``check`` for one.

There is one code path: inputs become :class:`~geozones.core.proposals.Proposals` (CRS, axis
order, kinds, uses, heights, storeys and DEM handled once), which the core measures and
evaluates (:func:`geozones.core.engine.assess_proposals`). :func:`check` is that path on a
single row, with its findings and assumptions in words (:mod:`geozones.text.explain`).
"""

from __future__ import annotations

import functools
import os
import warnings
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from functools import cached_property
from typing import Any, TypeVar, cast, overload

import numpy as np
import shapely

from .core import numbers
from .core.coords import crs_label, parse_crs, remember, unknown_shift
from .core.engine import Assessment, Zones, assess_local, assess_proposals
from .core.pilot import PilotArea
from .core.prepared import share
from .core.proposals import Proposals
from .core.rules import VERDICTS
from .core.station import Station, sun_angle_deg
from .core.zones import StationFrame
from .errors import GeometryError, InputError
from .pilot import load_pilots
from .station import load_station
from .text import VERDICT_NAMES, Finding, Results, assumptions, findings, fmt, name, notices, pilot_assumptions, pilot_summary, t

__all__ = ["assess", "assess_frame", "check", "ZoneSet", "StationNetwork", "Assessment", "CheckResult", "Finding",
           "DEFAULT_CRS", "assess_local", "check_read", "check_stations", "StationsCheckResult", "frame_and_lonlat",
           "lonlat_wkt", "LONLAT_DECIMALS"]

DEFAULT_CRS = "EPSG:4326"


def _round(value: float | None, ndigits: int = 3) -> float | None:
    if value is None or not np.isfinite(value):
        return None
    return round(float(value), ndigits)


class ZoneSet(Zones):
    """The station and the pilot areas a check runs against, prepared once.

    ``station=None`` reads the shipped station; ``pilots=None`` loads the shipped pilot areas
    (``data/pilots``), ``()`` uses none. ``storey_height_m`` overrides the files' storey
    height. [m]

    Parameters
    ----------
    station : Station, optional
        The station (default: the shipped Jiangxian station).
    pilots : sequence of PilotArea, optional
        The pilot areas (default: the shipped ones; ``()``: none).
    frame : StationFrame, optional
        The station's frame, when already made (it is made of ``station`` otherwise).
    storey_height_m : float, optional
        Storey height for storeys estimated from height (default: the station file's). [m]
    """

    def __init__(self, station: Station | None = None,
                 pilots: Sequence[PilotArea] | None = None, *,
                 frame: StationFrame | None = None,
                 storey_height_m: float | None = None) -> None:
        # frame and storey_height_m by name only: `ZoneSet(station, pilots, 3.0)` put the
        # storey height in the frame's place (screen --storey-height crashed)
        if frame is None:
            frame = StationFrame(station or load_station())
        super().__init__(pilots=load_pilots() if pilots is None else tuple(pilots), frame=frame,
                         storey_height_m=storey_height_m)

    @classmethod
    def shared(cls, station: Station | None = None) -> ZoneSet:
        """The zone set for ``station`` (None: the shipped one) with the shipped pilot areas,
        prepared once per process and reused (issue 13: a check costs the measurement, not
        the rebuilding). The shipped files are re-read when they change on disk."""
        if "files" not in _SHARED_FILES:
            from .pilot import shipped_pilot_paths
            from .station import default_station_path

            _SHARED_FILES["station"] = [str(default_station_path())]
            _SHARED_FILES["files"] = [str(f) for f in shipped_pilot_paths()]
        files = (_SHARED_FILES["station"] if station is None else []) + _SHARED_FILES["files"]
        stamp = tuple((f, _mtime(f)) for f in files)
        key = (id(station), stamp)
        hit = _SHARED.get(key)
        if hit is not None and hit[0] is station:
            return hit[1]
        zones = cls(station)
        remember(_SHARED, key, (station, zones), size=8)  # holds the station: its id stays its own
        return zones


class _PilotFrame:
    """A station frame that measures nothing of the station: the pilot rules need only the
    pilot area a footprint touches (measured by :func:`geozones.core.engine.measure` from the
    boundaries), so the station's distances and sectors are not computed twice. Every present
    footprint is ``outside`` at D = 0 (unused: no station rule is evaluated with it)."""

    def __init__(self, frame: StationFrame) -> None:
        self._frame = frame
        self.station = frame.station
        self.crs = frame.crs

    def measure(self, geoms: np.ndarray):
        from .core.zones import OUTSIDE, Measurements

        n = len(geoms)
        missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
        zone = np.where(missing, -1, OUTSIDE).astype(np.int8)
        no = np.zeros(n, dtype=bool)
        return Measurements(np.where(missing, np.nan, 0.0), np.full(n, np.nan), zone, no, no.copy(),
                            maybe_upwind=no.copy())


class _PilotZones(Zones):
    """A station frame with the pilot areas' rules only: the pilot rules of a row are
    evaluated once, in the frame of its nearest station, whatever stations reach it."""

    @cached_property
    def rules(self) -> tuple:
        return tuple(r for p in self.pilots for r in p.rules)


class StationNetwork:
    """Many stations and the pilot areas, for runs against all of them at once
    (``screen --stations``, ``check --stations``).

    Each station is assessed in its own frame with its own rules; which stations a row meets
    is decided by the station index (:class:`geozones.core.network.StationIndex`) and the
    stations' reach (:func:`geozones.core.network.reach_m`; ``sun_reach_m`` for the sun rule,
    see :mod:`geozones.core.network`). The pilot areas' rules are evaluated once per row,
    independently of the stations. ``zones(k)`` is station ``k`` with the pilot areas (the
    frame rows are read into, and the anchors of the plausibility test), ``station_zones(k)``
    its rules only, ``pilot_zones(k)`` the pilot rules only.

    Parameters
    ----------
    stations : sequence of Station
        The stations (:func:`geozones.station.load_stations`).
    pilots : sequence of PilotArea, optional
        The pilot areas (default: the shipped ones; ``()``: none).
    storey_height_m : float, optional
        Storey height for storeys estimated from height (default: each station file's). [m]
    sun_reach_m : float, optional
        How far from the fence a row of unknown height is tested against a station's sun
        sectors (default: :data:`geozones.core.network.DEFAULT_SUN_REACH_M`). [m]
    """

    def __init__(self, stations: Sequence[Station], pilots: Sequence[PilotArea] | None = None, *,
                 storey_height_m: float | None = None, sun_reach_m: float | None = None) -> None:
        from .core.network import DEFAULT_SUN_REACH_M, StationIndex

        if not stations:
            raise InputError("stations_none")
        # a NaN reach would reach no station: every row a pass (issue 23)
        numbers.checked(sun_reach_m, "sun_reach_m", numbers.SUN_REACH_M)
        numbers.checked(storey_height_m, "storey_height_m", numbers.STOREY_HEIGHT_M)
        self.stations: tuple[Station, ...] = tuple(stations)
        self.pilots: tuple[PilotArea, ...] = load_pilots() if pilots is None else tuple(pilots)
        self.storey_height_m_option = storey_height_m
        self.sun_reach_m = DEFAULT_SUN_REACH_M if sun_reach_m is None else float(sun_reach_m)
        self.index = StationIndex(self.stations, self.sun_reach_m)
        self._zones: dict[int, ZoneSet] = {}
        self._station_zones: dict[int, Zones] = {}
        self._pilot_zones: dict[int, Zones] = {}

    def __len__(self) -> int:
        return len(self.stations)

    #: Answers name the station that gives them (``gz_station``, ``gz_stations``), and each
    #: station reaches only the rows within its reach (:func:`geozones.core.network.reach_m`).
    named = True

    @property
    def station(self) -> Station:
        """The first station (for what needs one station's facts, e.g. its storey height)."""
        return self.stations[0]

    def locate(self, geoms: np.ndarray, crs: Any, axis_order: str, height_m: np.ndarray | None = None
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Candidate (row, station) pairs and each row's home (nearest) station
        (:func:`geozones.core.network.locate`)."""
        from .core.network import locate

        return locate(self.index, geoms, crs, axis_order, height_m)

    def reaches(self, k: int, distance_m: np.ndarray, height_m: np.ndarray) -> np.ndarray:
        """Whether station ``k`` reaches rows at ``distance_m`` from its fence [m] with tops
        ``height_m`` [m]: within :func:`~geozones.core.network.reach_m` and its tolerance."""
        from .core.network import reach_m

        st = self.stations[k]
        with np.errstate(invalid="ignore"):
            return distance_m <= reach_m(st, height_m, self.sun_reach_m) + st.tolerance_m

    def zones(self, k: int) -> ZoneSet:
        if k not in self._zones:
            self._zones[k] = ZoneSet(self.stations[k], self.pilots, storey_height_m=self.storey_height_m_option)
        return self._zones[k]

    def station_zones(self, k: int) -> Zones:
        if k not in self._station_zones:
            self._station_zones[k] = Zones(frame=self.zones(k).frame, pilots=(),
                                           storey_height_m=self.zones(k).storey_height_m)
        return self._station_zones[k]

    def pilot_zones(self, k: int) -> Zones:
        if k not in self._pilot_zones:
            z = self.zones(k)
            pz = _PilotZones(frame=_PilotFrame(z.frame), pilots=self.pilots,  # type: ignore[arg-type]  # a duck StationFrame (measure only)
                             storey_height_m=z.storey_height_m)
            share(z, pz, "pilot_boundaries")  # projected once per station
            self._pilot_zones[k] = pz
        return self._pilot_zones[k]

    @property
    def storey_height_m(self) -> float | None:
        return self.zones(0).storey_height_m

    def min_reach_km(self, height_m: np.ndarray) -> np.ndarray:
        """Per row, the smallest reach over the stations [km]: no station's fence is nearer
        than this to a row that no station reaches (the "no station within N km" figure)."""
        from .core.network import reach_m

        h = np.asarray(height_m, dtype=float)
        out = np.full(h.shape, np.inf)
        seen: set = set()
        for s in self.stations:
            key = (s.general_extent_m, s.general_upwind_m, s.prevailing_wind_from_deg is None,
                   s.sun_sector_radius_m, tuple((r.where, r.limit, r.within_m, r.angle_deg, r.ratio) for r in s.rules))
            if key in seen:
                continue
            seen.add(key)
            out = np.minimum(out, reach_m(s, h, self.sun_reach_m))
        return out / 1000.0


#: ZoneSet.shared's cache: (id(station), file stamps) -> (station, ZoneSet)
_SHARED: dict = {}
_SHARED_FILES: dict = {}


def _mtime(path: str) -> int:
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return -1


def _deprecated(new: str, old: str, value: Any, old_value: Any, stacklevel: int = 3) -> Any:
    """``old_value`` when the deprecated spelling ``old`` was used (with a DeprecationWarning
    attributed ``stacklevel`` frames up: the caller's code)."""
    if old_value is _UNSET:
        return value
    warnings.warn(f"{old}= is deprecated: use {new}= (the same spelling as check())",
                  DeprecationWarning, stacklevel=stacklevel)
    if value is not None:
        raise TypeError(f"pass {new}= or {old}=, not both")
    return old_value


_UNSET: Any = object()
_F = TypeVar("_F", bound=Callable[..., Any])


def _looks_like_kinds(value: Any) -> bool:
    """True for a kind name or an array of them (the old second argument of :func:`assess`)."""
    if isinstance(value, str):
        return True
    if value is None or np.ndim(value) == 0:
        return False
    items = [v for v in np.asarray(value, dtype=object).reshape(-1).tolist() if v is not None]
    return bool(items) and all(isinstance(v, str) for v in items)


def _keyword_only(*old: str) -> Callable[[_F], _F]:
    """The function's first argument (the geometry, geometries or frame) is positional, every
    other one is a keyword. The old positional forms, whose names in their old order are
    ``old``, work for one more release with a DeprecationWarning naming the keywords; a value
    in the place of the old ``kind`` that is no kind (``assess(gs, 10)``: a height) is a
    TypeError saying to write ``height=``, never read as a kind."""

    def wrap(fn: _F) -> _F:
        @functools.wraps(fn)
        def inner(first: Any, *args: Any, **kwargs: Any) -> Any:
            if args:
                if len(args) > len(old):
                    raise TypeError(f"{fn.__name__}() takes 1 positional argument (the geometry) and keywords, "
                                    f"but {len(args) + 1} were given")
                names = old[:len(args)]
                for key, value in zip(names, args):
                    if key == "kind" and names[0] == "kind" and not _looks_like_kinds(value):
                        raise TypeError(f"{fn.__name__}(): {value!r} given in the place of the kind; the kind and "
                                        f"the height are keywords: {fn.__name__}(geoms, height={value!r})")
                    if key in kwargs:
                        raise TypeError(f"{fn.__name__}() got multiple values for argument {key!r}")
                warnings.warn(f"{fn.__name__}(): passing {', '.join(names)} by position is deprecated; write "
                              f"{fn.__name__}(geometry, {', '.join(f'{k}=...' for k in names)})",
                              DeprecationWarning, stacklevel=2)
                kwargs.update(zip(names, args))
            return fn(first, **kwargs)

        return cast(_F, inner)

    return wrap


def _geometry_input(geoms: Any, crs: Any, what: str = "GeoSeries") -> tuple[np.ndarray, Any]:
    """Geometries as an object array and the CRS to read them in.

    A GeoSeries/GeoDataFrame/GeometryArray brings its own CRS; ``crs=`` may only repeat it
    (or, for WGS84 lon/lat, name the GCJ-02/BD-09 datum the numbers really are in).
    """
    own = getattr(geoms, "crs", None)
    if hasattr(geoms, "geometry") and hasattr(geoms, "columns"):   # a GeoDataFrame
        geoms = geoms.geometry
    if own is not None:
        from .core.datums import datum_of
        from .io import is_wgs84_lonlat

        if crs is None:
            crs = own
        else:
            given = parse_crs(crs)
            if given != parse_crs(own) and not (datum_of(given) and is_wgs84_lonlat(own)):
                raise InputError("crs_conflict_arg", own=crs_label(parse_crs(own)), crs=crs_label(given))
    values = geoms.values if hasattr(geoms, "values") and not isinstance(geoms, np.ndarray) else geoms
    arr = np.asarray(values, dtype=object).reshape(-1)
    return arr, crs


@_keyword_only("kind", "height")
def assess(
    geoms: Sequence[Any] | np.ndarray,
    *,
    height: Any = None,
    kind: Any = "building",
    crs: Any = None,
    axis_order: str = "xy",
    station: Station | None = None,
    zones: Zones | None = None,
    use: Any = None,
    floors: Any = None,
    width: Any = None,
    dem: Any = None,
    field_elevation: str = "dem",
    height_m: Any = _UNSET,
    storeys: Any = _UNSET,
    width_m: Any = _UNSET,
) -> Results:
    """Check many proposals at once, against the station's rule rows (the Jiangxian plan,
    Art. 11-13, for the shipped station) and the pilot areas' (Pinglu plan §2).

    The geometries are the one positional argument; everything else is a keyword.

    Parameters
    ----------
    geoms : GeoSeries, or array of shapely geometries (or WKT strings), in ``crs``
    height : float, array of float, or None
        Height of the top above the observation-field ground; NaN/None when unknown. [m]
        With ``dem``: the proposal's own height, to which the ground is added.
        (``height_m=`` is the deprecated spelling.)
    kind : str or array of str
        Kind(s) of proposal; any name in :data:`geozones.core.kinds.KIND_ALIASES`.
    crs : str or pyproj.CRS, optional
        CRS of ``geoms``: a GeoSeries' own CRS by default, else EPSG:4326 (longitude first).
        ``"GCJ-02"``/``"BD-09"`` read Gaode/Tencent/Baidu numbers.
    axis_order : {"xy", "yx"}
        "yx" when coordinates are northing/latitude first.
    station : the station (default: the shipped Jiangxian station), when ``zones`` is None.
    zones : ZoneSet
        Station and pilot areas, prepared once (default: shipped station and pilots).
    use : str or array, optional
        Building use for the pilot rules (residential, public, other; Chinese accepted).
    floors : int or array, optional
        Storeys for the pilot rules; NaN/None: estimated from height. (``storeys=`` is the
        deprecated spelling.)
    width : float or array, optional
        Width of line proposals (road, railway, river) [m]: measured from the line's edges,
        half the width either side. NaN/None: measured as drawn (said in the assumptions).
        (``width_m=`` is the deprecated spelling; ``check`` says ``width``.)
    dem : path or :class:`geozones.terrain.DEM`, optional
        Heights become height + highest ground under the footprint − field elevation
        (``field_elevation``: "dem", the DEM at the field centre, or "station").
    field_elevation : {"dem", "station"}
        The field's ground elevation with ``dem``: the DEM's at the field centre, or the
        station file's. [m]
    height_m, storeys, width_m : optional
        Deprecated spellings of ``height`` [m], ``floors`` and ``width`` [m]
        (a ``DeprecationWarning``).

    Returns
    -------
    Results
        Per row: ``verdict``, ``zone``, ``max_height_m`` (permitted height [m], NaN: unlimited),
        ``measurements.distance_m`` (from the fence [m]), ``problems``; ``to_frame()`` gives a
        DataFrame.

    Row data never fails the batch: a row whose geometry, coordinates, kind, height, use,
    storeys or width cannot be used is not assessed (verdict None) and ``problems[i]`` holds
    the :class:`~geozones.errors.InputError` that says why. One number given for every row
    (``height=10``) is an argument, not row data: NaN, ±inf or a value out of range
    (:mod:`geozones.core.numbers`) raises, naming it.

    Raises
    ------
    InputError
        A ``crs`` that contradicts the GeoSeries' own; one ``height``, ``floors`` or ``width``
        for every row that is NaN, ±inf or out of range (a ``ValueError`` naming it).
    TypeError
        A positional argument after the geometries that is no kind (``assess(gs, 10)``:
        write ``height=10``).

    Examples
    --------
    The first point is 336.8 m from the fence in the sunrise sector (H ≤ D × tan 5° = 29.47 m,
    Art. 12.3 (2) ⑦); the second is on the observation field (Art. 12.1: nothing may stand).

    >>> a = assess(["POINT (111.5745 35.5054)", "POINT (111.5710 35.5041)"], height=[10, 1])
    >>> a.verdict.tolist(), a.zone.tolist()
    (['pass', 'fail'], ['control', 'body'])
    """
    # four frames up: the caller of the keyword wrapper (_keyword_only)
    height = _deprecated("height", "height_m", height, height_m, 4)
    floors = _deprecated("floors", "storeys", floors, storeys, 4)
    width = _deprecated("width", "width_m", width, width_m, 4)
    _arguments(height=height, floors=floors, width=width, scalars_only=True)
    zones = zones if zones is not None else ZoneSet.shared(station)
    arr, crs = _geometry_input(geoms, crs)
    dem_obj, z_field = _dem(dem, zones.station, field_elevation)
    p = Proposals.build(zones, arr, crs=DEFAULT_CRS if crs is None else crs, axis_order=axis_order,
                        kind=kind, height_m=height, floors=floors, use=use, dem=dem_obj,
                        field_elevation_m=z_field, width_m=width, api=True)
    return Results.of(assess_proposals(zones, p))


#: The bounds of the API's number arguments (:mod:`geozones.core.numbers`), the command line's.
_BOUNDS = {"height": numbers.HEIGHT_M, "floors": numbers.FLOORS, "width": numbers.WIDTH_M}


def _arguments(*, scalars_only: bool = False, **given: Any) -> None:
    """Refuse a number argument that is NaN, ±inf or out of range, naming it (an
    :class:`InputError`, a ``ValueError``); None means not given. With ``scalars_only``
    (:func:`assess`) arrays are row data, where NaN means unknown: only a single value is
    an argument."""
    for arg, value in given.items():
        if value is None or isinstance(value, str) or (scalars_only and np.ndim(value) != 0):
            continue
        numbers.checked(value.item() if isinstance(value, np.ndarray | np.generic) else value, arg, _BOUNDS[arg])


def _dem(dem: Any, station: Station, source: str) -> tuple[Any, float | None]:
    if dem is None:
        return None, None
    from .terrain import dem_and_field

    return dem_and_field(dem, station, source)


@dataclass
class CheckResult:
    """The answer for one proposal; ``to_dict()`` gives the ``--json`` output.

    Attributes
    ----------
    verdict : {"pass", "review", "fail"}
        The worst outcome over the station's and the pilot area's rules.
    zone : str
        The innermost zone the proposal reaches (``body``, ``protection``, ``control``,
        ``general``, ``outside``: Art. 11-13 at Jiangxian).
    distance_m : float
        Horizontal distance D from the observation-field fence to its nearest point. [m]
    max_height_m : float or None
        The permitted height H (e.g. D / 10, Art. 12.3 ⑥; D × tan 5° in a sun sector,
        Art. 12.3 ⑦); None where no rule limits it. [m]
    height_m : float or None
        The height the rules used (above the field ground; with a DEM, ground included). [m]
    exceedance_m : float or None
        How far the height exceeds the permitted one. [m]
    in_sun_sector : bool
        Whether a part of it lies in a sunrise or sunset sector.
    sun_distance_m : float or None
        D to the part inside a sun sector. [m]
    kind : str
        Its kind (:data:`geozones.core.kinds.KINDS`).
    station : str
        The station's id.
    findings : list of Finding
        One per rule that applies: outcome, article, the plan's words.
    assumptions : list of str
        What the answer rests on (readings, CRS, flat ground …).
    crs : str
        The CRS the geometry was read in.
    pilot : dict or None
        The pilot-area part (inside, id, verdict, storeys, findings); None without pilot areas.
    terrain : dict or None
        The ground under the footprint and the field's, with a DEM. [m]
    notices : list of str
        What the result obliges (the approval duty of Art. 14, 15.1 inside the protection area,
        or asking the authority where the row may be in the upwind general zone).
    consent : {"inside", "maybe"} or None
        Which approval notice applies: inside the protection area (written consent needed,
        Art. 14); maybe inside it (prevailing wind unknown, the upwind general zone may reach
        the site: ask the authority); None: neither.
    datum_warning : dict or None
        No CRS given and the numbers, read as GCJ-02 or BD-09, give another verdict or
        permitted height: ``message`` (the lines to show first), ``as_read`` and per datum in
        ``datums`` the ``verdict``, ``distance_m`` [m] and ``max_height_m`` [m] (None:
        unlimited). None otherwise (and with any ``crs``).
    sunshine : dict or None
        The sun minutes the proposal hides from the sunshine recorder over the reference year
        (a figure, not a rule: the 5° of Art. 12.3 ⑦ still decides): ``sun_blocked_min_per_year``
        [min], ``sunshine_loss_h_per_year`` [h] (minutes with clear-sky DNI ≥ 120 W/m²),
        ``minutes_by_month`` [min], ``worst_month``, ``first_date``/``last_date``,
        ``earliest_time``/``latest_time`` (local, UTC+8), ``days``, ``covers_recorder``, and the
        settings ``year``, ``recorder_height_m`` [m], ``clear_sky_model``, ``utc_offset_h`` [h].
        None without a height.
    """

    verdict: str
    zone: str
    distance_m: float | None
    max_height_m: float | None
    height_m: float | None
    exceedance_m: float | None
    in_sun_sector: bool
    sun_distance_m: float | None
    kind: str
    station: str
    findings: list[Finding] = field(default_factory=list)
    assumptions: list[str] = field(default_factory=list)
    crs: str = DEFAULT_CRS
    pilot: dict[str, Any] | None = None
    terrain: dict[str, Any] | None = None
    #: what the result obliges (the approval duty of Art. 14, 15.1 inside the protection area)
    notices: list[str] = field(default_factory=list)
    #: a likely coordinate mistake, said first (:func:`_datum_warning`); None: none
    datum_warning: dict[str, Any] | None = None
    #: "inside", "maybe" or None: which approval notice applies (see ``notices``)
    consent: str | None = None
    #: the proposal as measured, WKT in WGS84 lon/lat (:func:`lonlat_wkt`)
    footprint: str | None = None
    #: the sun figures (issue 27): :func:`sun_summary`; None without a height
    sunshine: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


#: Decimals of a longitude or latitude in :func:`lonlat_wkt` (1e-9° is 0.1 mm).
LONLAT_DECIMALS = 9


def lonlat_wkt(geometry: Any) -> str:
    """A WGS84 lon/lat geometry as WKT to :data:`LONLAT_DECIMALS` decimals (0.1 mm).

    >>> lonlat_wkt(shapely.Point(111.57450000004, 35.5054))
    'POINT (111.5745 35.5054)'
    """
    return shapely.to_wkt(geometry, rounding_precision=LONLAT_DECIMALS, trim=True)


def frame_and_lonlat(geometry: Any, crs: Any, zones: Zones, axis_order: str = "xy") -> tuple[Any, Any]:
    """One geometry in ``crs`` (``axis_order``) in the station frame of ``zones`` [m] and in
    WGS84 lon/lat [deg]: read as a check reads it (datum, axis order, repair), the one way a
    proposal is taken into the frame and back out (reports, the ledger).

    Parameters
    ----------
    geometry : shapely geometry
        The proposal in ``crs``.
    crs : str or pyproj.CRS
        Its CRS (a GCJ-02/BD-09 name too).
    zones : Zones
        The station's zones (its frame and the anchors coordinates are judged by).
    axis_order : {"xy", "yx"}
        "yx" when the coordinates are northing/latitude first.

    Returns
    -------
    (shapely geometry, shapely geometry)
        The geometry in the frame [m] and in WGS84 lon/lat [deg].
    """
    from .core.coords import from_frame, to_frame

    frame = zones.frame
    local, _problems = to_frame(np.array([shapely.make_valid(geometry)], dtype=object), parse_crs(crs),
                                frame.crs, zones.anchors_m, frame.station.plausible_radius_m, axis_order)
    return local[0], from_frame(local, frame.crs, parse_crs(DEFAULT_CRS))[0]


def _one_geometry(geometry: Any) -> Any:
    """One proposal's geometry: WKT parsed; unparsable or empty input raises GeometryError."""
    if isinstance(geometry, str):
        try:
            geometry = shapely.from_wkt(geometry)
        except shapely.errors.GEOSException:
            raise GeometryError("geometry_parse", what="geometry", text=geometry[:60]) from None
    if geometry is None or geometry.is_empty:
        raise GeometryError("geometry_empty", what="geometry")
    return geometry


@_keyword_only("height", "kind", "crs")
def check(
    geometry: Any,
    *,
    height: float | None = None,
    kind: str = "building",
    crs: Any = None,
    station: Station | None = None,
    zones: Zones | None = None,
    axis_order: str = "xy",
    use: str | None = None,
    floors: int | None = None,
    dem: Any = None,
    field_elevation: str = "dem",
    lang: str = "en",
    extra_assumptions: Sequence[str] = (),
    datum_hint: bool | None = None,
    width: float | None = None,
    ledger: Any = None,
    height_m: Any = _UNSET,
    storeys: Any = _UNSET,
    width_m: Any = _UNSET,
) -> CheckResult:
    """Check one proposal against the station's zones and rules (the Jiangxian plan, Art.
    11-13, for the shipped station) and the pilot areas' rules (Pinglu plan §2).

    The geometry is the one positional argument; everything else is a keyword.

    Parameters
    ----------
    geometry : shapely geometry, WKT string, or a one-row GeoDataFrame/GeoSeries, in ``crs``
        Polygon, multipolygon, line or point.
    height : float, optional
        Height of the top above the observation-field ground. [m] (``height_m=`` is the
        deprecated spelling, as ``storeys=`` for ``floors`` and ``width_m=`` for ``width``.)
    kind : str
        One of :data:`geozones.core.kinds.KINDS` (or an alias such as 道路).
    crs : str or pyproj.CRS
        CRS of the coordinates (default EPSG:4326, longitude first; a GeoSeries' own).
    station : Station, optional
        The station (default: the shipped Jiangxian station), when ``zones`` is None.
    zones : ZoneSet, optional
        Station and pilot areas (default: the shipped ones, or ``station`` with them).
    axis_order : {"xy", "yx"}
        "yx" when coordinates are northing/latitude first.
    use, floors : optional
        Building use and storeys for the pilot-area rules (see :mod:`geozones.pilot`).
    width : float, optional
        Width of a line proposal [m] (road/railway subgrade, river): measured from its edges.
    dem : path or :class:`geozones.terrain.DEM`, optional
        With a DEM the height used is ``height`` + highest ground under the footprint − field
        elevation (``field_elevation``: "dem", the DEM at the field centre, or "station").
    field_elevation : {"dem", "station"}
        The field's ground elevation with ``dem``: the DEM's at the field centre, or the
        station file's. [m]
    height_m, storeys, width_m : optional
        Deprecated spellings of ``height`` [m], ``floors`` and ``width`` [m]
        (a ``DeprecationWarning``).
    lang : {"en", "zh"}
        Language of the findings and assumptions.
    extra_assumptions : sequence of str
        Notes put before the result's own assumptions.
    datum_hint : bool, optional
        Say whether the GCJ-02/BD-09 reading of WGS84 numbers would change the verdict or
        the permitted height (``datum_warning``; default: when no ``crs`` is given).
    ledger : str, Path or LedgerStore, optional
        The station's ledger (a GeoPackage or a PostGIS table URI): the sun figures then also
        say what the proposal adds to what the approved obstacles already hide, and the
        cumulative total (``sunshine["ledger"]``, :func:`sun_summary`). The verdict does not
        change: the 5° rule is judged per obstacle.

    Returns
    -------
    CheckResult
        ``verdict``, ``zone``, ``distance_m`` (from the fence [m]), ``max_height_m`` (the
        permitted height [m], None: unlimited), ``exceedance_m`` [m], ``findings`` (each rule
        that applies, with its article and quote) and ``assumptions``. The top-level
        ``verdict`` is the worst of the station's rules and the pilot area's; ``pilot`` holds
        the pilot area's own part.

    Raises
    ------
    GeometryError, CoordinateError, InputError
        When the geometry is empty or unreadable, or its coordinates cannot be meant.

    Examples
    --------
    336.8 m east of the fence, in the control zone and the sunrise sector: H ≤ D × tan 5°
    (Art. 12.3 (2) ⑦) permits 336.8 × 0.0875 = 29.47 m, below D / 10 = 33.68 m (Art. 12.3 (2) ⑥).

    >>> r = check("POINT (111.5745 35.5054)", height=10)
    >>> r.zone, r.verdict, r.distance_m, r.max_height_m
    ('control', 'pass', 336.818, 29.468)
    """
    # four frames up: the caller of the keyword wrapper (_keyword_only)
    height = _deprecated("height", "height_m", height, height_m, 4)
    floors = _deprecated("floors", "storeys", floors, storeys, 4)
    width = _deprecated("width", "width_m", width, width_m, 4)
    _arguments(height=height, floors=floors, width=width)
    if hasattr(geometry, "crs") and hasattr(geometry, "__len__"):  # GeoSeries / GeoDataFrame
        what = "GeoDataFrame" if hasattr(geometry, "columns") else "GeoSeries"
        if len(geometry) != 1:
            raise InputError("check_one_row", what=what, n=len(geometry))
        arr, crs = _geometry_input(geometry, crs, what)
        if crs is None:
            raise InputError("frame_no_crs", what=what)
        geometry = arr[0]
    if datum_hint is None:
        datum_hint = crs is None
    crs_given = crs
    if crs is None:
        crs = DEFAULT_CRS
    geometry = _one_geometry(geometry)
    crs_obj = parse_crs(crs)
    zones = zones or ZoneSet.shared(station)
    # The ground matters only for a height: without one there is nothing to add it to.
    dem_obj, z_field = _dem(dem if height is not None else None, zones.station, field_elevation)
    p = Proposals.build(zones, [geometry], crs=crs_obj, axis_order=axis_order, kind=kind,
                        height_m=height, floors=floors, use=use, dem=dem_obj,
                        field_elevation_m=z_field, width_m=width, strict=True)
    if p.problems[0] is not None:
        raise p.problems[0]
    a = assess_proposals(zones, p)
    notes = [*extra_assumptions]
    warning = None
    if crs_given is None:
        notes.insert(0, t("assume_crs_default", lang, crs=DEFAULT_CRS))
    from .core.datums import INVERSE_TOLERANCE_M, datum_of

    if datum_of(crs_obj) is not None:
        notes.append(t("assume_datum", lang, datum=datum_of(crs_obj), tol=f"{INVERSE_TOLERANCE_M:g}"))
    elif datum_hint and crs_obj.is_geographic:
        # the height the rules used (a DEM's ground included), read in the other datum flat
        inputs = dict(kind=kind, height_m=None if height is None else float(a.height_m[0]), floors=floors,
                      use=use, width_m=width)
        notes.append(t("assume_web_datum", lang))
        warning = _datum_warning(a, zones, crs_obj, axis_order, inputs, lang)
    shiftless = unknown_shift(crs_obj, [(zones.station.longitude_deg, zones.station.latitude_deg)])
    if shiftless is not None:
        notes.append(t("assume_no_datum_shift", lang, crs=crs_label(crs_obj), datum=shiftless))
    if p.repaired[0]:
        notes.append(t("assume_repaired", lang, why=p.repair_reason[0]))
    terrain = None
    if dem_obj is not None and z_field is not None:   # (both set or both None)
        terrain, dem_notes = _terrain_facts(a, dem_obj, z_field, field_elevation, lang)
        notes += dem_notes
    flat = t("assume_flat", lang)
    notes += [n for n in assumptions(a, 0, lang) if terrain is None or n != flat]
    notes += pilot_assumptions(a, 0, lang)
    sunshine = sun_summary(zones.station, p.with_geoms().geoms[0], float(a.height_m[0]), ledger=ledger)
    if sunshine is not None:
        notes.append(t("assume_sunshine", lang, year=sunshine["year"], h=f"{sunshine['recorder_height_m']:g}",
                       model=sunshine["clear_sky_model"], utc=f"{sunshine['utc_offset_h']:+g}"))
    m = a.measurements
    return CheckResult(
        verdict=str(a.verdict[0]),
        zone=str(a.zone[0]),
        distance_m=_round(m.distance_m[0]),
        max_height_m=_round(a.max_height_m[0]),
        height_m=_round(a.height_m[0]),
        exceedance_m=_round(a.exceedance_m[0]),
        in_sun_sector=bool(m.in_sun_sector[0]),
        sun_distance_m=_round(m.sun_distance_m[0]),
        kind=str(a.kinds[0]),
        station=a.station.id,
        findings=findings(a, 0, lang),
        assumptions=notes,
        crs=crs_label(crs_obj),
        pilot=pilot_summary(a, 0, lang),
        terrain=terrain,
        notices=notices(a, 0, lang),
        datum_warning=warning,
        consent=str(a.consent_case()[0]) or None,
        footprint=_lonlat_footprint(p, zones),
        sunshine=sunshine,
    )


def _lonlat_footprint(p: Proposals, zones: Zones) -> str | None:
    """Row 0 of ``p`` (in the station frame) as WGS84 lon/lat WKT (:func:`lonlat_wkt`)."""
    from .core.coords import from_frame

    geom = p.with_geoms().geoms[0]
    if geom is None:
        return None
    return lonlat_wkt(from_frame(np.array([geom], dtype=object), zones.frame.crs, parse_crs(DEFAULT_CRS))[0])


def sun_summary(station: Station, footprint: Any, top_m: float, ledger: Any = None) -> dict[str, Any] | None:
    """The sun figures of one proposal as a dict (``CheckResult.sunshine``, the report's section).

    Parameters
    ----------
    station : Station
        The station: its recorder height [m] and ``[sunshine]`` settings.
    footprint : shapely geometry
        The footprint in the station frame. [m]
    top_m : float
        Its top above the field ground (NaN: none). [m]
    ledger : str, Path or LedgerStore, optional
        The station's ledger: its current approved obstacles
        (:func:`geozones.sunshine.approved_sun_minutes`).

    Returns
    -------
    dict or None
        :class:`~geozones.core.sunshine.SunFigures` as a dict with the settings it was computed
        with (``year``, ``recorder_height_m`` [m], ``clear_sky_model``, ``utc_offset_h`` [h]);
        with ``ledger``, ``ledger``: the ledger (as shown), ``approved_obstacles`` counted,
        and in minutes per year [min] and sunshine hours per year [h] what they hide together
        (``blocked_min_before``, ``loss_h_before``), what the proposal adds to that
        (``added_min``, ``added_loss_h``: its minutes they do not hide) and the total with it
        (``cumulative_min``, ``cumulative_loss_h``), each minute counted once. None without a top.
    """
    from .sunshine import proposal_sun_figures

    got = proposal_sun_figures(station, footprint, top_m)
    if got is None:
        return None
    out = got[1].to_dict()
    out["sunshine_loss_h_per_year"] = round(out["sunshine_loss_h_per_year"], 2)
    out.update(year=station.sunshine_year, recorder_height_m=station.sunshine_recorder_height_m,
               clear_sky_model=station.sunshine_clear_sky, utc_offset_h=station.sunshine_utc_offset_h)
    if ledger is not None:
        out["ledger"] = _ledger_effect(station, got[0], ledger)
    return out


def _ledger_effect(station: Station, own: np.ndarray, ledger: Any) -> dict[str, Any]:
    """``sunshine["ledger"]`` of :func:`sun_summary`: the approved obstacles' union, what the
    proposal's minutes ``own`` add to it and the cumulative set, as minutes and hours a year."""
    from .core.sunshine import added_minutes, sun_figures
    from .sunshine import approved_sun_minutes, sun_table

    approved = approved_sun_minutes(ledger, station)
    added, cumulative = added_minutes(own, approved.minutes)
    table = sun_table(station)
    out: dict[str, Any] = {"ledger": approved.ledger, "approved_obstacles": approved.obstacles}
    for min_key, h_key, minutes in (("blocked_min_before", "loss_h_before", approved.minutes),
                                    ("added_min", "added_loss_h", added),
                                    ("cumulative_min", "cumulative_loss_h", cumulative)):
        f = sun_figures(table, minutes)
        out[min_key], out[h_key] = f.sun_blocked_min_per_year, round(f.sunshine_loss_h_per_year, 2)
    return out


@overload
def check_read(geometry: Any, geometry_crs: Any, notes: Sequence[tuple[str, dict[str, Any]]], *,
               crs_given: bool, lang: str = "en", network: None = None, **given: Any) -> CheckResult: ...


@overload
def check_read(geometry: Any, geometry_crs: Any, notes: Sequence[tuple[str, dict[str, Any]]], *,
               crs_given: bool, lang: str = "en", network: StationNetwork, **given: Any) -> StationsCheckResult: ...


def check_read(geometry: Any, geometry_crs: Any, notes: Sequence[tuple[str, dict[str, Any]]], *,
               crs_given: bool, lang: str = "en", network: StationNetwork | None = None,
               **given: Any) -> CheckResult | StationsCheckResult:
    """:func:`check` of one footprint as an input reader gave it
    (:func:`geozones.io.read_footprint`, :func:`geozones.io.read_wkt_footprint`: the geometry,
    its CRS and the reader's notes): what ``geozones check`` and the service's
    ``geozones-check`` process both run. Without a CRS given (``crs_given`` False) the
    reader's EPSG:4326 is the assumed one and WGS84 numbers are also read as GCJ-02/BD-09
    (``datum_warning``); the reader's notes come first among the assumptions, in ``lang``.
    ``given``: :func:`check`'s other keywords (height, kind, zones, use, floors …). With a
    ``network`` (``--stations``) it is :func:`check_stations` against every station in reach.

    >>> from geozones.io import read_wkt_footprint
    >>> geom, crs, notes = read_wkt_footprint("POINT (111.5745 35.5054)")
    >>> check_read(geom, crs, notes, crs_given=False, height=10).max_height_m
    29.468
    """
    from .io import is_wgs84_lonlat

    defaulted = any(k == "assume_crs_default" for k, _ in notes)
    datum_hint = not crs_given and (defaulted or is_wgs84_lonlat(geometry_crs))
    kept = [t(k, lang, **p) for k, p in notes if k != "assume_crs_default"]  # check() says it
    if network is not None:
        return check_stations(geometry, crs=None if defaulted else geometry_crs, datum_hint=datum_hint,
                              network=network, lang=lang, extra_assumptions=kept, **given)
    return check(geometry, crs=None if defaulted else geometry_crs, datum_hint=datum_hint,
                 lang=lang, extra_assumptions=kept, **given)


def _terrain_facts(a: Assessment, dem: Any, z_field: float, source: str, lang: str
                   ) -> tuple[dict[str, Any], list[str]]:
    """The terrain facts of row 0 and the notes saying what the height rests on."""
    from .terrain import field_elevation_source

    p = a.proposals
    z_source = field_elevation_source(source)
    facts = {
        "dem": dem.path, "building_height_m": _round(p.height_m[0]),
        "ground_elevation_m": _round(p.ground_m[0]), "field_elevation_m": _round(z_field),
        "field_elevation_source": z_source, "effective_height_m": _round(p.height_m[0] + p.ground_m[0] - z_field),
        "datum": dem.datum, "cells": int(p.dem_cells[0]), "nodata_cells": int(p.dem_nodata_cells[0]),
    }
    notes = [t("assume_dem", lang, path=dem.path, ground=fmt(p.ground_m[0]), cells=int(p.dem_cells[0]),
               field=fmt(z_field), field_source=z_source, h=fmt(p.height_m[0]),
               eff=fmt(p.height_m[0] + p.ground_m[0] - z_field), datum=dem.datum)]
    if p.dem_nodata_cells[0]:
        notes.append(t("assume_dem_partial", lang, nodata=int(p.dem_nodata_cells[0]),
                       cells=int(p.dem_cells[0])))
    if p.below_field is not None and p.below_field[0]:  # the top obstructs nothing
        notes.append(t("assume_below_field", lang, eff=fmt(p.height_m[0] + p.ground_m[0] - z_field)))
    return facts, notes


def _datum_warning(a: Assessment, zones: Zones, crs: Any, axis_order: str, inputs: dict[str, Any],
                   lang: str) -> dict[str, Any] | None:
    """The warning said first when the same numbers read as a web-map datum give row 0
    another verdict or another permitted height (:func:`geozones.core.datumshift.datum_changes`,
    every datum read in one assessment): both answers, as read and under each such datum;
    None when no datum changes either."""
    from .core.datums import DATUMS
    from .core.datumshift import datum_changes

    given = a.source_geoms
    assert given is not None  # Proposals.build keeps the geometries as given
    changes = datum_changes(a, zones, given, crs, inputs, axis_order=axis_order)

    def answer(code: int, d: float, allowed: float) -> dict[str, Any]:
        verdict = name(VERDICT_NAMES, VERDICTS[code - 1], lang)
        words = dict(verdict=verdict.upper() if lang == "en" else verdict, d=fmt(d),
                     allowed=t("report_unlimited", lang) if np.isnan(allowed)
                     else f"{fmt(allowed)} {t('unit_m', lang)}")
        return {"verdict": VERDICTS[code - 1], "distance_m": _round(d), "max_height_m": _round(allowed),
                "words": words}

    datums = []
    for datum, maps in zip(DATUMS, ("datum_maps_gcj", "datum_maps_bd")):
        c = changes[datum]
        if len(c.rows):        # the verdict changes (and perhaps the height)
            ans = answer(int(c.verdict_code[0]), c.distance_m[0], c.max_height_m[0])
        elif len(c.height_rows):   # the same verdict, another permitted height
            ans = answer(int(a.verdict_code[0]), c.height_distance_m[0], c.height_max_height_m[0])
        else:
            continue
        datums.append({"datum": datum, "maps": t(maps, lang), **ans})
    if not datums:
        return None
    as_read = answer(int(a.verdict_code[0]), float(a.measurements.distance_m[0]), float(a.max_height_m[0]))
    lines = [t("datum_warning_head", lang, **as_read.pop("words"))]
    lines += [t("assume_datum_changes", lang, datum=w["datum"], maps=w["maps"], **w.pop("words")) for w in datums]
    lines.append(t("datum_warning_fix", lang))
    return {"message": lines, "as_read": {"crs": crs_label(crs), **as_read}, "datums": datums}


@dataclass
class StationsCheckResult:
    """The answer for one proposal against many stations (``check --stations``).

    ``verdict`` is the worst over the stations in reach and the pilot area; ``station`` the
    station that sets it and the permitted height (None: no station in reach), ``stations``
    every station in reach (nearest first), ``max_height_m`` the lowest permitted height over
    them. ``governing`` is that station's own result (its rules), ``others`` the other
    stations' results; ``no_station_km`` the distance within which no station lies when none
    reaches the proposal. ``to_dict()`` gives the ``--json`` output.

    Attributes
    ----------
    verdict : {"pass", "review", "fail"}
        The worst over the stations in reach and the pilot area.
    station : str or None
        The governing station's id; None when no station is in reach.
    stations : list of str
        Every station in reach, nearest first.
    max_height_m : float or None
        The lowest permitted height over them. [m]
    governing : CheckResult or None
        The governing station's own result.
    others : list of CheckResult
        The other stations' results.
    pilot : dict or None
        The pilot-area part, as in :class:`CheckResult`.
    no_station_km : float or None
        With no station in reach: the distance within which no station lies. [km]
    sun_reach_m : float
        How far from a fence rows of unknown height were tested against the sun sectors. [m]
    assumptions : list of str
        What the answer rests on.
    datum_warning : dict or None
        The governing station's ``datum_warning`` (:class:`CheckResult`), said first.
    """

    verdict: str
    station: str | None
    stations: list[str]
    max_height_m: float | None
    governing: CheckResult | None
    others: list[CheckResult] = field(default_factory=list)
    pilot: dict[str, Any] | None = None
    no_station_km: float | None = None
    sun_reach_m: float = 0.0
    assumptions: list[str] = field(default_factory=list)
    datum_warning: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@_keyword_only("height", "kind", "crs")
def check_stations(
    geometry: Any,
    *,
    network: StationNetwork,
    height: float | None = None,
    kind: str = "building",
    crs: Any = None,
    axis_order: str = "xy",
    use: str | None = None,
    floors: int | None = None,
    lang: str = "en",
    extra_assumptions: Sequence[str] = (),
    datum_hint: bool | None = None,
    width: float | None = None,
) -> StationsCheckResult:
    """Check one proposal against every station of ``network`` that can reach it.

    Each station in reach (:class:`geozones.core.network.StationIndex`, then the distance
    measured in its frame within :func:`geozones.core.network.reach_m`) gives its own
    :func:`check` result under its own rules; the pilot areas' rules are evaluated once, in the
    frame of the nearest station. Bad input raises as :func:`check` does; coordinates are
    refused only when implausible for the nearest station and every pilot area.

    The geometry is the one positional argument; everything else is a keyword.

    Parameters
    ----------
    geometry : shapely geometry or WKT string, in ``crs``
        Polygon, multipolygon, line or point.
    network : StationNetwork
        The stations (each with its own rule rows and sun-sector angle) and pilot areas.
    height : float, optional
        Height of the top above the observation-field ground. [m]
    kind : str
        One of :data:`geozones.core.kinds.KINDS` (or an alias).
    crs : str or pyproj.CRS
        CRS of the coordinates (default EPSG:4326, longitude first).
    axis_order, use, floors, lang, extra_assumptions, datum_hint, width
        As :func:`check` (``width`` [m]).

    Returns
    -------
    StationsCheckResult
        The worst ``verdict`` over the stations in reach and the pilot area, the governing
        ``station`` and its ``max_height_m`` (the lowest permitted height [m]), each station's
        own :class:`CheckResult`.

    Examples
    --------
    >>> from geozones.station import load_station
    >>> r = check_stations("POINT (111.5745 35.5054)", height=10,
    ...                    network=StationNetwork([load_station()]))
    >>> r.verdict, r.station, r.stations
    ('pass', 'jiangxian', ['jiangxian'])
    """
    from .core.network import govern, lonlat_bounds, reach_m
    from .text import pilot_assumptions, pilot_summary

    _arguments(height=height, floors=floors, width=width)
    net = network
    crs_obj = parse_crs(DEFAULT_CRS if crs is None else crs)
    geom = _one_geometry(geometry)
    bounds = lonlat_bounds(np.array([geom], dtype=object), crs_obj, axis_order)
    home = int(max(net.index.nearest(bounds)[0], 0))
    # the proposal read once in its nearest station's frame: bad input and impossible
    # coordinates raise here (anchors: that station and the pilot areas); the pilot rules
    p = Proposals.build(net.zones(home), [geom], crs=crs_obj, axis_order=axis_order, kind=kind,
                        height_m=height, floors=floors, use=use, width_m=width, strict=True)
    if p.problems[0] is not None:
        raise p.problems[0]
    pa = assess_proposals(net.pilot_zones(home), p)
    h = float(p.effective_height_m[0])
    rows, cand = net.index.query(bounds, np.array([h]))
    results: list[CheckResult] = []
    ks: list[int] = []
    for k in cand.tolist():
        st = net.stations[k]
        try:
            r = check(geom, height=height, kind=kind, crs=crs, zones=net.station_zones(k),
                      axis_order=axis_order, use=use, floors=floors, lang=lang,
                      extra_assumptions=extra_assumptions, datum_hint=datum_hint, width=width)
        except GeometryError:
            continue   # too far from this station to be read in its frame: not in reach
        if r.distance_m is not None and r.distance_m <= float(reach_m(st, np.array([h]), net.sun_reach_m)[0]) + st.tolerance_m:
            results.append(r)
            ks.append(k)
    pilot_code = int(pa.pilot_verdict_code[0])
    pilot = pilot_summary(pa, 0, lang)
    notes = [*pilot_assumptions(pa, 0, lang)]
    angle = sun_angle_deg(net.stations)
    if angle is not None:
        notes.append(t("assume_sun_reach", lang, km=f"{net.sun_reach_m / 1000:g}", angle=f"{angle:g}",
                       h=f"{net.sun_reach_m * np.tan(np.radians(angle)):,.0f}"))
    codes = np.array([VERDICTS.index(r.verdict) + 1 for r in results], dtype=np.int64)
    if not results:
        km = float(net.min_reach_km(np.array([h]))[0])
        notes.insert(0, t("check_no_station", lang, km=f"{km:g}"))
        return StationsCheckResult(verdict=VERDICTS[pilot_code - 1], station=None, stations=[],
                                   max_height_m=None, governing=None, pilot=pilot, no_station_km=round(km, 3),
                                   sun_reach_m=net.sun_reach_m, assumptions=[*extra_assumptions, *notes])
    mh = np.array([np.nan if r.max_height_m is None else r.max_height_m for r in results])
    d = np.array([r.distance_m for r in results], dtype=float)
    g = govern(np.zeros(len(results), dtype=np.int64), codes, mh, d, np.array(ks), 1)
    gov = results[int(g.pair[0])]
    order = np.argsort(d, kind="stable")
    verdict = VERDICTS[max(int(codes.max()), pilot_code) - 1]
    return StationsCheckResult(
        verdict=verdict, station=gov.station, stations=[results[i].station for i in order],
        max_height_m=_round(g.max_height_m[0]), governing=gov,
        others=[results[i] for i in order if results[i] is not gov], pilot=pilot,
        sun_reach_m=net.sun_reach_m, assumptions=notes, datum_warning=gov.datum_warning)


def assess_frame(gdf, *, height_field: str | None = None, floors_field: str | None = None,
                 kind_field: str | None = None, use_field: str | None = None,
                 kind: str = "building", use: str | None = None, height: float | None = None,
                 storey_height_m: float | None = None, crs: Any = None, axis_order: str = "xy",
                 station=None, zones: ZoneSet | None = None, lang: str = "en", height_m: Any = None,
                 sun: bool = True):
    """A GeoDataFrame checked row by row: the input's columns, index and CRS plus the ``gz_*``
    columns ``geozones screen`` writes (the same function,
    :func:`geozones.screen.screen_chunk`, computes them).

    Parameters
    ----------
    gdf : GeoDataFrame
        Proposals in any CRS (its own; ``crs="GCJ-02"``/``"BD-09"`` for WGS84 numbers copied
        from Gaode/Tencent/Baidu maps; ``crs=`` for a frame without one).
    height_field, floors_field, kind_field, use_field : str, optional
        Columns with height above the field ground [m], storeys, kind, use (as ``screen``).
    kind, use : str, optional
        Kind and use of rows without a value (default kind: ``"building"``).
    height : float, optional
        Height of rows without a value (none by default; ``height_m=`` is the deprecated
        spelling). [m]
    storey_height_m : float, optional
        Storey height for ``floors_field`` (default: the station file's). [m]
    crs : str or CRS, optional
        The frame's CRS when it has none, or GCJ-02/BD-09.
    axis_order : {"xy", "yx"}
        ``"yx"`` for latitude-first coordinates.
    station : Station, optional
        The station (default: Jiangxian); ``zones`` gives station and pilot areas at once.
    zones : ZoneSet, optional
        The station and pilot areas.
    lang : {"en", "zh"}
        Language of ``gz_message`` and ``gz_status``.
    height_m : float, optional
        Deprecated spelling of ``height``. [m]
    sun : bool
        Also the sun figures of ``screen`` (default; False as ``--no-sun``) (``gz_sun_blocked_min`` [min],
        ``gz_sunshine_loss_h`` [h], ``gz_sun_worst_month``).

    Returns
    -------
    GeoDataFrame
        The input's columns, index and CRS plus the ``gz_*`` columns (``gz_verdict``,
        ``gz_zone``, ``gz_distance_m`` [m], ``gz_max_height_m`` [m], the articles …).

    Notes
    -----
    Row data never raises: a bad value gives that row ``gz_verdict = "error"`` and a
    ``gz_status`` saying why. An unknown column or default raises :class:`InputError`.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> gdf = gpd.GeoDataFrame({"h": [10.0]}, geometry=[shapely.Point(111.5745, 35.5054)], crs=4326)
    >>> assess_frame(gdf, height_field="h")[["h", "gz_verdict", "gz_zone"]]
          h gz_verdict  gz_zone
    0  10.0       pass  control
    """
    import pandas as pd

    from .core.kinds import KINDS, USES, normalize_kind, normalize_use
    from .screen import ScreenOptions, screen_chunk

    height = _deprecated("height", "height_m", height, _UNSET if height_m is None else height_m)
    _arguments(height=height)
    numbers.checked(storey_height_m, "storey_height_m", numbers.STOREY_HEIGHT_M)
    default_kind = normalize_kind(kind) if kind is not None else "building"
    if default_kind is None:
        raise InputError("kind_unknown", kind=str(kind), choices=", ".join(KINDS))
    default_use = normalize_use(use) if use is not None else None
    if use is not None and default_use is None:
        raise InputError("use_unknown", use=str(use), choices=", ".join(USES))
    geoms, src_crs = _geometry_input(gdf, crs, "GeoDataFrame")
    if src_crs is None:
        raise InputError("frame_no_crs", what="GeoDataFrame")
    src_crs = parse_crs(src_crs)
    zones = zones or ZoneSet(station)
    opts = ScreenOptions(height_field=height_field, floors_field=floors_field,
                         storey_height_m=storey_height_m, default_height_m=height,
                         kind_field=kind_field, default_kind=default_kind, use_field=use_field,
                         default_use=default_use, axis_order=axis_order, lang=lang, sun=sun)
    geom_name = gdf.geometry.name
    attrs = pd.DataFrame(gdf.drop(columns=geom_name)).reset_index(drop=True)
    gz = screen_chunk(attrs, np.asarray(geoms, dtype=object), np.asarray(geoms, dtype=object),
                      src_crs, zones, opts, "GeoDataFrame").columns
    out = gdf.copy()
    for col in gz.columns:
        out[col] = gz[col].to_numpy()
    return out
