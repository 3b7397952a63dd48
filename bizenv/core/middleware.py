from django.conf import settings
from django.shortcuts import redirect

PUBLIC_PREFIXES = ("/accounts/login/", "/static/", "/healthz", "/api/v1/")


class LoginRequiredMiddleware:
    """Every page needs a login; the API answers 401 itself instead of redirecting."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.user.is_authenticated and not request.path.startswith(PUBLIC_PREFIXES):
            from django.contrib.auth.views import redirect_to_login

            if request.htmx:
                response = redirect(settings.LOGIN_URL)
                response["HX-Redirect"] = response["Location"]
                return response
            return redirect_to_login(request.get_full_path())
        return self.get_response(request)
