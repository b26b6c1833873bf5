"""Listing cards (the directory, events, a listing's related listings), built in Python.

Why: a card is the most repeated thing the public pages draw (20 a directory page, up to a dozen on a
listing page). Through a Jinja macro one cost ~55 µs: eight template calls to read the listing in the
reader's language, then Jinja's call and escape machinery for each value; built here, ~20 µs. Templates
write `<ol class="cards">{{ cards(items) }}</ol>`; the markup below is the whole of a card, every value
escaped, and the translated labels are the catalog's trusted text as they are in templates.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import lru_cache

from flask import current_app, request, url_for
from markupsafe import Markup, escape
from werkzeug.urls import _urlencode  # what url_for encodes query arguments with

from portal.i18n import current_locale
from portal.i18n import gettext as _
from portal.templating import KIND_LABELS, datetime_wording, local_text, name_html


def listing_urls(*, external: bool = False):
    """url_for for listing pages (absolute ones for JSON-LD): the route ends in the id (a card each)."""
    base = _route_base("directory.listing", external, listing_id=0).removesuffix("0")
    return lambda listing_id: f"{base}{listing_id}"


def static_url(filename: str) -> str:
    """url_for('static', filename=...), kept: a static file's address only changes with the URL prefix."""
    return _route_base("static", False, filename=filename)


def query_urls(endpoint: str):
    """url_for for an endpoint with query arguments (the browse links of a listing's chips), built once:
    the same URL as url_for's (Werkzeug's own query encoding), at a tenth of its cost (~15 µs a link)."""
    base = _route_base(endpoint, False)
    return lambda **args: f"{base}?{_query(tuple(args.items()))}" if args else base


@lru_cache(maxsize=1024)
def _query(args: tuple[tuple[str, str], ...]) -> str:
    """A link's query string, kept: the chips name the same tags, targets and languages on many pages.
    A pure function of the (public) arguments."""
    return _urlencode(args)


def _route_base(endpoint: str, external: bool, **values) -> str:
    """url_for's URL, kept per app and SCRIPT_NAME: it is the same for every request under one (an absolute
    one per scheme and host too, as the WSGI server gave them)."""
    kept: dict = current_app._get_current_object().extensions.setdefault("route_bases", {})
    req = request._get_current_object()  # one look through each proxy (~1 µs each), not one per use
    key = (endpoint, req.script_root, _host_key(req.environ) if external else None, *values.items())
    found = kept.get(key)
    if found is None:
        found = kept[key] = url_for(endpoint, _external=external, **values)
    return found


def _host_key(environ: dict) -> tuple:
    return tuple(environ.get(name) for name in ("wsgi.url_scheme", "HTTP_HOST", "SERVER_NAME", "SERVER_PORT"))


def cards(items: Iterable, distances: Mapping[int, float] | None = None) -> Markup:
    """One `<li class="card">` per listing, in order: ORM listings or listing_page.Brief values.

    `distances` (listing id → km) adds "about 1.2 km away" to the listings it names.
    """
    url = listing_urls()
    locale, when_of = current_locale(), datetime_wording("full")
    distances = distances or {}
    hours_label, share_label = Markup(_("Hours")), Markup(_("Add to share sheet"))  # noqa: S704  # nosec B704
    kinds: dict[str, str] = {}  # each kind's label looked up in the catalog and escaped once a call
    html = []
    for item in items:
        id_ = item.id
        kind = kinds.get(item.kind)
        if kind is None:
            kind = kinds[item.kind] = escape(KIND_LABELS.get(item.kind, item.kind))
        area = f' · <span lang="ja">{escape(item.area.name)}</span>' if item.area else ""
        extra = []
        if item.starts_at:
            extra.append(f'<p class="card__when">{escape(when_of(item.starts_at))}</p>')
        # A LocalText's lang is our own code (a locale's html_lang, or "ja"): it needs no escaping.
        summary = local_text(item, "summary", locale)
        if summary.text:
            extra.append(f'<p class="card__summary" lang="{summary.lang}">{escape(summary.text)}</p>')
        hours = local_text(item, "hours", locale)
        if hours.text:
            extra.append(
                f'<p class="card__hours"><span class="card__label">{hours_label}:</span> '
                f'<span lang="{hours.lang}">{escape(hours.text)}</span></p>'
            )
        distance = distances.get(id_)
        if distance is not None:
            away = Markup(_("About %(km)s km away")) % {"km": f"{distance:.1f}"}  # noqa: S704  # nosec B704
            extra.append(f'<p class="card__distance">{away}</p>')
        name = local_text(item, "name", locale)
        name_link = f'<a href="{url(id_)}">{name_html(item, name)}</a>'
        html.append(
            f'<li class="card" data-id="{id_}">\n'
            f'  <p class="card__kind">{kind}{area}</p>\n'
            f'  <h3 class="card__name" id="card-{id_}">{name_link}</h3>\n'
            f"{''.join(extra)}"
            '  <div class="card__share js-only" hidden>\n'
            f'    <input type="checkbox" class="share-tick" id="share-{id_}" value="{id_}">\n'
            f'    <label for="share-{id_}">{share_label}<span class="visually-hidden">: '
            f"{escape(name.text)}</span></label>\n"
            "  </div>\n"
            "</li>\n"
        )
    return Markup("".join(html))  # noqa: S704  # nosec B704 (every value escaped above)
