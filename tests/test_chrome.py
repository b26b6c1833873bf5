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


def test_the_hreflang_links_follow_each_address_though_the_frame_is_rendered_once(client) -> None:
    def alternates(path: str) -> dict[str, str]:
        soup = BeautifulSoup(
            client.get(path, headers={"Accept-Language": "ja"}).get_data(as_text=True), "html.parser"
        )
        return {link["hreflang"]: link["href"] for link in soup.select("link[rel=alternate]")}

    events, windows = alternates("/events"), alternates("/windows?area=kita")
    assert (
        events["en"] == "http://localhost/events?lang=en" and events["x-default"] == "http://localhost/events"
    )
    assert windows["en"] == "http://localhost/windows?area=kita&lang=en"
    assert windows["x-default"] == "http://localhost/windows"


def test_the_hreflang_links_name_the_host_each_request_was_made_to(client) -> None:
    """The host's part of the links is kept per scheme and host (portal.i18n.host_url), never shared."""

    def alternates(base_url: str) -> dict[str, str]:
        response = client.get("/events", base_url=base_url, headers={"Accept-Language": "ja"})
        soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
        return {link["hreflang"]: link["href"] for link in soup.select("link[rel=alternate]")}

    for _ in range(2):  # the second time round, from what was kept
        assert alternates("http://localhost/")["en"] == "http://localhost/events?lang=en"
        assert (
            alternates("https://tsunagu.example:8443/")["en"] == "https://tsunagu.example:8443/events?lang=en"
        )
        assert alternates("http://localhost/city/")["en"] == "http://localhost/city/events?lang=en"


def test_an_address_in_the_frame_is_escaped(client) -> None:
    response = client.get(
        "/nope/%22%3E%3Cb%3Ex%3C/b%3E?area=%22%3E%3Cb%3E", headers={"Accept-Language": "ja"}
    )
    html = response.get_data(as_text=True)
    soup = BeautifulSoup(html, "html.parser")
    assert response.status_code == 404 and not soup.select("b")  # the path arrives decoded: `"><b>x</b>`
    assert soup.select_one("link[hreflang=x-default]")["href"] == 'http://localhost/nope/"><b>x</b>'
    assert all(a["href"].startswith('/nope/"><b>x</b>?area=') for a in soup.select("#language a"))
    assert "\x00" not in html


def test_the_language_links_keep_the_portals_url_prefix(client) -> None:
    response = client.get(
        "/events?area=kita", base_url="http://localhost/city/", headers={"Accept-Language": "ja"}
    )
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    links = [a["href"] for a in soup.select("#language a")]
    assert links and all(href.startswith("/city/events?area=kita&lang=") for href in links)
    alternate = soup.select_one("link[rel=alternate][hreflang=en]")["href"]
    assert alternate == "http://localhost/city/events?area=kita&lang=en"


def test_a_frame_kept_under_one_url_prefix_is_not_shown_under_another(client) -> None:
    """One process may be reached at / and under a prefix: the frame's own links follow each request."""

    def frame_links(base_url: str) -> list[str]:
        html = client.get("/emergency", base_url=base_url, headers={"Accept-Language": "ja"})
        soup = BeautifulSoup(html.get_data(as_text=True), "html.parser")
        return [tag.get("href") or tag.get("src") for tag in soup.select("link[rel=stylesheet], header a")]

    at_root, under_city = frame_links("http://localhost/"), frame_links("http://localhost/city/")
    assert at_root and not any(link.startswith("/city/") for link in at_root)
    assert under_city and all(link.startswith("/city/") for link in under_city if link.startswith("/"))
