"""The web shell's middleware: every page needs a login."""

from urllib.parse import quote

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import resolve_url

PUBLIC_PREFIXES = ("/accounts/login/", "/static/", "/healthz", "/api/v1/")


class LoginRequiredMiddleware:
    """Every page needs a login; the API answers 401 itself instead of redirecting."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.user.is_authenticated and not request.path.startswith(PUBLIC_PREFIXES):
            from django.contrib.auth.views import redirect_to_login

            if request.htmx:
                # A 302 would be followed inside the XMLHttpRequest and the login page swapped into the
                # page (e.g. the cockpit's 5-minute refresh after the session expired): tell htmx to
                # load the login page as a whole page instead.
                response = HttpResponse(status=204)
                response["HX-Redirect"] = f"{resolve_url(settings.LOGIN_URL)}?next={quote(request.htmx.current_url_abs_path or '/')}"
                return response
            return redirect_to_login(request.get_full_path())
        return self.get_response(request)
