"""The message catalogs: all eleven complete, no fuzzy, placeholders and tags kept, plurals right, and no
visible text in a template outside _(). Also the translators' round trip: i18n_todo.py → i18n_apply.py."""

from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path

import pytest
from babel.messages.catalog import Message
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po, write_po

from portal import i18n_check
from portal.i18n import LOCALES
from portal.i18n_check import catalog_paths, catalog_problems, message_problems, template_text

SCRIPTS = Path(__file__).resolve().parent.parent / "scripts"


def test_there_is_a_catalog_for_every_locale_and_no_other():
    names = {path.parent.parent.name for path in catalog_paths()}
    assert names == {loc.catalog for loc in LOCALES}
    assert "ja@easy" in names  # not ja-easy: Babel would read that as plain ja


@pytest.mark.parametrize("locale", LOCALES, ids=lambda loc: loc.code)
def test_every_catalog_is_complete_and_consistent(locale):
    path = i18n_check.TRANSLATIONS / locale.catalog / "LC_MESSAGES" / "messages.po"
    problems = [str(problem) for problem in catalog_problems(path)]
    assert not problems, "\n".join(problems)


def test_every_catalog_holds_every_extracted_message():
    problems = [str(problem) for problem in i18n_check.template_catalog_problems()]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("locale", LOCALES, ids=lambda loc: loc.code)
def test_plural_forms_follow_babel(locale):
    path = i18n_check.TRANSLATIONS / locale.catalog / "LC_MESSAGES" / "messages.po"
    catalog = i18n_check.load(path)
    assert catalog.num_plurals == get_plural(locale.catalog).num_plurals
    plurals = [message for message in catalog if message.pluralizable]
    assert plurals
    assert all(len(message.string) == catalog.num_plurals for message in plurals)


def test_japanese_has_one_plural_form_and_portuguese_two():
    assert get_plural("ja").num_plurals == 1 and get_plural("ja@easy").num_plurals == 1
    assert get_plural("pt_BR").num_plurals == 2


def test_templates_have_no_visible_text_outside_gettext(demo_app):
    problems = [str(problem) for problem in i18n_check.template_problems(demo_app.jinja_env)]
    assert not problems, "\n".join(problems)


def test_the_template_scan_finds_text_outside_gettext(demo_app):
    source = (
        "<h1>{{ _('Fine') }} Hello</h1><input placeholder=\"Type here\" aria-label=\"{{ _('ok') }}\">"
        '{% trans %}Inside trans{% endtrans %}<p>相談 {{ x }}</p><a title="つなぐ">110 #8008</a>'
        "<pre><code>flask --app portal seed-demo</code></pre>{# a comment #}"
    )
    assert template_text(source, demo_app.jinja_env) == ["Hello", "Type here", "相談"]


@pytest.mark.parametrize(
    ("msgid", "msgstr", "problem"),
    [
        ("Hello %(name)s", "こんにちは", "placeholders"),
        ("Hello %(name)s", "こんにちは %(nom)s", "placeholders"),
        ("Read <a>this</a>", "これを読む", "HTML tags"),
        ("Read <strong>this</strong>", "<em>これ</em>を読む", "HTML tags"),
        ("Page", "", "untranslated"),
    ],
)
def test_the_catalog_check_catches_broken_translations(msgid, msgstr, problem):
    found = list(message_problems(Message(msgid, msgstr), num_plurals=1))
    assert any(problem in text for text in found), found


def test_the_catalog_check_catches_fuzzy_and_wrong_plural_counts():
    assert "fuzzy" in list(message_problems(Message("Page", "ページ", flags=["fuzzy"]), 1))
    plural = Message(("%(count)s result", "%(count)s results"), ("%(count)s resultado",))
    assert any("plural forms" in text for text in message_problems(plural, 2))


def _script(name: str):
    spec = importlib.util.spec_from_file_location(name, SCRIPTS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def scratch_translations(tmp_path, monkeypatch):
    """A copy of translations/ that the scripts read and write instead of the real one."""
    copy = tmp_path / "translations"
    shutil.copytree(i18n_check.TRANSLATIONS, copy, ignore=shutil.ignore_patterns("*.mo"))
    monkeypatch.setattr(i18n_check, "TRANSLATIONS", copy)
    todo, apply = _script("i18n_todo"), _script("i18n_apply")
    monkeypatch.setattr(todo, "TRANSLATIONS", copy)
    monkeypatch.setattr(apply, "TRANSLATIONS", copy)
    return copy, todo, apply


def _blank(copy: Path, catalog_name: str, msgid: str, fuzzy: bool = False) -> None:
    path = copy / catalog_name / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        catalog = read_po(handle)
    message = catalog[msgid]
    message.string = ("",) * catalog.num_plurals if message.pluralizable else ""
    if fuzzy:
        message.string, message.flags = "Cảnh sát?", {"fuzzy"}
    with path.open("wb") as handle:
        write_po(handle, catalog)


def test_translators_round_trip_todo_then_apply(scratch_translations, tmp_path):
    copy, todo, apply = scratch_translations
    _blank(copy, "vi", "Police", fuzzy=True)
    _blank(copy, "ne", "%(count)s result")
    data = todo.todo([])
    assert data["vi"] == {"Police": ""}
    assert data["ne"] == {"%(count)s result": ["", ""]}  # Nepali has two plural forms
    assert data["_notes"]["Police"]["ja"] == "警察"
    assert data["_notes"]["%(count)s result"]["msgid_plural"] == "%(count)s results"

    data["vi"]["Police"] = "Cảnh sát"
    data["ne"]["%(count)s result"] = ["%(count)s नतिजा", "%(count)s नतिजाहरू"]
    (tmp_path / "done.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    assert apply.main([str(tmp_path / "done.json")]) == 0
    assert todo.todo([]) == {}
    assert not [p for path in catalog_paths() for p in catalog_problems(path)]


def test_apply_refuses_a_translation_that_breaks_placeholders(scratch_translations, tmp_path):
    copy, todo, apply = scratch_translations
    _blank(copy, "es", "Page %(page)s of %(pages)s")
    bad = {"es": {"Page %(page)s of %(pages)s": "Página %(pagina)s de %(pages)s"}, "xx": {"Police": "?"}}
    applied, errors = apply.apply(bad)
    assert applied == 0
    assert any("placeholders" in error for error in errors)
    assert any(error.startswith("xx:") for error in errors)
    assert todo.todo(["es"])["es"] == {"Page %(page)s of %(pages)s": ""}


def test_apply_accepts_public_locale_codes(scratch_translations):
    copy, todo, apply = scratch_translations
    _blank(copy, "ja@easy", "Police")
    assert apply.apply({"ja-easy": {"Police": "警察"}}) == (1, [])
    assert "ja@easy" not in todo.todo([])
