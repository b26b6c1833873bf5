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
    return Markup(_ruby_html(str(text or "")))  # noqa: S704 (every piece of text is escaped above)  # nosec B704


def ruby_name(name: str, name_kana: str | None) -> Markup:
    """A name with its human reading (split at kana the name contains); analysed when there is none."""
    if not name_kana or not HAS_KANJI.search(name or ""):
        return ruby(name)
    return Markup(_ruby_word(name, name_kana))  # noqa: S704 (escaped in _ruby_word)  # nosec B704


# --- whole pages -------------------------------------------------------------------------------------

# Elements whose text must stay plain: not rendered as text, not allowed to hold <ruby>, or already ruby.
SKIP = {"title", "script", "style", "option", "textarea", "code", "pre", "ruby", "rt", "rp", "svg"}
SKIP |= {"template", "noscript", "head"}
RAW_TEXT = ("script", "style", "textarea", "title")  # their content is not HTML: copied up to the end tag
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
# A tag with quoted attribute values (which may hold ">"), a comment, a declaration, or text.
_TOKEN = re.compile(
    r"""<!--.*?-->|<![^>]*>|<\?[^>]*>"""
    r"""|</?[A-Za-z][^\s/>]*(?:\s+[^\s"'>/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'>]+))?)*\s*/?>"""
    r"""|[^<]+|<""",
    re.S,
)
_NAME = re.compile(r"</?([A-Za-z][^\s/>]*)")


_ATTRIBUTES = {
    name: re.compile(rf"""\s{name}\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""", re.I)
    for name in ("lang", "translate", "class")
}


def _attribute(tag: str, name: str) -> str | None:
    if name not in tag:  # most tags carry none of the three: skip the regular expression
        return None
    match = _ATTRIBUTES[name].search(tag)
    return next((group for group in match.groups() if group is not None), "") if match else None


def add_ruby_to_html(html: str) -> str:
    """A rendered page or fragment with furigana over the kanji of its visible Japanese text.

    Attributes, <title>, <option>, <code>, existing <ruby>, text in an element marked with another
    language (lang="en"), translate="no" or class="no-ruby" are left as they are. A regular-expression
    scanner rather than html.parser: it is several times faster, and pages are our own well-formed HTML.
    """
    out: list[str] = []
    # One entry per open element: (tag, hard, other_language). `hard`: inside a SKIP element,
    # translate="no" or class="no-ruby"; `other_language`: the nearest lang= names another language.
    stack: list[tuple[str, bool, bool]] = []
    position = 0
    while position < len(html):
        match = _TOKEN.match(html, position)
        token = match.group()
        position = match.end()
        if token[0] != "<" or len(token) == 1:
            if stack and (stack[-1][1] or stack[-1][2]) or not HAS_KANJI.search(token):
                out.append(token)
            else:
                out.append(_ruby_html(unescape(token)))
            continue
        out.append(token)
        name_match = _NAME.match(token)
        if not name_match:  # comment, declaration, processing instruction
            continue
        name = name_match.group(1).lower()
        if token.startswith("</"):
            for index in range(len(stack) - 1, -1, -1):  # close the nearest open one (forgiving HTML)
                if stack[index][0] == name:
                    del stack[index:]
                    break
            continue
        if name in RAW_TEXT:
            end = re.compile(rf"</{name}\s*>", re.I).search(html, position)
            stop = end.end() if end else len(html)
            out.append(html[position:stop])
            position = stop
            continue
        if name in VOID or token.endswith("/>"):
            continue
        parent_hard, parent_other = stack[-1][1:] if stack else (False, False)
        hard = (
            parent_hard
            or name in SKIP
            or _attribute(token, "translate") == "no"
            or "no-ruby" in (_attribute(token, "class") or "").split()
        )
        lang = (_attribute(token, "lang") or "").lower()
        other = not lang.startswith("ja") if lang else parent_other
        stack.append((name, hard, other))
    return "".join(out)
