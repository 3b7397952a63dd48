"""Topic pages per segment (分类): 开办企业 by 设立/变更, 获得电力 by 低压非居民/低压居民 — from raw records through
the metric run to the bottleneck table, the case volumes, the per-county totals and the raw-record drill-down."""

from __future__ import annotations

import html as html_lib
import re

import pytest

from bizenv.datasets import metric_services
from bizenv.datasets.services import records_ingest
from tests.conftest import make_world

from .test_topic_bottlenecks import _load_systems
from .test_topic_pages import chart

pytestmark = pytest.mark.django_db

PERIOD = "2026-10"
EAST, NORTH = "990101", "990102"
# Monday 12 October 2026; finished on Tue 13 (1 working day), Thu 15 (3) or Fri 16 (4); step limit 2 days.
FINISH = {1: "2026-10-13 10:00:00", 3: "2026-10-15 10:00:00", 4: "2026-10-16 10:00:00"}


def land(dataset: str, field: str, cases: list[tuple[str, str, str, int]], **extra) -> None:
    """Cases (record_id, region, segment, working days of their one step 登记) and their steps, in the lake."""
    records_ingest(actor=None, dataset=dataset, rows_or_table=[
        {"record_id": rid, "region_code": region, field: segment, "channel": "online",
         "applied_at": "2026-10-12 09:00:00", "completed_at": FINISH[days], **extra}
        for rid, region, segment, days in cases])
    records_ingest(actor=None, dataset="process_steps", rows_or_table=[
        {"process": dataset, "record_id": rid, "region_code": region, "step_no": 1, "step_name": "受理登记",
         "started_at": "2026-10-12 09:00:00", "finished_at": FINISH[days], "limit_days": 2}
        for rid, region, _segment, days in cases])


@pytest.fixture
def world():
    world = make_world()
    _load_systems()
    metric_services.metric_definitions_load_shipped(actor=None)
    # 设立: 东城区 1 + 1 days, 北山县 4 days; 变更: 东城区 3 + 3 days.
    land("business_registrations", "kind", [
        ("S1", EAST, "establishment", 1), ("S2", EAST, "establishment", 1), ("S3", NORTH, "establishment", 4),
        ("C1", EAST, "change", 3), ("C2", EAST, "change", 3)], entity_type="有限责任公司")
    # 低压非居民: 东城区 4 days, 北山县 1 day; 低压居民: 北山县 1 + 1 + 1 days.
    land("electricity_connections", "connection_type", [
        ("B1", EAST, "low_voltage_non_residential", 4), ("B2", NORTH, "low_voltage_non_residential", 1),
        ("R1", NORTH, "low_voltage_residential", 1), ("R2", NORTH, "low_voltage_residential", 1),
        ("R3", NORTH, "low_voltage_residential", 1)])
    metric_services.metric_run(actor=None, periods=[PERIOD])
    return world


def page(client, topic: str, **params) -> str:
    response = client.get(f"/topics/{topic}/", {"period": PERIOD, **params})
    assert response.status_code == 200, response.content[:300]
    return response.content.decode()


def tables(html: str) -> tuple[list[list[str]], list[list[str]]]:
    """(bottleneck step rows, per-county total rows) of the first process card, as visible cell texts."""
    card = html.split("瓶颈环节 · ", 1)[1]

    def rows(part: str) -> list[list[str]]:
        body = part.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
        return [[html_lib.unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", r, re.S)]
                for r in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)]

    steps_part, regions_part = card.split("各区县全流程用时", 1)
    return rows(steps_part), rows(regions_part)


def visible_text(html: str) -> str:
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", "", html, flags=re.S)
    return html_lib.unescape(re.sub(r"<[^>]+>", " ", html))


CODES = re.compile(r"establishment|deregistration|\bchange\b|low_voltage\w*|non_residential|high_voltage")


def test_starting_business_by_segment_shows_each_segments_steps_volumes_and_counties(world):
    office = world.client("office")
    every = page(office, "starting_business")
    establishment = page(office, "starting_business", segment="establishment")
    change = page(office, "starting_business", segment="change")

    # 全部: the kinds have different steps, so each kind gets its own table (never one table adding 设立's and
    # 变更's step 1 together); the volumes still count every case (5).
    assert tables(every) == tables(establishment)
    assert tables(every.split("瓶颈环节 · 企业开办办件 · 设立", 1)[1]) == tables(change)
    assert "瓶颈环节 · 企业开办办件 · 变更（2026年10月，示范市）" in every
    assert "瓶颈环节 · 企业开办办件 · 简易注销" not in every  # no such cases this month
    assert chart(every, "chart-topic-volumes")["series"][0]["data"][-1] == 5

    steps, regions = tables(establishment)
    assert steps == [["受理登记", "3", "2.00", "33%", "北山县（4.00）"]]
    assert [r[:2] for r in regions] == [["北山县", "4.00"], ["东城区", "1.00"]]
    assert chart(establishment, "chart-topic-volumes")["series"][0]["data"][-1] == 3
    assert "瓶颈环节 · 企业开办办件 · 设立（2026年10月，示范市）" in establishment

    steps, regions = tables(change)
    assert steps == [["受理登记", "2", "3.00", "100%", "东城区（3.00）"]]
    assert [r[:2] for r in regions] == [["东城区", "3.00"]]
    assert chart(change, "chart-topic-volumes")["series"][0]["data"][-1] == 2

    # the selector: 全部 and every segment in Chinese, each keeping region and period; the active one marked
    for label in ("全部", "设立", "变更", "简易注销"):
        assert f">{label}</a>" in establishment
    assert ('href="/topics/starting_business/?region=990100&amp;period=2026-10&amp;segment=change"'
            in establishment)
    assert re.search(r'class="active" aria-current="page"\s+hx-get="[^"]*segment=establishment"', establishment)
    assert '<input type="hidden" name="segment" value="establishment">' in establishment  # region/period keep it

    # the indicator table is limited to the segment's leaves (highlighted) and their parents
    assert "企业设立登记耗时" in establishment and "变更登记耗时" not in establishment
    assert establishment.count('class="row-highlight"') == 2  # 企业设立登记环节, 企业设立登记耗时
    assert "变更登记耗时" in every and 'class="row-highlight"' not in every

    # Chinese only on the page: no segment codes in what a user reads
    for html in (every, establishment, change):
        assert not CODES.search(visible_text(html)), CODES.search(visible_text(html))


def test_segment_drill_down_opens_the_raw_records_of_that_segment_only(world):
    office = world.client("office")
    html = page(office, "starting_business", segment="change")
    assert "/data/records/business_registrations/?month=2026-10&amp;segment=change" in html
    assert "/data/records/business_registrations/?month=2026-10&amp;region=990101&amp;segment=change" in html
    assert "/topics/starting_business/?region=990101&amp;period=2026-10&amp;segment=change" in html

    records = office.get("/data/records/business_registrations/",
                         {"month": PERIOD, "region": EAST, "segment": "change"}).content.decode()
    # record ids as table cells (a bare "S1" can occur by chance in the page's random CSRF token)
    assert "共 2 条" in records and "<td>C1</td>" in records and "<td>S1</td>" not in records
    assert '<option value="change" selected>变更</option>' in records


def test_getting_electricity_by_connection_type(world):
    office = world.client("office")
    every = page(office, "getting_electricity")
    business = page(office, "getting_electricity", segment="low_voltage_non_residential")
    residential = page(office, "getting_electricity", segment="low_voltage_residential")

    assert tables(every) == tables(business)  # 全部: one table per connection type, in catalogue order
    assert "瓶颈环节 · 用电报装办件 · 低压居民" in every
    steps, regions = tables(business)
    assert steps == [["受理登记", "2", "2.50", "50%", "东城区（4.00）"]]
    assert [r[:2] for r in regions] == [["东城区", "4.00"], ["北山县", "1.00"]]
    steps, regions = tables(residential)
    assert steps == [["受理登记", "3", "1.00", "0%", "北山县（1.00）"]]
    assert [r[:2] for r in regions] == [["北山县", "1.00"]]
    assert chart(residential, "chart-topic-volumes")["series"][0]["data"][-1] == 3
    for label in ("全部", "低压非居民", "低压居民", "高压"):
        assert f">{label}</a>" in business
    assert "瓶颈环节 · 用电报装办件 · 低压居民" in residential
    assert "/data/records/electricity_connections/?month=2026-10&amp;segment=low_voltage_residential" in residential
    records = office.get("/data/records/electricity_connections/",
                         {"month": PERIOD, "segment": "low_voltage_residential"}).content.decode()
    assert "共 3 条" in records and "R1" in records and "B2" not in records
    for html in (every, business, residential):
        assert not CODES.search(visible_text(html)), CODES.search(visible_text(html))


def test_a_county_sees_its_own_segment_figures_only_and_an_unknown_segment_is_not_found(world):
    county = world.client("county")
    html = page(county, "getting_electricity", segment="low_voltage_non_residential")
    steps, regions = tables(html)
    assert steps == [["受理登记", "1", "4.00", "100%", "东城区（4.00）"]]
    assert [r[:2] for r in regions] == [["东城区", "4.00"]] and "北山县" not in html
    assert "没有办理环节数据" not in html
    residential = page(county, "getting_electricity", segment="low_voltage_residential")  # 东城区 has none
    assert "瓶颈环节 · " not in residential and "（低压居民）的办理环节数据" in residential
    assert county.get("/topics/getting_electricity/", {"segment": "establishment"}).status_code == 404
    assert county.get("/topics/water_connections/", {"segment": "x"}).status_code == 404


def test_the_cockpit_bottleneck_shows_one_kind_of_case_not_the_kinds_added_up(world):
    from bizenv.dashboards.overview import process_bottleneck

    bottleneck = process_bottleneck(user=world.users["office"])
    assert bottleneck.segment_label == "设立"
    assert [(s.step_name, s.cases) for s in bottleneck.steps] == [("受理登记", 3)]  # 设立's 3 cases, not all 5
    cockpit = world.client("office").get("/cockpit/").content.decode()
    assert "开办企业瓶颈环节<span class=\"ck-hint\">设立，" in cockpit
