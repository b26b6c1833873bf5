"""Furigana for やさしい日本語: `<ruby>` readings over kanji, from SudachiPy (core dictionary) readings.

Two sources of readings:
- text (UI strings, summaries): SudachiPy's reading of each word, split at okurigana so that 生きる becomes
  <ruby>生<rt>い</rt></ruby>きる; a small override list (furigana_overrides.yaml) for words the analyser
  reads wrong;
- names (listings, areas): the human reading `name_kana`, because the analyser cannot know how an
  organisation reads its own name.

`add_ruby_to_html` puts furigana on every Japanese text node of a rendered page (used for the ja-easy
locale, see portal.i18n), leaving attributes, <title>, <option>, <code>, existing <ruby> and text marked
with another language alone.
"""

from __future__ import annotations

import re
import threading
from functools import cache, lru_cache
from html import escape, unescape
from html.parser import HTMLParser
from pathlib import Path

import yaml
from markupsafe import Markup

OVERRIDES_FILE = Path(__file__).with_name("furigana_overrides.yaml")
# CJK ideographs (extension A, compatibility ideographs), 々 (repeat) and ヶ/ヵ (か/が in 霞ヶ関).
KANJI = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff々〆ヶヵ"
HAS_KANJI = re.compile(f"[{KANJI}]")
RUNS = re.compile(f"([{KANJI}]+)")


def to_hiragana(text: str) -> str:
    """Katakana → hiragana (ァ..ヶ are exactly 0x60 above ぁ..ゖ); other characters are kept."""
    return "".join(chr(ord(ch) - 0x60) if "ァ" <= ch <= "ヶ" else ch for ch in text)


def _rb(base: str, reading: str) -> str:
    return f"<ruby>{escape(base)}<rp>(</rp><rt>{escape(reading)}</rt><rp>)</rp></ruby>"


def _align(surface: str, reading: str) -> list[tuple[str, str]] | None:
    """Split a word at its okurigana: 生きる/いきる → [(生, い), (きる, "")]; None when they do not line up.

    Kana in the surface must appear in the reading; each run of kanji takes the reading between them.
    """
    parts = RUNS.split(surface)  # kana, kanji, kana, kanji, ... (even indexes are kana, maybe empty)
    pattern = "".join("(.+?)" if i % 2 else re.escape(to_hiragana(part)) for i, part in enumerate(parts))
    match = re.fullmatch(pattern, to_hiragana(reading))
    if not match:
        return None
    readings = iter(match.groups())
    return [(part, next(readings) if i % 2 else "") for i, part in enumerate(parts) if part]


def _ruby_word(surface: str, reading: str) -> str:
    """One word as HTML: ruby over each run of kanji, the kana around and between them left bare."""
    if not HAS_KANJI.search(surface):
        return escape(surface)
    reading = to_hiragana(reading)
    pieces = _align(surface, reading)
    if pieces is None:  # odd reading (a symbol, a number word): give the whole word one reading
        return _rb(surface, reading) if reading and reading != to_hiragana(surface) else escape(surface)
    return "".join(_rb(base, rt) if rt else escape(base) for base, rt in pieces)


@cache
def _dictionary():
    from sudachipy import Dictionary

    return Dictionary(dict="core")  # one per process (the dictionary file is memory-mapped)


_LOCAL = threading.local()


def _tokenizer():
    """One tokenizer per thread: Sudachi tokenizers must not be shared between threads."""
    if not hasattr(_LOCAL, "tokenizer"):
        from sudachipy import SplitMode

        _LOCAL.tokenizer = _dictionary().tokenizer(mode=SplitMode.C)
    return _LOCAL.tokenizer


@cache
def overrides() -> dict[str, str]:
    """Surface → hiragana reading, for words the analyser reads wrong (longest first)."""
    data = yaml.safe_load(OVERRIDES_FILE.read_text(encoding="utf-8")) or {}
    return dict(sorted(((str(k), to_hiragana(str(v))) for k, v in data.items()), key=lambda kv: -len(kv[0])))


@cache
def _override_pattern() -> re.Pattern | None:
    words = list(overrides())
    return re.compile("|".join(map(re.escape, words))) if words else None


def _analysed(text: str) -> str:
    out = []
    for morpheme in _tokenizer().tokenize(text):
        surface = morpheme.surface()
        if HAS_KANJI.search(surface):
            out.append(_ruby_word(surface, morpheme.reading_form()))
        else:
            out.append(escape(surface))
    return "".join(out)


@lru_cache(maxsize=4096)
def _ruby_html(text: str) -> str:
    if not HAS_KANJI.search(text):
        return escape(text)
    pattern = _override_pattern()
    if pattern is None:
        return _analysed(text)
    out, last = [], 0
    for match in pattern.finditer(text):
        out.append(_analysed(text[last : match.start()]))
        out.append(_ruby_word(match.group(), overrides()[match.group()]))
        last = match.end()
    out.append(_analysed(text[last:]))
    return "".join(out)


def ruby(text: str) -> Markup:
    """Plain text → escaped HTML with furigana over every word that contains kanji."""
    return Markup(_ruby_html(str(text or "")))  # noqa: S704  (every piece of text is escaped above)


def ruby_name(name: str, name_kana: str | None) -> Markup:
    """A name with its human reading (split at kana the name contains); analysed when there is none."""
    if not name_kana or not HAS_KANJI.search(name or ""):
        return ruby(name)
    return Markup(_ruby_word(name, name_kana))  # noqa: S704  (escaped in _ruby_word)


# --- whole pages -------------------------------------------------------------------------------------

# Elements whose text must stay plain: not rendered as text, not allowed to hold <ruby>, or already ruby.
SKIP = {"title", "script", "style", "option", "textarea", "code", "pre", "ruby", "rt", "rp", "svg"}
SKIP |= {"template", "noscript"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _RubyRewriter(HTMLParser):
    """Copies HTML through unchanged except for Japanese text nodes, which get furigana."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.out: list[str] = []
        # One entry per open element: (tag, hard, other_language). `hard`: a SKIP element, translate="no" or
        # class="no-ruby" inside; `other_language`: the nearest lang= says another language.
        self.stack: list[tuple[str, bool, bool]] = []

    def _blocked(self) -> bool:
        return bool(self.stack) and (self.stack[-1][1] or self.stack[-1][2])

    def handle_starttag(self, tag, attrs):
        self.out.append(self.get_starttag_text())
        if tag in VOID:
            return
        attributes = dict(attrs)
        parent_hard, parent_other = self.stack[-1][1:] if self.stack else (False, False)
        hard = (
            parent_hard
            or tag in SKIP
            or attributes.get("translate") == "no"
            or "no-ruby" in (attributes.get("class") or "").split()
        )
        lang = (attributes.get("lang") or "").lower()
        other = not lang.startswith("ja") if lang else parent_other
        self.stack.append((tag, hard, other))

    def handle_startendtag(self, tag, attrs):
        self.out.append(self.get_starttag_text())

    def handle_endtag(self, tag):
        self.out.append(f"</{tag}>")
        for index in range(len(self.stack) - 1, -1, -1):  # close the nearest open one (forgiving HTML)
            if self.stack[index][0] == tag:
                del self.stack[index:]
                break

    def handle_data(self, data):
        if self._blocked() or not HAS_KANJI.search(data):
            self.out.append(data)
        else:
            self.out.append(_ruby_html(unescape(data)))

    def handle_entityref(self, name):
        self.out.append(f"&{name};")

    def handle_charref(self, name):
        self.out.append(f"&#{name};")

    def handle_comment(self, data):
        self.out.append(f"<!--{data}-->")

    def handle_decl(self, decl):
        self.out.append(f"<!{decl}>")

    def handle_pi(self, data):
        self.out.append(f"<?{data}>")

    def unknown_decl(self, data):
        self.out.append(f"<![{data}]>")


def add_ruby_to_html(html: str) -> str:
    """A rendered page or fragment with furigana over the kanji of its visible Japanese text."""
    rewriter = _RubyRewriter()
    rewriter.feed(html)
    rewriter.close()
    return "".join(rewriter.out)
