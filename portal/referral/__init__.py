"""The guided question flow and ``GET /api/v1/referral`` (contracts §1).

``init_app`` loads the rules file once, when the app starts: a mistake in it stops the portal with a
message naming the file and line, rather than failing on a resident's first question.

Access logs: the development server's log is filtered here. In production, gunicorn's default access
format logs the whole request line (``%(r)s``) and may log ``%(q)s``; run it with a format that logs the
path only, for example::

    gunicorn --access-logformat '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(L)s' "portal:create_app()"
"""

from __future__ import annotations

import logging
import os

from flask import Flask, current_app

from portal.referral.decide import Rules, RulesError, load_rules

EXTENSION = "referral_rules"
# Paths whose query strings never reach an access log: whatever a resident answers is private.
PRIVATE_PATHS = ("/consult", "/api/v1/referral")


class StripPrivateQueries(logging.Filter):
    """Drops the query string from werkzeug's request log line for the flow and the referral API.

    werkzeug logs ``'"%s" %s %s'`` with the request line (``GET /consult?x HTTP/1.1``) as the first
    argument; the answers themselves are always POSTed, but a hand-made URL could still carry some.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and args and isinstance(args[0], str):
            record.args = (strip_private_query(args[0]), *args[1:])
        elif isinstance(record.msg, str) and not args:
            record.msg = strip_private_query(record.msg)
        return True


def strip_private_query(line: str) -> str:
    words = line.split(" ")
    for i, word in enumerate(words):
        # Match the path even inside werkzeug's ANSI colour codes (4xx lines are coloured).
        start = next((word.find(p) for p in PRIVATE_PATHS if p in word), -1)
        if start >= 0 and "?" in word[start:]:
            query_at = word.index("?", start)
            tail = word[query_at:]
            colour_end = tail.find("\x1b")  # keep a trailing colour reset
            words[i] = word[:query_at] + (tail[colour_end:] if colour_end >= 0 else "")
    return " ".join(words)


def _install_log_filter() -> None:
    logger = logging.getLogger("werkzeug")
    if not any(isinstance(f, StripPrivateQueries) for f in logger.filters):  # create_app runs many times
        logger.addFilter(StripPrivateQueries())


def init_app(app: Flask) -> None:
    path = app.config.get("PORTAL_REFERRAL_RULES") or os.environ.get("PORTAL_REFERRAL_RULES") or None
    try:
        app.extensions[EXTENSION] = load_rules(path)
    except RulesError as exc:
        raise RulesError(f"The portal cannot start: the referral rules file has a mistake: {exc}") from exc
    _install_log_filter()


def rules() -> Rules:
    """The rules loaded at start (inside a request or app context)."""
    return current_app.extensions[EXTENSION]


def kept_windows():
    """The city's published windows, kept by this process until content changes (portal.pagecache)."""
    from portal.extensions import db
    from portal.pagecache import memo
    from portal.referral.places import public_windows

    return memo("referral.windows", lambda: public_windows(db.session))


def kept_resources(area):
    """Places to belong near an area (or city-wide), kept like the windows."""
    from portal.extensions import db
    from portal.pagecache import memo
    from portal.referral.places import resources_for

    return memo(f"referral.resources:{area.code if area else ''}", lambda: resources_for(db.session, area))
