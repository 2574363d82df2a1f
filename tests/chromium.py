"""Debian's chromium driven by Playwright, as every browser test launches it.

Importing this skips the importing test module on a developer machine without
/usr/bin/chromium (or without playwright); under CI (CI=true), where .ci/run installs both, a
missing one is a failure.
"""

import contextlib
import os
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    if os.environ.get("CI"):
        raise RuntimeError("CI: /usr/bin/chromium is missing; .ci/run must install Debian's chromium")
    pytest.skip("no /usr/bin/chromium on this machine (apt-get install chromium)", allow_module_level=True)

sync_api = pytest.importorskip("playwright.sync_api") if not os.environ.get("CI") else __import__(
    "playwright.sync_api", fromlist=["sync_playwright"])

#: chromium's flags: no sandbox (root in CI), no GPU, nothing fetched behind the test's back.
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]


def launch(p):
    """The browser, from a ``sync_playwright()`` context ``p``."""
    return p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)


@contextlib.contextmanager
def running_browser():
    """Debian's chromium, launched, until the block ends (a module fixture's body)."""
    with sync_api.sync_playwright() as p:
        b = launch(p)
        try:
            yield b
        finally:
            b.close()
