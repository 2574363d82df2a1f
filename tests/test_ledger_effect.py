"""What a proposal adds to the sun the station's approved obstacles already hide (issue 27,
items 3-4): ``check``, ``report`` and ``screen --ledger``, and ``horizon --ledger``.

The figures are checked against sets of minutes worked out here: each obstacle's hidden minutes
from :func:`geozones.core.sunshine.blocked_minutes` one by one, united and subtracted with
Python sets (the code uses numpy's sorted-array set functions and the batched count)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import shapely
from click.testing import CliRunner
from pyproj import CRS

from geozones.cli import main
from geozones.core.coords import from_frame
from geozones.core.sunshine import blocked_minutes
from geozones.core.zones import StationFrame
from geozones.ledger import Entry, add_entry, remove_entry
from geozones.station import load_station
from geozones.sunshine import sun_table

ST = load_station()
#: the shipped stations' folder (the Jiangxian station alone)
STATIONS = str(Path(__file__).resolve().parents[1] / "data" / "stations")
FRAME = StationFrame(ST)
H_REC = ST.sunshine_recorder_height_m
#: two approved obstacles east of the field (the sunrise sector), their shadows overlapping,
#: and a proposal between them whose shadow is partly theirs already [m, station frame]
A = (shapely.box(200, -20, 205, 15), 9.0)
B = (shapely.box(230, -40, 235, 0), 14.0)
P = (shapely.box(220, -5, 225, 30), 12.0)
#: fully behind A: farther, narrower in azimuth and lower in angle
BEHIND = (shapely.box(260, -10, 265, 5), 10.0)


def _lonlat(geom):
    return from_frame(np.array([geom], dtype=object), FRAME.crs, CRS.from_epsg(4326))[0]


def _minutes(obstacle) -> set[int]:
    return set(blocked_minutes(sun_table(ST), obstacle[0], obstacle[1], H_REC).tolist())


def _sunny_h(minutes: set[int]) -> float:
    t = sun_table(ST)
    return len(minutes & set(t.minute[t.sunshine].tolist())) / 60.0


def _ledger(path, *obstacles, decision="approved"):
    for g, top in obstacles:
        add_entry(path, Entry(ST.id, decision, _lonlat(g), top, decision_date="2026-01-10", doc_no="T-1"))
    return str(path)


def _check_json(*args):
    res = CliRunner().invoke(main, ["check", "--json", *args])
    assert res.exit_code == 0, res.output
    return json.loads(res.output)


def _check(obstacle, *more):
    return _check_json("--footprint", _lonlat(obstacle[0]).wkt, "--crs", "EPSG:4326", "--height",
                       str(obstacle[1]), *more)


def test_added_and_cumulative_are_the_set_arithmetic_of_overlapping_shadows(tmp_path):
    a, b, p = _minutes(A), _minutes(B), _minutes(P)
    union = a | b
    # the case is what it says: A and B overlap, P is partly behind them and partly not
    assert a & b and p & union and p - union
    led = _check(P, "--ledger", _ledger(tmp_path / "l.gpkg", A, B))["sunshine"]
    assert led["sun_blocked_min_per_year"] == len(p)
    got = led["ledger"]
    assert got["approved_obstacles"] == 2
    assert got["blocked_min_before"] == len(union) < len(a) + len(b)       # each minute once
    assert got["added_min"] == len(p - union)
    assert got["cumulative_min"] == len(union | p) == len(union) + len(p - union)
    assert got["added_loss_h"] == pytest.approx(round(_sunny_h(p - union), 2))
    assert got["cumulative_loss_h"] == pytest.approx(round(_sunny_h(union | p), 2))


def test_a_proposal_fully_behind_an_approved_obstacle_adds_nothing(tmp_path):
    a, q = _minutes(A), _minutes(BEHIND)
    assert q and q <= a
    got = _check(BEHIND, "--ledger", _ledger(tmp_path / "l.gpkg", A))["sunshine"]["ledger"]
    assert (got["added_min"], got["added_loss_h"]) == (0, 0.0)
    assert got["cumulative_min"] == got["blocked_min_before"] == len(a)


def test_refused_removed_and_superseded_entries_do_not_count(tmp_path):
    path = _ledger(tmp_path / "l.gpkg", A)
    _ledger(path, B, decision="refused")
    gone = add_entry(path, Entry(ST.id, "approved", _lonlat(P[0]), P[1]))
    remove_entry(path, ST.id, gone.id, "built smaller")
    old = add_entry(path, Entry(ST.id, "approved", _lonlat(BEHIND[0]), 40.0))
    add_entry(path, Entry(ST.id, "refused", _lonlat(BEHIND[0]), 40.0, supersedes=old.id))
    got = _check(P, "--ledger", path)["sunshine"]["ledger"]
    assert got["approved_obstacles"] == 1
    assert got["blocked_min_before"] == len(_minutes(A))
    assert got["added_min"] == len(_minutes(P) - _minutes(A))


def test_the_verdict_is_the_same_with_and_without_the_ledger(tmp_path):
    path = _ledger(tmp_path / "l.gpkg", A, B)
    tall = (P[0], 30.0)       # breaks the 5° rule: fail either way
    for obstacle in (P, tall):
        plain, led = _check(obstacle), _check(obstacle, "--ledger", path)
        assert "ledger" not in plain["sunshine"]
        led["sunshine"].pop("ledger")
        assert led == plain
    assert _check(tall)["verdict"] == "fail"


def test_text_and_report_say_the_ledger_and_how_many_counted(tmp_path):
    path = _ledger(tmp_path / "l.gpkg", A, B)
    args = ["--footprint", _lonlat(P[0]).wkt, "--crs", "EPSG:4326", "--height", str(P[1]), "--ledger", path]
    res = CliRunner().invoke(main, ["check", *args])
    assert res.exit_code == 0, res.output
    added = len(_minutes(P) - (_minutes(A) | _minutes(B)))
    assert f"Added to approved         {added:,} min/year" in res.output
    assert f"ledger {path}: 2 approved obstacle(s) of this station counted" in res.output
    out = tmp_path / "r.html"
    assert CliRunner().invoke(main, ["report", *args, "-o", str(out)]).exit_code == 0
    assert f"{added:,} min/year" in out.read_text(encoding="utf-8")


def test_screen_ledger_columns_equal_check_ledger(tmp_path):
    import geopandas as gpd

    path = _ledger(tmp_path / "l.gpkg", A, B)
    rows = [P, BEHIND, (shapely.box(-20, 100, 20, 130), 30.0), (shapely.box(215, 40, 219, 44), 3.0),
            (shapely.box(-5, -905, 5, -900), 2.0)]   # the last south and low: the bound clears it
    geoms = from_frame(np.array([g for g, _ in rows], dtype=object), FRAME.crs, CRS.from_epsg(4326))
    src = tmp_path / "in.gpkg"
    gpd.GeoDataFrame({"h": [h for _, h in rows]}, geometry=geoms, crs=4326).to_file(src)
    out = tmp_path / "out.shp"
    res = CliRunner().invoke(main, ["screen", str(src), "-o", str(out), "--height-field", "h", "--ledger", path,
                                    "--report", str(tmp_path / "run.json")])
    assert res.exit_code == 0, res.output
    assert f"ledger {path}: 2 approved obstacle(s) of {ST.id} counted" in res.output
    said = json.loads((tmp_path / "run.json").read_text(encoding="utf-8"))["ledger"]
    assert said == {"ledger": path, "stations": {ST.id: {"approved_obstacles": 2,
                                                         "blocked_min": len(_minutes(A) | _minutes(B))}}}
    back = gpd.read_file(out)
    union = _minutes(A) | _minutes(B)
    for i, (g, top) in enumerate(rows):
        got = _check_json("--footprint", geoms[i].wkt, "--crs", "EPSG:4326", "--height", str(top),
                          "--ledger", path)["sunshine"]["ledger"]
        assert back["gz_sun_add"][i] == got["added_min"] == len(_minutes((g, top)) - union)
        assert back["gz_sun_cum"][i] == got["cumulative_min"]
    assert [back["gz_sun_add"][i] for i in (1, 2, 4)] == [0, 0, 0]     # behind A; north; cleared by the bound
    assert back["gz_sun_add"][3] > 0 and back["gz_sun_cum"][4] == len(union)
    from geozones.core.sunshine import sun_bound_clears

    assert sun_bound_clears(sun_table(ST), np.array([rows[4][0].bounds]), np.array([rows[4][1]]), H_REC).all()
    no_sun = CliRunner().invoke(main, ["screen", str(src), "-o", str(tmp_path / "x.gpkg"), "--height-field", "h",
                                       "--ledger", path, "--no-sun"])
    assert no_sun.exit_code != 0 and "--no-sun" in no_sun.output and "Traceback" not in no_sun.output


def test_the_union_is_computed_once_per_process(monkeypatch):
    import geozones.core.sunshine as core
    from geozones.sunshine import obstacles_sun_minutes

    calls = []
    real = core.blocked_minutes_many
    monkeypatch.setattr(core, "blocked_minutes_many", lambda *a, **k: calls.append(1) or real(*a, **k))
    geoms = np.array([A[0], shapely.box(300, -1, 301, 1)], dtype=object)   # content of its own
    first = obstacles_sun_minutes(ST, geoms, np.array([A[1], 7.0]))
    again = obstacles_sun_minutes(ST, geoms.copy(), np.array([A[1], 7.0]))
    assert len(calls) == 1 and again is first
    assert set(first.tolist()) == _minutes(A) | _minutes((geoms[1], 7.0))
    obstacles_sun_minutes(ST, geoms, np.array([A[1], 7.5]))                 # other content: computed
    assert len(calls) == 2


def test_horizon_ledger_draws_the_approved_obstacles_and_the_proposal(tmp_path):
    from geozones.horizon import APPROVED_COLOR, PROPOSAL_COLOR

    path = _ledger(tmp_path / "l.gpkg", A, B)
    out = tmp_path / "h.svg"
    res = CliRunner().invoke(main, ["horizon", "--ledger", path, "--footprint", _lonlat(P[0]).wkt,
                                    "--height", str(P[1]), "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert f"ledger {path}: 2 approved obstacle(s)" in res.output
    # the proposal's own lines: atan((12 − 0) / 220) at azimuth 90°, the nearest point 220 m east
    alone = res.output.split("the proposal alone")[1]
    assert f"highest obstruction {np.degrees(np.arctan2(12.0, 220.0)):.2f}°" in alone
    text = out.read_text(encoding="utf-8")
    assert f"fill: {APPROVED_COLOR}" in text.split('id="obstacles-approved"')[1].split("</g>")[0]
    assert f"fill: {PROPOSAL_COLOR}" in text.split('id="obstacles-proposal"')[1].split("</g>")[0]
    assert "sunpath-equinox" in text
    # the proposal alone needs a height; nothing at all is refused in one line
    bad = CliRunner().invoke(main, ["horizon", "--footprint", _lonlat(P[0]).wkt, "-o", str(tmp_path / "x.svg")])
    assert bad.exit_code != 0 and "--height" in bad.output and "Traceback" not in bad.output


def test_ledger_refused_with_many_stations_unless_named_by_the_environment(tmp_path):
    path = _ledger(tmp_path / "l.gpkg", A)
    res = CliRunner().invoke(main, ["check", "--footprint", _lonlat(P[0]).wkt, "--height", "10", "--stations",
                                    STATIONS, "--ledger", path])
    assert res.exit_code != 0 and "--ledger works with one station" in res.output and "Traceback" not in res.output
    # named by GEOZONES_LEDGER (for every command) it is left out where it cannot apply
    res = CliRunner().invoke(main, ["check", "--footprint", _lonlat(P[0]).wkt, "--height", "10", "--stations",
                                    STATIONS, "--json"], env={"GEOZONES_LEDGER": path})
    assert res.exit_code == 0, res.output
    led = _check_json("--footprint", _lonlat(P[0]).wkt, "--height", "10")   # and used where it applies
    assert "ledger" not in led["sunshine"]
    res = CliRunner().invoke(main, ["check", "--footprint", _lonlat(P[0]).wkt, "--height", "10", "--json"],
                             env={"GEOZONES_LEDGER": path})
    assert json.loads(res.output)["sunshine"]["ledger"]["approved_obstacles"] == 1
