"""Excel imports of indicator systems are checked for zip bombs before parsing."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from bizenv.core.tests.officekit import bomb_xlsx
from bizenv.indicators.models import IndicatorSystem


@pytest.fixture(scope="module")
def bomb(tmp_path_factory):
    return bomb_xlsx(tmp_path_factory.mktemp("bomb"))


@pytest.mark.parametrize("action", ["validate", "import"])
def test_upload_of_a_bomb_is_refused_with_the_reason(office, client_for, bomb, action):
    response = client_for(office).post(reverse("indicators:upload"), {
        "file": SimpleUploadedFile("体系.xlsx", bomb), "action": action})

    assert response.status_code == 400
    assert "可能是压缩炸弹，已拒绝" in response.content.decode()
    assert not IndicatorSystem.objects.exists()
