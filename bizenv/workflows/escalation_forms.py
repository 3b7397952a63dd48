"""Forms of the escalation pages: the interview record with its commitment rows, the template upload. Shape
errors only; the rules (dates, units, limits) are the services'."""

from __future__ import annotations

from django import forms

COMMITMENT_ROWS = 5
DATE_ERRORS = {"required": "请填写约谈日期。", "invalid": "约谈日期应为 YYYY-MM-DD，如 2026-12-03。"}


class InterviewForm(forms.Form):
    held_on = forms.DateField(label="约谈日期", error_messages=DATE_ERRORS,
                              widget=forms.DateInput(attrs={"type": "date"}))
    place = forms.CharField(label="约谈地点", required=False, max_length=100,
                            error_messages={"max_length": "约谈地点最多 100 字。"})
    participants = forms.CharField(label="参加人员", max_length=1000, widget=forms.Textarea(attrs={"rows": 2}),
                                   error_messages={"required": "请填写参加人员。",
                                                   "max_length": "参加人员最多 1000 字。"})
    minutes = forms.CharField(label="约谈纪要", max_length=4000, widget=forms.Textarea(attrs={"rows": 6}),
                              error_messages={"required": "请填写约谈纪要。", "max_length": "约谈纪要最多 4000 字。"})


def commitment_rows(data, *, rows: int = COMMITMENT_ROWS) -> list[dict]:
    """The commitment rows of the form as posted (c0-text, c0-deadline, c0-assignee — a unit's code from the
    select, the interviewed unit by default), blank rows kept so the form shows them again; the service skips rows
    without text and deadline and names a wrong one by its number."""
    count = rows
    if data is not None:
        try:
            count = max(rows, min(20, int(data.get("commitment_rows") or rows)))
        except ValueError:
            count = rows
    out = []
    for n in range(count):
        get = (lambda key, n=n: (data.get(f"c{n}-{key}") or "").strip()) if data is not None else (lambda key: "")
        out.append({"text": get("text"), "deadline": get("deadline"), "assignee": get("assignee")})
    return out


class TemplateUploadForm(forms.Form):
    file = forms.FileField(label="提醒函模板（.docx）", error_messages={"required": "请选择要上传的 Word 模板（.docx）。",
                                                                 "empty": "上传的文件是空的。"})
