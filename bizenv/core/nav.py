"""What an app declares for the navigation (from its AppConfig's nav_sections and nav_links); site/navigation.py
puts them together. Plain data, so any app can declare them without importing the web shell."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class NavLink:
    label: str
    url_name: str
    permission: Any  # an organisations.permissions.Permission


@dataclass(frozen=True)
class Section:
    slug: str
    label: str
    permission: Any  # an organisations.permissions.Permission
    summary: str
    coming: str = ""
    links: tuple[NavLink, ...] = ()
    url_name: str = ""  # a built section: its page
    order: int = 100  # left to right


