"""Excel uploads of raw records are checked for zip bombs, macros and non-zip content before parsing."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from bizenv.core.tests.officekit import bomb_xlsx, xlsx_with
from bizenv.datasets.models import RecordBatch
from bizenv.datasets.parsing import RecordFileError, read_records


@pytest.fixture(scope="module")
def bomb(tmp_path_factory):
    return bomb_xlsx(tmp_path_factory.mktemp("bomb"))


def test_preview_of_a_bomb_is_refused_with_the_reason(town, bomb):
    response = town.client("office").post("/data/upload/", {
        "dataset": "business_registrations", "action": "preview", "file": SimpleUploadedFile("开办.xlsx", bomb)})

    page = response.content.decode()
    assert "可能是压缩炸弹，已拒绝" in page and "sheet1.xml" in page
    assert not RecordBatch.objects.exists()


def test_the_parser_refuses_macros_before_reading():
    with pytest.raises(RecordFileError) as refused:
        read_records(xlsx_with({"xl/vbaProject.bin": b"macro"}), "开办.xlsx")

    assert "文件“开办.xlsx”含有宏" in str(refused.value)
