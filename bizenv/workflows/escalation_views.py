"""升级督办 pages: the letters (提醒函) with Word and PDF downloads, the office's escalation rules and letter
template, a letter made by hand from a warning or an item, the interview form and records. Services decide; a
refusal is shown in Chinese, nothing saved."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from bizenv.core.errors import ApplicationError
from bizenv.core.uploads import upload_response
from bizenv.monitoring.specs import SEVERITY_LABELS
from bizenv.organisations.decorators import permission_required
from bizenv.organisations.permissions import Permission, has_permission
from bizenv.workflows import escalation_selectors as sel
from bizenv.workflows import escalation_services as services
from bizenv.workflows.escalation import STEP_ORDER, RuleFact, rules_out_of_order
from bizenv.workflows.escalation_forms import InterviewForm, TemplateUploadForm, commitment_rows
from bizenv.workflows.models import EscalationRule, EscalationStep, EscalationTarget

NAV = {"nav_active": "workflows"}
PAGE_SIZE = 20
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
LETTER_NOT_FOUND = "没有这份提醒函，或它不在您的查看范围内。"


def _download(content: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Cache-Control"] = "private, no-store"
    return response


def _letter_or_404(request, pk: int):
    letter = sel.letter_get(user=request.user, pk=pk)
    if letter is None:
        raise Http404(LETTER_NOT_FOUND)
    return letter


# ---------------------------------------------------------------------------------------------------------
# Letters


@permission_required(Permission.VIEW_WORK)
def letters(request):
    year = request.GET.get("year", "")
    q = request.GET.get("q", "").strip()[:50]
    listed = sel.letter_list(user=request.user, year=int(year) if year.isdigit() else None, q=q)
    page = Paginator(listed, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [{"letter": letter, "issued_on": sel.letter_issued_on(letter)} for letter in page]
    return render(request, "workflows/letters.html", {
        **NAV, "page_title": "提醒函", "page": page, "rows": rows, "years": sel.letter_years(user=request.user), "year": year,
        "q": q, "can_manage": has_permission(request.user, Permission.MANAGE_WORK),
        "interview_count": sel.interview_list(user=request.user).count()})


@permission_required(Permission.VIEW_WORK)
def letter_word(request, pk: int):
    letter = _letter_or_404(request, pk)
    return upload_response(path=letter.path, display_name=f"{letter.number}.docx", content_type=DOCX, inline=False)


@permission_required(Permission.VIEW_WORK)
def letter_pdf(request, pk: int):
    letter = _letter_or_404(request, pk)
    try:
        content = services.letter_pdf(letter=letter)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect(reverse("workflows:letters") + f"#letter-{letter.pk}")
    return _download(content, f"{letter.number}.pdf", "application/pdf")


def _target(request, data):
    """The warning or item a form names (`warning` or `item`), if the user may see it; else a 404."""
    from bizenv.monitoring.selectors import warning_get
    from bizenv.workflows.selectors import item_get

    warning_id, item_id = (data.get("warning") or "").strip(), (data.get("item") or "").strip()
    if warning_id.isdigit() and not item_id:
        warning = warning_get(user=request.user, pk=int(warning_id))
        if warning is not None:
            return warning, None
    elif item_id.isdigit() and not warning_id:
        item = item_get(user=request.user, pk=int(item_id))
        if item is not None:
            return None, item
    raise Http404("没有这条预警或任务，或它不在您的查看范围内。")


def _back_to(warning, item) -> str:
    if warning is not None:
        return reverse("monitoring:warning", args=[warning.pk]) + "#escalation"
    return reverse("workflows:item", args=[item.pk]) + "#escalation"


@require_POST
@permission_required(Permission.MANAGE_WORK)
def letter_new(request):
    """生成提醒函 from a warning's or an item's page (POST warning=… or item=…, optional deadline). When a letter
    about it was made today the page asks first and posts again=1 once confirmed; without it nothing is made."""
    warning, item = _target(request, request.POST)
    deadline = None
    text = (request.POST.get("deadline") or "").strip()
    try:
        if text:
            from datetime import date

            try:
                deadline = date.fromisoformat(text)
            except ValueError:
                raise ApplicationError(f"整改时限“{text}”不是有效日期，应为 YYYY-MM-DD，如 2026-12-31。") from None
        letter = services.letter_create(actor=request.user, warning=warning, item=item, deadline=deadline,
                                        again=request.POST.get("again") == "1")
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已生成提醒函 {letter.number}，并通知了{letter.recipient_department or letter.recipient_region}。")
    return redirect(_back_to(warning, item))


# ---------------------------------------------------------------------------------------------------------
# Rules and the template


def _rule_rows(rules: list[EscalationRule], data=None) -> list[dict]:
    rows = []
    for rule in rules:
        prefix = f"r{rule.pk}"
        if data is not None:
            after = data.get(f"{prefix}-after", "")
            enabled = data.get(f"{prefix}-enabled") == "on"
            severities = data.getlist(f"{prefix}-severities")
        else:
            after, enabled, severities = rule.after_workdays, rule.enabled, list(rule.severities or [])
        rows.append({"rule": rule, "prefix": prefix, "after": after, "enabled": enabled, "severities": severities,
                     "target_label": rule.get_target_display(), "step_label": rule.get_step_display()})
    return rows


def _rules_context(request, *, rows=None, upload_form=None, error: str = "") -> dict:
    from bizenv.workflows.models import DocumentTemplate

    rules = sel.rules_ordered()
    facts: dict[str, list[RuleFact]] = {}
    for rule in rules:
        facts.setdefault(rule.target, []).append(RuleFact(rule.step, rule.after_workdays, (), rule.enabled))
    notes = []
    for target, label in EscalationTarget.choices:
        for a, b in rules_out_of_order(facts.get(target, [])):
            notes.append(f"{label}的“{EscalationStep(b).label}”所需工作日数不多于“{EscalationStep(a).label}”："
                         f"两步仍按顺序进行，后一步最早在前一步的次日。")
    return {
        **NAV, "page_title": "升级督办规则", "rows": rows or _rule_rows(rules), "error": error, "notes": notes,
        "severities": list(SEVERITY_LABELS.items()), "steps": [EscalationStep(s).label for s in STEP_ORDER],
        "template": DocumentTemplate.objects.filter(key=services.LETTER_TEMPLATE_KEY).select_related(
            "uploaded_by").first(),
        "upload_form": upload_form or TemplateUploadForm(),
        "reply_workdays": services.LETTER_REPLY_WORKDAYS, "supervise_workdays": services.SUPERVISE_WORKDAYS,
    }


@permission_required(Permission.MANAGE_WORK)
def escalation_rules(request):
    """The office's rules (working days per step, severities, enabled), saved all at once."""
    if request.method != "POST":
        services.escalation_rules_ensure_defaults()
        return render(request, "workflows/escalation_rules.html", _rules_context(request))
    rules = sel.rules_ordered()
    rows = _rule_rows(rules, request.POST)
    changes = [services.RuleChange(rule=row["rule"], after_workdays=row["after"], severities=row["severities"],
                                   enabled=row["enabled"]) for row in rows]
    try:
        changed = services.escalation_rules_save(actor=request.user, changes=changes)
    except ApplicationError as exc:
        return render(request, "workflows/escalation_rules.html",
                      _rules_context(request, rows=rows, error=exc.message), status=400)
    messages.success(request, f"已保存升级督办规则（修改 {changed} 条）。" if changed else "规则没有变化。")
    return redirect("workflows:escalation_rules")


@require_POST
@permission_required(Permission.MANAGE_WORK)
def escalation_run(request):
    """立即检查: run today's escalation now (the daily job runs it each working day in any case)."""
    try:
        summary = services.escalation_advance(actor=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        lines = summary.lines()
        messages.success(request, lines[0])
        for line in lines[1:11]:
            messages.info(request, line)
    return redirect("workflows:escalation_rules")


@permission_required(Permission.MANAGE_WORK)
def letter_template(request):
    """The template in use, to edit in Word or WPS."""
    template = services.document_template_path(key=services.LETTER_TEMPLATE_KEY)
    return _download(template.read_bytes(), "提醒函模板.docx", DOCX)


@permission_required(Permission.MANAGE_WORK)
def letter_template_sample(request):
    """A letter with made-up figures from the template in use (to check a template before relying on it)."""
    return _download(services.letter_sample_word(), "提醒函样例.docx", DOCX)


@require_POST
@permission_required(Permission.MANAGE_WORK)
def letter_template_replace(request):
    form = TemplateUploadForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            services.document_template_replace(actor=request.user, key=services.LETTER_TEMPLATE_KEY, content=upload,
                                               filename=upload.name)
        except ApplicationError as exc:
            form.add_error("file", exc.message)
        else:
            messages.success(request, "已更换提醒函模板；此后生成的提醒函使用新模板，已发出的不变。")
            return redirect(reverse("workflows:escalation_rules") + "#letter-template")
    return render(request, "workflows/escalation_rules.html", _rules_context(request, upload_form=form), status=400)


@require_POST
@permission_required(Permission.MANAGE_WORK)
def letter_template_reset(request):
    if services.document_template_reset(actor=request.user, key=services.LETTER_TEMPLATE_KEY):
        messages.success(request, "已恢复系统默认的提醒函模板。")
    else:
        messages.info(request, "正在使用的就是系统默认模板。")
    return redirect(reverse("workflows:escalation_rules") + "#letter-template")


# ---------------------------------------------------------------------------------------------------------
# Interviews


def _interview_target_context(warning, item) -> dict:
    if warning is not None:
        department, region = sel.warning_unit(warning)
        what = f"{warning.region.name} · {warning.indicator_name}预警（{warning.get_status_display()}）"
    else:
        department, region = item.assignee_department, item.assignee_region
        what = f"任务 {item.code} {item.title}（{item.get_status_display()}）"
    unit = department or region
    return {"warning": warning, "item": item, "unit": unit.name if unit else "责任单位", "what": what,
            "unit_code": unit.code if unit else "", "unit_groups": _unit_groups(unit)}


def _unit_groups(default) -> list[tuple[str, list[tuple[str, str]]]]:
    """The units a commitment may go to, by name: departments, then counties and districts; the interviewed unit
    is among them even when it is of another kind (e.g. the city)."""
    from bizenv.workflows.workbench import unit_choices

    groups = unit_choices()
    if default is not None and not any(code == default.code for _label, units in groups for code, _name in units):
        groups = [("约谈对象", [(default.code, default.name)]), *groups]
    return groups


@permission_required(Permission.MANAGE_WORK)
def interview_new(request):
    """记录约谈 for a warning (?warning=) or an item (?item=): the record and up to 20 commitments."""
    source = request.POST if request.method == "POST" else request.GET
    warning, item = _target(request, source)
    form = InterviewForm(request.POST or None)
    rows = commitment_rows(request.POST if request.method == "POST" else None)
    target = _interview_target_context(warning, item)
    for row in rows:
        row["assignee"] = row["assignee"] or target["unit_code"]
    error = ""
    if request.method == "POST" and form.is_valid():
        try:
            interview = services.interview_record(
                actor=request.user, warning=warning, item=item, held_on=form.cleaned_data["held_on"],
                place=form.cleaned_data["place"], participants=form.cleaned_data["participants"],
                minutes=form.cleaned_data["minutes"], commitments=rows)
        except ApplicationError as exc:
            error = exc.message
        else:
            made = len(interview.commitments)
            messages.success(request, "已记录约谈" + (f"，{made} 条整改承诺已生成任务并下发。" if made else "。"))
            return redirect("workflows:interview", pk=interview.pk)
    context = {**NAV, "page_title": "记录约谈", "form": form, "rows": rows, "error": error,
               "row_count": len(rows), **target}
    return render(request, "workflows/interview_form.html", context, status=400 if request.method == "POST" else 200)


@permission_required(Permission.VIEW_WORK)
def interview_detail(request, pk: int):
    interview = sel.interview_get(user=request.user, pk=pk)
    if interview is None:
        raise Http404("没有这条约谈记录，或它不在您的查看范围内。")
    from bizenv.workflows.selectors import item_list

    visible = {i.pk: i for i in item_list(user=request.user).filter(interview=interview)}
    commitments = [{**c, "visible": visible.get(c.get("item_id")), "deadline": _date_or_text(c.get("deadline"))}
                   for c in interview.commitments or []]
    return render(request, "workflows/interview.html", {
        **NAV, "page_title": "约谈记录", "interview": interview, "commitments": commitments,
        "unit": (interview.department or interview.region).name if (interview.department or interview.region) else ""})


def _date_or_text(value):
    from datetime import date

    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return value


@permission_required(Permission.VIEW_WORK)
def interviews(request):
    page = Paginator(sel.interview_list(user=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "workflows/interviews.html", {**NAV, "page_title": "约谈记录", "page": page})


urlpatterns = [
    path("letters/", letters, name="letters"),
    path("letters/new/", letter_new, name="letter_new"),
    path("letters/<int:pk>/word/", letter_word, name="letter_word"),
    path("letters/<int:pk>/pdf/", letter_pdf, name="letter_pdf"),
    path("escalation/", escalation_rules, name="escalation_rules"),
    path("escalation/run/", escalation_run, name="escalation_run"),
    path("escalation/template/", letter_template, name="letter_template"),
    path("escalation/template/sample/", letter_template_sample, name="letter_template_sample"),
    path("escalation/template/replace/", letter_template_replace, name="letter_template_replace"),
    path("escalation/template/reset/", letter_template_reset, name="letter_template_reset"),
    path("interviews/", interviews, name="interviews"),
    path("interviews/new/", interview_new, name="interview_new"),
    path("interviews/<int:pk>/", interview_detail, name="interview"),
]

__all__ = ["urlpatterns"]
