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
from html import escape
from pathlib import Path
from xml.sax.saxutils import escape as xml_escape

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
    """Colours of ``n`` permitted-height steps, lowest (red) first."""
    return [_STEP_RAMP[min(i, len(_STEP_RAMP) - 1)] for i in range(n)]


def colour_for(table: dict[str, str], key: str) -> str:
    return table.get(str(key).split(":")[0], "#999999")


def _rgba(hex_colour: str, alpha: int = 255) -> str:
    h = hex_colour.lstrip("#")
    return f"{int(h[0:2], 16)},{int(h[2:4], 16)},{int(h[4:6], 16)},{alpha}"


def _symbol(index: int, colour: str, geometry: str, alpha: float) -> str:
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
    options = "".join(f'<Option name="{k}" type="QString" value="{v}"/>' for k, v in opts.items())
    return (f'<symbol type="{kind}" name="{index}" alpha="{alpha}" clip_to_extent="1" force_rhr="0">'
            f'<layer class="{cls}" enabled="1" locked="0" pass="0"><Option type="Map">{options}'
            f'</Option></layer></symbol>')


def _categorized(field: str, categories: list[tuple[str, str, str]], geometry: str,
                 alpha: float) -> str:
    """QML: a categorised renderer on ``field``; categories are (value, label, colour)."""
    cats = "".join(f'<category value="{xml_escape(v)}" label="{xml_escape(lab)}" symbol="{i}" render="true"/>'
                   for i, (v, lab, _c) in enumerate(categories))
    syms = "".join(_symbol(i, c, geometry, alpha) for i, (_v, _l, c) in enumerate(categories))
    return ("<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>"
            '<qgis version="3.28.0" styleCategories="Symbology">'
            f'<renderer-v2 type="categorizedSymbol" attr="{xml_escape(field)}" symbollevels="0" '
            f'enableorderby="0" forceraster="0"><categories>{cats}</categories>'
            f'<symbols>{syms}</symbols></renderer-v2></qgis>')


def verdict_qml(geometry: str = "Polygon", field: str = "gz_verdict") -> str:
    """Screened parcels coloured by verdict (pass green, review amber, fail red, error grey)."""
    return _categorized(field, [(v, v, c) for v, c in VERDICT_COLOURS.items()], geometry, 0.8)


def zones_qml(zone_ids, labels) -> str:
    """Zones and sectors filled by zone (the layer of ``geozones zones``)."""
    return _categorized("zone", [(z, lab, colour_for(ZONE_COLOURS, z)) for z, lab in zip(zone_ids, labels)],
                        "Polygon", 0.45)


def steps_qml(values, labels) -> str:
    """Permitted-height steps on a red (nothing may stand) to green (high) ramp, by ``from_m``."""
    values, labels = list(values), list(labels)
    cats = [(f"{v:g}", lab, c) for v, lab, c in zip(values, labels, step_colours(len(values)))]
    return _categorized("from_m", cats, "Polygon", 0.6)


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


def _kml_geometry(geom) -> str:
    t = geom.geom_type
    if t == "Polygon":
        inner = "".join(f"<innerBoundaryIs><LinearRing><coordinates>{_coords(r)}</coordinates>"
                        f"</LinearRing></innerBoundaryIs>" for r in geom.interiors)
        return (f"<Polygon><outerBoundaryIs><LinearRing><coordinates>{_coords(geom.exterior)}"
                f"</coordinates></LinearRing></outerBoundaryIs>{inner}</Polygon>")
    if t == "LineString":
        return f"<LineString><coordinates>{_coords(geom)}</coordinates></LineString>"
    if t == "Point":
        return f"<Point><coordinates>{geom.x:.7f},{geom.y:.7f}</coordinates></Point>"
    return "<MultiGeometry>" + "".join(_kml_geometry(g) for g in geom.geoms) + "</MultiGeometry>"


def write_kml(gdf, path: str | Path, colours: list[str], name_field: str = "name",
              title: str = "geozones") -> None:
    """Write ``gdf`` (any CRS; written as WGS84) as KML, or KMZ when ``path`` ends in .kmz.

    Each feature gets its colour (``colours[i]``, hex RGB) as Poly/LineStyle, and its
    attributes as an HTML table (``description``) and as ``ExtendedData``.
    """
    gdf = gdf.to_crs(4326)
    fields = [c for c in gdf.columns if c != gdf.geometry.name]
    styles, marks = {}, []
    for i, (idx, row) in enumerate(gdf.iterrows()):
        colour = colours[i]
        sid = "s" + colour.lstrip("#")
        styles[sid] = (f'<Style id="{sid}"><LineStyle><color>{_kml_colour(colour, 255)}</color>'
                       f"<width>1.5</width></LineStyle><PolyStyle><color>{_kml_colour(colour, 110)}"
                       f"</color></PolyStyle></Style>")
        values = {f: "" if row[f] is None or row[f] != row[f] else str(row[f]) for f in fields}
        table = "".join(f"<tr><th>{escape(str(f))}</th><td>{escape(v)}</td></tr>" for f, v in values.items())
        data = "".join(f'<Data name="{xml_escape(str(f))}"><value>{xml_escape(v)}</value></Data>'
                       for f, v in values.items())
        marks.append(f"<Placemark><name>{xml_escape(values.get(name_field, str(idx)))}</name>"
                     f"<description><![CDATA[<table>{table}</table>]]></description>"
                     f"<styleUrl>#{sid}</styleUrl><ExtendedData>{data}</ExtendedData>"
                     f"{_kml_geometry(row[gdf.geometry.name])}</Placemark>")
    doc = ('<?xml version="1.0" encoding="UTF-8"?>\n<kml xmlns="http://www.opengis.net/kml/2.2">'
           f"<Document><name>{xml_escape(title)}</name>{''.join(styles.values())}{''.join(marks)}"
           "</Document></kml>\n")
    path = Path(path)
    if path.suffix.lower() == ".kmz":
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr("doc.kml", doc)
    else:
        path.write_text(doc, encoding="utf-8")
