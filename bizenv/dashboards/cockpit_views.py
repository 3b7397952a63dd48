"""(being built)"""

from django.http import Http404


def cockpit(request, **kwargs):
    raise Http404("建设中")
