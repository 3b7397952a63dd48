import pytest

from bizenv.core.errors import ApplicationError, ErrorCode
from bizenv.core.models import AuditLog
from bizenv.indicators import selectors, services
from bizenv.indicators.models import Indicator, IndicatorSystem, SystemVersion, VersionStatus, WeightVariant
from bizenv.indicators.specs import system_canonical
from bizenv.indicators.tests.conftest import FIXTURES, SYSTEMS_DIR, import_file, load_departments

HEAD = "code: X\nname: 测试\nindicators:\n"


def _counts():
    return (
        IndicatorSystem.objects.count(),
        SystemVersion.objects.count(),
        Indicator.objects.count(),
        WeightVariant.objects.count(),
    )


def _import(text: str, name: str = "system.yaml", **kwargs):
    return services.indicator_system_import(actor=None, content=text.encode(), filename=name, **kwargs)


def test_import_creates_a_draft_with_departments_and_variants(small_version):
    assert small_version.status == VersionStatus.DRAFT
    assert small_version.version == "2026"
    power = small_version.indicators.get(code="power")
    assert [d.code for d in power.lead_departments.all()] == ["power_supply"]
    assert list(power.weight_variants.values_list("conditions", "weight")) == [
        ({"has_pipeline_gas": False}, 9.0)
    ]
    time = small_version.indicators.get(code="power.time")
    assert time.parent == power and time.level == 2
    assert [d.code for d in time.lead_departments.all()] == ["power_supply"]
    assert AuditLog.objects.filter(action="system_version.import", object_id=str(small_version.pk)).exists()


@pytest.mark.parametrize(
    "broken",
    [
        "code: X\nname: [\n",  # syntax
        HEAD + "  - {code: A, name: 甲, weight: 零, best: 1, worst: 2}\n",  # wrong type
        HEAD + "  - {code: A, name: 甲, best: 1, worst: 2}\n  - {code: A, name: 乙, best: 1, worst: 2}\n",
        HEAD + "  - {code: A, name: 甲, weight: 0, best: 1, worst: 2}\n",  # bad weight
        HEAD + "  - {code: A, name: 甲, best: 1, worst: 2, colour: red}\n",  # unknown field
        HEAD + "  - code: A\n    name: 一\n    children:\n      - code: A.B\n        name: 二\n"
        "        children:\n          - code: A.B.C\n            name: 三\n            children:\n"
        "              - {code: A.B.C.D, name: 四, best: 1, worst: 2}\n",  # depth 4
    ],
)
def test_broken_file_saves_nothing(db, broken):
    before = _counts()
    audit_before = AuditLog.objects.count()

    with pytest.raises(ApplicationError) as excinfo:
        _import(broken)

    assert _counts() == before
    assert AuditLog.objects.count() == audit_before
    assert "未导入任何内容" in excinfo.value.message
    assert excinfo.value.details and all(d.startswith("第 ") for d in excinfo.value.details)


def test_unknown_department_is_refused(departments):
    with pytest.raises(ApplicationError) as excinfo:
        _import(
            "code: X\nname: 测试\nindicators:\n  - {code: A, name: 甲, best: 1, worst: 2, "
            "lead_departments: [nosuch]}\n"
        )

    assert "第 4 行，字段 lead_departments：未知的部门编码：nosuch" in excinfo.value.details[0]
    assert IndicatorSystem.objects.count() == 0


def test_reimporting_identical_content_is_a_no_op(small_version):
    before = _counts()
    audit_before = AuditLog.objects.count()

    outcome = services.indicator_system_import(
        actor=None, content=(FIXTURES / "small.yaml").read_bytes(), filename="small.yaml"
    )

    assert outcome.created is False and outcome.version == small_version
    assert _counts() == before
    assert AuditLog.objects.count() == audit_before


def test_same_version_label_with_different_content_is_refused(small_version):
    changed = (FIXTURES / "small.yaml").read_text(encoding="utf-8").replace("weight: 7", "weight: 8")

    with pytest.raises(ApplicationError) as excinfo:
        _import(changed)

    assert excinfo.value.code == ErrorCode.CONFLICT
    assert "版本 2026 已存在且内容不同" in excinfo.value.message


def test_new_version_label_adds_a_version_to_the_system(small_version):
    changed = (
        (FIXTURES / "small.yaml").read_text(encoding="utf-8").replace('version: "2026"', 'version: "2027"')
    )

    outcome = _import(changed)

    assert outcome.created and outcome.version.system == small_version.system
    assert small_version.system.versions.count() == 2


def test_published_version_is_immutable(small_version):
    published = services.system_version_publish(actor=None, version=small_version)
    indicator = published.indicators.get(code="power.time")

    with pytest.raises(ApplicationError) as edit:
        services.indicator_update(actor=None, indicator=indicator, weight=5)
    with pytest.raises(ApplicationError) as add:
        services.indicator_create(
            actor=None, version=published, parent=None, code="new", name="新", best=1, worst=2
        )
    with pytest.raises(ApplicationError) as delete:
        services.indicator_delete(actor=None, indicator=indicator)
    with pytest.raises(ApplicationError) as again:
        services.system_version_publish(actor=None, version=published)

    assert {edit.value.code, add.value.code, delete.value.code} == {ErrorCode.PUBLISHED_IMMUTABLE}
    assert again.value.code == ErrorCode.INVALID_TRANSITION
    indicator.refresh_from_db()
    assert indicator.weight == 1.0


def test_publish_validates_the_whole_tree_first(small_version):
    leaf = small_version.indicators.get(code="gas.time")
    Indicator.objects.filter(pk=leaf.pk).update(best=None)

    with pytest.raises(ApplicationError) as excinfo:
        services.system_version_publish(actor=None, version=small_version)

    assert "不能发布" in excinfo.value.message
    assert any("指标 gas.time，字段 best" in d for d in excinfo.value.details)
    small_version.refresh_from_db()
    assert small_version.status == VersionStatus.DRAFT


def test_copy_makes_an_independent_draft(small_version):
    services.system_version_publish(actor=None, version=small_version)

    copy = services.system_version_copy(actor=None, source=small_version, version="2027")
    services.indicator_update(actor=None, indicator=copy.indicators.get(code="power"), weight=6)

    assert copy.status == VersionStatus.DRAFT and copy.based_on == small_version
    original = selectors.version_spec(version=small_version)
    copied = selectors.version_spec(version=copy)
    assert original.indicators[0].weight == 7 and copied.indicators[0].weight == 6
    assert copied.indicators[0].weight_variants == original.indicators[0].weight_variants
    assert copied.indicators[0].lead_departments == ["power_supply"]
    assert copy.indicators.count() == small_version.indicators.count()
    assert AuditLog.objects.filter(action="system_version.copy").count() == 1


def test_copy_refuses_an_existing_label(small_version):
    with pytest.raises(ApplicationError) as excinfo:
        services.system_version_copy(actor=None, source=small_version, version="2026")

    assert excinfo.value.code == ErrorCode.CONFLICT


def test_update_is_validated_and_audited_with_old_and_new_values(small_version):
    indicator = small_version.indicators.get(code="power.cost")

    with pytest.raises(ApplicationError) as bad:
        services.indicator_update(actor=None, indicator=indicator, weight=0)
    with pytest.raises(ApplicationError) as unknown:
        services.indicator_update(actor=None, indicator=indicator, lead_departments=["nosuch"])
    updated = services.indicator_update(
        actor=None,
        indicator=indicator,
        weight=3,
        lead_departments=["tax"],
        weight_variants=[{"when": {"level": "county"}, "weight": 1}],
    )

    assert "权重必须是大于 0 的数字" in bad.value.details[0]
    assert "未知的部门编码：nosuch" in unknown.value.details[0]
    assert updated.weight == 3
    assert [d.code for d in updated.lead_departments.all()] == ["tax"]
    entry = AuditLog.objects.filter(action="indicator.update").get()
    assert entry.old_values["weight"] == 2 and entry.new_values["weight"] == 3
    assert entry.new_values["lead_departments"] == ["tax"]


def test_update_without_change_writes_no_audit(small_version):
    indicator = small_version.indicators.get(code="power.cost")

    services.indicator_update(actor=None, indicator=indicator, weight=2)

    assert not AuditLog.objects.filter(action="indicator.update").exists()


def test_adding_a_child_to_a_leaf_clears_its_scoring_fields(small_version):
    leaf = small_version.indicators.get(code="gas.time")

    child = services.indicator_create(
        actor=None,
        version=small_version,
        parent=leaf,
        code="gas.time.pipe",
        name="管道接入时间",
        best=1,
        worst=10,
    )

    leaf.refresh_from_db()
    assert child.level == 3 and child.parent == leaf
    assert (leaf.best, leaf.worst, leaf.direction) == (None, None, "")
    assert child.cycle == "quarterly"  # inherited from the parent
    assert selectors.version_problems(version=small_version) == []
    with pytest.raises(ApplicationError) as too_deep:
        services.indicator_create(actor=None, version=small_version, parent=child, code="x", name="四级")
    assert "不能超过 3 级" in too_deep.value.message


def test_delete_removes_the_subtree(small_version):
    services.indicator_delete(actor=None, indicator=small_version.indicators.get(code="power"))

    assert not small_version.indicators.filter(code__startswith="power").exists()
    entry = AuditLog.objects.get(action="indicator.delete")
    assert entry.old_values["removed_codes"] == ["power", "power.time", "power.cost"]


def test_services_check_permissions(small_version, make_user):
    county_user = make_user("county")
    office_user = make_user("office")

    with pytest.raises(ApplicationError) as excinfo:
        services.system_version_copy(actor=county_user, source=small_version, version="x")
    copy = services.system_version_copy(actor=office_user, source=small_version, version="x")

    assert excinfo.value.code == ErrorCode.PERMISSION_DENIED
    assert copy.created_by == office_user


@pytest.mark.skipif(not (SYSTEMS_DIR / "default.yaml").exists(), reason="shipped systems not present yet")
def test_shipped_systems_load_and_publish_idempotently(db):
    load_departments()

    first = services.indicator_systems_load_shipped(actor=None)
    counts = _counts()
    second = services.indicator_systems_load_shipped(actor=None)

    assert [v.pk for v in first] == [v.pk for v in second]
    assert all(v.status == VersionStatus.PUBLISHED for v in first)
    assert _counts() == counts
    assert selectors.active_version(system_code="BIZENV-CN") is not None


def test_round_trip_through_the_database_keeps_the_tree(small_version):
    from bizenv.indicators.exporting import export_excel, export_yaml

    spec = selectors.version_spec(version=small_version)
    for name, content in (("a.yaml", export_yaml(spec).encode()), ("a.xlsx", export_excel(spec))):
        renamed = selectors.version_spec(version=small_version)
        assert system_canonical(renamed) == system_canonical(spec)
        result_spec, problems = selectors.file_problems(content=content, filename=name)
        assert problems == []
        assert system_canonical(result_spec) == system_canonical(spec)


def test_imports_of_both_formats_give_identical_versions(departments):
    from bizenv.indicators.exporting import export_excel, export_yaml

    original = import_file(FIXTURES / "small.yaml")
    spec = selectors.version_spec(version=original)
    for label, fmt in (("yaml-copy", "yaml"), ("excel-copy", "xlsx")):
        spec.version = label
        content = export_yaml(spec).encode() if fmt == "yaml" else export_excel(spec)
        version = services.indicator_system_import(actor=None, content=content, filename=f"f.{fmt}").version
        again = selectors.version_spec(version=version)
        again.version = original.version
        assert system_canonical(again) == system_canonical(selectors.version_spec(version=original))
