"""`geozones stations`: import of a station registry table, listing, one-line refusals."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from geozones.cli import main
from geozones.registry import normalize_class, normalize_header
from geozones.station import default_station_path, load_station, load_stations

EXAMPLE = Path(__file__).parent / "data" / "stations_example.csv"


HEADER = "id,name,name_zh,lat,lon,elevation,class,field_size,field_rotation,prevailing_wind,source\n"


@pytest.fixture
def runner():
    return CliRunner()


@pytest.fixture
def imported(tmp_path, runner):
    out = tmp_path / "reg"
    res = runner.invoke(main, ["stations", "import", str(EXAMPLE), "-o", str(out)])
    assert res.exit_code == 0, res.output
    return out


def test_class_names_and_headers_in_chinese(tmp_path, runner):
    assert [normalize_class(c) for c in ("基准站", "国家基本气象站", "一般站", "General")] == [
        "reference", "basic", "general", "general"]
    assert normalize_header("纬度") == "lat" and normalize_header("站号") == "id"
    table = tmp_path / "gbk.csv"  # Excel in China writes GBK: Chinese headers and names
    table.write_bytes(("站号,站名,中文名,纬度,经度,海拔,类别\n"
                       "t1,Test one,测试一,35.1,111.1,500,基本站\n").encode("gbk"))
    res = runner.invoke(main, ["stations", "import", str(table), "-o", str(tmp_path / "o")])
    assert res.exit_code == 0, res.output
    s = load_station(tmp_path / "o" / "t1.toml")
    assert s.name.zh == "测试一" and s.station_class == "basic" and s.latitude_deg == 35.1


@pytest.mark.parametrize("row, column, words", [
    ("a,A,,111.2,35.3,700,basic", "lat", "swapped"),
    ("a,A,,35.3,111.2,700,county", "class", "class 'county' is unknown"),
    ("a,A,,95.0,200.0,700,basic", "lat", "out of range"),
    ("a,A,,35°18′,111.2,700,basic", "lat", "not a number"),
    ("a b,A,,35.3,111.2,700,basic", "id", "file name"),
    ("a,A,,35.3,111.2,,basic", "elevation", "empty"),
])
def test_bad_rows_one_line_naming_file_row_column(tmp_path, runner, row, column, words):
    table = tmp_path / "bad.csv"
    table.write_text(HEADER + "ok,Ok,,35.0,111.0,600,general,,,,\n" + row + ",,,,\n", encoding="utf-8")
    out = tmp_path / "o"
    res = runner.invoke(main, ["stations", "import", str(table), "-o", str(out)])
    assert res.exit_code == 2
    lines = res.output.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in res.output
    assert str(table) in lines[0] and "row 3" in lines[0] and f"column {column}" in lines[0], lines[0]
    assert words in lines[0]
    assert not out.exists()  # nothing written when a row is bad


def test_duplicate_id_missing_column_and_undecodable(tmp_path, runner):
    dup = tmp_path / "dup.csv"
    dup.write_text(HEADER + "x,X,,35.0,111.0,600,basic,,,,\nx,Y,,35.1,111.1,600,basic,,,,\n", encoding="utf-8")
    res = runner.invoke(main, ["stations", "import", str(dup), "-o", str(tmp_path / "o")])
    assert res.exit_code == 2 and "row 3" in res.output and "already given in row 2" in res.output
    missing = tmp_path / "missing.csv"
    missing.write_text("id,name,lat,lon,elevation\nx,X,35,111,600\n", encoding="utf-8")
    res = runner.invoke(main, ["stations", "import", str(missing), "-o", str(tmp_path / "o")])
    assert res.exit_code == 2 and "column 'class' is missing" in res.output
    binary = tmp_path / "bin.csv"
    binary.write_bytes(HEADER.encode() + b"x,\xff\xfe\xff,,35,111,600,basic\n")
    res = runner.invoke(main, ["stations", "import", str(binary), "-o", str(tmp_path / "o")])
    assert res.exit_code == 2 and "neither UTF-8 nor GBK" in res.output and "line 2" in res.output
    assert not (tmp_path / "o").exists()


def test_existing_files_kept_without_overwrite(imported, runner):
    before = (imported / "test_ref.toml").read_bytes()
    (imported / "test_ref.toml").write_text(before.decode("utf-8").replace("700.0", "701.0"), encoding="utf-8")
    res = runner.invoke(main, ["stations", "import", str(EXAMPLE), "-o", str(imported)])
    assert res.exit_code == 3 and "--overwrite" in res.output
    assert load_station(imported / "test_ref.toml").elevation_m == 701.0
    res = runner.invoke(main, ["stations", "import", str(EXAMPLE), "-o", str(imported), "--overwrite"])
    assert res.exit_code == 0, res.output
    assert load_station(imported / "test_ref.toml").elevation_m == 700.0
    # another file of the folder already has an id of the table: refused, not a duplicate folder
    other = imported / "renamed.toml"
    other.write_text((imported / "test_gen.toml").read_text(encoding="utf-8"), encoding="utf-8")
    (imported / "test_gen.toml").unlink()
    res = runner.invoke(main, ["stations", "import", str(EXAMPLE), "-o", str(imported), "--overwrite"])
    assert res.exit_code == 2 and "renamed.toml" in res.output


def test_list_table_json_and_chinese(imported, runner):
    res = runner.invoke(main, ["stations", "list", str(imported)])
    assert res.exit_code == 0, res.output
    lines = res.output.splitlines()
    assert lines[0].split()[:3] == ["id", "name", "class"]
    gen = next(line for line in lines if line.startswith("test_gen"))
    # reach: the general station's farthest distance rule is its 800 m height limit
    assert "national general weather station" in gen and "35.6000" in gen and " 800 " in gen
    assert "7" in gen.split()  # unconfirmed rule rows
    res = runner.invoke(main, ["stations", "list", str(imported), "--json"])
    rows = {r["id"]: r for r in json.loads(res.output)}
    assert rows["test_ref"]["reach_m"] == 2000.0 and rows["test_basic"]["reach_m"] == 1000.0
    assert rows["test_basic"]["unconfirmed"] == 0 and rows["test_gen"]["unconfirmed"] == 7
    res = runner.invoke(main, ["stations", "list", str(imported), "--lang", "zh"])
    assert res.output.splitlines()[0].split()[:3] == ["编号", "名称", "类别"]
    assert "国家基准气候站" in res.output and "测试基准站" in res.output


def test_shipped_registry_holds_jiangxian_only(runner):
    folder = default_station_path().parent
    assert [s.id for s in load_stations(folder)] == ["jiangxian"]
    res = runner.invoke(main, ["stations", "list", str(folder), "--json"])
    (row,) = json.loads(res.output)
    # Jiangxian: wind unknown, so its general-zone rules reach 5000 m (the site may be upwind)
    assert row["id"] == "jiangxian" and row["reach_m"] == 5000.0 and row["unconfirmed"] == 0


def test_every_bad_row_is_reported_one_line_each(tmp_path, runner):
    table = tmp_path / "many.csv"
    table.write_text(HEADER + "a,A,,35.0,111.0,600,basic,,,,\n"
                     "b,B,,135.0,11.0,600,basic,,,,\n"          # row 3: swapped
                     "c,C,,35.2,111.2,600,village,,,,\n"        # row 4: unknown class
                     "a,D,,35.3,111.3,600,general,,,,\n",       # row 5: duplicate id
                     encoding="utf-8")
    res = runner.invoke(main, ["stations", "import", str(table), "-o", str(tmp_path / "o")])
    assert res.exit_code == 2
    lines = res.output.strip().splitlines()
    assert len(lines) == 3 and all(line.startswith("error: station table") for line in lines)
    assert ["row 3, column lat" in lines[0], "row 4, column class" in lines[1], "row 5, column id" in lines[2]] == [
        True, True, True]
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("second, words", [
    ("CON", "device name on Windows"),        # CON.toml is the console there
    ("nul", "device name on Windows"),
    ("X", "differs only in letter case from 'x' in row 2"),   # X.toml and x.toml: one file on Windows, macOS
])
def test_ids_whose_files_cannot_be_told_apart_are_refused(tmp_path, runner, second, words):
    """The id names the station's file (one file per row): a Windows device name, or an id
    differing from another only in letter case, is that row's one-line error; nothing written."""
    table = tmp_path / "t.csv"
    table.write_text(HEADER + "x,X,,35.0,111.0,600,basic,,,,\n" + f"{second},Y,,35.1,111.1,600,basic,,,,\n",
                     encoding="utf-8")
    res = runner.invoke(main, ["stations", "import", str(table), "-o", str(tmp_path / "o")])
    assert res.exit_code == 2, res.output
    lines = res.output.strip().splitlines()
    assert len(lines) == 1 and "row 3, column id" in lines[0] and words in lines[0], lines
    assert not (tmp_path / "o").exists()


def test_table_text_stays_a_value_in_the_station_file(tmp_path, runner):
    """Issue 23 item 1: every text cell of the table (name, name_zh, source) is a value of the
    written file, read back with tomllib exactly as the cell held it, whatever it holds (a
    line break then `buildings.storey_height_m = 0.5`, a `[[rules]]` header, quotes, NUL and
    control characters, CR, non-BMP characters); the file's other values are the class's."""
    import csv
    import tomllib

    from geometries import HOSTILE_TEXT

    texts = [text for text, _markup in HOSTILE_TEXT.values()]
    table = tmp_path / "hostile.csv"
    with open(table, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "name", "name_zh", "lat", "lon", "elevation", "class", "source"])
        for i, text in enumerate(texts):
            w.writerow([f"s{i}", text, texts[-1 - i], "35.3", "111.2", "700", "general", text + " (source)"])
    out = tmp_path / "o"
    res = runner.invoke(main, ["stations", "import", str(table), "-o", str(out)])
    assert res.exit_code == 0, res.output
    for i, text in enumerate(texts):
        doc = tomllib.loads((out / f"s{i}.toml").read_text(encoding="utf-8"))
        st = doc["station"]
        assert (st["id"], st["name"], st["name_zh"]) == (f"s{i}", text, texts[-1 - i])
        assert st["position_source"] == st["position_source_zh"] == text + " (source)"
        # nothing else was made of the text: the class's keys and its seven rule rows only
        assert "buildings" not in doc and set(doc) == {"schema", "station", "field", "zones", "sun", "checks", "rules"}
        assert [r["id"] for r in doc["rules"]] == ["height_ratio", "setback_source", "setback_railway",
                                                  "setback_water", "setback_road", "vegetation", "sun_sector"]
        assert set(st) == {"id", "name", "name_zh", "class", "latitude_deg", "longitude_deg", "elevation_m",
                           "position_source", "position_source_zh", "position_is_default", "rules_incomplete"}
        assert (st["latitude_deg"], st["longitude_deg"], st["elevation_m"]) == (35.3, 111.2, 700.0)
    assert load_stations(out)[0].name.en in texts   # and geozones loads it

def test_a_3_gb_table_is_refused_before_it_is_read(tmp_path, runner):
    """A size bomb (issue 23, D): one line naming the table and the limit, at once, nothing
    read (a sparse file: no disk used) and nothing written."""
    import time

    table = tmp_path / "stations.csv"
    with open(table, "wb") as fh:
        fh.truncate(3 * 10**9)
    start = time.perf_counter()
    res = runner.invoke(main, ["stations", "import", str(table), "-o", str(tmp_path / "o")])
    assert time.perf_counter() - start < 1.0
    assert res.exit_code == 2
    assert res.output.strip() == (f"error: station table {table} is 3,000 MB, more than the limit of 64 MB for a file "
                                  "read whole (GEOZONES_MAX_FILE_MB): check it is the right file, or raise the limit")
    assert not (tmp_path / "o").exists()
    # the limit is a setting (GEOZONES_MAX_FILE_MB): set to 10 bytes, a 70-byte table is refused too
    small = tmp_path / "small.csv"
    small.write_text(HEADER + "a,A,,35.0,111.0,600,basic,,,,\n", encoding="utf-8")
    res = runner.invoke(main, ["stations", "import", str(small), "-o", str(tmp_path / "o")],
                        env={"GEOZONES_MAX_FILE_MB": "0.00001"})
    assert res.exit_code == 2 and "more than the limit of 1e-05 MB" in res.output


def test_the_readme_registry_example_with_the_shipped_station(tmp_path, runner):
    """README and docs/stations.md as written (issue 25 item 8): ``stations import
    tests/data/stations_example.csv -o stations/ --with-shipped``, then ``check --footprint
    "POINT (111.66 35.504)" --height 30 --stations stations/``. The point is 0.089° of
    longitude east of Jiangxian's field centre (111.571°, 35.504°): about 0.089 × 111.32 km ×
    cos 35.504° = 8.07 km, 8.05 km from the fence, due east in the sunrise sector, so only
    the sun rule reaches it, H ≤ 8,052 × tan 5° ≈ 704 m: PASS, governed by Jiangxian. The
    example's synthetic stations are 19 km and more away (beyond the 10 km sun reach)."""
    import math

    out = tmp_path / "stations"
    res = runner.invoke(main, ["stations", "import", str(EXAMPLE), "-o", str(out), "--with-shipped"])
    assert res.exit_code == 0, res.output
    assert sorted(p.name for p in out.glob("*.toml")) == ["jiangxian.toml", "test_basic.toml", "test_gen.toml",
                                                          "test_ref.toml"]
    # the shipped file as it is: the plan's own rules, not a "basic" class default
    assert (out / "jiangxian.toml").read_text(encoding="utf-8") == default_station_path().read_text(encoding="utf-8")
    res = runner.invoke(main, ["check", "--footprint", "POINT (111.66 35.504)", "--height", "30",
                               "--stations", str(out), "--crs", "EPSG:4326", "--json"])
    assert res.exit_code == 0, res.output
    j = json.loads(res.output)
    assert j["station"] == "jiangxian" and j["stations"] == ["jiangxian"] and j["verdict"] == "pass"
    d = 0.089 * 111_320 * math.cos(math.radians(35.504)) - 12.5
    assert j["governing"]["distance_m"] == pytest.approx(d, rel=0.005)
    assert j["max_height_m"] == pytest.approx(d * math.tan(math.radians(5.0)), rel=0.005)
    # a table row may not take the shipped station's id
    (tmp_path / "t.csv").write_text(HEADER + "jiangxian,J,J,35.4,111.4,700,basic,,,,x\n", encoding="utf-8")
    res = runner.invoke(main, ["stations", "import", str(tmp_path / "t.csv"), "-o", str(tmp_path / "o2"),
                               "--with-shipped"])
    assert res.exit_code == 2 and "row 2, column id" in res.output and "--with-shipped" in res.output
    assert "Traceback" not in res.output and not (tmp_path / "o2").exists()


def test_screen_with_stations_none_of_which_reaches_any_row_warns(tmp_path, runner):
    """The example's synthetic stations alone (no --with-shipped) and parcels 300 m north
    of Jiangxian's fence: the nearest synthetic station is 19 km away, beyond every reach
    (10 km), so every row is "no station within 10 km". That is said as a warning (the line
    after the verdict counts, ``warnings`` in --report), not as a quiet pass; with the
    shipped station in the folder, no warning."""
    import geopandas as gpd
    from conftest import square_north, to_wgs84

    from geozones.core.zones import StationFrame

    frame = StationFrame(load_station())
    parcels = tmp_path / "p.gpkg"
    gpd.GeoDataFrame({"h": [10.0, 20.0]}, crs=4326,
                     geometry=[to_wgs84(frame, square_north(300.0)), to_wgs84(frame, square_north(600.0))]
                     ).to_file(parcels)
    for shipped, warned in ((False, True), (True, False)):
        reg = tmp_path / f"reg{shipped}"
        res = runner.invoke(main, ["stations", "import", str(EXAMPLE), "-o", str(reg), "-q",
                                   *(["--with-shipped"] if shipped else [])])
        assert res.exit_code == 0, res.output
        rep = tmp_path / f"rep{shipped}.json"
        res = runner.invoke(main, ["screen", str(parcels), "-o", str(tmp_path / f"o{shipped}.gpkg"), "--crs",
                                   "EPSG:4326", "--height-field", "h", "--stations", str(reg), "--report", str(rep)])
        assert res.exit_code == 0, res.output
        lines = res.output.split("\n")
        at = next(i for i, line in enumerate(lines) if line.startswith("verdicts"))
        data = json.loads(rep.read_text())
        if warned:
            assert lines[at + 1].startswith("! no station reaches any of the 2 rows"), res.output
            assert data["warnings"] == ["no_station_reached"] and data["no_station_rows"] == 2
        else:
            assert "no station reaches" not in res.output and data["warnings"] == []
            assert data["no_station_rows"] == 0 and data["station_pairs"] == 2
