"""Importing observations from Excel/CSV: preview, then commit atomically or cancel."""

from __future__ import annotations

import hashlib

from django.db import transaction
from django.utils import timezone

from bizenv.core.audit import audit_record
from bizenv.core.errors import ApplicationError, PermissionDenied
from bizenv.indicators.models import Indicator, SystemVersion
from bizenv.observations.checks import FieldError
from bizenv.observations.models import Observation, ObservationSource, ObservationStatus, ReportingRound
from bizenv.observations.services.values import observation_check_write, observation_upsert, period_check
from bizenv.observations.transitions import import_transition_check
from bizenv.organisations.models import Region, Role
from bizenv.organisations.permissions import Permission, actor_user, can, user_roles

S = ObservationStatus


# ---------------------------------------------------------------- imports (preview, commit, cancel)


class _Rollback(Exception):
    """Raised to undo a preview's trial writes."""


class _Resolver:
    """Looks up systems, indicators and regions named in a file, once each."""

    def __init__(self, default_version: SystemVersion | None):
        from bizenv.indicators.selectors import version_find

        self._version_find = version_find
        self.default_version = default_version
        self._versions: dict[tuple[str, str], SystemVersion | None] = {}
        self._indicators: dict[tuple[int, str], Indicator | None] = {}
        self._regions_by_code = {r.code: r for r in Region.objects.all()}
        self._regions_by_name: dict[str, list[Region]] = {}
        for region in self._regions_by_code.values():
            self._regions_by_name.setdefault(region.name, []).append(region)

    def version(self, code: str, label: str) -> SystemVersion:
        if not code:
            if self.default_version is None:
                raise FieldError("体系", "未填写指标体系编码（system），且没有可用的已发布指标体系。")
            return self.default_version
        key = (code, label)
        if key not in self._versions:
            self._versions[key] = self._version_find(system_code=code, version=label or None)
        found = self._versions[key]
        if found is None:
            raise FieldError("体系", f"指标体系“{code}{' ' + label if label else ''}”不存在。")
        return found

    def indicator(self, version: SystemVersion, code: str) -> Indicator:
        if not code:
            raise FieldError("指标", "未填写指标编码。")
        key = (version.pk, code)
        if key not in self._indicators:
            self._indicators[key] = (
                version.indicators.filter(code=code).prefetch_related("lead_departments").first()
            )
        found = self._indicators[key]
        if found is None:
            raise FieldError("指标", f"指标编码“{code}”在指标体系 {version} 中不存在。")
        return found

    def region(self, code: str, name: str) -> Region:
        key = code or name
        if not key:
            raise FieldError("区域", "未填写区域代码或区域名称。")
        if key in self._regions_by_code:
            return self._regions_by_code[key]
        matches = self._regions_by_name.get(key, [])
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            raise FieldError("区域", f"区域名称“{key}”对应多个区域，请改填行政区划代码。")
        raise FieldError("区域", f"区域“{key}”不存在（应为行政区划代码或区域名称）。")


def _field_of(exc: ApplicationError) -> str:
    if isinstance(exc, FieldError):
        return exc.field
    if isinstance(exc, PermissionDenied):
        return "权限"
    return "状态"


def _apply_rows(*, actor, batch, rows, resolver: _Resolver) -> tuple[list[dict], dict[str, int]]:
    """Write every row inside the caller's transaction, each in its own savepoint; rejected rows roll back."""
    from bizenv.observations.checks import format_value, parse_cell, parse_special

    department = getattr(actor, "department", None) if actor is not None and Role.DEPARTMENT in user_roles(
        actor) else None
    counts = {"created": 0, "updated": 0, "unchanged": 0, "rejected": 0}
    preview: list[dict] = []
    seen: dict[tuple, int] = {}
    for raw in rows:
        entry = {"row": raw.row, "indicator": raw.indicator, "indicator_name": "", "region": raw.region or
                 raw.region_name, "period": raw.period, "old": "", "new": "", "outcome": "", "field": "",
                 "message": ""}
        try:
            version = resolver.version(raw.system, raw.version)
            indicator = resolver.indicator(version, raw.indicator)
            entry["indicator_name"] = indicator.name
            region = resolver.region(raw.region, raw.region_name)
            entry["region"] = region.name
            parsed = period_check(indicator=indicator, period=raw.period)
            entry["period"] = str(parsed)
            key = (version.pk, indicator.pk, region.pk, str(parsed))
            if key in seen:
                raise FieldError("时期", f"与第 {seen[key]} 行的指标、区域、时期相同（重复行），请只保留一行。")
            seen[key] = raw.row
            value, special = parse_cell(raw.value)
            extra = parse_special(raw.special)
            if extra and (value is not None or special):
                raise FieldError("数值", "数值与特殊值只能填写一项：有数值时请清空“特殊值”。")
            special = special or extra
            existing = Observation.objects.filter(
                system_version=version, indicator=indicator, region=region, period=str(parsed)
            ).first()
            entry["old"] = format_value(existing.value, existing.special) if existing else ""
            if value is None and not special:
                observation_check_write(actor=actor, indicator=indicator, region=region)
                entry.update(outcome="unchanged", new=entry["old"], message="未填写，保持不变")
                counts["unchanged"] += 1
                preview.append(entry)
                continue
            entry["new"] = format_value(value, special)
            with transaction.atomic():
                _, outcome = observation_upsert(
                    actor=actor, system_version=version, indicator=indicator, region=region, period=str(parsed),
                    value=value, special=special, source=ObservationSource.IMPORT,
                    unit=raw.unit or None, department=department, reporting_round=batch.reporting_round,
                    import_batch=batch, note=raw.note,
                )
            entry["outcome"] = outcome
            if existing is not None and existing.status == S.APPROVED and outcome == "updated":
                entry["message"] = "原值已审核，导入后将重新提交审核，审核通过前不参与评价"
            counts[outcome] += 1
        except ApplicationError as exc:
            entry.update(outcome="rejected", field=_field_of(exc), message=exc.message)
            counts["rejected"] += 1
        preview.append(entry)
    return preview, counts


def _store_counts(batch, preview: list[dict], counts: dict[str, int], total: int) -> None:
    batch.rows_total = total
    batch.rows_created = counts["created"]
    batch.rows_updated = counts["updated"]
    batch.rows_unchanged = counts["unchanged"]
    batch.rows_rejected = counts["rejected"]
    batch.preview = preview
    batch.rejections = [
        {"row": e["row"], "field": e["field"], "message": e["message"]} for e in preview if e["outcome"] == "rejected"
    ]


def observation_import_preview(*, actor, filename: str, content: bytes,
                               reporting_round: ReportingRound | None = None):
    """Read a file and try every row without saving any: the preview of what a commit would do.

    A file that cannot be read at all is stored as FAILED with the reason, and nothing else is saved.
    """
    from pathlib import PurePath

    from django.core.files.base import ContentFile

    from bizenv.indicators.selectors import active_version
    from bizenv.observations.excel import parse_upload
    from bizenv.observations.models import ImportStatus, ObservationImport

    if actor is not None and not (can(actor, Permission.REPORT_DATA) or can(actor, Permission.REVIEW_DATA)):
        raise PermissionDenied("您没有“数据填报”的权限，不能导入指标值。")
    name = PurePath(filename or "upload").name[:255]
    batch = ObservationImport(
        reporting_round=reporting_round, filename=name, sha256=hashlib.sha256(content).hexdigest(),
        created_by=actor_user(actor),
    )
    try:
        parsed = parse_upload(filename=name, content=content)
    except ApplicationError as exc:
        batch.status = ImportStatus.FAILED
        batch.fatal_error = exc.message
        batch.finished_at = timezone.now()
        batch.save()
        return batch
    batch.save()
    if len(content) <= 20 * 1024 * 1024:
        batch.stored_file.save(f"{batch.pk}-{batch.sha256[:12]}{PurePath(name).suffix.lower()}",
                               ContentFile(content), save=False)
    default = reporting_round.system_version if reporting_round else active_version()
    resolver = _Resolver(default)
    try:
        with transaction.atomic():
            preview, counts = _apply_rows(actor=actor, batch=batch, rows=parsed.rows, resolver=resolver)
            raise _Rollback
    except _Rollback:
        pass
    _store_counts(batch, preview, counts, len(parsed.rows))
    batch.save()
    return batch


def observation_import_commit(*, actor, batch):
    """Write the previewed file in one transaction; rejected rows are skipped, a fatal error saves nothing."""
    from bizenv.indicators.selectors import active_version
    from bizenv.observations.excel import parse_upload
    from bizenv.observations.models import ImportStatus

    _import_check_owner(actor, batch)
    import_transition_check(batch, ImportStatus.COMMITTED, refused="不能再次导入")
    with batch.stored_file.open("rb") as handle:
        content = handle.read()
    parsed = parse_upload(filename=batch.filename, content=content)
    default = batch.reporting_round.system_version if batch.reporting_round else active_version()
    try:
        with transaction.atomic():
            preview, counts = _apply_rows(actor=actor, batch=batch, rows=parsed.rows, resolver=_Resolver(default))
            _store_counts(batch, preview, counts, len(parsed.rows))
            batch.status = ImportStatus.COMMITTED
            batch.finished_at = timezone.now()
            batch.save()
            audit_record(actor=actor, action="observation_import.commit", obj=batch, object_repr=batch.filename,
                         old={"status": ImportStatus.PREVIEW},
                         new={"status": ImportStatus.COMMITTED, "rows_total": batch.rows_total,
                              "created": batch.rows_created, "updated": batch.rows_updated,
                              "unchanged": batch.rows_unchanged, "rejected": batch.rows_rejected})
    except Exception as exc:
        batch.refresh_from_db()
        batch.status = ImportStatus.FAILED
        batch.fatal_error = f"导入失败，未保存任何数据：{exc}"
        batch.finished_at = timezone.now()
        batch.save(update_fields=["status", "fatal_error", "finished_at"])
        raise
    return batch


def observation_import_cancel(*, actor, batch):
    """Drop a previewed import; nothing from it is saved."""
    from bizenv.observations.models import ImportStatus

    _import_check_owner(actor, batch)
    import_transition_check(batch, ImportStatus.CANCELLED, refused="不能取消")
    with transaction.atomic():
        batch.status = ImportStatus.CANCELLED
        batch.finished_at = timezone.now()
        batch.save(update_fields=["status", "finished_at"])
        audit_record(actor=actor, action="observation_import.cancel", obj=batch, object_repr=batch.filename,
                     old={"status": ImportStatus.PREVIEW}, new={"status": ImportStatus.CANCELLED})
    return batch


def _import_check_owner(actor, batch) -> None:
    if actor is None or batch.created_by_id == getattr(actor, "pk", None) or can(actor, Permission.REVIEW_DATA):
        return
    raise PermissionDenied("只能操作自己上传的导入。")
