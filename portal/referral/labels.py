"""Words people read in the flow. Labels live here, translated through Babel; the rules file holds codes only.

A concern code the rules file adds without a label here is shown by its code (and a test points that out).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from portal.i18n import gettext as _
from portal.i18n import lazy_gettext as _l

QUESTIONS = {
    "danger": _l("Is anyone in danger right now, to their life or safety?"),
    "who": _l("Who are you asking for?"),
    "ages": _l("Who needs support? Choose everyone who does."),
    "concerns": _l("What are the worries? Choose as many as you like."),
    "consent": _l("Does the person want support?"),
    "consent_self": _l("Do you want support?"),
    "area": _l("Where do they live? (You can skip this.)"),
}

DANGER = {"yes": _l("Yes, someone is in danger now"), "no": _l("No"), "unknown": _l("I don't know")}
WHO = {
    "self": _l("For myself"),
    "family": _l("For someone in my family"),
    "neighbour": _l("For a neighbour or someone I know"),
    "professional": _l("As a professional (a shop, a school, care work ...)"),
    "unknown": _l("I would rather not say"),
}
AGES = {
    "child": _l("A child (0 to 17)"),
    "adult": _l("An adult (18 to 64)"),
    "senior": _l("An older person (65 or over)"),
}
CONSENT = {
    "yes": _l("Yes, they want support"),
    "no": _l("No, they do not want it (or cannot come)"),
    "unknown": _l("I don't know"),
}
CONSENT_SELF = {
    "yes": _l("Yes, I want support"),
    "no": _l("Not now, I just want to know where to go"),
    "unknown": _l("I am not sure"),
}
GROUPS = {
    "care_health": _l("Care and disability"),
    "family_children": _l("Family and children"),
    "money_home_work": _l("Money, home and work"),
    "mind_body": _l("Mind and body"),
    "safety": _l("Safety at home"),
    "connection": _l("People and connection"),
    "other": _l("Other"),
}
CONCERNS = {
    "care": _l("Help with daily life or care at home"),
    "dementia": _l("Forgetfulness or dementia"),
    "disability": _l("A disability (of body, mind or development)"),
    "child_rearing": _l("Raising children is hard"),
    "pregnancy": _l("Pregnancy or a new baby"),
    "school": _l("Not going to school, or trouble at school"),
    "young_carer": _l("A child looking after a family member"),
    "money": _l("Not enough money to live on"),
    "debt": _l("Debts, or unpaid rent and bills"),
    "housing": _l("Losing a home, or needing a place to live"),
    "work": _l("Finding work, or wanting a role"),
    "mental_health": _l("Feeling low, anxious or not like oneself"),
    "illness": _l("Illness or injury, not seeing a doctor"),
    "addiction": _l("Alcohol, gambling or another dependence"),
    "suicidal": _l("Thoughts of wanting to die"),
    "isolation": _l("Lonely, with no one to talk to"),
    "hikikomori": _l("Staying at home, not going out for a long time"),
    "hoarding": _l("The home is full of rubbish, or not looking after oneself"),
    "abuse": _l("Someone is hurt or neglected by family or carers"),
    "dv": _l("Violence from a partner or spouse"),
    "language": _l("Language, or visa and residence papers"),
    "other": _l("Something else"),
}
WINDOWS = {
    "houkatsu": _l("Community comprehensive support center (older people)"),
    "shogai": _l("Disability consultation support"),
    "kodomo": _l("Children and family center"),
    "jiritsu": _l("Livelihood and independence support"),
    "fukushi_sougou": _l("Comprehensive welfare consultation"),
    "hoken": _l("Health center (mental and physical health)"),
    "kokusai": _l("International association (consultation in many languages)"),
}
WINDOW_DOES = {
    "houkatsu": _l(
        "Helps older people and their families with care, dementia and living alone, and visits homes."
    ),
    "shogai": _l(
        "Helps people with disabilities of any age, and their families, to find services and support."
    ),
    "kodomo": _l("Helps with pregnancy, raising children, school and children who care for family."),
    "jiritsu": _l("Helps when money, debts, housing or work are a problem, and makes a plan with you."),
    "fukushi_sougou": _l(
        "Takes any worry, and brings the other windows together when several things overlap."
    ),
    "hoken": _l("Helps with mental health, illness and dependence, with nurses and counsellors."),
    "kokusai": _l("Helps in many languages with daily life and residence papers, and can come with you."),
}
EMERGENCY = {
    "110_119": _l("Police 110 / Ambulance or fire 119"),
    "189": _l("Child abuse hotline 189"),
    "dv": _l("Domestic violence consultation #8008"),
    "suicide": _l("Inochi no Denwa / Yorisoi Hotline"),
}


def label(table: dict, code: str) -> str:
    return str(table.get(code, code))


def asks_for_self(answers: Mapping[str, str]) -> bool:
    return answers.get("who", "self") == "self"


def question(step: str, answers: Mapping[str, str]) -> str:
    """The question for a step, worded for the person asking (their own support, or someone else's)."""
    if step == "consent" and asks_for_self(answers):
        step = "consent_self"
    return str(QUESTIONS[step])


def answer(step: str, value: str, answers: Mapping[str, str], areas: Iterable) -> str:
    """A stored answer in words, as the chat shows it back."""
    if step in ("ages", "concerns"):
        table = AGES if step == "ages" else CONCERNS
        return " / ".join(label(table, code) for code in value.split(",")) if value else _("I don't know")
    if step == "area":
        if not value:
            return _("I don't know / skipped")
        return next((area.name for area in areas if area.code == value), value)
    if step == "consent":
        return label(CONSENT_SELF if asks_for_self(answers) else CONSENT, value)
    return label(DANGER if step == "danger" else WHO, value)
