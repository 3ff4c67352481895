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

__all__ = ["CATEGORY_COLOURS", "OTHER_COLOUR", "places_map_svg"]

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
#: Dot colour of any other category.
OTHER_COLOUR: Final = "#333333"
_LABEL_W: Final = 7.0  # px per digit of a rank label (font-size 11, bold)
_LABEL_H: Final = 11.0


def _overlaps(
    box: tuple[float, float, float, float],
    boxes: Sequence[tuple[float, float, float, float]],
) -> bool:
    x0, y0, x1, y1 = box
    return any(x0 < b[2] and b[0] < x1 and y0 < b[3] and b[1] < y1 for b in boxes)


def _place_label(
    cx: float,
    cy: float,
    half: float,
    text: str,
    taken: list[tuple[float, float, float, float]],
) -> tuple[float, float, bool]:
    """Where to write a cell's rank so it overlaps no other label or cell.

    Tries right, left, above and below the cell, then further out; returns the text
    origin and whether a leader line is needed (label away from its cell).
    """
    w, h = _LABEL_W * len(text) + 2, _LABEL_H
    gap = 2.0
    for reach in (0.0, 8.0, 16.0, 26.0, 38.0):
        leader = reach > 0
        for dx, dy in (
            (half + gap + reach, 0.0),
            (-(half + gap + reach) - w, 0.0),
            (-w / 2, -(half + gap + reach) - h / 2),
            (-w / 2, half + gap + reach + h / 2),
            (half + gap + reach, -(half + reach)),
            (-(half + gap + reach) - w, half + reach),
        ):
            x0, y0 = cx + dx, cy + dy - h / 2
            box = (x0, y0, x0 + w, y0 + h)
            if not _overlaps(box, taken):
                taken.append(box)
                return x0 + 1, y0 + h - 1.5, leader
    x0, y0 = cx + half + gap, cy - h / 2
    taken.append((x0, y0, x0 + w, y0 + h))
    return x0 + 1, y0 + h - 1.5, False


def _fmt(v: float) -> str:
    return f"{v:.1f}"


def _scale_bar(width_m: float, scale: float, height_px: int) -> str:
    """A scale bar: a round number of metres near a fifth of the map's width."""
    target = width_m / 5
    bar_m = 10 ** math.floor(math.log10(target))
    for step in (5, 2, 1):
        if step * bar_m <= target:
            bar_m *= step
            break
    bar_px = bar_m * scale
    yb = height_px - 8
    return (
        f'<line x1="10" y1="{yb}" x2="{_fmt(10 + bar_px)}" y2="{yb}" stroke="#222" '
        f'stroke-width="2"/><text x="{_fmt(14 + bar_px)}" y="{yb + 4}" font-size="11" '
        f'fill="#222">{bar_m:g} m</text>'
    )


def places_map_svg(
    cells: Sequence[Mapping[str, Any]],
    points: Sequence[Mapping[str, Any]],
    *,
    cell_size_m: float,
    boundaries: Sequence[tuple[str, Sequence[Sequence[tuple[float, float]]]]] = (),
    width_px: int = 640,
    height_px: int = 480,
    margin_m: float = 300.0,
    context_m: float = 1500.0,
    title: str = "Places for today",
    zones: Sequence[Mapping[str, Any]] = (),
) -> str:
    """Return an SVG map of the top cells, the window's incidents and area outlines.

    The legend (cells, dot colours) is written beside the map by the page.

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
    context_m
        With cells, the map shows at least this far (metres) from their centre;
        incidents outside the frame are clipped.
    title
        Accessible title of the image.
    zones
        Near-repeat zones: ``x``, ``y``, ``radius_m``, drawn as dashed discs.
    """
    # the map frames the top cells (with room around them) when there are any, so
    # 100 m cells stay visible on a force-wide month; else the incidents
    framed = cells if cells else points
    xs = [float(c["x"]) for c in framed]
    ys = [float(c["y"]) for c in framed]
    xs = [v for v in xs if math.isfinite(v)]
    ys = [v for v in ys if math.isfinite(v)]
    if cells and xs:
        pad = max(0.0, context_m - (max(xs) - min(xs)) / 2)
        pad_y = max(0.0, context_m - (max(ys) - min(ys)) / 2)
        xs += [min(xs) - pad, max(xs) + pad]
        ys += [min(ys) - pad_y, max(ys) + pad_y]
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
    for z in zones:
        zx, zy, zr = float(z["x"]), float(z["y"]), float(z["radius_m"])
        if not (math.isfinite(zx) and math.isfinite(zy) and zr > 0):
            continue
        parts.append(
            f'<circle cx="{_fmt(px(zx))}" cy="{_fmt(py(zy))}" '
            f'r="{_fmt(max(zr * scale, 3.0))}" fill="#fdae61" fill-opacity="0.3" '
            'stroke="#d95f02" stroke-width="1" stroke-dasharray="3,2">'
            f"<title>near-repeat zone, {zr:g} m</title></circle>"
        )
    top = max((float(c["score"]) for c in cells), default=1.0) or 1.0
    side = cell_size_m * scale
    half = max(side / 2, 2.0)
    # every cell square is an obstacle for every rank label
    taken = [
        (
            px(float(c["x"])) - half,
            py(float(c["y"])) - half,
            px(float(c["x"])) + half,
            py(float(c["y"])) + half,
        )
        for c in cells
    ]
    labels: list[str] = []
    for c in sorted(cells, key=lambda c: int(c["rank"])):
        alpha = 0.25 + 0.65 * float(c["score"]) / top
        cx, cy = float(c["x"]), float(c["y"])
        parts.append(
            f'<rect x="{_fmt(px(cx) - half)}" y="{_fmt(py(cy) - half)}" '
            f'width="{_fmt(2 * half)}" height="{_fmt(2 * half)}" fill="#b2182b" '
            f'fill-opacity="{alpha:.2f}" stroke="#67001f" stroke-width="1">'
            f"<title>rank {int(c['rank'])}: score {float(c['score']):.1f}</title></rect>"
        )
        text = str(int(c["rank"]))
        tx, ty, leader = _place_label(px(cx), py(cy), half, text, taken)
        if leader:
            labels.append(
                f'<line x1="{_fmt(px(cx))}" y1="{_fmt(py(cy))}" x2="{_fmt(tx + 3)}" '
                f'y2="{_fmt(ty - 4)}" stroke="#67001f" stroke-width="0.7"/>'
            )
        bx0, by0, bx1, by1 = taken[-1]  # the label's box, on a white ground
        labels.append(
            f'<rect x="{_fmt(bx0)}" y="{_fmt(by0)}" width="{_fmt(bx1 - bx0)}" '
            f'height="{_fmt(by1 - by0)}" fill="#ffffff" fill-opacity="0.85"/>'
            f'<text x="{_fmt(tx)}" y="{_fmt(ty)}" font-size="11" fill="#67001f" '
            f'font-weight="bold">{text}</text>'
        )
    for p in points:
        x, y = float(p["x"]), float(p["y"])
        if not (math.isfinite(x) and math.isfinite(y)):
            continue
        colour = CATEGORY_COLOURS.get(str(p.get("category")), OTHER_COLOUR)
        label = escape(f"{p.get('incident_id', '')} {p.get('category', '')}")
        parts.append(
            f'<circle cx="{_fmt(px(x))}" cy="{_fmt(py(y))}" r="4" fill="{colour}" '
            f'stroke="#222" stroke-width="0.6"><title>{label}</title></circle>'
        )
    parts.extend(labels)  # rank labels above the dots
    parts.append("</g>")
    parts.append(_scale_bar(x1 - x0, scale, height_px))
    parts.append("</svg>")
    return "".join(parts)
