"""MkDocs hook: every command's options, read from the click commands themselves.

A page line ``<!-- cli-options: screen -->`` (or ``stations import``) becomes the command's
usage line and one list item per option, with the help text and default ``geozones CMD --help``
prints; a command with grouped help (``screen``) is listed under the same headings. So the
option reference cannot drift from the code.
"""

from __future__ import annotations

import re

import click

MARKER = re.compile(r"^<!-- cli-options: ([\w -]+?) -->$", re.M)


def _escape(text: str) -> str:
    """Help text as Markdown text: no emphasis from ``gz_*``, no HTML, no table pipes."""
    return text.replace("\\", "\\\\").replace("*", "\\*").replace("<", "&lt;").replace(">", "&gt;")


def _items(ctx: click.Context, params) -> list[str]:
    lines = []
    for param in params:
        record = param.get_help_record(ctx)
        if record is None:
            continue
        names, help_text = record
        item = f"- `{names}`"
        if help_text:
            item += f": {_escape(' '.join(help_text.split()))}"
        lines.append(item)
    return lines


def options_markdown(path: str) -> str:
    """The usage line and the options of ``geozones <path>`` as Markdown."""
    from geozones.cli import main
    from geozones.cli.options import GROUP_HEADINGS, GroupedCommand, option_groups

    command: click.Command = main
    ctx = click.Context(main, info_name="geozones")
    for name in path.split():
        assert isinstance(command, click.Group), path
        command = command.commands[name]
        ctx = click.Context(command, info_name=name, parent=ctx)
    usage = " ".join(command.collect_usage_pieces(ctx))
    out = [f"```console\n$ {ctx.command_path} {usage}\n```", ""]
    if isinstance(command, click.Group):
        out.append("Commands: " + ", ".join(f"`{name}`" for name in command.commands) + ".")
        out.append("")
    if isinstance(command, GroupedCommand):
        for key, params in option_groups(command, ctx, command.option_groups):
            out += [f"**{GROUP_HEADINGS[key]['en']}**", "", *_items(ctx, params), ""]
    else:
        params = [p for p in command.get_params(ctx) if not isinstance(p, click.Argument)]
        out += _items(ctx, params)
    return "\n".join(out).rstrip() + "\n"


def on_page_markdown(markdown: str, **_kwargs) -> str:
    return MARKER.sub(lambda m: options_markdown(m.group(1)), markdown)
