"""The reporting pages: home, round, entry with evidence, review, completeness, template and import."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from bizenv.observations import services
from bizenv.observations.models import ImportStatus, Observation, ObservationImport


@pytest.fixture
def rnd(version, office, counties):
    return services.reporting_round_open(actor=office, system_version=version, period="2026-09")


def test_nav_section_goes_to_reporting_home(rnd, client_for, samr):
    response = client_for(samr).get("/s/reporting/")
    assert response.status_code == 302 and response["Location"] == "/reporting/"
    page = client_for(samr).get("/reporting/").content.decode()
    assert "2026年9月数据填报" in page and "去填报" in page


def test_office_opens_a_round_from_the_page(version, client_for, office, samr):
    response = client_for(office).post("/reporting/", {"version": version.pk, "period": "2026-10", "deadline": "", "name": ""})
    assert response.status_code == 302
    refused = client_for(samr).post("/reporting/", {"period": "2026-08"}, follow=True).content.decode()
    assert "只有营商办可以开启填报批次" in refused


def test_department_fills_in_a_row_with_evidence_and_submits(rnd, ind, counties, client_for, samr):
    client = client_for(samr)
    page = client.get(f"/reporting/rounds/{rnd.pk}/").content.decode()
    assert "开办企业时间" in page and "审批时间" not in page
    url = f"/reporting/rounds/{rnd.pk}/entry/{ind['starting.time'].pk}/990101/"
    bad = client.post(url, {"value": "三天", "special": "", "note": ""}).content.decode()
    assert "不是数字" in bad and not Observation.objects.exists()
    negative = client.post(url, {"value": "-3", "special": "", "note": ""}).content.decode()
    assert "不能为负数" in negative and not Observation.objects.exists()
    disguised = SimpleUploadedFile("说明.pdf", b"MZ\x90\x00 a program", content_type="application/pdf")
    refused = client.post(url, {"value": "3.5", "special": "", "note": "", "evidence": disguised}).content.decode()
    assert "可执行程序" in refused and not Observation.objects.exists()  # the value is not saved either
    pdf = SimpleUploadedFile("营业执照办理时限说明.pdf", b"%PDF-1.4 demo", content_type="application/pdf")
    response = client.post(url, {"value": "3.5", "special": "", "note": "含网上预审", "evidence": pdf,
                                 "and_submit": "1"})
    assert response.status_code == 302
    obs = Observation.objects.get()
    assert obs.value == 3.5 and obs.status == "submitted" and obs.evidence.count() == 1
    detail = client.get(url).content.decode()
    assert "营业执照办理时限说明.pdf" in detail and "提交审核" in detail


def test_department_cannot_open_an_indicator_it_does_not_lead_for_writing(rnd, ind, client_for, housing):
    url = f"/reporting/rounds/{rnd.pk}/entry/{ind['starting.time'].pk}/990101/"
    response = client_for(housing).post(url, {"value": "3", "special": "", "note": ""}, follow=True)
    assert "不是指标“开办企业时间”的牵头单位" in response.content.decode()
    assert not Observation.objects.exists()


def test_office_returns_then_approves(rnd, ind, counties, client_for, samr, office):
    obs, _ = services.observation_upsert(actor=samr, system_version=rnd.system_version,
                                         indicator=ind["starting.time"], region=counties[0], period="2026-09",
                                         value=3, source="report", reporting_round=rnd)
    services.observation_submit(actor=samr, observation=obs)
    boss = client_for(office)
    boss.post(f"/reporting/observations/{obs.pk}/return/", {"comment": "请附佐证材料"})
    obs.refresh_from_db()
    assert obs.status == "returned" and obs.review_comment == "请附佐证材料"
    services.observation_submit(actor=samr, observation=obs)
    boss.post(f"/reporting/rounds/{rnd.pk}/bulk/", {"action": "approve"})
    obs.refresh_from_db()
    assert obs.status == "approved"


def test_completeness_page_has_chart_and_missing_list(rnd, client_for, office):
    page = client_for(office).get(f"/reporting/rounds/{rnd.pk}/completeness/").content.decode()
    assert 'data-chart="chart-dept"' in page and "缺报数据清单" in page and "市住房城乡建设局" in page


def test_template_download_and_upload_preview_commit(rnd, client_for, samr):
    client = client_for(samr)
    response = client.get(f"/reporting/rounds/{rnd.pk}/template.xlsx")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxml")
    csv = b"system,region,indicator,period,value\nOBS-TEST,990101,starting.time,2026-09,2\nOBS-TEST,990101,starting.time,2026-08,x\n"
    response = client.post(f"/reporting/imports/new/?round={rnd.pk}", {"file": SimpleUploadedFile("a.csv", csv)})
    batch = ObservationImport.objects.get()
    assert response.status_code == 302 and batch.status == ImportStatus.PREVIEW
    page = client.get(f"/reporting/imports/{batch.pk}/").content.decode()
    assert "预检明细（尚未保存）" in page and "不是数字" in page
    annotated = client.get(f"/reporting/imports/{batch.pk}/annotated.xlsx")
    assert annotated.status_code == 200
    client.post(f"/reporting/imports/{batch.pk}/commit/")
    batch.refresh_from_db()
    assert batch.status == ImportStatus.COMMITTED and Observation.objects.count() == 1


def test_broken_upload_shows_the_reason(rnd, client_for, samr):
    client = client_for(samr)
    client.post("/reporting/imports/new/", {"file": SimpleUploadedFile("x.xlsx", b"garbage")})
    batch = ObservationImport.objects.get()
    page = client.get(f"/reporting/imports/{batch.pk}/").content.decode()
    assert "不是有效的 Excel" in page and "未保存任何数据" in page


def test_export_csv_is_region_scoped(rnd, ind, counties, office, county_user, client_for):
    for region in counties:
        services.observation_upsert(actor=office, system_version=rnd.system_version, indicator=ind["starting.time"],
                                    region=region, period="2026-09", value=2, source="report")
    body = client_for(county_user).get("/reporting/export.csv").content.decode("utf-8-sig")
    assert body.splitlines()[0].startswith("system,region,indicator,period,value,source,status")
    assert len(body.splitlines()) == 2 and "990101" in body


def test_office_edit_of_an_approved_value_says_and_does_resubmission(rnd, ind, counties, client_for, office):
    obs, _ = services.observation_upsert(actor=office, system_version=rnd.system_version,
                                         indicator=ind["starting.time"], region=counties[0], period="2026-09",
                                         value=2.97, source="report", reporting_round=rnd)
    url = f"/reporting/rounds/{rnd.pk}/entry/{ind['starting.time'].pk}/990101/"
    client = client_for(office)
    page = client.get(url).content.decode()
    assert "修改并重新提交审核" in page and "保存草稿" not in page

    response = client.post(url, {"value": "3", "special": "", "note": ""}, follow=True)

    obs.refresh_from_db()
    assert obs.value == 3 and obs.status == "submitted"
    text = response.content.decode()
    assert "已重新提交审核" in text and "修改已审核值" in text


def test_change_log_reads_chinese_field_names_and_status_labels(rnd, ind, counties, client_for, samr):
    obs, _ = services.observation_upsert(actor=samr, system_version=rnd.system_version,
                                         indicator=ind["starting.time"], region=counties[0], period="2026-09",
                                         value=3, source="report", reporting_round=rnd)
    services.observation_submit(actor=samr, observation=obs)

    page = client_for(samr).get(f"/reporting/rounds/{rnd.pk}/entry/{ind['starting.time'].pk}/990101/").content.decode()
    log = page[page.index("变更记录"):]

    assert "状态=已提交" in log and "状态=草稿" in log and "来源=部门填报" in log
    for code in ("status=", "=submitted", "source=", "=report", "=draft", "value="):
        assert code not in log, code
