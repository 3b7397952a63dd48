from django.apps import AppConfig


class DashboardsConfig(AppConfig):
    name = "bizenv.dashboards"
    label = "dashboards"
    verbose_name = "首页与专题分析"
    url_prefix = ""

    def nav_sections(self):
        from bizenv.core.nav import Section
        from bizenv.organisations.permissions import Permission

        return (
            Section("compare", "对比分析", Permission.VIEW_DASHBOARD,
                    "任意区域 × 任意时期 × 任意指标的组合查询，与最优区县、标杆城市和前沿值对比。",
                    url_name="dashboards:compare", order=10),
            Section("self-assessment", "自查自评", Permission.VIEW_DASHBOARD,
                    "一个区域对照自身历史：同比、环比、优势与短板、趋势预测。",
                    url_name="dashboards:self_assessment", order=20),
        )
