"""Build report_templates/red_black_bulletin.docx, the docxtpl template of the 红黑榜 bulletin.

Run `python -m bizenv.evaluation.report_templates.build_template` after changing it and commit the .docx;
users may then restyle the template in Word or WPS as long as the {{ … }} tags stay.
"""

from __future__ import annotations

from pathlib import Path

from docx.enum.text import WD_ALIGN_PARAGRAPH

from bizenv.core.documents import gongwen_document
from bizenv.core.documents import loop_table as _table
from bizenv.core.documents import paragraph as _para

HERE = Path(__file__).resolve().parent
TEMPLATE = HERE / "red_black_bulletin.docx"


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
