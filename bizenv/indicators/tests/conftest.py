"""Factories for the indicator tests: a city with a county, users per role, departments, systems."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bizenv.indicators import services
from bizenv.organisations.models import Role
from bizenv.organisations.services import department_upsert, region_create, role_grant_add, user_create

FIXTURES = Path(__file__).parent / "fixtures"
SYSTEMS_DIR = Path(__file__).resolve().parents[1] / "systems"
DEPARTMENTS_FILE = Path(__file__).resolve().parents[2] / "organisations" / "data" / "departments.yaml"
PASSWORD = "Ceshi-mima-2026!"


def load_departments() -> int:
    """Load the shipped department list (what the demo builder does before loading systems)."""
    rows = yaml.safe_load(DEPARTMENTS_FILE.read_text(encoding="utf-8"))
    for order, row in enumerate(rows):
        department_upsert(
            actor=None, code=row["code"], name=row["name"], kind=row.get("kind", "bureau"), sort_order=order
        )
    return len(rows)


def import_file(path: Path, *, publish: bool = False, actor=None):
    return services.indicator_system_import(
        actor=actor, content=path.read_bytes(), filename=path.name, publish=publish
    ).version


@pytest.fixture
def departments(db):
    load_departments()


@pytest.fixture
def city(db):
    return region_create(actor=None, code="530400", name="示范市", level="city")


@pytest.fixture
def county(city):
    return region_create(
        actor=None, code="530402", name="示范区", level="district", parent=city, has_pipeline_gas=False
    )


@pytest.fixture
def make_user(city, county, departments):
    from bizenv.organisations.models import Department

    def make(role: str, *, region=None, username: str | None = None):
        username = username or f"u_{role}"
        department = Department.objects.get(code="samr") if role == Role.DEPARTMENT else None
        user = user_create(
            actor=None, username=username, password=PASSWORD, full_name=f"测试{role}", department=department
        )
        if role in (Role.SYSADMIN, Role.SECADMIN, Role.AUDITOR):
            role_grant_add(actor=None, user=user, role=role, region=None)
        else:
            target = region or (county if role == Role.COUNTY else city)
            role_grant_add(actor=None, user=user, role=role, region=target)
        return user

    return make


@pytest.fixture
def office(make_user):
    return make_user(Role.OFFICE)


@pytest.fixture
def small_version(departments):
    return import_file(FIXTURES / "small.yaml")


@pytest.fixture
def client_for(client):
    def login(user):
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client

    return login
