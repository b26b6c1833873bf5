"""The frame around every page (header, footer with the language switcher, hreflang links), rendered once.

Why: the frame is about a third of a page's rendering time and is the same on every page in one
language (the header), or on every request for one address in one language (the footer's and the
head's links to this page in other languages). Pages the page cache cannot keep (the guided flow's
steps, a listing's first view, member pages) render only their own content.

A part may use only what its key holds: the language, the furigana choice, and for the per-address parts
the host, path and query. Nothing about the visitor, the session or the content goes in a part.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from flask import Flask, current_app, g, request
from markupsafe import Markup

from portal.i18n import LOCALES, current_locale, furigana_on

PARTS = {
    "head": False,
    "scripts": False,
    "header": False,
    "footer": True,
    "alternates": True,
}  # name → does it depend on the address?
KEEP = 512  # parts kept per process: a few for each address and language in recent use
_lock = threading.Lock()


def chrome(name: str) -> Markup:
    """The rendered part `_chrome/<name>.html` for this request's language (and address)."""
    language, address = _request_keys()
    key = (name, language, address if PARTS[name] else None)
    kept: OrderedDict = current_app.extensions["chrome_parts"]
    with _lock:
        found = kept.get(key)
        if found is not None:
            kept.move_to_end(key)
            return found
    template = current_app.jinja_env.get_template(f"_chrome/{name}.html")
    part = Markup(template.render(portal_locale=current_locale(), locales=LOCALES, request=request))  # noqa: S704  # nosec B704
    with _lock:
        kept[key] = part
        while len(kept) > KEEP:
            kept.popitem(last=False)
    return part


def _request_keys() -> tuple[tuple, tuple]:
    """(language, address) for this request's parts, worked out once a page (five parts ask)."""
    found = g.get("portal_chrome_keys")
    if found is None:
        found = g.portal_chrome_keys = (
            (current_locale().code, furigana_on()),
            (request.host_url, request.full_path),
        )
    return found


def init_app(app: Flask) -> None:
    app.extensions["chrome_parts"] = OrderedDict()
    app.add_template_global(chrome)
