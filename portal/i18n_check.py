"""Checks on the message catalogs and templates (run by tests/test_i18n_catalogs.py and `make i18n-check`).

Like Indico's i18n lint: every catalog complete and not fuzzy, with the same placeholders and HTML tags as
the English msgid, the right number of plural forms; and no visible text in a template outside `_()` or
`{% trans %}`. `python -m portal.i18n_check` prints every problem and exits non-zero when there is one.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "translations"
PORTAL = Path(__file__).resolve().parent  # templates live in portal/templates and portal/<area>/templates
# %(name)s, %(count)d, %s and the like; "%%" is a literal percent sign.
PLACEHOLDER = re.compile(r"%(?:\([A-Za-z_][A-Za-z0-9_]*\))?[-#0 +]*\d*(?:\.\d+)?[sdifr]")
TAG = re.compile(r"</?([A-Za-z][A-Za-z0-9-]*)\b[^>]*>")
LETTER = re.compile(r"[^\W\d_]")
# Visible text a template may hold outside _(): the brand and the word "Language" (said in English
# beside the reader's language, for someone who cannot read the page).
ALLOWED_TEMPLATE_TEXT = {"つなぐ", "Language"}
VISIBLE_ATTRIBUTES = ("alt", "title", "placeholder", "aria-label", "aria-description", "label")


@dataclass(frozen=True)
class Problem:
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


def catalog_paths() -> list[Path]:
    return sorted(TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"))


def load(path: Path) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, locale=path.parent.parent.name)


def _forms(value: str | tuple | list | None) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def _placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text.replace("%%", "")))


def _tags(text: str) -> list[str]:
    return sorted(match.group(0).split()[0].rstrip(">").lower() for match in TAG.finditer(text))


def message_problems(message: Message, num_plurals: int) -> Iterator[str]:
    ids = _forms(message.id)
    strings = _forms(message.string)
    if message.fuzzy:
        yield "fuzzy"
    if not any(strings) or not all(strings):
        yield "untranslated"
        return
    if message.pluralizable and len(strings) != num_plurals:
        yield f"{len(strings)} plural forms, the language has {num_plurals}"
    # Every form must keep the msgid's named placeholders (a plural form may drop the count itself,
    # as "one result" may, so the count is compared loosely for plurals) and its HTML tags.
    wanted = _placeholders(ids[-1])
    for string in strings:
        found = _placeholders(string)
        if message.pluralizable:
            if set(found) - set(wanted) or (set(wanted) - set(found)) - {"%(count)s", "%(num)s", "%(n)s"}:
                yield f"placeholders {found} differ from {wanted}"
        elif found != wanted:
            yield f"placeholders {found} differ from {wanted}"
        if _tags(string) != _tags(ids[-1]):
            yield f"HTML tags {_tags(string)} differ from {_tags(ids[-1])}"


def catalog_problems(path: Path) -> Iterator[Problem]:
    catalog = load(path)
    name = path.parent.parent.name
    for message in catalog:
        if not message.id:
            continue
        for problem in message_problems(message, catalog.num_plurals):
            yield Problem(f"{name}: {_forms(message.id)[0]!r}", problem)


def template_catalog_problems() -> Iterator[Problem]:
    """Every catalog holds every msgid of the template (translations/messages.pot)."""
    pot = TRANSLATIONS / "messages.pot"
    if not pot.exists():
        yield Problem(str(pot), "missing: run `make i18n`")
        return
    with pot.open("rb") as handle:
        wanted = {message.id for message in read_po(handle) if message.id}
    for path in catalog_paths():
        have = {message.id for message in load(path) if message.id}
        for msgid in wanted - have:
            yield Problem(f"{path.parent.parent.name}: {_forms(msgid)[0]!r}", "missing: run `make i18n`")


# --- templates ------------------------------------------------------------------------------------------


SEPARATOR = " \ue000 "  # stands where an expression was; a private-use character, valid inside a tag
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _VisibleText(HTMLParser):
    """Collects text nodes and visible attribute values, skipping <script>, <style>, <code>, <pre>,
    and text deliberately in Japanese (inside an element marked lang="ja", e.g. for counter staff)."""

    SKIP = {"script", "style", "code", "pre"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[tuple[str, bool]] = []  # (tag, hides its text)
        self.found: list[str] = []

    def _hidden(self) -> bool:
        return any(hides for _, hides in self.open)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if not self._hidden():
            for name, value in attrs:
                if name in VISIBLE_ATTRIBUTES and value:
                    self.found.append(value)
        if tag not in VOID:
            japanese = (attributes.get("lang") or "").strip() == "ja"
            self.open.append((tag, tag in self.SKIP or japanese))

    def handle_endtag(self, tag):
        for index in range(len(self.open) - 1, -1, -1):
            if self.open[index][0] == tag:
                del self.open[index:]
                break

    def handle_data(self, data):
        if not self._hidden():
            self.found.append(data)


def template_text(source: str, env) -> list[str]:
    """Visible literal text in a Jinja template: data outside {{ }}, {% %}, {# #} and {% trans %} blocks."""
    pieces: list[str] = []
    in_trans = 0
    tag_name_next = False  # the next name token is the tag of a {% ... %} block
    for _, kind, value in env.lex(source):
        if kind == "block_begin":
            tag_name_next = True
        elif kind == "name" and tag_name_next:
            tag_name_next = False
            in_trans += {"trans": 1, "endtrans": -1}.get(value, 0)
        elif kind == "data" and not in_trans:
            pieces.append(value)
            continue
        # Anything that is not literal data separates text, as an expression would on the page;
        # right after "<" or "</" the expression is a tag's name (`<{{ heading }}>`).
        if pieces and pieces[-1].endswith(("<", "</")):
            pieces.append("jinja-tag")
        elif not pieces or pieces[-1] != SEPARATOR:
            pieces.append(SEPARATOR)
    parser = _VisibleText()
    parser.feed("".join(pieces))
    parser.close()
    texts = []
    for found in parser.found:
        for chunk in found.split(SEPARATOR.strip()):
            chunk = " ".join(chunk.split())
            if LETTER.search(chunk) and chunk.strip(" /·|()") not in ALLOWED_TEMPLATE_TEXT:
                texts.append(chunk)
    return texts


def template_problems(env) -> Iterator[Problem]:
    for path in sorted(PORTAL.glob("**/templates/**/*.html")):
        source = path.read_text(encoding="utf-8")
        for text in template_text(source, env):
            yield Problem(str(path.relative_to(ROOT)), f"text outside _(): {text!r}")


def all_problems(env=None) -> list[Problem]:
    if env is None:
        from jinja2 import Environment

        env = Environment(extensions=["jinja2.ext.i18n"], autoescape=True)
    problems = list(template_catalog_problems())
    for path in catalog_paths():
        problems.extend(catalog_problems(path))
    problems.extend(template_problems(env))
    return problems


def main() -> int:
    problems = all_problems()
    for problem in problems:
        print(problem)
    print(f"{len(problems)} problem(s) in {len(catalog_paths())} catalogs", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
