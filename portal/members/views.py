"""The member organisation's pages: dashboard, listings, translations, requests and offers."""

from __future__ import annotations

from datetime import UTC

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from werkzeug.exceptions import RequestEntityTooLarge

from portal.extensions import db
from portal.i18n import gettext as _
from portal.members import listings as listing_service
from portal.members import network
from portal.members.forms import (
    READINESS_LABELS,
    EmptyForm,
    ListingForm,
    OfferForm,
    TranslationForm,
    choices,
    target_choices,
)
from portal.members.labels import labels
from portal.members.security import member_required, own_listing_or_404
from portal.models import Area, Listing, NetworkEvent, ParticipationRequest, utcnow
from portal.templating import TOKYO

bp = Blueprint("members", __name__, url_prefix="/members")
NULLABLE = ("capacity", "readiness", "starts_at", "ends_at")  # fields where "not given" is stored as NULL
TRANSLATION_LANGS = ("ja-easy", "en", "pt-BR", "vi", "zh-Hans", "fil", "ko", "ne", "es", "id")


bp.app_context_processor(labels)


@bp.after_request
def _private(response):
    response.headers["Cache-Control"] = "no-store"  # member pages are never cached (service worker too)
    response.vary.update(("Cookie",))
    return response


@bp.errorhandler(RequestEntityTooLarge)
def too_large(exc):
    message = _(
        "What you sent is too large. Nothing was saved. Go back, shorten the text "
        "(or remove a pasted image) and send it again."
    )
    return render_template("members/message.html", title=_("Too large"), message=message), 413


@bp.get("/")
@member_required
def dashboard():
    org_id = current_user.organisation_id
    items = listing_service.organisation_listings(db.session, org_id) if org_id else []
    requests = network.open_requests_for(db.session, org_id)[:5] if org_id else []
    events = db.session.scalars(
        select(NetworkEvent)
        .where(NetworkEvent.starts_at >= utcnow())
        .order_by(NetworkEvent.starts_at)
        .limit(5)
    ).all()
    stale = [item for item in items if item.retired_at is None and listing_service.is_stale(item)]
    return render_template(
        "members/dashboard.html", items=items, requests=requests, events=events, stale=stale,
        is_stale=listing_service.is_stale, form=EmptyForm(),
    )  # fmt: skip


def _listing_form(kind: str, listing: Listing | None = None) -> ListingForm:
    form = ListingForm(obj=None)
    keep = set(listing_service.FIELDS_BY_KIND[kind]) | {"csrf_token"}
    for name in list(form._fields):
        if name not in keep:
            delattr(form, name)
    areas = db.session.scalars(select(Area).order_by(Area.name_kana, Area.code))
    form.area.choices = choices([("", _("Not set"))] + [(a.code, a.name) for a in areas])
    form.targets.choices = target_choices()
    if "readiness" in form:
        form.readiness.choices = choices((step, READINESS_LABELS[step]) for step in READINESS_LABELS)
    if listing is not None and request.method == "GET":
        values = listing_service.snapshot(listing)
        for name, value in values.items():
            if name in ("starts_at", "ends_at"):
                value = getattr(listing, name).astimezone(TOKYO).replace(tzinfo=None) if value else None
            form[name].data = value
    return form


def _values(form: ListingForm) -> dict:
    values = {}
    for name in form._fields:
        if name == "csrf_token":
            continue
        value = form[name].data
        if name in ("starts_at", "ends_at") and value is not None:
            value = value.replace(tzinfo=TOKYO).astimezone(UTC)
        elif name == "area" or isinstance(value, str) or (value is None and name not in NULLABLE):
            value = value or ""
        values[name] = value
    return values


@bp.route("/listings/new/<any(menu, place, event):kind>", methods=["GET", "POST"])
@member_required
def new_listing(kind: str):
    if current_user.organisation_id is None:
        abort(404)
    form = _listing_form(kind)
    if form.validate_on_submit():
        listing = listing_service.create(db.session, current_user, kind, _values(form))
        db.session.commit()
        return redirect(url_for(".preview", listing_id=listing.id, saved="new"))
    status = 422 if form.errors else 200
    return render_template("members/listing_form.html", form=form, kind=kind, listing=None), status


@bp.route("/listings/<int:listing_id>/edit", methods=["GET", "POST"])
@member_required
def edit_listing(listing_id: int):
    listing = own_listing_or_404(listing_id)
    if listing.kind not in listing_service.FIELDS_BY_KIND:
        abort(404)
    form = _listing_form(listing.kind, listing)
    if form.validate_on_submit():
        listing_service.update(db.session, current_user, listing, _values(form))
        db.session.commit()
        return redirect(url_for(".preview", listing_id=listing.id, saved="edit"))
    status = 422 if form.errors else 200
    return render_template("members/listing_form.html", form=form, kind=listing.kind, listing=listing), status


@bp.get("/listings/<int:listing_id>/preview")
@member_required
def preview(listing_id: int):
    listing = own_listing_or_404(listing_id)
    return render_template(
        "members/preview.html", listing=listing, saved=request.args.get("saved"), form=EmptyForm(),
        stale=listing_service.is_stale(listing), repeat=listing_service.repeat_text(listing),
    )  # fmt: skip


@bp.post("/listings/<int:listing_id>/confirm")
@member_required
def confirm(listing_id: int):
    listing = own_listing_or_404(listing_id)
    if EmptyForm().validate_on_submit():
        listing_service.confirm(db.session, current_user, listing)
        db.session.commit()
    return redirect(url_for(".dashboard", confirmed=listing.id) + f"#listing-{listing.id}")


@bp.post("/listings/<int:listing_id>/retire")
@member_required
def retire(listing_id: int):
    listing = own_listing_or_404(listing_id)
    if listing.kind == "member":
        abort(400)  # the organisation itself is retired by a coordinator
    if EmptyForm().validate_on_submit():
        listing_service.retire(db.session, current_user, listing)
        db.session.commit()
    return redirect(url_for(".dashboard"))


@bp.route("/listings/<int:listing_id>/translations/<lang>", methods=["GET", "POST"])
@member_required
def translation(listing_id: int, lang: str):
    listing = own_listing_or_404(listing_id)
    if lang not in TRANSLATION_LANGS:
        abort(404)
    existing = listing.translation(lang)
    form = TranslationForm(obj=existing if request.method == "GET" else None)
    if form.validate_on_submit():
        texts = {name: form[name].data or "" for name in listing_service.TRANSLATION_FIELDS}
        listing_service.save_translation(db.session, current_user, listing, lang, texts)
        db.session.commit()
        return redirect(url_for(".preview", listing_id=listing.id, saved="translation"))
    status = 422 if form.errors else 200
    return render_template(
        "members/translation_form.html", form=form, listing=listing, lang=lang, langs=TRANSLATION_LANGS
    ), status


@bp.get("/requests")
@member_required
def requests():
    org_id = current_user.organisation_id
    scored = network.open_requests_for(db.session, org_id) if org_id else []
    offered = {req.id for req, _score in scored if network.offer_of(db.session, req.id, org_id)}
    return render_template("members/requests.html", scored=scored, offered=offered)


@bp.route("/requests/<int:request_id>", methods=["GET", "POST"])
@member_required
def request_detail(request_id: int):
    req = db.session.get(ParticipationRequest, request_id)
    org_id = current_user.organisation_id
    if req is None or org_id is None or req.status == "closed":
        abort(404)
    mine = network.offer_of(db.session, req.id, org_id)  # only this member's own offer, never others'
    menus = [
        m
        for m in listing_service.organisation_listings(db.session, org_id)
        if m.kind == "menu" and not m.retired_at
    ]
    form = OfferForm(
        data={"menu": str(mine.menu_id or "") if mine else "", "idea": mine.idea if mine else ""}
    )
    form.menu.choices = choices([("", _("None: a new idea"))] + [(m.id, m.name) for m in menus])
    problem = None
    if req.status == "open" and form.validate_on_submit():
        menu = next((m for m in menus if str(m.id) == form.menu.data), None)
        if menu is None and not form.idea.data:
            problem = _("Choose one of your support menus or describe a new idea.")
        else:
            network.make_offer(db.session, current_user, req, menu, form.idea.data or "")
            db.session.commit()
            return redirect(url_for(".request_detail", request_id=req.id, sent=1))
    status = 422 if form.errors or problem else 200
    return render_template(
        "members/request_detail.html", req=req, form=form, mine=mine, problem=problem,
        sent=request.args.get("sent"),
    ), status  # fmt: skip
