"""geozones.batch.settings: one settings object made at the edge, nothing read below it."""

import dataclasses
import re
import subprocess
import sys
from pathlib import Path

import pytest

from geozones.batch.settings import DEFAULT_CHUNK_ROWS, PROCESS_MIN_ROWS, Settings, default_processes

PACKAGE = Path(__file__).resolve().parent.parent / "geozones"


def test_from_the_environment():
    s = Settings.from_environ({}, chunk_rows=50)
    assert s.processes == default_processes() and s.chunk_rows == 50 and s.arrow_pool == "jemalloc"
    assert Settings.from_environ({"GEOZONES_THREADS": "1"}).processes == 1
    assert Settings.from_environ({"GEOZONES_THREADS": "3"}).processes == 3
    assert Settings.from_environ({"GEOZONES_THREADS": "0"}).processes == default_processes()
    assert Settings.from_environ({"GEOZONES_PROCESSES": "no", "GEOZONES_THREADS": "4"}).processes == 1
    assert Settings.from_environ({"ARROW_DEFAULT_MEMORY_POOL": "system"}).arrow_pool is None
    assert Settings.from_environ({"GEOZONES_THREADS": "1"}, processes=2).processes == 2   # options win


def test_defaults():
    s = Settings()
    assert (s.chunk_rows, s.process_min_rows, s.engine) == (DEFAULT_CHUNK_ROWS, PROCESS_MIN_ROWS, "local")
    assert 1 <= s.processes <= 8
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.processes = 3


def test_the_commands_default_chunk_is_the_librarys():
    from click.testing import CliRunner

    from geozones.cli import main

    text = " ".join(CliRunner().invoke(main, ["screen", "--help"]).output.split())
    assert f"bounded by this). [default: {DEFAULT_CHUNK_ROWS}]" in text


def test_no_environment_variable_is_read_or_set_below_the_edge():
    # the command line (cli/) reads the environment; maps.py's tile key is the map API's own
    below = [p for p in PACKAGE.rglob("*.py") if "cli" not in p.relative_to(PACKAGE).parts
             and p.name != "maps.py"]
    found = [f"{p.relative_to(PACKAGE)}: {m.group(0)}" for p in below
             for m in re.finditer(r"os\.environ\b|os\.getenv|putenv", p.read_text(encoding="utf-8"))]
    assert found == []


def test_projecting_many_coordinates_starts_no_thread_and_no_fork_hook():
    # the core is pure: no pool of its own, nothing registered to run at fork
    code = ("import os, threading, numpy as np\n"
            "hooks = []\n"
            "real = os.register_at_fork\n"
            "os.register_at_fork = lambda **k: hooks.extend(f.__module__ for f in k.values()) or real(**k)\n"
            "from geozones.check import ZoneSet\n"
            "from geozones.core import coords\n"
            "z = ZoneSet.shared()\n"
            "x, y = np.full(50_000, 111.57), np.full(50_000, 35.50)\n"
            "coords.transform_xy(x, y, coords.parse_crs('EPSG:4326'), z.frame.crs)\n"
            "print(threading.active_count(), sum(str(m).startswith('geozones') for m in hooks))\n")
    got = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert got.stdout.split() == ["1", "0"], got.stderr[-500:]


@pytest.mark.parametrize("text", ["x", "nan", "2.5", "-1", "1000000000"])
def test_a_thread_count_that_is_no_count_is_refused_naming_it(text):
    """issue 23, D: GEOZONES_THREADS=1e9 would have forked 10⁹ processes; 'x' was ignored."""
    from geozones.errors import InputError

    with pytest.raises(InputError, match=f"^GEOZONES_THREADS {text}: must be a whole number with 0 ≤ x ≤ 512$"):
        Settings.from_environ({"GEOZONES_THREADS": text})


@pytest.mark.parametrize("given, name", [({"chunk_rows": 0}, "chunk_rows"), ({"chunk_rows": float("nan")}, "chunk_rows"),
                                         ({"processes": 10**6}, "processes"), ({"workers": 0}, "workers")])
def test_settings_refuse_numbers_out_of_range(given, name):
    with pytest.raises(ValueError, match=f"^{name} "):
        Settings(**given)
