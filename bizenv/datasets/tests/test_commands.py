import csv

from bizenv.cli import main
from bizenv.datasets.models import BatchStatus, LakeFile, RecordBatch
from bizenv.datasets.tests.recordkit import registration


def _write_csv(path, rows):
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_dry_run_reports_rejections_and_saves_nothing(town, tmp_path, capsys):
    bad = registration("QY-3", cost=-5)
    path = _write_csv(tmp_path / "records.csv", [registration("QY-1"), registration("QY-2"), bad])
    assert main(["import", "records", "business_registrations", str(path), "--dry-run"]) == 1
    out = capsys.readouterr().out
    assert "隔离" in out and "cost" in out
    assert not LakeFile.objects.exists()
    assert not RecordBatch.objects.filter(status=BatchStatus.COMMITTED).exists()


def test_import_lands_good_rows_and_a_second_run_counts_duplicates(town, tmp_path, capsys):
    path = _write_csv(tmp_path / "records.csv", [registration("QY-1"), registration("QY-2"),
                                                  registration("QY-3", region="999999")])
    assert main(["import", "records", "business_registrations", str(path)]) == 0
    batch = RecordBatch.objects.get(status=BatchStatus.COMMITTED)
    assert (batch.rows_total, batch.rows_accepted, batch.rows_quarantined) == (3, 2, 1)
    capsys.readouterr()
    main(["import", "records", "business_registrations", str(path)])
    latest = RecordBatch.objects.order_by("-id").first()
    assert latest.rows_accepted == 0 and latest.rows_duplicate == 2
    assert "重复" in capsys.readouterr().out


def test_a_file_that_is_not_a_table_is_refused_in_chinese(town, tmp_path, capsys):
    path = tmp_path / "records.xlsx"
    path.write_bytes(b"this is not a workbook")
    assert main(["import", "records", "business_registrations", str(path)]) == 1
    err = capsys.readouterr().err
    assert "未保存任何记录" in err
    assert not RecordBatch.objects.filter(status=BatchStatus.COMMITTED).exists()
