"""CAD drawings (DXF) as proposals: what a planner's drawing contributes and what it does not.

Read with ``ezdxf`` (maintained, pure Python; it reports each entity's type and its closed
flag exactly, where GDAL's DXF driver explodes blocks and dimensions into anonymous lines).
Each entity of model space is one proposal (one row), this module is the one place that
decides what an entity is (``check``, ``report`` and ``screen`` all read :func:`read_dxf`):

- ``LWPOLYLINE`` and 2D/3D ``POLYLINE``: closed → polygon, open → line (arc segments, the
  bulges, flattened to within :data:`FLATTEN_M` drawing units);
- ``LINE`` → line; ``CIRCLE`` → polygon (a tank, a mast base);
- a block reference (``INSERT``) → one proposal: the union of the polygons its block holds
  (nested blocks included, placed, scaled and rotated as drawn), or of its lines when it has
  no polygon; a block with neither is counted out;
- everything else (``TEXT``/``MTEXT``, ``DIMENSION``, hatches, points …) is ignored and
  counted by type, so the summary says what was left out.

Each row carries its CAD layer and the kind the layer's name means (:func:`layer_kind`: a
kind name or an alias of :data:`geozones.core.kinds.KIND_ALIASES`, e.g. 道路 → road;
None when the name means none, and the caller's default kind applies).

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

__all__ = ["read_dxf", "DxfCounts", "DxfReader", "FLATTEN_M", "flattened_vertices", "layer_kind", "DXF_COLUMNS"]

#: Largest gap between an arc (polyline bulge, circle) and its flattened chords. [drawing units]
FLATTEN_M = 0.01
_POLYLINES = ("LWPOLYLINE", "POLYLINE")
#: The columns of a drawing's table: CAD layer, DXF type, handle, block name (INSERT), layer's kind.
DXF_COLUMNS = ["layer", "entity", "handle", "block", "kind"]


def layer_kind(layer: str) -> str | None:
    """The kind a CAD layer's name means (:func:`geozones.core.kinds.normalize_kind`, the one
    alias table), or None.

    >>> layer_kind("道路"), layer_kind("Trees"), layer_kind("0")
    ('road', 'vegetation', None)
    """
    from ..core.kinds import normalize_kind

    return normalize_kind(layer)


@dataclass
class DxfCounts:
    """What a DXF gave: polygons, lines and block references read, entities ignored by DXF type."""

    polygons: int = 0
    lines: int = 0
    blocks: int = 0
    ignored: Counter = field(default_factory=Counter)

    def params(self) -> dict[str, object]:
        """Message parameters (``assume_dxf``)."""
        ignored = ", ".join(f"{n} {k}" for k, n in sorted(self.ignored.items())) or "none"
        return {"polygons": self.polygons, "lines": self.lines, "blocks": self.blocks, "ignored": ignored}


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
    """Model-space polylines, lines, circles and block references of a DXF as a GeoDataFrame
    (no CRS), one row per entity (one proposal).

    Columns (:data:`DXF_COLUMNS`): ``layer`` (CAD layer), ``entity`` (DXF type), ``handle``,
    ``block`` (the block's name for an ``INSERT``, else None), ``kind`` (the layer's kind,
    :func:`layer_kind`, or None). ``layer`` keeps only that CAD layer (an unknown name is
    refused, listing the layers). Returns ``(GeoDataFrame, DxfCounts)``.
    """
    import geopandas as gpd
    import pandas as pd

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
        if kind == "INSERT":
            geom = _block_geometry(e, path, counts)
            block = e.dxf.name
        else:
            geom, block = _entity_geometry(e, path, counts), None
        if geom is None:
            continue
        rows.append({"layer": e.dxf.layer, "entity": kind, "handle": e.dxf.handle, "block": block,
                     "kind": layer_kind(e.dxf.layer)})
        geoms.append(geom)
    gdf = gpd.GeoDataFrame(rows, columns=DXF_COLUMNS,
                           geometry=gpd.GeoSeries(geoms, dtype="geometry"))
    for col in ("block", "kind"):   # None where absent (pandas would make it NaN)
        gdf[col] = pd.Series([r[col] for r in rows], dtype=object, index=gdf.index)
    return gdf, counts


def _entity_geometry(e, path: Path, counts: DxfCounts):
    """A polyline, line or circle as a polygon or line (counted), or None (counted out)."""
    kind = e.dxftype()
    if kind not in (*_POLYLINES, "LINE", "CIRCLE"):
        counts.ignored[kind] += 1
        return None
    if kind == "POLYLINE" and not (e.is_2d_polyline or e.is_3d_polyline):
        counts.ignored["POLYLINE (mesh)"] += 1
        return None
    pts, closed = _points(e, path)
    if closed and len(np.unique(pts, axis=0)) >= 3:
        geom = shapely.Polygon(pts)
        if not geom.is_valid:
            geom = shapely.make_valid(geom)
        counts.polygons += 1
        return geom
    if len(np.unique(pts, axis=0)) >= 2:
        counts.lines += 1
        return shapely.LineString(pts)
    counts.ignored[f"{kind} (degenerate)"] += 1
    return None


def _block_parts(insert, path: Path, depth: int = 0) -> tuple[list, list]:
    """The polygons and lines of a block reference, placed as drawn (nested blocks too, up to
    16 deep); what they are is decided by :func:`_entity_geometry`, on a scratch count."""
    polygons: list = []
    lines: list = []
    scratch = DxfCounts()
    for v in insert.virtual_entities():
        if v.dxftype() == "INSERT":
            if depth < 16:
                p, li = _block_parts(v, path, depth + 1)
                polygons += p
                lines += li
            continue
        g = _entity_geometry(v, path, scratch)
        if g is not None:
            (polygons if g.geom_type.endswith("Polygon") else lines).append(g)
    return polygons, lines


def _block_geometry(insert, path: Path, counts: DxfCounts):
    """One proposal of a block reference: the union of its polygons, else of its lines
    (the lines of a block with polygons are its drawing's details); None (counted out) when
    it holds neither."""
    polygons, lines = _block_parts(insert, path)
    if not polygons and not lines:
        counts.ignored["INSERT (empty)"] += 1
        return None
    counts.blocks += 1
    if polygons:
        return shapely.union_all(shapely.make_valid(np.asarray(polygons, dtype=object)))
    return shapely.union_all(np.asarray(lines, dtype=object))


class DxfReader(Reader):
    """A DXF drawing as a table (:func:`read_dxf`, read whole): one row per entity, columns
    :data:`DXF_COLUMNS` (``kind``: the layer's kind, which ``screen`` uses as ``--kind-field``
    unless told otherwise); its CRS is the one given (``--crs``), required."""

    kind = "dxf"

    def _open(self) -> None:
        self._dxf, self.dxf_counts = read_dxf(self.path, layer=self.layer)
        if self._given_crs is None:
            raise InputError("dxf_no_crs", path=str(self.path))
        self.crs = parse_crs(self._given_crs)
        self.crs_assumed = False
        self.columns = list(DXF_COLUMNS)
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
