"""Fixtures for cross-app tests: a small city with one account per role."""

from dataclasses import dataclass

import pytest
from django.test import Client

from bizenv.organisations import services
from bizenv.organisations.models import Region, Role, User

PASSWORD = "Bizenv@2026"


@dataclass
class World:
    province: Region
    city: Region
    county_a: Region
    county_b: Region
    users: dict[str, User]

    def client(self, username: str) -> Client:
        client = Client()
        client.force_login(self.users[username])
        return client


def make_world() -> World:
    province = services.region_create(actor=None, code="990000", name="示范省", level="province")
    city = services.region_create(actor=None, code="990100", name="示范市", level="city", parent=province)
    county_a = services.region_create(actor=None, code="990101", name="东城区", level="district", parent=city)
    county_b = services.region_create(actor=None, code="990102", name="北山县", level="county", parent=city,
                                      has_pipeline_gas=False)
    samr = services.department_upsert(actor=None, code="samr", name="市市场监管局", kind="bureau")
    office = services.department_upsert(actor=None, code="office", name="市营商办", kind="office")
    spec = {
        "leader": (Role.LEADER, city, None),
        "office": (Role.OFFICE, city, office),
        "dept": (Role.DEPARTMENT, city, samr),
        "county": (Role.COUNTY, county_a, None),
        "sysadmin": (Role.SYSADMIN, None, None),
        "secadmin": (Role.SECADMIN, None, None),
        "auditor": (Role.AUDITOR, None, None),
    }
    users = {}
    for username, (role, region, dept) in spec.items():
        user = services.user_create(actor=None, username=username, password=PASSWORD, department=dept)
        services.role_grant_add(actor=None, user=user, role=role, region=region)
        users[username] = user
    users["nobody"] = services.user_create(actor=None, username="nobody", password=PASSWORD)
    return World(province, city, county_a, county_b, users)


@pytest.fixture
def world(db) -> World:
    return make_world()
