"""The observations JSON API: region-scoped lists, rounds, completeness, review actions, imports."""

from __future__ import annotations

import json

import pytest

from bizenv.observations import services


def post(client, url, body=None):
    return client.post(url, data=json.dumps(body or {}), content_type="application/json")


@pytest.fixture
def filled(version, ind, counties, office, samr):
    rnd = services.reporting_round_open(actor=office, system_version=version, period="2026-09")
    out = []
    for region, value in zip(counties, [3, 4, 5], strict=True):
        obs, _ = services.observation_upsert(actor=samr, system_version=version, indicator=ind["starting.time"],
                                             region=region, period="2026-09", value=value, source="report",
                                             reporting_round=rnd)
        out.append(obs)
    return rnd, out


def test_list_is_region_scoped(filled, client_for, office, county_user):
    everything = client_for(office).get("/api/v1/observations/?period=2026-09").json()
    assert everything["count"] == 3
    mine = client_for(county_user).get("/api/v1/observations/").json()
    assert [o["region"] for o in mine["items"]] == ["990101"]
    assert mine["items"][0]["value_text"] == "3" and mine["items"][0]["status"] == "draft"


def test_detail_of_another_county_is_not_found(filled, client_for, county_user):
    _, obs = filled
    assert client_for(county_user).get(f"/api/v1/observations/{obs[1].pk}").status_code == 404
    detail = client_for(county_user).get(f"/api/v1/observations/{obs[0].pk}").json()
    assert detail["revisions"][0]["action"] == "create"


def test_submit_return_approve_lock_through_the_api(filled, client_for, samr, office):
    _, obs = filled
    dept, boss = client_for(samr), client_for(office)
    assert post(dept, f"/api/v1/observations/{obs[0].pk}/submit").json()["status"] == "submitted"
    refused = post(dept, f"/api/v1/observations/{obs[0].pk}/approve")
    assert refused.status_code == 403 and "数据审核" in refused.json()["detail"]
    no_comment = post(boss, f"/api/v1/observations/{obs[0].pk}/return", {"comment": ""})
    assert no_comment.status_code == 400 and "审核意见" in no_comment.json()["detail"]
    returned = post(boss, f"/api/v1/observations/{obs[0].pk}/return", {"comment": "请补充佐证材料"}).json()
    assert returned["status"] == "returned" and returned["review_comment"] == "请补充佐证材料"
    post(dept, f"/api/v1/observations/{obs[0].pk}/submit")
    assert post(boss, f"/api/v1/observations/{obs[0].pk}/approve").json()["status"] == "approved"
    assert post(boss, f"/api/v1/observations/{obs[0].pk}/lock").json()["status"] == "locked"
    again = post(boss, f"/api/v1/observations/{obs[0].pk}/lock")
    assert again.status_code == 400 and "已锁定" in again.json()["detail"]


def test_rounds_completeness_and_missing(filled, client_for, office, samr):
    rnd, obs = filled
    services.observation_submit(actor=samr, observation=obs[0])
    boss = client_for(office)
    rounds = boss.get("/api/v1/observations/rounds").json()
    assert rounds[0]["period"] == "2026-09" and rounds[0]["deadline_rule"]
    done = boss.get(f"/api/v1/observations/rounds/{rnd.pk}/completeness").json()
    samr_row = next(t for t in done["by_department"] if t["key"] == "samr")
    assert (samr_row["owed"], samr_row["done"], samr_row["draft"], samr_row["missing"]) == (6, 1, 2, 3)
    assert done["total"]["owed"] == 9
    missing = boss.get(f"/api/v1/observations/rounds/{rnd.pk}/missing?department=housing").json()
    assert {m["indicator"] for m in missing} == {"permits.time"} and len(missing) == 3


def test_open_round_needs_review_permission(version, client_for, samr, office):
    body = {"system": "OBS-TEST", "period": "2026-10"}
    assert post(client_for(samr), "/api/v1/observations/rounds", body).status_code == 403
    made = post(client_for(office), "/api/v1/observations/rounds", body)
    assert made.status_code == 201 and made.json()["name"] == "2026年10月数据填报"
    assert post(client_for(office), "/api/v1/observations/rounds", body).status_code == 409


def test_import_preview_commit_through_the_api(version, counties, client_for, office):
    from django.core.files.uploadedfile import SimpleUploadedFile

    boss = client_for(office)
    csv = b"system,region,indicator,period,value\nOBS-TEST,990101,starting.time,2026-09,2\n"
    preview = boss.post("/api/v1/observations/imports",
                        {"file": SimpleUploadedFile("a.csv", csv, content_type="text/csv")}).json()
    assert preview["status"] == "preview" and preview["rows_created"] == 1
    done = post(boss, f"/api/v1/observations/imports/{preview['id']}/commit").json()
    assert done["status"] == "committed"
    assert boss.get("/api/v1/observations/?region=990101").json()["count"] == 1
