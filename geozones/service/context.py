"""What the service was started with, shared by its plugins in one server process.

pygeoapi loads each plugin by its dotted name and makes a new instance per request, so the
station, pilot areas and limits, read once when ``geozones serve`` starts, live here
(:func:`set_current` by :func:`geozones.service.app.make_app`, :func:`current` by the
plugins). One server process serves one configuration.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["ServiceSettings", "JobSlot", "current", "set_current", "is_loopback", "MAX_BODY_BYTES", "MAX_JOBS",
           "MAX_VERTICES", "KEEP_JOBS", "KEPT_SYNC"]

#: Largest request body accepted, unless ``--max-body`` says [bytes]: 10 MiB.
MAX_BODY_BYTES = 10 * 1024 * 1024
#: Screening jobs queued or running at once, unless ``--max-jobs`` says.
MAX_JOBS = 4
#: Vertices of a checked footprint, unless ``--max-vertices`` says (no building has more;
#: repairing an invalid ring of 10,000 takes seconds, of 100,000 minutes).
MAX_VERTICES = 10_000
#: Finished jobs kept (status, results, download) before the oldest are deleted, unless
#: ``--keep-jobs`` says.
KEEP_JOBS = 100
#: The processes whose synchronous answers are kept as jobs (a screening's download lives in
#: its job's folder); every other synchronous execution is deleted once answered.
KEPT_SYNC = frozenset({"geozones-screen"})


class JobSlot:
    """One of the ``max_jobs`` places a job holds while it is queued or running, given back
    once however many times :meth:`release` is called (by the process when it ends, by the
    web application when pygeoapi answered without starting it)."""

    def __init__(self, settings: ServiceSettings) -> None:
        self._settings: ServiceSettings | None = settings

    def release(self) -> None:
        """Give the place back (the first call; later calls do nothing)."""
        with _SLOT_LOCK:
            settings, self._settings = self._settings, None
        if settings is not None:
            settings.end_job()


_SLOT_LOCK = threading.Lock()


@dataclass
class ServiceSettings:
    """The service's configuration, made by ``geozones serve`` from its options.

    zones : the station and pilot areas (:class:`geozones.check.ZoneSet`).
    network : the stations of a registry folder (``--stations``: a
        :class:`geozones.check.StationNetwork`), or None: ``zones`` alone.
    data_dir : the only folder a screening input given by reference is read from (None: none).
    state_dir : where the job database and the job outputs are written.
    token : the access token every request must bear (None: no token asked).
    max_body_bytes : largest request body [bytes].
    max_jobs : jobs queued or running at once (screenings, and checks run as jobs).
    max_vertices : vertices of a checked footprint.
    keep_jobs : finished jobs kept; the oldest beyond are deleted (a synchronous check
        is never kept).
    lang : the language of answers when a request names none.
    url : the service's address, for the links in its answers.
    """

    zones: Any
    state_dir: Path
    network: Any = None
    data_dir: Path | None = None
    token: str | None = None
    max_body_bytes: int = MAX_BODY_BYTES
    max_jobs: int = MAX_JOBS
    keep_jobs: int = KEEP_JOBS
    max_vertices: int = MAX_VERTICES
    lang: str = "en"
    #: the service's own address (links in answers), e.g. ``http://127.0.0.1:5000``
    url: str = "http://127.0.0.1:5000"
    #: screening jobs accepted and not finished (counted here, limited by ``max_jobs``)
    jobs_open: int = 0
    jobs_lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def jobs_dir(self) -> Path:
        """The folder of the jobs' outputs (one folder per job)."""
        return self.state_dir / "jobs"

    def take_job(self) -> JobSlot | None:
        """A place for one more job when fewer than ``max_jobs`` are open; None when full."""
        with self.jobs_lock:
            if self.jobs_open >= self.max_jobs:
                return None
            self.jobs_open += 1
            return JobSlot(self)

    def end_job(self) -> None:
        """A job counted by :meth:`take_job` has ended (done or failed): call
        :meth:`JobSlot.release`, which does this once."""
        with self.jobs_lock:
            self.jobs_open = max(0, self.jobs_open - 1)


def is_loopback(host: str) -> bool:
    """Whether ``host`` (``--host``) is this machine only: 127.x.y.z, ::1 or localhost.

    >>> [is_loopback(h) for h in ("127.0.0.1", "::1", "localhost", "0.0.0.0", "192.168.1.5", "::")]
    [True, True, True, False, False, False]
    """
    import ipaddress

    if host.strip("[]").lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:   # a name: it may resolve anywhere
        return False


_CURRENT: list[ServiceSettings] = []


def set_current(settings: ServiceSettings) -> None:
    """Make ``settings`` the configuration of this server process."""
    _CURRENT[:] = [settings]


def current() -> ServiceSettings:
    """The configuration of this server process (:func:`set_current`)."""
    if not _CURRENT:
        raise RuntimeError("geozones.service: no configuration set (make_app sets it)")
    return _CURRENT[0]
