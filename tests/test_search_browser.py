"""A person on a phone searches, narrows by a facet with htmx, and gets help when nothing matches."""

from __future__ import annotations

import pytest

from tests.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def test_search_on_a_phone_marks_matches_and_narrows_by_a_facet_in_place(phone, live_server):
    phone.goto(live_server + "/search?q=サロン&lang=ja")
    assert phone.locator(".results mark").count() > 0
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(phone, "search-results-360-ja")
    total = int(phone.locator("a.facet__link[data-facet=kind][data-value=salon] .facet__count").inner_text())
    phone.click("a.facet__link[data-facet=kind][data-value=salon]")
    phone.wait_for_url("**kind=salon**")
    phone.wait_for_selector("a.facet__link[aria-current=true]", state="attached")
    assert phone.locator("#search-kind").input_value() == "salon"  # the form follows the facet
    assert phone.locator(".results .result").count() == min(total, 20)


def test_a_search_that_finds_nothing_offers_a_way_on(phone, live_server):
    phone.goto(live_server + "/search?q=zzzzqqq&lang=ja")
    assert phone.locator(".no-results a[data-next=windows]").is_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(phone, "search-nothing-360-ja")
