"""The board's SVG charts: valid SVG, gaps, limits, signals and flagged intervals."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import math
import xml.etree.ElementTree as ET

import numpy as np
import polars as pl

from avert.analyse.performance import performance
from avert.report.board_charts import series_charts
from avert.report.charts import (
    SERIES_COLOURS,
    bar_chart_svg,
    interval_chart_svg,
    line_chart_svg,
)

NS = "{http://www.w3.org/2000/svg}"


def test_line_chart_is_valid_svg_with_gaps_markers_and_right_axis() -> None:
    svg = line_chart_svg(
        ["2024-01", "2024-02", "2024-03", "2024-04"],
        [{"name": "count <b>", "values": [3, None, 5, 4]}],
        title="A & B",
        markers=[False, False, True, False],
        marker_label="signal",
        right={"name": "% agree", "values": [50, 52, None, 55]},
        shade=[False, False, True, True],
        shade_label="recent",
    )
    root = ET.fromstring(svg)
    assert root.tag == f"{NS}svg"
    assert root.find(f"{NS}title").text == "A & B"  # type: ignore[union-attr]
    # each gap splits its line in two polylines (left and right axis)
    assert len(root.findall(f"{NS}polyline")) == 2 + 2
    rings = [
        c
        for c in root.iter(f"{NS}circle")
        if c.get("stroke") == SERIES_COLOURS["signal"] and c.get("fill") == "none"
    ]
    assert len(rings) == 2  # the ringed point and its legend mark
    assert "count &lt;b&gt;" in svg  # labels are escaped


def test_empty_charts_say_so() -> None:
    svg = line_chart_svg([], [], title="nothing")
    assert "No data to chart" in svg
    ET.fromstring(svg)


def test_interval_and_bar_charts_flag_rows_above_one() -> None:
    svg = interval_chart_svg(
        [
            {"label": "Black", "value": 3.0, "low": 2.0, "high": 4.5, "flag": True},
            {"label": "Asian", "value": 1.1, "low": 0.8, "high": 1.5, "flag": False},
            {"label": "Other", "value": None, "low": None, "high": None},
        ],
        title="ratios",
    )
    root = ET.fromstring(svg)
    squares = [r for r in root.iter(f"{NS}rect") if r.get("width") == "8"]
    assert [s.get("fill") for s in squares] == [SERIES_COLOURS["signal"], "#0072B2"]
    assert "no estimate" in svg
    bars = bar_chart_svg(
        [{"label": "Black", "value": 12.5, "flag": True}], title="r", x_label="x"
    )
    ET.fromstring(bars)
    assert "12.5" in bars


def _falling_series() -> pl.DataFrame:
    """36 months of one area: Poisson counts of 40 a month for two years, then 25."""
    months = pl.date_range(
        dt.date(2022, 1, 1), dt.date(2024, 12, 1), "1mo", eager=True
    ).to_list()
    counts = np.random.default_rng(3).poisson([40] * 24 + [25] * 12)
    return pl.DataFrame(
        {
            "area": "A",
            "category": "all",
            "flag": "all",
            "period": months,
            "count": counts.astype(np.int64),
        }
    )


def test_series_charts_draw_limits_from_the_baseline() -> None:
    series = _falling_series()
    res = performance(
        series,
        baseline=(dt.date(2022, 1, 1), dt.date(2023, 12, 31)),
        recent=(dt.date(2024, 1, 1), dt.date(2024, 12, 31)),
        target=(-0.1, dt.date(2024, 12, 31)),
    )
    charts = series_charts(res.series[0])
    assert set(charts) == {"spc", "expected", "target"}
    spc = ET.fromstring(charts["spc"])
    centre = float(series["count"].head(24).mean())
    ucl = centre + 3 * math.sqrt(centre)
    # the dashed upper limit line is flat at the baseline's centre + 3 sigma
    dashed = [
        p
        for p in spc.iter(f"{NS}polyline")
        if p.get("stroke") == SERIES_COLOURS["limit"]
    ]
    ys = {pt.split(",")[1] for pt in dashed[0].get("points", "").split()}
    assert len(ys) == 1
    assert "signals:" in spc.find(f"{NS}title").text  # type: ignore[union-attr]
    assert ucl > centre


def test_every_point_of_a_line_chart_is_inside_its_plot() -> None:
    # a recent period above the last round number (230 over ticks of 50) was drawn
    # above the plot, over the legend, and cut off by the picture's edge
    values = [168, 201, 184, 205, 221, 217, 226, 214, 222, 200, 230, 236]
    svg = line_chart_svg(
        [f"2025-{m:02d}" for m in range(1, 13)],
        [{"name": "count", "values": values}],
        title="count",
        height_px=240,
    )
    root = ET.fromstring(svg)
    ys = [
        float(pair.split(",")[1])
        for line in root.findall(f"{NS}polyline")
        for pair in (line.get("points") or "").split()
    ]
    top, bottom = 26, 240 - 34  # the plot's frame in line_chart_svg
    assert ys
    assert all(top - 1e-6 <= y <= bottom + 1e-6 for y in ys), (min(ys), max(ys))


def test_interval_chart_tick_labels_do_not_overlap() -> None:
    """South Yorkshire's ratios by power span 0.1 to 5: the labels 0.2 and 0.25 were
    printed over each other ("0.20.25"); the reference 1 is always labelled."""
    svg = interval_chart_svg(
        [
            {
                "label": "Misuse of Drugs Act s.23: Mixed",
                "value": 0.3,
                "low": 0.1,
                "high": 1.7,
                "flag": False,
            },
            {"label": "b", "value": 4.0, "low": 3.0, "high": 5.0, "flag": True},
        ],
        title="ratios",
        width_px=560,
    )
    root = ET.fromstring(svg)
    labels = [
        (float(t.get("x", "0")), t.text or "")
        for t in root.iter(f"{NS}text")
        if t.get("font-size") == "10"
        and t.get("text-anchor") == "middle"
        and (t.text or "").replace(".", "").isdigit()
    ]
    assert "1" in [text for _, text in labels]
    labels.sort()
    for (x0, t0), (x1, t1) in itertools.pairwise(labels):
        assert x1 - x0 >= 3 * (len(t0) + len(t1)), (t0, t1, x1 - x0)


def test_outcomes_chart_shows_arrests_when_the_source_records_no_find() -> None:
    """The Met's police.uk searches (2018, and the 2024 API sample) link no outcome
    to its object: the find-rate chart was a column of 0.0 bars; it now draws the
    arrest rates and says why."""
    from types import SimpleNamespace

    from avert.report.board_charts import equality_charts

    outcomes = pl.DataFrame(
        {
            "group": ["Black", "White"],
            "searches": [100, 200],
            "find_rate": [0.0, 0.0],
            "arrest_rate": [0.18, 0.17],
        }
    )
    result = SimpleNamespace(
        frame=pl.DataFrame(),
        by_legislation=pl.DataFrame(),
        trend=pl.DataFrame(),
        outcomes=outcomes,
    )
    svg = equality_charts(result)["outcomes"]  # type: ignore[arg-type]
    assert "ending in arrest" in svg
    assert "18.0" in svg


def test_power_chart_leaves_out_powers_never_used() -> None:
    """A power under which no one was searched (the demo city uses no s.60) has no
    ratio for any group: its rows read "no estimate" four times before 2026-12."""
    from types import SimpleNamespace

    from avert.report.board_charts import equality_charts

    by_legislation = pl.DataFrame(
        {
            "power": ["PACE s.1", "PACE s.1", "s.60", "s.60"],
            "group": ["Black", "White", "Black", "White"],
            "searches": [30, 40, 0, 0],
            "ratio_to_white": [3.0, 1.0, None, None],
            "ci_low": [1.8, None, None, None],
            "ci_high": [4.9, None, None, None],
            "significantly_above_1": [True, False, False, False],
        }
    )
    result = SimpleNamespace(
        frame=pl.DataFrame(),
        by_legislation=by_legislation,
        trend=pl.DataFrame(),
        outcomes=pl.DataFrame(),
    )
    svg = equality_charts(result)["legislation"]  # type: ignore[arg-type]
    assert "PACE s.1: Black" in svg
    assert "s.60" not in svg


def test_line_chart_labels_a_tick_between_integers_as_its_value() -> None:
    """Ticks of 2.5 (an axis up to 12.5, as the trend of a few months' ratios
    reaches) were labelled by rounding to a whole number: "12" drawn at 12.5,
    "18" at 17.5."""
    svg = line_chart_svg(
        ["2026-01", "2026-02", "2026-03"],
        [{"name": "Black", "values": [10.4, 17.2, 21.0]}],
        title="ratio",
        y_zero=False,
    )
    labels = [t.text for t in ET.fromstring(svg).iter(f"{NS}text")]
    assert {"12.5", "17.5"} <= set(labels), labels
    assert not {"12", "18"} & set(labels), labels


def test_trend_chart_keeps_a_month_without_searches_as_a_gap() -> None:
    """A month with no searches has no trend row; its line was drawn straight from
    the month before to the month after, the axis reading 2026-01 beside 2026-04."""
    from avert.report.board_charts import _trend_chart

    months = [dt.date(2026, 1, 1), dt.date(2026, 4, 1)]
    trend = pl.DataFrame(
        {
            "period": [m for m in months for _ in range(2)],
            "group": ["Black", "White"] * 2,
            "ratio_to_white": [3.0, 1.0, 4.0, 1.0],
        }
    )
    svg = _trend_chart(trend)
    labels = [t.text for t in ET.fromstring(svg).iter(f"{NS}text")]
    assert "2026-02" in labels or "2026-03" in labels, labels
    black = [
        p.get("points", "")
        for p in ET.fromstring(svg).iter(f"{NS}polyline")
        if p.get("stroke") == "#CC6677"
    ]
    # two lines of one point each (the gap between), not one joining them
    assert all(len(points.split()) == 1 for points in black), black


def test_expected_chart_title_keeps_an_interval_end_off_1() -> None:
    """The board pack's chart of actual against expected printed Dorset Park's
    significant sustained reduction (0.52, interval to 0.9967) as "(0.27 to 1.00)"
    in its title, below a table that prints 0.997."""
    import dataclasses

    series = _falling_series()
    res = performance(
        series,
        baseline=(dt.date(2022, 1, 1), dt.date(2023, 12, 31)),
        recent=(dt.date(2024, 1, 1), dt.date(2024, 12, 31)),
    )
    s = res.series[0]
    assert s.change is not None
    change = dataclasses.replace(s.change, ci_low=0.2698, ci_high=0.9967)
    charts = series_charts(dataclasses.replace(s, change=change))
    title = ET.fromstring(charts["expected"]).find(f"{NS}title").text  # type: ignore[union-attr]
    assert title is not None
    assert title.endswith("(0.27 to 0.997)"), title


def test_no_estimate_is_not_drawn_across_the_line_at_1() -> None:
    """No interval dips below 1 (South Yorkshire's searches by power): the dashed
    line at 1 runs at the left edge, where "no estimate" was written across it."""
    label_px = 60  # "no estimate" at 10 px in DejaVu Sans: 59.6 px
    for rows in (
        [
            {"label": "s.1", "value": 3.0, "low": 2.0, "high": 4.5, "flag": True},
            {"label": "s.60", "value": None, "low": None, "high": None},
        ],
        [
            {"label": "s.1", "value": 0.3, "low": 0.1, "high": 0.9, "flag": False},
            {"label": "s.23", "value": 3.0, "low": 2.0, "high": 4.5, "flag": True},
            {"label": "s.60", "value": None, "low": None, "high": None},
        ],
    ):
        root = ET.fromstring(interval_chart_svg(rows, title="By power"))
        dashed = next(ln for ln in root.iter(f"{NS}line") if ln.get("stroke-dasharray"))
        line_x = float(dashed.get("x1", "nan"))
        label = next(t for t in root.iter(f"{NS}text") if t.text == "no estimate")
        start = float(label.get("x", "nan"))
        assert not start - 2 <= line_x <= start + label_px + 2, (
            start,
            line_x,
        )


def test_series_charts_name_what_their_axis_counts_and_over_what_period() -> None:
    """The Performance page's and board pack's charts read "count" up their
    axis: of what, over what? Now "incidents a month" (harm: "harm (CCHI days)
    a month"), a weekly series "a week"."""
    series = _falling_series()
    window = {
        "baseline": (dt.date(2022, 1, 1), dt.date(2023, 12, 31)),
        "recent": (dt.date(2024, 1, 1), dt.date(2024, 12, 31)),
    }

    def axis_words(chart: str) -> set[str]:
        svg = ET.fromstring(chart)
        return {t.text or "" for t in svg.iter(f"{NS}text") if t.get("transform")}

    for chart in series_charts(performance(series, **window).series[0]).values():
        assert axis_words(chart) == {"incidents a month"}
    harm = performance(series.with_columns(harm=pl.col("count") * 2.0), **window)
    spc = series_charts(dataclasses.replace(harm.series[0], measure="harm"))["spc"]
    assert axis_words(spc) == {"harm (CCHI days) a month"}
    weeks = pl.date_range(
        dt.date(2023, 1, 2), dt.date(2024, 12, 30), "1w", eager=True
    ).to_list()
    weekly = pl.DataFrame(
        {"area": "A", "category": "all", "flag": "all", "period": weeks}
    ).with_columns(count=pl.lit(10, dtype=pl.Int64))
    by_week = performance(
        weekly,
        unit="week",
        baseline=(dt.date(2023, 1, 2), dt.date(2024, 6, 30)),
        recent=(dt.date(2024, 7, 1), dt.date(2024, 12, 31)),
    )
    spc = series_charts(by_week.series[0])["spc"]
    assert axis_words(spc) == {"incidents a week"}


def test_a_legend_wider_than_its_chart_wraps_and_the_plot_moves_down() -> None:
    """The control chart's legend is one row along the top: with a longer series
    name ("harm (CCHI days) a month", or "incidents a month") its last entry,
    "recent period", ran past the picture's right edge, cut off. It now takes a
    second row and the plot moves down by as much, its points all inside it."""
    series = _falling_series().with_columns(harm=pl.col("count") * 2.0)
    res = performance(
        series,
        baseline=(dt.date(2022, 1, 1), dt.date(2023, 12, 31)),
        recent=(dt.date(2024, 1, 1), dt.date(2024, 12, 31)),
    )
    for measure in ("count", "harm"):
        charts = series_charts(dataclasses.replace(res.series[0], measure=measure))
        for chart in charts.values():
            root = ET.fromstring(chart)
            width, height = float(root.get("width", 0)), float(root.get("height", 0))
            texts = [t for t in root.iter(f"{NS}text") if float(t.get("y", 0)) < 40]
            legend = [t for t in texts if not t.get("text-anchor")]
            assert legend
            # 10 px text: 5.6 px a character, as the legend is laid out
            ends = [float(t.get("x", 0)) + 5.6 * len(t.text or "") for t in legend]
            assert max(ends) <= width, [t.text for t in legend]
            names = [t.text for t in legend]
            assert "recent period" in names
            top = 26 + 16 * (len({t.get("y") for t in legend}) - 1)
            ys = [
                float(pair.split(",")[1])
                for line in root.findall(f"{NS}polyline")
                for pair in (line.get("points") or "").split()
            ]
            assert ys
            assert all(top - 1e-6 <= y <= height - 34 + 1e-6 for y in ys)
    wrapped = series_charts(res.series[0])["spc"]
    assert ET.fromstring(wrapped).get("height") == str(240 + 16)


def test_a_one_month_trend_draws_its_points_visibly() -> None:
    """The board pack's equality trend of a single month (a board pack review)
    drew each group's ratio as a dot of radius 2, near invisible with no line
    through it; a dot with a value either side keeps its small size."""
    from avert.report.board_charts import _trend_chart
    from avert.report.charts import ISOLATED_DOT_R

    trend = pl.DataFrame(
        {
            "period": [dt.date(2022, 3, 1)] * 2,
            "group": ["Black", "White"],
            "ratio_to_white": [2.5, 1.0],
        }
    )
    svg = ET.fromstring(_trend_chart(trend))
    dots = [c for c in svg.iter(f"{NS}circle") if c.get("fill") == "#CC6677"]
    assert [float(c.get("r", 0)) for c in dots] == [ISOLATED_DOT_R]
    assert ISOLATED_DOT_R >= 4
    # parity (1), a line without dots, is drawn across the month, not one point
    parity = [
        p.get("points", "").split()
        for p in svg.iter(f"{NS}polyline")
        if p.get("stroke") == "#777777"
    ]
    assert any(len(points) == 2 for points in parity), parity
    joined = ET.fromstring(
        line_chart_svg(
            ["a", "b", "c"],
            [{"name": "x", "values": [1, 2, 3], "dots": True}],
            title="t",
        )
    )
    assert {c.get("r") for c in joined.iter(f"{NS}circle")} == {"2"}


def test_the_trend_legend_says_why_a_group_has_no_line() -> None:
    """The board pack's trend legend listed Mixed and Other, whose every month the
    small-cell rule withheld, with no point drawn and no word why; a group
    withheld in some months only keeps its name (its gaps are months)."""
    from avert.report.board_charts import _trend_chart

    months = [dt.date(2022, 1, 1), dt.date(2022, 2, 1)]
    trend = pl.DataFrame(
        {
            "period": [m for m in months for _ in range(3)],
            "group": ["Black", "Mixed", "White"] * 2,
            "ratio_to_white": [2.0, None, 1.0, None, None, 1.0],
            "searches_withheld": [False, True, False, True, True, False],
        }
    )
    texts = [t.text or "" for t in ET.fromstring(_trend_chart(trend)).iter(f"{NS}text")]
    assert (
        "Mixed (no month's ratio: withheld (fewer than 5 searches, or the next "
        "smallest))" in texts
    ), texts
    assert "Black" in texts
    # a group whose ratio is withheld with the White count it is taken to
    white_held = pl.DataFrame(
        {
            "period": [m for m in months for _ in range(2)],
            "group": ["Other", "White"] * 2,
            "ratio_to_white": [None, None, None, None],
            "searches_withheld": [False, True, False, True],
            "searches": [7, None, 0, None],
        },
        schema_overrides={"ratio_to_white": pl.Float64},
    )
    texts = [
        t.text or "" for t in ET.fromstring(_trend_chart(white_held)).iter(f"{NS}text")
    ]
    assert "Other (no month's ratio: the White count withheld, no searches)" in texts, (
        texts
    )


def test_a_stacked_forest_plot_puts_each_label_above_its_interval() -> None:
    """A phone's "By power" chart (300 px): a power's label beside its interval
    took 280 of the 300 px; stacked, each label's lines start at the left edge
    above its interval, wrapped to the drawing's width, and the interval runs
    the drawing's width."""
    from avert.report.charts import interval_chart_svg

    label = "Criminal Justice and Public Order Act 1994 (section 60): Black"
    rows = [
        {"label": label, "value": 2.0, "low": 1.2, "high": 3.5},
        {"label": "PACE s.1: Asian", "value": None},
    ]
    svg = ET.fromstring(interval_chart_svg(rows, title="t", width_px=300, stacked=True))
    ns = "{http://www.w3.org/2000/svg}"
    texts = [t for t in svg.iter(f"{ns}text") if t.get("font-size") == "11"]
    lines = [t.text or "" for t in texts]
    assert " ".join(lines[:-1]) == label
    assert len(lines) == 3  # the long label in two lines, the short in one
    assert all(t.get("x") == "10" and t.get("text-anchor") is None for t in texts)
    assert all(len(s) * 6.6 <= 300 - 20 for s in lines)
    # the interval below its label's lines, across the drawing
    line_ys = [float(t.get("y") or 0) for t in texts]
    interval = next(e for e in svg.iter(f"{ns}line") if e.get("stroke-width") == "2")
    assert float(interval.get("y1") or 0) > line_ys[1]
    assert float(interval.get("x2") or 0) > 200
