import pytest

from bizenv.dashboards.warnings import DROP_THRESHOLD, black_list_regions, region_warnings, score_changes

NAMES = {"990101": "东城区", "990102": "北山县", "990103": "南湖区"}


def black(region: str, position: int, indicator: str = "TOTAL") -> dict:
    return {"list": "black", "indicator": indicator, "region": region, "region_name": NAMES.get(region, region),
            "position": position}


def test_black_list_regions_keeps_only_the_composite_black_list():
    entries = [black("990101", 1), black("990102", 1, indicator="starting_business"),
               {"list": "red", "indicator": "TOTAL", "region": "990103", "position": 1}]

    assert list(black_list_regions(entries)) == ["990101"]
    assert list(black_list_regions(entries, indicator="starting_business")) == ["990102"]


def test_score_changes_skip_regions_missing_in_either_period():
    assert score_changes({"a": 80.0, "b": 70.0, "c": None}, {"a": 75.0, "c": 60.0}) == {"a": 5.0}


@pytest.mark.parametrize(("now", "before", "warned"), [
    (80.0, 80.0 + DROP_THRESHOLD + 0.01, True),  # fell by just over the threshold
    (80.0, 80.0 + DROP_THRESHOLD, False),  # exactly the threshold is not yet a warning
    (80.0, 70.0, False),  # rose
    (80.0, None, False),  # not scored last period
])
def test_a_drop_larger_than_the_threshold_is_a_warning(now, before, warned):
    result = region_warnings(current={"990101": now}, previous={"990101": before}, names={"990101": "东城区"},
                             previous_label="2026年9月")

    assert bool(result) is warned
    if warned:
        assert result[0].dropped and not result[0].black_listed
        assert "较2026年9月下降" in result[0].reasons[0]


def test_black_listed_and_dropping_regions_come_first_and_only_visible_regions_are_warned():
    current = {"990101": 60.0, "990102": 50.0, "990103": 70.0, "990104": 40.0}
    previous = {"990101": 80.0, "990102": 51.0, "990103": 90.0, "990104": 60.0}
    result = region_warnings(current=current, previous=previous, names=NAMES,
                             black_entries=[black("990102", 1), black("990101", 2), black("990104", 3)],
                             release_label="2026年10月")

    assert [w.region_code for w in result] == ["990101", "990103", "990102"]  # 990104 is not visible
    first = result[0]
    assert first.level == "high" and first.black_rank == 2 and first.change == pytest.approx(-20.0)
    assert first.reasons == ("2026年10月综合得分黑榜第 2 名", "综合得分较上期下降 20.00 分")
    assert result[2].black_listed and not result[2].dropped and result[2].level == "medium"


def test_no_signal_no_warning():
    assert region_warnings(current={"990101": 90.0}, previous={"990101": 89.0}, names=NAMES) == []
