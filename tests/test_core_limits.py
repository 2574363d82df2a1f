"""geozones/core/limits.py: the size limits, their defaults, settings and refusals (issue 23, D)."""

from __future__ import annotations

import pytest

from geozones.core.limits import MAX_CELLS, MAX_FILE_MB, MAX_VERTICES, Limits, limits, using
from geozones.errors import InputError


def test_the_stated_defaults():
    assert (MAX_CELLS, MAX_VERTICES, MAX_FILE_MB) == (50_000_000, 1_000_000, 64.0)
    assert limits() == Limits() == Limits.from_environ({})


def test_the_environment_sets_them_and_refuses_what_is_no_number():
    env = {"GEOZONES_MAX_CELLS": "1e9", "GEOZONES_MAX_VERTICES": "5000000", "GEOZONES_MAX_FILE_MB": "0.5",
           "GEOZONES_THREADS": "x"}   # not ours
    assert Limits.from_environ(env) == Limits(1_000_000_000, 5_000_000, 0.5)
    for env in ({"GEOZONES_MAX_CELLS": "nan"}, {"GEOZONES_MAX_CELLS": "2.5"}, {"GEOZONES_MAX_VERTICES": "3"},
                {"GEOZONES_MAX_FILE_MB": "0"}, {"GEOZONES_MAX_FILE_MB": "inf"}):
        ((name, value),) = env.items()
        with pytest.raises(InputError, match=f"^{name} {value}: must be a "):
            Limits.from_environ(env)
    with pytest.raises(ValueError, match="max_cells nan"):
        Limits(max_cells=float("nan"))


def test_using_and_a_given_limit():
    with using(max_vertices=10) as inner:
        assert limits().max_vertices == 10 == inner.max_vertices
        assert limits(max_vertices=None).max_vertices == 10 and limits(max_vertices=20).max_vertices == 20
    assert limits().max_vertices == MAX_VERTICES


def test_cells_are_counted_before_anything_is_made():
    # 2 × 3000 m / 5 m = 1200 cells a side
    assert Limits().check_cells(3000.0, 5.0) == 1200
    with pytest.raises(InputError, match=r"1,200 × 1,200 = 1,440,000 cells, more than the limit of 1,439,999"):
        Limits(max_cells=1_439_999).check_cells(3000.0, 5.0)
    with pytest.raises(InputError, match="makes ∞ × ∞ = ∞ cells"):
        Limits().check_cells(1e308, 1e-308)


def test_a_file_past_the_limit():
    Limits(max_file_mb=1.0).check_file(1_000_000, "s.toml", "file_station")
    with pytest.raises(InputError) as err:
        Limits(max_file_mb=1.0).check_file(1_000_001, "s.toml", "file_station")
    assert err.value.localized("zh").startswith("站点文件 s.toml 大小为 1 MB，超过整体读取文件的上限 1 MB")
