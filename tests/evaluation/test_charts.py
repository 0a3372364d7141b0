"""The SVG charts (evaluation.charts): parsed back as XML, so the points, lines and labels are checked, not
the markup's spelling."""

import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest

from evaluation.charts import (
    PANEL_HEIGHT,
    PLOT_BOTTOM,
    PLOT_TOP,
    IndicatorSeries,
    axis_ticks,
    group_chart,
    progress_charts,
)
from evaluation.models import Report
from evaluation.selectors.progress import pilot_progress

from .progress_factories import evaluation_of, evaluation_report, pilot, self_assessment

NS = {"svg": "http://www.w3.org/2000/svg"}
PERIODS = ["第1年", "中期", "第2年", "期后"]
D = Decimal


def series(name="规上制造业企业", unit="家", kind="count", *, is_key=True, baseline="3", midterm="7", target="12",
           actuals=("5", None, "8", None)):  # fmt: skip
    return IndicatorSeries(
        name=name,
        unit=unit,
        kind=kind,
        is_key=is_key,
        baseline=None if baseline is None else D(baseline),
        midterm_target=None if midterm is None else D(midterm),
        target=None if target is None else D(target),
        actuals=tuple(None if a is None else D(a) for a in actuals),
    )


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 - our own output


def panels(root) -> list[ET.Element]:
    return root.findall("svg:g[@class='panel']", NS)


def texts(element, css_class: str) -> list[str]:
    return [t.text for t in element.iter(f"{{{NS['svg']}}}text") if t.get("class") == css_class]


def elements(element, tag: str, css_class: str) -> list[ET.Element]:
    return [e for e in element.iter(f"{{{NS['svg']}}}{tag}") if e.get("class") == css_class]


def test_a_group_chart_is_one_svg_with_a_title_and_a_panel_per_indicator():
    root = parse(
        group_chart("关键指标 · 企业集聚", PERIODS, [series(), series(name="规下制造业企业")], midterm_index=1)
    )
    assert root.tag == f"{{{NS['svg']}}}svg"
    assert root.get("role") == "img" and root.get("aria-label") == "关键指标 · 企业集聚"
    assert "WenQuanYi Micro Hei" in root.get("font-family")
    assert root.find("svg:title", NS).text == "关键指标 · 企业集聚"
    assert texts(root, "chart-title") == ["关键指标 · 企业集聚"]
    assert [p.get("data-indicator") for p in panels(root)] == ["规上制造业企业", "规下制造业企业"]
    # Two panels side by side: 720 wide, one row high.
    assert root.get("viewBox") == f"0 0 720 {58 + PANEL_HEIGHT}"


def test_three_indicators_take_two_rows():
    root = parse(group_chart("企业集聚", PERIODS, [series(name=f"指标{i}") for i in range(3)]))
    assert root.get("viewBox") == f"0 0 720 {58 + 2 * PANEL_HEIGHT}"
    assert panels(root)[2].get("transform") == f"translate(0,{58 + PANEL_HEIGHT})"


def test_the_axis_labels_are_the_baseline_then_the_periods_and_the_title_marks_key_indicators():
    (panel,) = panels(parse(group_chart("企业集聚", PERIODS, [series()], midterm_index=1)))
    assert texts(panel, "x-label") == ["期初", "第1年", "中期", "第2年", "期后"]
    assert texts(panel, "panel-title") == ["★ 规上制造业企业（家）"]
    (other,) = panels(parse(group_chart("x", PERIODS, [series(is_key=False)])))
    assert texts(other, "panel-title") == ["规上制造业企业（家）"]


def test_actual_points_are_the_baseline_and_the_reported_values_and_missing_ones_leave_no_point():
    (panel,) = panels(parse(group_chart("企业集聚", PERIODS, [series(actuals=("5", None, "8", None))])))
    points = elements(panel, "circle", "actual")
    assert [(p.get("data-label"), p.get("data-value")) for p in points] == [
        ("期初", "3"),
        ("第1年", "5"),
        ("第2年", "8"),
    ]
    assert texts(panel, "actual-label") == ["3", "5", "8"]
    (line,) = elements(panel, "polyline", "actual-line")
    assert len(line.get("points").split()) == 3
    # Higher values are drawn higher (smaller y).
    ys = [float(p.get("cy")) for p in points]
    assert ys[0] > ys[1] > ys[2]


def test_the_target_is_a_dashed_line_and_the_midterm_target_a_diamond_at_the_midterm_evaluation():
    (panel,) = panels(parse(group_chart("企业集聚", PERIODS, [series()], midterm_index=1)))
    (target,) = elements(panel, "line", "target")
    assert target.get("data-value") == "12" and target.get("stroke-dasharray")
    assert texts(panel, "target-label") == ["目标 12"]
    (diamond,) = elements(panel, "path", "midterm-target")
    assert diamond.get("data-value") == "7"
    midterm_x = next(t for t in panel.iter(f"{{{NS['svg']}}}text") if t.text == "中期").get("x")
    assert diamond.get("d").startswith(f"M{midterm_x} ")
    assert texts(panel, "midterm-label") == ["7"]


def test_without_a_midterm_column_the_midterm_target_is_a_dotted_line():
    (panel,) = panels(parse(group_chart("x", ["第1年", "第2年"], [series(actuals=("5", "8"))])))
    (line,) = elements(panel, "line", "midterm-target")
    assert line.get("data-value") == "7"


def test_percentages_have_a_0_to_100_axis_and_a_per_cent_sign():
    cloud = series("企业上云率", "%", "percent", baseline="45.5", midterm="62.0", target="80.5", actuals=("50.2",))
    (panel,) = panels(parse(group_chart("上云用数赋智", ["第1年"], [cloud])))
    assert texts(panel, "y-label") == ["0%", "25%", "50%", "75%", "100%"]
    assert texts(panel, "actual-label") == ["45.5%", "50.2%"]
    assert texts(panel, "target-label") == ["目标 80.5%"]


def test_zero_targets_and_values_still_draw_on_an_axis_from_0_to_1():
    zero = series("国家双跨平台", "个", baseline="0", midterm="0", target="0", actuals=("0", None, None, None))
    (panel,) = panels(parse(group_chart("平台建设", PERIODS, [zero], midterm_index=1)))
    assert texts(panel, "y-label") == ["0", "1"]
    (target,) = elements(panel, "line", "target")
    assert float(target.get("y1")) == PANEL_HEIGHT - PLOT_BOTTOM  # on the axis, not off the chart
    assert [p.get("data-value") for p in elements(panel, "circle", "actual")] == ["0", "0"]


def test_an_indicator_without_values_or_targets_says_so_and_draws_nothing():
    empty = series(baseline=None, midterm=None, target=None, actuals=(None, None, None, None))
    (panel,) = panels(parse(group_chart("企业集聚", PERIODS, [empty], midterm_index=1)))
    assert texts(panel, "no-data") == ["暂无实际值"]
    assert not elements(panel, "circle", "actual")
    assert not elements(panel, "line", "target")
    assert not elements(panel, "path", "midterm-target")


def test_text_is_escaped():
    svg = group_chart('<script>alert("x")</script> & 组', PERIODS, [series(name="A<B>&C")])
    assert "<script>" not in svg
    root = parse(svg)  # still well-formed XML
    assert root.find("svg:title", NS).text == '<script>alert("x")</script> & 组'
    assert panels(root)[0].get("data-indicator") == "A<B>&C"


def test_values_above_the_axis_stay_inside_the_plot():
    (panel,) = panels(parse(group_chart("x", PERIODS, [series(actuals=("5", "9", "30", "31"))])))
    top = float(max(axis_ticks([3, 7, 12, 5, 9, 30, 31], "count")))
    assert top >= 31
    assert all(float(p.get("cy")) >= PLOT_TOP for p in elements(panel, "circle", "actual"))


@pytest.mark.parametrize(
    ("values", "ticks"),
    [([3, 12], [0, 5, 10, 15]), ([0], [0, 1]), ([1], [0, 1, 2]), ([312, 400], [0, 100, 200, 300, 400, 500])],
)
def test_count_axes_have_whole_nice_steps_with_room_above(values, ticks):
    assert axis_ticks(values, "count") == ticks


def test_progress_charts_draw_a_chart_per_group_from_the_pilots_reports(db):
    plan = pilot()
    self_assessment(plan, 1, {"规上制造业企业": 8, "企业上云率": "50.5"})
    midterm = evaluation_of(plan, "midterm")
    evaluation_report(midterm, {"规上制造业企业": 9}, status=Report.Status.ACCEPTED)
    charts = progress_charts(pilot_progress(plan))
    assert [c["group"].level2 for c in charts][:2] == ["企业集聚", "平台建设"]
    assert len(charts) == 10
    root = parse(charts[0]["svg"])
    assert texts(root, "chart-title") == ["关键指标 · 企业集聚"]
    first = panels(root)[0]
    assert texts(first, "x-label") == ["期初", "第1年", "中期", "第2年", "期后"]
    points = [(p.get("data-label"), p.get("data-value")) for p in elements(first, "circle", "actual")]
    assert points == [("期初", "3.0"), ("第1年", "8.0"), ("中期", "9.0")]
    assert [e.get("data-value") for e in elements(first, "path", "midterm-target")] == ["7.0"]
