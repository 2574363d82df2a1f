"""A weather station and its protection zones, as read from a station file.

The file (TOML, schema ``geozones.station/1``) holds the station's position, field, zone
distances, sun-sector parameters and the rule rows; see ``data/stations/jiangxian.toml``,
which documents every field and its source.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Mapping

from .errors import StationFileError
from .rules import DEFAULT_TOLERANCE_M, Rule, parse_rule

__all__ = ["Station", "load_station", "default_station_path", "STATION_SCHEMA"]

STATION_SCHEMA = "geozones.station/2"
#: Schemas still read: /1 rows name kinds only, have no tolerance (the default is used).
STATION_SCHEMAS: tuple[str, ...] = ("geozones.station/1", STATION_SCHEMA)
DEFAULT_STATION = "jiangxian"


@dataclass(frozen=True)
class Station:
    """A station: position, observation field, zones, sun parameters and rules.

    Distances are metres from the fence of the square field; angles are degrees clockwise
    from true north; position is WGS84/CGCS2000 degrees of the field centre.
    """

    id: str
    name: str
    name_zh: str
    cma_id: int | None
    station_class: str
    latitude_deg: float
    longitude_deg: float
    elevation_m: float
    position_source: str
    position_is_default: bool
    position_source_zh: str
    field_size_m: float
    field_rotation_deg: float
    protection_m: float
    control_m: float
    general_m: float
    general_upwind_m: float
    upwind_sector_deg: float
    prevailing_wind_from_deg: float | None
    solstice_declination_deg: float
    horizon_altitude_deg: float
    sun_sector_radius_m: float
    plausible_radius_m: float
    rules: tuple[Rule, ...]
    source_path: str = ""
    sources: Mapping[str, str] = field(default_factory=dict)
    #: Thresholds are decided with this tolerance ([checks] tolerance_m). [m]
    tolerance_m: float = DEFAULT_TOLERANCE_M
    #: The plan's annexes (protection-standard table, maps) are not published, so the rules
    #: may be incomplete ([station] rules_incomplete); said in every result's assumptions.
    rules_incomplete: bool = False

    def rule(self, rule_id: str) -> Rule:
        """The rule with id ``rule_id`` (KeyError if the station has none)."""
        for r in self.rules:
            if r.id == rule_id:
                return r
        raise KeyError(rule_id)

    @property
    def general_extent_m(self) -> float:
        """Farthest reach of the general zone from the fence. [m]"""
        if self.prevailing_wind_from_deg is None:
            return self.general_m
        return max(self.general_m, self.general_upwind_m)


def default_station_path() -> Path:
    """The shipped Jiangxian station file."""
    return Path(str(resources.files("geozones.data") / "stations" / f"{DEFAULT_STATION}.toml"))


def _table(doc: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    value = doc.get(name)
    if not isinstance(value, dict):
        raise StationFileError("station_field", field=f"[{name}]", expected="a table")
    return value


def _num(table: Mapping[str, Any], name: str, key: str, *, low: float | None = None,
         high: float | None = None, optional: bool = False) -> float | None:
    value = table.get(key)
    if value is None and optional:
        return None
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    if ok and low is not None and not value >= low:
        ok = False
    if ok and high is not None and not value <= high:
        ok = False
    if not ok:
        rng = f" in [{low}, {high}]" if low is not None and high is not None else (
            f" ≥ {low}" if low is not None else "")
        raise StationFileError("station_field", field=f"[{name}].{key}", expected="a finite number" + rng)
    return float(value)


def _str(table: Mapping[str, Any], name: str, key: str, default: str | None = None) -> str:
    value = table.get(key, default)
    if not isinstance(value, str):
        raise StationFileError("station_field", field=f"[{name}].{key}", expected="text")
    return value


def read_toml(path: Path, kind: str = "station") -> dict[str, Any]:
    """A zone-set file (``kind`` "station" or "pilot") as a dict; a missing or malformed file
    gets a :class:`~geozones.errors.StationFileError` naming it and its kind."""
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except (FileNotFoundError, IsADirectoryError):
        raise StationFileError(f"{kind}_missing", path=str(path)) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise StationFileError(f"{kind}_syntax", path=str(path), why=str(exc)) from None


def load_station(path: str | Path | None = None) -> Station:
    """Read a station file; ``None`` reads the shipped Jiangxian station.

    Raises :class:`~geozones.errors.StationFileError` naming the field that is missing or
    wrong, or the file that cannot be read.
    """
    path = Path(path) if path is not None else default_station_path()
    doc = read_toml(path)
    try:
        return _parse(doc, str(path))
    except StationFileError as exc:
        if "path" not in exc.params:
            exc = StationFileError(exc.key, path=str(path), **exc.params)
        raise exc from None


#: The fields each table of a station file may have (anything else is a typo: reported).
STATION_KEYS: dict[str, frozenset[str]] = {
    "": frozenset({"schema", "station", "field", "zones", "sun", "checks", "rules"}),
    "station": frozenset({"id", "name", "name_zh", "cma_id", "class", "latitude_deg", "longitude_deg",
                          "elevation_m", "position_source", "position_source_zh",
                          "position_is_default", "rules_incomplete", "legal_bases", "source"}),
    "field": frozenset({"size_m", "rotation_deg", "source"}),
    "zones": frozenset({"protection_m", "control_m", "general_m", "general_upwind_m",
                        "upwind_sector_deg", "prevailing_wind_from_deg", "source"}),
    "sun": frozenset({"solstice_declination_deg", "horizon_altitude_deg", "sector_radius_m", "source"}),
    "checks": frozenset({"plausible_radius_m", "tolerance_m", "source"}),
}


def _unknown_keys(doc: Mapping[str, Any]) -> None:
    for table, known in STATION_KEYS.items():
        section = doc if not table else doc.get(table)
        if not isinstance(section, dict):
            continue
        for key in section:
            if key not in known:
                raise StationFileError("station_unknown_key", field=f"[{table}].{key}" if table else key,
                                       known=", ".join(sorted(known)))


def _parse(doc: Mapping[str, Any], path: str) -> Station:
    if doc.get("schema") not in STATION_SCHEMAS:
        raise StationFileError("station_field", field="schema",
                               expected=" or ".join(f'"{v}"' for v in STATION_SCHEMAS))
    _unknown_keys(doc)
    st, fld, zones, sun = (_table(doc, n) for n in ("station", "field", "zones", "sun"))
    checks = _table(doc, "checks") if "checks" in doc else {}
    cma = st.get("cma_id")
    if cma is not None and (isinstance(cma, bool) or not isinstance(cma, int) or cma <= 0):
        raise StationFileError("station_field", field="[station].cma_id", expected="a whole number > 0")
    if not isinstance(st.get("position_is_default", False), bool):
        raise StationFileError("station_field", field="[station].position_is_default",
                               expected="true or false")
    protection = _num(zones, "zones", "protection_m", low=0)
    control = _num(zones, "zones", "control_m", low=0)
    general = _num(zones, "zones", "general_m", low=0)
    if not protection < control <= general:
        raise StationFileError(
            "station_field", field="[zones]",
            expected="protection_m < control_m <= general_m",
        )
    bounds = {"body": 0.0, "protection": protection, "control": control, "general": general}
    rows = doc.get("rules")
    if not isinstance(rows, list) or not rows:
        raise StationFileError("station_field", field="[[rules]]", expected="at least one rule row")
    rules = tuple(parse_rule(r, i, bounds) for i, r in enumerate(rows))
    ids = [r.id for r in rules]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise StationFileError("station_field", field="[[rules]].id", expected="unique ids, not " + ", ".join(dupes))
    cma = st.get("cma_id")
    return Station(
        id=_str(st, "station", "id"),
        name=_str(st, "station", "name"),
        name_zh=_str(st, "station", "name_zh", default=_str(st, "station", "name")),
        cma_id=int(cma) if isinstance(cma, int) else None,
        station_class=_str(st, "station", "class", default="basic"),
        latitude_deg=_num(st, "station", "latitude_deg", low=-89.0, high=89.0),
        longitude_deg=_num(st, "station", "longitude_deg", low=-180.0, high=180.0),
        elevation_m=_num(st, "station", "elevation_m", low=-500.0, high=9000.0),
        position_source=_str(st, "station", "position_source", default="station file"),
        position_is_default=bool(st.get("position_is_default", False)),
        position_source_zh=_str(st, "station", "position_source_zh",
                                default=_str(st, "station", "position_source", default="station file")),
        field_size_m=_num(fld, "field", "size_m", low=1.0, high=1000.0),
        field_rotation_deg=_num(fld, "field", "rotation_deg", low=-360.0, high=360.0),
        protection_m=protection,
        control_m=control,
        general_m=general,
        general_upwind_m=_num(zones, "zones", "general_upwind_m", low=0),
        upwind_sector_deg=_num(zones, "zones", "upwind_sector_deg", low=0.0, high=360.0),
        prevailing_wind_from_deg=_num(zones, "zones", "prevailing_wind_from_deg", low=0.0,
                                      high=360.0, optional=True),
        solstice_declination_deg=_num(sun, "sun", "solstice_declination_deg", low=0.0, high=30.0),
        horizon_altitude_deg=_num(sun, "sun", "horizon_altitude_deg", low=-5.0, high=5.0),
        sun_sector_radius_m=_num(sun, "sun", "sector_radius_m", low=1.0),
        plausible_radius_m=_num(checks, "checks", "plausible_radius_m", low=1.0)
        if "plausible_radius_m" in checks else 50000.0,
        rules=rules,
        tolerance_m=_num(checks, "checks", "tolerance_m", low=0.0, high=1.0)
        if "tolerance_m" in checks else DEFAULT_TOLERANCE_M,
        rules_incomplete=bool(st.get("rules_incomplete", False)),
        source_path=path,
        sources={k: str(t.get("source", "")) for k, t in (("field", fld), ("zones", zones), ("sun", sun))},
    )
