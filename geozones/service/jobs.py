"""The service's job manager: pygeoapi's TinyDB manager (the job database and the jobs'
outputs in the state folder), keeping only what a client can still ask for.

- a synchronous check is answered in its response: its job record and output file are
  deleted as soon as it is answered (pygeoapi records every execution as a job);
- of the finished jobs, the newest ``keep_jobs`` (``--keep-jobs``) are kept, the older ones
  deleted with their outputs and download folders, after every execution;
- deleting a job (``DELETE /jobs/{id}``) deletes its download folder too;
- no callbacks: a ``subscriber`` would make the server post to any address a client names
  (the web application refuses the input; this manager does not offer it either).
"""

from __future__ import annotations

import re
import shutil
import sys
from typing import Any

from pygeoapi.process.base import JobNotFoundError
from pygeoapi.process.manager.tinydb_ import TinyDBManager
from pygeoapi.util import JobStatus

from ..errors import first_line
from .context import KEPT_SYNC, current

__all__ = ["JobManager"]

_FINISHED = {JobStatus.successful.value, JobStatus.failed.value, JobStatus.dismissed.value}
_JOB_ID = re.compile(r"[0-9a-fA-F-]{8,64}")


class JobManager(TinyDBManager):
    """pygeoapi's TinyDB job manager that forgets synchronous checks and prunes finished jobs
    (see the module docstring)."""

    def __init__(self, manager_def: dict) -> None:
        super().__init__(manager_def)
        self.supports_subscribing = False

    def execute_process(self, process_id: str, data_dict: dict, execution_mode: Any = None,
                        requested_outputs: Any = None, subscriber: Any = None,
                        requested_response: Any = "raw"):
        result = super().execute_process(process_id, data_dict, execution_mode=execution_mode,
                                         requested_outputs=requested_outputs, subscriber=subscriber,
                                         requested_response=requested_response)
        job_id, status = result[0], result[3]
        if status != JobStatus.accepted and process_id not in KEPT_SYNC:
            self._forget(job_id)
        self.prune(current().keep_jobs)
        return result

    def delete_job(self, job_id: str) -> bool:
        removed = super().delete_job(job_id)
        if _JOB_ID.fullmatch(job_id):
            shutil.rmtree(current().jobs_dir / job_id, ignore_errors=True)
        return removed

    def _forget(self, job_id: str) -> None:
        try:
            self.delete_job(job_id)
        except (JobNotFoundError, OSError) as exc:   # gone already: nothing to keep
            print(f"geozones serve: job {job_id}: {type(exc).__name__}: {first_line(exc)}", file=sys.stderr)

    def prune(self, keep: int) -> int:
        """Delete the finished jobs beyond the newest ``keep``; how many were deleted."""
        jobs = self.get_jobs()["jobs"]
        finished = sorted((j for j in jobs if j.get("status") in _FINISHED),
                          key=lambda j: str(j.get("finished") or j.get("updated") or ""))
        old = finished[:max(0, len(finished) - keep)]
        for job in old:
            self._forget(str(job.get("identifier")))
        return len(old)
