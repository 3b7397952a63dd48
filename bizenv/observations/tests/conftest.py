"""Factories for the observation tests: a city with three counties, departments, users per role, a system."""

from __future__ import annotations

import pytest

from bizenv.indicators import services as indicator_services
from bizenv.organisations.models import Department, Role
from bizenv.organisations.services import department_upsert, region_create, role_grant_add, user_create

PASSWORD = "Ceshi-mima-2026!"

SYSTEM_YAML = """
code: OBS-TEST
name: 填报测试体系
version: "2026"
indicators:
  - code: starting
    name: 开办企业
    lead_departments: [samr]
    source_kind: report
    cycle: monthly
    children:
      - {code: starting.time, name: 开办企业时间, unit: 工作日, best: 1, worst: 20}
      - {code: starting.online, name: 全程网办比例, unit: "%", direction: higher_better, best: 100, worst: 0}
  - code: permits
    name: 办理建筑许可
    lead_departments: [housing]
    source_kind: report
    cycle: quarterly
    children:
      - {code: permits.time, name: 审批时间, unit: 工作日, best: 30, worst: 200}
  - code: survey
    name: 政务服务
    lead_departments: [gov_services]
    source_kind: survey
    cycle: yearly
    children:
      - {code: survey.score, name: 企业满意度, unit: 分, direction: higher_better, best: 100, worst: 60}
      - {code: survey.growth, name: 新登记市场主体增长率, unit: "%", direction: higher_better, best: 30, worst: -10}
  - code: power
    name: 获得电力
    lead_departments: [power_supply]
    source_kind: metric
    cycle: monthly
    children:
      - {code: power.time, name: 办电时间, unit: 工作日, best: 1, worst: 20}
"""


@pytest.fixture(autouse=True)
def fast_passwords(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def departments(db):
    for order, (code, name) in enumerate([
        ("office", "市营商环境建设专班办公室"), ("samr", "市市场监管局"), ("housing", "市住房城乡建设局"),
        ("gov_services", "市政务服务局"), ("power_supply", "示范供电公司"),
    ]):
        department_upsert(actor=None, code=code, name=name, kind="bureau", sort_order=order)
    return {d.code: d for d in Department.objects.all()}


@pytest.fixture
def city(db):
    return region_create(actor=None, code="990100", name="示范市", level="city")


@pytest.fixture
def counties(city):
    return [
        region_create(actor=None, code=f"99010{i}", name=name, level="county", parent=city, sort_order=i,
                      peer_group=group)
        for i, (name, group) in enumerate([("东湖县", "平原"), ("西山县", "山区"), ("南河区", "平原")], start=1)
    ]


@pytest.fixture
def version(departments):
    return indicator_services.indicator_system_import(
        actor=None, content=SYSTEM_YAML.encode("utf-8"), filename="obs-test.yaml", publish=True
    ).version


@pytest.fixture
def ind(version):
    return {i.code: i for i in version.indicators.all()}


@pytest.fixture
def make_user(city, counties, departments):
    def make(role: str, *, username: str | None = None, department: str | None = None, region=None):
        user = user_create(
            actor=None, username=username or f"u_{role}_{department or ''}", password=PASSWORD,
            full_name=f"测试{role}", department=departments[department] if department else None,
        )
        role_grant_add(actor=None, user=user, role=role, region=region or city)
        return user

    return make


@pytest.fixture
def office(make_user):
    return make_user(Role.OFFICE, username="office", department="office")


@pytest.fixture
def samr(make_user):
    return make_user(Role.DEPARTMENT, username="samr_user", department="samr")


@pytest.fixture
def housing(make_user):
    return make_user(Role.DEPARTMENT, username="housing_user", department="housing")


@pytest.fixture
def county_user(make_user, counties):
    return make_user(Role.COUNTY, username="county1", region=counties[0])
