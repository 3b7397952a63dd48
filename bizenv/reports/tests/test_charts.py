"""ECharts options of the topic pages."""

from bizenv.reports import charts


def test_region_bar_puts_the_best_on_top_carries_codes_for_drill_down_and_marks_the_region():
    option = charts.region_bar([("990101", "东城区", 90.0), ("990102", "北山县", 70.0), ("990103", "西山县", None)],
                               value_label="得分", highlight="990102")
    assert option["yAxis"]["data"] == ["北山县", "东城区"]  # missing values are left out
    data = option["series"][0]["data"]
    assert [d["key"] for d in data] == ["990102", "990101"]
    assert data[0]["itemStyle"]["color"] == charts.HIGHLIGHT and data[1]["itemStyle"]["color"] != charts.HIGHLIGHT


def test_signed_region_bar_colours_gains_red_and_losses_green():
    data = charts.region_bar([("a", "甲", 1.5), ("b", "乙", -2.0)], value_label="同比", signed=True)["series"][0]["data"]
    assert [(d["key"], d["itemStyle"]["color"]) for d in data] == [("b", charts.DOWN), ("a", charts.UP)]


def test_line_chart_keeps_gaps_and_score_bars_rotate_long_category_lists():
    line = charts.line_chart(["2026-01", "2026-02"], [("办件", [3, None])], unit="件")
    assert line["series"][0]["data"] == [3, None] and line["yAxis"]["name"] == "件"
    bars = charts.score_bars([f"指标{i}" for i in range(6)], [("本地", [50.123] * 6)])
    assert bars["xAxis"]["axisLabel"]["rotate"] == 30 and bars["series"][0]["data"][0] == 50.12
