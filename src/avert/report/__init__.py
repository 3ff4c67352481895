"""Presentation of results as self-contained HTML (inline CSS and SVG) and PDF.

Reports render results; they never recompute analysis logic (``DESIGN.md``).
"""

from avert.report.charts import places_map_svg
from avert.report.render import (
    briefing_page_context,
    environment,
    render_briefing_html,
    render_html,
    render_pdf,
)

__all__ = [
    "briefing_page_context",
    "environment",
    "places_map_svg",
    "render_briefing_html",
    "render_html",
    "render_pdf",
]
