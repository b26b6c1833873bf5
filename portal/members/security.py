"""Passwords, tokens, safe redirects and the access checks every member and coordinator view declares."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from functools import wraps
from urllib.parse import urlsplit

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import abort, request, url_for
from flask_login import current_user
from sqlalchemy import select

from portal.extensions import db, login_manager
from portal.models import Listing, User

# argon2-cffi's defaults meet OWASP ASVS (Werkzeug's scrypt defaults do not).
_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("not a real password: evens out the time of an unknown e-mail")
ACCESS_ATTR = "portal_access"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """Only the hash is stored: a leaked database does not leak working links."""
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def safe_next(value: str | None, default: str) -> str:
    """A local path to go to after signing in, or `default`.

    Browsers read `/\\evil.example`, `\\/evil.example` and `///evil.example` as `https://evil.example/`,
    so only a single `/` followed by anything but `/` or `\\` is allowed, and no backslash anywhere.
    """
    if not value or not isinstance(value, str) or len(value) > 2000:
        return default
    if not value.startswith("/") or value.startswith(("//", "/\\")) or "\\" in value:
        return default
    if any(ord(ch) < 0x20 or ch == "\x7f" for ch in value):  # browsers strip tabs and newlines
        return default
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return default
    return value


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    # The cookie holds the rotating session id, never the user id: logout makes old copies worthless.
    if not session_id:
        return None
    return db.session.scalar(select(User).where(User.session_id == session_id, User.active.is_(True)))


login_manager.login_view = "members_auth.login"
login_manager.login_message = None  # the sign-in page says why by itself
# Off: "strong" cleared every visitor's session (each page carries a CSRF token) and sent a
# remember-cookie deletion with every public page; phones also change IP address mid-session.
# The rotating session id above is what ends a copied cookie.
login_manager.session_protection = None


def _mark(view: Callable, access: str) -> Callable:
    setattr(view, ACCESS_ATTR, access)
    return view


def public(view: Callable) -> Callable:
    """Deliberately open (sign-in, invitation links): the url_map test accepts only marked views."""
    return _mark(view, "public")


def _require(role: str | None):
    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if role and current_user.role != role:
                abort(403)
            return view(*args, **kwargs)

        return _mark(wrapped, role or "signed_in")

    return decorator


member_required = _require("member")
coordinator_required = _require("coordinator")
signed_in_required = _require(None)


def own_listing_or_404(listing_id: int) -> Listing:
    """A listing the signed-in member's organisation owns: the organisation itself or one of its offerings.

    Anything else is a 404, not a 403: another member's drafts are not even confirmed to exist.
    """
    listing = db.session.get(Listing, listing_id)
    org_id = current_user.organisation_id
    if listing is None or org_id is None or (listing.id != org_id and listing.organisation_id != org_id):
        abort(404)
    return listing


def client_address() -> str:
    return request.remote_addr or "unknown"


def login_url_with_next() -> str:
    # under a URL prefix (SCRIPT_NAME) the way back includes it: full_path alone does not
    return url_for("members_auth.login", next=request.script_root + request.full_path.rstrip("?"))
