"""URLs: the API, then every app's pages, as its AppConfig declares them (`url_prefix` for its `urls` module,
or `url_modules` for several), in the order of bizenv.PLATFORM_APPS."""

from django.apps import apps
from django.urls import include, path, re_path

from bizenv.site.views import api_not_found
from config.api import api


def _app_urls() -> list:
    out = []
    for config in apps.get_app_configs():
        modules = getattr(config, "url_modules", None)
        if modules is None and getattr(config, "url_prefix", None) is not None:
            modules = ((config.url_prefix, f"{config.name}.urls"),)
        out += [path(prefix, include(module)) for prefix, module in modules or ()]
    return out


urlpatterns = [
    # ninja's own root view answers an English 404; any address under /api/v1/ that no endpoint has
    # answers a Chinese JSON 404 (also with DEBUG on, whose 404 page is Django's English one)
    path("api/v1/", api_not_found),
    path("api/v1/", api.urls),
    re_path(r"^api/v1/", api_not_found),
    *_app_urls(),
]

# Error pages in Chinese, in the platform's layout (Django's own are English).
handler400 = "bizenv.site.views.bad_request"
handler404 = "bizenv.site.views.page_not_found"
handler500 = "bizenv.site.views.server_error"
