from functools import wraps

from django.shortcuts import render

from bizenv.organisations.permissions import PERMISSION_LABELS, Permission, has_permission


def permission_required(perm: Permission):
    """Page guard: without `perm` on any region the user gets a Chinese 403 page."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not has_permission(request.user, perm):
                return render(request, "site/forbidden.html", {"needed": PERMISSION_LABELS[perm]}, status=403)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
