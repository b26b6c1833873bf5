"""Accounts by invitation, sign-in with lockout and a second factor, logout that ends the session."""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pyotp
import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

from portal.extensions import db
from portal.members import accounts
from portal.models import AuditLog, Invitation, User, utcnow
from tests.conftest import MEMBER_PASSWORD, build_app, sign_in

# These tests read the portal's messages in English (the default reader language is Japanese).
pytestmark = pytest.mark.usefixtures("reads_english")

NEW_PASSWORD = "a long new password 2026"


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def outbox(app) -> list:
    return getattr(app.extensions["mailman"], "outbox", [])


@pytest.fixture
def org(create_listing):
    return create_listing("member", name="みどり農園")


@pytest.fixture
def coordinator(create_user):
    return create_user("coordinator", email="coord@city.example")


def invite(app, client, coordinator, org, email="farm@example.org") -> str:
    """A coordinator invites a member; returns the link shown on screen."""
    sign_in(client, coordinator)
    response = client.post(
        "/members/coordinator/invitations",
        data={"email": email, "role": "member", "organisation": str(org.id)},
    )
    assert response.status_code == 200
    page = soup(response)
    assert page.select_one(".qr svg"), "the link's QR code is shown on screen"
    return page.select_one("#invitation-link")["value"]


def test_coordinator_invites_a_member_who_sets_a_password_and_lands_on_the_dashboard(
    app, client, coordinator, org
):
    link = invite(app, client, coordinator, org)
    mails = outbox(app)
    assert len(mails) == 1 and mails[0].to == ["farm@example.org"] and link in mails[0].body
    # Only the hash of the token is stored.
    token = link.rsplit("/", 1)[1]
    assert db.session.scalar(sa.select(Invitation.token_hash)) != token

    member = app.test_client()
    opened = member.get(link.replace("http://localhost", ""))
    assert opened.status_code == 302 and token not in opened.location  # the token leaves the address bar
    form = member.get(opened.location)
    assert soup(form).select_one("label[for=password]")
    done = member.post(opened.location, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 302 and done.location.endswith("/members/")
    dashboard = member.get("/members/")
    assert dashboard.status_code == 200
    user = db.session.scalar(sa.select(User).where(User.email == "farm@example.org"))
    assert user.organisation_id == org.id and user.role == "member"


def test_a_used_invitation_link_does_not_work_twice(app, client, coordinator, org):
    link = invite(app, client, coordinator, org).replace("http://localhost", "")
    first = app.test_client()
    first.get(link)
    first.post("/members/invitations/accept", data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    second = app.test_client()
    second.get(link)
    response = second.get("/members/invitations/accept")
    assert response.status_code == 400
    assert "already been used" in soup(response).select_one(".message").get_text()


def test_an_expired_invitation_link_says_so(app, client, coordinator, org):
    link = invite(app, client, coordinator, org).replace("http://localhost", "")
    db.session.execute(sa.update(Invitation).values(expires_at=utcnow() - timedelta(minutes=1)))
    db.session.commit()
    person = app.test_client()
    person.get(link)
    response = person.post(
        "/members/invitations/accept", data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert response.status_code == 400
    assert "expired" in soup(response).select_one(".message").get_text()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1  # only the coordinator


@pytest.mark.parametrize(
    "tamper", [lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"), lambda t: t[:10], lambda t: "x" * 500]
)
def test_a_tampered_invitation_link_is_refused_clearly(app, client, coordinator, org, tamper):
    link = invite(app, client, coordinator, org).replace("http://localhost", "")
    base, token = link.rsplit("/", 1)
    person = app.test_client()
    person.get(f"{base}/{tamper(token)}")
    response = person.get("/members/invitations/accept")
    assert response.status_code == 400
    assert "not valid" in soup(response).select_one(".message").get_text()


def test_a_revoked_link_stops_working_and_a_reissued_one_works(app, client, coordinator, org):
    old = invite(app, client, coordinator, org).replace("http://localhost", "")
    invitation = db.session.scalar(sa.select(Invitation))
    reissued = client.post(f"/members/coordinator/invitations/{invitation.id}/reissue")
    new = soup(reissued).select_one("#invitation-link")["value"].replace("http://localhost", "")
    person = app.test_client()
    person.get(old)
    assert person.get("/members/invitations/accept").status_code == 400
    person.get(new)
    assert person.get("/members/invitations/accept").status_code == 200


def test_inviting_an_email_that_already_has_an_account_is_refused(app, client, coordinator, org, create_user):
    create_user("member", organisation=org, email="taken@example.org")
    sign_in(client, coordinator)
    response = client.post(
        "/members/coordinator/invitations",
        data={"email": "Taken@Example.org", "role": "member", "organisation": str(org.id)},
    )
    assert response.status_code == 422
    assert "already exists" in soup(response).select_one(".error-summary").get_text()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Invitation)) == 0


def test_lockout_after_repeated_failures_with_a_clear_message(app, client, create_user, org):
    user = create_user("member", organisation=org)
    for _ in range(4):
        assert sign_in(client, user, "wrong password!").status_code == 422
    locked = sign_in(client, user, "wrong password!")
    assert "locked" in soup(locked).select_one(".error-summary").get_text()
    # Even the right password is refused while locked.
    again = sign_in(client, user)
    assert again.status_code == 422 and "locked" in soup(again).select_one(".error-summary").get_text()
    assert db.session.scalar(sa.select(AuditLog).where(AuditLog.action == "account_locked"))


def test_logout_makes_a_copied_cookie_worthless(app, client, create_user, org):
    user = create_user("member", organisation=org)
    sign_in(client, user)
    cookie = client.get_cookie("session").value
    thief = app.test_client()
    thief.set_cookie("session", cookie)
    assert thief.get("/members/").status_code == 200
    client.post("/members/sign-out")
    assert thief.get("/members/").status_code == 302  # back to sign-in
    assert client.get("/members/").status_code == 302


@pytest.mark.parametrize(
    "target",
    ["/\\evil.example", "\\/evil.example", "///evil.example", "//evil.example", "https://evil.example/",
     "http:evil.example", "/\t/evil.example", "javascript:alert(1)", " //evil.example"],
)  # fmt: skip
def test_next_cannot_leave_the_site(client, create_user, org, target):
    user = create_user("member", organisation=org)
    response = sign_in(client, user, next_url=target)
    assert response.status_code == 302
    assert response.location == "/members/"


def test_next_goes_to_a_local_page(client, create_user, org):
    user = create_user("member", organisation=org)
    response = sign_in(client, user, next_url="/members/requests")
    assert response.location == "/members/requests"


def test_coordinator_sets_up_the_second_factor_on_first_sign_in(app, client, create_user):
    user = create_user("coordinator")
    user.totp_secret, user.totp_confirmed = None, False
    db.session.commit()
    first = client.post("/members/sign-in", data={"email": user.email, "password": MEMBER_PASSWORD})
    assert "two-factor" in first.location
    assert client.get("/members/coordinator/").status_code == 302  # not signed in yet
    setup = client.get(first.location)
    page = soup(setup)
    assert page.select_one(".qr svg")
    secret = page.select_one("#totp-secret").get_text(strip=True)
    wrong = client.post(
        first.location, data={"code": "000000" if pyotp.TOTP(secret).now() != "000000" else "111111"}
    )
    assert wrong.status_code == 422
    done = client.post(first.location, data={"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 302
    assert client.get("/members/coordinator/").status_code == 200


def test_password_reset_link_from_a_coordinator(app, client, coordinator, create_user, org):
    member = create_user("member", organisation=org)
    sign_in(client, coordinator)
    response = client.post(f"/members/coordinator/users/{member.id}/reset")
    link = soup(response).select_one("#invitation-link")["value"].replace("http://localhost", "")
    person = app.test_client()
    person.get(link)
    done = person.post(
        "/members/invitations/accept", data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert done.status_code == 302, done.get_data(as_text=True)
    assert done.location.endswith("/members/")
    fresh = app.test_client()
    assert sign_in(fresh, member, MEMBER_PASSWORD).status_code == 422
    assert sign_in(fresh, member, NEW_PASSWORD).status_code == 302


def test_passwords_and_tokens_never_reach_the_logs(app, client, coordinator, org, caplog):
    caplog.set_level(logging.DEBUG)
    link = invite(app, client, coordinator, org)
    token = link.rsplit("/", 1)[1]
    person = app.test_client()
    person.get(link.replace("http://localhost", ""))
    person.post("/members/invitations/accept", data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    sign_in(
        app.test_client(),
        db.session.scalar(sa.select(User).where(User.email == "farm@example.org")),
        "wrong pw!!",
    )
    assert caplog.records, "the flow logs something, so the check below means something"
    assert token not in caplog.text
    assert (
        NEW_PASSWORD not in caplog.text
        and MEMBER_PASSWORD not in caplog.text
        and "wrong pw!!" not in caplog.text
    )


def test_a_short_password_is_refused_and_the_link_stays_usable(app, client, coordinator, org):
    link = invite(app, client, coordinator, org).replace("http://localhost", "")
    person = app.test_client()
    person.get(link)
    response = person.post("/members/invitations/accept", data={"password": "short", "confirm": "short"})
    assert response.status_code == 422
    assert soup(response).select_one(".error-summary a[href='#password']")
    assert person.get("/members/invitations/accept").status_code == 200


def test_service_refuses_a_member_invitation_without_an_organisation(app, coordinator):
    with pytest.raises(accounts.AccountError, match="organisation_required"):
        accounts.issue_invitation(db.session, actor=coordinator, email="x@example.org", role="member")


# --- rate limits ------------------------------------------------------------------------------------------


def _hammer_login(client, times: int) -> list[int]:
    return [
        client.post(
            "/members/sign-in", data={"email": "nobody@example.org", "password": "whatever pw"}
        ).status_code
        for _ in range(times)
    ]


def test_sign_in_is_rate_limited(client):
    codes = _hammer_login(client, 12)
    assert codes[:10] == [422] * 10
    assert codes[10:] == [429, 429]


def test_invitation_links_are_rate_limited(client):
    codes = [client.get(f"/members/invitations/guess{i}").status_code for i in range(22)]
    assert 429 in codes and codes[0] == 302


def test_the_check_before_every_request_runs_only_while_a_limit_covers_every_route(app, monkeypatch):
    from flask_limiter import Limit

    from portal.extensions import check_limits_only_where_set, limiter

    # our limits sit on sign-in and invitations (checked by their decorators, tested above)
    assert limiter._check_request_limit not in app.before_request_funcs.get(None, [])
    app.before_request_funcs[None].append(limiter._check_request_limit)  # as Flask-Limiter registers it
    monkeypatch.setattr(limiter.limit_manager, "_default_limits", [Limit("100 per minute")])
    check_limits_only_where_set(app)  # a default limit applies to every route: its check stays
    assert limiter._check_request_limit in app.before_request_funcs[None]


@pytest.fixture
def limiter_marked_alive():
    """Flask-Limiter is one object for every app a test process builds: taking Redis away marks its storage
    dead, and it re-checks only on a clock-driven back-off, so the next test's app (Redis up) sometimes
    still ran on the stale mark and saw no limit at all. Each app here starts with the storage alive."""
    from portal.extensions import limiter

    yield
    limiter._storage_dead = False


@pytest.mark.usefixtures("limiter_marked_alive")
def test_rate_limit_still_holds_when_redis_is_down(tmp_path, database_url_for):
    app = build_app(tmp_path, database_url_for(tmp_path), PORTAL_REDIS_URL="redis://127.0.0.1:1/0")
    with app.app_context():
        assert app.config["RATELIMIT_STORAGE_URI"].startswith("redis://")
        codes = _hammer_login(app.test_client(), 12)
        db.session.remove()
        db.engine.dispose()
    assert all(code < 500 for code in codes)
    assert 429 in codes


@pytest.mark.redis
def test_rate_limit_with_redis(tmp_path, database_url_for):
    import os

    url = os.environ.get("PORTAL_TEST_REDIS_URL")
    if not url:
        pytest.skip("set PORTAL_TEST_REDIS_URL to test the Redis rate-limit storage")
    prefix = f"tsunagu-test-{tmp_path.name}"
    app = build_app(tmp_path, database_url_for(tmp_path), PORTAL_REDIS_URL=url, RATELIMIT_KEY_PREFIX=prefix)
    with app.app_context():
        codes = _hammer_login(app.test_client(), 12)
        db.session.remove()
        db.engine.dispose()
    assert codes[10:] == [429, 429]


def test_session_cookie_is_secure_behind_https(tmp_path, database_url_for):
    app = build_app(tmp_path, database_url_for(tmp_path), PREFERRED_URL_SCHEME="https", WTF_CSRF_ENABLED=True)
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True and app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    with app.app_context():
        response = app.test_client().get("/members/sign-in", base_url="https://localhost")
        cookie = response.headers.get("Set-Cookie", "")
        db.session.remove()
        db.engine.dispose()
    assert re.search(r"; Secure", cookie) and "HttpOnly" in cookie


# --- CSRF -------------------------------------------------------------------------------------------------


def test_every_member_form_refuses_a_post_without_a_csrf_token(tmp_path, database_url_for):
    app = build_app(tmp_path, database_url_for(tmp_path), WTF_CSRF_ENABLED=True)
    with app.app_context():
        client = app.test_client()
        posts = [
            rule for rule in app.url_map.iter_rules()
            if rule.rule.startswith("/members") and "POST" in (rule.methods or ())
        ]  # fmt: skip
        assert len(posts) > 10
        for rule in posts:
            values = {
                arg: ("menu" if arg == "kind" else "en" if arg == "lang" else 1) for arg in rule.arguments
            }
            if "token" in rule.arguments:
                values["token"] = "x"
            path = rule.build(values)[1]
            response = client.post(path, data={"email": "a@example.org", "password": "x"})
            assert response.status_code == 400, f"{rule.rule} accepted a POST without a CSRF token"
        db.session.remove()
        db.engine.dispose()


def test_a_second_factor_code_cannot_be_used_twice(app, client, create_user):
    user = create_user("coordinator")
    code = pyotp.TOTP(user.totp_secret).now()
    first = client.post("/members/sign-in", data={"email": user.email, "password": MEMBER_PASSWORD})
    assert client.post(first.location, data={"code": code}).status_code == 302
    client.post("/members/sign-out")
    other = app.test_client()
    again = other.post("/members/sign-in", data={"email": user.email, "password": MEMBER_PASSWORD})
    assert other.post(again.location, data={"code": code}).status_code == 422


def test_a_stranger_sent_to_sign_in_comes_back_to_the_page_they_wanted(client, create_user, org):
    user = create_user("member", organisation=org)
    bounced = client.get("/members/requests")
    assert bounced.status_code == 302
    login_page = client.get(bounced.location)
    action = soup(login_page).select_one("main form")["action"]
    done = client.post(action, data={"email": user.email, "password": MEMBER_PASSWORD})
    assert done.location == "/members/requests"


def test_under_a_url_prefix_sign_in_and_the_forms_keep_the_prefix(client, create_user, org):
    city = "http://localhost/city/"  # the portal served under /city (SCRIPT_NAME)
    user = create_user("member", organisation=org)
    bounced = client.get("/members/listings/new/menu", base_url=city)
    sign_in = urlsplit(bounced.location)
    assert sign_in.path == "/city/members/sign-in"
    assert parse_qs(sign_in.query)["next"] == ["/city/members/listings/new/menu"]
    login_page = client.get(sign_in.path.removeprefix("/city"), query_string=sign_in.query, base_url=city)
    action = soup(login_page).select_one("main form")["action"]
    assert action.startswith("/city/")
    done = client.post(
        action.removeprefix("/city"), data={"email": user.email, "password": MEMBER_PASSWORD}, base_url=city
    )
    assert done.location == "/city/members/listings/new/menu"
    form = soup(client.get("/members/listings/new/menu", base_url=city)).select_one("main form.stack")
    assert form["action"] == "/city/members/listings/new/menu"
