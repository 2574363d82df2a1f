"""Footprints as coordinate rings: the common parcel measured without geometry objects.

Most parcels of a batch are small convex polygons with one ring (a lot, a building outline).
For them, building shapely geometries (once as read, once in the station frame) costs more
than everything the rules need from them, and holds Python's GIL while it does. This module
keeps such footprints as plain coordinate arrays:

* :func:`from_wkb` reads, straight from the input's WKB bytes, the rows that are one closed
  ring of finite coordinates in little-endian 2D WKB;
* :func:`convex` tells the rings that are strictly convex and simple (every turn the same
  way, once around), which makes them valid polygons without asking GEOS;
* :meth:`Rings.area_m2` is GEOS's ring area, term for term;
* :meth:`geozones.core.zones.StationFrame.measure_rings` measures them in the frame.

Every row this path cannot decide exactly (near the field, on a sector's edge, concave,
touching a pilot area's box …) is turned into a geometry (:meth:`Rings.polygons`) and takes
the general path; a test compares both paths row by row. Setting :data:`ENABLED` to False
switches this path off (every row through shapely).

``screen`` goes one step further where its writer takes WKB (GeoParquet, GeoPackage …): the
reader leaves the input's WKB unread, :meth:`geozones.core.proposals.Proposals.build` reads
into geometries only the rows off this path, and a ring is written from its own bytes (which
are what shapely would write), with its bounds as read for the GeoParquet covering.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import shapely

__all__ = ["Rings", "enabled", "from_wkb", "from_buffer", "convex"]

#: Rings of more vertices than this are left to shapely (GEOS's ring area is summed term by
#: term here, one pass per vertex of the longest ring; parcels rarely have more).
MAX_VERTICES = 256

#: A turn counts as strict when |cross| exceeds this share of the two edges' lengths' product
#: (sin of the turn angle): nearly straight vertices go to GEOS, which decides them exactly.
STRICT_SIN = 1e-9


#: Whether convex single rings are measured as coordinates (False: every footprint becomes a
#: geometry).
ENABLED = True


def enabled() -> bool:
    """Whether convex single rings are measured as coordinates (:data:`ENABLED`)."""
    return ENABLED


@dataclass
class Rings:
    """Closed single rings of some rows of a table.

    rows : position of each ring's row (int64, increasing).
    x, y : every vertex, the closing one included, ring after ring.
    offsets : ``len(rows) + 1`` starts into ``x``/``y`` (the last is ``len(x)``).
    source_bounds : (n, 4) bounds of the rings as read, before any projection (None until
        :meth:`with_xy` keeps them).
    multi : per ring, it was read as a MultiPolygon of one part (None: none was).
    """

    rows: np.ndarray
    x: np.ndarray
    y: np.ndarray
    offsets: np.ndarray
    source_bounds: np.ndarray | None = None
    multi: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def counts(self) -> np.ndarray:
        """Vertices per ring, the closing one included."""
        return np.diff(self.offsets)

    def ring_of_vertex(self) -> np.ndarray:
        """Per vertex, the index of its ring."""
        return np.repeat(np.arange(len(self.rows)), self.counts)

    def with_xy(self, x: np.ndarray, y: np.ndarray) -> Rings:
        """The same rings with other coordinates (e.g. projected); the bounds as read kept."""
        kept = self.bounds if self.source_bounds is None else self.source_bounds
        return Rings(self.rows, np.asarray(x, dtype=float), np.asarray(y, dtype=float), self.offsets, kept,
                     self.multi)

    def subset(self, keep: np.ndarray) -> Rings:
        """The rings where ``keep`` (bool, one per ring) is true."""
        keep = np.asarray(keep, dtype=bool)
        if keep.all():
            return self
        vertex = np.repeat(keep, self.counts)
        counts = self.counts[keep]
        return Rings(self.rows[keep], self.x[vertex], self.y[vertex],
                     np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
                     None if self.source_bounds is None else self.source_bounds[keep],
                     None if self.multi is None else self.multi[keep])

    def edges(self) -> tuple[Rings, np.ndarray, np.ndarray]:
        """Each ring's edges, vertex i to i+1: ``(first ends, second ends' x, y)``, the first
        ends as rings of their own (one vertex fewer each: the closing one starts no edge)."""
        n = len(self.rows)
        starts = np.ones(len(self.x), dtype=bool)
        starts[self.offsets[1:] - 1] = False
        nxt = np.flatnonzero(starts) + 1
        first = Rings(self.rows, self.x[starts], self.y[starts], self.offsets - np.arange(n + 1))
        return first, self.x[nxt], self.y[nxt]

    def reduce(self, values: np.ndarray, ufunc) -> np.ndarray:
        """``ufunc.reduceat`` of per-vertex ``values`` over each ring. A minimum, maximum,
        all or any (whose result does not depend on the order) is taken column by column
        when every ring has as many vertices (a batch of rectangles), which costs a fifth; a
        sum stays ``reduceat``'s (numpy adds a ring's terms after the first pairwise)."""
        if not len(self.rows):
            return np.empty(0, dtype=values.dtype)
        k = self._same_count
        if not k or ufunc not in _ORDER_FREE:
            return ufunc.reduceat(values, self.offsets[:-1])
        columns = values.reshape(-1, k)
        out = columns[:, 0].copy()
        for j in range(1, k):
            ufunc(out, columns[:, j], out=out)
        return out

    @cached_property
    def _same_count(self) -> int:
        """The vertices of each ring when every ring has as many, up to 16; else 0."""
        c = self.counts
        return int(c[0]) if len(c) and c[0] <= 16 and (c == c[0]).all() else 0

    @cached_property
    def bounds(self) -> np.ndarray:
        """(n, 4) xmin, ymin, xmax, ymax (worked out once: the frame, the pilot areas and the
        coordinate check each ask)."""
        return np.column_stack([self.reduce(self.x, np.minimum), self.reduce(self.y, np.minimum),
                                self.reduce(self.x, np.maximum), self.reduce(self.y, np.maximum)])

    def polygons(self) -> np.ndarray:
        """The rings as shapely Polygons, or MultiPolygons of one part where they were read
        as such (object array, one per ring)."""
        if not len(self.rows):
            return np.empty(0, dtype=object)
        ring_index = self.ring_of_vertex()
        lr = shapely.linearrings(np.column_stack([self.x, self.y]), indices=ring_index)
        out = np.asarray(shapely.polygons(lr), dtype=object)
        if self.multi is not None and self.multi.any():
            m = np.flatnonzero(self.multi)
            out[m] = shapely.multipolygons(out[m], indices=np.arange(len(m)))
        return out

    def area_m2(self) -> np.ndarray:
        """Area of each ring, as GEOS computes a polygon's (``Area::ofRing``: the shoelace
        relative to the first vertex, term for term). [square units of x, y]"""
        n = len(self.x)
        if not n:
            return np.zeros(0)
        start = self.offsets[:-1]
        x0 = np.repeat(self.x[start], self.counts)
        prev = np.roll(self.y, 1)
        nxt = np.roll(self.y, -1)
        term = (self.x - x0) * (prev - nxt)
        # GEOS sums i = 1 .. n-2 of each ring (not the first vertex, nor the closing one)
        first = np.zeros(n, dtype=bool)
        first[start] = True
        last = np.zeros(n, dtype=bool)
        last[self.offsets[1:] - 1] = True
        term[first | last] = 0.0
        return np.abs(_ordered_sums(term, self.offsets) / 2.0)


#: Reductions whose result does not depend on the order of the terms.
_ORDER_FREE = (np.minimum, np.maximum, np.logical_and, np.logical_or)


def _ordered_sums(values: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Per ring, the sum of ``values`` added one by one in order (as a C loop would):
    ``np.add.reduceat`` may add pairwise, which rounds differently."""
    counts = np.diff(offsets)
    out = np.zeros(len(counts))
    if not len(counts):
        return out
    starts = offsets[:-1]
    for k in range(int(counts.max())):   # k-th term of every ring that has one: GEOS's order
        live = counts > k
        out[live] += values[starts[live] + k]
    return out


def _u32(buf: np.ndarray, at: np.ndarray) -> np.ndarray:
    """Little-endian uint32 at byte positions ``at`` (any alignment)."""
    b = buf[at[:, None] + np.arange(4)].astype(np.int64)
    return b[:, 0] | (b[:, 1] << 8) | (b[:, 2] << 16) | (b[:, 3] << 24)


def _header(buf: np.ndarray, at: np.ndarray, kind: int) -> np.ndarray:
    """Little-endian 2D ISO WKB of geometry type ``kind`` starts at byte positions ``at``."""
    return ((buf[at] == 1) & (buf[at + 1] == kind) & (buf[at + 2] == 0) & (buf[at + 3] == 0)
            & (buf[at + 4] == 0))


def from_wkb(raw: np.ndarray, is_bytes: np.ndarray | None = None) -> Rings:
    """The rows of ``raw`` (WKB bytes per row, or None) that are one closed ring of 4 to
    :data:`MAX_VERTICES` finite vertices: a Polygon, or a MultiPolygon of one such Polygon (``multi``), in
    little-endian 2D ISO WKB throughout, exactly as long as that (so that shapely would
    write the very same bytes). Everything else (several parts, holes, big-endian, Z/M,
    EWKB, curves, text) is left to shapely. ``is_bytes``: which rows hold bytes, if known."""
    raw = np.asarray(raw, dtype=object)
    if is_bytes is None:
        is_bytes = bytes_rows(raw)
    rows = np.flatnonzero(is_bytes)
    if not rows.size:
        return _no_rings()
    values = raw[rows].tolist()
    lengths = np.fromiter(map(len, values), dtype=np.int64, count=len(values))
    buf = np.frombuffer(b"".join(values), dtype=np.uint8)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
    return from_buffer(buf, starts, lengths, rows)


def _no_rings() -> Rings:
    return Rings(np.zeros(0, np.int64), np.zeros(0), np.zeros(0), np.zeros(1, np.int64),
                 multi=np.zeros(0, dtype=bool))


def from_buffer(buf: np.ndarray, starts: np.ndarray, lengths: np.ndarray, rows: np.ndarray) -> Rings:
    """:func:`from_wkb` of WKB values laid in one byte buffer ``buf`` (uint8): value ``k``
    (of row ``rows[k]``) is ``buf[starts[k]:starts[k] + lengths[k]]``, as an Arrow binary
    column holds them (read without making a Python object per value)."""
    empty = _no_rings()
    if not len(rows):
        return empty
    starts = np.asarray(starts, dtype=np.int64)
    lengths = np.asarray(lengths, dtype=np.int64)
    if len(starts) > 1 and (starts[1:] < starts[:-1] + lengths[:-1]).any():
        # values not laid one after another: gathered so (the coordinate runs below need it)
        packed = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
        buf = buf[np.repeat(starts - packed, lengths) + np.arange(int(lengths.sum()))]
        starts = packed
    lo, hi = int(starts[0]), int(starts[-1] + lengths[-1])
    buf, starts = buf[lo:hi], starts - lo    # the values' span only (an Arrow slice's buffer is its parent's)
    long_enough = lengths >= 13
    s = starts[long_enough]
    ln = lengths[long_enough]
    multi = np.zeros(len(s), dtype=bool)
    m = np.flatnonzero(_header(buf, s, 6) & (ln >= 22))
    multi[m] = (_u32(buf, s[m] + 5) == 1) & _header(buf, s[m] + 9, 3)   # one part, a polygon
    base = s + np.where(multi, 9, 0)                 # where the polygon starts
    head = _header(buf, base, 3)
    hs = base[head]
    npts = np.zeros(len(s), dtype=np.int64)
    one_ring = np.zeros(len(s), dtype=bool)
    one_ring[head] = _u32(buf, hs + 5) == 1
    npts[head] = _u32(buf, hs + 9)
    ok = head & one_ring & (npts >= 4) & (npts <= MAX_VERTICES) & (ln == (base - s) + 13 + 16 * npts)
    good = np.zeros(len(rows), dtype=bool)
    good[np.flatnonzero(long_enough)[ok]] = True
    if not good.any():
        return empty
    gn = npts[ok]
    # the coordinate bytes of the good rows, in order: runs of (skip, keep) bytes
    begin = base[ok] + 13
    end = begin + 16 * gn
    runs = np.empty(2 * len(begin) + 1, dtype=np.int64)
    runs[0:-1:2] = begin - np.concatenate([[0], end[:-1]])
    runs[1::2] = 16 * gn
    runs[-1] = len(buf) - end[-1]
    keep = np.zeros(len(runs), dtype=bool)
    keep[1::2] = True
    coords = buf[np.repeat(keep, runs)].view("<f8").reshape(-1, 2)
    x, y = coords[:, 0].copy(), coords[:, 1].copy()
    offsets = np.concatenate([[0], np.cumsum(gn)]).astype(np.int64)
    out = Rings(rows[good], x, y, offsets, multi=multi[ok])
    finite = out.reduce(np.isfinite(x) & np.isfinite(y), np.logical_and)
    closed = (x[offsets[:-1]] == x[offsets[1:] - 1]) & (y[offsets[:-1]] == y[offsets[1:] - 1])
    return out.subset(finite & closed)


def bytes_rows(raw: np.ndarray) -> np.ndarray:
    """Which values of an object array are ``bytes`` (WKB)."""
    return np.fromiter((type(v) is bytes for v in raw), dtype=bool, count=len(raw))


def convex(rings: Rings) -> np.ndarray:
    """Per ring: strictly convex and simple (every turn the same way and clearly so, going
    around exactly once). Such a ring makes a valid polygon; rings with a straight or
    repeated vertex, a dent or a crossing are False (shapely decides those)."""
    n = len(rings)
    if not n:
        return np.zeros(0, dtype=bool)
    first, bx, by = rings.edges()
    ex, ey = bx - first.x, by - first.y
    counts, e_off = first.counts, first.offsets   # edges per ring, and where each ring's begin
    # the edge before each edge, within its ring (the first edge's is the ring's last)
    prev = np.arange(len(ex)) - 1
    prev[e_off[:-1]] = e_off[1:] - 1
    px, py = ex[prev], ey[prev]
    cross = px * ey - py * ex
    dot = px * ex + py * ey
    lengths = np.hypot(px, py) * np.hypot(ex, ey)
    strict_pos = cross > STRICT_SIN * lengths
    strict_neg = cross < -STRICT_SIN * lengths
    all_pos = first.reduce(strict_pos, np.logical_and)   # per ring, over its edges
    all_neg = first.reduce(strict_neg, np.logical_and)
    turning = first.reduce(np.arctan2(cross, dot), np.add)
    once = np.abs(turning) < 3 * np.pi     # 2π: once around; a star goes 4π or more
    return (all_pos | all_neg) & once & (counts >= 3)
