"""Refuse to start a production server that is set up unsafely (PORTAL_ENV=production only).

Checked once in create_app, so gunicorn fails to boot with the reasons printed instead of serving:
- a missing or well-known secret key (several servers must share one real PORTAL_SECRET_KEY),
- debug mode on (the Werkzeug debugger runs code for anyone who reaches it),
- SQLite with more than one worker or server (one writer at a time; each server would have its own file).
"""

from __future__ import annotations

from flask import Flask
from sqlalchemy.engine import make_url

# Keys seen in tutorials, our tests and .env examples: a production key must be none of these.
KNOWN_KEYS = frozenset(
    {"", "dev", "development", "secret", "changeme", "change-me", "test-secret", "tsunagu"}
)
MIN_KEY_LENGTH = 32


class UnsafeProductionConfig(RuntimeError):
    def __init__(self, problems: list[str]):
        super().__init__("refusing to start in production: " + "; ".join(problems))
        self.problems = problems


def _count(value) -> int:
    try:
        return int(value or 1)
    except (TypeError, ValueError):
        return 1


def problems(config: dict) -> list[str]:
    """What makes this configuration unsafe for production (empty when it is fine)."""
    found: list[str] = []
    key = config.get("SECRET_KEY") or ""
    if key in KNOWN_KEYS or key.lower().startswith(("change", "dev-", "test")):
        found.append("PORTAL_SECRET_KEY is missing or a well-known default; set one shared random key")
    elif len(key) < MIN_KEY_LENGTH:
        found.append(f"PORTAL_SECRET_KEY is shorter than {MIN_KEY_LENGTH} characters")
    if config.get("DEBUG"):
        found.append("debug mode is on (FLASK_DEBUG); it must be off in production")
    workers, servers = _count(config.get("PORTAL_WORKERS")), _count(config.get("PORTAL_SERVERS"))
    backend = make_url(config.get("SQLALCHEMY_DATABASE_URI", "sqlite://")).get_backend_name()
    if backend == "sqlite" and (workers > 1 or servers > 1):
        found.append(
            f"SQLite cannot serve {workers} worker(s) on {servers} server(s); "
            "set PORTAL_DATABASE_URL to PostgreSQL"
        )
    return found


def check(app: Flask) -> None:
    if app.config.get("PORTAL_ENV") != "production":
        return
    found = problems(app.config)
    if found:
        raise UnsafeProductionConfig(found)
