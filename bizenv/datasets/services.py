"""Writes of the data-docking side: raw-record ingestion into the lake, source systems, tokens, pulls."""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
from django.db import IntegrityError, transaction
from django.utils import timezone

from bizenv.core.audit import audit_record, jsonable
from bizenv.core.errors import ApplicationError, ErrorCode, PermissionDenied
from bizenv.datasets import selectors
from bizenv.datasets.catalog import DATASETS, Dataset, dataset_get
from bizenv.datasets.connectors import ConnectorError, config_problems, pull
from bizenv.datasets.lake import lake_remove_files, lake_write_files, upload_dir
from bizenv.datasets.models import (
    BatchStatus,
    LakeFile,
    QuarantinedRecord,
    RecordBatch,
    SourceKind,
    SourceSystem,
)
from bizenv.datasets.parsing import Row, read_records, records_rows, records_table, table_rows
from bizenv.datasets.transitions import batch_status_set
from bizenv.datasets.validation import RowProblem, validate_records
from bizenv.organisations.permissions import Permission, actor_user, require_actor

MAX_PUSH_RECORDS = 50_000
Progress = Callable[[int, str], object]
TOKEN_PREFIX = "bzs_"
NOTHING_NEW = "无新记录"
# Batch digests, quarantined payloads and source cursors were first written with space-separated
# datetimes; the digests of stored batches must stay comparable, so they keep it.
LAKE_DATETIME_SEP = " "


def _rows_digest(rows: list[Row]) -> str:
    canonical = json.dumps([jsonable(p, datetime_sep=LAKE_DATETIME_SEP) for _, p in rows], ensure_ascii=False,
                           sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _dataset(dataset: Dataset | str) -> Dataset:
    return dataset if isinstance(dataset, Dataset) else dataset_get(dataset)


def _check_source(source: SourceSystem | None, ds: Dataset) -> None:
    if source is None:
        return
    if not source.enabled:
        raise PermissionDenied(f"数据源“{source.name}”已停用，不能再提交数据。")
    if ds.code not in (source.datasets or []):
        raise PermissionDenied(f"数据源“{source.name}”未被授权提供数据集“{ds.name}”（{ds.code}）。")


def _replay(source, idempotency_key: str, digest: str) -> RecordBatch | None:
    """The batch already delivered under this idempotency key, or None; a different body is refused."""
    if not idempotency_key:
        return None
    existing = RecordBatch.objects.filter(source=source, idempotency_key=idempotency_key).first()
    if existing is None:
        return None
    if existing.sha256 != digest:
        raise ApplicationError(
            f"幂等键“{idempotency_key}”已用于批次 #{existing.pk}，但本次提交的内容不同。"
            "重发同一批数据请保持内容不变；新的一批数据请使用新的幂等键。",
            code=ErrorCode.CONFLICT,
        )
    existing.replayed = True
    # The replay answers what the first delivery answered: its problems are those of its quarantined rows.
    existing.problems = [RowProblem(q.row_number, r.get("field", ""), r.get("message", ""))
                         for q in existing.quarantined.order_by("row_number", "id") for r in q.reasons]
    return existing


def records_ingest(*, actor, dataset: Dataset | str, rows_or_table: pa.Table | list, source: SourceSystem | None = None,
                   filename: str = "", idempotency_key: str = "", dry_run: bool = False,
                   known_region_codes: set[str] | None = None, source_cursor: dict | None = None,
                   content_sha256: str = "", progress: Progress | None = None) -> RecordBatch:
    """Validate raw records, quarantine the bad ones and land the good ones in the lake as one batch.

    `progress(percent, message)` is told of each step (validating, writing); it is called outside any
    transaction this function opens.
    """
    require_actor(actor, Permission.REVIEW_DATA)
    ds = _dataset(dataset)
    _check_source(source, ds)
    if isinstance(rows_or_table, pa.Table):
        rows = table_rows(rows_or_table)
    elif isinstance(rows_or_table, list):
        rows = records_rows(rows_or_table)
    else:
        raise ApplicationError("记录应为记录数组或数据表。")
    return _ingest(actor=actor, ds=ds, rows=rows, source=source, filename=filename,
                   idempotency_key=idempotency_key, dry_run=dry_run, known_region_codes=known_region_codes,
                   source_cursor=source_cursor, digest=content_sha256 or _rows_digest(rows), progress=progress)


def records_file_ingest(*, actor, dataset: Dataset | str, content: bytes, filename: str,
                        source: SourceSystem | None = None, idempotency_key: str = "", dry_run: bool = False,
                        known_region_codes: set[str] | None = None, progress: Progress | None = None) -> RecordBatch:
    """Read a CSV/XLSX/Parquet/JSON file of raw records and ingest it (see `records_ingest`)."""
    require_actor(actor, Permission.REVIEW_DATA)
    ds = _dataset(dataset)
    _check_source(source, ds)
    say = progress or _silent
    say(5, f"读取文件 {filename}……")
    rows = read_records(content, filename)
    return _ingest(actor=actor, ds=ds, rows=rows, source=source, filename=filename,
                   idempotency_key=idempotency_key, dry_run=dry_run, known_region_codes=known_region_codes,
                   source_cursor=None, digest=hashlib.sha256(content).hexdigest(), progress=progress)


def _silent(_percent: int, _message: str) -> None:
    return None


def _ingest(*, actor, ds: Dataset, rows: list[Row], source, filename: str, idempotency_key: str, dry_run: bool,
            known_region_codes, source_cursor, digest: str, progress: Progress | None = None) -> RecordBatch:
    say = progress or _silent
    idempotency_key = (idempotency_key or "").strip()
    if len(idempotency_key) > 200:
        raise ApplicationError("幂等键（Idempotency-Key）不能超过 200 个字符。")
    if source is not None and source.kind == SourceKind.PUSH and len(rows) > MAX_PUSH_RECORDS:
        raise ApplicationError(f"单次推送最多 {MAX_PUSH_RECORDS} 条记录，本次 {len(rows)} 条：请分批推送。")
    replay = _replay(source, idempotency_key, digest)
    if replay is not None:
        return replay
    if known_region_codes is None:
        known_region_codes = selectors.known_region_codes()
    say(20, f"校验 {len(rows)} 条记录……")
    outcome = validate_records(ds, rows, known_region_codes=known_region_codes)
    keys = [tuple(r[k] for k in ds.key) for _, r in outcome.accepted]
    in_lake = selectors.existing_keys(dataset=ds, keys=keys)
    accepted = [(n, r) for (n, r), k in zip(outcome.accepted, keys, strict=True) if k not in in_lake]
    duplicate_rows = len(outcome.duplicates) + (len(outcome.accepted) - len(accepted))
    notes = []
    if outcome.unknown_columns:
        notes.append("已忽略数据集中没有的字段：" + "、".join(outcome.unknown_columns[:20]))
    if in_lake:
        notes.append(f"{len(outcome.accepted) - len(accepted)} 条记录已在以前的批次中入库，按重复计。")
    batch = RecordBatch(
        dataset=ds.code, source=source, idempotency_key=idempotency_key, filename=filename[:255], sha256=digest,
        rows_total=len(rows), rows_accepted=len(accepted), rows_duplicate=duplicate_rows,
        rows_quarantined=len(outcome.quarantined), message="\n".join(notes),
        created_by=actor_user(actor),
    )
    assert batch.rows_total == batch.rows_accepted + batch.rows_duplicate + batch.rows_quarantined
    batch.problems = outcome.problems
    batch.replayed = False
    if dry_run:
        batch_status_set(batch, BatchStatus.PREVIEW)
        batch.created_at = timezone.now()
        return batch

    batch_status_set(batch, BatchStatus.PROCESSING)
    try:
        with transaction.atomic():
            batch.save()
    except IntegrityError:
        # Another delivery with the same idempotency key got there first.
        replay = _replay(source, idempotency_key, digest)
        if replay is not None:
            return replay
        raise
    written: list[dict] = []
    say(60, f"校验完成：可入库 {batch.rows_accepted} 条，重复 {batch.rows_duplicate} 条，"
            f"隔离 {batch.rows_quarantined} 条；写入数据湖……")
    try:
        written = lake_write_files(dataset=ds, table=records_table(ds, [r for _, r in accepted]), batch_id=batch.pk)
        say(85, f"已写入 {len(written)} 个数据湖文件；登记批次与隔离记录……")
        with transaction.atomic():
            LakeFile.objects.bulk_create([
                LakeFile(batch=batch, dataset=ds.code, month=f["month"], path=f["path"], rows=f["rows"],
                         size_bytes=f["size_bytes"]) for f in written
            ])
            QuarantinedRecord.objects.bulk_create([
                QuarantinedRecord(batch=batch, row_number=q.row_number,
                                  payload=jsonable(q.payload, datetime_sep=LAKE_DATETIME_SEP),
                                  reasons=[{"field": p.field, "message": p.message} for p in q.problems])
                for q in outcome.quarantined
            ], batch_size=2000)
            batch_status_set(batch, BatchStatus.COMMITTED)
            batch.finished_at = timezone.now()
            batch.save(update_fields=["status", "finished_at"])
            if source is not None:
                source.last_run_at = batch.finished_at
                source.last_run_result = (f"批次 #{batch.pk}：入库 {batch.rows_accepted} 条，重复 {batch.rows_duplicate}"
                                          f" 条，隔离 {batch.rows_quarantined} 条")[:300]
                fields = ["last_run_at", "last_run_result"]
                if source_cursor is not None:
                    source.cursor = jsonable(source_cursor, datetime_sep=LAKE_DATETIME_SEP)
                    fields.append("cursor")
                source.save(update_fields=fields)
            audit_record(actor=actor, action="datasets.batch_commit", obj=batch, new=_batch_summary(batch))
    except Exception as exc:
        lake_remove_files(f["path"] for f in written)
        batch.status = BatchStatus.PROCESSING  # the rollback undid the commit: the stored row is processing
        reason = exc.message if isinstance(exc, ApplicationError) else f"{type(exc).__name__}: {exc}"
        _batch_fail(actor=actor, batch=batch, message=f"入库失败，本批次未保存任何记录：{reason}")
        raise ApplicationError(batch.message, code=ErrorCode.INVALID) from exc
    return batch


def _batch_summary(batch: RecordBatch) -> dict:
    return {
        "dataset": batch.dataset, "source": batch.source.code if batch.source_id else None,
        "filename": batch.filename, "idempotency_key": batch.idempotency_key, "status": batch.status,
        "rows_total": batch.rows_total, "rows_accepted": batch.rows_accepted,
        "rows_duplicate": batch.rows_duplicate, "rows_quarantined": batch.rows_quarantined,
    }


def _batch_fail(*, actor, batch: RecordBatch, message: str) -> None:
    # The key is released so that the sender may retry the same delivery.
    batch_status_set(batch, BatchStatus.FAILED)
    batch.message = message[:2000]
    batch.idempotency_key = ""
    batch.rows_accepted = 0
    batch.finished_at = timezone.now()
    with transaction.atomic():
        batch.save()
        audit_record(actor=actor, action="datasets.batch_fail", obj=batch, new=_batch_summary(batch))


def _source_values(source: SourceSystem) -> dict:
    return {"code": source.code, "name": source.name, "kind": source.kind,
            "department": source.department.code if source.department_id else None,
            "datasets": list(source.datasets or []), "config": _redact(source.config or {}),
            "schedule_minutes": source.schedule_minutes, "enabled": source.enabled}


def _redact(config: dict) -> dict:
    """Configuration without secrets (passwords in URLs, header values) for the audit log."""
    out = {}
    for key, value in config.items():
        if key == "headers" and isinstance(value, dict):
            out[key] = {k: "***" for k in value}
        elif key == "url" and isinstance(value, str) and "@" in value and "://" in value:
            scheme, rest = value.split("://", 1)
            out[key] = f"{scheme}://***@{rest.rsplit('@', 1)[1]}"
        else:
            out[key] = value
    return out


def _clean_source(*, code: str, kind: str, datasets: list[str], config: dict, schedule_minutes) -> None:
    problems = []
    if kind not in SourceKind.values:
        problems.append(f"未知的对接方式“{kind}”")
    unknown = [d for d in datasets if d not in DATASETS]
    if unknown:
        problems.append("未知的数据集：" + "、".join(unknown))
    if not datasets:
        problems.append("至少选择一个可提供的数据集")
    if not isinstance(config, dict):
        problems.append("对接配置应为 JSON 对象")
    else:
        problems.extend(config_problems(kind, config))
        if kind in selectors.PULL_KINDS:
            target = config.get("dataset")
            if target and target not in datasets:
                problems.append(f"配置中的 dataset“{target}”不在可提供的数据集中")
            if not target and len(datasets) != 1:
                problems.append("拉取型数据源提供多个数据集时，请在配置中用 dataset 指定本连接拉取哪一个")
    if schedule_minutes is not None and kind not in selectors.PULL_KINDS:
        problems.append("只有拉取型数据源可以设置拉取间隔")
    if schedule_minutes is not None and schedule_minutes < 1:
        problems.append("拉取间隔至少 1 分钟")
    if not code.strip():
        problems.append("编码不能为空")
    if problems:
        raise ApplicationError("数据源配置有误", details=problems)


@transaction.atomic
def source_system_create(*, actor, code: str, name: str, kind: str, datasets: list[str], department=None,
                         config: dict | None = None, schedule_minutes: int | None = None,
                         enabled: bool = True) -> SourceSystem:
    """Register a source system that sends or is polled for raw records."""
    require_actor(actor, Permission.REVIEW_DATA)
    config = config or {}
    _clean_source(code=code, kind=kind, datasets=datasets, config=config, schedule_minutes=schedule_minutes)
    if SourceSystem.objects.filter(code=code).exists():
        raise ApplicationError(f"数据源编码“{code}”已存在。", code=ErrorCode.CONFLICT)
    source = SourceSystem.objects.create(code=code, name=name, kind=kind, datasets=list(datasets),
                                         department=department, config=config,
                                         schedule_minutes=schedule_minutes, enabled=enabled)
    audit_record(actor=actor, action="datasets.source_create", obj=source, new=_source_values(source))
    _after_commit_sync_schedules()
    return source


@transaction.atomic
def source_system_update(*, actor, source: SourceSystem, name: str, kind: str, datasets: list[str],
                         department=None, config: dict | None = None, schedule_minutes: int | None = None,
                         enabled: bool = True) -> SourceSystem:
    """Change a source's name, kind, datasets, configuration, schedule or enabled state."""
    require_actor(actor, Permission.REVIEW_DATA)
    config = config or {}
    _clean_source(code=source.code, kind=kind, datasets=datasets, config=config, schedule_minutes=schedule_minutes)
    old = _source_values(source)
    old_config = source.config or {}
    source.name, source.kind, source.datasets = name, kind, list(datasets)
    source.department, source.config, source.schedule_minutes, source.enabled = (
        department, config, schedule_minutes, enabled)
    new = _source_values(source)
    if old == new and config == old_config:
        return source
    source.save()
    audit_record(actor=actor, action="datasets.source_update", obj=source, old=old, new=new)
    _after_commit_sync_schedules()
    return source


@transaction.atomic
def source_token_issue(*, actor, source: SourceSystem) -> tuple[SourceSystem, str]:
    """Issue (or rotate) the source's push token; the token is returned once and only its hash is kept."""
    require_actor(actor, Permission.REVIEW_DATA)
    if source.kind != SourceKind.PUSH:
        raise ApplicationError(f"只有“接口推送”类型的数据源可以签发推送令牌；“{source.name}”是"
                               f"“{SourceKind(source.kind).label}”数据源。")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    rotated = bool(source.token_hash)
    source.token_hash = selectors.token_digest(token)
    source.token_hint = token[:8]
    source.save(update_fields=["token_hash", "token_hint"])
    audit_record(actor=actor, action="datasets.source_token_rotate" if rotated else "datasets.source_token_issue",
                 obj=source, new={"token_hint": source.token_hint})
    return source, token


def _pull_dataset(source: SourceSystem) -> Dataset:
    code = (source.config or {}).get("dataset") or (source.datasets[0] if len(source.datasets or []) == 1 else "")
    if not code:
        raise ApplicationError(f"数据源“{source.name}”提供多个数据集，请在配置中用 dataset 指定拉取哪一个。")
    return dataset_get(code)


def source_pull_run(*, actor, source: SourceSystem) -> RecordBatch | None:
    """Pull new records from a source's API or database and ingest them as one batch; the cursor advances on commit.

    A pull that finds no new records lands no batch: it records the run on the source ("无新记录") and returns None.
    """
    require_actor(actor, Permission.REVIEW_DATA)
    if source.kind not in selectors.PULL_KINDS:
        raise ApplicationError(f"数据源“{source.name}”不是拉取型数据源。")
    ds = _pull_dataset(source)
    _check_source(source, ds)
    try:
        result = pull(source.kind, source.config or {}, dict(source.cursor or {}))
    except ConnectorError as exc:
        batch = RecordBatch.objects.create(dataset=ds.code, source=source, status=BatchStatus.PROCESSING,
                                           created_by=actor_user(actor))
        _batch_fail(actor=actor, batch=batch, message=f"拉取失败：{exc.message}")
        SourceSystem.objects.filter(pk=source.pk).update(last_run_at=timezone.now(),
                                                         last_run_result=f"拉取失败：{exc.message}"[:300])
        raise
    if not result.records:
        fields = {"last_run_at": timezone.now(), "last_run_result": NOTHING_NEW}
        if result.cursor != (source.cursor or {}):
            fields["cursor"] = jsonable(result.cursor, datetime_sep=LAKE_DATETIME_SEP)
        SourceSystem.objects.filter(pk=source.pk).update(**fields)
        for name, value in fields.items():
            setattr(source, name, value)
        return None
    return records_ingest(actor=actor, dataset=ds, rows_or_table=result.records, source=source,
                          filename=f"拉取 {timezone.localtime():%Y-%m-%d %H:%M}（{result.pages} 页）",
                          source_cursor=result.cursor)


@transaction.atomic
def source_pull_request(*, actor, source: SourceSystem) -> None:
    """Queue a pull of the source as a background job (after commit)."""
    require_actor(actor, Permission.REVIEW_DATA)
    if source.kind not in selectors.PULL_KINDS:
        raise ApplicationError(f"数据源“{source.name}”不是拉取型数据源。")
    if not source.enabled:
        raise ApplicationError(f"数据源“{source.name}”已停用。")
    audit_record(actor=actor, action="datasets.source_pull_request", obj=source, new={"code": source.code})
    source_id = source.pk
    transaction.on_commit(lambda: _enqueue_pull(source_id))


def _enqueue_pull(source_id: int) -> None:
    from django_q.tasks import async_task

    async_task("bizenv.datasets.tasks.source_pull", source_id, task_name=f"数据源拉取 #{source_id}",
               group="datasets.source_pull")


SCHEDULE_PREFIX = "datasets.source_pull:"


def source_schedules_sync() -> int:
    """Create, update or delete the django-q schedule of every pull source; returns how many are active."""
    from django_q.models import Schedule

    wanted = {}
    for source in selectors.pull_sources().filter(enabled=True, schedule_minutes__isnull=False):
        wanted[f"{SCHEDULE_PREFIX}{source.code}"] = source
    for name, source in wanted.items():
        Schedule.objects.update_or_create(
            name=name,
            defaults={"func": "bizenv.datasets.tasks.source_pull", "args": repr((source.pk,)),
                      "schedule_type": Schedule.MINUTES, "minutes": source.schedule_minutes, "repeats": -1},
        )
    Schedule.objects.filter(name__startswith=SCHEDULE_PREFIX).exclude(name__in=list(wanted)).delete()
    return len(wanted)


def _after_commit_sync_schedules() -> None:
    transaction.on_commit(source_schedules_sync)


def problem_lines(problems: list[RowProblem], limit: int = 20) -> list[str]:
    return [str(p) for p in problems[:limit]]


PREVIEW_SALT = "datasets.upload-preview"
PREVIEW_MAX_AGE = 24 * 3600  # seconds a previewed file waits for 入库 before it is cleared


def _upload_store(content: bytes, filename: str, *, prefix: str = "") -> str:
    """Write an upload atomically under BIZENV_DATA_DIR/uploads/; returns its stored name."""
    directory = upload_dir()
    directory.mkdir(parents=True, exist_ok=True)
    stored_name = (f"{prefix}{timezone.now():%Y%m%d%H%M%S}-{secrets.token_hex(8)}"
                   f"{Path(filename).suffix.lower()[:10]}")
    partial = directory / (stored_name + ".part")
    partial.write_bytes(content)
    partial.replace(directory / stored_name)
    return stored_name


def _previews_prune() -> None:
    """Remove previewed files that were never committed (older than PREVIEW_MAX_AGE)."""
    limit = timezone.now().timestamp() - PREVIEW_MAX_AGE
    for path in upload_dir().glob("preview-*"):
        try:
            if path.stat().st_mtime < limit:
                path.unlink(missing_ok=True)
        except OSError:
            continue


def records_upload_preview(*, actor, dataset: Dataset | str, content: bytes, filename: str
                           ) -> tuple[RecordBatch, str]:
    """Check an uploaded file without landing it, and keep the file for 入库: returns the preview batch and a
    signed reference to the stored file (valid for its user and dataset, for PREVIEW_MAX_AGE)."""
    from django.core import signing

    require_actor(actor, Permission.REVIEW_DATA)
    ds = _dataset(dataset)
    if not content:
        raise ApplicationError("上传的文件是空的。")
    preview = records_file_ingest(actor=actor, dataset=ds, content=content, filename=filename, dry_run=True)
    _previews_prune()
    stored_name = _upload_store(content, filename, prefix="preview-")
    reference = signing.dumps({"name": stored_name, "filename": filename[:255], "dataset": ds.code,
                               "user": getattr(actor, "pk", None), "sha256": preview.sha256}, salt=PREVIEW_SALT)
    return preview, reference


def records_preview_enqueue(*, actor, dataset: Dataset | str, reference: str):
    """Queue the ingestion of a previewed file (see `records_upload_preview`) without uploading it again."""
    from django.core import signing

    require_actor(actor, Permission.REVIEW_DATA)
    ds = _dataset(dataset)
    try:
        ref = signing.loads(reference, salt=PREVIEW_SALT, max_age=PREVIEW_MAX_AGE)
    except signing.BadSignature:
        raise ApplicationError("预检的文件已过期或无效，请重新选择文件。") from None
    if ref.get("user") != getattr(actor, "pk", None):
        raise ApplicationError("这份预检不是您做的，请重新选择文件。", code=ErrorCode.PERMISSION_DENIED)
    if ref.get("dataset") != ds.code:
        name = DATASETS[ref["dataset"]].name if ref.get("dataset") in DATASETS else ref.get("dataset")
        raise ApplicationError(f"预检的是“{name}”的文件，与所选数据集“{ds.name}”不同：请改回该数据集，或重新预检。")
    path = upload_dir() / Path(ref["name"]).name
    if not path.exists() or hashlib.sha256(path.read_bytes()).hexdigest() != ref.get("sha256"):
        raise ApplicationError("预检的文件已不在服务器上（已入库或已被清理），请重新选择文件。")
    return _upload_job(actor=actor, ds=ds, stored_name=path.name, filename=ref["filename"],
                       size_bytes=path.stat().st_size)


def records_upload_enqueue(*, actor, dataset: Dataset | str, content: bytes, filename: str):
    """Keep an uploaded file under BIZENV_DATA_DIR/uploads/ and queue its ingestion as a background job."""
    require_actor(actor, Permission.REVIEW_DATA)
    ds = _dataset(dataset)
    if not content:
        raise ApplicationError("上传的文件是空的。")
    stored_name = _upload_store(content, filename)
    return _upload_job(actor=actor, ds=ds, stored_name=stored_name, filename=filename, size_bytes=len(content))


def _upload_job(*, actor, ds: Dataset, stored_name: str, filename: str, size_bytes: int):
    from bizenv.core.services import job_create, job_enqueue

    with transaction.atomic():
        job = job_create(actor=actor, kind="datasets.records_file_ingest", title=f"原始记录入库：{filename}"[:200],
                         params={"dataset": ds.code, "filename": filename[:255], "stored_name": stored_name,
                                 "size_bytes": size_bytes}, for_office=True)
        job_enqueue(func="bizenv.datasets.tasks.records_file_ingest_job", job_id=job.pk)
    return job
