"""Furigana for やさしい日本語: readings from SudachiPy (core dictionary), split at okurigana, overrides."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from portal.furigana import add_ruby_to_html, overrides, ruby, ruby_name


def readings(html: str) -> list[tuple[str, str]]:
    """(base, reading) for every <ruby> in the HTML."""
    soup = BeautifulSoup(str(html), "html.parser")
    pairs = []
    for element in soup.select("ruby"):
        reading = "".join(rt.get_text() for rt in element.select("rt"))
        for extra in element.select("rt, rp"):
            extra.decompose()
        pairs.append((element.get_text(), reading))
    return pairs


def reading_of(text: str) -> str:
    return "".join(reading for _, reading in readings(ruby(text)))


@pytest.mark.parametrize(
    ("word", "reading"), [("介護", "かいご"), ("生活困窮", "せいかつこんきゅう"), ("豊田市", "とよたし")]
)
def test_common_welfare_words_read_as_residents_say_them(word, reading):
    assert reading_of(word) == reading


def test_okurigana_stay_outside_the_ruby():
    html = ruby("生きる")
    assert readings(html) == [("生", "い")]
    assert BeautifulSoup(str(html), "html.parser").get_text().endswith("きる")
    assert str(html).startswith("<ruby>生<rp>(</rp><rt>い</rt><rp>)</rp></ruby>きる")


def test_kana_and_latin_text_get_no_ruby():
    assert readings(ruby("ひらがな と カタカナ and English 110")) == []


def test_html_in_the_text_is_escaped_not_rendered():
    html = str(ruby('<script>alert("介護")</script>'))
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert ("介護", "かいご") in readings(html)


def test_overrides_win_over_the_analyser():
    assert overrides()["明日"] == "あした"  # core reads 明日 as あす
    assert reading_of("明日") == "あした"
    assert readings(ruby("65歳以上の方"))[-2:] == [("以上", "いじょう"), ("方", "かた")]  # not ほう


def test_a_name_uses_its_human_reading():
    # The analyser reads 豊田 as とよた; a family name might be とよだ, and the listing says so.
    assert readings(ruby_name("豊田さんの店", "とよださんのみせ")) == [("豊田", "とよだ"), ("店", "みせ")]
    assert readings(
        ruby_name("みどり野市北部地域包括支援センター", "みどりのしほくぶちいきほうかつしえんせんたー")
    ) == [("野市北部地域包括支援", "のしほくぶちいきほうかつしえん")]


def test_a_name_without_reading_falls_back_to_the_analyser():
    assert readings(ruby_name("介護", "")) == [("介護", "かいご")]


def test_a_page_gets_ruby_in_its_text_but_not_in_attributes_titles_options_or_other_languages():
    html = (
        '<html lang="ja"><head><title>介護</title></head><body>'
        '<p title="介護">介護 &amp; 福祉</p><input placeholder="介護">'
        '<select><option>介護</option></select><span lang="en">漢字</span>'
        "<ruby>豊田<rt>とよだ</rt></ruby><code>介護</code></body></html>"
    )
    soup = BeautifulSoup(add_ruby_to_html(html), "html.parser")
    assert soup.title.get_text() == "介護"
    assert soup.p["title"] == "介護"
    assert [(base, rt) for base, rt in readings(str(soup.p))] == [("介護", "かいご"), ("福祉", "ふくし")]
    assert "&amp;" in str(soup.p)
    assert soup.input["placeholder"] == "介護"
    assert not soup.select("option ruby, span[lang=en] ruby, code ruby, ruby ruby")
    assert soup.select("body > ruby rt")[0].get_text() == "とよだ"  # a name's reading is kept as it was
