"""Participation requests without identifying details, offers and matches, coverage, CSV in the browser."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

from portal.extensions import db
from portal.members.network import identifying_details
from portal.models import Listing, Offer, ParticipationRequest
from tests.conftest import sign_in

# These tests read the portal's messages in English (the default reader language is Japanese).
pytestmark = pytest.mark.usefixtures("reads_english")


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("〇〇さんが通える場所", "name"),
        ("田中様の息子", "name"),
        ("ゆうたくんは朝が苦手", "name"),
        ("はなちゃんと一緒に", "name"),
        ("Mr. Tanaka needs a quiet place", "name"),
        ("連絡は090-1234-5678まで", "phone"),
        ("０５２（１２３）４５６７", "phone"),
        ("09012345678", "phone"),
        ("tanaka@example.jp に連絡", "email"),
        ("ｔａｎａｋａ＠ｅｘａｍｐｌｅ．ｊｐ", "email"),
        ("みどり町3丁目に住む", "address"),
        ("1-2-3の近く", "address"),
        ("１－２－３の近く", "address"),
        ("12番地の家", "address"),
    ],
)
def test_text_that_could_identify_someone_is_caught(text, reason):
    assert reason in identifying_details(text)


@pytest.mark.parametrize(
    "text",
    ["静かな場所で軽作業をしたい", "お母さんと一緒に通える場所", "週2回、午前中", "20代の方",
     "みなさんと話せる居場所",
     "お子さんのいる家庭", "1日2時間程度", "利用者さんが多すぎない所"],
)  # fmt: skip
def test_ordinary_request_text_is_accepted(text):
    assert identifying_details(text) == []


@pytest.fixture
def network(app, create_listing, create_user, create_area):
    area = create_area()
    org_a = create_listing("member", name="A農園")
    org_b = create_listing("member", name="B商店")
    menu_a = create_listing(
        "menu", name="畑の軽作業", organisation_id=org_a.id, area_id=area.id, targets=["anyone"]
    )
    return {
        "org_a": org_a, "org_b": org_b, "menu_a": menu_a,
        "member_a": create_user("member", organisation=org_a, email="a@example.org"),
        "member_b": create_user("member", organisation=org_b, email="b@example.org"),
        "coordinator": create_user("coordinator"),
    }  # fmt: skip


def test_a_request_with_a_name_is_refused_and_says_why(app, network):
    coordinator = app.test_client()
    sign_in(coordinator, network["coordinator"])
    response = coordinator.post(
        "/members/coordinator/requests",
        data={
            "age_band": "18_39",
            "area": "asahi",
            "wanted": "山田さんが通える場所",
            "when": "090-1111-2222",
        },
    )
    assert response.status_code == 422
    page = soup(response)
    assert "name" in page.select_one("#wanted-error").get_text()
    assert "phone" in page.select_one("#when-error").get_text()
    assert page.select_one("#wanted").get_text().strip() == "山田さんが通える場所"  # input kept
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ParticipationRequest)) == 0


def test_request_offer_match_close_and_history_stays(app, network):
    coordinator = app.test_client()
    sign_in(coordinator, network["coordinator"])
    posted = coordinator.post(
        "/members/coordinator/requests",
        data={"age_band": "18_39", "area": "asahi", "wanted": "人と話さずにできる作業", "when": "平日午前",
              "constraints": "大きな音が苦手"},
    )  # fmt: skip
    assert posted.status_code == 302
    req = db.session.scalar(sa.select(ParticipationRequest))
    mails = app.extensions["mailman"].outbox
    assert len(mails) == 1 and set(mails[0].bcc) == {"a@example.org", "b@example.org"} and not mails[0].to
    assert "人と話さず" not in mails[0].body  # the e-mail only links to the request

    # Requests with no offer are listed for coordinators.
    assert soup(coordinator.get("/members/coordinator/")).select_one(
        f"a[href='/members/coordinator/requests/{req.id}']"
    )

    member = app.test_client()
    sign_in(member, network["member_a"])
    dashboard = soup(member.get("/members/"))
    assert dashboard.select_one(f"a[href='/members/requests/{req.id}']")
    listed = soup(member.get("/members/requests"))
    assert listed.select_one(".request .badge--published")  # fits their menus
    offered = member.post(f"/members/requests/{req.id}", data={"menu": str(network["menu_a"].id), "idea": ""})
    assert offered.status_code == 302

    page = soup(coordinator.get(f"/members/coordinator/requests/{req.id}"))
    offer = db.session.scalar(sa.select(Offer))
    assert (
        page.select_one(f"#offer-{offer.id}")
        and "畑の軽作業" in page.select_one(f"#offer-{offer.id}").get_text()
    )
    coordinator.post(f"/members/coordinator/offers/{offer.id}/match")
    db.session.expire_all()
    assert db.session.get(ParticipationRequest, req.id).status == "matched"
    coordinator.post(f"/members/coordinator/requests/{req.id}/close")
    db.session.expire_all()
    closed = db.session.get(ParticipationRequest, req.id)
    assert closed.status == "closed" and closed.offers[0].status == "matched"  # history kept
    assert soup(coordinator.get("/members/coordinator/requests")).select_one(
        f"a[href='/members/coordinator/requests/{req.id}']"
    )
    assert (
        member.get(f"/members/requests/{req.id}").status_code == 404
    )  # closed requests leave members' lists


def test_requests_fitting_a_members_menus_come_first(app, network, create_area):
    create_area("kita", "北中学校区")
    db.session.add_all([
        ParticipationRequest(age_band="65_plus", area=None, wanted="遠い話", status="open"),
        ParticipationRequest(age_band="18_39", area=network["menu_a"].area, wanted="近い話", status="open"),
    ])  # fmt: skip
    db.session.commit()
    member = app.test_client()
    sign_in(member, network["member_a"])
    titles = [
        a.get_text(strip=True) for a in soup(member.get("/members/requests")).select(".request .card__title")
    ]
    assert titles[0] == "近い話"


def test_an_offer_needs_a_menu_or_an_idea(app, network):
    req = ParticipationRequest(age_band="18_39", wanted="作業", status="open")
    db.session.add(req)
    db.session.commit()
    member = app.test_client()
    sign_in(member, network["member_b"])
    response = member.post(f"/members/requests/{req.id}", data={"menu": "", "idea": ""})
    assert response.status_code == 422 and soup(response).select_one(".error-summary")


def test_coverage_shows_areas_that_lack_places_and_menus(app, network, create_area, create_listing):
    kita = create_area("kita", "北中学校区")
    create_listing("salon", name="北サロン", area_id=kita.id)
    coordinator = app.test_client()
    sign_in(coordinator, network["coordinator"])
    page = soup(coordinator.get("/members/coordinator/coverage"))
    rows = {
        row.th.get_text(strip=True): [td.get_text(strip=True) for td in row.select("td")]
        for row in page.select("tbody tr")
    }
    assert rows["北中学校区"][0] == "1" and rows["北中学校区"][1] == "0"
    assert page.select("tbody td.gap")


CSV_HEADER = "kind,name,organisation,area,targets\n"


def _upload(client, text: str):
    return client.post(
        "/members/coordinator/import",
        data={"file": (io.BytesIO(text.encode("utf-8")), "listings.csv")},
        content_type="multipart/form-data",
    )


def test_csv_import_in_the_browser_is_all_or_nothing_and_shows_every_bad_row(app, network):
    coordinator = app.test_client()
    sign_in(coordinator, network["coordinator"])
    count = db.session.scalar(sa.select(sa.func.count()).select_from(Listing))
    bad = (
        CSV_HEADER + "salon,良いサロン,,asahi,senior\nnonsense,悪い行,,,\nmenu,孤児メニュー,存在しない会,,\n"
    )
    response = _upload(coordinator, bad)
    assert response.status_code == 422
    lines = [li.get_text() for li in soup(response).select(".import-error")]
    assert any("3" in line for line in lines) and any("4" in line for line in lines)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Listing)) == count

    good = CSV_HEADER + "salon,良いサロン,,asahi,senior\nmenu,新しいメニュー,A農園,,anyone\n"
    response = _upload(coordinator, good)
    assert response.status_code == 200
    assert db.session.scalar(sa.select(Listing).where(Listing.name == "良いサロン")) is not None


def test_csv_upload_that_is_not_a_csv_says_so(app, network):
    coordinator = app.test_client()
    sign_in(coordinator, network["coordinator"])
    response = coordinator.post(
        "/members/coordinator/import", data={"file": (io.BytesIO(b"\x89PNG\r\n\x1a\n\x00\x00"), "photo.png")},
        content_type="multipart/form-data",
    )  # fmt: skip
    assert response.status_code == 422
    assert "binary" in soup(response).select_one(".error-summary").get_text()


def test_csv_export_downloads_every_listing_with_formulas_escaped(app, network, create_listing):
    create_listing("salon", name="=HYPERLINK(1)")
    coordinator = app.test_client()
    sign_in(coordinator, network["coordinator"])
    response = coordinator.get("/members/coordinator/export.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    text = response.get_data().decode("utf-8-sig")
    assert "畑の軽作業" in text and "'=HYPERLINK(1)" in text
