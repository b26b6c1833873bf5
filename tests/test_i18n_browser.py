"""Each language on a 360 px phone: nothing overflows, the switcher is one tap away, scripts render."""

from __future__ import annotations

import subprocess

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import Listing
from tests.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

# The longest languages (Portuguese, Vietnamese), another script (Nepali) and the default.
LANGUAGES = ["ja", "pt-BR", "vi", "ne", "ja-easy"]


@pytest.fixture(scope="module")
def window_id(demo_app):
    with demo_app.app_context():
        return db.session.scalar(select(Listing.id).where(Listing.kind == "window").limit(1))


WIDE_ELEMENTS = """() => [...document.querySelectorAll('body *')]
    .filter(e => e.getBoundingClientRect().right > 361)
    .slice(0, 5).map(e => `${e.tagName}.${e.className}: ${e.textContent.trim().slice(0, 30)}`)"""


def fits_the_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= 360


@pytest.mark.parametrize("lang", LANGUAGES)
def test_pages_fit_a_360px_phone_in_each_language(phone, live_server, window_id, lang):
    for path, name in (("/", "home"), ("/search?q=相談", "search"), (f"/listings/{window_id}", "listing")):
        sep = "&" if "?" in path else "?"
        phone.goto(f"{live_server}{path}{sep}lang={lang}")
        assert phone.locator("html").get_attribute("lang") == ("ja" if lang == "ja-easy" else lang)
        screenshot(phone, f"i18n-{name}-360-{lang}")
        wide = phone.evaluate(WIDE_ELEMENTS)
        assert fits_the_phone(phone), f"{path} overflows at 360 px in {lang}: {wide}"


def test_the_language_switcher_is_one_tap_from_the_top_of_a_phone(phone, live_server):
    phone.goto(f"{live_server}/?lang=ja")
    link = phone.locator(".header-tools a.lang-link")
    assert link.is_visible()
    box = link.bounding_box()
    assert box["height"] >= 44 and box["y"] < 740  # visible without scrolling, a finger-sized target
    link.click()
    nepali = phone.locator("#language a[hreflang=ne]")
    assert nepali.is_visible() and nepali.bounding_box()["height"] >= 44
    nepali.click()
    phone.wait_for_url("**lang=ne")
    assert phone.locator("html").get_attribute("lang") == "ne"
    phone.goto(f"{live_server}/search")  # the cookie keeps the choice
    assert phone.locator("html").get_attribute("lang") == "ne"


def test_nepali_is_drawn_in_devanagari_not_boxes(phone, live_server):
    """With no Devanagari font, each letter would be a same-width box (tofu): compare widths."""
    fonts = subprocess.run(["fc-list", ":lang=ne"], capture_output=True, text=True, check=False).stdout
    if not fonts.strip():
        pytest.skip("no Devanagari font: apt-get install fonts-noto-core (Nepali would show boxes)")
    phone.goto(f"{live_server}/?lang=ne")
    widths = phone.evaluate(
        """() => {
            const c = document.createElement('canvas').getContext('2d');
            c.font = '16px sans-serif';
            return ['क', 'ि', 'म'].map(t => c.measureText(t).width);
        }"""
    )
    assert len(set(widths)) > 1, f"Devanagari renders as boxes (install fonts-noto-core): {widths}"
