"""The public directory's URL space: home, browse and map, listing pages, events, windows, share, offline."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import NamedTuple

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    jsonify,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from sqlalchemy import func, select

from portal.directory import browse as browse_service
from portal.directory import events as events_service
from portal.directory import ical, jsonld, listing_page, share
from portal.directory import windows as windows_service
from portal.directory.cards import cards, listing_urls, query_urls, static_url
from portal.extensions import db
from portal.htmx_util import wants_fragment
from portal.i18n import current_locale
from portal.i18n import gettext as _
from portal.i18n import lazy_gettext as _l
from portal.models import WINDOW_CODES, Area, Listing
from portal.pagecache import mark_cacheable
from portal.templating import all_areas

bp = Blueprint("directory", __name__)
bp.after_request(mark_cacheable)  # the same for every anonymous reader: portal.pagecache
bp.add_app_template_global(cards, "cards")  # `<ol class="cards">{{ cards(items) }}</ol>`
bp.add_app_template_global(static_url, "static_url")

STALE_AFTER = timedelta(days=365)  # "not confirmed in 12 months"
STATIC_JS = Path(__file__).resolve().parent.parent / "static" / "js"

# The home page's big entries: (key, endpoint, title, text). An area not yet built is left out.
HOME_ENTRIES = (
    ("consult", "referral.start", _l("I want to talk to someone"),
     _l("Answer a few questions and find the right consultation window")),
    ("places", "directory.browse", _l("Find salons and gathering places"),
     _l("Places to meet people, near your home")),
    ("events", "directory.events", _l("Events"), _l("What is on this week and this month")),
    ("windows", "directory.windows", _l("Consultation windows"), _l("Where to ask, by area")),
)  # fmt: skip
# "Find salons and gathering places" opens the directory with those kinds chosen.
ENTRY_ARGS = {"places": {"kind": ["salon", "place"]}}


def now() -> datetime:
    return datetime.now(UTC)


def home_entries() -> list[dict]:
    return [
        {"key": key, "url": url_for(endpoint, **ENTRY_ARGS.get(key, {})), "title": title, "text": text}
        for key, endpoint, title, text in HOME_ENTRIES
        if endpoint in current_app.view_functions
    ]


def public_listings():
    return browse_service.public_listings()


def _vary(response: Response) -> Response:
    response.vary.update(("HX-Request", "Accept-Language", "Cookie"))
    return response


@bp.get("/")
def home():
    counts = dict(
        db.session.execute(
            select(Listing.kind, func.count()).where(Listing.retired_at.is_(None)).group_by(Listing.kind)
        ).all()
    )
    return render_template(
        "directory/home.html", counts=counts, areas=all_areas(), empty=not counts, entries=home_entries()
    )


# --- listing pages ---


def _public_or_404(listing_id: int) -> Listing:
    item = db.session.get(Listing, listing_id)
    if item is None or not item.is_public:
        abort(_gone(item))
    return item


def _gone(item: Listing | None) -> Response:
    """A helpful 404: say whether the listing was retired, and offer similar listings nearby."""
    similar = None
    if item is not None:
        similar = url_for(".browse", kind=item.kind, area=item.area.code if item.area else None)
    response = Response(
        render_template("directory/gone.html", retired=item is not None, similar=similar), status=404
    )
    return response


@bp.get("/listings/<int:listing_id>")
def listing(listing_id: int):
    # Its own connection from the pool, not the session's: a page that only reads needs no unit of work,
    # and the session's connection and its teardown cost ~0.1 ms a request.
    with db.engine.connect() as connection:
        page = listing_page.load(connection, listing_id, lang=current_locale().code, now=now())
    if page is None:
        abort(_gone(db.session.get(Listing, listing_id)))
    item = page.listing
    page_url = listing_urls(external=True)
    data = jsonld.listing_jsonld(item, url=page_url(item.id), org_url=lambda o: page_url(o.id))
    stale = item.confirmed_at is not None and now() - item.confirmed_at > STALE_AFTER
    return _vary(
        Response(
            render_template(
                "directory/listing.html",
                listing=item,
                org=item.organisation if item.kind != "member" else None,  # whose "more from" this is
                offerings=page.offerings,
                upcoming=page.upcoming,
                jsonld=data,
                stale=stale,
                accepts=windows_service.WINDOW_ACCEPTS.get(item.window_code or ""),
                window_name=windows_service.WINDOW_NAMES.get(item.window_code or ""),
                tile=_tile_config(),
                browse_url=query_urls("directory.browse"),  # the chips' links
                listing_url=listing_urls(),  # the organisation's link
                share_url=query_urls("directory.share_sheet"),
            )
        )
    )


@bp.get("/listings/<int:listing_id>.ics")
def listing_ics(listing_id: int):
    item = _public_or_404(listing_id)
    if item.kind != "event" or item.starts_at is None:
        abort(404)
    cal = ical.calendar_for([item], name=item.name, url_for_event=_event_url, now=now())
    return _calendar_response(cal, f"event-{item.id}.ics")


def _event_url(event: Listing) -> str:
    return url_for(".listing", listing_id=event.id, _external=True)


def _calendar_response(cal, filename: str) -> Response:
    response = Response(ical.to_bytes(cal), mimetype="text/calendar")
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


# --- browse, filter and map ---


def _parse_filters():
    codes = {area.code for area in all_areas()}
    return browse_service.parse_filters(
        request.args, area_codes=codes, language_codes=browse_service.language_codes(db.session)
    )


class TileConfig(NamedTuple):
    """The map tiles, as templates read them (`tile.url`): a named tuple, where a dict's keys would cost
    Jinja a caught AttributeError each before it tried them as items."""

    url: str
    attribution: str


def _tile_config() -> TileConfig:
    config = current_app.config
    return TileConfig(config.get("PORTAL_TILE_URL", ""), config.get("PORTAL_TILE_ATTRIBUTION", ""))


@bp.get("/directory")
def browse():
    filters, ignored = _parse_filters()
    result = browse_service.browse(db.session, filters, now())
    context = {
        "result": result,
        "filters": filters,
        "ignored": ignored,
        "areas": {area.code: area for area in all_areas()},
        "map_data_url": url_for(".map_data", **filters.as_params(page=1)),
        "tile": _tile_config(),
        # On a phone the filters fold away once chosen; while someone is changing them they stay open.
        "filters_open": wants_fragment() or not filters.active,
    }
    status = 404 if result.past_the_end else 200
    template = "directory/_browse.html" if wants_fragment() else "directory/browse.html"
    # A page past the end still shows the filters and a way back, with 404 so crawlers drop it;
    # htmx would not swap a 404, so the fragment answers 200 with the same note.
    if wants_fragment():
        status = 200
    return _vary(Response(render_template(template, **context), status=status))


@bp.get("/directory/map.json")
def map_data():
    filters, ignored = _parse_filters()
    points = browse_service.map_points(db.session, filters, now())
    response = jsonify(
        total=len(points),
        url_template=url_for(".listing", listing_id=0).replace("/0", "/{id}"),
        ignored=[{"param": i.param, "value": i.value} for i in ignored],
        # Compact rows keep the payload small on a bad signal: [id, lat, lng, name, kind].
        markers=[[id_, round(lat, 6), round(lng, 6), name, kind] for id_, kind, lat, lng, name in points],
    )
    response.vary.update(("Accept-Language",))
    return response


# --- events ---


@bp.get("/events")
def events():
    area = request.args.get("area", "")
    codes = {a.code for a in all_areas()}
    ignored_area = area if area and area not in codes else ""
    area = area if area in codes else ""
    current = now()
    groups = events_service.grouped(events_service.upcoming(db.session, current, area=area), current)
    today = current.astimezone(events_service.TOKYO)
    return _vary(
        Response(
            render_template(
                "directory/events.html",
                groups=groups,
                area=area,
                ignored_area=ignored_area,
                this_month=(today.year, today.month),
            )
        )
    )


@bp.get("/events/<int:year>/<int:month>")
def events_month(year: int, month: int):
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        abort(404)
    view = events_service.month_view(db.session, year, month)
    return _vary(Response(render_template("directory/month.html", view=view)))


@bp.get("/events.ics")
def events_feed():
    cal = ical.calendar_for(
        events_service.upcoming(db.session, now() - timedelta(days=30), limit=1000),
        name=_("Tsunagu events"),
        url_for_event=_event_url,
        now=now(),
    )
    return _calendar_response(cal, "events.ics")


@bp.get("/events/<area_code>.ics")
def area_events_feed(area_code: str):
    area = db.session.scalar(select(Area).where(Area.code == area_code))
    if area is None:
        abort(404)
    cal = ical.calendar_for(
        events_service.upcoming(db.session, now() - timedelta(days=30), area=area.code, limit=1000),
        name=_("Tsunagu events: %(area)s", area=area.name),
        url_for_event=_event_url,
        now=now(),
    )
    return _calendar_response(cal, f"events-{area.code}.ics")


# --- consultation windows and emergency numbers ---


@bp.get("/windows")
def windows():
    area = request.args.get("area", "")
    code = request.args.get("code", "")
    ignored = []
    if area and area not in {a.code for a in all_areas()}:
        ignored.append(("area", area[:100]))
        area = ""
    if code and code not in WINDOW_CODES:
        ignored.append(("code", code[:100]))
        code = ""
    found = windows_service.public_windows(db.session, area=area, code=code)
    return _vary(
        Response(
            render_template(
                "directory/windows.html",
                groups=windows_service.by_code(found),
                area=area,
                code=code,
                ignored=ignored,
                names=windows_service.WINDOW_NAMES,
                accepts=windows_service.WINDOW_ACCEPTS,
                codes=WINDOW_CODES,
            )
        )
    )


@bp.get("/emergency")
def emergency():
    return render_template("directory/emergency.html")


# --- share sheet ---


@bp.get("/share")
def share_sheet():
    ids, bad = share.parse_ids(request.args.get("ids", ""))
    items = share.shared_listings(db.session, ids)
    missing = [i for i in ids if i not in {item.id for item in items}]
    codes = {
        item.id: share.qr_svg(url_for(".listing", listing_id=item.id, _external=True), _("QR code"))
        for item in items
    }
    return _vary(
        Response(
            render_template(
                "directory/share.html", items=items, codes=codes, bad=bad, missing=missing, ids=ids
            )
        )
    )


# --- offline: service worker, manifest, offline page ---


@bp.get("/sw.js")
def service_worker():
    """Served from the site root so that its scope covers every page."""
    response = send_from_directory(STATIC_JS, "sw.js", mimetype="text/javascript", max_age=0)
    response.headers["Service-Worker-Allowed"] = "/"
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/manifest.webmanifest")
def manifest():
    data = {
        "name": _("Tsunagu community resources"),
        "short_name": "つなぐ",
        "start_url": url_for(".home"),
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#0017c1",
        "lang": "ja",
        "icons": [
            {"src": url_for("static", filename="icons/icon.svg"), "sizes": "any", "type": "image/svg+xml"}
        ],
    }
    response = jsonify(data)
    response.mimetype = "application/manifest+json"
    return response


@bp.get("/offline")
def offline():
    return render_template("directory/offline.html")
