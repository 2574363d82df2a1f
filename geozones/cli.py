"""The ``geozones`` command line: thin commands over the library.

This is the only module that imports click. Each shared option is defined once below; each
command reads its input, calls one library function and writes its output. Any
:class:`~geozones.errors.GeozonesError` becomes one line on stderr and its exit code.
"""

from __future__ import annotations

import json
import sys

import click

from .errors import GeozonesError, InputError
from .i18n import LANGS
from .kinds import KINDS, normalize_kind

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
    "--axis-order", type=click.Choice(["xy", "yx"]), default="xy", show_default=True,
    help="xy: easting/longitude first; yx: northing/latitude first (surveyor X, Y).",
)
overwrite_opt = click.option("--overwrite", is_flag=True, help="Replace an existing output.")
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
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@lang_opt
def check(footprint, height, kind, use, floors, crs, axis_order, station, pilots, as_json, lang):
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
        axis_order=axis_order, use=use, floors=floors, lang=lang,
        extra_assumptions=[t(k, lang, **p) for k, p in notes],
    )
    if as_json:
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(format_check(result, lang, station.name_zh if lang == "zh" else station.name))


@main.command()
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="Output file; the format follows the extension (.gpkg, .geojson, .kml, .shp, .fgb).")
@click.option("--crs", default="EPSG:4326", show_default=True, help="CRS of the output.")
@click.option("--sector-radius", type=click.FloatRange(min=1.0), default=5000.0, show_default=True,
              help="Radius to draw the sun sectors to [m] (the rule itself has no distance limit).")
@station_opt
@overwrite_opt
@lang_opt
def zones(output, crs, sector_radius, station, overwrite, lang):
    """Write the station's zones and sun sectors as a GIS layer."""
    from .io import write_vector
    from .layers import zone_layer
    from .zones import StationFrame

    layer = zone_layer(StationFrame(station), crs=crs, lang=lang, sector_radius_m=sector_radius)
    write_vector(layer, output, overwrite=overwrite, layer="zones")
    click.echo(f"{output}: {len(layer)} zones ({', '.join(layer['zone'])})")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
