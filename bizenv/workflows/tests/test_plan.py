"""The annual plan (年度工作任务) and ledger import: the template, the dry-run preview with row-level Chinese
errors, one atomic commit, re-imports that change nothing, and every bad input leaving nothing saved."""

from __future__ import annotations

import io
import re
from datetime import date, datetime

import pytest
from openpyxl import Workbook, load_workbook

from bizenv.core.audit import audit_verify
from bizenv.core.errors import ApplicationError
from bizenv.core.models import AuditLog
from bizenv.workflows import plan
from bizenv.workflows.models import ItemEvent, ItemSource, ItemStatus, WorkItem
from bizenv.workflows.plan_services import plan_import, plan_preview, plan_template_build
from bizenv.workflows.tests.world import *  # noqa: F403

HEADERS = ["任务编号（可空，自动编号）", "任务名称", "任务说明", "任务类型", "涉及指标", "责任单位", "协办单位", "完成时限", "优先级"]


def plan_file(rows, *, merge: str = "", extra_headers=()) -> bytes:
    """The downloaded template with `rows` filled in from row 3 (columns in the template's order)."""
    wb = load_workbook(io.BytesIO(plan_template_build()))
    ws = wb[plan.DATA_SHEET]
    for offset, header in enumerate(extra_headers):
        ws.cell(row=2, column=len(HEADERS) + 1 + offset, value=header)
    for r, values in enumerate(rows, start=3):
        for c, value in enumerate(values, start=1):
            ws.cell(row=r, column=c, value=value)
    if merge:
        ws.merge_cells(merge)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def good_rows():
    return [
        ["GZ-2026-01", "压缩企业开办时间至 1 个工作日", "全程网办", "年度任务", "开办企业时间、starting.cost", "samr",
         "东湖县、990102", date(2026, 12, 25), "重要"],
        [None, "提高获得电力便利度", "", "整改任务", "", "市供电公司", "", "20个工作日", ""],
        [None, "东湖县营商环境自评", "", "", "", "东湖县", "", "2026/12/30", "紧急"],
    ]


def problems_of(result) -> list[tuple[int, str, str]]:
    return [(e.row, e.field, e.reason) for e in result.problems]


@pytest.fixture
def world(version, counties, office):
    return office


# ---------------------------------------------------------------- the template


def test_the_template_has_the_columns_lists_and_guide(world):
    wb = load_workbook(io.BytesIO(plan_template_build()))
    ws = wb[plan.DATA_SHEET]
    assert [c.value for c in ws[2]][:len(HEADERS)] == HEADERS
    lists = {tuple(dv.sqref.ranges)[0].coord.split(":")[0][0]: dv.formula1 for dv in ws.data_validations.dataValidation
             if dv.type == "list"}
    assert lists["D"] == '"年度任务,整改任务,督办事项,材料征集"' and lists["I"] == '"一般,重要,紧急"'
    assert lists["F"].startswith("'填写说明'!$B$")
    guide = wb[plan.GUIDE_SHEET]
    texts = [[c.value for c in row] for row in guide.iter_rows()]
    assert ["samr", "市市场监管局", "部门"] in texts and ["990101", "东湖县", "县"] in texts
    assert ["starting.time", "开办企业时间", "开办企业"] in texts
    assert any(row[0] == "完成时限" and "N个工作日" in row[2] for row in texts)


def test_the_guide_examples_are_accepted_today(world):
    """The 填写说明's example date and working days are inside the calendar on the day of the download (in
    December too, when next year is not covered), and the guide says who maintains the calendar."""
    from bizenv.workdays.calendar import WorkCalendar

    guide = load_workbook(io.BytesIO(plan_template_build()))[plan.GUIDE_SHEET]
    note = next(row[2] for row in guide.iter_rows(values_only=True) if row[0] == "完成时限")
    assert "2027" not in note and "工作日历" in note and "系统管理员" in note
    iso = re.search(r"(\d{4}-\d{2}-\d{2})", note).group(1)
    workdays = re.search(r"如“(\d+)个工作日”", note).group(1)
    assert date.fromisoformat(iso).year in WorkCalendar.load().covered_years
    rows = [["E-1", "示例日期", "", "", "", "samr", "", iso, ""],
            ["E-2", "示例工作日", "", "", "", "samr", "", f"{workdays}个工作日", ""]]
    assert problems_of(plan_preview(actor=world, filename="plan.xlsx", content=plan_file(rows))) == []


def test_an_empty_template_is_refused_as_having_no_rows(world):
    with pytest.raises(ApplicationError) as err:
        plan_preview(actor=world, filename="plan.xlsx", content=plan_template_build())
    assert "没有任务行" in err.value.message


# ---------------------------------------------------------------- a good plan


def test_preview_writes_nothing_and_the_import_creates_and_issues_every_item(world, dept_user, county_user):
    content = plan_file(good_rows())
    preview = plan_preview(actor=world, filename="2026年度工作任务.xlsx", content=content)
    assert problems_of(preview) == [] and preview.to_create == 3 and preview.source == ItemSource.PLAN
    assert [line.deadline_label for line in preview.lines] == ["2026年12月25日", "20个工作日（2026年12月31日）",
                                                              "2026年12月30日"]
    assert WorkItem.objects.count() == 0 and ItemEvent.objects.count() == 0

    result = plan_import(actor=world, filename="2026年度工作任务.xlsx", content=content)
    assert result.committed and result.to_create == 3
    first, power, county = (WorkItem.objects.get(code=line.code) for line in result.lines)
    assert first.code == "GZ-2026-01" and first.status == ItemStatus.ISSUED and first.source == ItemSource.PLAN
    assert first.indicator_codes == ["starting.time", "starting.cost"] and first.priority == "high"
    assert first.assignee_department.code == "samr" and first.issued_on == TODAY  # noqa: F405
    assert sorted(r.code for r in first.co_regions.all()) == ["990101", "990102"]
    assert power.code == "RW-2026-0001" and power.kind == "rectification" and power.deadline_workdays == 20
    assert power.deadline == date(2026, 12, 31) and power.assignee_department.code == "power"
    assert county.assignee_region.code == "990101" and county.deadline == date(2026, 12, 30)
    assert county.priority == "urgent" and county.kind == "annual"
    entry = AuditLog.objects.get(action="work_plan.import")
    assert entry.new_values["created"] == 3 and entry.new_values["codes"] == ["GZ-2026-01", "RW-2026-0001",
                                                                              "RW-2026-0002"]
    assert audit_verify().ok


def test_reimporting_the_same_file_changes_nothing(world):
    content = plan_file(good_rows())
    plan_import(actor=world, filename="plan.xlsx", content=content)
    events, audits = ItemEvent.objects.count(), AuditLog.objects.count()
    again = plan_import(actor=world, filename="plan.xlsx", content=content)
    assert again.to_create == 0 and again.unchanged == 3
    assert [line.code for line in again.lines] == ["GZ-2026-01", "RW-2026-0001", "RW-2026-0002"]
    assert WorkItem.objects.count() == 3 and ItemEvent.objects.count() == events
    assert AuditLog.objects.count() == audits


def test_an_existing_code_with_other_values_is_a_row_error(world):
    plan_import(actor=world, filename="plan.xlsx", content=plan_file(good_rows()))
    rows = good_rows()
    rows[0][1] = "改了名字的任务"
    rows[0][7] = date(2026, 12, 28)
    result = plan_preview(actor=world, filename="plan.xlsx", content=plan_file(rows))
    (row, field, reason), = problems_of(result)
    assert (row, field) == (3, "任务编号") and "任务名称、完成时限与文件不同" in reason
    assert WorkItem.objects.get(code="GZ-2026-01").title == "压缩企业开办时间至 1 个工作日"


@pytest.mark.parametrize("text", [date(2026, 12, 31), datetime(2026, 12, 31), "2026-12-31", "2026/12/31",
                                  "2026/1/5", "2026年12月31日", "2026 年 1 月 5 日"])
def test_real_dates_and_the_three_text_forms_are_read(text, world):
    rows = [["X-1", "任务", "", "", "", "samr", "", text, ""]]
    result = plan_preview(actor=world, filename="plan.xlsx", content=plan_file(rows))
    expected = date(2026, 12, 31) if "1/5" not in str(text) and "1 月 5" not in str(text) else date(2026, 1, 5)
    if expected < TODAY:  # noqa: F405
        assert problems_of(result) == [(3, "完成时限", "2026年1月5日 早于下发日期 2026年12月3日")]
    else:
        assert problems_of(result) == [] and result.lines[0].deadline_label == "2026年12月31日"


# ---------------------------------------------------------------- the ledger CSV


LEDGER = ("code,title,assignee,deadline,issued,approved\n"
          "TZ-001,优化不动产登记流程,samr,2026-06-30,2026-03-02,2026-06-20\n"
          "TZ-002,推进水电气联合报装,power,2026-09-30,2026-04-01,2026-10-12\n"
          "TZ-003,清理涉企收费,990101,2026-11-30,2026-05-06,\n"
          "TZ-004,编制年度报告,990102,2026-12-31,2026-11-02,\n")


def test_a_ledger_csv_brings_dates_and_closes_approved_items(world):
    result = plan_import(actor=world, filename="台账.csv", content=LEDGER.encode("utf-8-sig"))
    assert result.source == ItemSource.LEDGER and result.to_create == 4
    closed = WorkItem.objects.get(code="TZ-001")
    assert closed.status == ItemStatus.APPROVED and closed.source == ItemSource.LEDGER
    assert (closed.issued_on, closed.approved_on, closed.progress) == (date(2026, 3, 2), date(2026, 6, 20), 100)
    late = WorkItem.objects.get(code="TZ-002")
    assert late.approved_on == date(2026, 10, 12) and late.status == ItemStatus.APPROVED
    open_item = WorkItem.objects.get(code="TZ-003")
    assert open_item.status == ItemStatus.ISSUED and open_item.approved_on is None
    assert open_item.issued_on == date(2026, 5, 6) and open_item.assignee_region.code == "990101"
    again = plan_import(actor=world, filename="台账.csv", content=LEDGER.encode("utf-8"))
    assert again.unchanged == 4 and WorkItem.objects.count() == 4


def test_a_gb18030_csv_with_chinese_headers_is_read(world):
    text = "任务编号,任务名称,责任单位,完成时限,下发日期,办结日期\nTZ-9,清理证明事项,市市场监管局,2026年12月20日,2026/11/2,\n"
    result = plan_preview(actor=world, filename="ledger.csv", content=text.encode("gb18030"))
    assert problems_of(result) == [] and result.lines[0].issued_on == date(2026, 11, 2)


# ---------------------------------------------------------------- bad input: row errors, nothing saved


BAD_ROWS = [
    (["A-1", "任务", "", "", "", "nosuch", "", "2026-12-20", ""], "责任单位", "“nosuch”不是已有部门或地区的编码或名称"),
    (["A-1", "任务", "", "", "", "990109", "", "2026-12-20", ""], "责任单位", "“990109”不是已有部门或地区"),
    (["A-1", "任务", "", "", "", "samr", "不存在局", "2026-12-20", ""], "协办单位", "“不存在局”不是已有部门或地区"),
    (["A-1", "任务", "", "", "", "samr", "", "2026-11-30", ""], "完成时限", "2026年11月30日 早于下发日期 2026年12月3日"),
    (["A-1", "任务", "", "", "", "samr", "", "2031-03-01", ""], "完成时限", "工作日历未覆盖 2031 年"),
    (["A-1", "任务", "", "", "", "samr", "", "明年三月底", ""], "完成时限", "应为日期，如 2026-03-31、2026/3/31 或 2026年3月31日，或“N个工作日”，收到的是“明年三月底”"),
    (["A-1", "任务", "", "", "", "samr", "", "2026.12.31", ""], "完成时限", "收到的是“2026.12.31”"),
    (["A-1", "任务", "", "", "", "samr", "", "31/12/2026", ""], "完成时限", "收到的是“31/12/2026”"),
    (["A-1", "任务", "", "", "", "samr", "", "2026-02-30", ""], "完成时限", "“2026-02-30”不是有效的日期"),
    (["A-1", "任务", "", "", "", "samr", "", "", ""], "完成时限", "不能为空"),
    (["A-1", "任务", "", "", "", "samr", "", "400个工作日", ""], "完成时限", "工作日数应在 1 到 365 之间"),
    (["A-1", "任务", "", "", "", "samr", "", "30个工作日", ""], "完成时限", "自 2026年12月3日 起 30 个工作日无法计算"),
    (["A-1", "任务", "", "", "", "samr", "", "30个工作日", ""], "完成时限", "工作日历未覆盖 2027 年"),
    (["A-1", "", "", "", "", "samr", "", "2026-12-20", ""], "任务名称", "不能为空"),
    (["A-1", "任务", "", "专项任务", "", "samr", "", "2026-12-20", ""], "任务类型", "“专项任务”不是任务类型，应为：年度任务、整改任务、督办事项、材料征集"),
    (["A-1", "任务", "", "", "", "samr", "", "2026-12-20", "非常紧急"], "优先级", "“非常紧急”不是优先级，应为：一般、重要、紧急"),
    (["A-1", "任务", "", "", "营商环境总分", "samr", "", "2026-12-20", ""], "涉及指标", "“营商环境总分”不是指标体系 BIZENV-CN 中的指标编码或名称"),
    (["A 1/2", "任务", "", "", "", "samr", "", "2026-12-20", ""], "任务编号", "只能由字母、数字、短横线等组成"),
    (["A-1", "任务", "", "", "", "samr", "市市场监管局", "2026-12-20", ""], "协办单位", "已是责任单位"),
]


@pytest.mark.parametrize(("row", "field", "reason"), BAD_ROWS)
def test_each_bad_cell_is_a_row_error_and_nothing_is_saved(row, field, reason, world):
    content = plan_file([good_rows()[1], row])
    preview = plan_preview(actor=world, filename="plan.xlsx", content=content)
    found = problems_of(preview)
    assert len(found) == 1 and found[0][:2] == (4, field) and reason in found[0][2], found
    assert preview.lines[0].outcome == "create" and preview.lines[1].outcome == "error"
    with pytest.raises(ApplicationError) as err:
        plan_import(actor=world, filename="plan.xlsx", content=content)
    assert f"第 4 行，{field}：" in err.value.details[0] and "未导入任何任务" in err.value.message
    assert WorkItem.objects.count() == 0 and ItemEvent.objects.count() == 0
    assert not AuditLog.objects.filter(action__startswith="work_").exists()


def test_a_number_in_a_general_cell_is_not_taken_for_a_date(world):
    wb = load_workbook(io.BytesIO(plan_file([["A-1", "任务", "", "", "", "samr", "", None, ""]])))
    cell = wb[plan.DATA_SHEET]["H3"]
    cell.value, cell.number_format = 46021, "General"
    buf = io.BytesIO()
    wb.save(buf)
    (row, field, reason), = problems_of(plan_preview(actor=world, filename="p.xlsx", content=buf.getvalue()))
    assert (row, field) == (3, "完成时限") and "收到的是数字“46021”（请把单元格设为日期格式，或写成文字日期）" in reason


def test_merged_cells_in_data_rows_are_named_on_every_row_they_span(world):
    rows = [["M-1", "任务一", "", "", "", "samr", "", "2026-12-20", ""],
            ["M-2", "任务二", "", "", "", "samr", "", "2026-12-21", ""]]
    result = plan_preview(actor=world, filename="plan.xlsx", content=plan_file(rows, merge="F3:F4"))
    merged = [(row, field) for row, field, reason in problems_of(result) if "F3:F4 是合并单元格" in reason]
    assert merged == [(3, "合并单元格"), (4, "合并单元格")]
    with pytest.raises(ApplicationError):
        plan_import(actor=world, filename="plan.xlsx", content=plan_file(rows, merge="F3:F4"))
    assert WorkItem.objects.count() == 0


def test_duplicate_codes_and_duplicate_uncoded_rows_within_a_file(world):
    rows = [["D-1", "任务一", "", "", "", "samr", "", "2026-12-20", ""],
            ["D-1", "任务二", "", "", "", "power", "", "2026-12-21", ""],
            [None, "同名任务", "", "", "", "samr", "", "2026-12-22", ""],
            [None, "同名任务", "", "", "", "samr", "", "2026-12-22", ""]]
    result = plan_preview(actor=world, filename="plan.xlsx", content=plan_file(rows))
    assert problems_of(result) == [
        (4, "任务编号", "“D-1”与第 3 行重复；文件内的任务编号不能重复"),
        (6, "任务名称", "与第 5 行的任务名称、责任单位和完成时限都相同；若确为两项任务，请填写不同的任务编号")]


def test_a_name_shared_by_two_units_asks_for_the_code(world):
    from bizenv.organisations.services import department_upsert

    department_upsert(actor=None, code="dh", name="东湖县", kind="bureau", sort_order=9)
    rows = [["N-1", "任务", "", "", "", "东湖县", "", "2026-12-20", ""]]
    (row, field, reason), = problems_of(plan_preview(actor=world, filename="p.xlsx", content=plan_file(rows)))
    assert field == "责任单位" and "对应多个单位（编码 dh、990101），请填写编码" in reason


LEDGER_BAD = [
    ("X-1,任务,samr,2026-12-20,2026-11-10,2026-11-01\n", "办结日期", "2026年11月1日 早于下发日期 2026年11月10日"),
    ("X-1,任务,samr,2026-12-20,2026-12-01,2026-12-15\n", "办结日期", "晚于今天（2026年12月3日）"),
    ("X-1,任务,samr,2026-12-28,2026-12-25,\n", "下发日期", "2026年12月25日 晚于今天（2026年12月3日）"),
    ("X-1,任务,samr,2026-05-20,2026-06-01,\n", "完成时限", "2026年5月20日 早于下发日期 2026年6月1日"),
    ("X-1,任务,samr,2026-12-20,2026-6-1,\n", "下发日期", "收到的是“2026-6-1”"),
    ("X-1,任务,samr,2026-12-20,2026-12-01 08:00,\n", "下发日期", "收到的是“2026-12-01 08:00”"),
]


@pytest.mark.parametrize(("line", "field", "reason"), LEDGER_BAD)
def test_bad_ledger_dates_are_row_errors(line, field, reason, world):
    content = (plan.CSV_HEADER + "\n" + line).encode()
    (row, found_field, found), = problems_of(plan_preview(actor=world, filename="l.csv", content=content))
    assert (row, found_field) == (2, field) and reason in found
    with pytest.raises(ApplicationError):
        plan_import(actor=world, filename="l.csv", content=content)
    assert WorkItem.objects.count() == 0


def _docx() -> bytes:
    import docx

    buf = io.BytesIO()
    docx.Document().save(buf)
    return buf.getvalue()


def _xlsx_without_header() -> bytes:
    wb = Workbook()
    wb.active.append(["序号", "备注"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@pytest.mark.parametrize(("name", "content", "reason"), [
    ("plan.xlsx", b"MZ\x90\x00\x03" + b"\x00" * 100, "可执行程序"),
    ("plan.xlsx", b"%PDF-1.4 not a plan", "PDF"),
    ("plan.xlsx", _docx(), "Word"),
    ("plan.xls", b"\xd0\xcf\x11\xe0 old", "旧版 Excel"),
    ("plan.docx", b"whatever", "只能导入年度工作任务模板（.xlsx）或台账 CSV（.csv）"),
    ("plan.csv", b"PK\x03\x04 zip", "内容不是文本"),
    ("plan.csv", b"name,unit\nx,y\n", "缺少必需的列：任务名称、责任单位、完成时限"),
    ("plan.xlsx", _xlsx_without_header(), "找不到表头"),
    ("plan.xlsx", b"", "空文件"),
])
def test_wrong_files_are_refused_whole(name, content, reason, world):
    with pytest.raises(ApplicationError) as err:
        plan_preview(actor=world, filename=name, content=content)
    assert reason in err.value.message
    assert WorkItem.objects.count() == 0


def test_only_the_office_imports(world, dept_user, county_user):
    from bizenv.core.errors import PermissionDenied

    for user in (dept_user, county_user):
        with pytest.raises(PermissionDenied):
            plan_preview(actor=user, filename="plan.xlsx", content=plan_file(good_rows()))


# ---------------------------------------------------------------- the page


def test_the_page_previews_then_commits_and_refuses_other_roles(world, client, county_user):
    client.force_login(county_user)
    assert client.get("/workflows/plan/").status_code == 403
    client.force_login(world)
    page = client.get("/workflows/plan/")
    assert page.status_code == 200 and "下载导入模板" in page.content.decode()
    template = client.get("/workflows/plan/template.xlsx")
    assert template.status_code == 200 and load_workbook(io.BytesIO(template.content))[plan.DATA_SHEET]

    bad = plan_file([good_rows()[0], ["B-1", "任务", "", "", "", "nosuch", "", "2026-11-01", ""]])
    shown = client.post("/workflows/plan/", {"file": _upload("plan.xlsx", bad)}).content.decode()
    assert "“nosuch”不是已有部门或地区的编码或名称" in shown and "早于下发日期" in shown
    assert 'id="plan-confirm"' not in shown

    good = client.post("/workflows/plan/", {"file": _upload("plan.xlsx", plan_file(good_rows()))})
    text = good.content.decode()
    assert "确认导入 3 项任务" in text and WorkItem.objects.count() == 0
    token = client.session["workflows_plan_upload"]["token"]
    assert client.post("/workflows/plan/commit/", {"token": "0" * 32}).status_code == 302
    assert WorkItem.objects.count() == 0
    done = client.post("/workflows/plan/commit/", {"token": token})
    assert done.status_code == 302 and done["Location"] == "/workflows/plan/result/"  # POST/redirect/GET
    assert WorkItem.objects.count() == 3
    for _refresh in range(2):  # reloading the result page shows it again and imports nothing
        shown = client.get(done["Location"])
        html = shown.content.decode()
        assert shown.status_code == 200 and "新增 3 项任务" in html and WorkItem.objects.count() == 3
    rows = re.findall(r'<tr id="plan-row-\d+">(.*?)</tr>', html, re.S)
    cells = [re.findall(r'<td class="nowrap">(.*?)</td>', row, re.S) for row in rows]
    assert len(rows) == 3
    assert [c[-2] for c in cells] == ["2026年12月3日"] * 3  # 下发日期: the day of the import
    assert [c[-3] for c in cells] == ["2026年12月25日", "20个工作日（2026年12月31日）", "2026年12月30日"]
    assert "2026-12" not in "".join("".join(c) for c in cells)
    again = client.post("/workflows/plan/commit/", {"token": token}, follow=True)
    assert "没有待确认的预检文件" in again.content.decode() and WorkItem.objects.count() == 3


def test_the_page_names_a_wrong_file(world, client):
    client.force_login(world)
    response = client.post("/workflows/plan/", {"file": _upload("plan.xlsx", b"%PDF-1.4 x")})
    assert response.status_code == 400 and "PDF" in response.content.decode()


def _upload(name: str, content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content)
