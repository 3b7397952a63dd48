"""What the monitoring rules are and what they find, as plain data (no ORM): the rule kinds and severities,
one rule's settings, the inputs a rule set is evaluated over, and a finding with the facts of its 预警说明.

`rules.py` evaluates rules over a `MonitorInput`; `rulefile.py` reads and writes rule files; `explain.py`
turns `ExplanationFacts` into the Chinese sentence. The database side (selectors) only builds a `MonitorInput`
from stored data, so the file-only check and the platform compute every warning the same way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np

from bizenv.evaluation.scoring import CompiledSystem, Evaluation


class RuleKind(StrEnum):
    THRESHOLD = "threshold"
    LAG_BEST = "lag_best"
    LAG_BENCHMARK = "lag_benchmark"
    FLUCTUATION = "fluctuation"
    BOTTOM_RANK = "bottom_rank"
    OVERDUE = "overdue"
    MISSING_REPORT = "missing_report"


RULE_KIND_LABELS: dict[str, str] = {
    RuleKind.THRESHOLD: "超出预警线",
    RuleKind.LAG_BEST: "落后最优地区",
    RuleKind.LAG_BENCHMARK: "落后标杆值",
    RuleKind.FLUCTUATION: "同比环比异常波动",
    RuleKind.BOTTOM_RANK: "排名末位",
    RuleKind.OVERDUE: "办件超期",
    RuleKind.MISSING_REPORT: "逾期未报",
}

# Kinds that the file-only check can evaluate (the others need raw records or reporting rounds).
FILE_KINDS = frozenset({RuleKind.THRESHOLD, RuleKind.LAG_BEST, RuleKind.LAG_BENCHMARK, RuleKind.FLUCTUATION,
                        RuleKind.BOTTOM_RANK})


class Severity(StrEnum):
    RED = "red"
    ORANGE = "orange"
    YELLOW = "yellow"


SEVERITY_LABELS: dict[str, str] = {Severity.RED: "红色", Severity.ORANGE: "橙色", Severity.YELLOW: "黄色"}
# Higher is more severe (for "highest severity" on the map and sorting).
SEVERITY_ORDER: dict[str, int] = {Severity.YELLOW: 1, Severity.ORANGE: 2, Severity.RED: 3}


class Compare(StrEnum):
    POP = "pop"  # 环比: against the previous period
    YOY = "yoy"  # 同比: against the same period a year earlier


COMPARE_LABELS: dict[str, str] = {Compare.POP: "环比", Compare.YOY: "同比"}

LEAVES = "leaves"  # `level: leaves` — every leaf of the tree


@dataclass(frozen=True)
class RuleSpec:
    """One warning rule. The scope is `indicators` (codes) or `level` (0 = TOTAL, 1 = first-level, …, or
    "leaves"); with neither, every leaf for value rules and every node for score rules. `region_groups`
    limits the rule to regions of those 同类分组 (empty: every region)."""

    code: str
    kind: RuleKind
    severity: Severity
    name: str = ""
    indicators: tuple[str, ...] = ()
    level: int | str | None = None
    region_groups: tuple[str, ...] = ()
    line: float | None = None  # threshold: the 预警线 in the indicator's unit
    gap: float | None = None  # lag_best: points behind the best region's score
    ratio: float | None = None  # lag_benchmark: relative distance to the benchmark best value (0.2 = 20 %)
    k: float | None = None  # fluctuation: standard deviations
    compare: Compare | None = None  # fluctuation: pop or yoy
    min_history: int | None = None  # fluctuation: earlier changes needed
    n: int | None = None  # bottom_rank: the last n regions
    limit: float | None = None  # overdue: the share of late cases allowed (0.05 = 5 %)
    open_limit: int | None = None  # overdue: open cases past their limit allowed (default 0)
    dataset: str = ""  # overdue: the raw-record dataset (default service_cases)
    description: str = ""
    enabled: bool = True

    @property
    def label(self) -> str:
        return self.name or RULE_KIND_LABELS.get(self.kind, str(self.kind))


@dataclass(frozen=True)
class OverdueFact:
    """Cases of one region and month in a dataset with a statutory limit (from the raw records)."""

    region: str
    period: str
    indicator: str  # the indicator the dataset informs (e.g. the 政务服务 first-level code)
    dataset: str
    finished: int  # cases finished in the period
    late: int  # of those, finished after their statutory limit
    open_overdue: int  # cases still open at the check date and already past their limit
    cases: tuple[str, ...] = ()  # record ids of late and open-overdue cases (at most a few hundred)

    @property
    def late_share(self) -> float | None:
        return self.late / self.finished if self.finished else None


@dataclass(frozen=True)
class MissingReportFact:
    """A reporting-round item (indicator × region) not submitted by its deadline."""

    region: str
    period: str  # the round's period (the month whose monitoring reports it)
    indicator: str
    round_name: str
    deadline: str  # ISO date
    departments: str = ""  # who owes it, for the sentence
    item_period: str = ""  # the value's own period (2026-Q3 for a quarterly value owed in the September round)


@dataclass(frozen=True)
class MonitorInput:
    """Everything rules are evaluated over: values and their scores for regions × periods (the arrays of
    evaluation.scoring, scored exactly as `bizenv evaluate` scores them), plus the facts from raw records and
    reporting rounds. `periods` are sorted ascending."""

    system: CompiledSystem
    regions: tuple[str, ...]
    region_names: tuple[str, ...]
    periods: tuple[str, ...]
    values: np.ndarray  # (R, P, L) NaN where missing, N/A or No Practice
    not_applicable: np.ndarray  # (R, P, L) bool
    no_practice: np.ndarray  # (R, P, L) bool
    evaluation: Evaluation
    benchmarks: Mapping[str, tuple[float, str]] = field(default_factory=dict)  # code -> (best value, cities)
    region_groups: Mapping[str, str] = field(default_factory=dict)  # region code -> 同类分组
    overdue: Sequence[OverdueFact] = ()
    missing: Sequence[MissingReportFact] = ()
    scope_name: str = ""  # e.g. "全市" or "全省地市", used in the sentence ("全市排名倒数第 2 位")


# Not frozen: a province run builds hundreds of thousands of these, and a frozen dataclass's __init__ costs
# about twice as much; treat them as values all the same.
@dataclass(slots=True)
class ExplanationFacts:
    """The figures of one 预警说明, every one computed (None where not known)."""

    indicator: str
    indicator_name: str
    parent: str  # first-level ancestor code ("" when the indicator is first-level or TOTAL)
    parent_name: str
    unit: str  # the unit of the compared figures ("分" for scores)
    measure: str  # "value" (the indicator's own value) or "score"
    direction: str  # lower_better / higher_better (scores are higher_better)
    region: str
    region_name: str
    period: str
    own: float | None
    average: float | None  # over the regions with a figure in that period
    best_region: str
    best_region_name: str
    best: float | None
    benchmark: float | None
    benchmark_cities: str
    reference: float | None  # what the own figure was compared with
    reference_label: str  # e.g. "预警线", "最优地区得分", "末 3 位", "2 倍标准差"
    rank_from_bottom: int | None  # 1 = last
    ranked: int | None  # how many regions have a figure
    extra: tuple[tuple[str, str], ...] = ()  # further labelled figures (e.g. 超期件数), in display order


@dataclass(slots=True)
class Finding:
    """One rule firing for one region, indicator and period."""

    rule: str
    kind: RuleKind
    severity: Severity
    region: str
    indicator: str  # an indicator code, or TOTAL
    period: str
    value: float  # the value or score compared
    reference: float  # the line, best score, benchmark bound, rank bound or k × sd it was compared with
    explanation: str  # the Chinese sentence
    facts: ExplanationFacts
    cases: tuple[str, ...] = ()  # overdue: the record ids behind the warning

    @property
    def key(self) -> tuple[str, str, str]:
        """One warning per rule, region and indicator while the condition lasts."""
        return (self.rule, self.region, self.indicator)
