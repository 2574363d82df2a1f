"""The wheel holds every package of the source tree: ``pip install .`` (not only the
editable install the tests run from) must be able to import the core and the CLI."""

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_package_is_installed():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    listed = set(config["tool"]["setuptools"]["packages"])
    found = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "geozones").rglob("__init__.py")}
    assert found, "no packages found under geozones/"
    assert found - listed == set(), f"packages missing from pyproject.toml: {sorted(found - listed)}"
