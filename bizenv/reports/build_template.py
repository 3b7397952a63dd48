"""Build templates/topic_report.docx, the docxtpl template of the topic report (专题研判报告).

Run `python -m bizenv.reports.build_template` after changing it and commit the .docx; users may then restyle
the template in Word or WPS as long as the {{ … }} tags stay. Row keys must not be dict method names
(`pop`, `items`, `keys`, …): Jinja looks up `e.pop` as an attribute first and would print the method.
The 公文 styling helpers are core.documents'.
"""

from __future__ import annotations

from pathlib import Path

from docx.enum.text import WD_ALIGN_PARAGRAPH

from bizenv.core.documents import gongwen_document
from bizenv.core.documents import loop_table as _table
from bizenv.core.documents import paragraph as _para
from bizenv.reports.rendering import TEMPLATES

TEMPLATE = TEMPLATES / "topic_report.docx"
HEADING = "黑体"


def build(path: Path = TEMPLATE) -> Path:
    doc = gongwen_document()
    _para(doc, "（{{ region_name }} · {{ topic_name }} · {{ period_label }}）", font="楷体_GB2312", size=16,
          align=WD_ALIGN_PARAGRAPH.CENTER)
    _para(doc, "一、总体情况", font=HEADING, size=16)
    _para(doc, "{{ summary }}", indent=True)
    _para(doc, "指标说明：{{ definition }}", size=12, indent=True)
    _para(doc, "{{ chart_trend }}", align=WD_ALIGN_PARAGRAPH.CENTER)
    _para(doc, "二、{{ sub_heading }}", font=HEADING, size=16)
    _table(doc, ["指标", "单位", "指标值", "得分", "排名", "最优地区得分", "最佳实践值（城市）"],
           ["{{ e.name }}", "{{ e.unit }}", "{{ e.value }}", "{{ e.score }}", "{{ e.rank }}", "{{ e.best }}",
            "{{ e.benchmark }}"], "sub_rows")
    _para(doc, "{{ chart_subs }}", align=WD_ALIGN_PARAGRAPH.CENTER)
    _para(doc, "三、{{ peer_heading }}", font=HEADING, size=16)
    _table(doc, ["排名", "地区", "得分", "同比变化", "环比变化"],
           ["{{ e.rank }}", "{{ e.name }}", "{{ e.score }}", "{{ e.yoy_delta }}", "{{ e.pop_delta }}"], "peers")
    _para(doc, "{{ chart_peers }}", align=WD_ALIGN_PARAGRAPH.CENTER)
    _para(doc, "{%p if has_steps %}", size=10.5)
    _para(doc, "四、{{ steps_heading }}", font=HEADING, size=16)
    _table(doc, ["环节", "办件数", "平均用时（工作日）", "超时限比例", "最慢的区县"],
           ["{{ e.name }}", "{{ e.cases }}", "{{ e.mean }}", "{{ e.over }}", "{{ e.slowest }}"], "steps")
    _para(doc, "{%p endif %}", size=10.5)
    _para(doc, "研判建议", font=HEADING, size=16)
    _para(doc, "{{ advice }}", indent=True)
    _para(doc, "{{ issuer }}", align=WD_ALIGN_PARAGRAPH.RIGHT)
    _para(doc, "{{ date_text }}", align=WD_ALIGN_PARAGRAPH.RIGHT)
    doc.save(path)
    return path


if __name__ == "__main__":
    print(build())
