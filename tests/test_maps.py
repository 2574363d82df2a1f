"""Map building without a browser: contours, escaping, offline resources, basemaps."""

from __future__ import annotations

import json
import math
import re
import shutil

import geopandas as gpd
import numpy as np
import pytest
import shapely
from conftest import HALF, TAN5, imported_stations, read_output
from pyproj import CRS, Transformer

from geozones.check import ZoneSet
from geozones.core.coords import from_frame
from geozones.io.serialise import script_json
from geozones.maps import COLORS, _network_bands, build_map, contour_lines, height_bands, parcel_places, write_map
from geozones.station import default_station_path, load_stations


@pytest.fixture(scope="module")
def zones():
    return ZoneSet()


def test_contours_at_hand_worked_distances(zones):
    field = zones.frame.field
    lines = contour_lines(zones, 3000.0)
    ratio = {h: line for h, line, w in lines if w == "ratio"}
    sun = {h: line for h, line, w in lines if w == "sun"}
    # Drawn rings are polygons with 64 segments a quarter circle; a point where a sector edge
    # cuts a ring lies on a chord, inside the circle by at most the sagitta R (1 - cos(π/256)).
    def sagitta(r):
        return r * (1 - math.cos(math.pi / 256)) + 1e-6

    # outside the sectors H = D/10: the 10 m line is 100 m from the fence, the 200 m line 2000 m
    for h, line in ratio.items():
        d = np.array([field.distance(shapely.Point(c)) for c in shapely.get_coordinates(line)])
        assert np.all(d <= h * 10 + 1e-6) and np.all(d >= h * 10 - sagitta(h * 10)), h
    # inside the sectors H = D tan 5°: 10 m at 114.3 m, 100 m at 1143 m
    for h, line in sun.items():
        d = np.array([field.distance(shapely.Point(c)) for c in shapely.get_coordinates(line)])
        assert np.all(d <= h / TAN5 + 1e-6) and np.all(d >= h / TAN5 - sagitta(h / TAN5)), h
    assert 10.0 / TAN5 == pytest.approx(114.30, abs=0.01)
    assert max(ratio) == 200.0 and max(sun) == 250.0  # 3000 m × tan 5° = 262 m


def test_safe_json_cannot_close_script():
    text = script_json({"n": "</script><img src=x onerror=alert(1)>&"})
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text)["n"] == "</script><img src=x onerror=alert(1)>&"


def test_default_page_is_self_contained(zones, tmp_path):
    out = tmp_path / "m.html"
    write_map(build_map(zones, None, tiles="none"), out)
    page = out.read_text(encoding="utf-8")
    # no script, stylesheet or image from anywhere: Leaflet, Leaflet.draw and their images inline
    assert not re.search(r'<(script|link|img)[^>]+(src|href)="https?://', page)
    assert not re.search(r"url\((?!['\"]?(data:|#))", page)
    assert "L.Control.Draw" in page and "L.map" in page
    online = tmp_path / "o.html"
    write_map(build_map(zones, None, tiles="osm", cdn=True), online)
    text = online.read_text()
    assert 'src="https://cdn.jsdelivr.net/npm/leaflet@1.9.4/dist/leaflet.js"' in text
    assert 'src="https://cdn.jsdelivr.net/npm/leaflet-draw@1.0.4/dist/leaflet.draw.js"' in text
    assert "jquery" not in text.lower()
    assert out.stat().st_size > online.stat().st_size + 150_000  # Leaflet + Leaflet.draw inlined


def test_height_bands_follow_the_stricter_limit(zones):
    # hand-worked from the rule rows: north of the field (outside the sun sectors) H = D / 10,
    # so the 20-30 m band spans D = 200-300 m; east (sunrise sector) H = D tan 5°, so the same
    # band spans D = 20/tan5 = 228.6 m to 30/tan5 = 342.9 m. Within 50 m nothing may be built.
    bands = {(lo, hi): g for lo, hi, g in height_bands(zones, 3000.0, cell_m=5.0)}
    band = bands[(20.0, 30.0)]
    for d, inside in ((205, True), (295, True), (190, False), (310, False)):
        assert band.contains(shapely.Point(0, HALF + d)) == inside, d
    for d, inside in ((236, True), (335, True), (220, False), (350, False)):
        assert band.contains(shapely.Point(HALF + d, 0)) == inside, d
    assert bands[(0.0, 0.0)].contains(shapely.Point(0, HALF + 40))
    # wind unknown: out to the upwind reach (5000 m) the general zone's H = D / 10 applies for
    # review, so 2100 m north is in the top band (> 200 m); beyond 5000 m nothing limits
    assert bands[(200.0, math.inf)].contains(shapely.Point(0, HALF + 2100))
    far = height_bands(zones, 6000.0, cell_m=20.0)
    assert not any(g.contains(shapely.Point(0, HALF + 5200)) for _lo, _hi, g in far)
    assert any(g.contains(shapely.Point(HALF + 5200, 0)) for _lo, _hi, g in far)  # sunrise sector


def test_parcel_places_groups_the_sample(zones):
    gdf = read_output("data/sample/parcels.gpkg").to_crs(4326)
    groups = parcel_places(np.asarray(gdf.geometry.values, dtype=object), ["pass"] * len(gdf), zones, "en")
    assert [g["n"] for g in groups] == [350, 40]
    assert "Jiangxian" in groups[0]["label"] and "Pinglu" in groups[1]["label"]
    (s0, w0), (n0, e0) = groups[1]["bounds"]
    assert 34.7 < s0 < n0 < 35.0 and 111.1 < w0 < e0 < 111.3  # Pinglu, ~80 km south-west


def test_verdict_colours_survive_colour_blindness():
    # Machado et al. (2009) simulation, severity 1, applied in linear RGB: every pair of verdict
    # colours stays apart for protanopes and deuteranopes (the old green/red did not)
    sims = {"protan": np.array([[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216],
                                [-0.003882, -0.048116, 1.051998]]),
            "deutan": np.array([[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
                                [-0.011820, 0.042940, 0.968881]])}

    def lin(hexcolor):
        c = np.array([int(hexcolor[i:i + 2], 16) / 255 for i in (1, 3, 5)])
        return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)

    def worst(colors):
        out = 1.0
        for m in sims.values():
            sim = {k: np.clip(m @ lin(c), 0, 1) ** (1 / 2.2) for k, c in colors.items()}
            keys = list(sim)
            out = min(out, min(np.linalg.norm(sim[a] - sim[b]) for i, a in enumerate(keys) for b in keys[i + 1:]))
        return out

    assert worst({k: COLORS[k] for k in ("pass", "review", "fail")}) > 0.2
    assert worst({"pass": "#2e7d32", "review": "#f9a825", "fail": "#c62828"}) < worst(
        {k: COLORS[k] for k in ("pass", "review", "fail")})


def test_hostile_names_are_not_markup(zones, tmp_path):
    gdf = gpd.GeoDataFrame({"name": ["<img src=x onerror=alert(1)>"], "gz_verdict": ["fail"],
                            "gz_rules": ["height_ratio</script>"]},
                           geometry=[shapely.box(111.574, 35.505, 111.5745, 35.5054)], crs=4326)
    out = tmp_path / "m.html"
    write_map(build_map(zones, gdf, tiles="none", offline=True), out)
    page = out.read_text(encoding="utf-8")
    assert "<img src=x" not in page and "height_ratio</script>" not in page
    assert "\\u003cimg src=x onerror=alert(1)\\u003e" in page


def test_gaode_shifts_overlays(zones, tmp_path):
    a, b = tmp_path / "a.html", tmp_path / "b.html"
    write_map(build_map(zones, None, tiles="none"), a)
    write_map(build_map(zones, None, tiles="gaode"), b)
    gz = json.loads(re.search(r"var GZ = (\{.*?\});\n", b.read_text(encoding="utf-8")).group(1))
    assert gz["gcj"] is not None and len(gz["gcj"]["d"]) == gz["gcj"]["nx"] * gz["gcj"]["ny"]
    lat, lon = gz["station"]["shown"]
    # the station drawn ~ 500-600 m east-south-east of its WGS84 position (GCJ-02 here)
    dx = (lon - 111.571) * 111_320 * math.cos(math.radians(35.504))
    dy = (lat - 35.504) * 110_950
    assert 400 < math.hypot(dx, dy) < 800 and dx > 0


TABLE = """id,name,name_zh,lat,lon,elevation,class,source
t_gen,Test general,测试一般站,35.504,111.6007,760,general,TEST DATA synthetic position
"""


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    st = imported_stations(tmp_path_factory.mktemp("mapnet"), TABLE)
    shutil.copy(default_station_path(), st / "jiangxian.toml")
    return st


def test_bands_show_the_lowest_limit_over_the_stations(folder):
    # Hand-worked: the point 800 m east of Jiangxian's centre (D = 787.5 m from its fence, due
    # east: in its sunrise sector) permits 787.5 × tan 5° = 68.9 m there. From the general test
    # station (≈ 2.7 km further east) the point is due west, in its sunset sector, ≈ 1.9 km from
    # its fence: 1.9 km × tan 5° ≈ 165 m, and beyond its 800 m height-limit reach. In the test
    # station's own band layer the point must therefore show Jiangxian's lower limit, (60, 70],
    # not its own (160, 170].
    stations = {s.id: s for s in load_stations(folder)}
    network = [ZoneSet(stations["t_gen"], pilots=()), ZoneSet(stations["jiangxian"], pilots=())]
    x, y = Transformer.from_crs(network[1].frame.crs, network[0].frame.crs, always_xy=True).transform(800.0, 0.0)
    assert x == pytest.approx(-1900, abs=40) and abs(y) < 40
    assert 787.5 * math.tan(math.radians(5)) == pytest.approx(68.90, abs=0.01)
    bands = _network_bands(network, extent_m=2500.0)
    hit = [(lo, hi) for lo, hi, poly in bands[0] if poly.covers(shapely.Point(x, y))]
    assert hit == [(60.0, 70.0)]
    # the test station's own layer alone would say (160, 170]
    from geozones.maps import height_bands

    own = [(lo, hi) for lo, hi, poly in height_bands(network[0], 2500.0) if poly.covers(shapely.Point(x, y))]
    assert own == [(160.0, 170.0)]
    assert np.isfinite(x)


def test_screened_parcels_carry_their_governing_station(folder, tmp_path):
    import geopandas as gpd

    from geozones.maps import build_map, write_map

    stations = {s.id: s for s in load_stations(folder)}
    zs = ZoneSet(stations["jiangxian"], pilots=())
    geoms = from_frame(np.array([shapely.box(0, 300, 20, 320), shapely.box(2700, 300, 2720, 320)], dtype=object),
                       zs.frame.crs, CRS.from_epsg(4326))
    gdf = gpd.GeoDataFrame({"name": ["a", "b"], "gz_verdict": ["pass", "fail"], "gz_station": ["jiangxian", "t_gen"]},
                           geometry=geoms, crs=4326)
    out = tmp_path / "p.html"
    write_map(build_map(zs, gdf, tiles="none", more=[ZoneSet(stations["t_gen"], pilots=())], extent_m=1500.0), out)
    parcels = json.loads(re.search(r"var GZ_PARCELS = (\{.*?\});</script>", out.read_text(encoding="utf-8")).group(1))
    assert [f["properties"]["st"] for f in parcels["features"]] == ["jiangxian", "t_gen"]


def test_hostile_text_stays_text_of_the_page(tmp_path):
    """Issue 23 item 1: parcel names, rule lists and statuses, the station's and the pilot
    area's names hold `</script>`, quotes, NUL, CR, U+2028 …: the page has as many <script>
    elements as a page of plain names (no value ended one or opened another), its title is
    the station's name as HTML can hold it (HOSTILE_TEXT's second column, worked by hand), and
    the parcels' JSON reads back with json.loads exactly as given."""
    import dataclasses
    from html.parser import HTMLParser

    from geometries import HOSTILE_TEXT

    from geozones.core.text import Text

    texts = [t for t, _m in HOSTILE_TEXT.values()]
    raw, shown = " | ".join(texts), " | ".join(m for _t, m in HOSTILE_TEXT.values())
    base = ZoneSet()

    def page(names, station_name):
        zs = ZoneSet(dataclasses.replace(base.station, name=Text(station_name, station_name)),
                     [dataclasses.replace(base.pilots[0], name=Text(station_name, station_name))])
        gdf = gpd.GeoDataFrame({"name": names, "gz_verdict": ["fail"] * len(names), "gz_rules": names,
                                "gz_status": names},
                               geometry=[shapely.box(111.574 + i * 1e-4, 35.505, 111.57405 + i * 1e-4, 35.5054)
                                         for i in range(len(names))], crs=4326)
        out = tmp_path / f"m{len(list(tmp_path.iterdir()))}.html"
        write_map(build_map(zs, gdf, tiles="none"), out)
        return out.read_text(encoding="utf-8")

    counts: list[dict[str, int]] = []
    title: list[str] = []   # one per page

    class Page(HTMLParser):
        def handle_starttag(self, tag, attrs):
            counts[-1][tag] = counts[-1].get(tag, 0) + 1
            self.in_title = tag == "title"

        def handle_endtag(self, tag):
            self.in_title = False

        def handle_data(self, data):
            if getattr(self, "in_title", False):
                title[-1] += data

    pages = [page(texts, raw), page([f"n{i}" for i in range(len(texts))], "plain")]
    for text in pages:
        counts.append({})
        title.append("")
        Page(convert_charrefs=True).feed(text)
    assert counts[0]["script"] == counts[1]["script"] and counts[0].get("img", 0) == counts[1].get("img", 0)
    assert title == [f"{shown}: protection zones", "plain: protection zones"]
    parcels = json.loads(re.search(r"var GZ_PARCELS = (\{.*?\});</script>", pages[0], re.S).group(1))
    props = [f["properties"] for f in parcels["features"]]
    assert [p["n"] for p in props] == [p["r"] for p in props] == [p["s"] for p in props] == texts
    assert "\u2028" not in pages[0].split("var GZ = ", 1)[1].split("</script>", 1)[0]


def test_height_bands_tile_the_grid_without_gaps_or_overlaps(zones):
    """Issue 25 item 5: within 1500 m of the field every cell has a limit (wind unknown: the
    general zone reaches 5000 m upwind), so the bands must tile the 3000 m square exactly:
    their union is the square, the sum of their areas is the square's area (no overlap), no
    band leaves a hole another does not fill, and neighbours meet along a shared edge (their
    intersection is lines only). Simplified one by one, they left slivers between them."""
    bands = [g for _lo, _hi, g in height_bands(zones, 1500.0, cell_m=10.0)]
    square = shapely.box(-1500, -1500, 1500, 1500)
    assert len(bands) > 10
    union = shapely.union_all(bands)
    assert shapely.symmetric_difference(union, square).area < 1e-6
    assert sum(g.area for g in bands) == pytest.approx(square.area, abs=1e-6)
    touching = 0
    for i, a in enumerate(bands):
        for b in bands[i + 1:]:
            if a.intersects(b):
                assert shapely.intersection(a, b).area < 1e-9
                if shapely.intersection(a.boundary, b.boundary).length > 0:
                    touching += 1
    assert touching >= len(bands) - 1


def _page(zones, tmp_path, lang="en"):
    """The page of the Jiangxian station with one review parcel: its HTML and config (GZ)."""
    parcels = gpd.GeoDataFrame({
        "name": ["a"], "gz_verdict": ["review"], "gz_height_m": [12.0], "gz_max_height_m": [30.0],
        "gz_exceedance_m": [0.0], "gz_rules": ["general_height"], "gz_status": ["ok"]},
        geometry=from_frame(np.array([shapely.box(-20, HALF + 1300, 20, HALF + 1330)], dtype=object),
                            zones.frame.crs, CRS.from_epsg(4326)), crs=4326)
    out = tmp_path / "m.html"
    write_map(build_map(zones, parcels, tiles="none", lang=lang), out)
    html = out.read_text(encoding="utf-8")
    return html, json.loads(re.search(r"var GZ = (\{.*?\});\n", html).group(1))


def _rgb(c):
    c = c.lstrip("#")
    return np.array([int(c[i:i + 2], 16) for i in (0, 2, 4)], dtype=float)


def test_legend_is_narrow_and_collapsible(zones, tmp_path):
    """The legend is a fifth of the page wide at most (CSS max-width ≤ 20vw, text wrapping), has
    a toggle that hides its body, starts collapsed below a stated width, and keys the drawings
    in their own colour."""
    html, gz = _page(zones, tmp_path, "zh")
    rule = re.search(r"\.gz-legend\{([^}]*)\}", html).group(1)
    decl = {k.strip(): v.strip() for k, v in (d.split(":", 1) for d in rule.split(";") if d.strip())}
    assert decl["max-width"].endswith("vw") and float(decl["max-width"][:-2]) <= 20
    assert decl["white-space"] == "normal" and "overflow-wrap" in decl
    assert re.search(r"\.gz-legend\.gz-collapsed \.gz-legend-body\{display:none\}", html)
    assert 'class="gz-legend-toggle"' in html and "gz-collapsed" in html
    assert 400 <= gz["legend_collapse_below"] <= 800
    assert f'stroke="{gz["drawn_style"]["color"]}"' in gz["legend"]


def test_drawings_parcels_and_bands_read_apart(zones, tmp_path):
    """Drawn proposals have a colour of their own, at least 80 (of 441) in RGB from every verdict,
    zone, band, contour and pilot colour; the parcels' pane lies above the zones' (Leaflet's
    overlayPane, 400) and the bands' below; the review outline is dark amber, at least 2 px,
    with a contrast of at least 3:1 against every band fill as seen (opaque band colour at the
    band pane's opacity over a white basemap); the bands are outlined in their own colour."""
    from geozones.maps import BAND_OPACITY, ZONE_STYLE

    html, gz = _page(zones, tmp_path)
    band_fills = set(re.findall(r'"fillColor": "(#[0-9a-f]{6})", "fillOpacity": 1', html))
    assert len(band_fills) > 10
    others = ({c.lower() for c in COLORS.values()} | {c for c, _o in ZONE_STYLE.values()} | band_fills
              | {"#37474f", "#6a1b9a", "#00695c", "#000000", gz["review_outline"]})
    drawn = gz["drawn_style"]["color"]
    assert drawn == gz["drawn_style"]["fillColor"] and gz["drawn_style"]["dashArray"]
    assert min(np.linalg.norm(_rgb(drawn) - _rgb(c)) for c in others) >= 80
    panes = gz["panes"]
    assert panes["zones"] == {"name": "overlayPane", "z": 400}
    assert panes["bands"]["z"] < 400 < panes["parcels"]["z"] < 600   # under the markers and popups
    created = dict(re.findall(r'createPane\(\s*"(\w+)"\);\s*\w+\.style\.zIndex = (\d+);', html))
    assert int(created[panes["parcels"]["name"]]) == panes["parcels"]["z"]
    assert int(created[panes["bands"]["name"]]) == panes["bands"]["z"]
    assert f".leaflet-{panes['bands']['name']}-pane{{opacity:{BAND_OPACITY}}}" in html
    # every band is filled opaque and outlined in its own colour, weight 1 (no hairline gaps)
    styles = re.findall(r'\{"color": "(#\w+)", "fillColor": "(#\w+)", "fillOpacity": 1, "opacity": 1, '
                        r'"stroke": true, "weight": (\d+)\}', html)
    assert len(styles) == len(band_fills) and all(c == f and int(w) >= 1 for c, f, w in styles)

    def luminance(rgb):   # WCAG 2 relative luminance of 0-255 RGB
        v = np.asarray(rgb) / 255
        v = np.where(v <= 0.03928, v / 12.92, ((v + 0.055) / 1.055) ** 2.4)
        return 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2]

    review = gz["review_outline"]
    r, g, b = _rgb(review)
    assert r > g > b and r < 160   # a dark amber
    for fill in band_fills:
        seen = BAND_OPACITY * _rgb(fill) + (1 - BAND_OPACITY) * 255
        lo, hi = sorted((luminance(_rgb(review)), luminance(seen)))
        assert (hi + 0.05) / (lo + 0.05) >= 3, fill
    assert "s.weight = 2.5" in html.split("if (v === \"review\")", 1)[1][:120]


def test_page_in_chinese_has_the_zh_catalogue_texts(zones, tmp_path):
    """With lang="zh" the page's words are the zh catalogue's: every text of the panel and
    popups (GZ.t) in Chinese where the English has words, the legend's headings the zh ones and
    none of the English, the articles as the plan's reader writes them (第十二条 …), and
    Leaflet.draw's texts in Chinese."""
    from geozones.text import article_label, t

    (tmp_path / "en").mkdir(), (tmp_path / "zh").mkdir()
    _html, en = _page(zones, tmp_path / "en")
    _html, zh = _page(zones, tmp_path / "zh", "zh")
    cjk = re.compile(r"[\u4e00-\u9fff]")
    assert en["t"].keys() == zh["t"].keys()
    for key, text in en["t"].items():
        if isinstance(text, str) and re.search(r"[A-Za-z]{3,}", re.sub(r"\{\w+\}", "", text)):
            assert cjk.search(zh["t"][key]) and zh["t"][key] != text, (key, zh["t"][key])
    assert zh["t"]["permitted"] == t("map_permitted", "zh") and zh["t"]["legend"] == t("map_legend", "zh")
    for key in ("map_bands", "map_zones", "map_station", "map_parcels", "map_drawn", "map_click"):
        assert t(key, "zh") in zh["legend"] and t(key, "en") not in zh["legend"], key
    rules = {r.id: r for r in zones.frame.station.rules}
    assert zh["articles"]["body"] == "第十二条 1" == article_label(rules["body"].article, "zh")
    for rid, label in zh["articles"].items():
        assert "Art." not in label and cjk.search(label), (rid, label)
    assert en["articles"]["body"] == "Art. 12.1"
    assert zh["draw_local"]["draw"]["toolbar"]["buttons"]["rectangle"] == t("draw_rectangle", "zh")
