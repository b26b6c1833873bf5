"""Dates and times worded in the reader's language (portal/templating.py), as Babel itself words them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import pytz
from babel import Locale, dates

from portal.templating import _formatted_datetime

LOCALES = [Locale.parse(code) for code in ("ja", "en", "pt_BR", "vi", "zh_Hans", "ko", "ne")]
ZONES = [pytz.timezone("Asia/Tokyo"), pytz.timezone("Europe/Berlin"), ZoneInfo("America/New_York"), None]


def instants() -> list[datetime]:
    """Every 45 minutes across both of 2026's summer-time changes in Europe and America, and the same
    wall-clock times on other days, so that kept halves meet again under other zones and days."""
    found = []
    for start in (datetime(2026, 3, 7, tzinfo=UTC), datetime(2026, 3, 28, tzinfo=UTC),
                  datetime(2026, 10, 24, tzinfo=UTC), datetime(2026, 10, 31, tzinfo=UTC)):  # fmt: skip
        found += [start + timedelta(minutes=45 * step) for step in range(80)]
    naive = datetime(2026, 11, 23, 10, 0)  # as a database without zones might give one
    return [*found, naive.replace(tzinfo=UTC), naive]


@pytest.mark.parametrize("fmt", ["full", "long", "medium", "short", "yyyy-MM-dd HH:mm zzzz"])
def test_a_date_and_time_is_worded_as_babel_words_it_in_every_zone_and_language(fmt: str) -> None:
    for _ in range(2):  # the second time round, from what was kept
        for locale in LOCALES:
            for zone in ZONES:
                for value in instants():
                    expected = dates.format_datetime(value, fmt, tzinfo=zone, locale=locale)
                    assert _formatted_datetime(value, fmt, locale, zone) == expected, (value, zone, locale)
