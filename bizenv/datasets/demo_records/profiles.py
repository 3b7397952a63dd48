"""What the synthetic records look like: rates, seasons, the step templates and services, the demo window."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from bizenv.core import clock
from bizenv.datasets.catalog import Dataset
from bizenv.datasets.demo_records.days import _covered
from bizenv.datasets.lake import arrow_schema

UNKNOWN_REGION = "999999"
BAD_ROW_SHARE = 0.001
OPEN = 9 * 3600  # office hours 9:00–17:30; a step starts no later than 17:00
LAST_START = 17 * 3600
CLOSE = 17 * 3600 + 1800
DAY_END = 17 * 3600 + 3300

# Applications per 100 000 inhabitants per month at scale 1 (small demo ≈ 250 000 records with steps).
RATES = {
    "business_registrations": 36.0,
    "electricity_connections": 4.0,
    "water_connections": 1.5,
    "gas_connections": 1.2,
    "construction_permits": 0.4,
    "property_transfers": 3.0,
    "service_cases": 34.0,
    "tenders": 0.8,
}
# Cases per head relative to a county, by region level.
ACTIVITY = {
    "business_registrations": {"zone": 2.2, "district": 1.3, "county": 0.8},
    "electricity_connections": {"zone": 1.8, "district": 1.1, "county": 0.9},
    "construction_permits": {"zone": 2.5, "district": 1.2, "county": 0.8},
    "tenders": {"zone": 1.5, "district": 1.2, "county": 0.9},
}
GROWTH_PER_YEAR = {"business_registrations": 0.05, "service_cases": 0.04}
# Applications by month of the year: 春节 (Feb) and 国庆 (Oct) are quiet, March and December busy.
MONTH_VOLUME = np.array([1.0, 0.65, 1.2, 1.05, 1.0, 1.05, 1.0, 0.95, 1.0, 0.75, 1.05, 1.15])
# (base, rise over the whole span) of the online share; better regions add up to ±0.1.
ONLINE = {
    "business_registrations": (0.50, 0.35),
    "electricity_connections": (0.30, 0.40),
    "water_connections": (0.20, 0.35),
    "gas_connections": (0.20, 0.35),
    "construction_permits": (0.55, 0.30),
    "property_transfers": (0.20, 0.40),
    "service_cases": (0.35, 0.35),
}
PREFIX = {
    "business_registrations": "QY",
    "electricity_connections": "YD",
    "water_connections": "YS",
    "gas_connections": "YQ",
    "construction_permits": "GC",
    "property_transfers": "BDC",
    "service_cases": "ZW",
    "tenders": "ZB",
}


@dataclass(frozen=True)
class Step:
    name: str
    weight: float  # share of the case's working days spent in this step
    limit: float | None = None  # 环节时限 (working days)


@dataclass(frozen=True)
class Variant:
    code: str | None  # the value of the dataset's type field, or None
    share: float
    best_days: float  # working days per case at the best quality
    typical_days: float  # working days per case at quality 0.5
    steps: tuple[tuple[Step, ...], ...]  # from best practice (fewest steps) to the most steps


S = Step
STEPS = {
    "business_registrations": ("kind", (
        Variant("establishment", 0.45, 0.5, 4.0, (
            (S("设立登记（一窗通办，含刻制公章、申领发票和税控设备）", 0.6, 1),
             S("员工参保和住房公积金企业缴存登记（一窗通办）", 0.4, 0.5)),
            (S("设立登记", 0.4, 1), S("刻制公章和申领发票和税控设备（并联办理）", 0.35, 1),
             S("员工参保和住房公积金企业缴存登记", 0.25, 0.5)),
            (S("设立登记", 0.35, 1), S("刻制公章", 0.15, 0.5), S("申领发票和税控设备", 0.3, 1),
             S("员工参保和住房公积金企业缴存登记", 0.2, 0.5)),
            (S("设立登记", 0.3, 1), S("刻制公章", 0.15, 0.5), S("申领发票和税控设备", 0.25, 1),
             S("员工参保登记", 0.15, 0.5), S("住房公积金企业缴存登记", 0.15, 0.5)),
        )),
        Variant("change", 0.40, 0.5, 1.5, (
            (S("变更登记", 1.0, 1),),
            (S("变更登记", 0.6, 1), S("税务登记信息变更", 0.4, 1)),
        )),
        Variant("deregistration", 0.15, 0.5, 2.5, (
            (S("简易注销登记", 1.0, 1),),
            (S("清税证明", 0.5, 1), S("简易注销登记", 0.5, 1)),
        )),
    )),
    "electricity_connections": ("connection_type", (
        Variant("low_voltage_non_residential", 0.5, 3.0, 12.0, (
            (S("用电申请（含供电方案答复）", 0.3, 1), S("外部工程施工和装表接电", 0.7, 3)),
            (S("用电申请", 0.15, 1), S("供电方案答复", 0.2, 2), S("外部工程施工和装表接电", 0.65, 5)),
            (S("用电申请", 0.1, 1), S("供电方案答复", 0.2, 2), S("外部工程施工", 0.5, 5), S("装表接电", 0.2, 2)),
        )),
        Variant("low_voltage_residential", 0.35, 2.0, 5.0, (
            (S("用电申请", 0.3, 1), S("装表接电", 0.7, 2)),
            (S("用电申请", 0.2, 1), S("现场勘查", 0.3, 1), S("装表接电", 0.5, 2)),
        )),
        Variant("high_voltage", 0.15, 20.0, 45.0, (
            (S("用电申请", 0.05, 1), S("供电方案答复", 0.15, 10), S("外部工程施工", 0.6, 25), S("装表接电", 0.2, 5)),
            (S("用电申请", 0.05, 1), S("供电方案答复", 0.15, 10), S("设计文件审核", 0.1, 5),
             S("外部工程施工", 0.5, 25), S("竣工检验和装表接电", 0.2, 5)),
            (S("用电申请", 0.05, 1), S("供电方案答复", 0.15, 10), S("设计文件审核", 0.1, 5),
             S("外部工程施工", 0.45, 25), S("竣工检验", 0.1, 3), S("装表接电", 0.15, 3)),
        )),
    )),
    "water_connections": (None, (
        Variant(None, 1.0, 12.0, 25.0, (
            (S("用水报装申请（含现场踏勘和方案答复）", 0.25, 3), S("外部工程施工及验收通水", 0.75, 10)),
            (S("用水报装申请", 0.1, 1), S("现场踏勘和方案答复", 0.2, 3), S("外部工程施工及验收通水", 0.7, 12)),
            (S("用水报装申请", 0.1, 1), S("现场踏勘和方案答复", 0.2, 3), S("外部工程施工", 0.55, 12),
             S("验收通水", 0.15, 2)),
        )),
    )),
    "gas_connections": ("customer_type", (
        Variant("commercial", 0.7, 16.0, 30.0, (
            (S("用气报装申请（含现场踏勘和方案答复）", 0.25, 3), S("外部工程施工及置换通气", 0.75, 12)),
            (S("用气报装申请", 0.1, 1), S("现场踏勘和方案答复", 0.2, 3), S("外部工程施工及置换通气", 0.7, 15)),
            (S("用气报装申请", 0.1, 1), S("现场踏勘和方案答复", 0.2, 3), S("外部工程施工", 0.55, 15),
             S("验收及置换通气", 0.15, 3)),
        )),
        Variant("industrial", 0.3, 20.0, 40.0, (
            (S("用气报装申请（含现场踏勘和方案答复）", 0.25, 3), S("外部工程施工及置换通气", 0.75, 15)),
            (S("用气报装申请", 0.1, 1), S("现场踏勘和方案答复", 0.2, 5), S("外部工程施工", 0.55, 20),
             S("验收及置换通气", 0.15, 3)),
        )),
    )),
    # Approval time only: the building work between 施工许可 and 竣工验收 is the enterprise's own time,
    # which the methodology does not count, so 竣工验收 follows as if the work were instant.
    "construction_permits": ("project_type", (
        Variant("small_social_investment", 0.4, 15.0, 40.0, (
            (S("工程建设许可和施工许可（合并办理）", 0.6, 10), S("竣工验收（联合验收）", 0.4, 5)),
            (S("立项用地规划许可", 0.3, 5), S("工程建设许可和施工许可（合并办理）", 0.45, 10),
             S("竣工验收（联合验收）", 0.25, 5)),
            (S("立项用地规划许可", 0.25, 5), S("工程建设许可", 0.3, 8), S("施工许可", 0.2, 5),
             S("竣工验收", 0.25, 7)),
        )),
        Variant("general_social_investment", 0.4, 49.5, 100.0, (
            (S("立项用地规划许可", 0.25, 15), S("工程建设许可", 0.35, 20), S("施工许可", 0.15, 7),
             S("竣工验收", 0.25, 12)),
            (S("立项用地规划许可", 0.2, 15), S("工程建设许可", 0.3, 20), S("施工图审查", 0.15, 10),
             S("施工许可", 0.1, 7), S("竣工验收", 0.25, 12)),
            (S("项目备案", 0.05, 3), S("用地规划许可", 0.15, 15), S("工程建设许可", 0.3, 20),
             S("施工图审查", 0.15, 10), S("施工许可", 0.1, 7), S("竣工验收", 0.25, 12)),
        )),
        Variant("government_investment", 0.2, 60.0, 120.0, (
            (S("立项用地规划许可（含可行性研究报告审批）", 0.35, 20), S("工程建设许可", 0.3, 20),
             S("施工许可", 0.1, 7), S("竣工验收", 0.25, 12)),
            (S("项目建议书和可行性研究报告审批", 0.2, 20), S("用地规划许可", 0.15, 15),
             S("工程建设许可", 0.25, 20), S("施工许可", 0.1, 7), S("竣工验收", 0.3, 12)),
        )),
    )),
    "property_transfers": ("property_type", (
        Variant("enterprise", 0.7, 0.5, 5.0, (
            (S("一窗受理（交易、缴税、登记）", 0.6, 0.5), S("登簿发证（电子证照）", 0.4, 0.5)),
            (S("申请受理", 0.3, 1), S("缴税", 0.3, 1), S("登簿发证", 0.4, 3)),
            (S("房源核验", 0.15, 1), S("申请受理", 0.25, 1), S("缴税", 0.25, 1), S("登簿发证", 0.35, 3)),
        )),
        Variant("residential", 0.3, 0.5, 4.0, (
            (S("一窗受理（交易、缴税、登记）", 0.6, 0.5), S("登簿发证（电子证照）", 0.4, 0.5)),
            (S("申请受理", 0.3, 1), S("缴税", 0.3, 1), S("登簿发证", 0.4, 3)),
        )),
    )),
}

# (事项名称, 承办部门, 法定时限, 承诺时限, relative frequency)
SERVICE_ITEMS = (
    ("食品经营许可", "samr", 20, 5, 14),
    ("特种设备使用登记", "samr", 15, 5, 4),
    ("企业投资项目备案", "ndrc", 5, 1, 5),
    ("建设工程规划许可证核发", "natural_resources", 20, 5, 3),
    ("建筑工程施工许可证核发", "housing", 15, 3, 3),
    ("建设工程消防验收", "housing", 15, 7, 2),
    ("城市建筑垃圾处置核准", "housing", 20, 5, 2),
    ("户外广告设施设置审批", "housing", 20, 7, 2),
    ("道路运输经营许可", "transport", 20, 10, 4),
    ("排污许可证核发", "ecology", 30, 15, 2),
    ("取水许可", "water_resources", 45, 20, 1),
    ("公共场所卫生许可", "health", 20, 5, 6),
    ("医疗机构执业登记", "health", 45, 20, 1),
    ("人力资源服务许可", "hrss", 20, 5, 2),
    ("劳务派遣经营许可", "hrss", 20, 10, 1),
    ("娱乐场所经营许可", "culture_tourism", 20, 10, 1),
    ("出版物零售单位设立审批", "culture_tourism", 20, 10, 1),
    ("民办非企业单位成立登记", "civil_affairs", 60, 20, 1),
    ("林木采伐许可证核发", "forestry_grassland", 20, 10, 1),
)
ENTITY_TYPES = (("有限责任公司", 70), ("个人独资企业", 12), ("合伙企业", 6), ("股份有限公司", 3),
                ("农民专业合作社", 5), ("外商投资企业", 1), ("分公司", 3))


def demo_months(*, today: dt.date | None = None, count: int = 36) -> list[str]:
    """The `count` months ending with the last full month before `today`, as 'YYYY-MM'."""
    today = today or clock.today()
    index = today.year * 12 + today.month - 1 - 1
    return [f"{i // 12:04d}-{i % 12 + 1:02d}" for i in range(index - count + 1, index + 1)]


def demo_window(*, today: dt.date | None = None) -> list[str]:
    """The demo's 36 months: up to the last full month, or to the last December chinese-calendar covers."""
    today = today or clock.today()
    year = today.year
    while year > 2004 and not _covered(year):
        year -= 1
    return demo_months(today=min(today, dt.date(year + 1, 1, 1)))


def conforming_schema(dataset: Dataset) -> pa.Schema:
    """The lake schema of a dataset with every field nullable (the generator's tables have this schema)."""
    return pa.schema([f.with_nullable(True) for f in arrow_schema(dataset)])
