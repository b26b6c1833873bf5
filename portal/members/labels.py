"""Words for codes shown on member and coordinator pages (all translatable)."""

from __future__ import annotations

from portal.i18n import lazy_gettext as _l
from portal.members.forms import AGE_BAND_LABELS, READINESS_LABELS

REQUEST_STATUS = {"open": _l("Open"), "matched": _l("Matched"), "closed": _l("Closed")}
OFFER_STATUS = {"offered": _l("Offered"), "matched": _l("Matched"), "declined": _l("Not chosen")}
INVITATION_STATE = {
    "open": _l("Waiting to be used"), "used": _l("Used"), "expired": _l("Expired"),
    "revoked": _l("Cancelled"),
}  # fmt: skip
AUDIT_ACTIONS = {
    "create": _l("Added"), "update": _l("Changed"), "approve": _l("Approved"), "revert": _l("Change undone"),
    "confirm": _l("Confirmed as accurate"), "retire": _l("Retired"), "invite": _l("Invitation sent"),
}  # fmt: skip
FIELDS = {
    "name": _l("Name"), "name_kana": _l("Reading"), "summary": _l("Summary"),
    "description": _l("Description"),
    "area": _l("Area"), "targets": _l("For whom"), "hours": _l("Days and hours"), "address": _l("Address"),
    "phone": _l("Phone"), "email": _l("E-mail"), "url": _l("Web page"),
    "readiness": _l("Work-readiness step"),
    "capacity": _l("Capacity"), "needs_companion": _l("Needs a companion"), "starts_at": _l("Starts"),
    "ends_at": _l("Ends"), "repeat": _l("Repeats"), "status": _l("Status"),
}  # fmt: skip


def field_label(name: str) -> str:
    if name.startswith("translation:"):
        _, lang, field = name.split(":", 2)
        return f"{FIELDS.get(field, field)} ({lang})"
    return str(FIELDS.get(name, name))


def labels() -> dict:
    return {
        "age_band_label": lambda code: AGE_BAND_LABELS.get(code, code),
        "readiness_label": lambda code: READINESS_LABELS.get(code, code),
        "request_status_label": lambda code: REQUEST_STATUS.get(code, code),
        "offer_status_label": lambda code: OFFER_STATUS.get(code, code),
        "invitation_state_label": lambda code: INVITATION_STATE.get(code, code),
        "audit_action_label": lambda code: AUDIT_ACTIONS.get(code, code),
        "field_label": field_label,
    }
