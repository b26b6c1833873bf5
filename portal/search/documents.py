"""Listings as search documents: the only place that knows both the models and the index."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from portal.models import Listing
from portal.search.index import IndexDoc

CHUNK = 500  # listings loaded per query while indexing


def _load_options():
    return (
        selectinload(Listing._targets),
        selectinload(Listing._tags),
        selectinload(Listing._languages),
        selectinload(Listing.translations),
        selectinload(Listing.organisation),
    )


def to_document(listing: Listing) -> IndexDoc:
    translations = [
        " ".join(part for part in (t.name, t.summary, t.description) if part) for t in listing.translations
    ]
    return IndexDoc(
        id=listing.id,
        kind=listing.kind,
        name=listing.name,
        name_kana=listing.name_kana,
        summary=listing.summary,
        description=listing.description,
        tags=list(listing.tags),
        organisation=listing.organisation.name if listing.organisation else "",
        area_code=listing.area.code if listing.area else "",
        area_name=listing.area.name if listing.area else "",
        targets=list(listing.targets),
        languages=list(listing.languages),
        translations=translations,
        updated_at=listing.confirmed_at or listing.updated_at,
    )


def documents_for(session: Session, ids: Iterable[int]) -> tuple[list[IndexDoc], set[int]]:
    """Documents for the public listings among `ids`, and the ids to drop (retired, unpublished, gone)."""
    wanted = sorted(set(ids))
    docs: list[IndexDoc] = []
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start : start + CHUNK]
        query = select(Listing).where(Listing.id.in_(chunk)).options(*_load_options())
        docs.extend(to_document(listing) for listing in session.scalars(query) if listing.is_public)
    return docs, set(wanted) - {doc.id for doc in docs}


def _public():
    return (Listing.status == "published", Listing.retired_at.is_(None))


def count_documents(session: Session) -> int:
    return session.scalar(select(func.count(Listing.id)).where(*_public())) or 0


def all_documents(session: Session) -> Iterator[IndexDoc]:
    """Every public listing, streamed in chunks (for a full rebuild)."""
    last_id = 0
    while True:
        query = (
            select(Listing)
            .where(Listing.id > last_id, *_public())
            .order_by(Listing.id)
            .limit(CHUNK)
            .options(*_load_options())
        )
        batch = list(session.scalars(query))
        if not batch:
            return
        yield from (to_document(listing) for listing in batch)
        last_id = batch[-1].id
        session.expunge_all()  # keep memory flat over 100k listings
