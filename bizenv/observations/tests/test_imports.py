"""Excel/CSV import: template round trip, preview, commit, cancel, rejections, annotated workbook."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from bizenv.observations import selectors, services
from bizenv.observations.excel import DATA_SHEET, GUIDE_SHEET
from bizenv.observations.models import ImportStatus, Observation


@pytest.fixture
def rnd(version, office):
    return services.reporting_round_open(actor=office, system_version=version, period="2026-09")


def fill(content: bytes, values: dict[tuple[str, str], object], special: dict | None = None) -> bytes:
    wb = load_workbook(io.BytesIO(content))
    ws = wb[DATA_SHEET]
    header = [c.value for c in ws[2]]
    col = {h: i + 1 for i, h in enumerate(header)}
    for r in range(3, ws.max_row + 1):
        key = (ws.cell(r, col["指标编码"]).value, ws.cell(r, col["区域代码"]).value)
        if key in values:
            ws.cell(r, col["数值"]).value = values[key]
        if special and key in special:
            ws.cell(r, col["特殊值"]).value = special[key]
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def adds_up(batch) -> bool:
    return batch.rows_total == batch.rows_created + batch.rows_updated + batch.rows_unchanged + batch.rows_rejected


def test_template_has_owed_rows_hidden_codes_validation_and_guide(rnd, samr, counties):
    content = selectors.round_template(user=samr, reporting_round=rnd)
    wb = load_workbook(io.BytesIO(content))
    assert wb.sheetnames == [DATA_SHEET, GUIDE_SHEET]
    ws = wb[DATA_SHEET]
    header = [c.value for c in ws[2]]
    assert header[:9] == ["序号", "牵头单位", "指标名称", "单位", "区域名称", "时期", "数值", "特殊值", "说明"]
    assert ws.column_dimensions["J"].hidden and ws.column_dimensions["K"].hidden
    assert ws.max_row - 2 == 2 * len(counties)
    kinds = {dv.type for dv in ws.data_validations.dataValidation}
    assert {"list", "decimal"} <= kinds
    special = next(dv for dv in ws.data_validations.dataValidation if dv.type == "list")
    assert "No Practice" in special.formula1 and "N/A" in special.formula1
    percent = [dv for dv in ws.data_validations.dataValidation if dv.type == "decimal" and dv.formula2 == "100"]
    assert percent, "the percentage rows are limited to 0–100"


def test_preview_saves_nothing_then_commit_then_reimport_is_unchanged(rnd, samr, counties):
    template = selectors.round_template(user=samr, reporting_round=rnd)
    filled = fill(template, {("starting.time", "990101"): 3.5, ("starting.online", "990102"): 88},
                  special={("starting.time", "990103"): "No Practice"})

    preview = services.observation_import_preview(actor=samr, filename="填报.xlsx", content=filled,
                                                  reporting_round=rnd)
    assert preview.status == ImportStatus.PREVIEW
    assert (preview.rows_total, preview.rows_created, preview.rows_unchanged, preview.rows_rejected) == (6, 3, 3, 0)
    assert not Observation.objects.exists()
    assert adds_up(preview)
    assert {e["outcome"] for e in preview.preview} == {"created", "unchanged"}

    committed = services.observation_import_commit(actor=samr, batch=preview)
    assert committed.status == ImportStatus.COMMITTED and committed.rows_created == 3
    assert Observation.objects.count() == 3
    obs = Observation.objects.get(indicator__code="starting.time", region__code="990103")
    assert obs.special == "no_practice" and obs.source == "import" and obs.import_batch == committed
    assert obs.department.code == "samr" and obs.reporting_round == rnd

    again = services.observation_import_preview(actor=samr, filename="填报.xlsx", content=filled,
                                                reporting_round=rnd)
    again = services.observation_import_commit(actor=samr, batch=again)
    assert (again.rows_total, again.rows_unchanged, again.rows_created, again.rows_updated) == (6, 6, 0, 0)
    assert Observation.objects.get(pk=obs.pk).revisions.count() == 1


def test_cancel_saves_nothing(rnd, samr):
    filled = fill(selectors.round_template(user=samr, reporting_round=rnd), {("starting.time", "990101"): 2})
    batch = services.observation_import_preview(actor=samr, filename="a.xlsx", content=filled, reporting_round=rnd)
    services.observation_import_cancel(actor=samr, batch=batch)
    assert batch.status == ImportStatus.CANCELLED and not Observation.objects.exists()
    with pytest.raises(Exception, match="不能再次导入"):
        services.observation_import_commit(actor=samr, batch=batch)
    assert not Observation.objects.exists()


CSV_BAD = (
    "system,region,indicator,period,value\n"
    "OBS-TEST,990101,starting.time,2026-09,3\n"          # 2 created
    "OBS-TEST,东湖县,starting.online,2026-09,No Practice\n"  # 3 created (region by name)
    "OBS-TEST,990102,starting.time,2026-09,十二\n"        # 4 text in a number cell
    "OBS-TEST,990102,starting.online,2026-09,120\n"       # 5 out of range
    "OBS-TEST,999999,starting.time,2026-09,3\n"           # 6 unknown region
    "OBS-TEST,990102,nope,2026-09,3\n"                    # 7 unknown indicator
    "OBS-TEST,990103,starting.time,2026-9-1,3\n"          # 8 bad period
    "OBS-TEST,990101,starting.time,2026-09,4\n"           # 9 duplicate of row 2
    "NOPE,990101,starting.time,2026-09,4\n"               # 10 unknown system
    "OBS-TEST,990103,starting.time,2026-09,-2\n"          # 11 negative duration
    "OBS-TEST,990103,permits.time,2026-Q3,50\n"           # 12 not led by samr
    "OBS-TEST,990103,starting.time,2099-01,5\n"           # 13 future period
    "OBS-TEST,990103,starting.online,2026-09,\n"          # 14 blank: unchanged
)


def test_every_rejected_row_has_row_field_and_chinese_reason(rnd, samr):
    batch = services.observation_import_preview(actor=samr, filename="obs.csv", content=CSV_BAD.encode())
    assert adds_up(batch) and batch.rows_total == 13
    assert (batch.rows_created, batch.rows_unchanged, batch.rows_rejected) == (2, 1, 10)
    by_row = {r["row"]: r for r in batch.rejections}
    expected = {
        4: ("数值", "不是数字"), 5: ("数值", "百分比"), 6: ("区域", "不存在"), 7: ("指标", "不存在"),
        8: ("时期", "格式不正确"), 9: ("时期", "与第 2 行"), 10: ("体系", "不存在"), 11: ("数值", "不能为负数"),
        12: ("权限", "牵头单位"), 13: ("时期", "尚未开始"),
    }
    assert set(by_row) == set(expected)
    for row, (field, fragment) in expected.items():
        assert by_row[row]["field"] == field, row
        assert fragment in by_row[row]["message"], row

    annotated = load_workbook(io.BytesIO(selectors.import_annotated(batch=batch)))
    ws = annotated.active
    assert ws.cell(1, 6).value == "错误说明"
    assert "不是数字" in ws.cell(4, 6).value and "【数值】" in ws.cell(4, 6).value
    assert ws.cell(4, 1).fill.fgColor.rgb.endswith("FFC7CE")
    assert ws.cell(2, 6).value is None

    committed = services.observation_import_commit(actor=samr, batch=batch)
    assert committed.rows_created == 2 and Observation.objects.count() == 2


def test_annotated_template_keeps_the_workbook(rnd, samr):
    filled = fill(selectors.round_template(user=samr, reporting_round=rnd),
                  {("starting.time", "990101"): "三天", ("starting.online", "990101"): 50},
                  special={("starting.online", "990101"): "N/A"})
    batch = services.observation_import_preview(actor=samr, filename="t.xlsx", content=filled, reporting_round=rnd)
    assert batch.rows_rejected == 2 and adds_up(batch)
    wb = load_workbook(io.BytesIO(selectors.import_annotated(batch=batch)))
    ws = wb[DATA_SHEET]
    header = [c.value for c in ws[2]]
    col = header.index("错误说明") + 1
    notes = [ws.cell(r, col).value for r in range(3, ws.max_row + 1) if ws.cell(r, col).value]
    assert len(notes) == 2 and any("只能填写一项" in n for n in notes) and any("不是数字" in n for n in notes)


def test_locked_and_other_county_rows_are_rejected(rnd, office, county_user, version, ind, counties):
    obs, _ = services.observation_upsert(actor=office, system_version=version, indicator=ind["starting.time"],
                                         region=counties[0], period="2026-09", value=3, source="report")
    services.observation_lock(actor=office, observation=obs)
    csv = ("system,region,indicator,period,value\n"
           "OBS-TEST,990101,starting.time,2026-09,9\n"
           "OBS-TEST,990102,starting.time,2026-09,9\n"
           "OBS-TEST,990101,starting.online,2026-09,50\n")
    batch = services.observation_import_preview(actor=county_user, filename="c.csv", content=csv.encode())
    by_row = {r["row"]: r for r in batch.rejections}
    assert "已锁定" in by_row[2]["message"] and by_row[2]["field"] == "状态"
    assert by_row[3]["field"] == "权限" and "西山县" in by_row[3]["message"]
    assert batch.rows_created == 1 and adds_up(batch)


@pytest.mark.parametrize("name,content,fragment", [
    ("broken.xlsx", b"PK\x03\x04 this is not really a zip", "不是有效的 Excel"),
    ("renamed.xlsx", b"%PDF-1.4 renamed pdf", "不是有效的 Excel"),
    ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "旧版 Excel"),
    ("data.json", b"{}", "只能上传"),
    ("empty.csv", b"", "空文件"),
    ("cols.csv", "地区,数值\n东湖县,3\n".encode(), "缺少必需的列"),
    ("huge.csv", b"system,region,indicator,period,value\n" + b"x" * (21 * 1024 * 1024), "超过 20 MB"),
])
def test_broken_files_fail_and_save_nothing(office, version, name, content, fragment):
    batch = services.observation_import_preview(actor=office, filename=name, content=content)
    assert batch.status == ImportStatus.FAILED and fragment in batch.fatal_error
    assert batch.rows_total == 0 and not Observation.objects.exists()


def test_excel_dates_and_numbers_in_code_cells_are_understood(office, version, counties):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["system", "region", "indicator", "period", "value"])
    from datetime import datetime
    ws.append(["OBS-TEST", 990101, "starting.time", datetime(2026, 9, 1), 3])
    ws.append(["OBS-TEST", 990102, "survey.score", 2025, "85.5"])
    buf = io.BytesIO()
    wb.save(buf)
    batch = services.observation_import_preview(actor=office, filename="x.xlsx", content=buf.getvalue())
    assert batch.rows_rejected == 0, batch.rejections
    assert batch.rows_created == 2


def test_fatal_error_during_commit_saves_nothing(rnd, samr):
    from django.db import DatabaseError, connection

    filled = fill(selectors.round_template(user=samr, reporting_round=rnd),
                  {("starting.time", "990101"): 2, ("starting.time", "990102"): 3})
    batch = services.observation_import_preview(actor=samr, filename="a.xlsx", content=filled, reporting_round=rnd)
    assert batch.rows_created == 2
    # the database refuses the second row for a reason that is not a business rule
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("CREATE FUNCTION obs_fail() RETURNS trigger AS $$ BEGIN "
                           "IF NEW.value = 3 THEN RAISE EXCEPTION 'disk I/O error'; END IF; RETURN NEW; END $$ "
                           "LANGUAGE plpgsql")
            cursor.execute("CREATE TRIGGER obs_fail BEFORE INSERT ON observations_observation "
                           "FOR EACH ROW EXECUTE FUNCTION obs_fail()")
        else:
            cursor.execute("CREATE TRIGGER obs_fail BEFORE INSERT ON observations_observation WHEN NEW.value = 3 "
                           "BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END")
    try:
        with pytest.raises(DatabaseError):
            services.observation_import_commit(actor=samr, batch=batch)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TRIGGER obs_fail ON observations_observation" if connection.vendor == "postgresql"
                           else "DROP TRIGGER obs_fail")
            if connection.vendor == "postgresql":
                cursor.execute("DROP FUNCTION obs_fail()")
    batch.refresh_from_db()
    assert batch.status == ImportStatus.FAILED and "未保存任何数据" in batch.fatal_error
    assert not Observation.objects.exists()


def test_an_import_that_changes_an_approved_value_sends_it_back_to_review(rnd, office, version, ind, counties):
    obs, _ = services.observation_upsert(actor=office, system_version=version, indicator=ind["starting.time"],
                                         region=counties[0], period="2026-09", value=3, source="report")
    assert obs.status == "approved"
    csv = ("system,region,indicator,period,value\n"
           "OBS-TEST,990101,starting.time,2026-09,4\n")
    batch = services.observation_import_preview(actor=office, filename="o.csv", content=csv.encode())
    row = batch.preview[0]
    assert row["outcome"] == "updated" and "重新提交审核" in row["message"]
    obs.refresh_from_db()
    assert obs.value == 3 and obs.status == "approved"

    services.observation_import_commit(actor=office, batch=batch)

    obs.refresh_from_db()
    assert obs.value == 4 and obs.status == "submitted"
    assert obs.revisions.last().action == "revise"
