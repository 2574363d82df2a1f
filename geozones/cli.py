"""The ``geozones`` command line: thin commands over the library.

This is the only module that imports click. Each shared option is defined once below; each
command reads its input, calls one library function and writes its output. Any
:class:`~geozones.errors.GeozonesError` becomes one line on stderr and its exit code.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from .coords import AXIS_ORDERS
from .errors import GeozonesError, InputError
from .heightlimit import MODES
from .i18n import LANGS
from .kinds import KINDS, normalize_kind
from .terrain import FIELD_ELEVATION_SOURCES

_LANG_KEY = "geozones.lang"


class _Group(click.Group):
    """Turns library errors into a one-line message and a non-zero exit, no traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except GeozonesError as exc:
            lang = ctx.meta.get(_LANG_KEY, "en")
            prefix = "错误" if lang == "zh" else "error"
            click.echo(f"{prefix}: {exc.localized(lang)}", err=True)
            ctx.exit(exc.exit_code)


def _set_lang(ctx: click.Context, _param, value: str) -> str:
    ctx.meta[_LANG_KEY] = value
    return value


def _kind(_ctx, _param, value: str | None) -> str | None:
    if value is None:
        return None
    kind = normalize_kind(value)
    if kind is None:
        raise click.BadParameter(f"'{value}' is not a kind: use one of {', '.join(KINDS)}")
    return kind


def _station(_ctx, _param, value: str | None):
    from .station import load_station

    return load_station(value)


def _pilots(ctx: click.Context, _param, value: str | None):
    """Load the pilot areas (with a replacement boundary) and print its warnings."""
    from .i18n import t
    from .pilot import boundary_warnings, load_pilots

    pilots = load_pilots(boundary=value)
    if value is not None:
        lang = ctx.meta.get(_LANG_KEY, "en")
        for pilot in pilots[:1]:
            for key, params in boundary_warnings(pilot):
                click.echo(f"{'警告' if lang == 'zh' else 'warning'}: {t(key, lang, **params)}", err=True)
    return pilots


def _use(_ctx, _param, value: str | None) -> str | None:
    from .kinds import USES, normalize_use

    if value is None:
        return None
    use = normalize_use(value)
    if use is None:
        raise click.BadParameter(f"'{value}' is not a use: use one of {', '.join(USES)}")
    return use


# --- shared options, defined once ----------------------------------------------------------
lang_opt = click.option(
    "--lang", type=click.Choice(LANGS), default="en", show_default=True, is_eager=True,
    callback=_set_lang, expose_value=True, help="Language of messages and reports (zh: 中文).",
)
station_opt = click.option(
    "--station", "station", type=click.Path(dir_okay=False), default=None, callback=_station,
    help="Station file (TOML) to use instead of the shipped Jiangxian station.",
)
crs_opt = click.option(
    "--crs", default=None,
    help="CRS of the coordinates, e.g. EPSG:4326 (default for WKT), EPSG:4546 or EPSG:4525 "
         "(CGCS2000 Gauss-Krüger zone 37 without/with the zone prefix).",
)
axis_opt = click.option(
    "--axis-order", type=click.Choice(AXIS_ORDERS), default="xy", show_default=True,
    help="xy: easting/longitude first; yx: northing/latitude first (surveyor X, Y).",
)
overwrite_opt = click.option("--overwrite", is_flag=True, help="Replace an existing output.")
dem_opt = click.option(
    "--dem", type=click.Path(dir_okay=False), default=None,
    help="DEM (GeoTIFF, any CRS): height used = height + highest ground under the footprint "
         "− field elevation.")
field_elev_opt = click.option(
    "--field-elevation", type=click.Choice(FIELD_ELEVATION_SOURCES), default="dem", show_default=True,
    help="Field elevation from the DEM at the field centre (same datum) or the station file.")
pilot_opt = click.option(
    "--pilot-boundary", "pilots", type=click.Path(dir_okay=False), default=None, callback=_pilots,
    help="Pilot-area boundary (Shapefile/GPKG/GeoJSON, any CRS) replacing the shipped, "
         "provisional Pinglu boundary.",
)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="geozones")
def main() -> None:
    """Check proposals against the Jiangxian weather station's protection zones
    (绛县国家基本气象站气象探测环境保护专项规划, GB 31221-2014)."""


@main.command()
@click.option("--footprint", required=True,
              help="The proposal: WKT, or the path of a GeoJSON/GPKG/Shapefile/KML file.")
@click.option("--height", type=float, default=None,
              help="Height of the top above the observation-field ground [m].")
@click.option("--kind", default="building", show_default=True, callback=_kind,
              help="Kind of proposal: " + ", ".join(KINDS) + " (Chinese names accepted).")
@click.option("--use", default=None, callback=_use,
              help="Building use for pilot-area rules: residential, public, other (住宅/公共…). "
                   "Default: residential for buildings, stated in the output.")
@click.option("--floors", type=click.IntRange(min=1), default=None,
              help="Storeys (pilot-area rules); default: height ÷ storey height, rounded.")
@crs_opt
@axis_opt
@station_opt
@pilot_opt
@dem_opt
@field_elev_opt
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@lang_opt
def check(footprint, height, kind, use, floors, crs, axis_order, station, pilots, dem,
          field_elevation, as_json, lang):
    """Check one proposal: verdict, zone, distance, permitted height, articles.

    Exit code 0 whatever the verdict (read it from the output); 2 for bad input.
    """
    from .check import ZoneSet
    from .check import check as run_check
    from .i18n import t
    from .io import read_footprint
    from .report import format_check

    if height is not None and not (height >= 0 and height != float("inf")):
        raise InputError("height_invalid", value=height)
    geom, geom_crs, notes = read_footprint(footprint, crs)
    result = run_check(
        geom, height=height, kind=kind, crs=geom_crs, zones=ZoneSet(station, pilots),
        axis_order=axis_order, use=use, floors=floors, dem=dem, field_elevation=field_elevation,
        lang=lang, extra_assumptions=[t(k, lang, **p) for k, p in notes],
    )
    if as_json:
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(format_check(result, lang, station.name_zh if lang == "zh" else station.name))


@main.command()
@click.argument("input_path", metavar="INPUT", type=click.Path(dir_okay=False))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="Output file; format by extension: .gpkg .shp .geojson .fgb .parquet .csv.")
@click.option("--layer", default=None, help="Layer to read (GeoPackage and other multi-layer inputs).")
@click.option("--encoding", default=None,
              help="Attribute text encoding (e.g. GBK, GB18030, UTF-8). Default: the .cpg, the DBF "
                   "header, or detected (GB18030 when the text is not UTF-8).")
@click.option("--wkt-column", default=None, help="CSV input: the column holding WKT geometry.")
@crs_opt
@axis_opt
@click.option("--height-field", default=None, help="Column with height above field ground [m].")
@click.option("--floors-field", default=None, help="Column with storeys; height = storeys × --storey-height.")
@click.option("--storey-height", type=click.FloatRange(min=0.5, max=20), default=3.0, show_default=True,
              help="Storey height for --floors-field [m].")
@click.option("--default-height", type=click.FloatRange(min=0), default=None,
              help="Height for rows without one [m] (default: none; the row's status says so).")
@click.option("--kind-field", default=None, help="Column with the kind (English or Chinese, e.g. 道路/road).")
@click.option("--default-kind", default="building", show_default=True, callback=_kind,
              help="Kind for rows without one.")
@click.option("--use-field", default=None, help="Column with the building use (住宅/residential, 公共/public …).")
@click.option("--default-use", default=None, callback=_use, help="Use for rows without one (default: residential for buildings).")
@station_opt
@pilot_opt
@dem_opt
@field_elev_opt
@click.option("--report", "report_path", type=click.Path(dir_okay=False), default=None,
              help="Also write the summary as .csv or .json.")
@click.option("--chunk-size", type=click.IntRange(min=1), default=25_000, show_default=True,
              help="Rows per chunk (memory is bounded by this).")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar and no summary.")
@click.option("--map", "map_path", type=click.Path(dir_okay=False), default=None,
              help="Also write an HTML map of the screened parcels (see `geozones map`).")
@overwrite_opt
@lang_opt
def screen(input_path, output, layer, encoding, wkt_column, crs, axis_order, height_field,
           floors_field, storey_height, default_height, kind_field, default_kind, use_field,
           default_use, station, pilots, dem, field_elevation, report_path, chunk_size, quiet,
           map_path, overwrite, lang):
    """Screen every row of a parcel file and write it back with gz_* columns.

    Rows in = rows out, in order, with every input column; each row gets gz_verdict,
    gz_zone, gz_distance_m, gz_max_height_m, gz_exceedance_m, gz_in_pilot, gz_rules,
    gz_message and gz_status (ok / repaired / error: why). See README for the shapefile
    short names.
    """
    from .check import ZoneSet
    from .report import format_summary
    from .screen import ScreenOptions, screen_file, write_report

    if report_path and Path(report_path).exists() and not overwrite:
        from .errors import OutputError

        raise OutputError("output_exists", path=report_path)
    opts = ScreenOptions(
        height_field=height_field, floors_field=floors_field, storey_height_m=storey_height,
        default_height_m=default_height, kind_field=kind_field, default_kind=default_kind,
        use_field=use_field, default_use=default_use, axis_order=axis_order, lang=lang,
    )
    if dem is not None:
        from .terrain import DEM, field_elevation as field_z

        opts.dem = DEM(dem)
        opts.field_elevation_m, _src = field_z(station, opts.dem, field_elevation)
    show_bar = not quiet and sys.stderr.isatty()
    bar = None

    def progress(done: int, total: int | None) -> None:
        nonlocal bar
        if not show_bar:
            return
        if bar is None:
            bar = click.progressbar(length=total or 0, label="screening", file=sys.stderr)
            bar.__enter__()
        bar.update(done - bar.pos)

    try:
        summary = screen_file(input_path, output, zones=ZoneSet(station, pilots), opts=opts,
                              layer=layer, encoding=encoding, wkt_column=wkt_column, crs=crs,
                              chunk_size=chunk_size, overwrite=overwrite, progress=progress)
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    if report_path:
        write_report(summary, report_path, overwrite=overwrite)
    if not quiet:
        click.echo(format_summary(summary, lang))
    if map_path:
        _write_map(ZoneSet(station, pilots), output, map_path, lang=lang, tiles="osm",
                   offline=False, quiet=quiet, overwrite=overwrite, layer=layer or "screened")


def _write_map(zones, parcels_path, out, *, lang, tiles, offline, quiet, overwrite,
               tianditu_key=None, attribution=None, layer=None, max_parcels=None):
    from .errors import OutputError
    from .maps import build_map, read_parcels, write_map

    if Path(out).exists() and not overwrite:
        raise OutputError("output_exists", path=str(out))
    parcels = None if parcels_path is None else read_parcels(parcels_path, layer)
    m = build_map(zones, parcels, lang=lang, tiles=tiles, offline=offline,
                  tianditu_key=tianditu_key, attribution=attribution)
    size = write_map(m, out, overwrite=overwrite)
    if not quiet:
        n = 0 if parcels is None else len(parcels)
        click.echo(f"{out}: {size / 1e6:.1f} MB, {n:,} parcels" + (", offline" if offline else ""))


@main.command("map")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="The HTML file to write.")
@click.option("--parcels", type=click.Path(dir_okay=False, exists=True), default=None,
              help="Screened parcels (the output of `geozones screen`) to show coloured by verdict.")
@click.option("--tiles", default="osm", show_default=True,
              help="Basemap: osm, tianditu (needs --tianditu-key or TIANDITU_KEY), gaode (overlays "
                   "shifted to GCJ-02), none, or a tile URL with {z}/{x}/{y}.")
@click.option("--tianditu-key", default=None, help="Tianditu key (else the TIANDITU_KEY variable).")
@click.option("--attribution", default=None, help="Attribution text for a custom tile URL.")
@click.option("--offline", is_flag=True,
              help="One self-contained file: Leaflet inlined, no request but basemap tiles "
                   "(with --tiles none, none at all).")
@click.option("--layer", default=None, help="Layer of --parcels to read (GeoPackage).")
@station_opt
@pilot_opt
@click.option("-q", "--quiet", is_flag=True, help="Print nothing on success.")
@click.option("--overwrite/--no-overwrite", default=True, show_default=True,
              help="Replace an existing map (maps are regenerated output).")
@lang_opt
def map_command(output, parcels, tiles, tianditu_key, attribution, offline, layer, station,
                pilots, quiet, overwrite, lang):
    """Write an HTML map of the zones (and screened parcels): layers, legend, click-height."""
    from .check import ZoneSet

    _write_map(ZoneSet(station, pilots), parcels, output, lang=lang, tiles=tiles, offline=offline,
               quiet=quiet, overwrite=overwrite, tianditu_key=tianditu_key, attribution=attribution,
               layer=layer)


@main.command()
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="Output file; the format follows the extension (.gpkg, .geojson, .kml, .shp, .fgb).")
@click.option("--crs", default="EPSG:4326", show_default=True, help="CRS of the output.")
@click.option("--sector-radius", type=click.FloatRange(min=1.0), default=5000.0, show_default=True,
              help="Radius to draw the sun sectors to [m] (the rule itself has no distance limit).")
@station_opt
@pilot_opt
@overwrite_opt
@lang_opt
def zones(output, crs, sector_radius, station, pilots, overwrite, lang):
    """Write the station's zones, sun sectors and the pilot areas as a GIS layer."""
    from .io import write_vector
    from .layers import zone_layer
    from .zones import StationFrame

    layer = zone_layer(StationFrame(station), crs=crs, lang=lang, sector_radius_m=sector_radius,
                       pilots=pilots)
    write_vector(layer, output, overwrite=overwrite, layer="zones")
    click.echo(f"{output}: {len(layer)} zones ({', '.join(layer['zone'])})")


@main.command()
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="GeoTIFF to write.")
@click.option("--resolution", type=click.FloatRange(min=0.1), default=5.0, show_default=True,
              help="Cell size [m].")
@click.option("--extent", type=click.FloatRange(min=10), default=3000.0, show_default=True,
              help="Half-width of the square grid around the field [m].")
@click.option("--crs", default=None, help="CRS of the raster (default: the station-centred "
              "azimuthal equidistant frame, where distances are exact), e.g. EPSG:4546.")
@dem_opt
@click.option("--mode", type=click.Choice(MODES), default="field",
              show_default=True, help="Cell value: height above the field ground; above the local "
              "ground (needs --dem); or absolute elevation (needs --dem).")
@click.option("--absolute", "absolute", is_flag=True, help="Same as --mode absolute.")
@field_elev_opt
@click.option("--kind", default="building", show_default=True, callback=_kind,
              help="Kind whose limit to map (building, structure or vegetation).")
@station_opt
@overwrite_opt
@click.option("-q", "--quiet", is_flag=True, help="Print nothing on success.")
@lang_opt
def heightlimit(output, resolution, extent, crs, dem, mode, absolute, field_elevation, kind,
                station, overwrite, quiet, lang):
    """Write the permitted height as a tiled, compressed GeoTIFF (nodata: no limit)."""
    from .heightlimit import write_heightlimit
    from .terrain import DEM, field_elevation as field_z
    from .zones import StationFrame

    mode = "absolute" if absolute else mode
    dem_obj = DEM(dem) if dem else None
    z_field = field_z(station, dem_obj, field_elevation)[0] if dem_obj else None
    show_bar = not quiet and sys.stderr.isatty()
    bar = click.progressbar(length=int(2 * extent / resolution + 0.999), label="heightlimit",
                            file=sys.stderr) if show_bar else None

    def progress(done, total):
        if bar is not None:
            bar.update(done - bar.pos)

    try:
        stats = write_heightlimit(output, StationFrame(station), resolution_m=resolution,
                                  extent_m=extent, crs=crs, dem=dem_obj, mode=mode,
                                  field_elevation_m=z_field, kind=kind, overwrite=overwrite,
                                  progress=progress)
    finally:
        if bar is not None:
            bar.render_finish()
    if not quiet:
        click.echo(f"{output}: {stats['size']}×{stats['size']} cells of {resolution:g} m ({mode}); "
                   f"limited {stats['limited']:,}, nothing may stand {stats['zero']:,}, "
                   f"range {stats['min']:.2f}–{stats['max']:.2f} m")


@main.command()
@click.option("--buildings", type=click.Path(dir_okay=False, exists=True), default=None,
              help="Footprints with heights (any vector format and CRS).")
@click.option("--height-field", default=None,
              help="Height column [m] (default: gz_height_m, height, HEIGHT or 高度, if present).")
@dem_opt
@field_elev_opt
@click.option("--eye-height", type=float, default=0.0, show_default=True,
              help="Viewpoint height above the field ground [m].")
@click.option("--terrain-radius", type=click.FloatRange(min=10), default=5000.0, show_default=True,
              help="How far to look for terrain obstruction [m].")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="The diagram (.png or .svg).")
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False), default=None,
              help="Also write the profile as CSV (one row per degree).")
@station_opt
@overwrite_opt
@lang_opt
def horizon(buildings, height_field, dem, field_elevation, eye_height, terrain_radius, output,
            csv_path, station, overwrite, lang):
    """Draw the horizon obstruction diagram (地平圈障碍物遮蔽图) and list azimuths over 5°."""
    import numpy as np

    from .errors import OutputError
    from .horizon import horizon_profile, plot_horizon, read_buildings
    from .io import atomic_output
    from .terrain import DEM, field_elevation as field_z
    from .zones import StationFrame

    if Path(output).suffix.lower() not in (".png", ".svg"):
        raise OutputError("output_format", path=output, choices=".png, .svg")
    if buildings is None and dem is None:
        raise InputError("horizon_nothing")
    frame = StationFrame(station)
    dem_obj = DEM(dem) if dem else None
    z_field = field_z(station, dem_obj, field_elevation)[0] if dem_obj else None
    geoms, tops, labels = np.array([], dtype=object), np.array([]), None
    if buildings:
        geoms, tops, labels = read_buildings(buildings, frame, height_field, dem_obj, z_field)
    prof = horizon_profile(frame, geoms, tops, dem=dem_obj, field_elevation_m=z_field,
                           eye_height_m=eye_height, terrain_radius_m=terrain_radius, labels=labels)
    for note in plot_horizon(prof, frame, output, lang=lang, overwrite=overwrite):
        click.echo(("警告" if lang == "zh" else "warning") + ": " + note, err=True)
    if csv_path:
        with atomic_output(csv_path, overwrite) as tmp:
            prof.to_frame().to_csv(tmp, index=False, encoding="utf-8")
    from .i18n import t

    over = prof.azimuth_deg[prof.exceeds & prof.in_sun_sector]
    other = prof.azimuth_deg[prof.exceeds & ~prof.in_sun_sector]
    degrees = lambda az: ", ".join(f"{a}°" for a in az)  # noqa: E731
    click.echo(t("hz_highest", lang, out=output, deg=f"{prof.elevation_deg.max():.2f}"))
    click.echo(t("hz_sun", lang, limit=f"{prof.limit_deg:g}",
                 list=degrees(over) if over.size else t("report_none", lang)))
    if other.size:
        click.echo(t("hz_other", lang, limit=f"{prof.limit_deg:g}", list=degrees(other)))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
