"""Writes of the working-day calendar: days set by hand (调休, local holidays) and years entered in full."""

from __future__ import annotations

from datetime import date

from django.db import transaction

from bizenv.core.audit import audit_record
from bizenv.core.errors import ApplicationError, ErrorCode
from bizenv.organisations.permissions import Permission, actor_user, require_actor
from bizenv.workdays.calendar import LIBRARY_YEARS
from bizenv.workdays.models import CalendarOverride, CalendarYear


def calendar_override_set(*, actor, day: date, is_workday: bool, note: str = "") -> CalendarOverride:
    """Set a day as working or non-working (调休, local holiday, a year not yet published)."""
    require_actor(actor, Permission.MANAGE_USERS)
    with transaction.atomic():
        existing = CalendarOverride.objects.select_for_update().filter(day=day).first()
        old = {"is_workday": existing.is_workday, "note": existing.note} if existing else None
        new = {"is_workday": bool(is_workday), "note": note}
        if old == new:
            return existing
        override, _ = CalendarOverride.objects.update_or_create(
            day=day, defaults={"is_workday": bool(is_workday), "note": note,
                               "created_by": actor_user(actor)})
        audit_record(actor=actor, action="calendar_override.set", obj=override, object_repr=day.isoformat(),
                     old=old, new=new)
    return override


def calendar_override_remove(*, actor, day: date) -> None:
    """Remove an override: the day follows chinese-calendar (or the weekday rule) again."""
    require_actor(actor, Permission.MANAGE_USERS)
    with transaction.atomic():
        existing = CalendarOverride.objects.select_for_update().filter(day=day).first()
        if existing is None:
            return
        old = {"day": day, "is_workday": existing.is_workday, "note": existing.note}
        existing.delete()
        audit_record(actor=actor, action="calendar_override.remove", object_type="workdays.calendaroverride",
                     object_id=day.isoformat(), object_repr=day.isoformat(), old=old)


def calendar_year_mark_complete(*, actor, year: int, note: str = "") -> CalendarYear:
    """Declare that every holiday and 调休 of `year` has been entered, so working days may be computed."""
    require_actor(actor, Permission.MANAGE_USERS)
    if not 1990 <= int(year) <= 2100:
        raise ApplicationError(f"年份 {year} 超出可维护范围（1990–2100）。")
    if int(year) in LIBRARY_YEARS:
        raise ApplicationError(f"{year} 年已由内置节假日数据覆盖，无需标记；如需调整个别日期请添加工作日调整。",
                               code=ErrorCode.CONFLICT)
    with transaction.atomic():
        marked, created = CalendarYear.objects.get_or_create(year=int(year), defaults={"note": note})
        if created:
            audit_record(actor=actor, action="calendar_year.complete", obj=marked, object_repr=str(year),
                         new={"year": int(year), "note": note})
    return marked


def calendar_year_unmark(*, actor, year: int) -> None:
    """Withdraw a year's "fully entered" mark: computations needing it stop with an error again."""
    require_actor(actor, Permission.MANAGE_USERS)
    with transaction.atomic():
        deleted, _ = CalendarYear.objects.filter(year=int(year)).delete()
        if deleted:
            audit_record(actor=actor, action="calendar_year.unmark", object_type="workdays.calendaryear",
                         object_id=str(year), object_repr=str(year), old={"year": int(year)})
