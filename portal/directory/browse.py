"""Browsing the directory: filters, counts per filter value, sorting and pages. No Flask request in here.

Views turn query parameters into `Filters` with `parse_filters` (unknown values are dropped and reported,
never an error), then call `browse()`; the map's data uses the same `Filters` and `filtered_query`.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import lru_cache
from threading import Lock
from time import monotonic

from sqlalchemy import Select, case, exists, func, or_, select
from sqlalchemy.orm import Session, selectinload

from portal.models import KINDS, TARGETS, Area, Listing, ListingLanguage, ListingTag, ListingTarget

PAGE_SIZE = 20
SORTS = ("name", "nearest", "newest")
# Weekdays as the `day` parameter spells them, Monday first (Japanese weeks are written 月〜日).
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEKDAY_KANJI = ("月", "火", "水", "木", "金", "土", "日")
RANGE_DASHES = ("〜", "～", "~", "-", "－")
TOP_TAGS = 30  # the tag filter offers the most used tags; any other tag still works from a URL
MAX_TEXT = 100  # longer filter values are not tags or codes: ignore them


@dataclass(frozen=True)
class Filters:
    kind: tuple[str, ...] = ()
    area: str = ""
    target: str = ""
    language: str = ""
    tag: str = ""
    day: str = ""
    upcoming: bool = False
    sort: str = "name"
    lat: float | None = None
    lng: float | None = None
    page: int = 1

    @property
    def near(self) -> tuple[float, float] | None:
        return (self.lat, self.lng) if self.lat is not None and self.lng is not None else None

    def as_params(self, **changes) -> dict[str, object]:
        """Query parameters for a URL with these filters (and some changed): empty values left out."""
        f = replace(self, **changes)
        params: dict[str, object] = {
            "kind": list(f.kind),
            "area": f.area,
            "target": f.target,
            "language": f.language,
            "tag": f.tag,
            "day": f.day,
            "upcoming": "1" if f.upcoming else "",
            "sort": "" if f.sort == "name" else f.sort,
            "lat": "" if f.lat is None else f"{f.lat:.4f}",
            "lng": "" if f.lng is None else f"{f.lng:.4f}",
            "page": "" if f.page == 1 else f.page,
        }
        return {key: value for key, value in params.items() if value not in ("", [], None)}

    @property
    def active(self) -> bool:
        return bool(self.kind or self.area or self.target or self.language or self.tag or self.day)


@dataclass
class Ignored:
    """A filter value we did not understand: shown to the person, who keeps the rest of the search."""

    param: str
    value: str


@dataclass
class Facet:
    value: str
    count: int


@dataclass
class BrowseResult:
    filters: Filters
    items: list[Listing]
    total: int
    pages: int
    facets: dict[str, list[Facet]] = field(default_factory=dict)
    distances: dict[int, float] = field(default_factory=dict)  # km, when sorted by nearest

    @property
    def past_the_end(self) -> bool:
        return self.filters.page > max(self.pages, 1)


# --- parsing ---


def parse_filters(args: Mapping, *, area_codes: set[str], language_codes: set[str] | None = None):
    """Query parameters → (Filters, ignored values). Never raises on bad input."""
    ignored: list[Ignored] = []

    def one(name: str, allowed) -> str:
        raw = _clean(args.get(name))
        if not raw:
            return ""
        if allowed is None or raw in allowed:
            return raw
        ignored.append(Ignored(name, raw))
        return ""

    kinds: list[str] = []
    getlist = args.getlist if hasattr(args, "getlist") else lambda n: [args[n]] if n in args else []
    for raw in getlist("kind"):
        for value in str(raw).split(","):
            value = _clean(value)
            if value in KINDS and value not in kinds:
                kinds.append(value)
            elif value:
                ignored.append(Ignored("kind", value))
    lat, lng = _coordinate(args.get("lat"), 90), _coordinate(args.get("lng"), 180)
    if (lat is None) != (lng is None) or (args.get("lat") and lat is None):
        lat = lng = None
        ignored.append(Ignored("lat", f"{args.get('lat', '')},{args.get('lng', '')}"))
    sort = one("sort", SORTS) or "name"
    if sort == "nearest" and lat is None:
        sort = "name"  # nearest to nowhere: the person has not shared a location, so keep the usual order
    page = _page(args.get("page"), ignored)
    filters = Filters(
        kind=tuple(kinds),
        area=one("area", area_codes),
        target=one("target", TARGETS),
        language=one("language", language_codes),
        tag=one("tag", None),
        day=one("day", WEEKDAYS),
        upcoming=(args.get("upcoming") or "") in ("1", "on", "true", "yes"),
        sort=sort,
        lat=lat,
        lng=lng,
        page=page,
    )
    return filters, ignored


def _clean(raw) -> str:
    """A filter value as text: control characters dropped (PostgreSQL rejects NUL in text), length capped."""
    text = str(raw or "")
    return "".join(ch for ch in text[: MAX_TEXT * 2] if ch >= " " and ch != "\x7f").strip()[:MAX_TEXT]


def _coordinate(raw, limit: float) -> float | None:
    try:
        value = float(str(raw or "").strip())
    except ValueError:
        return None
    return value if math.isfinite(value) and -limit <= value <= limit else None


def _page(raw, ignored: list[Ignored]) -> int:
    if not raw:
        return 1
    try:
        value = int(str(raw).strip())
    except ValueError:
        ignored.append(Ignored("page", str(raw)[:MAX_TEXT]))
        return 1
    if value < 1 or value > 100_000:
        ignored.append(Ignored("page", str(raw)[:MAX_TEXT]))
        return 1
    return value


# --- opening days, read from the free-text hours ----------------------------------------------------------


@lru_cache(maxsize=8192)
def open_on_days(hours: str) -> frozenset[str]:
    """The weekdays a free-text Japanese `hours` says a place is open: 水曜, 月曜〜金曜, 平日, 毎日.

    Cached by text: hours repeat (毎週水曜 10:00〜11:30 is written by many salons), so the database is
    asked only for the distinct texts and each is read once.
    """
    days: set[str] = set()
    for index, code in enumerate(WEEKDAYS):
        if _mentions_day(hours, index) and f"{WEEKDAY_KANJI[index]}曜定休" not in hours:
            days.add(code)
    return frozenset(days)


def _ranges_including(index: int) -> list[str]:
    """Every written range 「X曜〜Y曜」 that covers the given weekday."""
    patterns = []
    for start in range(7):
        for end in range(7):
            if start == end:
                continue
            covered = start <= index <= end if start < end else (index >= start or index <= end)
            if covered:
                for dash in RANGE_DASHES:
                    patterns.append(f"{WEEKDAY_KANJI[start]}曜{dash}{WEEKDAY_KANJI[end]}曜")
    return patterns


def _day_patterns(index: int) -> list[str]:
    patterns = [f"{WEEKDAY_KANJI[index]}曜", "毎日"]
    if index < 5:
        patterns.append("平日")
    return patterns + _ranges_including(index)


def _mentions_day(hours: str, index: int) -> bool:
    return any(pattern in hours for pattern in _day_patterns(index))


def hours_open_on(session: Session, day: str) -> list[str]:
    """The distinct `hours` texts of public listings that are open on the day."""
    texts = session.scalars(
        select(Listing.hours).where(Listing.status == "published", Listing.retired_at.is_(None)).distinct()
    )
    return [text for text in texts if day in open_on_days(text)]


# --- queries ---


def public_listings() -> Select:
    return select(Listing).where(Listing.status == "published", Listing.retired_at.is_(None))


def _conditions(
    filters: Filters, now: datetime, *, skip: str = "", day_hours: list[str] | None = None
) -> list:
    """SQL conditions for the filters; `skip` leaves one out, to count that filter's other values."""
    conditions = [Listing.status == "published", Listing.retired_at.is_(None)]
    if filters.kind and skip != "kind":
        conditions.append(Listing.kind.in_(filters.kind))
    if filters.area and skip != "area":
        conditions.append(Listing.area.has(Area.code == filters.area))
    if filters.target and skip != "target":
        conditions.append(
            exists().where(ListingTarget.listing_id == Listing.id, ListingTarget.target == filters.target)
        )
    if filters.language and skip != "language":
        conditions.append(
            exists().where(
                ListingLanguage.listing_id == Listing.id, ListingLanguage.language == filters.language
            )
        )
    if filters.tag and skip != "tag":
        conditions.append(exists().where(ListingTag.listing_id == Listing.id, ListingTag.tag == filters.tag))
    if filters.day and skip != "day":
        conditions.append(Listing.hours.in_(day_hours or []))
    if filters.upcoming:
        # Only events have dates: "upcoming" keeps events still to come and leaves other kinds alone.
        conditions.append(
            or_(Listing.kind != "event", func.coalesce(Listing.ends_at, Listing.starts_at) >= now)
        )
    return conditions


def filtered_query(session: Session, filters: Filters, now: datetime) -> Select:
    return select(Listing).where(*_conditions(filters, now, day_hours=_day_hours(session, filters)))


def _day_hours(session: Session, filters: Filters) -> list[str] | None:
    return hours_open_on(session, filters.day) if filters.day else None


def _distance_expr(near: tuple[float, float]):
    """Squared equirectangular distance in degrees of latitude: fine for ordering within a city."""
    lat, lng = near
    scale = math.cos(math.radians(lat))
    return (Listing.lat - lat) * (Listing.lat - lat) + (Listing.lng - lng) * scale * (
        Listing.lng - lng
    ) * scale


def _ordered(query: Select, filters: Filters) -> Select:
    if filters.sort == "nearest" and filters.near:
        no_place = case((Listing.lat.is_(None), 1), else_=0)
        return query.order_by(no_place, _distance_expr(filters.near), Listing.id)
    if filters.sort == "newest":
        return query.order_by(Listing.created_at.desc(), Listing.id.desc())
    # 五十音 order by reading; listings without a reading go last, by name.
    no_reading = case((Listing.name_kana == "", 1), else_=0)
    return query.order_by(no_reading, Listing.name_kana, Listing.name, Listing.id)


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance (haversine), for showing "1.2 km" beside a result."""
    lat1, lng1, lat2, lng2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lng2 - lng1) / 2) ** 2
    return 6371.0 * 2 * math.asin(math.sqrt(h))


def browse(session: Session, filters: Filters, now: datetime, *, with_facets: bool = True) -> BrowseResult:
    day_hours = _day_hours(session, filters)
    base = select(Listing).where(*_conditions(filters, now, day_hours=day_hours))
    key = _cache_key(session, filters, now)
    total = _COUNTS.get(key, "total")
    if total is None:
        total = session.scalar(select(func.count()).select_from(base.order_by(None).subquery())) or 0
        _COUNTS.put(key, "total", total)
    pages = max(1, math.ceil(total / PAGE_SIZE))
    items: list[Listing] = []
    if filters.page <= pages:
        query = (
            _ordered(base, filters)
            .options(selectinload(Listing._tags), selectinload(Listing.translations))
            .limit(PAGE_SIZE)
            .offset((filters.page - 1) * PAGE_SIZE)
        )
        items = list(session.scalars(query))
    result = BrowseResult(filters=filters, items=items, total=total, pages=pages)
    if filters.near:
        result.distances = {
            item.id: distance_km(filters.near, (item.lat, item.lng)) for item in items if item.lat is not None
        }
    if with_facets:
        result.facets = _COUNTS.get(key, "facets")
        if result.facets is None:
            result.facets = facets(session, filters, now, day_hours=day_hours)
            _COUNTS.put(key, "facets", result.facets)
    return result


class _CountCache:
    """Counts and facets for recent filter choices, in this process.

    Counting every facet is most of a directory page's time, and the same few choices (salons in my area)
    come again and again. An entry is keyed by the directory's version (how many listings, the latest
    change), so an edit is seen at once; and it lives at most TTL seconds, for changes the version
    cannot see (a tag edited without touching its listing).
    """

    SIZE = 512
    TTL = 60.0  # seconds

    def __init__(self) -> None:
        self._entries: OrderedDict[tuple, tuple[float, object]] = OrderedDict()
        self._lock = Lock()

    def get(self, key: tuple, part: str):
        with self._lock:
            entry = self._entries.get((key, part))
            if entry is None or monotonic() - entry[0] > self.TTL:
                return None
            self._entries.move_to_end((key, part))
            return entry[1]

    def put(self, key: tuple, part: str, value) -> None:
        with self._lock:
            self._entries[(key, part)] = (monotonic(), value)
            while len(self._entries) > self.SIZE:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


_COUNTS = _CountCache()


def _cache_key(session: Session, filters: Filters, now: datetime) -> tuple:
    count, latest = session.execute(select(func.count(), func.max(Listing.updated_at))).one()
    version = (session.get_bind().url.render_as_string(), count, latest)
    # Counts do not depend on the page, the order or the person's location; "upcoming" moves with time.
    shape = replace(filters, page=1, sort="name", lat=None, lng=None)
    return (version, shape, now.replace(second=0, microsecond=0) if filters.upcoming else None)


def facets(
    session: Session, filters: Filters, now: datetime, *, day_hours: list[str] | None = None
) -> dict[str, list[Facet]]:
    """How many listings each filter value would give, with the other filters as they are."""

    def grouped(column, join_to, skip: str, limit: int | None = None) -> list[Facet]:
        query = select(column, func.count(func.distinct(Listing.id))).where(
            *_conditions(filters, now, skip=skip, day_hours=day_hours)
        )
        if join_to is not None:
            query = query.join(join_to[0], join_to[1])
        query = query.group_by(column).order_by(func.count(func.distinct(Listing.id)).desc(), column)
        if limit:
            query = query.limit(limit)
        return [Facet(str(value), count) for value, count in session.execute(query) if value is not None]

    result = {
        "kind": grouped(Listing.kind, None, "kind"),
        "area": grouped(Area.code, (Area, Area.id == Listing.area_id), "area"),
        "target": grouped(
            ListingTarget.target, (ListingTarget, ListingTarget.listing_id == Listing.id), "target"
        ),
        "language": grouped(
            ListingLanguage.language, (ListingLanguage, ListingLanguage.listing_id == Listing.id), "language"
        ),
        "tag": grouped(ListingTag.tag, (ListingTag, ListingTag.listing_id == Listing.id), "tag", TOP_TAGS),
    }
    # Days are read from the distinct hours texts (see open_on_days), counted per text by the database.
    per_text = session.execute(
        select(Listing.hours, func.count())
        .where(*_conditions(filters, now, skip="day", day_hours=day_hours))
        .group_by(Listing.hours)
    )
    day_counts = dict.fromkeys(WEEKDAYS, 0)
    for text, count in per_text:
        for day in open_on_days(text or ""):
            day_counts[day] += count
    result["day"] = [Facet(day, day_counts[day]) for day in WEEKDAYS]
    if filters.tag and filters.tag not in {facet.value for facet in result["tag"]}:
        result["tag"].append(Facet(filters.tag, 0))  # a tag chosen from a listing page stays selectable
    return result


def map_points(session: Session, filters: Filters, now: datetime) -> list[tuple[int, str, float, float, str]]:
    """Every matching listing that has a place on the map: (id, kind, lat, lng, name)."""
    query = (
        select(Listing.id, Listing.kind, Listing.lat, Listing.lng, Listing.name)
        .where(
            *_conditions(filters, now, day_hours=_day_hours(session, filters)),
            Listing.lat.is_not(None),
            Listing.lng.is_not(None),
        )
        .order_by(Listing.id)
    )
    return [tuple(row) for row in session.execute(query)]


def language_codes(session: Session) -> set[str]:
    return set(session.scalars(select(ListingLanguage.language).distinct()))
