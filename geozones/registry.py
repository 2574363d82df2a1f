"""The station registry: station files made from a table of stations and the national class
defaults.

A bureau keeps its stations in a table (id, name, position, elevation, class, field, wind,
source). :func:`station_toml` turns one such row into a station file
(``geozones.station/2``, the format of ``data/stations/jiangxian.toml``) whose zones and rule
rows are the defaults of the station's national class (State Council Order No. 623 classes:
reference climate station 基准站, basic station 基本站, general station 一般站), as
``RULES.md`` "National classes" gives them. Those defaults (each class's height-limit reach
and ratio, setbacks, sun-sector angle, and where each value comes from) are data:
``data/classes.toml``, read here; none is written in this module.

Only the basic-station values are confirmed from a regulation's text we hold (the Jiangxian
plan, 绛政办发〔2024〕26号, Art. 12, whose words are the rows' quotes). Every other value is
written with ``confirmed = false``, an empty quote, a reading that says where the value comes
from, and a ``note`` that every result the rule applies to repeats.

This module is pure: rows in, text out. Reading the table and writing files is
:mod:`geozones.cli.stations`.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

from .core.numbers import Bounds, parse_number

__all__ = ["CLASSES", "CLASS_ALIASES", "CLASS_NAMES", "COLUMNS", "COLUMN_ALIASES", "REQUIRED_COLUMNS",
           "StationRow", "RowError", "normalize_class", "normalize_header", "parse_row", "class_rules",
           "class_zones",
           "station_toml", "DEFAULT_FIELD_SIZE_M"]

#: The class defaults (zones, rule rows, their bases and the plan's words): ``data/classes.toml``.
_DATA: dict[str, Any] = tomllib.loads((resources.files("geozones.data") / "classes.toml").read_text(encoding="utf-8"))
#: The national classes, strictest reach first.
CLASSES: tuple[str, ...] = tuple(_DATA["classes"])
CLASS_NAMES: dict[str, dict[str, str]] = {c: {"en": v["en"], "zh": v["zh"]} for c, v in _DATA["classes"].items()}
#: The field side when the table gives none: GB 31221-2014 / the surface-observation code's
#: 25 m × 25 m field (the Jiangxian plan Art. 12.1 (1) also says 25 m). [m]
DEFAULT_FIELD_SIZE_M: float = _DATA["defaults"]["field_size_m"]
#: What a station file says where the table gives none (rotation, sun and check settings).
_DEFAULTS: dict[str, float] = _DATA["defaults"]
#: Names a table may use for each class (compared without case and spaces).
CLASS_ALIASES: dict[str, str] = {
    **{c: c for c in CLASSES},
    "基准站": "reference", "国家基准气候站": "reference", "基准气候站": "reference", "基准": "reference",
    "reference climate station": "reference", "national reference climate station": "reference",
    "基本站": "basic", "国家基本气象站": "basic", "基本气象站": "basic", "基本": "basic",
    "basic station": "basic", "national basic weather station": "basic",
    "一般站": "general", "国家一般气象站": "general", "一般气象站": "general", "一般": "general",
    "general station": "general", "national general weather station": "general",
}

#: The table's columns: name -> what it holds. ``REQUIRED_COLUMNS`` must be present.
COLUMNS: dict[str, str] = {
    "id": "station id, also the file name: letters, digits, _ and - (e.g. 53965)",
    "name": "station name (English or pinyin)",
    "name_zh": "Chinese name (default: name)",
    "lat": "latitude of the field centre, WGS84/CGCS2000 [deg]",
    "lon": "longitude of the field centre, WGS84/CGCS2000 [deg]",
    "elevation": "field elevation [m]",
    "class": "reference / basic / general (基准站 / 基本站 / 一般站)",
    "field_size": f"side of the square observation field [m] (default {DEFAULT_FIELD_SIZE_M:g})",
    "field_rotation": "clockwise rotation of the field from grid north [deg] (default 0)",
    "prevailing_wind": "prevailing wind, the azimuth it blows FROM [deg] (default: unknown)",
    "source": "where the position comes from (default: the table and its row)",
    "cma_id": "CMA station number (optional)",
}
REQUIRED_COLUMNS: tuple[str, ...] = ("id", "name", "lat", "lon", "elevation", "class")
#: Other headers accepted for each column (Chinese, and common spellings).
COLUMN_ALIASES: dict[str, str] = {
    **{c: c for c in COLUMNS},
    "站号": "id", "编号": "id", "站点编号": "id", "区站号": "id", "station_id": "id",
    "名称": "name", "站名": "name", "name_en": "name", "英文名": "name",
    "中文名": "name_zh", "中文名称": "name_zh", "站名中文": "name_zh",
    "纬度": "lat", "latitude": "lat", "latitude_deg": "lat",
    "经度": "lon", "longitude": "lon", "longitude_deg": "lon", "lng": "lon",
    "海拔": "elevation", "海拔高度": "elevation", "高程": "elevation", "elevation_m": "elevation",
    "类别": "class", "站类": "class", "台站类别": "class", "级别": "class", "station_class": "class",
    "观测场边长": "field_size", "观测场大小": "field_size", "field_size_m": "field_size",
    "观测场方位": "field_rotation", "观测场旋转": "field_rotation", "field_rotation_deg": "field_rotation",
    "rotation": "field_rotation",
    "盛行风向": "prevailing_wind", "主导风向": "prevailing_wind", "最多风向": "prevailing_wind",
    "prevailing_wind_from_deg": "prevailing_wind", "wind": "prevailing_wind",
    "来源": "source", "位置来源": "source", "position_source": "source",
    "台站号": "cma_id", "cma": "cma_id",
}

_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


class RowError(ValueError):
    """A table cell that cannot be used: ``column`` names it, ``key`` is the message key (geozones.text) of
    the fix (with ``params``)."""

    def __init__(self, column: str, key: str, **params: object) -> None:
        self.column, self.key, self.params = column, key, params
        super().__init__(f"{column}: {key} {params}")


@dataclass(frozen=True)
class StationRow:
    """One row of the table, checked. Degrees WGS84/CGCS2000, metres."""

    id: str
    name: str
    name_zh: str
    lat: float
    lon: float
    elevation_m: float
    station_class: str
    field_size_m: float
    field_rotation_deg: float
    prevailing_wind_from_deg: float | None
    source: str
    cma_id: int | None = None
    field_size_given: bool = True
    rotation_given: bool = True


def normalize_class(value: str) -> str | None:
    """The class a table names (``None`` when unknown).

    >>> normalize_class("一般站"), normalize_class(" Basic "), normalize_class("国家基准气候站")
    ('general', 'basic', 'reference')
    """
    key = re.sub(r"\s+", " ", str(value).strip().lower())
    return CLASS_ALIASES.get(key) or CLASS_ALIASES.get(key.replace(" ", ""))


def normalize_header(header: str) -> str | None:
    """The column a header names (``None`` when unknown).

    >>> normalize_header("纬度"), normalize_header(" Lat "), normalize_header("colour")
    ('lat', 'lat', None)
    """
    key = str(header).strip().lstrip("\ufeff").lower().replace(" ", "_")
    return COLUMN_ALIASES.get(key) or COLUMN_ALIASES.get(key.replace("_", ""))


def _number(row: Mapping[str, str], column: str, low: float, high: float, *,
            optional: bool = False) -> float | None:
    text = str(row.get(column) or "").strip()
    if not text:
        if optional:
            return None
        raise RowError(column, "registry_empty")
    bounds = Bounds(low, high)
    value = parse_number(text, bounds)
    if value is None:
        raise RowError(column, "registry_not_number", value=text)
    if bounds.problem(value) is not None:
        raise RowError(column, "registry_range", value=text, range=bounds.interval())
    return value


def parse_row(row: Mapping[str, str], default_source: str) -> StationRow:
    """Check one row (column names already normalised, see :func:`normalize_header`).

    Raises :class:`RowError` naming the column and the fix: an empty required cell, text that
    is not a number, latitude and longitude out of range or swapped, an unknown class, an id
    that cannot be a file name.
    """
    sid = str(row.get("id") or "").strip()
    if not sid:
        raise RowError("id", "registry_empty")
    if not _ID.fullmatch(sid):  # the whole id: it names the file
        raise RowError("id", "registry_bad_id", value=sid)
    name = str(row.get("name") or "").strip()
    name_zh = str(row.get("name_zh") or "").strip()
    if not name and not name_zh:
        raise RowError("name", "registry_empty")
    lat_text, lon_text = str(row.get("lat") or "").strip(), str(row.get("lon") or "").strip()
    try:
        la, lo = float(lat_text), float(lon_text)
    except ValueError:
        la = lo = math.nan  # reported below, cell by cell
    if math.isfinite(la) and math.isfinite(lo) and abs(la) > 89 and abs(lo) <= 89 and abs(la) <= 180:
        raise RowError("lat", "registry_swapped", lat=lat_text, lon=lon_text)
    lat = _number(row, "lat", -89.0, 89.0)
    lon = _number(row, "lon", -180.0, 180.0)
    elevation = _number(row, "elevation", -500.0, 9000.0)
    cls_text = str(row.get("class") or "").strip()
    cls = normalize_class(cls_text)
    if cls is None:
        raise RowError("class", "registry_bad_class", value=cls_text,
                       known="reference/basic/general, 基准站/基本站/一般站")
    size = _number(row, "field_size", 1.0, 1000.0, optional=True)
    rotation = _number(row, "field_rotation", -360.0, 360.0, optional=True)
    wind = _number(row, "prevailing_wind", 0.0, 360.0, optional=True)
    cma_text = str(row.get("cma_id") or "").strip()
    cma = None
    if cma_text:
        if not cma_text.isdigit() or int(cma_text) <= 0:
            raise RowError("cma_id", "registry_not_number", value=cma_text)
        cma = int(cma_text)
    source = str(row.get("source") or "").strip() or default_source
    assert lat is not None and lon is not None and elevation is not None
    return StationRow(sid, name or name_zh, name_zh or name, lat, lon, elevation, cls,
                      DEFAULT_FIELD_SIZE_M if size is None else size,
                      _DEFAULTS["field_rotation_deg"] if rotation is None else rotation, wind, source, cma,
                      size is not None, rotation is not None)


# --- the class defaults ------------------------------------------------------------------------

def _value(station_class: str, rule_id: str) -> dict[str, Any]:
    """The class's values of one rule row (``within`` or ``angle_deg``, ``ratio``, their bases)."""
    return _DATA["classes"][station_class][rule_id]


def class_zones(station_class: str) -> dict[str, float]:
    """The zone distances of a class [m]: ``protection`` (the nearest setback of roads and
    plants) and ``control`` (the height-limit reach). The national class values define no
    general zone beyond the height-limit reach (the Jiangxian plan's 2000 m / 5000 m upwind
    is that plan's own), so ``general`` and ``general_upwind`` equal ``control``.

    >>> class_zones("general")
    {'protection': 30.0, 'control': 800.0, 'general': 800.0, 'general_upwind': 800.0}
    """
    control = _value(station_class, "height_ratio")["within"]
    return {"protection": _value(station_class, "setback_road")["within"], "control": control,
            "general": control, "general_upwind": control}


def class_rules(station_class: str) -> list[dict[str, Any]]:
    """The rule rows of a class, as station-file rows (``[[rules]]``) with ``confirmed``.

    >>> [(r["id"], r.get("within"), r.get("ratio"), r["confirmed"]) for r in class_rules("general")][:2]
    [('height_ratio', 800.0, 0.125, False), ('setback_source', 200.0, None, False)]
    """
    label = CLASS_NAMES[station_class]
    bases = _DATA["bases"]
    rows = []
    for rid, shape in _DATA["rules"].items():
        v = _value(station_class, rid)
        basis = v["basis"]
        basis_en, basis_zh = bases[basis]["en"], bases[basis]["zh"]
        if shape["limit"] == "ratio":
            ratio, ratio_basis = v["ratio"], v["ratio_basis"]
            confirmed = basis == "plan" and ratio_basis == "plan"
            if ratio_basis != basis:
                basis_en += f"; ratio: {bases[ratio_basis]['en']}"
                basis_zh += f"；比值：{bases[ratio_basis]['zh']}"
            one_in = round(1 / ratio)
            value_en = f"H ≤ D / {one_in} within {v['within']:g} m of the fence"
            value_zh = f"围栏外 {v['within']:g} 米内 H ≤ D/{one_in}"
        elif shape["limit"] == "angle":
            confirmed = basis == "plan"
            value_en = f"in the sunrise and sunset directions, at any distance, H ≤ D × tan {v['angle_deg']:g}°"
            value_zh = f"日出、日落方向内不限距离 H ≤ D × tan {v['angle_deg']:g}°"
        elif shape["limit"] == "fixed":
            confirmed = basis == "plan"
            value_en = f"no plants taller than {shape['height_m']:g} m within {v['within']:g} m of the fence"
            value_zh = f"围栏外 {v['within']:g} 米内不得有高于 {shape['height_m']:g} 米的植物"
        else:
            confirmed = basis == "plan"
            value_en = f"distance to {shape['what']['en']} more than {v['within']:g} m"
            value_zh = f"与{shape['what']['zh']}距离大于 {v['within']:g} 米"
        row: dict[str, Any] = {"id": rid, "families": list(shape["families"]), "where": shape["where"]}
        if shape["where"] == "sun_sector":
            row.update(limit=shape["limit"], angle_deg=v["angle_deg"])
        else:
            row.update(within=v["within"], limit=shape["limit"])
            if shape["limit"] == "ratio":
                row["ratio"] = v["ratio"]
            if shape["limit"] == "fixed":
                row["height_m"] = shape["height_m"]
        row.update(severity=shape["severity"], word=shape["word"], confirmed=confirmed)
        if confirmed:
            from .text import article_label

            row.update(article=f"Jiangxian plan {shape['article']}",
                       article_zh="绛县规划" + article_label(shape["article"], "zh"),
                       document=_DATA["document"], quote_zh=shape["quote_zh"], quote_en=shape["quote_en"],
                       reading_en=f"Class default of a {label['en']}: {value_en}; the Jiangxian plan states it "
                                  "for a national basic station (Order 623 article unconfirmed).",
                       reading_zh=f"{label['zh']}类别默认值：{value_zh}；绛县规划对国家基本气象站有此原文"
                                  "（条例条款号未核实）。",
                       note="assume_class_default")
        else:
            row.update(article="Order No. 623 (article unconfirmed)", article_zh="国务院令第623号（条款未核实）",
                       quote_zh="", quote_en="",
                       reading_en=f"UNCONFIRMED class default of a {label['en']}: {value_en}. Source: {basis_en}. "
                                  "Check it against the regulation and the station's own plan.",
                       reading_zh=f"未经核实的{label['zh']}类别默认值：{value_zh}。来源：{basis_zh}。"
                                  "请对照条例原文及本站专项规划核实。",
                       note="assume_unconfirmed")
        rows.append(row)
    return rows


# --- writing the file --------------------------------------------------------------------------

#: The file's header comment. The names come from the table: :class:`TomlDocument` keeps
#: them on their comment lines (a line break in a name cannot start a key).
_HEADER = """\
{name} ({name_zh}): a station file made by `geozones stations import` from {table}.
Zones and rules are the DEFAULTS OF ITS CLASS ({cls_en}, {cls_zh}) in geozones (RULES.md
"National classes"), not this station's own protection plan: replace them with the plan's
values where it has one. Rows with `confirmed = false` are values NOT confirmed from a
regulation's text (their quotes are empty and their readings say where the value comes
from); every result such a rule applies to says so. The position is the table's; replace it
with the surveyed fence. Every distance is horizontal, in metres, from the observation-field
fence to the nearest point of the object. Fields: see data/stations/jiangxian.toml."""


def station_toml(row: StationRow, table: str = "the station table") -> str:
    """The station file (``geozones.station/2``) of one checked row, with its class defaults.

    Written by a TOML serialiser (:class:`geozones.io.serialise.TomlDocument`): every cell of
    the table is a value and reads back as it was given, whatever it holds (a line break and
    ``key = value`` in a name stay in the name). The text loads with
    :func:`geozones.station.load_station`; ``table`` names the source table in the header
    comment.
    """
    from .io.serialise import TomlDocument

    cls = row.station_class
    zones = class_zones(cls)
    doc = TomlDocument()
    kv = doc.kv
    for line in _HEADER.split("\n"):  # each line formatted on its own: a name's line break stays in it
        doc.comment(line.format(name=row.name, name_zh=row.name_zh, table=table,
                                cls_en=CLASS_NAMES[cls]["en"], cls_zh=CLASS_NAMES[cls]["zh"]))
    doc.blank()
    kv("schema", "geozones.station/2")
    doc.table("station")
    kv("id", row.id)
    kv("name", row.name)
    kv("name_zh", row.name_zh)
    if row.cma_id is not None:
        kv("cma_id", row.cma_id)
    kv("class", cls, CLASS_NAMES[cls]["zh"])
    doc.comment("Position of the field centre, WGS84 / CGCS2000 degrees, from the table.")
    kv("latitude_deg", row.lat)
    kv("longitude_deg", row.lon)
    kv("elevation_m", row.elevation_m)
    kv("position_source", row.source)
    kv("position_source_zh", row.source)
    kv("position_is_default", True, "not a surveyed fence: every result names the source")
    kv("rules_incomplete", False, "class defaults: the rows' notes say what is unconfirmed")
    doc.table("field")
    size, turn = f"{DEFAULT_FIELD_SIZE_M:g}", f"{_DEFAULTS['field_rotation_deg']:g}"
    kv("size_m", row.field_size_m, "" if row.field_size_given else f"not in the table: the standard {size} m field")
    kv("rotation_deg", row.field_rotation_deg, "" if row.rotation_given else f"not in the table: assumed {turn}°")
    kv("source", "station table" + ("" if row.field_size_given and row.rotation_given else
                                    f"; size {size} m (standard) and/or rotation {turn}° assumed where the table is empty"))
    kv("source_zh", "台站表" + ("" if row.field_size_given and row.rotation_given else
                             f"；表中未给出处按标准 {size} 米边长和/或 {turn}° 方位假定"))
    doc.table("zones")
    kv("protection_m", zones["protection"], "the nearest setback (roads, plants > 1 m) of the class")
    kv("control_m", zones["control"], "the class's height-limit reach (H ≤ D × ratio)")
    doc.comment("The class values define no general zone beyond the height-limit reach (the Jiangxian")
    doc.comment("plan's 2000 m / 5000 m upwind is that plan's own): general_m = general_upwind_m = control_m.")
    kv("general_m", zones["general"])
    kv("general_upwind_m", zones["general_upwind"])
    kv("upwind_sector_deg", _DEFAULTS["upwind_sector_deg"])
    if row.prevailing_wind_from_deg is None:
        doc.comment("Prevailing wind: not in the table (unknown). Set prevailing_wind_from_deg when known.")
    else:
        kv("prevailing_wind_from_deg", row.prevailing_wind_from_deg, "the azimuth the wind blows FROM [deg]")
    kv("source", f"class defaults ({cls}), geozones RULES.md 'National classes'")
    kv("source_zh", f"{CLASS_NAMES[cls]['zh']}类别默认值（geozones RULES.md“国家台站类别”）")
    doc.table("zones.names")
    p, c = f"{zones['protection']:g}", f"{zones['control']:g}"
    names = {
        "body": ("observation field", "观测场"),
        "protection": (f"inner setback range (0-{p} m)", f"近距保护范围（0–{p} 米）"),
        "control": (f"height-limit range ({p}-{c} m)", f"高度控制范围（{p}–{c} 米）"),
        "general": ("general protection zone", "一般保护区"),
        "outside": ("outside the protection zones", "保护区外"),
    }
    for zone, (en, zh) in names.items():
        kv(zone, {"en": en, "zh": zh})
    doc.table("zones.articles")
    for zone in ("body", "protection", "control", "general", "sunrise", "sunset"):
        kv(zone, "class default (Order No. 623 article unconfirmed)")
    angle = _value(cls, "sun_sector")["angle_deg"]
    doc.table("sun")
    doc.comment(f"Obstruction elevation ≤ {angle:g}° in the sunrise and sunset directions, out to sector_radius_m.")
    doc.comment("The sectors follow from the station latitude (cos A = (sin δ − sin φ sin h0) / (cos φ cos h0)).")
    kv("solstice_declination_deg", _DEFAULTS["solstice_declination_deg"])
    kv("horizon_altitude_deg", _DEFAULTS["horizon_altitude_deg"])
    radius = _DEFAULTS["sun_sector_radius_m"]
    kv("sector_radius_m", radius, f"at {radius / 1000:g} km the {angle:g}° limit permits "
                                  f"{radius * math.tan(math.radians(angle)) / 1000:.1f} km")
    kv("source", "solar geometry (Meeus, Astronomical Algorithms, ch. 15)")
    kv("source_zh", "太阳几何（Meeus《天文算法》第 15 章）")
    doc.table("checks")
    kv("plausible_radius_m", _DEFAULTS["plausible_radius_m"])
    kv("tolerance_m", _DEFAULTS["tolerance_m"])
    for rule in class_rules(cls):
        doc.blank()
        doc.array_table("rules")
        if not rule["confirmed"]:
            doc.comment("UNCONFIRMED: not from a regulation's text (see reading_en).")
        for key, value in rule.items():
            kv(key, value)
    return doc.text()
