"""The ``geozones`` command line: thin commands over the library.

This package is the only place that imports click. ``options`` defines each shared option
once; each command lives in its own module, reads its input, calls one library function and
writes its output. Any :class:`~geozones.errors.GeozonesError` becomes one line on stderr and
its exit code.
"""

from __future__ import annotations

import sys

import click

from .options import _Group

__all__ = ["main"]


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="geozones")
def main() -> None:
    """Check proposals against the Jiangxian weather station's protection zones
    (绛县国家基本气象站气象探测环境保护专项规划, GB 31221-2014)."""


from . import check, heightlimit, horizon, map, report, screen, stations, zones  # noqa: E402  (registers commands)

for _module in (check, screen, map, report, zones, heightlimit, horizon, stations):
    main.add_command(_module.command)

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
