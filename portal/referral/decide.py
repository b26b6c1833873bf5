"""The referral decision (contracts §1): which windows a resident's worries go to.

Pure Python: no Flask, no database. Every window, concern and emergency number comes from a
rules file (``rules.yaml`` beside this module, or a city's edited copy), so the question flow
and ``GET /api/v1/referral`` give the same answer from the same data.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

DEFAULT_RULES_PATH = Path(__file__).with_name("rules.yaml")

BY_AGE = "by_age"  # a concern's window that depends on the ages given
NO_AGE = "none"  # the by_age key used when no age was given
SELF = "self"  # who: the person themself

# Answers the contract itself relies on (the defaults of Facts); a rules file must keep them.
_REQUIRED_ANSWERS = {"who": ("self",), "ages": (), "danger": ("no",), "consent": ("yes", "unknown")}
_CODE = re.compile(r"^[a-z0-9][a-z0-9_]*$")
_MAX_SHOWN = 80  # characters of a bad value quoted in an error message


class RulesError(ValueError):
    """The rules file is missing, not valid YAML, or says something impossible."""


class FactsError(ValueError):
    """A fact has a value the rules do not know; ``param`` and ``value`` name it."""

    def __init__(self, param: str, value: str, message: str) -> None:
        super().__init__(message)
        self.param = param
        self.value = value
        self.message = message


@dataclass(frozen=True)
class Facts:
    """What the question flow (or the API's query string) found out."""

    who: str = "self"
    ages: tuple[str, ...] = ()
    concerns: tuple[str, ...] = ()
    danger: str = "no"
    consent: str | None = None
    area: str | None = None

    @property
    def resolved_consent(self) -> str:
        """``consent``, or its default: ``yes`` when the person asks themself, else ``unknown``."""
        if self.consent is not None:
            return self.consent
        return "yes" if self.who == SELF else "unknown"


@dataclass(frozen=True)
class Decision:
    emergency: list[str]
    primary: str
    windows: list[str]
    multi_agency: bool
    outreach: bool
    participation: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "emergency": list(self.emergency),
            "primary": self.primary,
            "windows": list(self.windows),
            "multi_agency": self.multi_agency,
            "outreach": self.outreach,
            "participation": self.participation,
        }


@dataclass(frozen=True)
class AgeException:
    """For one age: ``then`` when ``if_also`` is also a concern, else ``otherwise``."""

    if_also: str
    then: str
    otherwise: str


@dataclass(frozen=True)
class Concern:
    code: str
    window: str  # a window code, or BY_AGE
    group: str
    emergency: bool
    age_exceptions: Mapping[str, AgeException]


@dataclass(frozen=True)
class EmergencyRule:
    """An emergency number, shown when every condition given holds."""

    code: str
    danger: str | None = None
    concern: str | None = None
    age: str | None = None

    def applies(self, facts: Facts) -> bool:
        return (
            (self.danger is None or facts.danger == self.danger)
            and (self.concern is None or self.concern in facts.concerns)
            and (self.age is None or self.age in facts.ages)
        )


@dataclass(frozen=True)
class Rules:
    path: Path
    field_windows: tuple[str, ...]
    coordination_window: str
    beside_windows: tuple[str, ...]
    answers: Mapping[str, tuple[str, ...]]
    groups: tuple[str, ...]
    by_age: Mapping[str, str]
    concerns: Mapping[str, Concern]
    coordination_exempt: frozenset[str]
    emergency: tuple[EmergencyRule, ...]
    participation_concerns: frozenset[str]
    outreach_consent: frozenset[str]
    outreach_consent_if_asked_by_other: frozenset[str]

    @property
    def window_codes(self) -> tuple[str, ...]:
        """Every window code: field windows, the coordination window, windows added beside."""
        return (*self.field_windows, self.coordination_window, *self.beside_windows)

    def concerns_by_group(self) -> dict[str, list[str]]:
        """Concern codes per life area, both in the order of the rules file (for the flow UI)."""
        grouped: dict[str, list[str]] = {group: [] for group in self.groups}
        for concern in self.concerns.values():
            grouped[concern.group].append(concern.code)
        return grouped

    def windows_for(self, concern: str, ages: Iterable[str], concerns: Iterable[str]) -> list[str]:
        """The windows one concern maps to, given the ages and all the concerns named."""
        entry = self.concerns[concern]
        if entry.window != BY_AGE:
            return [entry.window]
        named = set(concerns)
        windows = []
        for age in tuple(ages) or (NO_AGE,):
            exception = entry.age_exceptions.get(age)
            if exception is None:
                windows.append(self.by_age[age])
            else:
                windows.append(exception.then if exception.if_also in named else exception.otherwise)
        return windows


# ---------------------------------------------------------------------------------------------
# Facts


def _shown(value: str) -> str:
    return repr(value if len(value) <= _MAX_SHOWN else value[:_MAX_SHOWN] + "…")


def _check_value(param: str, value: str, allowed: Iterable[str]) -> None:
    allowed = tuple(allowed)
    if value not in allowed:
        raise FactsError(
            param, value, f"unknown {param} value {_shown(value)}; expected one of: {', '.join(allowed)}"
        )


def _raw(params: Mapping[str, str], name: str) -> str | None:
    getlist = getattr(params, "getlist", None)  # a MultiDict: ?ages=child&ages=senior
    if callable(getlist):
        values = [str(v) for v in getlist(name)]
        return ",".join(values) if values else None
    value = params.get(name)
    return None if value is None else str(value)


def _one(params: Mapping[str, str], name: str, allowed: Iterable[str]) -> str | None:
    raw = _raw(params, name)
    value = raw.strip() if raw is not None else ""
    if not value:
        return None
    _check_value(name, value, allowed)
    return value


def _many(params: Mapping[str, str], name: str, allowed: Iterable[str]) -> tuple[str, ...]:
    allowed = tuple(allowed)
    values: dict[str, None] = {}
    for item in (_raw(params, name) or "").split(","):
        value = item.strip()
        if value:
            _check_value(name, value, allowed)
            values[value] = None
    return tuple(values)


def parse_facts(params: Mapping[str, str], rules: Rules) -> Facts:
    """Facts from query-string style values (``ages=child,senior``); unknown values raise FactsError.

    Comma lists tolerate spaces and empty items and drop repeats; an empty value means "not
    given". Parameters other than the facts (``lang``, ...) are ignored.
    """
    area = (_raw(params, "area") or "").strip()
    return Facts(
        who=_one(params, "who", rules.answers["who"]) or "self",
        ages=_many(params, "ages", rules.answers["ages"]),
        concerns=_many(params, "concerns", rules.concerns),
        danger=_one(params, "danger", rules.answers["danger"]) or "no",
        consent=_one(params, "consent", rules.answers["consent"]),
        area=area or None,
    )


def _check_facts(facts: Facts, rules: Rules) -> None:
    _check_value("who", facts.who, rules.answers["who"])
    for age in facts.ages:
        _check_value("ages", age, rules.answers["ages"])
    for concern in facts.concerns:
        _check_value("concerns", concern, rules.concerns)
    _check_value("danger", facts.danger, rules.answers["danger"])
    if facts.consent is not None:
        _check_value("consent", facts.consent, rules.answers["consent"])


# ---------------------------------------------------------------------------------------------
# The decision


def _emergency(facts: Facts, rules: Rules) -> list[str]:
    numbers: list[str] = []
    for rule in rules.emergency:
        if rule.applies(facts) and rule.code not in numbers:
            numbers.append(rule.code)
    return numbers


def _mapped(facts: Facts, rules: Rules) -> dict[str, set[str]]:
    """Window code → the concerns that mapped to it."""
    mapped: dict[str, set[str]] = {}
    ages = tuple(dict.fromkeys(facts.ages))
    for concern in dict.fromkeys(facts.concerns):
        for window in rules.windows_for(concern, ages, facts.concerns):
            mapped.setdefault(window, set()).add(concern)
    return mapped


def _primary(field: list[str], multi_agency: bool, mapped: Mapping[str, set[str]], rules: Rules) -> str:
    if multi_agency:
        return rules.coordination_window
    if len(field) == 1:
        return field[0]
    # Only a window added beside (e.g. language → kokusai) was named: it is all there is.
    if len(mapped) == 1 and (only := next(iter(mapped))) in rules.beside_windows:
        return only
    return rules.coordination_window


def _outreach(facts: Facts, rules: Rules) -> bool:
    consent = facts.resolved_consent
    return consent in rules.outreach_consent or (
        consent in rules.outreach_consent_if_asked_by_other and facts.who != SELF
    )


def decide(facts: Facts, rules: Rules) -> Decision:
    """Contracts §1, steps 1-7, driven by ``rules``; unknown fact values raise FactsError."""
    _check_facts(facts, rules)
    mapped = _mapped(facts, rules)
    coordination_window = rules.coordination_window
    field = [window for window in rules.field_windows if window in mapped]
    coordination = any(c not in rules.coordination_exempt for c in mapped.get(coordination_window, ()))
    multi_agency = len(field) >= 2 or coordination
    primary = _primary(field, multi_agency, mapped, rules)
    windows = [primary]
    for window in (*field, coordination_window, *rules.beside_windows):
        if window in mapped and window not in windows:
            windows.append(window)
    return Decision(
        emergency=_emergency(facts, rules),
        primary=primary,
        windows=windows,
        multi_agency=multi_agency,
        outreach=_outreach(facts, rules),
        participation=any(c in rules.participation_concerns for c in facts.concerns),
    )


# ---------------------------------------------------------------------------------------------
# Loading and checking the rules file


class _Loader(yaml.SafeLoader):
    """SafeLoader where only true/false are booleans: an unquoted yes/no stays text (as in YAML 1.2)."""


_BOOL = "tag:yaml.org,2002:bool"
_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != _BOOL]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(_BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))

Where = tuple[str | int, ...]


class _Checker:
    """Turns the loaded YAML into Rules, naming the file and line of the first mistake."""

    def __init__(self, path: Path, root: yaml.Node | None) -> None:
        self.path = path
        self.root = root

    def line(self, where: Where) -> int:
        node = self.root
        if node is None:
            return 1
        line = node.start_mark.line + 1
        for part in where:
            if isinstance(node, yaml.MappingNode):
                for key, value in node.value:
                    if isinstance(key, yaml.ScalarNode) and key.value == str(part):
                        line, node = key.start_mark.line + 1, value
                        break
                else:
                    break
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
                node = node.value[part]
                line = node.start_mark.line + 1
            else:
                break
        return line

    def fail(self, where: Where, message: str) -> RulesError:
        place = ".".join(str(p) for p in where)
        return RulesError(f"{self.path}:{self.line(where)}: {place + ': ' if place else ''}{message}")

    def check_duplicates(self, node: yaml.Node | None) -> None:
        if isinstance(node, yaml.MappingNode):
            seen: set[str] = set()
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode):
                    if key.value in seen:
                        line = key.start_mark.line + 1
                        raise RulesError(f"{self.path}:{line}: {key.value!r} is given twice")
                    seen.add(key.value)
                self.check_duplicates(value)
        elif isinstance(node, yaml.SequenceNode):
            for item in node.value:
                self.check_duplicates(item)

    # typed readers -------------------------------------------------------------------------

    def mapping(self, where: Where, value: Any, required: set[str], optional: Iterable[str] = ()) -> dict:
        if not isinstance(value, dict):
            raise self.fail(where, "expected a mapping (key: value lines)")
        allowed = required | set(optional)
        for key in value:
            if key not in allowed:
                known = ", ".join(sorted(allowed))
                raise self.fail((*where, key), f"unknown key {key!r}; expected: {known}")
        for key in sorted(required):
            if key not in value:
                raise self.fail(where, f"missing {key!r}")
        return value

    def code(self, where: Where, value: Any) -> str:
        if not isinstance(value, str):
            raise self.fail(where, f"expected a code in quotes, got {value!r}")
        if not _CODE.match(value):
            raise self.fail(where, f"{value!r} is not a code (lower-case letters, digits and _)")
        return value

    def codes(self, where: Where, value: Any, allow_empty: bool = False) -> tuple[str, ...]:
        if not isinstance(value, list) or (not value and not allow_empty):
            raise self.fail(where, "expected a list such as [a, b]" + ("" if allow_empty else " (not empty)"))
        result: list[str] = []
        for i, item in enumerate(value):
            code = self.code((*where, i), item)
            if code in result:
                raise self.fail((*where, i), f"{code!r} is listed twice")
            result.append(code)
        return tuple(result)

    def one_of(self, where: Where, value: Any, allowed: Iterable[str], what: str) -> str:
        code = self.code(where, value)
        allowed = tuple(allowed)
        if code not in allowed:
            raise self.fail(where, f"unknown {what} {code!r}; expected one of: {', '.join(allowed)}")
        return code

    def all_of(self, where: Where, value: Any, allowed: Iterable[str], what: str) -> frozenset[str]:
        codes = self.codes(where, value, allow_empty=True)
        for i, code in enumerate(codes):
            self.one_of((*where, i), code, allowed, what)
        return frozenset(codes)

    # sections ------------------------------------------------------------------------------

    def windows(self, data: Any) -> tuple[tuple[str, ...], str, tuple[str, ...]]:
        where = ("windows",)
        section = self.mapping(where, data, {"field", "coordination"}, {"beside"})
        field = self.codes((*where, "field"), section["field"])
        coordination = self.code((*where, "coordination"), section["coordination"])
        beside = self.codes((*where, "beside"), section.get("beside", []), allow_empty=True)
        seen = set(field)
        for key, codes in (("coordination", (coordination,)), ("beside", beside)):
            for code in codes:
                if code in seen or code == BY_AGE:
                    raise self.fail((*where, key), f"window {code!r} is given twice or is reserved")
                seen.add(code)
        return field, coordination, beside

    def answers(self, data: Any) -> dict[str, tuple[str, ...]]:
        where = ("answers",)
        section = self.mapping(where, data, set(_REQUIRED_ANSWERS))
        answers = {}
        for name, required in _REQUIRED_ANSWERS.items():
            answers[name] = self.codes((*where, name), section[name])
            for value in required:
                if value not in answers[name]:
                    raise self.fail((*where, name), f"must include {value!r}")
        if NO_AGE in answers["ages"]:
            raise self.fail((*where, "ages"), f"{NO_AGE!r} is reserved for 'no age given'")
        return answers

    def by_age(self, data: Any, ages: tuple[str, ...], windows: tuple[str, ...]) -> dict[str, str]:
        where = ("by_age",)
        section = self.mapping(where, data, {*ages, NO_AGE})
        return {age: self.one_of((*where, age), section[age], windows, "window") for age in (*ages, NO_AGE)}

    def concerns(self, data: Any, rules: dict[str, Any]) -> dict[str, Concern]:
        where = ("concerns",)
        if not isinstance(data, dict) or not data:
            raise self.fail(where, "expected a mapping of concern codes")
        codes = [self.code((*where, code), code) for code in data]
        concerns = {}
        for code in codes:
            here = (*where, code)
            entry = self.mapping(here, data[code], {"window", "group"}, {"emergency", "age_exceptions"})
            window = self.one_of((*here, "window"), entry["window"], (*rules["windows"], BY_AGE), "window")
            group = self.one_of((*here, "group"), entry["group"], rules["groups"], "group")
            emergency = entry.get("emergency", False)
            if not isinstance(emergency, bool):
                raise self.fail((*here, "emergency"), "expected true or false")
            exceptions = entry.get("age_exceptions", {})
            if exceptions and window != BY_AGE:
                raise self.fail((*here, "age_exceptions"), f"only a concern with window {BY_AGE} has these")
            exceptions = self.age_exceptions((*here, "age_exceptions"), exceptions, codes, rules)
            concerns[code] = Concern(code, window, group, emergency, exceptions)
        return concerns

    def age_exceptions(
        self, where: Where, data: Any, concerns: list[str], rules: dict[str, Any]
    ) -> Mapping[str, AgeException]:
        section = self.mapping(where, data, set(), {*rules["ages"], NO_AGE})
        exceptions = {}
        for age, value in section.items():
            entry = self.mapping((*where, age), value, {"if_also", "then", "else"})
            exceptions[age] = AgeException(
                if_also=self.one_of((*where, age, "if_also"), entry["if_also"], concerns, "concern"),
                then=self.one_of((*where, age, "then"), entry["then"], rules["windows"], "window"),
                otherwise=self.one_of((*where, age, "else"), entry["else"], rules["windows"], "window"),
            )
        return MappingProxyType(exceptions)

    def emergency(
        self, data: Any, concerns: Mapping[str, Concern], answers: dict[str, tuple[str, ...]]
    ) -> tuple[EmergencyRule, ...]:
        where: Where = ("emergency",)
        if not isinstance(data, list):
            raise self.fail(where, "expected a list of rules")
        rules: list[EmergencyRule] = []
        for i, value in enumerate(data):
            here = (*where, i)
            entry = self.mapping(here, value, {"code"}, {"danger", "concern", "age"})
            if len(entry) < 2:
                raise self.fail(here, "a rule needs at least one condition: danger, concern or age")
            code = self.code((*here, "code"), entry["code"])
            if any(rule.code == code for rule in rules):
                raise self.fail((*here, "code"), f"emergency code {code!r} is given twice")
            rules.append(
                EmergencyRule(
                    code=code,
                    danger=self.optional(here, entry, "danger", answers["danger"], "danger value"),
                    concern=self.optional(here, entry, "concern", concerns, "concern"),
                    age=self.optional(here, entry, "age", answers["ages"], "age"),
                )
            )
        named = {rule.concern for rule in rules}
        for code, concern in concerns.items():
            if concern.emergency != (code in named):
                state = "says emergency: true but no" if concern.emergency else "is named by an"
                raise self.fail(
                    ("concerns", code), f"concern {code!r} {state} emergency rule; make the two agree"
                )
        return tuple(rules)

    def optional(self, where: Where, entry: dict, key: str, allowed: Iterable[str], what: str) -> str | None:
        return self.one_of((*where, key), entry[key], allowed, what) if key in entry else None

    def outreach(self, data: Any, consent: tuple[str, ...]) -> tuple[frozenset[str], frozenset[str]]:
        where = ("outreach",)
        keys = ("consent", "consent_if_asked_by_other")
        section = self.mapping(where, data, set(keys))
        first, second = (self.all_of((*where, key), section[key], consent, "consent value") for key in keys)
        return first, second

    def rules(self, data: Any) -> Rules:
        top_keys = {
            "windows", "answers", "groups", "by_age", "concerns", "coordination_exempt",
            "emergency", "participation_concerns", "outreach",
        }  # fmt: skip
        top = self.mapping((), data, top_keys, {"version"})
        if top.get("version", 1) != 1:
            raise self.fail(("version",), "only version 1 is understood")
        field, coordination, beside = self.windows(top["windows"])
        windows = (*field, coordination, *beside)
        answers = self.answers(top["answers"])
        groups = self.codes(("groups",), top["groups"])
        by_age = self.by_age(top["by_age"], answers["ages"], windows)
        context = {"windows": windows, "groups": groups, "ages": answers["ages"]}
        concerns = self.concerns(top["concerns"], context)
        exempt = self.all_of(("coordination_exempt",), top["coordination_exempt"], concerns, "concern")
        emergency = self.emergency(top["emergency"], concerns, answers)
        participation = self.all_of(
            ("participation_concerns",), top["participation_concerns"], concerns, "concern"
        )
        outreach_consent, outreach_other = self.outreach(top["outreach"], answers["consent"])
        return Rules(
            path=self.path,
            field_windows=field,
            coordination_window=coordination,
            beside_windows=beside,
            answers=MappingProxyType(answers),
            groups=groups,
            by_age=MappingProxyType(by_age),
            concerns=MappingProxyType(concerns),
            coordination_exempt=exempt,
            emergency=emergency,
            participation_concerns=participation,
            outreach_consent=outreach_consent,
            outreach_consent_if_asked_by_other=outreach_other,
        )


def load_rules(path: str | os.PathLike[str] | None = None) -> Rules:
    """Read and check a rules file (default: rules.yaml beside this module).

    Raises RulesError, naming the file and line, when the file cannot be read, is not valid
    YAML, or names an unknown window, concern, age, group or answer.
    """
    rules_path = Path(path) if path is not None else DEFAULT_RULES_PATH
    try:
        text = rules_path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RulesError(f"{rules_path}: cannot read the rules file: {exc}") from exc
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
        data = loader.construct_document(root) if root is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f"{mark.line + 1}:" if mark is not None else ""
        problem = ": ".join(p for p in (exc.context, exc.problem) if p)
        raise RulesError(f"{rules_path}:{line} not valid YAML: {problem}") from exc
    except yaml.YAMLError as exc:
        position = getattr(exc, "position", None)
        line = f"{text.count(chr(10), 0, position) + 1}:" if isinstance(position, int) else ""
        raise RulesError(f"{rules_path}:{line} not valid YAML: {exc}") from exc
    finally:
        loader.dispose()
    checker = _Checker(rules_path, root)
    checker.check_duplicates(root)
    return checker.rules(data)
