"""Factories for the raw-record ingestion tests: a small city, accounts per role, a lake in tmp_path."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.test import Client

from bizenv.datasets import services
from bizenv.organisations.models import Region, Role, User
from bizenv.organisations.services import department_upsert, region_create, role_grant_add, user_create

PASSWORD = "Ceshi-mima-2026!"
CITY, EAST, NORTH = "990100", "990101", "990102"


@dataclass
class City:
    city: Region
    east: Region
    north: Region
    users: dict[str, User]

    def client(self, username: str) -> Client:
        client = Client()
        client.force_login(self.users[username], backend="django.contrib.auth.backends.ModelBackend")
        return client


@pytest.fixture
def lake(settings, tmp_path):
    settings.BIZENV_LAKE_DIR = tmp_path / "lake"
    settings.BIZENV_UPLOAD_DIR = tmp_path / "uploads"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return settings.BIZENV_LAKE_DIR


@pytest.fixture
def town(db, lake) -> City:
    province = region_create(actor=None, code="990000", name="示范省", level="province")
    city = region_create(actor=None, code=CITY, name="示范市", level="city", parent=province)
    east = region_create(actor=None, code=EAST, name="东城区", level="district", parent=city)
    north = region_create(actor=None, code=NORTH, name="北山县", level="county", parent=city)
    office = department_upsert(actor=None, code="office", name="市营商办", kind="office")
    spec = {
        "office": (Role.OFFICE, city, office),
        "leader": (Role.LEADER, city, None),
        "east": (Role.COUNTY, east, None),
        "north": (Role.COUNTY, north, None),
        "sysadmin": (Role.SYSADMIN, None, None),
    }
    users = {}
    for username, (role, region, dept) in spec.items():
        user = user_create(actor=None, username=username, password=PASSWORD, department=dept)
        role_grant_add(actor=None, user=user, role=role, region=region)
        users[username] = user
    return City(city, east, north, users)


def registration(record_id: str, *, region: str = EAST, applied: str = "2024-03-04 09:00:00",
                 completed: str | None = "2024-03-05 16:00:00", **extra) -> dict:
    """A valid 企业开办 record; override any field with keyword arguments."""
    row = {"record_id": record_id, "region_code": region, "kind": "establishment", "entity_type": "有限责任公司",
           "channel": "online", "applied_at": applied, "completed_at": completed, "cost": 0}
    row.update(extra)
    return row


def push_source(*, code: str = "qykb", datasets=("business_registrations",), kind: str = "push"):
    source = services.source_system_create(actor=None, code=code, name="企业开办协同平台", kind=kind,
                                           datasets=list(datasets))
    source, token = services.source_token_issue(actor=None, source=source)
    return source, token
