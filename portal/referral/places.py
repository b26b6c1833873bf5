"""Where a decision sends people: the directory's consultation windows and places to belong.

A service: it reads the database and knows nothing of the request (names in the reader's language
are the view's business).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from portal.models import ConsultationWindow, Listing


class AreaLike(Protocol):
    """An Area row or the kept AreaInfo: all a decision needs of an area."""

    id: int
    code: str


RESOURCE_KINDS = ("salon", "place", "menu")  # participation support: salons, gathering places, menus
RESOURCE_LIMIT = 6  # enough to choose from on a phone without a long scroll


def find_area(areas: Iterable[AreaLike], code: str | None) -> AreaLike | None:
    """The area with this code among the city's areas (the pages' kept list: no query)."""
    return next((area for area in areas if area.code == code), None) if code else None


def _public(statement):
    return statement.where(Listing.status == "published", Listing.retired_at.is_(None))


@dataclass(frozen=True)
class TranslatedText:
    name: str
    summary: str
    hours: str


@dataclass(frozen=True)
class Place:
    """A window or a place to belong, as the flow shows it: plain values, so that a process can keep the
    city's windows between requests (portal.pagecache.memo) instead of loading them for every answer."""

    id: int
    kind: str
    window_code: str
    area_id: int | None
    served_area_ids: frozenset[int]
    name: str
    summary: str
    hours: str
    phone: str
    address: str
    translations: Mapping[str, TranslatedText]

    def translation(self, lang: str) -> TranslatedText | None:
        return self.translations.get(lang)


def _place(listing: Listing, served_area_ids: frozenset[int] = frozenset()) -> Place:
    return Place(
        id=listing.id, kind=listing.kind, window_code=listing.window_code or "", area_id=listing.area_id,
        served_area_ids=served_area_ids,
        name=listing.name, summary=listing.summary or "", hours=listing.hours or "",
        phone=listing.phone or "", address=listing.address or "",
        translations={t.lang: TranslatedText(t.name, t.summary, t.hours) for t in listing.translations},
    )  # fmt: skip


def public_windows(session: Session) -> list[Place]:
    """Every published consultation window, oldest first."""
    listings = session.scalars(
        _public(select(ConsultationWindow))
        .options(selectinload(Listing.translations), selectinload(Listing.served_areas))
        .order_by(ConsultationWindow.id)
    )
    return [_place(window, frozenset(area.id for area in window.served_areas)) for window in listings]


def windows_for(windows: Iterable[Place], codes: list[str], area: AreaLike | None) -> dict[str, Place]:
    """One window per code: for an area, one that serves it, else any window of that code."""
    chosen: dict[str, Place] = {}
    for window in windows:
        code = window.window_code
        if code not in codes:
            continue
        if code not in chosen or (_serves(window, area) and not _serves(chosen[code], area)):
            chosen[code] = window
    return {code: chosen[code] for code in codes if code in chosen}


def _serves(window: Place, area: AreaLike | None) -> bool:
    return area is not None and (window.area_id == area.id or area.id in window.served_area_ids)


def resources_for(session: Session, area: AreaLike | None, limit: int = RESOURCE_LIMIT) -> list[Place]:
    """Salons, gathering places and support menus: those in the area first, then the rest of the city."""
    query = _public(select(Listing).where(Listing.kind.in_(RESOURCE_KINDS))).options(
        selectinload(Listing.translations)
    )
    found: list[Listing] = []
    if area is not None:
        nearby = query.where(Listing.area_id == area.id).order_by(Listing.id).limit(limit)
        found = list(session.scalars(nearby))
        query = query.where((Listing.area_id != area.id) | Listing.area_id.is_(None))
    if len(found) < limit:
        found += session.scalars(query.order_by(Listing.id).limit(limit - len(found)))
    return [_place(listing) for listing in found]
