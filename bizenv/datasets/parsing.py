"""Reading raw-record files (CSV, XLSX, Parquet, JSON) into numbered rows, and typing values.

Pure: bytes in, rows and problems out. A file that cannot be read at all raises
`RecordFileError` with a Chinese message; a value that cannot be typed is a row-level problem
returned by `coerce_value`, so that one bad cell quarantines one row, not the file.
"""

from __future__ import annotations

import csv
import io
import json
import math
import zipfile
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import PurePath
from typing import Any

import pyarrow as pa

from bizenv.core.cells import CellError, cell_bool
from bizenv.core.errors import ApplicationError, ErrorCode
from bizenv.core.officefiles import office_file_check
from bizenv.datasets.catalog import Dataset, Field, FieldType

FORMATS = {".csv": "csv", ".xlsx": "xlsx", ".parquet": "parquet", ".jsonl": "json", ".ndjson": "json",
           ".json": "json"}
FORMAT_LABELS = "CSV（UTF-8 或 GB18030 编码）、XLSX、Parquet、JSON Lines（.jsonl / .json）"
MAX_FILE_BYTES = 512 * 1024 * 1024
CHINA = timezone(timedelta(hours=8))
TIMESTAMP_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M",
                     "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y-%m-%d", "%Y/%m/%d", "%Y%m%d%H%M%S")

EXTRA_COLUMNS = "__extra_columns__"  # values to the right of the last named column
Row = tuple[int, dict[str, Any]]  # (row number as the user sees it, raw values by column)


class RecordFileError(ApplicationError):
    """The file as a whole cannot be read (wrong format, broken, empty, too large)."""

    def __init__(self, message: str):
        super().__init__(message, code=ErrorCode.INVALID)


def file_format(filename: str) -> str:
    """The reader for a file name ('csv', 'xlsx', 'parquet', 'json'), or a Chinese error."""
    suffix = PurePath(filename or "").suffix.lower()
    if suffix not in FORMATS:
        raise RecordFileError(f"无法识别文件“{filename}”的格式：支持 {FORMAT_LABELS}。")
    return FORMATS[suffix]


def read_records(content: bytes, filename: str) -> list[Row]:
    """All rows of a file with their row numbers (header = row 1 for CSV/XLSX, first record = 1 otherwise)."""
    fmt = file_format(filename)
    if len(content) > MAX_FILE_BYTES:
        raise RecordFileError(
            f"文件“{filename}”过大（{len(content) / 1024 / 1024:.0f} MB），单个文件不超过 "
            f"{MAX_FILE_BYTES // 1024 // 1024} MB，请拆分后分批导入或改用接口推送。")
    if not content:
        raise RecordFileError(f"文件“{filename}”是空文件。")
    reader = {"csv": _read_csv, "xlsx": _read_xlsx, "parquet": _read_parquet, "json": _read_json}[fmt]
    return reader(content, filename)


def _decode(content: bytes, filename: str) -> str:
    if b"\x00" in content[:4096]:
        raise RecordFileError(f"文件“{filename}”不是文本格式的 CSV（含二进制内容），请另存为 CSV 后再导入。")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise RecordFileError(f"文件“{filename}”的编码无法识别：请使用 UTF-8 或 GB18030（GBK）编码保存。")


def _clean_header(names: list[Any], filename: str) -> list[str]:
    header = [str(n).strip() if n is not None else "" for n in names]
    if not any(header):
        raise RecordFileError(f"文件“{filename}”第 1 行没有列名：第 1 行应为字段名（见数据集说明）。")
    seen = set()
    for name in header:
        if name and name in seen:
            raise RecordFileError(f"文件“{filename}”第 1 行的列名“{name}”出现了两次。")
        seen.add(name)
    return header


def _read_csv(content: bytes, filename: str) -> list[Row]:
    text = _decode(content, filename)
    try:
        lines = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise RecordFileError(f"文件“{filename}”不是有效的 CSV：{exc}") from None
    if not lines:
        raise RecordFileError(f"文件“{filename}”没有内容。")
    header = _clean_header(lines[0], filename)
    rows: list[Row] = []
    for number, values in enumerate(lines[1:], start=2):
        if not any(v.strip() for v in values):
            continue
        record = {name: (values[i] if i < len(values) else None) for i, name in enumerate(header) if name}
        extra = [v for v in values[len(header):] if v.strip()]
        if extra:
            record[EXTRA_COLUMNS] = extra
        rows.append((number, record))
    return rows


def _read_xlsx(content: bytes, filename: str) -> list[Row]:
    from openpyxl import load_workbook

    try:
        office_file_check(content, subject=f"文件“{filename}”")
    except ApplicationError as exc:
        raise RecordFileError(exc.message) from None
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
        raise RecordFileError(
            f"文件“{filename}”不是有效的 Excel（.xlsx）文件，可能已损坏或是改了扩展名的其他文件（{type(exc).__name__}）。"
        ) from None
    try:
        sheet = workbook.worksheets[0]
        iterator = sheet.iter_rows(values_only=True)
        first = next(iterator, None)
        if first is None:
            raise RecordFileError(f"文件“{filename}”的第一个工作表是空的。")
        header = _clean_header(list(first), filename)
        rows: list[Row] = []
        for number, values in enumerate(iterator, start=2):
            if values is None or all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
                continue
            record = {name: (values[i] if i < len(values) else None) for i, name in enumerate(header) if name}
            rows.append((number, record))
        return rows
    finally:
        workbook.close()


def _read_parquet(content: bytes, filename: str) -> list[Row]:
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(io.BytesIO(content))
    except (pa.ArrowInvalid, pa.ArrowException, OSError) as exc:
        raise RecordFileError(f"文件“{filename}”不是有效的 Parquet 文件：{exc}") from None
    return table_rows(table)


def table_rows(table: pa.Table) -> list[Row]:
    """Rows of an Arrow table numbered from 1."""
    return list(enumerate(table.to_pylist(), start=1))


def _read_json(content: bytes, filename: str) -> list[Row]:
    text = _decode(content, filename).strip()
    if not text:
        raise RecordFileError(f"文件“{filename}”没有内容。")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        if "\n" not in text:
            raise RecordFileError(f"文件“{filename}”不是有效的 JSON：第 {exc.lineno} 行第 {exc.colno} 列，{exc.msg}。") from None
        return _read_json_lines(text, filename)
    if isinstance(data, dict) and isinstance(data.get("records"), list):
        data = data["records"]
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list):
        raise RecordFileError(f"文件“{filename}”应为 JSON 数组、{{\"records\": [...]}} 或每行一条记录的 JSON Lines。")
    return records_rows(data)


def _read_json_lines(text: str, filename: str) -> list[Row]:
    rows: list[Row] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            rows.append((number, json.loads(line)))
        except json.JSONDecodeError as exc:
            raise RecordFileError(f"文件“{filename}”第 {number} 行不是有效的 JSON：{exc.msg}。") from None
    return rows


def records_rows(records: list[Any]) -> list[Row]:
    """Pushed or pulled records numbered from 1 (non-objects stay as they are and fail validation)."""
    return list(enumerate(records, start=1))


def _is_blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def coerce_value(spec: Field, value: Any) -> tuple[Any, str | None]:
    """The typed value for a field, or (None, Chinese reason) when it cannot be read as that type.

    Blank values come back as (None, None); whether they are allowed is a validation rule.
    """
    if _is_blank(value):
        return None, None
    kind = spec.type
    if kind == FieldType.STRING:
        return _to_string(value)
    if kind == FieldType.INTEGER:
        return _to_integer(value)
    if kind == FieldType.FLOAT:
        return _to_float(value)
    if kind == FieldType.BOOLEAN:
        return _to_boolean(value)
    return _to_timestamp(value)


def _to_string(value: Any) -> tuple[Any, str | None]:
    if isinstance(value, bool):
        return str(value).lower(), None
    if isinstance(value, float):
        if value.is_integer() and abs(value) >= 1e15:
            return None, (f"“{value:g}”像是被 Excel 转成科学计数法的长编号（如 18 位统一社会信用代码），"
                          "末几位已经丢失：请把该列设为文本格式后重新导出")
        if value.is_integer():
            return str(int(value)), None
        return repr(value), None
    if isinstance(value, int):
        return str(value), None
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S"), None
    if isinstance(value, dict | list):
        return None, "应为文本，不能是嵌套的对象或数组"
    text = str(value).strip()
    if "E+" in text.upper() and _looks_scientific(text):
        return None, (f"“{text}”像是被 Excel 转成科学计数法的长编号，末几位已经丢失："
                      "请把该列设为文本格式后重新导出")
    return text, None


def _looks_scientific(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return "e+" in text.lower()


def _to_integer(value: Any) -> tuple[Any, str | None]:
    if isinstance(value, bool):
        return None, f"应为整数，收到的是“{value}”"
    if isinstance(value, int):
        return value, None
    if isinstance(value, float):
        if value.is_integer():
            return int(value), None
        return None, f"应为整数，收到的是小数 {value:g}"
    text = str(value).strip().replace(",", "")
    try:
        number = float(text)
    except ValueError:
        return None, f"应为整数，收到的是“{str(value).strip()[:40]}”"
    if not math.isfinite(number) or not number.is_integer():
        return None, f"应为整数，收到的是“{text[:40]}”"
    return int(number), None


def _to_float(value: Any) -> tuple[Any, str | None]:
    if isinstance(value, bool):
        return None, f"应为数值，收到的是“{value}”"
    if isinstance(value, int | float):
        number = float(value)
    else:
        text = str(value).strip().replace(",", "").replace("，", "")
        try:
            number = float(text)
        except ValueError:
            return None, f"应为数值，收到的是“{str(value).strip()[:40]}”"
    if not math.isfinite(number):
        return None, f"应为有限的数值，收到的是“{value}”"
    return number, None


def _to_boolean(value: Any) -> tuple[Any, str | None]:
    try:
        return cell_bool(value, field=""), None
    except CellError as exc:
        return None, exc.reason


def _to_timestamp(value: Any) -> tuple[Any, str | None]:
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(CHINA).replace(tzinfo=None)
        return value.replace(microsecond=0), None
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day), None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return None, f"应为时间（YYYY-MM-DD HH:MM[:SS]），收到的是数字 {value}"
    text = str(value).strip()
    parsed = _parse_timestamp_text(text)
    if parsed is None:
        return None, f"应为时间（YYYY-MM-DD HH:MM[:SS]），收到的是“{text[:40]}”"
    return parsed, None


def _parse_timestamp_text(text: str) -> datetime | None:
    for fmt in TIMESTAMP_FORMATS:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(CHINA).replace(tzinfo=None)
    return parsed.replace(microsecond=0)


def records_table(dataset: Dataset, records: list[dict[str, Any]]) -> pa.Table:
    """Typed, validated records as an Arrow table with the dataset's lake schema."""
    from bizenv.datasets.lake import arrow_schema

    schema = arrow_schema(dataset)
    columns = {f.name: [r.get(f.name) for r in records] for f in dataset.fields}
    return pa.table(columns, schema=schema)


def now_local() -> datetime:
    """Wall-clock time in China (the lake stores local times without a zone)."""
    return datetime.now(UTC).astimezone(CHINA).replace(tzinfo=None)
