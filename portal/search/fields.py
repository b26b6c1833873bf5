"""A listing as the search index sees it: the IndexDoc handed in, and the terms each field holds for it.

No Whoosh, no Flask. Every text field is a space-separated list of terms (analysed in
:mod:`portal.search.analysis`), so all the analysis happens here, in whatever process builds the index.

Listings repeat most of their text: tags, organisations, areas, summaries, the sentences of
descriptions. What one text gives each field is worked out once per process (`_TextTerms`, cached
per sentence and per short text), so analysing a listing mostly joins cached tuples: it was about a
third of a 10,000-listing import (bench/import.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import NamedTuple

from . import analysis as an

Terms = tuple[str, ...]


@dataclass
class IndexDoc:
    id: int
    kind: str
    name: str
    name_kana: str = ""
    summary: str = ""
    description: str = ""
    tags: list[str] = field(default_factory=list)
    organisation: str = ""
    area_code: str = ""
    area_name: str = ""
    targets: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    translations: list[str] = field(default_factory=list)
    updated_at: datetime | None = None


class _TextTerms(NamedTuple):
    """What one text gives the index, by use."""

    terms: Terms  # names, tags, summaries: every unit's terms, and readings without long vowels
    # descriptions: short units' normalised forms only (no readings, no compounds): descriptions hold
    # most of a listing's words, and a query's compound still finds them through its short units
    body: Terms
    oov_bigrams: Terms  # bigrams of words the dictionary does not know (shop names, foreign words)
    spell: Terms  # surfaces a "did you mean" may offer (2+ characters, not a number)


def _piece_terms(piece: str) -> _TextTerms:
    terms: list[str] = []
    body: list[str] = []
    oov: list[str] = []
    spell: list[str] = []
    for m in an.analyze_piece(piece):
        terms.extend(m.terms)
        if m.lv:
            terms.append(m.lv)
        if not m.split:
            body.append(m.terms[0])
        if m.oov:
            oov.extend(an.bigrams(m.terms[0]))
        s = m.surface.casefold()
        if len(s) >= 2 and not s.isdigit():
            spell.append(s)
    return _TextTerms(tuple(terms), tuple(body), tuple(oov), tuple(spell))


_sentence_terms = lru_cache(maxsize=60_000)(_piece_terms)


def _text_terms(text: str) -> _TextTerms:
    pieces = [_sentence_terms(piece) for _, piece in an.sentences(text)]
    if len(pieces) == 1:
        return pieces[0]
    return _TextTerms(*(sum(parts, ()) for parts in zip(*pieces, strict=True))) if pieces else _EMPTY


_EMPTY = _TextTerms((), (), (), ())
# Short texts recur whole (a tag, an organisation's name); a description is seldom seen twice.
_short_text_terms = lru_cache(maxsize=20_000)(_text_terms)


@lru_cache(maxsize=20_000)
def _whole(text: str) -> Terms:
    """A short text (tag, reading) as one term too, so 'ふれあいさろん' finds the whole reading."""
    t = "".join(an.fold(text).split())
    if not t:
        return ()
    if an.is_kana(t):
        lv = an.fold_long_vowels(t)
        if lv != t:
            return (t, lv)
    return (t,)


@lru_cache(maxsize=20_000)
def _bigrams(text: str) -> Terms:
    return tuple(an.bigrams(text))


def updated_seconds(when: datetime | None) -> int:
    """The freshness column's value: seconds since the epoch (a naive time is UTC), 0 when unknown."""
    if when is None:
        return 0
    return int((when if when.tzinfo else when.replace(tzinfo=UTC)).timestamp())


def _joined(terms: list[str] | Terms) -> str:
    return " ".join(dict.fromkeys(terms))


def analyse_doc(doc: IndexDoc) -> dict:
    """IndexDoc → the field values Whoosh stores (all analysis happens here, picklable for workers)."""
    tags = [t for t in doc.tags if t]
    name = _short_text_terms(doc.name)
    kana = _short_text_terms(doc.name_kana)
    summary = _short_text_terms(doc.summary)
    tag_terms = [_short_text_terms(tag) for tag in tags]
    description = _text_terms(doc.description)
    translations = [_text_terms(text) for text in doc.translations]

    name_terms = [*name.terms, *kana.terms, *_whole(doc.name_kana)]
    hi_terms: list[str] = []
    for tag, terms in zip(tags, tag_terms, strict=True):
        hi_terms += terms.terms
        hi_terms += _whole(tag)
    hi_terms += summary.terms
    hi_terms += _short_text_terms(doc.organisation).terms
    hi_terms += _short_text_terms(doc.area_name).terms
    body_terms = list(description.body)
    for terms in translations:
        body_terms += terms.body
    ngrams = [*_bigrams(doc.name), *_bigrams(doc.organisation), *kana.oov_bigrams]
    for terms in (*tag_terms, summary, description, *translations):
        ngrams += terms.oov_bigrams
    spell = {s for terms in (name, *tag_terms) for s in terms.spell}
    return {
        "id": str(int(doc.id)),
        "kind": doc.kind or "",
        "area": doc.area_code or "",
        "targets": " ".join(t for t in doc.targets if t),
        "sortkey": "".join(an.fold(doc.name_kana or doc.name).split()) or "\uffff",
        "updated": updated_seconds(doc.updated_at),
        "name": _joined(name_terms),
        "hi": _joined(hi_terms),
        "body": _joined(body_terms),
        "ngram": _joined(ngrams),
        "spell": " ".join(sorted(spell)),
        "hit": (int(doc.id), doc.kind or "", doc.name, doc.summary, doc.description),
    }


def stamp(fields: dict, doc_id: int, updated: int) -> None:
    """Give analyse_doc's fields their listing id and freshness (a document analysed before its INSERT)."""
    fields["id"], fields["updated"] = str(int(doc_id)), updated
    fields["hit"] = (int(doc_id), *fields["hit"][1:])


def clear_caches() -> None:
    """Forget every analysed text (these caches and analysis's own): a worker's memory stays flat."""
    an.clear_caches()
    for cached in (_sentence_terms, _short_text_terms, _whole, _bigrams):
        cached.cache_clear()
