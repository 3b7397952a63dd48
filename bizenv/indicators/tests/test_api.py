import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from bizenv.indicators.models import SystemVersion
from bizenv.indicators.tests.conftest import FIXTURES

API = "/api/v1/indicators"


def test_anonymous_gets_401(client, small_version):
    assert client.get(f"{API}/systems").status_code == 401


@pytest.mark.parametrize("role", ["auditor", "secadmin"])
def test_auditor_and_security_admin_get_403(role, make_user, client_for, small_version):
    response = client_for(make_user(role)).get(f"{API}/systems")

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_list_systems_and_versions(make_user, client_for, small_version):
    data = client_for(make_user("county")).get(f"{API}/systems").json()

    assert data[0]["code"] == "TEST-SYS"
    assert data[0]["versions"][0]["version"] == "2026"
    assert data[0]["versions"][0]["status_label"] == "草稿"


def test_version_tree_and_indicator(make_user, client_for, small_version):
    client = client_for(make_user("leader"))

    tree = client.get(f"{API}/versions/{small_version.pk}").json()
    indicator = client.get(f"{API}/versions/{small_version.pk}/indicators/power.cost").json()
    missing = client.get(f"{API}/versions/{small_version.pk}/indicators/nosuch")

    assert [n["code"] for n in tree["indicators"]] == ["power", "gas", "trade"]
    assert tree["indicators"][0]["share"] == pytest.approx(0.7)
    assert tree["indicators"][0]["weight_variants"] == [{"when": {"has_pipeline_gas": False}, "weight": 9.0}]
    assert tree["indicators"][0]["children"][1]["code"] == "power.cost"
    assert indicator["transform_power"] == 0.8 and indicator["parent"] == "power"
    assert missing.status_code == 404 and "没有指标 nosuch" in missing.json()["detail"]


def test_validate_reports_problems_and_saves_nothing(office, client_for):
    broken = b"code: X\nname: t\nindicators:\n  - {code: A, name: a, best: 1, worst: 2, colour: red}\n"

    response = client_for(office).post(f"{API}/validate", {"file": SimpleUploadedFile("x.yaml", broken)})

    data = response.json()
    assert response.status_code == 200 and data["ok"] is False
    assert data["problems"][0]["line"] == 4 and data["problems"][0]["field"] == "colour"
    assert "未知字段“colour”" in data["problems"][0]["text"]
    assert not SystemVersion.objects.exists()


def test_validate_accepts_a_good_file(office, client_for):
    content = (FIXTURES / "minimal.yaml").read_bytes()

    data = client_for(office).post(f"{API}/validate", {"file": SimpleUploadedFile("m.yaml", content)}).json()

    assert data["ok"] is True and data["indicator_count"] == 6 and data["version"] == "1"


def test_viewer_may_not_validate_or_import(make_user, client_for):
    client = client_for(make_user("county"))
    content = (FIXTURES / "minimal.yaml").read_bytes()

    assert client.post(f"{API}/validate", {"file": SimpleUploadedFile("m.yaml", content)}).status_code == 403
    assert client.post(f"{API}/import", {"file": SimpleUploadedFile("m.yaml", content)}).status_code == 403


def test_import_through_the_api(office, client_for):
    content = (FIXTURES / "minimal.yaml").read_bytes()

    data = client_for(office).post(f"{API}/import", {"file": SimpleUploadedFile("m.yaml", content)}).json()

    assert data["created"] is True and data["version"]["system_code"] == "DB2020"


def test_export_formats(make_user, client_for, small_version):
    client = client_for(make_user("department"))

    yaml_response = client.get(f"{API}/versions/{small_version.pk}/export?format=yaml")
    xlsx_response = client.get(f"{API}/versions/{small_version.pk}/export?format=xlsx")
    bad = client.get(f"{API}/versions/{small_version.pk}/export?format=pdf")

    assert yaml_response.status_code == 200 and b"code: TEST-SYS" in yaml_response.content
    assert xlsx_response.status_code == 200 and xlsx_response.content[:2] == b"PK"
    assert bad.status_code == 400
