"""The station registry: `geozones stations import` / `list` and the class defaults.

The numbers are worked by hand from RULES.md "National classes": a reference station limits
H ≤ D / 10 within 2000 m, a basic station H ≤ D / 10 within 1000 m, a general station
H ≤ D / 8 within 800 m (so 400 m from the fence permits 50 m); roads must be more than 50 m
(basic, reference) or 30 m (general, unconfirmed) from the fence.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
import shapely
from click.testing import CliRunner
from pyproj import CRS

from geozones.check import ZoneSet, assess
from geozones.cli import main
from geozones.core.coords import from_frame
from geozones.registry import class_rules, normalize_class, normalize_header
from geozones.station import default_station_path, load_station, load_stations
from geozones.text import assumptions

EXAMPLE = Path(__file__).parent / "data" / "stations_example.csv"
HALF = 12.5

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


def _north(station, d_m: float):
    """A point d_m beyond the fence on the field's north axis (azimuth = the field's rotation,
    0° or 15° here: outside both sun sectors), as WGS84."""
    zones = ZoneSet(station, pilots=())
    a = math.radians(station.field_rotation_deg)
    pt = np.array([shapely.Point((HALF + d_m) * math.sin(a), (HALF + d_m) * math.cos(a))], dtype=object)
    return zones, from_frame(pt, zones.frame.crs, CRS.from_epsg(4326))


def _check(station, d_m: float, kind: str = "building", height: float = math.nan):
    zones, wgs = _north(station, d_m)
    return assess(wgs, kind=kind, height=np.array([height]), zones=zones)


def test_import_writes_one_loadable_file_per_row(imported):
    files = sorted(p.name for p in imported.iterdir())
    assert files == ["test_basic.toml", "test_gen.toml", "test_ref.toml"]
    stations = {s.id: s for s in load_stations(imported)}
    assert {k: s.station_class for k, s in stations.items()} == {
        "test_ref": "reference", "test_basic": "basic", "test_gen": "general"}
    b = stations["test_basic"]
    assert (b.latitude_deg, b.longitude_deg, b.elevation_m) == (35.40, 111.40, 720.0)
    assert b.field_rotation_deg == 15.0 and b.prevailing_wind_from_deg == 135.0
    g = stations["test_gen"]  # empty cells: the standard 25 m field, 0°, wind unknown
    assert g.field_size_m == 25.0 and g.field_rotation_deg == 0.0 and g.prevailing_wind_from_deg is None
    assert g.name.zh == "测试一般站" and "TEST DATA" in g.position_source.en


def test_class_bounds_and_ratios(imported):
    st = {s.id: s for s in load_stations(imported)}
    ratio = {k: s.rule("height_ratio") for k, s in st.items()}
    assert (ratio["test_ref"].within_m, ratio["test_ref"].ratio) == (2000.0, 0.1)
    assert (ratio["test_basic"].within_m, ratio["test_basic"].ratio) == (1000.0, 0.1)
    assert (ratio["test_gen"].within_m, ratio["test_gen"].ratio) == (800.0, 0.125)
    setbacks = {k: {r: s.rule(r).within_m for r in ("setback_source", "setback_railway", "setback_water",
                                                     "setback_road", "vegetation")} for k, s in st.items()}
    assert setbacks["test_basic"] == {"setback_source": 500, "setback_railway": 200, "setback_water": 100,
                                      "setback_road": 50, "vegetation": 50}
    assert setbacks["test_ref"] == setbacks["test_basic"]
    assert setbacks["test_gen"] == {"setback_source": 200, "setback_railway": 100, "setback_water": 50,
                                    "setback_road": 30, "vegetation": 30}
    assert all(s.rule("sun_sector").angle_deg == 5.0 for s in st.values())


def test_permitted_heights_worked_by_hand(imported):
    st = {s.id: s for s in load_stations(imported)}
    # general: H ≤ D / 8, so 400 m from the fence permits 50 m; beyond 800 m nothing limits
    assert _check(st["test_gen"], 400.0).max_height_m[0] == pytest.approx(50.0, abs=1e-6)
    assert np.isnan(_check(st["test_gen"], 900.0).max_height_m[0])
    # basic: H ≤ D / 10: 400 m permits 40 m; 1500 m is beyond its 1000 m
    assert _check(st["test_basic"], 400.0).max_height_m[0] == pytest.approx(40.0, abs=1e-6)
    assert np.isnan(_check(st["test_basic"], 1500.0).max_height_m[0])
    # reference: H ≤ D / 10 out to 2000 m: 1500 m permits 150 m
    assert _check(st["test_ref"], 1500.0).max_height_m[0] == pytest.approx(150.0, abs=1e-6)
    # 60 m at 400 m from a general station exceeds D / 8 = 50 m: fail
    a = _check(st["test_gen"], 400.0, height=60.0)
    assert a.station_verdict_code[0] == 3
    # a road 40 m out: closer than the basic station's 50 m (fail), farther than the general's 30 m
    assert _check(st["test_basic"], 40.0, kind="road").station_verdict_code[0] == 3
    assert _check(st["test_gen"], 40.0, kind="road").station_verdict_code[0] == 1
    assert _check(st["test_gen"], 29.0, kind="road").station_verdict_code[0] == 3


def test_class_defaults_are_read_from_the_data_file(monkeypatch):
    """The numbers of a class come from data/classes.toml, not from code: a general station
    whose data says 6° and H ≤ D / 9 within 900 m is written with those, in its rows, zones,
    readings and the [sun] comment (100 km × tan 6° = 10.5 km)."""
    import copy
    import tomllib

    from geozones import registry

    data = copy.deepcopy(registry._DATA)
    data["classes"]["general"]["sun_sector"]["angle_deg"] = 6.0
    data["classes"]["general"]["height_ratio"].update(within=900.0, ratio=1 / 9)
    monkeypatch.setattr(registry, "_DATA", data)
    row = registry.parse_row({"id": "g", "name": "G", "lat": "35.6", "lon": "111.8", "elevation": "800",
                              "class": "general"}, "test")
    text = registry.station_toml(row)
    doc = tomllib.loads(text)
    rules = {r["id"]: r for r in doc["rules"]}
    assert rules["sun_sector"]["angle_deg"] == 6.0
    assert (rules["height_ratio"]["within"], rules["height_ratio"]["ratio"]) == (900.0, 1 / 9)
    assert doc["zones"]["control_m"] == 900.0
    assert "H ≤ D / 9 within 900 m" in rules["height_ratio"]["reading_en"]
    assert "tan 6°" in rules["sun_sector"]["reading_en"]
    assert "at 100 km the 6° limit permits 10.5 km" in text
    assert "≤ 6° in the sunrise" in text


def test_unconfirmed_values_are_marked_in_file_and_results(imported):
    st = {s.id: s for s in load_stations(imported)}
    assert all(r.confirmed for r in st["test_basic"].rules)          # the Jiangxian plan's words
    assert not any(r.confirmed for r in st["test_gen"].rules)        # template and memory
    assert not any(r.confirmed for r in st["test_ref"].rules)        # public summaries, template
    text = (imported / "test_gen.toml").read_text(encoding="utf-8")
    assert text.count("\nconfirmed = false") == len(st["test_gen"].rules) == 7
    assert text.count("# UNCONFIRMED") == 7
    assert all(r.quote_zh == "" and "UNCONFIRMED" in r.reading_en and "未经核实" in r.reading_zh
               for r in st["test_gen"].rules)
    basic_text = (imported / "test_basic.toml").read_text(encoding="utf-8")
    assert "\nconfirmed = false" not in basic_text and basic_text.count("\nconfirmed = true") == 7
    # a result the unconfirmed rule applies to says so, in English and Chinese
    a = _check(st["test_gen"], 400.0, height=10.0)
    assert any("NOT confirmed" in n for n in assumptions(a, 0, "en"))
    assert any("未经法规原文核实" in n for n in assumptions(a, 0, "zh"))
    b = _check(st["test_basic"], 400.0, height=10.0)
    notes = assumptions(b, 0, "en")
    assert not any("NOT confirmed" in n for n in notes)
    assert any("defaults of the station's national class" in n for n in notes)


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


def test_class_rules_are_the_documented_table():
    rows = {c: {r["id"]: r for r in class_rules(c)} for c in ("reference", "basic", "general")}
    assert rows["general"]["height_ratio"]["ratio"] == 0.125
    assert rows["basic"]["height_ratio"]["quote_zh"].startswith("在国家基本气象站观测场周边 1000 米")
    assert all(r["note"] == "assume_unconfirmed" for r in rows["general"].values())


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
