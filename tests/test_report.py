"""The screen summary (geozones/report.py): what it tells the planner."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
from conftest import north, read_output
from pyproj import CRS

from geozones.check import ZoneSet
from geozones.core.coords import from_frame


@pytest.fixture(scope="module")
def zones():
    return ZoneSet()


def test_screen_summary_tells_the_approval_duty(tmp_path, frame, zones):
    from geozones.report import format_summary
    from geozones.screen import ScreenOptions, screen_file

    pts = [north(300.0), north(1500.0), north(3000.0), north(6000.0)]
    g = from_frame(np.array(pts, dtype=object), frame.crs, CRS.from_epsg(4326))
    path = tmp_path / "p.gpkg"
    gpd.GeoDataFrame({"h": [10.0] * 4}, geometry=g, crs=4326).to_file(path)
    s = screen_file(path, tmp_path / "o.gpkg", zones=zones, opts=ScreenOptions(height_field="h"))
    assert s.protected_rows == 2 and s.maybe_protected_rows == 1
    assert "Art. 14" in format_summary(s)
    got = read_output(tmp_path / "o.gpkg")
    assert "Art. 14" in got["gz_message"][0] and "Art. 14" not in got["gz_message"][3]
