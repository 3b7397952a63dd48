import datetime as dt
import json

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_POST

from bizenv.core.audit import audit_verify
from bizenv.core.jobs import job_result_url
from bizenv.core.selectors import audit_actions, audit_log_list, job_waiting_for_worker
from bizenv.organisations.decorators import permission_required
from bizenv.organisations.models import Role
from bizenv.organisations.permissions import Permission, has_permission
from bizenv.site.forms import AuditFilterForm, action_label
from bizenv.site.navigation import section_by_slug
from bizenv.site.selectors import job_get


class ChineseAuthenticationForm(AuthenticationForm):
    error_messages = {
        "invalid_login": "账号或密码错误。连续失败 5 次，账号将被锁定 15 分钟。",
        "inactive": "该账号已停用，请联系系统管理员。",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = "账号"
        self.fields["password"].label = "密码"
        self.fields["username"].widget.attrs.update({"autofocus": True, "placeholder": "请输入账号"})
        self.fields["password"].widget.attrs.update({"placeholder": "请输入密码"})


class LoginView(auth_views.LoginView):
    template_name = "site/login.html"
    authentication_form = ChineseAuthenticationForm
    redirect_authenticated_user = True

    def get_default_redirect_url(self):
        # 三员分立: administrators see no business dashboards, so they start in 系统管理.
        if not has_permission(self.request.user, Permission.VIEW_DASHBOARD):
            return reverse("organisations:admin_home")
        return super().get_default_redirect_url()


def logout_view(request):
    return auth_views.LogoutView.as_view()(request)


@permission_required(Permission.VIEW_DASHBOARD)
def section(request, slug: str):
    sec = section_by_slug(slug)
    if sec is None:
        raise Http404("没有这个栏目")
    if sec.url_name:
        return redirect(sec.url_name)
    return render(request, "site/section.html", {"section": sec, "nav_active": slug, "page_title": sec.label})


def healthz(request):
    return JsonResponse({"status": "ok"})


def _audited_model(object_type: str):
    from django.apps import apps

    try:
        return apps.get_model(object_type) if object_type and "." in object_type else None
    except LookupError:
        return None


def _labelled(model, values) -> list[tuple[str, object]]:
    """(Chinese field name, value) pairs of an audit entry's old or new values: a key that is a field of the
    audited model reads as the field's verbose name, any other key as it is."""
    if not isinstance(values, dict):
        return []
    out = []
    for key, value in values.items():
        label, field = key, None
        if model is not None:
            try:
                field = model._meta.get_field(key)
                label = str(field.verbose_name)
            except Exception:  # noqa: BLE001 — a key that is not a field (a count, a file name) stays as written
                field = None
        out.append((AUDIT_KEY_LABELS.get(key, label), _audit_value(key, value, field)))
    return out


# Keys of audited values that are not fields of the audited model.
AUDIT_KEY_LABELS = {"role": "角色", "region": "区域", "values": "指标值个数", "leaves": "末级指标个数",
                    "needing_data": "需重新采集的指标", "dropped": "不再使用的指标", "carried_from": "沿用自版本",
                    "rounds": "填报轮次", "rules": "规则", "result": "结果", "error": "错误", "file": "文件",
                    "indicators": "指标个数", "kind": "类型", "title": "标题", "params": "参数",
                    "rule": "预警规则", "indicator": "指标", "period": "时期", "previous": "上次预警",
                    "warning": "预警", "method": "整改方式", "files": "佐证材料", "warning_status": "预警状态变化",
                    "comment": "审核意见", "reason": "理由"}


def _audit_value(key: str, value, field):
    """A stored value as people read it: a choice's label, a role's name, a time in local time, lists joined,
    other structures as JSON with Chinese kept (never a Python repr)."""
    if value is None or value == "":
        return value
    if field is not None and getattr(field, "choices", None) and not isinstance(value, (dict, list)):
        return dict(field.flatchoices).get(value, value)
    if key == "role" and value in Role.values:
        return Role(value).label
    if isinstance(value, str) and len(value) >= 19 and value[4:5] == "-" and "T" in value:
        parsed = parse_datetime(value)
        if parsed is not None:
            if timezone.is_aware(parsed):
                parsed = timezone.localtime(parsed)
            return parsed.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, list) and all(isinstance(v, (str, int, float)) for v in value):
        return "、".join(map(str, value)) or "（无）"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, default=str)
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S") if timezone.is_aware(value) else value
    return value


def _audit_page(request, *, report=None, status=200):
    form = AuditFilterForm(request.GET or None, actions=audit_actions())
    filters = form.cleaned_data if form.is_valid() else {}
    entries = audit_log_list(
        action=filters.get("action") or "", actor=(filters.get("actor") or "").strip(),
        date_from=filters.get("date_from"), date_to=filters.get("date_to"),
    )
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    for entry in page:
        entry.action_label = action_label(entry.action)
        model = _audited_model(entry.object_type)
        entry.object_label = str(model._meta.verbose_name) if model else entry.object_type
        entry.old_shown = _labelled(model, entry.old_values)
        entry.new_shown = _labelled(model, entry.new_values)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "nav_active": "admin", "page_title": "审计日志", "form": form, "page": page,
        "query": query.urlencode(), "report": report,
    }
    return render(request, "site/audit_log.html", context, status=status)


@permission_required(Permission.VIEW_AUDIT)
def audit_log(request):
    return _audit_page(request)


@require_POST
@permission_required(Permission.VIEW_AUDIT)
def audit_chain_verify(request):
    return _audit_page(request, report=audit_verify())


def _job_or_404(request, pk: int):
    job = job_get(pk=pk, user=request.user)
    if job is None:
        raise Http404("没有这个后台任务，或您无权查看")
    return job


@login_required
def job_detail(request, pk: int):
    """A job's progress page; the htmx poll asks for the status partial alone every second until it ends."""
    job = _job_or_404(request, pk)
    context = {"job": job, "no_worker": job_waiting_for_worker(job), "result_url": job_result_url(job),
               "page_title": job.title or "后台任务"}
    if request.htmx:
        return render(request, "site/_job_status.html", context)
    return render(request, "site/job_detail.html", context)


def _chinese(text) -> str:
    """The message of an error when it is written for people (has Chinese characters), else ""."""
    if isinstance(text, str) and any("\u4e00" <= ch <= "\u9fff" for ch in text):
        return text
    return ""


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def _too_big_message() -> str:
    from django.conf import settings

    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE / (1024 * 1024)
    return (f"提交的内容超过了 {limit:g} MB 的上限，未处理。请减少一次提交的内容；"
            "较大的数据请以文件方式上传或分批提交。")


def too_big_response(request):
    """A request body over DATA_UPLOAD_MAX_MEMORY_SIZE (or with too many fields): 413, in Chinese."""
    message = _too_big_message()
    if _is_api(request):
        return JsonResponse({"code": "request_too_large", "detail": message}, status=413,
                            json_dumps_params={"ensure_ascii": False})
    return render(request, "404.html", {"page_title": "提交内容过大", "heading": "提交的内容过大",
                                        "message": message}, status=413)


def api_not_found(request, exception=None):
    return JsonResponse({"code": "not_found", "detail": "没有这个接口地址，请按接口文档检查路径。"}, status=404,
                        json_dumps_params={"ensure_ascii": False})


def page_not_found(request, exception=None):
    """404 in Chinese: the view's own Chinese message when it gave one (never Django's English text);
    under /api/ as JSON."""
    if _is_api(request):
        return api_not_found(request)
    message = _chinese(exception.args[0]) if exception is not None and exception.args else ""
    return render(request, "404.html", {"page_title": "未找到", "message": message}, status=404)


def bad_request(request, exception=None):
    from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent

    if isinstance(exception, (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent)):
        return too_big_response(request)
    message = "请求的内容不完整或格式不正确，请返回后重试。"
    if _is_api(request):
        return JsonResponse({"code": "bad_request", "detail": message}, status=400,
                            json_dumps_params={"ensure_ascii": False})
    return render(request, "404.html", {"page_title": "请求有误", "heading": "请求有误", "message": message},
                  status=400)


def server_error(request):
    """500 without the template context processors (they may be what failed): a static Chinese page."""
    from django.http import HttpResponseServerError
    from django.template import loader

    return HttpResponseServerError(loader.get_template("500.html").render())
