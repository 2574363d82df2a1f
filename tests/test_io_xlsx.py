"""`screen -o results.xlsx`: the Excel workbook, read back with openpyxl (issue 25, item 7).

The screened table in sheet 1 (every input column, ours, the geometry as WKT last), headers in
--lang, frozen header row, auto filter over the table, verdict fills; a summary sheet with the
verdict counts, the worst exceedances and the assumptions; Excel's limits kept."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import openpyxl
import pytest
import shapely
from click.testing import CliRunner
from conftest import square_north
from pyproj import CRS

from geozones.cli import main
from geozones.core.coords import from_frame
from geozones.io import xlsx
from geozones.io.xlsx import MAX_CELL_CHARS, VERDICT_FILLS, write_xlsx

# H <= D/10 within 1000 m of the fence: at 300 m the limit is 30 m, at 500 m 50 m
ROWS = {"a": (300.0, 31.0), "b": (500.0, 20.0)}


@pytest.fixture
def parcels(tmp_path, frame):
    """Two parcels north of the field in CGCS2000 / 3-degree GK zone 37 (EPSG:4546)."""
    geoms = from_frame(np.array([square_north(d) for d, _ in ROWS.values()], dtype=object),
                       frame.crs, CRS.from_epsg(4546))
    path = tmp_path / "parcels.gpkg"
    gpd.GeoDataFrame({"pid": list(ROWS), "h": [h for _, h in ROWS.values()], "备注": ["=SUM(A1)", "ok"]},
                     geometry=gpd.GeoSeries(geoms, crs=4546), crs=4546).to_file(path)
    return path


def _screen(src, out, *more):
    res = CliRunner().invoke(main, ["screen", str(src), "-o", str(out), "--height-field", "h", "-q", *more])
    assert res.exit_code == 0, res.output
    return openpyxl.load_workbook(out)


def _fills(ws) -> dict[str, tuple[str, str]]:
    """verdict -> (range, background colour) of the sheet's conditional fills."""
    out = {}
    for cf in ws.conditional_formatting:
        for rule in cf.rules:
            verdict = rule.formula[0].split('"')[1]
            out[verdict] = (str(cf.sqref), rule.dxf.fill.fgColor.rgb[-6:])
    return out


def test_workbook_table_headers_values_pane_filter_fills(parcels, tmp_path):
    wb = _screen(parcels, tmp_path / "results.xlsx")
    ws = wb.worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    header = list(rows[0])
    assert header[:3] == ["pid", "h", "备注"] and header[-1] == "geometry (WKT)"
    assert header[3:8] == ["gz_verdict", "gz_zone", "gz_distance_m", "gz_max_height_m", "gz_height_m"]
    got = {r[0]: dict(zip(header, r)) for r in rows[1:]}
    a, b = got["a"], got["b"]
    assert (a["gz_verdict"], a["gz_max_height_m"], a["gz_height_m"]) == ("fail", pytest.approx(30.0), 31.0)
    assert a["gz_distance_m"] == pytest.approx(300.0) and a["gz_exceedance_m"] == pytest.approx(1.0)
    assert (b["gz_verdict"], b["gz_max_height_m"]) == ("pass", pytest.approx(50.0))
    assert a["备注"] == "=SUM(A1)" and ws["C2"].data_type == "s"   # text, never a formula
    poly = shapely.from_wkt(a["geometry (WKT)"])
    assert poly.geom_type == "Polygon" and math.isclose(poly.area, 100.0, rel_tol=1e-3)   # 10 m x 10 m, GK metres
    assert ws.freeze_panes == "A2"
    last = openpyxl.utils.get_column_letter(len(header))
    assert ws.auto_filter.ref == f"A1:{last}3"
    col = openpyxl.utils.get_column_letter(header.index("gz_verdict") + 1)
    assert _fills(ws) == {v: (f"{col}2:{col}3", c) for v, c in VERDICT_FILLS.items()}
    assert VERDICT_FILLS["fail"] == "FFC7CE" and VERDICT_FILLS["pass"] == "C6EFCE"


def test_workbook_summary_sheet_counts_worst_and_assumptions(parcels, tmp_path):
    wb = _screen(parcels, tmp_path / "results.xlsx")
    assert wb.sheetnames == ["screened", "summary"]
    rows = [tuple(v for v in r if v is not None) for r in wb["summary"].iter_rows(values_only=True)]
    assert rows[:7] == [("Verdicts",), ("verdict", "rows"), ("fail", 1), ("review", 0), ("pass", 1),
                        ("error", 0), ("all rows", 2)]
    worst = rows.index(("Worst exceedances (10 at most)",))
    assert rows[worst + 1] == ("input row (from 1)", "pid", "exceedance (m)", "verdict")
    assert rows[worst + 2][0:2] == (1, "a") and rows[worst + 2][2] == pytest.approx(1.0)
    notes = dict(r for r in rows[rows.index(("Assumptions",)) + 1:] if len(r) == 2)
    assert notes["coordinates"] == "EPSG:4546 (declared by the input)"
    assert notes["station"].endswith("(jiangxian)") and notes["attribute encoding"]


def test_workbook_in_chinese(parcels, tmp_path):
    wb = _screen(parcels, tmp_path / "results.xlsx", "--lang", "zh")
    assert wb.sheetnames == ["筛查结果", "汇总"]
    header = [c.value for c in wb.worksheets[0][1]]
    assert header[3:7] == ["结论", "区域", "距离(米)", "允许高度(米)"] and header[-1] == "几何(WKT)"
    assert wb.worksheets[0]["D2"].value == "fail"   # the values stay codes: the fills and filters match them
    rows = [tuple(v for v in r if v is not None) for r in wb["汇总"].iter_rows(values_only=True)]
    assert rows[:3] == [("结论统计",), ("结论", "行数"), ("不通过", 1)]
    assert ("坐标", "EPSG:4546（输入文件声明）") in rows


def test_workbook_datum_check_counts_when_no_crs_given(tmp_path, frame):
    geoms = from_frame(np.array([square_north(300.0)], dtype=object), frame.crs, CRS.from_epsg(4326))
    src = tmp_path / "lonlat.gpkg"
    gpd.GeoDataFrame({"h": [31.0]}, geometry=gpd.GeoSeries(geoms, crs=4326), crs=4326).to_file(src)
    wb = _screen(src, tmp_path / "results.xlsx")
    rows = [tuple(v for v in r if v is not None) for r in wb["summary"].iter_rows(values_only=True)]
    at = next(i for i, r in enumerate(rows) if r and str(r[0]).startswith("Datum check"))
    assert {r[0] for r in rows[at + 2:at + 4]} == {"GCJ-02", "BD-09"}
    notes = dict(r for r in rows if len(r) == 2)
    assert notes["coordinates"].startswith("coordinates read as WGS84 lon/lat (no --crs given)")


def test_too_many_rows_refused_before_the_work(parcels, tmp_path, monkeypatch):
    monkeypatch.setattr(xlsx, "MAX_ROWS", 1)
    out = tmp_path / "results.xlsx"
    res = CliRunner().invoke(main, ["screen", str(parcels), "-o", str(out), "--height-field", "h"])
    assert res.exit_code != 0 and "Traceback" not in res.output
    lines = res.output.strip().splitlines()
    assert len(lines) == 1 and "2 rows, more than an Excel sheet holds (1 under the header)" in lines[0]
    assert ".gpkg or .csv" in lines[0] and not out.exists()


def test_too_many_rows_of_an_input_of_unknown_length_refused_as_written(tmp_path, monkeypatch):
    monkeypatch.setattr(xlsx, "MAX_ROWS", 1)
    src = tmp_path / "p.csv"
    src.write_text("wkt,h\n\"POINT (549300 3927400)\",3\n\"POINT (549310 3927400)\",3\n", encoding="utf-8")
    out = tmp_path / "results.xlsx"
    res = CliRunner().invoke(main, ["screen", str(src), "-o", str(out), "--height-field", "h", "--crs", "EPSG:4546",
                                     "--wkt-column", "wkt"])
    assert res.exit_code != 0 and len(res.output.strip().splitlines()) == 1 and "Traceback" not in res.output
    assert "more than an Excel sheet holds" in res.output and not out.exists()


def test_map_and_reports_refused_with_a_workbook(parcels, tmp_path):
    res = CliRunner().invoke(main, ["screen", str(parcels), "-o", str(tmp_path / "r.xlsx"), "--map", str(tmp_path / "m.html")])
    assert res.exit_code == 2 and res.output.count("\n") == 1 and "--map reads the screened output back" in res.output


def test_cells_keep_excel_limits(tmp_path):
    long = "长" * 20_000 + "😀" * 10_000          # 40,000 UTF-16 code units
    gdf = gpd.GeoDataFrame({"text": [long, "a\x01b", "=1+1"], "x": [1.5, float("nan"), float("inf")]},
                           geometry=[shapely.Point(1, 2), None, shapely.Point(3, 4)], crs=4326)
    out = tmp_path / "t.xlsx"
    assert write_xlsx(out, [gdf]) == 3
    ws = openpyxl.load_workbook(out).worksheets[0]
    cut = ws["A2"].value
    assert len(cut.encode("utf-16-le")) // 2 == MAX_CELL_CHARS - 1 and cut.startswith("长" * 20_000)
    assert (ws["A3"].value, ws["A4"].value, ws["A4"].data_type) == ("a\ufffdb", "=1+1", "s")
    assert (ws["B2"].value, ws["B3"].value, ws["B4"].value) == (1.5, None, None)
    assert (ws["C2"].value, ws["C3"].value) == ("POINT (1 2)", None)
    assert ws.auto_filter.ref == "A1:C4" and not list(ws.conditional_formatting)


def test_workbook_the_same_from_worker_processes(parcels, tmp_path):
    # the workers hand Arrow tables to the writer, a run in this process GeoDataFrames
    from geozones.batch import Settings
    from geozones.check import ZoneSet
    from geozones.screen import ScreenOptions, screen_file

    sheets = []
    for name, settings in (("one", Settings(chunk_rows=1, processes=1)),
                           ("two", Settings(chunk_rows=1, processes=2, process_min_rows=0))):
        out = tmp_path / name / "results.xlsx"
        out.parent.mkdir()
        screen_file(parcels, out, zones=ZoneSet(), opts=ScreenOptions(height_field="h"), settings=settings)
        wb = openpyxl.load_workbook(out)
        sheets.append([[r for r in ws.iter_rows(values_only=True) if r[0] != "output"] for ws in wb.worksheets])
    assert sheets[0] == sheets[1] and len(sheets[0][0]) == 3


def test_ids_longer_than_excels_15_digits_kept_whole_as_text(tmp_path, frame):
    """A 19-digit parcel id (as cadastres number them) written as a number would come back as
    6.10113001001e+18; as text it is whole. 15 digits still fit a number."""
    geoms = from_frame(np.array([square_north(300.0), square_north(500.0)], dtype=object),
                       frame.crs, CRS.from_epsg(4546))
    src = tmp_path / "ids.gpkg"
    gpd.GeoDataFrame({"pid": np.array([6101130010010000123, 999_999_999_999_999], dtype=np.int64), "h": [31.0, 20.0]},
                     geometry=gpd.GeoSeries(geoms, crs=4546), crs=4546).to_file(src)
    ws = _screen(src, tmp_path / "ids.xlsx").worksheets[0]
    assert ws["A2"].value == "6101130010010000123" and ws["A2"].data_type == "s"
    assert ws["A3"].value == 999_999_999_999_999 and ws["A3"].data_type == "n"
