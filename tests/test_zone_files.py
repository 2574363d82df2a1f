"""Station and pilot files validated completely (issue 11 item 9): every number finite and in
range, types checked, unknown keys reported, the error naming the file kind and the field."""

import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from geozones.cli import main
from geozones.errors import StationFileError
from geozones.pilot import load_pilot
from geozones.station import default_station_path, load_station

SHIPPED = default_station_path().read_text(encoding="utf-8")
CHECKS = re.search(r"^\[checks\].*?plausible_radius_m = 50000.0", SHIPPED, re.S | re.M).group(0)
CHECKS_TABLE = re.search(r"^\[checks\].*?\n\n", SHIPPED, re.S | re.M).group(0)   # the whole table
SCHEMA = re.search(r'schema = "geozones.station/\d"', SHIPPED).group(0)
PILOT_DIR = Path(__file__).resolve().parents[1] / "data" / "pilots"
PILOT = (PILOT_DIR / "pinglu.toml").read_text(encoding="utf-8")


def _station(tmp_path, old, new):
    p = tmp_path / "station.toml"
    if old == "TOP":   # a top-level key: before the first table, the [checks] table gone
        text = SHIPPED.replace(CHECKS_TABLE, "").replace(SCHEMA, SCHEMA + "\n" + new, 1)
    else:
        assert old in SHIPPED
        text = SHIPPED.replace(old, new, 1)
    p.write_text(text, encoding="utf-8")
    return p


def _pilot(tmp_path, old, new):
    assert old in PILOT
    folder = tmp_path / "pilots"
    folder.mkdir(exist_ok=True)
    shutil.copy(PILOT_DIR / "pinglu.geojson", folder / "pinglu.geojson")
    p = folder / "pinglu.toml"
    p.write_text(PILOT.replace(old, new, 1), encoding="utf-8")
    return p


@pytest.mark.parametrize("old, new, field", [
    ("angle_deg = 5.0", "angle_deg = 135.0", "(sun_sector).angle_deg"),     # negative heights today
    ("angle_deg = 5.0", "angle_deg = 90.0", "(sun_sector).angle_deg"),
    ("angle_deg = 5.0", "angle_deg = nan", "(sun_sector).angle_deg"),
    ("ratio = 0.1", "ratio = inf", "(height_ratio).ratio"),
    ("ratio = 0.1", "ratio = -0.1", "(height_ratio).ratio"),
    ("general_upwind_m = 5000.0", "general_upwind_m = inf", "[zones].general_upwind_m"),
    ("sector_radius_m = 100000.0", "sector_radius_m = nan", "[sun].sector_radius_m"),
    ("TOP", "checks = 5", "[checks]"),  # traceback today
    (CHECKS, "[checks]\nplausible_radius_m = inf", "[checks].plausible_radius_m"),
    ("cma_id = 53965", 'cma_id = "53965"', "[station].cma_id"),
    ("position_is_default = true", 'position_is_default = "yes"', "[station].position_is_default"),
    ("size_m = 25.0", "size_m = 25.0\nsize_ft = 82", "[field].size_ft"),  # unknown key
    ("TOP", 'colour = "red"', "colour"),
])
def test_station_numbers_types_and_keys(tmp_path, old, new, field):
    with pytest.raises(StationFileError, match=re.escape(field)) as err:
        load_station(_station(tmp_path, old, new))
    assert str(err.value).startswith("station file ")


def test_station_rule_beyond_must_be_below_within(tmp_path):
    text = SHIPPED
    m = re.search(r'id = "setback_railway"(.*?)\n\n', text, re.S)
    assert m and "within = 200.0" in m.group(1)
    p = tmp_path / "s.toml"
    p.write_text(text.replace(m.group(0), m.group(0).replace("within = 200.0", "within = 200.0\nbeyond = 300.0")),
                 encoding="utf-8")
    with pytest.raises(StationFileError, match=re.escape("(setback_railway).beyond")):
        load_station(p)


def test_station_rule_unknown_key(tmp_path):
    p = _station(tmp_path, "ratio = 0.1", "ratio = 0.1\nratoi = 0.2")
    with pytest.raises(StationFileError, match=re.escape("(height_ratio).ratoi")):
        load_station(p)


@pytest.mark.parametrize("old, new, field", [
    ("storeys_above = 18", "storeys_above = nan", "rules[0].storeys_above"),   # switched the rule off
    ("storeys_above = 18", "storeys_above = inf", "rules[0].storeys_above"),
    ("storeys_above = 6\nstoreys_at_most = 18", "storeys_above = 18\nstoreys_at_most = 6", "rules[1].storeys_at_most"),
    ("area_km2 = 21.13", "area_km2 = inf", "[pilot].area_km2"),
    ("low_rise_share_target = 0.70", "low_rise_share_target = 7.0", "[pilot].low_rise_share_target"),
    ("reference_lonlat = [111.206, 34.838]", "reference_lonlat = [111.206, nan]", "[pilot].reference_lonlat"),
    ("storey_height_m = 3.0", "storey_height_m = 3.0\nstorey_hieght_m = 2.8", "[pilot].storey_hieght_m"),
    ('id = "pilot_storeys_max"', 'id = "pilot_storeys_max"\nnote = 1', "rules[0].note"),
])
def test_pilot_numbers_types_and_keys(tmp_path, old, new, field):
    with pytest.raises(StationFileError, match=re.escape(field)) as err:
        load_pilot(_pilot(tmp_path, old, new))
    assert str(err.value).startswith("pilot file ")


@pytest.mark.parametrize("boundary", ["../outside.geojson", "/etc/passwd", "sub/../../x.geojson"])
def test_pilot_boundary_cannot_leave_its_folder(tmp_path, boundary):
    (tmp_path / "outside.geojson").write_text((PILOT_DIR / "pinglu.geojson").read_text())
    p = _pilot(tmp_path, 'boundary = "pinglu.geojson"', f'boundary = "{boundary}"')
    with pytest.raises(StationFileError, match="leaves the pilot file's folder"):
        load_pilot(p)


def test_cli_one_line_for_bad_station(tmp_path):
    p = _station(tmp_path, "TOP", "checks = 5")
    res = CliRunner().invoke(main, ["check", "--footprint", "POINT (111.5745 35.5054)", "--station", str(p)])
    assert res.exit_code == 2 and "Traceback" not in res.output
    assert len(res.output.strip().splitlines()) == 1 and "[checks]" in res.output


def test_pilot_syntax_error_names_pilot_file(tmp_path):
    p = _pilot(tmp_path, "area_km2 = 21.13", "area_km2 = = 21.13")
    with pytest.raises(StationFileError, match="^pilot file .* is not valid TOML"):
        load_pilot(p)


def test_load_stations_folder(tmp_path):
    """A folder of station files loads every one, sorted by file name; an empty folder and a
    repeated id are one-line errors naming the folder/files."""
    import pytest

    from geozones.errors import StationFileError
    from geozones.station import default_station_path, load_stations

    text = default_station_path().read_text(encoding="utf-8")
    (tmp_path / "b.toml").write_text(text, encoding="utf-8")
    (tmp_path / "a.toml").write_text(text.replace('id = "jiangxian"', 'id = "other"', 1), encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not a station", encoding="utf-8")
    assert [s.id for s in load_stations(tmp_path)] == ["other", "jiangxian"]
    assert [s.id for s in load_stations(tmp_path / "b.toml")] == ["jiangxian"]
    (tmp_path / "c.toml").write_text(text, encoding="utf-8")
    with pytest.raises(StationFileError, match="both have id 'jiangxian'"):
        load_stations(tmp_path)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(StationFileError, match="holds no station file"):
        load_stations(empty)
