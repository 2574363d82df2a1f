"""Exit codes a pipeline can use and shapes kept (issue 11 items 11 and 12)."""

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
from geozones.errors import InputError
from geozones.screen import COLUMNS, ScreenOptions, screen_file


def _file(tmp_path, frame, heights, extra=None):
    # squares 300 m north of the fence: permitted 30 m (H = D / 10), so 29 m pass, 31 m fail
    geoms = from_frame(np.array([square_north(300.0)] * len(heights), dtype=object), frame.crs,
                       CRS.from_epsg(4326))
    data = {"name": [f"p{i}" for i in range(len(heights))], "h": heights, **(extra or {})}
    path = tmp_path / "in.gpkg"
    gpd.GeoDataFrame(data, geometry=gpd.GeoSeries(geoms, crs=4326), crs=4326).to_file(path)
    return path


def _screen(path, tmp_path, *args):
    return CliRunner().invoke(main, ["screen", str(path), "-o", str(tmp_path / "o.gpkg"), "--height-field",
                                     "h", "-q", "--overwrite", *args])


# --- 11. exit codes -----------------------------------------------------------------------------

def test_fail_on(tmp_path, frame):
    path = _file(tmp_path, frame, [29.0, 31.0, None])   # pass, fail, review (height missing)
    assert _screen(path, tmp_path).exit_code == 0
    res = _screen(path, tmp_path, "--fail-on", "fail")
    assert res.exit_code == 4 and "1 of 3 rows are fail" in res.output
    assert _screen(path, tmp_path, "--fail-on", "review").exit_code == 4
    assert _screen(path, tmp_path, "--fail-on", "error").exit_code == 0
    ok = _file(tmp_path, frame, [29.0, 10.0])
    assert _screen(ok, tmp_path, "--fail-on", "fail", "--fail-on", "review").exit_code == 0
    assert (tmp_path / "o.gpkg").exists()      # the output is written whatever the exit code


def test_every_row_an_error_is_not_success(tmp_path, frame):
    path = _file(tmp_path, frame, [1.0, 2.0], extra={"kind": ["飞船", "spaceship"]})
    res = CliRunner().invoke(main, ["screen", str(path), "-o", str(tmp_path / "o.gpkg"), "--kind-field", "kind",
                                    "-q"])
    assert res.exit_code == 5 and "every row (2) is an error" in res.output
    assert "飞船" in res.output and "Traceback" not in res.output and "first: error" not in res.output
    res = CliRunner().invoke(main, ["screen", str(path), "-o", str(tmp_path / "o2.gpkg"), "--kind-field",
                                    "kind", "-q", "--fail-on", "error"])
    assert res.exit_code == 4


# --- 12. shapes kept ----------------------------------------------------------------------------

@pytest.mark.parametrize("ext", ["gpkg", "csv", "parquet", "fgb"])  # (empty GeoJSON has no schema)
def test_zero_rows_keep_columns(tmp_path, ext):
    path = tmp_path / f"empty.{ext}"
    if ext == "csv":
        path.write_text("名称,高度,wkt\n", encoding="utf-8")
    else:
        gdf = gpd.GeoDataFrame({"名称": pd.Series([], dtype=str), "高度": pd.Series([], dtype=float)},
                               geometry=gpd.GeoSeries([], crs=4326), crs=4326)
        gdf.to_parquet(path) if ext == "parquet" else gdf.to_file(path)
    out = tmp_path / "o.gpkg"
    s = screen_file(path, out, zones=ZoneSet(), wkt_column="wkt" if ext == "csv" else None,
                    opts=ScreenOptions(height_field="高度"))
    got = read_output(out)
    assert s.rows == len(got) == 0
    assert [c for c in got.columns if c != "geometry"] == ["名称", "高度", *COLUMNS]


def test_csv_keeps_wkt_column_name_position_and_precision(tmp_path):
    pts = [(111.57451234567891, 35.505412345678912), (111.5812345678901, 35.51098765432109)]
    wkts = [f"POINT ({x!r} {y!r})" for x, y in pts]
    path = tmp_path / "in.csv"
    pd.DataFrame({"id": [1, 2], "形状": wkts, "h": [5.0, 6.0]}).to_csv(path, index=False)
    screen_file(path, tmp_path / "o.csv", zones=ZoneSet(), wkt_column="形状",
                opts=ScreenOptions(height_field="h"))
    got = pd.read_csv(tmp_path / "o.csv")
    assert list(got.columns[:3]) == ["id", "形状", "h"]
    back = shapely.from_wkt(got["形状"].to_numpy())
    assert [(g.x, g.y) for g in back] == pts          # every digit back


def test_user_gz_column_never_dropped(tmp_path, frame):
    path = _file(tmp_path, frame, [29.0], extra={"gz_status": ["planner's note"]})
    with pytest.raises(InputError, match="gz_status"):
        screen_file(path, tmp_path / "o.gpkg", zones=ZoneSet(), opts=ScreenOptions(height_field="h"))
    res = _screen(path, tmp_path)
    assert res.exit_code == 2 and "--replace-gz" in res.output
    res = _screen(path, tmp_path, "--replace-gz")
    assert res.exit_code == 0, res.output
    assert list(read_output(tmp_path / "o.gpkg")["gz_status"]) == ["ok"]


def test_screened_file_is_rescreened(tmp_path, frame):
    path = _file(tmp_path, frame, [29.0, 31.0])
    assert _screen(path, tmp_path).exit_code == 0
    again = tmp_path / "again.gpkg"
    res = CliRunner().invoke(main, ["screen", str(tmp_path / "o.gpkg"), "-o", str(again), "--height-field", "h", "-q"])
    assert res.exit_code == 0, res.output
    got = read_output(again)
    assert list(got["gz_verdict"]) == ["pass", "fail"] and "gz_verdict_1" not in got.columns
