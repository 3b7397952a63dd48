"""The working-day calendar page (工作日历, system administrator): days set by hand and years entered in full."""

from __future__ import annotations

from datetime import date

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from bizenv.core import clock
from bizenv.core.errors import ApplicationError
from bizenv.organisations.decorators import permission_required
from bizenv.organisations.permissions import Permission
from bizenv.workdays import services
from bizenv.workdays.calendar import LIBRARY_YEARS, WorkCalendar
from bizenv.workdays.models import CalendarOverride, CalendarYear


class OverrideForm(forms.Form):
    day = forms.DateField(label="日期", widget=forms.DateInput(attrs={"type": "date"}))
    is_workday = forms.TypedChoiceField(label="设为", choices=[("0", "休息日"), ("1", "工作日")],
                                        coerce=lambda v: v == "1")
    note = forms.CharField(label="说明", required=False, max_length=100)


class YearForm(forms.Form):
    year = forms.IntegerField(label="年份", min_value=1990, max_value=2100)
    note = forms.CharField(label="说明", required=False, max_length=100)


@login_required
@permission_required(Permission.MANAGE_USERS)
def calendar_page(request):
    today = clock.today()
    year = int(request.GET["year"]) if request.GET.get("year", "").isdigit() else today.year
    override_form, year_form = OverrideForm(prefix="o"), YearForm(prefix="y", initial={"year": year})
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "set":
                override_form = OverrideForm(request.POST, prefix="o")
                if override_form.is_valid():
                    services.calendar_override_set(actor=request.user, **override_form.cleaned_data)
                    messages.success(request, f"已设置 {override_form.cleaned_data['day']:%Y-%m-%d}。")
                    return redirect(f"{request.path}?year={override_form.cleaned_data['day'].year}")
            elif action == "mark":
                year_form = YearForm(request.POST, prefix="y")
                if year_form.is_valid():
                    services.calendar_year_mark_complete(actor=request.user, **year_form.cleaned_data)
                    messages.success(request, f"{year_form.cleaned_data['year']} 年已标记为已维护。")
                    return redirect(f"{request.path}?year={year_form.cleaned_data['year']}")
        except ApplicationError as exc:
            (override_form if action == "set" else year_form).add_error(None, exc.message)
        status = 400
    calendar = WorkCalendar.load()
    overrides = CalendarOverride.objects.filter(day__year=year).select_related("created_by")
    return render(request, "workdays/calendar_page.html", {
        "nav_active": "admin", "page_title": f"工作日历 · {year}年", "year": year, "years": sorted(set(range(today.year - 2, today.year + 3)) | {year}),
        "covered": calendar.covers(year), "in_library": year in LIBRARY_YEARS,
        "marked": CalendarYear.objects.filter(year=year).first(), "overrides": overrides,
        "override_form": override_form, "year_form": year_form,
        "library_range": f"{min(LIBRARY_YEARS)}–{max(LIBRARY_YEARS)}",
        "complete_years": CalendarYear.objects.all(),
        "next_year": today.year + 1, "next_year_uncovered": not calendar.covers(today.year + 1),
    }, status=status)


@login_required
@permission_required(Permission.MANAGE_USERS)
@require_POST
def calendar_override_delete(request, day: str):
    try:
        services.calendar_override_remove(actor=request.user, day=date.fromisoformat(day))
    except (ApplicationError, ValueError) as exc:
        messages.error(request, getattr(exc, "message", "日期格式不正确。"))
    else:
        messages.success(request, f"已删除 {day} 的调整，该日恢复为内置日历。")
    return redirect(f"/data/calendar/?year={day[:4]}")


@login_required
@permission_required(Permission.MANAGE_USERS)
@require_POST
def calendar_year_delete(request, year: int):
    services.calendar_year_unmark(actor=request.user, year=year)
    messages.success(request, f"已撤销 {year} 年的“已维护”标记。")
    return redirect(f"/data/calendar/?year={year}")
