"""geozones.core.arrays: the element-wise "is None" used on object arrays."""

import numpy as np
import shapely

from geozones.core.arrays import is_none


def test_is_none_marks_only_none_entries():
    # None, a geometry, an empty geometry, NaN, empty bytes, empty text and 0 are all different
    # things; only the first is missing.
    values = [None, shapely.Point(0, 0), shapely.Point(), float("nan"), b"", "", 0, None]
    arr = np.array(values, dtype=object)
    out = is_none(arr)
    assert out.dtype == bool
    assert out.tolist() == [v is None for v in values]


def test_is_none_keeps_shape_and_handles_empty_and_numeric_arrays():
    grid = np.array([[None, "a"], ["b", None]], dtype=object)
    assert is_none(grid).tolist() == [[True, False], [False, True]]
    assert is_none(np.array([], dtype=object)).shape == (0,)
    assert not is_none(np.array([1.0, np.nan])).any()
