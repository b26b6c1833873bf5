"""Participation requests, offers, the identifying-detail check, and coverage by area."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.members.audit import record
from portal.models import (
    AGE_BANDS,
    TARGETS,
    Area,
    Listing,
    ListingTarget,
    Offer,
    ParticipationRequest,
    User,
    utcnow,
)
from portal.models.network import AGE_BAND_TARGETS

# Words with an honorific that name nobody ("a mother", "everyone", "the person using the service").
_GENERIC = (
    "お子さん", "お子様", "皆さん", "みなさん", "皆様", "みなさま",
    "お母さん", "お父さん", "お母様", "お父様",
    "娘さん", "息子さん", "奥さん", "奥様", "旦那さん", "親御さん", "利用者さん", "利用者様", "お客さん",
    "お客様", "お姉さん", "お兄さん", "職員さん", "農家さん", "大家さん", "お孫さん", "ご家族様", "ご本人様",
    "お年寄りさん", "店員さん", "先生方",
)  # fmt: skip
_HONORIFIC = re.compile(r"[\w〇○◯●×＊*]+\s?(さん|様|さま|くん|ちゃん|氏)")
_LATIN_NAME = re.compile(r"\b(Mr|Mrs|Ms|Miss|Dr)\.?\s+[A-Z]", re.IGNORECASE)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
_PHONE = re.compile(r"(\+81|0)\d{1,4}[-(\s]?\d{1,4}[-)\s]?\d{3,4}|\d{10,11}")
_ADDRESS = re.compile(r"\d+\s?丁目|番地|\d+番\d*号?|\d+-\d+(-\d+)?|\d+号室")
_DASHES = str.maketrans({c: "-" for c in "‐‑‒–—―−ーｰ－"})


def identifying_details(text: str) -> list[str]:
    """Why a text may identify someone: codes `name`, `phone`, `email`, `address` (each once)."""
    if not text:
        return []
    folded = unicodedata.normalize("NFKC", text)
    numbers = re.sub(r"(?<=\d)ー(?=\d)", "-", folded).translate(_DASHES)
    found: list[str] = []
    unnamed = folded
    for word in _GENERIC:
        unnamed = unnamed.replace(word, "")
    if _HONORIFIC.search(unnamed) or _LATIN_NAME.search(folded):
        found.append("name")
    if _EMAIL.search(folded):
        found.append("email")
    if _PHONE.search(numbers.replace(" ", "")) or _PHONE.search(numbers):
        found.append("phone")
    if _ADDRESS.search(numbers):
        found.append("address")
    return found


def post_request(session: Session, actor: User, **fields) -> ParticipationRequest:
    request = ParticipationRequest(created_by_id=actor.id, status="open", **fields)
    session.add(request)
    session.flush()
    record(session, actor, "request_posted", note=f"request {request.id}")
    return request


def member_recipients(session: Session) -> list[str]:
    return list(session.scalars(select(User.email).where(User.role == "member", User.active.is_(True))))


def fit_score(request: ParticipationRequest, menus: list[Listing]) -> int:
    """How well a request fits a member's menus: the same area and a matching target each count."""
    target = AGE_BAND_TARGETS.get(request.age_band)
    score = 0
    for menu in menus:
        if request.area_id and menu.area_id == request.area_id:
            score += 2
        if target and target in menu.targets:
            score += 1
        if "anyone" in menu.targets:
            score += 1
    return score


def open_requests_for(session: Session, organisation_id: int) -> list[tuple[ParticipationRequest, int]]:
    menus = list(
        session.scalars(
            select(Listing).where(
                Listing.organisation_id == organisation_id,
                Listing.kind == "menu",
                Listing.retired_at.is_(None),
            )
        )
    )
    requests = session.scalars(select(ParticipationRequest).where(ParticipationRequest.status == "open"))
    scored = [(req, fit_score(req, menus)) for req in requests]
    return sorted(scored, key=lambda pair: (-pair[1], -pair[0].id))


def offer_of(session: Session, request_id: int, organisation_id: int) -> Offer | None:
    return session.scalar(
        select(Offer).where(Offer.request_id == request_id, Offer.organisation_id == organisation_id)
    )


def make_offer(
    session: Session, actor: User, request: ParticipationRequest, menu: Listing | None, idea: str
) -> Offer:
    """One offer per organisation and request; answering again replaces the first answer."""
    if request.status != "open":
        raise ValueError("closed")
    if menu is not None and menu.organisation_id != actor.organisation_id:
        raise ValueError("not your menu")
    offer = offer_of(session, request.id, actor.organisation_id)
    if offer is None:
        offer = Offer(request_id=request.id, organisation_id=actor.organisation_id)
        session.add(offer)
    offer.menu_id = menu.id if menu else None
    offer.idea = idea
    offer.created_by_id = actor.id
    session.flush()
    record(session, actor, "offer", note=f"request {request.id} offer {offer.id}")
    return offer


def match(session: Session, actor: User, offer: Offer) -> None:
    offer.status = "matched"
    request = offer.request
    request.status = "matched"
    request.matched_at = utcnow()
    record(session, actor, "match", note=f"request {request.id} offer {offer.id}")


def close(session: Session, actor: User, request: ParticipationRequest) -> None:
    request.status = "closed"
    request.closed_at = utcnow()
    record(session, actor, "request_closed", note=f"request {request.id}")


def requests_without_offers(session: Session) -> list[ParticipationRequest]:
    query = select(ParticipationRequest).where(
        ParticipationRequest.status == "open", ~ParticipationRequest.offers.any()
    )
    return list(session.scalars(query.order_by(ParticipationRequest.created_at)))


@dataclass
class AreaCoverage:
    area: Area
    salons: int
    places: int
    menus: dict[str, int]  # per target

    @property
    def gaps(self) -> list[str]:
        out = [name for name, n in (("salon", self.salons), ("place", self.places)) if n == 0]
        out.extend(f"menu:{target}" for target, n in self.menus.items() if n == 0)
        return out


def coverage(session: Session) -> list[AreaCoverage]:
    """Public salons, places and menus (per target) in each area: the zeros are what is missing."""
    kinds = dict(
        ((area_id, kind), n)
        for area_id, kind, n in session.execute(
            select(Listing.area_id, Listing.kind, func.count())
            .where(Listing.is_public)
            .group_by(Listing.area_id, Listing.kind)
        )
    )
    menu_targets = dict(
        ((area_id, target), n)
        for area_id, target, n in session.execute(
            select(Listing.area_id, ListingTarget.target, func.count())
            .join(ListingTarget, ListingTarget.listing_id == Listing.id)
            .where(Listing.kind == "menu", Listing.is_public)
            .group_by(Listing.area_id, ListingTarget.target)
        )
    )
    out = []
    for area in session.scalars(select(Area).order_by(Area.name_kana, Area.code)):
        menus = {t: menu_targets.get((area.id, t), 0) for t in TARGETS if t != "anyone"}
        out.append(
            AreaCoverage(area, kinds.get((area.id, "salon"), 0), kinds.get((area.id, "place"), 0), menus)
        )
    return out


__all__ = ["AGE_BANDS", "identifying_details"]
