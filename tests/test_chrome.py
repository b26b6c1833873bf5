"""The page frame (portal/chrome.py): rendered once, but always for this page's address and language."""

from __future__ import annotations

from bs4 import BeautifulSoup


def switcher_links(response) -> list[str]:
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    return [a["href"] for a in soup.select("#language a")]


def test_the_language_links_point_at_the_page_they_are_on(client) -> None:
    events = switcher_links(client.get("/events"))
    windows = switcher_links(client.get("/windows?area=kita"))
    assert events and all(href.startswith("/events?lang=") for href in events)
    assert windows and all(href.startswith("/windows?area=kita&lang=") for href in windows)


def test_a_frame_kept_for_one_language_is_not_shown_in_another(client) -> None:
    japanese = client.get("/emergency", headers={"Accept-Language": "ja"}).get_data(as_text=True)
    english = client.get("/emergency", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Sign in for member organisations" not in japanese
    assert "Sign in for member organisations" in english
