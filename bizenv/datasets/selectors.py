"""Reads of sources, batches, quarantined rows and raw records (the lake through DuckDB)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
from django.db.models import Count, Max, Min, Q, QuerySet, Sum

from bizenv.datasets.catalog import DATASETS, Dataset
from bizenv.datasets.lake import ARROW_TYPES, lake_files
from bizenv.datasets.models import (
    BatchStatus,
    LakeFile,
    QuarantinedRecord,
    RecordBatch,
    SourceKind,
    SourceSystem,
)
from bizenv.organisations.models import Region
from bizenv.organisations.permissions import Permission, has_permission, regions_for

PULL_KINDS = (SourceKind.HTTP_PULL, SourceKind.SQL_PULL)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def source_list() -> QuerySet[SourceSystem]:
    """Every source with its batch counts and last batch time."""
    return SourceSystem.objects.select_related("department").annotate(
        batch_count=Count("batches"),
        committed_count=Count("batches", filter=Q(batches__status=BatchStatus.COMMITTED)),
        failed_count=Count("batches", filter=Q(batches__status=BatchStatus.FAILED)),
        records_accepted=Sum("batches__rows_accepted", filter=Q(batches__status=BatchStatus.COMMITTED)),
        last_batch_at=Max("batches__created_at"),
    )


def source_get(*, pk: int) -> SourceSystem | None:
    return SourceSystem.objects.select_related("department").filter(pk=pk).first()


def source_by_token(*, token: str) -> SourceSystem | None:
    """The enabled source whose push token this is (compared by hash)."""
    if not token:
        return None
    return SourceSystem.objects.filter(token_hash=token_digest(token), enabled=True).first()


def pull_sources() -> QuerySet[SourceSystem]:
    return SourceSystem.objects.filter(kind__in=PULL_KINDS)


def batch_list(*, dataset: str = "", source: SourceSystem | None = None, status: str = "") -> QuerySet[RecordBatch]:
    qs = RecordBatch.objects.select_related("source", "created_by")
    if dataset:
        qs = qs.filter(dataset=dataset)
    if source is not None:
        qs = qs.filter(source=source)
    if status:
        qs = qs.filter(status=status)
    return qs


def batch_get(*, pk: int) -> RecordBatch | None:
    return RecordBatch.objects.select_related("source", "created_by").filter(pk=pk).first()


def visible_region_codes(user) -> set[str]:
    """Codes of the regions whose raw records the user may see."""
    return set(regions_for(user, Permission.VIEW_RECORDS).values_list("code", flat=True))


def batch_quarantine(*, batch: RecordBatch, user) -> list[QuarantinedRecord]:
    """Quarantined rows of a batch the user may see.

    The coordinating office (数据审核) handles every rejected row, including rows whose region code
    is unknown; other viewers see only rows of their own regions.
    """
    rows = list(QuarantinedRecord.objects.filter(batch=batch).order_by("row_number"))
    if has_permission(user, Permission.REVIEW_DATA):
        return rows
    codes = visible_region_codes(user)
    return [r for r in rows if isinstance(r.payload, dict) and str(r.payload.get("region_code", "")) in codes]


@dataclass(frozen=True)
class DatasetSummary:
    dataset: Dataset
    records: int
    files: int
    months: int
    first_month: str | None
    last_month: str | None


def dataset_summaries() -> list[DatasetSummary]:
    """Committed records per dataset of the catalogue."""
    stats = {
        row["dataset"]: row
        for row in LakeFile.objects.filter(batch__status=BatchStatus.COMMITTED).values("dataset").annotate(
            records=Sum("rows"), files=Count("id"), months=Count("month", distinct=True),
            first=Min("month"), last=Max("month"))
    }
    out = []
    for code, ds in DATASETS.items():
        s = stats.get(code) or {"records": 0, "files": 0, "months": 0, "first": None, "last": None}
        out.append(DatasetSummary(ds, s["records"], s["files"], s["months"], s["first"], s["last"]))
    return out


def known_region_codes() -> set[str]:
    return set(Region.objects.values_list("code", flat=True))


def _duckdb():
    import duckdb

    return duckdb.connect(config={"threads": 2})


def existing_keys(*, dataset: Dataset, keys: list[tuple]) -> set[tuple]:
    """The natural keys among `keys` that committed batches already hold."""
    paths = [str(p) for p in lake_files(dataset=dataset.code)]
    if not paths or not keys:
        return set()
    schema = pa.schema([pa.field(name, ARROW_TYPES[dataset.field(name).type]) for name in dataset.key])
    candidates = pa.table({name: [k[i] for k in keys] for i, name in enumerate(dataset.key)}, schema=schema)
    columns = ", ".join(f'f."{name}"' for name in dataset.key)
    join = " AND ".join(f'f."{name}" = c."{name}"' for name in dataset.key)
    con = _duckdb()
    try:
        con.register("candidates", candidates)
        rows = con.execute(
            f"SELECT DISTINCT {columns} FROM read_parquet(?, union_by_name=true) f JOIN candidates c ON {join}",
            [paths],
        ).fetchall()
    finally:
        con.close()
    return {tuple(r) for r in rows}


@dataclass(frozen=True)
class RecordPage:
    columns: list[str]
    rows: list[dict[str, Any]]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


def records_page(*, dataset: Dataset, region_codes: set[str], page: int = 1, page_size: int = 50,
                 region_code: str = "", month: str = "", search: str = "", segment: str = "") -> RecordPage:
    """One page of committed raw records, limited to `region_codes`, newest first; with `segment`, only the
    records of that segment (the dataset's segment field, e.g. kind = establishment)."""
    columns = list(dataset.field_names)
    empty = RecordPage(columns, [], 0, 1, page_size)
    codes = sorted(region_codes if not region_code else region_codes & {region_code})
    paths = [str(p) for p in lake_files(dataset=dataset.code, months=[month] if month else None)]
    if not paths or not codes:
        return empty
    where = ["region_code IN (SELECT UNNEST(?))"]
    params: list[Any] = [paths, codes]
    if search:
        where.append("record_id ILIKE ?")
        params.append(f"%{search}%")
    if segment and dataset.segment_field:
        where.append(f'"{dataset.segment_field}" = ?')
        params.append(segment)
    sql_from = f"FROM read_parquet(?, union_by_name=true) WHERE {' AND '.join(where)}"
    con = _duckdb()
    try:
        total = con.execute(f"SELECT COUNT(*) {sql_from}", params).fetchone()[0]
        pages = max(1, -(-total // page_size))
        page = min(max(1, page), pages)
        order = ", ".join(f'"{k}"' for k in dataset.key)
        cursor = con.execute(
            f'SELECT {", ".join(chr(34) + c + chr(34) for c in columns)} {sql_from} '
            f'ORDER BY "{dataset.time_field}" DESC, {order} LIMIT {int(page_size)} OFFSET {int((page - 1) * page_size)}',
            params,
        )
        rows = [dict(zip(columns, r, strict=True)) for r in cursor.fetchall()]
    finally:
        con.close()
    return RecordPage(columns, rows, total, page, page_size)


def step_statistics(*, user, process: str, period: str = "", segment: str = "") -> tuple[str, list]:
    """The per-step statistics of a process for the regions the user may see: (period, [StepRow]).

    Without `period`, the latest period that has statistics; without `segment`, over every case.
    """
    from bizenv.datasets.bottlenecks import StepRow
    from bizenv.datasets.models import StepStatistic
    from bizenv.organisations.permissions import Permission, filter_by_region

    stats = filter_by_region(user, Permission.VIEW_DASHBOARD, StepStatistic.objects.filter(process=process,
                                                                                        segment=segment))
    if not period:
        period = stats.order_by("-period").values_list("period", flat=True).first() or ""
    if not period:
        return "", []
    fields = ("region__code", "region__name", "step_no", "step_name", "cases", "mean_days", "p90_days",
              "share_over_limit")
    rows = [
        StepRow(region_code=code, region_name=name, step_no=step_no, step_name=step_name, cases=cases,
                mean_days=mean_days, p90_days=p90_days, share_over_limit=share)
        for code, name, step_no, step_name, cases, mean_days, p90_days, share in
        stats.filter(period=period).order_by("region__path", "step_no").values_list(*fields)
    ]
    return period, rows


def case_volumes(*, user, process: str, periods: list[str], region_codes: set[str], segment: str = "") -> dict:
    """{period: cases} of a process over the given regions (those the user may see), a region's cases being
    its busiest step's, in one query for every period; a period without statistics is absent."""
    from django.db.models import Max

    from bizenv.datasets.models import StepStatistic
    from bizenv.organisations.permissions import Permission, filter_by_region

    stats = filter_by_region(user, Permission.VIEW_DASHBOARD, StepStatistic.objects.filter(
        process=process, segment=segment, period__in=periods, region__code__in=region_codes))
    out: dict[str, int] = {}
    for period, cases in (stats.values("period", "region_id").annotate(cases=Max("cases"))
                          .values_list("period", "cases")):
        out[period] = out.get(period, 0) + (cases or 0)
    return out
