"""GET /search: the page, or only its results when htmx asks (contracts §3)."""

from __future__ import annotations

from flask import Blueprint, make_response, render_template, request

from portal.htmx_util import wants_fragment
from portal.search.service import check_filters, parse_page, search

bp = Blueprint("search", __name__)


@bp.get("/search")
def page():
    args = request.args
    filters = check_filters(args.get("kind"), args.get("area"), args.get("target"))
    result = search(args.get("q", ""), filters, parse_page(args.get("page")))
    template = "search/_results.html" if wants_fragment() else "search/index.html"
    response = make_response(render_template(template, result=result, filters=filters))
    response.vary.update(("HX-Request", "Accept-Language", "Cookie"))
    return response
