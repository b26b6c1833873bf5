"""In a browser on a phone: a coordinator invites a member, the member adds a menu, it is approved and
found in search; a request is posted, offered on and matched. Every page passes axe at 360 px."""

from __future__ import annotations

import threading

import pyotp
import pytest
from playwright.sync_api import expect

from portal.extensions import db
from portal.members.security import hash_password
from portal.models import Area, MemberOrganisation, User
from tests.conftest import MEMBER_PASSWORD, build_app, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
NEW_PASSWORD = "a long password for the farm"


@pytest.fixture
def portal_server(tmp_path, database_url_for):
    """A fresh portal (not the shared demo city: this test changes data) on a loopback port."""
    from werkzeug.serving import make_server

    app = build_app(tmp_path, database_url_for(tmp_path))
    with app.app_context():
        area = Area(code="asahi", name="旭中学校区")
        org = MemberOrganisation(kind="member", name="みどり農園", area=area)
        coordinator = User(
            email="coord@city.example", role="coordinator", password_hash=hash_password(MEMBER_PASSWORD),
            totp_secret=pyotp.random_base32(), totp_confirmed=True,
        )  # fmt: skip
        db.session.add_all([area, org, coordinator])
        db.session.commit()
        secret = coordinator.totp_secret
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", secret
    server.shutdown()
    with app.app_context():
        db.engine.dispose()


def check_axe(page, name: str) -> None:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
    assert results.violations_count == 0, f"{name}:\n{results.generate_report()}"
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, f"{name} scrolls sideways at 360 px"


@pytest.fixture
def two_phones(browser):
    contexts = [
        browser.new_context(viewport={"width": 360, "height": 740}, locale="ja-JP", device_scale_factor=1)
        for _ in range(2)
    ]
    yield [context.new_page() for context in contexts]
    for context in contexts:
        context.close()


def test_invite_add_menu_approve_search_request_offer_match(portal_server, two_phones):
    base, secret = portal_server
    coord, member = two_phones

    # The coordinator signs in with the second factor.
    coord.goto(base + "/members/sign-in?lang=en")
    check_axe(coord, "sign-in")
    coord.fill("#email", "coord@city.example")
    coord.fill("#password", MEMBER_PASSWORD)
    coord.click("form button[type=submit]")
    coord.wait_for_url("**/two-factor**")
    coord.fill("#code", pyotp.TOTP(secret).now())
    coord.click("main form button[type=submit]")
    coord.wait_for_url("**/members/coordinator/")
    check_axe(coord, "coordinator-overview")

    # Invite the farm: the link and its QR code are on the screen.
    coord.goto(base + "/members/coordinator/invitations")
    check_axe(coord, "invitations")
    coord.fill("#email", "farm@example.org")
    coord.select_option("#organisation", label="みどり農園")
    coord.click("main form.stack button[type=submit]")
    expect(coord.locator(".qr svg")).to_be_visible()  # expect() waits for the page a click loads
    check_axe(coord, "invitation-link")
    screenshot(coord, "members-invitation-link-360")
    link = coord.input_value("#invitation-link")

    # The member opens the link, sets a password and lands on the dashboard.
    member.goto(link + "?lang=en")
    member.wait_for_url("**/invitations/accept")
    check_axe(member, "accept")
    member.fill("#password", NEW_PASSWORD)
    member.fill("#confirm", NEW_PASSWORD)
    member.click("main form button[type=submit]")
    member.wait_for_url("**/members/")
    check_axe(member, "dashboard")
    member.goto(base + "/members/?lang=ja")
    check_axe(member, "dashboard-ja")
    screenshot(member, "members-dashboard-360-ja")
    member.goto(base + "/members/?lang=en")

    # Adds a support menu; it waits for approval.
    member.click("text=Add a support menu")
    check_axe(member, "menu-form")
    member.click("main form.stack button[type=submit]")  # nothing filled in: errors at the top and beside
    expect(member.locator(".error-summary a[href='#name']")).to_be_visible()
    expect(member.locator("#name-error")).to_be_visible()
    check_axe(member, "menu-form-errors")
    screenshot(member, "members-menu-form-errors-360")
    member.fill("#name", "野菜の袋詰め")
    member.fill("#summary", "座ってできる軽作業です")
    member.check("input[name=targets][value=anyone]")
    member.check("input[name=readiness][value=social]")
    member.select_option("#area", "asahi")
    member.click("main form.stack button[type=submit]")
    member.wait_for_url("**/preview**")
    expect(member.locator(".badge--pending")).to_be_visible()
    check_axe(member, "preview")
    screenshot(member, "members-preview-360")
    member.goto(base + "/search?q=袋詰め")
    assert member.locator(".result").count() == 0

    # The coordinator approves it and it appears in search.
    coord.goto(base + "/members/coordinator/pending")
    check_axe(coord, "pending")
    with coord.expect_navigation():
        coord.click(".pending-item button[type=submit]")
    coord.goto(base + "/search?q=袋詰め")
    assert coord.locator(".result").count() == 1

    # A request is posted; the member offers the menu; the coordinator matches.
    coord.goto(base + "/members/coordinator/requests")
    check_axe(coord, "requests")
    coord.check("input[name=age_band][value='18_39']")
    coord.select_option("#area", "asahi")
    coord.fill("#wanted", "人と話さずに座ってできる作業")
    coord.fill("#when", "平日の午前")
    coord.click("main form.stack button[type=submit]")
    coord.wait_for_url("**/members/coordinator/requests/*")

    member.goto(base + "/members/requests")
    check_axe(member, "member-requests")
    member.click(".request .card__title")
    check_axe(member, "request-offer")
    member.select_option("#menu", label="野菜の袋詰め")
    member.click("main form.stack button[type=submit]")
    expect(member.locator(".notice--success")).to_be_visible()
    screenshot(member, "members-offer-360")

    coord.reload()
    assert coord.locator(".offer").count() == 1
    coord.click(".offer button[type=submit]")
    assert "Matched" in coord.locator(".facts").inner_text()
    check_axe(coord, "request-matched")
    screenshot(coord, "members-request-matched-360")

    # Signing out ends the session.
    member.click(".members-nav button[type=submit]")
    member.goto(base + "/members/")
    assert "/members/sign-in" in member.url
