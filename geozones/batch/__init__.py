"""A whole table screened: the batch path of ``geozones screen``.

One path for every run, in four steps, each a named function:

1. :func:`geozones.batch.plan.plan_run`: the input opened, the options checked, and the
   input cut into parts (:func:`geozones.batch.plan.plan_parts`: byte ranges of a CSV,
   row ranges of GeoParquet row groups or of a GDAL layer);
2. :func:`geozones.batch.run.screened_chunks`: the parts screened on an executor (a local
   process pool, a dask cluster, or this process), each worker reading its own part; the
   screened chunks come back in input order;
3. :func:`geozones.batch.write.write_output`: those chunks written, in that order, to the
   output (a GeoParquet output ordered along a Hilbert curve: :mod:`geozones.batch.sort`);
4. :func:`geozones.batch.summary.finish`: the run's summary in a fixed order.

How the run uses the machine (processes, chunk size, engine) is one
:class:`~geozones.batch.settings.Settings`, made by the command line or the API.
This package imports nothing heavy until a run starts.
"""

from .settings import DEFAULT_CHUNK_ROWS, ENGINES, Settings

__all__ = ["DEFAULT_CHUNK_ROWS", "ENGINES", "Settings"]
