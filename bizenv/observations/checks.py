"""Pure checks of observation values: reading a cell, and the sane range an indicator's unit allows."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from bizenv.core.errors import ApplicationError, ErrorCode

# The largest magnitude any indicator value may take; beyond it a number is a typing accident.
ABSOLUTE_LIMIT = 1e12
# Units whose values are amounts of time, money or things: never negative.
NON_NEGATIVE_UNITS = (
    "工作日", "天", "日", "小时", "分钟", "周", "年", "月", "元", "万元", "亿元", "美元", "美分", "个", "件",
    "家", "次", "项", "人", "户", "公里", "千瓦时",
)
PERCENT_UNITS = ("%", "％", "百分比")
SCORE_UNITS = ("分",)
GROWTH_WORDS = ("增长率", "增速", "增幅", "变化率")

SPECIAL_INPUTS = {
    "no practice": "no_practice",
    "nopractice": "no_practice",
    "无此做法": "no_practice",
    "无此做法（no practice）": "no_practice",
    "n/a": "not_applicable",
    "na": "not_applicable",
    "不适用": "not_applicable",
    "不适用（n/a）": "not_applicable",
}
SPECIAL_EXPORT = {"no_practice": "No Practice", "not_applicable": "N/A"}

_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


class FieldError(ApplicationError):
    """A value problem tied to one input field (数值、特殊值、区域…), for row-by-row rejections."""

    def __init__(self, field: str, message: str, *, code: ErrorCode = ErrorCode.INVALID):
        super().__init__(message, code=code)
        self.field = field


@dataclass(frozen=True)
class ValueRule:
    """The range a value of one indicator must lie in; None means unbounded on that side."""

    lower: float | None
    upper: float | None
    reason: str


def value_rule(*, unit: str, name: str, best: float | None = None, worst: float | None = None) -> ValueRule:
    """The sane range for an indicator: percentages 0–100, durations/costs/counts ≥ 0, growth rates ≥ −100."""
    unit = (unit or "").strip()
    anchors = [abs(v) for v in (best, worst) if v is not None and math.isfinite(v)]
    is_growth = any(word in name for word in GROWTH_WORDS)
    if is_growth:
        return ValueRule(-100.0, None, "增长率不能低于 −100%")
    if any(unit.startswith(u) for u in PERCENT_UNITS):
        upper = max([100.0, *anchors])
        return ValueRule(0.0, upper, f"百分比应在 0–{upper:g} 之间")
    if unit in SCORE_UNITS:
        upper = max([100.0, *anchors])
        return ValueRule(0.0, upper, f"得分应在 0–{upper:g} 之间")
    if any(u in unit for u in NON_NEGATIVE_UNITS):
        return ValueRule(0.0, None, f"以“{unit}”计的时间、费用或数量不能为负数")
    return ValueRule(None, None, "")


def parse_special(text) -> str:
    """'No Practice' / 'N/A' / 无此做法 / 不适用 → the stored special value; '' for blank; FieldError otherwise."""
    if text is None:
        return ""
    value = str(text).strip()
    if not value:
        return ""
    key = value.lower().replace(" ", "") if value.lower().replace(" ", "") in SPECIAL_INPUTS else value.lower()
    if key in SPECIAL_INPUTS:
        return SPECIAL_INPUTS[key]
    if value in ("no_practice", "not_applicable"):
        return value
    raise FieldError("特殊值", f"特殊值“{value}”无法识别，只能填写 No Practice（无此做法）或 N/A（不适用）。")


def parse_number(cell, *, field: str = "数值") -> float | None:
    """A number from a spreadsheet or CSV cell; blank → None; text that is not a number → FieldError."""
    if cell is None:
        return None
    if isinstance(cell, bool):
        raise FieldError(field, f"{field}应为数字，不能是逻辑值（{'TRUE' if cell else 'FALSE'}）。")
    if isinstance(cell, int | float):
        number = float(cell)
    else:
        text = str(cell).strip().replace(",", "").replace("，", "").replace(" ", "")
        if not text:
            return None
        if not _NUMBER.match(text):
            raise FieldError(field, f"{field}“{str(cell).strip()}”不是数字，请只填写阿拉伯数字（不带单位和文字）。")
        number = float(text)
    if not math.isfinite(number):
        raise FieldError(field, f"{field}必须是有限的数字。")
    return number


def parse_cell(cell) -> tuple[float | None, str]:
    """One CSV/Excel value cell: a number, or No Practice / N/A, or blank → (value, special)."""
    if isinstance(cell, str):
        stripped = cell.strip()
        probe = stripped.lower().replace(" ", "")
        if probe in SPECIAL_INPUTS or stripped.lower() in SPECIAL_INPUTS:
            return None, parse_special(stripped)
    return parse_number(cell), ""


def check_value(value: float | None, special: str, *, rule: ValueRule, indicator_label: str, unit: str) -> None:
    """Raise FieldError unless (value, special) is a legal observation of the indicator."""
    if special and value is not None:
        raise FieldError("数值", "数值与特殊值只能填写一项：有数值时请清空“特殊值”。")
    if special:
        if special not in SPECIAL_EXPORT:
            raise FieldError("特殊值", f"特殊值“{special}”无效，只能是 No Practice 或 N/A。")
        return
    if value is None:
        raise FieldError("数值", f"请填写“{indicator_label}”的数值，或选择特殊值 No Practice / N/A。")
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise FieldError("数值", f"“{indicator_label}”的数值应为数字。")
    if not math.isfinite(value):
        raise FieldError("数值", f"“{indicator_label}”的数值必须是有限的数字。")
    if abs(value) > ABSOLUTE_LIMIT:
        raise FieldError("数值", f"“{indicator_label}”的数值 {value:g} 过大，请检查是否多填了位数。")
    unit_text = f"（单位：{unit}）" if unit else ""
    if rule.lower is not None and value < rule.lower:
        raise FieldError("数值", f"“{indicator_label}”的数值 {value:g}{unit_text}超出合理范围：{rule.reason}。")
    if rule.upper is not None and value > rule.upper:
        raise FieldError("数值", f"“{indicator_label}”的数值 {value:g}{unit_text}超出合理范围：{rule.reason}。")


def format_value(value: float | None, special: str) -> str:
    """The export text of a value: a plain number, No Practice, N/A, or ''."""
    if special:
        return SPECIAL_EXPORT.get(special, special)
    if value is None:
        return ""
    return f"{value:.10g}"
