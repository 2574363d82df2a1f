"""Kinds of proposal, the names users may call them by, and which kinds carry a height.

The kinds follow the objects named in Art. 12-13 of the Jiangxian plan
(绛政办发〔2024〕26号) and GB 31221-2014.
"""

from __future__ import annotations

import numpy as np

__all__ = ["KINDS", "HEIGHT_KINDS", "KIND_ALIASES", "USES", "USE_ALIASES", "normalize_kind",
           "normalize_kinds", "normalize_use", "normalize_many"]

#: Every kind a proposal may have, in the order they are documented.
KINDS: tuple[str, ...] = (
    "building",
    "structure",
    "road",
    "railway",
    "water",
    "pollution",
    "earthworks",
    "vegetation",
    "industrial",
    "transmitter",
    "powerline",
)

#: Kinds whose height the rules limit (Art. 12.2 ③, 12.3 ⑥ ⑦, 13 (1)). For every other kind
#: ``max_height_m`` is ``None``.
HEIGHT_KINDS: frozenset[str] = frozenset({"building", "structure", "vegetation"})

#: Values found in planning data (Chinese and English) and the kind each one means.
#: Matching is case-insensitive and ignores surrounding white space.
KIND_ALIASES: dict[str, str] = {
    # English
    "house": "building", "residential": "building", "housing": "building",
    "tower": "structure", "mast": "structure", "chimney": "structure", "bridge": "structure",
    "highway": "road", "street": "road", "rail": "railway",
    "pond": "water", "lake": "water", "reservoir": "water", "river": "water",
    "dump": "pollution", "landfill": "pollution", "sewage": "pollution", "outfall": "pollution",
    "quarry": "earthworks", "mining": "earthworks", "blasting": "earthworks",
    "drilling": "earthworks", "tree": "vegetation", "trees": "vegetation", "crop": "vegetation",
    "factory": "industrial", "industry": "industrial",
    "radio": "transmitter", "antenna": "transmitter",
    "power line": "powerline", "transmission line": "powerline",
    # Chinese (中文)
    "建筑": "building", "建筑物": "building", "房屋": "building", "住宅": "building",
    "居住": "building", "居住建筑": "building", "公共建筑": "building", "楼": "building",
    "构筑物": "structure", "塔": "structure", "铁塔": "structure", "烟囱": "structure",
    "道路": "road", "公路": "road", "路": "road", "街道": "road",
    "铁路": "railway", "高铁": "railway",
    "水体": "water", "水面": "water", "水库": "water", "池塘": "water", "河流": "water",
    "湖泊": "water",
    "污染源": "pollution", "垃圾场": "pollution", "排污口": "pollution",
    "垃圾填埋场": "pollution",
    "土方": "earthworks", "爆破": "earthworks", "钻探": "earthworks", "采石": "earthworks",
    "挖砂": "earthworks", "取土": "earthworks", "采矿": "earthworks",
    "植被": "vegetation", "植物": "vegetation", "树木": "vegetation", "作物": "vegetation",
    "工业": "industrial", "工矿": "industrial", "工厂": "industrial", "工业用地": "industrial",
    "发射台": "transmitter", "无线电发射台": "transmitter", "基站": "transmitter",
    "高压线": "powerline", "输电线": "powerline", "高压输电线": "powerline",
}
KIND_ALIASES.update({k: k for k in KINDS})


def normalize_kind(value: object) -> str | None:
    """Return the kind ``value`` names, or ``None`` when it names none.

    >>> normalize_kind(" 道路 "), normalize_kind("Building"), normalize_kind("spaceship")
    ('road', 'building', None)
    """
    if value is None:
        return None
    text = str(value).strip().lower()
    return KIND_ALIASES.get(text)


def normalize_many(values: object, normalize) -> np.ndarray:
    """``normalize`` applied once per distinct value of an array (values stripped of white
    space); missing or blank values give ``None``, as do values ``normalize`` does not know."""
    arr = np.asarray(values, dtype=object)
    missing = np.equal(arr, None)
    text = np.char.strip(np.where(missing, "", arr).astype(str))
    uniq, inverse = np.unique(text, return_inverse=True)
    mapped = np.array([None if u == "" else normalize(u) for u in uniq], dtype=object)
    return mapped[inverse.reshape(arr.shape)]


def normalize_kinds(values: object) -> np.ndarray:
    """Vectorised :func:`normalize_kind`: an object array with ``None`` where unknown."""
    return normalize_many(values, normalize_kind)


#: Building uses the pilot-area rules distinguish (Pinglu plan §2 (3), (8)).
USES: tuple[str, ...] = ("residential", "public", "other")

USE_ALIASES: dict[str, str] = {
    "residential": "residential", "housing": "residential", "house": "residential",
    "dwelling": "residential", "居住": "residential", "住宅": "residential",
    "居住建筑": "residential", "住房": "residential", "r": "residential",
    "public": "public", "commercial": "public", "公共": "public", "公共建筑": "public",
    "公建": "public", "商业": "public", "办公": "public", "b": "public",
    "other": "other", "industrial": "other", "其他": "other", "工业": "other",
}


def normalize_use(value: object) -> str | None:
    """Return the use ``value`` names (``residential``, ``public``, ``other``) or ``None``.

    >>> normalize_use("住宅"), normalize_use("Public"), normalize_use(None)
    ('residential', 'public', None)
    """
    if value is None:
        return None
    return USE_ALIASES.get(str(value).strip().lower())
