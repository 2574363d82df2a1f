"""Curved geometries (geozones/core/curves.py) linearised as shapely circles are."""

import math

import pytest

from geozones.core.curves import arc_points, linearize


def test_arc_linearised_like_a_circle():
    # half circle of radius 1 from (1,0) through (0,1) to (-1,0): chords of at most 4°
    pts = arc_points((1.0, 0.0), (0.0, 1.0), (-1.0, 0.0))
    assert len(pts) == 46  # 180° / 4° = 45 chords
    assert all(math.hypot(x, y) == pytest.approx(1.0) for x, y in pts)
    circle = linearize("CURVEPOLYGON (CIRCULARSTRING (0 0, 2 0, 0 0))")
    n = 90  # 360° / 4°
    assert circle.area == pytest.approx(0.5 * n * math.sin(2 * math.pi / n))   # regular 90-gon, r = 1
