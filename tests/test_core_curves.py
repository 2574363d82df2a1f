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


def test_a_linearisation_past_the_vertex_limit_is_refused_before_it_is_made():
    """38,000 arcs of 106.26° (27 chords of 4° each): 1,026,001 vertices, past the default
    limit of 1,000,000 (issue 23, D). Refused after counting, before a point is made."""
    import time

    import shapely
    from geometries import many_arcs_wkt

    from geozones.core.limits import using
    from geozones.errors import GeometryError

    assert shapely.get_num_coordinates(linearize(many_arcs_wkt(100))) == 27 * 100 + 1
    bomb = many_arcs_wkt(38_000)
    start = time.perf_counter()
    with pytest.raises(GeometryError) as err:
        linearize(bomb)
    assert time.perf_counter() - start < 1.0
    assert str(err.value) == ("the curved geometry would become 1,026,001 vertices when made straight, more than "
                              "the limit of 1,000,000 (GEOZONES_MAX_VERTICES)")
    with pytest.raises(GeometryError, match="2,701 vertices .* limit of 2,700"):
        linearize(many_arcs_wkt(100), max_vertices=2700)
    with using(max_vertices=2700), pytest.raises(GeometryError, match="limit of 2,700"):
        linearize(many_arcs_wkt(100))
    assert shapely.get_num_coordinates(linearize(many_arcs_wkt(100), max_vertices=2701)) == 2701
