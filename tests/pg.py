"""A throwaway PostgreSQL cluster with PostGIS for the tests (the ``postgis_uri`` fixture).

Made when Debian's server binaries (``/usr/lib/postgresql/*/bin``: ``initdb``, ``pg_ctl``) and
the PostGIS extension are installed (``.ci/run`` installs them): a cluster in a temporary
folder, initialised and run as the ``postgres`` user when the tests run as root (the server
refuses root), listening on a socket in that folder and on 127.0.0.1 at a free port, stopped
when the session ends. Skipped where they are missing, unless ``CI=true``: then the missing
server fails the tests instead of hiding them.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest

__all__ = ["postgis_uri", "pg_bin"]


def pg_bin() -> Path | None:
    """The newest installed server's ``bin`` folder holding ``initdb`` and ``pg_ctl`` whose
    share folder has the PostGIS extension, or None."""
    for bin_dir in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name), reverse=True):
        version = Path(bin_dir).parent.name
        if (Path(bin_dir, "initdb").exists() and Path(bin_dir, "pg_ctl").exists()
                and Path(f"/usr/share/postgresql/{version}/extension/postgis.control").exists()):
            return Path(bin_dir)
    return None


def _free_port() -> int:
    with contextlib.closing(socket.socket()) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _unavailable(why: str):
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"PostgreSQL with PostGIS is needed under CI: {why}")
    pytest.skip(f"no PostgreSQL with PostGIS here: {why}")


@pytest.fixture(scope="session")
def postgis_uri():
    """``postgresql://postgres@/geozones_test?host=SOCKET_DIR&port=PORT``: a database
    with the ``postgis`` extension in a cluster of this session (trust authentication)."""
    bin_dir = pg_bin()
    if bin_dir is None:
        _unavailable("initdb/pg_ctl in /usr/lib/postgresql/*/bin and postgis.control")
    try:
        import psycopg
    except ImportError:
        _unavailable("psycopg (the postgis extra)")
    root = os.geteuid() == 0
    as_user: list[str] = []
    if root:
        if shutil.which("runuser") is None:
            _unavailable("runuser, to run the server as postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    base = Path(tempfile.mkdtemp(prefix="gz-pg-"))
    data, sock = base / "data", base / "sock"
    sock.mkdir()
    if root:
        shutil.chown(base, "postgres")
        shutil.chown(sock, "postgres")
        os.chmod(base, 0o755)
    port = _free_port()
    log = base / "server.log"
    run = lambda *args: subprocess.run([*as_user, *map(str, args)], check=True, capture_output=True, text=True)
    try:
        run(bin_dir / "initdb", "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8")
        run(bin_dir / "pg_ctl", "-D", data, "-l", log, "-w", "-o",
            f"-k {sock} -p {port} -c listen_addresses=127.0.0.1 -c fsync=off", "start")
    except subprocess.CalledProcessError as exc:
        shutil.rmtree(base, ignore_errors=True)
        _unavailable(f"the cluster did not start: {exc.stderr.strip()[-300:]}")
    try:
        import psycopg

        with psycopg.connect(host=str(sock), port=port, user="postgres", dbname="postgres", autocommit=True) as conn:
            conn.execute("CREATE DATABASE geozones_test")
        with psycopg.connect(host=str(sock), port=port, user="postgres", dbname="geozones_test", autocommit=True) as conn:
            conn.execute("CREATE EXTENSION postgis")
        yield f"postgresql://postgres@/geozones_test?host={sock}&port={port}"
    finally:
        subprocess.run([*as_user, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"],
                       capture_output=True)
        shutil.rmtree(base, ignore_errors=True)
