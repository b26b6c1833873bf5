"""schema.org JSON-LD for listing pages, built as plain dicts (templates render them with `tojson`)."""

from __future__ import annotations

from collections.abc import Callable

from portal.directory.events import TOKYO
from portal.directory.listing_page import Brief, PageListing
from portal.models import Listing

SCHEMA_TYPES = {
    "salon": "Place",
    "place": "Place",
    "member": "Organization",
    "menu": "Service",
    "window": "GovernmentService",
    "event": "Event",
}


def listing_jsonld(
    listing: Listing | PageListing, *, url: str, org_url: Callable[[Listing | Brief], str]
) -> dict:
    data: dict = {
        "@context": "https://schema.org",
        "@type": SCHEMA_TYPES.get(listing.kind, "Thing"),
        "@id": url,
        "url": url,
        "name": listing.name,
    }
    if listing.name_kana:
        data["alternateName"] = listing.name_kana
    if listing.summary or listing.description:
        data["description"] = listing.summary or listing.description
    address = _address(listing)
    geo = _geo(listing)
    if listing.kind == "event":
        if listing.starts_at:
            data["startDate"] = listing.starts_at.astimezone(TOKYO).isoformat()
        if listing.ends_at:
            data["endDate"] = listing.ends_at.astimezone(TOKYO).isoformat()
        data["eventAttendanceMode"] = "https://schema.org/OfflineEventAttendanceMode"
        data["eventStatus"] = "https://schema.org/EventScheduled"
        location = {"@type": "Place", "name": listing.address or listing.name}
        if address:
            location["address"] = address
        if geo:
            location["geo"] = geo
        data["location"] = location
        if listing.organisation:
            data["organizer"] = _org(listing.organisation, org_url)
    elif listing.kind in ("menu", "window"):
        channel: dict = {"@type": "ServiceChannel"}
        if listing.languages:
            channel["availableLanguage"] = list(listing.languages)
        if listing.phone:
            channel["servicePhone"] = {"@type": "ContactPoint", "telephone": listing.phone}
        if address:
            channel["serviceLocation"] = {
                "@type": "Place",
                "address": address,
                **({"geo": geo} if geo else {}),
            }
        if listing.hours:
            channel["availableTime"] = listing.hours  # free text: kept as written
        data["availableChannel"] = channel
        if listing.organisation:
            data["provider"] = _org(listing.organisation, org_url)
        if listing.area:
            data["areaServed"] = listing.area.name
    else:
        if address:
            data["address"] = address
        if geo:
            data["geo"] = geo
        if listing.phone:
            data["telephone"] = listing.phone
        if listing.email:
            data["email"] = listing.email
        if listing.hours and listing.kind != "member":
            data["openingHours"] = listing.hours
        if listing.languages:
            data["knowsLanguage"] = list(listing.languages)
    if listing.url:
        data["sameAs"] = listing.url
    return data


def _address(listing: Listing | PageListing) -> dict | None:
    if not listing.address:
        return None
    return {"@type": "PostalAddress", "streetAddress": listing.address, "addressCountry": "JP"}


def _geo(listing: Listing | PageListing) -> dict | None:
    if listing.lat is None or listing.lng is None:
        return None
    return {"@type": "GeoCoordinates", "latitude": listing.lat, "longitude": listing.lng}


def _org(org: Listing | Brief, org_url: Callable[[Listing | Brief], str]) -> dict:
    return {"@type": "Organization", "name": org.name, "url": org_url(org)}
