"""Where a decision sends people: the directory's consultation windows and places to belong.

A service: it reads the database and knows nothing of the request (names in the reader's language
are the view's business).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from portal.models import Area, ConsultationWindow, Listing

RESOURCE_KINDS = ("salon", "place", "menu")  # participation support: salons, gathering places, menus
RESOURCE_LIMIT = 6  # enough to choose from on a phone without a long scroll


def area_codes(session: Session) -> list[str]:
    return list(session.scalars(select(Area.code).order_by(Area.name_kana, Area.code)))


def find_area(session: Session, code: str | None) -> Area | None:
    if not code:
        return None
    return session.scalar(select(Area).where(Area.code == code))


def _public(statement):
    return statement.where(Listing.status == "published", Listing.retired_at.is_(None))


def windows_for(session: Session, codes: list[str], area: Area | None) -> dict[str, ConsultationWindow]:
    """One listing per window code: for an area, one that serves it, else any window of that code."""
    if not codes:
        return {}
    listings = session.scalars(
        _public(select(ConsultationWindow).where(ConsultationWindow.window_code.in_(codes)))
        .options(selectinload(Listing.translations), selectinload(Listing.served_areas))
        .order_by(ConsultationWindow.id)
    ).all()
    chosen: dict[str, ConsultationWindow] = {}
    for listing in listings:
        code = listing.window_code or ""
        if code not in chosen or (_serves(listing, area) and not _serves(chosen[code], area)):
            chosen[code] = listing
    return {code: chosen[code] for code in codes if code in chosen}


def _serves(listing: Listing, area: Area | None) -> bool:
    return area is not None and (area in listing.served_areas or listing.area_id == area.id)


def resources_for(session: Session, area: Area | None, limit: int = RESOURCE_LIMIT) -> list[Listing]:
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
    return found
