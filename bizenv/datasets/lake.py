"""The raw-record lake: Parquet files under BIZENV_DATA_DIR/lake/<dataset>/month=YYYY-MM/.

A batch lands atomically: its files are written under temporary names and renamed into place,
then recorded as `LakeFile` rows in the same database transaction that marks the batch committed.
Readers take the file list from the database, so a crash half-way leaves only orphan files that
nobody reads (and `lake_orphans` can list for cleaning).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterable
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from django.conf import settings

from bizenv.datasets.catalog import Dataset, FieldType

ARROW_TYPES = {
    FieldType.STRING: pa.string(),
    FieldType.INTEGER: pa.int64(),
    FieldType.FLOAT: pa.float64(),
    FieldType.BOOLEAN: pa.bool_(),
    FieldType.TIMESTAMP: pa.timestamp("s"),
}


def lake_root() -> Path:
    root = Path(getattr(settings, "BIZENV_LAKE_DIR", settings.DATA_DIR / "lake"))
    root.mkdir(parents=True, exist_ok=True)
    return root


def upload_dir() -> Path:
    """Where uploaded files wait for their ingest job (under BIZENV_DATA_DIR)."""
    return Path(getattr(settings, "BIZENV_UPLOAD_DIR", settings.DATA_DIR / "uploads"))


def arrow_schema(dataset: Dataset) -> pa.Schema:
    """The Parquet schema of a dataset (timestamps are local wall-clock time, second precision)."""
    return pa.schema([pa.field(f.name, ARROW_TYPES[f.type], nullable=not f.required) for f in dataset.fields])


def _month_column(table: pa.Table, dataset: Dataset) -> pa.Array:
    return pc.strftime(table.column(dataset.time_field), format="%Y-%m")


def lake_write_files(*, dataset: Dataset, table: pa.Table, batch_id: int) -> list[dict]:
    """Write a validated table as one Parquet file per month; returns [{month, path, rows, size_bytes}].

    Each file is written to a temporary name and renamed, so a file is either whole or absent.
    The caller records the returned files in the database to make them visible.
    """
    table = table.cast(arrow_schema(dataset))
    if table.num_rows == 0:
        return []
    months = _month_column(table, dataset)
    written = []
    for month in sorted(set(months.to_pylist())):
        part = table.filter(pc.equal(months, month))
        relative = Path(dataset.code) / f"month={month}" / f"batch-{batch_id:08d}-{uuid.uuid4().hex[:8]}.parquet"
        target = lake_root() / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(".parquet.tmp")
        pq.write_table(part, tmp, compression="zstd")
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, target)
        written.append({"month": month, "path": relative.as_posix(), "rows": part.num_rows,
                        "size_bytes": target.stat().st_size})
    return written


def lake_remove_files(paths: Iterable[str]) -> None:
    """Delete files of a batch that did not commit."""
    for relative in paths:
        try:
            (lake_root() / relative).unlink()
        except FileNotFoundError:
            pass


def lake_files(*, dataset: str, months: Iterable[str] | None = None) -> list[Path]:
    """Absolute paths of the committed files of a dataset (optionally only some months)."""
    from bizenv.datasets.models import BatchStatus, LakeFile

    qs = LakeFile.objects.filter(dataset=dataset, batch__status=BatchStatus.COMMITTED)
    if months is not None:
        qs = qs.filter(month__in=list(months))
    root = lake_root()
    return [root / p for p in qs.order_by("month", "id").values_list("path", flat=True)]


def lake_read(*, dataset: Dataset, months: Iterable[str] | None = None, columns: list[str] | None = None) -> pa.Table:
    """All committed records of a dataset as one Arrow table (empty with the right schema if none)."""
    schema = arrow_schema(dataset)
    paths = lake_files(dataset=dataset.code, months=months)
    if not paths:
        empty = schema.empty_table()
        return empty.select(columns) if columns else empty
    tables = [pq.read_table(p, columns=columns) for p in paths]
    return pa.concat_tables(tables)


def lake_orphans() -> list[Path]:
    """Parquet files on disk that no committed batch owns (left by a crash or a cancelled batch)."""
    from bizenv.datasets.models import BatchStatus, LakeFile

    known = set(LakeFile.objects.filter(batch__status=BatchStatus.COMMITTED).values_list("path", flat=True))
    root = lake_root()
    return [p for p in root.rglob("*.parquet*") if p.relative_to(root).as_posix() not in known]
