"""The 任务督办 charts as data: rates in percent with the counts behind them, months in calendar order read in
Chinese, statuses in their colours — and nothing drawn for what is not yet due."""

from __future__ import annotations

from datetime import date

from bizenv.workflows import charts, stats
from bizenv.workflows.stats import ItemFact, Tally

AS_OF = date(2026, 12, 3)


def fact(code: str, *, region: str = "", department: str = "", deadline: date, approved: date | None = None,
         cancelled: bool = False) -> ItemFact:
    names = {"990101": "东湖县", "990102": "西山县", "samr": "市市场监管局"}
    return ItemFact(code=code, title=code, kind="annual", department=department,
                    department_name=names.get(department, ""), region=region, region_name=names.get(region, ""),
                    deadline=deadline, approved_on=approved, cancelled=cancelled)


FACTS = [
    fact("A", region="990101", deadline=date(2026, 9, 30), approved=date(2026, 9, 28)),
    fact("B", region="990101", deadline=date(2026, 10, 31), approved=date(2026, 11, 5)),
    fact("C", region="990102", deadline=date(2026, 10, 10), approved=date(2026, 10, 1)),
    fact("D", region="990102", deadline=date(2026, 12, 20)),  # not yet due
    fact("E", department="samr", deadline=date(2026, 11, 30)),  # open, overdue
    fact("F", department="samr", deadline=date(2026, 11, 1), cancelled=True),
]


def test_rate_bars_give_each_unit_its_percent_and_counts_highest_at_the_top():
    option = charts.rate_bars(stats.ontime_stats(FACTS, as_of=AS_OF, by="unit"))

    data = option["series"][0]["data"]
    # the axis is inverted: the first entry is the top bar, in the order of the table beside the chart
    assert option["yAxis"]["inverse"] is True
    assert [d["key"] for d in data] == ["990102", "990101", "samr"]
    assert [d["value"] for d in data] == [100.0, 50.0, 0.0]
    assert data[1]["name"] == "东湖县（应完成 2 项，按期 1 项，逾期 1 项）"
    assert option["yAxis"]["data"] == ["西山县", "东湖县", "市市场监管局"]
    assert [d["itemStyle"]["color"] for d in data] == [charts.GOOD, charts.LATE, charts.LATE]
    tallies = stats.ontime_stats(FACTS, as_of=AS_OF, by="unit")
    assert [d["key"] for d in data] == [t.key for t in charts.rate_order(tallies) if t.due]
    assert option["xAxis"]["max"] == 100 and option["series"][0]["label"]["formatter"] == "{c}%"


def test_a_unit_with_nothing_due_gets_no_bar():
    tallies = stats.ontime_stats([fact("D", region="990102", deadline=date(2026, 12, 20))], as_of=AS_OF, by="unit")

    assert charts.rate_bars(tallies)["series"][0]["data"] == []


def test_rate_colours_follow_the_thresholds():
    assert charts.rate_color(0.95) == charts.GOOD and charts.rate_color(0.9) == charts.FAIR
    assert charts.rate_color(0.79) == charts.LATE and charts.rate_color(None) != charts.GOOD


def test_the_monthly_chart_stacks_on_time_and_overdue_with_the_rate_as_a_line():
    option = charts.monthly_chart(stats.ontime_stats(reversed(FACTS), as_of=AS_OF, by="month"))

    assert option["xAxis"]["data"] == ["2026年9月", "2026年10月", "2026年11月"]  # December has nothing due yet
    on_time, overdue, rate = option["series"]
    assert (on_time["name"], on_time["stack"], on_time["data"]) == ("按期完成", "due", [1, 1, 0])
    assert (overdue["name"], overdue["stack"], overdue["data"]) == ("逾期", "due", [0, 1, 1])
    assert (rate["type"], rate["yAxisIndex"], rate["data"]) == ("line", 1, [100.0, 50.0, 0.0])
    assert option["yAxis"][1]["max"] == 100


def test_the_status_ring_names_statuses_in_chinese_and_skips_empty_ones():
    option = charts.status_ring([("issued", "待受理", 3), ("approved", "已办结", 5), ("cancelled", "已撤销", 0)])

    data = option["series"][0]["data"]
    assert [(d["name"], d["value"]) for d in data] == [("待受理", 3), ("已办结", 5)]
    assert data[1]["itemStyle"]["color"] == charts.STATUS_COLORS["approved"]


def test_percent_rounds_to_one_decimal_and_keeps_none():
    assert charts.percent(2 / 3) == 66.7 and charts.percent(None) is None
    assert charts.month_label("2026-03") == "2026年3月"


def test_long_unit_names_wrap_instead_of_being_cut():
    option = charts.rate_bars([Tally(key="x", name="市人力资源社会保障局", due=1, on_time=1),
                               Tally(key="y", name="高新技术产业开发区管委会", due=2, on_time=1)])
    assert option["yAxis"]["data"] == ["市人力资源社会保障局", "高新技术产业开发区管委会"]
    label = option["yAxis"]["axisLabel"]
    assert label["overflow"] == "break" and label["width"] > 0 and label["interval"] == 0
    assert option["grid"]["containLabel"] is True
    assert charts.bars_height(option) >= 360
