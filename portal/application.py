"""The portal's Flask class: Flask's own, with three costs of every request paid once instead.

Why: a listing page's first view spends a fair part of its time in the machinery around the page rather
than in the page. Flask asks `inspect` whether each hook and view is a coroutine function on every
request (~25 asks a page); Jinja turns the environment's globals into the template's context by asking a
ChainMap for each of ~45 names, each a KeyError raised and caught; and every call a template makes
(`_()`, `chrome()`, `local_text()`, ~45 a page) goes through `Context.call`, which looks twice for a
`jinja_pass_arg` marker. Each class below keeps the stock behaviour and only skips work that cannot
change the answer; tests/test_application.py holds them to Flask's and Jinja's own answers.
"""

from __future__ import annotations

from collections import ChainMap
from collections.abc import Callable
from types import FunctionType
from typing import Any

from flask import Flask
from flask.templating import Environment
from jinja2 import pass_eval_context
from jinja2.runtime import Context
from jinja2.utils import internalcode

SYNC_CHECKS_KEPT = 1024  # hooks and views are a few hundred; callables made per request stop being kept here

# What Jinja's decorators mark a function with, read from the decorators rather than from Jinja's internals.
_PASS_EVAL_CONTEXT = pass_eval_context(lambda: None).jinja_pass_arg


class PortalContext(Context):
    @internalcode
    def call(__self, __obj: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:  # noqa: N805 (Jinja's names)
        """Context.call, without its two attribute look-ups for a plain function.

        A plain function's marker can only be in its own __dict__ (its __call__ is a method-wrapper,
        which carries none), so one dict look-up answers what Jinja's two hasattr calls do. Anything
        else (a bound method, a callable object, a function that wants the context or the environment)
        goes through Jinja's own call.
        """
        if __debug__:
            __traceback_hide__ = True  # noqa: F841 (read by debuggers, as in Jinja's own)
        if type(__obj) is FunctionType:
            pass_arg = __obj.__dict__.get("jinja_pass_arg")
            if pass_arg is None or pass_arg is _PASS_EVAL_CONTEXT:
                if pass_arg is not None:
                    args = (__self.eval_ctx, *args)
                kwargs.pop("_block_vars", None)
                kwargs.pop("_loop_vars", None)
                try:
                    return __obj(*args, **kwargs)
                except StopIteration:
                    return __self.environment.undefined(
                        "value was undefined because a callable raised a StopIteration exception"
                    )
        return super().call(__obj, *args, **kwargs)


class TemplateGlobals(ChainMap):
    """A template's globals over the environment's, as Jinja makes them, read without raising.

    Each render copies them into a dict, name by name; ChainMap's own look-up tries the template's (empty)
    map first and catches a KeyError for every name only the environment has."""

    def __getitem__(self, key: str) -> Any:
        for mapping in self.maps:
            if key in mapping:
                return mapping[key]
        return self.__missing__(key)


class PortalEnvironment(Environment):
    context_class = PortalContext

    def make_globals(self, d: dict[str, Any] | None) -> TemplateGlobals:
        return TemplateGlobals(d if d is not None else {}, self.globals)


class Portal(Flask):
    jinja_environment = PortalEnvironment

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._sync_checked: dict[Callable, Callable] = {}

    def ensure_sync(self, func: Callable) -> Callable:
        """Flask's answer for this hook or view, worked out once for each (it cannot change)."""
        try:
            return self._sync_checked[func]
        except KeyError:
            found = super().ensure_sync(func)
            if len(self._sync_checked) < SYNC_CHECKS_KEPT:
                self._sync_checked[func] = found
            return found
        except TypeError:  # an unhashable callable object
            return super().ensure_sync(func)
