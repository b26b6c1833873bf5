"""Browsing and filtering the directory: a resident or social worker narrows the list and it stays right."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from bs4 import BeautifulSoup

from portal.directory.browse import open_on_days, parse_filters
from portal.extensions import db


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def names(page: BeautifulSoup) -> list[str]:
    return [
        card.select_one(".card__name a").get_text(" ", strip=True) for card in page.select("#results .card")
    ]


def option_count(page: BeautifulSoup, select_id: str, value: str) -> int:
    text = page.select_one(f"#{select_id} option[value='{value}']").get_text(strip=True)
    return int(text.rsplit("(", 1)[1].rstrip(")"))


# --- opening days from free-text hours -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hours", "days"),
    [
        ("毎週水曜 10:00〜11:30", {"wed"}),
        ("毎月第1・第3水曜 13:30〜15:30", {"wed"}),
        ("毎週月曜・水曜・金曜 7:00〜7:45", {"mon", "wed", "fri"}),
        ("月曜〜金曜 9:00〜16:00", {"mon", "tue", "wed", "thu", "fri"}),
        ("火曜〜日曜 11:00〜15:00(月曜定休)", {"tue", "wed", "thu", "fri", "sat", "sun"}),
        ("平日 8:30〜17:15", {"mon", "tue", "wed", "thu", "fri"}),
        ("毎日 24時間", {"mon", "tue", "wed", "thu", "fri", "sat", "sun"}),
        ("月曜〜土曜 9:00〜19:00(水曜定休)", {"mon", "tue", "thu", "fri", "sat"}),
        ("要予約", set()),
    ],
)
def test_opening_days_are_read_from_the_written_hours(hours, days):
    assert open_on_days(hours) == days


def test_the_open_on_filter_in_the_database_agrees_with_the_written_hours(client, create_listing):
    samples = ["毎週水曜", "月曜〜金曜", "平日", "毎日", "土曜・日曜", "月曜〜土曜(水曜定休)", "第2火曜", ""]
    for index, hours in enumerate(samples):
        create_listing("salon", name=f"サロン{index}", hours=hours)
    page = soup(client.get("/directory?day=wed&lang=ja"))
    expected = {f"サロン{i}" for i, hours in enumerate(samples) if "wed" in open_on_days(hours)}
    assert set(names(page)) == expected
    assert option_count(page, "f-day", "wed") == len(expected)


# --- the demo city ---


def test_salons_open_on_wednesday_all_say_wednesday_in_their_hours(demo_client):
    page = soup(demo_client.get("/directory?kind=salon&day=wed"))
    cards = page.select("#results .card")
    assert len(cards) >= 3
    for card in cards:
        assert "wed" in open_on_days(card.select_one(".card__hours").get_text())
    assert page.select_one("#f-day option[value='wed']").has_attr("selected")


def test_a_childrens_cafeteria_can_be_found_in_an_area(demo_client):
    page = soup(demo_client.get("/directory?kind=place&area=asahi&tag=子ども食堂"))
    assert names(page) == ["旭こども食堂 もぐもぐ"]
    assert page.select_one("#result-count").get_text(strip=True).startswith("1")


def test_counts_beside_each_area_match_what_choosing_that_area_gives(demo_client):
    page = soup(demo_client.get("/directory?kind=salon"))
    expected = option_count(page, "f-area", "kita")
    filtered = soup(demo_client.get("/directory?kind=salon&area=kita"))
    assert len(names(filtered)) == expected > 0


def test_counts_beside_each_kind_ignore_the_kind_already_chosen(demo_client):
    page = soup(demo_client.get("/directory?kind=salon"))
    label = page.select_one("label[for='f-kind-place'] .count").get_text(strip=True)
    assert label == "(20)"  # the demo city has 20 gathering places, though only salons are shown


def test_listings_are_sorted_by_reading_in_gojuon_order(client, create_listing):
    for name, kana in [
        ("本郷サロン", "ほんごうさろん"),
        ("青葉サロン", "あおばさろん"),
        ("西野サロン", "にしのさろん"),
    ]:
        create_listing("salon", name=name, name_kana=kana)
    create_listing("salon", name="ABCサロン")  # no reading: last
    assert names(soup(client.get("/directory"))) == ["青葉サロン", "西野サロン", "本郷サロン", "ABCサロン"]


def test_near_me_sorts_the_closest_first_and_shows_the_distance(client, create_listing):
    create_listing("salon", name="遠いサロン", lat=35.20, lng=137.30)
    create_listing("salon", name="近いサロン", lat=35.081, lng=137.151)
    create_listing("salon", name="場所のないサロン")
    page = soup(client.get("/directory?sort=nearest&lat=35.08&lng=137.15"))
    assert names(page) == ["近いサロン", "遠いサロン", "場所のないサロン"]
    assert page.select_one(".card__distance")
    # The location stays in the form only as the person's own search, never as a stored preference.
    assert page.select_one("input[type=hidden][name=lat]")["value"] == "35.0800"


def test_nearest_without_a_location_falls_back_to_name_order(client, create_listing):
    create_listing("salon", name="いサロン", name_kana="い")
    create_listing("salon", name="あサロン", name_kana="あ")
    assert names(soup(client.get("/directory?sort=nearest"))) == ["あサロン", "いサロン"]


def test_newest_first(client, create_listing):
    old = datetime(2025, 1, 1, tzinfo=UTC)
    create_listing("salon", name="古いサロン", name_kana="あ", created_at=old)
    create_listing("salon", name="新しいサロン", name_kana="ん", created_at=old + timedelta(days=300))
    assert names(soup(client.get("/directory?sort=newest"))) == ["新しいサロン", "古いサロン"]


def test_upcoming_only_hides_past_events_but_keeps_other_kinds(client, create_listing):
    now = datetime.now(UTC)
    create_listing(
        "event", name="終わった会", starts_at=now - timedelta(days=2), ends_at=now - timedelta(days=2)
    )
    create_listing("event", name="これからの会", starts_at=now + timedelta(days=2))
    create_listing("salon", name="サロン")
    assert set(names(soup(client.get("/directory?upcoming=1")))) == {"これからの会", "サロン"}


def test_retired_and_draft_listings_are_never_listed(client, create_listing):
    create_listing("salon", name="閉じたサロン", retired_at=datetime.now(UTC))
    create_listing("salon", name="下書きサロン", status="draft")
    create_listing("salon", name="開いているサロン")
    assert names(soup(client.get("/directory"))) == ["開いているサロン"]


# --- htmx, pages and bad input ---


def test_htmx_gets_the_results_fragment_that_the_page_includes(demo_client):
    response = demo_client.get("/directory?kind=salon", headers={"HX-Request": "true"})
    assert "HX-Request" in response.headers["Vary"]
    fragment = soup(response)
    assert fragment.html is None and fragment.select_one("#filters") and fragment.select_one("#result-count")
    page = soup(demo_client.get("/directory?kind=salon"))
    form = page.select_one("#browse #filters")
    assert form["method"] == "get" and form["hx-get"] == form["action"] and form["hx-push-url"] == "true"
    assert page.select_one("#results-status")["aria-live"] == "polite"
    assert not page.select_one("#browse #results-status")  # the live region survives the swap


def test_every_hx_get_link_also_has_the_same_href(demo_client):
    page = soup(demo_client.get("/directory"))
    links = page.select("a[hx-get]")
    assert links, "the pager links use htmx"
    for link in links:
        assert link["href"] == link["hx-get"]


def test_unknown_filter_values_are_ignored_with_a_note_and_the_rest_kept(demo_client):
    response = demo_client.get("/directory?kind=salon&kind=castle&area=atlantis&day=someday&page=x")
    assert response.status_code == 200
    page = soup(response)
    ignored = [code.get_text() for code in page.select(".note code")]
    assert ignored == ["kind=castle", "page=x", "area=atlantis", "day=someday"]
    assert page.select_one("#f-kind-salon").has_attr("checked")
    assert len(names(page)) == 20


def test_a_page_past_the_end_is_a_404_with_a_way_to_the_last_page(demo_client):
    response = demo_client.get("/directory?kind=salon&page=9")
    assert response.status_code == 404
    link = soup(response).select_one(".note a")
    assert link["href"] == "/directory?kind=salon"  # 20 salons fit on one page


@pytest.mark.parametrize(
    "query",
    ["lat=1e999&lng=nan", "lat=35&lng=", "page=-1", "page=99999999999999", "kind=" + "x" * 5000,
     "tag=%00", "sort=../../etc", "upcoming=maybe&day=", "area=%E2%80%AE"],
)  # fmt: skip
def test_garbage_in_the_query_string_never_breaks_the_page(demo_client, query):
    assert demo_client.get("/directory?" + query).status_code in (200, 404)
    assert demo_client.get("/directory/map.json?" + query).status_code == 200


def test_parse_filters_keeps_the_sort_only_with_a_location():
    filters, ignored = parse_filters({"sort": "nearest", "lat": "35", "lng": "137"}, area_codes=set())
    assert filters.sort == "nearest" and filters.near == (35.0, 137.0) and not ignored


# --- map data ---


def test_the_map_data_uses_the_same_filters_as_the_list(demo_client):
    page = soup(demo_client.get("/directory?kind=salon&day=wed"))
    data = demo_client.get("/directory/map.json?kind=salon&day=wed").get_json()
    listed = {int(card["data-id"]) for card in page.select("#results .card")}
    assert {marker[0] for marker in data["markers"]} == listed
    assert data["total"] == len(listed)
    assert data["url_template"] == "/listings/{id}"
    assert page.select_one("#map")["data-points"] == "/directory/map.json?kind=salon&day=wed"


def test_the_map_has_no_tiles_when_none_are_configured(demo_client):
    assert soup(demo_client.get("/directory")).select_one("#map")["data-tile-url"] == ""


def test_demo_data_stays_unchanged(demo_app):
    from portal.models import Listing

    with demo_app.app_context():
        assert db.session.query(Listing).count() == 139


def test_counts_are_fresh_right_after_a_listing_is_added_or_retired(client, create_listing):
    first = create_listing("salon", name="一つ目")
    assert soup(client.get("/directory")).select_one("label[for='f-kind-salon'] .count").get_text() == "(1)"
    create_listing("salon", name="二つ目")
    assert soup(client.get("/directory")).select_one("label[for='f-kind-salon'] .count").get_text() == "(2)"
    first.retired_at = datetime.now(UTC)
    db.session.commit()
    page = soup(client.get("/directory"))
    assert names(page) == ["二つ目"]
    assert page.select_one("#result-count").get_text(strip=True).startswith("1")
