"""The 问题整治清单 pages as the office, a department and a county read and use them: proposals with the decision
forms, confirming and dismissing (errors shown on the form, nothing saved), the listed problems with progress,
work items and the trend chart, the finish button, and who may see or do what."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from bizenv.workflows.models import ProblemListItem, ProblemStatus, WorkItem
from bizenv.workflows.problem_services import problem_confirm, problem_list_propose
from bizenv.workflows.tests.test_problem_services import monitored  # noqa: F401 — the fixture
from bizenv.workflows.tests.world import *  # noqa: F403
from bizenv.workflows.tests.world import act

pytestmark = pytest.mark.django_db

ENGLISH = re.compile(r"\b(spread|recurrence|proposed|confirmed|dismissed|starting\.time|in_progress|None)\b")


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def proposal(monitored, office):  # noqa: F811
    monitored({"2026-10": {0, 1, 2}})
    problem_list_propose()
    return ProblemListItem.objects.get()


def _visible_text(html: str) -> str:
    html = re.sub(r"<script.*?</script>", "", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def test_the_office_sees_the_proposal_with_its_evidence_and_the_decision_forms(proposal, office):
    response = client_for(office).get(reverse("workflows:problems"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "开办企业时间：3 个地区同时预警" in html and "东湖县 12工作日（预警线 10工作日）" in html
    assert "按最新一期监测结果提出建议" in html and "同月在至少 3 个地区预警" in html
    # the lead department proposed is the indicator's 牵头单位; the deadline two months on, within the calendar
    assert re.search(r'<option value="\d+" selected>市市场监管局</option>', html)
    assert 'value="2026-12-31"' in html
    assert "市营商环境建设专班办公室</option>" not in html  # the office does not lead
    assert not ENGLISH.search(_visible_text(html))


def test_confirming_from_the_page_issues_the_items_and_shows_progress_and_trend(proposal, office):
    client = client_for(office)
    samr = Department_pk("samr")
    response = client.post(reverse("workflows:problem_confirm", args=[proposal.pk]),
                           {f"p{proposal.pk}-lead_department": samr, f"p{proposal.pk}-deadline": "2026-12-28",
                            f"p{proposal.pk}-note": "一月内完成"})
    assert response.status_code == 302 and response["Location"] == reverse("workflows:problem", args=[proposal.pk])
    proposal.refresh_from_db()
    assert proposal.status == ProblemStatus.CONFIRMED and WorkItem.objects.filter(problem=proposal).count() == 4
    page = client.get(response["Location"])
    html = page.content.decode()
    assert "已列入问题整治清单，向市市场监管局和涉及的地区下发任务 4 项。" in html
    assert "已办结 0/4 项（0%）" in html and "牵头整治：开办企业时间（3 个地区）" in html
    assert "东湖县开办企业时间问题整治" in html and "2026年12月28日" in html
    chart = json.loads(re.search(r'<script id="chart-problem-trend" type="application/json">(.*?)</script>', html,
                                 re.S).group(1))
    assert [s["name"] for s in chart["series"]] == ["涉及地区平均", "全部地区平均"]
    assert chart["xAxis"]["data"][-1] == "2026年10月" and chart["series"][0]["data"][-1] == 12.0
    assert not ENGLISH.search(_visible_text(html))
    listing = client.get(reverse("workflows:problems")).content.decode()
    assert f'id="problem-trend-{proposal.pk}"' in listing and 'role="progressbar"' in listing
    assert "东湖县</a>" in listing and "待受理" in listing


def Department_pk(code: str) -> int:
    from bizenv.organisations.models import Department

    return Department.objects.get(code=code).pk


@pytest.mark.parametrize("deadline, message", [
    ("2026/12/28", "整治时限应为日期，格式如 2026-12-31。"),
    ("", "请填写整治时限。"),
    ("2026-11-30", "整治时限 2026年11月30日 早于下发日期 2026年12月3日。"),
])
def test_a_bad_confirmation_is_shown_on_the_form_and_saves_nothing(proposal, office, deadline, message):
    response = client_for(office).post(reverse("workflows:problem_confirm", args=[proposal.pk]),
                                       {f"p{proposal.pk}-lead_department": Department_pk("samr"),
                                        f"p{proposal.pk}-deadline": deadline})
    assert response.status_code == 400
    assert message in response.content.decode()
    proposal.refresh_from_db()
    assert proposal.status == ProblemStatus.PROPOSED and not WorkItem.objects.exists()


def test_dismissing_needs_a_reason_then_the_proposal_is_listed_as_not_included(proposal, office):
    client = client_for(office)
    url = reverse("workflows:problem_dismiss", args=[proposal.pk])
    response = client.post(url, {f"p{proposal.pk}d-note": "  "})
    assert response.status_code == 400 and "请填写不列入的理由。" in response.content.decode()
    response = client.post(url, {f"p{proposal.pk}d-note": "已纳入年度工作任务统筹推进"})
    assert response.status_code == 302
    html = client.get(reverse("workflows:problems")).content.decode()
    dismissed = html[html.index('id="dismissed"'):]
    assert "已纳入年度工作任务统筹推进" in dismissed and "没有待确认的建议。" in html


def test_the_propose_button_says_what_it_did(monitored, office):  # noqa: F811
    monitored({"2026-10": {0, 1, 2}})
    client = client_for(office)
    response = client.post(reverse("workflows:problems_propose"), follow=True)
    html = response.content.decode()
    assert "2026年10月：提出问题整治清单建议 1 项（多地同时预警 1 项）" in html
    response = client.post(reverse("workflows:problems_propose"), follow=True)
    assert "提出问题整治清单建议 0 项" in response.content.decode()
    assert "已提出过的 1 项" in response.content.decode()


def test_departments_and_counties_read_the_list_but_cannot_decide(proposal, office, county_user, dept_user,
                                                                  other_county_user, make_user):
    from bizenv.organisations.models import Role

    # before the office decides, a proposal is hidden from them (404 like a missing one)
    assert client_for(county_user).get(reverse("workflows:problem", args=[proposal.pk])).status_code == 404
    assert "开办企业时间" not in client_for(dept_user).get(reverse("workflows:problems")).content.decode()
    for user in (county_user, dept_user):
        response = client_for(user).post(reverse("workflows:problem_confirm", args=[proposal.pk]),
                                         {f"p{proposal.pk}-lead_department": Department_pk("samr"),
                                          f"p{proposal.pk}-deadline": "2026-12-28"})
        assert response.status_code == 403
    assert client_for(make_user(Role.SYSADMIN, username="admin")).get(
        reverse("workflows:problems")).status_code == 403
    problem_confirm(actor=office, problem=proposal, lead_department=_samr(), deadline=date(2026, 12, 28))
    html = client_for(county_user).get(reverse("workflows:problems")).content.decode()
    assert "开办企业时间：3 个地区同时预警" in html and "pb-confirm" not in html and "propose-button" not in html
    # the county sees its own work item among the list item's items, not the other counties'
    assert "东湖县</a>" in html and "西山县</a>" not in html
    detail = client_for(county_user).get(reverse("workflows:problem", args=[proposal.pk])).content.decode()
    assert "记为已完成" not in detail


def test_the_finish_button_appears_once_every_item_is_approved(proposal, office, dept_user, county_user, make_user):
    from bizenv.organisations.models import Region, Role

    problem_confirm(actor=office, problem=proposal, lead_department=_samr(), deadline=date(2026, 12, 28))
    parent = WorkItem.objects.get(problem=proposal, parent=None)
    users = {"990101": county_user}
    for code, name in (("990102", "xishan"), ("990103", "nanhe")):
        users[code] = make_user(Role.COUNTY, username=name, region=Region.objects.get(code=code))
    client = client_for(office)
    url = reverse("workflows:problem", args=[proposal.pk])
    assert "记为已完成" not in client.get(url).content.decode()
    act(parent, "accept", dept_user)
    for child in parent.children.all():
        act(child, "accept", users[child.assignee_region.code])
        act(child, "submit", users[child.assignee_region.code])
        act(child, "approve", office)
    act(parent, "submit", dept_user)
    act(parent, "approve", office)
    html = client.get(url).content.decode()
    assert "记为已完成" in html and "已办结 4/4 项（100%）" in html
    response = client.post(reverse("workflows:problem_done", args=[proposal.pk]), follow=True)
    assert "清单项记为已完成" in response.content.decode()
    proposal.refresh_from_db()
    assert proposal.status == ProblemStatus.DONE


def _samr():
    from bizenv.organisations.models import Department

    return Department.objects.get(code="samr")
