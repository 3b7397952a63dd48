"""Word and PDF helpers shared by every app's documents (红黑榜 bulletins, topic reports, and the reports of
the apps to come): the CJK font for matplotlib charts and chart PNGs, docxtpl rendering, the LibreOffice
conversion to PDF, and the 公文 styling helpers that build the .docx templates."""

from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from bizenv.core.charts import GOLD as ORANGE
from bizenv.core.charts import NEUTRAL as BLUE
from bizenv.core.charts import UP as RED
from bizenv.core.errors import ApplicationError

CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Sans CJK", "Noto Serif CJK SC", "Source Han Sans SC", "WenQuanYi",
                "SimHei", "Microsoft YaHei")
PDF_TIMEOUT_SECONDS = 120
NO_FONT_TEXT = "（本机没有可用的中文字体，未绘制图表；请安装 fonts-noto-cjk）"
GREY = "#9e9e9e"


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



# ------------------------------------------------------------------------------- 公文 template helpers

GONGWEN_RED = RGBColor(0xC0, 0x00, 0x00)
TITLE_FONT = "方正小标宋简体"  # the 公文 title face; Word falls back to 宋体 where it is missing
BODY_FONT = "仿宋_GB2312"
SERIF = "宋体"


def run_fonts(run, east_asian: str, size: float, *, bold: bool = False, color: RGBColor | None = None) -> None:
    """A run in the given East Asian face and size (Latin text in SimSun)."""
    run.font.name = "SimSun"
    run.font.size = Pt(size)
    run.font.bold = bold
    if color is not None:
        run.font.color.rgb = color
    fonts = run._element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), east_asian)


def paragraph(doc, text: str, *, font: str = BODY_FONT, size: float = 16, bold: bool = False,
              align=WD_ALIGN_PARAGRAPH.LEFT, color: RGBColor | None = None, indent: bool = False):
    """A paragraph of one run; `indent` indents the first line by two characters, as 公文 body text does."""
    p = doc.add_paragraph()
    p.alignment = align
    p.paragraph_format.space_after = Pt(4)
    if indent:
        p.paragraph_format.first_line_indent = Pt(size * 2)
    run_fonts(p.add_run(text), font, size, bold=bold, color=color)
    return p


def red_rule(paragraph) -> None:
    """The red rule under a 公文 issuer line."""
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "18"), ("w:space", "4"), ("w:color", "C00000")):
        bottom.set(qn(key), value)
    borders.append(bottom)
    paragraph._p.get_or_add_pPr().append(borders)


def loop_table(doc, headers: list[str], cells: list[str], loop: str) -> None:
    """A table with a header row and one docxtpl row repeated for each `e` in the template variable `loop`."""
    table = doc.add_table(rows=4, cols=len(headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for i, header in enumerate(headers):
        cell = table.rows[0].cells[i]
        cell.text = ""
        run_fonts(cell.paragraphs[0].add_run(header), "黑体", 12, bold=True)
        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    table.rows[1].cells[0].text = "{%tr for e in " + loop + " %}"
    for i, text in enumerate(cells):
        cell = table.rows[2].cells[i]
        cell.text = ""
        run_fonts(cell.paragraphs[0].add_run(text), SERIF, 12)
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

    header = paragraph(doc, "{{ issuer }}", font=TITLE_FONT, size=26, color=GONGWEN_RED,
                       align=WD_ALIGN_PARAGRAPH.CENTER)
    red_rule(header)
    paragraph(doc, "{{ title }}", font=TITLE_FONT, size=22, align=WD_ALIGN_PARAGRAPH.CENTER)
    return doc
