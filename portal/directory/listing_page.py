"""What a listing's page shows, read in a few queries into plain values.

Why: loaded as ORM objects, a listing page's data took about half of its first view (~3 ms on 10,000
listings): the listing, its organisation, the organisation's offerings, the tags, targets and languages
each came by a lazy load, and every card's translations by one more in languages other than Japanese
(8 queries in Japanese, up to 26 in English). Here the same values come in four queries (five in other
languages) as plain frozen values the template and the JSON-LD read the way they read a Listing
(`listing.name`, `listing.area.name`, `listing.translation(lang)`), so local_text, listing_name and
the cards serve both.

The statements are built once, with bound parameters, and run without the ORM on a connection of the
page's own (building a select and loading it through the ORM costs ~0.3 ms a query here). The four
every page runs are compiled once and run on the driver's cursor (portal.models.prepared: half the
time again of `Connection.execute`); the translations' `IN` list goes through SQLAlchemy. Nothing
read here is kept between requests.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Connection, String, bindparam, func, literal_column, select, union_all
from sqlalchemy.orm import aliased

from portal.models import Area, Listing, ListingLanguage, ListingTag, ListingTarget, ListingTranslation
from portal.models.base import UTCDateTime
from portal.models.listing import WindowArea
from portal.models.prepared import PreparedSelect

UPCOMING_EVENTS = 5  # an organisation's next events shown on its listings' pages


@dataclass(frozen=True)
class AreaRef:
    code: str
    name: str


@dataclass(frozen=True)
class Translated:
    """A listing's text in the reader's language (a ListingTranslation's text fields)."""

    name: str
    summary: str
    description: str
    hours: str


@dataclass(frozen=True, kw_only=True)
class Brief:
    """A listing named or shown as a card on another listing's page."""

    id: int
    kind: str
    name: str
    name_kana: str
    summary: str = ""
    hours: str = ""
    starts_at: datetime | None = None
    area: AreaRef | None = None
    translations: dict[str, Translated] = field(default_factory=dict)

    def translation(self, lang: str) -> Translated | None:
        return self.translations.get(lang)


@dataclass(frozen=True, kw_only=True)
class PageListing(Brief):
    """The listing a page is about: a Brief with everything else the page and its JSON-LD show."""

    description: str
    address: str
    lat: float | None
    lng: float | None
    phone: str
    email: str
    url: str
    window_code: str | None
    ends_at: datetime | None
    confirmed_at: datetime | None
    organisation: Brief | None
    targets: list[str]
    tags: list[str]
    languages: list[str]
    served_areas: list[AreaRef]


@dataclass(frozen=True)
class ListingPageData:
    listing: PageListing
    offerings: list[Brief]  # the member's other offerings (the listing's own, for a member), not events
    upcoming: list[Brief]  # the member's next events, this one left out


_org = aliased(Listing)
_id = bindparam("listing_id")
# The listing with its area, and its organisation's name (whether that is public or not: the page links it).
LISTING = PreparedSelect(
    select(
        Listing.id,
        Listing.kind,
        Listing.name,
        Listing.name_kana,
        Listing.summary,
        Listing.description,
        Listing.address,
        Area.code,
        Area.name,
        Listing.lat,
        Listing.lng,
        Listing.phone,
        Listing.email,
        Listing.url,
        Listing.hours,
        Listing.window_code,
        Listing.starts_at,
        Listing.ends_at,
        Listing.confirmed_at,
        _org.id,
        _org.kind,
        _org.name,
        _org.name_kana,
        _org.is_public,
    )
    .outerjoin(Area, Area.id == Listing.area_id)
    .outerjoin(_org, _org.id == Listing.organisation_id)
    .where(Listing.id == _id, Listing.is_public)
)


def _part(name: str):
    """The part's name as an SQL literal: PostgreSQL cannot type a bound parameter in a UNION's columns."""
    return literal_column(f"'{name}'", String)


# Targets, tags, languages and served areas in one query, each part in a stable order.
_parts = union_all(
    select(_part("target").label("part"), ListingTarget.target.label("value"), _part("").label("name")).where(
        ListingTarget.listing_id == _id
    ),
    select(_part("tag"), ListingTag.tag, _part("")).where(ListingTag.listing_id == _id),
    select(_part("language"), ListingLanguage.language, _part("")).where(ListingLanguage.listing_id == _id),
    select(_part("served"), Area.code, Area.name)
    .join(WindowArea, WindowArea.area_id == Area.id)
    .where(WindowArea.window_id == _id),
).subquery()
LISTS = PreparedSelect(select(_parts).order_by(_parts.c.part, _parts.c.value, _parts.c.name))
_owned = (
    select(
        Listing.id,
        Listing.kind,
        Listing.name,
        Listing.name_kana,
        Listing.summary,
        Listing.hours,
        Listing.starts_at,
        Area.code,
        Area.name,
    )
    .outerjoin(Area, Area.id == Listing.area_id)
    .where(Listing.organisation_id == bindparam("owner_id"), Listing.is_public)
)
# The owner's other offerings (not events), in the order they were added.
OFFERINGS = PreparedSelect(_owned.where(Listing.kind != "event", Listing.id != _id).order_by(Listing.id))
# The owner's next events, soonest first (the page leaves out the one it is about).
EVENTS = PreparedSelect(
    _owned.where(
        Listing.kind == "event",
        func.coalesce(Listing.ends_at, Listing.starts_at) >= bindparam("now", type_=UTCDateTime()),
    )
    .order_by(Listing.starts_at)
    .limit(UPCOMING_EVENTS)
)
TRANSLATIONS = select(
    ListingTranslation.listing_id,
    ListingTranslation.name,
    ListingTranslation.summary,
    ListingTranslation.description,
    ListingTranslation.hours,
).where(
    ListingTranslation.listing_id.in_(bindparam("ids", expanding=True)),
    ListingTranslation.lang == bindparam("lang"),
)


def _brief(row, translations: dict[int, Translated], lang: str) -> Brief:
    id_, kind, name, kana, summary, hours, starts_at, area_code, area_name = row
    area = AreaRef(area_code, area_name) if area_code is not None else None
    found = translations.get(id_)
    return Brief(
        id=id_, kind=kind, name=name, name_kana=kana, summary=summary, hours=hours, starts_at=starts_at,
        area=area, translations={lang: found} if found else {},
    )  # fmt: skip


def load(connection: Connection, listing_id: int, *, lang: str, now: datetime) -> ListingPageData | None:
    """The page's data, or None when there is no public listing with this id.

    `lang` is the reader's public locale code; translations are read for it alone (none for `ja`).
    """
    row = LISTING.first(connection, listing_id=listing_id)
    if row is None:
        return None
    (id_, kind, name, kana, summary, description, address, area_code, area_name, lat, lng, phone,
     email, url, hours, window_code, starts_at, ends_at, confirmed_at,
     org_id, org_kind, org_name, org_kana, org_public) = row  # fmt: skip

    lists: dict[str, list] = {"target": [], "tag": [], "language": [], "served": []}
    for part, value, area in LISTS.all(connection, listing_id=id_):
        lists[part].append(AreaRef(value, area) if part == "served" else value)
    # The member whose offerings and events the page lists: the listing itself, or its organisation.
    owner_id = id_ if kind == "member" else org_id if org_public else None
    offer_rows, event_rows = [], []
    if owner_id is not None:
        offer_rows = OFFERINGS.all(connection, owner_id=owner_id, listing_id=id_)
        event_rows = EVENTS.all(connection, owner_id=owner_id, now=now)
    translations: dict[int, Translated] = {}
    if lang != "ja":
        ids = [id_, *([org_id] if org_id is not None else []), *(r[0] for r in offer_rows + event_rows)]
        found = connection.execute(TRANSLATIONS, {"ids": ids, "lang": lang})
        translations = {row[0]: Translated(*row[1:]) for row in found}

    def own(listing_id: int) -> dict[str, Translated]:
        found = translations.get(listing_id)
        return {lang: found} if found else {}

    organisation = None
    if org_id is not None:
        organisation = Brief(
            id=org_id, kind=org_kind, name=org_name, name_kana=org_kana, translations=own(org_id)
        )
    listing = PageListing(
        id=id_,
        kind=kind,
        name=name,
        name_kana=kana,
        summary=summary,
        description=description,
        address=address,
        area=AreaRef(area_code, area_name) if area_code is not None else None,
        lat=lat,
        lng=lng,
        phone=phone,
        email=email,
        url=url,
        hours=hours,
        window_code=window_code,
        starts_at=starts_at,
        ends_at=ends_at,
        confirmed_at=confirmed_at,
        organisation=organisation,
        targets=lists["target"],
        tags=lists["tag"],
        languages=lists["language"],
        served_areas=lists["served"],
        translations=own(id_),
    )
    return ListingPageData(
        listing=listing,
        offerings=[_brief(r, translations, lang) for r in offer_rows],
        upcoming=[_brief(r, translations, lang) for r in event_rows if r[0] != id_],
    )
