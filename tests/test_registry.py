"""The station registry: `geozones stations import` / `list` and the class defaults.

The numbers are worked by hand from RULES.md "National classes": a reference station limits
H ≤ D / 10 within 2000 m, a basic station H ≤ D / 10 within 1000 m, a general station
H ≤ D / 8 within 800 m (so 400 m from the fence permits 50 m); roads must be more than 50 m
(basic, reference) or 30 m (general, unconfirmed) from the fence.
"""

from __future__ import annotations

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
from geozones.registry import class_rules
from geozones.station import load_stations
from geozones.text import assumptions

EXAMPLE = Path(__file__).parent / "data" / "stations_example.csv"
HALF = 12.5


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


def test_class_rules_are_the_documented_table():
    rows = {c: {r["id"]: r for r in class_rules(c)} for c in ("reference", "basic", "general")}
    assert rows["general"]["height_ratio"]["ratio"] == 0.125
    assert rows["basic"]["height_ratio"]["quote_zh"].startswith("在国家基本气象站观测场周边 1000 米")
    assert all(r["note"] == "assume_unconfirmed" for r in rows["general"].values())


# --- numbers that are not numbers (issue 23, D) ----------------------------------------------

_ROW = {"id": "g", "name": "G", "lat": "35.6", "lon": "111.8", "elevation": "800", "class": "general",
        "field_size": "25", "field_rotation": "10", "prevailing_wind": "315", "cma_id": "53999"}


def _number_columns():
    """The columns read as numbers: those where text that is no number is refused as such."""
    from geozones import registry

    out = []
    for column in registry.COLUMNS:
        try:
            registry.parse_row({**_ROW, column: "abc"}, "t.csv")
        except registry.RowError as exc:
            if exc.key == "registry_not_number":
                out.append(column)
    return out


NUMBER_COLUMNS = _number_columns()


def test_the_number_columns():
    assert NUMBER_COLUMNS == ["lat", "lon", "elevation", "field_size", "field_rotation", "prevailing_wind", "cma_id"]


@pytest.mark.parametrize("value", ["nan", "NaN", "inf", "-inf", "1e999"])
@pytest.mark.parametrize("column", NUMBER_COLUMNS)
def test_every_number_column_refuses_nan_and_infinities(column, value):
    from geozones import registry

    assert registry.parse_row(_ROW, "t.csv").lat == 35.6
    with pytest.raises(registry.RowError) as err:
        registry.parse_row({**_ROW, column: value}, "t.csv")
    assert err.value.column == column and err.value.key in ("registry_range", "registry_not_number")
