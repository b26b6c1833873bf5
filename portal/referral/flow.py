"""The question flow's state, read from the posted form alone: no session, no database row, no URL.

Each answered step travels as a hidden field named after it (``danger``, ``who``, ``ages``, ``concerns``,
``consent``, ``area``); the step being answered comes as ``step`` with ``answer`` (and ``dontknow``).
A hidden field that is repeated, unknown or out of place makes the flow ask that question again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from portal.referral.decide import Facts, Rules

STEPS = ("danger", "who", "ages", "concerns", "consent", "area")
MULTI = ("ages", "concerns")  # steps where several answers may be chosen
UNKNOWN = "unknown"  # "I don't know" for a one-answer step; multi steps and area store "" instead

# Why a question is asked again (the view turns these into sentences).
TAMPERED = "tampered"
REPEATED = "repeated"
ORDER = "order"
CHOOSE = "choose"


@dataclass
class FlowState:
    answers: dict[str, str] = field(default_factory=dict)  # step → stored value, in step order
    ask: str | None = None  # the step to ask now; None once every step is answered
    problem: str | None = None  # why the question is asked again
    previous: str | None = None  # the earlier answer when one is being changed

    @property
    def done(self) -> bool:
        return self.ask is None

    def chosen(self, step: str) -> list[str]:
        value = self.previous if step == self.ask else self.answers.get(step)
        return [v for v in (value or "").split(",") if v]


def allowed_values(step: str, rules: Rules, areas: Iterable[str]) -> tuple[str, ...]:
    if step in ("danger", "who"):
        return (*rules.answers[step], UNKNOWN)
    if step == "consent":
        return tuple(dict.fromkeys((*rules.answers["consent"], UNKNOWN)))
    if step == "ages":
        return tuple(rules.answers["ages"])
    if step == "concerns":
        return tuple(rules.concerns)
    return tuple(areas)


def _valid(step: str, value: str, allowed: tuple[str, ...]) -> bool:
    if step in MULTI:
        items = value.split(",") if value else []
        return all(item in allowed for item in items) and len(set(items)) == len(items)
    if step == "area":
        return value == "" or value in allowed
    return value in allowed


def _first_missing(answers: Mapping[str, str]) -> str | None:
    return next((step for step in STEPS if step not in answers), None)


def read_form(form, rules: Rules, areas: Iterable[str]) -> FlowState:
    """The flow's state from a posted form (a werkzeug MultiDict)."""
    areas = tuple(areas)
    state = FlowState()
    for step in STEPS:
        values = form.getlist(step)
        if not values:
            continue
        if len(values) > 1 or not _valid(step, values[0], allowed_values(step, rules, areas)):
            # Keep what came before; ask this again (later answers are dropped: they may rest on it).
            state.ask, state.problem = step, REPEATED if len(values) > 1 else TAMPERED
            return state
        state.answers[step] = values[0]
    changing = form.getlist("change")
    if len(changing) == 1 and changing[0] in state.answers:
        state.ask = changing[0]
        state.previous = state.answers.pop(changing[0])
        return state
    posted = form.getlist("step")
    expected = _first_missing(state.answers)
    if not posted or expected is None:  # nothing answered now, or a double-submitted last answer
        state.ask = expected
        return state
    if len(posted) > 1 or posted[0] != expected:
        state.ask, state.problem = expected, ORDER
        return state
    problem = _take_answer(state, expected, form, rules, areas)
    state.ask = expected if problem else _first_missing(state.answers)
    state.problem = problem
    return state


def _take_answer(state: FlowState, step: str, form, rules: Rules, areas: tuple[str, ...]) -> str | None:
    allowed = allowed_values(step, rules, areas)
    answers = [a for a in form.getlist("answer") if a != ""]
    if form.get("dontknow"):
        value = UNKNOWN if step in ("danger", "who", "consent") else ""
    elif step in MULTI:
        if not answers:
            return CHOOSE
        value = ",".join(dict.fromkeys(answers))  # a repeated box counts once
    else:
        if len(answers) != 1:
            return CHOOSE if not answers else TAMPERED
        value = answers[0]
    if not _valid(step, value, allowed):
        return TAMPERED
    state.answers[step] = value
    return None


def facts_from(answers: Mapping[str, str]) -> Facts:
    """The contract's facts for a completed flow; "I don't know" means the contract's default."""
    who = answers.get("who", UNKNOWN)
    consent = answers.get("consent", UNKNOWN)
    return Facts(
        who="self" if who == UNKNOWN else who,
        ages=tuple(v for v in answers.get("ages", "").split(",") if v),
        concerns=tuple(v for v in answers.get("concerns", "").split(",") if v),
        danger="yes" if answers.get("danger") == "yes" else "no",
        consent=consent,
        area=answers.get("area") or None,
    )


def query_for(answers: Mapping[str, str]) -> dict[str, str]:
    """The same facts as ``GET /api/v1/referral`` parameters (tests and the docs use this)."""
    facts = facts_from(answers)
    query = {"who": facts.who, "danger": facts.danger, "consent": facts.resolved_consent}
    if facts.ages:
        query["ages"] = ",".join(facts.ages)
    if facts.concerns:
        query["concerns"] = ",".join(facts.concerns)
    if facts.area:
        query["area"] = facts.area
    return query
