"""JSON API of data docking: push raw records with a source token, batch status, the dataset catalogue."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Header, Router
from ninja.security import HttpBearer, django_auth

from bizenv.core.errors import ApplicationError, ErrorCode
from bizenv.datasets import selectors, services
from bizenv.datasets.catalog import DATASETS, dataset_get
from bizenv.datasets.models import RecordBatch, SourceKind, SourceSystem
from bizenv.datasets.schemas import BatchOut, DatasetOut, PushIn
from bizenv.organisations.permissions import Permission, require

router = Router(tags=["数据对接"])


class SourceToken(HttpBearer):
    """`Authorization: Bearer <令牌>` of a source system (no session, no CSRF)."""

    openapi_description = "数据源推送令牌（在“数据对接 › 数据源”页面签发）"

    def authenticate(self, request: HttpRequest, token: str) -> SourceSystem | None:
        source = selectors.source_by_token(token=token)
        if source is not None and source.kind != SourceKind.PUSH:
            return None  # a token left from when the source was a push source no longer works
        if source is not None:
            request.source = source
        return source


def _batch_out(batch: RecordBatch, *, problems: int = 100) -> dict:
    listed = getattr(batch, "problems", None)
    if listed is None and batch.pk:
        listed = [
            {"row_number": q.row_number, "field": r.get("field", ""), "message": r.get("message", "")}
            for q in batch.quarantined.all()[:problems] for r in q.reasons
        ]
    else:
        listed = [{"row_number": p.row_number, "field": p.field, "message": p.message} for p in listed or []]
    return {
        "id": batch.pk, "dataset": batch.dataset, "source": batch.source.code if batch.source_id else None,
        "status": batch.status, "status_label": batch.get_status_display(),
        "replayed": bool(getattr(batch, "replayed", False)), "idempotency_key": batch.idempotency_key,
        "rows_total": batch.rows_total, "rows_accepted": batch.rows_accepted,
        "rows_duplicate": batch.rows_duplicate, "rows_quarantined": batch.rows_quarantined,
        "message": batch.message, "created_at": batch.created_at, "finished_at": batch.finished_at,
        "problems": listed[:problems],
    }


@router.post("/push/{dataset}", auth=SourceToken(), response=BatchOut, url_name="datasets_push",
             summary="推送原始记录（令牌认证，幂等）")
def push(request, dataset: str, payload: PushIn, idempotency_key: str = Header("", alias="Idempotency-Key")):
    batch = services.records_ingest(actor=None, dataset=dataset_get(dataset), rows_or_table=payload.records,
                                    source=request.source, idempotency_key=idempotency_key)
    return _batch_out(batch)


@router.get("/batches/{batch_id}", auth=[SourceToken(), django_auth], response=BatchOut,
            url_name="datasets_batch", summary="批次状态（数据源令牌或登录会话）")
def batch_status(request, batch_id: int):
    batch = selectors.batch_get(pk=batch_id)
    source = getattr(request, "source", None)
    if source is not None:
        if batch is None or batch.source_id != source.pk:
            raise ApplicationError(f"批次 {batch_id} 不存在。", code=ErrorCode.NOT_FOUND)
    else:
        require(request.user, Permission.VIEW_RECORDS)
        if batch is None:
            raise ApplicationError(f"批次 {batch_id} 不存在。", code=ErrorCode.NOT_FOUND)
    return _batch_out(batch)


@router.get("/catalog", response=list[DatasetOut], url_name="datasets_catalog", summary="数据集字段说明")
def catalog(request):
    require(request.user, Permission.VIEW_RECORDS)
    return [
        {"code": ds.code, "name": ds.name, "topic": ds.topic, "key": list(ds.key), "time_field": ds.time_field,
         "description": ds.description,
         "fields": [{"name": f.name, "label": f.label, "type": str(f.type), "required": f.required,
                     "choices": list(f.choices), "minimum": f.minimum, "description": f.description}
                    for f in ds.fields]}
        for ds in DATASETS.values()
    ]
