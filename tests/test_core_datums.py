"""GCJ-02 / BD-09 input: the iterated inverse's accuracy, and every place coordinates are read.

The datum's definition is its forward formula (WGS84 → GCJ-02 → BD-09, from coordTransform);
the inverse is ours, so it is measured here against points whose WGS84 position is known:
take a WGS84 grid, move it forward, bring it back, and measure the geodesic distance.
"""

import json

import geopandas as gpd
import numpy as np
import pytest
import shapely
from click.testing import CliRunner
from conftest import HALF, TAN5, square_north
from pyproj import CRS, Geod

import geozones
from geozones.cli import main
from geozones.core.coords import crs_label, from_frame, parse_crs
from geozones.core.datums import INVERSE_TOLERANCE_M, DatumCRS, from_wgs84, to_wgs84

GEOD = Geod(ellps="WGS84")
#: The README's worked example (WGS84): D = 336.8 m, permitted 29.47 m.
README = ("POLYGON((111.5745 35.5054, 111.5750 35.5054, 111.5750 35.5058, 111.5745 35.5058, "
          "111.5745 35.5054))")


def _shift(geom, datum):
    """A WGS84 geometry as the numbers a Chinese web map would show for it."""
    return shapely.transform(geom, lambda c: np.column_stack(from_wgs84(c[:, 0], c[:, 1], datum)))


@pytest.mark.parametrize("datum", ["GCJ-02", "BD-09"])
@pytest.mark.parametrize("bounds, step", [
    ((110.2, 34.5, 114.6, 40.8), 0.02),     # Shanxi
    ((73.8, 18.0, 134.9, 53.4), 0.25),      # mainland China (coordTransform's box)
])
def test_inverse_within_half_a_metre(datum, bounds, step):
    lon, lat = np.meshgrid(np.arange(bounds[0], bounds[2], step), np.arange(bounds[1], bounds[3], step))
    lon, lat = lon.ravel(), lat.ravel()
    glon, glat = from_wgs84(lon, lat, datum)
    _, _, shift = GEOD.inv(lon, lat, glon, glat)
    assert shift.max() > 300.0            # the offset is real: hundreds of metres
    wlon, wlat = to_wgs84(glon, glat, datum)
    _, _, err = GEOD.inv(lon, lat, wlon, wlat)
    # measured here: max 0.0002 m over China at 0.05° (869,040 points); bound: the stop tolerance
    assert err.max() <= INVERSE_TOLERANCE_M <= 0.5


def test_one_step_inverse_is_not_enough():
    """coordTransform's own gcj02_to_wgs84 is a single step: metres off, hence the iteration."""
    import coordTransform

    lon, lat = np.meshgrid(np.arange(100.0, 120.0, 0.5), np.arange(25.0, 45.0, 0.5))
    glon, glat = from_wgs84(lon.ravel(), lat.ravel(), "GCJ-02")
    olon, olat = coordTransform.gcj02_to_wgs84(glon, glat)
    _, _, err = GEOD.inv(lon.ravel(), lat.ravel(), np.asarray(olon), np.asarray(olat))
    assert err.max() > 1.0


@pytest.mark.parametrize("text", ["GCJ-02", "GCJ02", "gcj02", "gcj-02", "BD-09", "BD09", "bd09"])
def test_spellings(text):
    crs = parse_crs(text)
    assert isinstance(crs, DatumCRS)
    assert crs_label(crs) == ("GCJ-02" if "g" in text.lower() else "BD-09")
    assert crs != CRS.from_epsg(4326) and crs.is_geographic


def test_readme_example_in_gcj02_fails_at_336_8_m(frame):
    """The issue's case: the worked example copied from Gaode must fail at D = 336.8 m."""
    gcj = _shift(shapely.from_wkt(README), "GCJ-02")
    r = geozones.check(gcj, height=31, crs="GCJ-02")
    assert r.verdict == "fail" and r.crs == "GCJ-02"
    assert r.distance_m == pytest.approx(336.82, abs=0.02)
    assert r.max_height_m == pytest.approx(336.82 * TAN5, abs=0.01)
    # read as WGS84 (the default) the same numbers pass ~520 m further out; the output says
    # web-map numbers need --crs, and that read as GCJ-02 the verdict would be fail
    plain = geozones.check(gcj, height=31)
    assert plain.verdict == "pass" and plain.distance_m > 800
    text = " ".join(plain.assumptions)
    assert "--crs GCJ-02" in text
    said = " ".join(plain.datum_warning["message"])   # said first, not among the assumptions
    assert "Read as GCJ-02" in said and "FAIL" in said and "336.82" in said and "Read as" not in text


def test_hint_without_verdict_change_and_not_when_crs_given(frame):
    far = from_frame(np.array([square_north(1500.0)], dtype=object), frame.crs, CRS.from_epsg(4326))[0]
    r = geozones.check(far, height=10)
    text = " ".join(r.assumptions)
    assert "--crs GCJ-02" in text and "Read as" not in text
    r = geozones.check(far, height=10, crs="EPSG:4326")
    assert "--crs GCJ-02" not in " ".join(r.assumptions)


def test_assess_and_horizon_and_pilot_boundary(tmp_path, frame):
    wgs = from_frame(np.array([square_north(300.0)], dtype=object), frame.crs, CRS.from_epsg(4326))[0]
    gcj = _shift(wgs, "GCJ-02")
    a = geozones.assess([gcj], height=31, crs="GCJ-02")
    assert a.verdict[0] == "fail"
    assert a.measurements.distance_m[0] == pytest.approx(300.0, abs=0.05)
    # horizon --buildings with --crs: a 31 m block 300 m north seen at atan(31/(300+12.5))
    src = tmp_path / "b.geojson"
    gpd.GeoDataFrame({"height": [31.0]}, geometry=[gcj], crs=4326).to_file(src)
    res = CliRunner().invoke(main, ["horizon", "--buildings", str(src), "--crs", "GCJ-02",
                                    "-o", str(tmp_path / "h.png"), "--csv", str(tmp_path / "h.csv")])
    assert res.exit_code == 0, res.output
    import pandas as pd

    prof = pd.read_csv(tmp_path / "h.csv")
    expect = np.degrees(np.arctan(31.0 / (300.0 + HALF)))
    assert prof["elevation_deg"].max() == pytest.approx(expect, abs=0.01)
    # --pilot-boundary-crs: the shipped boundary shifted into GCJ-02 and read back
    from geozones.pilot import load_pilots, read_boundary

    pinglu = load_pilots()[0].boundary
    shifted = tmp_path / "pinglu_gcj.geojson"
    gpd.GeoDataFrame(geometry=[_shift(pinglu, "GCJ-02")], crs=4326).to_file(shifted)
    back, _ = read_boundary(shifted, "GCJ-02")
    assert back.symmetric_difference(pinglu).area / pinglu.area < 1e-6


def test_pilot_boundary_crs_option(tmp_path):
    """A Pinglu boundary traced on Gaode: warned about without the option, read right with it."""
    from geozones.pilot import load_pilots

    pinglu = load_pilots()[0].boundary
    path = tmp_path / "pinglu_gcj.geojson"
    gpd.GeoDataFrame(geometry=[_shift(pinglu, "GCJ-02")], crs=4326).to_file(path)
    site = pinglu.representative_point().wkt
    runner = CliRunner()
    plain = runner.invoke(main, ["check", "--footprint", site, "--crs", "EPSG:4326", "--pilot-boundary", str(path)])
    assert plain.exit_code == 0 and "--pilot-boundary-crs GCJ-02" in plain.output
    fixed = runner.invoke(main, ["check", "--footprint", site, "--crs", "EPSG:4326", "--pilot-boundary",
                                 str(path), "--pilot-boundary-crs", "GCJ-02", "--json"])
    assert fixed.exit_code == 0, fixed.output
    assert "GCJ-02" not in fixed.output.split("{")[0]       # no warning before the JSON
    assert json.loads(fixed.output[fixed.output.index("{"):])["pilot"]["inside"] is True
