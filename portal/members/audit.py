"""The audit log: who changed what and when, field by field."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from portal.models import AuditLog, Listing, User


def record(
    session: Session,
    actor: User | None,
    action: str,
    *,
    listing: Listing | None = None,
    changes: dict[str, list[Any]] | None = None,
    note: str = "",
    needs_review: bool = False,
) -> AuditLog:
    entry = AuditLog(
        actor_id=actor.id if actor else None, action=action, listing_id=listing.id if listing else None,
        changes=changes or {}, note=note, needs_review=needs_review,
    )  # fmt: skip
    session.add(entry)
    return entry
