"""Kept for the modules that import the chunk default from here: it lives in
:mod:`geozones.batch.settings`."""

from .batch.settings import DEFAULT_CHUNK_ROWS, PROCESS_MIN_ROWS

__all__ = ["DEFAULT_CHUNK_ROWS", "PROCESS_MIN_ROWS"]
