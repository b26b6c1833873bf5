"""Consultation windows: who goes first to which window (domain.md), and windows by area and by code."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from portal.i18n import lazy_gettext as _l
from portal.models import WINDOW_CODES, Area, ConsultationWindow

WINDOW_NAMES = {
    "houkatsu": _l("Community general support centre (older people)"),
    "shogai": _l("Disability consultation support"),
    "kodomo": _l("Children and family centre"),
    "jiritsu": _l("Self-reliance support (money, debt, housing, work)"),
    "fukushi_sougou": _l("General welfare consultation (multi-agency)"),
    "hoken": _l("Health centre and mental health"),
    "kokusai": _l("International association (multilingual consultation)"),
}
# What each window accepts, from the cities' own rules (see /work/shared/domain.md).
WINDOW_ACCEPTS = {
    "houkatsu": _l("People aged 65 and over: care, dementia, elder abuse."),
    "shogai": _l("Disability at any age."),
    "kodomo": _l("Children, child-rearing, school refusal, young carers, pregnancy."),
    "jiritsu": _l("Money worries, debt, arrears, losing your home, work."),
    "fukushi_sougou": _l(
        "Worries in several fields at once, cases no other window takes, and people aged 18 to 64 with no "
        "other window (withdrawal, isolation, self-neglect, hoarding). Any worry is accepted here."
    ),
    "hoken": _l("Mental health, illness without a diagnosis, addiction."),
    "kokusai": _l("Language barriers and residence status, alongside the main window."),
}


def public_windows(session: Session, *, area: str = "", code: str = "") -> list[ConsultationWindow]:
    query = (
        select(ConsultationWindow)
        .where(ConsultationWindow.status == "published", ConsultationWindow.retired_at.is_(None))
        .options(selectinload(ConsultationWindow.served_areas), selectinload(ConsultationWindow.translations))
    )
    if code:
        query = query.where(ConsultationWindow.window_code == code)
    windows = list(session.scalars(query))
    if area:
        # A window serves an area when it lists it, or, listing none, sits in it or serves the whole city.
        windows = [
            w
            for w in windows
            if any(a.code == area for a in w.served_areas)
            or (not w.served_areas and (w.area is None or w.area.code == area))
        ]
    order = {code: index for index, code in enumerate(WINDOW_CODES)}
    return sorted(windows, key=lambda w: (order.get(w.window_code or "", 99), w.name_kana, w.name))


def by_code(windows: list[ConsultationWindow]) -> list[tuple[str, list[ConsultationWindow]]]:
    groups: dict[str, list[ConsultationWindow]] = {}
    for window in windows:
        groups.setdefault(window.window_code or "", []).append(window)
    return [(code, groups[code]) for code in (*WINDOW_CODES, "") if code in groups]


def area_by_code(session: Session, code: str) -> Area | None:
    return session.scalar(select(Area).where(Area.code == code)) if code else None
