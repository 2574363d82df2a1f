"""Exact-but-fast projection into a station's metric frame (issue 13 item 6).

PROJ transforms one vertex at a time (≈ 1 µs each). Near one station the map from an input
CRS (lon/lat, or a Gauss-Krüger grid) into the station-centred azimuthal equidistant frame is
smooth, so a bivariate polynomial in the offsets from the station (Δlon/Δlat, or ΔE/ΔN)
reproduces it to far below a millimetre. This module builds such a polynomial per
(input CRS, station frame) pair on first use, **verifies it against PROJ on a dense grid over
the whole box where it will be used**, and uses it only where that verification passed:

* the fit: least squares of degree :data:`DEGREE` on a ``FIT_N × FIT_N`` grid covering the box
  of input coordinates whose image is within ``RADIUS_M`` of the station;
* the check: PROJ and the polynomial on a finer, offset ``CHECK_N × CHECK_N`` grid over the
  same box; the largest difference must be ≤ :data:`BOUND_M` (1 mm) or the polynomial is
  discarded and PROJ does all the work;
* coordinates outside the box, and non-finite ones, always go to PROJ.

The measured error is kept (:attr:`FramePolynomial.max_error_m`); for the Jiangxian station it
is ≈ 1e-8 m from WGS84/CGCS2000 lon/lat and from EPSG:4546 within 25 km (see the tests).
Setting :data:`ENABLED` to False switches it off (every vertex through PROJ; for tests).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np
from pyproj import CRS, Transformer
from pyproj.enums import TransformDirection

__all__ = ["RADIUS_M", "BOUND_M", "DEGREE", "FramePolynomial", "polynomial_for", "project"]

#: Frame radius the polynomial covers around the station [m] (a box in input coordinates
#: slightly larger than this circle is fitted and verified).
RADIUS_M = 25_000.0
#: Largest accepted difference from PROJ on the verification grid [m].
BOUND_M = 0.001
#: Polynomial degree in the normalised offsets (total degree).
DEGREE = 5
FIT_N = 41
CHECK_N = 97

_lock = threading.Lock()
_cache: dict[tuple[str, str], FramePolynomial | None] = {}


#: Whether the verified polynomial is used (False: every vertex through PROJ).
ENABLED = True


def enabled() -> bool:
    return ENABLED


def _is_frame(crs: CRS) -> bool:
    """True for an azimuthal equidistant frame (the station frame's projection)."""
    op = crs.coordinate_operation
    return bool(crs.is_projected and op is not None and "azimuthal equidistant" in op.method_name.lower())


def _period(crs: CRS) -> float:
    """360 when the first coordinate (with ``always_xy``) is a longitude in degrees, else 0."""
    if not crs.is_geographic:
        return 0.0
    axes = [a for a in crs.axis_info if a.direction in ("east", "west")]
    return 360.0 if axes and axes[0].unit_name.startswith("degree") else 0.0


def _offset(d: np.ndarray, period: float) -> np.ndarray:
    """Offsets ``d`` from the box centre; with a ``period`` (360 for a longitude) taken the
    short way round: for a station at 179.9995°, −179.9995° is 0.001° east of it, not
    359.999° west. Only offsets beyond half a period change, so every other number is the
    plain difference, bit for bit."""
    if not period:
        return d
    half = period / 2
    with np.errstate(invalid="ignore"):
        wrap = np.abs(d) > half
    return np.where(wrap, (d + half) % period - half, d) if wrap.any() else d


def _terms(u: np.ndarray, v: np.ndarray, degree: int) -> np.ndarray:
    cols = []
    for i in range(degree + 1):
        for j in range(degree + 1 - i):
            cols.append(u ** i * v ** j)
    return np.stack(cols, axis=-1)


@dataclass(frozen=True)
class FramePolynomial:
    """Input CRS → station frame near the station, as a verified polynomial.

    ``x_frame = Σ a_ij u^i v^j``, ``y_frame = Σ b_ij u^i v^j`` with ``u = (x − x0)/sx``,
    ``v = (y − y0)/sy`` (input units), used only for ``|u| ≤ 1 and |v| ≤ 1``.
    """

    x0: float
    y0: float
    sx: float
    sy: float
    a: np.ndarray            #: (degree+1, degree+1) coefficients, a[i, j] for u^i v^j
    b: np.ndarray
    max_error_m: float       #: largest difference from PROJ on the verification grid [m]
    #: 360 when x is a longitude in degrees (x0 ± 360 is the same place), else 0
    period: float = 0.0

    def dx(self, x: np.ndarray) -> np.ndarray:
        """``x − x0``, a longitude's the short way round (:func:`_offset`)."""
        return _offset(np.asarray(x, dtype=float) - self.x0, self.period)

    def inside(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        with np.errstate(invalid="ignore"):
            return (np.abs(self.dx(x)) <= self.sx) & (np.abs(y - self.y0) <= self.sy)

    def __call__(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Frame coordinates [m] for input coordinates inside the box (Horner in u, then v)."""
        u = self.dx(x) / self.sx
        v = (y - self.y0) / self.sy
        return _horner(self.a, u, v), _horner(self.b, u, v)


def _horner(c: np.ndarray, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    deg = c.shape[0] - 1
    out: np.ndarray | None = None
    for i in range(deg, -1, -1):
        # inner polynomial in v for u^i
        inner = np.full_like(v, c[i, deg - i])
        for j in range(deg - i - 1, -1, -1):
            inner *= v
            inner += c[i, j]
        if out is None:
            out = inner
        else:
            out *= u
            out += inner
    assert out is not None  # deg >= 0: the loop ran at least once
    return out


def _fit(fwd: Transformer, period: float = 0.0) -> FramePolynomial | None:
    def inv_transform(x, y):
        return fwd.transform(x, y, direction=TransformDirection.INVERSE)

    class inv:
        transform = staticmethod(inv_transform)
    # the box in input coordinates that holds the frame disc of RADIUS_M (plus 2 %)
    t = np.linspace(0, 2 * np.pi, 73)
    ex, ey = inv.transform(RADIUS_M * 1.02 * np.sin(t), RADIUS_M * 1.02 * np.cos(t))
    x0, y0 = inv.transform(0.0, 0.0)
    if not (np.all(np.isfinite(ex)) and np.all(np.isfinite(ey))):
        return None
    # the box's half widths; a longitude the short way round (PROJ gives −179.9° for a
    # point east of a station at 179.9°): the box may reach past ±180°, PROJ takes that
    sx = float(np.max(np.abs(_offset(np.asarray(ex) - x0, period))))
    sy = float(np.max(np.abs(np.asarray(ey) - y0)))

    def grid(n: int, shift: float = 0.0):
        g = np.linspace(-1, 1, n)
        if shift:
            g = np.clip(g + shift * (g[1] - g[0]), -1, 1)
            g = np.unique(np.concatenate([g, [-1.0, 1.0]]))
        uu, vv = np.meshgrid(g, g)
        return uu.ravel(), vv.ravel()

    u, v = grid(FIT_N)
    fx, fy = fwd.transform(x0 + u * sx, y0 + v * sy)
    fx, fy = np.asarray(fx), np.asarray(fy)
    if not (np.all(np.isfinite(fx)) and np.all(np.isfinite(fy))):
        return None
    A = _terms(u, v, DEGREE)
    # normal equations: A is well conditioned on [-1, 1]² (cond ≈ 45 at degree 5), and a
    # 21×21 solve avoids LAPACK's least-squares driver (slow to start on a busy machine)
    ca, cb = np.linalg.solve(A.T @ A, A.T @ np.column_stack([fx, fy])).T
    a = np.zeros((DEGREE + 1, DEGREE + 1))
    b = np.zeros((DEGREE + 1, DEGREE + 1))
    k = 0
    for i in range(DEGREE + 1):
        for j in range(DEGREE + 1 - i):
            a[i, j], b[i, j] = ca[k], cb[k]
            k += 1
    poly = FramePolynomial(float(x0), float(y0), sx, sy, a, b, np.inf, period)
    # verify on a finer grid offset from the fit grid (edges included)
    u, v = grid(CHECK_N, shift=0.5)
    xs, ys = x0 + u * sx, y0 + v * sy
    px, py = fwd.transform(xs, ys)
    qx, qy = poly(xs, ys)
    err = float(np.max(np.hypot(np.asarray(px) - qx, np.asarray(py) - qy)))
    if not np.isfinite(err) or err > BOUND_M:
        return None
    return FramePolynomial(poly.x0, poly.y0, sx, sy, a, b, err, period)


def polynomial_for(src_wkt: str, dst_wkt: str, transformer=None) -> FramePolynomial | None:
    """The verified polynomial for this pair, built on first use; None when the destination is
    not a station frame, the source is not a plain CRS, or the fit missed :data:`BOUND_M`."""
    key = (src_wkt, dst_wkt)
    if key in _cache:
        return _cache[key]
    with _lock:
        if key not in _cache:
            poly = None
            try:
                src, dst = CRS.from_wkt(src_wkt), CRS.from_wkt(dst_wkt)
                if _is_frame(dst) and not _is_frame(src):
                    fwd = transformer() if transformer else Transformer.from_crs(src, dst, always_xy=True)
                    poly = _fit(fwd, _period(src))
            except Exception:  # any PROJ refusal: no fast path, PROJ does it all
                poly = None
            _cache[key] = poly
    return _cache[key]


def project(src_wkt: str, dst_wkt: str, x: np.ndarray, y: np.ndarray, proj,
            transformer=None) -> tuple[np.ndarray, np.ndarray]:
    """``proj(x, y)`` (PROJ) with the polynomial used where it is verified.

    ``proj`` is the PROJ path (called only for the coordinates outside the box);
    ``transformer()`` gives the PROJ transformer the fit may use."""
    # Every coordinate near the station goes through the polynomial, however few come in one
    # call: a vertex lands on the same frame coordinates whether it is checked alone, in a
    # small file or in a chunk of a large one, before or after other work in the process
    # (PROJ and the polynomial differ by ~1e-9 m, enough to move a D that lies on a band's
    # edge across it). Fitting and verifying costs ~20 ms once per process and CRS.
    poly = polynomial_for(src_wkt, dst_wkt, transformer) if enabled() else None
    if poly is None:
        return proj(x, y)
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    inside = poly.inside(x, y)
    if inside.all():
        return poly(x, y)
    ox = np.empty_like(x)
    oy = np.empty_like(y)
    ox[inside], oy[inside] = poly(x[inside], y[inside])
    out = ~inside
    if out.any():
        rx, ry = proj(x[out], y[out])
        ox[out], oy[out] = rx, ry
    return ox, oy
