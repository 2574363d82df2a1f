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
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely

from .core.zones import StationFrame

__all__ = ["HorizonProfile", "horizon_profile", "plot_horizon", "read_buildings", "HEIGHT_COLUMNS",
           "horizon_diagram", "horizon_lines"]

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


def plot_horizon(profile: HorizonProfile, frame: StationFrame, path: str | Path, lang: str = "en",
                 overwrite: bool = False) -> list[str]:
    """Polar diagram: elevation (radius) by azimuth, sun sectors shaded, the limit circle
    (the station's sun-sector angle, Art. 12.3 (2) ⑦ at Jiangxian). Needs matplotlib
    (``pip install 'geozones[diagram]'``).

    Parameters
    ----------
    profile : HorizonProfile
        From :func:`horizon_profile`.
    frame : StationFrame
        The station's frame (its sun sectors are shaded).
    path : str or Path
        The diagram, .png or .svg.
    lang : {"en", "zh"}
        Language of the labels.
    overwrite : bool
        Replace an existing ``path``.

    Returns
    -------
    list of str
        Notes for the user: with ``lang="zh"`` and no Chinese font installed the labels are
        drawn in English (rather than as empty boxes) and a note says so.

    Raises
    ------
    MissingExtraError
        matplotlib is not installed.
    """
    from ._optional import figures, require
    from .io import atomic_output
    from .text import t

    with figures() as plt:
        font_manager = require("matplotlib.font_manager")
        notes: list[str] = []
        draw = lang  # the language drawn: English where no installed font has Chinese glyphs
        words = t("hz_title", lang, station=frame.station.name.get(lang)) + t("hz_obstruction", lang)
        if any(ord(c) >= 0x2E80 for c in words):  # CJK text needs a CJK font
            installed = {f.name for f in font_manager.fontManager.ttflist}
            fonts = [f for f in CJK_FONTS if f in installed]
            if fonts:
                plt.rcParams["font.family"] = [fonts[0], "DejaVu Sans"]
            else:
                draw = "en"
                notes.append(t("hz_no_cjk_font", lang))
        st = frame.station
        rmax = max(10.0, float(np.ceil(profile.elevation_deg.max() + 2)))
        fig = plt.figure(figsize=(7, 8.0))
        ax: Any = fig.add_subplot(projection="polar")  # a PolarAxes (typed as its base Axes)
        ax.set_theta_zero_location("N")
        ax.set_theta_direction(-1)
        th = np.radians(np.append(profile.azimuth_deg, 360))
        for name_, color in (("sunrise", "#fbc02d"), ("sunset", "#8e24aa")):
            a0, a1 = frame.sun_azimuths[name_]
            arc = np.radians(np.linspace(a0, a1, 60))
            ax.fill_between(arc, 0, rmax, color=color, alpha=0.15, label=t(f"hz_{name_}", draw))
        e = np.append(profile.elevation_deg, profile.elevation_deg[0])
        ax.fill_between(th, 0, e, color="#455a64", alpha=0.6, label=t("hz_obstruction", draw))
        if profile.limit_deg is not None:
            ax.plot(np.linspace(0, 2 * np.pi, 361), np.full(361, profile.limit_deg), "r--", lw=1.2,
                    label=t("hz_limit", draw, limit=f"{profile.limit_deg:g}", article=profile.article))
        bad = profile.exceeds & profile.in_sun_sector
        if bad.any():
            ax.plot(np.radians(profile.azimuth_deg[bad]), profile.elevation_deg[bad], "r.", ms=5)
        if profile.fence_elevation_deg is not None:
            fe = np.minimum(profile.fence_elevation_deg, rmax)
            ax.plot(th, np.append(fe, fe[0]), color="#e65100", lw=1.0, ls=":",
                    label=t("hz_fence_angle", draw))
            brk = profile.breaks_sun_rule
            if brk.any():
                ax.plot(np.radians(profile.azimuth_deg[brk]), fe[brk], "x", color="#b71c1c", ms=7,
                        label=t("hz_fence_breaks", draw, article=profile.article))
        ax.set_ylim(0, rmax)
        ax.set_rlabel_position(135)
        ax.set_title(t("hz_title", draw, station=st.name.get(draw)), pad=18)
        ax.legend(loc="lower center", bbox_to_anchor=(0.5, -0.30), ncol=1, fontsize=8)
        with atomic_output(path, overwrite) as tmp:
            fig.savefig(tmp, dpi=120, bbox_inches="tight")
        plt.close(fig)
        return notes


def horizon_diagram(output: str | Path, station, *, buildings=None, crs=None, layer: str | None = None,
                    height_field: str | None = None,
                    dem=None, field_elevation: str = "dem", eye_height_m: float = 0.0,
                    terrain_radius_m: float = 5000.0, csv_path=None, lang: str = "en",
                    overwrite: bool = False) -> tuple[HorizonProfile, list[str]]:
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
    if buildings is None and dem is None:
        raise InputError("horizon_nothing")
    frame = StationFrame(station)
    dem_obj, z_field = dem_and_field(dem, station, field_elevation)
    geoms, tops, labels = np.array([], dtype=object), np.array([]), None
    if buildings:
        geoms, tops, labels = read_buildings(buildings, frame, height_field, dem_obj, z_field,
                                             crs=crs, layer=layer)
    prof = horizon_profile(frame, geoms, tops, dem=dem_obj, field_elevation_m=z_field,
                           eye_height_m=eye_height_m, terrain_radius_m=terrain_radius_m, labels=labels)
    notes = plot_horizon(prof, frame, output, lang=lang, overwrite=overwrite)
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
