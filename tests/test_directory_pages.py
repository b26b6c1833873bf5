"""Listing pages, events and calendars, windows, emergency numbers, the share sheet and offline support."""

from __future__ import annotations

import json
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from bs4 import BeautifulSoup
from icalendar import Calendar
from sqlalchemy import event, select

from portal.extensions import db
from portal.models import Listing, ListingTranslation
from portal.pagecache import get_cache


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def listing_id(name: str) -> int:
    return db.session.scalar(select(Listing.id).where(Listing.name == name))


# --- home ---


def test_home_has_the_big_entries_search_and_emergency_numbers_one_tap_away(demo_client):
    page = soup(demo_client.get("/?lang=ja"))
    entries = {a["href"].split("?")[0] for a in page.select(".big-entries a")}
    assert {"/directory", "/events", "/windows"} <= entries
    assert page.select_one("form[role=search]")["action"] == "/search"
    assert page.select_one("#emergency a[href='tel:110']")
    assert page.select_one("a[href='/emergency']")
    assert page.select_one("link[rel=manifest]")["href"] == "/manifest.webmanifest"


# --- listing pages ---


def test_a_support_menu_shows_reading_contact_and_its_organisations_other_menus_and_events(demo_client):
    menu = listing_id("和菓子の箱折りとシール貼り")
    page = soup(demo_client.get(f"/listings/{menu}?lang=ja"))
    assert page.select_one("h1 ruby rt").get_text()  # furigana from name_kana
    assert page.select_one(".facts a.call-button")["href"].startswith("tel:")
    assert page.select_one(f".facts a[href='/listings/{listing_id('和菓子処 菊屋')}']")
    related = [a.get_text(" ", strip=True) for a in page.select("#offerings-heading ~ .cards .card__name a")]
    assert "季節の和菓子づくり見学" in related and "和菓子の箱折りとシール貼り" not in related
    events = [a.get_text(" ", strip=True) for a in page.select("#org-events-heading ~ .cards .card__name a")]
    assert "親子で和菓子づくり" in events
    assert "Last confirmed" in [
        dt.get_text() for dt in soup(demo_client.get(f"/listings/{menu}?lang=en")).select(".facts dt")
    ]


def test_a_listing_names_its_languages_and_who_it_is_for(demo_client):
    place = listing_id("みんなの多文化カフェ")
    page = soup(demo_client.get(f"/listings/{place}?lang=en"))
    languages = [a.get_text() for a in page.select(".chips a[href*='language=']")]
    assert "Portuguese" in languages and "Nepali" in languages


def test_every_listing_page_carries_schema_org_json_ld(demo_client):
    kinds = [("みんなの多文化カフェ", "Place"), ("和菓子処 菊屋", "Organization"),
             ("親子で和菓子づくり", "Event"), ("和菓子の箱折りとシール貼り", "Service")]  # fmt: skip
    for name, kind in kinds:
        page = soup(demo_client.get(f"/listings/{listing_id(name)}"))
        data = json.loads(page.select_one("script[type='application/ld+json']").string)
        assert data["@context"] == "https://schema.org" and data["@type"] == kind and data["name"] == name
    event = json.loads(
        soup(demo_client.get(f"/listings/{listing_id('親子で和菓子づくり')}"))
        .select_one("script[type='application/ld+json']")
        .string
    )
    assert event["startDate"].endswith("+09:00") and event["organizer"]["name"] == "和菓子処 菊屋"


def test_a_window_page_is_a_government_service_and_says_what_it_accepts(demo_client):
    window = db.session.scalar(
        select(Listing).where(Listing.kind == "window", Listing.window_code == "houkatsu")
    )
    page = soup(demo_client.get(f"/listings/{window.id}?lang=en"))
    data = json.loads(page.select_one("script[type='application/ld+json']").string)
    assert data["@type"] == "GovernmentService" and data["availableChannel"]["@type"] == "ServiceChannel"
    assert "65" in page.select_one(".accepts").get_text()


@contextmanager
def counted_queries():
    """How many SQL statements run inside the block (a list holding one number, filled in at the end)."""
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    found: list[int] = []
    try:
        yield found
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
        found.append(len(statements))


@pytest.fixture
def busy_member(create_listing, create_area):
    """A member with tags, six menus (one a draft), six events to come and one past, some in English."""
    area = create_area("asahi")
    member = create_listing("member", name="みどり工房", area=area, tags=["軽作業", "手芸"],
                            targets=["disability"], languages=["ja", "pt", "vi"])  # fmt: skip
    now = datetime.now(UTC)
    menus = [
        create_listing("menu", name=f"メニュー{n}", organisation=member, area=area, summary="作業です",
                       hours="平日 9:00〜16:00", tags=["軽作業"], status="draft" if n == 5 else "published")
        for n in range(6)
    ]  # fmt: skip
    events = [
        create_listing("event", name=f"行事{n}", organisation=member, area=area,
                       starts_at=now + timedelta(days=n + 1), ends_at=now + timedelta(days=n + 1, hours=2))
        for n in range(6)
    ]  # fmt: skip
    create_listing("event", name="終わった行事", organisation=member, starts_at=now - timedelta(days=3))
    for listing in (member, menus[1], events[0]):
        db.session.add(ListingTranslation(listing=listing, lang="en", name=f"English {listing.name}"))
    db.session.commit()
    return member, menus, events


def test_a_menu_page_shows_its_members_other_published_menus_and_next_five_events(client, busy_member):
    member, menus, events = busy_member
    page = soup(client.get(f"/listings/{menus[0].id}?lang=ja"))
    others = [a["href"] for a in page.select("#offerings-heading ~ .cards .card__name a")]
    assert others == [f"/listings/{menu.id}" for menu in menus[1:5]]  # not itself, not the draft
    coming = [a["href"] for a in page.select("#org-events-heading ~ .cards .card__name a")]
    assert coming == [f"/listings/{e.id}" for e in events[:5]]  # soonest first, five, none past
    assert page.select_one(f".facts a[href='/listings/{member.id}']")


def test_the_languages_a_listing_speaks_are_named_in_each_readers_language(client, busy_member):
    member, _, _ = busy_member
    in_japanese = ["日本語", "ポルトガル語", "ベトナム語"]
    in_english = ["Japanese", "Portuguese", "Vietnamese"]
    for lang, names in (("ja", in_japanese), ("en", in_english), ("ja", in_japanese)):  # one process, both
        page = soup(client.get(f"/listings/{member.id}?lang={lang}"))
        spoken = page.select(".chips a[href*='language=']")
        assert [a.get_text() for a in spoken] == names, lang


def test_a_listing_pages_links_keep_the_url_prefix_it_was_served_under(client, busy_member):
    member, menus, events = busy_member
    for prefix in ("/city", "", "/city"):  # one app under two prefixes: each request gets its own links
        page = soup(client.get(f"/listings/{menus[0].id}?lang=ja", base_url=f"http://localhost{prefix}/"))
        cards = [a["href"] for a in page.select(".card__name a")]
        chips = [a["href"] for a in page.select(".facts .chips a")]
        assert cards and all(href.startswith(f"{prefix}/listings/") for href in cards), (prefix, cards)
        assert chips and all(href.startswith(f"{prefix}/directory?") for href in chips), (prefix, chips)


def test_a_listing_pages_own_address_follows_each_request_its_host_and_prefix(client, busy_member):
    """The addresses a page builds from kept parts (JSON-LD, the share sheet, its script) never mix hosts."""
    member, menus, events = busy_member
    bases = ("http://localhost/", "https://tsunagu.example:8443/city/", "http://localhost/city/")
    for base in (*bases, *bases):  # the second time round, from what was kept
        prefix = "/city" if "/city" in base else ""
        page = soup(client.get(f"/listings/{menus[0].id}?lang=ja", base_url=base))
        data = json.loads(page.select_one("script[type='application/ld+json']").string)
        assert data["@id"] == f"{base}listings/{menus[0].id}"
        assert data["provider"]["url"] == f"{base}listings/{member.id}"
        assert page.select_one("a[href*='/share?ids=']")["href"] == f"{prefix}/share?ids={menus[0].id}"
        assert page.select_one("script[src$='share.js']")["src"] == f"{prefix}/static/js/share.js"


def test_a_listing_page_shows_cards_and_links_in_the_readers_language_where_translated(client, busy_member):
    member, menus, events = busy_member
    page = soup(client.get(f"/listings/{menus[0].id}?lang=en"))
    names = {a.get_text(" ", strip=True): a.find("span")["lang"] for a in page.select(".card__name a")}
    assert (
        names["English メニュー1"] == "en" and names["メニュー2"] == "ja" and names["English 行事0"] == "en"
    )
    assert page.select_one(f".facts a[href='/listings/{member.id}']").get_text() == "English みどり工房"


def test_a_listing_page_reads_what_it_shows_in_four_queries_however_much_that_is(app, client, busy_member):
    member, menus, events = busy_member
    get_cache(app).max_bytes = 0  # no page cache: every request renders (and no cache version checks)
    client.get(f"/listings/{menus[4].id}?lang=ja")  # areas and site settings are read once a process
    client.get(f"/listings/{menus[4].id}?lang=en")
    pages = {  # path → at most this many queries (in other languages, one more for the translations)
        f"/listings/{menus[0].id}?lang=ja": 4,
        f"/listings/{member.id}?lang=ja": 4,
        f"/listings/{events[0].id}?lang=en": 5,
        f"/listings/{member.id}?lang=en": 5,
    }
    for path, at_most in pages.items():
        with counted_queries() as found:
            page = soup(client.get(path))
        assert page.select(".card"), path
        assert found[0] <= at_most, (path, found[0])


def test_a_listing_not_confirmed_for_a_year_says_so(client, create_listing):
    stale = create_listing("salon", confirmed_at=datetime.now(UTC) - timedelta(days=400))
    fresh = create_listing("salon", confirmed_at=datetime.now(UTC) - timedelta(days=30))
    assert soup(client.get(f"/listings/{stale.id}")).select_one(".stale-notice")
    assert not soup(client.get(f"/listings/{fresh.id}")).select_one(".stale-notice")


def test_an_events_time_and_confirmation_day_are_worded_in_japan_time_in_each_readers_language(
    client, create_listing
):
    member = create_listing("member", name="みどり工房")
    # 23:30 UTC on 30 November is 08:30 on 1 December in Japan; asked in one language, then others
    starts = datetime(2030, 11, 30, 23, 30, tzinfo=UTC)
    event = create_listing("event", name="朝の体操", organisation=member, starts_at=starts,
                           ends_at=starts + timedelta(hours=1), confirmed_at=starts)  # fmt: skip
    menu = create_listing("menu", name="農作業", organisation=member)
    wordings = [  # language, the day, the time, the month as a card words it
        ("ja", "2030年12月1日", "8時30分", "12月"),
        ("en", "December 1, 2030", "8:30", "Dec"),
        ("pt", "1 de dezembro de 2030", "08:30", "dez"),
        ("ja", "12月1日", "8時30分", "12月"),  # Japanese again after the others
    ]
    for lang, day, time, month in wordings:
        page = soup(client.get(f"/listings/{event.id}?lang={lang}"))
        facts = page.select_one(".facts").get_text(" ", strip=True)
        assert day in facts and time in facts, (lang, facts)
        card = soup(client.get(f"/listings/{menu.id}?lang={lang}")).select_one(".card__when").get_text()
        assert day in card and month in card, (lang, card)


def test_a_retired_listing_is_a_404_that_offers_similar_listings(client, create_listing, create_area):
    area = create_area("asahi")
    gone = create_listing("salon", area=area, retired_at=datetime.now(UTC))
    response = client.get(f"/listings/{gone.id}")
    assert response.status_code == 404
    page = soup(response)
    assert page.select_one("a.button")["href"] == "/directory?kind=salon&area=asahi"
    assert page.select_one("#emergency")


def test_a_listing_that_never_existed_is_a_404_with_a_way_back(client):
    response = client.get("/listings/987654")
    assert response.status_code == 404
    assert soup(response).select_one("a[href='/directory']")


# --- events and calendars ---


def test_events_are_grouped_by_week_and_month_and_link_to_feeds(demo_client):
    page = soup(demo_client.get("/events"))
    assert page.select_one("#events-week") and page.select_one("#events-month")
    listed = page.select(".event-group .card")
    assert len(listed) == 15  # every demo event is upcoming
    assert page.select_one("a[href='/events.ics']")


def test_the_month_view_shows_this_months_events_on_their_days(demo_client):
    event = db.session.scalar(select(Listing).where(Listing.name == "健康体操教室"))
    start = event.starts_at.astimezone(ZoneInfo("Asia/Tokyo"))
    page = soup(demo_client.get(f"/events/{start.year}/{start.month}"))
    cell = page.select_one(f"td a[href='/listings/{event.id}']").find_parent("td")
    assert cell.select_one(".month__day")
    assert demo_client.get("/events/2026/13").status_code == 404


def test_an_event_downloads_as_ics_in_japan_time(client, create_listing):
    starts = datetime(2026, 12, 5, 1, 0, tzinfo=UTC)  # 10:00 in Tokyo
    event = create_listing("event", name="防災講座", starts_at=starts, ends_at=starts + timedelta(hours=2))
    response = client.get(f"/listings/{event.id}.ics")
    assert response.mimetype == "text/calendar"
    cal = Calendar.from_ical(response.data)
    vevent = cal.walk("VEVENT")[0]
    assert str(vevent["SUMMARY"]) == "防災講座"
    assert vevent.decoded("DTSTART").hour == 10 and str(vevent.decoded("DTSTART").tzinfo) == "Asia/Tokyo"
    assert cal.walk("VTIMEZONE")[0]["TZID"] == "Asia/Tokyo"


def test_a_salon_has_no_ics(client, create_listing):
    assert client.get(f"/listings/{create_listing('salon').id}.ics").status_code == 404


def test_the_area_feed_has_only_that_areas_events(demo_client):
    cal = Calendar.from_ical(demo_client.get("/events/kawabata.ics").data)
    summaries = {str(e["SUMMARY"]) for e in cal.walk("VEVENT")}
    assert summaries == {"親子で和菓子づくり", "子ども食堂クリスマス会"}
    assert len(Calendar.from_ical(demo_client.get("/events.ics").data).walk("VEVENT")) == 15
    assert demo_client.get("/events/nowhere.ics").status_code == 404


# --- windows and emergency numbers ---


def test_windows_for_an_area_include_its_own_and_the_citywide_ones(demo_client):
    page = soup(demo_client.get("/windows?area=kita&lang=en"))
    groups = [section["id"] for section in page.select(".window-group")]
    assert "window-houkatsu" in groups and "window-fukushi_sougou" in groups
    for link in page.select(".call-button"):
        assert link["href"].startswith("tel:")


def test_windows_by_code_show_only_that_kind_and_what_it_accepts(demo_client):
    page = soup(demo_client.get("/windows?code=jiritsu&lang=en"))
    assert [s["id"] for s in page.select(".window-group")] == ["window-jiritsu"]
    assert "debt" in page.select_one(".window-group__accepts").get_text()


@pytest.mark.parametrize("query", ["code=wizard&area=moon", "code=%00&area=%00"])
def test_an_unknown_window_filter_is_ignored_with_a_note(demo_client, query):
    response = demo_client.get("/windows?" + query)
    assert response.status_code == 200
    assert len(soup(response).select(".note[role=note]")) == 2


def test_the_emergency_page_lists_every_number_as_tap_to_call(demo_client):
    page = soup(demo_client.get("/emergency"))
    numbers = {a["href"] for a in page.select("#emergency a")}
    assert {"tel:110", "tel:119", "tel:189", "tel:%238008", "tel:0570783556", "tel:0120279338"} <= numbers


# --- share sheet ---


def test_the_share_sheet_shows_each_chosen_listing_with_a_qr_code_to_its_page(demo_client):
    ids = [listing_id(n) for n in ("旭こども食堂 もぐもぐ", "みんなの多文化カフェ", "西野通いの場 すまいる")]
    page = soup(demo_client.get("/share?ids=" + ",".join(map(str, ids))))
    items = page.select(".share-item")
    assert len(items) == 3
    for item, id_ in zip(items, ids, strict=True):
        assert item.select_one(".share-item__qr svg")
        assert item.select_one(".share-item__url").get_text().endswith(f"/listings/{id_}")


def test_the_share_sheet_leaves_out_what_it_cannot_find(demo_client):
    page = soup(demo_client.get("/share?ids=1,abc,999999,99999999999999999999,%00,١٢"))
    assert len(page.select(".share-item")) == 1 and page.select_one(".note[role=note]")
    assert soup(demo_client.get("/share")).select_one("a[href='/directory']")


# --- offline ---


def test_the_service_worker_is_served_from_the_root_and_never_caches_private_pages(demo_client):
    response = demo_client.get("/sw.js")
    assert response.mimetype == "text/javascript"
    assert response.headers["Service-Worker-Allowed"] == "/"
    body = response.get_data(as_text=True)
    for private in (r"\/members", r"\/referral", r"\/consult", r"\/api\/v1\/referral"):
        assert private in body
    assert 'request.method !== "GET"' in body


def test_the_manifest_and_offline_page(demo_client):
    manifest = demo_client.get("/manifest.webmanifest")
    assert manifest.mimetype == "application/manifest+json" and manifest.get_json()["start_url"] == "/"
    page = soup(demo_client.get("/offline"))
    assert page.select_one("a[href='/windows']") and page.select_one("#emergency")


@pytest.mark.parametrize(
    "path", ["/", "/directory", "/events", "/windows", "/emergency", "/share", "/offline"]
)
def test_public_pages_load_the_directory_script_that_registers_the_service_worker(demo_client, path):
    script = soup(demo_client.get(path)).select_one("script[data-sw]")
    assert script["data-sw"] == "/sw.js"


# --- furigana ----------------------------------------------------------------------------------------


def test_furigana_pairs_each_word_with_its_reading_so_long_names_wrap_on_a_phone():
    from portal.templating import ruby_parts

    assert ruby_parts("特別養護老人ホーム みどりの里", "とくべつようごろうじんほーむ みどりのさと") == [
        ("特別養護老人ホーム", "とくべつようごろうじんほーむ"),
        ("みどりの里", "みどりのさと"),
    ]
    assert ruby_parts("旭町サロン", "あさひまちさろん") == [("旭町サロン", "あさひまちさろん")]
    assert (
        ruby_parts("家族会の勉強会「ひきこもりの理解」", "かぞくかいの べんきょうかい ひきこもりのりかい")
        is None
    )
    assert ruby_parts("サロン", "") is None


def test_a_long_name_whose_words_do_not_line_up_shows_its_reading_on_its_own_line(client, create_listing):
    item = create_listing(
        "event",
        name="家族会の勉強会「ひきこもりの理解」",
        name_kana="かぞくかいの べんきょうかい ひきこもりのりかい",
    )
    page = soup(client.get(f"/listings/{item.id}?lang=ja"))
    assert not page.select_one("h1 ruby")
    assert page.select_one("h1 .reading").get_text() == "（かぞくかいの べんきょうかい ひきこもりのりかい）"


def test_a_name_and_its_reading_kept_between_pages_belong_to_that_name_and_reading(client, create_listing):
    """listing_name keeps each name's HTML (portal.templating.japanese_name): keyed by name and reading."""
    first = create_listing("salon", name="ひだまりサロン", name_kana="ひだまりさろん")
    second = create_listing("salon", name="ひだまりサロン", name_kana="ひだまりさろん にばんめのへや")
    for _ in range(2):  # the second time round, from what was kept
        assert (
            soup(client.get(f"/listings/{first.id}?lang=ja")).select_one("h1 rt").get_text()
            == "ひだまりさろん"
        )
        page = soup(client.get(f"/listings/{second.id}?lang=ja"))
        assert not page.select_one("h1 ruby")
        assert page.select_one("h1 .reading").get_text() == "（ひだまりさろん にばんめのへや）"
    first.name_kana = "ひだまり"
    db.session.commit()
    assert soup(client.get(f"/listings/{first.id}?lang=ja")).select_one("h1 rt").get_text() == "ひだまり"
