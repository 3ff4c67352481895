"""The places map reads well: rank labels never overlap, dots have a legend."""

from __future__ import annotations

import itertools
import re

from avert.report.charts import places_map_svg
from avert.report.render import _legend


def _label_boxes(svg: str) -> list[tuple[float, float, float, float]]:
    boxes = []
    for m in re.finditer(
        r'<rect x="([\d.-]+)" y="([\d.-]+)" width="([\d.]+)" height="([\d.]+)" '
        r'fill="#ffffff"',
        svg,
    ):
        x, y, w, h = map(float, m.groups())
        boxes.append((x, y, x + w, y + h))
    return boxes


def test_rank_labels_of_clustered_cells_do_not_overlap() -> None:
    # ten contiguous 100 m cells (a 4 x 3 block): "10" and "3" used to read "103"
    cells = [
        {
            "x": 530050.0 + 100 * i,
            "y": 180050.0 + 100 * j,
            "score": 10.0 - k,
            "rank": k + 1,
        }
        for k, (i, j) in enumerate(
            itertools.islice(itertools.product(range(4), range(3)), 10)
        )
    ]
    svg = places_map_svg(cells, [], cell_size_m=100.0)
    boxes = _label_boxes(svg)
    assert len(boxes) == 10
    for a, b in itertools.combinations(boxes, 2):
        overlap = a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]
        assert not overlap, (a, b)
    for box in boxes:  # inside the 640 x 480 drawing
        assert box[0] >= 0, box
        assert box[1] >= 0, box
        assert box[2] <= 640, box
        assert box[3] <= 480, box
    for k in range(1, 11):
        assert f'font-weight="bold">{k}</text>' in svg


def test_legend_names_every_dot_colour() -> None:
    points = [
        {"x": 1.0, "y": 1.0, "category": "assault_with_injury"},
        {"x": 2.0, "y": 1.0, "category": "assault_with_injury"},
        {"x": 3.0, "y": 1.0, "category": "something_else"},
    ]
    legend = _legend(points)
    assert [(c, n) for c, _, n in legend] == [
        ("assault_with_injury", 2),
        ("something_else", 1),
    ]
    svg = places_map_svg([], points, cell_size_m=100.0)
    for _, colour, _ in legend:
        assert f'fill="{colour}"' in svg
