"""Terrain: ground elevations from a DEM (any CRS), under footprints and at points.

Heights in the rules are above the observation-field ground (RULES.md, "Heights, datum and
angles"). On sloping ground a building's top stands H = building height + ground under it −
field elevation above the field; the conservative ground is the highest DEM cell the footprint
touches. Elevations are in the DEM's own vertical datum; the field elevation is taken from the
same DEM at the field centre (default) so that the datum cancels, or from the station file.

Footprints are transformed into the DEM's CRS, so DEM cells are used as they are (no
resampling).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from .core.coords import parse_crs, transform_geoms
from .errors import InputError, first_line
from .io.formats import existing_input

__all__ = ["DEM", "FIELD_ELEVATION_SOURCES", "field_elevation", "field_elevation_source", "dem_and_field",
           "effective_heights"]

#: Where the field elevation comes from (``--field-elevation``).
FIELD_ELEVATION_SOURCES: tuple[str, ...] = ("dem", "station")


@dataclass
class GroundResult:
    """Per footprint: highest ground [m], cells used, cells without data, and an error or None."""

    ground_m: np.ndarray
    cells: np.ndarray
    nodata_cells: np.ndarray
    errors: np.ndarray


class DEM:
    """A digital elevation model read with rasterio (band 1, any CRS)."""

    def __init__(self, path: str | Path) -> None:
        import rasterio

        self.path = str(path)
        existing_input(path, missing="dem_missing", empty="dem_empty")
        try:
            self._ds = rasterio.open(path)
        except Exception as exc:
            raise InputError("dem_not_raster", path=self.path, why=first_line(exc)) from None
        if self._ds.crs is None:
            raise InputError("dem_no_crs", path=self.path)
        self.crs = parse_crs(self._ds.crs.to_wkt())
        self.nodata = self._ds.nodata
        self.transform = self._ds.transform
        self.shape = (self._ds.height, self._ds.width)
        self._array: np.ndarray | None = None
        self._read_lock = threading.Lock()  # chunks screened side by side share the raster

    def __getstate__(self) -> dict:
        # pickled by path (a dask worker opens the raster itself; it must see the same file)
        state = self.__dict__.copy()
        state["_ds"] = None
        state["_array"] = None
        del state["_read_lock"]
        return state

    def __setstate__(self, state: dict) -> None:
        import rasterio

        self.__dict__.update(state)
        self._read_lock = threading.Lock()
        try:
            self._ds = rasterio.open(self.path)
        except Exception as exc:
            raise InputError("dem_not_raster", path=self.path, why=first_line(exc)) from None

    @property
    def datum(self) -> str:
        """What the elevations are measured from, as far as the file says."""
        vert = [c for c in self.crs.sub_crs_list if c.is_vertical] if self.crs.is_compound else []
        return vert[0].name if vert else "the DEM's vertical datum (not stated in the file)"

    @property
    def array(self) -> np.ndarray:
        """Band 1 as float64 with nodata as NaN (read once, by one thread: a GDAL dataset
        must not be read by two threads at once)."""
        if self._array is None:
            with self._read_lock:
                if self._array is None:
                    a = self._ds.read(1).astype(float)
                    if self.nodata is not None:
                        a[a == self.nodata] = np.nan
                    self._array = a
        return self._array

    def sample_points(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Elevation at points in the DEM's CRS (the cell containing each); NaN outside/nodata."""
        inv = ~self.transform
        cols, rows = inv @ (np.asarray(x, dtype=float), np.asarray(y, dtype=float))
        rows = np.floor(rows).astype(np.int64)
        cols = np.floor(cols).astype(np.int64)
        inside = (rows >= 0) & (rows < self.shape[0]) & (cols >= 0) & (cols < self.shape[1])
        out = np.full(rows.shape, np.nan)
        out[inside] = self.array[rows[inside], cols[inside]]
        return out

    def elevation_at(self, lon: float, lat: float) -> float:
        """Elevation at a WGS84 point. [m]"""
        p = transform_geoms(np.array([shapely.Point(lon, lat)], dtype=object), parse_crs("EPSG:4326"),
                       self.crs, False)[0]
        return float(self.sample_points(np.array([p.x]), np.array([p.y]))[0])

    def ground_under(self, geoms: np.ndarray, crs: Any) -> GroundResult:
        """Highest ground under each footprint (cells it touches), footprints in ``crs``."""
        from rasterio.features import geometry_mask
        from rasterio.windows import Window
        from rasterio.windows import transform as window_transform

        geoms = np.asarray(geoms, dtype=object)
        n = len(geoms)
        ground = np.full(n, np.nan)
        cells = np.zeros(n, dtype=np.int64)
        nodata = np.zeros(n, dtype=np.int64)
        errors = np.full(n, None, dtype=object)
        in_dem = transform_geoms(geoms, parse_crs(crs), self.crs, False)
        arr = self.array
        inv = ~self.transform
        for i, g in enumerate(in_dem):
            if g is None or g.is_empty:
                continue
            # pixel window of the footprint's bounds, one cell of margin, clipped to the DEM
            x0, y0, x1, y1 = g.bounds
            cs, rs = zip(*(inv @ (x, y) for x, y in ((x0, y0), (x0, y1), (x1, y0), (x1, y1))))
            c0, c1 = max(int(np.floor(min(cs))) - 1, 0), min(int(np.ceil(max(cs))) + 1, self.shape[1])
            r0, r1 = max(int(np.floor(min(rs))) - 1, 0), min(int(np.ceil(max(rs))) + 1, self.shape[0])
            if c0 >= c1 or r0 >= r1:
                errors[i] = "outside"
                continue
            h, w = r1 - r0, c1 - c0
            wt = window_transform(Window(c0, r0, w, h), self.transform)  # not the shared dataset
            mask = ~geometry_mask([g], out_shape=(h, w), transform=wt, all_touched=True)
            if not mask.any():
                errors[i] = "outside"
                continue
            vals = arr[r0:r0 + h, c0:c0 + w][mask]
            cells[i] = vals.size
            nodata[i] = int(np.isnan(vals).sum())
            if nodata[i] == vals.size:
                errors[i] = "nodata"
            else:
                ground[i] = np.nanmax(vals)
        return GroundResult(ground, cells, nodata, errors)


def field_elevation(station, dem: DEM, source: str = "dem") -> tuple[float, str]:
    """The field's elevation [m] and where it came from: the DEM at the field centre
    (default: same datum as the ground values) or the station file."""
    if source == "station":
        return station.elevation_m, field_elevation_source(source)
    z = dem.elevation_at(station.longitude_deg, station.latitude_deg)
    if np.isnan(z):
        raise InputError("dem_no_field", path=dem.path)
    return z, field_elevation_source(source)


def dem_and_field(dem: Any, station, source: str = "dem") -> tuple[DEM | None, float | None]:
    """The DEM (opened when given as a path; None stays None) and the field elevation in its
    datum (see :func:`field_elevation`). [m]"""
    if dem is None:
        return None, None
    dem = dem if isinstance(dem, DEM) else DEM(dem)
    return dem, field_elevation(station, dem, source)[0]


def field_elevation_source(source: str) -> str:
    """Where the field elevation came from, as the output states it."""
    return "station file" if source == "station" else "DEM at the field centre"


def effective_heights(dem: DEM, geoms: np.ndarray, crs, height_m: np.ndarray,
                      field_elevation_m: float) -> tuple[np.ndarray, GroundResult]:
    """H = building height + highest ground under the footprint − field elevation. [m]"""
    g = dem.ground_under(geoms, crs)
    return np.asarray(height_m, dtype=float) + g.ground_m - field_elevation_m, g
