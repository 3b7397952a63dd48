"""站内消息: the user's notifications, unread first; mark one or all read."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import F
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from bizenv.monitoring import selectors
from bizenv.monitoring.notify import notification_read
from bizenv.monitoring.views import NAV
from bizenv.organisations.decorators import permission_required
from bizenv.organisations.permissions import Permission

PAGE_SIZE = 30


@permission_required(Permission.VIEW_WARNINGS)
def inbox(request):
    notes = (selectors.notifications_for(user=request.user)
             .order_by(F("read_at").asc(nulls_first=True), "-created_at", "-id"))
    page = Paginator(notes, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "monitoring/inbox.html", {
        **NAV, "page_title": "站内消息", "page": page,
        "unread": selectors.unread_count(user=request.user)})


@require_POST
@permission_required(Permission.VIEW_WARNINGS)
def inbox_read(request):
    """标为已读: one notification (`pk` in the form) or, without it, every unread one."""
    pk = request.POST.get("pk", "")
    if pk.isdigit():
        notification_read(user=request.user, pk=int(pk))
    else:
        count = notification_read(user=request.user)
        messages.success(request, f"已将 {count} 条消息标为已读。" if count else "没有未读消息。")
    return redirect("monitoring:inbox")
