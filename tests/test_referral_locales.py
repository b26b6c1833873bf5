"""The guided flow completes in every language the portal offers, with no English message leaking."""

from __future__ import annotations

import re

import pytest

from portal.i18n import LOCALES
from tests.test_i18n_pages import translations, visible_texts
from tests.test_referral_flow import SITUATIONS, decision_on, walk

NEIGHBOUR_8050 = SITUATIONS[0]


def english_pieces(catalog: str) -> set[str]:
    """English msgid pieces (cut at placeholders) longer than 12 letters that this catalog translates."""
    translated = translations(catalog)
    english = translations("en")
    return {
        piece.strip()
        for msgid in english
        if translated.get(msgid) not in ("", msgid)
        for piece in re.split(r"%\(\w+\)s", msgid)
        if len(piece.strip()) > 12
    }


@pytest.mark.parametrize("locale", [loc for loc in LOCALES if loc.code != "en"], ids=lambda loc: loc.code)
def test_a_neighbour_completes_the_flow_in_every_language(demo_app, locale):
    client = demo_app.test_client()
    client.get(f"/?lang={locale.code}")  # the language switcher's cookie carries the choice
    result = walk(client, NEIGHBOUR_8050)
    assert result.html["lang"] == locale.html_lang
    decision = decision_on(result)
    assert decision["primary"] == "fukushi_sougou" and decision["multi_agency"] and decision["outreach"]
    text = "\n".join(visible_texts(result, locale.html_lang))
    leaked = sorted(piece for piece in english_pieces(locale.catalog) if piece in text)
    assert not leaked, f"the flow's result in {locale.code} shows English: {leaked}"
