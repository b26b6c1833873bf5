"""The search index service: Whoosh (whoosh3, classic API) over pre-analysed Japanese text.

No Flask, no models: the portal hands :class:`IndexDoc` objects in and gets :class:`SearchPage`
objects out. Analysis lives in :mod:`portal.search.analysis`; the schema only uses stock Whoosh
components (space-separated pre-analysed terms), so the index never pickles our own classes.

Layout on disk::

    <path>/current -> gen-<n>/   (symlink, swapped atomically by rebuild)
    <path>/gen-<n>/              (a Whoosh index)
    <path>/write.lock            (flock: one writer per index across processes)
"""

from __future__ import annotations

import contextlib
import fcntl
import heapq
import html
import logging
import math
import os
import re
import shutil
import threading
import time
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from whoosh import index as windex
from whoosh.analysis import SpaceSeparatedTokenizer
from whoosh.fields import ID, NUMERIC, STORED, TEXT, Schema
from whoosh.query import And, Or, Query, Term
from whoosh.scoring import BM25F

from . import analysis as an

log = logging.getLogger(__name__)

# --- public data types -----------------------------------------------------------------------


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


@dataclass
class Hit:
    id: int
    kind: str
    score: float
    highlights: dict[str, str]


@dataclass
class SearchPage:
    total: int
    page: int
    per_page: int
    hits: list[Hit]
    facets: dict[str, dict[str, int]]
    suggestions: list[str] = field(default_factory=list)
    relaxed: bool = False   # no listing had every word: these results have any of them


class IndexUnavailable(Exception):
    """The index is missing or cannot be read: fall back to the database and rebuild it."""


class IndexBusy(Exception):
    """Another writer held the index for longer than the retry budget."""


# --- schema and document analysis ------------------------------------------------------------

# field weights: name first, then tags and summary, then description and translations
W_NAME, W_HI, W_BODY, W_NGRAM = 4.0, 2.0, 1.0, 0.3
TEXT_FIELDS = (("name", W_NAME), ("hi", W_HI), ("body", W_BODY))
MAX_QUERY_CHARS = 200
MAX_CHUNKS = 8
FRESH_BOOST, FRESH_DAYS = 0.12, 180.0


def _schema() -> Schema:
    ws = SpaceSeparatedTokenizer()
    return Schema(
        id=ID(stored=True, unique=True),
        kind=ID(stored=True, sortable=True),
        area=ID(stored=True, sortable=True),
        targets=ID(stored=True, sortable=True),     # space-separated codes, one column value
        sortkey=ID(sortable=True),
        updated=NUMERIC(bits=64, sortable=True, signed=True, default=0),
        name=TEXT(analyzer=ws, phrase=False),
        hi=TEXT(analyzer=ws, phrase=False),
        body=TEXT(analyzer=ws, phrase=False),
        ngram=TEXT(analyzer=ws, phrase=False),
        spell=TEXT(analyzer=ws, phrase=False),
        s_name=STORED(), s_summary=STORED(), s_description=STORED(),
    )


def _whole(text: str) -> list[str]:
    """A short text (tag, reading) as one term too, so 'ふれあいさろん' finds the whole reading."""
    t = "".join(an.fold(text).split())
    if not t:
        return []
    out = [t]
    if an.is_kana(t):
        lv = an.fold_long_vowels(t)
        if lv != t:
            out.append(lv)
    return out


def _spell_terms(texts: Iterable[str]) -> list[str]:
    out: set[str] = set()
    for text in texts:
        for m in an.analyze(text):
            s = m.surface.casefold()
            if len(s) >= 2 and not s.isdigit():
                out.add(s)
    return sorted(out)


def analyse_doc(doc: IndexDoc) -> dict:
    """IndexDoc → the field values Whoosh stores (all analysis happens here, picklable for workers)."""
    tags = [t for t in doc.tags if t]
    name_terms = an.terms_of(doc.name) + an.terms_of(doc.name_kana) + _whole(doc.name_kana)
    hi_terms: list[str] = []
    for tag in tags:
        hi_terms += an.terms_of(tag) + _whole(tag)
    hi_terms += an.terms_of(doc.summary) + an.terms_of(doc.organisation) + an.terms_of(doc.area_name)
    body_terms = an.terms_of(doc.description)
    for tr in doc.translations:
        body_terms += an.terms_of(tr)
    ngram_src = [doc.name, doc.name_kana, doc.organisation, *tags]
    ngrams: list[str] = []
    for text in ngram_src:
        ngrams += an.bigrams(text)
    for text in (doc.summary, doc.description, *doc.translations):
        for w in an.oov_words(text):
            ngrams += an.bigrams(w)
    updated = 0
    if doc.updated_at is not None:
        ts = doc.updated_at if doc.updated_at.tzinfo else doc.updated_at.replace(tzinfo=UTC)
        updated = int(ts.timestamp())
    return {
        "id": str(int(doc.id)),
        "kind": doc.kind or "",
        "area": doc.area_code or "",
        "targets": " ".join(t for t in doc.targets if t),
        "sortkey": "".join(an.fold(doc.name_kana or doc.name).split()) or "\uffff",
        "updated": updated,
        "name": " ".join(name_terms),
        "hi": " ".join(hi_terms),
        "body": " ".join(body_terms),
        "ngram": " ".join(ngrams),
        "spell": " ".join(_spell_terms([doc.name, *tags])),
        "s_name": doc.name,
        "s_summary": doc.summary,
        "s_description": doc.description,
    }


def _analyse_batch(docs: list[IndexDoc]) -> list[dict]:
    return [analyse_doc(d) for d in docs]


# --- query building --------------------------------------------------------------------------

_SPLIT = re.compile(r"[\s\"'`“”‘’「」『』()（）\[\]{}<>【】、。,.;:!?！？・/\\|*+~^=&#%$@]+")


@dataclass
class _Built:
    query: Query | None
    chunk_queries: list[Query]
    terms: set[str]            # every term searched for (for highlighting)
    substrings: list[str]      # folded chunks searched by n-gram (for highlighting)
    chunks: list[str]


def _clean_chunks(q: str) -> list[str]:
    q = unicodedata.normalize("NFKC", q or "")[:MAX_QUERY_CHARS]
    # drop characters that cannot be words: controls, surrogates, symbols and emoji
    q = "".join(c if unicodedata.category(c)[0] in "LNM" else " " for c in q)
    chunks = [c for c in _SPLIT.split(q) if c]
    return chunks[:MAX_CHUNKS]


def _term_or(terms: Iterable[str], reader, weight: float = 1.0) -> Query | None:
    subs = []
    for t in dict.fromkeys(terms):
        for fname, w in TEXT_FIELDS:
            if (fname, t) in reader:
                subs.append(Term(fname, t, boost=w * weight))
    if not subs:
        return None
    return subs[0] if len(subs) == 1 else Or(subs)


def _in_vocab(reader, t: str) -> bool:
    return any((fname, t) in reader for fname, _ in TEXT_FIELDS)


def _segment_kana(kana: str, reader) -> list[str] | None:
    """Split a kana string into the fewest terms the index knows (readings of indexed words).

    Sudachi segments unspaced hiragana badly (かいご → かい/ご); the index's own vocabulary of
    readings does it well: かいご → [かいご] (介護), こどもしょくどう → [こども, しょくどう]."""
    n = len(kana)
    if n == 0 or n > 30:
        return None
    inf = n + 1
    best = [inf] * (n + 1)
    back = [0] * (n + 1)
    best[0] = 0
    for i in range(n):
        if best[i] == inf:
            continue
        for j in range(n, i, -1):
            if best[i] + 1 < best[j] and _in_vocab(reader, kana[i:j]):
                best[j] = best[i] + 1
                back[j] = i
    if best[n] == inf:
        return None
    pieces = []
    j = n
    while j > 0:
        pieces.append(kana[back[j]:j])
        j = back[j]
    return pieces[::-1]


def _and(qs: list[Query]) -> Query | None:
    qs = [q for q in qs if q is not None]
    if not qs:
        return None
    return qs[0] if len(qs) == 1 else And(qs)


def _or(qs: list[Query]) -> Query | None:
    qs = [q for q in qs if q is not None]
    if not qs:
        return None
    return qs[0] if len(qs) == 1 else Or(qs)


def _word_alternative(chunk: str, reader, terms: set[str], weight: float = 1.0) -> tuple[Query | None, bool]:
    """AND over the chunk's long-unit morphemes (each: normalised form or surface, in any field)."""
    parts: list[Query | None] = []
    oov = False
    morphs = an.analyze(chunk)
    # analyze() yields each long unit followed by its short units; group them
    i = 0
    while i < len(morphs):
        m = morphs[i]
        group = [m]
        j = i + 1
        while j < len(morphs) and morphs[j].start >= m.start and morphs[j].end <= m.end:
            group.append(morphs[j])
            j += 1
        i = j
        oov = oov or m.oov
        long_terms = m.terms[:2]
        terms.update(long_terms)
        alt = _term_or(long_terms, reader, weight)
        if len(group) > 1:
            shorts = []
            for a in group[1:]:
                terms.update(a.terms[:2])
                shorts.append(_term_or(a.terms[:2], reader, weight * 0.8))
            if all(s is not None for s in shorts):
                alt = _or([alt, _and(shorts)])
        parts.append(alt)
    if not parts or any(p is None for p in parts):
        return None, oov or not parts
    return _and(parts), oov


def _kana_alternative(kana: str, reader, terms: set[str], weight: float) -> Query | None:
    for candidate in dict.fromkeys([kana, an.fold_long_vowels(kana)]):
        pieces = _segment_kana(candidate, reader)
        if pieces:
            terms.update(pieces)
            return _and([_term_or([p], reader, weight) for p in pieces])
    return None


def _ngram_alternative(folded: str, reader) -> Query | None:
    grams = list(dict.fromkeys(an.bigrams(folded)))
    if not grams or any(("ngram", g) not in reader for g in grams):
        return None
    return _and([Term("ngram", g, boost=W_NGRAM) for g in grams])


def build_query(q: str, reader) -> _Built:
    terms: set[str] = set()
    substrings: list[str] = []
    chunk_queries: list[Query] = []
    chunks = _clean_chunks(q)
    for chunk in chunks:
        folded = an.fold(chunk)
        alts: list[Query | None] = []
        use_ngram = False
        if an.is_kana(folded):
            kana_q = _kana_alternative(folded, reader, terms, 1.0)
            alts.append(kana_q)
            if kana_q is None:
                word_q, oov = _word_alternative(chunk, reader, terms)
                alts.append(word_q)
                use_ngram = True
        elif folded.isascii() and any(c.isalpha() for c in folded):
            word_q, oov = _word_alternative(folded, reader, terms)
            alts.append(word_q)
            for loan in an.LOANWORDS.get(folded, ()):
                lq, _ = _word_alternative(loan, reader, terms, 0.9)
                alts.append(lq)
            kana = an.romaji_to_kana(folded)
            if kana:
                alts.append(_kana_alternative(kana, reader, terms, 0.8))
            use_ngram = oov
        else:
            word_q, oov = _word_alternative(chunk, reader, terms)
            alts.append(word_q)
            use_ngram = oov
        if use_ngram and len(folded) >= 2:
            ng = _ngram_alternative(folded, reader)
            if ng is not None:
                alts.append(ng)
                substrings.append(folded)
        cq = _or(alts)
        # a chunk with no match anywhere still counts: AND over chunks must then find nothing
        chunk_queries.append(cq if cq is not None else Term("id", "\x00none"))
    return _Built(_and(chunk_queries), chunk_queries, terms, substrings, chunks)


# --- highlighting ----------------------------------------------------------------------------

def _spans(text: str, built: _Built) -> list[tuple[int, int]]:
    spans = [(m.start, m.end) for m in an.analyze(text) if built.terms.intersection(m.terms)]
    if built.substrings:
        folded = an.fold(text)
        if len(folded) == len(text):
            for sub in built.substrings:
                for mm in re.finditer(re.escape(sub), folded):
                    spans.append((mm.start(), mm.end()))
    spans.sort()
    merged: list[tuple[int, int]] = []
    for s, e in spans:
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(e, merged[-1][1]))
        else:
            merged.append((s, e))
    return merged


def _mark(text: str, spans: list[tuple[int, int]], lo: int = 0, hi: int | None = None) -> str:
    hi = len(text) if hi is None else hi
    out = []
    pos = lo
    for s, e in spans:
        if e <= lo or s >= hi:
            continue
        s, e = max(s, lo), min(e, hi)
        out.append(html.escape(text[pos:s]))
        out.append("<mark>" + html.escape(text[s:e]) + "</mark>")
        pos = e
    out.append(html.escape(text[pos:hi]))
    return "".join(out)


def highlight(fields: dict[str, str], built: _Built | None, snippet: int = 120) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, text in (("name", fields.get("s_name") or ""), ("summary", fields.get("s_summary") or "")):
        spans = _spans(text, built) if built else []
        out[key] = _mark(text, spans)
    desc = fields.get("s_description") or ""
    if built and desc:
        spans = _spans(desc, built)
        if spans:
            first = spans[0][0]
            lo = max(0, first - snippet // 3)
            hi = min(len(desc), lo + snippet)
            out["description"] = ("…" if lo else "") + _mark(desc, spans, lo, hi) + ("…" if hi < len(desc) else "")
    return out


# --- per-segment cached columns ---------------------------------------------------------------

_COLS_CACHE: dict[tuple, tuple] = {}
_COLS_LOCK = threading.Lock()


def _segment_cols(reader) -> tuple[list[str], list[str], list[tuple[str, ...]], list[str], list[int]]:
    seg = reader.segment()
    key = (seg.segment_id() if seg is not None else id(reader), reader.doc_count_all())
    cols = _COLS_CACHE.get(key)
    if cols is None:
        kinds = list(reader.column_reader("kind"))
        areas = list(reader.column_reader("area"))
        targets = [tuple(t.split()) if t else () for t in reader.column_reader("targets")]
        sortkeys = list(reader.column_reader("sortkey"))
        updated = list(reader.column_reader("updated"))
        cols = (kinds, areas, targets, sortkeys, updated)
        with _COLS_LOCK:
            if len(_COLS_CACHE) > 256:
                _COLS_CACHE.clear()
            _COLS_CACHE[key] = cols
    return cols


def _fresh(updated: int, now: float) -> float:
    if updated <= 0:
        return 1.0
    age_days = max(0.0, (now - updated) / 86400.0)
    return 1.0 + FRESH_BOOST * math.exp(-age_days / FRESH_DAYS)


# --- the index -------------------------------------------------------------------------------

_PATH_LOCKS: dict[str, threading.RLock] = {}
_PATH_LOCKS_GUARD = threading.Lock()


def _path_lock(path: Path) -> threading.RLock:
    with _PATH_LOCKS_GUARD:
        return _PATH_LOCKS.setdefault(str(path.resolve()), threading.RLock())


class SearchIndex:
    WRITE_RETRY_SECONDS = 10.0

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self._local = threading.local()
        self._pending: list | None = None     # changes made while a rebuild runs, replayed before swap
        self._weighting = BM25F()

    # -- paths and locks
    @property
    def _current(self) -> Path:
        return self.path / "current"

    def exists(self) -> bool:
        try:
            return self._current.is_dir() and windex.exists_in(str(self._current))
        except Exception:
            return False

    @contextlib.contextmanager
    def _write_lock(self):
        self.path.mkdir(parents=True, exist_ok=True)
        with _path_lock(self.path), open(self.path / "write.lock", "a+b") as fh:
            deadline = time.monotonic() + self.WRITE_RETRY_SECONDS * 30
            while True:
                try:
                    fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise IndexBusy(str(self.path)) from None
                    time.sleep(0.05)
            try:
                yield
            finally:
                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)

    def _open(self, directory: Path | None = None):
        d = directory or self._current
        try:
            return windex.open_dir(str(d))
        except Exception as exc:
            raise IndexUnavailable(f"cannot open search index at {d}: {exc}") from exc

    def _writer(self, ix):
        deadline = time.monotonic() + self.WRITE_RETRY_SECONDS
        delay = 0.02
        while True:
            try:
                return ix.writer(limitmb=128)
            except windex.LockError:
                if time.monotonic() > deadline:
                    raise IndexBusy(str(self.path)) from None
                time.sleep(delay)
                delay = min(delay * 2, 0.5)

    # -- writing
    def rebuild(self, docs: Iterable[IndexDoc], *, progress: Callable[[int], None] | None = None,
                workers: int | None = None, batch: int = 500) -> int:
        """Build a new index beside the current one, then swap it in atomically; returns the count."""
        self.path.mkdir(parents=True, exist_ok=True)
        gen = self.path / f"gen-{time.time_ns()}"
        gen.mkdir()
        self._pending = []
        count = 0
        try:
            ix = windex.create_in(str(gen), _schema())
            writer = ix.writer(limitmb=256)
            try:
                for fields in _analysed(docs, workers=workers, batch=batch):
                    writer.add_document(**fields)
                    count += 1
                    if progress is not None and count % batch == 0:
                        progress(count)
                writer.commit()
            except BaseException:
                writer.cancel()
                raise
            with self._write_lock():
                pending, self._pending = self._pending, None
                if pending:
                    self._apply(ix, pending)
                tmp_link = self.path / f"current.{os.getpid()}.tmp"
                with contextlib.suppress(FileNotFoundError):
                    tmp_link.unlink()
                tmp_link.symlink_to(gen.name)
                if self._current.exists() and not self._current.is_symlink():
                    shutil.rmtree(self._current)   # a directory from an older layout
                os.replace(tmp_link, self._current)
            if progress is not None:
                progress(count)
        except BaseException:
            self._pending = None
            shutil.rmtree(gen, ignore_errors=True)
            raise
        for old in self.path.glob("gen-*"):
            if old.name != gen.name:
                shutil.rmtree(old, ignore_errors=True)
        return count

    def _apply(self, ix, ops: list) -> None:
        writer = self._writer(ix)
        try:
            for op, value in ops:
                if op == "upsert":
                    writer.update_document(**value)
                else:
                    writer.delete_by_term("id", value)
            # merging small segments now and then keeps searches fast; never a full optimise here
            writer.commit(merge=len(ix._segments()) > 6)
        except BaseException:
            writer.cancel()
            raise

    def _change(self, ops: list) -> None:
        if not ops:
            return
        if self._pending is not None:
            self._pending.extend(ops)
        if not self.exists():
            if self._pending is not None:
                return
            raise IndexUnavailable(f"no search index at {self.path}")
        with self._write_lock():
            self._apply(self._open(), ops)

    def upsert(self, docs: Iterable[IndexDoc]) -> None:
        self._change([("upsert", analyse_doc(d)) for d in docs])

    def delete(self, ids: Iterable[int]) -> None:
        self._change([("delete", str(int(i))) for i in ids])

    # -- reading
    def _searcher(self):
        local = self._local
        try:
            target = os.readlink(self._current)
        except OSError as exc:
            raise IndexUnavailable(f"no search index at {self.path}") from exc
        s = getattr(local, "searcher", None)
        # Searcher.refresh() reuses segment readers and misses new deletions: reopen instead
        if s is None or local.target != target or not s.up_to_date():
            if s is not None:
                with contextlib.suppress(Exception):
                    s.close()
            s = self._open().searcher(weighting=self._weighting)
            local.searcher, local.target = s, target
        return s

    def close(self) -> None:
        s = getattr(self._local, "searcher", None)
        if s is not None:
            s.close()
            self._local.searcher = None

    def search(self, q: str, *, kind: str | None = None, area: str | None = None, target: str | None = None,
               page: int = 1, per_page: int = 20) -> SearchPage:
        try:
            page = max(1, int(page))
        except (TypeError, ValueError):
            page = 1
        try:
            per_page = min(100, max(1, int(per_page)))
        except (TypeError, ValueError):
            per_page = 20
        page = min(page, 10_000)
        try:
            searcher = self._searcher()
            return self._search(searcher, q if isinstance(q, str) else "", kind or None, area or None,
                                target or None, page, per_page)
        except IndexUnavailable:
            raise
        except Exception as exc:  # a corrupt segment shows up here: let the caller fall back
            log.exception("search index failed")
            raise IndexUnavailable(str(exc)) from exc

    def _search(self, searcher, q, kind, area, target, page, per_page) -> SearchPage:
        facets: dict[str, dict[str, int]] = {"kind": {}, "area": {}, "target": {}}
        fk, fa, ft = facets["kind"], facets["area"], facets["target"]
        want = page * per_page
        built: _Built | None = None
        relaxed = False
        browse = not _clean_chunks(q) and not (q or "").strip()
        now = time.time()

        def collect(query: Query | None):
            nonlocal total
            heap: list = []
            for sub, offset in searcher.leaf_searchers():
                reader = sub.reader()
                kinds, areas, targets, sortkeys, updated = _segment_cols(reader)
                if query is None:
                    ids = (d for d in range(reader.doc_count_all()) if not reader.is_deleted(d)) \
                        if reader.has_deletions() else iter(range(reader.doc_count_all()))
                    matcher = None
                else:
                    matcher = query.matcher(sub, sub.context(weighting=self._weighting))
                    ids = None
                while True:
                    if matcher is not None:
                        if not matcher.is_active():
                            break
                        d = matcher.id()
                    else:
                        d = next(ids, None)  # type: ignore[arg-type]
                        if d is None:
                            break
                    k, a, ts = kinds[d], areas[d], targets[d]
                    ok_k = kind is None or k == kind
                    ok_a = area is None or a == area
                    ok_t = target is None or target in ts
                    if ok_a and ok_t:
                        fk[k] = fk.get(k, 0) + 1
                    if ok_k and ok_t and a:
                        fa[a] = fa.get(a, 0) + 1
                    if ok_k and ok_a:
                        for t in ts:
                            ft[t] = ft.get(t, 0) + 1
                    if ok_k and ok_a and ok_t:
                        total += 1
                        if matcher is not None:
                            score = matcher.score() * _fresh(updated[d], now)
                            item = (score, -(d + offset))
                        else:
                            item = (sortkeys[d], d + offset)
                        if matcher is None:
                            heap.append(item)
                        elif len(heap) < want:
                            heapq.heappush(heap, item)
                        elif item > heap[0]:
                            heapq.heapreplace(heap, item)
                    if matcher is not None:
                        matcher.next()
            return heap

        total = 0
        if browse:
            items = collect(None)
            items.sort()
            ranked = [(0.0, docnum) for _, docnum in items[want - per_page: want]]
        else:
            built = build_query(q, searcher.reader())
            items = collect(built.query) if built.query is not None else []
            if total == 0 and len(built.chunk_queries) > 1:
                for f in facets.values():
                    f.clear()
                items = collect(_or(built.chunk_queries))
                relaxed = total > 0
            items.sort(reverse=True)
            ranked = [(score, -neg) for score, neg in items[want - per_page: want]]
        hits = []
        for score, docnum in ranked:
            stored = searcher.stored_fields(docnum)
            hits.append(Hit(int(stored["id"]), stored.get("kind", ""), round(float(score), 4),
                            highlight(stored, built)))
        suggestions: list[str] = []
        if built is not None and built.chunks and total < 3:
            suggestions = self._suggest(searcher, built.chunks)
        return SearchPage(total=total, page=page, per_page=per_page, hits=hits,
                          facets={k: dict(sorted(v.items(), key=lambda kv: (-kv[1], kv[0])))
                                  for k, v in facets.items()},
                          suggestions=suggestions, relaxed=relaxed)

    def _suggest(self, searcher, chunks: list[str], limit: int = 3) -> list[str]:
        """Close spellings from the index's names and tags, one query word at a time."""
        reader = searcher.reader()
        per_chunk: list[list[str]] = []
        for chunk in chunks:
            word = unicodedata.normalize("NFKC", chunk).casefold()
            variants = [word, an.to_katakana(word)]
            kana = an.romaji_to_kana(word)
            if kana:
                variants += [kana, an.to_katakana(kana)]
            found: dict[str, tuple] = {}
            for v in dict.fromkeys(variants):
                if len(v) < 2 or len(v) > 20:
                    continue
                maxdist = 1 if len(v) <= 4 else 2
                for sug in reader.terms_within("spell", v, maxdist, prefix=0):
                    if an.fold(sug) != an.fold(word):
                        found[sug] = (-reader.doc_frequency("spell", sug), len(sug))
            per_chunk.append(sorted(found, key=lambda s: found[s])[:limit] or [chunk])
        out: list[str] = []
        for i, options in enumerate(per_chunk):
            for opt in options:
                if opt == chunks[i]:
                    continue
                cand = " ".join(chunks[:i] + [opt] + chunks[i + 1:])
                if cand not in out:
                    out.append(cand)
        return out[:limit]


def _analysed(docs: Iterable[IndexDoc], *, workers: int | None, batch: int):
    """Analysed field dicts, in order; with workers > 1 the analysis runs in worker processes."""
    workers = (os.cpu_count() or 1) if workers is None else workers
    if workers <= 1:
        for d in docs:
            yield analyse_doc(d)
        return
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    def batches():
        buf: list[IndexDoc] = []
        for d in docs:
            buf.append(d)
            if len(buf) >= batch:
                yield buf
                buf = []
        if buf:
            yield buf

    # fork is cheap and needs no importable __main__, but is unsafe with other threads running
    method = "fork" if threading.active_count() == 1 and "fork" in mp.get_all_start_methods() else "spawn"
    with ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context(method)) as pool:
        pending: list = []
        for b in batches():
            pending.append(pool.submit(_analyse_batch, b))
            if len(pending) >= workers * 2:
                yield from pending.pop(0).result()
        for fut in pending:
            yield from fut.result()
