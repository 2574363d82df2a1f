"""`geozones screen --help`: the options under headings, each listed once, none lost."""

import re

import click
import pytest
from click.testing import CliRunner

from geozones.cli import main
from geozones.cli.options import GroupedCommand, help_lang

HEADINGS_EN = ["Input", "Heights", "Rules and stations", "Output", "Performance", "Other"]
HEADINGS_ZH = ["输入", "高度", "规则与台站", "输出", "性能", "其他"]
#: a help line that starts an option: two spaces, then "-o, --output" or "--layer"
OPTION_LINE = re.compile(r"^  (?:-\w, )?(--[\w-]+)")


def sections(text: str) -> dict[str, list[str]]:
    """Heading -> the long option names listed under it, read from the help text."""
    out: dict[str, list[str]] = {}
    current = None
    for line in text.splitlines():
        if line and not line.startswith(" ") and line.endswith(":") and not line.startswith("Usage"):
            current = line[:-1]
            out[current] = []
        elif current is not None and (m := OPTION_LINE.match(line)):
            out[current].append(m.group(1))
    return out


def declared_options(command: click.Command) -> list[str]:
    """Every option the command declares, by its first long name (the declaration is the reference)."""
    names = []
    for param in command.params:
        if isinstance(param, click.Option):
            names.append(next(o for o in param.opts if o.startswith("--")))
    return [*names, "--help"]


def screen_help(**env) -> str:
    res = CliRunner(env={"GEOZONES_LANG": None, "LANG": "C.UTF-8", **env}).invoke(main, ["screen", "--help"])
    assert res.exit_code == 0, res.output
    return res.output


def test_every_heading_in_order_and_every_option_once():
    text = screen_help()
    found = sections(text)
    assert list(found) == HEADINGS_EN
    listed = [name for names in found.values() for name in names]
    declared = declared_options(main.commands["screen"])
    assert len(declared) > 30   # screen has some 40 options
    assert sorted(listed) == sorted(declared)
    assert len(listed) == len(set(listed))


@pytest.mark.parametrize("option, heading", [
    ("--crs", "Input"), ("--encoding", "Input"), ("--no-datum-check", "Input"),
    ("--height-field", "Heights"), ("--dem", "Heights"),
    ("--kind-field", "Rules and stations"), ("--stations", "Rules and stations"),
    ("--pilot-boundary", "Rules and stations"),
    ("--output", "Output"), ("--sort", "Output"), ("--lang", "Output"),
    ("--chunk-size", "Performance"), ("--engine", "Performance"), ("--scheduler", "Performance"),
    ("--help", "Other"),
])
def test_option_under_its_heading(option, heading):
    assert option in sections(screen_help())[heading]


def test_each_group_fits_one_screen():
    text = screen_help()
    blocks = re.split(r"\n\n(?=\S)", text.split("\n\nInput:", 1)[1])
    assert len(blocks) == 6
    assert max(len(b.splitlines()) for b in blocks) <= 40


@pytest.mark.parametrize("env, lang", [
    ({"GEOZONES_LANG": "zh"}, "zh"),
    ({"LANG": "zh_CN.UTF-8"}, "zh"),
    ({"GEOZONES_LANG": "en", "LANG": "zh_CN.UTF-8"}, "en"),
    ({"LANG": "en_US.UTF-8"}, "en"),
    ({}, "en"),
])
def test_headings_follow_the_environment(env, lang):
    text = screen_help(**env)
    assert list(sections(text)) == (HEADINGS_ZH if lang == "zh" else HEADINGS_EN)
    assert help_lang({"LANG": "C.UTF-8", **{k: v for k, v in env.items() if v is not None}}) == lang


def test_an_option_without_a_group_is_listed_under_other():
    @click.command(cls=GroupedCommand)
    @click.option("--crs")
    @click.option("--brand-new", help="An option nobody has placed yet.")
    def cmd(crs, brand_new):
        """A toy command."""

    res = CliRunner(env={"GEOZONES_LANG": "en"}).invoke(cmd, ["--help"])
    assert res.exit_code == 0, res.output
    assert sections(res.output) == {"Input": ["--crs"], "Other": ["--brand-new", "--help"]}
