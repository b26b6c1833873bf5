"""Member portal defaults (mail, rate limits, cookies); each works with nothing else installed."""

from __future__ import annotations

import os
from typing import Any

LOGIN_LIMIT = "10 per minute;50 per hour"  # per address: argon2 costs ~140 ms, so limit before hashing
INVITATION_LIMIT = "20 per minute;100 per hour"


def apply_defaults(config: dict[str, Any]) -> None:
    env = os.environ
    # Console by default (the link is also shown on screen); tests set TESTING and get `locmem`.
    config.setdefault("MAIL_BACKEND", "locmem" if config.get("TESTING") else "console")
    config.setdefault("MAIL_DEFAULT_SENDER", env.get("PORTAL_MAIL_SENDER", "tsunagu@localhost"))
    config.setdefault("RATELIMIT_STORAGE_URI", config.get("PORTAL_REDIS_URL") or "memory://")
    config.setdefault("RATELIMIT_KEY_PREFIX", "tsunagu")
    # Flask already holds defaults for these two keys, so setdefault would never apply ours.
    if env.get("PORTAL_URL_SCHEME") and config.get("PREFERRED_URL_SCHEME", "http") == "http":
        config["PREFERRED_URL_SCHEME"] = env["PORTAL_URL_SCHEME"]
    # Behind HTTPS the session cookie must never travel over plain HTTP.
    if config.get("PREFERRED_URL_SCHEME") == "https":
        config["SESSION_COOKIE_SECURE"] = True
    config.setdefault("PORTAL_LOCKOUT_AFTER", 5)  # failed sign-ins in a row
    config.setdefault("PORTAL_LOCKOUT_MINUTES", 15)
    config.setdefault("PORTAL_INVITATION_DAYS", 7)
    config.setdefault("PORTAL_STALE_DAYS", 183)  # six months without "still accurate"
