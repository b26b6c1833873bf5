"""A person on a small phone answers the guided flow, with and without JavaScript, in Japanese and English."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]},
    "resultTypes": ["violations"],
}
EXIT = "https://www.google.com/"


@pytest.fixture(params=[True, False], ids=["with-js", "without-js"])
def scripted(request):
    return request.param


@pytest.fixture(params=["ja", "en"])
def lang(request):
    return request.param


@pytest.fixture
def phone_page(browser, scripted, lang):
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, device_scale_factor=1, java_script_enabled=scripted,
        locale="ja-JP" if lang == "ja" else "en-GB",
    )  # fmt: skip
    page = context.new_page()
    # "Exit now" goes to a neutral site; the test never leaves this machine.
    page.route(
        EXIT + "**",
        lambda route: route.fulfill(status=200, body="<title>neutral</title>", content_type="text/html"),
    )
    yield page
    context.close()


def serious_violations(page) -> list[str]:
    results = Axe().run(page, options=AXE_OPTIONS)
    return [
        f"{v['id']}: {v['help']} ({len(v['nodes'])})"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def click_and_wait(page, selector: str, next_step: str | None) -> None:
    page.click(selector)
    if next_step:
        page.wait_for_selector(f"form.question input[name=step][value={next_step}]", state="attached")
    else:
        page.wait_for_selector(".result .window-card--primary")


def test_neighbour_walks_the_8050_household_to_the_result(phone_page, live_server, scripted, lang) -> None:
    page = phone_page
    name = f"referral-{lang}-{'js' if scripted else 'nojs'}"
    page.goto(f"{live_server}/consult?lang={lang}")
    assert page.locator("html").get_attribute("lang") == lang
    assert page.locator(".emergency a[href='tel:110']").is_visible()
    assert page.locator("a.exit-now").is_visible()
    screenshot(page, f"{name}-1-danger")
    if scripted:
        assert serious_violations(page) == []

    click_and_wait(page, "form.question button[name=answer][value=no]", "who")
    assert page.locator(".question__hint").is_visible()  # a consultation for someone else is accepted
    if scripted:  # the new question has the focus, so a screen reader reads it
        page.wait_for_function(
            "() => document.activeElement && document.activeElement.id === 'current-question'"
        )
    click_and_wait(page, "form.question button[name=answer][value=neighbour]", "ages")
    page.check("form.question input[value=senior]")
    page.check("form.question input[value=adult]")
    click_and_wait(page, "form.question .answer-button--next", "concerns")
    page.check("form.question input[value=dementia]")
    page.check("form.question input[value=hikikomori]")
    assert page.locator("a.exit-now").is_visible()
    screenshot(page, f"{name}-4-concerns")
    if scripted:
        assert serious_violations(page) == []
    click_and_wait(page, "form.question .answer-button--next", "consent")
    click_and_wait(page, "form.question button[name=dontknow]", "area")
    click_and_wait(page, "form.question button[value=kita]", None)

    assert page.locator(".window-card--primary").get_attribute("data-window") == "fukushi_sougou"
    assert page.locator(".result__outreach").is_visible()
    assert page.locator(".window-card--primary a[href^='tel:']").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # no sideways scrolling
    screenshot(page, f"{name}-7-result")
    if scripted:
        assert serious_violations(page) == []
        # htmx kept nothing: the address never changed and no snapshot is in browser storage.
        assert page.url == f"{live_server}/consult?lang={lang}"
        stored = page.evaluate("JSON.stringify(sessionStorage) + JSON.stringify(localStorage)")
        assert "hikikomori" not in stored and "dementia" not in stored
    else:
        assert page.url == f"{live_server}/consult"  # a POST: the answers are in no address


def test_changing_an_answer_keeps_the_others(phone_page, live_server) -> None:
    page = phone_page
    page.goto(f"{live_server}/consult")
    click_and_wait(page, "form.question button[name=answer][value=no]", "who")
    click_and_wait(page, "form.question button[name=answer][value=self]", "ages")
    page.check("form.question input[value=senior]")
    click_and_wait(page, "form.question .answer-button--next", "concerns")
    page.check("form.question input[value=care]")
    click_and_wait(page, "form.question .answer-button--next", "consent")
    click_and_wait(page, "form.question button[name=answer][value=yes]", "area")
    click_and_wait(page, "form.question button[name=dontknow]", None)
    assert page.locator(".window-card--primary").get_attribute("data-window") == "houkatsu"
    page.click(".chat-history summary")  # the answers fold away under the result
    click_and_wait(page, "form.chat-form button[value=concerns]", "concerns")
    page.uncheck("form.question input[value=care]")
    page.check("form.question input[value=debt]")
    click_and_wait(page, "form.question .answer-button--next", None)
    assert page.locator(".window-card--primary").get_attribute("data-window") == "jiritsu"


def test_exit_now_leaves_at_once_and_back_does_not_return(phone_page, live_server, scripted) -> None:
    page = phone_page
    page.goto(f"{live_server}/consult")
    click_and_wait(page, "form.question button[name=answer][value=yes]", "who")
    page.click("a.exit-now")
    page.wait_for_url(EXIT)
    if scripted:  # location.replace: the flow is no longer in this tab's history
        page.go_back()
        assert "/consult" not in page.url


def test_counter_view_prints_on_one_a4_page(browser, live_server) -> None:
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="pt-BR")
    page = context.new_page()
    page.goto(f"{live_server}/consult?lang=en")
    for selector, step in (
        ("form.question button[name=answer][value=no]", "who"),
        ("form.question button[name=answer][value=self]", "ages"),
    ):
        click_and_wait(page, selector, step)
    page.check("form.question input[value=adult]")
    page.check("form.question input[value=child]")
    click_and_wait(page, "form.question .answer-button--next", "concerns")
    for value in ("child_rearing", "money", "language"):
        page.check(f"form.question input[value={value}]")
    click_and_wait(page, "form.question .answer-button--next", "consent")
    click_and_wait(page, "form.question button[name=answer][value=yes]", "area")
    click_and_wait(page, "form.question button[value=kita]", None)
    page.click(".result__actions button[type=submit]")
    page.wait_for_selector(".counter__column[lang=ja]")
    assert page.locator(".counter__column").count() == 2
    screenshot(page, "referral-counter-en-ja")
    assert serious_violations(page) == []
    pdf = page.pdf(format="A4", print_background=True)
    assert pdf.count(b"/Type /Page\n") + pdf.count(b"/Type /Page ") + pdf.count(b"/Type /Page>") == 1
    context.close()
