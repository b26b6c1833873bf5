"""The frame around every page (header, footer with the language switcher, hreflang links), rendered once.

Why: the frame is about a third of a page's rendering time and is the same on every page in one
language, but for the links to this page in other languages (the footer's switcher, the head's hreflang
links). Pages the page cache cannot keep (the guided flow's steps, a listing's first view, member pages)
render only their own content. The directory's own head and share bar are kept the same way.

A part may use only what its key holds: the language, the furigana choice and the URL prefix. Nothing
about the visitor, the session or the content goes in a part. The per-address parts are rendered once
per language too, with a marker wherever they ask for the address (`lang_url(...)`, `request.base_url`:
asking for anything else of the request fails); each request fills the markers in with its own links,
escaped. Rendering them for each new address cost a listing's first view ~0.4 ms; filling them in costs
~0.04 ms (the page's address up to `lang=` is looked up once a part, not once a link: 21 links a page).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple
from urllib.parse import urlencode

from flask import Flask, current_app, request
from markupsafe import Markup, escape

from portal.i18n import LANG_PARAMS, LOCALES, current_locale, furigana_on, lang_bases, lang_url, per_request

PARTS = {
    "head": False,
    "scripts": False,
    "header": False,
    "footer": True,
    "alternates": True,
    # The directory's own: its head, the map's head, the share sheet bar.
    "directory_head": False,
    "map_head": False,
    "share_bar": False,
}  # name → does it depend on the address?
KEEP = 256  # filled-in parts kept per process (a part per language and recent address)
_lock = threading.Lock()


def chrome(name: str) -> Markup:
    """The rendered part `_chrome/<name>.html` for this request's language (and address)."""
    stores = current_app._get_current_object().extensions  # one look through the proxy (~1 µs each)
    key = (name, _language_key())
    parts: dict = stores["chrome_parts"]
    found = parts.get(key)  # a plain dict: the parts are few (part × language × furigana), none evicted
    if found is None:  # two requests may both render a new part: the same text, the last one kept
        found = parts[key] = _render(name)
    if not isinstance(found, AddressedPart):
        return found
    # An address asked for again (the guided flow's one, a popular page) finds its part filled in.
    filled_key, filled = (*key, _address_key()), stores["chrome_filled"]
    kept = _kept(filled, filled_key)
    return kept if kept is not None else _keep(filled, filled_key, found.for_this_address())


def _kept(kept: OrderedDict, key: tuple):
    with _lock:
        found = kept.get(key)
        if found is not None:
            kept.move_to_end(key)
        return found


def _keep(kept: OrderedDict, key: tuple, part):
    with _lock:
        kept[key] = part
        while len(kept) > KEEP:
            kept.popitem(last=False)
    return part


def _address_key() -> tuple:
    """This request's address as the WSGI server gave it (cheaper than request.url, and as exact)."""
    return tuple(map(request._get_current_object().environ.get, ADDRESS_ENVIRON))


ADDRESS_ENVIRON = ("wsgi.url_scheme", "HTTP_HOST", "SERVER_NAME", "SERVER_PORT", "SCRIPT_NAME", "PATH_INFO",
                   "QUERY_STRING")  # fmt: skip


def _render(name: str) -> Markup | AddressedPart:
    template = current_app.jinja_env.get_template(f"_chrome/{name}.html")
    context = {"portal_locale": current_locale(), "locales": LOCALES, "request": request}
    if not PARTS[name]:
        return Markup(template.render(context))  # noqa: S704  # nosec B704
    marks = _AddressMarks()
    pieces = template.render(context, request=marks, lang_url=marks.lang_url).split(MARK)
    # text and marker numbers alternate: each marker stands for the fill it was made with
    return AddressedPart(tuple(pieces[0::2]), tuple(marks.fills[int(number)] for number in pieces[1::2]))


MARK = "\x00"  # no template or catalog holds a NUL, and what a request says reaches a part only as a fill


class Fill(NamedTuple):
    """What one marker is filled in with: this page's address to `lang=` (relative or absolute) and a
    language's parameter, or else what `compute` makes of the request. Plain str, not Markup: a part has
    some twenty fills, and joining or formatting a str subclass is dearer."""

    base: int  # which base: 0 relative, 1 absolute
    param: str
    compute: Callable[[], str] | None = None


class _AddressMarks:
    """Stands in for what a per-address part reads of the address: each use leaves a numbered marker."""

    def __init__(self) -> None:
        self.fills: list[Fill] = []

    def _mark(self, fill: Fill) -> str:
        self.fills.append(fill)
        return f"{MARK}{len(self.fills) - 1}{MARK}"

    def lang_url(self, code: str, *, external: bool = False, **extra: str) -> str:
        if extra:
            return self._mark(Fill(0, "", lambda: escape(lang_url(code, external=external, **extra))))
        # What i18n.lang_url makes of it, from the bases the part looked up (and escaped) once: escaping
        # works character by character, so the escaped base and the escaped `lang=` join as one escape.
        param = escape(LANG_PARAMS.get(code) or urlencode({"lang": code}))
        return self._mark(Fill(int(external), str(param)))

    @property
    def base_url(self) -> str:
        return self._mark(Fill(0, "", lambda: escape(request.base_url)))


@dataclass(frozen=True)
class AddressedPart:
    """A part rendered with markers: its text around them, and what fills each one in, in order."""

    texts: tuple[str, ...]  # one more than fills
    fills: tuple[Fill, ...]

    def for_this_address(self) -> Markup:
        relative, absolute = lang_bases()
        bases = (str(escape(relative)), str(escape(absolute)))  # once a part, not once a link (11 a part)
        pieces = [self.texts[0]]
        for (base, param, compute), text in zip(self.fills, self.texts[1:], strict=True):
            pieces += (compute() if compute else bases[base] + param, text)
        return Markup("".join(pieces))  # noqa: S704  # nosec B704 (each fill escapes what it adds)


def _language_key() -> tuple:
    """This request's language, furigana choice and URL prefix, worked out once a page (five parts ask).

    The prefix: a part's own links (styles, navigation) are made under it, and one process may be
    reached both at / and under a prefix."""
    return per_request("portal_chrome_keys", _language_key_now)


def _language_key_now() -> tuple:
    return current_locale().code, furigana_on(), request.environ.get("SCRIPT_NAME", "")


def init_app(app: Flask) -> None:
    app.extensions["chrome_parts"] = {}  # (part, language, furigana, prefix) → Markup or AddressedPart
    app.extensions["chrome_filled"] = OrderedDict()  # (part, language, address) → Markup
    app.add_template_global(chrome)
