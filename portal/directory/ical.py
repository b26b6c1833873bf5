"""iCalendar (RFC 5545) for events: one event, or a feed for an area or the whole city, in Asia/Tokyo."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from icalendar import Calendar
from icalendar import Event as VEvent

from portal.directory.events import TOKYO
from portal.models import Event

PRODID = "-//Tsunagu//Community resources//JA"


def calendar_for(events: Iterable[Event], *, name: str, url_for_event: Callable[[Event], str], now: datetime):
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", "Asia/Tokyo")
    for event in events:
        if event.starts_at is None:
            continue
        vevent = VEvent()
        vevent.add("uid", f"listing-{event.id}@tsunagu")
        vevent.add("dtstamp", now)
        vevent.add("summary", event.name)
        starts = event.starts_at.astimezone(TOKYO)
        vevent.add("dtstart", starts)
        vevent.add("dtend", (event.ends_at or event.starts_at + timedelta(hours=1)).astimezone(TOKYO))
        if event.summary or event.description:
            vevent.add(
                "description", "\n\n".join(part for part in (event.summary, event.description) if part)
            )
        if event.address:
            vevent.add("location", event.address)
        if event.lat is not None and event.lng is not None:
            vevent.add("geo", (event.lat, event.lng))
        vevent.add("url", url_for_event(event))
        vevent.add("last-modified", event.updated_at)
        cal.add_component(vevent)
    cal.add_missing_timezones()  # VTIMEZONE for Asia/Tokyo, so every calendar app reads the times right
    return cal


def to_bytes(cal: Calendar) -> bytes:
    return cal.to_ical()
