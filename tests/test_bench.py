"""The benchmarks still run (tiny sizes; the figures themselves are for bench/ runs)."""

import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "bench"


def test_bench_core_runs():
    out = subprocess.run([sys.executable, str(BENCH / "bench_core.py"), "--n", "2000"],
                         capture_output=True, text=True, check=True).stdout
    assert "x floor" in out and "verdicts:" in out


def test_bench_peers_runs_and_the_geopandas_script_agrees_with_screen():
    """An independent vectorised geopandas implementation of the building rules (to_crs,
    distance to the field, sun wedges, D/10, tan 5°) gives every row screen's verdict."""
    out = subprocess.run([sys.executable, str(BENCH / "bench_peers.py"), "--rows", "3000",
                          "--only", "floor,floor_cols,screen,script"],
                         capture_output=True, text=True, check=True).stdout
    for fmt in ("gpkg", "parquet", "shp", "gdb"):
        assert f"{fmt}: verdicts script vs screen: 100.0000% equal (0 differ)" in out
        assert f"{fmt}: screen ÷ " in out
