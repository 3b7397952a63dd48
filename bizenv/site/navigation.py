"""The platform's navigation between the fixed entries of base.html (首页, 专题分析, 评价与红黑榜 … 指标体系, 系统管理).

Each app contributes from its AppConfig: `nav_sections()` returns its sections, `nav_links()` returns links it
adds to another app's section ({slug: (NavLink, …)}). A section of an app not built yet is a placeholder here
(a page that says what is coming); the app's own section replaces it by slug once the app is installed.
"""

from __future__ import annotations

from dataclasses import replace

from django.apps import apps

from bizenv.core.nav import NavLink, Section
from bizenv.organisations.permissions import Permission

# Sections of the apps to come (monitoring, workflows, cases, knowledge, diagnosis).
PLACEHOLDERS: tuple[Section, ...] = (
    Section("monitoring", "监测预警", Permission.VIEW_DASHBOARD,
            "预警线、预警、整改举措与佐证材料、提醒函、督办与约谈。",
            "随“监测预警”模块上线。", order=30),
    Section("workflows", "任务督办", Permission.VIEW_DASHBOARD,
            "任务下发、受理、反馈、转办、审核，按期完成率统计。",
            "随“任务督办”模块上线。", order=40),
    Section("cases", "案例库", Permission.VIEW_DASHBOARD,
            "改革创新案例：本地首创、创新借鉴、整改借鉴，点评与推荐指数。",
            "随“案例库”模块上线。", order=50),
    Section("policies", "政策库", Permission.VIEW_DASHBOARD,
            "政策文件、标杆库（先进地区最佳实践与最佳指标）和在线培训材料。",
            "随“政策与标杆库”模块上线。", order=60),
    Section("diagnosis", "研判", Permission.VIEW_DASHBOARD,
            "问题诊断、优化建议、案例匹配与研判报告生成。",
            "随“研判”模块上线。", order=70),
)


def sections() -> list[Section]:
    """Every section, the apps' own and the placeholders of apps not installed, with the links other apps
    add, left to right."""
    by_slug = {s.slug: s for s in PLACEHOLDERS}
    extra: dict[str, list[NavLink]] = {}
    for config in apps.get_app_configs():
        for section in getattr(config, "nav_sections", lambda: ())():
            by_slug[section.slug] = section
        for slug, links in getattr(config, "nav_links", dict)().items():
            extra.setdefault(slug, []).extend(links)
    out = [replace(s, links=s.links + tuple(extra.get(s.slug, ()))) for s in by_slug.values()]
    return sorted(out, key=lambda s: s.order)


def section_by_slug(slug: str) -> Section | None:
    return next((s for s in sections() if s.slug == slug), None)
