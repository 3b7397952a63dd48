"""Build letter_templates/reminder_letter.docx, the docxtpl template of the 提醒函.

Run `python -m bizenv.workflows.letter_templates.build_template` after changing it and commit the .docx. The
office may download it, restyle it in Word or WPS and upload it again on the 升级督办规则 page, as long as the
{{ … }} tags stay (the keys are listed in bizenv/workflows/letters.py).
"""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm

from bizenv.core.documents import BODY_FONT, GONGWEN_RED, SERIF, TITLE_FONT, red_rule
from bizenv.core.documents import loop_table as _table
from bizenv.core.documents import paragraph as _para

HERE = Path(__file__).resolve().parent
TEMPLATE = HERE / "reminder_letter.docx"


def _document() -> Document:
    doc = Document()
    section = doc.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
    normal = doc.styles["Normal"]
    normal.font.name = "SimSun"
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), SERIF)
    return doc


def build(path: Path = TEMPLATE) -> Path:
    doc = _document()
    _para(doc, "{{ issuer }}", font=TITLE_FONT, size=26, color=GONGWEN_RED, align=WD_ALIGN_PARAGRAPH.CENTER)
    number = _para(doc, "{{ number }}", font=BODY_FONT, size=16, align=WD_ALIGN_PARAGRAPH.CENTER)
    red_rule(number)
    _para(doc, "{{ title }}", font=TITLE_FONT, size=22, align=WD_ALIGN_PARAGRAPH.CENTER)
    _para(doc, "{{ recipient }}：", font=BODY_FONT, size=16)
    _para(doc, "{{ intro }}", indent=True)
    _para(doc, "{{ status_text }}", indent=True)
    _para(doc, "有关数据如下：", indent=True)
    _table(doc, ["项目", "数据"], ["{{ e.label }}", "{{ e.value }}"], "rows")
    _para(doc, "{{ request }}", indent=True)
    _para(doc, "{{ deadline_text }}", indent=True)
    _para(doc, "{{ contact }}", size=12, indent=True)
    _para(doc, "{{ signature }}", align=WD_ALIGN_PARAGRAPH.RIGHT)
    _para(doc, "{{ date_text }}", align=WD_ALIGN_PARAGRAPH.RIGHT)
    doc.save(path)
    return path


if __name__ == "__main__":
    print(build())
