"""Repeats as members write them become RFC 5545 RRULEs."""

import pytest

from portal.members.recurrence import to_rrule


@pytest.mark.parametrize(
    ("text", "rrule"),
    [
        ("第2火曜", "FREQ=MONTHLY;BYDAY=2TU"),
        ("第２火曜日", "FREQ=MONTHLY;BYDAY=2TU"),
        ("第1・第3土曜", "FREQ=MONTHLY;BYDAY=1SA,3SA"),
        ("最終金曜", "FREQ=MONTHLY;BYDAY=-1FR"),
        ("毎週水曜", "FREQ=WEEKLY;BYDAY=WE"),
        ("毎週月・木曜", "FREQ=WEEKLY;BYDAY=MO,TH"),
        ("毎月15日", "FREQ=MONTHLY;BYMONTHDAY=15"),
        ("毎日", "FREQ=DAILY"),
        ("freq=weekly;byday=mo", "FREQ=WEEKLY;BYDAY=MO"),
    ],
)
def test_repeat_words_become_an_rrule(text, rrule):
    assert to_rrule(text) == rrule


@pytest.mark.parametrize("text", ["", "たまに", "第6火曜", "毎月32日", "FREQ=HOURLY"])
def test_unreadable_repeats_give_none(text):
    assert to_rrule(text) is None
