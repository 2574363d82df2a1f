"""Small typed helpers over numpy object arrays (geometries, names, per-row problems).

numpy's stubs have no overload of ``np.equal`` for a ``None`` operand, so the element-wise
"which entries are None" lives here once, typed, instead of as ``np.equal(x, None)`` with a
type-checker silencer at every call.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["is_none"]

#: ``None`` as a 0-d object array: the same element-wise comparison as ``np.equal(x, None)``.
_NONE = np.array(None, dtype=object)


def is_none(values: ArrayLike) -> NDArray[np.bool_]:
    """Which entries of ``values`` are ``None`` (element-wise, same shape as ``values``).

    >>> is_none(np.array(["road", None, 3.0], dtype=object)).tolist()
    [False, True, False]
    """
    return np.equal(values, _NONE)
