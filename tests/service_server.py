"""The real ``geozones serve`` in a subprocess on a free port, for the tests that talk to it
over HTTP (tests/test_service.py) and drive its map page in a browser
(tests/test_service_browser.py)."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

#: The command line, run by this Python.
CLI = [sys.executable, "-c", "from geozones.cli import main; main()"]


def free_port() -> int:
    """A TCP port nobody listens on now (the OS's choice)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def running_server(state_dir: Path, options: Sequence[str] = (), env: Mapping[str, str | None] | None = None
                   ) -> Iterator[dict]:
    """``geozones serve --port P --state-dir STATE_DIR OPTIONS…`` until the block ends, with
    this process's environment changed by ``env`` (a None value unsets the variable):
    ``{"url": "http://127.0.0.1:P", "port": P, "proc": the process}``, once it accepts
    connections (RuntimeError with its last words if it does not within 60 s)."""
    port = free_port()
    proc = subprocess.Popen([*CLI, "serve", "--port", str(port), "--state-dir", str(state_dir), *options],
                            env={k: v for k, v in {**os.environ, **(env or {})}.items() if v is not None},
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the server did not start: {proc.stderr.read().decode()[-2000:]}") from None
                time.sleep(0.2)
        yield {"url": f"http://127.0.0.1:{port}", "port": port, "proc": proc}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
