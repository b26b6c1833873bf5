"""Search as the page and the API use it: filters checked, the index asked, listings loaded.

When the index is missing or broken, search answers from the database (simpler matching, with a note)
and the index is rebuilt once in the background.
"""

from __future__ import annotations

import logging
import threading
import unicodedata
from dataclasses import dataclass, field

from flask import Flask, current_app
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from portal.extensions import db
from portal.models import KINDS, TARGETS, Area, Listing, ListingTag
from portal.search.index import Hit, IndexUnavailable
from portal.search.sync import get_follower, get_index, rebuild_index

log = logging.getLogger(__name__)
PER_PAGE = 20
_rebuilding = threading.Lock()


@dataclass
class SearchResult:
    query: str
    total: int
    page: int
    per_page: int
    listings: list[Listing]
    highlights: dict[int, dict[str, str]] = field(default_factory=dict)
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    suggestions: list[str] = field(default_factory=list)
    ignored: dict[str, str] = field(default_factory=dict)  # filter name → the unknown value left out
    degraded: bool = False  # answered from the database while the index is rebuilt
    relaxed: bool = False  # no listing had every word

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


@dataclass
class Filters:
    kind: str | None = None
    area: str | None = None
    target: str | None = None
    unknown: dict[str, str] = field(default_factory=dict)


def check_filters(kind: str | None, area: str | None, target: str | None) -> Filters:
    """Known values pass; an unknown one is dropped and named (the API turns it into a 400)."""
    filters = Filters()
    # PostgreSQL rejects NUL in text: a value holding one cannot be a known code anyway
    kind, area, target = (v.replace("\x00", "\ufffd") if v else v for v in (kind, area, target))
    if kind:
        if kind in KINDS:
            filters.kind = kind
        else:
            filters.unknown["kind"] = kind
    if target:
        if target in TARGETS:
            filters.target = target
        else:
            filters.unknown["target"] = target
    if area:
        if db.session.scalar(select(Area.id).where(Area.code == area)) is not None:
            filters.area = area
        else:
            filters.unknown["area"] = area
    return filters


def parse_page(raw: str | None) -> int:
    try:
        return min(max(1, int(raw or 1)), 10_000)
    except ValueError:
        return 1


def page_numbers(result: SearchResult, around: int = 2) -> list[int | None]:
    """Pages to link: the first, the last, and a few around the current one (None marks a gap)."""
    last = result.pages
    shown = sorted({1, last, *range(max(1, result.page - around), min(last, result.page + around) + 1)})
    out: list[int | None] = []
    for number in shown:
        if out and number - (out[-1] or 0) > 1:
            out.append(None)
        out.append(number)
    return out


def search(q: str, filters: Filters, page: int = 1, per_page: int = PER_PAGE) -> SearchResult:
    q = (q or "")[:2000].replace("\x00", " ")  # PostgreSQL rejects NUL in text (the fallback's LIKE)
    app = current_app._get_current_object()
    get_follower(app).catch_up_if_due(lambda: _rebuild_in_background(app))  # other servers' edits
    try:
        found = get_index().search(
            q, kind=filters.kind, area=filters.area, target=filters.target, page=page, per_page=per_page
        )
    except IndexUnavailable:
        log.warning("search index unavailable; answering from the database and rebuilding")
        _rebuild_in_background(current_app._get_current_object())
        return _search_database(q, filters, page, per_page)
    if found.total and not found.hits and page > 1:  # past the end: show the last page instead
        last = -(-found.total // per_page)
        return search(q, filters, last, per_page)
    listings = _load([hit.id for hit in found.hits])
    return SearchResult(
        query=q, total=found.total, page=found.page, per_page=per_page, listings=listings,
        highlights={hit.id: hit.highlights for hit in found.hits}, facets=found.facets,
        suggestions=found.suggestions, ignored=filters.unknown, relaxed=getattr(found, "relaxed", False),
    )  # fmt: skip


def answer_may_be_kept(result: SearchResult, known_change: int | None) -> bool:
    """Whether a page cache may keep this answer: from the index, and the index has every known change."""
    if result.degraded:
        return False
    applied = get_follower().applied_id()
    return known_change is None or (applied is not None and applied >= known_change)


def _load(ids: list[int]) -> list[Listing]:
    if not ids:
        return []
    query = (
        select(Listing)
        .where(Listing.id.in_(ids), Listing.is_public)
        .options(selectinload(Listing.translations), selectinload(Listing._targets))
    )
    by_id = {listing.id: listing for listing in db.session.scalars(query)}
    return [by_id[i] for i in ids if i in by_id]


def _search_database(q: str, filters: Filters, page: int, per_page: int) -> SearchResult:
    """Plain substring matching on the folded words: worse than the index, never an error."""
    words = [w for w in unicodedata.normalize("NFKC", q).split() if w][:8]
    query = select(Listing).where(Listing.is_public)
    for word in words:
        pattern = "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(
            or_(
                Listing.name.like(pattern, escape="\\"),
                Listing.name_kana.like(pattern, escape="\\"),
                Listing.summary.like(pattern, escape="\\"),
                Listing.description.like(pattern, escape="\\"),
                Listing._tags.any(ListingTag.tag.like(pattern, escape="\\")),
            )
        )
    if filters.kind:
        query = query.where(Listing.kind == filters.kind)
    if filters.area:
        query = query.where(Listing.area.has(Area.code == filters.area))
    if filters.target:
        query = query.where(Listing.targets.contains(filters.target))
    everything = db.session.scalars(query.order_by(Listing.name_kana, Listing.name)).all()
    page = min(page, max(1, -(-len(everything) // per_page)))  # past the end: the last page
    start = (page - 1) * per_page
    return SearchResult(
        query=q, total=len(everything), page=page, per_page=per_page,
        listings=list(everything[start : start + per_page]), ignored=filters.unknown, degraded=True,
    )  # fmt: skip


def _rebuild_in_background(app: Flask) -> None:
    if not _rebuilding.acquire(blocking=False):
        return  # one rebuild at a time

    def work() -> None:
        try:
            with app.app_context():
                rebuild_index()
        except Exception:
            log.exception("search index rebuild failed")
        finally:
            _rebuilding.release()

    threading.Thread(target=work, name="search-rebuild", daemon=True).start()


__all__ = ["Filters", "Hit", "SearchResult", "check_filters", "page_numbers", "parse_page", "search"]
