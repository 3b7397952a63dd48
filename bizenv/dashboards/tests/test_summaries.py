import pytest

from bizenv.dashboards.summaries import (
    ScorePoint,
    WarningLine,
    city_figures,
    feature_centres,
    first_month,
    history_periods,
    indicator_averages,
    list_counts,
    period_choice,
    period_menu,
    previous_of,
    score_changes,
    severity_counts,
    trend_lines,
    warned_regions,
)
from bizenv.monitoring.selectors import RegionWarnings

AVAILABLE = ["2025-11", "2025-12", "2026-01", "2026-02", "2026-03"]


@pytest.mark.parametrize(("kwargs", "chosen"), [
    ({}, "2026-03"),  # default: the latest evaluated period
    ({"period": "2026-01"}, "2026-01"),
    ({"period": "2026-1"}, "2026-01"),  # normalised
    ({"year": "2025", "month": "12"}, "2025-12"),
    ({"year": "2025", "month": "3"}, "2025-12"),  # not evaluated: the latest of that year
    ({"year": "2024", "month": "3"}, "2026-03"),  # nothing that year: the latest overall
    ({"period": "garbage"}, "2026-03"),
    ({"year": "x", "month": "y"}, "2026-03"),
])
def test_period_choice(kwargs, chosen):
    assert period_choice(AVAILABLE, **kwargs) == chosen


def test_period_choice_without_evaluations_is_none():
    assert period_choice([]) is None


def test_period_menu_groups_months_by_year_newest_year_first():
    menu = period_menu(AVAILABLE)

    assert [y.year for y in menu] == [2026, 2025]
    assert menu[0].periods == (("2026-01", "1月"), ("2026-02", "2月"), ("2026-03", "3月"))


def test_previous_and_history_periods():
    assert previous_of("2026-03", AVAILABLE) == "2026-02"
    assert previous_of("2025-11", AVAILABLE) is None
    assert history_periods("2026-02", AVAILABLE, count=3) == ["2025-12", "2026-01", "2026-02"]


POINTS = [ScorePoint("2026-01", "a", "东城区", 80.0), ScorePoint("2026-01", "b", "北山县", 60.0),
          ScorePoint("2026-02", "a", "东城区", 90.0), ScorePoint("2026-02", "b", "北山县", None)]


def test_trend_lines_for_a_city_are_mean_best_and_worst():
    lines = trend_lines(POINTS, ["2026-01", "2026-02", "2026-03"])

    assert [line.name for line in lines] == ["全市平均", "最高", "最低"]
    assert lines[0].values == (70.0, 90.0, None)
    assert lines[1].values == (80.0, 90.0, None)
    assert lines[2].values == (60.0, 90.0, None)


def test_trend_line_for_one_region_is_its_own():
    [line] = trend_lines(POINTS, ["2026-01", "2026-02"], own="b", own_name="北山县")

    assert line.name == "北山县" and line.values == (60.0, None)


def test_indicator_averages_skip_missing_scores_and_optional_columns():
    columns = [("start", "开办企业"), ("power", "获得电力"), ("trade", "跨境贸易")]
    averages = indicator_averages(columns, [[80.0, None, 50.0], [90.0, None, 70.0]], skip=["trade"])

    assert [(a.code, a.score, a.regions) for a in averages] == [("start", 85.0, 2), ("power", None, 0)]


def test_city_figures_use_the_city_score_when_there_is_one():
    members = [ScorePoint("2026-01", "a", "东城区", 80.0, 1, 0.9), ScorePoint("2026-01", "b", "北山县", 60.0, 2, 0.5)]

    mean = city_figures(members)
    own = city_figures(members, city_score=75.5)

    assert (mean.composite, mean.composite_is_mean, mean.regions_evaluated) == (70.0, True, 2)
    assert mean.completeness == pytest.approx(0.7)
    assert mean.best.region_name == "东城区" and mean.worst.region_name == "北山县"
    assert (own.composite, own.composite_is_mean) == (75.5, False)


def test_list_counts_count_the_composite_scope():
    entries = [{"list": "red", "indicator": "TOTAL"}, {"list": "black", "indicator": "TOTAL"},
               {"list": "black", "indicator": "start"}]

    assert list_counts(entries) == {"red": 1, "black": 1}


def test_feature_centres_use_cp_or_the_middle_of_the_largest_ring():
    square = [[0, 0], [2, 0], [2, 4], [0, 4], [0, 0]]
    tiny = [[10, 10], [10.1, 10], [10.1, 10.05], [10.05, 10.1], [10, 10.1], [10, 10]]  # more points, less area
    geojson = {"features": [
        {"properties": {"code": "a", "cp": [1.5, 2.5]}, "geometry": {"type": "Polygon", "coordinates": [square]}},
        {"properties": {"code": "b"}, "geometry": {"type": "MultiPolygon", "coordinates": [[tiny], [square]]}},
        {"properties": {"name": "无编码"}, "geometry": {"type": "Polygon", "coordinates": [square]}},
    ]}

    assert feature_centres(geojson) == {"a": [1.5, 2.5], "b": [1.0, 2.0]}


@pytest.mark.parametrize(("value", "args", "html"), [
    (1.234, (), '<span class="delta-up">+1.23</span>'),
    (-0.5, (), '<span class="delta-down">−0.50</span>'),
    (-0.001, (), '<span class="delta-flat">0.00</span>'),  # rounds to zero: neutral, no sign, not red
    (0.0004, (3, "ck"), '<span class="ck-flat">0.000</span>'),
    (None, (), "—"),
])
def test_delta_tag_signs_and_colours_a_change(value, args, html):
    from bizenv.dashboards.templatetags.page_format import delta

    assert str(delta(value, *args)) == html


def test_score_changes_skip_regions_missing_in_either_period():
    assert score_changes({"a": 80.0, "b": 70.0, "c": None}, {"a": 75.0, "c": 60.0}) == {"a": 5.0}


def line(pk: int, region: str, severity: str, *, name: str = "开办企业时间", last: str = "2026-10",
         first: str = "2026-10") -> WarningLine:
    return WarningLine(pk=pk, region_code=region, region_name={"a": "东城区", "b": "北山县"}[region],
                       indicator_name=name, kind="threshold", severity=severity, first_period=first,
                       last_period=last, explanation=f"说明{pk}")


def test_warned_regions_put_the_most_severe_region_and_warnings_first_and_count_the_rest():
    lines = [line(1, "a", "yellow"), line(2, "a", "yellow", name="办电时间", last="2026-09"),
             line(3, "a", "orange", name="纳税"), line(4, "b", "red")]
    summary = {"a": RegionWarnings("a", "东城区", 3, "orange"), "b": RegionWarnings("b", "北山县", 1, "red")}

    result = warned_regions(summary, lines, top=2)

    assert [r.region_name for r in result] == ["北山县", "东城区"]
    east = result[1]
    assert [w.pk for w in east.top] == [3, 1]  # orange first, then the yellow of October before September's
    assert east.more == 1 and east.severity_label == "橙色"
    assert east.summary == "橙色预警 3 条：纳税、开办企业时间等"
    assert result[0].summary == "红色预警 1 条：开办企业时间"


def test_severity_counts_and_the_labels_a_user_reads():
    lines = [line(1, "a", "yellow"), line(2, "b", "red"), line(3, "b", "yellow")]

    assert severity_counts(lines) == [("red", "红色", 1), ("yellow", "黄色", 2)]
    assert severity_counts([]) == []
    assert line(1, "a", "red", first="2026-08").periods_label == "2026年8月至2026年10月"
    assert line(1, "a", "red").periods_label == "2026年10月" and line(1, "a", "red").kind_label == "超出预警线"
    assert first_month("2026-Q3") == "2026-07" and first_month("2026-10") == "2026-10"
