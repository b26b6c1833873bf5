"""Signing in and out, invitation and reset links, and the coordinators' second factor."""

from __future__ import annotations

import logging

import pyotp
import segno
from flask import Blueprint, current_app, g, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user
from werkzeug.exceptions import TooManyRequests

from portal.extensions import db, limiter
from portal.i18n import gettext as _
from portal.members import accounts
from portal.members.config import INVITATION_LIMIT, LOGIN_LIMIT
from portal.members.forms import EmptyForm, LoginForm, SetPasswordForm, TwoFactorForm
from portal.members.security import public, safe_next, signed_in_required
from portal.models import User
from portal.templating import format_datetime

log = logging.getLogger(__name__)
bp = Blueprint("members_auth", __name__, url_prefix="/members")
PENDING_2FA = "members_2fa_user"
PENDING_2FA_SECRET = "members_2fa_secret"  # noqa: S105 (a session key name, not a secret)  # nosec B105
INVITE_TOKEN = "members_invite_token"  # noqa: S105 (a session key name, not a token)  # nosec B105
ISSUER = "Tsunagu"


def home_for(user: User) -> str:
    return url_for("coordinator.overview" if user.is_coordinator else "members.dashboard")


def no_store(response):
    # Pages with links, codes and forms for accounts are never cached or sent on as a Referer.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.before_app_request
def _forget_cached_user() -> None:
    # Flask-Login caches the user on `g`, which outlives a request when an app context was already
    # pushed (tests, scripts): every request must load its user from its own cookie.
    g.pop("_login_user", None)


@bp.after_request
def _no_store(response):
    return no_store(response)


@bp.errorhandler(TooManyRequests)
def too_many(exc):
    message = _("Too many attempts from this connection. Wait a minute and try again.")
    return render_template("members/message.html", title=_("Please wait"), message=message), 429


@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(LOGIN_LIMIT, methods=["POST"])
@public
def login():
    next_url = safe_next(request.values.get("next"), "")
    if current_user.is_authenticated:
        return redirect(next_url or home_for(current_user))
    form = LoginForm()
    problem = None
    if form.validate_on_submit():
        result = accounts.attempt_login(
            db.session, form.email.data, form.password.data,
            lock_after=current_app.config["PORTAL_LOCKOUT_AFTER"],
            lock_minutes=current_app.config["PORTAL_LOCKOUT_MINUTES"],
        )  # fmt: skip
        db.session.commit()
        if result.outcome == "locked":
            problem = _(
                "This account is locked after too many failed sign-ins. Try again after %(time)s, "
                "or ask a coordinator for a password reset link.",
                time=format_datetime(result.locked_until, "short"),
            )
        elif result.outcome == "bad":
            problem = _("The e-mail address or the password is not right.")
        elif result.user.is_coordinator:
            session[PENDING_2FA] = result.user.id
            return redirect(url_for(".two_factor", next=next_url or None))
        else:
            return _sign_in(result.user, next_url)
    status = 422 if form.errors or problem else 200
    return render_template("members/login.html", form=form, problem=problem, next_url=next_url), status


def _sign_in(user: User, next_url: str):
    session.clear()  # nothing from before signing in carries over (session fixation)
    accounts.start_session(user)
    db.session.commit()
    login_user(user)
    return redirect(next_url or home_for(user))


@bp.route("/two-factor", methods=["GET", "POST"])
@limiter.limit(LOGIN_LIMIT, methods=["POST"])
@public
def two_factor():
    """Second step for coordinators; the first time, set up the authenticator app with a QR code."""
    user = db.session.get(User, session.get(PENDING_2FA) or 0)
    if user is None:
        return redirect(url_for(".login"))
    next_url = safe_next(request.values.get("next"), "")
    secret = (
        user.totp_secret
        if user.totp_confirmed
        else session.setdefault(PENDING_2FA_SECRET, pyotp.random_base32())
    )
    form = TwoFactorForm()
    problem = None
    if form.validate_on_submit():
        step = accounts.totp_step(secret, form.code.data, user.totp_last_step)
        if step is not None:
            user.totp_last_step = step
            if not user.totp_confirmed:
                user.totp_secret, user.totp_confirmed = secret, True
            return _sign_in(user, next_url)
        user.failed_logins += 1
        if user.failed_logins >= current_app.config["PORTAL_LOCKOUT_AFTER"]:
            accounts.attempt_login(db.session, user.email, "", lock_after=1)  # locks the account
            session.pop(PENDING_2FA, None)
        db.session.commit()
        problem = _("That code is not right. Check the time on your phone and try the newest code.")
    setup = None
    if not user.totp_confirmed:
        uri = pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)
        setup = {"qr": segno.make(uri, error="m").svg_inline(scale=4, omitsize=True), "secret": secret}
    status = 422 if form.errors or problem else 200
    return render_template(
        "members/two_factor.html", form=form, problem=problem, setup=setup, next_url=next_url
    ), status


@bp.post("/sign-out")
@signed_in_required
def logout():
    form = EmptyForm()
    if form.validate_on_submit():
        accounts.end_session(current_user)  # every copy of this cookie stops working
        db.session.commit()
        logout_user()
        session.clear()
    return redirect(url_for(".login"))


@bp.get("/invitations/<token>")
@limiter.limit(INVITATION_LIMIT)
@public
def invitation(token: str):
    """Move the token from the address into the session, so it does not stay in history or a Referer."""
    session[INVITE_TOKEN] = token[:200]
    return redirect(url_for(".accept_invitation"))


@bp.route("/invitations/accept", methods=["GET", "POST"])
@limiter.limit(INVITATION_LIMIT)
@public
def accept_invitation():
    invite, state = accounts.find_invitation(db.session, session.get(INVITE_TOKEN, ""))
    if state != "open":
        return _invitation_problem(state)
    form = SetPasswordForm()
    problem = None
    if form.validate_on_submit():
        try:
            user = accounts.accept_invitation(
                db.session, invite, form.password.data, form.display_name.data or ""
            )
        except accounts.AccountError as exc:
            db.session.rollback()
            if exc.code in ("expired", "used", "revoked", "unknown", "duplicate_email"):
                return _invitation_problem(exc.code)
            problem = password_problem(exc.code)
        else:
            db.session.commit()
            session.pop(INVITE_TOKEN, None)
            if user.is_coordinator:
                session[PENDING_2FA] = user.id
                return redirect(url_for(".two_factor"))
            return _sign_in(user, "")
    status = 422 if form.errors or problem else 200
    return render_template("members/accept.html", form=form, invite=invite, problem=problem), status


def password_problem(code: str) -> str:
    return {
        "too_short": _("The password must be at least 10 characters long."),
        "too_long": _("The password must be at most 256 characters long."),
        "same_as_email": _("The password must not be your e-mail address."),
    }.get(code, _("Choose another password."))


def _invitation_problem(state: str):
    messages = {
        "expired": _("This link has expired. Ask the coordinator who sent it for a new one."),
        "used": _("This link has already been used. Sign in, or ask a coordinator for a new link."),
        "revoked": _("This link was cancelled by a coordinator. Ask them for a new one."),
        "duplicate_email": _("An account with this e-mail address already exists. Sign in instead."),
    }
    message = messages.get(state, _("This link is not valid. Check that you copied all of it."))
    session.pop(INVITE_TOKEN, None)
    return render_template("members/message.html", title=_("This link does not work"), message=message), 400
