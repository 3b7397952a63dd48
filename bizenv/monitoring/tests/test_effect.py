"""整改成效: a difference-in-differences of the warned region against its peers around the first measure."""

from __future__ import annotations

import math
import re

import pytest

from bizenv.core.errors import ApplicationError
from bizenv.monitoring.effect import (
    Effect,
    Verdict,
    effect_chart,
    effect_summary,
    rectification_effect,
)

PERIODS = ["2024-01", "2024-02", "2024-03", "2024-04", "2024-05"]
# Peer mean per period: 11, 11, 11 | 10, 10. Region minus peers d: 1, 2, 0 | −2, −1.
TREATED = [12.0, 13.0, 11.0, 8.0, 9.0]
PEERS = {"西山县": [10.0, 11.0, 10.0, 10.0, 9.0], "南河区": [12.0, 11.0, 12.0, 10.0, 11.0]}
T_975_DF3 = 3.182446305284263


def _effect(*, treated=TREATED, peers=PEERS, periods=PERIODS, first="2024-04", direction="lower_better",
            **kwargs) -> Effect:
    return rectification_effect(periods=periods, treated=treated, peers=peers, first_measure_period=first,
                                direction=direction, unit="天", indicator_name="开办企业时间",
                                region_name="东湖县", **kwargs)


def _no_latin(text: str) -> bool:
    return re.search(r"[A-Za-z]", text) is None


def test_hand_computed_did():
    # given a region that fell from 12 to 8.5 days while its peers fell from 11 to 10
    # when the effect is measured
    effect = _effect()
    # then the means, the DiD and its standard error are the hand-computed ones
    assert effect.before_periods == ("2024-01", "2024-02", "2024-03")
    assert effect.after_periods == ("2024-04", "2024-05")
    assert effect.treated_before == pytest.approx(12.0)
    assert effect.treated_after == pytest.approx(8.5)
    assert effect.peers_before == pytest.approx(11.0)
    assert effect.peers_after == pytest.approx(10.0)
    assert effect.did == pytest.approx(-2.5)  # (8.5 − 12) − (10 − 11)
    # var(d before) = 1 over 3 periods, var(d after) = 0.5 over 2 periods
    assert effect.se == pytest.approx(math.sqrt(1 / 3 + 0.5 / 2))
    assert effect.peer_count == 2


def test_interval_uses_student_t_with_pooled_degrees_of_freedom():
    pytest.importorskip("scipy")
    # given the hand-computed series (3 + 2 periods: 3 degrees of freedom)
    effect = _effect()
    # then the interval is DiD ± t(0.975, 3) · SE
    margin = T_975_DF3 * math.sqrt(1 / 3 + 0.5 / 2)
    assert effect.did_low == pytest.approx(-2.5 - margin)
    assert effect.did_high == pytest.approx(-2.5 + margin)


def test_lower_better_fall_is_an_improvement():
    # given an indicator where fewer days are better, and the region fell more than its peers
    effect = _effect(direction="lower_better")
    # then the improvement is positive and the whole interval lies on the better side
    assert effect.improvement == pytest.approx(2.5)
    low, high = effect.improvement_interval
    assert 0 < low < 2.5 < high
    assert effect.verdict == Verdict.IMPROVED
    assert effect.verdict_label == "明显改善"


def test_higher_better_fall_is_a_worsening():
    # given the same numbers on an indicator where higher is better
    effect = _effect(direction="higher_better")
    # then the same DiD reads as worse than the peers
    assert effect.did == pytest.approx(-2.5)
    assert effect.improvement == pytest.approx(-2.5)
    assert effect.verdict == Verdict.WORSENED
    assert effect.verdict_label == "明显变差"
    assert "本区变差 2.50 天" in effect.sentence


def test_noisy_after_window_is_unclear():
    # given an after window whose differences swing (−2, +1): the interval crosses zero
    effect = _effect(treated=[12.0, 13.0, 11.0, 8.0, 11.0])
    assert effect.did == pytest.approx(-1.5)
    assert effect.se == pytest.approx(math.sqrt(1 / 3 + 4.5 / 2))
    assert effect.verdict == Verdict.UNCLEAR
    assert effect.verdict_label == "尚不明确"
    assert "改善 1.50 天" in effect.sentence and "尚不明确" in effect.sentence


def test_sentence_states_every_figure_in_chinese():
    effect = _effect()
    sentence = effect.sentence
    margin = T_975_DF3 * math.sqrt(1 / 3 + 0.5 / 2)
    for figure in ("整改前 3 期", "本区均值 12.00 天", "均值 11.00 天", "整改后 2 期", "本区 8.50 天",
                   "同类地区 10.00 天", "本区改善 2.50 天", f"{2.5 - margin:.2f}～{2.5 + margin:.2f} 天",
                   "2024年4月", "东湖县", "开办企业时间", "整改效果明显"):
        assert figure in sentence, figure
    assert _no_latin(sentence)


def test_too_few_after_names_the_counts():
    # given only one period since the first measure
    effect = _effect(periods=PERIODS[:4], treated=TREATED[:4], peers={k: v[:4] for k, v in PEERS.items()})
    # then no verdict is given, and the sentence says how many periods exist and how many are needed
    assert effect.verdict == Verdict.TOO_FEW
    assert effect.se is None and effect.improvement_interval is None
    assert "整改后仅有 1 期可比数据" in effect.sentence
    assert "整改后至少需要 2 期" in effect.sentence
    assert "整改前有 3 期可比数据" in effect.sentence
    assert _no_latin(effect.sentence)


def test_too_few_before_names_the_counts():
    # given the first measure in the third period: two periods before it
    effect = _effect(first="2024-03")
    assert effect.verdict == Verdict.TOO_FEW
    assert "整改前仅有 2 期可比数据" in effect.sentence
    assert "整改前至少需要 3 期" in effect.sentence
    assert "整改后至少" not in effect.sentence


def test_too_few_on_both_sides_and_custom_minimums():
    effect = _effect(first="2024-02", min_before=2, min_after=5)
    assert effect.verdict == Verdict.TOO_FEW
    assert "整改前仅有 1 期可比数据" in effect.sentence and "整改后仅有 4 期可比数据" in effect.sentence
    assert "整改前至少需要 2 期、整改后至少需要 5 期" in effect.sentence


def test_no_peers_cannot_be_judged():
    # given no peer region (every other region was warned too)
    effect = _effect(peers={})
    # then nothing is compared and the sentence says why
    assert effect.verdict == Verdict.TOO_FEW
    assert effect.peer_count == 0 and effect.did is None
    assert effect.peer_mean == (None,) * 5
    assert "没有可对照的同类地区" in effect.sentence
    assert _no_latin(effect.sentence)


def test_peers_with_only_missing_values_count_as_no_peers():
    effect = _effect(peers={"西山县": [None, math.nan, None, None, None]})
    assert effect.verdict == Verdict.TOO_FEW and effect.peer_count == 0


def test_peers_with_gaps_average_those_with_a_value():
    # given a peer missing February, another missing May, and the region missing March
    peers = {"西山县": [10.0, None, 10.0, 10.0, 9.0], "南河区": [12.0, 11.0, 12.0, 10.0, math.nan],
             "北岭县": [None, None, None, None, None]}
    treated = [12.0, 13.0, None, 8.0, 9.0]
    effect = _effect(treated=treated, peers=peers, min_before=2)
    # then each period's peer mean is over the peers reporting it; the region's gap drops March
    assert effect.peer_mean == pytest.approx((11.0, 11.0, 11.0, 10.0, 9.0))
    assert effect.peer_count == 2
    assert effect.before_periods == ("2024-01", "2024-02")
    assert effect.treated_before == pytest.approx(12.5)
    assert effect.peers_before == pytest.approx(11.0)
    assert effect.peers_after == pytest.approx(9.5)
    # d before 1, 2; d after −2, 0: DiD = −1 − 1.5
    assert effect.did == pytest.approx(-2.5)
    assert effect.se == pytest.approx(math.sqrt(0.5 / 2 + 2.0 / 2))


def test_series_keyed_by_period_equal_aligned_series():
    keyed = _effect(treated=dict(zip(PERIODS, TREATED, strict=True)),
                    peers={k: dict(zip(PERIODS, v, strict=True)) for k, v in PEERS.items()})
    assert keyed == _effect()


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"direction": ""}, "指标方向"),
    ({"min_after": 1}, "至少需要 2 期"),
    ({"treated": TREATED[:3]}, "不一致"),
    ({"periods": ["2024-02", "2024-01", "2024-03", "2024-04", "2024-05"]}, "先后"),
])
def test_bad_arguments_are_chinese_errors(kwargs, message):
    with pytest.raises(ApplicationError, match=message):
        _effect(**kwargs)


def test_chart_marks_the_first_measure_and_spans_every_period():
    # given an effect with one missing region value
    effect = _effect(treated=[12.0, 13.0, None, 8.0, 9.0], min_before=2)
    # when charted
    option = effect_chart(effect)
    # then two lines over all periods, the gap kept, and the mark at the first measure
    assert option["xAxis"]["data"] == PERIODS
    region, peers = option["series"]
    assert [s["name"] for s in option["series"]] == ["本区域（东湖县）", "同类地区均值"]
    assert option["legend"]["data"] == ["本区域（东湖县）", "同类地区均值"]
    assert len(region["data"]) == len(peers["data"]) == len(PERIODS)
    assert region["data"][2] == "-"
    assert peers["data"] == [11.0, 11.0, 11.0, 10.0, 10.0]
    assert region["markLine"]["data"] == [{"xAxis": "2024-04"}]
    assert region["markLine"]["label"]["formatter"] == "首次整改"
    assert option["yAxis"]["name"] == "天"
    assert "max" not in option["yAxis"]  # days are not scores out of 100


def test_chart_marks_the_next_period_when_the_measure_month_has_no_column():
    periods = ["2024-01", "2024-02", "2024-03", "2024-05", "2024-06"]
    effect = _effect(periods=periods, first="2024-04")
    option = effect_chart(effect, title="整改前后对比")
    assert option["series"][0]["markLine"]["data"] == [{"xAxis": "2024-05"}]
    assert option["title"]["text"] == "整改前后对比"


def test_chart_without_periods_has_no_mark():
    effect = _effect(periods=[], treated=[], peers={"西山县": []})
    option = effect_chart(effect)
    assert effect.verdict == Verdict.TOO_FEW
    assert all("markLine" not in s and s["data"] == [] for s in option["series"])


def test_summary_counts_verdicts_per_group():
    # given two regions' effects: 东湖县 improved, worsened and too few; 西山县 unclear
    improved = _effect()
    worsened = _effect(direction="higher_better")
    too_few = _effect(peers={})
    unclear = _effect(treated=[12.0, 13.0, 11.0, 8.0, 11.0])
    # when summarised by region
    rows = effect_summary([("东湖县", improved), ("西山县", unclear), ("东湖县", worsened), ("东湖县", too_few)])
    # then each group counts its verdicts and averages the judged improvements
    east, west = rows
    assert (east.key, east.count, east.improved, east.worsened, east.unclear, east.too_few) == (
        "东湖县", 3, 1, 1, 0, 1)
    assert east.judged == 2
    assert east.mean_improvement == pytest.approx((2.5 - 2.5) / 2)
    assert east.unit == "天"
    assert (west.key, west.count, west.unclear, west.mean_improvement) == ("西山县", 1, 1, pytest.approx(1.5))


def test_summary_without_judged_effects_has_no_mean():
    rows = effect_summary([("开办企业时间", _effect(peers={}))])
    assert rows[0].too_few == 1 and rows[0].mean_improvement is None


def test_summary_does_not_average_across_units():
    days = _effect()
    percent = rectification_effect(periods=PERIODS, treated=TREATED, peers=PEERS, first_measure_period="2024-04",
                                   direction="higher_better", unit="%", indicator_name="全程网办比例",
                                   region_name="东湖县")
    row, = effect_summary([("东湖县", days), ("东湖县", percent)])
    assert row.count == 2 and row.mean_improvement is None and row.unit == ""
    assert effect_summary([]) == []
