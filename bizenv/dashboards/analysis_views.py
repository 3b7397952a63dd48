"""(being built)"""

from django.http import Http404


def compare(request, **kwargs):
    raise Http404("建设中")


def compare_export(request, **kwargs):
    raise Http404("建设中")


def self_assessment(request, **kwargs):
    raise Http404("建设中")
