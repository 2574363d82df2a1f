"""Curved geometries (ISO SQL/MM: CIRCULARSTRING, COMPOUNDCURVE, CURVEPOLYGON, MULTICURVE,
MULTISURFACE) made straight, so that one curved row in a GeoPackage or a WKT column is
assessed instead of being lost.

shapely (GEOS) has no curve types: :func:`linearize` reads the WKB or WKT of a curved geometry
itself and returns the shapely geometry with each circular arc replaced by chords of at most
:data:`MAX_STEP_DEG` of arc (GDAL's default for ``OGR_G_GetLinearGeometry`` too). Z and M are
dropped (heights come from attributes; the rules are planar).
"""

from __future__ import annotations

import math
import re
import struct
from typing import Any

import shapely

from ..errors import GeometryError
from .limits import limits

__all__ = ["linearize", "MAX_STEP_DEG", "arc_points"]

#: Largest arc angle one chord replaces. [deg]
MAX_STEP_DEG = 4.0

_NAMES = {1: "POINT", 2: "LINESTRING", 3: "POLYGON", 4: "MULTIPOINT", 5: "MULTILINESTRING",
          6: "MULTIPOLYGON", 7: "GEOMETRYCOLLECTION", 8: "CIRCULARSTRING", 9: "COMPOUNDCURVE",
          10: "CURVEPOLYGON", 11: "MULTICURVE", 12: "MULTISURFACE", 17: "TRIANGLE"}


def arc_points(p0, p1, p2, max_step_deg: float = MAX_STEP_DEG) -> list[tuple[float, float]]:
    """Points along the circular arc from ``p0`` through ``p1`` to ``p2`` (ends included).

    Collinear points give the straight segment; ``p0 == p2`` is the full circle through p1.

    >>> pts = arc_points((1.0, 0.0), (0.0, 1.0), (-1.0, 0.0), 90.0)
    >>> [(round(x, 9) + 0, round(y, 9) + 0) for x, y in pts]
    [(1.0, 0.0), (0.0, 1.0), (-1.0, 0.0)]
    """
    arc = _arc(p0, p1, p2, max_step_deg)
    if arc is None:
        return [p0, p2]
    cx, cy, r, a0, sweep, n = arc
    pts = [(cx + r * math.cos(a0 + sweep * k / n), cy + r * math.sin(a0 + sweep * k / n))
           for k in range(1, n)]
    return [tuple(p0), *pts, tuple(p2)]


def _arc(p0, p1, p2, max_step_deg: float) -> tuple[float, float, float, float, float, int] | None:
    """The circle of an arc (centre, radius, start angle, sweep [rad]) and the chords it becomes;
    None when it is straight (collinear points, a circle of radius 0)."""
    (x0, y0), (x1, y1), (x2, y2) = p0, p1, p2
    if (x0, y0) == (x2, y2):  # full circle: p1 is opposite p0
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        r = math.hypot(x0 - cx, y0 - cy)
        if r == 0:
            return None
        a0 = math.atan2(y0 - cy, x0 - cx)
        sweep = 2 * math.pi
    else:
        d = 2 * (x0 * (y1 - y2) + x1 * (y2 - y0) + x2 * (y0 - y1))
        if d == 0 or not math.isfinite(d):
            return None
        s0, s1, s2 = x0 * x0 + y0 * y0, x1 * x1 + y1 * y1, x2 * x2 + y2 * y2
        cx = (s0 * (y1 - y2) + s1 * (y2 - y0) + s2 * (y0 - y1)) / d
        cy = (s0 * (x2 - x1) + s1 * (x0 - x2) + s2 * (x1 - x0)) / d
        r = math.hypot(x0 - cx, y0 - cy)
        a0 = math.atan2(y0 - cy, x0 - cx)
        a2 = math.atan2(y2 - cy, x2 - cx)
        ccw = (x1 - x0) * (y2 - y0) - (y1 - y0) * (x2 - x0) > 0
        sweep = (a2 - a0) % (2 * math.pi)
        if not ccw:
            sweep -= 2 * math.pi
    n = max(math.ceil(abs(math.degrees(sweep)) / max_step_deg), 1)
    return cx, cy, r, a0, sweep, n


# --- a small tree: ("TYPE", payload) -----------------------------------------------------------

def _line(node) -> list[tuple[float, float]]:
    kind, data = node
    if kind == "LINESTRING":
        return list(data)
    if kind == "CIRCULARSTRING":
        out: list = []
        for i in range(0, len(data) - 2, 2):
            seg = arc_points(data[i], data[i + 1], data[i + 2])
            out.extend(seg if not out else seg[1:])
        return out or list(data)
    if kind == "COMPOUNDCURVE":
        out = []
        for part in data:
            seg = _line(part)
            out.extend(seg if not out else seg[1:])
        return out
    raise ValueError(f"{kind} is not a curve")


def _vertices(node) -> int:
    """The vertices :func:`_shape` makes of ``node``, counted without making them."""
    kind, data = node
    if kind == "POINT":
        return 1
    if kind == "LINESTRING":
        return len(data)
    if kind == "CIRCULARSTRING":
        arcs = [_arc(data[i], data[i + 1], data[i + 2], MAX_STEP_DEG) for i in range(0, len(data) - 2, 2)]
        return 1 + sum(1 if a is None else a[5] for a in arcs) if arcs else len(data)
    return sum(_vertices(part) for part in data)


def _shape(node):
    kind, data = node
    if kind == "POINT":
        return shapely.Point(data) if data else shapely.Point()
    if kind in ("LINESTRING", "CIRCULARSTRING", "COMPOUNDCURVE"):
        return shapely.LineString(_line(node))
    if kind in ("POLYGON", "CURVEPOLYGON", "TRIANGLE"):
        rings = [_line(r) for r in data]
        return shapely.Polygon(rings[0], rings[1:]) if rings else shapely.Polygon()
    parts = [_shape(p) for p in data]
    if kind == "MULTIPOINT":
        return shapely.MultiPoint(parts)
    if kind in ("MULTILINESTRING", "MULTICURVE"):
        if all(p.geom_type == "LineString" for p in parts):
            return shapely.MultiLineString(parts)
        return shapely.GeometryCollection(parts)
    if kind in ("MULTIPOLYGON", "MULTISURFACE"):
        if all(p.geom_type == "Polygon" for p in parts):
            return shapely.MultiPolygon(parts)
        return shapely.GeometryCollection(parts)
    return shapely.GeometryCollection(parts)


# --- WKB ---------------------------------------------------------------------------------------

def _wkb(buf: bytes, pos: int, default: str | None = None):
    order = "<" if buf[pos] == 1 else ">"
    (code,) = struct.unpack_from(order + "I", buf, pos + 1)
    pos += 5
    has_z = bool(code & 0x80000000)
    has_m = bool(code & 0x40000000)
    if code & 0x20000000:  # EWKB SRID
        pos += 4
    code &= 0x0FFFFFFF
    base, dims = code % 1000, code // 1000
    has_z = has_z or dims in (1, 3)
    has_m = has_m or dims in (2, 3)
    width = 2 + has_z + has_m
    kind = _NAMES.get(base)
    if kind is None:
        raise ValueError(f"WKB type {code} not supported")

    def points(p, n):
        vals = struct.unpack_from(order + "d" * (width * n), buf, p)
        return [(vals[i * width], vals[i * width + 1]) for i in range(n)], p + 8 * width * n

    if kind == "POINT":
        (pt,), pos = points(pos, 1)
        return (kind, None if math.isnan(pt[0]) and math.isnan(pt[1]) else pt), pos
    (n,) = struct.unpack_from(order + "I", buf, pos)
    pos += 4
    if kind in ("LINESTRING", "CIRCULARSTRING"):
        pts, pos = points(pos, n)
        return (kind, pts), pos
    if kind in ("POLYGON", "TRIANGLE"):
        rings = []
        for _ in range(n):
            (m,) = struct.unpack_from(order + "I", buf, pos)
            pts, pos = points(pos + 4, m)
            rings.append(("LINESTRING", pts))
        return (kind, rings), pos
    parts = []
    for _ in range(n):
        part, pos = _wkb(buf, pos)
        parts.append(part)
    return (kind, parts), pos


# --- WKT ---------------------------------------------------------------------------------------

_TOKEN = re.compile(r"\s*([A-Za-z]+|[-+]?(?:\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?)|\(|\)|,)")


class _Tokens:
    def __init__(self, text: str) -> None:
        text = re.sub(r"^\s*SRID=\d+;", "", text)
        self.items = _TOKEN.findall(text)
        self.i = 0

    def peek(self) -> str | None:
        return self.items[self.i].upper() if self.i < len(self.items) else None

    def take(self, want: str | None = None) -> str:
        tok = self.peek()
        if tok is None or (want is not None and tok != want):
            raise ValueError(f"WKT: expected {want or 'more'}, got {tok}")
        self.i += 1
        return tok


def _coords(tk: _Tokens) -> list[tuple[float, float]]:
    tk.take("(")
    pts = []
    while True:
        nums = []
        while tk.peek() not in (",", ")", None):
            nums.append(float(tk.take()))
        if len(nums) < 2:
            raise ValueError("WKT: a point needs two coordinates")
        pts.append((nums[0], nums[1]))
        if tk.take() == ")":
            return pts
        if tk.peek() == "(":  # MULTIPOINT ((1 2), (3 4))
            raise ValueError("WKT: unexpected '('")


def _wkt(tk: _Tokens, default: str | None = None) -> tuple[str, Any]:
    kind = default
    if tk.peek() not in ("(", None):
        kind = tk.take()
        if tk.peek() in ("Z", "M", "ZM"):
            tk.take()
    if kind is None or kind not in _NAMES.values():
        raise ValueError(f"WKT: unknown type {kind}")
    if tk.peek() == "EMPTY":
        tk.take()
        return (kind, None if kind == "POINT" else [])
    if kind == "POINT":
        return (kind, _coords(tk)[0])
    if kind in ("LINESTRING", "CIRCULARSTRING"):
        return (kind, _coords(tk))
    if kind == "MULTIPOINT":
        tk.take("(")
        parts = []
        while True:
            if tk.peek() == "(":
                parts.append(("POINT", _coords(tk)[0]))
            else:
                nums = []
                while tk.peek() not in (",", ")"):
                    nums.append(float(tk.take()))
                parts.append(("POINT", (nums[0], nums[1])))
            if tk.take() == ")":
                return (kind, parts)
    child: str | None = {"POLYGON": "LINESTRING", "TRIANGLE": "LINESTRING", "CURVEPOLYGON": "LINESTRING",
             "COMPOUNDCURVE": "LINESTRING", "MULTICURVE": "LINESTRING",
             "MULTILINESTRING": "LINESTRING", "MULTIPOLYGON": "POLYGON",
             "MULTISURFACE": "POLYGON", "GEOMETRYCOLLECTION": None}[kind]
    tk.take("(")
    members: list[Any] = []
    while True:
        if child == "LINESTRING" and tk.peek() == "(":
            members.append(("LINESTRING", _coords(tk)))
        else:
            members.append(_wkt(tk, child))
        if tk.take() == ")":
            return (kind, members)


def linearize(raw: Any, max_vertices: int | None = None):
    """A shapely geometry from curved WKB (bytes) or WKT (text), arcs made into chords.

    Raises ValueError when the value is neither, and a
    :class:`~geozones.errors.GeometryError` (``geometry_vertices``) when it would become more
    than ``max_vertices`` vertices (default: :func:`geozones.core.limits.limits`), counted
    before any is made.

    >>> g = linearize("CIRCULARSTRING (0 0, 1 1, 2 0)")
    >>> g.geom_type, round(g.length, 2)   # half a circle of radius 1: π
    ('LineString', 3.14)
    """
    if isinstance(raw, (bytes, bytearray, memoryview)):
        buf = bytes(raw)
        if buf[:2] == b"GP":  # GeoPackage blob: skip its header and envelope
            flags = buf[3]
            env = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}.get((flags >> 1) & 7, 0)
            buf = buf[8 + env:]
        node, _ = _wkb(buf, 0)
    elif isinstance(raw, str):
        tk = _Tokens(raw)
        node = _wkt(tk)
        if tk.peek() is not None:
            raise ValueError("WKT: text after the geometry")
    else:
        raise ValueError(f"not WKB or WKT: {type(raw).__name__}")
    n, limit = _vertices(node), limits(max_vertices=max_vertices).max_vertices
    if n > limit:   # a size bomb: refused before the points are made
        raise GeometryError("geometry_vertices", n=f"{n:,}", limit=f"{limit:,}")
    return _shape(node)
