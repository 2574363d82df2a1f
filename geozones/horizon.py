"""The horizon obstruction diagram (地平圈障碍物遮蔽图) of a station.

For every azimuth (1° steps) the highest obstruction elevation angle seen from the field
centre, from buildings (footprints with heights) and optionally terrain (a DEM):

    elevation = atan((top − field ground − eye height) / horizontal distance)

Buildings: the ray at each azimuth is intersected with each footprint it crosses (exact, in
the station frame); the nearest point of that intersection gives the steepest angle. Terrain:
the DEM sampled along each ray. Art. 12.3 ⑦ limits the angle to 5° in the sunrise and sunset
directions; the azimuths above it are listed.

Two views of the same rule. The diagram's obstruction is the instrument's view from the field
centre. The plan defines D from the fence (Art. 12.3 ⑦: "D 指观测场围栏距离障碍物最近点…的水平
距离"), as ``geozones check`` applies it: H ≤ D × tan 5°, i.e. atan(H / D_fence) ≤ 5°. An
object near the field can break the plan's rule while the centre view shows less than 5°
(a 5 m building 50 m east of the fence: 5.71° from the fence, 4.57° from the centre), so the
profile also carries the fence-based angle per azimuth and the diagram draws both.

The diagram (:func:`plot_horizon`) is the observation code's obstruction diagram, in polar form
(azimuth around, north up, clockwise; elevation radially, 0° at the rim) or azimuth–elevation
form, with the sun paths of the June solstice, the March equinox and the December solstice of a
reference year (the station's ``[sunshine]`` settings; the SPA position of
:func:`geozones.sunshine.solar_position`, apparent elevation) marked at each full hour of local time (UTC+8),
the 5° limit within the sunrise and sunset sectors, and optionally a proposal in its own colour
beside the approved obstacles.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

from .core.zones import StationFrame

if TYPE_CHECKING:   # pandas is imported where a table is made: the CLI loads this module for its choices
    import pandas as pd

__all__ = ["HorizonProfile", "horizon_profile", "plot_horizon", "read_buildings", "HEIGHT_COLUMNS",
           "horizon_diagram", "horizon_lines", "HORIZON_FORMS", "SunPath", "sun_paths", "sun_path_dates",
           "STATION_YEAR"]

#: Height columns looked for when none is named, in order.
HEIGHT_COLUMNS: tuple[str, ...] = ("gz_height_m", "height", "HEIGHT", "高度")


@dataclass
class HorizonProfile:
    """Per azimuth (0, 1, ..., 359 [deg]): elevation [deg] (0 where nothing), distance [m]
    and source of the highest obstruction, and whether the azimuth is in a sun sector.

    ``limit_deg`` and ``article`` are the station's sun-sector angle rule (None when the
    station has none).

    Attributes
    ----------
    azimuth_deg : ndarray of int, shape (360,)
        Azimuth from north, clockwise. [deg]
    elevation_deg : ndarray of float, shape (360,)
        Elevation of the highest obstruction seen from the field centre; 0 where nothing. [deg]
    distance_m : ndarray of float, shape (360,)
        Its distance from the field centre. [m]
    source : ndarray of str, shape (360,)
        What it is (``"building <label>"``, ``"terrain"``; empty where nothing).
    in_sun_sector : ndarray of bool, shape (360,)
        Whether the azimuth is in a sunrise or sunset sector (Art. 12.3 ⑦).
    limit_deg : float or None
        The sun-sector elevation limit (5° at Jiangxian: H ≤ D × tan 5°). [deg]
    article : str
        The article of that rule.
    fence_elevation_deg : ndarray of float, shape (360,), optional
        The highest atan(H / D) with D from the fence, the plan's D. [deg]
    """

    azimuth_deg: np.ndarray
    elevation_deg: np.ndarray
    distance_m: np.ndarray
    source: np.ndarray
    in_sun_sector: np.ndarray
    limit_deg: float | None
    article: str = ""
    #: per azimuth, the highest atan(H / D) with D from the fence (the plan's D) [deg]
    fence_elevation_deg: np.ndarray | None = None

    @property
    def exceeds(self) -> np.ndarray:
        if self.limit_deg is None:
            return np.zeros(len(self.azimuth_deg), dtype=bool)
        return self.elevation_deg > self.limit_deg

    @property
    def breaks_sun_rule(self) -> np.ndarray:
        """Azimuths in a sun sector where an obstacle breaks Art. 12.3 ⑦ with D from the fence
        (what ``check`` decides), whatever the centre view shows."""
        if self.limit_deg is None:
            return np.zeros(len(self.azimuth_deg), dtype=bool)
        fence = self.elevation_deg if self.fence_elevation_deg is None else self.fence_elevation_deg
        return self.in_sun_sector & (fence > self.limit_deg + 1e-9)

    def to_frame(self) -> pd.DataFrame:
        import pandas as pd

        return pd.DataFrame({
            "azimuth_deg": self.azimuth_deg, "elevation_deg": np.round(self.elevation_deg, 3),
            "distance_m": np.round(self.distance_m, 2), "source": self.source,
            "in_sun_sector": self.in_sun_sector,
            f"exceeds_{self.limit_deg:g}deg" if self.limit_deg is not None else "exceeds": self.exceeds,
            "fence_elevation_deg": np.round(self.fence_elevation_deg if self.fence_elevation_deg
                                            is not None else self.elevation_deg, 3),
            "breaks_sun_rule": self.breaks_sun_rule,
        })


def _spans(frame_geoms: np.ndarray) -> list[np.ndarray]:
    """Integer azimuths each footprint covers, seen from the origin."""
    out = []
    for g in frame_geoms:
        if g is None or g.is_empty:
            out.append(np.array([], dtype=int))
            continue
        if g.intersects(shapely.Point(0, 0)):
            out.append(np.arange(360))
            continue
        xy = shapely.get_coordinates(g)
        az = np.degrees(np.arctan2(xy[:, 0], xy[:, 1]))
        c = np.degrees(np.arctan2(*np.mean(xy, axis=0)))
        off = (az - c + 180.0) % 360.0 - 180.0
        lo, hi = c + off.min(), c + off.max()
        out.append(np.arange(int(np.ceil(lo)), int(np.floor(hi)) + 1) % 360)
    return out


def horizon_profile(frame: StationFrame, geoms: np.ndarray, top_m: np.ndarray, *, dem=None,
                    field_elevation_m: float | None = None, eye_height_m: float = 0.0,
                    terrain_radius_m: float = 5000.0, terrain_step_m: float | None = None,
                    labels: np.ndarray | None = None) -> HorizonProfile:
    """The obstruction profile: per azimuth, the highest elevation angle of the buildings (and
    terrain) seen from the field centre, and atan(H / D) with D from the fence, the angle the
    sun-sector rule limits (Art. 12.3 (2) ⑦ of the Jiangxian plan: ≤ 5°).

    Parameters
    ----------
    frame : StationFrame
        The station's frame.
    geoms : array of shapely geometries
        Footprints in the station frame. [m]
    top_m : array of float
        Height of each top above the field ground [m] (with a DEM: building height + ground
        − field elevation, see :mod:`geozones.terrain`).
    dem : geozones.terrain.DEM, optional
        Terrain obstruction, sampled along each azimuth out to ``terrain_radius_m``.
    field_elevation_m : float, optional
        The field's ground in the DEM's datum (needed with ``dem``). [m]
    eye_height_m : float
        Height of the viewpoint above the field ground. [m]
    terrain_radius_m, terrain_step_m : float
        How far and in what steps the DEM is sampled (default step: the DEM's cell). [m]
    labels : array of str, optional
        Names of the footprints, for ``source``.

    Returns
    -------
    HorizonProfile
        Per whole degree of azimuth: elevation [deg], distance [m], source, in a sun sector,
        and the station's sun-sector limit [deg].

    Examples
    --------
    A 10 m × 10 m block 20 m high, 100 m east of the field centre (87.5 m from the fence):
    atan(20 / 100) = 11.31° from the centre, atan(20 / 87.5) = 12.875° from the fence.

    >>> from geozones.station import load_station
    >>> frame = StationFrame(load_station())
    >>> p = horizon_profile(frame, np.array([shapely.box(100, -5, 110, 5)]), np.array([20.0]))
    >>> round(float(p.elevation_deg[90]), 2), round(float(p.fence_elevation_deg[90]), 2), p.limit_deg
    (11.31, 12.88, 5.0)
    """
    az = np.arange(360)
    elev = np.zeros(360)
    dist = np.full(360, np.nan)
    source = np.full(360, "", dtype=object)
    fence = np.zeros(360)
    geoms = np.asarray(geoms, dtype=object)
    if len(geoms):
        geoms = shapely.make_valid(geoms)  # overlays need valid footprints
    top_m = np.asarray(top_m, dtype=float)
    labels = np.arange(len(geoms)).astype(str) if labels is None else np.asarray(labels).astype(str)
    if len(geoms):
        reach = float(np.nanmax(shapely.hausdorff_distance(shapely.Point(0, 0), geoms))) + 10.0
        rad = np.radians(az)
        rays = shapely.linestrings(np.stack([np.zeros((360, 2)),
                                             np.column_stack([reach * np.sin(rad), reach * np.cos(rad)])], axis=1))
        spans = _spans(geoms)
        b_idx = np.concatenate([np.full(len(s), i) for i, s in enumerate(spans)]).astype(int)
        a_idx = np.concatenate(spans).astype(int) if spans else np.array([], dtype=int)
        if b_idx.size:
            parts = shapely.intersection(rays[a_idx], geoms[b_idx])
            d = shapely.distance(shapely.Point(0, 0), parts)
            ok = ~shapely.is_empty(parts) & np.isfinite(d) & np.isfinite(top_m[b_idx])
            with np.errstate(divide="ignore", invalid="ignore"):
                ang = np.degrees(np.arctan2(top_m[b_idx] - eye_height_m, np.maximum(d, 1e-9)))
            for a, e, dd, b in zip(a_idx[ok], ang[ok], d[ok], b_idx[ok]):
                if e > elev[a]:
                    elev[a], dist[a], source[a] = e, dd, f"building {labels[b]}"
            # the plan's view: D from the fence to the part on this ray, H above field ground
            d_fence = shapely.distance(frame.field, parts)
            with np.errstate(divide="ignore", invalid="ignore"):
                f_ang = np.degrees(np.arctan2(top_m[b_idx], np.maximum(d_fence, 1e-9)))
            np.maximum.at(fence, a_idx[ok], np.where(np.isfinite(f_ang[ok]), f_ang[ok], 0.0))
    if dem is not None:
        from .core.coords import transform_geoms

        step = terrain_step_m or max(abs(dem.transform.a), 1.0)
        r = np.arange(step, terrain_radius_m + step / 2, step)
        rad = np.radians(az)[:, None]
        pts = shapely.points((r[None, :] * np.sin(rad)).ravel(), (r[None, :] * np.cos(rad)).ravel())
        in_dem = transform_geoms(pts, frame.crs, dem.crs, False)
        z = dem.sample_points(shapely.get_x(in_dem), shapely.get_y(in_dem)).reshape(360, -1)
        with np.errstate(invalid="ignore"):
            ang = np.degrees(np.arctan2(z - field_elevation_m - eye_height_m, r[None, :]))
        ang = np.where(np.isnan(ang), -90.0, ang)
        d_fence = frame.measure_points(shapely.get_x(pts), shapely.get_y(pts)).distance_m.reshape(360, -1)
        with np.errstate(invalid="ignore", divide="ignore"):
            f_ang = np.degrees(np.arctan2(z - field_elevation_m, np.maximum(d_fence, 1e-9)))
        fence = np.maximum(fence, np.where(np.isnan(f_ang), -90.0, f_ang).max(axis=1))
        k = ang.argmax(axis=1)
        best = ang[np.arange(360), k]
        better = best > elev
        elev[better] = best[better]
        dist[better] = r[k[better]]
        source[better] = "terrain"
    in_sun = np.zeros(360, dtype=bool)
    for start, end in frame.sun_azimuths.values():
        in_sun |= (az >= start) & (az <= end)
    rule = sun_rule(frame.station)
    return HorizonProfile(az, np.maximum(elev, 0.0), dist, source, in_sun,
                          None if rule is None else rule.angle_deg, "" if rule is None else rule.article,
                          np.maximum(fence, 0.0))


def sun_rule(station):
    """The station's obstruction-angle rule in the sun sectors (None when it has none).

    Parameters
    ----------
    station : Station

    Returns
    -------
    Rule or None
        The first ``where = "sun_sector"``, ``limit = "angle"`` row (Art. 12.3 (2) ⑦ at
        Jiangxian: ``angle_deg`` 5).

    Examples
    --------
    >>> from geozones.station import load_station
    >>> sun_rule(load_station()).angle_deg
    5.0
    """
    return next((r for r in station.rules if r.where == "sun_sector" and r.limit == "angle"), None)


def read_buildings(path, frame: StationFrame, height_field: str | None = None, dem=None,
                   field_elevation_m: float | None = None, crs=None, layer: str | None = None):
    """Footprints and the height of their tops above the field ground, from a vector file.

    Heights come from ``height_field`` or the first of :data:`HEIGHT_COLUMNS` present (a
    screened shapefile's ``gz_h_m`` read as ``gz_height_m``: :func:`geozones.screen.full_names`); rows
    without a numeric height, or with coordinates that cannot be meant, are left out. With a
    DEM, tops are height + ground under the footprint − field elevation (see
    :mod:`geozones.terrain`); a footprint off the DEM keeps its own height.

    Parameters
    ----------
    path : str or Path
        Any vector file (GeoPackage, shapefile, GeoJSON, DXF with ``crs``...).
    frame : StationFrame
        The station's frame the footprints are projected into.
    height_field : str, optional
        The height column [m] (default: the first of :data:`HEIGHT_COLUMNS`).
    dem : geozones.terrain.DEM, optional
        Ground under the footprints.
    field_elevation_m : float, optional
        The field's ground in the DEM's datum. [m]
    crs : str, optional
        ``--crs``: needed for a file without one (DXF); GCJ-02/BD-09 for WGS84 numbers from a
        Chinese web map.
    layer : str, optional
        The layer (GeoPackage layer, DXF CAD layer).

    Returns
    -------
    tuple
        ``(footprints in the station frame [m], tops above the field ground [m], labels or None)``.

    Raises
    ------
    InputError
        No height column, or the one named is missing.
    """
    import pandas as pd

    from .core.engine import Zones
    from .core.proposals import Proposals
    from .errors import InputError
    from .io import read_vector
    from .screen import full_names

    gdf, file_crs, _notes = read_vector(path, crs, layer=layer)
    if height_field is None or height_field not in gdf.columns:
        gdf = full_names(gdf)   # a screened shapefile's gz_h_m is gz_height_m
    col = height_field or next((c for c in HEIGHT_COLUMNS if c in gdf.columns), None)
    if col is None:
        raise InputError("height_column_none", path=str(path), looked=", ".join(HEIGHT_COLUMNS),
                         columns=", ".join(map(str, gdf.columns)))
    if col not in gdf.columns:
        raise InputError("column_missing", path=str(path), column=col,
                         columns=", ".join(map(str, gdf.columns)))
    h = pd.to_numeric(gdf[col], errors="coerce").to_numpy(dtype=float)
    keep = ~np.isnan(h) & gdf.geometry.notna().to_numpy()
    gdf, h = gdf[keep], h[keep]
    raw = np.asarray(gdf.geometry.values, dtype=object)
    zones = Zones(frame=frame)
    flat = Proposals.build(zones, raw, crs=file_crs, height_m=h)
    geoms, tops = flat.geoms, flat.effective_height_m
    if dem is not None:
        on_dem = Proposals.build(zones, raw, crs=file_crs, height_m=h, dem=dem,
                                 field_elevation_m=field_elevation_m)
        tops = np.where(on_dem.ok, on_dem.effective_height_m, tops)
    labels = gdf.iloc[:, 0].astype(str).to_numpy() if len(gdf.columns) > 1 else None
    ok = flat.ok
    return geoms[ok], tops[ok], None if labels is None else labels[ok]


#: Fonts that can draw the Chinese labels, in order of preference.
CJK_FONTS: tuple[str, ...] = ("Noto Sans CJK SC", "Noto Sans SC", "WenQuanYi Zen Hei",
                              "WenQuanYi Micro Hei", "Source Han Sans SC", "SimHei", "Microsoft YaHei")

#: The diagram's forms: ``polar`` is the observation code's obstruction diagram (azimuth around,
#: north up, clockwise; elevation radially, 0° at the rim and the zenith at the centre),
#: ``cartesian`` the azimuth–elevation form (azimuth across, elevation up). The first is the default.
HORIZON_FORMS: tuple[str, ...] = ("polar", "cartesian")
#: ``year=`` of :func:`plot_horizon` and :func:`horizon_diagram`: the sun paths of the station's
#: ``[sunshine].reference_year`` (the year, like the local time of the hour marks,
#: ``[sunshine].utc_offset_h``, is the station file's, as for the sun figures).
STATION_YEAR = "station"
#: The sun paths drawn, in order: name (the message key ``hz_path_<name>``) and colour.
SUN_PATH_STYLE: tuple[tuple[str, str], ...] = (("june_solstice", "#d84315"), ("equinox", "#2e7d32"),
                                               ("december_solstice", "#1565c0"))
#: The colours of the two groups of obstacles: the approved ones (or the only profile) and the proposal.
APPROVED_COLOR, PROPOSAL_COLOR = "#455a64", "#00acc1"


@dataclass
class SunPath:
    """The sun's apparent position over one day, from sunrise to sunset, at 1-minute steps.

    Attributes
    ----------
    name : str
        ``"june_solstice"``, ``"equinox"`` (March) or ``"december_solstice"``.
    date : datetime.date
        The local (UTC+8) date.
    time : pandas.DatetimeIndex
        The instants, local time (UTC+8), where the sun's centre is at or above the apparent
        horizon.
    azimuth_deg : ndarray
        Clockwise from true north. [deg]
    elevation_deg : ndarray
        Apparent elevation of the sun's centre (pvlib's SPA, standard refraction). [deg]
    """

    name: str
    date: _dt.date
    time: pd.DatetimeIndex
    azimuth_deg: np.ndarray
    elevation_deg: np.ndarray

    @property
    def on_the_hour(self) -> np.ndarray:
        """Which points are full hours of local time (the hour marks)."""
        return np.asarray((self.time.minute == 0) & (self.time.second == 0))


def sun_path_dates(station, year: int | None = None) -> dict[str, _dt.date]:
    """The local dates (``[sunshine].utc_offset_h``, UTC+8) of the June solstice, the March
    equinox and the December solstice of ``year``: the days whose local noon has the highest,
    the smallest absolute (March) and the lowest solar declination, the declination taken from
    the SPA position at local noon (:func:`geozones.sunshine.solar_position`) through
    sin δ = sin φ sin h + cos φ cos h cos A (h the true elevation).

    Parameters
    ----------
    station : Station
        The station (its position and ``[sunshine]`` settings).
    year : int, optional
        The reference year (default: the station's ``[sunshine].reference_year``).

    Returns
    -------
    dict
        ``{"june_solstice": date, "equinox": date, "december_solstice": date}``.

    Examples
    --------
    >>> from geozones.station import load_station
    >>> d = sun_path_dates(load_station(), 2025)
    >>> [str(v) for v in d.values()]
    ['2025-06-21', '2025-03-20', '2025-12-21']
    """
    import pandas as pd

    from .sunshine import local_zone, solar_position

    year = station.sunshine_year if year is None else int(year)
    noons = pd.date_range(pd.Timestamp(year, 1, 1, 12), pd.Timestamp(year, 12, 31, 12), freq="D",
                          tz=local_zone(station.sunshine_utc_offset_h))
    pos = solar_position(station, noons)
    phi = np.radians(station.latitude_deg)
    h, az = np.radians(pos["elevation"].to_numpy()), np.radians(pos["azimuth"].to_numpy())
    dec = np.degrees(np.arcsin(np.sin(phi) * np.sin(h) + np.cos(phi) * np.cos(h) * np.cos(az)))
    first_half = noons.month <= 6
    march = np.where(first_half, np.abs(dec), np.inf).argmin()
    return {"june_solstice": noons[dec.argmax()].date(), "equinox": noons[march].date(),
            "december_solstice": noons[dec.argmin()].date()}


def sun_paths(station, year: int | None = None) -> list[SunPath]:
    """The sun paths of the June solstice, the March equinox and the December solstice of
    ``year`` seen from the station: the SPA position (:func:`geozones.sunshine.solar_position`,
    the one the sun figures use, with its standard refraction) every minute of the local day
    (``[sunshine].utc_offset_h``), kept where the apparent elevation of the sun's centre is ≥ 0°.

    Parameters
    ----------
    station : Station
        The station (its position, elevation and ``[sunshine]`` settings).
    year : int, optional
        The reference year (:func:`sun_path_dates`; default the station's).

    Returns
    -------
    list of SunPath
        In the order of :data:`SUN_PATH_STYLE`.

    Examples
    --------
    Equinox noon at Jiangxian (φ = 35.504°): the sun at about 90° − φ = 54.5°.

    >>> from geozones.station import load_station
    >>> p = sun_paths(load_station())[1]
    >>> p.name, str(p.date), round(float(p.elevation_deg.max()), 1), str(p.time[p.on_the_hour][0])
    ('equinox', '2025-03-20', 54.4, '2025-03-20 07:00:00+08:00')
    """
    import pandas as pd

    from .sunshine import local_zone, solar_position

    dates = sun_path_dates(station, year)
    tz = local_zone(station.sunshine_utc_offset_h)
    out = []
    for name, _color in SUN_PATH_STYLE:
        day = dates[name]
        times = pd.date_range(pd.Timestamp(day.year, day.month, day.day, tz=tz), periods=24 * 60, freq="1min")
        pos = solar_position(station, times)
        up = pos["apparent_elevation"].to_numpy() >= 0.0
        out.append(SunPath(name, day, times[up], pos["azimuth"].to_numpy()[up],
                           pos["apparent_elevation"].to_numpy()[up]))
    return out


def _cjk_font(plt, lang: str, words: str, notes: list[str]) -> str:
    """The language the labels are drawn in: ``lang``, or English where the words need a
    Chinese font and none is installed (a note says so); sets the font when one is."""
    from ._optional import require
    from .text import t

    font_manager = require("matplotlib.font_manager")
    if any(ord(c) >= 0x2E80 for c in words):  # CJK text needs a CJK font
        installed = {f.name for f in font_manager.fontManager.ttflist}
        fonts = [f for f in CJK_FONTS if f in installed]
        if fonts:
            plt.rcParams["font.family"] = [fonts[0], "DejaVu Sans"]
        else:
            notes.append(t("hz_no_cjk_font", lang))
            return "en"
    return lang


def _draw_horizon(plt, profile: HorizonProfile, frame: StationFrame, lang: str, proposal: HorizonProfile | None,
                  form: str, year: int | str | None) -> tuple[Any, list[str]]:
    """The figure of :func:`plot_horizon` and the notes; every curve is drawn at (azimuth,
    elevation) through one mapping: polar θ = azimuth, r = 90° − elevation; cartesian x =
    azimuth, y = elevation. The sun paths' lines carry the gid ``sunpath-<name>``, the
    obstacles' fills ``obstacles-approved`` (or ``obstacles``) and ``obstacles-proposal``."""
    from .text import t

    notes: list[str] = []
    st = frame.station
    draw = _cjk_font(plt, lang, t("hz_title", lang, station=st.name.get(lang)) + t("hz_obstruction", lang), notes)
    polar = form == "polar"
    groups = [(profile, APPROVED_COLOR, "hz_approved" if proposal is not None else "hz_obstruction",
               "obstacles-approved" if proposal is not None else "obstacles")]
    if proposal is not None:
        groups.append((proposal, PROPOSAL_COLOR, "hz_proposal", "obstacles-proposal"))
    judged = proposal if proposal is not None else profile   # the 5° rule is judged per obstacle
    paths = [] if year is None else sun_paths(st, None if year == STATION_YEAR else int(year))
    if polar:
        top = 90.0
    else:
        highest = max([float(g[0].elevation_deg.max()) for g in groups]
                      + [float(p.elevation_deg.max()) for p in paths if len(p.elevation_deg)])
        top = min(90.0, max(10.0, float(np.ceil((highest + 3) / 5) * 5)))

    def xy(az, el):
        az, el = np.asarray(az, dtype=float), np.minimum(np.asarray(el, dtype=float), 90.0)
        return (np.radians(az), 90.0 - el) if polar else (az, el)

    fig = plt.figure(figsize=(7, 8.4) if polar else (9, 6.2))
    ax: Any = fig.add_subplot(projection="polar") if polar else fig.add_subplot()
    if polar:
        ax.set_theta_zero_location("N")
        ax.set_theta_direction(-1)
    for name_, color in (("sunrise", "#fbc02d"), ("sunset", "#8e24aa")):
        a0, a1 = frame.sun_azimuths[name_]
        arc = np.linspace(a0, a1, 60)
        x, ground = xy(arc, np.zeros(60))
        ax.fill_between(x, ground, xy(arc, np.full(60, top))[1], color=color, alpha=0.15, label=t(f"hz_{name_}", draw))
    az = np.append(profile.azimuth_deg, 360)
    for prof, color, key, gid in groups:
        x, y = xy(az, np.append(prof.elevation_deg, prof.elevation_deg[0]))
        fill = ax.fill_between(x, xy(az, np.zeros(len(az)))[1], y, color=color, alpha=0.6, edgecolor=color,
                               linewidth=0.6, label=t(key, draw))
        fill.set_gid(gid)
    if judged.limit_deg is not None:
        for i, name_ in enumerate(("sunrise", "sunset")):
            a0, a1 = frame.sun_azimuths[name_]
            arc = np.linspace(a0, a1, 60)
            ax.plot(*xy(arc, np.full(60, judged.limit_deg)), "r--", lw=1.4, gid="limit",
                    label=None if i else t("hz_limit", draw, limit=f"{judged.limit_deg:g}", article=judged.article))
    bad = judged.exceeds & judged.in_sun_sector
    if bad.any():
        ax.plot(*xy(judged.azimuth_deg[bad], judged.elevation_deg[bad]), "r.", ms=5)
    if judged.fence_elevation_deg is not None:
        fe = np.minimum(judged.fence_elevation_deg, top)
        ax.plot(*xy(az, np.append(fe, fe[0])), color="#e65100", lw=1.0, ls=":", label=t("hz_fence_angle", draw))
        brk = judged.breaks_sun_rule
        if brk.any():
            ax.plot(*xy(judged.azimuth_deg[brk], fe[brk]), "x", color="#b71c1c", ms=7,
                    label=t("hz_fence_breaks", draw, article=judged.article))
    styles = dict(SUN_PATH_STYLE)
    for p in paths:
        color = styles[p.name]
        ax.plot(*xy(p.azimuth_deg, p.elevation_deg), color=color, lw=1.3, gid=f"sunpath-{p.name}",
                label=t(f"hz_path_{p.name}", draw, date=p.date.isoformat()))
        hours = p.on_the_hour
        hx, hy = xy(p.azimuth_deg[hours], p.elevation_deg[hours])
        ax.plot(hx, hy, "o", color=color, ms=3.2, gid=f"sunhours-{p.name}")
        for x_, y_, when in zip(hx, hy, p.time[hours]):
            ax.annotate(f"{when.hour}", (x_, y_), xytext=(3, 3), textcoords="offset points", fontsize=6, color=color)
    if paths:
        ax.plot([], [], "o", color="#616161", ms=3.2, label=t("hz_hours", draw, offset=f"{st.sunshine_utc_offset_h:+g}"))
    if polar:
        ax.set_ylim(0, 90)
        ticks = [10, 30, 50, 70]
        ax.set_yticks([90 - v for v in ticks], [f"{v}°" for v in ticks], fontsize=7)
        ax.set_rlabel_position(20)   # north of the sun paths
        legend = {"loc": "lower center", "bbox_to_anchor": (0.5, -0.42)}
    else:
        ax.set_xlim(0, 360)
        ax.set_ylim(0, top)
        ax.set_xticks(range(0, 361, 30))
        ax.set_xlabel(t("hz_azimuth", draw))
        ax.set_ylabel(t("hz_elevation", draw))
        ax.grid(alpha=0.3)
        legend = {"loc": "upper left", "bbox_to_anchor": (1.01, 1.0)}
    ax.set_title(t("hz_title", draw, station=st.name.get(draw)), pad=18)
    ax.legend(ncol=1, fontsize=8, **legend)
    return fig, notes


def plot_horizon(profile: HorizonProfile, frame: StationFrame, path: str | Path, lang: str = "en",
                 overwrite: bool = False, *, proposal: HorizonProfile | None = None, form: str = "polar",
                 year: int | str | None = STATION_YEAR) -> list[str]:
    """The obstruction diagram: the obstacles' elevation by azimuth, the sunrise and sunset
    sectors shaded, the limit (the station's sun-sector angle, Art. 12.3 (2) ⑦ at Jiangxian:
    5°) drawn within those sectors, the angle from the fence, and the sun paths of the June
    solstice, the March equinox and the December solstice with a mark at each full hour of
    local time (UTC+8). Needs matplotlib (``pip install 'geozones[diagram]'``).

    Parameters
    ----------
    profile : HorizonProfile
        From :func:`horizon_profile`: the obstacles; with ``proposal``, the approved ones.
    frame : StationFrame
        The station's frame (its sun sectors are shaded; its position gives the sun paths).
    path : str or Path
        The diagram, .png or .svg.
    lang : {"en", "zh"}
        Language of the labels.
    overwrite : bool
        Replace an existing ``path``.
    proposal : HorizonProfile, optional
        The proposal, drawn in its own colour over ``profile`` (then labelled "approved
        obstacles"); the fence angle and the 5° marks are the proposal's (the rule is judged per
        obstacle).
    form : {"polar", "cartesian"}
        :data:`HORIZON_FORMS`: the observation code's polar form (0° at the rim, north up,
        clockwise) or azimuth across and elevation up.
    year : int, "station" or None
        The reference year of the sun paths (:func:`sun_paths`; :data:`STATION_YEAR`: the
        station's ``[sunshine].reference_year``); None draws none.

    Returns
    -------
    list of str
        Notes for the user: with ``lang="zh"`` and no Chinese font installed the labels are
        drawn in English (rather than as empty boxes) and a note says so.

    Raises
    ------
    InputError
        ``form`` is not one of :data:`HORIZON_FORMS`.
    MissingExtraError
        matplotlib is not installed.
    """
    from ._optional import figures
    from .errors import InputError
    from .io import atomic_output

    if form not in HORIZON_FORMS:
        raise InputError("horizon_form", form=form, choices=", ".join(HORIZON_FORMS))
    with figures() as plt:
        fig, notes = _draw_horizon(plt, profile, frame, lang, proposal, form, year)
        with atomic_output(path, overwrite) as tmp:
            fig.savefig(tmp, dpi=120, bbox_inches="tight")
        plt.close(fig)
        return notes


def horizon_diagram(output: str | Path, station, *, buildings=None, crs=None, layer: str | None = None,
                    height_field: str | None = None,
                    dem=None, field_elevation: str = "dem", eye_height_m: float = 0.0,
                    terrain_radius_m: float = 5000.0, csv_path=None, lang: str = "en",
                    overwrite: bool = False, proposal: HorizonProfile | None = None, form: str = "polar",
                    year: int | str | None = STATION_YEAR, ledger=None) -> tuple[HorizonProfile, list[str]]:
    """``geozones horizon`` as one call: read the buildings (and DEM), compute the profile,
    draw the diagram to ``output`` (.png or .svg) and optionally the CSV.

    Parameters
    ----------
    output : str or Path
        The diagram, .png or .svg.
    station : Station
        The station whose field is the viewpoint.
    buildings : str or Path, optional
        Footprints with heights (:func:`read_buildings`); ``buildings`` or ``dem`` is needed.
    crs, layer, height_field : optional
        As :func:`read_buildings`.
    dem : str, Path or geozones.terrain.DEM, optional
        Terrain obstruction.
    field_elevation : {"dem", "station"}
        The field's ground: the DEM at the field centre, or the station file's elevation.
    eye_height_m : float
        Height of the viewpoint above the field ground. [m]
    terrain_radius_m : float
        How far terrain is sampled. [m]
    csv_path : str or Path, optional
        Also write the profile, one row per degree.
    lang : {"en", "zh"}
        Language of the labels.
    overwrite : bool
        Replace existing outputs.
    proposal : HorizonProfile, optional
        A proposal drawn in its own colour beside the buildings (then the approved obstacles).
    form : {"polar", "cartesian"}
        The diagram's form (:data:`HORIZON_FORMS`).
    year : int, "station" or None
        The reference year of the sun paths (default the station's); None draws none.
    ledger : str, Path, LedgerStore or Obstacles, optional
        The station's ledger (or its :func:`geozones.ledger.approved_obstacles`): its current
        approved obstacles drawn with the buildings as the first profile ("approved obstacles"
        beside ``proposal``).

    Returns
    -------
    tuple of (HorizonProfile, list of str)
        The profile and notes for the user.
    """
    from .errors import InputError, OutputError
    from .io import atomic_output
    from .io.serialise import write_csv_frame
    from .terrain import dem_and_field

    if Path(output).suffix.lower() not in (".png", ".svg"):
        raise OutputError("output_format", path=str(output), choices=".png, .svg")
    if buildings is None and dem is None and ledger is None and proposal is None:
        raise InputError("horizon_nothing")
    frame = StationFrame(station)
    dem_obj, z_field = dem_and_field(dem, station, field_elevation)
    geoms, tops, labels = np.array([], dtype=object), np.array([]), None
    if buildings:
        geoms, tops, labels = read_buildings(buildings, frame, height_field, dem_obj, z_field,
                                             crs=crs, layer=layer)
    if ledger is not None:
        from .ledger import Obstacles, approved_obstacles

        obs = ledger if isinstance(ledger, Obstacles) else approved_obstacles(ledger, station)
        named = np.array([f"ledger #{i}" for i in obs.ids], dtype=object)
        labels = np.concatenate([np.arange(len(geoms)).astype(str).astype(object) if labels is None
                                 else np.asarray(labels, dtype=object), named])
        geoms = np.concatenate([np.asarray(geoms, dtype=object), obs.geoms])
        tops = np.concatenate([np.asarray(tops, dtype=float), obs.top_m])
    prof = horizon_profile(frame, geoms, tops, dem=dem_obj, field_elevation_m=z_field,
                           eye_height_m=eye_height_m, terrain_radius_m=terrain_radius_m, labels=labels)
    notes = plot_horizon(prof, frame, output, lang=lang, overwrite=overwrite, proposal=proposal, form=form, year=year)
    if csv_path:
        with atomic_output(csv_path, overwrite) as tmp:
            write_csv_frame(prof.to_frame(), tmp)
    return prof, notes


def horizon_lines(prof: HorizonProfile, output, lang: str = "en") -> list[str]:
    """What ``geozones horizon`` prints: the highest obstruction and the azimuths over the
    station's sun-sector limit (Art. 12.3 (2) ⑦ at Jiangxian), seen from the centre and with
    D from the fence.

    Parameters
    ----------
    prof : HorizonProfile
    output : str or Path
        The diagram's path, named in the first line.
    lang : {"en", "zh"}

    Returns
    -------
    list of str

    Examples
    --------
    >>> from geozones.station import load_station
    >>> frame = StationFrame(load_station())
    >>> p = horizon_profile(frame, np.array([shapely.box(100, -5, 110, 5)]), np.array([20.0]))
    >>> horizon_lines(p, "h.png")[0]   # atan(20 / 100)
    'h.png: highest obstruction 11.31°'
    """
    from .text import t

    def degrees(az):
        return ", ".join(f"{a}°" for a in az)

    over = prof.azimuth_deg[prof.exceeds & prof.in_sun_sector]
    other = prof.azimuth_deg[prof.exceeds & ~prof.in_sun_sector]
    lines = [t("hz_highest", lang, out=str(output), deg=f"{prof.elevation_deg.max():.2f}")]
    if prof.limit_deg is not None:
        lines.append(t("hz_sun", lang, limit=f"{prof.limit_deg:g}", article=prof.article,
                       list=degrees(over) if over.size else t("report_none", lang)))
    if other.size:
        lines.append(t("hz_other", lang, limit=f"{prof.limit_deg:g}", list=degrees(other)))
    if prof.limit_deg is not None:
        # The plan measures D from the fence (as check does): list what breaks the rule that way.
        fence = prof.azimuth_deg[prof.breaks_sun_rule]
        lines.append(t("hz_fence_sun", lang, limit=f"{prof.limit_deg:g}", article=prof.article,
                       list=degrees(fence) if fence.size else t("report_none", lang)))
    return lines
