"""How a batch is cut into chunks, and when chunks are screened in worker processes.

Kept apart from the modules that read and screen (which import pandas and Arrow) so that
the command line can show these defaults without importing them.
"""

from __future__ import annotations

__all__ = ["DEFAULT_CHUNK_ROWS", "PROCESS_MIN_ROWS"]

#: Rows per chunk unless told (``--chunk-size``): what a chunk holds is what bounds memory.
#: 12,500 rows: on 1M GeoParquet rows and 2 cores, 370 MB at the speed of 25,000 rows' 460 MB
#: when worker processes screen; on threads, 4-7 % slower than 25,000.
DEFAULT_CHUNK_ROWS = 12_500

#: Rows from which a local screen forks worker processes (fewer: threads; see
#: :class:`geozones.pipeline.WorkerPool`).
PROCESS_MIN_ROWS = 100_000
