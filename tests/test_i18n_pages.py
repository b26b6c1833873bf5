"""Every public page in every language: the right catalog, <html lang>, the switcher, no English leaking."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from bs4 import BeautifulSoup
from flask import url_for
from sqlalchemy import select

from portal.extensions import db
from portal.i18n import LOCALES, find_locale, given
from portal.i18n_check import TRANSLATIONS
from portal.models import Listing, ListingTranslation

NON_EN = [loc for loc in LOCALES if loc.code != "en"]


def translations(catalog: str) -> dict[str, str]:
    """msgid → translated text (the first form for plurals) in one catalog."""
    with (TRANSLATIONS / catalog / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        out = {}
        for message in read_po(handle):
            if not message.id:
                continue
            ids = [message.id] if isinstance(message.id, str) else list(message.id)
            strings = [message.string] if isinstance(message.string, str) else list(message.string)
            for msgid, string in zip(ids, strings + strings[-1:] * len(ids), strict=False):
                out[msgid] = string
        return out


def soup_of(response) -> BeautifulSoup:
    assert response.status_code in (200, 404), response.status_code
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def text_of(element) -> str:
    return " ".join(element.get_text().split())


def without_readings(soup: BeautifulSoup) -> BeautifulSoup:
    for extra in soup.select("rt, rp"):
        extra.decompose()
    return soup


def test_a_request_value_is_read_as_werkzeug_reads_it_missing_empty_or_repeated():
    from werkzeug.datastructures import ImmutableMultiDict

    values = ImmutableMultiDict([("lang", "en"), ("lang", "vi"), ("furigana", "")])
    for name in ("lang", "furigana", "missing"):
        assert given(values, name) == values.get(name)
    assert given(ImmutableMultiDict(), "lang") is None


def test_easy_japanese_page_uses_the_ja_easy_catalog_with_furigana(demo_client):
    soup = soup_of(demo_client.get("/?lang=ja-easy"))
    assert soup.html["lang"] == "ja"
    assert soup.select("h1 ruby rt"), "easy Japanese headings carry furigana"
    heading = text_of(without_readings(soup).select_one("h1"))
    assert heading == translations("ja@easy")["Find a place and someone to talk to"]
    assert heading != translations("ja")["Find a place and someone to talk to"]


def test_easy_japanese_falls_back_to_ordinary_japanese_for_a_missing_message(demo_app):
    from flask_babel import get_translations, gettext

    with demo_app.test_request_context("/?lang=ja-easy"):
        demo_app.preprocess_request()
        fallback = get_translations()._fallback
        assert fallback is not None
        assert fallback.gettext("Police") == translations("ja")["Police"]
        assert gettext("Police") == translations("ja@easy")["Police"]


@pytest.mark.parametrize("locale", LOCALES, ids=lambda loc: loc.code)
def test_every_locale_renders_in_its_own_catalog_with_the_right_html_lang(demo_client, locale):
    soup = without_readings(soup_of(demo_client.get(f"/?lang={locale.code}")))
    assert soup.html["lang"] == locale.html_lang
    expected = translations(locale.catalog)["Find a place and someone to talk to"]
    assert text_of(soup.select_one("h1")) == expected
    current = soup.select("#language a[aria-current]")
    assert [text_of(a) for a in current] == [locale.native]


def test_switcher_names_each_language_in_itself_and_keeps_the_page_and_query(demo_client):
    soup = soup_of(demo_client.get("/search?q=サロン&lang=vi"))
    links = soup.select("#language ul a")
    assert [text_of(a) for a in links] == [loc.native for loc in LOCALES]
    assert {a["lang"] for a in links} == {loc.html_lang for loc in LOCALES}
    nepali = next(a for a in links if a["hreflang"] == "ne")
    assert nepali["href"].startswith("/search?") and "q=%E3%82%B5%E3%83%AD%E3%83%B3" in nepali["href"]
    assert nepali["href"].endswith("lang=ne")
    header = soup.select_one(".header-tools a.lang-link")
    assert header["href"] == "#language" and header.select_one("svg")
    assert "Language" in header.get_text()  # the English word too, for someone who cannot read the page


def test_hreflang_alternates_name_every_language_once_and_a_default(demo_client):
    soup = soup_of(demo_client.get("/search?q=care"))
    alternates = {link["hreflang"]: link["href"] for link in soup.select('link[rel="alternate"][hreflang]')}
    assert set(alternates) == {loc.html_lang for loc in LOCALES} | {"x-default"}
    assert alternates["pt-BR"].startswith("http://localhost/search?q=care") and alternates["pt-BR"].endswith(
        "lang=pt-BR"
    )


def test_a_chosen_language_is_kept_by_cookie_for_later_links(demo_client):
    response = demo_client.get("/?lang=pt-BR")
    assert "lang=pt-BR" in response.headers["Set-Cookie"]
    assert soup_of(demo_client.get("/search")).html["lang"] == "pt-BR"
    later = demo_client.get("/search")
    assert "Cookie" in later.vary and "Accept-Language" in later.vary
    assert later.headers["Content-Language"] == "pt-BR"


@pytest.mark.parametrize(
    ("value", "expected"),
    [("xx", "vi"), ("klingon", "vi"), ("<script>", "vi"), ("", "vi"), ("%00", "vi"),
     ("ja-easy-extra-long-" * 20, "ja"), ("zh-TW", "zh-Hans"), ("PT_br", "pt-BR")],
)  # fmt: skip
def test_an_unknown_lang_falls_back_quietly_to_the_best_match(demo_client, value, expected):
    response = demo_client.get("/", query_string={"lang": value}, headers={"Accept-Language": "vi"})
    assert response.status_code == 200
    assert soup_of(response).html["lang"] == expected


@pytest.mark.parametrize(
    "header",
    [
        "",
        ";;;",
        "q=0.5",
        "*",
        "ja;q=abc",
        "ü,ß;q=",
        "x" * 5000,
        "en-US,en;q=0.9,,,,",
        "zh-CN;q=1.5",
        "-,-;q=-1",
    ],
)
def test_a_malformed_accept_language_never_errors(demo_client, header):
    response = demo_client.get("/", headers={"Accept-Language": header})
    assert response.status_code == 200
    assert soup_of(response).html["lang"]


@pytest.mark.parametrize(
    ("header", "expected"),
    [("pt-PT,pt;q=0.9", "pt-BR"), ("zh-CN", "zh-Hans"), ("tl", "fil"), ("de, ne;q=0.5", "ne"), ("fr", "ja")],
)
def test_accept_language_picks_the_best_match(demo_client, header, expected):
    assert find_locale(expected)
    assert (
        soup_of(demo_client.get("/", headers={"Accept-Language": header})).html["lang"]
        == find_locale(expected).html_lang
    )


def test_furigana_can_be_turned_off_and_stays_off(demo_client):
    soup = soup_of(demo_client.get("/?lang=ja-easy"))
    toggle = soup.select_one(".furigana-toggle a")
    assert "furigana=off" in toggle["href"]
    response = demo_client.get(toggle["href"])
    assert "furigana=off" in response.headers["Set-Cookie"]
    off = soup_of(response)
    assert "no-furigana" in off.html["class"]
    assert not off.select("main ruby:not(:has(rt))") and not off.select("h1 ruby")
    later = soup_of(demo_client.get("/search"))
    assert "no-furigana" in later.html["class"] and not later.select("h1 ruby")
    assert "furigana=on" in later.select_one(".furigana-toggle a")["href"]


def test_furigana_never_reaches_titles_or_attributes(demo_client):
    soup = soup_of(demo_client.get("/search?lang=ja-easy&q=介護"))
    assert "<" not in soup.title.string
    assert soup.select("h1 ruby")
    for tag in soup.find_all(attrs={"placeholder": True}):
        assert "<ruby>" not in tag["placeholder"]


def test_only_easy_japanese_gets_furigana_on_text(demo_client):
    soup = soup_of(demo_client.get("/?lang=ja"))
    assert not soup.select("h1 ruby")
    assert soup.html.get("class") is None


# --- every public page, every language: no English msgid leaking where a translation exists ----------


def public_urls(app) -> list[str]:
    """Home, search, a listing of each kind, a 404, and every other public page without parameters."""
    with app.test_request_context():
        urls = {"/", "/search", "/search?q=サロン", "/search?q=zzzzzzzz", "/no-such-page"}
        for kind in ("salon", "place", "member", "menu", "window", "event"):
            listing = db.session.scalar(select(Listing).where(Listing.kind == kind).limit(1))
            if listing is not None:
                urls.add(url_for("directory.listing", listing_id=listing.id))
        for rule in app.url_map.iter_rules():
            private = ("/api", "/static", "/members")  # member pages: tests/test_members_pages.py
            if "GET" in rule.methods and not rule.arguments and not rule.rule.startswith(private):
                urls.add(rule.rule)
    return sorted(urls)


VISIBLE_ATTRIBUTES = ("placeholder", "aria-label", "title", "alt")


def visible_texts(soup: BeautifulSoup, page_lang: str) -> list[str]:
    """Text a reader sees or hears, leaving out parts marked as another language (lang="ja" listing text)."""
    for element in soup.select("script, style, rt, rp, code, pre"):
        element.decompose()
    for element in soup.select("[lang]"):
        if element.name != "html" and element["lang"] != page_lang and element.parent is not None:
            element.decompose()
    texts = [" ".join(text.split()) for text in soup.stripped_strings]
    for tag in soup.find_all(True):
        texts.extend(tag[name] for name in VISIBLE_ATTRIBUTES if tag.get(name))
    meta = soup.select_one('meta[name="description"]')
    if meta:
        texts.append(meta["content"])
    return texts


@pytest.fixture(scope="module")
def english():
    return translations("en")


@pytest.mark.parametrize("locale", NON_EN, ids=lambda loc: loc.code)
def test_every_public_page_renders_in_every_locale_with_no_english_leaking(demo_app, english, locale):
    translated = translations(locale.catalog)
    # English msgids long enough to be unmistakable, which this language translates differently.
    # English msgids, cut at placeholders, whose pieces are long enough to be unmistakable (> 12 letters)
    # and which this language translates differently.
    leaks = {
        piece.strip()
        for msgid in english
        if translated.get(msgid) not in ("", msgid)
        for piece in re.split(r"%\(\w+\)s", msgid)
        if len(piece.strip()) > 12
    }
    client = demo_app.test_client()
    with demo_app.app_context():
        urls = public_urls(demo_app)
        assert len(urls) >= 8
        for url in urls:
            sep = "&" if "?" in url else "?"
            response = client.get(f"{url}{sep}lang={locale.code}")
            assert response.status_code in (200, 404), url
            if response.mimetype != "text/html":
                continue
            page = soup_of(response)
            assert page.html["lang"] == locale.html_lang, url
            text = "\n".join(visible_texts(page, locale.html_lang))
            leaked = sorted(piece for piece in leaks if piece in text)
            assert not leaked, f"{url} in {locale.code} shows English: {leaked}"


def test_the_leak_check_can_fail(demo_app, english):
    """Rendering Vietnamese pages with an empty catalog would show English: the check must see it."""
    soup = BeautifulSoup("<html lang='vi'><h1>Find a place and someone to talk to</h1></html>", "html.parser")
    assert "Find a place and someone to talk to" in "\n".join(visible_texts(soup, "vi"))
    assert "Find a place and someone to talk to" in english


# --- emergency numbers ------------------------------------------------------------------------------------


@pytest.mark.parametrize("locale", LOCALES, ids=lambda loc: loc.code)
def test_emergency_numbers_are_in_every_language(demo_client, locale):
    soup = without_readings(soup_of(demo_client.get(f"/?lang={locale.code}")))
    section = soup.select_one("#emergency")
    assert text_of(section.select_one("h2")) == translations(locale.catalog)["In an emergency"]
    numbers = [a["href"] for a in section.select("a.call-button")]
    assert numbers[:3] == ["tel:110", "tel:119", "tel:189"]
    police = section.select_one('a[href="tel:110"]').get_text(" ", strip=True)
    assert police == f"110 {translations(locale.catalog)['Police']}"


# --- translated listing content -------------------------------------------------------------------------


def test_api_answers_in_the_requests_language(demo_client):
    english_names = dict(
        db.session.execute(select(ListingTranslation.listing_id, ListingTranslation.name).where(
            ListingTranslation.lang == "en", ListingTranslation.name != ""
        )).all()
    )  # fmt: skip
    assert english_names, "the demo city has English translations"
    body = demo_client.get("/api/v1/search?kind=window&lang=en").get_json()
    assert body["results"]
    translated = [item for item in body["results"] if item["id"] in english_names]
    assert translated
    for item in translated:
        assert item["name"] == english_names[item["id"]]
    japanese = demo_client.get("/api/v1/search?kind=window&lang=ja").get_json()
    assert {item["name"] for item in japanese["results"]}.isdisjoint({item["name"] for item in translated})


def test_api_follows_accept_language(demo_client):
    body = demo_client.get("/api/v1/search?kind=window", headers={"Accept-Language": "pt-BR,pt;q=0.9"})
    names = {item["name"] for item in body.get_json()["results"]}
    pt_names = set(
        db.session.scalars(select(ListingTranslation.name).where(ListingTranslation.lang == "pt-BR")).all()
    )
    assert names & pt_names


def test_untranslated_listing_shows_japanese_marked_with_a_note(demo_client):
    translated_ids = set(
        db.session.scalars(select(ListingTranslation.listing_id).where(ListingTranslation.lang == "ko")).all()
    )
    listing = db.session.scalar(
        select(Listing).where(Listing.status == "published", Listing.id.not_in(translated_ids)).limit(1)
    )
    soup = soup_of(demo_client.get(f"/listings/{listing.id}?lang=ko"))
    assert soup.select_one("h1 [lang]")["lang"] == "ja"
    assert (
        text_of(soup.select_one(".untranslated-note"))
        == translations("ko")["This information is only available in Japanese."]
    )
    assert not soup.select_one(".untranslated-note").get("lang")  # the note is in the reader's language


def test_translated_listing_shows_in_the_readers_language(demo_client):
    row = db.session.scalar(select(ListingTranslation).where(ListingTranslation.lang == "vi").limit(1))
    assert row is not None, "the demo city has Vietnamese translations"
    soup = soup_of(demo_client.get(f"/listings/{row.listing_id}?lang=vi"))
    assert text_of(soup.select_one("h1")) == row.name
    assert soup.select_one("h1 [lang]")["lang"] == "vi"


@pytest.mark.parametrize("locale", LOCALES, ids=lambda loc: loc.code)
def test_the_fictional_city_notice_is_in_every_language(demo_client, locale):
    import yaml

    from portal.demo.seed import __file__ as seed_file

    notices = yaml.safe_load((Path(seed_file).parent / "city.yaml").read_text(encoding="utf-8"))["city"]
    soup = without_readings(soup_of(demo_client.get(f"/?lang={locale.code}")))
    assert text_of(soup.select_one(".demo-notice")) == notices["fictional_notice"][locale.code]


@pytest.mark.parametrize("code", ["pt-BR", "vi", "ko", "ja-easy"])
def test_event_dates_use_the_readers_weekday_names(demo_client, code):
    from babel import Locale

    event = db.session.scalar(select(Listing).where(Listing.kind == "event", Listing.status == "published"))
    soup = without_readings(soup_of(demo_client.get(f"/listings/{event.id}?lang={code}")))
    when = next(
        dd
        for dt, dd in zip(soup.select(".facts dt"), soup.select(".facts dd"), strict=True)
        if dt.get_text(strip=True) == translations(find_locale(code).catalog)["When"]
    )
    weekdays = Locale.parse(find_locale(code).catalog).days["format"]["wide"].values()
    assert any(day in text_of(when) for day in weekdays), text_of(when)


def test_search_results_show_the_easy_japanese_name_not_the_highlighted_original(demo_client):
    from portal.search.sync import rebuild_index

    rebuild_index()  # highlights come from the index (the demo app may be answering from the database)
    row = db.session.scalar(
        select(ListingTranslation).where(ListingTranslation.lang == "ja-easy", ListingTranslation.name != "")
    )
    listing = db.session.get(Listing, row.listing_id)
    soup = without_readings(
        soup_of(demo_client.get("/search", query_string={"q": listing.name, "lang": "ja-easy"}))
    )
    names = [text_of(a) for a in soup.select(".result__name a")]
    assert row.name in names
    assert listing.name not in names


def test_dates_and_language_names_follow_a_forced_locale_and_come_back_after(app):
    """Values kept for the request (the catalog, Babel's locale) are set aside while a locale is forced."""
    from datetime import UTC, datetime

    from portal.i18n import force_locale
    from portal.templating import format_date, language_name

    day = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
    with app.test_request_context("/?lang=en"):
        app.preprocess_request()
        english = (format_date(day, "long"), language_name("pt"))
        with force_locale("ja"):
            japanese = (format_date(day, "long"), language_name("pt"))
        assert (format_date(day, "long"), language_name("pt")) == english
    assert english == ("November 23, 2026", "Portuguese")
    assert japanese == ("2026年11月23日", "ポルトガル語")
