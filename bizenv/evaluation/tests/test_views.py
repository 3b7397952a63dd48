"""评价与红黑榜 pages and API: who sees what, the office's create/review/publish flow, downloads, traces."""

from __future__ import annotations

import pytest

from bizenv.evaluation import services
from bizenv.evaluation.models import EvaluationRun, RedBlackList


@pytest.fixture
def run(version, filled, office):
    return services.evaluation_run_create(actor=office, system_version=version, period="2026-03")


@pytest.fixture
def release(run, office, office2):
    draft = services.red_black_list_create(actor=office, run=run, rules={"mode": "top_n", "red": 1, "black": 1,
                                                                          "scopes": "total"})
    return services.red_black_list_publish(actor=office2, release=services.red_black_list_review(
        actor=office2, release=draft))


@pytest.mark.parametrize("who", ["leader", "county_user", "dept_user", "office"])
def test_business_users_see_runs_ranking_and_published_releases(who, request, run, release, client_for):
    client = client_for(request.getfixturevalue(who))
    page = client.get("/evaluation/").content.decode()
    assert "2026年3月综合排名" in page and "东湖县" in page and "chart-composite" in page
    assert "东湖县" in client.get(f"/evaluation/runs/{run.pk}/?node=starting").content.decode()
    detail = client.get(f"/evaluation/releases/{release.pk}/").content.decode()
    assert "红榜" in detail and "北岭县" in detail
    assert client.get(f"/evaluation/releases/{release.pk}/bulletin.xlsx").status_code == 200
    assert client.get(f"/api/v1/evaluation/runs/{run.pk}").json()["results"]
    assert client.get(f"/api/v1/evaluation/releases/{release.pk}").json()["entries"]


@pytest.mark.parametrize("url", ["/evaluation/", "/evaluation/releases/", "/evaluation/runs/{run}/"])
def test_administrators_get_403(url, run, sysadmin, client_for):
    assert client_for(sysadmin).get(url.format(run=run.pk)).status_code == 403
    assert client_for(sysadmin).get("/api/v1/evaluation/runs").status_code == 403


def test_office_runs_an_evaluation_and_drafts_reviews_publishes(version, filled, office, office2, client_for):
    boss = client_for(office)
    response = boss.post("/evaluation/?system=EVAL-TEST", {"period": "2026-03"})
    run = EvaluationRun.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/evaluation/runs/{run.pk}/"
    assert "生成红黑榜" in boss.get(response["Location"]).content.decode()
    response = boss.post(f"/evaluation/releases/new/{run.pk}/", {
        "mode": "top_n", "scopes": "total_and_level1", "red": "1", "black": "1", "title": "", "note": "",
        "save_default": "on"})
    release = RedBlackList.objects.get()
    assert response.status_code == 302 and release.status == "draft"
    assert run.system_version.system.release_rule.rules["red"] == 1
    refused = boss.post(f"/evaluation/releases/{release.pk}/review/", follow=True).content.decode()
    assert "审核人不能是红黑榜的创建人" in refused
    own = boss.get(f"/evaluation/releases/{release.pk}/").content.decode()
    assert "须由另一位营商办人员审核" in own and "审核通过</button>" not in own
    assert "审核通过</button>" in client_for(office2).get(f"/evaluation/releases/{release.pk}/").content.decode()
    other = client_for(office2)
    other.post(f"/evaluation/releases/{release.pk}/review/")
    other.post(f"/evaluation/releases/{release.pk}/publish/")
    release.refresh_from_db()
    assert release.status == "published"
    page = other.get(f"/evaluation/releases/{release.pk}/recompute/").content.decode()
    assert "完全一致" in page
    word = other.get(f"/evaluation/releases/{release.pk}/bulletin.docx")
    assert word.status_code == 200 and word["Content-Type"].endswith("wordprocessingml.document")


def test_viewers_cannot_run_create_or_publish(run, release, leader, county_user, client_for):
    for user in (leader, county_user):
        client = client_for(user)
        assert client.post("/evaluation/", {"period": "2026-03"}).status_code == 403
        assert client.get(f"/evaluation/releases/new/{run.pk}/").status_code == 403
        assert client.post(f"/evaluation/releases/{release.pk}/publish/").status_code == 403
        assert client.post("/api/v1/evaluation/runs", {"period": "2026-03"},
                           content_type="application/json").status_code == 403


def test_drafts_are_hidden_from_viewers(run, office, leader, client_for):
    draft = services.red_black_list_create(actor=office, run=run)
    response = client_for(leader).get(f"/evaluation/releases/{draft.pk}/")
    assert response.status_code == 403
    assert "尚未审核发布" in response.content.decode()
    assert client_for(leader).get(f"/evaluation/releases/{draft.pk}/bulletin.xlsx").status_code == 403
    assert client_for(leader).get("/evaluation/releases/999999/").status_code == 404
    assert client_for(leader).get("/api/v1/evaluation/releases").json() == []
    assert client_for(office).get(f"/evaluation/releases/{draft.pk}/").status_code == 200


def test_trace_page_and_api_are_region_scoped(run, counties, county_user, client_for):
    client = client_for(county_user)
    own = client.get(f"/evaluation/runs/{run.pk}/trace/990101/starting/").content.decode()
    assert "开办企业时间" in own and "评价时的值" in own
    assert client.get(f"/evaluation/runs/{run.pk}/trace/990102/starting/").status_code == 403
    body = client.get(f"/api/v1/evaluation/runs/{run.pk}/trace?region=990101&indicator=TOTAL").json()
    assert len(body["leaves"]) == 4 and body["fingerprint"] == run.fingerprint
    assert client.get(f"/api/v1/evaluation/runs/{run.pk}/trace?region=990102").status_code == 403


def test_api_office_creates_and_publishes(version, filled, office, office2, client_for):
    boss = client_for(office)
    created = boss.post("/api/v1/evaluation/runs", {"system": "EVAL-TEST", "period": "2026-03"},
                        content_type="application/json")
    assert created.status_code == 201
    release = boss.post("/api/v1/evaluation/releases", {"run": created.json()["id"]},
                        content_type="application/json").json()
    other = client_for(office2)
    assert other.post(f"/api/v1/evaluation/releases/{release['id']}/review").json()["status"] == "reviewed"
    assert other.post(f"/api/v1/evaluation/releases/{release['id']}/publish").json()["status"] == "published"
    assert other.get(f"/api/v1/evaluation/releases/{release['id']}/recompute").json()["identical"] is True


def test_superseded_release_is_marked_and_links_to_the_new_one(run, release, office, office2, leader, client_for):
    newer = services.red_black_list_publish(actor=office2, release=services.red_black_list_review(
        actor=office2, release=services.red_black_list_create(actor=office, run=run, title="三月红黑榜（更正）")))
    client = client_for(leader)

    old_page = client.get(f"/evaluation/releases/{release.pk}/").content.decode()
    assert "已被替代" in old_page and f'href="/evaluation/releases/{newer.pk}/"' in old_page
    listing = client.get("/evaluation/releases/").content.decode()
    assert listing.count("已发布") == 1 and "已被替代" in listing and "三月红黑榜（更正）" in listing

    api = {r["id"]: r for r in client.get("/api/v1/evaluation/releases").json()}
    assert [i for i, r in api.items() if r["status"] == "published"] == [newer.pk]
    assert api[release.pk]["status_label"] == "已被替代" and api[release.pk]["superseded_by"] == newer.pk


def test_a_county_sees_other_regions_composite_and_first_level_only(run, counties, county_user, office,
                                                                     client_for):
    """docs/decisions/0005: others' composite and first-level scores and ranks are public; the rest is not."""
    client = client_for(county_user)
    rows = client.get(f"/api/v1/evaluation/runs/{run.pk}").json()["results"]
    others = [r for r in rows if r["region"] != "990101"]
    assert others and {r["level"] for r in others} == {0, 1}
    assert {r["level"] for r in rows if r["region"] == "990101"} == {0, 1, 2}
    everything = client_for(office).get(f"/api/v1/evaluation/runs/{run.pk}").json()["results"]
    assert len(everything) > len(rows) and {r["level"] for r in everything if r["region"] == "990102"} == {0, 1, 2}
    # Same numbers where shown: withholding removes rows, it never changes a score or a rank.
    full = {(r["region"], r["indicator"]): (r["score"], r["rank"]) for r in everything}
    assert all(full[(r["region"], r["indicator"])] == (r["score"], r["rank"]) for r in rows)

    page = client.get(f"/evaluation/runs/{run.pk}/?node=starting").content.decode()
    own = page.split("东湖县", 1)[1].split("</tr>", 1)[0]
    other = page.split("北岭县", 1)[1].split("</tr>", 1)[0]
    assert "不公开" in other and "不公开" not in own
    assert f"/evaluation/runs/{run.pk}/trace/990101/starting/" in page
    assert f"/evaluation/runs/{run.pk}/trace/990102/starting/" not in page
    assert "其二级及以下指标得分不在您的授权范围内" in page
    assert run.fingerprint not in page  # the input fingerprint is the office's tool for re-checking
    # A second-level node lists only the county's own row.
    leaf = client.get(f"/evaluation/runs/{run.pk}/?node=starting.time").content.decode()
    assert "东湖县" in leaf and "北岭县" not in leaf
    office_page = client_for(office).get(f"/evaluation/runs/{run.pk}/?node=starting").content.decode()
    assert "不公开" not in office_page and "授权范围" not in office_page
