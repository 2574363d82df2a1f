"""Station facts computed from the station file (geozones/core/station.py): Gauss-Krüger zones."""

from __future__ import annotations

import pytest
from pyproj import CRS

from geozones.core.station import gauss_kruger_epsg


@pytest.mark.parametrize("lon, cm, zone", [(111.571, 111, 37), (117.1, 117, 39), (120.2, 120, 40)])
def test_gauss_kruger_zone_from_longitude(lon, cm, zone):
    no_prefix, prefix = gauss_kruger_epsg(lon)
    assert f"CM {cm}E" in CRS.from_user_input(no_prefix).name
    assert f"zone {zone}" in CRS.from_user_input(prefix).name
