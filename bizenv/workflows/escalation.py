"""Which escalation step is due, pure: 提醒 → 提醒函 → 督办 → 约谈 for warnings and work items left unattended.

A target (a warning or an item) has been unattended for a number of working days and has had some steps already.
The steps go in order and each is taken once: the next step is the first enabled one after the last step taken
(a step the office took by hand — a letter from the warning's page, an interview recorded — counts as taken, and
the steps before it are passed over). It is due once the target has been unattended for its rule's working days.
At most one step is taken per target per day, so a target found 25 working days unattended on the first run is
reminded today, sent a letter tomorrow, and so on. A disabled step is skipped; a step whose rule does not cover the
warning's severity is skipped for that warning. Nothing here reads the database or the calendar: the caller counts
the working days (`item_unattended_workdays` says how for items).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

REMIND, LETTER, SUPERVISE, INTERVIEW = "remind", "letter", "supervise", "interview"
STEP_ORDER: tuple[str, ...] = (REMIND, LETTER, SUPERVISE, INTERVIEW)
STEP_LABELS = {REMIND: "提醒", LETTER: "提醒函", SUPERVISE: "督办", INTERVIEW: "约谈"}
WARNING, ITEM = "warning", "item"
TARGET_LABELS = {WARNING: "预警", ITEM: "任务"}

# The defaults the office starts from (working days unattended): a warning counts from the day it was raised
# without a measure reported; an item counts from its deadline (or from the end of its acceptance period).
DEFAULT_RULES: dict[str, dict[str, int]] = {
    WARNING: {REMIND: 3, LETTER: 5, SUPERVISE: 10, INTERVIEW: 20},
    ITEM: {REMIND: 1, LETTER: 3, SUPERVISE: 5, INTERVIEW: 10},
}
# An issued item should be accepted within this many working days; after that it is unattended even before its
# deadline.
ACCEPT_WITHIN_WORKDAYS = 3


@dataclass(frozen=True, slots=True)
class RuleFact:
    """One escalation rule as the planner needs it."""

    step: str
    after_workdays: int
    severities: tuple[str, ...] = ()
    enabled: bool = True
    rule_id: int | None = None

    def covers(self, severity: str) -> bool:
        return not self.severities or not severity or severity in self.severities


@dataclass(frozen=True, slots=True)
class TargetFact:
    """A warning or item: how long it has been unattended and the steps it has had."""

    target: str  # WARNING or ITEM
    pk: int
    workdays: int
    taken: frozenset[str] = frozenset()
    last_on: date | None = None  # the day of the latest step taken
    severity: str = ""  # warnings only


@dataclass(frozen=True, slots=True)
class Due:
    """A step to take today."""

    target: str
    pk: int
    step: str
    workdays: int
    after_workdays: int
    rule_id: int | None


def _candidates(taken: Collection[str]) -> tuple[str, ...]:
    """The steps still ahead: those after the last step taken, in order."""
    last = max((STEP_ORDER.index(s) for s in taken if s in STEP_ORDER), default=-1)
    return STEP_ORDER[last + 1:]


def step_due(*, workdays: int, taken: Collection[str], last_on: date | None, as_of: date,
             rules: Sequence[RuleFact], severity: str = "") -> RuleFact | None:
    """The rule of the step to take today, or None: nothing when a step was already taken today (or later);
    otherwise the first enabled step ahead, if the target has been unattended for its working days."""
    if last_on is not None and last_on >= as_of:
        return None
    by_step = {r.step: r for r in rules}
    for step in _candidates(taken):
        rule = by_step.get(step)
        if rule is None or not rule.enabled or not rule.covers(severity):
            continue
        return rule if workdays >= rule.after_workdays else None
    return None


def next_step(*, taken: Collection[str], rules: Sequence[RuleFact], severity: str = "") -> RuleFact | None:
    """The next step ahead whatever the days (for a page to say “满 5 个工作日发提醒函”), None at the end."""
    by_step = {r.step: r for r in rules}
    for step in _candidates(taken):
        rule = by_step.get(step)
        if rule is not None and rule.enabled and rule.covers(severity):
            return rule
    return None


def escalation_plan(*, targets: Sequence[TargetFact], rules: Mapping[str, Sequence[RuleFact]],
                    as_of: date) -> list[Due]:
    """The steps due today, at most one per target, warnings first then items, each in the order given."""
    out = []
    for fact in targets:
        rule = step_due(workdays=fact.workdays, taken=fact.taken, last_on=fact.last_on, as_of=as_of,
                        rules=rules.get(fact.target, ()), severity=fact.severity)
        if rule is not None:
            out.append(Due(fact.target, fact.pk, rule.step, fact.workdays, rule.after_workdays, rule.rule_id))
    return sorted(out, key=lambda d: 0 if d.target == WARNING else 1)


def item_unattended_workdays(*, overdue_workdays: int, since_issue_workdays: int, accepted: bool,
                             accept_within: int = ACCEPT_WITHIN_WORKDAYS) -> int:
    """Working days an open item has been unattended: past its deadline, or — while not yet accepted — past its
    acceptance period (the larger of the two; 0 when neither has passed)."""
    late = max(0, overdue_workdays)
    if not accepted:
        late = max(late, since_issue_workdays - accept_within)
    return max(0, late)


def rules_out_of_order(rules: Sequence[RuleFact]) -> list[tuple[str, str]]:
    """Pairs of enabled steps whose days do not grow with the order (a later step needing fewer days than an earlier
    one): allowed — the later step then follows the earlier one a day later — but worth telling the office."""
    enabled = sorted((r for r in rules if r.enabled), key=lambda r: STEP_ORDER.index(r.step))
    return [(a.step, b.step) for a, b in zip(enabled, enabled[1:], strict=False) if b.after_workdays <= a.after_workdays]
