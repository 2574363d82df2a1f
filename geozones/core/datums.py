"""Chinese web-map datums as input: GCJ-02 (Gaode/AMap, Tencent, Google China) and BD-09 (Baidu).

Coordinates copied from Gaode, Tencent or Baidu maps are not WGS84: GCJ-02 ("火星坐标",
国测局坐标) is WGS84 longitude/latitude moved by a deliberate, position-dependent offset of
several hundred metres (≈ 560 m at the Jiangxian station); BD-09 adds Baidu's own offset on
top of GCJ-02. Neither has an EPSG code, so PROJ cannot convert them.

The forward formulas (WGS84 → GCJ-02 → BD-09) come from the maintained ``coordTransform``
package (vectorised C). The inverse has no closed form: coordTransform's own ``gcj02_to_wgs84``
is one step of a fixed-point iteration (errors of metres). :func:`to_wgs84` iterates
``w ← w − (F(w) − g)`` until the forward image of ``w`` is within
:data:`INVERSE_TOLERANCE_M` of the given coordinates, so the round trip error is bounded by
that tolerance (measured over mainland China in ``tests/test_datums.py``).

A datum is part of the parsed CRS: :class:`DatumCRS` is WGS84 lon/lat (EPSG:4326, longitude
first) that remembers its datum; :func:`geozones.core.coords.transform_geoms` removes the offset
before projecting, and the input readers convert to WGS84 at the edge, so the rest of the
code sees WGS84 only.
"""

from __future__ import annotations

import numpy as np
from pyproj import CRS

__all__ = ["DATUMS", "DatumCRS", "datum_of", "parse_datum", "to_wgs84", "from_wgs84",
           "geoms_to_wgs84", "INVERSE_TOLERANCE_M", "CHINA_BOUNDS"]

#: The datums accepted after ``--crs`` / ``crs=``, by canonical name.
DATUMS: tuple[str, ...] = ("GCJ-02", "BD-09")
_ALIASES = {"GCJ02": "GCJ-02", "GCJ-02": "GCJ-02", "GCJ_02": "GCJ-02",
            "BD09": "BD-09", "BD-09": "BD-09", "BD_09": "BD-09"}

#: The inverse stops when the forward image is this close to the given point. [m]
INVERSE_TOLERANCE_M = 0.01
_MAX_ITER = 30
#: Where coordTransform applies the offset (its ``out_of_china`` box): lon, lat. [deg]
CHINA_BOUNDS = (73.66, 3.86, 135.05, 53.55)
_M_PER_DEG = 111_320.0


def parse_datum(text: object) -> str | None:
    """``"GCJ-02"`` or ``"BD-09"`` for any accepted spelling (GCJ02, gcj02, BD09 …), else None."""
    if not isinstance(text, str):
        return None
    return _ALIASES.get(text.strip().upper())


class DatumCRS(CRS):
    """WGS84 longitude/latitude (EPSG:4326, longitude first) carrying a web-map datum offset.

    Behaves as EPSG:4326 for PROJ; :func:`geozones.core.coords.transform_geoms` applies
    :func:`to_wgs84` first. Equal only to a DatumCRS of the same datum.
    """

    def __init__(self, datum: str) -> None:
        canonical = parse_datum(datum)
        if canonical is None:
            raise ValueError(f"unknown datum {datum!r}: use one of {', '.join(DATUMS)}")
        super().__init__("EPSG:4326")
        self.web_datum = canonical

    def __eq__(self, other: object) -> bool:
        return isinstance(other, DatumCRS) and other.web_datum == self.web_datum

    def __hash__(self) -> int:
        return hash(("DatumCRS", self.web_datum))

    def __repr__(self) -> str:
        return f"<DatumCRS {self.web_datum}: WGS84 lon/lat with the {self.web_datum} offset>"

    def __reduce__(self):
        return (DatumCRS, (self.web_datum,))


def datum_of(crs: object) -> str | None:
    """The datum a parsed CRS carries, or None for an ordinary CRS."""
    return crs.web_datum if isinstance(crs, DatumCRS) else None


def _forward(datum: str, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    import coordTransform

    fn = coordTransform.wgs84_to_gcj02 if datum == "GCJ-02" else coordTransform.wgs84_to_bd09
    x, y = fn(np.ascontiguousarray(lon, dtype=float), np.ascontiguousarray(lat, dtype=float))
    return np.asarray(x, dtype=float), np.asarray(y, dtype=float)


def from_wgs84(lon, lat, datum: str) -> tuple[np.ndarray, np.ndarray]:
    """WGS84 lon/lat [deg] → ``datum`` lon/lat [deg] (coordTransform's forward formulas)."""
    datum = parse_datum(datum) or datum
    lon = np.asarray(lon, dtype=float).ravel()
    lat = np.asarray(lat, dtype=float).ravel()
    out_x, out_y = lon.copy(), lat.copy()
    ok = np.isfinite(lon) & np.isfinite(lat)
    if ok.any():
        out_x[ok], out_y[ok] = _forward(datum, lon[ok], lat[ok])
    return out_x, out_y


def to_wgs84(lon, lat, datum: str, tol_m: float = INVERSE_TOLERANCE_M
             ) -> tuple[np.ndarray, np.ndarray]:
    """``datum`` lon/lat [deg] → WGS84 lon/lat [deg], iterated to within ``tol_m``. [m]

    Fixed-point iteration on the forward formula: the offset changes by a few metres per
    kilometre, so each step shrinks the error about a thousandfold; 2–4 steps suffice.
    Outside :data:`CHINA_BOUNDS` the datums equal WGS84 and coordinates are returned as given.
    """
    datum = parse_datum(datum) or datum
    g_lon = np.asarray(lon, dtype=float).ravel()
    g_lat = np.asarray(lat, dtype=float).ravel()
    w_lon, w_lat = g_lon.copy(), g_lat.copy()
    todo = np.flatnonzero(np.isfinite(g_lon) & np.isfinite(g_lat))
    tol_deg = tol_m / _M_PER_DEG
    for _ in range(_MAX_ITER):
        if not todo.size:
            break
        f_lon, f_lat = _forward(datum, w_lon[todo], w_lat[todo])
        d_lon, d_lat = f_lon - g_lon[todo], f_lat - g_lat[todo]
        w_lon[todo] -= d_lon
        w_lat[todo] -= d_lat
        err = np.hypot(d_lon * np.cos(np.radians(g_lat[todo])), d_lat)
        todo = todo[err > tol_deg]
    return w_lon, w_lat


def geoms_to_wgs84(geoms: np.ndarray, crs: CRS, swap: bool = False) -> tuple[np.ndarray, CRS]:
    """Geometries in ``crs`` as WGS84 lon/lat when ``crs`` is a :class:`DatumCRS`.

    Returns ``(geometries, crs)``: unchanged for an ordinary CRS; else converted, longitude
    first (``swap``: the input is latitude first) and ``EPSG:4326``.
    """
    datum = datum_of(crs)
    if datum is None:
        return geoms, crs
    import shapely

    def fn(x, y):
        if swap:
            x, y = y, x
        return to_wgs84(x, y, datum)

    from .coords import parse_crs  # its cache: EPSG:4326 built once, not per call

    return shapely.transform(np.asarray(geoms, dtype=object), fn, interleaved=False), parse_crs("EPSG:4326")
