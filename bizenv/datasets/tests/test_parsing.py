import io
from datetime import datetime

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from openpyxl import Workbook

from bizenv.datasets.catalog import DATASETS, FieldType
from bizenv.datasets.parsing import EXTRA_COLUMNS, RecordFileError, coerce_value, read_records, records_table

HEADER = "record_id,region_code,kind,channel,applied_at,completed_at,cost\n"
ROW = "A1,990101,establishment,online,2024-03-04 09:00,2024-03-05 16:00,0\n"


def test_csv_in_utf8_and_gb18030_gives_numbered_rows():
    text = HEADER + ROW + "A2,990101,change,counter,2024-03-04,,\n"

    for encoding in ("utf-8", "utf-8-sig", "gb18030"):
        rows = read_records((text.replace("A2", "甲2")).encode(encoding), "办件.csv")
        assert [n for n, _ in rows] == [2, 3]
        assert rows[1][1]["record_id"] == "甲2"


def test_csv_row_with_more_values_than_header_is_marked():
    rows = read_records((HEADER + ROW.strip() + ",多余\n").encode(), "a.csv")

    assert rows[0][1][EXTRA_COLUMNS] == ["多余"]


def test_xlsx_rows_keep_excel_row_numbers_and_native_types():
    wb = Workbook()
    ws = wb.active
    ws.append(HEADER.strip().split(","))
    ws.append(["A1", "990101", "establishment", "online", datetime(2024, 3, 4, 9), None, 12.5])
    ws.append([None] * 7)
    ws.append(["A2", 990101, "change", "counter", datetime(2024, 3, 5, 9), None, 0])
    buffer = io.BytesIO()
    wb.save(buffer)

    rows = read_records(buffer.getvalue(), "a.xlsx")

    assert [n for n, _ in rows] == [2, 4]
    assert rows[0][1]["applied_at"] == datetime(2024, 3, 4, 9)


def test_parquet_and_json_lines_and_json_array():
    table = pa.table({"record_id": ["A1", "A2"], "cost": [1.0, 2.0]})
    buffer = io.BytesIO()
    pq.write_table(table, buffer)

    assert [r["record_id"] for _, r in read_records(buffer.getvalue(), "a.parquet")] == ["A1", "A2"]
    lines = b'{"record_id": "A1"}\n\n{"record_id": "A2"}\n'
    assert [n for n, _ in read_records(lines, "a.jsonl")] == [1, 3]
    assert len(read_records(b'{"records": [{"record_id": "A1"}]}', "a.json")) == 1


@pytest.mark.parametrize("content,filename,expected", [
    (b"PK\x03\x04 broken zip", "a.xlsx", "不是有效的 Excel"),
    ((HEADER + ROW).encode(), "renamed.xlsx", "不是有效的 Excel"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "photo.csv", "不是文本格式的 CSV"),
    (b"not parquet at all", "a.parquet", "不是有效的 Parquet"),
    (b"", "a.csv", "空文件"),
    (b"a,b\n1,2\n", "a.txt", "无法识别文件"),
    (b'{"record_id": "A1"}\n{broken\n', "a.jsonl", "第 2 行不是有效的 JSON"),
    (b"record_id,record_id\nA1,A2\n", "a.csv", "出现了两次"),
])
def test_unreadable_files_raise_a_chinese_error(content, filename, expected):
    with pytest.raises(RecordFileError) as exc:
        read_records(content, filename)

    assert expected in exc.value.message


@pytest.mark.parametrize("kind,raw,value,error", [
    (FieldType.INTEGER, "12", 12, None),
    (FieldType.INTEGER, 3.0, 3, None),
    (FieldType.INTEGER, "三", None, "应为整数"),
    (FieldType.INTEGER, "2.5", None, "应为整数"),
    (FieldType.FLOAT, "1,200.5", 1200.5, None),
    (FieldType.FLOAT, "abc", None, "应为数值"),
    (FieldType.FLOAT, "nan", None, "有限"),
    (FieldType.BOOLEAN, "是", True, None),
    (FieldType.BOOLEAN, 0, False, None),
    (FieldType.BOOLEAN, "也许", None, "是/否"),
    (FieldType.TIMESTAMP, "2024-03-04 09:30", datetime(2024, 3, 4, 9, 30), None),
    (FieldType.TIMESTAMP, "2024/3/4", datetime(2024, 3, 4), None),
    (FieldType.TIMESTAMP, "2024-03-04T01:30:00Z", datetime(2024, 3, 4, 9, 30), None),
    (FieldType.TIMESTAMP, "下周一", None, "应为时间"),
    (FieldType.TIMESTAMP, 45000, None, "应为时间"),
    (FieldType.STRING, 91500000000000000.0, None, "科学计数法"),
    (FieldType.STRING, "9.15E+17", None, "科学计数法"),
    (FieldType.STRING, 990101.0, "990101", None),
    (FieldType.STRING, "  ", None, None),
])
def test_coerce_value(kind, raw, value, error):
    spec = next(f for ds in DATASETS.values() for f in ds.fields if f.type == kind)

    got, problem = coerce_value(spec, raw)

    assert got == value
    assert (problem is None) if error is None else (error in problem)


def test_records_table_has_the_lake_schema():
    ds = DATASETS["business_registrations"]
    table = records_table(ds, [{"record_id": "A1", "region_code": "990101", "kind": "change", "channel": "online",
                                "applied_at": datetime(2024, 3, 1), "cost": 1.0}])

    assert table.schema.field("applied_at").type == pa.timestamp("s")
    assert table.column("completed_at").to_pylist() == [None]
