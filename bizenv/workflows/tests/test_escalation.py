"""Which escalation step is due (pure): in order, one a day, never twice, disabled and other-severity steps
skipped, steps taken by hand passing over the ones before them; and how long an item has been unattended."""

from __future__ import annotations

from datetime import date

import pytest

from bizenv.workflows.escalation import (
    DEFAULT_RULES,
    ITEM,
    WARNING,
    RuleFact,
    TargetFact,
    escalation_plan,
    item_unattended_workdays,
    next_step,
    rules_out_of_order,
    step_due,
)

TODAY = date(2026, 12, 3)
YESTERDAY = date(2026, 12, 2)


def rules_of(target: str = WARNING, **changes) -> list[RuleFact]:
    out = []
    for step, days in DEFAULT_RULES[target].items():
        change = changes.get(step, {})
        out.append(RuleFact(step=step, after_workdays=change.get("days", days), severities=change.get("sev", ()),
                            enabled=change.get("enabled", True), rule_id=len(out) + 1))
    return out


def due(workdays, taken=(), last_on=None, rules=None, severity=""):
    rule = step_due(workdays=workdays, taken=set(taken), last_on=last_on, as_of=TODAY,
                    rules=rules if rules is not None else rules_of(), severity=severity)
    return rule.step if rule else None


@pytest.mark.parametrize(("workdays", "taken", "expected"), [
    (0, (), None),
    (2, (), None),  # 提醒 after 3
    (3, (), "remind"),
    (4, ("remind",), None),  # 提醒函 after 5
    (5, ("remind",), "letter"),
    (9, ("remind", "letter"), None),
    (10, ("remind", "letter"), "supervise"),
    (19, ("remind", "letter", "supervise"), None),
    (20, ("remind", "letter", "supervise"), "interview"),
    (60, ("remind", "letter", "supervise", "interview"), None),  # the last step done: nothing more
])
def test_the_default_warning_steps_follow_the_working_days(workdays, taken, expected):
    assert due(workdays, taken) == expected


def test_a_long_unattended_warning_climbs_one_step_a_day_in_order():
    taken: set[str] = set()
    last_on = None
    seen = []
    for day in (date(2026, 12, 1), date(2026, 12, 2), date(2026, 12, 3), date(2026, 12, 4), date(2026, 12, 7)):
        rule = step_due(workdays=25, taken=taken, last_on=last_on, as_of=day, rules=rules_of())
        if rule is not None:
            taken.add(rule.step)
            last_on = day
        seen.append(rule.step if rule else None)
    assert seen == ["remind", "letter", "supervise", "interview", None]


def test_one_step_per_day_and_a_rerun_takes_nothing():
    assert due(25, ("remind",), last_on=TODAY) is None
    assert due(25, ("remind",), last_on=YESTERDAY) == "letter"
    # a step recorded for a later day (a back-dated run) also blocks
    assert due(25, ("remind",), last_on=date(2026, 12, 10)) is None


def test_a_disabled_step_is_skipped_and_the_next_waits_for_its_own_days():
    rules = rules_of(letter={"enabled": False})
    assert due(5, ("remind",), rules=rules) is None  # 督办 needs 10
    assert due(10, ("remind",), rules=rules) == "supervise"


def test_a_step_for_other_severities_is_skipped_for_this_warning():
    rules = rules_of(supervise={"sev": ("red",)})
    assert due(20, ("remind", "letter"), rules=rules, severity="yellow") == "interview"
    assert due(20, ("remind", "letter"), rules=rules, severity="red") == "supervise"


def test_a_step_taken_by_hand_passes_over_the_ones_before_it():
    # the office sent a letter from the warning's page on day 2: no reminder afterwards, 督办 comes next
    assert due(4, ("letter",)) is None
    assert due(10, ("letter",)) == "supervise"
    # an interview recorded by hand ends the ladder
    assert due(30, ("interview",)) is None


def test_without_rules_nothing_is_due():
    assert due(100, rules=[]) is None


def test_next_step_says_what_comes_whatever_the_days():
    rule = next_step(taken={"remind"}, rules=rules_of())
    assert (rule.step, rule.after_workdays) == ("letter", 5)
    assert next_step(taken={"interview"}, rules=rules_of()) is None


def test_the_plan_takes_warnings_first_and_one_step_each():
    targets = [
        TargetFact(ITEM, 7, workdays=1),
        TargetFact(WARNING, 3, workdays=3, severity="red"),
        TargetFact(WARNING, 4, workdays=2),
        TargetFact(ITEM, 8, workdays=12, taken=frozenset({"remind"}), last_on=YESTERDAY),
        TargetFact(ITEM, 9, workdays=12, taken=frozenset({"remind"}), last_on=TODAY),
    ]
    plan = escalation_plan(targets=targets, rules={WARNING: rules_of(WARNING), ITEM: rules_of(ITEM)}, as_of=TODAY)
    assert [(d.target, d.pk, d.step) for d in plan] == [
        (WARNING, 3, "remind"), (ITEM, 7, "remind"), (ITEM, 8, "letter")]
    assert plan[0].after_workdays == 3 and plan[0].rule_id == 1


@pytest.mark.parametrize(("overdue", "since_issue", "accepted", "expected"), [
    (0, 2, False, 0),  # within the 3 working days to accept
    (0, 5, False, 2),  # 2 working days past the acceptance period
    (4, 10, False, 7),  # the longer of the two
    (4, 10, True, 4),  # accepted: only the deadline counts
    (0, 0, True, 0),
])
def test_an_item_is_unattended_past_its_deadline_or_its_acceptance_period(overdue, since_issue, accepted, expected):
    assert item_unattended_workdays(overdue_workdays=overdue, since_issue_workdays=since_issue,
                                    accepted=accepted) == expected


def test_rules_out_of_order_are_named():
    assert rules_out_of_order(rules_of()) == []
    assert rules_out_of_order(rules_of(letter={"days": 2})) == [("remind", "letter")]
    assert rules_out_of_order(rules_of(letter={"days": 2, "enabled": False})) == []
