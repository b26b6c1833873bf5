"""Japanese text analysis for the search index (no Flask, no database).

Everything the index stores or looks up goes through :func:`fold` and the Sudachi-based
functions here, so documents and queries are analysed the same way:

* ``fold``: NFKC (half-width kana, full-width Latin and digits, full-width spaces), case folding,
  katakana → hiragana, and accent stripping for Latin letters only (が stays が).
* ``analyze_piece``: SudachiPy (core dictionary, one ``Dictionary`` per process, one tokenizer per
  thread), long units (mode C) plus their short units (mode A), each as normalised form
  (障がい/障碍 → 障害), surface and reading (hiragana), plus the reading with long vowels folded
  (しょうがい → しょがい) so that Hepburn romaji without macrons finds it.
* ``romaji_to_kana``: converts a Latin word to hiragana only if the whole word is romaji
  (``l`` is read as ``r``, so "salon" → さろん, the reading of サロン).
* analysis of text is cached per sentence (``lru_cache``): listings repeat phrases. What each
  index field takes of a text is :mod:`portal.search.fields`'s.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from functools import lru_cache
from typing import NamedTuple

from sudachipy import Dictionary, SplitMode

# --- folding ---------------------------------------------------------------------------------

_KATA2HIRA = {c: c - 0x60 for c in range(0x30A1, 0x30F7)}
_KATA2HIRA.update({0x30FD: 0x309D, 0x30FE: 0x309E})
_HIRA2KATA = {v: k for k, v in _KATA2HIRA.items()}


def _latin_accent_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for cp in list(range(0x00C0, 0x0250)) + list(range(0x1E00, 0x1F00)):
        ch = chr(cp)
        base = "".join(c for c in unicodedata.normalize("NFD", ch) if not unicodedata.combining(c))
        if base != ch and base.isascii():
            table[cp] = base
    # letters with no decomposition that people type without the stroke
    table.update({ord("đ"): "d", ord("Đ"): "d", ord("ø"): "o", ord("ł"): "l", ord("æ"): "ae", ord("œ"): "oe"})
    return table


_LATIN_ACCENTS = _latin_accent_table()
# a combining mark left after NFKC on a Latin letter (e.g. "e" + U+0301 typed separately)
_LATIN_COMBINING = re.compile(r"(?<=[A-Za-z])[\u0300-\u036f]+")


def fold(text: str) -> str:
    """NFKC, casefold, katakana → hiragana, Latin accents stripped (never kana dakuten)."""
    s = unicodedata.normalize("NFKC", text).casefold().translate(_KATA2HIRA)
    if not s.isascii():
        s = _LATIN_COMBINING.sub("", s.translate(_LATIN_ACCENTS))
    return s


def to_katakana(text: str) -> str:
    return text.translate(_HIRA2KATA)


_LONG_VOWEL = re.compile(
    r"(?<=[おこそとのほもよろごぞどぼぽょ])う|(?<=[うくすつぬふむゆるぐずづぶぷゅ])う|ー"
)


def fold_long_vowels(kana: str) -> str:
    """しょうがい → しょがい, せんたー → せんた: the reading as romaji without macrons spells it."""
    return _LONG_VOWEL.sub("", kana)


_HIRAGANA_ONLY = re.compile(r"^[\u3041-\u3096\u309d\u309e\u30fc]+$")
_JAPANESE = re.compile(r"[\u3041-\u3096\u30a1-\u30fa\u3400-\u9fff\uf900-\ufaff\u30fc\u3005]")
_ASCII_WORD = re.compile(r"^[a-z]+$")


def is_kana(s: str) -> bool:
    return bool(_HIRAGANA_ONLY.match(s))


# --- romaji ----------------------------------------------------------------------------------

_ROMAJI: dict[str, str] = {}


def _build_romaji() -> None:
    rows = {
        "": "あいうえお",
        "k": "かきくけこ",
        "s": "さしすせそ",
        "t": "たちつてと",
        "n": "なにぬねの",
        "h": "はひふへほ",
        "m": "まみむめも",
        "y": "や い ゆ いぇ よ",
        "r": "らりるれろ",
        "w": "わうぃう うぇを",
        "g": "がぎぐげご",
        "z": "ざじずぜぞ",
        "d": "だぢづでど",
        "b": "ばびぶべぼ",
        "p": "ぱぴぷぺぽ",
    }
    for cons, kana in rows.items():
        parts = kana.split(" ") if " " in kana else list(kana)
        if cons == "y":
            parts = ["や", "い", "ゆ", "いぇ", "よ"]
        if cons == "w":
            parts = ["わ", "うぃ", "う", "うぇ", "を"]
        for v, k in zip("aiueo", parts, strict=True):
            _ROMAJI[cons + v] = k
    for cons, i_kana in {
        "k": "き",
        "s": "し",
        "t": "ち",
        "n": "に",
        "h": "ひ",
        "m": "み",
        "r": "り",
        "g": "ぎ",
        "z": "じ",
        "d": "ぢ",
        "b": "び",
        "p": "ぴ",
    }.items():
        for v, small in zip("auo", "ゃゅょ", strict=True):
            _ROMAJI[cons + "y" + v] = i_kana + small
    for prefix, base in {"sh": "し", "ch": "ち", "j": "じ"}.items():
        for v, small in zip("auo", "ゃゅょ", strict=True):
            _ROMAJI[prefix + v] = base + small
        _ROMAJI[prefix + "e"] = base + "ぇ"
    _ROMAJI.update(
        {
            "shi": "し",
            "chi": "ち",
            "tsu": "つ",
            "fu": "ふ",
            "ji": "じ",
            "si": "し",
            "ti": "ち",
            "tu": "つ",
            "hu": "ふ",
            "zi": "じ",
            "di": "ぢ",
            "du": "づ",
            "fa": "ふぁ",
            "fi": "ふぃ",
            "fe": "ふぇ",
            "fo": "ふぉ",
            "va": "ば",
            "vi": "び",
            "vu": "ぶ",
            "ve": "べ",
            "vo": "ぼ",
            "je": "じぇ",
            "che": "ちぇ",
            "she": "しぇ",
            "thi": "てぃ",
            "dhi": "でぃ",
            "tsa": "つぁ",
            "wo": "を",
            "nn": "ん",
            "n'": "ん",
        }
    )


_build_romaji()
_ROMAJI_KEYS = sorted(_ROMAJI, key=len, reverse=True)
_VOWELS = set("aiueo")


def romaji_to_kana(word: str) -> str | None:
    """Hiragana for a word that is entirely romaji (Hepburn, Kunrei, typing style), else None.

    ``l`` is read as ``r`` (Japanese has one liquid), so loanwords spelled in Latin letters
    reach the reading of their katakana form: salon → さろん (サロン)."""
    w = word.lower().replace("l", "r").replace("-", "")
    if not w or not _ASCII_WORD.match(w.replace("'", "")) or len(w) > 40:
        return None
    out: list[str] = []
    i = 0
    while i < len(w):
        c = w[i]
        nxt = w[i + 1] if i + 1 < len(w) else ""
        if c == "n" and (not nxt or (nxt not in _VOWELS and nxt not in "y'n")):
            out.append("ん")
            i += 1
            continue
        if c == "m" and nxt in ("b", "p", "m"):
            out.append("ん")
            i += 1
            continue
        if c == nxt and c not in _VOWELS and c != "n":
            out.append("っ")
            i += 1
            continue
        if c == "t" and nxt == "c":  # matcha
            out.append("っ")
            i += 1
            continue
        for key in _ROMAJI_KEYS:
            if w.startswith(key, i):
                out.append(_ROMAJI[key])
                i += len(key)
                break
        else:
            return None
    return "".join(out)


# Latin words Sudachi does not know that name the same thing as a katakana loanword or a common
# listing word (Portuguese, Spanish, Tagalog, English spellings typed by residents).
LOANWORDS: dict[str, tuple[str, ...]] = {
    "salao": ("サロン",),
    "saloes": ("サロン",),
    "salon": ("サロン",),
    "salones": ("サロン",),
    "cafe": ("カフェ",),
    "cafeteria": ("カフェ", "食堂"),
    "karaoke": ("カラオケ",),
    "yoga": ("ヨガ",),
    "danca": ("ダンス",),
    "danza": ("ダンス",),
    "baile": ("ダンス",),
    "voluntario": ("ボランティア",),
    "voluntaria": ("ボランティア",),
    "boluntaryo": ("ボランティア",),
    "centro": ("センター",),
    "clube": ("クラブ",),
    "club": ("クラブ",),
    "esporte": ("スポーツ",),
    "deporte": ("スポーツ",),
    "cozinha": ("料理",),
    "culinaria": ("料理",),
    "cocina": ("料理",),
    "refeitorio": ("食堂",),
    "comedor": ("食堂",),
    "idosos": ("高齢者",),
    "mayores": ("高齢者",),
    "demencia": ("認知症",),
    "criancas": ("子供",),
    "ninos": ("子供",),
    "crianca": ("子供",),
    "creche": ("保育",),
    "ginastica": ("体操",),
    "gimnasia": ("体操",),
    "consulta": ("相談",),
    "trabalho": ("就労",),
    "trabajo": ("就労",),
    "emprego": ("就労",),
}


# --- Sudachi ---------------------------------------------------------------------------------

_DICT: Dictionary | None = None
_DICT_LOCK = threading.Lock()
_LOCAL = threading.local()


def _tokenizer():
    """One Sudachi Dictionary per process, one tokenizer per thread (tokenizers are not shared)."""
    tok = getattr(_LOCAL, "tok", None)
    if tok is None:
        global _DICT
        with _DICT_LOCK:
            if _DICT is None:
                _DICT = Dictionary(dict="core")
        tok = _LOCAL.tok = _DICT.tokenizer(mode=SplitMode.C)
    return tok


# parts of speech that never become search terms: punctuation, spaces, particles, auxiliaries
_SKIP_POS = frozenset({"補助記号", "空白", "助詞", "助動詞", "記号", "接頭辞", "代名詞"})
_SKIP_POS2 = frozenset({"非自立可能"})  # する, ある, できる, いただく: in every listing, meaning nothing
_MAX_PIECE = 2000  # Sudachi refuses very long inputs; sentences are far shorter
_SENTENCE = re.compile(r"[^。．！？!?\n\r]*[。．！？!?\n\r]+|[^。．！？!?\n\r]+")


def sentences(text: str):
    """(offset, piece) for sentence-sized pieces of text."""
    for m in _SENTENCE.finditer(text):
        piece = m.group()
        start = m.start()
        while len(piece) > _MAX_PIECE:
            yield start, piece[:_MAX_PIECE]
            piece = piece[_MAX_PIECE:]
            start += _MAX_PIECE
        if piece.strip():
            yield start, piece


class Morph(NamedTuple):
    """One morpheme as the index and the query see it.

    A named tuple, not a dataclass: a 10,000-listing import makes ~100,000 of them, and a frozen
    dataclass's __init__ cost as much as Sudachi's tokenizing of a listing's name."""

    start: int
    end: int
    terms: tuple[str, ...]  # index terms: normalised form, reading (long units only)
    qterms: tuple[str, ...]  # query terms: normalised form, surface
    hl: frozenset[str]  # every form, to find the morpheme again when highlighting
    lv: str  # reading with long vowels folded ("" if the same), for names and tags
    oov: bool
    surface: str  # NFKC surface (for the spelling field)
    split: bool = False  # a long unit followed by its short units


def _uniq(forms) -> tuple[str, ...]:
    """Forms without their spaces, empty and repeated ones dropped (a loop: ~2 of these a new word)."""
    out: list[str] = []
    for form in forms:
        t = "".join(form.split())
        if t and t not in out:
            out.append(t)
    return tuple(out)


def _forms_of(m, long_unit: bool) -> tuple | None:
    return _forms(
        m.surface(), m.normalized_form(), m.reading_form(), m.part_of_speech_id(), m.is_oov(), long_unit
    )


# Cached per dictionary form: the same word (サロン, 地域, 体操) recurs in many names and sentences that
# the sentence cache cannot share, and folding its forms cost more than Sudachi's tokenizing.
@lru_cache(maxsize=100_000)
def _forms(surface: str, normalized: str, reading_form: str, pos_id: int, oov: bool, long_unit: bool):
    """A Morph's fields after start and end, or None for a morpheme that is no search term."""
    pos = _DICT.pos_of(pos_id)
    if pos[0] in _SKIP_POS or pos[1] in _SKIP_POS2:
        return None
    f_surface = fold(surface)
    norm = fold(normalized)
    reading = lv = ""
    if not oov and _JAPANESE.search(f_surface):
        r = fold(reading_form)
        if is_kana(r):
            reading = r
            lv = fold_long_vowels(r)
            if lv == r:
                lv = ""
    qterms = _uniq((norm, f_surface))
    if not qterms:
        return None
    terms = _uniq((norm, reading)) if long_unit else _uniq((norm,))
    hl = frozenset((norm, f_surface, reading, lv)) - {""}
    return terms, qterms, hl, lv, oov, unicodedata.normalize("NFKC", surface)


_OOV = 4  # where _forms puts the out-of-vocabulary flag


@lru_cache(maxsize=60_000)
def analyze_piece(piece: str) -> tuple[Morph, ...]:
    """Morphemes of one sentence: long units (mode C) each followed by its short units (mode A)."""
    out: list[Morph] = []
    try:
        morphemes = _tokenizer().tokenize(piece)
    except Exception:  # Sudachi rejects some inputs (too long etc.): index nothing rather than fail
        return ()
    for m in morphemes:
        forms = _forms_of(m, True)
        if forms is None:
            continue
        start, end = m.begin(), m.end()
        if end - start > 2 and not forms[_OOV]:
            parts = m.split(SplitMode.A)
            if len(parts) > 1:
                out.append(Morph(start, end, *forms, True))
                for part in parts:
                    short = _forms_of(part, False)
                    if short is not None:
                        out.append(Morph(part.begin(), part.end(), *short))
                continue
        out.append(Morph(start, end, *forms))
    return tuple(out)


@lru_cache(maxsize=20_000)
def _analyze_text(text: str) -> tuple[Morph, ...]:
    out: list[Morph] = []
    for offset, piece in sentences(text):
        for m in analyze_piece(piece):
            out.append(m._replace(start=m.start + offset, end=m.end + offset) if offset else m)
    return tuple(out)


def analyze(text: str) -> tuple[Morph, ...]:
    """All morphemes of a text with offsets into ``text`` (cached: highlights re-read the same texts)."""
    return _analyze_text(text[:20_000])


def clear_caches() -> None:
    for cached in (analyze_piece, _analyze_text, _forms):
        cached.cache_clear()


def bigrams(text: str) -> list[str]:
    """Character bigrams of folded text, per run of letters (spaces and punctuation break runs)."""
    out: list[str] = []
    for run in re.findall(r"\w+", fold(text)):
        if len(run) == 1:
            continue
        out.extend(run[i : i + 2] for i in range(len(run) - 1))
    return out
