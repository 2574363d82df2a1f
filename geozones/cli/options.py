"""Shared pieces of the command line: the error-to-one-line group, option callbacks, and every
option that more than one command takes, each defined once (rasterio's ``rio/options.py`` is
the model). Choices come from the library's own constants."""

from __future__ import annotations

import re

import click

from ..core import numbers
from ..core.coords import AXIS_ORDERS
from ..core.kinds import KINDS, normalize_kind
from ..core.limits import MAX_CELLS
from ..core.numbers import Bounds, parse_number
from ..errors import GeozonesError
from ..terrain import FIELD_ELEVATION_SOURCES
from ..text import LANGS, from_english, t

_LANG_KEY = "geozones.lang"
#: The language of click's usage errors and of ``--help``: ``--lang`` as written on the
#: command line, found before click parses it (:func:`argv_lang`).
_USAGE_LANG_KEY = "geozones.usage_lang"
_PILOT_CRS_KEY = "geozones.pilot_crs"
_GROUP_LANG_KEY = "geozones.group_lang"


def argv_lang(args, environ=None) -> str | None:
    """The language a command line asks for before click has read it: the last ``--lang zh``
    or ``--lang=zh`` before a ``--``, else the ``GEOZONES_LANG`` environment variable; None
    when neither names a language of :data:`~geozones.text.LANGS`. ``--lang`` is an option
    of each command, so click's usage errors (an unknown option, a missing one) come before it
    is parsed: this is how they, and ``--help``, learn the language.

    >>> argv_lang(["screen", "a.csv", "--lang", "zh"], {}), argv_lang(["check", "--lang=zh"], {})
    ('zh', 'zh')
    >>> argv_lang(["check"], {"GEOZONES_LANG": "zh"}), argv_lang(["check", "--lang", "fr"], {})
    ('zh', None)
    """
    import os

    args = [str(a) for a in args]
    found = None
    for i, arg in enumerate(args):
        if arg == "--":
            break
        if arg == "--lang" and i + 1 < len(args):
            found = args[i + 1]
        elif arg.startswith("--lang="):
            found = arg.partition("=")[2]
    if found is None:
        found = (os.environ if environ is None else environ).get("GEOZONES_LANG")
    return found if found in LANGS else None


def usage_lang(ctx: click.Context | None) -> str:
    """The language of click's own words (usage errors, ``--help``) for ``ctx``'s command line."""
    return (ctx.meta.get(_USAGE_LANG_KEY) if ctx is not None else None) or "en"


def h(key: str, **params: object) -> str:
    """An option's or a command's help as click shows it, in English, from the ``[help]``
    table of the message catalogue (``help_<key>``); ``--help`` in another language is found
    from it (:class:`Command`)."""
    return t(f"help_{key}", "en", **params)


class LocalizedUsageError(click.UsageError):
    """click's usage error ``exc`` in ``lang``: the message put into words through the
    ``[click]`` table of the message catalogue (click's templates, see
    :func:`geozones.text.from_english`), shown as click shows it (usage line, where to find
    help, the error) with the catalogue's words (用法：, 请用 … 查看帮助, 错误：)."""

    def __init__(self, exc: click.UsageError, lang: str) -> None:
        super().__init__(from_english(exc.format_message(), lang, "click_"), exc.ctx)
        self.lang = lang

    def show(self, file=None) -> None:
        lang, ctx = self.lang, self.ctx
        if ctx is not None:
            formatter = ctx.make_formatter()
            formatter.write_usage(ctx.command_path, " ".join(ctx.command.collect_usage_pieces(ctx)),
                                  prefix=t("click_usage", lang))
            hint = ""
            if ctx.command.get_help_option(ctx) is not None:
                hint = t("click_try_help", lang, command=ctx.command_path,
                         option=max(ctx.command.get_help_option_names(ctx), key=len)) + "\n"
            click.echo(f"{formatter.getvalue()}{hint}", err=True, color=ctx.color)
        click.echo(t("click_error", lang, message=self.format_message()), err=True,
                   color=ctx.color if ctx is not None else None)


def localized(exc: click.ClickException, ctx: click.Context | None) -> click.ClickException:
    """``exc`` in the language of ``ctx``'s command line: click's usage errors are put into
    words (:class:`LocalizedUsageError`); English, our own one-line errors
    (:class:`NumberError`) and every other exception stay as they are."""
    lang = usage_lang(ctx)
    if lang == "en" or not isinstance(exc, click.UsageError) or isinstance(exc, (NumberError, LocalizedUsageError)):
        return exc
    return LocalizedUsageError(exc, lang)


_INPUTS_KEY = "geozones.inputs"


def note_input(ctx: click.Context, path) -> None:
    """Remember a file a command reads (station, pilot boundary …) for :func:`refuse_outputs`."""
    if path is not None:
        ctx.meta.setdefault(_INPUTS_KEY, []).append(str(path))


def refuse_outputs(ctx: click.Context, outputs, inputs=()) -> None:
    """Before any work: no output may be an input (station, pilot boundary, DEM, data) or
    another output, whatever ``--overwrite`` says (see :mod:`geozones.io.atomic`)."""
    from ..io import refuse_same_files

    refuse_same_files([o for o in outputs if o != STDOUT], [*ctx.meta.get(_INPUTS_KEY, []), *inputs])


#: The output name that means standard output, where an output allows it (``OutputPath(stdout=True)``).
STDOUT = "-"


class OutputPath(click.Path):
    """The type of every option naming something a command writes: the path is checked when
    the command line is read, before any work, by :func:`geozones.io.check_output_path`
    (only a regular file is replaced, never a folder, device, FIFO or socket, whatever
    ``--overwrite`` says; a name the file system can hold), one line and exit 2.

    ``folder``: the output is a folder (reports, station files). ``stdout``: ``-`` means
    standard output (``screen --report -``, ``horizon --csv -``); elsewhere ``-`` is refused
    in one line (``./-`` names a file called ``-``).
    """

    def __init__(self, *, folder: bool = False, stdout: bool = False) -> None:
        super().__init__(file_okay=not folder, dir_okay=folder, allow_dash=stdout)
        self.folder = folder

    def convert(self, value, param, ctx):
        from ..errors import InputError
        from ..io import check_output_path

        text = str(value)
        if text == STDOUT:
            if self.allow_dash:
                return text
            raise InputError("output_no_stdout", option=max(param.opts, key=len) if param is not None else "-o")
        check_output_path(text, folder=self.folder)
        return text


class InputPath(click.Path):
    """The type of every argument or option naming a table a command reads (``screen``'s
    INPUT, ``map --parcels``, ``horizon --buildings``): a file, or a folder where the format
    is one (a File Geodatabase, ``parcels.gdb``: :data:`geozones.io.FOLDER_FORMATS`, the one
    place that says so). Any other folder is refused as click refuses it ("is a directory")."""

    def __init__(self, *, exists: bool = False) -> None:
        super().__init__(exists=exists, dir_okay=False)
        self._folder = click.Path(exists=exists, file_okay=False)

    def convert(self, value, param, ctx):
        from ..io.formats import is_folder_format

        if is_folder_format(str(value)):
            return self._folder.convert(value, param, ctx)
        return super().convert(value, param, ctx)


def known_inputs(ctx: click.Context) -> list[str]:
    return list(ctx.meta.get(_INPUTS_KEY, []))


def warn(ctx: click.Context, message: str) -> None:
    """A warning line on stderr, in the command's language."""
    click.echo(f"{t('word_warning', ctx.meta.get(_LANG_KEY, 'en'))}: {message}", err=True)


class NumberError(click.BadParameter):
    """A number option refused while the command line is parsed: one line (the library's
    errors read the same), exit 2."""

    def show(self, file=None) -> None:
        lang = self.ctx.meta.get(_LANG_KEY, "en") if self.ctx is not None else "en"
        click.echo(f"{t('word_error', lang)}: {self.message}", err=True)


class Number(click.ParamType):
    """The type of every numeric option of every command: a finite number (NaN and ±inf are
    refused) within stated bounds, each closed or open, whole where ``integer``; the bounds
    show in ``--help`` as the option's metavar (``0.5≤X≤20``, ``1≤N≤512``, ``X>0``). The
    check is :class:`geozones.core.numbers.Bounds`, the one the API and the file readers use.

    ``Number(numbers.HEIGHT_M)`` takes a named quantity; ``Number(min=0.1, max=1e4)`` states
    bounds of its own. A test walks every command's options and requires this type of each
    number option.
    """

    def __init__(self, bounds: Bounds | None = None, *, min: float | None = None, max: float | None = None,
                 min_open: bool = False, max_open: bool = False, integer: bool = False) -> None:
        self.bounds = bounds if bounds is not None else Bounds(min, max, min_open, max_open, integer)
        self.name = "integer" if self.bounds.integer else "float"

    def get_metavar(self, param: click.Parameter, ctx: click.Context) -> str:
        return self.bounds.interval().replace("x", "N" if self.bounds.integer else "X").replace(" ", "")

    def convert(self, value, param, ctx):
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            number: float | int | None = value  # a default
        else:
            number = parse_number(str(value), self.bounds)
        if number is None or self.bounds.problem(number) is not None:
            name = max(param.opts, key=len) if param is not None and param.opts else "value"
            lang = ctx.meta.get(_LANG_KEY, "en") if ctx is not None else "en"
            raise NumberError(self.bounds.error(name, str(value).strip()).localized(lang), ctx=ctx, param=param)
        return int(number) if self.bounds.integer else float(number)


def _set_lang(ctx: click.Context, param, value: str) -> str:
    """A command's ``--lang``; not given, the group's (``geozones --lang zh check …``)."""
    from click.core import ParameterSource

    if ctx.get_parameter_source(param.name) is ParameterSource.DEFAULT:
        value = ctx.meta.get(_GROUP_LANG_KEY) or value
    ctx.meta[_LANG_KEY] = value
    return value


def _set_group_lang(ctx: click.Context, _param, value: str | None) -> None:
    if value is not None:
        ctx.meta[_GROUP_LANG_KEY] = value


def _kind(ctx: click.Context, _param, value: str | None) -> str | None:
    if value is None:
        return None
    kind = normalize_kind(value)
    if kind is None:
        raise click.BadParameter(t("opt_not_kind", ctx.meta.get(_LANG_KEY, "en"), value=value, choices=", ".join(KINDS)))
    return kind


def _station(ctx, _param, value: str | None):
    from ..station import load_station

    note_input(ctx, value)
    return load_station(value)


def _stations(ctx: click.Context, _param, value: str | None):
    """``--stations DIR``: every station file of the folder (None when not given)."""
    if value is None:
        return None
    from ..station import load_stations

    stations = load_stations(value)
    for s in stations:
        note_input(ctx, s.source_path)
    return stations


def station_choice(ctx: click.Context, stations) -> None:
    """Refuse ``--station`` and ``--stations`` together (one station file or one folder)."""
    from click.core import ParameterSource

    from ..errors import InputError

    if stations is not None and ctx.get_parameter_source("station") == ParameterSource.COMMANDLINE:
        raise InputError("stations_and_station")


def _pilots(ctx: click.Context, _param, value: str | None):
    """Load the pilot areas (with a replacement boundary) and print its warnings."""
    from ..pilot import boundary_warnings, load_pilots

    note_input(ctx, value)
    pilots = load_pilots(boundary=value, boundary_crs=ctx.meta.get(_PILOT_CRS_KEY))
    if value is not None:
        lang = ctx.meta.get(_LANG_KEY, "en")
        for pilot in pilots[:1]:
            for key, params in boundary_warnings(pilot):
                warn(ctx, t(key, lang, **params))
    return pilots


def _use(ctx: click.Context, _param, value: str | None) -> str | None:
    from ..core.kinds import USES, normalize_use

    if value is None:
        return None
    use = normalize_use(value)
    if use is None:
        raise click.BadParameter(t("opt_not_use", ctx.meta.get(_LANG_KEY, "en"), value=value, choices=", ".join(USES)))
    return use


# --- shared options, defined once ----------------------------------------------------------
lang_opt = click.option(
    "--lang", type=click.Choice(LANGS), default="en", show_default=True, is_eager=True,
    callback=_set_lang, expose_value=True, help=h("lang"),
)
#: ``--lang`` of a group (``geozones --help --lang zh``, ``geozones stations --help --lang zh``):
#: the language of its help and, where a command's own ``--lang`` is not given, of the command.
group_lang_opt = click.option(
    "--lang", type=click.Choice(LANGS), default=None, is_eager=True, expose_value=False,
    callback=_set_group_lang, help=h("group_lang"),
)
station_opt = click.option(
    "--station", "station", type=click.Path(dir_okay=False), default=None, callback=_station,
    help=h("station"),
)
stations_opt = click.option(
    "--stations", "stations", type=click.Path(exists=True), default=None, callback=_stations,
    help=h("stations"),
)
sun_reach_opt = click.option(
    "--sun-reach", "sun_reach", type=Number(numbers.SUN_REACH_M), default=None,
    help=h("sun_reach"),
)
footprint_layer_opt = click.option(
    "--layer", default=None,
    help=h("layer"))
crs_opt = click.option(
    "--crs", default=None,
    help=h("crs"),
)
axis_opt = click.option(
    "--axis-order", type=click.Choice(AXIS_ORDERS), default="xy", show_default=True,
    help=h("axis_order"),
)
overwrite_opt = click.option("--overwrite", is_flag=True, help=h("overwrite"))
dem_opt = click.option(
    "--dem", type=click.Path(dir_okay=False), default=None,
    help=h("dem"))
field_elev_opt = click.option(
    "--field-elevation", type=click.Choice(FIELD_ELEVATION_SOURCES), default="dem", show_default=True,
    help=h("field_elevation"))
storey_opt = click.option(
    "--storey-height", type=Number(numbers.STOREY_HEIGHT_M), default=None,
    help=h("storey_height"),
)
max_cells_opt = click.option(
    "--max-cells", type=Number(min=1, max=10**15, integer=True), default=None,
    help=h("max_cells", default=f"{MAX_CELLS:,}"),
)
_pilot_boundary_opt = click.option(
    "--pilot-boundary", "pilots", type=click.Path(dir_okay=False), default=None, callback=_pilots,
    help=h("pilot_boundary"),
)


def _set_pilot_crs(ctx: click.Context, _param, value: str | None) -> str | None:
    ctx.meta[_PILOT_CRS_KEY] = value
    return value


_pilot_crs_opt = click.option(
    "--pilot-boundary-crs", type=str, default=None, is_eager=True, expose_value=False,
    callback=_set_pilot_crs,
    help=h("pilot_boundary_crs"),
)


def pilot_opt(f):
    """``--pilot-boundary`` and ``--pilot-boundary-crs``."""
    return _pilot_crs_opt(_pilot_boundary_opt(f))


def proposal_options(footprint_required: bool = True):
    """The options that describe one proposal (``check``, ``report``, ``ledger add``),
    defined once; ``ledger add`` takes its proposal from elsewhere too, so there
    ``--footprint`` is not required."""
    def decorate(f):
        return _proposal_opts(f, footprint_required)
    return decorate


def _proposal_opts(f, footprint_required: bool):
    for opt in reversed((
        click.option("--footprint", required=footprint_required,
                     help=h("footprint")),
        click.option("--height", type=Number(numbers.HEIGHT_M), default=None,
                     help=h("height")),
        click.option("--kind", default="building", show_default=True, callback=_kind,
                     help=h("kind", kinds=", ".join(KINDS))),
        click.option("--use", default=None, callback=_use,
                     help=h("use")),
        click.option("--floors", type=Number(numbers.FLOORS), default=None,
                     help=h("floors")),
        click.option("--width", type=Number(numbers.WIDTH_M), default=None,
                     help=h("width")),
    )):
        f = opt(f)
    return f


#: The proposal options of ``check`` and ``report`` (``--footprint`` required).
proposal_opts = proposal_options()

#: The environment variable naming the ledger when ``--ledger`` is not given.
LEDGER_ENV = "GEOZONES_LEDGER"


def _ledger(ctx: click.Context, _param, value: str | None, required: bool = True):
    """``--ledger``: the ledger's store (:func:`geozones.io.ledger.open_store`), a file noted
    as an input (never an output); not given (nor ``GEOZONES_LEDGER``), one line, or None
    where the ledger is optional (``check``, ``report``, ``screen``, ``horizon``)."""
    from ..errors import InputError
    from ..io import is_table_uri
    from ..io.ledger import open_store

    if value is None or not str(value).strip():
        if not required:
            return None
        raise InputError("ledger_no_location")
    if not is_table_uri(value):
        note_input(ctx, value)
    return open_store(value)


#: ``--ledger PATH|URI`` (default: the ``GEOZONES_LEDGER`` environment variable).
ledger_opt = click.option("--ledger", "ledger", envvar=LEDGER_ENV, default=None, callback=_ledger,
                          help=h("ledger"))
def ledger_where_it_applies(ctx: click.Context, ledger, applies: bool, key: str, **params):
    """``--ledger`` where the command can use it (``applies``); where it cannot (``check
    --stations``, a drawing, ``screen --no-sun``) a ledger given on the command line is refused
    in one line (message ``key``) and one named by ``GEOZONES_LEDGER`` is left out (the
    environment names it for every command)."""
    if ledger is None or applies:
        return ledger
    if ctx.get_parameter_source("ledger") == click.core.ParameterSource.ENVIRONMENT:
        return None
    from ..errors import InputError

    raise InputError(key, **params)


#: ``--ledger PATH|URI`` where it is optional: the proposal's sun minutes against the
#: station's approved obstacles (``check``, ``report``, ``screen``, ``horizon``; issue 27).
ledger_effect_opt = click.option("--ledger", "ledger", envvar=LEDGER_ENV, default=None, metavar="PATH|URI",
                                 callback=lambda ctx, p, v: _ledger(ctx, p, v, required=False),
                                 help=h("ledger_effect"))


# --- option groups in --help -----------------------------------------------------------------
#: ``geozones screen --help``: the heading each option is listed under, in this order; an
#: option missing here is listed under "Other", so none is ever lost.
SCREEN_OPTION_GROUPS: dict[str, tuple[str, ...]] = {
    "input": ("--layer", "--encoding", "--wkt-column", "--crs", "--axis-order", "--no-datum-check"),
    "heights": ("--height-field", "--floors-field", "--storey-height", "--default-height",
                "--dem", "--field-elevation"),
    "rules": ("--kind-field", "--default-kind", "--width-field", "--use-field", "--default-use",
              "--station", "--stations", "--sun-reach", "--pilot-boundary", "--pilot-boundary-crs", "--ledger"),
    "output": ("--output", "--overwrite", "--replace-gz", "--sort", "--long", "--sun", "--report", "--map",
               "--reports", "--fail-on", "--quiet", "--lang"),
    "performance": ("--chunk-size", "--engine", "--workers", "--scheduler"),
}

#: The headings, in English and Chinese (help is printed before --lang is parsed: the
#: environment chooses, see :func:`help_lang`).
GROUP_HEADINGS: dict[str, dict[str, str]] = {
    "input": {"en": "Input", "zh": "输入"},
    "heights": {"en": "Heights", "zh": "高度"},
    "rules": {"en": "Rules and stations", "zh": "规则与台站"},
    "output": {"en": "Output", "zh": "输出"},
    "performance": {"en": "Performance", "zh": "性能"},
    "other": {"en": "Other", "zh": "其他"},
}


def help_lang(environ=None) -> str:
    """The language of ``--help`` without ``--lang`` on the command line: ``zh`` when
    ``GEOZONES_LANG`` is ``zh``, or, without it, when ``LANG`` starts with ``zh`` (e.g.
    ``zh_CN.UTF-8``); else ``en``."""
    import os

    env = os.environ if environ is None else environ
    chosen = env.get("GEOZONES_LANG") or env.get("LANG") or ""
    return "zh" if chosen.lower().startswith("zh") else "en"


def option_groups(command: click.Command, ctx: click.Context, groups: dict[str, tuple[str, ...]]):
    """The command's options as ``[(group key, [option, ...]), ...]`` in the order of ``groups``,
    each option once (under its first matching group), the rest under ``"other"``, in the
    order the command declares them. Empty groups are left out."""
    placed: dict[str, list[click.Parameter]] = {key: [] for key in (*groups, "other")}
    for param in command.get_params(ctx):
        if isinstance(param, click.Argument):
            continue
        names = {*param.opts, *param.secondary_opts}
        key = next((k for k, flags in groups.items() if names & set(flags)), "other")
        placed[key].append(param)
    return [(key, params) for key, params in placed.items() if params]


def help_language(ctx: click.Context) -> str:
    """The language of ``--help``: ``--lang`` on the command line (in any order: ``screen
    --help --lang zh``), else :func:`help_lang` of the environment."""
    return ctx.meta.get(_USAGE_LANG_KEY) or help_lang()


def help_record(param: click.Parameter, ctx: click.Context, lang: str) -> tuple[str, str] | None:
    """click's help line of ``param`` in ``lang``: a help text from the catalogue's ``[help]``
    table (:func:`h`) and click's ``[default: …; required]`` put into words through
    :func:`geozones.text.from_english`; a text not in the catalogue stays as it is."""
    record = param.get_help_record(ctx)
    if record is None or lang == "en":
        return record
    names, text = record
    own = getattr(param, "help", None) or ""
    if own and text.startswith(own):
        head, rest = from_english(own, lang, "help_"), text[len(own):]
    else:
        head, rest = "", text
    extra = re.fullmatch(r"(\s*)\[(.*)\]", rest, re.DOTALL)
    if extra:
        items = "; ".join(from_english(item, lang, "click_") for item in extra.group(2).split("; "))
        rest = f"{extra.group(1)}[{items}]"
    return names, head + rest


class _LocalizedHelp:
    """``--help`` in the language of the command line (:func:`help_language`): the usage line,
    the description, each option's help and the headings, through the message catalogue (what
    it does not hold stays in English). Shared by :class:`Command` and :class:`Group`."""

    def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        formatter.write_usage(ctx.command_path, " ".join(self.collect_usage_pieces(ctx)),  # type: ignore[attr-defined]
                              prefix=t("click_usage", help_language(ctx)))

    def format_help_text(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        lang = help_language(ctx)
        text = localized_help(self, lang)  # type: ignore[arg-type]
        if lang == "en" or not text or text == self.help:  # type: ignore[attr-defined]
            return super().format_help_text(ctx, formatter)  # type: ignore[misc]
        formatter.write_paragraph()
        with formatter.indentation():
            formatter.write_text(text)

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        lang = help_language(ctx)
        rows = [rv for p in self.get_params(ctx) if not isinstance(p, click.Argument)  # type: ignore[attr-defined]
                if (rv := help_record(p, ctx, lang)) is not None]
        if rows:
            with formatter.section(t("click_options", lang)):
                formatter.write_dl(rows)


def localized_help(command: click.Command, lang: str) -> str:
    """``command``'s description in ``lang``: its English help (from the catalogue's
    ``[help]`` table, :func:`h`) put into words through :func:`geozones.text.from_english`."""
    if not command.help or lang == "en":
        return command.help or ""
    return from_english(command.help, lang, "help_")


def short_help(command: click.Command, lang: str, limit: int = 45) -> str:
    """What a group's ``--help`` lists beside ``command``: click's own short help in English;
    in another language the first sentence of :func:`localized_help` (cut with … past
    ``limit`` characters: its aside in brackets left out first)."""
    if lang == "en" or command.short_help:
        return command.get_short_help_str(limit)
    text = localized_help(command, lang)
    if text == (command.help or ""):
        return command.get_short_help_str(limit)
    first = text.split("\n\n")[0].split("。")[0].strip()
    if len(first) > limit:   # a long sentence: without its aside in brackets, else cut
        first = first.split("（")[0].strip() or first
    return first if len(first) <= limit else first[: limit - 1] + "…"


class Command(_LocalizedHelp, click.Command):
    """Every command: its ``--help`` in the language of the command line (:class:`_LocalizedHelp`)."""


class Group(_LocalizedHelp, click.Group):
    """A command with subcommands (``geozones``, ``geozones stations``): its ``--help`` in the
    language of the command line, each subcommand listed with its short help in that language
    (:func:`short_help`)."""

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        super().format_options(ctx, formatter)
        self.format_commands(ctx, formatter)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        lang = help_language(ctx)
        commands = [(name, cmd) for name in self.list_commands(ctx)
                    if (cmd := self.get_command(ctx, name)) is not None and not cmd.hidden]
        if commands:
            limit = formatter.width - 6 - max(len(name) for name, _ in commands)
            with formatter.section(t("click_commands", lang)):
                formatter.write_dl([(name, short_help(cmd, lang, limit if lang == "en" else 40))
                                    for name, cmd in commands])


class _Group(Group):
    """The top-level group (:class:`Group`). Turns library errors into a one-line message and a non-zero exit, no traceback, and
    click's usage errors into the language of the command line (:func:`argv_lang`)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        ctx.meta[_USAGE_LANG_KEY] = argv_lang(args)
        try:
            return super().parse_args(ctx, args)
        except click.ClickException as exc:
            raise localized(exc, ctx) from None

    def invoke(self, ctx: click.Context):
        import os

        from ..core.limits import Limits, using
        from ..io import Interrupted, interrupts_raise
        from ..sunshine import cache_dir_from, use_cache_dir

        try:
            # SIGINT, SIGTERM, SIGHUP: clean up, one line, 128 + n; the GEOZONES_MAX_* limits
            # and the cache folder (GEOZONES_CACHE_DIR, XDG_CACHE_HOME) read here, at the edge, once
            use_cache_dir(cache_dir_from(os.environ))
            with interrupts_raise(), using(Limits.from_environ(os.environ)):
                return super().invoke(ctx)
        except GeozonesError as exc:
            lang = ctx.meta.get(_LANG_KEY, "en")
            click.echo(f"{t('word_error', lang)}: {exc.localized(lang)}", err=True)
            ctx.exit(exc.exit_code)
        except Interrupted as exc:
            lang = ctx.meta.get(_LANG_KEY, "en")
            click.echo(f"{t('word_error', lang)}: {t('interrupted', lang, signal=str(exc))}", err=True)
            ctx.exit(exc.exit_code)
        except click.exceptions.ClickException as exc:
            raise localized(exc, getattr(exc, "ctx", None) or ctx) from None
        except (click.exceptions.Exit, click.exceptions.Abort):
            raise
        except Exception as exc:   # a bug (ours or a library's): one line, exit 1
            if os.environ.get("GEOZONES_TRACEBACK"):
                raise
            from ..errors import first_line

            lang = ctx.meta.get(_LANG_KEY, "en")
            why = f"{type(exc).__name__}: {first_line(exc)}".rstrip(": ")
            click.echo(f"{t('word_error', lang)}: {t('unexpected', lang, why=why)}", err=True)
            ctx.exit(1)


class GroupedCommand(Command):
    """A command whose ``--help`` lists its options under headings (:data:`SCREEN_OPTION_GROUPS`),
    so each group reads in one screen."""

    option_groups: dict[str, tuple[str, ...]] = SCREEN_OPTION_GROUPS

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        lang = help_language(ctx)
        for key, params in option_groups(self, ctx, self.option_groups):
            rows = [rv for rv in (help_record(p, ctx, lang) for p in params) if rv is not None]
            if rows:
                with formatter.section(GROUP_HEADINGS[key][lang]):
                    formatter.write_dl(rows)
