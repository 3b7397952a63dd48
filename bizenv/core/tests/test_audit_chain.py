import pytest
from django.db import connection

from bizenv.cli import main
from bizenv.core.audit import audit_record, audit_verify
from bizenv.core.errors import ApplicationError
from bizenv.core.models import AuditLog

pytestmark = pytest.mark.django_db


def _three_entries():
    for i in range(3):
        audit_record(actor=None, action="test.change", object_type="test.thing", object_id=str(i),
                     old={"value": i}, new={"value": i + 1})
    return list(AuditLog.objects.order_by("id"))


def test_an_untouched_chain_verifies():
    entries = _three_entries()
    assert entries[1].prev_hash == entries[0].hash
    report = audit_verify()
    assert report.ok and report.entries == 3


def test_an_edited_row_is_detected(capsys):
    entries = _three_entries()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditlog SET object_repr = %s WHERE id = %s", ["篡改", entries[1].id])
    report = audit_verify()
    assert not report.ok
    assert [p.entry_id for p in report.problems] == [entries[1].id]
    assert main(["audit", "verify"]) == 1
    assert "篡改" in capsys.readouterr().err


def test_a_deleted_row_is_detected():
    entries = _three_entries()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditlog WHERE id = %s", [entries[1].id])
    report = audit_verify()
    assert [p.entry_id for p in report.problems] == [entries[2].id]
    assert "缺失" in report.problems[0].reason


def test_the_orm_refuses_to_change_or_delete_entries():
    entry = _three_entries()[0]
    entry.action = "other"
    with pytest.raises(ApplicationError):
        entry.save()
    with pytest.raises(ApplicationError):
        entry.delete()
    with pytest.raises(ApplicationError):
        AuditLog.objects.filter(pk=entry.pk).update(action="x")
    with pytest.raises(ApplicationError):
        AuditLog.objects.all().delete()


def test_cli_reports_an_intact_chain(capsys):
    _three_entries()
    assert main(["audit", "verify"]) == 0
    assert "校验通过" in capsys.readouterr().out
