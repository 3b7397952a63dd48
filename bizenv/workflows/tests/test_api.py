"""The workflows JSON API: creating items, every action by JSON with its refusals (409, 403, 400) changing
nothing, the timeline in the detail, the plan import (preview, import) and the ledger download."""

from __future__ import annotations

import io
import json

import pytest
from openpyxl import load_workbook

from bizenv.organisations.models import Region
from bizenv.workflows.models import ItemEvent, ItemStatus, WorkItem
from bizenv.workflows.tests.world import *  # noqa: F403

API = "/api/v1/workflows"


@pytest.fixture
def as_user(client):
    def login(user):
        client.force_login(user)
        return client

    return login


def post(client, url: str, body: dict):
    return client.post(url, data=json.dumps(body), content_type="application/json")


def act(client, item_id: int, action: str, **body):
    return post(client, f"{API}/items/{item_id}/actions", {"action": action, **body})


def refused(response, status: int, words: str, item: WorkItem, *, events: int, state: str) -> None:
    """The answer is the refusal in Chinese, and the item and its timeline are as they were."""
    assert response.status_code == status, response.content.decode()
    assert words in response.json()["detail"]
    item.refresh_from_db()
    assert item.status == state and ItemEvent.objects.filter(item=item).count() == events


def create(client, **fields) -> dict:
    body = {"title": "压缩开办企业时间", "assignee": "990101", "deadline": "2026-12-20", "issue": True,
            "indicators": ["starting.time"], **fields}
    response = post(client, f"{API}/items/", body)
    assert response.status_code == 201, response.content.decode()
    return response.json()


def test_create_answers_201_with_the_item_and_its_timeline(version, office, as_user):
    body = create(as_user(office), co_assignees=["samr"], priority="urgent")
    assert body["status"] == "issued" and body["status_label"] == "待受理" and body["code"] == "RW-2026-0001"
    assert body["assignee"] == "东湖县" and body["co_assignees"] == ["市市场监管局"]
    assert body["indicators"] == [{"code": "starting.time", "name": "开办企业时间"}]
    assert [e["action_label"] for e in body["timeline"]] == ["创建", "下发"]
    draft = create(as_user(office), issue=False, title="草稿")
    assert draft["status"] == "draft" and draft["status_label"] == "草稿"


def test_create_refusals_are_chinese_and_save_nothing(version, office, county_user, as_user):
    client = as_user(office)
    unknown = post(client, f"{API}/items/", {"title": "x", "assignee": "nosuch", "deadline": "2026-12-20"})
    assert unknown.status_code == 400 and "“nosuch”不存在" in unknown.json()["detail"]
    early = post(client, f"{API}/items/", {"title": "x", "assignee": "990101", "deadline": "2026-11-20",
                                           "issue": True})
    assert early.status_code == 400 and "早于下发日期" in early.json()["detail"]
    county = post(as_user(county_user), f"{API}/items/", {"title": "x", "assignee": "990101",
                                                          "deadline": "2026-12-20"})
    assert county.status_code == 403
    assert WorkItem.objects.count() == 0


def test_every_action_by_json_lands_on_the_timeline(version, office, county_user, other_county_user, dept_user,
                                                    as_user):
    item = create(as_user(office))
    pk = item["id"]
    steps = [
        (county_user, "accept", {}, "in_progress"),
        (county_user, "feedback", {"reason": "已梳理流程", "progress": 40}, "in_progress"),
        (office, "supervise", {"reason": "请加快进度"}, "in_progress"),
        (county_user, "submit", {"reason": "已完成"}, "submitted"),
        (office, "reject", {"reason": "缺少办件数据"}, "in_progress"),
        (county_user, "transfer", {"reason": "属西山县辖区", "to": "990102"}, "issued"),
        (other_county_user, "accept", {}, "in_progress"),
        (other_county_user, "split", {"children": [{"title": "西山县开发区", "assignee": "990102",
                                                    "deadline": "2026-12-15"}]}, "in_progress"),
    ]
    for user, action, body, status in steps:
        response = act(as_user(user), pk, action, **body)
        assert response.status_code == 200, (action, response.content.decode())
        assert response.json()["status"] == status, action
    child = WorkItem.objects.get(parent_id=pk)
    for action in ("accept", "submit"):
        assert act(as_user(other_county_user), child.pk, action).status_code == 200
    assert act(as_user(other_county_user), child.pk, "approve").json()["status"] == "approved"
    assert act(as_user(other_county_user), pk, "submit").json()["status"] == "submitted"
    assert act(as_user(office), pk, "approve").json()["status"] == "approved"

    detail = as_user(office).get(f"{API}/items/{pk}").json()
    assert [e["action_label"] for e in detail["timeline"]] == [
        "创建", "下发", "受理", "反馈", "督办", "申请办结", "审核退回", "转办", "受理", "分解", "申请办结", "审核通过"]
    assert detail["supervise_count"] == 1 and detail["transfer_count"] == 1 and detail["assignee"] == "西山县"
    assert "由东湖县转办至西山县：属西山县辖区" in [e["text"] for e in detail["timeline"]]
    assert detail["actions"] == []

    other = create(as_user(office), title="第二项")
    assert act(as_user(county_user), other["id"], "return", reason="不属本县职责").json()["status"] == "returned"
    assert act(as_user(office), other["id"], "cancel", reason="任务调整").json()["status"] == "cancelled"
    labels = [e["action_label"] for e in as_user(office).get(f"{API}/items/{other['id']}").json()["timeline"]]
    assert labels == ["创建", "下发", "退回", "撤销"]


def test_approving_an_item_never_submitted_and_a_second_approval_are_409(version, office, county_user, as_user):
    pk = create(as_user(office))["id"]
    item = WorkItem.objects.get(pk=pk)
    refused(act(as_user(office), pk, "approve"), 409, "该任务当前为“待受理”，不能审核通过", item, events=2,
            state=ItemStatus.ISSUED)
    act(as_user(county_user), pk, "accept")
    refused(act(as_user(office), pk, "approve"), 409, "当前为“办理中”", item, events=3, state=ItemStatus.IN_PROGRESS)
    act(as_user(county_user), pk, "submit")
    assert act(as_user(office), pk, "approve").status_code == 200
    refused(act(as_user(office), pk, "approve"), 409, "该任务当前为“已办结”", item, events=5, state=ItemStatus.APPROVED)
    refused(act(as_user(county_user), pk, "feedback", reason="再反馈", progress=100), 409, "已办结", item, events=5,
            state=ItemStatus.APPROVED)


def test_a_county_acting_on_another_countys_item_is_403(version, office, county_user, other_county_user,
                                                        as_user):
    shared = create(as_user(office), co_assignees=["990102"])  # 西山县 co-handles, so it sees the item
    item = WorkItem.objects.get(pk=shared["id"])
    for action, body in (("accept", {}), ("return", {"reason": "不是我们的"}), ("submit", {}),
                         ("transfer", {"reason": "转走", "to": "990103"}), ("cancel", {"reason": "撤销"})):
        refused(act(as_user(other_county_user), item.pk, action, **body), 403, "只有", item, events=2,
                state=ItemStatus.ISSUED)
    hidden = create(as_user(office), title="东湖县独有")
    response = act(as_user(other_county_user), hidden["id"], "accept")
    assert response.status_code == 404
    assert WorkItem.objects.get(pk=hidden["id"]).status == ItemStatus.ISSUED
    assert ItemEvent.objects.filter(item_id=hidden["id"]).count() == 2
    assert act(as_user(county_user), item.pk, "accept").status_code == 200


@pytest.mark.parametrize("reason", ["", "   "])
def test_an_empty_return_reason_is_400(reason, version, office, county_user, as_user):
    pk = create(as_user(office))["id"]
    item = WorkItem.objects.get(pk=pk)
    refused(act(as_user(county_user), pk, "return", reason=reason), 400, "请填写退回理由", item, events=2,
            state=ItemStatus.ISSUED)


def test_other_refusals_change_nothing(version, office, county_user, as_user):
    pk = create(as_user(office))["id"]
    item = WorkItem.objects.get(pk=pk)
    refused(act(as_user(county_user), pk, "approve_all"), 400, "未知的操作“approve_all”", item, events=2,
            state=ItemStatus.ISSUED)
    refused(act(as_user(county_user), pk, "transfer", reason="转办", to="990101"), 409, "无需转办", item, events=2,
            state=ItemStatus.ISSUED)
    refused(act(as_user(county_user), pk, "transfer", reason="转办", to="nosuch"), 400, "“nosuch”不存在", item,
            events=2, state=ItemStatus.ISSUED)
    refused(act(as_user(office), pk, "supervise", reason=""), 400, "请填写督办意见", item, events=2,
            state=ItemStatus.ISSUED)
    act(as_user(county_user), pk, "accept")
    refused(act(as_user(county_user), pk, "feedback", reason="进展", progress=140), 400, "0 到 100", item, events=3,
            state=ItemStatus.IN_PROGRESS)
    assert Region.objects.get(code="990101") == WorkItem.objects.get(pk=pk).assignee_region


# ---------------------------------------------------------------- plan import and ledger


PLAN_CSV = ("code,title,assignee,deadline,issued,approved\n"
            "TZ-001,优化不动产登记流程,samr,2026-06-30,2026-03-02,2026-06-20\n"
            "TZ-002,清理涉企收费,990101,2026-12-15,2026-10-08,\n")


def upload(client, url: str, name: str, content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(url, {"file": SimpleUploadedFile(name, content)})


def test_plan_preview_then_import_through_the_api(version, counties, office, as_user):
    client = as_user(office)
    preview = upload(client, f"{API}/plan/preview", "台账.csv", PLAN_CSV.encode())
    assert preview.status_code == 200
    body = preview.json()
    assert (body["to_create"], body["unchanged"], body["rejected"], body["committed"]) == (2, 0, 0, False)
    assert body["source"] == "ledger" and body["source_label"] == "台账导入"
    assert [line["outcome_label"] for line in body["lines"]] == ["将新增", "将新增"]
    assert WorkItem.objects.count() == 0
    done = upload(client, f"{API}/plan/import", "台账.csv", PLAN_CSV.encode())
    assert done.status_code == 201 and done.json()["to_create"] == 2 and WorkItem.objects.count() == 2
    again = upload(client, f"{API}/plan/import", "台账.csv", PLAN_CSV.encode()).json()
    assert (again["to_create"], again["unchanged"]) == (0, 2)


def test_plan_row_errors_through_the_api(version, counties, office, as_user):
    client = as_user(office)
    bad = PLAN_CSV + "TZ-003,新任务,nosuch,2026-12-20,2026-12-01,\n"
    preview = upload(client, f"{API}/plan/preview", "台账.csv", bad.encode()).json()
    (line,) = [line for line in preview["lines"] if line["outcome"] == "error"]
    assert line["row"] == 4 and line["outcome_label"] == "有错误"
    assert line["errors"][0]["field"] == "责任单位" and line["errors"][0]["message"].startswith("第 4 行，责任单位：")
    refused_import = upload(client, f"{API}/plan/import", "台账.csv", bad.encode())
    assert refused_import.status_code == 400 and "未导入任何任务" in refused_import.json()["detail"]
    assert refused_import.json()["errors"][0].startswith("第 4 行，责任单位：“nosuch”")
    wrong = upload(client, f"{API}/plan/preview", "plan.xlsx", b"%PDF-1.4 x")
    assert wrong.status_code == 400 and "PDF" in wrong.json()["detail"]
    assert WorkItem.objects.count() == 0


def test_only_the_office_imports_plans(version, counties, dept_user, county_user, as_user):
    for user in (dept_user, county_user):
        for url in (f"{API}/plan/preview", f"{API}/plan/import"):
            response = upload(as_user(user), url, "台账.csv", PLAN_CSV.encode())
            assert response.status_code == 403, url
    assert WorkItem.objects.count() == 0


def test_the_ledger_downloads_through_the_api_filtered(version, counties, office, county_user, as_user):
    upload(as_user(office), f"{API}/plan/import", "台账.csv", PLAN_CSV.encode())
    response = as_user(office).get(f"{API}/ledger.xlsx?status=approved")
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    codes = [r[0] for r in load_workbook(io.BytesIO(response.content))["任务台账"].iter_rows(min_row=2, values_only=True)]
    assert codes == ["TZ-001"]
    mine = as_user(county_user).get(f"{API}/ledger.xlsx")
    rows = list(load_workbook(io.BytesIO(mine.content))["任务台账"].iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in rows] == ["TZ-002"]
