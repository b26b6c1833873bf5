"""``GET /api/v1/referral`` (contracts §1): the flow's decision for facts given as query parameters."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request, url_for

from portal.extensions import csrf
from portal.referral import kept_resources, kept_windows, rules
from portal.referral.decide import FactsError, decide, parse_facts
from portal.referral.places import find_area, windows_for
from portal.templating import all_areas, local_text

bp = Blueprint("referral_api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)


def bad_value(param: str, value: str, message: str) -> tuple[Response, int]:
    return jsonify(error="unknown_value", param=param, value=value, message=message), 400


@bp.after_request
def keep_nothing(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    response.vary.update(("Accept-Language",))
    return response


@bp.get("/referral")
def referral():
    try:
        facts = parse_facts(request.args, rules())
        decision = decide(facts, rules())
    except FactsError as exc:
        return bad_value(exc.param, exc.value, exc.message)
    area = find_area(all_areas(), facts.area)
    if facts.area and area is None:
        return bad_value("area", facts.area, "unknown area code; see the directory's areas")
    windows = windows_for(kept_windows(), decision.windows, area)
    resources = kept_resources(area) if decision.participation else []
    return jsonify(
        **decision.as_dict(),
        contacts=[
            {
                "code": code,
                "name": local_text(listing, "name").text,
                "phone": listing.phone,
                "hours": local_text(listing, "hours").text,
                "url": url_for("directory.listing", listing_id=listing.id, _external=True),
            }
            for code, listing in windows.items()
        ],
        resources=[
            {
                "id": item.id,
                "kind": item.kind,
                "name": local_text(item, "name").text,
                "url": url_for("directory.listing", listing_id=item.id, _external=True),
            }
            for item in resources
        ],
    )
