"""The JSON API at /api/v1/: one router per app, session authentication, Chinese errors."""

from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import django_auth

from bizenv.core.errors import ApplicationError, ErrorCode

api = NinjaAPI(
    title="营商环境数字化治理平台 API",
    version="1",
    description="bizenv 的 JSON 接口。所有接口需要登录（会话认证），并按用户的区域与角色授权过滤。",
    auth=django_auth,
    urls_namespace="api",
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
        request, {"code": "unauthenticated", "detail": "未登录或令牌无效：请先登录，或在 Authorization 头中提供有效令牌。"},
        status=401,
    )


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
