import io

import pytest
from django.db import connection
from openpyxl import Workbook

from bizenv.core.errors import ApplicationError, PermissionDenied
from bizenv.core.models import AuditLog
from bizenv.datasets import services
from bizenv.datasets.catalog import DATASETS
from bizenv.datasets.lake import lake_read, lake_root
from bizenv.datasets.models import BatchStatus, LakeFile, QuarantinedRecord, RecordBatch
from bizenv.datasets.parsing import RecordFileError
from bizenv.datasets.tests.recordkit import NORTH, push_source, registration

DS = DATASETS["business_registrations"]


def ingest(rows, **kwargs):
    kwargs.setdefault("actor", None)
    return services.records_ingest(dataset="business_registrations", rows_or_table=rows, **kwargs)


def lake_ids():
    return sorted(lake_read(dataset=DS).column("record_id").to_pylist())


def parquet_files():
    return sorted(p.name for p in lake_root().rglob("*.parquet*"))


def counts(batch):
    return batch.rows_total, batch.rows_accepted, batch.rows_duplicate, batch.rows_quarantined


def test_good_rows_land_and_bad_rows_are_quarantined_with_reasons(town):
    batch = ingest([registration("A1"), registration("A2", cost=-3), registration("A3", applied="2024-04-02 10:00:00",
                                                                                   completed="2024-04-03 10:00:00")],
                   actor=town.users["office"])

    assert batch.status == BatchStatus.COMMITTED
    assert counts(batch) == (3, 2, 0, 1)
    assert lake_ids() == ["A1", "A3"]
    assert sorted(LakeFile.objects.values_list("month", flat=True)) == ["2024-03", "2024-04"]
    q = QuarantinedRecord.objects.get(batch=batch)
    assert q.row_number == 2 and q.payload["cost"] == -3
    assert q.reasons == [{"field": "cost", "message": "费用（元）不能为负数，收到 -3"}]
    entry = AuditLog.objects.get(action="datasets.batch_commit")
    assert entry.new_values["rows_accepted"] == 2 and entry.actor_username == "office"


def test_a_record_sent_again_in_a_later_batch_counts_once(town):
    ingest([registration("A1"), registration("A2")])

    second = ingest([registration("A2"), registration("A3"), registration("A3")])

    assert counts(second) == (3, 1, 2, 0)
    assert lake_ids() == ["A1", "A2", "A3"]
    assert "已在以前的批次中入库" in second.message


def test_unknown_region_is_quarantined(town):
    batch = ingest([registration("A1", region="110101")], known_region_codes={NORTH})

    assert counts(batch) == (1, 0, 0, 1)
    assert lake_ids() == []


def test_dry_run_writes_nothing(town):
    preview = ingest([registration("A1"), registration("A2", kind="merger")], dry_run=True)

    assert preview.pk is None and preview.status == BatchStatus.PREVIEW
    assert counts(preview) == (2, 1, 0, 1)
    assert [p.field for p in preview.problems] == ["kind"]
    assert not RecordBatch.objects.exists() and not QuarantinedRecord.objects.exists()
    assert parquet_files() == []


def test_same_idempotency_key_returns_the_existing_batch_and_changes_nothing(town):
    source, _ = push_source()
    first = ingest([registration("A1")], source=source, idempotency_key="k-1")
    audit_before = AuditLog.objects.count()

    again = ingest([registration("A1")], source=source, idempotency_key="k-1")

    assert again.pk == first.pk and again.replayed
    assert RecordBatch.objects.count() == 1 and AuditLog.objects.count() == audit_before
    with pytest.raises(ApplicationError) as exc:
        ingest([registration("A1", cost=9)], source=source, idempotency_key="k-1")
    assert exc.value.code == "conflict" and "内容不同" in exc.value.message


def test_dataset_not_allowed_for_the_source_is_refused(town):
    source, _ = push_source(datasets=("service_cases",))

    with pytest.raises(PermissionDenied) as exc:
        ingest([registration("A1")], source=source)

    assert "未被授权提供数据集" in exc.value.message
    assert not RecordBatch.objects.exists()


def test_only_the_office_may_ingest(town):
    with pytest.raises(PermissionDenied):
        ingest([registration("A1")], actor=town.users["east"])


def test_file_upload_csv_gb18030_and_xlsx(town):
    header = "record_id,region_code,kind,channel,applied_at,completed_at,cost,entity_type\n"
    csv_text = header + "A1,990101,establishment,online,2024-03-01 09:00,2024-03-01 15:00,0,个体工商户\n"
    batch = services.records_file_ingest(actor=None, dataset="business_registrations",
                                         content=csv_text.encode("gb18030"), filename="开办.csv")
    wb = Workbook()
    wb.active.append(header.strip().split(","))
    wb.active.append(["A2", "990101", "change", "counter", "2024-03-02 09:00", None, "abc", None])
    wb.active.append(["A1", "990101", "establishment", "online", "2024-03-01 09:00", "2024-03-01 15:00", 0, "个体工商户"])
    buffer = io.BytesIO()
    wb.save(buffer)

    second = services.records_file_ingest(actor=None, dataset="business_registrations", content=buffer.getvalue(),
                                          filename="开办.xlsx")

    assert counts(batch) == (1, 1, 0, 0)
    assert counts(second) == (2, 0, 1, 1)
    assert QuarantinedRecord.objects.get(batch=second).row_number == 2
    assert lake_read(dataset=DS).column("entity_type").to_pylist() == ["个体工商户"]


@pytest.mark.parametrize("content,filename", [
    (b"record_id,region_code\nA1,990101\n", "renamed.xlsx"),
    (b"PK\x03\x04\x14\x00corrupted", "broken.xlsx"),
    (b"\x00\x01\x02binary", "broken.csv"),
])
def test_a_broken_file_saves_nothing(town, content, filename):
    with pytest.raises(RecordFileError):
        services.records_file_ingest(actor=None, dataset="business_registrations", content=content, filename=filename)

    assert not RecordBatch.objects.exists() and parquet_files() == []


def test_unknown_dataset_is_a_chinese_error(town):
    with pytest.raises(ApplicationError) as exc:
        services.records_ingest(actor=None, dataset="no_such", rows_or_table=[])

    assert "未知的数据集" in exc.value.message


def _refuse_lake_file_rows():
    # A real database-level failure inside the commit transaction (as a full disk or a lost
    # connection would cause), raised after the Parquet files are already written.
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("CREATE FUNCTION refuse_lake() RETURNS trigger AS $$ BEGIN "
                           "RAISE EXCEPTION 'lake table is read-only'; END $$ LANGUAGE plpgsql")
            cursor.execute("CREATE TRIGGER refuse_lake BEFORE INSERT ON datasets_lakefile "
                           "FOR EACH ROW EXECUTE FUNCTION refuse_lake()")
        else:
            cursor.execute("CREATE TRIGGER refuse_lake BEFORE INSERT ON datasets_lakefile "
                           "BEGIN SELECT RAISE(ABORT, 'lake table is read-only'); END")


def test_a_failure_after_the_files_were_written_leaves_no_rows_and_no_files(town):
    source, _ = push_source()
    _refuse_lake_file_rows()

    with pytest.raises(ApplicationError) as exc:
        ingest([registration("A1"), registration("A2", cost=-1)], source=source, idempotency_key="k-9",
               source_cursor={"value": "x"})

    assert "入库失败，本批次未保存任何记录" in exc.value.message
    batch = RecordBatch.objects.get()
    assert batch.status == BatchStatus.FAILED and batch.rows_accepted == 0
    assert batch.idempotency_key == ""  # released, so the sender can retry
    assert not LakeFile.objects.exists() and not QuarantinedRecord.objects.exists()
    assert parquet_files() == []
    source.refresh_from_db()
    assert source.cursor == {}
    assert AuditLog.objects.filter(action="datasets.batch_fail").exists()
    assert not AuditLog.objects.filter(action="datasets.batch_commit").exists()
