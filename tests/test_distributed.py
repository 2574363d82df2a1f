"""The dask engine (issue 15 item 4): same output, same summary, parts read by the workers.

A LocalCluster of two single-threaded worker processes is started once for the module; the
runs reach it by its address (the ``--scheduler`` path). Inputs are the nine hand-made
parcels of test_screen (verdicts worked out by hand there) repeated 20 times, read in chunks
of 7 rows, so every part holds several chunks and the parts cut row groups and CSV records.
"""

import dataclasses
import filecmp
import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import shapely
from click.testing import CliRunner
from conftest import read_output
from test_screen import _parcels

from geozones.check import ZoneSet
from geozones.cli import main
from geozones.errors import InputError
from geozones.screen import ScreenOptions, screen_file

distributed = pytest.importorskip("distributed")  # in the test extra: CI runs these

COPIES = 20
CHUNK = 7
OPTS = dict(height_field="高度", kind_field="类型")


@pytest.fixture(scope="module")
def cluster():
    cl = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None)
    yield cl
    cl.close()


@pytest.fixture(scope="module")
def zones():
    return ZoneSet()


@pytest.fixture(scope="module")
def inputs(tmp_path_factory, frame):
    d = tmp_path_factory.mktemp("dask_in")
    one = _parcels(frame, 4546)
    gdf = pd.concat([one] * COPIES, ignore_index=True)
    gdf["名称"] = [f"{n}-{i}" for i, n in enumerate(gdf["名称"])]
    gdf.loc[10, "名称"] = '北侧住宅, "A"\n第二行'  # comma, quotes and a newline in one CSV field
    gdf.to_file(d / "in.gpkg", layer="parcels")
    gdf.to_parquet(d / "in.parquet", row_group_size=20)
    df = pd.DataFrame(gdf.drop(columns="geometry"))
    df.insert(2, "geom", [g.wkt if g is not None else "" for g in gdf.geometry])
    df.to_csv(d / "in.csv", index=False, encoding="utf-8")
    return {"gpkg": (d / "in.gpkg", {}), "parquet": (d / "in.parquet", {}),
            "csv": (d / "in.csv", {"wkt_column": "geom", "crs": "EPSG:4546"})}


def _both(cluster, zones, src, kw, out_dir: Path, ext: str, **extra):
    """The local engine's and the dask engine's output and summary for the same input."""
    a = screen_file(src, out_dir / f"local.{ext}", zones=zones, opts=ScreenOptions(**OPTS),
                    chunk_size=CHUNK, **kw, **extra)
    b = screen_file(src, out_dir / f"dask.{ext}", zones=zones, opts=ScreenOptions(**OPTS),
                    chunk_size=CHUNK, engine="dask", scheduler=cluster.scheduler_address, **kw, **extra)
    return a, b


@pytest.mark.parametrize("out_ext", ["gpkg", "parquet", "csv"])
@pytest.mark.parametrize("in_kind", ["gpkg", "parquet", "csv"])
def test_dask_output_and_summary_equal_local(cluster, zones, inputs, tmp_path, in_kind, out_ext):
    src, kw = inputs[in_kind]
    a, b = _both(cluster, zones, src, kw, tmp_path, out_ext)
    assert dataclasses.replace(b, output=a.output) == a       # every count, row number, sum
    local, dask = tmp_path / f"local.{out_ext}", tmp_path / f"dask.{out_ext}"
    if out_ext == "gpkg":  # a GeoPackage stamps its write time: compare the tables
        ta, tb = read_output(local, layer="parcels" if in_kind == "gpkg" else None), \
            read_output(dask, layer="parcels" if in_kind == "gpkg" else None)
        pd.testing.assert_frame_equal(pd.DataFrame(ta.drop(columns="geometry")),
                                      pd.DataFrame(tb.drop(columns="geometry")))
        assert list(shapely.to_wkb(ta.geometry.values)) == list(shapely.to_wkb(tb.geometry.values))
    else:
        assert filecmp.cmp(local, dask, shallow=False)       # byte for byte
    # and both are right: the hand-made verdicts of the nine parcels, 20 times, rows in order
    n = 9 * COPIES
    assert a.rows == n and a.verdicts == {"pass": 3 * COPIES, "fail": 3 * COPIES,
                                          "review": COPIES, "error": 2 * COPIES}
    assert a.error_rows == 2 * COPIES
    assert [r for r, _s, _i in a.errors] == sorted([9 * k + 6 for k in range(10)] + [9 * k + 7 for k in range(10)])
    if out_ext == "parquet":  # Hilbert-sorted by default: gz_row gives back the input order
        got = gpd.read_parquet(dask).sort_values("gz_row")
        assert list(got["gz_row"]) == list(range(n))
    else:
        got = read_output(dask) if out_ext != "gpkg" else read_output(dask, layer="parcels" if in_kind == "gpkg" else None)
    assert list(got["expect"]) == list(got["gz_verdict"]) == ["pass", "fail", "fail", "fail", "review", "pass",
                                                              "error", "error", "pass"] * COPIES


def test_dask_keeps_input_order_with_sort_none(cluster, zones, inputs, tmp_path):
    src, kw = inputs["parquet"]
    a, b = _both(cluster, zones, src, kw, tmp_path, "parquet", sort="none")
    assert filecmp.cmp(tmp_path / "local.parquet", tmp_path / "dask.parquet", shallow=False)
    got = gpd.read_parquet(tmp_path / "dask.parquet")
    assert "gz_row" not in got.columns and list(got["名称"]) == list(gpd.read_parquet(src)["名称"])
    assert a.sort == b.sort == "none"


def test_progress_as_parts_finish(cluster, zones, inputs, tmp_path):
    src, _kw = inputs["parquet"]
    seen = []
    screen_file(src, tmp_path / "o.csv", zones=zones, opts=ScreenOptions(**OPTS), chunk_size=CHUNK,
                engine="dask", scheduler=cluster.scheduler_address,
                progress=lambda done, total: seen.append((done, total)))
    done = [d for d, _t in seen]
    # rows of the finished parts: 7 parts of 28 rows, the last of 12, finishing in any order
    assert done == sorted(done) and seen[-1] == (180, 180) and {t for _d, t in seen} == {180}
    assert all(d % 28 in (0, 12) for d in done)


def test_bad_row_in_one_part_does_not_sink_the_batch(cluster, zones, inputs, tmp_path):
    # row 100 (in the fourth of seven parts) holds WKB that cannot be parsed
    src, _kw = inputs["parquet"]
    table = pq.read_table(src)
    wkb = table.column("geometry").to_pylist()
    wkb[100] = b"\x01\x03\x00\x00"
    bad = tmp_path / "bad.parquet"
    pq.write_table(table.set_column(table.schema.get_field_index("geometry"), "geometry",
                                    pa.array(wkb, pa.binary())).replace_schema_metadata(table.schema.metadata),
                   bad, row_group_size=20)
    a, b = _both(cluster, zones, bad, {}, tmp_path, "csv")
    assert dataclasses.replace(b, output=a.output) == a
    assert filecmp.cmp(tmp_path / "local.csv", tmp_path / "dask.csv", shallow=False)
    got = pd.read_csv(tmp_path / "dask.csv")
    assert len(got) == 9 * COPIES and got["gz_status"][100].startswith("error")
    # row 100 is a copy of the second parcel (fail): now one more error, one fail less
    assert a.error_rows == 2 * COPIES + 1 and a.verdicts["fail"] == 3 * COPIES - 1


def test_failing_part_leaves_no_output(cluster, zones, tmp_path, frame):
    # a quote never closed on the last line: the worker reading the last part fails (a
    # record with too many fields would be that row's error, not the part's); the run fails
    # in one line and writes nothing (an existing output is kept as it was)
    one = _parcels(frame, 4546)
    df = pd.DataFrame(one.drop(columns="geometry"))
    df["geom"] = [g.wkt if g is not None else "" for g in one.geometry]
    text = df.to_csv(index=False)
    lines = text.splitlines(keepends=True)
    body = lines[1:] * COPIES
    body[-1] = body[-1].rstrip("\n") + ',"never closed\n'
    last_line = 1 + len(body)   # the header is line 1
    src = tmp_path / "broken.csv"
    src.write_text(lines[0] + "".join(body), encoding="utf-8")
    out = tmp_path / "out.gpkg"
    out.write_bytes(b"old")
    with pytest.raises(InputError) as err:
        screen_file(src, out, zones=zones, opts=ScreenOptions(**OPTS), wkt_column="geom", crs="EPSG:4546",
                    chunk_size=CHUNK, engine="dask", scheduler=cluster.scheduler_address, overwrite=True)
    assert "\n" not in str(err.value)   # the worker's own error, as it is
    assert f"line {last_line}: a quote opened here is never closed" in str(err.value)
    assert out.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken.csv", "out.gpkg"]  # no temp folder left


def test_cli_engine_dask(cluster, inputs, tmp_path):
    src, _kw = inputs["gpkg"]
    out = tmp_path / "o.parquet"
    report = tmp_path / "r.json"
    res = CliRunner().invoke(main, ["screen", str(src), "-o", str(out), "--height-field", "高度",
                                    "--kind-field", "类型", "--engine", "dask", "--scheduler",
                                    cluster.scheduler_address, "--chunk-size", "50", "--report", str(report)])
    assert res.exit_code == 0, res.output
    assert "Hilbert" in res.output
    data = json.loads(report.read_text(encoding="utf-8"))
    assert data["rows"] == 9 * COPIES and data["sort"] == "hilbert"


def test_unreachable_scheduler_is_one_line(inputs, tmp_path, monkeypatch):
    import geozones.batch.run as run

    monkeypatch.setattr(run, "SCHEDULER_TIMEOUT_S", 0.5)
    src, _kw = inputs["gpkg"]
    res = CliRunner().invoke(main, ["screen", str(src), "-o", str(tmp_path / "o.gpkg"), "--engine", "dask",
                                    "--scheduler", "tcp://127.0.0.1:9"])
    assert res.exit_code == 2
    assert "cannot reach the dask scheduler at tcp://127.0.0.1:9" in res.output
    assert "Traceback" not in res.output and not (tmp_path / "o.gpkg").exists()


def test_workers_without_dask_engine_refused(inputs, tmp_path):
    src, _kw = inputs["gpkg"]
    res = CliRunner().invoke(main, ["screen", str(src), "-o", str(tmp_path / "o.gpkg"), "--workers", "2"])
    assert res.exit_code == 2 and "--workers and --scheduler are for --engine dask" in res.output


def test_dask_missing_is_one_line(inputs, tmp_path, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "dask.distributed", None)  # import fails as if not installed
    src, _kw = inputs["gpkg"]
    res = CliRunner().invoke(main, ["screen", str(src), "-o", str(tmp_path / "o.gpkg"), "--engine", "dask"])
    assert res.exit_code == 2
    assert "pip install 'geozones[dask]'" in res.output and "Traceback" not in res.output


def test_worker_refuses_a_different_input(inputs, zones, tmp_path):
    # the worker checks the input's size and time against what the driver saw
    from geozones.batch.plan import Part, Source
    from geozones.batch.run import run_part
    from geozones.screen import ChunkContext

    src, _kw = inputs["gpkg"]
    source = Source(str(src), "parcels", "UTF-8", None, None, CHUNK, True, (("in.gpkg", 1, 1),))
    ctx = ChunkContext(zones=zones, opts=ScreenOptions(**OPTS), crs=None, out_crs=None, driver="GPKG",
                       path=str(src))
    with pytest.raises(InputError, match="not the file this run reads"):
        run_part(ctx, source, Part(0, 0, CHUNK), str(tmp_path), None)


def test_dxf_input_is_refused_for_dask(tmp_path):
    from types import SimpleNamespace

    from geozones.batch.plan import plan_parts

    with pytest.raises(InputError, match="DXF input is read whole"):
        plan_parts(SimpleNamespace(kind="dxf", chunk_size=10, n_rows=5, path="p.dxf", shown="p.dxf"), 2)


def test_parts_are_whole_chunks(inputs):
    from geozones.batch.plan import plan_parts
    from geozones.io import TableSource

    src = TableSource(inputs["parquet"][0], chunk_size=CHUNK)
    parts = plan_parts(src, 2)   # 180 rows = 26 chunks; about 4 parts per worker: 4 chunks each
    assert [(p.start, p.stop) for p in parts] == [(k * 28, min(k * 28 + 28, 180)) for k in range(7)]


def test_summary_merge_numbers_rows_across_chunks():
    from geozones.screen import ScreenSummary

    run = ScreenSummary()
    a = ScreenSummary(rows=5, verdicts={"fail": 2}, worst=[(1.0, 4, "fail", "a")], errors=[(2, "error: x", "b")],
                      error_rows=1, pilot_floor_area_m2=10.0, id_column="id")
    b = ScreenSummary(rows=3, verdicts={"fail": 1, "pass": 2}, worst=[(2.5, 0, "fail", "c")],
                      errors=[(1, "error: y", "d")], error_rows=1, pilot_floor_area_m2=5.0)
    run.merge(a)
    run.merge(b)
    assert run.rows == 8 and run.verdicts == {"fail": 3, "pass": 2} and run.id_column == "id"
    assert sorted(run.worst, reverse=True) == [(2.5, 5, "fail", "c"), (1.0, 4, "fail", "a")]  # b's row 0 is row 5
    assert run.errors == [(2, "error: x", "b"), (6, "error: y", "d")] and run.error_rows == 2
    assert run.pilot_floor_area_m2 == 15.0


def test_part_reads_match_whole_read(inputs):
    # a part read alone gives the same chunks as the whole read (row groups of 20, chunks of 7)
    from geozones.io import TableSource

    for kind in ("parquet", "gpkg"):
        src = TableSource(inputs[kind][0], chunk_size=CHUNK)
        whole = list(src.chunks())
        part = list(src.chunks_in(4 * CHUNK, 8 * CHUNK))
        assert len(part) == 4
        for (da, ga, _ra), (db, gb, _rb) in zip(whole[4:8], part):
            pd.testing.assert_frame_equal(da, db)
            assert np.array_equal(shapely.to_wkb(ga), shapely.to_wkb(gb))
        # and the part is rows 28-55 of the file as geopandas reads it
        plain = gpd.read_file(inputs[kind][0]) if kind == "gpkg" else gpd.read_parquet(inputs[kind][0])
        names = [n for db, _g, _r in part for n in db["名称"]]
        assert names == plain["名称"].iloc[4 * CHUNK:8 * CHUNK].tolist()
        geoms = np.concatenate([np.asarray(g, dtype=object) for _d, g, _r in part])
        want = plain.geometry.values[4 * CHUNK:8 * CHUNK]
        assert [None if g is None else g.wkb for g in geoms] == [None if g is None else g.wkb for g in want]


def test_dem_travels_to_the_workers(cluster, zones, tmp_path, frame):
    # the DEM is pickled by path and opened by each worker: same heights as the local engine,
    # and the ones test_terrain worked out by hand (ground 766.5 m under the first box)
    from test_terrain import Z0, _dem, _wgs, plane

    from geozones.terrain import DEM

    dem = DEM(_dem(tmp_path / "plane.tif", frame, plane, half=600.5))
    g = [_wgs(frame, shapely.box(100, 200, 110, 210)), _wgs(frame, shapely.box(900, 900, 910, 910))] * 10
    path = tmp_path / "p.gpkg"
    gpd.GeoDataFrame({"h": [10.0] * 20}, geometry=g, crs=4326).to_file(path)
    opts = ScreenOptions(height_field="h", dem=dem, field_elevation_m=Z0)
    a = screen_file(path, tmp_path / "l.csv", zones=zones, opts=opts, chunk_size=3)
    b = screen_file(path, tmp_path / "d.csv", zones=zones, opts=opts, chunk_size=3, engine="dask",
                    scheduler=cluster.scheduler_address)
    assert dataclasses.replace(b, output=a.output) == a
    assert filecmp.cmp(tmp_path / "l.csv", tmp_path / "d.csv", shallow=False)
    got = pd.read_csv(tmp_path / "d.csv")
    assert got["gz_ground_m"][0] == pytest.approx(766.5) and got["gz_height_m"][0] == pytest.approx(15.5)
    assert got["gz_status"][1].startswith("error") and "outside the DEM" in got["gz_status"][1]


def test_dask_with_many_stations_equals_local(cluster, inputs, tmp_path):
    """The workers screen against a station network (screen --stations) exactly as the local
    engine does: same gz_station/gz_stations and verdicts, same summary (station pairs, rows
    in reach of none); --long is written by the local engine only (one line)."""
    from test_core_network import _station_file

    from geozones.check import StationNetwork
    from geozones.station import load_stations

    folder = tmp_path / "stations"
    _station_file(folder, "a", 35.504, 111.571)
    _station_file(folder, "b", 35.504, 111.771)
    net = StationNetwork(load_stations(folder))
    src, kw = inputs["gpkg"]
    a, b = _both(cluster, net, src, kw, tmp_path, "csv")
    assert dataclasses.replace(b, output=a.output) == a
    assert a.stations == 2 and a.station_pairs > 0
    assert filecmp.cmp(tmp_path / "local.csv", tmp_path / "dask.csv", shallow=False)
    got = pd.read_csv(tmp_path / "dask.csv", keep_default_na=False)
    # the hand-made parcels lie around a (within 2 km); b is 18 km east: a governs each row
    ok = got["gz_verdict"] != "error"
    assert set(got.loc[ok, "gz_station"]) == {"a"}
    with pytest.raises(InputError, match="--long is written by the local engine only"):
        screen_file(src, tmp_path / "x.csv", zones=net, opts=ScreenOptions(**OPTS), engine="dask",
                    scheduler=cluster.scheduler_address, long_path=tmp_path / "long.csv", **kw)
