"""geozones/cli/options.py: the one number type of every command's numeric options, and the
limits read at the edge (issue 23, D, items 7 and 8).

The options are found by walking the command tree, so an option added later is tested too:
each takes :class:`~geozones.cli.options.Number`, and NaN, ±inf and a value just outside its
stated bounds are refused while the command line is parsed, with one line and exit 2.
"""

from __future__ import annotations

import math
import time

import click
import pytest
from click.testing import CliRunner

from geozones.cli import main
from geozones.cli.options import Number


def _commands(group: click.Group = main, path: tuple[str, ...] = ()):
    for name, cmd in sorted(group.commands.items()):
        if isinstance(cmd, click.Group):
            yield from _commands(cmd, (*path, name))
        else:
            yield (*path, name), cmd


def _is_number(param: click.Parameter) -> bool:
    # every way click knows a number: float/int (FLOAT, INT), FloatRange/IntRange, ours
    return isinstance(param.type, Number | click.types.FloatParamType | click.types.IntParamType)


NUMBER_OPTIONS = [(path, p) for path, cmd in _commands() for p in cmd.params
                  if isinstance(p, click.Option) and not p.is_flag and _is_number(p)]
IDS = [f"{' '.join(path)} {max(p.opts, key=len)}" for path, p in NUMBER_OPTIONS]


def test_the_walk_finds_every_command_and_the_known_number_options():
    commands = {" ".join(path) for path, _ in _commands()}
    assert commands == {"check", "screen", "map", "report", "zones", "heightlimit", "horizon",
                        "stations import", "stations list", "ledger add", "ledger list", "ledger remove",
                        "ledger export", "serve"}
    # the options named in the issue, and the rest found by the walk
    for name in ("check --storey-height", "check --height", "check --floors", "check --width",
                 "check --sun-reach", "report --height", "screen --default-height", "screen --chunk-size",
                 "screen --workers", "zones --sector-radius", "zones --steps", "zones --extent",
                 "zones --resolution", "heightlimit --extent", "heightlimit --resolution",
                 "heightlimit --max-cells", "horizon --eye-height", "horizon --terrain-radius"):
        assert name in IDS


@pytest.mark.parametrize("path, param", NUMBER_OPTIONS, ids=IDS)
def test_every_number_option_takes_the_one_type(path, param):
    assert type(param.type) is Number, f"{' '.join(path)} {param.opts}: use cli.options.Number"


def _outside(bounds) -> list[str]:
    """Values just outside the bounds (the bound itself where it is open)."""
    out = []
    step = 1 if bounds.integer else None
    if bounds.min is not None:
        out.append(str(bounds.min) if bounds.min_open else str(bounds.min - (step or max(abs(bounds.min) * 1e-3, 1e-3))))
    if bounds.max is not None:
        out.append(str(bounds.max) if bounds.max_open else str(bounds.max + (step or max(abs(bounds.max) * 1e-3, 1e-3))))
    return out


CASES = [(path, p, v) for path, p in NUMBER_OPTIONS
         for v in ("nan", "NaN", "inf", "-inf", "1e999", "ten", *_outside(p.type.bounds))]


@pytest.mark.parametrize("path, param, value", CASES,
                         ids=[f"{' '.join(path)} {max(p.opts, key=len)} {v}" for path, p, v in CASES])
def test_every_number_option_refuses_non_numbers_at_parse_time(path, param, value):
    opt = max(param.opts, key=len)
    start = time.perf_counter()
    # the number first: it is parsed before anything else (required options, files)
    res = CliRunner().invoke(main, [*path, f"{opt}={value}"])
    assert res.exit_code == 2, res.output
    lines = res.output.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in res.output, res.output
    assert lines[0].startswith(f"error: {opt} {value}: must be a ")
    assert param.type.bounds.interval() in lines[0]
    assert time.perf_counter() - start < 1.0


@pytest.mark.parametrize("path, param", NUMBER_OPTIONS, ids=IDS)
def test_every_number_option_takes_its_closed_bounds_and_shows_them(path, param):
    b = param.type.bounds
    ctx = click.Context(main)
    for bound, is_open in ((b.min, b.min_open), (b.max, b.max_open)):
        if bound is not None and not is_open:
            assert param.type.convert(str(bound), param, ctx) == bound
    # --help states the bounds: 0.5≤X≤20, 1≤N≤512, X≥0 …
    metavar = param.type.get_metavar(param, ctx)
    assert metavar == b.interval().replace("x", "N" if b.integer else "X").replace(" ", "")
    if param.default is not None and not callable(param.default):
        assert b.problem(param.default) is None   # the default is a number it takes


def test_the_refusal_is_in_the_language_asked_for():
    res = CliRunner().invoke(main, ["check", "--lang", "zh", "--height", "nan"])
    assert res.exit_code == 2
    assert res.output.strip() == "错误: --height nan：应为满足 0 ≤ x ≤ 10000 的有限数"


def test_whole_numbers_written_as_floats_are_taken():
    param = next(p for path, p in NUMBER_OPTIONS if path == ("screen",) and "--chunk-size" in p.opts)
    ctx = click.Context(main)
    assert param.type.convert("1e3", param, ctx) == 1000 and param.type.convert("250", param, ctx) == 250
    with pytest.raises(click.BadParameter, match="must be a whole number"):
        param.type.convert("2.5", param, ctx)


@pytest.mark.parametrize("variable, value", [
    ("GEOZONES_MAX_CELLS", "nan"), ("GEOZONES_MAX_CELLS", "0"), ("GEOZONES_MAX_CELLS", "1.5"),
    ("GEOZONES_MAX_VERTICES", "inf"), ("GEOZONES_MAX_FILE_MB", "-1"), ("GEOZONES_MAX_FILE_MB", "lots"),
])
def test_a_limit_variable_that_is_no_number_is_refused_naming_it(variable, value):
    res = CliRunner().invoke(main, ["zones", "-o", "never-written.gpkg"], env={variable: value})
    assert res.exit_code == 2, res.output
    lines = res.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {variable} {value}: must be a ")


def test_a_limit_variable_is_used(tmp_path):
    # 200 × 200 cells at 1 m for --extent 100: over a limit of 39,999 cells, within 40,000
    args = ["zones", "-o", str(tmp_path / "s.geojson"), "--steps", "10", "--extent", "100", "--resolution", "1"]
    res = CliRunner().invoke(main, args, env={"GEOZONES_MAX_CELLS": "39999"})
    assert res.exit_code == 2 and "200 × 200 = 40,000 cells, more than the limit of 39,999" in res.output
    assert not (tmp_path / "s.geojson").exists()
    res = CliRunner().invoke(main, args, env={"GEOZONES_MAX_CELLS": "40000"})
    assert res.exit_code == 0, res.output
    # the option wins over the variable
    res = CliRunner().invoke(main, [*args, "--overwrite", "--max-cells", "39999"], env={"GEOZONES_MAX_CELLS": "40000"})
    assert res.exit_code == 2 and "limit of 39,999" in res.output
    assert math.ceil(2 * 100 / 1) ** 2 == 40_000


def test_an_unexpected_failure_is_one_line_exit_1_and_its_traceback_on_request(monkeypatch, tmp_path):
    """A bug (here a library raising inside ``zones``) is one line naming the error, exit 1,
    no traceback, in the language asked for; ``GEOZONES_TRACEBACK=1`` lets it through for the
    bug report."""
    from click.testing import CliRunner

    import geozones.layers as layers
    from geozones.cli import main

    def broken(*args, **kwargs):
        raise RuntimeError("GEOS died\nsecond line")

    monkeypatch.setattr(layers, "zone_layer", broken)
    monkeypatch.delenv("GEOZONES_TRACEBACK", raising=False)
    out = str(tmp_path / "z.gpkg")
    r = CliRunner().invoke(main, ["zones", "-o", out])
    assert r.exit_code == 1 and "Traceback" not in r.output
    assert r.output.strip() == ("error: unexpected failure (RuntimeError: GEOS died); this is a bug: please report "
                                "it with the command and GEOZONES_TRACEBACK=1's output")
    r = CliRunner().invoke(main, ["zones", "-o", out, "--lang", "zh"])
    assert r.exit_code == 1 and r.output.startswith("错误: 意外错误（RuntimeError: GEOS died）；这是程序缺陷")
    monkeypatch.setenv("GEOZONES_TRACEBACK", "1")
    r = CliRunner().invoke(main, ["zones", "-o", out])
    assert isinstance(r.exception, RuntimeError) and not (tmp_path / "z.gpkg").exists()
