"""The public directory's URL space."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Area, Listing

bp = Blueprint("directory", __name__)

# The home page's big entries: (key, endpoint, title, text). An area not yet built is left out.
HOME_ENTRIES = (
    ("consult", "referral.start", _l("I want to talk to someone"),
     _l("Answer a few questions and find the right consultation window")),
    ("places", "directory.browse", _l("Find salons and gathering places"),
     _l("Places to meet people, near your home")),
    ("events", "directory.events", _l("Events"), _l("What is on this week and this month")),
    ("windows", "directory.windows", _l("Consultation windows"), _l("Where to ask, by area")),
)  # fmt: skip


def home_entries() -> list[dict]:
    return [
        {"key": key, "url": url_for(endpoint), "title": title, "text": text}
        for key, endpoint, title, text in HOME_ENTRIES
        if endpoint in current_app.view_functions
    ]


def public_listings():
    return select(Listing).where(Listing.status == "published", Listing.retired_at.is_(None))


@bp.get("/")
def home():
    counts = dict(
        db.session.execute(
            select(Listing.kind, func.count()).where(Listing.retired_at.is_(None)).group_by(Listing.kind)
        ).all()
    )
    areas = db.session.scalars(select(Area).order_by(Area.name_kana, Area.code)).all()
    return render_template(
        "directory/home.html", counts=counts, areas=areas, empty=not counts, entries=home_entries()
    )


@bp.get("/listings/<int:listing_id>")
def listing(listing_id: int):
    item = db.session.get(Listing, listing_id)
    if item is None or not item.is_public:
        abort(404)
    return render_template("directory/listing.html", listing=item)
