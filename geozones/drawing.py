"""A CAD drawing checked as what it is: several proposals, one per entity.

A planner's DXF holds a road, a tree ring and a building side by side; each is its own
proposal, with the kind its CAD layer names (:func:`geozones.io.dxf.layer_kind`; the
caller's kind where the layer names none). Every entity is assessed in one vectorised pass
(:func:`geozones.check.assess`, the one engine), and the worst entity is checked in full
(:func:`geozones.check.check`: findings, articles, assumptions). The drawing's verdict is the
worst entity's.

Heights: one ``height`` (``--height``) applies to every entity, since a drawing says no
height per layer; kinds without a height rule (a road) are not limited by it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from .check import CheckResult, ZoneSet, assess, check
from .core.kinds import KINDS, normalize_kind
from .core.rules import VERDICTS
from .errors import InputError
from .text import KIND_NAMES, name, t

__all__ = ["EntityResult", "DrawingCheckResult", "check_drawing", "drawing_notes"]


def _number(value: float) -> float | None:
    return None if not np.isfinite(value) else round(float(value), 3)


@dataclass
class EntityResult:
    """One entity of a drawing and its answer.

    Attributes
    ----------
    index : int
        Its place in the drawing's model space among the entities read, counted from 1.
    layer, entity, handle : str
        CAD layer, DXF type, DXF handle.
    block : str or None
        The block's name of an ``INSERT``.
    kind : str
        The kind it was checked as; ``kind_from`` says whence: ``"layer"`` or ``"option"``.
    verdict : {"pass", "review", "fail", "error"}
        ``error``: not assessed, ``problem`` says why.
    zone : str or None
        The innermost zone it reaches.
    distance_m, max_height_m, height_m, exceedance_m : float or None
        Distance from the fence, permitted height (None: unlimited), height used, and
        how far it exceeds the permitted height. [m]
    problem : str or None
        Why it was not assessed.
    """

    index: int
    layer: str
    entity: str
    handle: str
    block: str | None
    kind: str
    kind_from: str
    verdict: str
    zone: str | None
    distance_m: float | None
    max_height_m: float | None
    height_m: float | None
    exceedance_m: float | None
    problem: str | None = None


@dataclass
class DrawingCheckResult:
    """A drawing's answer: each entity's line and the worst entity in full; ``to_dict()``
    gives the ``--json`` output.

    Attributes
    ----------
    verdict : {"pass", "review", "fail"}
        The worst entity's verdict.
    entities : list of EntityResult
        One per entity, in drawing order.
    worst : int
        The worst entity's ``index``.
    result : CheckResult
        The worst entity checked in full (findings, articles, assumptions).
    assumptions : list of str
        What the drawing's reading rests on (its CRS, what was read and left out).
    """

    verdict: str
    entities: list[EntityResult]
    worst: int
    result: CheckResult
    assumptions: list[str] = field(default_factory=list)

    @property
    def worst_entity(self) -> EntityResult:
        return self.entities[self.worst - 1]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _worst(verdict: np.ndarray, exceed: np.ndarray, dist: np.ndarray) -> int:
    """The row with the worst verdict; among equals the largest exceedance, then the
    nearest to the fence, then the first drawn (rows not assessed are never the worst)."""
    rank = np.array([VERDICTS.index(v) + 1 if v in VERDICTS else 0 for v in verdict])
    ex = np.where(np.isfinite(exceed), exceed, -np.inf)
    d = np.where(np.isfinite(dist), dist, np.inf)
    order = np.lexsort((np.arange(len(rank)), d, -ex, -rank))
    return int(order[0])


def check_drawing(gdf: Any, *, crs: Any, zones: ZoneSet, kind: str = "building", height: float | None = None,
                  axis_order: str = "xy", use: str | None = None, floors: int | None = None,
                  width: float | None = None, dem: Any = None, field_elevation: str = "dem",
                  lang: str = "en", extra_assumptions: list[str] | None = None) -> DrawingCheckResult:
    """Check each entity of a drawing (:func:`geozones.io.read_dxf`'s table) on its own.

    Parameters
    ----------
    gdf : GeoDataFrame
        The drawing's entities: columns ``layer``, ``entity``, ``handle``, ``block``, ``kind``
        (the layer's kind or None).
    crs : str or pyproj.CRS
        The drawing's CRS (``--crs``).
    zones : ZoneSet
        The station and pilot areas.
    kind : str
        The kind of entities whose layer names none (default: building).
    height : float, optional
        Height of every entity's top above the field ground. [m]
    axis_order, use, floors, width, dem, field_elevation, lang
        As :func:`geozones.check.check` (``width`` [m]).
    extra_assumptions : list of str, optional
        Notes on the drawing's reading, put first.

    Returns
    -------
    DrawingCheckResult
        One :class:`EntityResult` per entity, the worst one's index and full check.

    Raises
    ------
    InputError
        A drawing without entities, or whose every entity cannot be assessed (the first
        entity's problem).
    """
    default = normalize_kind(kind)
    if default is None:
        raise InputError("kind_unknown", kind=str(kind), choices=", ".join(KINDS))
    n = len(gdf)
    if n == 0:
        raise InputError("file_no_features", path="DXF")
    layer_kinds = gdf["kind"].to_numpy(dtype=object)
    from_layer = np.array([k is not None for k in layer_kinds])
    kinds = np.where(from_layer, layer_kinds, default)
    geoms = np.asarray(gdf.geometry.values, dtype=object)
    a = assess(geoms, height=height, kind=kinds, crs=crs, zones=zones, axis_order=axis_order, use=use,
               floors=floors, width=width, dem=dem if height is not None else None, field_elevation=field_elevation)
    ok = np.array([p is None for p in a.problems])
    if not ok.any():
        raise a.problems[0]
    verdict = np.where(ok, a.verdict.astype(object), "error")
    dist, exceed = a.measurements.distance_m, a.exceedance_m
    worst = _worst(verdict, np.where(ok, exceed, np.nan), np.where(ok, dist, np.nan))
    entities = []
    for i in range(n):
        row = gdf.iloc[i]
        entities.append(EntityResult(
            index=i + 1, layer=str(row["layer"]), entity=str(row["entity"]), handle=str(row["handle"]),
            block=None if row["block"] is None else str(row["block"]), kind=str(kinds[i]),
            kind_from="layer" if from_layer[i] else "option", verdict=str(verdict[i]),
            zone=str(a.zone[i]) if ok[i] else None,
            distance_m=_number(dist[i]) if ok[i] else None,
            max_height_m=_number(a.max_height_m[i]) if ok[i] else None,
            height_m=_number(a.height_m[i]) if ok[i] else None,
            exceedance_m=_number(exceed[i]) if ok[i] else None,
            problem=None if ok[i] else a.problems[i].localized(lang)))
    result = check(geoms[worst], height=height, kind=str(kinds[worst]), crs=crs, zones=zones,
                   axis_order=axis_order, use=use, floors=floors, width=width, dem=dem,
                   field_elevation=field_elevation, lang=lang)
    return DrawingCheckResult(verdict=str(verdict[worst]), entities=entities, worst=worst + 1, result=result,
                              assumptions=list(extra_assumptions or []))


def drawing_notes(notes: list[tuple[str, dict[str, Any]]], kind: str, height: float | None,
                  lang: str = "en") -> list[str]:
    """The notes on a drawing's reading (``notes``: the reader's ``(key, params)`` pairs), and
    how the kinds and the one height apply to its entities."""
    given = t("drawing_no_height", lang) if height is None else f"{height:g} {t('unit_m', lang)}"
    return [*(t(k, lang, **p) for k, p in notes),
            t("assume_drawing_entities", lang, kind=name(KIND_NAMES, normalize_kind(kind) or kind, lang),
              height=given)]
