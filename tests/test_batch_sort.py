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
