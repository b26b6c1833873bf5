"""JSON endpoints. Unknown values answer 400 with a JSON error naming the value; never a 500."""

from __future__ import annotations

from flask import Blueprint, jsonify, request, url_for

from portal.extensions import csrf
from portal.pagecache import mark_cacheable
from portal.search.service import check_filters, parse_page, search
from portal.search.views import keep_only_if_current
from portal.templating import local_text

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)
bp.after_request(mark_cacheable)  # the same for every anonymous reader: portal.pagecache


def bad_value(param: str, value: str, message: str = ""):
    body = {"error": "unknown_value", "param": param, "value": value,
            "message": message or f"unknown value '{value}' for '{param}'"}  # fmt: skip
    return jsonify(body), 400


@bp.get("/search")
def search_listings():
    args = request.args
    filters = check_filters(args.get("kind"), args.get("area"), args.get("target"))
    for param, value in filters.unknown.items():
        return bad_value(param, value)
    raw_page = args.get("page")
    if raw_page is not None and not raw_page.isdigit():
        return bad_value("page", raw_page, "page must be a whole number from 1")
    result = search(args.get("q", ""), filters, parse_page(raw_page))
    keep_only_if_current(result)
    return jsonify(
        total=result.total,
        page=result.page,
        results=[
            {
                "id": listing.id,
                "kind": listing.kind,
                "name": local_text(listing, "name").text,
                "summary": local_text(listing, "summary").text,
                "url": url_for("directory.listing", listing_id=listing.id, _external=True),
            }
            for listing in result.listings
        ],
    )
