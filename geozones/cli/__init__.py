"""The ``geozones`` command line: thin commands over the library.

This package is the only place that imports click. ``options`` defines each shared option
once; each command lives in its own module, reads its input, calls one library function and
writes its output. Any :class:`~geozones.errors.GeozonesError` becomes one line on stderr and
its exit code.
"""

from __future__ import annotations

import sys

import click

from .options import _Group, group_lang_opt, h

__all__ = ["main"]


@click.group(cls=_Group, help=h("cmd_main"), context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="geozones", help=h("version"))
@group_lang_opt
def main() -> None:
    """The ``geozones`` command; its help is the catalogue's ``help_cmd_main``."""


from . import check, heightlimit, horizon, ledger, map, report, screen, serve, stations, zones  # noqa: E402  (registers commands)

for _module in (check, screen, map, report, zones, heightlimit, horizon, stations, ledger, serve):
    main.add_command(_module.command)

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
