import pytest

from bizenv.core.cells import CellError, cell_bool, cell_number, cell_scalar, cell_text


@pytest.mark.parametrize("word", ["是", "对", "true", "TRUE", " yes ", "y", "t", "1", 1, 1.0, True])
def test_every_yes_word_reads_as_yes(word):
    assert cell_bool(word, field="可选") is True


@pytest.mark.parametrize("word", ["否", "错", "false", "No", "n", "f", "0", 0, 0.0, False])
def test_every_no_word_reads_as_no(word):
    assert cell_bool(word, field="可选") is False


def test_a_blank_yes_no_cell_gives_the_default_and_anything_else_names_the_field():
    assert cell_bool("  ", field="可选") is None
    assert cell_bool(None, field="可选", blank=False) is False
    with pytest.raises(CellError) as caught:
        cell_bool("也许", field="可选")
    assert str(caught.value) == "可选：应为 是/否（true/false、1/0），收到的是“也许”"
    assert caught.value.reason == "应为 是/否（true/false、1/0），收到的是“也许”"


def test_numbers_from_cells():
    assert cell_number(" 2.5 ", field="权重") == 2.5
    assert cell_number(3, field="权重") == 3.0
    assert cell_number("", field="权重") is None
    for bad in ("abc", True, "nan", float("inf"), [1]):
        with pytest.raises(CellError, match="权重"):
            cell_number(bad, field="权重")
    with pytest.raises(CellError) as caught:
        cell_number("2", field="权重", message="权重必须是数字", text=False)
    assert caught.value.reason == "权重必须是数字"


def test_texts_from_cells():
    assert cell_text(None, field="名称") == ""
    assert cell_text(3.0, field="名称") == "3"
    assert cell_text("  开办企业 ", field="名称", max_length=10) == "开办企业"
    with pytest.raises(CellError, match="名称：不能为空"):
        cell_text(" ", field="名称", required=True)
    with pytest.raises(CellError, match="必须是文字"):
        cell_text(True, field="名称")
    with pytest.raises(CellError) as caught:
        cell_text("开办企业", field="名称", max_length=2)
    assert caught.value.reason == "长度不能超过 2 个字符（现为 4 个）"
    assert caught.value.value == "开办企业"


def test_a_free_form_cell_is_a_number_first_then_a_yes_no_then_text():
    assert cell_scalar("1") == 1
    assert cell_scalar("2.5") == 2.5
    assert cell_scalar("是") is True
    assert cell_scalar("False") is False
    assert cell_scalar(" county ") == "county"
    assert cell_scalar("nan") == "nan"
