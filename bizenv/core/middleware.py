"""Middleware of the ground floor: the data stamps read once per request."""


class DataVersionMiddleware:
    """Reads each data stamp (core.data_versions) at most once per request, however many caches ask."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from bizenv.core.data_versions import data_version_scope

        with data_version_scope():
            return self.get_response(request)
