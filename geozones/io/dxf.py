"""CAD drawings (DXF) as proposals: what a planner's drawing contributes and what it does not.

Read with ``ezdxf`` (maintained, pure Python; it reports each entity's type and its closed
flag exactly, where GDAL's DXF driver explodes blocks and dimensions into anonymous lines).
From model space:

- ``LWPOLYLINE`` and 2D/3D ``POLYLINE``: closed → polygon, open → line (arc segments, the
  bulges, flattened to within :data:`FLATTEN_M` drawing units);
- ``LINE`` → line; ``CIRCLE`` → polygon (a tank, a mast base);
- everything else (blocks placed with ``INSERT``, ``TEXT``/``MTEXT``, ``DIMENSION``, hatches,
  points …) is ignored and counted by type, so the summary says what was left out.

A DXF carries no coordinate reference system: the caller must give one (``--crs``).
A DWG is refused (see the ``dwg_refused`` message: export DXF first).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import shapely

from ..core.coords import parse_crs
from ..errors import InputError, first_line
from .base import Reader

__all__ = ["read_dxf", "DxfCounts", "DxfReader", "FLATTEN_M", "flattened_vertices"]

#: Largest gap between an arc (polyline bulge, circle) and its flattened chords. [drawing units]
FLATTEN_M = 0.01
_POLYLINES = ("LWPOLYLINE", "POLYLINE")


@dataclass
class DxfCounts:
    """What a DXF gave: polygons and lines read, and entities ignored by DXF type."""

    polygons: int = 0
    lines: int = 0
    ignored: Counter = field(default_factory=Counter)

    def params(self) -> dict[str, object]:
        """Message parameters (``assume_dxf``)."""
        ignored = ", ".join(f"{n} {k}" for k, n in sorted(self.ignored.items())) or "none"
        return {"polygons": self.polygons, "lines": self.lines, "ignored": ignored}


def _points(entity, path: Path) -> tuple[np.ndarray, bool]:
    """Flattened (x, y) vertices and the closed flag of a polyline, line or circle; refused
    before flattening when they would be more than the limit (a circle of radius 10¹⁴ in
    1 cm chords is 10⁸ vertices)."""
    from .._optional import require
    from ..core.limits import limits

    ezpath = require("ezdxf.path")

    kind = entity.dxftype()
    if kind == "LINE":
        s, e = entity.dxf.start, entity.dxf.end
        return np.array([[s.x, s.y], [e.x, e.y]]), False
    closed = kind == "CIRCLE" or bool(entity.is_closed)
    p = ezpath.make_path(entity)
    n, limit = flattened_vertices(p), limits().max_vertices
    if n > limit:
        xs = [v.x for v in p.control_vertices()] or [0.0]
        ys = [v.y for v in p.control_vertices()] or [0.0]
        raise InputError("limit_vertices_dxf", path=str(path), entity=kind, handle=entity.dxf.handle,
                         n=f"{n:,}", tol=f"{FLATTEN_M:g}", limit=f"{limit:,}",
                         size=f"{max(max(xs) - min(xs), max(ys) - min(ys)):g}")
    pts = np.array([(v.x, v.y) for v in p.flattening(FLATTEN_M)], dtype=float)
    return pts, closed


def flattened_vertices(p, distance: float = FLATTEN_M) -> int:
    """About how many vertices ezdxf's ``p.flattening(distance)`` gives, from the Bézier
    control points alone (nothing is flattened): per curve Wang's bound on the chords that keep
    within ``distance``, rounded up to ezdxf's power-of-two subdivision, at least its 16.

    >>> import ezdxf, ezdxf.path
    >>> circle = ezdxf.new().modelspace().add_circle((0, 0), 100.0)
    >>> p = ezdxf.path.make_path(circle)
    >>> flattened_vertices(p), len(list(p.flattening(FLATTEN_M)))
    (257, 257)
    """
    import math

    from ezdxf.path import Command

    total, start = 1, p.start
    for cmd in p.commands():
        if cmd.type == Command.CURVE4_TO:
            a, b, c, d = start, cmd.ctrl1, cmd.ctrl2, cmd.end
            k = math.sqrt(0.75 * max((a - 2 * b + c).magnitude, (b - 2 * c + d).magnitude) / distance)
        elif cmd.type == Command.CURVE3_TO:
            k = math.sqrt(0.25 * (start - 2 * cmd.ctrl + cmd.end).magnitude / distance)
        else:
            total += 1
            start = cmd.end
            continue
        total += 2 ** math.ceil(math.log2(max(k, 16.0))) if math.isfinite(k) else 2**62
        start = cmd.end
    return total


def read_dxf(path: str | Path, layer: str | None = None):
    """Model-space polylines, lines and circles of a DXF as a GeoDataFrame (no CRS).

    Columns: ``layer`` (CAD layer), ``entity`` (DXF type), ``handle``. ``layer`` keeps only
    that CAD layer (an unknown name is refused, listing the layers). Returns
    ``(GeoDataFrame, DxfCounts)``.
    """
    import geopandas as gpd

    from .._optional import require

    ezdxf = require("ezdxf")

    path = Path(path)
    try:
        doc = ezdxf.readfile(str(path))
    except (OSError, ezdxf.DXFError) as exc:
        raise InputError("file_read", path=str(path), why=first_line(exc)) from None
    msp = doc.modelspace()
    if layer is not None:
        names = sorted({e.dxf.layer for e in msp})
        if layer not in names:
            raise InputError("dxf_layer_missing", path=str(path), layer=layer,
                             layers=", ".join(names) or "none")
    counts = DxfCounts()
    rows, geoms = [], []
    for e in msp:
        kind = e.dxftype()
        if layer is not None and e.dxf.layer != layer:
            continue
        if kind not in (*_POLYLINES, "LINE", "CIRCLE"):
            counts.ignored[kind] += 1
            continue
        if kind == "POLYLINE" and not (e.is_2d_polyline or e.is_3d_polyline):
            counts.ignored["POLYLINE (mesh)"] += 1
            continue
        pts, closed = _points(e, path)
        if closed and len(np.unique(pts, axis=0)) >= 3:
            geom = shapely.Polygon(pts)
            if not geom.is_valid:
                geom = shapely.make_valid(geom)
            counts.polygons += 1
        elif len(np.unique(pts, axis=0)) >= 2:
            geom = shapely.LineString(pts)
            counts.lines += 1
        else:
            counts.ignored[f"{kind} (degenerate)"] += 1
            continue
        rows.append({"layer": e.dxf.layer, "entity": kind, "handle": e.dxf.handle})
        geoms.append(geom)
    gdf = gpd.GeoDataFrame(rows, columns=["layer", "entity", "handle"],
                           geometry=gpd.GeoSeries(geoms, dtype="geometry"))
    return gdf, counts


class DxfReader(Reader):
    """A DXF drawing as a table (:func:`read_dxf`, read whole): columns ``layer`` (the CAD
    layer), ``entity``, ``handle``; its CRS is the one given (``--crs``), required."""

    kind = "dxf"

    def _open(self) -> None:
        self._dxf, self.dxf_counts = read_dxf(self.path, layer=self.layer)
        if self._given_crs is None:
            raise InputError("dxf_no_crs", path=str(self.path))
        self.crs = parse_crs(self._given_crs)
        self.crs_assumed = False
        self.columns = ["layer", "entity", "handle"]
        self.n_rows = len(self._dxf)
        self.encoding = "utf-8"
        types = set(self._dxf.geom_type)
        self.geometry_type = types.pop() if len(types) == 1 else "Unknown"
        self.layer_name = self.layer or self.path.stem

    def chunks(self):
        import pandas as pd

        for start in range(0, max(len(self._dxf), 1), self.chunk_size):
            part = self._dxf.iloc[start:start + self.chunk_size]
            geoms = np.asarray(part.geometry.values, dtype=object)
            yield pd.DataFrame(part.drop(columns="geometry")).reset_index(drop=True), geoms, geoms
