"""The collection part of `bizenv demo`: the synthetic raw records (datasets.demo_records.generate) through
ingestion, metric observations for 36 months, reported values with a change history, and an overdue
reporting round."""

from __future__ import annotations

import datetime as dt

import numpy as np

from bizenv.core import clock
from bizenv.datasets.catalog import DATASETS
from bizenv.datasets.demo_records import demo_months, demo_window, generate

PROVINCE_SCALE_FACTOR = 2.6  # ≈ 10 million records over the ~190 reporting regions of --scale province
INGEST_CHUNK_ROWS = 250_000
LATE_DEPARTMENTS = ("housing", "finance", "customs")  # enter nothing before the deadline
DEPARTMENT_USER = "dept"  # the demo's department account (市市场监管局): drafts, submits, gets one back
OFFICE_USER = "office"


def demo_collection_build(*, scale: str = "small", progress=print, today: dt.date | None = None) -> dict[str, int]:
    """Raw records through ingestion, metric observations for 36 months and an overdue reporting round.

    Idempotent: batches named 'demo:<dataset>', an unchanged metric run and an existing round are kept.
    """
    from bizenv.datasets.metric_services import metric_definitions_load_shipped, metric_run
    from bizenv.datasets.models import MetricDefinition, QuarantinedRecord, RecordBatch
    from bizenv.observations.models import Observation, ReportingRound
    from bizenv.observations.selectors import reporting_regions

    today = today or clock.today()
    months = demo_window(today=today)
    if months != demo_months(today=today):
        progress(f"chinese-calendar 尚无 {months[-1][:4]} 年以后的节假日安排，示范数据截至 {months[-1]}")
    regions = list(reporting_regions())
    _demo_records_ingest(regions=regions, months=months, scale=scale, progress=progress, today=today)

    progress("加载内置指标口径")
    progress(str(metric_definitions_load_shipped(actor=None)))
    progress(f"无感监测：计算 {months[0]} 至 {months[-1]} 共 {len(months)} 个月的指标值")
    outcome = metric_run(actor=None, periods=months, progress=progress)
    progress(str(outcome))

    _demo_round(months=months, regions=regions, progress=progress, today=today)
    _demo_history(months=months, regions=regions, progress=progress, today=today)
    batches = RecordBatch.objects.filter(filename__startswith="demo:")
    return {
        "原始记录": sum(batches.values_list("rows_accepted", flat=True)),
        "隔离记录": QuarantinedRecord.objects.filter(batch__in=batches).count(),
        "指标口径": MetricDefinition.objects.filter(is_active=True).count(),
        "指标值": Observation.objects.count(),
        "填报批次": ReportingRound.objects.count(),
    }


def _demo_records_ingest(*, regions, months: list[str], scale: str, progress, today: dt.date) -> None:
    from bizenv.datasets.models import BatchStatus, RecordBatch
    from bizenv.datasets.services import records_ingest

    done = set(RecordBatch.objects.filter(filename__startswith="demo:", status=BatchStatus.COMMITTED)
               .values_list("filename", flat=True))
    if all(_landed(code, done) for code in DATASETS):
        progress("示范原始记录已入库，跳过生成")
        return
    factor = PROVINCE_SCALE_FACTOR if scale == "province" else 1.0
    progress(f"生成示范原始记录：{len(regions)} 个县（市、区）与开发区 × {len(months)} 个月")
    started = dt.datetime.now()
    tables = generate(regions=[{"code": r.code, "name": r.name, "level": r.level, "population": r.population,
                                "has_pipeline_gas": r.has_pipeline_gas, "peer_group": r.peer_group}
                               for r in regions],
                      months=months, scale_factor=factor, as_of=today)
    total = sum(t.num_rows for t in tables.values())
    progress(f"已生成 {total} 条记录（{(dt.datetime.now() - started).total_seconds():.1f} 秒），逐数据集校验入库")
    for code, table in tables.items():
        parts = max(1, -(-table.num_rows // INGEST_CHUNK_ROWS))
        for index in range(parts):
            filename = f"demo:{code}" + (f" {index + 1}/{parts}" if parts > 1 else "")
            if filename in done:
                continue
            chunk = table.slice(index * INGEST_CHUNK_ROWS, INGEST_CHUNK_ROWS)
            batch = records_ingest(actor=None, dataset=code, rows_or_table=chunk, filename=filename)
            progress(f"{DATASETS[code].name}{'' if parts == 1 else f' 第 {index + 1}/{parts} 段'}："
                     f"入库 {batch.rows_accepted}，重复 {batch.rows_duplicate}，隔离 {batch.rows_quarantined}")
        tables[code] = None  # let the memory go as soon as a dataset has landed


def _landed(code: str, names: set[str]) -> bool:
    """Whether every part of the demo batch of a dataset has landed ('demo:<code>' or 'demo:<code> k/n')."""
    if f"demo:{code}" in names:
        return True
    parts = [n.rsplit(" ", 1)[1] for n in names if n.startswith(f"demo:{code} ")]
    if not parts:
        return False
    total = int(parts[0].split("/")[1])
    return {f"{k}/{total}" for k in range(1, total + 1)} <= set(parts)


def _round_period(months: list[str], today: dt.date) -> str:
    """The latest month that ends a quarter and whose deadline has passed (quarterly values are owed then)."""
    from bizenv.observations.services import reporting_round_deadline

    for month in reversed(months):
        if int(month[5:]) % 3 == 0 and reporting_round_deadline(period=month).day < today:
            return month
    return months[-1]


def _demo_value(indicator, region_code: str) -> float:
    """A plausible reported value between the indicator's worst and best values, the same on every run."""
    import zlib

    rng = np.random.default_rng(zlib.crc32(f"{indicator.code}|{region_code}".encode()))
    best, worst = indicator.best, indicator.worst
    if best is None or worst is None:
        best, worst = (100.0, 60.0)
    value = worst + (best - worst) * rng.uniform(0.35, 0.95)
    return round(float(value), 2)


def _demo_history_share(indicator_code: str, region_code: str, step: int) -> float:
    """Where a region stands between worst (0) and best (1) on a reported indicator at time `step`:
    a fixed level per region and indicator, a slow drift (most regions improve, some slip) and noise."""
    import zlib

    rng = np.random.default_rng(zlib.crc32(f"{indicator_code}|{region_code}|trend".encode()))
    level, drift = rng.uniform(0.3, 0.85), rng.choice([0.02, 0.015, 0.01, -0.01])
    noise = np.random.default_rng(zlib.crc32(f"{indicator_code}|{region_code}|{step}".encode())).normal(0, 0.03)
    return float(min(0.98, max(0.03, level + drift * step + noise)))


def _demo_history(*, months: list[str], regions, progress, today: dt.date) -> None:
    """Approved quarterly and yearly values of the reported (and surveyed) indicators for the demo window,
    so that every month's evaluation has a full set of inputs. Stops before the reporting round's own
    period, which the round's departments fill (or leave overdue). One audit summary, one revision each."""
    from django.db import transaction

    from bizenv.core.audit import audit_record
    from bizenv.core.periods import Period, PeriodKind, period_range, source_periods
    from bizenv.indicators.selectors import active_version, version_spec
    from bizenv.indicators.specs import walk
    from bizenv.observations.models import (
        Observation,
        ObservationRevision,
        ObservationSource,
        ObservationStatus,
    )
    from bizenv.observations.rounds import cycle_kind
    from bizenv.organisations.models import Department

    version = active_version()
    if version is None:
        return
    round_period = Period.parse(_round_period(months, today))
    first, last = Period.parse(months[0]), Period.parse(months[-1])
    wanted: dict[PeriodKind, list[Period]] = {}
    for kind in (PeriodKind.QUARTER, PeriodKind.YEAR):
        span = period_range(source_periods(first, kind)[-1], source_periods(last, kind)[0])
        # The round's own period (and anything after it) is left to the round.
        wanted[kind] = [p for p in span if p.last_day < round_period.first_day]
    indicators = {i.code: i for i in version.indicators.all()}
    departments = {d.code: d for d in Department.objects.all()}
    existing = set(Observation.objects.filter(system_version=version).values_list("indicator_id", "region_id",
                                                                                   "period"))
    rows = []
    for node, _parent, _level in walk(version_spec(version=version).indicators):
        kind = cycle_kind(node.cycle or "")
        if node.children or node.source_kind not in ("report", "survey") or kind not in wanted:
            continue
        indicator = indicators[node.code]
        best, worst = (indicator.best, indicator.worst) if indicator.best is not None and \
            indicator.worst is not None else (100.0, 60.0)
        lead = departments.get((node.lead_departments or [""])[0])
        for step, period in enumerate(wanted[kind]):
            for region in regions:
                if (indicator.pk, region.pk, str(period)) in existing:
                    continue
                share = _demo_history_share(node.code, region.code, step * (3 if kind == PeriodKind.QUARTER else 12))
                rows.append(Observation(system_version=version, indicator=indicator, region=region,
                                        period=str(period), value=round(worst + (best - worst) * share, 2),
                                        unit=indicator.unit or "", source=ObservationSource(node.source_kind),
                                        status=ObservationStatus.APPROVED, department=lead,
                                        note="示范数据：历史填报值"))
    if not rows:
        return
    with transaction.atomic():
        made = Observation.objects.bulk_create(rows, batch_size=2000)
        if made and made[0].pk is None:  # backends that do not return ids from bulk inserts
            made = list(Observation.objects.filter(note="示范数据：历史填报值", revisions__isnull=True))
        ObservationRevision.objects.bulk_create(
            [ObservationRevision(observation=o, action="demo_history", new_values={"value": o.value,
                                                                                  "status": o.status})
             for o in made], batch_size=2000)
        audit_record(actor=None, action="observation.demo_history", obj=version,
                     new={"observations": len(made), "quarters": [str(p) for p in wanted[PeriodKind.QUARTER]],
                          "years": [str(p) for p in wanted[PeriodKind.YEAR]]})
    progress(f"历史填报值：{len(made)} 项（季度 {len(wanted[PeriodKind.QUARTER])} 期、年度 "
             f"{len(wanted[PeriodKind.YEAR])} 期，已审核）")


def _demo_round(*, months: list[str], regions, progress, today: dt.date) -> None:
    from bizenv.indicators.selectors import active_version
    from bizenv.observations.models import ObservationSource, ReportingRound
    from bizenv.observations.selectors import round_items
    from bizenv.observations.services import (
        observation_approve,
        observation_return,
        observation_submit,
        observation_upsert,
        reporting_round_open,
    )
    from bizenv.organisations.models import Department, User
    from bizenv.organisations.permissions import Permission, can

    version = active_version()
    if version is None:
        progress("尚无已发布的指标体系，未开启填报批次")
        return
    period = _round_period(months, today)
    reporting_round = ReportingRound.objects.filter(system_version=version, period=period).first()
    if reporting_round is None:
        reporting_round = reporting_round_open(actor=None, system_version=version, period=period)
        progress(f"开启填报批次“{reporting_round.name}”，截止 {reporting_round.deadline:%Y-%m-%d}")
    reporter = User.objects.filter(username=DEPARTMENT_USER, department__isnull=False).first()
    office = User.objects.filter(username=OFFICE_USER).first()
    filled = late = 0
    drafts = []
    for item in round_items(user=None, reporting_round=reporting_round, today=today):
        lead = item.departments[0] if item.departments else None
        if lead is None or lead.code in LATE_DEPARTMENTS:
            late += 1
            continue
        if item.observation is not None:  # entered by an earlier run (or by hand): leave it as it is
            continue
        own = (reporter is not None and lead.pk == reporter.department_id
               and can(reporter, Permission.REPORT_DATA, item.region))
        source = item.indicator.source_kind if item.indicator.source_kind in ObservationSource.values else "report"
        observation, _ = observation_upsert(
            actor=reporter if own else None, system_version=version, indicator=item.indicator, region=item.region,
            period=item.period, value=_demo_value(item.indicator, item.region.code), source=source,
            department=lead, reporting_round=reporting_round)
        filled += 1
        if own:
            drafts.append(observation)
    # The department account's values went through the review flow: most approved, one sent back.
    for index, observation in enumerate(drafts):
        observation = observation_submit(actor=reporter, observation=observation)
        if index == 0:
            observation_return(actor=office, observation=observation, comment="数值与上季度差异较大，请核实并补充佐证材料。")
        elif index % 3:
            observation_approve(actor=office, observation=observation)
    late_names = "、".join(Department.objects.filter(code__in=LATE_DEPARTMENTS).values_list("name", flat=True))
    if filled:
        progress(f"填报：{filled} 项已报（其中 {len(drafts)} 项由部门账号提交、营商办审核），"
                 f"{late} 项逾期未报（{late_names}）")
    else:
        progress(f"{reporting_round.name}已有填报数据，跳过")


def demo_step(*, scale: str, progress) -> dict[str, int]:
    return demo_collection_build(scale=scale, progress=progress)
