import pytest

from bizenv.datasets.bottlenecks import StepRow, summarise_regions, summarise_steps


def _row(region, step_no, name, cases, mean, share=None):
    return StepRow(region_code=region, region_name={"A": "东城区", "B": "青溪县"}[region], step_no=step_no,
                   step_name=name, cases=cases, mean_days=mean, p90_days=None, share_over_limit=share)


ROWS = [
    _row("A", 1, "设立登记", 300, 0.5, 0.0),
    _row("A", 2, "刻制公章", 300, 0.5, None),
    _row("B", 1, "设立登记", 100, 2.5, 0.2),
    _row("B", 2, "刻制公章", 100, 0.7, None),
]


def test_steps_are_case_weighted_and_name_their_slowest_region():
    steps = summarise_steps(ROWS)
    assert [s.step_name for s in steps] == ["设立登记", "刻制公章"]
    registration = steps[0]
    assert registration.cases == 400
    assert registration.mean_days == pytest.approx((0.5 * 300 + 2.5 * 100) / 400)
    assert registration.share_over_limit == pytest.approx(0.05)
    assert (registration.slowest_region, registration.slowest_mean_days) == ("青溪县", 2.5)
    assert steps[1].share_over_limit is None


def test_regions_are_ordered_from_the_slowest_end_to_end():
    regions = summarise_regions(ROWS)
    assert [r.region_name for r in regions] == ["青溪县", "东城区"]
    assert regions[0].total_mean_days == pytest.approx(3.2)
    assert regions[0].slowest_step == "设立登记"


def test_no_statistics_give_empty_summaries():
    assert summarise_steps([]) == [] and summarise_regions([]) == []
