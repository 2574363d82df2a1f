"""Checking proposals against a station's zones: ``assess`` for arrays, ``check`` for one.

There is one code path. :func:`assess` measures and evaluates whole arrays of geometries
(shapely 2 vectorised functions, numpy over the rule table); :func:`check` is ``assess`` on a
single row, wrapped in a :class:`CheckResult` with findings and assumptions.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field
from functools import cached_property
from typing import Any, Sequence

import numpy as np
import shapely
from pyproj import CRS

from .coords import crs_label, parse_crs, to_frame
from .errors import GeometryError, InputError
from .i18n import KIND_NAMES, VERDICT_NAMES, has_message, name, t
from .kinds import (HEIGHT_KINDS, KINDS, USES, kinds_of_families, normalize_kinds, normalize_many,
                    normalize_use)
from .pilot import PilotArea, PilotOutcomes, evaluate_pilot, load_pilots
from .rules import NA, PASS, VERDICTS, RuleOutcomes, evaluate
from .station import Station, load_station
from .zones import ZONES, Measurements, StationFrame

__all__ = ["assess", "check", "ZoneSet", "Assessment", "CheckResult", "Finding", "DEFAULT_CRS"]

DEFAULT_CRS = "EPSG:4326"


def _round(value: float | None, ndigits: int = 3) -> float | None:
    if value is None or not np.isfinite(value):
        return None
    return round(float(value), ndigits)


def _fmt(value: float) -> str:
    return f"{value:,.2f}".rstrip("0").rstrip(".")


class ZoneSet:
    """The station and the pilot areas a check runs against, prepared once.

    ``pilots=None`` loads the shipped pilot areas (``data/pilots``); ``()`` uses none.
    """

    def __init__(self, station: Station | None = None,
                 pilots: Sequence[PilotArea] | None = None,
                 frame: StationFrame | None = None) -> None:
        self.frame = frame or StationFrame(station or load_station())
        self.pilots: tuple[PilotArea, ...] = load_pilots() if pilots is None else tuple(pilots)

    @classmethod
    def shared(cls, station: Station | None = None) -> "ZoneSet":
        """The zone set for ``station`` (None: the shipped one) with the shipped pilot areas,
        prepared once per process and reused (issue 13: a check costs the measurement, not
        the rebuilding). The shipped files are re-read when they change on disk."""
        if "files" not in _SHARED_FILES:
            from .pilot import shipped_pilot_paths
            from .station import default_station_path

            _SHARED_FILES["station"] = [str(default_station_path())]
            _SHARED_FILES["files"] = [str(f) for f in shipped_pilot_paths()]
        files = (_SHARED_FILES["station"] if station is None else []) + _SHARED_FILES["files"]
        stamp = tuple((f, _mtime(f)) for f in files)
        key = (id(station), stamp)
        hit = _SHARED.get(key)
        if hit is not None and hit[0] is station:
            return hit[1]
        zones = cls(station)
        if len(_SHARED) >= 8:
            _SHARED.pop(next(iter(_SHARED)))
        _SHARED[key] = (station, zones)  # holds the station: its id stays its own
        return zones

    @property
    def station(self) -> Station:
        return self.frame.station

    @cached_property
    def pilot_boundaries(self) -> tuple:
        """Each pilot boundary in the station frame (metres)."""
        from pyproj import CRS

        from .coords import transform_geoms

        return tuple(
            transform_geoms(np.array([p.boundary], dtype=object), CRS.from_epsg(4326), self.frame.crs, False)[0]
            for p in self.pilots
        )

    @property
    def storey_height_m(self) -> float:
        """Storey height for estimating storeys from height: the (first) pilot area's. [m]"""
        return self.pilots[0].storey_height_m if self.pilots else 3.0

    @cached_property
    def anchors_m(self) -> list[tuple[float, float]]:
        """Where proposals may plausibly be: the station and each pilot area's centre. [m]"""
        return [(0.0, 0.0)] + [(b.centroid.x, b.centroid.y) for b in self.pilot_boundaries]


#: ZoneSet.shared's cache: (id(station), file stamps) -> (station, ZoneSet)
_SHARED: dict = {}
_SHARED_FILES: dict = {}


def _mtime(path: str) -> int:
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return -1


@dataclass
class Finding:
    """One rule that applies to a proposal, with its outcome and numbers."""

    rule: str
    severity: str          #: "fail", "review" or "pass" (the rule is met)
    article: str
    message: str
    quote: str
    distance_m: float | None = None
    allowed_height_m: float | None = None
    height_m: float | None = None
    exceedance_m: float | None = None
    word: str = ""          #: the plan's deciding word (禁止, 不应, 应 ...) behind the severity
    quote_zh: str = ""      #: the plan's own text, verbatim
    quote_en: str = ""      #: its translation
    reading: str = ""       #: the project's reading of the rule, where the text leaves it open


@dataclass
class Assessment:
    """Results for n proposals, as arrays (shape (n,)) plus the per-rule matrices.

    ``verdict_code`` uses the rule outcome codes (PASS, REVIEW, FAIL) and 0 for rows whose
    geometry could not be assessed (see ``problems``).
    """

    station: Station
    kinds: np.ndarray
    height_m: np.ndarray
    measurements: Measurements
    outcomes: RuleOutcomes
    problems: np.ndarray
    pilot: PilotOutcomes | None = None
    uses: np.ndarray | None = None
    use_assumed: np.ndarray | None = None
    storeys_given: np.ndarray | None = None
    #: per row: line width used [m] (NaN: none given), and whether the row is a line
    width_m: np.ndarray | None = None
    is_line: np.ndarray | None = None
    repaired: np.ndarray | None = None   #: rows whose geometry was made valid (or linearised)

    def __len__(self) -> int:
        return len(self.kinds)

    @property
    def ok(self) -> np.ndarray:
        """Rows whose geometry was assessed."""
        return self.measurements.zone >= 0

    @property
    def station_verdict_code(self) -> np.ndarray:
        return np.where(self.ok, self.outcomes.verdict_code(), 0).astype(np.int8)

    @property
    def pilot_verdict_code(self) -> np.ndarray:
        if self.pilot is None:
            return np.where(self.ok, PASS, 0).astype(np.int8)
        return np.where(self.ok, self.pilot.verdict_code(), 0).astype(np.int8)

    @property
    def verdict_code(self) -> np.ndarray:
        """Worst of the station's and the pilot area's outcomes; 0 where not assessed."""
        return np.maximum(self.station_verdict_code, self.pilot_verdict_code)

    @property
    def in_pilot(self) -> np.ndarray:
        """True where the proposal touches a pilot area."""
        if self.pilot is None:
            return np.zeros(len(self), dtype=bool)
        return self.pilot.inside >= 0

    @property
    def verdict(self) -> np.ndarray:
        """"pass", "review", "fail", or None for rows not assessed."""
        names = np.array([None, *VERDICTS], dtype=object)
        return names[self.verdict_code]

    @property
    def zone(self) -> np.ndarray:
        names = np.array([*ZONES, None], dtype=object)
        return names[self.measurements.zone]  # -1 indexes the trailing None

    @property
    def max_height_m(self) -> np.ndarray:
        """Permitted height; NaN where no height rule applies or the kind has no height. [m]"""
        mh = self.outcomes.max_height_m()
        return np.where(np.isin(self.kinds, list(HEIGHT_KINDS)), mh, np.nan)

    @property
    def exceedance_m(self) -> np.ndarray:
        """Height above the permitted height, 0 when within it; NaN when either is unknown. [m]"""
        with np.errstate(invalid="ignore"):
            return np.maximum(self.height_m - self.max_height_m, 0.0)

    @cached_property
    def flag_codes(self) -> tuple[np.ndarray, tuple[Any, ...]]:
        """Per row, a bitmask of the rules it breaks or is flagged for review by.

        Returns ``(codes, rules)``: bit ``j`` of ``codes[i]`` set means ``rules[j]`` (station
        rules first, then each pilot area's) flags row ``i``. Rows share few distinct codes,
        so text for them is built once per code, not once per row.
        """
        rules = list(self.outcomes.rules)
        codes = np.zeros(len(self), dtype=np.int64)
        for j in range(len(rules)):
            codes |= (self.outcomes.outcome[j] > PASS).astype(np.int64) << j
        if self.pilot is not None:
            for k, pilot in enumerate(self.pilot.pilots):
                for j, rule in enumerate(pilot.rules):
                    flagged = (self.pilot.inside == k) & (self.pilot.outcome[k][j] > PASS)
                    codes |= flagged.astype(np.int64) << len(rules)
                    rules.append(rule)
        if len(rules) > 63:
            raise ValueError("more than 63 rules: widen flag_codes")
        return codes, tuple(rules)

    def rules_for_code(self, code: int) -> list[Any]:
        """The rules a flag code names (see :attr:`flag_codes`)."""
        rules = self.flag_codes[1]
        return [r for j, r in enumerate(rules) if (int(code) >> j) & 1]

    def flagged_rules(self, i: int) -> list[str]:
        """Ids of the rules (station and pilot) row ``i`` breaks or that flag it for review."""
        return [r.id for r in self.rules_for_code(self.flag_codes[0][i])]

    def pilot_findings(self, i: int, lang: str = "en") -> list[Finding]:
        """Findings of the pilot area row ``i`` is in (empty outside every area)."""
        k = -1 if self.pilot is None else int(self.pilot.inside[i])
        if k < 0:
            return []
        pilot = self.pilot.pilots[k]
        n = float(self.pilot.storeys[i])
        out = []
        for j, rule in enumerate(pilot.rules):
            code = int(self.pilot.outcome[k][j, i])
            if code == NA:
                continue
            above = _fmt(rule.storeys_above) if rule.storeys_above is not None else ""
            at_most = _fmt(rule.storeys_at_most) if rule.storeys_at_most is not None else ""
            if np.isnan(n):
                msg = t("pilot_storeys_unknown", lang, above=above)
            else:
                key = f"pilot_msg_{rule.id}" if has_message(f"pilot_msg_{rule.id}") else \
                    f"pilot_storeys_{rule.severity}"
                msg = t(key, lang, n=_fmt(n), above=above, at_most=at_most)
            severity = "info" if rule.severity == "info" else VERDICTS[code - 1]
            out.append(Finding(rule=rule.id, severity=severity, article=rule.article, message=msg,
                               quote=rule.quote_zh if lang == "zh" else rule.quote_en,
                               quote_zh=rule.quote_zh, quote_en=rule.quote_en,
                               reading=rule.reading_zh if lang == "zh" else rule.reading_en))
        return out

    def pilot_assumptions(self, i: int, lang: str = "en") -> list[str]:
        k = -1 if self.pilot is None else int(self.pilot.inside[i])
        if k < 0:
            # Outside a provisional boundary is provisional too: the official one may differ.
            pilots = () if self.pilot is None else self.pilot.pilots
            return [t("assume_provisional_outside", lang, name=p.name_zh if lang == "zh" else p.name,
                      src=p.boundary_source) for p in pilots if p.provisional]
        pilot = self.pilot.pilots[k]
        notes = []
        if pilot.provisional:
            notes.append(t("assume_provisional", lang, name=pilot.name_zh if lang == "zh" else pilot.name,
                           src=pilot.boundary_source))
        if self.use_assumed is not None and self.use_assumed[i]:
            notes.append(t("assume_use", lang))
        n = self.pilot.storeys[i]
        if self.storeys_given is not None and np.isnan(self.storeys_given[i]) and not np.isnan(n):
            notes.append(t("assume_storeys", lang, h=_fmt(self.height_m[i]),
                           sh=_fmt(pilot.storey_height_m), n=_fmt(n)))
        return notes

    def findings(self, i: int, lang: str = "en") -> list[Finding]:
        """The findings of row ``i``: one per rule that applies."""
        out: list[Finding] = []
        s = self.station
        maybe = self.measurements.maybe_upwind
        kind = self.kinds[i]
        kind_name = name(KIND_NAMES, kind, lang)
        h = float(self.height_m[i])
        for j, rule in enumerate(self.outcomes.rules):
            code = int(self.outcomes.outcome[j, i])
            if code == NA:
                continue
            severity = VERDICTS[code - 1]
            d = float(self.outcomes.distance_m[j, i])
            allowed = float(self.outcomes.allowed_m[j, i])
            exc = max(h - allowed, 0.0) if np.isfinite(h) and np.isfinite(allowed) else np.nan
            if rule.limit == "forbid" and rule.within_m == 0:
                msg = t("finding_body", lang, kind=kind_name)
            elif rule.limit == "forbid" and rule.where == "band":
                key = "finding_forbid" if severity == "fail" else "finding_forbid_review"
                msg = t(key, lang, kind=kind_name, d=_fmt(d), within=_fmt(rule.within_m))
            elif rule.limit == "forbid" and severity == "fail":
                msg = t("finding_forbid_area", lang, kind=kind_name, d=_fmt(d))
            elif rule.limit in ("advise", "forbid"):
                msg = t("finding_advise", lang, kind=kind_name, d=_fmt(d))
            elif not np.isfinite(h):
                msg = t("finding_height_unknown", lang, d=_fmt(d), allowed=_fmt(allowed))
            else:
                key = {"pass": "finding_height_pass", "fail": "finding_height_fail",
                       "review": "finding_height_review"}[severity]
                msg = t(key, lang, d=_fmt(d), allowed=_fmt(allowed), h=_fmt(h), exc=_fmt(exc))
            if (rule.where in ("general", "protected") and maybe is not None and maybe[i]
                    and not self.measurements.in_protected[i]):
                msg = t("finding_maybe_upwind", lang, general=_fmt(s.general_m),
                        upwind=_fmt(s.general_upwind_m)) + " " + msg
            out.append(Finding(
                rule=rule.id, severity=severity, article=rule.article, message=msg,
                quote=rule.quote_zh if lang == "zh" else rule.quote_en,
                distance_m=_round(d), allowed_height_m=_round(allowed),
                height_m=_round(h), exceedance_m=_round(exc), word=rule.word,
                quote_zh=rule.quote_zh, quote_en=rule.quote_en,
                reading=rule.reading_zh if lang == "zh" else rule.reading_en,
            ))
        return out

    def to_frame(self, lang: str = "en"):
        """The results as a pandas DataFrame, one row per proposal, in input order.

        Columns: ``kind``, ``verdict`` (None where not assessed), ``zone``, ``distance_m``,
        ``max_height_m``, ``height_m``, ``exceedance_m`` [m], ``in_sun_sector``, ``in_pilot``,
        ``storeys``, ``rules`` (ids, comma-separated) and ``problem`` (why a row was not
        assessed, in ``lang``). For the ``gz_*`` columns of ``screen`` on a GeoDataFrame use
        :func:`geozones.assess_frame`.
        """
        import pandas as pd

        codes = np.where(self.ok, self.flag_codes[0], 0)
        uniq, inv = np.unique(codes, return_inverse=True)
        rules = np.array([",".join(r.id for r in self.rules_for_code(c)) for c in uniq],
                         dtype=object)[inv.reshape(-1)] if len(self) else np.array([], dtype=object)
        ok = self.ok
        return pd.DataFrame({
            "kind": np.where(ok, self.kinds, None),
            "verdict": self.verdict,
            "zone": self.zone,
            "distance_m": np.where(ok, self.measurements.distance_m, np.nan),
            "max_height_m": np.where(ok, self.max_height_m, np.nan),
            "height_m": np.where(ok, self.height_m, np.nan),
            "exceedance_m": np.where(ok, self.exceedance_m, np.nan),
            "in_sun_sector": np.where(ok, self.measurements.in_sun_sector, False),
            "in_pilot": np.where(ok, self.in_pilot, False),
            "storeys": (np.where(ok & self.in_pilot, self.pilot.storeys, np.nan)
                        if self.pilot is not None else np.full(len(self), np.nan)),
            "rules": np.where(ok, rules, ""),
            "problem": [None if p is None else p.localized(lang) for p in self.problems],
        })

    def in_protection_area(self) -> np.ndarray:
        """Rows inside the protection area (core or general zone, Art. 11), or possibly in it
        (the upwind general zone when the prevailing wind is unknown)."""
        m = self.measurements
        out = np.asarray(m.in_protected, dtype=bool) & self.ok
        if m.maybe_upwind is not None:
            out = out | (np.asarray(m.maybe_upwind, dtype=bool) & self.ok)
        return out

    def notices(self, i: int, lang: str = "en") -> list[str]:
        """The approval duty (Art. 7, 14, 15.1) for a row in the protection area, whatever
        its verdict; empty outside it."""
        if not self.in_protection_area()[i]:
            return []
        key = "notice_approval" if self.measurements.in_protected[i] else "notice_approval_maybe"
        return [t(key, lang)]

    def assumptions(self, i: int | None = None, lang: str = "en") -> list[str]:
        """What the results rest on (for row ``i``, or for the whole batch)."""
        s = self.station
        notes = [t("assume_flat", lang)]
        if s.position_is_default:
            notes.append(t("assume_position", lang, lat=s.latitude_deg, lon=s.longitude_deg,
                           source=s.position_source_zh if lang == "zh" else s.position_source))
        notes.append(t("assume_rotation", lang, rot=_fmt(s.field_rotation_deg),
                       source=s.sources.get("field", "")))
        if s.prevailing_wind_from_deg is None:
            notes.append(t("assume_no_wind", lang, general=_fmt(s.general_m),
                           upwind=_fmt(s.general_upwind_m)))
        if s.rules_incomplete:
            notes.append(t("assume_incomplete", lang))
        notes.append(t("assume_tolerance", lang, tol=f"{s.tolerance_m * 1000:g}"))
        rows = slice(None) if i is None else slice(i, i + 1)
        if self.is_line is not None and self.width_m is not None:
            line = self.is_line[rows] & self.ok[rows]
            edge = np.isin(self.kinds[rows], list(kinds_of_families(["road", "railway", "water"])))
            no_width = line & np.isnan(self.width_m[rows])
            if (no_width & edge).any():
                notes.append(t("assume_line_as_drawn", lang))
            widths = self.width_m[rows][line & ~np.isnan(self.width_m[rows])]
            if widths.size:
                notes.append(t("assume_line_width", lang, w=_fmt(widths[0]), half=_fmt(widths[0] / 2)))
        ids = [r.id for r in self.outcomes.rules]
        if "general_height" in ids:
            applied = self.outcomes.outcome[ids.index("general_height"), rows] != NA
            if applied.any():
                notes.append(t("assume_general_height", lang))
        limited = np.isfinite(self.max_height_m[rows]) & np.isnan(self.height_m[rows])
        if limited.any():
            notes.append(t("assume_no_height", lang))
        return notes


def _first_problem(problems: np.ndarray, rows: np.ndarray, make) -> None:
    """Put ``make(i)`` into ``problems[i]`` for each row in ``rows`` that has none yet."""
    for i in np.flatnonzero(rows):
        if problems[i] is None:
            problems[i] = make(i)


def _kinds_array(kind: Any, n: int, problems: np.ndarray) -> np.ndarray:
    """Normalised kinds; an unknown kind marks its row in ``problems`` (never the batch)."""
    values = np.broadcast_to(np.asarray(kind, dtype=object), (n,))
    out = normalize_kinds(values)
    unknown = np.equal(out, None)  # noqa: E711
    _first_problem(problems, unknown, lambda i: InputError(
        "kind_unknown", kind=str(values[i]), choices=", ".join(KINDS)))
    out[unknown] = "building"  # placeholder: the row is not assessed
    return out


def _floats(values: Any, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(raw, floats, unreadable)``: None/NaN are NaN; text that is not a number is
    NaN and marked unreadable. Numeric input takes the vectorised path."""
    try:
        f = np.broadcast_to(np.asarray(values, dtype=float), (n,)).copy()
        return f, f, np.zeros(n, dtype=bool)
    except (TypeError, ValueError):
        raw = np.broadcast_to(np.asarray(values, dtype=object), (n,))
        f = np.array([np.nan if v is None else _to_float(v) for v in raw], dtype=float)
        bad = np.array([v is not None and np.isnan(f[i]) and not _is_nan(v)
                        for i, v in enumerate(raw)], dtype=bool)
        return raw, f, bad


def _heights_array(height: Any, n: int, problems: np.ndarray) -> np.ndarray:
    if height is None:
        return np.full(n, np.nan)
    raw, h, unreadable = _floats(height, n)
    bad = np.isinf(h) | (h < 0) | unreadable
    _first_problem(problems, bad, lambda i: InputError("height_invalid", value=raw[i]))
    h[bad] = np.nan
    return h


def _to_float(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return np.nan


def _is_nan(value: Any) -> bool:
    try:
        return bool(np.isnan(float(value)))
    except (TypeError, ValueError):
        return False


def _uses_array(use: Any, kinds: np.ndarray, problems: np.ndarray | None = None
                ) -> tuple[np.ndarray, np.ndarray]:
    """Normalised uses, and where residential was assumed for a building without one."""
    n = len(kinds)
    raw = np.broadcast_to(np.asarray(use, dtype=object), (n,))
    out = normalize_many(raw, normalize_use)
    given = ~np.equal(raw, None)  # noqa: E711
    unknown = given & np.equal(out, None)  # noqa: E711
    if unknown.any():
        if problems is None:
            raise InputError("use_unknown", use=str(raw[unknown][0]), choices=", ".join(USES))
        _first_problem(problems, unknown, lambda i: InputError(
            "use_unknown", use=str(raw[i]), choices=", ".join(USES)))
        given = given & ~unknown
    assumed = ~given & (kinds == "building")
    out[assumed] = "residential"
    return out, assumed


def _storeys_array(storeys: Any, n: int, problems: np.ndarray) -> np.ndarray:
    if storeys is None:
        return np.full(n, np.nan)
    raw, s, unreadable = _floats(storeys, n)
    with np.errstate(invalid="ignore"):
        bad = (~np.isnan(s) & ((s < 1) | (s != np.floor(s)))) | unreadable
    _first_problem(problems, bad, lambda i: InputError("floors_invalid", value=raw[i]))
    s[bad] = np.nan
    return s


def _deprecated(new: str, old: str, value: Any, old_value: Any) -> Any:
    """``old_value`` when the deprecated spelling ``old`` was used (with a DeprecationWarning)."""
    if old_value is _UNSET:
        return value
    import warnings

    warnings.warn(f"{old}= is deprecated: use {new}= (the same spelling as check())",
                  DeprecationWarning, stacklevel=3)
    if value is not None:
        raise TypeError(f"pass {new}= or {old}=, not both")
    return old_value


_UNSET: Any = object()


def _geometry_input(geoms: Any, crs: Any, what: str = "GeoSeries") -> tuple[np.ndarray, Any]:
    """Geometries as an object array and the CRS to read them in.

    A GeoSeries/GeoDataFrame/GeometryArray brings its own CRS; ``crs=`` may only repeat it
    (or, for WGS84 lon/lat, name the GCJ-02/BD-09 datum the numbers really are in).
    """
    own = getattr(geoms, "crs", None)
    if hasattr(geoms, "geometry") and hasattr(geoms, "columns"):   # a GeoDataFrame
        geoms = geoms.geometry
    if own is not None:
        from .datums import datum_of
        from .io import is_wgs84_lonlat

        if crs is None:
            crs = own
        else:
            given = parse_crs(crs)
            if given != parse_crs(own) and not (datum_of(given) and is_wgs84_lonlat(own)):
                raise InputError("crs_conflict_arg", own=crs_label(parse_crs(own)), crs=crs_label(given))
    values = geoms.values if hasattr(geoms, "values") and not isinstance(geoms, np.ndarray) else geoms
    arr = np.asarray(values, dtype=object).reshape(-1)
    return arr, crs


def assess_local(zones: ZoneSet | StationFrame, geoms: np.ndarray, kinds: np.ndarray,
                 height_m: np.ndarray, problems: np.ndarray | None = None, *,
                 uses: np.ndarray | None = None, use_assumed: np.ndarray | None = None,
                 storeys: np.ndarray | None = None, width_m: np.ndarray | None = None) -> Assessment:
    """Measure and evaluate geometries already in the station frame (the pure core).

    ``kinds`` must already be normalised (see :mod:`geozones.kinds`); ``height_m`` is in
    metres above the field ground, NaN when unknown; ``uses`` and ``storeys`` feed the pilot
    rules (None: residential for buildings; storeys from height). ``width_m`` [m]: a line
    with a width is measured from its edges (buffered by half the width, flat ends: roads
    and railways from the subgrade edge, water from the water's edge, Art. 12.3 ① - ③);
    NaN or None: the line as drawn.
    """
    if isinstance(zones, StationFrame):
        zones = ZoneSet(frame=zones, pilots=())
    frame = zones.frame
    geoms = np.asarray(geoms, dtype=object)
    n = len(geoms)
    height_m = np.asarray(height_m, dtype=float)
    geoms, widths, is_line = _widen_lines(geoms, width_m)
    if problems is None:
        problems = np.full(n, None, dtype=object)
    m, geoms, problems = _measure_rows(frame, geoms, problems)
    outcomes = evaluate(frame.station.rules, kinds, height_m, m.distance_m,
                        m.sun_distance_m, m.in_general, m.in_protected,
                        maybe_upwind=m.maybe_upwind, tolerance_m=frame.station.tolerance_m)
    if uses is None:
        uses, use_assumed = _uses_array(None, kinds)
    storeys = np.full(n, np.nan) if storeys is None else np.asarray(storeys, dtype=float)
    pilot = None
    if zones.pilots:
        pilot = evaluate_pilot(zones.pilots, zones.pilot_boundaries, geoms, kinds, uses,
                               storeys, height_m)
    return Assessment(frame.station, kinds, height_m, m, outcomes, problems, pilot, uses,
                      use_assumed, storeys, widths, is_line)


def _widen_lines(geoms: np.ndarray, width_m) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Lines with a width grown by half of it (flat ends); other rows unchanged.

    Returns ``(geometries, widths [m] (NaN where none), is_line)``.
    """
    n = len(geoms)
    types = shapely.get_type_id(geoms)
    is_line = np.isin(types, (1, 2, 5))  # LineString, LinearRing, MultiLineString
    widths = np.full(n, np.nan) if width_m is None else np.broadcast_to(
        np.asarray(width_m, dtype=float), (n,)).copy()
    grow = is_line & ~np.isnan(widths) & (widths > 0)
    if grow.any():
        geoms = geoms.copy()
        geoms[grow] = shapely.buffer(geoms[grow], widths[grow] / 2.0, cap_style="flat")
    return geoms, widths, is_line


def _to_frame_rows(arr: np.ndarray, crs, frame: StationFrame, anchors, axis_order: str):
    """``to_frame`` that never fails for the batch: when a projected ring cannot be built
    (a vertex PROJ maps to infinity), that row is a problem (``geometry_failed``)."""
    args = (frame.crs, anchors, frame.station.plausible_radius_m, axis_order)
    try:
        return to_frame(arr, crs, *args)
    except Exception:  # GEOS refuses one projected geometry: row by row
        from .geometry import _why

        local = np.full(len(arr), None, dtype=object)
        problems = np.full(len(arr), None, dtype=object)
        for i, g in enumerate(arr):
            try:
                loc, prob = to_frame(np.array([g], dtype=object), crs, *args)
                local[i], problems[i] = loc[0], prob[0]
            except Exception as exc:
                problems[i] = GeometryError("geometry_failed", why=_why(exc))
        return local, problems


def _measure_rows(frame: StationFrame, geoms: np.ndarray, problems: np.ndarray):
    """``frame.measure`` that never fails for the batch: when GEOS raises on the array, the
    rows it cannot measure become problems (``geometry_failed``) and the rest are measured."""
    try:
        return frame.measure(geoms), geoms, problems
    except Exception:  # GEOS errors on one hostile geometry
        from .geometry import _why

        geoms, problems = geoms.copy(), problems.copy()
        for i, g in enumerate(geoms):
            if g is None:
                continue
            try:
                frame.measure(np.array([g], dtype=object))
            except Exception as exc:
                problems[i] = GeometryError("geometry_failed", why=_why(exc))
                geoms[i] = None
        return frame.measure(geoms), geoms, problems


def assess(
    geoms: Sequence[Any] | np.ndarray,
    kind: Any = "building",
    height: Any = None,
    *,
    crs: Any = None,
    axis_order: str = "xy",
    station: Station | None = None,
    zones: ZoneSet | None = None,
    use: Any = None,
    floors: Any = None,
    width: Any = None,
    height_m: Any = _UNSET,
    storeys: Any = _UNSET,
    width_m: Any = _UNSET,
) -> Assessment:
    """Check many proposals at once.

    Parameters
    ----------
    geoms : GeoSeries, or array of shapely geometries (or WKT strings), in ``crs``
    kind : str or array of str
        Kind(s) of proposal; any name in :data:`geozones.kinds.KIND_ALIASES`.
    height : float, array of float, or None
        Height of the top above the observation-field ground; NaN/None when unknown. [m]
        (``height_m=`` is the deprecated spelling.)
    crs : str or pyproj.CRS, optional
        CRS of ``geoms``: a GeoSeries' own CRS by default, else EPSG:4326 (longitude first).
        ``"GCJ-02"``/``"BD-09"`` read Gaode/Tencent/Baidu numbers.
    axis_order : {"xy", "yx"}
        "yx" when coordinates are northing/latitude first.
    station : the station (default: the shipped Jiangxian station), when ``zones`` is None.
    zones : ZoneSet
        Station and pilot areas, prepared once (default: shipped station and pilots).
    use : str or array, optional
        Building use for the pilot rules (residential, public, other; Chinese accepted).
    floors : int or array, optional
        Storeys for the pilot rules; NaN/None: estimated from height. (``storeys=`` is the
        deprecated spelling.)
    width : float or array, optional
        Width of line proposals (road, railway, river) [m]: measured from the line's edges,
        half the width either side. NaN/None: measured as drawn (said in the assumptions).
        (``width_m=`` is the deprecated spelling; ``check`` says ``width``.)

    Row data never fails the batch: a row whose geometry, coordinates, kind, height, use or
    storeys cannot be used is not assessed (verdict None) and ``problems[i]`` holds the
    :class:`~geozones.errors.InputError` that says why.
    Invalid geometries (a bow-tie; a sliver that self-intersects only once projected into
    the station frame) are repaired with ``shapely.make_valid`` and marked in ``repaired``;
    curved WKT is linearised; a NaN vertex is that row's problem.
    """
    height = _deprecated("height", "height_m", height, height_m)
    floors = _deprecated("floors", "storeys", floors, storeys)
    width = _deprecated("width", "width_m", width, width_m)
    if zones is None:
        zones = ZoneSet.shared(station)
    frame = zones.frame
    arr, crs = _geometry_input(geoms, crs)
    n = len(arr)
    problems = np.full(n, None, dtype=object)
    from .geometry import clean, parse_many

    if n and any(isinstance(g, str) for g in arr):
        text = np.asarray(arr, dtype=object)
        texts = np.array([isinstance(g, str) for g in text], dtype=bool)
        arr = text.copy()
        arr[texts] = parse_many(text[texts], wkb=False)[0]   # curves linearised
        _first_problem(problems, texts & np.equal(arr, None),  # noqa: E711
                       lambda i: GeometryError("geometry_parse", what=f"row {i}", text=str(text[i])[:60]))
    # NaN vertex -> that row's problem; invalid -> make_valid (repaired)
    arr, problems, repaired_in = clean(np.asarray(arr, dtype=object), problems)
    kinds = _kinds_array(kind, n, problems)
    heights = _heights_array(height, n, problems)
    uses, use_assumed = _uses_array(use, kinds, problems)
    storeys_arr = _storeys_array(floors, n, problems)
    usable = np.equal(problems, None)  # noqa: E711
    local, coord_problems = _to_frame_rows(np.where(usable, arr, None),
                                           parse_crs(DEFAULT_CRS if crs is None else crs), frame,
                                           zones.anchors_m, axis_order)
    take = usable & ~np.equal(coord_problems, None)  # noqa: E711
    problems[take] = coord_problems[take]
    # valid in its CRS, self-intersecting in the station frame (thin slivers): repaired there
    local, problems, repaired_local = clean(local, problems)
    widths = None
    if width is not None:
        raw_w, widths, unreadable = _floats(width, n)
        bad = np.isinf(widths) | (widths < 0) | unreadable
        _first_problem(problems, bad, lambda i: InputError("width_invalid", value=raw_w[i]))
        widths[bad] = np.nan
        if bad.any():
            local[bad] = None
    a = assess_local(zones, local, kinds, heights, problems, uses=uses,
                     use_assumed=use_assumed, storeys=storeys_arr, width_m=widths)
    a.repaired = repaired_in | repaired_local
    return a


@dataclass
class CheckResult:
    """The answer for one proposal; ``to_dict()`` gives the ``--json`` output."""

    verdict: str
    zone: str
    distance_m: float
    max_height_m: float | None
    height_m: float | None
    exceedance_m: float | None
    in_sun_sector: bool
    sun_distance_m: float | None
    kind: str
    station: str
    findings: list[Finding] = field(default_factory=list)
    assumptions: list[str] = field(default_factory=list)
    crs: str = DEFAULT_CRS
    pilot: dict[str, Any] | None = None
    terrain: dict[str, Any] | None = None
    #: what the result obliges (the approval duty of Art. 14, 15.1 inside the protection area)
    notices: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def check(
    geometry: Any,
    height: float | None = None,
    kind: str = "building",
    crs: Any = None,
    *,
    station: Station | None = None,
    zones: ZoneSet | None = None,
    axis_order: str = "xy",
    use: str | None = None,
    floors: int | None = None,
    dem: Any = None,
    field_elevation: str = "dem",
    lang: str = "en",
    extra_assumptions: Sequence[str] = (),
    datum_hint: bool | None = None,
    width: float | None = None,
) -> CheckResult:
    """Check one proposal against the station's zones.

    Parameters
    ----------
    geometry : shapely geometry, WKT string, or a one-row GeoDataFrame/GeoSeries, in ``crs``
        Polygon, multipolygon, line or point.
    height : float, optional
        Height of the top above the observation-field ground. [m]
    kind : str
        One of :data:`geozones.kinds.KINDS` (or an alias such as 道路).
    crs : str or pyproj.CRS, optional
        CRS of the coordinates: a GeoSeries' own, else EPSG:4326 (longitude first), assumed
        and said so. ``"GCJ-02"`` (Gaode, Tencent) and ``"BD-09"`` (Baidu) read web-map numbers.
    datum_hint : bool, optional
        Say that web-map numbers need ``crs="GCJ-02"``/``"BD-09"``, and whether reading them
        so would change the verdict (default: when ``crs`` was not given).
    zones : ZoneSet, optional
        Station and pilot areas (default: the shipped ones, or ``station`` with them).
    use, floors : optional
        Building use and storeys for the pilot-area rules (see :mod:`geozones.pilot`).
    width : float, optional
        Width of a line proposal [m] (road/railway subgrade, river): measured from its edges.
    dem : path or :class:`geozones.terrain.DEM`, optional
        With a DEM the height used is ``height`` + highest ground under the footprint − field
        elevation (``field_elevation``: "dem", the DEM at the field centre, or "station").

    The top-level ``verdict`` is the worst of the station's rules and the pilot area's;
    ``pilot`` holds the pilot area's own part.

    Raises
    ------
    GeometryError, CoordinateError, InputError
        When the geometry is empty or unreadable, or its coordinates cannot be meant.

    Examples
    --------
    >>> r = check("POINT (111.5745 35.5054)", height=10)
    >>> r.zone, r.verdict
    ('control', 'pass')
    """
    if hasattr(geometry, "crs") and hasattr(geometry, "__len__"):  # GeoSeries / GeoDataFrame
        what = "GeoDataFrame" if hasattr(geometry, "columns") else "GeoSeries"
        if len(geometry) != 1:
            raise InputError("check_one_row", what=what, n=len(geometry))
        arr, crs = _geometry_input(geometry, crs, what)
        if crs is None:
            raise InputError("frame_no_crs", what=what)
        geometry = arr[0]
    if datum_hint is None:
        datum_hint = crs is None
    crs_given = crs
    if crs is None:
        crs = DEFAULT_CRS
    if isinstance(geometry, str):
        try:
            geometry = shapely.from_wkt(geometry)
        except shapely.errors.GEOSException:
            raise GeometryError("geometry_parse", what="geometry", text=geometry[:60]) from None
    if geometry is None or geometry.is_empty:
        raise GeometryError("geometry_empty", what="geometry")
    repaired = []
    from .geometry import clean

    fixed, problem, was_repaired = clean(np.array([geometry], dtype=object))
    if problem[0] is not None:
        raise problem[0]
    if was_repaired[0]:
        repaired = [t("assume_repaired", lang, why=shapely.is_valid_reason(geometry))]
        geometry = fixed[0]
    extra_assumptions = [*extra_assumptions, *repaired]
    crs_obj = parse_crs(crs)
    zones = zones or ZoneSet.shared(station)
    terrain, notes = None, []
    used_height = height
    if dem is not None and height is not None:
        used_height, terrain, notes = _terrain(dem, geometry, crs_obj, axis_order, height,
                                               zones.station, field_elevation, lang)
        if floors is None and height is not None:
            from .pilot import storeys_from_height

            floors = int(storeys_from_height(np.array([height]), zones.storey_height_m)[0])
    a = assess([geometry], kind, used_height, crs=crs_obj, axis_order=axis_order,
               zones=zones, use=use, floors=floors, width=width)
    if a.problems[0] is not None:
        raise a.problems[0]
    if crs_given is None:
        extra_assumptions = [t("assume_crs_default", lang, crs=DEFAULT_CRS), *extra_assumptions]
    from .datums import datum_of

    if datum_of(crs_obj) is not None:
        from .datums import INVERSE_TOLERANCE_M

        extra_assumptions = [*extra_assumptions, t("assume_datum", lang, datum=datum_of(crs_obj),
                                                     tol=f"{INVERSE_TOLERANCE_M:g}")]
    elif datum_hint and crs_obj.is_geographic:
        extra_assumptions = [*extra_assumptions, t("assume_web_datum", lang),
                             *_datum_alternatives(a, geometry, kind, used_height, axis_order,
                                                  zones, use, floors, lang, width)]
    m = a.measurements
    return CheckResult(
        verdict=str(a.verdict[0]),
        zone=str(a.zone[0]),
        distance_m=_round(m.distance_m[0]),
        max_height_m=_round(a.max_height_m[0]),
        height_m=_round(a.height_m[0]),
        exceedance_m=_round(a.exceedance_m[0]),
        in_sun_sector=bool(m.in_sun_sector[0]),
        sun_distance_m=_round(m.sun_distance_m[0]),
        kind=str(a.kinds[0]),
        station=a.station.id,
        findings=a.findings(0, lang),
        assumptions=[*extra_assumptions, *notes,
                     *[n for n in a.assumptions(0, lang) if terrain is None or n != t("assume_flat", lang)],
                     *a.pilot_assumptions(0, lang)],
        crs=crs_label(crs_obj),
        pilot=_pilot_dict(a, 0, lang),
        terrain=terrain,
        notices=a.notices(0, lang),
    )


def _datum_alternatives(a: Assessment, geometry, kind, height, axis_order: str, zones: ZoneSet,
                        use, floors, lang: str, width=None) -> list[str]:
    """Notes for each web-map datum under which the same numbers get another verdict."""
    from .datums import DATUMS, DatumCRS

    notes = []
    for datum, maps in zip(DATUMS, ("datum_maps_gcj", "datum_maps_bd")):
        b = assess([geometry], kind, height, crs=DatumCRS(datum), axis_order=axis_order,
                   zones=zones, use=use, floors=floors, width=width)
        if b.problems[0] is not None or b.verdict[0] == a.verdict[0]:
            continue
        allowed = b.max_height_m[0]
        notes.append(t("assume_datum_changes", lang, datum=datum, maps=t(maps, lang),
                       verdict=name(VERDICT_NAMES, str(b.verdict[0]), lang).upper() if lang == "en"
                       else name(VERDICT_NAMES, str(b.verdict[0]), lang),
                       d=_fmt(b.measurements.distance_m[0]),
                       allowed=t("report_unlimited", lang) if np.isnan(allowed)
                       else f"{_fmt(allowed)} {t('unit_m', lang)}"))
    return notes


def _terrain(dem: Any, geometry, crs, axis_order: str, height: float, station: Station,
             source: str, lang: str) -> tuple[float, dict[str, Any], list[str]]:
    """Effective height of one footprint on a DEM, the terrain facts and the notes."""
    from .terrain import DEM, effective_heights, field_elevation

    dem = dem if isinstance(dem, DEM) else DEM(dem)
    geom = geometry
    if axis_order == "yx":
        geom = shapely.transform(geometry, lambda c: c[:, ::-1])
    z_field, z_source = field_elevation(station, dem, source)
    eff, g = effective_heights(dem, np.array([geom], dtype=object), crs, np.array([height]), z_field)
    if g.errors[0] == "outside":
        raise InputError("dem_outside", path=dem.path)
    if g.errors[0] == "nodata":
        raise InputError("dem_nodata", path=dem.path, cells=int(g.cells[0]))
    facts = {
        "dem": dem.path, "building_height_m": _round(height), "ground_elevation_m": _round(g.ground_m[0]),
        "field_elevation_m": _round(z_field), "field_elevation_source": z_source,
        "effective_height_m": _round(eff[0]), "datum": dem.datum, "cells": int(g.cells[0]),
        "nodata_cells": int(g.nodata_cells[0]),
    }
    notes = [t("assume_dem", lang, path=dem.path, ground=_fmt(g.ground_m[0]), cells=int(g.cells[0]),
               field=_fmt(z_field), field_source=z_source, h=_fmt(height), eff=_fmt(eff[0]),
               datum=dem.datum)]
    if g.nodata_cells[0]:
        notes.append(t("assume_dem_partial", lang, nodata=int(g.nodata_cells[0]), cells=int(g.cells[0])))
    if eff[0] < 0:  # the top is below the field's ground: it obstructs nothing
        notes.append(t("assume_below_field", lang, eff=_fmt(eff[0])))
    return max(float(eff[0]), 0.0), facts, notes


def _pilot_dict(a: Assessment, i: int, lang: str) -> dict[str, Any] | None:
    if a.pilot is None:
        return None
    k = int(a.pilot.inside[i])
    if k < 0:
        return {"inside": False, "id": None, "name": None, "verdict": "pass", "storeys": None,
                "provisional_boundary": any(p.provisional for p in a.pilot.pilots),
                "findings": []}
    p = a.pilot.pilots[k]
    return {
        "inside": True,
        "id": p.id,
        "name": p.name_zh if lang == "zh" else p.name,
        "verdict": VERDICTS[int(a.pilot_verdict_code[i]) - 1],
        "storeys": _round(a.pilot.storeys[i], 0),
        "use": a.uses[i] if a.uses is not None else None,
        "provisional_boundary": p.provisional,
        "findings": [asdict(f) for f in a.pilot_findings(i, lang)],
    }
