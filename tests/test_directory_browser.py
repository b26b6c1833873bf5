"""What people do with the directory on a phone, walked in Debian chromium (Playwright)."""

from __future__ import annotations

import re

import pytest

from tests.conftest import ARTIFACTS, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


@pytest.fixture
def phone_context(browser):
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="ja-JP")
    yield context
    context.close()


def test_a_resident_finds_a_childrens_cafeteria_in_their_area_and_opens_it(phone_context, live_server):
    page = phone_context.new_page()
    page.goto(live_server + "/?lang=ja")
    page.click(".big-entry--places")
    page.wait_for_url("**/directory?kind=*")
    page.click(".filters__panel summary")  # chosen filters fold away on a phone; open them
    page.select_option("#f-area", "asahi")
    page.wait_for_selector(
        "#f-area option[value=asahi][selected]", state="attached"
    )  # htmx swapped the results in place
    page.select_option("#f-tag", "子ども食堂")
    page.wait_for_url(re.compile(r"tag=%"))  # hx-push-url keeps the address shareable
    assert "target=" not in page.url  # filters left at "any" stay out of it
    assert page.locator("#results .card").count() == 1
    assert page.locator("#results-status").inner_text().startswith("1")  # announced to screen readers
    page.click("#results .card__name a")
    assert "旭こども食堂" in page.locator("h1").inner_text()
    assert page.locator(".facts a.call-button").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "directory-listing-360-ja")


def test_the_filters_work_without_javascript(browser, live_server):
    context = browser.new_context(viewport={"width": 360, "height": 740}, java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server + "/directory?lang=ja")
    page.select_option("#f-area", "asahi")
    page.check("#f-kind-place")
    page.click("#filters button[type=submit]")
    page.wait_for_load_state("domcontentloaded")  # the click returns once the new page commits, not loads
    assert "area=asahi" in page.url and "kind=place" in page.url
    assert page.locator("#results .card").count() >= 1
    context.close()


def test_salons_open_on_wednesday_show_on_the_map_without_tiles(phone_context, live_server):
    page = phone_context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(live_server + "/directory?kind=salon&day=wed&lang=ja")
    listed = page.locator("#results .card").count()
    assert listed > 0
    page.click("#map-toggle")
    page.wait_for_selector("#map[data-markers]")
    assert int(page.get_attribute("#map", "data-markers")) == listed
    assert page.locator("#map .leaflet-marker-icon").count() > 0  # markers or clusters drawn
    assert page.locator("#map .leaflet-tile").count() == 0
    assert page.locator("#results .card").count() == listed  # the list is still there
    assert not errors
    screenshot(page, "directory-map-360-ja")


def test_a_social_worker_ticks_three_listings_and_prints_the_share_sheet(browser, live_server):
    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.goto(live_server + "/directory?kind=place&lang=ja")
    ticks = page.locator("#results .share-tick")
    for index in range(3):
        page.locator("#results .card__share label").nth(index).click()
    assert ticks.nth(0).is_checked()
    assert page.locator("#share-count").inner_text() == "3"
    # The choice lives in this browser only: it survives a reload.
    page.reload()
    assert page.locator("#share-count").inner_text() == "3"
    page.click("#share-link")
    page.wait_for_url("**/share?ids=*")
    assert page.locator(".share-item").count() == 3
    assert page.locator(".share-item svg.qr").count() == 3
    screenshot(page, "directory-share-360-ja")
    page.emulate_media(media="print")
    assert not page.locator(".site-header").is_visible()
    pdf = page.pdf(format="A4")
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "share-sheet.pdf").write_bytes(pdf)
    assert pdf.startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) >= 1
    context.close()


def test_a_visited_listing_opens_again_with_no_signal(browser, live_server):
    context = browser.new_context(viewport={"width": 360, "height": 740}, service_workers="allow")
    page = context.new_page()
    listing = live_server + "/listings/64?lang=ja"
    page.goto(listing)
    page.wait_for_function(
        "() => navigator.serviceWorker && navigator.serviceWorker.controller !== null", timeout=20000
    )
    page.goto(listing)  # now through the service worker, which keeps a copy
    page.wait_for_function(
        "url => caches.keys()"
        ".then(keys => Promise.all(keys.map(k => caches.open(k).then(c => c.match(url)))))"
        ".then(found => found.some(Boolean))",
        arg=listing,
        timeout=20000,
    )
    name = page.locator("h1").inner_text()
    context.set_offline(True)
    page.goto(listing)
    assert page.locator("h1").inner_text() == name
    assert page.locator("#offline-notice").is_visible()  # honest: this copy may be out of date
    screenshot(page, "directory-offline-listing-360-ja")
    page.goto(live_server + "/emergency?lang=ja")  # precached: emergency numbers always work
    assert page.locator("#emergency a[href='tel:110']").is_visible()
    page.goto(live_server + "/listings/65?lang=ja")  # never opened: the offline page says so
    assert page.locator("a[href='/windows']").count() >= 1
    context.set_offline(False)
    context.close()


@pytest.mark.parametrize("lang", ["ja", "pt-BR"])
def test_screenshots_at_360_px(browser, live_server, lang):
    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    pages = [
        ("home", "/"), ("browse", "/directory?kind=salon"), ("listing", "/listings/64"),
        ("events", "/events"), ("windows", "/windows?area=kita"), ("emergency", "/emergency"),
    ]  # fmt: skip
    for name, path in pages:
        sep = "&" if "?" in path else "?"
        page.goto(f"{live_server}{path}{sep}lang={lang}")
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, f"{name} scrolls sideways"
        screenshot(page, f"directory-{name}-360-{lang}")
    context.close()
