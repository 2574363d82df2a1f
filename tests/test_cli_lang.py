"""`--lang zh` all the way on the command line (issue 25, item 4): click's usage errors in
Chinese (the language found on the command line before click parses it), English ones
exactly as click writes them. Every expected string is written out by hand."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from geozones.cli import main
from geozones.cli.options import argv_lang


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
