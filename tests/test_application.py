"""The portal's Flask class (portal/application.py) answers as Flask's and Jinja's own classes do."""

from __future__ import annotations

from collections import ChainMap

import pytest
from flask import Flask
from jinja2 import Environment, StrictUndefined, pass_context, pass_environment, pass_eval_context
from markupsafe import Markup

from portal.application import SYNC_CHECKS_KEPT, Portal, PortalContext, PortalEnvironment, TemplateGlobals


class Greeter:
    def __init__(self, greeting: str) -> None:
        self.greeting = greeting

    def greet(self, name: str) -> str:
        return f"{self.greeting}, {name}"

    @pass_context
    def __call__(self, context, name: str) -> str:
        return f"{self.greeting} {context.get('who')}, {name}"


@pass_context
def from_context(context, name: str) -> str:
    return f"{name}={context.get(name)}"


@pass_eval_context
def marked(eval_ctx, text: str):
    return Markup(text) if eval_ctx.autoescape else text  # noqa: S704  # nosec B704 (a test's own text)


@pass_environment
def from_environment(environment, name: str) -> str:
    return f"{name}:{environment.globals['site']}"


def stops() -> str:
    raise StopIteration


TEMPLATE = """{% set who = 'Aiko' %}{% block body %}{% set inner = 'block value' %}
plain={{ plain('x') }} lambda={{ shout('hi') }} kw={{ joined(a='1', b='2') }}
context={{ from_context('who') }} in-block={{ from_context('inner') }}
{% for item in ['x'] %}{% set looped = 'loop value' %}loop={{ from_context('looped') }}{% endfor %}
eval={{ marked('<b>bold</b>') }} environment={{ from_environment('site') }}
callable={{ greeter('Ben') }} method={{ greeter.greet('Chie') }} builtin={{ sorted([3, 1, 2]) }}
stopped={{ stops() is undefined }} global={{ site }} late={{ late }}
{% endblock %}"""


def render_with(environment: Environment) -> str:
    environment.globals.update(
        plain=lambda value: f"<{value}>", shout=str.upper, joined=lambda **kw: ",".join(kw.values()),
        from_context=from_context, marked=marked, from_environment=from_environment,
        greeter=Greeter("Hello"), sorted=sorted, stops=stops, site="tsunagu",
    )  # fmt: skip
    template = environment.from_string(TEMPLATE)
    environment.globals["late"] = "added after the template was loaded"
    return template.render()


@pytest.mark.parametrize("autoescape", [True, False])
def test_templates_call_functions_as_jinja_would(autoescape: bool) -> None:
    stock = Environment(autoescape=autoescape)  # noqa: S701  # nosec B701 (both ways, on purpose)
    ours = Environment(autoescape=autoescape)  # noqa: S701  # nosec B701
    ours.context_class = PortalContext
    ours.make_globals = PortalEnvironment.make_globals.__get__(ours)  # type: ignore[method-assign]
    expected = render_with(stock)
    assert "in-block=inner=block value" in expected and "loop=looped=loop value" in expected
    assert render_with(ours) == expected


def test_a_template_sees_its_own_globals_over_the_environments() -> None:
    environment = Environment(undefined=StrictUndefined, autoescape=True)
    environment.make_globals = PortalEnvironment.make_globals.__get__(environment)  # type: ignore[method-assign]
    environment.globals.update(site="tsunagu", city="midori")
    template = environment.from_string("{{ site }} {{ city }}", globals={"site": "own"})
    assert template.render() == "own midori"
    assert environment.globals["site"] == "tsunagu"  # the template's own never reach the environment
    globals_ = template.globals
    assert isinstance(globals_, TemplateGlobals)
    assert dict(globals_) == dict(ChainMap({"site": "own"}, environment.globals))
    with pytest.raises(KeyError):
        globals_["nowhere"]
    assert globals_.get("nowhere", "default") == "default"


def test_the_portal_renders_its_templates_through_the_portals_environment(app) -> None:
    assert isinstance(app, Portal)
    assert isinstance(app.jinja_env, PortalEnvironment)
    template = app.jinja_env.get_template("base.html")
    assert isinstance(template.new_context({}), PortalContext)


def test_hooks_are_checked_for_async_once_and_answered_as_flask_does() -> None:
    app, stock = Portal(__name__), Flask(__name__)

    def hook():
        return "sync"

    async def coroutine_hook():
        return "async"

    assert app.ensure_sync(hook) is hook and app.ensure_sync(hook) is stock.ensure_sync(hook)
    for flask_app in (app, stock):  # without asgiref, both refuse the same way; twice, from what was kept
        for _ in range(2):
            try:
                answer = type(flask_app.ensure_sync(coroutine_hook)).__name__
            except RuntimeError as error:
                answer = str(error)
            if flask_app is app:
                ours = answer
    assert ours == answer

    class Unhashable:
        __hash__ = None  # type: ignore[assignment]

        def __call__(self):
            return "called"

    unhashable = Unhashable()
    assert app.ensure_sync(unhashable) is unhashable


def test_callables_made_per_request_are_not_kept_past_the_bound() -> None:
    app = Portal(__name__)
    for number in range(SYNC_CHECKS_KEPT + 50):
        made = eval(f"lambda: {number}")  # noqa: S307  # nosec B307 (a new function each time)
        assert app.ensure_sync(made)() == number
    assert len(app._sync_checked) == SYNC_CHECKS_KEPT
