"""The message catalogue (geozones.text.catalogue) and its files, messages/en.toml and zh.toml.

The files are read here with tomllib directly, so the checks of their content do not go
through the catalogue they test; expected strings are written out by hand.
"""

import re
import string
import tomllib
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import CRS

from geozones.core.coords import from_frame
from geozones.text import (
    KIND_NAMES,
    LANGS,
    VERDICT_NAMES,
    ZONE_NAMES,
    Key,
    article_label,
    has_message,
    name,
    needs_cjk,
    t,
    zone_name,
)

ROOT = Path(__file__).resolve().parents[1]
MESSAGES = ROOT / "geozones" / "text" / "messages"
NAME_TABLES = ("verdicts", "zones", "kinds")

#: Messages deliberately in English only: zh.toml leaves them out (a comment says why) and
#: Chinese output shows the English.
ENGLISH_ONLY = {"rpt_duty_en"}  # the English translation of Art. 14, 15.1 beside the Chinese original

#: Messages whose Chinese wording deliberately uses other parameters than the English
#: (each key: the parameters only one language uses).
PARAMETERS_DIFFER = {
    "zone_span": {"a", "b"},        # the Chinese zone names carry no distance band
    "hz_sun": {"article"},          # "日出/日落方向" names the rule without its article
    "hz_fence_sun": {"limit"},      # the Chinese names the angle, the English the article
    "op_quote": {"en"},             # the opinion quotes the plan in Chinese, in English with the translation
}


def _file(lang):
    return tomllib.loads((MESSAGES / f"{lang}.toml").read_text(encoding="utf-8"))


def _messages(lang):
    """key -> text over every message table of the file (not the name tables)."""
    out = {}
    for group, table in _file(lang).items():
        if group not in NAME_TABLES:
            out.update(table)
    return out


def _params(message):
    return {field.split(".")[0].split("[")[0].split("!")[0]
            for _, field, _, _ in string.Formatter().parse(message) if field is not None}


def test_one_file_per_language():
    assert sorted(p.stem for p in MESSAGES.glob("*.toml")) == sorted(LANGS) == ["en", "zh"]


@pytest.mark.parametrize("lang", LANGS)
def test_a_key_is_in_one_table_only(lang):
    seen = {}
    for group, table in _file(lang).items():
        assert isinstance(table, dict), group
        for key, message in table.items():
            assert isinstance(message, str) and message, (group, key)
            if group not in NAME_TABLES:
                assert key not in seen, f"{key} in [{seen.get(key)}] and [{group}]"
                seen[key] = group


def test_every_key_has_english_and_chinese():
    en, zh = _file("en"), _file("zh")
    assert list(en) == list(zh)  # the same tables in the same order
    for table in en:
        assert set(zh[table]) == set(en[table]) - ENGLISH_ONLY, table
    assert ENGLISH_ONLY <= set(_messages("en"))
    # the English-only ones say why, in zh.toml itself
    zh_text = (MESSAGES / "zh.toml").read_text(encoding="utf-8")
    for key in ENGLISH_ONLY:
        assert re.search(rf"^# {key}: English only \(.+\)$", zh_text, re.M), key


def test_every_placeholder_is_the_same_in_english_and_chinese():
    en, zh = _messages("en"), _messages("zh")
    differ = {key: _params(en[key]) ^ _params(zh[key]) for key in zh if _params(en[key]) != _params(zh[key])}
    assert differ == PARAMETERS_DIFFER


def test_name_tables_name_every_kind_and_verdict():
    from geozones.core.kinds import KINDS
    from geozones.core.rules import VERDICTS

    for lang in LANGS:
        names = _file(lang)
        assert set(names["verdicts"]) == {*VERDICTS, "error", "info"}
        assert set(names["kinds"]) == set(KINDS)
        assert set(names["zones"]) == {"body", "protection", "control", "general", "outside", "sunrise", "sunset"}


def test_every_key_named_in_the_code_is_in_the_catalogue():
    """Literal keys in t("..."), Key("..."), SomeError("...") and RowError(column, "...")."""
    source = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "geozones").rglob("*.py"))
    keys = set(re.findall(r'\b(?:t|Key)\(\s*"([a-z][a-z0-9_]+)"', source))
    keys |= set(re.findall(r'(?<!Row)Error\(\s*"([a-z][a-z0-9_]+)"', source))
    keys |= set(re.findall(r'RowError\(\s*"[a-z_]+",\s*"([a-z][a-z0-9_]+)"', source))
    assert len(keys) > 150
    assert keys - set(_messages("en")) == set()


def test_t_formats_a_message_in_both_languages():
    params = dict(km="12.5", limit_km="10", crs="EPSG:4326")
    assert t("coords_far", "en", **params) == (
        "the site is 12.5 km from the nearest station or pilot area (more than 10 km): "
        "check --crs (given EPSG:4326) and the axis order")
    assert t("coords_far", "zh", **params) == (
        "该地块距最近的气象站或试点区 12.5 公里（超过 10 公里）：请检查 --crs（当前 EPSG:4326）和坐标轴顺序")


def test_t_applies_format_specs_literal_braces_and_translates_key_parameters():
    pos = dict(lat=35.50537, lon=111.574512, source="the plan")
    assert t("assume_position", "en", **pos).startswith("Station position is the default (35.5054 N, 111.5745 E) from the plan;")
    assert t("assume_position", "zh", **pos).startswith("气象站位置采用默认值（北纬 35.5054，东经 111.5745），来源：the plan；")
    assert t("tiles_url", "en", tiles="x", choices="osm") == (
        "--tiles 'x' is neither one of osm nor a tile URL with {z}, {x} and {y}")
    # a parameter that is itself a message key is put in the same language
    assert t("row_not_number", "en", what=Key("word_height"), value="abc") == "height 'abc' is not a number"
    assert t("row_not_number", "zh", what=Key("word_height"), value="abc") == "高度“abc”不是数值"
    # a parameter not given shows as ?
    assert t("dem_needed", "en") == "--mode ? needs --dem"


def test_unknown_language_and_english_only_messages_fall_back_to_english():
    assert t("dem_needed", "fr", mode="ground") == "--mode ground needs --dem"
    assert t("dem_needed", "", mode="ground") == "--mode ground needs --dem"
    assert t("dem_needed", "zh", mode="ground") == "--mode ground 需要 --dem"
    assert t("rpt_duty_en", "zh") == t("rpt_duty_en", "en")
    assert t("rpt_duty_en", "en").startswith("Art. 14: departments approving a project")
    assert name(VERDICT_NAMES, "review", "fr") == "review" and name(VERDICT_NAMES, "review", "zh") == "需审查"


def test_a_missing_key_raises_key_error_naming_it():
    with pytest.raises(KeyError, match="no message 'no_such_key'"):
        t("no_such_key", "zh")
    assert not has_message("no_such_key") and has_message("pilot_msg_pilot_storeys_max")


def test_name_tables_read_as_mappings():
    assert name(KIND_NAMES, "water", "en") == "water body" and name(KIND_NAMES, "water", "zh") == "水体"
    assert name(KIND_NAMES, "tower", "zh") == "tower"  # not a kind: the key itself
    assert list(KIND_NAMES)[:3] == ["building", "structure", "road"]  # the file's order (the map's kind list)
    assert len(VERDICT_NAMES) == 5 and dict(ZONE_NAMES["general"]) == {"en": "general protection zone", "zh": "一般保护区"}


def test_zone_names_with_and_without_a_station():
    from geozones.station import load_station

    station = load_station()  # the shipped Jiangxian station: control belt 50-1000 m
    assert zone_name(station, "control", "en") == "construction control belt (50-1000 m)"
    assert zone_name(station, "control", "zh") == "建设控制地带"
    assert zone_name(None, "protection", "en") == "construction protection range"
    assert zone_name(None, "sunset", "zh") == "日落方向"
    assert zone_name(None, "nowhere", "zh") == "nowhere"


def test_article_labels_in_chinese():
    # Art. N.M (k) ⑥: 第N条 M(k)⑥, numerals written out by hand
    assert article_label("Art. 12.3 (2) ⑥", "zh") == "第十二条 3(2)⑥"
    assert article_label("Art. 12.1", "zh") == "第十二条 1"
    assert article_label("Art. 13 (1); Art. 16.2", "zh") == "第十三条(1)；第十六条 2"
    assert article_label("Art. 12.3 (2) ④; Art. 10", "zh") == "第十二条 3(2)④；第十条"
    assert article_label("Art. 20, Art. 21", "zh") == "第二十条、第二十一条"
    assert article_label("Art. 12.3 (2) ⑥", "en") == "Art. 12.3 (2) ⑥"
    # a label without "Art." passes through; a row's own Chinese label wins in Chinese only
    assert article_label("§ 4.2", "zh") == "§ 4.2"
    assert article_label("Art. 7", "zh", "第七条（本站）") == "第七条（本站）"
    assert article_label("Art. 7", "en", "第七条（本站）") == "Art. 7"


def test_needs_cjk():
    assert needs_cjk("zh") and not needs_cjk("en") and not needs_cjk("fr")


def test_messages_are_package_data():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    assert "geozones.text" in config["packages"]
    globs = config["package-data"]["geozones.text"]
    assert {p.name for g in globs for p in (ROOT / "geozones" / "text").glob(g)} == {"en.toml", "zh.toml"}


def test_a_key_parameter_carries_its_own_numbers():
    """The core names what a field must be by key and numbers; the words come from here."""
    assert t("station_field", "en", path="s.toml", field="ratio", expected=Key("expect_finite", range="x ≥ 0")) == (
        "station file s.toml: field ratio must be a finite number with x ≥ 0; fix that field")
    assert t("station_field", "zh", path="s.toml", field="ratio", expected=Key("expect_finite", range="x ≥ 0")) == (
        "站点文件 s.toml：字段 ratio 应为 满足 x ≥ 0 的有限数，请修改该字段")


def test_core_errors_read_in_chinese_without_english_words():
    import numpy as np

    import geozones
    from geozones.core.rules import parse_rule
    from geozones.errors import StationFileError

    row = dict(id="r", where="general", limit="ratio", ratio=-1.0, severity="review", families=["obstacle"],
               article="Art. 13 (1)", quote_zh="…", quote_en="…")
    with pytest.raises(StationFileError) as err:
        parse_rule(row, 2, {"general": 2000.0})
    assert str(err.value) == "station file ?: field rules[2] (r).ratio must be a finite number with x > 0; fix that field"
    assert err.value.localized("zh") == "站点文件 ?：字段 rules[2] (r).ratio 应为 满足 x > 0 的有限数，请修改该字段"
    a = geozones.assess(np.array(["POINT (111.5745 35.5054)", "POLYGON((1 2, 3"], dtype=object), kind="building", height=10)
    assert str(a.problems[1]).startswith("row 2: 'POLYGON((1 2, 3' is neither WKT nor an existing file")
    assert a.problems[1].localized("zh").startswith("第 2 行：“POLYGON((1 2, 3”既不是 WKT")


# --- words in use: articles, assumptions and messages in Chinese (from test_i18n) ---

def _gdf(frame, geoms, **cols):
    out = from_frame(np.array(geoms, dtype=object), frame.crs, CRS.from_epsg(4546))
    return gpd.GeoDataFrame(cols, geometry=gpd.GeoSeries(out, crs=4546), crs=4546)


def test_check_and_gz_message_name_articles_in_chinese(frame):
    import geozones
    from geozones.pilot import load_pilots
    from geozones.text import article_label

    # 300 m north of the fence, 31 m: over H <= D / 10 = 30 m (Art. 12.3 (2) ⑥)
    g = _gdf(frame, [shapely.box(-5, 12.5 + 300, 5, 12.5 + 310)])
    r = geozones.check(g, height=31, lang="zh")
    arts = [f.article for f in r.findings]
    assert "第十二条 3(2)⑥" in arts and not any("Art." in a for a in arts)
    assert "Art." in geozones.assess_frame(g, height=31)["gz_message"].iloc[0]
    assert "Art." not in geozones.assess_frame(g, height=31, lang="zh")["gz_message"].iloc[0]
    rules = {x.id: x for p in load_pilots() for x in p.rules}
    chifeng = next(x for x in rules.values() if x.article.startswith("Chifeng"))
    assert article_label(chifeng.article, "zh", chifeng.article_zh).startswith("赤峰市 2023 年规划")
    assert article_label(chifeng.article, "en", chifeng.article_zh) == chifeng.article


def test_field_rotation_assumption_reads_source_zh_with_english_fallback(frame):
    import geozones
    from geozones.station import load_station

    g = _gdf(frame, [shapely.box(-5, 312.5, 5, 322.5)])
    zh = geozones.check(g, height=10, lang="zh").assumptions
    assert any("方位未知，假定为 0°" in a for a in zh) and not any("rotation unknown" in a for a in zh)
    en = geozones.check(g, height=10).assumptions
    assert any("rotation unknown, assumed 0°" in a for a in en)
    old = load_station("tests/data/station_v1.toml")  # an old file without source_zh still loads
    assert old.sources["field"].get("zh") == "Art. 12.1 (1); rotation unknown, assumed 0°"
