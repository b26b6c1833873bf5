"""Load the fictional demo city from city.yaml through the same code path as a CSV import."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.importer.apply import ImportSummary, apply_rows
from portal.importer.rows import ListingRow, parse_row
from portal.models import Area, SiteSetting

CITY_FILE = Path(__file__).with_name("city.yaml")
TOKYO = ZoneInfo("Asia/Tokyo")
_ROW_FIELDS = ("kind", "name", "name_kana", "summary", "description", "organisation", "address", "area",
               "phone", "email", "url", "hours", "window_code")  # fmt: skip


def load_city(path: Path = CITY_FILE) -> dict:
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _event_times(spec: dict, today: date) -> tuple[str, str]:
    """Events are written relative to the day the seed runs, so the demo always has upcoming ones."""
    day = today + timedelta(days=int(spec["starts_in_days"]))
    hour, minute = (int(part) for part in str(spec.get("start", "10:00")).split(":"))
    starts = datetime.combine(day, time(hour, minute), tzinfo=TOKYO)
    ends = starts + timedelta(minutes=int(spec.get("minutes", 120)))
    return starts.isoformat(), ends.isoformat()


def listing_rows(city: dict, today: date) -> list[tuple[int, ListingRow]]:
    """The YAML listings as checked rows; a mistake in the demo file fails loudly."""
    rows: list[tuple[int, ListingRow]] = []
    for number, item in enumerate(city["listings"], start=1):
        cells = {name: str(item.get(name) or "") for name in _ROW_FIELDS}
        cells["lat"], cells["lng"] = str(item.get("lat", "")), str(item.get("lng", ""))
        for name in ("targets", "tags", "languages"):
            cells[name] = ";".join(item.get(name) or [])
        if item.get("event"):
            cells["starts_at"], cells["ends_at"] = _event_times(item["event"], today)
        row, errors = parse_row(cells)
        if row is None:
            raise ValueError(f"demo listing {number} ({item.get('name')}): {'; '.join(errors)}")
        row.translations = {lang: dict(texts) for lang, texts in (item.get("translations") or {}).items()}
        if row.kind == "window":
            row.areas_served = list(item.get("areas_served") or [])
        rows.append((number, row))
    return rows


def seed_areas(session: Session, city: dict) -> None:
    existing = {area.code: area for area in session.scalars(select(Area))}
    for spec in city["areas"]:
        area = existing.get(spec["code"]) or Area(code=spec["code"])
        for name in ("name", "name_kana", "lat", "lng"):
            if getattr(area, name) != spec.get(name):
                setattr(area, name, spec.get(name))
        session.add(area)
    session.flush()


def seed_demo(session: Session, *, today: date | None = None, path: Path = CITY_FILE) -> ImportSummary:
    """Add or update the demo city; running it twice on the same day changes nothing. Caller commits."""
    city = load_city(path)
    _mark_demo(session, city)
    seed_areas(session, city)
    return apply_rows(session, listing_rows(city, today or datetime.now(TOKYO).date()))


def _mark_demo(session: Session, city: dict) -> None:
    """Remember that the demo city is loaded, so every page can say it is fictional."""
    value = json.dumps(
        {"name": city["city"]["name"], "notice": city["city"].get("fictional_notice", {})}, ensure_ascii=False
    )
    setting = session.get(SiteSetting, "demo_city") or SiteSetting(key="demo_city")
    if setting.value != value:
        setting.value = value
        session.add(setting)
