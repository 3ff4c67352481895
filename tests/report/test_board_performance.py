"""The board pack's performance section: a verdict's caution, control-chart signals."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

import avert
from avert.report import render_html

TEMPLATES = Path(avert.__file__).parent / "report" / "templates"


def _stats(caution: str | None, **extra: Any) -> dict[str, Any]:
    row = {
        "title": "Whole area",
        "verdict": "significant_sustained_reduction",
        "reason": None,
        "caution": caution,
        "rate_ratio": 0.8,
        "ci_low": 0.7,
        "ci_high": 0.9,
        "p_value": 0.01,
        "recent_count": 100,
        "recent_expected": 120.0,
        "of_last": 6,
        "below_expected": 6,
        "recent_rate_per_1000": None,
        "spc_signals": {},
        "charts": {"expected": "<svg></svg>"},
        **extra,
    }
    performance = {
        "available": True,
        "baseline": ("2022-01-01", "2023-12-31"),
        "recent": ("2024-01-01", "2024-12-31"),
        "counts": {"significant_sustained_reduction": 1},
        "series": [row],
        "notes": [],
        "method": "m",
        "source": "s",
    }
    return {"definitions": {}, "performance": performance}


def test_a_caution_is_printed_under_the_verdict_and_above_the_chart() -> None:
    said = "the baseline was already falling 9% a year (p 0.012)"
    html = render_html("_board_performance.html", stats=_stats(said))
    assert html.count(said) == 2  # in the table and above the chart
    assert "aution:" not in render_html("_board_performance.html", stats=_stats(None))


def test_signals_widened_for_over_dispersion_show_the_plain_ones_too() -> None:
    html = render_html(
        "_board_performance.html",
        stats=_stats(
            None,
            spc_signals={"beyond_3sigma": 3, "run_8": 0},
            spc_sigma_z=1.9,
            spc_signals_adjusted={"beyond_3sigma": 0, "run_8": 0},
        ),
    )
    cell = html[html.index("limits ×1.90") - 200 :]
    assert "limits ×1.90 for over-dispersion; plain chart:" in html
    assert cell.index("none") < cell.index("limits ×1.90")  # the adjusted: none
    plain = render_html(
        "_board_performance.html",
        stats=_stats(None, spc_signals={"beyond_3sigma": 3}, spc_sigma_z=0.9),
    )
    assert "over-dispersion;" not in plain


def test_a_p_value_is_not_rounded_across_alpha() -> None:
    """Toronto's violence in 2019 against 2017-18: p = 0.04987, a significant
    increase, printed "0.050" beside it; a p-value just over alpha stays over."""
    for p, shown in ((0.04987, "0.0499"), (0.04996, "0.04996"), (0.0502, "0.050")):
        html = render_html(
            "_board_performance.html",
            stats=_stats(None, p_value=p, verdict="significant_increase"),
        )
        assert f'<td data-label="p">{shown}</td>' in html, (p, shown)
    html = render_html("_board_performance.html", stats=_stats(None, p_value=1e-9))
    assert '<td data-label="p">&lt; 0.001</td>' in html
    assert '<td data-label="p">0.123</td>' in render_html(
        "_board_performance.html", stats=_stats(None, p_value=0.1234)
    )


def test_harm_verdicts_show_recent_harm_beside_expected_harm() -> None:
    """With the measure harm the expectation is in CCHI days: the table set the
    recent event count against it ("2,827 / 537,836") and the heading said
    "Monthly counts"."""
    stats = _stats(
        None,
        measure="harm",
        recent_count=2827,
        recent_harm=501234.0,
        recent_expected=537836.0,
    )
    stats["performance"]["measure"] = "harm"
    html = render_html("_board_performance.html", stats=stats)
    assert '<td data-label="Recent / expected">501,234 / 537,836</td>' in html
    assert "2,827 /" not in html
    assert "Monthly harm (CCHI days)" in html
    # the rate per 1,000 residents stays a rate of events: its heading says so,
    # and that it is of the recent period (the heading gave no period: 3 months'
    # incidents per 1,000 read as a rate per year)
    assert "<th>Events per 1,000 residents<small>†</small></th>" in html
    assert "† Per 1,000 residents: the events of the recent period" in html
    counts = render_html("_board_performance.html", stats=_stats(None))
    assert '<td data-label="Recent / expected">100 / 120</td>' in counts
    assert "Monthly counts" in counts
    assert "<th>Per 1,000 residents<small>†</small></th>" in counts


def test_an_interval_end_is_not_rounded_onto_1() -> None:
    """Toronto's Dorset Park robberies, 2020 against 2018-19: a significant
    sustained reduction, rate ratio 0.52 (0.2698 to 0.9967), printed "(0.27 to
    1.00)", an interval seeming to reach no change; so did Moss Park's significant
    increase (1.0031 to 1.38). An end rounded onto 1 keeps the digits of its side."""
    html = render_html(
        "_board_performance.html",
        stats=_stats(None, rate_ratio=0.519, ci_low=0.2698, ci_high=0.9967),
    )
    assert "0.52 (0.27 to 0.997)" in html
    assert "to 1.00)" not in html
    html = render_html(
        "_board_performance.html",
        stats=_stats(
            None,
            verdict="significant_increase",
            rate_ratio=1.175,
            ci_low=1.0031,
            ci_high=1.3756,
        ),
    )
    assert "1.18 (1.003 to 1.38)" in html


def test_interval_end_text_keeps_the_side_of_1() -> None:
    from avert.report.render import interval_end_text

    assert interval_end_text(0.9967) == "0.997"
    assert interval_end_text(1.0014) == "1.001"
    assert interval_end_text(0.99996) == "0.99996"
    assert interval_end_text(0.8162) == "0.82"
    assert interval_end_text(1.0) == "1.00"
    assert interval_end_text(None) == "–"


def test_control_chart_signals_are_named_in_words() -> None:
    """Walked in a browser: the performance page's signals read "beyond 3sigma 4,
    two of three 2sigma 4", the rules' keys; they read as the charts name them."""
    html = render_html(
        "_board_performance.html",
        stats=_stats(
            None,
            spc_signals={"beyond_3sigma": 4, "two_of_three_2sigma": 2, "run_8": 0},
            spc_sigma_z=1.5,
            spc_signals_adjusted={"beyond_3sigma": 1, "two_of_three_2sigma": 0},
        ),
    )
    assert "sigma 4" not in html
    assert "3sigma" not in html
    assert "beyond 3 sigma: 4, 2 of 3 beyond 2 sigma: 2" in html  # the plain chart
    assert "beyond 3 sigma: 1" in html  # the widened limits


def test_each_charts_axis_strip_draws_that_chart() -> None:
    """Each chart's axis strip (shown on a phone) uses the id of its own chart:
    two series' charts of the same kind must not share one (the strip of the
    second drew the first's axis)."""
    from avert.report.charts import line_chart_svg

    def chart(top: int) -> str:
        return line_chart_svg(
            ["2024-01", "2024-02"], [{"name": "n", "values": [1, top]}], title="t"
        )

    stats = _stats(None, charts={"spc": chart(5), "expected": chart(9)})
    second = {**stats["performance"]["series"][0], "charts": {"spc": chart(70)}}
    stats["performance"]["series"].append(second)
    html = render_html("_board_performance.html", stats=stats)
    used = re.findall(r'<use href="#([^"]+)"/></svg><svg id="([^"]+)"', html)
    assert len(used) == 3, used
    assert all(a == b for a, b in used), used
    assert len({a for a, _ in used}) == 3, used


@pytest.mark.parametrize("measure", ["counts", "harm"])
def test_the_performance_headers_print_on_few_lines(measure: str) -> None:
    """The PDF's "Rate ratio (95 % CI)" and "Per 1,000 residents, recent period"
    headers wrapped onto 4 lines (``pdftoppm -r 70``): the interval and the period
    are said in notes under the table; no header is on more than 3 lines (the
    checker's rule), the rate ratio's on 2."""
    pytest.importorskip("weasyprint")
    from report.test_print_layout import print_faults

    stats = _stats(
        "the baseline was already falling 9% a year (p 0.012)",
        recent_rate_per_1000=3.21,
        recent_harm=501234.0,
        spc_signals={"beyond_3sigma": 2, "run_8": 1},
    )
    stats["performance"]["measure"] = measure
    head = (
        render_html("_style.html")
        + (TEMPLATES / "_board_charts_style.html").read_text()
    )
    body = render_html("_board_performance.html", stats=stats)
    html = f"<!DOCTYPE html><html><head>{head}</head><body>{body}</body></html>"
    assert print_faults(html) == []
    lines = _header_lines(html)
    assert lines["Rate ratio *"] <= 2, lines
    assert max(n for h, n in lines.items() if "per 1,000" in h.lower()) <= 3, lines
    assert "95 % confidence interval" in body  # said under the table


def _header_lines(html: str) -> dict[str, int]:
    """Each header cell of the verdicts table as printed: its number of lines."""
    import weasyprint

    from report.test_print_layout import _boxes, _text

    out = {}
    for page in weasyprint.HTML(string=html).render().pages:
        for cell in _boxes(page._page_box):
            if getattr(cell, "element_tag", None) == "th" and (
                type(cell).__name__ == "TableCellBox"
            ):
                out[_text(cell)] = len(
                    {
                        round(b.position_y)
                        for b in _boxes(cell)
                        if type(b).__name__ == "LineBox"
                    }
                )
    return out


def test_the_control_chart_header_keeps_its_hyphenated_word_whole() -> None:
    """A month's pack whose verdicts carry their reasons (the synthetic city's
    December 2025, one recent month: intervals such as "(0.00 to 329787.81)" and
    "7 events in the baseline; at least 20 are needed") squeezed the last column
    to "Control-" / "chart" / "signals", three lines; its hyphen no longer breaks."""
    pytest.importorskip("weasyprint")
    stats = _stats(
        None,
        verdict="no_significant_change",
        rate_ratio=1.0,
        ci_low=0.001,
        ci_high=329787.81,
        p_value=1.0,
        recent_rate_per_1000=0.1,
        spc_signals={"beyond_3sigma": 1},
        spc_signals_adjusted={},
        spc_sigma_z=1.51,
    )
    rows = stats["performance"]["series"]
    rows.append(
        rows[0]
        | {
            "title": "Whole area · Violence with group offending",
            "verdict": "insufficient_data",
            "reason": "7 events in the baseline; at least 20 are needed",
            "rate_ratio": None,
        }
    )
    head = (
        render_html("_style.html")
        + (TEMPLATES / "_board_charts_style.html").read_text()
    )
    body = render_html("_board_performance.html", stats=stats)
    html = f"<!DOCTYPE html><html><head>{head}</head><body>{body}</body></html>"
    lines = _header_lines(html)
    signals = [n for h, n in lines.items() if "signals" in h]
    assert signals, lines
    assert max(signals) <= 2, lines
