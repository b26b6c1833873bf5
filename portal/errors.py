"""Error pages for people and JSON errors for the API; never a bare 500 traceback."""

from __future__ import annotations

import contextlib
import logging

from flask import Flask, g, jsonify, render_template, request
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError, ServiceUnavailable

from portal.extensions import db

log = logging.getLogger(__name__)


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def handle_http_error(exc: HTTPException):
    if _wants_json():
        return jsonify(error=exc.name.lower().replace(" ", "_"), message=exc.description), exc.code
    return render_template("errors/error.html", error=exc), exc.code


def handle_unexpected(exc: Exception):
    log.exception("unhandled error on %s", request.path)  # the path only: query strings may be private
    return handle_http_error(InternalServerError())


def handle_database_down(exc: DBAPIError):
    """The database is unreachable (restart, failover, full disk): a clear 503, not a 500.

    pool_pre_ping replaces dead connections, so the next request after the database is back succeeds.
    """
    if not (exc.connection_invalidated or isinstance(exc, OperationalError | InterfaceError)):
        return handle_unexpected(exc)  # bad SQL or a broken constraint is a bug, not an outage
    log.error("database unavailable on %s: %s", request.path, type(exc.orig).__name__)
    with contextlib.suppress(Exception):  # the connection is gone; the pool discards it
        db.session.rollback()
    g.database_down = True  # the error page must not ask the database for the demo notice
    body, code = handle_http_error(ServiceUnavailable())
    return body, code, {"Retry-After": "5"}


def init_app(app: Flask) -> None:
    app.register_error_handler(DBAPIError, handle_database_down)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(Exception, handle_unexpected)
