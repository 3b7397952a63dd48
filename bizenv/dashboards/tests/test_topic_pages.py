"""Topic pages (专题): tabs, county drill-down, 对比分析, 自查自评 and the 研判报告 in Word and PDF, region-scoped."""

from __future__ import annotations

import io
import json
import re
import shutil

import pytest
from django.urls import reverse
from docx import Document

from bizenv.analysis.services import benchmarks_load_shipped
from bizenv.core import documents
from bizenv.core.periods import Period
from bizenv.dashboards.tests.factories import make_warning
from bizenv.datasets.models import StepStatistic
from bizenv.indicators.selectors import active_version
from bizenv.monitoring.models import WarningStatus
from bizenv.observations.models import Observation, ObservationSource, ObservationStatus
from tests.conftest import make_world

from .test_topic_bottlenecks import _load_systems

pytestmark = pytest.mark.django_db

TOPIC = "/topics/starting_business/"
PERIOD = "2026-10"
MONTHS = [str(Period.parse(PERIOD).shift(i - 13)) for i in range(14)]


@pytest.fixture
def world():
    world = make_world()
    _load_systems()
    benchmarks_load_shipped(actor=None)
    version = active_version()
    leaves = [i for i in version.indicators.filter(code__startswith="starting_business.")
              if not version.indicators.filter(parent=i).exists()]
    rows = []
    # 东城区 is close to the best values and improving; 北山县 halfway and getting worse.
    for region, share, trend in ((world.county_a, 0.1, -0.01), (world.county_b, 0.5, 0.01)):
        for t, period in enumerate(MONTHS):
            for leaf in leaves:
                position = min(max(share + trend * t, 0.0), 1.0)
                value = leaf.best + (leaf.worst - leaf.best) * position
                rows.append(Observation(system_version=version, indicator=leaf, region=region, period=period,
                                        value=value, source=ObservationSource.REPORT,
                                        status=ObservationStatus.APPROVED))
        StepStatistic.objects.create(process="business_registrations", region=region, period=PERIOD, step_no=1,
                                     step_name="设立登记", cases=120, mean_days=1.5, p90_days=3,
                                     share_over_limit=0.2)
    Observation.objects.bulk_create(rows)
    return world


def chart(html: str, element_id: str) -> dict:
    found = re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>', html, re.S)
    assert found, f"没有图表 {element_id}"
    return json.loads(found.group(1))


def get(client, path: str, **params) -> str:
    response = client.get(path, {"period": PERIOD, **params})
    assert response.status_code == 200, response.content[:500]
    return response.content.decode()


def topic_warnings(html: str) -> list[str]:
    """The rows of the 预警 panel of the 概览 tab as the text a user reads, cell by cell."""
    panel = re.search(r'<div class="card" id="topic-warnings">(.*?)</div>\s*(?:</div>\s*)?<div class="grid grid-2">',
                      html, re.S).group(1)
    assert "<h2>预警</h2>" in panel
    if "暂无预警" in panel:
        return []
    rows = re.findall(r"<tr>(.*?)</tr>", panel.split("<tbody>")[1], re.S)
    return [" | ".join(re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S))
            for row in rows]


def test_overview_lists_the_active_warnings_of_the_topic_for_the_regions_shown(world):
    north = make_warning(world.county_b, severity="red", first_period="2026-09", last_period="2026-10",
                         explanation="“企业设立登记耗时”2026年10月北山县为12个工作日，高于预警线10个工作日。")
    east = make_warning(world.county_a, severity="yellow", kind="bottom_rank", indicator_code="starting_business",
                        indicator_name="开办企业", explanation="“开办企业”2026年10月东城区得分排名倒数第1位。")
    make_warning(world.county_b, indicator_code="paying_taxes.time", indicator_name="纳税时间",
                 level1_code="paying_taxes", explanation="“纳税时间”北山县高于预警线。")  # another topic
    make_warning(world.county_a, severity="orange", status=WarningStatus.RESOLVED,
                 explanation="东城区已销号的预警。")
    make_warning(world.county_a, severity="orange", indicator_code="starting_business.time.change",
                 indicator_name="变更登记耗时", first_period="2026-05", last_period="2026-06",
                 explanation="“变更登记耗时”东城区6月的预警。")  # still open, last raised before October

    html = get(world.client("office"), TOPIC)

    assert topic_warnings(html) == [
        "红色 | 北山县 | 企业设立登记耗时 | 超出预警线 | 2026年9月至2026年10月 | 待签收 | "
        "“企业设立登记耗时”2026年10月北山县为12个工作日，高于预警线10个工作日。",
        "橙色 | 东城区 | 变更登记耗时 | 超出预警线 | 2026年5月至2026年6月 | 待签收 | “变更登记耗时”东城区6月的预警。",
        "黄色 | 东城区 | 开办企业 | 排名末位 | 2026年10月 | 待签收 | “开办企业”2026年10月东城区得分排名倒数第1位。",
    ]
    assert f'href="{reverse("monitoring:warning", args=[north.pk])}"' in html
    assert f'href="{reverse("monitoring:warning", args=[east.pk])}"' in html
    assert f'href="{reverse("monitoring:index")}?indicator=starting_business&amp;region=990100"' in html
    # One county chosen: its warnings only, whichever month is shown.
    assert [row.split(" | ")[1] for row in topic_warnings(get(world.client("office"), TOPIC, region="990101"))] \
        == ["东城区", "东城区"]
    june = topic_warnings(get(world.client("office"), TOPIC, period="2026-06", region="990101"))
    assert [row.split(" | ")[2] for row in june] == ["变更登记耗时", "开办企业"]  # orange before yellow
    # A county user sees its own county's warnings whatever region it asks for.
    county = get(world.client("county"), TOPIC)
    assert [row.split(" | ")[1] for row in topic_warnings(county)] == ["东城区", "东城区"] and "北山县" not in county
    # The other topic lists its own warning; a topic without any says so.
    taxes = topic_warnings(get(world.client("office"), "/topics/paying_taxes/"))
    assert len(taxes) == 1 and taxes[0].startswith("红色 | 北山县 | 纳税时间")
    assert topic_warnings(get(world.client("office"), "/topics/getting_water/")) == []
    assert "暂无预警" in get(world.client("office"), "/topics/getting_water/")


def test_overview_has_tabs_selectors_county_bars_that_drill_down_and_links_to_indicators_and_records(world):
    office = world.client("office")
    html = get(office, TOPIC)
    for label in ("概览", "对比分析", "自查自评", "研判报告"):
        assert f">{label}</a>" in html
    assert 'hx-get="/topics/starting_business/compare/?region=990100&amp;period=2026-10"' in html
    assert 'name="region"' in html and 'name="year"' in html and 'name="month"' in html
    bars = chart(html, "chart-topic-peers")
    assert {d["key"] for d in bars["series"][0]["data"]} == {"990101", "990102"}
    assert bars["yAxis"]["data"][-1] == "东城区"  # the best county on top
    assert 'data-click-url="/topics/starting_business/?region=__KEY__&amp;period=2026-10"' in html
    assert 'href="/indicator/starting_business.time.establishment/?region=990100' in html
    assert "/data/records/business_registrations/?month=2026-10&amp;region=990102" in html

    county = get(office, TOPIC, region="990102")
    assert "北山县 · 2026年10月" in county and "排名" in county
    assert "/data/records/business_registrations/?month=2026-10&amp;region=990102" in county


def test_compare_tab_puts_the_county_against_the_best_region_and_best_practice(world):
    html = get(world.client("office"), TOPIC + "compare/", region="990102")
    assert "与最优地区、最佳实践城市对比" in html and "东城区" in html
    assert "银川、杭州、深圳、西安" in html  # seed 002 best-practice cities
    assert "chart-topic-compare-peers" in html and "各区县分项得分" in html
    city = get(world.client("office"), TOPIC + "compare/")
    assert "各区县平均" in city


def test_self_assessment_tab_shows_yoy_pop_strengths_and_forecast(world):
    html = get(world.client("office"), TOPIC + "self-assessment/", region="990102")
    assert "同比明细（2026-10 对比 2025-10）" in html and "环比明细（2026-10 对比 2026-09）" in html
    assert "短板（同比退步最多的指标）" in html and "企业设立登记耗时" in html
    forecast = chart(html, "chart-topic-forecast")
    assert forecast["xAxis"]["data"][-1] > PERIOD
    assert "开办企业耗时" in chart(html, "yoy")["xAxis"]["data"]
    city = get(world.client("office"), TOPIC + "self-assessment/")
    assert "各区县同比、环比" in city and chart(city, "chart-topic-yoy")["series"][0]["data"]


def test_htmx_tab_request_gets_the_page_body_alone(world):
    response = world.client("office").get(TOPIC + "compare/", {"period": PERIOD}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200 and body.startswith('<div id="topic-body"') and "<html" not in body


def test_report_tab_offers_word_and_pdf_or_explains_why_not(world, monkeypatch):
    html = get(world.client("office"), TOPIC, tab="report", region="990102")
    assert "下载 Word 报告" in html and "/topics/starting_business/report.docx?region=990102" in html
    assert "北山县“开办企业”得分" in html
    monkeypatch.setattr(documents.shutil, "which", lambda _name: None)
    html = get(world.client("office"), TOPIC, tab="report", region="990102")
    assert "btn-disabled" in html and "未安装 LibreOffice" in html
    response = world.client("office").get(TOPIC + "report.pdf", {"period": PERIOD, "region": "990102"})
    assert response.status_code == 503 and "未安装 LibreOffice" in response.content.decode()


def test_word_report_names_region_topic_and_period_and_a_city_report_speaks_of_its_counties(world):
    response = world.client("office").get(TOPIC + "report.docx", {"region": "990102", "period": PERIOD})
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    doc = Document(io.BytesIO(response.content))
    text = "\n".join(p.text for p in doc.paragraphs)
    cells = "\n".join(c.text for t in doc.tables for row in t.rows for c in row.cells)
    assert "北山县" in text and "开办企业" in text and "2026年10月" in text
    assert "在 2 个参评地区中排名第 2 位" in text and "数据完整度 100%。" in text
    assert "企业设立登记耗时" in cells and "设立登记" in cells
    assert len(doc.inline_shapes) == 3

    response = world.client("leader").get(TOPIC + "report.docx", {"period": PERIOD})
    text = "\n".join(p.text for p in Document(io.BytesIO(response.content)).paragraphs)
    assert "示范市所辖 2 个县（市、区）“开办企业”平均得分" in text


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice 未安装")
def test_pdf_report_is_converted_by_libreoffice(world):
    response = world.client("office").get(TOPIC + "report.pdf", {"region": "990102", "period": PERIOD})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_county_user_sees_its_own_county_only(world):
    county = world.client("county")
    html = get(county, TOPIC)
    assert "东城区 · 2026年10月" in html and "北山县" not in html
    assert "共 2 个参评地区" in html  # ranked among every peer, as the published evaluation ranks it
    for path in (TOPIC, TOPIC + "compare/", TOPIC + "self-assessment/", TOPIC + "report.docx"):
        assert county.get(path, {"period": PERIOD, "region": "990102"}).status_code == 404
    assert world.client("sysadmin").get(TOPIC).status_code == 403


def test_a_partial_month_shows_its_completeness_and_warns(world):
    version = active_version()
    leaves = sorted((i for i in version.indicators.filter(code__startswith="starting_business.")
                     if not version.indicators.filter(parent=i).exists()), key=lambda i: i.code)
    later = str(Period.parse(PERIOD).shift(1))
    Observation.objects.bulk_create([
        Observation(system_version=version, indicator=leaf, region=region, period=later, value=leaf.best,
                    source=ObservationSource.REPORT, status=ObservationStatus.APPROVED)
        for region in (world.county_a, world.county_b) for leaf in leaves[:1]])
    from bizenv.evaluation.services import evaluation_run_create
    evaluation_run_create(actor=world.users["office"], system_version=version, period=later)
    html = world.client("office").get(TOPIC, {"region": world.county_a.code, "period": later}).content.decode()
    completeness = re.search(r"数据完整度 (\d+)%", html)
    assert completeness and int(completeness.group(1)) < 80
    assert "数据不完整" in html and "得分仅供参考" in html
    # 开办企业 is monitored; this month only has no step statistics yet, which is said as such.
    later_label = Period.parse(later).label
    assert f"{later_label}尚无企业开办办件的办理环节数据" in html and "本专题没有无感监测" not in html
    full = world.client("office").get(TOPIC, {"region": world.county_a.code, "period": PERIOD}).content.decode()
    assert "数据完整度 100%" in full and "数据不完整" not in full


def test_a_month_without_data_is_said_plainly_and_not_replaced(world):
    html = world.client("office").get(TOPIC, {"region": world.county_a.code, "period": "2030-01"}).content.decode()
    assert "2030年1月尚无评价数据" in html
