"""JSON payloads of results for the edges: plain JSON types, NaN as null.

The conversion itself lives with the result convention
(:mod:`avert.analyse.result`), because results and the briefing use it too; the
command line and the web app take it from here, the presentation layer.
"""

from __future__ import annotations

from avert.analyse.result import json_object, jsonable
from avert.analyse.risk import risk_lists_to_dict

__all__ = ["json_object", "jsonable", "risk_lists_to_dict"]
