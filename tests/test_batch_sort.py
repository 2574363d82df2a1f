"""geozones.batch.sort: the one row order besides the input's, along a Hilbert curve.

Reference: the Hilbert curve of order 2 (a 4 × 4 grid) worked by hand in the standard
orientation (it starts in the lower-left cell, goes right first and ends in the lower-right
cell), cell (x, y) at position d:

    d: 0 (0,0)  1 (1,0)  2 (1,1)  3 (0,1)  4 (0,2)  5 (0,3)  6 (1,3)  7 (1,2)
       8 (2,2)  9 (2,3) 10 (3,3) 11 (3,2) 12 (3,1) 13 (2,1) 14 (2,0) 15 (3,0)

A curve of order 16 visits the cells of that grid in the same order, so the key of a point
in cell (x, y) has d as its top four bits.
"""

import geopandas as gpd
import numpy as np
import pyarrow.parquet as pq
import pytest
import shapely

from geozones.batch.settings import Settings
from geozones.batch.sort import DEFAULT_SORT, SORTS, hilbert_keys, resolve_sort
from geozones.check import ZoneSet
from geozones.errors import InputError
from geozones.screen import ScreenOptions, screen_file

CURVE = [(0, 0), (1, 0), (1, 1), (0, 1), (0, 2), (0, 3), (1, 3), (1, 2),
         (2, 2), (2, 3), (3, 3), (3, 2), (3, 1), (2, 1), (2, 0), (3, 0)]


def test_the_order_is_hilbert_for_geoparquet_unless_told():
    assert SORTS == ("hilbert", "none") and DEFAULT_SORT == "hilbert"
    assert resolve_sort(None, "Parquet", "o.parquet") == "hilbert"
    assert resolve_sort("none", "Parquet", "o.parquet") == "none"
    assert resolve_sort(None, "GPKG", "o.gpkg") == "none"
    with pytest.raises(InputError, match="for GeoParquet output"):
        resolve_sort("hilbert", "GPKG", "o.gpkg")
    with pytest.raises(InputError, match="choose hilbert or none"):
        resolve_sort("zorder", "Parquet", "o.parquet")


def test_keys_follow_the_hand_worked_curve():
    centres = np.array([[x + 0.5, y + 0.5, x + 0.5, y + 0.5] for x, y in CURVE])
    keys = hilbert_keys(centres, (0, 0, 4, 4))
    assert (keys >> 28).tolist() == list(range(16))
    # a box's key is its midpoint's; a null or empty geometry (NaN bounds) comes after all
    box = hilbert_keys(np.array([[3.1, 0.1, 3.9, 0.9], [np.nan] * 4]), (0, 0, 4, 4))
    assert box[0] >> 28 == 15 and box[1] == 1 << 32


def test_a_sorted_output_lists_its_rows_along_the_curve(tmp_path):
    # one 20 m parcel in each cell of a 4 × 4 grid of 100 m cells (2 km north of the field),
    # given in a shuffled order: written in the curve's order, each with its input row
    zones = ZoneSet.shared()
    rng = np.random.default_rng(3)
    order = rng.permutation(16)                       # input row k holds cell CURVE[order[k]]
    cells = [CURVE[i] for i in order]
    x = np.array([100.0 * cx + 40 for cx, _ in cells])
    y = np.array([2000.0 + 100 * cy + 40 for _, cy in cells])
    gdf = gpd.GeoDataFrame({"CELL": [f"{cx},{cy}" for cx, cy in cells], "H": 5.0},
                           geometry=shapely.box(x, y, x + 20, y + 20), crs=zones.frame.crs)
    src = tmp_path / "in.parquet"
    gdf.to_parquet(src)
    out = tmp_path / "out.parquet"
    s = screen_file(src, out, zones=zones, opts=ScreenOptions(height_field="H"),
                    settings=Settings(chunk_rows=5))
    got = pq.read_table(out).to_pandas()
    assert got["CELL"].tolist() == [f"{cx},{cy}" for cx, cy in CURVE]
    assert got["gz_row"].tolist() == np.argsort(order).tolist()   # input row of each
    assert s.sort == "hilbert" and s.rows == 16


def _hostile_parcels(n: int = 200, seed: int = 11) -> gpd.GeoDataFrame:
    """Boxes scattered over about 2 km around the station (WGS84), in random order, with the
    awkward rows of tests/geometries.py among them: null, empty, a bow-tie, a NaN vertex, a
    point, a multi-part polygon, a box repeated on one spot (ties broken by input row)."""
    from geometries import BOWTIE, EMPTY_POLYGON, LAT0, LON0, NAN

    rng = np.random.default_rng(seed)
    x = LON0 + rng.uniform(-0.01, 0.01, n)
    y = LAT0 + rng.uniform(-0.01, 0.01, n)
    geoms = list(shapely.box(x, y, x + 2e-4, y + 2e-4))
    geoms[5] = None
    geoms[9] = EMPTY_POLYGON
    geoms[13] = BOWTIE
    geoms[17] = NAN
    geoms[21] = shapely.Point(LON0, LAT0)
    geoms[25] = shapely.MultiPolygon([shapely.box(LON0, LAT0, LON0 + 1e-4, LAT0 + 1e-4),
                                      shapely.box(LON0 + 0.005, LAT0, LON0 + 0.0051, LAT0 + 1e-4)])
    geoms[30] = geoms[40] = geoms[50]
    return gpd.GeoDataFrame({"PID": np.arange(n), "H": rng.uniform(3, 40, n).round(1)},
                            geometry=gpd.GeoSeries(geoms, crs=4326), crs=4326)


def _curve_order(path) -> list[int]:
    """``gz_row`` in the order geopandas works out from the file's own geometries: distance
    along the curve of order 16 of each bounding box's midpoint, over the extent of every
    written row, ties by input row; rows without bounds (null, empty, NaN) last."""
    got = gpd.read_parquet(path)
    b = got.geometry.bounds.to_numpy()
    ok = ~np.isnan(b).any(axis=1)
    total = (b[ok, 0].min(), b[ok, 1].min(), b[ok, 2].max(), b[ok, 3].max())
    keys = np.full(len(got), 2 ** 32, dtype=np.int64)
    mid = gpd.GeoSeries(shapely.points((b[ok, 0] + b[ok, 2]) / 2, (b[ok, 1] + b[ok, 3]) / 2))
    keys[ok] = mid.hilbert_distance(total_bounds=total, level=16)
    rows = got["gz_row"].to_numpy()
    return rows[np.lexsort((rows, keys))].tolist()


@pytest.mark.parametrize("unreadable", [False, True], ids=["sorted-first", "curve-sorted-after"])
def test_sorting_before_screening_writes_the_file_sorting_after_writes(tmp_path, monkeypatch, unreadable):
    # worker processes sort the input before screening; one process sorts after: the same
    # rows, columns and summary, in the order geopandas works out from the written geometry.
    # A geometry the screen cannot read (a curve: it writes a linearised repair, whose bounds
    # are not known before) makes the run sort after screening instead.
    import pyarrow as pa
    from geometries import _curve_wkb

    import geozones.batch.run as run_mod

    src = tmp_path / "in.parquet"
    _hostile_parcels().to_parquet(src)
    if unreadable:
        table = pq.read_table(src)
        wkb = table.column("geometry").to_pylist()
        wkb[33] = _curve_wkb()
        i = table.schema.get_field_index("geometry")
        pq.write_table(table.set_column(i, "geometry", pa.array(wkb, pa.binary())), src)
    planned = []
    real = run_mod.presorted_parts
    monkeypatch.setattr(run_mod, "presorted_parts", lambda s, w: planned.append(real(s, w)) or planned[-1])
    zones, opts = ZoneSet.shared(), ScreenOptions(height_field="H")
    pool = screen_file(src, tmp_path / "pool.parquet", zones=zones, opts=opts,
                       settings=Settings(chunk_rows=16, processes=2, process_min_rows=1))
    here = screen_file(src, tmp_path / "here.parquet", zones=zones, opts=opts,
                       settings=Settings(chunk_rows=16, processes=1))
    assert len(planned) == 1 and (planned[0] is None) == unreadable
    a, b = pq.read_table(tmp_path / "pool.parquet"), pq.read_table(tmp_path / "here.parquet")
    assert a.equals(b) and a.schema.metadata == b.schema.metadata
    assert a.column("gz_row").to_pylist() == _curve_order(tmp_path / "pool.parquet")
    assert sorted(a.column("gz_row").to_pylist()) == list(range(200))
    assert a.column("PID").to_pylist() == a.column("gz_row").to_pylist()
    pool.output = here.output = ""
    assert pool.to_dict() == here.to_dict()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]   # nothing left behind


def test_ahead_gives_every_item_in_order_hands_on_an_error_and_stops_with_the_caller():
    import threading

    from geozones.batch.sort import ahead

    assert list(ahead(iter(range(50)), depth=2)) == list(range(50))

    def broken():
        yield 1
        raise ValueError("row 2 unreadable")

    got = []
    with pytest.raises(ValueError, match="row 2 unreadable"):
        for item in ahead(broken()):
            got.append(item)
    assert got == [1]
    made = []

    def endless():
        while True:
            made.append(len(made))
            yield made[-1]

    it = ahead(endless(), depth=2)
    assert [next(it) for _ in range(3)] == [0, 1, 2]
    it.close()   # the caller stops: so does the thread, a few items ahead at most
    assert not [t for t in threading.enumerate() if t.name == "geozones-sort-ahead"]
    assert len(made) <= 3 + 2 + 2
