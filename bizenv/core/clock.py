"""Today's date for everything that depends on it: the demo's months, deadlines and late reports.

`BIZENV_TODAY` (``YYYY-MM-DD``) fixes it, so that a demo or a test suite built on any day gives the same
periods as one built on that date; without it, today is the calendar date in China.
"""

from __future__ import annotations

import datetime as dt
import os
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from bizenv.core.errors import ApplicationError, ErrorCode

CHINA = ZoneInfo("Asia/Shanghai")


def today() -> dt.date:
    """The fixed date of `BIZENV_TODAY` when set, else today's date in the configured time zone."""
    if settings.configured:
        fixed = (getattr(settings, "BIZENV_TODAY", "") or "").strip()
    else:  # pure callers (benchmarks, the record generator) run without Django settings
        fixed = os.environ.get("BIZENV_TODAY", "").strip()
    if not fixed:
        return timezone.localdate() if settings.configured else dt.datetime.now(CHINA).date()
    try:
        return dt.date.fromisoformat(fixed)
    except ValueError:
        raise ApplicationError(f"环境变量 BIZENV_TODAY 的日期“{fixed}”无效，应为 YYYY-MM-DD，如 2026-12-03",
                               code=ErrorCode.INVALID) from None
