"""The permitted height everywhere, as a raster ("how high may I build here?").

Each cell holds the permitted height of a point-sized building at the cell centre, from the
same rule rows and evaluator as ``geozones check`` (:func:`geozones.core.rules.evaluate`):
0 where nothing may stand, nodata where no height rule applies. With a DEM the value can be
given above the local ground (permitted − (ground − field elevation), never below 0; 0 where
nothing may stand) or as an absolute elevation (local ground + that height).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from .core.coords import parse_crs, project_xy, transform_geoms
from .core.kinds import normalize_kinds
from .core.rules import evaluate
from .core.zones import StationFrame

__all__ = ["above_local_ground", "permitted_height_at", "permitted_height_by_rules", "write_heightlimit", "MODES", "NODATA"]

#: What a cell value means (``--mode``): above the field ground (Art. 12), above the local
#: ground, or absolute elevation in the DEM's datum.
MODES: tuple[str, ...] = ("field", "ground", "absolute")
NODATA = -9999.0


def permitted_height_at(frame: StationFrame, x: np.ndarray, y: np.ndarray, kind: str = "building") -> np.ndarray:
    """Permitted height above the observation-field ground at points of the station frame.

    From the station's rule rows read as a table of D per sector
    (:meth:`~geozones.core.zones.StationFrame.permitted_height`); equal to
    :func:`permitted_height_by_rules` (every rule evaluated at every point), a test checks it.
    The rules are the station file's: at Jiangxian 0 within the 50 m protection range
    (Art. 12.2), H ≤ D / 10 out to 1000 m (Art. 12.3 (2) ⑥), H ≤ D × tan 5° in the sunrise and
    sunset sectors (Art. 12.3 (2) ⑦), D the distance from the fence.

    Parameters
    ----------
    frame : StationFrame
        The station's frame (azimuthal equidistant, metres, centred on the field).
    x, y : array of float
        Points in the frame: east and north of the field centre. [m]
    kind : str
        The kind of proposal (default ``"building"``; see :data:`geozones.core.kinds.KINDS`).

    Returns
    -------
    numpy.ndarray
        The permitted height at each point, shaped as ``x`` [m]; 0 where nothing may stand,
        NaN where no height rule applies.

    Examples
    --------
    >>> from geozones.station import load_station
    >>> frame = StationFrame(load_station())   # a 25 m field: its fence 12.5 m from the centre
    >>> x, y = np.array([0.0, 0.0, 349.3]), np.array([312.5, 32.5, 0.0])
    >>> permitted_height_at(frame, x, y).round(2).tolist()   # 300/10; inside 50 m; 336.8 × tan 5°
    [30.0, 0.0, 29.47]
    """
    x = np.asarray(x, dtype=float)
    return frame.permitted_height(x, np.asarray(y, dtype=float), kind)


def permitted_height_by_rules(frame: StationFrame, x: np.ndarray, y: np.ndarray,
                              kind: str = "building") -> np.ndarray:
    """:func:`permitted_height_at` by the generic path: measure every point
    (``measure_points``) and evaluate every rule row (:func:`geozones.core.rules.evaluate`).

    Parameters
    ----------
    frame : StationFrame
        The station's frame.
    x, y : array of float
        Points east and north of the field centre. [m]
    kind : str
        The kind of proposal.

    Returns
    -------
    numpy.ndarray
        The permitted height above the field ground at each point [m] (NaN: unlimited).

    Examples
    --------
    >>> from geozones.station import load_station
    >>> frame = StationFrame(load_station())
    >>> permitted_height_by_rules(frame, np.array([0.0]), np.array([3012.5])).tolist()   # general zone, D = 3000 m
    [300.0]
    """
    x = np.asarray(x, dtype=float)
    m = frame.measure_points(x.ravel(), np.asarray(y, dtype=float).ravel())
    kind = normalize_kinds(np.array([kind], dtype=object))[0]
    out = evaluate(frame.station.rules, kind, np.full(m.distance_m.shape, np.nan), m.distance_m,
                   m.sun_distance_m, m.in_general, m.in_protected, maybe_upwind=m.maybe_upwind,
                   tolerance_m=frame.station.tolerance_m).max_height_m()
    return out.reshape(x.shape)


def write_heightlimit(path: str | Path, frame: StationFrame, *, resolution_m: float = 5.0,
                      extent_m: float = 3000.0, crs=None, dem=None, mode: str = "field",
                      field_elevation_m: float | None = None, kind: str = "building",
                      block_rows: int = 256, overwrite: bool = False,
                      progress: Callable[[int, int], None] | None = None,
                      max_cells: int | None = None) -> dict:
    """Write the permitted-height raster: a Cloud Optimized GeoTIFF (GDAL's COG driver: tiled,
    DEFLATE-compressed float32 with overviews), band described with its meaning and unit "m".

    The grid is square, ``2 * extent_m`` wide, centred on the field, with ``resolution_m``
    cells, in the station frame (default; distances exact) or in ``crs``. Written in blocks of
    ``block_rows`` rows, so memory stays bounded for any size. Each cell holds
    :func:`permitted_height_at` its centre (the rule rows of the station file, e.g. Art. 12 of
    the Jiangxian plan), :data:`NODATA` where no height rule applies.

    Parameters
    ----------
    path : str or Path
        The GeoTIFF to write (atomically; an existing file only with ``overwrite``).
    frame : StationFrame
        The station's frame.
    resolution_m : float
        Cell size. [m]
    extent_m : float
        Half the grid's width, from the field centre. [m]
    crs : str or pyproj.CRS, optional
        The grid's CRS (default: the station frame).
    dem : geozones.terrain.DEM, optional
        Needed for ``mode`` "ground" and "absolute".
    mode : {"field", "ground", "absolute"}
        Height above the field ground (Art. 12), above the local ground
        (:func:`above_local_ground`), or the elevation of the highest permitted top. [m]
    field_elevation_m : float, optional
        The field's ground in the DEM's datum (modes "ground" and "absolute"). [m]
    kind : str
        The kind of proposal the limits are for.
    block_rows : int
        Rows computed and written at a time.
    overwrite : bool
        Replace an existing ``path``.
    progress : callable, optional
        ``progress(rows_done, rows)`` after each block.
    max_cells : int, optional
        Refuse a grid of more cells, before anything is computed or written (default:
        :func:`geozones.core.limits.limits`, 50 million unless ``GEOZONES_MAX_CELLS`` says).

    Returns
    -------
    dict
        ``cells``, ``zero`` (cells where nothing may stand), ``limited``, ``min`` and ``max``
        [m], ``path``, ``size`` (cells a side), ``resolution_m``, ``crs``, ``mode``.
    """
    from rasterio.transform import from_origin

    from .core import numbers
    from .core.limits import limits
    from .io import atomic_output

    numbers.checked(resolution_m, "resolution_m", numbers.RESOLUTION_M)
    numbers.checked(extent_m, "extent_m", numbers.EXTENT_M)
    numbers.checked(field_elevation_m, "field_elevation_m", numbers.ELEVATION_M)
    numbers.checked(block_rows, "block_rows", numbers.BLOCK_ROWS)
    n = limits(max_cells=max_cells).check_cells(extent_m, resolution_m)   # a size bomb: before any work
    if mode != "field" and dem is None:
        from .errors import InputError

        raise InputError("dem_needed", mode=mode)
    target = named_frame_crs(frame) if crs is None else parse_crs(crs)
    if crs is None:
        x0, y0 = -extent_m, extent_m
    else:
        import shapely

        c = transform_geoms(np.array([shapely.Point(0, 0)], dtype=object), frame.crs, target, False)[0]
        x0, y0 = c.x - extent_m, c.y + extent_m
    transform = from_origin(x0, y0, resolution_m, resolution_m)
    profile = dict(driver="GTiff", width=n, height=n, count=1, dtype="float32", crs=target.to_wkt(),
                   transform=transform, nodata=NODATA, tiled=True, blockxsize=256, blockysize=256,
                   BIGTIFF="IF_SAFER")  # uncompressed: the COG copy compresses once, below
    stats: dict[str, Any] = {"cells": n * n, "zero": 0, "limited": 0, "min": np.inf, "max": -np.inf}
    cols = x0 + (np.arange(n) + 0.5) * resolution_m
    import tempfile

    from rasterio.shutil import copy as rio_copy

    description = DESCRIPTIONS[mode].format(kind=kind)
    with atomic_output(path, overwrite) as tmp, tempfile.TemporaryDirectory(
            prefix=".geozones-", dir=tmp.parent) as work:
        blocks = Path(work) / "blocks.tif"
        _write_blocks(blocks, profile, n, block_rows, y0, cols, resolution_m, crs, target, frame,
                      kind, mode, dem, field_elevation_m, transform, stats, progress, description)
        # COG layout (tiles, then overviews, ghost header) can only be made by copying; the
        # scratch file is uncompressed (4 bytes a cell, deleted after) so the tiles are
        # compressed once, on every core (NUM_THREADS: the copy is most of the time).
        rio_copy(str(blocks), str(tmp), driver="COG", COMPRESS="DEFLATE", PREDICTOR="FLOATING_POINT",
                 BLOCKSIZE="256", OVERVIEWS="AUTO", RESAMPLING="NEAREST", BIGTIFF="IF_SAFER",
                 NUM_THREADS="ALL_CPUS")
    stats.update({"path": str(path), "size": n, "resolution_m": resolution_m, "crs": target.name, "mode": mode})
    return stats


#: The band description per ``mode`` (GDAL band metadata; unit "m" set separately).
DESCRIPTIONS = {
    "field": "permitted height of a {kind} above the observation-field ground [m] (GB 31221-2014, Art. 12)",
    "ground": "permitted height of a {kind} above the local ground [m]",
    "absolute": "highest permitted top of a {kind}, elevation in the DEM's datum [m]",
}


def named_frame_crs(frame: StationFrame):
    """The station frame's CRS with a readable name (a bare PROJ string is named "unknown").

    Parameters
    ----------
    frame : StationFrame
        The station's frame.

    Returns
    -------
    pyproj.CRS
        The frame's azimuthal equidistant CRS (metres), named after the station.

    Examples
    --------
    >>> from geozones.station import load_station
    >>> named_frame_crs(StationFrame(load_station())).name[:40]
    'jiangxian station frame: azimuthal equid'
    """
    from pyproj import CRS

    s = frame.station
    doc = frame.crs.to_json_dict()
    doc["name"] = (f"{s.id} station frame: azimuthal equidistant centred on the observation field "
                   f"({s.latitude_deg:.4f} N, {s.longitude_deg:.4f} E), metres")
    return CRS.from_json_dict(doc)


def above_local_ground(limit: np.ndarray, ground: np.ndarray, field_elevation_m: float) -> np.ndarray:
    """Permitted height above the local ground [m] from the permitted height above the field
    ground (GB 31221-2014, Art. 12: H is measured from the observation-field ground).

    ``limit − (ground − field elevation)``, except: where nothing may stand (``limit == 0``:
    the field, the 0–50 m protection range, Art. 12.1/12.2 ②) it stays 0 whatever the ground;
    where the local ground is already above the permitted top the result is clamped to 0
    (nothing may stand there). NaN where no limit applies or the ground is unknown.

    Parameters
    ----------
    limit : array of float
        Permitted height above the field ground (NaN: unlimited). [m]
    ground : array of float
        Local ground elevation, in the datum of ``field_elevation_m`` (NaN: unknown). [m]
    field_elevation_m : float
        Elevation of the observation-field ground. [m]

    Returns
    -------
    numpy.ndarray
        Permitted height above the local ground. [m]

    Examples
    --------
    >>> above_local_ground(np.array([30.0, 0.0, 30.0]), np.array([765.0, 700.0, 800.0]), 761.0).tolist()
    [26.0, 0.0, 0.0]
    """
    above = limit - (ground - field_elevation_m)
    above = np.where(limit == 0, 0.0, above)
    above = np.where(above < 0, 0.0, above)
    return np.where(np.isnan(ground), np.nan, above)


def _write_blocks(tmp, profile, n, block_rows, y0, cols, resolution_m, crs, target, frame, kind,
                  mode, dem, field_elevation_m, transform, stats, progress, description):
    import rasterio
    from rasterio.warp import Resampling, reproject
    from rasterio.windows import Window

    with rasterio.open(tmp, "w", **profile) as dst:
        dst.set_band_description(1, description)
        dst.units = ("m",)
        for r0 in range(0, n, block_rows):
            rows = min(block_rows, n - r0)
            ys = y0 - (np.arange(r0, r0 + rows) + 0.5) * resolution_m
            gx, gy = np.meshgrid(cols, ys)
            if crs is None:
                fx, fy = gx, gy
            else:
                fx, fy = project_xy(target.to_wkt(), frame.crs.to_wkt(), gx.ravel(), gy.ravel())
                fx, fy = np.asarray(fx).reshape(gx.shape), np.asarray(fy).reshape(gy.shape)
            limit = permitted_height_at(frame, fx, fy, kind)
            if mode != "field":
                ground = np.full(limit.shape, np.nan, dtype=np.float32)
                reproject(source=rasterio.band(dem._ds, 1), destination=ground,
                          dst_transform=rasterio.windows.transform(Window(0, r0, n, rows), transform),
                          dst_crs=target.to_wkt(), dst_nodata=np.nan, resampling=Resampling.bilinear)
                above = above_local_ground(limit, ground.astype(float), field_elevation_m)
                limit = above if mode == "ground" else above + ground
            else:
                above = limit
            nodata = np.isnan(limit)
            stats["zero"] += int(np.count_nonzero(above == 0))  # NaN is never 0
            limited = limit.size - int(np.count_nonzero(nodata))
            stats["limited"] += limited
            if limited:  # fmin/fmax skip NaN
                stats["min"] = min(stats["min"], float(np.fmin.reduce(limit, axis=None)))
                stats["max"] = max(stats["max"], float(np.fmax.reduce(limit, axis=None)))
            out = limit.astype(np.float32)
            out[nodata] = NODATA
            dst.write(out, 1, window=Window(0, r0, n, rows))
            if progress:
                progress(r0 + rows, n)
