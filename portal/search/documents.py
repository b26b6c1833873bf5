"""Listings as search documents: the only place that knows both the models and the index.

Documents are read with plain SELECTs (a listing row with its area and owner, then its tags, targets,
languages and translations per chunk), not as ORM objects: a full rebuild reads every listing, and
building 10,000 ORM objects with their collections took longer than analysing their text. An imported
row's new listing gets its document here too (`new_listing_document`), before it is stored.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, aliased

from portal.importer.rows import ListingRow
from portal.models import Area, Listing, ListingLanguage, ListingTag, ListingTarget, ListingTranslation
from portal.search.index import IndexDoc

CHUNK = 500  # listings loaded per query while indexing

_Owner = aliased(Listing)


def _listing_rows() -> Select:
    """One row per listing: the listing's own columns, its area's code and name, its owner's name."""
    return (
        select(
            Listing.id,
            Listing.kind,
            Listing.name,
            Listing.name_kana,
            Listing.summary,
            Listing.description,
            Listing.confirmed_at,
            Listing.updated_at,
            func.coalesce(_Owner.name, "").label("organisation"),
            func.coalesce(Area.code, "").label("area_code"),
            func.coalesce(Area.name, "").label("area_name"),
        )  # fmt: skip
        .outerjoin(_Owner, Listing.organisation)
        .outerjoin(Area, Listing.area)
    )


def _values_by_listing(session: Session, column, ids: list[int], *order_by) -> dict[int, list[Any]]:
    """listing id → the values of a child table's column (tags, targets ...) for these listings."""
    owner_id = column.class_.listing_id
    out: dict[int, list[Any]] = defaultdict(list)
    for listing_id, value in session.execute(
        select(owner_id, column).where(owner_id.in_(ids)).order_by(*order_by)
    ):
        out[listing_id].append(value)
    return out


def _documents(session: Session, rows: list) -> list[IndexDoc]:
    """IndexDocs for listing rows from `_listing_rows`, with their child rows read per chunk."""
    ids = [row.id for row in rows]
    tags = _values_by_listing(session, ListingTag.tag, ids)
    targets = _values_by_listing(session, ListingTarget.target, ids, ListingTarget.target)
    languages = _values_by_listing(session, ListingLanguage.language, ids)
    translations = _translations(session, ids)
    return [
        IndexDoc(
            id=row.id,
            kind=row.kind,
            name=row.name,
            name_kana=row.name_kana,
            summary=row.summary,
            description=row.description,
            tags=tags.get(row.id, []),
            organisation=row.organisation,
            area_code=row.area_code,
            area_name=row.area_name,
            targets=targets.get(row.id, []),
            languages=languages.get(row.id, []),
            translations=translations.get(row.id, []),
            updated_at=row.confirmed_at or row.updated_at,
        )
        for row in rows
    ]


def _translations(session: Session, ids: list[int]) -> dict[int, list[str]]:
    """listing id → each translation's name, summary and description as one text."""
    t = ListingTranslation
    query = select(t.listing_id, t.name, t.summary, t.description).where(t.listing_id.in_(ids)).order_by(t.id)
    out: dict[int, list[str]] = defaultdict(list)
    for listing_id, *parts in session.execute(query):
        out[listing_id].append(translation_text(*parts))
    return out


def translation_text(*parts: str | None) -> str:
    """A translation's name, summary and description as the one text a document indexes."""
    return " ".join(part for part in parts if part)


def new_listing_document(row: ListingRow, areas: dict[str, Area]) -> IndexDoc:
    """The document an imported row's new listing will have, as `_documents` would read it back
    (without its id, known after the INSERT): the index is built while the import writes."""
    area = areas[row.area] if row.area else None
    return IndexDoc(
        id=0,  # known after the INSERT: the worker gets it then
        kind=row.kind,
        name=row.name,
        name_kana=row.name_kana,
        summary=row.summary,
        description=row.description,
        tags=list(row.tags),
        organisation=row.organisation if row.kind in ("menu", "event") else "",
        area_code=area.code if area else "",
        area_name=area.name if area else "",
        targets=sorted(row.targets),  # the database hands them back in this order
        languages=list(row.languages),
        translations=[
            translation_text(texts.get("name"), texts.get("summary"), texts.get("description"))
            for texts in row.translations.values()
        ],
    )


def documents_for(session: Session, ids: Iterable[int]) -> tuple[list[IndexDoc], set[int]]:
    """Documents for the public listings among `ids`, and the ids to drop (retired, unpublished, gone)."""
    wanted = sorted(set(ids))
    docs: list[IndexDoc] = []
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start : start + CHUNK]
        rows = session.execute(_listing_rows().where(Listing.id.in_(chunk), Listing.is_public)).all()
        docs.extend(_documents(session, rows))
    return docs, set(wanted) - {doc.id for doc in docs}


def count_documents(session: Session) -> int:
    return session.scalar(select(func.count(Listing.id)).where(Listing.is_public)) or 0


def all_documents(session: Session, through_id: int | None = None) -> Iterator[IndexDoc]:
    """Every public listing (up to ``through_id`` when given), streamed in chunks (for a full rebuild)."""
    last_id = 0
    while True:
        query = (
            _listing_rows().where(Listing.id > last_id, Listing.is_public).order_by(Listing.id).limit(CHUNK)
        )
        if through_id is not None:
            query = query.where(Listing.id <= through_id)
        rows = session.execute(query).all()
        if not rows:
            return
        yield from _documents(session, rows)
        last_id = rows[-1].id
