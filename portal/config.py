"""Configuration from environment variables (contracts §4); every default runs on one machine."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _instance_secret_key(instance_path: Path) -> str:
    """Generate the session signing key once and keep it in the instance folder."""
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    # Create with 0600 so the key is not readable by other users.
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


def load_config(instance_path: Path, overrides: dict | None = None) -> dict:
    """Build the Flask config dict from PORTAL_* environment variables."""
    overrides = overrides or {}
    env = os.environ
    database_url = env.get("PORTAL_DATABASE_URL") or f"sqlite:///{instance_path / 'portal.sqlite3'}"
    index_dir = env.get("PORTAL_INDEX_DIR") or str(PROJECT_ROOT / "search_index")
    config = {
        "SQLALCHEMY_DATABASE_URI": database_url,
        "PORTAL_INDEX_DIR": index_dir,
        "PORTAL_REDIS_URL": env.get("PORTAL_REDIS_URL", ""),
        # Behind a reverse proxy (nginx, a load balancer): trust one hop of X-Forwarded-* headers.
        "PORTAL_PROXY_FIX": env.get("PORTAL_PROXY_FIX", "") == "1",
        # Checked by portal.production when PORTAL_ENV=production (gunicorn reads PORTAL_WORKERS too).
        "PORTAL_ENV": env.get("PORTAL_ENV", "development"),
        "PORTAL_WORKERS": env.get("PORTAL_WORKERS", "1"),
        "PORTAL_SERVERS": env.get("PORTAL_SERVERS", "1"),
        # Map tiles: empty means no tile layer (tests, offline); markers still show.
        "PORTAL_TILE_URL": env.get(
            "PORTAL_TILE_URL", "https://cyberjapandata.gsi.go.jp/xyz/pale/{z}/{x}/{y}.png"
        ),
        "PORTAL_TILE_ATTRIBUTION": env.get(
            "PORTAL_TILE_ATTRIBUTION",
            '<a href="https://maps.gsi.go.jp/development/ichiran.html">地理院タイル</a>',
        ),
        # Anonymous public pages rendered once per content change, per process (portal.pagecache); 0 = off.
        "PORTAL_PAGE_CACHE_MB": float(env.get("PORTAL_PAGE_CACHE_MB", "32")),
        "BABEL_DEFAULT_LOCALE": "ja",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Tokyo",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "PERMANENT_SESSION_LIFETIME": 8 * 3600,  # 8 hours: one working day for a coordinator
        "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,  # 16 MB: the largest CSV upload we accept
        "WTF_CSRF_TIME_LIMIT": 8 * 3600,  # 8 hours: a form left open through the day still posts
    }
    config.update(overrides)
    # A database server can drop idle connections (a restart, a failover): check each one before use.
    # A SQLite file cannot, and the check would be one more round trip on every page.
    on_server = not str(config["SQLALCHEMY_DATABASE_URI"]).startswith("sqlite")
    config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {"pool_pre_ping": on_server})
    if "SECRET_KEY" not in config:
        key = env.get("PORTAL_SECRET_KEY", "")
        if not key and config["PORTAL_ENV"] != "production":  # production: one key, shared, from the env
            key = _instance_secret_key(instance_path)
        config["SECRET_KEY"] = key
    return config
