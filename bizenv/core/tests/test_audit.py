import pytest
from django.db import connection
from django.test import Client

from bizenv.core.audit import audit_record
from bizenv.core.models import AuditLog
from bizenv.organisations import services
from bizenv.organisations.models import Role, User

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    users = {}
    for username, role in (
        ("auditor", Role.AUDITOR),
        ("sysadmin", Role.SYSADMIN),
        ("secadmin", Role.SECADMIN),
    ):
        users[username] = services.user_create(
            actor=None,
            username=username,
            password="Bizenv@2026",
            full_name={"auditor": "孙磊"}.get(username, ""),
        )
        services.role_grant_add(actor=None, user=users[username], role=role, region=None)
    return users


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_only_the_audit_administrator_opens_the_audit_log(staff):
    assert _client(staff["auditor"]).get("/audit/").status_code == 200
    for username in ("sysadmin", "secadmin"):
        response = _client(staff[username]).get("/audit/")
        assert response.status_code == 403
        assert "查看审计日志" in response.content.decode()
        assert _client(staff[username]).post("/audit/verify/").status_code == 403
    assert Client().get("/audit/").status_code == 302


def test_the_audit_log_filters_by_action_actor_and_date(staff):
    sysadmin = staff["sysadmin"]
    services.department_upsert(actor=sysadmin, code="tax", name="市税务局", kind="bureau")
    services.department_upsert(actor=sysadmin, code="tax", name="国家税务总局示范市税务局", kind="bureau")
    client = _client(staff["auditor"])
    page = client.get("/audit/", {"action": "department.update"}).content.decode()
    assert "国家税务总局示范市税务局" in page and "共 1 条" in page
    # Chinese action and field names, not the stored codes.
    table = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    assert "修改部门" in table and "department.update" not in table and "新建部门" not in table
    assert "部门 #" in table and "organisations.department" not in table
    assert '<option value="department.update" selected>修改部门</option>' in page
    by_actor = client.get("/audit/", {"actor": "sysadmin"}).content.decode()
    assert "共 2 条" in by_actor
    assert "共 0 条" in client.get("/audit/", {"actor": "secadmin"}).content.decode()
    assert (
        "共 0 条"
        in client.get("/audit/", {"date_from": "2000-01-01", "date_to": "2000-12-31"}).content.decode()
    )
    today = AuditLog.objects.latest("id").created_at.astimezone().date().isoformat()
    everything = client.get("/audit/", {"date_from": today, "date_to": today}).content.decode()
    assert f"共 {AuditLog.objects.count()} 条" in everything
    bad = client.get("/audit/", {"date_from": "2026-02-01", "date_to": "2026-01-01"}).content.decode()
    assert "结束日期不能早于开始日期" in bad


def test_the_verify_button_reports_an_intact_chain_and_then_an_edited_row(staff):
    for i in range(3):
        audit_record(
            actor=None, action="test.change", object_type="test.thing", object_id=str(i), new={"value": i}
        )
    client = _client(staff["auditor"])
    page = client.post("/audit/verify/").content.decode()
    assert "哈希链校验通过" in page
    victim = AuditLog.objects.filter(action="test.change").order_by("id")[1]
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE core_auditlog SET new_values = %s WHERE id = %s", ['{"value": 999}', victim.id]
        )
    response = client.post("/audit/verify/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "审计日志被篡改" in page
    assert f"第 {victim.id} 条：记录内容与其哈希不符（记录被篡改）" in page


def test_every_audited_action_has_a_chinese_name():
    """A new audit action without a label would show as 其他操作: list every action written in the code."""
    import re
    from pathlib import Path

    import bizenv
    from bizenv.site.forms import action_labels

    root = Path(bizenv.__file__).parent
    found = set()
    for path in root.rglob("*.py"):
        if "tests" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        found |= set(re.findall(r'action="([a-z_]+\.[a-z_.]+)"', text))
        if "observation.{action}" in text:
            found |= {f"observation.{a}" for a in re.findall(r'_record\([^)]*action="([a-z_]+)"', text)}
            found |= {f"observation.{a}" for a in re.findall(r'_transition\([^)]*action="([a-z_]+)"', text)}
    assert len(found) > 40
    assert sorted(found - set(action_labels())) == []


def test_jsonable_gives_plain_json_for_what_services_record():
    from datetime import date, datetime
    from decimal import Decimal

    from bizenv.core.audit import jsonable

    value = {1: (Decimal("1.50"), {"x"}), "when": datetime(2026, 3, 4, 5, 6), "day": date(2026, 3, 4),
             "nan": float("nan"), "ok": [True, None, 2.5, "是"], "other": Role.AUDITOR}
    assert jsonable(value) == {"1": ["1.50", ["x"]], "when": "2026-03-04T05:06:00", "day": "2026-03-04",
                               "nan": None, "ok": [True, None, 2.5, "是"], "other": str(Role.AUDITOR)}
    assert jsonable({"when": datetime(2026, 3, 4, 5, 6)}, datetime_sep=" ") == {"when": "2026-03-04 05:06:00"}


def test_a_nan_that_stays_nan_is_no_change():
    from bizenv.core.audit import changed_values

    assert changed_values({"v": float("nan"), "w": 1}, {"v": float("nan"), "w": 2}) == ({"w": 1}, {"w": 2})


def test_the_audit_log_shows_each_action_once_in_its_filter_and_values_as_people_read_them(staff):
    from bizenv.organisations.models import Region

    sysadmin = staff["sysadmin"]
    for name in ("市税务局", "国家税务总局示范市税务局", "税务局"):
        services.department_upsert(actor=sysadmin, code="tax", name=name, kind="bureau")
    region = Region.objects.create(code="990100", name="示范市", level="city", path="990100/")
    user = services.user_create(actor=None, username="zhang", password="Bizenv@2026")
    services.role_grant_add(actor=sysadmin, user=user, role=Role.LEADER, region=region)

    page = _client(staff["auditor"]).get("/audit/").content.decode()
    options = page.split('name="action"', 1)[1].split("</select>", 1)[0]
    assert options.count('value="department.update"') == 1
    table = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    assert "<strong>角色</strong>：领导" in table and "role：" not in table and "leader" not in table
