"""The 台账 Excel export: one row per visible item with its dates, status, standing and latest feedback; every
timeline step; the 按期完成率 sheet with the command's numbers; and no cell ever read as a formula."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from bizenv.cli import main
from bizenv.workflows import ledger
from bizenv.workflows.plan_services import plan_import
from bizenv.workflows.tests.world import *  # noqa: F403
from bizenv.workflows.tests.world import act

LEDGER = ("code,title,assignee,deadline,issued,approved\n"
          "TZ-001,优化不动产登记流程,samr,2026-06-30,2026-03-02,2026-06-20\n"
          "TZ-002,推进水电气联合报装,power,2026-09-30,2026-04-01,2026-10-12\n"
          "TZ-003,清理涉企收费,990101,2026-11-15,2026-10-08,\n"
          "TZ-004,@SUM(A1:A9) 编制年度报告,990102,2026-11-20,2026-10-09,2026-11-20\n")


@pytest.fixture
def items(version, counties, office, county_user, make_item):
    plan_import(actor=office, filename="台账.csv", content=LEDGER.encode())
    pending = make_item(assignee="990101", title="=HYPERLINK(\"http://evil.example\",\"点我\")",
                        deadline=date(2026, 12, 20), indicator_codes=["starting.time"])
    act(pending, "accept", county_user)
    act(pending, "feedback", county_user, reason="已完成流程梳理", progress=30)
    act(pending, "feedback", county_user, reason="-1+1 已压减两个环节", progress=60)
    act(make_item(assignee="samr", title="作废的任务"), "cancel", office, reason="任务调整")
    make_item(assignee="power", title="尚未下发的草稿", issue=False)
    return pending


def sheet_rows(ws) -> list[dict]:
    rows = list(ws.iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def download(client, user, query: str = ""):
    client.force_login(user)
    response = client.get("/workflows/ledger.xlsx" + query)
    assert response.status_code == 200
    assert response["Content-Type"] == ledger.XLSX_TYPE and "attachment" in response["Content-Disposition"]
    return load_workbook(io.BytesIO(response.content))


def test_the_ledger_has_one_row_per_item_with_dates_status_and_standing(items, client, office):
    wb = download(client, office)
    assert wb.sheetnames == ["任务台账", "办理记录", "按期完成率"]
    rows = {r["任务编号"]: r for r in sheet_rows(wb["任务台账"])}
    assert len(rows) == 7
    on_time, late, overdue, same_day = rows["TZ-001"], rows["TZ-002"], rows["TZ-003"], rows["TZ-004"]
    assert on_time["任务名称"] == "优化不动产登记流程" and on_time["任务类型"] == "年度任务"
    assert on_time["下发单位"] == "市营商环境建设专班办公室" and on_time["责任单位"] == "市市场监管局"
    assert on_time["完成时限"] == datetime(2026, 6, 30) and on_time["下发日期"] == datetime(2026, 3, 2)
    assert on_time["办结日期"] == datetime(2026, 6, 20) and on_time["状态"] == "已办结"
    assert on_time["任务来源"] == "台账导入" and on_time["进度（%）"] == 100
    assert (on_time["按期情况"], on_time["逾期天数"]) == ("按期完成", None)
    assert (late["按期情况"], late["逾期天数"]) == ("逾期完成", 12)
    assert (overdue["按期情况"], overdue["逾期天数"], overdue["状态"]) == ("逾期未完成", 18, "待受理")
    assert same_day["按期情况"] == "按期完成"
    header = [c.value for c in wb["任务台账"][1]]
    tz001 = next(r for r in wb["任务台账"].iter_rows(min_row=2) if r[0].value == "TZ-001")
    deadline_cell = tz001[header.index("完成时限")]
    assert deadline_cell.is_date and deadline_cell.number_format == 'yyyy"年"m"月"d"日"'  # shown 2026年6月30日
    pending = rows[items.code]
    assert pending["状态"] == "办理中" and pending["进度（%）"] == 60 and pending["按期情况"] == "未到期"
    assert pending["涉及指标"] == "开办企业时间" and pending["受理日期"] == datetime(2026, 12, 3)
    last = items.events.filter(action="feedback").last()
    assert pending["最新反馈"] == "-1+1 已压减两个环节"
    assert pending["最新反馈日期"].date() == timezone.localtime(last.at).date()
    by_title = {r["任务名称"]: r for r in rows.values()}
    assert by_title["作废的任务"]["按期情况"] == "不计（已撤销）" and by_title["作废的任务"]["状态"] == "已撤销"
    assert by_title["尚未下发的草稿"]["按期情况"] == "不计（未下发）"


def test_every_timeline_step_is_on_the_second_sheet(items, client, office):
    events = sheet_rows(download(client, office)["办理记录"])
    steps = [(e["操作"], e["新状态"], e["内容"]) for e in events if e["任务编号"] == items.code]
    assert [s[0] for s in steps] == ["创建", "下发", "受理", "反馈", "反馈"]
    assert steps[-1] == ("反馈", "办理中", "-1+1 已压减两个环节")
    closed = [(e["操作"], e["新状态"]) for e in events if e["任务编号"] == "TZ-001"]
    assert closed == [("创建", "草稿"), ("下发", "待受理"), ("审核通过", "已办结")]
    assert all(isinstance(e["时间"], datetime) for e in events)


def test_text_beginning_with_formula_characters_stays_text(items, client, office):
    wb = download(client, office)
    ws = wb["任务台账"]
    cells = {c.value: c for row in ws.iter_rows() for c in row if isinstance(c.value, str)}
    for text in ('=HYPERLINK("http://evil.example","点我")', "-1+1 已压减两个环节", "@SUM(A1:A9) 编制年度报告"):
        assert cells[text].data_type == "s" and cells[text].quotePrefix, text
    assert not any(c.data_type == "f" for sheet in wb for row in sheet.iter_rows() for c in row)


@pytest.mark.parametrize("value", ["=1+2", "+1", "-1", "@A1", "\tx", "\rx"])
def test_put_writes_every_dangerous_start_as_text(value):
    from openpyxl import Workbook

    wb = Workbook()
    ledger.put(wb.active, 1, 1, value)
    buf = io.BytesIO()
    wb.save(buf)
    cell = load_workbook(io.BytesIO(buf.getvalue())).active["A1"]
    assert cell.data_type == "s" and cell.quotePrefix


def _stats_sheet(ws) -> dict[str, dict[str, tuple]]:
    out: dict[str, dict[str, tuple]] = {}
    section = ""
    for row in ws.iter_rows(min_row=4, values_only=True):
        if row[0] in ("按责任部门", "按责任地区", "全部任务"):
            section = row[0]
            out[section] = {}
        elif row[2] is not None and row[0] != "单位编码" and section:
            out[section][row[0] or "合计"] = row
    return out


def _cli(tmp_path, by: str) -> dict[str, dict]:
    out = tmp_path / f"{by}.csv"
    assert main(["workitems", "stats", "--by", by, "--out", str(out)]) == 0
    with out.open(encoding="utf-8-sig") as handle:
        return {r["unit"]: r for r in csv.DictReader(handle)}


def test_the_rate_sheet_has_the_commands_numbers(items, client, office, tmp_path):
    sheet = _stats_sheet(download(client, office)["按期完成率"])
    for section, by in (("按责任部门", "department"), ("按责任地区", "region")):
        cli = _cli(tmp_path, by)
        assert set(sheet[section]) == set(cli)
        for unit, row in sheet[section].items():
            due, on_time, overdue, rate = row[2], row[3], row[4], row[6]
            assert (str(due), str(on_time), str(overdue)) == (cli[unit]["due"], cli[unit]["on_time"],
                                                              cli[unit]["overdue"])
            assert (rate == "—" and cli[unit]["rate"] == "") or float(cli[unit]["rate"]) == rate
    assert sheet["按责任部门"]["samr"][2:7] == (1, 1, 0, 0, 1)
    assert sheet["按责任部门"]["power"][2:7] == (1, 0, 1, 0, 0)
    assert sheet["按责任地区"]["990101"][2:6] == (1, 0, 1, 1)
    assert sheet["全部任务"]["合计"][2:6] == (4, 2, 2, 1)


def test_filters_and_scope_follow_the_workbench(items, client, county_user, office):
    mine = {r["任务编号"] for r in sheet_rows(download(client, county_user)["任务台账"])}
    assert mine == {"TZ-003", items.code}
    events = {r["任务编号"] for r in sheet_rows(download(client, county_user)["办理记录"])}
    assert events == mine
    closed = {r["任务编号"] for r in sheet_rows(download(client, office, "?status=approved")["任务台账"])}
    assert closed == {"TZ-001", "TZ-002", "TZ-004"}
    samr = {r["任务名称"] for r in sheet_rows(download(client, office, "?unit=samr")["任务台账"])}
    assert samr == {"优化不动产登记流程", "作废的任务"}
    assert not sheet_rows(download(client, office, "?kind=materials")["任务台账"])
