"""Uploads and metric runs as background jobs: progress, result, failure, who may watch."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from bizenv.core.errors import ApplicationError
from bizenv.core.models import Job, JobStatus
from bizenv.core.services import job_progress
from bizenv.datasets import metric_services, services
from bizenv.datasets.lake import upload_dir
from bizenv.datasets.models import BatchStatus, LakeFile, QuarantinedRecord, RecordBatch
from bizenv.datasets.tasks import metric_run_job, records_file_ingest_job
from bizenv.datasets.tests.test_ingest import _refuse_lake_file_rows

CSV = (b"record_id,region_code,kind,channel,applied_at,completed_at,cost\n"
       b"A1,990101,establishment,online,2024-03-01 09:00,2024-03-02 10:00,0\n"
       b"A2,990102,establishment,counter,2024-03-04 09:00,2024-03-05 10:00,-5\n")


def queue_upload(town, content=CSV, name="开办.csv") -> Job:
    client = town.client("office")
    client.post("/data/upload/", {"dataset": "business_registrations", "action": "commit",
                                  "file": SimpleUploadedFile(name, content)})
    return Job.objects.get()


def test_an_upload_job_passes_through_running_to_succeeded_and_reports_each_step(town):
    job = queue_upload(town)
    assert (job.status, job.progress) == (JobStatus.QUEUED, 0)

    records_file_ingest_job(job.pk)

    job.refresh_from_db()
    batch = RecordBatch.objects.get(pk=job.result["batch_id"])
    assert (job.status, job.progress, job.error) == (JobStatus.SUCCEEDED, 100, "")
    assert job.started_at is not None and job.started_at <= job.finished_at
    assert batch.status == BatchStatus.COMMITTED and (batch.rows_accepted, batch.rows_quarantined) == (1, 1)
    assert job.related_id == str(batch.pk) and f"批次 #{batch.pk} 已入库" in job.result["summary"]
    assert not list(upload_dir().iterdir())


def test_ingestion_reports_reading_validating_and_writing_in_order(town):
    steps = []

    services.records_file_ingest(actor=None, dataset="business_registrations", content=CSV, filename="开办.csv",
                                 progress=lambda percent, message: steps.append((percent, message)))

    percents = [p for p, _ in steps]
    assert percents == sorted(percents) and len(steps) == 4
    assert ["读取" in steps[0][1], "校验" in steps[1][1], "写入数据湖" in steps[2][1]] == [True] * 3
    assert "可入库 1 条" in steps[2][1]


def test_the_job_page_polls_while_running_and_links_to_the_batch_when_done(town):
    job = queue_upload(town)
    client = town.client("office")
    Job.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING)
    job_progress(job_id=job.pk, percent=60, message="写入数据湖……")

    running = client.get(f"/jobs/{job.pk}/").content.decode()
    partial = client.get(f"/jobs/{job.pk}/", HTTP_HX_REQUEST="true").content.decode()
    Job.objects.filter(pk=job.pk).update(status=JobStatus.QUEUED)
    records_file_ingest_job(job.pk)
    done = client.get(f"/jobs/{job.pk}/", HTTP_HX_REQUEST="true").content.decode()

    assert 'hx-trigger="every 1s"' in running and "写入数据湖" in running and "width: 60%" in running
    assert "<html" not in partial and 'hx-trigger="every 1s"' in partial
    batch = RecordBatch.objects.get()
    assert 'hx-trigger' not in done and f"/data/batches/{batch.pk}/" in done and "查看批次" in done


def test_running_a_finished_job_again_changes_nothing(town):
    job = queue_upload(town)
    records_file_ingest_job(job.pk)
    records_file_ingest_job(job.pk)

    assert RecordBatch.objects.count() == 1 and Job.objects.get().status == JobStatus.SUCCEEDED


def test_a_rerun_after_a_crash_finds_the_batch_instead_of_landing_it_twice(town):
    job = queue_upload(town)
    stored = upload_dir() / job.params["stored_name"]
    kept = stored.read_bytes()
    records_file_ingest_job(job.pk)
    # The worker died after the batch committed but before the job was marked done.
    Job.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, finished_at=None)
    stored.write_bytes(kept)

    records_file_ingest_job(job.pk)

    assert RecordBatch.objects.count() == 1
    assert Job.objects.get().result["batch_id"] == RecordBatch.objects.get().pk


def test_a_broken_file_fails_the_job_in_chinese_and_saves_nothing(town):
    job = queue_upload(town, content=b"\x00\x01 not a workbook", name="开办.xlsx")

    records_file_ingest_job(job.pk)

    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.progress < 100 and "不是有效的 Excel" in job.error
    assert not RecordBatch.objects.exists() and not LakeFile.objects.exists()
    assert not QuarantinedRecord.objects.exists()
    assert "不是有效的 Excel" in town.client("office").get(f"/jobs/{job.pk}/").content.decode()


def test_a_failure_while_landing_ends_failed_with_nothing_half_saved(town):
    job = queue_upload(town)
    _refuse_lake_file_rows()

    records_file_ingest_job(job.pk)

    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and "本批次未保存任何记录" in job.error
    assert RecordBatch.objects.get().status == BatchStatus.FAILED
    assert not LakeFile.objects.exists() and not QuarantinedRecord.objects.exists()


def test_a_job_left_queued_says_the_worker_is_not_running(town):
    job = queue_upload(town)
    client = town.client("office")

    fresh = client.get(f"/jobs/{job.pk}/").content.decode()
    Job.objects.filter(pk=job.pk).update(created_at=job.created_at - timedelta(seconds=30))
    stale = client.get(f"/jobs/{job.pk}/").content.decode()
    api = client.get(f"/api/v1/jobs/{job.pk}").json()

    assert "后台任务进程未运行" not in fresh
    assert "后台任务进程未运行：请运行 bizenv worker" in stale
    assert api["status"] == "queued" and api["waiting_for_worker"] is True


def test_only_the_creator_or_the_office_may_watch_a_job(town):
    job = queue_upload(town)
    records_file_ingest_job(job.pk)

    assert town.client("office").get(f"/api/v1/jobs/{job.pk}").json()["progress"] == 100
    assert town.client("east").get(f"/jobs/{job.pk}/").status_code == 404
    assert town.client("east").get(f"/api/v1/jobs/{job.pk}").status_code == 404
    Job.objects.filter(pk=job.pk).update(for_office=False, created_by=town.users["leader"])
    assert town.client("leader").get(f"/api/v1/jobs/{job.pk}").status_code == 200
    assert town.client("office").get(f"/api/v1/jobs/{job.pk}").status_code == 404
    assert town.client("office").get("/jobs/999999/").status_code == 404


def test_a_metric_run_job_with_nothing_to_compute_fails_in_chinese(town):
    job = metric_services.metric_run_enqueue(actor=town.users["office"], engine="duckdb", periods=["2025-02"])

    metric_run_job(job.pk)

    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and "没有生效的指标口径" in job.error
    assert town.client("office").get(f"/api/v1/jobs/{job.pk}").json()["status_label"] == "失败"


def test_a_metric_run_job_refuses_an_unknown_engine_before_queueing(town):
    with pytest.raises(ApplicationError):
        metric_services.metric_run_enqueue(actor=town.users["office"], engine="oracle")
    assert not Job.objects.exists()
