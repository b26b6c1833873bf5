"""A decision put into words for one reader: windows with their contacts, why, and what to say.

Called inside a request (it uses gettext), but it takes the reader's language as an argument so that
the counter view can build the Japanese column under ``force_locale('ja')``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from babel.lists import format_list
from flask_babel import get_locale

from portal.directory.cards import listing_urls
from portal.i18n import find_locale
from portal.i18n import gettext as _
from portal.i18n import lazy_gettext as _l
from portal.models import Area, Listing
from portal.referral import labels, rules
from portal.referral.decide import Decision, Facts
from portal.templating import LocalText


def text_in(listing: Listing, field: str, lang: str) -> LocalText:
    """Listing text in ``lang``; the Japanese original (marked lang="ja") when there is no translation."""
    original = getattr(listing, field) or ""
    if lang == "ja":
        return LocalText(original, "ja", True)
    translation = listing.translation(lang)
    value = getattr(translation, field, "") if translation else ""
    if value:
        locale = find_locale(lang)
        return LocalText(value, locale.html_lang if locale else lang, True)
    return LocalText(original, "ja", False)


def _list(items: list[str]) -> str:
    try:
        return format_list(items, locale=get_locale() or "en")
    except (ValueError, TypeError):  # a locale Babel has no list pattern for
        return ", ".join(items)


# Plain classes, not dicts: templates read them by attribute (Jinja tries an attribute before a key).
@dataclass(frozen=True, slots=True)
class WindowContact:
    code: str
    kind_label: str
    does: str
    listing_id: int | None
    name: LocalText | None
    phone: str
    tel: str
    hours: LocalText | None
    address: LocalText | None
    url: str | None


@dataclass(frozen=True, slots=True)
class PlaceLink:
    id: int
    kind: str
    name: LocalText
    url: str
    in_area: bool


@dataclass(frozen=True, slots=True)
class FlowResult:
    lang: str
    decision: Decision
    emergency: list[str]
    danger_unsure: bool
    primary: WindowContact
    others: list[WindowContact]
    reason: str
    say: list[str]
    outreach: bool
    asked_by_other: bool
    worries: list[str]
    resources: list[PlaceLink]
    area: Area | None


def contact(code: str, listing: Listing | None, lang: str, url: Callable[[int], str]) -> WindowContact:
    kind_label, does = labels.label(labels.WINDOWS, code), labels.label(labels.WINDOW_DOES, code)
    if listing is None:
        return WindowContact(code, kind_label, does, None, None, "", "", None, None, None)
    return WindowContact(
        code=code,
        kind_label=kind_label,
        does=does,
        listing_id=listing.id,
        name=text_in(listing, "name", lang),
        phone=listing.phone,
        tel="".join(ch for ch in listing.phone if ch.isdigit() or ch in "+#"),
        hours=text_in(listing, "hours", lang),
        address=LocalText(listing.address, "ja", True) if listing.address else None,
        url=url(listing.id),
    )


def reason(facts: Facts, decision: Decision, primary_concerns: list[str]) -> str:
    field_windows = [w for w in decision.windows if w not in ("fukushi_sougou", "kokusai")]
    if decision.multi_agency and len(field_windows) >= 2:
        return _(
            "The worries touch several fields at once, so the comprehensive welfare window brings the "
            "other windows together. You only need to call once."
        )
    if decision.multi_agency and len(facts.ages) >= 2:
        return _(
            "Several people in the household need support, so the comprehensive welfare window brings "
            "the windows together. You only need to call once."
        )
    if decision.multi_agency:
        return _(
            "No single department is responsible for this, so the comprehensive welfare window takes it "
            "and works with the others."
        )
    if decision.primary == "kokusai":
        return _(
            "The international association helps with language and residence questions in many languages."
        )
    if decision.primary != "fukushi_sougou" and primary_concerns:
        return _(
            "%(window)s is the window responsible for: %(worries)s.",
            window=labels.label(labels.WINDOWS, decision.primary),
            worries=_list([labels.label(labels.CONCERNS, c) for c in primary_concerns]),
        )
    return _(
        "The comprehensive welfare window accepts any worry, even when you are not sure what it is. "
        "It will not send you away."
    )


OPENINGS = {  # the first line on the phone, by who is asking
    "self": _l("Hello. I would like to talk about my own situation."),
    "family": _l("Hello. I am calling about someone in my family."),
    "neighbour": _l("Hello. I am calling about a neighbour I am worried about."),
    "professional": _l("Hello. I am calling through my work about someone I am worried about."),
    "unknown": _l("Hello. I would like to talk about a worry."),
}


def what_to_say(facts: Facts, answers: Mapping[str, str], area: Area | None) -> list[str]:
    """A few plain sentences to read out on the phone."""
    lines = [str(OPENINGS.get(answers.get("who", ""), OPENINGS["unknown"]))]
    if facts.ages:
        people = _list([labels.label(labels.AGES, a) for a in facts.ages])
        lines.append(_("Who needs support: %(people)s.", people=people))
    if facts.concerns:
        worries = _list([labels.label(labels.CONCERNS, c) for c in facts.concerns])
        lines.append(_("What worries me: %(worries)s.", worries=worries))
    consent = facts.resolved_consent
    if facts.who != "self" and consent == "no":
        lines.append(_("The person does not want support at the moment."))
    elif facts.who != "self" and consent == "unknown":
        lines.append(_("I do not know whether the person wants support."))
    if area is not None:
        lines.append(_("They live in %(area)s.", area=area.name))
    lines.append(_("What help is there, and what should I do next?"))
    return lines


def build_result(
    *,
    facts: Facts,
    decision: Decision,
    answers: Mapping[str, str],
    windows: Mapping[str, Listing],
    resources: list[Listing],
    area: Area | None,
    lang: str,
) -> FlowResult:
    loaded = rules()
    url = listing_urls()
    primary_concerns = [
        c for c in facts.concerns if decision.primary in loaded.windows_for(c, facts.ages, facts.concerns)
    ]
    return FlowResult(
        lang=lang,
        decision=decision,
        emergency=decision.emergency,
        danger_unsure=answers.get("danger") == "unknown",
        primary=contact(decision.primary, windows.get(decision.primary), lang, url),
        others=[contact(code, windows.get(code), lang, url) for code in decision.windows[1:]],
        reason=reason(facts, decision, primary_concerns),
        say=what_to_say(facts, answers, area),
        outreach=decision.outreach,
        asked_by_other=facts.who != "self",
        worries=[labels.label(labels.CONCERNS, c) for c in facts.concerns],
        resources=[
            PlaceLink(
                id=item.id,
                kind=item.kind,
                name=text_in(item, "name", lang),
                url=url(item.id),
                in_area=area is not None and item.area_id == area.id,
            )
            for item in resources
        ],
        area=area,
    )
