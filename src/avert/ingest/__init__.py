"""Ingest: turn source files into canonical frames and problem rows, with nothing lost.

Parsers here are pure (bytes in, frames out); :mod:`avert.workflows.load` is the only
place where their output meets the store. Every input row ends in exactly one of three
places: loaded, quarantined (``kind='rejected'``) or counted as a duplicate of a row
already seen (conflicting duplicates are also reported with ``kind='duplicate'``).
"""

from avert.ingest.result import PROBLEM_SCHEMA, FileReport, Parsed, problems_frame

__all__ = ["PROBLEM_SCHEMA", "FileReport", "Parsed", "problems_frame"]
