import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from bizenv.core.errors import ApplicationError
from bizenv.core.models import Job, JobStatus
from bizenv.datasets import services
from bizenv.datasets.lake import upload_dir
from bizenv.datasets.models import BatchStatus, RecordBatch, SourceSystem
from bizenv.datasets.tasks import records_file_ingest_job
from bizenv.datasets.tests.recordkit import EAST, NORTH, push_source, registration

HEADER = "record_id,region_code,kind,channel,applied_at,completed_at,cost\n"
CSV = (HEADER + "A1,990101,establishment,online,2024-03-01 09:00,2024-03-02 10:00,0\n"
       "A2,990101,establishment,online,2024-03-01 09:00,2024-02-02 10:00,0\n"
       "A3,990102,change,counter,2024-03-03 09:00,,-8\n").encode("utf-8")


def upload(client, action, content=CSV, name="开办.csv"):
    return client.post("/data/upload/", {"dataset": "business_registrations", "action": action,
                                         "file": SimpleUploadedFile(name, content)})


def commit(client, **kwargs) -> RecordBatch:
    """Upload for ingestion, run the queued job as the worker would, and return its batch."""
    response = upload(client, "commit", **kwargs)
    job = Job.objects.order_by("-id").first()
    assert response.status_code == 302 and response["Location"] == f"/jobs/{job.pk}/"
    records_file_ingest_job(job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.error
    return RecordBatch.objects.get(pk=job.result["batch_id"])


def test_every_page_opens_for_the_office(town):
    source, _ = push_source()
    batch = services.records_ingest(actor=None, dataset="business_registrations", source=source,
                                    rows_or_table=[registration("A1"), registration("A2", cost=-1)])
    client = town.client("office")

    for url in ("/data/", "/data/schema/", "/data/upload/", "/data/sources/new/", f"/data/sources/{source.pk}/",
                f"/data/sources/{source.pk}/edit/", "/data/batches/", f"/data/batches/{batch.pk}/",
                "/data/records/business_registrations/", "/data/records/tenders/"):
        response = client.get(url)
        assert response.status_code == 200, url
    assert "企业开办协同平台" in client.get("/data/").content.decode()


def test_viewers_may_look_but_not_manage(town):
    source, _ = push_source()
    client = town.client("east")

    assert client.get("/data/").status_code == 200
    assert client.get("/data/batches/").status_code == 200
    for url in ("/data/upload/", "/data/sources/new/", f"/data/sources/{source.pk}/"):
        assert client.get(url).status_code == 403, url
    assert client.post(f"/data/sources/{source.pk}/token/").status_code == 403
    assert town.client("sysadmin").get("/data/").status_code == 403


def test_preview_shows_counts_and_reasons_and_saves_nothing(town):
    response = upload(town.client("office"), "preview")

    page = response.content.decode()
    assert "预检结果（未入库）" in page
    assert "办结时间 2024-02-02 10:00:00 早于申请时间" in page and "不能为负数" in page
    assert not RecordBatch.objects.exists()


def _preview_token(page: str) -> str:
    found = re.search(r'name="upload" value="([^"]+)"', page)
    assert found, "the preview page keeps no reference to the previewed file"
    return found.group(1)


def test_commit_after_a_preview_lands_the_previewed_file_without_uploading_it_again(town):
    client = town.client("office")
    page = upload(client, "preview").content.decode()
    assert "预检结果（未入库）" in page and "确认入库" in page

    response = client.post("/data/upload/", {"dataset": "business_registrations", "action": "commit",
                                             "upload": _preview_token(page)})

    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/jobs/{job.pk}/"
    records_file_ingest_job(job.pk)
    job.refresh_from_db()
    batch = RecordBatch.objects.get(pk=job.result["batch_id"])
    assert (batch.filename, batch.rows_total, batch.rows_accepted, batch.rows_quarantined) == ("开办.csv", 3, 1, 2)
    assert not list(upload_dir().iterdir())  # the stored preview file is consumed by the job


def test_a_preview_reference_works_only_for_its_user_its_dataset_and_once(town):
    from bizenv.organisations.models import Role
    from bizenv.organisations.services import role_grant_add, user_create

    town.users["office2"] = user_create(actor=None, username="office2", password="Ceshi-mima-2026!")
    role_grant_add(actor=None, user=town.users["office2"], role=Role.OFFICE, region=town.city)
    client = town.client("office")
    token = _preview_token(upload(client, "preview").content.decode())

    for who, data, message in [
        ("office2", {"dataset": "business_registrations", "upload": token}, "请重新选择文件"),
        ("office", {"dataset": "service_cases", "upload": token}, "预检的是“"),
        ("office", {"dataset": "business_registrations", "upload": token[:-3] + "xyz"}, "请重新选择文件"),
        ("office", {"dataset": "business_registrations"}, "请选择要上传的文件"),
    ]:
        page = town.client(who).post("/data/upload/", {**data, "action": "commit"}).content.decode()
        assert message in page, (who, data)
    assert not Job.objects.exists()

    client.post("/data/upload/", {"dataset": "business_registrations", "action": "commit", "upload": token})
    records_file_ingest_job(Job.objects.get().pk)
    again = client.post("/data/upload/", {"dataset": "business_registrations", "action": "commit", "upload": token})
    assert "已不在服务器上" in again.content.decode() and Job.objects.count() == 1


def test_commit_lands_good_rows_and_the_batch_page_adds_up(town):
    client = town.client("office")

    batch = commit(client)

    assert (batch.rows_total, batch.rows_accepted, batch.rows_duplicate, batch.rows_quarantined) == (3, 1, 0, 2)
    page = client.get(f"/data/batches/{batch.pk}/").content.decode()
    assert "已入库" in page and "completed_at" in page and "早于申请时间" in page
    second = commit(client)
    assert second.pk != batch.pk and (second.rows_accepted, second.rows_duplicate) == (0, 1)


def test_a_renamed_file_gives_a_chinese_error_and_saves_nothing(town):
    client = town.client("office")
    response = upload(client, "commit", content=CSV, name="开办.xlsx")
    job = Job.objects.get()

    records_file_ingest_job(job.pk)

    job.refresh_from_db()
    assert response["Location"] == f"/jobs/{job.pk}/"
    assert job.status == JobStatus.FAILED and "不是有效的 Excel" in job.error
    assert "不是有效的 Excel" in client.get(f"/jobs/{job.pk}/").content.decode()
    assert not RecordBatch.objects.exists() and not list(upload_dir().iterdir())


def test_quarantine_downloads_as_csv_and_xlsx(town):
    batch = commit(town.client("office"))
    client = town.client("office")

    text = client.get(f"/data/batches/{batch.pk}/quarantine.csv").content.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("行号,问题字段,原因,record_id")
    assert "3,completed_at," in text and "4,cost," in text
    workbook = load_workbook(io.BytesIO(client.get(f"/data/batches/{batch.pk}/quarantine.xlsx").content))
    assert [c.value for c in workbook.active[2]][:3] == [3, "completed_at", "办结时间 2024-02-02 10:00:00 早于申请时间 2024-03-01 09:00:00"]


def test_county_user_sees_only_its_own_records_and_quarantined_rows(town):
    services.records_ingest(actor=None, dataset="business_registrations", rows_or_table=[
        registration("EAST-1", region=EAST), registration("NORTH-1", region=NORTH),
        registration("EAST-BAD", region=EAST, cost=-1), registration("NORTH-BAD", region=NORTH, cost=-1)])
    batch = RecordBatch.objects.get()

    east = town.client("east").get("/data/records/business_registrations/").content.decode()
    sneaky_response = town.client("east").get(f"/data/records/business_registrations/?region={NORTH}")
    sneaky = sneaky_response.content.decode()
    office = town.client("office").get("/data/records/business_registrations/").content.decode()
    quarantine = town.client("east").get(f"/data/batches/{batch.pk}/").content.decode()
    download = town.client("east").get(f"/data/batches/{batch.pk}/quarantine.csv").content.decode("utf-8-sig")

    assert "EAST-1" in east and "NORTH-1" not in east
    assert sneaky_response.status_code == 403
    assert "NORTH-1" not in sneaky and "不在您的授权范围内" in sneaky
    assert "EAST-1" in office and "NORTH-1" in office
    assert "EAST-BAD" in quarantine and "NORTH-BAD" not in quarantine
    assert '费用（元） <code class="muted">cost</code>' in quarantine  # the field in Chinese, the column beside it
    upload = town.client("office").get("/data/upload/").content.decode()
    assert ">Upload<" not in upload and 'type="hidden" name="upload"' in upload
    assert "EAST-BAD" in download and "NORTH-BAD" not in download


def test_records_browser_paginates(town):
    services.records_ingest(actor=None, dataset="business_registrations",
                            rows_or_table=[registration(f"R{i:03d}") for i in range(120)])
    client = town.client("office")

    first = client.get("/data/records/business_registrations/").content.decode()
    third = client.get("/data/records/business_registrations/?page=3").content.decode()

    assert "第 1 / 3 页" in first and "共 120 条" in first
    batches = client.get("/data/batches/").content.decode().split("<tbody>", 1)[1]
    assert "<td>企业开办办件</td>" in batches and "<td>business_registrations</td>" not in batches
    # Coded values read in Chinese; the region shows its name.
    table = first.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    assert "<td>设立</td>" in table and "establishment" not in table
    assert re.search(r"<td>(网上|窗口)</td>", table) and ">online<" not in table and ">counter<" not in table
    assert len(re.findall(r"<td>R\d{3}</td>", third)) == 20


def test_records_browser_filters_by_segment_in_chinese_and_keeps_it_on_every_page(town):
    services.records_ingest(actor=None, dataset="business_registrations", rows_or_table=[
        *(registration(f"SET{i:03d}") for i in range(60)), registration("CHG-1", kind="change")])
    client = town.client("office")

    change = client.get("/data/records/business_registrations/", {"segment": "change"}).content.decode()
    established = client.get("/data/records/business_registrations/", {"segment": "establishment"}).content.decode()
    unknown = client.get("/data/records/business_registrations/", {"segment": "nope"}).content.decode()

    assert "共 1 条" in change and "CHG-1" in change and "SET000" not in change
    assert '<option value="change" selected>变更</option>' in change and ">全部业务类型</option>" in change
    assert "共 60 条" in established and "CHG-1" not in established
    assert "segment=establishment&amp;q=&amp;page=2" in established  # the pager keeps the segment
    assert "共 61 条" in unknown  # an unknown segment filters nothing
    water = client.get("/data/records/water_connections/").content.decode()
    assert 'name="segment"' not in water  # a dataset without segments has no such filter


def test_source_create_token_shown_once_and_pull_queued(town, django_capture_on_commit_callbacks):
    client = town.client("office")
    response = client.post("/data/sources/new/", {
        "code": "yth", "name": "政务服务一体化平台", "kind": "http_pull", "datasets": ["service_cases"],
        "config": '{"url": "https://127.0.0.1:9/api", "records_path": "items"}', "schedule_minutes": "15",
        "enabled": "on"})
    source = SourceSystem.objects.get(code="yth")
    assert response.status_code == 302

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post(f"/data/sources/{source.pk}/pull/")
    assert len(callbacks) == 1

    client.post("/data/sources/new/", {"code": "qykb", "name": "企业开办协同平台", "kind": "push",
                                       "datasets": ["business_registrations"], "config": "{}", "enabled": "on"})
    pusher = SourceSystem.objects.get(code="qykb")
    assert "签发推送令牌" in client.get(f"/data/sources/{pusher.pk}/").content.decode()
    page = client.post(f"/data/sources/{pusher.pk}/token/").content.decode()
    token = re.search(r"(bzs_[\w-]+)", page).group(1)
    pusher.refresh_from_db()
    assert pusher.token_hint == token[:8] and token not in pusher.token_hash
    assert token not in client.get(f"/data/sources/{pusher.pk}/").content.decode()


@pytest.mark.parametrize("kind", ["http_pull", "file"])
def test_only_push_sources_offer_and_get_a_push_token(town, kind):
    client = town.client("office")
    config = {"url": "https://127.0.0.1:9/api"} if kind == "http_pull" else {}
    source = services.source_system_create(actor=None, code="src", name="某数据源", kind=kind,
                                           datasets=["service_cases"], config=config)

    assert "推送令牌" not in client.get(f"/data/sources/{source.pk}/").content.decode()
    page = client.post(f"/data/sources/{source.pk}/token/", follow=True).content.decode()
    assert "只有“接口推送”类型的数据源可以签发推送令牌" in page and "bzs_" not in page
    with pytest.raises(ApplicationError, match="只有“接口推送”类型的数据源可以签发推送令牌"):
        services.source_token_issue(actor=None, source=source)
    source.refresh_from_db()
    assert not source.token_hash


def test_bad_source_configuration_shows_chinese_errors(town):
    response = town.client("office").post("/data/sources/new/", {
        "code": "bad", "name": "坏配置", "kind": "sql_pull", "datasets": ["service_cases"], "config": "{not json"})

    assert "不是有效的 JSON" in response.content.decode()
    assert not SourceSystem.objects.exists()


@pytest.mark.parametrize("status", [BatchStatus.COMMITTED, BatchStatus.FAILED])
def test_batch_list_filters_by_status(town, status):
    batch = services.records_ingest(actor=None, dataset="business_registrations", rows_or_table=[registration("A1")])

    page = town.client("office").get(f"/data/batches/?status={status}").content.decode()

    assert (f"#{batch.pk}<" in page) == (status == BatchStatus.COMMITTED)
