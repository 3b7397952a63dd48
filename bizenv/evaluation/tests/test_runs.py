"""Evaluation runs: frozen inputs, fingerprint stability and sensitivity, stored results, traces."""

from __future__ import annotations

import pytest

from bizenv.core.errors import ApplicationError, PermissionDenied
from bizenv.evaluation import selectors, services
from bizenv.evaluation.fingerprint import evaluate_inputs, inputs_fingerprint
from bizenv.evaluation.models import EvaluationRun
from bizenv.evaluation.tests.conftest import fill
from bizenv.observations.models import Observation


def total_ranking(run):
    return [(r.region.name, r.score, r.rank) for r in run.results.filter(indicator_code="TOTAL").order_by("rank")]


def test_run_scores_every_region_and_node_and_ranks_the_counties(version, filled, office, counties):
    run = services.evaluation_run_create(actor=office, system_version=version, period="2026-03")
    assert run.region_count == 4 and run.observation_count == 16
    assert run.results.count() == 4 * 8  # TOTAL + 3 level-1 + 4 leaves
    ranking = total_ranking(run)
    assert [name for name, _s, _r in ranking] == ["东湖县", "西山县", "南河区", "北岭县"]
    assert [rank for *_x, rank in ranking] == [1, 2, 3, 4]
    assert all(0 <= s <= 100 for _n, s, _r in ranking)


def test_gas_variant_drops_gas_for_the_county_without_pipeline_gas(version, filled, office, counties):
    run = services.evaluation_run_create(actor=office, system_version=version, period="2026-03")
    west = run.results.get(region=counties[1], indicator_code="TOTAL")
    parts = {r.indicator_code: r.score for r in run.results.filter(region=counties[1], level=1)}
    expected = (10 * parts["starting"] + 5 * parts["power"]) / 15
    assert west.score == pytest.approx(expected)
    assert run.inputs["regions"][1]["attributes"] == {"has_pipeline_gas": False}


def test_rerun_with_same_inputs_returns_the_same_run(version, filled, office):
    first = services.evaluation_run_create(actor=office, system_version=version, period="2026-03")
    again = services.evaluation_run_create(actor=office, system_version=version, period="2026-03")
    assert again.pk == first.pk and EvaluationRun.objects.count() == 1


def test_fingerprint_changes_when_one_value_or_a_parameter_changes(version, filled, office):
    first = services.evaluation_run_create(actor=office, system_version=version, period="2026-03")
    Observation.objects.filter(pk=filled[0].pk).update(value=filled[0].value + 0.5)
    second = services.evaluation_run_create(actor=office, system_version=version, period="2026-03")
    assert second.fingerprint != first.fingerprint and second.pk != first.pk
    third = services.evaluation_run_create(actor=office, system_version=version, period="2026-03",
                                           params={"tie_tolerance": 0.5})
    assert third.fingerprint not in (first.fingerprint, second.fingerprint)


def test_fingerprint_ignores_attributes_no_variant_tests(version, filled, office, counties):
    first = services.evaluation_run_create(actor=office, system_version=version, period="2026-03")
    counties[0].population = 123456
    counties[0].save()
    assert services.evaluation_run_create(actor=office, system_version=version, period="2026-03").pk == first.pk


def test_stored_results_equal_a_recomputation_from_the_frozen_inputs(version, filled, office):
    run = services.evaluation_run_create(actor=office, system_version=version, period="2026-03")
    assert inputs_fingerprint(run.inputs) == run.fingerprint
    recomputed = {(r["region"], r["code"]): (r["score"], r["rank"], r["band"])
                  for r in evaluate_inputs(run.inputs).rows()}
    stored = {(r["region"], r["code"]): (r["score"], r["rank"], r["band"])
              for r in selectors.run_result_rows(run=run)}
    assert stored == recomputed


def test_only_approved_and_locked_values_count(version, ind, counties, office):
    fill(version, ind, counties, "2026-04")
    Observation.objects.filter(region=counties[3], period="2026-04").update(status="submitted")
    run = services.evaluation_run_create(actor=office, system_version=version, period="2026-04")
    north = run.results.get(region=counties[3], indicator_code="TOTAL")
    assert north.score is None and north.rank is None and north.status == "missing"
    assert run.observation_count == 12


def test_special_values_and_completeness(version, filled, office, counties):
    Observation.objects.filter(region=counties[0], indicator__code="starting.cost").update(value=None,
                                                                                           special="no_practice")
    Observation.objects.filter(region=counties[2], indicator__code="starting.cost").delete()
    run = services.evaluation_run_create(actor=office, system_version=version, period="2026-03")
    east_cost = run.results.get(region=counties[0], indicator_code="starting.cost")
    assert east_cost.score == 0.0
    south = run.results.get(region=counties[2], indicator_code="starting")
    assert south.completeness == pytest.approx(0.5)
    assert run.results.get(region=counties[2], indicator_code="starting.cost").status == "missing"


def test_city_with_observations_is_scored_but_not_ranked(version, ind, city, counties, office):
    fill(version, ind, [*counties, city], "2026-05")
    run = services.evaluation_run_create(actor=office, system_version=version, period="2026-05")
    city_total = run.results.get(region=city, indicator_code="TOTAL")
    assert city_total.score is not None and city_total.rank is None
    assert sorted(r.rank for r in run.results.filter(indicator_code="TOTAL").exclude(region=city)) == [1, 2, 3, 4]


def test_no_data_is_a_chinese_error(version, office):
    with pytest.raises(ApplicationError, match="没有已审核的指标值"):
        services.evaluation_run_create(actor=office, system_version=version, period="2030-01")


def test_only_the_office_creates_runs(version, filled, county_user, leader):
    for user in (county_user, leader):
        with pytest.raises(PermissionDenied):
            services.evaluation_run_create(actor=user, system_version=version, period="2026-03")


def test_trace_goes_from_score_to_observations_and_flags_later_changes(version, filled, office, counties, leader):
    run = services.evaluation_run_create(actor=office, system_version=version, period="2026-03")
    trace = selectors.score_trace(user=leader, run=run, region=counties[0], indicator="starting")
    assert [leaf.code for leaf in trace.leaves] == ["starting.time", "starting.cost"]
    assert trace.leaves[0].input["id"] == trace.leaves[0].observation.pk
    assert not any(leaf.changed_since for leaf in trace.leaves)
    Observation.objects.filter(pk=trace.leaves[0].observation.pk).update(value=99)
    again = selectors.score_trace(user=leader, run=run, region=counties[0], indicator="TOTAL")
    assert len(again.leaves) == 4 and again.leaves[0].changed_since


def test_county_user_traces_only_its_own_region(version, filled, office, counties, county_user):
    run = services.evaluation_run_create(actor=office, system_version=version, period="2026-03")
    assert selectors.score_trace(user=county_user, run=run, region=counties[0], indicator="TOTAL").score
    with pytest.raises(PermissionDenied):
        selectors.score_trace(user=county_user, run=run, region=counties[1], indicator="TOTAL")


def test_cli_evaluates_every_period_and_recomputes_a_release(version, ind, counties, office, office2, capsys):
    from bizenv.cli import main
    from bizenv.evaluation.models import RedBlackList

    fill(version, ind, counties, "2026-01")
    fill(version, ind, counties, "2026-02", seed=2)
    assert main(["evaluation", "run", "--system", "EVAL-TEST"]) == 0
    out = capsys.readouterr().out
    assert "2026-01：评价计算" in out and "2026-02：评价计算" in out and EvaluationRun.objects.count() == 2
    assert main(["evaluation", "run", "--system", "EVAL-TEST", "--period", "2026-02"]) == 0
    assert EvaluationRun.objects.count() == 2
    release = services.red_black_list_create(actor=office, run=EvaluationRun.objects.get(period="2026-02"))
    assert main(["releases", "recompute", str(release.pk)]) == 0
    assert "完全一致" in capsys.readouterr().out
    RedBlackList.objects.filter(pk=release.pk).update(entries=[])
    assert main(["releases", "recompute", str(release.pk)]) == 1


def test_a_yearly_value_is_carried_into_a_monthly_evaluation_and_a_value_of_the_month_wins(version, ind, counties,
                                                                                            office, client):
    # Leaves without a cycle are reported yearly: the 2025 values stand for every month of 2026 until
    # the 2026 values are in; the month's own value, where there is one, is used instead.
    fill(version, ind, counties, "2025", seed=3)
    month = Observation.objects.create(system_version=version, indicator=ind["power.time"], region=counties[0],
                                       period="2026-03", value=2.0, source="report", status="approved")
    run = services.evaluation_run_create(actor=office, system_version=version, period="2026-03")
    assert run.region_count == 4 and run.observation_count == 16
    east = [o for o in run.inputs["observations"] if o["region"] == "990101"]
    by_code = {o["indicator"]: o for o in east}
    assert by_code["power.time"]["id"] == month.pk and "period" not in by_code["power.time"]
    assert by_code["starting.time"]["period"] == "2025"
    # The trace page says which period a carried value comes from.
    client.force_login(office)
    page = client.get(f"/evaluation/runs/{run.pk}/trace/990101/starting/").content.decode()
    assert "沿用 2025年的数值" in page
    # Two years back is too stale to carry: 2023 values do not count for 2026-03.
    Observation.objects.filter(period="2025").update(period="2023")
    stale = services.evaluation_run_create(actor=office, system_version=version, period="2026-03")
    assert stale.observation_count == 1
