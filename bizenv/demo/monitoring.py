"""The monitoring part of `bizenv demo`: the default warning rules and 整改方式, a monitoring run over the last
twelve months, and warnings in every state — open, acknowledged, rectifying with measures (one accepted, one
waiting for review), resolved and closed — with evidence files made on the spot (a Word and a PDF file)."""

from __future__ import annotations

import io
from pathlib import Path

from bizenv.core.periods import Period

DEFAULT_RULES = Path(__file__).resolve().parent.parent / "monitoring" / "default_rules.yaml"
DEFAULT_METHODS = (
    ("制度完善", "制定或修订制度、标准、办事指南"),
    ("流程再造", "压减环节、并联审批、一件事一次办"),
    ("系统改造", "信息系统对接、数据共享、电子证照"),
    ("人员培训", "窗口人员、审批人员业务培训"),
    ("督导约谈", "对责任单位提醒、督导、约谈"),
    ("其他", "其他整改方式"),
)
MONITORED_MONTHS = 12
# The demo's measures were "taken" this many months before the latest data, so their effect can be measured.
MEASURE_LEAD = 5


def _evidence_docx(title: str, text: str) -> bytes:
    from docx import Document

    document = Document()
    document.add_heading(title, level=1)
    document.add_paragraph(text)
    table = document.add_table(rows=3, cols=2)
    for row, (label, value) in zip(table.rows, (("整改措施", text[:40]), ("责任单位", "县政务服务中心"),
                                                  ("完成时间", "按整改方案分阶段完成")), strict=True):
        row.cells[0].text, row.cells[1].text = label, value
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _evidence_pdf(title: str) -> bytes:
    """A one-page PDF with a small before/after chart (labels in Chinese when a CJK font is installed)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import font_manager
    from matplotlib.figure import Figure

    from bizenv.core.documents import cjk_font_path

    path = cjk_font_path()
    font = font_manager.FontProperties(fname=path) if path else None
    figure = Figure(figsize=(6, 3))
    ax = figure.add_subplot()
    ax.bar([0, 1], [8.2, 4.1], color=["#c23531", "#2f7ed8"])
    ax.set_xticks([0, 1], ["整改前", "整改后"] if font else ["before", "after"], fontproperties=font)
    if font:
        ax.set_title(title, fontproperties=font)
    out = io.BytesIO()
    figure.savefig(out, format="pdf")
    return out.getvalue()


def _upload(name: str, content: bytes, content_type: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type=content_type)


def demo_monitoring_build(*, progress=print) -> dict[str, int]:
    """Rules, methods, warnings and measures for the active default system. Safe to rerun."""
    from bizenv.indicators.selectors import DEFAULT_SYSTEM_CODE, active_version
    from bizenv.monitoring.models import RectificationMethod, Warning, WarningRule
    from bizenv.monitoring.rule_services import rules_import
    from bizenv.monitoring.selectors import monitored_periods
    from bizenv.monitoring.services import monitoring_run

    version = active_version(system_code=DEFAULT_SYSTEM_CODE)
    if version is None:
        progress("没有已发布的默认指标体系，跳过监测预警")
        return {"预警": 0}
    if not WarningRule.objects.filter(system_version=version).exists():
        rules_import(actor=None, text=DEFAULT_RULES.read_text(encoding="utf-8"), system_code=DEFAULT_SYSTEM_CODE)
    for order, (name, description) in enumerate(DEFAULT_METHODS, start=1):
        RectificationMethod.objects.get_or_create(name=name, defaults={"description": description,
                                                                      "sort_order": order})
    periods = monitored_periods(system_version=version)
    for period in periods[-MONITORED_MONTHS:]:
        monitoring_run(actor=None, period=period)
    progress(f"监测预警：检查了最近 {min(len(periods), MONITORED_MONTHS)} 个月，"
             f"共 {Warning.objects.filter(system_version=version).count()} 条预警")
    _demo_actions(version=version, periods=periods, progress=progress)
    return {"预警": Warning.objects.filter(system_version=version).count()}


def _demo_actions(*, version, periods: list[str], progress) -> None:
    """The county acts on its warnings and the office reviews, once (the demo marks what it did by the
    measures it left)."""
    from bizenv.monitoring.models import ACTIVE_STATUSES, RectificationMeasure, RectificationMethod, Warning
    from bizenv.monitoring.services import (
        measure_review,
        measure_submit,
        warning_acknowledge,
        warning_close,
        warning_resolve,
    )
    from bizenv.organisations.models import RoleGrant, User

    if RectificationMeasure.objects.filter(warning__system_version=version).exists():
        return
    county = User.objects.filter(username="county").first()
    office = User.objects.filter(username="office").first()
    grant = RoleGrant.objects.filter(user=county).select_related("region").first() if county else None
    if county is None or office is None or grant is None or not periods:
        return
    mine = Warning.objects.filter(system_version=version, region=grant.region, status__in=ACTIVE_STATUSES)
    latest = Period.parse(periods[-1])
    measured_at = str(latest.shift(-MEASURE_LEAD))
    early = _varied_effects(list(mine.filter(first_period__lt=measured_at).order_by("first_period", "id")),
                            measured_at=measured_at)
    methods = list(RectificationMethod.objects.order_by("sort_order"))
    for index, warning in enumerate(early):
        warning_acknowledge(actor=county, warning=warning)
        title = f"{warning.indicator_name}整改情况说明"
        measure = measure_submit(
            actor=county, warning=warning, method=methods[index % len(methods)],
            description=f"针对“{warning.indicator_name}”的预警，{grant.region.name}梳理办理环节，推行并联审批和容缺受理，"
                        "明确各环节时限并纳入月度督查。",
            files=[_upload(f"{title}.docx", _evidence_docx(title, warning.explanation),
                           "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
                   _upload(f"{warning.indicator_name}整改前后对比.pdf", _evidence_pdf("整改前后平均耗时（工作日）"),
                           "application/pdf")])
        # Demo history: the measure was taken MEASURE_LEAD months before the latest data, so the pages can
        # measure its effect against the peers over the months since.
        RectificationMeasure.objects.filter(pk=measure.pk).update(period=measured_at)
        Warning.objects.filter(pk=warning.pk).update(first_measure_period=measured_at)
        if index == 0:
            measure_review(actor=office, measure=measure, accept=True, comment="举措具体，佐证材料齐全。")
    acknowledged = mine.filter(status="open").order_by("id").first()
    if acknowledged is not None:
        warning_acknowledge(actor=county, warning=acknowledged)
    cleared = (Warning.objects.filter(system_version=version, status__in=ACTIVE_STATUSES)
               .select_related("rule").order_by("id"))
    resolved = next((w for w in cleared if w.cleared_periods >= w.rule.clear_periods), None)
    if resolved is not None:
        warning_resolve(actor=office, warning=resolved)
    to_close = (Warning.objects.filter(system_version=version, status="open", kind="fluctuation")
                .order_by("id").first())
    if to_close is not None:
        warning_close(actor=office, warning=to_close, reason="经核实为数据口径调整引起的波动，非办理效率变化。")
    progress("监测预警：县区签收并上报整改举措（含佐证材料），营商办审核、销号和关闭各一例")


def _varied_effects(candidates: list, *, measured_at: str, count: int = 3) -> list:
    """The warnings the demo rectifies: the two whose indicator then improved most against the peers and one that
    did not, so that the pages show both outcomes (the data are what they are; only the choice is the demo's)."""
    from bizenv.monitoring.effects import monitored_cube, warning_effect

    if not candidates:
        return []
    monitored = monitored_cube(system_version=candidates[0].system_version)
    scored = []
    for warning in candidates:
        warning.first_measure_period = measured_at  # in memory only: what the effect would be
        effect = warning_effect(warning=warning, monitored=monitored)
        warning.first_measure_period = ""
        improvement = effect.improvement if effect is not None and effect.improvement is not None else None
        scored.append((improvement, warning))
    judged = sorted((item for item in scored if item[0] is not None), key=lambda item: -item[0])
    chosen = [w for _i, w in judged[:count - 1]] + [w for _i, w in judged[count - 1:]][-1:]
    if len(chosen) < count:
        chosen += [w for _i, w in scored if w not in chosen][:count - len(chosen)]
    return chosen[:count]


def demo_step(*, scale: str, progress) -> dict[str, int]:
    return demo_monitoring_build(progress=progress)
