"""The optional parts of geozones and the extras that install them.

PDF reports (weasyprint), diagrams and map images (matplotlib), DXF drawings (ezdxf), the
dask engine (dask, distributed), PostGIS tables (psycopg), Excel workbooks (openpyxl) and Word
opinions (python-docx) and the service (pygeoapi, waitress) are imported only inside the functions that need them, through
:func:`require`, so ``import geozones`` loads none of them and a missing one is a one-line
:class:`~geozones.errors.MissingExtraError` naming the extra to install (exit code 2), in the
way geopandas treats folium.
"""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import Iterator
from types import ModuleType
from typing import Any

from .errors import MissingExtraError

__all__ = ["EXTRAS", "require", "figures"]

#: Top-level package -> the extra of ``pyproject.toml`` that installs it (``pip install
#: 'geozones[<extra>]'``); the message of each extra is ``missing_<extra>``.
EXTRAS: dict[str, str] = {"weasyprint": "pdf", "pypdf": "pdf", "matplotlib": "diagram", "ezdxf": "cad", "dask": "dask",
                          "distributed": "dask", "psycopg": "postgis", "openpyxl": "xlsx", "docx": "docx",
                          "pygeoapi": "serve", "waitress": "serve"}


def require(module: str) -> ModuleType:
    """Import ``module`` (e.g. ``"matplotlib.pyplot"``), an optional part of geozones.

    Raises
    ------
    MissingExtraError
        When it is not installed, naming the extra that installs it.

    Examples
    --------
    >>> require("ezdxf").__name__
    'ezdxf'
    """
    try:
        return importlib.import_module(module)
    except ImportError:
        extra = EXTRAS[module.split(".")[0]]
        raise MissingExtraError(f"missing_{extra}", module=module, extra=extra) from None


@contextlib.contextmanager
def figures() -> Iterator[Any]:
    """matplotlib's pyplot, headless (Agg), for drawing a figure inside the ``with`` block,
    in which every text is drawn as written: no mathtext, so a station, zone or building name
    holding ``$…$`` is text, not a formula (``$\\undefinedcmd$`` stopped the drawing with a
    traceback). Settings changed inside the block (a CJK font) end with it.

    Raises
    ------
    MissingExtraError
        When matplotlib is not installed (the ``diagram`` extra).
    """
    matplotlib = require("matplotlib")
    matplotlib.use("Agg")
    plt = require("matplotlib.pyplot")
    with matplotlib.rc_context({"text.parse_math": False}):
        yield plt
