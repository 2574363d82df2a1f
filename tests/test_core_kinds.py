"""Kinds, families and aliases (geozones/core/kinds.py), against the plan's list of obstacles and the
README's alias table."""

from __future__ import annotations

from pathlib import Path

import pytest

from geozones.core.kinds import HEIGHT_KINDS, KIND_ALIASES, KIND_FAMILIES, KINDS, kinds_of_families, normalize_kind

ROOT = Path(__file__).parent.parent


OBSTACLES = sorted(kinds_of_families(["obstacle"]))


ALIASES = {
    "锅炉": "boiler", "锅炉房": "boiler", "烟囱": "chimney", "排污口": "interference",
    "垃圾场": "interference", "干扰源": "interference", "污染源": "interference",
    "pollution": "interference", "加油站": "dangerous_goods", "危险品仓库": "dangerous_goods",
    "厂房": "industrial", "工厂": "industrial", "factory": "industrial", "基站": "transmitter",
    "铁塔": "transmitter", "高压线": "powerline", "输电塔": "powerline", "pylon": "powerline",
    "树木": "vegetation", "果园": "vegetation", "林地": "vegetation", "钻探": "drilling",
    "采石场": "mining", "焚烧": "burning", "放牧": "grazing", " Power  Line ": "powerline",
}


def test_obstacle_kinds_are_every_standing_thing():
    assert set(OBSTACLES) == {"building", "structure", "industrial", "chimney", "boiler",
                              "transmitter", "powerline", "dangerous_goods"}
    assert HEIGHT_KINDS == set(OBSTACLES) | {"vegetation"}


@pytest.mark.parametrize("alias, kind", sorted(ALIASES.items()))
def test_alias_table(alias, kind):
    assert normalize_kind(alias) == kind


def test_every_alias_names_a_kind_and_is_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Kinds and names", 1)[1].split("\n## ", 1)[0]
    for alias, kind in KIND_ALIASES.items():
        assert kind in KINDS
        assert f"`{alias}`" in section, alias
    for kind, families in KIND_FAMILIES.items():
        row = next(line for line in section.splitlines() if line.startswith(f"| `{kind}` |"))
        assert all(f in row for f in families), kind


def test_normalize_kind_folds_case_and_spaces_and_refuses_the_unknown():
    from geozones.core.kinds import normalize_kind, normalize_kinds

    assert normalize_kind("  Power   LINE ") == "powerline"
    assert normalize_kind("住宅") == "building" and normalize_kind("道路") == "road"
    assert normalize_kind(None) is None and normalize_kind("spaceship") is None
    assert list(normalize_kinds(["mast", "树", None])) == ["transmitter", normalize_kind("树"), None]


def test_is_member_over_arrays():
    import numpy as np

    from geozones.core.kinds import is_member

    got = is_member(np.array(["building", "road", None], dtype=object), frozenset({"building"}))
    assert got.tolist() == [True, False, False]
