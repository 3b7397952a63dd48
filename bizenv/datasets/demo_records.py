"""Synthetic raw business records for the demonstration (示范数据): every dataset of the catalogue.

`generate` is pure and deterministic for a seed. It draws whole columns at a time with numpy (no
loop per record) and returns one Arrow table per dataset with the catalogue's field names and types.
What the records show on purpose:

- volumes follow population (开发区 and 城区 busier per head), the season (fewer applications in the
  春节 and 国庆 months) and a slow growth; 开办企业 and 政务服务 are the most frequent, construction
  projects the rarest;
- every region has a service quality that sets its number of steps, working days, costs and share of
  online cases. The best region sits near seed 002's best values (开办企业 2 steps, 0.5 working day,
  0 元), the others improve slowly, and one county worsens steadily over the whole span;
- cases applied around 春节 (late January–February) and 国庆 (early October) take longer;
- steps start and end in office hours on working days (chinese-calendar, 调休 included); cases not
  finished by `as_of` have no completion time and their unfinished steps no end;
- about 0.1 % of the rows of each table break a rule (completed before applied, unknown region code,
  negative cost, missing required field) so that quarantine has something to show.

Every field of the returned tables is nullable, because the deliberately broken rows carry nulls in
required fields; the types are those of `lake.arrow_schema`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import chinese_calendar
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from bizenv.core import clock
from bizenv.datasets.catalog import DATASETS, Dataset
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


# ---------------------------------------------------------------------------------------------------
# Calendar


def _month_start(month: str) -> dt.date:
    year, mon = month.split("-")
    return dt.date(int(year), int(mon), 1)


def _next_month(day: dt.date) -> dt.date:
    return dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _covered(year: int) -> bool:
    try:
        chinese_calendar.is_workday(dt.date(year, 7, 1))
    except NotImplementedError:
        return False
    return True


@dataclass(frozen=True)
class _Calendar:
    """Working days from the first month up to `as_of` (exclusive); an index past the end is 'not yet'."""

    days: np.ndarray  # datetime64[D]
    epoch: np.ndarray  # seconds of each working day's midnight
    slow: np.ndarray  # how much slower a case applied on that day goes (春节, 国庆 backlogs)
    month_first: np.ndarray  # index of each month's first working day
    month_count: np.ndarray  # working days in each month
    month_of_year: np.ndarray  # 0–11 for each month

    @property
    def horizon(self) -> int:
        return len(self.days)


def _calendar(months: Sequence[str], as_of: dt.date) -> _Calendar:
    first = _month_start(months[0])
    for year in range(first.year, _month_start(months[-1]).year + 1):
        if not _covered(year):
            raise ValueError(f"chinese-calendar 不含 {year} 年的节假日安排，无法按工作日生成示范数据")
    span = [first + dt.timedelta(days=i) for i in range((as_of - first).days)]
    workdays = np.array([d for d in span if chinese_calendar.is_workday(d)], dtype="datetime64[D]")

    # Backlog windows around the long holidays, from the holiday days the calendar names.
    holidays: dict[tuple[str, int], list[dt.date]] = {}
    margin = dt.timedelta(days=40)
    day = first - margin
    while day < as_of + margin and _covered(day.year):
        is_holiday, name = chinese_calendar.get_holiday_detail(day)
        if is_holiday and name in ("Spring Festival", "National Day"):
            holidays.setdefault((name, day.year), []).append(day)
        day += dt.timedelta(days=1)
    slow = np.ones(len(workdays))
    for (name, _year), days in holidays.items():
        before, after, factor = (18, 16, 1.7) if name == "Spring Festival" else (6, 10, 1.4)
        lo = np.datetime64(min(days) - dt.timedelta(days=before))
        hi = np.datetime64(max(days) + dt.timedelta(days=after))
        slow[(workdays >= lo) & (workdays <= hi)] = factor

    starts = np.array([_month_start(m) for m in months], dtype="datetime64[D]")
    ends = np.array([_next_month(_month_start(m)) for m in months], dtype="datetime64[D]")
    month_first = np.searchsorted(workdays, starts)
    month_count = np.searchsorted(workdays, ends) - month_first
    return _Calendar(
        days=workdays,
        epoch=workdays.astype("datetime64[s]").astype(np.int64),
        slow=slow,
        month_first=month_first,
        month_count=month_count,
        month_of_year=np.array([_month_start(m).month - 1 for m in months]),
    )


# ---------------------------------------------------------------------------------------------------
# Regions and their quality


@dataclass(frozen=True)
class _Regions:
    codes: list[str]
    level: np.ndarray  # str
    population: np.ndarray
    gas: np.ndarray  # bool
    quality: np.ndarray  # (regions, months) in [0, 1], 1 = best practice
    special: np.ndarray  # bool: the best and the worsening region keep their exact curves


def _regions(rng, regions: Sequence[Mapping], n_months: int, best: str | None, worsening: str | None) -> _Regions:
    codes = [str(r["code"]) for r in regions]
    level = np.array([str(r.get("level") or "county") for r in regions])
    population = np.array([float(r.get("population") or 100_000) for r in regions])
    gas = np.array([bool(r.get("has_pipeline_gas", True)) for r in regions])
    ordered = sorted(range(len(codes)), key=codes.__getitem__)
    districts = [i for i in ordered if level[i] == "district"]
    counties = [i for i in ordered if level[i] == "county"]
    best_i = codes.index(best) if best else (districts or ordered)[0]
    worse_i = codes.index(worsening) if worsening else (counties[1:2] or counties or ordered[-1:])[0]
    if best_i == worse_i:
        raise ValueError("最佳区域与逐月变差的区域不能是同一个")

    t = np.linspace(0.0, 1.0, n_months)
    bonus = np.select([level == "zone", level == "district"], [0.12, 0.05], 0.0)
    base = rng.uniform(0.35, 0.70, len(codes)) + bonus
    trend = rng.uniform(0.04, 0.18, len(codes))
    quality = base[:, None] + trend[:, None] * t[None, :]
    quality[best_i] = 0.96 + 0.03 * t
    quality[worse_i] = 0.72 - 0.64 * t
    special = np.zeros(len(codes), bool)
    special[[best_i, worse_i]] = True
    return _Regions(codes, level, population, gas, np.clip(quality, 0.02, 0.99), special)


def _process_quality(rng, regions: _Regions) -> np.ndarray:
    """Quality per region and month for one process: the region's own plus a process-specific offset."""
    offset = np.where(regions.special, 0.0, rng.normal(0.0, 0.07, len(regions.codes)))
    return np.clip(regions.quality + offset[:, None], 0.02, 0.99)


# ---------------------------------------------------------------------------------------------------
# Cases: counts, application times, steps


@dataclass
class _Cases:
    region: np.ndarray  # region index
    month: np.ndarray  # month index
    seq: np.ndarray  # 1-based number within (region, month), in application order
    day: np.ndarray  # working-day index of the application
    tod: np.ndarray  # seconds after midnight
    quality: np.ndarray

    def __len__(self) -> int:
        return len(self.day)


def _draw_cases(rng, ds: str, cal: _Calendar, regions: _Regions, quality: np.ndarray, scale: float,
                eligible: np.ndarray | None = None) -> _Cases:
    n_months = len(cal.month_first)
    activity = np.array([ACTIVITY.get(ds, {}).get(lv, 1.0) for lv in regions.level])
    growth = 1.0 + GROWTH_PER_YEAR.get(ds, 0.0) * np.arange(n_months) / 12.0
    expected = (RATES[ds] * scale * regions.population[:, None] / 1e5 * activity[:, None]
                * (MONTH_VOLUME[cal.month_of_year] * growth)[None, :])
    if eligible is not None:
        expected = expected * eligible[:, None]
    counts = rng.poisson(expected).ravel()
    group = np.repeat(np.arange(counts.size), counts)
    region, month = np.divmod(group, n_months)
    day = cal.month_first[month] + (rng.random(group.size) * cal.month_count[month]).astype(np.int64)
    tod = rng.integers(OPEN - 900, LAST_START - 1800, group.size)
    order = np.lexsort((tod, day, group))
    region, month, day, tod, group = region[order], month[order], day[order], tod[order], group[order]
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    seq = np.arange(group.size) - starts[group] + 1
    return _Cases(region, month, seq, day, tod, quality[region, month])


def _pick(rng, weights: Sequence[float], n: int) -> np.ndarray:
    p = np.asarray(weights, float)
    return rng.choice(len(p), size=n, p=p / p.sum())


def _finish(rng, day, tod, k, quality):
    """End of a piece of work that started at (day, tod) and took `k` whole working days."""
    span = rng.integers(600, 1800 + (5400 * (1.0 - quality)).astype(np.int64))
    end_tod = np.where(k == 0, np.minimum(tod + span, DAY_END), rng.integers(OPEN, CLOSE, len(day)))
    return day + k, end_tod


@dataclass(frozen=True)
class _Templates:
    names: list[str]
    count: np.ndarray  # (variants, levels): steps of the template, 0 where the level does not exist
    levels: np.ndarray  # (variants,)
    name: np.ndarray  # (variants, levels, steps): index into names
    weight: np.ndarray
    limit: np.ndarray  # NaN where there is no limit
    best: np.ndarray  # (variants,)
    typical: np.ndarray
    share: np.ndarray
    codes: list[str | None]


def _templates(variants: Sequence[Variant], names: list[str]) -> _Templates:
    v_n = len(variants)
    l_n = max(len(v.steps) for v in variants)
    j_n = max(len(s) for v in variants for s in v.steps)
    shape = (v_n, l_n, j_n)
    t = _Templates(names, np.zeros((v_n, l_n), np.int64), np.array([len(v.steps) for v in variants]),
                   np.zeros(shape, np.int64), np.zeros(shape), np.full(shape, np.nan),
                   np.array([v.best_days for v in variants]), np.array([v.typical_days for v in variants]),
                   np.array([v.share for v in variants]), [v.code for v in variants])
    for vi, variant in enumerate(variants):
        for li, steps in enumerate(variant.steps):
            t.count[vi, li] = len(steps)
            total = sum(s.weight for s in steps)
            for ji, step in enumerate(steps):
                if step.name not in names:
                    names.append(step.name)
                t.name[vi, li, ji] = names.index(step.name)
                t.weight[vi, li, ji] = step.weight / total
                t.limit[vi, li, ji] = np.nan if step.limit is None else step.limit
    return t


@dataclass
class _Steps:
    case: np.ndarray  # index of the case
    step_no: np.ndarray
    name: np.ndarray  # index into the templates' names
    start_day: np.ndarray
    start_tod: np.ndarray
    end_day: np.ndarray
    end_tod: np.ndarray
    limit: np.ndarray


def _simulate(rng, cal: _Calendar, cases: _Cases, t: _Templates, variant: np.ndarray, online: np.ndarray):
    """Steps of every case, one step position at a time across all cases.

    Returns the steps that had started by the horizon and each case's (completion day, time of day).
    """
    n = len(cases)
    q = cases.quality
    level = np.floor((1.0 - q) * t.levels[variant]).astype(np.int64)
    level += rng.random(n) < 0.03 + 0.1 * (1.0 - q)
    level = np.minimum(level, t.levels[variant] - 1)
    n_steps = t.count[variant, level]
    slow = cal.slow[np.minimum(cases.day, cal.horizon - 1)]
    region_noise = rng.lognormal(0.0, 0.15, n)
    total = (t.best[variant] + (t.typical[variant] - t.best[variant]) * 2.0 * (1.0 - q)) * slow * region_noise
    total *= np.where(online, 0.9, 1.0)
    gap_lambda = 0.7 * (1.0 - q) ** 2 * slow

    j_n = t.name.shape[2]
    out = {k: np.zeros((n, j_n), np.int32) for k in ("start_day", "start_tod", "end_day", "end_tod")}
    day, tod = cases.day.copy(), cases.tod.copy()
    end_day = end_tod = None
    for j in range(j_n):
        if j:
            gap = rng.poisson(gap_lambda)
            same_tod = end_tod + rng.integers(300, 3600, n)
            roll = (gap == 0) & (same_tod > LAST_START)
            day = np.where(gap == 0, end_day + roll, end_day + gap)
            tod = np.where((gap == 0) & ~roll, same_tod, rng.integers(OPEN, LAST_START - 1800, n))
        mean = total * t.weight[variant, level, j]
        k = np.floor(rng.gamma(2.0, 1.0, n) * mean / 2.0 + 0.25).astype(np.int64)
        end_day, end_tod = _finish(rng, day, tod, k, q)
        out["start_day"][:, j], out["start_tod"][:, j] = day, tod
        out["end_day"][:, j], out["end_tod"][:, j] = end_day, end_tod

    last = (n_steps - 1)[:, None]
    done_day = np.take_along_axis(out["end_day"], last, 1)[:, 0]
    done_tod = np.take_along_axis(out["end_tod"], last, 1)[:, 0]

    position = np.arange(j_n)[None, :]
    started = (position < n_steps[:, None]) & (out["start_day"] < cal.horizon)
    case, j = np.nonzero(started)
    v, lv = variant[case], level[case]
    steps = _Steps(case, j + 1, t.name[v, lv, j], out["start_day"][case, j], out["start_tod"][case, j],
                   out["end_day"][case, j], out["end_tod"][case, j], t.limit[v, lv, j])
    return steps, done_day, done_tod


# ---------------------------------------------------------------------------------------------------
# Columns and tables


@dataclass
class _Col:
    """A column on its way to Arrow: values with a validity mask; strings as indices into `labels`."""

    values: np.ndarray
    valid: np.ndarray
    labels: list[str] | None = None


def _col(values, valid=None, labels=None) -> _Col:
    values = np.array(values)  # a copy: breaking rules in a column must not touch the arrays it came from
    return _Col(values, np.ones(len(values), bool) if valid is None else np.asarray(valid, bool), labels)


def _timestamps(cal: _Calendar, day: np.ndarray, tod: np.ndarray) -> _Col:
    valid = day < cal.horizon
    return _col(cal.epoch[np.where(valid, day, 0)] + tod, valid)


def _arrow(field_type: pa.DataType, col) -> pa.Array:
    if isinstance(col, pa.Array):
        return col
    mask = ~col.valid
    if col.labels is not None:
        indices = pa.array(np.where(col.valid, col.values, 0).astype(np.int32), mask=mask)
        return pa.DictionaryArray.from_arrays(indices, pa.array(col.labels, pa.string())).dictionary_decode()
    return pa.array(col.values, type=field_type, mask=mask)


def _table(dataset: Dataset, cols: dict) -> pa.Table:
    schema = conforming_schema(dataset)
    return pa.Table.from_arrays([_arrow(f.type, cols[f.name]) for f in schema], schema=schema)


def _record_ids(prefix: str, regions: _Regions, months: Sequence[str], cases: _Cases) -> pa.Array:
    region = pa.DictionaryArray.from_arrays(pa.array(cases.region.astype(np.int32)),
                                            pa.array(regions.codes)).dictionary_decode()
    month = pa.DictionaryArray.from_arrays(pa.array(cases.month.astype(np.int32)),
                                           pa.array([m.replace("-", "") for m in months])).dictionary_decode()
    seq = pc.utf8_lpad(pc.cast(pa.array(cases.seq), pa.string()), width=5, padding="0")
    return pc.binary_join_element_wise(prefix, region, month, seq, "")


def _region_col(regions: _Regions, cases: _Cases) -> _Col:
    return _col(cases.region, labels=[*regions.codes, UNKNOWN_REGION])


def _break_rules(rng, cols: dict, rules: Sequence[tuple], n: int) -> None:
    """Make about 0.1 % of the rows (at least one) break one rule each, in place."""
    if n == 0:
        return
    rows = rng.choice(n, size=max(1, round(n * BAD_ROW_SHARE)), replace=False)
    kinds = rng.integers(0, len(rules), rows.size)
    for index, (rule, *fields) in enumerate(rules):
        sel = rows[kinds == index]
        if rule == "backwards":
            start, end = cols[fields[0]], cols[fields[1]]
            end.values[sel] = start.values[sel] - rng.integers(3600, 3 * 86_400, sel.size)
            end.valid[sel] = start.valid[sel]
        elif rule == "unknown_region":
            region = cols["region_code"]
            region.values[sel] = len(region.labels) - 1
        elif rule == "negative":
            col = cols[fields[0]]
            magnitude = np.abs(np.nan_to_num(col.values[sel]))
            col.values[sel] = -np.where(magnitude > 0, magnitude, rng.integers(10, 500, sel.size))
            col.valid[sel] = True
        elif rule == "missing":
            cols[fields[0]].valid[sel] = False
        else:  # pragma: no cover - a typo in a rules table
            raise ValueError(rule)


CASE_RULES = (("backwards", "applied_at", "completed_at"), ("unknown_region",), ("negative", "cost"),
              ("missing", "channel"))


def _online(rng, ds: str, cases: _Cases, n_months: int) -> np.ndarray:
    base, rise = ONLINE[ds]
    share = base + rise * cases.month / max(n_months - 1, 1) + 0.2 * (cases.quality - 0.5)
    return rng.random(len(cases)) < np.clip(share, 0.02, 0.98)


def _round_to(values: np.ndarray, step: float) -> np.ndarray:
    return np.round(values / step) * step


def _costs(rng, ds: str, code: np.ndarray, q: np.ndarray, extra: dict) -> np.ndarray:
    """Fees the enterprise pays (元), by dataset and type; better regions charge less or nothing."""
    n = len(q)
    cost = np.zeros(n)
    if ds == "business_registrations":
        # free seals (政府买单刻章) in most good regions; a seal set costs a few hundred yuan elsewhere
        paid = (code == "establishment") & (rng.random(n) > np.clip(0.25 + 0.9 * q, 0.0, 1.0))
        cost = np.where(paid, _round_to(rng.uniform(150, 420, n), 10), 0.0)
    elif ds == "electricity_connections":
        p = np.select([code == "high_voltage", code == "low_voltage_non_residential"],
                      [0.2 + 0.6 * (1 - q), 0.6 * (1 - q) ** 2], 0.0)
        amount = np.where(code == "high_voltage", rng.lognormal(np.log(80_000), 0.6, n),
                          rng.lognormal(np.log(6_000), 0.5, n))
        cost = np.where(rng.random(n) < p, _round_to(amount, 100), 0.0)
    elif ds in ("water_connections", "gas_connections"):
        median = np.where(code == "industrial", 25_000, 6_000 if ds == "gas_connections" else 4_000)
        cost = np.where(rng.random(n) < 0.7 * (1 - q) ** 1.5,
                        _round_to(rng.lognormal(np.log(median), 0.5, n), 50), 0.0)
    elif ds == "construction_permits":
        rate = np.where(code == "small_social_investment", 5.0, 25.0) * (0.4 + 1.2 * (1 - q))
        cost = _round_to(extra["floor_area_m2"] * rate * rng.lognormal(0, 0.2, n), 1)
        cost = np.where((code == "small_social_investment") & (q > 0.75), 0.0, cost)
    elif ds == "property_transfers":
        value = extra["property_value"]
        fee = np.where(code == "enterprise", 550.0, 80.0)
        tax = np.where(code == "enterprise", 0.0305, 0.015)
        agency = np.where(rng.random(n) < 0.5 * (1 - q), value * rng.uniform(0.001, 0.005, n), 0.0)
        cost = np.round(fee + value * tax + agency, 2)
    return cost


def _case_dataset(rng, ds: str, cal: _Calendar, regions: _Regions, months: Sequence[str], scale: float,
                  step_names: list[str]):
    field_name, variants = STEPS[ds]
    t = _templates(variants, step_names)
    quality = _process_quality(rng, regions)
    eligible = regions.gas.astype(float) if ds == "gas_connections" else None
    cases = _draw_cases(rng, ds, cal, regions, quality, scale, eligible)
    n = len(cases)
    variant = _pick(rng, t.share, n)
    online = _online(rng, ds, cases, len(months))
    steps, done_day, done_tod = _simulate(rng, cal, cases, t, variant, online)
    code = np.array(t.codes, dtype=object)[variant]

    extra: dict[str, np.ndarray] = {}
    cols: dict = {}
    if ds == "business_registrations":
        labels = [name for name, _ in ENTITY_TYPES]
        cols["entity_type"] = _col(_pick(rng, [w for _, w in ENTITY_TYPES], n), rng.random(n) > 0.03, labels)
        # changes and deregistrations have no entity type to choose
        cols["entity_type"].valid &= code == "establishment"
    elif ds == "electricity_connections":
        kva = np.select([code == "high_voltage", code == "low_voltage_residential"],
                        [_round_to(rng.lognormal(np.log(800), 0.6, n), 5), rng.choice([8.0, 10.0, 16.0, 20.0], n)],
                        _round_to(rng.lognormal(np.log(60), 0.6, n), 1))
        cols["capacity_kva"] = _col(kva)
    elif ds == "water_connections":
        cols["pipe_diameter_mm"] = _col(rng.choice([20.0, 25.0, 32.0, 40.0, 50.0, 80.0, 100.0, 150.0], n,
                                                   p=[0.2, 0.25, 0.15, 0.12, 0.12, 0.08, 0.05, 0.03]))
    elif ds == "construction_permits":
        area = np.select([code == "small_social_investment", code == "general_social_investment"],
                         [rng.uniform(300, 2000, n), rng.lognormal(np.log(12_000), 0.8, n)],
                         rng.lognormal(np.log(8_000), 0.9, n))
        extra["floor_area_m2"] = np.round(area, 1)
        cols["floor_area_m2"] = _col(extra["floor_area_m2"])
    elif ds == "property_transfers":
        value = np.where(code == "enterprise", rng.lognormal(np.log(1_500_000), 0.8, n),
                         rng.lognormal(np.log(900_000), 0.5, n))
        extra["property_value"] = _round_to(value, 100)
        cols["property_value"] = _col(extra["property_value"])
    if field_name is not None:
        cols[field_name] = _col(variant, labels=list(t.codes))

    cols.update({
        "record_id": _record_ids(PREFIX[ds], regions, months, cases),
        "region_code": _region_col(regions, cases),
        "channel": _col(np.where(online, 0, 1), labels=["online", "counter"]),
        "applied_at": _timestamps(cal, cases.day, cases.tod),
        "completed_at": _timestamps(cal, done_day, done_tod),
        "cost": _col(_costs(rng, ds, code, cases.quality, extra)),
    })
    _break_rules(rng, cols, CASE_RULES, n)
    return _table(DATASETS[ds], cols), steps, cols["record_id"], cases


def _service_cases(rng, cal: _Calendar, regions: _Regions, months: Sequence[str], scale: float) -> pa.Table:
    ds = "service_cases"
    quality = _process_quality(rng, regions)
    cases = _draw_cases(rng, ds, cal, regions, quality, scale)
    n, q = len(cases), cases.quality
    item = _pick(rng, [i[4] for i in SERVICE_ITEMS], n)
    statutory = np.array([i[2] for i in SERVICE_ITEMS], float)[item]
    promised = np.array([i[3] for i in SERVICE_ITEMS], float)[item]
    online = _online(rng, ds, cases, len(months))
    slow = cal.slow[cases.day]
    mean = promised * (0.25 + 0.9 * (1.0 - q)) * slow * np.where(online, 0.85, 1.0)
    k = np.minimum(np.floor(rng.gamma(2.0, 1.0, n) * mean / 2.0 + 0.3), statutory).astype(np.int64)
    over = rng.random(n) < 0.005 + 0.15 * (1.0 - q) ** 3 * slow
    k = np.where(over, statutory.astype(np.int64) + 1 + rng.poisson(2 + 6 * (1.0 - q)), k)
    done_day, done_tod = _finish(rng, cases.day, cases.tod, k, q)
    cols = {
        "record_id": _record_ids(PREFIX[ds], regions, months, cases),
        "region_code": _region_col(regions, cases),
        "department_code": _col(item, labels=[i[1] for i in SERVICE_ITEMS]),
        "item_name": _col(item, labels=[i[0] for i in SERVICE_ITEMS]),
        "channel": _col(np.where(online, 0, 1), labels=["online", "counter"]),
        "applied_at": _timestamps(cal, cases.day, cases.tod),
        "completed_at": _timestamps(cal, done_day, done_tod),
        "statutory_limit_days": _col(statutory),
        "promised_limit_days": _col(promised, rng.random(n) > 0.05),
    }
    rules = (("backwards", "applied_at", "completed_at"), ("unknown_region",), ("negative", "statutory_limit_days"),
             ("missing", "item_name"))
    _break_rules(rng, cols, rules, n)
    return _table(DATASETS[ds], cols)


def _tenders(rng, cal: _Calendar, regions: _Regions, months: Sequence[str], scale: float) -> pa.Table:
    ds = "tenders"
    quality = _process_quality(rng, regions)
    cases = _draw_cases(rng, ds, cal, regions, quality, scale)
    n, q = len(cases), cases.quality
    kinds = ["construction", "goods", "services"]
    kind = _pick(rng, [0.45, 0.3, 0.25], n)
    t = cases.month / max(len(months) - 1, 1)
    # at least 20 days between the notice and the deadline (招标投标法), opening at 9:30 on a working day
    calendar_days = 20 + rng.poisson(np.where(kind == 0, 4, 2))
    deadline_date = cal.days[np.minimum(cases.day, cal.horizon - 1)] + calendar_days.astype("timedelta64[D]")
    deadline_day = np.searchsorted(cal.days, deadline_date)
    deadline_day = np.where(cases.day < cal.horizon, deadline_day, cal.horizon)
    award_day = deadline_day + 1 + rng.poisson(1.0 + 4.0 * (1.0 - q))
    award_tod = rng.integers(OPEN, CLOSE, n)
    awarded = award_day < cal.horizon

    bidders = 1 + rng.poisson(np.array([6.0, 4.0, 3.0])[kind] * (0.6 + 0.8 * q))
    non_local = np.clip(0.15 + 0.35 * q + 0.1 * t, 0.02, 0.9)
    winner_local = rng.random(n) >= non_local
    deposit = rng.random(n) < np.clip(0.75 - 0.45 * t - 0.2 * q, 0.05, 0.95)
    refund = np.maximum(1.0, np.floor(rng.gamma(2.0, 1.0, n) * (1.5 + 4.0 * (1.0 - q)) / 2.0 + 1))
    refund_day = award_day + refund.astype(np.int64)
    amount = _round_to(rng.lognormal(np.log(np.array([3_000_000, 500_000, 300_000])[kind]), 0.9), 100)
    cols = {
        "record_id": _record_ids(PREFIX[ds], regions, months, cases),
        "region_code": _region_col(regions, cases),
        "project_type": _col(kind, labels=kinds),
        "published_at": _timestamps(cal, cases.day, cases.tod),
        "bid_deadline_at": _timestamps(cal, deadline_day, np.full(n, 9 * 3600 + 1800)),
        "awarded_at": _timestamps(cal, award_day, award_tod),
        "bidder_count": _col(bidders),
        "winner_local": _col(winner_local, awarded),
        "deposit_required": _col(deposit),
        "deposit_refund_days": _col(refund, deposit & (refund_day < cal.horizon)),
        "amount": _col(amount, awarded),
    }
    rules = (("backwards", "published_at", "bid_deadline_at"), ("unknown_region",), ("negative", "amount"),
             ("missing", "bidder_count"))
    _break_rules(rng, cols, rules, n)
    return _table(DATASETS[ds], cols)


def generate(*, regions: Sequence[Mapping], months: Sequence[str], seed: int = 2026, scale_factor: float = 1.0,
             as_of: dt.date | None = None, best: str | None = None,
             worsening: str | None = None) -> dict[str, pa.Table]:
    """Raw records of every catalogue dataset for `regions` over `months` ('YYYY-MM', consecutive).

    `regions` are the places where cases are handled (county, district, zone), each a mapping with
    code, name, level, has_pipeline_gas, population and peer_group. `as_of` is when the data were
    extracted: nothing happens on or after it (default: the earlier of today and the first day of the
    second month after the last month). `best` and `worsening` are region codes (default: the first
    district, and the second county by code).
    """
    if not regions or not months:
        raise ValueError("示范数据需要至少一个区域和一个月份")
    last = _month_start(months[-1])
    if as_of is None:
        as_of = min(clock.today(), _next_month(_next_month(last)))
    year = as_of.year
    while not _covered(year) and year > last.year:
        year -= 1
    as_of = min(as_of, dt.date(year + 1, 1, 1))
    if as_of <= last:
        raise ValueError(f"数据截止日 {as_of} 须晚于最后一个月份 {months[-1]}")

    root = np.random.SeedSequence(seed)
    names = ["regions", *DATASETS]
    streams = dict(zip(names, (np.random.default_rng(s) for s in root.spawn(len(names))), strict=True))
    cal = _calendar(months, as_of)
    region_info = _regions(streams["regions"], regions, len(months), best, worsening)

    tables: dict[str, pa.Table] = {}
    step_names: list[str] = []
    step_parts = []
    for ds in STEPS:
        table, steps, record_ids, cases = _case_dataset(streams[ds], ds, cal, region_info, months, scale_factor,
                                                        step_names)
        tables[ds] = table
        step_parts.append((ds, steps, record_ids, cases))
    tables["service_cases"] = _service_cases(streams["service_cases"], cal, region_info, months, scale_factor)
    tables["tenders"] = _tenders(streams["tenders"], cal, region_info, months, scale_factor)
    tables["process_steps"] = _steps_table(streams["process_steps"], cal, region_info, step_parts,
                                           step_names)
    return {code: tables[code] for code in DATASETS}


def _steps_table(rng, cal: _Calendar, regions: _Regions, parts, step_names: list[str]) -> pa.Table:
    processes = [ds for ds, *_ in parts]
    process, record_ids, region = [], [], []
    arrays: dict[str, list[np.ndarray]] = {k: [] for k in ("step_no", "name", "start_day", "start_tod", "end_day",
                                                             "end_tod", "limit")}
    for ds, steps, ids, cases in parts:
        process.append(np.full(len(steps.case), processes.index(ds)))
        record_ids.append(ids.take(pa.array(steps.case)))
        region.append(cases.region[steps.case])
        for key in arrays:
            arrays[key].append(getattr(steps, key))
    flat = {k: np.concatenate(v) for k, v in arrays.items()}
    limit = flat["limit"]
    cols = {
        "process": _col(np.concatenate(process), labels=processes),
        "record_id": pa.concat_arrays(record_ids),
        "region_code": _col(np.concatenate(region), labels=[*regions.codes, UNKNOWN_REGION]),
        "step_no": _col(flat["step_no"]),
        "step_name": _col(flat["name"], labels=step_names),
        "started_at": _timestamps(cal, flat["start_day"], flat["start_tod"]),
        "finished_at": _timestamps(cal, flat["end_day"], flat["end_tod"]),
        "limit_days": _col(np.nan_to_num(limit), ~np.isnan(limit)),
    }
    _break_rules(rng, cols, (("backwards", "started_at", "finished_at"), ("missing", "step_name")),
                 len(flat["step_no"]))
    return _table(DATASETS["process_steps"], cols)
