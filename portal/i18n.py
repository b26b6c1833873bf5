"""The languages the portal speaks and how one is chosen: ?lang=, then the cookie, then Accept-Language."""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import TypeVar
from urllib.parse import urlencode

from flask import Flask, Response, has_app_context, request
from flask.globals import _cv_app  # the app context without its proxy (request_g)
from flask_babel import get_locale, get_timezone, get_translations
from flask_babel.speaklater import LazyString
from jinja2 import pass_eval_context
from markupsafe import Markup
from werkzeug.datastructures import LanguageAccept
from werkzeug.sansio.utils import get_current_url

log = logging.getLogger(__name__)
COOKIE = "lang"
COOKIE_MAX_AGE = 365 * 24 * 3600  # one year
FURIGANA_COOKIE = "furigana"  # "off" when a reader of やさしい日本語 has turned furigana off


@dataclass(frozen=True)
class PortalLocale:
    code: str  # public code in URLs, cookies, the API and the translation table
    catalog: str  # Babel's name for the catalog (ja-easy is `ja@easy`: Babel would read `ja-easy` as `ja`)
    native: str  # the language named in itself, for the switcher
    html_lang: str  # what <html lang> and hreflang say


LOCALES = (
    PortalLocale("ja", "ja", "日本語", "ja"),
    PortalLocale("ja-easy", "ja@easy", "やさしいにほんご", "ja"),
    PortalLocale("en", "en", "English", "en"),
    PortalLocale("pt-BR", "pt_BR", "Português", "pt-BR"),
    PortalLocale("vi", "vi", "Tiếng Việt", "vi"),
    PortalLocale("zh-Hans", "zh_Hans", "中文（简体）", "zh-Hans"),
    PortalLocale("fil", "fil", "Filipino", "fil"),
    PortalLocale("ko", "ko", "한국어", "ko"),
    PortalLocale("ne", "ne", "नेपाली", "ne"),
    PortalLocale("es", "es", "Español", "es"),
    PortalLocale("id", "id", "Bahasa Indonesia", "id"),
)
BY_CODE = {loc.code.lower(): loc for loc in LOCALES}
DEFAULT = LOCALES[0]
# Accept-Language tags that are not our codes but clearly mean one of them.
ALIASES = {
    "ja@easy": "ja-easy",
    "pt": "pt-BR",
    "zh": "zh-Hans",
    "zh-cn": "zh-Hans",
    "zh-sg": "zh-Hans",
    "tl": "fil",
    "jp": "ja",
}


def find_locale(value: str | None) -> PortalLocale | None:
    """Our locale for a code as people write it (`pt_br`, `PT-BR`, `zh-CN`, `ja-easy`), or None."""
    if not value:
        return None
    key = value.strip().replace("_", "-").lower()[:20]
    key = ALIASES.get(key, key)
    if key.lower() in BY_CODE:
        return BY_CODE[key.lower()]
    base = key.split("-")[0]
    base = ALIASES.get(base, base)
    return BY_CODE.get(base.lower())


def choose_locale(lang_arg: str | None, cookie: str | None, accept: LanguageAccept) -> PortalLocale:
    """?lang=, then the cookie, then Accept-Language (the page cache keys pages by this too)."""
    found = find_locale(lang_arg) or find_locale(cookie)
    # Werkzeug parses a malformed header leniently; values() yields tags best first.
    for tag in () if found else accept.values():
        found = find_locale(tag)
        if found:
            break
    return found or DEFAULT


def request_g():
    """This request's `g`, read from the app context itself rather than through the `g` proxy.

    Why: a page asks for its locale some twenty times and for some hundred strings; through the proxy
    each ask cost more than the answer. The one place that reads Flask's context variable directly."""
    return _cv_app.get().g


T = TypeVar("T")


def per_request(key: str, compute: Callable[[], T]) -> T:
    """``compute()``, worked out once a request and kept on its `g` under ``key`` (list the key in
    templating.REQUEST_CACHES: the test client can run two requests in one app context)."""
    kept = request_g()
    found = kept.get(key)
    if found is None:
        found = compute()
        setattr(kept, key, found)
    return found


def current_locale() -> PortalLocale:
    """The reader's language for this request (kept on g)."""
    return per_request("portal_locale", _chosen_locale)


def _chosen_locale() -> PortalLocale:
    return choose_locale(
        given(request.args, "lang"), given(request.cookies, COOKIE), request.accept_languages
    )


def given(values, name: str) -> str | None:
    """`values.get(name)` for request.args and request.cookies, cheaper when the name is missing.

    Why: Werkzeug's get raises and catches a BadRequestKeyError (an HTTP exception, ~3 µs) for a missing
    name, and most requests carry neither `?lang=` nor a language cookie, yet are asked for both."""
    return values.get(name) if name in values else None


def select_catalog() -> str:
    """Flask-Babel's locale selector."""
    return current_locale().catalog


def remember_choice(response: Response) -> Response:
    """A `?lang=` choice is kept in a cookie so that every later link stays in that language."""
    chosen = find_locale(given(request.args, "lang"))
    if chosen and given(request.cookies, COOKIE) != chosen.code:
        response.set_cookie(COOKIE, chosen.code, max_age=COOKIE_MAX_AGE, samesite="Lax", httponly=True)
    return response


def furigana_on() -> bool:
    """Furigana over kanji for readers of やさしい日本語, unless they turned it off (?furigana=off)."""
    if current_locale().code != "ja-easy":
        return False
    choice = given(request.args, "furigana") or given(request.cookies, FURIGANA_COOKIE)
    return choice != "off"


def remember_furigana(response: Response) -> Response:
    choice = given(request.args, "furigana")
    if choice in ("on", "off") and given(request.cookies, FURIGANA_COOKIE) != choice:
        response.set_cookie(FURIGANA_COOKIE, choice, max_age=COOKIE_MAX_AGE, samesite="Lax", httponly=True)
    return response


def add_furigana(response: Response) -> Response:
    """やさしい日本語 pages get <ruby> furigana over every Japanese text node (attributes are left alone).

    Done on the rendered page rather than per string so that every template (including pages other
    areas add later) gets furigana without marking each string; see portal.furigana.
    """
    if (
        response.mimetype == "text/html"
        and not response.direct_passthrough
        and not response.is_streamed
        and furigana_on()
    ):
        from portal.furigana import add_ruby_to_html

        try:
            response.set_data(add_ruby_to_html(response.get_data(as_text=True)))
        except Exception:  # furigana is a help: a page without it beats an error page
            log.exception("furigana failed on %s", request.path)
    return response


def vary_on_language(response: Response) -> Response:
    if response.mimetype in ("text/html", "application/json"):
        response.vary.update(("Accept-Language", "Cookie"))
        response.headers.setdefault("Content-Language", current_locale().html_lang)
    return response


def lang_url(code: str, *, external: bool = False, **extra: str) -> str:
    """This page in another language: the same path and query, with `lang` (and `extra`) replaced."""
    if not extra:  # the switcher's and the hreflang links, 21 a page: the rest of the address is built once
        relative, absolute = lang_bases()
        return f"{absolute if external else relative}{LANG_PARAMS.get(code) or urlencode({'lang': code})}"
    root = request.host_url.rstrip("/") if external else ""
    replaced = {"lang": code, **extra}
    args = [(key, value) for key, value in request.args.items(multi=True) if key not in replaced]
    args.extend(replaced.items())
    return f"{root}{request.script_root}{request.path}?{urlencode(args)}"


LANG_PARAMS = {loc.code: urlencode({"lang": loc.code}) for loc in LOCALES}  # "lang=pt-BR"


def lang_bases() -> tuple[str, str]:
    """This page's address up to its `lang=`, relative and absolute (kept on g for the request)."""
    found = request_g().get("portal_lang_bases")
    return found or _lang_bases()


def _lang_bases() -> tuple[str, str]:
    req = request._get_current_object()  # one look through the proxy, not six (~1 µs each)
    query = urlencode([(k, v) for k, v in req.args.items(multi=True) if k != "lang"])
    path = req.script_root + req.path  # under a URL prefix (SCRIPT_NAME) too
    relative = f"{path}?{query}&" if query else f"{path}?"
    root = host_url(req.scheme, req.host).rstrip("/")
    found = request_g().portal_lang_bases = (relative, root + relative)
    return found


@lru_cache(maxsize=64)
def host_url(scheme: str, host: str) -> str:
    """request.host_url, kept: the same few hosts ask every time, and Werkzeug builds it (quotes it, then
    makes an IRI of it) anew for each request. A pure function of its arguments, so safe to keep."""
    return get_current_url(scheme, host)


def translations():
    """This request's catalog, looked up once: Flask-Babel looks it up again for every string (~30 µs).

    Read through request_g: a page asks for some hundred strings."""
    return per_request("portal_translations", get_translations)


def babel_locale():
    """Flask-Babel's get_locale(), looked up once a request (kept on g; force_locale sets it aside).

    Why: each get_locale() goes three times through the `g` proxy; a page words dates and language
    names with it some ten times."""
    return per_request("portal_babel_locale", get_locale)


def babel_timezone():
    """Flask-Babel's get_timezone(), looked up once a request (kept on g)."""
    return per_request("portal_babel_timezone", get_timezone)


def gettext(string: str, **variables) -> str:
    """flask_babel.gettext through the request's kept catalog (outside a request: Flask-Babel's own)."""
    if not has_app_context():
        from flask_babel import gettext as babel_gettext

        return babel_gettext(string, **variables)
    found = translations().ugettext(string)
    return found % variables if variables else found


def lazy_gettext(string: str, **variables):
    """A message translated when it is read (labels defined at import time), by :func:`gettext`."""
    return LazyString(gettext, string, **variables)


@contextmanager
def force_locale(code: str):
    """flask_babel.force_locale, with this request's kept catalog and locale set aside and put back after."""
    from flask_babel import force_locale as babel_force_locale

    kept = request_g()
    saved = {name: kept.pop(name, None) for name in FORCED_AWAY}
    try:
        with babel_force_locale(code):
            yield
    finally:
        for name, value in saved.items():
            kept.pop(name, None)
            if value is not None:
                setattr(kept, name, value)


FORCED_AWAY = ("portal_translations", "portal_babel_locale")  # what force_locale sets aside


def _install_fast_gettext(app: Flask) -> None:
    """Templates' _() and friends read the catalog kept on g (after Flask-Babel installed its own)."""
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda s: translations().ugettext(s),
        ngettext=lambda s, p, n: translations().ungettext(s, p, n),
        pgettext=lambda c, s: translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: translations().unpgettext(c, s, p, n),
        newstyle=True,
    )
    # `_()` is called some forty times a page: skip Jinja's alias and wrapper layers (same result).
    app.jinja_env.globals["_"] = app.jinja_env.globals["gettext"] = _template_gettext


@pass_eval_context  # not pass_context: Jinja copies the context for each such call inside a block with `set`s
def _template_gettext(eval_ctx, string: str, **variables):
    """Jinja's newstyle gettext (catalog text is trusted markup; variables are escaped into it)."""
    found = translations().ugettext(string)
    if eval_ctx.autoescape:
        found = Markup(found)  # noqa: S704  # nosec B704 (our own catalog)
    return found % variables if variables or "%" in found else found


def _easy_falls_back_to_ja() -> None:
    """A message missing from the ja@easy catalog shows in ordinary Japanese, not in English."""
    if current_locale().code != "ja-easy":
        return
    from babel.support import Translations
    from flask_babel import get_babel

    translations = get_translations()
    if getattr(translations, "_portal_fallback", False):
        return
    for directory in get_babel().translation_directories:
        translations.add_fallback(Translations.load(directory, ["ja"]))
    translations._portal_fallback = True


def _fresh_choice() -> None:
    """Forget the language cached on `g` by an earlier request.

    `g` lives on the app context, and requests made inside an outer app context (tests, CLI commands
    that render pages) share it: without this, the first request's language would stick.
    """
    from flask_babel import refresh

    from portal.templating import forget_request_caches

    forget_request_caches()  # every value kept on g for one request, the locale among them
    refresh()


def init_app(app: Flask) -> None:
    app.before_request(_fresh_choice)  # registered first: runs before anything reads the locale
    # after_request functions run last-registered first: furigana is added before cookies and Vary.
    app.after_request(vary_on_language)
    app.after_request(remember_furigana)
    app.after_request(remember_choice)
    app.after_request(add_furigana)
    app.before_request(_easy_falls_back_to_ja)
    _install_fast_gettext(app)

    from portal.furigana import ruby, ruby_name

    @app.template_filter("furigana")
    def furigana_filter(text):
        """Text with furigana for readers of やさしい日本語 (furigana on), escaped text otherwise."""
        from markupsafe import escape

        return ruby(text) if furigana_on() else escape(text)

    app.add_template_global(ruby_name)
    app.add_template_global(lang_url)
    app.add_template_global(furigana_on)

    @app.context_processor
    def locale_context() -> dict:
        return {"portal_locale": current_locale(), "locales": LOCALES}
