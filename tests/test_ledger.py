"""The station ledger (issue 27 item 2): entries added, superseded, removed and listed with
hand-checked contents; made from a check, a check's JSON and a screened row; stored in a
GeoPackage (round trip, another CRS honoured, two processes appending at once) and in PostGIS
(the ``postgis_uri`` fixture of tests/pg.py); bad input in one line.

Proposals are placed in the station frame (tests/conftest.py): ``square_north(300)`` is a
10 m square whose south edge is 300 m north of the fence, outside the sun sectors: permitted
H = D / 10 = 30 m (Art. 12.3 ⑥).
"""

from __future__ import annotations

import json
import math
import sqlite3
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import shapely
from click.testing import CliRunner
from conftest import TAN5, east, read_output, square_north, to_wgs84
from pg import postgis_uri  # noqa: F401  (the fixture)
from pyproj import CRS, Transformer

from geozones import ledger as L
from geozones.check import check
from geozones.cli import main
from geozones.errors import InputError, OutputError
from geozones.io.ledger import COLUMNS, open_store


def _aeqd(station):
    """The station frame made here with pyproj alone: azimuthal equidistant about the field."""
    return Transformer.from_crs(CRS.from_epsg(4326), CRS.from_proj4(
        f"+proj=aeqd +lat_0={station.latitude_deg} +lon_0={station.longitude_deg} +ellps=GRS80 +units=m"),
        always_xy=True)


@pytest.fixture
def north300(frame):
    return to_wgs84(frame, square_north(300.0))


def _entry(station, geom, decision="approved", height=25.0, **kw):
    return L.entry_from_check(check(geom, height=height, station=station), station, decision=decision, **kw)


# --- add, supersede, remove, list ---------------------------------------------------------
def test_add_supersede_remove_and_the_current_state(tmp_path, station, frame, north300):
    path = tmp_path / "ledger.gpkg"
    a = L.add_entry(path, _entry(station, north300, "pending", decision_date="2026/3/1", doc_no="绛气函〔2026〕3号",
                                 recorded_by="王工", note="待审"))
    assert a.id == 1 and a.decision_date == "2026-03-01" and a.recorded_by == "王工"
    assert a.recorded_at.endswith("Z") and len(a.recorded_at) == 20
    # D = 300 m north, outside the sun sectors: H ≤ D / 10 = 30 m, 25 m passes
    assert (a.verdict, a.zone, a.distance_m, a.max_height_m, a.height_m) == ("pass", "control", 300.0, 30.0, 25.0)
    east97 = to_wgs84(frame, east(100.0).buffer(3.0))
    b = L.add_entry(path, _entry(station, east97, "refused", height=12.0))
    c = L.add_entry(path, _entry(station, north300, "approved", supersedes=1, doc_no="绛气函〔2026〕9号"))
    assert (b.id, c.id) == (2, 3)
    # the east one: D = 97 m in the sunrise sector, H ≤ 97 × tan 5° = 8.486 m
    assert b.verdict == "fail" and math.isclose(b.max_height_m, 97 * TAN5, abs_tol=0.01)

    history = L.read_ledger(path, station.id)
    assert [(e.id, e.decision, e.supersedes) for e in history] == [(1, "pending", None), (2, "refused", None),
                                                                  (3, "approved", 1)]
    assert [e.id for e in L.current(history)] == [2, 3]
    tomb = L.remove_entry(path, station.id, 2, "  applicant withdrew  ", by="李工")
    assert (tomb.id, tomb.decision, tomb.supersedes, tomb.note, tomb.recorded_by) == (4, "removed", 2,
                                                                                       "applicant withdrew", "李工")
    assert tomb.height_m == 12.0 and tomb.geometry.equals_exact(b.geometry, 1e-9)   # what was removed
    now = L.current(L.read_ledger(path, station.id))
    assert [(e.id, e.decision, e.doc_no) for e in now] == [(3, "approved", "绛气函〔2026〕9号")]
    assert [e.id for e in L.read_ledger(path)] == [1, 2, 3, 4]   # nothing edited, nothing lost


@pytest.mark.parametrize("target, key", [(9, "ledger_unknown_id"), (1, "ledger_superseded_id"),
                                         (2, "ledger_removed_id")])
def test_superseding_what_cannot_be_superseded_is_refused_and_appends_nothing(tmp_path, station, north300,
                                                                               target, key):
    path = tmp_path / "ledger.gpkg"
    L.add_entry(path, _entry(station, north300, "pending"))                  # 1
    L.add_entry(path, _entry(station, north300, "approved", supersedes=1))   # 2 replaces 1
    L.remove_entry(path, station.id, 2, "built elsewhere")                   # 3 removes 2
    if key == "ledger_removed_id":
        target = 3   # the tombstone itself
    with pytest.raises(InputError) as err:
        L.add_entry(path, _entry(station, north300, "approved", supersedes=target))
    assert err.value.key == ("ledger_removed_id" if target == 3 else key)
    assert len(L.read_ledger(path)) == 3


def test_another_stations_entry_is_neither_superseded_nor_removed(tmp_path, station, north300):
    import dataclasses

    path = tmp_path / "ledger.gpkg"
    other = dataclasses.replace(_entry(station, north300), station="53959")
    L.add_entry(path, other)
    with pytest.raises(InputError) as err:
        L.remove_entry(path, station.id, 1, "wrong station")
    assert err.value.key == "ledger_other_station_id"
    assert L.read_ledger(path, station.id) == [] and len(L.read_ledger(path, "53959")) == 1


@pytest.mark.parametrize("change, key", [
    ({"decision": "maybe"}, "ledger_bad_decision"), ({"decision": "removed"}, "ledger_bad_decision"),
    ({"height_m": None}, "ledger_no_height"), ({"geometry": None}, "ledger_no_footprint"),
    ({"decision_date": "12/06"}, "ledger_bad_date")])
def test_bad_entries_are_one_line_and_make_no_ledger(tmp_path, station, north300, change, key):
    import dataclasses

    path = tmp_path / "ledger.gpkg"
    with pytest.raises(InputError) as err:
        L.add_entry(path, dataclasses.replace(_entry(station, north300), **change))
    assert err.value.key == key and "\n" not in str(err.value)
    assert not path.exists() or L.read_ledger(path) == []
    with pytest.raises(InputError) as err:
        L.remove_entry(path, station.id, 1, " ")
    assert err.value.key == "ledger_no_reason"


# --- the arrays the next step takes --------------------------------------------------------
def test_approved_obstacles_are_the_current_approved_entries_in_the_station_frame(tmp_path, station, frame, north300):
    path = tmp_path / "ledger.gpkg"
    east_lonlat = to_wgs84(frame, east(100.0).buffer(3.0))
    L.add_entry(path, _entry(station, north300, "approved", height=25.0))       # 1: kept
    L.add_entry(path, _entry(station, east_lonlat, "refused", height=12.0))     # 2: refused
    L.add_entry(path, _entry(station, east_lonlat, "pending", height=8.0))      # 3: pending, then approved
    L.add_entry(path, _entry(station, east_lonlat, "approved", height=8.0, supersedes=3))   # 4
    L.add_entry(path, _entry(station, north300, "approved", height=20.0))       # 5: removed below
    L.remove_entry(path, station.id, 5, "demolished")
    obs = L.approved_obstacles(path, station)
    assert obs.ids.tolist() == [1, 4] and obs.top_m.tolist() == [25.0, 8.0] and obs.kinds.tolist() == ["building"] * 2
    # the frame by pyproj alone: the square's corners 300 m and 310 m north of the fence
    to_local = _aeqd(station)
    stored = {e.id: e.geometry for e in L.read_ledger(path)}
    for i, g, local in zip(obs.ids, obs.geoms, [square_north(300.0), east(100.0).buffer(3.0)]):
        assert np.allclose(shapely.get_coordinates(g), shapely.get_coordinates(local), atol=0.01)
        x, y = to_local.transform(*shapely.get_coordinates(stored[i]).T)
        assert np.allclose(np.c_[x, y], shapely.get_coordinates(g), atol=0.01)
    assert obs.geoms[0].bounds == pytest.approx((-5.0, 312.5, 5.0, 322.5), abs=0.01)


def test_approved_obstacles_of_a_missing_ledger_is_one_line(tmp_path, station):
    with pytest.raises(InputError) as err:
        L.approved_obstacles(tmp_path / "none.gpkg", station)
    assert err.value.key == "ledger_missing"


# --- entries from a check's JSON and a screened row ----------------------------------------
def test_an_entry_from_check_json_keeps_the_checks_figures_and_footprint(tmp_path, station, frame, north300):
    res = CliRunner().invoke(main, ["check", "--footprint", north300.wkt, "--height", "31", "--json"])
    assert res.exit_code == 0, res.output
    (tmp_path / "c.json").write_text(res.output, encoding="utf-8")
    e = L.entry_from_json(tmp_path / "c.json", station, decision="refused", doc_no="A-1")
    # 31 m against 30 m: fail, at D = 300 m
    assert (e.verdict, e.zone, e.distance_m, e.max_height_m, e.height_m, e.kind) == ("fail", "control", 300.0,
                                                                                     30.0, 31.0, "building")
    assert e.geometry.equals_exact(north300, 1e-9) and e.source == f"json {tmp_path / 'c.json'}"
    # check --stations: the result against this station is taken
    data = {"verdict": "fail", "governing": json.loads(res.output), "others": []}
    (tmp_path / "s.json").write_text(json.dumps(data), encoding="utf-8")
    assert L.entry_from_json(tmp_path / "s.json", station, decision="refused").distance_m == 300.0


@pytest.mark.parametrize("text, key", [
    ("{not json", "ledger_json_bad"), ("[1, 2]", "ledger_json_form"), ('{"a": 1}', "ledger_json_form"),
    ('{"verdict": "pass", "entities": [], "worst": 1}', "ledger_json_drawing"),
    ('{"verdict": "pass", "zone": "control", "station": "jiangxian", "height_m": 3}', "ledger_json_footprint"),
    ('{"verdict": "pass", "zone": "control", "station": "53959", "footprint": "POINT (1 2)"}', "ledger_other_station"),
])
def test_a_json_that_is_not_a_usable_check_is_one_line(tmp_path, station, text, key):
    (tmp_path / "c.json").write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as err:
        L.entry_from_json(tmp_path / "c.json", station, decision="approved")
    assert err.value.key == key and "\n" not in str(err.value)


def _screened(tmp_path, frame, out_name="s.gpkg", *extra):
    import geopandas as gpd

    geoms = [square_north(300.0), square_north(500.0), east(100.0).buffer(3.0)]
    src = tmp_path / "in.gpkg"
    gpd.GeoDataFrame({"h": [25.0, 60.0, 5.0]}, geometry=[to_wgs84(frame, g) for g in geoms],
                     crs="EPSG:4326").to_file(src)
    out = tmp_path / out_name
    res = CliRunner().invoke(main, ["screen", str(src), "-o", str(out), "--height-field", "h", "-q", *extra])
    assert res.exit_code == 0, res.output
    return out


def test_an_entry_from_a_screened_row_has_that_rows_figures(tmp_path, station, frame):
    out = _screened(tmp_path, frame)
    e = L.entry_from_screen(out, 2, station, decision="refused", doc_no="B-2")
    # row 2: 500 m north, 60 m against D / 10 = 50 m
    assert (e.verdict, e.zone, e.distance_m, e.max_height_m, e.height_m) == ("fail", "control", 500.0, 50.0, 60.0)
    assert e.geometry.equals_exact(read_output(out).geometry[1], 1e-9) and e.source == f"screen {out} row 2"
    with pytest.raises(InputError) as err:
        L.entry_from_screen(out, 4, station, decision="approved")
    assert err.value.key == "ledger_row_range" and err.value.params["n"] == 3


def test_a_sorted_geoparquets_row_is_the_inputs_row(tmp_path, station, frame):
    out = _screened(tmp_path, frame, "s.parquet", "--sort", "hilbert")
    import geopandas as gpd

    assert "gz_row" in gpd.read_parquet(out).columns
    e = L.entry_from_screen(out, 3, station, decision="approved")
    # row 3 of the input: the east one, D = 97 m in the sunrise sector
    assert e.distance_m == 97.0 and e.height_m == 5.0 and e.verdict == "pass"


# --- storage ---------------------------------------------------------------------------------
def test_the_geopackage_is_one_any_gis_reads_with_every_column(tmp_path, station, north300):
    import pyogrio

    path = tmp_path / "ledger.gpkg"
    L.add_entry(path, _entry(station, north300, "approved", doc_no="绛气函〔2026〕3号", note="多行\n备注"))
    info = pyogrio.read_info(path, layer="ledger")
    assert info["crs"] == "EPSG:4326" and info["features"] == 1
    gdf = read_output(path, layer="ledger", fid_as_index=True)
    assert list(gdf.columns) == [n for n, _, _ in COLUMNS] + ["geometry"]
    assert gdf.index.tolist() == [1] and gdf["doc_no"][1] == "绛气函〔2026〕3号" and gdf["note"][1] == "多行\n备注"
    assert gdf.geometry[1].equals_exact(north300, 1e-9)
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA application_id").fetchone()[0] == 0x47504B47
        assert conn.execute("SELECT min_x < max_x FROM gpkg_contents").fetchone()[0] == 1


def test_a_ledger_in_another_crs_is_read_and_written_in_it(tmp_path, station, frame, north300):
    """A ledger layer made by GDAL in CGCS2000 Gauss-Krüger (EPSG:4546), with its spatial
    index (R-tree triggers): read back in lon/lat, appended to in its own CRS, the index kept."""
    import geopandas as gpd

    path = tmp_path / "gk.gpkg"
    gk = gpd.GeoSeries([north300], crs="EPSG:4326").to_crs("EPSG:4546")[0]
    row = {n: None for n, _, _ in COLUMNS}
    row.update(station=station.id, decision="approved", kind="building", height_m=10.0, recorded_by="x",
               recorded_at="2026-01-01T00:00:00Z")
    gpd.GeoDataFrame([row], geometry=[gk], crs="EPSG:4546").to_file(path, layer="ledger")
    first = L.read_ledger(path)[0]
    assert np.allclose(shapely.get_coordinates(first.geometry), shapely.get_coordinates(north300), atol=1e-8)
    added = L.add_entry(path, _entry(station, north300))
    back = read_output(path, layer="ledger", fid_as_index=True)
    assert back.crs.to_epsg() == 4546 and back.geometry[added.id].equals_exact(gk, 0.001)
    with sqlite3.connect(path) as conn:   # the R-tree holds the appended row
        assert conn.execute("SELECT count(*) FROM rtree_ledger_geom").fetchone()[0] == 2


@pytest.mark.parametrize("name, key", [("l.shp", "ledger_format"), ("l.geojson", "ledger_format")])
def test_a_ledger_is_a_geopackage_or_a_table(tmp_path, name, key):
    with pytest.raises(InputError) as err:
        open_store(tmp_path / name)
    assert err.value.key == key


def test_a_geopackage_that_is_no_ledger_is_refused_and_left_as_it_was(tmp_path, station, north300):
    import geopandas as gpd

    path = tmp_path / "parcels.gpkg"
    gpd.GeoDataFrame({"a": [1]}, geometry=[north300], crs="EPSG:4326").to_file(path, layer="parcels")
    before = path.read_bytes()
    with pytest.raises(InputError) as err:
        L.read_ledger(path)
    assert err.value.key == "ledger_not_ledger"
    with pytest.raises(InputError):
        L.add_entry(path, _entry(station, north300))
    assert path.read_bytes() == before
    (tmp_path / "other.gpkg").write_bytes(b"plain text, no database")
    with pytest.raises(OutputError) as out_err:
        L.add_entry(tmp_path / "other.gpkg", _entry(station, north300))
    assert out_err.value.key == "ledger_write"


_APPENDER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    import shapely
    from geozones import ledger as L
    from geozones.station import load_station
    path, who, n, go = sys.argv[1], sys.argv[2], int(sys.argv[3]), Path(sys.argv[4])
    st = load_station()
    entry = L.Entry(st.id, "approved", shapely.Point(111.5745, 35.5054), 10.0, recorded_by=who)
    while not go.exists():
        time.sleep(0.005)
    for i in range(n):
        L.add_entry(path, L.Entry(**{**entry.__dict__, "note": f"{who} {i}"}))
    ok = 0
    try:
        L.add_entry(path, L.Entry(**{**entry.__dict__, "supersedes": 1, "note": f"{who} replaces 1"}))
        ok = 1
    except L.InputError as exc:
        assert exc.key == "ledger_superseded_id", exc.key
    print(ok)
""")


def _two_appenders(path, tmp_path, station, north300):
    """Entry 1, then two processes each appending 15 entries and trying to replace entry 1,
    started together; what the ledger holds then."""
    L.add_entry(path, _entry(station, north300))   # 1, the one both try to replace
    go = tmp_path / "go"
    procs = [subprocess.Popen([sys.executable, "-c", _APPENDER, str(path), who, "15", str(go)],
                              stdout=subprocess.PIPE, text=True) for who in ("a", "b")]
    go.touch()
    outs = [p.communicate(timeout=120)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    return outs, L.read_ledger(path)


def _nothing_lost(outs, entries):
    assert [e.id for e in entries] == list(range(1, 33))   # 1 + 2 × 15 + the one that replaced 1
    assert sorted(int(o) for o in outs) == [0, 1]
    for who in ("a", "b"):
        assert [e.note for e in entries if e.recorded_by == who and "replaces" not in (e.note or "")] == \
            [f"{who} {i}" for i in range(15)]
    assert len([e for e in entries if e.supersedes == 1]) == 1


def test_two_processes_appending_at_once_lose_nothing_and_supersede_once(tmp_path, station, north300):
    _nothing_lost(*_two_appenders(tmp_path / "ledger.gpkg", tmp_path, station, north300))


def test_two_processes_appending_to_a_postgis_ledger_at_once(postgis_uri, tmp_path, station, north300):  # noqa: F811
    """The same with PostGIS: each append one transaction under the table's EXCLUSIVE lock."""
    uri = f"{postgis_uri}&table=public.race_{tmp_path.name[-8:].replace('-', '_').lower()}"
    _nothing_lost(*_two_appenders(uri, tmp_path, station, north300))


# --- PostGIS -------------------------------------------------------------------------------
def test_a_postgis_ledger_keeps_the_same_entries_and_rules(postgis_uri, tmp_path, station, frame, north300):  # noqa: F811
    uri = f"{postgis_uri}&table=public.ledger_{tmp_path.name[-12:].replace('-', '_').lower()}"
    store = open_store(uri)
    assert not store.exists()
    with pytest.raises(InputError) as err:
        L.read_ledger(uri)
    assert err.value.key == "ledger_missing"
    a = L.add_entry(uri, _entry(station, north300, "pending", doc_no="绛气函〔2026〕3号", note="待审"))
    b = L.add_entry(uri, _entry(station, north300, "approved", supersedes=a.id))
    with pytest.raises(InputError) as err:
        L.add_entry(uri, _entry(station, north300, "approved", supersedes=a.id))
    assert err.value.key == "ledger_superseded_id" and err.value.params["by"] == b.id
    L.remove_entry(uri, station.id, b.id, "withdrawn")
    history = L.read_ledger(uri, station.id)
    assert [(e.id, e.decision, e.supersedes) for e in history] == [(1, "pending", None), (2, "approved", 1),
                                                                  (3, "removed", 2)]
    assert history[0].doc_no == "绛气函〔2026〕3号" and history[0].geometry.equals_exact(north300, 1e-9)
    assert (history[1].distance_m, history[1].max_height_m) == (300.0, 30.0)
    assert L.current(history) == [] and len(L.approved_obstacles(uri, station)) == 0
    L.add_entry(uri, _entry(station, north300, "approved", height=12.5))
    obs = L.approved_obstacles(uri, station)
    assert obs.ids.tolist() == [4] and obs.top_m.tolist() == [12.5]
    assert obs.geoms[0].bounds == pytest.approx((-5.0, 312.5, 5.0, 322.5), abs=0.01)
    # the same entries exported from the table to a file
    n = L.export_ledger(uri, station.id, tmp_path / "h.gpkg", history=True)
    gdf = read_output(tmp_path / "h.gpkg")
    assert n == 4 and gdf["id"].tolist() == [1, 2, 3, 4] and gdf["decision"].tolist()[2] == "removed"
