"""Factories for the evaluation tests: a city with four counties, a small system with a gas variant,
users per role, and approved observations generated from a seed."""

from __future__ import annotations

import numpy as np
import pytest

from bizenv.indicators import services as indicator_services
from bizenv.observations.models import Observation
from bizenv.organisations.models import Department, Role
from bizenv.organisations.services import department_upsert, region_create, role_grant_add, user_create

PASSWORD = "Ceshi-mima-2026!"

SYSTEM_YAML = """
code: EVAL-TEST
name: 评价测试体系
version: "2026"
indicators:
  - code: starting
    name: 开办企业
    weight: 10
    children:
      - {code: starting.time, name: 开办企业时间, unit: 工作日, best: 1, worst: 20}
      - {code: starting.cost, name: 开办企业费用, unit: 元, best: 0, worst: 1000}
  - code: power
    name: 获得电力
    weight: 5
    children:
      - {code: power.time, name: 办电时间, unit: 工作日, best: 1, worst: 30}
  - code: gas
    name: 获得用气
    weight: 4
    weight_variants:
      - {when: {has_pipeline_gas: false}, weight: 0}
    children:
      - {code: gas.time, name: 用气报装时间, unit: 工作日, best: 1, worst: 30}
"""
LEAVES = ["starting.time", "starting.cost", "power.time", "gas.time"]
COUNTIES = [("990101", "东湖县", True), ("990102", "西山县", False), ("990103", "南河区", True),
            ("990104", "北岭县", True)]


@pytest.fixture(autouse=True)
def fast_passwords(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def city(db):
    department_upsert(actor=None, code="office", name="市营商环境建设专班办公室", kind="office", sort_order=0)
    department_upsert(actor=None, code="samr", name="市市场监管局", kind="bureau", sort_order=1)
    return region_create(actor=None, code="990100", name="示范市", level="city")


@pytest.fixture
def counties(city):
    return [region_create(actor=None, code=code, name=name, level="county", parent=city, sort_order=i,
                          has_pipeline_gas=gas)
            for i, (code, name, gas) in enumerate(COUNTIES, start=1)]


@pytest.fixture
def version(city):
    return indicator_services.indicator_system_import(
        actor=None, content=SYSTEM_YAML.encode("utf-8"), filename="eval-test.yaml", publish=True
    ).version


@pytest.fixture
def ind(version):
    return {i.code: i for i in version.indicators.all()}


def fill(version, ind, regions, period: str, *, seed: int = 1, status: str = "approved") -> list[Observation]:
    """Approved observations for every leaf and region, from a seeded generator (better regions first)."""
    rng = np.random.default_rng(seed)
    made = []
    for r, region in enumerate(regions):
        for code in LEAVES:
            spec = ind[code]
            share = min(0.95, max(0.05, 0.15 + 0.2 * r + rng.uniform(-0.05, 0.05)))
            value = round(spec.best + (spec.worst - spec.best) * share, 2)
            made.append(Observation.objects.create(
                system_version=version, indicator=spec, region=region, period=period, value=value,
                source="report", status=status, unit=spec.unit))
    return made


@pytest.fixture
def filled(version, ind, counties):
    return fill(version, ind, counties, "2026-03")


@pytest.fixture
def make_user(city, counties):
    def make(role: str, *, username: str, region=None):
        department = Department.objects.get(code="samr") if role == Role.DEPARTMENT else None
        user = user_create(actor=None, username=username, password=PASSWORD, full_name=f"测试{username}",
                           department=department)
        role_grant_add(actor=None, user=user, role=role, region=None if role in ("sysadmin", "secadmin",
                                                                                  "auditor") else region or city)
        return user

    return make


@pytest.fixture
def office(make_user):
    return make_user(Role.OFFICE, username="office")


@pytest.fixture
def office2(make_user):
    return make_user(Role.OFFICE, username="office2")


@pytest.fixture
def leader(make_user):
    return make_user(Role.LEADER, username="leader")


@pytest.fixture
def dept_user(make_user):
    return make_user(Role.DEPARTMENT, username="dept")


@pytest.fixture
def county_user(make_user, counties):
    return make_user(Role.COUNTY, username="county1", region=counties[0])


@pytest.fixture
def sysadmin(make_user):
    return make_user(Role.SYSADMIN, username="sysadmin")
