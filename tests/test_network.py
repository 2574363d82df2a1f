"""One station is a network of one (geozones.core.network.assess_stations): a station given
alone and the same station given as a one-station network answer alike, with the numbers
worked out by hand here.

Geometry is placed in the Jiangxian frame with pyproj directly (the frame is an azimuthal
equidistant projection centred on the field, +lat_0=35.504 +lon_0=111.571, y north), the
fence is the 25 m square around the centre, and the rules are the station file's:

* 336.8 m ENE of the fence (the NE corner's outward direction, azimuth 67.5°, inside the
  sunrise sector 60.1°-118.6°): the sun rule H ≤ D·tan 5° = 29.466 m binds before the
  control zone's 0.1·D = 33.68 m;
* 1500 m north: the general zone (1000-2000 m, no sun sector): general_height, 0.1·D =
  150 m, a review above it;
* 30 km north: beyond every zone and the sun reach (10 km): a station given alone still
  answers for the row (outside, pass, D = 30 000 m); a network finds no station in reach.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import CRS, Transformer

from geozones.check import StationNetwork, ZoneSet
from geozones.core.network import govern
from geozones.screen import COLUMNS, STATION_COLUMNS, SUN_COLUMNS, ScreenOptions, output_columns, screen_chunk
from geozones.station import load_station

TAN5 = math.tan(math.radians(5.0))
HALF = 12.5
FRAME = CRS.from_proj4("+proj=aeqd +lat_0=35.504 +lon_0=111.571 +x_0=0 +y_0=0 +ellps=GRS80 +units=m")
WGS84 = CRS.from_epsg(4326)
TO_WGS84 = Transformer.from_crs(FRAME, WGS84, always_xy=True)


def _wgs84(x: float, y: float) -> shapely.Point:
    return shapely.Point(*TO_WGS84.transform(x, y))


def _ene(d: float) -> shapely.Point:
    """``d`` metres from the fence's NE corner, azimuth 67.5°: the corner is the nearest
    fence point (the direction points away from both the north and the east side)."""
    az = math.radians(67.5)
    return _wgs84(HALF + d * math.sin(az), HALF + d * math.cos(az))


def _north(d: float) -> shapely.Point:
    return _wgs84(0.0, HALF + d)


@pytest.fixture(scope="module")
def both():
    """The same rows screened against the station given alone and as a network of one."""
    station = load_station()
    rows = [_ene(336.8), _north(1500.0), _north(1500.0), _north(30_000.0), None]
    df = pd.DataFrame({"H": [40.0, 160.0, 140.0, 10.0, 5.0]})
    geoms = np.array(rows, dtype=object)
    opts = ScreenOptions(height_field="H")
    alone = screen_chunk(df, geoms, geoms, WGS84, ZoneSet(station), opts)
    network = screen_chunk(df, geoms, geoms, WGS84, StationNetwork([station]), opts)
    return alone, network


def test_336_8_m_ene_is_limited_by_the_sun_rule(both):
    for res in both:
        row = res.columns.iloc[0]
        assert row["gz_distance_m"] == pytest.approx(336.8, abs=0.002)
        assert row["gz_max_height_m"] == pytest.approx(336.8 * TAN5, abs=0.002)   # 29.47 m
        assert round(row["gz_max_height_m"], 2) == 29.47
        assert row["gz_verdict"] == "fail" and row["gz_zone"] == "control"
        assert row["gz_exceedance_m"] == pytest.approx(40.0 - 336.8 * TAN5, abs=0.002)
        assert "sun_sector" in row["gz_rules"].split(",")


def test_1500_m_north_is_reviewed_above_150_m(both):
    for res in both:
        over, under = res.columns.iloc[1], res.columns.iloc[2]
        assert over["gz_zone"] == under["gz_zone"] == "general"
        assert over["gz_max_height_m"] == under["gz_max_height_m"] == pytest.approx(150.0, abs=0.002)
        assert over["gz_verdict"] == "review" and over["gz_rules"] == "general_height"
        assert over["gz_exceedance_m"] == pytest.approx(10.0, abs=0.002)
        assert under["gz_verdict"] == "pass" and under["gz_rules"] == ""


def test_the_two_agree_on_every_shared_column_in_reach(both):
    alone, network = both
    shared = [c for c in COLUMNS if c not in ("gz_message",)]
    near = [0, 1, 2, 4]   # in reach, or an error
    pd.testing.assert_frame_equal(alone.columns.loc[near, shared], network.columns.loc[near, shared])
    assert np.array_equal(alone.residential, network.residential)
    assert np.allclose(alone.floor_area, network.floor_area, equal_nan=True)


def test_which_columns_depends_on_how_the_station_was_given(both):
    alone, network = both
    assert COLUMNS == output_columns(ZoneSet(load_station()), sun=False)
    assert tuple(alone.columns.columns) == output_columns(ZoneSet(load_station())) == (*COLUMNS[:-1], *SUN_COLUMNS,
                                                                                      "gz_status")
    named = output_columns(StationNetwork([load_station()]))
    assert tuple(network.columns.columns) == named
    assert named[-6:] == (*STATION_COLUMNS, *SUN_COLUMNS, "gz_status")
    assert network.columns["gz_station"].tolist() == ["jiangxian"] * 3 + ["", ""]
    # one station gives no --long rows or counts unless given as a network
    assert alone.long is None and alone.counts is None
    assert network.counts["pairs"] == 3 and network.counts["no_station"] == 1


def test_a_station_given_alone_answers_at_any_distance(both):
    alone, network = both
    a, n = alone.columns.iloc[3], network.columns.iloc[3]
    assert a["gz_verdict"] == "pass" and a["gz_zone"] == "outside"
    assert a["gz_distance_m"] == pytest.approx(30_000.0, abs=0.01)
    # north, in no sun sector and beyond the general zone: no rule limits the height
    assert np.isnan(a["gz_max_height_m"]) and a["gz_message"] == "pass · outside the protection zones"
    # the network of one: beyond the station's reach (10 km sun reach), so no station
    assert n["gz_verdict"] == "pass" and n["gz_zone"] == "outside" and np.isnan(n["gz_distance_m"])
    assert n["gz_station"] == "" and n["gz_message"] == "pass · no station within 10 km"


def test_an_empty_row_is_an_error_in_both(both):
    for res in both:
        row = res.columns.iloc[4]
        assert row["gz_verdict"] == "error" and row["gz_status"].startswith("error: ")
        assert row["gz_message"] == "" and row["gz_rules"] == ""


def test_govern_one_pair_a_row():
    """Rows with one station each: that pair governs, its limit is the row's."""
    g = govern(np.array([0, 2]), np.array([3, 1]), np.array([8.75, np.nan]), np.array([100.0, 5.0]),
               np.array([0, 1]), 4)
    assert g.pair.tolist() == [0, -1, 1, -1]
    assert g.max_height_m[0] == 8.75 and np.isnan(g.max_height_m[1:]).all()
    assert g.count.tolist() == [1, 0, 1, 0]
