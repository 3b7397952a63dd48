"""The topic report rendered to Word (charts in a CJK font) and converted to PDF by LibreOffice."""

import io
import shutil

import pytest
from docx import Document

from bizenv.core import documents
from bizenv.core.errors import ApplicationError
from bizenv.reports import rendering
from bizenv.reports.tests.test_topic import county_data
from bizenv.reports.topic import PeerRow


def word_text(blob: bytes) -> tuple[str, str, Document]:
    doc = Document(io.BytesIO(blob))
    text = "\n".join(p.text for p in doc.paragraphs)
    cells = "\n".join(c.text for t in doc.tables for row in t.rows for c in row.cells)
    return text, cells, doc


def data_with_history():
    return county_data(history_periods=("2026-08", "2026-09", "2026-10"), history=(90.0, 91.0, 92.23))


def test_word_report_names_region_topic_period_and_has_tables_and_three_charts():
    text, cells, doc = word_text(rendering.topic_report_word(data_with_history()))
    assert "北山县2026年10月“开办企业”专题研判报告" in text
    assert "（北山县 · 开办企业 · 2026年10月）" in text
    assert "得分 92.23 分" in text and "{{" not in text and "{%" not in text
    assert "企业设立登记耗时" in cells and "0.50（杭州、深圳）" in cells and "设立登记" in cells
    assert len(doc.tables) == 3
    assert len(doc.inline_shapes) == 3


def test_word_report_without_a_process_has_no_bottleneck_table():
    text, _, doc = word_text(rendering.topic_report_word(county_data(steps=(), process_name="")))
    assert "瓶颈环节" not in text and len(doc.tables) == 2


def test_charts_are_drawn_in_a_cjk_font():
    assert documents.cjk_font_path() is not None and "CJK" in documents.cjk_font_path()
    charts = rendering.topic_report_charts(data_with_history())
    assert all(png and png.startswith(b"\x89PNG") for png in charts.values())


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice 未安装")
def test_pdf_is_converted_by_libreoffice():
    pdf = documents.docx_to_pdf(rendering.topic_report_word(county_data()))
    assert pdf.startswith(b"%PDF")


def test_pdf_without_libreoffice_is_a_clear_chinese_error(monkeypatch):
    monkeypatch.setattr(documents.shutil, "which", lambda _name: None)
    with pytest.raises(ApplicationError, match="未安装 LibreOffice"):
        documents.docx_to_pdf(b"")


def test_peer_table_shows_signed_changes_and_no_python_repr():
    data = county_data(peers=(
        PeerRow(code="990102", name="东城区", score=98.9, rank=1, yoy_delta=1.234, pop_delta=-0.5),
        PeerRow(code="990121", name="北山县", score=92.234, rank=2, yoy_delta=0.0, pop_delta=None)))
    _, _, doc = word_text(rendering.topic_report_word(data))
    peer_table = doc.tables[1]
    assert [c.text for c in peer_table.rows[0].cells] == ["排名", "地区", "得分", "同比变化", "环比变化"]
    assert [c.text for c in peer_table.rows[1].cells] == ["1", "东城区", "98.90", "+1.23", "−0.50"]
    assert [c.text for c in peer_table.rows[2].cells] == ["2", "北山县", "92.23", "0.00", "—"]
    for table in doc.tables:
        for row in table.rows:
            for cell in row.cells:
                assert "<" not in cell.text and "object" not in cell.text and "None" not in cell.text, cell.text


def test_rendered_reports_are_cached_by_their_content(monkeypatch):
    made = []
    real = rendering.topic_report_word
    monkeypatch.setattr(rendering, "topic_report_word", lambda data: made.append(data) or real(data))

    first = rendering.topic_report_word_cached(county_data())
    again = rendering.topic_report_word_cached(county_data())
    other = rendering.topic_report_word_cached(county_data(score=50.0))

    assert first == again and len(made) == 2 and other != first  # equal data drawn once, other data anew
