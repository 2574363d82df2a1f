"""geozones.batch.run: parts screened in worker processes, the output in input order.

The input is the nine hand-made parcels of test_screen (verdicts worked out by hand there)
repeated, each copy numbered; runs are forced onto two worker processes with chunks of 7
rows, so that every part holds several chunks. References: the input as geopandas reads it
(row order, columns) and the hand-worked verdicts.
"""

import multiprocessing

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
import shapely
from conftest import read_output
from test_screen import _parcels

from geozones.batch.settings import Settings
from geozones.check import ZoneSet
from geozones.errors import GeozonesError, OutputError
from geozones.screen import ScreenOptions, screen_file

COPIES = 30
CHUNK = 7
OPTS = ScreenOptions(height_field="高度", kind_field="类型")
EXPECT = ["pass", "fail", "fail", "fail", "review", "pass", "error", "error", "pass"]
#: two worker processes whatever the input's size
FORKED = Settings(chunk_rows=CHUNK, processes=2, process_min_rows=0)


@pytest.fixture(scope="module")
def zones():
    return ZoneSet()


@pytest.fixture(scope="module")
def inputs(tmp_path_factory, frame):
    d = tmp_path_factory.mktemp("run_in")
    gdf = pd.concat([_parcels(frame, 4546)] * COPIES, ignore_index=True)
    gdf["PID"] = np.arange(len(gdf))
    gdf.to_file(d / "in.gpkg", layer="parcels")
    gdf.to_parquet(d / "in.parquet", row_group_size=25)
    return {"gpkg": d / "in.gpkg", "parquet": d / "in.parquet"}


def _read(path):
    return gpd.read_parquet(path) if path.suffix == ".parquet" else read_output(path)


@pytest.mark.parametrize("out_ext", ["gpkg", "parquet", "csv", "shp"])
@pytest.mark.parametrize("in_kind", ["gpkg", "parquet"])
def test_worker_processes_write_every_row_once_in_input_order(zones, inputs, tmp_path, in_kind, out_ext):
    src = inputs[in_kind]
    out = tmp_path / f"out.{out_ext}"
    s = screen_file(src, out, zones=zones, opts=OPTS, sort="none" if out_ext == "parquet" else None,
                    settings=FORKED)
    given = gpd.read_parquet(src) if in_kind == "parquet" else read_output(src)
    got = pd.read_csv(out) if out_ext == "csv" else _read(out)
    # every input row once, in the input's order, with its own columns as read
    assert got["PID"].astype(int).tolist() == given["PID"].tolist() == list(range(9 * COPIES))
    assert got["名称"].tolist() == given["名称"].tolist()
    # each with a status, and the verdict worked out by hand
    status = got["gz_status"]
    assert status.notna().all() and (status.astype(str).str.len() > 0).all()
    assert got["gz_verdict"].tolist() == EXPECT * COPIES
    assert s.rows == 9 * COPIES and s.verdicts == {"pass": 3 * COPIES, "fail": 3 * COPIES,
                                                   "error": 2 * COPIES, "review": COPIES}
    assert s.error_rows == 2 * COPIES and [e[0] for e in s.errors] == sorted(
        r for r in range(9 * COPIES) if r % 9 in (6, 7))[:20]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]   # no part folder left


def test_a_sorted_output_gives_the_input_order_back_by_gz_row(zones, inputs, tmp_path):
    out = tmp_path / "out.parquet"
    screen_file(inputs["parquet"], out, zones=zones, opts=OPTS, settings=FORKED)
    got = pq.read_table(out).to_pandas()
    assert sorted(got["gz_row"]) == list(range(9 * COPIES))
    back = got.sort_values("gz_row")
    assert back["PID"].tolist() == list(range(9 * COPIES))
    assert back["gz_verdict"].tolist() == EXPECT * COPIES


def test_progress_comes_in_order_up_to_every_row(zones, inputs, tmp_path):
    seen = []
    screen_file(inputs["gpkg"], tmp_path / "o.gpkg", zones=zones, opts=OPTS, settings=FORKED,
                progress=lambda done, total: seen.append((done, total)))
    done = [d for d, _t in seen]
    assert done == sorted(done) and seen[-1] == (9 * COPIES, 9 * COPIES)


def _boom(*a, **k):
    raise OutputError("output_write", path="x", why="a test's failure in the worker")


def _die(*a, **k):
    import os

    os._exit(7)


class _Unpicklable(Exception):
    def __init__(self, why):
        super().__init__(why)
        import threading

        self.lock = threading.Lock()


def _raise_unpicklable(*a, **k):
    raise _Unpicklable("a lock in the error")


@pytest.mark.parametrize("fail, error, message", [
    (_boom, GeozonesError, "a test's failure in the worker"),
    (_die, GeozonesError, "screening worker process stopped"),
    (_raise_unpicklable, RuntimeError, "_Unpicklable: a lock in the error")])
def test_a_worker_failing_fails_the_run_in_one_clear_error(zones, inputs, tmp_path, monkeypatch, fail, error,
                                                           message):
    monkeypatch.setattr("geozones.screen.screen_piece", fail)   # forked workers inherit it
    out = tmp_path / "out.gpkg"
    with pytest.raises(error, match=message):
        screen_file(inputs["parquet"], out, zones=zones, opts=OPTS, settings=FORKED)
    assert not out.exists()
    assert not list(tmp_path.iterdir())      # nothing left: no temporary folder, no part file
    assert not multiprocessing.active_children()


def test_a_system_that_will_not_fork_screens_here(zones, inputs, tmp_path, monkeypatch):
    import os

    def no_fork():
        raise BlockingIOError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(os, "fork", no_fork)
    out = tmp_path / "out.gpkg"
    s = screen_file(inputs["gpkg"], out, zones=zones, opts=OPTS, settings=FORKED)
    monkeypatch.undo()
    assert read_output(out)["PID"].tolist() == list(range(9 * COPIES)) and s.rows == 9 * COPIES
    assert not multiprocessing.active_children()


def test_a_malformed_arrow_stream_is_finished_feature_by_feature(zones, tmp_path, frame):
    # GDAL's FlatGeobuf stream breaks at a null geometry (test_rings): the worker holding it
    # reads the rest of its part feature by feature; every row comes out, in order
    x = np.arange(300) * 40.0
    geoms = shapely.box(x, 600, x + 10, 610).astype(object)
    geoms[250] = None
    gdf = gpd.GeoDataFrame({"PID": np.arange(300), "h": 5.0},
                           geometry=gpd.GeoSeries(geoms, crs=frame.crs), crs=frame.crs)
    src = tmp_path / "in.fgb"
    gdf.to_file(src, engine="pyogrio", SPATIAL_INDEX="NO")
    out = tmp_path / "out.parquet"
    s = screen_file(src, out, zones=zones, opts=ScreenOptions(height_field="h"), sort="none",
                    settings=Settings(chunk_rows=40, processes=2, process_min_rows=0))
    got = pq.read_table(out).to_pandas()
    assert got["PID"].tolist() == list(range(300)) and s.rows == 300
    assert got["gz_verdict"][250] == "error" and (got["gz_verdict"].drop(index=250) != "error").all()


def test_the_run_uses_arrows_jemalloc_pool_where_the_build_has_it():
    import subprocess
    import sys

    code = ("from geozones.batch.run import use_arrow_pool; use_arrow_pool('jemalloc'); "
            "import pyarrow as pa; print(pa.default_memory_pool().backend_name)")
    got = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.strip()
    import pyarrow as pa

    try:
        pa.jemalloc_memory_pool()
    except NotImplementedError:
        pytest.skip("this pyarrow has no jemalloc")
    assert got == "jemalloc"


def _worker_state(_):
    import ctypes
    import signal

    got = ctypes.c_int(0)
    ctypes.CDLL(None).prctl(2, ctypes.byref(got))          # PR_GET_PDEATHSIG
    return signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM), got.value


@pytest.mark.skipif(not __import__("sys").platform.startswith("linux"), reason="prctl is Linux's")
def test_workers_leave_signals_to_the_parent_and_die_with_it():
    # a terminal's Ctrl-C reaches every process of the group: the workers ignore it (the
    # parent stops the run, no worker tracebacks); should the parent be killed, so are they
    import signal
    from concurrent.futures import ProcessPoolExecutor

    from geozones.batch.run import _start_worker

    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork"), initializer=_start_worker) as pool:
        sigint, sigterm, death = pool.submit(_worker_state, 0).result()
    assert sigint == signal.SIG_IGN and sigterm == signal.SIG_DFL and death == signal.SIGKILL


@pytest.mark.parametrize("in_kind", ["gpkg", "parquet"])
def test_many_stations_in_worker_processes(inputs, tmp_path, in_kind):
    """screen --stations on a file large enough for worker processes: the same rows and the
    hand-worked verdicts (the shipped station alone in the network reaches them all), not a
    traceback (the pool prepared "the" station frame a network has not; issue 23, item 10)."""
    from geozones.check import StationNetwork
    from geozones.station import load_station

    out = tmp_path / "out.parquet"
    s = screen_file(inputs[in_kind], out, zones=StationNetwork([load_station()]), opts=OPTS, sort="none",
                    settings=FORKED)
    got = gpd.read_parquet(out)
    assert got["PID"].tolist() == list(range(9 * COPIES))
    assert got["gz_verdict"].tolist() == EXPECT * COPIES and s.rows == 9 * COPIES
