"""Reading one spreadsheet, CSV or YAML cell as a yes/no, a number or a text, with Chinese reasons.

Every import reads yes/no cells with the same words, so a file that works for one import works for all.
"""

from __future__ import annotations

import math
from typing import Any

# Compared after stripping and lower-casing.
TRUE_WORDS = frozenset({"true", "t", "yes", "y", "1", "是", "对"})
FALSE_WORDS = frozenset({"false", "f", "no", "n", "0", "否", "错"})
BOOL_HINT = "是/否（true/false、1/0）"


class CellError(ValueError):
    """A cell that cannot be read as the type its field needs.

    ``reason`` is the Chinese reason without the field (for callers that show the field beside it);
    ``str()`` names the field. ``value`` is what the cell reads as anyway, where there is such a value
    (a text that is too long, a required text that is empty).
    """

    def __init__(self, field: str, reason: str, value: Any = None):
        self.field = field
        self.reason = reason
        self.value = value
        super().__init__(f"{field}：{reason}" if field else reason)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _shown(value: Any) -> str:
    return str(value).strip()[:40]


def yes_no(value: Any) -> bool | None:
    """True or False for a yes/no value (a bool, 0 or 1, or one of the words), None for anything else."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return bool(value) if value in (0, 1) else None
    text = str(value).strip().lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    return None


def cell_bool(value: Any, *, field: str, blank: bool | None = None) -> bool | None:
    """The yes/no in a cell; ``blank`` for an empty cell; CellError for anything else."""
    if _blank(value):
        return blank
    answer = yes_no(value)
    if answer is None:
        raise CellError(field, f"应为 {BOOL_HINT}，收到的是“{_shown(value)}”")
    return answer


def cell_number(value: Any, *, field: str, message: str = "", text: bool = True) -> float | None:
    """The finite number in a cell, None for an empty cell; CellError (with ``message`` if given) otherwise.

    ``text`` accepts numbers written as text, as spreadsheet cells often hold them; typed sources
    (YAML, JSON) pass ``text=False``.
    """
    if _blank(value):
        return None
    reason = message or f"应为数字，收到的是“{_shown(value)}”"
    if isinstance(value, str):
        if not text:
            raise CellError(field, reason)
        try:
            value = float(value.strip())
        except ValueError:
            raise CellError(field, reason) from None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise CellError(field, reason)
    number = float(value)
    if not math.isfinite(number):
        raise CellError(field, reason)
    return number


def cell_text(value: Any, *, field: str, max_length: int | None = None, required: bool = False) -> str:
    """The stripped text in a cell ("" for an empty one); a whole float reads as an integer (3.0 → "3")."""
    if value is None:
        value = ""
    if isinstance(value, bool | list | dict):
        raise CellError(field, "必须是文字", "")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    result = str(value).strip()
    if required and not result:
        raise CellError(field, "不能为空", result)
    if max_length is not None and len(result) > max_length:
        raise CellError(field, f"长度不能超过 {max_length} 个字符（现为 {len(result)} 个）", result)
    return result


def cell_scalar(text: str) -> Any:
    """A free-form cell read as what it looks like: a number, a yes/no, or the text itself.

    Numbers come first, so "1" stays the number 1 rather than yes.
    """
    stripped = text.strip()
    try:
        number = float(stripped)
    except ValueError:
        number = None
    if number is not None and math.isfinite(number):
        return int(number) if number.is_integer() else number
    answer = yes_no(stripped)
    return stripped if answer is None else answer
