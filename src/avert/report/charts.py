"""Inline SVG charts for reports: no JavaScript, no tiles, no network.

The places map draws, in the projected CRS (metres, y up): area boundaries when
given, the top kernel-density cells shaded by score and numbered by rank, and the
window's incidents as dots. The SVG is a plain string, embedded in the HTML (and so
in the PDF) as it is.
"""

from __future__ import annotations

import itertools
import math
import re
import textwrap
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from html import escape
from typing import Any, Final

__all__ = [
    "CATEGORY_COLOURS",
    "OTHER_COLOUR",
    "SERIES_COLOURS",
    "MapFrameReach",
    "bar_chart_svg",
    "category_colour",
    "interval_chart_svg",
    "line_chart_svg",
    "map_frame_reach",
    "pinned_axis_chart_html",
    "places_map_svg",
    "point_name",
]

#: Dot colour per violence category (colour-blind safe Okabe-Ito palette).
CATEGORY_COLOURS: Final = {
    "most_serious_violence": "#D55E00",
    "serious_sexual": "#CC79A7",
    "assault_with_injury": "#E69F00",
    "personal_robbery": "#0072B2",
    "harassment": "#009E73",
    "hate_crime": "#56B4E9",
    "violence_weapon": "#F0E442",
    "violence_group": "#882255",
    "violence_repeat_victim": "#44AA99",
    "violence_extension": "#999999",
    # who-broad (one profile per map, so its colours only differ among themselves)
    "violence_against_the_person": "#E69F00",
    "sexual_offences": "#CC79A7",
    "robbery": "#0072B2",
}
#: Dot colour of an incident in no single category (a police.uk "violence and
#: sexual offences" row).
OTHER_COLOUR: Final = "#333333"
#: Colours of a category no shipped profile has (a profile of one's own), by a
#: stable digest of its name (Paul Tol's muted palette).
_EXTRA_COLOURS: Final = ("#332288", "#117733", "#88CCEE", "#DDCC77", "#AA4499")


def category_colour(category: str | None) -> str:
    """The dot colour of ``category``: its own, :data:`OTHER_COLOUR` for none.

    A category of a profile of one's own gets one of :data:`_EXTRA_COLOURS` (the
    same every time), never the colour of "no single category".
    """
    if not category:
        return OTHER_COLOUR
    known = CATEGORY_COLOURS.get(category)
    if known is not None:
        return known
    return _EXTRA_COLOURS[zlib.crc32(category.encode()) % len(_EXTRA_COLOURS)]


#: A rank label's size: px per digit (DejaVu Sans Bold at font-size 11 advances a
#: digit 0.696 em, 7.7 px) plus 2 px of white ground each side; its height
_LABEL_W: Final = 7.7
_LABEL_PAD: Final = 2.0
_LABEL_H: Final = 12.0
#: Least clear space (px) between a rank label and any other label, any cell square
#: or leader line, and the drawing's edge: labels that touch read as one number
LABEL_CLEAR_PX: Final = 3.0
#: How far (px) from its cell a label may be moved, leader line drawn, before the
#: whole map is searched for room
_LABEL_REACHES: Final = (16.0, 24.0, 34.0, 46.0, 60.0, 80.0, 105.0, 135.0, 170.0)
_LABEL_DIRECTIONS: Final = 16
#: The strip under the map (px) that holds the scale bar: no label goes there
_SCALE_STRIP_PX: Final = 20.0

Box = tuple[float, float, float, float]


def _overlaps(box: Box, boxes: Sequence[Box], gap: float = 0.0) -> bool:
    """Whether ``box`` comes closer than ``gap`` px to any of ``boxes``."""
    x0, y0, x1, y1 = box[0] - gap, box[1] - gap, box[2] + gap, box[3] + gap
    return any(x0 < b[2] and b[0] < x1 and y0 < b[3] and b[1] < y1 for b in boxes)


def _segment_hits(seg: Box, box: Box) -> bool:
    """Whether the segment ``seg`` (x0, y0, x1, y1) crosses ``box`` (Liang-Barsky
    clipping: the segment's parameter range inside each slab)."""
    x0, y0, x1, y1 = seg
    lo, hi = 0.0, 1.0
    for p, q0, q1 in (
        (x1 - x0, box[0] - x0, box[2] - x0),
        (y1 - y0, box[1] - y0, box[3] - y0),
    ):
        if p == 0.0:
            if q0 > 0.0 or q1 < 0.0:
                return False
            continue
        t0, t1 = sorted((q0 / p, q1 / p))
        lo, hi = max(lo, t0), min(hi, t1)
        if lo > hi:
            return False
    return True


def _nearest_on(box: Box, x: float, y: float) -> tuple[float, float]:
    """The point of ``box`` nearest to ``(x, y)``."""
    return min(max(x, box[0]), box[2]), min(max(y, box[1]), box[3])


@dataclass
class _LabelSpace:
    """What a new rank label must keep clear of: the drawable ``bounds`` (left,
    top, right, bottom px), every cell square, the labels placed and their leader
    lines (segments)."""

    bounds: Box
    cells: list[Box]
    labels: list[Box] = field(default_factory=list)
    leaders: list[Box] = field(default_factory=list)

    def fits(
        self,
        box: Box,
        own: int,
        leader: Box | None,
        *,
        over_cells: bool = False,
        over_labels: bool = False,
    ) -> bool:
        """Whether a label ``box`` of cell ``own`` (its index), reached by
        ``leader`` (None: beside its cell), keeps :data:`LABEL_CLEAR_PX` clear of
        the edge, the other labels, the leader lines and the cells (beside its
        own cell: twice that from any other, so it reads as its own's), and its
        leader crosses no other label (unless ``over_labels``: the last resort
        of a crowd) nor (unless ``over_cells``: a cell inside a crowd has no
        other way out) any other cell."""
        c = LABEL_CLEAR_PX
        b = self.bounds
        if (
            box[0] < b[0] + c
            or box[1] < b[1] + c
            or box[2] > b[2] - c
            or box[3] > b[3] - c
        ):
            return False
        others = [s for k, s in enumerate(self.cells) if k != own]
        if _overlaps(box, self.labels, c):
            return False
        if leader is None:  # beside its cell: twice as far from any other
            return not _overlaps(box, others, 2 * c)
        if _overlaps(box, others, c):
            return False
        if _overlaps(box, [self.cells[own]], c):
            return False
        grown = (box[0] - c, box[1] - c, box[2] + c, box[3] + c)
        if any(_segment_hits(seg, grown) for seg in self.leaders):
            return False
        crossed = (
            []
            if over_labels
            else self.labels
            if over_cells
            else [*self.labels, *others]
        )
        return not any(_segment_hits(leader, s) for s in crossed)

    def place(self, own: int, width: float) -> tuple[Box, Box | None]:
        """The box of cell ``own``'s label ``width`` px wide, and its leader line
        (None: beside its cell): beside the cell if it fits there, else the
        nearest fitting spot on rings ever further out (first with a leader
        over no other cell, then over cells), else the nearest free spot of the
        map (:meth:`_anywhere`)."""
        x0, y0, x1, y1 = self.cells[own]
        cx, cy, h = (x0 + x1) / 2, (y0 + y1) / 2, _LABEL_H
        g = LABEL_CLEAR_PX
        for bx, by in (
            (x1 + g, cy - h / 2),
            (x0 - g - width, cy - h / 2),
            (cx - width / 2, y0 - g - h),
            (cx - width / 2, y1 + g),
        ):
            box = (bx, by, bx + width, by + h)
            if self.fits(box, own, None):
                return self._take(box, None)
        for over_cells, r in itertools.product((False, True), _LABEL_REACHES):
            for k in range(_LABEL_DIRECTIONS):
                a = 2 * math.pi * k / _LABEL_DIRECTIONS
                mx, my = cx + r * math.cos(a), cy - r * math.sin(a)
                box = (mx - width / 2, my - h / 2, mx + width / 2, my + h / 2)
                leader = (cx, cy, *_nearest_on(box, cx, cy))
                if self.fits(box, own, leader, over_cells=over_cells):
                    return self._take(box, leader)
        return self._anywhere(own, width)

    def _anywhere(self, own: int, width: float) -> tuple[Box, Box | None]:
        """The free spot nearest cell ``own`` on a 4 px lattice over the map, its
        leader over anything but clear of the other labels' boxes (a crowd of
        cells the rings could not clear); the bounds' corner if none."""
        x0, y0, x1, y1 = self.cells[own]
        cx, cy, h = (x0 + x1) / 2, (y0 + y1) / 2, _LABEL_H
        b = self.bounds
        spots = sorted(
            (math.hypot(bx + width / 2 - cx, by + h / 2 - cy), bx, by)
            for bx in (b[0] + 4.0 * i for i in range(int((b[2] - b[0]) // 4)))
            for by in (b[1] + 4.0 * j for j in range(int((b[3] - b[1]) // 4)))
        )
        for _, bx, by in spots:
            box = (bx, by, bx + width, by + h)
            leader = (cx, cy, *_nearest_on(box, cx, cy))
            if self.fits(box, own, leader, over_cells=True, over_labels=True):
                return self._take(box, leader)
        box = (
            b[0] + LABEL_CLEAR_PX,
            b[1] + LABEL_CLEAR_PX,
            b[0] + LABEL_CLEAR_PX + width,
            b[1] + LABEL_CLEAR_PX + h,
        )
        return self._take(box, (cx, cy, *_nearest_on(box, cx, cy)))

    def _take(self, box: Box, leader: Box | None) -> tuple[Box, Box | None]:
        self.labels.append(box)
        if leader is not None:
            self.leaders.append(leader)
        return box, leader


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


def _svg_head(css_class: str, width_px: int, height_px: int, title: str) -> str:
    """The opening ``<svg>`` tag of a chart or map, with its accessible title."""
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="{css_class}" '
        f'width="{width_px}" height="{height_px}" viewBox="0 0 {width_px} {height_px}">'
        f"<title>{escape(title)}</title>"
    )


def _no_data_svg(head: str, width_px: int, height_px: int, text: str, size: int) -> str:
    """``head`` closed with a centred grey message (nothing to draw)."""
    return (
        head + f'<text x="{width_px / 2}" y="{height_px / 2}" text-anchor="middle" '
        f'font-size="{size}" fill="#555">{text}</text></svg>'
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
    frame = _map_frame(
        cells,
        points,
        cell_size_m=cell_size_m,
        size_px=(width_px, height_px),
        margin_m=margin_m,
        context_m=context_m,
    )
    head = _svg_head("map", width_px, height_px, title) + (
        f'<rect x="0" y="0" width="{width_px}" height="{height_px}" fill="#f7f7f4" '
        'stroke="#bbb"/>'
    )
    if frame is None:
        return _no_data_svg(
            head, width_px, height_px, "No located incidents to map", 14
        )
    squares, labels = _cell_parts(
        frame, cells, cell_size_m, size_px=(width_px, height_px)
    )
    return "".join(
        [
            head,
            f'<clipPath id="frame"><rect x="0" y="0" width="{width_px}" height="{height_px - 20}"/></clipPath>',
            '<g clip-path="url(#frame)">',
            *_outline_parts(frame, boundaries),
            *_zone_parts(frame, zones),
            *squares,
            *_point_parts(frame, points),
            *labels,  # rank labels above the dots
            "</g>",
            _scale_bar(frame.x1 - frame.x0, frame.scale, height_px),
            "</svg>",
        ]
    )


@dataclass(frozen=True)
class MapFrameReach:
    """Which of a map's points its frame reaches (:func:`map_frame_reach`)."""

    #: The points :func:`places_map_svg` draws inside its frame, in their order.
    framed: list[Mapping[str, Any]]
    #: How many points, each at its cell's centre, are past the frame's edge
    #: though their cell reaches into it (so not drawn).
    past_edge: int


def map_frame_reach(
    cells: Sequence[Mapping[str, Any]],
    points: Sequence[Mapping[str, Any]],
    *,
    cell_size_m: float,
    width_px: int = 640,
    height_px: int = 480,
    margin_m: float = 300.0,
    context_m: float = 1500.0,
) -> MapFrameReach:
    """The ``points`` that :func:`places_map_svg` (same arguments) draws inside
    its frame, and how many it leaves out at the frame's edge.

    ``framed``: all the points, in their order, when there are no cells (the map
    frames the points), else those within the frame around the cells (its
    drawable area, the scale bar's strip left out). A force-wide month framed on
    its top cells clips most of its incidents: a sample drawn from the whole force
    put 25 of its 400 dots in the frame of London's March 2022, where the top
    cell alone held 53 incidents.

    ``past_edge``: how many of ``points``, each at the centre of its
    ``cell_size_m`` cell (a partner's:
    :func:`avert.briefing.places.window_map_points`), are not drawn though their
    cell reaches into the frame: the centre lies outside it, within half a cell
    of its edge (0 with no cells). A partner's map counts and draws an incident
    by its cell's centre, the police map by its own place: West Yorkshire's July
    2018 (police.uk), 3,093 incidents in the partner's frame and 3,124 in the
    analyst's, every one of the 31 in a cell across the frame's edge. Counted
    from the points as given, so a partner's figure is of the cells it sees,
    never of the places it does not.
    """
    if not cells:
        return MapFrameReach(framed=list(points), past_edge=0)
    frame = _map_frame(
        cells,
        points,
        cell_size_m=cell_size_m,
        size_px=(width_px, height_px),
        margin_m=margin_m,
        context_m=context_m,
    )
    if frame is None:
        return MapFrameReach(framed=[], past_edge=0)
    bounds = _drawable_bounds(frame, width_px=width_px, height_px=height_px)
    half = cell_size_m / 2
    return MapFrameReach(
        framed=[p for p in points if _inside(p, bounds, pad_m=0.0)],
        past_edge=sum(
            1
            for p in points
            if _inside(p, bounds, pad_m=half) and not _inside(p, bounds, pad_m=0.0)
        ),
    )


def _inside(
    point: Mapping[str, Any],
    bounds: tuple[float, float, float, float],
    *,
    pad_m: float,
) -> bool:
    """Whether ``point`` lies in ``bounds`` (left, right, bottom, top) widened by
    ``pad_m`` on every side."""
    left, right, bottom, top = bounds
    x, y = float(point["x"]), float(point["y"])
    return left - pad_m <= x <= right + pad_m and bottom - pad_m <= y <= top + pad_m


def _drawable_bounds(
    frame: _MapFrame, *, width_px: int, height_px: int
) -> tuple[float, float, float, float]:
    """(left, right, bottom, top) in metres of the drawable area of ``frame``
    drawn ``width_px`` by ``height_px`` (the scale bar's strip left out)."""
    return (
        frame.x0 - frame.ox / frame.scale,
        frame.x0 + (width_px - frame.ox) / frame.scale,
        frame.y1 - (height_px - 20 - frame.oy) / frame.scale,
        frame.y1 + frame.oy / frame.scale,
    )


def _map_frame(
    cells: Sequence[Mapping[str, Any]],
    points: Sequence[Mapping[str, Any]],
    *,
    cell_size_m: float,
    size_px: tuple[int, int],
    margin_m: float,
    context_m: float,
) -> _MapFrame | None:
    """The frame :func:`places_map_svg` draws in and :func:`map_frame_reach`
    filters by (one frame, so the caption counts what the map shows); None when
    nothing is located."""
    xs, ys = _map_extent(cells, points, context_m=context_m)
    if not xs:
        return None
    return _MapFrame.around(
        xs,
        ys,
        margin_m=margin_m,
        cell_size_m=cell_size_m,
        width_px=size_px[0],
        height_px=size_px[1],
    )


def _map_extent(
    cells: Sequence[Mapping[str, Any]],
    points: Sequence[Mapping[str, Any]],
    *,
    context_m: float,
) -> tuple[list[float], list[float]]:
    """The coordinates the map must show (empty lists: nothing located).

    The map frames the top cells (with ``context_m`` around their centre) when there
    are any, so 100 m cells stay visible on a force-wide month; else the incidents.
    """
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
    return xs, ys


@dataclass(frozen=True)
class _MapFrame:
    """The map's extent in metres and its drawing scale (metres, y up -> pixels)."""

    x0: float
    x1: float
    y1: float
    scale: float
    ox: float
    oy: float

    @classmethod
    def around(
        cls,
        xs: Sequence[float],
        ys: Sequence[float],
        *,
        margin_m: float,
        cell_size_m: float,
        width_px: int,
        height_px: int,
    ) -> _MapFrame:
        """The frame of ``xs``, ``ys`` with a margin and a cell around, centred."""
        x0, x1 = min(xs) - margin_m - cell_size_m, max(xs) + margin_m + cell_size_m
        y0, y1 = min(ys) - margin_m - cell_size_m, max(ys) + margin_m + cell_size_m
        scale = min((width_px - 20) / (x1 - x0), (height_px - 40) / (y1 - y0))
        ox = (width_px - (x1 - x0) * scale) / 2
        oy = (height_px - 20 - (y1 - y0) * scale) / 2
        return cls(x0=x0, x1=x1, y1=y1, scale=scale, ox=ox, oy=oy)

    def px(self, x: float) -> float:
        return self.ox + (x - self.x0) * self.scale

    def py(self, y: float) -> float:
        return self.oy + (self.y1 - y) * self.scale


def _outline_parts(
    frame: _MapFrame,
    boundaries: Sequence[tuple[str, Sequence[Sequence[tuple[float, float]]]]],
) -> list[str]:
    """The area outlines, one polygon per ring of three or more points."""
    parts = []
    for name, rings in boundaries:
        for ring in rings:
            if len(ring) < 3:
                continue
            path = " ".join(f"{_fmt(frame.px(x))},{_fmt(frame.py(y))}" for x, y in ring)
            parts.append(
                f'<polygon points="{path}" fill="none" stroke="#8a8a8a" '
                f'stroke-width="1"><title>{escape(str(name))}</title></polygon>'
            )
    return parts


def _zone_parts(frame: _MapFrame, zones: Sequence[Mapping[str, Any]]) -> list[str]:
    """The near-repeat zones as dashed discs (at least 3 px across)."""
    parts = []
    for z in zones:
        zx, zy, zr = float(z["x"]), float(z["y"]), float(z["radius_m"])
        if not (math.isfinite(zx) and math.isfinite(zy) and zr > 0):
            continue
        parts.append(
            f'<circle cx="{_fmt(frame.px(zx))}" cy="{_fmt(frame.py(zy))}" '
            f'r="{_fmt(max(zr * frame.scale, 3.0))}" fill="#fdae61" fill-opacity="0.3" '
            'stroke="#d95f02" stroke-width="1" stroke-dasharray="3,2">'
            f"<title>near-repeat zone, {zr:g} m</title></circle>"
        )
    return parts


def _cell_parts(
    frame: _MapFrame,
    cells: Sequence[Mapping[str, Any]],
    cell_size_m: float,
    *,
    size_px: tuple[int, int],
) -> tuple[list[str], list[str]]:
    """The cell squares shaded by score, and their rank labels (drawn last).

    Labels are placed best rank first (:class:`_LabelSpace`): beside the cell
    where it stands clear, else moved out with a leader line, never over another
    label, cell or leader line, nor past the drawing's edge or into the scale
    bar's strip.
    """
    px, py = frame.px, frame.py
    top = max((float(c["score"]) for c in cells), default=1.0) or 1.0
    half = max(cell_size_m * frame.scale / 2, 2.0)
    ranked = sorted(cells, key=lambda c: int(c["rank"]))
    space = _LabelSpace(
        bounds=(0.0, 0.0, float(size_px[0]), size_px[1] - _SCALE_STRIP_PX),
        cells=[
            (
                px(float(c["x"])) - half,
                py(float(c["y"])) - half,
                px(float(c["x"])) + half,
                py(float(c["y"])) + half,
            )
            for c in ranked
        ],
    )
    squares: list[str] = []
    labels: list[str] = []
    for k, c in enumerate(ranked):
        alpha = 0.25 + 0.65 * float(c["score"]) / top
        cx, cy = float(c["x"]), float(c["y"])
        squares.append(
            f'<rect x="{_fmt(px(cx) - half)}" y="{_fmt(py(cy) - half)}" '
            f'width="{_fmt(2 * half)}" height="{_fmt(2 * half)}" fill="#b2182b" '
            f'fill-opacity="{alpha:.2f}" stroke="#67001f" stroke-width="1">'
            f"<title>rank {int(c['rank'])}: score {float(c['score']):.1f}</title></rect>"
        )
        text = str(int(c["rank"]))
        box, leader = space.place(k, _LABEL_W * len(text) + 2 * _LABEL_PAD)
        if leader is not None:
            lx0, ly0, lx1, ly1 = leader
            labels.append(
                f'<line x1="{_fmt(lx0)}" y1="{_fmt(ly0)}" x2="{_fmt(lx1)}" '
                f'y2="{_fmt(ly1)}" stroke="#67001f" stroke-width="0.7"/>'
            )
        bx0, by0, bx1, by1 = box  # the label on a white ground
        labels.append(
            f'<rect x="{_fmt(bx0)}" y="{_fmt(by0)}" width="{_fmt(bx1 - bx0)}" '
            f'height="{_fmt(by1 - by0)}" fill="#ffffff" fill-opacity="0.85"/>'
            f'<text x="{_fmt(bx0 + _LABEL_PAD)}" y="{_fmt(by1 - 2.5)}" font-size="11" '
            f'fill="#67001f" font-weight="bold">{text}</text>'
        )
    return squares, labels


def point_name(point: Mapping[str, Any]) -> str:
    """A mapped incident's category as the legend and the incident list name it.

    Its ``label`` ("police.uk: violence and sexual offences", a police.uk row in the
    definition in no single category), else its category with spaces ("personal
    robbery"), else "no single category". The dots' tooltips read "None" for every
    police.uk violence and sexual offence, and "personal_robbery" for the others.
    """
    name = point.get("label") or point.get("category")
    return str(name).replace("_", " ") if name else "no single category"


def _point_parts(frame: _MapFrame, points: Sequence[Mapping[str, Any]]) -> list[str]:
    """The incidents as dots coloured by category (unlocated ones left out)."""
    parts = []
    for p in points:
        x, y = float(p["x"]), float(p["y"])
        if not (math.isfinite(x) and math.isfinite(y)):
            continue
        colour = category_colour(p.get("category"))
        label = escape(f"{p.get('incident_id') or ''} {point_name(p)}".strip())
        parts.append(
            f'<circle cx="{_fmt(frame.px(x))}" cy="{_fmt(frame.py(y))}" r="4" '
            f'fill="{colour}" stroke="#222" stroke-width="0.6"><title>{label}</title>'
            "</circle>"
        )
    return parts


# --- time series and interval charts (board statistics) -------------------------------
#: Colours of the board charts (Okabe-Ito, colour-blind safe).
SERIES_COLOURS: Final = {
    "observed": "#1b1b1b",
    "centre": "#0072B2",
    "limit": "#D55E00",
    "warning": "#E69F00",
    "expected": "#0072B2",
    "target": "#009E73",
    "signal": "#D55E00",
    "confidence": "#CC79A7",
    "recent": "#eef3f8",
}


def _nice_ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    """Round tick values covering ``lo``..``hi`` (about ``n`` of them).

    The first tick is at or below ``lo`` and the last at or above ``hi``, so the
    axis they span holds every value (0..230 gives 0, 50, ..., 250, not 0..200).
    """
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        hi = lo + 1.0
    raw = (hi - lo) / max(n, 1)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    start = math.floor(lo / step) * step
    ticks = [round(start, 10)]
    while ticks[-1] < hi - step * 1e-9:
        ticks.append(round(start + step * len(ticks), 10))
    return ticks


def _tick_label(v: float) -> str:
    """A tick's value as written: whole numbers with thousands separators, others
    with the decimals they have (ticks are round, :func:`_nice_ticks`: 12.5, not
    rounded to "12"; 0.125, not "0.12")."""
    if v == int(v):
        return f"{v:,.0f}"
    return f"{v:,.10f}".rstrip("0").rstrip(".")


#: a line chart's plotting area in its drawing: its left edge (the y axis's labels
#: left of it), its top (the legend above it) and the margin under it (the x
#: axis's labels), in pixels
LINE_LEFT_PX: Final = 48
LINE_TOP_PX: Final = 26
LINE_BOTTOM_PX: Final = 34


def line_chart_svg(
    x_labels: Sequence[str],
    lines: Sequence[Mapping[str, Any]],
    *,
    title: str,
    y_label: str = "",
    shade: Sequence[bool] | None = None,
    shade_label: str = "",
    markers: Sequence[bool] | None = None,
    marker_label: str = "",
    right: Mapping[str, Any] | None = None,
    width_px: int = 640,
    height_px: int = 240,
    y_zero: bool = True,
    x_labels_shown: int = 8,
) -> str:
    """A line chart over periods, as an inline SVG string (no script).

    Parameters
    ----------
    x_labels
        One label per period (e.g. ``2024-01``); about ``x_labels_shown`` (8) are
        written on the axis (fewer for a narrow drawing: a phone's, 3 in 250 px).
    lines
        Each ``{"name", "values", "colour", "dash" (optional), "width" (optional)}``;
        a None value leaves a gap.
    title
        Accessible title (``<title>``) of the image.
    shade
        Periods to shade (e.g. the recent period), with ``shade_label`` in the legend.
    markers
        Periods whose first line's point is ringed (e.g. run-rule signals).
    right
        A line on a right-hand axis: ``{"name", "values", "colour", "label"}`` (e.g.
        % who agree beside crime).
    y_zero
        Start the left axis at 0.
    """
    n = len(x_labels)
    values = _finite([v for line in lines for v in line["values"]])
    if n == 0 or not values:
        head = _svg_head("chart", width_px, height_px, title)
        return _no_data_svg(head, width_px, height_px, "No data to chart", 12)
    ticks = _nice_ticks(0.0 if y_zero else min(values), max(values))
    drawn = _LineChartDrawing(
        x_labels,
        lines,
        ticks,
        shade,
        shade_label,
        markers,
        marker_label,
        right,
        x_labels_shown,
    )
    parts, legend = drawn.parts(y_label, width_px, height_px, LINE_TOP_PX)
    rows = _legend_rows(legend, LINE_LEFT_PX, width_px)
    if len(rows) > 1:
        # a legend wider than the chart takes more rows: the plot moves down by
        # as much, keeping its height, rather than the legend running off the edge
        extra = LEGEND_ROW_PX * (len(rows) - 1)
        height_px += extra
        parts, legend = drawn.parts(y_label, width_px, height_px, LINE_TOP_PX + extra)
    head = _svg_head("chart", width_px, height_px, title)
    return "".join([head, *parts, *_legend_parts(rows), "</svg>"])


@dataclass(frozen=True)
class _LineChartDrawing:
    """What :func:`line_chart_svg` draws, drawn for a given top margin."""

    x_labels: Sequence[str]
    lines: Sequence[Mapping[str, Any]]
    ticks: Sequence[float]
    shade: Sequence[bool] | None
    shade_label: str
    markers: Sequence[bool] | None
    marker_label: str
    right: Mapping[str, Any] | None
    x_labels_shown: int = 8

    def parts(
        self, y_label: str, width_px: int, height_px: int, top: int
    ) -> tuple[list[str], _Legend]:
        """The chart's parts but its head and legend, and the legend's entries."""
        ticks = self.ticks
        frame = _ChartFrame(
            n=len(self.x_labels),
            left=LINE_LEFT_PX,
            top=top,
            w=width_px - LINE_LEFT_PX - (48 if self.right else 12),
            h=height_px - top - LINE_BOTTOM_PX,
            y0=ticks[0],
            y1=ticks[-1] if ticks[-1] > ticks[0] else ticks[0] + 1,
        )
        parts = list(_shade_parts(frame, self.shade))
        parts += _axis_parts(
            frame, ticks, self.x_labels, y_label, shown=self.x_labels_shown
        )
        drawn, legend = _line_parts(frame, self.lines)
        parts += drawn
        if self.markers is not None and self.lines:
            parts += _marker_parts(
                frame,
                self.lines[0]["values"],
                self.markers,
                self.marker_label,
                self.x_labels,
            )
            if any(self.markers):
                legend.append((self.marker_label, SERIES_COLOURS["signal"], "ring"))
        if self.right is not None:
            drawn, right_legend = _right_axis_parts(frame, self.right)
            parts += drawn
            legend += right_legend
        if self.shade is not None and any(self.shade) and self.shade_label:
            legend.append((self.shade_label, SERIES_COLOURS["recent"], "box"))
        return parts, legend


#: where the pinned axis strip starts (:func:`pinned_axis_chart_html`): under the
#: legend (its marks and names end by y = 18), above the top tick's label (10 px
#: text on its line, LINE_TOP_PX). From y = 0 it drew the legend's first pixel
#: and, the box scrolled, hid the legend's first letters ("·ent period").
_AXIS_STRIP_TOP_PX: Final = LINE_TOP_PX - 7


def pinned_axis_chart_html(chart_svg: str, chart_id: str) -> str:
    """A line chart (:func:`line_chart_svg`), given the id ``chart_id``, after a
    strip of its left axis, in a ``<div class="chart-box">``.

    The strip is an ``<svg class="chart-axis">`` showing the chart's left edge
    under its legend, the y axis's labels and line down to the x axis, by a ``<use>`` of the chart (the
    drawing is not repeated; no script). A page's CSS shows it on a phone only,
    drawn over the chart and pinned to the left of the chart's scrolling box
    (``position: sticky``): the box opens at the latest months, the right end of
    a drawing wider than the screen, and the axis stays in view
    (report/_board_charts_style.html). Elsewhere (the PDF, a wide screen) it is
    hidden. ``chart_id`` must be unique on the page.
    """
    height = re.search(r'\bheight="(\d+)"', chart_svg)
    if height is None or not chart_svg.startswith("<svg "):
        return chart_svg
    width_px = LINE_LEFT_PX + 1  # the axis's line, 1 px wide, on the frame's edge
    top_px = _AXIS_STRIP_TOP_PX
    height_px = int(height[1]) - LINE_BOTTOM_PX + 4 - top_px  # down to the x axis
    strip = (
        f'<svg class="chart-axis" aria-hidden="true" focusable="false" '
        f'width="{width_px}" height="{height_px}" style="margin-top: {top_px}px" '
        f'viewBox="0 {top_px} {width_px} {height_px}">'
        f'<use href="#{escape(chart_id)}"/></svg>'
    )
    chart = chart_svg.replace("<svg ", f'<svg id="{escape(chart_id)}" ', 1)
    return f'<div class="chart-box">{strip}{chart}</div>'


def _finite(values: Sequence[Any]) -> list[float]:
    """The values that are numbers (None and NaN left out), as floats."""
    return [float(v) for v in values if v is not None and math.isfinite(float(v))]


@dataclass(frozen=True)
class _ChartFrame:
    """The plotting area of a line chart: ``n`` periods across, ``y0``..``y1`` up."""

    n: int
    left: int
    top: int
    w: int
    h: int
    y0: float
    y1: float

    def px(self, i: int) -> float:
        """The x of period ``i`` (the middle of its slot)."""
        return self.left + (self.w * (i + 0.5) / self.n)

    def py(self, v: float, a: float | None = None, b: float | None = None) -> float:
        """The y of value ``v`` on the axis ``a``..``b`` (default: the left one)."""
        a = self.y0 if a is None else a
        b = self.y1 if b is None else b
        return self.top + self.h - (v - a) / (b - a) * self.h

    def paths(self, vals: Sequence[Any], a: float, b: float) -> list[str]:
        """Polyline point lists of ``vals``, broken at None and NaN."""
        runs: list[list[str]] = [[]]
        for i, v in enumerate(vals):
            if v is None or not math.isfinite(float(v)):
                runs.append([])
                continue
            runs[-1].append(f"{_fmt(self.px(i))},{_fmt(self.py(float(v), a, b))}")
        return [" ".join(r) for r in runs if r]

    def lone_spans(self, vals: Sequence[Any], a: float, b: float) -> list[str]:
        """Polyline point lists across the slot of each value with none beside it:
        a one-point polyline draws nothing, so a line without dots (parity at 1
        of a one-month trend) was in the legend and nowhere on the chart."""
        held = [v is not None and math.isfinite(float(v)) for v in vals]
        half = self.w / self.n / 2
        return [
            f"{_fmt(self.px(i) - half)},{_fmt(self.py(float(v), a, b))} "
            f"{_fmt(self.px(i) + half)},{_fmt(self.py(float(v), a, b))}"
            for i, v in enumerate(vals)
            if held[i]
            and not (i > 0 and held[i - 1])
            and not (i + 1 < len(held) and held[i + 1])
        ]

    def dots(
        self, vals: Sequence[Any], r: int, colour: str, a: float, b: float
    ) -> list[str]:
        """A dot at every value (None and NaN left out); a value with no value
        beside it (a one-month chart, a month between gaps) has no line through
        it, so its dot is drawn at :data:`ISOLATED_DOT_R` at least: at ``r`` = 2
        a one-month trend's dots were near invisible (the board pack's equality
        trend of a single month)."""
        held = [v is not None and math.isfinite(float(v)) for v in vals]
        out = []
        for i, v in enumerate(vals):
            if not held[i]:
                continue
            alone = not (i > 0 and held[i - 1]) and not (
                i + 1 < len(held) and held[i + 1]
            )
            radius = max(r, ISOLATED_DOT_R) if alone else r
            out.append(
                f'<circle cx="{_fmt(self.px(i))}" cy="{_fmt(self.py(float(v), a, b))}" '
                f'r="{radius}" fill="{colour}"/>'
            )
        return out


def _shade_parts(frame: _ChartFrame, shade: Sequence[bool] | None) -> list[str]:
    """The shaded periods (e.g. the recent period) behind everything else."""
    f = frame
    return [
        f'<rect x="{_fmt(f.left + f.w * i / f.n)}" y="{f.top}" '
        f'width="{_fmt(f.w / f.n + 0.3)}" height="{f.h}" '
        f'fill="{SERIES_COLOURS["recent"]}"/>'
        for i, on in enumerate(shade or ())
        if on
    ]


def _axis_parts(
    frame: _ChartFrame,
    ticks: Sequence[float],
    x_labels: Sequence[str],
    y_label: str,
    *,
    shown: int = 8,
) -> list[str]:
    """Grid lines with the left axis' ticks, about ``shown`` period labels, the
    base line."""
    f = frame
    parts = []
    for t in ticks:
        y = f.py(t)
        parts.append(
            f'<line x1="{f.left}" y1="{_fmt(y)}" x2="{f.left + f.w}" y2="{_fmt(y)}" '
            f'stroke="#e3e3e3" stroke-width="1"/><text x="{f.left - 4}" y="{_fmt(y + 3.5)}" '
            f'font-size="10" text-anchor="end" fill="#444">{_tick_label(t)}</text>'
        )
    every = max(1, math.ceil(f.n / shown))
    for i in range(0, f.n, every):
        # a label centred under its period unless that would run it left of the
        # plot, under the axis' lowest tick: the equality trend's "2025-12" ran
        # into its "0" on a phone; it then starts at the plot's edge
        x, anchor = f.px(i), "middle"
        if x - len(x_labels[i]) * _TICK_CHAR_PX / 2 < f.left:
            x, anchor = f.left, "start"
        parts.append(
            f'<text x="{_fmt(x)}" y="{f.top + f.h + 14}" font-size="10" '
            f'text-anchor="{anchor}" fill="#444">{escape(x_labels[i])}</text>'
        )
    parts.append(
        f'<line x1="{f.left}" y1="{f.top + f.h}" x2="{f.left + f.w}" y2="{f.top + f.h}" '
        'stroke="#888" stroke-width="1"/>'
    )
    if y_label:
        parts.append(
            f'<text x="12" y="{f.top + f.h / 2}" font-size="10" fill="#444" '
            f'text-anchor="middle" transform="rotate(-90 12 {f.top + f.h / 2})">'
            f"{escape(y_label)}</text>"
        )
    return parts


#: radius (px) of a line's dot with no line through it (no value either side)
ISOLATED_DOT_R: Final = 4

_Legend = list[tuple[str, str, str]]  # (name, colour, style: dash, "ring" or "box")


def _line_parts(
    frame: _ChartFrame, lines: Sequence[Mapping[str, Any]]
) -> tuple[list[str], _Legend]:
    """The lines on the left axis (with their dots), and their legend entries."""
    parts: list[str] = []
    legend: _Legend = []
    for line in lines:
        colour = str(line.get("colour", SERIES_COLOURS["observed"]))
        dash = line.get("dash")
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        paths = frame.paths(line["values"], frame.y0, frame.y1)
        if not line.get("dots"):  # a lone value: a level across its period
            paths = [p for p in paths if " " in p]
            paths += frame.lone_spans(line["values"], frame.y0, frame.y1)
        for pts in paths:
            parts.append(
                f'<polyline points="{pts}" fill="none" stroke="{colour}" '
                f'stroke-width="{line.get("width", 1.5)}"{dash_attr}/>'
            )
        if line.get("dots"):
            parts += frame.dots(line["values"], 2, colour, frame.y0, frame.y1)
        if line["name"]:
            legend.append((str(line["name"]), colour, str(dash or "")))
    return parts, legend


def _marker_parts(
    frame: _ChartFrame,
    first: Sequence[Any],
    markers: Sequence[bool],
    marker_label: str,
    x_labels: Sequence[str],
) -> list[str]:
    """Rings around the first line's points of the marked periods."""
    parts = []
    for i, on in enumerate(markers):
        v = first[i] if i < len(first) else None
        if on and v is not None:
            parts.append(
                f'<circle cx="{_fmt(frame.px(i))}" cy="{_fmt(frame.py(float(v)))}" r="4.5" '
                f'fill="none" stroke="{SERIES_COLOURS["signal"]}" stroke-width="1.8">'
                f"<title>{escape(marker_label)} {escape(x_labels[i])}</title></circle>"
            )
    return parts


def _right_axis_parts(
    frame: _ChartFrame, right: Mapping[str, Any]
) -> tuple[list[str], _Legend]:
    """The right-hand line with its own ticks, dots and legend entry."""
    rvals = _finite(right["values"])
    if not rvals:
        return [], []
    rticks = _nice_ticks(min(rvals), max(rvals))
    a, b = rticks[0], rticks[-1] if rticks[-1] > rticks[0] else rticks[0] + 1
    colour = str(right.get("colour", SERIES_COLOURS["confidence"]))
    parts = [
        f'<text x="{frame.left + frame.w + 4}" y="{_fmt(frame.py(t, a, b) + 3.5)}" '
        f'font-size="10" fill="{colour}">{_tick_label(t)}</text>'
        for t in rticks
    ]
    for pts in frame.paths(right["values"], a, b):
        parts.append(
            f'<polyline points="{pts}" fill="none" stroke="{colour}" stroke-width="2"/>'
        )
    parts += frame.dots(right["values"], 3, colour, a, b)
    return parts, [(str(right["name"]), colour, "")]


#: the height of a row of a line chart's legend, when it takes more than one
LEGEND_ROW_PX: Final = 16


def _legend_width(name: str) -> int:
    """Pixels a legend entry takes: its mark, its name (10 px text) and a gap."""
    return 26 + int(5.6 * len(name))


def _legend_rows(
    legend: _Legend, left: int, width_px: int
) -> list[list[tuple[int, str, str, str]]]:
    """The legend's entries as rows of (x, name, colour, style) from ``left``: an
    entry that would end past ``width_px`` starts the next row, further left than
    ``left`` where it would end past it there too (the equality trend's "Mixed
    (no month's ratio: no searches)" ran off a phone's 250 px drawing)."""
    rows: list[list[tuple[int, str, str, str]]] = [[]]
    x = left
    for name, colour, style in legend:
        if rows[-1] and x + _legend_width(name) - 8 > width_px:
            rows.append([])
            x = left
        if not rows[-1]:
            x = max(_LEGEND_EDGE_PX, min(x, width_px - _legend_width(name)))
        rows[-1].append((x, name, colour, style))
        x += _legend_width(name)
    return rows


#: the least gap between a legend's entry and the drawing's left edge
_LEGEND_EDGE_PX: Final = 4


def _legend_parts(rows: list[list[tuple[int, str, str, str]]]) -> list[str]:
    """The legend along the top, row under row: a mark and a name per entry."""
    parts = []
    for number, row in enumerate(rows):
        dy = LEGEND_ROW_PX * number
        for x, name, colour, style in row:
            if style == "box":
                mark = (
                    f'<rect x="{x}" y="{6 + dy}" width="14" height="10" '
                    f'fill="{colour}" stroke="#bbb"/>'
                )
            elif style == "ring":
                mark = (
                    f'<circle cx="{x + 7}" cy="{11 + dy}" r="4" fill="none" '
                    f'stroke="{colour}" stroke-width="1.8"/>'
                )
            else:
                dash_attr = f' stroke-dasharray="{style}"' if style else ""
                mark = (
                    f'<line x1="{x}" y1="{11 + dy}" x2="{x + 14}" y2="{11 + dy}" '
                    f'stroke="{colour}" stroke-width="2"{dash_attr}/>'
                )
            parts.append(
                mark + f'<text x="{x + 18}" y="{15 + dy}" font-size="10" '
                f'fill="#222">{escape(name)}</text>'
            )
    return parts


def _row_layout(
    rows: Sequence[Mapping[str, Any]], top: int, bottom: int, pad: int, width_px: int
) -> tuple[int, int, int, int, int]:
    """``row_h, top, left, height_px, w`` of a chart with one labelled row per item.

    The label column is wide enough for the longest label (at least 90 px).
    """
    longest = max((len(str(r["label"])) for r in rows), default=8)
    row_h, left = 20, max(90, int(6.2 * longest) + 12)
    return (
        row_h,
        top,
        left,
        top + row_h * max(len(rows), 1) + bottom,
        width_px - left - pad,
    )


#: the width of one character of a 10 px axis label, and the gap between labels
_TICK_CHAR_PX: Final = 6.0
_TICK_GAP_PX: Final = 4.0


def _apart(
    ticks: Sequence[float], tx: Callable[[float], float], *, keep: float
) -> list[float]:
    """The ticks whose labels do not overlap: ``keep`` first, then left to right, a
    tick is kept when its label clears every kept one (on a log axis 0.2 and 0.25
    printed over each other as "0.20.25")."""

    def half(t: float) -> float:
        return len(f"{t:g}") * _TICK_CHAR_PX / 2

    kept: list[float] = [keep] if keep in ticks else []
    for t in ticks:
        if t in kept:
            continue
        if all(abs(tx(t) - tx(k)) >= half(t) + half(k) + _TICK_GAP_PX for k in kept):
            kept.append(t)
    return sorted(kept)


def _centre_within(x: float, text: str, width_px: int) -> float:
    """The centre nearest ``x`` of a 10 px label ``text`` kept whole inside a
    drawing ``width_px`` wide: the ratio chart's "ratio to the White rate (95 %
    interval)", centred under a plot right of its labels, ran off a 250 px
    drawing's right edge (the Equality page's on a phone)."""
    half = len(text) * _TICK_CHAR_PX / 2
    return min(max(x, half), width_px - half) if 2 * half < width_px else width_px / 2


#: the width of "no estimate" at 10 px, with a margin (DejaVu Sans: 59.6 px;
#: Liberation Sans, metrics of Arial: 51.7 px)
_NO_ESTIMATE_PX: Final = 62


def interval_chart_svg(
    rows: Sequence[Mapping[str, Any]],
    *,
    title: str,
    reference: float = 1.0,
    log: bool = True,
    x_label: str = "ratio to the White rate (95 % interval)",
    width_px: int = 560,
    stacked: bool = False,
) -> str:
    """A forest plot: one row per ``{"label", "value", "low", "high", "flag"}``.

    The reference line (1: no difference) is drawn; ``log`` puts the axis on a log
    scale (ratios); a row with ``flag`` true (interval above the reference) is
    drawn in the signal colour. Rows without a value are listed as "no estimate"
    (or as their ``missing`` text: "[c]" for one withheld under the small-cell rule).
    ``stacked``: each row's label on its own lines above its interval, which then
    runs the drawing's whole width (a phone's narrow drawing: "Misuse of Drugs Act
    1971 (section 23): Black" beside its interval took 280 of 300 px).
    """
    if stacked:
        label_ys, mark_ys, height_px = _stacked_rows(rows, 24, 30, width_px)
        left, w, top = _STACKED_LEFT_PX, width_px - _STACKED_LEFT_PX - 20, 24
    else:
        row_h, top, left, height_px, w = _row_layout(rows, 24, 30, 20, width_px)
        mark_ys = [top + row_h * k + row_h / 2 for k in range(len(rows))]
        label_ys = [[y + 3.5] for y in mark_ys]
    head = _svg_head("chart", width_px, height_px, title)
    vals = [
        float(r[k])
        for r in rows
        for k in ("value", "low", "high")
        if r.get(k) is not None and math.isfinite(float(r[k])) and float(r[k]) > 0
    ] + [reference]
    lo, hi = min(vals), max(vals)
    if log:
        a, b = math.log(lo) - 0.1, math.log(hi) + 0.1
    else:
        a, b = min(lo, 0.0), hi * 1.05

    def tx(v: float) -> float:
        u = math.log(max(v, 1e-9)) if log else v
        return left + (u - a) / (b - a) * w

    parts = [head]
    if log:
        ticks = [
            t
            for t in (0.1, 0.2, 0.25, 0.5, 1, 2, 3, 4, 5, 10, 20, 50)
            if math.exp(a) <= t <= math.exp(b)
        ]
    else:  # the axis is [a, b]: the ticks inside it
        ticks = [t for t in _nice_ticks(a, b) if a <= t <= b]
    ticks = _apart(ticks, tx, keep=reference)
    axis_y = height_px - 30  # the bottom margin holds the ticks' labels and x_label
    for t in ticks:
        parts.append(
            f'<line x1="{_fmt(tx(t))}" y1="{top - 4}" x2="{_fmt(tx(t))}" y2="{axis_y}" '
            f'stroke="#e3e3e3"/><text x="{_fmt(tx(t))}" y="{axis_y + 12}" '
            f'font-size="10" text-anchor="middle" fill="#444">{t:g}</text>'
        )
    parts.append(
        f'<line x1="{_fmt(tx(reference))}" y1="{top - 6}" x2="{_fmt(tx(reference))}" '
        f'y2="{axis_y}" stroke="#555" stroke-width="1.2" stroke-dasharray="4 3"/>'
        f'<text x="{_fmt(_centre_within(left + w / 2, x_label, width_px))}" '
        f'y="{axis_y + 26}" font-size="10" '
        f'text-anchor="middle" fill="#444">{escape(x_label)}</text>'
    )
    # "no estimate" (about 60 px wide) at the left unless the dashed line at 1
    # runs there, as when no interval dips below 1: then just right of the line
    # (the label was drawn across it on the board pack's "By power")
    ref_x = tx(reference)
    none_x = left + 4 if ref_x - left > _NO_ESTIMATE_PX + 8 else ref_x + 6
    for r, y, label_y in zip(rows, mark_ys, label_ys, strict=True):
        parts += _row_label_parts(r, label_y, left, stacked=stacked, width_px=width_px)
        v, lo_v, hi_v = r.get("value"), r.get("low"), r.get("high")
        if v is None or not float(v) > 0:
            parts.append(
                f'<text x="{_fmt(none_x)}" y="{_fmt(y + 3.5)}" font-size="10" '
                f'fill="#777">{escape(r.get("missing") or "no estimate")}</text>'
            )
            continue
        colour = SERIES_COLOURS["signal"] if r.get("flag") else "#0072B2"
        if lo_v is not None and hi_v is not None and float(lo_v) > 0:
            parts.append(
                f'<line x1="{_fmt(tx(float(lo_v)))}" y1="{_fmt(y)}" '
                f'x2="{_fmt(tx(float(hi_v)))}" y2="{_fmt(y)}" stroke="{colour}" '
                'stroke-width="2"/>'
            )
        parts.append(
            f'<rect x="{_fmt(tx(float(v)) - 4)}" y="{_fmt(y - 4)}" width="8" '
            f'height="8" fill="{colour}"><title>{escape(str(r["label"]))}: '
            f"{float(v):.2f}</title></rect>"
        )
    parts.append("</svg>")
    return "".join(parts)


#: a stacked row's left margin (:func:`interval_chart_svg`), its label's line
#: height (11 px text) and the height of its interval's line under the label
_STACKED_LEFT_PX: Final = 10
_STACKED_LINE_PX: Final = 14
_STACKED_MARK_PX: Final = 16


def _stacked_lines(label: str, width_px: int) -> list[str]:
    """``label`` in lines that fit ``width_px`` at 11 px (6.6 px a character,
    wider than the 6.2 a label column is measured by: wrapped words must not
    run off the drawing), broken at spaces."""
    per_line = max(8, int((width_px - 2 * _STACKED_LEFT_PX) / 6.6))
    return textwrap.wrap(label, per_line) or [""]


def _stacked_rows(
    rows: Sequence[Mapping[str, Any]], top: int, bottom: int, width_px: int
) -> tuple[list[list[float]], list[float], int]:
    """Each stacked row's label lines' baselines, its interval's y, and the
    drawing's height (:func:`interval_chart_svg`)."""
    label_ys: list[list[float]] = []
    mark_ys: list[float] = []
    y = float(top)
    for r in rows:
        n = len(_stacked_lines(str(r["label"]), width_px))
        label_ys.append([y + 11 + _STACKED_LINE_PX * i for i in range(n)])
        mark_ys.append(y + _STACKED_LINE_PX * n + _STACKED_MARK_PX / 2)
        y += _STACKED_LINE_PX * n + _STACKED_MARK_PX
    return label_ys, mark_ys, math.ceil(max(y, top + 20)) + bottom


def _row_label_parts(
    row: Mapping[str, Any],
    label_ys: Sequence[float],
    left: int,
    *,
    stacked: bool,
    width_px: int,
) -> list[str]:
    """A row's label: right-aligned left of the plot, or (``stacked``) its lines
    from the left edge above the row's interval."""
    label = str(row["label"])
    if not stacked:
        return [
            f'<text x="{left - 6}" y="{_fmt(label_ys[0])}" font-size="11" '
            f'text-anchor="end" fill="#222">{escape(label)}</text>'
        ]
    return [
        f'<text x="{left}" y="{_fmt(y)}" font-size="11" fill="#222">'
        f"{escape(line)}</text>"
        for line, y in zip(_stacked_lines(label, width_px), label_ys, strict=True)
    ]


def bar_chart_svg(
    rows: Sequence[Mapping[str, Any]],
    *,
    title: str,
    x_label: str,
    width_px: int = 560,
    digits: int = 1,
) -> str:
    """Horizontal bars, one per ``{"label", "value", "flag"}`` (flag: signal colour);
    a row without a value reads "no estimate", or its ``missing`` text ("[c]")."""
    row_h, top, left, height_px, w = _row_layout(rows, 8, 28, 60, width_px)
    head = _svg_head("chart", width_px, height_px, title)
    top_v = max(
        (float(r["value"]) for r in rows if r.get("value") is not None), default=0
    )
    top_v = top_v or 1.0
    parts = [head]
    for k, r in enumerate(rows):
        y = top + row_h * k
        parts.append(
            f'<text x="{left - 6}" y="{y + 14}" font-size="11" text-anchor="end" '
            f'fill="#222">{escape(str(r["label"]))}</text>'
        )
        v = r.get("value")
        if v is None:
            parts.append(
                f'<text x="{left + 4}" y="{y + 14}" font-size="10" fill="#777">'
                f"{escape(r.get('missing') or 'no estimate')}</text>"
            )
            continue
        bw = w * float(v) / top_v
        colour = SERIES_COLOURS["signal"] if r.get("flag") else "#0072B2"
        parts.append(
            f'<rect x="{left}" y="{y + 3}" width="{_fmt(bw)}" height="{row_h - 6}" '
            f'fill="{colour}"/><text x="{_fmt(left + bw + 4)}" y="{y + 14}" '
            f'font-size="10" fill="#222">{float(v):,.{digits}f}</text>'
        )
    axis_y = top + row_h * max(len(rows), 1)
    parts.append(
        f'<line x1="{left}" y1="{axis_y}" x2="{left + w}" y2="{axis_y}" stroke="#888"/>'
        f'<text x="{left + w / 2}" y="{axis_y + 18}" font-size="10" '
        f'text-anchor="middle" fill="#444">{escape(x_label)}</text></svg>'
    )
    return "".join(parts)
