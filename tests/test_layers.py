"""Zone and height-step layers for GIS users (geozones/layers.py), against the station file's
distances and shapely areas worked out in the test."""

import math

import pytest
import shapely
from geometries import B54_TOWGS84, X80_TOWGS84

from geozones.layers import height_steps, zone_layer


def test_zone_bands_have_the_areas_of_minkowski_buffers(frame):
    # the protection band is the 25 m field buffered by 50 m minus the field:
    # (25 + 100)² − (4 − π) · 50² − 25² = 25² + 4·25·50 + π·50² − 25²
    z = zone_layer(frame, crs=frame.crs).set_index("zone")
    assert list(z.loc[["protection", "control"], "from_m"]) == [0.0, 50.0]
    want = 4 * 25 * 50 + math.pi * 50 ** 2
    assert z.loc["protection", "geometry"].area == pytest.approx(want, rel=2e-3)
    field = shapely.box(-12.5, -12.5, 12.5, 12.5)
    ring = field.buffer(1000, quad_segs=64).difference(field.buffer(50, quad_segs=64))
    assert z.loc["control", "geometry"].area == pytest.approx(ring.area, rel=2e-3)
    assert set(z.index) >= {"body", "protection", "control", "general", "sunrise", "sunset"}


def test_height_steps_north_of_the_field_follow_d_over_ten(frame):
    # due north (outside the sun sectors) the limit is D / 10: the 10-20 m band holds
    # D = 100-200 m, i.e. y = 112.5-212.5 in the station frame
    steps = height_steps(frame, step_m=10.0, extent_m=400.0, resolution_m=5.0, crs=frame.crs)
    band = steps[steps["from_m"] == 10.0].union_all()
    assert band.contains(shapely.Point(0, 12.5 + 150))
    assert not band.contains(shapely.Point(0, 12.5 + 250)) and not band.contains(shapely.Point(0, 12.5 + 60))
    nothing = steps[(steps["from_m"] == 0) & (steps["to_m"] == 0)].union_all()
    assert nothing.contains(shapely.Point(0, 12.5 + 25))           # inside 50 m nothing may stand


def test_height_steps_tile_the_grid(frame):
    """Issue 25 item 5: every cell within 800 m has a limit, so the bands tile the 1600 m
    square: their union is the square and their areas add up to it (no gap, no overlap)."""
    steps = height_steps(frame, step_m=10.0, extent_m=800.0, resolution_m=5.0, crs=frame.crs)
    square = shapely.box(-800, -800, 800, 800)
    assert len(steps) > 5
    assert shapely.symmetric_difference(steps.union_all(), square).area < 1e-6
    assert steps.area.sum() == pytest.approx(square.area, abs=1e-6)


def test_a_steps_grid_past_the_cell_limit_is_refused_before_any_work(frame):
    """zones --steps over 100 km at 0.5 m: 1.6·10¹¹ cells (issue 23, D)."""
    import time

    from geozones.errors import InputError

    start = time.perf_counter()
    with pytest.raises(InputError, match="400,000 × 400,000 = 160,000,000,000 cells, more than the limit of 50,000,000"):
        height_steps(frame, 10.0, extent_m=100_000.0, resolution_m=0.5)
    assert time.perf_counter() - start < 1.0
    with pytest.raises(InputError, match="limit of 99"):
        height_steps(frame, 10.0, extent_m=20.0, resolution_m=4.0, max_cells=99)   # 10 × 10 cells
    assert len(height_steps(frame, 10.0, extent_m=20.0, resolution_m=4.0, max_cells=100)) >= 1


def test_height_steps_in_blocks_equal_one_grid(frame, monkeypatch):
    """The grid is evaluated in blocks of rows; a block of 7 rows gives the same bands as one
    block (the layer is the same whatever the block)."""
    import geozones.layers as layers

    whole = height_steps(frame, 10.0, extent_m=300.0, resolution_m=10.0)
    monkeypatch.setattr(layers, "_BLOCK_CELLS", 7 * 60)
    blocks = height_steps(frame, 10.0, extent_m=300.0, resolution_m=10.0)
    assert whole[["from_m", "to_m"]].values.tolist() == blocks[["from_m", "to_m"]].values.tolist()
    assert all(a.equals(b) for a, b in zip(whole.geometry, blocks.geometry))


@pytest.mark.parametrize("crs", [B54_TOWGS84, X80_TOWGS84])
def test_layers_on_an_older_datum_carry_its_shift(frame, crs):
    """Zones and height steps written in Beijing 1954 / Xian 1980 with a +towgs84: each
    vertex where PROJ's own transformation from WGS84 puts the frame's vertex (plain pyproj:
    frame → WGS84 → the CRS), so they sit on proposals given in that CRS (issue 23, item 2);
    straight from the frame, geopandas would ballpark them ~45 m off."""
    import numpy as np
    from pyproj import Transformer

    wgs = Transformer.from_crs(frame.crs, "EPSG:4326", always_xy=True)
    into = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    ballpark = Transformer.from_crs(frame.crs, crs, always_xy=True)
    local_zones = zone_layer(frame, crs=frame.crs).set_index("zone").geometry
    local_steps = height_steps(frame, extent_m=300.0, crs=frame.crs).geometry.values
    for got, local in ((zone_layer(frame, crs=crs).set_index("zone").geometry["protection"], local_zones["protection"]),
                       (height_steps(frame, extent_m=300.0, crs=crs).geometry.values[0], local_steps[0])):
        xy = shapely.get_coordinates(local)
        want = np.column_stack(into.transform(*wgs.transform(xy[:, 0], xy[:, 1])))
        assert np.max(np.hypot(*(shapely.get_coordinates(got) - want).T)) < 0.001
        off = np.column_stack(ballpark.transform(xy[:, 0], xy[:, 1]))
        assert np.min(np.hypot(*(off - want).T)) > 20.0
