"""The Python API as data people use it: GeoDataFrames in and out, per-row problems."""

import doctest
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
from conftest import TAN5, east, read_output, square_north
from pyproj import CRS

import geozones
from geozones.core.coords import from_frame
from geozones.errors import InputError

ROOT = Path(__file__).resolve().parents[1]


def _frame(frame, geoms, epsg=4546, **cols):
    out = from_frame(np.array(geoms, dtype=object), frame.crs, CRS.from_epsg(epsg))
    return gpd.GeoDataFrame(cols, geometry=gpd.GeoSeries(out, crs=epsg), crs=epsg)


def test_readme_notebook_session(monkeypatch):
    """The README's notebook block, run as a doctest from the checkout's root."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"## In a notebook.*?```python\n(.*?)```", text, re.S).group(1)
    monkeypatch.chdir(ROOT)
    test = doctest.DocTestParser().get_doctest(block, {}, "README", "README.md", 0)
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    runner.run(test)
    assert runner.summarize(verbose=False).failed == 0
    assert len(test.examples) >= 6


def test_assess_frame_columns_index_crs_and_same_as_screen(tmp_path, frame):
    gdf = _frame(frame, [square_north(300.0), square_north(300.0), east(100.0), square_north(50.0)],
                 name=["a", "b", "c", "d"], h=[29.0, 31.0, 9.0, "高"], k=["建筑物", "建筑物", "构筑物", "飞船"])
    gdf.index = [10, 20, 30, 40]
    out = geozones.assess_frame(gdf, height_field="h", kind_field="k")
    assert out.index.tolist() == [10, 20, 30, 40] and out.crs == gdf.crs
    assert list(out.columns[:3]) == ["name", "h", "k"]
    from geozones.screen import COLUMNS

    assert set(COLUMNS) <= set(out.columns)
    assert out["gz_verdict"].tolist() == ["pass", "fail", "fail", "error"]
    assert out["gz_max_height_m"].iloc[:2].tolist() == pytest.approx([30.0, 30.0])
    assert out["gz_max_height_m"].iloc[2] == pytest.approx(100.0 * TAN5, abs=0.01)
    assert out["gz_status"].iloc[3].startswith("error:")
    # the same columns as screen writes for the same rows
    src = tmp_path / "in.gpkg"
    gdf.assign(h=gdf["h"].astype(str)).to_file(src)
    geozones_screen = __import__("geozones.screen", fromlist=["x"])
    geozones_screen.screen_file(src, tmp_path / "out.gpkg", zones=geozones.ZoneSet(),
                                opts=geozones_screen.ScreenOptions(height_field="h", kind_field="k"))
    screened = read_output(tmp_path / "out.gpkg")
    for col in ("gz_verdict", "gz_zone", "gz_rules", "gz_message"):
        assert screened[col].fillna("").tolist() == out[col].fillna("").tolist()


def test_assess_honours_geoseries_crs_and_marks_rows(frame):
    gdf = _frame(frame, [square_north(300.0), square_north(300.0)], h=[31.0, 1.0])
    a = geozones.assess(gdf.geometry, kind=["building", "spaceship"], height=gdf["h"])
    assert a.problems[0] is None and a.verdict[0] == "fail"
    assert isinstance(a.problems[1], InputError) and a.verdict[1] is None
    df = a.to_frame()
    assert df["distance_m"].iloc[0] == pytest.approx(300.0, abs=0.01)
    assert "spaceship" in df["problem"].iloc[1]
    with pytest.raises(InputError, match="crs="):
        geozones.assess(gdf.geometry, crs="EPSG:4326")
    bad = geozones.assess(gdf.geometry, height=[-1.0, 10.0], floors=[2.5, 3])
    assert bad.problems[0] is not None and bad.problems[1] is None


def test_check_one_row_frame_and_deprecated_spellings(frame):
    gdf = _frame(frame, [square_north(300.0), square_north(500.0)])
    r = geozones.check(gdf.iloc[[0]], height=31)
    assert r.verdict == "fail" and r.distance_m == pytest.approx(300.0, abs=0.01)
    assert r.to_dict()["crs"] == "EPSG:4546"
    assert geozones.check(gdf.geometry.iloc[[1]], height=31).verdict == "pass"
    with pytest.raises(InputError, match="2 rows"):
        geozones.check(gdf, height=31)
    with pytest.warns(DeprecationWarning, match="height="):
        a = geozones.assess(gdf.geometry, height_m=31.0)
    assert a.verdict.tolist() == ["fail", "pass"]
    with pytest.warns(DeprecationWarning, match="floors="):
        geozones.assess(gdf.geometry, height=31.0, storeys=10)


def test_deprecated_spellings_work_in_check_and_assess_frame(frame):
    """README: height_m=/storeys=/width_m= still work everywhere, with a DeprecationWarning.
    A square 300 m north of the fence: H <= D / 10 = 30 m, so 31 m fails and 29 m passes; a
    10 m road centre line 45 m north of the fence has its edge at D = 45 - 10 / 2 = 40 m."""
    from shapely import LineString

    gdf = _frame(frame, [square_north(300.0)])
    with pytest.warns(DeprecationWarning, match="height="):
        assert geozones.check(gdf, height_m=31).verdict == "fail"
    with pytest.warns(DeprecationWarning, match="height="):
        assert geozones.check(gdf, height_m=29).verdict == "pass"
    with pytest.warns(DeprecationWarning, match="floors="):
        assert geozones.check(gdf, height=9, storeys=3).verdict == "pass"
    with pytest.warns(DeprecationWarning, match="floors="), pytest.raises(InputError):
        geozones.check(gdf, height=9, storeys=2.5)  # the value is used: half a storey is refused
    with pytest.warns(DeprecationWarning), pytest.raises(TypeError, match="not both"):
        geozones.check(gdf, height=9, height_m=9)
    road = _frame(frame, [LineString([(-50, 12.5 + 45), (50, 12.5 + 45)])])
    with pytest.warns(DeprecationWarning, match="width="):
        assert geozones.check(road, kind="road", width_m=10.0).distance_m == pytest.approx(40.0, abs=0.01)
    with pytest.warns(DeprecationWarning, match="height="):
        out = geozones.assess_frame(_frame(frame, [square_north(300.0)] * 2), height_m=31.0)
    assert out["gz_verdict"].tolist() == ["fail", "fail"]
    assert out["gz_max_height_m"].tolist() == pytest.approx([30.0, 30.0], abs=0.01)


def test_width_spelling_matches_check(frame):
    """assess(width=) as check(width=); width_m= still works with a DeprecationWarning.
    A 10 m road drawn as a centre line 45 m north of the fence: its edge is at D = 40 m."""
    from shapely import LineString

    gdf = _frame(frame, [LineString([(-50, 12.5 + 45), (50, 12.5 + 45)])])
    a = geozones.assess(gdf.geometry, kind="road", width=10.0)
    with pytest.warns(DeprecationWarning, match="width="):
        b = geozones.assess(gdf.geometry, kind="road", width_m=10.0)
    assert a.measurements.distance_m[0] == pytest.approx(40.0, abs=0.01)
    assert b.measurements.distance_m[0] == pytest.approx(40.0, abs=0.01)
    assert geozones.assess(gdf.geometry, kind="road", width=-1.0).problems[0] is not None
