"""geozones.batch.write: the screened chunks written, whole or not at all; columns that do
not survive the trip through pandas and Arrow are one clear error, or kept whole."""

import decimal

import geopandas as gpd
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import shapely
from click.testing import CliRunner

from geozones.check import ZoneSet
from geozones.cli import main
from geozones.screen import ScreenOptions, screen_file


@pytest.fixture(scope="module")
def zones():
    return ZoneSet.shared()


def _parcels(zones, n):
    """``n`` 20 m boxes 2 km north of the field, 30 m apart, in the station frame."""
    x = np.arange(n) * 30.0
    return gpd.GeoDataFrame({"PID": np.arange(n), "HEIGHT": 5.0},
                            geometry=shapely.box(x, 2000, x + 20, 2020), crs=zones.frame.crs)


@pytest.mark.parametrize("out_ext", ["parquet", "gpkg"])
def test_a_column_arrow_cannot_take_back_is_one_clear_error(tmp_path, zones, out_ext):
    # a map column comes out of pandas as lists of pairs, which Arrow will not take back:
    # one line naming the column, exit 2, nothing written (it was a traceback)
    src = tmp_path / "in.parquet"
    _parcels(zones, 10).to_parquet(src)
    t = pq.read_table(src)
    tags = pa.array([[("k", i)] for i in range(t.num_rows)], type=pa.map_(pa.string(), pa.int64()))
    pq.write_table(t.append_column("tags", tags), src)
    out = tmp_path / f"out.{out_ext}"
    r = CliRunner().invoke(main, ["screen", str(src), "-o", str(out)])
    assert r.exit_code == 2 and "column 'tags' cannot be written" in r.output
    assert len(r.output.strip().splitlines()) == 1 and not out.exists()


def _with_decimals(tmp_path, zones, values, precision=10):
    src = tmp_path / "dec.parquet"
    _parcels(zones, len(values)).to_parquet(src)
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
    src = _with_decimals(tmp_path, zones, ["1.50"] * 10 + ["1234567890123456789012.25"] * 5, precision=30)
    r = CliRunner().invoke(main, ["screen", str(src), "-o", str(tmp_path / "o.parquet"), "--sort", "none",
                                  "--chunk-size", "10"])
    assert r.exit_code == 3 and "column 'price' (decimal128(18, 2))" in r.output
    assert len(r.output.strip().splitlines()) == 1


def test_an_input_without_rows_gives_its_columns_and_ours(tmp_path, zones):
    src = tmp_path / "empty.gpkg"
    _parcels(zones, 3).iloc[:0].to_file(src, engine="pyogrio")
    out = tmp_path / "out.gpkg"
    s = screen_file(src, out, zones=zones, opts=ScreenOptions(height_field="HEIGHT"))
    import pyogrio

    got = pyogrio.read_info(out, layer=pyogrio.list_layers(out)[0][0])
    assert s.rows == 0 and got["features"] == 0
    assert {"PID", "HEIGHT", "gz_verdict", "gz_status"} <= set(got["fields"])


def test_a_failed_run_leaves_an_existing_output_as_it_was(tmp_path, zones, monkeypatch):
    src = tmp_path / "in.parquet"
    _parcels(zones, 30).to_parquet(src)
    out = tmp_path / "out.gpkg"
    out.write_bytes(b"old")

    def fail(*a, **k):
        raise OSError("disk gone")

    monkeypatch.setattr("geozones.io.write_chunks", fail)
    with pytest.raises(OSError, match="disk gone"):
        screen_file(src, out, zones=zones, opts=ScreenOptions(height_field="HEIGHT"), overwrite=True)
    assert out.read_bytes() == b"old" and sorted(p.name for p in tmp_path.iterdir()) == ["in.parquet", "out.gpkg"]
