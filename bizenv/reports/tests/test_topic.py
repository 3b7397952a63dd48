"""The topic report's pure context: title, summary sentence, tables, for a county and for a city."""

from datetime import date

from bizenv.reports.topic import (
    ForecastLine,
    PeerRow,
    StepLine,
    SubRow,
    TopicReportData,
    in_topic,
    mean,
    period_menu,
    summary_text,
    topic_report_context,
)


def county_data(**changes) -> TopicReportData:
    values = dict(
        topic_code="starting_business", topic_name="开办企业", definition="设立企业所需环节和时间。",
        region_code="990121", region_name="北山县", period="2026-10", aggregate=False,
        score=92.234, rank=2, rank_count=14, yoy_delta=-1.82, pop_delta=1.07,
        sub_rows=(
            SubRow(code="starting_business", name="开办企业", level=1, unit="", value=None, score=92.234, rank=2,
                   best_region_name="东城区", best_region_score=98.9),
            SubRow(code="starting_business.time", name="开办企业耗时", level=2, unit="", value=None, score=80.0,
                   rank=5, best_region_name="东城区", best_region_score=97.0),
            SubRow(code="starting_business.time.establishment", name="企业设立登记耗时", level=3, unit="工作日",
                   value=1.07, score=96.43, rank=2, best_region_name="东城区", best_region_value=0.6,
                   best_region_score=99.0, benchmark_value=0.5, benchmark_cities="杭州、深圳"),
        ),
        peers=(PeerRow(code="990102", name="东城区", score=98.9, rank=1, yoy_delta=0.5, pop_delta=None),
               PeerRow(code="990121", name="北山县", score=92.234, rank=2, yoy_delta=-1.82, pop_delta=1.07)),
        forecast=ForecastLine(periods=("2026-11",), mean=(91.85,), lower=(89.33,), upper=(94.37,),
                              method_label="漂移法"),
        process_name="企业开办办件",
        steps=(StepLine(name="设立登记", cases=58, mean_days=1.2, share_over_limit=0.125, slowest_region="青溪县"),),
        strengths=("企业设立登记耗时",), weaknesses=(), issued=date(2026, 11, 5),
    )
    values.update(changes)
    return TopicReportData(**values)


def test_county_summary_names_score_rank_changes_and_forecast():
    text = summary_text(county_data())
    assert text.startswith("2026年10月，北山县“开办企业”得分 92.23 分，在 14 个参评地区中排名第 2 位")
    assert "同比下降 1.82 分" in text and "环比上升 1.07 分" in text
    assert "按漂移法预测，2026年11月得分约 91.85 分（区间 89.33～94.37 分）" in text
    assert "较上年进步较大的指标：企业设立登记耗时" in text


def test_missing_comparisons_and_flat_changes_are_said_plainly():
    text = summary_text(county_data(yoy_delta=None, pop_delta=0.001, forecast=None, strengths=()))
    assert "同比无可比数据" in text and "环比持平" in text and "预测" not in text


def test_the_summary_states_completeness_and_warns_when_partial():
    assert "数据完整度 100%。" in summary_text(county_data(completeness=1.0))
    partial = summary_text(county_data(completeness=0.5))
    assert "本期数据不完整，只有 50% 权重的分项指标有数据" in partial and "得分仅供参考" in partial
    assert "完整" not in summary_text(county_data(completeness=None))


def test_region_without_score_says_there_is_no_data():
    assert "暂无已审核的评价数据" in summary_text(county_data(score=None))


def test_city_summary_speaks_of_the_average_and_the_best_and_worst_county():
    city = county_data(region_code="990100", region_name="示范市", aggregate=True, rank=None, score=79.26,
                       peers=(PeerRow(code="990121", name="北山县", score=92.23, rank=1),
                              PeerRow(code="990122", name="青溪县", score=56.23, rank=2)))
    text = summary_text(city)
    assert "示范市所辖 14 个县（市、区）“开办企业”平均得分 79.26 分" in text
    assert "最高为北山县（92.23 分），最低为青溪县（56.23 分）" in text
    assert topic_report_context(city)["peer_heading"] == "各区县得分与排名"


def test_context_has_title_tables_and_advice():
    ctx = topic_report_context(county_data())
    assert ctx["title"] == "北山县2026年10月“开办企业”专题研判报告"
    assert ctx["period_label"] == "2026年10月" and ctx["date_text"] == "2026年11月5日"
    leaf = ctx["sub_rows"][2]
    assert leaf["name"] == "　　企业设立登记耗时" and leaf["value"] == "1.07" and leaf["score"] == "96.43"
    assert leaf["best"] == "东城区 99.00" and leaf["benchmark"] == "0.50（杭州、深圳）"
    assert ctx["peers"][1] == {"rank": 2, "name": "北山县", "score": "92.23", "yoy_delta": "−1.82",
                               "pop_delta": "+1.07"}
    assert ctx["peers"][0]["pop_delta"] == "—"
    assert ctx["has_steps"] and ctx["steps"][0]["over"] == "12.5%"
    assert ctx["advice"].startswith("建议重点关注：开办企业耗时（80.00 分）")


def test_no_steps_hides_the_bottleneck_section():
    ctx = topic_report_context(county_data(steps=(), process_name=""))
    assert not ctx["has_steps"] and ctx["steps_heading"] == ""


def test_in_topic_keeps_the_topic_and_its_descendants_only():
    assert in_topic("starting_business", "starting_business")
    assert in_topic("starting_business.time.change", "starting_business")
    assert not in_topic("starting_business_x", "starting_business") and not in_topic("TOTAL", "starting_business")


def test_period_menu_groups_months_by_year_newest_year_first():
    menu = period_menu(["2026-10", "2025-12", "2026-01"])
    assert [y["year"] for y in menu] == [2026, 2025]
    assert [m["period"] for m in menu[0]["months"]] == ["2026-01", "2026-10"]
    assert menu[0]["months"][1]["label"] == "10月"


def test_mean_ignores_missing_values():
    assert mean([1.0, None, 3.0]) == 2.0 and mean([None]) is None
