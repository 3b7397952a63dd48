"""The platform's navigation: sections, who sees them, and the placeholder text of sections to come."""

from dataclasses import dataclass

from bizenv.organisations.permissions import Permission


@dataclass(frozen=True)
class NavLink:
    label: str
    url_name: str
    permission: Permission


@dataclass(frozen=True)
class Section:
    slug: str
    label: str
    permission: Permission
    summary: str
    coming: str = ""
    links: tuple[NavLink, ...] = ()
    url_name: str = ""  # a built section: its page


SECTIONS: list[Section] = [
    Section("compare", "对比分析", Permission.VIEW_DASHBOARD,
            "任意区域 × 任意时期 × 任意指标的组合查询，与最优区县、标杆城市和前沿值对比。",
            url_name="dashboards:compare"),
    Section("self-assessment", "自查自评", Permission.VIEW_DASHBOARD,
            "一个区域对照自身历史：同比、环比、优势与短板、趋势预测。",
            url_name="dashboards:self_assessment"),
    Section("monitoring", "监测预警", Permission.VIEW_DASHBOARD,
            "预警线、预警、整改举措与佐证材料、提醒函、督办与约谈。",
            "随“监测预警”模块上线。"),
    Section("workflows", "任务督办", Permission.VIEW_DASHBOARD,
            "任务下发、受理、反馈、转办、审核，按期完成率统计。",
            "随“任务督办”模块上线。"),
    Section("cases", "案例库", Permission.VIEW_DASHBOARD,
            "改革创新案例：本地首创、创新借鉴、整改借鉴，点评与推荐指数。",
            "随“案例库”模块上线。"),
    Section("policies", "政策库", Permission.VIEW_DASHBOARD,
            "政策文件、标杆库（先进地区最佳实践与最佳指标）和在线培训材料。",
            "随“政策与标杆库”模块上线。"),
    Section("diagnosis", "研判", Permission.VIEW_DASHBOARD,
            "问题诊断、优化建议、案例匹配与研判报告生成。",
            "随“研判”模块上线。"),
    Section("reporting", "数据填报", Permission.VIEW_DASHBOARD,
            "部门填报与审核、Excel 导入导出、数据对接与无感监测。",
            links=(
                NavLink("填报与审核", "reporting:home", Permission.VIEW_DASHBOARD),
                NavLink("数据对接", "datasets:overview", Permission.VIEW_RECORDS),
                NavLink("数据批次与隔离", "datasets:batch_list", Permission.VIEW_RECORDS),
                NavLink("原始办件数据规范", "datasets:schema", Permission.VIEW_RECORDS),
                NavLink("指标口径与无感监测计算", "metrics:list", Permission.REVIEW_DATA),
            )),
]

SECTION_BY_SLUG = {s.slug: s for s in SECTIONS}
