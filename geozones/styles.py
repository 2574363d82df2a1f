"""Layers that open styled: QGIS styles inside GeoPackages, colours and attribute tables in KML.

- GeoPackage: QGIS reads a default style from the ``layer_styles`` table (its own schema,
  written by QGIS's "Save style → in database"); we write the same table with a QML
  categorised renderer: verdict colours for ``screen`` output, zone fills for ``zones``,
  a height ramp for the permitted-height steps.
- KML/KMZ (``zones``): one ``<Style>`` per feature colour (``PolyStyle``/``LineStyle``), the
  attributes as an HTML table in ``<description>`` and as ``<ExtendedData>``, which Google
  Earth and Ovital/奥维 show as a table.
"""

from __future__ import annotations

import sqlite3
import zipfile
from pathlib import Path

from .io.serialise import html_text, xml_document, xml_element

__all__ = ["VERDICT_COLOURS", "ZONE_COLOURS", "verdict_qml", "zones_qml", "steps_qml",
           "add_qgis_style", "write_kml", "colour_for", "step_colours"]

#: Fill colours (hex RGB) by verdict, as on the HTML maps.
VERDICT_COLOURS = {"pass": "#1a9850", "review": "#fdae61", "fail": "#d73027", "error": "#969696"}
#: Fill colours by zone id (pilot areas: ``pilot``).
ZONE_COLOURS = {"body": "#67000d", "protection": "#d7301f", "control": "#fc8d59",
                "general": "#fdd49e", "sunrise": "#fee391", "sunset": "#fe9929", "pilot": "#4575b4"}
_STEP_RAMP = ("#67000d", "#a50f15", "#d7301f", "#ef6548", "#fc8d59", "#fdbb84", "#fdd49e",
              "#fee8c8", "#f7fcb9", "#d9f0a3", "#addd8e", "#78c679", "#41ab5d", "#238443")


def step_colours(n: int) -> list[str]:
    """Colours of ``n`` permitted-height steps, lowest (red) first: ``n`` even samples of one
    red-to-green ramp (linear in RGB between its stops), so every step has a colour of its own
    (distinct for any ``n`` below a few hundred) and the highest step is the ramp's green."""
    stops = [tuple(int(c.lstrip("#")[i:i + 2], 16) for i in (0, 2, 4)) for c in _STEP_RAMP]
    out = []
    for i in range(n):
        at = i / (n - 1) * (len(stops) - 1) if n > 1 else 0.0
        j = min(int(at), len(stops) - 2)
        f = at - j
        rgb = (round(a + (b - a) * f) for a, b in zip(stops[j], stops[j + 1]))
        out.append("#" + "".join(f"{v:02x}" for v in rgb))
    return out


def colour_for(table: dict[str, str], key: str) -> str:
    return table.get(str(key).split(":")[0], "#999999")


def _rgba(hex_colour: str, alpha: int = 255) -> str:
    h = hex_colour.lstrip("#")
    return f"{int(h[0:2], 16)},{int(h[2:4], 16)},{int(h[4:6], 16)},{alpha}"


def _symbol(parent, index: int, colour: str, geometry: str, alpha: float) -> None:
    geometry = geometry.lower()
    if "line" in geometry:
        kind, cls = "line", "SimpleLine"
        opts = {"line_color": _rgba(colour), "line_width": "0.8", "line_style": "solid"}
    elif "point" in geometry:
        kind, cls = "marker", "SimpleMarker"
        opts = {"color": _rgba(colour), "size": "2.4", "outline_color": "35,35,35,255", "name": "circle"}
    else:
        kind, cls = "fill", "SimpleFill"
        opts = {"color": _rgba(colour), "outline_color": "35,35,35,255", "outline_width": "0.26",
                "style": "solid"}
    symbol = xml_element(parent, "symbol", type=kind, name=str(index), alpha=str(alpha), clip_to_extent="1",
                         force_rhr="0")
    layer = xml_element(symbol, "layer", **{"class": cls, "enabled": "1", "locked": "0", "pass": "0"})
    options = xml_element(layer, "Option", type="Map")
    for k, v in opts.items():
        xml_element(options, "Option", name=k, type="QString", value=v)


def _categorized(field: str, categories: list[tuple[str, str, str]], geometry: str,
                 alpha: float) -> str:
    """QML: a categorised renderer on ``field``; categories are (value, label, colour). Built
    and written by ElementTree (:mod:`geozones.io.serialise`): a label is an attribute value,
    whatever it holds."""
    root = xml_element(None, "qgis", version="3.28.0", styleCategories="Symbology")
    renderer = xml_element(root, "renderer-v2", type="categorizedSymbol", attr=field, symbollevels="0",
                           enableorderby="0", forceraster="0")
    cats = xml_element(renderer, "categories")
    for i, (v, lab, _c) in enumerate(categories):
        xml_element(cats, "category", value=v, label=lab, symbol=str(i), render="true")
    syms = xml_element(renderer, "symbols")
    for i, (_v, _l, c) in enumerate(categories):
        _symbol(syms, i, c, geometry, alpha)
    return xml_document(root, doctype="<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>", declaration=False)


def verdict_qml(geometry: str = "Polygon", field: str = "gz_verdict") -> str:
    """Screened parcels coloured by verdict (pass green, review amber, fail red, error grey).

    Parameters
    ----------
    geometry : str
        The layer's geometry type (``"Polygon"``, ``"LineString"``, ``"Point"`` …): fill, line
        or marker symbols.
    field : str
        The verdict field.

    Returns
    -------
    str
        The QML document (a categorised renderer).
    """
    return _categorized(field, [(v, v, c) for v, c in VERDICT_COLOURS.items()], geometry, 0.8)


def zones_qml(zone_ids, labels) -> str:
    """Zones and sectors filled by zone (the layer of ``geozones zones``).

    Parameters
    ----------
    zone_ids : iterable of str
        The layer's ``zone`` values (``body``, ``protection`` … ``pilot:<id>``).
    labels : iterable of str
        Their names, shown in the legend.

    Returns
    -------
    str
        The QML document (a categorised renderer on ``zone``).
    """
    return _categorized("zone", [(z, lab, colour_for(ZONE_COLOURS, z)) for z, lab in zip(zone_ids, labels)],
                        "Polygon", 0.45)


def steps_qml(values, labels) -> str:
    """Permitted-height steps on a red (nothing may stand) to green (high) ramp, by ``to_m``.

    ``values`` are the layer's ``to_m`` (the band's top; ``0`` where nothing may stand), one
    per band as :func:`geozones.layers.height_steps` writes them; ``labels`` their names. The
    categories are built from the distinct values, lowest first: one category, one label and
    one colour (:func:`step_colours`) per band. (``from_m`` does not tell the "nothing may
    stand" band from the 0–10 m band: both start at 0.)
    """
    first: dict[str, str] = {}
    for v, lab in sorted(zip((float(v) for v in values), labels), key=lambda vl: vl[0]):
        first.setdefault(f"{v:g}", str(lab))
    cats = [(v, lab, c) for (v, lab), c in zip(first.items(), step_colours(len(first)))]
    return _categorized("to_m", cats, "Polygon", 0.6)


def add_qgis_style(gpkg: str | Path, layer: str, qml: str, name: str, geometry_column: str = "geom") -> None:
    """Store ``qml`` as the default QGIS style of ``layer`` in the GeoPackage ``gpkg``.

    Uses QGIS's ``layer_styles`` schema and registers the table in ``gpkg_contents`` (as
    "attributes"), so the file stays a valid GeoPackage.
    """
    con = sqlite3.connect(str(gpkg))
    try:
        row = con.execute("SELECT column_name FROM gpkg_geometry_columns WHERE table_name = ?",
                          (layer,)).fetchone()
        if row:
            geometry_column = row[0]
        con.execute("""CREATE TABLE IF NOT EXISTS layer_styles (
            id INTEGER PRIMARY KEY AUTOINCREMENT, f_table_catalog TEXT(256),
            f_table_schema TEXT(256), f_table_name TEXT(256), f_geometry_column TEXT(256),
            styleName TEXT(30), styleQML TEXT, styleSLD TEXT, useAsDefault BOOLEAN,
            description TEXT, owner TEXT(30), ui TEXT(30), update_time DATETIME DEFAULT
            (strftime('%Y-%m-%dT%H:%M:%fZ','now')))""")
        con.execute("INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier) "
                    "VALUES ('layer_styles', 'attributes', 'layer_styles')")
        con.execute("DELETE FROM layer_styles WHERE f_table_name = ?", (layer,))
        con.execute("INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, "
                    "f_geometry_column, styleName, styleQML, styleSLD, useAsDefault, description, "
                    "owner) VALUES ('', '', ?, ?, ?, ?, '', 1, 'geozones default style', 'geozones')",
                    (layer, geometry_column, name, qml))
        con.commit()
    finally:
        con.close()


def _kml_colour(hex_colour: str, alpha: int) -> str:
    """KML's aabbggrr."""
    h = hex_colour.lstrip("#")
    return f"{alpha:02x}{h[4:6]}{h[2:4]}{h[0:2]}"


def _coords(ring) -> str:
    return " ".join(f"{x:.7f},{y:.7f}" for x, y, *_ in ring.coords)


def _kml_geometry(parent, geom) -> None:
    t = geom.geom_type
    if t == "Polygon":
        poly = xml_element(parent, "Polygon")
        rings = [("outerBoundaryIs", geom.exterior)] + [("innerBoundaryIs", r) for r in geom.interiors]
        for tag, ring in rings:
            xml_element(xml_element(xml_element(poly, tag), "LinearRing"), "coordinates", _coords(ring))
    elif t == "LineString":
        xml_element(xml_element(parent, "LineString"), "coordinates", _coords(geom))
    elif t == "Point":
        xml_element(xml_element(parent, "Point"), "coordinates", f"{geom.x:.7f},{geom.y:.7f}")
    else:
        multi = xml_element(parent, "MultiGeometry")
        for g in geom.geoms:
            _kml_geometry(multi, g)


def write_kml(gdf, path: str | Path, colours: list[str], name_field: str = "name",
              title: str = "geozones") -> None:
    """Write ``gdf`` (any CRS; written as WGS84) as KML, or KMZ when ``path`` ends in .kmz.

    Each feature gets its colour (``colours[i]``, hex RGB) as Poly/LineStyle, and its
    attributes as an HTML table (``description``) and as ``ExtendedData``. The document is
    built and written by ElementTree (:mod:`geozones.io.serialise`), so names and values are
    text whatever they hold.
    """
    gdf = gdf.to_crs(4326)
    fields = [c for c in gdf.columns if c != gdf.geometry.name]
    root = xml_element(None, "kml", xmlns="http://www.opengis.net/kml/2.2")
    doc = xml_element(root, "Document")
    xml_element(doc, "name", title)
    styles: dict[str, str] = {}
    for colour in colours:
        styles.setdefault("s" + colour.lstrip("#"), colour)
    for sid, colour in styles.items():
        style = xml_element(doc, "Style", id=sid)
        line = xml_element(style, "LineStyle")
        xml_element(line, "color", _kml_colour(colour, 255))
        xml_element(line, "width", "1.5")
        xml_element(xml_element(style, "PolyStyle"), "color", _kml_colour(colour, 110))
    for i, (idx, row) in enumerate(gdf.iterrows()):
        values = {str(f): "" if row[f] is None or row[f] != row[f] else str(row[f]) for f in fields}
        mark = xml_element(doc, "Placemark")
        xml_element(mark, "name", values.get(name_field, str(idx)))
        xml_element(mark, "description", "<table>" + "".join(
            f"<tr><th>{html_text(f)}</th><td>{html_text(v)}</td></tr>" for f, v in values.items()) + "</table>")
        xml_element(mark, "styleUrl", "#s" + colours[i].lstrip("#"))
        data = xml_element(mark, "ExtendedData")
        for f, v in values.items():
            xml_element(xml_element(data, "Data", name=f), "value", v)
        _kml_geometry(mark, row[gdf.geometry.name])
    text = xml_document(root)
    path = Path(path)
    if path.suffix.lower() == ".kmz":
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr("doc.kml", text)
    else:
        path.write_text(text, encoding="utf-8")
