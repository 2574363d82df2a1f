"""The one path from normalised proposals to verdicts: measure once, evaluate every rule.

:class:`Zones` is a station with its pilot areas, prepared once. :func:`assess_proposals`
measures :class:`~geozones.core.proposals.Proposals` in the station frame (distances, sun
sectors, zones, pilot area) and evaluates the station's and the pilot areas' rule rows with
the one evaluator (:func:`geozones.core.rules.evaluate`). The result, an :class:`Assessment`,
holds codes and numbers only; words are made from it at the edge (:mod:`geozones.text.explain`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import shapely
from pyproj import CRS

from .arrays import NONE, is_none
from .coords import transform_geoms
from .kinds import HEIGHT_KINDS, is_member
from .numbers import STOREY_HEIGHT_M, checked
from .pilot import PilotArea, storeys_from_height
from .prepared import per_thread
from .proposals import Proposals
from .rings import Rings
from .rules import VERDICTS, Rule, RuleOutcomes, evaluate
from .station import Station
from .zones import ZONES, Measurements, StationFrame

__all__ = ["Zones", "Assessment", "assess_proposals", "assess_local", "measure"]


class Zones:
    """A station and the pilot areas checks run against, prepared once.

    ``storey_height_m`` overrides the storey height of the files (used to estimate storeys
    from height and height from storeys). [m]
    """

    def __init__(self, station: Station | None = None, pilots: Sequence[PilotArea] = (),
                 frame: StationFrame | None = None, storey_height_m: float | None = None) -> None:
        if frame is None:
            if station is None:
                raise ValueError("Zones needs a station or a frame")
            frame = StationFrame(station)
        self.frame = frame
        self.pilots: tuple[PilotArea, ...] = tuple(pilots)
        self._storey_height_m = checked(storey_height_m, "storey_height_m", STOREY_HEIGHT_M)

    @property
    def station(self) -> Station:
        return self.frame.station

    # A station given alone is a network of one (:func:`geozones.core.network.assess_stations`):
    # it reaches every row, at any distance, and its answers name no station.

    #: The run's answers name the station that gives them (many stations given as such).
    named = False

    @property
    def stations(self) -> tuple[Station, ...]:
        return (self.station,)

    def zones(self, k: int) -> Zones:
        """Station ``k`` (only 0) with the pilot areas: these zones."""
        return self

    def locate(self, geoms: np.ndarray, crs: CRS, axis_order: str, height_m: np.ndarray | None = None
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Candidate (row, station) pairs and each row's home station: every row, here."""
        n = len(geoms)
        return np.arange(n, dtype=np.int64), np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.int64)

    def reaches(self, k: int, distance_m: np.ndarray, height_m: np.ndarray) -> np.ndarray:
        """Whether the station reaches rows at ``distance_m`` from its fence: always. [m]"""
        return np.ones(len(distance_m), dtype=bool)

    @property
    def storey_height_m(self) -> float | None:
        """Storey height [m]: the option, else the station file's, else the (first) pilot
        file's (``geozones.station/1`` files have none); None when no file gives one."""
        if self._storey_height_m is not None:
            return self._storey_height_m
        if self.station.storey_height_m is not None:
            return self.station.storey_height_m
        return self.pilots[0].storey_height_m if self.pilots else None

    @cached_property
    def rules(self) -> tuple[Rule, ...]:
        """Every rule row: the station's, then each pilot area's."""
        return self.station.rules + tuple(r for p in self.pilots for r in p.rules)

    @per_thread
    def pilot_boundaries(self) -> tuple:
        """Each pilot boundary in the station frame (metres), prepared for predicates (per
        thread: :mod:`geozones.core.prepared`)."""
        return tuple(transform_geoms(np.array([p.boundary], dtype=object), CRS.from_epsg(4326),
                                     self.frame.crs, False)[0] for p in self.pilots)

    @cached_property
    def anchors_m(self) -> list[tuple[float, float]]:
        """Where proposals may plausibly be: the station and each pilot area's centre. [m]"""
        return [(0.0, 0.0)] + [(b.centroid.x, b.centroid.y) for b in self.pilot_boundaries]


def measure(zones: Zones, geoms: np.ndarray, rings: Rings | None = None) -> Measurements:
    """The measurements of footprints in the station frame, and the pilot area each touches
    (``area``: index into ``zones.pilots``, the first that touches; -1 for none).

    ``rings``: rows kept as convex rings (:mod:`geozones.core.rings`; their ``geoms`` are
    None), measured without geometries where that is exact (clear of every pilot area's
    box too); the others are made polygons and measured with the rest."""
    geoms = np.asarray(geoms, dtype=object)
    done = None
    if rings is not None and len(rings):
        distance, sun_d, decided = zones.frame.measure_rings(rings)
        b = rings.bounds
        for poly in zones.pilot_boundaries:
            px0, py0, px1, py1 = poly.bounds
            decided &= (b[:, 0] > px1) | (b[:, 2] < px0) | (b[:, 1] > py1) | (b[:, 3] < py0)
        if not decided.all():
            geoms = geoms.copy()
            geoms[rings.rows[~decided]] = rings.subset(~decided).polygons()
        done = (rings.rows[decided], distance[decided], sun_d[decided])
    m = zones.frame.measure(geoms) if done is None else zones.frame.measure(geoms, done)
    area = np.full(len(geoms), -1, dtype=np.int16)
    for k, poly in enumerate(zones.pilot_boundaries):
        hit = (area < 0) & shapely.intersects(poly, geoms)
        area[hit] = k
    m.area = area
    return m


@dataclass
class Assessment:
    """Results for n proposals, as arrays (shape (n,)) plus the per-rule matrices.

    ``outcomes`` holds every rule row, the station's first, then the pilot areas'
    (``where = "area"``). ``verdict_code`` uses the rule outcome codes (PASS, REVIEW, FAIL)
    and 0 for rows that could not be assessed (see ``problems``).

    Attributes
    ----------
    zones : Zones
        The station and pilot areas assessed against.
    proposals : Proposals
        The proposals, normalised (kinds, heights [m], storeys, uses, problems).
    measurements : Measurements
        Where each lies: zone, distance D from the fence [m], D to the part in a sun sector
        [m], in the general or protected zone, maybe upwind, the pilot area it touches.
    outcomes : RuleOutcomes
        Every rule row's outcome, distance used [m] and permitted height [m] per proposal.
    """

    zones: Zones
    proposals: Proposals
    measurements: Measurements
    outcomes: RuleOutcomes

    def __len__(self) -> int:
        return len(self.proposals)

    @property
    def station(self) -> Station:
        return self.zones.station

    @property
    def kinds(self) -> np.ndarray:
        return self.proposals.kinds

    @property
    def height_m(self) -> np.ndarray:
        """Height H the rules used (top above the field ground). [m]"""
        return self.proposals.effective_height_m

    @property
    def repaired(self) -> np.ndarray:
        """Rows whose geometry was invalid (or unreadable) and was repaired."""
        return self.proposals.repaired

    @property
    def problems(self) -> np.ndarray:
        return self.proposals.problems

    @property
    def source_geoms(self) -> np.ndarray | None:
        """The geometries as given (in their CRS); an unreadable one repaired."""
        return self.proposals.source_geoms

    @property
    def uses(self) -> np.ndarray:
        return self.proposals.uses

    @property
    def use_assumed(self) -> np.ndarray:
        return self.proposals.use_assumed

    @property
    def storeys_given(self) -> np.ndarray:
        return self.proposals.storeys_given

    @property
    def pilot_index(self) -> np.ndarray:
        """Index into ``zones.pilots`` of the pilot area each row touches; -1 for none."""
        area = self.measurements.area
        assert area is not None  # measure() always sets it
        return area

    @property
    def storeys(self) -> np.ndarray:
        """Storeys used by the pilot rules (NaN outside every pilot area or unknown)."""
        return np.where(self.in_pilot, self.proposals.storeys, np.nan)

    @property
    def ok(self) -> np.ndarray:
        """Rows that were assessed."""
        return (self.measurements.zone >= 0) & is_none(self.problems)

    @cached_property
    def _station_rows(self) -> np.ndarray:
        return self.outcomes.select(lambda r: r.where != "area")

    @cached_property
    def _pilot_rows(self) -> np.ndarray:
        return self.outcomes.select(lambda r: r.where == "area")

    @property
    def station_verdict_code(self) -> np.ndarray:
        return np.where(self.ok, self.outcomes.verdict_code(self._station_rows), 0).astype(np.int8)

    @property
    def pilot_verdict_code(self) -> np.ndarray:
        return np.where(self.ok, self.outcomes.verdict_code(self._pilot_rows), 0).astype(np.int8)

    @property
    def verdict_code(self) -> np.ndarray:
        """Worst outcome over every rule (station and pilot area); 0 where not assessed."""
        return np.where(self.ok, self.outcomes.verdict_code(), 0).astype(np.int8)

    @property
    def in_pilot(self) -> np.ndarray:
        """True where the proposal touches a pilot area."""
        return self.pilot_index >= 0

    @property
    def verdict(self) -> np.ndarray:
        """"pass", "review", "fail", or None for rows not assessed."""
        names = np.array([None, *VERDICTS], dtype=object)
        return names[self.verdict_code]

    @property
    def zone(self) -> np.ndarray:
        names = np.array([*ZONES, None], dtype=object)
        return names[np.where(self.ok, self.measurements.zone, -1)]  # -1: the trailing None

    @cached_property
    def max_height_m(self) -> np.ndarray:
        """Permitted height; NaN where no height rule applies or the kind has no height. [m]"""
        mh = self.outcomes.max_height_m()
        return np.where(is_member(self.kinds, HEIGHT_KINDS), mh, np.nan)

    @property
    def exceedance_m(self) -> np.ndarray:
        """Height above the permitted height, 0 when within it; NaN when either is unknown. [m]"""
        with np.errstate(invalid="ignore"):
            return np.maximum(self.height_m - self.max_height_m, 0.0)

    @cached_property
    def flag_groups(self) -> tuple[np.ndarray, list[tuple[Rule, ...]]]:
        """Rows grouped by the rules (station and pilot) that flag them; see
        :meth:`geozones.core.rules.RuleOutcomes.flag_groups`. Rows not assessed: no rules."""
        return self.outcomes.flag_groups(self.ok)

    def flagged_rules(self, i: int) -> list[str]:
        """Ids of the rules (station and pilot) row ``i`` breaks or that flag it for review."""
        group, sets = self.flag_groups
        return [r.id for r in sets[group[i]]]

    def applied(self, i: int) -> list[int]:
        """Indices into ``outcomes.rules`` of the rules that apply to row ``i``."""
        return [j for j in range(len(self.outcomes.rules)) if self.outcomes.outcome[j, i]]

    def in_protection_area(self) -> np.ndarray:
        """Rows inside the protection area (core or general zone, Art. 11), or possibly in it
        (the upwind general zone when the prevailing wind is unknown)."""
        m = self.measurements
        out = np.asarray(m.in_protected, dtype=bool) & self.ok
        if m.maybe_upwind is not None:
            out = out | (np.asarray(m.maybe_upwind, dtype=bool) & self.ok)
        return out

    def consent_case(self) -> np.ndarray:
        """Per row, which approval notice applies (Art. 14, 15.1): ``"inside"`` the protection
        area (written consent needed, Art. 14), ``"maybe"`` in it (the prevailing wind is
        unknown and the row may be in the upwind general zone, Art. 11: ask the authority),
        or ``""`` (neither; rows not assessed too)."""
        m = self.measurements
        inside = np.asarray(m.in_protected, dtype=bool) & self.ok
        out = np.where(inside, "inside", "").astype(object)
        out[self.in_protection_area() & ~inside] = "maybe"
        return out

    @property
    def width_m(self) -> np.ndarray | None:
        return self.proposals.width_m

    @property
    def is_line(self) -> np.ndarray | None:
        return self.proposals.is_line

    def pilot(self, i: int) -> PilotArea | None:
        """The pilot area row ``i`` touches."""
        k = int(self.pilot_index[i])
        return self.zones.pilots[k] if k >= 0 else None


def assess_proposals(zones: Zones, proposals: Proposals) -> Assessment:
    """Measure proposals and evaluate every rule row (the pure core of every command)."""
    m = measure(zones, proposals.geoms, proposals.rings)
    outcomes = evaluate(zones.rules, proposals.kinds, proposals.effective_height_m,
                        m.distance_m, m.sun_distance_m, m.in_general, m.in_protected,
                        uses=proposals.uses, storeys=proposals.storeys, area=m.area,
                        area_ids=tuple(p.id for p in zones.pilots), maybe_upwind=m.maybe_upwind,
                        tolerance_m=zones.station.tolerance_m)
    return Assessment(zones, proposals, m, outcomes)


def assess_local(zones: Zones | StationFrame, geoms: np.ndarray, kinds: np.ndarray,
                 height_m: np.ndarray, problems: np.ndarray | None = None, *,
                 uses: np.ndarray | None = None, use_assumed: np.ndarray | None = None,
                 storeys: np.ndarray | None = None) -> Assessment:
    """Measure and evaluate geometries already in the station frame, with kinds already
    normalised (for benchmarks and tests of the core; the commands go through
    :class:`~geozones.core.proposals.Proposals`)."""
    if isinstance(zones, StationFrame):
        zones = Zones(frame=zones)
    geoms = np.asarray(geoms, dtype=object)
    n = len(geoms)
    height = np.asarray(height_m, dtype=float)
    kinds = np.broadcast_to(np.asarray(kinds, dtype=object), (n,))
    if uses is None:
        uses = np.where(kinds == "building", "residential", NONE).astype(object)
        use_assumed = kinds == "building"
    sh = zones.storey_height_m
    given = np.full(n, np.nan) if storeys is None else np.asarray(storeys, dtype=float)
    est = given if sh is None else np.where(np.isnan(given), storeys_from_height(height, sh), given)
    if problems is None:
        problems = np.full(n, None, dtype=object)
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    p = Proposals(
        geoms=geoms, kinds=kinds, uses=np.asarray(uses, dtype=object),
        use_assumed=np.zeros(n, dtype=bool) if use_assumed is None else use_assumed,
        height_m=height, effective_height_m=height, storeys=est, storeys_given=given,
        repaired=np.zeros(n, dtype=bool), repair_reason=np.full(n, None, dtype=object),
        ground_m=np.full(n, np.nan), dem_cells=np.zeros(n, dtype=np.int64),
        dem_nodata_cells=np.zeros(n, dtype=np.int64),
        problems=np.where(missing & is_none(problems), NONE, problems),
    )
    return assess_proposals(zones, p)

