"""(being built)"""

from django.http import Http404


def indicator(request, **kwargs):
    raise Http404("建设中")
