"""Tests of test_core_kinds."""

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
