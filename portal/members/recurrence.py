"""Repeating events as people write them (第2火曜, 毎週水曜, 毎月15日) turned into RFC 5545 RRULEs."""

from __future__ import annotations

import re
import unicodedata

WEEKDAYS = {"月": "MO", "火": "TU", "水": "WE", "木": "TH", "金": "FR", "土": "SA", "日": "SU"}
_DAY = "([月火水木金土日])曜?日?"
_RRULE = re.compile(r"^FREQ=(DAILY|WEEKLY|MONTHLY|YEARLY)(;[A-Z]+=[A-Z0-9,+-]+)*$")


def to_rrule(text: str) -> str | None:
    """An RRULE for a Japanese repeat description or an RRULE typed as is; None when not understood."""
    value = unicodedata.normalize("NFKC", text or "").strip().replace(" ", "")
    if not value:
        return None
    if _RRULE.match(value.upper()):
        return value.upper()
    if value in ("毎日",):
        return "FREQ=DAILY"
    weekly = re.fullmatch(r"毎週" + _DAY + r"(?:[・、,と]" + _DAY + ")*", value)
    if weekly:
        days = re.findall(r"[月火水木金土日](?=曜|日|$|[・、,と])", value.removeprefix("毎週"))
        return "FREQ=WEEKLY;BYDAY=" + ",".join(WEEKDAYS[d] for d in days)
    # 第2火曜, 第1・第3土曜, 最終金曜
    monthly = re.fullmatch(r"((?:第[1-5]|最終)(?:[・、,と](?:第[1-5]|最終))*)" + _DAY, value)
    if monthly:
        positions = re.findall(r"第([1-5])|(最終)", monthly.group(1))
        day = WEEKDAYS[monthly.group(2)]
        parts = [f"{'-1' if last else n}{day}" for n, last in positions]
        return "FREQ=MONTHLY;BYDAY=" + ",".join(parts)
    month_day = re.fullmatch(r"毎月([1-9]|[12][0-9]|3[01])日", value)
    if month_day:
        return f"FREQ=MONTHLY;BYMONTHDAY={month_day.group(1)}"
    return None
