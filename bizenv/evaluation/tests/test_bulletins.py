"""红黑榜 bulletins: the styled Excel workbook and the 公文-style Word file with its chart."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from docx import Document
from openpyxl import load_workbook

from bizenv.evaluation import bulletins, services

ONE_EACH = {"mode": "top_n", "red": 1, "black": 1, "scopes": "total_and_level1"}


@pytest.fixture
def release(version, filled, office, office2):
    run = services.evaluation_run_create(actor=office, system_version=version, period="2026-03")
    release = services.red_black_list_create(actor=office, run=run, rules=ONE_EACH)
    release = services.red_black_list_review(actor=office2, release=release)
    return services.red_black_list_publish(actor=office2, release=release)


def test_excel_has_an_overall_sheet_and_one_per_topic_with_lists_marked(release):
    wb = load_workbook(io.BytesIO(bulletins.bulletin_excel(release)))
    assert wb.sheetnames == ["综合得分", "开办企业", "获得电力", "获得用气"]
    ws = wb["综合得分"]
    assert ws["A3"].value == "排名" and ws["F3"].value == "开办企业"
    assert [ws.cell(row=r, column=2).value for r in range(4, 8)] == ["东湖县", "西山县", "南河区", "北岭县"]
    assert ws["E4"].value == "红榜" and ws["E7"].value == "黑榜"
    assert ws["B4"].fill.fgColor.rgb.endswith("FDE2E2")
    assert isinstance(ws["C4"].value, float) and ws["C4"].number_format == "0.00"


def test_word_bulletin_has_title_period_tables_text_and_chart(release):
    doc = Document(io.BytesIO(bulletins.bulletin_word(release)))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "2026年3月营商环境红黑榜" in text and "（2026年3月）" in text
    assert "列入红榜的是：东湖县" in text and "列入黑榜的是：北岭县" in text
    assert "本期为首次发布红黑榜" in text and release.fingerprint in text
    assert "{{" not in text and "{%" not in text
    red, black, topics = doc.tables
    assert [c.text for c in red.rows[0].cells] == ["名次", "地区", "综合得分", "等级"]
    assert red.rows[1].cells[1].text == "东湖县" and black.rows[1].cells[1].text == "北岭县"
    assert [r.cells[0].text for r in topics.rows[1:]] == ["开办企业", "获得电力", "获得用气"]
    assert len(doc.inline_shapes) == 1


def test_chart_uses_a_cjk_font():
    path = bulletins.cjk_font_path()
    assert path is not None and "CJK" in path


def test_title_uses_the_official_document_fonts_and_red_header(release):
    doc = Document(io.BytesIO(bulletins.bulletin_word(release)))
    header = doc.paragraphs[0]
    assert header.text == bulletins.ISSUER
    assert header.runs[0].font.color.rgb == bulletins_red()
    assert "w:pBdr" in header._p.xml
    title_fonts = doc.paragraphs[1].runs[0]._element.rPr.rFonts
    assert "小标宋" in title_fonts.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia")


def bulletins_red():
    from bizenv.core.documents import GONGWEN_RED

    return GONGWEN_RED


def test_bulletin_is_dated_on_the_local_day_of_publication(release):
    # 17:30 UTC on 30 November is 01:30 on 1 December in Asia/Shanghai, the day the office published it.
    release.published_at = datetime(2026, 11, 30, 17, 30, tzinfo=UTC)
    assert bulletins.bulletin_context(release)["date_text"] == "2026年12月1日"
