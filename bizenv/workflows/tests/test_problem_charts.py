"""The trend chart of a 问题整治清单 item, pure: months read in Chinese, the two means, the listed month marked,
and the compact form for the list."""

from __future__ import annotations

import json

from bizenv.workflows.problem_charts import problem_trend

PERIODS = ["2026-08", "2026-09", "2026-10"]


def test_the_trend_shows_both_means_and_marks_the_listed_month():
    option = problem_trend(periods=PERIODS, concerned=[7.0, None, 12.345], everyone=[5.0, 6.0, 10.5],
                           unit="工作日", listed_period="2026-10")
    assert option["xAxis"]["data"] == ["2026年8月", "2026年9月", "2026年10月"]
    concerned, everyone = option["series"]
    assert (concerned["name"], everyone["name"]) == ("涉及地区平均", "全部地区平均")
    assert concerned["data"] == [7.0, "-", 12.35] and everyone["data"] == [5.0, 6.0, 10.5]
    assert everyone["lineStyle"] == {"type": "dashed"}
    assert concerned["markLine"]["data"] == [{"xAxis": "2026年10月"}]
    assert concerned["markLine"]["label"]["formatter"] == "列入月份"
    assert option["yAxis"]["name"] == "工作日" and option["legend"]["data"] == ["涉及地区平均", "全部地区平均"]
    json.dumps(option, ensure_ascii=False)  # what json_script emits


def test_the_compact_trend_has_no_legend_nor_labels_and_a_month_outside_is_not_marked():
    option = problem_trend(periods=PERIODS, concerned=[1, 2, 3], everyone=[1, 1, 1], unit="分",
                           listed_period="2026-10", compact=True)
    assert option["legend"] == {"show": False} and option["yAxis"]["name"] == ""
    assert option["series"][0]["markLine"]["label"] == {"show": False}
    outside = problem_trend(periods=PERIODS, concerned=[1, 2, 3], everyone=[1, 1, 1], unit="分",
                            listed_period="2026-05")
    assert "markLine" not in outside["series"][0]
