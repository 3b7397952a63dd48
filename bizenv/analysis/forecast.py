"""Forecast of the next periods of one series with prediction intervals.

Long enough series (at least 8 points and two seasons) get a statsmodels ETS model (additive error, damped
additive trend, additive seasonality when the period has one); shorter ones a drift forecast (three points
or more) or the mean, with an empirical interval from the series' own one-step errors. A constant series
forecasts itself with a zero-width interval. Missing values inside the series are interpolated; trailing
missing values are forecast too, so the result always covers the `horizon` periods after the last one.
Never raises on NaN or constant input.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from bizenv.core.errors import ApplicationError
from bizenv.core.periods import Period, PeriodKind

MIN_POINTS = 8
SEASON_LENGTH = {PeriodKind.MONTH: 12, PeriodKind.QUARTER: 4, PeriodKind.YEAR: 1}
METHOD_LABELS = {
    "ets": "指数平滑（ETS）",
    "drift": "漂移法（数据较少）",
    "mean": "均值法（数据很少）",
    "constant": "常数（历史值不变）",
    "none": "无历史数据，无法预测",
}


@dataclass(frozen=True)
class Forecast:
    method: str
    level: float  # coverage of the interval, e.g. 0.9
    periods: tuple[str, ...]
    mean: tuple[float | None, ...]
    lower: tuple[float | None, ...]
    upper: tuple[float | None, ...]
    history_periods: tuple[str, ...]
    history: tuple[float | None, ...]

    @property
    def method_label(self) -> str:
        return METHOD_LABELS[self.method]

    def clipped(self, low: float, high: float) -> Forecast:
        """The same forecast with mean and interval kept within [low, high] (e.g. scores within 0–100)."""
        def clip(values):
            return tuple(None if v is None else min(high, max(low, v)) for v in values)

        return replace(self, mean=clip(self.mean), lower=clip(self.lower), upper=clip(self.upper))


def future_periods(last: str, horizon: int) -> list[str]:
    start = Period.parse(last)
    return [str(start.shift(i)) for i in range(1, horizon + 1)]


def season_length(period: str) -> int:
    return SEASON_LENGTH[Period.parse(period).kind]


def _interpolated(y: np.ndarray) -> np.ndarray:
    known = ~np.isnan(y)
    if known.all():
        return y
    x = np.arange(y.size)
    return np.interp(x, x[known], y[known])


def _ets(y: np.ndarray, steps: int, alpha: float, season: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    import pandas as pd
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    seasonal = "add" if season > 1 and y.size >= 2 * season else None
    # Heuristic initial states (Hyndman et al.: from the first seasons) instead of estimating them as
    # parameters: a 24-month seasonal fit takes 0.05 s instead of 1.5 s, which a page can afford.
    init = "heuristic" if y.size >= 10 else "estimated"
    model = ETSModel(pd.Series(y), error="add", trend="add", damped_trend=True, seasonal=seasonal,
                     seasonal_periods=season if seasonal else None, initialization_method=init)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = model.fit(disp=False, maxiter=200)
        frame = fit.get_prediction(start=y.size, end=y.size + steps - 1).summary_frame(alpha=alpha)
    mean, lower, upper = (frame[c].to_numpy(dtype=float) for c in ("mean", "pi_lower", "pi_upper"))
    if not (np.all(np.isfinite(mean)) and np.all(np.isfinite(lower)) and np.all(np.isfinite(upper))):
        raise ValueError("non-finite forecast")
    spread = np.abs(upper - lower)
    if np.any(spread > 1e3 * (np.ptp(y) + np.abs(y).max() + 1.0)):
        raise ValueError("unusable interval")  # a degenerate fit; the drift fallback is more honest
    return mean, lower, upper


def _drift(y: np.ndarray, steps: int, level: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    slope = (y[-1] - y[0]) / (y.size - 1)
    errors = np.diff(y) - slope
    q = float(np.quantile(np.abs(errors), level))
    h = np.arange(1, steps + 1)
    mean = y[-1] + slope * h
    width = q * np.sqrt(h)
    return mean, mean - width, mean + width


def _mean(y: np.ndarray, steps: int, level: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    centre = float(y.mean())
    q = float(np.quantile(np.abs(y - centre), level))
    mean = np.full(steps, centre)
    return mean, mean - q, mean + q


def _widening(mean: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """An interval that grows with the horizon at least as a random walk's does (√h times the first step's).

    A fitted model can put all of a series' movement into trend and season (smoothing parameters near zero);
    it then draws as wide an interval six months ahead as one month ahead, which no reader should believe:
    the further ahead, the less is known. Each side keeps its own width, so asymmetric intervals stay so."""
    h = np.sqrt(np.arange(1, mean.size + 1))
    below, above = np.maximum(mean - lower, 0.0), np.maximum(upper - mean, 0.0)
    return mean - np.maximum(below, below[0] * h), mean + np.maximum(above, above[0] * h)


def _clean(values: np.ndarray) -> tuple[float | None, ...]:
    return tuple(None if not np.isfinite(v) else float(v) for v in values)


def forecast_series(values: Sequence[float | None], periods: Sequence[str], *, horizon: int = 6,
                    level: float = 0.9) -> Forecast:
    """Forecast the `horizon` periods after `periods[-1]`; `values` may hold None/NaN for missing data."""
    if len(values) != len(periods) or not periods:
        raise ApplicationError("预测需要与时期一一对应的历史数据。")
    if not 1 <= horizon <= 60:
        raise ApplicationError("预测期数应在 1 到 60 之间。")
    if not 0.5 <= level < 1:
        raise ApplicationError("预测区间的置信水平应在 0.5 到 1 之间（例如 0.9）。")
    y = np.array([np.nan if v is None else float(v) for v in values], dtype=float)
    y[~np.isfinite(y)] = np.nan
    labels = future_periods(periods[-1], horizon)
    history = (tuple(periods), _clean(y))
    known = np.flatnonzero(~np.isnan(y))
    if not known.size:
        empty = (None,) * horizon
        return Forecast("none", level, tuple(labels), empty, empty, empty, *history)
    series = _interpolated(y[known[0]:known[-1] + 1])
    trailing = len(y) - 1 - int(known[-1])
    steps = trailing + horizon
    season = season_length(periods[-1])
    if np.ptp(series) == 0:
        method = "constant"
        mean = lower = upper = np.full(steps, series[0])
    elif series.size >= max(MIN_POINTS, 2 * season):
        try:
            mean, lower, upper = _ets(series, steps, 1 - level, season)
            method = "ets"
        except Exception:  # noqa: BLE001 — any failure of the optimiser falls back to drift
            mean, lower, upper = _drift(series, steps, level)
            method = "drift"
    elif series.size >= 3:
        mean, lower, upper = _drift(series, steps, level)
        method = "drift"
    else:
        mean, lower, upper = _mean(series, steps, level)
        method = "mean"
    if method != "constant":
        lower, upper = _widening(mean, lower, upper)
    return Forecast(method, level, tuple(labels), _clean(mean[-horizon:]), _clean(lower[-horizon:]),
                    _clean(upper[-horizon:]), *history)
