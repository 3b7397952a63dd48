"""红黑榜 bulletins: an Excel workbook (overall + one sheet per first-level indicator) and a 公文-style Word file.

Both are built from a release's frozen entries and scores only, so a published bulletin never changes.
"""

from __future__ import annotations

import io
from pathlib import Path

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from bizenv.core.documents import cjk_font_path, docx_render
from bizenv.core.exports import workbook_safe
from bizenv.core.periods import Period
from bizenv.evaluation.models import RedBlackList
from bizenv.evaluation.release_rules import rules_describe
from bizenv.evaluation.scoring import TOTAL

TEMPLATE = Path(__file__).resolve().parent / "report_templates" / "red_black_bulletin.docx"
ISSUER = "营商环境建设专班办公室"
RED_FILL = PatternFill("solid", fgColor="FDE2E2")
BLACK_FILL = PatternFill("solid", fgColor="D9D9D9")
HEAD_FILL = PatternFill("solid", fgColor="0F4C97")
THIN = Side(style="thin", color="B7C4D6")


def _fmt(score: float | None) -> str:
    return "—" if score is None else f"{score:.2f}"


def _sheet_title(name: str, used: set[str]) -> str:
    title = "".join(ch for ch in name if ch not in "[]:*?/\\")[:28] or "指标"
    base, n = title, 2
    while title in used:
        title, n = f"{base[:26]}{n}", n + 1
    used.add(title)
    return title


def _listed(release: RedBlackList) -> dict[tuple[str, str], str]:
    return {(e["indicator"], e["region"]): e["list"] for e in release.entries}


def bulletin_excel(release: RedBlackList) -> bytes:
    """The workbook: 综合得分 with every first-level score, then one sheet per first-level indicator."""
    wb = Workbook()
    listed = _listed(release)
    scopes = release.scores["scopes"]
    rows = release.scores["rows"]
    used: set[str] = set()
    level1 = [s for s in scopes if s["code"] != TOTAL]
    for index, scope in enumerate(scopes):
        ws = wb.active if index == 0 else wb.create_sheet()
        ws.title = _sheet_title("综合得分" if scope["code"] == TOTAL else scope["name"], used)
        extra = level1 if scope["code"] == TOTAL else []
        headers = ["排名", "地区", "得分", "等级", "红黑榜", *[s["name"] for s in extra]]
        ws.cell(row=1, column=1, value=f"{release.title} · {scope['name']}").font = Font(bold=True, size=14)
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
        ws.cell(row=2, column=1, value=f"时期：{Period.parse(release.period).label}　状态：{release.get_status_display()}"
                                       f"　数据指纹：{release.fingerprint[:16]}…").font = Font(color="666666")
        for col, header in enumerate(headers, start=1):
            cell = ws.cell(row=3, column=col, value=header)
            cell.font, cell.fill = Font(bold=True, color="FFFFFF"), HEAD_FILL
            cell.alignment = Alignment(horizontal="center")
        ordered = sorted(rows, key=lambda r: (r["ranks"].get(scope["code"]) or 10**9, r["region"]))
        for i, row in enumerate(ordered, start=4):
            kind = listed.get((scope["code"], row["region"]))
            values = [row["ranks"].get(scope["code"]), row["region_name"], row["scores"].get(scope["code"]),
                      row["bands"].get(scope["code"]) or "—", {"red": "红榜", "black": "黑榜"}.get(kind, ""),
                      *[row["scores"].get(s["code"]) for s in extra]]
            for col, value in enumerate(values, start=1):
                cell = ws.cell(row=i, column=col, value=value)
                cell.border = Border(top=THIN, bottom=THIN, left=THIN, right=THIN)
                if isinstance(value, float):
                    cell.number_format = "0.00"
                if kind == "red":
                    cell.fill = RED_FILL
                elif kind == "black":
                    cell.fill = BLACK_FILL
        ws.freeze_panes = "C4"
        for col in range(1, len(headers) + 1):
            ws.column_dimensions[get_column_letter(col)].width = 12 if col != 2 else 16
    out = io.BytesIO()
    workbook_safe(wb)
    wb.save(out)
    return out.getvalue()


def composite_chart_png(release: RedBlackList) -> bytes | None:
    """A bar chart of composite scores (red/black list marked), or None when no CJK font exists."""
    path = cjk_font_path()
    if path is None:
        return None
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import font_manager
    from matplotlib.figure import Figure

    font = font_manager.FontProperties(fname=path)
    listed = _listed(release)
    rows = [r for r in release.scores["rows"] if r["scores"].get(TOTAL) is not None]
    rows.sort(key=lambda r: -r["scores"][TOTAL])
    colours = {"red": "#c00000", "black": "#333333"}
    figure = Figure(figsize=(7.2, 3.6), dpi=150)
    ax = figure.subplots()
    names = [r["region_name"] for r in rows]
    values = [r["scores"][TOTAL] for r in rows]
    bars = ax.bar(range(len(rows)), values,
                  color=[colours.get(listed.get((TOTAL, r["region"])), "#0f4c97") for r in rows])
    ax.set_xticks(range(len(rows)), names, fontproperties=font, rotation=30 if len(rows) > 8 else 0, ha="right"
                  if len(rows) > 8 else "center")
    ax.set_ylabel("综合得分", fontproperties=font)
    ax.set_title(f"{Period.parse(release.period).label}各地区营商环境综合得分", fontproperties=font)
    ax.set_ylim(0, 100)
    ax.bar_label(bars, labels=[f"{v:.1f}" for v in values], fontsize=7)
    ax.spines[["top", "right"]].set_visible(False)
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()


def _names(entries: list[dict]) -> str:
    return "、".join(e["region_name"] for e in entries) or "无"


def bulletin_context(release: RedBlackList) -> dict:
    """Everything the Word template shows, as plain text and rows (no document objects)."""
    period = Period.parse(release.period)
    overall = [e for e in release.entries if e["indicator"] == TOTAL]
    bands = {r["region"]: r["bands"].get(TOTAL, "") for r in release.scores["rows"]}

    def rows(kind: str) -> list[dict]:
        return [{"rank": e["rank"] or "—", "region_name": e["region_name"], "score": _fmt(e["score"]),
                 "band": bands.get(e["region"]) or "—"} for e in overall if e["list"] == kind]

    topics = []
    for scope in release.scores["scopes"]:
        if scope["code"] == TOTAL:
            continue
        mine = [e for e in release.entries if e["indicator"] == scope["code"]]
        topics.append({"indicator_name": scope["name"], "red": _names([e for e in mine if e["list"] == "red"]),
                       "black": _names([e for e in mine if e["list"] == "black"])})
    red, black = rows("red"), rows("black")
    ranked = [r for r in release.scores["rows"] if r["scores"].get(TOTAL) is not None]
    scores = [r["scores"][TOTAL] for r in ranked]
    intro = (f"根据{period.label}营商环境评价结果，按照“{release.system.name}”评价指标体系，对 {len(ranked)} 个县（市、区）"
             f"进行综合评价" + (f"，综合得分平均 {sum(scores) / len(scores):.2f} 分，最高 {max(scores):.2f} 分，"
                          f"最低 {min(scores):.2f} 分。" if scores else "。") + "现将红黑榜通报如下。")
    red_text = (f"列入红榜的是：{_names([e for e in overall if e['list'] == 'red'])}，"
                "予以通报表扬，请继续保持并总结推广经验做法。") if red else "本期综合得分无地区列入红榜。"
    black_text = (f"列入黑榜的是：{_names([e for e in overall if e['list'] == 'black'])}，"
                  "请对照指标短板认真分析原因，制定整改措施，限期整改。") if black else "本期综合得分无地区列入黑榜。"
    changes = release.changes or {}
    parts = []
    for item in changes.get("lists", []):
        if item["indicator"] != TOTAL:
            continue
        if item["entered"]:
            parts.append(f"新进入{item['list_label']}的有{'、'.join(item['entered'])}")
        if item["left"]:
            parts.append(f"退出{item['list_label']}的有{'、'.join(item['left'])}")
    moves = [m for m in changes.get("rank_moves", []) if m["delta"]]
    if moves:
        top = moves[0]
        parts.append(f"综合排名变化最大的是{top['region_name']}（第 {top['from']} 名 → 第 {top['to']} 名）")
    changes_text = ("与上期发布相比，" + "；".join(parts) + "。") if parts else (
        "与上期发布相比，红黑榜名单无变化。" if release.compared_with_id else "本期为首次发布红黑榜。")
    ranking_text = "综合得分排名：" + "，".join(
        f"{r['ranks'].get(TOTAL)}. {r['region_name']} {_fmt(r['scores'].get(TOTAL))}" for r in ranked) + "。"
    stamp = release.published_at or release.created_at
    day = timezone.localdate(stamp) if stamp else timezone.localdate()  # the office's day, not UTC's
    return {
        "issuer": ISSUER, "title": release.title, "period_label": period.label, "intro": intro,
        "red_text": red_text, "black_text": black_text, "changes_text": changes_text, "red": red, "black": black,
        "topics": topics, "ranking_text": ranking_text, "rules_text": rules_describe(release.rules),
        "fingerprint": release.fingerprint, "date_text": f"{day.year}年{day.month}月{day.day}日",
    }


def bulletin_word(release: RedBlackList) -> bytes:
    """The 公文-style Word bulletin rendered from the docxtpl template, with the composite score chart."""
    return docx_render(TEMPLATE, bulletin_context(release), images={"chart": composite_chart_png(release)})
