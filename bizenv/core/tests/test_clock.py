import datetime as dt

import pytest

from bizenv.core import clock
from bizenv.core.errors import ApplicationError
from bizenv.datasets.demo_records import demo_window


def test_the_suite_runs_on_a_fixed_day_so_the_demo_ends_with_the_same_month_on_any_date():
    assert clock.today() == dt.date(2026, 12, 3)
    assert demo_window()[-1] == "2026-11"


def test_a_fixed_day_moves_the_demo_window(settings):
    settings.BIZENV_TODAY = "2026-06-15"
    assert clock.today() == dt.date(2026, 6, 15)
    assert demo_window()[0] == "2023-06" and demo_window()[-1] == "2026-05"


def test_without_a_fixed_day_today_is_the_date_in_china(settings):
    settings.BIZENV_TODAY = ""
    assert clock.today() == dt.datetime.now(clock.CHINA).date()


def test_a_malformed_fixed_day_is_refused_in_chinese(settings):
    settings.BIZENV_TODAY = "12/03/2026"
    with pytest.raises(ApplicationError, match="BIZENV_TODAY"):
        clock.today()
