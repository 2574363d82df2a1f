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
    else:   # the final move: a rename over an old output, a link for a new one
        monkeypatch.setattr(safety.os, "replace", denied)
        monkeypatch.setattr(safety.os, "link", denied)
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


def test_a_signal_arrow_wrapped_as_a_stream_error_is_still_the_signal(tmp_path, frame, monkeypatch):
    """A signal whose Interrupted is raised in Arrow's own frames, between two batches, comes
    back from GDAL as "Error while accessing batch from stream" (seen once under load in CI:
    exit 3 "cannot write" instead of 129): the writer says the signal, not a write error."""
    import geozones.io.atomic as safety
    import geozones.io.write as writing
    from geozones.io import Interrupted

    def wrapped(*args, **kwargs):
        safety._state["received"] = signal.SIGHUP      # the handler ran, its exception lost
        raise OSError("Error while accessing batch from stream")

    monkeypatch.setattr(writing, "write_gdal", wrapped)
    with pytest.raises(Interrupted) as got:
        writing.write_chunks(tmp_path / "o.gpkg", "GPKG", 4326, iter([_gdf(frame, 3)]))
    assert got.value.exit_code == 129
    safety._state["received"] = None

    def failed(*args, **kwargs):
        raise OSError("Error while accessing batch from stream")

    monkeypatch.setattr(writing, "write_gdal", failed)
    with pytest.raises(OutputError, match="Error while accessing batch"):   # without a signal: the error
        writing.write_chunks(tmp_path / "o2.gpkg", "GPKG", 4326, iter([_gdf(frame, 3)]))


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


# --- issue 23 item 3: only regular files are replaced, by every command --------------------------

def _special(path: Path, kind: str) -> Path:
    """A file of ``kind`` made at ``path`` inside the test's own folder (never under /dev)."""
    import socket
    import stat

    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "folder":
        path.mkdir()
    elif kind == "socket":
        sock = socket.socket(socket.AF_UNIX)
        sock.bind(str(path))
        sock.close()
    elif kind == "char device":   # a copy of the null device's numbers, inside tmp_path
        try:
            os.mknod(path, stat.S_IFCHR | 0o600, os.makedev(1, 3))
        except (PermissionError, OSError) as exc:
            pytest.skip(f"mknod is not permitted here: {exc}")
    return path


def _kind_is(path: Path, kind: str) -> bool:
    import stat

    mode = os.lstat(path).st_mode
    return {"fifo": stat.S_ISFIFO, "folder": stat.S_ISDIR, "socket": stat.S_ISSOCK,
            "char device": stat.S_ISCHR}[kind](mode)


@pytest.mark.parametrize("kind", ["fifo", "folder", "socket", "char device"])
@pytest.mark.parametrize("overwrite", [False, True])
def test_atomic_output_replaces_only_regular_files(tmp_path, kind, overwrite):
    target = _special(tmp_path / "out.csv", kind)
    with pytest.raises(InputError) as err:
        with atomic_output(target, overwrite=overwrite) as tmp:
            tmp.write_text("x")
    assert err.value.exit_code == 2 and "replaces only regular files" in str(err.value)
    assert _kind_is(target, kind)
    assert not list(tmp_path.glob(".geozones-*"))
    # a link to one, and a shapefile part that is one, are refused alike
    os.symlink(target, tmp_path / "link.csv")
    with pytest.raises(InputError), atomic_output(tmp_path / "link.csv", overwrite=True) as tmp:
        tmp.write_text("x")
    part = _special(tmp_path / "p.dbf", "fifo" if kind != "fifo" else "socket")
    with pytest.raises(InputError), atomic_output(tmp_path / "p.shp", overwrite=True) as tmp:
        tmp.write_text("x")
    assert os.path.lexists(part) and not (tmp_path / "p.shp").exists()


def test_a_special_file_put_in_place_while_writing_is_not_replaced(tmp_path):
    """Checked again just before the final move: a FIFO made meanwhile stays a FIFO."""
    dest = tmp_path / "out.csv"
    dest.write_text("old")
    with pytest.raises(InputError), atomic_output(dest, overwrite=True) as tmp:
        tmp.write_text("new")
        dest.unlink()
        os.mkfifo(dest)
    assert _kind_is(dest, "fifo") and not list(tmp_path.glob(".geozones-*"))


def _bench(tmp_path, frame):
    """Inputs for every command: parcels, buildings with heights, a station table."""
    _gdf(frame).to_file(tmp_path / "in.gpkg")
    (tmp_path / "t.csv").write_text((REPO / "tests/data/stations_example.csv").read_text(encoding="utf-8"),
                                    encoding="utf-8")
    return tmp_path


#: Every option of every command that writes: (arguments with {out} for the output, whether
#: the output is a folder). ``check`` and ``stations list`` only print.
WRITERS = {
    "screen -o": (["screen", "{d}/in.gpkg", "-o", "{out}", "--overwrite"], False),
    "screen --report": (["screen", "{d}/in.gpkg", "-o", "{d}/o.gpkg", "--report", "{out}", "--overwrite"], False),
    "screen --map": (["screen", "{d}/in.gpkg", "-o", "{d}/o.gpkg", "--map", "{out}", "--overwrite"], False),
    "screen --long": (["screen", "{d}/in.gpkg", "-o", "{d}/o.gpkg", "--stations", str(REPO / "data/stations"),
                       "--long", "{out}", "--overwrite"], False),
    "screen --reports": (["screen", "{d}/in.gpkg", "-o", "{d}/o.gpkg", "--reports", "{out}", "--overwrite"], True),
    "map -o": (["map", "-o", "{out}", "--tiles", "none"], False),   # map overwrites by default
    "report -o": (["report", "--footprint", "POINT (111.5745 35.5054)", "--height", "10", "-o", "{out}"], False),
    "zones -o": (["zones", "-o", "{out}", "--overwrite"], False),
    "heightlimit -o": (["heightlimit", "-o", "{out}", "--extent", "50", "--overwrite"], False),
    "horizon -o": (["horizon", "--buildings", "{d}/in.gpkg", "--height-field", "h", "-o", "{out}", "--overwrite"], False),
    "horizon --csv": (["horizon", "--buildings", "{d}/in.gpkg", "--height-field", "h", "-o", "{d}/h.png",
                       "--csv", "{out}", "--overwrite"], False),
    "stations import -o": (["stations", "import", "{d}/t.csv", "-o", "{out}", "--overwrite"], True),
}
_EXT = {"screen -o": ".gpkg", "screen --report": ".json", "screen --map": ".html", "screen --long": ".csv",
        "map -o": ".html", "report -o": ".html", "zones -o": ".geojson", "heightlimit -o": ".tif",
        "horizon -o": ".png", "horizon --csv": ".csv"}


def _args(writer: str, d: Path, out) -> list[str]:
    return [a.format(d=d, out=out) for a in WRITERS[writer][0]]


@pytest.mark.parametrize("kind", ["fifo", "folder", "char device"])
@pytest.mark.parametrize("writer", list(WRITERS))
def test_every_writer_refuses_a_path_that_is_not_a_regular_file(tmp_path, frame, writer, kind):
    """`geozones map -o /dev/null` as root replaced the null device with a file (issue 23): a
    FIFO, a folder or a character device (made in tmp_path) is refused in one line, exit 2,
    with --overwrite, before any work, and stays what it was. A folder output (--reports,
    stations import -o) is refused when it is a FIFO, a device or a file."""
    d = _bench(tmp_path, frame)
    folder_out = WRITERS[writer][1]
    if folder_out and kind == "folder":
        kind = "fifo"   # a folder is what these take; the regular-file case stands in
        target = d / "afile"
        target.write_text("mine")
    else:
        target = _special(d / ("x" + _EXT.get(writer, "")), kind)
    res = _run(_args(writer, d, target))
    assert res.exit_code == 2, (writer, res.output)
    assert "Traceback" not in res.output and len(res.output.strip().splitlines()) == 1, res.output
    assert res.output.startswith("error: ") and ("not a folder" if folder_out else "replaces only regular files") in res.output
    if target.name == "afile":
        assert target.read_text() == "mine"
    else:
        assert _kind_is(target, kind)
    assert not (d / "o.gpkg").exists() and not (d / "h.png").exists()   # refused before any work
    assert not list(d.glob(".geozones-*"))


@pytest.mark.parametrize("writer", [w for w in WRITERS if w not in ("screen --report", "horizon --csv")])
def test_dash_is_refused_where_the_output_cannot_go_to_standard_output(tmp_path, frame, writer):
    d = _bench(tmp_path, frame)
    res = _run(_args(writer, d, "-"))
    assert res.exit_code == 2 and "cannot go to standard output" in res.output and "./-" in res.output, res.output
    assert not (d / "-").exists() and not (d / "o.gpkg").exists()


def test_every_path_option_is_an_input_or_a_checked_output():
    """Each option of each command naming a path is an existing input, a known input, or an
    OutputPath (so a new writer option cannot skip the checks)."""
    import click

    from geozones.cli.options import OutputPath

    inputs = {"input_path", "station", "dem", "pilots", "table"}
    outputs = set()

    def walk(cmd, name):
        if isinstance(cmd, click.Group):
            for sub_name, sub in cmd.commands.items():
                walk(sub, f"{name} {sub_name}")
            return
        for p in cmd.params:
            if isinstance(p.type, OutputPath):
                outputs.add(f"{name.strip()} {max(p.opts, key=len)}")
            elif isinstance(p.type, click.Path):
                assert p.type.exists or p.name in inputs, (name, p.name)

    walk(main, "")
    assert outputs == {"screen --output", "screen --report", "screen --map", "screen --long", "screen --reports",
                       "map --output", "report --output", "zones --output", "heightlimit --output",
                       "horizon --output", "horizon --csv", "stations import --output", "ledger export --output",
                       "serve --state-dir"}


# --- issue 23 item 11: names the file system cannot hold, before any work ------------------------

@pytest.mark.parametrize("name", ["x" * 251 + ".gpkg", "a\nb.gpkg", "a\rb.gpkg", "tab\there.gpkg", "a\u2028b.gpkg",
                                  "bad\udcff\ud800.gpkg"], ids=["256-bytes", "LF", "CR", "tab", "LS", "surrogate"])
def test_output_names_the_file_system_cannot_hold_are_one_line_before_any_work(tmp_path, name):
    """256 bytes (the limit is 255), a line break or other control character, a character
    with no encoding: one printable line, exit 2, and the input is not even opened (it does
    not exist here: that error would come first if the work had started)."""
    assert not name.startswith("x") or len(name.encode("utf-8")) == 256
    for args in (["screen", tmp_path / "missing.gpkg", "-o", tmp_path / name],
                 ["zones", "-o", tmp_path / name]):
        res = _run(args)
        assert res.exit_code == 2, res.output
        lines = res.output.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: the output name"), res.output
        assert "missing.gpkg" not in res.output
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_a_name_the_file_system_refuses_is_heard_before_any_work(tmp_path, monkeypatch):
    """A FAT or SMB volume refuses ':' (EINVAL): simulated by refusing it in os.open and
    os.mkdir; the name is tried in a temporary folder, so the answer is one line, exit 2."""
    import errno

    import geozones.io.atomic as safety

    real_open, real_mkdir = os.open, os.mkdir

    def fat_open(path, *a, **k):
        if ":" in os.path.basename(os.fspath(path)):
            raise OSError(errno.EINVAL, "Invalid argument", os.fspath(path))
        return real_open(path, *a, **k)

    def fat_mkdir(path, *a, **k):
        if ":" in os.path.basename(os.fspath(path)):
            raise OSError(errno.EINVAL, "Invalid argument", os.fspath(path))
        return real_mkdir(path, *a, **k)

    monkeypatch.setattr(safety.os, "open", fat_open)
    monkeypatch.setattr(safety.os, "mkdir", fat_mkdir)
    for args in (["zones", "-o", tmp_path / "zones 12:00.geojson"],
                 ["screen", tmp_path / "missing.gpkg", "-o", tmp_path / "o.gpkg", "--reports", tmp_path / "r:1"]):
        res = _run(args)
        assert res.exit_code == 2 and "refuses the output name" in res.output and "Invalid argument" in res.output, res.output
        assert len(res.output.strip().splitlines()) == 1
    with pytest.raises(InputError, match="refuses the output name"), atomic_output(tmp_path / "a:b.csv") as tmp:
        tmp.write_text("x")
    assert list(tmp_path.iterdir()) == []


# --- issue 23 item 5: no silent race ------------------------------------------------------------

def test_a_new_output_that_appears_meanwhile_is_not_replaced(tmp_path):
    """Another run creates the output after this one checked it was free and before its final
    move: this run stops (exit 3, "appeared"), the other's file is untouched."""
    dest = tmp_path / "out.csv"
    with pytest.raises(OutputError) as err, atomic_output(dest) as tmp:
        tmp.write_text("ours")
        dest.write_text("theirs")
    assert err.value.exit_code == 3 and "appeared while this run was writing it" in str(err.value)
    assert dest.read_text() == "theirs" and not list(tmp_path.glob(".geozones-*"))


def test_a_shapefile_race_takes_back_only_our_parts(tmp_path, frame):
    """Our parts are linked in one by one (the .shp last); when another run's .dbf is there
    first, the parts we placed are removed again and theirs stay."""
    dest = tmp_path / "out.shp"
    with pytest.raises(OutputError, match="appeared"), atomic_output(dest) as tmp:
        _gdf(frame, 3).to_file(tmp)
        (tmp_path / "out.dbf").write_bytes(b"theirs")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.dbf"]
    assert (tmp_path / "out.dbf").read_bytes() == b"theirs"


def test_screen_output_appearing_during_the_run_is_not_replaced(tmp_path, frame, zones):
    """The batch path (temporary output opened before the rows are screened) too: the
    destination made from the progress callback, between the start check and the move."""
    _gdf(frame).to_file(tmp_path / "in.gpkg")
    dest = tmp_path / "o.csv"

    def another_run(done, total):
        if not dest.exists():
            dest.write_text("theirs")

    with pytest.raises(OutputError, match="appeared"):
        screen_file(tmp_path / "in.gpkg", dest, zones=zones, opts=ScreenOptions(), progress=another_run)
    assert dest.read_text() == "theirs" and not list(tmp_path.glob(".geozones-*"))


def test_two_runs_writing_the_same_new_output_one_wins(tmp_path):
    """Two processes at once: exactly one writes the file; the other says it exists or
    appeared meanwhile (exit 3, one line); the file is whole."""
    import json

    dest = tmp_path / "z.geojson"
    procs = [subprocess.Popen([sys.executable, "cli.py", "zones", "-o", str(dest)], cwd=REPO,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = [(p.wait(timeout=120), p.stdout.read(), p.stderr.read()) for p in procs]
    for p in procs:
        p.stdout.close()
        p.stderr.close()
    codes = sorted(r[0] for r in results)
    assert codes == [0, 3], results
    loser = next(r for r in results if r[0] == 3)
    assert len(loser[2].strip().splitlines()) == 1 and ("exists" in loser[2] or "appeared" in loser[2])
    assert len(json.loads(dest.read_text(encoding="utf-8"))["features"]) == 7
    assert not list(tmp_path.glob(".geozones-*"))


# --- issue 23 item 11: temporary folders of a dead run are removed, a live one's kept -------------

def test_stale_temporary_folders_are_removed_when_their_owner_is_gone(tmp_path):
    import resource

    def no_core():
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    crash = ("import os, sys\nfrom geozones.io import atomic_output\n"
             "with atomic_output(sys.argv[1]) as tmp:\n    tmp.write_text('half')\n    os.abort()\n")
    r = subprocess.run([sys.executable, "-c", crash, str(tmp_path / "out.csv")], cwd=REPO,
                       capture_output=True, preexec_fn=no_core, timeout=60)
    assert r.returncode == -signal.SIGABRT   # died as a crash in a native library does: no cleanup
    (stale,) = tmp_path.glob(".geozones-*")
    assert (stale / "out.csv").read_text() == "half" and not (tmp_path / "out.csv").exists()
    live = subprocess.Popen([sys.executable, "-c", "import sys\nfrom geozones.io import make_temp_folder\n"
                             "print(make_temp_folder(sys.argv[1]), flush=True)\nsys.stdin.read()\n", str(tmp_path)],
                            cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        live_dir = Path(live.stdout.readline().strip())
        assert live_dir.is_dir() and live_dir.parent == tmp_path
        host, boot, _pid = stale.name.removeprefix(".geozones-").split(".")[:3]
        other_host = tmp_path / f".geozones-{'f' if host[0] != 'f' else 'e'}{host[1:]}.{boot}.{os.getpid()}.x"
        other_boot = tmp_path / f".sort-{host}.{'f' if boot[0] != 'f' else 'e'}{boot[1:]}.{os.getpid()}.x"
        legacy = tmp_path / ".geozones-k2j4h5"   # no owner in the name: not ours to judge
        no_pid = tmp_path / f".geozones-{host}.{boot}.9999999999.x"   # no process can have it: kept, no crash
        for p in (other_host, other_boot, legacy, no_pid):
            p.mkdir()
        with atomic_output(tmp_path / "next.csv") as tmp:   # the next run in this folder
            tmp.write_text("whole")
            left = {p.name for p in tmp_path.iterdir()} - {tmp.parent.name}
        assert left == {live_dir.name, other_host.name, legacy.name, no_pid.name}   # dead pid's and last boot's gone
    finally:
        live.communicate("", timeout=60)
    assert live.returncode == 0 and live_dir.is_dir()   # it left its folder, as a killed run would
    with atomic_output(tmp_path / "again.csv") as tmp:   # its owner has exited now
        tmp.write_text("x")
    assert not live_dir.exists()
    assert (tmp_path / "next.csv").read_text() == "whole"
