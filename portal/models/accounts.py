"""People who sign in (members and coordinators), their invitations, and the audit log of changes."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.base import Base, UTCDateTime, utcnow
from portal.models.listing import Listing

ROLES = ("member", "coordinator")
INVITATION_PURPOSES = ("invite", "reset")


def new_session_id() -> str:
    return secrets.token_urlsafe(32)


class User(Base):
    """A member organisation's person or a coordinator. Accounts exist only through invitations."""

    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20), default="member")
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("listing.id", ondelete="SET NULL"), index=True
    )
    # Flask-Login keeps this in the session cookie instead of the user id: rotating it on login and
    # logout makes every copy of an older cookie worthless (a signed cookie cannot be revoked otherwise).
    session_id: Mapped[str] = mapped_column(String(64), unique=True, default=new_session_id)
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_confirmed: Mapped[bool] = mapped_column(Boolean, default=False)
    totp_last_step: Mapped[int | None] = mapped_column(Integer)  # a code works once, even within its 30 s
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    organisation: Mapped[Listing | None] = relationship(lazy="joined")

    # Flask-Login's protocol
    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        return self.session_id

    def rotate_session(self) -> None:
        self.session_id = new_session_id()

    @property
    def is_coordinator(self) -> bool:
        return self.role == "coordinator"

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"


class Invitation(Base):
    """A single-use link: a new account (`invite`) or a password reset (`reset`). Only its hash is kept."""

    __tablename__ = "invitation"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    purpose: Mapped[str] = mapped_column(String(20), default="invite")
    email: Mapped[str] = mapped_column(String(254), index=True)
    role: Mapped[str] = mapped_column(String(20), default="member")
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("listing.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    organisation: Mapped[Listing | None] = relationship(lazy="joined")
    user: Mapped[User | None] = relationship(foreign_keys=[user_id])

    def state(self, now: datetime) -> str:
        if self.revoked_at:
            return "revoked"
        if self.used_at:
            return "used"
        if self.expires_at <= now:
            return "expired"
        return "open"


class AuditLog(Base):
    """Who changed what and when; `changes` holds {field: [before, after]}."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(40))
    listing_id: Mapped[int | None] = mapped_column(ForeignKey("listing.id", ondelete="SET NULL"), index=True)
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    note: Mapped[str] = mapped_column(Text, default="")
    # Edits to published listings go live at once and wait here for a coordinator to look at them.
    needs_review: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id], lazy="joined")
    listing: Mapped[Listing | None] = relationship(lazy="joined")
