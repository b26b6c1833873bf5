"""The languages the portal speaks and how one is chosen: ?lang=, then the cookie, then Accept-Language."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, Response, g, request

COOKIE = "lang"
COOKIE_MAX_AGE = 365 * 24 * 3600  # one year


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
ALIASES = {"pt": "pt-BR", "zh": "zh-Hans", "zh-cn": "zh-Hans", "zh-sg": "zh-Hans", "tl": "fil", "jp": "ja"}


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


def _from_accept_language() -> PortalLocale | None:
    # Werkzeug parses a malformed header leniently; values() yields tags best first.
    for tag in request.accept_languages.values():
        found = find_locale(tag)
        if found:
            return found
    return None


def current_locale() -> PortalLocale:
    """The reader's language for this request (cached on g)."""
    if "portal_locale" not in g:
        g.portal_locale = (
            find_locale(request.args.get("lang"))
            or find_locale(request.cookies.get(COOKIE))
            or _from_accept_language()
            or DEFAULT
        )
    return g.portal_locale


def select_catalog() -> str:
    """Flask-Babel's locale selector."""
    return current_locale().catalog


def remember_choice(response: Response) -> Response:
    """A `?lang=` choice is kept in a cookie so that every later link stays in that language."""
    chosen = find_locale(request.args.get("lang"))
    if chosen and request.cookies.get(COOKIE) != chosen.code:
        response.set_cookie(COOKIE, chosen.code, max_age=COOKIE_MAX_AGE, samesite="Lax", httponly=True)
    return response


def init_app(app: Flask) -> None:
    app.after_request(remember_choice)

    @app.context_processor
    def locale_context() -> dict:
        return {"portal_locale": current_locale(), "locales": LOCALES}
