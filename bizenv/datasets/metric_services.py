"""Writes of metric definitions, metric runs (observations + step statistics) and the working-day calendar."""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from bizenv.core.audit import audit_record
from bizenv.core.errors import ApplicationError, ErrorCode
from bizenv.core.events import Event, event_emit
from bizenv.core.periods import Period, PeriodKind
from bizenv.datasets.engine import MetricEngine, lake_windows
from bizenv.datasets.lake import lake_files
from bizenv.datasets.metrics import EngineKind, MetricSpec, metric_spec_parse, metric_specs_load
from bizenv.datasets.models import (
    LakeFile,
    MetricDefinition,
    MetricRun,
    StepStatistic,
)
from bizenv.organisations.permissions import Permission, actor_user, require_actor
from bizenv.workdays.calendar import WorkCalendar

SHIPPED_DIR = Path(__file__).parent / "metric_definitions"


class RunStatus:
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


RUN_STATUS_LABELS = {RunStatus.RUNNING: "计算中", RunStatus.DONE: "已完成", RunStatus.FAILED: "失败"}


# ---------------------------------------------------------------------------------- definitions
@dataclass
class LoadSummary:
    created: list[str] = field(default_factory=list)
    new_versions: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return (f"新增 {len(self.created)} 个口径，升版 {len(self.new_versions)} 个，"
                f"未变 {len(self.unchanged)} 个")


def metric_definition_save(*, actor, spec: MetricSpec | dict) -> tuple[MetricDefinition, str]:
    """Store a definition: new code → v1, changed spec → version + 1 (the old one stays, inactive); same → no-op."""
    require_actor(actor, Permission.REVIEW_DATA)
    if isinstance(spec, dict):
        spec = metric_spec_parse(spec)
    canonical = spec.to_dict()
    with transaction.atomic():
        latest = MetricDefinition.objects.select_for_update().filter(code=spec.code).order_by("-version").first()
        if latest is not None and latest.spec == canonical and latest.is_active:
            return latest, "unchanged"
        version = latest.version + 1 if latest else 1
        if latest is not None:
            MetricDefinition.objects.filter(code=spec.code, is_active=True).update(is_active=False)
        definition = MetricDefinition.objects.create(
            code=spec.code, version=version, name=spec.name, indicator_code=spec.indicator, dataset=spec.dataset,
            spec=canonical, is_active=True, description=spec.description,
            created_by=actor_user(actor),
        )
        audit_record(actor=actor, action="metric_definition.create" if latest is None else "metric_definition.version",
                     obj=definition, old={"version": latest.version, "spec": latest.spec} if latest else None,
                     new={"version": version, "spec": canonical})
    return definition, "created" if latest is None else "new_version"


def metric_definition_edit(*, actor, code: str, text: str) -> tuple[MetricDefinition, str]:
    """Save a definition edited as YAML on its page: same code, validated, a new version when it changed."""
    import yaml

    require_actor(actor, Permission.REVIEW_DATA)
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"第 {mark.line + 1} 行第 {mark.column + 1} 列" if mark else ""
        raise ApplicationError(f"口径定义{where}不是有效的 YAML，请检查缩进和冒号。") from None
    if not isinstance(raw, dict):
        raise ApplicationError("口径定义应为一个映射（每行“键: 值”），例如 code: getting_water.time。")
    if str(raw.get("code") or "") != code:
        raise ApplicationError(f"口径编码 code 应保持为“{code}”；另建口径请使用口径文件加载。",
                               details=[f"code：“{raw.get('code') or '（空）'}”与当前口径“{code}”不一致"])
    if not MetricDefinition.objects.filter(code=code).exists():
        raise ApplicationError(f"没有口径“{code}”。", code=ErrorCode.NOT_FOUND)
    return metric_definition_save(actor=actor, spec=metric_spec_parse(raw, where=code))


def metric_definitions_load_shipped(*, actor, directory: Path = SHIPPED_DIR) -> LoadSummary:
    """Load every shipped definition file; idempotent, and a changed spec becomes a new version."""
    specs: list[MetricSpec] = []
    for path in sorted(directory.glob("*.yaml")):
        specs.extend(metric_specs_load(path.read_text(encoding="utf-8"), filename=path.name))
    summary = LoadSummary()
    with transaction.atomic():
        for spec in specs:
            definition, outcome = metric_definition_save(actor=actor, spec=spec)
            label = f"{definition.code} v{definition.version}"
            {"created": summary.created, "new_version": summary.new_versions,
             "unchanged": summary.unchanged}[outcome].append(label)
    return summary


# ---------------------------------------------------------------------------------- runs
def _active_specs() -> list[tuple[MetricDefinition, MetricSpec]]:
    out = []
    for definition in MetricDefinition.objects.filter(is_active=True).order_by("code"):
        out.append((definition, metric_spec_parse(definition.spec, where=str(definition))))
    return out


def lake_months() -> list[Period]:
    """Every month that has committed lake files, oldest first."""
    from bizenv.datasets.models import BatchStatus

    months = (LakeFile.objects.filter(batch__status=BatchStatus.COMMITTED)
              .values_list("month", flat=True).distinct().order_by("month"))
    return [Period.parse(m) for m in months]


def _fingerprint(*, files: dict[str, list[Path]], definitions, periods: Sequence[Period],
                 calendar: WorkCalendar) -> str:
    payload = {
        "files": {d: sorted(p.as_posix() for p in paths) for d, paths in sorted(files.items())},
        "definitions": sorted((d.code, d.version) for d in definitions),
        "periods": sorted(str(p) for p in periods),
        "calendar": {"overrides": sorted((k.isoformat(), v) for k, v in calendar.overrides.items()),
                     "years": sorted(calendar.complete_years)},
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


@dataclass
class RunOutcome:
    run: MetricRun
    reused: bool
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: list[str] = field(default_factory=list)
    step_rows: int = 0

    def __str__(self) -> str:
        if self.reused:
            return f"输入未变（与第 {self.run.pk} 次计算相同），未写入任何数据。"
        text = (f"第 {self.run.pk} 次计算完成：读取原始记录 {self.run.records_read} 条，指标值新增 {self.created}、"
                f"更新 {self.updated}、未变 {self.unchanged}，环节统计 {self.step_rows} 行")
        if self.skipped:
            text += f"，跳过 {len(self.skipped)} 项"
        return text + "。"


def metric_run(*, actor, engine: str = EngineKind.DUCKDB, periods: Sequence[Period | str] | None = None,
               progress: Callable[[str], object] | None = None) -> RunOutcome:
    """Compute every active definition for the periods and write observations and step statistics.

    Idempotent: the same lake files, definition versions, periods and calendar give the same
    fingerprint, and a rerun of a finished fingerprint writes nothing.
    """
    from bizenv.indicators.models import Indicator
    from bizenv.indicators.selectors import active_version
    from bizenv.observations.services import MetricValue, observations_write_from_metric
    from bizenv.organisations.models import Region

    require_actor(actor, Permission.REVIEW_DATA)
    say = progress or (lambda _msg: None)
    kind = EngineKind(engine) if engine in EngineKind._value2member_map_ else None
    if kind is None:
        raise ApplicationError(f"未知的计算引擎“{engine}”，可选：duckdb、spark。")
    wanted = sorted({Period.parse(p) if isinstance(p, str) else p for p in (periods or lake_months())})
    if not wanted:
        raise ApplicationError("数据湖中还没有已入库的原始记录，也未指定时期，无可计算的内容。")
    pairs = _active_specs()
    if not pairs:
        raise ApplicationError("没有生效的指标口径。请先执行 `bizenv metrics load` 加载内置口径。")
    version = active_version()
    if version is None:
        raise ApplicationError("尚无已发布的指标体系，计算结果无处写入。请先发布指标体系。")
    calendar = WorkCalendar.load()
    month_keys = sorted({str(m) for p in wanted for m in p.months()})
    windows = lake_windows([spec for _, spec in pairs], month_keys)
    datasets = sorted(windows)
    files = {d: lake_files(dataset=d, months=windows[d]) for d in datasets}
    fingerprint = _fingerprint(files=files, definitions=[d for d, _ in pairs], periods=wanted, calendar=calendar)
    previous = MetricRun.objects.filter(fingerprint=fingerprint, status=RunStatus.DONE).order_by("-id").first()
    if previous is not None:
        return RunOutcome(run=previous, reused=True)

    with transaction.atomic():
        run = MetricRun.objects.create(engine=kind.value, periods=[str(p) for p in wanted], fingerprint=fingerprint,
                                       status=RunStatus.RUNNING,
                                       created_by=actor_user(actor))
        audit_record(actor=actor, action="metric_run.start", obj=run,
                     new={"engine": kind.value, "periods": run.periods, "fingerprint": fingerprint})
    try:
        say(f"使用 {kind.value} 计算 {len(pairs)} 个口径 × {len(wanted)} 个时期……")
        with MetricEngine(kind, files=files, calendar=calendar) as eng:
            records_read = eng.records_in(datasets)
            results = eng.run([s for _, s in pairs], wanted)
            steps = eng.step_statistics([p for p in wanted if p.kind == PeriodKind.MONTH])
    except ApplicationError as exc:
        _run_fail(run, actor, exc.message)
        raise
    except Exception as exc:  # an engine failure is recorded on the run before it propagates
        _run_fail(run, actor, f"计算引擎出错：{exc}")
        raise ApplicationError(f"计算引擎出错：{exc}") from exc

    by_code = {spec.code: (definition, spec) for definition, spec in pairs}
    indicators = {i.code: i for i in Indicator.objects.filter(version=version)}
    regions = {r.code: r for r in Region.objects.all()}
    outcome = RunOutcome(run=run, reused=False)
    say(f"写入 {len(results)} 个计算结果……")
    values = []
    for result in results:
        definition, spec = by_code[result.code]
        indicator, region = indicators.get(spec.indicator), regions.get(result.region_code)
        if indicator is None:
            outcome.skipped.append(f"{result.code}：当前指标体系中没有指标 {spec.indicator}")
            continue
        if region is None:
            outcome.skipped.append(f"{result.code}：未知的区域代码 {result.region_code}")
            continue
        values.append(MetricValue(definition=definition, indicator=indicator, region=region, period=result.period,
                                  value=result.value, record_count=result.record_count))
    with transaction.atomic():
        written = observations_write_from_metric(run=run, system_version=version, values=values)
        outcome.created, outcome.updated, outcome.unchanged = written.created, written.updated, written.unchanged
        outcome.skipped.extend(f"{item.definition.code} {item.region.code} {item.period}：{message}"
                               for item, message in written.skipped)
        outcome.step_rows = _step_statistics_write(run=run, steps=steps, regions=regions)
        run.status = RunStatus.DONE
        run.records_read = records_read
        run.observations_written = outcome.created + outcome.updated
        run.finished_at = timezone.now()
        run.message = "\n".join(outcome.skipped[:200])
        run.save(update_fields=["status", "records_read", "observations_written", "finished_at", "message"])
        audit_record(actor=actor, action="metric_run.finish", obj=run,
                     new={"created": outcome.created, "updated": outcome.updated, "unchanged": outcome.unchanged,
                          "skipped": len(outcome.skipped), "step_rows": outcome.step_rows})
        if outcome.created or outcome.updated:
            event_emit(Event.METRICS_COMPUTED, periods=[str(p) for p in wanted])
    return outcome


_STEP_FIELDS = ("step_name", "cases", "mean_days", "p90_days", "share_over_limit", "metric_run")


def _close(a, b) -> bool:
    # Spark and DuckDB interpolate percentiles with different float formulas (last-bit differences)
    return a == b or (a is not None and b is not None and math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12))


def _step_same(stat: StepStatistic, row) -> bool:
    return ((stat.step_name, stat.cases) == (row.step_name[:100], row.cases)
            and all(_close(getattr(stat, f), getattr(row, f)) for f in ("mean_days", "p90_days", "share_over_limit")))


def _step_statistics_write(*, run: MetricRun, steps, regions: dict) -> int:
    """Create or update the per-step statistics of the run's months in bulk; returns the rows computed.

    A row whose values are unchanged is not written and keeps the run that computed it."""
    periods = sorted({row.period for row in steps})
    existing = {}
    for start in range(0, len(periods), 200):
        for stat in StepStatistic.objects.filter(period__in=periods[start:start + 200]):
            existing[(stat.process, stat.segment, stat.region_id, stat.period, stat.step_no)] = stat
    to_create, to_update = [], {}
    for row in steps:
        region = regions.get(row.region_code)
        if region is None:
            continue
        key = (row.process, row.segment, region.pk, row.period, row.step_no)
        stat = existing.get(key)
        if stat is None:
            stat = existing[key] = StepStatistic(process=row.process, segment=row.segment, region=region,
                                                 period=row.period, step_no=row.step_no)
            to_create.append(stat)
        elif stat.pk is not None:
            if _step_same(stat, row):
                continue
            to_update[stat.pk] = stat
        stat.step_name, stat.cases, stat.mean_days = row.step_name[:100], row.cases, row.mean_days
        stat.p90_days, stat.share_over_limit, stat.metric_run = row.p90_days, row.share_over_limit, run
    StepStatistic.objects.bulk_create(to_create, batch_size=500)
    StepStatistic.objects.bulk_update(list(to_update.values()), _STEP_FIELDS, batch_size=500)
    return sum(1 for row in steps if row.region_code in regions)


def _run_fail(run: MetricRun, actor, message: str) -> None:
    with transaction.atomic():
        run.status = RunStatus.FAILED
        run.message = message
        run.finished_at = timezone.now()
        run.save(update_fields=["status", "message", "finished_at"])
        audit_record(actor=actor, action="metric_run.fail", obj=run, new={"message": message})


def metric_run_enqueue(*, actor, engine: str = EngineKind.DUCKDB, periods: Sequence[Period | str] | None = None):
    """Queue a metric run as a background job (after commit); the job page shows its progress."""
    from bizenv.core.services import job_create, job_enqueue

    require_actor(actor, Permission.REVIEW_DATA)
    if engine not in EngineKind._value2member_map_:
        raise ApplicationError(f"未知的计算引擎“{engine}”，可选：duckdb、spark。")
    wanted = [str(p) for p in periods or []]
    with transaction.atomic():
        job = job_create(actor=actor, kind="datasets.metric_run",
                         title=f"指标计算（{engine}，{'、'.join(wanted[:6]) or '全部月份'}{'等' if len(wanted) > 6 else ''}）",
                         params={"engine": engine, "periods": wanted}, for_office=True)
        job_enqueue(func="bizenv.datasets.tasks.metric_run_job", job_id=job.pk)
    return job
