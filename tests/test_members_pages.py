"""Every member and coordinator page opens in Japanese, easy Japanese and English."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from portal.extensions import db
from portal.models import NetworkEvent, ParticipationRequest, utcnow
from tests.conftest import sign_in

LANGS = {"ja": "ja", "ja-easy": "ja", "en": "en"}


@pytest.fixture
def pages(app, create_listing, create_user, create_area):
    create_area()
    org = create_listing("member", name="テスト農園")
    menu = create_listing("menu", name="畑仕事", organisation_id=org.id)
    req = ParticipationRequest(age_band="40_64", wanted="静かな作業", status="open")
    db.session.add_all([req, NetworkEvent(title="月例勉強会", starts_at=utcnow().replace(year=2099))])
    db.session.commit()
    member_pages = [
        "/members/", f"/members/listings/{org.id}/edit", f"/members/listings/{menu.id}/edit",
        "/members/listings/new/menu", "/members/listings/new/place", "/members/listings/new/event",
        f"/members/listings/{menu.id}/preview", f"/members/listings/{menu.id}/translations/en",
        "/members/requests", f"/members/requests/{req.id}",
    ]  # fmt: skip
    coordinator_pages = [
        "/members/coordinator/", "/members/coordinator/invitations", "/members/coordinator/members",
        "/members/coordinator/pending", "/members/coordinator/review", "/members/coordinator/requests",
        f"/members/coordinator/requests/{req.id}", f"/members/coordinator/listings/{menu.id}",
        "/members/coordinator/coverage", "/members/coordinator/import", "/members/coordinator/network-events",
    ]  # fmt: skip
    return {
        "member": (create_user("member", organisation=org), member_pages),
        "coordinator": (create_user("coordinator"), coordinator_pages),
    }


@pytest.mark.parametrize("role", ["member", "coordinator"])
def test_every_page_opens_in_each_language(app, pages, role):
    user, paths = pages[role]
    client = app.test_client()
    sign_in(client, user)
    for lang, html_lang in LANGS.items():
        for path in paths:
            with app.app_context():  # a fresh `g`: the fixture's app context would keep the first locale
                response = client.get(path, query_string={"lang": lang})
            assert response.status_code == 200, f"{path} in {lang}: {response.status_code}"
            page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
            assert page.html["lang"] == html_lang
            assert page.h1 and page.h1.get_text(strip=True)
            assert response.headers["Cache-Control"] == "no-store"


def test_the_dashboard_shows_network_events(app, pages):
    user, _paths = pages["member"]
    client = app.test_client()
    sign_in(client, user)
    page = BeautifulSoup(client.get("/members/").get_data(as_text=True), "html.parser")
    assert "月例勉強会" in page.select_one("#events-heading").find_next("ul").get_text()
