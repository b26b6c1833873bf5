"""Whole-page cache for what every anonymous visitor sees alike: the directory, listings, events, search.

Why: a public page is the same for everyone who reads it in the same language, so rendering it once per
content change rather than once per request turns ~10 ms of templates and queries into a dictionary
lookup (figures in README, bench/pages.py and bench/load.py).

What is kept: a 200 answer to a GET from a view that marks it cacheable (`mark_cacheable`, used by the
public blueprints), asked for with no session or remember-me cookie (a signed-in member, a flash message
and a form token all live there) and answered without setting a cookie. The key is the URL, the reader's
language and furigana choice, and the htmx headers the views look at. Nothing from the guided flow is kept:
its answers travel in POST bodies and its pages say no-store.

When it is dropped: at once in this process when it commits any change; in the other workers and servers
when the search change log (every listing edit writes a row) shows a newer id, looked at no more than
once every CHECK_SECONDS; and after MAX_AGE seconds in any case, for what depends on the clock (this
week's events, the "not confirmed for a year" mark) and for the rare edits that are not listings (areas).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from http.cookies import CookieError, SimpleCookie
from urllib.parse import parse_qsl

from flask import Flask, Response, current_app, g, has_app_context, request
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

log = logging.getLogger(__name__)
MARK = "X-Portal-Cacheable"  # set by a view's after_request, removed before the answer leaves
CHECK_SECONDS = 1.0
MAX_AGE = 60.0
CHANGED = "page_cache_content_changed"


@dataclass(frozen=True)
class Entry:
    status: str
    headers: list[tuple[str, str]]
    body: bytes
    stored: float
    version: int | None


class PageCache:
    """WSGI middleware in front of the Flask app; one per process (each gunicorn worker has its own)."""

    def __init__(self, app: Flask, max_bytes: int, latest_version: Callable[[], int | None]):
        self.app = app
        self.wsgi_app = app.wsgi_app
        self.max_bytes = max_bytes
        self.latest_version = latest_version
        self._entries: OrderedDict[tuple, Entry] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self._version: int | None = None
        self._next_check = 0.0
        self._generation = 0  # moves on whenever content may have changed
        self._memos: dict[str, tuple[int, float, object]] = {}
        self.hits = self.misses = 0
        skip = {app.config.get("SESSION_COOKIE_NAME", "session"), app.config.get("REMEMBER_COOKIE_NAME")}
        self._private_cookies = {name for name in skip if name} | {"remember_token"}

    # -- the WSGI side
    def __call__(self, environ: dict, start_response):
        key = self.key_for(environ)
        if key is None:
            return self.wsgi_app(environ, start_response)
        self._follow_version()
        entry = self._lookup(key)
        if entry is not None:
            self.hits += 1
            start_response(entry.status, entry.headers)
            return [entry.body]
        self.misses += 1
        return self._render_and_keep(key, environ, start_response)

    def _render_and_keep(self, key: tuple, environ: dict, start_response):
        seen: dict = {}
        version = self._version

        def capture(status, headers, exc_info=None):
            seen["keep"] = status.startswith("200 ") and any(name == MARK for name, _ in headers)
            seen["keep"] &= not any(name.lower() == "set-cookie" for name, _ in headers)
            headers = [(name, value) for name, value in headers if name != MARK]
            seen["status"], seen["headers"] = status, headers
            return start_response(status, headers, exc_info)

        body_parts = self.wsgi_app(environ, capture)
        try:
            body = b"".join(body_parts)
        finally:
            if hasattr(body_parts, "close"):
                body_parts.close()
        if seen.get("keep") and len(body) <= self.max_bytes // 8:
            self._store(key, Entry(seen["status"], seen["headers"], body, time.monotonic(), version))
        return [body]

    def key_for(self, environ: dict) -> tuple | None:
        """None when this request must go to the app: not a GET, or a visitor with a session."""
        if environ.get("REQUEST_METHOD") != "GET" or self.max_bytes <= 0:
            return None
        cookies = _cookies(environ.get("HTTP_COOKIE", ""))
        if cookies is None or self._private_cookies & cookies.keys():
            return None
        query = environ.get("QUERY_STRING", "")
        from portal.i18n import FURIGANA_COOKIE, choose_locale

        args = _first_values(query) if ("lang=" in query or "furigana=" in query) else {}
        accept = parse_accept_header(environ.get("HTTP_ACCEPT_LANGUAGE"), LanguageAccept)
        locale = choose_locale(args.get("lang"), cookies.get("lang"), accept)
        furigana = args.get("furigana") or cookies.get(FURIGANA_COOKIE, "")
        return (
            environ.get("wsgi.url_scheme"),
            environ.get("HTTP_HOST") or environ.get("SERVER_NAME"),
            environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", ""),
            query,
            locale.code,
            furigana if locale.code == "ja-easy" else "",
            environ.get("HTTP_HX_REQUEST", ""),
            environ.get("HTTP_HX_HISTORY_RESTORE_REQUEST", ""),
        )

    # -- the store
    def _lookup(self, key: tuple) -> Entry | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if time.monotonic() - entry.stored > MAX_AGE or entry.version != self._version:
                self._drop(key)
                return None
            self._entries.move_to_end(key)
            return entry

    def _store(self, key: tuple, entry: Entry) -> None:
        with self._lock:
            if entry.version != self._version:
                return  # the content changed while this page was rendered
            if key in self._entries:
                self._drop(key)
            self._entries[key] = entry
            self._bytes += len(entry.body)
            while self._bytes > self.max_bytes and self._entries:
                self._drop(next(iter(self._entries)))

    def _drop(self, key: tuple) -> None:
        self._bytes -= len(self._entries.pop(key).body)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0
            self._generation += 1
            self._next_check = 0.0  # and ask the database again before the next hit

    # -- reference data the pages are built from (areas, windows): kept under the same rules
    def memo(self, name: str, build: Callable[[], object]):
        """build()'s value, kept until content may have changed; plain values only, never ORM objects
        (they belong to one session and one thread)."""
        self._follow_version()
        generation = self._generation
        found = self._memos.get(name)
        if found is not None and found[0] == generation and time.monotonic() - found[1] < MAX_AGE:
            return found[2]
        value = build()
        with self._lock:
            if generation == self._generation:
                self._memos[name] = (generation, time.monotonic(), value)
        return value

    def __len__(self) -> int:
        return len(self._entries)

    # -- following other processes' changes
    def _follow_version(self) -> None:
        now = time.monotonic()
        if now < self._next_check:
            return
        try:
            version = self.latest_version()
        except Exception:  # the database is down: keep nothing, let the app answer (503)
            log.warning("page cache: could not read the change log; serving uncached", exc_info=True)
            version = None
            self.clear()
        with self._lock:
            self._next_check = now + CHECK_SECONDS
            if version != self._version:
                self._version = version
                self._entries.clear()
                self._bytes = 0
                self._generation += 1

    @property
    def version(self) -> int | None:
        return self._version


def _cookies(header: str) -> dict[str, str] | None:
    if not header:
        return {}
    try:
        jar = SimpleCookie()
        jar.load(header)
    except CookieError:
        return None  # an odd cookie header: let the app deal with it, uncached
    return {name: morsel.value for name, morsel in jar.items()}


def _first_values(query: str) -> dict[str, str]:
    """Each name's first value, as request.args.get gives it."""
    values: dict[str, str] = {}
    for name, value in parse_qsl(query, keep_blank_values=True):
        values.setdefault(name, value)
    return values


# --- the Flask side ---


def mark_cacheable(response: Response) -> Response:
    """after_request for public blueprints: this GET answer is the same for every anonymous reader."""
    if request.method == "GET" and response.status_code == 200 and not g.get("page_not_cacheable"):
        response.headers[MARK] = "1"
    return response


def do_not_cache() -> None:
    """A view's answer for this request only (a degraded search, an index behind the database)."""
    g.page_not_cacheable = True


def get_cache(app: Flask | None = None) -> PageCache | None:
    return (app or current_app).extensions.get("page_cache")


def memo(name: str, build: Callable[[], object]):
    """Reference data kept per process until content may have changed (PageCache.memo)."""
    cache = get_cache()
    return build() if cache is None else cache.memo(name, build)


def _latest_change(app: Flask) -> Callable[[], int | None]:
    from portal.extensions import db
    from portal.models import SearchChange

    def latest() -> int | None:
        with app.app_context(), Session(db.engine) as session:
            return session.scalar(select(func.max(SearchChange.id)))

    return latest


@event.listens_for(Session, "after_flush")
def _note_flush(session: Session, flush_context) -> None:
    if session.new or session.dirty or session.deleted:
        note_change(session)


def note_change(session: Session) -> None:
    """Pages are dropped when this transaction commits (bulk INSERTs call this: no flush sees them)."""
    session.info[CHANGED] = True


@event.listens_for(Session, "after_rollback")
def _forget_change(session: Session) -> None:
    session.info.pop(CHANGED, None)


@event.listens_for(Session, "after_commit")
def _drop_pages(session: Session) -> None:
    if session.info.pop(CHANGED, None) and has_app_context():
        cache = get_cache()
        if cache is not None:
            cache.clear()


def init_app(app: Flask) -> None:
    """Wrap the app; before anything else wraps wsgi_app, so that ProxyFix fixes requests first.

    Public blueprints opt in with `bp.after_request(mark_cacheable)`.
    """
    megabytes = float(app.config.get("PORTAL_PAGE_CACHE_MB", 32))
    cache = PageCache(app, int(megabytes * 1024 * 1024), _latest_change(app))
    app.extensions["page_cache"] = cache
    app.wsgi_app = cache  # type: ignore[method-assign]
