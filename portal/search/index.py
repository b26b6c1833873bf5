"""The search index service: Whoosh (whoosh3, classic API) over pre-analysed Japanese text.

No Flask, no models: the portal hands :class:`IndexDoc` objects in and gets :class:`SearchPage`
objects out. Analysis lives in :mod:`portal.search.analysis`, what each field holds for a listing in
:mod:`portal.search.fields`; the schema only uses stock Whoosh
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
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from itertools import chain, islice, product
from pathlib import Path

from whoosh import index as windex
from whoosh.analysis import SpaceSeparatedTokenizer
from whoosh.columns import NumericColumn, PickleColumn, VarBytesColumn
from whoosh.fields import COLUMN, ID, KEYWORD, Schema
from whoosh.matching.wrappers import FilterMatcher

from . import analysis as an
from . import postings
from .fields import IndexDoc, analyse_doc, stamp
from .fields import clear_caches as clear_analysis_caches

log = logging.getLogger(__name__)

# --- public data types -----------------------------------------------------------------------


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
    relaxed: bool = False  # no listing had every word: these results have any of them


class IndexUnavailable(Exception):
    """The index is missing or cannot be read: fall back to the database and rebuild it."""


class IndexBusy(Exception):
    """Another writer held the index for longer than the retry budget."""


# --- schema and document analysis ------------------------------------------------------------

# field weights: name first, then tags and summary, then description and translations
W_NAME, W_HI, W_BODY, W_NGRAM = 4.0, 2.0, 1.0, 0.3
TEXT_FIELDS = ("name", "hi", "body")
MAX_QUERY_CHARS = 200
MAX_CHUNKS = 8
FRESH_BOOST, FRESH_DAYS = 0.12, 180.0


class Code(ID):
    """An ID field (a listing id, a kind or area code): its whole value is its one term, as with ID.

    Why: ID finds that term by running its analyzer (a Token object, two generators) for every value,
    ~8 µs each, a sixth of writing a segment; the schema is pickled into the index, hence a named class."""

    def index(self, value, **kwargs):
        return ((value.encode("utf-8"), 1, self.format.field_boost, b""),)


def _schema() -> Schema:
    ws = SpaceSeparatedTokenizer()
    return Schema(
        id=Code(unique=True),  # a term: an update deletes the listing's old document by it
        # Filters and facets read these as columns (never as terms): plain columns, no postings to write.
        kind=_column(),
        area=_column(),
        targets=_column(),  # space-separated codes, one value
        sortkey=_column(),  # sorting by reading
        # only read as a column (freshness ranking): a NUMERIC field also indexed 16 terms per listing
        updated=COLUMN(NumericColumn("q", default=0)),
        name=KEYWORD(analyzer=ws, scorable=False),
        hi=KEYWORD(analyzer=ws, scorable=False),
        body=KEYWORD(analyzer=ws, scorable=False),
        ngram=KEYWORD(analyzer=ws, scorable=False),
        spell=KEYWORD(analyzer=ws, scorable=False),
        # What a hit shows, read for the 20 hits of a page: (id, kind, name, summary, description).
        # A plain column, not Whoosh's stored fields: those are compressed one document at a time
        # (zlib's set-up each time), about a fifth of writing a segment (bench/import.py).
        hit=_column(),
    )


def _column() -> COLUMN:
    """A value per document (any picklable value), read back as it was written."""
    return COLUMN(PickleColumn(VarBytesColumn()))


def schema_signature(schema: Schema) -> frozenset[tuple[str, str, str]]:
    """Each field's name, type and column type: an index built with others is rebuilt, not read."""
    return frozenset(
        (name, type(field).__name__, type(getattr(field, "column_type", None)).__name__)
        for name, field in schema.items()
    )


SCHEMA = schema_signature(_schema())


# --- query building --------------------------------------------------------------------------
#
# A query is a list of chunks (words the user separated by spaces or punctuation); every chunk must
# match. A chunk is a list of alternatives (any may match); an alternative is a list of morphemes that
# must all match, each morpheme a set of equivalent terms (normalised form, surface, reading). The
# n-gram alternative is a list of bigrams in the "ngram" field. Nothing the user types is parsed as
# query syntax: it only ever becomes terms looked up in the index.

_SPLIT = re.compile(r"[\s\"'`“”‘’「」『』()（）\[\]{}<>【】、。,.;:!?！？・/\\|*+~^=&#%$@]+")


@dataclass
class _Chunk:
    text: str
    alternatives: list[list[tuple[str, ...]]]  # [[terms of morpheme 1, terms of morpheme 2, ...], ...]
    ngrams: list[str]  # bigrams (AND) in the n-gram field, or []


@dataclass
class _Built:
    chunks: list[_Chunk]
    terms: set[str]  # every term searched for (for highlighting)
    substrings: list[str]  # folded chunks searched by n-gram (for highlighting)
    words: list[str]  # the cleaned words of the query


def _clean_chunks(q: str) -> list[str]:
    q = unicodedata.normalize("NFKC", q or "")[:MAX_QUERY_CHARS]
    # drop characters that cannot be words: controls, surrogates, symbols and emoji
    q = "".join(c if unicodedata.category(c)[0] in "LNM" else " " for c in q)
    chunks = [c for c in _SPLIT.split(q) if c]
    return chunks[:MAX_CHUNKS]


def _in_vocab(reader, t: str) -> bool:
    return any((fname, t) in reader for fname in TEXT_FIELDS)


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
        pieces.append(kana[back[j] : j])
        j = back[j]
    return pieces[::-1]


def _word_alternatives(chunk: str, terms: set[str]) -> tuple[list[list[tuple[str, ...]]], bool]:
    """The chunk's long units (mode C); a second alternative uses short units (mode A) where they differ."""
    morphs = an.analyze(chunk)
    longs: list[tuple[str, ...]] = []
    shorts: list[tuple[str, ...]] = []
    oov = False
    i = 0
    while i < len(morphs):
        m = morphs[i]
        j = i + 1
        group = []
        while j < len(morphs) and morphs[j].start >= m.start and morphs[j].end <= m.end:
            group.append(morphs[j].qterms)
            j += 1
        i = j
        oov = oov or m.oov
        longs.append(m.qterms)
        shorts.extend(group or [m.qterms])
    for t in longs + shorts:
        terms.update(t)
    if not longs:
        return [], True
    alts = [longs]
    if shorts != longs:
        alts.append(shorts)
    return alts, oov


def _kana_alternative(kana: str, reader, terms: set[str]) -> list[tuple[str, ...]] | None:
    for candidate in dict.fromkeys([kana, an.fold_long_vowels(kana)]):
        pieces = _segment_kana(candidate, reader)
        if pieces:
            terms.update(pieces)
            return [(p,) for p in pieces]
    return None


def build_query(q: str, reader) -> _Built:
    terms: set[str] = set()
    substrings: list[str] = []
    chunks: list[_Chunk] = []
    words = _clean_chunks(q)
    for word in words:
        folded = an.fold(word)
        alts: list[list[tuple[str, ...]]] = []
        use_ngram = False
        if an.is_kana(folded):
            kana_alt = _kana_alternative(folded, reader, terms)
            if kana_alt:
                alts.append(kana_alt)
                # descriptions index normalised forms only (ヨガ → ヨーガ), not readings
                alts += [a for a in _word_alternatives(word, terms)[0] if a not in alts]
            else:
                alts += _word_alternatives(word, terms)[0]
                use_ngram = True
        elif folded.isascii() and any(c.isalpha() for c in folded):
            word_alts, oov = _word_alternatives(folded, terms)
            alts += word_alts
            for loan in an.LOANWORDS.get(folded, ()):
                alts += _word_alternatives(loan, terms)[0]
            kana = an.romaji_to_kana(folded)
            if kana:
                kana_alt = _kana_alternative(kana, reader, terms)
                if kana_alt:
                    alts.append(kana_alt)
            use_ngram = oov
        else:
            word_alts, use_ngram = _word_alternatives(word, terms)
            alts += word_alts
        ngrams: list[str] = []
        if use_ngram and len(folded) >= 2:
            ngrams = list(dict.fromkeys(an.bigrams(folded)))
            if ngrams:
                substrings.append(folded)
        if alts or ngrams:
            chunks.append(_Chunk(word, alts, ngrams))
        elif any(c.isalnum() for c in word):
            chunks.append(_Chunk(word, [], []))  # a word that matches nothing: the AND finds nothing
    return _Built(chunks, terms, substrings, words)


# --- highlighting ----------------------------------------------------------------------------


def _spans(text: str, built: _Built) -> list[tuple[int, int]]:
    spans = [(m.start, m.end) for m in an.analyze(text) if not built.terms.isdisjoint(m.hl)]
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


def highlight(name: str, summary: str, desc: str, built: _Built | None, snippet: int = 120) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, text in (("name", name or ""), ("summary", summary or "")):
        spans = _spans(text, built) if built else []
        out[key] = _mark(text, spans)
    desc = desc or ""
    if built and desc:
        spans = _spans(desc, built)
        if spans:
            first = spans[0][0]
            lo = max(0, first - snippet // 3)
            hi = min(len(desc), lo + snippet)
            out["description"] = (
                ("…" if lo else "") + _mark(desc, spans, lo, hi) + ("…" if hi < len(desc) else "")
            )
    return out


# --- per-segment caches: columns, filter sets, postings ----------------------------------------


class _Seg:
    """What a search needs from one immutable segment, computed once per segment."""

    def __init__(self, reader):
        self.n = n = reader.doc_count_all()

        def column(name):
            return list(reader.column_reader(name)) if n else []

        self.kinds = column("kind")
        self.areas = column("area")
        self.updated = column("updated")
        targets = [tuple(t.split()) if t else () for t in column("targets")]
        sortkeys = column("sortkey")
        self.kind_sets = _group(enumerate(self.kinds))
        self.area_sets = _group(enumerate(self.areas))
        self.target_sets = _group((d, t) for d, ts in enumerate(targets) for t in ts)
        self.targets = targets
        self.all = frozenset(range(self.n))
        self.sort_order = sorted(range(self.n), key=lambda d: (sortkeys[d], d))
        self.sortkeys = sortkeys
        self.fresh_order = sorted(range(self.n), key=lambda d: (-self.updated[d], d))


class _HitReader:
    """The `hit` column of a search's segments by global document number, each segment's opened once."""

    def __init__(self, segs: list[tuple]):
        self._segs = segs  # (reader, offset, ...) in offset order, as Searcher.leaf_searchers gives them
        self._columns: dict[int, object] = {}

    def __getitem__(self, docnum: int) -> tuple:
        index = max(i for i, seg in enumerate(self._segs) if seg[1] <= docnum)
        column = self._columns.get(index)
        if column is None:
            column = self._columns[index] = self._segs[index][0].column_reader("hit")
        return column[docnum - self._segs[index][1]]


def _group(pairs) -> dict[str, frozenset[int]]:
    out: dict[str, set[int]] = {}
    for d, v in pairs:
        if v:
            out.setdefault(v, set()).add(d)
    return {k: frozenset(v) for k, v in out.items()}


_SEG_CACHE: dict[str, _Seg] = {}
_POSTINGS: OrderedDict[tuple, frozenset[int]] = OrderedDict()
_POSTINGS_BUDGET = 4_000_000  # cached postings (about 40 bytes each as frozenset members)
_postings_size = 0
_CACHE_LOCK = threading.Lock()
_EMPTY: frozenset[int] = frozenset()


def _seg_id(reader) -> str:
    seg = reader.segment()
    return seg.segment_id() if seg is not None else str(id(reader))


def _seg_data(reader) -> _Seg:
    key = _seg_id(reader)
    seg = _SEG_CACHE.get(key)
    if seg is None:
        seg = _Seg(reader)
        with _CACHE_LOCK:
            if len(_SEG_CACHE) > 64:
                _SEG_CACHE.clear()
            _SEG_CACHE[key] = seg
    return seg


def _read_ids(matcher) -> list[int]:
    """All document numbers of a posting list, a block at a time where the codec allows it."""
    if isinstance(matcher, FilterMatcher):  # deletions are removed later, per query
        matcher = matcher.child
    ids: list[int] = []
    if hasattr(matcher, "_read_ids") and hasattr(matcher, "_next_block"):
        try:
            while matcher.is_active():
                matcher._read_ids()
                ids.extend(matcher._ids[matcher._i :])
                matcher._next_block()
            return ids
        except Exception:  # another codec layout: the slow, public way
            ids = []
            matcher.reset()
    ids.extend(matcher.all_ids())
    return ids


def _postings(reader, segid: str, fieldname: str, term: str) -> frozenset[int]:
    global _postings_size
    key = (segid, fieldname, term)
    hit = _POSTINGS.get(key)
    if hit is not None:
        with _CACHE_LOCK, contextlib.suppress(KeyError):
            _POSTINGS.move_to_end(key)
        return hit
    if (fieldname, term) not in reader:
        return _EMPTY
    ids = frozenset(_read_ids(reader.postings(fieldname, term)))
    with _CACHE_LOCK:
        _POSTINGS[key] = ids
        _postings_size += len(ids)
        while _postings_size > _POSTINGS_BUDGET and len(_POSTINGS) > 1:
            _, old = _POSTINGS.popitem(last=False)
            _postings_size -= len(old)
    return ids


def _fresh(updated: int, now: float) -> float:
    if updated <= 0:
        return 1.0
    age_days = max(0.0, (now - updated) / 86400.0)
    return 1.0 + FRESH_BOOST * math.exp(-age_days / FRESH_DAYS)


def _union(sets) -> frozenset[int]:
    sets = [s for s in sets if s]
    if not sets:
        return _EMPTY
    if len(sets) == 1:
        return sets[0]
    return frozenset().union(*sets)


def _inter(sets) -> frozenset[int]:
    sets = sorted(sets, key=len)
    if not sets or not sets[0]:
        return _EMPTY
    out = sets[0]
    for s in sets[1:]:
        out = out & s
        if not out:
            break
    return out


class _SegMatch:
    """One chunk's matches in one segment, split by the best field each document matched in."""

    __slots__ = ("any", "tiers")

    def __init__(self, reader, segid: str, chunk: _Chunk):
        def p(fieldname, terms):
            return _union(_postings(reader, segid, fieldname, t) for t in terms)

        any_sets, name_sets, nh_sets = [], [], []
        for alt in chunk.alternatives:
            per_name, per_nh, per_any = [], [], []
            for morph in alt:
                n = p("name", morph)
                h = p("hi", morph)
                b = p("body", morph)
                per_name.append(n)
                per_nh.append(n | h)
                per_any.append(n | h | b)
            name_sets.append(_inter(per_name))
            nh_sets.append(_inter(per_nh))
            any_sets.append(_inter(per_any))
        words = _union(any_sets)
        grams = (
            _inter([_postings(reader, segid, "ngram", g) for g in chunk.ngrams]) if chunk.ngrams else _EMPTY
        )
        name = _union(name_sets)
        nh = _union(nh_sets)
        self.any = words | grams
        # (weight, documents whose best match for this chunk is in that tier)
        self.tiers = [(W_NAME, name), (W_HI, nh - name), (W_BODY, words - nh), (W_NGRAM, grams - words)]


# --- the index -------------------------------------------------------------------------------

SMALL_SEGMENT_DOCS = 1000  # segments of single updates; a rebuild writes segments of thousands
MAX_SMALL_SEGMENTS = 6


def _merge_small_segments(writer, segments):
    """Merge the segments that single updates left, once there are several; never the big ones.

    Whoosh's MERGE_SMALL sums all segments against a Fibonacci bound: with the twenty 5,000-listing
    segments of a 100k rebuild, the second update merged the whole index (minutes, inside a request)."""
    from whoosh.reading import SegmentReader

    small = [seg for seg in segments if seg.doc_count_all() < SMALL_SEGMENT_DOCS]
    if len(small) <= MAX_SMALL_SEGMENTS:
        return segments
    for seg in small:
        reader = SegmentReader(writer.storage, writer.schema, seg)
        writer.add_reader(reader)
        reader.close()
    return [seg for seg in segments if seg.doc_count_all() >= SMALL_SEGMENT_DOCS]


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
        self._pending: list | None = None  # changes made while a rebuild runs, replayed before swap

    # -- paths and locks
    @property
    def _current(self) -> Path:
        return self.path / "current"

    def exists(self) -> bool:
        """Whether there is an index this version can read (one with other fields is rebuilt)."""
        try:
            return self._current.is_dir() and self._open().latest_generation() > -1
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
            ix = windex.open_dir(str(d))
        except Exception as exc:
            raise IndexUnavailable(f"cannot open search index at {d}: {exc}") from exc
        if schema_signature(ix.schema) != SCHEMA:  # built by another version of the portal
            raise IndexUnavailable(f"the search index at {d} has other fields; it must be rebuilt")
        return ix

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
    def rebuild(
        self,
        docs: Iterable[IndexDoc],
        *,
        progress: Callable[[int], None] | None = None,
        workers: int | None = None,
        segment_docs: int = 5000,
        expected: int | None = None,
    ) -> int:
        """Build a new index beside the current one, then swap it in atomically; returns the count.

        Analysis and writing are both Python-bound (portal.search.postings says how postings are
        written), so each worker process analyses *and* writes a whole segment into its own scratch
        index; the segments' files are then moved into the new index and listed in one table of
        contents (no merge, no re-writing).
        ``expected`` (the number of documents, when known) lets a small corpus use every core too."""
        gen = self._new_generation()
        try:
            workers = (os.cpu_count() or 1) if workers is None else max(1, workers)
            if expected:  # split even a few thousand listings across the cores (import into a new city)
                segment_docs = min(segment_docs, max(1000, -(-expected // workers)))
            parts, count = _build_parts(
                gen, docs, workers=workers, segment_docs=segment_docs, progress=progress, expected=expected
            )
            _adopt_parts(gen, parts)
            self._swap_in(gen)
            if progress is not None:
                progress(count)
        except BaseException:
            self._pending = None
            shutil.rmtree(gen, ignore_errors=True)
            raise
        self._drop_other_generations(gen)
        return count

    def _new_generation(self) -> Path:
        """An empty index folder beside the current one; changes made meanwhile wait in ``_pending``."""
        self.path.mkdir(parents=True, exist_ok=True)
        gen = self.path / f"gen-{time.time_ns()}"
        gen.mkdir()
        self._pending = []
        windex.create_in(str(gen), _schema())
        return gen

    def _swap_in(self, gen: Path) -> None:
        """Apply the changes that waited, then make ``gen`` the current index (an atomic symlink swap)."""
        with self._write_lock():
            pending, self._pending = self._pending, None
            if pending:
                self._apply(self._open(gen), pending)
            tmp_link = self.path / f"current.{os.getpid()}.tmp"
            with contextlib.suppress(FileNotFoundError):
                tmp_link.unlink()
            tmp_link.symlink_to(gen.name)
            if self._current.exists() and not self._current.is_symlink():
                shutil.rmtree(self._current)  # a directory from an older layout
            os.replace(tmp_link, self._current)

    def _drop_other_generations(self, gen: Path) -> None:
        for old in self.path.glob("gen-*"):
            if old.name != gen.name:
                shutil.rmtree(old, ignore_errors=True)

    def staged_rebuild(self, *, workers: int | None = None) -> StagedRebuild:
        """A rebuild whose documents arrive before their listings have ids (see StagedRebuild)."""
        workers = (os.cpu_count() or 1) if workers is None else max(1, workers)
        return StagedRebuild(self, self._new_generation(), workers)

    def _apply(self, ix, ops: list) -> None:
        writer = self._writer(ix)
        try:
            for op, value in ops:
                if op == "upsert":
                    writer.update_document(**value)
                else:
                    writer.delete_by_term("id", value)
            # merging small segments now and then keeps searches fast; never a full optimise here
            writer.commit(mergetype=_merge_small_segments)
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
            s = self._open().searcher()
            local.searcher, local.target = s, target
        return s

    def close(self) -> None:
        s = getattr(self._local, "searcher", None)
        if s is not None:
            s.close()
            self._local.searcher = None

    def search(
        self,
        q: str,
        *,
        kind: str | None = None,
        area: str | None = None,
        target: str | None = None,
        page: int = 1,
        per_page: int = 20,
    ) -> SearchPage:
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
            return self._search(
                searcher,
                q if isinstance(q, str) else "",
                kind or None,
                area or None,
                target or None,
                page,
                per_page,
            )
        except IndexUnavailable:
            raise
        except Exception as exc:  # a corrupt segment shows up here: let the caller fall back
            log.exception("search index failed")
            raise IndexUnavailable(str(exc)) from exc

    def _search(self, searcher, q, kind, area, target, page, per_page) -> SearchPage:
        want = page * per_page
        now = time.time()
        segs = []
        for sub, offset in searcher.leaf_searchers():
            reader = sub.reader()
            deleted = getattr(reader, "deleted_docs_set", None)
            if deleted is None:
                deleted = frozenset(reader.deleted_docs()) if reader.has_deletions() else _EMPTY
            segs.append((reader, offset, _seg_data(reader), _seg_id(reader), deleted))
        built: _Built | None = None
        relaxed = False
        seg_chunks: list[list[_SegMatch]] = [[] for _ in segs]
        if not _clean_chunks(q) and not (q or "").strip():  # browse: everything, by reading
            matches = [sd.all - deleted for _, _, sd, _, deleted in segs]
        else:
            built = build_query(q, searcher.reader())
            if not built.chunks:
                return SearchPage(0, page, per_page, [], {"kind": {}, "area": {}, "target": {}})
            seg_chunks = [
                [_SegMatch(reader, segid, c) for c in built.chunks] for reader, _, _, segid, _ in segs
            ]
            matches = [_inter([m.any for m in cms]) - s[4] for cms, s in zip(seg_chunks, segs, strict=True)]
            if not any(matches) and len(built.chunks) > 1:
                matches = [
                    _union([m.any for m in cms]) - s[4] for cms, s in zip(seg_chunks, segs, strict=True)
                ]
                relaxed = any(matches)

        # filters and facets (each facet counts with the other filters applied, not its own)
        fk: Counter = Counter()
        fa: Counter = Counter()
        ft: Counter = Counter()
        filtered: list[frozenset[int]] = []
        for (_, _, sd, _, _), r in zip(segs, matches, strict=True):
            ks = sd.kind_sets.get(kind, _EMPTY) if kind else None
            as_ = sd.area_sets.get(area, _EMPTY) if area else None
            ts = sd.target_sets.get(target, _EMPTY) if target else None

            def restrict(s, *filters):
                for f in filters:
                    if f is not None:
                        s = s & f
                return s

            fk.update(map(sd.kinds.__getitem__, restrict(r, as_, ts)))
            fa.update(map(sd.areas.__getitem__, restrict(r, ks, ts)))
            ft.update(chain.from_iterable(map(sd.targets.__getitem__, restrict(r, ks, as_))))
            filtered.append(restrict(r, ks, as_, ts))
        fa.pop("", None)
        fk.pop("", None)
        total = sum(map(len, filtered))
        facets = {
            name: dict(sorted(c.items(), key=lambda kv: (-kv[1], kv[0])))
            for name, c in (("kind", fk), ("area", fa), ("target", ft))
        }

        # ranking
        ranked: list[tuple[float, int]] = []  # (score, global docnum) for this page
        skip = want - per_page
        if built is None:
            cands = []
            for i, ((_, offset, sd, _, _), f) in enumerate(zip(segs, filtered, strict=True)):
                cands += [(sd.sortkeys[d], i, d + offset) for d in _first(sd.sort_order, f, want)]
            cands.sort()
            ranked = [(0.0, g) for _, _, g in cands[skip:want]]
        elif total:
            n_all = sum(sd.n for _, _, sd, _, _ in segs) or 1
            nchunks = min(3, len(built.chunks))
            idf = [
                math.log(1.0 + n_all / (1.0 + sum(len(cms[c].any) for cms in seg_chunks)))
                for c in range(nchunks)
            ]
            tier_choices = []
            for c in range(nchunks):
                choices = [(idf[c] * w, t) for t, (w, _) in enumerate(seg_chunks[0][c].tiers)]
                if relaxed:
                    choices.append((0.0, -1))  # the chunk not matched at all
                tier_choices.append(choices)
            classes = sorted(product(*tier_choices), key=lambda cl: -sum(s for s, _ in cl))
            for cl in classes:
                score = sum(s for s, _ in cl)
                per_seg = []
                for cms, f in zip(seg_chunks, filtered, strict=True):
                    s = f
                    for c, (_, t) in enumerate(cl):
                        s = (s - cms[c].any) if t < 0 else (s & cms[c].tiers[t][1])
                        if not s:
                            break
                    per_seg.append(s)
                size = sum(map(len, per_seg))
                if size <= skip:
                    skip -= size
                    continue
                need = skip + per_page - len(ranked)
                cands = []
                for i, ((_, offset, sd, _, _), s) in enumerate(zip(segs, per_seg, strict=True)):
                    cands += [(-sd.updated[d], i, d + offset, sd.updated[d]) for d in _freshest(sd, s, need)]
                cands.sort()
                ranked += [(score * _fresh(u, now), g) for _, _, g, u in cands[skip:need]]
                skip = 0
                if len(ranked) >= per_page:
                    break
        hits = []
        shown = _HitReader(segs)
        for score, docnum in ranked[:per_page]:
            listing_id, kind, name, summary, description = shown[docnum]
            marked = highlight(name, summary, description, built)
            hits.append(Hit(listing_id, kind, round(float(score), 4), marked))
        suggestions: list[str] = []
        if built is not None and built.words and total < 3:
            suggestions = self._suggest(searcher, built.words)
        return SearchPage(
            total=total,
            page=page,
            per_page=per_page,
            hits=hits,
            facets=facets,
            suggestions=suggestions,
            relaxed=relaxed,
        )

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
                cand = " ".join(chunks[:i] + [opt] + chunks[i + 1 :])
                if cand not in out:
                    out.append(cand)
        return out[:limit]


def _first(order: list[int], members: frozenset[int], k: int) -> list[int]:
    """The first k documents of ``order`` that are in ``members``."""
    if not members or k <= 0:
        return []
    if len(members) <= k:
        return (
            [d for d in order if d in members]
            if len(members) * 4 > len(order)
            else sorted(members, key=order_index(order).__getitem__)
        )
    out = []
    for d in order:
        if d in members:
            out.append(d)
            if len(out) == k:
                break
    return out


_ORDER_INDEX: dict[int, list[int]] = {}


def order_index(order: list[int]) -> list[int]:
    idx = _ORDER_INDEX.get(id(order))
    if idx is None or len(idx) != len(order):
        idx = [0] * len(order)
        for pos, d in enumerate(order):
            idx[d] = pos
        if len(_ORDER_INDEX) > 128:
            _ORDER_INDEX.clear()
        _ORDER_INDEX[id(order)] = idx
    return idx


def _freshest(sd: _Seg, members: frozenset[int], k: int) -> list[int]:
    """The k most recently updated documents among ``members``."""
    if not members or k <= 0:
        return []
    if len(members) * 8 > sd.n:
        return _first(sd.fresh_order, members, k)
    upd = sd.updated
    return heapq.nsmallest(k, members, key=lambda d: (-upd[d], d))


def _write_part(part_dir: str, docs: list[IndexDoc], in_worker: bool = False) -> int:
    """Analyse documents and write them as one segment of a scratch index (runs in a worker process)."""
    return _write_fields(part_dir, (analyse_doc(d) for d in docs), in_worker)


def _write_fields(part_dir: str, analysed: Iterable[dict], in_worker: bool = False) -> int:
    """Write analysed documents (analyse_doc's dicts) as one segment of a scratch index."""
    ix = windex.create_in(part_dir, _schema())
    # limitmb: the pooled postings (ID fields) are sorted in memory; spilling to disk is slower.
    # compound=False: a compound segment's file position is a sum over every block written so far, and
    # the codec asks for it twice a term (~14 % of writing a segment); separate files answer at once.
    writer = ix.writer(limitmb=256, compound=False)
    try:
        count = 0
        if postings.can_write(writer):
            grouped = postings.TermPostings(_TERM_FIELDS)
            for fields in analysed:
                grouped.add(writer.docnum, fields)
                writer.add_document(**{k: v for k, v in fields.items() if k not in _TERM_FIELDS})
                count += 1
            postings.write_into(writer, grouped)
        else:
            for fields in analysed:
                writer.add_document(**fields)
                count += 1
        writer.commit(merge=False)
    except BaseException:
        writer.cancel()
        raise
    finally:
        if in_worker:  # a worker writes many segments: keep its memory flat (caches serve one segment)
            clear_analysis_caches()
    return count


# fields of unique space-separated terms (the id: one term), written by portal.search.postings
_TERM_FIELDS = ("id", "name", "hi", "body", "ngram", "spell")


def _chunks(docs: Iterable[IndexDoc], size: int):
    buf: list[IndexDoc] = []
    for d in docs:
        buf.append(d)
        if len(buf) >= size:
            yield buf
            buf = []
    if buf:
        yield buf


def _build_parts(
    gen: Path, docs, *, workers: int | None, segment_docs: int, progress, expected: int | None = None
) -> tuple[list[Path], int]:
    """Scratch indexes of ``segment_docs`` documents each, written by up to ``workers`` processes."""
    workers = (os.cpu_count() or 1) if workers is None else max(1, workers)
    chunks = _chunks(docs, max(1, segment_docs))
    parts: list[Path] = []

    def part_dir() -> Path:
        p = gen / f"part-{len(parts)}"
        p.mkdir()
        parts.append(p)
        return p

    if expected:  # the first worker starts on the first chunk while the parent reads the next one
        several = expected > segment_docs
    else:  # read ahead one chunk to know whether there is more than one
        head = list(islice(chunks, 2))
        several, chunks = len(head) > 1, chain(head, chunks)
    if workers == 1 or not several:  # one segment (or one core): no processes to start
        count = 0
        for chunk in chunks:
            count += _write_part(str(part_dir()), chunk)
            if progress is not None:
                progress(count)
        return parts, count
    return parts, _write_parts_in_processes(chunks, part_dir, workers, progress)


def _write_parts_in_processes(chunks, part_dir: Callable[[], Path], workers: int, progress) -> int:
    import multiprocessing as mp
    from collections import deque
    from concurrent.futures import ProcessPoolExecutor

    # fork is cheap and needs no importable __main__, but is unsafe with other threads running (a web
    # server's background rebuild): spawn then (forkserver was tried: it re-runs an unguarded __main__)
    method = "fork" if threading.active_count() == 1 and "fork" in mp.get_all_start_methods() else "spawn"
    count = 0
    with ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context(method)) as pool:
        in_flight: deque = deque()
        for chunk in chunks:
            in_flight.append(pool.submit(_write_part, str(part_dir()), chunk, True))
            del chunk  # memory: at most `workers` chunks of documents are held at once
            while len(in_flight) >= workers:
                count += in_flight.popleft().result()
                if progress is not None:
                    progress(count)
        while in_flight:
            count += in_flight.popleft().result()
            if progress is not None:
                progress(count)
    return count


def _adopt_parts(gen: Path, parts: list[Path]) -> None:
    """Move the scratch indexes' segment files into ``gen`` and list them all in one new TOC."""
    from whoosh.filedb.filestore import FileStorage
    from whoosh.index import TOC

    segments = []
    for part in parts:
        pix = windex.open_dir(str(part))
        for seg in pix._segments():
            for name in seg.list_files(pix.storage):
                os.replace(part / name, gen / name)
            segments.append(seg)
        shutil.rmtree(part)
    storage = FileStorage(str(gen))
    ix = windex.open_dir(str(gen))
    TOC(ix.schema, segments, ix.latest_generation() + 1).write(storage, windex._DEF_INDEX_NAME)


# --- a rebuild fed while the database is written -----------------------------------------------


def _segment_worker(conn, part_dir: str, docs: list[IndexDoc]) -> None:
    """Analyse ``docs`` at once, then wait for their ids and freshness times and write the segment.

    Runs in its own process: analysis (most of the work) needs no ids, so it overlaps the parent's
    INSERTs. The parent closing its end of the pipe (a failed import) ends the worker, writing nothing."""
    import traceback

    try:
        analysed = [analyse_doc(d) for d in docs]
        del docs
        ids, updated = conn.recv()
        for fields, doc_id, seconds in zip(analysed, ids, updated, strict=True):
            stamp(fields, doc_id, seconds)
        conn.send(("ok", _write_fields(part_dir, analysed)))
    except EOFError:
        pass  # the parent gave up on this build
    except BaseException:
        with contextlib.suppress(OSError):
            conn.send(("error", traceback.format_exc()))
    finally:
        conn.close()


@dataclass
class _Segment:
    rank: tuple  # where the segment goes in the index: documents must stay in id order across segments
    part: Path
    docs: list[IndexDoc] | None  # handed to the worker when it starts, then dropped here
    stamps: tuple[list[int], list[int]] | None = None  # (ids, updated seconds), once known
    process: object | None = None
    conn: object | None = None
    sent: bool = False
    count: int | None = None


class StagedRebuild:
    """A new index built from documents handed over before their listings have ids.

    What it is for: `import-csv` into a city with no index. Each segment's documents go to a worker
    process as soon as the importer knows them; the worker analyses them while the parent writes the
    database, then writes its segment once `set_ids` tells it the ids. At most ``workers`` processes run
    at once. Nothing is visible until `publish` (call it after the database commit); `abort` removes
    everything, so a failed import leaves the index as it was.
    """

    def __init__(self, index: SearchIndex, gen: Path, workers: int):
        import multiprocessing as mp

        self.index, self.gen, self.workers = index, gen, workers
        # fork: the documents reach the worker without pickling; spawn when other threads run (see
        # _write_parts_in_processes)
        fork = threading.active_count() == 1 and "fork" in mp.get_all_start_methods()
        self._context = mp.get_context("fork" if fork else "spawn")
        self._segments: list[_Segment] = []

    def add_segment(self, rank: tuple, docs: list[IndexDoc]) -> int:
        """Start (or queue) a segment of ``docs``; returns its handle for `set_ids`."""
        part = self.gen / f"part-{len(self._segments)}"
        part.mkdir()
        self._segments.append(_Segment(rank, part, docs))
        self._advance()
        return len(self._segments) - 1

    def set_ids(self, handle: int, ids: list[int], updated: list[int]) -> None:
        """The listing ids (and freshness, `updated_seconds`) of a segment's documents, in their order."""
        self._segments[handle].stamps = (ids, updated)
        self._advance()

    def publish(self) -> int:
        """Wait for every segment, then make this the current index; returns the number of documents."""
        try:
            while any(seg.count is None for seg in self._segments):
                if any(seg.stamps is None for seg in self._segments):
                    raise RuntimeError("a segment never got its listing ids")
                self._advance(wait=True)
            _adopt_parts(self.gen, [seg.part for seg in sorted(self._segments, key=lambda s: s.rank)])
            self.index._swap_in(self.gen)
        except BaseException:
            self.abort()
            raise
        self.index._drop_other_generations(self.gen)
        return sum(seg.count or 0 for seg in self._segments)

    def abort(self) -> None:
        """Stop the workers and remove the half-built index; the current one (if any) stays."""
        for seg in self._segments:
            if seg.conn is not None:
                seg.conn.close()
            if seg.process is not None and seg.process.is_alive():
                seg.process.terminate()
            if seg.process is not None:
                seg.process.join()
        self._segments = []
        self.index._pending = None
        shutil.rmtree(self.gen, ignore_errors=True)

    def _advance(self, wait: bool = False) -> None:
        """Send ids to started workers, collect finished ones, start queued segments in free slots."""
        from multiprocessing.connection import wait as wait_for

        running = [s for s in self._segments if s.process is not None and s.count is None]
        for seg in running:
            if seg.stamps is not None and not seg.sent:
                seg.conn.send(seg.stamps)
                seg.sent = True
        ready = [s.conn for s in running if s.sent]
        if wait and ready:
            wait_for(ready)
        for seg in running:
            if seg.sent and seg.conn.poll():
                self._finish(seg)
        free = self.workers - sum(1 for s in self._segments if s.process is not None and s.count is None)
        for seg in [s for s in self._segments if s.process is None][: max(0, free)]:
            self._start(seg)
        if any(s.process is not None and s.count is None and s.stamps and not s.sent for s in self._segments):
            self._advance(wait=False)  # a worker just started whose ids are known already

    def _start(self, seg: _Segment) -> None:
        parent, child = self._context.Pipe()
        seg.process = self._context.Process(
            target=_segment_worker, args=(child, str(seg.part), seg.docs), daemon=True
        )
        seg.process.start()
        child.close()
        seg.conn, seg.docs = parent, None  # memory: the worker has its own copy

    def _finish(self, seg: _Segment) -> None:
        try:
            status, value = seg.conn.recv()
        except EOFError:
            status, value = "error", f"index worker {seg.process.pid} ended without an answer"
        seg.conn.close()
        seg.process.join()
        if status != "ok":
            raise RuntimeError(f"writing a search index segment failed:\n{value}")
        seg.count = value
