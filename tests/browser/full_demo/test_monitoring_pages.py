"""监测预警 in Chromium on the full demo: the office filters the warning map and list, the county signs a warning and
reports a measure with real Word and PDF evidence, the office reviews it and 销号 a warning that has cleared.

Unlike the other tests of this package these write. They act only on warnings they pick themselves (an open
warning of the county without measures, a warning of another county that has cleared), so the demo's own
examples (the acknowledged and rectifying warnings, the measures waiting for review) stay as they are.
"""

import io
import re

import pytest
from playwright.sync_api import expect

from bizenv.demo.regions import DEMO_PASSWORD

pytestmark = pytest.mark.browser

ACTIVE = ("open", "acknowledged", "rectifying")


@pytest.fixture
def media_root(settings, tmp_path):
    """Uploads of these tests go to a temporary folder (the live server runs in this process)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def county_region():
    from bizenv.organisations.models import RoleGrant

    return RoleGrant.objects.filter(user__username="county").select_related("region").get().region


def open_warning_of_county(*, with_unit: bool):
    """An open warning of the county's region that no one has acted on (the demo's examples are left alone)."""
    from bizenv.monitoring.models import Warning

    candidates = (Warning.objects.filter(region=county_region(), status="open", measures__isnull=True)
                  .exclude(kind="missing_report").order_by("id"))
    if not with_unit:
        return candidates.last()
    # A compared figure with a unit (a score in 分, a time in 工作日), the ranking and gap rules first.
    figured = [w for w in candidates if (w.facts or {}).get("unit") not in (None, "", "%")
               and isinstance((w.facts or {}).get("own"), (int, float))]
    return min(figured, key=lambda w: (w.kind not in ("lag_best", "bottom_rank", "threshold"), w.pk))


def rows(page) -> list[list[str]]:
    """The cells of the warning list (an empty list when it says there is none)."""
    out = []
    for row in page.locator("#warning-table tbody tr").all():
        cells = [c.strip() for c in row.locator("td").all_inner_texts()]
        if len(cells) > 1:
            out.append(cells)
    return out


def swap(s, change) -> None:
    """Do `change` (a filter or a page link) and wait until htmx has replaced the results and drawn the map."""
    s.page.evaluate("() => { window.oldResults = document.getElementById('monitoring-results'); }")
    change()
    s.page.wait_for_function("() => !window.oldResults.isConnected && document.getElementById('monitoring-results')")
    s.wait_for_charts()


def docx_bytes(title: str, text: str) -> bytes:
    from docx import Document

    document = Document()
    document.add_heading(title, level=1)
    document.add_paragraph(text)
    table = document.add_table(rows=2, cols=2)
    table.rows[0].cells[0].text, table.rows[0].cells[1].text = "责任单位", "区税务局"
    table.rows[1].cells[0].text, table.rows[1].cells[1].text = "完成时限", "2027年3月底"
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def pdf_bytes() -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    figure = Figure(figsize=(5, 3))
    axes = figure.add_subplot()
    axes.bar(["before", "after"], [8.2, 4.1], color=["#c23531", "#2f7ed8"])
    axes.set_title("working days")
    out = io.BytesIO()
    figure.savefig(out, format="pdf")
    return out.getvalue()


def csrf_token(s) -> str:
    return s.page.locator("input[name=csrfmiddlewaretoken]").first.get_attribute("value")


# ------------------------------------------------------------------------------------------ the office's list


def test_office_filters_the_warning_map_and_list(full_demo, browser_session):
    s = browser_session()
    s.login("office", DEMO_PASSWORD)
    s.goto("/monitoring/")
    assert s.page.locator("h1").inner_text() == "监测预警"
    assert s.wait_for_charts() == 1  # the map
    assert s.empty_charts() == []
    assert rows(s.page), "the list opens on the warnings still to be dealt with"
    # 整改成效: the demo's rectified warnings are summed up.
    assert re.search(r"共 \d+ 条预警已上报整改举措", s.page.locator("#effects-summary").inner_text())
    assert s.errors == []

    # A click on a warned county of the map lists that county's warnings (the point from ECharts' projection).
    s.page.locator("[data-chart=chart-warning-map]").scroll_into_view_if_needed()
    code, name, count, x, y = s.page.evaluate("""async () => {
        const el = document.querySelector('[data-chart=chart-warning-map]');
        const chart = echarts.getInstanceByDom(el);
        const warned = chart.getOption().series[0].data.filter(d => d.value > 0);
        const geo = await (await fetch(el.dataset.mapUrl)).json();
        const item = warned[0];
        const feature = geo.features.find(f => f.properties.code === item.key);
        const point = chart.convertToPixel({seriesIndex: 0}, feature.properties.cp);
        const box = el.getBoundingClientRect();
        return [item.key, item.name, item.value, box.left + point[0], box.top + point[1] + 12];
    }""")
    s.page.mouse.click(x, y)
    s.page.wait_for_url(re.compile(rf"/monitoring/\?(.*&)?region={code}(&|$)"))
    s.page.wait_for_load_state("networkidle")
    s.wait_for_charts()
    assert s.page.locator("#id_region").input_value() == code
    listed = rows(s.page)
    assert listed and {r[0] for r in listed} == {name}, listed
    assert f"共 {count} 条" in s.page.locator("#warning-list .card-title").inner_text()

    # 所属地区 back to every region, then 预警等级 黄色: htmx swaps the results and the URL keeps the query.
    swap(s, lambda: s.page.select_option("#id_region", ""))
    assert len({r[0] for r in rows(s.page)}) > 1
    swap(s, lambda: s.page.select_option("#id_severity", label="黄色"))
    assert "severity=yellow" in s.page.url and f"region={code}" not in s.page.url
    assert {r[3] for r in rows(s.page)} == {"黄色"}
    # The page links keep the filters, in their href (the fallback without htmx) as in the htmx request.
    next_page = s.page.locator("#warning-list a", has_text="下一页")
    assert "severity=yellow" in next_page.get_attribute("href")
    swap(s, next_page.click)
    assert "severity=yellow" in s.page.url and "page=2" in s.page.url
    assert "第 2 页" in s.page.locator("#warning-list").inner_text()
    assert {r[3] for r in rows(s.page)} == {"黄色"}

    # 红色, then the 规则类型 of the first red warning: every row matches both.
    swap(s, lambda: s.page.select_option("#id_severity", label="红色"))
    assert "page=2" not in s.page.url
    red = rows(s.page)
    assert red and {r[3] for r in red} == {"红色"}
    kind = red[0][2]
    swap(s, lambda: s.page.select_option("#id_kind", label=kind))
    filtered = rows(s.page)
    assert filtered and {(r[2], r[3]) for r in filtered} == {(kind, "红色")}
    assert "severity=red" in s.page.url and "kind=" in s.page.url
    # The pushed address is a page of its own: reloaded, it shows the same filters and rows.
    s.page.reload()
    s.page.wait_for_load_state("networkidle")
    assert s.page.locator("#id_severity").input_value() == "red"
    assert s.page.locator("#id_kind option:checked").inner_text() == kind
    assert rows(s.page) == filtered
    s.wait_for_charts()
    assert s.errors == []


# ------------------------------------------------------------------- the county reports, the office reviews


def test_county_signs_and_rectifies_a_warning_then_the_office_reviews_it(
        full_demo, browser_session, media_root, tmp_path):
    from bizenv.monitoring.models import Notification, RectificationMeasure, Warning

    warning = open_warning_of_county(with_unit=True)
    region = warning.region.name
    unit, own = warning.facts["unit"], warning.facts["own"]
    county = browser_session()
    county.login("county", DEMO_PASSWORD)
    county.goto(f"/monitoring/warnings/{warning.pk}/")
    page = county.page
    expect(page.locator("#warning-status")).to_have_text("待签收")
    county.wait_for_charts()
    assert county.empty_charts() == []

    # 预警说明 and its figures agree: the region and the region's figure with its unit in both.
    sentence = page.locator("#explanation .explanation").inner_text()
    figures = dict(zip(page.locator("#facts-table th").all_inner_texts(),
                       page.locator("#facts-table td").all_inner_texts(), strict=True))
    assert region in sentence and figures["地区"] == region
    assert figures["指标"] == warning.indicator_name and warning.indicator_name in sentence
    shown = figures["本地区"]
    assert shown.endswith(unit), figures
    assert abs(float(re.search(r"-?\d[\d,]*(\.\d+)?", shown).group().replace(",", "")) - own) < 0.006, (shown, own)
    assert shown.replace(" ", "") in sentence.replace(" ", ""), (shown, sentence)

    # 签收
    page.get_by_role("button", name="签收").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator("#warning-status")).to_have_text("已签收")
    expect(page.locator(".messages")).to_contain_text("已签收该预警")
    assert page.get_by_role("button", name="签收").count() == 0

    # 整改举措: a method, a description (the counter follows the typing) and two evidence files.
    title = f"{warning.indicator_name}整改方案"
    text = f"{region}压减{warning.indicator_name}办理环节，推行一网通办，每月通报进度。"
    docx = tmp_path / f"{title}.docx"
    docx.write_bytes(docx_bytes(title, text))
    pdf = tmp_path / "整改前后对比.pdf"
    pdf.write_bytes(pdf_bytes())
    description = f"针对“{warning.indicator_name}”预警：{text}"
    form = page.locator("#measure-form")
    form.locator("#id_method").select_option(label="流程再造")
    form.locator("#id_description").press_sequentially(description[:10])
    expect(page.locator("#measure-description-count")).to_have_text("已输入 10 字，最多 2000 字")
    form.locator("#id_description").fill(description)
    expect(page.locator("#measure-description-count")).to_have_text(f"已输入 {len(description)} 字，最多 2000 字")
    form.locator("#id_files").set_input_files([docx, pdf])
    form.get_by_role("button", name="保存").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator(".messages")).to_contain_text("整改举措已上报（佐证材料 2 份）")
    expect(page.locator("#warning-status")).to_have_text("整改中")
    measure = RectificationMeasure.objects.get(warning=warning)
    block = page.locator(f"#measure-{measure.pk}")
    expect(block).to_contain_text("流程再造")
    expect(block).to_contain_text("待审核")
    expect(block.locator(".desc")).to_have_text(description)
    expect(block.locator(".evidence-list li")).to_have_count(2)
    expect(block.locator(".evidence-list")).to_contain_text(docx.name)
    expect(block.locator(".evidence-list")).to_contain_text(pdf.name)
    county.wait_for_charts()

    # 查看 the PDF: the browser shows it inline, never sniffing another type.
    pdf_item = block.locator(".evidence-list li", has_text=pdf.name)
    view = county.context.request.get(county.base_url + pdf_item.get_by_role("link", name="查看").get_attribute("href"))
    assert view.status == 200
    assert view.headers["content-type"] == "application/pdf"
    assert view.headers["content-disposition"].startswith("inline;")
    assert view.headers["x-content-type-options"] == "nosniff"
    assert view.body() == pdf.read_bytes()
    # 查看 the Word file: a page of the site with the document's text and table.
    docx_item = block.locator(".evidence-list li", has_text=docx.name)
    with county.context.expect_page() as opened:
        docx_item.get_by_role("link", name="查看").click()
    preview = opened.value
    preview.wait_for_load_state("networkidle")
    assert docx.name in preview.locator("h1").inner_text()
    document_text = preview.locator(".doc-preview").inner_text()
    assert all(part in document_text for part in (title, text, "区税务局", "2027年3月底")), document_text
    preview.close()
    # 下载 gives back the very files, as attachments.
    for item, path in ((pdf_item, pdf), (docx_item, docx)):
        with page.expect_download() as download:
            item.get_by_role("link", name="下载").click()
        assert download.value.suggested_filename == path.name
        with open(download.value.path(), "rb") as saved:
            assert saved.read() == path.read_bytes()
        answer = county.context.request.get(county.base_url + item.get_by_role("link", name="下载").get_attribute("href"))
        assert answer.headers["content-disposition"].startswith("attachment;")
    assert county.errors == []

    # The office: the bell counts its unread messages, the submission among them.
    office = browser_session()
    office.login("office", DEMO_PASSWORD)
    unread = Notification.objects.filter(recipient__username="office", read_at=None).count()
    assert unread >= 1
    expect(office.page.locator(".user-inbox")).to_have_text(f"消息 {unread}")
    office.page.locator(".user-inbox").click()
    office.page.wait_for_load_state("networkidle")
    expect(office.page.locator("#inbox-table .inbox-unread").first).to_be_visible()
    expect(office.page.locator("#inbox-table")).to_contain_text(f"待审核整改举措：{region} · {warning.indicator_name}")

    # 整改举措审核 lists the measure; 去审核 opens it on the warning's page.
    office.goto("/monitoring/")
    office.page.get_by_role("link", name="整改举措审核").click()
    office.page.wait_for_load_state("networkidle")
    row = office.page.locator("#review-table tbody tr", has_text=description[:20])
    expect(row).to_contain_text(region)
    expect(row).to_contain_text("流程再造")
    expect(row).to_contain_text("2 份")
    row.get_by_role("link", name="去审核").click()
    office.page.wait_for_url(re.compile(rf"/monitoring/warnings/{warning.pk}/#measure-{measure.pk}$"))
    office.page.wait_for_load_state("networkidle")
    review = office.page.locator(f"#measure-{measure.pk}")

    # 要求补充 without a comment is refused, in Chinese, and nothing changes.
    review.get_by_role("radio", name="要求补充").check()
    review.get_by_role("button", name="提交审核").click()
    office.page.wait_for_load_state("networkidle")
    review = office.page.locator(f"#measure-{measure.pk}")
    expect(review.locator(".field-errors")).to_contain_text("要求补充时必须填写审核意见")
    measure.refresh_from_db()
    assert measure.status == "submitted"
    office.errors.clear()  # the refused form answers 400, which the browser logs

    # 通过 with a comment.
    review.get_by_role("radio", name="通过").check()
    review.locator("textarea").fill("举措具体，佐证材料齐全，请按时限推进。")
    review.get_by_role("button", name="提交审核").click()
    office.page.wait_for_load_state("networkidle")
    review = office.page.locator(f"#measure-{measure.pk}")
    expect(office.page.locator(".messages")).to_contain_text("已审核通过该整改举措")
    expect(review.locator(".badge")).to_have_text("审核通过")
    expect(review).to_contain_text("审核意见：举措具体，佐证材料齐全，请按时限推进。")
    expect(review.get_by_role("button", name="提交审核")).to_have_count(0)

    # 销号 while the condition persists: the button is disabled, and a forced request is refused with the reason.
    resolve = office.page.locator("#resolve-box")
    expect(resolve.get_by_role("button", name="销号")).to_be_disabled()
    expect(resolve).to_contain_text("预警条件仍然存在，条件消除后才能销号")
    forced = office.page.request.post(office.base_url + f"/monitoring/warnings/{warning.pk}/resolve/",
                                      form={"csrfmiddlewaretoken": csrf_token(office)})
    assert forced.status == 200  # back on the warning's page, with the refusal
    assert "预警条件仍然存在，条件消除后才能销号" in forced.text()
    assert Warning.objects.get(pk=warning.pk).status == "rectifying"
    assert office.errors == []

    # The county is told of the review.
    county.goto("/monitoring/inbox/")
    expect(county.page.locator("#inbox-table")).to_contain_text(f"整改举措审核通过：{region} · {warning.indicator_name}")
    assert county.errors == []


def test_county_upload_of_a_renamed_executable_is_refused(full_demo, browser_session, media_root, tmp_path):
    from bizenv.monitoring.models import RectificationMeasure

    warning = open_warning_of_county(with_unit=False)
    before = RectificationMeasure.objects.filter(warning=warning).count()
    fake = tmp_path / "整改说明.pdf"
    fake.write_bytes(b"MZ" + bytes(4094))
    s = browser_session()
    s.login("county", DEMO_PASSWORD)
    s.goto(f"/monitoring/warnings/{warning.pk}/")
    shown_before = s.page.locator("#measures .measure").count()
    form = s.page.locator("#measure-form")
    form.locator("#id_method").select_option(label="制度完善")
    form.locator("#id_description").fill("修订办事指南并公开。")
    form.locator("#id_files").set_input_files(fake)
    form.get_by_role("button", name="保存").click()
    s.page.wait_for_load_state("networkidle")
    errors = s.page.locator("#files-errors")
    expect(errors).to_contain_text("文件“整改说明.pdf”的内容是可执行程序，不是 PDF")
    expect(errors).to_contain_text("已拒绝上传")
    # Nothing was saved: the form keeps what was typed, no measure is listed, the warning is still open.
    assert s.page.locator("#id_description").input_value() == "修订办事指南并公开。"
    assert s.page.locator("#measures .measure").count() == shown_before
    assert RectificationMeasure.objects.filter(warning=warning).count() == before
    expect(s.page.locator("#warning-status")).to_have_text("待签收")
    assert not media_root.exists() or not [f for f in media_root.rglob("*") if f.is_file()]
    s.errors.clear()  # the refused form answers 400, which the browser logs


# ------------------------------------------------------------------------------------------------ 销号


def test_office_resolves_a_warning_whose_condition_has_cleared_once(full_demo, browser_session):
    from bizenv.monitoring.models import Warning

    cleared = (Warning.objects.filter(status__in=ACTIVE, cleared_periods__gte=1).exclude(region=county_region())
               .order_by("id").first())
    if cleared is None:
        # The demo's data decide whether a warning has cleared by now; without one, one is made to have cleared
        # for a period (as the next monitoring run would record it).
        cleared = (Warning.objects.filter(status="open").exclude(region=county_region()).order_by("id").first())
        Warning.objects.filter(pk=cleared.pk).update(cleared_periods=1)
    s = browser_session()
    s.login("office", DEMO_PASSWORD)
    s.goto(f"/monitoring/warnings/{cleared.pk}/")
    box = s.page.locator("#resolve-box")
    expect(box).to_contain_text("可以销号")
    token = csrf_token(s)
    box.get_by_role("button", name="销号").click()
    s.page.wait_for_load_state("networkidle")
    expect(s.page.locator(".messages")).to_contain_text("预警已销号")
    expect(s.page.locator("#warning-status")).to_have_text("已销号")
    expect(s.page.locator("#resolve-box")).to_have_count(0)
    assert Warning.objects.get(pk=cleared.pk).status == "resolved"

    # A second 销号 (a stale tab, a double click) is refused in Chinese and changes nothing.
    again = s.page.request.post(s.base_url + f"/monitoring/warnings/{cleared.pk}/resolve/",
                                form={"csrfmiddlewaretoken": token})
    assert again.status == 200
    assert "当前为“已销号”，不能销号" in again.text()
    s.goto(f"/monitoring/warnings/{cleared.pk}/")
    expect(s.page.locator("#warning-status")).to_have_text("已销号")
    s.wait_for_charts()
    assert s.errors == []


# ---------------------------------------------------------------------------------------- another county


def test_county_cannot_open_another_countys_warning(full_demo, browser_session):
    from bizenv.monitoring.models import Warning

    other = Warning.objects.exclude(region=county_region()).filter(status="open").order_by("id").first()
    s = browser_session()
    s.login("county", DEMO_PASSWORD)
    response = s.goto(f"/monitoring/warnings/{other.pk}/")
    assert response.status == 404
    main = s.page.locator("main").inner_text()
    assert "没有这条预警，或它不在您的查看范围内" in main
    assert "Not Found" not in s.page.content()
    # Nor act on it, nor list it.
    assert s.goto("/monitoring/").status == 200
    assert other.region.name not in {r[0] for r in rows(s.page)}
    forced = s.page.request.post(s.base_url + f"/monitoring/warnings/{other.pk}/acknowledge/",
                                 form={"csrfmiddlewaretoken": csrf_token(s)})
    assert forced.status == 404
    assert Warning.objects.get(pk=other.pk).status == "open"
    s.errors.clear()  # the browser logs the 404 answers themselves
