"""How a batch run uses the machine: one frozen :class:`Settings`, made by the edge (the
``screen`` command, :func:`geozones.screen.screen_file`) and passed down.

Nothing below the edge reads the environment: :meth:`Settings.from_environ` is the one place
the ``GEOZONES_THREADS``/``GEOZONES_PROCESSES`` variables are read, by the command line.
Kept free of pandas and Arrow so that the command line can show these defaults without
importing them.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["DEFAULT_CHUNK_ROWS", "PROCESS_MIN_ROWS", "ENGINES", "Settings", "default_processes"]

from ..core import numbers
from ..core.numbers import checked, parse_number
from ..io.base import DEFAULT_CHUNK_ROWS  # rows per chunk unless told (--chunk-size)

#: Rows from which a local run screens in worker processes (fewer: in this process, where
#: starting the workers costs more than they save).
PROCESS_MIN_ROWS = 100_000

#: How parts are run: worker processes of this machine, or a dask.distributed cluster.
ENGINES: tuple[str, ...] = ("local", "dask")

_OFF = ("0", "false", "no")


def default_processes() -> int:
    """Worker processes of a local run: one per core, at most 8."""
    return min(os.cpu_count() or 1, 8)


@dataclass(frozen=True)
class Settings:
    """How a batch run is executed; never what it computes (the output is the same for any
    settings).

    chunk_rows : rows screened at once (memory is bounded by this).
    processes : worker processes of a local run (1: everything in this process; default: one
        per core, at most 8).
    process_min_rows : rows from which a local run uses its worker processes.
    engine : ``"local"`` or ``"dask"`` (:data:`ENGINES`).
    workers : dask without ``scheduler``: worker processes of the LocalCluster (None: one per core).
    scheduler : dask: the address of an existing cluster's scheduler (``tcp://host:8786``).
    arrow_pool : Arrow's memory pool for the run (``"jemalloc"`` gives freed chunk buffers
        back, where the default keeps them: a lower peak, same speed; None: Arrow's default).
    """

    chunk_rows: int = DEFAULT_CHUNK_ROWS
    processes: int = field(default_factory=lambda: default_processes())
    process_min_rows: int = PROCESS_MIN_ROWS
    engine: str = "local"
    workers: int | None = None
    scheduler: str | None = None
    arrow_pool: str | None = None

    def __post_init__(self) -> None:
        # NaN, fractions and size bombs (10⁹ worker processes) refused, naming the setting
        checked(self.chunk_rows, "chunk_rows", numbers.CHUNK_ROWS)
        checked(self.processes, "processes", numbers.WORKERS)
        checked(self.workers, "workers", numbers.WORKERS)

    @classmethod
    def from_environ(cls, environ: Mapping[str, str], **given) -> Settings:
        """The settings of a command-line run: ``given`` (from the options), the worker
        processes from ``GEOZONES_THREADS`` (a count; default: one per core, at most 8) unless
        ``GEOZONES_PROCESSES`` is 0/false/no (then one: everything in this process), and
        Arrow's jemalloc pool unless ``ARROW_DEFAULT_MEMORY_POOL`` chooses one. A
        ``GEOZONES_THREADS`` that is no whole number from 0 to 512 is refused, naming it."""
        text = environ.get("GEOZONES_THREADS", "").strip() or "0"
        n = parse_number(text, numbers.THREADS)
        if n is None or numbers.THREADS.problem(n) is not None:
            raise numbers.THREADS.error("GEOZONES_THREADS", text)
        processes = n if n > 0 else default_processes()
        if environ.get("GEOZONES_PROCESSES", "1").lower() in _OFF:
            processes = 1
        pool = None if "ARROW_DEFAULT_MEMORY_POOL" in environ else "jemalloc"
        return cls(**{"processes": processes, "arrow_pool": pool, **given})
