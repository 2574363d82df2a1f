"""Step 4 of a batch run: the run's summary put in a fixed order."""

from __future__ import annotations

from .plan import Run

__all__ = ["finish"]


def finish(run: Run):
    """``run.summary`` completed: the output's row order (GeoParquet), the worst
    exceedances sorted and the counts most frequent first, so that the summary is the same
    whatever order and size the chunks came in (executor, ``--chunk-size``)."""
    summary = run.summary
    summary.sort = run.sort if run.driver == "Parquet" else None
    summary.worst.sort()   # still a heap
    for counts in ("verdicts", "statuses"):
        setattr(summary, counts, dict(sorted(getattr(summary, counts).items(), key=lambda kv: (-kv[1], kv[0]))))
    return summary
