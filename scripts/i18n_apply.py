"""Merge translations from a JSON file {locale: {msgid: msgstr}} into the .po catalogs.

    .venv/bin/python scripts/i18n_apply.py todo.json [more.json ...] && make i18n

Locales may be public codes (ja-easy, pt-BR, zh-Hans) or catalog names (ja@easy, pt_BR). A plural
message takes a list with one string per plural form of the language (scripts/i18n_todo.py writes the
right number of slots). Each translation is checked like the catalog test (placeholders and HTML tags as in
the msgid, plural forms); a bad one is reported and left out; an empty one is skipped. Applied messages
lose their fuzzy flag. Top-level keys starting with "_" (notes) are ignored. Exits 1 when anything was
left out, so a script can stop.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from babel.messages.pofile import write_po

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from portal.i18n import find_locale  # noqa: E402
from portal.i18n_check import TRANSLATIONS, load, message_problems  # noqa: E402


def apply(data: dict) -> tuple[int, list[str]]:
    applied, errors = 0, []
    for code, translations in data.items():
        if code.startswith("_"):
            continue
        locale = find_locale(code)
        path = TRANSLATIONS / (locale.catalog if locale else code) / "LC_MESSAGES" / "messages.po"
        if locale is None or not path.exists():
            errors.append(f"{code}: no catalog (run `make i18n` after adding the locale)")
            continue
        catalog = load(path)
        for msgid, value in translations.items():
            message = catalog.get(msgid)
            if message is None:
                errors.append(f"{code}: {msgid!r} is not in the catalog (run `make i18n` first?)")
                continue
            if not value or (isinstance(value, list) and not any(value)):
                continue
            old = (message.string, set(message.flags))
            message.string = tuple(value) if message.pluralizable else value
            message.flags.discard("fuzzy")
            problems = list(message_problems(message, catalog.num_plurals))
            if message.pluralizable and not isinstance(value, list):
                problems.append("a plural message needs a list of forms")
            if problems:
                message.string, message.flags = old[0], old[1]
                errors.append(f"{code}: {msgid!r}: {'; '.join(problems)}")
                continue
            applied += 1
        with path.open("wb") as handle:
            write_po(handle, catalog, width=76)
    return applied, errors


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    applied, errors = 0, []
    for name in argv:
        count, problems = apply(json.loads(Path(name).read_text(encoding="utf-8")))
        applied += count
        errors.extend(problems)
    for error in errors:
        print(error, file=sys.stderr)
    print(f"{applied} translation(s) applied, {len(errors)} left out", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
