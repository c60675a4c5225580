"""Chinese dates and local times (core.dates), used by every report and sheet."""

from __future__ import annotations

import datetime as dt

from foodsafety_desktop.core import dates


def test_cn_date_has_no_leading_zeros():
    assert dates.cn_date(dt.date(2023, 1, 5)) == "2023年1月5日"
    assert dates.cn_date(None) == ""


def test_cn_datetime_keeps_the_given_clock():
    assert dates.cn_datetime(dt.datetime(2026, 11, 22, 8, 5)) == "2026年11月22日 08:05"
    assert dates.cn_datetime(None) == ""


def test_local_time_and_date_follow_the_machine_zone(monkeypatch):
    monkeypatch.setenv("TZ", "Asia/Shanghai")
    import time

    time.tzset()
    try:
        utc = dt.datetime(2022, 9, 20, 18, 30)  # 02:30 next day in Beijing
        assert dates.local_time(utc) == dt.datetime(2022, 9, 21, 2, 30)
        assert dates.local_date(utc) == dt.date(2022, 9, 21)
    finally:
        monkeypatch.undo()
        time.tzset()
