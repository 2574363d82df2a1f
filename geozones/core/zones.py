"""Zone geometry of a station, in metres in a station-centred azimuthal equidistant frame.

In the frame ``x`` is east and ``y`` is north, in metres, with the origin at the field centre.
Distances and azimuths from the origin are exact on the ellipsoid; distances between points
a few km from it are off by less than 1 part in 10^6, well under a centimetre in the zones.

Zone bands follow Art. 11-13 of the Jiangxian plan. Each band is the field square grown
outward (round corners), and a band includes its outer edge: D = 50 m is in the protection
range, matching Art. 12.3 ① which requires roads to be *more than* 50 m away.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import shapely
from pyproj import CRS
from shapely import affinity
from shapely.geometry import Polygon, box

from .heightfield import HeightTable, azimuth_deg, field_distance, height_table
from .prepared import per_thread
from .rings import Rings
from .station import ZONE_IDS, Station
from .sun import sun_sectors

__all__ = ["ZONES", "StationFrame", "Measurements", "wedge"]

#: Zone ids, innermost first; ``zone`` codes index this tuple.
ZONES: tuple[str, ...] = ZONE_IDS
BODY, PROTECTION, CONTROL, GENERAL, OUTSIDE = range(5)

#: Vertices per quarter circle for drawn (exported) zone polygons. Measurements never use
#: these polygons: they use exact distances to the field square.
QUAD_SEGS = 64


def wedge(start_deg: float, end_deg: float, radius_m: float, step_deg: float = 0.25) -> Polygon:
    """A circular sector with its apex at the origin, from azimuth ``start`` to ``end``.

    Azimuths are degrees clockwise from north ([deg]); the radius is in metres. The straight
    edges are exact rays; the arc is a polygon whose chords stay within
    ``radius_m * (1 - cos(step/2))`` of the circle.
    """
    n = max(2, int(np.ceil((end_deg - start_deg) / step_deg)) + 1)
    az = np.radians(np.linspace(start_deg, end_deg, n))
    # Put the arc vertices slightly outside so that chords do not cut inside the radius.
    r = radius_m / np.cos(np.radians(step_deg) / 2)
    ring = np.column_stack([r * np.sin(az), r * np.cos(az)])
    return Polygon(np.vstack([[0.0, 0.0], ring]))


@dataclass
class Measurements:
    """What the geometry says about n proposals (arrays of shape (n,)).

    distance_m : fence to nearest point, 0 when touching or inside the field. [m]
    sun_distance_m : fence to nearest point of the part inside a sun sector; NaN if none. [m]
    zone : index into :data:`ZONES` of the innermost zone touched; -1 for empty geometry.
    in_general : in the general zone (beyond the core); in_protected : core or general zone.
    area : index of the pilot area touched, -1 for none (set by
    :func:`geozones.core.engine.measure`; None when pilot areas were not measured).
    maybe_upwind : the prevailing wind is unknown and the proposal lies beyond the round
        general zone but within the upwind reach (Art. 11: 1000-5000 m upwind), so it may be
        in the general zone. None when not computed.

    Zone edges are decided with the station's tolerance (``tolerance_m``): D ≤ edge + tol is
    inside the edge.
    """

    distance_m: np.ndarray
    sun_distance_m: np.ndarray
    zone: np.ndarray
    in_general: np.ndarray
    in_protected: np.ndarray
    maybe_upwind: np.ndarray | None = None
    area: np.ndarray | None = None

    @property
    def in_sun_sector(self) -> np.ndarray:
        return ~np.isnan(self.sun_distance_m)


class StationFrame:
    """A station's zones in its own metric frame, and the measurements of proposals in it.

    The frame is an azimuthal equidistant projection centred on the observation field
    (metres east and north of its centre [m]), so distances from the fence and azimuths
    from north [deg] are exact; the zones of Art. 11-13 and the sun sectors of Art. 12.3 ⑦
    are geometries in it.

    Parameters
    ----------
    station : Station
        The station: field, zone distances [m], sun sectors [deg], rule rows.
    """

    def __init__(self, station: Station) -> None:
        self.station = station
        self._height_tables: dict[tuple[str, bool], HeightTable] = {}

    def permitted_height(self, x: np.ndarray, y: np.ndarray, kind: str = "building") -> np.ndarray:
        """Permitted height above the field ground of a point-sized ``kind`` at frame points
        ``x``, ``y`` [m]; NaN where unlimited. The rule rows compiled once per kind into a
        table of D per sector class (:func:`geozones.core.heightfield.height_table`, asked of
        the one evaluator), so equal to evaluating every rule at every point."""
        table = self.height_table(kind)
        x = np.asarray(x, dtype=float)
        y = np.asarray(y, dtype=float)
        distance, in_sun, in_upwind = self._point_facts(x, y, sun=table.uses_sun, upwind=table.uses_upwind)
        return table.lookup(distance, in_sun, in_upwind)

    def height_table(self, kind: str = "building", *, surely: bool = False) -> HeightTable:
        """The permitted height of a point-sized ``kind`` as a table of D per sector class
        (built once per kind; ``surely``: without the maybe-upwind ring, see
        :func:`~geozones.core.heightfield.height_table`)."""
        key = (kind, surely)
        table = self._height_tables.get(key)
        if table is None:
            table = self._height_tables[key] = height_table(self.station, kind, self.measure_distances, surely=surely)
        return table

    @cached_property
    def crs(self) -> CRS:
        """Azimuthal equidistant projection centred on the field centre (metres), on the
        CGCS2000 datum (EPSG:4490: the GRS80 ellipsoid, and WGS84 to centimetres).

        The frame names its datum so that every input CRS is transformed into it with its
        datum shift (:func:`geozones.core.coords.project_xy`; another datum goes through
        WGS84, where PROJ has its shifts)."""
        from pyproj.crs import ProjectedCRS
        from pyproj.crs.coordinate_operation import AzimuthalEquidistantConversion

        s = self.station
        frame = ProjectedCRS(AzimuthalEquidistantConversion(s.latitude_deg, s.longitude_deg),
                             name=f"{s.id} station frame", geodetic_crs=CRS.from_epsg(4490))
        return CRS.from_wkt(frame.to_wkt())

    @per_thread
    def field(self) -> Polygon:
        """The observation-field square, rotated clockwise by ``field_rotation_deg`` (prepared,
        once per thread: :mod:`geozones.core.prepared`)."""
        h = self.station.field_size_m / 2.0
        square = box(-h, -h, h, h)
        return affinity.rotate(square, -self.station.field_rotation_deg, origin=(0.0, 0.0))

    @cached_property
    def sun_azimuths(self) -> dict[str, tuple[float, float]]:
        """``{"sunrise": (start, end), "sunset": (start, end)}``. [deg from north]"""
        s = self.station
        return sun_sectors(s.latitude_deg, s.solstice_declination_deg, s.horizon_altitude_deg)

    def sun_sector(self, name: str, radius_m: float | None = None) -> Polygon:
        """The sunrise or sunset sector as a wedge from the field centre."""
        start, end = self.sun_azimuths[name]
        return wedge(start, end, radius_m or self.station.sun_sector_radius_m)

    @per_thread
    def _sun_wedges(self) -> tuple[tuple[Polygon, Polygon], ...]:
        """Per sector: the wedge (prepared per thread, for predicates) and a triangle for clipping.

        The triangle has the same two edge rays and reaches past the wedge's arc, so clipping
        a footprint by it gives the part inside the sector exactly, with 3 vertices instead
        of hundreds (the cost of an overlay grows with both inputs' vertex counts).
        """
        out = []
        for name in ("sunrise", "sunset"):
            start, end = self.sun_azimuths[name]
            w = self.sun_sector(name)
            half = np.radians((end - start) / 2.0)
            reach = 2.0 * self.station.sun_sector_radius_m / np.cos(half)
            a0, a1 = np.radians(start), np.radians(end)
            tri = Polygon([(0.0, 0.0), (reach * np.sin(a0), reach * np.cos(a0)),
                           (reach * np.sin(a1), reach * np.cos(a1))])
            out.append((w, tri))
        return tuple(out)

    def band(self, distance_m: float) -> Polygon:
        """The field square grown by ``distance_m`` (round corners), for drawing."""
        if distance_m <= 0:
            return self.field
        return self.field.buffer(distance_m, quad_segs=QUAD_SEGS)

    @cached_property
    def upwind_sector(self) -> Polygon | None:
        """The 90° sector centred on the prevailing wind's origin (None when unknown)."""
        s = self.station
        if s.prevailing_wind_from_deg is None:
            return None
        half = s.upwind_sector_deg / 2.0
        w = s.prevailing_wind_from_deg
        return wedge(w - half, w + half, s.general_upwind_m + s.field_size_m)

    @per_thread
    def protected_area(self) -> Polygon:
        """Core and general zone together (Art. 11): the outer edge of the general zone
        (prepared per thread)."""
        s = self.station
        area = self.band(s.general_m)
        if self.upwind_sector is not None and s.general_upwind_m > s.general_m:
            area = area.union(self.band(s.general_upwind_m).intersection(self.upwind_sector))
        return area

    def zone_polygons(self, sector_radius_m: float = 5000.0) -> list[tuple[str, Polygon]]:
        """Each zone as a non-overlapping polygon, plus the two sun sectors, for export."""
        s = self.station
        core = self.band(s.control_m)
        return [
            ("body", self.field),
            ("protection", self.band(s.protection_m).difference(self.field)),
            ("control", core.difference(self.band(s.protection_m))),
            ("general", self.protected_area.difference(core)),
            ("sunrise", self.sun_sector("sunrise", sector_radius_m)),
            ("sunset", self.sun_sector("sunset", sector_radius_m)),
        ]

    def measure_points(self, x: np.ndarray, y: np.ndarray) -> Measurements:
        """:meth:`measure` for points given as coordinate arrays in the frame [m].

        Analytic (no geometry objects), for millions of raster cells: D is the distance to
        the rotated square, the sectors and the upwind sector are azimuth tests. Agrees with
        :meth:`measure` on points (a test checks it).
        """
        x = np.asarray(x, dtype=float)
        y = np.asarray(y, dtype=float)
        distance, in_sun, in_upwind = self._point_facts(x, y)
        return self.measure_distances(distance, in_sun, in_upwind)

    def _point_facts(self, x: np.ndarray, y: np.ndarray, *, sun: bool = True, upwind: bool = True
                     ) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
        """D [m] of frame points, whether each is in a sun sector (within its radius) and in
        the upwind sector (wind known); a flag not asked for (``sun``/``upwind`` False) is
        None. Only the cells whose azimuth is in a sector have their radius checked."""
        s = self.station
        distance = field_distance(s, x, y)
        want_upwind = upwind and s.prevailing_wind_from_deg is not None and s.general_upwind_m > s.general_m
        if not (sun or want_upwind):
            return distance, None, None
        az = azimuth_deg(x, y)
        in_sun = None
        if sun:
            in_sun = np.zeros(distance.shape, dtype=bool)
            for start, end in self.sun_azimuths.values():
                in_sun |= (az >= start) & (az <= end)
            idx = np.flatnonzero(in_sun)
            in_sun.ravel()[idx] = np.hypot(x.ravel()[idx], y.ravel()[idx]) <= s.sun_sector_radius_m
        in_upwind = None
        if want_upwind:
            half = s.upwind_sector_deg / 2.0
            off = (az - s.prevailing_wind_from_deg + 180.0) % 360.0 - 180.0
            in_upwind = np.abs(off) <= half
        return distance, in_sun, in_upwind

    def measure_distances(self, distance: np.ndarray, in_sun: np.ndarray | bool | None,
                          in_upwind: np.ndarray | bool | None) -> Measurements:
        """:class:`Measurements` of points at distances ``distance`` [m] from the fence, in a
        sun sector or not (``in_sun``) and in the upwind sector or not (``in_upwind``, only
        read when the wind is known): the zone classification of points."""
        s = self.station
        distance = np.asarray(distance, dtype=float)
        sun_d = np.where(np.asarray(in_sun if in_sun is not None else False, dtype=bool), distance, np.nan)
        tol = s.tolerance_m
        in_protected = distance <= s.general_m + tol
        if s.prevailing_wind_from_deg is not None and s.general_upwind_m > s.general_m and in_upwind is not None:
            in_protected = in_protected | (np.asarray(in_upwind, dtype=bool) & (distance <= s.general_upwind_m + tol))
        return self._classified(distance, sun_d, in_protected)

    def _classified(self, distance: np.ndarray, sun_d: np.ndarray, in_protected: np.ndarray
                    ) -> Measurements:
        """The one zone classification of points and footprints: the innermost zone whose
        band holds the distance D (a band includes its outer edge), the general zone where
        the footprint is in the protected area beyond the core; -1 where D is unknown. Edges
        are decided with the station's tolerance: D ≤ edge + tol is inside."""
        s = self.station
        tol = s.tolerance_m
        valid = ~np.isnan(distance)
        in_protected = valid & in_protected
        in_general = in_protected & (distance > s.control_m + tol)
        zone = np.full(distance.shape, OUTSIDE, dtype=np.int8)
        zone[in_general] = GENERAL
        with np.errstate(invalid="ignore"):
            zone[distance <= s.control_m + tol] = CONTROL
            zone[distance <= s.protection_m + tol] = PROTECTION
            zone[distance <= 0.0] = BODY
        zone[~valid] = -1
        return Measurements(distance, sun_d, zone, in_general, in_protected,
                            maybe_upwind=valid & self._maybe_upwind(distance, in_protected))

    def _maybe_upwind(self, distance: np.ndarray, in_protected: np.ndarray) -> np.ndarray:
        """Beyond the round general zone, within the upwind reach, wind unknown (Art. 11)."""
        s = self.station
        if s.prevailing_wind_from_deg is not None or not s.general_upwind_m > s.general_m:
            return np.zeros(distance.shape, dtype=bool)
        with np.errstate(invalid="ignore"):
            return ~in_protected & (distance <= s.general_upwind_m + s.tolerance_m)

    def measure(self, geoms: np.ndarray, rings: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
                ) -> Measurements:
        """Measure proposals given in this frame (metres, x east, y north).

        Vectorised over an array of shapely geometries; empty or missing geometries get
        NaN distances and zone -1. ``rings`` is ``(rows, distance, sun distance)`` of rows
        measured by :meth:`measure_rings` (their ``geoms`` are None; rows it decided).
        """
        s = self.station
        geoms = np.asarray(geoms, dtype=object)
        n = len(geoms)
        distance = shapely.distance(self.field, geoms)
        sun_d = np.full(n, np.nan)
        if rings is not None:
            rows, distance[rows], sun_d[rows] = rings
        for w, tri in self._sun_wedges:
            hit = np.flatnonzero(shapely.intersects(w, geoms))
            if not hit.size:
                continue
            # Wholly inside the sector: the nearest point is inside too, so D_sun = D.
            inside = shapely.contains(w, geoms[hit])
            d = np.where(inside, distance[hit], np.nan)
            straddle = np.flatnonzero(~inside)
            if straddle.size:
                parts = shapely.intersection(geoms[hit[straddle]], tri)
                d[straddle] = shapely.distance(self.field, parts)
            sun_d[hit] = np.fmin(sun_d[hit], d)
        valid = ~np.isnan(distance)
        tol = s.tolerance_m
        in_protected = valid & (distance <= s.general_m + tol)
        # Only the upwind extension needs a polygon test, and only beyond the round 2000 m.
        maybe = valid & ~in_protected & (distance <= s.general_extent_m + tol)
        if maybe.any():
            grown = self.protected_area.buffer(tol) if tol > 0 else self.protected_area
            in_protected[maybe] = shapely.intersects(grown, geoms[maybe])
        return self._classified(distance, sun_d, in_protected)

    def measure_rings(self, rings: Rings) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(distance, sun distance, decided)`` of strictly convex rings in this frame [m]
        (:mod:`geozones.core.rings`), the values :meth:`measure` gives their polygons, where
        ``decided``; the other rings need the polygon (near the field, across a sector's edge
        or arc, or where the upwind general zone needs a polygon test).

        * distance: a ring whose box is clear of the field's box is disjoint from the field,
          and the distance of two disjoint convex polygons is the least distance from a vertex
          of one to an edge of the other, computed as GEOS does (``Distance::pointToSegment``);
        * sectors: seen from the field centre (outside the ring), a convex ring spans the
          azimuths of its vertices; all of them clearly inside a sector (and within its radius)
          put the ring inside, all clearly on one side put it outside.
        """
        s = self.station
        n = len(rings)
        b = rings.bounds
        fx, fy = (np.asarray(c, dtype=float) for c in self.field.exterior.xy)
        fb = (fx.min(), fy.min(), fx.max(), fy.max())
        apart = (b[:, 0] > fb[2]) | (b[:, 2] < fb[0]) | (b[:, 1] > fb[3]) | (b[:, 3] < fb[1])
        x, y = rings.x, rings.y
        # vertices to the field's edges
        best = np.full(len(x), np.inf)
        for k in range(len(fx) - 1):
            best = np.minimum(best, _point_to_segment(x, y, fx[k], fy[k], fx[k + 1], fy[k + 1]))
        distance = rings.reduce(best, np.minimum) if n else np.zeros(0)
        # the field's corners to the rings' edges
        first, bx, by = rings.edges()
        for k in range(len(fx) - 1):
            d = _point_to_segment(fx[k], fy[k], first.x, first.y, bx, by)
            distance = np.minimum(distance, first.reduce(d, np.minimum))
        decided = apart.copy()
        # sectors: vertex azimuths relative to each sector's middle
        azimuth = np.arctan2(x, y)
        r_max = rings.reduce(np.sqrt(x * x + y * y), np.maximum) if n else np.zeros(0)
        sun_d = np.full(n, np.nan)
        eps = _AZIMUTH_EPS
        for start, end in self.sun_azimuths.values():
            mid, half = np.radians((start + end) / 2.0), np.radians((end - start) / 2.0)
            off = (azimuth - mid + np.pi) % (2 * np.pi) - np.pi
            lo, hi = rings.reduce(off, np.minimum), rings.reduce(off, np.maximum)
            narrow = hi - lo < np.pi / 2      # no wrap across the opposite direction
            inside = narrow & (lo > -half + eps) & (hi < half - eps) & (r_max < s.sun_sector_radius_m)
            outside = narrow & ((hi < -half - eps) | (lo > half + eps))
            decided &= inside | outside
            sun_d = np.where(inside, distance, sun_d)
        # beyond the round general zone, within the upwind reach: a polygon test decides
        tol = s.tolerance_m
        decided &= ~((distance > s.general_m + tol) & (distance <= s.general_extent_m + tol))
        return distance, sun_d, decided


#: Azimuths within this of a sector's edge ray are left to GEOS. [rad] (1e-9 rad: 0.01 mm at
#: 10 km, far above arctan2's rounding)
_AZIMUTH_EPS = 1e-9


def _point_to_segment(px, py, ax, ay, bx, by) -> np.ndarray:
    """Distance from points p to segments ab, as GEOS's ``Distance::pointToSegment`` computes
    it (same operations, same order, so the same doubles). [m]"""
    with np.errstate(invalid="ignore", divide="ignore"):
        dx, dy = bx - ax, by - ay
        len2 = dx * dx + dy * dy
        r = ((px - ax) * dx + (py - ay) * dy) / len2
        to_a = np.sqrt((px - ax) * (px - ax) + (py - ay) * (py - ay))
        to_b = np.sqrt((px - bx) * (px - bx) + (py - by) * (py - by))
        s = ((ay - py) * dx - (ax - px) * dy) / len2
        mid = np.abs(s) * np.sqrt(len2)
        return np.where((len2 == 0) | (r <= 0.0), to_a, np.where(r >= 1.0, to_b, mid))
