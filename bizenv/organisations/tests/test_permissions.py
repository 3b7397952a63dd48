import pytest

from bizenv.core.errors import ApplicationError, ErrorCode, PermissionDenied
from bizenv.organisations import services
from bizenv.organisations.models import Role, User
from bizenv.organisations.permissions import ROLE_PERMISSIONS, Permission, can, regions_for, require
from tests.conftest import make_world

pytestmark = pytest.mark.django_db


def test_grant_on_city_covers_every_county_below_it():
    world = make_world()
    visible = set(regions_for(world.users["leader"], Permission.VIEW_REGIONS).values_list("code", flat=True))
    assert visible == {"990100", "990101", "990102"}


def test_county_grant_covers_only_that_county():
    world = make_world()
    county_user = world.users["county"]
    assert list(regions_for(county_user, Permission.VIEW_RECORDS).values_list("code", flat=True)) == ["990101"]
    assert can(county_user, Permission.VIEW_RECORDS, world.county_a)
    assert not can(county_user, Permission.VIEW_RECORDS, world.county_b)
    assert not can(county_user, Permission.VIEW_RECORDS, world.city)


def test_account_without_grants_has_no_access_at_all():
    world = make_world()
    nobody = world.users["nobody"]
    for perm in Permission:
        assert not can(nobody, perm)
    assert not regions_for(nobody, Permission.VIEW_REGIONS).exists()
    with pytest.raises(PermissionDenied) as exc:
        require(nobody, Permission.VIEW_DASHBOARD)
    assert "查看分析页面" in exc.value.message


def test_administrators_see_no_business_data():
    for role in (Role.SYSADMIN, Role.SECADMIN, Role.AUDITOR):
        assert Permission.VIEW_DASHBOARD not in ROLE_PERMISSIONS[role]
        assert Permission.VIEW_RECORDS not in ROLE_PERMISSIONS[role]
    only_audit = {r for r, perms in ROLE_PERMISSIONS.items() if Permission.VIEW_AUDIT in perms}
    assert only_audit == {Role.AUDITOR}


@pytest.mark.parametrize("first,second", [
    (Role.SYSADMIN, Role.AUDITOR),
    (Role.SYSADMIN, Role.SECADMIN),
    (Role.SECADMIN, Role.AUDITOR),
    (Role.AUDITOR, Role.SYSADMIN),
])
def test_one_account_cannot_hold_two_administrator_roles(first, second):
    user = services.user_create(actor=None, username="admin1", password="Bizenv@2026")
    services.role_grant_add(actor=None, user=user, role=first, region=None)
    with pytest.raises(ApplicationError) as exc:
        services.role_grant_add(actor=None, user=user, role=second, region=None)
    assert exc.value.code == ErrorCode.ROLE_CONFLICT
    assert "三员分立" in exc.value.message
    assert set(user.grants.values_list("role", flat=True)) == {first.value}


def test_administrator_cannot_also_hold_a_business_role():
    world = make_world()
    with pytest.raises(ApplicationError) as exc:
        services.role_grant_add(actor=None, user=world.users["auditor"], role=Role.LEADER, region=world.city)
    assert exc.value.code == ErrorCode.ROLE_CONFLICT
    with pytest.raises(ApplicationError):
        services.role_grant_add(actor=None, user=world.users["leader"], role=Role.SYSADMIN, region=None)


def test_only_the_system_administrator_may_grant_roles():
    world = make_world()
    target = world.users["nobody"]
    with pytest.raises(PermissionDenied):
        services.role_grant_add(actor=world.users["office"], user=target, role=Role.LEADER, region=world.city)
    services.role_grant_add(actor=world.users["sysadmin"], user=target, role=Role.LEADER, region=world.city)
    assert can(target, Permission.VIEW_DASHBOARD, world.county_b)


def test_region_attribute_change_is_audited_and_a_no_op_is_not():
    from bizenv.core.models import AuditLog

    world = make_world()
    before = AuditLog.objects.count()
    services.region_update(actor=world.users["sysadmin"], region=world.county_b, population=321000)
    entry = AuditLog.objects.order_by("-id").first()
    assert AuditLog.objects.count() == before + 1
    assert entry.action == "region.update"
    assert entry.new_values == {"population": 321000}
    assert entry.actor_username == "sysadmin"
    services.region_update(actor=world.users["sysadmin"], region=world.county_b, population=321000)
    assert AuditLog.objects.count() == before + 1


def test_the_system_may_act_and_is_recorded_as_nobody():
    from bizenv.organisations.permissions import Permission, actor_user, require_actor

    require_actor(None, Permission.MANAGE_USERS)
    assert actor_user(None) is None
    assert actor_user(User(username="unsaved")) is None


@pytest.mark.django_db
def test_a_user_acting_needs_the_permission_and_is_recorded():
    from bizenv.organisations.permissions import Permission, actor_user, require_actor

    user = User.objects.create(username="plain")
    with pytest.raises(ApplicationError) as caught:
        require_actor(user, Permission.MANAGE_USERS)
    assert caught.value.code == ErrorCode.PERMISSION_DENIED and "用户" in caught.value.message
    assert actor_user(user) == user
