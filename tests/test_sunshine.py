"""The sun table's caches (memo and disk: folder, key, atomic write, a corrupt file recomputed),
the station file's [sunshine] settings, and the figures in check, its text and its JSON."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

import geozones.sunshine as sunshine
from geozones.core.sunshine import SunTable
from geozones.errors import InputError, StationFileError
from geozones.station import default_station_path, load_station, loads_station
from geozones.sunshine import CACHE_ENV, cache_dir, cache_dir_from, sun_table, use_cache_dir


@pytest.fixture
def folder(tmp_path):
    """The cache in tmp_path for one test, the session's again after."""
    before = cache_dir()
    use_cache_dir(tmp_path)
    yield tmp_path
    use_cache_dir(before)


@pytest.fixture
def fake(monkeypatch, folder):
    """The cache in tmp_path, the memo empty, and pvlib replaced by a 3-minute table (counted)."""
    monkeypatch.setattr(sunshine, "_MEMO", {})
    calls = []

    def compute(station, year, model):
        calls.append((year, model))
        return SunTable.build([600, 601, 602], [1.0, 2.0, 3.0], [90.0, 91.0, 92.0], [False, True, True], year)

    monkeypatch.setattr(sunshine, "_compute", compute)
    return calls


def test_cache_folder_from_env_then_xdg(tmp_path, folder):
    assert cache_dir() == folder
    assert cache_dir_from({CACHE_ENV: str(tmp_path / "a"), "XDG_CACHE_HOME": "/x"}) == tmp_path / "a"
    assert cache_dir_from({"XDG_CACHE_HOME": str(tmp_path / "x")}) == tmp_path / "x" / "geozones"
    assert cache_dir_from({}).parts[-2:] == (".cache", "geozones")


def test_the_command_line_reads_the_cache_folder_at_its_edge(tmp_path, folder):
    from click.testing import CliRunner

    from geozones.cli import main

    res = CliRunner().invoke(main, ["check", "--footprint", "POINT (111.5745 35.5054)", "--height", "10"],
                             env={CACHE_ENV: str(tmp_path / "edge")})
    assert res.exit_code == 0, res.output
    assert cache_dir() == tmp_path / "edge" and list((tmp_path / "edge").glob("sun-*.npz"))


def test_computed_once_then_memo_then_disk(fake, tmp_path):
    st = load_station()
    t1 = sun_table(st)
    assert len(fake) == 1 and t1.minute.tolist() == [600, 601, 602]
    files = list(tmp_path.glob("sun-*.npz"))
    assert len(files) == 1
    assert sun_table(st) is t1                        # memo
    sunshine._MEMO.clear()
    t2 = sun_table(st)                                # disk
    assert len(fake) == 1 and t2.minute.tolist() == t1.minute.tolist()
    assert not [p for p in tmp_path.iterdir() if p.suffix != ".npz"]   # no temporary left


def test_key_holds_year_and_model(fake, tmp_path):
    st = load_station()
    sun_table(st)
    sun_table(st, year=2024)
    sun_table(dataclasses.replace(st, sunshine_clear_sky="simplified_solis"))
    sun_table(dataclasses.replace(st, latitude_deg=36.0))
    assert fake == [(2025, "ineichen"), (2024, "ineichen"), (2025, "simplified_solis"), (2025, "ineichen")]
    assert len(list(tmp_path.glob("sun-*.npz"))) == 4


@pytest.mark.parametrize("damage", ["garbage", "truncated", "wrong facts", "bad values"])
def test_corrupt_cache_is_recomputed_not_trusted(fake, tmp_path, damage):
    st = load_station()
    sun_table(st)
    path = next(tmp_path.glob("sun-*.npz"))
    if damage == "garbage":
        path.write_bytes(b"not a zip at all")
    elif damage == "truncated":
        path.write_bytes(path.read_bytes()[:100])
    else:
        with np.load(path) as z:
            arrays = {k: z[k] for k in z.files}
        if damage == "wrong facts":
            facts = json.loads(str(arrays["facts"]))
            facts["year"] = 1999
            arrays["facts"] = np.array(json.dumps(facts, sort_keys=True))
        else:
            arrays["elevation_deg"] = np.array([1.0, np.nan, 3.0])
        with open(path, "wb") as fh:
            np.savez(fh, **arrays)
    sunshine._MEMO.clear()
    t = sun_table(st)
    assert len(fake) == 2 and t.elevation_deg.tolist() == [1.0, 2.0, 3.0]
    sunshine._MEMO.clear()
    sun_table(st)
    assert len(fake) == 2                              # the file was replaced by a good one


def test_unwritable_cache_still_answers(fake, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    use_cache_dir(blocker / "sub")
    assert len(sun_table(load_station())) == 3


def test_unknown_model_is_refused(fake):
    with pytest.raises(InputError, match="simplified_solis"):
        sun_table(load_station(), model="haurwitz")


def _station_text(extra: str) -> str:
    return default_station_path().read_text(encoding="utf-8").replace("[sunshine]\n", "[sunshine]\n" + extra, 1)


def test_station_sunshine_settings():
    st = load_station()
    assert (st.sunshine_recorder_height_m, st.sunshine_year, st.sunshine_clear_sky, st.sunshine_utc_offset_h) \
        == (1.5, 2025, "ineichen", 8.0)
    text = default_station_path().read_text(encoding="utf-8")
    for key in ("recorder_height_m", "reference_year", "clear_sky_model", "utc_offset_h"):
        text = "\n".join(line for line in text.splitlines() if not line.startswith(key + " "))
    bare = loads_station(text)
    assert (bare.sunshine_recorder_height_m, bare.sunshine_year) == (1.5, 2025)


@pytest.mark.parametrize("line, field", [('clear_sky_model = "haurwitz"\n', "clear_sky_model"),
                                         ("reference_year = 2025.5\n", "reference_year"),
                                         ("recorder_height_m = -1\n", "recorder_height_m")])
def test_station_sunshine_settings_refused(line, field):
    text = default_station_path().read_text(encoding="utf-8")
    key = line.split(" ")[0]
    text = "\n".join(ln for ln in text.splitlines() if not ln.startswith(key + " "))
    with pytest.raises(StationFileError, match=field):
        loads_station(text.replace("[sunshine]\n", "[sunshine]\n" + line, 1))


def test_check_gives_the_figures_text_and_json():
    from geozones.api import check
    from geozones.report import format_check

    # 60 m wide, 60-80 m south of the field centre, 60 m high: hides winter noons
    wkt = "POLYGON ((-30 -80, 30 -80, 30 -60, -30 -60, -30 -80))"
    st = load_station()
    from geozones.core.zones import StationFrame

    r = check(wkt, height=60.0, crs=StationFrame(st).crs)
    s = r.sunshine
    assert s["sun_blocked_min_per_year"] > 10000 and s["worst_month"] == 12
    assert s["year"] == 2025 and s["recorder_height_m"] == 1.5 and s["clear_sky_model"] == "ineichen"
    assert json.loads(json.dumps(r.to_dict()))["sunshine"]["worst_month"] == 12
    assert any("120 W/m²" in a for a in r.assumptions)
    assert f"{s['sun_blocked_min_per_year']:,} min/year" in format_check(r, "en", st)
    assert "日照损失" in format_check(check(wkt, height=60.0, crs=StationFrame(st).crs, lang="zh"), "zh", st)
    assert check(wkt, kind="road", crs=StationFrame(st).crs).sunshine is None      # no height: no figures


def test_assess_frame_and_screen_sun_columns(tmp_path):
    import geopandas as gpd
    import shapely

    from geozones.api import assess_frame
    from geozones.check import ZoneSet
    from geozones.core.zones import StationFrame
    from geozones.screen import SHAPEFILE_NAMES, SUN_COLUMNS, output_columns

    st = load_station()
    crs = StationFrame(st).crs
    # the tall block south of the field (winter noons), a wall 200 m east (equinox sunrises,
    # 461 minutes: tests/test_core_sunshine.py), a block due north (nothing), no height
    geoms = [shapely.box(-30, -80, 30, -60), shapely.box(200, -17.5, 201, 17.5), shapely.box(-20, 100, 20, 130),
             shapely.box(-20, 300, 20, 330)]
    gdf = gpd.GeoDataFrame({"h": [60.0, 8.5, 30.0, None]}, geometry=geoms, crs=crs)
    out = assess_frame(gdf, height_field="h", sun=True)
    assert out["gz_sun_worst_month"].tolist() == [12, 3, 0, 0]
    assert out["gz_sun_blocked_min"].tolist()[1:3] == [461.0, 0.0]
    assert out["gz_sun_blocked_min"].iloc[0] > 10000 and np.isnan(out["gz_sun_blocked_min"].iloc[3])
    assert out["gz_sunshine_loss_h"].iloc[1] == 0.0       # the sun just risen is not WMO sunshine
    assert assess_frame(gdf, height_field="h")["gz_sun_blocked_min"].tolist()[1:3] == [461.0, 0.0]  # the default
    assert "gz_sun_blocked_min" not in assess_frame(gdf, height_field="h", sun=False).columns
    cols = output_columns(ZoneSet(st), sun=True)
    assert cols[-4:] == (*SUN_COLUMNS, "gz_status")
    assert all(len(SHAPEFILE_NAMES[c]) <= 10 for c in SUN_COLUMNS)


def test_cli_screen_sun_and_check_json(tmp_path):
    import geopandas as gpd
    import shapely
    from click.testing import CliRunner
    from pyproj import CRS

    from geozones.cli import main
    from geozones.core.coords import from_frame
    from geozones.core.zones import StationFrame

    frame = StationFrame(load_station())
    geoms = from_frame(np.array([shapely.box(200, -17.5, 201, 17.5), shapely.box(-20, 100, 20, 130)], dtype=object),
                       frame.crs, CRS.from_epsg(4546))
    src = tmp_path / "in.gpkg"
    gpd.GeoDataFrame({"h": [8.5, 30.0]}, geometry=geoms, crs=4546).to_file(src)
    out = tmp_path / "out.shp"
    res = CliRunner().invoke(main, ["screen", str(src), "-o", str(out), "--height-field", "h", "-q"])   # on by default
    assert res.exit_code == 0, res.output
    back = gpd.read_file(out)
    assert back["gz_sun_min"].tolist() == [461.0, 0.0] and back["gz_sun_mon"].tolist() == [3, 0]
    plain = tmp_path / "plain.gpkg"
    assert CliRunner().invoke(main, ["screen", str(src), "-o", str(plain), "--height-field", "h", "--no-sun",
                                     "-q"]).exit_code == 0
    assert "gz_sun_blocked_min" not in gpd.read_file(plain, layer="in").columns
    res = CliRunner().invoke(main, ["check", "--footprint", geoms[0].wkt, "--crs", "EPSG:4546", "--height", "8.5",
                                    "--json"])
    assert res.exit_code == 0, res.output
    s = json.loads(res.output)["sunshine"]
    assert (s["sun_blocked_min_per_year"], s["first_date"], s["last_date"], s["days"]) == (461, "2025-03-10",
                                                                                          "2025-10-03", 48)
