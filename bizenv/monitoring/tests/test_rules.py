import math
import re

import pytest

from bizenv.evaluation.parsing import parse_observations
from bizenv.evaluation.scoring import TOTAL, compile_system, evaluate
from bizenv.indicators.parsing import parse_yaml
from bizenv.monitoring.explain import explanation_facts, explanation_text
from bizenv.monitoring.rules import findings_evaluate, scope_nodes
from bizenv.monitoring.specs import (
    Compare,
    MissingReportFact,
    MonitorInput,
    OverdueFact,
    RuleKind,
    RuleSpec,
    Severity,
)

# A.1 days (lower better), A.2 a share in % (higher better), B a first-level leaf scored 10 × value.
SYSTEM = """
code: T
name: 测试体系
indicators:
  - code: A
    name: 办理破产
    weight: 3
    children:
      - {code: A.1, name: 收回债务所需的时间, weight: 1, unit: 年, direction: lower_better, best: 0, worst: 10}
      - {code: A.2, name: 债务回收率, weight: 3, unit: "%", direction: higher_better, best: 100, worst: 0}
  - {code: B, name: 政务服务, weight: 1, unit: 分, direction: higher_better, best: 10, worst: 0}
"""


def _system(text: str = SYSTEM, *, strip_direction: str = ""):
    parsed = parse_yaml(text)
    assert parsed.ok, parsed.problems
    if strip_direction:
        for node in parsed.spec.indicators[0].children:
            if node.code == strip_direction:
                node.direction = ""
    return compile_system(parsed.spec)


def _input(rows: str, *, system=None, groups=None, benchmarks=None, overdue=(), missing=(), scope_name=""):
    """A MonitorInput from OBS.csv rows (region,indicator,period,value), scored as `bizenv evaluate` does."""
    system = system or _system()
    observed = parse_observations(("region,indicator,period,value\n" + rows.strip() + "\n").encode(), system)
    assert observed.ok, observed.problems
    obs = observed.value
    result = evaluate(system, obs.values, regions=obs.regions, periods=obs.periods,
                      not_applicable=obs.not_applicable, no_practice=obs.no_practice)
    return MonitorInput(system=system, regions=obs.regions, region_names=obs.regions, periods=obs.periods,
                        values=obs.values, not_applicable=obs.not_applicable, no_practice=obs.no_practice,
                        evaluation=result, benchmarks=benchmarks or {}, region_groups=groups or {},
                        overdue=tuple(overdue), missing=tuple(missing), scope_name=scope_name)


def _rule(kind, code="R1", severity=Severity.RED, **params):
    return RuleSpec(code=code, kind=RuleKind(kind), severity=severity, **params)


def _fired(findings):
    return [(f.rule, f.region, f.indicator, f.period, f.value, f.reference) for f in findings]


def _series(region: str, code: str, values: list, start_year: int = 2025) -> str:
    return "\n".join(f"{region},{code},{start_year + m // 12}-{m % 12 + 1:02d},{v}" for m, v in enumerate(values)
                     if v is not None)


# --------------------------------------------------------------------------------------------- threshold


@pytest.mark.parametrize(
    ("code", "line", "values", "expected"),
    [
        # lower_better warns above the line; equal to the line does not warn
        ("A.1", 4.0, {"甲": 5, "乙": 4, "丙": 2}, {"甲": 5.0}),
        # higher_better warns below the line
        ("A.2", 70.0, {"甲": 80, "乙": 69.5, "丙": 70}, {"乙": 69.5}),
    ],
)
def test_threshold_warns_on_the_worse_side_of_the_line(code, line, values, expected):
    data = _input("\n".join(f"{r},{code},2025-03,{v}" for r, v in values.items()))
    found = findings_evaluate([_rule("threshold", indicators=(code,), line=line)], data)
    assert [(f.region, f.value, f.reference) for f in found] == [(r, v, line) for r, v in expected.items()]
    assert all(f.kind == RuleKind.THRESHOLD and f.severity == Severity.RED for f in found)


def test_missing_not_applicable_and_no_practice_never_warn():
    data = _input("甲,A.1,2025-03,N/A\n乙,A.1,2025-03,No Practice\n丙,A.1,2025-03,\n丁,A.1,2025-03,0.5")
    found = findings_evaluate([_rule("threshold", indicators=("A.1",), line=-1.0)], data)
    assert [f.region for f in found] == ["丁"]


def test_a_leaf_without_direction_is_lower_better_when_best_is_below_worst():
    system = _system(strip_direction="A.1")
    data = _input("甲,A.1,2025-03,5\n乙,A.1,2025-03,1", system=system)
    found = findings_evaluate([_rule("threshold", indicators=("A.1",), line=3.0)], data)
    assert [f.region for f in found] == ["甲"]


# ------------------------------------------------------------------------------------------- bottom_rank

# B scores are 10 × value: 90, 80, 70, 70 → ranks 1, 2, 3, 3 among c = 4 ranked regions (丁 has no value).
RANK_ROWS = "甲,B,2025-03,9\n乙,B,2025-03,8\n丙,B,2025-03,7\n戊,B,2025-03,7\n丁,B,2025-03,"


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (1, []),  # bound c − n = 3: the two tied last share rank 3, which is not > 3
        (2, [("丙", 3.0, 2.0), ("戊", 3.0, 2.0)]),
        (3, [("乙", 2.0, 1.0), ("丙", 3.0, 1.0), ("戊", 3.0, 1.0)]),
        (4, []),  # c ≤ n: nothing
        (9, []),
        (0, []),
    ],
)
def test_bottom_rank_warns_the_last_n_by_evaluate_ranks(n, expected):
    data = _input(RANK_ROWS)
    found = findings_evaluate([_rule("bottom_rank", indicators=("B",), n=n)], data)
    assert [(f.region, f.value, f.reference) for f in found] == expected


def test_bottom_rank_level_one_covers_every_first_level_node():
    data = _input("甲,A.1,2025-03,1\n甲,A.2,2025-03,90\n甲,B,2025-03,2\n"
                  "乙,A.1,2025-03,9\n乙,A.2,2025-03,10\n乙,B,2025-03,9")
    found = findings_evaluate([_rule("bottom_rank", level=1, n=1)], data)
    # in region order (甲 first in the file), then tree order
    assert [(f.region, f.indicator, f.value, f.reference) for f in found] == [("甲", "B", 2.0, 1.0),
                                                                             ("乙", "A", 2.0, 1.0)]
    facts = found[1].facts
    assert (facts.rank_from_bottom, facts.ranked, facts.reference, facts.unit) == (1, 2, 1.0, "分")
    # 乙 scores A: (1 × 10 + 3 × 10)/4 = 10; 甲: (1 × 90 + 3 × 90)/4 = 90.
    assert facts.own == pytest.approx(10.0) and facts.best == pytest.approx(90.0)
    assert facts.average == pytest.approx(50.0) and facts.best_region == "甲"


# ---------------------------------------------------------------------------------------------- lag_best


def test_lag_best_warns_when_behind_the_best_score_by_more_than_gap():
    data = _input("甲,B,2025-03,9\n乙,B,2025-03,7\n丙,B,2025-03,6.5\n丁,B,2025-03,N/A")
    found = findings_evaluate([_rule("lag_best", indicators=("B",), gap=20.0)], data)
    # 90 − 70 = 20 is not more than 20; 90 − 65 = 25 is.
    assert _fired(found) == [("R1", "丙", "B", "2025-03", pytest.approx(65.0), pytest.approx(90.0))]
    facts = found[0].facts
    assert facts.best_region == "甲" and facts.average == pytest.approx((90 + 70 + 65) / 3)
    assert dict(facts.extra)["落后最优"] == "25分"


def test_lag_best_on_the_composite():
    data = _input("甲,A.1,2025-03,0\n甲,A.2,2025-03,100\n甲,B,2025-03,10\n"
                  "乙,A.1,2025-03,10\n乙,A.2,2025-03,100\n乙,B,2025-03,10")
    found = findings_evaluate([_rule("lag_best", indicators=(TOTAL,), gap=10.0)], data)
    # 乙: A = (1 × 0 + 3 × 100)/4 = 75, TOTAL = (3 × 75 + 100)/4 = 81.25; 甲 has 100.
    assert _fired(found) == [("R1", "乙", TOTAL, "2025-03", pytest.approx(81.25), pytest.approx(100.0))]


# ----------------------------------------------------------------------------------------- lag_benchmark


@pytest.mark.parametrize(
    ("code", "bench", "ratio", "values", "expected"),
    [
        # lower_better: shortfall (v − 2)/2 > 0.5 ⇔ v > 3
        ("A.1", 2.0, 0.5, {"甲": 2.9, "乙": 3.0, "丙": 3.5}, {"丙": (3.5, 3.0)}),
        # higher_better: shortfall (80 − v)/80 > 0.25 ⇔ v < 60
        ("A.2", 80.0, 0.25, {"甲": 59, "乙": 60, "丙": 95}, {"甲": (59.0, 60.0)}),
        # a negative benchmark: bound −2 + 0.5 × 2 = −1
        ("A.1", -2.0, 0.5, {"甲": -0.5, "乙": -1.5}, {"甲": (-0.5, -1.0)}),
    ],
)
def test_lag_benchmark_warns_past_the_relative_bound(code, bench, ratio, values, expected):
    data = _input("\n".join(f"{r},{code},2025-03,{v}" for r, v in values.items()),
                  benchmarks={code: (bench, "芬兰")})
    found = findings_evaluate([_rule("lag_benchmark", level="leaves", ratio=ratio)], data)
    assert {f.region: (f.value, pytest.approx(f.reference)) for f in found} == expected


def test_lag_benchmark_skips_leaves_without_a_benchmark():
    data = _input("甲,A.1,2025-03,9\n甲,B,2025-03,0", benchmarks={"A.1": (1.0, "")})
    found = findings_evaluate([_rule("lag_benchmark", indicators=("A.1", "B"), ratio=0.1)], data)
    assert [f.indicator for f in found] == ["A.1"]


# ------------------------------------------------------------------------------------------- fluctuation


def test_fluctuation_compares_with_k_sample_standard_deviations():
    # pop changes: +1, +2, +1, then +4. History before May: [1, 2, 1], mean 4/3,
    # sample variance ((1/3)² + (2/3)² + (1/3)²)/2 = 1/3, sd = 0.57735 (ddof=0 would give 0.4714).
    data = _input(_series("甲", "A.1", [1, 2, 4, 5, 9]))
    rule = _rule("fluctuation", indicators=("A.1",), k=2.0, compare=Compare.POP, min_history=3)
    found = findings_evaluate([rule], data)
    assert _fired(found) == [("R1", "甲", "A.1", "2025-05", 4.0, pytest.approx(2 / math.sqrt(3)))]
    extra = dict(found[0].facts.extra)
    assert (extra["变化"], extra["基期值"], extra["此前变化次数"], extra["基期"]) == ("+4年", "5年", "3", "2025年4月")


def test_fluctuation_needs_min_history_earlier_changes():
    data = _input(_series("甲", "A.1", [1, 2, 4, 5, 9]))
    rule = _rule("fluctuation", indicators=("A.1",), k=2.0, compare=Compare.POP, min_history=4)
    assert findings_evaluate([rule], data) == []


@pytest.mark.parametrize(
    ("code", "values", "fires"),
    [
        ("A.2", [50, 49, 47, 46, 40], True),  # higher_better falling: worse
        ("A.2", [40, 41, 43, 44, 50], False),  # higher_better rising: better
        ("A.1", [9, 8, 6, 5, 1], False),  # lower_better falling: better
    ],
)
def test_fluctuation_only_warns_in_the_worse_direction(code, values, fires):
    data = _input(_series("甲", code, values))
    rule = _rule("fluctuation", indicators=(code,), k=2.0, compare=Compare.POP, min_history=3)
    assert bool(findings_evaluate([rule], data)) is fires


def test_seasonal_jump_fires_month_on_month_but_not_year_on_year():
    # Every January jumps to 9 from about 5; 2023-01 … 2025-01. Month on month, January 2025 rises by 4 while
    # the earlier changes (one +4, one −4, the rest ±0.1) have a sample sd of about 1.72; year on year it is flat.
    pattern = [9] + [5 + 0.1 * (m % 2) for m in range(1, 12)]
    data = _input(_series("甲", "A.1", pattern * 2 + [9], start_year=2023))
    pop = _rule("fluctuation", code="POP", indicators=("A.1",), k=2.0, compare=Compare.POP, min_history=6)
    yoy = _rule("fluctuation", code="YOY", indicators=("A.1",), k=2.0, compare=Compare.YOY, min_history=6)
    found = findings_evaluate([pop, yoy], data, periods=["2025-01"])
    assert [(f.rule, f.value) for f in found] == [("POP", pytest.approx(3.9))]
    assert dict(found[0].facts.extra)["比较方式"] == "环比"


def test_fluctuation_needs_the_base_period_in_the_data():
    # 2025-01, 2025-03 … : March has no February to change from, so the history is one change shorter.
    rows = "甲,A.1,2025-01,1\n甲,A.1,2025-03,2\n甲,A.1,2025-04,3\n甲,A.1,2025-05,4\n甲,A.1,2025-06,9"
    rule = _rule("fluctuation", indicators=("A.1",), k=1.0, compare=Compare.POP, min_history=2)
    found = findings_evaluate([rule], _input(rows))
    # changes: Apr +1, May +1, Jun +5; at June the history [1, 1] has sd 0, and 5 > 0.
    assert _fired(found) == [("R1", "甲", "A.1", "2025-06", 5.0, 0.0)]
    assert dict(found[0].facts.extra)["此前变化次数"] == "2"


def test_fluctuation_matches_periods_however_they_are_written():
    rows = "甲,A.1,2024Q1,1\n甲,A.1,2024Q2,2\n甲,A.1,2024-Q3,3\n甲,A.1,2024Q4,9"
    rule = _rule("fluctuation", indicators=("A.1",), k=1.0, compare=Compare.POP, min_history=2)
    found = findings_evaluate([rule], _input(rows))
    assert _fired(found) == [("R1", "甲", "A.1", "2024Q4", 6.0, 0.0)]
    assert dict(found[0].facts.extra)["基期"] == "2024年第3季度"


# ------------------------------------------------------------------------------------ facts from records


def test_overdue_warns_on_late_share_or_open_cases():
    facts = [
        OverdueFact("甲", "2025-03", "B", "service_cases", finished=20, late=2, open_overdue=1, cases=("c1", "c2")),
        OverdueFact("乙", "2025-03", "B", "service_cases", finished=20, late=1, open_overdue=3),
        OverdueFact("丙", "2025-03", "B", "other", finished=20, late=9, open_overdue=9),
    ]
    data = _input("甲,B,2025-03,5\n乙,B,2025-03,5\n丙,B,2025-03,5", overdue=facts)
    share = _rule("overdue", code="SHARE", limit=0.05)  # only the late share: 2/20 = 10 % > 5 %
    opened = _rule("overdue", code="OPEN")  # no limit: open cases > 0
    both = _rule("overdue", code="BOTH", limit=0.2, open_limit=2)
    found = findings_evaluate([share, opened, both], data)
    assert _fired(found) == [("SHARE", "甲", "B", "2025-03", 0.1, 0.05), ("OPEN", "甲", "B", "2025-03", 1.0, 0.0),
                             ("OPEN", "乙", "B", "2025-03", 3.0, 0.0), ("BOTH", "乙", "B", "2025-03", 3.0, 2.0)]
    assert found[0].cases == ("c1", "c2")
    assert "办结20件，其中超期办结2件（10%），允许5%；超期未办结1件" in found[0].explanation


def test_missing_report_gives_one_finding_per_item():
    missing = [MissingReportFact("甲", "2025-03", "A.1", "2025年3月填报", "2025-04-10", departments="市法院")]
    data = _input("甲,B,2025-03,5", missing=missing)
    found = findings_evaluate([_rule("missing_report", severity=Severity.YELLOW)], data)
    assert _fired(found) == [("R1", "甲", "A.1", "2025-03", 1.0, 0.0)]
    text = found[0].explanation
    assert "“收回债务所需的时间”" in text and "2025年4月10日" in text and "2025年3月填报" in text and "市法院" in text


# ----------------------------------------------------------------------------------------------- scope


def test_region_groups_limit_whom_a_rule_warns_but_not_whom_it_compares_with():
    data = _input("甲,B,2025-03,9\n乙,B,2025-03,5\n丙,B,2025-03,4",
                  groups={"甲": "县", "乙": "开发区", "丙": "县"})
    found = findings_evaluate([_rule("lag_best", indicators=("B",), gap=20.0, region_groups=("开发区",))], data)
    # the best (甲, 90) is outside 开发区 and still the one 乙 is compared with
    assert _fired(found) == [("R1", "乙", "B", "2025-03", pytest.approx(50.0), pytest.approx(90.0))]


@pytest.mark.parametrize("kind", ["threshold", "lag_best", "lag_benchmark", "fluctuation", "bottom_rank"])
def test_a_rule_without_its_parameter_finds_nothing(kind):
    data = _input("甲,A.1,2025-03,9\n乙,A.1,2025-03,1", benchmarks={"A.1": (1.0, "")})
    assert findings_evaluate([_rule(kind, indicators=("A.1",), compare=Compare.POP)], data) == []


def test_disabled_rules_are_skipped():
    data = _input("甲,A.1,2025-03,9")
    assert findings_evaluate([_rule("threshold", indicators=("A.1",), line=1.0, enabled=False)], data) == []


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        (_rule("threshold", indicators=("A.1",), line=1.0), ["A.1"]),
        (_rule("lag_benchmark", ratio=0.1), ["A.1", "A.2", "B"]),
        (_rule("lag_benchmark", level="leaves", ratio=0.1), ["A.1", "A.2", "B"]),
        (_rule("lag_best", gap=1.0), [TOTAL, "A", "A.1", "A.2", "B"]),
        (_rule("lag_best", level=0, gap=1.0), [TOTAL]),
        (_rule("bottom_rank", level=1, n=1), ["A", "B"]),
        (_rule("bottom_rank", level=2, n=1), ["A.1", "A.2"]),
        (_rule("bottom_rank", level="leaves", n=1), ["A.1", "A.2", "B"]),
    ],
)
def test_scope_of_a_rule(rule, expected):
    system = _system()
    assert [system.codes[n] for n in scope_nodes(rule, system)] == expected


def test_findings_are_ordered_by_period_rule_region_and_indicator():
    rows = "\n".join(f"{r},{c},{p},9" for p in ("2025-04", "2025-03") for r in ("乙", "甲") for c in ("A.1", "B"))
    data = _input(rows)
    rules = [_rule("threshold", code="Z", indicators=("A.1",), line=1.0),
             _rule("bottom_rank", code="A", level="leaves", n=0),
             _rule("threshold", code="M", indicators=("A.1",), line=2.0)]
    found = findings_evaluate(rules, data)
    assert [(f.period, f.rule, f.region) for f in found] == [
        ("2025-03", "Z", "乙"), ("2025-03", "Z", "甲"), ("2025-03", "M", "乙"), ("2025-03", "M", "甲"),
        ("2025-04", "Z", "乙"), ("2025-04", "Z", "甲"), ("2025-04", "M", "乙"), ("2025-04", "M", "甲")]


def test_periods_limit_what_is_reported_but_history_still_counts():
    data = _input(_series("甲", "A.1", [1, 2, 4, 5, 9, 20]))
    rule = _rule("fluctuation", indicators=("A.1",), k=2.0, compare=Compare.POP, min_history=3)
    assert [f.period for f in findings_evaluate([rule], data)] == ["2025-05", "2025-06"]
    assert [f.period for f in findings_evaluate([rule], data, periods={"2025-06"})] == ["2025-06"]


# --------------------------------------------------------------------------------------------- sentences


def test_the_sentence_gives_every_figure_in_chinese():
    rows = ("宁波市,A.1,2025-03,2\n湖州市,A.1,2025-03,0.5\n温州市,A.1,2025-03,1.5\n杭州市,A.1,2025-03,1\n"
            "宁波市,B,2025-03,5\n湖州市,B,2025-03,8")
    data = _input(rows, benchmarks={"A.1": (0.9, "芬兰")}, scope_name="全省地市")
    found = findings_evaluate([_rule("threshold", indicators=("A.1",), line=1.8)], data)
    assert len(found) == 1
    text = found[0].explanation
    assert text == ("“收回债务所需的时间”属于一级指标“办理破产”，2025年3月全省地市平均值为1.25年（标杆：芬兰0.90年），"
                    "最优的湖州市为0.50年，宁波市为2年，高于预警线1.80年，全省地市排名倒数第1位（共4个地区）。")
    assert found[0].facts.average == pytest.approx(1.25)


@pytest.mark.parametrize(
    "rule",
    [
        _rule("threshold", indicators=("A.1", "A.2"), line=50.0),
        _rule("lag_best", gap=1.0),
        _rule("bottom_rank", n=1),
        _rule("lag_benchmark", ratio=0.01),
        _rule("fluctuation", k=0.5, compare=Compare.YOY, min_history=2),
    ],
)
def test_sentences_show_no_codes(rule):
    rows = "\n".join(_series(r, c, [v + i for i in range(16)], start_year=2024)
                     for r, v in (("东城区", 1), ("西山县", 3)) for c in ("A.1", "A.2", "B"))
    data = _input(rows, benchmarks={"A.1": (0.5, "芬兰"), "A.2": (99.0, "")})
    found = findings_evaluate([rule], data)
    assert found
    for finding in found:
        assert re.search(r"[A-Za-z]", finding.explanation) is None, finding.explanation
        # the sentence is made from the facts alone, so a stored finding can be worded again
        assert explanation_text(finding.facts, rule_kind=rule.kind) == finding.explanation


def test_explanation_facts_of_one_finding_equal_those_of_the_run():
    data = _input(_series("甲", "A.1", [1, 2, 4, 5, 9]) + "\n" + _series("乙", "A.1", [1, 1, 1, 1, 1]))
    rule = _rule("fluctuation", indicators=("A.1",), k=2.0, compare=Compare.POP, min_history=3)
    [finding] = findings_evaluate([rule], data)
    facts = explanation_facts(data, rule, region="甲", indicator="A.1", period="2025-05", value=finding.value,
                              reference=finding.reference)
    assert facts == finding.facts
    assert explanation_text(facts, rule_kind=rule.kind) == finding.explanation
