"""Every response carries a strict Content-Security-Policy and the other security headers."""

from __future__ import annotations

import pytest

from portal.security import CookieSessions, content_security_policy, tile_origin
from tests.conftest import build_app


def directives(policy: str) -> dict[str, str]:
    return {part.split()[0]: " ".join(part.split()[1:]) for part in policy.split("; ")}


def test_every_page_gets_a_strict_policy_without_unsafe_inline(demo_client):
    response = demo_client.get("/")
    policy = directives(response.headers["Content-Security-Policy"])
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert policy["object-src"] == "'none'"
    assert policy["base-uri"] == "'none'"
    assert policy["frame-ancestors"] == "'none'"
    assert policy["form-action"] == "'self'"
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "geolocation=(self)" in response.headers["Permissions-Policy"]


@pytest.mark.parametrize("path", ["/api/v1/search?q=x", "/static/js/portal.js", "/no-such-page"])
def test_api_static_and_error_responses_get_the_headers_too(demo_client, path):
    response = demo_client.get(path)
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_plain_http_gets_no_hsts(demo_client):
    assert "Strict-Transport-Security" not in demo_client.get("/").headers


def test_https_gets_hsts(demo_client):
    response = demo_client.get("/", base_url="https://portal.example")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_behind_the_proxy_the_forwarded_scheme_turns_hsts_on(tmp_path, database_url_for):
    app = build_app(tmp_path, database_url_for(tmp_path), PORTAL_PROXY_FIX=True)
    client = app.test_client()
    assert "Strict-Transport-Security" in client.get("/", headers={"X-Forwarded-Proto": "https"}).headers
    assert "Strict-Transport-Security" not in client.get("/").headers


def test_without_the_proxy_a_forged_forwarded_scheme_is_ignored(demo_client):
    response = demo_client.get("/", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in response.headers


def test_map_tile_host_is_allowed_for_images_only():
    policy = directives(content_security_policy("https://cyberjapandata.gsi.go.jp/xyz/pale/{z}/{x}/{y}.png"))
    assert policy["img-src"] == "'self' data: https://cyberjapandata.gsi.go.jp"
    assert policy["connect-src"] == "'self'"


@pytest.mark.parametrize("url", ["", "not a url", "javascript:alert(1)", "/relative/{z}.png"])
def test_no_tiles_or_odd_tile_urls_add_no_image_host(url):
    assert tile_origin(url) == ""
    assert directives(content_security_policy(url))["img-src"] == "'self' data:"


def test_a_visitor_without_a_session_cookie_gets_an_empty_session_and_a_signed_one_reads_back(app):
    from flask import session

    @app.get("/_session_probe")
    def probe():
        before = dict(session)
        session["seen"] = session.get("seen", 0) + 1
        return {"before": before}

    assert isinstance(app.session_interface, CookieSessions)  # the portal's, which skips the signer
    client = app.test_client()
    assert client.get("/_session_probe").json == {"before": {}}
    assert client.get("/_session_probe").json == {"before": {"seen": 1}}  # the cookie it set reads back
    client.set_cookie("session", "forged.value.x")
    assert client.get("/_session_probe").json == {"before": {}}  # a bad signature is an empty session


def test_a_header_the_view_set_itself_is_kept_and_the_others_follow_in_order(app):
    @app.get("/own-referrer-policy")
    def own_referrer_policy():
        return "own", {"Referrer-Policy": "no-referrer", "Content-Type": "text/plain"}

    response = app.test_client().get("/own-referrer-policy", base_url="https://portal.example")
    security = ("content-security-policy", "x-content-type-options", "referrer-policy", "permissions-policy",
                "strict-transport-security")  # fmt: skip
    names = [name.lower() for name, _ in response.headers if name.lower() in security]
    assert names == ["referrer-policy", *(name for name in security if name != "referrer-policy")]
    assert response.headers.getlist("Referrer-Policy") == ["no-referrer"]
