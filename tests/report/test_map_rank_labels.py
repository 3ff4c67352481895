"""Rank labels on the places map stand clear of each other, of the other cells and
of the map's edge, however close the cells (issue: West Yorkshire, July 2018).

`avert brief --at 2018-08-01` on police.uk street crime of West Yorkshire, July 2018
(data.police.uk, Open Government Licence v3.0): the top ten 150 m cells lie in
Leeds and Bradford city centres, 14 km apart, so each cell is 6 px across on the
640 px map. In Leeds the labels 10, 6, 3, 1, 4 and 2 were written 2 px from the
cells and from each other: "2" sat under cell 4 as much as under its own, and the
labels read as one crowd. The cells below are that briefing's (rank, x, y).
"""

from __future__ import annotations

import itertools
import re

from avert.report.charts import LABEL_CLEAR_PX, places_map_svg

Box = tuple[float, float, float, float]

#: West Yorkshire, July 2018: the briefing's top ten cells (rank, x, y), 150 m
WEST_YORKSHIRE_2018_07 = [
    (1, 430275.0, 433425.0),
    (2, 430275.0, 433275.0),
    (3, 430125.0, 433425.0),
    (4, 430125.0, 433275.0),
    (5, 416325.0, 432975.0),
    (6, 430125.0, 433875.0),
    (7, 416475.0, 432975.0),
    (8, 416175.0, 433125.0),
    (9, 416325.0, 433125.0),
    (10, 430125.0, 434025.0),
]
_NUM = r"([\d.-]+)"
_CELL = re.compile(
    rf'<rect x="{_NUM}" y="{_NUM}" width="{_NUM}" height="{_NUM}" fill="#b2182b"'
    r"[^>]*><title>rank (\d+):"
)
_LABEL = re.compile(
    rf'(?:<line x1="{_NUM}" y1="{_NUM}" x2="{_NUM}" y2="{_NUM}" stroke="#67001f"'
    r' stroke-width="0.7"/>)?'
    rf'<rect x="{_NUM}" y="{_NUM}" width="{_NUM}" height="{_NUM}" fill="#ffffff"'
    r'[^>]*/><text [^>]*font-weight="bold">(\d+)</text>'
)


def _gap(a: Box, b: Box) -> float:
    """The clear space between two boxes (0 when they touch or overlap)."""
    return max(0.0, max(a[0] - b[2], b[0] - a[2]), max(a[1] - b[3], b[1] - a[3]))


def _drawing(cells: list[tuple[int, float, float]], cell_size_m: float) -> str:
    return places_map_svg(
        [{"rank": r, "x": x, "y": y, "score": 20.0 - r} for r, x, y in cells],
        [],
        cell_size_m=cell_size_m,
    )


def _check_labels(svg: str, n: int) -> None:
    """Every rank's label: at least LABEL_CLEAR_PX from every other label, every
    other rank's cell and the edge of the 640 x 460 drawable area (the scale bar's
    strip under it); beside its own cell or joined to it by a leader line."""
    cells = {
        int(m[4]): (
            float(m[0]),
            float(m[1]),
            float(m[0]) + float(m[2]),
            float(m[1]) + float(m[3]),
        )
        for m in _CELL.findall(svg)
    }
    labels: dict[int, tuple[Box, tuple[str, ...]]] = {}
    for m in _LABEL.findall(svg):
        x, y, w, h = map(float, m[4:8])
        labels[int(m[8])] = ((x, y, x + w, y + h), m[:4])
    assert sorted(labels) == sorted(cells) == list(range(1, n + 1))
    for (ra, (a, _)), (rb, (b, _)) in itertools.combinations(labels.items(), 2):
        assert _gap(a, b) >= LABEL_CLEAR_PX - 0.05, (ra, a, rb, b)
    for rank, (box, leader) in labels.items():
        inside = (
            LABEL_CLEAR_PX,
            LABEL_CLEAR_PX,
            640 - LABEL_CLEAR_PX,
            460 - LABEL_CLEAR_PX,
        )
        assert min(box[0] - inside[0], box[1] - inside[1]) >= 0, (rank, box)
        assert min(inside[2] - box[2], inside[3] - box[3]) >= 0, (rank, box)
        for other, cell in cells.items():
            if other != rank:
                assert _gap(box, cell) >= LABEL_CLEAR_PX - 0.05, (rank, box, other)
        own = cells[rank]
        if leader[0]:  # the leader starts at its own cell's centre
            x1, y1 = float(leader[0]), float(leader[1])
            assert abs(x1 - (own[0] + own[2]) / 2) < 0.1, (rank, leader)
            assert abs(y1 - (own[1] + own[3]) / 2) < 0.1, (rank, leader)
        else:
            assert _gap(box, own) <= LABEL_CLEAR_PX + 0.05, (rank, box, own)


def test_west_yorkshire_labels_stand_clear() -> None:
    _check_labels(_drawing(WEST_YORKSHIRE_2018_07, 150.0), 10)


def test_a_crowd_of_cells_at_the_edge_keeps_its_labels_inside() -> None:
    # twenty-four 100 m cells in a block 6 px across each, at the map's right edge
    # (a far cell stretches the frame): the labels need leader lines and room
    block = [
        (k + 2, 450000.0 + 100 * i, 180000.0 + 100 * j)
        for k, (i, j) in enumerate(itertools.product(range(6), range(4)))
    ]
    _check_labels(_drawing([(1, 430000.0, 180150.0), *block], 100.0), 25)
