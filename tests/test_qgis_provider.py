"""The QGIS Processing provider (``qgis/geozones_qgis``) run headless in Debian's QGIS.

The algorithms run through ``processing.run`` in a Python where QGIS and this checkout's
geozones both import: ``GEOZONES_QGIS_PYTHON`` or ``.venv-qgis/bin/python`` at the repository
root (``.ci/run`` makes it: ``python3-qgis`` and a ``--system-site-packages`` virtualenv), by
``qgis/run_provider.py`` in one subprocess. Their outputs are compared here, in this
environment, with the command line's on the same input (``geozones screen``, ``zones``,
``heightlimit``), and the screened numbers with distances and limits worked out by hand
(D from the fence by construction; H ≤ D/10 in the control zone, Art. 12.3 (2) ⑥; nothing
within 50 m, Art. 12.2). Skipped where that Python is missing, unless ``CI=true``: then the
missing QGIS fails the tests instead of hiding them (as ``tests/pg.py`` does for PostGIS).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from click.testing import CliRunner
from geometries import FIELD

from geozones.cli import main
from geozones.core.coords import parse_crs, transform_geoms
from geozones.core.zones import StationFrame
from geozones.station import load_station

ROOT = Path(__file__).resolve().parents[1]
CRS = "EPSG:4546"   # CGCS2000 / 3-degree Gauss-Kruger CM 111E: the input is projected, not WGS84
HALF = 12.5
#: (pid, distance north of the fence D [m], height [m] or None, storeys or None, kind or None)
#: and what the rules say by hand: zone, permitted height H [m] (None: not limited), verdict.
SITES = [
    (0, 20.0, 5.0, None, "building", "protection", 0.0, "fail"),     # within 50 m: nothing stands
    (1, 300.0, 40.0, None, "building", "control", 30.0, "fail"),     # 300 / 10 = 30 < 40
    (2, 300.0, 10.0, None, None, "control", 30.0, "pass"),           # no kind: a building
    (3, 800.0, None, 3, "building", "control", 80.0, "pass"),        # 3 storeys × 3 m = 9 ≤ 80
    (4, 600.0, 70.0, None, "building", "control", 60.0, "fail"),     # 600 / 10 = 60 < 70
]


def qgis_python() -> Path:
    """The Python with QGIS and this checkout's geozones; skip (or fail under CI) without it."""
    python = Path(os.environ.get("GEOZONES_QGIS_PYTHON") or ROOT / ".venv-qgis" / "bin" / "python")
    why = None
    if not python.exists():
        why = f"no {python} (.ci/run makes it)"
    else:
        probe = subprocess.run([str(python), "-c", "import qgis.core, geozones; print(geozones.__file__)"],
                               capture_output=True, text=True, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
        if probe.returncode != 0:
            why = f"{python} cannot import qgis.core and geozones: {probe.stderr.strip()[-300:]}"
        elif Path(probe.stdout.strip()).parent != ROOT / "geozones":
            why = f"{python} imports geozones from {probe.stdout.strip()}, not from this checkout"
    if why:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"QGIS (python3-qgis with geozones) is needed under CI: {why}")
        pytest.skip(f"no QGIS here: {why}")
    return python


def _sites_layer(path: Path, n_extra: int = 0) -> None:
    """The SITES as 10 m squares (south edge D north of the fence), built in the station frame
    and written in CRS; ``n_extra`` more squares 300 m out for the cancel run."""
    frame = StationFrame(load_station())
    rows, local = [], []
    for pid, d, h, fl, kind, *_ in SITES:
        rows.append({"pid": pid, "height": h, "floors": fl, "kind": kind})
        local.append(shapely.box(-5, HALF + d, 5, HALF + d + 10))
    for i in range(n_extra):
        rows.append({"pid": 100 + i, "height": 10.0, "floors": None, "kind": "building"})
        local.append(shapely.box(-5 + 12 * (i % 40), HALF + 300 + 12 * (i // 40), 5 + 12 * (i % 40), HALF + 310 + 12 * (i // 40)))
    geoms = transform_geoms(np.asarray(local, dtype=object), frame.crs, parse_crs(CRS))
    gpd.GeoDataFrame(rows, geometry=list(geoms), crs=CRS).to_file(path)


@pytest.fixture(scope="module")
def qgis_run(tmp_path_factory):
    """Every algorithm run once in QGIS (one subprocess); the spec, the folder and the result."""
    python = qgis_python()
    d = tmp_path_factory.mktemp("qgis")
    _sites_layer(d / "sites.gpkg")
    _sites_layer(d / "many.gpkg", n_extra=1200)
    fields = {"HEIGHT_FIELD": "height", "FLOORS_FIELD": "floors", "KIND_FIELD": "kind"}
    spec = [
        {"name": "screen", "algorithm": "geozones:screen",
         "parameters": {"INPUT": str(d / "sites.gpkg"), **fields, "OUTPUT": str(d / "q_screen.gpkg")}},
        {"name": "screen_zh", "algorithm": "geozones:screen",
         "parameters": {"INPUT": str(d / "sites.gpkg"), **fields, "LANG": 1, "OUTPUT": str(d / "q_screen_zh.gpkg")}},
        {"name": "screen_nosun", "algorithm": "geozones:screen",
         "parameters": {"INPUT": str(d / "sites.gpkg"), **fields, "SUN": False, "OUTPUT": str(d / "q_nosun.gpkg")}},
        {"name": "screen_cancel", "algorithm": "geozones:screen", "cancel_after": 1,
         "parameters": {"INPUT": str(d / "many.gpkg"), **fields, "OUTPUT": str(d / "q_cancel.gpkg")}},
        {"name": "zones", "algorithm": "geozones:zones",
         "parameters": {"CRS": CRS, "OUTPUT": str(d / "q_zones.gpkg")}},
        {"name": "heightlimit", "algorithm": "geozones:heightlimit",
         "parameters": {"EXTENT": 300, "RESOLUTION": 10, "OUTPUT": str(d / "q_hl.tif")}},
        {"name": "heightlimit_crs", "algorithm": "geozones:heightlimit",
         "parameters": {"EXTENT": 300, "RESOLUTION": 10, "CRS": CRS, "OUTPUT": str(d / "q_hl_crs.tif")}},
        {"name": "heightlimit_cancel", "algorithm": "geozones:heightlimit", "cancel_after": 1,
         "parameters": {"EXTENT": 3000, "RESOLUTION": 5, "OUTPUT": str(d / "q_hl_cancel.tif")}},
    ]
    (d / "spec.json").write_text(json.dumps(spec), encoding="utf-8")
    res = subprocess.run([str(python), str(ROOT / "qgis" / "run_provider.py"), str(d / "spec.json"),
                          str(d / "result.json")], capture_output=True, text=True, timeout=300,
                         env={**os.environ, "QT_QPA_PLATFORM": "offscreen"}, cwd=d)
    assert res.returncode == 0, res.stderr[-2000:]
    result = json.loads((d / "result.json").read_text(encoding="utf-8"))
    for name, run in result["runs"].items():
        assert "error" not in run, (name, run["error"])
    return d, result


def _cli(*args: str) -> None:
    res = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert res.exit_code == 0, res.output


def _gz(path: Path) -> gpd.GeoDataFrame:
    return gpd.read_file(path, layer=0).sort_values("pid").reset_index(drop=True)


def _same(a, b) -> bool:
    """Equal values, NaN and None (NULL) alike."""
    missing = lambda v: v is None or (isinstance(v, float) and np.isnan(v))
    if missing(a) or missing(b):
        return missing(a) and missing(b)
    return a == b


def test_the_provider_registers_three_algorithms_and_unloads(qgis_run):
    _, result = qgis_run
    assert result["algorithms"] == ["geozones:heightlimit", "geozones:screen", "geozones:zones"]
    assert result["unloaded"]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_screen_gives_every_feature_the_gz_fields_of_geozones_screen(qgis_run, lang):
    d, result = qgis_run
    _cli("screen", str(d / "sites.gpkg"), "-o", str(d / f"cli_{lang}.gpkg"), "--height-field", "height",
         "--floors-field", "floors", "--kind-field", "kind", "--lang", lang, "-q", "--overwrite")
    cli = _gz(d / f"cli_{lang}.gpkg")
    ours = _gz(d / ("q_screen.gpkg" if lang == "en" else "q_screen_zh.gpkg"))
    gz = [c for c in cli.columns if c.startswith("gz_")]
    assert len(gz) == 14 and gz[-4:-1] == ["gz_sun_blocked_min", "gz_sunshine_loss_h", "gz_sun_worst_month"]
    assert [c for c in ours.columns if c.startswith("gz_")] == gz
    assert len(ours) == len(cli) == len(SITES)
    nosun = [c for c in _gz(d / "q_nosun.gpkg").columns if c.startswith("gz_")]
    assert nosun == [c for c in gz if not c.startswith("gz_sun")]     # SUN off: the figures left out
    for i in range(len(cli)):
        for c in ["pid", "height", "floors", "kind", *gz]:
            assert _same(ours.at[i, c], cli.at[i, c]), (i, c, ours.at[i, c], cli.at[i, c])
    # and the numbers by hand: D by construction (and by shapely to the fence), H ≤ D/10
    frame = StationFrame(load_station())
    local = transform_geoms(ours.geometry.values, parse_crs(CRS), frame.crs)
    for (pid, d_m, _h, _fl, _k, zone, limit, verdict), row, g in zip(SITES, ours.itertuples(), local):
        assert row.pid == pid and (row.gz_zone, row.gz_verdict) == (zone, verdict)
        assert row.gz_distance_m == pytest.approx(d_m, abs=0.01) == float(shapely.distance(g, FIELD))
        assert row.gz_max_height_m == pytest.approx(limit, abs=0.01)


def test_screen_keeps_the_input_crs_and_geometry_and_is_styled_by_verdict(qgis_run):
    d, result = qgis_run
    run = result["runs"]["screen"]
    assert (run["features"], run["crs"]) == (len(SITES), CRS)
    assert (run["renderer"], run["renderer_field"]) == ("categorizedSymbol", "gz_verdict")
    # the colours geozones writes into screen's GeoPackage (geozones/styles.py)
    assert run["categories"] == [["pass", "#1a9850"], ["review", "#fdae61"], ["fail", "#d73027"], ["error", "#969696"]]
    ours, given = _gz(d / "q_screen.gpkg"), _gz(d / "sites.gpkg")
    assert ours.crs == given.crs
    assert all(a.equals_exact(b, 1e-9) for a, b in zip(ours.geometry, given.geometry))
    assert run["progress"][-1] == 100.0


def test_cancel_stops_screen_between_chunks(qgis_run):
    d, result = qgis_run
    run = result["runs"]["screen_cancel"]
    # 1205 features in chunks of 500: canceled at the first progress report (500 done, 41.5 %)
    assert run["canceled"] and run["progress"][0] == pytest.approx(100 * 500 / 1205, abs=0.01)
    assert run["features"] == 500


def test_zones_gives_the_bands_of_geozones_zones_styled_by_zone(qgis_run):
    d, result = qgis_run
    _cli("zones", "-o", str(d / "cli_zones.gpkg"), "--crs", CRS, "--overwrite")
    cli, ours = gpd.read_file(d / "cli_zones.gpkg", layer=0), gpd.read_file(d / "q_zones.gpkg", layer=0)
    assert ours.crs == cli.crs == parse_crs(CRS)
    assert list(ours.columns) == list(cli.columns)
    assert ours["zone"].tolist() == cli["zone"].tolist() == ["body", "protection", "control", "general",
                                                             "sunrise", "sunset", "pilot:pinglu"]
    for c in ours.columns:
        if c != "geometry":
            assert all(_same(a, b) for a, b in zip(ours[c], cli[c])), c
    assert all(abs(a.area - b.area) < 1e-6 * b.area and a.symmetric_difference(b).area < 1e-6 * b.area
               for a, b in zip(ours.geometry, cli.geometry))
    # the protection band by hand: the 25 m field grown by 50 m with round corners, less the field
    band = ours.geometry[1].area
    assert band == pytest.approx((125**2 - 4 * 50**2 + np.pi * 50**2) - 25**2, rel=2e-3)
    run = result["runs"]["zones"]
    assert (run["renderer"], run["renderer_field"]) == ("categorizedSymbol", "zone")
    assert dict(run["categories"])["control"] == "#fc8d59"


@pytest.mark.parametrize("name, crs", [("heightlimit", None), ("heightlimit_crs", CRS)])
def test_heightlimit_gives_the_raster_of_geozones_heightlimit(qgis_run, name, crs):
    import rasterio

    d, result = qgis_run
    out = d / f"cli_{name}.tif"
    _cli("heightlimit", "-o", str(out), "--extent", "300", "--resolution", "10", "-q",
         *(["--crs", crs] if crs else []))
    with rasterio.open(out) as a, rasterio.open(result["runs"][name]["outputs"]["OUTPUT"]) as b:
        assert (b.width, b.height) == (a.width, a.height) == (60, 60)
        assert b.transform == a.transform and b.crs == a.crs and b.nodata == a.nodata
        va, vb = a.read(1), b.read(1)
    assert np.array_equal(va, vb)
    if crs is None:   # in the station frame, by hand: the grid's top-left corner is (−300, 300)
        # row 1, column 30 is centred on (5, 285): D = 285 − 12.5 = 272.5 m north, H = D / 10
        assert vb[1, 30] == pytest.approx(27.25, abs=0.01)
        assert vb[29, 29] == 0.0   # centred on (−5, 5), in the field: nothing may stand


def test_cancel_stops_heightlimit_and_writes_nothing(qgis_run):
    d, result = qgis_run
    run = result["runs"]["heightlimit_cancel"]
    assert run["canceled"] and run["outputs"] == {}
    assert 0 < run["progress"][0] < 100 and not (d / "q_hl_cancel.tif").exists()


def test_plugin_zip_holds_the_plugin_folder_at_its_top(tmp_path):
    """The zip for QGIS's plugin manager (no QGIS needed): geozones_qgis/ at its top, with
    metadata.txt declaring the Processing provider and the package's version."""
    import geozones

    out = tmp_path / "geozones_qgis.zip"
    res = subprocess.run([sys.executable, str(ROOT / "qgis" / "build_zip.py"), "-o", str(out)],
                         capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    with zipfile.ZipFile(out) as z:
        names = z.namelist()
        meta = z.read("geozones_qgis/metadata.txt").decode("utf-8")
    assert {n.split("/")[0] for n in names} == {"geozones_qgis"}
    assert {"geozones_qgis/__init__.py", "geozones_qgis/provider.py", "geozones_qgis/algorithms.py"} <= set(names)
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
    assert "hasProcessingProvider=yes" in meta.splitlines()
    assert f"version={geozones.__version__}" in meta.splitlines()
