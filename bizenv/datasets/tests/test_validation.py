from datetime import datetime

import pytest

from bizenv.datasets.catalog import DATASETS
from bizenv.datasets.tests.recordkit import EAST, registration
from bizenv.datasets.validation import validate_records

DS = DATASETS["business_registrations"]
NOW = datetime(2025, 1, 1)


def check(*rows):
    return validate_records(DS, list(enumerate(rows, start=1)), known_region_codes={EAST}, now=NOW)


def reasons(outcome):
    return [(p.row_number, p.field, p.message) for p in outcome.problems]


def test_a_valid_record_is_typed():
    outcome = check(registration("A1", cost="12.5"))

    assert not outcome.quarantined
    (_, record), = outcome.accepted
    assert record["cost"] == 12.5 and record["applied_at"] == datetime(2024, 3, 4, 9)


@pytest.mark.parametrize("change,field,text", [
    ({"cost": "十元"}, "cost", "应为数值"),
    ({"record_id": ""}, "record_id", "必填项，不能为空"),
    ({"applied_at": None}, "applied_at", "必填项"),
    ({"kind": "merger"}, "kind", "不是允许的取值"),
    ({"channel": "mail"}, "channel", "不是允许的取值"),
    ({"cost": -20}, "cost", "不能为负数"),
    ({"completed": "2024-03-01 10:00:00"}, "completed_at", "早于申请时间"),
    ({"region": "110101"}, "region_code", "不是本平台已登记的区域"),
    ({"applied": "2030-01-01 00:00:00", "completed": None}, "applied_at", "晚于当前时间"),
    ({"applied": "1990-01-01 00:00:00"}, "applied_at", "早于 2000 年"),
])
def test_each_broken_rule_quarantines_the_row_with_field_and_reason(change, field, text):
    keywords = {k: v for k, v in change.items() if k in ("applied", "completed", "region")}
    row = registration("A1", **keywords)
    row.update({k: v for k, v in change.items() if k not in keywords})

    outcome = check(row)

    assert not outcome.accepted
    assert any(f == field and text in m for _, f, m in reasons(outcome)), reasons(outcome)


def test_all_problems_of_a_row_are_reported_together():
    outcome = check(registration("A1", cost=-1, kind="x", region="000000"))

    assert {f for _, f, _ in reasons(outcome)} == {"cost", "kind", "region_code"}


def test_a_missing_required_column_says_so():
    row = registration("A1")
    del row["channel"]

    outcome = check(row)

    assert ("channel" in outcome.missing_columns) and "缺少该列" in reasons(outcome)[0][2]


def test_duplicate_in_batch_counts_once_and_a_conflicting_one_is_quarantined():
    outcome = check(registration("A1"), registration("A1"), registration("A1", cost=5), registration("A2"))

    assert [n for n, _ in outcome.accepted] == [1, 4]
    assert outcome.duplicates == [2]
    assert reasons(outcome) == [(3, "record_id", "与第 1 行的 record_id（办件编号） 相同但内容不同（同一批次内的重复记录）")]
    assert outcome.rows_total == 4


def test_non_object_record_and_unknown_columns():
    outcome = check("A1", registration("A2", remark="备注"))

    assert reasons(outcome)[0][0] == 1 and "记录应为一个对象" in reasons(outcome)[0][2]
    assert outcome.unknown_columns == ["remark"]


def test_tender_ordered_pairs_and_integer_minimum():
    ds = DATASETS["tenders"]
    row = {"record_id": "T1", "region_code": EAST, "published_at": "2024-03-10", "bid_deadline_at": "2024-03-01",
           "bidder_count": -1}

    outcome = validate_records(ds, [(1, row)], known_region_codes={EAST}, now=NOW)

    assert {p.field for p in outcome.problems} == {"bid_deadline_at", "bidder_count"}
