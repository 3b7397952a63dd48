from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.http import Http404, JsonResponse
from django.shortcuts import render

from bizenv.core.decorators import permission_required
from bizenv.core.navigation import SECTION_BY_SLUG
from bizenv.organisations.permissions import Permission


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
    template_name = "core/login.html"
    authentication_form = ChineseAuthenticationForm
    redirect_authenticated_user = True


def logout_view(request):
    return auth_views.LogoutView.as_view()(request)


@permission_required(Permission.VIEW_DASHBOARD)
def section(request, slug: str):
    sec = SECTION_BY_SLUG.get(slug)
    if sec is None:
        raise Http404("没有这个栏目")
    return render(request, "core/section.html", {"section": sec, "nav_active": slug, "page_title": sec.label})


def healthz(request):
    return JsonResponse({"status": "ok"})
