"""Coordinates in, metres out: CRS parsing, axis order, and refusal of impossible coordinates.

Every input CRS is honoured, its datum too: the station frame is on CGCS2000 (WGS84 to
centimetres), and a CRS on another datum (Beijing 1954, Xian 1980, a PROJ string's
``+towgs84``) is transformed into it through WGS84 with the shift PROJ has for it
(:func:`project_xy`); where PROJ has none there, only a ballpark, :func:`unknown_shift` names
the datum so that the answer can say so. Coordinates are read easting/longitude first (``axis_order="xy"``,
the GIS convention) unless the user says ``"yx"`` (northing/latitude first: the EPSG
authority order of EPSG:4326 and EPSG:4546/4525, and how Chinese surveyors write X, Y).

Coordinates that land far from every zone set are refused, and the refusal names the likely
mistake by trying the usual ones: swapped axes, the Gauss-Krüger zone prefix (e.g. EPSG:4525
vs EPSG:4546 at Jiangxian: the candidates come from the station), degrees labelled as metres
or metres as degrees.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

import numpy as np
import shapely
from pyproj import CRS, Transformer
from pyproj.enums import TransformDirection
from pyproj.exceptions import CRSError as _PyprojCRSError

from ..errors import CoordinateError, CRSError
from .datums import DatumCRS, datum_of, from_wgs84, parse_datum, to_wgs84

__all__ = ["AXIS_ORDERS", "parse_crs", "crs_label", "to_frame", "from_frame", "transform_geoms",
           "transform_xy", "reach_of_bounds", "project_xy", "diagnose", "wgs84_aligned", "unknown_shift"]

AXIS_ORDERS: tuple[str, ...] = ("xy", "yx")

def _interpretations(candidates: Sequence[str]) -> list[tuple[str | None, bool]]:
    """Interpretations tried, in order, when coordinates land far from every zone set:
    ``(CRS or None for "the given one", swap axes?)``: the given CRS with axes swapped, then
    each candidate CRS (the station file's, or the CGCS2000 Gauss-Krüger zones around the
    station; see :attr:`geozones.core.station.Station.diagnosis_crs`) both ways."""
    out: list[tuple[str | None, bool]] = [(None, True)]
    for c in candidates:
        out += [(c, False), (c, True)]
    return out


def parse_crs(value: object) -> CRS:
    """A :class:`pyproj.CRS` from user input (``EPSG:4546``, ``4546``, WKT, PROJ string).

    ``GCJ-02`` / ``BD-09`` (any spelling: GCJ02, gcj02, BD09 …) give a
    :class:`geozones.core.datums.DatumCRS`: WGS84 lon/lat carrying the Chinese web-map offset.
    """
    if isinstance(value, CRS):
        return value
    if isinstance(value, (str, int)) and value in _PARSED:  # the same text: the same CRS (immutable)
        return _PARSED[value]
    datum = parse_datum(value)
    if datum is not None:
        crs: CRS = DatumCRS(datum)
    else:
        text = str(value).strip()
        if text.isdigit():
            text = f"EPSG:{text}"
        try:
            crs = CRS.from_user_input(text)
        except _PyprojCRSError:
            raise CRSError("crs_unknown", crs=text) from None
    if isinstance(value, (str, int)) and len(_PARSED) < 64:
        _PARSED[value] = crs
    return crs


_PARSED: dict[object, CRS] = {}


def crs_label(crs: CRS) -> str:
    """``EPSG:4546`` where there is a code, ``GCJ-02``/``BD-09`` for a datum, else the CRS name."""
    datum = datum_of(crs)
    if datum is not None:
        return datum
    hit = _LABELS.get(id(crs))
    if hit is not None and hit[0] is crs:
        return hit[1]
    code = crs.to_epsg(min_confidence=90)
    label = f"EPSG:{code}" if code else crs.name
    remember(_LABELS, id(crs), (crs, label))  # holds the CRS: its id stays its own
    return label


_LABELS: dict[int, tuple[CRS, str]] = {}
_memo_lock = threading.Lock()


def remember(memo: dict, key, value, size: int = 64) -> None:
    """``memo[key] = value``, the oldest entry dropped beyond ``size``; safe from threads
    (chunks are screened side by side, and a service may call ``check`` from a pool)."""
    with _memo_lock:
        if key not in memo and len(memo) >= size:
            memo.pop(next(iter(memo)), None)
        memo[key] = value


#: Datums read as WGS84 without a shift: they agree with it to centimetres (CGCS2000 is
#: ITRF97 at epoch 2000.0; the station files give positions in either). PROJ has no
#: transformation between them but a ballpark, which moves nothing, and that is right here.
_ALIGNED_DATUMS = ("World Geodetic System 1984", "China 2000", "International Terrestrial Reference Frame")


def wgs84_aligned(crs: CRS) -> bool:
    """Whether ``crs`` is on WGS84, CGCS2000 or an ITRF (or names no datum and has their
    ellipsoid, as a bare ``+ellps=GRS80`` PROJ string): read with no datum shift.

    Any other datum (Beijing 1954, Xian 1980, a ``+towgs84`` of its own) is not: its
    coordinates go to the station frame through WGS84, with the shift PROJ knows
    (:func:`project_xy`).

    >>> wgs84_aligned(parse_crs("EPSG:4546")), wgs84_aligned(parse_crs("EPSG:2434"))
    (True, False)
    """
    hit = _ALIGNED.get(id(crs))
    if hit is not None and hit[0] is crs:
        return hit[1]
    if datum_of(crs) is not None:   # GCJ-02/BD-09: WGS84 once their offset is removed
        return True
    geod = None if crs.is_bound else crs.geodetic_crs
    datum = None if geod is None else geod.datum
    e = None if geod is None else geod.ellipsoid
    if crs.is_bound:
        aligned = False
    elif datum is None:   # no datum at all (an engineering CRS): nothing to shift
        aligned = True
    else:
        aligned = datum.name.startswith(_ALIGNED_DATUMS) or (
            datum.name.startswith("Unknown based on") and e is not None and e.semi_major_metre == 6378137.0
            and abs(e.inverse_flattening - 298.2572) < 1e-3)
    remember(_ALIGNED, id(crs), (crs, aligned))  # holds the CRS: its id stays its own
    return aligned


_ALIGNED: dict[int, tuple[CRS, bool]] = {}
_WGS84_WKT = CRS.from_epsg(4326).to_wkt()


class _ViaWGS84:
    """Two transformers one after the other, through WGS84 lon/lat: as a
    :class:`pyproj.Transformer` for :func:`project_xy` and the fitted polynomial
    (``transform`` with ``errcheck`` and ``direction``)."""

    def __init__(self, steps: list[Transformer]) -> None:
        self.steps = steps

    def transform(self, x, y, errcheck: bool = False, direction=TransformDirection.FORWARD):
        inverse = TransformDirection(direction) == TransformDirection.INVERSE
        for step in (reversed(self.steps) if inverse else self.steps):
            x, y = step.transform(x, y, errcheck=errcheck, direction=direction)
        return x, y


_local = threading.local()
def _transformer(src_wkt: str, dst_wkt: str) -> Transformer | _ViaWGS84:
    """A transformer for this thread (pyproj transformers must not be shared by threads).

    Between CRSs on WGS84/CGCS2000 (:func:`wgs84_aligned`), PROJ's own. From or to any other
    datum, through WGS84 lon/lat: PROJ knows the shifts of the older Chinese datums (and
    applies a ``+towgs84``) to WGS84 only, and would give a ballpark, without the shift,
    straight into a CGCS2000 frame."""
    cache = getattr(_local, "transformers", None)
    if cache is None:
        cache = _local.transformers = {}
    key = (src_wkt, dst_wkt)
    if key not in cache:
        src, dst = CRS.from_wkt(src_wkt), CRS.from_wkt(dst_wkt)
        if wgs84_aligned(src) and wgs84_aligned(dst):
            cache[key] = Transformer.from_crs(src, dst, always_xy=True)
        else:
            hub = CRS.from_wkt(_WGS84_WKT)
            cache[key] = _ViaWGS84([Transformer.from_crs(a, b, always_xy=True)
                                    for a, b in ((src, hub), (hub, dst)) if a != b])
    return cache[key]


def unknown_shift(crs: CRS, lonlat: Sequence[tuple[float, float]]) -> str | None:
    """The datum of ``crs`` when PROJ knows no transformation from it to WGS84 at one of the
    points ``lonlat`` (WGS84 longitude, latitude [deg]: the stations), only a ballpark that
    moves nothing: its coordinates are then taken as if on WGS84, tens to hundreds of metres
    off for Beijing 1954 or Xian 1980. None when the datum is WGS84/CGCS2000
    (:func:`wgs84_aligned`), a GCJ-02/BD-09 one, or shifted by PROJ there (an EPSG
    transformation whose area holds the point, a ``+towgs84``).

    Decided from what PROJ reports: the operation it uses for each point
    (``get_last_used_operation``) and whether that is a ballpark.

    >>> unknown_shift(parse_crs("EPSG:2434"), [(111.571, 35.504)])   # Beijing 1954 in Shanxi
    'Beijing 1954'
    >>> unknown_shift(parse_crs("EPSG:2433"), [(109.8, 37.0)]) is None   # the Ordos basin
    True
    """
    if datum_of(crs) is not None or wgs84_aligned(crs):
        return None
    key = (id(crs), tuple((float(lon), float(lat)) for lon, lat in lonlat))
    hit = _SHIFTLESS.get(key)
    if hit is not None and hit[0] is crs:
        return hit[1]
    answer = _unknown_shift(crs, key[1])
    remember(_SHIFTLESS, key, (crs, answer))  # holds the CRS: its id stays its own
    return answer


_SHIFTLESS: dict[tuple, tuple[CRS, str | None]] = {}


def _unknown_shift(crs: CRS, lonlat: Sequence[tuple[float, float]]) -> str | None:
    from pyproj.crs import CoordinateOperation

    fwd = Transformer.from_crs(crs, CRS.from_wkt(_WGS84_WKT), always_xy=True)
    for lon, lat in lonlat:
        with np.errstate(all="ignore"):
            x, y = fwd.transform(lon, lat, direction=TransformDirection.INVERSE, errcheck=False)
            fwd.transform(x, y, errcheck=False)
        try:
            used = fwd.get_last_used_operation()
            steps = list(used.operations or ()) or [CoordinateOperation.from_json(used.to_json())]
            ballpark = any(step.has_ballpark_transformation for step in steps)
        except Exception:  # no operation PROJ can describe: nothing it shifts by either
            ballpark = True
        if ballpark:
            geod = crs.geodetic_crs
            return geod.datum.name if geod is not None and geod.datum is not None else crs.name
    return None


def project_xy(src_wkt: str, dst_wkt: str, x: np.ndarray, y: np.ndarray):
    """Project coordinate arrays (CRSs as WKT). Into a station frame, a polynomial verified
    against PROJ to 1 mm does the work near the station (:mod:`geozones.core.fastframe`).
    One thread: a batch runs its parts side by side in processes (:mod:`geozones.batch`)."""
    from . import fastframe

    def proj(xp, yp):
        with np.errstate(all="ignore"):
            return _transformer(src_wkt, dst_wkt).transform(xp, yp, errcheck=False)

    with np.errstate(all="ignore"):
        return fastframe.project(src_wkt, dst_wkt, x, y, proj, lambda: _transformer(src_wkt, dst_wkt))


def prepare(src: CRS, dst: CRS) -> None:
    """Build what projecting from ``src`` to ``dst`` builds on first use (the transformer;
    into a station frame, the verified polynomial), e.g. before worker processes are forked,
    so that each starts with it."""
    _prepare(_wkt(src), _wkt(dst))


def _prepare(src_wkt: str, dst_wkt: str) -> None:
    from . import fastframe

    fastframe.polynomial_for(src_wkt, dst_wkt, lambda: _transformer(src_wkt, dst_wkt))


_WKT: dict[int, tuple[CRS, str]] = {}


def _wkt(crs: CRS) -> str:
    """``crs.to_wkt()``, remembered per CRS object (building it costs ~40 µs a call)."""
    hit = _WKT.get(id(crs))
    if hit is not None and hit[0] is crs:
        return hit[1]
    wkt = crs.to_wkt()
    remember(_WKT, id(crs), (crs, wkt))  # holds the CRS: its id stays its own
    return wkt


def transform_geoms(geoms: np.ndarray, src: CRS, dst: CRS, swap: bool = False) -> np.ndarray:
    """Geometries from ``src`` to ``dst`` (x/easting/longitude first; ``swap`` when the input
    is northing/latitude first). Non-finite results mark coordinates PROJ cannot transform.

    A GCJ-02/BD-09 ``src`` (:class:`~geozones.core.datums.DatumCRS`) is converted to WGS84 first;
    such a ``dst`` gets the offset added last."""
    return shapely.transform(geoms, lambda x, y: transform_xy(x, y, src, dst, swap), interleaved=False)


def transform_xy(x: np.ndarray, y: np.ndarray, src: CRS, dst: CRS, swap: bool = False
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Coordinate arrays from ``src`` to ``dst``, as :func:`transform_geoms` moves a
    geometry's vertices (``swap``: the input is northing/latitude first; GCJ-02/BD-09 via
    WGS84)."""
    src_datum, dst_datum = datum_of(src), datum_of(dst)
    if swap:
        x, y = y, x
    if src_datum is not None:
        x, y = to_wgs84(x, y, src_datum)
    x, y = project_xy(_wkt(src), _wkt(dst), x, y)
    if dst_datum is not None:
        x, y = from_wgs84(x, y, dst_datum)
    return x, y


def _reach_m(local: np.ndarray, anchors_m: np.ndarray) -> np.ndarray:
    """Distance from each geometry's bounding-box centre to the nearest anchor. [m]"""
    return reach_of_bounds(shapely.bounds(local), anchors_m)


def reach_of_bounds(b: np.ndarray, anchors_m) -> np.ndarray:
    """Distance from the centre of each bounding box (n, 4) to the nearest anchor; infinite
    where a bound is not finite. [m]"""
    anchors_m = np.asarray(anchors_m, dtype=float).reshape(-1, 2)
    cx = (b[:, 0] + b[:, 2]) / 2
    cy = (b[:, 1] + b[:, 3]) / 2
    d = np.hypot(cx[:, None] - anchors_m[None, :, 0], cy[:, None] - anchors_m[None, :, 1])
    d = d.min(axis=1)
    # A non-finite coordinate (pyproj's answer to an impossible input) is infinitely far.
    finite = np.isfinite(b).all(axis=1)
    return np.where(finite, d, np.inf)


def to_frame(
    geoms: np.ndarray,
    crs: CRS,
    frame_crs: CRS,
    anchors_m: Sequence[tuple[float, float]] = ((0.0, 0.0),),
    plausible_radius_m: float = 50000.0,
    axis_order: str = "xy",
    candidates: Sequence[str] = (),
) -> tuple[np.ndarray, np.ndarray]:
    """Transform geometries from ``crs`` into the metric frame and flag impossible ones.

    Parameters
    ----------
    geoms : ndarray of shapely geometries, in ``crs``.
    crs : pyproj.CRS
        The CRS the coordinates are in.
    frame_crs : pyproj.CRS
        The station frame (see :class:`geozones.core.zones.StationFrame`).
    anchors_m : sequence of (x, y)
        Centres of the loaded zone sets in the frame. [m]
    plausible_radius_m : float
        A geometry whose centre is farther than this from every anchor is refused. [m]
    axis_order : {"xy", "yx"}
        "yx" when the first coordinate is northing/latitude.
    candidates : CRSs tried to name the mistake behind a refused geometry.

    Returns
    -------
    local : ndarray of geometries in the frame (None where refused)
    problems : ndarray of object, None or a :class:`CoordinateError` per geometry
    """
    if axis_order not in AXIS_ORDERS:
        raise CoordinateError("axis_order", value=axis_order)
    geoms = np.asarray(geoms, dtype=object)
    anchors = np.asarray(anchors_m, dtype=float).reshape(-1, 2)
    local = transform_geoms(geoms, crs, frame_crs, axis_order == "yx")
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    far = present & (_reach_m(local, anchors) > plausible_radius_m)
    problems = np.full(len(geoms), None, dtype=object)
    for i in np.flatnonzero(far):
        problems[i] = diagnose(geoms[i], crs, frame_crs, anchors, plausible_radius_m, axis_order,
                               candidates)
        local[i] = None
    return local, problems


def from_frame(geoms: np.ndarray, frame_crs: CRS, crs: CRS) -> np.ndarray:
    """Transform geometries from the metric frame back into ``crs`` (x/lon first)."""
    return transform_geoms(np.asarray(geoms, dtype=object), frame_crs, crs, False)


def diagnose(geom, crs: CRS, frame_crs: CRS, anchors: np.ndarray,
             plausible_radius_m: float, axis_order: str = "xy",
             candidates: Sequence[str] = ()) -> CoordinateError:
    """Name the likely mistake behind coordinates that land far from every zone set."""
    given = crs_label(crs)
    swapped_now = axis_order == "yx"
    arr = np.array([geom], dtype=object)
    for cand, swap in _interpretations(candidates):
        cand_crs = crs if cand is None else parse_crs(cand)
        if cand is not None and cand_crs == crs:
            continue
        total_swap = swap != swapped_now
        local = transform_geoms(arr, cand_crs, frame_crs, total_swap)
        if _reach_m(local, anchors)[0] <= plausible_radius_m:
            if cand is None:
                key = "coords_swapped_geo" if crs.is_geographic else "coords_swapped_projected"
                return CoordinateError(key, crs=given, order="xy" if swapped_now else "yx")
            order = "yx" if total_swap else "xy"
            return CoordinateError("coords_other_crs", crs=given, fit=cand, order=order)
    x, y = shapely.get_coordinates(geom)[0]
    if crs.is_geographic and (abs(x) > 180 or abs(y) > 90):
        return CoordinateError("coords_not_degrees", crs=given, x=f"{x:.6g}", y=f"{y:.6g}")
    if crs.is_projected and abs(x) <= 180 and abs(y) <= 90:
        return CoordinateError("coords_are_degrees", crs=given, x=f"{x:.6g}", y=f"{y:.6g}")
    local = transform_geoms(arr, crs, frame_crs, swapped_now)
    km = _reach_m(local, anchors)[0] / 1000.0
    return CoordinateError(
        "coords_far", crs=given, km="?" if not np.isfinite(km) else f"{km:,.0f}",
        limit_km=f"{plausible_radius_m / 1000:,.0f}",
    )
