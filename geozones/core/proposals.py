"""Proposals as the core needs them, normalised once at the edge of the library.

:class:`Proposals` takes what a user or a file gives (geometries in some CRS and axis order,
kinds and uses by any of their names, heights, storeys, a DEM) and yields geometries repaired
and in the station frame, the height the rules use, kind and use names, storeys, and per row
the problem that keeps it from being assessed. Everything after it (measuring, the rule
engine, the pilot share) works in the station frame and never sees axis order or input CRS.

Problems are :class:`~geozones.errors.GeozonesError` objects (a message key and numbers);
the words are made at the edge.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import shapely

from ..errors import GeometryError, InputError
from . import rings as ring_path
from .arrays import is_none
from .coords import AXIS_ORDERS, parse_crs, reach_of_bounds, to_frame, transform_xy
from .curves import linearize
from .geometry import clean, parse_many
from .kinds import HEIGHT_KINDS, KINDS, USES, is_member, normalize_kind, normalize_many, normalize_use
from .pilot import storeys_from_height
from .rings import Rings
from .text import Key, row_number

__all__ = ["Proposals", "Terrain", "repair_unreadable"]


class Terrain(Protocol):
    """What :class:`Proposals` needs of a DEM (see :class:`geozones.terrain.DEM`)."""

    path: str

    def ground_under(self, geoms: np.ndarray, crs: Any) -> Any:
        """Per footprint (in ``crs``): ``ground_m``, ``cells``, ``nodata_cells`` and
        ``errors`` ("outside", "nodata" or None) arrays."""


@dataclass
class Proposals:
    """n proposals, normalised (arrays of shape (n,)).

    Attributes
    ----------
    geoms : ndarray of geometry
        Geometries in the station frame [m]; None where ``problems`` says why not.
    kinds : ndarray of str
        Kind names (:data:`~geozones.core.kinds.KINDS`).
    uses : ndarray of str or None
        Use names or None.
    use_assumed : ndarray of bool
        Residential assumed for a building without a use.
    height_m : ndarray of float
        Height of the proposal itself (given, from storeys, or the default); NaN when
        unknown. [m]
    effective_height_m : ndarray of float
        H the rules use, the top above the field ground: ``height_m`` on flat ground,
        ``height_m + ground − field elevation`` on a DEM. [m]
    storeys, storeys_given : ndarray of float
        Storeys given, else estimated from ``height_m``; ``storeys_given`` is NaN where
        estimated.
    repaired, repair_reason : ndarray
        The geometry was invalid (or unreadable) and was repaired; what shapely found.
    ground_m, dem_cells, dem_nodata_cells : ndarray
        Ground under the footprint on the DEM [m] and the cells used (NaN and 0 without a DEM).
    problems : ndarray of object
        None, or the error that keeps the row from being assessed.
    source_geoms : ndarray of geometry, optional
        The geometries as given (in their CRS and axis order), where they had to be read from
        ``raw``, the repaired one.
    width_m, is_line : ndarray, optional
        The width given for a line [m] (NaN: none), and whether the row is a line. A line
        with a width is measured from its edges: ``geoms`` holds it grown by half the width
        either side, flat ends (road and railway subgrade, water's edge, Art. 12.3 ① - ③).
    below_field : ndarray of bool, optional
        On a DEM, the top is below the field's ground (H < 0): it obstructs nothing, and
        ``effective_height_m`` is taken as 0.
    rings : Rings, optional
        Rows kept as strictly convex rings in the frame instead of geometries (built with
        ``rings=True``; :mod:`geozones.core.rings`): their ``geoms`` are None, and
        :meth:`with_geoms` makes them polygons.
    unreadable : ndarray of bool, optional
        The input's WKB or WKT could not be read as given (``source_geoms`` holds the repair,
        if any: not the input's bytes).
    """

    geoms: np.ndarray
    kinds: np.ndarray
    uses: np.ndarray
    use_assumed: np.ndarray
    height_m: np.ndarray
    effective_height_m: np.ndarray
    storeys: np.ndarray
    storeys_given: np.ndarray
    repaired: np.ndarray
    repair_reason: np.ndarray
    ground_m: np.ndarray
    dem_cells: np.ndarray
    dem_nodata_cells: np.ndarray
    problems: np.ndarray
    source_geoms: np.ndarray | None = None
    width_m: np.ndarray | None = None
    is_line: np.ndarray | None = None
    below_field: np.ndarray | None = None
    rings: Rings | None = None
    unreadable: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.geoms)

    @property
    def ok(self) -> np.ndarray:
        """Rows without a problem."""
        return is_none(self.problems)

    def with_geoms(self) -> Proposals:
        """The same proposals with every footprint a geometry (``rings`` made polygons)."""
        if self.rings is None:
            return self
        import dataclasses

        geoms = self.geoms.copy()
        geoms[self.rings.rows] = self.rings.polygons()
        return dataclasses.replace(self, geoms=geoms, rings=None)

    def as_read(self) -> tuple[np.ndarray, np.ndarray] | None:
        """``(rows, bounds as read (k, 4))`` of the rows whose geometry is the input's WKB,
        unchanged, and was never made a geometry object (``source_geoms`` None there; a
        writer writes the input's bytes); None when there are none."""
        if self.rings is None or self.source_geoms is None:
            return None
        never = is_none(self.source_geoms[self.rings.rows])
        if not never.any():
            return None
        bounds = self.rings.source_bounds
        assert bounds is not None  # the rings were put in the frame by with_xy, which keeps them
        return self.rings.rows[never], bounds[never]

    def frame_bounds(self) -> np.ndarray:
        """``(n, 4)`` bounds of each footprint in the station frame (NaN without one). [m]"""
        b = shapely.bounds(self.geoms)
        if self.rings is not None and len(self.rings):
            b[self.rings.rows] = self.rings.bounds
        return b

    def footprint_area_m2(self) -> np.ndarray:
        """Area of each footprint in the station frame (NaN without one). [m²]"""
        area = shapely.area(self.geoms)
        if self.rings is not None:
            area[self.rings.rows] = self.rings.area_m2()
        return area

    def take(self, index: np.ndarray) -> Proposals:
        """The proposals at ``index`` (positions), every per-row array taken alike."""
        import dataclasses

        if self.rings is not None:
            return self.with_geoms().take(index)
        n = len(self)
        return dataclasses.replace(self, **{
            f.name: getattr(self, f.name)[index] for f in dataclasses.fields(self)
            if isinstance(getattr(self, f.name), np.ndarray) and len(getattr(self, f.name)) == n})

    @property
    def height_missing(self) -> np.ndarray:
        """Rows of a kind that carries a height but without one."""
        return self.ok & is_member(self.kinds, HEIGHT_KINDS) & np.isnan(self.height_m)

    @classmethod
    def build(
        cls,
        zones: Any,
        geoms: Sequence[Any] | np.ndarray,
        *,
        crs: Any = "EPSG:4326",
        axis_order: str = "xy",
        kind: Any = "building",
        height_m: Any = None,
        floors: Any = None,
        use: Any = None,
        raw: np.ndarray | None = None,
        dem: Terrain | None = None,
        field_elevation_m: float | None = None,
        default_height_m: float | None = None,
        storey_height_m: float | None = None,
        width_m: Any = None,
        strict: bool = False,
        api: bool = False,
        rings: bool = False,
    ) -> Proposals:
        """Normalise raw proposals for ``zones`` (a :class:`geozones.core.engine.Zones`).

        Parameters
        ----------
        geoms : shapely geometries or WKT strings, in ``crs`` with ``axis_order``.
        kind, use : one name for all or one per row (any alias, Chinese accepted).
        height_m, floors : one value or one per row (numbers, numeric text, None/NaN).
        raw : per row, the undecoded geometry (WKB bytes or WKT) where ``geoms`` is None
            because it could not be read; an unclosed ring is repaired.
        dem : ground elevations; heights become tops above the field ground
            (``field_elevation_m`` in the DEM's datum).
        default_height_m : height for rows without one (and no bad value).
        storey_height_m : for heights from storeys and storeys from heights (default: the
            zone set's). [m]
        width_m : one value or one per row: the width of line proposals [m].
        strict : raise the first bad kind, use, height, storey count or width (``check``)
            instead of giving the row a problem (batch screening, ``assess``).
        rings : keep the rows whose ``raw`` WKB is one strictly convex ring as coordinates
            (:mod:`geozones.core.rings`, unless ``rings.ENABLED`` is False; not with a DEM): no
            geometry is built for them, and their ``geoms`` are None (see ``rings``). A
            speed path of the core: :func:`geozones.core.network.assess_stations` asks for
            it where the rows are measured as they are (one station); nothing outside the
            core knows of it (a writer learns only :meth:`as_read`).
        api : word the row problems as the Python API's arguments (``height 12x: must be a
            number``) rather than as a table's cells (``height '12x' is not a number``).
        """
        if axis_order not in AXIS_ORDERS:
            from ..errors import CoordinateError

            raise CoordinateError("axis_order", value=axis_order)
        frame = zones.frame
        arr = np.asarray(geoms, dtype=object).reshape(-1)
        n = len(arr)
        problems = np.full(n, None, dtype=object)
        repaired = np.zeros(n, dtype=bool)
        reason = np.full(n, None, dtype=object)
        if any(issubclass(k, str) for k in set(map(type, arr))):
            texts = np.array([isinstance(g, str) for g in arr], dtype=bool)
        else:  # geometries (or None) only: nothing to parse
            texts = np.zeros(n, dtype=bool)
        if texts.any():
            limited = np.full(int(texts.sum()), None, dtype=object)   # curves past the vertex limit
            parsed = parse_many(arr[texts], wkb=False, problems=limited)[0]   # curved WKT is linearised
            text_rows = np.flatnonzero(texts)
            for j in np.flatnonzero(is_none(parsed)):
                i = text_rows[j]
                err = (limited[j] if limited[j] is not None
                       else GeometryError("geometry_parse", what=Key("sum_row", row=row_number(i)), text=str(arr[i])[:60])
                       if api or strict else GeometryError("row_geom_unreadable"))
                if strict:
                    raise err
                problems[i] = err
            arr = arr.copy()
            arr[texts] = parsed
        raw_arr = None if raw is None else np.asarray(raw, dtype=object)
        is_bytes = None if raw_arr is None else ring_path.bytes_rows(raw_arr)
        # Convex rings read from the WKB are valid and finite: no geometry, no GEOS check.
        kept = (ring_path.from_wkb(raw_arr, is_bytes) if rings and raw_arr is not None and dem is None
                and ring_path.enabled() else None)
        if kept is not None:
            kept = kept.subset(ring_path.convex(kept) & is_none(problems[kept.rows]))
        general = _off_path(n, kept)   # the rows that are (or become) geometries
        if raw_arr is not None and is_bytes is not None:   # (both set or both None)
            arr = arr.copy()
            # WKB not read yet (a reader may leave it to here) is read now, but for the rings
            unread = is_none(arr) & is_bytes & general
            if unread.any():
                arr[unread] = parse_many(raw_arr[unread], wkb=True, curves=False)[0]
            unreadable = is_none(arr) & ~is_none(raw_arr) & general
            repair_unreadable(arr, raw_arr, repaired, problems, unreadable)
        else:
            unreadable = np.zeros(n, dtype=bool)
        source = arr.copy()
        missing = (shapely.is_missing(arr) | shapely.is_empty(arr)) & general
        problems[missing & is_none(problems)] = GeometryError("row_geom_empty")
        # A NaN vertex is that row's problem; an invalid geometry is repaired (make_valid);
        # one GEOS cannot repair is that row's problem, never the batch's.
        if kept is None:
            arr, problems, fixed = clean(arr, problems)
        else:   # the rings are valid and finite already
            arr, fixed = arr.copy(), np.zeros(n, dtype=bool)
            arr[general], problems[general], fixed[general] = clean(arr[general], problems[general])
        reason[fixed] = shapely.is_valid_reason(source[fixed])   # only the repaired rows
        repaired |= fixed

        sh = zones.storey_height_m if storey_height_m is None else storey_height_m
        height, h_err = _numbers(height_m, n, "height", strict, api)
        storeys, f_err = _numbers(floors, n, "floors", strict, api)
        widths, w_err = _numbers(width_m, n, "width", strict, api)
        whole = ~np.isnan(storeys) & ((storeys < 1) | (storeys != np.floor(storeys)))
        for i in np.flatnonzero(whole):
            if strict:
                raise InputError("floors_invalid", value=storeys[i])
            f_err[i] = InputError("floors_invalid" if api else "row_floors", value=f"{storeys[i]:g}")
        storeys[whole] = np.nan
        from_floors = np.isnan(height) & ~np.isnan(storeys)
        if sh is not None:
            height[from_floors] = storeys[from_floors] * sh
        if default_height_m is not None:
            fill = np.isnan(height) & is_none(h_err) & is_none(f_err)
            height[fill] = default_height_m
        kinds, k_err = _names(kind, n, normalize_kind, "kind", KINDS, "kind_unknown", strict, api)
        uses, u_err = _names(use, n, normalize_use, "use", USES, "use_unknown", strict, api)
        for errs in (h_err, f_err, k_err, u_err, w_err):
            take = is_none(problems) & ~is_none(errs)
            problems[take] = errs[take]
        kinds[is_none(kinds)] = "building"
        given_use = ~is_none(uses)
        use_assumed = ~given_use & (kinds == "building")
        uses[use_assumed] = "residential"

        ok = is_none(problems)
        local = np.full(n, None, dtype=object)
        st = frame.station
        if kept is not None:
            # into the frame as coordinates; a ring far off (the diagnosis needs it) or no
            # longer strictly convex there takes the general path below
            kept = _release(kept, ok[kept.rows], arr, source, raw_arr)
            lx, ly = transform_xy(kept.x, kept.y, parse_crs(crs), frame.crs, axis_order == "yx")
            kept = kept.with_xy(lx, ly)
            near = reach_of_bounds(kept.bounds, zones.anchors_m) <= st.plausible_radius_m
            kept = _release(kept, near & ring_path.convex(kept), arr, source, raw_arr)
            general = _off_path(n, kept)
        if (ok & general).any():
            go = ok & general
            loc, coord_problems = _to_frame_rows(arr[go], parse_crs(crs), frame.crs, zones.anchors_m,
                                                 st.plausible_radius_m, axis_order, st.diagnosis_crs)
            local[go] = loc
            problems[np.flatnonzero(go)] = coord_problems
            # Valid in its own CRS, self-intersecting once projected (thin slivers): repair
            # it in the frame, where it is measured.
            bad_here = is_none(problems) & ~is_none(local)
            bad_here[bad_here] = ~shapely.is_valid(local[bad_here])
            rows = np.flatnonzero(bad_here)
            if rows.size:   # clean only those rows: validity is not tested twice
                reason[rows] = shapely.is_valid_reason(local[rows])
                local[rows], problems[rows], fixed = clean(local[rows], problems[rows])
                repaired[rows] |= fixed
            ok = is_none(problems)
        tid = shapely.get_type_id(local)
        is_line = (tid == 1) | (tid == 2) | (tid == 5)  # LineString, LinearRing, MultiLine
        grow = ok & is_line & ~np.isnan(widths) & (widths > 0)
        if grow.any():
            local[grow] = shapely.buffer(local[grow], widths[grow] / 2.0, cap_style="flat")

        storeys_given = storeys.copy()
        if sh is not None:
            est = storeys_from_height(height, sh)
            storeys = np.where(np.isnan(storeys), est, storeys)

        effective = height.copy()
        ground = np.full(n, np.nan)
        cells = np.zeros(n, dtype=np.int64)
        nodata = np.zeros(n, dtype=np.int64)
        if dem is not None and ok.any():
            rows = np.flatnonzero(ok)
            g = dem.ground_under(local[rows], frame.crs)
            ground[rows], cells[rows], nodata[rows] = g.ground_m, g.cells, g.nodata_cells
            for k, i in enumerate(rows):
                if g.errors[k] == "outside":
                    problems[i] = InputError("dem_outside", path=dem.path)
                elif g.errors[k] == "nodata":
                    problems[i] = InputError("dem_nodata", path=dem.path, cells=int(g.cells[k]))
            effective = height + ground - float(np.nan if field_elevation_m is None else field_elevation_m)
        # A top below the field's ground obstructs nothing: H = 0 (the rules that forbid
        # whatever stands still apply; those that limit height are met).
        with np.errstate(invalid="ignore"):
            below = effective < 0
        effective = np.where(below, 0.0, effective)
        local[~is_none(problems)] = None
        if kept is not None:
            kept = _release(kept, is_none(problems[kept.rows]), arr, source, raw_arr)
        return cls(local, kinds, uses, use_assumed, height, effective, storeys, storeys_given,
                   repaired, reason, ground, cells, nodata, problems, source, widths, is_line,
                   below, kept, unreadable)


def _off_path(n: int, kept: Rings | None) -> np.ndarray:
    """Of ``n`` rows, those not kept as rings."""
    general = np.ones(n, dtype=bool)
    if kept is not None:
        general[kept.rows] = False
    return general


def _release(kept: Rings, keep: np.ndarray, arr: np.ndarray, source: np.ndarray,
             raw: np.ndarray | None) -> Rings:
    """The rings where ``keep``; the others leave the ring path, so their geometries are
    read now where a reader left them unread (plain valid rings: they read), in ``arr`` and
    ``source``: every row not kept as a ring has its geometry as read."""
    back = kept.rows[~keep]
    back = back[is_none(source[back])]
    if back.size:
        assert raw is not None  # rings are only ever read from the raw WKB
        arr[back] = source[back] = shapely.from_wkb(raw[back])
    return kept.subset(keep)


def _to_frame_rows(geoms: np.ndarray, *args: Any) -> tuple[np.ndarray, np.ndarray]:
    """:func:`~geozones.core.coords.to_frame` over all rows at once; when PROJ or GEOS fails
    on one of them (a ring that no longer closes once a huge coordinate became infinite),
    row by row, so that only that row gets the error."""
    try:
        return to_frame(geoms, *args)
    except Exception:
        local = np.full(len(geoms), None, dtype=object)
        problems = np.full(len(geoms), None, dtype=object)
        for i in range(len(geoms)):
            try:
                loc, prob = to_frame(geoms[i:i + 1], *args)
                local[i], problems[i] = loc[0], prob[0]
            except Exception as exc:
                text = str(exc).strip().splitlines()
                problems[i] = GeometryError("geometry_failed",
                                            why=text[0][:120] if text else type(exc).__name__)
        return local, problems


def repair_unreadable(arr: np.ndarray, raw: np.ndarray, repaired: np.ndarray,
                       problems: np.ndarray, rows: np.ndarray) -> None:
    """Geometries that could not be read (``rows``, a mask): try to fix the ring (unclosed
    rings are common in hand-made files); rows that stay unreadable get a problem."""
    for i in np.flatnonzero(rows):
        fixed = None
        try:  # a curve (CURVEPOLYGON …) is linearised
            fixed = linearize(raw[i])
        except GeometryError as exc:   # past the vertex limit: that row's problem, in words
            problems[i] = exc
            continue
        except Exception:
            fixed = None
        if fixed is None:
            try:  # an unclosed ring is closed
                fixed = (shapely.from_wkb(raw[i], on_invalid="fix") if isinstance(raw[i], bytes)
                         else shapely.from_wkt(raw[i], on_invalid="fix"))
            except Exception:
                fixed = None
        if fixed is not None and not fixed.is_empty:
            try:  # GEOS may still refuse it (a curve of NaN vertices)
                fixed = shapely.make_valid(fixed)
            except Exception:
                fixed = None
        if fixed is None or fixed.is_empty:
            problems[i] = GeometryError("row_geom_unreadable")
        else:
            arr[i] = fixed
            repaired[i] = True


def _numbers(values: Any, n: int, what: str, strict: bool, api: bool = False
             ) -> tuple[np.ndarray, np.ndarray]:
    """Values as floats (NaN where empty), and per row the problem with a bad value."""
    errors = np.full(n, None, dtype=object)
    if values is None:
        return np.full(n, np.nan), errors
    if isinstance(values, (int, float, np.integer)) and not isinstance(values, bool):
        try:  # one number for every row: parsed once (bad ones take the path below)
            one = float(values)
        except OverflowError:
            one = -1.0
        if one != one or 0 <= one < np.inf:
            return np.full(n, one), errors
    arr = np.asarray(values, dtype=object)
    arr = np.broadcast_to(arr, (n,)) if arr.ndim == 0 or arr.shape != (n,) else arr
    out = None
    if set(map(type, arr)) <= _PLAIN_NUMBERS:
        # numbers only (a numeric column): float(v) is float(str(v)) for these types, so the
        # text is made only for the rows that need it in a message
        try:
            out = np.where(is_none(arr), np.nan, arr).astype(float)
            bad = np.zeros(n, dtype=bool)
            text: Any = _LazyText(arr)
        except OverflowError:  # an int beyond float: the text path makes it inf (refused)
            out = None
    if out is None:
        text = np.array(["" if v is None else str(v).strip() for v in arr], dtype=object)
        uniq, inverse = np.unique(text.astype(str), return_inverse=True)
        parsed = np.full(len(uniq), np.nan)
        bad_text = np.zeros(len(uniq), dtype=bool)
        for j, u in enumerate(uniq):
            if u in ("", "nan", "NaN", "None", "<NA>"):
                continue
            try:
                parsed[j] = float(u)
            except ValueError:
                bad_text[j] = True
        out = parsed[inverse.reshape(-1)]
        bad = bad_text[inverse.reshape(-1)]
    neg = ~np.isnan(out) & ((out < 0) | np.isinf(out))
    if strict and (bad | neg).any():
        i = int(np.flatnonzero(bad | neg)[0])
        raise InputError(f"{what}_invalid", value=text[i])
    for i in np.flatnonzero(bad | neg).tolist():
        if api:
            errors[i] = InputError(f"{what}_invalid", value=text[i])
        elif bad[i]:
            errors[i] = InputError("row_not_number", what=Key(f"word_{what}"), value=text[i])
        else:
            errors[i] = InputError("row_negative", what=Key(f"word_{what}"), value=f"{out[i]:g}")
    out[bad | neg] = np.nan
    return out, errors


#: Cell types whose float() equals float(str()) (bool is not among them: "True" is no number).
_PLAIN_NUMBERS = {float, int, type(None), np.float64, np.int64, np.int32}


class _LazyText:
    """``str(v).strip()`` of a row, made when asked (for the few rows with a problem)."""

    def __init__(self, values: np.ndarray) -> None:
        self.values = values

    def __getitem__(self, i: int) -> str:
        v = self.values[i]
        return "" if v is None else str(v).strip()


def _names(values: Any, n: int, normalize, what: str, choices: tuple[str, ...], strict_key: str,
           strict: bool, api: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Names (kinds, uses) normalised; None where not given or unknown, with a problem for
    unknown ones."""
    errors = np.full(n, None, dtype=object)
    if values is None or isinstance(values, str):  # one name for every row
        one = None if values is None or not values.strip() else normalize(values.strip())
        if one is not None or values is None or not values.strip():
            return np.full(n, one, dtype=object), errors
    raw = np.broadcast_to(np.asarray(values, dtype=object), (n,))
    out = normalize_many(raw, normalize)
    text = np.char.strip(np.where(is_none(raw), "", raw).astype(str))
    unknown = is_none(out) & (text != "")
    for value in np.unique(text[unknown]):
        if strict:
            raise InputError(strict_key, **{what: str(value), "choices": ", ".join(choices)})
        if api:
            errors[text == value] = InputError(strict_key, **{what: str(value), "choices": ", ".join(choices)})
            continue
        errors[text == value] = InputError("row_unknown", what=Key(f"word_{what}"), value=value,
                                           choices=", ".join(choices))
    return np.array(out, dtype=object), errors
