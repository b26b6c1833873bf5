"""Account services (no request inside): invitations, password resets, sign-in with lockout."""

from __future__ import annotations

import hmac
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

import pyotp
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.members.audit import record
from portal.members.security import hash_password, new_token, token_hash, verify_password
from portal.models import Invitation, Listing, User, utcnow

log = logging.getLogger(__name__)


class AccountError(Exception):
    """A rule an account operation broke; `code` says which (the view words it for people)."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def user_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(func.lower(User.email) == normalise_email(email)))


def issue_invitation(
    session: Session,
    *,
    actor: User,
    email: str,
    role: str = "member",
    organisation: Listing | None = None,
    days: int = 7,
    now: datetime | None = None,
) -> tuple[Invitation, str]:
    """A new-account link; earlier open links for the same address stop working (reissue)."""
    now = now or utcnow()
    email = normalise_email(email)
    if user_by_email(session, email):
        raise AccountError("duplicate_email")
    if role == "member" and (organisation is None or organisation.kind != "member"):
        raise AccountError("organisation_required")
    _revoke_open(session, email=email, purpose="invite", now=now)
    token = new_token()
    invitation = Invitation(
        token_hash=token_hash(token), purpose="invite", email=email, role=role,
        organisation_id=organisation.id if organisation else None, created_by_id=actor.id,
        created_at=now, expires_at=now + timedelta(days=days),
    )  # fmt: skip
    session.add(invitation)
    session.flush()
    record(session, actor, "invite", listing=organisation, note=f"invitation {invitation.id}")
    log.info("invitation %s issued by user %s", invitation.id, actor.id)  # never the token
    return invitation, token


def issue_reset(
    session: Session, *, actor: User, user: User, days: int = 2, now: datetime | None = None
) -> tuple[Invitation, str]:
    now = now or utcnow()
    _revoke_open(session, email=user.email, purpose="reset", now=now)
    token = new_token()
    invitation = Invitation(
        token_hash=token_hash(token), purpose="reset", email=user.email, role=user.role,
        organisation_id=user.organisation_id, user_id=user.id, created_by_id=actor.id,
        created_at=now, expires_at=now + timedelta(days=days),
    )  # fmt: skip
    session.add(invitation)
    session.flush()
    record(session, actor, "reset_issued", note=f"user {user.id}")
    return invitation, token


def reissue(
    session: Session, *, actor: User, invitation: Invitation, days: int = 7
) -> tuple[Invitation, str]:
    if invitation.purpose == "reset" and invitation.user:
        return issue_reset(session, actor=actor, user=invitation.user)
    return issue_invitation(
        session, actor=actor, email=invitation.email, role=invitation.role,
        organisation=invitation.organisation, days=days,
    )  # fmt: skip


def revoke(session: Session, *, actor: User, invitation: Invitation) -> None:
    if invitation.revoked_at is None and invitation.used_at is None:
        invitation.revoked_at = utcnow()
        record(session, actor, "revoke_invitation", note=f"invitation {invitation.id}")


def _revoke_open(session: Session, *, email: str, purpose: str, now: datetime) -> None:
    query = select(Invitation).where(
        Invitation.email == email, Invitation.purpose == purpose,
        Invitation.used_at.is_(None), Invitation.revoked_at.is_(None),
    )  # fmt: skip
    for old in session.scalars(query):
        old.revoked_at = now


def find_invitation(
    session: Session, token: str, now: datetime | None = None
) -> tuple[Invitation | None, str]:
    """The invitation for a token and its state: open, expired, used, revoked or unknown (tampered)."""
    if not token or len(token) > 200:
        return None, "unknown"
    invitation = session.scalar(select(Invitation).where(Invitation.token_hash == token_hash(token)))
    if invitation is None:
        return None, "unknown"
    return invitation, invitation.state(now or utcnow())


def check_password_rules(password: str, email: str) -> str | None:
    if len(password) < 10:
        return "too_short"
    if len(password) > 256:
        return "too_long"
    if password.strip().lower() == normalise_email(email):
        return "same_as_email"
    return None


def accept_invitation(
    session: Session, invitation: Invitation, password: str, display_name: str = ""
) -> User:
    """Create the account (or set the new password of a reset); the link is used up either way."""
    if invitation.state(utcnow()) != "open":
        raise AccountError(invitation.state(utcnow()))
    problem = check_password_rules(password, invitation.email)
    if problem:
        raise AccountError(problem)
    if invitation.purpose == "reset":
        user = invitation.user
        if user is None:
            raise AccountError("unknown")
        user.password_hash = hash_password(password)
        user.failed_logins = 0
        user.locked_until = None
        user.rotate_session()  # a reset signs out every other browser
        action = "password_reset"
    else:
        if user_by_email(session, invitation.email):
            raise AccountError("duplicate_email")
        user = User(
            email=invitation.email, display_name=display_name.strip()[:200], role=invitation.role,
            organisation_id=invitation.organisation_id, password_hash=hash_password(password),
        )  # fmt: skip
        session.add(user)
        action = "account_created"
    invitation.used_at = utcnow()
    session.flush()
    record(session, user, action, note=f"invitation {invitation.id}")
    log.info("invitation %s used by user %s", invitation.id, user.id)
    return user


@dataclass
class LoginResult:
    user: User | None
    outcome: str  # ok, bad, locked
    locked_until: datetime | None = None


def attempt_login(
    session: Session, email: str, password: str, *, lock_after: int = 5, lock_minutes: int = 15,
    now: datetime | None = None,
) -> LoginResult:  # fmt: skip
    now = now or utcnow()
    user = user_by_email(session, email)
    if user is not None and user.locked_until and user.locked_until > now:
        return LoginResult(None, "locked", user.locked_until)
    # An unknown e-mail is checked against a dummy hash, so timing does not tell which addresses exist.
    ok = verify_password(user.password_hash if user else None, password)
    if user is None or not user.active:
        return LoginResult(None, "bad")
    if not ok:
        user.failed_logins += 1
        if user.failed_logins >= lock_after:
            user.locked_until = now + timedelta(minutes=lock_minutes)
            user.failed_logins = 0
            record(session, None, "account_locked", note=f"user {user.id}")
            log.warning("user %s locked after %d failed sign-ins", user.id, lock_after)
            return LoginResult(None, "locked", user.locked_until)
        return LoginResult(None, "bad")
    user.failed_logins = 0
    user.locked_until = None
    return LoginResult(user, "ok")


def totp_step(secret: str, code: str, last_step: int | None, now: datetime | None = None) -> int | None:
    """The time step a TOTP code belongs to (this one or either neighbour), or None when it is wrong or
    was already used: a code seen over someone's shoulder cannot be replayed."""
    totp = pyotp.TOTP(secret)
    moment = now or utcnow()
    code = (code or "").replace(" ", "")
    current = totp.timecode(moment)
    for step in (current - 1, current, current + 1):
        if hmac.compare_digest(totp.generate_otp(step), code) and (last_step is None or step > last_step):
            return step
    return None


def start_session(user: User) -> None:
    """A new session id on each sign-in: nothing issued before it (a fixed or stolen cookie) works."""
    user.rotate_session()
    user.last_login_at = utcnow()


def end_session(user: User) -> None:
    user.rotate_session()
