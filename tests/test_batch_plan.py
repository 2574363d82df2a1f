"""geozones.batch.plan: the parts a run cuts its input into, and how a worker reads one.

References are independent of our reader: each format is read whole by geopandas, and the
parts' rows, read one part at a time, must be exactly those rows, once each, in order.
"""

from types import SimpleNamespace

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geozones.batch.plan import WHOLE, Part, Source, plan_parts, read_part, stamp
from geozones.errors import InputError
from geozones.io import TableSource

N = 103          # rows: not a multiple of the chunk
CHUNK = 6


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """The same 103 boxes (PID 0..102) as GeoParquet (row groups of 20), GeoPackage,
    FlatGeobuf, shapefile and CSV (WKT, a quoted newline in one name)."""
    d = tmp_path_factory.mktemp("plan")
    x = np.arange(N) * 30.0
    gdf = gpd.GeoDataFrame({"PID": np.arange(N), "NAME": [f"n{i}" for i in range(N)]},
                           geometry=shapely.box(x, 0, x + 10, 10), crs=4546)
    gdf.loc[40, "NAME"] = 'a "quoted",\nname'
    out = {}
    gdf.to_parquet(d / "in.parquet", row_group_size=20)
    out["parquet"] = (d / "in.parquet", {})
    for ext in ("gpkg", "fgb", "shp"):
        gdf.to_file(d / f"in.{ext}", engine="pyogrio")
        out[ext] = (d / f"in.{ext}", {})
    df = pd.DataFrame({"PID": gdf["PID"], "wkt": gdf.geometry.to_wkt(), "NAME": gdf["NAME"]})
    df.to_csv(d / "in.csv", index=False)
    out["csv"] = (d / "in.csv", {"wkt_column": "wkt", "crs": "EPSG:4546"})
    return out


def _reference(path, kw) -> list[int]:
    if path.suffix == ".csv":
        return pd.read_csv(path)["PID"].tolist()
    if path.suffix == ".parquet":
        return gpd.read_parquet(path)["PID"].tolist()
    return gpd.read_file(path)["PID"].astype(int).tolist()


@pytest.mark.parametrize("kind", ["parquet", "gpkg", "fgb", "shp", "csv"])
@pytest.mark.parametrize("workers", [1, 2, 5])
def test_the_parts_cover_every_row_once_in_order(files, kind, workers):
    path, kw = files[kind]
    src = TableSource(path, chunk_size=CHUNK, **kw)
    parts = plan_parts(src, workers)
    # contiguous, whole chunks, from 0 to the last row
    assert parts[0].start == 0 and parts[-1].stop == N
    assert all(a.stop == b.start for a, b in zip(parts, parts[1:]))
    assert all(p.start % CHUNK == 0 for p in parts) and [p.index for p in parts] == list(range(len(parts)))
    got = []
    for part in parts:
        # each part read by a fresh reader, as a worker opens it
        alone = TableSource(path, chunk_size=CHUNK, **kw)
        rows = [int(v) for df, _g, _r, _o in read_part(alone, part) for v in df["PID"]]
        assert len(rows) == part.stop - part.start
        got += rows
    # the file's own order (a FlatGeobuf with its index keeps its features in curve order)
    assert got == _reference(path, kw) and sorted(got) == list(range(N))


def test_the_whole_part_reads_everything(files):
    path, kw = files["gpkg"]
    src = TableSource(path, chunk_size=CHUNK, **kw)
    rows = [int(v) for df, _g, _r, _o in read_part(src, WHOLE) for v in df["PID"]]
    assert rows == _reference(path, kw)


def test_about_four_parts_per_worker():
    src = SimpleNamespace(kind="parquet", chunk_size=10, n_rows=1000, path="p.parquet")
    # 100 chunks, 2 workers: 8 parts wanted, so 13 chunks a part (the last one the rest)
    parts = plan_parts(src, 2)
    assert [(p.start, p.stop) for p in parts] == [(k * 130, min(k * 130 + 130, 1000)) for k in range(8)]
    assert plan_parts(SimpleNamespace(kind="gdal", chunk_size=10, n_rows=0, path="p.gpkg"), 2) == []


def test_an_input_read_whole_cannot_be_split():
    with pytest.raises(InputError, match="DXF input is read whole"):
        plan_parts(SimpleNamespace(kind="dxf", chunk_size=10, n_rows=5, path="p.dxf", shown="p.dxf"), 2)
    with pytest.raises(InputError, match="read whole"):
        plan_parts(SimpleNamespace(kind="gdal", chunk_size=10, n_rows=None, path="p.geojsonl", shown="p.geojsonl"), 2)
    with pytest.raises(InputError, match="PostGIS input is read whole"):
        plan_parts(SimpleNamespace(kind="postgis", chunk_size=10, n_rows=5, path="x", shown="postgresql://u@h/d?table=t"), 2)


def test_a_worker_refuses_a_file_that_changed(files, tmp_path):
    path, _kw = files["gpkg"]
    copy = tmp_path / "in.gpkg"
    copy.write_bytes(path.read_bytes())
    source = Source(str(copy), None, None, None, None, CHUNK, True, stamp(copy))
    assert source.open().n_rows == N
    with open(copy, "ab") as fh:   # one byte more: another file
        fh.write(b"\0")
    with pytest.raises(InputError, match="not the file this run reads"):
        source.open()


def test_a_part_is_plain_data():
    import pickle

    p = Part(3, 12, 18, (100, 200))
    assert pickle.loads(pickle.dumps(p)) == p
