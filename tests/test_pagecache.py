"""The whole-page cache: anonymous public pages rendered once per content change (portal.pagecache)."""

from __future__ import annotations

import pytest
from conftest import sign_in
from sqlalchemy import create_engine, insert

from portal import pagecache
from portal.extensions import db
from portal.models import SearchChange, utcnow


@pytest.fixture
def cache(app):
    return pagecache.get_cache(app)


def test_a_listing_page_is_rendered_once_then_served_from_memory(client, cache, create_listing) -> None:
    salon = create_listing(name="ひだまりサロン")
    first = client.get(f"/listings/{salon.id}")
    hits = cache.hits
    second = client.get(f"/listings/{salon.id}")
    assert cache.hits == hits + 1
    assert second.get_data() == first.get_data()
    assert second.headers["Content-Security-Policy"] == first.headers["Content-Security-Policy"]
    assert pagecache.MARK not in second.headers and pagecache.MARK not in first.headers


def test_an_edit_shows_on_the_next_request(client, create_listing) -> None:
    salon = create_listing(name="ひだまりサロン")
    assert "ひだまりサロン" in client.get(f"/listings/{salon.id}").get_data(as_text=True)
    salon.name = "こもれびサロン"
    db.session.commit()
    page = client.get(f"/listings/{salon.id}").get_data(as_text=True)
    assert "こもれびサロン" in page and "ひだまりサロン" not in page


def test_an_edit_through_another_process_shows_within_a_second(app, client, cache, monkeypatch) -> None:
    monkeypatch.setattr(pagecache, "CHECK_SECONDS", 0.0)
    client.get("/")
    other = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])  # not this app's session: no hooks fire
    with other.begin() as conn:
        conn.execute(insert(SearchChange).values(listing_id=1, changed_at=utcnow()))
    other.dispose()
    hits = cache.hits
    client.get("/")
    assert cache.hits == hits, "a page from before another server's change was served"


def test_pages_are_not_kept_past_their_age(client, cache, monkeypatch) -> None:
    client.get("/events")
    monkeypatch.setattr(pagecache, "MAX_AGE", -1.0)  # "this week" moves on with the clock
    hits = cache.hits
    client.get("/events")
    assert cache.hits == hits


def test_each_language_has_its_own_copy(client) -> None:
    japanese = client.get("/", headers={"Accept-Language": "ja"})
    english = client.get("/", headers={"Accept-Language": "en"})
    assert japanese.headers["Content-Language"] == "ja" and english.headers["Content-Language"] == "en"
    client.set_cookie("lang", "pt-BR")
    assert client.get("/", headers={"Accept-Language": "en"}).headers["Content-Language"] == "pt-BR"


def test_a_language_choice_sets_its_cookie_every_time_it_is_asked(client) -> None:
    for _ in range(2):
        fresh = client.__class__(client.application)
        response = fresh.get("/?lang=en")
        assert "lang=en" in response.headers.get("Set-Cookie", "")


def test_the_htmx_fragment_and_the_page_are_kept_apart(client, create_listing) -> None:
    create_listing(name="ひだまりサロン")
    page = client.get("/directory?kind=salon").get_data(as_text=True)
    fragment = client.get("/directory?kind=salon", headers={"HX-Request": "true"}).get_data(as_text=True)
    again = client.get("/directory?kind=salon").get_data(as_text=True)
    assert "<html" in page and "<html" not in fragment and again == page


def test_a_signed_in_member_never_gets_a_kept_page(client, cache, create_listing, create_user) -> None:
    org = create_listing("member", name="みどり農園")
    user = create_user(organisation=org)
    client.get("/")  # kept for anonymous readers
    sign_in(client, user)
    hits = cache.hits
    home = client.get("/")
    assert cache.hits == hits
    assert "/members" in home.get_data(as_text=True)


def test_nothing_of_the_guided_flow_or_errors_is_kept(client, cache) -> None:
    cache.clear()
    client.get("/consult")
    client.post("/consult", data={"danger": "no", "who": "self"})
    client.get("/listings/999999")
    client.get("/directory?page=abc")
    kept_paths = {key[2] for key in cache._entries}
    assert "/consult" not in kept_paths and "/listings/999999" not in kept_paths


def test_an_anonymous_visitor_gets_no_session_cookie_from_public_pages(client, create_listing) -> None:
    salon = create_listing(name="ひだまりサロン")
    for path in ("/", "/directory", f"/listings/{salon.id}", "/events", "/windows", "/search?q=サロン",
                 "/consult", "/emergency"):  # fmt: skip
        response = client.get(path)
        assert response.status_code == 200, path
        assert "session=" not in response.headers.get("Set-Cookie", ""), path


def test_a_search_answered_while_the_index_is_behind_is_not_kept(client, cache, create_listing) -> None:
    from portal.search.sync import get_follower

    create_listing(name="ひだまりサロン")
    client.get("/")  # the cache learns the newest change id
    follower = get_follower()
    follower.remember(0)  # as if another server's edits had not reached this index yet
    follower._next_check = float("inf")  # and the follower has not looked yet
    hits = cache.hits
    client.get("/search?q=サロン")
    client.get("/search?q=サロン")
    assert cache.hits == hits


def test_the_cache_can_be_turned_off(tmp_path, database_url_for) -> None:
    from conftest import build_app

    app = build_app(tmp_path, database_url_for(tmp_path), PORTAL_PAGE_CACHE_MB=0)
    client = app.test_client()
    client.get("/")
    client.get("/")
    assert pagecache.get_cache(app).hits == 0 and len(pagecache.get_cache(app)) == 0
    with app.app_context():
        db.engine.dispose()
