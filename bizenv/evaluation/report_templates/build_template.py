"""Build report_templates/red_black_bulletin.docx, the docxtpl template of the 红黑榜 bulletin.

Run `python -m bizenv.evaluation.report_templates.build_template` after changing it and commit the .docx;
users may then restyle the template in Word or WPS as long as the {{ … }} tags stay.
"""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

HERE = Path(__file__).resolve().parent
TEMPLATE = HERE / "red_black_bulletin.docx"
RED = RGBColor(0xC0, 0x00, 0x00)
TITLE_FONT = "方正小标宋简体"  # the 公文 title face; Word falls back to 宋体 where it is missing
BODY_FONT = "仿宋_GB2312"
SERIF = "宋体"


def _fonts(run, east_asian: str, size: float, *, bold: bool = False, color: RGBColor | None = None) -> None:
    run.font.name = "SimSun"
    run.font.size = Pt(size)
    run.font.bold = bold
    if color is not None:
        run.font.color.rgb = color
    fonts = run._element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), east_asian)


def _para(doc, text: str, *, font: str = BODY_FONT, size: float = 16, bold: bool = False,
          align=WD_ALIGN_PARAGRAPH.LEFT, color: RGBColor | None = None, indent: bool = False):
    p = doc.add_paragraph()
    p.alignment = align
    p.paragraph_format.space_after = Pt(4)
    if indent:
        p.paragraph_format.first_line_indent = Pt(size * 2)
    _fonts(p.add_run(text), font, size, bold=bold, color=color)
    return p


def _red_line(paragraph) -> None:
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "18"), ("w:space", "4"), ("w:color", "C00000")):
        bottom.set(qn(key), value)
    borders.append(bottom)
    paragraph._p.get_or_add_pPr().append(borders)


def _table(doc, headers: list[str], cells: list[str], loop: str) -> None:
    table = doc.add_table(rows=4, cols=len(headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for i, header in enumerate(headers):
        cell = table.rows[0].cells[i]
        cell.text = ""
        _fonts(cell.paragraphs[0].add_run(header), "黑体", 12, bold=True)
        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    table.rows[1].cells[0].text = "{%tr for e in " + loop + " %}"
    for i, text in enumerate(cells):
        cell = table.rows[2].cells[i]
        cell.text = ""
        _fonts(cell.paragraphs[0].add_run(text), SERIF, 12)
        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    table.rows[3].cells[0].text = "{%tr endfor %}"


def gongwen_document() -> Document:
    """An A4 document with 公文 margins, 宋体 body text, the issuer in red over a red rule and the title."""
    doc = Document()
    section = doc.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
    normal = doc.styles["Normal"]
    normal.font.name = "SimSun"
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), SERIF)

    header = _para(doc, "{{ issuer }}", font=TITLE_FONT, size=26, color=RED, align=WD_ALIGN_PARAGRAPH.CENTER)
    _red_line(header)
    _para(doc, "{{ title }}", font=TITLE_FONT, size=22, align=WD_ALIGN_PARAGRAPH.CENTER)
    return doc


def build(path: Path = TEMPLATE) -> Path:
    doc = gongwen_document()
    _para(doc, "（{{ period_label }}）", font="楷体_GB2312", size=16, align=WD_ALIGN_PARAGRAPH.CENTER)
    _para(doc, "{{ intro }}", indent=True)
    _para(doc, "{{ red_text }}", indent=True)
    _para(doc, "{{ black_text }}", indent=True)
    _para(doc, "{{ changes_text }}", indent=True)

    _para(doc, "一、红榜（综合得分）", font="黑体", size=16)
    _table(doc, ["名次", "地区", "综合得分", "等级"], ["{{ e.rank }}", "{{ e.region_name }}", "{{ e.score }}",
                                                   "{{ e.band }}"], "red")
    _para(doc, "二、黑榜（综合得分）", font="黑体", size=16)
    _table(doc, ["名次", "地区", "综合得分", "等级"], ["{{ e.rank }}", "{{ e.region_name }}", "{{ e.score }}",
                                                   "{{ e.band }}"], "black")
    _para(doc, "三、分项红黑榜（一级指标）", font="黑体", size=16)
    _table(doc, ["一级指标", "红榜", "黑榜"], ["{{ e.indicator_name }}", "{{ e.red }}", "{{ e.black }}"], "topics")
    _para(doc, "四、各地区综合得分", font="黑体", size=16)
    _para(doc, "{{ chart }}", align=WD_ALIGN_PARAGRAPH.CENTER)
    _para(doc, "{{ ranking_text }}", indent=True)
    _para(doc, "评选规则：{{ rules_text }}。数据指纹：{{ fingerprint }}", size=10.5)
    _para(doc, "{{ issuer }}", align=WD_ALIGN_PARAGRAPH.RIGHT)
    _para(doc, "{{ date_text }}", align=WD_ALIGN_PARAGRAPH.RIGHT)
    doc.save(path)
    return path


if __name__ == "__main__":
    print(build())
