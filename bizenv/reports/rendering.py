"""Word and PDF renderers shared by every report: the CJK font for matplotlib charts, docxtpl rendering and
the LibreOffice conversion of a Word file to PDF."""

from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from bizenv.core.errors import ApplicationError

TEMPLATES = Path(__file__).resolve().parent / "templates"
CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Sans CJK", "Noto Serif CJK SC", "Source Han Sans SC", "WenQuanYi",
                "SimHei", "Microsoft YaHei")
PDF_TIMEOUT_SECONDS = 120
NO_FONT_TEXT = "（本机没有可用的中文字体，未绘制图表；请安装 fonts-noto-cjk）"
BLUE, ORANGE, RED, GREY = "#0f4c97", "#f9a825", "#c62828", "#9e9e9e"


@lru_cache(maxsize=1)
def cjk_font_path() -> str | None:
    """A CJK-capable font file known to matplotlib (Noto Sans CJK first), or None when there is none."""
    try:
        from matplotlib import font_manager
    except ImportError:
        return None
    fonts = font_manager.fontManager.ttflist
    for family in CJK_FAMILIES:
        for font in fonts:
            if font.name.startswith(family):
                return font.fname
    return None


def _figure(width: float = 7.2, height: float = 3.6):
    """A matplotlib figure (Agg, no pyplot state) and the CJK font, or (None, None) without a CJK font."""
    path = cjk_font_path()
    if path is None:
        return None, None
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import font_manager
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=150), font_manager.FontProperties(fname=path)


def _png(figure) -> bytes:
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()


def bar_chart_png(items: Sequence[tuple[str, float]], *, title: str, ylabel: str, highlight: str = "",
                  ylim: tuple[float, float] | None = (0, 100)) -> bytes | None:
    """Vertical bars in the given order (the highlighted name in orange), or None without a CJK font."""
    figure, font = _figure()
    if figure is None or not items:
        return None
    ax = figure.subplots()
    names = [n for n, _ in items]
    values = [v for _, v in items]
    bars = ax.bar(range(len(items)), values, color=[ORANGE if n == highlight else BLUE for n in names])
    rotate = len(items) > 8
    ax.set_xticks(range(len(items)), names, fontproperties=font, rotation=30 if rotate else 0,
                  ha="right" if rotate else "center")
    ax.set_ylabel(ylabel, fontproperties=font)
    ax.set_title(title, fontproperties=font)
    if ylim:
        ax.set_ylim(*ylim)
    ax.bar_label(bars, labels=[f"{v:.1f}" for v in values], fontsize=7)
    ax.spines[["top", "right"]].set_visible(False)
    return _png(figure)


def grouped_bar_png(categories: Sequence[str], series: Sequence[tuple[str, Sequence[float | None]]], *,
                    title: str, ylabel: str) -> bytes | None:
    """Side-by-side bars of several series per category (missing values left out), or None without a font."""
    figure, font = _figure()
    if figure is None or not categories:
        return None
    ax = figure.subplots()
    width = 0.8 / max(len(series), 1)
    colours = [BLUE, ORANGE, RED, GREY]
    for i, (name, values) in enumerate(series):
        xs = [x + (i - (len(series) - 1) / 2) * width for x in range(len(categories))]
        ax.bar(xs, [v if v is not None else 0 for v in values], width=width, label=name,
               color=colours[i % len(colours)])
    ax.set_xticks(range(len(categories)), [c[:10] for c in categories], fontproperties=font,
                  rotation=20 if len(categories) > 4 else 0, ha="right" if len(categories) > 4 else "center")
    ax.set_ylabel(ylabel, fontproperties=font)
    ax.set_ylim(0, 125)  # room above the bars for the legend
    ax.set_yticks(range(0, 101, 20))
    ax.set_title(title, fontproperties=font)
    ax.legend(prop=font, loc="upper right", ncol=len(series))
    ax.spines[["top", "right"]].set_visible(False)
    return _png(figure)


def line_chart_png(periods: Sequence[str], history: Sequence[float | None], *, title: str, ylabel: str,
                   forecast_periods: Sequence[str] = (), forecast: Sequence[float] = (),
                   lower: Sequence[float] = (), upper: Sequence[float] = ()) -> bytes | None:
    """History as a line and an optional forecast (dashed, with its interval shaded), or None without a font."""
    figure, font = _figure()
    if figure is None or not periods:
        return None
    ax = figure.subplots()
    labels = list(periods) + list(forecast_periods)
    xs = list(range(len(periods)))
    ax.plot(xs, [v if v is not None else float("nan") for v in history], color=BLUE, marker="o", markersize=3,
            label="历史值")
    if forecast:
        fx = list(range(len(periods) - 1, len(labels)))
        last = history[-1] if history and history[-1] is not None else forecast[0]
        ax.plot(fx, [last, *forecast], color=RED, linestyle="--", label="预测值")
        if lower and upper:
            ax.fill_between(fx[1:], list(lower), list(upper), color="#5aa1e3", alpha=0.3, label="预测区间")
    step = max(1, len(labels) // 12)
    ax.set_xticks(range(0, len(labels), step), labels[::step], rotation=30, ha="right", fontsize=7)
    ax.set_ylabel(ylabel, fontproperties=font)
    ax.set_title(title, fontproperties=font)
    ax.legend(prop=font, fontsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    return _png(figure)


def docx_render(template: Path, context: dict, *, images: dict[str, bytes | None] | None = None,
                image_width_cm: float = 15.5) -> bytes:
    """The docxtpl template rendered with the context; each image (PNG bytes) becomes an inline picture,
    or a note in its place when it could not be drawn."""
    from docx.shared import Cm
    from docxtpl import DocxTemplate, InlineImage

    document = DocxTemplate(str(template))
    context = dict(context)
    for name, png in (images or {}).items():
        context[name] = InlineImage(document, io.BytesIO(png), width=Cm(image_width_cm)) if png else NO_FONT_TEXT
    document.render(context, autoescape=True)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def soffice_path() -> str | None:
    """LibreOffice's command line, or None where it is not installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def docx_to_pdf(docx: bytes, *, timeout: int = PDF_TIMEOUT_SECONDS) -> bytes:
    """The Word file converted to PDF by LibreOffice headless in a temporary directory."""
    soffice = soffice_path()
    if soffice is None:
        raise ApplicationError("本机未安装 LibreOffice（Debian 软件包 libreoffice-writer-nogui），无法生成 PDF；"
                               "请下载 Word 版本，或请管理员安装后重试。")
    with tempfile.TemporaryDirectory(prefix="bizenv-pdf-") as tmp:
        source = Path(tmp) / "report.docx"
        source.write_bytes(docx)
        # A private profile directory: concurrent conversions must not share (and lock) one profile.
        profile = (Path(tmp) / "profile").as_uri()
        try:
            subprocess.run([soffice, f"-env:UserInstallation={profile}", "--headless", "--norestore",
                            "--convert-to", "pdf", "--outdir", tmp, str(source)],
                           check=True, capture_output=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise ApplicationError(f"LibreOffice 转换 PDF 超时（{timeout} 秒），请稍后重试或下载 Word 版本。") from None
        except subprocess.CalledProcessError as exc:
            detail = (exc.stderr or b"").decode("utf-8", "replace").strip()[:200]
            raise ApplicationError(f"LibreOffice 转换 PDF 失败：{detail or exc.returncode}") from None
        target = Path(tmp) / "report.pdf"
        if not target.exists():
            raise ApplicationError("LibreOffice 没有生成 PDF 文件，请下载 Word 版本。")
        return target.read_bytes()


def topic_report_charts(data) -> dict[str, bytes | None]:
    """The topic report's three charts (trend and forecast, sub-indicators against the best, peers) as PNG."""
    from bizenv.core.periods import Period

    label = Period.parse(data.period).label
    subs = [r for r in data.sub_rows if r.level == 2 and r.score is not None] or \
           [r for r in data.sub_rows if r.level > 1 and r.score is not None][:8]
    own = "各区县平均" if data.aggregate else data.region_name
    forecast = data.forecast
    return {
        "chart_trend": line_chart_png(
            data.history_periods, data.history, title=f"{data.region_name}“{data.topic_name}”"
            f"{'平均' if data.aggregate else ''}得分趋势" + ("与预测" if forecast else ""), ylabel="得分（分）",
            forecast_periods=forecast.periods if forecast else (), forecast=forecast.mean if forecast else (),
            lower=forecast.lower if forecast else (), upper=forecast.upper if forecast else ()),
        "chart_subs": grouped_bar_png(
            [r.name for r in subs],
            [(own, [r.score for r in subs]), ("最优地区", [r.best_region_score for r in subs])],
            title=f"{label}“{data.topic_name}”分项得分与最优地区对比", ylabel="得分（分）"),
        "chart_peers": bar_chart_png(
            [(p.name, p.score) for p in data.peers if p.score is not None],
            title=f"{label}各地区“{data.topic_name}”得分", ylabel="得分（分）", highlight=data.region_name),
    }


def topic_report_word(data) -> bytes:
    """The topic report (专题研判报告) as a Word file rendered from templates/topic_report.docx."""
    from bizenv.reports.topic import topic_report_context

    return docx_render(TEMPLATES / "topic_report.docx", topic_report_context(data),
                       images=topic_report_charts(data))
