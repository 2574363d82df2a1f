"""Small typed helpers over numpy object arrays (geometries, names, per-row problems).

numpy's stubs have no overload of ``np.equal`` for a ``None`` operand, so the element-wise
"which entries are None" lives here once, typed, instead of as ``np.equal(x, None)`` with a
type-checker silencer at every call; :data:`NONE` stands in for ``None`` in ``np.where``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["NONE", "is_none"]

#: ``None`` as a 0-d object array, for numpy calls whose stubs do not accept a bare ``None``
#: (``np.where(mask, values, NONE)``); numpy turns a bare ``None`` into exactly this array.
NONE = np.array(None, dtype=object)
NONE.flags.writeable = False


def is_none(values: ArrayLike) -> NDArray[np.bool_]:
    """Which entries of ``values`` are ``None`` (element-wise, same shape as ``values``).

    >>> is_none(np.array(["road", None, 3.0], dtype=object)).tolist()
    [False, True, False]
    """
    return np.equal(values, NONE)
