"""Nothing destroyed, nothing lost (issue 11 items 1, 6, 7, 8): outputs never replace inputs,
output-side OS errors are one line, interruptions leave nothing, changing inputs are noticed."""

import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from click.testing import CliRunner
from conftest import read_output, square_north
from pyproj import CRS

from geozones.check import ZoneSet
from geozones.cli import main
from geozones.core.coords import from_frame
from geozones.errors import InputError, OutputError
from geozones.io import atomic_output, same_file
from geozones.screen import ScreenOptions, screen_file

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def zones():
    return ZoneSet()


def _gdf(frame, n=6):
    geoms = from_frame(np.array([square_north(100.0 + 50 * i) for i in range(n)], dtype=object),
                       frame.crs, CRS.from_epsg(4326))
    return gpd.GeoDataFrame({"name": [f"p{i}" for i in range(n)], "h": [5.0 * (i + 1) for i in range(n)]},
                            geometry=gpd.GeoSeries(geoms, crs=4326), crs=4326)


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


def _run(args):
    res = CliRunner().invoke(main, [str(a) for a in args])
    return res


def _one_line_error(res, codes=(3,)):
    assert res.exit_code in codes, (res.exit_code, res.output)
    assert "Traceback" not in res.output
    lines = [ln for ln in res.output.splitlines() if ln.strip()]
    assert any(ln.startswith("error: ") for ln in lines), res.output
    return res.output


# --- 1. an output never replaces an input -------------------------------------------------

def test_same_file_rules(tmp_path):
    (tmp_path / "p.shp").write_bytes(b"x")
    (tmp_path / "p.dbf").write_bytes(b"y")
    (tmp_path / "q.gpkg").write_bytes(b"z")
    os.link(tmp_path / "q.gpkg", tmp_path / "hard.gpkg")
    os.symlink(tmp_path / "q.gpkg", tmp_path / "soft.gpkg")
    (tmp_path / "sub").mkdir()
    assert same_file(tmp_path / "p.SHP", tmp_path / "p.shp")          # case
    assert same_file(tmp_path / "P.shp", tmp_path / "p.shp")
    assert same_file(tmp_path / "hard.gpkg", tmp_path / "q.gpkg")      # hard link
    assert same_file(tmp_path / "soft.gpkg", tmp_path / "q.gpkg")      # symlink
    assert same_file(tmp_path / "sub" / ".." / "q.gpkg", tmp_path / "q.gpkg")
    assert same_file(tmp_path / "p.shp", tmp_path / "p.dbf")           # a sidecar of the set
    assert not same_file(tmp_path / "other.shp", tmp_path / "p.shp")
    assert not same_file(tmp_path / "q2.gpkg", tmp_path / "q.gpkg")


def test_screen_output_differing_in_case_keeps_input_shapefile(tmp_path, frame):
    _gdf(frame).to_file(tmp_path / "p.shp")
    before = _snapshot(tmp_path)
    res = _run(["screen", tmp_path / "p.shp", "-o", tmp_path / "p.SHP", "--overwrite"])
    _one_line_error(res)
    assert "is the input" in res.output
    assert _snapshot(tmp_path) == before


@pytest.mark.parametrize("how", ["symlink", "hardlink"])
def test_screen_output_linked_to_input(tmp_path, frame, how):
    _gdf(frame).to_file(tmp_path / "in.gpkg")
    link = tmp_path / "out.gpkg"
    (os.symlink if how == "symlink" else os.link)(tmp_path / "in.gpkg", link)
    before = (tmp_path / "in.gpkg").read_bytes()
    res = _run(["screen", tmp_path / "in.gpkg", "-o", link, "--overwrite"])
    _one_line_error(res)
    assert (tmp_path / "in.gpkg").read_bytes() == before


@pytest.mark.parametrize("option", ["--report", "--map"])
def test_screen_side_outputs_never_replace_input(tmp_path, frame, option):
    _gdf(frame).to_file(tmp_path / "in.geojson")
    before = (tmp_path / "in.geojson").read_bytes()
    res = _run(["screen", tmp_path / "in.geojson", "-o", tmp_path / "o.gpkg", option,
                tmp_path / "IN.geojson", "--overwrite", "-q"])
    _one_line_error(res)
    assert (tmp_path / "in.geojson").read_bytes() == before
    assert not (tmp_path / "o.gpkg").exists()   # refused before any work


def test_screen_two_outputs_same_file(tmp_path, frame):
    _gdf(frame).to_file(tmp_path / "in.gpkg")
    res = _run(["screen", tmp_path / "in.gpkg", "-o", tmp_path / "o.csv", "--report", tmp_path / "o.csv"])
    _one_line_error(res)


def test_map_never_replaces_its_parcels(tmp_path, frame):
    src = _gdf(frame)
    src["gz_verdict"] = "pass"
    src.to_file(tmp_path / "s.gpkg")
    before = (tmp_path / "s.gpkg").read_bytes()
    res = _run(["map", "--parcels", tmp_path / "s.gpkg", "-o", tmp_path / "s.gpkg", "--tiles", "none"])
    _one_line_error(res)
    assert (tmp_path / "s.gpkg").read_bytes() == before


def test_zones_heightlimit_horizon_never_replace_inputs(tmp_path, frame):
    import rasterio
    from rasterio.transform import from_origin

    dem = tmp_path / "dem.tif"
    with rasterio.open(dem, "w", driver="GTiff", width=4, height=4, count=1, dtype="float32",
                       crs="EPSG:4326", transform=from_origin(111.5, 35.6, 0.05, 0.05)) as ds:
        ds.write(np.full((1, 4, 4), 600.0, dtype="float32"))
    boundary = tmp_path / "b.geojson"
    gpd.GeoDataFrame(geometry=[shapely.box(111.2, 34.83, 111.22, 34.85)], crs=4326).to_file(boundary)
    station = tmp_path / "st.toml"
    station.write_bytes((REPO / "data/stations/jiangxian.toml").read_bytes())
    _gdf(frame).to_file(tmp_path / "b.gpkg")
    before = _snapshot(tmp_path)
    for args in (["zones", "-o", boundary.with_name("B.GEOJSON"), "--pilot-boundary", boundary, "--overwrite"],
                 ["heightlimit", "-o", dem, "--dem", dem, "--overwrite", "--extent", "50"],
                 ["horizon", "-o", tmp_path / "h.svg", "--buildings", tmp_path / "b.gpkg",
                  "--csv", tmp_path / "b.gpkg", "--overwrite"],
                 ["horizon", "-o", tmp_path / "h.svg", "--station", station, "--csv", station]):
        res = _run(args)
        _one_line_error(res, codes=(2, 3))
        assert "is the input" in res.output, (args, res.output)
    assert _snapshot(tmp_path) == before


# --- 6. output-side OS errors: one line, exit 3 ----------------------------------------------

def test_file_where_a_folder_should_be(tmp_path, frame):
    _gdf(frame).to_file(tmp_path / "in.gpkg")
    (tmp_path / "afile").write_text("x")
    for args in (["screen", tmp_path / "in.gpkg", "-o", tmp_path / "afile" / "o.gpkg"],
                 ["screen", tmp_path / "in.gpkg", "-o", tmp_path / "afile" / "deeper" / "o.csv"],
                 ["map", "-o", tmp_path / "afile" / "m.html", "--tiles", "none"],
                 ["zones", "-o", tmp_path / "afile" / "z.shp"]):
        _one_line_error(_run(args))


@pytest.mark.parametrize("where", ["mkdtemp", "replace"])
def test_permission_denied_is_one_line(tmp_path, frame, monkeypatch, where):
    import geozones.io.atomic as safety

    _gdf(frame).to_file(tmp_path / "in.gpkg")

    def denied(*_a, **_k):
        raise PermissionError(13, "Permission denied")

    if where == "mkdtemp":
        monkeypatch.setattr(safety.tempfile, "mkdtemp", denied)
    else:
        monkeypatch.setattr(safety.os, "replace", denied)
    for args in (["screen", tmp_path / "in.gpkg", "-o", tmp_path / "o.gpkg"],
                 ["map", "-o", tmp_path / "m.html", "--tiles", "none"]):
        out = _one_line_error(_run(args))
        assert "Permission denied" in out
    assert not list(tmp_path.glob(".geozones-*"))


def _limited(limit_bytes):
    def pre():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)   # writes past the limit fail with EFBIG
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit_bytes, limit_bytes))
    return pre


@pytest.mark.parametrize("ext", ["gpkg", "shp", "geojson", "fgb", "parquet", "csv", "html"])
def test_disk_full_every_format(tmp_path, frame, ext):
    """A file-size limit makes every write past 4 kB fail as a full disk does."""
    big = pd.concat([_gdf(frame)] * 200, ignore_index=True)
    big.to_file(tmp_path / "in.gpkg")   # written before the limit
    if ext == "html":
        args = ["map", "-o", tmp_path / "m.html", "--tiles", "none"]
    else:
        args = ["screen", tmp_path / "in.gpkg", "-o", tmp_path / f"o.{ext}", "-q"]
    res = subprocess.run([sys.executable, "cli.py", *map(str, args)], cwd=REPO,
                         capture_output=True, text=True, preexec_fn=_limited(4096), timeout=120)
    assert res.returncode == 3, res.stderr
    assert "Traceback" not in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1 and res.stderr.startswith("error: ")
    assert not list(tmp_path.glob(".geozones-*"))
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(("o.", "m."))]


# --- 7. interruptions leave nothing; shapefile parts swapped safely ------------------------------

@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
def test_signal_leaves_no_temporary_folder(tmp_path, frame, sig):
    rng = np.random.default_rng(1)
    n = 40_000
    x = rng.uniform(111.55, 111.60, n)
    y = rng.uniform(35.49, 35.52, n)
    csv = tmp_path / "in.csv"
    pd.DataFrame({"id": np.arange(n), "h": rng.uniform(0, 50, n).round(1),
                  "wkt": [f"POINT ({a:.6f} {b:.6f})" for a, b in zip(x, y)]}).to_csv(csv, index=False)
    proc = subprocess.Popen([sys.executable, "cli.py", "screen", str(csv), "--wkt-column", "wkt",
                             "--height-field", "h", "-o", str(tmp_path / "o.gpkg"), "--chunk-size", "200", "-q"],
                            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    while not list(tmp_path.glob(".geozones-*/*")) and time.time() < deadline and proc.poll() is None:
        time.sleep(0.02)
    assert proc.poll() is None, "finished before it could be interrupted"
    time.sleep(0.2)
    proc.send_signal(sig)
    _out, err = proc.communicate(timeout=60)
    assert proc.returncode == 128 + sig, err
    assert "Traceback" not in err and "interrupted" in err
    assert not list(tmp_path.glob(".geozones-*"))
    assert not (tmp_path / "o.gpkg").exists()


def test_shapefile_swap_never_mixes_old_and_new(tmp_path, frame, monkeypatch):
    """A crash after any number of moves leaves either no .shp or a whole new set."""
    import geozones.io.atomic as safety

    dest = tmp_path / "out.shp"
    old = _gdf(frame, 3)
    new = _gdf(frame, 5)
    real = os.replace
    for k in range(5):   # GDAL writes five parts: .shp .shx .dbf .prj .cpg
        for p in tmp_path.iterdir():
            p.unlink()
        old.to_file(dest)
        calls = {"n": 0}

        def crash(a, b, calls=calls, k=k):
            if calls["n"] == k:
                raise OSError(5, "Input/output error")
            calls["n"] += 1
            return real(a, b)

        monkeypatch.setattr(safety.os, "replace", crash)
        with pytest.raises(OutputError):
            with atomic_output(dest, overwrite=True) as tmp:
                new.to_file(tmp)
        monkeypatch.setattr(safety.os, "replace", real)
        if dest.exists():
            got = read_output(dest)
            assert len(got) == 5 and list(got["name"]) == list(new["name"])
        assert not list(tmp_path.glob(".geozones-*"))


# --- 8. an input changing during the run ----------------------------------------------------------

@pytest.mark.parametrize("ext", ["csv", "gpkg", "shp", "geojson", "fgb", "parquet"])
def test_input_changed_during_run(tmp_path, frame, zones, ext):
    src = pd.concat([_gdf(frame)] * 10, ignore_index=True)
    path = tmp_path / f"in.{ext}"
    if ext == "csv":
        df = pd.DataFrame(src.drop(columns="geometry"))
        df["wkt"] = src.geometry.to_wkt()
        df.to_csv(path, index=False)
    elif ext == "parquet":
        src.to_parquet(path)
    else:
        src.to_file(path)
    victim = path.with_suffix(".dbf") if ext == "shp" else path
    seen = {"n": 0}

    def progress(done, total):
        seen["n"] += 1
        if seen["n"] == 1:   # touch the file after the first chunk, as another program would
            with open(victim, "ab") as fh:
                fh.write(b"\n")

    with pytest.raises(InputError, match="changed while"):
        screen_file(path, tmp_path / "o.gpkg", zones=zones, chunk_size=7, opts=ScreenOptions(),
                    wkt_column="wkt" if ext == "csv" else None, progress=progress)
    assert not (tmp_path / "o.gpkg").exists()
    assert not list(tmp_path.glob(".geozones-*"))
