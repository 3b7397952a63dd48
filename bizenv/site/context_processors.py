from bizenv.organisations.permissions import Permission, user_permissions, user_roles
from bizenv.site.navigation import sections


def navigation(request):
    """What the base layout needs: the sections this user may open and the topic list."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    perms = user_permissions(user)
    topics = []
    if Permission.VIEW_DASHBOARD in perms:
        from bizenv.indicators.selectors import topic_list

        topics = topic_list()
    unread = None
    if Permission.VIEW_WARNINGS in perms:
        from bizenv.monitoring.selectors import unread_count

        unread = unread_count(user=user)
    return {
        "nav_unread": unread,  # None: the user has no inbox (no 监测预警); else the unread notifications
        "nav_sections": [
            {"section": s, "links": [link for link in s.links if link.permission in perms]}
            for s in sections() if s.permission in perms
        ],
        "nav_topics": topics,
        "nav_perms": {p.name for p in perms},
        "nav_roles": sorted(r.label for r in user_roles(user)),
    }
