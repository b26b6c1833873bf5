"""Coordinators' pages: invitations, members and freshness, moderation, requests, coverage, CSV."""

from __future__ import annotations

import io
import logging
from datetime import UTC

import segno
from flask import Blueprint, Response, abort, current_app, redirect, render_template, url_for
from flask_login import current_user
from flask_mailman import EmailMessage
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.extensions import db, limiter
from portal.i18n import gettext as _
from portal.importer.apply import ImportRejected, apply_rows, check_references
from portal.importer.csv_io import CsvFileError, decode, parse_text, write_csv
from portal.members import accounts, network
from portal.members import listings as listing_service
from portal.members.audit import record
from portal.members.config import INVITATION_LIMIT
from portal.members.forms import EmptyForm, ImportForm, InviteForm, NetworkEventForm, RequestForm, choices
from portal.members.security import coordinator_required
from portal.models import (
    Area,
    AuditLog,
    Invitation,
    Listing,
    MemberOrganisation,
    NetworkEvent,
    Offer,
    ParticipationRequest,
    User,
    utcnow,
)
from portal.templating import TOKYO

log = logging.getLogger(__name__)
bp = Blueprint("coordinator", __name__, url_prefix="/members/coordinator")


@bp.after_request
def _private(response):
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"  # pages may show invitation links
    return response


def _areas() -> list[tuple[str, str]]:
    return [(a.code, a.name) for a in db.session.scalars(select(Area).order_by(Area.name_kana, Area.code))]


@bp.get("/")
@coordinator_required
def overview():
    return render_template(
        "members/coordinator/overview.html",
        pending=len(listing_service.pending(db.session)),
        review=len(listing_service.review_feed(db.session)),
        unanswered=network.requests_without_offers(db.session),
    )


# --- invitations ---------------------------------------------------------------------------------


def _link_for(token: str) -> str:
    return url_for("members_auth.invitation", token=token, _external=True)


def _send_link(email: str, link: str, purpose: str) -> None:
    if purpose == "reset":
        subject = _("Tsunagu: set a new password")
        body = _("A coordinator sent you a link to set a new password:\n\n%(link)s\n", link=link)
    else:
        subject = _("Tsunagu: you are invited to the member portal")
        body = _(
            "You are invited to keep your organisation's listings on Tsunagu. Open this link:\n\n%(link)s\n",
            link=link,
        )
    EmailMessage(subject=subject, body=body, to=[email]).send(fail_silently=True)


def _show_link(invitation: Invitation, token: str):
    link = _link_for(token)
    _send_link(invitation.email, link, invitation.purpose)
    qr = segno.make(link, error="m").svg_inline(scale=4, omitsize=True)
    return render_template("members/coordinator/link.html", invitation=invitation, link=link, qr=qr)


@bp.route("/invitations", methods=["GET", "POST"])
@limiter.limit(INVITATION_LIMIT, methods=["POST"])
@coordinator_required
def invitations():
    form = InviteForm()
    orgs = db.session.scalars(select(MemberOrganisation).order_by(MemberOrganisation.name)).all()
    form.organisation.choices = choices([("", _("Choose an organisation"))] + [(o.id, o.name) for o in orgs])
    problem = None
    if form.validate_on_submit():
        organisation = None
        if form.role.data == "member":
            organisation = next((o for o in orgs if str(o.id) == form.organisation.data), None)
            if organisation is None and form.new_organisation.data:
                # A new member's own page waits for approval like any new listing.
                organisation = MemberOrganisation(
                    kind="member", name=form.new_organisation.data, status="pending"
                )
                db.session.add(organisation)
                db.session.flush()
                record(db.session, current_user, "create", listing=organisation)
        try:
            invitation, token = accounts.issue_invitation(
                db.session, actor=current_user, email=form.email.data, role=form.role.data,
                organisation=organisation, days=current_app.config["PORTAL_INVITATION_DAYS"],
            )  # fmt: skip
        except accounts.AccountError as exc:
            db.session.rollback()
            problem = {
                "duplicate_email": _(
                    "An account with this e-mail address already exists. Send a password reset link instead."
                ),
                "organisation_required": _("Choose the member organisation, or type the name of a new one."),
            }[exc.code]
        else:
            db.session.commit()
            return _show_link(invitation, token)
    listed = db.session.scalars(select(Invitation).order_by(Invitation.created_at.desc()).limit(100)).all()
    status = 422 if form.errors or problem else 200
    return render_template(
        "members/coordinator/invitations.html", form=form, problem=problem, invitations=listed,
        now=utcnow(), action_form=EmptyForm(),
    ), status  # fmt: skip


@bp.post("/invitations/<int:invitation_id>/reissue")
@limiter.limit(INVITATION_LIMIT)
@coordinator_required
def reissue(invitation_id: int):
    invitation = db.get_or_404(Invitation, invitation_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        new, token = accounts.reissue(db.session, actor=current_user, invitation=invitation)
    except accounts.AccountError:
        db.session.rollback()
        return redirect(url_for(".invitations"))
    db.session.commit()
    return _show_link(new, token)


@bp.post("/invitations/<int:invitation_id>/revoke")
@coordinator_required
def revoke(invitation_id: int):
    invitation = db.get_or_404(Invitation, invitation_id)
    if EmptyForm().validate_on_submit():
        accounts.revoke(db.session, actor=current_user, invitation=invitation)
        db.session.commit()
    return redirect(url_for(".invitations"))


@bp.post("/users/<int:user_id>/reset")
@limiter.limit(INVITATION_LIMIT)
@coordinator_required
def reset_password(user_id: int):
    user = db.get_or_404(User, user_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    invitation, token = accounts.issue_reset(db.session, actor=current_user, user=user)
    db.session.commit()
    return _show_link(invitation, token)


# --- members and freshness ---------------------------------------------------------------------------


@bp.get("/members")
@coordinator_required
def members():
    orgs = db.session.scalars(
        select(MemberOrganisation)
        .options(selectinload(MemberOrganisation.offerings))
        .order_by(MemberOrganisation.name)
    ).all()
    users = db.session.scalars(select(User).order_by(User.email)).all()
    users_by_org: dict[int | None, list[User]] = {}
    for user in users:
        users_by_org.setdefault(user.organisation_id, []).append(user)
    return render_template(
        "members/coordinator/members.html", orgs=orgs, users_by_org=users_by_org,
        is_stale=listing_service.is_stale, form=EmptyForm(),
        coordinators=[u for u in users if u.is_coordinator],
    )  # fmt: skip


# --- moderation -----------------------------------------------------------------------------------------


@bp.get("/pending")
@coordinator_required
def pending():
    return render_template(
        "members/coordinator/pending.html", listings=listing_service.pending(db.session), form=EmptyForm()
    )


@bp.get("/listings/<int:listing_id>")
@coordinator_required
def listing(listing_id: int):
    item = db.get_or_404(Listing, listing_id)
    history = db.session.scalars(
        select(AuditLog).where(AuditLog.listing_id == item.id).order_by(AuditLog.at.desc())
    ).all()
    return render_template(
        "members/coordinator/listing.html", listing=item, history=history, form=EmptyForm()
    )


@bp.post("/listings/<int:listing_id>/approve")
@coordinator_required
def approve(listing_id: int):
    item = db.get_or_404(Listing, listing_id)
    if EmptyForm().validate_on_submit():
        listing_service.approve(db.session, current_user, item)
        db.session.commit()  # the search index picks the now-public listing up on commit
    return redirect(url_for(".pending"))


@bp.get("/review")
@coordinator_required
def review():
    return render_template(
        "members/coordinator/review.html", entries=listing_service.review_feed(db.session), form=EmptyForm()
    )


def _entry_or_404(entry_id: int) -> AuditLog:
    entry = db.session.get(AuditLog, entry_id)
    if entry is None or not entry.needs_review:
        abort(404)
    return entry


@bp.post("/review/<int:entry_id>/revert")
@coordinator_required
def revert(entry_id: int):
    entry = _entry_or_404(entry_id)
    if EmptyForm().validate_on_submit():
        listing_service.revert(db.session, current_user, entry)
        db.session.commit()
    return redirect(url_for(".review"))


@bp.post("/review/<int:entry_id>/accept")
@coordinator_required
def accept_change(entry_id: int):
    entry = _entry_or_404(entry_id)
    if EmptyForm().validate_on_submit():
        listing_service.mark_reviewed(current_user, entry)
        db.session.commit()
    return redirect(url_for(".review"))


# --- participation requests -----------------------------------------------------------------------------


@bp.route("/requests", methods=["GET", "POST"])
@coordinator_required
def requests():
    form = RequestForm()
    form.area.choices = choices([("", _("Any area")), *_areas()])
    if form.validate_on_submit():
        area = db.session.scalar(select(Area).where(Area.code == form.area.data)) if form.area.data else None
        req = network.post_request(
            db.session, current_user, age_band=form.age_band.data, area=area, wanted=form.wanted.data,
            when=form.when.data or "", constraints=form.constraints.data or "",
        )  # fmt: skip
        db.session.commit()
        _notify_members(req)
        return redirect(url_for(".request_detail", request_id=req.id))
    listed = db.session.scalars(
        select(ParticipationRequest).order_by(
            ParticipationRequest.status != "open", ParticipationRequest.created_at.desc()
        )
    ).all()
    status = 422 if form.errors else 200
    return render_template("members/coordinator/requests.html", form=form, requests=listed), status


def _notify_members(req: ParticipationRequest) -> None:
    recipients = network.member_recipients(db.session)
    if not recipients:
        return
    link = url_for("members.request_detail", request_id=req.id, _external=True)
    body = _(
        "The city has posted a new participation request. Can your organisation help?\n\n%(link)s\n",
        link=link,
    )
    # bcc: members never see each other's addresses.
    EmailMessage(subject=_("Tsunagu: a new participation request"), body=body, bcc=recipients).send(
        fail_silently=True
    )


@bp.get("/requests/<int:request_id>")
@coordinator_required
def request_detail(request_id: int):
    return render_template(
        "members/coordinator/request.html",
        req=db.get_or_404(ParticipationRequest, request_id),
        form=EmptyForm(),
    )


@bp.post("/offers/<int:offer_id>/match")
@coordinator_required
def match(offer_id: int):
    offer = db.get_or_404(Offer, offer_id)
    if EmptyForm().validate_on_submit():
        network.match(db.session, current_user, offer)
        db.session.commit()
    return redirect(url_for(".request_detail", request_id=offer.request_id))


@bp.post("/requests/<int:request_id>/close")
@coordinator_required
def close(request_id: int):
    req = db.get_or_404(ParticipationRequest, request_id)
    if EmptyForm().validate_on_submit():
        network.close(db.session, current_user, req)
        db.session.commit()
    return redirect(url_for(".request_detail", request_id=req.id))


# --- network events ---------------------------------------------------------------------------------------


@bp.route("/network-events", methods=["GET", "POST"])
@coordinator_required
def network_events():
    """Members-only events (the monthly study session), shown on every member's dashboard."""
    form = NetworkEventForm()
    if form.validate_on_submit():
        event = NetworkEvent(
            title=form.title.data, starts_at=form.starts_at.data.replace(tzinfo=TOKYO).astimezone(UTC),
            place=form.place.data or "", description=form.description.data or "",
        )  # fmt: skip
        db.session.add(event)
        record(db.session, current_user, "network_event", note=f"{event.title}")
        db.session.commit()
        return redirect(url_for(".network_events"))
    events = db.session.scalars(select(NetworkEvent).order_by(NetworkEvent.starts_at.desc()).limit(50)).all()
    status = 422 if form.errors else 200
    return render_template("members/coordinator/network_events.html", form=form, events=events), status


# --- coverage and CSV -------------------------------------------------------------------------------------


@bp.get("/coverage")
@coordinator_required
def coverage():
    return render_template("members/coordinator/coverage.html", rows=network.coverage(db.session))


@bp.route("/import", methods=["GET", "POST"])
@coordinator_required
def import_csv():
    """The same parser, checks and all-or-nothing rule as `flask import-csv`."""
    form = ImportForm()
    errors: list[tuple[int, str]] = []
    notes: list[str] = []
    summary = None
    problem = None
    if form.validate_on_submit():
        try:
            text, note = decode(form.file.data.read())
            parsed = parse_text(text)
        except CsvFileError as exc:
            problem = str(exc)
        else:
            notes = ([note] if note else []) + parsed.notes
            # Every bad row at once: the file's own problems and those that need the database.
            errors = parsed.errors + (check_references(db.session, parsed.rows) if parsed.errors else [])
            if not errors:
                try:
                    summary = apply_rows(db.session, parsed.rows)
                except ImportRejected as exc:
                    db.session.rollback()
                    errors = exc.errors
                else:
                    record(db.session, current_user, "import", note="; ".join(summary.lines()))
                    db.session.commit()
    status = 422 if form.errors or errors or problem else 200
    return render_template(
        "members/coordinator/import.html", form=form, errors=sorted(errors), notes=notes, summary=summary,
        problem=problem,
    ), status  # fmt: skip


@bp.get("/export.csv")
@coordinator_required
def export_csv():
    query = (
        select(Listing)
        .where(Listing.retired_at.is_(None))
        .order_by(Listing.kind != "member", Listing.id)
        .options(selectinload(Listing._targets), selectinload(Listing._tags),
                 selectinload(Listing._languages),
                 selectinload(Listing.organisation))
    )  # fmt: skip
    out = io.StringIO()
    write_csv(db.session.scalars(query), out)
    # utf-8-sig: Japanese Excel opens a BOM-marked file as UTF-8.
    return Response(
        out.getvalue().encode("utf-8-sig"), mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=tsunagu-listings.csv"},
    )  # fmt: skip
