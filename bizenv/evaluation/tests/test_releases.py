"""红黑榜 releases: rules, draft → reviewed → published by the office, freezing, recompute, changes, demo."""

from __future__ import annotations

import pytest

from bizenv.core.errors import ApplicationError, PermissionDenied
from bizenv.demo.evaluations import demo_evaluations_build
from bizenv.evaluation import selectors, services
from bizenv.evaluation.models import EvaluationRun, RedBlackList
from bizenv.evaluation.release_rules import RuleError, release_entries, scores_table
from bizenv.evaluation.tests.conftest import fill
from bizenv.observations.models import Observation
from bizenv.organisations.models import Role

ONE_EACH = {"mode": "top_n", "red": 1, "black": 1, "scopes": "total_and_level1"}


def names(release, kind, code="TOTAL"):
    return [e["region_name"] for e in release.entries if e["list"] == kind and e["indicator"] == code]


@pytest.fixture
def run(version, filled, office):
    return services.evaluation_run_create(actor=office, system_version=version, period="2026-03")


def published(release, reviewer):
    release = services.red_black_list_review(actor=reviewer, release=release)
    return services.red_black_list_publish(actor=reviewer, release=release)


def test_top_n_lists_best_red_and_worst_black_overall_and_per_topic(run, office):
    release = services.red_black_list_create(actor=office, run=run, rules=ONE_EACH)
    assert release.status == "draft" and release.title == "2026年3月营商环境红黑榜"
    assert names(release, "red") == ["东湖县"] and names(release, "black") == ["北岭县"]
    assert {e["indicator"] for e in release.entries} == {"TOTAL", "starting", "power", "gas"}
    assert [s["code"] for s in release.scores["scopes"]] == ["TOTAL", "starting", "power", "gas"]


def test_gas_topic_lists_only_counties_where_it_applies(run, office):
    release = services.red_black_list_create(actor=office, run=run, rules={**ONE_EACH, "red": 4, "black": 0})
    assert names(release, "red", "gas") == ["东湖县", "南河区", "北岭县"]  # 西山县 has no pipeline gas
    west = next(r for r in release.scores["rows"] if r["region_name"] == "西山县")
    assert west["scores"]["gas"] is not None and west["ranks"]["gas"] is None


def test_ties_share_a_place_on_the_list():
    rows = [{"region": c, "region_name": c, "member": True, "code": "TOTAL", "name": "综合得分", "level": 0,
             "score": s, "rank": k, "band": ""} for c, s, k in [("a", 90.0, 1), ("b", 80.0, 2), ("c", 80.0, 2),
                                                                 ("d", 50.0, 4), ("e", 50.0, 4)]]
    table = scores_table(rows, scopes="total")
    entries = release_entries(scores=table, rules={"mode": "top_n", "red": 2, "black": 1, "scopes": "total"})
    assert [e["region"] for e in entries if e["list"] == "red"] == ["a", "b", "c"]
    assert sorted(e["region"] for e in entries if e["list"] == "black") == ["d", "e"]


def test_threshold_rule(run, office):
    release = services.red_black_list_create(actor=office, run=run, rules={
        "mode": "threshold", "red_min": 70, "black_below": 40, "scopes": "total"})
    for e in release.entries:
        assert (e["score"] >= 70) if e["list"] == "red" else (e["score"] < 40)
    assert names(release, "red")[0] == "东湖县"


def test_improved_rule_needs_the_previous_period_and_uses_it(version, ind, counties, run, office):
    with pytest.raises(ApplicationError, match="上一期"):
        services.red_black_list_create(actor=office, run=run, rules={"mode": "improved", "red": 1, "black": 1,
                                                                      "scopes": "total"})
    fill(version, ind, list(reversed(counties)), "2026-04")
    april = services.evaluation_run_create(actor=office, system_version=version, period="2026-04")
    release = services.red_black_list_create(actor=office, run=april, rules={"mode": "improved", "red": 1,
                                                                              "black": 1, "scopes": "total"})
    assert names(release, "red") == ["北岭县"] and names(release, "black") == ["东湖县"]
    assert release.entries[0]["change"] > 0 and release.previous_run == run


def test_bad_rules_are_chinese_errors(run, office):
    with pytest.raises(ApplicationError, match="黑榜分数线不能高于红榜分数线"):
        services.red_black_list_create(actor=office, run=run, rules={"mode": "threshold", "red_min": 50,
                                                                      "black_below": 60, "scopes": "total"})
    with pytest.raises(RuleError):
        release_entries(scores={"scopes": [], "rows": []}, rules={"mode": "best"})


def test_draft_reviewed_published_by_the_office_with_a_second_reviewer(run, office, office2):
    release = services.red_black_list_create(actor=office, run=run, rules=ONE_EACH)
    with pytest.raises(ApplicationError, match="审核人不能是红黑榜的创建人"):
        services.red_black_list_review(actor=office, release=release)
    with pytest.raises(ApplicationError, match="不能变为"):
        services.red_black_list_publish(actor=office2, release=release)
    release = services.red_black_list_review(actor=office2, release=release)
    release = services.red_black_list_return(actor=office2, release=release)
    assert release.status == "draft" and release.reviewed_by is None
    release = published(release, office2)
    assert release.status == "published" and release.published_by == office2
    with pytest.raises(ApplicationError, match="已发布"):
        services.red_black_list_return(actor=office2, release=release)


@pytest.mark.parametrize("who", ["leader", "county_user", "dept_user"])
def test_viewers_cannot_create_review_or_publish(run, office, office2, who, request):
    user = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        services.red_black_list_create(actor=user, run=run)
    release = services.red_black_list_create(actor=office, run=run)
    with pytest.raises(PermissionDenied):
        services.red_black_list_review(actor=user, release=release)
    release = services.red_black_list_review(actor=office2, release=release)
    with pytest.raises(PermissionDenied):
        services.red_black_list_publish(actor=user, release=release)


def test_viewers_see_only_published_releases(run, office, office2, leader):
    draft = services.red_black_list_create(actor=office, run=run)
    assert list(selectors.release_list(user=leader)) == []
    assert list(selectors.release_list(user=office2)) == [draft]
    published(draft, office2)
    assert list(selectors.release_list(user=leader)) == [draft]


def test_published_release_is_frozen_and_recomputes_to_identical_numbers(version, filled, run, office, office2):
    release = published(services.red_black_list_create(actor=office, run=run, rules=ONE_EACH), office2)
    before_entries, before_scores = release.entries, release.scores
    # Later data change: the worst county becomes the best, and the period is evaluated again.
    Observation.objects.filter(region__code="990104", period="2026-03").update(value=1)
    rerun = services.evaluation_run_create(actor=office, system_version=version, period="2026-03")
    assert rerun.pk != run.pk and rerun.results.get(region__code="990104", indicator_code="TOTAL").rank == 1
    release = RedBlackList.objects.get(pk=release.pk)
    assert release.entries == before_entries and release.scores == before_scores
    assert names(release, "black") == ["北岭县"]
    report = services.release_recompute(release=release)
    assert report.identical and report.fingerprint_matches and report.content_hash_matches


def test_recompute_detects_tampering(run, office, office2):
    release = published(services.red_black_list_create(actor=office, run=run, rules=ONE_EACH), office2)
    scores = release.scores
    scores["rows"][0]["scores"]["TOTAL"] += 0.01
    RedBlackList.objects.filter(pk=release.pk).update(scores=scores)
    report = services.release_recompute(release=RedBlackList.objects.get(pk=release.pk))
    assert not report.identical and not report.content_hash_matches
    assert "重算的得分或排名与发布的不一致" in report.differences
    inputs = run.inputs
    inputs["observations"][0]["value"] += 1
    EvaluationRun.objects.filter(pk=run.pk).update(inputs=inputs)
    assert not services.release_recompute(release=RedBlackList.objects.get(pk=release.pk)).fingerprint_matches


def test_changes_since_the_previous_published_release(version, ind, counties, run, office, office2):
    first = published(services.red_black_list_create(actor=office, run=run, rules=ONE_EACH), office2)
    assert first.changes == {} and first.compared_with is None
    fill(version, ind, list(reversed(counties)), "2026-04")
    april = services.evaluation_run_create(actor=office, system_version=version, period="2026-04")
    second = published(services.red_black_list_create(actor=office, run=april, rules=ONE_EACH), office2)
    assert second.compared_with == first
    red = next(c for c in second.changes["lists"] if c["list"] == "red" and c["indicator"] == "TOTAL")
    assert red["entered"] == ["北岭县"] and red["left"] == ["东湖县"]
    moves = {m["region_name"]: (m["from"], m["to"]) for m in second.changes["rank_moves"]}
    assert moves["北岭县"] == (4, 1) and moves["东湖县"] == (1, 4)


def test_demo_evaluates_every_month_and_publishes_the_latest_idempotently(version, ind, counties):
    for month in (1, 2, 3):
        fill(version, ind, counties, f"2026-0{month}", seed=month)
    said = []
    result = demo_evaluations_build(progress=said.append, system_code="EVAL-TEST")
    assert result == {"评价计算": 3, "红黑榜": 1} and said
    latest = RedBlackList.objects.get()
    assert latest.period == "2026-03" and latest.status == "published"
    assert demo_evaluations_build(progress=said.append, system_code="EVAL-TEST") == result
    assert EvaluationRun.objects.count() == 3 and RedBlackList.objects.count() == 1


def test_demo_leaves_a_draft_drawn_up_by_office_for_reviewer_to_review(version, ind, counties, office, make_user):
    reviewer = make_user(Role.OFFICE, username="reviewer")
    for month in (1, 2, 3):
        fill(version, ind, counties, f"2026-0{month}", seed=month)

    result = demo_evaluations_build(progress=lambda m: None, system_code="EVAL-TEST")

    assert result == {"评价计算": 3, "红黑榜": 2}
    draft = RedBlackList.objects.get(status="draft")
    assert draft.period == "2026-02" and draft.created_by == office
    assert RedBlackList.objects.get(status="published").period == "2026-03"
    assert demo_evaluations_build(progress=lambda m: None, system_code="EVAL-TEST") == result
    assert RedBlackList.objects.count() == 2
    with pytest.raises(ApplicationError, match="审核人不能是红黑榜的创建人"):
        services.red_black_list_review(actor=office, release=draft)
    assert services.red_black_list_review(actor=reviewer, release=draft).status == "reviewed"


def test_publishing_a_second_release_of_a_period_supersedes_the_first(run, office, office2, leader):
    first = published(services.red_black_list_create(actor=office, run=run, rules=ONE_EACH), office2)
    second = published(services.red_black_list_create(actor=office, run=run, title="三月红黑榜（更正）"), office2)

    first.refresh_from_db()
    assert second.status == "published" and second.compared_with == first
    assert first.status == "superseded" and first.get_status_display() == "已被替代"
    assert first.superseded_by == second
    # The earlier one keeps its frozen lists and publication record; only its status changed.
    assert first.published_by == office2 and first.entries
    current = [r for r in selectors.release_list(user=leader) if r.status == "published"]
    assert current == [second]
    assert selectors.release_get(user=leader, pk=first.pk) == first  # old links still open, marked superseded
    assert selectors.release_previous_published(release=second) is None
    with pytest.raises(ApplicationError, match="已被替代"):
        services.red_black_list_return(actor=office2, release=first)
    from bizenv.core.models import AuditLog
    row = AuditLog.objects.filter(action="red_black_list.supersede").get()
    assert row.old_values == {"status": "published"} and row.new_values["status"] == "superseded"
    assert row.new_values["superseded_by"] == second.pk


def test_a_release_of_another_period_does_not_supersede(version, ind, counties, run, office, office2):
    march = published(services.red_black_list_create(actor=office, run=run, rules=ONE_EACH), office2)
    fill(version, ind, counties, "2026-04")
    april = services.evaluation_run_create(actor=office, system_version=version, period="2026-04")
    published(services.red_black_list_create(actor=office, run=april, rules=ONE_EACH), office2)
    march.refresh_from_db()
    assert march.status == "published" and march.superseded_by is None
