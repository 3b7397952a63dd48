"""Excel imports of observations are checked for zip bombs and macros before parsing."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from bizenv.core.tests.officekit import bomb_xlsx, xlsx_with
from bizenv.observations import services
from bizenv.observations.excel import FileProblem, annotate
from bizenv.observations.models import ObservationImport


@pytest.fixture(scope="module")
def bomb(tmp_path_factory):
    return bomb_xlsx(tmp_path_factory.mktemp("bomb"))


@pytest.fixture
def rnd(version, office, counties):
    return services.reporting_round_open(actor=office, system_version=version, period="2026-09")


def test_import_of_a_bomb_is_refused_with_the_reason(rnd, client_for, samr, bomb):
    client = client_for(samr)

    client.post(f"/reporting/imports/new/?round={rnd.pk}", {"file": SimpleUploadedFile("填报.xlsx", bomb)})

    batch = ObservationImport.objects.get()
    page = client.get(f"/reporting/imports/{batch.pk}/").content.decode()
    assert "可能是压缩炸弹，已拒绝" in page and "未保存任何数据" in page
    assert not batch.preview


def test_a_macro_workbook_is_refused_and_never_annotated():
    macro = xlsx_with({"xl/vbaProject.bin": b"macro"})

    with pytest.raises(FileProblem) as refused:
        annotate(filename="填报.xlsm", content=macro, rejections={2: "不是数字"})

    assert "文件含有宏" in str(refused.value)
