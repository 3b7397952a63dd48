"""One number, one computation: the 按期完成率 page shows for every department and region exactly what
`bizenv workitems stats` writes, on any chosen day."""

from __future__ import annotations

import csv
import re
from datetime import date

import pytest

from bizenv.cli import main
from bizenv.workflows.tests.world import *  # noqa: F403
from bizenv.workflows.tests.world import act

LEDGER = ("code,title,assignee,deadline,issued,approved\n"
          "TZ-001,优化不动产登记流程,samr,2026-06-30,2026-03-02,2026-06-20\n"
          "TZ-002,推进水电气联合报装,power,2026-09-30,2026-04-01,2026-10-12\n"
          "TZ-003,清理涉企收费,990101,2026-11-15,2026-10-08,\n"
          "TZ-004,编制年度报告,990102,2026-12-31,2026-11-02,\n"
          "TZ-005,压缩办电时间,power,2026-08-31,2026-05-06,2026-08-31\n"
          "TZ-006,推行全程网办,990101,2026-07-31,2026-05-06,2026-08-03\n"
          "TZ-007,企业开办一日办结,samr,2026-10-30,2026-09-01,\n")


def _page_rows(html: str, by: str) -> dict[str, tuple[str, str, str, str]]:
    table = re.search(rf'<table[^>]*id="ontime-{by}".*?</table>', html, re.S)
    assert table, f"page has no table ontime-{by}"
    rows = {}
    for tag in re.findall(r"<tr[^>]*data-key=[^>]*>", table.group(0)):
        attrs = dict(re.findall(r'data-([a-z-]+)="([^"]*)"', tag))
        if 'class="total"' in tag:
            continue
        rows[attrs["key"]] = (attrs["due"], attrs["on-time"], attrs["overdue"], attrs["rate"])
    return rows


@pytest.mark.parametrize("as_of", ["2026-07-31", "2026-09-30", "2026-12-03"])
def test_the_page_equals_the_command_for_departments_and_regions(as_of, version, counties, office, county_user,
                                                                 make_item, client, tmp_path):
    path = tmp_path / "台账.csv"
    path.write_text(LEDGER, encoding="utf-8")
    assert main(["workitems", "import", str(path)]) == 0
    item = make_item(assignee="990102", deadline=date(2026, 12, 3))  # due today, still open: not yet late
    act(item, "cancel", office, reason="任务调整")  # a cancelled item never counts
    client.force_login(office)
    html = client.get("/workflows/stats/", {"as_of": as_of}).content.decode()
    for by in ("department", "region"):
        out = tmp_path / f"{by}-{as_of}.csv"
        assert main(["workitems", "stats", "--by", by, "--as-of", as_of, "--out", str(out)]) == 0
        with out.open(encoding="utf-8-sig", newline="") as handle:
            cli = {r["unit"]: (r["due"], r["on_time"], r["overdue"], r["rate"]) for r in csv.DictReader(handle)}
        page = _page_rows(html, by)
        assert set(page) == set(cli), by
        for unit, (due, on_time, overdue, rate) in cli.items():
            p_due, p_on_time, p_overdue, p_rate = page[unit]
            assert (p_due, p_on_time, p_overdue) == (due, on_time, overdue), (by, unit)
            assert (float(p_rate) if p_rate else None) == (float(rate) if rate else None), (by, unit)


def test_the_worker_creates_the_daily_escalation_schedule_once(db):
    from django_q.models import Schedule

    from bizenv.cli import schedules_ensure

    schedules_ensure()
    schedules_ensure()
    schedule = Schedule.objects.get(name="workflows.escalation_daily")
    assert schedule.func == "bizenv.workflows.tasks.escalation_daily" and schedule.schedule_type == Schedule.DAILY
