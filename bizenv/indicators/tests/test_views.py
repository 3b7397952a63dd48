from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from bizenv.core.models import AuditLog
from bizenv.indicators import services
from bizenv.indicators.models import Indicator, SystemVersion, VersionStatus
from bizenv.indicators.tests.conftest import FIXTURES


@pytest.fixture
def pages(small_version):
    v = small_version.pk
    return {
        "list": reverse("indicators:system_list"),
        "version": reverse("indicators:version_detail", args=[v]),
        "indicator": reverse("indicators:indicator_detail", args=[v, "power.time"]),
        "compare": reverse("indicators:compare") + f"?left={v}&right={v}",
        "export_yaml": reverse("indicators:version_export", args=[v, "yaml"]),
        "export_xlsx": reverse("indicators:version_export", args=[v, "xlsx"]),
        "edit": reverse("indicators:indicator_edit", args=[v, "power.time"]),
        "add": reverse("indicators:indicator_add", args=[v]) + "?parent=power",
        "copy": reverse("indicators:version_copy", args=[v]),
        "upload": reverse("indicators:upload"),
        "publish": reverse("indicators:version_publish", args=[v]),
    }


VIEW_PAGES = ("list", "version", "indicator", "compare", "export_yaml", "export_xlsx")
EDIT_PAGES = ("edit", "add", "copy", "upload", "publish")


@pytest.mark.parametrize("role", ["office"])
def test_office_opens_every_page(role, make_user, client_for, pages):
    client = client_for(make_user(role))

    for name in VIEW_PAGES + EDIT_PAGES:
        assert client.get(pages[name]).status_code == 200, name


@pytest.mark.parametrize("role", ["county", "department", "leader"])
def test_viewers_can_only_view(role, make_user, client_for, pages):
    client = client_for(make_user(role))

    for name in VIEW_PAGES:
        assert client.get(pages[name]).status_code == 200, name
    for name in EDIT_PAGES:
        response = client.get(pages[name])
        assert response.status_code == 403, name
        assert "您没有访问该页面的权限" in response.content.decode()
    assert client.post(pages["publish"]).status_code == 403


@pytest.mark.parametrize("role", ["auditor", "secadmin"])
def test_auditor_and_security_admin_are_forbidden(role, make_user, client_for, pages):
    client = client_for(make_user(role))

    for name in VIEW_PAGES + EDIT_PAGES:
        assert client.get(pages[name]).status_code == 403, name


def test_anonymous_is_redirected_to_login(client, pages):
    for name in VIEW_PAGES + EDIT_PAGES:
        response = client.get(pages[name])
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], name


def test_version_page_shows_tree_shares_and_the_no_gas_toggle(office, client_for, pages):
    client = client_for(office)

    normal = client.get(pages["version"]).content.decode()
    no_gas = client.get(pages["version"] + "?variant=1").content.decode()

    assert "办电时间" in normal and "权重 70%" in normal and "权重 30%" in normal
    assert "显示不具备管道供气条件的地区的有效权重" in normal
    assert "变体 100%" in no_gas  # power takes the whole level when gas is dropped
    assert "变体 不计入" in no_gas
    assert 'class="tree"' in normal and "<details open>" in normal


def test_indicator_page_shows_definition_departments_and_position(office, client_for, pages):
    html = client_for(office).get(pages["indicator"]).content.decode()

    assert "从申请到装表接电的工作日数。" in html
    assert "获得电力</a> ›" in html
    assert "越低越好" in html


def test_edit_form_saves_through_the_service(office, client_for, pages, small_version):
    client = client_for(office)
    form = client.get(pages["edit"]).context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None}
    data.update({"weight": "4", "weight_variants": "has_pipeline_gas=false:2"})

    response = client.post(pages["edit"], data)

    assert response.status_code == 302
    indicator = small_version.indicators.get(code="power.time")
    assert indicator.weight == 4
    assert list(indicator.weight_variants.values_list("weight", flat=True)) == [2]
    assert AuditLog.objects.filter(action="indicator.update", actor=office).exists()


def test_edit_form_shows_chinese_rule_violations(office, client_for, pages, small_version):
    client = client_for(office)
    data = {"name": "办电时间", "weight": "1", "best": "5", "worst": "5", "direction": ""}

    response = client.post(pages["edit"], data)

    assert response.status_code == 400
    html = response.content.decode()
    assert "最佳值与最差值不能相等" in html and "指标 power.time，字段 worst" in html
    assert small_version.indicators.get(code="power.time").best == 1


def test_edit_form_rejects_bad_variant_syntax(office, client_for, pages):
    response = client_for(office).post(pages["edit"], {"name": "x", "weight": "1", "weight_variants": "gas"})

    assert response.status_code == 400
    assert "格式有误" in response.content.decode()


def test_add_and_delete_child(office, client_for, pages, small_version):
    client = client_for(office)

    response = client.post(
        pages["add"],
        {"code": "power.reliability", "name": "供电可靠性", "weight": "1", "best": "0", "worst": "10"},
    )
    assert response.status_code == 302
    child = small_version.indicators.get(code="power.reliability")
    assert child.parent.code == "power" and child.direction == "lower_better"

    delete_url = reverse("indicators:indicator_delete", args=[small_version.pk, "power.reliability"])
    assert "确认删除" in client.get(delete_url).content.decode()
    assert client.post(delete_url).status_code == 302
    assert not small_version.indicators.filter(code="power.reliability").exists()


def test_publish_page_lists_problems_then_publishes(office, client_for, pages, small_version):
    client = client_for(office)
    Indicator.objects.filter(version=small_version, code="gas.time").update(worst=None)

    blocked = client.get(pages["publish"]).content.decode()
    refused = client.post(pages["publish"])
    Indicator.objects.filter(version=small_version, code="gas.time").update(worst=30)
    done = client.post(pages["publish"])

    assert "发布前校验发现 1 处问题" in blocked and "指标 gas.time，字段 worst" in blocked
    assert refused.status_code == 400
    assert done.status_code == 302
    small_version.refresh_from_db()
    assert small_version.status == VersionStatus.PUBLISHED
    edit = client.get(pages["edit"])
    assert edit.status_code == 302  # published versions send the editor back


def test_copy_page_creates_a_draft(office, client_for, pages, small_version):
    response = client_for(office).post(pages["copy"], {"version": "2027", "name": ""})

    new = SystemVersion.objects.get(version="2027")
    assert response.status_code == 302 and response["Location"].endswith(f"/versions/{new.pk}/")
    assert new.based_on == small_version


def test_compare_page_highlights_changes(office, client_for, small_version):
    copy = services.system_version_copy(actor=None, source=small_version, version="2027")
    services.indicator_update(actor=None, indicator=copy.indicators.get(code="power"), weight=6)
    services.indicator_delete(actor=None, indicator=copy.indicators.get(code="trade"))
    services.indicator_create(
        actor=None, version=copy, parent=None, code="water", name="获得用水", best=1, worst=9
    )

    html = (
        client_for(office)
        .get(reverse("indicators:compare"), {"left": small_version.pk, "right": copy.pk})
        .content.decode()
    )

    assert 'class="diff-added"' in html and "获得用水" in html
    assert 'class="diff-removed"' in html and "跨境贸易" in html
    assert 'class="diff-changed"' in html and "<strong>6</strong>" in html


def _upload(client, content: bytes, name: str, action: str, publish: bool = False):
    data = {"file": SimpleUploadedFile(name, content), "action": action}
    if publish:
        data["publish"] = "on"
    return client.post(reverse("indicators:upload"), data)


def test_upload_validate_reports_line_and_field_and_saves_nothing(office, client_for):
    client = client_for(office)
    broken = b"code: X\nname: t\nindicators:\n  - {code: A, name: a, weight: -1, best: 1, worst: 2}\n"

    checked = _upload(client, broken, "x.yaml", "validate")
    imported = _upload(client, broken, "x.yaml", "import")

    assert checked.status_code == 400
    assert "第 4 行，字段 weight：权重必须是大于 0 的数字" in checked.content.decode()
    assert imported.status_code == 400
    assert "第 4 行，字段 weight：权重必须是大于 0 的数字" in imported.content.decode()
    assert not SystemVersion.objects.filter(system__code="X").exists()


def test_upload_imports_yaml_and_excel(office, client_for, departments):
    client = client_for(office)
    from bizenv.indicators.exporting import export_excel
    from bizenv.indicators.parsing import parse_yaml

    ok = _upload(client, (FIXTURES / "minimal.yaml").read_bytes(), "minimal.yaml", "import")
    spec = parse_yaml((FIXTURES / "small.yaml").read_bytes()).spec
    excel = _upload(client, export_excel(spec), "small.xlsx", "import", publish=True)

    assert ok.status_code == 302
    assert SystemVersion.objects.get(system__code="DB2020", version="1").status == VersionStatus.DRAFT
    assert excel.status_code == 302
    assert SystemVersion.objects.get(system__code="TEST-SYS").status == VersionStatus.PUBLISHED


def test_export_downloads_re_import_cleanly(office, client_for, pages):
    from bizenv.indicators.selectors import file_problems

    client = client_for(office)
    yaml_response = client.get(pages["export_yaml"])
    xlsx_response = client.get(pages["export_xlsx"])

    assert "attachment" in yaml_response["Content-Disposition"]
    assert file_problems(content=yaml_response.content, filename="a.yaml")[1] == []
    assert file_problems(content=b"".join(xlsx_response), filename="a.xlsx")[1] == []
    assert BytesIO(b"".join(xlsx_response)).read(2) == b"PK"


def test_htmx_toggle_returns_the_page_for_hx_select(office, client_for, pages):
    response = client_for(office).get(pages["version"] + "?variant=1", HTTP_HX_REQUEST="true")

    assert response.status_code == 200 and 'id="tree"' in response.content.decode()
