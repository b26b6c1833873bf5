"""A listing as it arrives from a CSV row or the demo city: parsed and checked, before any database work."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from portal.models import KINDS, TARGETS, WINDOW_CODES

TOKYO = ZoneInfo("Asia/Tokyo")

COLUMNS = (
    "kind", "name", "name_kana", "summary", "description", "organisation", "address", "area",
    "lat", "lng", "phone", "email", "url", "targets", "tags", "languages", "hours", "window_code",
    "starts_at", "ends_at",
)  # fmt: skip
REQUIRED_COLUMNS = ("kind", "name")
TEXT_LIMITS = {"name": 300, "name_kana": 300, "address": 300, "phone": 50, "email": 200, "url": 500}
LIST_LIMIT = 100  # longest tag, target or language code we keep
_LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class RowError(ValueError):
    """One problem with one row; the message is shown to the person importing."""


@dataclass
class ListingRow:
    kind: str
    name: str
    name_kana: str = ""
    summary: str = ""
    description: str = ""
    organisation: str = ""
    address: str = ""
    area: str = ""
    lat: float | None = None
    lng: float | None = None
    phone: str = ""
    email: str = ""
    url: str = ""
    targets: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    hours: str = ""
    window_code: str = ""
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    # Only from the demo city: not CSV columns.
    areas_served: list[str] | None = None
    translations: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def key(self) -> tuple[str, str, str]:
        """What makes a listing the same listing: kind, name and (menus, events) the owner."""
        owner = self.organisation if self.kind in ("menu", "event") else ""
        return (self.kind, self.name, owner)


def split_list(value: str) -> list[str]:
    """`a; b;;c` → ['a', 'b', 'c'], order kept, duplicates dropped."""
    if not value or ";" not in value:  # most cells: one item or none
        item = (value or "").strip()
        return [item] if item else []
    items = [item for item in map(str.strip, value.split(";")) if item]
    return list(dict.fromkeys(items))


def _coordinate(raw: str, name: str, low: float, high: float) -> float | None:
    if not raw.strip():
        return None
    try:
        value = float(raw)
    except ValueError:
        raise RowError(f"{name} '{raw}' is not a number") from None
    if not low <= value <= high:
        raise RowError(f"{name} {value} is outside {low}..{high}")
    return value


def parse_datetime(raw: str, name: str) -> datetime | None:
    """ISO 8601; a time without a zone is Japan time."""
    if not raw.strip():
        return None
    try:
        value = datetime.fromisoformat(raw.strip())
    except ValueError:
        raise RowError(f"{name} '{raw}' is not an ISO 8601 date and time (e.g. 2026-12-01T10:00)") from None
    return value if value.tzinfo else value.replace(tzinfo=TOKYO)


_TEXT_COLUMNS = tuple((name, TEXT_LIMITS.get(name)) for name in (
    "name", "name_kana", "summary", "description", "organisation", "address", "area", "phone", "email",
    "url", "hours", "window_code",
))  # fmt: skip


def _texts(cells: dict[str, str], errors: list[str]) -> dict[str, str | None]:
    """The text columns, stripped; one too long is None and noted in ``errors``.

    One loop, no call per cell: this runs for every cell of a 10,000-row import before anything else."""
    texts: dict[str, str | None] = {}
    for name, limit in _TEXT_COLUMNS:
        value = (cells.get(name) or "").strip()
        if limit and len(value) > limit:
            errors.append(f"{name} is longer than {limit} characters")
            texts[name] = None
        else:
            texts[name] = value
    return texts


def parse_row(cells: dict[str, str]) -> tuple[ListingRow | None, list[str]]:
    """Check one row; return the parsed row, or None and every reason it is bad."""
    errors: list[str] = []

    def attempt(fn, *args):
        try:
            return fn(*args)
        except RowError as exc:
            errors.append(str(exc))
            return None

    kind = (cells.get("kind") or "").strip()
    if not kind:
        errors.append("kind is empty")
    elif kind not in KINDS:
        errors.append(f"unknown kind '{kind}' (expected one of {', '.join(KINDS)})")
    texts = _texts(cells, errors)
    if not texts["name"] and "name is longer" not in " ".join(errors):
        errors.append("name is empty")
    raw_lat, raw_lng = cells.get("lat") or "", cells.get("lng") or ""
    lat = attempt(_coordinate, raw_lat, "lat", -90.0, 90.0)
    lng = attempt(_coordinate, raw_lng, "lng", -180.0, 180.0)
    if raw_lat.strip() and not raw_lng.strip():
        errors.append("lat is given without lng")
    if raw_lng.strip() and not raw_lat.strip():
        errors.append("lng is given without lat")
    if texts["email"] and not _EMAIL.match(texts["email"]):
        errors.append(f"email '{texts['email']}' is not an e-mail address")
    if texts["url"] and not texts["url"].startswith(("http://", "https://")):
        errors.append(f"url '{texts['url']}' must start with http:// or https://")
    targets = split_list(cells.get("targets") or "")
    for target in targets:
        if target not in TARGETS:
            errors.append(f"unknown target '{target}' (expected {', '.join(TARGETS)})")
    tags = split_list(cells.get("tags") or "")
    languages = split_list(cells.get("languages") or "")
    for language in languages:
        if not _LANGUAGE_TAG.match(language):
            errors.append(f"language '{language}' is not a BCP 47 code such as ja, pt or zh-Hans")
    for item in tags:
        if len(item) > LIST_LIMIT:
            errors.append(f"tag '{item[:20]}…' is longer than {LIST_LIMIT} characters")
    raw_start, raw_end = cells.get("starts_at"), cells.get("ends_at")
    starts_at = attempt(parse_datetime, raw_start, "starts_at") if raw_start else None
    ends_at = attempt(parse_datetime, raw_end, "ends_at") if raw_end else None
    if kind in ("menu", "event") and not texts["organisation"]:
        errors.append(f"a {kind} needs the name of its organisation")
    if kind == "window":
        code = texts["window_code"] or ""
        if not code:
            errors.append("a window needs a window_code")
        elif code not in WINDOW_CODES:
            errors.append(f"unknown window_code '{code}' (expected one of {', '.join(WINDOW_CODES)})")
    if kind == "event":
        if starts_at is None and not any(e.startswith("starts_at") for e in errors):
            errors.append("an event needs starts_at")
        if starts_at and ends_at and ends_at < starts_at:
            errors.append("ends_at is before starts_at")
    if errors:
        return None, errors
    return (
        ListingRow(
            kind=kind, lat=lat, lng=lng, targets=targets, tags=tags, languages=languages,
            starts_at=starts_at, ends_at=ends_at, **texts,
        ),
        [],
    )  # fmt: skip
