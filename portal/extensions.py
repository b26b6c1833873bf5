"""Flask extensions, created unbound here and bound in create_app (one init_app a line)."""

import sqlite3

from flask_babel import Babel
from flask_htmx import HTMX
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_mailman import Mail
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import event
from sqlalchemy.engine import Engine

from portal.models.base import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
babel = Babel()
htmx = HTMX()
login_manager = LoginManager()
csrf = CSRFProtect()
mail = Mail()
# Storage comes from RATELIMIT_STORAGE_URI (memory, or Redis when PORTAL_REDIS_URL is set). With Redis
# down, swallow_errors alone would drop every limit: fall back to memory and keep limiting.
limiter = Limiter(key_func=get_remote_address, in_memory_fallback_enabled=True, swallow_errors=True)


def check_limits_only_where_set(app) -> None:
    """Drop Flask-Limiter's check before every request when no default, application or meta limit is set.

    Why: that check looks for limits that apply to every route; ours sit on sign-in and invitation
    views, whose decorators check them when called. With none to find it cost every public page ~3 %
    (a listing's first view). Set one (RATELIMIT_DEFAULT, RATELIMIT_APPLICATION, RATELIMIT_META) and the
    check stays. Reads the limit manager's lists rather than evaluating them (no request here)."""
    manager = limiter.limit_manager
    if manager._default_limits or manager._application_limits or limiter._meta_limits:
        return
    app.before_request_funcs.setdefault(None, []).remove(limiter._check_request_limit)


@event.listens_for(Engine, "connect")
def _sqlite_foreign_keys(dbapi_connection, connection_record) -> None:
    """SQLite ignores foreign keys (and ON DELETE CASCADE) unless asked, per connection."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()
