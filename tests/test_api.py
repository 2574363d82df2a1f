"""The Python API as data people use it: GeoDataFrames in and out, per-row problems."""

import doctest
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from conftest import TAN5, east, read_output, square_north
from pyproj import CRS

import geozones
from geozones.core.coords import from_frame
from geozones.errors import InputError

ROOT = Path(__file__).resolve().parents[1]


def _frame(frame, geoms, epsg=4546, **cols):
    out = from_frame(np.array(geoms, dtype=object), frame.crs, CRS.from_epsg(epsg))
    return gpd.GeoDataFrame(cols, geometry=gpd.GeoSeries(out, crs=epsg), crs=epsg)


def test_readme_notebook_session(monkeypatch):
    """The README's notebook block, run as a doctest from the checkout's root."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"## In a notebook.*?```python\n(.*?)```", text, re.S).group(1)
    monkeypatch.chdir(ROOT)
    test = doctest.DocTestParser().get_doctest(block, {}, "README", "README.md", 0)
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    runner.run(test)
    assert runner.summarize(verbose=False).failed == 0
    assert len(test.examples) >= 6


def test_assess_frame_columns_index_crs_and_same_as_screen(tmp_path, frame):
    gdf = _frame(frame, [square_north(300.0), square_north(300.0), east(100.0), square_north(50.0)],
                 name=["a", "b", "c", "d"], h=[29.0, 31.0, 9.0, "高"], k=["建筑物", "建筑物", "构筑物", "飞船"])
    gdf.index = [10, 20, 30, 40]
    out = geozones.assess_frame(gdf, height_field="h", kind_field="k")
    assert out.index.tolist() == [10, 20, 30, 40] and out.crs == gdf.crs
    assert list(out.columns[:3]) == ["name", "h", "k"]
    from geozones.screen import COLUMNS

    assert set(COLUMNS) <= set(out.columns)
    assert out["gz_verdict"].tolist() == ["pass", "fail", "fail", "error"]
    assert out["gz_max_height_m"].iloc[:2].tolist() == pytest.approx([30.0, 30.0])
    assert out["gz_max_height_m"].iloc[2] == pytest.approx(100.0 * TAN5, abs=0.01)
    assert out["gz_status"].iloc[3].startswith("error:")
    # the same columns as screen writes for the same rows
    src = tmp_path / "in.gpkg"
    gdf.assign(h=gdf["h"].astype(str)).to_file(src)
    geozones_screen = __import__("geozones.screen", fromlist=["x"])
    geozones_screen.screen_file(src, tmp_path / "out.gpkg", zones=geozones.ZoneSet(),
                                opts=geozones_screen.ScreenOptions(height_field="h", kind_field="k"))
    screened = read_output(tmp_path / "out.gpkg")
    for col in ("gz_verdict", "gz_zone", "gz_rules", "gz_message"):
        assert screened[col].fillna("").tolist() == out[col].fillna("").tolist()


def test_assess_honours_geoseries_crs_and_marks_rows(frame):
    gdf = _frame(frame, [square_north(300.0), square_north(300.0)], h=[31.0, 1.0])
    a = geozones.assess(gdf.geometry, kind=["building", "spaceship"], height=gdf["h"])
    assert a.problems[0] is None and a.verdict[0] == "fail"
    assert isinstance(a.problems[1], InputError) and a.verdict[1] is None
    df = a.to_frame()
    assert df["distance_m"].iloc[0] == pytest.approx(300.0, abs=0.01)
    assert "spaceship" in df["problem"].iloc[1]
    with pytest.raises(InputError, match="crs="):
        geozones.assess(gdf.geometry, crs="EPSG:4326")
    bad = geozones.assess(gdf.geometry, height=[-1.0, 10.0], floors=[2.5, 3])
    assert bad.problems[0] is not None and bad.problems[1] is None


def test_check_one_row_frame_and_deprecated_spellings(frame):
    gdf = _frame(frame, [square_north(300.0), square_north(500.0)])
    r = geozones.check(gdf.iloc[[0]], height=31)
    assert r.verdict == "fail" and r.distance_m == pytest.approx(300.0, abs=0.01)
    assert r.to_dict()["crs"] == "EPSG:4546"
    assert geozones.check(gdf.geometry.iloc[[1]], height=31).verdict == "pass"
    with pytest.raises(InputError, match="2 rows"):
        geozones.check(gdf, height=31)
    with pytest.warns(DeprecationWarning, match="height="):
        a = geozones.assess(gdf.geometry, height_m=31.0)
    assert a.verdict.tolist() == ["fail", "pass"]
    with pytest.warns(DeprecationWarning, match="floors="):
        geozones.assess(gdf.geometry, height=31.0, storeys=10)


def test_deprecated_spellings_work_in_check_and_assess_frame(frame):
    """README: height_m=/storeys=/width_m= still work everywhere, with a DeprecationWarning.
    A square 300 m north of the fence: H <= D / 10 = 30 m, so 31 m fails and 29 m passes; a
    10 m road centre line 45 m north of the fence has its edge at D = 45 - 10 / 2 = 40 m."""
    from shapely import LineString

    gdf = _frame(frame, [square_north(300.0)])
    with pytest.warns(DeprecationWarning, match="height="):
        assert geozones.check(gdf, height_m=31).verdict == "fail"
    with pytest.warns(DeprecationWarning, match="height="):
        assert geozones.check(gdf, height_m=29).verdict == "pass"
    with pytest.warns(DeprecationWarning, match="floors="):
        assert geozones.check(gdf, height=9, storeys=3).verdict == "pass"
    with pytest.warns(DeprecationWarning, match="floors="), pytest.raises(InputError):
        geozones.check(gdf, height=9, storeys=2.5)  # the value is used: half a storey is refused
    with pytest.warns(DeprecationWarning), pytest.raises(TypeError, match="not both"):
        geozones.check(gdf, height=9, height_m=9)
    road = _frame(frame, [LineString([(-50, 12.5 + 45), (50, 12.5 + 45)])])
    with pytest.warns(DeprecationWarning, match="width="):
        assert geozones.check(road, kind="road", width_m=10.0).distance_m == pytest.approx(40.0, abs=0.01)
    with pytest.warns(DeprecationWarning, match="height="):
        out = geozones.assess_frame(_frame(frame, [square_north(300.0)] * 2), height_m=31.0)
    assert out["gz_verdict"].tolist() == ["fail", "fail"]
    assert out["gz_max_height_m"].tolist() == pytest.approx([30.0, 30.0], abs=0.01)


def test_width_spelling_matches_check(frame):
    """assess(width=) as check(width=); width_m= still works with a DeprecationWarning.
    A 10 m road drawn as a centre line 45 m north of the fence: its edge is at D = 40 m."""
    from shapely import LineString

    gdf = _frame(frame, [LineString([(-50, 12.5 + 45), (50, 12.5 + 45)])])
    a = geozones.assess(gdf.geometry, kind="road", width=10.0)
    with pytest.warns(DeprecationWarning, match="width="):
        b = geozones.assess(gdf.geometry, kind="road", width_m=10.0)
    assert a.measurements.distance_m[0] == pytest.approx(40.0, abs=0.01)
    assert b.measurements.distance_m[0] == pytest.approx(40.0, abs=0.01)
    # one value for every row is an argument: refused, naming it (an array's values are row data)
    with pytest.raises(ValueError, match="width -1.0"):
        geozones.assess(gdf.geometry, kind="road", width=-1.0)
    assert geozones.assess(gdf.geometry, kind="road", width=[-1.0]).problems[0] is not None


# --- one argument order (issue 22, item 7) ---------------------------------------------------

POINT = "POINT (111.5745 35.5054)"


def test_geometry_first_everything_else_by_keyword(frame):
    """check, check_stations and assess take the geometry first and the rest by keyword, in
    any order. A 10 m point 336.8 m east of the fence, in the sunrise sector: the sun rule
    permits 336.8 × tan 5° = 29.47 m (the control zone's D / 10 = 33.68 m is higher)."""
    import inspect

    for fn in (geozones.check, geozones.check_stations, geozones.assess, geozones.assess_frame):
        params = list(inspect.signature(fn).parameters.values())
        assert params[0].kind is inspect.Parameter.POSITIONAL_OR_KEYWORD
        assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in params[1:]), fn.__name__
    pt = _frame(frame, [east(336.8)]).geometry
    r = geozones.check(pt, kind="building", height=10.0)
    assert r.in_sun_sector and r.distance_m == pytest.approx(336.8, abs=0.01)
    assert r.max_height_m == pytest.approx(336.8 * TAN5, abs=0.01) == pytest.approx(29.47, abs=0.01)
    a = geozones.assess(pt, kind="building", height=10.0)
    assert a.max_height_m[0] == pytest.approx(29.47, abs=0.01)
    net = geozones.StationNetwork([geozones.load_station()])
    s = geozones.check_stations(pt.iloc[0], network=net, crs="EPSG:4546", kind="building", height=10.0)
    assert (s.verdict, s.station) == ("pass", "jiangxian") and s.max_height_m == pytest.approx(29.47, abs=0.01)


def test_assess_with_a_number_in_place_of_the_kind_is_an_error_naming_height():
    """assess(gs, 10) once read 10 as the kind; now it is a TypeError saying height=10."""
    with pytest.raises(TypeError, match=re.escape("assess(geoms, height=10)")):
        geozones.assess([POINT], 10)
    with pytest.raises(TypeError, match="height="):
        geozones.assess([POINT], [10.0, 20.0])
    with pytest.raises(TypeError, match="1 positional argument"):
        geozones.assess([POINT], "building", 10, "EPSG:4326")


def test_old_positional_forms_work_for_one_release_with_a_warning():
    """The old orders (check: height, kind, crs; assess: kind, height) still give the same
    answers, with a DeprecationWarning naming the keywords. At the test point (336.8 m from the
    fence in the sunrise sector: 336.8 × tan 5° = 29.47 m permitted, so 10 m passes) both read
    alike."""
    with pytest.warns(DeprecationWarning, match=re.escape("check(geometry, height=..., kind=...)")):
        old = geozones.check(POINT, 10, "building")
    new = geozones.check(POINT, kind="building", height=10)
    assert old.to_dict() == new.to_dict() and new.max_height_m == pytest.approx(336.818 * TAN5, abs=0.001)
    with pytest.warns(DeprecationWarning, match=re.escape("assess(geometry, kind=..., height=...)")):
        old_a = geozones.assess([POINT, POINT], ["building", "road"], [10.0, np.nan])
    new_a = geozones.assess([POINT, POINT], kind=["building", "road"], height=[10.0, np.nan])
    assert old_a.verdict.tolist() == new_a.verdict.tolist() == ["pass", "pass"]
    with pytest.raises(TypeError, match="multiple values for argument .height."):
        geozones.check(POINT, 10, height=10)


def test_all_names_import_and_nothing_is_left_out():
    """__all__ names every public name (the API, the readers, every error), each importable."""
    import geozones.api
    import geozones.errors

    for name in geozones.__all__:
        assert getattr(geozones, name) is not None, name
    assert {"check", "check_stations", "assess", "assess_frame", "screen_file", "ZoneSet", "StationNetwork",
            "CheckResult", "load_station", "load_stations", "load_pilot", "load_pilots", "__version__"} <= set(geozones.__all__)
    errors = {n for n in geozones.errors.__all__ if n[0].isupper()}
    assert errors <= set(geozones.__all__)
    for name in geozones.api.__all__:
        assert getattr(geozones.api, name) is getattr(geozones, name), name
    from geozones.check import assess_frame
    from geozones.screen import screen_file

    assert geozones.assess_frame is assess_frame and geozones.screen_file is screen_file   # one definition each


@pytest.mark.parametrize("old", ["rules", "zones", "coords", "kinds", "sun", "datums", "geometry", "curves"])
def test_old_module_aliases_are_gone(old):
    """The sys.modules aliases of the core's modules are removed (changelog: 0.2); their own
    paths import."""
    import importlib

    with pytest.raises(ModuleNotFoundError):
        importlib.import_module(f"geozones.{old}")
    assert importlib.import_module(f"geozones.core.{old}") is not None


# --- numbers that are not numbers (issue 23, D, item 7) --------------------------------------

def _number_arguments():
    """(callable, argument) for every float or int argument of the API, read from the
    signatures (a new one cannot escape); results (``*Result``) are records, not inputs."""
    import inspect

    import geozones.api

    out = []
    for name in geozones.api.__all__:
        obj = getattr(geozones.api, name)
        if name.endswith("Result"):
            continue
        fn = obj.__init__ if inspect.isclass(obj) else obj
        for p in inspect.signature(fn).parameters.values():
            if re.fullmatch(r"(float|int)( \| None)?", str(p.annotation)):
                out.append((name, p.name))
    # assess takes one value or one per row (``Any``): its single values are arguments too
    return out + [("assess", "height"), ("assess", "floors"), ("assess", "width")]


NUMBER_ARGUMENTS = _number_arguments()


def test_the_walk_finds_the_number_arguments():
    assert {("check", "height"), ("check", "floors"), ("check", "width"), ("check_stations", "height"),
            ("assess_frame", "height"), ("assess_frame", "storey_height_m"), ("screen_file", "chunk_size"),
            ("screen_file", "workers"), ("ZoneSet", "storey_height_m"), ("StationNetwork", "sun_reach_m"),
            ("StationNetwork", "storey_height_m"), ("zone_layer", "sector_radius_m"),
            ("write_heightlimit", "resolution_m"), ("write_heightlimit", "extent_m"),
            ("write_heightlimit", "field_elevation_m"), ("write_heightlimit", "block_rows")} <= set(NUMBER_ARGUMENTS)


def _call(name, arg, value, tmp_path):
    from geozones.check import StationNetwork, ZoneSet
    from geozones.screen import ScreenOptions
    from geozones.station import load_station

    point = "POINT (111.5745 35.5054)"
    if name == "ZoneSet":
        return ZoneSet(**{arg: value})
    if name == "StationNetwork":
        return StationNetwork([load_station()], **{arg: value})
    if name == "check_stations":
        return geozones.check_stations(point, network=StationNetwork([load_station()]), **{arg: value})
    if name == "assess":
        return geozones.assess([point, point], **{arg: value})
    if name == "assess_frame":
        gdf = gpd.GeoDataFrame({"h": [1.0]}, geometry=gpd.GeoSeries.from_wkt([point]), crs=4326)
        return geozones.assess_frame(gdf, **{arg: value})
    if name == "screen_file":
        return geozones.screen_file(ROOT / "data" / "sample" / "parcels.gpkg", tmp_path / "out.gpkg",
                                    zones=ZoneSet(), opts=ScreenOptions(), **{arg: value})
    if name == "zone_layer":
        return geozones.zone_layer(geozones.StationFrame(load_station()), **{arg: value})
    if name == "write_heightlimit":
        return geozones.write_heightlimit(tmp_path / "out.gpkg", geozones.StationFrame(load_station()),
                                          **{arg: value})
    return getattr(geozones, name)(point, **{arg: value})


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf"), np.float64("nan")])
@pytest.mark.parametrize("name, arg", NUMBER_ARGUMENTS, ids=[f"{n}-{a}" for n, a in NUMBER_ARGUMENTS])
def test_every_number_argument_refuses_nan_and_infinities_naming_it(name, arg, value, tmp_path):
    with pytest.raises(ValueError) as err:
        _call(name, arg, value, tmp_path)
    assert isinstance(err.value, InputError)   # one line on the command line, exit 2
    assert str(err.value).startswith(f"{arg} {float(value)}: must be a ")
    assert not (tmp_path / "out.gpkg").exists()


def test_a_nan_sun_reach_never_turns_a_review_into_a_pass():
    """7.16 km east of the fence, in the sunrise sector, height unknown: H ≤ D × tan 5° may
    be exceeded, so the station's review stands out to the reach (10 km by default). A reach
    that reaches nothing (5 km here) gives a pass: a NaN one did too, silently."""
    from geozones.check import StationNetwork
    from geozones.station import load_station

    site = "POINT (111.65 35.5054)"
    st = load_station()
    r = geozones.check_stations(site, network=StationNetwork([st]))
    assert (r.verdict, r.stations) == ("review", ["jiangxian"]) and r.governing.in_sun_sector
    assert 7000 < r.governing.distance_m < 7300
    assert geozones.check_stations(site, network=StationNetwork([st], sun_reach_m=5000)).verdict == "pass"
    with pytest.raises(ValueError, match="sun_reach_m nan"):
        StationNetwork([st], sun_reach_m=float("nan"))


def test_an_array_keeps_nan_as_unknown_and_a_single_value_is_checked():
    a = geozones.assess(["POINT (111.5745 35.5054)"] * 2, height=[10.0, np.nan])
    assert a.verdict.tolist() == ["pass", "review"]        # NaN in an array: unknown height
    with pytest.raises(ValueError, match=re.escape("height 10001.0: must be a finite number with 0 ≤ x ≤ 10000")):
        geozones.assess(["POINT (111.5745 35.5054)"], height=10001.0)
    with pytest.raises(ValueError, match="floors 2.5: must be a whole number"):
        geozones.check("POINT (111.5745 35.5054)", floors=2.5)


# --- one answer everywhere (issue 23, item 10) --------------------------------------------------

def _every_answer(tmp_path, geoms, heights, kinds, station_path, crs="EPSG:4326"):
    """Per site, (verdict, distance [m], permitted height [m] or None, zone) from check
    --station, check --stations (the station alone, and with the Jiangxian station as a far
    neighbour), screen --station and --stations, and the API's check, check_stations, assess
    and assess_frame."""
    import json
    import shutil

    from click.testing import CliRunner

    from geozones.cli import main
    from geozones.station import default_station_path, load_station

    def nan(v):
        v = None if v is None else float(v)
        return None if v is None or np.isnan(v) else round(v, 3)

    runner = CliRunner()
    alone, pair = tmp_path / "alone", tmp_path / "pair"
    for d in (alone, pair):
        d.mkdir(exist_ok=True)
        shutil.copy(station_path, d)
    if load_station(station_path).id != "jiangxian":
        shutil.copy(default_station_path(), pair)
    gdf = gpd.GeoDataFrame({"h": heights, "k": kinds}, geometry=list(geoms), crs=crs)
    gdf.to_file(tmp_path / "in.gpkg")
    screened = {}
    for name, where in (("screen", ["--station", str(station_path)]), ("screen --stations", ["--stations", str(pair)])):
        out = tmp_path / f"{name.replace(' ', '_')}.gpkg"
        res = runner.invoke(main, ["screen", str(tmp_path / "in.gpkg"), "-o", str(out), "--height-field", "h",
                                   "--kind-field", "k", "-q", "--overwrite", *where])
        assert res.exit_code in (0, 4), res.output
        screened[name] = read_output(out)
    station = load_station(station_path)
    zones = geozones.ZoneSet(station)
    net = geozones.StationNetwork([load_station(p) for p in sorted(pair.iterdir())])
    frame_out = geozones.assess_frame(gdf, height_field="h", kind_field="k", zones=zones)
    many = geozones.assess(list(geoms), height=heights, kind=kinds, crs=crs, zones=zones).to_frame()
    answers = []
    for i, (g, h, k) in enumerate(zip(geoms, heights, kinds)):
        got = {}
        args = ["check", "--footprint", g.wkt, "--height", str(h), "--kind", k, "--crs", crs, "--json"]
        for name, where in (("check", ["--station", str(station_path)]), ("check --stations", ["--stations", str(alone)]),
                            ("check --stations (two)", ["--stations", str(pair)])):
            res = runner.invoke(main, args + where)
            assert res.exit_code == 0, res.output
            out = json.loads(res.output)
            gov = out.get("governing", out)
            got[name] = (out["verdict"], nan(gov["distance_m"]), nan(out["max_height_m"]), gov["zone"])
        r = geozones.check(g, height=h, kind=k, crs=crs, zones=zones)
        got["api check"] = (r.verdict, nan(r.distance_m), nan(r.max_height_m), r.zone)
        s = geozones.check_stations(g, height=h, kind=k, crs=crs, network=net)
        got["api check_stations"] = (s.verdict, nan(s.governing.distance_m), nan(s.max_height_m), s.governing.zone)
        for name, df in (*screened.items(), ("assess_frame", frame_out)):
            row = df.iloc[i]
            got[name] = (row["gz_verdict"], nan(row["gz_distance_m"]), nan(row["gz_max_height_m"]), row["gz_zone"])
        got["api assess"] = (many["verdict"].iloc[i], nan(many["distance_m"].iloc[i]),
                             nan(many["max_height_m"].iloc[i]), many["zone"].iloc[i])
        answers.append(got)
    return answers


def test_one_answer_everywhere_around_the_station(tmp_path, frame):
    """Seven sites around the Jiangxian station (each zone, the sunrise sector, a road, a
    chimney): every command and API function gives the same verdict, distance, permitted
    height and zone, the distance as plain geometry makes it in the frame."""
    from geozones.station import default_station_path

    q = 12.5
    sites = [(shapely.box(-5, q + 30, 5, q + 40), 3.0, "building", 30.0, "fail", 0.0, "protection"),
             (square_north(300.0), 31.0, "building", 300.0, "fail", 30.0, "control"),
             (east(100.0), 9.0, "structure", 100.0, "fail", round(100.0 * TAN5, 3), "control"),
             (shapely.Point(0, q + 1500), 200.0, "building", 1500.0, "review", 150.0, "general"),
             (shapely.Point(0, q + 6000), 20.0, "building", 6000.0, "pass", None, "outside"),
             (shapely.LineString([(-200, q + 70), (200, q + 70)]), 0.0, "road", 70.0, "pass", None, "control"),
             (shapely.Point(-q - 400, -q - 400), 50.0, "chimney", 400 * 2 ** 0.5, "review", 56.569, "control")]
    wgs = from_frame(np.array([s[0] for s in sites], dtype=object), frame.crs, CRS.from_epsg(4326))
    answers = _every_answer(tmp_path, wgs, [s[1] for s in sites], [s[2] for s in sites], default_station_path())
    for (_g, _h, _k, d, verdict, limit, zone), got in zip(sites, answers):
        for name, (v, dist, mh, z) in got.items():
            assert (name, v, z) == (name, verdict, zone)
            assert dist == pytest.approx(d, abs=0.01), name
            assert mh == (None if limit is None else pytest.approx(limit, abs=0.001)), name


@pytest.mark.parametrize("lon", [179.9995, -179.9995])
def test_one_answer_across_the_antimeridian(tmp_path, lon):
    """A station at ±179.9995° and sites just across the antimeridian (a point 0.001° of
    longitude away, a shed straddling ±180°): every command and API function finds the
    station (the station index and 'nearest' look the short way round) and gives the
    distance pyproj.Geod and plain geometry give; a far second station (Jiangxian) changes
    nothing."""
    from conftest import station_file_at
    from geometries import FIELD
    from pyproj import Geod

    lat = 35.504
    path = station_file_at(tmp_path / "st", lon, lat, "dateline")
    geod = Geod(ellps="GRS80")

    def local(g):   # each vertex by its geodesic from the field centre: x = s sin(az), y = s cos(az)
        def fn(x, y):
            az, _b, s = geod.inv(np.full(len(x), lon), np.full(len(x), lat), x, y)
            return s * np.sin(np.radians(az)), s * np.cos(np.radians(az))
        return shapely.transform(g, fn, interleaved=False)

    e = 180.0 - abs(lon)   # 0.0005°: the antimeridian, 45 m east (west) of the field centre
    side = 1 if lon > 0 else -1
    point = shapely.Point(-lon, lat)
    a, b = side * (180.0 - 0.00003), -side * (180.0 - 0.00003)   # 2.7 m either side of ±180°
    shed = shapely.Polygon([(a, lat - 0.00003), (b, lat - 0.00003), (b, lat + 0.00003), (a, lat + 0.00003)])
    d_point, d_shed = shapely.distance(local(point), FIELD), shapely.distance(local(shed), FIELD)
    assert d_point == pytest.approx(90.725 - 12.5, abs=0.01) and e == pytest.approx(0.0005)
    answers = _every_answer(tmp_path, [point, shed], [3.0, 3.0], ["building", "building"], path)
    for d, verdict, zone, got in ((d_point, "pass", "control", answers[0]), (d_shed, "fail", "protection", answers[1])):
        for name, (v, dist, mh, z) in got.items():
            assert (name, v, z) == (name, verdict, zone)
            assert dist == pytest.approx(d, abs=0.01), name
        if zone == "control":   # in the sunrise (sunset) sector: H ≤ D × tan 5°
            assert {mh for _v, _d, mh, _z in got.values()} == {round(d * TAN5, 3)}
