"""`--lang zh` all the way on the command line (issue 25, item 4): click's usage errors in
Chinese (the language found on the command line before click parses it), English ones
exactly as click writes them. Every expected string is written out by hand."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from conftest import square_north
from pyproj import CRS

from geozones.cli import main
from geozones.cli.options import argv_lang
from geozones.core.coords import from_frame


def run(*args: str, **env: str | None):
    res = CliRunner(env={"GEOZONES_LANG": None, "LANG": "C.UTF-8", **env}).invoke(main, list(args), prog_name="geozones")
    return res.exit_code, res.stderr


SCREEN_HEAD_ZH = "用法：geozones screen [OPTIONS] INPUT\n请用 'geozones screen --help' 查看帮助\n\n"
CHECK_HEAD_ZH = "用法：geozones check [OPTIONS]\n请用 'geozones check --help' 查看帮助\n\n"
SCREEN_HEAD_EN = "Usage: geozones screen [OPTIONS] INPUT\nTry 'geozones screen --help' for help.\n\n"
CHECK_HEAD_EN = "Usage: geozones check [OPTIONS]\nTry 'geozones check --help' for help.\n\n"


@pytest.mark.parametrize("args, expected", [
    # missing option, --lang before or after it, and --lang=zh
    (("check", "--lang", "zh"), CHECK_HEAD_ZH + "错误：缺少选项 '--footprint'。\n"),
    (("check", "--lang=zh"), CHECK_HEAD_ZH + "错误：缺少选项 '--footprint'。\n"),
    (("screen", "a.csv", "--lang", "zh"), SCREEN_HEAD_ZH + "错误：缺少选项 '-o' / '--output'。\n"),
    # no such option, with click's guesses
    (("check", "--lang", "zh", "--fotprint", "x"),
     CHECK_HEAD_ZH + "错误：没有选项 '--fotprint'。是否想用 '--footprint'？\n"),
    (("screen", "--lang", "zh", "--xyzzy"), SCREEN_HEAD_ZH + "错误：没有选项 '--xyzzy'。\n"),
    # invalid value: click's Choice, and our own kind names
    (("screen", "a.csv", "-o", "b.csv", "--engine", "spark", "--lang", "zh"),
     SCREEN_HEAD_ZH + "错误：'--engine' 的值无效：'spark' 不是 'local', 'dask' 之一。\n"),
    (("check", "--footprint", "POINT (0 0)", "--kind", "rocket", "--lang", "zh"),
     CHECK_HEAD_ZH + "错误：'--kind' 的值无效：'rocket' 不是已知的类型：请用 building, structure, "
     "industrial, chimney, boiler, transmitter, powerline, dangerous_goods, vegetation, road, railway, "
     "water, interference, earthworks, mining, drilling, burning, grazing 之一\n"),
    # missing argument, an extra one, an option without its value
    (("screen", "-o", "b.csv", "--lang", "zh"), SCREEN_HEAD_ZH + "错误：缺少参数 'INPUT'。\n"),
    (("screen", "a.csv", "b.csv", "-o", "c.csv", "--lang", "zh"), SCREEN_HEAD_ZH + "错误：多余的参数（b.csv）\n"),
    (("check", "--lang", "zh", "--footprint"), "错误：选项 '--footprint' 需要一个值。\n"),
    # the command itself unknown
    (("chek", "--lang", "zh"), "用法：geozones [OPTIONS] COMMAND [ARGS]...\n请用 'geozones --help' 查看帮助\n\n"
     "错误：没有命令 'chek'。是否想用 'check'？\n"),
])
def test_usage_errors_in_chinese(args, expected):
    code, err = run(*args)
    assert code == 2
    assert err == expected


@pytest.mark.parametrize("args, expected", [
    (("check",), CHECK_HEAD_EN + "Error: Missing option '--footprint'.\n"),
    (("check", "--lang", "en", "--fotprint", "x"),
     CHECK_HEAD_EN + "Error: No such option '--fotprint'. Did you mean '--footprint'?\n"),
    (("screen", "a.csv", "-o", "b.csv", "--engine", "spark"),
     SCREEN_HEAD_EN + "Error: Invalid value for '--engine': 'spark' is not one of 'local', 'dask'.\n"),
    (("screen", "-o", "b.csv"), SCREEN_HEAD_EN + "Error: Missing argument 'INPUT'.\n"),
    (("check", "--lang", "fr"), CHECK_HEAD_EN + "Error: Invalid value for '--lang': 'fr' is not one of 'en', 'zh'.\n"),
])
def test_usage_errors_in_english_are_clicks_own(args, expected):
    code, err = run(*args)
    assert code == 2
    assert err == expected


def test_geozones_lang_chooses_without_lang_and_lang_wins():
    assert run("check", GEOZONES_LANG="zh") == (2, CHECK_HEAD_ZH + "错误：缺少选项 '--footprint'。\n")
    assert run("check", "--lang", "en", GEOZONES_LANG="zh") == (2, CHECK_HEAD_EN + "Error: Missing option '--footprint'.\n")


def test_a_missing_file_in_chinese(tmp_path):
    missing = tmp_path / "nowhere.gpkg"
    code, err = run("map", "-o", str(tmp_path / "m.html"), "--parcels", str(missing), "--lang", "zh")
    assert code == 2
    assert err.endswith(f"错误：'--parcels' 的值无效：文件 '{missing}' 不存在。\n")


@pytest.mark.parametrize("args, environ, lang", [
    (["screen", "a", "--lang", "zh"], {}, "zh"),
    (["screen", "--lang=zh", "--lang", "en"], {}, "en"),       # the last one, as click takes it
    (["screen", "--", "--lang", "zh"], {}, None),              # after --: an argument
    (["screen", "--lang"], {"GEOZONES_LANG": "zh"}, "zh"),
    (["screen"], {"GEOZONES_LANG": "de"}, None),
])
def test_argv_lang(args, environ, lang):
    assert argv_lang(args, environ) == lang


# --- rows counted as a person counts: the first row is row 1 (第 1 行) ---

def _three_rows(tmp_path, frame):
    """Row 1 passes (10 m, 300 m north: 30 m allowed), row 2 fails by 1 m (31 m), row 3 is an
    error (height −1)."""
    geoms = from_frame(np.array([square_north(300.0)] * 3, dtype=object), frame.crs, CRS.from_epsg(4546))
    src = tmp_path / "three.gpkg"
    gpd.GeoDataFrame({"id": ["a", "b", "c"], "h": [10.0, 31.0, -1.0]}, geometry=gpd.GeoSeries(geoms, crs=4546),
                     crs=4546).to_file(src)
    return src


@pytest.mark.parametrize("lang, worst, error", [
    ("en", "  row 2 (id=b): +1.00 m (fail)", "  row 3 (id=c): error: height -1 is negative or infinite"),
    ("zh", "  第 2 行 (id=b): +1.00 米 (不通过)", "  第 3 行 (id=c): error: 高度 -1 为负数或无穷大"),
])
def test_summary_counts_rows_from_1(tmp_path, frame, lang, worst, error):
    src = _three_rows(tmp_path, frame)
    res = CliRunner().invoke(main, ["screen", str(src), "-o", str(tmp_path / "o.gpkg"), "--height-field", "h",
                                    "--lang", lang])
    assert res.exit_code == 0, res.output
    lines = res.output.splitlines()
    assert worst in lines and error in lines


def test_report_keeps_row_from_0_and_adds_row_number_from_1(tmp_path, frame):
    src = _three_rows(tmp_path, frame)
    args = ["screen", str(src), "-o", str(tmp_path / "o.gpkg"), "--height-field", "h", "-q"]
    assert CliRunner().invoke(main, [*args, "--report", str(tmp_path / "r.json")]).exit_code == 0
    data = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert [(w["row"], w["row_number"], w["id"]) for w in data["worst_exceedances"]] == [(1, 2, "b")]
    assert [(e["row"], e["row_number"], e["id"]) for e in data["errors"]] == [(2, 3, "c")]
    # gz_row-like positions for machines: b is the second feature read
    assert CliRunner().invoke(main, [*args, "--report", str(tmp_path / "r.csv"), "--overwrite"]).exit_code == 0
    table = pd.read_csv(tmp_path / "r.csv")
    assert list(table.loc[table["metric"] == "worst_exceedance_m", "key"]) == ["row 2 b"]
    assert list(table.loc[table["metric"] == "error", "key"]) == ["row 3 c"]


# --- --help in the language of the command line ---

def help_text(*args: str, **env: str | None) -> str:
    res = CliRunner(env={"GEOZONES_LANG": None, "LANG": "C.UTF-8", **env}).invoke(main, list(args), prog_name="geozones")
    assert res.exit_code == 0, res.output
    return res.output


@pytest.mark.parametrize("args", [("screen", "--help", "--lang", "zh"), ("screen", "--lang", "zh", "--help"),
                                  ("screen", "--lang=zh", "-h")])
def test_screen_help_in_chinese_in_any_order(args):
    text = help_text(*args)
    assert text.startswith("用法：geozones screen [OPTIONS] INPUT\n\n  筛查地块文件的每一行，写回并加上 gz_* 列。\n")
    assert "\n输入:\n" in text and "\n输出:\n" in text
    assert "  --wkt-column TEXT     CSV 输入：存放 WKT 几何的列。\n" in text
    assert "  -q, --quiet" in text and "不显示进度条，也不显示汇总。" in text
    assert "没有类型的行所用的类型。  [默认：building]" in text
    assert "显示此帮助并退出。" in text
    assert "Column with" not in text and "Usage:" not in text


def test_check_help_in_chinese():
    text = help_text("check", "--help", "--lang", "zh")
    assert text.startswith("用法：geozones check [OPTIONS]\n\n  核查一个拟建项目：结论、所在区域、距离、允许高度、条款。\n\n"
                           "  无论结论如何，退出码均为 0（结论请看输出）；输入有误时为 2。\n\n选项:\n")
    assert "  --json" in text and "以 JSON 输出结果。" in text
    assert "[必填]" in text and "[默认：xy]" in text


def test_help_stays_english_without_lang_and_geozones_lang_switches():
    text = help_text("check", "--help")
    assert text.startswith("Usage: geozones check [OPTIONS]\n\n  Check one proposal: verdict, zone, distance, "
                           "permitted height, articles.\n\n  Exit code 0 whatever the verdict")
    assert "  --json                          Print the result as JSON.\n" in text
    assert "[required]" in text and "Show this message and exit." in text
    assert help_text("check", "--help", GEOZONES_LANG="zh").startswith("用法：geozones check [OPTIONS]\n\n  核查一个拟建项目")


def _commands(group=None, path=()):
    """Every command of the click tree, ``(path, command)``, the top level first."""
    import click

    group = main if group is None else group
    yield path, group
    if isinstance(group, click.Group):
        for name_, cmd in group.commands.items():
            yield from _commands(cmd, (*path, name_))


def _english_sentences(text: str) -> list[str]:
    """The runs of four or more English words in ``text`` (the sentences a Chinese help must not keep);
    names in quotes (a docs page's or README section's title) are names, not sentences."""
    import re

    runs = re.split(r"[.;:()\[\],，。；：（）]|\s-\s|--\S+|\{\w+\}", re.sub(r"'[^']*'|\"[^\"]*\"|`[^`]*`", "", text))
    return [" ".join(w) for run in runs if len(w := re.findall(r"[A-Za-z]+", run)) >= 4
            and len(" ".join(w)) >= len(run.strip()) - 4]


@pytest.mark.parametrize("path", [p for p, _c in _commands()], ids=lambda p: " ".join(p) or "geozones")
def test_every_option_of_every_command_has_chinese_help(path):
    """For each command of the tree (``geozones`` and ``stations`` too): its description and
    every option's help come from the catalogue (the English is a ``[help]`` template whose zh
    text differs), and ``--help --lang zh`` shows the zh text and no English sentence of it."""
    import click

    from geozones.cli.options import localized_help
    from geozones.text import from_english

    cmd = dict(_commands())[path]
    flat = "".join(help_text(*path, "--help", "--lang", "zh").split())
    words = " ".join(help_text(*path, "--help", "--lang", "zh").split())
    texts = [(cmd.name, cmd.help or "", localized_help(cmd, "zh"))]
    texts += [(p.name, p.help or "", from_english(p.help or "", "zh", "help_"))
              for p in cmd.params if isinstance(p, click.Option)]
    assert all(en for _n, en, _zh in texts), [n for n, en, _zh in texts if not en]
    for name_, en, zh in texts:
        assert zh != en and any("\u4e00" <= c <= "\u9fff" for c in zh), (name_, zh)
        hidden = any(p.name == name_ and getattr(p, "hidden", False) for p in cmd.params)
        if not hidden:
            assert "".join(zh.split()) in flat, (name_, zh)
        for sentence in _english_sentences(en):
            assert sentence not in words, (name_, sentence)
    assert "Usage:" not in words and "Options:" not in words and "Commands:" not in words


def test_group_help_lists_commands_in_chinese():
    """``geozones --help --lang zh``: the description and every command's short help in
    Chinese (the first sentence of its zh description); English stays click's own."""
    from geozones.cli.options import localized_help

    text = help_text("--help", "--lang", "zh")
    assert text.startswith("用法：geozones [OPTIONS] COMMAND [ARGS]...\n\n  核查拟建项目是否符合绛县国家基本气象站")
    commands = text.split("\n命令:\n", 1)[1]
    for name_, cmd in main.commands.items():
        line = next(ln for ln in commands.splitlines() if ln.split()[0] == name_)
        first = localized_help(cmd, "zh").split("。")[0].split("（")[0]
        assert first[:12] in line, (name_, line)
    assert "  check        核查一个拟建项目：结论、所在区域、距离、允许高度、条款\n" in commands
    assert "  import  由站点 CSV 表格生成站点文件\n" in help_text("stations", "--help", "--lang", "zh")
    english = help_text("--help")
    assert "  check        Check one proposal: verdict, zone, distance, permitted...\n" in english
    assert "\nCommands:\n" in english and "\nOptions:\n" in english


def test_lang_of_the_group_is_the_commands_unless_its_own_says_otherwise():
    """``geozones --lang zh check …`` speaks Chinese (as ``check … --lang zh``); the command's
    own ``--lang`` wins."""
    args = ["check", "--footprint", "POINT (0 0)", "--height", "-1"]
    zh = CliRunner().invoke(main, ["--lang", "zh", *args])
    assert zh.exit_code == 2 and zh.output == CliRunner().invoke(main, [*args, "--lang", "zh"]).output
    assert "--height" in zh.output and any("\u4e00" <= c <= "\u9fff" for c in zh.output)
    en = CliRunner().invoke(main, ["--lang", "zh", *args, "--lang", "en"])
    assert en.output == CliRunner().invoke(main, args).output and not any("\u4e00" <= c <= "\u9fff" for c in en.output)
