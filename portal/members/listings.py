"""Member listings: create, edit, retire, confirm, translate; moderation (approve, review, revert).

A member's new listing waits as `pending` until a coordinator approves it; an edit to a published
listing goes live at once and waits in the coordinators' review feed with its diff.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, object_session

from portal.members.audit import record
from portal.members.recurrence import to_rrule
from portal.models import (
    LISTING_CLASSES,
    Area,
    AuditLog,
    Listing,
    ListingSchedule,
    ListingTranslation,
    User,
    utcnow,
)

# What a member can edit, per kind. `area` is the area code, `targets` a list.
COMMON = ("name", "name_kana", "summary", "description", "area", "targets", "hours")
FIELDS_BY_KIND: dict[str, tuple[str, ...]] = {
    "member": (*COMMON, "address", "phone", "email", "url"),
    "menu": (*COMMON, "readiness", "capacity", "needs_companion"),
    "place": (*COMMON, "address", "phone"),
    "event": (*COMMON, "address", "starts_at", "ends_at", "repeat"),
}
MEMBER_KINDS = ("menu", "place", "event")  # what a member adds beside its own organisation listing
TRANSLATION_FIELDS = ("name", "summary", "description", "hours")
STALE_AFTER = timedelta(days=183)  # about six months


def snapshot(listing: Listing, fields: tuple[str, ...] | None = None) -> dict[str, Any]:
    """The editable fields as JSON values (for diffs, the audit log and reverts)."""
    out: dict[str, Any] = {}
    for name in fields or FIELDS_BY_KIND.get(listing.kind, COMMON):
        if name == "area":
            out[name] = listing.area.code if listing.area else ""
        elif name == "targets":
            out[name] = sorted(listing.targets)
        elif name in ("starts_at", "ends_at"):
            value = getattr(listing, name)
            out[name] = value.isoformat() if value else None
        elif name == "repeat":
            out[name] = repeat_text(listing)
        else:
            out[name] = getattr(listing, name)
    return out


def _apply(session: Session, listing: Listing, values: dict[str, Any]) -> None:
    for name, value in values.items():
        if name.startswith("translation:"):
            _, lang, field = name.split(":", 2)
            _translation(listing, lang)
            setattr(listing.translation(lang), field, value or "")
        elif name == "area":
            listing.area = session.scalar(select(Area).where(Area.code == value)) if value else None
        elif name == "targets":
            listing.targets = list(value or [])
        elif name == "repeat":
            _set_repeat(session, listing, value or "")
        elif name in ("starts_at", "ends_at"):
            if isinstance(value, str):
                value = datetime.fromisoformat(value) if value else None
            setattr(listing, name, value)
        else:
            setattr(listing, name, value)


def repeat_text(listing: Listing) -> str:
    session = object_session(listing)
    schedule = session.get(ListingSchedule, listing.id) if session and listing.id else None
    return schedule.text if schedule else ""


def _set_repeat(session: Session, listing: Listing, text: str) -> None:
    if listing.id is None:
        session.flush()  # a new listing needs its id first
    schedule = session.get(ListingSchedule, listing.id)
    rrule = to_rrule(text)
    if not rrule:
        if schedule is not None:
            session.delete(schedule)
        return
    if schedule is None:
        schedule = ListingSchedule(listing_id=listing.id)
        session.add(schedule)
    schedule.text, schedule.rrule = text, rrule


def _translation(listing: Listing, lang: str) -> ListingTranslation:
    existing = listing.translation(lang)
    if existing is None:
        existing = ListingTranslation(lang=lang)
        listing.translations.append(existing)
    return existing


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    return {name: [before.get(name), value] for name, value in after.items() if before.get(name) != value}


def create(session: Session, actor: User, kind: str, values: dict[str, Any]) -> Listing:
    if kind not in MEMBER_KINDS or actor.organisation_id is None:
        raise ValueError(f"a member cannot add a {kind}")
    listing = LISTING_CLASSES[kind](kind=kind, status="pending", organisation_id=actor.organisation_id)
    listing.name = values.get("name", "")
    session.add(listing)
    _apply(session, listing, values)
    session.flush()
    record(session, actor, "create", listing=listing, changes=diff({}, snapshot(listing)))
    return listing


def update(session: Session, actor: User, listing: Listing, values: dict[str, Any]) -> AuditLog | None:
    """Apply the values; a member's edit to a published listing goes to the review feed."""
    before = (
        snapshot(listing, tuple(values)) if not _has_translation_keys(values) else _values_of(listing, values)
    )
    changes = diff(before, _jsonable(values))
    if not changes:
        return None
    _apply(session, listing, {name: values[name] for name in changes})
    session.flush()
    review = actor.role == "member" and listing.status == "published"
    return record(session, actor, "update", listing=listing, changes=changes, needs_review=review)


def _has_translation_keys(values: dict[str, Any]) -> bool:
    return any(name.startswith("translation:") for name in values)


def _values_of(listing: Listing, values: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for name in values:
        if name.startswith("translation:"):
            _, lang, field = name.split(":", 2)
            tr = listing.translation(lang)
            out[name] = getattr(tr, field) if tr else ""
        else:
            out.update(snapshot(listing, (name,)))
    return out


def _jsonable(values: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for name, value in values.items():
        if isinstance(value, datetime):
            value = value.isoformat()
        elif name == "targets":
            value = sorted(value or [])
        out[name] = value
    return out


def save_translation(session: Session, actor: User, listing: Listing, lang: str, texts: dict[str, str]):
    values = {f"translation:{lang}:{field}": texts.get(field, "") for field in TRANSLATION_FIELDS}
    return update(session, actor, listing, values)


def approve(session: Session, actor: User, listing: Listing) -> None:
    if listing.status != "published":
        listing.status = "published"
        listing.confirmed_at = utcnow()
        record(session, actor, "approve", listing=listing, changes={"status": ["pending", "published"]})


def revert(session: Session, actor: User, entry: AuditLog) -> AuditLog | None:
    """Put back the `before` values of a reviewed change (one click in the review feed)."""
    listing = entry.listing
    if listing is None or entry.action != "update":
        return None
    before = {name: change[0] for name, change in entry.changes.items()}
    current = _values_of(listing, before)
    _apply(session, listing, before)
    mark_reviewed(actor, entry)
    session.flush()
    return record(
        session, actor, "revert", listing=listing, changes=diff(current, before), note=f"entry {entry.id}"
    )


def mark_reviewed(actor: User, entry: AuditLog) -> None:
    entry.reviewed_at = utcnow()
    entry.reviewed_by_id = actor.id


def confirm(session: Session, actor: User, listing: Listing) -> None:
    listing.confirmed_at = utcnow()
    record(session, actor, "confirm", listing=listing)


def retire(session: Session, actor: User, listing: Listing) -> None:
    if listing.retired_at is None:
        listing.retired_at = utcnow()
        record(session, actor, "retire", listing=listing)


def is_stale(listing: Listing, now: datetime | None = None) -> bool:
    return (now or utcnow()) - listing.confirmed_at > STALE_AFTER


def organisation_listings(session: Session, organisation_id: int) -> list[Listing]:
    query = (
        select(Listing)
        .where(or_(Listing.id == organisation_id, Listing.organisation_id == organisation_id))
        .order_by(Listing.kind != "member", Listing.retired_at.is_not(None), Listing.kind, Listing.name)
    )
    return list(session.scalars(query))


def pending(session: Session) -> list[Listing]:
    query = select(Listing).where(Listing.status == "pending", Listing.retired_at.is_(None))
    return list(session.scalars(query.order_by(Listing.created_at)))


def review_feed(session: Session) -> list[AuditLog]:
    query = select(AuditLog).where(AuditLog.needs_review.is_(True), AuditLog.reviewed_at.is_(None))
    return list(session.scalars(query.order_by(AuditLog.at.desc())))
