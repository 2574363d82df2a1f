"""Batch screening: nothing lost, encodings, formats, agreement with the single check."""

from __future__ import annotations

import json
import sqlite3
import struct

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from click.testing import CliRunner
from conftest import HALF, east, read_output, square_north
from geometries import BOWTIE, CIRCLE_WKT, FIELD, FUZZ, _curve_wkb, geometries, sliver
from hypothesis import given
from hypothesis import strategies as st
from pyproj import CRS

import geozones
from geozones.check import ZoneSet
from geozones.cli import main
from geozones.core.coords import from_frame
from geozones.core.curves import linearize
from geozones.io import sniff_shapefile_encoding
from geozones.screen import COLUMNS, SHAPEFILE_NAMES, SUN_COLUMNS, ScreenOptions, screen_file
from geozones.station import default_station_path, load_station


@pytest.fixture(scope="module")
def zones():
    return ZoneSet()


def _parcels(frame, epsg: int) -> gpd.GeoDataFrame:
    """Hand-made parcels in the station frame, then into ``epsg``; expected verdicts known."""
    rows = [
        # (名称, 类型, 高度, geometry, expected verdict, expected status prefix)
        ("北侧住宅", "建筑物", 29.0, square_north(300.0), "pass", "ok"),        # 30 m allowed
        ("北侧高楼", "建筑物", 31.0, square_north(300.0), "fail", "ok"),        # 1 m over
        ("东侧塔", "构筑物", 9.0, east(100.0).buffer(3), "fail", "ok"),         # 8.75 m in sun sector
        ("道路", "道路", None, shapely.box(-100, HALF + 30, 100, HALF + 38), "fail", "ok"),
        ("缺高度", "建筑物", None, square_north(500.0), "review", "ok; height missing"),
        ("自相交", "建筑物", 10.0, shapely.Polygon([(0, 600), (60, 640), (60, 600), (0, 640)]),
         "pass", "repaired"),
        ("空几何", "建筑物", 10.0, None, "error", "error: "),
        ("未知类型", "飞船", 10.0, square_north(700.0), "error", "error: "),
        ("远处水体", "水体", None, square_north(150.0), "pass", "ok"),
    ]
    geoms = [g for *_, g, _, _ in [(r[0], r[1], r[2], r[3], r[4], r[5]) for r in rows]]
    local = np.array([g if g is not None else None for g in geoms], dtype=object)
    out = from_frame(local, frame.crs, CRS.from_epsg(epsg))
    gdf = gpd.GeoDataFrame({
        "名称": [r[0] for r in rows], "类型": [r[1] for r in rows],
        "高度": [r[2] for r in rows], "expect": [r[4] for r in rows], "status": [r[5] for r in rows],
    }, geometry=gpd.GeoSeries(out, crs=epsg), crs=epsg)
    return gdf


def _write_gbk_shapefile(gdf, path, drop_ldid=False):
    pyogrio.write_dataframe(gdf, path, encoding="GBK")
    path.with_suffix(".cpg").unlink(missing_ok=True)
    if drop_ldid:
        dbf = path.with_suffix(".dbf")
        data = bytearray(dbf.read_bytes())
        data[29] = 0
        dbf.write_bytes(bytes(data))


@pytest.mark.parametrize("epsg", [4326, 4546, 4525])
@pytest.mark.parametrize("drop_ldid", [False, True])
def test_gbk_shapefile_round_trip(tmp_path, frame, zones, epsg, drop_ldid):
    src = _parcels(frame, epsg)
    shp = tmp_path / "parcels.shp"
    _write_gbk_shapefile(src, shp, drop_ldid)
    assert sniff_shapefile_encoding(shp)[0] in ("GB18030", "GBK", "CP936")
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    out = tmp_path / "out.shp"
    summary = screen_file(shp, out, zones=zones, opts=ScreenOptions(height_field="高度", kind_field="类型"))
    got = read_output(out)
    assert len(got) == len(src) == summary.rows
    assert list(got["名称"]) == list(src["名称"])           # Chinese survives, order kept
    assert list(got["gz_verdict"]) == list(src["expect"])
    for status, want in zip(got["gz_status"], src["status"]):
        assert status.startswith(want), (status, want)
    assert {SHAPEFILE_NAMES[c] for c in COLUMNS} <= set(got.columns)
    assert got.crs.to_epsg() == epsg
    # the input is untouched
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.name in before} == before


def test_rows_in_equal_rows_out_in_chunks(tmp_path, frame, zones):
    src = pd.concat([_parcels(frame, 4546)] * 5, ignore_index=True)
    path = tmp_path / "p.gpkg"
    src.to_file(path)
    a = screen_file(path, tmp_path / "a.gpkg", zones=zones, chunk_size=4,
                    opts=ScreenOptions(height_field="高度", kind_field="类型"))
    b = screen_file(path, tmp_path / "b.gpkg", zones=zones, chunk_size=1000,
                    opts=ScreenOptions(height_field="高度", kind_field="类型"))
    ga, gb = read_output(tmp_path / "a.gpkg"), read_output(tmp_path / "b.gpkg")
    assert len(ga) == len(gb) == len(src) == a.rows == b.rows
    pd.testing.assert_frame_equal(ga.drop(columns="geometry"), gb.drop(columns="geometry"))
    # and right: the hand-worked verdict of each parcel (see _parcels), row for row
    assert list(ga["gz_verdict"]) == list(src["expect"])
    assert a.verdicts == {"pass": 15, "fail": 15, "review": 5, "error": 10}


def test_batch_agrees_with_check(tmp_path, zones):
    """screen and check give one answer per row; the distance both report is also a plain
    shapely.distance to the fence box, so a shared error in measuring shows."""
    rng = np.random.default_rng(7)
    n = 300
    r = 3000 * np.sqrt(rng.random(n))
    az = rng.random(n) * 2 * np.pi
    local = shapely.box(r * np.sin(az), r * np.cos(az), r * np.sin(az) + rng.uniform(5, 40, n),
                        r * np.cos(az) + rng.uniform(5, 40, n))
    kinds = rng.choice(["building", "structure", "road", "water", "vegetation", "industrial"], n)
    heights = np.round(rng.uniform(0, 80, n), 1)
    geoms = from_frame(local, zones.frame.crs, CRS.from_epsg(4546))
    path = tmp_path / "random.gpkg"
    gpd.GeoDataFrame({"kind": kinds, "h": heights}, geometry=geoms, crs=4546).to_file(path)
    screen_file(path, tmp_path / "o.gpkg", zones=zones, opts=ScreenOptions(height_field="h", kind_field="kind"))
    got = read_output(tmp_path / "o.gpkg")
    for i in range(n):
        c = geozones.check(geoms[i], height=heights[i], kind=kinds[i], crs="EPSG:4546", zones=zones)
        # an independent D: the 25 m fence box in the station frame, measured by shapely
        assert got["gz_distance_m"][i] == pytest.approx(shapely.distance(local[i], FIELD), abs=1e-3)
        assert got["gz_verdict"][i] == c.verdict, i
        assert got["gz_zone"][i] == c.zone
        assert got["gz_distance_m"][i] == pytest.approx(c.distance_m, abs=1e-3)
        if c.max_height_m is None:
            assert np.isnan(got["gz_max_height_m"][i])
        else:
            assert got["gz_max_height_m"][i] == pytest.approx(c.max_height_m, abs=1e-3)


@pytest.mark.parametrize("ext", ["gpkg", "geojson", "fgb", "parquet", "csv", "shp"])
def test_every_output_format(tmp_path, frame, zones, ext):
    src = _parcels(frame, 4546)
    path = tmp_path / "in.gpkg"
    src.to_file(path)
    out = tmp_path / f"out.{ext}"
    screen_file(path, out, zones=zones, opts=ScreenOptions(height_field="高度", kind_field="类型"))
    if ext == "parquet":  # sorted along a Hilbert curve: gz_row gives back the input order
        got = gpd.read_parquet(out)
        assert sorted(got["gz_row"]) == list(range(len(src)))
        got = got.sort_values("gz_row").reset_index(drop=True)
    elif ext == "csv":
        got = pd.read_csv(out)
    else:
        got = read_output(out)
    assert len(got) == len(src)
    assert list(got["名称"]) == list(src["名称"])
    verdict_col = "gz_verdict"
    assert list(got[verdict_col]) == list(src["expect"])
    if ext not in ("csv",):
        assert got.crs.to_epsg() == 4546


def test_csv_with_wkt_column_and_parquet_input(tmp_path, frame, zones):
    src = _parcels(frame, 4546)
    csv = tmp_path / "sites.csv"
    df = pd.DataFrame(src.drop(columns="geometry"))
    df["geom"] = [g.wkt if g is not None else "" for g in src.geometry]
    df.to_csv(csv, index=False, encoding="utf-8")
    out = tmp_path / "o.gpkg"
    screen_file(csv, out, zones=zones, wkt_column="geom", crs="EPSG:4546",
                opts=ScreenOptions(height_field="高度", kind_field="类型"))
    assert list(read_output(out)["gz_verdict"]) == list(src["expect"])
    pq = tmp_path / "in.parquet"
    src.to_parquet(pq)
    screen_file(pq, tmp_path / "o.parquet", zones=zones, opts=ScreenOptions(height_field="高度", kind_field="类型"))
    got = gpd.read_parquet(tmp_path / "o.parquet").sort_values("gz_row")
    assert list(got["gz_verdict"]) == list(src["expect"])


def test_floors_field_and_default_height(tmp_path, frame, zones):
    g = from_frame(np.array([square_north(300.0)] * 3, dtype=object), frame.crs, CRS.from_epsg(4546))
    path = tmp_path / "f.gpkg"
    gpd.GeoDataFrame({"层数": [10, 11, None]}, geometry=g, crs=4546).to_file(path)
    screen_file(path, tmp_path / "o.gpkg", zones=zones,
                opts=ScreenOptions(floors_field="层数", storey_height_m=3.0, default_height_m=12.0))
    got = read_output(tmp_path / "o.gpkg")
    # 10 × 3 = 30 m = the limit at 300 m; 11 × 3 = 33 m fails; the third takes the default 12 m
    assert list(got["gz_verdict"]) == ["pass", "fail", "pass"]
    assert list(got["gz_height_m"]) == [30.0, 33.0, 12.0]


def test_pilot_columns_and_share(tmp_path, zones):
    seat = shapely.Point(111.206, 34.838)
    parcels = [shapely.box(seat.x + i * 0.001, seat.y, seat.x + i * 0.001 + 0.0004, seat.y + 0.0002)
               for i in range(4)]
    path = tmp_path / "pl.gpkg"
    gpd.GeoDataFrame({"层数": [6, 6, 19, 3], "用途": ["住宅", "住宅", "住宅", "公共建筑"]},
                     geometry=parcels, crs=4326).to_file(path)
    s = screen_file(path, tmp_path / "o.gpkg", zones=zones,
                    opts=ScreenOptions(floors_field="层数", use_field="用途"))
    got = read_output(tmp_path / "o.gpkg")
    assert got["gz_in_pilot"].all()
    assert list(got["gz_verdict"]) == ["pass", "pass", "review", "pass"]
    assert "pilot_storeys_max" in got["gz_rules"][2]
    # residential only: equal footprints, 6 + 6 storeys low-rise of 6 + 6 + 19 -> 12 / 31
    assert s.pilot_low_rise_share == pytest.approx(12 / 31, rel=1e-3)


def test_cli_screen_report_and_overwrite(tmp_path, frame):
    src = _parcels(frame, 4546)
    path = tmp_path / "in.gpkg"
    src.to_file(path)
    out, rep = tmp_path / "o.gpkg", tmp_path / "r.json"
    args = ["screen", str(path), "-o", str(out), "--height-field", "高度", "--kind-field", "类型",
            "--report", str(rep)]
    res = CliRunner().invoke(main, args)
    assert res.exit_code == 0, res.output
    assert "verdicts: fail 3  review 1  pass 3  error 2" in res.output
    data = json.loads(rep.read_text(encoding="utf-8"))
    assert data["rows"] == 9 and data["error_rows"] == 2
    assert data["worst_exceedances"][0]["exceedance_m"] == pytest.approx(1.0, abs=1e-3)
    res = CliRunner().invoke(main, args)
    assert res.exit_code == 3 and "--overwrite" in res.output
    res = CliRunner().invoke(main, [*args, "--overwrite", "--quiet", "--lang", "zh"])
    assert res.exit_code == 0 and res.output == ""


@pytest.mark.parametrize("args, message", [
    (["nope.shp", "-o", "o.gpkg"], "does not exist"),
    (["in.gpkg", "-o", "o.gpkg", "--height-field", "HEIGHT"], "has no column 'HEIGHT'"),
    (["in.gpkg", "-o", "o.xyz"], "cannot tell the format"),
    (["in.gpkg", "-o", "in.gpkg", "--overwrite"], "is the input"),
    (["in.csv", "-o", "o.gpkg"], "--wkt-column"),
])
def test_cli_screen_bad_input(tmp_path, frame, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    _parcels(frame, 4546).to_file("in.gpkg")
    (tmp_path / "in.csv").write_text("a,b\n1,2\n")
    res = CliRunner().invoke(main, ["screen", *args])
    assert res.exit_code in (2, 3) and message in res.output, res.output
    assert "Traceback" not in res.output
    assert not list(tmp_path.glob(".geozones-*"))


def test_no_partial_output_on_failure(tmp_path, frame, zones, monkeypatch):
    src = _parcels(frame, 4546)
    path = tmp_path / "in.gpkg"
    src.to_file(path)
    import geozones.screen as scr

    calls = {"n": 0}
    real = scr.screen_chunk

    def failing(*a, **k):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("disk full")
        return real(*a, **k)

    monkeypatch.setattr(scr, "screen_chunk", failing)
    with pytest.raises(RuntimeError):
        screen_file(path, tmp_path / "o.gpkg", zones=zones, chunk_size=3, opts=ScreenOptions())
    assert not (tmp_path / "o.gpkg").exists()
    assert not list(tmp_path.glob(".geozones-*"))


def test_columns_documented():
    assert set(COLUMNS) <= set(SHAPEFILE_NAMES) and all(len(v) <= 10 for v in SHAPEFILE_NAMES.values())
    assert len(set(SHAPEFILE_NAMES.values())) == len(SHAPEFILE_NAMES)


def test_parquet_chunk_with_only_errors_first(tmp_path, frame, zones):
    # first chunk: rows whose geometry is empty (all gz_zone null), later chunks fine
    src = _parcels(frame, 4546)
    src = pd.concat([src.iloc[[6, 6, 6]], src], ignore_index=True)
    path = tmp_path / "in.gpkg"
    src.to_file(path)
    screen_file(path, tmp_path / "o.parquet", zones=zones, chunk_size=3,
                opts=ScreenOptions(height_field="高度", kind_field="类型"))
    got = gpd.read_parquet(tmp_path / "o.parquet").sort_values("gz_row")
    assert len(got) == len(src) and list(got["gz_verdict"][:3]) == ["error"] * 3


def test_long_chinese_field_names_to_shapefile(tmp_path, frame, zones):
    src = _parcels(frame, 4546).rename(columns={"高度": "建筑物高度", "名称": "地块的名称"})
    shp = tmp_path / "in.shp"
    _write_gbk_shapefile(src, shp)           # 10 bytes each in GBK: they fit there
    out = tmp_path / "out.shp"
    s = screen_file(shp, out, zones=zones, opts=ScreenOptions(height_field="建筑物高度", kind_field="类型"))
    got = read_output(out)                 # opens: no name cut inside a character
    assert s.renamed == {"建筑物高度": "建筑物", "地块的名称": "地块的"}
    assert list(got["地块的"]) == list(src["地块的名称"])
    assert list(got["gz_verdict"]) == list(src["expect"])


def test_gpkg_layer_option(tmp_path, frame, zones):
    src = _parcels(frame, 4546)
    path = tmp_path / "two.gpkg"
    src.iloc[:3].to_file(path, layer="first")
    src.to_file(path, layer="second")
    res = CliRunner().invoke(main, ["screen", str(path), "--layer", "second", "-o", str(tmp_path / "o.gpkg"),
                                    "--height-field", "高度", "--kind-field", "类型", "-q"])
    assert res.exit_code == 0, res.output
    assert len(read_output(tmp_path / "o.gpkg")) == len(src)






















def test_screen_keeps_every_hostile_row(tmp_path, zones):
    good = shapely.box(111.58, 35.51, 111.5805, 35.5105)
    rows = [
        ("good", good.wkt, "ok"),
        ("bowtie", BOWTIE.wkt, "repaired"),
        ("nan", "POLYGON ((111.574 35.505, 111.575 NaN, 111.575 35.505, 111.574 35.505))", "error: coordinates not finite"),
        ("sliver", sliver().wkt, "repaired"),
        ("curve", CIRCLE_WKT, "repaired"),
        ("arc", "CIRCULARSTRING (111.574 35.505, 111.575 35.506, 111.576 35.505)", "repaired"),
        ("gc", "GEOMETRYCOLLECTION (POINT (111.5745 35.5054), LINESTRING (111.574 35.505, 111.575 35.506))", "ok"),
        ("z", "POLYGON Z ((111.574 35.505 1, 111.575 35.506 2, 111.575 35.505 3, 111.574 35.505 1))", "ok"),
        ("m", "POLYGON M ((111.574 35.505 1, 111.575 35.506 2, 111.575 35.505 3, 111.574 35.505 1))", "ok"),
        ("huge", "POINT (1e300 1e300)", "error: coordinates"),
        ("inf", "POINT (inf 35)", "error: coordinates not finite"),
        ("garbage", "POLYGON ((1 2", "error: geometry unreadable"),
        ("good2", good.wkt, "ok"),
    ]
    csv = tmp_path / "hostile.csv"
    pd.DataFrame({"name": [r[0] for r in rows], "h": 10.0, "wkt": [r[1] for r in rows]}).to_csv(csv, index=False)
    s = screen_file(csv, tmp_path / "o.gpkg", zones=zones, wkt_column="wkt",
                    opts=ScreenOptions(height_field="h"))
    got = read_output(tmp_path / "o.gpkg")
    assert s.rows == len(got) == len(rows)
    assert list(got["name"]) == [r[0] for r in rows]
    for (name, _w, want), status in zip(rows, got["gz_status"]):
        assert status.startswith(want), (name, status)
    c = geozones.check(good, height=10.0, zones=zones)
    assert got["gz_verdict"][0] == got["gz_verdict"][12] == c.verdict


def test_screen_gpkg_with_a_curved_row(tmp_path, zones):
    path = tmp_path / "curved.gpkg"
    geoms = [shapely.box(111.58, 35.51, 111.5805, 35.5105)] * 3
    gpd.GeoDataFrame({"name": ["a", "curve", "c"]}, geometry=geoms, crs=4326).to_file(
        path, SPATIAL_INDEX="NO")   # the R-tree triggers need SpatiaLite functions
    with sqlite3.connect(path) as db:   # put a CURVEPOLYGON blob in row 2, as QGIS can
        blob = b"GP" + bytes([0, 1]) + struct.pack("<i", 4326) + _curve_wkb()
        db.execute("UPDATE curved SET geom = ? WHERE name = 'curve'", (blob,))
    screen_file(path, tmp_path / "o.gpkg", zones=zones, opts=ScreenOptions(default_height_m=5.0))
    got = read_output(tmp_path / "o.gpkg")
    assert list(got["gz_status"]) == ["ok", "repaired", "ok"]
    want = geozones.check(linearize(CIRCLE_WKT), height=5.0, zones=zones)
    assert got["gz_verdict"][1] == want.verdict
    assert got["gz_distance_m"][1] == pytest.approx(want.distance_m, abs=1e-3)


@FUZZ
@given(st.lists(geometries(), min_size=1, max_size=8))
def test_fuzz_screen(zones, tmp_path_factory, wkts):
    tmp = tmp_path_factory.mktemp("fuzz")
    csv = tmp / "f.csv"
    pd.DataFrame({"i": range(len(wkts)), "wkt": wkts}).to_csv(csv, index=False)
    s = screen_file(csv, tmp / "o.csv", zones=zones, wkt_column="wkt", opts=ScreenOptions(default_height_m=10.0))
    got = pd.read_csv(tmp / "o.csv")
    assert s.rows == len(got) == len(wkts)
    assert list(got["i"]) == list(range(len(wkts)))
    assert got["gz_status"].map(lambda v: isinstance(v, str) and (
        v.startswith(("ok", "repaired", "error: ")))).all()
    assert ((got["gz_verdict"] == "error") == got["gz_status"].str.startswith("error")).all()


def test_curve_of_nan_vertices_is_that_rows_problem(zones, tmp_path):
    """Found by the fuzz test: GEOS refused to repair it and the whole run failed."""
    wkts = ["POLYGON ((111.575 35.51, 111.575 35.51))", "CIRCULARSTRING (nan 35.51, nan 35.51, nan 35.51)"]
    csv = tmp_path / "f.csv"
    pd.DataFrame({"i": range(2), "wkt": wkts}).to_csv(csv, index=False)
    s = screen_file(csv, tmp_path / "o.csv", zones=zones, wkt_column="wkt",
                    opts=ScreenOptions(default_height_m=10.0))
    got = pd.read_csv(tmp_path / "o.csv")
    assert s.rows == 2 and (got["gz_verdict"] == "error").all()


GK = CRS.from_epsg(4546)


def _many_rules_station(tmp_path, extra):
    text = default_station_path().read_text(encoding="utf-8")
    rows = "".join(
        f'\n[[rules]]\nid = "advice_{k:02d}"\nkinds = ["building"]\nwhere = "band"\nwithin = "control"\n'
        f'limit = "advise"\nseverity = "review"\narticle = "Test {k}"\nquote_zh = "测试"\nquote_en = "test"\n'
        for k in range(extra))
    path = tmp_path / "many.toml"
    path.write_text(text + rows, encoding="utf-8")
    return load_station(path)


def test_a_station_with_seventy_rules_screens(tmp_path, frame):
    base = len(load_station().rules)
    extra = 70 - base
    assert extra >= 20
    station = _many_rules_station(tmp_path, extra)
    assert len(station.rules) == 70
    zones = ZoneSet(station)  # with the Pinglu pilot's 3 rules: 73 rule rows in all
    assert len(zones.rules) == 73
    g = from_frame(np.array([square_north(300.0), square_north(3000.0)], dtype=object), frame.crs, GK)
    path = tmp_path / "p.gpkg"
    gpd.GeoDataFrame({"h": [40.0, 5.0]}, geometry=g, crs=4546).to_file(path)
    screen_file(path, tmp_path / "o.gpkg", zones=zones, opts=ScreenOptions(height_field="h"))
    got = read_output(tmp_path / "o.gpkg")
    # 40 m at 300 m breaks H <= D/10 (30 m) and is flagged by every added advice row too
    rules = got["gz_rules"][0].split(",")
    assert "height_ratio" in rules[:-extra]
    assert rules[-extra:] == [f"advice_{k:02d}" for k in range(extra)]
    assert got["gz_verdict"][0] == "fail" and got["gz_exceedance_m"][0] == pytest.approx(10.0)
    assert got["gz_rules"][1] in ("", None) and got["gz_verdict"][1] == "pass"


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
    assert [c for c in got.columns if c != "geometry"] == ["名称", "高度", *COLUMNS[:-1], *SUN_COLUMNS, "gz_status"]


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
    # kept as src_gz_status (said in the summary); --replace-gz replaces it by ours instead
    path = _file(tmp_path, frame, [29.0], extra={"gz_status": ["planner's note"]})
    s = screen_file(path, tmp_path / "o.gpkg", zones=ZoneSet(), opts=ScreenOptions(height_field="h"))
    got = read_output(tmp_path / "o.gpkg")
    assert s.renamed == {"gz_status": "src_gz_status"}
    assert list(got["src_gz_status"]) == ["planner's note"] and list(got["gz_status"]) == ["ok"]
    res = _screen(path, tmp_path, "--replace-gz")
    assert res.exit_code == 0, res.output
    got = read_output(tmp_path / "o.gpkg")
    assert list(got["gz_status"]) == ["ok"] and "src_gz_status" not in got.columns


def test_screen_a_row_past_the_vertex_limit_is_that_rows_error(tmp_path, zones):
    """A curved row that would become more vertices than the limit (issue 23, D) is an error
    row saying so, in a CSV (WKT) and in a GeoPackage (a curve blob); the other rows are screened."""
    from geometries import many_arcs_wkt

    from geozones.core.limits import using

    good = shapely.box(111.58, 35.51, 111.5805, 35.5105)
    bomb = many_arcs_wkt(100)   # 2,701 vertices, 110 m long
    csv = tmp_path / "arcs.csv"
    pd.DataFrame({"name": ["a", "arcs", "c"], "wkt": [good.wkt, bomb, good.wkt]}).to_csv(csv, index=False)
    with using(max_vertices=2700):
        s = screen_file(csv, tmp_path / "o.gpkg", zones=zones, wkt_column="wkt", opts=ScreenOptions(default_height_m=5.0))
    got = read_output(tmp_path / "o.gpkg")
    assert s.rows == 3 and s.error_rows == 1
    assert list(got["gz_verdict"]) == ["pass", "error", "pass"]
    assert got["gz_status"][1] == ("error: the curved geometry would become 2,701 vertices when made straight, more "
                                   "than the limit of 2,700 (GEOZONES_MAX_VERTICES)")
    path = tmp_path / "arcs.gpkg"
    gpd.GeoDataFrame({"name": ["a", "arcs", "c"]}, geometry=[good] * 3, crs=4326).to_file(path, SPATIAL_INDEX="NO")
    with sqlite3.connect(path) as db:   # the arcs as a curve blob in row 2
        blob = b"GP" + bytes([0, 1]) + struct.pack("<i", 4326) + _wkb_of(bomb)
        db.execute("UPDATE arcs SET geom = ? WHERE name = 'arcs'", (blob,))
    with using(max_vertices=2700):
        screen_file(path, tmp_path / "p.gpkg", zones=zones, opts=ScreenOptions(default_height_m=5.0))
    got = read_output(tmp_path / "p.gpkg")
    assert list(got["gz_verdict"]) == ["pass", "error", "pass"] and "2,701 vertices" in got["gz_status"][1]


def _wkb_of(circularstring_wkt: str) -> bytes:
    """ISO WKB (type 8, CircularString) of a CIRCULARSTRING's WKT."""
    nums = [float(v) for v in circularstring_wkt[circularstring_wkt.index("(") + 1:-1].replace(",", " ").split()]
    pts = list(zip(nums[::2], nums[1::2]))
    return struct.pack("<BII", 1, 8, len(pts)) + b"".join(struct.pack("<dd", *p) for p in pts)


# --- input columns named like ours or like the formats' own (issue 23, item 4) ------------

#: Names an input column may have that an output cannot keep, one per kind: the geometry
#: column (geopandas/GeoParquet/CSV, GeoPackage, GDAL's stream), the feature id, ours in
#: any letter case, a shapefile short name of ours, the row number of a sorted output.
CLASHING = ["geometry", "Geom", "wkb_geometry", "FID", "ogc_fid", "GZ_VERDICT", "Gz_Status", "gz_dist_m", "gz_row"]
#: ... those each input format can hold: a GeoPackage has its own geom and fid, GDAL's
#: Arrow writer takes an ogc_fid column for the feature id, a shapefile's names are 10 bytes.
HOLDS = {"gpkg": [c for c in CLASHING if c not in ("Geom", "FID")],
         "shp": [c for c in CLASHING if len(c) <= 10 and c != "ogc_fid"],
         "geojson": [c for c in CLASHING if c != "ogc_fid"],
         "fgb": [c for c in CLASHING if c != "ogc_fid"],
         "parquet": CLASHING, "csv": CLASHING}
#: Our columns a check of "ours intact" reads, per output (a shapefile's short names).
OURS = {"verdict": "gz_verdict", "height": "gz_height_m", "max": "gz_max_height_m", "distance": "gz_distance_m"}
OURS_SHP = {"verdict": "gz_verdict", "height": "gz_h_m", "max": "gz_maxh_m", "distance": "gz_dist_m"}


def _check_names(got, summary, columns: list[str], expected: dict[str, str], shapefile: bool) -> None:
    """Every input column arrives under the name stated (``expected``, worked out by hand),
    with its values row for row (by id: a FlatGeobuf may store its rows in another order);
    ours are intact: the heights given (10 and 20 m) pass, limited to D/10 in the control belt."""
    assert summary.renamed == expected
    ids = [str(v) for v in got["id"]]
    assert sorted(ids) == ["a", "b"]
    for col in columns:
        name = expected.get(col, col)
        assert dict(zip(ids, map(str, got[name]))) == {"a": f"{col}-a", "b": f"{col}-b"}, col
    ours = OURS_SHP if shapefile else OURS
    assert list(got[ours["verdict"]]) == ["pass", "pass"]
    assert dict(zip(ids, got[ours["height"]].astype(float))) == {"a": 10.0, "b": 20.0}
    d, limit = got[ours["distance"]].astype(float), got[ours["max"]].astype(float)
    assert (d > 700).all() and np.allclose(limit, d / 10, atol=0.001)   # H <= D / 10, Art. 12.3


@pytest.mark.parametrize("ext", list(HOLDS))
def test_clashing_input_columns_kept_renamed_every_input_format(tmp_path, ext):
    # each input format, every clashing name it can hold, into a GeoPackage (whose field
    # names ignore case, and which has a geom and a fid of its own): kept as src_<name>
    from conftest import read_table, write_table

    names = HOLDS[ext]
    src = write_table(tmp_path / f"in.{ext}", {"id": ["a", "b"], "h": [10.0, 20.0],
                                               **{c: [f"{c}-a", f"{c}-b"] for c in names}})
    out = tmp_path / "out.gpkg"
    s = screen_file(src, out, zones=ZoneSet(), opts=ScreenOptions(height_field="h"),
                    wkt_column="wkt" if ext == "csv" else None)
    _check_names(read_table(out), s, names, {c: "src_" + c for c in names}, shapefile=False)


@pytest.mark.parametrize("ext", ["gpkg", "shp", "parquet", "csv", "geojson", "fgb"])
def test_clashing_input_columns_kept_renamed_every_output_format(tmp_path, ext):
    # one GeoParquet holding every clashing name, and long names a shapefile must cut: two
    # that cut to the same 10 bytes, one that cuts to a name already there, one that cuts
    # to ours (gz_verdict); every output format keeps them all under the names stated
    from conftest import read_table, write_table

    long = ["building_height_a", "building_height_b", "building_h", "gz_verdict_old"]
    src = write_table(tmp_path / "in.parquet", {"id": ["a", "b"], "h": [10.0, 20.0],
                                                 **{c: [f"{c}-a", f"{c}-b"] for c in [*CLASHING, *long]}})
    out = tmp_path / f"out.{ext}"
    s = screen_file(src, out, zones=ZoneSet(), opts=ScreenOptions(height_field="h"))
    if ext == "shp":   # "src_" + name, cut to 10 bytes; the long ones cut and numbered
        expected = {c: ("src_" + c)[:10] for c in CLASHING}
        expected |= {"building_height_a": "building_1", "building_height_b": "building_2",
                     "gz_verdict_old": "gz_verdi_1"}
    else:
        expected = {c: "src_" + c for c in CLASHING}
    _check_names(read_table(out), s, [*CLASHING, *long], expected, shapefile=ext == "shp")


@pytest.mark.parametrize("ext", ["gpkg", "shp", "fgb"])
def test_geometry_in_capitals_kept_and_no_crash(tmp_path, ext):
    # GEOMETRY beside our geometry column made GDAL crash the process (SIGSEGV) writing a
    # GeoPackage: kept as src_GEOMETRY in every output instead
    from conftest import read_table, write_table

    src = write_table(tmp_path / "in.parquet", {"id": ["a", "b"], "h": [10.0, 20.0], "GEOMETRY": ["GEOMETRY-a", "GEOMETRY-b"]})
    out = tmp_path / f"out.{ext}"
    s = screen_file(src, out, zones=ZoneSet(), opts=ScreenOptions(height_field="h"))
    expected = {"GEOMETRY": "src_GEOMET" if ext == "shp" else "src_GEOMETRY"}
    _check_names(read_table(out), s, ["GEOMETRY"], expected, shapefile=ext == "shp")


def test_names_equal_but_for_case_kept_apart(tmp_path):
    # GeoParquet tells Height from HEIGHT, a GeoPackage does not: the second is HEIGHT_1
    # in every output, stated
    from conftest import read_table, write_table

    src = write_table(tmp_path / "in.parquet", {"id": ["a", "b"], "h": [10.0, 20.0],
                                                 "Height": ["Height-a", "Height-b"], "HEIGHT": ["HEIGHT-a", "HEIGHT-b"]})
    for ext in ("gpkg", "parquet"):
        out = tmp_path / f"out.{ext}"
        s = screen_file(src, out, zones=ZoneSet(), opts=ScreenOptions(height_field="h"))
        _check_names(read_table(out), s, ["Height", "HEIGHT"], {"HEIGHT": "HEIGHT_1"}, shapefile=False)


def test_empty_input_names_its_columns_as_rows_would(tmp_path):
    # no rows: the output still has the input's columns under the names stated, and ours
    from conftest import read_table, write_table

    src = write_table(tmp_path / "in.gpkg", {"id": [], "h": [], "geometry": [], "GZ_VERDICT": []}, geoms=[])
    s = screen_file(src, tmp_path / "o.gpkg", zones=ZoneSet(), opts=ScreenOptions(height_field="h"))
    got = read_table(tmp_path / "o.gpkg")
    assert s.rows == len(got) == 0
    assert s.renamed == {"geometry": "src_geometry", "GZ_VERDICT": "src_GZ_VERDICT"}
    assert [c for c in got.columns if c != "geometry"] == ["id", "h", "src_geometry", "src_GZ_VERDICT", *COLUMNS[:-1],
                                                            *SUN_COLUMNS, "gz_status"]


def test_full_names_read_a_screened_shapefile_back():
    # a screened shapefile's short names (and ours in capitals) read as the full ones; a
    # column already under the full name wins; nothing else renamed
    from geozones.screen import full_names

    df = pd.DataFrame({"id": [1], "gz_dist_m": [1.0], "GZ_VERDICT": ["pass"], "gz_h_m": [2.0],
                       "gz_height_m": [3.0], "src_gz_status": ["x"]})
    assert list(full_names(df).columns) == ["id", "gz_distance_m", "gz_verdict", "gz_h_m", "gz_height_m",
                                            "src_gz_status"]
