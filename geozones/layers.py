"""The zones as GIS layers (GeoDataFrames), for export and maps."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from .core.coords import parse_crs, transform_geoms
from .core.zones import StationFrame
from .text import zone_name

__all__ = ["zone_layer", "height_steps"]

#: Cells of the ``height_steps`` grid evaluated at once (the rest of the grid is int32 bands).
_BLOCK_CELLS = 1 << 20


def _into(geoms, src, crs) -> gpd.GeoSeries:
    """Geometries from ``src`` into the output CRS ``crs`` through the one transformation of
    :mod:`geozones.core.coords` (a Beijing 1954 or Xian 1980 output gets its datum shift, as
    every input does; geopandas' ``to_crs`` from the station frame would ballpark it). A
    GCJ-02/BD-09 ``crs`` is written as WGS84, as before."""
    from .core.datums import datum_of

    target = parse_crs(crs)
    if datum_of(target) is not None:
        target = parse_crs("EPSG:4326")
    return gpd.GeoSeries(transform_geoms(np.asarray(geoms, dtype=object), parse_crs(src), target), crs=target)


def zone_layer(frame: StationFrame, crs="EPSG:4326", lang: str = "en",
               sector_radius_m: float = 5000.0, pilots=()) -> gpd.GeoDataFrame:
    """One feature per zone band, per sun sector and per pilot area, in ``crs``.

    Columns: ``zone`` (id), ``name`` (in ``lang``), ``name_zh``, ``from_m``/``to_m`` (distance
    band from the fence [m]; sectors: 0 to ``sector_radius_m`` from the field centre),
    ``article`` (the station file's ``[zones.articles]``), ``station``. Sectors overlap the bands; the bands do not overlap each other.
    Pilot areas (zone ``pilot:<id>``) carry their own names and ``provisory`` (the boundary is
    provisional; 9 letters, so shapefiles keep the name).

    Parameters
    ----------
    frame : StationFrame
        The station's frame; its station file gives the zone distances and articles (at
        Jiangxian: the field, Art. 12.1; 0–50 m, Art. 12.2; 50–1000 m, Art. 12.3; the general
        zone, Art. 11 and 13).
    crs : str or pyproj.CRS
        The layer's CRS (default EPSG:4326, longitude first).
    lang : {"en", "zh"}
        Language of ``name``.
    sector_radius_m : float
        How far from the field centre the sun sectors are drawn. [m]
    pilots : sequence of PilotArea
        Pilot areas added as features of their own.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per zone band, sun sector and pilot area.

    Examples
    --------
    >>> from geozones.station import load_station
    >>> layer = zone_layer(StationFrame(load_station()))
    >>> layer[["zone", "from_m", "to_m"]].head(3).values.tolist()
    [['body', 0.0, 0.0], ['protection', 0.0, 50.0], ['control', 50.0, 1000.0]]
    """
    from .core import numbers

    numbers.checked(sector_radius_m, "sector_radius_m", numbers.SECTOR_RADIUS_M)
    s = frame.station
    bounds = {**s.zone_bounds_m, "sunrise": (0.0, sector_radius_m), "sunset": (0.0, sector_radius_m)}
    polys = frame.zone_polygons(sector_radius_m)
    rows = [
        {
            "zone": z, "name": zone_name(s, z, lang), "name_zh": zone_name(s, z, "zh"),
            "from_m": bounds[z][0], "to_m": bounds[z][1], "article": s.zone_articles.get(z, ""),
            "station": s.id,
        }
        for z, _ in polys
    ]
    wgs = parse_crs("EPSG:4326")
    gdf = gpd.GeoDataFrame(rows, geometry=_into([g for _, g in polys], frame.crs, wgs), crs=wgs)
    gdf["provisory"] = False
    if pilots:
        extra = gpd.GeoDataFrame([
            {"zone": f"pilot:{p.id}", "name": p.name.get(lang), "name_zh": p.name.zh,
             "from_m": None, "to_m": None, "article": p.source, "station": "", "provisory": p.provisional}
            for p in pilots], geometry=[p.boundary for p in pilots], crs=4326)
        gdf = gpd.GeoDataFrame(pd.concat([gdf, extra], ignore_index=True), crs=4326)
    out = _into(gdf.geometry.values, wgs, crs)
    return gpd.GeoDataFrame(gdf.drop(columns="geometry"), geometry=out, crs=out.crs)


def height_steps(frame: StationFrame, step_m: float = 10.0, *, extent_m: float = 3000.0,
                 resolution_m: float = 5.0, kind: str = "building", crs="EPSG:4326",
                 lang: str = "en", max_cells: int | None = None) -> gpd.GeoDataFrame:
    """The permitted height as vector polygons in ``step_m`` bands, for GIS users.

    Each cell of a ``resolution_m`` grid (``2 * extent_m`` wide, station frame) gets the
    permitted height of a point-sized ``kind`` from the same evaluator as ``geozones
    heightlimit`` (:func:`geozones.heightlimit.permitted_height_at`); cells are grouped by
    ``floor(height / step_m)`` and polygonised (rasterio), so the sun sectors' stricter
    limit (H ≤ D·tan angle, the station's sun-sector rule: 5° at Jiangxian, Art. 12.3 (2) ⑦)
    shows as narrower bands there. Edges follow the grid (error ≤ one cell, ``resolution_m``);
    neighbouring bands share their edges exactly (simplified together as one coverage).
    Columns: ``from_m``/``to_m`` (band of permitted height [m]; a building up to ``from_m`` is
    allowed anywhere in it), ``name``, ``name_zh``; the band ``from_m == to_m == 0`` is where
    nothing may stand. Cells without a limit are left out.

    Parameters
    ----------
    frame : StationFrame
        The station's frame.
    step_m : float
        Height of each band. [m]
    extent_m : float
        Half the grid's width, from the field centre. [m]
    resolution_m : float
        Cell size of the grid polygonised. [m]
    kind : str
        The kind of proposal the limits are for.
    crs : str or pyproj.CRS
        The layer's CRS.
    lang : {"en", "zh"}
        Language of ``name``.
    max_cells : int, optional
        Refuse a grid of more cells, before anything is computed (default:
        :func:`geozones.core.limits.limits`, 50 million unless ``GEOZONES_MAX_CELLS`` says;
        the grid takes about 10 bytes a cell).

    Returns
    -------
    geopandas.GeoDataFrame
        One MultiPolygon row per band, lowest first.

    Examples
    --------
    >>> from geozones.station import load_station
    >>> steps = height_steps(StationFrame(load_station()), 10.0, extent_m=200.0, resolution_m=10.0)
    >>> steps[["from_m", "to_m"]].head(2).values.tolist()   # nothing within 50 m, then H ≤ D / 10
    [[0.0, 0.0], [0.0, 10.0]]
    """
    import numpy as np
    import rasterio.features
    import shapely
    from affine import Affine

    from .core.limits import limits
    from .heightlimit import permitted_height_at
    from .text import t

    n = limits(max_cells=max_cells).check_cells(extent_m, resolution_m)   # a size bomb: before any work
    centres = -extent_m + (np.arange(n) + 0.5) * resolution_m
    band = np.full((n, n), -2, dtype=np.int32)
    block = max(1, _BLOCK_CELLS // n)   # rows evaluated at once: the grid is held as int32 only
    for r0 in range(0, n, block):
        gx, gy = np.meshgrid(centres, centres[::-1][r0:r0 + block])
        limit = permitted_height_at(frame, gx, gy, kind)
        part = band[r0:r0 + block]
        finite = ~np.isnan(limit)
        part[finite] = np.floor(limit[finite] / step_m).astype(np.int32)
        part[finite & (limit <= 0)] = -1
    transform = Affine(resolution_m, 0, -extent_m, 0, -resolution_m, extent_m)
    parts: dict[int, list] = {}
    for geom, value in rasterio.features.shapes(band, mask=band > -2, transform=transform):
        parts.setdefault(int(value), []).append(shapely.geometry.shape(geom))
    rows, geoms = [], []
    keys = sorted(parts)
    # simplified as one coverage, so neighbouring bands keep one shared edge (no slivers)
    simplified = shapely.coverage_simplify(np.array([shapely.union_all(parts[k]) for k in keys], dtype=object),
                                           resolution_m, simplify_boundary=True) if keys else []
    for k, merged in zip(keys, simplified):
        lo, hi = (0.0, 0.0) if k < 0 else (k * step_m, (k + 1) * step_m)
        def label(lg: str, k: int = k, lo: float = lo, hi: float = hi) -> str:
            return t("steps_zero", lg) if k < 0 else t("steps_band", lg, lo=f"{lo:g}", hi=f"{hi:g}")

        if merged.geom_type == "Polygon":  # one geometry type for the layer: MultiPolygon
            merged = shapely.MultiPolygon([merged])
        rows.append({"from_m": lo, "to_m": hi, "name": label(lang), "name_zh": label("zh"),
                     "station": frame.station.id})
        geoms.append(merged)
    into = _into(geoms, frame.crs, crs)
    return gpd.GeoDataFrame(rows, columns=["from_m", "to_m", "name", "name_zh", "station"],
                            geometry=into, crs=into.crs)
