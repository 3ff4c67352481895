"""The places map reads well: rank labels never overlap, dots have a legend; a
line chart's axis strip for a phone draws its own chart's left edge."""

from __future__ import annotations

import itertools
import re

from avert.report.charts import (
    line_chart_svg,
    pinned_axis_chart_html,
    places_map_svg,
)
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


def test_a_pinned_axis_strip_draws_its_own_charts_left_edge() -> None:
    """On a phone a performance chart opens at its latest months; the strip kept
    at its box's left edge shows its y axis (the labels left of x = 48, down to
    the x axis) by a ``<use>`` of that chart, named by an id unique to it."""
    charts = [
        line_chart_svg(["2024-01", "2024-02"], [{"name": n, "values": [1, v]}], title=n)
        for n, v in (("a", 5), ("b", 50))
    ]
    html = "".join(
        pinned_axis_chart_html(c, f"perf-chart-{i}") for i, c in enumerate(charts)
    )
    strips = re.findall(
        r'<div class="chart-box"><svg class="chart-axis" aria-hidden="true" '
        r'focusable="false" width="49" height="191" style="margin-top: 19px" '
        r'viewBox="0 19 49 191"><use href="#(perf-chart-\d)"/></svg>'
        r'<svg id="(perf-chart-\d)" ',
        html,
    )
    assert strips == [
        ("perf-chart-0", "perf-chart-0"),
        ("perf-chart-1", "perf-chart-1"),
    ]
    # the chart itself unchanged but for its id
    assert html.replace(' id="perf-chart-1"', "").endswith(charts[1] + "</div>")
    assert pinned_axis_chart_html("<p>none</p>", "x") == "<p>none</p>"


def test_the_pinned_axis_strip_starts_under_the_legend() -> None:
    """The strip drew its chart from y = 0: the first pixel of the legend's first
    mark stood over the axis, and with the box scrolled the strip hid the legend's
    first letters ("·ent period"). It starts under the legend, above the top
    tick's label."""
    chart = line_chart_svg(
        ["2024-01", "2024-02"],
        [{"name": "count", "values": [1, 1000]}],
        title="t",
        shade=[False, True],
        shade_label="recent period",
    )
    html = pinned_axis_chart_html(chart, "c")
    view = re.search(r'class="chart-axis"[^>]*viewBox="0 ([\d.]+) ', html)
    assert view is not None
    strip_top = float(view[1])
    # the legend: marks (rect y 6-16, line y 11) and names (10 px text, baseline 15)
    legend_bottom = 15 + 3
    # the top tick's label: 10 px text, its baseline 3.5 px under its line
    label_top = min(
        float(y) - 10
        for y in re.findall(r'<text x="44" y="([\d.]+)" font-size="10" ', chart)
    )
    assert legend_bottom <= strip_top <= label_top, (strip_top, label_top)
