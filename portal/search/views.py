"""GET /search: the page, or only its results when htmx asks (contracts §3)."""

from __future__ import annotations

from flask import Blueprint, make_response, render_template, request

from portal.htmx_util import wants_fragment
from portal.pagecache import do_not_cache, get_cache, mark_cacheable
from portal.search.service import answer_may_be_kept, check_filters, page_numbers, parse_page, search
from portal.templating import all_areas

bp = Blueprint("search", __name__)
bp.after_request(mark_cacheable)  # the same for every anonymous reader: portal.pagecache


@bp.get("/search")
def page():
    args = request.args
    filters = check_filters(args.get("kind"), args.get("area"), args.get("target"))
    result = search(args.get("q", ""), filters, parse_page(args.get("page")))
    keep_only_if_current(result)
    # links on the page keep the query and the known filters, never an unknown value
    keep = {"q": result.query, "kind": filters.kind, "area": filters.area, "target": filters.target}
    keep = {name: value for name, value in keep.items() if value}
    area_names = {area.code: area.name for area in all_areas()}
    fragment = wants_fragment()
    template = "search/_results.html" if fragment else "search/index.html"
    response = make_response(
        render_template(
            template,
            result=result,
            filters=filters,
            keep=keep,
            page_numbers=page_numbers(result),
            area_label=lambda code: area_names.get(code, code),
            oob=fragment,  # the fragment also carries the filter selects, so they show its filters
        )
    )
    response.vary.update(("HX-Request", "Accept-Language", "Cookie"))
    return response


def keep_only_if_current(result) -> None:
    """A degraded answer, or one from an index behind the change log, is not kept by the page cache."""
    cache = get_cache()
    if cache is not None and not answer_may_be_kept(result, cache.version):
        do_not_cache()
