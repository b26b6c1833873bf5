"""The guided question flow: one question at a time, answers carried in the form, nothing kept.

- ``/consult`` (GET): the first question. POST: the next question, or the result once all are answered.
- ``/consult/counter`` (POST): the result in the reader's language and Japanese, side by side, to show staff.

Every answer travels back and forth in hidden fields of POSTed forms: no session, no cookie, no URL,
no log line. htmx swaps the conversation in place and keeps no history snapshot (``hx-history="false"``).
"""

from __future__ import annotations

from collections.abc import Mapping

from flask import Blueprint, Response, render_template, request
from markupsafe import Markup, escape

from portal.extensions import csrf
from portal.htmx_util import wants_fragment
from portal.i18n import current_locale, force_locale
from portal.i18n import lazy_gettext as _l
from portal.referral import kept_resources, kept_windows, labels, rules
from portal.referral.decide import decide
from portal.referral.flow import CHOOSE, ORDER, REPEATED, STEPS, TAMPERED, FlowState, facts_from, read_form
from portal.referral.places import find_area, windows_for
from portal.referral.summary import FlowResult, build_result
from portal.templating import all_areas

bp = Blueprint("referral", __name__, url_prefix="/consult")
# No CSRF token: the flow changes nothing and keeps nothing, and a token would need a session cookie
# (and expire while a resident thinks). Nothing here can be forged into a side effect.
csrf.exempt(bp)


@bp.after_request
def keep_nothing(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.vary.update(("HX-Request",))
    return response


PROBLEMS = {
    TAMPERED: _l("We could not read one of your answers, so we ask this question again."),
    REPEATED: _l("One of your answers came twice, so we ask this question again."),
    ORDER: _l("Please answer this question first."),
    CHOOSE: _l("Please choose at least one answer, or press “I don't know”."),
}


@bp.app_template_global()
def hidden_answers(answers: Mapping[str, str]) -> Markup:
    """The answers so far as hidden fields: every form in the flow carries them (and nothing else)."""
    fields = (f'<input type="hidden" name="{escape(k)}" value="{escape(v)}">' for k, v in answers.items())
    return Markup("\n".join(fields))  # noqa: S704  # nosec B704 (each value escaped above)


def problem_message(problem: str | None) -> str | None:
    return str(PROBLEMS[problem]) if problem in PROBLEMS else None


def _state() -> FlowState:
    if request.method == "GET":
        return FlowState(ask=STEPS[0])
    return read_form(request.form, rules(), [area.code for area in all_areas()])


def _render(state: FlowState, status: int = 200):
    context = {
        "state": state,
        "steps": STEPS,
        "labels": labels,
        "message": problem_message(state.problem),
        "groups": rules().concerns_by_group(),
        "areas": all_areas(),
        "result": _result(state) if state.done else None,
    }
    template = "referral/_conversation.html" if wants_fragment() else "referral/start.html"
    return render_template(template, **context), (422 if state.problem else status)


def _result(state: FlowState, lang: str | None = None) -> FlowResult:
    facts = facts_from(state.answers)
    decision = decide(facts, rules())
    area = find_area(all_areas(), facts.area)
    return build_result(
        facts=facts,
        decision=decision,
        answers=state.answers,
        windows=windows_for(kept_windows(), decision.windows, area),
        resources=kept_resources(area) if decision.participation else [],
        area=area,
        lang=lang or current_locale().code,
    )


@bp.route("", methods=["GET", "POST"])
def start():
    return _render(_state())


@bp.post("/counter")
def counter():
    state = _state()
    if not state.done or state.problem:
        return _render(state)
    ours = _result(state)
    columns = [ours]
    if current_locale().code != "ja":
        with force_locale("ja"):
            japanese = _result(state, lang="ja")
            japanese_html = Markup(  # noqa: S704 (rendered by our own autoescaping template)  # nosec B704
                render_template("referral/_counter_column.html", result=japanese, side="ja", labels=labels)
            )
    else:
        japanese_html = None
    return render_template(
        "referral/counter.html", result=ours, columns=columns, japanese_html=japanese_html, labels=labels
    )
