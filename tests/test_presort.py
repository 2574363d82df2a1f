"""A sorted GeoParquet output whose input rows are sorted before they are screened
(geozones.presort), screened on threads or in forked worker processes: the same file and
the same summary as sorting the screened rows (issue 13, goal 2)."""

import json

import geopandas as gpd
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import shapely

from geozones import presort
from geozones.check import ZoneSet
from geozones.core import rings as ring_path
from geozones.errors import GeozonesError, OutputError
from geozones.io import ORDER_HINT, TableSource, to_arrow
from geozones.screen import ScreenOptions, screen_file


@pytest.fixture(scope="module")
def zones():
    return ZoneSet.shared()


def _parcels(zones, n=1500, seed=5):
    """Parcels around the station, in its frame (metres), with the rows the ring path and
    the sort must not get wrong: null and empty geometries, a hole, a dent, a bowtie, a NaN
    vertex, a ring of 300 vertices, one far off, some on the field, many on one spot."""
    rng = np.random.default_rng(seed)
    r, a = rng.uniform(0, 6000, n), rng.uniform(0, 2 * np.pi, n)
    x, y = r * np.sin(a), r * np.cos(a)
    geoms = shapely.box(x, y, x + rng.uniform(5, 40, n), y + rng.uniform(5, 40, n)).astype(object)
    circle = shapely.Point(300, 300).buffer(30, quad_segs=75)            # 301 vertices
    special = {
        3: None,
        4: shapely.from_wkt("POLYGON EMPTY"),
        5: shapely.box(100, 100, 200, 200).difference(shapely.box(140, 140, 160, 160)),   # a hole
        6: shapely.Polygon([(400, 0), (500, 0), (450, 40), (500, 100), (400, 100)]),      # a dent
        7: shapely.Polygon([(600, 0), (700, 100), (700, 0), (600, 100)]),                 # a bowtie
        8: shapely.Polygon([(800, 0), (900, np.nan), (900, 0)]),
        9: circle,
        10: shapely.box(9e6, 9e6, 9e6 + 20, 9e6 + 20),                                    # far off
        11: shapely.box(-5, -5, 5, 5),                                                    # on the field
        12: shapely.box(-40, -30, 60, 30),
    }
    for i, g in special.items():
        geoms[i] = g
    geoms[100:160] = [shapely.box(2000, 2000, 2010, 2010)] * 60          # one spot, many rows
    heights = rng.uniform(0, 120, n).round(1)
    heights[20] = np.nan
    return gpd.GeoDataFrame({"PID": np.arange(n), "HEIGHT": heights},
                            geometry=gpd.GeoSeries(geoms, crs=zones.frame.crs), crs=zones.frame.crs)


def _screen(tmp_path, zones, src, name, monkeypatch, *, presorted, processes, chunk=97):
    monkeypatch.setenv("GEOZONES_PRESORT", "1" if presorted else "0")
    monkeypatch.setenv("GEOZONES_PROCESSES", "1" if processes else "0")
    monkeypatch.setenv("GEOZONES_THREADS", "2")
    monkeypatch.setattr("geozones.chunking.PROCESS_MIN_ROWS", 0)
    out = tmp_path / f"{name}.parquet"
    s = screen_file(src, out, zones=zones, opts=ScreenOptions(height_field="HEIGHT"), chunk_size=chunk)
    return pq.read_table(out), s.to_dict()


def _same(a: pa.Table, b: pa.Table) -> None:
    assert a.schema.names == b.schema.names
    assert a.schema.metadata == b.schema.metadata
    for c in a.schema.names:
        assert a.column(c).equals(b.column(c)), c


@pytest.mark.parametrize("processes", [False, True])
def test_sorting_before_screening_gives_the_same_file_and_summary(tmp_path, zones, monkeypatch, processes):
    src = tmp_path / "in.parquet"
    _parcels(zones).to_parquet(src)
    monkeypatch.setattr(presort, "BUCKET_ROWS", 200)      # several buckets, one crowded spot
    old, old_sum = _screen(tmp_path, zones, src, "old", monkeypatch, presorted=False, processes=False)
    new, new_sum = _screen(tmp_path, zones, src, "new", monkeypatch, presorted=True, processes=processes)
    _same(old, new)
    old_sum.pop("output"), new_sum.pop("output")
    assert json.dumps(old_sum) == json.dumps(new_sum)     # the report's order too
    counts = list(new_sum["statuses"].values())
    assert counts == sorted(counts, reverse=True)          # most frequent first
    # the summary's row numbers are input positions: its first errors are the input's first
    errors = [e["row"] for e in new_sum["errors"]]
    assert errors == sorted(errors) and errors[:2] == [3, 4] and 7 not in errors
    assert {8, 10} <= set(errors)
    assert new_sum["worst_exceedances"] and new_sum["sort"] == "hilbert"
    # every input row once, and gz_row gives back the input order
    assert sorted(new.column("gz_row").to_pylist()) == list(range(1500))
    back = new.to_pandas().sort_values("gz_row")
    assert back["PID"].tolist() == list(range(1500))
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".sort-")]


def test_multipolygons_of_one_part_sort_the_same(tmp_path, zones, monkeypatch):
    gdf = _parcels(zones, n=400, seed=9)
    gdf = gdf[gdf.geometry.notna() & (gdf.geom_type == "Polygon")]
    gdf = gdf.set_geometry(gpd.GeoSeries([shapely.MultiPolygon([g]) for g in gdf.geometry.values],
                                         crs=gdf.crs, index=gdf.index))
    src = tmp_path / "multi.parquet"
    gdf.to_parquet(src)
    assert TableSource(src).geometry_type == "MultiPolygon"
    old, _ = _screen(tmp_path, zones, src, "old", monkeypatch, presorted=False, processes=False)
    new, _ = _screen(tmp_path, zones, src, "new", monkeypatch, presorted=True, processes=True)
    _same(old, new)


def _with_unreadable_row(src, dst, row):
    t = pq.read_table(src)
    wkb = t.column("geometry").to_pylist()
    wkb[row] = b"\x01\x03\x00\x00\x00\x01\x00\x00\x00\xff\x00\x00\x00garbage"
    t = t.set_column(t.schema.get_field_index("geometry"), "geometry", pa.array(wkb, type=pa.binary()))
    pq.write_table(t, dst)


def test_an_unreadable_row_is_sorted_after_screening(tmp_path, zones, monkeypatch):
    # screening repairs it (its output bounds are the repair's): the input cannot be sorted
    # first, and is sorted the other way, to the same file
    good = tmp_path / "good.parquet"
    gdf = _parcels(zones, n=300)
    gdf.to_parquet(good)
    bad = tmp_path / "bad.parquet"
    _with_unreadable_row(good, bad, 17)
    src = TableSource(bad)
    src.read_geometries = False
    work = tmp_path / "work"
    work.mkdir()
    assert presort.presort(src, work) is None and not list(work.iterdir())
    old, _ = _screen(tmp_path, zones, bad, "old", monkeypatch, presorted=False, processes=False)
    new, s = _screen(tmp_path, zones, bad, "new", monkeypatch, presorted=True, processes=True)
    _same(old, new)
    assert [e["row"] for e in s["errors"]][:2] == [3, 4] and s["rows"] == 300


def test_wkb_bounds_are_the_bounds_shapely_gives(zones):
    geoms = _parcels(zones, n=200).geometry.values
    wkb = pa.array(shapely.to_wkb(geoms, flavor="iso").tolist(), type=pa.binary())
    for arr in (wkb, wkb.slice(37, 101), pa.chunked_array([wkb.slice(0, 50), wkb.slice(50)])):
        got, unreadable = presort.wkb_bounds(arr)
        ref = arr.to_pylist() if not isinstance(arr, pa.ChunkedArray) else arr.combine_chunks().to_pylist()
        want = shapely.bounds(shapely.from_wkb(np.array(ref, dtype=object)))
        assert np.array_equal(got, want, equal_nan=True)
        assert not unreadable.any()


def test_rings_from_a_buffer_equal_rings_from_bytes():
    polys = [shapely.box(i, 0, i + 1, 2) for i in range(6)] + [shapely.Point(0, 0)]
    values = [shapely.to_wkb(p, flavor="iso") for p in polys]
    want = ring_path.from_wkb(np.array(values, dtype=object))
    # the same values laid out of order in one buffer (later values first)
    order = [3, 1, 4, 0, 6, 2, 5]
    buf = b"".join(values[k] for k in order)
    starts = np.empty(7, dtype=np.int64)
    at = 0
    for k in order:
        starts[k] = at
        at += len(values[k])
    got = ring_path.from_buffer(np.frombuffer(buf, dtype=np.uint8), starts,
                                np.array([len(v) for v in values]), np.arange(7))
    assert got.rows.tolist() == want.rows.tolist() == [0, 1, 2, 3, 4, 5]
    assert np.array_equal(got.x, want.x) and np.array_equal(got.y, want.y)
    assert np.array_equal(got.bounds, shapely.bounds(np.array(polys[:6])))


def test_rows_whose_bounds_changed_are_refused():
    gdf = gpd.GeoDataFrame({"a": [1, 2]}, geometry=[shapely.box(0, 0, 1, 1), shapely.box(2, 2, 3, 3)])
    gdf.attrs[ORDER_HINT] = (np.array([1, 0]), np.array([[0, 0, 1, 1], [2, 2, 3, 3.5]], dtype=float))
    with pytest.raises(OutputError, match="bounds changed"):
        to_arrow(gdf, bbox=True)
    gdf.attrs[ORDER_HINT] = (np.array([1, 0]), np.array([[0, 0, 1, 1], [2, 2, 3, 3]], dtype=float))
    assert to_arrow(gdf, bbox=True).column("gz_row").to_pylist() == [1, 0]


def _boom(*a, **k):
    raise OutputError("output_write", path="x", why="a test's failure in the worker")


def _die(*a, **k):
    import os

    os._exit(7)


@pytest.mark.parametrize("fail, message", [(_boom, "a test's failure in the worker"),
                                           (_die, "screening worker process stopped")])
def test_a_worker_failing_fails_the_run_in_one_clear_error(tmp_path, zones, monkeypatch, fail, message):
    src = tmp_path / "in.parquet"
    _parcels(zones, n=300).to_parquet(src)
    monkeypatch.setattr("geozones.screen.screen_piece", fail)   # forked workers inherit it
    out = tmp_path / "out.parquet"
    with pytest.raises(GeozonesError, match=message):
        _screen(tmp_path, zones, src, "out", monkeypatch, presorted=True, processes=True)
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def _project_many(_):
    import numpy as np

    from geozones.core import coords

    zones = ZoneSet.shared()
    x = np.full(coords.PARALLEL_MIN_COORDS + 10, 111.57)
    y = np.full(coords.PARALLEL_MIN_COORDS + 10, 35.50)
    return float(coords.transform_xy(x, y, coords.parse_crs("EPSG:4326"), zones.frame.crs)[0][0])


def test_a_forked_child_projects_with_threads_of_its_own(monkeypatch):
    # the parent's pool of projection threads does not exist in a forked child: the child
    # makes its own instead of waiting forever on the parent's
    import multiprocessing

    monkeypatch.setenv("GEOZONES_THREADS", "2")
    here = _project_many(0)                       # the parent's pool now exists
    with multiprocessing.get_context("fork").Pool(1) as pool:
        there = pool.apply_async(_project_many, (0,)).get(timeout=120)
    assert there == here


def _screen_any(tmp_path, zones, src, out_name, monkeypatch, processes, chunk=97, sort=None):
    monkeypatch.setenv("GEOZONES_PROCESSES", "1" if processes else "0")
    monkeypatch.setenv("GEOZONES_THREADS", "2")
    monkeypatch.setattr("geozones.chunking.PROCESS_MIN_ROWS", 0)
    out = tmp_path / out_name
    s = screen_file(src, out, zones=zones, opts=ScreenOptions(height_field="HEIGHT"), chunk_size=chunk,
                    sort=sort)
    d = s.to_dict()
    d.pop("output")
    return out, d


def _gdal_table(path):
    import pyogrio

    return pyogrio.read_arrow(path, layer=pyogrio.list_layers(path)[0][0])[1]


@pytest.mark.parametrize("out_ext", ["gpkg", "fgb", "parquet"])
def test_gdal_input_through_the_workers_equals_threads(tmp_path, zones, monkeypatch, out_ext):
    gdf = _parcels(zones, n=400, seed=11)
    gdf = gdf[gdf.geometry.notna()]       # a GeoPackage keeps null geometries; FlatGeobuf below
    src = tmp_path / "in.gpkg"
    gdf.to_file(src, engine="pyogrio")
    sort = "none" if out_ext == "parquet" else None
    a, sa = _screen_any(tmp_path, zones, src, f"threads.{out_ext}", monkeypatch, False, sort=sort)
    b, sb = _screen_any(tmp_path, zones, src, f"workers.{out_ext}", monkeypatch, True, sort=sort)
    ta, tb = (pq.read_table(a), pq.read_table(b)) if out_ext == "parquet" else (_gdal_table(a), _gdal_table(b))
    _same(ta, tb)
    assert sa == sb and sa["rows"] == len(gdf)


def test_a_malformed_arrow_stream_is_finished_feature_by_feature(tmp_path, zones, monkeypatch):
    # GDAL's FlatGeobuf stream breaks at a null geometry (test_rings): the rows before it
    # come from the workers, the rest is read feature by feature and screened here
    gdf = _parcels(zones, n=300, seed=4)
    geoms = gdf.geometry.values.copy()
    geoms[3] = geoms[4] = shapely.box(0, 0, 10, 10)   # no null or empty geometry before row 250
    geoms[250] = None
    gdf = gdf.set_geometry(gpd.GeoSeries(geoms, crs=gdf.crs, index=gdf.index))
    src = tmp_path / "in.fgb"
    gdf.to_file(src, engine="pyogrio", SPATIAL_INDEX="NO")
    a, sa = _screen_any(tmp_path, zones, src, "threads.parquet", monkeypatch, False, chunk=40, sort="none")
    b, sb = _screen_any(tmp_path, zones, src, "workers.parquet", monkeypatch, True, chunk=40, sort="none")
    _same(pq.read_table(a), pq.read_table(b))
    assert sa == sb and sa["rows"] == 300
    got = pq.read_table(b).to_pandas()
    assert got["PID"].tolist() == list(range(300)) and got["gz_verdict"][250] == "error"
    from geozones.io import NotArrow, TableSource

    with pytest.raises(NotArrow) as broke:    # the stream breaks at the chunk holding row 250
        for _ in TableSource(src, chunk_size=40).arrow_batches():
            pass
    assert broke.value.row == 240


def _worker_state():
    import ctypes
    import signal

    got = ctypes.c_int(0)
    ctypes.CDLL(None).prctl(2, ctypes.byref(got))          # PR_GET_PDEATHSIG
    return signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM), got.value


def test_workers_leave_signals_to_the_parent_and_die_with_it(tmp_path):
    # a terminal's Ctrl-C reaches every process of the group: the workers ignore it (the
    # parent stops the run, no worker tracebacks); should the parent be killed, so are they
    import signal

    from geozones.pipeline import WorkerPool

    with WorkerPool(1, int, (), spill=tmp_path, room=0) as pool:
        (sigint, sigterm, death), = list(pool.map(_worker_state_of, [0]))
    assert sigint == signal.SIG_IGN and sigterm == signal.SIG_DFL and death == signal.SIGKILL


def _worker_state_of(_):
    return _worker_state()


def test_exchange_files_go_where_there_is_room(tmp_path, monkeypatch):
    import errno
    import os
    import tempfile

    from geozones import pipeline

    shm = tmp_path / "shm"
    dead, live = shm / "geozones-1-dead", shm / "geozones-2-live"
    for d in (dead, live):
        d.mkdir(parents=True)
        (d / ".lock").touch()            # a run's lock: free once it died (dead), held (live)
    held = pipeline._hold(live)
    monkeypatch.setattr(pipeline, "_SHM", shm)
    try:
        assert pipeline._scratch_parent(tmp_path / "out", room=1) == shm
    finally:
        os.close(held)
    assert not dead.exists() and live.exists()   # another namespace's live run is left alone
    assert pipeline._scratch_parent(tmp_path / "out", room=10 ** 18) == tmp_path / "out"
    with pytest.raises(OutputError, match="nowhere"):
        pipeline.put_table(pa.table({"a": [1]}), tmp_path / "nowhere")
    # the exchange folder fills up meanwhile: the table goes to the spill folder
    full, spill = tmp_path / "full", tmp_path / "spill"
    full.mkdir(), spill.mkdir()
    real = tempfile.mkstemp

    def mkstemp(*a, dir=None, **k):
        if dir == full:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(*a, dir=dir, **k)

    monkeypatch.setattr(tempfile, "mkstemp", mkstemp)
    path = pipeline.put_table(pa.table({"a": [1]}), full, spill)
    assert os.path.dirname(path) == str(spill)
    assert pipeline.take_table(path).column("a").to_pylist() == [1]


def test_a_system_that_will_not_fork_screens_on_threads(tmp_path, zones, monkeypatch):
    from geozones import pipeline

    def no_fork(self, *a, **k):
        raise OSError(11, "Resource temporarily unavailable")

    src = tmp_path / "in.parquet"
    _parcels(zones, n=300).to_parquet(src)
    old, old_sum = _screen(tmp_path, zones, src, "old", monkeypatch, presorted=True, processes=False)
    monkeypatch.setattr(pipeline.WorkerPool, "__init__", no_fork)
    new, new_sum = _screen(tmp_path, zones, src, "new", monkeypatch, presorted=True, processes=True)
    _same(old, new)
    old_sum.pop("output"), new_sum.pop("output")
    assert old_sum == new_sum


def test_the_commands_default_chunk_is_the_librarys():
    from click.testing import CliRunner

    from geozones.chunking import DEFAULT_CHUNK_ROWS
    from geozones.cli import main

    text = " ".join(CliRunner().invoke(main, ["screen", "--help"]).output.split())
    assert f"bounded by this). [default: {DEFAULT_CHUNK_ROWS};" in text


def test_a_failed_second_fork_leaves_no_worker_behind(tmp_path, zones, monkeypatch):
    # the system refuses the second worker: the first is stopped, and the run goes on threads
    import multiprocessing
    import os

    real, calls = os.fork, []

    def fork():
        calls.append(1)
        if len(calls) == 2:
            raise BlockingIOError(11, "Resource temporarily unavailable")
        return real()

    src = tmp_path / "in.parquet"
    _parcels(zones, n=300).to_parquet(src)
    old, old_sum = _screen(tmp_path, zones, src, "old", monkeypatch, presorted=True, processes=False)
    monkeypatch.setattr(os, "fork", fork)
    new, new_sum = _screen(tmp_path, zones, src, "new", monkeypatch, presorted=True, processes=True)
    monkeypatch.setattr(os, "fork", real)
    assert len(calls) == 2 and not multiprocessing.active_children()
    _same(old, new)


class _Unpicklable(Exception):
    def __init__(self, why):
        super().__init__(why)
        import threading

        self.lock = threading.Lock()


def _raise_unpicklable(*a, **k):
    raise _Unpicklable("a lock in the error")


def test_an_unexpected_worker_error_keeps_its_name_and_message(tmp_path, zones, monkeypatch):
    from geozones.screen import WorkerError

    src = tmp_path / "in.parquet"
    _parcels(zones, n=300).to_parquet(src)
    monkeypatch.setattr("geozones.screen.screen_piece", _raise_unpicklable)
    with pytest.raises(WorkerError, match="_Unpicklable: a lock in the error"):
        _screen(tmp_path, zones, src, "out", monkeypatch, presorted=True, processes=True)


def test_an_input_not_read_as_arrow_is_not_given_to_workers(tmp_path, zones, monkeypatch):
    # a shapefile in a legacy encoding is read chunk by chunk (not one Arrow stream): no
    # workers are forked for it (they would wait while this process read every row)
    from geozones.io import TableSource
    from geozones.screen import _forks_workers

    gdf = _parcels(zones, n=200).iloc[20:]      # plain boxes (the hostile rows are 3-12)
    gdf = gdf.assign(NAME="绛县")
    shp = tmp_path / "gbk.shp"
    gdf.to_file(shp, engine="pyogrio", encoding="GBK")
    monkeypatch.setattr("geozones.chunking.PROCESS_MIN_ROWS", 0)
    src = TableSource(shp)
    src.read_geometries = False
    assert src.encoding.upper() == "GBK" and not src.reads_arrow
    assert not _forks_workers(src, None)
    par = tmp_path / "in.parquet"
    gdf.to_parquet(par)
    src = TableSource(par)
    src.read_geometries = False
    assert src.reads_arrow and _forks_workers(src, None)


@pytest.mark.parametrize("out_ext", ["parquet", "gpkg"])
def test_a_column_arrow_cannot_take_back_is_one_clear_error(tmp_path, zones, monkeypatch, out_ext):
    # a map column comes out of pandas as lists of pairs, which Arrow will not take back:
    # one line naming the column, exit 2, nothing written (it was a traceback)
    from click.testing import CliRunner

    from geozones.cli import main

    gdf = _parcels(zones, n=200).iloc[20:30]
    src = tmp_path / "in.parquet"
    gdf.to_parquet(src)
    t = pq.read_table(src)
    tags = pa.array([[("k", i)] for i in range(t.num_rows)], type=pa.map_(pa.string(), pa.int64()))
    pq.write_table(t.append_column("tags", tags), src)
    out = tmp_path / f"out.{out_ext}"
    r = CliRunner().invoke(main, ["screen", str(src), "-o", str(out)])
    assert r.exit_code == 2 and "column 'tags' cannot be written" in r.output
    assert len(r.output.strip().splitlines()) == 1 and not out.exists()


def _with_decimals(tmp_path, zones, values, precision=10):
    import decimal

    gdf = _parcels(zones, n=200).iloc[20:20 + len(values)]
    src = tmp_path / "dec.parquet"
    gdf.to_parquet(src)
    t = pq.read_table(src)
    col = pa.array([decimal.Decimal(v) for v in values], type=pa.decimal128(precision, 2))
    pq.write_table(t.append_column("price", col), src)
    return src


@pytest.mark.parametrize("sort", ["none", "hilbert"])
def test_a_decimal_column_keeps_every_value_across_chunks(tmp_path, zones, sort):
    # through pandas a decimal column's precision is inferred per chunk (1.50: decimal(3, 2));
    # the first chunk's must not refuse a later chunk's 12345678.25 (a traceback, batch lost)
    values = ["1.50"] * 10 + ["12345678.25"] * 20
    src = _with_decimals(tmp_path, zones, values)
    out = tmp_path / f"out_{sort}.parquet"
    screen_file(src, out, zones=zones, opts=ScreenOptions(height_field="HEIGHT"), chunk_size=10, sort=sort)
    got = pq.read_table(out)
    if sort == "hilbert":
        got = got.sort_by("gz_row")
    assert [str(v) for v in got.column("price").to_pylist()] == values
    assert got.schema.field("price").type == pa.decimal128(18, 2)


def test_a_decimal_too_wide_for_the_first_chunks_type_is_one_clear_error(tmp_path, zones):
    from click.testing import CliRunner

    from geozones.cli import main

    src = _with_decimals(tmp_path, zones, ["1.50"] * 10 + ["1234567890123456789012.25"] * 5, precision=30)
    r = CliRunner().invoke(main, ["screen", str(src), "-o", str(tmp_path / "o.parquet"), "--sort", "none",
                                  "--chunk-size", "10"])
    assert r.exit_code == 3 and "column 'price' (decimal128(18, 2))" in r.output
    assert len(r.output.strip().splitlines()) == 1
