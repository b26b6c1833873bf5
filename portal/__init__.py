"""Tsunagu (つなぐ): the app factory. It reads as a checklist; order matters where commented."""

from __future__ import annotations

from pathlib import Path

from dotenv import load_dotenv
from flask import Flask

from portal import i18n, pagecache, production, security
from portal.application import Portal
from portal.config import load_config
from portal.extensions import (
    babel,
    check_limits_only_where_set,
    csrf,
    db,
    htmx,
    limiter,
    login_manager,
    mail,
    migrate,
)
from portal.members import config as members_config

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def create_app(config: dict | None = None) -> Flask:
    load_dotenv()  # gunicorn does not read .env; `flask` does, and loading twice is harmless
    app = Portal(__name__, instance_relative_config=True)  # Flask, with per-request costs paid once
    app.config.update(load_config(Path(app.instance_path), config))
    production.check(app)  # PORTAL_ENV=production: refuse a default secret key, debug, SQLite across workers

    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR))
    babel.init_app(
        app, locale_selector=i18n.select_catalog, default_translation_directories="../translations"
    )
    htmx.init_app(app)
    csrf.init_app(app)
    i18n.init_app(app)
    members_config.apply_defaults(app.config)  # mail, rate-limit and cookie defaults, before the extensions
    # templates read current_user as a lazy global (templating.py): the context processor would load
    # the user for every page, the guided flow and public listings included
    login_manager.init_app(app, add_context_processor=False)
    limiter.init_app(app)
    check_limits_only_where_set(app)
    mail.init_app(app)
    pagecache.init_app(app)  # wraps wsgi_app before security's ProxyFix does, so it sees fixed requests
    security.init_app(app)

    from portal import chrome, commands, errors, referral, templating
    from portal.search import sync as search_sync

    search_sync.init_app(app)  # before blueprints: views look the index up on the app
    referral.init_app(app)  # loads the rules once: a broken rules file stops the app here
    _register_blueprints(app)
    templating.init_app(app)
    chrome.init_app(app)  # the frame around every page, rendered once per language (and address)
    errors.init_app(app)
    commands.init_app(app)
    return app


def _register_blueprints(app: Flask) -> None:
    from portal.api.spec import bp as api_spec
    from portal.api.views import bp as api
    from portal.directory.views import bp as directory
    from portal.members.auth import bp as members_auth
    from portal.members.coordinator import bp as coordinator
    from portal.members.views import bp as members
    from portal.referral.api import bp as referral_api
    from portal.referral.views import bp as referral
    from portal.search.views import bp as search

    app.register_blueprint(directory)
    app.register_blueprint(search)
    app.register_blueprint(api)
    app.register_blueprint(referral)
    app.register_blueprint(referral_api)
    app.register_blueprint(members_auth)
    app.register_blueprint(members)
    app.register_blueprint(coordinator)
    app.register_blueprint(api_spec)
