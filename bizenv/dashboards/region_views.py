"""(being built)"""

from django.http import Http404


def region(request, **kwargs):
    raise Http404("建设中")


def region_whatif(request, **kwargs):
    raise Http404("建设中")
