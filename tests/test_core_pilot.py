"""Pilot-area arithmetic (geozones/core/pilot.py), by hand."""

import numpy as np
import pytest

from geozones.pilot import (
    low_rise_share,
)


def test_low_rise_share():
    # 3 buildings: 1000 m² at 6 storeys, 500 m² at 7, 500 m² at 3 -> 1500 / 2000 = 75 %
    share, total = low_rise_share(np.array([1000.0, 500.0, 500.0, 80.0]),
                                  np.array([6, 7, 3, np.nan]), 6)
    assert share == pytest.approx(0.75) and total == 2000.0
