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

__all__ = ["ServiceSettings", "current", "set_current", "MAX_BODY_BYTES", "MAX_JOBS"]

#: Largest request body accepted, unless ``--max-body`` says [bytes]: 10 MiB.
MAX_BODY_BYTES = 10 * 1024 * 1024
#: Screening jobs queued or running at once, unless ``--max-jobs`` says.
MAX_JOBS = 4


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
    max_jobs : screening jobs queued or running at once.
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

    def take_job(self) -> bool:
        """Count one more job when fewer than ``max_jobs`` are open; False when full."""
        with self.jobs_lock:
            if self.jobs_open >= self.max_jobs:
                return False
            self.jobs_open += 1
            return True

    def end_job(self) -> None:
        """A job counted by :meth:`take_job` has ended (done or failed)."""
        with self.jobs_lock:
            self.jobs_open = max(0, self.jobs_open - 1)


_CURRENT: list[ServiceSettings] = []


def set_current(settings: ServiceSettings) -> None:
    """Make ``settings`` the configuration of this server process."""
    _CURRENT[:] = [settings]


def current() -> ServiceSettings:
    """The configuration of this server process (:func:`set_current`)."""
    if not _CURRENT:
        raise RuntimeError("geozones.service: no configuration set (make_app sets it)")
    return _CURRENT[0]
