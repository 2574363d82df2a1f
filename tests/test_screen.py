"""Batch screening: nothing lost, encodings, formats, agreement with the single check."""

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from click.testing import CliRunner
from conftest import HALF, east, read_output, square_north
from pyproj import CRS

import geozones
from geozones.check import ZoneSet
from geozones.cli import main
from geozones.core.coords import from_frame
from geozones.io import sniff_shapefile_encoding
from geozones.screen import COLUMNS, SHAPEFILE_NAMES, ScreenOptions, screen_file


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
    assert a.verdicts == {"pass": 15, "fail": 15, "review": 5, "error": 10}


def test_batch_agrees_with_check(tmp_path, zones):
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
