"""Print, per locale, the messages still to translate (untranslated or fuzzy) as JSON for translators.

    .venv/bin/python scripts/i18n_todo.py > todo.json            # every locale
    .venv/bin/python scripts/i18n_todo.py vi ne > todo.json      # some locales (public codes or catalogs)

The output is the input of scripts/i18n_apply.py: {locale: {msgid: ""}}, with a list of empty strings
(one per plural form of that language) for plural messages. Fill in the strings and apply the file.
The top-level "_notes" key (ignored by i18n_apply.py) gives each msgid's plural form, its Japanese
translation (the source staff read; what ja-easy rewrites simply) and translator comments.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from portal.i18n import find_locale  # noqa: E402
from portal.i18n_check import TRANSLATIONS, _forms, catalog_paths, load  # noqa: E402


def catalog_name(code: str) -> str:
    locale = find_locale(code)
    if locale is None:
        raise SystemExit(f"unknown locale {code!r}")
    return locale.catalog


def todo(wanted: list[str]) -> dict:
    japanese = {}
    ja_path = TRANSLATIONS / "ja" / "LC_MESSAGES" / "messages.po"
    if ja_path.exists():
        japanese = {_forms(m.id)[0]: m.string for m in load(ja_path) if m.id and all(_forms(m.string))}
    result: dict = {}
    notes: dict = {}
    for path in catalog_paths():
        name = path.parent.parent.name
        if wanted and name not in wanted:
            continue
        catalog = load(path)
        missing = {}
        for message in catalog:
            strings = _forms(message.string)
            if not message.id or (all(strings) and not message.fuzzy):
                continue
            msgid = _forms(message.id)[0]
            missing[msgid] = [""] * catalog.num_plurals if message.pluralizable else ""
            note = notes.setdefault(msgid, {})
            if message.pluralizable:
                note["msgid_plural"] = _forms(message.id)[1]
            if msgid in japanese:
                note["ja"] = japanese[msgid]
            if message.auto_comments:
                note["comments"] = list(message.auto_comments)
        if missing:
            result[name] = missing
    if notes:
        result["_notes"] = notes
    return result


def main(argv: list[str]) -> int:
    wanted = [catalog_name(code) for code in argv]
    data = todo(wanted)
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2, sort_keys=True)
    sys.stdout.write("\n")
    count = sum(len(v) for k, v in data.items() if not k.startswith("_"))
    print(f"{count} message(s) to translate", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
