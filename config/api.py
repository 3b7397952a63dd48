"""The JSON API at /api/v1/: one router per app, session authentication, Chinese errors."""

import functools
import json

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import Http404, JsonResponse
from django.shortcuts import render
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.openapi.docs import Swagger
from ninja.security import django_auth

from bizenv.core.errors import ApplicationError, ErrorCode

_UNAUTHENTICATED = "未登录或令牌无效：请先登录，或在 Authorization 头中提供有效令牌。"


class LocalSwagger(Swagger):
    """Swagger UI from the app's own static files (swagger-ui-dist from npm, /static/vendor/swagger-ui/):
    ninja's default page loads it from a CDN, which the intranet cannot reach and the CSP forbids."""

    template = "ninja/swagger_local.html"
    default_settings = {"layout": "BaseLayout", "deepLinking": True, "validatorUrl": None}

    def render_page(self, request, api, **kwargs):
        settings = {**self.settings, "url": self.get_openapi_url(api, kwargs)}
        return render(request, self.template, {"api": api, "swagger_settings": json.dumps(settings)})


def login_required_for_docs(view):
    """The schema and its documentation page only for signed-in users: the page sends anonymous visitors to
    the login page, the schema answers 401 in JSON."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.user.is_authenticated:
            return view(request, *args, **kwargs)
        if request.path.endswith(".json"):
            return JsonResponse({"code": "unauthenticated", "detail": _UNAUTHENTICATED}, status=401,
                                json_dumps_params={"ensure_ascii": False})
        return redirect_to_login(request.get_full_path())

    return wrapped


api = NinjaAPI(
    title="营商环境数字化治理平台 API",
    version="1",
    description="bizenv 的 JSON 接口。所有接口需要登录（会话认证），并按用户的区域与角色授权过滤。",
    auth=django_auth,
    urls_namespace="api",
    docs=LocalSwagger(),
    docs_decorator=login_required_for_docs,
)

_STATUS = {ErrorCode.PERMISSION_DENIED: 403, ErrorCode.NOT_FOUND: 404, ErrorCode.CONFLICT: 409}


@api.exception_handler(ApplicationError)
def application_error(request, exc: ApplicationError):
    return api.create_response(
        request, {"code": str(exc.code), "detail": exc.message, "errors": exc.details},
        status=_STATUS.get(exc.code, 400),
    )


@api.exception_handler(AuthenticationError)
def authentication_error(request, exc):
    return api.create_response(
        request, {"code": "unauthenticated", "detail": _UNAUTHENTICATED}, status=401,
    )


# ninja's own errors carry English text; these are what a client may meet.
_HTTP_ERRORS = {
    "Cannot parse request body": ("invalid_json", "请求体无法解析：请提交合法的 JSON（UTF-8 编码，Content-Type 为 "
                                                  "application/json）。"),
    "CSRF check Failed": ("csrf_failed", "CSRF 校验失败：使用登录会话调用接口时，请在 X-CSRFToken 请求头中提供 "
                                         "csrftoken Cookie 的值；页面已过期时请刷新后重试。"),
}
_HTTP_STATUS = {
    400: ("bad_request", "请求的内容不完整或格式不正确。"),
    403: ("permission_denied", "您无权执行此操作。"),
    404: ("not_found", "找不到该记录，或您无权查看。"),
    405: ("method_not_allowed", "该接口不支持此请求方法。"),
    413: ("request_too_large", "提交的内容过大。"),
    429: ("throttled", "请求过于频繁，请稍后再试。"),
}


def _chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


@api.exception_handler(HttpError)
def http_error(request, exc: HttpError):
    message = str(exc.message)
    if message.startswith("Cannot parse request body"):  # with DEBUG, ninja appends the parser's error
        message = "Cannot parse request body"
    if message in _HTTP_ERRORS:
        code, detail = _HTTP_ERRORS[message]
    elif _chinese(message):
        code, detail = _HTTP_STATUS.get(exc.status_code, ("error",))[0], message
    else:
        code, detail = _HTTP_STATUS.get(exc.status_code, ("error", "请求未能完成。"))
    return api.create_response(request, {"code": code, "detail": detail}, status=exc.status_code)


def _too_big(request, exc):
    from bizenv.site.views import too_big_response

    return too_big_response(request)


for _exc in (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent):
    api.add_exception_handler(_exc, _too_big)


@api.exception_handler(Http404)
def not_found(request, exc):
    # the same answer whether the object is absent or hidden from this user
    return api.create_response(request, {"code": "not_found", "detail": "找不到该记录，或您无权查看。"}, status=404)


@api.exception_handler(NinjaValidationError)
def request_validation_error(request, exc: NinjaValidationError):
    return api.create_response(
        request, {"code": "invalid_request", "detail": "请求参数不正确，请按接口文档检查字段。", "errors": exc.errors},
        status=422,
    )


def _mount() -> None:
    """Every app's router (`<app>.api.router`) at the `api_prefix` its AppConfig declares."""
    import importlib

    from django.apps import apps

    for config in apps.get_app_configs():
        prefix = getattr(config, "api_prefix", None)
        if prefix is not None:
            api.add_router(prefix, importlib.import_module(f"{config.name}.api").router)


_mount()
