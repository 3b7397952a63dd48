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


def _evidence_docx(title: str, warning_text: str, measure_text: str, unit: str) -> bytes:
    from docx import Document

    document = Document()
    document.add_heading(title, level=1)
    document.add_paragraph(f"预警情况：{warning_text}")
    table = document.add_table(rows=3, cols=2)
    for row, (label, value) in zip(table.rows, (("整改措施", measure_text), ("责任单位", unit),
                                                  ("完成时间", "按整改方案分阶段完成，每月报送进展")), strict=True):
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
    ax.bar([0, 1, 2], [6, 4, 2], color=["#2f7ed8", "#61a0a8", "#c23531"])
    ax.set_xticks([0, 1, 2], ["计划", "已完成", "推进中"] if font else ["plan", "done", "ongoing"],
                  fontproperties=font)
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
    from bizenv.monitoring.models import RectificationMeasure, RectificationMethod, Warning, WarningRule
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
    checked = periods[-MONITORED_MONTHS:]
    measured_at = str(Period.parse(periods[-1]).shift(-MEASURE_LEAD)) if periods else ""
    acted = RectificationMeasure.objects.filter(warning__system_version=version).exists()
    for period in checked:
        monitoring_run(actor=None, period=period)
        # The county and a department act in the month the demo's measures were taken, so the later months'
        # checks see their effect (an improved indicator clears and its warning is resolved by the run).
        if period == measured_at and not acted:
            _demo_measures(version=version, measured_at=measured_at)
    progress(f"监测预警：检查了最近 {len(checked)} 个月，共 {Warning.objects.filter(system_version=version).count()} 条预警")
    if not acted:
        done = _demo_reviews(version=version)
        progress("监测预警：县区和部门签收并上报整改举措（含佐证材料），营商办审核" + "".join(f"、{d}" for d in done))
    return {"预警": Warning.objects.filter(system_version=version).count()}


def _demo_user(username: str):
    from bizenv.organisations.models import User

    return User.objects.filter(username=username).first()


def _submit(*, actor, warning, method, place: str, measured_at: str):
    from bizenv.monitoring.models import MeasureEvidence, RectificationMeasure, Warning
    from bizenv.monitoring.services import measure_submit, warning_acknowledge

    if warning.status == "open":
        warning_acknowledge(actor=actor, warning=warning)
    title = f"{warning.indicator_name}整改情况说明"
    text = (f"针对“{warning.indicator_name}”的预警，{place}梳理办理环节，推行并联审批和容缺受理，"
            "明确各环节时限并纳入月度督查。")
    unit = actor.department.name if getattr(actor, "department", None) else f"{warning.region.name}营商环境工作专班"
    measure = measure_submit(
        actor=actor, warning=warning, method=method, description=text,
        files=[_upload(f"{title}.docx", _evidence_docx(title, warning.explanation, text, unit),
                       "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
               _upload(f"{warning.indicator_name}整改工作进度.pdf", _evidence_pdf("整改任务完成进度（项）"),
                       "application/pdf")])
    # Demo history: the measure was taken in the month being checked (the demo is built on one day), so its
    # dates are that month's too.
    taken = _in_month(measured_at)
    RectificationMeasure.objects.filter(pk=measure.pk).update(period=measured_at, created_at=taken)
    MeasureEvidence.objects.filter(measure=measure).update(uploaded_at=taken)
    Warning.objects.filter(pk=warning.pk).update(first_measure_period=measured_at)
    return measure


def _in_month(period: str):
    """10:00 on the 15th of the month (China time), for the demo's dated history."""
    import datetime as dt

    from bizenv.core.clock import CHINA

    first = Period.parse(period).first_day
    return dt.datetime(first.year, first.month, 15, 10, 0, tzinfo=CHINA)


def _demo_measures(*, version, measured_at: str) -> None:
    """In the measured month: the county rectifies two of its warnings (the one whose indicator then improved
    most against its peers and the one that did worst), the department one of its indicators' warnings elsewhere
    (the most improved); the office accepts the first measure."""
    from bizenv.monitoring.models import ACTIVE_STATUSES, RectificationMethod, Warning
    from bizenv.monitoring.selectors import department_indicator_codes
    from bizenv.monitoring.services import measure_review
    from bizenv.organisations.models import RoleGrant

    county, dept, office = _demo_user("county"), _demo_user("dept"), _demo_user("office")
    grant = RoleGrant.objects.filter(user=county).select_related("region").first() if county else None
    if grant is None or office is None:
        return
    active = Warning.objects.filter(system_version=version, status__in=ACTIVE_STATUSES, first_period__lte=measured_at)
    mine = _ranked_by_effect(list(active.filter(region=grant.region).order_by("first_period", "id")),
                             measured_at=measured_at)
    chosen = [(county, w, grant.region.name) for w in (mine[:1] + mine[-1:] if len(mine) > 1 else mine)]
    if dept is not None:
        codes = department_indicator_codes(user=dept, system_version=version) or set()
        theirs = _ranked_by_effect(list(active.exclude(region=grant.region).filter(indicator_code__in=codes)
                                        .select_related("region").order_by("first_period", "id")),
                                   measured_at=measured_at)
        chosen += [(dept, w, f"{dept.department.name}会同{w.region.name}") for w in theirs[:1]]
    methods = list(RectificationMethod.objects.order_by("sort_order"))
    for index, (actor, warning, place) in enumerate(chosen):
        measure = _submit(actor=actor, warning=warning, method=methods[index % len(methods)], place=place,
                          measured_at=measured_at)
        if index == 0:
            import datetime as dt

            from bizenv.monitoring.models import RectificationMeasure

            measure_review(actor=office, measure=measure, accept=True, comment="举措具体，佐证材料齐全。")
            RectificationMeasure.objects.filter(pk=measure.pk).update(
                reviewed_at=_in_month(measured_at) + dt.timedelta(days=3))


def _demo_reviews(*, version) -> list[str]:
    """After the checks: the county signs one more warning, the office resolves one that has cleared and closes a
    fluctuation found to be a change of data definition."""
    from bizenv.monitoring.models import ACTIVE_STATUSES, Warning
    from bizenv.monitoring.services import warning_acknowledge, warning_close, warning_resolve
    from bizenv.organisations.models import RoleGrant

    county, office = _demo_user("county"), _demo_user("office")
    grant = RoleGrant.objects.filter(user=county).select_related("region").first() if county else None
    done: list[str] = []
    if grant is None or office is None:
        return done
    from bizenv.monitoring.selectors import warning_can_act

    # one the county itself may sign (a missing report owed by a city department is that department's)
    acknowledged = next((w for w in Warning.objects.filter(system_version=version, region=grant.region, status="open")
                         .select_related("region", "system_version").order_by("id")
                         if warning_can_act(user=county, warning=w)), None)
    if acknowledged is not None:
        warning_acknowledge(actor=county, warning=acknowledged)
    cleared = (Warning.objects.filter(system_version=version, status__in=ACTIVE_STATUSES, cleared_periods__gte=1)
               .select_related("rule").order_by("id").first())
    if cleared is not None:
        warning_resolve(actor=office, warning=cleared)
        done.append("提前销号一例")
    to_close = (Warning.objects.filter(system_version=version, status="open", kind="fluctuation")
                .order_by("id").first())
    if to_close is not None:
        warning_close(actor=office, warning=to_close, reason="经核实为数据口径调整引起的波动，非办理效率变化。")
        done.append("关闭一例")
    return done


def _ranked_by_effect(candidates: list, *, measured_at: str) -> list:
    """The candidates ordered by how much their indicator improved against the peers after `measured_at` (best
    first; those that cannot be judged last). The data are what they are; only the demo's choice looks ahead."""
    from bizenv.monitoring.effects import monitored_cube, warning_effect

    if not candidates:
        return []
    monitored = monitored_cube(system_version=candidates[0].system_version)
    scored = []
    for warning in candidates:
        warning.first_measure_period = measured_at  # in memory only: what the effect would be
        effect = warning_effect(warning=warning, monitored=monitored)
        warning.first_measure_period = ""
        improvement = effect.improvement if effect is not None else None
        scored.append((improvement is None, -(improvement or 0.0), warning.pk, warning))
    return [item[-1] for item in sorted(scored, key=lambda item: item[:3])]


def demo_step(*, scale: str, progress) -> dict[str, int]:
    return demo_monitoring_build(progress=progress)
