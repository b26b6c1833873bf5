"""What templates can call: listing text in the reader's language, dates in Japan time, vendor paths."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import NamedTuple
from zoneinfo import ZoneInfo

from babel import dates
from flask import Flask, current_app, g
from flask_login import current_user
from markupsafe import Markup, escape
from sqlalchemy import select

from portal.extensions import db
from portal.i18n import PortalLocale, babel_locale, babel_timezone, current_locale, request_g
from portal.i18n import lazy_gettext as _l
from portal.models import Area, Listing, SiteSetting
from portal.pagecache import memo

TOKYO = ZoneInfo("Asia/Tokyo")
VENDOR = {
    "htmx": "vendor/htmx-2.0.11/htmx.min.js",
    "leaflet_js": "vendor/leaflet-1.9.4/leaflet.js",
    "leaflet_css": "vendor/leaflet-1.9.4/leaflet.css",
    "cluster_js": "vendor/leaflet.markercluster-1.5.3/leaflet.markercluster.js",
    "cluster_css": "vendor/leaflet.markercluster-1.5.3/MarkerCluster.css",
    "cluster_default_css": "vendor/leaflet.markercluster-1.5.3/MarkerCluster.Default.css",
    "tokens_css": "vendor/design-tokens-1.1.9/tokens.css",
}


KIND_LABELS = {
    "salon": _l("Salon"),
    "place": _l("Gathering place"),
    "member": _l("Member organisation"),
    "menu": _l("Support menu"),
    "window": _l("Consultation window"),
    "event": _l("Event"),
}
TARGET_LABELS = {
    "senior": _l("Older people"),
    "disability": _l("People with disabilities"),
    "child": _l("Children and families"),
    "poverty": _l("People struggling to make ends meet"),
    "anyone": _l("Anyone"),
}


class LocalText(NamedTuple):
    """A piece of listing text, and the language it is really in (Japanese when not translated).

    A named tuple rather than a frozen dataclass: as immutable, and a page makes some forty (each card
    reads three), which a frozen dataclass's __init__ makes several times as dear."""

    text: str
    lang: str
    translated: bool

    def __str__(self) -> str:
        return self.text

    def __bool__(self) -> bool:
        return bool(self.text)


def local_text(listing: Listing, field: str, locale: PortalLocale | None = None) -> LocalText:
    """`field` of a listing (or of a value that reads like one) in the reader's language, or in Japanese."""
    locale = locale or current_locale()
    original = getattr(listing, field) or ""
    if locale.code == "ja":
        return LocalText(original, "ja", True)
    translation = listing.translation(locale.code)
    value = getattr(translation, field, "") if translation else ""
    if value:
        return LocalText(value, locale.html_lang, True)
    return LocalText(original, "ja", False)


def listing_name(listing: Listing, locale: PortalLocale | None = None) -> Markup:
    """A listing's name in the reader's language, as HTML; a Japanese name carries its reading as furigana.

    The reading belongs to the original name: not to a translation, even an easy-Japanese one. Built here
    rather than in a macro: every card and link to a listing shows one (a macro call costs ~20 µs).
    """
    return name_html(listing, local_text(listing, "name", locale))


def name_html(listing: Listing, name: LocalText) -> Markup:
    """listing_name, for a name already looked up in the reader's language (a card shows it twice)."""
    if name.lang == "ja" and name.text == listing.name:
        return japanese_name(listing.name, listing.name_kana)
    return Markup(f'<span lang="{escape(name.lang)}">{escape(name.text)}</span>')  # noqa: S704  # nosec B704


# Kept: the same names come back on many pages (an organisation's, its offerings' cards on each of its
# listings' pages), and pairing a name with its reading is most of listing_name's cost. A pure function
# of a listing's public name and reading: nothing of the reader or the request goes in.
@lru_cache(maxsize=4096)
def japanese_name(name: str, kana: str | None) -> Markup:
    """A listing's own (Japanese) name as HTML, with its reading as furigana or after it."""
    parts = ruby_parts(name, kana)
    if parts:
        words = " ".join(
            f"<ruby>{escape(base)}<rp>（</rp><rt>{escape(reading)}</rt><rp>）</rp></ruby>"
            for base, reading in parts
        )
        return Markup(f'<span lang="ja">{words}</span>')  # noqa: S704  # nosec B704 (each value escaped)
    if kana and kana != name:
        return Markup(  # noqa: S704  # nosec B704 (each value escaped)
            f'<span lang="ja">{escape(name)}<span class="reading">（{escape(kana)}）</span></span>'
        )
    return Markup(f'<span lang="ja">{escape(name)}</span>')  # noqa: S704  # nosec B704


def in_tokyo(value: datetime | None) -> datetime | None:
    return value.astimezone(TOKYO) if value else None


def format_datetime(value: datetime | None, fmt: str = "medium") -> str:
    """A date and time in Japan time in the reader's language, as Flask-Babel's format_datetime words it."""
    return _formatted_datetime(value, fmt, babel_locale(), babel_timezone()) if value else ""


def datetime_wording(fmt: str = "medium") -> Callable[[datetime | None], str]:
    """format_datetime for a list of cards: the reader's locale and zone looked up once, not per card."""
    locale, zone = babel_locale(), babel_timezone()
    return lambda value: _formatted_datetime(value, fmt, locale, zone) if value else ""


def format_date(value: datetime | None, fmt: str = "medium") -> str:
    """The day (in Japan) of a date and time, in the reader's language."""
    return _formatted_date(in_tokyo(value).date(), fmt, babel_locale()) if value else ""


# Kept: Babel takes ~50 µs to word a full date and time, and the same events' times and the same
# confirmation days show on many pages and cards (an organisation's next events on each of its listings).
@lru_cache(maxsize=4096)
def _formatted_datetime(value: datetime, fmt: str, locale, zone) -> str:
    """dates.format_datetime(value, fmt, tzinfo=zone, locale=locale), from its day and its time worded apart.

    Why: an event's first showing still cost the full ~50 µs, yet its day and its time of day have
    mostly been worded before, for other events (a few start times, a few months of days). Babel words
    a named format as the locale's date-time pattern with the time put in for {0} and the day for {1};
    the same is done here, each half kept (tests/test_templating_dates.py holds it to Babel's own)."""
    if fmt not in NAMED_FORMATS:
        return dates.format_datetime(value, fmt, tzinfo=zone, locale=locale)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)  # as Babel reads a naive date and time
    local = value.astimezone(zone) if zone is not None else value
    return (
        _datetime_pattern(fmt, locale)
        .replace("{0}", _formatted_time(local, fmt, locale))
        .replace("{1}", _formatted_date(local.date(), fmt, locale))
    )


NAMED_FORMATS = ("full", "long", "medium", "short")
_times: dict[tuple, str] = {}


@lru_cache(maxsize=256)
def _datetime_pattern(fmt: str, locale) -> str:
    return dates.get_datetime_format(fmt, locale=locale).replace("'", "")


def _formatted_time(local: datetime, fmt: str, locale) -> str:
    """dates.format_time of a local date and time, kept per wall-clock time and zone state: the day
    tells Babel only which offset, name and summer time the zone has then, and the key holds those."""
    key = (local.time(), local.tzinfo, local.utcoffset(), local.dst(), local.tzname(), fmt, locale)
    found = _times.get(key)
    if found is None:
        if len(_times) >= 4096:
            _times.clear()
        found = _times[key] = dates.format_time(local, fmt, locale=locale)
    return found


@lru_cache(maxsize=4096)
def _formatted_date(day: date, fmt: str, locale) -> str:
    return dates.format_date(day, fmt, locale=locale)


def demo_notice() -> str | None:
    """The 'this city is fictional' notice in the reader's language, when the demo city is loaded."""
    if g.get("database_down"):  # the 503 page (portal.errors)
        return None
    notices = memo("demo_notices", _demo_notices)
    return notices.get(current_locale().code) or notices.get("en") or notices.get("ja")


def _demo_notices() -> dict[str, str]:
    setting = db.session.get(SiteSetting, "demo_city")
    return json.loads(setting.value).get("notice", {}) if setting else {}


@dataclass(frozen=True)
class AreaInfo:
    """An area as pages show it: a plain value, safe to keep between requests (portal.pagecache.memo)."""

    id: int
    code: str
    name: str
    name_kana: str
    lat: float | None
    lng: float | None


def all_areas() -> list[AreaInfo]:
    return memo("areas", _load_areas)


def _load_areas() -> list[AreaInfo]:
    areas = db.session.scalars(select(Area).order_by(Area.name_kana, Area.code))
    return [AreaInfo(a.id, a.code, a.name, a.name_kana, a.lat, a.lng) for a in areas]


def has_endpoint(endpoint: str) -> bool:
    """Whether an area of the portal is installed (links to it are shown only then)."""
    return endpoint in current_app.view_functions


# Values computed once per request and kept on `g`.
REQUEST_CACHES = (
    "portal_locale", "portal_translations", "portal_lang_bases", "page_not_cacheable", "database_down",
    "portal_chrome_keys", "portal_babel_locale", "portal_babel_timezone",
)  # fmt: skip


def forget_request_caches() -> None:
    """A new request starts clean even when it shares an app context with the last (the test client)."""
    kept = request_g()
    for key in REQUEST_CACHES:
        kept.pop(key, None)


def language_name(code: str) -> str:
    """A BCP 47 code (`pt`, `tl`, `zh`) named in the reader's language, by Babel's CLDR data."""
    return _language_name(code, babel_locale())


@lru_cache(maxsize=1024)  # a listing page names each language it lists; Babel's CLDR lookups add up
def _language_name(code: str, locale) -> str:
    base = code.replace("-", "_").split("_")[0]
    names = locale.languages if locale else {}
    return names.get(code.replace("-", "_")) or names.get(base) or code


def weekday_name(index: int) -> str:
    """Monday = 0, in the reader's language (CLDR: 水曜日, Wednesday, quarta-feira)."""
    locale = babel_locale()
    return locale.days["format"]["wide"][index] if locale else str(index)


def format_month(day) -> str:
    """「2026年11月」, "November 2026": CLDR's year-and-month pattern for the reader's language."""
    from babel.dates import format_skeleton

    return format_skeleton("yMMMM", day, locale=babel_locale() or "ja")


def format_day(day) -> str:
    """「11月23日(月)」, "Mon, Nov 23": a calendar day with its weekday."""
    from babel.dates import format_skeleton

    return format_skeleton("MMMEd", day, locale=babel_locale() or "ja")


SHORT_READING = 12  # a reading this long still fits over its name on a 360 px phone


def ruby_parts(name: str, kana: str) -> list[tuple[str, str]] | None:
    """Pair a name's words with their readings so furigana can wrap between words on a phone.

    `特別養護老人ホーム みどりの里` + `とくべつようごろうじんほーむ みどりのさと` → two ruby pairs.
    When the words do not line up: one pair for a short name, or None (the reading goes on its own line).
    """
    if not kana or kana == name:
        return None
    words, readings = name.replace("\u3000", " ").split(), kana.replace("\u3000", " ").split()
    if len(words) == len(readings) and all(len(r) <= SHORT_READING * 2 for r in readings):
        return list(zip(words, readings, strict=True))
    if len(kana) <= SHORT_READING:
        return [(name, kana)]
    return None


def init_app(app: Flask) -> None:
    # forget_request_caches runs first thing in each request, from i18n's before_request.
    app.add_template_global(ruby_parts)
    app.add_template_global(format_month)
    app.add_template_global(format_day)
    app.add_template_global(language_name)
    app.add_template_global(weekday_name)
    app.add_template_global(all_areas)
    app.add_template_global(has_endpoint)
    app.add_template_global(demo_notice)
    app.add_template_global(lambda kind: KIND_LABELS.get(kind, kind), "kind_label")
    app.add_template_global(lambda target: TARGET_LABELS.get(target, target), "target_label")
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.add_template_global(local_text)
    app.add_template_global(listing_name)
    app.add_template_global(VENDOR, "vendor")
    app.add_template_global(current_user, "current_user")  # looked up only where a template reads it
    app.add_template_filter(in_tokyo)
    app.add_template_filter(format_datetime, "datetime")
    app.add_template_filter(format_date, "date")
