"""The station registry: station files made from a table of stations and the national class
defaults.

A bureau keeps its stations in a table (id, name, position, elevation, class, field, wind,
source). :func:`station_toml` turns one such row into a station file
(``geozones.station/2``, the format of ``data/stations/jiangxian.toml``) whose zones and rule
rows are the defaults of the station's national class (State Council Order No. 623 classes:
reference climate station 基准站, basic station 基本站, general station 一般站), as
``RULES.md`` "National classes" gives them:

=============  ==========================  =====================================================
class          height limit                setbacks
=============  ==========================  =====================================================
reference      H ≤ D / 10 within 2000 m    dumps/sewage 500 m, railway 200 m, water 100 m,
                                           roads and plants > 1 m 50 m
basic          H ≤ D / 10 within 1000 m    the same
general        H ≤ D / 8 within 800 m      dumps 200 m, railway 100 m, ponds 50 m,
                                           roads and plants > 1 m 30 m
all            H ≤ D × tan 5° in the sunrise and sunset directions, at any distance
=============  ==========================  =====================================================

Only the basic-station values are confirmed from a regulation's text we hold: the Jiangxian
plan (绛政办发〔2024〕26号, Art. 12) states them for a national basic station, and its words
are the rows' quotes. Every other value (the reference-station 2000 m from a CMA
assessment-report template, the general-station values partly from memory of the
regulation) is written with ``confirmed = false``, an empty quote, a reading that says where
the value comes from, and a ``note`` that every result the rule applies to repeats.

This module is pure: rows in, text out. Reading the table and writing files is
:mod:`geozones.cli.stations`.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["CLASSES", "CLASS_ALIASES", "CLASS_NAMES", "COLUMNS", "COLUMN_ALIASES", "REQUIRED_COLUMNS",
           "StationRow", "RowError", "normalize_class", "normalize_header", "parse_row", "class_rules",
           "class_zones",
           "station_toml", "DEFAULT_FIELD_SIZE_M"]

#: The national classes, strictest reach first.
CLASSES: tuple[str, ...] = ("reference", "basic", "general")
CLASS_NAMES: dict[str, dict[str, str]] = {
    "reference": {"en": "national reference climate station", "zh": "国家基准气候站"},
    "basic": {"en": "national basic weather station", "zh": "国家基本气象站"},
    "general": {"en": "national general weather station", "zh": "国家一般气象站"},
}
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
    "field_size": f"side of the square observation field [m] (default {25.0:g})",
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

#: The field side when the table gives none: GB 31221-2014 / the surface-observation code's
#: 25 m × 25 m field (the Jiangxian plan Art. 12.1 (1) also says 25 m). [m]
DEFAULT_FIELD_SIZE_M = 25.0
_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class RowError(ValueError):
    """A table cell that cannot be used: ``column`` names it, ``key`` is the i18n message of
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
    try:
        value = float(text)
    except ValueError:
        raise RowError(column, "registry_not_number", value=text) from None
    if not math.isfinite(value) or not low <= value <= high:
        raise RowError(column, "registry_range", value=text, low=f"{low:g}", high=f"{high:g}")
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
    if not _ID.match(sid):
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
                      0.0 if rotation is None else rotation, wind, source, cma,
                      size is not None, rotation is not None)


# --- the class defaults ------------------------------------------------------------------------

_JX = "绛政办发〔2024〕26号 (Jiangxian plan)"
_ORDER_623 = ("State Council Order No. 623 (气象设施和气象探测环境保护条例), as public summaries "
              "restate it; article and wording not held here")
_ORDER_623_ZH = "国务院令第623号《气象设施和气象探测环境保护条例》（据公开摘要转述；条款号及原文未核实）"
_TEMPLATE = "a CMA observation-environment assessment-report template (not a regulation's text)"
_TEMPLATE_ZH = "中国气象局探测环境评估报告模板（非法规原文）"
_MEMORY = "recollection of the regulation, not checked against its text"
_MEMORY_ZH = "凭对条例的记忆，未与原文核对"

#: The basic-station rows the Jiangxian plan states in its own words (Art. 12.2-12.3): these
#: are the confirmed values, with the plan's quote.
_QUOTES: dict[str, tuple[str, str, str]] = {
    "height_ratio": ("Art. 12.3 (2) ⑥",
                     "在国家基本气象站观测场周边 1000 米探测环境保护范围内禁止修建高度超过距观测场距离 1/10 的建筑物、构筑物",
                     "Within the 1000 m observation-environment protection range around the observation field of a national "
                     "basic station, buildings and structures higher than 1/10 of their distance to the observation field are "
                     "prohibited"),
    "setback_source": ("Art. 12.3 (2) ④", "与垃圾场、排污口等干扰源距离大于 500 米",
                       "Distance to garbage dumps, sewage outlets and similar interference sources more than 500 m"),
    "setback_railway": ("Art. 12.3 (2) ③", "与铁路路基距离大于 200 米",
                        "Distance to the railway subgrade more than 200 m"),
    "setback_water": ("Art. 12.3 (2) ②", "与大型水体距离大于 100 米", "Distance to large water bodies more than 100 m"),
    "setback_road": ("Art. 12.3 (2) ①", "与公路路基距离大于 50 米", "Distance to the road subgrade more than 50 m"),
    "vegetation": ("Art. 12.2 (2) ③", "观测场围栏四周 50 米内不得种植高于 1 米的植物。",
                   "No plants taller than 1 m may be planted within 50 m around the observation-field fence."),
    "sun_sector": ("Art. 12.3 (2) ⑦",
                   "国家基本气象站在日出方向和日落方向内(此范围不受控制区限制), 障碍物遮挡仰角不大于 5°",
                   "For a national basic station, in the sunrise and sunset directions (this range is not limited by "
                   "the control zone), the obstruction elevation angle of obstacles is not more than 5°"),
}

#: Per class: (height-limit reach [m], ratio, its basis) and the setbacks [m] with their basis.
#: A basis is "plan" (confirmed: the Jiangxian plan's words for a basic station), "order"
#: (public summaries of Order 623), "template" (CMA assessment template) or "memory".
_CLASS_VALUES: dict[str, dict[str, tuple[float, str]]] = {
    "reference": {"height_reach": (2000.0, "template"), "ratio": (0.1, "order"),
                  "setback_source": (500.0, "order"), "setback_railway": (200.0, "order"),
                  "setback_water": (100.0, "plan_other"), "setback_road": (50.0, "order"),
                  "vegetation": (50.0, "order"), "sun_sector": (5.0, "code")},
    "basic": {"height_reach": (1000.0, "plan"), "ratio": (0.1, "plan"),
              "setback_source": (500.0, "plan"), "setback_railway": (200.0, "plan"),
              "setback_water": (100.0, "plan"), "setback_road": (50.0, "plan"),
              "vegetation": (50.0, "plan"), "sun_sector": (5.0, "plan")},
    "general": {"height_reach": (800.0, "template"), "ratio": (0.125, "template"),
                "setback_source": (200.0, "memory"), "setback_railway": (100.0, "memory"),
                "setback_water": (50.0, "memory"), "setback_road": (30.0, "memory"),
                "vegetation": (30.0, "memory"), "sun_sector": (5.0, "code")},
}

_BASIS: dict[str, tuple[str, str]] = {
    "plan": ("the Jiangxian plan's words for a national basic station", "绛县规划对国家基本气象站的原文"),
    "plan_other": ("the Jiangxian plan's value for a national basic station, applied to this class",
                   "绛县规划对国家基本气象站的数值，套用于本类别"),
    "order": (_ORDER_623, _ORDER_623_ZH),
    "template": (_TEMPLATE, _TEMPLATE_ZH),
    "memory": (_MEMORY, _MEMORY_ZH),
    "code": ("the national surface-observation code (地面气象观测规范 §1.2) as RULES.md restates it; text not held",
             "《地面气象观测规范》第1.2节（据 RULES.md 转述，原文未核实）"),
}

#: What each rule binds and limits (families, limit, severity), as the Jiangxian rows do.
_RULE_SHAPES: dict[str, dict[str, Any]] = {
    "height_ratio": {"families": ["obstacle"], "limit": "ratio", "word": "禁止"},
    "setback_source": {"families": ["interference"], "limit": "forbid", "word": "大于"},
    "setback_railway": {"families": ["railway"], "limit": "forbid", "word": "大于"},
    "setback_water": {"families": ["water"], "limit": "forbid", "word": "大于"},
    "setback_road": {"families": ["road"], "limit": "forbid", "word": "大于"},
    "vegetation": {"families": ["plant"], "limit": "fixed", "height_m": 1.0, "word": "不得"},
    "sun_sector": {"families": ["obstacle", "plant"], "limit": "angle", "word": "不大于"},
}
_WHAT: dict[str, tuple[str, str]] = {
    "setback_source": ("garbage dumps, sewage outlets and similar interference sources", "垃圾场、排污口等干扰源"),
    "setback_railway": ("the railway subgrade", "铁路路基"),
    "setback_water": ("large water bodies (ponds)", "大型水体（池塘）"),
    "setback_road": ("the road subgrade", "公路路基"),
}


def class_zones(station_class: str) -> dict[str, float]:
    """The zone distances of a class [m]: ``protection`` (the nearest setback of roads and
    plants) and ``control`` (the height-limit reach). The national class values define no
    general zone beyond the height-limit reach (the Jiangxian plan's 2000 m / 5000 m upwind
    is that plan's own), so ``general`` and ``general_upwind`` equal ``control``.

    >>> class_zones("general")
    {'protection': 30.0, 'control': 800.0, 'general': 800.0, 'general_upwind': 800.0}
    """
    v = _CLASS_VALUES[station_class]
    control = v["height_reach"][0]
    return {"protection": v["setback_road"][0], "control": control, "general": control,
            "general_upwind": control}


def class_rules(station_class: str) -> list[dict[str, Any]]:
    """The rule rows of a class, as station-file rows (``[[rules]]``) with ``confirmed``.

    >>> [(r["id"], r.get("within"), r.get("ratio"), r["confirmed"]) for r in class_rules("general")][:2]
    [('height_ratio', 800.0, 0.125, False), ('setback_source', 200.0, None, False)]
    """
    values = _CLASS_VALUES[station_class]
    label = CLASS_NAMES[station_class]
    rows = []
    for rid, shape in _RULE_SHAPES.items():
        distance, basis = values["height_reach"] if rid == "height_ratio" else values[rid]
        if rid == "height_ratio":
            ratio, ratio_basis = values["ratio"]
            confirmed = basis == "plan" and ratio_basis == "plan"
            basis_en = _BASIS[basis][0] + (f"; ratio: {_BASIS[ratio_basis][0]}" if ratio_basis != basis else "")
            basis_zh = _BASIS[basis][1] + (f"；比值：{_BASIS[ratio_basis][1]}" if ratio_basis != basis else "")
            one_in = round(1 / ratio)
            value_en = f"H ≤ D / {one_in} within {distance:g} m of the fence"
            value_zh = f"围栏外 {distance:g} 米内 H ≤ D/{one_in}"
        elif rid == "sun_sector":
            confirmed = basis == "plan"
            basis_en, basis_zh = _BASIS[basis]
            value_en = f"in the sunrise and sunset directions, at any distance, H ≤ D × tan {distance:g}°"
            value_zh = f"日出、日落方向内不限距离 H ≤ D × tan {distance:g}°"
        elif rid == "vegetation":
            confirmed = basis == "plan"
            basis_en, basis_zh = _BASIS[basis]
            value_en = f"no plants taller than 1 m within {distance:g} m of the fence"
            value_zh = f"围栏外 {distance:g} 米内不得有高于 1 米的植物"
        else:
            confirmed = basis == "plan"
            basis_en, basis_zh = _BASIS[basis]
            what_en, what_zh = _WHAT[rid]
            value_en = f"distance to {what_en} more than {distance:g} m"
            value_zh = f"与{what_zh}距离大于 {distance:g} 米"
        row: dict[str, Any] = {"id": rid, "families": list(shape["families"])}
        if rid == "sun_sector":
            row.update(where="sun_sector", limit="angle", angle_deg=distance)
        else:
            row.update(where="band", within=distance, limit=shape["limit"])
            if rid == "height_ratio":
                row["ratio"] = values["ratio"][0]
            if rid == "vegetation":
                row["height_m"] = 1.0
        row.update(severity="fail", word=shape["word"], confirmed=confirmed)
        if confirmed:
            article, zh, en = _QUOTES[rid]
            from .text import article_label

            row.update(article=f"Jiangxian plan {article}", article_zh="绛县规划" + article_label(article, "zh"),
                       document=_JX, quote_zh=zh, quote_en=en,
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

def _toml(value: Any) -> str:
    """A TOML value: strings as basic strings (JSON's escapes are TOML's), numbers, lists."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(float(value))
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    raise TypeError(type(value))


_HEADER = """\
# {name} ({name_zh}): a station file made by `geozones stations import` from {table}.
# Zones and rules are the DEFAULTS OF ITS CLASS ({cls_en}, {cls_zh}) in geozones (RULES.md
# "National classes"), not this station's own protection plan: replace them with the plan's
# values where it has one. Rows with `confirmed = false` are values NOT confirmed from a
# regulation's text (their quotes are empty and their readings say where the value comes
# from); every result such a rule applies to says so. The position is the table's; replace it
# with the surveyed fence. Every distance is horizontal, in metres, from the observation-field
# fence to the nearest point of the object. Fields: see data/stations/jiangxian.toml.
"""


def station_toml(row: StationRow, table: str = "the station table") -> str:
    """The station file (``geozones.station/2``) of one checked row, with its class defaults.

    The text loads with :func:`geozones.station.load_station`; ``table`` names the source
    table in the header comment.
    """
    cls = row.station_class
    zones = class_zones(cls)
    out = [_HEADER.format(name=row.name, name_zh=row.name_zh, table=table.replace("\n", " "),
                          cls_en=CLASS_NAMES[cls]["en"], cls_zh=CLASS_NAMES[cls]["zh"]),
           'schema = "geozones.station/2"', "", "[station]"]

    def kv(key: str, value: Any, comment: str = "") -> None:
        out.append(f"{key} = {_toml(value)}" + (f"   # {comment}" if comment else ""))

    kv("id", row.id)
    kv("name", row.name)
    kv("name_zh", row.name_zh)
    if row.cma_id is not None:
        kv("cma_id", row.cma_id)
    kv("class", cls, CLASS_NAMES[cls]["zh"])
    out.append("# Position of the field centre, WGS84 / CGCS2000 degrees, from the table.")
    kv("latitude_deg", row.lat)
    kv("longitude_deg", row.lon)
    kv("elevation_m", row.elevation_m)
    kv("position_source", row.source)
    kv("position_source_zh", row.source)
    kv("position_is_default", True, "not a surveyed fence: every result names the source")
    kv("rules_incomplete", False, "class defaults: the rows' notes say what is unconfirmed")
    out += ["", "[field]"]
    kv("size_m", row.field_size_m, "" if row.field_size_given else "not in the table: the standard 25 m field")
    kv("rotation_deg", row.field_rotation_deg, "" if row.rotation_given else "not in the table: assumed 0°")
    kv("source", "station table" + ("" if row.field_size_given and row.rotation_given else
                                    "; size 25 m (standard) and/or rotation 0° assumed where the table is empty"))
    kv("source_zh", "台站表" + ("" if row.field_size_given and row.rotation_given else
                             "；表中未给出处按标准 25 米边长和/或 0° 方位假定"))
    out += ["", "[zones]"]
    kv("protection_m", zones["protection"], "the nearest setback (roads, plants > 1 m) of the class")
    kv("control_m", zones["control"], "the class's height-limit reach (H ≤ D × ratio)")
    out.append("# The class values define no general zone beyond the height-limit reach (the Jiangxian")
    out.append("# plan's 2000 m / 5000 m upwind is that plan's own): general_m = general_upwind_m = control_m.")
    kv("general_m", zones["general"])
    kv("general_upwind_m", zones["general_upwind"])
    kv("upwind_sector_deg", 90.0)
    if row.prevailing_wind_from_deg is None:
        out.append("# Prevailing wind: not in the table (unknown). Set prevailing_wind_from_deg when known.")
    else:
        kv("prevailing_wind_from_deg", row.prevailing_wind_from_deg, "the azimuth the wind blows FROM [deg]")
    kv("source", f"class defaults ({cls}), geozones RULES.md 'National classes'")
    kv("source_zh", f"{CLASS_NAMES[cls]['zh']}类别默认值（geozones RULES.md“国家台站类别”）")
    out += ["", "[zones.names]"]
    p, c = f"{zones['protection']:g}", f"{zones['control']:g}"
    names = {
        "body": ("observation field", "观测场"),
        "protection": (f"inner setback range (0-{p} m)", f"近距保护范围（0–{p} 米）"),
        "control": (f"height-limit range ({p}-{c} m)", f"高度控制范围（{p}–{c} 米）"),
        "general": ("general protection zone", "一般保护区"),
        "outside": ("outside the protection zones", "保护区外"),
    }
    for zone, (en, zh) in names.items():
        out.append(f"{zone} = {{ en = {_toml(en)}, zh = {_toml(zh)} }}")
    out += ["", "[zones.articles]"]
    for zone in ("body", "protection", "control", "general", "sunrise", "sunset"):
        kv(zone, "class default (Order No. 623 article unconfirmed)")
    out += ["", "[sun]",
            "# Obstruction elevation ≤ 5° in the sunrise and sunset directions, out to sector_radius_m.",
            "# The sectors follow from the station latitude (cos A = (sin δ − sin φ sin h0) / (cos φ cos h0))."]
    kv("solstice_declination_deg", 23.44)
    kv("horizon_altitude_deg", -0.833)
    kv("sector_radius_m", 100000.0, "at 100 km the 5° limit permits 8.7 km")
    kv("source", "solar geometry (Meeus, Astronomical Algorithms, ch. 15)")
    kv("source_zh", "太阳几何（Meeus《天文算法》第 15 章）")
    out += ["", "[checks]"]
    kv("plausible_radius_m", 50000.0)
    kv("tolerance_m", 0.001)
    for rule in class_rules(cls):
        out += [""]
        if not rule["confirmed"]:
            out.append("# UNCONFIRMED: not from a regulation's text (see reading_en).")
        out.append("[[rules]]")
        for key, value in rule.items():
            kv(key, value)
    return "\n".join(out) + "\n"
