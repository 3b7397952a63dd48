"""Forecasts: ETS for long series, drift or mean for short ones, intervals, and no crash on odd input."""

from __future__ import annotations

import math

import numpy as np
import pytest

from bizenv.analysis.forecast import forecast_series, future_periods
from bizenv.analysis.tests.conftest import months
from bizenv.core.errors import ApplicationError

RNG = np.random.default_rng(7)
SEASONAL = list(20 - 0.2 * np.arange(36) + 2 * np.sin(np.arange(36) / 12 * 2 * np.pi) + RNG.normal(0, 0.3, 36))


@pytest.mark.parametrize(("values", "start", "method"), [
    (SEASONAL, "2023-01", "ets"),  # 36 months: three seasons
    (SEASONAL[:24], "2024-01", "ets"),  # exactly two seasons
    (SEASONAL[:20], "2024-01", "drift"),  # monthly but under two seasons
    (list(range(10)), "2017", "ets"),  # yearly: no season, 10 points
    ([3.0, 4.0, 6.0, 5.0, 7.0], "2025-01", "drift"),  # short
    ([3.0, 4.0], "2025-01", "mean"),
    ([3.0], "2025-01", "constant"),  # one point: nothing varies
    ([5.0] * 24, "2024-01", "constant"),
    ([None, None, None], "2025-01", "none"),
])
def test_method_follows_the_length_of_the_series(values, start, method):
    periods = months(start, len(values)) if "-" in start else [str(2017 + i) for i in range(len(values))]
    result = forecast_series(values, periods, horizon=4)
    assert result.method == method
    assert len(result.periods) == len(result.mean) == len(result.lower) == len(result.upper) == 4


@pytest.mark.parametrize(("last", "horizon", "expected"), [
    ("2025-11", 3, ["2025-12", "2026-01", "2026-02"]),
    ("2025-Q4", 2, ["2026-Q1", "2026-Q2"]),
    ("2025", 2, ["2026", "2027"]),
])
def test_future_periods(last, horizon, expected):
    assert future_periods(last, horizon) == expected


@pytest.mark.parametrize("values", [SEASONAL, SEASONAL[:12], [1.0, 5.0, 2.0, 8.0]])
def test_intervals_contain_the_mean_and_widen(values):
    result = forecast_series(values, months("2023-01", len(values)), horizon=6, level=0.9)
    for low, mid, high in zip(result.lower, result.mean, result.upper, strict=True):
        assert low < mid < high
    widths = [h - lo for lo, h in zip(result.lower, result.upper, strict=True)]
    assert widths[-1] >= widths[0] - 1e-9


# The composite score of a demo county, 2024-12 … 2026-11: ETS puts its movement into trend and season and
# used to draw the same 1.5-point interval for every month ahead.
FLAT_FIT = [74.44, 73.91, 73.9, 75.33, 75.07, 74.33, 75.16, 74.77, 74.84, 75.07, 74.85, 74.7, 73.78, 75.11, 74.99,
            74.56, 75.51, 75.67, 75.49, 75.42, 75.35, 75.9, 75.25, 75.19]


@pytest.mark.parametrize("values", [FLAT_FIT, SEASONAL, SEASONAL[:12], [1.0, 5.0, 2.0, 8.0], [3.0, 4.0]])
def test_the_interval_grows_at_least_as_the_square_root_of_the_horizon(values):
    result = forecast_series(values, months("2024-12", len(values)), horizon=6, level=0.9)
    widths = [h - lo for lo, h in zip(result.lower, result.upper, strict=True)]
    assert all(b > a for a, b in zip(widths, widths[1:], strict=False)), widths
    assert widths[-1] >= widths[0] * 6 ** 0.5 - 1e-9


def test_a_wider_level_gives_a_wider_interval():
    narrow = forecast_series(SEASONAL[:12], months("2024-01", 12), horizon=3, level=0.8)
    wide = forecast_series(SEASONAL[:12], months("2024-01", 12), horizon=3, level=0.95)
    assert wide.upper[0] - wide.lower[0] > narrow.upper[0] - narrow.lower[0]


def test_ets_follows_a_clear_trend():
    values = list(100 - 2.0 * np.arange(24) + RNG.normal(0, 0.5, 24))
    result = forecast_series(values, months("2024-01", 24), horizon=3)
    assert result.method == "ets"
    assert 45 < result.mean[0] < 56 and result.lower[0] < result.mean[0] < result.upper[0]


def test_constant_series_has_a_zero_width_interval():
    result = forecast_series([5.0] * 10, months("2025-01", 10), horizon=2)
    assert result.mean == (5.0, 5.0) and result.lower == result.upper == (5.0, 5.0)


def test_gaps_and_trailing_missing_values():
    values = [1.0, 2.0, None, 4.0, 5.0, 6.0, float("nan"), 8.0, None, None]
    result = forecast_series(values, months("2025-01", 10), horizon=2)
    assert result.periods == ("2025-11", "2025-12")
    assert result.method == "drift"
    assert result.mean[0] == pytest.approx(11.0)  # drift of 1 per month from 8.0 in 2025-08, three steps on
    assert result.history[2] is None and all(v is not None and math.isfinite(v) for v in result.mean)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"horizon": 0}, "预测期数"), ({"level": 1.5}, "置信水平"),
])
def test_bad_arguments_are_chinese_errors(kwargs, message):
    with pytest.raises(ApplicationError, match=message):
        forecast_series([1.0, 2.0], ["2025-01", "2025-02"], **kwargs)


def test_a_clipped_forecast_stays_within_the_score_range():
    rising = forecast_series([90.0 + 1.5 * i for i in range(12)], months("2025-01", 12), horizon=6)
    assert max(rising.upper) > 100
    clipped = rising.clipped(0.0, 100.0)
    assert max(clipped.upper) == 100.0 and max(clipped.mean) <= 100.0
    assert clipped.history == rising.history and clipped.periods == rising.periods
