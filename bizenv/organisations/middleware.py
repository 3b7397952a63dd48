"""A user whose password was reset by the security administrator changes it before doing anything else."""

from urllib.parse import quote

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

PASSWORD_CHANGE_URL = "organisations:password_change"
ALLOWED_NAMES = ("organisations:password_change", "site:logout")


class PasswordChangeRequiredMiddleware:
    """Sends a user flagged `must_change_password` to the change-password page; the API answers 403."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and getattr(user, "must_change_password", False) and not self._allowed(request):
            target = reverse(PASSWORD_CHANGE_URL)
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": "密码已被重置，请先登录网页修改密码。"}, status=403)
            if getattr(request, "htmx", False):
                response = HttpResponse(status=204)
                response["HX-Redirect"] = target
                return response
            return redirect(f"{target}?next={quote(request.get_full_path())}")
        return self.get_response(request)

    @staticmethod
    def _allowed(request) -> bool:
        return request.path.startswith(settings.STATIC_URL) or request.path in {reverse(n) for n in ALLOWED_NAMES}
