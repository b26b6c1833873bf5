"""The participation-support network: requests the city posts, members' offers, members-only events."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.accounts import User
from portal.models.base import Base, UTCDateTime, utcnow
from portal.models.listing import Area, Listing

AGE_BANDS = ("under_18", "18_39", "40_64", "65_plus")
REQUEST_STATUSES = ("open", "matched", "closed")
OFFER_STATUSES = ("offered", "matched", "declined")
# Which listing target a request's age band calls for, to put fitting requests first for a member.
AGE_BAND_TARGETS = {"under_18": "child", "65_plus": "senior"}


class ParticipationRequest(Base):
    """参加支援依頼: what kind of place would help someone, with nothing that identifies them."""

    __tablename__ = "participation_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    age_band: Mapped[str] = mapped_column(String(20))
    area_id: Mapped[int | None] = mapped_column(ForeignKey("area.id", ondelete="SET NULL"))
    wanted: Mapped[str] = mapped_column(Text)  # the kind of place or role that would help
    when: Mapped[str] = mapped_column(Text, default="")
    constraints: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="open", index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    matched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    area: Mapped[Area | None] = relationship(lazy="joined")
    created_by: Mapped[User | None] = relationship()
    offers: Mapped[list[Offer]] = relationship(back_populates="request", order_by="Offer.created_at")


class Offer(Base):
    """A member's answer to a request: one of its menus, or a new idea."""

    __tablename__ = "offer"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("participation_request.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("listing.id", ondelete="CASCADE"), index=True)
    menu_id: Mapped[int | None] = mapped_column(ForeignKey("listing.id", ondelete="SET NULL"))
    idea: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="offered")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    request: Mapped[ParticipationRequest] = relationship(back_populates="offers")
    organisation: Mapped[Listing] = relationship(foreign_keys=[organisation_id], lazy="joined")
    menu: Mapped[Listing | None] = relationship(foreign_keys=[menu_id], lazy="joined")


class NetworkEvent(Base):
    """A members-only event (the monthly study session), shown on the member dashboard."""

    __tablename__ = "network_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    place: Mapped[str] = mapped_column(String(300), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ListingSchedule(Base):
    """How an event repeats: the words the member wrote (第2火曜) and the RFC 5545 RRULE they mean."""

    __tablename__ = "listing_schedule"

    listing_id: Mapped[int] = mapped_column(ForeignKey("listing.id", ondelete="CASCADE"), primary_key=True)
    text: Mapped[str] = mapped_column(String(200))
    rrule: Mapped[str] = mapped_column(String(200))
