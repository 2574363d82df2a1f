"""Reading a station file into a :class:`~geozones.core.station.Station`.

The file (TOML) holds the station's position, field, zone distances, sun-sector parameters
and the rule rows; see ``data/stations/jiangxian.toml``, which documents every field and its
source. Schema ``geozones.station/2`` adds the zones' names and articles (``[zones.names]``,
``[zones.articles]``), the CRSs tried to diagnose coordinate mistakes
(``[checks].crs_candidates``) and the storey height (``[buildings].storey_height_m``); files
of schema ``geozones.station/1`` load unchanged (names made from the distances, the articles
of the Jiangxian plan, CRSs derived from the longitude, no storey height).
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from .core.numbers import STOREY_HEIGHT_M, Bounds
from .core.rules import DEFAULT_TOLERANCE_M, parse_rule
from .core.station import ZONE_IDS, Station
from .core.text import Text
from .errors import StationFileError

__all__ = ["Station", "load_station", "loads_station", "load_stations", "default_station_path", "STATION_SCHEMA",
           "STATION_SCHEMAS"]

#: The schema written today, and every schema read.
STATION_SCHEMA = "geozones.station/2"
STATION_SCHEMAS: tuple[str, ...] = ("geozones.station/1", STATION_SCHEMA)
DEFAULT_STATION = "jiangxian"
#: Zone articles of files of schema /1 (which have no ``[zones.articles]``): the Jiangxian
#: plan's, the only plan /1 files were written for.
V1_ZONE_ARTICLES: dict[str, str] = {
    "body": "Art. 12.1", "protection": "Art. 12.2", "control": "Art. 12.3",
    "general": "Art. 11, 13", "sunrise": "Art. 12.3 ⑦", "sunset": "Art. 12.3 ⑦",
}


def default_station_path() -> Path:
    """The shipped Jiangxian station file.

    Returns
    -------
    Path
        ``data/stations/jiangxian.toml`` (绛政办发〔2024〕26号 as rule rows).
    """
    return Path(str(resources.files("geozones.data") / "stations" / f"{DEFAULT_STATION}.toml"))


def _table(doc: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    value = doc.get(name)
    if not isinstance(value, dict):
        raise StationFileError("station_field", field=f"[{name}]", expected="a table")
    return value


def _num(table: Mapping[str, Any], name: str, key: str, *, low: float | None = None,
         high: float | None = None) -> float:
    """A number of the file: finite, ``low`` ≤ x ≤ ``high`` (:class:`~geozones.core.numbers.Bounds`,
    the check every number a user gives goes through)."""
    bounds = Bounds(low, high)
    value = bounds.number(table.get(key))
    if value is not None:
        return value
    raise StationFileError("station_field", field=f"[{name}].{key}", expected=bounds.expected())


def _opt_num(table: Mapping[str, Any], name: str, key: str, *, low: float | None = None,
             high: float | None = None) -> float | None:
    """:func:`_num` for a key that may be left out: None then."""
    if table.get(key) is None:
        return None
    return _num(table, name, key, low=low, high=high)


def _str(table: Mapping[str, Any], name: str, key: str, default: str | None = None) -> str:
    value = table.get(key, default)
    if not isinstance(value, str):
        raise StationFileError("station_field", field=f"[{name}].{key}", expected="text")
    return value


def read_toml(path: Path, kind: str = "station") -> dict[str, Any]:
    """A zone-set file (``kind`` "station" or "pilot") as a dict; a missing or malformed file
    gets a :class:`~geozones.errors.StationFileError` naming it and its kind, and a file past
    :attr:`~geozones.core.limits.Limits.max_file_mb` is refused before it is read."""
    from .core.limits import limits

    try:
        with open(path, "rb") as fh:
            limits().check_file(os.fstat(fh.fileno()).st_size, str(path), f"file_{kind}")
            return tomllib.load(fh)
    except (FileNotFoundError, IsADirectoryError):
        raise StationFileError(f"{kind}_missing", path=str(path)) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise StationFileError(f"{kind}_syntax", path=str(path), why=str(exc)) from None


def load_station(path: str | Path | None = None) -> Station:
    """Read a station file; ``None`` reads the shipped Jiangxian station.

    Raises :class:`~geozones.errors.StationFileError` naming the field that is missing or
    wrong, or the file that cannot be read.

    Parameters
    ----------
    path : str or Path, optional
        A station file (``geozones.station/1`` or ``/2`` schema).

    Returns
    -------
    Station
        The station: its field, zones [m], sun sectors [deg] and rule rows with their articles.
    """
    path = Path(path) if path is not None else default_station_path()
    doc = read_toml(path)
    try:
        return _parse(doc, str(path))
    except StationFileError as exc:
        if "path" not in exc.params:
            exc = StationFileError(exc.key, path=str(path), **exc.params)
        raise exc from None


def loads_station(text: str, path: str = "<text>") -> Station:
    """A station from the text of a station file (``path`` names it in errors): what
    :func:`load_station` reads, for files made in memory (``geozones stations import``).

    Parameters
    ----------
    text : str
        The TOML text of a station file.
    path : str
        The name shown in errors.

    Returns
    -------
    Station
        The station, as :func:`load_station` gives it.
    """
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise StationFileError("station_syntax", path=path, why=str(exc)) from None
    try:
        return _parse(doc, path)
    except StationFileError as exc:
        if "path" not in exc.params:
            exc = StationFileError(exc.key, path=path, **exc.params)
        raise exc from None


def load_stations(path: str | Path) -> tuple[Station, ...]:
    """Every station of a folder of station files (``*.toml``, by file name), or of one file.

    Raises :class:`~geozones.errors.StationFileError` when the folder holds no station file,
    when two files give the same ``[station].id``, or naming the file that cannot be read.

    Parameters
    ----------
    path : str or Path
        A folder of station files, or one station file.

    Returns
    -------
    tuple of Station
        The stations, in file-name order.

    Examples
    --------

    >>> [s.id for s in load_stations(default_station_path().parent)]
    ['jiangxian']
    """
    path = Path(path)
    if not path.is_dir():
        return (load_station(path),)
    files = sorted(f for f in path.iterdir() if f.suffix.lower() == ".toml" and f.is_file())
    if not files:
        raise StationFileError("stations_empty", path=str(path))
    stations: list[Station] = []
    seen: dict[str, Path] = {}
    for f in files:
        st = load_station(f)
        if st.id in seen:
            raise StationFileError("stations_duplicate_id", id=st.id, first=str(seen[st.id]), path=str(f))
        seen[st.id] = f
        stations.append(st)
    return tuple(stations)


#: The fields each table of a station file may have (anything else is a typo: reported).
STATION_KEYS: dict[str, frozenset[str]] = {
    "": frozenset({"schema", "station", "field", "zones", "sun", "checks", "rules", "buildings", "sunshine"}),
    "station": frozenset({"id", "name", "name_zh", "cma_id", "class", "latitude_deg", "longitude_deg",
                          "elevation_m", "position_source", "position_source_zh",
                          "position_is_default", "rules_incomplete", "legal_bases", "source"}),
    "field": frozenset({"size_m", "rotation_deg", "source", "source_zh"}),
    "zones": frozenset({"protection_m", "control_m", "general_m", "general_upwind_m",
                        "upwind_sector_deg", "prevailing_wind_from_deg", "names", "articles",
                        "source", "source_zh"}),
    "sun": frozenset({"solstice_declination_deg", "horizon_altitude_deg", "sector_radius_m", "source", "source_zh"}),
    "checks": frozenset({"plausible_radius_m", "tolerance_m", "crs_candidates", "source"}),
    "buildings": frozenset({"storey_height_m", "source"}),
    "sunshine": frozenset({"recorder_height_m", "reference_year", "clear_sky_model", "utc_offset_h", "source"}),
}


def _sunshine(doc: Mapping[str, Any]) -> dict[str, Any]:
    """The ``[sunshine]`` settings of the sun figures (each optional, with its default)."""
    from .core.sunshine import CLEAR_SKY_MODELS

    sun = _table(doc, "sunshine") if "sunshine" in doc else {}
    out: dict[str, Any] = {}
    if "recorder_height_m" in sun:
        out["sunshine_recorder_height_m"] = _num(sun, "sunshine", "recorder_height_m", low=0.0, high=100.0)
    if "reference_year" in sun:
        out["sunshine_year"] = int(_num(sun, "sunshine", "reference_year", low=1900, high=2100))
        if out["sunshine_year"] != sun["reference_year"]:
            raise StationFileError("station_field", field="[sunshine].reference_year",
                                   expected="a whole year between 1900 and 2100")
    if "clear_sky_model" in sun:
        model = _str(sun, "sunshine", "clear_sky_model")
        if model not in CLEAR_SKY_MODELS:
            raise StationFileError("station_field", field="[sunshine].clear_sky_model",
                                   expected=" or ".join(f'"{m}"' for m in CLEAR_SKY_MODELS))
        out["sunshine_clear_sky"] = model
    if "utc_offset_h" in sun:
        out["sunshine_utc_offset_h"] = _num(sun, "sunshine", "utc_offset_h", low=-12.0, high=14.0)
    return out


def _unknown_keys(doc: Mapping[str, Any]) -> None:
    for table, known in STATION_KEYS.items():
        section = doc if not table else doc.get(table)
        if not isinstance(section, dict):
            continue
        for key in section:
            if key not in known:
                raise StationFileError("station_unknown_key", field=f"[{table}].{key}" if table else key,
                                       known=", ".join(sorted(known)))


def _names(zones: Mapping[str, Any]) -> dict[str, Text]:
    names = zones.get("names", {})
    if not isinstance(names, dict):
        raise StationFileError("station_field", field="[zones.names]", expected="a table")
    out = {}
    for zone, entry in names.items():
        if zone not in (*ZONE_IDS, "sunrise", "sunset") or not isinstance(entry, dict) \
                or not isinstance(entry.get("en"), str):
            raise StationFileError("station_field", field=f"[zones.names].{zone}",
                                   expected="a zone id (" + ", ".join(ZONE_IDS) + ", sunrise, sunset) "
                                   "with en = \"...\" and zh = \"...\"")
        out[zone] = Text(entry["en"], entry.get("zh"))
    return out


def _articles(zones: Mapping[str, Any], v1: bool) -> dict[str, str]:
    if v1:
        return dict(V1_ZONE_ARTICLES)
    arts = zones.get("articles", {})
    if not isinstance(arts, dict) or not all(isinstance(v, str) for v in arts.values()):
        raise StationFileError("station_field", field="[zones.articles]",
                               expected="a table of zone id = \"article\"")
    return dict(arts)


def _parse(doc: Mapping[str, Any], path: str) -> Station:
    schema = doc.get("schema")
    if schema not in STATION_SCHEMAS:
        raise StationFileError("station_field", field="schema",
                               expected=" or ".join(f'"{v}"' for v in STATION_SCHEMAS))
    v1 = schema == STATION_SCHEMAS[0]
    _unknown_keys(doc)
    st, fld, zones, sun = (_table(doc, n) for n in ("station", "field", "zones", "sun"))
    checks = _table(doc, "checks") if "checks" in doc else {}
    buildings = {} if v1 else (_table(doc, "buildings") if "buildings" in doc else {})
    candidates = () if v1 else checks.get("crs_candidates", ())
    if not isinstance(candidates, list | tuple) or not all(isinstance(c, str) for c in candidates):
        raise StationFileError("station_field", field="[checks].crs_candidates",
                               expected='a list of CRSs such as ["EPSG:4546", "EPSG:4525"]')
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
    source = _str(st, "station", "position_source", default="station file")
    return Station(
        id=_str(st, "station", "id"),
        name=Text(_str(st, "station", "name"),
                  _str(st, "station", "name_zh", default=_str(st, "station", "name"))),
        cma_id=int(cma) if isinstance(cma, int) else None,
        station_class=_str(st, "station", "class", default="basic"),
        latitude_deg=_num(st, "station", "latitude_deg", low=-89.0, high=89.0),
        longitude_deg=_num(st, "station", "longitude_deg", low=-180.0, high=180.0),
        elevation_m=_num(st, "station", "elevation_m", low=-500.0, high=9000.0),
        position_source=Text(source, _str(st, "station", "position_source_zh", default=source)),
        position_is_default=bool(st.get("position_is_default", False)),
        field_size_m=_num(fld, "field", "size_m", low=1.0, high=1000.0),
        field_rotation_deg=_num(fld, "field", "rotation_deg", low=-360.0, high=360.0),
        protection_m=protection,
        control_m=control,
        general_m=general,
        general_upwind_m=_num(zones, "zones", "general_upwind_m", low=0),
        upwind_sector_deg=_num(zones, "zones", "upwind_sector_deg", low=0.0, high=360.0),
        prevailing_wind_from_deg=_opt_num(zones, "zones", "prevailing_wind_from_deg", low=0.0,
                                          high=360.0),
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
        sources={k: Text(str(t.get("source", "")), str(t.get("source_zh", "")) or None)
                 for k, t in (("field", fld), ("zones", zones), ("sun", sun))},
        zone_names={} if v1 else _names(zones),
        zone_articles=_articles(zones, v1),
        crs_candidates=tuple(candidates),
        storey_height_m=_opt_num(buildings, "buildings", "storey_height_m", low=STOREY_HEIGHT_M.min,
                                 high=STOREY_HEIGHT_M.max),
        schema=str(schema),
        **_sunshine(doc),
    )
