"""Security headers on every response: a strict CSP (no 'unsafe-inline'), nosniff, referrer, HSTS on HTTPS.

A small function of our own rather than flask-talisman (no release since 2023; see stack.md). Templates
keep to it: no inline <script> (JSON data blocks are not executed and are allowed), no style="...",
no on*= handlers, no javascript: URLs. htmx 2 is configured (base.html's htmx-config meta) not to inject
its indicator <style>, which this policy would block.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response, current_app, request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from werkzeug.middleware.proxy_fix import ProxyFix

HSTS = "max-age=31536000; includeSubDomains"  # one year; HTTPS only, so a plain-HTTP dev server is spared


def tile_origin(tile_url: str) -> str:
    """The scheme and host of the map tile URL template, for img-src ('' when tiles are off)."""
    parts = urlsplit(tile_url or "")
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return ""
    return f"{parts.scheme}://{parts.netloc}"


def content_security_policy(tile_url: str = "") -> str:
    img = " ".join(filter(None, ("'self'", "data:", tile_origin(tile_url))))
    directives = (
        ("default-src", "'self'"),
        ("script-src", "'self'"),
        ("style-src", "'self'"),
        ("img-src", img),
        ("connect-src", "'self'"),
        ("object-src", "'none'"),
        ("base-uri", "'none'"),
        ("frame-ancestors", "'none'"),
        ("form-action", "'self'"),
    )
    return "; ".join(f"{name} {value}" for name, value in directives)


STANDING_HEADERS = (
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),  # no-referrer breaks Flask-WTF's HTTPS check
    ("Permissions-Policy", "geolocation=(self), camera=(), microphone=()"),
)


def add_security_headers(response: Response) -> Response:
    """Each header unless the view set its own, in this order (as headers.setdefault would).

    The names already there are read once: setdefault looks each one up, and Werkzeug raises and
    catches an HTTP exception for every missing name (four or five a response)."""
    headers = response.headers
    present = set(headers.keys(lower=True))
    wanted = [("Content-Security-Policy", current_app.config["PORTAL_CSP"]), *STANDING_HEADERS]
    if request.is_secure:
        wanted.append(("Strict-Transport-Security", HSTS))
    for name, value in wanted:
        if name.lower() not in present:
            headers.add(name, value)
    return response


class CookieSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, but a request without the cookie gets its new empty session at once.

    Why: Flask builds the signing serializer (keys, salt, HMAC) before it looks for the cookie, and most
    requests are visitors who have none: ~2 % of a listing page's first view. Same answer either way.
    """

    def open_session(self, app: Flask, request) -> SecureCookieSession | None:
        name, cookies = self.get_cookie_name(app), request.cookies
        # `in` first: for a missing name, Werkzeug's get raises and catches an HTTP exception
        if app.secret_key and not (name in cookies and cookies[name]):
            return self.session_class()
        return super().open_session(app, request)


def init_app(app: Flask) -> None:
    app.session_interface = CookieSessions()
    app.config["PORTAL_CSP"] = content_security_policy(app.config.get("PORTAL_TILE_URL", ""))
    if app.config.get("PORTAL_PROXY_FIX"):
        # Behind one reverse proxy that sets X-Forwarded-For/-Proto/-Host: request.is_secure tells the truth.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)  # type: ignore[method-assign]
    app.after_request(add_security_headers)
