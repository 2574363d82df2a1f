"""`geozones screen`: options, messages, exit codes and the files it writes.

Outputs other GIS tools read cleanly: declared geometry type and layer name, GeoParquet 1.1,
Cloud Optimized GeoTIFF, permitted-height steps, QGIS styles, styled KML/KMZ."""

from __future__ import annotations

import json
import math
import sqlite3
from pathlib import Path

import ezdxf
import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pyogrio
import pytest
import rasterio
import shapely
from click.testing import CliRunner
from conftest import HALF, TAN5, read_output, square_north, to_wgs84
from geometries import B54_EPSG, B54_TOWGS84, X80_EPSG, X80_TOWGS84, datum_shed
from pyproj import CRS
from shapely import affinity

import geozones
from geozones.cli import main
from geozones.core.coords import from_frame
from geozones.core.zones import StationFrame
from geozones.station import default_station_path, load_station


def _parcels(frame, tmp_path, name="地块", ext=".gpkg"):
    geoms = from_frame(np.array([square_north(300.0), square_north(500.0)], dtype=object),
                       frame.crs, CRS.from_epsg(4546))
    gdf = gpd.GeoDataFrame({"id": ["a", "b"], "h": [31.0, 20.0]},
                           geometry=gpd.GeoSeries(geoms, crs=4546), crs=4546)
    path = tmp_path / f"in{ext}"
    gdf.to_file(path, layer=name) if ext == ".gpkg" else gdf.to_file(path)
    return path


@pytest.mark.parametrize("ext", [".gpkg", ".fgb"])
def test_screen_keeps_geometry_type_and_layer_name(tmp_path, frame, ext):
    src = _parcels(frame, tmp_path)
    out = tmp_path / f"out{ext}"
    res = CliRunner().invoke(main, ["screen", str(src), "-o", str(out), "--height-field", "h"])
    assert res.exit_code == 0, res.output
    layers = dict(pyogrio.list_layers(out))
    if ext == ".gpkg":
        assert layers["地块"] == "Polygon"        # not "Unknown (any)", and the input's name
    else:
        info = pyogrio.read_info(out)
        assert info["geometry_type"] == "Polygon"


def test_screen_gpkg_has_qgis_verdict_style(tmp_path, frame):
    src = _parcels(frame, tmp_path)
    out = tmp_path / "out.gpkg"
    assert CliRunner().invoke(main, ["screen", str(src), "-o", str(out), "--height-field", "h"]).exit_code == 0
    con = sqlite3.connect(out)
    table, column, qml, default = con.execute(
        "SELECT f_table_name, f_geometry_column, styleQML, useAsDefault FROM layer_styles").fetchone()
    assert (table, default) == ("地块", 1)
    assert column == con.execute("SELECT column_name FROM gpkg_geometry_columns").fetchone()[0]
    assert 'attr="gz_verdict"' in qml and 'value="fail"' in qml and "215,48,39,255" in qml
    assert con.execute("SELECT data_type FROM gpkg_contents WHERE table_name='layer_styles'").fetchone() == ("attributes",)


def test_geoparquet_1_1_with_bbox_covering(tmp_path, frame):
    src = _parcels(frame, tmp_path)
    out = tmp_path / "out.parquet"
    assert CliRunner().invoke(main, ["screen", str(src), "-o", str(out), "--height-field", "h"]).exit_code == 0
    meta = json.loads(pq.read_schema(out).metadata[b"geo"])
    col = meta["columns"]["geometry"]
    assert meta["version"] == "1.1.0"
    assert col["covering"]["bbox"]["xmin"] == ["bbox", "xmin"]
    assert col["geometry_types"] == ["Polygon"]
    table = pq.read_table(out)
    geoms = shapely.from_wkb(table.column("geometry").to_numpy(zero_copy_only=False))
    bbox = table.column("bbox").to_pylist()
    for g, b in zip(geoms, bbox):
        assert [b["xmin"], b["ymin"], b["xmax"], b["ymax"]] == pytest.approx(list(g.bounds))
    back = gpd.read_parquet(out).sort_values("gz_row")  # geopandas reads it; it screens again unchanged
    assert back.crs.to_epsg() == 4546 and list(back["gz_verdict"]) == ["fail", "pass"]
    again = tmp_path / "again.gpkg"
    res = CliRunner().invoke(main, ["screen", str(out), "-o", str(again), "--height-field", "h"])
    assert res.exit_code == 0, res.output
    assert "bbox" not in read_output(again, layer="out").columns



def test_flatgeobuf_output_takes_a_multipolygon_after_polygons(tmp_path):
    """A GeoParquet input declaring two types, Polygons in the first chunk and a MultiPolygon
    in a later one: the FlatGeobuf output declares no single type (it refused the later row,
    "Mismatched geometry type", when it took the first chunk's; a reviewer's find)."""
    geoms = [shapely.box(552000 + 20 * i, 3930000, 552010 + 20 * i, 3930010) for i in range(10)]
    geoms[7] = shapely.MultiPolygon([geoms[7], shapely.box(552500, 3930500, 552510, 3930510)])
    src = tmp_path / "mixed.parquet"
    gpd.GeoDataFrame({"PID": range(10), "H": [5.0] * 10}, geometry=gpd.GeoSeries(geoms, crs=4546)).to_parquet(src)
    out = tmp_path / "o.fgb"
    r = CliRunner().invoke(main, ["screen", str(src), "-o", str(out), "--height-field", "H", "--chunk-size", "5", "-q"])
    assert r.exit_code == 0, r.output
    back = pyogrio.read_dataframe(out)
    assert back["PID"].tolist() == list(range(10)) and back.geometry.iloc[7].geom_type == "MultiPolygon"


def test_screen_summary_says_web_numbers_need_crs(tmp_path, frame):
    wgs = from_frame(np.array([square_north(300.0)], dtype=object), frame.crs, CRS.from_epsg(4326))[0]
    src = tmp_path / "sites.csv"
    src.write_text(f'wkt,h\n"{wgs.wkt}",31\n', encoding="utf-8")
    res = CliRunner().invoke(main, ["screen", str(src), "--wkt-column", "wkt", "--height-field", "h",
                                    "-o", str(tmp_path / "o.gpkg")])
    assert res.exit_code == 0, res.output
    assert "--crs GCJ-02" in res.output and "--crs BD-09" in res.output
    # 31 m, 300 m north: fails as WGS84 (30 m allowed); as GCJ-02 the site is ~560 m away
    # and passes (≥ 55 m allowed): one row changes under each web datum
    # and its permitted height, D / 10 in the control belt, moves with D: exact (one row)
    assert "read as GCJ-02, 1 rows would get another verdict and 1 another permitted height:" in res.output
    assert "read as BD-09, 1 rows would get another verdict and 1 another permitted height:" in res.output
    quiet = CliRunner().invoke(main, ["screen", str(src), "--wkt-column", "wkt", "--height-field", "h",
                                      "-o", str(tmp_path / "o2.gpkg"), "--no-datum-check"])
    assert quiet.exit_code == 0 and "another verdict" not in quiet.output



LAT, LON = 35.504, 111.571


def _station_file(folder, ident: str, lat: float, lon: float, extra: tuple[tuple[str, str], ...] = ()):
    text = default_station_path().read_text(encoding="utf-8")
    text = (text.replace('id = "jiangxian"', f'id = "{ident}"')
            .replace(f"latitude_deg = {LAT}", f"latitude_deg = {lat}")
            .replace(f"longitude_deg = {LON}", f"longitude_deg = {lon}"))
    for old, new in extra:
        assert old in text
        text = text.replace(old, new)
    folder.mkdir(exist_ok=True)
    (folder / f"{ident}.toml").write_text(text, encoding="utf-8")


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    d = tmp_path_factory.mktemp("stations") / "two"
    _station_file(d, "a", LAT, LON)
    _station_file(d, "b", LAT, LON + 0.2)
    return d


def _a_frame():
    from geozones.core.zones import StationFrame

    return StationFrame(load_station())


# (name, geometry in a's frame [m], height [m], expected)
ROWS = [
    # 300 m north of a's fence: D/10 = 30 m, 31 m fails by 1 m; b is ~18 km away: not in reach
    ("near_a", shapely.Point(0.0, HALF + 300.0), 31.0),
    # 9000 m east of a's centre: a's sunrise sector, D_a = 8987.5 m, limit 786.30 m; b's sunset
    # sector, D_b = L − 9012.5 = 9132.48 m, limit 798.99 m. 790 m fails a's limit only.
    ("between_a_fails", shapely.Point(9000.0, 0.0), 790.0),
    # 9200 m east: D_a = 9187.5 → 803.80 m (790 passes); D_b = 8932.48 → 781.49 m (790 fails)
    ("between_b_fails", shapely.Point(9200.0, 0.0), 790.0),
    # 9000 m east again, 100 m: both pass; the lowest limit is a's 786.30 m
    ("between_both_pass", shapely.Point(9000.0, 0.0), 100.0),
    # 40 km north of a: beyond every reach (10 km), within a's plausible radius (50 km)
    ("far", shapely.Point(0.0, 40_000.0), 20.0),
    # 400 km north: implausible for every station and the pilot area: a coordinate mistake
    ("implausible", shapely.Point(0.0, 400_000.0), 20.0),
]


def test_cli_screen_stations_long_and_zh(folder, tmp_path):
    geoms = from_frame(np.array([g for _, g, _ in ROWS[:5]], dtype=object), _a_frame().crs, CRS.from_epsg(4326))
    gdf = gpd.GeoDataFrame({"h": [r[2] for r in ROWS[:5]]}, geometry=list(geoms), crs=4326)
    gdf.to_file(tmp_path / "in.gpkg")
    runner = CliRunner()
    res = runner.invoke(main, ["screen", str(tmp_path / "in.gpkg"), "-o", str(tmp_path / "out.gpkg"),
                               "--stations", str(folder), "--height-field", "h", "--long",
                               str(tmp_path / "long.parquet"), "--lang", "zh", "--no-datum-check"])
    assert res.exit_code == 0, res.output
    assert "站点数：2" in res.output and "不在任何站点影响范围内的行：1" in res.output
    out = gpd.read_file(tmp_path / "out.gpkg", layer="in")
    assert out.gz_message.iloc[4] == "通过 · 10 公里内无气象站"
    assert "其他可及站点：b 通过" in out.gz_message.iloc[1]
    long = pd.read_parquet(tmp_path / "long.parquet")
    assert len(long) == 7 and long.gz_row.tolist() == [0, 1, 1, 2, 2, 3, 3]
    # --long without --stations, and --station with --stations: one line each, exit 2
    res = runner.invoke(main, ["screen", str(tmp_path / "in.gpkg"), "-o", str(tmp_path / "o2.gpkg"),
                               "--long", str(tmp_path / "l2.csv")])
    assert res.exit_code == 2 and "--long needs --stations" in res.output
    res = runner.invoke(main, ["screen", str(tmp_path / "in.gpkg"), "-o", str(tmp_path / "o3.gpkg"),
                               "--stations", str(folder), "--station", str(default_station_path())])
    assert res.exit_code == 2 and "exclude each other" in res.output
    assert not (tmp_path / "o2.gpkg").exists() and not (tmp_path / "o3.gpkg").exists()


DATA = Path(__file__).parent / "data"


GK = CRS.from_epsg(4546)


ROTATED = DATA / "rotated_station.toml"


@pytest.fixture(scope="module")
def rot():
    return load_station(ROTATED)


def _rotated_field(station):
    h = station.field_size_m / 2
    return affinity.rotate(shapely.box(-h, -h, h, h), -station.field_rotation_deg, origin=(0, 0))


def _at(az_deg, r):
    a = math.radians(az_deg)
    return shapely.Point(r * math.sin(a), r * math.cos(a))


def test_rotated_station_screen_zones_heightlimit(rot, tmp_path):
    frame = StationFrame(rot)
    local = [_at(30.0, HALF + 300.0), _at(135.0, 3000.0), _at(210.0, HALF + 100.0)]
    g = from_frame(np.array(local, dtype=object), frame.crs, GK)
    src = tmp_path / "in.gpkg"
    gpd.GeoDataFrame({"h": [59.0, 1.0, 25.0]}, geometry=g, crs=4546).to_file(src)
    out = tmp_path / "o.gpkg"
    res = CliRunner().invoke(main, ["screen", str(src), "-o", str(out), "--height-field", "h",
                                    "--station", str(ROTATED), "-q"])
    assert res.exit_code == 0, res.output
    got = read_output(out)
    assert list(got["gz_zone"]) == ["control", "general", "control"]
    # H <= D / 5 everywhere here (the general zone reads the same ratio, Art. 13 (1))
    d_upwind = shapely.distance(_rotated_field(rot), local[1])
    assert 2900 < d_upwind < 3000
    assert list(got["gz_max_height_m"]) == pytest.approx([60.0, d_upwind / 5, 20.0], abs=1e-3)
    assert list(got["gz_verdict"]) == ["pass", "pass", "fail"]

    zl = tmp_path / "z.gpkg"
    res = CliRunner().invoke(main, ["zones", "-o", str(zl), "--station", str(ROTATED)])
    assert res.exit_code == 0, res.output
    zones = read_output(zl).set_index("zone")
    assert zones.loc["protection", "to_m"] == 30.0 and zones.loc["control", "to_m"] == 800.0
    assert zones.loc["general", "to_m"] == 4000.0
    assert zones.loc["protection", "name"] == "protection range (0-30 m)"
    assert zones.loc["body", "article"] == "Test Art. 1"

    tif = tmp_path / "h.tif"
    res = CliRunner().invoke(main, ["heightlimit", "-o", str(tif), "--resolution", "10", "--extent", "1000",
                                    "--station", str(ROTATED), "-q"])
    assert res.exit_code == 0, res.output
    field = _rotated_field(rot)
    with rasterio.open(tif) as ds:
        band = ds.read(1)
        for x, y in ((205.0, 305.0), (-305.0, 405.0), (15.0, -505.0)):
            row, col = ds.index(x, y)
            cx, cy = ds.xy(row, col)
            d = shapely.distance(field, shapely.Point(cx, cy))
            az = math.degrees(math.atan2(cx, cy)) % 360
            assert not (55 < az < 125 or 235 < az < 305)  # outside the sun sectors
            assert band[row, col] == pytest.approx(d / 5, abs=1e-3)


def test_cli_width_and_screen_width_field(tmp_path, frame):
    line = to_wgs84(frame, shapely.LineString([(-200, HALF + 105), (200, HALF + 105)]))
    res = CliRunner().invoke(main, ["check", "--footprint", line.wkt, "--kind", "river",
                                    "--width", "12", "--json"])
    assert res.exit_code == 0, res.output
    assert '"verdict": "fail"' in res.output  # 105 − 6 = 99 m < 100 m
    path = tmp_path / "lines.gpkg"
    gpd.GeoDataFrame({"id": [1, 2, 3], "宽度": [12.0, 8.0, None], "kind": ["水体", "水体", "水体"]},
                     geometry=[line, line, line], crs=4326).to_file(path)
    res = CliRunner().invoke(main, ["screen", str(path), "-o", str(tmp_path / "o.gpkg"),
                                    "--kind-field", "kind", "--width-field", "宽度"])
    assert res.exit_code == 0, res.output
    got = read_output(tmp_path / "o.gpkg")
    # 105 − 6 = 99 (fail), 105 − 4 = 101 (pass), no width: as drawn 105 (pass)
    assert list(got["gz_verdict"]) == ["fail", "pass", "pass"]
    assert list(got["gz_distance_m"]) == pytest.approx([99.0, 101.0, 105.0], abs=1e-3)


def _gdf(frame, geoms, **cols):
    out = from_frame(np.array(geoms, dtype=object), frame.crs, CRS.from_epsg(4546))
    return gpd.GeoDataFrame(cols, geometry=gpd.GeoSeries(out, crs=4546), crs=4546)


def test_renamed_shapefile_fields_listed_in_report(tmp_path, frame):
    # "building_height" (15 bytes) cannot be a shapefile field name (10 bytes): it is renamed,
    # and the rename is listed in both --report forms, as README says.
    src = tmp_path / "in.gpkg"
    _gdf(frame, [shapely.box(-5, 300, 5, 310)], building_height=[10.0]).to_file(src)
    for ext in ("csv", "json"):
        rep = tmp_path / f"r.{ext}"
        res = CliRunner().invoke(main, ["screen", str(src), "-o", str(tmp_path / f"o_{ext}.shp"),
                                        "--height-field", "building_height", "--report", str(rep), "-q"])
        assert res.exit_code == 0, res.output
        if ext == "json":
            renamed = json.loads(rep.read_text(encoding="utf-8"))["renamed_fields"]
        else:
            df = pd.read_csv(rep)
            renamed = dict(df.loc[df["metric"] == "renamed_field", ["key", "value"]].to_numpy())
        assert list(renamed) == ["building_height"]
        new = renamed["building_height"]
        assert len(new.encode()) <= 10 and new in read_output(tmp_path / f"o_{ext}.shp").columns


def test_summary_says_how_many_errors_not_listed(tmp_path, frame):
    # 7 rows with a negative height are errors; the summary lists 5 and says "and 2 more"
    src = tmp_path / "bad.gpkg"
    _gdf(frame, [shapely.box(-5, 300, 5, 310)] * 8, h=[-1.0] * 7 + [10.0]).to_file(src)
    for lang, more in (("en", "… and 2 more"), ("zh", "……另有 2 行")):
        res = CliRunner().invoke(main, ["screen", str(src), "-o", str(tmp_path / f"o_{lang}.gpkg"),
                                        "--height-field", "h", "--lang", lang])
        assert res.exit_code == 0, res.output
        assert more in res.output
        listed = [ln for ln in res.output.splitlines() if ln.startswith(("  row ", "  第 "))
                  and ": +" not in ln]
        assert len(listed) == 5, res.output


def test_mixed_geometry_to_shapefile_refused_in_one_line(tmp_path):
    # a point and a line: a shapefile holds one kind. A GeoPackage declaring GEOMETRY is refused
    # before the work; a CSV (no declared type) whose second chunk brings the line is refused
    # by our check as it is written, in one line naming .gpkg, not with OGR's message
    import geopandas as gpd

    pt, ln = shapely.Point(111.5745, 35.5054), shapely.LineString([(111.5745, 35.5054), (111.575, 35.506)])
    mixed = tmp_path / "mix.gpkg"
    gpd.GeoDataFrame({"id": [1, 2]}, geometry=[pt, ln], crs=4326).to_file(mixed)
    csv = tmp_path / "mix.csv"
    csv.write_text(f'id,wkt\n1,"{pt.wkt}"\n2,"{ln.wkt}"\n', encoding="utf-8")
    for args in ([str(mixed)], [str(csv), "--wkt-column", "wkt", "--crs", "EPSG:4326", "--chunk-size", "1"]):
        out = tmp_path / "o.shp"
        res = CliRunner().invoke(main, ["screen", *args, "-o", str(out), "-q"])
        assert res.exit_code == 3, res.output
        assert "shapefile holds one kind" in res.output and ".gpkg" in res.output
        assert "OGR" not in res.output and len(res.output.strip().splitlines()) == 1
        assert not out.exists()
    res = CliRunner().invoke(main, ["screen", str(mixed), "-o", str(tmp_path / "o.gpkg"), "-q"])
    assert res.exit_code == 0, res.output


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


def test_screened_file_is_rescreened(tmp_path, frame):
    path = _file(tmp_path, frame, [29.0, 31.0])
    assert _screen(path, tmp_path).exit_code == 0
    again = tmp_path / "again.gpkg"
    res = CliRunner().invoke(main, ["screen", str(tmp_path / "o.gpkg"), "-o", str(again), "--height-field", "h", "-q"])
    assert res.exit_code == 0, res.output
    got = read_output(again)
    assert list(got["gz_verdict"]) == ["pass", "fail"] and "gz_verdict_1" not in got.columns


def test_two_layers_without_layer_refused(tmp_path):
    path = tmp_path / "two.gpkg"
    g = [shapely.box(111.58, 35.51, 111.5805, 35.5105)]
    gpd.GeoDataFrame({"a": [1]}, geometry=g, crs=4326).to_file(path, layer="parcels")
    gpd.GeoDataFrame({"a": [2]}, geometry=g, crs=4326).to_file(path, layer="roads")
    res = CliRunner().invoke(main, ["screen", str(path), "-o", str(tmp_path / "o.gpkg")])
    assert res.exit_code == 2, res.output
    assert "2 layers" in res.output and "parcels" in res.output and "roads" in res.output
    assert "--layer" in res.output and not (tmp_path / "o.gpkg").exists()
    res = CliRunner().invoke(main, ["screen", str(path), "--layer", "roads", "-o", str(tmp_path / "o.gpkg"), "-q"])
    assert res.exit_code == 0 and list(read_output(tmp_path / "o.gpkg")["a"]) == [2]
    res = CliRunner().invoke(main, ["map", "--parcels", str(path), "-o", str(tmp_path / "m.html")])
    assert res.exit_code == 2 and "--layer" in res.output and not (tmp_path / "m.html").exists()


def _cgcs(frame, geom):
    """A frame geometry's coordinates in EPSG:4546 (CGCS2000 Gauss-Krüger zone 37)."""
    g = from_frame(np.array([geom], dtype=object), frame.crs, CRS.from_epsg(4546))[0]
    return [tuple(c) for c in np.asarray(g.exterior.coords if g.geom_type == "Polygon" else g.coords)]


@pytest.fixture
def drawing(tmp_path, frame):
    """A planner's drawing: two buildings on layer 建筑, a road on 道路, plus a block, text,
    a dimension and an MTEXT that must be ignored."""
    doc = ezdxf.new("R2010", setup=True)
    msp = doc.modelspace()
    # north building 300 m from the fence (closed LWPOLYLINE, drawn without repeating the start)
    msp.add_lwpolyline(_cgcs(frame, square_north(300.0))[:-1], close=True, dxfattribs={"layer": "建筑"})
    # east building 200 m from the fence, in the sunrise sector (old-style 2D POLYLINE, closed)
    east_sq = shapely.box(HALF + 200.0, -5.0, HALF + 210.0, 5.0)
    msp.add_polyline2d(_cgcs(frame, east_sq)[:-1], close=True, dxfattribs={"layer": "建筑"})
    # a road 40 m north of the fence (open LWPOLYLINE)
    from shapely import LineString

    msp.add_lwpolyline(_cgcs(frame, LineString([(-50, HALF + 40), (50, HALF + 40)])),
                       dxfattribs={"layer": "道路"})
    block = doc.blocks.new(name="TREE")
    block.add_circle((0, 0), radius=2)
    x, y = _cgcs(frame, square_north(400.0))[0]
    msp.add_blockref("TREE", (x, y), dxfattribs={"layer": "建筑"})
    msp.add_text("住宅楼", dxfattribs={"layer": "建筑"}).set_placement((x, y))
    msp.add_mtext("说明", dxfattribs={"layer": "注释"})
    msp.add_linear_dim(base=(x, y + 5), p1=(x, y), p2=(x + 10, y), dxfattribs={"layer": "标注"}).render()
    path = tmp_path / "site.dxf"
    doc.saveas(path)
    return path


def test_screen_dxf(tmp_path, drawing):
    out = tmp_path / "out.gpkg"
    res = CliRunner().invoke(main, ["screen", str(drawing), "-o", str(out), "--crs", "EPSG:4546",
                                    "--default-height", "31", "--layer", "建筑"])
    assert res.exit_code == 0, res.output
    assert "1 block references; ignored: 1 TEXT" in res.output
    got = read_output(out)
    assert list(got["layer"]) == ["建筑", "建筑", "建筑"] and list(got["entity"])[2] == "INSERT"
    # north: D = 300, permitted 30 -> 31 m fails by 1; east: sun sector 200·tan5 = 17.50 m;
    # the block (a circle of radius 2 centred on a corner of the 400 m square): D = 398, 39.8 m
    assert got["gz_distance_m"].tolist() == pytest.approx([300.0, 200.0, 398.0], abs=0.05)
    assert got["gz_max_height_m"].tolist() == pytest.approx([30.0, 200.0 * TAN5, 39.8], abs=0.01)
    assert got["gz_verdict"].tolist() == ["fail", "fail", "pass"]


def test_screen_writes_map(tmp_path):
    out = tmp_path / "s.gpkg"
    r = CliRunner().invoke(main, ["screen", "data/sample/parcels.gpkg", "-o", str(out), "--height-field",
                                  "高度", "--kind-field", "类型", "--map", str(tmp_path / "s.html"), "-q"])
    assert r.exit_code == 0, r.output
    assert (tmp_path / "s.html").stat().st_size > 100_000


def test_map_skips_a_footprint_with_a_nan_vertex(tmp_path):
    """A row with a NaN vertex is that row's error in the table; the map draws the others
    instead of failing with GEOS's "Non-finite envelope" (a reviewer's find)."""
    good = shapely.box(552000, 3930000, 552010, 3930010)
    nan = shapely.Polygon([(552100, 3930000), (np.nan, 3930000), (552110, 3930010), (552100, 3930000)])
    src = tmp_path / "nan.parquet"
    gpd.GeoDataFrame({"PID": [0, 1], "H": [5.0, 6.0]}, geometry=gpd.GeoSeries([good, nan], crs=4546)).to_parquet(src)
    page = tmp_path / "m.html"
    r = CliRunner().invoke(main, ["screen", str(src), "-o", str(tmp_path / "o.parquet"), "--height-field", "H",
                                  "--map", str(page), "-q"])
    assert r.exit_code == 0, r.output
    assert "Traceback" not in r.output and page.stat().st_size > 100_000
    out = gpd.read_parquet(tmp_path / "o.parquet")
    assert out.sort_values("PID")["gz_verdict"].tolist() == ["pass", "error"]


def test_screen_reports_one_per_failing_or_review_row(tmp_path, frame):
    ids = ["../bad id", "ok-row", "B", "B"]
    geoms = [square_north(200.0), square_north(600.0), square_north(1500.0), square_north(300.0)]
    heights = [25.0, 10.0, 160.0, 40.0]  # fail (20 m), pass (60 m), review (general zone 150 m), fail
    src = tmp_path / "in.gpkg"
    gpd.GeoDataFrame({"id": ids, "h": heights}, geometry=[to_wgs84(frame, g) for g in geoms],
                     crs=4326).to_file(src)
    rep = tmp_path / "reports"
    r = CliRunner().invoke(main, ["screen", str(src), "-o", str(tmp_path / "out.gpkg"), "--height-field", "h",
                                  "--reports", str(rep), "-q"])
    assert r.exit_code == 0, r.output
    assert sorted(p.name for p in rep.iterdir()) == ["B.html", "B_2.html", "bad_id.html", "index.html"]
    index = (rep / "index.html").read_text(encoding="utf-8")
    assert index.count("<a href=") == 3 and "ok-row" not in index
    assert "review" in (rep / "B.html").read_text(encoding="utf-8")
    assert "150.00" in (rep / "B.html").read_text(encoding="utf-8")  # general zone: H ≤ 1500 / 10


def test_report_dash_prints_the_json_summary_on_standard_output(tmp_path, frame):
    """`--report -`: standard output carries the JSON summary alone (no summary text).
    D = 300 m: H ≤ 30 m, 31 m fails; D = 500 m: H ≤ 50 m, 20 m passes."""
    src = _parcels(frame, tmp_path)
    res = CliRunner().invoke(main, ["screen", str(src), "-o", str(tmp_path / "o.gpkg"), "--height-field", "h",
                                    "--report", "-"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["rows"] == 2 and data["verdicts"]["fail"] == 1 and data["verdicts"]["pass"] == 1
    assert not (tmp_path / "-").exists()


# --- issue 23 item 6: one report per failing or review row, whatever the cells and ids ----------

def _report_rows(frame, tmp_path, ids, heights=None, **text_columns):
    """A GeoPackage of 10 m squares 200 m north of the fence (H ≤ 200 / 10 = 20 m), every
    column text, as a planner's table may hold numbers."""
    n = len(ids)
    geoms = [to_wgs84(frame, square_north(200.0)) for _ in range(n)]
    cols = {"id": ids, "h": heights or ["25"] * n, **text_columns}
    src = tmp_path / "in.gpkg"
    gpd.GeoDataFrame(cols, geometry=geoms, crs=4326).to_file(src)
    return src


def _screen_reports(src, tmp_path, *more):
    rep = tmp_path / "rep"
    res = CliRunner().invoke(main, ["screen", str(src), "-o", str(tmp_path / "o.gpkg"), "--height-field", "h",
                                    "--reports", str(rep), "-q", *more])
    assert "Traceback" not in res.output
    return res, rep


def _linked(rep) -> list[str]:
    import re

    return re.findall(r'<a href="([^"]+)">', (rep / "index.html").read_text(encoding="utf-8"))


def test_reports_read_empty_and_text_cells_in_numeric_columns(tmp_path, frame):
    """Empty and blank cells count as missing; a height from storeys (8 × the station's 3.0 m =
    24 m) without --storey-height; a text height makes the row an error, so it has no report."""
    src = _report_rows(frame, tmp_path, ["empty", "storeys", "text", "blank"],
                       heights=["25", "", "abc", " 30 "], floors=["", "8", "", "  "], w=["", "", "", " "])
    res, rep = _screen_reports(src, tmp_path, "--floors-field", "floors", "--width-field", "w")
    assert res.exit_code == 0, res.output
    assert sorted(p.name for p in rep.iterdir()) == ["blank.html", "empty.html", "index.html", "storeys.html"]
    assert _linked(rep) == ["empty.html", "storeys.html", "blank.html"]
    page = (rep / "storeys.html").read_text(encoding="utf-8")
    assert "24.00" in page and "20.00" in page   # the height used, the permitted height


def test_reports_of_reserved_ids_never_take_the_index_or_a_device_name(tmp_path, frame):
    src = _report_rows(frame, tmp_path, ["index", "CON", "nul", ".", "..", "Com1"])
    res, rep = _screen_reports(src, tmp_path)
    assert res.exit_code == 0, res.output
    names = ["index_2.html", "CON_2.html", "nul_2.html", "row3.html", "row4.html", "Com1_2.html"]
    assert _linked(rep) == names and sorted(p.name for p in rep.iterdir()) == sorted([*names, "index.html"])
    assert "id=index" in (rep / "index_2.html").read_text(encoding="utf-8")


def test_reports_of_long_and_non_bmp_ids_fit_a_file_name(tmp_path, frame):
    """80 characters at most, and 200 bytes: 地 is 3 bytes (66 fit), 𠀀 (U+20000) 4 bytes
    (50 fit); emoji are not letters (nothing left: the row number), A🏠B is A_B."""
    ids = ["地" * 300, "𠀀" * 100, "🏠" * 70, "A🏠B"]
    src = _report_rows(frame, tmp_path, ids)
    res, rep = _screen_reports(src, tmp_path)
    assert res.exit_code == 0, res.output
    assert _linked(rep) == ["地" * 66 + ".html", "𠀀" * 50 + ".html", "row2.html", "A_B.html"]
    assert all(len(p.name.encode("utf-8")) <= 255 for p in rep.iterdir())
    assert "🏠" * 70 in (rep / "index.html").read_text(encoding="utf-8")   # the id as it is, in the index


def test_reports_of_ids_colliding_after_sanitising_are_numbered(tmp_path, frame):
    """a b, a/b, a_b are all a_b; A_B is the same name where case is ignored (Windows, macOS);
    a_b_2 meets the number given to a/b."""
    import html

    ids = ["a b", "a/b", "a_b", "A_B", "a_b_2"]
    src = _report_rows(frame, tmp_path, ids)
    res, rep = _screen_reports(src, tmp_path)
    assert res.exit_code == 0, res.output
    names = ["a_b.html", "a_b_2.html", "a_b_3.html", "A_B_4.html", "a_b_2_2.html"]
    assert _linked(rep) == names
    for ident, fname in zip(ids, names):
        assert f"id={html.escape(ident)}" in (rep / fname).read_text(encoding="utf-8")


def test_reports_never_replace_files_in_the_folder_without_overwrite(tmp_path, frame):
    src = _report_rows(frame, tmp_path, ["JX-1", "JX-2"])
    rep = tmp_path / "rep"
    rep.mkdir()
    (rep / "JX-1.html").write_text("mine")
    (rep / "JX-2.html").mkdir()   # a folder at a report's name is kept even with --overwrite
    res, _ = _screen_reports(src, tmp_path)
    assert res.exit_code == 0, res.output
    assert (rep / "JX-1.html").read_text() == "mine" and _linked(rep) == ["JX-1_2.html", "JX-2_2.html"]
    # an index.html there (this run's, or the user's): refused before any work
    (tmp_path / "o.gpkg").unlink()
    res, _ = _screen_reports(src, tmp_path)
    assert res.exit_code == 3 and "index.html exists" in res.output and not (tmp_path / "o.gpkg").exists()
    res, _ = _screen_reports(src, tmp_path, "--overwrite")
    assert res.exit_code == 0, res.output
    assert "JX-1" in (rep / "JX-1.html").read_text(encoding="utf-8") and (rep / "JX-2.html").is_dir()
    assert _linked(rep) == ["JX-1.html", "JX-2_2.html"]


def test_screen_report_names_and_index_hold_hostile_ids(tmp_path, frame):
    """Issue 23 item 1: a row id is text in index.html, as an HTML parser reads it (markup in an
    id opens no element), and its link points at the file written, whose name the id cannot
    steer (report_file_names: 'index' is taken by the index, 80 non-BMP characters are cut to
    200 bytes, markup characters are '_')."""
    from html.parser import HTMLParser

    ids = ["index", "𠀀" * 80, "</script><b>x</b> & \"q\""]
    src = tmp_path / "in.gpkg"
    gpd.GeoDataFrame({"id": ids, "h": [25.0, 26.0, 27.0]},
                     geometry=[to_wgs84(frame, square_north(200.0 + 20 * i)) for i in range(3)], crs=4326).to_file(src)
    rep = tmp_path / "reports"
    r = CliRunner().invoke(main, ["screen", str(src), "-o", str(tmp_path / "out.gpkg"), "--height-field", "h",
                                  "--reports", str(rep), "-q"])
    assert r.exit_code == 0, r.output
    # 200 bytes of 4-byte characters: 50 of them
    assert sorted(p.name for p in rep.iterdir()) == sorted(["index_2.html", "𠀀" * 50 + ".html", "script_b_x_b_q.html",
                                                            "index.html"])
    assert all(len(p.name.encode()) <= 255 for p in rep.iterdir())

    links: list[list[str]] = []

    class Links(HTMLParser):
        def handle_starttag(self, tag, attrs):
            if tag == "a":
                links.append([dict(attrs)["href"], ""])
            assert tag not in ("script", "b"), tag

        def handle_data(self, data):
            if links and links[-1][1] == "":
                links[-1][1] = data

    p = Links(convert_charrefs=True)
    p.feed((rep / "index.html").read_text(encoding="utf-8"))
    assert sorted(links) == sorted([["index_2.html", "index"], ["𠀀" * 50 + ".html", "𠀀" * 80],
                                    ["script_b_x_b_q.html", ids[2]]])
    assert "fail" in (rep / "index_2.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("storey, height, verdict", [("3.0", 24.0, "fail"), ("2.5", 20.0, "pass")])
def test_storey_height_reaches_the_heights(tmp_path, frame, storey, height, verdict):
    """Issue 23 item 12: `screen --storey-height 3.0` (docs/cli.md's example) crashed with a
    traceback (the value landed in ZoneSet's frame slot). 8 storeys 200 m north of the fence:
    × 3.0 m = 24 m > D / 10 = 20 m, fail by 4 m; × 2.5 m = 20 m, pass."""
    src = tmp_path / "in.gpkg"
    gpd.GeoDataFrame({"floors": [8]}, geometry=[to_wgs84(frame, square_north(200.0))], crs=4326).to_file(src)
    out = tmp_path / "out.gpkg"
    r = CliRunner().invoke(main, ["screen", str(src), "-o", str(out), "--floors-field", "floors",
                                  "--storey-height", storey, "-q"])
    assert r.exit_code == 0 and "Traceback" not in r.output, r.output
    got = read_output(out)
    assert got["gz_height_m"].tolist() == [height] and got["gz_verdict"].tolist() == [verdict]
    assert got["gz_max_height_m"].tolist() == [pytest.approx(20.0, abs=1e-6)]


@pytest.mark.parametrize("command", [
    ["screen", "{src}", "-o", "{tmp}/o.gpkg"],
    ["check", "--footprint", "{src}", "--height", "3"],
    ["horizon", "--buildings", "{src}", "-o", "{tmp}/h.png"],
    ["map", "--parcels", "{src}", "-o", "{tmp}/m.html"],
])
def test_every_layer_option_lists_the_layers(tmp_path, frame, command):
    """Issue 23 item 12, for every command that takes --layer: an unknown layer exits 2 with
    one line naming it and listing the file's layers (not "check that it is a complete … file")."""
    src = tmp_path / "in.gpkg"
    gpd.GeoDataFrame({"gz_verdict": ["pass"], "h": [3.0]}, geometry=[to_wgs84(frame, square_north(200.0))],
                     crs=4326).to_file(src, layer="parcels")
    args = [a.format(src=src, tmp=tmp_path) for a in command] + ["--layer", "parcelz"]
    r = CliRunner().invoke(main, args)
    assert r.exit_code == 2 and "Traceback" not in r.output
    assert r.output.strip() == f"error: {src} has no layer 'parcelz': use --layer with one of parcels"


@pytest.mark.parametrize("ext", [".gpkg", ".shp", ".parquet", ".csv", ".geojson", ".dxf"])
def test_empty_input_one_line_naming_it(tmp_path, ext):
    """Issue 23 item 12: a 0-byte input of any extension: exit 2, one line that names the file
    and says it is empty (GDAL's raw "not recognized as being in a supported file format" before)."""
    src = tmp_path / f"empty{ext}"
    src.write_bytes(b"")
    r = CliRunner().invoke(main, ["screen", str(src), "-o", str(tmp_path / "o.gpkg"), "--wkt-column", "wkt",
                                  "--crs", "EPSG:4546"])
    assert r.exit_code == 2 and "Traceback" not in r.output
    assert r.output.strip() == (f"error: {src} is empty (0 bytes): it holds no features; export the file again "
                                "or choose another")
    assert not (tmp_path / "o.gpkg").exists()


# --- every datum honoured (issue 23, item 2) ---------------------------------------------------

@pytest.mark.parametrize("crs, ext", [(B54_TOWGS84, ".gpkg"), (B54_TOWGS84, ".parquet"), (X80_TOWGS84, ".gpkg"),
                                      (B54_EPSG, ".gpkg"), (X80_EPSG, ".parquet")])
def test_screen_measures_a_shed_on_an_older_datum_where_proj_puts_it(tmp_path, station, crs, ext):
    """Sheds truly 40 and 45 m west of the fence in Beijing 1954 / Xian 1980 Gauss-Krüger
    coordinates, screened from a GeoPackage or GeoParquet (convex rings: the core's
    coordinate path and the fitted projection): the distances PROJ's own transformation to
    WGS84 gives (within 0.01 m), both refused; assess_frame agrees. Where PROJ has only a
    ballpark (the EPSG codes in Shanxi) the summary, its JSON and the terminal say so."""
    lon, lat = station.longitude_deg, station.latitude_deg
    (s40, d40), (s45, d45) = datum_shed(crs, lon, lat), datum_shed(crs, lon, lat, d_m=45.0)
    gdf = gpd.GeoDataFrame({"h": [3.0, 3.0]}, geometry=[s40, s45], crs=crs)
    src, out, rep = tmp_path / f"in{ext}", tmp_path / f"out{ext}", tmp_path / "rep.json"
    gdf.to_parquet(src) if ext == ".parquet" else gdf.to_file(src)
    res = CliRunner().invoke(main, ["screen", str(src), "-o", str(out), "--height-field", "h", "--report", str(rep)])
    assert res.exit_code == 0, res.output
    screened = gpd.read_parquet(out) if ext == ".parquet" else read_output(out)
    if "gz_row" in screened.columns:
        screened = screened.sort_values("gz_row")
    assert screened["gz_distance_m"].tolist() == pytest.approx([d40, d45], abs=0.01)
    assert [d40, d45] == pytest.approx([40.0, 45.0], abs=0.01)
    assert screened["gz_verdict"].tolist() == ["fail", "fail"]
    assert screened["gz_zone"].tolist() == ["protection", "protection"]
    api = geozones.assess_frame(gdf, height_field="h")
    assert api["gz_distance_m"].tolist() == pytest.approx([d40, d45], abs=0.01)
    assert api["gz_verdict"].tolist() == ["fail", "fail"]
    datum = {B54_EPSG: "Beijing 1954", X80_EPSG: "Xian 1980"}.get(crs)
    summary = json.loads(rep.read_text(encoding="utf-8"))
    if datum is None:
        assert "no_datum_shift" not in summary and "ballpark" not in res.output
    else:
        assert summary["no_datum_shift"] == {"crs": crs, "datum": datum}
        assert (f"{crs} is on the {datum} datum, which PROJ cannot shift to WGS84/CGCS2000 here (ballpark only): "
                "coordinates read as if on WGS84, possibly tens to hundreds of metres off; give --crs with "
                "+towgs84=… or CGCS2000 coordinates") in res.output


# --- input tables: clashing names, malformed tables (issue 23, items 4 and 9) --------------

def test_columns_kept_renamed_are_said_on_the_terminal(tmp_path):
    # one of ours in capitals and an attribute named geometry: kept as src_…, said in the
    # summary (English and Chinese) and in the report
    from conftest import write_table

    src = write_table(tmp_path / "in.gpkg", {"id": ["a", "b"], "h": [10.0, 20.0], "GZ_VERDICT": ["x", "y"],
                                             "geometry": ["g", "h"]})
    for lang, said in (("en", "columns kept under another name in the output: "),
                       ("zh", "输出中以新名称保留的列：")):
        rep = tmp_path / f"r_{lang}.json"
        res = CliRunner().invoke(main, ["screen", str(src), "-o", str(tmp_path / "o.gpkg"), "--height-field", "h",
                                        "--overwrite", "--report", str(rep), "--lang", lang])
        assert res.exit_code == 0, res.output
        assert said + "GZ_VERDICT → src_GZ_VERDICT, geometry → src_geometry" in res.output
        assert json.loads(rep.read_text(encoding="utf-8"))["renamed_fields"] == {
            "GZ_VERDICT": "src_GZ_VERDICT", "geometry": "src_geometry"}


P = "POINT (111.575 35.51)"


@pytest.mark.parametrize("text, said", [
    (f'id,h,h,wkt\na,1,2,"{P}"\n', "the column name 'h' appears 2 times in the header"),
    (f'id,h,wkt\na,1,"{P}"\nb,2,"{P}\nc,3,x\n', "line 3: a quote opened here is never closed"),
])
def test_malformed_csv_file_refused_in_one_line(tmp_path, text, said):
    # a file-level fault: one line naming the column or the line, exit 2 (bad input, never
    # 3, an output problem), nothing written
    src = tmp_path / "in.csv"
    src.write_text(text, encoding="utf-8")
    res = CliRunner().invoke(main, ["screen", str(src), "--wkt-column", "wkt", "-o", str(tmp_path / "o.gpkg")])
    assert res.exit_code == 2 and said in res.output and len(res.output.strip().splitlines()) == 1, res.output
    assert res.exception is None or isinstance(res.exception, SystemExit)
    assert not (tmp_path / "o.gpkg").exists()


def test_malformed_csv_rows_are_row_errors_and_the_rest_screened(tmp_path):
    # a row with an extra field and one with a missing field: each its row's error naming
    # the line (the summary lists them), every other row screened, nothing dropped
    src = tmp_path / "in.csv"
    src.write_text(f'id,h,wkt\na,10,"{P}"\nb,20,"{P}",extra\nc,30\nd,40,"{P}"\n', encoding="utf-8")
    out = tmp_path / "o.csv"
    res = CliRunner().invoke(main, ["screen", str(src), "--wkt-column", "wkt", "--height-field", "h", "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert "row 2 (id=b): error: line 3 has 4 fields, the header 3" in res.output
    assert "row 3 (id=c): error: line 4 has 2 fields, the header 3" in res.output
    got = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert list(got["id"]) == ["a", "b", "c", "d"] and list(got["h"]) == ["10", "20", "30", "40"]
    assert list(got["gz_verdict"]) == ["pass", "error", "error", "pass"]


def test_shapefile_parts_not_as_many_refused_exit_2(tmp_path, frame):
    # a .dbf cut short (its header updated): one line, exit 2, nothing written
    import struct

    src = _parcels(frame, tmp_path, ext=".shp")
    dbf = src.with_suffix(".dbf")
    data = bytearray(dbf.read_bytes())
    header_len, record_len = struct.unpack_from("<HH", data, 8)
    struct.pack_into("<I", data, 4, 1)
    dbf.write_bytes(bytes(data[: header_len + record_len]) + b"\x1a")
    res = CliRunner().invoke(main, ["screen", str(src), "--height-field", "h", "-o", str(tmp_path / "o.gpkg")])
    assert res.exit_code == 2 and "in.shp holds 2 shapes but in.dbf 1 records" in res.output, res.output
    assert not (tmp_path / "o.gpkg").exists()


def test_screen_says_a_likely_gaode_mistake_after_the_counts(tmp_path):
    """Issue 25: a file of the README's footprint copied from Gaode, EPSG:4326, no --crs.
    Read as GCJ-02 its one row keeps PASS but its permitted height goes from 75.00 m (857.25
    m out) to 29.47 m (336.82 m out): the line after the verdict counts says so, as a
    warning, and --report lists it under ``warnings``; --crs EPSG:4326 silences both."""
    from geometries import gaode_site

    numbers = gaode_site()[0]
    src = tmp_path / "gaode.gpkg"
    gpd.GeoDataFrame({"h": [10.0]}, geometry=[numbers], crs=4326).to_file(src)
    rep = tmp_path / "rep.json"
    args = ["screen", str(src), "-o", str(tmp_path / "o.gpkg"), "--height-field", "h", "--report", str(rep),
            "--overwrite"]
    r = CliRunner().invoke(main, args)
    assert r.exit_code == 0, r.output
    lines = r.output.split("\n")
    at = next(i for i, line in enumerate(lines) if line.startswith("verdicts"))
    assert lines[at + 1].startswith("! coordinates read as WGS84")
    assert lines[at + 2].startswith("! read as GCJ-02, 0 rows would get another verdict and 1 another permitted height")
    data = json.loads(rep.read_text())
    assert data["warnings"] == ["datum_changes"]
    assert data["datum_changes"]["GCJ-02"]["permitted_heights"] == 1 and data["datum_changes"]["GCJ-02"]["verdicts"] == 0
    r = CliRunner().invoke(main, [*args, "--crs", "EPSG:4326"])
    assert r.exit_code == 0 and "! " not in r.output and "GCJ-02" not in r.output
    assert json.loads(rep.read_text())["warnings"] == []
