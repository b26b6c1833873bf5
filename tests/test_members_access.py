"""Who can reach what: every member route × role × owner, and a walk over the whole url_map."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

from portal.extensions import db
from portal.members.security import ACCESS_ATTR
from portal.models import Listing, Offer, ParticipationRequest
from tests.conftest import sign_in

PUBLIC_ENDPOINTS = {
    "members_auth.login",
    "members_auth.two_factor",
    "members_auth.invitation",
    "members_auth.accept_invitation",
}


def _member_rules(app):
    return [rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/members")]


def test_every_member_and_coordinator_route_declares_an_access_check(app):
    rules = _member_rules(app)
    assert len(rules) > 20
    unchecked = [r.rule for r in rules if getattr(app.view_functions[r.endpoint], ACCESS_ATTR, None) is None]
    assert not unchecked, f"routes without an access check: {unchecked}"
    public = {r.endpoint for r in rules if getattr(app.view_functions[r.endpoint], ACCESS_ATTR) == "public"}
    assert public == PUBLIC_ENDPOINTS
    coordinator = [r.rule for r in rules if r.rule.startswith("/members/coordinator")]
    assert all(
        getattr(app.view_functions[r.endpoint], ACCESS_ATTR) == "coordinator"
        for r in rules
        if r.rule in coordinator
    )


def test_member_paths_are_kebab_case(app):
    for rule in _member_rules(app):
        static = [part for part in rule.rule.split("/") if part and not part.startswith("<")]
        assert all(part == part.lower() and "_" not in part for part in static), rule.rule


def _build(rule) -> str:
    values = {
        arg: ("menu" if arg == "kind" else "en" if arg == "lang" else "x" if arg == "token" else 1)
        for arg in rule.arguments
    }
    return rule.build(values)[1]


def test_every_protected_route_sends_a_stranger_to_sign_in(app, client):
    for rule in _member_rules(app):
        if rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        for method in sorted({"GET", "POST"} & set(rule.methods)):
            response = client.open(_build(rule), method=method)
            assert response.status_code == 302, f"{method} {rule.rule} → {response.status_code}"
            assert "/members/sign-in" in response.location


@pytest.fixture
def network(app, create_listing, create_user, create_area):
    """Two member organisations, each with a pending menu, a published place and a user; a coordinator;
    a request that A has offered on."""
    create_area()
    org_a = create_listing("member", name="A農園")
    org_b = create_listing("member", name="B商店")
    menu_a = create_listing("menu", name="A軽作業", organisation_id=org_a.id, status="pending")
    place_a = create_listing("place", name="A居場所", organisation_id=org_a.id)
    menu_b = create_listing("menu", name="B店番", organisation_id=org_b.id, status="pending")
    user_a = create_user("member", organisation=org_a)
    user_b = create_user("member", organisation=org_b)
    coordinator = create_user("coordinator")
    req = ParticipationRequest(age_band="18_39", wanted="静かな作業", status="open")
    db.session.add(req)
    db.session.flush()
    db.session.add(Offer(request_id=req.id, organisation_id=org_a.id, idea="A社の秘密の提案"))
    db.session.commit()
    return {
        "org_a": org_a, "menu_a": menu_a, "place_a": place_a, "menu_b": menu_b, "req": req,
        "users": {"member_a": user_a, "member_b": user_b, "coordinator": coordinator},
    }  # fmt: skip


# (method, path template, form data) for every member route that touches an owned object.
OWNED_ROUTES = [
    ("GET", "/members/listings/{id}/edit", None),
    ("POST", "/members/listings/{id}/edit", {"name": "書き換え"}),
    ("GET", "/members/listings/{id}/preview", None),
    ("POST", "/members/listings/{id}/confirm", {}),
    ("POST", "/members/listings/{id}/retire", {}),
    ("GET", "/members/listings/{id}/translations/en", None),
    ("POST", "/members/listings/{id}/translations/en", {"name": "Rewritten"}),
]
# role → expected status on A's listings: the owner succeeds, another member gets 404, a coordinator 403.
EXPECTED = {"anonymous": 302, "member_a": (200, 302), "member_b": 404, "coordinator": 403}


@pytest.mark.parametrize("role", list(EXPECTED))
def test_only_the_owner_can_see_or_change_a_listing(app, network, role):
    """Every owned-object route × every kind of listing, for one role (one app per role keeps it quick)."""
    client = app.test_client()
    if role != "anonymous":
        assert sign_in(client, network["users"][role]).status_code == 302
    wrong = []
    for target in ("menu_a", "place_a", "org_a"):
        listing = network[target]
        for method, template, data in OWNED_ROUTES:
            db.session.expire_all()
            before = (listing.name, listing.retired_at, listing.confirmed_at, len(listing.translations))
            response = client.open(template.format(id=listing.id), method=method, data=data)
            expected = EXPECTED[role]
            if target == "org_a" and template.endswith("/retire") and role == "member_a":
                expected = 400  # an organisation is retired by a coordinator, not by itself
            allowed = expected if isinstance(expected, tuple) else (expected,)
            if response.status_code not in allowed:
                wrong.append(f"{method} {template} on {target}: {response.status_code}, expected {expected}")
            if role == "anonymous" and "/members/sign-in" not in (response.location or ""):
                wrong.append(f"{method} {template} on {target}: not sent to sign in")
            if role != "member_a":
                db.session.expire_all()
                after = (listing.name, listing.retired_at, listing.confirmed_at, len(listing.translations))
                if after != before:
                    wrong.append(f"{method} {template} on {target}: {role} changed the listing")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("role", ["member_b", "coordinator", "anonymous"])
def test_member_b_cannot_add_listings_to_member_a(app, network, role):
    client = app.test_client()
    if role != "anonymous":
        sign_in(client, network["users"][role])
    count = db.session.scalar(sa.select(sa.func.count()).select_from(Listing))
    response = client.post(
        "/members/listings/new/menu", data={"name": "侵入", "organisation_id": network["org_a"].id}
    )
    db.session.expire_all()
    if role == "member_b":
        created = db.session.scalar(sa.select(Listing).where(Listing.name == "侵入"))
        assert created is not None and created.organisation_id != network["org_a"].id
    else:
        assert response.status_code in (302, 403)
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Listing)) == count


def test_a_member_sees_only_its_own_listings_on_the_dashboard(app, network):
    client = app.test_client()
    sign_in(client, network["users"]["member_b"])
    page = BeautifulSoup(client.get("/members/").get_data(as_text=True), "html.parser")
    names = {h.get_text(strip=True) for h in page.select(".card__title")}
    assert "B店番" in names
    assert not names & {"A軽作業", "A居場所", "A農園"}


def test_a_member_cannot_see_another_members_offer(app, network):
    req_id = network["req"].id
    b = app.test_client()
    sign_in(b, network["users"]["member_b"])
    page = b.get(f"/members/requests/{req_id}")
    assert page.status_code == 200
    assert "A社の秘密の提案" not in page.get_data(as_text=True)
    a = app.test_client()
    sign_in(a, network["users"]["member_a"])
    mine = BeautifulSoup(a.get(f"/members/requests/{req_id}").get_data(as_text=True), "html.parser")
    assert mine.select_one("textarea#idea").get_text().strip() == "A社の秘密の提案"


def test_a_member_cannot_offer_another_members_menu(app, network):
    client = app.test_client()
    sign_in(client, network["users"]["member_b"])
    response = client.post(
        f"/members/requests/{network['req'].id}", data={"menu": str(network["menu_a"].id), "idea": ""}
    )
    assert response.status_code == 422
    offer = db.session.scalar(
        sa.select(Offer).where(Offer.organisation_id == network["menu_b"].organisation_id)
    )
    assert offer is None


@pytest.mark.parametrize("role", ["member_a", "member_b"])
def test_members_cannot_open_coordinator_pages(app, network, role):
    client = app.test_client()
    sign_in(client, network["users"][role])
    for rule in _member_rules(app):
        if not rule.rule.startswith("/members/coordinator"):
            continue
        for method in sorted({"GET", "POST"} & set(rule.methods)):
            response = client.open(_build(rule), method=method)
            assert response.status_code == 403, f"{method} {rule.rule}"
