"""Station files: the shipped one, malformed ones (error names the field), a custom one."""

import re
from pathlib import Path

import pytest
import shapely
from conftest import HALF, one

from geozones.core.zones import StationFrame
from geozones.errors import StationFileError
from geozones.station import default_station_path, load_station

SHIPPED = default_station_path().read_text(encoding="utf-8")


def _write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "station.toml"
    p.write_text(text, encoding="utf-8")
    return p


def test_shipped_station_facts(station):
    assert station.cma_id == 53965
    assert (station.latitude_deg, station.longitude_deg, station.elevation_m) == (35.504, 111.571, 761.0)
    assert station.field_size_m == 25.0
    assert (station.protection_m, station.control_m, station.general_m) == (50.0, 1000.0, 2000.0)
    assert station.prevailing_wind_from_deg is None
    assert station.rule("height_ratio").ratio == 0.1
    assert station.rule("sun_sector").angle_deg == 5.0
    assert station.rule("setback_railway").within_m == 200.0


def test_missing_field_named(tmp_path):
    text = SHIPPED.replace("control_m = 1000.0\n", "")
    with pytest.raises(StationFileError, match=re.escape("[zones].control_m")):
        load_station(_write(tmp_path, text))


def test_wrong_type_named(tmp_path):
    text = SHIPPED.replace("latitude_deg = 35.504", 'latitude_deg = "north"')
    with pytest.raises(StationFileError, match=re.escape("[station].latitude_deg")):
        load_station(_write(tmp_path, text))


def test_bad_rule_row_named(tmp_path):
    text = SHIPPED.replace('limit = "ratio"\nratio = 0.1\nseverity = "fail"',
                           'limit = "ratio"\nseverity = "fail"')
    with pytest.raises(StationFileError, match=re.escape("rules[9] (height_ratio).ratio")):
        load_station(_write(tmp_path, text))


def test_unknown_kind_in_rule(tmp_path):
    text = SHIPPED.replace('families = ["railway"]', 'kinds = ["train"]')
    with pytest.raises(StationFileError, match=r"setback_railway\)\.kinds"):
        load_station(_write(tmp_path, text))


def test_syntax_error_and_missing_file(tmp_path):
    with pytest.raises(StationFileError, match="not valid TOML"):
        load_station(_write(tmp_path, SHIPPED + "\n[[rules\n"))
    with pytest.raises(StationFileError, match="does not exist"):
        load_station(tmp_path / "nope.toml")


def test_prevailing_wind_extends_general_zone(tmp_path):
    # Wind from the north: the general zone reaches 5000 m in the 90° sector to the north.
    text = SHIPPED.replace("upwind_sector_deg = 90.0\n",
                           "upwind_sector_deg = 90.0\nprevailing_wind_from_deg = 0.0\n", 1)
    station = load_station(_write(tmp_path, text))
    frame = StationFrame(station)
    assert one(frame, shapely.Point(0, HALF + 3000), "building", 1)["zone"] == "general"
    assert one(frame, shapely.Point(0, -HALF - 3000), "building", 1)["zone"] == "outside"
    assert one(frame, shapely.Point(0, HALF + 5000.01), "building", 1)["zone"] == "outside"
    # 3000 m at azimuth 50°, outside the ±45° upwind sector: not in the general zone
    assert one(frame, shapely.Point(3000 * 0.766, 3000 * 0.643), "industrial")["zone"] == "outside"


def test_rules_are_rows(tmp_path):
    # A new rule is a row: forbid water within 300 m instead of 100 m.
    text = SHIPPED.replace("within = 100.0", "within = 300.0")
    frame = StationFrame(load_station(_write(tmp_path, text)))
    assert one(frame, shapely.Point(0, HALF + 250), "water")["verdict"] == "fail"


def test_sun_angle_is_read_from_the_sun_sector_rules(station, tmp_path):
    """The sun-sector angle is the rule row's (Art. 12.3 (2) ⑦: 5°), the smallest over
    several stations, None without an angle-limited sun rule."""
    from geozones.core.station import sun_angle_deg

    assert sun_angle_deg(station) == station.rule("sun_sector").angle_deg == 5.0
    steeper = load_station(_write(tmp_path, SHIPPED.replace("angle_deg = 5.0", "angle_deg = 7.5")))
    assert sun_angle_deg(steeper) == 7.5
    assert sun_angle_deg([steeper, station]) == 5.0
    assert sun_angle_deg([]) is None
