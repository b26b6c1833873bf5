"""Members keep their listings current; new listings wait for approval; edits go to the review feed."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

from portal.extensions import db
from portal.models import AuditLog, Listing, utcnow
from tests.conftest import sign_in

# These tests read the portal's messages in English (the default reader language is Japanese).
pytestmark = pytest.mark.usefixtures("reads_english")


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def search_names(client, q: str) -> set[str]:
    page = soup(client.get("/search", query_string={"q": q}))
    return {a.get_text(strip=True) for a in page.select(".result a")}  # <mark> splits the words


@pytest.fixture
def setup(app, create_listing, create_user, create_area):
    create_area()
    org = create_listing("member", name="ひまわり菓子店")
    return {
        "org": org,
        "member": create_user("member", organisation=org),
        "coordinator": create_user("coordinator"),
    }


def test_a_new_menu_waits_for_approval_then_appears_in_search(app, setup):
    member = app.test_client()
    sign_in(member, setup["member"])
    created = member.post(
        "/members/listings/new/menu",
        data={"name": "和菓子の箱折り", "summary": "静かな軽作業", "targets": ["anyone"],
              "readiness": "social",
              "area": "asahi", "capacity": "2", "needs_companion": "y"},
    )  # fmt: skip
    assert created.status_code == 302
    menu = db.session.scalar(sa.select(Listing).where(Listing.name == "和菓子の箱折り"))
    assert menu.status == "pending" and menu.organisation_id == setup["org"].id and menu.needs_companion
    assert "和菓子の箱折り" not in search_names(app.test_client(), "箱折り")
    assert app.test_client().get(f"/listings/{menu.id}").status_code == 404

    coordinator = app.test_client()
    sign_in(coordinator, setup["coordinator"])
    pending = soup(coordinator.get("/members/coordinator/pending"))
    assert pending.select_one(f"#pending-{menu.id}")
    coordinator.post(f"/members/coordinator/listings/{menu.id}/approve")
    db.session.expire_all()
    assert db.session.get(Listing, menu.id).status == "published"
    assert any("和菓子の箱折り" in name for name in search_names(app.test_client(), "箱折り"))
    actions = db.session.scalars(sa.select(AuditLog.action).where(AuditLog.listing_id == menu.id)).all()
    assert actions == ["create", "approve"]


def test_an_edit_to_a_published_listing_is_live_at_once_and_can_be_reverted(app, setup, create_listing):
    menu = create_listing("menu", name="畑の草取り", summary="午前中", organisation_id=setup["org"].id)
    member = app.test_client()
    sign_in(member, setup["member"])
    member.post(
        f"/members/listings/{menu.id}/edit",
        data={"name": "畑の草取りと収穫", "summary": "午前中", "area": ""},
    )
    db.session.expire_all()
    assert db.session.get(Listing, menu.id).name == "畑の草取りと収穫"  # live at once
    assert any("畑の草取りと収穫" in n for n in search_names(app.test_client(), "収穫"))

    coordinator = app.test_client()
    sign_in(coordinator, setup["coordinator"])
    feed = soup(coordinator.get("/members/coordinator/review"))
    entry = feed.select_one(".review-entry")
    rows = {row.th.get_text(strip=True): (row.select_one(".diff__before").get_text(),
                                          row.select_one(".diff__after").get_text())
            for row in entry.select("tbody tr")}  # fmt: skip
    assert rows == {"Name": ("畑の草取り", "畑の草取りと収穫")} or list(rows.values()) == [
        ("畑の草取り", "畑の草取りと収穫")
    ]
    entry_id = int(entry["id"].split("-")[1])
    coordinator.post(f"/members/coordinator/review/{entry_id}/revert")
    db.session.expire_all()
    assert db.session.get(Listing, menu.id).name == "畑の草取り"
    assert not soup(coordinator.get("/members/coordinator/review")).select(".review-entry")
    assert db.session.scalars(sa.select(AuditLog.action).where(AuditLog.listing_id == menu.id)).all() == [
        "update",
        "revert",
    ]


def test_an_edit_to_a_pending_listing_stays_out_of_the_review_feed(app, setup, create_listing):
    menu = create_listing("menu", name="店番", organisation_id=setup["org"].id, status="pending")
    member = app.test_client()
    sign_in(member, setup["member"])
    member.post(f"/members/listings/{menu.id}/edit", data={"name": "店番と袋詰め"})
    assert db.session.scalar(sa.select(AuditLog).where(AuditLog.needs_review.is_(True))) is None


def test_form_errors_are_summarised_at_the_top_and_beside_the_field_and_input_is_kept(app, setup):
    member = app.test_client()
    sign_in(member, setup["member"])
    response = member.post(
        "/members/listings/new/menu", data={"name": "", "summary": "入力は残る", "capacity": "many"}
    )
    assert response.status_code == 422
    page = soup(response)
    links = {a["href"] for a in page.select(".error-summary a")}
    assert {"#name", "#capacity"} <= links
    assert page.select_one("#name-error") and page.select_one("#name")["aria-invalid"] == "true"
    assert page.select_one("#summary")["value"] == "入力は残る"
    assert page.select_one("label[for=summary]")


def test_ten_megabytes_where_a_name_goes_is_refused_clearly_and_nothing_is_saved(app, setup):
    member = app.test_client()
    sign_in(member, setup["member"])
    count = db.session.scalar(sa.select(sa.func.count()).select_from(Listing))
    response = member.post("/members/listings/new/menu", data={"name": "あ" * (10 * 1024 * 1024 // 3)})
    assert response.status_code == 413
    assert "too large" in soup(response).select_one(".message").get_text()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Listing)) == count


def test_a_long_name_is_refused_beside_the_field(app, setup):
    member = app.test_client()
    sign_in(member, setup["member"])
    response = member.post("/members/listings/new/menu", data={"name": "あ" * 5000})
    assert response.status_code == 422
    assert soup(response).select_one("#name-error")


def test_an_image_where_a_name_goes_is_refused_with_a_reason(app, setup):
    member = app.test_client()
    sign_in(member, setup["member"])
    png = "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
    response = member.post("/members/listings/new/menu", data={"name": png})
    assert response.status_code == 422
    assert "image" in soup(response).select_one("#name-error").get_text()
    assert db.session.scalar(sa.select(Listing).where(Listing.kind == "menu")) is None


def test_an_image_file_uploaded_as_the_name_is_refused(app, setup):
    import io

    member = app.test_client()
    sign_in(member, setup["member"])
    response = member.post(
        "/members/listings/new/menu", data={"name": (io.BytesIO(b"\x89PNG\r\n\x1a\n"), "photo.png")},
        content_type="multipart/form-data",
    )  # fmt: skip
    assert response.status_code == 422
    assert soup(response).select_one("#name-error")


def test_still_accurate_in_one_tap_clears_the_six_month_flag(app, setup, create_listing):
    old = utcnow() - timedelta(days=200)
    menu = create_listing("menu", name="古い情報", organisation_id=setup["org"].id, confirmed_at=old)
    member = app.test_client()
    sign_in(member, setup["member"])
    page = soup(member.get("/members/"))
    assert page.select_one(f"#listing-{menu.id}.card--stale .stale-flag")
    assert page.select_one(".notice--warning")
    member.post(f"/members/listings/{menu.id}/confirm")
    db.session.expire_all()
    assert db.session.get(Listing, menu.id).confirmed_at > utcnow() - timedelta(minutes=1)
    assert not soup(member.get("/members/")).select_one(f"#listing-{menu.id}.card--stale")


def test_stale_listings_are_flagged_to_coordinators(app, setup, create_listing):
    create_listing(
        "menu", name="古い", organisation_id=setup["org"].id, confirmed_at=utcnow() - timedelta(days=190)
    )
    coordinator = app.test_client()
    sign_in(coordinator, setup["coordinator"])
    page = soup(coordinator.get("/members/coordinator/members"))
    assert page.select(".stale-flag")


def test_a_translation_is_saved_and_shown_to_english_readers(app, setup):
    member = app.test_client()
    sign_in(member, setup["member"])
    org_id = setup["org"].id
    member.post(
        f"/members/listings/{org_id}/translations/en",
        data={"name": "Himawari Sweets", "summary": "A sweet shop"},
    )
    db.session.expire_all()
    assert db.session.get(Listing, org_id).translation("en").name == "Himawari Sweets"
    public = soup(app.test_client().get(f"/listings/{org_id}?lang=en"))
    assert public.select_one("#listing-name").get_text(strip=True) == "Himawari Sweets"


def test_retiring_a_menu_removes_it_from_search(app, setup, create_listing):
    menu = create_listing("menu", name="花束づくり", organisation_id=setup["org"].id)
    assert any("花束づくり" in n for n in search_names(app.test_client(), "花束"))
    member = app.test_client()
    sign_in(member, setup["member"])
    member.post(f"/members/listings/{menu.id}/retire")
    assert not any("花束づくり" in n for n in search_names(app.test_client(), "花束"))


def test_an_event_keeps_its_time_in_japan(app, setup):
    member = app.test_client()
    sign_in(member, setup["member"])
    member.post("/members/listings/new/event", data={"name": "勉強会", "starts_at": "2026-12-08T14:00"})
    event = db.session.scalar(sa.select(Listing).where(Listing.name == "勉強会"))
    assert event.starts_at.isoformat() == "2026-12-08T05:00:00+00:00"
    form = soup(member.get(f"/members/listings/{event.id}/edit"))
    assert form.select_one("#starts_at")["value"] == "2026-12-08T14:00"


def test_a_repeating_event_is_stored_as_an_rrule(app, setup):
    from portal.models import ListingSchedule

    member = app.test_client()
    sign_in(member, setup["member"])
    member.post(
        "/members/listings/new/event",
        data={"name": "認知症カフェ", "starts_at": "2026-12-08T14:00", "repeat": "第2火曜"},
    )
    event = db.session.scalar(sa.select(Listing).where(Listing.name == "認知症カフェ"))
    assert db.session.get(ListingSchedule, event.id).rrule == "FREQ=MONTHLY;BYDAY=2TU"
    page = soup(member.get(f"/members/listings/{event.id}/preview"))
    assert "第2火曜" in page.select_one(".facts").get_text()


def test_a_repeat_the_portal_cannot_read_is_refused_with_examples(app, setup):
    member = app.test_client()
    sign_in(member, setup["member"])
    response = member.post("/members/listings/new/event", data={"name": "何かの会", "repeat": "たまに"})
    assert response.status_code == 422
    assert "第2火曜" in soup(response).select_one("#repeat-error").get_text()
    assert db.session.scalar(sa.select(Listing).where(Listing.name == "何かの会")) is None
