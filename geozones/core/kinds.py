"""Kinds of proposal, the rule families each kind belongs to, and the names users call them by.

A *kind* is what a proposal is (a mast, a chimney, a road). A *family* is a group of objects a
rule of the Jiangxian plan (绛政办发〔2024〕26号, Art. 10-16) names: "建筑物、构筑物" and
"障碍物" (everything that stands), "干扰源" (interference sources), "作物、树木" (plants), and so
on. A kind belongs to one or more families and every rule of each of its families binds it:
a kind adds rules, it never exempts an object from a rule of another family. A chimney is an
obstacle with a height (Art. 12.3 ⑥ ⑦), an interference source (Art. 10, 12.3 ④: 废气) and a
smoke-emitting facility (Art. 13 (3)), so all three sets of rules apply to it.

The tables below are the one place this is defined; README "Kinds and names" prints them.
"""

from __future__ import annotations

import numpy as np

from .arrays import is_none

__all__ = ["is_member", "KINDS", "FAMILIES", "KIND_FAMILIES", "HEIGHT_FAMILIES", "HEIGHT_KINDS", "KIND_ALIASES",
           "USES", "USE_ALIASES", "kinds_of_families", "normalize_kind", "normalize_kinds",
           "normalize_use", "normalize_many"]

#: Rule families: the objects the plan's articles name, with the articles that bind them.
FAMILIES: dict[str, str] = {
    "obstacle": "everything that stands: 建筑物、构筑物、障碍物 (Art. 10.2, 12.1, 12.2 ②, 12.3 ⑥ ⑦, 13 (1), 16.2)",
    "plant": "作物、树木, plants taller than 1 m (Art. 10.2, 12.1, 12.2 ③, 12.3 ⑦, 16.4)",
    "road": "公路路基 (Art. 12.2 ②, 12.3 ①)",
    "railway": "铁路路基 (Art. 12.2 ②, 12.3 ③)",
    "water": "大型水体 (Art. 12.3 ②)",
    "interference": "干扰源: 大型锅炉、废水、废气、垃圾场、排污口 (Art. 10, 12.3 ④)",
    "dangerous_goods": "堆放危险物品 (Art. 12.2 ①)",
    "drilling": "钻探 (Art. 12.2 ①, 12.3 ⑤)",
    "earthworks": "爆破、采石、挖砂、取土 (Art. 12.2 ①, 12.3 ⑤, 16.3)",
    "burning": "焚烧 (Art. 16.3)",
    "grazing": "放牧 (Art. 16.3)",
    "industry": "工矿区, 易产生烟幕等污染大气的设施 (Art. 13 (3))",
    "transmitter": "大功率无线电发射台, 高频电磁辐射装置 (Art. 13 (2), 16.5)",
    "powerline": "高压输电线 (Art. 13 (2))",
}

#: Every kind and the families it belongs to, in the order they are documented.
KIND_FAMILIES: dict[str, frozenset[str]] = {
    "building": frozenset({"obstacle"}),
    "structure": frozenset({"obstacle"}),
    "industrial": frozenset({"obstacle", "industry"}),
    "chimney": frozenset({"obstacle", "interference", "industry"}),
    "boiler": frozenset({"obstacle", "interference", "industry"}),
    "transmitter": frozenset({"obstacle", "transmitter"}),
    "powerline": frozenset({"obstacle", "powerline"}),
    "dangerous_goods": frozenset({"obstacle", "dangerous_goods"}),
    "vegetation": frozenset({"plant"}),
    "road": frozenset({"road"}),
    "railway": frozenset({"railway"}),
    "water": frozenset({"water"}),
    "interference": frozenset({"interference"}),
    "earthworks": frozenset({"earthworks"}),
    "mining": frozenset({"earthworks", "industry"}),
    "drilling": frozenset({"drilling"}),
    "burning": frozenset({"burning"}),
    "grazing": frozenset({"grazing"}),
}

KINDS: tuple[str, ...] = tuple(KIND_FAMILIES)

#: Families whose objects have a height the rules limit.
HEIGHT_FAMILIES: frozenset[str] = frozenset({"obstacle", "plant"})
#: Kinds with a height the rules limit (Art. 12.2 ③, 12.3 ⑥ ⑦, 13 (1), 16.2, 16.4).
HEIGHT_KINDS: frozenset[str] = frozenset(k for k, f in KIND_FAMILIES.items() if f & HEIGHT_FAMILIES)


def kinds_of_families(families) -> frozenset[str]:
    """Every kind that belongs to any of ``families``.

    >>> sorted(kinds_of_families(["interference"]))
    ['boiler', 'chimney', 'interference']
    """
    fams = set(families)
    return frozenset(k for k, f in KIND_FAMILIES.items() if f & fams)


#: Values found in planning data (Chinese and English) and the kind each one means.
#: Matching is case-insensitive and ignores surrounding white space. One mast is one kind
#: whatever it is called (基站, 铁塔, 发射塔, 通信塔, mast, tower).
KIND_ALIASES: dict[str, str] = {
    # English
    "house": "building", "residential": "building", "housing": "building",
    "warehouse": "building",
    "bridge": "structure", "wall": "structure", "billboard": "structure",
    "factory": "industrial", "industry": "industrial", "plant building": "industrial",
    "workshop": "industrial",
    "stack": "chimney", "smokestack": "chimney",
    "boiler house": "boiler", "boiler room": "boiler",
    "tower": "transmitter", "mast": "transmitter", "antenna": "transmitter", "radio": "transmitter",
    "base station": "transmitter", "radio transmitter": "transmitter", "radar": "transmitter",
    "power line": "powerline", "transmission line": "powerline", "pylon": "powerline",
    "high-voltage line": "powerline",
    "petrol station": "dangerous_goods", "gas station": "dangerous_goods",
    "filling station": "dangerous_goods", "dangerous goods": "dangerous_goods",
    "dangerous goods store": "dangerous_goods", "explosives store": "dangerous_goods",
    "tree": "vegetation", "trees": "vegetation", "crop": "vegetation", "crops": "vegetation",
    "orchard": "vegetation", "forest": "vegetation", "woodland": "vegetation",
    "plants": "vegetation",
    "highway": "road", "street": "road", "rail": "railway",
    "pond": "water", "lake": "water", "reservoir": "water", "river": "water",
    "pollution": "interference", "interference source": "interference",
    "dump": "interference", "landfill": "interference", "sewage": "interference",
    "outfall": "interference", "sewage outlet": "interference",
    "waste water outlet": "interference", "waste gas outlet": "interference",
    "quarry": "mining", "mine": "mining",
    "blasting": "earthworks", "sand digging": "earthworks", "soil taking": "earthworks",
    "fire": "burning", "open burning": "burning", "pasture": "grazing",
    # Chinese (中文)
    "建筑": "building", "建筑物": "building", "房屋": "building", "住宅": "building",
    "居住": "building", "居住建筑": "building", "公共建筑": "building", "楼": "building",
    "仓库": "building",
    "构筑物": "structure", "桥梁": "structure", "围墙": "structure", "广告牌": "structure",
    "工业": "industrial", "工厂": "industrial", "厂房": "industrial", "工业用地": "industrial",
    "工业建筑": "industrial", "车间": "industrial",
    "烟囱": "chimney", "烟筒": "chimney",
    "锅炉": "boiler", "锅炉房": "boiler", "大型锅炉": "boiler",
    "塔": "transmitter", "铁塔": "transmitter", "基站": "transmitter", "发射塔": "transmitter",
    "通信塔": "transmitter", "通讯塔": "transmitter", "发射台": "transmitter",
    "无线电发射台": "transmitter", "通信基站": "transmitter", "雷达": "transmitter",
    "高压线": "powerline", "输电线": "powerline", "高压输电线": "powerline",
    "输电塔": "powerline", "电力线": "powerline", "输电线路": "powerline", "电塔": "powerline",
    "加油站": "dangerous_goods", "加气站": "dangerous_goods", "危险品仓库": "dangerous_goods",
    "危险品": "dangerous_goods", "危险物品": "dangerous_goods", "油库": "dangerous_goods",
    "植被": "vegetation", "植物": "vegetation", "树木": "vegetation", "作物": "vegetation",
    "树": "vegetation", "果园": "vegetation", "林地": "vegetation", "树林": "vegetation",
    "农作物": "vegetation",
    "道路": "road", "公路": "road", "路": "road", "街道": "road",
    "铁路": "railway", "高铁": "railway",
    "水体": "water", "水面": "water", "水库": "water", "池塘": "water", "河流": "water",
    "湖泊": "water",
    "干扰源": "interference", "污染源": "interference", "源体": "interference",
    "垃圾场": "interference", "排污口": "interference", "垃圾填埋场": "interference",
    "废水排放口": "interference", "废气排放口": "interference",
    "采矿": "mining", "矿山": "mining", "采石场": "mining", "工矿": "industrial",
    "土方": "earthworks", "爆破": "earthworks", "采石": "earthworks", "挖砂": "earthworks",
    "采砂": "earthworks", "取土": "earthworks",
    "钻探": "drilling",
    "焚烧": "burning", "放牧": "grazing",
}
KIND_ALIASES.update({k: k for k in KINDS})


def normalize_kind(value: object) -> str | None:
    """Return the kind ``value`` names, or ``None`` when it names none.

    >>> normalize_kind(" 道路 "), normalize_kind("Building"), normalize_kind("spaceship")
    ('road', 'building', None)
    >>> {normalize_kind(v) for v in ("基站", "铁塔", "发射塔", "通信塔", "mast", "tower")}
    {'transmitter'}
    """
    if value is None:
        return None
    text = " ".join(str(value).strip().lower().split())
    return KIND_ALIASES.get(text)


def is_member(values: object, members: frozenset[str]) -> np.ndarray:
    """``np.isin(values, list(members))`` for an object array of names, without sorting the
    strings (a set lookup per row: fast for one row and for a million).

    >>> is_member(np.array(["building", "road", None], dtype=object), HEIGHT_KINDS).tolist()
    [True, False, False]
    """
    arr = np.asarray(values, dtype=object)
    items = arr.ravel().tolist()
    try:   # the set's own lookup, mapped in C: a third of a generator's time
        return np.fromiter(map(members.__contains__, items), dtype=bool, count=len(items)).reshape(arr.shape)
    except TypeError:   # an unhashable value (a list): never a name
        return np.fromiter((isinstance(v, str) and v in members for v in items), dtype=bool,
                           count=len(items)).reshape(arr.shape)


def normalize_many(values: object, normalize) -> np.ndarray:
    """``normalize`` applied once per distinct value of an array (values stripped of white
    space); missing or blank values give ``None``, as do values ``normalize`` does not know."""
    arr = np.asarray(values, dtype=object)
    missing = is_none(arr)
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
