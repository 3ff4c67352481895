"""Inline SVG charts for reports: no JavaScript, no tiles, no network.

The places map draws, in the projected CRS (metres, y up): area boundaries when
given, the top kernel-density cells shaded by score and numbered by rank, and the
window's incidents as dots. The SVG is a plain string, embedded in the HTML (and so
in the PDF) as it is.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from html import escape
from typing import Any, Final

__all__ = ["CATEGORY_COLOURS", "places_map_svg"]

#: Dot colour per violence category (colour-blind safe Okabe-Ito palette).
CATEGORY_COLOURS: Final = {
    "most_serious_violence": "#D55E00",
    "serious_sexual": "#CC79A7",
    "assault_with_injury": "#E69F00",
    "personal_robbery": "#0072B2",
    "harassment": "#009E73",
    "hate_crime": "#56B4E9",
    "violence_extension": "#999999",
}


def _fmt(v: float) -> str:
    return f"{v:.1f}"


def places_map_svg(
    cells: Sequence[Mapping[str, Any]],
    points: Sequence[Mapping[str, Any]],
    *,
    cell_size_m: float,
    boundaries: Sequence[tuple[str, Sequence[Sequence[tuple[float, float]]]]] = (),
    width_px: int = 640,
    height_px: int = 480,
    margin_m: float = 300.0,
    title: str = "Places for today",
) -> str:
    """Return an SVG map of the top cells, the window's incidents and area outlines.

    Parameters
    ----------
    cells
        Top cells: ``x``, ``y`` (centre, metres), ``score``, ``rank``.
    points
        Incidents: ``x``, ``y``, ``category``, optional ``incident_id``.
    cell_size_m
        Side of the cells in metres.
    boundaries
        ``(name, rings)`` outlines; only their part inside the map extent shows.
    width_px, height_px
        Size of the drawing.
    margin_m
        Space around the cells and points, in metres.
    title
        Accessible title of the image.
    """
    xs = [float(c["x"]) for c in cells] + [float(p["x"]) for p in points]
    ys = [float(c["y"]) for c in cells] + [float(p["y"]) for p in points]
    xs = [v for v in xs if math.isfinite(v)]
    ys = [v for v in ys if math.isfinite(v)]
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="map" '
        f'width="{width_px}" height="{height_px}" viewBox="0 0 {width_px} {height_px}">'
        f"<title>{escape(title)}</title>"
        f'<rect x="0" y="0" width="{width_px}" height="{height_px}" fill="#f7f7f4" '
        'stroke="#bbb"/>'
    )
    if not xs:
        return (
            head + f'<text x="{width_px / 2}" y="{height_px / 2}" text-anchor="middle" '
            'font-size="14" fill="#555">No located incidents to map</text></svg>'
        )
    x0, x1 = min(xs) - margin_m - cell_size_m, max(xs) + margin_m + cell_size_m
    y0, y1 = min(ys) - margin_m - cell_size_m, max(ys) + margin_m + cell_size_m
    scale = min((width_px - 20) / (x1 - x0), (height_px - 40) / (y1 - y0))
    ox = (width_px - (x1 - x0) * scale) / 2
    oy = (height_px - 20 - (y1 - y0) * scale) / 2

    def px(x: float) -> float:
        return ox + (x - x0) * scale

    def py(y: float) -> float:
        return oy + (y1 - y) * scale

    parts = [
        head,
        f'<clipPath id="frame"><rect x="0" y="0" width="{width_px}" height="{height_px - 20}"/></clipPath>',
    ]
    parts.append('<g clip-path="url(#frame)">')
    for name, rings in boundaries:
        for ring in rings:
            if len(ring) < 3:
                continue
            path = " ".join(f"{_fmt(px(x))},{_fmt(py(y))}" for x, y in ring)
            parts.append(
                f'<polygon points="{path}" fill="none" stroke="#8a8a8a" '
                f'stroke-width="1"><title>{escape(str(name))}</title></polygon>'
            )
    top = max((float(c["score"]) for c in cells), default=1.0) or 1.0
    side = cell_size_m * scale
    for c in cells:
        alpha = 0.25 + 0.65 * float(c["score"]) / top
        cx, cy = float(c["x"]), float(c["y"])
        parts.append(
            f'<rect x="{_fmt(px(cx - cell_size_m / 2))}" y="{_fmt(py(cy + cell_size_m / 2))}" '
            f'width="{_fmt(side)}" height="{_fmt(side)}" fill="#b2182b" '
            f'fill-opacity="{alpha:.2f}" stroke="#67001f" stroke-width="1">'
            f"<title>rank {int(c['rank'])}: score {float(c['score']):.1f}</title></rect>"
        )
        parts.append(
            f'<text x="{_fmt(px(cx) + side / 2 + 2)}" y="{_fmt(py(cy) - side / 2)}" '
            f'font-size="11" fill="#67001f" font-weight="bold">{int(c["rank"])}</text>'
        )
    for p in points:
        x, y = float(p["x"]), float(p["y"])
        if not (math.isfinite(x) and math.isfinite(y)):
            continue
        colour = CATEGORY_COLOURS.get(str(p.get("category")), "#333333")
        label = escape(f"{p.get('incident_id', '')} {p.get('category', '')}")
        parts.append(
            f'<circle cx="{_fmt(px(x))}" cy="{_fmt(py(y))}" r="4" fill="{colour}" '
            f'stroke="#222" stroke-width="0.6"><title>{label}</title></circle>'
        )
    parts.append("</g>")
    # scale bar: a round number of metres near a fifth of the width
    target = (x1 - x0) / 5
    bar_m = 10 ** math.floor(math.log10(target))
    for step in (5, 2, 1):
        if step * bar_m <= target:
            bar_m *= step
            break
    bar_px = bar_m * scale
    yb = height_px - 8
    parts.append(
        f'<line x1="10" y1="{yb}" x2="{_fmt(10 + bar_px)}" y2="{yb}" stroke="#222" '
        f'stroke-width="2"/><text x="{_fmt(14 + bar_px)}" y="{yb + 4}" font-size="11" '
        f'fill="#222">{bar_m:g} m</text>'
    )
    legend_x = width_px - 10
    parts.append(
        f'<text x="{legend_x}" y="{yb + 4}" font-size="11" fill="#222" '
        'text-anchor="end">shaded squares: top cells (rank); dots: incidents in the '
        "window</text>"
    )
    parts.append("</svg>")
    return "".join(parts)
