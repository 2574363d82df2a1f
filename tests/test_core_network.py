"""Many stations in one run (issue 15): reach, the station index, the governing result,
``screen --stations`` / ``--long`` and ``check --stations``.

Two stations built from the shipped Jiangxian file with new ids and positions: ``a`` at the
Jiangxian position, ``b`` 0.2° east on the same parallel, L = 18 144.98 m away (the geodesic
between the centres; ``test_two_stations_distance`` checks it). Proposals are placed in a's
frame, so their distance to a's fence is known by construction (x − 12.5 for a point x metres
due east of a's centre, in a's sunrise sector); a point x east of a lies west of b, in b's
sunset sector, L − x − 12.5 from b's fence (to within 2 cm: the geodesic from a to b heads
0.06° north of due east, which moves the point 18 m sideways off the a-b line, changing the
distance by 18² / (2 · 9 000) m ≈ 0.02 m).

Reach (module text of geozones.core.network): Jiangxian's wind is unknown, so its zones
reach 5000 m; the sun rule reaches 10 km for rows of unknown or ordinary height (H / tan 5°
beyond 875 m).
"""

from __future__ import annotations

import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from click.testing import CliRunner
from pyproj import CRS, Geod

from geozones.check import StationNetwork, check_stations
from geozones.cli import main
from geozones.core.coords import from_frame
from geozones.core.network import StationIndex, govern, reach_m, sun_reach_m, zone_reach_m
from geozones.screen import COLUMNS, LONG_COLUMNS, SUN_COLUMNS, ScreenOptions, screen_file
from geozones.station import default_station_path, load_station, load_stations

TAN5 = math.tan(math.radians(5.0))
HALF = 12.5
LAT, LON = 35.504, 111.571
L_AB = 18144.98   # m, geodesic between a and b (0.2° of longitude at 35.504° N)


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


@pytest.fixture(scope="module")
def net(folder):
    return StationNetwork(load_stations(folder))


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


@pytest.fixture(scope="module")
def screened(tmp_path_factory, folder, net):
    d = tmp_path_factory.mktemp("screen")
    geoms = from_frame(np.array([g for _, g, _ in ROWS], dtype=object), _a_frame().crs, CRS.from_epsg(4326))
    gdf = gpd.GeoDataFrame({"name": [r[0] for r in ROWS], "h": [r[2] for r in ROWS]},
                           geometry=list(geoms), crs=4326)
    src = d / "in.gpkg"
    gdf.to_file(src, layer="parcels")
    out, long = d / "out.gpkg", d / "long.csv"
    summary = screen_file(src, out, zones=net, opts=ScreenOptions(height_field="h", datum_check=False),
                          long_path=long)
    res = gpd.read_file(out, layer="parcels").set_index("name")
    return res, pd.read_csv(long, keep_default_na=False), summary


def test_two_stations_distance():
    assert Geod(ellps="GRS80").inv(LON, LAT, LON + 0.2, LAT)[2] == pytest.approx(L_AB, abs=0.01)


def test_reach_from_the_station_rules():
    s = load_station()
    assert zone_reach_m(s) == 5000.0          # wind unknown: the 2000-5000 m review ring
    # sun rule: 10 km for unknown and ordinary heights, H / tan 5° beyond 875 m
    got = sun_reach_m(s, np.array([np.nan, 20.0, 875.0, 1000.0]))
    assert got[:2].tolist() == [10_000.0, 10_000.0]
    assert got[2] == pytest.approx(875.0 / TAN5) and got[2] == pytest.approx(10_001.0, abs=1.0)
    assert got[3] == pytest.approx(1000.0 / TAN5)   # 11 430.05 m
    assert reach_m(s, np.array([np.nan]), sun_reach=3000.0).tolist() == [5000.0]   # zones reach farther
    assert sun_reach_m(s, np.array([1e7])).tolist() == [100_000.0]  # never beyond the sector radius


def test_governing_is_worst_verdict_then_lowest_limit():
    # row 0: pass 30 m (station 0) and fail 8.75 m (station 1) → station 1's pair
    # row 1: review with no limit (station 0) and review 5 m (station 1) → station 1 (lowest)
    # row 2: pass 20 m (station 0) and pass 20 m (station 1), station 1 nearer → station 1
    g = govern(np.array([0, 0, 1, 1, 2, 2]), np.array([1, 3, 2, 2, 1, 1]),
               np.array([30.0, 8.75, np.nan, 5.0, 20.0, 20.0]),
               np.array([300.0, 100.0, 50.0, 80.0, 200.0, 150.0]), np.array([0, 1, 0, 1, 0, 1]), 4)
    assert g.pair.tolist() == [1, 3, 5, -1]
    assert g.max_height_m[:3].tolist() == [8.75, 5.0, 20.0] and np.isnan(g.max_height_m[3])
    assert g.count.tolist() == [2, 2, 2, 0]


def test_screen_governing_columns(screened):
    res, _long, _summary = screened
    r = res.loc["near_a"]
    assert (r.gz_verdict, r.gz_zone, r.gz_station, r.gz_stations) == ("fail", "control", "a", "a")
    assert (r.gz_distance_m, r.gz_max_height_m, r.gz_exceedance_m) == (300.0, 30.0, 1.0)
    # both in reach, a's limit is broken: a governs; the lowest limit is a's
    r = res.loc["between_a_fails"]
    assert (r.gz_verdict, r.gz_station, r.gz_stations) == ("fail", "a", "a,b")
    assert r.gz_max_height_m == pytest.approx(8987.5 * TAN5, abs=0.001)        # 786.304
    assert r.gz_exceedance_m == pytest.approx(790 - 8987.5 * TAN5, abs=0.001)
    assert r.gz_rules == "sun_sector" and r.gz_message.startswith("a: fail")
    assert "also in reach: b pass" in r.gz_message
    # b's limit is broken: b governs though a comes first; b is nearer, listed first
    r = res.loc["between_b_fails"]
    assert (r.gz_verdict, r.gz_station, r.gz_stations) == ("fail", "b", "b,a")
    assert r.gz_max_height_m == pytest.approx((L_AB - 9212.5) * TAN5, abs=0.01)   # 781.49
    assert r.gz_distance_m == pytest.approx(L_AB - 9212.5, abs=0.05)
    # both pass: the lowest limit (a's 786.30 m, not b's 798.99 m) and its station
    r = res.loc["between_both_pass"]
    assert (r.gz_verdict, r.gz_station, r.gz_stations) == ("pass", "a", "a,b")
    assert r.gz_max_height_m == pytest.approx(8987.5 * TAN5, abs=0.001)


def test_screen_no_station_in_reach_and_implausible(screened):
    res, _long, summary = screened
    r = res.loc["far"]
    assert (r.gz_verdict, r.gz_zone, r.gz_station, r.gz_stations, r.gz_status) == ("pass", "outside", "", "", "ok")
    assert r.gz_message == "pass · no station within 10 km"
    assert np.isnan(r.gz_distance_m) and np.isnan(r.gz_max_height_m)   # no distant station quoted
    r = res.loc["implausible"]
    assert r.gz_verdict == "error" and "from the nearest station or pilot area" in r.gz_status
    assert (summary.no_station_rows, summary.stations, summary.station_pairs) == (1, 2, 7)
    assert summary.to_dict()["sun_reach_m"] == 10_000.0


def test_long_rows_one_per_parcel_and_station(screened):
    _res, long, _summary = screened
    assert tuple(long.columns) == LONG_COLUMNS
    got = [(r.gz_row, r.gz_station, r.gz_verdict) for r in long.itertuples()]
    # rows 0-3 in input order; two stations each between, nearest first; none for 4 and 5
    assert got == [(0, "a", "fail"), (1, "a", "fail"), (1, "b", "pass"), (2, "b", "fail"), (2, "a", "pass"),
                   (3, "a", "pass"), (3, "b", "pass")]
    b1 = long[(long.gz_row == 1) & (long.gz_station == "b")].iloc[0]
    assert b1.gz_distance_m == pytest.approx(L_AB - 9012.5, abs=0.05)
    assert b1.gz_max_height_m == pytest.approx((L_AB - 9012.5) * TAN5, abs=0.01)   # 798.99
    assert b1.gz_exceedance_m == 0.0 and b1.gz_height_m == 790.0


def test_a_far_station_is_never_evaluated(folder, tmp_path):
    """The STRtree prunes: a station 5° east (≈ 450 km) is no candidate for rows near a and b,
    and screening never builds its zones."""
    d = tmp_path / "three"
    for f in folder.glob("*.toml"):
        d.mkdir(exist_ok=True)
        (d / f.name).write_text(f.read_text(encoding="utf-8"), encoding="utf-8")
    _station_file(d, "c", LAT, LON + 5.0)
    net = StationNetwork(load_stations(d))
    assert [s.id for s in net.stations] == ["a", "b", "c"]
    geoms = from_frame(np.array([g for _, g, _ in ROWS[:4]], dtype=object), _a_frame().crs, CRS.from_epsg(4326))
    from geozones.core.network import lonlat_bounds

    rows, stations = net.index.query(lonlat_bounds(geoms, CRS.from_epsg(4326)), np.array([31.0, 790, 790, 100]))
    assert 2 not in stations.tolist()
    assert sorted(set(zip(rows.tolist(), stations.tolist()))) == [(0, 0), (1, 0), (1, 1), (2, 0), (2, 1), (3, 0), (3, 1)]
    gdf = gpd.GeoDataFrame({"h": [31.0, 790, 790, 100]}, geometry=list(geoms), crs=4326)
    gdf.to_file(tmp_path / "in.gpkg")
    screen_file(tmp_path / "in.gpkg", tmp_path / "out.gpkg", zones=net,
                opts=ScreenOptions(height_field="h", datum_check=False))
    assert sorted(net._zones) == [0, 1]   # c's zone set was never built


def test_a_very_tall_row_widens_the_query():
    """A row of known height H reaches H / tan 5° (here 2000 m: 22.86 km), beyond the 10 km
    box, so the index widens its box: a station 20 km away becomes a candidate."""
    s = load_station()
    idx = StationIndex((s,))
    lat = LAT + 20_000.0 / 110_900.0   # ≈ 20 km north
    box = np.array([[LON, lat, LON, lat]])
    assert idx.query(box, np.array([100.0]))[0].size == 0
    assert idx.query(box, np.array([2000.0]))[0].tolist() == [0]


def test_one_station_folder_agrees_with_the_single_station_path(tmp_path):
    """--stations with only Jiangxian gives the single-station verdicts and limits for rows in
    its reach, and the single-station output is unchanged (no station columns)."""
    from geozones.check import ZoneSet

    frame = _a_frame()
    local = np.array([shapely.Point(0, HALF + d) for d in (60.0, 300.0, 1500.0, 3000.0)]
                     + [shapely.Point(HALF + 100.0, 0.0)], dtype=object)
    heights = [7.0, 29.0, 151.0, 400.0, 9.0]
    gdf = gpd.GeoDataFrame({"h": heights}, geometry=list(from_frame(local, frame.crs, CRS.from_epsg(4326))), crs=4326)
    gdf.to_file(tmp_path / "in.gpkg")
    d = tmp_path / "one"
    d.mkdir()
    (d / "jiangxian.toml").write_text(default_station_path().read_text(encoding="utf-8"), encoding="utf-8")
    opts = ScreenOptions(height_field="h", datum_check=False)
    screen_file(tmp_path / "in.gpkg", tmp_path / "one.gpkg", zones=ZoneSet(), opts=opts)
    screen_file(tmp_path / "in.gpkg", tmp_path / "many.gpkg", zones=StationNetwork(load_stations(d)), opts=opts)
    one = gpd.read_file(tmp_path / "one.gpkg", layer="in")
    many = gpd.read_file(tmp_path / "many.gpkg", layer="in")
    assert [c for c in one.columns if c.startswith("gz_")] == [*COLUMNS[:-1], *SUN_COLUMNS, "gz_status"]  # sun: default
    for c in ("gz_verdict", "gz_zone", "gz_distance_m", "gz_max_height_m", "gz_exceedance_m", "gz_rules"):
        assert one[c].tolist() == many[c].tolist(), c
    # hand-worked: 60 m → 6 m (7 fails); 300 m → 30 m; 1500 m → review over 150 m; 3000 m: maybe
    # upwind, review over 300 m; 100 m east: 8.75 m in the sunrise sector (9 fails)
    assert one.gz_verdict.tolist() == ["fail", "pass", "review", "review", "fail"]
    assert many.gz_station.tolist() == ["jiangxian"] * 5


def test_check_stations_pilot_rules_once_without_a_station():
    """Pinglu (81 km from Jiangxian) is in reach of no station: the pilot rules still apply
    (60 m ÷ 3 m = 20 storeys > 18: review), and no station is quoted."""
    r = check_stations("POINT (111.2 34.84)", height=60, network=StationNetwork([load_station()]))
    assert (r.verdict, r.station, r.stations, r.no_station_km) == ("review", None, [], 10.0)
    assert r.pilot["inside"] and r.pilot["verdict"] == "review" and r.pilot["storeys"] == 20.0


def test_wide_row_is_the_worst_and_lowest_of_its_long_rows(screened):
    """Outside every pilot area the governing verdict is the worst of the row's per-station
    verdicts and its limit the lowest of theirs; gz_stations lists exactly the long rows'
    stations."""
    res, long, _summary = screened
    rank = {"pass": 1, "review": 2, "fail": 3}
    for i, (_name, r) in enumerate(res.iterrows()):
        mine = long[long.gz_row == i]
        if mine.empty:
            continue
        assert rank[r.gz_verdict] == max(rank[v] for v in mine.gz_verdict)
        assert r.gz_max_height_m == pytest.approx(mine.gz_max_height_m.min())
        assert r.gz_stations.split(",") == mine.gz_station.tolist()


def test_sun_reach_note_quotes_the_strictest_station_angle(tmp_path):
    """The many-station note takes its angle from the stations' sun_sector rules, the smallest
    of them: with a 4° station beside a 5° one it says 4° and, at the default 10 km,
    10000 × tan 4° = 699.27 → "699 m"; the shipped 5° alone: 10000 × tan 5° = 874.89 → "875 m"."""
    _station_file(tmp_path / "mixed", "a", LAT, LON)
    _station_file(tmp_path / "mixed", "b", LAT, LON + 0.2, (("angle_deg = 5.0", "angle_deg = 4.0"),))
    net = StationNetwork(load_stations(tmp_path / "mixed"))
    r = check_stations("POINT (111.5745 35.5054)", height=10, network=net)
    note = next(n for n in r.assumptions if n.startswith("Many stations"))
    assert "the 4° sun-sector limit" in note and "the limit there is 699 m" in note and "H / tan 4°" in note
    r = check_stations("POINT (111.5745 35.5054)", height=10, network=StationNetwork([load_station()]), lang="zh")
    note = next(n for n in r.assumptions if n.startswith("多站核查"))
    assert "日出日落方向 5° 限制" in note and "该处限高 875 米" in note
    # the screen summary says the same, from the stations it screened against
    out = tmp_path / "o.gpkg"
    sample = Path(__file__).resolve().parents[1] / "data" / "sample" / "parcels.gpkg"
    res = CliRunner().invoke(main, ["screen", str(sample), "-o", str(out), "--stations", str(tmp_path / "mixed")])
    assert res.exit_code == 0, res.output
    assert "the 4° sun-sector limit" in res.output and "the limit there is 699 m" in res.output


# --- across the antimeridian (issue 23, item 10) -------------------------------------------------

def test_lonlat_bounds_across_the_antimeridian():
    """A box across ±180° is taken the short way round (xmin in [-180, 180), xmax past 180),
    whether the geometry is given in lon/lat or in a projected CRS (UTM 60N, where the
    corners come back as 179.99…° and -179.99…°); elsewhere boxes are as before."""
    from geozones.core.coords import parse_crs
    from geozones.core.network import lonlat_bounds

    wgs = parse_crs("EPSG:4326")
    across = shapely.box(-179.9999, 35.5, 179.9999, 35.501)   # drawn as a ring, its edges 0.0002° long
    b = lonlat_bounds(np.array([across, shapely.Point(111.57, 35.5)], dtype=object), wgs)
    assert b[0].tolist() == pytest.approx([179.9999, 35.5, 180.0001, 35.501])
    assert b[1].tolist() == pytest.approx([111.57, 35.5, 111.57, 35.5])
    utm = CRS.from_epsg(32660)   # central meridian 177°E: ±180° is at easting ≈ 772 km at 35.5°N
    from pyproj import Transformer

    x, y = Transformer.from_crs(4326, utm, always_xy=True).transform([179.9999, -179.9999], [35.5, 35.501])
    b = lonlat_bounds(np.array([shapely.box(x[0], y[0], x[1], y[1])], dtype=object), parse_crs("EPSG:32660"))[0]
    assert b[0] == pytest.approx(179.9999, abs=1e-6) and b[2] == pytest.approx(180.0001, abs=1e-6)


@pytest.mark.parametrize("lon", [179.9995, -179.9995])
def test_station_index_looks_the_short_way_round(tmp_path, lon):
    """A station at ±179.9995° and one at Jiangxian: a row 0.001° away across the
    antimeridian (and a box straddling it) meets the first and has it as its nearest."""
    _station_file(tmp_path, "dateline", LAT, lon)
    _station_file(tmp_path, "jx", LAT, LON)
    stations = load_stations(tmp_path)
    index = StationIndex(stations)
    k = [s.id for s in stations].index("dateline")
    rows = np.array([[-lon, LAT, -lon, LAT], [179.99997, LAT, 180.00003, LAT + 0.0001],
                     [LON + 0.01, LAT, LON + 0.01, LAT]])
    r, st = index.query(rows)
    assert list(zip(r.tolist(), st.tolist())) == [(0, k), (1, k), (2, 1 - k)]
    assert index.nearest(rows).tolist() == [k, k, 1 - k]
