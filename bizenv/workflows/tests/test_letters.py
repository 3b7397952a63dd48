"""The 提醒函 as its recipient reads it: the Word file names the number, the indicator and its first-level parent,
the figures of the 预警说明 and the deadline (or, for an item, its deadline and the days overdue); the PDF is a
real PDF; the office's own template is used once accepted, and a broken one is refused in Chinese."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest

from bizenv.core.documents import soffice_path
from bizenv.core.errors import ApplicationError
from bizenv.core.models import AuditLog
from bizenv.monitoring.models import Warning
from bizenv.monitoring.services import monitoring_run
from bizenv.workflows import escalation_services as services
from bizenv.workflows import letters
from bizenv.workflows.letter_templates.build_template import TEMPLATE, build
from bizenv.workflows.models import DocumentTemplate, Letter, WorkItem
from bizenv.workflows.tests.world import *  # noqa: F403
from bizenv.workflows.tests.world import act, months

pytestmark = pytest.mark.django_db


def docx_text(content: bytes) -> tuple[list[str], list[list[str]]]:
    """(paragraphs, table rows) of a Word file."""
    from docx import Document

    document = Document(io.BytesIO(content))
    rows = [[c.text for c in row.cells] for table in document.tables for row in table.rows]
    return [p.text for p in document.paragraphs if p.text.strip()], rows


def docx_with(paragraphs: list[str]) -> bytes:
    from docx import Document

    document = Document()
    for text in paragraphs:
        document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


@pytest.fixture
def warning(fill, rules, counties, version):
    fill(months("2025-01", "2026-10"), breach={"2026-10"})
    monitoring_run()
    return Warning.objects.get()


# ------------------------------------------------------------------------------------------------ pure parts


def test_numbers_read_as_the_office_writes_them():
    assert letters.letter_number(year=2026, seq=3) == "营商提醒〔2026〕3号"
    assert letters.date_text(date(2026, 12, 3)) == "2026年12月3日"


def test_the_warning_context_names_indicator_parent_figures_and_deadline():
    facts = letters.sample_context()
    assert facts["number"] == "营商提醒〔2026〕1号"
    assert "“开办企业时间”（所属一级指标：开办企业）" in facts["intro"]
    # the figures are stated once, in the table: neither the opening sentence nor the status line repeats them
    assert facts["intro"].endswith("触发红色预警（超出预警线）。")
    assert facts["status_text"] == "截至2026年12月1日，该预警已 5 个工作日未上报整改举措。"
    for figure in ("12工作日", "6.50工作日", "3工作日", "主要数据"):
        assert figure not in facts["intro"] + facts["status_text"]
    assert facts["contact"] == "联系人：张三（市优化营商环境工作领导小组办公室）"
    assert facts["deadline_text"].startswith("请于2026年12月8日前")
    rows = {r["label"]: r["value"] for r in facts["rows"]}
    assert rows["指标"] == "开办企业时间" and rows["所属一级指标"] == "开办企业"
    assert rows["本地区"] == "12工作日" and rows["平均值"] == "6.50工作日" and rows["最优地区"] == "示例区"
    assert rows["排名"] == "倒数第 1 位（共 4 个地区）" and rows["预警线"] == "10工作日"
    assert "比较对象" not in rows and "地区" not in rows


def test_the_item_context_says_how_late():
    item = letters.ItemLetterFacts(code="RW-2026-0007", title="压缩开办时间", assignee_name="东湖县",
                                   issued_on=date(2026, 11, 10), deadline=date(2026, 11, 25), status_label="办理中",
                                   progress=40, overdue_workdays=6, indicator_names=["开办企业时间"], overdue_days=8)
    context = letters.item_letter_context(item=item, number="营商提醒〔2026〕2号", issued_on=date(2026, 12, 3),
                                          deadline=date(2026, 12, 10), recipient="东湖县")
    assert context["title"] == "关于任务“压缩开办时间”逾期的提醒函"
    # working days (the rules) and calendar days (the on-time statistics) side by side
    assert context["status_text"] == "截至2026年12月3日，该任务已逾期 6 个工作日（8 个日历日）仍未办结。"
    rows = {r["label"]: r["value"] for r in context["rows"]}
    assert rows["完成时限"] == "2026年11月25日" and rows["已逾期"] == "6 个工作日（8 个日历日）"
    assert rows["涉及指标"] == "开办企业时间" and rows["当前状态"] == "办理中" and rows["办理进度"] == "40%"
    assert context["contact"] == "联系人：营商办（市优化营商环境工作领导小组办公室）"  # made by the daily job


def test_the_shipped_template_is_what_build_template_makes(tmp_path):
    fresh = build(tmp_path / "letter.docx")
    assert docx_text(fresh.read_bytes()) == docx_text(TEMPLATE.read_bytes())


# ------------------------------------------------------------------------------------------- the Word file


def test_a_warning_letter_names_number_indicator_figures_and_deadline(warning, office, settings):
    settings.BIZENV_TODAY = "2026-12-03"
    letter = services.letter_create(actor=office, warning=warning, deadline=date(2026, 12, 15))
    paragraphs, rows = docx_text(services.letter_word(letter=letter))
    text = "\n".join(paragraphs)
    assert paragraphs[0] == "市营商环境建设专班办公室"
    assert paragraphs[1] == "营商提醒〔2026〕1号"
    assert paragraphs[2] == "关于东湖县“开办企业时间”预警整改的提醒函"
    assert paragraphs[3] == "东湖县："
    assert "“开办企业时间”（所属一级指标：开办企业）2026年10月触发红色预警（超出预警线）。" in text
    assert "12工作日" not in text and "主要数据" not in text and "平均为" not in text  # figures: the table only
    assert "请于2026年12月15日前将整改情况书面报送市营商环境建设专班办公室。" in text
    assert f"联系人：{office.display_name}（市营商环境建设专班办公室）" in paragraphs
    assert "联系方式见" not in text
    assert paragraphs[-1] == "2026年12月3日"
    table = {r[0]: r[1] for r in rows}
    assert table["指标"] == "开办企业时间" and table["所属一级指标"] == "开办企业"
    assert table["本地区"] == "12工作日" and table["预警线"] == "10工作日"
    figures = warning.facts
    assert table["平均值"] == f"{figures['average']:.2f}".rstrip("0").rstrip(".") + "工作日"
    assert table["最优地区"] == figures["best_region_name"]
    assert not any("{{" in p or "{%" in p for p in paragraphs)
    assert letter.sha256 and letter.facts["rows"][0] == {"label": "指标", "value": "开办企业时间"}
    entry = AuditLog.objects.get(action="letter.create")
    assert entry.new_values["number"] == "营商提醒〔2026〕1号" and entry.new_values["recipient"] == "东湖县"


def test_an_item_letter_names_its_deadline_and_days_overdue(make_item, county_user, office, settings):
    settings.BIZENV_TODAY = "2026-12-03"
    item = act(make_item(assignee="990101", indicator_codes=["starting.time"]), "accept", county_user)
    WorkItem.objects.filter(pk=item.pk).update(deadline=date(2026, 11, 25), issued_on=date(2026, 11, 10))
    item.refresh_from_db()
    letter = services.letter_create(actor=office, item=item)
    paragraphs, rows = docx_text(services.letter_word(letter=letter))
    text = "\n".join(paragraphs)
    assert letter.indicator_name == "开办企业时间" and letter.deadline == date(2026, 12, 10)
    assert "营商提醒〔2026〕1号" in paragraphs and f"关于任务“{item.title}”逾期的提醒函" in paragraphs
    assert "截至2026年12月3日，该任务已逾期 6 个工作日（8 个日历日）仍未办结。" in text
    assert "请于2026年12月10日前办结该任务或书面报送情况说明。" in text
    table = {r[0]: r[1] for r in rows}
    assert table["任务编号"] == item.code and table["完成时限"] == "2026年11月25日"
    assert table["已逾期"] == "6 个工作日（8 个日历日）"
    from bizenv.workflows import stats
    from bizenv.workflows.selectors import item_facts

    judged = stats.judge(item_facts(items=WorkItem.objects.filter(pk=item.pk))[0], as_of=date(2026, 12, 3))
    assert judged.days_overdue == 8  # the statistics page's figure is the letter's calendar days


def test_a_warning_letter_takes_the_deadline_of_the_open_item_about_it(warning, office, make_item, settings):
    settings.BIZENV_TODAY = "2026-12-03"
    item = make_item(assignee="990101", warning=warning, deadline=date(2026, 12, 28), title="整改开办企业时间")
    make_item(assignee="990101", warning=warning, deadline=date(2026, 12, 31), title="后续整改")
    letter = services.letter_create(actor=office, warning=warning)
    assert letter.deadline == date(2026, 12, 28) and letter.facts["deadline_item"] == item.code
    paragraphs, _rows = docx_text(services.letter_word(letter=letter))
    assert (f"请按整改任务 {item.code} 的完成时限，于2026年12月28日前完成整改，"
            f"并将整改情况书面报送市营商环境建设专班办公室。") in paragraphs


def test_without_an_open_item_the_letter_asks_within_the_default_working_days(warning, office, make_item, settings):
    from bizenv.workdays.calendar import WorkCalendar

    settings.BIZENV_TODAY = "2026-12-03"
    done = make_item(assignee="990101", warning=warning, deadline=date(2026, 12, 28))
    WorkItem.objects.filter(pk=done.pk).update(status="cancelled")  # a finished item sets no deadline
    letter = services.letter_create(actor=office, warning=warning)
    expected = WorkCalendar.load().workday_add(date(2026, 12, 3), services.LETTER_REPLY_WORKDAYS)
    assert letter.deadline == expected and letter.facts["deadline_item"] == ""


def test_an_item_letter_before_the_deadline_repeats_the_items_deadline(make_item, office, settings):
    settings.BIZENV_TODAY = "2026-12-03"
    item = make_item(assignee="990101", deadline=date(2026, 12, 20))
    letter = services.letter_create(actor=office, item=item)
    assert letter.deadline == date(2026, 12, 20)
    paragraphs, _rows = docx_text(services.letter_word(letter=letter))
    assert "请于该任务完成时限2026年12月20日前办结该任务或书面报送情况说明。" in paragraphs


def test_the_daily_jobs_letter_names_the_office_as_contact(make_item, settings):
    settings.BIZENV_TODAY = "2026-12-03"
    item = make_item(assignee="990101")
    WorkItem.objects.filter(pk=item.pk).update(deadline=date(2026, 11, 25), issued_on=date(2026, 11, 10))
    for day in ("2026-12-03", "2026-12-04"):
        settings.BIZENV_TODAY = day
        services.escalation_advance(actor=None)
    letter = Letter.objects.get(item=item)
    paragraphs, _rows = docx_text(services.letter_word(letter=letter))
    assert "联系人：营商办（市营商环境建设专班办公室）" in paragraphs


@pytest.mark.skipif(soffice_path() is None, reason="LibreOffice (soffice) is not installed: no PDF conversion")
def test_the_pdf_is_converted_by_libreoffice(warning, office):
    letter = services.letter_create(actor=office, warning=warning)
    pdf = services.letter_pdf(letter=letter)
    assert pdf.startswith(b"%PDF") and len(pdf) > 5000
    assert b"/Font" in pdf
    try:
        from pypdf import PdfReader
    except ImportError:  # pypdf is optional: the fonts show the text was laid out
        return
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "营商提醒" in text and "开办企业时间" in text


def test_a_lost_word_file_is_said_in_chinese(warning, office):
    letter = services.letter_create(actor=office, warning=warning)
    from bizenv.core.uploads import upload_resolve

    upload_resolve(path=letter.path).unlink()
    with pytest.raises(ApplicationError) as err:
        services.letter_word(letter=letter)
    assert "Word 文件已丢失" in err.value.message


def test_a_failed_letter_leaves_no_number_and_no_file(warning, office, monkeypatch, settings):
    from bizenv.core.uploads import upload_resolve

    def broken(*_args, **_kwargs):
        raise ApplicationError("示例故障")

    monkeypatch.setattr(services, "notification_send", broken)
    with pytest.raises(ApplicationError):
        services.letter_create(actor=office, warning=warning)
    assert not Letter.objects.exists()
    folder = upload_resolve(path="letters")
    assert not folder.exists() or not any(p.is_file() for p in folder.rglob("*"))


# ------------------------------------------------------------------------------------- the office's template


def test_the_office_replaces_the_template_and_new_letters_use_it(warning, office):
    from docx import Document

    document = Document(str(TEMPLATE))
    document.paragraphs[0].runs[0].text = "东湖市优化营商环境办公室（定制）"
    out = io.BytesIO()
    document.save(out)
    template = services.document_template_replace(actor=office, key="reminder_letter", content=out.getvalue(),
                                                  filename="我们的提醒函.docx")
    assert template.original_name == "我们的提醒函.docx" and template.uploaded_by == office
    assert AuditLog.objects.filter(action="document_template.replace").count() == 1
    letter = services.letter_create(actor=office, warning=warning)
    paragraphs, _rows = docx_text(services.letter_word(letter=letter))
    assert paragraphs[0] == "东湖市优化营商环境办公室（定制）" and paragraphs[1] == "营商提醒〔2026〕1号"
    assert services.document_template_reset(actor=office, key="reminder_letter") is True
    assert not DocumentTemplate.objects.exists()
    again = services.letter_create(actor=office, warning=warning, again=True)
    assert docx_text(services.letter_word(letter=again))[0][0] == "市营商环境建设专班办公室"


@pytest.mark.parametrize(("paragraphs", "message"), [
    (["{{ number }", "{{ title }}"], "“{{ number }”中有写错的标签"),
    (["{{ number }}", "{% if title %}没有结束"], "有写错的标签"),
    (["{{ number | }}"], "“{{ number | }}”中有写错的标签"),
    (["{{ title }}", "只有标题"], "没有文号标签 {{ number }}"),
])
def test_a_broken_template_is_refused_in_chinese_and_the_current_one_stays(office, paragraphs, message):
    with pytest.raises(ApplicationError) as err:
        services.document_template_replace(actor=office, key="reminder_letter", content=docx_with(paragraphs),
                                           filename="坏模板.docx")
    assert message in err.value.message and "当前模板未更换" in err.value.message
    words = re.sub(r"\{\{.*?\}\}?|\{%.*?%\}|\.docx", "", err.value.message)
    assert not re.search(r"[A-Za-z]{3,}", words), words
    assert not DocumentTemplate.objects.exists()


def macro_docx() -> bytes:
    """The shipped template declared macro-enabled (what Word writes for a .docm)."""
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(TEMPLATE.read_bytes())) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "[Content_Types].xml":
                data = data.replace(b"document.main+xml", b"document.macroEnabled.main+xml")
            target.writestr(info, data)
    return out.getvalue()


@pytest.mark.parametrize(("filename", "content", "message"), [
    ("模板.docm", TEMPLATE.read_bytes(), "宏"),
    ("模板.docx", macro_docx(), "宏"),
    ("模板.pdf", b"%PDF-1.4\n%%EOF\n", "PDF"),
    ("模板.docx", b"", "空文件"),
])
def test_only_a_docx_without_macros_is_taken(office, filename, content, message):
    with pytest.raises(ApplicationError) as err:
        services.document_template_replace(actor=office, key="reminder_letter", content=content, filename=filename)
    assert message in err.value.message
    assert not DocumentTemplate.objects.exists()


def test_only_the_office_replaces_templates(county_user):
    from bizenv.core.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.document_template_replace(actor=county_user, key="reminder_letter",
                                           content=TEMPLATE.read_bytes(), filename="提醒函.docx")
