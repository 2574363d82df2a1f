"""The benchmarks still run (tiny sizes; the figures themselves are for bench/ runs)."""

import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "bench"


def test_bench_core_runs():
    out = subprocess.run([sys.executable, str(BENCH / "bench_core.py"), "--n", "2000"],
                         capture_output=True, text=True, check=True).stdout
    assert "x floor" in out and "verdicts:" in out
