"""Every test session (tests/ and the docstring examples of geozones/) keeps its caches in a
folder of its own, removed at the end: the sun table (geozones.sunshine) is computed once per
session there and never read from, or written to, the user's cache."""

from __future__ import annotations

import os
import shutil
import tempfile

_made: list[str] = []


def pytest_configure(config):
    from geozones.sunshine import CACHE_ENV

    folder = tempfile.mkdtemp(prefix="geozones-test-cache-")
    _made.append(folder)
    os.environ[CACHE_ENV] = folder


def pytest_unconfigure(config):
    for folder in _made:
        shutil.rmtree(folder, ignore_errors=True)
