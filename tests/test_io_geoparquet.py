"""GeoParquet output sorted along a Hilbert curve (issue 15 item 5): order, gz_row, row groups
that a bbox query can skip, and an external sort whose memory is bounded by its buckets."""

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import shapely
from click.testing import CliRunner
from pyproj import CRS

from geozones.cli import main
from geozones.io import to_arrow, write_sorted_geoparquet
from geozones.io.arrow import stable_schema


def _points(n: int, seed: int = 0, nulls=()) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(seed)
    geoms = shapely.points(rng.uniform(111.0, 112.0, n), rng.uniform(35.0, 36.0, n)).astype(object)
    for i in nulls:
        geoms[i] = None
    return gpd.GeoDataFrame({"id": np.arange(n)}, geometry=gpd.GeoSeries(geoms, crs=4326), crs=4326)


def _write(gdf, path, chunk: int, **kw):
    tables = [to_arrow(gdf.iloc[i:i + chunk]) for i in range(0, len(gdf), chunk)]
    schema = stable_schema(tables[0])
    batches = (b for t in tables for b in t.cast(schema).to_batches())
    write_sorted_geoparquet(path, schema, CRS.from_epsg(4326), batches, "Point", **kw)


def _hilbert_order(gdf) -> list[int]:
    """The input rows in Hilbert order worked out with geopandas: distance along the curve
    (order 16) over the extent of all rows, ties by input row, null geometries last."""
    ok = gdf.geometry.notna().to_numpy()
    keys = np.full(len(gdf), 2 ** 32, dtype=np.int64)
    keys[ok] = gdf.geometry[ok].hilbert_distance(total_bounds=gdf.geometry[ok].total_bounds, level=16)
    return np.lexsort((np.arange(len(gdf)), keys)).tolist()


def test_rows_follow_the_hilbert_curve_and_gz_row_restores_input(tmp_path):
    gdf = _points(500, nulls=(3, 250))
    out = tmp_path / "s.parquet"
    _write(gdf, out, chunk=70, bucket_rows=50, row_group_rows=64)
    got = pq.read_table(out)
    # expected order worked out with geopandas on the geometries themselves: Hilbert distance
    # (order 16) over the extent of all rows, ties by input row, null geometries last
    ok = gdf.geometry.notna().to_numpy()
    keys = np.full(len(gdf), 2 ** 32, dtype=np.int64)
    keys[ok] = gdf.geometry[ok].hilbert_distance(total_bounds=gdf.geometry[ok].total_bounds, level=16)
    expect = np.lexsort((np.arange(len(gdf)), keys))
    assert got.column("gz_row").to_pylist() == expect.tolist()
    assert got.column("id").to_pylist() == expect.tolist()
    assert got.column("gz_row").to_pylist()[-2:] == [3, 250]
    meta = pq.ParquetFile(out).metadata
    assert [meta.row_group(i).num_rows for i in range(meta.num_row_groups)] == [64] * 7 + [52]
    back = gpd.read_parquet(out).sort_values("gz_row")
    assert list(back["id"]) == list(range(500))
    assert list(shapely.to_wkb(back.geometry.values[ok])) == list(shapely.to_wkb(gdf.geometry.values[ok]))


def test_external_sort_equals_one_bucket(tmp_path):
    # ten buckets of about 50 rows, or one bucket holding every row: the same file, byte for byte
    gdf = _points(500, seed=2)
    _write(gdf, tmp_path / "small.parquet", chunk=33, bucket_rows=50, row_group_rows=64)
    _write(gdf, tmp_path / "one.parquet", chunk=500, bucket_rows=10 ** 6, row_group_rows=64)
    assert (tmp_path / "small.parquet").read_bytes() == (tmp_path / "one.parquet").read_bytes()
    # and that file is in the order geopandas works out
    assert pq.read_table(tmp_path / "one.parquet").column("gz_row").to_pylist() == _hilbert_order(gdf)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".sort-")]  # spill removed


def _groups_meeting(path, box) -> int:
    """Row groups whose bbox statistics meet ``box`` (what a reader must read)."""
    meta = pq.ParquetFile(path).metadata
    names = [meta.schema.column(j).path for j in range(meta.num_columns)]
    idx = {k: names.index(f"bbox.{k}") for k in ("xmin", "ymin", "xmax", "ymax")}
    n = 0
    for i in range(meta.num_row_groups):
        rg = meta.row_group(i)
        st = {k: rg.column(j).statistics for k, j in idx.items()}
        if not (st["xmin"].min > box[2] or st["xmax"].max < box[0]
                or st["ymin"].min > box[3] or st["ymax"].max < box[1]):
            n += 1
    return n


def test_a_small_bbox_meets_few_row_groups(tmp_path):
    gdf = _points(4096, seed=3)
    sorted_path = tmp_path / "sorted.parquet"
    _write(gdf, sorted_path, chunk=1000, row_group_rows=256)   # 16 groups of 256
    unsorted = tmp_path / "unsorted.parquet"
    tables = [to_arrow(gdf)]
    from geozones.io import write_geoparquet

    write_geoparquet(unsorted, tables[0].schema, CRS.from_epsg(4326),
                      (b for t in tables for b in t.to_batches(max_chunksize=256)), "Point")
    box = (111.30, 35.30, 111.34, 35.34)   # 0.16 % of the square
    # a Hilbert group covers about 1/16 of the square, a compact block: the box meets at most
    # the 4 blocks around a corner; random order: every group spans the square
    assert _groups_meeting(sorted_path, box) <= 4
    assert _groups_meeting(unsorted, box) == 16
    inside = gdf.cx[box[0]:box[2], box[1]:box[3]]
    got = gpd.read_parquet(sorted_path, bbox=box)
    assert sorted(got["id"]) == sorted(inside["id"]) and len(inside) > 0


def test_one_point_and_all_null(tmp_path):
    one = _points(1)
    _write(one, tmp_path / "one.parquet", chunk=1)
    assert pq.read_table(tmp_path / "one.parquet").column("gz_row").to_pylist() == [0]
    empty = _points(3, nulls=(0, 1, 2))
    _write(empty, tmp_path / "null.parquet", chunk=2)
    assert pq.read_table(tmp_path / "null.parquet").column("gz_row").to_pylist() == [0, 1, 2]


def test_sort_is_for_parquet_only(tmp_path):
    src = tmp_path / "p.gpkg"
    _points(3).to_file(src)
    res = CliRunner().invoke(main, ["screen", str(src), "-o", str(tmp_path / "o.gpkg"), "--sort", "hilbert"])
    assert res.exit_code == 2 and "--sort hilbert is for GeoParquet output" in res.output


def test_rescreening_a_sorted_output_keeps_one_gz_row(tmp_path):
    src = tmp_path / "p.parquet"
    _points(30).to_parquet(src)
    first, second = tmp_path / "a.parquet", tmp_path / "b.parquet"
    for a, b in ((src, first), (first, second)):
        res = CliRunner().invoke(main, ["screen", str(a), "-o", str(b), "-q"])
        assert res.exit_code == 0, res.output
    names = pq.read_schema(second).names
    assert names.count("gz_row") == 1 and names.count("bbox") == 1
    # the second run's gz_row numbers the rows of its input (the first output)
    a, b = pq.read_table(first), pq.read_table(second)
    assert b.column("id").to_pylist() == a.column("id").take(pa.array(b.column("gz_row"))).to_pylist()
    assert len(b) == 30


def test_mixed_types_still_sort(tmp_path):
    gdf = _points(5)
    gdf.loc[2, "geometry"] = shapely.box(111.1, 35.1, 111.2, 35.2)
    _write(gdf, tmp_path / "m.parquet", chunk=5)
    assert sorted(pq.read_table(tmp_path / "m.parquet").column("gz_row").to_pylist()) == list(range(5))


def test_hilbert_keys_equal_geopandas_public_hilbert_distance():
    # keys come from the bounds through our own encoder; they must equal what geopandas'
    # public GeoSeries.hilbert_distance gives for the bounding-box midpoints (computed here)
    from geozones.io import hilbert_keys

    rng = np.random.default_rng(5)
    lo = rng.uniform(0, 1000, (2000, 2))
    b = np.column_stack([lo, lo + rng.uniform(0, 30, (2000, 2))])
    b[7] = np.nan
    total = (0.0, 0.0, 1030.0, 1030.0)
    ok = ~np.isnan(b).any(axis=1)
    mid = gpd.GeoSeries(shapely.points((b[ok, 0] + b[ok, 2]) / 2, (b[ok, 1] + b[ok, 3]) / 2))
    expect = np.full(len(b), 2 ** 32, dtype=np.int64)
    expect[ok] = mid.hilbert_distance(total_bounds=total, level=16)
    assert np.array_equal(hilbert_keys(b, total), expect)


def test_declared_extent_buckets_as_rows_come_and_gives_the_same_file(tmp_path, monkeypatch):
    """With the input's extent declared, rows go straight to equal ranges of the curve; the
    file equals the one made by counting keys first, byte for byte: with the true extent,
    with a wrong one (keys made again over the true extent), with a bucket grown past its
    limit (split by the curve's next bits) and with every row on one spot."""
    import geozones.io.hilbert as gio

    gdf = _points(700, seed=4, nulls=(5, 600))
    ok = gdf.geometry.notna()
    true = tuple(gdf.geometry[ok].total_bounds)
    ref = tmp_path / "ref.parquet"
    _write(gdf, ref, chunk=90, bucket_rows=50, row_group_rows=64)
    assert pq.read_table(ref).column("gz_row").to_pylist() == _hilbert_order(gdf)   # geopandas' order
    splits = []
    real_split = gio._split_to_buckets
    monkeypatch.setattr(gio, "_split_to_buckets", lambda *a, **k: (splits.append(k.get("prefix", "")),
                                                                    real_split(*a, **k))[1])
    counted = []
    real_count = gio._bucket_by_counts
    monkeypatch.setattr(gio, "_bucket_by_counts", lambda *a, **k: (counted.append(1), real_count(*a, **k))[1])
    cases = {"true": dict(extent=true, expected_rows=700),           # 2^4 ranges of ~44 rows
             "wrong": dict(extent=(110.0, 34.0, 113.0, 37.0), expected_rows=700),
             "unknown_rows": dict(extent=true, expected_rows=None)}  # one range: split when sorted
    for name, kw in cases.items():
        splits.clear()
        counted.clear()
        out = tmp_path / f"{name}.parquet"
        _write(gdf, out, chunk=90, bucket_rows=50, row_group_rows=64, **kw)
        assert out.read_bytes() == ref.read_bytes(), name
        assert bool(counted) == (name == "wrong"), name          # counting only to recover
        if name == "unknown_rows":   # 700 rows > 4 × 50 in the one range: split by 4 bits
            assert any(p.startswith("00000-") for p in splits)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".sort-")]
    # every row on one spot: one key, never split past its bits, still every row once
    spot = gpd.GeoDataFrame({"id": np.arange(300)}, geometry=gpd.GeoSeries(
        shapely.points(np.full(300, 111.5), np.full(300, 35.5)), crs=4326), crs=4326)
    _write(spot, tmp_path / "spot.parquet", chunk=64, bucket_rows=10, extent=(111.5, 35.5, 111.5, 35.5),
           expected_rows=300)
    assert pq.read_table(tmp_path / "spot.parquet").column("gz_row").to_pylist() == list(range(300))


def test_inputs_declare_their_extent(tmp_path):
    from geozones.io import TableSource

    gdf = _points(50, seed=6)
    gdf.to_parquet(tmp_path / "p.parquet")
    gdf.to_file(tmp_path / "p.gpkg")
    for name in ("p.parquet", "p.gpkg"):
        assert TableSource(tmp_path / name).extent == pytest.approx(tuple(gdf.total_bounds), abs=1e-9)
    gdf.to_csv(tmp_path / "p.csv")
    assert TableSource(tmp_path / "p.csv", wkt_column="geometry").extent is None


def test_a_crowded_spot_is_split_off_once(tmp_path, monkeypatch):
    """900 rows on one point and 100 spread, all in one range (row count unknown): once the
    spot's rows are alone in a part (one key: nothing left to split by) they are sorted as
    they are, not written again at every 4 bits down the curve; the file equals the counting
    sort's."""
    import geozones.io.hilbert as gio

    rng = np.random.default_rng(9)
    x = np.r_[np.full(900, 111.5), rng.uniform(111.0, 112.0, 100)]
    y = np.r_[np.full(900, 35.5), rng.uniform(35.0, 36.0, 100)]
    gdf = gpd.GeoDataFrame({"id": np.arange(1000)}, geometry=gpd.GeoSeries(shapely.points(x, y), crs=4326),
                           crs=4326)
    _write(gdf, tmp_path / "ref.parquet", chunk=100, bucket_rows=10, row_group_rows=64)
    assert pq.read_table(tmp_path / "ref.parquet").column("gz_row").to_pylist() == _hilbert_order(gdf)
    written = []
    real = gio._split_to_buckets
    monkeypatch.setattr(gio, "_split_to_buckets", lambda work, batch, *a, **k: (
        written.append(batch.num_rows if k.get("prefix") else 0), real(work, batch, *a, **k))[1])
    _write(gdf, tmp_path / "s.parquet", chunk=100, bucket_rows=10, row_group_rows=64,
           extent=tuple(gdf.total_bounds), expected_rows=None)
    assert (tmp_path / "s.parquet").read_bytes() == (tmp_path / "ref.parquet").read_bytes()
    # the spot's rows are written again only while spread rows share their range: 2,810 rows
    # written by the splits here, where judging each part by its parent's keys (the spot's
    # part split once more after it was alone) wrote 3,710
    assert 1000 <= sum(written) <= 2810


def test_unique_columns_are_written_without_a_dictionary(tmp_path):
    """Geometry, gz_row and the other all-distinct columns of ours skip the Parquet dictionary
    (built and given up, a third of the write); the input's columns keep pyarrow's default."""
    gdf = _points(300, seed=11)
    gdf["kind"] = np.where(np.arange(300) % 2, "road", "building")
    out = tmp_path / "d.parquet"
    _write(gdf, out, chunk=100)
    meta = pq.ParquetFile(out).metadata
    enc = {meta.schema.column(j).path: meta.row_group(0).column(j).encodings for j in range(meta.num_columns)}
    assert not any("DICTIONARY" in e for e in enc["geometry"] + enc["gz_row"])
    assert any("DICTIONARY" in e for e in enc["kind"])
    assert pq.read_table(out).column("kind").to_pylist()[:1] in (["road"], ["building"])


# --- reading ------------------------------------------------------------------------------------

def test_chunks_equal_a_plain_geopandas_read(tmp_path):
    from geozones.io import GeoParquetReader, open_reader

    gdf = _points(23, seed=3, nulls=(4,))
    gdf["name"] = [f"点{i}" for i in range(23)]
    path = tmp_path / "p.parquet"
    gdf.to_parquet(path, write_covering_bbox=True)   # a bbox covering column: never read as an attribute
    src = open_reader(path, chunk_size=5)
    plain = gpd.read_parquet(path)
    assert isinstance(src, GeoParquetReader) and src.n_rows == 23
    assert src.columns == ["id", "name"] and "bbox" in pq.read_schema(path).names
    assert src.geometry_type == "Point" and src.crs.equals(plain.crs)
    assert src.extent == pytest.approx(tuple(plain.geometry.total_bounds))
    parts = list(src.chunks())
    assert [len(p[0]) for p in parts] == [5, 5, 5, 5, 3]
    df = pd.concat([p[0] for p in parts], ignore_index=True)
    assert list(df.columns) == ["id", "name"] and list(df["name"]) == list(plain["name"])
    geoms = np.concatenate([p[1] for p in parts])
    assert [g is None for g in geoms] == list(plain.geometry.isna())
    assert all(a is None or a.equals_exact(b, 0.0) for a, b in zip(geoms, plain.geometry.values))
    # rows 7 to 18 alone: the same chunks as the whole read cuts them from row 5 on, trimmed
    part = list(src.chunks_in(7, 18))
    assert list(pd.concat([p[0] for p in part])["id"]) == list(plain["id"][7:18])


def test_no_geo_metadata_needs_a_crs(tmp_path):
    import pyarrow as pa

    from geozones.errors import InputError
    from geozones.io import open_reader

    path = tmp_path / "plain.parquet"
    pq.write_table(pa.table({"id": [1], "geometry": [shapely.to_wkb(shapely.Point(1, 2))]}), path)
    with pytest.raises(InputError):
        open_reader(path)
    assert open_reader(path, crs="EPSG:4546").crs.to_epsg() == 4546


def test_hilbert_curve_visits_every_cell_once_stepping_to_a_neighbour():
    # the defining property of a Hilbert curve, for orders 1 to 4: its positions 0 … 4^k - 1
    # are every cell once, and each next cell shares a side with the last
    from geozones.io.hilbert import hilbert_index

    for level in range(1, 5):
        n = 1 << level
        x, y = np.meshgrid(np.arange(n), np.arange(n))
        d = hilbert_index(x.ravel(), y.ravel(), level).astype(np.int64)
        assert sorted(d.tolist()) == list(range(n * n))
        order = np.argsort(d)
        steps = np.abs(np.diff(x.ravel()[order])) + np.abs(np.diff(y.ravel()[order]))
        assert (steps == 1).all()


def test_a_column_named_twice_is_refused(tmp_path):
    # Arrow lets a GeoParquet name two columns alike; which one a value belongs to cannot be
    # told (pandas would fail on them later): refused at once, naming the column
    import json

    from geozones.errors import InputError
    from geozones.io import open_reader

    wkb = shapely.to_wkb([shapely.Point(111.575, 35.51)])
    t = pa.Table.from_arrays([pa.array(["a"]), pa.array(["x"]), pa.array(["y"]), pa.array(wkb, pa.binary())],
                             names=["id", "n", "n", "geometry"])
    geo = {"version": "1.0.0", "primary_column": "geometry", "columns": {"geometry": {"encoding": "WKB"}}}
    pq.write_table(t.replace_schema_metadata({b"geo": json.dumps(geo).encode()}), tmp_path / "t.parquet")
    with pytest.raises(InputError, match="the column name 'n' appears 2 times in the header"):
        open_reader(tmp_path / "t.parquet")
