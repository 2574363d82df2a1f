"""geozones/core/numbers.py: the one check of every number a user gives (issue 23, D, item 7)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from geozones.core.numbers import FLOORS, HEIGHT_M, Bounds, checked, parse_number
from geozones.errors import InputError


@pytest.mark.parametrize("value, why", [
    (float("nan"), "not_finite"), (float("inf"), "not_finite"), (float("-inf"), "not_finite"),
    (np.float64("nan"), "not_finite"), (np.float32("inf"), "not_finite"),
    ("3", "not_number"), (None, "not_number"), (True, "not_number"), (np.True_, "not_number"), ([3.0], "not_number"),
    (-0.001, "out_of_range"), (10_000.001, "out_of_range"), (10**400, "out_of_range"),
    (0, None), (0.0, None), (10_000, None), (np.float64(35.5), None), (np.int64(12), None),
])
def test_a_number_is_finite_and_within_its_bounds(value, why):
    assert HEIGHT_M.problem(value) == why


def test_open_and_closed_bounds_and_whole_numbers():
    b = Bounds(0.0, 90.0, min_open=True, max_open=True)
    assert [b.problem(v) for v in (0.0, 1e-300, 89.999, 90.0)] == ["out_of_range", None, None, "out_of_range"]
    assert [FLOORS.problem(v) for v in (1, 1.0, 2.5, 0, 1001, np.int32(3))] == [None, None, "not_whole", "out_of_range",
                                                                              "out_of_range", None]
    assert Bounds().problem(-1e308) is None and Bounds().problem(math.nan) == "not_finite"


def test_the_bounds_read_the_same_in_every_language():
    assert Bounds(0.5, 20.0).interval() == "0.5 ≤ x ≤ 20"
    assert Bounds(0.0, min_open=True).interval() == "x > 0"
    assert Bounds(None, 1.0, max_open=True).interval() == "x < 1"
    assert Bounds(0.0, 90.0, min_open=True, max_open=True).interval() == "0 < x < 90"
    assert Bounds().interval() == "−∞ < x < ∞"


def test_checked_names_what_it_refuses():
    assert checked(None, "height", HEIGHT_M) is None and checked(5, "height", HEIGHT_M) == 5
    with pytest.raises(ValueError) as err:
        checked(float("nan"), "sun_reach_m", Bounds(0.0, 1e5))
    assert isinstance(err.value, InputError) and err.value.exit_code == 2
    assert str(err.value) == "sun_reach_m nan: must be a finite number with 0 ≤ x ≤ 100000"
    assert err.value.localized("zh") == "sun_reach_m nan：应为满足 0 ≤ x ≤ 100000 的有限数"
    with pytest.raises(InputError, match=r"^floors 2.5: must be a whole number with 1 ≤ x ≤ 1000$"):
        checked(2.5, "floors", FLOORS)


@pytest.mark.parametrize("text, integer, want", [
    ("12.5", False, 12.5), (" 3 ", False, 3.0), ("nan", False, "nan"), ("1e999", False, math.inf),
    ("1e6", True, 1_000_000), ("12345678901234567890", True, 12345678901234567890), ("2.5", True, 2.5),
    ("ten", False, None), ("", True, None),
])
def test_parse_number(text, integer, want):
    got = parse_number(text, Bounds(integer=integer))
    if want == "nan":
        assert got != got
    else:
        assert got == want and type(got) is type(want)
