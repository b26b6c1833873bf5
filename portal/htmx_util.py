"""Small htmx helpers shared by the areas."""

from __future__ import annotations

from flask_htmx import HTMX

from portal.extensions import htmx


def wants_fragment(hx: HTMX = htmx) -> bool:
    """htmx asked for a fragment; a history restore gets the whole page."""
    return bool(hx) and not hx.history_restore_request
