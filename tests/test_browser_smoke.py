"""A person on a phone opens the portal and finds the demo city (Playwright + Debian chromium)."""

from __future__ import annotations

import pytest

from tests.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def test_home_page_on_a_phone_shows_the_demo_city(phone, live_server):
    phone.goto(live_server + "/?lang=ja")
    assert phone.locator("html").get_attribute("lang") == "ja"
    assert phone.locator(".demo-notice").is_visible()
    assert "みどり野市" in phone.locator(".demo-notice").inner_text()
    assert phone.locator("#emergency a[href='tel:110']").is_visible()
    # Nothing wider than the phone: no sideways scrolling at 360 px.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(phone, "home-360-ja")


def test_searching_from_the_home_page_finds_a_salon(phone, live_server):
    phone.goto(live_server + "/?lang=ja")
    phone.fill("#home-q", "サロン")
    phone.click("form[role=search] button[type=submit]")
    phone.wait_for_url("**/search?q=*")
    assert phone.locator(".result").count() > 0
    screenshot(phone, "search-360-ja")
