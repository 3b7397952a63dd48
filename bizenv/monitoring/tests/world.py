"""A small monitored world for the service tests: a city with four counties, a small published system, users
per role, and approved monthly values from 2025-01 on in which one county's 开办企业时间 can be made to breach
its warning line in chosen months. Import the fixtures into a test module with `from ... import *`."""

from __future__ import annotations

import pytest

from bizenv.core.periods import Period
from bizenv.indicators import services as indicator_services
from bizenv.monitoring.models import RectificationMethod, WarningRule
from bizenv.observations.models import Observation
from bizenv.organisations.models import Department, Role
from bizenv.organisations.services import department_upsert, region_create, role_grant_add, user_create

PASSWORD = "Ceshi-mima-2026!"
SYSTEM_YAML = """
code: BIZENV-CN
name: 监测测试体系
version: "2026"
indicators:
  - code: starting
    name: 开办企业
    weight: 10
    lead_departments: [samr]
    children:
      - {code: starting.time, name: 开办企业时间, unit: 工作日, direction: lower_better, best: 1, worst: 20}
      - {code: starting.cost, name: 开办企业费用, unit: 元, direction: lower_better, best: 0, worst: 1000}
  - code: power
    name: 获得电力
    weight: 5
    children:
      - {code: power.time, name: 办电时间, unit: 工作日, direction: lower_better, best: 1, worst: 30}
"""
COUNTIES = [("990101", "东湖县"), ("990102", "西山县"), ("990103", "南河区"), ("990104", "北岭县")]
# Normal values per county (better counties first); a breach puts 东湖县's 开办企业时间 at 12.
BASE = {"starting.time": [3.0, 4.0, 5.0, 6.0], "starting.cost": [100.0, 200.0, 300.0, 400.0],
        "power.time": [5.0, 6.0, 7.0, 8.0]}
RULES_YAML = """
rules:
  - {code: LINE, name: 开办时间超预警线, kind: threshold, indicator: starting.time, line: 10, severity: red}
"""


def months(first: str, last: str) -> list[str]:
    start, end = Period.parse(first), Period.parse(last)
    out = []
    while start <= end:
        out.append(str(start))
        start = start.shift(1)
    return out


@pytest.fixture(autouse=True)
def isolated_media(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def city(db):
    department_upsert(actor=None, code="office", name="市营商环境建设专班办公室", kind="office", sort_order=0)
    department_upsert(actor=None, code="samr", name="市市场监管局", kind="bureau", sort_order=1)
    department_upsert(actor=None, code="power", name="市供电公司", kind="bureau", sort_order=2)
    return region_create(actor=None, code="990100", name="示范市", level="city")


@pytest.fixture
def counties(city):
    return [region_create(actor=None, code=code, name=name, level="county", parent=city, sort_order=i)
            for i, (code, name) in enumerate(COUNTIES, start=1)]


@pytest.fixture
def version(city):
    return indicator_services.indicator_system_import(
        actor=None, content=SYSTEM_YAML.encode("utf-8"), filename="mon-test.yaml", publish=True).version


@pytest.fixture
def fill(version, counties):
    """fill(periods, breach=(periods where 东湖县 breaches)) writes approved values."""
    indicators = {i.code: i for i in version.indicators.all()}

    def make(periods, *, breach=()):
        for period in periods:
            for r, region in enumerate(counties):
                for code, values in BASE.items():
                    value = 12.0 if (code == "starting.time" and r == 0 and period in breach) else values[r]
                    Observation.objects.update_or_create(
                        system_version=version, indicator=indicators[code], region=region, period=period,
                        defaults={"value": value, "source": "report", "status": "approved",
                                  "unit": indicators[code].unit})

    return make


@pytest.fixture
def rules(version, settings):
    from bizenv.monitoring.rule_services import rules_import

    rules_import(actor=None, text=RULES_YAML, system_code="BIZENV-CN")
    WarningRule.objects.filter(system_version=version).update(clear_periods=2)
    return list(WarningRule.objects.filter(system_version=version))


@pytest.fixture
def method(db):
    return RectificationMethod.objects.create(name="流程再造", sort_order=1)


@pytest.fixture
def make_user(city, counties):
    def make(role: str, *, username: str, region=None, department: str = ""):
        dept = Department.objects.get(code=department or "samr") if role == Role.DEPARTMENT else None
        user = user_create(actor=None, username=username, password=PASSWORD, full_name=f"测试{username}",
                           department=dept)
        role_grant_add(actor=None, user=user, role=role,
                       region=None if role in ("sysadmin", "secadmin", "auditor") else region or city)
        return user

    return make


@pytest.fixture
def office(make_user):
    return make_user(Role.OFFICE, username="office")


@pytest.fixture
def county_user(make_user, counties):
    return make_user(Role.COUNTY, username="county1", region=counties[0])


@pytest.fixture
def other_county_user(make_user, counties):
    return make_user(Role.COUNTY, username="county2", region=counties[1])


@pytest.fixture
def dept_user(make_user):
    return make_user(Role.DEPARTMENT, username="dept", department="samr")


@pytest.fixture
def power_user(make_user):
    return make_user(Role.DEPARTMENT, username="powerdept", department="power")
