"""Benchmark: reading one small region of a screened GeoParquet, Hilbert-sorted vs input order.

    python bench/bench_bbox.py [--rows 2000000] [--chunk-size 100000]

Screens N generated parcels (bench_dask.make_parcels: GeoParquet, EPSG:4546, within 6 km of
the station) twice in one run, ``--sort none`` (input order) and ``--sort hilbert`` (rows
along a Hilbert curve in row groups of 16,384 with bbox statistics), then reads the parcels of
one 200 m × 200 m box from each with geopandas ``read_parquet(bbox=...)`` (which uses the
GeoParquet 1.1 bbox covering to skip row groups) and with pyarrow's dataset filter on the
bbox columns. Prints write times (the sort's cost), read times, row groups read and ratios.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from bench_dask import OUT, make_parcels, run


def groups_meeting(path: Path, box) -> tuple[int, int]:
    """(row groups whose bbox statistics meet ``box``, all row groups)."""
    import pyarrow.parquet as pq

    meta = pq.ParquetFile(path).metadata
    names = [meta.schema.column(j).path for j in range(meta.num_columns)]
    idx = {k: names.index(f"bbox.{k}") for k in ("xmin", "ymin", "xmax", "ymax")}
    n = 0
    for i in range(meta.num_row_groups):
        st = {k: meta.row_group(i).column(j).statistics for k, j in idx.items()}
        n += not (st["xmin"].min > box[2] or st["xmax"].max < box[0]
                  or st["ymin"].min > box[3] or st["ymax"].max < box[1])
    return n, meta.num_row_groups


def read_box(path: Path, box, repeat: int = 3) -> tuple[float, float, int]:
    """Best of ``repeat``: geopandas bbox read [s], pyarrow dataset filter [s], rows."""
    import geopandas as gpd
    import pyarrow.dataset as ds

    t_gpd, t_pa = [], []
    rows = 0
    for _ in range(repeat):
        t0 = time.perf_counter()
        rows = len(gpd.read_parquet(path, bbox=box))
        t_gpd.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        f = lambda k: ds.field("bbox", k)
        flt = (f("xmin") <= box[2]) & (f("xmax") >= box[0]) & (f("ymin") <= box[3]) & (f("ymax") >= box[1])
        n_pa = ds.dataset(path).to_table(filter=flt).num_rows
        t_pa.append(time.perf_counter() - t0)
        assert n_pa == rows, (n_pa, rows)
    return min(t_gpd), min(t_pa), rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=2_000_000)
    ap.add_argument("--chunk-size", type=int, default=100_000)
    args = ap.parse_args()
    path = make_parcels(args.rows, "parquet")
    plain, ordered = OUT / "bbox_none.parquet", OUT / "bbox_hilbert.parquet"
    t_plain, _ = run(path, plain, args.chunk_size, "none")
    t_sorted, _ = run(path, ordered, args.chunk_size, "hilbert")
    import geopandas as gpd
    import pyarrow.parquet as pq

    # the output keeps the input's CRS (EPSG:4546, metres): a box around the first parcel
    first = pq.ParquetFile(path).read_row_group(0, columns=["geometry"]).slice(0, 1)
    c = gpd.GeoSeries.from_wkb(first.column("geometry").to_pylist()).iloc[0].centroid
    box = (c.x - 100.0, c.y - 100.0, c.x + 100.0, c.y + 100.0)
    g_plain, a_plain, rows = read_box(plain, box)
    g_sorted, a_sorted, rows2 = read_box(ordered, box)
    assert rows == rows2
    m_plain, n_plain = groups_meeting(plain, box)
    m_sorted, n_sorted = groups_meeting(ordered, box)
    print(f"{args.rows:,} parcels screened; box 200 m x 200 m around one parcel: {rows} parcels")
    print(f"write --sort none    : {t_plain:7.1f} s  ({n_plain} row groups)")
    print(f"write --sort hilbert : {t_sorted:7.1f} s  ({n_sorted} row groups) = {t_sorted / t_plain:.2f} x")
    print(f"read box, geopandas read_parquet(bbox=): unsorted {g_plain:.3f} s, sorted {g_sorted:.3f} s "
          f"= {g_plain / g_sorted:.0f} x faster")
    print(f"read box, pyarrow dataset filter       : unsorted {a_plain:.3f} s, sorted {a_sorted:.3f} s "
          f"= {a_plain / a_sorted:.0f} x faster")
    print(f"row groups meeting the box: unsorted {m_plain} of {n_plain}, sorted {m_sorted} of {n_sorted}")


if __name__ == "__main__":
    main()
