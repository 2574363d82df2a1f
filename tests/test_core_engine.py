"""Invariants of the rule engine (geozones/core/engine.py) that must hold for any proposal
(hypothesis)."""

import math

import numpy as np
from conftest import at_azimuth, run
from hypothesis import given, settings
from hypothesis import strategies as st

# Azimuths well outside both sun sectors (≈60-119° and 241-300°).
outside_sectors = st.one_of(st.floats(-50.0, 50.0), st.floats(130.0, 230.0))
VERDICT_RANK = {"pass": 0, "review": 1, "fail": 2}


@settings(max_examples=150, deadline=None)
@given(az=outside_sectors, r=st.floats(15.0, 2500.0), step=st.floats(0.0, 1000.0),
       size=st.floats(1.0, 60.0))
def test_moving_away_never_lowers_the_limit(frame, az, r, step, size):
    import shapely

    near = at_azimuth(az, r).buffer(size / 2, quad_segs=4)
    far = at_azimuth(az, r + step).buffer(size / 2, quad_segs=4)
    a = run(frame, [near, far], "building", np.nan)
    lim = np.where(np.isnan(a.max_height_m), math.inf, a.max_height_m)
    assert lim[1] >= lim[0] - 1e-9
    assert not shapely.is_empty(near)


@settings(max_examples=150, deadline=None)
@given(az=st.floats(0.0, 360.0), r=st.floats(0.0, 6000.0), h=st.floats(0.0, 500.0),
       lower=st.floats(0.0, 1.0), kind=st.sampled_from(["building", "structure", "vegetation"]))
def test_lowering_height_never_worsens_verdict(frame, az, r, h, lower, kind):
    p = at_azimuth(az, r)
    a = run(frame, [p, p], kind, [h, h * lower])
    assert VERDICT_RANK[a.verdict[1]] <= VERDICT_RANK[a.verdict[0]]


@settings(max_examples=100, deadline=None)
@given(az=st.floats(0.0, 360.0), r=st.floats(0.0, 6000.0), h=st.floats(0.0, 500.0))
def test_exceedance_is_height_minus_limit(frame, az, r, h):
    a = run(frame, [at_azimuth(az, r)], "building", h)
    mh, exc = a.max_height_m[0], a.exceedance_m[0]
    if np.isnan(mh):
        assert np.isnan(exc)
    else:
        assert exc == max(h - mh, 0.0)
