import io
import time
import zipfile

import pytest

from bizenv.core.officefiles import OfficeFileRefused, office_file_check
from bizenv.core.tests.officekit import bomb_xlsx, small_xlsx, xlsx_with


@pytest.fixture(scope="module")
def bomb(tmp_path_factory):
    return bomb_xlsx(tmp_path_factory.mktemp("bomb"))


def test_a_real_workbook_passes_from_bytes_path_and_stream(tmp_path):
    content = small_xlsx()
    path = tmp_path / "ok.xlsx"
    path.write_bytes(content)
    stream = io.BytesIO(content)
    stream.seek(3)

    office_file_check(content)
    office_file_check(path)
    office_file_check(stream)

    assert stream.tell() == 3


def test_a_bomb_is_refused_at_once_with_a_chinese_reason(bomb):
    started = time.process_time()
    with pytest.raises(OfficeFileRefused) as refused:
        office_file_check(bomb)

    assert "压缩炸弹，已拒绝" in refused.value.message and "sheet1.xml" in refused.value.message
    assert time.process_time() - started < 1


@pytest.mark.parametrize("limits, reason", [
    ({"max_unpacked": 10_000}, "文件解压后超过 10 KB，可能是压缩炸弹，已拒绝"),
    ({"max_entry": 1_000}, "超过单个条目 1 KB 的上限"),
    ({"max_entries": 3}, "超过 3 个的上限"),
])
def test_each_limit_is_a_parameter(limits, reason):
    with pytest.raises(OfficeFileRefused) as refused:
        office_file_check(small_xlsx(), **limits)

    assert reason in refused.value.message


def test_a_highly_compressed_entry_under_the_size_limits_is_refused_by_its_ratio():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (20 * 1024 * 1024))

    with pytest.raises(OfficeFileRefused) as refused:
        office_file_check(out.getvalue())

    assert "压缩比约为" in refused.value.message and "200 倍的上限" in refused.value.message


@pytest.mark.parametrize("content, reason", [
    (b"region,value\n990101,2\n", "不是有效的 Excel（.xlsx）文件"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "旧版（.xls / .doc）或设置了打开密码"),
    (xlsx_with({"xl/vbaProject.bin": b"macro"}), "文件含有宏"),
])
def test_non_zip_old_encrypted_and_macro_files_are_refused(content, reason):
    with pytest.raises(OfficeFileRefused) as refused:
        office_file_check(content)

    assert reason in refused.value.message


def test_the_kind_names_the_format_in_the_message():
    with pytest.raises(OfficeFileRefused) as refused:
        office_file_check(b"not a zip", kind="Word（.docx）")

    assert "不是有效的 Word（.docx）文件" in refused.value.message


def test_the_subject_begins_the_message(bomb):
    with pytest.raises(OfficeFileRefused) as refused:
        office_file_check(bomb, subject="文件“开办.xlsx”")

    assert refused.value.message.startswith("文件“开办.xlsx”中的“xl/worksheets/sheet1.xml”解压后为 250 MB")
