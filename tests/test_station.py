"""Station files: the shipped one, malformed ones (error names the field), a custom one."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import shapely
from conftest import HALF, north, one, run

from geozones.check import ZoneSet
from geozones.core.zones import StationFrame
from geozones.errors import StationFileError
from geozones.station import default_station_path, load_station
from geozones.text import assumptions

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


DATA = Path(__file__).parent / "data"


def test_station_schema_1_and_2_both_read():
    v1 = load_station(DATA / "station_v1.toml")
    v2 = load_station()
    assert (v1.schema, v2.schema) == ("geozones.station/1", "geozones.station/2")
    assert len(v1.rules) == (DATA / "station_v1.toml").read_text(encoding="utf-8").count("[[rules]]")
    assert v1.rule("height_ratio").ratio == v2.rule("height_ratio").ratio == 0.1
    assert v1.zone_articles == v2.zone_articles
    from geozones.text import zone_name

    for z in ("body", "protection", "control", "general", "outside"):
        for lang in ("en", "zh"):
            assert zone_name(v1, z, lang) == zone_name(v2, z, lang)
    assert v1.storey_height_m is None and v2.storey_height_m == 3.0
    # /1 with the shipped pilot: the pilot file's storey height; /2: the station file's
    assert ZoneSet(v1).storey_height_m == 3.0 and ZoneSet(v2, storey_height_m=2.8).storey_height_m == 2.8
    # the /1 general-zone height rule still states that it is a reading (no note field in /1)
    assert v1.rule("general_height").note == "assume_general_height"


def test_station_schema_unknown_names_both(tmp_path):
    p = tmp_path / "s.toml"
    p.write_text(default_station_path().read_text(encoding="utf-8").replace(
        'schema = "geozones.station/2"', 'schema = "geozones.station/9"'), encoding="utf-8")
    with pytest.raises(StationFileError, match='"geozones.station/1" or "geozones.station/2"'):
        load_station(p)


ROOT = Path(__file__).parent.parent


TOL_IN = 0.0005       # 0.5 mm: within the tolerance


def south(d: float) -> shapely.Point:
    return shapely.Point(0.0, -(HALF + d))


def _norm(text: str) -> str:
    text = text.replace("$5^\\circ$", "5°").replace("$90^\\circ$", "90°")
    text = text.replace("$H \\leq D \\times \\tan 5^\\circ$", "H ≤ D × tan 5°")
    return re.sub(r"\s+", "", text)


def test_every_rule_has_its_word_and_severity_follows_it(station):
    fail_words = {"禁止", "不准", "不得", "不再修建", "大于", "不大于"}
    review_words = {"不应", "应", "不宜", "远离"}
    for rule in station.rules:
        assert rule.word in fail_words | review_words, rule.id
        if rule.word in review_words:
            assert rule.severity == "review", rule.id
        elif rule.id not in ("art16_planting", "art16_radiation", "general_height"):
            # 禁止 with a condition the tool cannot decide ("影响…") is review, stated in reading
            assert rule.severity == "fail", rule.id
    for rid in ("art16_planting", "art16_radiation"):
        assert station.rule(rid).reading_en


def test_tolerance_is_a_station_setting(tmp_path, frame):
    text = (ROOT / "data/stations/jiangxian.toml").read_text(encoding="utf-8")
    path = tmp_path / "s.toml"
    path.write_text(text.replace("tolerance_m = 0.001", "tolerance_m = 0.0"), encoding="utf-8")
    exact = StationFrame(load_station(path))
    assert exact.station.tolerance_m == 0.0
    assert "setback_water" in one(exact, north(100.0), "water")["rules"]
    assert "setback_water" not in one(exact, north(100.0 + TOL_IN), "water")["rules"]
    a = run(frame, [north(10.0)], "building", 1.0)
    assert any("1 mm" in n for n in assumptions(a, 0))


def test_known_wind_decides(tmp_path):
    text = (ROOT / "data/stations/jiangxian.toml").read_text(encoding="utf-8")
    path = tmp_path / "wind.toml"
    path.write_text(text.replace("upwind_sector_deg = 90.0",
                                 "upwind_sector_deg = 90.0\nprevailing_wind_from_deg = 180.0"),
                    encoding="utf-8")
    fr = StationFrame(load_station(path))
    assert one(fr, north(3000.0), "industrial", 10.0)["verdict"] == "pass"     # downwind
    up = one(fr, south(3000.0), "industrial", 10.0)
    assert up["zone"] == "general" and up["rules"] == ["general_industry"]      # upwind


def test_quotes_are_verbatim(station):
    plan = _norm((DATA / "jiangxian_plan_2024.txt").read_text(encoding="utf-8"))
    for rule in station.rules:
        for part in rule.quote_zh.split("……"):
            assert _norm(part) in plan, (rule.id, part)
    assert "与测量点垂线" in station.rule("sun_sector").quote_zh
    assert "highest water line" not in station.rule("setback_water").quote_en
    assert "highest water line" in station.rule("setback_water").reading_en


def test_station_file_legal_bases_and_unpublished_annexes(station, frame):
    text = (ROOT / "data/stations/jiangxian.toml").read_text(encoding="utf-8")
    header = text.split("schema =", 1)[0]
    assert "《山西省气象设施和气象探测环境保护办法》(2018)" in header and "GB 31221-2014" in header
    assert "does not cite State Council Order No. 623" in header
    assert "which applies GB 31221-2014 and State Council Order No. 623" not in text
    a = run(frame, [north(300.0)], "building", 10.0)
    assert any("Annex 1" in n and "incomplete" in n for n in assumptions(a, 0))


def test_station_v1_file_still_loads(tmp_path):
    # the schema /1 file of before issue 10 (rules name kinds; "pollution" is an old name)
    old = load_station(DATA / "station_v1.toml")
    fr = StationFrame(old)
    assert old.rule("setback_pollution").kinds == {"interference"}
    assert one(fr, north(500.0), "垃圾场")["verdict"] == "fail"
    assert old.tolerance_m == 0.001


CHECKS = re.search(r"^\[checks\].*?plausible_radius_m = 50000.0", SHIPPED, re.S | re.M).group(0)


CHECKS_TABLE = re.search(r"^\[checks\].*?\n\n", SHIPPED, re.S | re.M).group(0)   # the whole table


SCHEMA = re.search(r'schema = "geozones.station/\d"', SHIPPED).group(0)


def _station(tmp_path, old, new):
    p = tmp_path / "station.toml"
    if old == "TOP":   # a top-level key: before the first table, the [checks] table gone
        text = SHIPPED.replace(CHECKS_TABLE, "").replace(SCHEMA, SCHEMA + "\n" + new, 1)
    else:
        assert old in SHIPPED
        text = SHIPPED.replace(old, new, 1)
    p.write_text(text, encoding="utf-8")
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


# --- numbers that are not numbers, and size bombs (issue 23, D) -----------------------------

def _numbers_of(path):
    import tomllib

    from conftest import number_paths

    doc = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    return doc, list(number_paths(doc))


_SHIPPED_DOC, _SHIPPED_NUMBERS = _numbers_of(default_station_path())
_ROTATED = Path(__file__).parent / "data" / "rotated_station.toml"   # has the wind and storey keys
_ROTATED_DOC, _ROTATED_NUMBERS = _numbers_of(_ROTATED)
STATION_NUMBERS = [(_SHIPPED_DOC, p) for p in _SHIPPED_NUMBERS] + [
    (_ROTATED_DOC, p) for p in _ROTATED_NUMBERS if p not in _SHIPPED_NUMBERS]


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
@pytest.mark.parametrize("doc, path", STATION_NUMBERS, ids=[".".join(map(str, p)) for _, p in STATION_NUMBERS])
def test_every_number_of_a_station_file_refuses_nan_and_infinities(tmp_path, doc, path, value):
    """Generated from the numbers the shipped files hold: each, made NaN or infinite, is
    refused when the file is read, naming the file and the key."""
    from conftest import toml_text, with_value

    p = _write(tmp_path, toml_text(with_value(doc, path, value)))
    with pytest.raises(StationFileError) as err:
        load_station(p)
    text = str(err.value)
    assert text.startswith(f"station file {p}: field ") and str(path[-1]) in text


def test_a_station_file_of_3_gb_is_refused_before_it_is_read(tmp_path):
    import time

    from geozones.errors import InputError

    p = tmp_path / "huge.toml"
    with open(p, "wb") as fh:   # sparse: no disk used
        fh.truncate(3 * 10**9)
    start = time.perf_counter()
    with pytest.raises(InputError) as err:
        load_station(p)
    assert time.perf_counter() - start < 1.0
    assert str(err.value) == (f"station file {p} is 3,000 MB, more than the limit of 64 MB for a file read whole "
                              "(GEOZONES_MAX_FILE_MB): check it is the right file, or raise the limit")


def test_the_file_limit_can_be_set(tmp_path):
    from geozones.core.limits import using
    from geozones.errors import InputError

    p = _write(tmp_path, SHIPPED)
    size = p.stat().st_size   # about 20 kB
    with using(max_file_mb=size / 1e6 * 0.99), pytest.raises(InputError, match="more than the limit"):
        load_station(p)
    with using(max_file_mb=size / 1e6):
        assert load_station(p).id == "jiangxian"
