"""Upcoming events grouped the way people plan: this week, this month, later; and a month calendar."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.models import Area, Event

TOKYO = ZoneInfo("Asia/Tokyo")


@dataclass
class EventGroups:
    this_week: list[Event]
    this_month: list[Event]
    later: list[Event]


def _public_events():
    return select(Event).where(Event.status == "published", Event.retired_at.is_(None))


def upcoming(session: Session, now: datetime, *, area: str = "", limit: int = 200) -> list[Event]:
    query = _public_events().where(func.coalesce(Event.ends_at, Event.starts_at) >= now)
    if area:
        query = query.where(Event.area.has(Area.code == area))
    return list(session.scalars(query.order_by(Event.starts_at, Event.id).limit(limit)))


def grouped(events: list[Event], now: datetime) -> EventGroups:
    """This week runs to Sunday night in Japan; this month to the end of the calendar month."""
    today = now.astimezone(TOKYO).date()
    week_end = today + timedelta(days=6 - today.weekday())
    month_end = date(today.year, today.month, calendar.monthrange(today.year, today.month)[1])
    groups = EventGroups([], [], [])
    for event in events:
        day = event.starts_at.astimezone(TOKYO).date() if event.starts_at else today
        if day <= week_end:
            groups.this_week.append(event)
        elif day <= month_end:
            groups.this_month.append(event)
        else:
            groups.later.append(event)
    return groups


@dataclass
class MonthView:
    year: int
    month: int
    weeks: list[list[tuple[date | None, list[Event]]]]  # Monday-first weeks; None pads other months
    previous: tuple[int, int]
    next: tuple[int, int]

    @property
    def first(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def has_events(self) -> bool:
        return any(events for week in self.weeks for _, events in week)


def month_view(session: Session, year: int, month: int) -> MonthView:
    first = date(year, month, 1)
    days = calendar.monthrange(year, month)[1]
    start = datetime.combine(first, time(0), tzinfo=TOKYO)
    end = start + timedelta(days=days)
    events = session.scalars(
        _public_events().where(Event.starts_at >= start, Event.starts_at < end).order_by(Event.starts_at)
    ).all()
    by_day: dict[date, list[Event]] = {}
    for event in events:
        by_day.setdefault(event.starts_at.astimezone(TOKYO).date(), []).append(event)
    weeks = [
        [
            (day if day.month == month else None, by_day.get(day, []) if day.month == month else [])
            for day in week
        ]
        for week in calendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
    ]
    previous = (year - 1, 12) if month == 1 else (year, month - 1)
    following = (year + 1, 1) if month == 12 else (year, month + 1)
    return MonthView(year, month, weeks, previous, following)
